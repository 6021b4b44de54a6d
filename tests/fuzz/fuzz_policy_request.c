/*
 * fuzz_policy_request.c - libFuzzer target for the Postfix policy request
 * parser (ng_policy_parser_* in include/ndrguard/policy.h) and the rules
 * that read its requests.
 *
 * The first input byte picks the chunk size of the second pass and whether
 * the caps are the defaults or tiny ones (so that every cap is reached by
 * short inputs); the rest is what a peer would send on one connection.
 *
 * Oracles beyond the sanitizers:
 *   - policy.h promises that requests do not depend on how the bytes are
 *     cut into feeds: a digest of every request (fields, malformed, error,
 *     counts) from one feed must equal the digest from small feeds;
 *   - a feed never reports more bytes used than it was given, and a
 *     complete request never exceeds the flood cap;
 *   - every verdict the rules give for a request - with a listed result
 *     whose TXT is taken from the input - is printable ASCII and within
 *     NG_POLICY_REPLY_MAX bytes.
 *
 * Built as a libFuzzer target with NG_FUZZ, and linked with replay.c as an
 * ordinary program that replays tests/fuzz/seeds-policy_request under CTest.
 */
#include <ndrguard/policy.h>

#include "util/limits.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void mix(uint64_t *h, const void *d, size_t n)
{
	const unsigned char *s = d;
	for (size_t i = 0; i < n; i++) {
		*h ^= s[i];
		*h *= 0x100000001b3ULL;
	}
}

static void mix_str(uint64_t *h, const char *s)
{
	if (s == NULL) {
		mix(h, "\xff", 1);
		return;
	}
	mix(h, s, strlen(s) + 1);
}

static struct ng_policy *rules(void)
{
	static struct ng_policy *pol;
	if (pol == NULL) {
		static const char *const senders[] = {"<>", "postmaster", "mailer-daemon"};
		static const char *const nets[] = {"10.0.0.0/8", "2001:db8::/32"};
		static const char *const rcpts[] = {"postmaster@*", "*@exempt.example"};
		struct ng_policy_opts o = {.bounce_senders = senders,
		                           .nbounce_senders = 3,
		                           .reject_text =
		                               "$client $zone $txt $sender $recipient $$",
		                           .exempt_networks = nets,
		                           .nexempt_networks = 2,
		                           .exempt_recipients = rcpts,
		                           .nexempt_recipients = 2};
		char err[256];
		pol = ng_policy_new(&o, err, sizeof(err));
		if (pol == NULL) {
			fprintf(stderr, "fuzz_policy_request: %s\n", err);
			abort();
		}
	}
	return pol;
}

static void check_text(const char *t)
{
	size_t n = strlen(t);
	if (n > NG_POLICY_REPLY_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] < 0x20 || (unsigned char)t[i] > 0x7e)
			abort();
}

/* Ask the rules about a request, as listed, not listed and in trouble. */
static void judge(const struct ng_policy_request *r, const uint8_t *txt, size_t txtlen)
{
	struct ng_policy_verdict v;
	if (!ng_policy_check(rules(), r, &v)) {
		check_text(v.text);
		return;
	}
	static struct ng_dnsbl_result res;
	memset(&res, 0, sizeof(res));
	res.nzones = 2;
	res.zones[0].zone = "a.test";
	res.zones[1].zone = "b.test";
	for (int s = 0; s < 3; s++) {
		static const enum ng_dnsbl_status st[3] = {NG_DNSBL_LISTED, NG_DNSBL_NOT_LISTED,
		                                           NG_DNSBL_UNKNOWN};
		res.zones[0].status = st[s];
		res.zones[1].status = NG_DNSBL_SKIPPED;
		size_t n =
		    txtlen < sizeof(res.zones[0].txt) - 1 ? txtlen : sizeof(res.zones[0].txt) - 1;
		memcpy(res.zones[0].txt, txt, n);
		res.zones[0].txt[n] = '\0';
		ng_policy_decide(rules(), r, &res, &v);
		check_text(v.text);
	}
}

static uint64_t run(const uint8_t *in, size_t len, size_t chunk, const struct ng_policy_limits *lim,
                    bool judge_them)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	struct ng_policy_parser *p = ng_policy_parser_new(lim);
	if (p == NULL)
		abort();
	size_t off = 0;
	while (off < len) {
		size_t n = chunk == 0 || chunk > len - off ? len - off : chunk;
		size_t pos = 0;
		enum ng_policy_feed st = NG_POLICY_MORE;
		while (pos < n) {
			size_t used;
			st = ng_policy_parser_feed(p, (const char *)in + off + pos, n - pos, &used);
			if (used > n - pos)
				abort();
			pos += used;
			if (st == NG_POLICY_FLOOD)
				break;
			if (st != NG_POLICY_REQUEST)
				continue;
			const struct ng_policy_request *r = ng_policy_parser_request(p);
			if (r == NULL ||
			    r->bytes > (lim->flood_max ? lim->flood_max : NG_POLICY_FLOOD_MAX))
				abort();
			const char *const f[] = {r->request,  r->protocol_state, r->client_address,
			                         r->sender,   r->recipient,      r->instance,
			                         r->queue_id, r->helo_name,      r->error};
			for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
				mix_str(&h, f[i]);
			mix(&h, &r->nattrs, sizeof(r->nattrs));
			mix(&h, &r->bytes, sizeof(r->bytes));
			mix(&h, &r->malformed, sizeof(r->malformed));
			if (judge_them && !r->malformed)
				judge(r, in, len);
		}
		if (st == NG_POLICY_FLOOD) {
			mix(&h, "FLOOD", 5);
			break;
		}
		off += n;
	}
	bool pending = ng_policy_parser_pending(p);
	mix(&h, &pending, sizeof(pending));
	ng_policy_parser_free(p);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned sel = size > 0 ? data[0] : 0;
	const uint8_t *in = size > 0 ? data + 1 : data;
	size_t len = size > 0 ? size - 1 : 0;
	size_t chunk = 1 + (sel >> 1) % 17; /* 1..17 bytes */
	struct ng_policy_limits lim = {0};
	if (sel & 1) {
		lim.request_max = 96;
		lim.name_max = 16;
		lim.value_max = 40;
		lim.attrs_max = 6;
		lim.flood_max = 400;
	}
	uint64_t whole = run(in, len, 0, &lim, true);
	uint64_t pieces = run(in, len, chunk, &lim, false);
	if (whole != pieces) {
		fprintf(
		    stderr,
		    "fuzz_policy_request: requests differ between one feed and %zu-byte feeds\n",
		    chunk);
		abort();
	}
	return 0;
}
