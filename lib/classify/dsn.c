/*
 * dsn.c - fields of message/delivery-status (RFC 3464), message/feedback-
 * report (RFC 5965) and message/disposition-notification (RFC 8098).
 *
 * All three are blocks of header-like fields separated by blank lines: the
 * first block describes the message, each later one a recipient.  Lines
 * that start with white space continue the previous field (long
 * Diagnostic-Code texts are folded).  Some MTAs forget the blank line
 * between blocks; a second Final-Recipient in one block starts a new one.
 *
 * Amazon SES sends the same facts as a JSON notification in a text/plain
 * body ("notificationType": Bounce, Complaint or Delivery), sometimes
 * wrapped, with escaped quotes, in an SNS envelope.  ng_cl_json_line() reads
 * the few keys that matter, line by line, into the same DSN groups.
 */
#include "classify/internal.h"

#include <string.h>
#include <strings.h>

/* Drop "type;" before a value ("dns; mx.example.com"), when there is one. */
static void after_semicolon(const char **v, size_t *vl)
{
	const char *semi = memchr(*v, ';', *vl);
	if (semi != NULL) {
		*vl -= (size_t)(semi + 1 - *v);
		*v = semi + 1;
	}
}

/* Close the current block: a recipient block becomes a DSN recipient. */
static void end_group(ng_classifier *c)
{
	struct dsn_group *g = &c->grp;

	if (!g->any)
		return;
	bool rcpt = g->final_rcpt[0] != '\0' || g->orig_rcpt[0] != '\0';
	if (rcpt && c->ndsn < NG_CL_DSN_GROUPS_MAX)
		c->dsn[c->ndsn++] = *g;
	memset(g, 0, sizeof(*g));
}

void ng_cl_dsn_begin(ng_classifier *c)
{
	memset(&c->grp, 0, sizeof(c->grp));
}

static void dsn_field(ng_classifier *c, const char *n, size_t nl, const char *v, size_t vl)
{
	struct dsn_group *g = &c->grp;

	g->last = 0;
	if (ng_text_ieq(n, nl, "final-recipient") || ng_text_ieq(n, nl, "original-rcpt-to") ||
	    ng_text_ieq(n, nl, "x-actual-recipient") || ng_text_ieq(n, nl, "removal-recipient")) {
		if (g->final_rcpt[0] != '\0' && !ng_text_ieq(n, nl, "x-actual-recipient"))
			end_group(c);
		char addr[NG_CL_ADDR_MAX];
		ng_text_dsn_addr(v, vl, addr, sizeof(addr));
		if (c->role == ROLE_ARF) {
			/* every Original-Rcpt-To is a recipient of the reported message */
			if (c->arf_rcpt[0] == '\0')
				memcpy(c->arf_rcpt, addr, sizeof(addr));
			if (!ng_text_ieq(n, nl, "x-actual-recipient"))
				ng_cl_feedback_rcpt(c, addr, strlen(addr));
			return;
		}
		if (ng_text_ieq(n, nl, "x-actual-recipient")) {
			/* Postfix/Sendmail: the address after alias expansion; kept only
			 * when the final recipient is unusable */
			if (strchr(g->final_rcpt, '@') == NULL && strchr(addr, '@') != NULL)
				memcpy(g->final_rcpt, addr, sizeof(addr));
		} else {
			memcpy(g->final_rcpt, addr, sizeof(addr));
		}
		g->any = true;
	} else if (ng_text_ieq(n, nl, "original-recipient")) {
		ng_text_dsn_addr(v, vl, g->orig_rcpt, sizeof(g->orig_rcpt));
		g->any = true;
	} else if (ng_text_ieq(n, nl, "action")) {
		ng_text_lower(g->action, sizeof(g->action), v, vl);
		char *sp = strpbrk(g->action, " \t(;");
		if (sp)
			*sp = '\0';
		g->any = true;
	} else if (ng_text_ieq(n, nl, "status")) {
		char st[NG_CL_STATUS_MAX];
		if (ng_text_find_status(v, vl, st, sizeof(st)))
			memcpy(g->status, st, sizeof(st));
		g->any = true;
	} else if (ng_text_ieq(n, nl, "diagnostic-code")) {
		ng_text_squeeze(g->diag, sizeof(g->diag), v, vl);
		g->last = 1;
		g->any = true;
	} else if (ng_text_ieq(n, nl, "remote-mta")) {
		after_semicolon(&v, &vl);
		ng_text_squeeze(g->remote_mta, sizeof(g->remote_mta), v, vl);
	} else if (ng_text_ieq(n, nl, "reporting-mta") || ng_text_ieq(n, nl, "reported-domain")) {
		after_semicolon(&v, &vl);
		if (c->dsn_reporting_mta[0] == '\0')
			ng_text_squeeze(c->dsn_reporting_mta, sizeof(c->dsn_reporting_mta), v, vl);
	} else if (ng_text_ieq(n, nl, "feedback-type")) {
		ng_text_lower(c->v.feedback_type, sizeof(c->v.feedback_type), v, vl);
	} else if (ng_text_ieq(n, nl, "disposition")) {
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
		if (c->grp.last == 1) {
			size_t i = 0;
			while (i < len && (s[i] == ' ' || s[i] == '\t'))
				i++;
			/* "550-5.1.1 " of a multi-line reply's later lines */
			if (len - i > 4 && s[i] >= '2' && s[i] <= '5')
				i += ng_text_reply_cont(s + i, len - i, c->grp.diag,
				                        strlen(c->grp.diag));
			ng_text_append(c->grp.diag, sizeof(c->grp.diag), s + i, len - i);
		}
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

void ng_cl_feedback_rcpt(ng_classifier *c, const char *addr, size_t len)
{
	char a[NG_CL_ADDR_MAX];

	ng_text_dsn_addr(addr, len, a, sizeof(a));
	if (strchr(a, '@') == NULL)
		return;
	for (unsigned i = 0; i < c->nfb; i++)
		if (strcasecmp(c->fb[i], a) == 0)
			return;
	if (c->nfb >= NG_CL_RCPTS_MAX)
		return;
	/* a list of its own: a complaint's recipients never become the failed
	 * recipients of a delivery report that happens to quote one */
	memcpy(c->fb[c->nfb++], a, sizeof(a));
}

/* ----- Amazon SES JSON notifications ----- */

/* Does s[i..) hold the JSON key `key` (after its opening quote), followed
 * by its closing quote (maybe escaped) and a colon?  Returns the index after
 * the colon and white space, or 0. */
static size_t json_key(const char *s, size_t len, size_t i, const char *key)
{
	size_t kl = strlen(key);
	if (len - i < kl || memcmp(s + i, key, kl) != 0)
		return 0;
	i += kl;
	if (i < len && s[i] == '\\')
		i++;
	if (i >= len || s[i] != '"')
		return 0;
	i++;
	while (i < len && s[i] == ' ')
		i++;
	if (i >= len || s[i] != ':')
		return 0;
	i++;
	while (i < len && s[i] == ' ')
		i++;
	return i;
}

/* A string value at s[i..): its start and length (the quotes, escaped or
 * not, excluded); returns the index after it, or 0 when it is no string. */
static size_t json_str(const char *s, size_t len, size_t i, size_t *vat, size_t *vl)
{
	if (i < len && s[i] == '\\')
		i++;
	if (i >= len || s[i] != '"')
		return 0;
	i++;
	size_t st = i;
	while (i < len && s[i] != '"' && s[i] != '\\')
		i++;
	*vat = st;
	*vl = i - st;
	return i;
}

static struct dsn_group *ses_group(ng_classifier *c, const char *a, size_t al, const char *action)
{
	if (c->ndsn >= NG_CL_DSN_GROUPS_MAX)
		return NULL;
	struct dsn_group *g = &c->dsn[c->ndsn];
	memset(g, 0, sizeof(*g));
	ng_text_dsn_addr(a, al, g->final_rcpt, sizeof(g->final_rcpt));
	if (strchr(g->final_rcpt, '@') == NULL)
		return NULL;
	memcpy(g->action, action, strlen(action) + 1);
	g->any = true;
	c->ses_cur = (int)c->ndsn++;
	return g;
}

/* The keys ng_cl_json_line() reads, in the order of json_keys[]. */
enum json_key {
	JK_TYPE,       /* "notificationType": Bounce, Complaint, Delivery */
	JK_EMAIL,      /* "emailAddress" of a bounced or complained recipient */
	JK_ACTION,     /* "action" of the bounced recipient */
	JK_STATUS,     /* "status" of the bounced recipient */
	JK_DIAG,       /* "diagnosticCode" of the bounced recipient */
	JK_RECIPIENTS, /* "recipients": ["a", "b"] of a delivery */
	JK_SMTP,       /* "smtpResponse" of a delivery */
	JK_FEEDBACK,   /* "complaintFeedbackType" */
	JK_REPORTING,  /* "reportingMTA" */
	JK_COUNT
};

static const char *const json_keys[JK_COUNT] = {
    [JK_TYPE] = "notificationType",  [JK_EMAIL] = "emailAddress",
    [JK_ACTION] = "action",          [JK_STATUS] = "status",
    [JK_DIAG] = "diagnosticCode",    [JK_RECIPIENTS] = "recipients",
    [JK_SMTP] = "smtpResponse",      [JK_FEEDBACK] = "complaintFeedbackType",
    [JK_REPORTING] = "reportingMTA",
};

/* The "recipients" array at s[v] ('['): a DSN group per address of a
 * delivery.  Returns the index where reading stopped. */
static size_t json_recipients(ng_classifier *c, const char *s, size_t len, size_t v)
{
	size_t vat = 0, vl = 0, end;
	size_t j = v + 1;
	while (c->ses_kind == 3 && (end = json_str(s, len, j, &vat, &vl)) != 0) {
		ses_group(c, s + vat, vl, "delivered");
		j = end + 1;
		if (j < len && s[j] == '"')
			j++;
		while (j < len && (s[j] == ',' || s[j] == ' '))
			j++;
	}
	return j;
}

/* The string value val[0..vl) of key k. */
static void json_value(ng_classifier *c, enum json_key k, const char *val, size_t vl)
{
	struct dsn_group *g = c->ses_cur >= 0 ? &c->dsn[c->ses_cur] : NULL;
	char st[NG_CL_STATUS_MAX];

	switch (k) {
	case JK_TYPE:
		c->ses_kind = ng_text_ieq(val, vl, "bounce")      ? 1
		              : ng_text_ieq(val, vl, "complaint") ? 2
		              : ng_text_ieq(val, vl, "delivery")  ? 3
		                                                  : c->ses_kind;
		if (c->ses_kind == 2)
			c->arf_part = true;
		break;
	case JK_EMAIL:
		if (c->ses_kind == 1)
			ses_group(c, val, vl, "failed");
		else if (c->ses_kind == 2)
			ng_cl_feedback_rcpt(c, val, vl);
		break;
	case JK_ACTION:
		if (g != NULL && c->ses_kind == 1)
			ng_text_lower(g->action, sizeof(g->action), val, vl);
		break;
	case JK_STATUS:
		if (g != NULL && c->ses_kind == 1 && ng_text_find_status(val, vl, st, sizeof(st)))
			memcpy(g->status, st, sizeof(st));
		break;
	case JK_DIAG:
		if (g != NULL && c->ses_kind == 1)
			ng_text_squeeze(g->diag, sizeof(g->diag), val, vl);
		break;
	case JK_SMTP:
		/* one SMTP response for all recipients of a delivery */
		for (unsigned j = 0; c->ses_kind == 3 && j < c->ndsn; j++) {
			struct dsn_group *d = &c->dsn[j];
			ng_text_squeeze(d->diag, sizeof(d->diag), val, vl);
			if (ng_text_find_status(val, vl, st, sizeof(st)))
				memcpy(d->status, st, sizeof(st));
		}
		break;
	case JK_FEEDBACK:
		if (c->ses_kind == 2)
			ng_text_lower(c->v.feedback_type, sizeof(c->v.feedback_type), val, vl);
		break;
	case JK_REPORTING:
		if (c->dsn_reporting_mta[0] == '\0') {
			after_semicolon(&val, &vl);
			ng_text_squeeze(c->dsn_reporting_mta, sizeof(c->dsn_reporting_mta), val,
			                vl);
		}
		break;
	default:
		break;
	}
}

void ng_cl_json_line(ng_classifier *c, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '"')
			continue;
		size_t k = 0, v = 0;
		for (; k < JK_COUNT; k++)
			if ((v = json_key(s, len, i + 1, json_keys[k])) != 0)
				break;
		if (v == 0)
			continue;
		if (k == JK_RECIPIENTS && v < len && s[v] == '[') {
			size_t j = json_recipients(c, s, len, v);
			i = j > i ? j - 1 : i;
			continue;
		}
		size_t vat = 0, vl = 0;
		size_t end = json_str(s, len, v, &vat, &vl);
		if (end == 0)
			continue;
		i = end;
		json_value(c, (enum json_key)k, s + vat, vl);
	}
}
