/*
 * batv.h - Bounce Address Tag Validation: prvs signing and checking of
 * envelope addresses (draft-levine-smtp-batv-01), interoperable with Exim's
 * ${prvs{ADDR}{KEY}{K}} and ${prvscheck{ADDR}{KEY}{...}}.
 *
 * Form.  A signed address is
 *
 *     prvs=KDDDSSSSSS=local@domain            (the default), or
 *     local+prvs=KDDDSSSSSS@domain            (batv_subaddress = yes)
 *
 * K is the key number 0-9; DDD is the expiry day (whole days since
 * 1970-01-01 UTC of the signing time, plus the lifetime) modulo 1000, three
 * digits; SSSSSS is the first three bytes of HMAC-SHA1(key, "K" "DDD"
 * "local@domain") in lower-case hex.  The MAC covers the original address
 * exactly as it was given (Exim does the same), in both forms.
 *
 * Checking.  The tag is parsed strictly: "prvs=" (any case), one digit,
 * three digits, six hex digits (any case), "=" and a non-empty local part
 * and domain; anything else is NG_BATV_NOT_SIGNED.  A key number that is
 * not configured is NG_BATV_UNKNOWN_KEY.  The MAC is compared in constant
 * time (CRYPTO_memcmp); when it does not match, it is computed once more
 * over the address with the domain lower-cased, since MTAs on the way may
 * fold the domain.  The day is checked wrap-safe: with today = now / 86400
 * mod 1000, the address is valid when (DDD - today) mod 1000, computed in
 * unsigned arithmetic, is at most the window W = max(lifetime, 7).  So an
 * address expires at the end of day DDD, the wrap 999 -> 000 needs no
 * special case, and a tag whose day lies in the past (which mod 1000 looks
 * like "far in the future") is NG_BATV_EXPIRED.  The window is never
 * narrower than 7 days because Exim always signs with a 7-day lifetime:
 * every address Exim signed is valid here for its whole lifetime, as Exim
 * itself judges it (Exim's rule: valid when DDD >= today, with today taken
 * as 0 when DDD < 7 and today >= 993).  Lowering batv_lifetime_days still
 * shortens the life of our own signatures: the expiry is in the tag.
 *
 * Foreign forms.  Barracuda's "btv1==...==local@domain" and SparkPost's
 * "msprvs1=...=local@domain" are recognised (form NG_BATV_FORM_BTV1 or
 * NG_BATV_FORM_MSPRVS1) but never emitted and never verified: they are
 * somebody else's signatures, so to us such an address is NG_BATV_NOT_SIGNED
 * (a bounce to one in one of our batv_domains is an unsigned bounce), and
 * ng_batv_sign() leaves it as it is rather than wrapping a second tag
 * around it.
 *
 * Keys.  Up to NG_BATV_KEYS_MAX numbered keys (0-9) of 1..NG_BATV_KEY_MAX
 * bytes.  The highest number signs; every configured key verifies.
 * Rotation: add a key with a higher number; signatures switch to it at
 * once, and the old key is removed one lifetime later.  In files (the
 * batv_keys key, "N:/path"), the key is the file's content without one
 * final newline (LF or CRLF), at most 64 bytes, as Exim accepts.
 *
 * Enforcement.  ng_batv_enforced() tells whether unsigned bounces are to
 * be refused yet (before that they are tagged only), so that bounces of
 * mail sent before signing started still come in.  From the configuration:
 * batv_enforce_after = YYYY-MM-DD means from 00:00 UTC that day; empty
 * means one lifetime after signing started, and signing is taken to have
 * started at the modification time of the OLDEST configured key file: a
 * key put in place is what starts signing, and a rotation keeps the old
 * key listed for a lifetime, so rotating does not postpone enforcement.
 * No other state is stored anywhere.  (Restoring key files with a fresh
 * modification time restarts the grace period; set the date to avoid it.)
 *
 * The clock is the caller's: every function that needs the time takes
 * `now`.  Ownership and thread-safety: a struct ng_batv is immutable once
 * built and may be shared by any number of threads; it holds copies of the
 * keys and domains.  Only ng_batv_from_config() and ng_batv_load_key()
 * read files; signing and checking do no I/O and allocate nothing.
 */
#ifndef NDRGUARD_BATV_H
#define NDRGUARD_BATV_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct ng_config;

#define NG_BATV_KEYS_MAX 10 /* key numbers 0..9 */
#define NG_BATV_KEY_MAX  64 /* bytes of one key (as Exim) */
/* Longest address (RFC 5321: 64 + 1 + 255) signed or checked, and the
 * room a signed one needs with its tag ("prvs=KDDDSSSSSS=", 16 bytes) and
 * the NUL. */
#define NG_BATV_ADDR_MAX   320
#define NG_BATV_SIGNED_MAX (NG_BATV_ADDR_MAX + 16 + 1)

/* The result of a check. */
enum ng_batv_status {
	NG_BATV_VALID = 0,     /* our signature, within its lifetime */
	NG_BATV_EXPIRED,       /* our signature, but its day is past */
	NG_BATV_BAD_SIGNATURE, /* a well-formed tag whose MAC does not match */
	NG_BATV_UNKNOWN_KEY,   /* a well-formed tag with a key number not configured */
	NG_BATV_NOT_SIGNED,    /* no prvs tag, a malformed one, or a foreign form */
};

/* What the address looks like, whatever the status. */
enum ng_batv_form {
	NG_BATV_FORM_NONE = 0, /* no tag (or a malformed one) */
	NG_BATV_FORM_PRVS,     /* prvs=KDDDSSSSSS=local@domain */
	NG_BATV_FORM_SUB,      /* local+prvs=KDDDSSSSSS@domain */
	NG_BATV_FORM_BTV1,     /* Barracuda btv1==...==local@domain: foreign */
	NG_BATV_FORM_MSPRVS1,  /* SparkPost msprvs1=...=local@domain: foreign */
};

/* Details of a check (all but status and form are meaningful only for
 * NG_BATV_FORM_PRVS and NG_BATV_FORM_SUB). */
struct ng_batv_check {
	enum ng_batv_status status;
	enum ng_batv_form form;
	int key;     /* K, or -1 */
	int day;     /* DDD, or -1 */
	bool folded; /* valid only over the domain lower-cased */
};

/* One key in memory. */
struct ng_batv_key {
	unsigned num;              /* 0..9 */
	const unsigned char *data; /* 1..NG_BATV_KEY_MAX bytes */
	size_t len;
};

struct ng_batv_opts {
	const struct ng_batv_key *keys; /* at least one; numbers distinct */
	size_t nkeys;
	/* Domains whose addresses are signed and whose bounces must carry a
	 * valid tag; compared case-insensitively; no '@'. May be empty. */
	const char *const *domains;
	size_t ndomains;
	unsigned lifetime_days; /* 1..999; 0 = 7 */
	bool subaddress;        /* sign as local+prvs=...@domain */
	/* From when ng_batv_enforced() is true (0: always). */
	time_t enforce_after;
};

struct ng_batv;

/*
 * Build from options (copies everything).  NULL with a message in err
 * (size errlen) for no key, a key number past 9 or used twice, an empty or
 * too long key, a bad domain or lifetime, or when out of memory.
 */
struct ng_batv *ng_batv_new(const struct ng_batv_opts *opts, char *err, size_t errlen);

/*
 * Build from the keys batv_keys (reading the key files), batv_domains,
 * batv_lifetime_days, batv_subaddress and batv_enforce_after (see
 * "Enforcement" above).  Every error names where the value was set and the
 * key, e.g. "/etc/ndrguard/ndrguard.conf:40: batv_keys: 1:/etc/k: cannot
 * read: No such file or directory" or "-o: batv_enforce_after: '2024-02-30':
 * not a date (YYYY-MM-DD)".  No keys configured is an error too ("batv_keys:
 * no keys configured"); ask ng_batv_configured() first where BATV is
 * optional.
 */
struct ng_batv *ng_batv_from_config(const struct ng_config *cfg, char *err, size_t errlen);

/* True when batv_keys lists at least one key (BATV is on). */
bool ng_batv_configured(const struct ng_config *cfg);

void ng_batv_free(struct ng_batv *b);

/*
 * Sign addr ("local@domain", without <>) as of `now` with the highest key,
 * in the configured form, into out (size cap; NG_BATV_SIGNED_MAX is always
 * enough).  The tag depends only on the address, the day and the key, so
 * every retry of one message on one day gets the same tag.  Returns 1 and
 * copies addr unchanged when it carries a tag already (ours or a foreign
 * form: never re-tag); 0 when signed; -1 (out = "") when addr is not
 * local@domain, longer than NG_BATV_ADDR_MAX, or out is too small.  The
 * domain is not checked against batv_domains: that is the caller's choice
 * (ng_batv_domain_signed()).
 */
int ng_batv_sign(const struct ng_batv *b, const char *addr, time_t now, char *out, size_t cap);

/*
 * Check addr as of `now`.  Returns the status (also in c->status when c is
 * not NULL).  original (size cap, may be NULL) receives the address
 * without our tag for the forms PRVS and SUB, whatever the status; for any
 * other form addr itself (foreign tags are not removed: the address is not
 * ours to rewrite).  An original that does not fit in cap is cut to "".
 * Safe on any NUL-terminated bytes.
 */
enum ng_batv_status ng_batv_verify(const struct ng_batv *b, const char *addr, time_t now,
                                   struct ng_batv_check *c, char *original, size_t cap);

/*
 * The same on len bytes that need not be NUL-terminated (a NUL inside is
 * simply a byte that no valid tag contains): the entry point of the fuzz
 * target.
 */
enum ng_batv_status ng_batv_verify_mem(const struct ng_batv *b, const char *addr, size_t len,
                                       time_t now, struct ng_batv_check *c, char *original,
                                       size_t cap);

/* The form of addr, without any key: whether it carries a tag at all. */
enum ng_batv_form ng_batv_form(const char *addr);

/* True when domain (case-insensitive; a trailing dot ignored) is one of
 * batv_domains. */
bool ng_batv_domain_signed(const struct ng_batv *b, const char *domain);

/* The same for the domain of an address local@domain (false without '@'). */
bool ng_batv_addr_signed(const struct ng_batv *b, const char *addr);

/* True from the enforcement time on (see "Enforcement" above). */
bool ng_batv_enforced(const struct ng_batv *b, time_t now);

/* The enforcement time (0 = always). */
time_t ng_batv_enforce_after(const struct ng_batv *b);

/* The lifetime in days. */
unsigned ng_batv_lifetime(const struct ng_batv *b);

/* "valid", "expired", "bad-signature", "unknown-key", "not-signed". */
const char *ng_batv_status_name(enum ng_batv_status s);

/* "none", "prvs", "sub", "btv1", "msprvs1". */
const char *ng_batv_form_name(enum ng_batv_form f);

/*
 * Read a key file: its content without one final LF or CRLF, 1..64 bytes,
 * into key (NG_BATV_KEY_MAX bytes); *len its length, *mtime the file's
 * modification time (may be NULL).  0, or -1 with a message in err naming
 * the path: cannot be read, empty, longer than 64 bytes.
 */
int ng_batv_load_key(const char *path, unsigned char *key, size_t *len, time_t *mtime, char *err,
                     size_t errlen);

/*
 * Parse YYYY-MM-DD strictly (four digits, dash, two digits, dash, two
 * digits, a real calendar date, year 1970..9999) into 00:00 UTC of that
 * day.  0 or -1.
 */
int ng_batv_parse_date(const char *s, time_t *out);

#endif
