/*
 * fuzz_milter_proto.c - libFuzzer target for the milter protocol session
 * (include/ndrguard/milter.h): what a hostile or broken MTA can send to
 * `ndrguard milter` on one connection.
 *
 * The first input byte picks the chunk size of the second pass (1..16) and
 * what the filter negotiates (no-reply steps or not, every action or
 * none); the rest is the MTA's byte stream.  The filter's callbacks use
 * the whole callback API: macro lookups in both name forms, reply texts
 * taken from the input (valid or not), every message change at end of
 * message, and return codes that rotate through every status.
 *
 * Oracles beyond the sanitizers:
 *   - nothing depends on how the bytes are cut: a digest of every callback
 *     with its arguments and of every reply byte, from one feed, equals the
 *     digest from small feeds, and so do the end state and error text;
 *   - the replies are well-formed packets: a length of at least 1, a known
 *     reply command, an 'O' only in answer to a negotiation, a 'y' text
 *     that starts with 4 or 5 and ends in its NUL, and change packets
 *     (h e + - q) only when their action was negotiated;
 *   - close runs at most once per negotiation.
 *
 * Built as a libFuzzer target with NG_FUZZ, and linked with replay.c as an
 * ordinary program that replays tests/fuzz/seeds-milter_proto under CTest.
 */
#include <ndrguard/milter.h>

#include "util/limits.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct st {
	uint64_t h, ho; /* callbacks, replies */
	unsigned long want_a, want_p;
	unsigned turn;
	unsigned negs, closes;
};

static void mix(uint64_t *h, const void *d, size_t n)
{
	const unsigned char *s = d;
	for (size_t i = 0; i < n; i++) {
		*h ^= s[i];
		*h *= 0x100000001b3ULL;
	}
}

static void mix_str(uint64_t *h, const char *s)
{
	if (s == NULL)
		mix(h, "\xff", 1);
	else
		mix(h, s, strlen(s) + 1);
}

static struct st *S(struct ng_milter_ctx *ctx)
{
	return ng_milter_app(ctx);
}

static enum ng_milter_stat next(struct ng_milter_ctx *ctx, const char *what)
{
	static const enum ng_milter_stat all[] = {
	    NG_MILTER_CONTINUE, NG_MILTER_NOREPLY,  NG_MILTER_CONTINUE, NG_MILTER_REJECT,
	    NG_MILTER_CONTINUE, NG_MILTER_TEMPFAIL, NG_MILTER_SKIP,     NG_MILTER_CONTINUE,
	    NG_MILTER_ACCEPT,   NG_MILTER_DISCARD,  NG_MILTER_NOREPLY,
	};
	struct st *s = S(ctx);
	mix_str(&s->h, what);
	mix_str(&s->h, ng_milter_getsymval(ctx, "i"));
	mix_str(&s->h, ng_milter_getsymval(ctx, "{auth_authen}"));
	return all[s->turn++ % (sizeof(all) / sizeof(all[0]))];
}

static enum ng_milter_stat f_negotiate(struct ng_milter_ctx *ctx, unsigned long a, unsigned long p,
                                       unsigned long *wa, unsigned long *wp)
{
	struct st *s = S(ctx);
	s->negs++;
	*wa = s->want_a & a;
	*wp = s->want_p & p;
	if (*wa & NG_MILTER_A_SETSYMLIST)
		(void)ng_milter_setsymlist(ctx, NG_MILTER_STAGE_MAIL, "i {auth_authen}");
	return NG_MILTER_CONTINUE;
}

static enum ng_milter_stat f_connect(struct ng_milter_ctx *ctx, const char *host,
                                     const struct sockaddr *sa)
{
	mix_str(&S(ctx)->h, host);
	mix(&S(ctx)->h, sa != NULL ? "a" : "-", 1);
	return next(ctx, "connect");
}

static enum ng_milter_stat f_helo(struct ng_milter_ctx *ctx, const char *name)
{
	mix_str(&S(ctx)->h, name);
	return next(ctx, "helo");
}

static enum ng_milter_stat f_envfrom(struct ng_milter_ctx *ctx, char **argv)
{
	for (size_t i = 0; argv[i] != NULL; i++)
		mix_str(&S(ctx)->h, argv[i]);
	return next(ctx, "mail");
}

static enum ng_milter_stat f_envrcpt(struct ng_milter_ctx *ctx, char **argv)
{
	for (size_t i = 0; argv[i] != NULL; i++)
		mix_str(&S(ctx)->h, argv[i]);
	/* a reply text straight from the input: may be refused */
	int rc = ng_milter_setreply(ctx, argv[0], argv[1], argv[1] != NULL ? argv[2] : NULL);
	mix(&S(ctx)->h, &rc, sizeof(rc));
	return next(ctx, "rcpt");
}

static enum ng_milter_stat f_data(struct ng_milter_ctx *ctx)
{
	return next(ctx, "data");
}

static enum ng_milter_stat f_unknown(struct ng_milter_ctx *ctx, const char *cmd)
{
	mix_str(&S(ctx)->h, cmd);
	return next(ctx, "unknown");
}

static enum ng_milter_stat f_header(struct ng_milter_ctx *ctx, const char *n, const char *v)
{
	mix_str(&S(ctx)->h, n);
	mix_str(&S(ctx)->h, v);
	return next(ctx, "header");
}

static enum ng_milter_stat f_eoh(struct ng_milter_ctx *ctx)
{
	return next(ctx, "eoh");
}

static enum ng_milter_stat f_body(struct ng_milter_ctx *ctx, const unsigned char *p, size_t n)
{
	mix(&S(ctx)->h, p, n);
	return next(ctx, "body");
}

static enum ng_milter_stat f_eom(struct ng_milter_ctx *ctx)
{
	struct st *s = S(ctx);
	int rc[6];
	rc[0] = ng_milter_addheader(ctx, "X-Fuzz", "yes");
	rc[1] = ng_milter_chgfrom(ctx, "<a@b>", s->turn & 1 ? "SIZE=1" : NULL);
	rc[2] = ng_milter_addrcpt(ctx, "<c@d>");
	rc[3] = ng_milter_delrcpt(ctx, "<e@f>");
	rc[4] = ng_milter_quarantine(ctx, "fuzz");
	rc[5] = ng_milter_setreply(ctx, s->turn & 2 ? "451" : "550", NULL, "no");
	mix(&s->h, rc, sizeof(rc));
	return next(ctx, "eom");
}

static void f_abort(struct ng_milter_ctx *ctx)
{
	(void)next(ctx, "abort");
}

static void f_close(struct ng_milter_ctx *ctx)
{
	S(ctx)->closes++;
	(void)next(ctx, "close");
}

static const struct ng_milter_desc filter = {
    .name = "fuzz",
    .negotiate = f_negotiate,
    .connect = f_connect,
    .helo = f_helo,
    .envfrom = f_envfrom,
    .envrcpt = f_envrcpt,
    .data = f_data,
    .unknown = f_unknown,
    .header = f_header,
    .eoh = f_eoh,
    .body = f_body,
    .eom = f_eom,
    .abort = f_abort,
    .close = f_close,
};

/* Check the replies' framing and fold them into the digest. */
static void check_output(struct st *s, const unsigned char *p, size_t len)
{
	size_t at = 0;
	while (at < len) {
		if (len - at < 5)
			abort();
		size_t n = (size_t)p[at] << 24 | (size_t)p[at + 1] << 16 | (size_t)p[at + 2] << 8 |
		           p[at + 3];
		if (n < 1 || n > len - at - 4)
			abort();
		unsigned char cmd = p[at + 4];
		const unsigned char *d = p + at + 5;
		size_t dl = n - 1;
		unsigned long need = 0;
		switch (cmd) {
		case 'O':
			if (dl < 12)
				abort();
			break;
		case 'c':
		case 'r':
		case 't':
		case 'a':
		case 'd':
		case 's':
			if (dl != 0)
				abort();
			break;
		case 'y':
			if (dl < 4 || (d[0] != '4' && d[0] != '5') || d[dl - 1] != '\0' ||
			    memchr(d, '\0', dl) != d + dl - 1)
				abort();
			break;
		case 'h':
			need = NG_MILTER_A_ADDHDRS;
			break;
		case 'e':
			need = NG_MILTER_A_CHGFROM;
			break;
		case '+':
			need = NG_MILTER_A_ADDRCPT;
			break;
		case '-':
			need = NG_MILTER_A_DELRCPT;
			break;
		case 'q':
			need = NG_MILTER_A_QUARANTINE;
			break;
		default:
			abort();
		}
		if (need != 0 && !(s->want_a & need))
			abort();
		at += 4 + n;
	}
	mix(&s->ho, p, len);
}

static uint64_t run(const uint8_t *data, size_t size, size_t chunk, unsigned long a,
                    unsigned long p, char *err, size_t errlen, int *closed)
{
	struct st s = {
	    .h = 0xcbf29ce484222325ULL, .ho = 0xcbf29ce484222325ULL, .want_a = a, .want_p = p};
	struct ng_milter_ctx *ctx = ng_milter_new(&filter, &s);
	if (ctx == NULL)
		return 0;
	*closed = 0;
	size_t at = 0;
	while (at < size) {
		size_t n = chunk == 0 || chunk > size - at ? size - at : chunk;
		enum ng_milter_input r = ng_milter_feed(ctx, data + at, n);
		at += n;
		size_t ol;
		const unsigned char *o = ng_milter_output(ctx, &ol);
		check_output(&s, o, ol);
		ng_milter_consumed(ctx, ol);
		if (r == NG_MILTER_CLOSE) {
			*closed = 1;
			break;
		}
	}
	snprintf(err, errlen, "%s", ng_milter_error(ctx));
	ng_milter_end(ctx);
	ng_milter_free(ctx);
	if (s.closes > s.negs)
		abort();
	mix(&s.h, closed, sizeof(*closed));
	return s.h ^ (s.ho * 31);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned mode = data[0];
	data++;
	size--;
	size_t chunk = (mode & 15) + 1;
	unsigned long p = NG_MILTER_P_SKIP | NG_MILTER_P_HDR_LEADSPC;
	if (mode & 16)
		p |= NG_MILTER_P_NR_CONN | NG_MILTER_P_NR_HELO | NG_MILTER_P_NR_MAIL |
		     NG_MILTER_P_NR_RCPT | NG_MILTER_P_NR_DATA | NG_MILTER_P_NR_UNKN |
		     NG_MILTER_P_NR_HDR | NG_MILTER_P_NR_EOH | NG_MILTER_P_NR_BODY;
	unsigned long a = (mode & 32) ? 0x1ffUL : 0;
	char e1[200], e2[200];
	int c1, c2;
	uint64_t h1 = run(data, size, 0, a, p, e1, sizeof(e1), &c1);
	uint64_t h2 = run(data, size, chunk, a, p, e2, sizeof(e2), &c2);
	if (h1 != h2 || c1 != c2 || strcmp(e1, e2) != 0)
		abort();
	return 0;
}
