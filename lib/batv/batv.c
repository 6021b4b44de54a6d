/*
 * batv.c - prvs signing and checking (batv.h): the handle, the tag parser,
 * the MAC and the day arithmetic.  No I/O here (DESIGN.md: lib/batv is a
 * parser); the key files and the configuration are read by config.c.
 *
 * The MAC input is "K" "DDD" "local@domain", the same bytes Exim's
 * prvs_hmac_sha1() hashes; only the first 3 bytes of HMAC-SHA1 are used,
 * written as 6 lower-case hex digits.  Checking parses the tag strictly
 * (anything unexpected is "not signed", never an error), looks the key up,
 * compares the MAC with CRYPTO_memcmp (the tag is attacker-chosen: a
 * comparison that stops at the first wrong digit would tell him how many
 * he got right), then checks the day.
 *
 * Thread-safety: a built struct ng_batv is read-only; signing and checking
 * use only the stack.
 */
#include "ndrguard/batv.h"

#include "batv/internal.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DAY       86400
#define TAG_LEN   10 /* KDDDSSSSSS */
#define EXIM_DAYS 7  /* Exim signs with a fixed 7-day lifetime */

struct key {
	bool set;
	unsigned char data[NG_BATV_KEY_MAX];
	size_t len;
};

struct ng_batv {
	struct key keys[NG_BATV_KEYS_MAX];
	int signer;     /* the highest key number */
	char **domains; /* lower case, no final dot */
	size_t ndomains;
	unsigned lifetime;
	bool subaddress;
	time_t enforce_after;
};

/* ----- small helpers ----- */

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	c = lower(c);
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

static bool prefix_ci(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p);
	return len >= n && strncasecmp(s, p, n) == 0;
}

/* Whole days since the epoch, rounded down also before 1970. */
static long long epoch_day(time_t now)
{
	long long t = (long long)now;
	return t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
}

static unsigned day_mod(long long day)
{
	long long m = day % 1000;
	return (unsigned)(m < 0 ? m + 1000 : m);
}

/* The 6 hex digits of the MAC over K DDD addr (addr alen bytes). */
static void mac(const struct key *k, unsigned num, unsigned ddd, const char *addr, size_t alen,
                char out[7])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char in[4 + NG_BATV_ADDR_MAX];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	in[0] = (unsigned char)('0' + num);
	in[1] = (unsigned char)('0' + ddd / 100);
	in[2] = (unsigned char)('0' + ddd / 10 % 10);
	in[3] = (unsigned char)('0' + ddd % 10);
	memcpy(in + 4, addr, alen);
	if (HMAC(EVP_sha1(), k->data, (int)k->len, in, 4 + alen, md, &mdlen) == NULL || mdlen < 3) {
		/* libcrypto cannot fail here short of a broken installation;
		 * a MAC that matches nothing is the safe answer. */
		memcpy(out, "zzzzzz", 7);
		return;
	}
	for (int i = 0; i < 3; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[6] = '\0';
}

/* ----- building ----- */

int ng_batv_domain_check(const char *d, char *err, size_t errlen)
{
	size_t n = strlen(d);
	if (n == 0 || n > 255) {
		snprintf(err, errlen, "'%.64s': not a domain", d);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c <= 0x20 || c >= 0x7f || c == '@' || c == ',' || c == '<' || c == '>') {
			snprintf(err, errlen, "'%.64s': not a domain", d);
			return -1;
		}
	}
	return 0;
}

struct ng_batv *ng_batv_new(const struct ng_batv_opts *o, char *err, size_t errlen)
{
	if (o->nkeys == 0) {
		snprintf(err, errlen, "no keys configured");
		return NULL;
	}
	if (o->lifetime_days > 999) {
		snprintf(err, errlen, "lifetime %u days: not in 1..999", o->lifetime_days);
		return NULL;
	}
	struct ng_batv *b = calloc(1, sizeof(*b));
	if (b == NULL)
		goto nomem;
	b->signer = -1;
	for (size_t i = 0; i < o->nkeys; i++) {
		const struct ng_batv_key *k = &o->keys[i];
		if (k->num >= NG_BATV_KEYS_MAX) {
			snprintf(err, errlen, "key number %u: not 0..9", k->num);
			goto fail;
		}
		if (b->keys[k->num].set) {
			snprintf(err, errlen, "key number %u given twice", k->num);
			goto fail;
		}
		if (k->len == 0 || k->len > NG_BATV_KEY_MAX) {
			snprintf(err, errlen, "key %u: %zu bytes: must be 1..%d", k->num, k->len,
			         NG_BATV_KEY_MAX);
			goto fail;
		}
		b->keys[k->num].set = true;
		memcpy(b->keys[k->num].data, k->data, k->len);
		b->keys[k->num].len = k->len;
		if ((int)k->num > b->signer)
			b->signer = (int)k->num;
	}
	if (o->ndomains > 0) {
		b->domains = calloc(o->ndomains, sizeof(*b->domains));
		if (b->domains == NULL)
			goto nomem;
	}
	for (size_t i = 0; i < o->ndomains; i++) {
		if (ng_batv_domain_check(o->domains[i], err, errlen) < 0)
			goto fail;
		char *d = strdup(o->domains[i]);
		if (d == NULL)
			goto nomem;
		size_t n = strlen(d);
		if (n > 1 && d[n - 1] == '.')
			d[n - 1] = '\0';
		for (char *p = d; *p != '\0'; p++)
			*p = lower(*p);
		b->domains[b->ndomains++] = d;
	}
	b->lifetime = o->lifetime_days ? o->lifetime_days : 7;
	b->subaddress = o->subaddress;
	b->enforce_after = o->enforce_after;
	return b;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	ng_batv_free(b);
	return NULL;
}

void ng_batv_free(struct ng_batv *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->ndomains; i++)
		free(b->domains[i]);
	free(b->domains);
	OPENSSL_cleanse(b->keys, sizeof(b->keys));
	free(b);
}

/* ----- parsing a tag ----- */

/* What parse() found in addr (len bytes). */
struct parsed {
	enum ng_batv_form form;
	unsigned key, ddd;
	const char *sig;  /* 6 hex digits */
	const char *core; /* the original local part */
	size_t core_len;
	const char *domain; /* after the last '@' */
	size_t domain_len;
};

/* "KDDDSSSSSS" at t. */
static bool tag_ok(const char *t, struct parsed *p)
{
	if (!is_digit(t[0]))
		return false;
	for (int i = 1; i < 4; i++)
		if (!is_digit(t[i]))
			return false;
	for (int i = 4; i < TAG_LEN; i++)
		if (!is_hex(t[i]))
			return false;
	p->key = (unsigned)(t[0] - '0');
	p->ddd = (unsigned)((t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0'));
	p->sig = t + 4;
	return true;
}

static void parse(const char *a, size_t len, struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	const char *at = NULL;
	for (size_t i = len; i > 0; i--) {
		if (a[i - 1] == '@') {
			at = a + i - 1;
			break;
		}
	}
	if (at == NULL || at == a || at == a + len - 1)
		return;
	size_t llen = (size_t)(at - a);
	p->domain = at + 1;
	p->domain_len = len - llen - 1;

	/* prvs=KDDDSSSSSS=core */
	if (prefix_ci(a, llen, "prvs=")) {
		if (llen >= 5 + TAG_LEN + 2 && a[5 + TAG_LEN] == '=' && tag_ok(a + 5, p)) {
			p->form = NG_BATV_FORM_PRVS;
			p->core = a + 5 + TAG_LEN + 1;
			p->core_len = llen - (5 + TAG_LEN + 1);
		}
		return;
	}
	/* core+prvs=KDDDSSSSSS */
	if (llen >= 1 + 6 + TAG_LEN) {
		const char *t = a + llen - (6 + TAG_LEN);
		if (strncasecmp(t, "+prvs=", 6) == 0 && tag_ok(t + 6, p)) {
			p->form = NG_BATV_FORM_SUB;
			p->core = a;
			p->core_len = llen - (6 + TAG_LEN);
			return;
		}
	}
	/* Foreign forms: recognised by their shape, never checked. */
	if (prefix_ci(a, llen, "btv1==")) {
		for (size_t i = 6; i + 2 < llen; i++) {
			if (a[i] == '=' && a[i + 1] == '=' && i > 6) {
				p->form = NG_BATV_FORM_BTV1;
				break;
			}
		}
		return;
	}
	if (prefix_ci(a, llen, "msprvs1=")) {
		for (size_t i = 8; i + 1 < llen; i++) {
			if (a[i] == '=' && i > 8) {
				p->form = NG_BATV_FORM_MSPRVS1;
				break;
			}
		}
	}
}

enum ng_batv_form ng_batv_form(const char *addr)
{
	struct parsed p;
	parse(addr, strlen(addr), &p);
	return p.form;
}

/* ----- signing ----- */

int ng_batv_sign(const struct ng_batv *b, const char *addr, time_t now, char *out, size_t cap)
{
	size_t len = strlen(addr);
	if (cap > 0)
		out[0] = '\0';
	const char *at = strrchr(addr, '@');
	if (len > NG_BATV_ADDR_MAX || at == NULL || at == addr || at[1] == '\0')
		return -1;
	if (ng_batv_form(addr) != NG_BATV_FORM_NONE) {
		if (len + 1 > cap)
			return -1;
		memcpy(out, addr, len + 1);
		return 1;
	}
	if (len + 16 + 1 > cap)
		return -1;
	unsigned ddd = day_mod(epoch_day(now) + (long long)b->lifetime);
	unsigned k = (unsigned)b->signer;
	char sig[7];
	mac(&b->keys[k], k, ddd, addr, len, sig);
	int n;
	if (b->subaddress)
		n = snprintf(out, cap, "%.*s+prvs=%u%03u%s%s", (int)(at - addr), addr, k, ddd, sig,
		             at);
	else
		n = snprintf(out, cap, "prvs=%u%03u%s=%s", k, ddd, sig, addr);
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* ----- checking ----- */

static bool mac_matches(const struct key *k, const struct parsed *p, bool fold)
{
	char buf[NG_BATV_ADDR_MAX];
	char want[7], got[6];
	size_t n = p->core_len + 1 + p->domain_len;

	memcpy(buf, p->core, p->core_len);
	buf[p->core_len] = '@';
	for (size_t i = 0; i < p->domain_len; i++)
		buf[p->core_len + 1 + i] = fold ? lower(p->domain[i]) : p->domain[i];
	mac(k, p->key, p->ddd, buf, n, want);
	for (int i = 0; i < 6; i++)
		got[i] = lower(p->sig[i]);
	return CRYPTO_memcmp(want, got, 6) == 0;
}

static bool has_upper(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return true;
	return false;
}

static void put(char *out, size_t cap, const char *a, size_t alen, const char *b, size_t blen)
{
	if (out == NULL || cap == 0)
		return;
	if (alen + blen + 1 > cap) {
		out[0] = '\0';
		return;
	}
	memcpy(out, a, alen);
	memcpy(out + alen, b, blen);
	out[alen + blen] = '\0';
}

enum ng_batv_status ng_batv_verify_mem(const struct ng_batv *b, const char *addr, size_t len,
                                       time_t now, struct ng_batv_check *c, char *original,
                                       size_t cap)
{
	struct ng_batv_check tmp;
	struct parsed p;

	if (c == NULL)
		c = &tmp;
	c->status = NG_BATV_NOT_SIGNED;
	c->form = NG_BATV_FORM_NONE;
	c->key = -1;
	c->day = -1;
	c->folded = false;
	if (original != NULL && cap > 0)
		original[0] = '\0';
	if (len > NG_BATV_SIGNED_MAX - 1 || memchr(addr, '\0', len) != NULL)
		return c->status;
	parse(addr, len, &p);
	c->form = p.form;
	if (p.form != NG_BATV_FORM_PRVS && p.form != NG_BATV_FORM_SUB) {
		put(original, cap, addr, len, "", 0);
		return c->status;
	}
	/* core@domain: the address that was signed */
	put(original, cap, p.core, p.core_len, p.domain - 1, p.domain_len + 1);
	if (p.core_len + 1 + p.domain_len > NG_BATV_ADDR_MAX)
		return c->status; /* too long to have been signed */
	c->key = (int)p.key;
	c->day = (int)p.ddd;
	if (!b->keys[p.key].set) {
		c->status = NG_BATV_UNKNOWN_KEY;
		return c->status;
	}
	bool ok = mac_matches(&b->keys[p.key], &p, false);
	if (!ok && has_upper(p.domain, p.domain_len)) {
		ok = mac_matches(&b->keys[p.key], &p, true);
		c->folded = ok;
	}
	if (!ok) {
		c->status = NG_BATV_BAD_SIGNATURE;
		return c->status;
	}
	/* Wrap-safe: days left until the end of day DDD, modulo 1000. */
	unsigned today = day_mod(epoch_day(now));
	unsigned left = (p.ddd + 1000u - today) % 1000u;
	unsigned window = b->lifetime > EXIM_DAYS ? b->lifetime : EXIM_DAYS;
	c->status = left <= window ? NG_BATV_VALID : NG_BATV_EXPIRED;
	return c->status;
}

enum ng_batv_status ng_batv_verify(const struct ng_batv *b, const char *addr, time_t now,
                                   struct ng_batv_check *c, char *original, size_t cap)
{
	return ng_batv_verify_mem(b, addr, strlen(addr), now, c, original, cap);
}

/* ----- the rest ----- */

bool ng_batv_domain_signed(const struct ng_batv *b, const char *domain)
{
	size_t n = strlen(domain);
	if (n > 1 && domain[n - 1] == '.')
		n--;
	for (size_t i = 0; i < b->ndomains; i++)
		if (strlen(b->domains[i]) == n && strncasecmp(b->domains[i], domain, n) == 0)
			return true;
	return false;
}

bool ng_batv_addr_signed(const struct ng_batv *b, const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at != NULL && at[1] != '\0' && ng_batv_domain_signed(b, at + 1);
}

bool ng_batv_enforced(const struct ng_batv *b, time_t now)
{
	return now >= b->enforce_after;
}

time_t ng_batv_enforce_after(const struct ng_batv *b)
{
	return b->enforce_after;
}

unsigned ng_batv_lifetime(const struct ng_batv *b)
{
	return b->lifetime;
}

const char *ng_batv_status_name(enum ng_batv_status s)
{
	switch (s) {
	case NG_BATV_VALID:
		return "valid";
	case NG_BATV_EXPIRED:
		return "expired";
	case NG_BATV_BAD_SIGNATURE:
		return "bad-signature";
	case NG_BATV_UNKNOWN_KEY:
		return "unknown-key";
	case NG_BATV_NOT_SIGNED:
		break;
	}
	return "not-signed";
}

const char *ng_batv_form_name(enum ng_batv_form f)
{
	switch (f) {
	case NG_BATV_FORM_PRVS:
		return "prvs";
	case NG_BATV_FORM_SUB:
		return "sub";
	case NG_BATV_FORM_BTV1:
		return "btv1";
	case NG_BATV_FORM_MSPRVS1:
		return "msprvs1";
	case NG_BATV_FORM_NONE:
		break;
	}
	return "none";
}
