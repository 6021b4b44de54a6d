/*
 * listing.c - hits, manual changes, reads and scans of listing records in
 * the store (listing.h).
 *
 * Every change is one ng_store_update(): the record is decoded, changed
 * and encoded again inside the store's write transaction, so that trapd's
 * hits, an operator's `ndrguard list del` and another trapd process never
 * lose each other's changes.  The update callback may run more than once
 * (LMDB retries after growing its map), so it starts from the old record
 * each time and keeps nothing from an earlier run but its own buffer.
 *
 * How long the store keeps a record: the later of its listing expiry and
 * listing_days after its last hit of any kind (listing.h).  A removal
 * leaves the store expiry as it was: the record stays "until it would
 * have expired".
 */
#include "listing/internal.h"

#include <stdlib.h>
#include <string.h>

enum upd_op { UPD_HIT, UPD_ADD, UPD_DEL };

struct upd {
	enum upd_op op;
	const struct ng_listing_opts *o;
	const struct ng_listing_net *net;
	const uint8_t *key;
	size_t klen;
	int64_t now;
	/* hit */
	enum ng_cat cat;
	const struct ng_listing_ev *ev;
	/* add and del */
	unsigned cats;
	const char *reason;
	unsigned days;
	/* the working copy and its encoding, which the store copies */
	struct ng_listing l;
	char *enc;
	int result; /* del: 0 removed, 1 not listed */
};

static bool opts_ok(const struct ng_listing_opts *o)
{
	return o != NULL && o->days >= 1 && o->days <= 3650 && o->evidence <= NG_LISTING_EV_MAX;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static void set_reason(struct ng_listing *l, const char *reason)
{
	size_t n = reason != NULL ? strnlen(reason, sizeof(l->reason) - 1) : 0;
	if (n > 0)
		memcpy(l->reason, reason, n);
	l->reason[n] = '\0';
}

static void copy_field(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memmove(dst, src, n);
	dst[n] = '\0';
}

/* The newest evidence first; at most `keep` records. */
static void push_evidence(struct ng_listing *l, const struct ng_listing_ev *ev, enum ng_cat cat,
                          int64_t now, unsigned keep)
{
	if (l->nev > keep)
		l->nev = keep;
	if (ev == NULL || keep == 0)
		return;
	unsigned n = l->nev < keep ? l->nev : keep - 1;
	memmove(&l->ev[1], &l->ev[0], n * sizeof(l->ev[0]));
	struct ng_listing_ev *e = &l->ev[0];
	memset(e, 0, sizeof(*e));
	e->time = now;
	e->cat = cat;
	copy_field(e->helo, sizeof(e->helo), ev->helo);
	copy_field(e->sender, sizeof(e->sender), ev->sender);
	copy_field(e->rcpt, sizeof(e->rcpt), ev->rcpt);
	copy_field(e->headers, sizeof(e->headers), ev->headers);
	l->nev = n + 1;
}

static void apply_hit(struct upd *u)
{
	struct ng_listing *l = &u->l;
	if (l->first == 0)
		l->first = u->now;
	l->last = u->now;
	l->hits[u->cat]++;
	if (u->cat == NG_CAT_SPAM) {
		if (l->nev > u->o->evidence)
			l->nev = u->o->evidence;
		return;
	}
	bool was = ng_listing_is_listed(l, u->now);
	if (!was) { /* a new listing: by this hit alone */
		l->cats = 0;
		l->manual = false;
	}
	l->removed = false;
	l->cats |= 1u << u->cat;
	unsigned factor = 1 + (l->delistings < 3 ? l->delistings : 3);
	int64_t until = u->now + (int64_t)u->o->days * factor * LST_DAY;
	l->expires = was ? max64(l->expires, until) : until;
	push_evidence(l, u->ev, u->cat, u->now, u->o->evidence);
}

static void apply_add(struct upd *u)
{
	struct ng_listing *l = &u->l;
	bool was = ng_listing_is_listed(l, u->now);
	if (!was)
		l->cats = 0;
	l->cats |= u->cats;
	l->removed = false;
	l->manual = true;
	set_reason(l, u->reason);
	unsigned days = u->days != 0 ? u->days : u->o->days;
	int64_t until = u->now + (int64_t)days * LST_DAY;
	l->expires = was ? max64(l->expires, until) : until;
	if (l->nev > u->o->evidence)
		l->nev = u->o->evidence;
}

static int upd_fn(void *arg, struct ng_store_rmw *r)
{
	struct upd *u = arg;
	free(u->enc);
	u->enc = NULL;
	memset(&u->l, 0, sizeof(u->l));
	bool have = false;
	if (r->old != NULL)
		have = ng_listing_decode(u->key, u->klen, r->old, r->old_len, &u->l);
	if (!have) {
		memset(&u->l, 0, sizeof(u->l));
		u->l.net = *u->net;
	}
	int64_t keep;
	switch (u->op) {
	case UPD_DEL:
		if (r->old != NULL && !have) { /* damaged: gone */
			u->result = 0;
			return NG_STORE_DELETE;
		}
		if (!have || !ng_listing_is_listed(&u->l, u->now)) {
			u->result = 1;
			return NG_STORE_KEEP;
		}
		u->result = 0;
		u->l.removed = true;
		u->l.delistings++;
		set_reason(&u->l, u->reason);
		keep = r->old_expires;
		break;
	case UPD_HIT:
		apply_hit(u);
		keep = max64(u->l.expires, u->l.last + (int64_t)u->o->days * LST_DAY);
		break;
	case UPD_ADD:
	default:
		apply_add(u);
		keep = max64(u->l.expires, u->l.last + (int64_t)u->o->days * LST_DAY);
		break;
	}
	size_t len;
	u->enc = ng_listing_encode(&u->l, &len);
	if (u->enc == NULL)
		return NG_STORE_ENOMEM;
	r->val = u->enc;
	r->vlen = len;
	r->expires = keep;
	return NG_STORE_SET;
}

static int run(struct ng_store *s, struct upd *u)
{
	uint8_t key[20];
	u->klen = ng_listing_key(u->net, key);
	u->key = key;
	u->enc = NULL;
	int rc = ng_store_update(s, key, u->klen, u->now, upd_fn, u);
	free(u->enc);
	return rc < 0 ? rc : 0;
}

static bool net_ok(const struct ng_listing_net *net)
{
	if (net == NULL || !lst_net_valid(net))
		return false;
	struct ng_listing_net u = *net;
	lst_net_unmap(&u);
	return u.v6 == net->v6;
}

int ng_listing_hit(struct ng_store *s, const struct ng_listing_opts *o,
                   const struct ng_listing_net *net, enum ng_cat cat,
                   const struct ng_listing_ev *ev, int64_t now)
{
	if (s == NULL || !opts_ok(o) || !net_ok(net) || (unsigned)cat >= NG_CAT_N || now <= 0)
		return NG_STORE_EINVAL;
	struct upd *u = calloc(1, sizeof(*u));
	if (u == NULL)
		return NG_STORE_ENOMEM;
	u->op = UPD_HIT;
	u->o = o;
	u->net = net;
	u->now = now;
	u->cat = cat;
	u->ev = ev;
	int rc = run(s, u);
	free(u);
	return rc;
}

int ng_listing_add(struct ng_store *s, const struct ng_listing_opts *o,
                   const struct ng_listing_net *net, unsigned cats, const char *reason,
                   unsigned days, int64_t now)
{
	if (s == NULL || !opts_ok(o) || !net_ok(net) || cats == 0 ||
	    (cats & ~NG_CAT_LISTING_MASK) != 0 || days > 36500 || now <= 0)
		return NG_STORE_EINVAL;
	struct upd *u = calloc(1, sizeof(*u));
	if (u == NULL)
		return NG_STORE_ENOMEM;
	u->op = UPD_ADD;
	u->o = o;
	u->net = net;
	u->now = now;
	u->cats = cats;
	u->reason = reason;
	u->days = days;
	int rc = run(s, u);
	free(u);
	return rc;
}

int ng_listing_del(struct ng_store *s, const struct ng_listing_net *net, const char *reason,
                   int64_t now)
{
	if (s == NULL || !net_ok(net) || now <= 0)
		return NG_STORE_EINVAL;
	struct upd *u = calloc(1, sizeof(*u));
	if (u == NULL)
		return NG_STORE_ENOMEM;
	u->op = UPD_DEL;
	u->net = net;
	u->now = now;
	u->reason = reason;
	int rc = run(s, u);
	if (rc == 0)
		rc = u->result;
	free(u);
	return rc;
}

int ng_listing_get(struct ng_store *s, const struct ng_listing_net *net, int64_t now,
                   struct ng_listing *out)
{
	if (s == NULL || !net_ok(net) || out == NULL)
		return NG_STORE_EINVAL;
	uint8_t key[20];
	size_t klen = ng_listing_key(net, key);
	void *val = NULL;
	size_t vlen = 0;
	int rc = ng_store_get(s, key, klen, now, &val, &vlen, NULL);
	if (rc != 0)
		return rc;
	bool ok = ng_listing_decode(key, klen, val, vlen, out);
	free(val);
	return ok ? 0 : NG_LISTING_EDAMAGED;
}

struct scan_ctx {
	ng_listing_fn *fn;
	void *arg;
	struct ng_listing l;
};

static int scan_one(void *arg, const void *key, size_t klen, const void *val, size_t vlen,
                    int64_t expires)
{
	struct scan_ctx *c = arg;
	(void)expires;
	if (!ng_listing_decode(key, klen, val, vlen, &c->l))
		return 0; /* damaged, or a key that only looks like ours */
	return c->fn(c->arg, &c->l);
}

int ng_listing_scan(struct ng_store *s, int64_t now, ng_listing_fn *fn, void *arg)
{
	if (s == NULL || fn == NULL)
		return NG_STORE_EINVAL;
	struct scan_ctx *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NG_STORE_ENOMEM;
	c->fn = fn;
	c->arg = arg;
	int rc = ng_store_scan(s, "L", 1, now, scan_one, c);
	free(c);
	return rc;
}

int ng_listing_lookup(struct ng_store *s, const struct ng_listing_net *net, int64_t now,
                      ng_listing_fn *fn, void *arg)
{
	if (s == NULL || fn == NULL || !net_ok(net))
		return NG_STORE_EINVAL;
	struct ng_listing *l = malloc(sizeof(*l));
	if (l == NULL)
		return NG_STORE_ENOMEM;
	int rc = 0;
	for (int len = (int)net->prefix; len >= 0 && rc == 0; len--) {
		struct ng_listing_net m = *net;
		m.prefix = (unsigned)len;
		lst_net_mask(&m);
		int g = ng_listing_get(s, &m, now, l);
		if (g == 0)
			rc = fn(arg, l);
		else if (g < 0 && g != NG_LISTING_EDAMAGED)
			rc = g;
	}
	free(l);
	return rc;
}
