/*
 * record.c - the stored form of a listing record, and the redaction of
 * trap addresses in evidence (listing.h).
 *
 * The value is "key=value" lines (lib/util/kv.h): stable across versions
 * (unknown keys are skipped, so a later version may add fields), readable
 * with `mdb_dump -p`, escaped so that any bytes of peer text (a HELO, a
 * header line) survive.  The network is the key, not a field.
 *
 *   v=1                          the record version; anything else is damaged
 *   first= last= expires=        unix seconds
 *   cats=bounce,autoreply        the listing categories ("-" none)
 *   hits_bounce= ... hits_spam=  counters
 *   manual=0|1 removed=0|1 delistings=N reason=TEXT
 *   ev_time=T ev_cat=C ev_helo= ev_sender= ev_rcpt= ev_headers=
 *                                one evidence record, newest first; each
 *                                ev_time starts the next one
 *
 * A record that breaks these rules (a number that is not one, an unknown
 * category, evidence before its ev_time, no version) is damaged: decode
 * says so and the caller decides (listing.h).  Peer text is not trusted
 * on the way back either: every field is cut to its cap.
 */
#include "listing/internal.h"

#include "util/buf.h"
#include "util/kv.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REC_MAX     (64 * 1024) /* far above what the caps allow */
#define REC_VERSION 1

bool ng_listing_is_listed(const struct ng_listing *l, int64_t now)
{
	return (l->cats & NG_CAT_LISTING_MASK) != 0 && !l->removed && l->expires > now;
}

static const char *const hits_key[NG_CAT_N] = {"hits_bounce", "hits_autoreply", "hits_callout",
                                               "hits_spam"};

static long long clamp_u64(uint64_t v)
{
	return v > (uint64_t)LLONG_MAX ? LLONG_MAX : (long long)v;
}

char *ng_listing_encode(const struct ng_listing *l, size_t *len)
{
	ng_buf b;
	char cats[64];
	ng_buf_init(&b, REC_MAX);
	ng_kv_put_int(&b, "v", REC_VERSION);
	ng_kv_put_int(&b, "first", l->first);
	ng_kv_put_int(&b, "last", l->last);
	ng_kv_put_int(&b, "expires", l->expires);
	ng_kv_put(&b, "cats", ng_cats_format(l->cats & NG_CAT_LISTING_MASK, cats, sizeof(cats)));
	for (unsigned i = 0; i < NG_CAT_N; i++)
		ng_kv_put_int(&b, hits_key[i], clamp_u64(l->hits[i]));
	ng_kv_put_int(&b, "manual", l->manual ? 1 : 0);
	ng_kv_put_int(&b, "removed", l->removed ? 1 : 0);
	ng_kv_put_int(&b, "delistings", l->delistings);
	ng_kv_putn(&b, "reason", l->reason, strnlen(l->reason, sizeof(l->reason)));
	unsigned nev = l->nev < NG_LISTING_EV_MAX ? l->nev : NG_LISTING_EV_MAX;
	for (unsigned i = 0; i < nev; i++) {
		const struct ng_listing_ev *e = &l->ev[i];
		ng_kv_put_int(&b, "ev_time", e->time);
		ng_kv_put(&b, "ev_cat", ng_cat_name(e->cat));
		ng_kv_putn(&b, "ev_helo", e->helo, strnlen(e->helo, sizeof(e->helo)));
		ng_kv_putn(&b, "ev_sender", e->sender, strnlen(e->sender, sizeof(e->sender)));
		ng_kv_putn(&b, "ev_rcpt", e->rcpt, strnlen(e->rcpt, sizeof(e->rcpt)));
		ng_kv_putn(&b, "ev_headers", e->headers, strnlen(e->headers, sizeof(e->headers)));
	}
	if (b.failed || b.overflow || b.data == NULL) {
		ng_buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.data;
}

static bool num(const char *val, long long min, long long max, long long *out)
{
	return ng_kv_int(val, out) && *out >= min && *out <= max;
}

static void copy_cut(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* One field of the record into l; false when it damages the record. */
static bool field(struct ng_listing *l, const char *key, const char *val, bool *have_v,
                  bool *skip_ev)
{
	long long n;
	struct ng_listing_ev *e = l->nev > 0 ? &l->ev[l->nev - 1] : NULL;
	if (strcmp(key, "v") == 0) {
		*have_v = num(val, REC_VERSION, REC_VERSION, &n);
		return *have_v;
	}
	if (strcmp(key, "first") == 0 || strcmp(key, "last") == 0 || strcmp(key, "expires") == 0) {
		if (!num(val, 0, INT64_MAX, &n))
			return false;
		*(key[0] == 'f' ? &l->first : key[0] == 'l' ? &l->last : &l->expires) = n;
		return true;
	}
	if (strcmp(key, "cats") == 0)
		return lst_cats_parse(val, strlen(val), &l->cats);
	for (unsigned i = 0; i < NG_CAT_N; i++)
		if (strcmp(key, hits_key[i]) == 0) {
			if (!num(val, 0, LLONG_MAX, &n))
				return false;
			l->hits[i] = (uint64_t)n;
			return true;
		}
	if (strcmp(key, "manual") == 0 || strcmp(key, "removed") == 0) {
		if (!num(val, 0, 1, &n))
			return false;
		*(key[0] == 'm' ? &l->manual : &l->removed) = n == 1;
		return true;
	}
	if (strcmp(key, "delistings") == 0) {
		if (!num(val, 0, 1000000, &n))
			return false;
		l->delistings = (unsigned)n;
		return true;
	}
	if (strcmp(key, "reason") == 0) {
		copy_cut(l->reason, sizeof(l->reason), val);
		return true;
	}
	if (strcmp(key, "ev_time") == 0) {
		if (!num(val, 0, INT64_MAX, &n))
			return false;
		*skip_ev = l->nev == NG_LISTING_EV_MAX;
		if (*skip_ev)
			return true;
		e = &l->ev[l->nev++];
		e->time = n;
		return true;
	}
	if (strncmp(key, "ev_", 3) != 0)
		return true; /* a field of a later version */
	if (e == NULL)
		return false; /* evidence before its ev_time */
	if (*skip_ev)
		return true;
	if (strcmp(key, "ev_cat") == 0)
		return ng_cat_parse(val, &e->cat);
	if (strcmp(key, "ev_helo") == 0)
		copy_cut(e->helo, sizeof(e->helo), val);
	else if (strcmp(key, "ev_sender") == 0)
		copy_cut(e->sender, sizeof(e->sender), val);
	else if (strcmp(key, "ev_rcpt") == 0)
		copy_cut(e->rcpt, sizeof(e->rcpt), val);
	else if (strcmp(key, "ev_headers") == 0)
		copy_cut(e->headers, sizeof(e->headers), val);
	return true;
}

bool ng_listing_decode(const void *key, size_t klen, const void *val, size_t vlen,
                       struct ng_listing *out)
{
	struct ng_listing l;
	memset(&l, 0, sizeof(l));
	if (!ng_listing_key_parse(key, klen, &l.net) || (val == NULL && vlen > 0))
		return false;
	struct ng_kv_reader r;
	char k[32], v[NG_LISTING_EV_HDRS_MAX];
	bool cut, have_v = false, skip_ev = false;
	ng_kv_reader_init(&r, val != NULL ? val : "", vlen);
	while (ng_kv_next(&r, k, sizeof(k), v, sizeof(v), &cut))
		if (!field(&l, k, v, &have_v, &skip_ev))
			return false;
	if (!have_v)
		return false;
	*out = l;
	return true;
}

/* ---- redaction ---- */

static bool atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80 || strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static bool dchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c >= 0x80;
}

/* Is d[0..dl) (its final dots ignored) a trap domain or inside one? */
static bool is_trap(const char *d, size_t dl, const char *const *domains, size_t n)
{
	while (dl > 0 && d[dl - 1] == '.')
		dl--;
	for (size_t i = 0; i < n; i++) {
		const char *t = domains[i];
		if (t == NULL)
			continue;
		size_t tl = strlen(t);
		while (tl > 0 && t[tl - 1] == '.')
			tl--;
		if (tl == 0 || tl > dl)
			continue;
		if (strncasecmp(d + dl - tl, t, tl) != 0)
			continue;
		if (tl == dl || d[dl - tl - 1] == '.')
			return true;
	}
	return false;
}

size_t ng_listing_redact(char *text, size_t cap, const char *const *trap_domains, size_t n)
{
	static const char trap[] = "<trap>";
	const size_t tlen = sizeof(trap) - 1;
	size_t count = 0;
	if (text == NULL || cap == 0)
		return 0;
	size_t len = strnlen(text, cap - 1);
	text[len] = '\0';
	for (size_t at = 0; at < len; at++) {
		if (text[at] != '@')
			continue;
		/* the local part: a quoted string or a run of atext and dots */
		size_t st = at;
		if (at >= 2 && text[at - 1] == '"') {
			size_t q = at - 1;
			while (q > 0 && !(text[q - 1] == '"' && (q < 2 || text[q - 2] != '\\')))
				q--;
			if (q == 0)
				continue;
			st = q - 1;
		} else {
			while (st > 0 && atext((unsigned char)text[st - 1]))
				st--;
		}
		size_t de = at + 1;
		while (de < len && dchar((unsigned char)text[de]))
			de++;
		if (st == at || de == at + 1 ||
		    !is_trap(text + at + 1, de - at - 1, trap_domains, n))
			continue;
		size_t old = at - st;
		size_t nlen = len - old + tlen;
		if (nlen > cap - 1) {
			if (st + tlen > cap - 1) { /* not even "<trap>" fits: cut here */
				text[st] = '\0';
				len = st;
				count++;
				break;
			}
			nlen = cap - 1;
		}
		/* move the tail (from '@') to its new place, then write the mark */
		size_t tail = nlen - st - tlen;
		memmove(text + st + tlen, text + at, tail);
		memcpy(text + st, trap, tlen);
		text[nlen] = '\0';
		len = nlen;
		at = st + tlen; /* the '@' */
		count++;
	}
	return count;
}
