/*
 * files.h - reading test inputs: shared by the replay programs, the
 * chunking and GMime harnesses and the library benchmark.
 */
#ifndef NG_TEST_FILES_H
#define NG_TEST_FILES_H

#include <stddef.h>

/* The whole file in a malloc'd buffer of exactly its size (one byte for an
 * empty file), so that ASan sees a read past the end of the input; the
 * caller frees it.  NULL with errno set when it cannot be read. */
char *ng_test_slurp(const char *path, size_t *len);

/* Call fn for every regular file directly in dir whose name ends in suffix
 * (NULL: every name), dot files excepted, in name order; a path that is a
 * regular file itself is passed on as it is.  Returns the sum of fn's return
 * values, or -1 when path cannot be read. */
int ng_test_each_file(const char *path, const char *suffix, int (*fn)(const char *file, void *ctx),
                      void *ctx);

#endif
