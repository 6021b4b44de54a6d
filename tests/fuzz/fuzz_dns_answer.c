/*
 * fuzz_dns_answer.c - libFuzzer target for the raw DNS answer reader
 * (ng_dns_answer_parse, lib/dns/wire.c): every byte of a DNS answer comes
 * from the network.
 *
 * The first input byte picks the record type (bit 0: A or TXT) and the
 * query name (bits 1-2, from a small list, so that the owner names of a
 * mutated answer keep matching now and then); the rest is the message.
 *
 * Oracles beyond the sanitizers: the answer keeps its caps (addresses,
 * TXT length, TXT NUL-terminated and NUL-free), a negative or failed answer
 * carries no records, an error always says why, a TTL never has its top
 * bit set, and the same input gives the same answer twice.
 */
#include <ndrguard/dns.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const qnames[] = {
    "2.0.0.127.bl.test",
    "10.2.0.192.bl.test",
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test",
    "a.b",
};

static void check(const struct ng_dns_answer *a)
{
	if (a->naddrs > NG_DNS_ADDRS_MAX || a->txt_len >= NG_DNS_TXT_MAX)
		abort();
	if (a->txt[a->txt_len] != '\0' || strlen(a->txt) != a->txt_len)
		abort();
	if (a->detail == NULL)
		abort();
	if (a->rcode != NG_DNS_OK && (a->naddrs != 0 || a->txt_len != 0))
		abort();
	if (a->rcode == NG_DNS_OK && a->naddrs == 0 && a->txt_len == 0 && !a->txt_cut &&
	    a->detail[0] != '\0')
		abort();
	if (a->rcode == NG_DNS_ERROR && a->detail[0] == '\0')
		abort();
	if (a->has_ttl && a->ttl > 0x7fffffffu)
		abort();
	if (!a->has_ttl && a->ttl != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ng_dns_answer a, b;
	if (size < 1)
		return 0;
	enum ng_dns_type type = (data[0] & 1) ? NG_DNS_TXT : NG_DNS_A;
	const char *qname = qnames[(data[0] >> 1) & 3];
	ng_dns_answer_parse(data + 1, size - 1, qname, type, &a);
	check(&a);
	ng_dns_answer_parse(data + 1, size - 1, qname, type, &b);
	if (a.rcode != b.rcode || a.naddrs != b.naddrs || a.ttl != b.ttl ||
	    memcmp(a.addrs, b.addrs, sizeof(a.addrs)) != 0 || strcmp(a.txt, b.txt) != 0)
		abort();
	return 0;
}
