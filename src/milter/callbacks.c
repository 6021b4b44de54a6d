/*
 * callbacks.c - the filter callbacks of `ndrguard milter` (milter.h).
 *
 * Registered: negotiate, connect, envfrom, envrcpt, header, eoh, body,
 * eom, abort, close.  In negotiate the MTA is told not to send HELO, DATA
 * and unknown commands (NG_MILTER_P_NO*), that connect, MAIL, RCPT, header and
 * end-of-header callbacks never answer (NG_MILTER_P_NR_*: they return
 * NG_MILTER_NOREPLY, or NG_MILTER_CONTINUE when the MTA did not offer the flag),
 * and that a body callback may say NG_MILTER_SKIP.  Only what the MTA offered
 * is asked for.
 *
 * Per message: the envelope and every header go to the content rules
 * (lib/policy/content.c); the header section is also kept in a capped
 * buffer, since only end of headers tells whether the message is a
 * candidate.  A candidate's header section and body are streamed into a
 * classifier (taken from a pool: ordinary mail never costs one); any other
 * message answers SKIP at its first body chunk.  The DNSBL lookup of a
 * candidate starts as soon as it is one (MAIL for a bounce sender, end of
 * headers otherwise), so it overlaps the body; end of data waits for it at
 * most dns_timeout x dns_tries + 1 s and then counts it as DNS trouble.
 * The decision is the library's (ng_content_decide); this file turns it
 * into smfi_setreply, smfi_addheader, smfi_quarantine and a return code,
 * and logs one line per message.
 *
 * BATV (when batv_keys is set; the decisions are lib/policy's,
 * ng_content_batv_*): MAIL signs the sender of our own mail (client in
 * our_networks, or {auth_authen} set: asked for at MAIL with
 * smfi_setsymlist where the MTA allows it); RCPT checks the recipient of
 * a bounce and may refuse it there, so RCPT is then negotiated with a
 * reply (no NG_MILTER_P_NR_RCPT); end of data applies what was decided:
 * ng_milter_chgfrom to the signed sender, ng_milter_delrcpt + ng_milter_addrcpt of each
 * validly signed recipient back to the original address, and the BATV tag
 * header.  Nothing is changed on a message that is rejected, tempfailed
 * or discarded.  The envelope is changed only at end of data because
 * the protocol allows it nowhere else; the MTA then queues the rewritten
 * envelope, so every later delivery attempt carries the same tag.
 */
#include "milter.h"
#include "util/str.h"

#include "util/limits.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct mt_server *mt_srv;

struct mt_conn {
	unsigned long proto; /* the SMFIP_* flags we set */
	unsigned long acts;  /* the SMFIF_* flags we got */
	char client[NG_CONTENT_CLIENT_MAX];
	char client_name[256];
	/* the message */
	bool in_msg;
	struct timespec t0;
	char sender[NG_CL_ADDR_MAX];
	char rcpt1[NG_CL_ADDR_MAX]; /* the first recipient, for the log */
	struct ng_content_msg m;
	bool decided;   /* end of headers seen */
	bool candidate; /* ... and the message is one */
	ng_classifier *cl;
	char *hbuf; /* the header section until end of headers */
	size_t hlen;
	bool hstream; /* hbuf overflowed: headers go to cl directly */
	struct mt_lookup *lk;
	/* what end of data did for BATV, for the log and the counters */
	bool batv_signed;
	unsigned batv_rewritten;
};

/* ----- classifier pool ----- */

ng_classifier *mt_pool_get(struct mt_server *srv)
{
	ng_classifier *c = NULL;
	pthread_mutex_lock(&srv->pool_mu);
	if (srv->npool > 0)
		c = srv->pool[--srv->npool];
	pthread_mutex_unlock(&srv->pool_mu);
	return c != NULL ? c : ng_classifier_new();
}

void mt_pool_put(struct mt_server *srv, ng_classifier *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&srv->pool_mu);
	if (srv->npool < srv->pool_cap) {
		srv->pool[srv->npool++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&srv->pool_mu);
	ng_classifier_free(c);
}

/* ----- helpers ----- */

static bool batv_on(void)
{
	return ng_content_batv_on(mt_srv->ct);
}

static enum ng_milter_stat noreply(const struct mt_conn *c, unsigned long nr_flag)
{
	return (c->proto & nr_flag) ? NG_MILTER_NOREPLY : NG_MILTER_CONTINUE;
}

/* "<a@b>" -> "a@b" into out. */
void mt_strip_brackets(const char *s, char *out, size_t cap)
{
	size_t n = strlen(s);
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
	}
	ng_str_copyn(out, cap, s, n);
}

static void hbuf_add(struct mt_conn *c, const char *s, size_t n)
{
	if (c->hstream) {
		ng_classify_feed(c->cl, s, n);
		return;
	}
	if (c->hlen + n > NG_MILTER_HEADER_BUF_MAX) {
		/* a long header section: classify from here on, whatever the
		 * message turns out to be (rare; bounded work) */
		c->cl = mt_pool_get(mt_srv);
		if (c->cl == NULL)
			return; /* out of memory: the message will not be classified */
		ng_envelope env = {c->sender};
		ng_classify_begin(c->cl, &env);
		ng_classify_feed(c->cl, c->hbuf, c->hlen);
		c->hlen = 0;
		c->hstream = true;
		ng_classify_feed(c->cl, s, n);
		return;
	}
	memcpy(c->hbuf + c->hlen, s, n);
	c->hlen += n;
}

static void msg_reset(struct mt_conn *c)
{
	mt_lookup_release(c->lk);
	c->lk = NULL;
	mt_pool_put(mt_srv, c->cl);
	c->cl = NULL;
	c->in_msg = false;
	c->decided = false;
	c->candidate = false;
	c->hlen = 0;
	c->hstream = false;
	c->sender[0] = '\0';
	c->rcpt1[0] = '\0';
	c->batv_signed = false;
	c->batv_rewritten = 0;
}

static void start_lookup(struct mt_conn *c)
{
	if (c->lk == NULL && ng_content_wants_lookup(&c->m))
		c->lk = mt_lookup_start(mt_srv->dns, c->client);
}

void mt_client_addr(const struct sockaddr *sa, const char *hostname, char *addr, size_t acap,
                    char *name, size_t ncap)
{
	addr[0] = '\0';
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, addr,
		          (socklen_t)acap);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		          addr, (socklen_t)acap);
	snprintf(name, ncap, "%s", hostname != NULL ? hostname : "");
}

/* ng_milter_setreply() reads '%' as a format character: double it. */
void mt_pct_escape(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (; *in != '\0' && o + 2 < cap; in++) {
		if (*in == '%')
			out[o++] = '%';
		out[o++] = *in;
	}
	out[o] = '\0';
}

char *mt_esc(char *dst, size_t cap, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return ng_log_escape(dst, cap, "-", 1, 1);
	return ng_log_escape(dst, cap, s, strlen(s), 200);
}

/* The BATV check of one recipient: true when it is refused here (the
 * reply set, one log line, since a refused recipient never reaches the
 * message's own line). */
static bool batv_refuse(struct ng_milter_ctx *ctx, struct mt_conn *c, const char *rcpt)
{
	struct ng_content_reply r;
	if (!ng_content_batv_rcpt(mt_srv->ct, &c->m, rcpt, &r))
		return false;
	char text[2 * NG_CONTENT_REPLY_MAX], client[80], rb[300], tb[700];
	mt_pct_escape(r.text, text, sizeof(text));
	ng_milter_setreply(ctx, r.rcode, r.xcode, text);
	pthread_mutex_lock(&mt_srv->pool_mu);
	mt_srv->st.batv_refused++;
	pthread_mutex_unlock(&mt_srv->pool_mu);
	ng_log(&mt_srv->log, NG_LOG_INFO,
	       "batv reject client=%s rcpt=\"%s\" batv=%s reply=\"%s %s %s\"",
	       mt_esc(client, sizeof(client), c->client), mt_esc(rb, sizeof(rb), rcpt),
	       c->m.batv != NULL ? c->m.batv : "-", r.rcode, r.xcode,
	       mt_esc(tb, sizeof(tb), r.text));
	return true;
}

/* ----- callbacks ----- */

static enum ng_milter_stat mt_negotiate(struct ng_milter_ctx *ctx, unsigned long f0,
                                        unsigned long f1, unsigned long *pf0, unsigned long *pf1)
{
	struct mt_conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	c->hbuf = malloc(NG_MILTER_HEADER_BUF_MAX);
	if (c->hbuf == NULL) {
		free(c);
		return NG_MILTER_TEMPFAIL;
	}
	unsigned long acts = NG_MILTER_A_ADDHDRS | NG_MILTER_A_QUARANTINE;
	/* Never NG_MILTER_P_NODATA or NG_MILTER_P_NR_DATA.  Postfix's milter client runs
	 * with Nagle's algorithm on; when the last packet smtpd sends before
	 * the content goes unanswered, our kernel delays its ACK (~40 ms) and
	 * Nagle holds cleanup's first header packet behind it: a 40 ms stall
	 * per message over TCP (measured: 25 ms a message at 2 sessions against
	 * 5 ms).  There is no data callback, so the session answers DATA
	 * itself, and that reply carries the ACK. */
	unsigned long proto = NG_MILTER_P_NOHELO | NG_MILTER_P_NOUNKNOWN | NG_MILTER_P_NR_CONN |
	                      NG_MILTER_P_NR_MAIL | NG_MILTER_P_NR_RCPT | NG_MILTER_P_NR_HDR |
	                      NG_MILTER_P_NR_EOH | NG_MILTER_P_SKIP;
	if (batv_on()) {
		/* the envelope rewrites, the {auth_authen} request, and a reply
		 * at RCPT for the unsigned-bounce reject */
		acts |= NG_MILTER_A_CHGFROM | NG_MILTER_A_ADDRCPT | NG_MILTER_A_DELRCPT |
		        NG_MILTER_A_SETSYMLIST;
		proto &= ~(unsigned long)NG_MILTER_P_NR_RCPT;
	}
	c->acts = f0 & acts;
	c->proto = f1 & proto;
	*pf0 = c->acts;
	*pf1 = c->proto;
	ng_milter_setpriv(ctx, c);
	/* the MTAs send {auth_authen} at MAIL by default; ask anyway, in case
	 * the macro list was trimmed ("i" kept for the log) */
	if (c->acts & NG_MILTER_A_SETSYMLIST)
		ng_milter_setsymlist(ctx, NG_MILTER_STAGE_MAIL, "i {auth_authen}");
	return NG_MILTER_CONTINUE;
}

static enum ng_milter_stat mt_connect(struct ng_milter_ctx *ctx, const char *hostname,
                                      const struct sockaddr *sa)
{
	struct mt_conn *c = ng_milter_getpriv(ctx);
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	mt_client_addr(sa, hostname, c->client, sizeof(c->client), c->client_name,
	               sizeof(c->client_name));
	return noreply(c, NG_MILTER_P_NR_CONN);
}

static enum ng_milter_stat mt_envfrom(struct ng_milter_ctx *ctx, char **argv)
{
	struct mt_conn *c = ng_milter_getpriv(ctx);
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	msg_reset(c);
	c->in_msg = true;
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	mt_strip_brackets(argv[0] != NULL ? argv[0] : "", c->sender, sizeof(c->sender));
	ng_content_begin(mt_srv->ct, &c->m, c->client, c->client_name, c->sender);
	if (batv_on()) {
		const char *auth = ng_milter_getsymval(ctx, "{auth_authen}");
		ng_content_batv_outbound(mt_srv->ct, &c->m, c->sender,
		                         auth != NULL && auth[0] != '\0');
	}
	start_lookup(c); /* a bounce sender is a candidate already */
	return noreply(c, NG_MILTER_P_NR_MAIL);
}

static enum ng_milter_stat mt_envrcpt(struct ng_milter_ctx *ctx, char **argv)
{
	struct mt_conn *c = ng_milter_getpriv(ctx);
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	char rcpt[NG_CL_ADDR_MAX];
	mt_strip_brackets(argv[0] != NULL ? argv[0] : "", rcpt, sizeof(rcpt));
	if (batv_on() && batv_refuse(ctx, c, rcpt))
		return NG_MILTER_REJECT;
	if (c->rcpt1[0] == '\0')
		memcpy(c->rcpt1, rcpt, strlen(rcpt) + 1);
	ng_content_rcpt(mt_srv->ct, &c->m, rcpt);
	return noreply(c, NG_MILTER_P_NR_RCPT);
}

static enum ng_milter_stat mt_header(struct ng_milter_ctx *ctx, const char *name, const char *value)
{
	struct mt_conn *c = ng_milter_getpriv(ctx);
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	ng_content_header(mt_srv->ct, &c->m, name, value);
	hbuf_add(c, name, strlen(name));
	hbuf_add(c, ": ", 2);
	hbuf_add(c, value, strlen(value));
	hbuf_add(c, "\r\n", 2);
	return noreply(c, NG_MILTER_P_NR_HDR);
}

static enum ng_milter_stat mt_eoh(struct ng_milter_ctx *ctx)
{
	struct mt_conn *c = ng_milter_getpriv(ctx);
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	c->decided = true;
	c->candidate = ng_content_candidate(&c->m);
	if (c->candidate) {
		if (c->cl == NULL) {
			c->cl = mt_pool_get(mt_srv);
			if (c->cl != NULL) {
				ng_envelope env = {c->sender};
				ng_classify_begin(c->cl, &env);
				ng_classify_feed(c->cl, c->hbuf, c->hlen);
			}
		}
		if (c->cl != NULL)
			ng_classify_feed(c->cl, "\r\n", 2);
		start_lookup(c);
	} else {
		mt_pool_put(mt_srv, c->cl); /* a long header section of ordinary mail */
		c->cl = NULL;
	}
	c->hlen = 0;
	c->hstream = false;
	return noreply(c, NG_MILTER_P_NR_EOH);
}

static enum ng_milter_stat mt_body(struct ng_milter_ctx *ctx, const unsigned char *chunk,
                                   size_t len)
{
	struct mt_conn *c = ng_milter_getpriv(ctx);
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	if (!c->candidate || c->cl == NULL)
		return (c->proto & NG_MILTER_P_SKIP) ? NG_MILTER_SKIP : NG_MILTER_CONTINUE;
	ng_classify_feed(c->cl, chunk, len);
	return NG_MILTER_CONTINUE;
}

/* ----- end of data ----- */

static void count(struct mt_server *srv, const struct mt_conn *c,
                  const struct ng_content_decision *d, bool timeout)
{
	pthread_mutex_lock(&srv->pool_mu);
	struct mt_stats *s = &srv->st;
	s->messages++;
	s->candidates += c->candidate;
	s->classified += c->cl != NULL;
	s->lookups += d->lookup;
	s->timeouts += timeout;
	unsigned long long *per[] = {&s->accept,  &s->tag,      &s->quarantine,
	                             &s->discard, &s->tempfail, &s->reject};
	(*per[d->action])++;
	s->batv_signed += c->batv_signed;
	s->batv_rewritten += c->batv_rewritten;
	pthread_mutex_unlock(&srv->pool_mu);
}

static void log_message(struct ng_milter_ctx *ctx, const struct mt_conn *c, const ng_verdict *v,
                        const struct ng_dnsbl_result *res, const struct ng_content_decision *d,
                        bool timeout)
{
	const struct ng_log *log = &mt_srv->log;
	if (log->emit == NULL || NG_LOG_INFO < log->min)
		return;
	char client[80], sender[300], rcpt[300], qid[40], ev[300], zones[400], text[600];
	char reply[700];
	const char *q = ng_milter_getsymval(ctx, "i");
	size_t o = 0;
	ev[0] = '\0';
	for (unsigned i = 0; v != NULL && i < v->nev && i < NG_CL_EVIDENCE_MAX; i++) {
		int w = snprintf(ev + o, sizeof(ev) - o, "%s%s", i ? "," : "", v->ev[i].rule);
		if (w < 0 || (size_t)w >= sizeof(ev) - o)
			break;
		o += (size_t)w;
	}
	o = 0;
	zones[0] = '\0';
	for (size_t i = 0; res != NULL && i < res->nzones && i < NG_DNSBL_ZONES_MAX; i++) {
		int w = snprintf(zones + o, sizeof(zones) - o, "%s%s:%s", i ? "," : "",
		                 res->zones[i].zone, ng_dnsbl_status_name(res->zones[i].status));
		if (w < 0 || (size_t)w >= sizeof(zones) - o)
			break;
		o += (size_t)w;
	}
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long usec =
	    (long long)(t1.tv_sec - c->t0.tv_sec) * 1000000LL + (t1.tv_nsec - c->t0.tv_nsec) / 1000;
	const char *snd = c->sender[0] == '\0' ? "<>" : c->sender;
	snprintf(text, sizeof(text), "%s %s %s", d->rcode, d->xcode, d->text);
	char batv_done[64] = "";
	if (c->batv_signed || c->batv_rewritten > 0)
		snprintf(batv_done, sizeof(batv_done), " batv_chgfrom=%s batv_rewritten=%u",
		         c->batv_signed ? "yes" : "no", c->batv_rewritten);
	ng_log(log, NG_LOG_INFO,
	       "message client=%s queue_id=%s sender=\"%s\" rcpts=%u rcpt=\"%s\" candidate=%s "
	       "class=%s evidence=%s zones=%s result=%s%s rules=%s action=%s%s%s reason=%s%s%s%s "
	       "batv=%s%s%s usec=%lld",
	       mt_esc(client, sizeof(client), c->client), mt_esc(qid, sizeof(qid), q),
	       mt_esc(sender, sizeof(sender), snd), c->m.nrcpt,
	       mt_esc(rcpt, sizeof(rcpt), c->rcpt1), c->m.why != NULL ? c->m.why : "no",
	       ng_class_name(v != NULL ? v->cls : NG_CLASS_NONE), ev[0] ? ev : "-",
	       zones[0] ? zones : "-", d->lookup ? ng_dnsbl_status_name(d->summary) : "no-lookup",
	       timeout ? " dns_timeout=yes" : "", d->rules, ng_content_action_name(d->action),
	       d->dry_run ? " dry_run=" : "", d->dry_run ? ng_content_action_name(d->would) : "",
	       d->reason != NULL ? d->reason : "-",
	       d->rcode[0] != '\0' && d->action >= NG_CONTENT_TEMPFAIL ? " reply=\"" : "",
	       d->rcode[0] != '\0' && d->action >= NG_CONTENT_TEMPFAIL
	           ? ng_log_escape(reply, sizeof(reply), text, strlen(text), 250)
	           : "",
	       d->rcode[0] != '\0' && d->action >= NG_CONTENT_TEMPFAIL ? "\"" : "",
	       c->m.batv != NULL ? c->m.batv : "-", c->m.batv_dry_run ? " batv_dry_run=yes" : "",
	       batv_done, usec);
}

static void add_header(struct ng_milter_ctx *ctx, struct mt_conn *c,
                       const struct ng_content_decision *d)
{
	if (!d->add_header)
		return;
	if (!(c->acts & NG_MILTER_A_ADDHDRS)) {
		if (!mt_srv->no_addhdrs_logged)
			ng_log(&mt_srv->log, NG_LOG_WARN,
			       "the MTA does not let milters add headers: no %s header",
			       ng_content_header_name(mt_srv->ct));
		mt_srv->no_addhdrs_logged = true;
		return;
	}
	ng_milter_addheader(ctx, (char *)ng_content_header_name(mt_srv->ct), (char *)d->header);
}

/* "<addr>" into out: the form the MTA's envelope commands take. */
static bool bracket(const char *addr, char *out, size_t cap)
{
	int n = snprintf(out, cap, "<%s>", addr);
	return n > 0 && (size_t)n < cap;
}

/* BATV at end of data, for a message that goes on (see the top of the
 * file).  A refused action (the MTA did not offer it) or a failed call is
 * logged and the message goes on unchanged: the worst outcome is an
 * unsigned sender or a tagged recipient, never a lost message. */
static void batv_apply(struct ng_milter_ctx *ctx, struct mt_conn *c)
{
	const struct ng_content_msg *m = &c->m;
	char a[NG_BATV_SIGNED_MAX + 2], b[NG_BATV_SIGNED_MAX + 2];
	if (m->batv_sign) {
		if (!(c->acts & NG_MILTER_A_CHGFROM))
			ng_log(&mt_srv->log, NG_LOG_WARN,
			       "the MTA does not let milters change the sender: not signed");
		else if (bracket(m->batv_from, a, sizeof(a)) &&
		         ng_milter_chgfrom(ctx, a, NULL) == 0)
			c->batv_signed = true;
		else
			ng_log(&mt_srv->log, NG_LOG_ERROR,
			       "smfi_chgfrom failed: sender not signed");
	}
	for (unsigned i = 0; i < m->batv_nrewrite && i < NG_MILTER_BATV_RCPT_MAX; i++) {
		const struct ng_content_rewrite *w = &m->batv_rewrite[i];
		if ((c->acts & (NG_MILTER_A_ADDRCPT | NG_MILTER_A_DELRCPT)) !=
		    (NG_MILTER_A_ADDRCPT | NG_MILTER_A_DELRCPT)) {
			ng_log(&mt_srv->log, NG_LOG_WARN,
			       "the MTA does not let milters change recipients: not rewritten");
			break;
		}
		/* add first: should the delete fail, both addresses arrive,
		 * rather than none */
		if (!bracket(w->tagged, a, sizeof(a)) || !bracket(w->original, b, sizeof(b)) ||
		    ng_milter_addrcpt(ctx, b) != 0) {
			ng_log(&mt_srv->log, NG_LOG_ERROR, "smfi_addrcpt failed: not rewritten");
			continue;
		}
		if (ng_milter_delrcpt(ctx, a) != 0)
			ng_log(&mt_srv->log, NG_LOG_ERROR, "smfi_delrcpt failed");
		else
			c->batv_rewritten++;
	}
	if (m->batv_tag && (c->acts & NG_MILTER_A_ADDHDRS))
		ng_milter_addheader(ctx, (char *)ng_content_header_name(mt_srv->ct),
		                    (char *)m->batv_header);
}

static enum ng_milter_stat mt_eom(struct ng_milter_ctx *ctx)
{
	struct mt_conn *c = ng_milter_getpriv(ctx);
	if (c == NULL)
		return NG_MILTER_TEMPFAIL;
	const ng_verdict *v = NULL;
	if (c->candidate && c->cl != NULL)
		v = ng_classify_end(c->cl);
	struct ng_dnsbl_result res;
	bool have_res = false, timeout = false;
	if (c->lk != NULL) {
		struct timespec dl;
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += mt_srv->dns_wait.tv_sec;
		have_res = mt_lookup_wait(c->lk, &dl, &res);
		if (!have_res) {
			/* no answer in time: DNS trouble on every zone */
			timeout = true;
			memset(&res, 0, sizeof(res));
			res.nzones = 1;
			res.zones[0].zone = "timeout";
			res.zones[0].status = NG_DNSBL_UNKNOWN;
			have_res = true;
		}
	}
	struct ng_content_decision d;
	ng_content_decide(mt_srv->ct, &c->m, v, have_res ? &res : NULL, &d);
	enum ng_milter_stat rc = NG_MILTER_CONTINUE;
	char text[2 * NG_CONTENT_REPLY_MAX];
	switch (d.action) {
	case NG_CONTENT_REJECT:
	case NG_CONTENT_TEMPFAIL:
		mt_pct_escape(d.text, text, sizeof(text));
		ng_milter_setreply(ctx, d.rcode, d.xcode, text[0] != '\0' ? text : NULL);
		rc = d.action == NG_CONTENT_REJECT ? NG_MILTER_REJECT : NG_MILTER_TEMPFAIL;
		break;
	case NG_CONTENT_DISCARD:
		rc = NG_MILTER_DISCARD;
		break;
	case NG_CONTENT_QUARANTINE:
		if (c->acts & NG_MILTER_A_QUARANTINE)
			ng_milter_quarantine(ctx, "ndrguard: backscatter");
		add_header(ctx, c, &d);
		batv_apply(ctx, c);
		break;
	case NG_CONTENT_TAG:
	case NG_CONTENT_ACCEPT:
		add_header(ctx, c, &d);
		batv_apply(ctx, c);
		break;
	}
	log_message(ctx, c, v, have_res ? &res : NULL, &d, timeout);
	count(mt_srv, c, &d, timeout);
	msg_reset(c);
	return rc;
}

static void mt_abort(struct ng_milter_ctx *ctx)
{
	struct mt_conn *c = ng_milter_getpriv(ctx);
	if (c != NULL)
		msg_reset(c);
}

static void mt_close(struct ng_milter_ctx *ctx)
{
	struct mt_conn *c = ng_milter_getpriv(ctx);
	if (c != NULL) {
		msg_reset(c);
		free(c->hbuf);
		free(c);
		ng_milter_setpriv(ctx, NULL);
	}
}

const struct ng_milter_desc mt_filter = {
    .name = "ndrguard",
    .negotiate = mt_negotiate,
    .connect = mt_connect,
    .envfrom = mt_envfrom,
    .envrcpt = mt_envrcpt,
    .header = mt_header,
    .eoh = mt_eoh,
    .body = mt_body,
    .eom = mt_eom,
    .abort = mt_abort,
    .close = mt_close,
};
