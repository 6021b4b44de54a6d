/*
 * dns.c - the resolver vtable's entry points and the helpers every
 * implementation shares: result code names, DNS name checks, TXT joining.
 */
#include "ndrguard/dns.h"

#include <string.h>

#include "dns/internal.h"

static const char *const rcode_names[] = {
    "ok", "nxdomain", "nodata", "servfail", "refused", "timeout", "error",
};

const char *ng_dns_rcode_name(enum ng_dns_rcode rc)
{
	if ((unsigned)rc >= sizeof(rcode_names) / sizeof(rcode_names[0]))
		return "error";
	return rcode_names[rc];
}

struct ng_dns_query *ng_dns_query(struct ng_dns_resolver *r, const char *name,
                                  enum ng_dns_type type, ng_dns_done_fn *done, void *arg)
{
	if (type != NG_DNS_A && type != NG_DNS_TXT)
		return NULL;
	if (ng_dns_name_check(name) != 0)
		return NULL;
	return r->ops->query(r, name, type, done, arg);
}

void ng_dns_cancel(struct ng_dns_resolver *r, struct ng_dns_query *q)
{
	if (q != NULL)
		r->ops->cancel(r, q);
}

void ng_dns_resolver_free(struct ng_dns_resolver *r)
{
	if (r != NULL)
		r->ops->free(r);
}

int ng_dns_name_to_wire(const char *name, uint8_t *out, size_t *outlen)
{
	size_t n = 0;
	const char *p = name;

	if (name == NULL || *name == '\0')
		return -1;
	if (strcmp(name, ".") == 0) {
		out[0] = 0;
		*outlen = 1;
		return 0;
	}
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || n + 1 + l + 1 > NG_DNS_WIRE_MAX)
			return -1;
		out[n++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++) {
			unsigned char ch = (unsigned char)p[i];
			out[n++] = (uint8_t)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
		}
		if (dot == NULL)
			break;
		p = dot + 1; /* a final dot leaves *p == '\0' */
	}
	out[n++] = 0;
	*outlen = n;
	return 0;
}

int ng_dns_name_check(const char *name)
{
	uint8_t wire[NG_DNS_WIRE_MAX];
	size_t len;

	if (name == NULL)
		return -1;
	/* Bytes that would need escaping in presentation form are refused: a
	 * query name is built by us, not copied from a peer. */
	for (const char *p = name; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '\\')
			return -1;
	if (strcmp(name, ".") == 0)
		return -1;
	return ng_dns_name_to_wire(name, wire, &len);
}

void ng_dns_txt_append(struct ng_dns_answer *a, const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\0')
			continue;
		if (a->txt_len + 1 >= sizeof(a->txt)) {
			a->txt_cut = true;
			break;
		}
		a->txt[a->txt_len++] = (char)s[i];
	}
	a->txt[a->txt_len] = '\0';
}
