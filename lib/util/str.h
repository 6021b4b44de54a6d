/*
 * str.h - the two string chores every parser here has: copying into a
 * fixed buffer, cut to fit, and reading a hexadecimal digit.
 *
 * The copy never fails and always terminates: a caller whose field is
 * capped (lib/util/limits.h) takes the first cap - 1 bytes.  memcpy, not
 * snprintf("%s"), so that cutting is the intent and not a warning.
 */
#ifndef NG_UTIL_STR_H
#define NG_UTIL_STR_H

#include <stddef.h>
#include <string.h>

/* n bytes of src into dst (cap >= 1 bytes), cut to cap - 1, then a NUL;
 * the length copied. */
static inline size_t ng_str_copyn(char *dst, size_t cap, const char *src, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

/* The NUL-terminated src into dst, as ng_str_copyn(). */
static inline size_t ng_str_copy(char *dst, size_t cap, const char *src)
{
	return ng_str_copyn(dst, cap, src, strlen(src));
}

/* The value of a hexadecimal digit (either case), or -1. */
static inline int ng_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
