/*
 * dsn.c - fields of message/delivery-status (RFC 3464), message/feedback-
 * report (RFC 5965) and message/disposition-notification (RFC 8098).
 *
 * All three are blocks of header-like fields separated by blank lines: the
 * first block describes the message, each later one a recipient.  Lines
 * that start with white space continue the previous field (long
 * Diagnostic-Code texts are folded).  Some MTAs forget the blank line
 * between blocks; a second Final-Recipient in one block starts a new one.
 */
#include "classify/internal.h"

#include <string.h>
#include <strings.h>

static bool field_is(const char *n, size_t nl, const char *want)
{
	size_t wl = strlen(want);
	return nl == wl && strncasecmp(n, want, wl) == 0;
}

/* Close the current block: a recipient block becomes a DSN recipient. */
static void end_group(ng_classifier *c)
{
	struct dsn_group *g = &c->grp;

	if (!g->any)
		return;
	bool rcpt = g->final_rcpt[0] != '\0' || g->orig_rcpt[0] != '\0';
	if (rcpt && c->ndsn < NG_CANDS_MAX)
		c->dsn[c->ndsn++] = *g;
	memset(g, 0, sizeof(*g));
}

void ng_cl_dsn_begin(ng_classifier *c)
{
	memset(&c->grp, 0, sizeof(c->grp));
}

static void set(char *dst, size_t cap, const char *v, size_t vl)
{
	ng_text_squeeze(dst, cap, v, vl);
}

static void dsn_field(ng_classifier *c, const char *n, size_t nl, const char *v, size_t vl)
{
	struct dsn_group *g = &c->grp;

	g->last = 0;
	if (field_is(n, nl, "final-recipient") || field_is(n, nl, "original-rcpt-to") ||
	    field_is(n, nl, "x-actual-recipient") || field_is(n, nl, "removal-recipient")) {
		if (g->final_rcpt[0] != '\0' && !field_is(n, nl, "x-actual-recipient"))
			end_group(c);
		char addr[NG_RCPT_ADDR_LEN];
		ng_text_dsn_addr(v, vl, addr, sizeof(addr));
		if (c->role == ROLE_ARF) {
			if (c->arf_rcpt[0] == '\0')
				memcpy(c->arf_rcpt, addr, sizeof(addr));
			return;
		}
		if (field_is(n, nl, "x-actual-recipient")) {
			/* Postfix/Sendmail: the address after alias expansion; kept only
			 * when the final recipient is unusable */
			if (strchr(g->final_rcpt, '@') == NULL && strchr(addr, '@') != NULL)
				memcpy(g->final_rcpt, addr, sizeof(addr));
		} else {
			memcpy(g->final_rcpt, addr, sizeof(addr));
		}
		g->any = true;
	} else if (field_is(n, nl, "original-recipient")) {
		ng_text_dsn_addr(v, vl, g->orig_rcpt, sizeof(g->orig_rcpt));
		g->any = true;
	} else if (field_is(n, nl, "action")) {
		ng_text_lower(g->action, sizeof(g->action), v, vl);
		char *sp = strpbrk(g->action, " \t(;");
		if (sp)
			*sp = '\0';
		g->any = true;
	} else if (field_is(n, nl, "status")) {
		char st[16];
		if (ng_text_find_status(v, vl, st, sizeof(st)))
			memcpy(g->status, st, sizeof(st));
		g->any = true;
	} else if (field_is(n, nl, "diagnostic-code")) {
		set(g->diag, sizeof(g->diag), v, vl);
		g->last = 1;
		g->any = true;
	} else if (field_is(n, nl, "remote-mta")) {
		const char *semi = memchr(v, ';', vl);
		if (semi) {
			vl -= (size_t)(semi + 1 - v);
			v = semi + 1;
		}
		set(g->remote_mta, sizeof(g->remote_mta), v, vl);
	} else if (field_is(n, nl, "reporting-mta") || field_is(n, nl, "reported-domain")) {
		const char *semi = memchr(v, ';', vl);
		if (semi) {
			vl -= (size_t)(semi + 1 - v);
			v = semi + 1;
		}
		if (c->dsn_reporting_mta[0] == '\0')
			set(c->dsn_reporting_mta, sizeof(c->dsn_reporting_mta), v, vl);
	} else if (field_is(n, nl, "feedback-type")) {
		ng_text_lower(c->v.feedback_type, sizeof(c->v.feedback_type), v, vl);
	} else if (field_is(n, nl, "disposition")) {
		ng_text_lower(c->mdn_disposition, sizeof(c->mdn_disposition), v, vl);
	}
}

void ng_cl_dsn_line(ng_classifier *c, const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	if (len == 0) {
		end_group(c);
		return;
	}
	if (s[0] == ' ' || s[0] == '\t') {
		if (c->grp.last == 1)
			ng_text_append(c->grp.diag, sizeof(c->grp.diag), s, len);
		return;
	}
	const char *colon = memchr(s, ':', len);
	if (colon == NULL || colon == s) {
		c->grp.last = 0;
		return;
	}
	size_t nl = (size_t)(colon - s);
	while (nl > 0 && (s[nl - 1] == ' ' || s[nl - 1] == '\t'))
		nl--;
	const char *v = colon + 1;
	size_t vl = len - (size_t)(v - s);
	while (vl > 0 && (*v == ' ' || *v == '\t'))
		v++, vl--;
	dsn_field(c, s, nl, v, vl);
}

void ng_cl_dsn_end(ng_classifier *c)
{
	end_group(c);
}
