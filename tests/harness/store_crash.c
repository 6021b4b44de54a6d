/*
 * store_crash.c - kill LMDB store writers with SIGKILL at many points and
 * check that the store reopens intact (lib/store/lmdb.c).
 *
 *   store_crash [ROUNDS [SEED]]      (defaults: 20 rounds, seed 1)
 *
 * Each round forks a child that opens the store and runs three writer
 * threads and one thread that scans the round's records over and over.  A writer puts record i of
 * its own range (a 200-byte value derived from the key, expiring or not), adds one to a shared
 * counter through ng_store_update(), and only then tells the parent "i is done" down a pipe.  After
 * a number of acknowledgements drawn from SEED, and a short pause also drawn from it, the parent
 * kills the child with SIGKILL: mid-transaction, mid-commit, holding the write lock or reader
 * slots, wherever it happens to be.  The parent then opens the store (clearing the dead readers;
 * the robust write lock passes to it) and checks:
 *
 *   - every acknowledged record is there with the right bytes, at most one
 *     more per writer, none torn;
 *   - the counter is at least the sum of acknowledgements and at most one
 *     per writer more;
 *   - the expiry index matches the records: expiring everything removes
 *     exactly the records that have an expiry;
 *   - the store takes writes.
 *
 * Exit 0 when every round passes; 1 with the round and the reason
 * otherwise.  No clock: the pauses are counted in nanosleep() calls.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ndrguard/store.h>

#define WRITERS   3
#define VALUE_LEN 200

static void key_of(char *k, size_t cap, int round, int w, int i)
{
	snprintf(k, cap, "r%02d/%d/%06d", round, w, i);
}

/* A value that a torn or misplaced write cannot pass for: the key's bytes
 * spread over VALUE_LEN with a position-dependent mix. */
static void value_of(unsigned char *v, const char *key)
{
	size_t kl = strlen(key);
	unsigned h = 2166136261u;
	for (size_t i = 0; i < kl; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	for (size_t i = 0; i < VALUE_LEN; i++) {
		h = h * 1103515245u + 12345u;
		v[i] = (unsigned char)(key[i % kl] ^ (h >> 16));
	}
}

static int64_t expiry_of(int i)
{
	return i % 2 == 0 ? 0 : 1000 + i;
}

/* ---- the child ---- */

struct writer {
	struct ng_store *s;
	int round, id, ack;
	pthread_mutex_t *ack_mu;
};

static int inc(void *arg, struct ng_store_rmw *r)
{
	char *buf = arg;
	long n = 0;
	if (r->old != NULL && r->old_len < 20) {
		char tmp[24];
		memcpy(tmp, r->old, r->old_len);
		tmp[r->old_len] = '\0';
		n = strtol(tmp, NULL, 10);
	}
	snprintf(buf, 24, "%ld", n + 1);
	r->val = buf;
	r->vlen = strlen(buf);
	r->expires = 0;
	return NG_STORE_SET;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char ck[32];
	snprintf(ck, sizeof(ck), "r%02d/count", w->round);
	for (int i = 0;; i++) {
		char k[32], buf[24];
		unsigned char v[VALUE_LEN];
		key_of(k, sizeof(k), w->round, w->id, i);
		value_of(v, k);
		if (ng_store_put(w->s, k, strlen(k), v, sizeof(v), expiry_of(i)) != 0 ||
		    ng_store_update(w->s, ck, strlen(ck), 0, inc, buf) != NG_STORE_SET)
			_exit(3);
		int msg[2] = {w->id, i};
		pthread_mutex_lock(w->ack_mu);
		ssize_t n = write(w->ack, msg, sizeof(msg));
		pthread_mutex_unlock(w->ack_mu);
		if (n != (ssize_t)sizeof(msg))
			_exit(4);
	}
	return NULL;
}

static int nop(void *arg, const void *key, size_t klen, const void *val, size_t vlen,
               int64_t expires)
{
	(void)key, (void)klen, (void)val, (void)vlen, (void)expires;
	++*(long *)arg;
	return 0;
}

struct scanner {
	struct ng_store *s;
	char prefix[16];
};

/* Holds read transactions (reader slots) while the writers write. */
static void *scanner_main(void *arg)
{
	const struct scanner *sc = arg;
	const struct timespec t = {0, 500000};
	for (;;) {
		long n = 0;
		if (ng_store_scan(sc->s, sc->prefix, strlen(sc->prefix), 0, nop, &n) < 0)
			_exit(5);
		nanosleep(&t, NULL);
	}
	return NULL;
}

static void child(const char *spec, int round, int ack)
{
	char err[512];
	struct ng_store *s = ng_store_open(spec, NULL, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "child: %s\n", err);
		_exit(2);
	}
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	struct writer w[WRITERS];
	pthread_t th[WRITERS + 1];
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){.s = s, .round = round, .id = i, .ack = ack, .ack_mu = &mu};
		if (pthread_create(&th[i], NULL, writer_main, &w[i]) != 0)
			_exit(6);
	}
	struct scanner sc = {.s = s};
	snprintf(sc.prefix, sizeof(sc.prefix), "r%02d/", round);
	if (pthread_create(&th[WRITERS], NULL, scanner_main, &sc) != 0)
		_exit(6);
	pthread_join(th[0], NULL); /* never returns: the parent kills us */
	_exit(7);
}

/* ---- the parent ---- */

struct check {
	int round, w;
	int next; /* the record expected next */
	int expiring;
	char why[200];
};

static int check_fn(void *arg, const void *key, size_t klen, const void *val, size_t vlen,
                    int64_t expires)
{
	struct check *c = arg;
	char k[32];
	unsigned char v[VALUE_LEN];
	key_of(k, sizeof(k), c->round, c->w, c->next);
	value_of(v, k);
	if (klen != strlen(k) || memcmp(key, k, klen) != 0)
		snprintf(c->why, sizeof(c->why), "writer %d: record %.*s where %s was due", c->w,
		         (int)klen, (const char *)key, k);
	else if (vlen != VALUE_LEN || memcmp(val, v, vlen) != 0)
		snprintf(c->why, sizeof(c->why), "record %s: value wrong (%zu bytes)", k, vlen);
	else if (expires != expiry_of(c->next))
		snprintf(c->why, sizeof(c->why), "record %s: expiry %lld", k, (long long)expires);
	if (c->why[0] != '\0')
		return 1;
	c->expiring += expires != 0;
	c->next++;
	return 0;
}

static unsigned rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

static const char *round_(const char *spec, int round, unsigned *seed, char *why, size_t cap)
{
	int p[2];
	if (pipe(p) != 0)
		return "pipe failed";
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return "fork failed";
	if (pid == 0) {
		close(p[0]);
		child(spec, round, p[1]);
	}
	close(p[1]);
	int acked[WRITERS] = {-1, -1, -1}, msg[2], total = 0;
	int want = 1 + (int)(rnd(seed) % 300);
	while (total < want && read(p[0], msg, sizeof(msg)) == (ssize_t)sizeof(msg)) {
		acked[msg[0]] = msg[1];
		total++;
	}
	if (total < want) {
		int st = 0;
		waitpid(pid, &st, 0);
		snprintf(why, cap, "child ended early (status 0x%x)", (unsigned)st);
		return why;
	}
	for (unsigned n = rnd(seed) % 20; n > 0; n--) {
		const struct timespec t = {0, 100000};
		nanosleep(&t, NULL);
	}
	kill(pid, SIGKILL);
	while (read(p[0], msg, sizeof(msg)) == (ssize_t)sizeof(msg))
		acked[msg[0]] = msg[1];
	close(p[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) {
		snprintf(why, cap, "child did not die of SIGKILL (status 0x%x)", (unsigned)st);
		return why;
	}

	char err[512];
	struct ng_store *s = ng_store_open(spec, NULL, err, sizeof(err));
	if (s == NULL) {
		snprintf(why, cap, "reopen: %.400s", err);
		return why;
	}
	const char *bad = NULL;
	long sum = 0;
	int expiring = 0, records = 0;
	for (int w = 0; w < WRITERS && bad == NULL; w++) {
		char prefix[32];
		snprintf(prefix, sizeof(prefix), "r%02d/%d/", round, w);
		struct check c = {.round = round, .w = w};
		int rc = ng_store_scan(s, prefix, strlen(prefix), 0, check_fn, &c);
		if (rc < 0 || c.why[0] != '\0') {
			snprintf(why, cap, "scan: %s", rc < 0 ? ng_store_strerror(rc) : c.why);
			bad = why;
		} else if (c.next < acked[w] + 1 || c.next > acked[w] + 2) {
			snprintf(why, cap, "writer %d: %d records, %d acknowledged", w, c.next,
			         acked[w] + 1);
			bad = why;
		}
		sum += acked[w] + 1;
		expiring += c.expiring;
		records += c.next;
	}
	char ck[32];
	snprintf(ck, sizeof(ck), "r%02d/count", round);
	void *v = NULL;
	if (bad == NULL && ng_store_get(s, ck, strlen(ck), 0, &v, NULL, NULL) != 0) {
		bad = "counter missing";
	} else if (bad == NULL) {
		long n = strtol(v, NULL, 10);
		if (n < sum || n > sum + WRITERS) {
			snprintf(why, cap, "counter %ld after %ld acknowledged increments", n, sum);
			bad = why;
		}
	}
	free(v);
	size_t removed = 0;
	if (bad == NULL &&
	    (ng_store_expire(s, INT64_MAX, 0, &removed) != 0 || removed != (size_t)expiring)) {
		snprintf(why, cap, "expiry index: %zu removed, %d records expiring", removed,
		         expiring);
		bad = why;
	}
	if (bad == NULL && ng_store_put(s, "after", 5, "x", 1, 0) != 0)
		bad = "put after reopen failed";
	ng_store_close(s);
	if (bad == NULL)
		fprintf(stderr,
		        "round %d: killed after %ld acknowledged writes; %d records intact\n",
		        round, sum, records);
	return bad;
}

static void rm_store(const char *dir)
{
	char path[4200];
	const char *const files[] = {"db/data.mdb", "db/lock.mdb", "db", ""};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (remove(path) != 0 && errno != ENOENT)
			fprintf(stderr, "store_crash: remove %s: %s\n", path, strerror(errno));
	}
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 20;
	unsigned seed = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1;
	const char *tmp = getenv("TMPDIR");
	char dir[4096], spec[4200];
	snprintf(dir, sizeof(dir), "%s/ng-store-crash.XXXXXX",
	         tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("store_crash: mkdtemp");
		return 1;
	}
	snprintf(spec, sizeof(spec), "lmdb:%s/db", dir);
	int status = 0;
	for (int r = 0; r < rounds && r < 100; r++) {
		char why[600];
		const char *bad = round_(spec, r, &seed, why, sizeof(why));
		if (bad != NULL) {
			fprintf(stderr, "store_crash: round %d: %s (store kept in %s)\n", r, bad,
			        dir);
			return 1;
		}
	}
	rm_store(dir);
	fprintf(stderr, "store_crash: %d rounds, every store intact\n", rounds);
	return status;
}
