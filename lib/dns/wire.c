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
 * section.  Each record goes into the short shape of the answer (A
 * addresses, TXT joined) and, when the caller gives a record set, into
 * rrs[] with its own text: TXT strings concatenated, MX and PTR names in
 * presentation form with their case kept.  The function allocates nothing
 * and does no I/O, so it is also the fuzz target
 * tests/fuzz/fuzz_dns_answer.c.
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
 * wire form, NG_DNS_WIRE_MAX bytes at most; ASCII lower-cased when `fold`)
 * and leave the cursor after it.  A pointer must point inside the message;
 * more than DNS_JUMPS_MAX pointers or a name over 255 bytes is an error.
 */
static void cur_name_as(struct cur *c, uint8_t *out, size_t *outlen, bool fold)
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
		for (size_t i = 0; fold && i < l; i++)
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

/* A name compared with others: lower-cased. */
static void cur_name(struct cur *c, uint8_t *out, size_t *outlen)
{
	cur_name_as(c, out, outlen, true);
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

/* A record of the answer set, or NULL when there is no set or it is full. */
static struct ng_dns_rr *new_rr(struct ng_dns_rrset *set, struct ng_dns_answer *out,
                                const struct rr *rr)
{
	if (set == NULL)
		return NULL;
	return ng_dns_rr_new(set, out, (enum ng_dns_type)rr->type, rr->ttl);
}

/* RDATA of an A or AAAA record (4 or 16 bytes); false when malformed. */
static bool add_addr(struct cur *msg, const struct rr *rr, struct ng_dns_answer *out,
                     struct ng_dns_rrset *set)
{
	size_t want = rr->type == NG_DNS_A ? 4 : 16;
	uint8_t addr[16];
	if (rr->rdlen != want)
		return false;
	struct cur c = {.msg = msg->msg, .len = rr->rdata + rr->rdlen, .off = rr->rdata};
	cur_copy(&c, addr, want);
	if (c.err)
		return false;
	if (rr->type == NG_DNS_A) {
		uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
		             (uint32_t)addr[2] << 8 | addr[3];
		if (out->naddrs < NG_DNS_ADDRS_MAX)
			out->addrs[out->naddrs++] = a;
		else
			out->addrs_cut = true;
	}
	struct ng_dns_rr *r = new_rr(set, out, rr);
	if (r != NULL) {
		memcpy(r->addr, addr, want);
		ng_dns_rr_close(set, r);
	}
	return true;
}

/*
 * A wire name as text into the open record r: labels joined by '.', the
 * root as "", and the bytes that would make the text ambiguous or unsafe
 * ('.', '\\', control bytes) as \DDD.
 */
static void name_text(struct ng_dns_rrset *set, struct ng_dns_rr *r, const uint8_t *wire,
                      size_t wlen)
{
	struct cur c = {.msg = wire, .len = wlen};
	bool first = true;
	for (;;) {
		uint8_t l = cur_u8(&c);
		if (c.err || l == 0)
			break;
		if (!first)
			ng_dns_rr_append(set, r, (const uint8_t *)".", 1);
		first = false;
		for (uint8_t i = 0; i < l; i++) {
			uint8_t b = cur_u8(&c);
			if (b == '.' || b == '\\' || b < 0x20 || b == 0x7f) {
				uint8_t esc[4] = {'\\', (uint8_t)('0' + b / 100),
				                  (uint8_t)('0' + b / 10 % 10),
				                  (uint8_t)('0' + b % 10)};
				ng_dns_rr_append(set, r, esc, sizeof(esc));
			} else {
				ng_dns_rr_append(set, r, &b, 1);
			}
		}
	}
}

/* RDATA of an MX (preference and exchange) or PTR (a name) record: the
 * name must fill the RDATA exactly. */
static bool add_name(struct cur *msg, const struct rr *rr, struct ng_dns_answer *out,
                     struct ng_dns_rrset *set)
{
	/* The name may point back into the message, so the cursor spans
	 * the whole message, and the RDATA end is checked by offset. */
	struct cur c = {.msg = msg->msg, .len = msg->len, .off = rr->rdata};
	uint8_t name[NG_DNS_WIRE_MAX];
	size_t nlen;
	uint16_t pref = 0;
	if (rr->type == NG_DNS_MX)
		pref = cur_u16(&c);
	if (c.off > rr->rdata + rr->rdlen)
		return false;
	cur_name_as(&c, name, &nlen, false);
	if (c.err || c.off != rr->rdata + rr->rdlen)
		return false;
	struct ng_dns_rr *r = new_rr(set, out, rr);
	if (r != NULL) {
		r->pref = pref;
		name_text(set, r, name, nlen);
		ng_dns_rr_close(set, r);
	}
	return true;
}

/* RDATA of a TXT record: character-strings that fill it exactly (none at
 * all is taken as one empty record). */
static bool add_txt(struct cur *msg, const struct rr *rr, struct ng_dns_answer *out,
                    struct ng_dns_rrset *set, bool first)
{
	struct cur c = {.msg = msg->msg, .len = rr->rdata + rr->rdlen, .off = rr->rdata};
	/* Check the strings before anything is kept. */
	while (!c.err && c.off < c.len) {
		uint8_t l = cur_u8(&c);
		cur_skip(&c, l);
	}
	if (c.err)
		return false;
	if (!first)
		ng_dns_txt_append(out, (const uint8_t *)" ", 1);
	struct ng_dns_rr *r = new_rr(set, out, rr);
	c.off = rr->rdata;
	while (c.off < c.len) {
		uint8_t l = cur_u8(&c);
		ng_dns_txt_append(out, c.msg + c.off, l);
		if (r != NULL)
			ng_dns_rr_append(set, r, c.msg + c.off, l);
		cur_skip(&c, l);
	}
	if (r != NULL)
		ng_dns_rr_close(set, r);
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
	ng_dns_answer_parse_rrs(msg, len, qname, type, out, NULL);
}

void ng_dns_answer_parse_rrs(const uint8_t *msg, size_t len, const char *qname,
                             enum ng_dns_type type, struct ng_dns_answer *out,
                             struct ng_dns_rrset *set)
{
	struct cur c = {.msg = msg, .len = msg ? len : 0};
	uint8_t want[NG_DNS_WIRE_MAX];
	size_t want_len;
	struct rr rr;

	memset(out, 0, sizeof(*out));
	out->detail = "";
	if (set != NULL)
		set->used = 0;
	if (!ng_dns_type_queryable(type)) {
		fail(out, "unsupported type");
		return;
	}
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
		bool ok;
		const char *why;
		switch (type) {
		case NG_DNS_A:
		case NG_DNS_AAAA:
			ok = add_addr(&c, &rr, out, set);
			why = type == NG_DNS_A ? "malformed A record" : "malformed AAAA record";
			break;
		case NG_DNS_MX:
		case NG_DNS_PTR:
			ok = add_name(&c, &rr, out, set);
			why = type == NG_DNS_MX ? "malformed MX record" : "malformed PTR record";
			break;
		default:
			ok = add_txt(&c, &rr, out, set, found == 0);
			why = "malformed TXT record";
			break;
		}
		if (!ok) {
			fail(out, why);
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
	out->rrs = NULL;
	out->nrrs = 0;
	out->rrs_cut = false;
	out->has_ttl = false;
	out->ttl = 0;
	negative_ttl(&c, nscount, out);
}
