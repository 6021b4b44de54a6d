/*
 * check.c - check_host() of RFC 7208 on the asynchronous resolver: the
 * driver of a check (check.h describes its state).
 *
 * A check starts with the identity (4.3: the sender's domain, or the HELO
 * name for the null sender, local-part "postmaster" when missing) and
 * keeps a stack of frames, one per record being evaluated: the checked
 * domain's at the bottom, one more per include.  The step loop fetches a
 * frame's record (4.4, 4.5: exactly one "v=spf1" TXT record), evaluates its
 * terms in order (mech.c), and when a frame ends decides: a matching term's
 * qualifier, else redirect= (which replaces the frame's record), else
 * neutral.  An included frame's result becomes a match or no match of the
 * include term (5.2); errors anywhere end the whole check.  A fail of the
 * checked domain fetches the explanation of its exp= (6.2), which counts
 * against no limit and is dropped on any trouble.
 *
 * The result is delivered from the resolver's loop, never from inside
 * ng_spf_check_host(): a check decided at once (an invalid domain) ends
 * through ng_dns_defer().  Memory: the check and its frames, freed when
 * done returns or on cancel.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf/check.h"
#include "util/str.h"

static const char *const result_names[] = {
    [NG_SPF_NONE] = "none",           [NG_SPF_NEUTRAL] = "neutral",
    [NG_SPF_PASS] = "pass",           [NG_SPF_FAIL] = "fail",
    [NG_SPF_SOFTFAIL] = "softfail",   [NG_SPF_TEMPERROR] = "temperror",
    [NG_SPF_PERMERROR] = "permerror",
};

const char *ng_spf_result_name(enum ng_spf_result r)
{
	if ((unsigned)r >= sizeof(result_names) / sizeof(result_names[0]))
		return "permerror";
	return result_names[r];
}

struct ng_spf_frame *ng_spf_top(struct ng_spf_check *c)
{
	return c->frames[c->depth - 1];
}

/* Record text for the outcome's mechanism: cut, and every byte outside
 * printable ASCII (peer text: a NUL would end the string) shown as '?'. */
static void set_mechanism(struct ng_spf_check *c, const char *text, size_t n)
{
	size_t i;
	for (i = 0; i < n && i + 1 < sizeof(c->out.mechanism); i++) {
		unsigned char ch = (unsigned char)text[i];
		c->out.mechanism[i] = ch >= 0x20 && ch <= 0x7e ? (char)ch : '?';
	}
	c->out.mechanism[i] = '\0';
}

/* The term the check is on, for the outcome: the deepest frame's current
 * term, or the redirect= that led to a frame whose record is not in yet,
 * or the include that led to it. */
static void note_term(struct ng_spf_check *c)
{
	for (size_t d = c->depth; d > 0; d--) {
		const struct ng_spf_frame *f = c->frames[d - 1];
		if (!f->fetched && f->redirected) {
			/* text and rec are still the record that redirected */
			const struct ng_spf_span *s = &f->rec.redirect;
			size_t name = sizeof("redirect=") - 1;
			set_mechanism(c, f->text + s->off - name, s->len + name);
			return;
		}
		if (f->fetched && f->next < f->rec.nterms) {
			const struct ng_spf_span *s = &f->rec.terms[f->next].text;
			set_mechanism(c, f->text + s->off, s->len);
			return;
		}
		if (f->fetched && f->next == f->rec.nterms && f->rec.has_redirect) {
			const struct ng_spf_span *s = &f->rec.redirect;
			size_t name = sizeof("redirect=") - 1;
			set_mechanism(c, f->text + s->off - name, s->len + name);
			return;
		}
	}
}

void ng_spf_finish(struct ng_spf_check *c, enum ng_spf_result result, const char *detail)
{
	if (c->finished)
		return;
	if ((result == NG_SPF_TEMPERROR || result == NG_SPF_PERMERROR) &&
	    c->out.mechanism[0] == '\0')
		note_term(c);
	c->finished = true;
	c->out.result = result;
	c->out.detail = detail;
}

static void on_answer(void *arg, const struct ng_dns_answer *a);

bool ng_spf_query(struct ng_spf_check *c, enum ng_spf_state st, const char *name,
                  enum ng_dns_type type)
{
	c->st = st;
	c->q = ng_dns_query(c->r, name, type, on_answer, c);
	if (c->q == NULL) {
		ng_spf_finish(c, NG_SPF_TEMPERROR, "cannot start a DNS query");
		return false;
	}
	return true;
}

bool ng_spf_count_lookup(struct ng_spf_check *c)
{
	if (c->counted)
		return true;
	c->counted = true;
	if (++c->out.dns_lookups > NG_SPF_LOOKUPS_MAX) {
		ng_spf_finish(c, NG_SPF_PERMERROR, "more than 10 DNS lookups");
		return false;
	}
	return true;
}

bool ng_spf_count_void(struct ng_spf_check *c)
{
	if (++c->out.void_lookups > NG_SPF_VOID_MAX) {
		ng_spf_finish(c, NG_SPF_PERMERROR, "more than 2 void lookups");
		return false;
	}
	return true;
}

static void macro_vars(const struct ng_spf_check *c, const char *d, struct ng_spf_macro_vars *v)
{
	*v = (struct ng_spf_macro_vars){
	    .s = c->sender,
	    .l = c->local,
	    .o = c->odomain,
	    .d = d,
	    .i = c->ip_i,
	    .p = c->ptr_ready ? ng_spf_p_value(c, d) : NULL,
	    .v = c->v6 ? "ip6" : "in-addr",
	    .h = c->helo,
	    .c = c->ip_c,
	    .r = c->receiver,
	    .t = c->now,
	};
}

/* Does the macro-string need the validated names that are not known yet?
 * Then their lookup starts. */
static bool wait_for_p(struct ng_spf_check *c, const char *s, size_t len,
                       enum ng_spf_macro_mode mode)
{
	bool uses_p = false;
	if (c->ptr_ready || ng_spf_macro_check(s, len, mode, NULL, &uses_p) != NULL || !uses_p)
		return false;
	ng_spf_ptr_start(c);
	return true;
}

int ng_spf_target(struct ng_spf_check *c, const struct ng_spf_frame *f,
                  const struct ng_spf_span *spec, char *out)
{
	if (spec->len == 0) {
		memcpy(out, f->domain, strlen(f->domain) + 1);
		return 1;
	}
	const char *s = f->text + spec->off;
	if (wait_for_p(c, s, spec->len, NG_SPF_MACRO_DOMAIN))
		return -1;
	struct ng_spf_macro_vars v;
	macro_vars(c, f->domain, &v);
	if (ng_spf_macro_expand(s, spec->len, NG_SPF_MACRO_DOMAIN, &v, out, NG_DNS_NAME_MAX) != 0 ||
	    ng_dns_query_name_check(out) != 0)
		return 0;
	return 1;
}

/* ---- frames ---- */

bool ng_spf_push_frame(struct ng_spf_check *c, const char *domain)
{
	if (c->depth == NG_SPF_DEPTH_MAX) {
		ng_spf_finish(c, NG_SPF_PERMERROR, "includes nested too deep");
		return false;
	}
	struct ng_spf_frame *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		ng_spf_finish(c, NG_SPF_TEMPERROR, "out of memory");
		return false;
	}
	ng_str_copyn(f->domain, sizeof(f->domain), domain, strlen(domain));
	c->frames[c->depth++] = f;
	c->counted = false;
	return true;
}

static void pop_frame(struct ng_spf_check *c)
{
	free(c->frames[--c->depth]);
	c->frames[c->depth] = NULL;
	c->counted = false;
}

/* Frame f ended with result r (from its matching term, its redirect, or
 * the default); walk up through the includes that led to it. */
static void frame_result(struct ng_spf_check *c, enum ng_spf_result r, bool by_term)
{
	while (c->depth > 1) {
		pop_frame(c);
		struct ng_spf_frame *f = ng_spf_top(c);
		const struct ng_spf_term *inc = &f->rec.terms[f->next];
		if (r != NG_SPF_PASS) {
			/* fail, softfail, neutral: the include does not match */
			f->next++;
			return;
		}
		r = inc->qualifier;
		by_term = true;
	}
	struct ng_spf_frame *f = ng_spf_top(c);
	if (by_term)
		note_term(c);
	else
		set_mechanism(c, "default", 7);
	if (r == NG_SPF_FAIL && f->rec.has_exp) {
		c->out.result = r;
		c->exp_phase = true;
		return;
	}
	ng_spf_finish(c, r, by_term ? "a term matched" : "no term matched");
}

void ng_spf_term_done(struct ng_spf_check *c, bool match)
{
	struct ng_spf_frame *f = ng_spf_top(c);
	if (match) {
		frame_result(c, f->rec.terms[f->next].qualifier, true);
		return;
	}
	f->next++;
	c->counted = false;
}

/* No term of f matched: redirect= (6.1), or neutral (4.7). */
static void frame_end(struct ng_spf_check *c, struct ng_spf_frame *f)
{
	if (!f->rec.has_redirect) {
		frame_result(c, NG_SPF_NEUTRAL, false);
		return;
	}
	char target[NG_DNS_NAME_MAX];
	const char *s = f->text + f->rec.redirect.off;
	if (wait_for_p(c, s, f->rec.redirect.len, NG_SPF_MACRO_DOMAIN))
		return;
	if (!ng_spf_count_lookup(c))
		return;
	int t = ng_spf_target(c, f, &f->rec.redirect, target);
	if (t <= 0) {
		if (t == 0)
			ng_spf_finish(c, NG_SPF_PERMERROR, "redirect to an invalid domain");
		return;
	}
	memcpy(f->domain, target, strlen(target) + 1);
	f->fetched = false;
	f->redirected = true;
	f->next = 0;
	c->counted = false;
}

/* The TXT records of the top frame's domain are in: pick the SPF one. */
static void record_answer(struct ng_spf_check *c, const struct ng_dns_answer *a)
{
	struct ng_spf_frame *f = ng_spf_top(c);
	const struct ng_dns_rr *rec = NULL;
	size_t found = 0;

	if (a->rcode != NG_DNS_OK && a->rcode != NG_DNS_NXDOMAIN && a->rcode != NG_DNS_NODATA) {
		ng_spf_finish(c, NG_SPF_TEMPERROR, "DNS error looking up the SPF record");
		return;
	}
	for (size_t i = 0; a->rcode == NG_DNS_OK && i < a->nrrs; i++) {
		if (ng_spf_is_record(a->rrs[i].text, a->rrs[i].len)) {
			rec = &a->rrs[i];
			found++;
		}
	}
	if (found > 1) {
		ng_spf_finish(c, NG_SPF_PERMERROR, "more than one SPF record");
		return;
	}
	if (a->rrs_cut) {
		ng_spf_finish(c, NG_SPF_PERMERROR, "more TXT records than kept");
		return;
	}
	if (found == 0) {
		if (c->depth > 1)
			ng_spf_finish(c, NG_SPF_PERMERROR, "included domain has no SPF record");
		else if (f->redirected)
			ng_spf_finish(c, NG_SPF_PERMERROR, "redirect target has no SPF record");
		else
			ng_spf_finish(c, NG_SPF_NONE, "no SPF record");
		return;
	}
	if (rec->cut || rec->len >= sizeof(f->text)) {
		ng_spf_finish(c, NG_SPF_PERMERROR, "SPF record too long");
		return;
	}
	memcpy(f->text, rec->text, rec->len);
	f->text[rec->len] = '\0';
	f->text_len = rec->len;
	struct ng_spf_span where;
	const char *why = ng_spf_parse(f->text, f->text_len, &f->rec, &where);
	if (why != NULL) {
		set_mechanism(c, f->text + where.off, where.len);
		ng_spf_finish(c, NG_SPF_PERMERROR, why);
		return;
	}
	f->fetched = true;
	f->next = 0;
	c->counted = false;
}

/* ---- the explanation (6.2) ---- */

static void exp_step(struct ng_spf_check *c)
{
	struct ng_spf_frame *f = ng_spf_top(c);
	if (!c->exp_fetched) {
		char target[NG_DNS_NAME_MAX];
		int t = ng_spf_target(c, f, &f->rec.exp, target);
		if (t == 0)
			ng_spf_finish(c, NG_SPF_FAIL, "a term matched");
		if (t == 1)
			ng_spf_query(c, NG_SPF_ST_EXP, target, NG_DNS_TXT);
		return;
	}
	if (wait_for_p(c, c->exp_text, c->exp_len, NG_SPF_MACRO_EXP))
		return;
	struct ng_spf_macro_vars v;
	macro_vars(c, f->domain, &v);
	ng_spf_macro_expand(c->exp_text, c->exp_len, NG_SPF_MACRO_EXP, &v, c->out.explanation,
	                    sizeof(c->out.explanation));
	ng_spf_finish(c, NG_SPF_FAIL, "a term matched");
}

/* Exactly one TXT record with a good explain-string, or no explanation. */
static void exp_answer(struct ng_spf_check *c, const struct ng_dns_answer *a)
{
	if (a->rcode != NG_DNS_OK || a->nrrs != 1 || a->rrs_cut || a->rrs[0].cut ||
	    a->rrs[0].len >= sizeof(c->exp_text) ||
	    ng_spf_macro_check(a->rrs[0].text, a->rrs[0].len, NG_SPF_MACRO_EXP, NULL, NULL) !=
	        NULL) {
		ng_spf_finish(c, NG_SPF_FAIL, "a term matched");
		return;
	}
	memcpy(c->exp_text, a->rrs[0].text, a->rrs[0].len);
	c->exp_len = a->rrs[0].len;
	c->exp_text[c->exp_len] = '\0';
	c->exp_fetched = true;
}

/* ---- the loop ---- */

static void step(struct ng_spf_check *c)
{
	if (c->exp_phase) {
		exp_step(c);
		return;
	}
	struct ng_spf_frame *f = ng_spf_top(c);
	if (!f->fetched)
		ng_spf_query(c, NG_SPF_ST_RECORD, f->domain, NG_DNS_TXT);
	else if (f->next < f->rec.nterms)
		ng_spf_term_step(c, f);
	else
		frame_end(c, f);
}

/* Step until a query is out or the check has ended. */
static void run(struct ng_spf_check *c)
{
	while (c->q == NULL && !c->finished)
		step(c);
}

static void check_free(struct ng_spf_check *c)
{
	while (c->depth > 0)
		pop_frame(c);
	free(c);
}

static void deliver(struct ng_spf_check *c)
{
	c->done(c->arg, &c->out);
	check_free(c);
}

static void on_answer(void *arg, const struct ng_dns_answer *a)
{
	struct ng_spf_check *c = arg;
	c->q = NULL;
	switch (c->st) {
	case NG_SPF_ST_DEFER:
		deliver(c);
		return;
	case NG_SPF_ST_RECORD:
		record_answer(c, a);
		break;
	case NG_SPF_ST_EXP:
		exp_answer(c, a);
		break;
	default:
		ng_spf_mech_answer(c, a);
		break;
	}
	run(c);
	if (c->finished)
		deliver(c);
}

/* ---- start and cancel ---- */

/* The client address and its macro forms; false when ip is no address. */
static bool set_client(struct ng_spf_check *c, const char *ip)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const char hex[] = "0123456789ABCDEF";
	uint8_t a6[16];

	if (inet_pton(AF_INET, ip, c->ip) != 1) {
		if (inet_pton(AF_INET6, ip, a6) != 1)
			return false;
		if (memcmp(a6, mapped, sizeof(mapped)) == 0) {
			memcpy(c->ip, a6 + 12, 4); /* RFC 7208 5: IPv4 it is */
		} else {
			c->v6 = true;
			memcpy(c->ip, a6, 16);
		}
	}
	if (!c->v6) {
		const uint8_t *b = c->ip;
		snprintf(c->ip_i, sizeof(c->ip_i), "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
		memcpy(c->ip_c, c->ip_i, strlen(c->ip_i) + 1);
		snprintf(c->reverse, sizeof(c->reverse), "%u.%u.%u.%u.in-addr.arpa", b[3], b[2],
		         b[1], b[0]);
		return true;
	}
	/* %{i} of IPv6: nibbles, upper case as the RFC 7208 test suite has
	 * them; the reverse name the same, backwards. */
	size_t n = 0, m = 0;
	for (int i = 0; i < 32; i++) {
		uint8_t nib = (uint8_t)(i % 2 ? c->ip[i / 2] & 15 : c->ip[i / 2] >> 4);
		c->ip_i[n++] = hex[nib];
		c->ip_i[n++] = i < 31 ? '.' : '\0';
		uint8_t rnib = (uint8_t)(i % 2 ? c->ip[15 - i / 2] >> 4 : c->ip[15 - i / 2] & 15);
		c->reverse[m++] = hex[rnib];
		c->reverse[m++] = '.';
	}
	memcpy(c->reverse + m, "ip6.arpa", sizeof("ip6.arpa"));
	inet_ntop(AF_INET6, c->ip, c->ip_c, sizeof(c->ip_c));
	return true;
}

/* The domain of the identity: a name of two labels or more (4.3). */
static bool domain_ok(const char *d)
{
	return d[0] != '[' && strchr(d, '.') != NULL && ng_dns_name_check(d) == 0 &&
	       strlen(d) < NG_DNS_NAME_MAX;
}

/* The identity (4.3); the check's domain, or NULL when it is not one. */
static const char *set_identity(struct ng_spf_check *c, const char *helo, const char *sender)
{
	const char *domain = helo, *local = "";
	size_t llen = 0;
	if (sender[0] != '\0') {
		const char *at = strrchr(sender, '@');
		domain = at != NULL ? at + 1 : sender;
		if (at != NULL) {
			local = sender;
			llen = (size_t)(at - sender);
		}
	}
	if (llen == 0) {
		local = "postmaster";
		llen = strlen(local);
	}
	ng_str_copyn(c->local, sizeof(c->local), local, llen);
	ng_str_copyn(c->helo, sizeof(c->helo), helo, strlen(helo));
	size_t dlen = strlen(domain);
	if (dlen > 0 && domain[dlen - 1] == '.')
		dlen--;
	if (dlen >= sizeof(c->odomain))
		return NULL;
	ng_str_copyn(c->odomain, sizeof(c->odomain), domain, dlen);
	/* l "@" o: both come from one address of NG_SPF_IDENTITY_MAX - 1
	 * bytes at most, or are "postmaster" and a name: it fits. */
	size_t n = strlen(c->local);
	memcpy(c->sender, c->local, n);
	c->sender[n++] = '@';
	ng_str_copyn(c->sender + n, sizeof(c->sender) - n, c->odomain, strlen(c->odomain));
	return domain_ok(c->odomain) ? c->odomain : NULL;
}

struct ng_spf_check *ng_spf_check_host(struct ng_dns_resolver *r, const char *ip, const char *helo,
                                       const char *sender, const char *receiver, time_t now,
                                       ng_spf_done_fn *done, void *arg)
{
	struct ng_spf_check *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->r = r;
	c->done = done;
	c->arg = arg;
	c->out.detail = "";
	if (ip == NULL || !set_client(c, ip)) {
		free(c);
		return NULL;
	}
	if (helo == NULL)
		helo = "";
	if (sender == NULL)
		sender = "";
	if (receiver == NULL || receiver[0] == '\0')
		receiver = "unknown";
	ng_str_copyn(c->receiver, sizeof(c->receiver), receiver, strlen(receiver));
	snprintf(c->now, sizeof(c->now), "%" PRIdMAX, (intmax_t)now);

	const char *domain = NULL;
	if (strlen(helo) >= NG_SPF_IDENTITY_MAX || strlen(sender) >= NG_SPF_IDENTITY_MAX)
		ng_spf_finish(c, NG_SPF_NONE, "sender or HELO name too long");
	else if ((domain = set_identity(c, helo, sender)) == NULL)
		ng_spf_finish(c, NG_SPF_NONE, "not a domain name");
	if (domain != NULL) {
		ng_str_copyn(c->out.domain, sizeof(c->out.domain), domain, strlen(domain));
		if (ng_spf_push_frame(c, domain))
			run(c);
	}
	if (c->finished) {
		/* Decided already: end from the loop, as promised. */
		c->st = NG_SPF_ST_DEFER;
		c->q = ng_dns_defer(r, on_answer, c);
		if (c->q == NULL) {
			check_free(c);
			return NULL;
		}
	}
	return c;
}

void ng_spf_cancel(struct ng_spf_check *c)
{
	if (c == NULL)
		return;
	if (c->q != NULL)
		ng_dns_cancel(c->r, c->q);
	check_free(c);
}
