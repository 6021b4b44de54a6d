/*
 * nets.c - who is a tenant, and which hops are the relay's own (relay.h,
 * ng_relay_tenant; internal.h).
 *
 * With a relay_tenants map (tenants.c) a client is a tenant by its SASL
 * login or its network.  Without one, the relay serves one organisation:
 * a client that authenticated or sits in our_networks is the tenant
 * "local".  A Received hop is internal when its client address is in
 * relay_internal_networks or is a tenant's: the entry hop of a returned
 * original is the first one that is neither.
 */
#include "relay/internal.h"
#include "relay/tenants.h"

#include "ndrguard/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nets_parse(const struct ng_config *cfg, enum ng_key k, struct ng_relay_nets *out,
                      char *err, size_t errlen)
{
	const char *const *items;
	size_t n = ng_config_list(cfg, k, &items);
	out->count = 0;
	out->n = n > 0 ? calloc(n, sizeof(*out->n)) : NULL;
	if (n > 0 && out->n == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char msg[200];
		if (ng_cidr_parse(items[i], &out->n[out->count], msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "%s: %s: %s", ng_config_where(cfg, k),
			         ng_config_key_info(k)->name, msg);
			return -1;
		}
		out->count++;
	}
	return 0;
}

static bool in_nets(const struct ng_relay_nets *nets, const struct ng_cidr_addr *a)
{
	for (size_t i = 0; i < nets->count; i++)
		if (ng_cidr_match(&nets->n[i], a))
			return true;
	return false;
}

int ng_relay_nets_build(struct ng_relay *r, const struct ng_config *cfg, char *err, size_t errlen)
{
	if (nets_parse(cfg, NG_K_RELAY_INTERNAL_NETWORKS, &r->internal, err, errlen) < 0 ||
	    nets_parse(cfg, NG_K_OUR_NETWORKS, &r->ours, err, errlen) < 0)
		return -1;
	const char *path = ng_config_str(cfg, NG_K_RELAY_TENANTS);
	if (path[0] == '\0')
		return 0;
	char msg[512];
	r->tenants = ng_tenants_load(path, msg, sizeof(msg));
	if (r->tenants == NULL) {
		snprintf(err, errlen, "%s: relay_tenants: %s",
		         ng_config_where(cfg, NG_K_RELAY_TENANTS), msg);
		return -1;
	}
	return 0;
}

void ng_relay_nets_free(struct ng_relay *r)
{
	free(r->internal.n);
	free(r->ours.n);
	ng_tenants_free(r->tenants);
}

size_t ng_relay_ntenants(const struct ng_relay *r)
{
	return r->tenants != NULL ? ng_tenants_count(r->tenants) : 0;
}

const char *ng_relay_tenant(const struct ng_relay *r, const char *client_ip, const char *login)
{
	struct ng_cidr_addr a;
	bool have_ip = client_ip != NULL && ng_cidr_addr_parse(client_ip, &a);
	bool have_login = login != NULL && login[0] != '\0';
	if (r->tenants != NULL) {
		struct ng_tenant t;
		if (ng_tenants_lookup(r->tenants, have_login ? login : NULL, have_ip ? &a : NULL,
		                      &t))
			return t.name;
		return NULL;
	}
	if (have_login || (have_ip && in_nets(&r->ours, &a)))
		return "local";
	return NULL;
}

bool ng_relay_internal_addr(const struct ng_relay *r, const struct ng_cidr_addr *a)
{
	if (in_nets(&r->internal, a))
		return true;
	if (r->tenants == NULL)
		return in_nets(&r->ours, a); /* the tenant "local" */
	struct ng_tenant t;
	return ng_tenants_lookup(r->tenants, NULL, a, &t);
}
