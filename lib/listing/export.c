/*
 * export.c - the list for mirrors: rbldnsd datasets and a text table
 * (listing.h), and the dnsbld_codes reader they share with the DNS
 * server.
 *
 * rbldnsd(8) reads one dataset type per file, so there is one format per
 * type, each a file that `rbldnsd ZONE:TYPE:FILE` serves as it is:
 *
 *   ip4set   "NET :A:TXT", one line per listed category: rbldnsd answers
 *            every line of an address, so an IP listed as bounce and as
 *            autoreply gets both A records, as from `ndrguard dnsbld`;
 *   ip6trie  "NET :A:TXT", any prefix, but one value per prefix (rbldnsd
 *            drops duplicates): the entry's first category, in the order
 *            bounce, autoreply, callout;
 *   ip6tset  "2001:db8:1:2", /64 prefixes only, and one A and TXT for the
 *            whole file (its first ":" line): the entries listed for one
 *            category, the first exported.  Export once per category for
 *            all of them, or use ip6trie.
 *
 * Each starts with $SOA, $NS and $TTL from the dnsbld_* keys, so that a
 * mirror answers like dnsbld, and with the RFC 5782 test point where the
 * type can hold it.  The TXT template is written as is: "$" is the IP
 * for rbldnsd as for dnsbld ("$$", "$0".."$9" and "$=" are rbldnsd's own
 * and best avoided in dnsbld_txt_template).
 *
 * The text table is for people and scripts: one line an entry, times in
 * UTC, read back by the import parser.
 */
#include "listing/internal.h"

#include <stdio.h>
#include <string.h>

static const char *const fmt_names[] = {"auto", "text", "ip4set", "ip6tset", "ip6trie"};

const char *ng_listing_fmt_name(enum ng_listing_fmt f)
{
	return (unsigned)f < sizeof(fmt_names) / sizeof(fmt_names[0]) ? fmt_names[f] : "?";
}

bool ng_listing_fmt_parse(const char *s, enum ng_listing_fmt *out)
{
	for (unsigned i = 0; s != NULL && i < sizeof(fmt_names) / sizeof(fmt_names[0]); i++)
		if (strcmp(s, fmt_names[i]) == 0) {
			*out = (enum ng_listing_fmt)i;
			return true;
		}
	return false;
}

int ng_listing_codes_parse(const char *const *items, size_t n, struct ng_listing_codes *out,
                           char *err, size_t errlen)
{
	struct ng_listing_codes c;
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < n; i++) {
		const char *it = items[i];
		const char *eq = strchr(it, '=');
		char name[16];
		size_t nl = eq != NULL ? (size_t)(eq - it) : 0;
		enum ng_cat cat;
		if (eq == NULL || nl == 0 || nl >= sizeof(name)) {
			snprintf(err, errlen, "'%s': want CATEGORY=127.0.0.N", it);
			return -1;
		}
		memcpy(name, it, nl);
		name[nl] = '\0';
		if (!ng_cat_parse(name, &cat) || cat == NG_CAT_SPAM) {
			snprintf(err, errlen, "'%s': unknown category (bounce, autoreply, callout)",
			         it);
			return -1;
		}
		if (c.a[cat] != 0) {
			snprintf(err, errlen, "'%s': %s given twice", it, name);
			return -1;
		}
		uint8_t a[4];
		unsigned octets;
		if (!lst_v4_parse(eq + 1, strlen(eq + 1), a, &octets) || octets != 4 ||
		    a[0] != 127) {
			snprintf(err, errlen, "'%s': the code must be an address in 127.0.0.0/8",
			         it);
			return -1;
		}
		uint32_t v =
		    (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
		if (v == 0x7f000001u) {
			snprintf(err, errlen, "'%s': 127.0.0.1 means \"not listed\" (RFC 5782)",
			         it);
			return -1;
		}
		c.a[cat] = v;
	}
	*out = c;
	return 0;
}

static unsigned exported(const struct ng_listing_export *x)
{
	unsigned m = x->cats & NG_CAT_LISTING_MASK;
	return m != 0 ? m : NG_CAT_LISTING_MASK;
}

/* The first category of mask that has a code; NG_CAT_N when none. */
static enum ng_cat first_coded(const struct ng_listing_export *x, unsigned mask)
{
	for (unsigned i = 0; i < NG_CAT_SPAM; i++)
		if ((mask & (1u << i)) != 0 && x->codes.a[i] != 0)
			return (enum ng_cat)i;
	return NG_CAT_N;
}

static void put_value(ng_buf *b, const struct ng_listing_export *x, enum ng_cat c)
{
	uint32_t a = x->codes.a[c];
	ng_buf_printf(b, ":%u.%u.%u.%u:", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	if (x->txt != NULL)
		ng_buf_puts(b, x->txt);
	ng_buf_puts(b, "\n");
}

/* hostmaster@example.org -> hostmaster.example.org. (dots of the local
 * part escaped); a name without '@' is taken as a DNS name. */
static void put_rname(ng_buf *b, const char *hm)
{
	const char *at = hm != NULL ? strrchr(hm, '@') : NULL;
	if (hm == NULL || hm[0] == '\0') {
		ng_buf_puts(b, "hostmaster.localhost.");
		return;
	}
	if (at == NULL) {
		ng_buf_puts(b, hm);
	} else {
		for (const char *p = hm; p < at; p++)
			ng_buf_append(b, *p == '.' ? "\\." : p, *p == '.' ? 2 : 1);
		ng_buf_puts(b, ".");
		ng_buf_puts(b, at + 1);
	}
	if (hm[strlen(hm) - 1] != '.')
		ng_buf_puts(b, ".");
}

static void put_name(ng_buf *b, const char *name)
{
	ng_buf_puts(b, " ");
	ng_buf_puts(b, name);
	size_t n = strlen(name);
	if (n == 0 || name[n - 1] != '.')
		ng_buf_puts(b, ".");
}

void ng_listing_export_head(ng_buf *b, const struct ng_listing_export *x)
{
	char when[40];
	ng_listing_time_format(x->now, when, sizeof(when));
	if (x->fmt == NG_LISTING_FMT_TEXT) {
		ng_buf_printf(b, "# ndrguard listings as of %s\n", when);
		ng_buf_puts(b, "# NET CATEGORIES FIRST LAST EXPIRES BOUNCE AUTOREPLY CALLOUT SPAM "
		               "FLAGS\n");
		return;
	}
	ng_buf_printf(b, "# ndrguard listings as of %s (rbldnsd %s)\n", when,
	              ng_listing_fmt_name(x->fmt));
	if (x->nns > 0) {
		ng_buf_puts(b, "$SOA 0");
		put_name(b, x->ns[0]);
		ng_buf_puts(b, " ");
		put_rname(b, x->hostmaster);
		ng_buf_printf(b, " %u 3600 600 604800 %u\n",
		              (unsigned)((uint64_t)x->now & 0xffffffffu), x->negative_ttl);
		ng_buf_puts(b, "$NS 0");
		for (size_t i = 0; i < x->nns; i++)
			put_name(b, x->ns[i]);
		ng_buf_puts(b, "\n");
	}
	ng_buf_printf(b, "$TTL %u\n", x->ttl);
	enum ng_cat c = first_coded(x, exported(x));
	if (c == NG_CAT_N)
		return;
	if (x->fmt == NG_LISTING_FMT_IP6TSET) {
		ng_buf_printf(b, "# the entries listed as %s\n", ng_cat_name(c));
		put_value(b, x, c);
	} else if (x->fmt == NG_LISTING_FMT_IP4SET) {
		ng_buf_puts(b, "# RFC 5782 test point\n127.0.0.2 ");
		put_value(b, x, c);
	} else if (x->fmt == NG_LISTING_FMT_IP6TRIE) {
		ng_buf_puts(b, "# RFC 5782 test point\n::ffff:7f00:2 ");
		put_value(b, x, c);
	}
}

static int text_entry(ng_buf *b, const struct ng_listing_export *x, const struct ng_listing *l)
{
	bool listed = ng_listing_is_listed(l, x->now);
	unsigned mask = exported(x);
	if ((x->listed_only && !listed) || (x->cats != 0 && (l->cats & mask) == 0))
		return 0;
	char net[NG_LISTING_NET_TEXT_MAX], cats[64], t1[40], t2[40], t3[40];
	ng_buf_printf(b, "%s %s %s %s %s", ng_listing_net_format(&l->net, net, sizeof(net)),
	              ng_cats_format(listed ? l->cats & mask : 0, cats, sizeof(cats)),
	              ng_listing_time_format(l->first, t1, sizeof(t1)),
	              ng_listing_time_format(l->last, t2, sizeof(t2)),
	              ng_listing_time_format(listed ? l->expires : 0, t3, sizeof(t3)));
	for (unsigned i = 0; i < NG_CAT_N; i++)
		ng_buf_printf(b, " %llu", (unsigned long long)l->hits[i]);
	if (!l->manual && !l->removed && l->delistings == 0) {
		ng_buf_puts(b, " -\n");
		return 1;
	}
	const char *sep = " ";
	if (l->manual) {
		ng_buf_printf(b, "%smanual", sep);
		sep = ",";
	}
	if (l->removed) {
		ng_buf_printf(b, "%sremoved", sep);
		sep = ",";
	}
	if (l->delistings > 0)
		ng_buf_printf(b, "%sdelistings=%u", sep, l->delistings);
	ng_buf_puts(b, "\n");
	return 1;
}

int ng_listing_export_entry(ng_buf *b, const struct ng_listing_export *x,
                            const struct ng_listing *l)
{
	char net[NG_LISTING_NET_TEXT_MAX];
	if (x->fmt == NG_LISTING_FMT_TEXT)
		return text_entry(b, x, l);
	if (!ng_listing_is_listed(l, x->now))
		return 0;
	unsigned mask = l->cats & exported(x);
	int lines = 0;
	switch (x->fmt) {
	case NG_LISTING_FMT_IP4SET:
		if (l->net.v6)
			return 0;
		ng_listing_net_format(&l->net, net, sizeof(net));
		for (unsigned i = 0; i < NG_CAT_SPAM; i++) {
			if ((mask & (1u << i)) == 0 || x->codes.a[i] == 0)
				continue;
			ng_buf_printf(b, "%s ", net);
			put_value(b, x, (enum ng_cat)i);
			lines++;
		}
		return lines;
	case NG_LISTING_FMT_IP6TRIE: {
		enum ng_cat c = first_coded(x, mask);
		if (!l->net.v6 || c == NG_CAT_N)
			return 0;
		ng_buf_printf(b, "%s ", ng_listing_net_format(&l->net, net, sizeof(net)));
		put_value(b, x, c);
		return 1;
	}
	case NG_LISTING_FMT_IP6TSET: {
		enum ng_cat c = first_coded(x, exported(x));
		if (!l->net.v6 || c == NG_CAT_N || (l->cats & (1u << c)) == 0)
			return 0;
		if (l->net.prefix != 64)
			return -1;
		const uint8_t *a = l->net.addr;
		ng_buf_printf(b, "%x:%x:%x:%x\n", a[0] << 8 | a[1], a[2] << 8 | a[3],
		              a[4] << 8 | a[5], a[6] << 8 | a[7]);
		return 1;
	}
	default:
		return 0;
	}
}
