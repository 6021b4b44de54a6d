/*
 * smtp_load.c - a tolerant SMTP load client for the Postfix benchmark and the
 * policyd integration test.
 *
 * smtp-source(1) stops at the first 4xx/5xx reply and sends every message
 * from one client address.  This client instead sends a mix of message
 * classes, each from its own client address (127.0.0.x, bound per
 * connection) and envelope sender, keeps N sessions in flight on one poll()
 * loop, and counts every outcome per class: accepted (250 after the end of
 * data), tempfailed (4xx at any step), rejected (5xx at any step), or a
 * connection error/timeout.  One message per connection (like smtp-source
 * without -d), no pipelining: EHLO, MAIL, RCPT, DATA, QUIT.
 *
 * Classes are assigned deterministically, so the expected counts are exact:
 * message i gets the class whose cumulative weight range holds
 * i mod (sum of weights).  Within a class the client address cycles through
 * its range.
 *
 * usage: smtp_load [-s HOST:PORT] [-n MESSAGES] [-c SESSIONS] [-z BYTES]
 *                  [-r RCPT] [-t SECONDS] [-l LOGFILE] [-q] CLASS...
 *   CLASS   NAME:WEIGHT:SRC:SENDER, SRC a.b.c.d or a.b.c.d-e (last octet
 *           range, cycled), SENDER an address or <> for the null sender;
 *           default: ordinary:1:127.0.0.1:load@example.org
 *   -s      server, default 127.0.0.1:25
 *   -n      messages in all, default 1000
 *   -c      concurrent sessions, default 20
 *   -z      message size in bytes (headers included), default 2048
 *   -r      recipient, default user@example.net
 *   -t      per-session timeout in seconds, default 120
 *   -l      write one line per message: index class src sender outcome
 *           step code text
 *   -q      no table, only the RESULT lines
 *
 * Output: a table per class and, for scripts, lines of the form
 *   RESULT class=NAME sent=N ok=N temp=N perm=N err=N
 *   RESULT total sent=N ok=N temp=N perm=N err=N wall=SECONDS
 *   SAMPLE class=NAME reply=first 4xx/5xx reply seen for that class
 * Exit 0 when every message got an answer (whatever it was), 1 when some
 * session ended in a connection error or timeout, 2 for a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLASSES    16
#define MAX_SESSIONS   1024
#define LINE_MAX_BYTES 1024 /* one SMTP reply line we keep; longer ones are cut */
#define REPLY_MAX      4096 /* a whole (multi-line) reply */

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

struct mclass {
	char name[32];
	unsigned weight;
	struct in_addr base; /* first client address of the range */
	unsigned span;       /* number of addresses in the range */
	unsigned next;       /* next address offset, cycled */
	char sender[256];    /* "" for the null sender */
	unsigned long sent, ok, temp, perm, err;
	char sample[LINE_MAX_BYTES];
};

enum step { S_FREE, S_CONNECT, S_BANNER, S_EHLO, S_MAIL, S_RCPT, S_DATA, S_DOT, S_QUIT };

static const char *const step_names[] = {"free", "connect", "banner", "ehlo", "mail",
                                         "rcpt", "data",    "dot",    "quit"};

struct session {
	int fd;
	enum step step;
	int cls;
	unsigned long index;
	struct in_addr src;
	double deadline;
	char out[8192];
	size_t out_len, out_off;
	const char *body; /* the message, sent after 354 */
	size_t body_len, body_off;
	char in[REPLY_MAX];
	size_t in_len;
	int outcome_set; /* the message's outcome is counted */
};

static struct mclass classes[MAX_CLASSES];
static int nclasses;
static unsigned total_weight;
static FILE *msglog;
static char server_host[64] = "127.0.0.1";
static unsigned server_port = 25;
static struct sockaddr_in server_addr;
static const char *rcpt = "user@example.net";
static char *message;
static size_t message_len;

static void usage(void)
{
	fprintf(stderr, "usage: smtp_load [-s HOST:PORT] [-n MESSAGES] [-c SESSIONS] [-z BYTES]\n"
	                "                 [-r RCPT] [-t SECONDS] [-l LOGFILE] [-q] "
	                "NAME:WEIGHT:SRC:SENDER...\n");
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A decimal number in [lo, hi]; the whole string must be digits. */
static int parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* NAME:WEIGHT:SRC:SENDER */
static int parse_class(const char *arg)
{
	struct mclass *c;
	const char *p[3];
	const char *s = arg;
	char buf[64];
	unsigned long w, last;
	char *dash;
	size_t n;

	if (nclasses == MAX_CLASSES)
		return -1;
	for (int i = 0; i < 3; i++) {
		p[i] = strchr(s, ':');
		if (!p[i])
			return -1;
		s = p[i] + 1;
	}
	c = &classes[nclasses];
	memset(c, 0, sizeof(*c));
	n = (size_t)(p[0] - arg);
	if (n == 0 || n >= sizeof(c->name))
		return -1;
	memcpy(c->name, arg, n);
	n = (size_t)(p[1] - p[0] - 1);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, p[0] + 1, n);
	buf[n] = '\0';
	if (parse_ulong(buf, 1, 1000000, &w))
		return -1;
	c->weight = (unsigned)w;
	n = (size_t)(p[2] - p[1] - 1);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, p[1] + 1, n);
	buf[n] = '\0';
	c->span = 1;
	dash = strchr(buf, '-');
	if (dash) {
		*dash = '\0';
		if (parse_ulong(dash + 1, 0, 255, &last))
			return -1;
	}
	if (inet_pton(AF_INET, buf, &c->base) != 1)
		return -1;
	if (dash) {
		unsigned first = ntohl(c->base.s_addr) & 0xff;

		if (last < first)
			return -1;
		c->span = (unsigned)(last - first + 1);
	}
	n = strlen(p[2] + 1);
	if (n >= sizeof(c->sender))
		return -1;
	if (strcmp(p[2] + 1, "<>") != 0)
		memcpy(c->sender, p[2] + 1, n + 1);
	total_weight += c->weight;
	nclasses++;
	return 0;
}

static int pick_class(unsigned long i)
{
	unsigned r = (unsigned)(i % total_weight);

	for (int k = 0; k < nclasses; k++) {
		if (r < classes[k].weight)
			return k;
		r -= classes[k].weight;
	}
	return nclasses - 1;
}

/* The message: a few headers, then 78-byte lines (no line starts with a dot)
 * up to size bytes, then the end-of-data dot. */
static void build_message(size_t size)
{
	static const char hdr[] = "From: Load Test <load@example.org>\r\n"
	                          "To: <user@example.net>\r\n"
	                          "Subject: smtp_load test message\r\n"
	                          "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"
	                          "Message-ID: <smtp-load@example.org>\r\n"
	                          "MIME-Version: 1.0\r\n"
	                          "Content-Type: text/plain; charset=us-ascii\r\n"
	                          "\r\n";
	size_t len = sizeof(hdr) - 1, cap = size + sizeof(hdr) + 128;

	message = malloc(cap);
	if (!message) {
		perror("smtp_load: malloc");
		exit(3);
	}
	memcpy(message, hdr, len);
	while (len + 78 <= size) {
		memset(message + len, 'x', 76);
		message[len] = (char)('a' + (len / 78) % 26);
		message[len + 76] = '\r';
		message[len + 77] = '\n';
		len += 78;
	}
	memcpy(message + len, ".\r\n", 3);
	len += 3;
	message_len = len;
}

static void queue_out(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void queue_out(struct session *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->out, sizeof(s->out), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(s->out))
		n = (int)sizeof(s->out) - 1;
	s->out_len = (size_t)n;
	s->out_off = 0;
}

static void log_message(const struct session *s, const char *what, const char *reply)
{
	char src[INET_ADDRSTRLEN];
	const struct mclass *c = &classes[s->cls];

	if (!msglog)
		return;
	inet_ntop(AF_INET, &s->src, src, sizeof(src));
	fprintf(msglog, "%lu %s %s <%s> %s %s %s\n", s->index, c->name, src, c->sender, what,
	        step_names[s->step], reply ? reply : "-");
}

/* Count the message's outcome once. */
static void outcome(struct session *s, char kind, const char *reply)
{
	struct mclass *c = &classes[s->cls];

	if (s->outcome_set)
		return;
	s->outcome_set = 1;
	switch (kind) {
	case '2':
		c->ok++;
		log_message(s, "ok", reply);
		return;
	case '4':
		c->temp++;
		log_message(s, "temp", reply);
		break;
	case '5':
		c->perm++;
		log_message(s, "perm", reply);
		break;
	default:
		c->err++;
		log_message(s, "err", reply);
		return;
	}
	if (!c->sample[0] && reply)
		snprintf(c->sample, sizeof(c->sample), "%s", reply);
}

static void close_session(struct session *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->step = S_FREE;
}

static int start_session(struct session *s, unsigned long index, double timeout)
{
	struct sockaddr_in src;
	struct mclass *c;
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->index = index;
	s->cls = pick_class(index);
	c = &classes[s->cls];
	c->sent++;
	s->src.s_addr = htonl(ntohl(c->base.s_addr) + c->next);
	c->next = (c->next + 1) % c->span;
	s->deadline = now() + timeout;
	s->body = message;
	s->body_len = message_len;

	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		outcome(s, 'e', strerror(errno));
		close_session(s);
		return -1;
	}
	setsockopt(s->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr = s->src;
	if (bind(s->fd, (struct sockaddr *)&src, sizeof(src)) < 0 ||
	    (connect(s->fd, (struct sockaddr *)&server_addr, sizeof(server_addr)) < 0 &&
	     errno != EINPROGRESS)) {
		outcome(s, 'e', strerror(errno));
		close_session(s);
		return -1;
	}
	s->step = S_CONNECT;
	return 0;
}

/* A complete reply in s->in?  Returns its length (through the last CRLF) and
 * the code, or 0 when more input is needed. */
static size_t complete_reply(struct session *s, int *code)
{
	size_t start = 0;

	for (size_t i = 0; i < s->in_len; i++) {
		if (s->in[i] != '\n')
			continue;
		/* line s->in[start..i] */
		if (i - start >= 3 && (i - start == 3 || s->in[start + 3] != '-')) {
			*code = (s->in[start] - '0') * 100 + (s->in[start + 1] - '0') * 10 +
			        (s->in[start + 2] - '0');
			return i + 1;
		}
		start = i + 1;
	}
	return 0;
}

/* The last line of the reply, without CRLF, for logs and samples. */
static void reply_text(const struct session *s, size_t len, char *buf, size_t cap)
{
	size_t end = len, start;

	while (end > 0 && (s->in[end - 1] == '\n' || s->in[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && s->in[start - 1] != '\n')
		start--;
	if (end - start >= cap)
		end = start + cap - 1;
	memcpy(buf, s->in + start, end - start);
	buf[end - start] = '\0';
}

/* React to one complete reply. */
static void on_reply(struct session *s, int code, const char *text)
{
	char cls = (char)('0' + code / 100);

	if (s->step == S_QUIT) {
		close_session(s);
		return;
	}
	if (code == 421 || (cls != '2' && cls != '3')) {
		outcome(s, cls == '4' || cls == '5' ? cls : 'e', text);
		if (code == 421) {
			close_session(s);
			return;
		}
		s->step = S_QUIT;
		queue_out(s, "QUIT\r\n");
		return;
	}
	switch (s->step) {
	case S_BANNER:
		s->step = S_EHLO;
		queue_out(s, "EHLO load.example.org\r\n");
		break;
	case S_EHLO:
		s->step = S_MAIL;
		queue_out(s, "MAIL FROM:<%s>\r\n", classes[s->cls].sender);
		break;
	case S_MAIL:
		s->step = S_RCPT;
		queue_out(s, "RCPT TO:<%s>\r\n", rcpt);
		break;
	case S_RCPT:
		s->step = S_DATA;
		queue_out(s, "DATA\r\n");
		break;
	case S_DATA:
		if (code != 354) {
			outcome(s, 'e', text);
			s->step = S_QUIT;
			queue_out(s, "QUIT\r\n");
			break;
		}
		s->step = S_DOT;
		s->out_len = s->out_off = 0;
		s->body_off = 0;
		break;
	case S_DOT:
		outcome(s, '2', text);
		s->step = S_QUIT;
		queue_out(s, "QUIT\r\n");
		break;
	default:
		break;
	}
}

static void fail_session(struct session *s, const char *why)
{
	if (s->step == S_QUIT && s->outcome_set) {
		close_session(s); /* the server closed after QUIT: fine */
		return;
	}
	outcome(s, 'e', why);
	close_session(s);
}

static void on_writable(struct session *s)
{
	ssize_t n;

	if (s->step == S_CONNECT) {
		int err = 0;
		socklen_t len = sizeof(err);

		getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			fail_session(s, strerror(err));
			return;
		}
		s->step = S_BANNER;
		return;
	}
	if (s->step == S_DOT && s->body_off < s->body_len) {
		n = send(s->fd, s->body + s->body_off, s->body_len - s->body_off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fail_session(s, strerror(errno));
			return;
		}
		s->body_off += (size_t)n;
		return;
	}
	if (s->out_off < s->out_len) {
		n = send(s->fd, s->out + s->out_off, s->out_len - s->out_off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fail_session(s, strerror(errno));
			return;
		}
		s->out_off += (size_t)n;
	}
}

static void on_readable(struct session *s)
{
	ssize_t n;
	size_t len;
	int code;
	char text[LINE_MAX_BYTES];

	if (s->in_len == sizeof(s->in)) {
		/* An endless reply: keep only the tail so the last line is found. */
		memmove(s->in, s->in + sizeof(s->in) / 2, sizeof(s->in) / 2);
		s->in_len = sizeof(s->in) / 2;
	}
	n = recv(s->fd, s->in + s->in_len, sizeof(s->in) - s->in_len, 0);
	if (n == 0) {
		fail_session(s, "connection closed by server");
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			fail_session(s, strerror(errno));
		return;
	}
	s->in_len += (size_t)n;
	while (s->fd >= 0 && (len = complete_reply(s, &code)) > 0) {
		reply_text(s, len, text, sizeof(text));
		memmove(s->in, s->in + len, s->in_len - len);
		s->in_len -= len;
		if (code < 200 || code > 599) {
			fail_session(s, text);
			return;
		}
		on_reply(s, code, text);
	}
}

static int wants_write(const struct session *s)
{
	if (s->step == S_CONNECT)
		return 1;
	if (s->step == S_DOT)
		return s->body_off < s->body_len;
	return s->out_off < s->out_len;
}

int main(int argc, char **argv)
{
	unsigned long messages = 1000, sessions = 20, size = 2048, timeout = 120, v;
	unsigned long started = 0, idx;
	struct session *ss;
	struct pollfd *pfd;
	int quiet = 0, opt, rc = 0;
	double t0, wall;
	char *colon;
	struct mclass total;

	while ((opt = getopt(argc, argv, "s:n:c:z:r:t:l:q")) != -1) {
		switch (opt) {
		case 's':
			colon = strrchr(optarg, ':');
			if (!colon || (size_t)(colon - optarg) >= sizeof(server_host) ||
			    parse_ulong(colon + 1, 1, 65535, &v))
				usage();
			memcpy(server_host, optarg, (size_t)(colon - optarg));
			server_host[colon - optarg] = '\0';
			server_port = (unsigned)v;
			break;
		case 'n':
			if (parse_ulong(optarg, 1, 100000000, &messages))
				usage();
			break;
		case 'c':
			if (parse_ulong(optarg, 1, MAX_SESSIONS, &sessions))
				usage();
			break;
		case 'z':
			if (parse_ulong(optarg, 256, 100000000, &size))
				usage();
			break;
		case 'r':
			rcpt = optarg;
			break;
		case 't':
			if (parse_ulong(optarg, 1, 86400, &timeout))
				usage();
			break;
		case 'l':
			msglog = fopen(optarg, "w");
			if (!msglog) {
				perror(optarg);
				return 2;
			}
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage();
		}
	}
	for (int i = optind; i < argc; i++) {
		if (parse_class(argv[i])) {
			fprintf(stderr, "smtp_load: bad class '%s'\n", argv[i]);
			usage();
		}
	}
	if (nclasses == 0 && parse_class("ordinary:1:127.0.0.1:load@example.org"))
		return 3;
	memset(&server_addr, 0, sizeof(server_addr));
	server_addr.sin_family = AF_INET;
	server_addr.sin_port = htons((unsigned short)server_port);
	if (inet_pton(AF_INET, server_host, &server_addr.sin_addr) != 1) {
		fprintf(stderr, "smtp_load: server must be an IPv4 address: %s\n", server_host);
		return 2;
	}
	if (sessions > messages)
		sessions = messages;
	build_message(size);
	ss = calloc(sessions, sizeof(*ss));
	pfd = calloc(sessions, sizeof(*pfd));
	if (!ss || !pfd) {
		perror("smtp_load: calloc");
		return 3;
	}
	for (unsigned long i = 0; i < sessions; i++) {
		ss[i].fd = -1;
		ss[i].step = S_FREE;
	}

	t0 = now();
	for (;;) {
		int active = 0;
		double t = now();

		for (unsigned long i = 0; i < sessions; i++) {
			struct session *s = &ss[i];

			while (s->step == S_FREE && started < messages) {
				idx = started++;
				if (start_session(s, idx, (double)timeout) == 0)
					break;
			}
			if (s->step != S_FREE && t > s->deadline)
				fail_session(s, "timeout");
			pfd[i].fd = s->fd;
			pfd[i].events = 0;
			pfd[i].revents = 0;
			if (s->step == S_FREE) {
				pfd[i].fd = -1;
				continue;
			}
			active++;
			pfd[i].events = POLLIN;
			if (wants_write(s))
				pfd[i].events |= POLLOUT;
		}
		if (!active && started >= messages)
			break;
		if (poll(pfd, (nfds_t)sessions, 1000) < 0) {
			if (errno == EINTR)
				continue;
			perror("smtp_load: poll");
			return 3;
		}
		for (unsigned long i = 0; i < sessions; i++) {
			struct session *s = &ss[i];

			if (s->step == S_FREE || pfd[i].fd < 0)
				continue;
			if (pfd[i].revents & (POLLOUT | POLLERR | POLLHUP) &&
			    s->step == S_CONNECT) {
				on_writable(s);
				continue;
			}
			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
				on_readable(s);
			if (s->step != S_FREE && s->fd >= 0 && (pfd[i].revents & POLLOUT))
				on_writable(s);
		}
	}
	wall = now() - t0;

	memset(&total, 0, sizeof(total));
	if (!quiet)
		printf("smtp_load: %lu messages, %lu sessions, %lu bytes, server %s:%u\n"
		       "%-12s %8s %8s %8s %8s %8s\n",
		       messages, sessions, (unsigned long)message_len, server_host, server_port,
		       "class", "sent", "2xx", "4xx", "5xx", "error");
	for (int k = 0; k < nclasses; k++) {
		struct mclass *c = &classes[k];

		total.sent += c->sent;
		total.ok += c->ok;
		total.temp += c->temp;
		total.perm += c->perm;
		total.err += c->err;
		if (!quiet)
			printf("%-12s %8lu %8lu %8lu %8lu %8lu\n", c->name, c->sent, c->ok, c->temp,
			       c->perm, c->err);
	}
	if (!quiet)
		printf("%-12s %8lu %8lu %8lu %8lu %8lu\nwall %.3f s, %.1f msg/s\n", "total",
		       total.sent, total.ok, total.temp, total.perm, total.err, wall,
		       wall > 0 ? (double)total.sent / wall : 0.0);
	for (int k = 0; k < nclasses; k++) {
		struct mclass *c = &classes[k];

		printf("RESULT class=%s sent=%lu ok=%lu temp=%lu perm=%lu err=%lu\n", c->name,
		       c->sent, c->ok, c->temp, c->perm, c->err);
	}
	printf("RESULT total sent=%lu ok=%lu temp=%lu perm=%lu err=%lu wall=%.3f\n", total.sent,
	       total.ok, total.temp, total.perm, total.err, wall);
	for (int k = 0; k < nclasses; k++) {
		if (classes[k].sample[0])
			printf("SAMPLE class=%s reply=%s\n", classes[k].name, classes[k].sample);
	}
	if (total.err)
		rc = 1;
	if (msglog)
		fclose(msglog);
	free(ss);
	free(pfd);
	free(message);
	return rc;
}
