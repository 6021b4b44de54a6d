/*
 * from_config.c - the c-ares resolver as the configuration describes it
 * (dns_servers, dns_timeout, dns_tries), for every part that resolves:
 * the DNSBL client, the relay guard's SPF checks.  Errors name the key and
 * where it was set.
 */
#include "ndrguard/config.h"
#include "ndrguard/dns.h"

#include <stdio.h>

struct ng_dns_resolver *ng_dns_from_config(const struct ng_config *cfg, struct event_base *base,
                                           const struct ng_log *log, char *err, size_t errlen)
{
	const char *const *servers;
	size_t nservers = ng_config_list(cfg, NG_K_DNS_SERVERS, &servers);
	char msg[400];
	struct ng_dns_resolver *r = NULL;
	if (ng_dns_servers_check(servers, nservers, msg, sizeof(msg)) == 0)
		r = ng_dns_ares_new(base, servers, nservers,
		                    (unsigned)(ng_config_int(cfg, NG_K_DNS_TIMEOUT) * 1000),
		                    (unsigned)ng_config_int(cfg, NG_K_DNS_TRIES), log, msg,
		                    sizeof(msg));
	if (r == NULL)
		snprintf(err, errlen, "%s: dns_servers: %s", ng_config_where(cfg, NG_K_DNS_SERVERS),
		         msg);
	return r;
}
