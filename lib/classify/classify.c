/*
 * classify.c - the classifier: MIME events in, a verdict out (classify.h).
 *
 * The MIME parser calls back here.  Each entity gets a role when its header
 * ends: the notification text of the report (text/plain or, failing that,
 * text/html at the top level), a delivery-status, feedback-report or
 * disposition-notification part, or nothing (attachments, the body of the
 * returned original: never decoded).  The header of the returned original
 * arrives as header events of the first nested message.
 *
 * Text lines are matched against the phrase automata (rules.c) and searched
 * for recipient addresses (text.c); DSN parts are parsed field by field
 * (dsn.c).  ng_classify_end() weighs it all (decide.c).
 */
#include <ndrguard/classify.h>
#include <ndrguard/mime.h>

#include "classify/internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const char *ng_class_name(enum ng_class c)
{
	static const char *const names[] = {"none",      "ndr",       "delay",
	                                    "success",   "autoreply", "challenge",
	                                    "av-notice", "feedback",  "mdn"};
	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "none";
}

bool ng_class_is_bounce(enum ng_class c)
{
	return c == NG_CLASS_NDR || c == NG_CLASS_DELAY || c == NG_CLASS_SUCCESS ||
	       c == NG_CLASS_AUTOREPLY || c == NG_CLASS_CHALLENGE || c == NG_CLASS_AV_NOTICE ||
	       c == NG_CLASS_MDN;
}

void ng_cl_evidence(ng_classifier *c, const char *rule, const char *where, const char *detail,
                    size_t dlen)
{
	ng_verdict *v = &c->v;
	for (unsigned i = 0; i < v->nev; i++)
		if (v->ev[i].rule == rule && v->ev[i].where == where)
			return; /* one record per rule and place is enough */
	if (v->nev >= NG_CL_EVIDENCE_MAX)
		return;
	ng_evidence *e = &v->ev[v->nev++];
	e->rule = rule;
	e->where = where;
	ng_text_squeeze(e->detail, sizeof(e->detail), detail, dlen);
}

/* ----- phrase matching ----- */

struct scan_ctx {
	ng_classifier *c;
	const ng_rule *table;
	enum ng_place place;
	const char *text;
};

static int on_phrase(void *ctx, uint32_t id, size_t end)
{
	struct scan_ctx *s = ctx;
	const ng_rule *r = &s->table[id];
	unsigned *score = &s->c->sig[s->place][r->signal];

	if (r->signal == NG_SIG_COMMAND) {
		if (r->weight == NG_CMD_FOLD) {
			s->c->fold_at = end;
		} else if (end >= s->c->line_cmd_end) {
			s->c->line_cmd = r->weight;
			s->c->line_cmd_end = end;
		}
		return 0;
	}
	if (s->c->cmd_only)
		return 0;

	if (r->weight > *score)
		*score = r->weight;
	s->c->sig_hits[s->place][r->signal]++;
	if (r->signal == NG_SIG_LISTPOST)
		s->c->line_list = true;
	if (r->signal == NG_SIG_ORIGINAL && r->weight >= 2)
		s->c->line_original = true; /* weight 1: "the original message was received at" */
	if (r->weight >= 2 && ng_signals[r->signal].evidence) {
		static const char *const where[NG_PLACE_COUNT] = {"header:subject", "header:from",
		                                                  "text"};
		ng_cl_evidence(s->c, ng_signals[r->signal].rule, where[s->place], r->phrase,
		               strlen(r->phrase));
	}
	return 0;
}

void ng_cl_scan(ng_classifier *c, enum ng_place place, const char *s, size_t len)
{
	struct scan_ctx sc = {c, c->rules.table[place], place, s};
	ng_ac_scan(c->rules.ac[place], s, len, on_phrase, &sc);
}

/* ----- header events ----- */

static void add_dkim_domain(ng_original *o, const char *v, size_t vl)
{
	/* the d= tag of a DKIM-Signature */
	for (size_t i = 0; i + 2 < vl; i++) {
		if ((v[i] == 'd' || v[i] == 'D') && v[i + 1] == '=' &&
		    (i == 0 || v[i - 1] == ';' || v[i - 1] == ' ' || v[i - 1] == '\t')) {
			size_t k = i + 2;
			while (k < vl && (v[k] == ' ' || v[k] == '\t'))
				k++;
			size_t st = k;
			while (k < vl && v[k] != ';' && v[k] != ' ' && v[k] != '\t' &&
			       v[k] != '\r' && v[k] != '\n')
				k++;
			if (k == st || o->ndkim >= NG_CL_DKIM_MAX)
				return;
			ng_text_lower(o->dkim_domains[o->ndkim], sizeof(o->dkim_domains[0]), v + st,
			              k - st);
			for (unsigned j = 0; j < o->ndkim; j++)
				if (strcmp(o->dkim_domains[j], o->dkim_domains[o->ndkim]) == 0)
					return;
			o->ndkim++;
			return;
		}
	}
}

void ng_cl_original_header(ng_classifier *c, const char *n, size_t nl, const char *v, size_t vl)
{
	ng_original *o = &c->v.original;
	char tmp[NG_CL_ORIG_HEADER_MAX];

	o->present = true;
	if (ng_text_ieq(n, nl, "message-id")) {
		if (o->message_id[0] == '\0')
			ng_text_squeeze(o->message_id, sizeof(o->message_id), v, vl);
	} else if (ng_text_ieq(n, nl, "from")) {
		if (o->from[0] == '\0') {
			ng_mime_decode_words(c->mime, v, vl, tmp, sizeof(tmp));
			ng_text_squeeze(o->from, sizeof(o->from), tmp, strlen(tmp));
		}
	} else if (ng_text_ieq(n, nl, "to")) {
		if (o->to[0] == '\0') {
			ng_mime_decode_words(c->mime, v, vl, tmp, sizeof(tmp));
			ng_text_squeeze(o->to, sizeof(o->to), tmp, strlen(tmp));
		}
	} else if (ng_text_ieq(n, nl, "subject")) {
		if (o->subject[0] == '\0') {
			ng_mime_decode_words(c->mime, v, vl, tmp, sizeof(tmp));
			ng_text_squeeze(o->subject, sizeof(o->subject), tmp, strlen(tmp));
		}
	} else if (ng_text_ieq(n, nl, "date")) {
		if (o->date[0] == '\0')
			ng_text_squeeze(o->date, sizeof(o->date), v, vl);
	} else if (ng_text_ieq(n, nl, "received")) {
		if (o->nreceived < NG_CL_RECEIVED_MAX)
			ng_text_squeeze(o->received[o->nreceived++], sizeof(o->received[0]), v, vl);
	} else if (ng_text_ieq(n, nl, "dkim-signature")) {
		add_dkim_domain(o, v, vl);
	} else if (ng_text_ieq(n, nl, "x-hmxmroriginalrecipient")) {
		/* Microsoft's complaint loop (JMRP) returns the reported message
		 * with this header instead of a message/feedback-report part */
		c->jmrp = true;
		ng_cl_feedback_rcpt(c, v, vl);
	}
}

/* "... by HOST ..." of the newest hop, lower-cased into c->first_by: the
 * reporting MTA when no DSN names one. */
static void received_by(ng_classifier *c, const char *v, size_t vl)
{
	for (size_t i = 0; i + 3 < vl; i++) {
		if ((v[i] | 0x20) == 'b' && (v[i + 1] | 0x20) == 'y' && v[i + 2] == ' ' &&
		    (i == 0 || v[i - 1] == ' ' || v[i - 1] == '\t' || v[i - 1] == '\n')) {
			size_t k = i + 3;
			while (k < vl && (v[k] == ' ' || v[k] == '\t'))
				k++;
			size_t st = k;
			while (k < vl && v[k] != ' ' && v[k] != '\t' && v[k] != ';' &&
			       v[k] != '\r' && v[k] != '\n' && v[k] != '(')
				k++;
			ng_text_lower(c->first_by, sizeof(c->first_by), v + st, k - st);
			return;
		}
	}
}

static void top_header(ng_classifier *c, const char *n, size_t nl, const char *v, size_t vl)
{
	char tmp[NG_CL_TOP_HEADER_MAX];

	if (ng_text_ieq(n, nl, "subject")) {
		size_t len = ng_mime_decode_words(c->mime, v, vl, tmp, sizeof(tmp));
		ng_text_squeeze(c->subject, sizeof(c->subject), tmp, len);
		ng_cl_scan(c, NG_PLACE_SUBJECT, c->subject, strlen(c->subject));
	} else if (ng_text_ieq(n, nl, "from")) {
		size_t len = ng_mime_decode_words(c->mime, v, vl, tmp, sizeof(tmp));
		ng_text_squeeze(c->from, sizeof(c->from), tmp, len);
		ng_cl_scan(c, NG_PLACE_FROM, c->from, strlen(c->from));
		size_t at, alen;
		if (ng_text_find_addr(c->from, strlen(c->from), 0, &at, &alen))
			ng_text_lower(c->from_addr, sizeof(c->from_addr), c->from + at, alen);
	} else if (ng_text_ieq(n, nl, "to")) {
		size_t at, alen;
		if (ng_text_find_addr(v, vl, 0, &at, &alen))
			ng_text_lower(c->to_addr, sizeof(c->to_addr), v + at, alen);
	} else if (ng_text_ieq(n, nl, "auto-submitted")) {
		if (ng_text_contains(v, vl, "auto-replied"))
			c->auto_replied = true;
		else if (ng_text_contains(v, vl, "auto-"))
			c->auto_generated = true;
		ng_cl_evidence(c, "rfc3834:auto-submitted", "header:auto-submitted", v, vl);
	} else if (ng_text_ieq(n, nl, "x-autoreply") || ng_text_ieq(n, nl, "x-autorespond") ||
	           ng_text_ieq(n, nl, "x-autoresponder") ||
	           ng_text_ieq(n, nl, "x-auto-response-suppress") ||
	           ng_text_ieq(n, nl, "x-ms-exchange-inbox-rules-loop")) {
		if (!ng_text_ieq(n, nl, "x-auto-response-suppress"))
			c->x_autoreply = true;
	} else if (ng_text_ieq(n, nl, "x-apple-unsubscribe")) {
		if (ng_text_contains(v, vl, "true"))
			c->unsubscribe = true;
	} else if (ng_text_ieq(n, nl, "in-reply-to")) {
		c->in_reply_to = true;
	} else if (ng_text_ieq(n, nl, "precedence")) {
		if (ng_text_contains(v, vl, "auto_reply") || ng_text_contains(v, vl, "auto-reply"))
			c->x_autoreply = true;
		if (ng_text_contains(v, vl, "bulk") || ng_text_contains(v, vl, "list"))
			c->bulk = true;
	} else if (ng_text_ieq(n, nl, "list-unsubscribe") || ng_text_ieq(n, nl, "list-id")) {
		c->bulk = true;
	} else if (ng_text_ieq(n, nl, "x-failed-recipients")) {
		ng_text_append(c->x_failed, sizeof(c->x_failed), v, vl);
		ng_cl_evidence(c, "header:x-failed-recipients", "header:x-failed-recipients", v,
		               vl);
	} else if (ng_text_ieq(n, nl, "return-path")) {
		ng_text_squeeze(tmp, sizeof(tmp), v, vl);
		if (strcmp(tmp, "<>") == 0)
			c->null_return_path = true;
	} else if (ng_text_ieq(n, nl, "received")) {
		if (c->first_by[0] == '\0')
			received_by(c, v, vl);
	} else if (ng_text_ieq(n, nl, "content-type")) {
		if (ng_text_contains(v, vl, "report-type=delivery-status") ||
		    ng_text_contains(v, vl, "report-type=\"delivery-status\""))
			c->report_dsn = true;
	}
}

static void on_header(void *ctx, const ng_mime_part *p, const char *n, size_t nl, const char *v,
                      size_t vl)
{
	ng_classifier *c = ctx;

	if (p->id == 0) {
		top_header(c, n, nl, v, vl);
		return;
	}
	if (p->msg_depth == 1 && (strncmp(p->parent_type, "message/", 8) == 0 ||
	                          strcmp(p->parent_type, "text/rfc822-headers") == 0)) {
		if (c->orig_id == 0)
			c->orig_id = p->id;
		if (c->orig_id == p->id)
			ng_cl_original_header(c, n, nl, v, vl);
	}
}

/* ----- body events ----- */

static int on_body_begin(void *ctx, const ng_mime_part *p)
{
	ng_classifier *c = ctx;

	if (c->role == ROLE_TEXT)
		ng_cl_text_end(c); /* a preamble that did not end before its first part */
	c->role = ROLE_NONE;
	if (p->msg_depth != 0)
		return NG_MIME_BODY_SKIP;
	const char *t = p->type;
	if (p->multipart) {
		if (p->id != 0)
			return NG_MIME_BODY_SKIP;
		/* The report's preamble: usually one line, but all of the text when
		 * the declared boundary never appears. */
		c->role = ROLE_TEXT;
		c->role_part = p->id;
		c->html = false;
		return NG_MIME_BODY_LINES;
	}
	if (strcmp(t, "message/delivery-status") == 0 ||
	    strcmp(t, "message/global-delivery-status") == 0) {
		c->role = ROLE_DSN;
		c->dsn_parts++;
		ng_cl_evidence(c, "rfc3464:delivery-status", "mime", t, strlen(t));
		ng_cl_dsn_begin(c);
	} else if (strcmp(t, "message/feedback-report") == 0) {
		c->role = ROLE_ARF;
		c->arf_part = true;
		ng_cl_evidence(c, "rfc5965:feedback-report", "mime", t, strlen(t));
		ng_cl_dsn_begin(c);
	} else if (strcmp(t, "message/disposition-notification") == 0 ||
	           strcmp(t, "message/global-disposition-notification") == 0) {
		c->role = ROLE_MDN;
		c->mdn_part = true;
		ng_cl_evidence(c, "rfc8098:disposition-notification", "mime", t, strlen(t));
		ng_cl_dsn_begin(c);
	} else if (strcmp(t, "text/plain") == 0 && (!p->attachment || c->text_parts == 0)) {
		if (c->text_parts >= NG_CL_TEXT_PARTS_MAX)
			return NG_MIME_BODY_SKIP;
		c->role = ROLE_TEXT;
		c->text_parts++;
		c->html = false;
	} else if (strcmp(t, "text/html") == 0 && c->text_parts == 0 && !p->attachment) {
		c->role = ROLE_TEXT;
		c->html = true;
		c->html_parts++;
		c->in_tag = false;
		c->html_skip = 0;
	} else {
		return NG_MIME_BODY_SKIP;
	}
	c->role_part = p->id;
	return NG_MIME_BODY_LINES;
}

static void on_body(void *ctx, const ng_mime_part *p, const char *s, size_t len)
{
	ng_classifier *c = ctx;

	if (p->id != c->role_part)
		return;
	switch (c->role) {
	case ROLE_DSN:
	case ROLE_ARF:
	case ROLE_MDN:
		ng_cl_dsn_line(c, s, len);
		break;
	case ROLE_TEXT:
		ng_cl_text_line(c, s, len);
		break;
	default:
		break;
	}
}

static void on_part_end(void *ctx, const ng_mime_part *p)
{
	ng_classifier *c = ctx;

	if (p->id != c->role_part)
		return;
	if (c->role == ROLE_DSN || c->role == ROLE_ARF || c->role == ROLE_MDN)
		ng_cl_dsn_end(c);
	else if (c->role == ROLE_TEXT)
		ng_cl_text_end(c);
	c->role = ROLE_NONE;
}

/* ----- public API ----- */

ng_classifier *ng_classifier_new(void)
{
	ng_classifier *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	ng_mime_cb cb = {on_header, on_body_begin, on_body, on_part_end};
	c->mime = ng_mime_new(&cb, c);
	c->reasons = ng_reasons_new();
	if (c->mime == NULL || c->reasons == NULL || ng_rules_init(&c->rules) != 0) {
		ng_classifier_free(c);
		return NULL;
	}
	ng_classify_begin(c, NULL); /* ready for a message, even without begin */
	return c;
}

void ng_classifier_free(ng_classifier *c)
{
	if (c == NULL)
		return;
	ng_mime_free(c->mime);
	ng_reasons_free(c->reasons);
	ng_rules_free(&c->rules);
	free(c);
}

void ng_classify_begin(ng_classifier *c, const ng_envelope *env)
{
	/* Forget the previous message (see internal.h for what is cleared). */
	ng_verdict *v = &c->v;
	v->cls = NG_CLASS_NONE;
	v->confidence = 0;
	v->nrcpt = 0;
	v->nev = 0;
	v->reporting_mta[0] = '\0';
	v->feedback_type[0] = '\0';
	memset(&v->original, 0, offsetof(ng_original, received));
	v->original.nreceived = 0;
	v->original.ndkim = 0;
	memset(&c->grp, 0, sizeof(c->grp));
	c->text_all[0] = '\0';
	c->text_all_len = 0;
	c->lead[0] = '\0';
	c->pending[0] = '\0';
	c->inline_hdr[0] = '\0';
	memset(&c->null_sender, 0, sizeof(*c) - offsetof(ng_classifier, null_sender));
	c->cur = -1;
	c->open = true;
	c->ses_cur = -1;
	c->null_sender = -1;
	if (env != NULL && env->sender != NULL) {
		const char *s = env->sender;
		c->null_sender = (s[0] == '\0' || strcmp(s, "<>") == 0) ? 1 : 0;
	}
	ng_mime_reset(c->mime);
}

void ng_classify_feed(ng_classifier *c, const void *data, size_t len)
{
	if (c->open)
		ng_mime_feed(c->mime, data, len);
}

const ng_verdict *ng_classify_end(ng_classifier *c)
{
	if (!c->open)
		return &c->v; /* ended already: the same verdict again */
	c->open = false;
	ng_mime_finish(c->mime);
	ng_cl_decide(c);
	return &c->v;
}

const ng_verdict *ng_classify_buffer(ng_classifier *c, const void *data, size_t len,
                                     const ng_envelope *env)
{
	ng_classify_begin(c, env);
	ng_classify_feed(c, data, len);
	return ng_classify_end(c);
}
