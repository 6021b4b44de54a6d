/*
 * authres.c - Authentication-Results, Received-SPF and spam-verdict header
 * fields read into fixed-size structs (authres.h).
 *
 * All three readers share one tokenizer over one bounds-checked cursor
 * (struct cur): CFWS with nested comments and quoted pairs, words (method,
 * result, ptype and property names), values (a quoted string or a run of
 * printable bytes, concatenated, so that "joe"@example.com is one value),
 * and a resynchronisation that skips to the next ';' outside comments and
 * quoted strings.  Every loop consumes at least one byte per turn or ends,
 * so any input, 10,000 semicolons or an unterminated comment of a megabyte,
 * is read in one linear pass with no recursion.  Text goes out through a
 * sink that cuts at the destination's size and remembers that it did.
 *
 * Why so lenient: the fields come from the relay's own filters, whose
 * versions and vendors the operator does not choose (Microsoft 365 omits
 * the authserv-id, OpenDMARC puts a '/' in it, Yahoo writes "perm_fail").
 * A field we cannot read fully still yields what it said before the damage,
 * and says it was damaged, so the caller decides how much to believe.
 *
 * The spam reader is a table (spam_rules[]): a header name, which part of
 * the value carries the verdict (the first word, the leading phrase, a
 * number, or one item of a list), and the words or ranges that mean spam
 * and ham.  A new filter is one row, not a new branch.
 */
#include "relay/authres.h"

#include <string.h>
#include <strings.h>

/* ----- the cursor ----- */

#define CUR_EOF (-1)

struct cur {
	const unsigned char *s;
	size_t len;
	size_t off;
	bool err; /* sticky: a comment or quoted string ran off the end */
};

static struct cur cur_init(const char *value, size_t len)
{
	struct cur c = {(const unsigned char *)value, value != NULL ? len : 0, 0, false};
	return c;
}

static int cur_peek(const struct cur *c)
{
	return c->off < c->len ? c->s[c->off] : CUR_EOF;
}

static int cur_next(struct cur *c)
{
	if (c->off >= c->len)
		return CUR_EOF;
	return c->s[c->off++];
}

/* ----- the sink: text into a fixed array ----- */

struct sink {
	char *dst; /* NULL: discard */
	size_t cap;
	size_t n;
	bool cut;   /* something did not fit */
	bool lower; /* fold A-Z */
};

static struct sink sink_to(char *dst, size_t cap, bool lower)
{
	struct sink k = {dst, cap, 0, false, lower};
	if (dst != NULL && cap > 0)
		dst[0] = '\0';
	return k;
}

static void sink_put(struct sink *k, int ch)
{
	if (k->dst == NULL)
		return;
	if (k->n + 1 >= k->cap) {
		k->cut = true;
		return;
	}
	if (k->lower && ch >= 'A' && ch <= 'Z')
		ch += 'a' - 'A';
	k->dst[k->n++] = (char)ch;
	k->dst[k->n] = '\0';
}

/* ----- the tokenizer ----- */

static bool is_wsp(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* A byte of a method, result, ptype or property name (RFC 8601 Keyword,
 * plus '_' for the "perm_fail" of the wild). */
static bool is_word(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_';
}

/* A byte of an unquoted value: printable, 8-bit included (RFC 8616), not a
 * delimiter of the resinfo syntax. */
static bool is_run(int ch)
{
	return ch > 0x20 && ch != 0x7f && ch != ';' && ch != '(' && ch != ')' && ch != '"';
}

/* A comment at the cursor ('(' next), nested, with quoted pairs. */
static void skip_comment(struct cur *c)
{
	size_t depth = 0;

	for (;;) {
		int ch = cur_next(c);
		if (ch == CUR_EOF) {
			c->err = true;
			return;
		}
		if (ch == '\\') {
			if (cur_next(c) == CUR_EOF) {
				c->err = true;
				return;
			}
		} else if (ch == '(') {
			depth++;
		} else if (ch == ')' && --depth == 0) {
			return;
		}
	}
}

static void skip_cfws(struct cur *c)
{
	for (;;) {
		int ch = cur_peek(c);
		if (is_wsp(ch))
			cur_next(c);
		else if (ch == '(')
			skip_comment(c);
		else
			return;
	}
}

/* A quoted string at the cursor ('"' next) into k, unquoted; folding CR
 * and LF are dropped. */
static void read_quoted(struct cur *c, struct sink *k)
{
	cur_next(c);
	for (;;) {
		int ch = cur_next(c);
		if (ch == CUR_EOF) {
			c->err = true;
			return;
		}
		if (ch == '"')
			return;
		if (ch == '\\') {
			ch = cur_next(c);
			if (ch == CUR_EOF) {
				c->err = true;
				return;
			}
		} else if (ch == '\r' || ch == '\n') {
			continue;
		}
		sink_put(k, ch);
	}
}

/* A word into k; its length (0: none here). */
static size_t read_word(struct cur *c, struct sink *k)
{
	size_t n = 0;
	while (is_word(cur_peek(c))) {
		sink_put(k, cur_next(c));
		n++;
	}
	return n;
}

/* A value (quoted strings and runs, adjacent ones joined) into k; the
 * bytes consumed (0: none here; "" consumes 2). */
static size_t read_value(struct cur *c, struct sink *k)
{
	size_t start = c->off;
	for (;;) {
		int ch = cur_peek(c);
		if (ch == '"') {
			read_quoted(c, k);
		} else if (is_run(ch)) {
			sink_put(k, cur_next(c));
		} else {
			return c->off - start;
		}
	}
}

/* Decimal digits into *v (saturating); how many there were. */
static size_t read_digits(struct cur *c, unsigned *v)
{
	size_t n = 0;
	unsigned x = 0;
	for (int ch = cur_peek(c); ch >= '0' && ch <= '9'; ch = cur_peek(c)) {
		cur_next(c);
		x = x < 100000000u ? x * 10 + (unsigned)(ch - '0') : x;
		n++;
	}
	*v = x;
	return n;
}

/* Resynchronise: up to the next ';' (not consumed) outside comments and
 * quoted strings, or the end. */
static void skip_to_semicolon(struct cur *c)
{
	struct sink none = sink_to(NULL, 0, false);
	for (int ch = cur_peek(c); ch != CUR_EOF && ch != ';'; ch = cur_peek(c)) {
		if (ch == '(')
			skip_comment(c);
		else if (ch == '"')
			read_quoted(c, &none);
		else
			cur_next(c);
	}
}

/* ----- vocabularies ----- */

static const struct {
	const char *word;
	enum ng_authres_result result;
} result_words[] = {
    {"none", NG_AUTHRES_NONE},
    {"pass", NG_AUTHRES_PASS},
    {"fail", NG_AUTHRES_FAIL},
    {"softfail", NG_AUTHRES_SOFTFAIL},
    {"neutral", NG_AUTHRES_NEUTRAL},
    {"temperror", NG_AUTHRES_TEMPERROR},
    {"permerror", NG_AUTHRES_PERMERROR},
    {"policy", NG_AUTHRES_POLICY},
    {"bestguesspass", NG_AUTHRES_BESTGUESSPASS},
    {"softpass", NG_AUTHRES_SOFTPASS},
    /* older and vendor spellings */
    {"hardfail", NG_AUTHRES_FAIL},       /* RFC 5451 */
    {"error", NG_AUTHRES_TEMPERROR},     /* RFC 4408 */
    {"unknown", NG_AUTHRES_PERMERROR},   /* RFC 4408 */
    {"tempfail", NG_AUTHRES_TEMPERROR},  /* pre-RFC DKIM filters */
    {"permfail", NG_AUTHRES_PERMERROR},  /* pre-RFC DKIM filters */
    {"perm_fail", NG_AUTHRES_PERMERROR}, /* Yahoo */
    {"temp_fail", NG_AUTHRES_TEMPERROR}, /* Yahoo */
    {"success", NG_AUTHRES_PASS},        /* Yahoo dmarc */
    {"reject", NG_AUTHRES_FAIL},         /* Rspamd arc */
};

static const char *const result_names[] = {
    [NG_AUTHRES_ABSENT] = "absent",       [NG_AUTHRES_NONE] = "none",
    [NG_AUTHRES_PASS] = "pass",           [NG_AUTHRES_FAIL] = "fail",
    [NG_AUTHRES_SOFTFAIL] = "softfail",   [NG_AUTHRES_NEUTRAL] = "neutral",
    [NG_AUTHRES_TEMPERROR] = "temperror", [NG_AUTHRES_PERMERROR] = "permerror",
    [NG_AUTHRES_POLICY] = "policy",       [NG_AUTHRES_BESTGUESSPASS] = "bestguesspass",
    [NG_AUTHRES_SOFTPASS] = "softpass",   [NG_AUTHRES_OTHER] = "other",
};

static const char *const method_names[] = {
    [NG_AUTHRES_M_AUTH] = "auth",
    [NG_AUTHRES_M_DKIM] = "dkim",
    [NG_AUTHRES_M_DKIM_ADSP] = "dkim-adsp",
    [NG_AUTHRES_M_DKIM_ATPS] = "dkim-atps",
    [NG_AUTHRES_M_DOMAINKEYS] = "domainkeys",
    [NG_AUTHRES_M_SENDER_ID] = "sender-id",
    [NG_AUTHRES_M_SPF] = "spf",
    [NG_AUTHRES_M_IPREV] = "iprev",
    [NG_AUTHRES_M_DMARC] = "dmarc",
    [NG_AUTHRES_M_ARC] = "arc",
    [NG_AUTHRES_M_RRVS] = "rrvs",
    [NG_AUTHRES_M_SMIME] = "smime",
    [NG_AUTHRES_M_VBR] = "vbr",
    [NG_AUTHRES_M_DNSWL] = "dnswl",
    [NG_AUTHRES_M_BIMI] = "bimi",
    [NG_AUTHRES_M_COMPAUTH] = "compauth",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A lower-case result word; NG_AUTHRES_OTHER when not listed. */
static enum ng_authres_result lookup_result(const char *w)
{
	for (size_t i = 0; i < NELEM(result_words); i++)
		if (strcmp(result_words[i].word, w) == 0)
			return result_words[i].result;
	return NG_AUTHRES_OTHER;
}

/* A lower-case method name; -1 when not kept. */
static int lookup_method(const char *w)
{
	for (size_t i = 0; i < NELEM(method_names); i++)
		if (strcmp(method_names[i], w) == 0)
			return (int)i;
	return -1;
}

const char *ng_authres_result_name(enum ng_authres_result r)
{
	return (size_t)r < NELEM(result_names) ? result_names[r] : "?";
}

const char *ng_authres_method_name(enum ng_authres_method m)
{
	return (size_t)m < NELEM(method_names) ? method_names[m] : "?";
}

/* ----- Authentication-Results ----- */

/* What the summary needs beyond the output. */
struct ar_state {
	struct ng_authres *out;
	bool spf_mailfrom; /* out->spf came from a resinfo naming smtp.mailfrom */
	unsigned dkim_pass, dkim_fail;
	enum ng_authres_result dkim_other;
	unsigned nresinfo, nnone;
};

static void summarise(struct ar_state *st, int method, enum ng_authres_result r, bool mailfrom)
{
	struct ng_authres *out = st->out;

	switch (method) {
	case NG_AUTHRES_M_SPF:
		if (out->spf == NG_AUTHRES_ABSENT || (mailfrom && !st->spf_mailfrom)) {
			out->spf = r;
			st->spf_mailfrom = mailfrom;
		}
		break;
	case NG_AUTHRES_M_DKIM:
		out->ndkim++;
		if (r == NG_AUTHRES_PASS)
			st->dkim_pass++;
		else if (r == NG_AUTHRES_FAIL || r == NG_AUTHRES_PERMERROR ||
		         r == NG_AUTHRES_POLICY)
			st->dkim_fail++;
		else if (st->dkim_other == NG_AUTHRES_ABSENT)
			st->dkim_other = r;
		break;
	case NG_AUTHRES_M_DMARC:
		if (out->dmarc == NG_AUTHRES_ABSENT)
			out->dmarc = r;
		break;
	case NG_AUTHRES_M_ARC:
		if (out->arc == NG_AUTHRES_ABSENT)
			out->arc = r;
		break;
	default:
		break;
	}
}

/* Does a resinfo start at the cursor ("word [/ digits] =")?  The cursor
 * does not move. */
static bool at_resinfo(const struct cur *c)
{
	struct cur look = *c;
	struct sink none = sink_to(NULL, 0, false);
	unsigned v;

	if (read_word(&look, &none) == 0)
		return false;
	skip_cfws(&look);
	if (cur_peek(&look) == '/') {
		cur_next(&look);
		skip_cfws(&look);
		if (read_digits(&look, &v) == 0)
			return false;
		skip_cfws(&look);
	}
	return cur_peek(&look) == '=';
}

/* The properties (and reason=) of a resinfo, into e when it is kept (NULL:
 * read and dropped).  Ends at ';' or the end; true when one of them is
 * smtp.mailfrom. */
static bool read_props(struct cur *c, struct ng_authres *out, struct ng_authres_entry *e)
{
	bool mailfrom = false;

	for (;;) {
		char name[NG_AUTHRES_NAME_MAX];
		struct sink kn = sink_to(name, sizeof(name), true);
		bool dotted = false;

		skip_cfws(c);
		int ch = cur_peek(c);
		if (ch == CUR_EOF || ch == ';')
			return mailfrom;
		if (read_word(c, &kn) == 0) {
			out->malformed = true;
			skip_to_semicolon(c);
			return mailfrom;
		}
		skip_cfws(c);
		if (cur_peek(c) == '.') {
			cur_next(c);
			skip_cfws(c);
			sink_put(&kn, '.');
			if (read_word(c, &kn) == 0) {
				out->malformed = true;
				skip_to_semicolon(c);
				return mailfrom;
			}
			skip_cfws(c);
			dotted = true;
		}
		if (cur_peek(c) != '=') {
			out->malformed = true;
			skip_to_semicolon(c);
			return mailfrom;
		}
		cur_next(c);
		skip_cfws(c);

		struct sink kv = sink_to(NULL, 0, false);
		struct ng_authres_prop *p = NULL;
		if (e != NULL && !dotted && strcmp(name, "reason") == 0) {
			if (e->reason[0] == '\0')
				kv = sink_to(e->reason, sizeof(e->reason), false);
		} else if (e != NULL && e->nprops < NG_AUTHRES_PROPS_MAX) {
			p = &e->props[e->nprops++];
			memcpy(p->name, name, kn.n + 1); /* not the stack bytes after the NUL */
			kv = sink_to(p->value, sizeof(p->value), false);
			out->truncated |= kn.cut;
		} else if (e != NULL) {
			out->truncated = true;
		}
		read_value(c, &kv);
		out->truncated |= kv.cut;
		if (dotted && !kn.cut && strcmp(name, "smtp.mailfrom") == 0)
			mailfrom = true;
	}
}

/* One resinfo at the cursor (not at ';' or the end). */
static void read_resinfo(struct cur *c, struct ar_state *st)
{
	struct ng_authres *out = st->out;
	char mname[NG_AUTHRES_NAME_MAX], rword[NG_AUTHRES_NAME_MAX];
	struct sink km = sink_to(mname, sizeof(mname), true);
	struct sink kr = sink_to(rword, sizeof(rword), true);
	unsigned version = 0;

	if (read_word(c, &km) == 0) {
		out->malformed = true;
		skip_to_semicolon(c);
		return;
	}
	skip_cfws(c);
	bool versioned = cur_peek(c) == '/';
	if (versioned) {
		cur_next(c);
		skip_cfws(c);
		if (read_digits(c, &version) == 0) {
			out->malformed = true;
			skip_to_semicolon(c);
			return;
		}
		skip_cfws(c);
	}
	if (cur_peek(c) != '=') {
		int ch = cur_peek(c);
		if (!versioned && strcmp(mname, "none") == 0 && (ch == ';' || ch == CUR_EOF)) {
			out->none = true;
			st->nnone++;
		} else {
			out->malformed = true;
			skip_to_semicolon(c);
		}
		return;
	}
	cur_next(c);
	skip_cfws(c);
	if (read_word(c, &kr) == 0) {
		out->malformed = true;
		skip_to_semicolon(c);
		return;
	}
	st->nresinfo++;

	int method = km.cut ? -1 : lookup_method(mname);
	enum ng_authres_result r = kr.cut ? NG_AUTHRES_OTHER : lookup_result(rword);
	struct ng_authres_entry *e = NULL;
	if (method < 0) {
		out->nskipped++;
	} else if (out->nentries < NG_AUTHRES_ENTRIES_MAX) {
		e = &out->entries[out->nentries++];
		e->method = (enum ng_authres_method)method;
		e->result = r;
		e->version = version;
		memcpy(e->result_word, rword, kr.n + 1);
		out->truncated |= kr.cut;
	} else {
		out->ndropped++;
		out->truncated = true;
	}
	bool mailfrom = read_props(c, out, e);
	if (method >= 0)
		summarise(st, method, r, mailfrom);
}

/* The authserv-id and its version, up to the first ';'. */
static void read_authserv_id(struct cur *c, struct ng_authres *out)
{
	struct sink k = sink_to(out->authserv_id, sizeof(out->authserv_id), false);

	if (read_value(c, &k) == 0 || out->authserv_id[0] == '\0') {
		out->malformed = true;
		skip_to_semicolon(c);
		return;
	}
	out->truncated |= k.cut;
	skip_cfws(c);
	if (read_digits(c, &out->version) > 0)
		skip_cfws(c);
}

unsigned ng_authres_parse(const char *value, size_t len, struct ng_authres *out)
{
	struct cur c = cur_init(value, len);
	struct ar_state st = {.out = out, .dkim_other = NG_AUTHRES_ABSENT};

	memset(out, 0, sizeof(*out));
	skip_cfws(&c);
	bool pending = at_resinfo(&c); /* a first resinfo with no ';' before it */
	if (pending)
		out->no_authserv_id = true;
	else
		read_authserv_id(&c, out);

	for (;;) {
		if (!pending) {
			skip_cfws(&c);
			int ch = cur_peek(&c);
			if (ch == CUR_EOF)
				break;
			if (ch != ';') {
				out->malformed = true;
				skip_to_semicolon(&c);
				continue;
			}
			cur_next(&c);
			skip_cfws(&c);
			ch = cur_peek(&c);
			if (ch == ';' || ch == CUR_EOF)
				continue; /* an empty resinfo: tolerated */
		}
		pending = false;
		read_resinfo(&c, &st);
	}

	if (st.dkim_pass > 0)
		out->dkim = NG_AUTHRES_PASS;
	else if (out->ndkim > 0 && st.dkim_fail == out->ndkim)
		out->dkim = NG_AUTHRES_FAIL;
	else
		out->dkim = st.dkim_other;
	/* "none" is the whole answer or nothing; an id alone says nothing. */
	if (c.err || (st.nnone > 0 && st.nresinfo > 0) || st.nnone > 1 ||
	    (st.nnone == 0 && st.nresinfo == 0))
		out->malformed = true;
	return out->nentries;
}

const struct ng_authres_entry *ng_authres_find(const struct ng_authres *ar,
                                               enum ng_authres_method m)
{
	for (unsigned i = 0; i < ar->nentries && i < NG_AUTHRES_ENTRIES_MAX; i++)
		if (ar->entries[i].method == m)
			return &ar->entries[i];
	return NULL;
}

const char *ng_authres_prop(const struct ng_authres_entry *e, const char *name)
{
	for (unsigned i = 0; i < e->nprops && i < NG_AUTHRES_PROPS_MAX; i++)
		if (strcasecmp(e->props[i].name, name) == 0)
			return e->props[i].value;
	return NULL;
}

/* ----- Received-SPF ----- */

/* The keys of RFC 7208 9.1 that are kept, in the order of fields[] below. */
static const char *const spf_keys[] = {"client-ip", "envelope-from", "helo",   "identity",
                                       "receiver",  "mechanism",     "problem"};

enum ng_authres_result ng_authres_parse_received_spf(const char *value, size_t len,
                                                     struct ng_authres_spf *out)
{
	struct cur c = cur_init(value, len);
	char word[NG_AUTHRES_NAME_MAX];
	struct sink kw = sink_to(word, sizeof(word), true);
	char *const fields[] = {out->client_ip, out->envelope_from, out->helo,   out->identity,
	                        out->receiver,  out->mechanism,     out->problem};
	unsigned seen = 0; /* bit per key: the first of each wins */
	_Static_assert(NELEM(fields) == NELEM(spf_keys), "one field per key");

	memset(out, 0, sizeof(*out));
	skip_cfws(&c);
	out->result = NG_AUTHRES_OTHER;
	struct cur at_word = c;
	if (read_word(&c, &kw) > 0 && !kw.cut) {
		enum ng_authres_result r = lookup_result(word);
		if (r >= NG_AUTHRES_NONE && r <= NG_AUTHRES_PERMERROR)
			out->result = r;
	}
	struct cur after = c;
	skip_cfws(&after);
	if (cur_peek(&after) == '=')
		c = at_word; /* no result word: the list starts here */
	if (out->result == NG_AUTHRES_OTHER)
		out->malformed = true;

	for (;;) {
		char key[NG_AUTHRES_NAME_MAX];
		struct sink kk = sink_to(key, sizeof(key), true);

		skip_cfws(&c);
		int ch = cur_peek(&c);
		if (ch == CUR_EOF)
			break;
		if (ch == ';') {
			cur_next(&c);
			continue;
		}
		if (read_word(&c, &kk) == 0) {
			out->malformed = true;
			skip_to_semicolon(&c);
			continue;
		}
		skip_cfws(&c);
		if (cur_peek(&c) != '=') {
			out->malformed = true;
			skip_to_semicolon(&c);
			continue;
		}
		cur_next(&c);
		skip_cfws(&c);

		struct sink kv = sink_to(NULL, 0, false);
		for (size_t i = 0; i < NELEM(spf_keys); i++) {
			if (!kk.cut && strcmp(key, spf_keys[i]) == 0 && (seen & (1u << i)) == 0) {
				seen |= (1u << i);
				kv = sink_to(fields[i], NG_AUTHRES_VALUE_MAX, false);
			}
		}
		read_value(&c, &kv);
		out->truncated |= kv.cut;
	}
	if (c.err)
		out->malformed = true;
	return out->result;
}

/* ----- spam verdicts ----- */

/* Where the verdict is in the value. */
enum spam_how {
	BY_WORD,   /* the first word: up to white space, ',', ';' or '(' */
	BY_PHRASE, /* the words before the first ',', ';' or '(', white space squeezed */
	BY_NUMBER, /* the first word, a decimal integer */
	BY_ITEM,   /* the value of one KEY<kvsep>VALUE item of a list */
};

struct spam_rule {
	const char *header;
	enum spam_how how;
	const char *item;                      /* BY_ITEM: the item's key, lower-case */
	char itemsep;                          /* BY_ITEM: what ends an item ('\0': white space) */
	char kvsep;                            /* BY_ITEM: what separates key and value */
	const char *const *spam, *const *ham;  /* lower-case, NULL-terminated */
	long spam_lo, spam_hi, ham_lo, ham_hi; /* BY_NUMBER: inclusive ranges */
};

static const char *const yes[] = {"yes", NULL};
static const char *const no[] = {"no", NULL};
static const char *const verdict_spam[] = {"spam", "yes", NULL};
static const char *const verdict_ham[] = {"ham", "clean", "not spam", "notspam", "no", NULL};
static const char *const rspamd_spam[] = {
    "reject",          "add header", "add_header", "rewrite subject",
    "rewrite_subject", "discard",    "quarantine", NULL};
static const char *const rspamd_ham[] = {"no action", "no_action", NULL};
static const char *const sfv_spam[] = {"spm", "sks", "skb", "blk", NULL};
static const char *const sfv_ham[] = {"nspm", "skn", NULL};
static const char *const pp_spam[] = {"spam", "inbound_spam", "outbound_spam", NULL};
static const char *const pp_ham[] = {"notspam", "inbound_notspam", "outbound_notspam", NULL};

static const struct spam_rule spam_rules[] = {
    {.header = "X-Spam-Status", .how = BY_WORD, .spam = yes, .ham = no},
    {.header = "X-Spam-Flag", .how = BY_WORD, .spam = yes, .ham = no},
    {.header = "X-Spam", .how = BY_WORD, .spam = yes, .ham = no},
    {.header = "X-Spam-Verdict", .how = BY_PHRASE, .spam = verdict_spam, .ham = verdict_ham},
    {.header = "X-Rspamd-Action", .how = BY_PHRASE, .spam = rspamd_spam, .ham = rspamd_ham},
    {.header = "X-MS-Exchange-Organization-SCL",
     .how = BY_NUMBER,
     .spam_lo = 5,
     .spam_hi = 9,
     .ham_lo = -1,
     .ham_hi = 4},
    {.header = "X-Forefront-Antispam-Report",
     .how = BY_ITEM,
     .item = "sfv",
     .itemsep = ';',
     .kvsep = ':',
     .spam = sfv_spam,
     .ham = sfv_ham},
    {.header = "X-Barracuda-Spam-Status", .how = BY_WORD, .spam = yes, .ham = no},
    {.header = "X-Proofpoint-Spam-Details",
     .how = BY_ITEM,
     .item = "rule",
     .itemsep = '\0',
     .kvsep = '=',
     .spam = pp_spam,
     .ham = pp_ham},
};

/* name (len bytes) equals the NUL-terminated s, ignoring case. */
static bool name_eq(const char *name, size_t len, const char *s)
{
	for (size_t i = 0; i < len; i++) {
		int a = (unsigned char)name[i], b = (unsigned char)s[i];
		if (b == '\0')
			return false;
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return false;
	}
	return s[len] == '\0';
}

static const struct spam_rule *find_rule(const char *name, size_t len)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < NELEM(spam_rules); i++)
		if (name_eq(name, len, spam_rules[i].header))
			return &spam_rules[i];
	return NULL;
}

static bool is_phrase_end(int ch)
{
	return ch == CUR_EOF || ch == ',' || ch == ';' || ch == '(';
}

/* BY_WORD and BY_NUMBER: the first word. */
static void take_word(struct cur *c, struct sink *k)
{
	while (is_wsp(cur_peek(c)))
		cur_next(c);
	for (int ch = cur_peek(c); !is_phrase_end(ch) && !is_wsp(ch); ch = cur_peek(c))
		sink_put(k, cur_next(c));
}

/* BY_PHRASE: the leading words, white space squeezed to one space. */
static void take_phrase(struct cur *c, struct sink *k)
{
	bool space = false;
	while (is_wsp(cur_peek(c)))
		cur_next(c);
	for (int ch = cur_peek(c); !is_phrase_end(ch); ch = cur_peek(c)) {
		cur_next(c);
		if (is_wsp(ch)) {
			space = true;
			continue;
		}
		if (space)
			sink_put(k, ' ');
		space = false;
		sink_put(k, ch);
	}
}

static bool item_end(const struct spam_rule *r, int ch)
{
	return ch == CUR_EOF || (r->itemsep != '\0' ? ch == r->itemsep : is_wsp(ch));
}

/* BY_ITEM: the value of the first item named r->item, white space dropped. */
static void take_item(struct cur *c, const struct spam_rule *r, struct sink *k)
{
	for (;;) {
		char key[NG_AUTHRES_NAME_MAX];
		struct sink kk = sink_to(key, sizeof(key), true);
		int ch;

		while (is_wsp(cur_peek(c)))
			cur_next(c);
		if (cur_peek(c) == CUR_EOF)
			return;
		for (ch = cur_peek(c); ch != r->kvsep && !item_end(r, ch); ch = cur_peek(c)) {
			if (!is_wsp(ch))
				sink_put(&kk, ch);
			cur_next(c);
		}
		bool match = ch == r->kvsep && !kk.cut && strcmp(key, r->item) == 0;
		if (ch == r->kvsep)
			cur_next(c);
		for (ch = cur_peek(c); !item_end(r, ch); ch = cur_peek(c)) {
			if (match && !is_wsp(ch))
				sink_put(k, ch);
			cur_next(c);
		}
		if (match)
			return;
		cur_next(c); /* the separator */
	}
}

static bool in_list(const char *const *list, const char *w)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, w) == 0)
			return true;
	return false;
}

/* A decimal integer of at most 4 digits with an optional sign. */
static bool parse_small_int(const char *s, long *out)
{
	long sign = 1, v = 0;
	size_t n = 0;
	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	for (; *s >= '0' && *s <= '9' && n < 5; s++, n++)
		v = v * 10 + (*s - '0');
	if (n == 0 || n > 4 || *s != '\0')
		return false;
	*out = sign * v;
	return true;
}

enum ng_authres_spam ng_authres_spam_verdict(const char *name, size_t namelen, const char *value,
                                             size_t valuelen)
{
	const struct spam_rule *r = find_rule(name, namelen);
	struct cur c = cur_init(value, valuelen);
	char w[NG_AUTHRES_VERDICT_MAX];
	struct sink k = sink_to(w, sizeof(w), true);
	long n;

	if (r == NULL)
		return NG_AUTHRES_SPAM_UNKNOWN;
	switch (r->how) {
	case BY_WORD:
	case BY_NUMBER:
		take_word(&c, &k);
		break;
	case BY_PHRASE:
		take_phrase(&c, &k);
		break;
	case BY_ITEM:
		take_item(&c, r, &k);
		break;
	}
	if (k.cut || w[0] == '\0')
		return NG_AUTHRES_SPAM_UNKNOWN;
	if (r->how == BY_NUMBER) {
		if (!parse_small_int(w, &n))
			return NG_AUTHRES_SPAM_UNKNOWN;
		if (n >= r->spam_lo && n <= r->spam_hi)
			return NG_AUTHRES_SPAM_SPAM;
		if (n >= r->ham_lo && n <= r->ham_hi)
			return NG_AUTHRES_SPAM_HAM;
		return NG_AUTHRES_SPAM_UNKNOWN;
	}
	if (in_list(r->spam, w))
		return NG_AUTHRES_SPAM_SPAM;
	if (in_list(r->ham, w))
		return NG_AUTHRES_SPAM_HAM;
	return NG_AUTHRES_SPAM_UNKNOWN;
}

bool ng_authres_spam_known(const char *name, size_t namelen)
{
	return find_rule(name, namelen) != NULL;
}

const char *ng_authres_spam_header(size_t i)
{
	return i < NELEM(spam_rules) ? spam_rules[i].header : NULL;
}

const char *ng_authres_spam_name(enum ng_authres_spam v)
{
	static const char *const names[] = {"unknown", "ham", "spam"};
	return (size_t)v < NELEM(names) ? names[v] : "?";
}
