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

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NSEEDS 8

static uint64_t rng;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16, n = 0, r;
	char *buf = malloc(cap);
	while (buf != NULL && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
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
	char *msg = slurp(path, &len);
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

static int skip_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	ng_classifier *c = ng_classifier_new();
	if (c == NULL) {
		fprintf(stderr, "chunks: out of memory\n");
		return 2;
	}
	ng_buf want, got;
	ng_buf_init(&want, 1 << 20);
	ng_buf_init(&got, 1 << 20);
	int rc = 0;
	unsigned files = 0;

	for (int i = 1; i < argc; i++) {
		struct dirent **list;
		int n = scandir(argv[i], &list, skip_dot, alphasort);
		if (n < 0) {
			fprintf(stderr, "chunks: %s: %s\n", argv[i], strerror(errno));
			rc = 2;
			continue;
		}
		for (int k = 0; k < n; k++) {
			char path[4096];
			struct stat st;
			size_t nl = strlen(list[k]->d_name);
			snprintf(path, sizeof(path), "%s/%s", argv[i], list[k]->d_name);
			if (nl > 4 && strcmp(list[k]->d_name + nl - 4, ".eml") == 0 &&
			    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				int r = check_file(c, path, &want, &got);
				if (r > rc)
					rc = r;
				files++;
			}
			free(list[k]);
		}
		free(list);
	}
	printf("chunks: %u messages, each whole, byte by byte and with %d random cuttings: %s\n",
	       files, NSEEDS, rc == 0 ? "identical" : "DIFFERENCES");
	ng_buf_free(&want);
	ng_buf_free(&got);
	ng_classifier_free(c);
	return files == 0 ? 2 : rc;
}
