/*
 * dns.c - the resolver vtable's entry points and the helpers every
 * implementation shares: result code and type names, DNS name checks, TXT
 * joining, the record text of parsed answers.
 */
#include "ndrguard/dns.h"

#include <stdbool.h>
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

const char *ng_dns_type_name(enum ng_dns_type type)
{
	switch (type) {
	case NG_DNS_A:
		return "A";
	case NG_DNS_AAAA:
		return "AAAA";
	case NG_DNS_MX:
		return "MX";
	case NG_DNS_PTR:
		return "PTR";
	case NG_DNS_TXT:
		return "TXT";
	case NG_DNS_CNAME:
		return "CNAME";
	}
	return "?";
}

bool ng_dns_type_queryable(enum ng_dns_type type)
{
	return type == NG_DNS_A || type == NG_DNS_AAAA || type == NG_DNS_MX || type == NG_DNS_PTR ||
	       type == NG_DNS_TXT;
}

struct ng_dns_query *ng_dns_query(struct ng_dns_resolver *r, const char *name,
                                  enum ng_dns_type type, ng_dns_done_fn *done, void *arg)
{
	if (!ng_dns_type_queryable(type))
		return NULL;
	if (ng_dns_query_name_check(name) != 0)
		return NULL;
	return r->ops->query(r, name, type, done, arg);
}

struct ng_dns_query *ng_dns_defer(struct ng_dns_resolver *r, ng_dns_done_fn *done, void *arg)
{
	return r->ops->defer(r, done, arg);
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
	 * host or zone name is configured, not copied from a peer. */
	for (const char *p = name; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '\\')
			return -1;
	if (strcmp(name, ".") == 0)
		return -1;
	return ng_dns_name_to_wire(name, wire, &len);
}

int ng_dns_query_name_check(const char *name)
{
	uint8_t wire[NG_DNS_WIRE_MAX];
	size_t len;

	if (name == NULL)
		return -1;
	/* A backslash would be read as an escape by c-ares; control bytes
	 * have no business in a name.  Anything else is a valid label byte
	 * on the wire (RFC 2181 section 11). */
	for (const char *p = name; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f || *p == '\\')
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

struct ng_dns_rr *ng_dns_rr_new(struct ng_dns_rrset *set, struct ng_dns_answer *a,
                                enum ng_dns_type type, uint32_t ttl)
{
	/* Room for the record and at least its NUL. */
	if (a->nrrs >= NG_DNS_RRS_MAX || set->used >= sizeof(set->text)) {
		a->rrs_cut = true;
		return NULL;
	}
	struct ng_dns_rr *rr = &set->rr[a->nrrs++];
	memset(rr, 0, sizeof(*rr));
	rr->type = type;
	rr->ttl = ttl;
	rr->text = &set->text[set->used];
	set->text[set->used] = '\0';
	a->rrs = set->rr;
	return rr;
}

void ng_dns_rr_append(struct ng_dns_rrset *set, struct ng_dns_rr *rr, const uint8_t *s, size_t len)
{
	char *text = &set->text[set->used];
	/* The record's text starts at set->used and grows in place; it may
	 * take NG_DNS_RDATA_MAX - 1 bytes, and the pool must keep its NUL. */
	size_t room = sizeof(set->text) - set->used - 1;
	if (room > NG_DNS_RDATA_MAX - 1)
		room = NG_DNS_RDATA_MAX - 1;
	size_t n = len;
	if (rr->len > room || n > room - rr->len) {
		n = rr->len < room ? room - rr->len : 0;
		rr->cut = true;
	}
	memcpy(text + rr->len, s, n);
	rr->len += n;
	text[rr->len] = '\0';
}

void ng_dns_rr_close(struct ng_dns_rrset *set, struct ng_dns_rr *rr)
{
	set->used += rr->len + 1;
}
