/*
 * siphash.h - SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed hash for
 * hash tables whose keys come from peers (DNSBL cache, bounce budgets), so
 * that nobody who does not know the 16-byte key can aim collisions at one
 * bucket.  Pure function; thread-safe.
 */
#ifndef NG_UTIL_SIPHASH_H
#define NG_UTIL_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t ng_siphash24(const uint8_t key[16], const uint8_t *in, size_t len);

#endif
