/*
 * from_config.c - the DNS resolver and the DNSBL client as the configuration
 * describes them (dns_servers, dns_timeout, dns_tries, dnsbl_zones and the
 * dnsbl_cache_* keys), for every command that looks addresses up.
 *
 * Errors name the key and where it was set ("FILE:LINE: dnsbl_zones:
 * ..."), so that a daemon's start-up and reload and `ndrguard config` all
 * report a bad zone the same way.
 */
#include "ndrguard/config.h"
#include "ndrguard/dnsbl.h"

#include <stdio.h>

int ng_dnsbl_config_check(const struct ng_config *cfg, char *err, size_t errlen)
{
	const char *const *zones, *const *servers;
	size_t nzones = ng_config_list(cfg, NG_K_DNSBL_ZONES, &zones);
	size_t nservers = ng_config_list(cfg, NG_K_DNS_SERVERS, &servers);
	char msg[400];

	if (ng_dns_servers_check(servers, nservers, msg, sizeof(msg)) != 0) {
		snprintf(err, errlen, "%s: dns_servers: %s", ng_config_where(cfg, NG_K_DNS_SERVERS),
		         msg);
		return -1;
	}
	if (ng_config_int(cfg, NG_K_DNSBL_CACHE_MIN_TTL) >
	    ng_config_int(cfg, NG_K_DNSBL_CACHE_MAX_TTL)) {
		snprintf(err, errlen,
		         "%s: dnsbl_cache_min_ttl: longer than dnsbl_cache_max_ttl (%s)",
		         ng_config_where(cfg, NG_K_DNSBL_CACHE_MIN_TTL),
		         ng_config_where(cfg, NG_K_DNSBL_CACHE_MAX_TTL));
		return -1;
	}

	if (nzones > NG_DNSBL_ZONES_MAX) {
		snprintf(err, errlen, "%s: dnsbl_zones: more than %d zones",
		         ng_config_where(cfg, NG_K_DNSBL_ZONES), NG_DNSBL_ZONES_MAX);
		return -1;
	}
	for (size_t i = 0; i < nzones; i++) {
		if (ng_dnsbl_zone_check(zones[i], msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s: dnsbl_zones: %s",
			         ng_config_where(cfg, NG_K_DNSBL_ZONES), msg);
			return -1;
		}
	}
	return 0;
}

int ng_dnsbl_from_config(const struct ng_config *cfg, struct event_base *base,
                         const struct ng_log *log, bool periodic_selftest,
                         struct ng_dns_resolver **res, struct ng_dnsbl **bl, char *err,
                         size_t errlen)
{
	const char *const *zones;
	size_t nzones = ng_config_list(cfg, NG_K_DNSBL_ZONES, &zones);
	char msg[400];

	*res = NULL;
	*bl = NULL;
	if (ng_dnsbl_config_check(cfg, err, errlen) != 0)
		return -1;
	*res = ng_dns_from_config(cfg, base, log, err, errlen);
	if (*res == NULL)
		return -1;
	struct ng_dnsbl_opts o = {
	    .zones = zones,
	    .nzones = nzones,
	    .cache_size = (size_t)ng_config_int(cfg, NG_K_DNSBL_CACHE_SIZE),
	    .min_ttl = (uint32_t)ng_config_int(cfg, NG_K_DNSBL_CACHE_MIN_TTL),
	    .max_ttl = (uint32_t)ng_config_int(cfg, NG_K_DNSBL_CACHE_MAX_TTL),
	    .negative_ttl = (uint32_t)ng_config_int(cfg, NG_K_DNSBL_NEGATIVE_TTL),
	    .selftest_interval =
	        periodic_selftest ? (uint32_t)ng_config_int(cfg, NG_K_DNSBL_SELFTEST_INTERVAL) : 0,
	    .resolver = *res,
	    .log = log,
	};
	*bl = ng_dnsbl_new(&o, msg, sizeof(msg));
	if (*bl == NULL) {
		snprintf(err, errlen, "%s: dnsbl_zones: %s", ng_config_where(cfg, NG_K_DNSBL_ZONES),
		         msg);
		ng_dns_resolver_free(*res);
		*res = NULL;
		return -1;
	}
	return 0;
}
