/*
 * tenants.c - the relay_tenants map (tenants.h).
 *
 * Loading reads the text once, line by line, into three flat arrays
 * (tenants, logins, networks) whose strings live in one pool; then sorts
 * them, which both finds the duplicates (adjacent after sorting) and makes
 * the lookup structure:
 *
 *   - logins sorted by their normalised text: binary search;
 *   - networks sorted by family, prefix length (longest first) and
 *     address, cut into groups of one family and one length: a lookup
 *     masks the address to each length in turn, longest first, and binary
 *     searches that group.  At most 33 + 129 groups, so a lookup costs
 *     O(lengths present x log networks) with no per-lookup allocation.
 *
 * Errors found while reading stop at the first one; duplicates are found
 * after reading, and the one reported is the earliest in the file.
 */
#include "relay/tenants.h"
#include "util/file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/limits.h"

struct tenant_rec {
	size_t name;   /* pool offset of the name, while the pool grows */
	const char *s; /* the name, once it stops */
	size_t index;  /* in the order of the file */
	unsigned long line;
};

struct login_rec {
	size_t str; /* pool offset of the normalised login */
	const char *s;
	size_t tenant;
	unsigned long line;
};

struct net_rec {
	struct ng_cidr n;
	size_t tok; /* pool offset of the network as written */
	const char *s;
	size_t tenant;
	unsigned long line;
};

/* The networks of one family and one prefix length: nets[start..+count). */
struct group {
	bool v6;
	unsigned bits;
	size_t start, count;
};

struct ng_tenants {
	char *pool;
	size_t pool_len, pool_cap;
	struct tenant_rec *tenants;
	size_t ntenants, tenants_cap;
	struct tenant_rec *by_name; /* the same, sorted by name */
	struct login_rec *logins;
	size_t nlogins, logins_cap;
	struct net_rec *nets;
	size_t nnets, nets_cap;
	struct group groups[33 + 129];
	size_t ngroups;
};

/* ---- memory ---- */

/* Make room for `need` elements of `size` bytes; -1 when out of memory or
 * when the size would overflow. */
static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / size)
		return -1;
	void *n = realloc(*p, ncap * size);
	if (n == NULL)
		return -1;
	*p = n;
	*cap = ncap;
	return 0;
}

static int pool_add(struct ng_tenants *t, const char *s, size_t n, size_t *off)
{
	if (n > SIZE_MAX - t->pool_len - 1 ||
	    grow((void **)&t->pool, &t->pool_cap, t->pool_len + n + 1, 1) != 0)
		return -1;
	memcpy(t->pool + t->pool_len, s, n);
	t->pool[t->pool_len + n] = '\0';
	*off = t->pool_len;
	t->pool_len += n + 1;
	return 0;
}

void ng_tenants_free(struct ng_tenants *t)
{
	if (t == NULL)
		return;
	free(t->pool);
	free(t->tenants);
	free(t->by_name);
	free(t->logins);
	free(t->nets);
	free(t);
}

/* ---- reading ---- */

struct reader {
	struct ng_tenants *t;
	const char *file;
	unsigned long line;
	bool in_tenant; /* t->tenants[ntenants - 1] is open */
	size_t items;   /* its networks and logins so far */
	size_t logical; /* bytes of its line and continuations so far */
	char *err;
	size_t errlen;
};

static int fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct reader *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->errlen > 0)
		snprintf(r->err, r->errlen, "%s:%lu: %s", r->file, r->line, msg);
	return -1;
}

static int oom(struct reader *r)
{
	if (r->errlen > 0)
		snprintf(r->err, r->errlen, "%s: out of memory", r->file);
	return -1;
}

static const char *cur_name(const struct reader *r)
{
	return r->t->pool + r->t->tenants[r->t->ntenants - 1].name;
}

static bool is_sep(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == ',' || ch == '\r' || ch == '\v' || ch == '\f';
}

static bool is_digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_hex(unsigned char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* Digits and dots with a dot, or hex digits, dots and colons with two
 * colons. */
static bool addr_like(const char *s, size_t n)
{
	bool v4 = n > 0, v6 = n > 0;
	unsigned dots = 0, colons = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		dots += ch == '.';
		colons += ch == ':';
		if (!is_digit(ch) && ch != '.')
			v4 = false;
		if (!is_hex(ch) && ch != '.' && ch != ':')
			v6 = false;
	}
	return (v4 && dots > 0) || (v6 && colons >= 2);
}

/* A token meant as a network (tenants.h): an address, or a '/' after an
 * address or before a number. */
static bool network_like(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	if (slash == NULL)
		return addr_like(s, n);
	size_t before = (size_t)(slash - s), after = n - before - 1;
	if (addr_like(s, before))
		return true;
	if (after == 0)
		return false;
	for (size_t i = 0; i < after; i++)
		if (!is_digit((unsigned char)slash[1 + i]))
			return false;
	return true;
}

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= NG_RELAY_TENANT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!is_digit(ch) && !((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') && ch != '.' &&
		    ch != '_' && ch != '-')
			return false;
	}
	return true;
}

/* The login as compared: the domain after the last '@' lower-cased. */
static void login_norm(char *out, const char *s, size_t n)
{
	const char *at = NULL;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '@')
			at = s + i;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (at != NULL && s + i > at && ch >= 'A' && ch <= 'Z')
			ch = (char)(ch + 32);
		out[i] = ch;
	}
	out[n] = '\0';
}

static int new_tenant(struct reader *r, const char *s, size_t n)
{
	struct ng_tenants *t = r->t;
	if (!name_ok(s, n))
		return fail(r, "tenant name '%.*s': use 1..%d of A-Z a-z 0-9 . _ -",
		            (int)(n > 80 ? 80 : n), s, NG_RELAY_TENANT_NAME_MAX - 1);
	if (t->ntenants >= NG_RELAY_TENANTS_MAX)
		return fail(r, "more than %d tenants", NG_RELAY_TENANTS_MAX);
	if (grow((void **)&t->tenants, &t->tenants_cap, t->ntenants + 1, sizeof(*t->tenants)) != 0)
		return oom(r);
	struct tenant_rec *rec = &t->tenants[t->ntenants];
	memset(rec, 0, sizeof(*rec));
	if (pool_add(t, s, n, &rec->name) != 0)
		return oom(r);
	rec->index = t->ntenants;
	rec->line = r->line;
	t->ntenants++;
	r->in_tenant = true;
	r->items = 0;
	return 0;
}

static int add_item(struct reader *r, const char *s, size_t n)
{
	struct ng_tenants *t = r->t;
	char tok[NG_RELAY_LOGIN_MAX];

	if (t->nlogins + t->nnets >= NG_RELAY_TENANT_ITEMS_MAX)
		return fail(r, "more than %d networks and logins", NG_RELAY_TENANT_ITEMS_MAX);
	if (n >= sizeof(tok))
		return fail(r, "tenant '%s': '%.80s...' longer than %d bytes", cur_name(r), s,
		            NG_RELAY_LOGIN_MAX - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return fail(r, "tenant '%s': control character in '%.*s'", cur_name(r),
			            (int)(n > 80 ? 80 : n), s);
	r->items++;
	if (network_like(s, n)) {
		char msg[256];
		memcpy(tok, s, n);
		tok[n] = '\0';
		if (grow((void **)&t->nets, &t->nets_cap, t->nnets + 1, sizeof(*t->nets)) != 0)
			return oom(r);
		struct net_rec *rec = &t->nets[t->nnets];
		memset(rec, 0, sizeof(*rec));
		if (ng_cidr_parse(tok, &rec->n, msg, sizeof(msg)) != 0)
			return fail(r, "tenant '%s': %s", cur_name(r), msg);
		if (pool_add(t, s, n, &rec->tok) != 0)
			return oom(r);
		rec->tenant = t->ntenants - 1;
		rec->line = r->line;
		t->nnets++;
		return 0;
	}
	login_norm(tok, s, n);
	if (grow((void **)&t->logins, &t->logins_cap, t->nlogins + 1, sizeof(*t->logins)) != 0)
		return oom(r);
	struct login_rec *rec = &t->logins[t->nlogins];
	memset(rec, 0, sizeof(*rec));
	if (pool_add(t, tok, n, &rec->str) != 0)
		return oom(r);
	rec->tenant = t->ntenants - 1;
	rec->line = r->line;
	t->nlogins++;
	return 0;
}

/* The tenant above is complete; an error names its first line. */
static int end_tenant(struct reader *r)
{
	if (r->in_tenant && r->items == 0) {
		r->line = r->t->tenants[r->t->ntenants - 1].line;
		return fail(r, "tenant '%s' has no networks or logins", cur_name(r));
	}
	r->in_tenant = false;
	return 0;
}

/* One physical line of `n` bytes, without its '\n'. */
static int read_line(struct reader *r, const char *s, size_t n)
{
	if (memchr(s, '\0', n) != NULL)
		return fail(r, "NUL byte");
	size_t i = 0;
	while (i < n && is_sep((unsigned char)s[i]) && s[i] != ',')
		i++;
	if (i == n || s[i] == '#')
		return 0; /* blank or comment */
	bool cont = i > 0;
	if (cont && !r->in_tenant)
		return fail(r, "continuation line without a tenant above");
	if (!cont && end_tenant(r) != 0)
		return -1;
	if (!cont)
		r->logical = 0;
	r->logical += n + 1;
	if (r->logical > NG_RELAY_TENANT_LINE_MAX)
		return fail(r, "line and its continuations longer than %d bytes",
		            NG_RELAY_TENANT_LINE_MAX);
	bool first = !cont;
	while (i < n) {
		while (i < n && is_sep((unsigned char)s[i]))
			i++;
		if (i == n || s[i] == '#')
			break;
		size_t st = i;
		while (i < n && !is_sep((unsigned char)s[i]))
			i++;
		int rc = first ? new_tenant(r, s + st, i - st) : add_item(r, s + st, i - st);
		if (rc != 0)
			return rc;
		first = false;
	}
	return 0;
}

/* ---- sorting, duplicates, groups ---- */

static int cmp_name(const void *a, const void *b)
{
	const struct tenant_rec *x = a, *y = b;
	int c = strcmp(x->s, y->s);
	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

static int cmp_login(const void *a, const void *b)
{
	const struct login_rec *x = a, *y = b;
	int c = strcmp(x->s, y->s);
	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* IPv4 first, longest prefix first, then by address. */
static int cmp_net_key(const struct ng_cidr *x, const struct ng_cidr *y)
{
	if (x->v6 != y->v6)
		return x->v6 ? 1 : -1;
	if (x->bits != y->bits)
		return x->bits > y->bits ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static int cmp_net(const void *a, const void *b)
{
	const struct net_rec *x = a, *y = b;
	int c = cmp_net_key(&x->n, &y->n);
	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* The earliest duplicate of the file, or 0 when there is none. */
static int duplicates(struct reader *r)
{
	struct ng_tenants *t = r->t;
	unsigned long best = 0;
	int kind = 0;
	size_t at = 0;

	for (size_t i = 1; i < t->ntenants; i++)
		if (strcmp(t->by_name[i - 1].s, t->by_name[i].s) == 0 &&
		    (best == 0 || t->by_name[i].line < best)) {
			best = t->by_name[i].line;
			kind = 1;
			at = i;
		}
	for (size_t i = 1; i < t->nlogins; i++)
		if (strcmp(t->logins[i - 1].s, t->logins[i].s) == 0 &&
		    (best == 0 || t->logins[i].line < best)) {
			best = t->logins[i].line;
			kind = 2;
			at = i;
		}
	for (size_t i = 1; i < t->nnets; i++)
		if (cmp_net_key(&t->nets[i - 1].n, &t->nets[i].n) == 0 &&
		    (best == 0 || t->nets[i].line < best)) {
			best = t->nets[i].line;
			kind = 3;
			at = i;
		}
	if (kind == 0)
		return 0;
	r->line = best;
	if (kind == 1)
		return fail(r, "tenant '%s' defined again (first at line %lu)", t->by_name[at].s,
		            t->by_name[at - 1].line);
	const char *what = kind == 2 ? "login" : "network";
	const char *tok = kind == 2 ? t->logins[at].s : t->nets[at].s;
	size_t t1 = kind == 2 ? t->logins[at - 1].tenant : t->nets[at - 1].tenant;
	size_t t2 = kind == 2 ? t->logins[at].tenant : t->nets[at].tenant;
	unsigned long l1 = kind == 2 ? t->logins[at - 1].line : t->nets[at - 1].line;
	if (t1 == t2)
		return fail(r, "tenant '%s': %s '%.80s' given twice (first at line %lu)",
		            t->tenants[t2].s, what, tok, l1);
	return fail(r, "tenant '%s': %s '%.80s' already belongs to tenant '%s' (line %lu)",
	            t->tenants[t2].s, what, tok, t->tenants[t1].s, l1);
}

static int finish(struct reader *r)
{
	struct ng_tenants *t = r->t;

	for (size_t i = 0; i < t->ntenants; i++)
		t->tenants[i].s = t->pool + t->tenants[i].name;
	for (size_t i = 0; i < t->nlogins; i++)
		t->logins[i].s = t->pool + t->logins[i].str;
	for (size_t i = 0; i < t->nnets; i++)
		t->nets[i].s = t->pool + t->nets[i].tok;
	if (t->ntenants > 0) {
		t->by_name = malloc(t->ntenants * sizeof(*t->by_name));
		if (t->by_name == NULL)
			return oom(r);
		memcpy(t->by_name, t->tenants, t->ntenants * sizeof(*t->by_name));
		qsort(t->by_name, t->ntenants, sizeof(*t->by_name), cmp_name);
	}
	if (t->nlogins > 0)
		qsort(t->logins, t->nlogins, sizeof(*t->logins), cmp_login);
	if (t->nnets > 0)
		qsort(t->nets, t->nnets, sizeof(*t->nets), cmp_net);
	if (duplicates(r) != 0)
		return -1;
	for (size_t i = 0; i < t->nnets; i++) {
		struct group *g = t->ngroups > 0 ? &t->groups[t->ngroups - 1] : NULL;
		if (g == NULL || g->v6 != t->nets[i].n.v6 || g->bits != t->nets[i].n.bits) {
			g = &t->groups[t->ngroups++];
			g->v6 = t->nets[i].n.v6;
			g->bits = t->nets[i].n.bits;
			g->start = i;
			g->count = 0;
		}
		g->count++;
	}
	return 0;
}

struct ng_tenants *ng_tenants_parse(const char *name, const char *text, size_t len, char *err,
                                    size_t errlen)
{
	struct reader r = {
	    .file = name != NULL ? name : "relay_tenants", .err = err, .errlen = errlen};
	if (errlen > 0)
		err[0] = '\0';
	r.t = calloc(1, sizeof(*r.t));
	if (r.t == NULL) {
		oom(&r);
		return NULL;
	}
	int rc = 0;
	size_t pos = 0;
	while (rc == 0 && text != NULL && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		r.line++;
		rc = read_line(&r, text + pos, n);
		pos += n + 1;
	}
	if (rc == 0)
		rc = end_tenant(&r);
	if (rc == 0)
		rc = finish(&r);
	if (rc != 0) {
		ng_tenants_free(r.t);
		return NULL;
	}
	return r.t;
}

struct ng_tenants *ng_tenants_load(const char *path, char *err, size_t errlen)
{
	size_t size;
	char *text = ng_file_read(path, NG_RELAY_TENANTS_FILE_MAX, &size, err, errlen);
	if (text == NULL)
		return NULL;
	struct ng_tenants *t = ng_tenants_parse(path, text, size, err, errlen);
	free(text);
	return t;
}

/* ---- lookup ---- */

size_t ng_tenants_count(const struct ng_tenants *t)
{
	return t != NULL ? t->ntenants : 0;
}

const char *ng_tenants_name(const struct ng_tenants *t, size_t index)
{
	return t != NULL && index < t->ntenants ? t->tenants[index].s : NULL;
}

long ng_tenants_find(const struct ng_tenants *t, const char *name)
{
	if (t == NULL || name == NULL)
		return -1;
	size_t lo = 0, hi = t->ntenants;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->by_name[mid].s, name);
		if (c == 0)
			return (long)t->by_name[mid].index;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static bool by_login(const struct ng_tenants *t, const char *login, struct ng_tenant *out)
{
	char norm[NG_RELAY_LOGIN_MAX];
	size_t n = strnlen(login, sizeof(norm));
	if (n == 0 || n >= sizeof(norm))
		return false;
	login_norm(norm, login, n);
	size_t lo = 0, hi = t->nlogins;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->logins[mid].s, norm);
		if (c == 0) {
			out->index = t->logins[mid].tenant;
			out->by_login = true;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* The longest network holding ip: each group, longest first, masked. */
static bool by_network(const struct ng_tenants *t, const struct ng_cidr_addr *ip,
                       struct ng_tenant *out)
{
	size_t nbytes = ip->v6 ? 16 : 4;
	for (size_t g = 0; g < t->ngroups; g++) {
		const struct group *gr = &t->groups[g];
		if (gr->v6 != ip->v6)
			continue;
		unsigned char key[16] = {0};
		for (size_t i = 0; i < nbytes; i++) {
			unsigned bits = gr->bits > i * 8 ? gr->bits - (unsigned)i * 8 : 0;
			unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff00u >> bits);
			key[i] = ip->addr[i] & mask;
		}
		size_t lo = gr->start, hi = gr->start + gr->count;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = memcmp(t->nets[mid].n.addr, key, sizeof(key));
			if (c == 0) {
				out->index = t->nets[mid].tenant;
				out->bits = gr->bits;
				return true;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return false;
}

bool ng_tenants_lookup(const struct ng_tenants *t, const char *login, const struct ng_cidr_addr *ip,
                       struct ng_tenant *out)
{
	memset(out, 0, sizeof(*out));
	if (t == NULL)
		return false;
	bool found =
	    (login != NULL && by_login(t, login, out)) || (ip != NULL && by_network(t, ip, out));
	if (found)
		out->name = t->tenants[out->index].s;
	return found;
}

bool ng_tenants_lookup_text(const struct ng_tenants *t, const char *login, const char *ip,
                            struct ng_tenant *out)
{
	struct ng_cidr_addr a;
	bool have = ip != NULL && ng_cidr_addr_parse(ip, &a);
	return ng_tenants_lookup(t, login, have ? &a : NULL, out);
}
