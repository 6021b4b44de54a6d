/*
 * reason_status.c - the RFC 3463 / RFC 5248 enhanced status code table of
 * the bounce reason judge (reason.c): each listed code maps to a reason in
 * Sisimai's vocabulary; an unlisted code gives no reason of its own.  Vague
 * codes (x.7.1, x.1.1, ...) map to reasons that reason.c treats as "let the
 * text decide".  The phrase tables are in reason_tables.c.
 */
#define NG_REASON_INTERNAL
#include "classify/reason.h"

#include <stddef.h>

#define ST(c, r)                                                                                   \
	{                                                                                          \
		c, r, "status:" c                                                                  \
	}

const struct status_rule ng_reason_status_rules[] = {
    ST("2.1.5", R_DELIVERED),      ST("4.1.6", R_HASMOVED),       ST("4.1.7", R_REJECTED),
    ST("4.1.8", R_REJECTED),       ST("4.1.9", R_SYSTEMERROR),    ST("4.2.1", R_BLOCKED),
    ST("4.2.2", R_MAILBOXFULL),    ST("4.2.3", R_EXCEEDLIMIT),    ST("4.2.4", R_FILTERED),
    ST("4.3.1", R_SYSTEMFULL),     ST("4.3.2", R_NOTACCEPT),      ST("4.3.3", R_SYSTEMERROR),
    ST("4.3.5", R_SYSTEMERROR),    ST("4.4.1", R_EXPIRED),        ST("4.4.2", R_NETWORKERROR),
    ST("4.4.3", R_SYSTEMERROR),    ST("4.4.4", R_NETWORKERROR),   ST("4.4.5", R_SYSTEMFULL),
    ST("4.4.6", R_NETWORKERROR),   ST("4.4.7", R_EXPIRED),        ST("4.4.8", R_NETWORKERROR),
    ST("4.5.3", R_SYSTEMERROR),    ST("4.5.5", R_SYSTEMERROR),    ST("4.6.0", R_CONTENTERROR),
    ST("4.6.2", R_CONTENTERROR),   ST("4.6.5", R_CONTENTERROR),   ST("4.7.1", R_BLOCKED),
    ST("4.7.2", R_BLOCKED),        ST("4.7.5", R_SECURITYERROR),  ST("4.7.6", R_SECURITYERROR),
    ST("4.7.7", R_SECURITYERROR),  ST("4.7.12", R_SECURITYERROR), ST("4.7.15", R_SECURITYERROR),
    ST("4.7.16", R_MESGTOOBIG),    ST("4.7.24", R_AUTHFAILURE),   ST("4.7.25", R_REQUIREPTR),
    ST("4.7.26", R_AUTHFAILURE),   ST("5.1.0", R_USERUNKNOWN),    ST("5.1.1", R_USERUNKNOWN),
    ST("5.1.2", R_HOSTUNKNOWN),    ST("5.1.3", R_USERUNKNOWN),    ST("5.1.4", R_FILTERED),
    ST("5.1.6", R_HASMOVED),       ST("5.1.7", R_REJECTED),       ST("5.1.8", R_REJECTED),
    ST("5.1.9", R_SYSTEMERROR),    ST("5.1.10", R_NOTACCEPT),     ST("5.2.0", R_FILTERED),
    ST("5.2.1", R_FILTERED),       ST("5.2.2", R_MAILBOXFULL),    ST("5.2.3", R_EXCEEDLIMIT),
    ST("5.2.4", R_FILTERED),       ST("5.3.0", R_SYSTEMERROR),    ST("5.3.1", R_SYSTEMFULL),
    ST("5.3.2", R_NOTACCEPT),      ST("5.3.3", R_SYSTEMERROR),    ST("5.3.4", R_MESGTOOBIG),
    ST("5.3.5", R_SYSTEMERROR),    ST("5.4.0", R_NETWORKERROR),   ST("5.4.3", R_SYSTEMERROR),
    ST("5.4.4", R_HOSTUNKNOWN),    ST("5.5.2", R_SYNTAXERROR),    ST("5.5.3", R_TOOMANYCONN),
    ST("5.5.4", R_SYSTEMERROR),    ST("5.5.5", R_SYSTEMERROR),    ST("5.5.6", R_SYNTAXERROR),
    ST("5.6.0", R_CONTENTERROR),   ST("5.6.1", R_CONTENTERROR),   ST("5.6.2", R_CONTENTERROR),
    ST("5.6.3", R_CONTENTERROR),   ST("5.6.5", R_CONTENTERROR),   ST("5.6.6", R_CONTENTERROR),
    ST("5.6.7", R_CONTENTERROR),   ST("5.6.8", R_CONTENTERROR),   ST("5.6.9", R_CONTENTERROR),
    ST("5.7.0", R_SECURITYERROR),  ST("5.7.1", R_SECURITYERROR),  ST("5.7.2", R_SECURITYERROR),
    ST("5.7.3", R_SECURITYERROR),  ST("5.7.4", R_SECURITYERROR),  ST("5.7.5", R_SECURITYERROR),
    ST("5.7.6", R_SECURITYERROR),  ST("5.7.7", R_SECURITYERROR),  ST("5.7.8", R_SECURITYERROR),
    ST("5.7.9", R_SECURITYERROR),  ST("5.7.10", R_SECURITYERROR), ST("5.7.11", R_SECURITYERROR),
    ST("5.7.13", R_SUSPEND),       ST("5.7.14", R_SECURITYERROR), ST("5.7.15", R_SECURITYERROR),
    ST("5.7.16", R_MESGTOOBIG),    ST("5.7.17", R_HASMOVED),      ST("5.7.18", R_HASMOVED),
    ST("5.7.19", R_SECURITYERROR), ST("5.7.20", R_AUTHFAILURE),   ST("5.7.21", R_AUTHFAILURE),
    ST("5.7.22", R_AUTHFAILURE),   ST("5.7.23", R_AUTHFAILURE),   ST("5.7.24", R_AUTHFAILURE),
    ST("5.7.25", R_REQUIREPTR),    ST("5.7.26", R_AUTHFAILURE),   ST("5.7.27", R_NOTACCEPT),
    ST("5.7.28", R_SPAMDETECTED),  ST("5.7.29", R_AUTHFAILURE),   ST("5.7.30", R_FAILEDSTARTTLS),
};

const size_t ng_reason_nstatus_rules =
    sizeof(ng_reason_status_rules) / sizeof(ng_reason_status_rules[0]);
