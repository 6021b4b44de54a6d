/*
 * internal.h - what the files of lib/relay share (not part of the API).
 *
 *   relay.c       configuration, rules, verdicts, counters
 *   nets.c        tenants (tenants.c map), internal and our networks
 *   msglog.c      the message log record (headers -> record -> store form)
 *   hops.c        the SPF question from a returned original's Received chain
 *   rate.c        the budget wrapper over budget.c
 *   quarantine.c  held messages (quarantine.h)
 */
#ifndef NG_RELAY_INTERNAL_H
#define NG_RELAY_INTERNAL_H

#include "ndrguard/relay.h"

#include "policy/cidr.h"
#include "relay/budget.h"

struct ng_config;
struct ng_tenants;

struct ng_relay_nets {
	struct ng_cidr *n;
	size_t count;
};

struct ng_relay {
	/* rules */
	int weight[NG_RELAY_NRULES];
	unsigned on;      /* rules named in relay_rules */
	unsigned dry_run; /* rules in relay_rules_dry_run */
	int backscatter_score, legitimate_score;
	enum ng_relay_action action[4]; /* by verdict */
	char filter[256];
	char reject_rcode[4], reject_xcode[16], reject_text[200];
	long long log_ttl;
	/* networks (nets.c) */
	struct ng_tenants *tenants; /* NULL: no relay_tenants map */
	struct ng_relay_nets internal, ours;
	/* message-log headers (msglog.c) */
	char **auth_headers, **authserv_ids, **spam_headers;
	size_t nauth_headers, nauthserv_ids, nspam_headers;
	/* budget (rate.c) */
	struct ng_budget *budget; /* NULL: no limits */
	struct ng_budget_rate tenant_rate_v, domain_rate_v;
	char tenant_rate[64], domain_rate[64]; /* for texts */
	/* counters, atomic */
	struct ng_relay_stats st;
};

int ng_relay_nets_build(struct ng_relay *r, const struct ng_config *cfg, char *err, size_t errlen);
void ng_relay_nets_free(struct ng_relay *r);
size_t ng_relay_ntenants(const struct ng_relay *r);
/* Is the address one of relay_internal_networks or a tenant's network? */
bool ng_relay_internal_addr(const struct ng_relay *r, const struct ng_cidr_addr *a);

int ng_relay_headers_build(struct ng_relay *r, const struct ng_config *cfg, char *err,
                           size_t errlen);
void ng_relay_headers_free(struct ng_relay *r);

int ng_relay_budget_build(struct ng_relay *r, const struct ng_config *cfg, char *err,
                          size_t errlen);
void ng_relay_budget_free(struct ng_relay *r);

#endif
