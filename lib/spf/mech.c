/*
 * mech.c - the mechanisms of RFC 7208 section 5 and the client's validated
 * names (5.5), on the state of check.h.
 *
 * all, ip4 and ip6 decide at once; ip4 never matches an IPv6 client nor
 * ip6 an IPv4 one (an IPv4-mapped client is IPv4: 5, item 9).  include, a,
 * mx, ptr and exists count against the limit of 10 lookups and look their
 * target up:
 *
 *   a       A (or AAAA for an IPv6 client) of the target; any address in
 *           the term's prefix matches;
 *   mx      MX of the target, more than 10 exchanges is a permerror
 *           (4.6.4), then the addresses of each exchange in turn (the null
 *           MX "." is skipped); no MX means no match, never the target's
 *           own addresses;
 *   exists  A of the target (whatever the client's family); any record
 *           matches;
 *   ptr     a validated name of the client equal to the target or under
 *           it;
 *   include a frame of its own (check.c).
 *
 * NXDOMAIN and empty answers of a, mx and exists are void lookups (4.6.4);
 * any other DNS error ends the check in temperror (5), except inside ptr,
 * where a failed lookup only drops a name (5.5).  The client's names are
 * looked up once per check, at most 10 of them (4.6.4), each validated by
 * its addresses, and serve both ptr and the %{p} macro (7.3).
 */
#include <string.h>

#include "spf/check.h"

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	size_t full = bits / 8;
	unsigned rest = bits % 8;
	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

/* The term being evaluated (a, mx): its prefix lengths. */
static const struct ng_spf_term *term_of(struct ng_spf_check *c)
{
	const struct ng_spf_frame *f = ng_spf_top(c);
	return &f->rec.terms[f->next];
}

static enum ng_dns_type addr_type(const struct ng_spf_check *c)
{
	return c->v6 ? NG_DNS_AAAA : NG_DNS_A;
}

/* Does an address record of a hold the client, within the prefix? */
static bool addrs_match(const struct ng_spf_check *c, const struct ng_dns_answer *a, unsigned cidr4,
                        unsigned cidr6)
{
	for (size_t i = 0; i < a->nrrs; i++) {
		const struct ng_dns_rr *rr = &a->rrs[i];
		if (!c->v6 && rr->type == NG_DNS_A && prefix_match(c->ip, rr->addr, cidr4))
			return true;
		if (c->v6 && rr->type == NG_DNS_AAAA && prefix_match(c->ip, rr->addr, cidr6))
			return true;
	}
	return false;
}

static bool negative(const struct ng_dns_answer *a)
{
	return a->rcode == NG_DNS_NXDOMAIN || a->rcode == NG_DNS_NODATA ||
	       (a->rcode == NG_DNS_OK && a->nrrs == 0);
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch + ('a' - 'A')) : ch;
}

static bool same_name(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/* name is d, or under d (both without final dot). */
static bool at_or_under(const char *name, const char *d, bool *exact)
{
	size_t n = strlen(name), dn = strlen(d);
	*exact = n == dn && same_name(name, d, n);
	return *exact || (n > dn && name[n - dn - 1] == '.' && same_name(name + n - dn, d, dn));
}

const char *ng_spf_p_value(const struct ng_spf_check *c, const char *d)
{
	const char *sub = NULL, *any = NULL;
	for (size_t i = 0; i < c->nptr; i++) {
		bool exact;
		if (!c->ptr_valid[i])
			continue;
		if (at_or_under(c->ptr[i], d, &exact)) {
			if (exact)
				return c->ptr[i];
			if (sub == NULL)
				sub = c->ptr[i];
		}
		if (any == NULL)
			any = c->ptr[i];
	}
	return sub != NULL ? sub : any != NULL ? any : "unknown";
}

/* ---- the client's validated names ---- */

void ng_spf_ptr_start(struct ng_spf_check *c)
{
	c->nptr = 0;
	c->ptr_at = 0;
	ng_spf_query(c, NG_SPF_ST_PTR, c->reverse, NG_DNS_PTR);
}

static void next_ptr(struct ng_spf_check *c)
{
	if (c->ptr_at < c->nptr)
		ng_spf_query(c, NG_SPF_ST_PTR_ADDR, c->ptr[c->ptr_at], addr_type(c));
	else
		c->ptr_ready = true; /* the step that waited runs again */
}

static void ptr_answer(struct ng_spf_check *c, const struct ng_dns_answer *a)
{
	/* A failed PTR lookup leaves no names: ptr does not match (5.5). */
	for (size_t i = 0; a->rcode == NG_DNS_OK && i < a->nrrs && c->nptr < NG_SPF_PTR_MAX; i++) {
		const struct ng_dns_rr *rr = &a->rrs[i];
		if (rr->cut || rr->len >= NG_DNS_NAME_MAX || rr->len != strlen(rr->text) ||
		    ng_dns_query_name_check(rr->text) != 0)
			continue; /* cannot be looked up: cannot validate */
		memcpy(c->ptr[c->nptr], rr->text, rr->len + 1);
		c->ptr_valid[c->nptr] = false;
		c->nptr++;
	}
	next_ptr(c);
}

static void ptr_addr_answer(struct ng_spf_check *c, const struct ng_dns_answer *a)
{
	/* An error skips the name (5.5). */
	if (a->rcode == NG_DNS_OK)
		c->ptr_valid[c->ptr_at] = addrs_match(c, a, 32, 128);
	c->ptr_at++;
	next_ptr(c);
}

/* ---- mx ---- */

static void next_mx(struct ng_spf_check *c)
{
	if (c->mx_at < c->nmx)
		ng_spf_query(c, NG_SPF_ST_MX_ADDR, c->mx[c->mx_at], addr_type(c));
	else
		ng_spf_term_done(c, false);
}

static void mx_answer(struct ng_spf_check *c, const struct ng_dns_answer *a)
{
	if (a->nrrs > NG_SPF_MX_MAX || a->rrs_cut) {
		ng_spf_finish(c, NG_SPF_PERMERROR, "more than 10 MX records");
		return;
	}
	c->nmx = 0;
	c->mx_at = 0;
	for (size_t i = 0; i < a->nrrs; i++) {
		const struct ng_dns_rr *rr = &a->rrs[i];
		/* the null MX (RFC 7505) and names that cannot be looked up
		 * have no addresses */
		if (rr->len == 0 || rr->cut || rr->len >= NG_DNS_NAME_MAX ||
		    rr->len != strlen(rr->text) || ng_dns_query_name_check(rr->text) != 0)
			continue;
		memcpy(c->mx[c->nmx++], rr->text, rr->len + 1);
	}
	next_mx(c);
}

/* ---- the terms ---- */

void ng_spf_term_step(struct ng_spf_check *c, struct ng_spf_frame *f)
{
	const struct ng_spf_term *t = &f->rec.terms[f->next];
	char target[NG_DNS_NAME_MAX];

	switch (t->mech) {
	case NG_SPF_MECH_ALL:
		ng_spf_term_done(c, true);
		return;
	case NG_SPF_MECH_IP4:
		ng_spf_term_done(c, !c->v6 && prefix_match(c->ip, t->addr, t->cidr4));
		return;
	case NG_SPF_MECH_IP6:
		ng_spf_term_done(c, c->v6 && prefix_match(c->ip, t->addr, t->cidr6));
		return;
	default:
		break;
	}
	/* The target first: it may need the validated names, which count
	 * against nothing; then the term counts (once, however often it is
	 * stepped again). */
	int ok = ng_spf_target(c, f, &t->domain, target);
	if (ok < 0 || !ng_spf_count_lookup(c))
		return;
	if (ok == 0) {
		/* Not a DNS name (an empty label, a label over 63): no match,
		 * as the RFC 7208 test suite prefers; an include of it has
		 * no record, a permerror (5.2). */
		if (t->mech == NG_SPF_MECH_INCLUDE)
			ng_spf_finish(c, NG_SPF_PERMERROR, "include of an invalid domain");
		else
			ng_spf_term_done(c, false);
		return;
	}
	switch (t->mech) {
	case NG_SPF_MECH_INCLUDE:
		ng_spf_push_frame(c, target);
		return;
	case NG_SPF_MECH_A:
		ng_spf_query(c, NG_SPF_ST_ADDR, target, addr_type(c));
		return;
	case NG_SPF_MECH_MX:
		ng_spf_query(c, NG_SPF_ST_MX, target, NG_DNS_MX);
		return;
	case NG_SPF_MECH_EXISTS:
		ng_spf_query(c, NG_SPF_ST_EXISTS, target, NG_DNS_A);
		return;
	case NG_SPF_MECH_PTR:
		if (!c->ptr_ready) {
			ng_spf_ptr_start(c);
			return;
		}
		for (size_t i = 0; i < c->nptr; i++) {
			bool exact;
			if (c->ptr_valid[i] && at_or_under(c->ptr[i], target, &exact)) {
				ng_spf_term_done(c, true);
				return;
			}
		}
		ng_spf_term_done(c, false);
		return;
	default:
		ng_spf_term_done(c, false); /* not reached: every step moves on */
		return;
	}
}

void ng_spf_mech_answer(struct ng_spf_check *c, const struct ng_dns_answer *a)
{
	switch (c->st) {
	case NG_SPF_ST_PTR:
		ptr_answer(c, a);
		return;
	case NG_SPF_ST_PTR_ADDR:
		ptr_addr_answer(c, a);
		return;
	case NG_SPF_ST_MX_ADDR:
		if (a->rcode == NG_DNS_OK &&
		    addrs_match(c, a, term_of(c)->cidr4, term_of(c)->cidr6)) {
			ng_spf_term_done(c, true);
			return;
		}
		if (a->rcode != NG_DNS_OK && !negative(a)) {
			ng_spf_finish(c, NG_SPF_TEMPERROR, "DNS error looking up an MX host");
			return;
		}
		c->mx_at++;
		next_mx(c);
		return;
	default:
		break;
	}
	/* a, mx, exists: the term's own lookup. */
	if (negative(a)) {
		if (ng_spf_count_void(c))
			ng_spf_term_done(c, false);
		return;
	}
	if (a->rcode != NG_DNS_OK) {
		ng_spf_finish(c, NG_SPF_TEMPERROR, "DNS error looking up a mechanism's target");
		return;
	}
	switch (c->st) {
	case NG_SPF_ST_ADDR:
		ng_spf_term_done(c, addrs_match(c, a, term_of(c)->cidr4, term_of(c)->cidr6));
		return;
	case NG_SPF_ST_EXISTS:
		ng_spf_term_done(c, true);
		return;
	case NG_SPF_ST_MX:
		mx_answer(c, a);
		return;
	default:
		ng_spf_finish(c, NG_SPF_TEMPERROR, "answer for no question");
		return;
	}
}
