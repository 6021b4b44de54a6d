/*
 * codes.c - the pure parts of the DNSBL client: dnsbl_zones items and their
 * reply patterns, client addresses and query names, and the verdict on one
 * A answer.  No I/O, no allocation; tests/fuzz/fuzz_dnsbl_codes.c feeds it.
 *
 * Reply patterns are Postfix's (ip_match(3), reject_rbl_client
 * domain=PATTERN): four fields separated by ".", each a decimal 0..255 or a
 * "[...]" list of ";"-separated decimals and LOW..HIGH ranges, e.g.
 * 127.0.0.2, 127.0.0.[2;3], 127.0.0.[2..11], 127.[0..3].0.[2;4;6..8]; the
 * whole pattern may be put inside "[]".  A "," inside "[]" (which an old
 * Postfix announcement used) is refused with a hint: in dnsbl_zones the
 * comma separates list items.  A pattern compiles to a 256-bit set per
 * octet, so matching is four bit tests.
 *
 * The verdict (dnsbl.h): an error code 127.255.255.x anywhere in the answer
 * makes it unusable, even when the pattern would match it: such a server is
 * refusing us, and no other record of that answer can be trusted; otherwise
 * listed when some record matches, else unusable (a record that the zone's
 * pattern does not know is never taken for a listing).
 */
#include "ndrguard/dnsbl.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "dnsbl/internal.h"

static const char *const status_names[] = {
    "not-listed", "listed", "unknown", "unusable", "skipped",
};

const char *ng_dnsbl_status_name(enum ng_dnsbl_status s)
{
	if ((unsigned)s >= sizeof(status_names) / sizeof(status_names[0]))
		return "unknown";
	return status_names[s];
}

enum ng_dnsbl_status ng_dnsbl_result_summary(const struct ng_dnsbl_result *r)
{
	bool trouble = false;
	for (size_t i = 0; i < r->nzones && i < NG_DNSBL_ZONES_MAX; i++) {
		switch (r->zones[i].status) {
		case NG_DNSBL_LISTED:
			return NG_DNSBL_LISTED;
		case NG_DNSBL_NOT_LISTED:
			break;
		default:
			trouble = true;
			break;
		}
	}
	return trouble ? NG_DNSBL_UNKNOWN : NG_DNSBL_NOT_LISTED;
}

static void set_bit(struct ng_dnsbl_codes *c, int octet, unsigned v)
{
	c->bits[octet][v >> 6] |= (uint64_t)1 << (v & 63);
}

static bool has_bit(const struct ng_dnsbl_codes *c, int octet, unsigned v)
{
	return (c->bits[octet][v >> 6] >> (v & 63)) & 1;
}

bool ng_dnsbl_is_error_code(uint32_t a)
{
	return (a & 0xffffff00u) == 0x7fffff00u;
}

bool ng_dnsbl_codes_match(const struct ng_dnsbl_codes *c, uint32_t a)
{
	if (c->any)
		return (a >> 24) == 127 && !ng_dnsbl_is_error_code(a);
	for (int i = 0; i < 4; i++)
		if (!has_bit(c, i, (a >> (24 - 8 * i)) & 0xff))
			return false;
	return true;
}

enum ng_dnsbl_status ng_dnsbl_classify(const struct ng_dnsbl_codes *c,
                                       const struct ng_dns_answer *a)
{
	switch (a->rcode) {
	case NG_DNS_OK:
		break;
	case NG_DNS_NXDOMAIN:
	case NG_DNS_NODATA:
		return NG_DNSBL_NOT_LISTED;
	default:
		return NG_DNSBL_UNKNOWN;
	}
	if (a->naddrs == 0)
		return NG_DNSBL_NOT_LISTED;
	bool match = false;
	for (size_t i = 0; i < a->naddrs && i < NG_DNS_ADDRS_MAX; i++) {
		if (ng_dnsbl_is_error_code(a->addrs[i]))
			return NG_DNSBL_UNUSABLE;
		if (ng_dnsbl_codes_match(c, a->addrs[i]))
			match = true;
	}
	return match ? NG_DNSBL_LISTED : NG_DNSBL_UNUSABLE;
}

/* A decimal 0..255 at *p (leading zeros allowed, as in Postfix). */
static bool parse_octet(const char **p, unsigned *v)
{
	const char *s = *p;
	unsigned n = 0;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		n = n * 10 + (unsigned)(*s - '0');
		if (n > 255)
			return false;
	}
	*v = n;
	*p = s;
	return true;
}

/* One "[...]" field at *p (after the '['); NULL or the error, with *p at
 * the place of the error. */
static const char *parse_list(const char **p, struct ng_dnsbl_codes *c, int octet)
{
	const char *s = *p;
	const char *err = NULL;
	for (;;) {
		unsigned lo, hi;
		if (!parse_octet(&s, &lo)) {
			err = "need a decimal number 0..255";
			break;
		}
		hi = lo;
		if (s[0] == '.' && s[1] == '.') {
			s += 2;
			if (!parse_octet(&s, &hi)) {
				err = "need a decimal number 0..255 after \"..\"";
				break;
			}
			if (hi < lo) {
				err = "range LOW..HIGH with LOW > HIGH";
				break;
			}
		}
		for (unsigned v = lo; v <= hi; v++)
			set_bit(c, octet, v);
		if (*s == ';') {
			s++;
			continue;
		}
		if (*s == ']') {
			s++;
			break;
		}
		err = *s == ',' ? "use \";\" between values (\",\" separates dnsbl_zones items)"
		                : "need \";\" or \"]\"";
		break;
	}
	*p = s;
	return err;
}

static int parse_codes(const char *text, struct ng_dnsbl_codes *c, char *why, size_t whylen)
{
	char buf[NG_DNSBL_CODES_TEXT_MAX];
	size_t n = strlen(text);
	const char *err = NULL;

	memset(c, 0, sizeof(*c));
	if (n == 0 || n >= sizeof(buf)) {
		snprintf(why, whylen, n == 0 ? "empty reply pattern" : "reply pattern too long");
		return -1;
	}
	memcpy(buf, text, n + 1);
	const char *s = buf;
	/* "[pattern]": strip brackets that enclose the whole pattern. */
	if (buf[0] == '[') {
		int level = 0;
		size_t i = 0;
		for (; buf[i] != '\0'; i++) {
			if (buf[i] == '[')
				level++;
			else if (buf[i] == ']' && --level == 0)
				break;
		}
		if (buf[i] == '\0') {
			err = "missing \"]\"";
			goto bad;
		}
		if (buf[i + 1] == '\0') {
			buf[i] = '\0';
			s = buf + 1;
		}
	}
	for (int octet = 0; octet < 4; octet++) {
		if (octet > 0) {
			if (*s != '.') {
				err = "need four fields separated by \".\"";
				goto bad;
			}
			s++;
		}
		if (*s == '[') {
			s++;
			if ((err = parse_list(&s, c, octet)) != NULL)
				goto bad;
		} else {
			unsigned v;
			if (!parse_octet(&s, &v)) {
				err = "need a decimal number 0..255 or \"[\"";
				goto bad;
			}
			set_bit(c, octet, v);
		}
	}
	if (*s != '\0') {
		err = "garbage after the fourth field";
		goto bad;
	}
	return 0;
bad:
	/* A long pattern may be cut in the message, which is fine; the result
	 * is looked at only so that the compiler knows the cut is intended. */
	if (snprintf(why, whylen, "%s at \"%.*s>%s\"", err, (int)(s - buf), buf, s) >= (int)whylen)
		why[whylen - 1] = '\0';
	return -1;
}

static int parse_zone_name(const char *name, size_t n, char *out, char *why, size_t whylen)
{
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0) {
		snprintf(why, whylen, "empty zone name");
		return -1;
	}
	if (n > NG_DNSBL_ZONE_NAME_MAX) {
		snprintf(why, whylen, "zone name longer than %d characters",
		         NG_DNSBL_ZONE_NAME_MAX);
		return -1;
	}
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (ch == '.') {
			if (label == 0) {
				snprintf(why, whylen, "empty label in the zone name");
				return -1;
			}
			label = 0;
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		           (ch >= '0' && ch <= '9') || ch == '-' || ch == '_') {
			if (++label > 63) {
				snprintf(why, whylen, "a label of the zone name is longer than 63");
				return -1;
			}
		} else {
			snprintf(why, whylen, "zone names hold letters, digits, '-', '_' and '.'");
			return -1;
		}
		out[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
	}
	if (label == 0) {
		snprintf(why, whylen, "empty label in the zone name");
		return -1;
	}
	out[n] = '\0';
	return 0;
}

int ng_dnsbl_spec_parse(const char *spec, struct ng_dnsbl_zone_spec *out, char *err, size_t errlen)
{
	char why[200];
	char shown[120];

	memset(out, 0, sizeof(*out));
	if (spec == NULL)
		spec = "";
	const char *eq = strchr(spec, '=');
	size_t nlen = eq ? (size_t)(eq - spec) : strlen(spec);
	if (parse_zone_name(spec, nlen, out->name, why, sizeof(why)) != 0)
		goto bad;
	if (eq == NULL) {
		out->codes.any = true;
		return 0;
	}
	if (parse_codes(eq + 1, &out->codes, why, sizeof(why)) != 0)
		goto bad;
	memcpy(out->codes_text, eq + 1, strlen(eq + 1) + 1);
	return 0;
bad:
	snprintf(err, errlen, "bad dnsbl zone \"%s\": %s",
	         ng_log_escape(shown, sizeof(shown), spec, strlen(spec), 100), why);
	return -1;
}

int ng_dnsbl_zone_check(const char *spec, char *err, size_t errlen)
{
	struct ng_dnsbl_zone_spec z;
	return ng_dnsbl_spec_parse(spec, &z, err, errlen);
}

int ng_dnsbl_addr_parse(const char *ip, struct ng_dnsbl_addr *out)
{
	struct in6_addr a6;

	memset(out, 0, sizeof(*out));
	if (ip == NULL || strlen(ip) >= INET6_ADDRSTRLEN)
		return -1;
	if (inet_pton(AF_INET, ip, out->b) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &a6) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		out->family = 4;
		memcpy(out->b, a6.s6_addr + 12, 4);
	} else {
		out->family = 6;
		memcpy(out->b, a6.s6_addr, 16);
	}
	return 0;
}

int ng_dnsbl_addr_qname(const struct ng_dnsbl_addr *a, const char *zone, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	char rev[65];
	size_t n = 0;
	size_t zlen = strlen(zone);

	if (zlen > 0 && zone[zlen - 1] == '.')
		zlen--;
	if (a->family == 4) {
		int k =
		    snprintf(rev, sizeof(rev), "%u.%u.%u.%u", a->b[3], a->b[2], a->b[1], a->b[0]);
		n = (size_t)k;
	} else {
		for (int i = 15; i >= 0; i--) {
			rev[n++] = hex[a->b[i] & 15];
			rev[n++] = '.';
			rev[n++] = hex[a->b[i] >> 4];
			rev[n++] = '.';
		}
		n--; /* the last dot: written again below */
		rev[n] = '\0';
	}
	if (zlen == 0 || n + 1 + zlen + 1 > cap || n + 1 + zlen > 253)
		return -1;
	memcpy(out, rev, n);
	out[n] = '.';
	memcpy(out + n + 1, zone, zlen);
	out[n + 1 + zlen] = '\0';
	return 0;
}

void ng_dnsbl_addr_format(const struct ng_dnsbl_addr *a, char *out, size_t cap)
{
	char buf[INET6_ADDRSTRLEN];
	if (inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, buf, sizeof(buf)) == NULL)
		snprintf(buf, sizeof(buf), "?");
	snprintf(out, cap, "%s", buf);
}

int ng_dnsbl_qname(const char *ip, const char *zone, char *out, size_t cap)
{
	struct ng_dnsbl_addr a;
	if (ng_dnsbl_addr_parse(ip, &a) != 0 || zone == NULL)
		return -1;
	return ng_dnsbl_addr_qname(&a, zone, out, cap);
}
