/*
 * internal.h - what the files of lib/dns share and nobody else needs.
 */
#ifndef NG_DNS_INTERNAL_H
#define NG_DNS_INTERNAL_H

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

#endif
