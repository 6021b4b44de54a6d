/*
 * rate.c - the relay guard's budget (relay.h, ng_relay_budget_take):
 * relay_bounce_rate per tenant, relay_bounce_domain_rate per tenant and
 * destination domain, on the sliding-window limiter of budget.c.
 *
 * A bounce to several domains takes one from the tenant's budget and one
 * from each distinct domain's, all or nothing: it either leaves and
 * counts everywhere, or is deferred and counts nowhere.  Past
 * NG_RELAY_BUDGET_MULTI_MAX - 1 distinct domains (a bounce has one
 * recipient; this is a report to a crowd) the rest count toward the
 * tenant alone.  Domains compare case-insensitively.
 */
#include "relay/budget.h"
#include "relay/internal.h"

#include "ndrguard/config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BUDGET_KEYS 65536 /* tenants and (tenant, domain) pairs remembered */

static int rate_parse(const struct ng_config *cfg, enum ng_key k, struct ng_budget_rate *out,
                      char *err, size_t errlen)
{
	char msg[300];
	if (ng_budget_rate_parse(ng_config_str(cfg, k), out, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s: %s: %s", ng_config_where(cfg, k),
		         ng_config_key_info(k)->name, msg);
		return -1;
	}
	return 0;
}

int ng_relay_budget_build(struct ng_relay *r, const struct ng_config *cfg, char *err, size_t errlen)
{
	struct ng_budget_rate t, d;
	if (rate_parse(cfg, NG_K_RELAY_BOUNCE_RATE, &t, err, errlen) < 0 ||
	    rate_parse(cfg, NG_K_RELAY_BOUNCE_DOMAIN_RATE, &d, err, errlen) < 0)
		return -1;
	r->tenant_rate_v = t;
	r->domain_rate_v = d;
	ng_budget_rate_format(&t, r->tenant_rate, sizeof(r->tenant_rate));
	ng_budget_rate_format(&d, r->domain_rate, sizeof(r->domain_rate));
	if (t.limit == 0 && d.limit == 0)
		return 0;
	struct ng_budget_opts o = {.max_keys = BUDGET_KEYS};
	char msg[300];
	r->budget = ng_budget_new(&o, msg, sizeof(msg));
	if (r->budget == NULL) {
		snprintf(err, errlen, "relay budget: %s", msg);
		return -1;
	}
	return 0;
}

void ng_relay_budget_free(struct ng_relay *r)
{
	ng_budget_free(r->budget);
	r->budget = NULL;
}

static void lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

int ng_relay_budget_take(struct ng_relay *r, const char *tenant, const char *const *rcpts,
                         size_t nrcpts, int64_t now_ms, struct ng_relay_judgement *out)
{
	if (r->budget == NULL || tenant == NULL)
		return 0;
	struct ng_budget_req reqs[NG_RELAY_BUDGET_MULTI_MAX];
	char keys[NG_RELAY_BUDGET_MULTI_MAX][NG_RELAY_BUDGET_KEY_MAX];
	const char *domains[NG_RELAY_BUDGET_MULTI_MAX];
	size_t n = 0;
	if (r->tenant_rate_v.limit > 0) {
		snprintf(keys[n], sizeof(keys[n]), "t:%s", tenant);
		reqs[n].key = keys[n];
		reqs[n].rate = r->tenant_rate_v;
		domains[n] = NULL;
		n++;
	}
	for (size_t i = 0;
	     r->domain_rate_v.limit > 0 && i < nrcpts && n < NG_RELAY_BUDGET_MULTI_MAX; i++) {
		const char *at = rcpts[i] != NULL ? strrchr(rcpts[i], '@') : NULL;
		if (at == NULL || at[1] == '\0')
			continue;
		char key[NG_RELAY_BUDGET_KEY_MAX];
		int w = snprintf(key, sizeof(key), "d:%s/%s", tenant, at + 1);
		if (w < 0 || (size_t)w >= sizeof(key))
			continue;
		lower(key + 2 + strlen(tenant) + 1);
		bool dup = false;
		for (size_t j = 0; j < n && !dup; j++)
			dup = strcmp(keys[j], key) == 0;
		if (dup)
			continue;
		memcpy(keys[n], key, (size_t)w + 1);
		reqs[n].key = keys[n];
		reqs[n].rate = r->domain_rate_v;
		domains[n] = keys[n] + 2 + strlen(tenant) + 1;
		n++;
	}
	if (n == 0)
		return 0;
	struct ng_budget_over over;
	enum ng_budget_status st =
	    ng_budget_consume(r->budget, reqs, n, 1, (uint64_t)now_ms, &over);
	if (st != NG_BUDGET_OVER)
		return 0; /* an error (out of memory) never holds mail back */
	__atomic_add_fetch(&r->st.budget_deferred, 1, __ATOMIC_RELAXED);
	memset(out, 0, sizeof(*out));
	out->action = NG_RELAY_TEMPFAIL;
	memcpy(out->rcode, "451", 4);
	memcpy(out->xcode, "4.7.1", 6);
	if (domains[over.index] != NULL)
		snprintf(out->text, sizeof(out->text),
		         "too many bounces and auto-replies from %s to %s (limit %s); try again in "
		         "%u s",
		         tenant, domains[over.index], r->domain_rate, over.retry_s);
	else
		snprintf(out->text, sizeof(out->text),
		         "too many bounces and auto-replies from %s (limit %s); try again in %u s",
		         tenant, r->tenant_rate, over.retry_s);
	return 1;
}

void ng_relay_budget_adopt(struct ng_relay *to, struct ng_relay *from)
{
	if (from == NULL || from->budget == NULL || to->budget == NULL ||
	    from->tenant_rate_v.limit != to->tenant_rate_v.limit ||
	    from->tenant_rate_v.period_s != to->tenant_rate_v.period_s ||
	    from->domain_rate_v.limit != to->domain_rate_v.limit ||
	    from->domain_rate_v.period_s != to->domain_rate_v.period_s)
		return;
	ng_budget_free(to->budget);
	to->budget = from->budget;
	from->budget = NULL;
}
