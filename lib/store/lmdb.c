/*
 * lmdb.c - the "lmdb:DIR" store back-end (store.h, store/internal.h): the
 * embedded default, one LMDB environment per handle, shared by the threads
 * of a process and by other processes that open the same directory.
 *
 * Layout.  Two named databases in DIR/data.mdb:
 *
 *   "records"  key -> 8-byte big-endian expiry, then the value;
 *   "expiry"   8-byte big-endian expiry -> key (MDB_DUPSORT), for every
 *              record with a non-zero expiry.
 *
 * Every write keeps the two in step inside one transaction, so
 * ng_store_expire() walks "expiry" from its first entry and stops at the
 * first one still live: it costs what it removes, whatever the size of the
 * store.  Big-endian makes byte order numeric order.  Keys are at most 511
 * bytes (LMDB's key limit, which also bounds DUPSORT data, so the index
 * needs no shorter limit).
 *
 * Durability.  A process killed at any point (kill -9 mid-write) never
 * corrupts the store whatever the flags: LMDB writes copies of pages and
 * commits by writing a meta page, and a dead writer's lock is robust (the
 * next writer takes it over) and its reader slot is cleared.  The flags
 * decide what a power loss costs.  We use MDB_NOMETASYNC: one fdatasync per
 * commit (data pages) instead of two (data, then meta page); after a power
 * loss the last transaction may be missing, never half-applied, and the
 * next commit's sync makes the previous one durable.  The message log and
 * listings can afford to lose the last write before a power cut;
 * MDB_NOSYNC could corrupt the store and is not used.  Measured on the development VM (2 cores,
 * ext4 on virtio, fdatasync ~165 us; release build; one put per transaction, 200-byte values,
 * 20,000 "m/<message-id>" keys; runs vary by ~10%):
 *
 *                        1 thread     4 threads
 *   full sync (flags 0)  ~1,100/s     ~750-950/s    puts
 *   MDB_NOMETASYNC       ~1,800/s     ~1,400/s      puts  <- chosen
 *   either               ~1,500,000/s (1 or 2 threads)  gets
 *
 * Writers are serialised by LMDB, so more threads do not add puts; reads
 * never wait for writers.
 *
 * Threads.  MDB_NOTLS ties reader slots to transactions, not threads, so
 * the milter's thread per connection and a scan callback that reads again
 * both work.  Every call is its own transaction.  A rwlock "gate" is held
 * shared around every transaction and exclusively only to change the map
 * size, which LMDB allows only with no transaction open in the process:
 * once when a write finds the map full (the size doubles, logged, and the
 * write is retried), and whenever another process has grown the data past
 * our map (MDB_MAP_RESIZED: adopt its size and retry).  Taking the gate
 * exclusively polls for at most a second, because a scan callback that
 * writes holds the gate shared itself; after that the write fails.
 *
 * Processes.  The daemon and the CLI may open DIR at the same time; a
 * directory must be opened only once per process (LMDB's rule) and a
 * handle never used across fork().  Readers of dead processes are cleared
 * at open and when the reader table is full.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <lmdb.h>

#include "store/internal.h"

#define LM_MAP_DEFAULT ((size_t)1 << 30) /* 1 GiB */
#define LM_READERS     1024              /* concurrent read transactions, all processes */
#define LM_EXPIRE_TXN  1000              /* removals per expiry transaction */
#define LM_GATE_TRIES  1000              /* 1 ms apart: how long a resize waits for the gate */
#define LM_PATH_MAX    4000

/* What a transaction body returns besides LMDB and errno codes (those are
 * below -30000 or positive). */
#define LM_ABORT  (-1) /* done, nothing to commit: abort quietly */
#define LM_BADREC (-2) /* a record shorter than its expiry prefix */

struct lm {
	struct ng_store base; /* first: the vtable */
	MDB_env *env;
	MDB_dbi rec, exp;
	pthread_rwlock_t gate;
	bool grown; /* the map was doubled once; written only under the exclusive gate */
	char path[];
};

static struct lm *to_lm(struct ng_store *s)
{
	return (struct lm *)s;
}

static MDB_val mval(const void *p, size_t n)
{
	MDB_val v = {.mv_size = n, .mv_data = (void *)p};
	return v;
}

static void put_be64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	for (int i = 7; i >= 0; i--, u >>= 8)
		p[i] = (unsigned char)u;
}

static int64_t get_be64(const void *vp)
{
	const unsigned char *p = vp;
	uint64_t u = 0;
	for (int i = 0; i < 8; i++)
		u = u << 8 | p[i];
	return (int64_t)u;
}

/* Map an LMDB or errno code to NG_STORE_E*, logging what deserves it. */
static int lm_err(struct lm *l, const char *what, int rc)
{
	switch (rc) {
	case ENOMEM:
		return NG_STORE_ENOMEM;
	case MDB_BAD_VALSIZE:
		return NG_STORE_EINVAL;
	case MDB_MAP_FULL:
		ng_log(l->base.log, NG_LOG_ERROR,
		       "store lmdb:%s: %s: map full; raise the store's map size", l->path, what);
		return NG_STORE_EFULL;
	case MDB_READERS_FULL:
		ng_log(l->base.log, NG_LOG_ERROR, "store lmdb:%s: %s: all %d reader slots taken",
		       l->path, what, LM_READERS);
		return NG_STORE_EBUSY;
	case LM_BADREC:
		ng_log(l->base.log, NG_LOG_ERROR,
		       "store lmdb:%s: %s: record shorter than its expiry (corrupt)", l->path,
		       what);
		return NG_STORE_EIO;
	default:
		ng_log(l->base.log, NG_LOG_ERROR, "store lmdb:%s: %s: %s", l->path, what,
		       mdb_strerror(rc));
		return NG_STORE_EIO;
	}
}

/* Take the gate exclusively, polling (see the file comment); false when a
 * second went by without it. */
static bool gate_excl(struct lm *l)
{
	const struct timespec ms = {0, 1000000};
	for (int i = 0; i < LM_GATE_TRIES; i++) {
		if (pthread_rwlock_trywrlock(&l->gate) == 0)
			return true;
		nanosleep(&ms, NULL);
	}
	return false;
}

/* Double the map, once per handle; 0 when the caller should retry (this
 * thread or another one grew it meanwhile). */
static int lm_grow(struct lm *l)
{
	if (!gate_excl(l))
		return -1;
	int rc = 0;
	if (!l->grown) {
		MDB_envinfo info;
		rc = mdb_env_info(l->env, &info);
		size_t old = rc == 0 ? info.me_mapsize : 0;
		if (rc == 0 && old <= SIZE_MAX / 2)
			rc = mdb_env_set_mapsize(l->env, old * 2);
		else if (rc == 0)
			rc = -1;
		if (rc == 0) {
			l->grown = true;
			ng_log(l->base.log, NG_LOG_ERROR,
			       "store lmdb:%s: map full at %zu bytes, grown to %zu for this run; "
			       "raise the store's map size",
			       l->path, old, old * 2);
		}
	}
	pthread_rwlock_unlock(&l->gate);
	return rc;
}

/* Another process grew the data past our map: adopt its size. */
static int lm_adopt(struct lm *l)
{
	if (!gate_excl(l))
		return -1;
	int rc = mdb_env_set_mapsize(l->env, 0);
	pthread_rwlock_unlock(&l->gate);
	return rc;
}

typedef int lm_body(struct lm *l, MDB_txn *txn, void *ctx);

/*
 * Run body in one transaction (a write one when `write`): commit when it
 * returns 0, abort otherwise.  Returns 0, LM_ABORT, or an LMDB/errno code.
 * Retries once after adopting a map grown elsewhere and once after growing
 * a full map, so a body must be repeatable (and its results reset by it).
 */
static int lm_txn(struct lm *l, bool write, lm_body *body, void *ctx)
{
	bool adopted = false, grew = false;
	for (;;) {
		MDB_txn *txn;
		pthread_rwlock_rdlock(&l->gate);
		bool grown = l->grown;
		int rc = mdb_txn_begin(l->env, NULL, write ? 0 : MDB_RDONLY, &txn);
		if (rc == MDB_READERS_FULL) {
			int dead = 0;
			if (mdb_reader_check(l->env, &dead) == 0 && dead > 0)
				rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &txn);
		}
		if (rc == 0) {
			rc = body(l, txn, ctx);
			if (rc == 0 && write)
				rc = mdb_txn_commit(txn); /* frees txn, also on failure */
			else
				mdb_txn_abort(txn);
		}
		pthread_rwlock_unlock(&l->gate);
		if (rc == MDB_MAP_RESIZED && !adopted) {
			adopted = true;
			if (lm_adopt(l) == 0)
				continue;
		}
		if (rc == MDB_MAP_FULL && write && !grew && !grown) {
			grew = true;
			if (lm_grow(l) == 0)
				continue;
		}
		return rc;
	}
}

/* The live-or-not record at k: 0 with *val (after the prefix), *vlen and
 * *expires, MDB_NOTFOUND, or an error. */
static int read_rec(struct lm *l, MDB_txn *txn, MDB_val *k, const void **val, size_t *vlen,
                    int64_t *expires)
{
	MDB_val v;
	int rc = mdb_get(txn, l->rec, k, &v);
	if (rc != 0)
		return rc;
	if (v.mv_size < 8)
		return LM_BADREC;
	*expires = get_be64(v.mv_data);
	*val = (const unsigned char *)v.mv_data + 8;
	*vlen = v.mv_size - 8;
	return 0;
}

static int index_op(struct lm *l, MDB_txn *txn, MDB_val *k, int64_t expires, bool add)
{
	unsigned char eb[8];
	put_be64(eb, expires);
	MDB_val ek = mval(eb, sizeof(eb));
	int rc = add ? mdb_put(txn, l->exp, &ek, k, 0) : mdb_del(txn, l->exp, &ek, k);
	/* KEYEXIST/NOTFOUND: the index already says so */
	return rc == MDB_KEYEXIST || rc == MDB_NOTFOUND ? 0 : rc;
}

/* Store (k, val, expires) over a record that had old_exp (had: it exists). */
static int write_rec(struct lm *l, MDB_txn *txn, MDB_val *k, bool had, int64_t old_exp,
                     const void *val, size_t vlen, int64_t expires)
{
	int rc = 0;
	bool same = had && old_exp == expires;
	if (had && old_exp != 0 && !same && (rc = index_op(l, txn, k, old_exp, false)) != 0)
		return rc;
	if (vlen > SIZE_MAX - 8)
		return MDB_BAD_VALSIZE;
	MDB_val v = mval(NULL, 8 + vlen);
	if ((rc = mdb_put(txn, l->rec, k, &v, MDB_RESERVE)) != 0)
		return rc;
	put_be64(v.mv_data, expires);
	if (vlen != 0)
		memcpy((unsigned char *)v.mv_data + 8, val, vlen);
	if (expires != 0 && !same)
		rc = index_op(l, txn, k, expires, true);
	return rc;
}

static int drop_rec(struct lm *l, MDB_txn *txn, MDB_val *k, int64_t old_exp)
{
	int rc = old_exp != 0 ? index_op(l, txn, k, old_exp, false) : 0;
	return rc != 0 ? rc : mdb_del(txn, l->rec, k, NULL);
}

/* ---- put, get, del ---- */

struct put_ctx {
	const void *key, *val;
	size_t klen, vlen;
	int64_t expires;
};

static int body_put(struct lm *l, MDB_txn *txn, void *vc)
{
	struct put_ctx *c = vc;
	MDB_val k = mval(c->key, c->klen);
	const void *ov;
	size_t olen;
	int64_t oexp = 0;
	int rc = read_rec(l, txn, &k, &ov, &olen, &oexp);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	return write_rec(l, txn, &k, rc == 0, oexp, c->val, c->vlen, c->expires);
}

static int lm_put(struct ng_store *s, const void *key, size_t klen, const void *val, size_t vlen,
                  int64_t expires)
{
	struct lm *l = to_lm(s);
	struct put_ctx c = {.key = key, .val = val, .klen = klen, .vlen = vlen, .expires = expires};
	int rc = lm_txn(l, true, body_put, &c);
	return rc == 0 ? 0 : lm_err(l, "put", rc);
}

struct get_ctx {
	const void *key;
	size_t klen;
	int64_t now;
	void **val;
	size_t *vlen;
	int64_t *expires;
	int result;
};

static int body_get(struct lm *l, MDB_txn *txn, void *vc)
{
	struct get_ctx *c = vc;
	MDB_val k = mval(c->key, c->klen);
	const void *v;
	size_t vlen;
	int64_t exp;
	int rc = read_rec(l, txn, &k, &v, &vlen, &exp);
	c->result = 1;
	if (rc == MDB_NOTFOUND || (rc == 0 && !ng_store_live(exp, c->now)))
		return LM_ABORT;
	if (rc != 0)
		return rc;
	if (c->val != NULL && (*c->val = ng_store_dup(v, vlen)) == NULL)
		return ENOMEM;
	if (c->vlen != NULL)
		*c->vlen = vlen;
	if (c->expires != NULL)
		*c->expires = exp;
	c->result = 0;
	return LM_ABORT; /* a read: nothing to commit */
}

static int lm_get(struct ng_store *s, const void *key, size_t klen, int64_t now, void **val,
                  size_t *vlen, int64_t *expires)
{
	struct lm *l = to_lm(s);
	struct get_ctx c = {
	    .key = key, .klen = klen, .now = now, .val = val, .vlen = vlen, .expires = expires};
	int rc = lm_txn(l, false, body_get, &c);
	return rc == LM_ABORT ? c.result : lm_err(l, "get", rc);
}

struct del_ctx {
	const void *key;
	size_t klen;
	int result;
};

static int body_del(struct lm *l, MDB_txn *txn, void *vc)
{
	struct del_ctx *c = vc;
	MDB_val k = mval(c->key, c->klen);
	const void *v;
	size_t vlen;
	int64_t exp;
	int rc = read_rec(l, txn, &k, &v, &vlen, &exp);
	c->result = 1;
	if (rc == MDB_NOTFOUND)
		return LM_ABORT;
	if (rc != 0)
		return rc;
	c->result = 0;
	return drop_rec(l, txn, &k, exp);
}

static int lm_del(struct ng_store *s, const void *key, size_t klen)
{
	struct lm *l = to_lm(s);
	struct del_ctx c = {.key = key, .klen = klen};
	int rc = lm_txn(l, true, body_del, &c);
	return rc == 0 || rc == LM_ABORT ? c.result : lm_err(l, "del", rc);
}

/* ---- update ---- */

struct upd_ctx {
	const void *key;
	size_t klen;
	int64_t now;
	ng_store_update_fn *fn;
	void *arg;
	int result;
};

static int body_update(struct lm *l, MDB_txn *txn, void *vc)
{
	struct upd_ctx *c = vc;
	MDB_val k = mval(c->key, c->klen);
	const void *ov = NULL;
	size_t olen = 0;
	int64_t oexp = 0;
	int rc = read_rec(l, txn, &k, &ov, &olen, &oexp);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	bool had = rc == 0;
	struct ng_store_rmw r = {0};
	if (had && ng_store_live(oexp, c->now)) {
		r.old = ov;
		r.old_len = olen;
		r.old_expires = oexp;
	}
	c->result = ng_store_rmw_check(c->fn(c->arg, &r), &r);
	if (c->result == NG_STORE_DELETE && had)
		return drop_rec(l, txn, &k, oexp);
	if (c->result != NG_STORE_SET)
		return LM_ABORT;
	/* r.val may point into the old record: copy it before writing. */
	void *copy = NULL;
	if (r.vlen != 0) {
		if ((copy = malloc(r.vlen)) == NULL)
			return ENOMEM;
		memcpy(copy, r.val, r.vlen);
	}
	rc = write_rec(l, txn, &k, had, oexp, copy, r.vlen, r.expires);
	free(copy);
	return rc;
}

static int lm_update(struct ng_store *s, const void *key, size_t klen, int64_t now,
                     ng_store_update_fn *fn, void *arg)
{
	struct lm *l = to_lm(s);
	struct upd_ctx c = {.key = key, .klen = klen, .now = now, .fn = fn, .arg = arg};
	int rc = lm_txn(l, true, body_update, &c);
	return rc == 0 || rc == LM_ABORT ? c.result : lm_err(l, "update", rc);
}

/* ---- scan ---- */

struct scan_ctx {
	const void *prefix;
	size_t plen;
	int64_t now;
	ng_store_scan_fn *fn;
	void *arg;
	int result;
};

static int body_scan(struct lm *l, MDB_txn *txn, void *vc)
{
	struct scan_ctx *c = vc;
	MDB_cursor *cur;
	c->result = 0;
	int rc = mdb_cursor_open(txn, l->rec, &cur);
	if (rc != 0)
		return rc;
	MDB_val k = mval(c->prefix, c->plen), v;
	MDB_cursor_op op = c->plen != 0 ? MDB_SET_RANGE : MDB_FIRST;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size < c->plen || memcmp(k.mv_data, c->prefix, c->plen) != 0)
			break;
		if (v.mv_size < 8) {
			rc = LM_BADREC;
			break;
		}
		int64_t exp = get_be64(v.mv_data);
		if (!ng_store_live(exp, c->now))
			continue;
		c->result = c->fn(c->arg, k.mv_data, k.mv_size,
		                  (const unsigned char *)v.mv_data + 8, v.mv_size - 8, exp);
		if (c->result != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? LM_ABORT : rc;
}

static int lm_scan(struct ng_store *s, const void *prefix, size_t plen, int64_t now,
                   ng_store_scan_fn *fn, void *arg)
{
	struct lm *l = to_lm(s);
	struct scan_ctx c = {.prefix = prefix, .plen = plen, .now = now, .fn = fn, .arg = arg};
	int rc = lm_txn(l, false, body_scan, &c);
	return rc == LM_ABORT ? c.result : lm_err(l, "scan", rc);
}

/* ---- expire ---- */

struct exp_ctx {
	int64_t now;
	size_t limit; /* removals allowed in this transaction */
	size_t removed;
	bool done; /* no expired entry left */
};

static int body_expire(struct lm *l, MDB_txn *txn, void *vc)
{
	struct exp_ctx *c = vc;
	MDB_cursor *cur;
	c->removed = 0;
	c->done = false;
	int rc = mdb_cursor_open(txn, l->exp, &cur);
	if (rc != 0)
		return rc;
	for (size_t steps = 0; steps < c->limit; steps++) {
		MDB_val ek, k;
		/* the first entry again each time: a deletion moves the cursor */
		rc = mdb_cursor_get(cur, &ek, &k, MDB_FIRST);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			c->done = true;
			break;
		}
		if (rc != 0)
			break;
		if (ek.mv_size != 8 || k.mv_size == 0 || k.mv_size > NG_STORE_KEY_MAX) {
			rc = LM_BADREC;
			break;
		}
		int64_t exp = get_be64(ek.mv_data);
		if (ng_store_live(exp, c->now)) {
			c->done = true;
			break;
		}
		unsigned char kb[NG_STORE_KEY_MAX];
		memcpy(kb, k.mv_data, k.mv_size);
		MDB_val rk = mval(kb, k.mv_size);
		const void *v;
		size_t vlen;
		int64_t rexp;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		rc = read_rec(l, txn, &rk, &v, &vlen, &rexp);
		if (rc != 0 && rc != MDB_NOTFOUND)
			break;
		/* Every write keeps the index in step, so this never happens; if
		 * it does the entry is gone now and the record (if any) stays. */
		if (rc == MDB_NOTFOUND || rexp != exp) {
			ng_log(l->base.log, NG_LOG_ERROR,
			       "store lmdb:%s: expire: index entry out of step with its record",
			       l->path);
			rc = 0;
			continue;
		}
		if ((rc = mdb_del(txn, l->rec, &rk, NULL)) != 0)
			break;
		c->removed++;
	}
	mdb_cursor_close(cur);
	return rc;
}

static int lm_expire(struct ng_store *s, int64_t now, size_t max, size_t *removed)
{
	struct lm *l = to_lm(s);
	struct exp_ctx c = {.now = now};
	for (;;) {
		size_t left = max == 0 ? LM_EXPIRE_TXN : max - *removed;
		c.limit = left < LM_EXPIRE_TXN ? left : LM_EXPIRE_TXN;
		if (c.limit == 0)
			return 0;
		int rc = lm_txn(l, true, body_expire, &c);
		if (rc != 0)
			return lm_err(l, "expire", rc);
		*removed += c.removed;
		if (c.done)
			return 0;
	}
}

/* ---- open, close ---- */

static void lm_close(struct ng_store *s)
{
	struct lm *l = to_lm(s);
	mdb_env_close(l->env);
	pthread_rwlock_destroy(&l->gate);
	free(l);
}

static const struct ng_store_ops lm_ops = {
    .name = "lmdb",
    .put = lm_put,
    .get = lm_get,
    .del = lm_del,
    .update = lm_update,
    .scan = lm_scan,
    .expire = lm_expire,
    .close = lm_close,
};

static int lm_check(const char *rest, char *err, size_t errlen)
{
	if (*rest == '\0') {
		snprintf(err, errlen, "store spec \"lmdb:\": want lmdb:/path/to/dir");
		return -1;
	}
	if (strlen(rest) > LM_PATH_MAX) {
		snprintf(err, errlen, "store spec \"lmdb:%.32s...\": path longer than %d bytes",
		         rest, LM_PATH_MAX);
		return -1;
	}
	return 0;
}

/* Open or create both databases; an LMDB code. */
static int lm_open_dbs(struct lm *l, bool ro)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(l->env, NULL, ro ? MDB_RDONLY : 0, &txn);
	if (rc != 0)
		return rc;
	unsigned create = ro ? 0 : MDB_CREATE;
	rc = mdb_dbi_open(txn, "records", create, &l->rec);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "expiry", create | MDB_DUPSORT, &l->exp);
	if (rc == 0)
		return mdb_txn_commit(txn); /* also for a read: it keeps the handles */
	mdb_txn_abort(txn);
	return rc;
}

static struct ng_store *lm_open(const char *path, const struct ng_store_opts *opts, char *err,
                                size_t errlen)
{
	size_t plen = strlen(path);
	struct lm *l = calloc(1, sizeof(*l) + plen + 1);
	if (l == NULL) {
		snprintf(err, errlen, "store lmdb:%s: out of memory", path);
		return NULL;
	}
	memcpy(l->path, path, plen + 1);
	l->base.ops = &lm_ops;
	l->base.log = opts->log;
	l->base.read_only = opts->read_only;
	if (pthread_rwlock_init(&l->gate, NULL) != 0) {
		snprintf(err, errlen, "store lmdb:%s: cannot make a lock", path);
		free(l);
		return NULL;
	}

	const char *what = "mkdir";
	int rc = 0;
	if (!opts->read_only && mkdir(path, 0700) != 0 && errno != EEXIST)
		rc = errno;
	if (rc == 0) {
		what = "create";
		rc = mdb_env_create(&l->env);
	}
	if (rc == 0) {
		what = "configure";
		rc = mdb_env_set_maxdbs(l->env, 2);
		if (rc == 0)
			rc = mdb_env_set_maxreaders(l->env, LM_READERS);
		if (rc == 0)
			rc = mdb_env_set_mapsize(l->env, opts->map_size != 0 ? opts->map_size
			                                                     : LM_MAP_DEFAULT);
	}
	if (rc == 0) {
		what = "open";
		unsigned flags = MDB_NOTLS | MDB_NOMETASYNC | (opts->read_only ? MDB_RDONLY : 0);
		rc = mdb_env_open(l->env, path, flags, 0600);
	}
	if (rc == 0 && mdb_env_get_maxkeysize(l->env) < NG_STORE_KEY_MAX) {
		snprintf(err, errlen, "store lmdb:%s: LMDB built with keys under %d bytes", path,
		         NG_STORE_KEY_MAX);
		goto fail;
	}
	if (rc == 0) {
		int dead = 0;
		what = "reader check";
		rc = mdb_reader_check(l->env, &dead);
		if (rc == 0 && dead > 0)
			ng_log(opts->log, NG_LOG_INFO, "store lmdb:%s: cleared %d stale readers",
			       path, dead);
	}
	if (rc == 0) {
		what = "open databases";
		rc = lm_open_dbs(l, opts->read_only);
	}
	if (rc == 0)
		return &l->base;

	if (opts->read_only && (rc == ENOENT || rc == MDB_NOTFOUND))
		snprintf(err, errlen, "store lmdb:%s: no store there (read-only open creates none)",
		         path);
	else
		snprintf(err, errlen, "store lmdb:%s: %s: %s", path, what, mdb_strerror(rc));
fail:
	if (l->env != NULL)
		mdb_env_close(l->env);
	pthread_rwlock_destroy(&l->gate);
	free(l);
	return NULL;
}

const struct ng_store_scheme ng_store_lmdb_scheme = {
    .scheme = "lmdb",
    .check = lm_check,
    .open = lm_open,
};
