/*
 * fake.c - a table-driven resolver for unit tests (dns.h).
 *
 * The table maps (name, type) to a complete struct ng_dns_answer; a name
 * that is not in it answers NXDOMAIN without TTL.  Nothing completes by
 * itself: queries wait in a FIFO until the test calls ng_dns_fake_run(), so
 * a test decides exactly when answers arrive, can cancel a query that
 * waits, can change the table meanwhile, and never needs a clock or a
 * network.  Names compare case-insensitively, a final dot ignored.
 *
 * Every query is its own allocation and is freed once completed or
 * cancelled, so ASan catches a caller that uses a handle after either.
 */
#include "ndrguard/dns.h"

#include <stdlib.h>
#include <string.h>

#include "dns/internal.h"

struct entry {
	struct entry *next;
	uint8_t name[NG_DNS_WIRE_MAX];
	size_t name_len;
	enum ng_dns_type type;
	unsigned long sent;
	bool has_answer;
	struct ng_dns_answer ans;
};

struct ng_dns_query {
	struct ng_dns_query *prev, *next;
	struct entry *e;
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

/* The entry for (name, type); created when `create`.  NULL when the name is
 * bad, when there is none (and !create) or when out of memory. */
static struct entry *find(struct fake *f, const char *name, enum ng_dns_type type, bool create)
{
	uint8_t wire[NG_DNS_WIRE_MAX];
	size_t len;

	if (ng_dns_name_to_wire(name, wire, &len) != 0)
		return NULL;
	for (struct entry *e = f->entries; e != NULL; e = e->next)
		if (e->type == type && e->name_len == len && memcmp(e->name, wire, len) == 0)
			return e;
	if (!create)
		return NULL;
	struct entry *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	memcpy(e->name, wire, len);
	e->name_len = len;
	e->type = type;
	e->next = f->entries;
	f->entries = e;
	return e;
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
	q->prev = f->tail;
	if (f->tail != NULL)
		f->tail->next = q;
	else
		f->head = q;
	f->tail = q;
	f->pending++;
	q->seq = ++f->sent;
	e->sent++;
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
		free(e);
	}
	free(f);
}

static const struct ng_dns_resolver_ops fake_ops = {
    .query = fake_query,
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
	e->ans = *ans;
	e->ans.txt[sizeof(e->ans.txt) - 1] = '\0';
	e->ans.txt_len = strlen(e->ans.txt);
	if (e->ans.naddrs > NG_DNS_ADDRS_MAX)
		e->ans.naddrs = NG_DNS_ADDRS_MAX;
	if (e->ans.detail == NULL)
		e->ans.detail = "";
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

size_t ng_dns_fake_run(struct ng_dns_resolver *r)
{
	struct fake *f = to_fake(r);
	size_t ran = 0;

	if (f == NULL)
		return 0;
	/* Only what is pending now: queries that the callbacks start have a
	 * higher sequence number and wait for the next run; queries that the
	 * callbacks cancel are simply no longer in the list. */
	const unsigned long upto = f->sent;
	while (f->head != NULL && f->head->seq <= upto) {
		struct ng_dns_query *q = f->head;
		unlink_query(f, q);
		struct ng_dns_answer ans;
		if (q->e->has_answer) {
			ans = q->e->ans;
		} else {
			memset(&ans, 0, sizeof(ans));
			ans.rcode = NG_DNS_NXDOMAIN;
			ans.detail = "no such name";
		}
		ng_dns_done_fn *done = q->done;
		void *arg = q->arg;
		free(q);
		done(arg, &ans);
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
