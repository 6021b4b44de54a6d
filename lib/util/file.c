/*
 * file.c - a whole file into memory (file.h).
 */
#include "util/file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *ng_file_read(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *text = NULL;
	size_t size = 0, cap = 0;
	bool ok = false;
	for (;;) {
		/* room for a byte past max (to see a longer file) and the NUL:
		 * size <= max here, so cap never has to pass max + 2 */
		if (cap - size < 2) {
			size_t ncap = cap != 0 ? cap * 2 : 8192;
			if (ncap > max + 2)
				ncap = max + 2;
			char *n = realloc(text, ncap);
			if (n == NULL) {
				snprintf(err, errlen, "%s: out of memory", path);
				break;
			}
			text = n;
			cap = ncap;
		}
		size_t got = fread(text + size, 1, cap - size - 1, f);
		size += got;
		if (size > max) {
			snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
			break;
		}
		if (got == 0) {
			if (ferror(f))
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
			else
				ok = true;
			break;
		}
	}
	fclose(f);
	if (!ok) {
		free(text);
		return NULL;
	}
	text[size] = '\0';
	*len = size;
	return text;
}
