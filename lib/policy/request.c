/*
 * request.c - the Postfix policy delegation request as a push parser
 * (policy.h).
 *
 * Wire format (Postfix SMTPD_POLICY_README): `name=value` lines ending in
 * LF, an empty line ends the request.  CRLF is tolerated (one CR before the
 * LF is dropped).  The order of the attributes does not matter; unknown
 * ones are counted and otherwise ignored, so a newer Postfix that sends
 * more attributes keeps working.  An attribute sent twice is malformed:
 * the protocol forbids it and taking either value would be a guess.
 *
 * Lines are processed in place when the whole line is inside one feed (the
 * common case: Postfix writes a request with one write(2)); only a line cut
 * by the end of a feed is gathered in a buffer, capped at the longest line
 * the caps allow.  Values of the known attributes are copied, NUL-
 * terminated, into one store that is reused for every request.  Memory per
 * parser therefore stays below line cap + request cap whatever the peer
 * sends.
 *
 * Results do not depend on how the bytes are cut into feeds: the checks
 * run when a line ends, in a fixed order (request size, attribute count,
 * line length, then the line itself), and the first failure names the
 * request's error.  tests/fuzz/fuzz_policy_request.c holds us to that.
 */
#include "ndrguard/policy.h"

#include "util/buf.h"
#include "util/limits.h"

#include <stdlib.h>
#include <string.h>

/* The attributes copied into struct ng_policy_request. */
static const struct known {
	const char *name;
	size_t len;
	size_t off; /* of the field in struct ng_policy_request */
} known[] = {
#define K(field)                                                                                   \
	{                                                                                          \
#field, sizeof(#field) - 1, offsetof(struct ng_policy_request, field)              \
	}
    K(request),   K(protocol_state),      K(protocol_name), K(client_address),  K(client_name),
    K(helo_name), K(reverse_client_name), K(sender),        K(recipient),       K(queue_id),
    K(instance),  K(sasl_username),       K(size),          K(recipient_count),
#undef K
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

struct ng_policy_parser {
	struct ng_policy_limits lim;
	size_t line_cap; /* name '=' value CR */
	ng_buf line;     /* a line cut by the end of a feed */
	ng_buf store;    /* values of known attributes, NUL-terminated */
	size_t off[NKNOWN];
	bool have[NKNOWN];
	size_t cur_len; /* bytes of the current line so far, LF excluded */
	char cur_first; /* its first byte */
	size_t bytes;   /* of the current request */
	size_t nattrs;
	bool malformed;
	const char *error;
	bool ready; /* req holds a complete request */
	bool dead;  /* flooded */
	struct ng_policy_request req;
};

static size_t or_default(size_t v, size_t def)
{
	return v != 0 ? v : def;
}

struct ng_policy_parser *ng_policy_parser_new(const struct ng_policy_limits *lim)
{
	struct ng_policy_parser *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	struct ng_policy_limits z = {0};
	if (lim == NULL)
		lim = &z;
	p->lim.request_max = or_default(lim->request_max, NG_POLICY_REQUEST_MAX);
	p->lim.name_max = or_default(lim->name_max, NG_POLICY_NAME_MAX);
	p->lim.value_max = or_default(lim->value_max, NG_POLICY_VALUE_MAX);
	p->lim.attrs_max = or_default(lim->attrs_max, NG_POLICY_ATTRS_MAX);
	p->lim.flood_max = or_default(lim->flood_max, NG_POLICY_FLOOD_MAX);
	if (p->lim.flood_max < p->lim.request_max)
		p->lim.flood_max = p->lim.request_max;
	p->line_cap = p->lim.name_max + 1 + p->lim.value_max + 1;
	ng_buf_init(&p->line, p->line_cap);
	/* every stored value came from the request, plus one NUL each */
	ng_buf_init(&p->store, p->lim.request_max + NKNOWN);
	return p;
}

void ng_policy_parser_free(struct ng_policy_parser *p)
{
	if (p == NULL)
		return;
	ng_buf_free(&p->line);
	ng_buf_free(&p->store);
	free(p);
}

const struct ng_policy_request *ng_policy_parser_request(const struct ng_policy_parser *p)
{
	return p->ready ? &p->req : NULL;
}

bool ng_policy_parser_pending(const struct ng_policy_parser *p)
{
	return !p->ready && (p->bytes > 0 || p->cur_len > 0);
}

/* Forget the request handed out by the previous feed. */
static void next_request(struct ng_policy_parser *p)
{
	p->ready = false;
	ng_buf_reset(&p->store);
	memset(p->have, 0, sizeof(p->have));
	p->bytes = 0;
	p->nattrs = 0;
	p->malformed = false;
	p->error = NULL;
}

static void bad(struct ng_policy_parser *p, const char *why)
{
	if (!p->malformed) {
		p->malformed = true;
		p->error = why;
	}
}

static void complete(struct ng_policy_parser *p)
{
	struct ng_policy_request *r = &p->req;
	memset(r, 0, sizeof(*r));
	if (p->nattrs == 0)
		bad(p, "empty request");
	if (p->store.failed)
		bad(p, "out of memory");
	for (size_t i = 0; i < NKNOWN; i++) {
		if (!p->have[i])
			continue;
		const char **field = (const char **)(void *)((char *)r + known[i].off);
		*field = p->store.data + p->off[i];
	}
	r->nattrs = p->nattrs;
	r->bytes = p->bytes;
	r->malformed = p->malformed;
	r->error = p->error;
	p->ready = true;
}

/* One attribute line (CR already dropped), n > 0. */
static void attribute(struct ng_policy_parser *p, const char *s, size_t n)
{
	if (memchr(s, '\0', n) != NULL) {
		bad(p, "NUL byte in a line");
		return;
	}
	const char *eq = memchr(s, '=', n);
	if (eq == NULL) {
		bad(p, "line without '='");
		return;
	}
	size_t nlen = (size_t)(eq - s);
	size_t vlen = n - nlen - 1;
	if (nlen == 0) {
		bad(p, "empty attribute name");
		return;
	}
	if (nlen > p->lim.name_max) {
		bad(p, "attribute name too long");
		return;
	}
	if (vlen > p->lim.value_max) {
		bad(p, "attribute value too long");
		return;
	}
	for (size_t i = 0; i < NKNOWN; i++) {
		if (known[i].len != nlen || memcmp(known[i].name, s, nlen) != 0)
			continue;
		if (p->have[i]) {
			bad(p, "attribute sent twice");
			return;
		}
		size_t at = p->store.len;
		ng_buf_append(&p->store, eq + 1, vlen);
		ng_buf_append(&p->store, "", 1); /* the NUL that ends the value */
		if (p->store.failed || p->store.overflow) {
			bad(p, p->store.failed ? "out of memory" : "request too large");
			return;
		}
		p->off[i] = at;
		p->have[i] = true;
		return;
	}
}

/*
 * The current line ended.  s/n is the line when it was kept (NULL when the
 * request is malformed already or the line ran past the line cap).
 * Returns true when it was the empty line that ends the request.
 */
static bool line_end(struct ng_policy_parser *p, const char *s, size_t n)
{
	size_t len = p->cur_len;
	bool empty = len == 0 || (len == 1 && p->cur_first == '\r');
	p->cur_len = 0;
	if (p->bytes > p->lim.request_max)
		bad(p, "request too large");
	if (empty) {
		complete(p);
		return true;
	}
	p->nattrs++;
	if (p->malformed)
		return false;
	if (p->nattrs > p->lim.attrs_max) {
		bad(p, "too many attributes");
		return false;
	}
	if (s == NULL || len > p->line_cap) {
		bad(p, "line too long");
		return false;
	}
	if (n > 0 && s[n - 1] == '\r')
		n--;
	attribute(p, s, n);
	return false;
}

/* Count bytes of the current request; false when past the flood cap. */
static bool account(struct ng_policy_parser *p, size_t n)
{
	p->bytes += n;
	if (p->bytes > p->lim.flood_max) {
		p->dead = true;
		return false;
	}
	return true;
}

enum ng_policy_feed ng_policy_parser_feed(struct ng_policy_parser *p, const char *data, size_t len,
                                          size_t *used)
{
	size_t i = 0;

	*used = 0;
	if (p->dead)
		return NG_POLICY_FLOOD;
	if (p->ready)
		next_request(p);
	while (i < len) {
		const char *seg = data + i;
		const char *nl = memchr(seg, '\n', len - i);
		size_t seglen = nl != NULL ? (size_t)(nl - seg) : len - i;
		size_t take = seglen + (nl != NULL);

		if (!account(p, take)) {
			*used = i + take;
			return NG_POLICY_FLOOD;
		}
		if (p->cur_len == 0 && seglen > 0)
			p->cur_first = seg[0];
		bool keep = !p->malformed && p->cur_len + seglen <= p->line_cap;
		const char *line = NULL;
		size_t linelen = 0;
		if (nl != NULL && p->cur_len == 0) {
			/* the whole line is in this feed: no copy */
			line = keep ? seg : NULL;
			linelen = seglen;
		} else if (keep) {
			ng_buf_append(&p->line, seg, seglen);
			if (p->line.failed) {
				bad(p, "out of memory");
				keep = false;
			}
			line = keep ? p->line.data : NULL;
			linelen = p->line.len;
		}
		p->cur_len += seglen;
		i += take;
		if (nl == NULL)
			break;
		bool done = line_end(p, line, linelen);
		ng_buf_reset(&p->line);
		if (done) {
			*used = i;
			return NG_POLICY_REQUEST;
		}
	}
	*used = i;
	return NG_POLICY_MORE;
}
