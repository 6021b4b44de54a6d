/*
 * readahead.c - batches of small files read through io_uring (readahead.h).
 *
 * First an fstatat(2) of every path, here in the calling thread (io_uring's
 * STATX always runs in a kernel worker, which costs more than the call in
 * this role).  Then, in one io_uring_enter that also waits, for the regular
 * files smaller than the buffer only: OPENAT into a slot of the ring's own
 * file table (no file descriptor is installed), READ from that slot into
 * the path's buffer and CLOSE of the slot.  OPENAT is soft-linked to READ
 * (a failed open cancels the read); READ is hard-linked to CLOSE, so the
 * slot is closed even when the read fails.  A file counts as read whole
 * only when READ returned exactly the size fstatat gave: one that grew or
 * shrank in between goes back to the caller, who opens it again.  The open
 * is O_NONBLOCK, so a file replaced by a FIFO in between cannot hold the
 * batch up.
 */
#include "readahead.h"

#include <stdbool.h>
#include <stdlib.h>

#ifdef NG_HAVE_LIBURING

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <string.h>
#include <sys/stat.h>

struct ng_ra {
	struct io_uring ring;
	bool broken; /* a submission failed: the ring is not used again */
	struct stat st[NG_RA_BATCH];
	bool stat_ok[NG_RA_BATCH]; /* fstatat filled st[k] */
	int read_res[NG_RA_BATCH];
	char buf[NG_RA_BATCH][NG_RA_BUF];
};

enum { OP_OPEN, OP_READ, OP_CLOSE, NOPS };

struct ng_ra *ng_ra_new(void)
{
	const char *off = getenv("NDRGUARD_NO_IO_URING");
	if (off != NULL && off[0] != '\0' && strcmp(off, "0") != 0)
		return NULL;
	struct ng_ra *ra = malloc(sizeof(*ra));
	if (ra == NULL)
		return NULL;
	ra->broken = false;
	if (io_uring_queue_init(NG_RA_BATCH * NOPS, &ra->ring, 0) < 0) {
		free(ra);
		return NULL;
	}
	/* a sparse table of NG_RA_BATCH slots (Linux 5.19) */
	if (io_uring_register_files_sparse(&ra->ring, NG_RA_BATCH) < 0) {
		io_uring_queue_exit(&ra->ring);
		free(ra);
		return NULL;
	}
	return ra;
}

void ng_ra_free(struct ng_ra *ra)
{
	if (ra == NULL)
		return;
	io_uring_queue_exit(&ra->ring);
	free(ra);
}

static void note(struct ng_ra *ra, const struct io_uring_cqe *cqe)
{
	size_t k = (size_t)(cqe->user_data / NOPS);
	if (k >= NG_RA_BATCH)
		return;
	/* the open's outcome shows in the read's; a close cannot fail usefully */
	if (cqe->user_data % NOPS == OP_READ)
		ra->read_res[k] = cqe->res;
}

/* Submit what is queued, wait for `want` completions, note them.  False
 * when the ring failed (it is not used again). */
static bool run_batch(struct ng_ra *ra, size_t want)
{
	size_t got = 0;
	int rc;
	do
		rc = io_uring_submit_and_wait(&ra->ring, (unsigned)want);
	while (rc == -EINTR);
	if (rc < 0 || (size_t)rc < want) {
		/* requests left behind in the ring: never trust it again; wait
		 * for those that went in, their buffers are ours */
		ra->broken = true;
		want = rc > 0 ? (size_t)rc : 0;
	}
	while (got < want) {
		struct io_uring_cqe *cqe;
		int w = io_uring_wait_cqe(&ra->ring, &cqe);
		if (w == -EINTR)
			continue;
		if (w < 0) {
			ra->broken = true;
			return false;
		}
		note(ra, cqe);
		io_uring_cqe_seen(&ra->ring, cqe);
		got++;
	}
	return !ra->broken;
}

static bool small_regular(const struct ng_ra *ra, size_t k)
{
	return ra->stat_ok[k] && S_ISREG(ra->st[k].st_mode) && ra->st[k].st_size < NG_RA_BUF;
}

int ng_ra_read(struct ng_ra *ra, int dirfd, const char *const *paths, size_t n,
               struct ng_ra_result *out)
{
	for (size_t k = 0; k < n; k++)
		out[k] = (struct ng_ra_result){NG_RA_OTHER, NULL, 0};
	if (ra == NULL || ra->broken || n == 0 || n > NG_RA_BATCH)
		return -1;
	/* 1: what each path is, by fstatat(2) here: io_uring's STATX always
	 * runs in a kernel worker thread, which costs more than the call.
	 * Only small regular files are opened below: opening a pipe
	 * (/dev/fd/N of a shell's <(...)) would take its bytes away from the
	 * reader that comes after. */
	for (size_t k = 0; k < n; k++) {
		ra->read_res[k] = -ECANCELED;
		ra->stat_ok[k] = fstatat(dirfd, paths[k], &ra->st[k], 0) == 0;
	}
	/* 2: open, read and close the small regular files */
	size_t want = 0;
	for (size_t k = 0; k < n; k++) {
		if (!small_regular(ra, k))
			continue;
		struct io_uring_sqe *s[NOPS];
		for (int i = 0; i < NOPS; i++)
			if ((s[i] = io_uring_get_sqe(&ra->ring)) == NULL)
				return -1; /* cannot happen: the ring holds a whole batch */
		io_uring_prep_openat_direct(s[OP_OPEN], dirfd, paths[k],
		                            O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, (unsigned)k);
		s[OP_OPEN]->flags |= IOSQE_IO_LINK;
		io_uring_prep_read(s[OP_READ], (int)k, ra->buf[k], NG_RA_BUF, 0);
		s[OP_READ]->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
		io_uring_prep_close_direct(s[OP_CLOSE], (unsigned)k);
		for (int i = 0; i < NOPS; i++)
			io_uring_sqe_set_data64(s[i], (unsigned long long)(k * NOPS + (size_t)i));
		want += NOPS;
	}
	if (want > 0 && !run_batch(ra, want))
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (!ra->stat_ok[k])
			continue; /* the caller finds out why */
		if (S_ISDIR(ra->st[k].st_mode)) {
			out[k].kind = NG_RA_DIR;
		} else if (small_regular(ra, k) && ra->read_res[k] >= 0 &&
		           (off_t)ra->read_res[k] == ra->st[k].st_size) {
			out[k].kind = NG_RA_WHOLE;
			out[k].data = ra->buf[k];
			out[k].len = (size_t)ra->read_res[k];
		}
	}
	return 0;
}

#else /* no liburing: the caller reads file by file */

struct ng_ra {
	int unused;
};

struct ng_ra *ng_ra_new(void)
{
	return NULL;
}

void ng_ra_free(struct ng_ra *ra)
{
	free(ra);
}

int ng_ra_read(struct ng_ra *ra, int dirfd, const char *const *paths, size_t n,
               struct ng_ra_result *out)
{
	(void)ra;
	(void)dirfd;
	(void)paths;
	for (size_t k = 0; k < n; k++)
		out[k] = (struct ng_ra_result){NG_RA_OTHER, NULL, 0};
	return -1;
}

#endif
