/*
 * config.h - the configuration: a typed table of keys, one file, overrides.
 *
 * Postfix main.cf style (DESIGN.md "Interfaces every part shares"):
 * `key = value` lines, `#` comments (whole lines only; a value may hold '#'),
 * a line that starts with white space continues the previous one, list
 * values separated by commas or white space.  Every key is defined once in
 * the table in lib/config/keys.c with its type, default, bounds and a one-
 * line description; an unknown key or a bad value is an error that names the
 * file and line (or the -o option), never silently replaced by the default.
 *
 * Types and their accepted values:
 *   string  any text, leading and trailing white space removed
 *   int     a decimal integer within [min, max]
 *   time    an integer with an optional unit s, m, h, d, w (default s),
 *           stored in seconds, within [min, max] seconds
 *   bool    yes/no, true/false, on/off, 1/0
 *   enum    one of the key's choices, compared case-insensitively, stored
 *           as the canonical (table) spelling
 *   list    items separated by commas and/or white space; may be empty
 *   listen  inet:HOST:PORT, inet:[IPV6]:PORT or unix:/ABSOLUTE/PATH
 *
 * Values that a module must interpret further (a DNSBL zone's return codes,
 * a network in CIDR notation) are checked by that module when it is built
 * from the configuration; it names the key's origin with ng_config_where().
 *
 * Ownership: a struct ng_config owns every string it returns; they stay
 * valid until the next ng_config_set()/ng_config_load() of that key or
 * ng_config_free().  Thread-safety: none for writers; a loaded
 * configuration that nobody modifies may be read from many threads.
 */
#ifndef NDRGUARD_CONFIG_H
#define NDRGUARD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ndrguard/log.h"

/* The default configuration file. */
#define NG_CONFIG_DEFAULT_PATH "/etc/ndrguard/ndrguard.conf"

/* Every key.  Order = the order `ndrguard config` prints. */
enum ng_key {
	/* logging */
	NG_K_LOG_TARGET,      /* enum: stderr, syslog */
	NG_K_LOG_LEVEL,       /* enum: debug, info, warning, error */
	NG_K_SYSLOG_FACILITY, /* enum: mail, daemon, local0..local7 */
	NG_K_SYSLOG_NAME,     /* string: syslog ident */
	NG_K_DAEMON_USER,     /* string: user the daemons switch to after binding */
	/* DNS */
	NG_K_DNS_SERVERS, /* list of HOST, HOST:PORT, [IPV6]:PORT; empty: resolv.conf */
	NG_K_DNS_TIMEOUT, /* time: per try */
	NG_K_DNS_TRIES,   /* int */
	/* DNSBL */
	NG_K_DNSBL_ZONES,              /* list of zone or zone=CODES */
	NG_K_DNSBL_MODE,               /* enum: safe, all */
	NG_K_BOUNCE_SENDERS,           /* list: <>, local parts */
	NG_K_DNSBL_ACTION,             /* enum: reject, tempfail, tag, dry-run */
	NG_K_DNSBL_DNS_FAILURE_ACTION, /* enum: tag, accept, tempfail */
	NG_K_DNSBL_REJECT_TEXT,        /* string template */
	NG_K_DNSBL_TAG_HEADER,         /* string: header name */
	NG_K_EXEMPT_NETWORKS,          /* list of CIDR */
	NG_K_EXEMPT_RECIPIENTS,        /* list of local@domain patterns */
	NG_K_DNSBL_CACHE_SIZE,         /* int: entries */
	NG_K_DNSBL_CACHE_MIN_TTL,      /* time */
	NG_K_DNSBL_CACHE_MAX_TTL,      /* time */
	NG_K_DNSBL_NEGATIVE_TTL,       /* time: NXDOMAIN without SOA */
	NG_K_DNSBL_SELFTEST_INTERVAL,  /* time; 0 = only at start */
	/* policyd */
	NG_K_POLICYD_LISTEN,         /* listen */
	NG_K_POLICYD_MAX_CLIENTS,    /* int */
	NG_K_POLICYD_IDLE_TIMEOUT,   /* time */
	NG_K_POLICYD_CONNECTION_TTL, /* time; 0 = none */
	NG_K_POLICYD_DRAIN_TIMEOUT,  /* time: SIGTERM grace */
	/* milter: content stage */
	NG_K_MILTER_LISTEN,         /* listen */
	NG_K_MILTER_CONTENT_ACTION, /* enum: reject, tempfail, tag, quarantine, discard, dry-run */
	NG_K_MILTER_TAG_CLASSIFIED, /* bool: tag every classified bounce, listed or not */
	/* bounce plausibility rules; actions: accept, tag, tempfail, reject, quarantine, discard */
	NG_K_BOUNCE_MULTI_RCPT_ACTION,
	NG_K_MULTI_RCPT_BOUNCE_RELAYS, /* list: CIDR or host names */
	NG_K_BOUNCE_RETURN_PATH_ACTION,
	NG_K_BOUNCE_NEVER_RECIPIENT_ACTION,
	NG_K_NEVER_BOUNCE_RECIPIENTS, /* list of local@domain patterns */
	NG_K_BOUNCE_FOREIGN_ORIGINAL_ACTION,
	NG_K_OUR_HOSTNAMES, /* list of domains and host names */
	NG_K_OUR_NETWORKS,  /* list of CIDR */
	/* BATV */
	NG_K_BATV_KEYS,          /* list of N:/path */
	NG_K_BATV_DOMAINS,       /* list of domains */
	NG_K_BATV_LIFETIME_DAYS, /* int */
	NG_K_BATV_ENFORCE_AFTER, /* string: YYYY-MM-DD, or empty = one lifetime after signing starts
	                          */
	NG_K_BATV_SUBADDRESS,    /* bool: sign as local+prvs=...@domain */
	NG_K_BATV_ACTION,        /* enum: reject, tag, dry-run */
	NG_K_STORE,              /* string: BACKEND:ARGS, lmdb:/dir or memory: */
	NG_K_STORE_MAP_SIZE,     /* int: MiB, the LMDB map's upper bound */

	NG_K_RELAY_MILTER_LISTEN,      /* listen */
	NG_K_RELAY_POLICYD_LISTEN,     /* listen */
	NG_K_RELAY_TENANTS,            /* string: the tenants map file; empty = none */
	NG_K_RELAY_INTERNAL_NETWORKS,  /* list of CIDR: the relay's own hops */
	NG_K_RELAY_MESSAGE_LOG_TTL,    /* time: how long the message log keeps a record */
	NG_K_RELAY_AUTH_HEADERS,       /* list: Authentication-Results, Received-SPF */
	NG_K_RELAY_AUTHSERV_IDS,       /* list: the authserv-ids trusted; empty = any */
	NG_K_RELAY_SPAM_HEADERS,       /* list: spam verdict header names */
	NG_K_RELAY_RULES,              /* list of RULE:WEIGHT */
	NG_K_RELAY_RULES_DRY_RUN,      /* list of rule names */
	NG_K_RELAY_BACKSCATTER_SCORE,  /* int */
	NG_K_RELAY_LEGITIMATE_SCORE,   /* int */
	NG_K_RELAY_BACKSCATTER_ACTION, /* enum: allow route quarantine discard reject */
	NG_K_RELAY_UNKNOWN_ACTION,     /* enum */
	NG_K_RELAY_LEGITIMATE_ACTION,  /* enum */
	NG_K_RELAY_ROUTE_FILTER,       /* string: transport:nexthop */
	NG_K_RELAY_REJECT_TEXT,        /* string */
	NG_K_RELAY_BOUNCE_RATE,        /* string: N/PERIOD per tenant */
	NG_K_RELAY_BOUNCE_DOMAIN_RATE, /* string: N/PERIOD per tenant and domain */
	NG_K_RELAY_SPF_TIMEOUT,        /* time */
	NG_K_RELAY_QUARANTINE_DIR,     /* string: a Maildir */
	NG_K_RELAY_QUARANTINE_TTL,     /* time */
	NG_K_RELAY_RELEASE_NEXTHOP,    /* listen-like: inet:HOST:PORT */
	NG_K_RELAY_STATS_INTERVAL,     /* time; 0 = only at stop */
	NG_K_LISTING_DAYS,             /* int: days listed after the last hit */
	NG_K_LISTING_V6_PREFIX,        /* int: IPv6 hits aggregated to this prefix */
	NG_K_LISTING_EVIDENCE,         /* int: evidence records kept per entry */

	NG_K_TRAPD_LISTEN,           /* listen */
	NG_K_TRAP_DOMAINS,           /* list of domains */
	NG_K_TRAPD_HOSTNAME,         /* string; empty = the host name */
	NG_K_TRAPD_MAX_CLIENTS,      /* int */
	NG_K_TRAPD_MAX_MESSAGE_SIZE, /* int: bytes (SIZE) */
	NG_K_TRAPD_MAX_COMMANDS,     /* int: per session */
	NG_K_TRAPD_IDLE_TIMEOUT,     /* time */
	NG_K_TRAPD_SESSION_TIMEOUT,  /* time */

	NG_K_DNSBLD_LISTEN,          /* list of HOST:PORT, [IPV6]:PORT */
	NG_K_DNSBLD_ZONE,            /* string: the list's zone */
	NG_K_DNSBLD_CODES,           /* list of CATEGORY=127.0.0.N */
	NG_K_DNSBLD_TXT_TEMPLATE,    /* string: $ = the IP */
	NG_K_DNSBLD_NS,              /* list of name server names */
	NG_K_DNSBLD_HOSTMASTER,      /* string: the SOA's RNAME as an address */
	NG_K_DNSBLD_TTL,             /* time */
	NG_K_DNSBLD_NEGATIVE_TTL,    /* time */
	NG_K_DNSBLD_RRL,             /* int: answers a second per client /24; 0 = off */
	NG_K_DNSBLD_RELOAD_INTERVAL, /* time: how often the store is read again */
	NG_K__COUNT
};

enum ng_config_type {
	NG_CONF_STRING,
	NG_CONF_INT,
	NG_CONF_TIME,
	NG_CONF_BOOL,
	NG_CONF_ENUM,
	NG_CONF_LIST,
	NG_CONF_LISTEN,
};

/* One row of the table (lib/config/keys.c). */
struct ng_config_key {
	const char *name;
	enum ng_config_type type;
	const char *def;     /* default, as it would be written in the file */
	long long min, max;  /* int and time */
	const char *choices; /* enum: "a|b|c" */
	const char *doc;     /* one line */
};

/* The table row of key k, or NULL for an out-of-range k. */
const struct ng_config_key *ng_config_key_info(enum ng_key k);
/* Look a key up by name; returns false when there is none. */
bool ng_config_key_find(const char *name, enum ng_key *k);

struct ng_config;

/* A configuration holding every default.  Returns NULL when out of memory. */
struct ng_config *ng_config_new(void);
void ng_config_free(struct ng_config *cfg);

/*
 * Read `path`.  Every line is checked; on the first error returns -1 with
 * "PATH:LINE: message" in err (size errlen), and cfg keeps the keys read
 * before it (callers discard cfg).  A key set twice: the last one wins, as
 * in Postfix.  Returns 0 on success, -1 on error (also: file unreadable).
 */
int ng_config_load(struct ng_config *cfg, const char *path, char *err, size_t errlen);

/* ng_config_load() of `len` bytes of `text` named `name` in messages (for
 * tests and the fuzz target). */
int ng_config_parse_text(struct ng_config *cfg, const char *name, const char *text, size_t len,
                         char *err, size_t errlen);

/*
 * Set one key from "key=value" (the -o option; white space around '=' is
 * allowed).  Errors name the origin "-o key=value".  0 or -1.
 */
int ng_config_override(struct ng_config *cfg, const char *assignment, char *err, size_t errlen);

/* Set key k to `value` from `origin` (e.g. "file.conf:12"); 0 or -1 with err. */
int ng_config_set(struct ng_config *cfg, enum ng_key k, const char *value, const char *origin,
                  char *err, size_t errlen);

/*
 * What every command does with -c and -o: a new configuration from `path`
 * (NULL: NG_CONFIG_DEFAULT_PATH if that file exists, else the embedded
 * defaults), then the `n` overrides "key=value" in order.  NULL with a
 * message in err on any error; the caller exits 2.
 */
struct ng_config *ng_config_setup(const char *path, const char *const *overrides, size_t n,
                                  char *err, size_t errlen);

/*
 * The -c FILE and -o key=value options of a command, collected while its
 * getopt loop runs: ng_config_args_take() for each 'c' and 'o' (the
 * strings are borrowed from argv), then ng_config_args_load() =
 * ng_config_setup() with them, which also reports more than
 * NG_CONFIG_OVERRIDES_MAX -o options.  Zero-initialise the struct.
 */
#define NG_CONFIG_OVERRIDES_MAX 256
struct ng_config_args {
	const char *path;
	const char *overrides[NG_CONFIG_OVERRIDES_MAX];
	size_t n;
	bool too_many;
};
void ng_config_args_take(struct ng_config_args *a, int opt, const char *arg);
struct ng_config *ng_config_args_load(const struct ng_config_args *a, char *err, size_t errlen);

/* Typed accessors; calling one for a key of another type is a bug (abort). */
const char *ng_config_str(const struct ng_config *cfg, enum ng_key k); /* string, enum, listen */
long long ng_config_int(const struct ng_config *cfg, enum ng_key k);   /* int, time (s) */
bool ng_config_bool(const struct ng_config *cfg, enum ng_key k);
/* A list: its items (each non-empty, trimmed) and their number. */
size_t ng_config_list(const struct ng_config *cfg, enum ng_key k, const char *const **items);

/* Where k's value came from: "default", "PATH:LINE" or "-o". */
const char *ng_config_where(const struct ng_config *cfg, enum ng_key k);
/* True when k was set by the file or -o (even to its default value). */
bool ng_config_is_set(const struct ng_config *cfg, enum ng_key k);

/* Print `key = value` lines in table order, as the file would say them:
 * every key, or (only_set) those set by the file or -o. */
void ng_config_print(const struct ng_config *cfg, FILE *out, bool only_set);
/* The value of k as it would be written in the file (lists joined by ", "),
 * into buf; returns buf. */
const char *ng_config_format(const struct ng_config *cfg, enum ng_key k, char *buf, size_t cap);

/* log_level as a severity, syslog_facility as a LOG_* value (log.h). */
enum ng_log_sev ng_config_log_level(const struct ng_config *cfg);
int ng_config_syslog_facility(const struct ng_config *cfg);
/* The sink log_target asks for: syslog as "syslog_name/daemon" (the
 * identity is written into ident, which must outlive the sink: syslog
 * keeps the pointer), or standard error prefixed with daemon; at
 * log_level.  One write(2) per line either way, so any thread may log. */
void ng_config_log_init(const struct ng_config *cfg, const char *daemon, struct ng_log *log,
                        char *ident, size_t identcap);

/*
 * Listen addresses (inet:HOST:PORT, inet:[V6]:PORT, unix:PATH) parsed into
 * their parts; 0, or -1 with a message in err.  host is "" for
 * inet:*:PORT (every address).
 */
struct ng_listen {
	bool is_unix;
	char host[256];
	unsigned port;
	char path[108];
};
int ng_listen_parse(const char *spec, struct ng_listen *out, char *err, size_t errlen);

#endif
