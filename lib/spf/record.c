/*
 * record.c - the SPF record parser (RFC 7208 sections 4.5, 4.6, 5, 6 and
 * appendix A).
 *
 *   record    = version terms *SP          version = "v=spf1"
 *   terms     = *( 1*SP ( directive / modifier ) )
 *   directive = [ qualifier ] mechanism    qualifier = "+" / "-" / "?" / "~"
 *   modifier  = redirect / explanation / unknown-modifier
 *
 * The whole record is checked before anything is evaluated, because RFC
 * 7208 4.6 makes a syntax error anywhere a permerror, even after a
 * mechanism that would have matched.  Terms are split on spaces only; any
 * other byte outside visible ASCII (a tab, a CR, a NUL, 8-bit text) is an
 * error.  A term is a modifier when it starts with a name and "=" (so
 * "redirect:x" is an unknown mechanism, not a modifier); otherwise a
 * directive.  a and mx take an optional domain-spec and a dual CIDR length
 * taken from the end of the term, since a domain-spec may itself contain
 * "/" and ":" ("a:foo:bar/baz.example.com").  A domain-spec must end in a
 * macro or in "." and a top label (7.1): "a:museum", "a:1.2.3.4" and
 * "a:example.com:8080" are errors.  The parser is pure: spans point into
 * the caller's text, nothing is allocated.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "spf/internal.h"

#define VERSION     "v=spf1"
#define VERSION_LEN 6
#define IP6_TEXT    46 /* INET6_ADDRSTRLEN */

static bool is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_alnum(char ch)
{
	return is_alpha(ch) || is_digit(ch);
}

/* p[0..n) equals the lower-case word w, in any case. */
static bool word_is(const char *p, size_t n, const char *w)
{
	if (strlen(w) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch + ('a' - 'A'));
		if (ch != w[i])
			return false;
	}
	return true;
}

bool ng_spf_is_record(const char *txt, size_t len)
{
	return len >= VERSION_LEN && word_is(txt, VERSION_LEN, VERSION) &&
	       (len == VERSION_LEN || txt[VERSION_LEN] == ' ');
}

static const char *const mech_names[] = {
    [NG_SPF_MECH_ALL] = "all", [NG_SPF_MECH_INCLUDE] = "include", [NG_SPF_MECH_A] = "a",
    [NG_SPF_MECH_MX] = "mx",   [NG_SPF_MECH_PTR] = "ptr",         [NG_SPF_MECH_IP4] = "ip4",
    [NG_SPF_MECH_IP6] = "ip6", [NG_SPF_MECH_EXISTS] = "exists",
};

const char *ng_spf_mech_name(enum ng_spf_mech m)
{
	if ((unsigned)m >= sizeof(mech_names) / sizeof(mech_names[0]))
		return "?";
	return mech_names[m];
}

/*
 * toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
 * i.e. letters, digits and dashes, not starting or ending with a dash, and
 * with a letter unless there is a dash.
 */
static bool toplabel_ok(const char *p, size_t n)
{
	bool alpha = false, dash = false;
	if (n == 0 || p[0] == '-' || p[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '-')
			dash = true;
		else if (is_alpha(p[i]))
			alpha = true;
		else if (!is_digit(p[i]))
			return false;
	}
	return alpha || dash;
}

/* domain-spec = macro-string domain-end
 * domain-end  = ( "." toplabel [ "." ] ) / macro-expand */
static const char *domain_spec_check(const char *p, size_t n)
{
	size_t last_macro;
	if (n == 0)
		return "empty domain-spec";
	const char *why = ng_spf_macro_check(p, n, NG_SPF_MACRO_DOMAIN, &last_macro, NULL);
	if (why != NULL)
		return why;
	if (last_macro == n)
		return NULL; /* ends in a macro */
	/* The literal tail after the last macro holds "." toplabel ["."]. */
	size_t end = n;
	if (p[end - 1] == '.')
		end--;
	size_t dot = end;
	while (dot > last_macro && p[dot - 1] != '.')
		dot--;
	if (dot == last_macro)
		return "domain-spec without a top label";
	if (!toplabel_ok(p + dot, end - dot))
		return "bad top label in domain-spec";
	return NULL;
}

/* "/" ( "0" / %x31-39 0*2DIGIT ), at most max: the digits after the
 * slash; -1 when they are not such a number. */
static int cidr_value(const char *p, size_t n, unsigned max)
{
	unsigned v = 0;
	if (n == 0 || n > 3 || (n > 1 && p[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	return v <= max ? (int)v : -1;
}

/* ip4-network = qnum "." qnum "." qnum "." qnum, no leading zeros. */
static bool ip4_parse(const char *p, size_t n, uint8_t out[4])
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || p[i] != '.')
				return false;
			i++;
		}
		size_t b = i;
		while (i < n && is_digit(p[i]))
			i++;
		int v = cidr_value(p + b, i - b, 255);
		if (v < 0)
			return false;
		out[part] = (uint8_t)v;
	}
	return i == n;
}

static bool ip6_parse(const char *p, size_t n, uint8_t out[16])
{
	char buf[IP6_TEXT];
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1;
}

/* The position of the last '/' in p[0..n) followed by digits only up to
 * the end, or n when there is none. */
static size_t cidr_tail(const char *p, size_t n)
{
	size_t i = n;
	while (i > 0 && is_digit(p[i - 1]))
		i--;
	return i > 0 && i < n && p[i - 1] == '/' ? i - 1 : n;
}

/* a / mx: [ ":" domain-spec ] [ ip4-cidr-length ] [ "/" ip6-cidr-length ] */
static const char *parse_a_mx(const char *arg, size_t n, struct ng_spf_term *t, size_t base)
{
	size_t end = n;
	size_t slash = cidr_tail(arg, end);
	if (slash < end && slash > 0 && arg[slash - 1] == '/') {
		/* "//" ip6-cidr-length */
		int v = cidr_value(arg + slash + 1, end - slash - 1, 128);
		if (v < 0)
			return "bad IPv6 CIDR length";
		t->cidr6 = (uint8_t)v;
		end = slash - 1;
		slash = cidr_tail(arg, end);
	}
	if (slash < end) {
		int v = cidr_value(arg + slash + 1, end - slash - 1, 32);
		if (v < 0)
			return "bad IPv4 CIDR length";
		t->cidr4 = (uint8_t)v;
		end = slash;
	}
	if (end == 0)
		return NULL;
	if (arg[0] != ':')
		return "bad mechanism argument";
	const char *why = domain_spec_check(arg + 1, end - 1);
	if (why != NULL)
		return why;
	t->domain.off = (uint16_t)(base + 1);
	t->domain.len = (uint16_t)(end - 1);
	return NULL;
}

/* The argument of a directive: arg[0..n) after the mechanism name, at
 * record offset base. */
static const char *parse_arg(const char *arg, size_t n, struct ng_spf_term *t, size_t base)
{
	switch (t->mech) {
	case NG_SPF_MECH_ALL:
		return n == 0 ? NULL : "all takes no argument";
	case NG_SPF_MECH_INCLUDE:
	case NG_SPF_MECH_EXISTS:
	case NG_SPF_MECH_PTR:
		if (n == 0)
			return t->mech == NG_SPF_MECH_PTR ? NULL : "missing domain-spec";
		if (arg[0] != ':')
			return "bad mechanism argument";
		t->domain.off = (uint16_t)(base + 1);
		t->domain.len = (uint16_t)(n - 1);
		return domain_spec_check(arg + 1, n - 1);
	case NG_SPF_MECH_A:
	case NG_SPF_MECH_MX:
		return parse_a_mx(arg, n, t, base);
	case NG_SPF_MECH_IP4:
	case NG_SPF_MECH_IP6: {
		bool v4 = t->mech == NG_SPF_MECH_IP4;
		if (n == 0 || arg[0] != ':')
			return v4 ? "ip4 without an address" : "ip6 without an address";
		const char *slash = memchr(arg, '/', n);
		size_t alen = slash ? (size_t)(slash - arg) - 1 : n - 1;
		if (v4 ? !ip4_parse(arg + 1, alen, t->addr) : !ip6_parse(arg + 1, alen, t->addr))
			return v4 ? "bad IPv4 address" : "bad IPv6 address";
		if (slash != NULL) {
			size_t clen = n - (size_t)(slash - arg) - 1;
			int v = cidr_value(slash + 1, clen, v4 ? 32 : 128);
			if (v < 0)
				return v4 ? "bad IPv4 CIDR length" : "bad IPv6 CIDR length";
			if (v4)
				t->cidr4 = (uint8_t)v;
			else
				t->cidr6 = (uint8_t)v;
		}
		return NULL;
	}
	}
	return "unknown mechanism";
}

static const char *parse_modifier(const char *rec, size_t off, size_t name_len, size_t n,
                                  struct ng_spf_record *out)
{
	const char *name = rec + off;
	const char *val = name + name_len + 1;
	size_t vlen = n - name_len - 1;
	struct ng_spf_span span = {(uint16_t)(off + name_len + 1), (uint16_t)vlen};

	if (word_is(name, name_len, "redirect") || word_is(name, name_len, "exp")) {
		bool redirect = name_len == 8;
		bool *has = redirect ? &out->has_redirect : &out->has_exp;
		if (*has)
			return redirect ? "redirect= twice" : "exp= twice";
		const char *why = domain_spec_check(val, vlen);
		if (why != NULL)
			return why;
		*has = true;
		if (redirect)
			out->redirect = span;
		else
			out->exp = span;
		return NULL;
	}
	/* unknown-modifier = name "=" macro-string: ignored, but checked */
	return ng_spf_macro_check(val, vlen, NG_SPF_MACRO_ANY, NULL, NULL);
}

static const char *parse_term(const char *rec, size_t off, size_t n, struct ng_spf_record *out)
{
	const char *p = rec + off;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
			return "invalid character";

	/* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ), then "=". */
	size_t k = 0;
	if (is_alpha(p[0]))
		while (k < n && (is_alnum(p[k]) || p[k] == '-' || p[k] == '_' || p[k] == '.'))
			k++;
	if (k > 0 && k < n && p[k] == '=')
		return parse_modifier(rec, off, k, n, out);

	if (out->nterms >= NG_SPF_TERMS_MAX)
		return "too many terms";
	struct ng_spf_term *t = &out->terms[out->nterms];
	memset(t, 0, sizeof(*t));
	t->text = (struct ng_spf_span){(uint16_t)off, (uint16_t)n};
	t->qualifier = NG_SPF_PASS;
	t->cidr4 = 32;
	t->cidr6 = 128;
	size_t i = 0;
	switch (p[0]) {
	case '+':
		i = 1;
		break;
	case '-':
		t->qualifier = NG_SPF_FAIL;
		i = 1;
		break;
	case '~':
		t->qualifier = NG_SPF_SOFTFAIL;
		i = 1;
		break;
	case '?':
		t->qualifier = NG_SPF_NEUTRAL;
		i = 1;
		break;
	}
	size_t m = i;
	while (m < n && is_alnum(p[m]))
		m++;
	size_t mech;
	for (mech = 0; mech < sizeof(mech_names) / sizeof(mech_names[0]); mech++)
		if (word_is(p + i, m - i, mech_names[mech]))
			break;
	if (mech == sizeof(mech_names) / sizeof(mech_names[0]))
		return "unknown mechanism";
	t->mech = (enum ng_spf_mech)mech;
	const char *why = parse_arg(p + m, n - m, t, off + m);
	if (why == NULL)
		out->nterms++;
	return why;
}

const char *ng_spf_parse(const char *txt, size_t len, struct ng_spf_record *out,
                         struct ng_spf_span *where)
{
	memset(out, 0, sizeof(*out));
	*where = (struct ng_spf_span){0, 0};
	if (len > NG_SPF_RECORD_MAX - 1)
		return "record too long";
	*where = (struct ng_spf_span){0, (uint16_t)len};
	if (!ng_spf_is_record(txt, len))
		return "not an SPF record";
	size_t pos = VERSION_LEN;
	while (pos < len) {
		while (pos < len && txt[pos] == ' ')
			pos++;
		if (pos == len)
			break;
		size_t start = pos;
		while (pos < len && txt[pos] != ' ')
			pos++;
		const char *why = parse_term(txt, start, pos - start, out);
		if (why != NULL) {
			*where = (struct ng_spf_span){(uint16_t)start, (uint16_t)(pos - start)};
			return why;
		}
	}
	return NULL;
}

int ng_spf_record_parse(const char *txt, size_t len, struct ng_spf_record *out, char *err,
                        size_t errlen)
{
	struct ng_spf_span where;
	const char *why = ng_spf_parse(txt, len, out, &where);
	if (why == NULL) {
		if (errlen > 0)
			err[0] = '\0';
		return 0;
	}
	if (errlen > 0) {
		/* The term, printable and short: it is peer text. */
		char term[64];
		size_t n = 0;
		for (size_t i = where.off; i < (size_t)where.off + where.len && i < len; i++) {
			unsigned char ch = (unsigned char)txt[i];
			if (n + 5 >= sizeof(term))
				break;
			if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
				term[n++] = (char)ch;
			} else {
				snprintf(term + n, sizeof(term) - n, "\\x%02x", ch);
				n += 4;
			}
		}
		term[n] = '\0';
		snprintf(err, errlen, "%s: '%s'", why, term);
	}
	return -1;
}
