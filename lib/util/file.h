/*
 * file.h - reading a whole local file (the configuration, the
 * relay_tenants map) into memory, with a cap on its size.
 */
#ifndef NG_UTIL_FILE_H
#define NG_UTIL_FILE_H

#include <stddef.h>

/* The contents of path, NUL-terminated (the NUL not counted in *len), in
 * memory the caller frees; NULL with "PATH: why" in err when the file
 * cannot be read, runs out of memory, or is larger than max bytes. */
char *ng_file_read(const char *path, size_t max, size_t *len, char *err, size_t errlen);

#endif
