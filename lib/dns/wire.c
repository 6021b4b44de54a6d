/*
 * wire.c - read a raw DNS answer (RFC 1035) into a struct ng_dns_answer.
 *
 * Every byte is read through one cursor with a sticky error flag (STYLE.md
 * habit 4): a read past the end sets the flag and yields zeros, so the
 * parsing code checks once per record instead of once per field, and no
 * pointer arithmetic happens outside the cursor functions.  Names are
 * compared in uncompressed wire form, lower-cased; compression pointers are
 * followed with a jump limit, so a pointer loop ends in an error, never in
 * a hang.
 *
 * What counts (dns.h): records of the type asked for whose owner is the
 * query name or the end of the CNAME chain starting there, class IN only;
 * the negative-caching TTL of RFC 2308 from the first SOA of the authority
 * section.  The function allocates nothing and does no I/O, so it is also
 * the fuzz target tests/fuzz/fuzz_dns_answer.c.
 */
#include "ndrguard/dns.h"

#include <string.h>

#include "dns/internal.h"

#define DNS_HDR_LEN      12
#define DNS_T_CNAME      5
#define DNS_T_SOA        6
#define DNS_C_IN         1
#define DNS_JUMPS_MAX    64 /* compression pointers followed per name */
#define DNS_TTL_POSITIVE 0x7fffffffu

/* The cursor: a window over the message and a sticky error flag. */
struct cur {
	const uint8_t *msg;
	size_t len;
	size_t off;
	bool err;
};

static uint8_t cur_u8(struct cur *c)
{
	if (c->err || c->off >= c->len) {
		c->err = true;
		return 0;
	}
	return c->msg[c->off++];
}

static uint16_t cur_u16(struct cur *c)
{
	uint16_t hi = cur_u8(c);
	return (uint16_t)(hi << 8 | cur_u8(c));
}

static uint32_t cur_u32(struct cur *c)
{
	uint32_t hi = cur_u16(c);
	return hi << 16 | cur_u16(c);
}

static void cur_skip(struct cur *c, size_t n)
{
	if (c->err || n > c->len - c->off) {
		c->err = true;
		return;
	}
	c->off += n;
}

/* Copy n bytes out; on error *dst is left zeroed. */
static void cur_copy(struct cur *c, uint8_t *dst, size_t n)
{
	if (c->err || n > c->len - c->off) {
		c->err = true;
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, c->msg + c->off, n);
	c->off += n;
}

/*
 * Read a possibly compressed name at the cursor into `out` (uncompressed
 * wire form, lower-cased ASCII, NG_DNS_WIRE_MAX bytes at most) and leave
 * the cursor after it.  A pointer must point inside the message; more than
 * DNS_JUMPS_MAX pointers or a name over 255 bytes is an error.
 */
static void cur_name(struct cur *c, uint8_t *out, size_t *outlen)
{
	struct cur r = *c; /* the read position; c stays after the first pointer */
	size_t n = 0;
	unsigned jumps = 0;

	for (;;) {
		uint8_t l = cur_u8(&r);
		if (r.err)
			break;
		if ((l & 0xc0) == 0xc0) {
			size_t target = (size_t)(l & 0x3f) << 8 | cur_u8(&r);
			if (jumps == 0)
				c->off = r.off;
			if (r.err || ++jumps > DNS_JUMPS_MAX || target >= r.len) {
				r.err = true;
				break;
			}
			r.off = target;
			continue;
		}
		if ((l & 0xc0) != 0 || n + 1 + l > NG_DNS_WIRE_MAX) {
			r.err = true; /* extended label types, or too long */
			break;
		}
		out[n++] = l;
		if (l == 0)
			break;
		cur_copy(&r, out + n, l);
		for (size_t i = 0; i < l; i++)
			if (out[n + i] >= 'A' && out[n + i] <= 'Z')
				out[n + i] = (uint8_t)(out[n + i] + ('a' - 'A'));
		n += l;
	}
	if (r.err) {
		c->err = true;
		*outlen = 0;
		return;
	}
	if (jumps == 0)
		c->off = r.off;
	*outlen = n;
}

/* One resource record header; the cursor is left at the start of RDATA. */
struct rr {
	uint8_t owner[NG_DNS_WIRE_MAX];
	size_t owner_len;
	uint16_t type, cls;
	uint32_t ttl;
	size_t rdata, rdlen; /* offset and length of RDATA in the message */
};

static void read_rr(struct cur *c, struct rr *rr)
{
	cur_name(c, rr->owner, &rr->owner_len);
	rr->type = cur_u16(c);
	rr->cls = cur_u16(c);
	rr->ttl = cur_u32(c);
	if (rr->ttl > DNS_TTL_POSITIVE)
		rr->ttl = 0; /* RFC 2181 section 8 */
	rr->rdlen = cur_u16(c);
	rr->rdata = c->off;
	cur_skip(c, rr->rdlen);
}

static bool same_name(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

static void fail(struct ng_dns_answer *out, const char *why)
{
	memset(out, 0, sizeof(*out));
	out->rcode = NG_DNS_ERROR;
	out->detail = why;
}

static void take_ttl(struct ng_dns_answer *out, uint32_t ttl)
{
	if (!out->has_ttl || ttl < out->ttl)
		out->ttl = ttl;
	out->has_ttl = true;
}

/* RDATA of an A record; false when malformed. */
static bool add_a(struct cur *msg, const struct rr *rr, struct ng_dns_answer *out)
{
	if (rr->rdlen != 4)
		return false;
	struct cur c = {.msg = msg->msg, .len = rr->rdata + rr->rdlen, .off = rr->rdata};
	uint32_t a = cur_u32(&c);
	if (out->naddrs < NG_DNS_ADDRS_MAX)
		out->addrs[out->naddrs++] = a;
	else
		out->addrs_cut = true;
	return !c.err;
}

/* RDATA of a TXT record: character-strings that fill it exactly. */
static bool add_txt(struct cur *msg, const struct rr *rr, struct ng_dns_answer *out, bool first)
{
	struct cur c = {.msg = msg->msg, .len = rr->rdata + rr->rdlen, .off = rr->rdata};
	if (rr->rdlen == 0)
		return false; /* RFC 1035: one or more character-strings */
	if (!first)
		ng_dns_txt_append(out, (const uint8_t *)" ", 1);
	while (!c.err && c.off < c.len) {
		uint8_t l = cur_u8(&c);
		if (c.err || l > c.len - c.off)
			return false;
		ng_dns_txt_append(out, c.msg + c.off, l);
		cur_skip(&c, l);
	}
	return !c.err;
}

/* The negative-caching TTL from the first SOA of the authority section. */
static void negative_ttl(struct cur *c, uint16_t nscount, struct ng_dns_answer *out)
{
	struct rr rr;
	for (uint16_t i = 0; i < nscount && !c->err; i++) {
		read_rr(c, &rr);
		if (c->err || rr.type != DNS_T_SOA || rr.cls != DNS_C_IN)
			continue;
		struct cur d = {.msg = c->msg, .len = rr.rdata + rr.rdlen, .off = rr.rdata};
		uint8_t name[NG_DNS_WIRE_MAX];
		size_t nlen;
		cur_name(&d, name, &nlen); /* MNAME */
		cur_name(&d, name, &nlen); /* RNAME */
		cur_skip(&d, 16);          /* SERIAL REFRESH RETRY EXPIRE */
		uint32_t minimum = cur_u32(&d);
		if (d.err || d.off != d.len)
			return; /* a broken SOA: no negative TTL, not a broken answer */
		if (minimum > DNS_TTL_POSITIVE)
			minimum = 0;
		take_ttl(out, rr.ttl < minimum ? rr.ttl : minimum);
		return;
	}
}

void ng_dns_answer_parse(const uint8_t *msg, size_t len, const char *qname, enum ng_dns_type type,
                         struct ng_dns_answer *out)
{
	struct cur c = {.msg = msg, .len = msg ? len : 0};
	uint8_t want[NG_DNS_WIRE_MAX];
	size_t want_len;
	struct rr rr;

	memset(out, 0, sizeof(*out));
	out->detail = "";
	if (ng_dns_name_to_wire(qname, want, &want_len) != 0) {
		fail(out, "bad query name");
		return;
	}
	cur_skip(&c, 2); /* ID: c-ares matched it with the question */
	uint16_t flags = cur_u16(&c);
	uint16_t qdcount = cur_u16(&c);
	uint16_t ancount = cur_u16(&c);
	uint16_t nscount = cur_u16(&c);
	cur_skip(&c, 2); /* ARCOUNT */
	if (c.err) {
		fail(out, "short header");
		return;
	}
	if (!(flags & 0x8000)) {
		fail(out, "not a response");
		return;
	}
	switch (flags & 0x000f) {
	case 0:
		break;
	case 2:
		out->rcode = NG_DNS_SERVFAIL;
		out->detail = "server failure";
		return;
	case 3:
		out->rcode = NG_DNS_NXDOMAIN;
		out->detail = "no such name";
		break;
	case 5:
		out->rcode = NG_DNS_REFUSED;
		out->detail = "query refused";
		return;
	default:
		fail(out, "unexpected rcode");
		return;
	}
	for (uint16_t i = 0; i < qdcount && !c.err; i++) {
		uint8_t name[NG_DNS_WIRE_MAX];
		size_t nlen;
		cur_name(&c, name, &nlen);
		cur_skip(&c, 4);
	}
	if (c.err) {
		fail(out, "malformed question");
		return;
	}

	/* Follow the CNAME chain from qname: one scan of the answer section
	 * per link, so the chain may come in any order. */
	const size_t answers = c.off;
	uint32_t chain_ttl = 0;
	bool chain_has_ttl = false;
	for (unsigned links = 0;; links++) {
		bool moved = false;
		c.off = answers;
		for (uint16_t i = 0; i < ancount && !c.err && !moved; i++) {
			read_rr(&c, &rr);
			if (c.err || rr.type != DNS_T_CNAME || rr.cls != DNS_C_IN ||
			    !same_name(rr.owner, rr.owner_len, want, want_len))
				continue;
			struct cur d = {.msg = msg, .len = rr.rdata + rr.rdlen, .off = rr.rdata};
			cur_name(&d, want, &want_len);
			if (d.err || d.off != d.len) {
				fail(out, "malformed CNAME");
				return;
			}
			if (!chain_has_ttl || rr.ttl < chain_ttl)
				chain_ttl = rr.ttl;
			chain_has_ttl = true;
			moved = true;
		}
		if (c.err) {
			fail(out, "malformed answer record");
			return;
		}
		if (!moved)
			break;
		if (links + 1 > NG_DNS_CNAME_MAX) {
			fail(out, "CNAME chain too long");
			return;
		}
	}

	/* The records of the type asked for, owned by the end of the chain. */
	c.off = answers;
	size_t found = 0;
	for (uint16_t i = 0; i < ancount && !c.err; i++) {
		read_rr(&c, &rr);
		if (c.err || rr.type != (uint16_t)type || rr.cls != DNS_C_IN ||
		    !same_name(rr.owner, rr.owner_len, want, want_len))
			continue;
		bool ok =
		    type == NG_DNS_A ? add_a(&c, &rr, out) : add_txt(&c, &rr, out, found == 0);
		if (!ok) {
			fail(out, type == NG_DNS_A ? "malformed A record" : "malformed TXT record");
			return;
		}
		take_ttl(out, rr.ttl);
		found++;
	}
	if (c.err) {
		fail(out, "malformed answer record");
		return;
	}
	if (found > 0 && out->rcode == NG_DNS_OK) {
		if (chain_has_ttl)
			take_ttl(out, chain_ttl);
		return;
	}
	/* NXDOMAIN, or NOERROR without records: a negative answer. */
	if (out->rcode == NG_DNS_OK) {
		out->rcode = NG_DNS_NODATA;
		out->detail = "no such record";
	}
	out->naddrs = 0;
	out->addrs_cut = false;
	out->txt[0] = '\0';
	out->txt_len = 0;
	out->txt_cut = false;
	out->has_ttl = false;
	out->ttl = 0;
	negative_ttl(&c, nscount, out);
}
