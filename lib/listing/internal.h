/*
 * internal.h - what the files of lib/listing share (listing.h is the
 * contract; nothing here is exported beyond the module).
 *
 *   net.c      categories, networks, keys, address text forms
 *   record.c   the stored form of a record; evidence redaction
 *   listing.c  hits, manual changes, reads and scans in the store
 *   export.c   rbldnsd datasets and the text table; dnsbld_codes
 *   import.c   the import parser
 */
#ifndef NG_LISTING_INTERNAL_H
#define NG_LISTING_INTERNAL_H

#include <ndrguard/listing.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Seconds in a day; listing durations are whole days. */
#define LST_DAY 86400

/* IPv4 in rbldnsd's loose forms: 1 to 4 decimal octets ("127", "127.0.0",
 * "127.0.0.1") in s[0..len); *octets is how many were given, the rest of
 * out zero.  False when not that. */
bool lst_v4_parse(const char *s, size_t len, uint8_t out[4], unsigned *octets);

/* An IPv6 address in s[0..len): any inet_pton() form, or 1 to 7 words
 * without "::" (the rest zero; *implied = 16 x words); a full address has
 * *implied = 128.  False when not one. */
bool lst_v6_parse(const char *s, size_t len, uint8_t out[16], unsigned *implied);

/* A prefix length: 1 to 3 decimal digits in s[0..len), at most max. */
bool lst_prefix_parse(const char *s, size_t len, unsigned max, unsigned *out);

/* n with its address cut to its prefix (host bits zeroed). */
void lst_net_mask(struct ng_listing_net *n);
/* Are n's host bits zero (and its prefix within its family)? */
bool lst_net_valid(const struct ng_listing_net *n);
/* A v6 network inside ::ffff:0:0/96 (prefix >= 96) turned into IPv4. */
void lst_net_unmap(struct ng_listing_net *n);

/* "bounce,autoreply" (or "-": 0) into a mask of listing categories;
 * false on an unknown or non-listing name. */
bool lst_cats_parse(const char *s, size_t len, unsigned *mask);

#endif
