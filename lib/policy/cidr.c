/*
 * cidr.c - IPv4/IPv6 networks in CIDR notation (cidr.h).
 *
 * Addresses are converted with inet_pton(3) only: it accepts the strict
 * dotted quad (no octal, no short forms like "10.1") and every RFC 4291
 * IPv6 text form, which is exactly what Postfix writes into client_address.
 */
#include "policy/cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool ng_cidr_addr_parse(const char *text, struct ng_cidr_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, out->addr) == 1)
		return true;
	if (inet_pton(AF_INET6, text, out->addr) != 1)
		return false;
	if (memcmp(out->addr, v4mapped, sizeof(v4mapped)) == 0) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		return true;
	}
	out->v6 = true;
	return true;
}

/* Parse the decimal prefix length; false unless 0..max, digits only. */
static bool parse_bits(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	if (*s == '\0' || strlen(s) > 3)
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

int ng_cidr_parse(const char *spec, struct ng_cidr *out, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(spec, '/');
	size_t alen = slash != NULL ? (size_t)(slash - spec) : strlen(spec);
	struct ng_cidr_addr a;

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= sizeof(addr)) {
		snprintf(err, errlen, "'%.80s': not a network address", spec);
		return -1;
	}
	memcpy(addr, spec, alen);
	addr[alen] = '\0';
	/* A mapped address in a network spec would silently change family. */
	if (!ng_cidr_addr_parse(addr, &a) || (!a.v6 && strchr(addr, ':') != NULL)) {
		snprintf(err, errlen, "'%.80s': not an IPv4 or IPv6 address", spec);
		return -1;
	}
	unsigned max = a.v6 ? 128 : 32;
	unsigned bits = max;
	if (slash != NULL && !parse_bits(slash + 1, max, &bits)) {
		snprintf(err, errlen, "'%.80s': prefix length must be 0..%u", spec, max);
		return -1;
	}
	memcpy(out->addr, a.addr, sizeof(out->addr));
	out->v6 = a.v6;
	out->bits = bits;
	/* Host bits must be zero. */
	struct ng_cidr_addr net;
	memcpy(net.addr, a.addr, sizeof(net.addr));
	net.v6 = a.v6;
	size_t nbytes = max / 8;
	for (size_t i = 0; i < nbytes; i++) {
		unsigned keep = bits >= (i + 1) * 8 ? 8 : bits > i * 8 ? bits - (unsigned)i * 8 : 0;
		net.addr[i] &= (unsigned char)(0xff00u >> keep);
	}
	if (memcmp(net.addr, a.addr, nbytes) != 0) {
		char fixed[INET6_ADDRSTRLEN];
		if (inet_ntop(a.v6 ? AF_INET6 : AF_INET, net.addr, fixed, sizeof(fixed)) == NULL)
			fixed[0] = '\0';
		snprintf(err, errlen,
		         "'%.80s': host bits set below the prefix (did you mean %s/%u?)", spec,
		         fixed, bits);
		return -1;
	}
	return 0;
}

bool ng_cidr_match(const struct ng_cidr *n, const struct ng_cidr_addr *a)
{
	if (n->v6 != a->v6)
		return false;
	unsigned full = n->bits / 8;
	unsigned rest = n->bits % 8;
	if (memcmp(n->addr, a->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff00u >> rest);
	return (n->addr[full] & mask) == (a->addr[full] & mask);
}
