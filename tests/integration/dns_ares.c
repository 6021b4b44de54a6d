/*
 * dns_ares.c - the c-ares resolver (lib/dns/ares.c) against a real DNS
 * server: rbldnsd on loopback, started by dns_ares.sh with the data of
 * dnsd.sh (ng_dnsd_data: SOA TTL 60, MINIMUM 30, records TTL 120).
 *
 *   dns_ares PORT DOWN_PORT
 *
 * Checks: A, TXT, NXDOMAIN with its negative TTL, REFUSED for a name out
 * of every zone, many concurrent queries, a cancelled query whose callback
 * never runs (also when cancelled from another query's callback), a server
 * that is down (timeout or error, never an answer), and freeing the
 * resolver with queries in flight (no callback; ASan finds leaks).
 *
 * Exit: 0 every check passed, 1 one failed (each failure is printed).
 */
#include <ndrguard/dns.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MANY 200

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("FAIL: " __VA_ARGS__);                                              \
			printf("\n");                                                              \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

struct rec {
	int calls;
	struct ng_dns_answer ans;
	int *outstanding;
	/* cancel this one from the callback */
	struct ng_dns_resolver *r;
	struct ng_dns_query *cancel_me;
};

static void on_answer(void *arg, const struct ng_dns_answer *a)
{
	struct rec *rec = arg;
	rec->calls++;
	rec->ans = *a;
	if (rec->outstanding != NULL)
		(*rec->outstanding)--;
	if (rec->cancel_me != NULL) {
		ng_dns_cancel(rec->r, rec->cancel_me);
		rec->cancel_me = NULL;
	}
}

static void run_until(struct event_base *base, const int *outstanding)
{
	while (*outstanding > 0)
		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			break;
}

static struct ng_dns_query *ask(struct ng_dns_resolver *r, const char *name, enum ng_dns_type t,
                                struct rec *rec, int *outstanding)
{
	memset(rec, 0, sizeof(*rec));
	rec->outstanding = outstanding;
	struct ng_dns_query *q = ng_dns_query(r, name, t, on_answer, rec);
	CHECK(q != NULL, "query %s not started", name);
	if (q != NULL)
		(*outstanding)++;
	CHECK(rec->calls == 0, "%s: callback inside query()", name);
	return q;
}

int main(int argc, char **argv)
{
	char server[64], down[64], err[256];
	int outstanding = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: dns_ares PORT DOWN_PORT\n");
		return 2;
	}
	snprintf(server, sizeof(server), "127.0.0.1:%s", argv[1]);
	snprintf(down, sizeof(down), "127.0.0.1:%s", argv[2]);
	struct event_base *base = event_base_new();
	const char *servers[] = {server};
	struct ng_dns_resolver *r =
	    ng_dns_ares_new(base, servers, 1, 1000, 2, NULL, err, sizeof(err));
	if (r == NULL) {
		printf("FAIL: resolver: %s\n", err);
		return 1;
	}

	struct rec a, txt, nx, refused, cancelled, canceller, late;
	ask(r, "2.0.0.127.bl.test", NG_DNS_A, &a, &outstanding);
	ask(r, "2.0.0.127.BL.test.", NG_DNS_TXT, &txt, &outstanding);
	ask(r, "1.0.0.127.bl.test", NG_DNS_A, &nx, &outstanding);
	ask(r, "x.not-a-zone.test", NG_DNS_A, &refused, &outstanding);
	struct ng_dns_query *qc = ask(r, "2.0.0.127.bl.test", NG_DNS_A, &cancelled, &outstanding);
	ng_dns_cancel(r, qc);
	outstanding--;
	/* a callback cancels a query that is still in flight */
	ask(r, "10.2.0.192.bl.test", NG_DNS_A, &canceller, &outstanding);
	struct ng_dns_query *ql = ask(r, "11.2.0.192.bl.test", NG_DNS_TXT, &late, &outstanding);
	canceller.r = r;
	canceller.cancel_me = ql;
	outstanding--; /* `late` never answers */
	run_until(base, &outstanding);

	CHECK(a.calls == 1 && a.ans.rcode == NG_DNS_OK && a.ans.naddrs == 1 &&
	          a.ans.addrs[0] == 0x7f000002 && a.ans.has_ttl && a.ans.ttl == 120,
	      "A: rcode %s naddrs %zu addr %08x ttl %u", ng_dns_rcode_name(a.ans.rcode),
	      a.ans.naddrs, a.ans.addrs[0], a.ans.ttl);
	CHECK(txt.calls == 1 && txt.ans.rcode == NG_DNS_OK &&
	          strcmp(txt.ans.txt, "Listed, see http://bl.test/lookup?ip=127.0.0.2") == 0,
	      "TXT: rcode %s txt \"%s\"", ng_dns_rcode_name(txt.ans.rcode), txt.ans.txt);
	CHECK(nx.calls == 1 && nx.ans.rcode == NG_DNS_NXDOMAIN && nx.ans.has_ttl &&
	          nx.ans.ttl == 30,
	      "NXDOMAIN: rcode %s has_ttl %d ttl %u", ng_dns_rcode_name(nx.ans.rcode),
	      nx.ans.has_ttl, nx.ans.ttl);
	CHECK(refused.calls == 1 && refused.ans.rcode == NG_DNS_REFUSED, "REFUSED: rcode %s (%s)",
	      ng_dns_rcode_name(refused.ans.rcode), refused.ans.detail);
	CHECK(cancelled.calls == 0, "a cancelled query called back");
	CHECK(canceller.calls == 1 && late.calls == 0,
	      "cancel from a callback: canceller %d late %d", canceller.calls, late.calls);

	/* many at once */
	static struct rec many[MANY];
	for (int i = 0; i < MANY; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%d.2.0.192.bl.test", i);
		ask(r, name, NG_DNS_A, &many[i], &outstanding);
	}
	run_until(base, &outstanding);
	int listed = 0, answered = 0;
	for (int i = 0; i < MANY; i++) {
		answered += many[i].calls == 1;
		listed += many[i].ans.rcode == NG_DNS_OK;
	}
	CHECK(answered == MANY, "many: %d of %d answered", answered, MANY);
	CHECK(listed == 2, "many: %d listed, want 2 (192.0.2.10 and .11)", listed);

	/* freed with queries in flight: no callbacks */
	struct rec pending;
	ask(r, "2.0.0.127.bl.test", NG_DNS_A, &pending, &outstanding);
	ng_dns_resolver_free(r);
	outstanding--;
	CHECK(pending.calls == 0, "free: a query called back");

	/* a server that is down */
	const char *downs[] = {down};
	r = ng_dns_ares_new(base, downs, 1, 200, 1, NULL, err, sizeof(err));
	CHECK(r != NULL, "down resolver: %s", err);
	if (r != NULL) {
		struct rec d;
		ask(r, "2.0.0.127.bl.test", NG_DNS_A, &d, &outstanding);
		run_until(base, &outstanding);
		CHECK(d.calls == 1 &&
		          (d.ans.rcode == NG_DNS_TIMEOUT || d.ans.rcode == NG_DNS_ERROR),
		      "down: rcode %s", ng_dns_rcode_name(d.ans.rcode));
		struct rec e1, e2;
		ask(r, "2.0.0.127.bl.test", NG_DNS_A, &e1, &outstanding);
		ask(r, "1.0.0.127.bl.test", NG_DNS_TXT, &e2, &outstanding);
		ng_dns_resolver_free(r);
		CHECK(e1.calls == 0 && e2.calls == 0, "free: down queries called back");
	}
	event_base_free(base);
	if (failures == 0)
		printf("PASS: c-ares resolver against rbldnsd\n");
	return failures == 0 ? 0 : 1;
}
