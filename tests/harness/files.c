/*
 * files.c - see files.h.
 */
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *ng_test_slurp(const char *path, size_t *len)
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
	int err = ferror(f);
	fclose(f);
	if (buf == NULL || err) {
		free(buf);
		errno = err ? EIO : ENOMEM;
		return NULL;
	}
	char *exact = realloc(buf, n > 0 ? n : 1);
	if (exact == NULL) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	*len = n;
	return exact;
}

static int not_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int has_suffix(const char *name, const char *suffix)
{
	if (suffix == NULL)
		return 1;
	size_t a = strlen(name), b = strlen(suffix);
	return a > b && strcmp(name + a - b, suffix) == 0;
}

int ng_test_each_file(const char *path, const char *suffix, int (*fn)(const char *file, void *ctx),
                      void *ctx)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return fn(path, ctx);
	struct dirent **list;
	int n = scandir(path, &list, not_dot, alphasort);
	if (n < 0)
		return -1;
	int sum = 0;
	for (int k = 0; k < n; k++) {
		char file[4096];
		struct stat fst;
		snprintf(file, sizeof(file), "%s/%s", path, list[k]->d_name);
		if (has_suffix(list[k]->d_name, suffix) && stat(file, &fst) == 0 &&
		    S_ISREG(fst.st_mode))
			sum += fn(file, ctx);
		free(list[k]);
	}
	free(list);
	return sum;
}
