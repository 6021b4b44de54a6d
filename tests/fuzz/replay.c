/*
 * replay.c - run a fuzz target's LLVMFuzzerTestOneInput over files, without
 * libFuzzer: each argument is a file or a directory (its regular files, in
 * name order, not recursive).  Linked with fuzz_*.c into the replay_*
 * programs that CTest runs under ASan+UBSan, so that every seed and every
 * past crash input stays a regression test.
 *
 * Exit: 0 all inputs ran; 1 an argument or file could not be read.  A crash
 * in the target is a crash of this program.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long files;

/* One input: 0, or 1 when it cannot be read. */
static int run_file(const char *path, void *ctx)
{
	(void)ctx;
	size_t len;
	char *data = ng_test_slurp(path, &len);
	if (data == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	files++;
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		int r = ng_test_each_file(argv[i], NULL, run_file, NULL);
		if (r < 0)
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
		bad |= r != 0;
	}
	printf("replay: %lu inputs\n", files);
	return bad;
}
