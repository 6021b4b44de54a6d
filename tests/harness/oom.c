/*
 * oom.c - allocation-failure injection (STYLE.md habit 14): fail the Nth
 * allocation, for every N, and require a clean NULL, no crash and no leak.
 *
 * The library's calls to malloc, calloc and realloc are redirected with the
 * linker's --wrap to counters here (tests/CMakeLists.txt); libc's own
 * allocations (iconv) are untouched.  For N = 1, 2, ... the Nth library
 * allocation fails; ng_classifier_new(), ng_mime_new() and the ng_buf
 * functions must either succeed fully or return NULL / set `failed`,
 * and LeakSanitizer checks at exit that nothing allocated before the failure
 * was lost.  The loop ends at the first N that is never reached.
 *
 * Exit: 0 every N passed; 1 a check failed (a crash is a crash).
 */
#include <ndrguard/classify.h>
#include <ndrguard/mime.h>

#include "util/buf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t s);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t s);
void *__wrap_realloc(void *p, size_t n);

static unsigned long calls;
static unsigned long fail_at; /* 0: never */
static bool failed_once;

static bool fail_now(void)
{
	if (fail_at != 0 && ++calls == fail_at) {
		failed_once = true;
		return true;
	}
	return false;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t s)
{
	return fail_now() ? NULL : __real_calloc(n, s);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

static void arm(unsigned long n)
{
	calls = 0;
	fail_at = n;
	failed_once = false;
}

static const char msg[] =
    "From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered Mail Returned to Sender\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
    "--B\n\n<bob@example.org>: 550 5.1.1 User unknown\n"
    "--B\nContent-Type: message/delivery-status\n\n"
    "Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; bob@example.org\n"
    "Action: failed\nStatus: 5.1.1\n--B--\n";

static int classifier_rounds(void)
{
	int bad = 0;
	unsigned long n;
	for (n = 1;; n++) {
		arm(n);
		ng_classifier *c = ng_classifier_new();
		bool hit = failed_once;
		if (c != NULL) {
			if (hit) {
				/* an allocation failed and was absorbed: still usable? */
				fprintf(stderr, "oom: classifier %lu: failure ignored\n", n);
			}
			fail_at = 0;
			const ng_verdict *v = ng_classify_buffer(c, msg, sizeof(msg) - 1, NULL);
			if (v->cls != NG_CLASS_NDR) {
				printf("oom: classifier with allocation %lu failed: class %s\n", n,
				       ng_class_name(v->cls));
				bad = 1;
			}
			ng_classifier_free(c);
		} else if (!hit) {
			printf("oom: ng_classifier_new returned NULL with no failed allocation\n");
			bad = 1;
		}
		if (!hit)
			break;
	}
	printf("oom: ng_classifier_new survived failure of each of its %lu allocations\n", n - 1);
	return bad;
}

static int mime_rounds(void)
{
	int bad = 0;
	unsigned long n;
	ng_mime_cb cb = {0};
	for (n = 1;; n++) {
		arm(n);
		ng_mime *p = ng_mime_new(&cb, NULL);
		bool hit = failed_once;
		fail_at = 0;
		if (p != NULL) {
			ng_mime_feed(p, msg, sizeof(msg) - 1);
			ng_mime_finish(p);
			ng_mime_free(p);
		} else if (!hit) {
			printf("oom: ng_mime_new returned NULL with no failed allocation\n");
			bad = 1;
		}
		if (!hit)
			break;
	}
	printf("oom: ng_mime_new survived failure of each of its %lu allocations\n", n - 1);
	return bad;
}

static int buf_rounds(void)
{
	int bad = 0;
	for (unsigned long n = 1; n <= 8; n++) {
		arm(n);
		ng_buf b;
		ng_buf_init(&b, 1 << 20);
		for (int i = 0; i < 200; i++)
			ng_buf_puts(&b, "0123456789abcdef0123456789abcdef");
		fail_at = 0;
		if (failed_once && !b.failed) {
			printf("oom: ng_buf: allocation %lu failed but `failed` is not set\n", n);
			bad = 1;
		}
		if (b.data != NULL && strlen(b.data) != b.len) {
			printf("oom: ng_buf: after failure %lu len %zu but string %zu\n", n, b.len,
			       strlen(b.data));
			bad = 1;
		}
		ng_buf_free(&b);
	}
	return bad;
}

int main(void)
{
	int bad = classifier_rounds();
	bad |= mime_rounds();
	bad |= buf_rounds();
	return bad;
}
