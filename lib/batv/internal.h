/*
 * internal.h - what the files of lib/batv share: the domain check that
 * both ng_batv_new() (batv.c) and the configuration reader (config.c) use,
 * so that a bad batv_domains item is refused with the same words.
 */
#ifndef NG_BATV_INTERNAL_H
#define NG_BATV_INTERNAL_H

#include <stddef.h>

/* 0 when d looks like a domain (1..255 printable bytes, no '@', ',', '<',
 * '>' or white space), else -1 with "'D': not a domain" in err. */
int ng_batv_domain_check(const char *d, char *err, size_t errlen);

#endif
