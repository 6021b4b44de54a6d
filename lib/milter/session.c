/*
 * session.c - the filter side of the milter protocol (ndrguard/milter.h).
 *
 * Input is kept in one buffer: complete packets are run in place (the
 * strings a callback gets point into it), a partial one stays at the
 * front until the rest arrives.  The buffer grows only for a packet
 * larger than it, up to NG_MILTER_PACKET_MAX.  Replies are appended to
 * one output buffer that the caller drains; nothing is written here.
 *
 * Every packet is read through the cursor below (take_u32, take_str,
 * ...) with a sticky error flag: a field past the packet's end, or a
 * string without its NUL, marks the packet bad and ends the session.
 */
#include "ndrguard/milter.h"

#include "util/limits.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define PROT_VERSION 6 /* the newest version we speak */
#define IN_MIN       16384

struct ng_milter_ctx {
	const struct ng_milter_desc *d;
	void *app, *priv;
	/* input: in[off, len) not run yet */
	unsigned char *in;
	size_t in_off, in_len, in_cap;
	/* output: out[0, out_len) queued, out_off written */
	unsigned char *out;
	size_t out_off, out_len, out_cap;
	bool out_failed;
	/* the session */
	bool negotiated, closed, in_eom;
	unsigned long actions, proto;
	/* symbol lists asked for in negotiate */
	char *symlist[NG_MILTER_NSTAGES];
	/* macros per stage: name\0value\0..., a copy */
	char *mac[NG_MILTER_NSTAGES];
	size_t mac_len[NG_MILTER_NSTAGES], mac_cap[NG_MILTER_NSTAGES];
	char *argv[NG_MILTER_ARGS_MAX + 1];
	struct sockaddr_storage sa;
	char reply[NG_MILTER_REPLY_MAX];
	char err[160];
};

/* ----- the cursor ----- */

struct cur {
	const unsigned char *p;
	size_t len, off;
	bool bad;
};

static uint32_t take_u32(struct cur *c)
{
	if (c->bad || c->len - c->off < 4) {
		c->bad = true;
		return 0;
	}
	const unsigned char *p = c->p + c->off;
	c->off += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned take_u16(struct cur *c)
{
	if (c->bad || c->len - c->off < 2) {
		c->bad = true;
		return 0;
	}
	const unsigned char *p = c->p + c->off;
	c->off += 2;
	return (unsigned)p[0] << 8 | p[1];
}

static int take_byte(struct cur *c)
{
	if (c->bad || c->off >= c->len) {
		c->bad = true;
		return 0;
	}
	return c->p[c->off++];
}

/* A NUL-terminated string inside the packet. */
static char *take_str(struct cur *c)
{
	if (c->bad || c->off >= c->len) {
		c->bad = true;
		return NULL;
	}
	const unsigned char *s = c->p + c->off;
	const unsigned char *nul = memchr(s, '\0', c->len - c->off);
	if (nul == NULL) {
		c->bad = true;
		return NULL;
	}
	c->off += (size_t)(nul - s) + 1;
	return (char *)(uintptr_t)s;
}

static bool at_end(const struct cur *c)
{
	return c->off == c->len;
}

/* ----- output ----- */

static bool out_reserve(struct ng_milter_ctx *ctx, size_t n)
{
	if (ctx->out_failed)
		return false;
	if (ctx->out_off == ctx->out_len)
		ctx->out_off = ctx->out_len = 0;
	if (ctx->out_cap - ctx->out_len >= n)
		return true;
	size_t cap = ctx->out_cap != 0 ? ctx->out_cap : 1024;
	while (cap - ctx->out_len < n) {
		if (cap > SIZE_MAX / 2) {
			ctx->out_failed = true;
			return false;
		}
		cap *= 2;
	}
	unsigned char *p = realloc(ctx->out, cap);
	if (p == NULL) {
		ctx->out_failed = true;
		return false;
	}
	ctx->out = p;
	ctx->out_cap = cap;
	return true;
}

/* One packet: cmd and the parts concatenated. */
static void put_packet(struct ng_milter_ctx *ctx, int cmd, const void *a, size_t alen,
                       const void *b, size_t blen)
{
	size_t len = 1 + alen + blen;
	if (len > NG_MILTER_PACKET_MAX || !out_reserve(ctx, 4 + len))
		return;
	unsigned char *p = ctx->out + ctx->out_len;
	p[0] = (unsigned char)(len >> 24);
	p[1] = (unsigned char)(len >> 16);
	p[2] = (unsigned char)(len >> 8);
	p[3] = (unsigned char)len;
	p[4] = (unsigned char)cmd;
	if (alen > 0)
		memcpy(p + 5, a, alen);
	if (blen > 0)
		memcpy(p + 5 + alen, b, blen);
	ctx->out_len += 4 + len;
}

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int code_of(const struct ng_milter_ctx *ctx, enum ng_milter_stat r)
{
	switch (r) {
	case NG_MILTER_REJECT:
		return 'r';
	case NG_MILTER_TEMPFAIL:
		return 't';
	case NG_MILTER_DISCARD:
		return 'd';
	case NG_MILTER_ACCEPT:
		return 'a';
	case NG_MILTER_SKIP:
		return (ctx->proto & NG_MILTER_P_SKIP) ? 's' : 'c';
	case NG_MILTER_CONTINUE:
	case NG_MILTER_NOREPLY:
	default:
		return 'c';
	}
}

/* The answer to a step whose no-reply flag is nr (0: always answered).  A
 * reply text goes with a REJECT of its class 5 or a TEMPFAIL of class 4
 * and is dropped otherwise, as libmilter does. */
static void reply(struct ng_milter_ctx *ctx, enum ng_milter_stat r, unsigned long nr)
{
	char first = ctx->reply[0];
	if (nr == 0 || !(ctx->proto & nr)) {
		if ((r == NG_MILTER_REJECT && first == '5') ||
		    (r == NG_MILTER_TEMPFAIL && first == '4'))
			put_packet(ctx, 'y', ctx->reply, strlen(ctx->reply) + 1, NULL, 0);
		else
			put_packet(ctx, code_of(ctx, r), NULL, 0, NULL, 0);
	}
	ctx->reply[0] = '\0';
}

/* ----- macros ----- */

static int stage_of(int cmd)
{
	switch (cmd) {
	case 'C':
		return NG_MILTER_STAGE_CONNECT;
	case 'H':
		return NG_MILTER_STAGE_HELO;
	case 'M':
		return NG_MILTER_STAGE_MAIL;
	case 'R':
		return NG_MILTER_STAGE_RCPT;
	case 'T':
		return NG_MILTER_STAGE_DATA;
	case 'E':
		return NG_MILTER_STAGE_EOM;
	case 'N':
		return NG_MILTER_STAGE_EOH;
	default:
		return -1;
	}
}

/* Forget the macros of the message (MAIL and later). */
static void clear_message_macros(struct ng_milter_ctx *ctx)
{
	for (int s = NG_MILTER_STAGE_MAIL; s < NG_MILTER_NSTAGES; s++)
		ctx->mac_len[s] = 0;
}

static bool set_macros(struct ng_milter_ctx *ctx, struct cur *c)
{
	int stage = stage_of(take_byte(c));
	if (c->bad)
		return false;
	const unsigned char *p = c->p + c->off;
	size_t n = c->len - c->off;
	/* pairs of strings: the whole must end in a NUL */
	if (n > 0 && p[n - 1] != '\0')
		return false;
	if (stage < 0)
		return true; /* macros for a step we do not know: not needed */
	if (n > ctx->mac_cap[stage]) {
		char *m = realloc(ctx->mac[stage], n);
		if (m == NULL) {
			ctx->mac_len[stage] = 0;
			return true; /* the macros are lost, the session goes on */
		}
		ctx->mac[stage] = m;
		ctx->mac_cap[stage] = n;
	}
	if (n > 0)
		memcpy(ctx->mac[stage], p, n);
	ctx->mac_len[stage] = n;
	return true;
}

const char *ng_milter_getsymval(const struct ng_milter_ctx *ctx, const char *name)
{
	if (name == NULL || name[0] == '\0')
		return NULL;
	size_t nl = strlen(name);
	/* "{i}" also matches "i", and "i" also matches "{i}" */
	char alt[4] = "";
	if (nl == 3 && name[0] == '{' && name[2] == '}') {
		alt[0] = name[1];
		alt[1] = '\0';
	} else if (nl == 1) {
		alt[0] = '{';
		alt[1] = name[0];
		alt[2] = '}';
		alt[3] = '\0';
	}
	for (int s = NG_MILTER_NSTAGES - 1; s >= 0; s--) {
		const char *p = ctx->mac[s], *end = p + ctx->mac_len[s];
		while (p != NULL && p < end) {
			const char *k = p;
			p += strlen(p) + 1;
			if (p >= end)
				break; /* a name without its value */
			const char *v = p;
			p += strlen(p) + 1;
			if (strcmp(k, name) == 0 || (alt[0] != '\0' && strcmp(k, alt) == 0))
				return v;
		}
	}
	return NULL;
}

/* ----- the steps ----- */

static enum ng_milter_input fail(struct ng_milter_ctx *ctx, const char *what, int cmd)
{
	if (cmd < 0)
		snprintf(ctx->err, sizeof(ctx->err), "%s", what);
	else if (cmd >= 0x21 && cmd < 0x7f)
		snprintf(ctx->err, sizeof(ctx->err), "%s (command '%c')", what, cmd);
	else
		snprintf(ctx->err, sizeof(ctx->err), "%s (command 0x%02x)", what, (unsigned)cmd);
	return NG_MILTER_CLOSE;
}

static void close_session(struct ng_milter_ctx *ctx)
{
	if (ctx->negotiated && !ctx->closed) {
		ctx->closed = true;
		if (ctx->d->close != NULL)
			ctx->d->close(ctx);
	}
}

static enum ng_milter_input negotiate(struct ng_milter_ctx *ctx, struct cur *c)
{
	uint32_t version = take_u32(c);
	uint32_t acts = take_u32(c);
	uint32_t proto = take_u32(c);
	if (c->bad)
		return fail(ctx, "short option negotiation", 'O');
	if (version < 2)
		return fail(ctx, "MTA protocol version too old", 'O');
	unsigned long want_a = 0, want_p = 0;
	for (int s = 0; s < NG_MILTER_NSTAGES; s++) {
		free(ctx->symlist[s]);
		ctx->symlist[s] = NULL;
	}
	ctx->negotiated = true;
	ctx->closed = false;
	ctx->actions = ctx->proto = 0;
	if (ctx->d->negotiate != NULL) {
		enum ng_milter_stat r = ctx->d->negotiate(ctx, acts, proto, &want_a, &want_p);
		if (r != NG_MILTER_CONTINUE) {
			close_session(ctx);
			return fail(ctx, "the filter refused the session", 'O');
		}
	}
	if ((want_a & ~(unsigned long)acts) != 0 || (want_p & ~(unsigned long)proto) != 0) {
		close_session(ctx);
		return fail(ctx, "the filter wants what the MTA does not offer", 'O');
	}
	ctx->actions = want_a;
	ctx->proto = want_p;
	unsigned char hdr[12];
	put_u32(hdr, version < PROT_VERSION ? version : PROT_VERSION);
	put_u32(hdr + 4, (uint32_t)want_a);
	put_u32(hdr + 8, (uint32_t)want_p);
	/* the reply and its symbol lists in one packet: build it here */
	size_t len = sizeof(hdr);
	for (int s = 0; s < NG_MILTER_NSTAGES; s++)
		if (ctx->symlist[s] != NULL)
			len += 4 + strlen(ctx->symlist[s]) + 1;
	if (!out_reserve(ctx, 5 + len))
		return fail(ctx, "out of memory", 'O');
	size_t at = ctx->out_len;
	put_packet(ctx, 'O', hdr, sizeof(hdr), NULL, 0);
	for (int s = 0; s < NG_MILTER_NSTAGES; s++) {
		if (ctx->symlist[s] == NULL)
			continue;
		size_t sl = strlen(ctx->symlist[s]) + 1;
		if (!out_reserve(ctx, 4 + sl))
			return fail(ctx, "out of memory", 'O');
		put_u32(ctx->out + ctx->out_len, (uint32_t)s);
		memcpy(ctx->out + ctx->out_len + 4, ctx->symlist[s], sl);
		ctx->out_len += 4 + sl;
	}
	put_u32(ctx->out + at, (uint32_t)(ctx->out_len - at - 4));
	return NG_MILTER_MORE;
}

static bool connect_step(struct ng_milter_ctx *ctx, struct cur *c, enum ng_milter_stat *r)
{
	const char *host = take_str(c);
	int family = take_byte(c);
	const struct sockaddr *sa = NULL;
	memset(&ctx->sa, 0, sizeof(ctx->sa));
	if (family == '4' || family == '6') {
		unsigned port = take_u16(c);
		const char *addr = take_str(c);
		if (c->bad)
			return false;
		if (family == '4') {
			struct sockaddr_in *in = (struct sockaddr_in *)&ctx->sa;
			if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
				in->sin_family = AF_INET;
				in->sin_port = htons((uint16_t)port);
				sa = (const struct sockaddr *)in;
			}
		} else {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ctx->sa;
			/* Sendmail writes "IPv6:" before the address */
			if (strncmp(addr, "IPv6:", 5) == 0)
				addr += 5;
			if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
				in6->sin6_family = AF_INET6;
				in6->sin6_port = htons((uint16_t)port);
				sa = (const struct sockaddr *)in6;
			}
		}
	} else if (family == 'L') {
		(void)take_u16(c);
		(void)take_str(c);
	}
	if (c->bad)
		return false;
	*r = ctx->d->connect != NULL ? ctx->d->connect(ctx, host, sa) : NG_MILTER_CONTINUE;
	return true;
}

/* MAIL and RCPT: the strings into argv. */
static bool args_of(struct ng_milter_ctx *ctx, struct cur *c)
{
	size_t n = 0;
	while (!at_end(c)) {
		char *s = take_str(c);
		if (c->bad)
			return false;
		if (n < NG_MILTER_ARGS_MAX)
			ctx->argv[n++] = s;
	}
	if (n == 0)
		return false;
	ctx->argv[n] = NULL;
	return true;
}

static bool terminal(enum ng_milter_stat r)
{
	return r == NG_MILTER_REJECT || r == NG_MILTER_TEMPFAIL || r == NG_MILTER_DISCARD ||
	       r == NG_MILTER_ACCEPT;
}

static enum ng_milter_input end_of_message(struct ng_milter_ctx *ctx, struct cur *c)
{
	const struct ng_milter_desc *d = ctx->d;
	size_t n = c->len - c->off;
	enum ng_milter_stat r = NG_MILTER_CONTINUE;
	if (n > 0 && d->body != NULL)
		r = d->body(ctx, c->p + c->off, n);
	if (!terminal(r)) {
		ctx->in_eom = true;
		r = d->eom != NULL ? d->eom(ctx) : NG_MILTER_CONTINUE;
		ctx->in_eom = false;
	}
	reply(ctx, r == NG_MILTER_SKIP ? NG_MILTER_CONTINUE : r, 0);
	clear_message_macros(ctx);
	return NG_MILTER_MORE;
}

/* One packet: cmd and its data. */
static enum ng_milter_input run(struct ng_milter_ctx *ctx, int cmd, const unsigned char *data,
                                size_t len)
{
	const struct ng_milter_desc *d = ctx->d;
	struct cur c = {.p = data, .len = len};
	enum ng_milter_stat r = NG_MILTER_CONTINUE;
	unsigned long nr = 0;
	if (cmd == 'O')
		return negotiate(ctx, &c);
	if (!ctx->negotiated)
		return fail(ctx, "command before option negotiation", cmd);
	switch (cmd) {
	case 'D':
		if (!set_macros(ctx, &c))
			return fail(ctx, "bad macro packet", cmd);
		return NG_MILTER_MORE;
	case 'C':
		if (!connect_step(ctx, &c, &r))
			return fail(ctx, "bad connect packet", cmd);
		nr = NG_MILTER_P_NR_CONN;
		break;
	case 'H': {
		const char *helo = take_str(&c);
		if (c.bad)
			return fail(ctx, "bad HELO packet", cmd);
		if (d->helo != NULL)
			r = d->helo(ctx, helo);
		nr = NG_MILTER_P_NR_HELO;
		break;
	}
	case 'M':
		if (!args_of(ctx, &c))
			return fail(ctx, "bad MAIL packet", cmd);
		if (d->envfrom != NULL)
			r = d->envfrom(ctx, ctx->argv);
		nr = NG_MILTER_P_NR_MAIL;
		break;
	case 'R':
		if (!args_of(ctx, &c))
			return fail(ctx, "bad RCPT packet", cmd);
		if (d->envrcpt != NULL)
			r = d->envrcpt(ctx, ctx->argv);
		nr = NG_MILTER_P_NR_RCPT;
		break;
	case 'T':
		if (d->data != NULL)
			r = d->data(ctx);
		nr = NG_MILTER_P_NR_DATA;
		break;
	case 'U': {
		const char *what = take_str(&c);
		if (c.bad)
			return fail(ctx, "bad unknown-command packet", cmd);
		if (d->unknown != NULL)
			r = d->unknown(ctx, what);
		nr = NG_MILTER_P_NR_UNKN;
		break;
	}
	case 'L': {
		const char *name = take_str(&c);
		const char *value = take_str(&c);
		if (c.bad)
			return fail(ctx, "bad header packet", cmd);
		if (d->header != NULL)
			r = d->header(ctx, name, value);
		nr = NG_MILTER_P_NR_HDR;
		break;
	}
	case 'N':
		if (d->eoh != NULL)
			r = d->eoh(ctx);
		nr = NG_MILTER_P_NR_EOH;
		break;
	case 'B':
		if (d->body != NULL)
			r = d->body(ctx, data, len);
		nr = NG_MILTER_P_NR_BODY;
		break;
	case 'E':
		return end_of_message(ctx, &c);
	case 'A':
		if (d->abort != NULL)
			d->abort(ctx);
		ctx->reply[0] = '\0';
		clear_message_macros(ctx);
		return NG_MILTER_MORE;
	case 'K': /* quit, a new session follows on this connection */
		close_session(ctx);
		ctx->negotiated = false;
		ctx->priv = NULL;
		for (int s = 0; s < NG_MILTER_NSTAGES; s++)
			ctx->mac_len[s] = 0;
		return NG_MILTER_MORE;
	case 'Q':
		close_session(ctx);
		return NG_MILTER_CLOSE;
	default:
		return fail(ctx, "unknown command", cmd);
	}
	reply(ctx, r, nr);
	return NG_MILTER_MORE;
}

/* ----- the session ----- */

struct ng_milter_ctx *ng_milter_new(const struct ng_milter_desc *d, void *app)
{
	struct ng_milter_ctx *ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return NULL;
	ctx->d = d;
	ctx->app = app;
	return ctx;
}

void ng_milter_end(struct ng_milter_ctx *ctx)
{
	close_session(ctx);
}

void ng_milter_reset(struct ng_milter_ctx *ctx)
{
	close_session(ctx);
	ctx->negotiated = ctx->closed = ctx->in_eom = false;
	ctx->actions = ctx->proto = 0;
	ctx->priv = NULL;
	ctx->in_off = ctx->in_len = 0;
	ctx->out_off = ctx->out_len = 0;
	ctx->out_failed = false;
	ctx->reply[0] = ctx->err[0] = '\0';
	for (int s = 0; s < NG_MILTER_NSTAGES; s++) {
		ctx->mac_len[s] = 0;
		free(ctx->symlist[s]);
		ctx->symlist[s] = NULL;
	}
	/* a buffer grown for one huge packet is not kept */
	if (ctx->in_cap > 4 * IN_MIN) {
		free(ctx->in);
		ctx->in = NULL;
		ctx->in_cap = 0;
	}
}

void ng_milter_free(struct ng_milter_ctx *ctx)
{
	if (ctx == NULL)
		return;
	close_session(ctx);
	for (int s = 0; s < NG_MILTER_NSTAGES; s++) {
		free(ctx->mac[s]);
		free(ctx->symlist[s]);
	}
	free(ctx->in);
	free(ctx->out);
	free(ctx);
}

unsigned char *ng_milter_space(struct ng_milter_ctx *ctx, size_t *len)
{
	/* move a partial packet to the front */
	if (ctx->in_off > 0) {
		size_t held = ctx->in_len - ctx->in_off;
		if (held > 0)
			memmove(ctx->in, ctx->in + ctx->in_off, held);
		ctx->in_off = 0;
		ctx->in_len = held;
	}
	size_t need = IN_MIN;
	if (ctx->in_len >= 4) {
		const unsigned char *p = ctx->in;
		size_t plen = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
		if (plen <= NG_MILTER_PACKET_MAX && 4 + plen > need)
			need = 4 + plen;
	}
	if (ctx->in_cap < need) {
		unsigned char *p = realloc(ctx->in, need);
		if (p == NULL)
			return NULL;
		ctx->in = p;
		ctx->in_cap = need;
	}
	*len = ctx->in_cap - ctx->in_len;
	return ctx->in + ctx->in_len;
}

enum ng_milter_input ng_milter_input(struct ng_milter_ctx *ctx, size_t n)
{
	ctx->in_len += n;
	while (ctx->in_len - ctx->in_off >= 4) {
		const unsigned char *p = ctx->in + ctx->in_off;
		size_t plen = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
		if (plen == 0 || plen > NG_MILTER_PACKET_MAX)
			return fail(ctx, plen == 0 ? "empty packet" : "packet too large", -1);
		if (ctx->in_len - ctx->in_off < 4 + plen)
			break;
		ctx->in_off += 4 + plen;
		enum ng_milter_input r = run(ctx, p[4], p + 5, plen - 1);
		if (ctx->out_failed)
			return fail(ctx, "out of memory for replies", p[4]);
		if (r != NG_MILTER_MORE)
			return r;
	}
	if (ctx->in_off == ctx->in_len)
		ctx->in_off = ctx->in_len = 0;
	return NG_MILTER_MORE;
}

enum ng_milter_input ng_milter_feed(struct ng_milter_ctx *ctx, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len > 0) {
		size_t room;
		unsigned char *dst = ng_milter_space(ctx, &room);
		if (dst == NULL)
			return fail(ctx, "out of memory for input", -1);
		size_t n = len < room ? len : room;
		memcpy(dst, p, n);
		p += n;
		len -= n;
		if (ng_milter_input(ctx, n) != NG_MILTER_MORE)
			return NG_MILTER_CLOSE;
	}
	return NG_MILTER_MORE;
}

const unsigned char *ng_milter_output(const struct ng_milter_ctx *ctx, size_t *len)
{
	*len = ctx->out_len - ctx->out_off;
	return ctx->out + ctx->out_off;
}

void ng_milter_consumed(struct ng_milter_ctx *ctx, size_t n)
{
	ctx->out_off += n;
	if (ctx->out_off >= ctx->out_len)
		ctx->out_off = ctx->out_len = 0;
}

const char *ng_milter_error(const struct ng_milter_ctx *ctx)
{
	return ctx->err;
}

/* ----- for callbacks ----- */

void *ng_milter_app(const struct ng_milter_ctx *ctx)
{
	return ctx->app;
}

void ng_milter_setpriv(struct ng_milter_ctx *ctx, void *priv)
{
	ctx->priv = priv;
}

void *ng_milter_getpriv(const struct ng_milter_ctx *ctx)
{
	return ctx->priv;
}

int ng_milter_setreply(struct ng_milter_ctx *ctx, const char *rcode, const char *xcode,
                       const char *text)
{
	if (rcode == NULL || strlen(rcode) != 3 || (rcode[0] != '4' && rcode[0] != '5') ||
	    rcode[1] < '0' || rcode[1] > '9' || rcode[2] < '0' || rcode[2] > '9')
		return -1;
	if ((xcode != NULL && strpbrk(xcode, "\r\n") != NULL) ||
	    (text != NULL && strpbrk(text, "\r\n") != NULL))
		return -1;
	int n = snprintf(ctx->reply, sizeof(ctx->reply), "%s%s%s%s%s", rcode,
	                 xcode != NULL || text != NULL ? " " : "", xcode != NULL ? xcode : "",
	                 xcode != NULL && text != NULL ? " " : "", text != NULL ? text : "");
	if (n < 0 || (size_t)n >= sizeof(ctx->reply)) {
		ctx->reply[0] = '\0';
		return -1;
	}
	return 0;
}

int ng_milter_setsymlist(struct ng_milter_ctx *ctx, enum ng_milter_stage stage, const char *macros)
{
	if ((unsigned)stage >= NG_MILTER_NSTAGES || macros == NULL)
		return -1;
	free(ctx->symlist[stage]);
	ctx->symlist[stage] = strdup(macros);
	return ctx->symlist[stage] != NULL ? 0 : -1;
}

/* A change at end of message: allowed only there and when negotiated. */
static int change(struct ng_milter_ctx *ctx, unsigned long action, int cmd, const char *a,
                  const char *b)
{
	if (!ctx->in_eom || !(ctx->actions & action) || a == NULL)
		return -1;
	size_t al = strlen(a) + 1, bl = b != NULL ? strlen(b) + 1 : 0;
	size_t before = ctx->out_len;
	put_packet(ctx, cmd, a, al, b, bl);
	return ctx->out_len != before ? 0 : -1;
}

int ng_milter_addheader(struct ng_milter_ctx *ctx, const char *name, const char *value)
{
	if (value == NULL)
		return -1;
	return change(ctx, NG_MILTER_A_ADDHDRS, 'h', name, value);
}

int ng_milter_chgfrom(struct ng_milter_ctx *ctx, const char *from, const char *args)
{
	return change(ctx, NG_MILTER_A_CHGFROM, 'e', from, args);
}

int ng_milter_addrcpt(struct ng_milter_ctx *ctx, const char *rcpt)
{
	return change(ctx, NG_MILTER_A_ADDRCPT, '+', rcpt, NULL);
}

int ng_milter_delrcpt(struct ng_milter_ctx *ctx, const char *rcpt)
{
	return change(ctx, NG_MILTER_A_DELRCPT, '-', rcpt, NULL);
}

int ng_milter_quarantine(struct ng_milter_ctx *ctx, const char *reason)
{
	return change(ctx, NG_MILTER_A_QUARANTINE, 'q', reason, NULL);
}
