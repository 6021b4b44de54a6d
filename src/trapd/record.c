/*
 * record.c - what a trap transaction means, and its trace (trapd.h).
 *
 * Every address in trap_domains is a trap: it never sent mail, so what
 * answers it is backscatter.  A transaction that ended is turned into at
 * most one hit, in one category, for the client's network
 * (ng_listing_net_of_hit: IPv4 /32, IPv6 listing_v6_prefix), however many
 * traps it named:
 *
 *   a message classified ndr, delay, success, mdn or av-notice  bounce
 *   a message classified autoreply or challenge                  autoreply
 *   any other message (ordinary mail, spam, abuse reports)       spam
 *     (counted in the store, never listed)
 *   no content, a bounce sender, an accepted trap recipient      callout
 *
 * The message was accepted (250) before it is classified here, so the
 * sender sees an ordinary server whatever the verdict.  Messages refused
 * for their size, and messages cut by a disconnect, are not recorded:
 * the sender was told they failed.  Transactions without content that
 * are not callouts (an ordinary sender that gave up, relay attempts) are
 * only logged.
 *
 * Evidence goes to the store for the list's users to see, so every trap
 * address in it is redacted first (ng_listing_redact: "<trap>@domain"):
 * the recipient, and header lines made from the verdict (class, reporting
 * MTA, status, and the returned original's Message-ID, Subject, From and
 * To).  The log line is the operator's own and names the recipients.
 *
 * Content.  Building a classifier costs its pattern automata (about
 * 40 ms and 250 KiB), far more than classifying a bounce (a fraction of a
 * millisecond), and hundreds of sessions may be inside DATA at once.  So a
 * message's content is spooled, up to NG_TRAPD_SPOOL_MAX, and a message
 * that fits - nearly every bounce, auto-reply and probe - is classified at
 * end of data by the one classifier kept for that (`eod`).  A message
 * that outgrows the spool gets a classifier of its own (an idle one, or a
 * new one), is given the spool and streams the rest: its memory stays
 * constant however long it is.  At most NG_TRAPD_STREAMS_MAX classifiers
 * stream at once; past that, a long message is judged on its first
 * NG_TRAPD_SPOOL_MAX bytes (counted as prefix_only), which hold its
 * headers and report parts.  Nothing here blocks on a peer.
 */
#include "trapd.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----- classifiers and content ----- */

int td_classifiers_init(struct td_server *srv)
{
	srv->eod = ng_classifier_new();
	return srv->eod != NULL ? 0 : -1;
}

void td_classifiers_free(struct td_server *srv)
{
	ng_classifier_free(srv->eod);
	srv->eod = NULL;
	while (srv->nspare > 0) {
		ng_classifier_free(srv->spare[--srv->nspare]);
		srv->nstreams--;
	}
}

/* A classifier to stream into: an idle one, or a new one while fewer than
 * NG_TRAPD_STREAMS_MAX exist; NULL otherwise. */
static ng_classifier *stream_get(struct td_server *srv)
{
	if (srv->nspare > 0)
		return srv->spare[--srv->nspare];
	if (srv->nstreams >= NG_TRAPD_STREAMS_MAX)
		return NULL;
	ng_classifier *cl = ng_classifier_new();
	if (cl == NULL)
		return NULL;
	srv->nstreams++;
	srv->st.classifier_builds++;
	return cl;
}

static void stream_put(struct td_server *srv, ng_classifier *cl)
{
	if (cl != NULL)
		srv->spare[srv->nspare++] = cl; /* room: nspare < nstreams <= max */
}

void td_msg_begin(struct td_server *srv, struct td_msg *m)
{
	td_msg_drop(srv, m);
	ng_buf_init(&m->spool, NG_TRAPD_SPOOL_MAX);
}

void td_msg_feed(struct td_server *srv, struct td_msg *m, const char *sender, const char *piece,
                 size_t len)
{
	if (m->prefix_only || m->failed)
		return;
	if (m->cl == NULL && m->spool.len + len <= m->spool.max) {
		ng_buf_append(&m->spool, piece, len);
		if (m->spool.failed)
			m->failed = true;
		return;
	}
	if (m->cl == NULL) {
		/* past the spool: stream from here on, if a classifier is free */
		m->cl = stream_get(srv);
		if (m->cl == NULL) {
			m->prefix_only = true;
			return;
		}
		ng_envelope env = {.sender = sender};
		ng_classify_begin(m->cl, &env);
		if (m->spool.len > 0)
			ng_classify_feed(m->cl, m->spool.data, m->spool.len);
		ng_buf_free(&m->spool);
	}
	ng_classify_feed(m->cl, piece, len);
}

void td_msg_drop(struct td_server *srv, struct td_msg *m)
{
	stream_put(srv, m->cl);
	ng_buf_free(&m->spool);
	memset(m, 0, sizeof(*m));
}

/* The verdict of a message received whole; NULL when it could not be
 * classified.  Valid until the next message is classified. */
static const ng_verdict *verdict(struct td_server *srv, struct td_msg *m, const char *sender)
{
	if (m->failed) {
		srv->st.classifier_failures++;
		return NULL;
	}
	if (m->cl != NULL) {
		srv->st.streamed++;
		return ng_classify_end(m->cl);
	}
	if (m->prefix_only)
		srv->st.prefix_only++;
	else
		srv->st.spooled++;
	ng_envelope env = {.sender = sender};
	return ng_classify_buffer(srv->eod, m->spool.data != NULL ? m->spool.data : "",
	                          m->spool.len, &env);
}

/* ----- categories ----- */

enum ng_cat td_category(enum ng_class cls)
{
	switch (cls) {
	case NG_CLASS_NDR:
	case NG_CLASS_DELAY:
	case NG_CLASS_SUCCESS:
	case NG_CLASS_MDN:
	case NG_CLASS_AV_NOTICE:
		return NG_CAT_BOUNCE;
	case NG_CLASS_AUTOREPLY:
	case NG_CLASS_CHALLENGE:
		return NG_CAT_AUTOREPLY;
	case NG_CLASS_NONE:
	case NG_CLASS_FEEDBACK:
	default:
		return NG_CAT_SPAM;
	}
}

/* ----- evidence ----- */

/* Copy src into dst (cap bytes), cut, then redact trap addresses. */
static void put_redacted(const struct td_server *srv, char *dst, size_t cap, const char *src)
{
	ng_str_copy(dst, cap, src);
	ng_listing_redact(dst, cap, srv->domains, srv->ndomains);
}

/* Append "Name: value\n" to the header lines when value is set and fits
 * whole (a cut line would be misleading). */
static void add_header(char *buf, size_t cap, size_t *len, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	int w = snprintf(buf + *len, cap - *len, "%s: %s\n", name, value);
	if (w < 0 || (size_t)w >= cap - *len) {
		buf[*len] = '\0';
		return;
	}
	*len += (size_t)w;
}

static void evidence(const struct td_server *srv, const struct ng_smtp_txn *t, const ng_verdict *v,
                     struct ng_listing_ev *ev)
{
	memset(ev, 0, sizeof(*ev));
	put_redacted(srv, ev->helo, sizeof(ev->helo), t->helo);
	put_redacted(srv, ev->sender, sizeof(ev->sender), t->sender);
	put_redacted(srv, ev->rcpt, sizeof(ev->rcpt), t->nrcpt > 0 ? t->rcpt[0] : "");
	if (v == NULL)
		return;
	char hdr[NG_LISTING_EV_HDRS_MAX * 2];
	size_t len = 0;
	hdr[0] = '\0';
	add_header(hdr, sizeof(hdr), &len, "Class", ng_class_name(v->cls));
	add_header(hdr, sizeof(hdr), &len, "Reporting-MTA", v->reporting_mta);
	if (v->nrcpt > 0)
		add_header(hdr, sizeof(hdr), &len, "Status", v->rcpt[0].status);
	if (v->original.present) {
		add_header(hdr, sizeof(hdr), &len, "Original-Message-ID", v->original.message_id);
		add_header(hdr, sizeof(hdr), &len, "Original-Subject", v->original.subject);
		add_header(hdr, sizeof(hdr), &len, "Original-From", v->original.from);
		add_header(hdr, sizeof(hdr), &len, "Original-To", v->original.to);
	}
	/* redact before cutting to the stored size, so that no cut address
	 * escapes the redaction */
	ng_listing_redact(hdr, sizeof(hdr), srv->domains, srv->ndomains);
	put_redacted(srv, ev->headers, sizeof(ev->headers), hdr);
}

/* ----- the log line ----- */

static const char *esc(char *buf, size_t cap, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return "-";
	return ng_log_escape(buf, cap, s, strlen(s), 200);
}

static void rcpt_list(const struct ng_smtp_txn *t, char *buf, size_t cap)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < t->nrcpt && i < NG_TRAPD_LOG_RCPTS; i++) {
		char e[256];
		int w = snprintf(buf + o, cap - o, "%s%s", i > 0 ? "," : "",
		                 ng_log_escape(e, sizeof(e), t->rcpt[i], strlen(t->rcpt[i]), 120));
		if (w < 0 || (size_t)w >= cap - o)
			break;
		o += (size_t)w;
	}
	if (t->nrcpt > NG_TRAPD_LOG_RCPTS && o + 8 < cap)
		snprintf(buf + o, cap - o, ",...");
}

static void log_txn(struct td_server *srv, unsigned long conn, const char *ip,
                    const struct ng_smtp_txn *t, const ng_verdict *v, const char *category,
                    const char *recorded)
{
	if (srv->log.emit == NULL || NG_LOG_INFO < srv->log.min)
		return;
	char helo[300], sender[300], rcpts[NG_TRAPD_LOG_RCPTS * 260 + 8];
	const char *snd = t->sender[0] == '\0' ? "<>" : t->sender;
	rcpt_list(t, rcpts, sizeof(rcpts));
	char conf[16] = "-";
	if (v != NULL)
		snprintf(conf, sizeof(conf), "%.2f", v->confidence);
	ng_log(&srv->log, NG_LOG_INFO,
	       "txn conn=%lu id=%lu client=%s helo=\"%s\" sender=\"%s\" rcpts=%zu rcpt=\"%s\" "
	       "refused=%u end=%s ended_by=\"%s\" size=%llu class=%s confidence=%s category=%s "
	       "recorded=%s",
	       conn, t->id, ip, esc(helo, sizeof(helo), t->helo), esc(sender, sizeof(sender), snd),
	       t->nrcpt, rcpts[0] != '\0' ? rcpts : "-", t->refused, ng_smtp_txn_end_name(t->end),
	       t->ended_by, (unsigned long long)t->size, v != NULL ? ng_class_name(v->cls) : "-",
	       conf, category, recorded);
}

/* ----- recording ----- */

/* One hit in the store; "yes", or "error" (logged). */
static const char *hit(struct td_server *srv, const char *ip, enum ng_cat cat,
                       const struct ng_listing_ev *ev)
{
	struct ng_listing_net net;
	if (!ng_listing_net_of_hit(ip, srv->v6_prefix, &net)) {
		srv->st.record_errors++;
		ng_log(&srv->log, NG_LOG_ERROR, "cannot record a %s hit: '%s' is not an address",
		       ng_cat_name(cat), ip);
		return "error";
	}
	int rc = ng_listing_hit(srv->store, &srv->lopts, &net, cat, ev, (int64_t)time(NULL));
	if (rc < 0) {
		srv->st.record_errors++;
		ng_log(&srv->log, NG_LOG_ERROR, "cannot record a %s hit for %s: %s",
		       ng_cat_name(cat), ip, ng_listing_strerror(rc));
		return "error";
	}
	srv->st.hits[cat]++;
	return "yes";
}

void td_record_txn(struct td_server *srv, unsigned long conn, const char *ip,
                   const struct ng_smtp_txn *t, struct td_msg *m)
{
	struct ng_listing_ev ev;
	srv->st.transactions++;
	switch (t->end) {
	case NG_SMTP_END_MESSAGE: {
		srv->st.messages++;
		const ng_verdict *v = verdict(srv, m, t->sender);
		if (v == NULL) {
			ng_log(&srv->log, NG_LOG_ERROR,
			       "conn=%lu: out of memory: a message was not classified", conn);
			log_txn(srv, conn, ip, t, NULL, "-", "no");
			return;
		}
		enum ng_cat cat = td_category(v->cls);
		if ((unsigned)v->cls < sizeof(srv->st.classes) / sizeof(srv->st.classes[0]))
			srv->st.classes[v->cls]++;
		evidence(srv, t, v, &ev);
		const char *rec = hit(srv, ip, cat, cat == NG_CAT_SPAM ? NULL : &ev);
		log_txn(srv, conn, ip, t, v, ng_cat_name(cat), rec);
		return;
	}
	case NG_SMTP_END_NO_DATA:
		if (t->callout) {
			srv->st.callouts++;
			evidence(srv, t, NULL, &ev);
			const char *rec = hit(srv, ip, NG_CAT_CALLOUT, &ev);
			log_txn(srv, conn, ip, t, NULL, "callout", rec);
			return;
		}
		srv->st.no_data++;
		log_txn(srv, conn, ip, t, NULL, "-", "no");
		return;
	case NG_SMTP_END_OVERSIZE:
		srv->st.oversize++;
		log_txn(srv, conn, ip, t, NULL, "-", "no");
		return;
	case NG_SMTP_END_CUT:
		srv->st.cut++;
		log_txn(srv, conn, ip, t, NULL, "-", "no");
		return;
	}
}
