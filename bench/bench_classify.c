/*
 * bench_classify.c - throughput of the classifier library alone.
 *
 * usage: bench_classify PASSES FILE...
 *
 * Reads every file into memory once, then classifies all of them PASSES
 * times with one classifier and prints the messages and the CPU seconds
 * (user+sys, getrusage) of the classifying part only.  `ndrguard classify
 * --repeat` measures the same work plus reading the files on every pass;
 * the difference is what the file system costs.
 */
#include <ndrguard/classify.h>

#include "../tests/harness/files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

struct msg {
	char *data;
	size_t len;
};

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_classify PASSES FILE...\n");
		return 2;
	}
	char *end;
	unsigned long passes = strtoul(argv[1], &end, 10);
	if (*end != '\0' || passes == 0) {
		fprintf(stderr, "bench_classify: bad PASSES '%s'\n", argv[1]);
		return 2;
	}
	size_t nfiles = (size_t)argc - 2;
	struct msg *msgs = calloc(nfiles, sizeof(*msgs));
	ng_classifier *cl = ng_classifier_new();
	if (msgs == NULL || cl == NULL) {
		fprintf(stderr, "bench_classify: out of memory\n");
		return 3;
	}
	for (size_t i = 0; i < nfiles; i++) {
		msgs[i].data = ng_test_slurp(argv[i + 2], &msgs[i].len);
		if (msgs[i].data == NULL) {
			fprintf(stderr, "bench_classify: %s: %s\n", argv[i + 2], strerror(errno));
			return 3;
		}
	}
	unsigned long bounces = 0;
	double t0 = cpu_seconds();
	for (unsigned long p = 0; p < passes; p++)
		for (size_t i = 0; i < nfiles; i++)
			bounces += ng_class_is_bounce(
			    ng_classify_buffer(cl, msgs[i].data, msgs[i].len, NULL)->cls);
	double t = cpu_seconds() - t0;
	printf("messages %lu cpu-s %.4f msg/cpu-s %.0f (bounce-like %lu)\n",
	       (unsigned long)nfiles * passes, t, t > 0 ? (double)nfiles * (double)passes / t : 0.0,
	       bounces / passes);
	for (size_t i = 0; i < nfiles; i++)
		free(msgs[i].data);
	free(msgs);
	ng_classifier_free(cl);
	return 0;
}
