/*
 * zone.c - the zone's settings checked and turned into the parts every
 * answer copies (zone.h): the apex in wire form, the A records of each
 * category mask, the TXT template, the NS names and the SOA's RNAME.  Also
 * the text forms an operator writes: networks and category names.
 *
 * Everything is decided here once, at start-up, so that wire.c only copies
 * bytes: a bad code, name or template is an error that names the setting
 * (and, through ng_zone_from_config(), the file and line), never a silent
 * default.  No I/O; a zone is immutable once built.
 */
#include "zone/internal.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cat_names[NG_ZONE_CATS] = {"bounce", "autoreply", "callout"};

const char *ng_zone_cat_name(unsigned cat)
{
	return cat < NG_ZONE_CATS ? cat_names[cat] : NULL;
}

/* ----- networks ----- */

int ng_zone_net_parse(const char *s, struct ng_zone_net *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(addr))
		return NG_ZONE_EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->prefix = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->v6 = true;
		out->prefix = 128;
	} else {
		return NG_ZONE_EINVAL;
	}
	if (slash != NULL) {
		const char *p = slash + 1;
		unsigned v = 0;
		if (*p == '\0' || strlen(p) > 3)
			return NG_ZONE_EINVAL;
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				return NG_ZONE_EINVAL;
			v = v * 10 + (unsigned)(*p - '0');
		}
		if (v > out->prefix)
			return NG_ZONE_EINVAL;
		out->prefix = v;
	}
	unsigned bits = out->v6 ? 128 : 32;
	for (unsigned i = out->prefix; i < bits; i++)
		if (out->addr[i / 8] & (0x80u >> (i % 8)))
			return NG_ZONE_EINVAL;
	return 0;
}

/* ----- names ----- */

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static bool mailbox_char(char c)
{
	return host_char(c) || c == '.' || c == '+' || c == '=';
}

/* Append one label of n bytes; false when the name would pass 255. */
static bool put_label(struct zone_name *out, const char *s, size_t n, bool lower)
{
	if (n == 0 || n > 63 || out->len + 1 + n + 1 > NG_ZONE_NAME_MAX)
		return false;
	out->wire[out->len++] = (uint8_t)n;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (lower && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out->wire[out->len++] = (uint8_t)c;
	}
	return true;
}

/* "a.b.example" (a trailing dot allowed, not the root alone) into wire
 * form; false when not a host name. */
static bool name_parse(const char *s, struct zone_name *out, bool lower, unsigned *labels)
{
	size_t n = strlen(s);
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0)
		return false;
	unsigned nl = 0;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!host_char(s[i]))
				return false;
			continue;
		}
		if (!put_label(out, s + start, i - start, lower))
			return false;
		nl++;
		start = i + 1;
	}
	out->wire[out->len++] = 0;
	if (labels != NULL)
		*labels = nl;
	return true;
}

/* "local@domain" (or a name already) as the SOA RNAME: the local part is
 * one label even when it holds dots. */
static bool mailbox_parse(const char *s, struct zone_name *out)
{
	const char *at = strchr(s, '@');
	if (at == NULL)
		return name_parse(s, out, false, NULL);
	size_t n = (size_t)(at - s);
	for (size_t i = 0; i < n; i++)
		if (!mailbox_char(s[i]))
			return false;
	if (!put_label(out, s, n, false))
		return false;
	struct zone_name dom = {.len = 0};
	if (!name_parse(at + 1, &dom, false, NULL) || out->len + dom.len > NG_ZONE_NAME_MAX)
		return false;
	memcpy(out->wire + out->len, dom.wire, dom.len);
	out->len += dom.len;
	return true;
}

/* ----- building the zone ----- */

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_codes(struct ng_zone *z, const struct ng_zone_settings *s, char *err,
                       size_t errlen)
{
	uint8_t code[NG_ZONE_CATS][4];
	if (s->ncodes == 0)
		return fail(err, errlen, "%s: no category has a code", "dnsbld_codes");
	for (size_t i = 0; i < s->ncodes; i++) {
		const char *item = s->codes[i];
		const char *eq = strchr(item, '=');
		if (eq == NULL)
			return fail(err, errlen, "dnsbld_codes: '%s' is not CATEGORY=127.X.Y.Z",
			            item);
		unsigned cat = NG_ZONE_CATS;
		for (unsigned c = 0; c < NG_ZONE_CATS; c++)
			if (strlen(cat_names[c]) == (size_t)(eq - item) &&
			    strncmp(item, cat_names[c], (size_t)(eq - item)) == 0)
				cat = c;
		if (cat == NG_ZONE_CATS)
			return fail(
			    err, errlen,
			    "dnsbld_codes: '%s': the categories are bounce, autoreply, callout",
			    item);
		if (z->published & (1u << cat))
			return fail(err, errlen, "dnsbld_codes: '%s': category given twice", item);
		uint8_t a[4];
		if (inet_pton(AF_INET, eq + 1, a) != 1 || a[0] != 127)
			return fail(err, errlen,
			            "dnsbld_codes: '%s': the code must be in 127.0.0.0/8", item);
		if (a[1] == 0 && a[2] == 0 && a[3] == 1)
			return fail(err, errlen,
			            "dnsbld_codes: '%s': 127.0.0.1 means \"not listed\" (RFC 5782)",
			            item);
		memcpy(code[cat], a, 4);
		z->published |= 1u << cat;
	}
	/* the distinct codes of every mask, in category order */
	for (unsigned m = 0; m < (1u << NG_ZONE_CATS); m++) {
		unsigned n = 0;
		for (unsigned c = 0; c < NG_ZONE_CATS; c++) {
			if (!(m & z->published & (1u << c)))
				continue;
			bool dup = false;
			for (unsigned k = 0; k < n; k++)
				dup |= memcmp(z->a_rdata[m][k], code[c], 4) == 0;
			if (!dup)
				memcpy(z->a_rdata[m][n++], code[c], 4);
		}
		z->a_count[m] = (uint8_t)n;
	}
	return 0;
}

/* Longest address text a '$' becomes ("ffff:ffff:...:255.255.255.255"). */
#define ZONE_ADDR_TEXT_MAX 45

static int parse_template(struct ng_zone *z, const char *t, char *err, size_t errlen)
{
	size_t n = strlen(t), dollars = 0;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			return fail(err, errlen, "%s: control character in the template",
			            "dnsbld_txt_template");
		dollars += t[i] == '$';
	}
	if (n >= sizeof(z->tmpl) ||
	    n - dollars + dollars * ZONE_ADDR_TEXT_MAX >= NG_DNSBLD_TXT_MAX) {
		snprintf(err, errlen,
		         "dnsbld_txt_template: the TXT record could be longer than %d bytes",
		         NG_DNSBLD_TXT_MAX - 1);
		return -1;
	}
	memcpy(z->tmpl, t, n);
	z->tmpl_len = n;
	return 0;
}

/* The largest answer the zone can give (a 255-byte question, an OPT),
 * checked against NG_DNSBLD_TCP_ANSWER_MAX. */
static size_t largest_answer(const struct ng_zone *z)
{
	size_t base = 12 + NG_ZONE_NAME_MAX + 4 + 11;
	size_t txt = 12 + NG_DNSBLD_TXT_MAX + NG_DNSBLD_TXT_MAX / 255 + 1;
	size_t ns = 0;
	for (size_t i = 0; i < z->nns; i++)
		ns += 12 + z->ns[i].len;
	size_t soa = 12 + z->ns[0].len + z->rname.len + 20;
	size_t m = txt > ns ? txt : ns;
	return base + (m > soa ? m : soa);
}

struct ng_zone *ng_zone_new(const struct ng_zone_settings *s, char *err, size_t errlen)
{
	struct ng_zone *z = calloc(1, sizeof(*z));
	if (z == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (s->zone == NULL || !name_parse(s->zone, &z->apex, true, &z->apex_labels)) {
		fail(err, errlen, "dnsbld_zone: '%s' is not a domain name", s->zone ? s->zone : "");
		goto bad;
	}
	size_t o = 0;
	for (size_t i = 0; z->apex.wire[i] != 0; i += 1u + z->apex.wire[i]) {
		if (o > 0)
			z->name[o++] = '.';
		memcpy(z->name + o, z->apex.wire + i + 1, z->apex.wire[i]);
		o += z->apex.wire[i];
	}
	z->name[o] = '\0';
	if (parse_codes(z, s, err, errlen) < 0)
		goto bad;
	if (parse_template(z, s->txt_template ? s->txt_template : "", err, errlen) < 0)
		goto bad;
	if (s->nns == 0 || s->nns > NG_DNSBLD_NS_MAX) {
		snprintf(err, errlen, "dnsbld_ns: give 1 to %d name servers", NG_DNSBLD_NS_MAX);
		goto bad;
	}
	for (size_t i = 0; i < s->nns; i++) {
		if (!name_parse(s->ns[i], &z->ns[i], false, NULL)) {
			fail(err, errlen, "dnsbld_ns: '%s' is not a host name", s->ns[i]);
			goto bad;
		}
	}
	z->nns = s->nns;
	if (s->hostmaster == NULL || !mailbox_parse(s->hostmaster, &z->rname)) {
		fail(err, errlen, "dnsbld_hostmaster: '%s' is not a mail address",
		     s->hostmaster ? s->hostmaster : "");
		goto bad;
	}
	z->ttl = s->ttl;
	z->negative_ttl = s->negative_ttl;
	if (largest_answer(z) > NG_DNSBLD_TCP_ANSWER_MAX) {
		snprintf(err, errlen, "dnsbld_ns, dnsbld_txt_template: answers could pass %d bytes",
		         NG_DNSBLD_TCP_ANSWER_MAX);
		goto bad;
	}
	return z;
bad:
	free(z);
	return NULL;
}

void ng_zone_free(struct ng_zone *z)
{
	free(z);
}

unsigned ng_zone_published(const struct ng_zone *z)
{
	return z->published;
}

const char *ng_zone_name(const struct ng_zone *z)
{
	return z->name;
}

/* ----- from the configuration ----- */

/* The key an ng_zone_new() message starts with ("dnsbld_codes: ..."). */
static enum ng_key key_of_message(const char *msg)
{
	static const enum ng_key keys[] = {NG_K_DNSBLD_ZONE, NG_K_DNSBLD_CODES,
	                                   NG_K_DNSBLD_TXT_TEMPLATE, NG_K_DNSBLD_NS,
	                                   NG_K_DNSBLD_HOSTMASTER};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *name = ng_config_key_info(keys[i])->name;
		size_t n = strlen(name);
		if (strncmp(msg, name, n) == 0 && msg[n] == ':')
			return keys[i];
	}
	return NG_K__COUNT;
}

struct ng_zone *ng_zone_from_config(const struct ng_config *cfg, char *err, size_t errlen)
{
	struct ng_zone_settings s;
	memset(&s, 0, sizeof(s));
	s.zone = ng_config_str(cfg, NG_K_DNSBLD_ZONE);
	s.ncodes = ng_config_list(cfg, NG_K_DNSBLD_CODES, &s.codes);
	s.txt_template = ng_config_str(cfg, NG_K_DNSBLD_TXT_TEMPLATE);
	s.nns = ng_config_list(cfg, NG_K_DNSBLD_NS, &s.ns);
	s.hostmaster = ng_config_str(cfg, NG_K_DNSBLD_HOSTMASTER);
	s.ttl = (uint32_t)ng_config_int(cfg, NG_K_DNSBLD_TTL);
	s.negative_ttl = (uint32_t)ng_config_int(cfg, NG_K_DNSBLD_NEGATIVE_TTL);
	char msg[512];
	struct ng_zone *z = ng_zone_new(&s, msg, sizeof(msg));
	if (z == NULL) {
		enum ng_key k = key_of_message(msg);
		if (k == NG_K__COUNT)
			snprintf(err, errlen, "%s", msg);
		else
			snprintf(err, errlen, "%s: %s", ng_config_where(cfg, k), msg);
	}
	return z;
}
