/*
 * chunks.c - chunk invariance of the classifier: the verdict must not depend
 * on how a message is cut into ng_classify_feed() calls (classify.h and
 * mime.h promise it; the milter feeds body chunks of whatever size the MTA
 * sends).
 *
 * For every message file in the directories given as arguments: classify it
 * whole, then one byte at a time, then in random-size chunks (1 byte to
 * 16 KiB, log-uniform, xorshift generator with fixed seeds 1..NSEEDS so a
 * failure reproduces), and require byte-identical JSON (ng_verdict_json).
 * The first difference is printed with the seed and the cut points.
 *
 * Exit: 0 all identical, 1 a difference, 2 an input could not be read.
 */
#include <ndrguard/classify.h>

#include "util/buf.h"

#include "files.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSEEDS 8

static uint64_t rng;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Classify msg cut by `cut` (0: whole; 1: bytes; else: random with seed). */
static void classify(ng_classifier *c, const char *msg, size_t len, int mode, uint64_t seed,
                     ng_buf *out)
{
	ng_classify_begin(c, NULL);
	if (mode == 0) {
		ng_classify_feed(c, msg, len);
	} else if (mode == 1) {
		for (size_t i = 0; i < len; i++)
			ng_classify_feed(c, msg + i, 1);
	} else {
		rng = seed * 0x9e3779b97f4a7c15ULL + 1;
		for (size_t i = 0; i < len;) {
			size_t n = 1 + (size_t)(next_rand() % (1u << (next_rand() % 15)));
			if (n > len - i)
				n = len - i;
			ng_classify_feed(c, msg + i, n);
			i += n;
		}
	}
	ng_buf_reset(out);
	ng_verdict_json(ng_classify_end(c), "chunks", out);
}

static int check_file(ng_classifier *c, const char *path, ng_buf *want, ng_buf *got)
{
	size_t len;
	char *msg = ng_test_slurp(path, &len);
	if (msg == NULL) {
		fprintf(stderr, "chunks: %s: %s\n", path, strerror(errno));
		return 2;
	}
	classify(c, msg, len, 0, 0, want);
	int rc = 0;
	for (int run = 0; run <= NSEEDS && rc == 0; run++) {
		int mode = run == 0 ? 1 : 2;
		classify(c, msg, len, mode, (uint64_t)run, got);
		if (got->len != want->len || memcmp(got->data, want->data, got->len) != 0) {
			printf(
			    "chunks: %s: verdict differs when fed %s (seed %d)\n--- whole ---\n%s\n"
			    "--- chunked ---\n%s\n",
			    path, mode == 1 ? "one byte at a time" : "in random chunks", run,
			    want->data, got->data);
			rc = 1;
		}
	}
	free(msg);
	return rc;
}

struct run {
	ng_classifier *c;
	ng_buf want, got;
	int rc;
	unsigned files;
};

static int one_file(const char *path, void *ctx)
{
	struct run *r = ctx;
	int rc = check_file(r->c, path, &r->want, &r->got);
	if (rc > r->rc)
		r->rc = rc;
	r->files++;
	return 0;
}

int main(int argc, char **argv)
{
	struct run r = {.c = ng_classifier_new()};
	if (r.c == NULL) {
		fprintf(stderr, "chunks: out of memory\n");
		return 2;
	}
	ng_buf_init(&r.want, 1 << 20);
	ng_buf_init(&r.got, 1 << 20);
	for (int i = 1; i < argc; i++) {
		if (ng_test_each_file(argv[i], ".eml", one_file, &r) < 0) {
			fprintf(stderr, "chunks: %s: %s\n", argv[i], strerror(errno));
			r.rc = 2;
		}
	}
	printf("chunks: %u messages, each whole, byte by byte and with %d random cuttings: %s\n",
	       r.files, NSEEDS, r.rc == 0 ? "identical" : "DIFFERENCES");
	ng_buf_free(&r.want);
	ng_buf_free(&r.got);
	ng_classifier_free(r.c);
	return r.files == 0 ? 2 : r.rc;
}
