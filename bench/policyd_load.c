/*
 * policyd_load.c - a load client for `ndrguard policyd`: decisions per
 * second over the Postfix policy protocol.
 *
 * usage: policyd_load [-c CONNS] [-d DEPTH] [-t SECONDS] [-w SECONDS]
 *                     [-m MIX] [-l LISTED_IP] ADDRESS
 *
 *   ADDRESS  inet:HOST:PORT, HOST:PORT or unix:PATH
 *   -c       connections (default 32)
 *   -d       requests in flight per connection (default 1: request and
 *            reply in turn, as Postfix's smtpd does; more = pipelined)
 *   -t       seconds measured (default 5), after -w seconds of warm-up
 *            (default 1) that fill policyd's DNSBL cache
 *   -m       the mix, percentages "bounce-listed,ordinary-listed,ordinary,
 *            bounce-unlisted" (default 10,10,80,0: the load, 10%
 *            bounces from a listed IP, 10% ordinary mail from it, 80%
 *            ordinary mail from unlisted IPs)
 *   -l       the listed client address (default 192.0.2.1)
 *
 * The requests are Postfix 3.7's RCPT-stage attribute set (about 600
 * bytes), built once.  Unlisted clients rotate over 198.51.100.0/24.  One
 * thread, epoll, non-blocking sockets; a reply is counted at its "\n\n".
 * Prints one line:
 *
 *   decisions=N seconds=S rate=R/s reject=A defer=B prepend=C dunno=D other=E
 *
 * and exits 0, or 1 when the server closed a connection or answered
 * something that is not a policy reply, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#define NREQ      1000 /* distinct requests, used in turn */
#define REQ_MAX   1024
#define IN_MAX    65536
#define CONNS_MAX 20000

enum kind { BOUNCE_LISTED, ORDINARY_LISTED, ORDINARY, BOUNCE_UNLISTED, NKINDS };

struct req {
	char text[REQ_MAX];
	size_t len;
};

struct conn {
	int fd;
	unsigned next_req; /* index of the next request to send */
	unsigned inflight; /* requests sent, replies not yet read */
	const char *out;   /* unsent rest of the current request */
	size_t outlen;
	bool nl;    /* the last byte read was '\n' */
	size_t pos; /* bytes of the reply being read */
	char kind;  /* its first byte after "action=" */
};

struct counts {
	unsigned long long replies, reject, defer, prepend, dunno, other;
};

static struct req reqs[NREQ];

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void build(const unsigned mix[NKINDS], const char *listed)
{
	static const char *const senders[NKINDS] = {"", "alice@example.net", "bob@example.org",
	                                            "MAILER-DAEMON@mx.example.com"};
	unsigned total = 0;
	for (int k = 0; k < NKINDS; k++)
		total += mix[k];
	for (unsigned i = 0; i < NREQ; i++) {
		/* spread the kinds evenly over the sequence */
		unsigned slot = (i * 37u) % 100u * total / 100u, k = 0, acc = mix[0];
		while (slot >= acc && k + 1 < NKINDS)
			acc += mix[++k];
		char client[64];
		if (k == BOUNCE_LISTED || k == ORDINARY_LISTED)
			snprintf(client, sizeof(client), "%s", listed);
		else
			snprintf(client, sizeof(client), "198.51.100.%u", 1 + i % 250);
		int n = snprintf(
		    reqs[i].text, sizeof(reqs[i].text),
		    "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
		    "client_address=%s\nclient_name=unknown\nclient_port=4%04u\n"
		    "reverse_client_name=mail%u.example.com\nserver_address=127.0.0.1\n"
		    "server_port=25\nhelo_name=mail%u.example.com\nsender=%s\n"
		    "recipient=user%u@example.org\nrecipient_count=0\nqueue_id=\ninstance=%x.%x.0\n"
		    "size=0\netrn_domain=\nstress=\nsasl_method=\nsasl_username=\nsasl_sender=\n"
		    "ccert_subject=\nccert_issuer=\nccert_fingerprint=\nccert_pubkey_fingerprint=\n"
		    "encryption_protocol=TLSv1.3\nencryption_cipher=TLS_AES_256_GCM_SHA384\n"
		    "encryption_keysize=256\npolicy_context=\ncompatibility_level=3.6\n"
		    "mail_version=3.7.11\n\n",
		    client, i, i, i, senders[k], i % 97, i, i * 7u);
		reqs[i].len = (size_t)n;
	}
}

static int dial(const char *addr)
{
	const char *a = strncmp(addr, "inet:", 5) == 0 ? addr + 5 : addr;
	int fd;
	if (strncmp(addr, "unix:", 5) == 0) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", addr + 5);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
			return -1;
	} else {
		char host[256];
		const char *colon = strrchr(a, ':');
		if (colon == NULL || (size_t)(colon - a) >= sizeof(host))
			return -1;
		memcpy(host, a, (size_t)(colon - a));
		host[colon - a] = '\0';
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
		if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
			return -1;
		fd = socket(ai->ai_family, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			freeaddrinfo(ai);
			return -1;
		}
		freeaddrinfo(ai);
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fd;
}

static bool bad_reply;

/* Count the replies in what was read. */
static void take(struct conn *c, const char *d, size_t n, struct counts *k)
{
	static const char prefix[] = "action=";
	for (size_t i = 0; i < n; i++) {
		char b = d[i];
		if (c->pos < 7) {
			if (b != prefix[c->pos])
				bad_reply = true;
		} else if (c->pos == 7) {
			c->kind = b;
		}
		c->pos++;
		if (b == '\n' && c->nl) {
			k->replies++;
			switch (c->kind) {
			case '5':
				k->reject++;
				break;
			case '4':
				k->defer++;
				break;
			case 'P':
				k->prepend++;
				break;
			case 'D':
				k->dunno++;
				break;
			default:
				k->other++;
				break;
			}
			c->pos = 0;
			c->nl = false;
			c->inflight--;
			continue;
		}
		c->nl = b == '\n';
	}
}

/* Send until `depth` requests are in flight or the socket is full;
 * false when the connection failed. */
static bool pump(struct conn *c, unsigned depth)
{
	for (;;) {
		if (c->outlen == 0) {
			if (c->inflight >= depth)
				return true;
			const struct req *r = &reqs[c->next_req];
			c->next_req = (c->next_req + 1) % NREQ;
			c->out = r->text;
			c->outlen = r->len;
			c->inflight++;
		}
		ssize_t w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK;
		c->out += w;
		c->outlen -= (size_t)w;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: policyd_load [-c CONNS] [-d DEPTH] [-t SECONDS] [-w SECONDS] "
	                "[-m B,O,U,BU] [-l LISTED_IP] ADDRESS\n");
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	unsigned long conns = 32, depth = 1, secs = 5, warm = 1;
	unsigned mix[NKINDS] = {10, 10, 80, 0};
	const char *listed = "192.0.2.1";
	int opt;

	while ((opt = getopt(argc, argv, "c:d:t:w:m:l:")) != -1) {
		bool ok = true;
		switch (opt) {
		case 'c':
			ok = parse_uint(optarg, CONNS_MAX, &conns) && conns > 0;
			break;
		case 'd':
			ok = parse_uint(optarg, 1000, &depth) && depth > 0;
			break;
		case 't':
			ok = parse_uint(optarg, 3600, &secs) && secs > 0;
			break;
		case 'w':
			ok = parse_uint(optarg, 3600, &warm);
			break;
		case 'm': {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s", optarg);
			char *p = buf;
			unsigned total = 0;
			for (int k = 0; k < NKINDS; k++) {
				char *comma = strchr(p, ',');
				if (comma != NULL)
					*comma = '\0';
				unsigned long v = 0;
				if (*p != '\0' && !parse_uint(p, 100, &v))
					ok = false;
				mix[k] = (unsigned)v;
				total += mix[k];
				p = comma != NULL ? comma + 1 : p + strlen(p);
			}
			ok = ok && total > 0;
			break;
		}
		case 'l':
			listed = optarg;
			break;
		default:
			ok = false;
		}
		if (!ok) {
			usage();
			return 2;
		}
	}
	if (optind + 1 != argc) {
		usage();
		return 2;
	}
	build(mix, listed);

	struct conn *cs = calloc(conns, sizeof(*cs));
	int ep = epoll_create1(0);
	if (cs == NULL || ep < 0) {
		perror("policyd_load");
		return 1;
	}
	for (unsigned long i = 0; i < conns; i++) {
		cs[i].fd = dial(argv[optind]);
		if (cs[i].fd < 0) {
			fprintf(stderr, "policyd_load: connect %s: %s\n", argv[optind],
			        strerror(errno));
			return 1;
		}
		cs[i].next_req = (unsigned)((i * 131) % NREQ);
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET,
		                         .data.ptr = &cs[i]};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev) < 0) {
			perror("policyd_load: epoll_ctl");
			return 1;
		}
	}

	struct counts k = {0}, at_start = {0};
	double t0 = now(), start = t0 + (double)warm, end = start + (double)secs;
	bool measuring = warm == 0;
	char buf[IN_MAX];
	struct epoll_event evs[256];
	for (;;) {
		double t = now();
		if (!measuring && t >= start) {
			measuring = true;
			at_start = k;
			start = t;
			end = t + (double)secs;
		}
		if (measuring && t >= end)
			break;
		int n = epoll_wait(ep, evs, 256, 100);
		if (n < 0 && errno != EINTR) {
			perror("policyd_load: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			for (;;) {
				ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
				if (r > 0) {
					take(c, buf, (size_t)r, &k);
					continue;
				}
				if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
					fprintf(stderr,
					        "policyd_load: the server closed a connection\n");
					return 1;
				}
				break;
			}
			if (!pump(c, (unsigned)depth)) {
				fprintf(stderr, "policyd_load: send: %s\n", strerror(errno));
				return 1;
			}
		}
		if (bad_reply) {
			fprintf(stderr, "policyd_load: a reply that is not action=...\n");
			return 1;
		}
	}
	double elapsed = now() - start;
	unsigned long long d = k.replies - at_start.replies;
	printf("decisions=%llu seconds=%.3f rate=%.0f/s reject=%llu defer=%llu prepend=%llu "
	       "dunno=%llu other=%llu\n",
	       d, elapsed, (double)d / elapsed, k.reject - at_start.reject,
	       k.defer - at_start.defer, k.prepend - at_start.prepend, k.dunno - at_start.dunno,
	       k.other - at_start.other);
	for (unsigned long i = 0; i < conns; i++)
		close(cs[i].fd);
	free(cs);
	close(ep);
	return 0;
}
