/*
 * store.h - the key/value store under the message log, the quarantine
 * index, trap listings and rate counters.
 *
 * One interface, several back-ends chosen by a spec string (STYLE.md
 * habit 9; each back-end is one file of lib/store):
 *
 *   "lmdb:/path/to/dir"  LMDB, the embedded default: crash-safe, shared by
 *                        every thread of a process and by several processes
 *                        (the daemon writes, the CLI reads and deletes);
 *   "memory:"            a private sorted table in this process (tests).
 *
 * A record is an opaque key (1 to NG_STORE_KEY_MAX bytes), an opaque value
 * (any length, 0 included) and an expiry in unix seconds, 0 meaning never.
 * Nothing here reads a clock (STYLE.md habit 11): the caller passes `now`,
 * and a record whose expires <= now is absent to ng_store_get(),
 * ng_store_update() and ng_store_scan() although it still occupies space
 * until ng_store_expire() removes it.  Keys sort as byte strings (memcmp,
 * a prefix before its extensions), so scans by prefix come in key order.
 *
 * Errors.  Every call returns a negative NG_STORE_E* code on failure, never
 * -1 alone: test `rc < 0`.  ng_store_strerror() names the code; the detail
 * (the back-end's own message, the operation, the path) goes to the log
 * given in ng_store_opts, at error severity.  There is no "last error"
 * state, so any number of threads can share a handle and still know what
 * went wrong with their own call.  Bad keys and arguments are caller bugs
 * and are not logged.
 *
 * Thread-safety.  After ng_store_open() returns, every function may be
 * called on one handle from any number of threads at once, except
 * ng_store_close(), which must be the last call.  Every operation is its
 * own transaction: what one call writes, the next call of any thread (and,
 * for LMDB, of any process) sees.  Callbacks (ng_store_update_fn,
 * ng_store_scan_fn) run on the calling thread.
 *
 * LMDB rules the caller must keep: open a given directory at most once per
 * process (share that one handle between threads; a second handle on the
 * same directory in the same process breaks LMDB's file locks), and never
 * use a handle in a child after fork() (open after daemonising).
 */
#ifndef NDRGUARD_STORE_H
#define NDRGUARD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ndrguard/log.h"

/* Longest key every back-end accepts (LMDB's compiled-in key limit).
 * Longer keys are refused with NG_STORE_EKEY, never cut. */
#define NG_STORE_KEY_MAX 511

/* Error codes: every one is negative. */
enum {
	NG_STORE_EIO = -1,     /* the back-end failed: I/O, lock, corruption (logged) */
	NG_STORE_ENOMEM = -2,  /* out of memory */
	NG_STORE_EFULL = -3,   /* no room: the LMDB map is full even after growing (logged) */
	NG_STORE_EKEY = -4,    /* key empty or longer than NG_STORE_KEY_MAX */
	NG_STORE_EINVAL = -5,  /* bad argument: NULL, negative expiry, bad update action */
	NG_STORE_ERDONLY = -6, /* a write through a handle opened read_only */
	NG_STORE_EBUSY = -7,   /* every LMDB reader slot is taken (logged) */
};

/* A constant string naming an NG_STORE_E* code ("out of memory", ...);
 * "unknown error" for anything else. */
const char *ng_store_strerror(int rc);

struct ng_store;

struct ng_store_opts {
	/* LMDB: the size of the memory map, which caps the data file; 0 means
	 * 1 GiB.  When a write finds the map full the handle doubles it once
	 * (logged) before answering NG_STORE_EFULL.  Ignored by "memory:". */
	size_t map_size;
	/* Open without write access: every write answers NG_STORE_ERDONLY,
	 * and LMDB neither creates the directory nor the data file (but still
	 * needs write access to lock.mdb, as every LMDB reader does). */
	bool read_only;
	/* Where back-end failures are told, with detail; borrowed, must outlive
	 * the handle; NULL logs nothing. */
	const struct ng_log *log;
};

/*
 * Open the store named by spec: "lmdb:DIR" (DIR is created with mode 0700
 * when missing, but not its parents; files inside are 0600) or "memory:"
 * (a new, empty store each time).  opts may be NULL for the defaults.
 * Returns a handle to pass to ng_store_close(), or NULL with a message in
 * err (spec syntax, unknown back-end, the directory, LMDB's reason, out of
 * memory).  LMDB also clears the reader slots of dead processes here.
 */
struct ng_store *ng_store_open(const char *spec, const struct ng_store_opts *opts, char *err,
                               size_t errlen);

/* Check the syntax of a spec as ng_store_open() would, touching nothing
 * (for configuration checks); 0, or -1 with a message in err. */
int ng_store_check_spec(const char *spec, char *err, size_t errlen);

/* Release the handle and everything it holds; NULL is accepted.  No other
 * call on this handle may be running or follow. */
void ng_store_close(struct ng_store *s);

/* "lmdb" or "memory": the back-end behind the handle. */
const char *ng_store_backend(const struct ng_store *s);

/*
 * Insert or replace the record `key` (klen bytes) with the value val (vlen
 * bytes; val may be NULL when vlen is 0) and expiry `expires` (unix
 * seconds, 0 = never; a time already past stores a record that is absent
 * to readers until swept).  Both buffers are copied.  0, or NG_STORE_EKEY,
 * NG_STORE_EINVAL (negative expires), NG_STORE_ERDONLY, NG_STORE_EFULL,
 * NG_STORE_ENOMEM, NG_STORE_EIO; on error nothing changed.
 */
int ng_store_put(struct ng_store *s, const void *key, size_t klen, const void *val, size_t vlen,
                 int64_t expires);

/*
 * Read the record `key` as of `now`.  0 when found: *val is a copy the
 * caller frees with free(), followed by one NUL byte that *vlen does not
 * count (so a text value is a C string), and *expires is its expiry.  1
 * when absent or expired; then *val is NULL.  Any of val, vlen, expires
 * may be NULL when not wanted.  Errors: NG_STORE_EKEY, NG_STORE_ENOMEM,
 * NG_STORE_EBUSY, NG_STORE_EIO.
 */
int ng_store_get(struct ng_store *s, const void *key, size_t klen, int64_t now, void **val,
                 size_t *vlen, int64_t *expires);

/*
 * Delete the record `key`: 0 deleted, 1 there was none.  A record that has
 * expired but not been swept yet is still there to delete (0).  Errors as
 * ng_store_put().
 */
int ng_store_del(struct ng_store *s, const void *key, size_t klen);

/* What an ng_store_update_fn decides. */
enum {
	NG_STORE_KEEP = 0,   /* leave the record as it is (absent stays absent) */
	NG_STORE_SET = 1,    /* store r->val, r->vlen, r->expires */
	NG_STORE_DELETE = 2, /* remove the record */
};

/* The record an update sees and the one it asks for. */
struct ng_store_rmw {
	/* In: the live record as of `now`, or old == NULL (old_len 0,
	 * old_expires 0) when absent or expired.  Valid during the call only. */
	const void *old;
	size_t old_len;
	int64_t old_expires;
	/* Out, read for NG_STORE_SET only: the new value and expiry.  val is
	 * the callback's (it may point into old or into arg) and must stay
	 * valid until ng_store_update() returns; it is copied. */
	const void *val;
	size_t vlen;
	int64_t expires;
};

/* Returns NG_STORE_KEEP, NG_STORE_SET or NG_STORE_DELETE; a negative value
 * aborts the update, which then changes nothing and returns that value.
 * It must not call the store (the update holds the store's write lock) and
 * may be called more than once for one update (LMDB retries after growing
 * a full map), so it must decide from r and arg alone. */
typedef int ng_store_update_fn(void *arg, struct ng_store_rmw *r);

/*
 * Atomic read-modify-write of the record `key` as of `now`: fn sees the
 * old record and decides, all in one write transaction, so no other writer
 * (thread or process) comes in between.  Returns what was done
 * (NG_STORE_KEEP, NG_STORE_SET, NG_STORE_DELETE), fn's negative value when
 * it aborted, NG_STORE_EINVAL when fn returned anything else or asked for
 * a negative expiry, or an error as ng_store_put().  Writes are serialised
 * per store, so keep fn short.
 */
int ng_store_update(struct ng_store *s, const void *key, size_t klen, int64_t now,
                    ng_store_update_fn *fn, void *arg);

/* One live record of a scan; key and val (followed by no NUL) are valid
 * during the call only.  0 goes on, any other value stops the scan. */
typedef int ng_store_scan_fn(void *arg, const void *key, size_t klen, const void *val, size_t vlen,
                             int64_t expires);

/*
 * Call fn for every record live at `now` whose key starts with prefix
 * (plen bytes; plen 0 = every record), in key order, on one consistent
 * snapshot: writes made meanwhile (even by fn) are not seen.  Returns 0
 * after the last record, fn's non-zero value when fn stopped the scan
 * (stop with positive values to tell them from errors), or NG_STORE_EBUSY,
 * NG_STORE_ENOMEM, NG_STORE_EIO.  fn may call the store, including writes
 * (but a write from fn that finds the LMDB map full cannot grow it while
 * the scan runs: it fails with NG_STORE_EFULL after a second).  LMDB keeps
 * the snapshot's pages from being reused while the scan runs, and the
 * memory back-end copies the matching records first: scan big ranges from
 * a thread that can afford it.
 */
int ng_store_scan(struct ng_store *s, const void *prefix, size_t plen, int64_t now,
                  ng_store_scan_fn *fn, void *arg);

/*
 * Remove records whose expires <= now (never those with expiry 0), at most
 * max of them (0 = all), oldest expiry first; *removed (if not NULL) is set
 * to how many went, also on error.  LMDB walks an index by expiry, so the
 * cost is that of the expired records only, and commits every 1,000
 * removals so that readers and writers are never held up long.  0, or an
 * error as ng_store_put().
 */
int ng_store_expire(struct ng_store *s, int64_t now, size_t max, size_t *removed);

#endif
