/*
 * buf.c - growable capped buffer and JSON string escaping.
 */
#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ng_buf_init(ng_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max < SIZE_MAX ? max : SIZE_MAX - 1; /* room for the NUL */
}

void ng_buf_free(ng_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void ng_buf_reset(ng_buf *b)
{
	b->len = 0;
	b->overflow = false;
	b->failed = false;
	if (b->data)
		b->data[0] = '\0';
}

static bool reserve(ng_buf *b, size_t need)
{
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			b->failed = true;
			return false;
		}
		cap *= 2;
	}
	if (cap > b->max + 1)
		cap = b->max + 1;
	char *p = realloc(b->data, cap);
	if (p == NULL) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void ng_buf_append(ng_buf *b, const void *data, size_t len)
{
	if (len > b->max - b->len) {
		len = b->max - b->len;
		b->overflow = true;
	}
	if (!reserve(b, b->len + len + 1))
		return;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void ng_buf_puts(ng_buf *b, const char *s)
{
	ng_buf_append(b, s, strlen(s));
}

void ng_buf_printf(ng_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(tmp)) {
		n = (int)sizeof(tmp) - 1;
		b->overflow = true;
	}
	ng_buf_append(b, tmp, (size_t)n);
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t need;
	unsigned min;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		need = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		need = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		need = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

void ng_buf_json_str(ng_buf *b, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	ng_buf_append(b, "\"", 1);
	while (i < len) {
		size_t run = i;
		while (run < len && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		if (run > i) {
			ng_buf_append(b, s + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			ng_buf_append(b, esc, 2);
			i++;
		} else if (c < 0x20) {
			char esc[8];
			int n;
			if (c == '\n')
				n = snprintf(esc, sizeof(esc), "\\n");
			else if (c == '\t')
				n = snprintf(esc, sizeof(esc), "\\t");
			else if (c == '\r')
				n = snprintf(esc, sizeof(esc), "\\r");
			else
				n = snprintf(esc, sizeof(esc), "\\u%04x", c);
			ng_buf_append(b, esc, (size_t)n);
			i++;
		} else {
			size_t u = utf8_len(s + i, len - i);
			if (u == 0) {
				ng_buf_append(b, "\\ufffd", 6);
				i++;
			} else {
				ng_buf_append(b, s + i, u);
				i += u;
			}
		}
	}
	ng_buf_append(b, "\"", 1);
}
