/*
 * from_config.c - the rules from the configuration (ng_policy_from_config
 * in policy.h).
 *
 * The configuration module checks types and enum spellings; what only the
 * policy understands (networks, recipient patterns, the reply template, the
 * header name) is checked by ng_policy_new(), and its message is prefixed
 * here with where the value came from and the key, as the configuration's
 * own errors are, e.g. "/etc/ndrguard/ndrguard.conf:12: exempt_networks:
 * '10.0.0.1/8': host bits set below the prefix (did you mean 10.0.0.0/8?)".
 * BATV (batv_keys set) is built by ng_batv_from_config(), whose errors name
 * the key and place already; the rules own the handle.
 */
#include "ndrguard/batv.h"
#include "ndrguard/config.h"
#include "ndrguard/policy.h"

#include "policy/internal.h"

#include <stdio.h>
#include <string.h>

static int pick(const struct ng_config *cfg, enum ng_key k, const char *const *names, size_t n,
                int *out, char *err, size_t errlen)
{
	const char *v = ng_config_str(cfg, k);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	const struct ng_config_key *info = ng_config_key_info(k);
	snprintf(err, errlen, "%s: %s: unknown value '%.40s'", ng_config_where(cfg, k),
	         info ? info->name : "?", v);
	return -1;
}

struct ng_policy *ng_policy_from_config(const struct ng_config *cfg, char *err, size_t errlen)
{
	/* In the order of the enums in policy.h. */
	static const char *const modes[] = {"safe", "all"};
	static const char *const listed[] = {"reject", "tempfail", "tag", "dry-run"};
	static const char *const dnsfail[] = {"tag", "accept", "tempfail"};
	struct ng_policy_opts o;
	int mode, on_listed, on_fail;

	memset(&o, 0, sizeof(o));
	if (pick(cfg, NG_K_DNSBL_MODE, modes, 2, &mode, err, errlen) < 0 ||
	    pick(cfg, NG_K_DNSBL_ACTION, listed, 4, &on_listed, err, errlen) < 0 ||
	    pick(cfg, NG_K_DNSBL_DNS_FAILURE_ACTION, dnsfail, 3, &on_fail, err, errlen) < 0)
		return NULL;
	o.mode = (enum ng_policy_mode)mode;
	o.on_listed = (enum ng_policy_on_listed)on_listed;
	o.on_dns_failure = (enum ng_policy_on_dns_failure)on_fail;
	o.nbounce_senders = ng_config_list(cfg, NG_K_BOUNCE_SENDERS, &o.bounce_senders);
	o.nexempt_networks = ng_config_list(cfg, NG_K_EXEMPT_NETWORKS, &o.exempt_networks);
	o.nexempt_recipients = ng_config_list(cfg, NG_K_EXEMPT_RECIPIENTS, &o.exempt_recipients);
	o.reject_text = ng_config_str(cfg, NG_K_DNSBL_REJECT_TEXT);
	o.tag_header = ng_config_str(cfg, NG_K_DNSBL_TAG_HEADER);

	/* BATV: on when batv_keys is set; its errors name key and place */
	static const char *const batv_actions[] = {"reject", "tag", "dry-run"};
	struct ng_batv *batv = NULL;
	int batv_action;
	if (pick(cfg, NG_K_BATV_ACTION, batv_actions, 3, &batv_action, err, errlen) < 0)
		return NULL;
	o.batv_action = (enum ng_policy_batv_action)batv_action;
	if (ng_batv_configured(cfg)) {
		batv = ng_batv_from_config(cfg, err, errlen);
		if (batv == NULL)
			return NULL;
		o.batv = batv;
	}

	char msg[512];
	enum ng_policy_field bad;
	struct ng_policy *pol = ng_policy_build(&o, &bad, msg, sizeof(msg));
	if (pol != NULL) {
		if (batv != NULL)
			ng_policy_own_batv(pol, batv);
		return pol;
	}
	ng_batv_free(batv);
	static const enum ng_key keys[] = {
	    [NG_POLICY_F_NONE] = NG_K__COUNT,
	    [NG_POLICY_F_BOUNCE_SENDERS] = NG_K_BOUNCE_SENDERS,
	    [NG_POLICY_F_EXEMPT_NETWORKS] = NG_K_EXEMPT_NETWORKS,
	    [NG_POLICY_F_EXEMPT_RECIPIENTS] = NG_K_EXEMPT_RECIPIENTS,
	    [NG_POLICY_F_TAG_HEADER] = NG_K_DNSBL_TAG_HEADER,
	    [NG_POLICY_F_REJECT_TEXT] = NG_K_DNSBL_REJECT_TEXT,
	};
	enum ng_key k = keys[bad];
	const struct ng_config_key *info = k != NG_K__COUNT ? ng_config_key_info(k) : NULL;
	if (info != NULL)
		snprintf(err, errlen, "%s: %s: %s", ng_config_where(cfg, k), info->name, msg);
	else
		snprintf(err, errlen, "%s", msg);
	return NULL;
}
