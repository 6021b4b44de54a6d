/*
 * reload.c - dnsbld's index: built from the listings in the store (or from
 * a --data file), rebuilt on a thread, swapped in on the loop thread.
 *
 * A build reads every listing (ng_listing_scan), keeps the entries listed
 * now in a published category, and feeds them to a fresh builder
 * (zone.h); the result is compared with the index being served.  Equal:
 * it is thrown away (the served one keeps its SOA serial).  Different: the
 * loop swaps the pointer between two callbacks and frees the old index at
 * once, since every query is answered within one callback and none can
 * still hold it.  Memory: the served index, plus during a build the
 * builder's sort arrays and the new index; never two served indexes for
 * longer than one swap.
 *
 * When: once at start-up on the loop thread, before the first query, so
 * that the first answers are already right; then every
 * dnsbld_reload_interval and at SIGHUP on a thread, one build at a time (a
 * request during a build queues one more).  A --data file is only read
 * again when its size or modification time changed (or at SIGHUP).  The
 * store has no such sign, and decoding every listing costs (about 4 us
 * each), so the periodic check first hashes the raw records under the
 * listings' key prefix "L" (listing.h: key, value and expiry; no decoding)
 * and builds only when that fingerprint changed or a listed entry's expiry
 * has passed since the last build (the listed set changes with the clock
 * only then).  A write between the fingerprint and the build costs one
 * extra build at the next interval, never a stale index.  A build that
 * fails (store error, file gone) is logged and the served index kept; a
 * store that could not be opened at start-up is opened again before each
 * build.
 *
 * The thread touches only its job fields of struct db_reload, the store
 * (whose handle any thread may use) and the served index (read-only; the
 * loop frees nothing while a build runs).  It says it is done by writing
 * one byte to a pipe the loop watches.
 */
#include "dnsbld.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DATA_BAD_LINES_LOGGED 5

static double mono_secs(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ----- the job (any thread) ----- */

struct job {
	struct db_reload *rl;
	struct ng_zone_builder *b;
	int rc; /* first builder error */
};

static int add_net(struct job *j, const struct ng_listing_net *net, unsigned cats)
{
	struct ng_zone_net n;
	n.v6 = net->v6;
	memcpy(n.addr, net->addr, sizeof(n.addr));
	n.prefix = net->prefix;
	int rc = ng_zone_builder_add(j->b, &n, cats & j->rl->published);
	if (rc == NG_ZONE_EINVAL) {
		j->rl->skipped++;
		return 0;
	}
	if (rc < 0) {
		j->rc = rc;
		return 1; /* stops the scan */
	}
	j->rl->entries++;
	return 0;
}

/* listing.h's category numbers are the index's (zone.h). */
_Static_assert((int)NG_CAT_BOUNCE == (int)NG_ZONE_CAT_BOUNCE &&
                   (int)NG_CAT_AUTOREPLY == (int)NG_ZONE_CAT_AUTOREPLY &&
                   (int)NG_CAT_CALLOUT == (int)NG_ZONE_CAT_CALLOUT,
               "category bits differ between listing.h and zone.h");

static int scan_cb(void *arg, const struct ng_listing *l)
{
	struct job *j = arg;
	struct db_reload *rl = j->rl;
	if (!ng_listing_is_listed(l, rl->now) || (l->cats & rl->published) == 0)
		return 0;
	if (l->expires > 0 && (rl->new_next_expiry == 0 || l->expires < rl->new_next_expiry))
		rl->new_next_expiry = l->expires;
	return add_net(j, &l->net, l->cats);
}

/* 64 bits of every byte, eight at a time. */
static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = 0;
		memcpy(&w, b + i, n - i < 8 ? n - i : 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	return h;
}

static int fp_cb(void *arg, const void *key, size_t klen, const void *val, size_t vlen,
                 int64_t expires)
{
	uint64_t *h = arg;
	*h = hash_bytes(*h, key, klen);
	*h = hash_bytes(*h ^ (uint64_t)vlen << 32, val, vlen);
	*h = (*h ^ (uint64_t)expires) * 0xbf58476d1ce4e5b9ull;
	return 0;
}

/* The fingerprint of the listings' raw records; 0, or a store error. */
static int fingerprint(struct db_reload *rl, uint64_t *out)
{
	uint64_t h = 0x6a09e667f3bcc909ull;
	int rc = ng_store_scan(rl->store, "L", 1, rl->now, fp_cb, &h);
	*out = h;
	return rc;
}

static void from_store(struct job *j)
{
	struct db_reload *rl = j->rl;
	if (rl->store == NULL) {
		snprintf(rl->err, sizeof(rl->err), "the store is not open");
		return;
	}
	int rc = fingerprint(rl, &rl->new_fp);
	if (rc == 0 && rl->have_fp && !rl->forced && rl->new_fp == rl->fp &&
	    (rl->next_expiry == 0 || rl->now < rl->next_expiry)) {
		rl->quick = rl->unchanged = true;
		return;
	}
	if (rc == 0)
		rc = ng_listing_scan(rl->store, rl->now, scan_cb, j);
	if (rc < 0)
		snprintf(rl->err, sizeof(rl->err), "reading the store: %s", ng_store_strerror(rc));
}

static void data_items(struct job *j, struct ng_listing_import *im)
{
	struct ng_listing_item item;
	int rc;
	while (j->rc == 0 && (rc = ng_listing_import_next(im, &item)) != 0) {
		if (rc < 0) {
			if (j->rl->skipped++ < DATA_BAD_LINES_LOGGED)
				ng_log(j->rl->log, NG_LOG_WARN, "%s:%u: %s (line skipped)",
				       j->rl->data_path, item.line, item.err);
			continue;
		}
		add_net(j, &item.net, item.cats != 0 ? item.cats : 1u << NG_CAT_BOUNCE);
	}
}

static void from_data(struct job *j)
{
	struct db_reload *rl = j->rl;
	int fd = open(rl->data_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(rl->err, sizeof(rl->err), "%s: %s", rl->data_path, strerror(errno));
		return;
	}
	struct ng_listing_import *im = ng_listing_import_new(NG_LISTING_FMT_AUTO, &rl->codes);
	char *buf = malloc(65536);
	if (im == NULL || buf == NULL) {
		snprintf(rl->err, sizeof(rl->err), "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(rl->err, sizeof(rl->err), "%s: %s", rl->data_path,
			         strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		size_t off = 0;
		while (off < (size_t)n && j->rc == 0) {
			off += ng_listing_import_push(im, buf + off, (size_t)n - off);
			data_items(j, im);
		}
	}
	ng_listing_import_end(im);
	data_items(j, im);
out:
	free(buf);
	ng_listing_import_free(im);
	close(fd);
}

static void build(struct db_reload *rl)
{
	double t0 = mono_secs();
	struct job j = {rl, ng_zone_builder_new(), 0};
	rl->result = NULL;
	rl->unchanged = rl->quick = false;
	rl->entries = rl->skipped = 0;
	rl->new_next_expiry = 0;
	rl->err[0] = '\0';
	if (j.b == NULL) {
		snprintf(rl->err, sizeof(rl->err), "out of memory");
		return;
	}
	if (rl->data_path != NULL)
		from_data(&j);
	else
		from_store(&j);
	if (rl->quick) {
		ng_zone_builder_free(j.b);
		rl->secs = mono_secs() - t0;
		return;
	}
	if (rl->err[0] == '\0' && j.rc != 0)
		snprintf(rl->err, sizeof(rl->err), "%s",
		         j.rc == NG_ZONE_EFULL ? "more entries than the index may hold"
		                               : "out of memory");
	if (rl->err[0] != '\0') {
		ng_zone_builder_free(j.b);
		return;
	}
	rl->result = ng_zone_builder_finish(j.b, rl->serial);
	if (rl->result == NULL) {
		snprintf(rl->err, sizeof(rl->err), "out of memory");
		return;
	}
	rl->unchanged = rl->current != NULL && ng_zone_index_equal(rl->result, rl->current);
	rl->secs = mono_secs() - t0;
}

static void *thread_main(void *arg)
{
	struct db_reload *rl = arg;
	build(rl);
	char one = 1;
	while (write(rl->pipe[1], &one, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* ----- the loop side ----- */

void db_log_index(struct db_server *srv, const char *what, double secs)
{
	struct ng_zone_index_stats st;
	ng_zone_index_stats(srv->ix, &st);
	size_t n = st.v4 + st.v6 + st.ranges4 + st.ranges6;
	ng_log(&srv->log, NG_LOG_INFO,
	       "%s: serial=%u ipv4=%zu ipv6_64=%zu ranges4=%zu ranges6=%zu bytes=%zu "
	       "bytes_per_entry=%.2f source=%s entries=%zu skipped=%zu seconds=%.3f",
	       what, st.serial, st.v4, st.v6, st.ranges4, st.ranges6, st.bytes,
	       n ? (double)st.bytes / (double)n : 0.0,
	       srv->rl.data_path ? srv->rl.data_path : "store", srv->rl.entries, srv->rl.skipped,
	       secs);
}

/* A data file that has not changed since the last build. */
static bool data_unchanged(struct db_reload *rl, bool record)
{
	struct stat sb;
	if (rl->data_path == NULL || stat(rl->data_path, &sb) < 0)
		return false;
	bool same =
	    (long long)sb.st_mtime == rl->data_mtime && (long long)sb.st_size == rl->data_size;
	if (record) {
		rl->data_mtime = (long long)sb.st_mtime;
		rl->data_size = (long long)sb.st_size;
	}
	return same;
}

static void open_store(struct db_server *srv)
{
	struct db_reload *rl = &srv->rl;
	if (rl->data_path != NULL || rl->store != NULL)
		return;
	char msg[512];
	struct ng_store_opts so = {
	    .map_size = (size_t)ng_config_int(srv->cfg, NG_K_STORE_MAP_SIZE) << 20,
	    .read_only = true,
	    .log = &srv->log,
	};
	rl->store = ng_store_open(ng_config_str(srv->cfg, NG_K_STORE), &so, msg, sizeof(msg));
	if (rl->store == NULL)
		ng_log(&srv->log, NG_LOG_ERROR, "%s: store: %s (serving the test entries only)",
		       ng_config_where(srv->cfg, NG_K_STORE), msg);
}

/* The job's inputs, from the served index and the clock. */
static void prepare(struct db_server *srv)
{
	struct db_reload *rl = &srv->rl;
	struct ng_zone_index_stats st;
	ng_zone_index_stats(srv->ix, &st);
	time_t now = time(NULL);
	rl->now = (int64_t)now;
	/* a new content gets a higher serial: the clock, or one more */
	rl->serial = (uint32_t)now > st.serial ? (uint32_t)now : st.serial + 1;
	rl->published = ng_zone_published(srv->zone);
	rl->current = srv->ix;
	rl->log = &srv->log;
}

/* What the served index is now known to be built from. */
static void commit(struct db_reload *rl)
{
	if (rl->data_path != NULL)
		return;
	rl->have_fp = true;
	rl->fp = rl->new_fp;
	rl->next_expiry = rl->new_next_expiry;
}

int db_reload_init(struct db_server *srv, char *err, size_t errlen)
{
	struct db_reload *rl = &srv->rl;
	rl->pipe[0] = rl->pipe[1] = -1;
	const char *const *codes;
	size_t n = ng_config_list(srv->cfg, NG_K_DNSBLD_CODES, &codes);
	if (ng_listing_codes_parse(codes, n, &rl->codes, err, errlen) < 0)
		return -2;
	open_store(srv);
	prepare(srv);
	data_unchanged(rl, true);
	build(rl);
	if (rl->err[0] != '\0') {
		snprintf(err, errlen, "%s", rl->err);
		return -1;
	}
	srv->ix = rl->result;
	rl->result = NULL;
	commit(rl);
	db_log_index(srv, "index built", rl->secs);
	return 0;
}

static void start(struct db_server *srv, bool forced)
{
	struct db_reload *rl = &srv->rl;
	if (rl->running) { /* the thread reads rl->forced: queue the request */
		rl->again = true;
		rl->again_forced |= forced;
		return;
	}
	if (!forced && data_unchanged(rl, false))
		return;
	open_store(srv);
	if (rl->data_path == NULL && rl->store == NULL) {
		srv->st.reload_failures++;
		return;
	}
	data_unchanged(rl, true);
	prepare(srv);
	rl->forced = forced;
	int e = pthread_create(&rl->thread, NULL, thread_main, rl);
	if (e != 0) {
		srv->st.reload_failures++;
		ng_log(&srv->log, NG_LOG_ERROR, "cannot start the index build: %s", strerror(e));
		return;
	}
	rl->running = true;
}

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_server *srv = arg;
	struct db_reload *rl = &srv->rl;
	(void)what;
	char buf[16];
	while (read(fd, buf, sizeof(buf)) < 0 && errno == EINTR)
		;
	if (!rl->running)
		return;
	pthread_join(rl->thread, NULL);
	rl->running = false;
	if (rl->err[0] != '\0') {
		srv->st.reload_failures++;
		struct ng_zone_index_stats st;
		ng_zone_index_stats(srv->ix, &st);
		ng_log(&srv->log, NG_LOG_ERROR, "index rebuild failed, serving serial %u still: %s",
		       st.serial, rl->err);
	} else if (rl->unchanged) {
		srv->st.reloads_unchanged++;
		ng_zone_index_free(rl->result);
		rl->result = NULL;
		if (!rl->quick)
			commit(rl);
		ng_log(&srv->log, rl->forced ? NG_LOG_INFO : NG_LOG_DEBUG,
		       "index unchanged (%s, %.3fs)",
		       rl->quick ? "the store's fingerprint" : "rebuilt and compared", rl->secs);
	} else {
		/* the swap: no query is being answered now, so the old index goes */
		struct ng_zone_index *old = srv->ix;
		srv->ix = rl->result;
		rl->result = NULL;
		ng_zone_index_free(old);
		commit(rl);
		srv->st.reloads++;
		db_log_index(srv, "index rebuilt", rl->secs);
	}
	if (rl->again) {
		bool forced = rl->again_forced;
		rl->again = rl->again_forced = false;
		start(srv, forced);
	}
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start(arg, false);
}

void db_reload_request(struct db_server *srv, bool forced)
{
	start(srv, forced);
}

int db_reload_start(struct db_server *srv, char *err, size_t errlen)
{
	struct db_reload *rl = &srv->rl;
	if (pipe2(rl->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	rl->done_ev = event_new(srv->base, rl->pipe[0], EV_READ | EV_PERSIST, done_cb, srv);
	rl->timer = event_new(srv->base, -1, EV_PERSIST, timer_cb, srv);
	struct timeval iv = {(time_t)ng_config_int(srv->cfg, NG_K_DNSBLD_RELOAD_INTERVAL), 0};
	if (rl->done_ev == NULL || rl->timer == NULL || event_add(rl->done_ev, NULL) < 0 ||
	    event_add(rl->timer, &iv) < 0) {
		snprintf(err, errlen, "cannot watch the index build");
		return -1;
	}
	return 0;
}

void db_reload_stop(struct db_server *srv)
{
	struct db_reload *rl = &srv->rl;
	if (rl->running) {
		pthread_join(rl->thread, NULL);
		rl->running = false;
		ng_zone_index_free(rl->result);
		rl->result = NULL;
	}
	if (rl->done_ev != NULL)
		event_free(rl->done_ev);
	if (rl->timer != NULL)
		event_free(rl->timer);
	rl->done_ev = rl->timer = NULL;
	for (int i = 0; i < 2; i++)
		if (rl->pipe[i] >= 0)
			close(rl->pipe[i]);
	rl->pipe[0] = rl->pipe[1] = -1;
	ng_store_close(rl->store);
	rl->store = NULL;
}
