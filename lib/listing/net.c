/*
 * net.c - categories, an entry's network, its store key, and the text
 * forms of addresses (listing.h).
 *
 * Two readers of address text live here.  ng_listing_net_parse() is
 * strict: what an operator types on the command line and what the text
 * export writes (a dotted quad or an inet_pton() IPv6 form, then an
 * optional /LEN, host bits zero).  The lst_*_parse() helpers also take
 * the loose forms of rbldnsd data files ("127.0.0" = 127.0.0.0/24,
 * "2001:db8:1:2" = a /64) for the import parser (import.c).  Neither
 * touches the resolver: inet_pton() only, never getaddrinfo().
 *
 * IPv4-mapped IPv6 (::ffff:0:0/96) is IPv4 everywhere, so that a hit
 * seen on a dual-stack socket and a manual entry typed as dotted quad are
 * one record.
 */
#include "listing/internal.h"
#include "util/str.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const cat_names[NG_CAT_N] = {"bounce", "autoreply", "callout", "spam"};

const char *ng_cat_name(enum ng_cat c)
{
	return (unsigned)c < NG_CAT_N ? cat_names[c] : "?";
}

bool ng_cat_parse(const char *s, enum ng_cat *out)
{
	if (s == NULL)
		return false;
	for (unsigned i = 0; i < NG_CAT_N; i++)
		if (strcmp(s, cat_names[i]) == 0) {
			*out = (enum ng_cat)i;
			return true;
		}
	return false;
}

const char *ng_listing_strerror(int rc)
{
	return rc == NG_LISTING_EDAMAGED ? "damaged record" : ng_store_strerror(rc);
}

const char *ng_cats_format(unsigned mask, char *buf, size_t cap)
{
	size_t o = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < NG_CAT_N; i++) {
		if ((mask & (1u << i)) == 0)
			continue;
		int w = snprintf(buf + o, cap - o, "%s%s", o > 0 ? "," : "", cat_names[i]);
		if (w < 0 || (size_t)w >= cap - o)
			break;
		o += (size_t)w;
	}
	if (o == 0)
		snprintf(buf, cap, "-");
	return buf;
}

bool lst_cats_parse(const char *s, size_t len, unsigned *mask)
{
	*mask = 0;
	if (len == 1 && s[0] == '-')
		return true;
	if (len == 0)
		return false;
	size_t i = 0;
	while (i <= len) {
		size_t j = i;
		while (j < len && s[j] != ',')
			j++;
		char word[16];
		if (j == i || j - i >= sizeof(word))
			return false;
		memcpy(word, s + i, j - i);
		word[j - i] = '\0';
		enum ng_cat c;
		if (!ng_cat_parse(word, &c) || c == NG_CAT_SPAM)
			return false;
		*mask |= 1u << c;
		i = j + 1;
	}
	return true;
}

bool lst_v4_parse(const char *s, size_t len, uint8_t out[4], unsigned *octets)
{
	unsigned n = 0;
	size_t i = 0;
	memset(out, 0, 4);
	if (len == 0)
		return false;
	for (;;) {
		unsigned v = 0, digits = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			digits++;
			i++;
		}
		if (digits == 0 || digits > 3 || v > 255 || n == 4)
			return false;
		out[n++] = (uint8_t)v;
		if (i == len)
			break;
		if (s[i] != '.' || i + 1 == len)
			return false;
		i++;
	}
	*octets = n;
	return true;
}

bool lst_v6_parse(const char *s, size_t len, uint8_t out[16], unsigned *implied)
{
	char tmp[64];
	memset(out, 0, 16);
	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (memchr(tmp, ':', len) == NULL)
		return false;
	if (inet_pton(AF_INET6, tmp, out) == 1) {
		*implied = 128;
		return true;
	}
	/* rbldnsd's prefix form: 1 to 7 words, no "::", no dotted quad */
	unsigned words = 0;
	size_t i = 0;
	for (;;) {
		unsigned v = 0, digits = 0;
		while (i < len && ng_hexval(s[i]) >= 0) {
			if (++digits > 4)
				return false;
			v = v * 16 + (unsigned)ng_hexval(s[i]);
			i++;
		}
		if (digits == 0 || words == 7)
			return false;
		out[2 * words] = (uint8_t)(v >> 8);
		out[2 * words + 1] = (uint8_t)v;
		words++;
		if (i == len)
			break;
		if (s[i] != ':' || i + 1 == len)
			return false;
		i++;
	}
	*implied = 16 * words;
	return true;
}

bool lst_prefix_parse(const char *s, size_t len, unsigned max, unsigned *out)
{
	unsigned v = 0;
	if (len == 0 || len > 3)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static unsigned family_bits(const struct ng_listing_net *n)
{
	return n->v6 ? 128 : 32;
}

void lst_net_mask(struct ng_listing_net *n)
{
	unsigned bits = family_bits(n);
	if (n->prefix > bits)
		n->prefix = bits;
	for (unsigned i = 0; i < 16; i++) {
		unsigned lo = 8 * i;
		if (lo >= bits || lo + 8 <= n->prefix)
			continue;
		if (lo >= n->prefix)
			n->addr[i] = 0;
		else
			n->addr[i] &= (uint8_t)(0xff00u >> (n->prefix - lo));
	}
	if (!n->v6)
		memset(n->addr + 4, 0, 12);
}

bool lst_net_valid(const struct ng_listing_net *n)
{
	if (n->prefix > family_bits(n))
		return false;
	struct ng_listing_net m = *n;
	lst_net_mask(&m);
	return memcmp(m.addr, n->addr, 16) == 0;
}

void lst_net_unmap(struct ng_listing_net *n)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (!n->v6 || n->prefix < 96 || memcmp(n->addr, mapped, 12) != 0)
		return;
	memmove(n->addr, n->addr + 12, 4);
	memset(n->addr + 4, 0, 12);
	n->prefix -= 96;
	n->v6 = false;
}

/* "IP" (a dotted quad or an inet_pton() IPv6 form) in s[0..len). */
static bool addr_parse(const char *s, size_t len, struct ng_listing_net *out)
{
	memset(out, 0, sizeof(*out));
	unsigned octets;
	if (lst_v4_parse(s, len, out->addr, &octets)) {
		if (octets != 4)
			return false;
		out->prefix = 32;
		return true;
	}
	char tmp[64];
	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET6, tmp, out->addr) != 1)
		return false;
	out->v6 = true;
	out->prefix = 128;
	return true;
}

bool ng_listing_net_parse(const char *s, struct ng_listing_net *out)
{
	if (s == NULL)
		return false;
	size_t len = strlen(s);
	const char *slash = memchr(s, '/', len);
	struct ng_listing_net n;
	if (!addr_parse(s, slash != NULL ? (size_t)(slash - s) : len, &n))
		return false;
	if (slash != NULL) {
		unsigned p;
		if (!lst_prefix_parse(slash + 1, len - (size_t)(slash - s) - 1, family_bits(&n),
		                      &p))
			return false;
		n.prefix = p;
	}
	if (!lst_net_valid(&n))
		return false;
	lst_net_unmap(&n);
	*out = n;
	return true;
}

bool ng_listing_net_of_hit(const char *ip, unsigned v6_prefix, struct ng_listing_net *out)
{
	struct ng_listing_net n;
	if (ip == NULL || v6_prefix > 128 || !addr_parse(ip, strlen(ip), &n))
		return false;
	lst_net_unmap(&n);
	if (n.v6) {
		n.prefix = v6_prefix;
		lst_net_mask(&n);
	}
	*out = n;
	return true;
}

const char *ng_listing_net_format(const struct ng_listing_net *n, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN];
	if (cap == 0)
		return buf;
	buf[0] = '\0';
	if (n->v6) {
		if (inet_ntop(AF_INET6, n->addr, a, sizeof(a)) == NULL)
			return buf;
	} else {
		snprintf(a, sizeof(a), "%u.%u.%u.%u", n->addr[0], n->addr[1], n->addr[2],
		         n->addr[3]);
	}
	int w = n->prefix == family_bits(n) ? snprintf(buf, cap, "%s", a)
	                                    : snprintf(buf, cap, "%s/%u", a, n->prefix);
	if (w < 0 || (size_t)w >= cap)
		buf[0] = '\0';
	return buf;
}

size_t ng_listing_key(const struct ng_listing_net *n, uint8_t key[20])
{
	size_t alen = n->v6 ? 16 : 4;
	key[0] = 'L';
	key[1] = n->v6 ? '6' : '4';
	memcpy(key + 2, n->addr, alen);
	key[2 + alen] = (uint8_t)n->prefix;
	return 3 + alen;
}

bool ng_listing_key_parse(const void *key, size_t klen, struct ng_listing_net *out)
{
	const uint8_t *k = key;
	struct ng_listing_net n;
	memset(&n, 0, sizeof(n));
	if (klen == 7 && k[0] == 'L' && k[1] == '4')
		n.v6 = false;
	else if (klen == 19 && k[0] == 'L' && k[1] == '6')
		n.v6 = true;
	else
		return false;
	memcpy(n.addr, k + 2, n.v6 ? 16 : 4);
	n.prefix = k[klen - 1];
	if (!lst_net_valid(&n))
		return false;
	struct ng_listing_net u = n;
	lst_net_unmap(&u);
	if (u.v6 != n.v6) /* mapped space is stored as IPv4 */
		return false;
	*out = n;
	return true;
}

bool ng_listing_net_contains(const struct ng_listing_net *outer, const struct ng_listing_net *inner)
{
	if (outer->v6 != inner->v6 || outer->prefix > inner->prefix)
		return false;
	struct ng_listing_net m = *inner;
	m.prefix = outer->prefix;
	lst_net_mask(&m);
	return memcmp(m.addr, outer->addr, 16) == 0;
}

const char *ng_listing_time_format(int64_t t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t == 0)
		snprintf(buf, cap, "-");
	else if (gmtime_r(&tt, &tm) == NULL || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, cap, "%lld", (long long)t);
	return buf;
}
