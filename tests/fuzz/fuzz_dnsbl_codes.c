/*
 * fuzz_dnsbl_codes.c - libFuzzer target for the dnsbl_zones item parser
 * ("zone" or "zone=PATTERN", Postfix reply patterns) and the client
 * address reader behind the query names (lib/dnsbl/codes.c).  Both read
 * what an administrator wrote or what a peer sent (client_address).
 *
 * The input is the spec, NUL-terminated here (at most 1023 bytes); it is
 * also tried as a client address and as a zone for ng_dnsbl_qname().
 *
 * Oracles beyond the sanitizers: ng_dnsbl_zone_check() and the internal
 * parser agree; an accepted zone name is lower case, without a final dot,
 * not longer than an IPv6 query name allows, and makes query names that
 * are valid DNS names of at most 253 characters; an error message is never
 * empty; error codes 127.255.255.x never match a zone without a pattern.
 */
#include <ndrguard/dns.h>
#include <ndrguard/dnsbl.h>

#include "dnsbl/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_qname(const char *ip, const char *zone)
{
	char out[NG_DNS_NAME_MAX];
	if (ng_dnsbl_qname(ip, zone, out, sizeof(out)) != 0)
		return;
	if (strlen(out) > 253 || ng_dns_name_check(out) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char spec[1024];
	char err[512];
	struct ng_dnsbl_zone_spec z;

	if (size >= sizeof(spec))
		size = sizeof(spec) - 1;
	memcpy(spec, data, size);
	spec[size] = '\0';

	err[0] = '\0';
	int rc = ng_dnsbl_spec_parse(spec, &z, err, sizeof(err));
	if (rc != ng_dnsbl_zone_check(spec, err, sizeof(err)))
		abort();
	if (rc != 0) {
		if (err[0] == '\0')
			abort();
	} else {
		size_t n = strlen(z.name);
		if (n == 0 || n > NG_DNSBL_ZONE_NAME_MAX || z.name[n - 1] == '.')
			abort();
		for (size_t i = 0; i < n; i++)
			if (z.name[i] >= 'A' && z.name[i] <= 'Z')
				abort();
		if (z.codes.any && (ng_dnsbl_codes_match(&z.codes, 0x7fffff02u) ||
		                    !ng_dnsbl_codes_match(&z.codes, 0x7f000002u)))
			abort();
		check_qname("192.0.2.1", z.name);
		check_qname("2001:db8::1", z.name);
		/* a pattern's verdict on a few answers, for the sanitizers */
		(void)ng_dnsbl_codes_match(&z.codes, 0x7f000002u);
		(void)ng_dnsbl_codes_match(&z.codes, 0xffffffffu);
	}
	check_qname(spec, "bl.test");
	return 0;
}
