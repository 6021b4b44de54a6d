/*
 * quarantine.c - held messages: a Maildir plus index records in the store
 * (quarantine.h).
 *
 * The Maildir protocol gives the crash safety: a message is written and
 * fsync()ed in tmp/ under a unique name, then rename(2)d into new/, which
 * is atomic; the index record is written after the rename.  A crash
 * between the two leaves a file without a record: `ndrguard quarantine
 * list` does not show it, but nothing is lost and the file is still there
 * for an administrator (ng_quarantine_expire never touches files without a
 * record).  A crash before the rename leaves a tmp/ file, which the MTA
 * still holds the message for (the milter answered nothing yet).
 *
 * Unique names follow the Maildir convention TIME.MUSECPPIDQN.HOST, so
 * they also sort by time.
 */
#include "ndrguard/quarantine.h"
#include "util/str.h"

#include "util/buf.h"
#include "util/kv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define REC_MAX (64 * 1024) /* an index record, recipients included */

struct ng_quarantine {
	char dir[PATH_MAX - 64];
	char host[64];
	struct ng_store *st;
	unsigned counter; /* atomic */
};

struct ng_qspool {
	struct ng_quarantine *q;
	char name[NG_QID_MAX];
	int fd;
	bool cr; /* the last byte written was a held CR */
	int err; /* first errno */
	uint64_t size;
	char buf[8192];
	size_t blen;
};

static int mkdir_p(const char *path, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof(tmp), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	return 0;
}

struct ng_quarantine *ng_quarantine_open(const char *dir, struct ng_store *store, char *err,
                                         size_t errlen)
{
	if (dir == NULL || dir[0] != '/') {
		snprintf(err, errlen, "relay_quarantine_dir: '%s' is not an absolute path",
		         dir != NULL ? dir : "");
		return NULL;
	}
	struct ng_quarantine *q = calloc(1, sizeof(*q));
	if (q == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	int n = snprintf(q->dir, sizeof(q->dir), "%s", dir);
	if (n < 0 || (size_t)n >= sizeof(q->dir)) {
		snprintf(err, errlen, "%s: path too long", dir);
		free(q);
		return NULL;
	}
	while (n > 1 && q->dir[n - 1] == '/')
		q->dir[--n] = '\0';
	static const char *const sub[] = {"", "/tmp", "/new", "/cur"};
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s%s", q->dir, sub[i]);
		if (mkdir_p(p, err, errlen) < 0) {
			free(q);
			return NULL;
		}
	}
	char h[256];
	if (gethostname(h, sizeof(h)) < 0)
		snprintf(h, sizeof(h), "localhost");
	h[sizeof(h) - 1] = '\0';
	size_t o = 0;
	for (const char *s = h; *s != '\0' && o + 1 < sizeof(q->host); s++)
		q->host[o++] = (*s == '/' || *s == ':' || *s == '.') ? '_' : *s;
	q->host[o] = '\0';
	q->st = store;
	return q;
}

void ng_quarantine_close(struct ng_quarantine *q)
{
	free(q);
}

/* IDs are file names we made: letters, digits, '.', '_', '-', no leading
 * dot (so never "." or ".."), and no '/'. */
static bool id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n >= NG_QID_MAX || id[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool ng_quarantine_path(const struct ng_quarantine *q, const char *id, char *buf, size_t cap)
{
	if (!id_ok(id))
		return false;
	int n = snprintf(buf, cap, "%s/new/%s", q->dir, id);
	return n > 0 && (size_t)n < cap;
}

static bool tmp_path(const struct ng_qspool *sp, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s/tmp/%s", sp->q->dir, sp->name);
	return n > 0 && (size_t)n < cap;
}

struct ng_qspool *ng_quarantine_spool(struct ng_quarantine *q, char *err, size_t errlen)
{
	struct ng_qspool *sp = calloc(1, sizeof(*sp));
	if (sp == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sp->q = q;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	unsigned k = __atomic_add_fetch(&q->counter, 1, __ATOMIC_RELAXED);
	snprintf(sp->name, sizeof(sp->name), "%lld.M%06ldP%ldQ%u.%s", (long long)tv.tv_sec,
	         (long)tv.tv_usec, (long)getpid(), k, q->host);
	char path[PATH_MAX];
	if (!tmp_path(sp, path, sizeof(path))) {
		snprintf(err, errlen, "quarantine path too long");
		free(sp);
		return NULL;
	}
	sp->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (sp->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(sp);
		return NULL;
	}
	return sp;
}

static void flush(struct ng_qspool *sp)
{
	size_t off = 0;
	while (off < sp->blen && sp->err == 0) {
		ssize_t w = write(sp->fd, sp->buf + off, sp->blen - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			sp->err = w < 0 ? errno : EIO;
		else
			off += (size_t)w;
	}
	sp->blen = 0;
}

static void put(struct ng_qspool *sp, char c)
{
	if (sp->blen == sizeof(sp->buf))
		flush(sp);
	sp->buf[sp->blen++] = c;
	sp->size++;
}

int ng_qspool_write(struct ng_qspool *sp, const void *data, size_t len)
{
	const char *p = data;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (sp->cr) {
			sp->cr = false;
			if (c != '\n')
				put(sp, '\r');
		}
		if (c == '\r') {
			sp->cr = true;
			continue;
		}
		put(sp, c);
	}
	return sp->err == 0 ? 0 : -1;
}

uint64_t ng_qspool_size(const struct ng_qspool *sp)
{
	return sp->size + (sp->cr ? 1 : 0);
}

void ng_qspool_abort(struct ng_qspool *sp)
{
	if (sp == NULL)
		return;
	char path[PATH_MAX];
	close(sp->fd);
	if (tmp_path(sp, path, sizeof(path)))
		unlink(path);
	free(sp);
}

static char *rec_key(const char *id, char *buf, size_t cap, size_t *klen)
{
	int n = snprintf(buf, cap, "q/%s", id);
	*klen = n > 0 ? (size_t)n : 0;
	return buf;
}

int ng_quarantine_commit(struct ng_quarantine *q, struct ng_qspool *sp, struct ng_qmeta *meta,
                         char *err, size_t errlen)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	if (sp->cr)
		put(sp, '\r');
	sp->cr = false;
	flush(sp);
	if (sp->err == 0 && fsync(sp->fd) < 0)
		sp->err = errno;
	if (sp->err != 0) {
		snprintf(err, errlen, "quarantine file %s: %s", sp->name, strerror(sp->err));
		ng_qspool_abort(sp);
		return -1;
	}
	snprintf(meta->id, sizeof(meta->id), "%s", sp->name);
	meta->size = sp->size;
	if (!tmp_path(sp, tmp, sizeof(tmp)) || !ng_quarantine_path(q, sp->name, dst, sizeof(dst))) {
		snprintf(err, errlen, "quarantine path too long");
		ng_qspool_abort(sp);
		return -1;
	}
	if (rename(tmp, dst) < 0) {
		snprintf(err, errlen, "rename %s: %s", tmp, strerror(errno));
		ng_qspool_abort(sp);
		return -1;
	}
	close(sp->fd);
	free(sp);
	size_t len;
	char *rec = ng_qmeta_encode(meta, &len);
	char key[NG_QID_MAX + 4];
	size_t klen;
	rec_key(meta->id, key, sizeof(key), &klen);
	int rc = rec != NULL ? ng_store_put(q->st, key, klen, rec, len, 0) : NG_STORE_ENOMEM;
	if (rc != 0) {
		snprintf(err, errlen, "quarantine index: %s", ng_store_strerror(rc));
		free(rec);
		unlink(dst);
		return -1;
	}
	free(rec);
	return 0;
}

char *ng_qmeta_encode(const struct ng_qmeta *m, size_t *len)
{
	ng_buf b;
	ng_buf_init(&b, REC_MAX);
	ng_kv_put(&b, "id", m->id);
	ng_kv_put_int(&b, "time", m->time);
	ng_kv_put_int(&b, "expires", m->expires);
	ng_kv_put(&b, "tenant", m->tenant);
	ng_kv_put(&b, "client", m->client);
	ng_kv_put(&b, "sender", m->sender);
	for (size_t i = 0; i < m->nrcpts; i++)
		ng_kv_put(&b, "rcpt", m->rcpts[i]);
	ng_kv_put(&b, "class", m->cls);
	ng_kv_put(&b, "verdict", m->verdict);
	ng_kv_put_int(&b, "score", m->score);
	ng_kv_put(&b, "rules", m->rules);
	ng_kv_put(&b, "subject", m->subject);
	ng_kv_put(&b, "orig_message_id", m->orig_message_id);
	ng_kv_put_int(&b, "size", (long long)m->size);
	if (b.failed || b.overflow) {
		ng_buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.data;
}

int ng_qmeta_decode(const void *rec, size_t len, struct ng_qmeta *m)
{
	memset(m, 0, sizeof(*m));
	struct ng_kv_reader r;
	char key[32], val[1024];
	long long n;
	size_t cap = 0;
	ng_kv_reader_init(&r, rec, len);
	while (ng_kv_next(&r, key, sizeof(key), val, sizeof(val), NULL)) {
		if (strcmp(key, "id") == 0)
			ng_str_copy(m->id, sizeof(m->id), val);
		else if (strcmp(key, "time") == 0 && ng_kv_int(val, &n))
			m->time = n;
		else if (strcmp(key, "expires") == 0 && ng_kv_int(val, &n))
			m->expires = n;
		else if (strcmp(key, "tenant") == 0)
			ng_str_copy(m->tenant, sizeof(m->tenant), val);
		else if (strcmp(key, "client") == 0)
			ng_str_copy(m->client, sizeof(m->client), val);
		else if (strcmp(key, "sender") == 0)
			ng_str_copy(m->sender, sizeof(m->sender), val);
		else if (strcmp(key, "rcpt") == 0) {
			if (m->nrcpts == cap) {
				size_t nc = cap != 0 ? 2 * cap : 4;
				char **nr = realloc(m->rcpts, nc * sizeof(*nr));
				if (nr == NULL)
					break;
				m->rcpts = nr;
				cap = nc;
			}
			char *a = strdup(val);
			if (a == NULL)
				break;
			m->rcpts[m->nrcpts++] = a;
		} else if (strcmp(key, "class") == 0)
			ng_str_copy(m->cls, sizeof(m->cls), val);
		else if (strcmp(key, "verdict") == 0)
			ng_str_copy(m->verdict, sizeof(m->verdict), val);
		else if (strcmp(key, "score") == 0 && ng_kv_int(val, &n) && n > INT_MIN &&
		         n < INT_MAX)
			m->score = (int)n;
		else if (strcmp(key, "rules") == 0)
			ng_str_copy(m->rules, sizeof(m->rules), val);
		else if (strcmp(key, "subject") == 0)
			ng_str_copy(m->subject, sizeof(m->subject), val);
		else if (strcmp(key, "orig_message_id") == 0)
			ng_str_copy(m->orig_message_id, sizeof(m->orig_message_id), val);
		else if (strcmp(key, "size") == 0 && ng_kv_int(val, &n) && n >= 0)
			m->size = (uint64_t)n;
	}
	return m->id[0] != '\0' ? 0 : -1;
}

void ng_qmeta_free(struct ng_qmeta *m)
{
	for (size_t i = 0; i < m->nrcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	m->rcpts = NULL;
	m->nrcpts = 0;
}

int ng_quarantine_get(struct ng_quarantine *q, const char *id, struct ng_qmeta *meta, char *err,
                      size_t errlen)
{
	char key[NG_QID_MAX + 4];
	size_t klen;
	memset(meta, 0, sizeof(*meta));
	if (!id_ok(id))
		return 1;
	rec_key(id, key, sizeof(key), &klen);
	void *val = NULL;
	size_t vlen = 0;
	int64_t exp;
	int rc = ng_store_get(q->st, key, klen, 0, &val, &vlen, &exp);
	if (rc < 0)
		snprintf(err, errlen, "quarantine index: %s", ng_store_strerror(rc));
	if (rc != 0)
		return rc < 0 ? -1 : 1;
	if (ng_qmeta_decode(val, vlen, meta) < 0) {
		free(val);
		ng_qmeta_free(meta);
		snprintf(err, errlen, "%s: damaged index record", id);
		return -1;
	}
	free(val);
	return 0;
}

struct list_ctx {
	ng_qlist_fn *fn;
	void *arg;
};

static int list_one(void *arg, const void *key, size_t klen, const void *val, size_t vlen,
                    int64_t expires)
{
	struct list_ctx *lc = arg;
	struct ng_qmeta m;
	(void)key;
	(void)klen;
	(void)expires;
	if (ng_qmeta_decode(val, vlen, &m) < 0) {
		ng_qmeta_free(&m);
		return 0;
	}
	int rc = lc->fn(lc->arg, &m);
	ng_qmeta_free(&m);
	return rc;
}

int ng_quarantine_list(struct ng_quarantine *q, ng_qlist_fn *fn, void *arg, char *err,
                       size_t errlen)
{
	struct list_ctx lc = {fn, arg};
	int rc = ng_store_scan(q->st, "q/", 2, 0, list_one, &lc);
	if (rc < 0) {
		snprintf(err, errlen, "quarantine index: %s", ng_store_strerror(rc));
		return -1;
	}
	return rc;
}

int ng_quarantine_set_rcpts(struct ng_quarantine *q, const struct ng_qmeta *meta, char *err,
                            size_t errlen)
{
	char key[NG_QID_MAX + 4];
	size_t klen, len;
	if (!id_ok(meta->id)) {
		snprintf(err, errlen, "bad quarantine id");
		return -1;
	}
	rec_key(meta->id, key, sizeof(key), &klen);
	char *rec = ng_qmeta_encode(meta, &len);
	int rc = rec != NULL ? ng_store_put(q->st, key, klen, rec, len, 0) : NG_STORE_ENOMEM;
	free(rec);
	if (rc != 0) {
		snprintf(err, errlen, "quarantine index: %s", ng_store_strerror(rc));
		return -1;
	}
	return 0;
}

int ng_quarantine_delete(struct ng_quarantine *q, const char *id, char *err, size_t errlen)
{
	char key[NG_QID_MAX + 4], path[PATH_MAX];
	size_t klen;
	if (!id_ok(id) || !ng_quarantine_path(q, id, path, sizeof(path)))
		return 1;
	rec_key(id, key, sizeof(key), &klen);
	int rc = ng_store_del(q->st, key, klen);
	if (rc < 0) {
		snprintf(err, errlen, "quarantine index: %s", ng_store_strerror(rc));
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return rc;
}

struct expire_ctx {
	int64_t now;
	char (*ids)[NG_QID_MAX];
	size_t n, cap;
	bool oom;
};

static int expire_one(void *arg, const struct ng_qmeta *m)
{
	struct expire_ctx *ec = arg;
	if (m->expires == 0 || m->expires > ec->now)
		return 0;
	if (ec->n == ec->cap) {
		size_t nc = ec->cap != 0 ? 2 * ec->cap : 64;
		void *ni = realloc(ec->ids, nc * sizeof(*ec->ids));
		if (ni == NULL) {
			ec->oom = true;
			return 1;
		}
		ec->ids = ni;
		ec->cap = nc;
	}
	snprintf(ec->ids[ec->n++], NG_QID_MAX, "%s", m->id);
	return 0;
}

int ng_quarantine_expire(struct ng_quarantine *q, int64_t now, size_t *removed, char *err,
                         size_t errlen)
{
	struct expire_ctx ec = {.now = now};
	*removed = 0;
	/* collect first: deleting inside a scan would write under a read */
	int rc = ng_quarantine_list(q, expire_one, &ec, err, errlen);
	if (rc < 0 || ec.oom) {
		if (ec.oom)
			snprintf(err, errlen, "out of memory");
		free(ec.ids);
		return -1;
	}
	for (size_t i = 0; i < ec.n; i++) {
		rc = ng_quarantine_delete(q, ec.ids[i], err, errlen);
		if (rc < 0)
			break;
		if (rc == 0)
			(*removed)++;
		rc = 0;
	}
	free(ec.ids);
	return rc;
}
