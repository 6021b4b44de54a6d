/*
 * ac.h - Aho-Corasick multi-pattern matcher, ASCII case-insensitive.
 *
 * The classifier matches hundreds of error phrases against every diagnostic
 * text it sees, so matching is one pass over the text whatever the number of
 * patterns.  Patterns are added to an automaton, the automaton is built once
 * (failure links folded into transition tables over byte classes), and
 * from then on it is immutable: any number of threads may scan with the same
 * automaton concurrently without locking.  Nothing is global.
 *
 * Matching folds ASCII A-Z to a-z on both patterns and text; every other byte
 * (including UTF-8 and NUL) matches only itself.  Every occurrence of every
 * pattern is reported, overlapping ones and patterns that are suffixes of
 * other patterns included, in order of their end offset (ties: longer
 * pattern first).
 *
 * Ownership: ng_ac_new() returns an object the caller frees with ng_ac_free().
 * Pattern bytes are copied; the caller's buffers are not kept.
 */
#ifndef NG_UTIL_AC_H
#define NG_UTIL_AC_H

#include <stddef.h>
#include <stdint.h>

typedef struct ng_ac ng_ac;

/*
 * Create an empty automaton in its building phase.  Returns NULL when memory
 * runs out.
 */
ng_ac *ng_ac_new(void);

/*
 * Add the pattern pat[0..len) with the caller's identifier id (reported back
 * by ng_ac_scan; several patterns may share an id, and the same bytes may be
 * added twice under different ids).  Only before ng_ac_build().  Returns 0,
 * or -1 when memory runs out, the automaton is already built, or len is 0
 * (an empty pattern would match everywhere).  On -1 the automaton is
 * unchanged and still usable.
 */
int ng_ac_add(ng_ac *ac, const char *pat, size_t len, uint32_t id);

/*
 * Compute failure links and the transition tables, and end the building
 * phase.  Building an automaton with no patterns is allowed (it never
 * matches).  Returns 0, or -1 when memory runs out (the automaton then stays
 * in its building phase and may be freed or built again); also -1 when the
 * automaton would have more than 32,767 states (table entries are 16 bits,
 * one of them a flag; a phrase table of a few thousand phrases needs some
 * ten thousand).
 * Calling it again after success is a no-op returning 0.
 */
int ng_ac_build(ng_ac *ac);

/*
 * Called for each match: id as given to ng_ac_add, end = offset in the text
 * just past the last byte of the match.  Return nonzero to stop the scan.
 */
typedef int (*ng_ac_hit_fn)(void *ctx, uint32_t id, size_t end);

/*
 * Scan s[0..len) (binary-safe; NUL is an ordinary byte) and report every
 * match to fn.  The automaton must be built; scanning one that is not built
 * reports nothing.  Returns 1 if fn stopped the scan, else 0.  Thread-safe
 * for concurrent scans of the same automaton.
 */
int ng_ac_scan(const ng_ac *ac, const char *s, size_t len, ng_ac_hit_fn fn, void *ctx);

/* Free the automaton and everything it owns.  NULL is allowed. */
void ng_ac_free(ng_ac *ac);

/*
 * Number of states (trie nodes including the root) of the built automaton,
 * 0 before ng_ac_build() succeeded.  For size reports and tests.
 */
size_t ng_ac_states(const ng_ac *ac);

#endif /* NG_UTIL_AC_H */
