/*
 * fuzz_classify.c - libFuzzer target for the classifier (lib/classify over
 * lib/mime): one message in, a verdict and its JSON out.
 *
 * Oracles beyond the sanitizers: the JSON must be the same whether the
 * message is fed whole or in chunks (size from the first byte), it must be
 * NUL-free and start with '{' and end with '}', and the verdict's counters
 * must stay within their arrays.
 */
#include <ndrguard/classify.h>

#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ng_classifier *cl;
static ng_buf j1, j2;

static void check(const ng_verdict *v, ng_buf *out)
{
	if (v->nrcpt > NG_CL_RCPTS_MAX || v->nev > NG_CL_EVIDENCE_MAX ||
	    v->original.nreceived > NG_CL_RECEIVED_MAX || v->original.ndkim > NG_CL_DKIM_MAX)
		abort();
	if (v->confidence < 0.0 || v->confidence > 1.0)
		abort();
	ng_buf_reset(out);
	ng_verdict_json(v, "fuzz", out);
	if (out->failed || out->data == NULL || out->len < 2 || out->data[0] != '{' ||
	    out->data[out->len - 1] != '}' || memchr(out->data, '\0', out->len) != NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (cl == NULL) {
		cl = ng_classifier_new();
		if (cl == NULL)
			abort();
		ng_buf_init(&j1, 1 << 20);
		ng_buf_init(&j2, 1 << 20);
	}
	size_t chunk = size > 0 ? 1 + data[0] % 17 : 1;
	ng_envelope env = {size > 0 && (data[0] & 0x80) ? "" : NULL};

	check(ng_classify_buffer(cl, data, size, &env), &j1);

	ng_classify_begin(cl, &env);
	for (size_t i = 0; i < size; i += chunk)
		ng_classify_feed(cl, data + i, size - i < chunk ? size - i : chunk);
	check(ng_classify_end(cl), &j2);

	if (j1.len != j2.len || memcmp(j1.data, j2.data, j1.len) != 0) {
		fprintf(stderr, "fuzz_classify: JSON differs with %zu-byte feeds:\n%s\n%s\n", chunk,
		        j1.data, j2.data);
		abort();
	}
	return 0;
}
