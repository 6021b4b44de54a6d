/*
 * internal.h - what the files of lib/dns share and nobody else needs.
 */
#ifndef NG_DNS_INTERNAL_H
#define NG_DNS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ndrguard/dns.h"

#define NG_DNS_WIRE_MAX 255 /* a name in uncompressed wire form (RFC 1035 2.3.4) */

/* `name` (presentation form, optional final dot, no escapes) in wire form,
 * lower-cased, into out (NG_DNS_WIRE_MAX bytes); 0, or -1 when it is not a
 * valid name: empty label, label over 63, name over 255 wire bytes. */
int ng_dns_name_to_wire(const char *name, uint8_t *out, size_t *outlen);

/* Append len bytes to a->txt, dropping NUL bytes; past NG_DNS_TXT_MAX - 1
 * sets txt_cut.  a->txt stays NUL-terminated. */
void ng_dns_txt_append(struct ng_dns_answer *a, const uint8_t *s, size_t len);

/* A, AAAA, MX, PTR or TXT: the types a query may ask for. */
bool ng_dns_type_queryable(enum ng_dns_type type);

/*
 * Records of an answer in a struct ng_dns_rrset: ng_dns_rr_new() takes the
 * next slot (NULL and a->rrs_cut when the set is full) and points a->rrs at
 * the set; ng_dns_rr_append() adds bytes to the record's text, which is the
 * newest in the set's text pool (cut at NG_DNS_RDATA_MAX - 1 or where the
 * pool ends: rr->cut); ng_dns_rr_close() ends the record, keeping its text.
 * One record is open at a time.
 */
struct ng_dns_rr *ng_dns_rr_new(struct ng_dns_rrset *set, struct ng_dns_answer *a,
                                enum ng_dns_type type, uint32_t ttl);
void ng_dns_rr_append(struct ng_dns_rrset *set, struct ng_dns_rr *rr, const uint8_t *s, size_t len);
void ng_dns_rr_close(struct ng_dns_rrset *set, struct ng_dns_rr *rr);

#endif
