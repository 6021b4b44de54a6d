/*
 * fuzz_dns_answer.c - libFuzzer target for the raw DNS answer reader
 * (ng_dns_answer_parse and ng_dns_answer_parse_rrs, lib/dns/wire.c):
 * every byte of a DNS answer comes from the network.
 *
 * The first input byte picks the record type (bit 0, and bits 3-4: A,
 * TXT, AAAA, MX, PTR; the seeds of A and TXT answers keep bits 3-4 clear)
 * and the query name (bits 1-2, from a small list, so that the owner names
 * of a mutated answer keep matching now and then); the rest is the
 * message.
 *
 * Oracles beyond the sanitizers: the answer keeps its caps (addresses,
 * TXT length, records and their text), TXT is NUL-terminated and NUL-free,
 * every record is of the type asked for, its text is NUL-terminated at its
 * length, names hold no raw control byte, a negative or failed answer
 * carries no records, an error always says why, a TTL never has its top
 * bit set, the short shape is the same with and without records, and the
 * same input gives the same answer twice.
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

static const enum ng_dns_type types[] = {
    NG_DNS_A, NG_DNS_TXT, NG_DNS_AAAA, NG_DNS_MX, NG_DNS_PTR, NG_DNS_MX, NG_DNS_PTR, NG_DNS_AAAA,
};

static void check(const struct ng_dns_answer *a, enum ng_dns_type type)
{
	if (a->naddrs > NG_DNS_ADDRS_MAX || a->txt_len >= NG_DNS_TXT_MAX)
		abort();
	if (a->txt[a->txt_len] != '\0' || strlen(a->txt) != a->txt_len)
		abort();
	if (a->detail == NULL)
		abort();
	if (a->rcode != NG_DNS_OK && (a->naddrs != 0 || a->txt_len != 0 || a->nrrs != 0))
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
	if (a->nrrs > NG_DNS_RRS_MAX || (a->nrrs > 0 && a->rrs == NULL))
		abort();
	for (size_t i = 0; i < a->nrrs; i++) {
		const struct ng_dns_rr *rr = &a->rrs[i];
		if (rr->type != type || rr->len >= NG_DNS_RDATA_MAX || rr->text[rr->len] != '\0')
			abort();
		if ((type == NG_DNS_A || type == NG_DNS_AAAA) && rr->len != 0)
			abort();
		if (type == NG_DNS_MX || type == NG_DNS_PTR)
			for (size_t k = 0; k < rr->len; k++)
				if ((unsigned char)rr->text[k] < 0x20 || rr->text[k] == 0x7f)
					abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ng_dns_answer a, b;
	if (size < 1)
		return 0;
	enum ng_dns_type type = types[(data[0] & 1) | ((data[0] >> 2) & 6)];
	const char *qname = qnames[(data[0] >> 1) & 3];
	struct ng_dns_rrset *set = malloc(sizeof(*set));
	if (set == NULL)
		return 0;
	ng_dns_answer_parse_rrs(data + 1, size - 1, qname, type, &a, set);
	check(&a, type);
	ng_dns_answer_parse(data + 1, size - 1, qname, type, &b);
	check(&b, type);
	if (a.rcode != b.rcode || a.naddrs != b.naddrs || a.ttl != b.ttl ||
	    memcmp(a.addrs, b.addrs, sizeof(a.addrs)) != 0 || strcmp(a.txt, b.txt) != 0 ||
	    b.nrrs != 0)
		abort();
	/* the same again, into a set that is not fresh */
	size_t n = a.nrrs;
	size_t len0 = n > 0 ? a.rrs[0].len : 0;
	ng_dns_answer_parse_rrs(data + 1, size - 1, qname, type, &b, set);
	if (b.rcode != a.rcode || b.nrrs != n || (n > 0 && b.rrs[0].len != len0))
		abort();
	free(set);
	return 0;
}
