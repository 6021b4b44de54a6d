/*
 * text.c - scanners for addresses and codes in delivery-report text.
 *
 * The contracts are in text.h.  No state, no allocation: safe from any
 * thread.
 */
#include "classify/text.h"
#include "util/str.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_local_char(char c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~.-", c) != NULL) ||
	       (unsigned char)c >= 0x80;
}

static bool is_domain_char(char c)
{
	return is_alnum(c) || c == '.' || c == '-' || c == '_' || (unsigned char)c >= 0x80;
}

/* "CODE :550": a colon after white space labels the code (not "host:587"). */
static bool spaced_colon(const char *s, size_t i)
{
	return i >= 2 && s[i - 1] == ':' && (s[i - 2] == ' ' || s[i - 2] == '\t');
}

/* RFC 5321 limits: a longer run is not taken for an address, and no '@'
 * makes the scanner look further than these, so a hostile line such as
 * "[@[@[@..." costs linear time. */
#define LOCAL_MAX   64
#define DOMAIN_MAX  255
#define LITERAL_MAX 64

bool ng_text_find_addr(const char *s, size_t len, size_t from, size_t *at, size_t *alen)
{
	size_t i = from;

	while (i < len) {
		const char *a = memchr(s + i, '@', len - i);
		if (a == NULL)
			return false;
		size_t pos = (size_t)(a - s);
		i = pos + 1;
		size_t l = pos;
		while (l > from && pos - l <= LOCAL_MAX && is_local_char(s[l - 1]))
			l--;
		if (pos - l > LOCAL_MAX)
			continue;
		while (l < pos && (s[l] == '.' || s[l] == '\'' || s[l] == '='))
			l++; /* "=" of key=value, quotes, a dot are not the address */
		if (l == pos)
			continue;
		size_t r = pos + 1;
		bool bracket = r < len && s[r] == '[';
		if (bracket) {
			while (r < len && r - pos <= LITERAL_MAX && s[r] != ']')
				r++;
			if (r >= len || s[r] != ']')
				continue;
			r++;
		} else {
			while (r < len && r - pos <= DOMAIN_MAX && is_domain_char(s[r]))
				r++;
			if (r - pos > DOMAIN_MAX)
				continue;
			while (r > pos + 1 && (s[r - 1] == '.' || s[r - 1] == '-'))
				r--;
		}
		bool dot = bracket || memchr(s + pos + 1, '.', r - pos - 1) != NULL;
		if (r > pos + 2 && dot) {
			*at = l;
			*alen = r - l;
			return true;
		}
	}
	return false;
}

/* "550-5.1.1": the status after the reply code of a multi-line reply. */
static bool reply_dash(const char *s, size_t i)
{
	return i >= 4 && s[i - 1] == '-' && is_digit(s[i - 2]) && is_digit(s[i - 3]) &&
	       s[i - 4] == s[i] && (i == 4 || !is_alnum(s[i - 5]));
}

/* The status scan behind ng_text_find_status*: fail skips class 2. */
static bool find_status(const char *s, size_t len, char *out, size_t cap, bool fail)
{
	/* every status has a '.' right after its class digit: jump from one
	 * '.' to the next instead of testing every byte */
	for (size_t i = 0; i + 4 < len; i++) {
		const char *dot = memchr(s + i + 1, '.', len - i - 1);
		if (dot == NULL)
			return false;
		i = (size_t)(dot - s) - 1;
		if (i + 4 >= len)
			return false;
		char c = s[i];
		if (c != '2' && c != '4' && c != '5')
			continue;
		if (fail && c == '2')
			continue;
		if (s[i + 1] != '.')
			continue;
		if (i > 0 &&
		    (is_alnum(s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '-' || s[i - 1] == '/' ||
		     (s[i - 1] == ':' && !spaced_colon(s, i))) &&
		    !reply_dash(s, i))
			continue;
		size_t k = i + 2;
		size_t d1 = k;
		while (k < len && is_digit(s[k]) && k - d1 < 3)
			k++;
		if (k == d1 || k >= len || s[k] != '.')
			continue;
		k++;
		size_t d2 = k;
		while (k < len && is_digit(s[k]) && k - d2 < 3)
			k++;
		if (k == d2)
			continue;
		if (k < len &&
		    (is_digit(s[k]) || (s[k] == '.' && k + 1 < len && is_digit(s[k + 1]))))
			continue; /* an address or a version, not a status */
		size_t n = k - i;
		if (n >= cap)
			return false;
		memcpy(out, s + i, n);
		out[n] = '\0';
		return true;
	}
	return false;
}

bool ng_text_find_status(const char *s, size_t len, char *out, size_t cap)
{
	return find_status(s, len, out, cap, false);
}

bool ng_text_find_status_fail(const char *s, size_t len, char *out, size_t cap)
{
	return find_status(s, len, out, cap, true);
}

int ng_text_find_reply(const char *s, size_t len)
{
	return ng_text_find_reply_class(s, len, 0);
}

int ng_text_find_reply_fail(const char *s, size_t len)
{
	return ng_text_find_reply_class(s, len, 'f');
}

int ng_text_find_reply_class(const char *s, size_t len, char first)
{
	for (size_t i = 0; i + 2 < len; i++) {
		char c = s[i];
		if (c != '2' && c != '4' && c != '5')
			continue;
		if (first != 0 && c != first && !(first == 'f' && c != '2'))
			continue;
		if (!is_digit(s[i + 1]) || !is_digit(s[i + 2]))
			continue;
		if (i > 0 && (is_alnum(s[i - 1]) || strchr(".-:/[#_+=", s[i - 1]) != NULL) &&
		    !spaced_colon(s, i))
			continue;
		if (i + 3 < len && !(s[i + 3] == ' ' || s[i + 3] == '-' || s[i + 3] == ')' ||
		                     (s[i + 3] == ':' && (i + 4 == len || s[i + 4] == ' ')) ||
		                     s[i + 3] == '\t' || s[i + 3] == ',' || s[i + 3] == '"' ||
		                     s[i + 3] == ']' || s[i + 3] == ';' || s[i + 3] == '\''))
			continue;
		if (s[i + 1] > '5')
			continue;
		return (c - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	}
	return 0;
}

/* Bytes that count as white space when squeezing. */
static const unsigned char squeeze_ws[256] = {[' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1};

/*
 * The first position at or after i where the text needs a change: white
 * space other than one ' ' between two other bytes.  Eight bytes at a time:
 * only bytes below 0x21 can be white space, and a carry-free per-byte test
 * flags exactly those in a word.
 */
static size_t next_change(const unsigned char *in, size_t i, size_t len)
{
	while (i < len) {
		while (i + 8 <= len) {
			uint64_t x;
			memcpy(&x, in + i, 8);
			/* exact per byte, no carries between bytes: the high bit of
			 * (b & 0x7f) + 0x5f is set iff b & 0x7f >= 0x21 */
			uint64_t t = ~(((x & 0x7f7f7f7f7f7f7f7fULL) + 0x5f5f5f5f5f5f5f5fULL) | x) &
			             0x8080808080808080ULL;
			if (t != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
				i += (size_t)__builtin_clzll(t) >> 3;
#else
				i += (size_t)__builtin_ctzll(t) >> 3;
#endif
				break;
			}
			i += 8;
		}
		while (i < len && in[i] > 0x20)
			i++;
		if (i >= len)
			return len;
		if (squeeze_ws[in[i]] && !(in[i] == ' ' && i + 1 < len && !squeeze_ws[in[i + 1]]))
			return i;
		i++; /* a single space, or a control character: kept */
	}
	return len;
}

size_t ng_text_squeeze(char *out, size_t cap, const char *s, size_t len)
{
	const unsigned char *in = (const unsigned char *)s;
	size_t o = 0;
	size_t i = 0;

	if (cap == 0)
		return 0;
	while (i < len && squeeze_ws[in[i]])
		i++;
	while (i < len && o + 1 < cap) {
		/* everything up to the next change is copied as one block */
		size_t j = next_change(in, i, len);
		size_t n = j - i;
		if (n > cap - 1 - o)
			n = cap - 1 - o;
		memcpy(out + o, in + i, n);
		o += n;
		i = j;
		while (i < len && squeeze_ws[in[i]])
			i++;
		if (i < len && o + 1 < cap)
			out[o++] = ' ';
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o;
}

void ng_text_append_sq(char *buf, size_t cap, const char *s, size_t len)
{
	while (len > 0 && s[0] == ' ')
		s++, len--;
	while (len > 0 && s[len - 1] == ' ')
		len--;
	ng_text_append_sq_at(buf, cap, strlen(buf), s, len);
}

size_t ng_text_append_sq_at(char *buf, size_t cap, size_t used, const char *s, size_t len)
{
	if (len == 0 || used + 2 >= cap)
		return used;
	if (used > 0)
		buf[used++] = ' ';
	if (len > cap - 1 - used)
		len = cap - 1 - used;
	memcpy(buf + used, s, len);
	buf[used + len] = '\0';
	return used + len;
}

void ng_text_append(char *buf, size_t cap, const char *s, size_t len)
{
	size_t n = strlen(buf);
	if (n + 2 >= cap)
		return;
	size_t used = n;
	if (n > 0)
		buf[n++] = ' ';
	if (ng_text_squeeze(buf + n, cap - n, s, len) == 0)
		buf[used] = '\0';
}

size_t ng_text_dsn_addr(const char *v, size_t len, char *out, size_t cap)
{
	const char *semi = memchr(v, ';', len);
	if (semi != NULL) {
		len -= (size_t)(semi + 1 - v);
		v = semi + 1;
	}
	while (len > 0 && (*v == ' ' || *v == '\t' || *v == '<' || *v == '"'))
		v++, len--;
	/* up to white space, a delimiter, or a control character: an address
	 * never holds one, and a terminal must never be sent one */
	size_t n = 0;
	while (n < len && (unsigned char)v[n] > 0x20 && v[n] != 0x7f && v[n] != '>' &&
	       v[n] != '"' && v[n] != '(')
		n++;
	return ng_str_copyn(out, cap, v, n);
}

void ng_text_lower(char *out, size_t cap, const char *s, size_t len)
{
	if (cap == 0)
		return;
	if (len >= cap)
		len = cap - 1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	out[len] = '\0';
}

bool ng_text_contains(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return true;
	/* compare only where the first byte matches (needle is lower-case) */
	char first = needle[0];
	for (size_t i = 0; i + n <= len; i++)
		if ((s[i] == first || (s[i] | 0x20) == first) && strncasecmp(s + i, needle, n) == 0)
			return true;
	return false;
}

/* Does s[0..len) hold the 4 bytes p[0..4)? */
static bool has4(const char *s, size_t len, const char *p)
{
	for (size_t i = 0; i + 4 <= len; i++) {
		const char *q = memchr(s + i, p[0], len - i - 3);
		if (q == NULL)
			return false;
		if (memcmp(q, p, 4) == 0)
			return true;
		i = (size_t)(q - s);
	}
	return false;
}

size_t ng_text_reply_cont(const char *s, size_t len, const char *prev, size_t prevlen)
{
	if (len < 4 || s[0] < '2' || s[0] > '5' || !is_digit(s[1]) || !is_digit(s[2]) ||
	    (s[3] != '-' && s[3] != ' '))
		return 0;
	char want[4] = {s[0], s[1], s[2], '-'};
	if (!has4(prev, prevlen, want))
		return 0;
	size_t k = 4;
	/* and the enhanced status repeated on every line */
	if (k + 5 <= len && s[k] == s[0] && s[k + 1] == '.') {
		size_t j = k + 2;
		while (j < len && is_digit(s[j]))
			j++;
		if (j < len && s[j] == '.' && j > k + 2) {
			size_t d = ++j;
			while (j < len && is_digit(s[j]))
				j++;
			if (j > d && (j == len || s[j] == ' '))
				k = j < len ? j + 1 : j;
		}
	}
	return k;
}
