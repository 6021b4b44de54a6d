/*
 * cidr.h - IPv4 and IPv6 networks in CIDR notation, and membership tests.
 *
 * A network is "ADDRESS/BITS" or a bare address (all bits).  Host bits
 * below the prefix must be zero ("192.0.2.1/24" is an error that suggests
 * 192.0.2.0/24, as Postfix's cidr tables do): a typo there would otherwise
 * silently exempt the wrong network.  An IPv4-mapped IPv6 client address
 * (::ffff:192.0.2.1) matches IPv4 networks.
 *
 * No allocation, no I/O, no state: a struct ng_cidr is a plain value.
 */
#ifndef NG_POLICY_CIDR_H
#define NG_POLICY_CIDR_H

#include <stdbool.h>
#include <stddef.h>

struct ng_cidr {
	unsigned char addr[16]; /* network, host bits zero; IPv4 in the first 4 */
	unsigned bits;          /* prefix length: 0..32 or 0..128 */
	bool v6;
};

/* An address in binary form, as a client address is compared. */
struct ng_cidr_addr {
	unsigned char addr[16];
	bool v6;
};

/* Parse `spec`; 0, or -1 with a message in err that quotes the spec. */
int ng_cidr_parse(const char *spec, struct ng_cidr *out, char *err, size_t errlen);

/* Parse a textual IPv4 or IPv6 address (IPv4-mapped IPv6 becomes IPv4);
 * false when it is not one. */
bool ng_cidr_addr_parse(const char *text, struct ng_cidr_addr *out);

/* True when a is inside network n (never across address families). */
bool ng_cidr_match(const struct ng_cidr *n, const struct ng_cidr_addr *a);

#endif
