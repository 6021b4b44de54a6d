/*
 * fake.c - a table-driven resolver for unit tests (dns.h).
 *
 * The table maps (name, type) to an answer: either a complete struct
 * ng_dns_answer set whole, or a list of records added one by one, from
 * which the answer is built when a query completes.  A name may also be an
 * alias (CNAME) for every type it has no entry of.  A name that is not in
 * the table answers NXDOMAIN, a name that is there with other types only
 * NODATA, both without TTL.  Nothing completes by itself: queries wait in a
 * FIFO until the test calls ng_dns_fake_run(), so a test decides exactly
 * when answers arrive, can cancel a query that waits, can change the table
 * meanwhile, and never needs a clock or a network.  Names compare
 * case-insensitively, a final dot ignored.
 *
 * Every query is its own allocation and is freed once completed or
 * cancelled, and the records an answer points to are copied into an
 * allocation of their own for the callback, so ASan catches a caller that
 * uses a handle after either, or keeps a record past its callback.
 */
#include "ndrguard/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/internal.h"

struct fake_rr {
	struct ng_dns_rr rr; /* rr.text points to text */
	char *text;
};

struct entry {
	struct entry *next;
	uint8_t name[NG_DNS_WIRE_MAX];
	size_t name_len;
	enum ng_dns_type type;
	unsigned long sent;
	bool has_answer; /* set whole: ans */
	struct ng_dns_answer ans;
	struct fake_rr *rrs; /* added one by one: rrs[0..nrrs) */
	size_t nrrs, cap;
	char cname[NG_DNS_NAME_MAX]; /* type NG_DNS_CNAME: the target */
};

struct ng_dns_query {
	struct ng_dns_query *prev, *next;
	struct entry *e;   /* NULL: a deferral */
	unsigned long seq; /* = the resolver's `sent` when it was started */
	ng_dns_done_fn *done;
	void *arg;
};

struct fake {
	struct ng_dns_resolver base; /* first: the vtable */
	struct entry *entries;
	struct ng_dns_query *head, *tail; /* pending, oldest first */
	size_t pending;
	unsigned long sent;
	unsigned long seq;
	unsigned long fail_countdown; /* the query() call that fails, counting down */
};

static const struct ng_dns_resolver_ops fake_ops;

static struct fake *to_fake(struct ng_dns_resolver *r)
{
	return r != NULL && r->ops == &fake_ops ? (struct fake *)r : NULL;
}

static const struct fake *to_fake_const(const struct ng_dns_resolver *r)
{
	return r != NULL && r->ops == &fake_ops ? (const struct fake *)r : NULL;
}

static struct entry *find_wire(struct fake *f, const uint8_t *wire, size_t len,
                               enum ng_dns_type type)
{
	for (struct entry *e = f->entries; e != NULL; e = e->next)
		if (e->type == type && e->name_len == len && memcmp(e->name, wire, len) == 0)
			return e;
	return NULL;
}

/* The entry for (name, type); created when `create`.  NULL when the name is
 * bad, when there is none (and !create) or when out of memory. */
static struct entry *find(struct fake *f, const char *name, enum ng_dns_type type, bool create)
{
	uint8_t wire[NG_DNS_WIRE_MAX];
	size_t len;

	if (ng_dns_name_to_wire(name, wire, &len) != 0)
		return NULL;
	struct entry *e = find_wire(f, wire, len, type);
	if (e != NULL || !create)
		return e;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	memcpy(e->name, wire, len);
	e->name_len = len;
	e->type = type;
	e->next = f->entries;
	f->entries = e;
	return e;
}

/* Has the entry something to answer with? */
static bool entry_set(const struct entry *e)
{
	return e->has_answer || e->nrrs > 0 || e->cname[0] != '\0';
}

static void drop_rrs(struct entry *e)
{
	for (size_t i = 0; i < e->nrrs; i++)
		free(e->rrs[i].text);
	free(e->rrs);
	e->rrs = NULL;
	e->nrrs = e->cap = 0;
}

static void enqueue(struct fake *f, struct ng_dns_query *q)
{
	q->prev = f->tail;
	if (f->tail != NULL)
		f->tail->next = q;
	else
		f->head = q;
	f->tail = q;
	f->pending++;
	q->seq = ++f->seq;
}

static void unlink_query(struct fake *f, struct ng_dns_query *q)
{
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		f->head = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	else
		f->tail = q->prev;
	f->pending--;
}

static struct ng_dns_query *fake_query(struct ng_dns_resolver *r, const char *name,
                                       enum ng_dns_type type, ng_dns_done_fn *done, void *arg)
{
	struct fake *f = to_fake(r);
	if (f->fail_countdown > 0 && --f->fail_countdown == 0)
		return NULL; /* as if out of memory */
	struct entry *e = find(f, name, type, true);
	if (e == NULL)
		return NULL;
	struct ng_dns_query *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->e = e;
	q->done = done;
	q->arg = arg;
	enqueue(f, q);
	f->sent++;
	e->sent++;
	return q;
}

static struct ng_dns_query *fake_defer(struct ng_dns_resolver *r, ng_dns_done_fn *done, void *arg)
{
	struct fake *f = to_fake(r);
	struct ng_dns_query *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->done = done;
	q->arg = arg;
	enqueue(f, q);
	return q;
}

static void fake_cancel(struct ng_dns_resolver *r, struct ng_dns_query *q)
{
	struct fake *f = to_fake(r);
	unlink_query(f, q);
	free(q);
}

static void fake_free(struct ng_dns_resolver *r)
{
	struct fake *f = to_fake(r);
	while (f->head != NULL)
		fake_cancel(r, f->head);
	while (f->entries != NULL) {
		struct entry *e = f->entries;
		f->entries = e->next;
		drop_rrs(e);
		free(e);
	}
	free(f);
}

static const struct ng_dns_resolver_ops fake_ops = {
    .query = fake_query,
    .defer = fake_defer,
    .cancel = fake_cancel,
    .free = fake_free,
};

struct ng_dns_resolver *ng_dns_fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->base.ops = &fake_ops;
	return &f->base;
}

int ng_dns_fake_set(struct ng_dns_resolver *r, const char *name, enum ng_dns_type type,
                    const struct ng_dns_answer *ans)
{
	struct fake *f = to_fake(r);
	if (f == NULL)
		return -1;
	struct entry *e = find(f, name, type, true);
	if (e == NULL)
		return -1;
	drop_rrs(e);
	e->ans = *ans;
	e->ans.txt[sizeof(e->ans.txt) - 1] = '\0';
	e->ans.txt_len = strlen(e->ans.txt);
	if (e->ans.naddrs > NG_DNS_ADDRS_MAX)
		e->ans.naddrs = NG_DNS_ADDRS_MAX;
	if (e->ans.detail == NULL)
		e->ans.detail = "";
	e->ans.rrs = NULL;
	e->ans.nrrs = 0;
	e->has_answer = true;
	return 0;
}

int ng_dns_fake_set_a(struct ng_dns_resolver *r, const char *name, uint32_t ttl,
                      const uint32_t *addrs, size_t naddrs)
{
	struct ng_dns_answer a = {.rcode = NG_DNS_OK, .has_ttl = true, .ttl = ttl, .detail = ""};
	for (size_t i = 0; i < naddrs; i++) {
		if (a.naddrs == NG_DNS_ADDRS_MAX) {
			a.addrs_cut = true;
			break;
		}
		a.addrs[a.naddrs++] = addrs[i];
	}
	if (a.naddrs == 0) {
		a.rcode = NG_DNS_NODATA;
		a.has_ttl = false;
		a.ttl = 0;
	}
	return ng_dns_fake_set(r, name, NG_DNS_A, &a);
}

int ng_dns_fake_set_txt(struct ng_dns_resolver *r, const char *name, uint32_t ttl, const char *txt)
{
	struct ng_dns_answer a = {.rcode = NG_DNS_OK, .has_ttl = true, .ttl = ttl, .detail = ""};
	ng_dns_txt_append(&a, (const uint8_t *)txt, strlen(txt));
	return ng_dns_fake_set(r, name, NG_DNS_TXT, &a);
}

int ng_dns_fake_set_rcode(struct ng_dns_resolver *r, const char *name, enum ng_dns_type type,
                          enum ng_dns_rcode rcode, bool has_ttl, uint32_t ttl)
{
	struct ng_dns_answer a = {
	    .rcode = rcode, .has_ttl = has_ttl, .ttl = has_ttl ? ttl : 0, .detail = "fake"};
	return ng_dns_fake_set(r, name, type, &a);
}

int ng_dns_fake_add_rr(struct ng_dns_resolver *r, const char *name, const struct ng_dns_rr *rr)
{
	struct fake *f = to_fake(r);
	if (f == NULL || !ng_dns_type_queryable(rr->type) || rr->len >= NG_DNS_RDATA_MAX)
		return -1;
	struct entry *e = find(f, name, rr->type, true);
	if (e == NULL)
		return -1;
	if (e->nrrs == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 4;
		struct fake_rr *n = realloc(e->rrs, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		e->rrs = n;
		e->cap = cap;
	}
	char *text = malloc(rr->len + 1);
	if (text == NULL)
		return -1;
	if (rr->len > 0)
		memcpy(text, rr->text, rr->len);
	text[rr->len] = '\0';
	struct fake_rr *fr = &e->rrs[e->nrrs++];
	fr->rr = *rr;
	fr->rr.cut = false;
	fr->rr.text = text;
	fr->text = text;
	e->has_answer = false;
	return 0;
}

/* "PREF NAME" of an MX value; the name is left in *name. */
static int parse_mx(const char *value, uint16_t *pref, const char **name)
{
	char *end;
	errno = 0;
	unsigned long p = strtoul(value, &end, 10);
	if (errno != 0 || end == value || *end != ' ' || p > 65535 || value[0] < '0' ||
	    value[0] > '9')
		return -1;
	*pref = (uint16_t)p;
	*name = end + 1;
	return 0;
}

int ng_dns_fake_add(struct ng_dns_resolver *r, const char *name, enum ng_dns_type type,
                    uint32_t ttl, const char *value)
{
	struct ng_dns_rr rr = {.type = type, .ttl = ttl, .text = "", .len = 0};
	const char *text = value;

	switch (type) {
	case NG_DNS_A:
		if (inet_pton(AF_INET, value, rr.addr) != 1)
			return -1;
		text = "";
		break;
	case NG_DNS_AAAA:
		if (inet_pton(AF_INET6, value, rr.addr) != 1)
			return -1;
		text = "";
		break;
	case NG_DNS_MX:
		if (parse_mx(value, &rr.pref, &text) != 0)
			return -1;
		break;
	case NG_DNS_PTR:
	case NG_DNS_TXT:
		break;
	default:
		return -1;
	}
	rr.text = text;
	rr.len = strlen(text);
	if (type != NG_DNS_TXT && rr.len > 0 && text[rr.len - 1] == '.')
		rr.len--;
	return ng_dns_fake_add_rr(r, name, &rr);
}

int ng_dns_fake_set_cname(struct ng_dns_resolver *r, const char *name, const char *target)
{
	struct fake *f = to_fake(r);
	uint8_t wire[NG_DNS_WIRE_MAX];
	size_t len, n = strlen(target);
	if (f == NULL || ng_dns_name_to_wire(target, wire, &len) != 0 || n >= NG_DNS_NAME_MAX)
		return -1;
	struct entry *e = find(f, name, NG_DNS_CNAME, true);
	if (e == NULL)
		return -1;
	memcpy(e->cname, target, n + 1);
	return 0;
}

/* Does the table hold the name (wire form) with any answer at all? */
static bool name_known(struct fake *f, const uint8_t *wire, size_t len)
{
	for (struct entry *e = f->entries; e != NULL; e = e->next)
		if (e->name_len == len && memcmp(e->name, wire, len) == 0 && entry_set(e))
			return true;
	return false;
}

/* The entry that answers (wire name, type), CNAMEs followed; NULL with
 * *rcode set when there is none. */
static const struct entry *resolve(struct fake *f, const uint8_t *name, size_t name_len,
                                   enum ng_dns_type type, enum ng_dns_rcode *rcode)
{
	uint8_t wire[NG_DNS_WIRE_MAX];
	size_t len = name_len;

	memcpy(wire, name, name_len);
	for (unsigned links = 0;; links++) {
		const struct entry *e = find_wire(f, wire, len, type);
		if (e != NULL && (e->has_answer || e->nrrs > 0))
			return e;
		const struct entry *alias = find_wire(f, wire, len, NG_DNS_CNAME);
		if (alias == NULL || alias->cname[0] == '\0') {
			*rcode = name_known(f, wire, len) ? NG_DNS_NODATA : NG_DNS_NXDOMAIN;
			return NULL;
		}
		if (links == NG_DNS_CNAME_MAX ||
		    ng_dns_name_to_wire(alias->cname, wire, &len) != 0) {
			*rcode = NG_DNS_SERVFAIL; /* a loop or a chain too long */
			return NULL;
		}
	}
}

/* One allocation holding the records of an answer and their text. */
static struct ng_dns_rr *rr_block(size_t n, size_t text)
{
	if (n > SIZE_MAX / sizeof(struct ng_dns_rr) - 1 ||
	    text > SIZE_MAX - (n + 1) * sizeof(struct ng_dns_rr))
		return NULL;
	return malloc((n + 1) * sizeof(struct ng_dns_rr) + text);
}

/*
 * Build the answer of entry e (NULL: a negative answer with rcode) for a
 * query of `type` into *ans; *block is the allocation its records live in,
 * to free after the callback.  Out of memory gives an ERROR answer.
 */
static void build_answer(const struct entry *e, enum ng_dns_type type, enum ng_dns_rcode rcode,
                         struct ng_dns_answer *ans, struct ng_dns_rr **block)
{
	memset(ans, 0, sizeof(*ans));
	*block = NULL;
	if (e == NULL) {
		ans->rcode = rcode;
		ans->detail = rcode == NG_DNS_NXDOMAIN ? "no such name"
		              : rcode == NG_DNS_NODATA ? "no such record"
		                                       : "CNAME loop";
		return;
	}
	if (e->has_answer) {
		*ans = e->ans;
		if (ans->rcode != NG_DNS_OK || (type != NG_DNS_A && type != NG_DNS_TXT))
			return;
		/* The records of an answer set whole: its addresses, its text. */
		size_t n = type == NG_DNS_A ? ans->naddrs : 1;
		struct ng_dns_rr *rr = rr_block(n, ans->txt_len + 1);
		if (rr == NULL)
			goto nomem;
		char *text = (char *)(rr + n + 1);
		memcpy(text, ans->txt, ans->txt_len + 1);
		for (size_t i = 0; i < n; i++) {
			memset(&rr[i], 0, sizeof(rr[i]));
			rr[i].type = type;
			rr[i].ttl = ans->ttl;
			rr[i].text = type == NG_DNS_TXT ? text : text + ans->txt_len;
			rr[i].len = type == NG_DNS_TXT ? ans->txt_len : 0;
			if (type == NG_DNS_A) {
				uint32_t a = ans->addrs[i];
				uint8_t b[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16),
				                (uint8_t)(a >> 8), (uint8_t)a};
				memcpy(rr[i].addr, b, 4);
			}
		}
		ans->rrs = rr;
		ans->nrrs = n;
		*block = rr;
		return;
	}
	/* Records added one by one. */
	size_t n = e->nrrs < NG_DNS_RRS_MAX ? e->nrrs : NG_DNS_RRS_MAX;
	size_t text_len = 0;
	for (size_t i = 0; i < n; i++)
		text_len += e->rrs[i].rr.len + 1;
	struct ng_dns_rr *rr = rr_block(n, text_len);
	if (rr == NULL)
		goto nomem;
	char *text = (char *)(rr + n + 1);
	ans->rcode = NG_DNS_OK;
	ans->detail = "";
	ans->has_ttl = true;
	ans->ttl = e->rrs[0].rr.ttl;
	for (size_t i = 0; i < n; i++) {
		const struct fake_rr *fr = &e->rrs[i];
		rr[i] = fr->rr;
		rr[i].type = type;
		memcpy(text, fr->text, fr->rr.len + 1);
		rr[i].text = text;
		text += fr->rr.len + 1;
		if (fr->rr.ttl < ans->ttl)
			ans->ttl = fr->rr.ttl;
		if (type == NG_DNS_A) {
			const uint8_t *b = fr->rr.addr;
			if (ans->naddrs < NG_DNS_ADDRS_MAX)
				ans->addrs[ans->naddrs++] = (uint32_t)b[0] << 24 |
				                            (uint32_t)b[1] << 16 |
				                            (uint32_t)b[2] << 8 | b[3];
			else
				ans->addrs_cut = true;
		} else if (type == NG_DNS_TXT) {
			if (i > 0)
				ng_dns_txt_append(ans, (const uint8_t *)" ", 1);
			ng_dns_txt_append(ans, (const uint8_t *)fr->text, fr->rr.len);
		}
	}
	ans->rrs = rr;
	ans->nrrs = n;
	ans->rrs_cut = e->nrrs > n;
	*block = rr;
	return;
nomem:
	memset(ans, 0, sizeof(*ans));
	ans->rcode = NG_DNS_ERROR;
	ans->detail = "out of memory";
}

size_t ng_dns_fake_run(struct ng_dns_resolver *r)
{
	struct fake *f = to_fake(r);
	size_t ran = 0;

	if (f == NULL)
		return 0;
	/* Only what is pending now: queries that the callbacks start have a
	 * higher sequence number and wait for the next run; queries that the
	 * callbacks cancel are simply no longer in the list. */
	const unsigned long upto = f->seq;
	while (f->head != NULL && f->head->seq <= upto) {
		struct ng_dns_query *q = f->head;
		unlink_query(f, q);
		struct ng_dns_answer ans;
		struct ng_dns_rr *block = NULL;
		if (q->e == NULL) {
			memset(&ans, 0, sizeof(ans));
			ans.rcode = NG_DNS_OK;
			ans.detail = "deferred";
		} else {
			enum ng_dns_rcode rcode = NG_DNS_NXDOMAIN;
			const struct entry *e =
			    resolve(f, q->e->name, q->e->name_len, q->e->type, &rcode);
			build_answer(e, q->e->type, rcode, &ans, &block);
		}
		ng_dns_done_fn *done = q->done;
		void *arg = q->arg;
		free(q);
		done(arg, &ans);
		free(block);
		ran++;
	}
	return ran;
}

void ng_dns_fake_fail_nth(struct ng_dns_resolver *r, unsigned long n)
{
	struct fake *f = to_fake(r);
	if (f != NULL)
		f->fail_countdown = n;
}

size_t ng_dns_fake_pending(const struct ng_dns_resolver *r)
{
	const struct fake *f = to_fake_const(r);
	return f ? f->pending : 0;
}

unsigned long ng_dns_fake_sent(const struct ng_dns_resolver *r)
{
	const struct fake *f = to_fake_const(r);
	return f ? f->sent : 0;
}

unsigned long ng_dns_fake_sent_for(const struct ng_dns_resolver *r, const char *name,
                                   enum ng_dns_type type)
{
	const struct fake *f = to_fake_const(r);
	if (f == NULL)
		return 0;
	struct entry *e = find((struct fake *)f, name, type, false);
	return e ? e->sent : 0;
}
