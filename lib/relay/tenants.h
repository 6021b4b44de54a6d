/*
 * tenants.h - the relay_tenants map: which tenant of a hosted relay a
 * client is, by its SASL login or by its address.
 *
 * The file, in the style of a Postfix map: one tenant a line, its name
 * first, then its networks and logins, separated by white space or commas.
 * A line that starts with white space continues the tenant above; blank
 * lines and lines whose first non-blank character is '#' are ignored (also
 * between continuation lines), and a word that starts with '#' starts a
 * comment to the end of its line; CRLF line ends are accepted.
 *
 *     # tenant   networks and SASL logins
 *     acme       192.0.2.0/24, 2001:db8:a::/48
 *                acme-relay  smtp@acme.example
 *     beta       198.51.100.7 beta@beta.example
 *
 * A tenant name is 1..63 of [A-Za-z0-9._-] (it becomes part of log lines
 * and budget keys) and is compared exactly.  A network is ADDRESS/BITS or a
 * bare address, IPv4 or IPv6 (lib/policy/cidr.h).  A token written like a
 * network must parse as one, so that a typo is an error and never a
 * login: digits and dots with a dot, hex digits, dots and colons with two
 * colons, or a '/' with such an address before it or a number after it
 * ("user/admin@REALM" stays a login).  Any other token is a SASL login
 * (no control bytes; UTF-8 is fine).
 *
 * Logins: the part before the last '@' (all of a login without one) is
 * compared exactly, the domain after it without regard to case.  Postfix
 * passes sasl_username as the SASL server reports it, and Cyrus and
 * Dovecot keep the case of the user name unless configured to fold it,
 * while a domain name has no case.
 *
 * Errors name FILE:LINE and the token: a malformed or duplicate tenant
 * name, a tenant without networks or logins, a network with host bits set
 * (with the network it probably meant), a login or network given twice
 * (to one tenant or to two), a continuation line before any tenant, a NUL
 * byte, and every cap (lib/util/limits.h NG_RELAY_TENANT*, NG_RELAY_LOGIN_MAX).
 * Overlapping networks of different tenants are allowed: the longest
 * prefix wins.
 *
 * A map is immutable once built: any number of threads may look up in it
 * at the same time; ng_tenants_free() must not race with them.
 */
#ifndef NG_RELAY_TENANTS_H
#define NG_RELAY_TENANTS_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/cidr.h"

struct ng_tenants;

/* A tenant found by ng_tenants_lookup(). */
struct ng_tenant {
	const char *name; /* lives as long as the map */
	size_t index;     /* 0..count-1, in the order of the file */
	bool by_login;    /* found by the login; else by a network */
	unsigned bits;    /* the prefix length of that network (by network only) */
};

/* Read the map file at `path` (at most NG_RELAY_TENANTS_FILE_MAX bytes).
 * NULL with a message in err on a bad map, an unreadable file or when out
 * of memory. */
struct ng_tenants *ng_tenants_load(const char *path, char *err, size_t errlen);

/* The same from `len` bytes of `text`; `name` stands for the file in error
 * messages. */
struct ng_tenants *ng_tenants_parse(const char *name, const char *text, size_t len, char *err,
                                    size_t errlen);

/* NULL is fine. */
void ng_tenants_free(struct ng_tenants *t);

/* How many tenants; a tenant's name by index (NULL past the end). */
size_t ng_tenants_count(const struct ng_tenants *t);
const char *ng_tenants_name(const struct ng_tenants *t, size_t index);

/* The index of the tenant called `name`, or -1. */
long ng_tenants_find(const struct ng_tenants *t, const char *name);

/*
 * The tenant of a client: by SASL login first (NULL or "": none; a login
 * not in the map does not stop the search), then by the longest network
 * that holds `ip` (NULL: none).  True and *out filled when found.
 */
bool ng_tenants_lookup(const struct ng_tenants *t, const char *login, const struct ng_cidr_addr *ip,
                       struct ng_tenant *out);

/* The same with the address in text (as Postfix's client_address); an
 * address that does not parse matches no network. */
bool ng_tenants_lookup_text(const struct ng_tenants *t, const char *login, const char *ip,
                            struct ng_tenant *out);

#endif
