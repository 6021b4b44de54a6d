/*
 * smtp.c - a small blocking SMTP client: re-injection of a released
 * message (quarantine.h of this directory).
 *
 * One message per connection: EHLO (HELO when refused), MAIL FROM with
 * the original sender (<> for a bounce), one RCPT TO per recipient, DATA
 * with the file's LF lines sent as CRLF and leading dots doubled, QUIT.
 * Every read and write has a timeout.  Replies are read whole (multi-line
 * "250-" continuations) up to a cap; a reply the peer never finishes is an
 * error, not a hang.
 */
#include "quarantine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define REPLY_MAX 4096
#define TIMEOUT_S 60

struct conn {
	int fd;
	char in[REPLY_MAX];
	size_t ilen;
	char out[16384];
	size_t olen;
	char *err;
	size_t errlen;
};

static int sock_open(const struct ng_listen *l, char *err, size_t errlen)
{
	int fd = -1;
	if (l->is_unix) {
		struct sockaddr_un sun;
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(l->path) >= sizeof(sun.sun_path)) {
			snprintf(err, errlen, "%s: path too long", l->path);
			return -1;
		}
		memcpy(sun.sun_path, l->path, strlen(l->path) + 1);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return fd;
		snprintf(err, errlen, "connect %s: %s", l->path, strerror(errno));
	} else {
		struct addrinfo hints, *ai = NULL;
		char port[16];
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		snprintf(port, sizeof(port), "%u", l->port);
		int g = getaddrinfo(l->host, port, &hints, &ai);
		if (g != 0) {
			snprintf(err, errlen, "%s: %s", l->host, gai_strerror(g));
			return -1;
		}
		for (struct addrinfo *a = ai; a != NULL; a = a->ai_next) {
			fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
			if (fd < 0)
				continue;
			struct timeval tv = {TIMEOUT_S, 0};
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
				freeaddrinfo(ai);
				return fd;
			}
			snprintf(err, errlen, "connect [%s]:%u: %s", l->host, l->port,
			         strerror(errno));
			close(fd);
			fd = -1;
		}
		freeaddrinfo(ai);
		return -1;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

static int flush_out(struct conn *c)
{
	size_t off = 0;
	while (off < c->olen) {
		ssize_t w = write(c->fd, c->out + off, c->olen - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(c->err, c->errlen, "write: %s",
			         w < 0 ? strerror(errno) : "closed");
			return -1;
		}
		off += (size_t)w;
	}
	c->olen = 0;
	return 0;
}

static int put(struct conn *c, const char *s, size_t n)
{
	while (n > 0) {
		if (c->olen == sizeof(c->out) && flush_out(c) < 0)
			return -1;
		size_t k = sizeof(c->out) - c->olen;
		if (k > n)
			k = n;
		memcpy(c->out + c->olen, s, k);
		c->olen += k;
		s += k;
		n -= k;
	}
	return 0;
}

/* Read one whole reply; its code, or -1.  The last line is left in
 * c->in for messages. */
static int reply(struct conn *c)
{
	size_t total = 0;
	c->ilen = 0;
	for (;;) {
		char *nl = memchr(c->in, '\n', c->ilen);
		if (nl != NULL) {
			size_t ll = (size_t)(nl - c->in) + 1;
			bool last = ll < 5 || c->in[3] != '-';
			int code = -1;
			if (ll >= 4 && c->in[0] >= '2' && c->in[0] <= '5' && c->in[1] >= '0' &&
			    c->in[1] <= '9' && c->in[2] >= '0' && c->in[2] <= '9')
				code = (c->in[0] - '0') * 100 + (c->in[1] - '0') * 10 +
				       (c->in[2] - '0');
			if (code < 0) {
				snprintf(c->err, c->errlen, "not an SMTP reply");
				return -1;
			}
			if (last) {
				*nl = '\0';
				if (nl > c->in && nl[-1] == '\r')
					nl[-1] = '\0';
				return code;
			}
			memmove(c->in, nl + 1, c->ilen - ll);
			c->ilen -= ll;
			continue;
		}
		if (c->ilen == sizeof(c->in) - 1 || total > 64 * REPLY_MAX) {
			snprintf(c->err, c->errlen, "reply too long");
			return -1;
		}
		ssize_t r = read(c->fd, c->in + c->ilen, sizeof(c->in) - 1 - c->ilen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(c->err, c->errlen, "read: %s",
			         r < 0 ? (errno == EAGAIN ? "timeout" : strerror(errno))
			               : "closed");
			return -1;
		}
		c->ilen += (size_t)r;
		total += (size_t)r;
	}
}

static int cmd(struct conn *c, const char *line)
{
	if (put(c, line, strlen(line)) < 0 || put(c, "\r\n", 2) < 0 || flush_out(c) < 0)
		return -1;
	return reply(c);
}

/* The file, LF -> CRLF, leading dots doubled, then ".". */
static int send_body(struct conn *c, FILE *f)
{
	char line[8192];
	bool bol = true;
	size_t n;
	while ((n = fread(line, 1, sizeof(line), f)) > 0) {
		size_t start = 0;
		for (size_t i = 0; i < n; i++) {
			if (bol && line[i] == '.' && put(c, ".", 1) < 0)
				return -1;
			bol = false;
			if (line[i] == '\n') {
				if (put(c, line + start, i - start) < 0 || put(c, "\r\n", 2) < 0)
					return -1;
				start = i + 1;
				bol = true;
			}
		}
		if (start < n && put(c, line + start, n - start) < 0)
			return -1;
	}
	if (ferror(f)) {
		snprintf(c->err, c->errlen, "read the message: %s", strerror(errno));
		return -1;
	}
	if (!bol && put(c, "\r\n", 2) < 0)
		return -1;
	if (put(c, ".\r\n", 3) < 0 || flush_out(c) < 0)
		return -1;
	return reply(c);
}

int qr_smtp_send(const struct ng_listen *to, const char *helo, const char *sender,
                 char *const *rcpts, size_t nrcpts, FILE *msg, bool *ok, size_t *accepted,
                 char *err, size_t errlen)
{
	struct conn c;
	memset(&c, 0, sizeof(c));
	c.err = err;
	c.errlen = errlen;
	*accepted = 0;
	for (size_t i = 0; i < nrcpts; i++)
		ok[i] = false;
	c.fd = sock_open(to, err, errlen);
	if (c.fd < 0)
		return -1;
	struct timeval tv = {TIMEOUT_S, 0};
	setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	char line[1200];
	int rc = -1, code = reply(&c);
	if (code != 220) {
		if (code > 0)
			snprintf(err, errlen, "greeting: %s", c.in);
		goto out;
	}
	snprintf(line, sizeof(line), "EHLO %s", helo);
	code = cmd(&c, line);
	if (code >= 500) {
		snprintf(line, sizeof(line), "HELO %s", helo);
		code = cmd(&c, line);
	}
	if (code != 250) {
		if (code > 0)
			snprintf(err, errlen, "HELO: %s", c.in);
		goto out;
	}
	snprintf(line, sizeof(line), "MAIL FROM:<%s>", sender);
	if ((code = cmd(&c, line)) != 250) {
		if (code > 0)
			snprintf(err, errlen, "MAIL FROM:<%s>: %s", sender, c.in);
		goto out;
	}
	char first_refusal[600] = "";
	for (size_t i = 0; i < nrcpts; i++) {
		snprintf(line, sizeof(line), "RCPT TO:<%s>", rcpts[i]);
		code = cmd(&c, line);
		if (code < 0)
			goto out;
		if (code == 250 || code == 251) {
			ok[i] = true;
			(*accepted)++;
		} else if (first_refusal[0] == '\0')
			snprintf(first_refusal, sizeof(first_refusal), "RCPT TO:<%.200s>: %.300s",
			         rcpts[i], c.in);
	}
	if (*accepted == 0) {
		snprintf(err, errlen, "%s", first_refusal[0] ? first_refusal : "no recipients");
		goto out;
	}
	if ((code = cmd(&c, "DATA")) != 354) {
		if (code > 0)
			snprintf(err, errlen, "DATA: %s", c.in);
		goto out;
	}
	if ((code = send_body(&c, msg)) != 250) {
		if (code > 0)
			snprintf(err, errlen, "end of data: %s", c.in);
		goto out;
	}
	if (first_refusal[0] != '\0') {
		snprintf(err, errlen, "%s", first_refusal);
		rc = 1; /* delivered to some recipients only */
	} else {
		snprintf(err, errlen, "%s", c.in); /* the queue id line, for the report */
		rc = 0;
	}
	cmd(&c, "QUIT");
out:
	close(c.fd);
	return rc;
}
