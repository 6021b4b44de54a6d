/*
 * trapd_load.c - `ndrguard trapd` under load: many concurrent SMTP
 * sessions, some deliberately slow, on one poll() loop.
 *
 * Every session delivers one bounce (MAIL FROM:<>, one trap recipient,
 * the message of FILE, dot-stuffed) from its own client address
 * (127.1.x.y fast, 127.2.x.y slow: one listing entry each), waiting for
 * each reply before the next command (no pipelining), then QUIT.  Three
 * kinds of session, all opened at once, the slow ones first so that they
 * hold their connections while the fast ones run:
 *
 *   fast     sends each step at once
 *   trickle  sends each step TRICKLE bytes at a time, one piece every
 *            TRICKLE_MS (lines arrive cut anywhere)
 *   stall    waits STALL_MS - just under trapd_idle_timeout - before
 *            each step, then sends it at once
 *
 * A session completes when every reply was the expected one (220, 250,
 * 250, 250, 354, 250 after the message, 221).  The times from connect to
 * the 221 are reported per kind (min, median, p99, max), and the number
 * of messages trapd accepted (250 after the end of data), which the
 * calling script compares with the hits trapd recorded.
 *
 * usage: trapd_load -p PORT -m FILE [-n SESSIONS] [-s SLOW] [-S STALL_MS]
 *                   [-t TRICKLE] [-T TRICKLE_MS] [-d DOMAIN] [-w SECONDS]
 *   -n  sessions in all (default 500), -s of them slow (default 100: half
 *       trickle, half stall), -w give up after SECONDS (default 120)
 *
 * Output: a table, and for scripts
 *   RESULT kind=K sessions=N completed=N failed=N min_ms= median_ms= p99_ms= max_ms=
 *   RESULT accepted=N all_fast_done_ms=N wall_ms=N
 *   FAIL session=I kind=K step=S got="reply"   (for each failure)
 * Exit 0 when every session completed, 1 otherwise, 2 for a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum kind { K_FAST, K_TRICKLE, K_STALL, K_N };
static const char *const kind_names[K_N] = {"fast", "trickle", "stall"};

#define STEPS 7
static const int want_code[STEPS] = {220, 250, 250, 250, 354, 250, 221};

struct sess {
	enum kind kind;
	int fd;
	int step;        /* the reply awaited: 0 greeting ... 6 the 221 */
	bool sending;    /* the step's bytes are going out */
	const char *out; /* what this step sends */
	size_t outlen, sent;
	long long next_ms; /* when to send the next piece (stall, trickle) */
	char in[4096];
	size_t inlen;
	long long t0, t1;
	bool done, failed, accepted;
	char why[200];
	char rcpt[64];
	char cmd[3][128]; /* EHLO, MAIL, RCPT lines */
};

struct cfg {
	unsigned port;
	const char *msgfile;
	int n, slow, trickle, trickle_ms, stall_ms, wait_s;
	const char *domain;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The message with CRLF line ends, dot-stuffed, ending in "\r\n.\r\n". */
static char *load_message(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *out = malloc(cap);
	int c, prev = '\n';
	while (out != NULL && (c = getc(f)) != EOF) {
		if (n + 8 > cap) {
			char *p = realloc(out, cap *= 2);
			if (p == NULL) {
				free(out);
				out = NULL;
				break;
			}
			out = p;
		}
		if (c == '\r')
			continue;
		if (prev == '\n' && c == '.')
			out[n++] = '.';
		if (c == '\n')
			out[n++] = '\r';
		out[n++] = (char)c;
		prev = c;
	}
	fclose(f);
	if (out == NULL)
		return NULL;
	if (n > 0 && out[n - 1] != '\n') {
		out[n++] = '\r';
		out[n++] = '\n';
	}
	memcpy(out + n, ".\r\n", 3);
	*len = n + 3;
	return out;
}

static void fail(struct sess *s, const char *why)
{
	if (s->done)
		return;
	s->failed = true;
	s->done = true;
	snprintf(s->why, sizeof(s->why), "%s", why);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int open_session(struct sess *s, const struct cfg *c, int i, const char *msg, size_t msglen,
                        long long t)
{
	(void)msg;
	(void)msglen;
	char src[32];
	if (s->kind == K_FAST)
		snprintf(src, sizeof(src), "127.1.%d.%d", i / 200, i % 200 + 1);
	else
		snprintf(src, sizeof(src), "127.2.%d.%d", i / 200, i % 200 + 1);
	snprintf(s->cmd[0], sizeof(s->cmd[0]), "EHLO load-%d.example\r\n", i);
	snprintf(s->cmd[1], sizeof(s->cmd[1]), "MAIL FROM:<>\r\n");
	snprintf(s->cmd[2], sizeof(s->cmd[2]), "RCPT TO:<trap%d@%s>\r\n", i, c->domain);
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET};
	inet_pton(AF_INET, src, &a.sin_addr);
	int one = 1;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fail(s, "bind");
		return 0;
	}
	struct sockaddr_in d = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port)};
	inet_pton(AF_INET, "127.0.0.1", &d.sin_addr);
	if (connect(s->fd, (struct sockaddr *)&d, sizeof(d)) < 0 && errno != EINPROGRESS) {
		fail(s, strerror(errno));
		return 0;
	}
	s->t0 = t;
	return 0;
}

/* The bytes of the step that follows the reply to step s->step - 1. */
static void start_step(struct sess *s, const struct cfg *c, const char *msg, size_t msglen,
                       long long t)
{
	static const char data[] = "DATA\r\n", quit[] = "QUIT\r\n";
	switch (s->step) {
	case 1:
	case 2:
	case 3:
		s->out = s->cmd[s->step - 1];
		s->outlen = strlen(s->out);
		break;
	case 4:
		s->out = data;
		s->outlen = sizeof(data) - 1;
		break;
	case 5:
		s->out = msg;
		s->outlen = msglen;
		break;
	case 6:
		s->out = quit;
		s->outlen = sizeof(quit) - 1;
		break;
	default:
		return;
	}
	s->sent = 0;
	s->sending = true;
	s->next_ms = s->kind == K_STALL ? t + c->stall_ms : t;
}

/* Send what is due; false when the session failed. */
static void pump(struct sess *s, const struct cfg *c, long long t)
{
	while (s->sending && t >= s->next_ms && s->sent < s->outlen) {
		size_t n = s->outlen - s->sent;
		if (s->kind == K_TRICKLE && n > (size_t)c->trickle)
			n = (size_t)c->trickle;
		ssize_t w = send(s->fd, s->out + s->sent, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				fail(s, strerror(errno));
			return;
		}
		s->sent += (size_t)w;
		if (s->kind == K_TRICKLE)
			s->next_ms = t + c->trickle_ms;
	}
	if (s->sending && s->sent == s->outlen)
		s->sending = false;
}

/* Read replies; advance the steps. */
static void take(struct sess *s, const struct cfg *c, const char *msg, size_t msglen, long long t)
{
	ssize_t r = recv(s->fd, s->in + s->inlen, sizeof(s->in) - 1 - s->inlen, 0);
	if (r == 0) {
		fail(s, s->step == 6 ? "closed before 221" : "closed by the server");
		return;
	}
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			fail(s, strerror(errno));
		return;
	}
	s->inlen += (size_t)r;
	s->in[s->inlen] = '\0';
	char *nl;
	while (!s->done && (nl = strstr(s->in, "\r\n")) != NULL) {
		*nl = '\0';
		bool last = strlen(s->in) >= 4 && s->in[3] == ' ';
		if (strlen(s->in) < 4 || (s->in[3] != ' ' && s->in[3] != '-')) {
			char why[200];
			snprintf(why, sizeof(why), "step %d: bad reply \"%.100s\"", s->step, s->in);
			fail(s, why);
			return;
		}
		if (last) {
			int code =
			    (s->in[0] - '0') * 100 + (s->in[1] - '0') * 10 + (s->in[2] - '0');
			if (code != want_code[s->step] || s->sending) {
				char why[200];
				snprintf(why, sizeof(why), "step %d: got \"%.120s\"", s->step,
				         s->in);
				fail(s, why);
				return;
			}
			if (s->step == 5)
				s->accepted = true;
			if (s->step == 6) {
				s->done = true;
				s->t1 = t;
				close(s->fd);
				s->fd = -1;
				return;
			}
			s->step++;
			start_step(s, c, msg, msglen, t);
		}
		size_t rest = s->inlen - (size_t)(nl + 2 - s->in);
		memmove(s->in, nl + 2, rest + 1);
		s->inlen = rest;
	}
	if (s->inlen >= sizeof(s->in) - 1)
		fail(s, "reply line too long");
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fprintf(stderr, "usage: trapd_load -p PORT -m FILE [-n SESSIONS] [-s SLOW] [-S STALL_MS] "
	                "[-t TRICKLE] [-T TRICKLE_MS] [-d DOMAIN] [-w SECONDS]\n");
	exit(2);
}

static int num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || v > 10000000)
		usage();
	return (int)v;
}

int main(int argc, char **argv)
{
	struct cfg c = {.n = 500,
	                .slow = 100,
	                .trickle = 16,
	                .trickle_ms = 20,
	                .stall_ms = 2500,
	                .wait_s = 120,
	                .domain = "trap.example"};
	int opt;
	while ((opt = getopt(argc, argv, "p:m:n:s:S:t:T:d:w:")) != -1) {
		switch (opt) {
		case 'p':
			c.port = (unsigned)num(optarg);
			break;
		case 'm':
			c.msgfile = optarg;
			break;
		case 'n':
			c.n = num(optarg);
			break;
		case 's':
			c.slow = num(optarg);
			break;
		case 'S':
			c.stall_ms = num(optarg);
			break;
		case 't':
			c.trickle = num(optarg);
			break;
		case 'T':
			c.trickle_ms = num(optarg);
			break;
		case 'd':
			c.domain = optarg;
			break;
		case 'w':
			c.wait_s = num(optarg);
			break;
		default:
			usage();
		}
	}
	if (c.port == 0 || c.msgfile == NULL || c.slow > c.n || c.n == 0 || c.trickle == 0 ||
	    c.n > 40000)
		usage();
	size_t msglen;
	char *msg = load_message(c.msgfile, &msglen);
	if (msg == NULL) {
		fprintf(stderr, "trapd_load: cannot read %s\n", c.msgfile);
		return 2;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct sess *ss = calloc((size_t)c.n, sizeof(*ss));
	struct pollfd *pf = calloc((size_t)c.n, sizeof(*pf));
	int *map = calloc((size_t)c.n, sizeof(*map));
	if (ss == NULL || pf == NULL || map == NULL)
		return 2;
	long long t0 = now_ms();
	/* slow ones first: they hold their connections while the fast ones run */
	for (int i = 0; i < c.n; i++) {
		struct sess *s = &ss[i];
		s->kind = i < c.slow ? (i % 2 == 0 ? K_TRICKLE : K_STALL) : K_FAST;
		s->fd = -1;
		if (open_session(s, &c, i, msg, msglen, t0) < 0) {
			fprintf(stderr, "trapd_load: socket: %s\n", strerror(errno));
			return 2;
		}
	}
	long long fast_done = 0, deadline = t0 + (long long)c.wait_s * 1000;
	for (;;) {
		long long t = now_ms();
		int np = 0, open = 0, fast_open = 0;
		long long wake = t + 1000;
		for (int i = 0; i < c.n; i++) {
			struct sess *s = &ss[i];
			if (s->done)
				continue;
			open++;
			fast_open += s->kind == K_FAST;
			pump(s, &c, t);
			if (s->done)
				continue;
			short ev = POLLIN;
			if (s->sending) {
				if (t >= s->next_ms)
					ev |= POLLOUT;
				else if (s->next_ms < wake)
					wake = s->next_ms;
			}
			pf[np].fd = s->fd;
			pf[np].events = ev;
			pf[np].revents = 0;
			map[np++] = i;
		}
		if (fast_open == 0 && fast_done == 0)
			fast_done = t;
		if (open == 0)
			break;
		if (t >= deadline) {
			for (int i = 0; i < c.n; i++)
				if (!ss[i].done) {
					char why[64];
					snprintf(why, sizeof(why), "timeout at step %d",
					         ss[i].step);
					fail(&ss[i], why);
				}
			break;
		}
		int ms = (int)(wake > t ? wake - t : 0);
		if (poll(pf, (nfds_t)np, ms) < 0 && errno != EINTR) {
			perror("poll");
			return 2;
		}
		t = now_ms();
		for (int k = 0; k < np; k++) {
			struct sess *s = &ss[map[k]];
			if (s->done)
				continue;
			if (pf[k].revents & (POLLIN | POLLERR | POLLHUP))
				take(s, &c, msg, msglen, t);
			if (!s->done && (pf[k].revents & POLLOUT))
				pump(s, &c, t);
		}
	}
	long long wall = now_ms() - t0;

	/* report */
	int failed_all = 0, accepted = 0;
	long long *ms = calloc((size_t)c.n, sizeof(*ms));
	printf("%-8s %8s %9s %6s %8s %10s %8s %8s\n", "kind", "sessions", "completed", "failed",
	       "min_ms", "median_ms", "p99_ms", "max_ms");
	for (int k = 0; k < K_N; k++) {
		int n = 0, done = 0, failed = 0;
		for (int i = 0; i < c.n; i++) {
			if (ss[i].kind != (enum kind)k)
				continue;
			n++;
			if (ss[i].failed)
				failed++;
			else
				ms[done++] = ss[i].t1 - ss[i].t0;
		}
		if (n == 0)
			continue;
		qsort(ms, (size_t)done, sizeof(*ms), cmp_ll);
		long long mn = done ? ms[0] : 0, md = done ? ms[done / 2] : 0;
		long long p99 =
		    done ? ms[(done * 99) / 100 < done ? (done * 99) / 100 : done - 1] : 0;
		long long mx = done ? ms[done - 1] : 0;
		printf("%-8s %8d %9d %6d %8lld %10lld %8lld %8lld\n", kind_names[k], n, done,
		       failed, mn, md, p99, mx);
		printf(
		    "RESULT kind=%s sessions=%d completed=%d failed=%d min_ms=%lld median_ms=%lld "
		    "p99_ms=%lld max_ms=%lld\n",
		    kind_names[k], n, done, failed, mn, md, p99, mx);
		failed_all += failed;
	}
	for (int i = 0; i < c.n; i++) {
		accepted += ss[i].accepted;
		if (ss[i].failed)
			printf("FAIL session=%d kind=%s step=%d %s\n", i, kind_names[ss[i].kind],
			       ss[i].step, ss[i].why);
	}
	printf("RESULT accepted=%d all_fast_done_ms=%lld wall_ms=%lld\n", accepted,
	       fast_done > 0 ? fast_done - t0 : -1, wall);
	free(ms);
	free(ss);
	free(pf);
	free(map);
	free(msg);
	return failed_all == 0 ? 0 : 1;
}
