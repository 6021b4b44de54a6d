/*
 * reply.c - the text of the policy actions: reject and tempfail replies
 * from the dnsbl_reject_text template, and the tag headers (internal.h).
 *
 * Why sanitise here and not in the daemon: the verdict text goes to
 * Postfix verbatim after "action=", where a LF ends the reply, and Postfix
 * copies it into an SMTP reply line.  A DNSBL's TXT record is whatever the
 * list operator's (or a spoofer's) DNS server sent; the sender and
 * recipient are whatever the SMTP client typed.  Only printable ASCII
 * leaves this file, and never more than NG_POLICY_REPLY_MAX bytes, so that
 * the reply line stays below SMTP's 512.
 */
#include "policy/internal.h"

#include "util/limits.h"

#include <stdio.h>
#include <string.h>

struct out {
	char *buf;
	size_t len;
	size_t max; /* bytes, NUL excluded */
};

static void out_init(struct out *o, char *buf, size_t cap)
{
	o->buf = buf;
	o->len = 0;
	o->max = cap - 1 < NG_POLICY_REPLY_MAX ? cap - 1 : NG_POLICY_REPLY_MAX;
	buf[0] = '\0';
}

/* Append at most `max` bytes of s, made printable. */
static void out_peer(struct out *o, const char *s, size_t max)
{
	for (size_t i = 0; s[i] != '\0' && i < max && o->len < o->max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\t' || c == '\r' || c == '\n')
			c = ' ';
		else if (c < 0x20 || c > 0x7e)
			c = '?';
		o->buf[o->len++] = (char)c;
	}
	o->buf[o->len] = '\0';
}

static void out_str(struct out *o, const char *s)
{
	out_peer(o, s, (size_t)-1);
}

/* The placeholders, longest first among those sharing a prefix. */
enum var { V_CLIENT, V_ZONE, V_TXT, V_SENDER, V_RECIPIENT, V_DOLLAR, V_BAD };

static const struct {
	const char *name;
	size_t len;
} vars[] = {
    [V_CLIENT] = {"client", 6}, [V_ZONE] = {"zone", 4},           [V_TXT] = {"txt", 3},
    [V_SENDER] = {"sender", 6}, [V_RECIPIENT] = {"recipient", 9},
};

/* The placeholder at s (just after '$'); *len = bytes it spans after '$'. */
static enum var placeholder(const char *s, size_t *len)
{
	if (s[0] == '$') {
		*len = 1;
		return V_DOLLAR;
	}
	bool brace = s[0] == '{';
	const char *name = brace ? s + 1 : s;
	for (int v = V_CLIENT; v <= V_RECIPIENT; v++) {
		if (strncmp(name, vars[v].name, vars[v].len) != 0)
			continue;
		if (brace) {
			if (name[vars[v].len] != '}')
				continue;
			*len = vars[v].len + 2;
		} else {
			char next = name[vars[v].len];
			/* $clientx is not $client followed by x */
			if ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
			    (next >= '0' && next <= '9') || next == '_')
				continue;
			*len = vars[v].len;
		}
		return (enum var)v;
	}
	*len = 0;
	return V_BAD;
}

int ng_policy_template_check(const char *tmpl, char *err, size_t errlen)
{
	size_t n = strlen(tmpl);
	if (n == 0 || n > NG_POLICY_REPLY_MAX - 16) {
		snprintf(err, errlen, "reply text must have 1 to %d characters",
		         NG_POLICY_REPLY_MAX - 16);
		return -1;
	}
	for (const char *s = tmpl; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c > 0x7e) {
			snprintf(err, errlen,
			         "reply text: only printable ASCII is allowed (byte 0x%02x)", c);
			return -1;
		}
		if (c != '$')
			continue;
		size_t len;
		if (placeholder(s + 1, &len) == V_BAD) {
			snprintf(
			    err, errlen,
			    "reply text: unknown placeholder at '%.20s' (known: $client $zone $txt "
			    "$sender $recipient, $$ for a dollar sign)",
			    s);
			return -1;
		}
		s += len;
	}
	return 0;
}

static void expand(struct out *o, const char *tmpl, const struct ng_policy_reply_args *a)
{
	const char *lit = tmpl;
	for (const char *s = tmpl; *s != '\0'; s++) {
		if (*s != '$')
			continue;
		size_t len;
		enum var v = placeholder(s + 1, &len);
		if (v == V_BAD)
			continue; /* checked when built; kept literally otherwise */
		out_peer(o, lit, (size_t)(s - lit));
		switch (v) {
		case V_CLIENT:
			out_peer(o, a->client != NULL ? a->client : "unknown", 64);
			break;
		case V_ZONE:
			out_peer(o, a->zone != NULL ? a->zone : "", 255);
			break;
		case V_TXT:
			if (a->txt != NULL && a->txt[0] != '\0')
				out_peer(o, a->txt, NG_POLICY_TXT_MAX);
			else
				out_str(o, "(no TXT record)");
			break;
		case V_SENDER:
			if (a->sender == NULL || a->sender[0] == '\0')
				out_str(o, "<>");
			else
				out_peer(o, a->sender, 128);
			break;
		case V_RECIPIENT:
			out_peer(o, a->recipient != NULL ? a->recipient : "", 128);
			break;
		case V_DOLLAR:
			out_str(o, "$");
			break;
		case V_BAD:
			break;
		}
		s += len;
		lit = s + 1;
	}
	out_str(o, lit);
}

void ng_policy_reply_text(const char *code, const char *tmpl, const struct ng_policy_reply_args *a,
                          char *out, size_t cap)
{
	struct out o;
	out_init(&o, out, cap);
	out_str(&o, code);
	out_str(&o, " ");
	expand(&o, tmpl, a);
	/* Postfix would keep trailing blanks in the reply; nobody wants them. */
	while (o.len > 0 && o.buf[o.len - 1] == ' ')
		o.buf[--o.len] = '\0';
}

void ng_policy_tag_listed(const char *header, const struct ng_policy_reply_args *a, char *out,
                          size_t cap)
{
	struct out o;
	out_init(&o, out, cap);
	out_str(&o, "PREPEND ");
	out_str(&o, header);
	out_str(&o, ": dnsbl=listed zone=");
	out_peer(&o, a->zone != NULL ? a->zone : "", 255);
	out_str(&o, " client=");
	out_peer(&o, a->client != NULL ? a->client : "unknown", 64);
}

void ng_policy_tag_trouble(const char *header, const char *client,
                           const struct ng_dnsbl_result *res, char *out, size_t cap)
{
	struct out o;
	size_t n = res->nzones < NG_DNSBL_ZONES_MAX ? res->nzones : NG_DNSBL_ZONES_MAX;
	bool first = true;

	out_init(&o, out, cap);
	out_str(&o, "PREPEND ");
	out_str(&o, header);
	out_str(&o, ": dnsbl=dns-trouble client=");
	out_peer(&o, client != NULL ? client : "unknown", 64);
	out_str(&o, " zones=");
	for (size_t i = 0; i < n; i++) {
		const struct ng_dnsbl_zone_result *z = &res->zones[i];
		if (z->status == NG_DNSBL_NOT_LISTED)
			continue;
		if (!first)
			out_str(&o, ",");
		first = false;
		out_peer(&o, z->zone != NULL ? z->zone : "?", 255);
		out_str(&o, ":");
		out_str(&o, ng_dnsbl_status_name(z->status));
	}
}

void ng_policy_tempfail_trouble(const char *client, char *out, size_t cap)
{
	struct out o;
	out_init(&o, out, cap);
	out_str(&o, "451 4.3.0 DNS blocklist lookup failed for ");
	out_peer(&o, client != NULL ? client : "unknown", 64);
	out_str(&o, "; try again later");
}
