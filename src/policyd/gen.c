/*
 * gen.c - configuration generations of policyd (policyd.h).
 *
 * A generation is everything built from one reading of the configuration:
 * the rules, the DNS resolver, the DNSBL client with its cache and
 * self-tests, and the timer that runs them.  SIGHUP builds a new one next
 * to the running one; only when every part of it was built does the server
 * switch to it, so a bad file changes nothing.
 *
 * The switch must not free the old DNSBL client while a lookup that it
 * started is in flight: the request waiting for it would never be
 * answered.  Each waiting request therefore holds a reference to its
 * generation.  The last reference may be dropped inside a DNSBL callback,
 * where freeing that client (and its resolver) is forbidden by dns.h, so a
 * generation whose count reaches zero is queued and freed by the reaper
 * event on the next turn of the loop.
 */
#include "policyd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void selftest_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pd_gen *g = arg;
	(void)fd;
	(void)what;
	ng_dnsbl_selftest(g->bl);
}

static void gen_free(struct pd_gen *g)
{
	if (g->selftest != NULL)
		event_free(g->selftest);
	ng_dnsbl_free(g->bl); /* cancels its queries: no callbacks */
	ng_dns_resolver_free(g->res);
	ng_policy_free(g->pol);
	ng_relay_free(g->relay);
	ng_config_free(g->cfg);
	free(g);
}

static void join(char *buf, size_t cap, const char *const *items, size_t n)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && o < cap; i++) {
		int w = snprintf(buf + o, cap - o, "%s%s", i > 0 ? "," : "", items[i]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	if (n == 0)
		snprintf(buf, cap, "-");
}

/* The DNS resolver and DNSBL client of g; 0, or -1 with err. */
static int build_dnsbl(struct pd_gen *g, char *err, size_t errlen)
{
	const struct ng_config *cfg = g->cfg;
	const char *const *zones;
	size_t nzones = ng_config_list(cfg, NG_K_DNSBL_ZONES, &zones);

	if (ng_dnsbl_from_config(cfg, g->srv->base, &g->srv->log, true, &g->res, &g->bl, err,
	                         errlen) != 0)
		return -1;
	join(g->zones, sizeof(g->zones), zones, nzones);
	return 0;
}

struct pd_gen *pd_gen_new(struct pd_server *srv, struct ng_config *cfg, char *err, size_t errlen)
{
	struct pd_gen *g = calloc(1, sizeof(*g));

	if (g == NULL) {
		snprintf(err, errlen, "out of memory");
		ng_config_free(cfg);
		return NULL;
	}
	g->srv = srv;
	g->cfg = cfg;
	g->refs = 1;
	g->pol = ng_policy_from_config(cfg, err, errlen);
	if (g->pol == NULL)
		goto fail;
	if (srv->relay_mode) {
		/* the envelope checks of the relay guard: no DNSBL */
		g->relay = ng_relay_from_config(cfg, err, errlen);
		if (g->relay == NULL)
			goto fail;
		snprintf(g->zones, sizeof(g->zones), "-");
	} else if (build_dnsbl(g, err, errlen) < 0) {
		goto fail;
	}
	long long interval = ng_config_int(cfg, NG_K_DNSBL_SELFTEST_INTERVAL);
	if (interval > 0 && g->bl != NULL) {
		struct timeval tv = {(time_t)interval, 0};
		g->selftest = event_new(srv->base, -1, EV_PERSIST, selftest_cb, g);
		if (g->selftest == NULL || event_add(g->selftest, &tv) < 0) {
			snprintf(err, errlen, "cannot start the self-test timer");
			goto fail;
		}
	}
	g->idle.tv_sec = (time_t)ng_config_int(cfg, NG_K_POLICYD_IDLE_TIMEOUT);
	g->ttl = (time_t)ng_config_int(cfg, NG_K_POLICYD_CONNECTION_TTL);
	g->max_clients = (size_t)ng_config_int(cfg, NG_K_POLICYD_MAX_CLIENTS);
	g->id = ++srv->next_gen_id;
	if (g->relay != NULL && srv->gen != NULL) /* a reload: the budget goes on counting */
		ng_relay_budget_adopt(g->relay, srv->gen->relay);
	return g;
fail:
	gen_free(g);
	return NULL;
}

struct pd_gen *pd_gen_ref(struct pd_gen *g)
{
	g->refs++;
	return g;
}

void pd_gen_unref(struct pd_gen *g)
{
	if (g == NULL || --g->refs > 0)
		return;
	struct pd_server *srv = g->srv;
	g->next_dead = srv->dead;
	srv->dead = g;
	if (srv->reaper != NULL)
		event_active(srv->reaper, 0, 0);
}

void pd_gen_reap(struct pd_server *srv)
{
	while (srv->dead != NULL) {
		struct pd_gen *g = srv->dead;
		srv->dead = g->next_dead;
		gen_free(g);
	}
}
