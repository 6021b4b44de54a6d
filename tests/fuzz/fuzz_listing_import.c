/*
 * fuzz_listing_import.c - libFuzzer target for the listing import parser
 * (lib/listing/import.c: rbldnsd data, the text export, plain lists),
 * which reads files an operator got from elsewhere, and for the two other
 * readers of listing text: the stored record (ng_listing_decode) and the
 * evidence redaction (ng_listing_redact).
 *
 * The input is parsed in every format, once whole and once in pieces of
 * 1 to 16 bytes (the piece sizes drawn from the input itself).
 *
 * Oracles beyond the sanitizers: both feedings give the same items (a
 * hash of them); every item's network is valid (it formats and parses
 * back to itself), its categories are listing categories, its line
 * numbers never go back, and a bad line has a non-empty message; a
 * format's items belong to it (ip4set: IPv4, ip6tset: IPv6 /64s); a
 * decoded record keeps every field within its cap; a redacted text stays
 * within its buffer, and redacting it again changes nothing.
 */
#include <ndrguard/listing.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct ng_listing_codes CODES = {{0x7f000002, 0x7f000003, 0x7f000004, 0}};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t check_item(enum ng_listing_fmt fmt, int rc, const struct ng_listing_item *it,
                           unsigned *last_line, uint64_t h)
{
	if (it->line < *last_line || it->line == 0)
		abort();
	*last_line = it->line;
	if (rc < 0) {
		if (it->err[0] == '\0' || strnlen(it->err, sizeof(it->err)) == sizeof(it->err))
			abort();
		return mix(mix(h, &it->line, sizeof(it->line)), it->err, strlen(it->err));
	}
	char text[NG_LISTING_NET_TEXT_MAX];
	struct ng_listing_net back;
	ng_listing_net_format(&it->net, text, sizeof(text));
	if (text[0] == '\0' || !ng_listing_net_parse(text, &back) ||
	    memcmp(&back, &it->net, sizeof(back)) != 0)
		abort();
	if ((it->cats & ~NG_CAT_LISTING_MASK) != 0)
		abort();
	if (fmt == NG_LISTING_FMT_IP4SET && it->net.v6)
		abort();
	if (fmt == NG_LISTING_FMT_IP6TSET && (!it->net.v6 || it->net.prefix != 64))
		abort();
	h = mix(h, text, strlen(text));
	return mix(h, &it->cats, sizeof(it->cats));
}

/* The hash of every item; pieces 0 = whole. */
static uint64_t run(enum ng_listing_fmt fmt, const uint8_t *data, size_t size, bool pieces)
{
	struct ng_listing_import *im = ng_listing_import_new(fmt, &CODES);
	if (im == NULL)
		return 0;
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned last = 0;
	size_t off = 0, k = 0;
	struct ng_listing_item it;
	int rc;
	while (off < size) {
		size_t n = size - off;
		if (pieces) {
			size_t want = 1 + (data[k++ % size] & 15);
			n = n < want ? n : want;
		}
		size_t took = 0;
		do {
			took += ng_listing_import_push(im, data + off + took, n - took);
			while ((rc = ng_listing_import_next(im, &it)) != 0)
				h = check_item(fmt, rc, &it, &last, h);
		} while (took < n);
		off += n;
	}
	ng_listing_import_end(im);
	while ((rc = ng_listing_import_next(im, &it)) != 0)
		h = check_item(fmt, rc, &it, &last, h);
	if (ng_listing_import_push(im, "x\n", 2) != 0) /* nothing after the end */
		abort();
	ng_listing_import_free(im);
	return h;
}

static void check_decode(const uint8_t *data, size_t size)
{
	struct ng_listing_net n;
	uint8_t key[20];
	struct ng_listing l;
	if (!ng_listing_net_parse("2001:db8:1:2::/64", &n))
		abort();
	size_t kl = ng_listing_key(&n, key);
	if (!ng_listing_decode(key, kl, data, size, &l))
		return;
	if (l.nev > NG_LISTING_EV_MAX || strnlen(l.reason, sizeof(l.reason)) == sizeof(l.reason) ||
	    (l.cats & ~NG_CAT_LISTING_MASK) != 0)
		abort();
	for (unsigned i = 0; i < l.nev; i++)
		if (strnlen(l.ev[i].headers, sizeof(l.ev[i].headers)) == sizeof(l.ev[i].headers) ||
		    (unsigned)l.ev[i].cat >= NG_CAT_N)
			abort();
	/* what decodes encodes, and decodes again to the same */
	size_t len;
	char *enc = ng_listing_encode(&l, &len);
	struct ng_listing again;
	if (enc == NULL)
		return;
	if (!ng_listing_decode(key, kl, enc, len, &again) || again.nev != l.nev ||
	    again.expires != l.expires || strcmp(again.reason, l.reason) != 0)
		abort();
	free(enc);
}

static void check_redact(const uint8_t *data, size_t size)
{
	static const char *const traps[] = {"trap.test", "t"};
	char buf[600], again[600];
	size_t n = size < 512 ? size : 512;
	size_t cap = 512 + (size > 0 ? data[0] % 64 : 0);
	memcpy(buf, data, n);
	buf[n] = '\0';
	ng_listing_redact(buf, cap, traps, 2);
	if (strnlen(buf, cap) >= cap)
		abort();
	memcpy(again, buf, strlen(buf) + 1);
	if (ng_listing_redact(again, cap, traps, 2) != 0 || strcmp(again, buf) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int f = NG_LISTING_FMT_AUTO; f <= NG_LISTING_FMT_IP6TRIE; f++) {
		uint64_t whole = run((enum ng_listing_fmt)f, data, size, false);
		uint64_t bits = run((enum ng_listing_fmt)f, data, size, true);
		if (whole != bits)
			abort();
	}
	check_decode(data, size);
	check_redact(data, size);
	return 0;
}
