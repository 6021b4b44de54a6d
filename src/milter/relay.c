/*
 * relay.c - the filter callbacks of `ndrguard milter --relay`: the
 * outbound relay guard (relay.h) on a hosted relay.
 *
 * Each MAIL decides the direction.  A client that is a tenant (by SASL
 * login, then by network: ng_relay_tenant) sends outbound mail; anyone
 * else sends inbound mail to the tenants.
 *
 * Inbound: the header fields feed the message-log record (Message-ID,
 * trusted Authentication-Results / Received-SPF, spam verdict headers);
 * end of headers writes the record to the store with its expiry and
 * accepts the message (Postfix then sends no body).  A store failure is
 * logged and counted, never held against the message.
 *
 * Outbound: ordinary mail (not a candidate after its headers: see
 * content.h for the candidate rules) is accepted at end of headers and
 * costs nothing more.  A candidate streams into a classifier and into a
 * spool file in the quarantine's tmp/.  At end of data:
 *   1. the classifier's verdict; not a bounce or auto-reply -> allow;
 *   2. the message log: the returned original's Message-ID (or the
 *      message's In-Reply-To) looked up in the store;
 *   3. SPF of the hop that handed the original in, for the original's
 *      envelope sender (the bounce's recipient), in the DNS thread, waited
 *      for at most relay_spf_timeout (no answer: temperror, no evidence);
 *   4. ng_relay_judge(): verdict and action;
 *   5. a bounce that is to leave (allow, route) takes from the tenant's
 *      budgets; over budget -> 451 4.7.1, the tenant's MTA retries;
 *   6. the action: allow (nothing), route (the X-Ndrguard-Route header,
 *      which Postfix's milter_header_checks turns into FILTER), quarantine
 *      (the spool committed to the Maildir, the message discarded; if that
 *      fails: tempfail, the message stays with the tenant), discard,
 *      reject (relay_reject_text).
 * One log line per message says all of it.
 *
 * Never lose mail: every failure on the way (no classifier, spool error,
 * too many recipients to hold) lowers a quarantine or discard to
 * tempfail, or a route stays a route; nothing is dropped that is not
 * held.
 */
#include "milter.h"
#include "util/str.h"

#include "util/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define ROUTE_HEADER "X-Ndrguard-Route"

struct rconn {
	unsigned long proto, acts;
	char client[NG_CONTENT_CLIENT_MAX];
	char client_name[256];
	/* the message */
	struct timespec t0;
	const char *tenant; /* NULL: inbound */
	char sender[NG_CL_ADDR_MAX];
	char **rcpts;
	size_t nrcpts, rcap;
	bool rcpt_cut; /* more than NG_MILTER_RELAY_RCPTS_MAX */
	/* inbound */
	struct ng_relay_logrec rec;
	/* outbound */
	struct ng_content_msg m;
	bool candidate;
	ng_classifier *cl;
	struct ng_qspool *sp;
	bool spool_failed;
	char *hbuf;
	size_t hlen;
	bool hcut; /* the header section overflowed hbuf: classified from there */
	char in_reply_to[NG_RELAY_MSGID_MAX];
	char subject[256];
};

static enum ng_milter_stat noreply(const struct rconn *c, unsigned long flag)
{
	return (c->proto & flag) ? NG_MILTER_NOREPLY : NG_MILTER_CONTINUE;
}

static void msg_reset(struct rconn *c)
{
	mt_pool_put(mt_srv, c->cl);
	c->cl = NULL;
	ng_qspool_abort(c->sp);
	c->sp = NULL;
	c->spool_failed = false;
	for (size_t i = 0; i < c->nrcpts; i++)
		free(c->rcpts[i]);
	c->nrcpts = 0;
	c->rcpt_cut = false;
	c->tenant = NULL;
	c->candidate = false;
	c->hlen = 0;
	c->hcut = false;
	c->sender[0] = '\0';
	c->in_reply_to[0] = '\0';
	c->subject[0] = '\0';
}

static void add_rcpt(struct rconn *c, const char *rcpt)
{
	if (c->nrcpts >= NG_MILTER_RELAY_RCPTS_MAX) {
		c->rcpt_cut = true;
		return;
	}
	if (c->nrcpts == c->rcap) {
		size_t nc = c->rcap != 0 ? 2 * c->rcap : 4;
		char **nr = realloc(c->rcpts, nc * sizeof(*nr));
		if (nr == NULL) {
			c->rcpt_cut = true;
			return;
		}
		c->rcpts = nr;
		c->rcap = nc;
	}
	char *a = strdup(rcpt);
	if (a == NULL) {
		c->rcpt_cut = true;
		return;
	}
	c->rcpts[c->nrcpts++] = a;
}

static void bump(unsigned long long *counter)
{
	pthread_mutex_lock(&mt_srv->pool_mu);
	(*counter)++;
	pthread_mutex_unlock(&mt_srv->pool_mu);
}

/* Message bytes of a candidate: the classifier and the spool. */
static void feed(struct rconn *c, const void *p, size_t n)
{
	if (c->cl != NULL)
		ng_classify_feed(c->cl, p, n);
	if (c->sp != NULL && !c->spool_failed && ng_qspool_write(c->sp, p, n) < 0)
		c->spool_failed = true;
}

static void log_inbound(struct ng_milter_ctx *ctx, struct rconn *c);

/* ----- callbacks ----- */

static enum ng_milter_stat r_negotiate(struct ng_milter_ctx *ctx, unsigned long f0,
                                       unsigned long f1, unsigned long *pf0, unsigned long *pf1)
{
	struct rconn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	c->hbuf = malloc(NG_MILTER_HEADER_BUF_MAX);
	if (c->hbuf == NULL) {
		free(c);
		return NG_MILTER_TEMPFAIL;
	}
	/* See callbacks.c for why DATA is never NODATA/NR_DATA.  HDR_LEADSPC:
	 * the header values as sent, so a held message is the message. */
	/* End of headers answers (no NR_EOH): ordinary mail and inbound mail
	 * are accepted there, and Postfix then sends no body at all; the body
	 * of a candidate needs no answers (NR_BODY).  So ordinary mail costs
	 * one round trip, plus DATA's over TCP: on a unix socket DATA is not
	 * sent at all (NODATA), while over TCP its answer must carry the ACK
	 * that keeps the MTA's Nagle from stalling (see callbacks.c). */
	unsigned long proto = NG_MILTER_P_NOHELO | NG_MILTER_P_NOUNKNOWN | NG_MILTER_P_NR_CONN |
	                      NG_MILTER_P_NR_MAIL | NG_MILTER_P_NR_RCPT | NG_MILTER_P_NR_HDR |
	                      NG_MILTER_P_NR_BODY | NG_MILTER_P_HDR_LEADSPC;
	if (mt_srv->listen_unix)
		proto |= NG_MILTER_P_NODATA;
	c->acts = f0 & (NG_MILTER_A_ADDHDRS | NG_MILTER_A_SETSYMLIST);
	c->proto = f1 & proto;
	*pf0 = c->acts;
	*pf1 = c->proto;
	ng_milter_setpriv(ctx, c);
	/* Only the macros read here: the queue id, and the SASL login at MAIL.
	 * Postfix sends its milter_*_macros for every stage whose list is
	 * empty, skipped events included (a resolver lookup per RCPT for
	 * {rcpt_host} and {rcpt_mailer}), so each stage gets a list. */
	if (c->acts & NG_MILTER_A_SETSYMLIST) {
		for (int st = 0; st < NG_MILTER_NSTAGES; st++)
			ng_milter_setsymlist(ctx, (enum ng_milter_stage)st,
			                     st == NG_MILTER_STAGE_MAIL ? "i {auth_authen}" : "i");
	}
	return NG_MILTER_CONTINUE;
}

static enum ng_milter_stat r_connect(struct ng_milter_ctx *ctx, const char *hostname,
                                     const struct sockaddr *sa)
{
	struct rconn *c = ng_milter_getpriv(ctx);
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	mt_client_addr(sa, hostname, c->client, sizeof(c->client), c->client_name,
	               sizeof(c->client_name));
	return noreply(c, NG_MILTER_P_NR_CONN);
}

static enum ng_milter_stat r_envfrom(struct ng_milter_ctx *ctx, char **argv)
{
	struct rconn *c = ng_milter_getpriv(ctx);
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	msg_reset(c);
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	mt_strip_brackets(argv[0] != NULL ? argv[0] : "", c->sender, sizeof(c->sender));
	const char *login = ng_milter_getsymval(ctx, "{auth_authen}");
	c->tenant = ng_relay_tenant(mt_srv->relay, c->client, login);
	if (c->tenant != NULL) {
		bump(&mt_srv->rst.outbound);
		ng_content_begin(mt_srv->ct, &c->m, c->client, c->client_name, c->sender);
	} else {
		bump(&mt_srv->rst.inbound);
		ng_relay_log_begin(mt_srv->relay, &c->rec, (int64_t)time(NULL), c->client,
		                   c->sender);
	}
	return noreply(c, NG_MILTER_P_NR_MAIL);
}

static enum ng_milter_stat r_envrcpt(struct ng_milter_ctx *ctx, char **argv)
{
	struct rconn *c = ng_milter_getpriv(ctx);
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	char rcpt[NG_CL_ADDR_MAX];
	mt_strip_brackets(argv[0] != NULL ? argv[0] : "", rcpt, sizeof(rcpt));
	if (c->tenant != NULL) {
		add_rcpt(c, rcpt);
		ng_content_rcpt(mt_srv->ct, &c->m, rcpt);
	}
	return noreply(c, NG_MILTER_P_NR_RCPT);
}

static void copy_field(char *dst, size_t cap, const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	ng_str_copyn(dst, cap, v, strcspn(v, "\r\n"));
}

static enum ng_milter_stat r_header(struct ng_milter_ctx *ctx, const char *name, const char *value)
{
	struct rconn *c = ng_milter_getpriv(ctx);
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	if (c->tenant == NULL) {
		ng_relay_log_header(mt_srv->relay, &c->rec, name, value);
		return noreply(c, NG_MILTER_P_NR_HDR);
	}
	/* the value as sent: with HDR_LEADSPC its leading space is in it */
	bool lead = (c->proto & NG_MILTER_P_HDR_LEADSPC) != 0;
	const char *v = value;
	if (lead && (*v == ' ' || *v == '\t'))
		v++;
	ng_content_header(mt_srv->ct, &c->m, name, v);
	if (strcasecmp(name, "In-Reply-To") == 0)
		copy_field(c->in_reply_to, sizeof(c->in_reply_to), v);
	else if (strcasecmp(name, "Subject") == 0)
		copy_field(c->subject, sizeof(c->subject), v);
	size_t nl = strlen(name), vl = strlen(value);
	if (!c->hcut && c->hlen + nl + vl + 4 <= NG_MILTER_HEADER_BUF_MAX) {
		memcpy(c->hbuf + c->hlen, name, nl);
		c->hlen += nl;
		c->hbuf[c->hlen++] = ':';
		if (!lead)
			c->hbuf[c->hlen++] = ' ';
		memcpy(c->hbuf + c->hlen, value, vl);
		c->hlen += vl;
		c->hbuf[c->hlen++] = '\r';
		c->hbuf[c->hlen++] = '\n';
	} else {
		c->hcut = true; /* decided at end of headers: never a silent cut */
	}
	return noreply(c, NG_MILTER_P_NR_HDR);
}

static enum ng_milter_stat r_eoh(struct ng_milter_ctx *ctx)
{
	struct rconn *c = ng_milter_getpriv(ctx);
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	if (c->tenant == NULL) {
		log_inbound(ctx, c);
		return NG_MILTER_ACCEPT; /* the record is all inbound mail costs */
	}
	c->candidate = ng_content_candidate(&c->m);
	if (!c->candidate)
		return NG_MILTER_ACCEPT; /* ordinary outbound mail: nothing more to do */
	bump(&mt_srv->rst.candidates);
	c->cl = mt_pool_get(mt_srv);
	if (c->cl != NULL) {
		ng_envelope env = {c->sender};
		ng_classify_begin(c->cl, &env);
	}
	char err[256];
	c->sp = ng_quarantine_spool(mt_srv->quar, err, sizeof(err));
	if (c->sp == NULL) {
		c->spool_failed = true;
		ng_log(&mt_srv->log, NG_LOG_ERROR, "quarantine spool: %s", err);
	}
	if (c->hcut)
		c->spool_failed = true; /* the spool would miss headers: never held */
	feed(c, c->hbuf, c->hlen);
	feed(c, "\r\n", 2);
	c->hlen = 0;
	return NG_MILTER_CONTINUE;
}

static enum ng_milter_stat r_body(struct ng_milter_ctx *ctx, const unsigned char *chunk, size_t len)
{
	struct rconn *c = ng_milter_getpriv(ctx);
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	if (c->tenant != NULL && c->candidate)
		feed(c, chunk, len); /* others were accepted at end of headers */
	return noreply(c, NG_MILTER_P_NR_BODY);
}

/* ----- end of data ----- */

static long long usec_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long long)(t1.tv_sec - t0->tv_sec) * 1000000LL + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

static void log_inbound(struct ng_milter_ctx *ctx, struct rconn *c)
{
	char key[NG_RELAY_MSGID_MAX + 4], mid[300], snd[400], cl[80];
	size_t klen;
	const char *stored = "no-message-id";
	if (ng_relay_log_key(c->rec.message_id, key, sizeof(key), &klen)) {
		ng_buf b;
		int64_t expires;
		ng_buf_init(&b, 8192);
		ng_relay_log_encode(mt_srv->relay, &c->rec, &b, &expires);
		int rc = b.failed || b.overflow
		             ? NG_STORE_ENOMEM
		             : ng_store_put(mt_srv->store, key, klen, b.data, b.len, expires);
		ng_buf_free(&b);
		if (rc == 0) {
			bump(&mt_srv->rst.logged);
			stored = "yes";
		} else {
			bump(&mt_srv->rst.log_failed);
			stored = "failed";
			ng_log(&mt_srv->log, NG_LOG_ERROR, "message log: %s",
			       ng_store_strerror(rc));
		}
	}
	const char *q = ng_milter_getsymval(ctx, "i");
	char qid[40];
	ng_log(&mt_srv->log, NG_LOG_INFO,
	       "inbound client=%s queue_id=%s sender=\"%s\" message_id=\"%s\" spf=%s dkim=%s "
	       "dmarc=%s spam=%s logged=%s usec=%lld",
	       mt_esc(cl, sizeof(cl), c->client), mt_esc(qid, sizeof(qid), q),
	       mt_esc(snd, sizeof(snd), c->sender[0] != '\0' ? c->sender : "<>"),
	       mt_esc(mid, sizeof(mid), c->rec.message_id), c->rec.spf[0] ? c->rec.spf : "-",
	       c->rec.dkim[0] ? c->rec.dkim : "-", c->rec.dmarc[0] ? c->rec.dmarc : "-",
	       c->rec.spam == NG_RELAY_SPAM_YES  ? "yes"
	       : c->rec.spam == NG_RELAY_SPAM_NO ? "no"
	                                         : "-",
	       stored, usec_since(&c->t0));
}

/* The message log's record of the returned original, if any. */
static void lookup_log(struct rconn *c, const ng_verdict *v, struct ng_relay_evidence *e,
                       const char **msgid)
{
	char key[NG_RELAY_MSGID_MAX + 4];
	size_t klen;
	*msgid = v != NULL && v->original.message_id[0] != '\0' ? v->original.message_id
	                                                        : c->in_reply_to;
	if (!ng_relay_log_key(*msgid, key, sizeof(key), &klen))
		return;
	e->have_msgid = true;
	void *val = NULL;
	size_t vlen = 0;
	int rc = ng_store_get(mt_srv->store, key, klen, (int64_t)time(NULL), &val, &vlen, NULL);
	if (rc == 0 && ng_relay_log_decode(val, vlen, &e->log))
		e->in_log = true;
	else if (rc < 0) {
		/* cannot tell: no evidence either way */
		e->have_msgid = false;
		ng_log(&mt_srv->log, NG_LOG_ERROR, "message log: %s", ng_store_strerror(rc));
	}
	free(val);
}

/* SPF of the entry hop; *target set when there was a question. */
static void check_spf(struct rconn *c, const ng_verdict *v, struct ng_relay_evidence *e,
                      struct ng_relay_spf_target *t, struct ng_spf_outcome *out, bool *timeout)
{
	memset(out, 0, sizeof(*out));
	if (c->nrcpts == 0 || !ng_relay_spf_target(mt_srv->relay, v, c->rcpts[0], t))
		return;
	struct mt_lookup *l = mt_spf_start(mt_srv->dns, t->ip, t->helo, t->sender);
	if (l == NULL)
		return;
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += mt_srv->spf_wait.tv_sec;
	if (mt_spf_wait(l, &dl, out)) {
		e->spf_checked = true;
		e->spf = out->result;
	} else {
		*timeout = true;
		out->result = NG_SPF_TEMPERROR;
	}
	mt_lookup_release(l);
}

/* Quarantine the spooled message; false when it could not be held. */
static bool hold(struct rconn *c, const ng_verdict *v, const struct ng_relay_judgement *j,
                 const char *msgid, char *id, size_t idcap)
{
	if (c->sp == NULL || c->spool_failed || c->rcpt_cut)
		return false;
	struct ng_qmeta meta;
	memset(&meta, 0, sizeof(meta));
	meta.time = (int64_t)time(NULL);
	meta.expires = meta.time + mt_srv->quarantine_ttl;
	snprintf(meta.tenant, sizeof(meta.tenant), "%s", c->tenant);
	snprintf(meta.client, sizeof(meta.client), "%s", c->client);
	snprintf(meta.sender, sizeof(meta.sender), "%s", c->sender);
	meta.rcpts = c->rcpts;
	meta.nrcpts = c->nrcpts;
	snprintf(meta.cls, sizeof(meta.cls), "%s",
	         ng_class_name(v != NULL ? v->cls : NG_CLASS_NONE));
	snprintf(meta.verdict, sizeof(meta.verdict), "%s", ng_relay_verdict_name(j->verdict));
	meta.score = j->score;
	snprintf(meta.rules, sizeof(meta.rules), "%s", j->rules);
	snprintf(meta.subject, sizeof(meta.subject), "%s", c->subject);
	snprintf(meta.orig_message_id, sizeof(meta.orig_message_id), "%s", msgid);
	char err[512];
	struct ng_qspool *sp = c->sp;
	c->sp = NULL; /* commit frees it */
	if (ng_quarantine_commit(mt_srv->quar, sp, &meta, err, sizeof(err)) < 0) {
		ng_log(&mt_srv->log, NG_LOG_ERROR, "quarantine: %s", err);
		return false;
	}
	snprintf(id, idcap, "%s", meta.id);
	return true;
}

static enum ng_milter_stat eom_outbound(struct ng_milter_ctx *ctx, struct rconn *c)
{
	const ng_verdict *v = c->cl != NULL ? ng_classify_end(c->cl) : NULL;
	struct ng_relay_evidence e;
	memset(&e, 0, sizeof(e));
	e.cls = v != NULL ? v->cls : NG_CLASS_NONE;
	e.bounce_sender = c->m.bounce_sender;
	const char *msgid = "";
	struct ng_relay_spf_target t;
	struct ng_spf_outcome so;
	bool spf_timeout = false;
	memset(&t, 0, sizeof(t));
	memset(&so, 0, sizeof(so));
	bool judged = v != NULL && ng_relay_judged_class(e.cls, e.bounce_sender);
	if (c->cl == NULL && c->m.bounce_sender)
		judged = true; /* no classifier (out of memory): judged as unknown */
	if (judged) {
		lookup_log(c, v, &e, &msgid);
		check_spf(c, v, &e, &t, &so, &spf_timeout);
	}
	struct ng_relay_judgement j;
	ng_relay_judge(mt_srv->relay, &e, &j);
	enum ng_relay_action act = j.action;
	const char *why = "-";
	/* never drop what cannot be held */
	if ((act == NG_RELAY_QUARANTINE || act == NG_RELAY_DISCARD) && c->rcpt_cut) {
		act = NG_RELAY_TEMPFAIL;
		why = "too-many-recipients";
	}
	struct ng_relay_judgement over;
	if (j.verdict != NG_RELAY_NOT_JUDGED && (act == NG_RELAY_ALLOW || act == NG_RELAY_ROUTE)) {
		int64_t now_ms = (int64_t)time(NULL) * 1000;
		struct timespec mono;
		if (clock_gettime(CLOCK_MONOTONIC, &mono) == 0)
			now_ms = (int64_t)mono.tv_sec * 1000 + mono.tv_nsec / 1000000;
		if (ng_relay_budget_take(mt_srv->relay, c->tenant, (const char *const *)c->rcpts,
		                         c->nrcpts, now_ms, &over) != 0) {
			act = NG_RELAY_TEMPFAIL;
			why = "over-budget";
		}
	}
	char qid_held[NG_QID_MAX] = "";
	if (act == NG_RELAY_QUARANTINE && !hold(c, v, &j, msgid, qid_held, sizeof(qid_held))) {
		act = NG_RELAY_TEMPFAIL;
		why = "quarantine-failed";
	}
	enum ng_milter_stat rc = NG_MILTER_CONTINUE;
	char text[600];
	switch (act) {
	case NG_RELAY_ALLOW:
		break;
	case NG_RELAY_ROUTE:
		if (c->acts & NG_MILTER_A_ADDHDRS)
			ng_milter_addheader(ctx, (char *)ROUTE_HEADER, j.filter);
		else
			ng_log(&mt_srv->log, NG_LOG_WARN,
			       "the MTA does not let milters add headers: not routed");
		break;
	case NG_RELAY_QUARANTINE:
	case NG_RELAY_DISCARD:
		rc = NG_MILTER_DISCARD;
		break;
	case NG_RELAY_REJECT:
		mt_pct_escape(j.text, text, sizeof(text));
		ng_milter_setreply(ctx, j.rcode, j.xcode, text);
		rc = NG_MILTER_REJECT;
		break;
	case NG_RELAY_TEMPFAIL:
		if (strcmp(why, "over-budget") == 0) {
			mt_pct_escape(over.text, text, sizeof(text));
			ng_milter_setreply(ctx, over.rcode, over.xcode, text);
		} else {
			ng_milter_setreply(ctx, "451", "4.3.0",
			                   "message held back: cannot quarantine it now, try again "
			                   "later");
		}
		rc = NG_MILTER_TEMPFAIL;
		break;
	}
	if (act != j.action)
		ng_relay_count_action(mt_srv->relay, j.action, act);

	char cl[80], qid[40], snd[400], rc1[400], mid[300], subj[300], tn[200];
	const char *q = ng_milter_getsymval(ctx, "i");
	ng_log(&mt_srv->log, NG_LOG_INFO,
	       "outbound tenant=%s client=%s queue_id=%s sender=\"%s\" rcpts=%zu rcpt=\"%s\" "
	       "class=%s orig_message_id=\"%s\" log=%s spf=%s spf_hop=%s verdict=%s score=%d "
	       "rules=%s action=%s%s%s%s%s%s%s usec=%lld",
	       mt_esc(tn, sizeof(tn), c->tenant), mt_esc(cl, sizeof(cl), c->client),
	       mt_esc(qid, sizeof(qid), q),
	       mt_esc(snd, sizeof(snd), c->sender[0] != '\0' ? c->sender : "<>"), c->nrcpts,
	       mt_esc(rc1, sizeof(rc1), c->nrcpts > 0 ? c->rcpts[0] : NULL), ng_class_name(e.cls),
	       mt_esc(mid, sizeof(mid), msgid),
	       !e.have_msgid ? "-"
	       : e.in_log    ? "found"
	                     : "missing",
	       t.ip[0] == '\0' ? "-"
	       : spf_timeout   ? "timeout"
	                       : ng_spf_result_name(so.result),
	       t.ip[0] != '\0' ? t.ip : "-", ng_relay_verdict_name(j.verdict), j.score, j.rules,
	       ng_relay_action_name(act), act == NG_RELAY_ROUTE ? " filter=" : "",
	       act == NG_RELAY_ROUTE ? j.filter : "", qid_held[0] ? " quarantine_id=" : "",
	       qid_held, strcmp(why, "-") != 0 ? " why=" : "", strcmp(why, "-") != 0 ? why : "",
	       usec_since(&c->t0));
	(void)subj;
	return rc;
}

static enum ng_milter_stat r_eom(struct ng_milter_ctx *ctx)
{
	struct rconn *c = ng_milter_getpriv(ctx);
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	enum ng_milter_stat rc = c->tenant == NULL ? NG_MILTER_CONTINUE : eom_outbound(ctx, c);
	msg_reset(c);
	return rc;
}

static void r_abort(struct ng_milter_ctx *ctx)
{
	struct rconn *c = ng_milter_getpriv(ctx);
	if (c != NULL)
		msg_reset(c);
}

static void r_close(struct ng_milter_ctx *ctx)
{
	struct rconn *c = ng_milter_getpriv(ctx);
	if (c != NULL) {
		msg_reset(c);
		free(c->rcpts);
		free(c->hbuf);
		free(c);
		ng_milter_setpriv(ctx, NULL);
	}
}

const struct ng_milter_desc mt_relay_filter = {
    .name = "ndrguard-relay",
    .negotiate = r_negotiate,
    .connect = r_connect,
    .envfrom = r_envfrom,
    .envrcpt = r_envrcpt,
    .header = r_header,
    .eoh = r_eoh,
    .body = r_body,
    .eom = r_eom,
    .abort = r_abort,
    .close = r_close,
};

/* ----- periodic work and counters ----- */

void mt_relay_log_stats(struct mt_server *srv, const char *when)
{
	struct ng_relay_stats s;
	struct mt_relay_stats r;
	ng_relay_stats(srv->relay, &s);
	pthread_mutex_lock(&srv->pool_mu);
	r = srv->rst;
	pthread_mutex_unlock(&srv->pool_mu);
	char rules[800];
	size_t o = 0;
	rules[0] = '\0';
	for (unsigned i = 0; i < NG_RELAY_NRULES; i++) {
		int w = snprintf(rules + o, sizeof(rules) - o, " %s=%llu",
		                 ng_relay_rule_name((enum ng_relay_rule)i), s.fired[i]);
		if (w < 0 || (size_t)w >= sizeof(rules) - o)
			break;
		o += (size_t)w;
		if (s.dry[i] > 0) {
			w = snprintf(rules + o, sizeof(rules) - o, " %s_dry_run=%llu",
			             ng_relay_rule_name((enum ng_relay_rule)i), s.dry[i]);
			if (w < 0 || (size_t)w >= sizeof(rules) - o)
				break;
			o += (size_t)w;
		}
	}
	ng_log(&srv->log, NG_LOG_INFO,
	       "relay stats %s inbound=%llu logged=%llu log_failed=%llu outbound=%llu "
	       "candidates=%llu legitimate=%llu unknown=%llu backscatter=%llu allow=%llu "
	       "route=%llu quarantine=%llu discard=%llu reject=%llu tempfail=%llu "
	       "over_budget=%llu%s",
	       when, r.inbound, r.logged, r.log_failed, r.outbound, r.candidates,
	       s.verdicts[NG_RELAY_LEGITIMATE], s.verdicts[NG_RELAY_UNKNOWN],
	       s.verdicts[NG_RELAY_BACKSCATTER], s.actions[NG_RELAY_ALLOW],
	       s.actions[NG_RELAY_ROUTE], s.actions[NG_RELAY_QUARANTINE],
	       s.actions[NG_RELAY_DISCARD], s.actions[NG_RELAY_REJECT],
	       s.actions[NG_RELAY_TEMPFAIL], s.budget_deferred, rules);
}

void mt_relay_tick(void *arg)
{
	struct mt_server *srv = arg;
	time_t now = time(NULL);
	size_t removed = 0;
	int rc = ng_store_expire(srv->store, (int64_t)now, 10000, &removed);
	if (rc < 0)
		ng_log(&srv->log, NG_LOG_ERROR, "message log expiry: %s", ng_store_strerror(rc));
	else if (removed > 0)
		ng_log(&srv->log, NG_LOG_INFO, "message log: %zu expired records removed", removed);
	char err[512];
	if (ng_quarantine_expire(srv->quar, (int64_t)now, &removed, err, sizeof(err)) < 0)
		ng_log(&srv->log, NG_LOG_ERROR, "quarantine expiry: %s", err);
	else if (removed > 0)
		ng_log(&srv->log, NG_LOG_INFO, "quarantine: %zu expired messages removed", removed);
	if (srv->stats_interval > 0 && now - srv->last_stats >= srv->stats_interval) {
		srv->last_stats = now;
		mt_relay_log_stats(srv, "periodic");
	}
}
