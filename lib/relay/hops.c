/*
 * hops.c - the SPF question of an outbound bounce (relay.h,
 * ng_relay_spf_target).
 *
 * A bounce goes to the original message's envelope sender: the bounce's
 * recipient.  The returned original's Received chain, newest first, starts
 * with the hops inside the tenant and the relay; the first hop whose
 * client address is neither one of relay_internal_networks nor a tenant's
 * network is where the original entered, and that client is the host the
 * sender's domain must authorise (received.c finds it).  If it does not,
 * the sender was forged and the bounce is backscatter.
 */
#include "relay/internal.h"
#include "relay/received.h"

#include <stdio.h>
#include <string.h>

static bool is_internal(void *arg, const struct ng_cidr_addr *a)
{
	return ng_relay_internal_addr(arg, a);
}

bool ng_relay_spf_target(const struct ng_relay *r, const ng_verdict *v, const char *rcpt,
                         struct ng_relay_spf_target *out)
{
	memset(out, 0, sizeof(*out));
	if (v == NULL || rcpt == NULL || v->original.nreceived == 0)
		return false;
	const char *at = strrchr(rcpt, '@');
	if (at == NULL || at == rcpt || at[1] == '\0' || strlen(rcpt) >= sizeof(out->sender))
		return false;
	const char *hdrs[NG_CL_RECEIVED_MAX];
	size_t n =
	    v->original.nreceived < NG_CL_RECEIVED_MAX ? v->original.nreceived : NG_CL_RECEIVED_MAX;
	for (size_t i = 0; i < n; i++)
		hdrs[i] = v->original.received[i];
	struct ng_received hop;
	if (ng_received_entry(hdrs, n, is_internal, (void *)r, &hop) < 0 || !hop.has_ip)
		return false;
	snprintf(out->ip, sizeof(out->ip), "%s", hop.ip);
	/* the HELO, else the reverse name, is what %{h} expands to */
	snprintf(out->helo, sizeof(out->helo), "%s",
	         hop.helo[0] != '\0'   ? hop.helo
	         : hop.rdns[0] != '\0' ? hop.rdns
	                               : "unknown");
	memcpy(out->sender, rcpt, strlen(rcpt) + 1);
	return true;
}
