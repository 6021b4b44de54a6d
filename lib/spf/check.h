/*
 * check.h - the state of one check_host() run, shared by check.c (the
 * driver: identities, records, include and redirect, the explanation, the
 * end) and mech.c (the mechanisms and the client's validated names).
 *
 * A check is a small state machine with at most one DNS query in flight:
 * every DNS answer lands in check.c's callback, which hands it to whoever
 * asked (c->st), then calls the step loop until the next query goes out or
 * the check ends.  Steps may be re-entered: a term that needs the client's
 * validated names (the ptr mechanism, a %{p} macro) first starts their
 * lookup and is evaluated again from the start once they are known, which
 * is why a term counts against the lookup limit only once (c->counted).
 */
#ifndef NG_SPF_CHECK_H
#define NG_SPF_CHECK_H

#include "spf/internal.h"

/* What the query in flight is for. */
enum ng_spf_state {
	NG_SPF_ST_NONE,
	NG_SPF_ST_RECORD,   /* TXT of the top frame's domain */
	NG_SPF_ST_ADDR,     /* a: A or AAAA of the target */
	NG_SPF_ST_MX,       /* mx: MX of the target */
	NG_SPF_ST_MX_ADDR,  /* mx: A or AAAA of exchange mx_at */
	NG_SPF_ST_EXISTS,   /* exists: A of the target */
	NG_SPF_ST_PTR,      /* PTR of the client's reverse name */
	NG_SPF_ST_PTR_ADDR, /* A or AAAA of PTR name ptr_at */
	NG_SPF_ST_EXP,      /* TXT of the exp= target */
	NG_SPF_ST_DEFER,    /* the end of a check decided inside ng_spf_check_host() */
};

/* One record being evaluated: the checked domain's, or an included one's.
 * A redirect replaces the record of its frame. */
struct ng_spf_frame {
	char domain[NG_DNS_NAME_MAX]; /* <domain>, no final dot */
	char text[NG_SPF_RECORD_MAX];
	size_t text_len;
	struct ng_spf_record rec;
	size_t next;     /* the term being evaluated */
	bool fetched;    /* rec holds the domain's record */
	bool redirected; /* the domain came from redirect= */
};

struct ng_spf_check {
	struct ng_dns_resolver *r;
	ng_spf_done_fn *done;
	void *arg;
	struct ng_dns_query *q; /* the query in flight, NULL between steps */
	enum ng_spf_state st;
	bool finished; /* out holds the result */

	/* The client: v6 false for IPv4 and IPv4-mapped IPv6 (ip[0..4)). */
	bool v6;
	uint8_t ip[16];
	char ip_i[72];    /* %{i}: dotted quad, or 32 dotted nibbles */
	char ip_c[48];    /* %{c}: dotted quad, or RFC 5952 text */
	char reverse[80]; /* the PTR name of the client */
	/* The identity and the macro values that never change. */
	char sender[NG_SPF_IDENTITY_MAX + 16]; /* %{s}: local "@" domain */
	char local[NG_SPF_IDENTITY_MAX];       /* %{l} */
	char odomain[NG_DNS_NAME_MAX];         /* %{o} */
	char helo[NG_SPF_IDENTITY_MAX];        /* %{h} */
	char receiver[NG_DNS_NAME_MAX];        /* %{r} */
	char now[24];                          /* %{t} */

	struct ng_spf_frame *frames[NG_SPF_DEPTH_MAX];
	size_t depth;
	bool counted; /* the current term (or redirect) counted as a lookup */

	/* mx: the exchanges of the term being evaluated. */
	char mx[NG_SPF_MX_MAX][NG_DNS_NAME_MAX];
	size_t nmx, mx_at;

	/* The client's names from PTR, and which of them validated (5.5). */
	bool ptr_ready;
	char ptr[NG_SPF_PTR_MAX][NG_DNS_NAME_MAX];
	bool ptr_valid[NG_SPF_PTR_MAX];
	size_t nptr, ptr_at;

	/* The explanation: exp_text is the fetched TXT once known. */
	bool exp_phase;
	bool exp_fetched;
	char exp_text[NG_SPF_RECORD_MAX];
	size_t exp_len;

	struct ng_spf_outcome out;
};

/* check.c, for mech.c */
struct ng_spf_frame *ng_spf_top(struct ng_spf_check *c);
/* End the check with result and a constant reason (errors, none). */
void ng_spf_finish(struct ng_spf_check *c, enum ng_spf_result result, const char *detail);
/* Send a query for st; false (and the check ends in temperror) when it
 * cannot start. */
bool ng_spf_query(struct ng_spf_check *c, enum ng_spf_state st, const char *name,
                  enum ng_dns_type type);
/* Start evaluating the record of `domain` in a new frame (an include);
 * false when the check has ended instead (too deep, out of memory). */
bool ng_spf_push_frame(struct ng_spf_check *c, const char *domain);
/* The current term matched (its qualifier decides) or did not. */
void ng_spf_term_done(struct ng_spf_check *c, bool match);
/* Count the current term against the limit of 10 once; false when over
 * (the check has ended in permerror). */
bool ng_spf_count_lookup(struct ng_spf_check *c);
/* Count a void lookup; false when over the limit (permerror). */
bool ng_spf_count_void(struct ng_spf_check *c);
/*
 * The target name of a domain-spec of frame f (len 0: f's domain) in out
 * (NG_DNS_NAME_MAX bytes).  1 when it is a name to look up, 0 when the
 * expansion is not a valid DNS name, -1 when the validated names of the
 * client are needed first and their lookup has started (or the check
 * ended): step again later.
 */
int ng_spf_target(struct ng_spf_check *c, const struct ng_spf_frame *f,
                  const struct ng_spf_span *spec, char *out);

/* mech.c, for check.c */
/* Evaluate the current term of the top frame (start its lookups). */
void ng_spf_term_step(struct ng_spf_check *c, struct ng_spf_frame *f);
/* An answer for the states of mech.c. */
void ng_spf_mech_answer(struct ng_spf_check *c, const struct ng_dns_answer *a);
/* Start looking up the client's validated names (ptr_ready when done). */
void ng_spf_ptr_start(struct ng_spf_check *c);
/* %{p} for the domain d: d itself, else a subdomain of d, else any
 * validated name, else "unknown" (RFC 7208 7.3). */
const char *ng_spf_p_value(const struct ng_spf_check *c, const char *d);

#endif
