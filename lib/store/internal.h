/*
 * internal.h - the vtable every store back-end fills, and what store.c
 * gives them.
 *
 * store.c parses the spec, checks arguments once for all back-ends (key
 * length, NULL pointers, negative expiry, read-only handles) and then calls
 * through `ops`; a back-end sees only valid calls.  Adding a back-end (a
 * Redis one, say) is one new file defining a `struct ng_store_scheme` plus
 * its line in the table of store.c; no caller changes.
 */
#ifndef NG_STORE_INTERNAL_H
#define NG_STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ndrguard/store.h"

struct ng_store_ops {
	const char *name; /* what ng_store_backend() answers */
	int (*put)(struct ng_store *s, const void *key, size_t klen, const void *val, size_t vlen,
	           int64_t expires);
	int (*get)(struct ng_store *s, const void *key, size_t klen, int64_t now, void **val,
	           size_t *vlen, int64_t *expires);
	int (*del)(struct ng_store *s, const void *key, size_t klen);
	/* fn's answers are checked by the back-end (ng_store_rmw_check()). */
	int (*update)(struct ng_store *s, const void *key, size_t klen, int64_t now,
	              ng_store_update_fn *fn, void *arg);
	int (*scan)(struct ng_store *s, const void *prefix, size_t plen, int64_t now,
	            ng_store_scan_fn *fn, void *arg);
	int (*expire)(struct ng_store *s, int64_t now, size_t max, size_t *removed);
	void (*close)(struct ng_store *s);
};

/* Every back-end's handle starts with this member. */
struct ng_store {
	const struct ng_store_ops *ops;
	const struct ng_log *log; /* borrowed; may be NULL */
	bool read_only;
};

/* One back-end, reached by the scheme before the first ':' of a spec. */
struct ng_store_scheme {
	const char *scheme; /* "lmdb" */
	/* rest: the spec after "scheme:".  Syntax only; 0 or -1 with err. */
	int (*check)(const char *rest, char *err, size_t errlen);
	/* rest already checked; opts never NULL.  NULL with err on failure. */
	struct ng_store *(*open)(const char *rest, const struct ng_store_opts *opts, char *err,
	                         size_t errlen);
};

extern const struct ng_store_scheme ng_store_lmdb_scheme;
extern const struct ng_store_scheme ng_store_memory_scheme;

/* Whether the record (expires) is live at now. */
static inline bool ng_store_live(int64_t expires, int64_t now)
{
	return expires == 0 || expires > now;
}

/* Check what an update callback answered: its action when valid, else the
 * code ng_store_update() returns (fn's own negative value, or
 * NG_STORE_EINVAL for an unknown action or a negative expiry). */
int ng_store_rmw_check(int action, const struct ng_store_rmw *r);

/* Copy len bytes into a new buffer followed by one NUL, for get(); NULL
 * when out of memory. */
void *ng_store_dup(const void *p, size_t len);

#endif
