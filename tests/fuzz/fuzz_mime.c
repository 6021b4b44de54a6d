/*
 * fuzz_mime.c - libFuzzer target for the streaming MIME parser (lib/mime).
 *
 * The first input byte picks how the consumer treats bodies (SKIP, LINES or
 * RAW, or a per-part mix) and the chunk size used for the second pass; the
 * rest is the message.  Every header value also goes through
 * ng_mime_decode_words() and ng_mime_param().
 *
 * Oracle beyond the sanitizers: mime.h promises that the callbacks do not
 * depend on how the message is cut into feeds.  The message is parsed twice,
 * whole and in chunks, and a digest of every callback (with the part fields
 * it saw) must be equal; a difference aborts.
 *
 * Built as a libFuzzer target with NG_FUZZ, and linked with replay.c as an
 * ordinary program that replays the seed corpora under CTest.
 */
#include <ndrguard/mime.h>

#include "util/limits.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fctx {
	ng_mime *p;
	unsigned mode_sel;
	uint64_t h; /* FNV-1a digest of the callbacks */
	unsigned long long events;
};

static void mix(struct fctx *f, const void *d, size_t n)
{
	const unsigned char *s = d;
	for (size_t i = 0; i < n; i++) {
		f->h ^= s[i];
		f->h *= 0x100000001b3ULL;
	}
}

static void mix_u(struct fctx *f, unsigned long long v)
{
	mix(f, &v, sizeof(v));
}

static void mix_part(struct fctx *f, const ng_mime_part *pt)
{
	mix_u(f, pt->id);
	mix_u(f, pt->depth);
	mix_u(f, pt->msg_depth);
	mix_u(f, pt->index);
	mix_u(f, pt->parent_id);
	mix(f, pt->type, strnlen(pt->type, sizeof(pt->type)));
	mix(f, pt->charset, strnlen(pt->charset, sizeof(pt->charset)));
	mix(f, pt->filename, strnlen(pt->filename, sizeof(pt->filename)));
	mix_u(f, pt->enc);
	mix_u(f, pt->multipart);
	mix_u(f, pt->attachment);
}

static void on_header(void *ctx, const ng_mime_part *pt, const char *n, size_t nl, const char *v,
                      size_t vl)
{
	struct fctx *f = ctx;
	char out[1024];
	char small[8];

	f->events++;
	mix_u(f, 1);
	mix_part(f, pt);
	mix(f, n, nl);
	mix(f, v, vl);
	size_t o = ng_mime_decode_words(f->p, v, vl, out, sizeof(out));
	if (o >= sizeof(out) || out[o] != '\0')
		abort();
	mix(f, out, o);
	/* a tiny output buffer exercises the truncation paths */
	o = ng_mime_decode_words(f->p, v, vl, small, sizeof(small));
	if (o >= sizeof(small))
		abort();
	static const char *const names[] = {"charset",  "boundary",    "name",
	                                    "filename", "report-type", "x"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char pv[128];
		if (ng_mime_param(v, vl, names[i], pv, sizeof(pv))) {
			if (strnlen(pv, sizeof(pv)) >= sizeof(pv))
				abort();
			mix(f, pv, strlen(pv));
		}
		if (ng_mime_param(v, vl, names[i], small, 1) && small[0] != '\0')
			abort();
	}
}

static int on_body_begin(void *ctx, const ng_mime_part *pt)
{
	struct fctx *f = ctx;

	f->events++;
	mix_u(f, 2);
	mix_part(f, pt);
	switch (f->mode_sel % 4) {
	case 0:
		return NG_MIME_BODY_SKIP;
	case 1:
		return NG_MIME_BODY_LINES;
	case 2:
		return NG_MIME_BODY_RAW;
	default:
		return (int)(pt->id % 3); /* a mix, by part */
	}
}

static void on_body(void *ctx, const ng_mime_part *pt, const char *d, size_t len)
{
	struct fctx *f = ctx;

	f->events++;
	/* RAW chunk boundaries may legitimately differ between feeds; only the
	 * bytes count.  Lines are compared one by one. */
	if (f->mode_sel % 4 == 2 || (f->mode_sel % 4 == 3 && pt->id % 3 == 2)) {
		mix(f, d, len);
		return;
	}
	mix_u(f, 3);
	mix_u(f, pt->id);
	mix_u(f, len);
	mix(f, d, len);
}

static void on_part_end(void *ctx, const ng_mime_part *pt)
{
	struct fctx *f = ctx;

	f->events++;
	mix_u(f, 4);
	mix_part(f, pt);
	mix_u(f, pt->decoded);
}

static struct fctx g_ctx;

/* One parser for the process, created on first use (its ctx is g_ctx). */
static ng_mime *parser(void)
{
	static ng_mime *p;
	static const ng_mime_cb cb = {on_header, on_body_begin, on_body, on_part_end};
	if (p == NULL) {
		p = ng_mime_new(&cb, &g_ctx);
		if (p == NULL)
			abort();
	}
	return p;
}

static uint64_t run(const uint8_t *msg, size_t len, unsigned mode_sel, size_t chunk,
                    ng_mime_stats *st)
{
	struct fctx *f = &g_ctx;
	f->p = parser();
	f->mode_sel = mode_sel;
	f->h = 0xcbf29ce484222325ULL;
	f->events = 0;
	ng_mime_reset(f->p);
	if (chunk == 0) {
		ng_mime_feed(f->p, msg, len);
	} else {
		for (size_t i = 0; i < len; i += chunk)
			ng_mime_feed(f->p, msg + i, len - i < chunk ? len - i : chunk);
	}
	ng_mime_finish(f->p);
	*st = *ng_mime_stats_get(f->p);
	return f->h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned sel = size > 0 ? data[0] : 0;
	const uint8_t *msg = size > 0 ? data + 1 : data;
	size_t len = size > 0 ? size - 1 : 0;
	size_t chunk = 1 + (sel >> 2) % 13; /* 1..13 bytes */
	ng_mime_stats s1, s2;

	uint64_t whole = run(msg, len, sel, 0, &s1);
	uint64_t pieces = run(msg, len, sel, chunk, &s2);
	if (whole != pieces || s1.parts != s2.parts || s1.lines_split != s2.lines_split ||
	    s1.headers_cut != s2.headers_cut || s1.headers_dropped != s2.headers_dropped ||
	    s1.parts_dropped != s2.parts_dropped) {
		fprintf(stderr,
		        "fuzz_mime: callbacks differ between one feed and %zu-byte feeds "
		        "(mode %u): parts %u/%u lines_split %u/%u headers_cut %u/%u\n",
		        chunk, sel % 4, s1.parts, s2.parts, s1.lines_split, s2.lines_split,
		        s1.headers_cut, s2.headers_cut);
		abort();
	}
	if (s1.parts > NG_MIME_PARTS_MAX)
		abort();
	return 0;
}
