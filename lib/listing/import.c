/*
 * import.c - the import parser: rbldnsd ip4set, ip6tset and ip6trie data,
 * the text export and plain lists of IPs and CIDRs (listing.h).
 *
 * A push parser that does no I/O (STYLE.md habit 5): push() takes bytes
 * up to the end of one line into a buffer of NG_LISTING_LINE_MAX bytes,
 * next() turns that line into items.  The same code serves `ndrguard list
 * import` (a file or stdin) and the fuzzer (a byte array).  Operator
 * files come from elsewhere (a mirror's data, another list's export) and
 * are read as untrusted: every line is bounded, every number checked,
 * and a bad line is an error item, never the end of the import.
 *
 * rbldnsd's IPv4 ranges ("1.2.3.4-1.2.3.9") are cut into the fewest CIDR
 * blocks, one item each, at most 62 a range; the parser holds the range
 * between calls instead of a list of blocks.
 */
#include "listing/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ng_listing_import {
	enum ng_listing_fmt fmt;
	struct ng_listing_codes codes;
	char line[NG_LISTING_LINE_MAX];
	size_t len;
	bool toolong; /* the current line ran past the buffer */
	bool ready;   /* a whole line waits for next() */
	bool ended;
	unsigned lineno;
	unsigned defcats; /* of the last ":A:TXT" line; 0: the caller's */
	/* an IPv4 range being cut into blocks, [lo, hi] */
	bool range;
	uint64_t lo, hi;
	unsigned rcats;
};

struct ng_listing_import *ng_listing_import_new(enum ng_listing_fmt fmt,
                                                const struct ng_listing_codes *codes)
{
	if ((unsigned)fmt > NG_LISTING_FMT_IP6TRIE)
		return NULL;
	struct ng_listing_import *im = calloc(1, sizeof(*im));
	if (im == NULL)
		return NULL;
	im->fmt = fmt;
	if (codes != NULL)
		im->codes = *codes;
	return im;
}

void ng_listing_import_free(struct ng_listing_import *im)
{
	free(im);
}

size_t ng_listing_import_push(struct ng_listing_import *im, const void *data, size_t len)
{
	const char *p = data;
	size_t i = 0;
	if (im->ready || im->range || im->ended)
		return 0;
	while (i < len) {
		char c = p[i++];
		if (c == '\n') {
			im->ready = true;
			break;
		}
		if (im->len < sizeof(im->line))
			im->line[im->len++] = c;
		else
			im->toolong = true;
	}
	return i;
}

void ng_listing_import_end(struct ng_listing_import *im)
{
	if (!im->ended && (im->len > 0 || im->toolong))
		im->ready = true;
	im->ended = true;
}

static bool space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Peer text quoted in an error: printable ASCII, at most 40 bytes. */
static const char *quote(const char *s, size_t n, char *buf, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 4 < cap && i < 40; i++)
		buf[o++] = (s[i] > 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (n > 40 && o + 4 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static int bad(struct ng_listing_item *it, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int bad(struct ng_listing_item *it, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(it->err, sizeof(it->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* An rbldnsd A value ("127.0.0.2", or "2" for 127.0.0.2) into the
 * categories with that code; 0 when it is empty; -1 when no category has
 * it or it is not an address. */
static int a_value(const struct ng_listing_import *im, const char *s, size_t n, unsigned *cats)
{
	uint8_t a[4];
	unsigned k;
	*cats = 0;
	if (n == 0)
		return 0;
	if (!lst_v4_parse(s, n, a, &k))
		return -1;
	uint8_t full[4] = {127, 0, 0, 0};
	memcpy(full + 4 - k, a, k);
	uint32_t v =
	    (uint32_t)full[0] << 24 | (uint32_t)full[1] << 16 | (uint32_t)full[2] << 8 | full[3];
	for (unsigned i = 0; i < NG_CAT_SPAM; i++)
		if (im->codes.a[i] == v)
			*cats |= 1u << i;
	return *cats != 0 ? 0 : -1;
}

/* A value after an entry (or a ":A:TXT" default line): the categories it
 * gives; 0 with *cats = the default when it gives none. */
static int rbl_value(struct ng_listing_import *im, const char *s, size_t n, unsigned *cats,
                     struct ng_listing_item *it)
{
	char q[64];
	*cats = im->defcats;
	if (n == 0 || s[0] != ':')
		return 0; /* no value, or a TXT alone: the default A */
	const char *end = memchr(s + 1, ':', n - 1);
	size_t an = end != NULL ? (size_t)(end - s - 1) : n - 1;
	while (an > 0 && space(s[an]))
		an--;
	unsigned c;
	if (a_value(im, s + 1, an, &c) < 0)
		return bad(it, "A value '%s' is no category's code (dnsbld_codes)",
		           quote(s + 1, an, q, sizeof(q)));
	if (c != 0)
		*cats = c;
	return 0;
}

/* The first block of [lo, hi] as an item; the rest stays for next(). */
static int range_next(struct ng_listing_import *im, struct ng_listing_item *it)
{
	uint64_t size = im->lo == 0 ? (uint64_t)1 << 32 : im->lo & (~im->lo + 1);
	while (im->lo + size - 1 > im->hi)
		size >>= 1;
	unsigned bits = 0;
	while (((uint64_t)1 << bits) < size)
		bits++;
	memset(&it->net, 0, sizeof(it->net));
	it->net.addr[0] = (uint8_t)(im->lo >> 24);
	it->net.addr[1] = (uint8_t)(im->lo >> 16);
	it->net.addr[2] = (uint8_t)(im->lo >> 8);
	it->net.addr[3] = (uint8_t)im->lo;
	it->net.prefix = 32 - bits;
	it->cats = im->rcats;
	it->line = im->lineno;
	it->err[0] = '\0';
	im->lo += size;
	if (im->lo > im->hi)
		im->range = false;
	return 1;
}

static uint64_t v4_num(const uint8_t a[4])
{
	return (uint64_t)a[0] << 24 | (uint64_t)a[1] << 16 | (uint64_t)a[2] << 8 | a[3];
}

/* "A-B" in rbldnsd's prefix-range forms into [lo, hi]: 0, or -1 when it
 * is not a range, -2 when it ends before it starts. */
static int v4_range(const char *s, size_t n, const char *dash, uint64_t *lo, uint64_t *hi)
{
	uint8_t a[4], b[4];
	unsigned ka, kb;
	if (!lst_v4_parse(s, (size_t)(dash - s), a, &ka) ||
	    !lst_v4_parse(dash + 1, n - (size_t)(dash - s) - 1, b, &kb))
		return -1;
	uint8_t h[4] = {255, 255, 255, 255};
	if (kb == 1 && ka > 1) { /* "127.16-31": a suffix of the first */
		memcpy(h, a, ka - 1);
		h[ka - 1] = b[0];
	} else {
		memcpy(h, b, kb);
	}
	*lo = v4_num(a);
	*hi = v4_num(h);
	return *lo <= *hi ? 0 : -2;
}

/* The entry token s[0..n) into it->net; -1 with it->err. */
static int entry(struct ng_listing_import *im, const char *s, size_t n, struct ng_listing_item *it,
                 bool *is_range)
{
	char q[64];
	const char *slash = memchr(s, '/', n);
	size_t an = slash != NULL ? (size_t)(slash - s) : n;
	struct ng_listing_net *net = &it->net;
	unsigned implied;
	memset(net, 0, sizeof(*net));
	*is_range = false;
	if (memchr(s, ':', n) != NULL) {
		if (im->fmt == NG_LISTING_FMT_IP4SET)
			return bad(it, "'%s': an IPv6 entry in ip4set data",
			           quote(s, n, q, sizeof(q)));
		if (!lst_v6_parse(s, an, net->addr, &implied))
			return bad(it, "'%s': not an IPv6 address or network",
			           quote(s, n, q, sizeof(q)));
		net->v6 = true;
		net->prefix = implied;
	} else {
		if (im->fmt == NG_LISTING_FMT_IP6TSET || im->fmt == NG_LISTING_FMT_IP6TRIE)
			return bad(it, "'%s': an IPv4 entry in IPv6 data",
			           quote(s, n, q, sizeof(q)));
		const char *dash = memchr(s, '-', n);
		if (dash != NULL && slash == NULL && im->fmt != NG_LISTING_FMT_TEXT) {
			int r = v4_range(s, n, dash, &im->lo, &im->hi);
			if (r == -2)
				return bad(it, "'%s': the range ends before it starts",
				           quote(s, n, q, sizeof(q)));
			if (r < 0)
				return bad(it, "'%s': not an IPv4 address, network or range",
				           quote(s, n, q, sizeof(q)));
			*is_range = true;
			return 0;
		}
		if (!lst_v4_parse(s, an, net->addr, &implied))
			return bad(it, "'%s': not an IPv4 address or network",
			           quote(s, n, q, sizeof(q)));
		net->prefix = 8 * implied;
	}
	if (slash != NULL &&
	    !lst_prefix_parse(slash + 1, n - an - 1, net->v6 ? 128 : 32, &net->prefix))
		return bad(it, "'%s': bad prefix length", quote(s, n, q, sizeof(q)));
	if (!lst_net_valid(net))
		return bad(it, "'%s': host bits set (want the network address)",
		           quote(s, n, q, sizeof(q)));
	lst_net_unmap(net);
	if (im->fmt == NG_LISTING_FMT_IP6TSET && (!net->v6 || net->prefix != 64))
		return bad(it, "'%s': ip6tset data lists /64 prefixes only",
		           quote(s, n, q, sizeof(q)));
	return 0;
}

/* Does the line start with an IPv6 entry ("::1", "::/0") rather than an
 * rbldnsd value (":127.0.0.2:text")?  rbldnsd's IPv6 datasets read it so. */
static bool v6_entry(const struct ng_listing_import *im, const char *s, size_t n)
{
	uint8_t a[16];
	unsigned implied;
	size_t tn = 0;
	if (im->fmt == NG_LISTING_FMT_IP4SET || im->fmt == NG_LISTING_FMT_TEXT || n < 2 ||
	    s[1] != ':')
		return false;
	while (tn < n && !space(s[tn]) && s[tn] != '/')
		tn++;
	return lst_v6_parse(s, tn, a, &implied);
}

/* The line in im->line: 1 an item, -1 an error, 0 nothing (comment). */
static int parse_line(struct ng_listing_import *im, struct ng_listing_item *it)
{
	char q[64];
	const char *s = im->line;
	size_t n = im->len;
	if (im->toolong)
		return bad(it, "line longer than %d bytes", NG_LISTING_LINE_MAX);
	if (memchr(s, '\0', n) != NULL)
		return bad(it, "%s", "NUL byte in the line");
	while (n > 0 && space(s[n - 1]))
		n--;
	while (n > 0 && space(s[0]))
		s++, n--;
	if (n == 0 || s[0] == '#' || s[0] == ';' || s[0] == '$')
		return 0;
	if (s[0] == '!')
		return bad(it, "'%s': exclusions are not supported", quote(s, n, q, sizeof(q)));
	if (s[0] == ':' && !v6_entry(im, s, n)) {
		if (im->fmt == NG_LISTING_FMT_TEXT)
			return bad(it, "'%s': an rbldnsd value line in text data",
			           quote(s, n, q, sizeof(q)));
		unsigned c;
		im->defcats = 0;
		if (rbl_value(im, s, n, &c, it) < 0)
			return -1;
		im->defcats = c;
		return 0;
	}
	size_t tn = 0;
	while (tn < n && !space(s[tn]))
		tn++;
	const char *rest = s + tn;
	size_t rn = n - tn;
	while (rn > 0 && space(rest[0]))
		rest++, rn--;
	bool is_range;
	if (entry(im, s, tn, it, &is_range) < 0)
		return -1;
	static const uint8_t test_point[4] = {127, 0, 0, 2};
	if (!is_range && !it->net.v6 && it->net.prefix == 32 &&
	    memcmp(it->net.addr, test_point, 4) == 0)
		return 0; /* RFC 5782's, which every export and dnsbld add themselves */
	/* the value: a category list (text), an rbldnsd value, or none */
	size_t vn = 0;
	while (vn < rn && !space(rest[vn]))
		vn++;
	unsigned cats = 0;
	bool text = im->fmt == NG_LISTING_FMT_TEXT ||
	            (im->fmt == NG_LISTING_FMT_AUTO && vn > 0 && lst_cats_parse(rest, vn, &cats));
	if (text) {
		if (!lst_cats_parse(rest, vn, &cats))
			return bad(it, "'%s': want CATEGORIES (bounce,autoreply,callout or -)",
			           quote(rest, vn, q, sizeof(q)));
		if (cats == 0)
			return 0; /* not listed */
	} else if (rn > 0 && (rest[0] == '#' || rest[0] == ';')) {
		cats = im->defcats;
	} else if (im->fmt == NG_LISTING_FMT_IP6TSET) {
		cats = im->defcats; /* no values per entry */
	} else if (rbl_value(im, rest, rn, &cats, it) < 0) {
		return -1;
	}
	if (is_range) {
		im->rcats = cats;
		im->range = true;
		return range_next(im, it);
	}
	it->cats = cats;
	return 1;
}

int ng_listing_import_next(struct ng_listing_import *im, struct ng_listing_item *it)
{
	if (im->range)
		return range_next(im, it);
	if (!im->ready)
		return 0;
	memset(it, 0, sizeof(*it));
	it->line = ++im->lineno;
	int rc = parse_line(im, it);
	im->ready = false;
	im->len = 0;
	im->toolong = false;
	return rc;
}
