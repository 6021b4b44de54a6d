/*
 * keys.c - the table of every configuration key (config.h).
 *
 * One row per key, in enum ng_key order (checked at start-up by
 * ng_config_new()): name, type, default as written in the file, bounds for
 * numbers and times, choices for enums, and the one-line description that
 * `ndrguard config -h` prints.  doc/man/ndrguard.conf.5 and
 * conf/ndrguard.conf describe the same keys; a test checks that none is
 * missing there.
 */
#include "ndrguard/config.h"

#include <string.h>

#define DAY           (24LL * 3600)
#define RULE_ACTIONS  "accept|tag|tempfail|reject|quarantine|discard"
#define RELAY_ACTIONS "allow|route|quarantine|discard|reject"

static const struct ng_config_key keys[NG_K__COUNT] = {
    [NG_K_LOG_TARGET] = {"log_target", NG_CONF_ENUM, "stderr", 0, 0, "stderr|syslog",
                         "where the daemons log: standard error or syslog"},
    [NG_K_LOG_LEVEL] = {"log_level", NG_CONF_ENUM, "info", 0, 0, "debug|info|warning|error",
                        "the least severe log lines written"},
    [NG_K_SYSLOG_FACILITY] = {"syslog_facility", NG_CONF_ENUM, "mail", 0, 0,
                              "mail|daemon|local0|local1|local2|local3|local4|local5|local6|"
                              "local7",
                              "syslog facility when log_target = syslog"},
    [NG_K_SYSLOG_NAME] = {"syslog_name", NG_CONF_STRING, "ndrguard", 0, 0, NULL,
                          "syslog identity; the daemon's name is appended"},
    [NG_K_DAEMON_USER] = {"daemon_user", NG_CONF_STRING, "", 0, 0, NULL,
                          "when started as root, the user daemons run as after binding"},

    [NG_K_DNS_SERVERS] = {"dns_servers", NG_CONF_LIST, "", 0, 0, NULL,
                          "DNS servers (HOST, HOST:PORT, [IPV6]:PORT); empty: /etc/resolv.conf"},
    [NG_K_DNS_TIMEOUT] = {"dns_timeout", NG_CONF_TIME, "2s", 1, 60, NULL,
                          "time to wait for one DNS answer before the next try"},
    [NG_K_DNS_TRIES] = {"dns_tries", NG_CONF_INT, "2", 1, 10, NULL,
                        "DNS queries sent per lookup before it is unknown"},

    [NG_K_DNSBL_ZONES] = {"dnsbl_zones", NG_CONF_LIST, "ips.backscatterer.org=127.0.0.2", 0, 0,
                          NULL,
                          "DNSBL zones, each ZONE or ZONE=CODES (Postfix reject_rbl_client "
                          "syntax)"},
    [NG_K_DNSBL_MODE] = {"dnsbl_mode", NG_CONF_ENUM, "safe", 0, 0, "safe|all",
                         "safe: act on listings only for bounce senders; all: for any mail "
                         "(unsafe)"},
    [NG_K_BOUNCE_SENDERS] = {"bounce_senders", NG_CONF_LIST, "<>, postmaster, mailer-daemon", 0, 0,
                             NULL,
                             "envelope senders that make a message a bounce: <> and local "
                             "parts"},
    [NG_K_DNSBL_ACTION] = {"dnsbl_action", NG_CONF_ENUM, "reject", 0, 0,
                           "reject|tempfail|tag|dry-run",
                           "the answer to a listed bounce (tag: a header; dry-run: a log line)"},
    [NG_K_DNSBL_DNS_FAILURE_ACTION] = {"dnsbl_dns_failure_action", NG_CONF_ENUM, "tag", 0, 0,
                                       "tag|accept|tempfail",
                                       "what a bounce gets when no zone could answer; never "
                                       "reject"},
    [NG_K_DNSBL_REJECT_TEXT] = {"dnsbl_reject_text", NG_CONF_STRING,
                                "Backscatter from $client rejected: listed on $zone: $txt", 0, 0,
                                NULL,
                                "reply text for reject and tempfail ($client, $zone, $txt, "
                                "$sender)"},
    [NG_K_DNSBL_TAG_HEADER] = {"dnsbl_tag_header", NG_CONF_STRING, "X-Ndrguard", 0, 0, NULL,
                               "the header that tag adds"},
    [NG_K_EXEMPT_NETWORKS] = {"exempt_networks", NG_CONF_LIST, "", 0, 0, NULL,
                              "client networks (CIDR) never rejected"},
    [NG_K_EXEMPT_RECIPIENTS] = {"exempt_recipients", NG_CONF_LIST, "postmaster@*, abuse@*", 0, 0,
                                NULL, "recipients never rejected (local@domain, * wildcards)"},
    [NG_K_DNSBL_CACHE_SIZE] = {"dnsbl_cache_size", NG_CONF_INT, "100000", 0, 10000000, NULL,
                               "DNSBL answers cached (entries; 0 = no cache)"},
    [NG_K_DNSBL_CACHE_MIN_TTL] = {"dnsbl_cache_min_ttl", NG_CONF_TIME, "60s", 0, DAY, NULL,
                                  "shortest time an answer is cached"},
    [NG_K_DNSBL_CACHE_MAX_TTL] = {"dnsbl_cache_max_ttl", NG_CONF_TIME, "1h", 0, 7 * DAY, NULL,
                                  "longest time an answer is cached"},
    [NG_K_DNSBL_NEGATIVE_TTL] = {"dnsbl_negative_ttl", NG_CONF_TIME, "5m", 0, DAY, NULL,
                                 "cache time of a not-listed answer that names no SOA minimum"},
    [NG_K_DNSBL_SELFTEST_INTERVAL] = {"dnsbl_selftest_interval", NG_CONF_TIME, "5m", 0, DAY, NULL,
                                      "RFC 5782 self-test period (0 = only at start)"},

    [NG_K_POLICYD_LISTEN] = {"policyd_listen", NG_CONF_LISTEN, "inet:127.0.0.1:10040", 0, 0, NULL,
                             "where policyd listens (inet:HOST:PORT or unix:PATH)"},
    [NG_K_POLICYD_MAX_CLIENTS] = {"policyd_max_clients", NG_CONF_INT, "4096", 1, 1000000, NULL,
                                  "concurrent policy connections"},
    [NG_K_POLICYD_IDLE_TIMEOUT] = {"policyd_idle_timeout", NG_CONF_TIME, "1000s", 1, DAY, NULL,
                                   "an idle policy connection is closed after this"},
    [NG_K_POLICYD_CONNECTION_TTL] = {"policyd_connection_ttl", NG_CONF_TIME, "0", 0, 7 * DAY, NULL,
                                     "a policy connection is closed after this (0 = never)"},
    [NG_K_MILTER_LISTEN] = {"milter_listen", NG_CONF_LISTEN, "inet:127.0.0.1:10041", 0, 0, NULL,
                            "where the milter listens (inet:HOST:PORT or unix:PATH)"},
    [NG_K_MILTER_CONTENT_ACTION] = {"milter_content_action", NG_CONF_ENUM, "reject", 0, 0,
                                    "reject|tempfail|tag|quarantine|discard|dry-run",
                                    "the answer to a bounce, auto-reply, challenge or virus "
                                    "notice from a listed client"},
    [NG_K_MILTER_TAG_CLASSIFIED] = {"milter_tag_classified", NG_CONF_BOOL, "no", 0, 0, NULL,
                                    "tag every message classified as a bounce, listed or not"},
    [NG_K_BOUNCE_MULTI_RCPT_ACTION] = {"bounce_multi_rcpt_action", NG_CONF_ENUM, "tag", 0, 0,
                                       RULE_ACTIONS, "a bounce to more than one recipient"},
    [NG_K_MULTI_RCPT_BOUNCE_RELAYS] = {"multi_rcpt_bounce_relays", NG_CONF_LIST, "", 0, 0, NULL,
                                       "clients (CIDR or host names) allowed to send bounces to "
                                       "several recipients"},
    [NG_K_BOUNCE_RETURN_PATH_ACTION] = {"bounce_return_path_action", NG_CONF_ENUM, "tag", 0, 0,
                                        RULE_ACTIONS,
                                        "a bounce that arrives with a Return-Path header"},
    [NG_K_BOUNCE_NEVER_RECIPIENT_ACTION] = {"bounce_never_recipient_action", NG_CONF_ENUM, "tag", 0,
                                            0, RULE_ACTIONS,
                                            "a bounce to one of never_bounce_recipients"},
    [NG_K_NEVER_BOUNCE_RECIPIENTS] = {"never_bounce_recipients", NG_CONF_LIST,
                                      "noreply@*, no-reply@*, donotreply@*, do-not-reply@*", 0, 0,
                                      NULL, "addresses that never send mail, so never get bounces"},
    [NG_K_BOUNCE_FOREIGN_ORIGINAL_ACTION] = {"bounce_foreign_original_action", NG_CONF_ENUM, "tag",
                                             0, 0, RULE_ACTIONS,
                                             "a bounce whose returned original we never sent"},
    [NG_K_OUR_HOSTNAMES] = {"our_hostnames", NG_CONF_LIST, "", 0, 0, NULL,
                            "our domains and host names (Message-ID domains, Received hops)"},
    [NG_K_OUR_NETWORKS] = {"our_networks", NG_CONF_LIST, "", 0, 0, NULL,
                           "our outbound networks (CIDR)"},
    [NG_K_BATV_KEYS] = {"batv_keys", NG_CONF_LIST, "", 0, 0, NULL,
                        "BATV keys as N:/path (N = 0..9; the highest signs)"},
    [NG_K_BATV_DOMAINS] = {"batv_domains", NG_CONF_LIST, "", 0, 0, NULL,
                           "domains whose envelope senders are signed and whose bounces must "
                           "be"},
    [NG_K_BATV_LIFETIME_DAYS] = {"batv_lifetime_days", NG_CONF_INT, "7", 1, 365, NULL,
                                 "days a signed address stays valid"},
    [NG_K_BATV_ENFORCE_AFTER] = {"batv_enforce_after", NG_CONF_STRING, "", 0, 0, NULL,
                                 "YYYY-MM-DD from when unsigned bounces are refused; empty: one "
                                 "lifetime after signing starts"},
    [NG_K_BATV_SUBADDRESS] = {"batv_subaddress", NG_CONF_BOOL, "no", 0, 0, NULL,
                              "sign as local+prvs=...@domain instead of prvs=...=local@domain"},
    [NG_K_BATV_ACTION] = {"batv_action", NG_CONF_ENUM, "reject", 0, 0, "reject|tag|dry-run",
                          "the answer to a bounce to an unsigned or badly signed address"},
    [NG_K_POLICYD_DRAIN_TIMEOUT] = {"policyd_drain_timeout", NG_CONF_TIME, "10s", 0, 3600, NULL,
                                    "on SIGTERM, time to finish the requests in flight"},
    [NG_K_STORE] = {"store", NG_CONF_STRING, "lmdb:/var/lib/ndrguard", 0, 0, NULL,
                    "the store: lmdb:DIRECTORY (embedded, crash-safe) or memory: (tests)"},
    [NG_K_STORE_MAP_SIZE] = {"store_map_size", NG_CONF_INT, "1024", 1, 1048576, NULL,
                             "the most the LMDB store may grow to, in MiB"},

    [NG_K_RELAY_MILTER_LISTEN] = {"relay_milter_listen", NG_CONF_LISTEN, "inet:127.0.0.1:10043", 0,
                                  0, NULL, "where `ndrguard milter --relay` listens"},
    [NG_K_RELAY_POLICYD_LISTEN] = {"relay_policyd_listen", NG_CONF_LISTEN, "inet:127.0.0.1:10042",
                                   0, 0, NULL, "where `ndrguard policyd --relay` listens"},
    [NG_K_RELAY_TENANTS] = {"relay_tenants", NG_CONF_STRING, "", 0, 0, NULL,
                            "the tenants map: NAME NETWORKS... LOGINS... a line"},
    [NG_K_RELAY_INTERNAL_NETWORKS] = {"relay_internal_networks", NG_CONF_LIST, "127.0.0.0/8 ::1", 0,
                                      0, NULL, "the relay's own hops, skipped in a Received chain"},
    [NG_K_RELAY_MESSAGE_LOG_TTL] = {"relay_message_log_ttl", NG_CONF_TIME, "7d", 3600, 365 * DAY,
                                    NULL, "how long the message log keeps an inbound message"},
    [NG_K_RELAY_AUTH_HEADERS] = {"relay_auth_headers", NG_CONF_LIST,
                                 "Authentication-Results Received-SPF", 0, 0, NULL,
                                 "headers whose SPF/DKIM/DMARC results the message log keeps"},
    [NG_K_RELAY_AUTHSERV_IDS] = {"relay_authserv_ids", NG_CONF_LIST, "", 0, 0, NULL,
                                 "Authentication-Results authserv-ids trusted; empty: any"},
    [NG_K_RELAY_SPAM_HEADERS] = {"relay_spam_headers", NG_CONF_LIST,
                                 "X-Spam-Status X-Spam-Flag X-Spam X-Rspamd-Action", 0, 0, NULL,
                                 "headers whose spam verdict the message log keeps"},
    [NG_K_RELAY_RULES] = {"relay_rules", NG_CONF_LIST,
                          "log_spam:100 log_auth_fail:100 log_missing:30 log_clean:-50 "
                          "spf_fail:100 spf_softfail:50 spf_pass:-50",
                          0, 0, NULL, "the evidence rules of the relay guard and their weights"},
    [NG_K_RELAY_RULES_DRY_RUN] = {"relay_rules_dry_run", NG_CONF_LIST, "", 0, 0, NULL,
                                  "rules that are evaluated and counted but do not score"},
    [NG_K_RELAY_BACKSCATTER_SCORE] = {"relay_backscatter_score", NG_CONF_INT, "100", -100000,
                                      100000, NULL, "a score at or above this is backscatter"},
    [NG_K_RELAY_LEGITIMATE_SCORE] = {"relay_legitimate_score", NG_CONF_INT, "-100", -100000, 100000,
                                     NULL, "a score at or below this is legitimate"},
    [NG_K_RELAY_BACKSCATTER_ACTION] = {"relay_backscatter_action", NG_CONF_ENUM, "quarantine", 0, 0,
                                       RELAY_ACTIONS, "what backscatter gets"},
    [NG_K_RELAY_UNKNOWN_ACTION] = {"relay_unknown_action", NG_CONF_ENUM, "route", 0, 0,
                                   RELAY_ACTIONS, "what a bounce the evidence cannot judge gets"},
    [NG_K_RELAY_LEGITIMATE_ACTION] = {"relay_legitimate_action", NG_CONF_ENUM, "allow", 0, 0,
                                      RELAY_ACTIONS, "what a legitimate bounce gets"},
    [NG_K_RELAY_ROUTE_FILTER] = {"relay_route_filter", NG_CONF_STRING, "bouncepool:", 0, 0, NULL,
                                 "route: the transport:nexthop of the bounce pool"},
    [NG_K_RELAY_REJECT_TEXT] = {"relay_reject_text", NG_CONF_STRING,
                                "550 5.7.1 bounce to a forged sender refused (backscatter)", 0, 0,
                                NULL, "reject: the reply to the tenant"},
    [NG_K_RELAY_BOUNCE_RATE] = {"relay_bounce_rate", NG_CONF_STRING, "100/1h", 0, 0, NULL,
                                "outbound bounces and auto-replies a tenant may send (N/PERIOD)"},
    [NG_K_RELAY_BOUNCE_DOMAIN_RATE] = {"relay_bounce_domain_rate", NG_CONF_STRING, "20/1h", 0, 0,
                                       NULL, "the same, per tenant and destination domain"},
    [NG_K_RELAY_SPF_TIMEOUT] = {"relay_spf_timeout", NG_CONF_TIME, "10s", 1, 120, NULL,
                                "the longest an SPF check of a quoted hop may take"},
    [NG_K_RELAY_QUARANTINE_DIR] = {"relay_quarantine_dir", NG_CONF_STRING,
                                   "/var/lib/ndrguard/quarantine", 0, 0, NULL,
                                   "the quarantine Maildir"},
    [NG_K_RELAY_QUARANTINE_TTL] = {"relay_quarantine_ttl", NG_CONF_TIME, "30d", 3600, 3650 * DAY,
                                   NULL, "how long quarantined messages are kept"},
    [NG_K_RELAY_RELEASE_NEXTHOP] = {"relay_release_nexthop", NG_CONF_LISTEN, "inet:127.0.0.1:10026",
                                    0, 0, NULL,
                                    "where `ndrguard quarantine release` re-injects by SMTP"},
    [NG_K_RELAY_STATS_INTERVAL] = {"relay_stats_interval", NG_CONF_TIME, "1h", 0, 7 * DAY, NULL,
                                   "how often the relay milter logs its rule counters; 0: at stop"},
    [NG_K_LISTING_DAYS] = {"listing_days", NG_CONF_INT, "28", 1, 3650, NULL,
                           "days an IP stays listed after its last hit"},
    [NG_K_LISTING_V6_PREFIX] = {"listing_v6_prefix", NG_CONF_INT, "64", 32, 128, NULL,
                                "IPv6 hits are listed for this prefix length"},
    [NG_K_LISTING_EVIDENCE] = {"listing_evidence", NG_CONF_INT, "5", 0, 10, NULL,
                               "evidence records kept per listed IP (the newest)"},

    [NG_K_TRAPD_LISTEN] = {"trapd_listen", NG_CONF_LISTEN, "inet:127.0.0.1:10025", 0, 0, NULL,
                           "where `ndrguard trapd` accepts SMTP"},
    [NG_K_TRAP_DOMAINS] = {"trap_domains", NG_CONF_LIST, "", 0, 0, NULL,
                           "the trap domains: every address in them is a trap"},
    [NG_K_TRAPD_HOSTNAME] = {"trapd_hostname", NG_CONF_STRING, "", 0, 0, NULL,
                             "the name trapd gives in its greeting; empty: the host name"},
    [NG_K_TRAPD_MAX_CLIENTS] = {"trapd_max_clients", NG_CONF_INT, "1000", 1, 100000, NULL,
                                "SMTP sessions at once; more are refused with 421"},
    [NG_K_TRAPD_MAX_MESSAGE_SIZE] = {"trapd_max_message_size", NG_CONF_INT, "10485760", 1024,
                                     1073741824, NULL, "the largest message trapd takes, bytes"},
    [NG_K_TRAPD_MAX_COMMANDS] = {"trapd_max_commands", NG_CONF_INT, "100", 5, 100000, NULL,
                                 "SMTP commands per session before it is closed"},
    [NG_K_TRAPD_IDLE_TIMEOUT] = {"trapd_idle_timeout", NG_CONF_TIME, "60s", 1, 3600, NULL,
                                 "a session silent this long is closed"},
    [NG_K_TRAPD_SESSION_TIMEOUT] = {"trapd_session_timeout", NG_CONF_TIME, "10m", 1, 86400, NULL,
                                    "the longest a session may last"},

    [NG_K_DNSBLD_LISTEN] = {"dnsbld_listen", NG_CONF_LIST, "127.0.0.1:10053", 0, 0, NULL,
                            "where `ndrguard dnsbld` answers (UDP and TCP): HOST:PORT, [V6]:PORT"},
    [NG_K_DNSBLD_ZONE] = {"dnsbld_zone", NG_CONF_STRING, "bl.ndrguard.test", 0, 0, NULL,
                          "the list's DNS zone"},
    [NG_K_DNSBLD_CODES] = {"dnsbld_codes", NG_CONF_LIST,
                           "bounce=127.0.0.2 autoreply=127.0.0.3 callout=127.0.0.4", 0, 0, NULL,
                           "the A record of each category"},
    [NG_K_DNSBLD_TXT_TEMPLATE] = {"dnsbld_txt_template", NG_CONF_STRING,
                                  "Backscatter from $ (see http://localhost/lookup?ip=$)", 0, 0,
                                  NULL, "the TXT record of a listed IP; $ is the IP"},
    [NG_K_DNSBLD_NS] = {"dnsbld_ns", NG_CONF_LIST, "localhost", 0, 0, NULL,
                        "the zone's name servers (NS records; the first is the SOA MNAME)"},
    [NG_K_DNSBLD_HOSTMASTER] = {"dnsbld_hostmaster", NG_CONF_STRING, "hostmaster@localhost", 0, 0,
                                NULL, "the SOA's responsible mailbox"},
    [NG_K_DNSBLD_TTL] = {"dnsbld_ttl", NG_CONF_TIME, "5m", 0, 7 * DAY, NULL,
                         "the TTL of A and TXT answers"},
    [NG_K_DNSBLD_NEGATIVE_TTL] = {"dnsbld_negative_ttl", NG_CONF_TIME, "1m", 0, DAY, NULL,
                                  "the SOA MINIMUM: how long resolvers cache NXDOMAIN"},
    [NG_K_DNSBLD_RRL] = {"dnsbld_rrl", NG_CONF_INT, "0", 0, 1000000, NULL,
                         "answers a second to one client /24 (IPv6 /56); 0: no limit"},
    [NG_K_DNSBLD_RELOAD_INTERVAL] = {"dnsbld_reload_interval", NG_CONF_TIME, "10s", 1, DAY, NULL,
                                     "how often dnsbld rebuilds its index from the store"},
};

const struct ng_config_key *ng_config_key_info(enum ng_key k)
{
	if ((unsigned)k >= NG_K__COUNT || keys[k].name == NULL)
		return NULL;
	return &keys[k];
}

bool ng_config_key_find(const char *name, enum ng_key *k)
{
	for (unsigned i = 0; i < NG_K__COUNT; i++) {
		if (keys[i].name != NULL && strcmp(keys[i].name, name) == 0) {
			*k = (enum ng_key)i;
			return true;
		}
	}
	return false;
}
