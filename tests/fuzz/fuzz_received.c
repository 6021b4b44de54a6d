/*
 * fuzz_received.c - libFuzzer target for the Received parser and the entry
 * hop of a chain (lib/relay/received.c): the Received headers of a returned
 * original are whatever the bounce's author put there.
 *
 * The input is read three ways: as one header value of `size` bytes (NULs
 * included); as the same bytes NUL-terminated (up to the first NUL, at most
 * 4095 bytes); and cut at each '\n' into a chain of at most 16 values
 * (newest first) whose entry hop is searched with 10.0.0.0/8, 127.0.0.0/8
 * and 2001:db8::/32 internal.
 *
 * Oracles beyond the sanitizers: every field is a NUL-terminated string
 * within its array, without control bytes; has_ip agrees with ip, and ip is
 * the canonical text of addr; parsing is deterministic (byte-identical
 * results); "found" means a from or by clause; the entry hop is in range,
 * has an address outside the internal networks, and every hop before it
 * has none or an internal one; -1 leaves the hop zeroed.
 */
#include "policy/cidr.h"
#include "relay/received.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const char *f, size_t cap)
{
	const char *end = memchr(f, '\0', cap);
	if (end == NULL)
		abort();
	for (const char *p = f; p < end; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
}

static void check_hop(const struct ng_received *r, bool found)
{
	check_field(r->helo, sizeof(r->helo));
	check_field(r->rdns, sizeof(r->rdns));
	check_field(r->ip, sizeof(r->ip));
	check_field(r->by, sizeof(r->by));
	check_field(r->with, sizeof(r->with));
	check_field(r->id, sizeof(r->id));
	check_field(r->for_addr, sizeof(r->for_addr));
	check_field(r->date, sizeof(r->date));
	if (found != (r->has_from || r->has_by))
		abort();
	if (r->has_ip != (r->ip[0] != '\0'))
		abort();
	if (r->has_ip) {
		struct ng_cidr_addr a;
		if (!ng_cidr_addr_parse(r->ip, &a) || memcmp(&a, &r->addr, sizeof(a)) != 0)
			abort();
	}
}

struct nets {
	struct ng_cidr n[3];
};

static bool internal(void *arg, const struct ng_cidr_addr *ip)
{
	const struct nets *ns = arg;
	for (size_t i = 0; i < 3; i++)
		if (ng_cidr_match(&ns->n[i], ip))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ng_received a, b, hop;
	static char text[4096];
	static char lines[16][512];
	const char *hdrs[16];
	char err[128];
	struct nets ns;

	bool found = ng_received_parse((const char *)data, size, &a);
	check_hop(&a, found);
	bool again = ng_received_parse((const char *)data, size, &b);
	if (again != found || memcmp(&a, &b, sizeof(a)) != 0)
		abort();

	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	memcpy(text, data, n);
	text[n] = '\0';
	check_hop(&a, ng_received_parse(text, strlen(text), &a));

	if (ng_cidr_parse("10.0.0.0/8", &ns.n[0], err, sizeof(err)) != 0 ||
	    ng_cidr_parse("127.0.0.0/8", &ns.n[1], err, sizeof(err)) != 0 ||
	    ng_cidr_parse("2001:db8::/32", &ns.n[2], err, sizeof(err)) != 0)
		abort();
	size_t nh = 0, start = 0;
	for (size_t i = 0; i <= size && nh < 16; i++) {
		if (i < size && data[i] != '\n')
			continue;
		size_t len = i - start < sizeof(lines[0]) - 1 ? i - start : sizeof(lines[0]) - 1;
		memcpy(lines[nh], data + start, len);
		lines[nh][len] = '\0';
		hdrs[nh] = lines[nh];
		nh++;
		start = i + 1;
	}
	int e = ng_received_entry(hdrs, nh, internal, &ns, &hop);
	if (e < -1 || e >= (int)nh)
		abort();
	if (e >= 0) {
		check_hop(&hop, true);
		if (!hop.has_ip || internal(&ns, &hop.addr))
			abort();
	} else {
		static const struct ng_received zero;
		if (memcmp(&hop, &zero, sizeof(hop)) != 0)
			abort();
	}
	size_t upto = e >= 0 ? (size_t)e : nh;
	for (size_t i = 0; i < upto; i++) {
		ng_received_parse(hdrs[i], strlen(hdrs[i]), &a);
		if (a.has_ip && !internal(&ns, &a.addr))
			abort();
	}
	return 0;
}
