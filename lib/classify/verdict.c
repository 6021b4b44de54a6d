/*
 * verdict.c - the verdict as JSON, the format of `ndrguard classify
 * --format json` and of every later consumer (logs, the web lookup).
 * The key order and the null conventions are part of that format: the
 * golden references (tests/golden/ref) hold them.
 */
#include <ndrguard/classify.h>

#include "util/buf.h"

#include <string.h>

static void key(ng_buf *b, const char *k, bool first)
{
	if (!first)
		ng_buf_append(b, ",", 1);
	ng_buf_json_str(b, k, strlen(k));
	ng_buf_append(b, ":", 1);
}

/* A string, or null when empty. */
static void str_or_null(ng_buf *b, const char *s)
{
	if (s == NULL || s[0] == '\0')
		ng_buf_puts(b, "null");
	else
		ng_buf_json_str(b, s, strlen(s));
}

static void rcpt_json(ng_buf *b, const ng_rcpt *r)
{
	ng_buf_append(b, "{", 1);
	key(b, "address", true);
	str_or_null(b, r->address);
	key(b, "action", false);
	str_or_null(b, r->action);
	key(b, "status", false);
	str_or_null(b, r->status);
	key(b, "reply_code", false);
	if (r->reply_code > 0)
		ng_buf_printf(b, "\"%d\"", r->reply_code);
	else
		ng_buf_puts(b, "null");
	key(b, "reason", false);
	str_or_null(b, r->reason);
	key(b, "hard", false);
	ng_buf_puts(b, r->hard ? "true" : "false");
	key(b, "diagnostic", false);
	str_or_null(b, r->diagnostic);
	ng_buf_append(b, "}", 1);
}

/* The returned original's header, or null when there was none. */
static void original_json(ng_buf *b, const ng_original *o)
{
	if (!o->present) {
		ng_buf_puts(b, "null");
		return;
	}
	ng_buf_append(b, "{", 1);
	key(b, "message_id", true);
	str_or_null(b, o->message_id);
	key(b, "from", false);
	str_or_null(b, o->from);
	key(b, "to", false);
	str_or_null(b, o->to);
	key(b, "subject", false);
	str_or_null(b, o->subject);
	key(b, "date", false);
	str_or_null(b, o->date);
	key(b, "received", false);
	ng_buf_append(b, "[", 1);
	for (unsigned i = 0; i < o->nreceived; i++) {
		if (i > 0)
			ng_buf_append(b, ",", 1);
		ng_buf_json_str(b, o->received[i], strlen(o->received[i]));
	}
	ng_buf_append(b, "]", 1);
	key(b, "dkim_domains", false);
	ng_buf_append(b, "[", 1);
	for (unsigned i = 0; i < o->ndkim; i++) {
		if (i > 0)
			ng_buf_append(b, ",", 1);
		ng_buf_json_str(b, o->dkim_domains[i], strlen(o->dkim_domains[i]));
	}
	ng_buf_append(b, "]}", 2);
}

static void evidence_json(ng_buf *b, const ng_evidence *e)
{
	ng_buf_append(b, "{", 1);
	key(b, "rule", true);
	str_or_null(b, e->rule);
	key(b, "where", false);
	str_or_null(b, e->where);
	key(b, "detail", false);
	str_or_null(b, e->detail);
	ng_buf_append(b, "}", 1);
}

void ng_verdict_json(const ng_verdict *v, const char *source, ng_buf *b)
{
	ng_buf_append(b, "{", 1);
	key(b, "source", true);
	str_or_null(b, source);
	key(b, "class", false);
	str_or_null(b, ng_class_name(v->cls));
	key(b, "confidence", false);
	ng_buf_printf(b, "%.2f", v->confidence);
	key(b, "recipients", false);
	ng_buf_append(b, "[", 1);
	for (unsigned i = 0; i < v->nrcpt; i++) {
		if (i > 0)
			ng_buf_append(b, ",", 1);
		rcpt_json(b, &v->rcpt[i]);
	}
	ng_buf_append(b, "]", 1);
	key(b, "reporting_mta", false);
	str_or_null(b, v->reporting_mta);
	if (v->feedback_type[0] != '\0') {
		key(b, "feedback_type", false);
		str_or_null(b, v->feedback_type);
	}
	key(b, "original", false);
	original_json(b, &v->original);
	key(b, "evidence", false);
	ng_buf_append(b, "[", 1);
	for (unsigned i = 0; i < v->nev; i++) {
		if (i > 0)
			ng_buf_append(b, ",", 1);
		evidence_json(b, &v->ev[i]);
	}
	ng_buf_append(b, "]}", 2);
}
