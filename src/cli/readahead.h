/*
 * readahead.h - read many small files with few system calls, for
 * `ndrguard classify` (cmd_classify.c).
 *
 * A batch of up to NG_RA_BATCH paths is read in one go: for each, its
 * status (fstatat), then, for a small regular file, open, read into a
 * buffer of its own and close, linked so that a failed open skips the
 * rest.  With io_uring (liburing, Linux 5.19 or later) the opens, reads
 * and closes of the whole batch are one system call, where one file at a
 * time costs three; the kernel's work for the files is the same.
 * Where io_uring is missing or refused (an older kernel, a seccomp filter
 * in a container), ng_ra_new() returns NULL and the caller reads file by
 * file as before.  NDRGUARD_NO_IO_URING=1 in the environment does the
 * same (to compare the two ways).
 *
 * A result says what the caller may rely on: a regular file read whole
 * (fewer bytes than the buffer holds), or anything else (not found, a
 * directory, a FIFO, longer than the buffer, an error), which the caller
 * handles its usual way - open it again, report the error, walk the
 * directory - so that every outcome is the same as without read-ahead.
 *
 * Not thread-safe: one per thread.
 */
#ifndef NG_CLI_READAHEAD_H
#define NG_CLI_READAHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define NG_RA_BATCH 32        /* paths in one batch */
#define NG_RA_BUF   (1 << 15) /* a file shorter than this is read whole */

enum ng_ra_kind {
	NG_RA_WHOLE = 0, /* a regular file, all of it in the buffer */
	NG_RA_DIR,       /* a directory */
	NG_RA_OTHER,     /* anything else: the caller opens it its usual way */
};

struct ng_ra_result {
	enum ng_ra_kind kind;
	const char *data; /* NG_RA_WHOLE: len bytes, valid until the next batch */
	size_t len;
};

struct ng_ra;

/* A read-ahead context, or NULL when io_uring cannot be used here. */
struct ng_ra *ng_ra_new(void);
void ng_ra_free(struct ng_ra *ra);

/*
 * Read paths[0..n-1] (n <= NG_RA_BATCH), each relative to dirfd (AT_FDCWD
 * for the current directory; absolute paths ignore it), and fill out[i]
 * for each.  Returns 0, or -1 when the batch could not be run at all (then
 * every out[i] is NG_RA_OTHER).
 */
int ng_ra_read(struct ng_ra *ra, int dirfd, const char *const *paths, size_t n,
               struct ng_ra_result *out);

#endif
