/*
 * envelope.c - the relay guard's envelope-only checks for the policy
 * service (relay.h, ng_relay_envelope_decide).
 */
#include "relay/internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void ng_relay_envelope_decide(struct ng_relay *r, const char *client_ip, const char *login,
                              bool bounce_sender, const char *state, const char *rcpt,
                              int64_t now_ms, struct ng_relay_envelope *out)
{
	memset(out, 0, sizeof(*out));
	out->action = NG_RELAY_ALLOW;
	snprintf(out->text, sizeof(out->text), "DUNNO");
	out->tenant = ng_relay_tenant(r, client_ip, login);
	if (out->tenant == NULL || !bounce_sender || state == NULL ||
	    strcasecmp(state, "RCPT") != 0 || rcpt == NULL || rcpt[0] == '\0')
		return;
	out->judged = true;
	__atomic_add_fetch(&r->st.verdicts[NG_RELAY_UNKNOWN], 1, __ATOMIC_RELAXED);
	enum ng_relay_action a = r->action[NG_RELAY_UNKNOWN];
	if (a == NG_RELAY_ALLOW || a == NG_RELAY_ROUTE) {
		struct ng_relay_judgement over;
		const char *rcpts[1] = {rcpt};
		if (ng_relay_budget_take(r, out->tenant, rcpts, 1, now_ms, &over) != 0) {
			out->action = NG_RELAY_TEMPFAIL;
			snprintf(out->text, sizeof(out->text), "%s %s %s", over.rcode, over.xcode,
			         over.text);
			__atomic_add_fetch(&r->st.actions[NG_RELAY_TEMPFAIL], 1, __ATOMIC_RELAXED);
			return;
		}
	}
	out->action = a;
	switch (a) {
	case NG_RELAY_ALLOW:
	case NG_RELAY_TEMPFAIL:
		break;
	case NG_RELAY_ROUTE:
		snprintf(out->text, sizeof(out->text), "FILTER %s", r->filter);
		break;
	case NG_RELAY_QUARANTINE:
		snprintf(out->text, sizeof(out->text), "HOLD bounce from tenant %s held for review",
		         out->tenant);
		break;
	case NG_RELAY_DISCARD:
		snprintf(out->text, sizeof(out->text), "DISCARD bounce from tenant %s discarded",
		         out->tenant);
		break;
	case NG_RELAY_REJECT:
		snprintf(out->text, sizeof(out->text), "%s %s %s", r->reject_rcode, r->reject_xcode,
		         r->reject_text);
		break;
	}
	__atomic_add_fetch(&r->st.actions[a], 1, __ATOMIC_RELAXED);
}
