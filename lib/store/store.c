/*
 * store.c - the front of the store module (include/ndrguard/store.h): the
 * table of back-ends, spec parsing, and the argument checks every call
 * gets before it reaches a back-end through the vtable (store/internal.h).
 *
 * Checking here, once, is what keeps the back-ends interchangeable: an
 * oversized key, a negative expiry or a write on a read-only handle gets
 * the same answer from LMDB, the memory table and any back-end added
 * later, and no back-end repeats the checks.
 *
 * Thread-safety: nothing here has state; the back-ends lock.
 */
#include "ndrguard/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

/* Adding a back-end: its scheme here, its file beside this one. */
static const struct ng_store_scheme *const schemes[] = {
    &ng_store_lmdb_scheme,
    &ng_store_memory_scheme,
};

const char *ng_store_strerror(int rc)
{
	switch (rc) {
	case NG_STORE_EIO:
		return "store back-end failure";
	case NG_STORE_ENOMEM:
		return "out of memory";
	case NG_STORE_EFULL:
		return "store full";
	case NG_STORE_EKEY:
		return "key empty or too long";
	case NG_STORE_EINVAL:
		return "invalid argument";
	case NG_STORE_ERDONLY:
		return "store opened read-only";
	case NG_STORE_EBUSY:
		return "too many concurrent readers";
	default:
		return "unknown error";
	}
}

/* The back-end of spec and where its part begins; NULL with err. */
static const struct ng_store_scheme *find_scheme(const char *spec, const char **rest, char *err,
                                                 size_t errlen)
{
	if (spec == NULL || *spec == '\0') {
		snprintf(err, errlen, "empty store spec");
		return NULL;
	}
	const char *colon = strchr(spec, ':');
	if (colon == NULL) {
		snprintf(err, errlen,
		         "store spec \"%.64s\": want BACKEND:ARGS (lmdb:/dir, memory:)", spec);
		return NULL;
	}
	size_t n = (size_t)(colon - spec);
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (strlen(schemes[i]->scheme) == n && memcmp(schemes[i]->scheme, spec, n) == 0) {
			*rest = colon + 1;
			return schemes[i];
		}
	}
	snprintf(err, errlen, "store spec \"%.64s\": unknown back-end \"%.*s\"", spec,
	         n > 32 ? 32 : (int)n, spec);
	return NULL;
}

int ng_store_check_spec(const char *spec, char *err, size_t errlen)
{
	const char *rest;
	const struct ng_store_scheme *sc = find_scheme(spec, &rest, err, errlen);
	if (sc == NULL)
		return -1;
	return sc->check(rest, err, errlen);
}

struct ng_store *ng_store_open(const char *spec, const struct ng_store_opts *opts, char *err,
                               size_t errlen)
{
	static const struct ng_store_opts defaults;
	const char *rest;
	const struct ng_store_scheme *sc = find_scheme(spec, &rest, err, errlen);
	if (sc == NULL || sc->check(rest, err, errlen) != 0)
		return NULL;
	return sc->open(rest, opts != NULL ? opts : &defaults, err, errlen);
}

void ng_store_close(struct ng_store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

const char *ng_store_backend(const struct ng_store *s)
{
	return s != NULL ? s->ops->name : "none";
}

static int check_key(const void *key, size_t klen)
{
	return key == NULL || klen == 0 || klen > NG_STORE_KEY_MAX ? NG_STORE_EKEY : 0;
}

/* The checks every write shares. */
static int check_write(const struct ng_store *s, const void *key, size_t klen)
{
	if (s == NULL)
		return NG_STORE_EINVAL;
	int rc = check_key(key, klen);
	if (rc != 0)
		return rc;
	return s->read_only ? NG_STORE_ERDONLY : 0;
}

int ng_store_put(struct ng_store *s, const void *key, size_t klen, const void *val, size_t vlen,
                 int64_t expires)
{
	int rc = check_write(s, key, klen);
	if (rc != 0)
		return rc;
	if ((val == NULL && vlen != 0) || expires < 0)
		return NG_STORE_EINVAL;
	return s->ops->put(s, key, klen, val, vlen, expires);
}

int ng_store_get(struct ng_store *s, const void *key, size_t klen, int64_t now, void **val,
                 size_t *vlen, int64_t *expires)
{
	if (val != NULL)
		*val = NULL;
	if (vlen != NULL)
		*vlen = 0;
	if (expires != NULL)
		*expires = 0;
	if (s == NULL)
		return NG_STORE_EINVAL;
	int rc = check_key(key, klen);
	if (rc != 0)
		return rc;
	return s->ops->get(s, key, klen, now, val, vlen, expires);
}

int ng_store_del(struct ng_store *s, const void *key, size_t klen)
{
	int rc = check_write(s, key, klen);
	if (rc != 0)
		return rc;
	return s->ops->del(s, key, klen);
}

int ng_store_update(struct ng_store *s, const void *key, size_t klen, int64_t now,
                    ng_store_update_fn *fn, void *arg)
{
	int rc = check_write(s, key, klen);
	if (rc != 0)
		return rc;
	if (fn == NULL)
		return NG_STORE_EINVAL;
	return s->ops->update(s, key, klen, now, fn, arg);
}

int ng_store_scan(struct ng_store *s, const void *prefix, size_t plen, int64_t now,
                  ng_store_scan_fn *fn, void *arg)
{
	if (s == NULL || fn == NULL || (prefix == NULL && plen != 0))
		return NG_STORE_EINVAL;
	if (plen > NG_STORE_KEY_MAX)
		return 0; /* no key is that long */
	return s->ops->scan(s, prefix, plen, now, fn, arg);
}

int ng_store_expire(struct ng_store *s, int64_t now, size_t max, size_t *removed)
{
	size_t dummy;
	if (removed == NULL)
		removed = &dummy;
	*removed = 0;
	if (s == NULL)
		return NG_STORE_EINVAL;
	if (s->read_only)
		return NG_STORE_ERDONLY;
	return s->ops->expire(s, now, max, removed);
}

int ng_store_rmw_check(int action, const struct ng_store_rmw *r)
{
	if (action < 0)
		return action;
	if (action == NG_STORE_SET && (r->expires < 0 || (r->val == NULL && r->vlen != 0)))
		return NG_STORE_EINVAL;
	if (action != NG_STORE_KEEP && action != NG_STORE_SET && action != NG_STORE_DELETE)
		return NG_STORE_EINVAL;
	return action;
}

void *ng_store_dup(const void *p, size_t len)
{
	if (len == SIZE_MAX)
		return NULL;
	unsigned char *q = malloc(len + 1);
	if (q == NULL)
		return NULL;
	if (len != 0)
		memcpy(q, p, len);
	q[len] = '\0';
	return q;
}
