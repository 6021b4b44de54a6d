/*
 * wire.c - DNS on the wire for the list zone: the query parser and the
 * answer writer (zone.h), both through one cursor.
 *
 * The cursor (STYLE.md habit 4; after Knot's wire_ctx) is a window over
 * one buffer, read or written, with a sticky error flag: a read past the
 * end yields zeros, a write past the capacity writes nothing, and either
 * sets the flag, so the code checks once per section instead of once per
 * field and no pointer arithmetic happens outside the cursor functions.
 * For the writer the flag means "does not fit": the answer is then redone
 * truncated.
 *
 * The parser is strict where laxness costs (rbldnsd's parsequery() is the
 * model): exactly one question, no answer or authority records, at most
 * one additional record and that an OPT with the root name, no compression
 * pointer in the question (nothing precedes it to point at), no trailing
 * bytes.  A response (QR set) or a packet shorter than a header is dropped
 * without a word, so that two servers can never be made to talk to each
 * other.  The writer copies the question exactly as it came and points
 * every owner name into it; everything else comes prepared from the zone
 * (zone.c).  Nothing is allocated and nothing is read but the packet, the
 * zone and the index, so this is the fuzz target's code as it runs in the
 * daemon.
 */
#include "zone/internal.h"
#include "util/str.h"

#include <arpa/inet.h>
#include <string.h>

#define DNS_HDR       12
#define DNS_QR        0x8000u
#define DNS_OPCODE    0x7800u
#define DNS_AA        0x0400u
#define DNS_TC        0x0200u
#define DNS_RD        0x0100u
#define DNS_CD        0x0010u
#define DNS_T_A       1
#define DNS_T_NS      2
#define DNS_T_SOA     6
#define DNS_T_TXT     16
#define DNS_T_OPT     41
#define DNS_T_IXFR    251
#define DNS_T_AXFR    252
#define DNS_C_IN      1
#define DNS_C_ANY     255
#define RC_FORMERR    1
#define RC_NXDOMAIN   3
#define RC_NOTIMP     4
#define RC_REFUSED    5
#define RC_BADVERS    16
#define DNS_UDP_PLAIN 512
#define DNS_TCP_MAX   65535

/* ----- the cursor ----- */

struct cur {
	const uint8_t *in; /* reading: the packet */
	uint8_t *out;      /* writing: the answer */
	size_t len;        /* bytes of in, or the capacity of out */
	size_t off;
	bool err;
};

static uint8_t rd_u8(struct cur *c)
{
	if (c->err || c->off >= c->len) {
		c->err = true;
		return 0;
	}
	return c->in[c->off++];
}

static uint16_t rd_u16(struct cur *c)
{
	uint16_t hi = rd_u8(c);
	return (uint16_t)(hi << 8 | rd_u8(c));
}

static uint32_t rd_u32(struct cur *c)
{
	uint32_t hi = rd_u16(c);
	return hi << 16 | rd_u16(c);
}

static void rd_skip(struct cur *c, size_t n)
{
	if (c->err || n > c->len - c->off) {
		c->err = true;
		return;
	}
	c->off += n;
}

/* n bytes out, or zeros when they are not there. */
static void rd_copy(struct cur *c, uint8_t *dst, size_t n)
{
	if (c->err || n > c->len - c->off) {
		c->err = true;
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, c->in + c->off, n);
	c->off += n;
}

static void wr_bytes(struct cur *c, const void *src, size_t n)
{
	if (c->err || n > c->len - c->off) {
		c->err = true;
		return;
	}
	memcpy(c->out + c->off, src, n);
	c->off += n;
}

static void wr_u8(struct cur *c, uint8_t v)
{
	wr_bytes(c, &v, 1);
}

static void wr_u16(struct cur *c, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	wr_bytes(c, b, 2);
}

static void wr_u32(struct cur *c, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	wr_bytes(c, b, 4);
}

/* n bytes of the reader r, from its position, onto the writer w. */
static void wr_from(struct cur *w, struct cur *r, size_t n)
{
	if (r->err || n > r->len - r->off) {
		r->err = w->err = true;
		return;
	}
	wr_bytes(w, r->in + r->off, n);
	r->off += n;
}

/* Overwrite 2 bytes already written at `at`. */
static void wr_patch16(struct cur *c, size_t at, uint16_t v)
{
	if (at + 2 > c->off) {
		c->err = true;
		return;
	}
	c->out[at] = (uint8_t)(v >> 8);
	c->out[at + 1] = (uint8_t)v;
}

/* Go back to `mark` (an earlier position) and clear the error. */
static void wr_rewind(struct cur *c, size_t mark)
{
	if (mark <= c->off)
		c->off = mark;
	c->err = false;
}

/* ----- the parser ----- */

static enum ng_zone_parse bad(struct ng_zone_query *q, enum ng_zone_parse p, const char *why)
{
	q->error = why;
	return p;
}

/* The question's name, lower-cased into q->qname. */
static enum ng_zone_parse read_qname(struct cur *c, struct ng_zone_query *q)
{
	size_t n = 0;
	for (;;) {
		uint8_t l = rd_u8(c);
		if (c->err)
			return bad(q, NG_ZONE_Q_FORMERR, "question cut short");
		if (l == 0)
			break;
		if ((l & 0xc0) == 0xc0)
			return bad(q, NG_ZONE_Q_FORMERR, "compression pointer in the question");
		if (l & 0xc0)
			return bad(q, NG_ZONE_Q_FORMERR, "unknown label type");
		if (n + 1 + l + 1 > NG_ZONE_NAME_MAX)
			return bad(q, NG_ZONE_Q_FORMERR, "name longer than 255 bytes");
		q->qname[n] = l;
		rd_copy(c, q->qname + n + 1, l);
		for (size_t i = n + 1; i <= n + l; i++)
			if (q->qname[i] >= 'A' && q->qname[i] <= 'Z')
				q->qname[i] = (uint8_t)(q->qname[i] + ('a' - 'A'));
		n += 1u + l;
		q->labels++;
	}
	q->qname[n++] = 0;
	q->qname_len = n;
	return NG_ZONE_Q_OK;
}

/* The one additional record: an OPT (RFC 6891) with the root name. */
static enum ng_zone_parse read_opt(struct cur *c, struct ng_zone_query *q)
{
	uint8_t owner = rd_u8(c);
	uint16_t type = rd_u16(c);
	if (c->err)
		return bad(q, NG_ZONE_Q_FORMERR, "additional record cut short");
	if (owner != 0 || type != DNS_T_OPT)
		return bad(q, NG_ZONE_Q_FORMERR, "additional record is not an OPT");
	q->edns = true;
	q->edns_udp = rd_u16(c);
	uint32_t ttl = rd_u32(c);
	q->edns_version = (uint8_t)(ttl >> 16);
	q->edns_do = (ttl & 0x8000u) != 0;
	uint16_t rdlen = rd_u16(c);
	size_t end = c->off + rdlen;
	while (!c->err && c->off < end) {
		rd_u16(c); /* option code: none is acted on */
		rd_skip(c, rd_u16(c));
	}
	if (c->err || c->off != end)
		return bad(q, NG_ZONE_Q_FORMERR, "OPT record malformed");
	return NG_ZONE_Q_OK;
}

enum ng_zone_parse ng_zone_query_parse(const uint8_t *pkt, size_t len, struct ng_zone_query *q)
{
	struct cur c = {.in = pkt, .len = len};
	q->id = q->flags = q->qtype = q->qclass = 0;
	q->qname_len = q->question_end = 0;
	q->labels = 0;
	q->edns = q->edns_do = false;
	q->edns_udp = 0;
	q->edns_version = 0;
	q->error = NULL;
	if (len < DNS_HDR)
		return bad(q, NG_ZONE_Q_DROP, "shorter than a header");
	q->id = rd_u16(&c);
	q->flags = rd_u16(&c);
	uint16_t qd = rd_u16(&c), an = rd_u16(&c), ns = rd_u16(&c), ar = rd_u16(&c);
	if (q->flags & DNS_QR)
		return bad(q, NG_ZONE_Q_DROP, "a response, not a query");
	if (q->flags & DNS_OPCODE)
		return bad(q, NG_ZONE_Q_NOTIMP, "opcode other than QUERY");
	if (qd != 1)
		return bad(q, NG_ZONE_Q_FORMERR, "question count not 1");
	if (an != 0 || ns != 0)
		return bad(q, NG_ZONE_Q_FORMERR, "answer or authority records in a query");
	if (ar > 1)
		return bad(q, NG_ZONE_Q_FORMERR, "more than one additional record");
	enum ng_zone_parse p = read_qname(&c, q);
	if (p != NG_ZONE_Q_OK)
		return p;
	q->qtype = rd_u16(&c);
	q->qclass = rd_u16(&c);
	if (c.err)
		return bad(q, NG_ZONE_Q_FORMERR, "question cut short");
	q->question_end = c.off;
	if (ar == 1 && (p = read_opt(&c, q)) != NG_ZONE_Q_OK)
		return p;
	if (c.off != len)
		return bad(q, NG_ZONE_Q_FORMERR, "bytes after the last record");
	if (q->qtype == DNS_T_OPT)
		return bad(q, NG_ZONE_Q_FORMERR, "OPT asked for as a type");
	return NG_ZONE_Q_OK;
}

/* ----- deciding the answer ----- */

enum rec { REC_NONE, REC_A, REC_TXT, REC_SOA, REC_NS };

struct plan {
	enum ng_zone_kind kind;
	unsigned rcode; /* BADVERS included */
	bool aa;
	enum rec answer;
	bool soa_auth;   /* a SOA in authority: a negative answer */
	size_t apex_off; /* where the zone's name starts in the answer (a pointer target) */
	unsigned cats;
	bool v6;
	uint8_t addr[16];
	bool test_entry;
};

static const uint8_t mapped_lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
static const uint8_t mapped_hi[16] = {0, 0, 0,    0,    0,    0,    0,    0,
                                      0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static uint32_t low32(const uint8_t a[16])
{
	return (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
}

/* An IPv4 address's categories, the test entries first. */
static unsigned lookup4(const struct ng_zone *z, const struct ng_zone_index *ix, uint32_t ip,
                        struct plan *pl)
{
	if (ip == ZONE_TEST_LISTED || ip == ZONE_TEST_UNLISTED) {
		pl->test_entry = true;
		return ip == ZONE_TEST_LISTED ? z->published : 0;
	}
	return ng_zone_index_lookup4(ix, ip) & z->published;
}

static bool any4(const struct ng_zone_index *ix, uint32_t lo, uint32_t hi)
{
	return (lo <= ZONE_TEST_LISTED && ZONE_TEST_LISTED <= hi) || ng_zone_index_any4(ix, lo, hi);
}

static bool any6(const struct ng_zone_index *ix, const uint8_t lo[16], const uint8_t hi[16])
{
	if (ng_zone_index_any6(ix, lo, hi))
		return true;
	/* the part inside ::ffff:0:0/96 is IPv4 */
	const uint8_t *l = memcmp(lo, mapped_lo, 16) > 0 ? lo : mapped_lo;
	const uint8_t *h = memcmp(hi, mapped_hi, 16) < 0 ? hi : mapped_hi;
	return memcmp(l, h, 16) <= 0 && any4(ix, low32(l), low32(h));
}

/* The k labels before the zone: an IPv4 address or block (d.c.b.a), an
 * IPv6 address or block (nibbles), both (short numeric names) or neither. */
static void decide_address(const struct ng_zone *z, const struct ng_zone_index *ix,
                           const struct ng_zone_query *q, const size_t *loff, unsigned k,
                           struct plan *pl)
{
	bool v4ok = k <= 4, v6ok = k <= 32;
	uint32_t ip = 0;
	uint8_t a6[16];
	memset(a6, 0, sizeof(a6));
	for (unsigned i = 0; i < k; i++) {
		size_t at = loff[i]; /* the label's length byte in qname */
		unsigned len = q->qname[at];
		/* label i is the (k-1-i)th octet or nibble from the top */
		unsigned pos = k - 1 - i;
		if (v4ok) {
			unsigned v = 0;
			bool ok = len >= 1 && len <= 3 && !(len > 1 && q->qname[at + 1] == '0');
			for (unsigned j = 1; ok && j <= len; j++) {
				uint8_t d = q->qname[at + j];
				ok = d >= '0' && d <= '9';
				v = v * 10 + (unsigned)(d - '0');
			}
			if (ok && v <= 255)
				ip |= v << (8 * (3 - pos));
			else
				v4ok = false;
		}
		if (v6ok) {
			int h = len == 1 ? ng_hexval(q->qname[at + 1]) : -1;
			if (h >= 0)
				a6[pos / 2] |= (uint8_t)(pos % 2 == 0 ? h << 4 : h);
			else
				v6ok = false;
		}
	}
	unsigned mask = 0;
	if (v4ok && k == 4) {
		mask = lookup4(z, ix, ip, pl);
		pl->addr[0] = (uint8_t)(ip >> 24);
		pl->addr[1] = (uint8_t)(ip >> 16);
		pl->addr[2] = (uint8_t)(ip >> 8);
		pl->addr[3] = (uint8_t)ip;
	} else if (v6ok && k == 32) {
		if (memcmp(a6, mapped_lo, 12) == 0)
			mask = lookup4(z, ix, low32(a6), pl);
		else
			mask = ng_zone_index_lookup6(ix, a6) & z->published;
		pl->v6 = true;
		memcpy(pl->addr, a6, 16);
	}
	if (mask != 0) {
		pl->cats = mask;
		if (q->qtype == DNS_T_A) {
			pl->kind = NG_ZONE_LISTED;
			pl->answer = REC_A;
			return;
		}
		if (q->qtype == DNS_T_TXT && z->tmpl_len > 0) {
			pl->kind = NG_ZONE_LISTED;
			pl->answer = REC_TXT;
			return;
		}
		pl->kind = NG_ZONE_NODATA;
		pl->soa_auth = true;
		return;
	}
	bool exists = false;
	if (v4ok && k < 4) {
		uint32_t span = 0xffffffffu >> (8 * k);
		exists = any4(ix, ip, ip | span);
	}
	if (!exists && v6ok && k < 32) {
		uint8_t hi[16];
		memcpy(hi, a6, 16);
		for (unsigned n = k; n < 32; n++)
			hi[n / 2] |= (uint8_t)(n % 2 == 0 ? 0xf0 : 0x0f);
		exists = any6(ix, a6, hi);
	}
	pl->kind = exists ? NG_ZONE_NODATA : NG_ZONE_NXDOMAIN;
	pl->rcode = exists ? 0 : RC_NXDOMAIN;
	pl->soa_auth = true;
}

static void decide(const struct ng_zone *z, const struct ng_zone_index *ix,
                   const struct ng_zone_query *q, struct plan *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->kind = NG_ZONE_REFUSED;
	pl->rcode = RC_REFUSED;
	if (q->edns && q->edns_version > 0) {
		pl->kind = NG_ZONE_BADVERS;
		pl->rcode = RC_BADVERS;
		return;
	}
	if (q->qclass != DNS_C_IN && q->qclass != DNS_C_ANY)
		return;
	if (q->labels < z->apex_labels || q->qtype == DNS_T_AXFR || q->qtype == DNS_T_IXFR)
		return;
	size_t loff[NG_ZONE_NAME_MAX / 2 + 1];
	size_t o = 0;
	for (unsigned i = 0; i < q->labels; i++) {
		loff[i] = o;
		o += 1u + q->qname[o];
	}
	unsigned k = q->labels - z->apex_labels;
	size_t start = k < q->labels ? loff[k] : o;
	if (q->qname_len - start != z->apex.len ||
	    memcmp(q->qname + start, z->apex.wire, z->apex.len) != 0)
		return;
	pl->rcode = 0;
	pl->aa = true;
	pl->apex_off = DNS_HDR + start;
	if (k > 0) {
		decide_address(z, ix, q, loff, k, pl);
		return;
	}
	if (q->qtype == DNS_T_SOA || q->qtype == DNS_T_NS) {
		pl->kind = NG_ZONE_APEX;
		pl->answer = q->qtype == DNS_T_SOA ? REC_SOA : REC_NS;
	} else {
		pl->kind = NG_ZONE_NODATA;
		pl->soa_auth = true;
	}
}

/* ----- writing the answer ----- */

/* An owner name: a pointer to `off` in the answer. */
static void wr_ptr(struct cur *w, size_t off)
{
	wr_u16(w, (uint16_t)(0xc000u | off));
}

static void wr_rr_head(struct cur *w, size_t owner, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
	wr_ptr(w, owner);
	wr_u16(w, type);
	wr_u16(w, DNS_C_IN);
	wr_u32(w, ttl);
	wr_u16(w, rdlen);
}

/* The address as text into buf (at least INET6_ADDRSTRLEN); its length. */
static size_t addr_text(const struct plan *pl, char *buf, size_t cap)
{
	if (!inet_ntop(pl->v6 ? AF_INET6 : AF_INET, pl->addr, buf, (socklen_t)cap))
		buf[0] = '\0';
	return strlen(buf);
}

static void wr_txt(struct cur *w, const struct ng_zone *z, const struct plan *pl)
{
	char ip[INET6_ADDRSTRLEN];
	size_t iplen = addr_text(pl, ip, sizeof(ip));
	uint8_t text[NG_DNSBLD_TXT_MAX];
	size_t n = 0;
	/* zone.c checked that the expansion stays below NG_DNSBLD_TXT_MAX */
	for (size_t i = 0; i < z->tmpl_len; i++) {
		if (z->tmpl[i] == '$' && n + iplen <= sizeof(text)) {
			memcpy(text + n, ip, iplen);
			n += iplen;
		} else if (z->tmpl[i] != '$' && n < sizeof(text)) {
			text[n++] = (uint8_t)z->tmpl[i];
		}
	}
	size_t strings = n == 0 ? 1 : (n + 254) / 255;
	wr_rr_head(w, DNS_HDR, DNS_T_TXT, z->ttl, (uint16_t)(n + strings));
	size_t off = 0;
	do {
		size_t len = n - off > 255 ? 255 : n - off;
		wr_u8(w, (uint8_t)len);
		wr_bytes(w, text + off, len);
		off += len;
	} while (off < n);
}

static void wr_soa(struct cur *w, const struct ng_zone *z, size_t owner, uint32_t ttl,
                   uint32_t serial)
{
	const struct zone_name *mname = &z->ns[0];
	wr_rr_head(w, owner, DNS_T_SOA, ttl, (uint16_t)(mname->len + z->rname.len + 20));
	wr_bytes(w, mname->wire, mname->len);
	wr_bytes(w, z->rname.wire, z->rname.len);
	wr_u32(w, serial);
	wr_u32(w, ZONE_SOA_REFRESH);
	wr_u32(w, ZONE_SOA_RETRY);
	wr_u32(w, ZONE_SOA_EXPIRE);
	wr_u32(w, z->negative_ttl);
}

/* The answer and authority sections; their record counts. */
static void wr_sections(struct cur *w, const struct ng_zone *z, const struct plan *pl,
                        uint32_t serial, uint16_t *an, uint16_t *ns)
{
	*an = *ns = 0;
	switch (pl->answer) {
	case REC_A: {
		unsigned m = pl->cats & ((1u << NG_ZONE_CATS) - 1);
		for (unsigned i = 0; i < z->a_count[m]; i++) {
			wr_rr_head(w, DNS_HDR, DNS_T_A, z->ttl, 4);
			wr_bytes(w, z->a_rdata[m][i], 4);
		}
		*an = z->a_count[m];
		break;
	}
	case REC_TXT:
		wr_txt(w, z, pl);
		*an = 1;
		break;
	case REC_SOA:
		wr_soa(w, z, DNS_HDR, z->ttl, serial);
		*an = 1;
		break;
	case REC_NS:
		for (size_t i = 0; i < z->nns; i++) {
			wr_rr_head(w, DNS_HDR, DNS_T_NS, z->ttl, (uint16_t)z->ns[i].len);
			wr_bytes(w, z->ns[i].wire, z->ns[i].len);
		}
		*an = (uint16_t)z->nns;
		break;
	case REC_NONE:
		break;
	}
	if (pl->soa_auth) {
		wr_soa(w, z, pl->apex_off, z->negative_ttl, serial);
		*ns = 1;
	}
}

static void wr_opt(struct cur *w, const struct ng_zone_query *q, unsigned rcode)
{
	wr_u8(w, 0);
	wr_u16(w, DNS_T_OPT);
	wr_u16(w, NG_DNSBLD_UDP_MAX);
	wr_u8(w, (uint8_t)(rcode >> 4));
	wr_u8(w, 0);
	wr_u16(w, q->edns_do ? 0x8000u : 0);
	wr_u16(w, 0);
}

static uint16_t reply_flags(const struct ng_zone_query *q, unsigned rcode, bool aa, bool tc)
{
	return (uint16_t)(DNS_QR | (q->flags & (DNS_OPCODE | DNS_RD | DNS_CD)) | (aa ? DNS_AA : 0) |
	                  (tc ? DNS_TC : 0) | (rcode & 0xfu));
}

/* FORMERR or NOTIMP: the header alone, never larger than the query. */
static size_t header_only(const struct ng_zone_query *q, unsigned rcode, uint8_t *out,
                          size_t outcap)
{
	struct cur w = {.out = out, .len = outcap};
	wr_u16(&w, q->id);
	wr_u16(&w, reply_flags(q, rcode, false, false));
	for (int i = 0; i < 4; i++)
		wr_u16(&w, 0);
	return w.err ? 0 : w.off;
}

static size_t udp_limit(const struct ng_zone_query *q, unsigned flags, size_t outcap)
{
	size_t lim;
	if (flags & NG_ZONE_TCP)
		lim = DNS_TCP_MAX;
	else if (q->edns && q->edns_udp > DNS_UDP_PLAIN)
		lim = q->edns_udp < NG_DNSBLD_UDP_MAX ? q->edns_udp : NG_DNSBLD_UDP_MAX;
	else
		lim = DNS_UDP_PLAIN;
	return lim < outcap ? lim : outcap;
}

size_t ng_zone_respond(const struct ng_zone *z, const struct ng_zone_index *ix, const uint8_t *pkt,
                       size_t len, unsigned flags, uint8_t *out, size_t outcap,
                       struct ng_zone_reply *r)
{
	struct ng_zone_reply dummy;
	struct ng_zone_query q;
	struct plan pl;
	if (r == NULL)
		r = &dummy;
	memset(r, 0, sizeof(*r));
	enum ng_zone_parse p = ng_zone_query_parse(pkt, len, &q);
	r->error = q.error;
	if (p == NG_ZONE_Q_DROP || outcap < DNS_UDP_PLAIN) {
		r->kind = NG_ZONE_DROPPED;
		return 0;
	}
	if (p != NG_ZONE_Q_OK) {
		r->kind = p == NG_ZONE_Q_NOTIMP ? NG_ZONE_NOTIMP : NG_ZONE_FORMERR;
		return header_only(&q, p == NG_ZONE_Q_NOTIMP ? RC_NOTIMP : RC_FORMERR, out, outcap);
	}
	bool slip = (flags & NG_ZONE_SLIP) && !(flags & NG_ZONE_TCP);
	if (slip)
		memset(&pl, 0, sizeof(pl));
	else
		decide(z, ix, &q, &pl);
	uint32_t serial = zone_index_serial(ix);

	struct cur w = {.out = out, .len = udp_limit(&q, flags, outcap)};
	struct cur rq = {.in = pkt, .len = q.question_end, .off = DNS_HDR};
	uint16_t an = 0, ns = 0;
	bool tc = slip;
	for (int i = 0; i < 6; i++)
		wr_u16(&w, 0);
	wr_from(&w, &rq, q.question_end - DNS_HDR);
	size_t after_question = w.off;
	if (w.err) /* a question longer than the limit: cannot happen at 512 */
		return 0;
	if (!slip) {
		wr_sections(&w, z, &pl, serial, &an, &ns);
		if (q.edns)
			wr_opt(&w, &q, pl.rcode);
		if (w.err) {
			wr_rewind(&w, after_question);
			an = ns = 0;
			tc = true;
		}
	}
	if (tc && q.edns)
		wr_opt(&w, &q, pl.rcode);
	wr_patch16(&w, 0, q.id);
	wr_patch16(&w, 2, reply_flags(&q, pl.rcode, pl.aa, tc));
	wr_patch16(&w, 4, 1);
	wr_patch16(&w, 6, an);
	wr_patch16(&w, 8, ns);
	wr_patch16(&w, 10, q.edns ? 1 : 0);
	if (w.err)
		return 0;
	r->kind = slip ? NG_ZONE_SLIPPED : pl.kind;
	r->cats = pl.cats;
	r->truncated = tc;
	r->edns = q.edns;
	r->test_entry = pl.test_entry;
	return w.off;
}

const char *ng_zone_kind_name(enum ng_zone_kind k)
{
	static const char *const names[NG_ZONE_KINDS] = {
	    "dropped", "listed",  "apex",   "nodata",  "nxdomain",
	    "refused", "formerr", "notimp", "badvers", "slipped",
	};
	return (unsigned)k < NG_ZONE_KINDS ? names[k] : "unknown";
}
