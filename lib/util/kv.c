/*
 * kv.c - "key=value" record lines (kv.h).
 */
#include "util/kv.h"
#include "util/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ng_kv_putn(ng_buf *b, const char *key, const void *value, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *v = value;
	char tmp[256];
	size_t o = 0;
	ng_buf_puts(b, key);
	ng_buf_append(b, "=", 1);
	for (size_t i = 0; i < len; i++) {
		if (o + 4 > sizeof(tmp)) {
			ng_buf_append(b, tmp, o);
			o = 0;
		}
		unsigned char c = v[i];
		if (c == '\\') {
			tmp[o++] = '\\';
			tmp[o++] = '\\';
		} else if (c == '\n') {
			tmp[o++] = '\\';
			tmp[o++] = 'n';
		} else if (c == '\r') {
			tmp[o++] = '\\';
			tmp[o++] = 'r';
		} else if (c < 0x20 || c == 0x7f) {
			tmp[o++] = '\\';
			tmp[o++] = 'x';
			tmp[o++] = hex[c >> 4];
			tmp[o++] = hex[c & 15];
		} else {
			tmp[o++] = (char)c;
		}
	}
	tmp[o++] = '\n';
	ng_buf_append(b, tmp, o);
}

void ng_kv_put(ng_buf *b, const char *key, const char *value)
{
	ng_kv_putn(b, key, value != NULL ? value : "", value != NULL ? strlen(value) : 0);
}

void ng_kv_put_int(ng_buf *b, const char *key, long long n)
{
	char num[32];
	int w = snprintf(num, sizeof(num), "%lld", n);
	ng_kv_putn(b, key, num, w > 0 ? (size_t)w : 0);
}

void ng_kv_reader_init(struct ng_kv_reader *r, const void *rec, size_t len)
{
	r->p = rec;
	r->end = r->p + len;
}

bool ng_kv_next(struct ng_kv_reader *r, char *key, size_t kcap, char *val, size_t vcap, bool *cut)
{
	while (r->p < r->end) {
		const char *line = r->p;
		const char *nl = memchr(line, '\n', (size_t)(r->end - line));
		const char *le = nl != NULL ? nl : r->end;
		r->p = nl != NULL ? nl + 1 : r->end;
		const char *eq = memchr(line, '=', (size_t)(le - line));
		if (eq == NULL || eq == line)
			continue;
		ng_str_copyn(key, kcap, line, (size_t)(eq - line));
		size_t o = 0;
		bool c = false;
		for (const char *s = eq + 1; s < le; s++) {
			char ch = *s;
			if (ch == '\\' && s + 1 < le) {
				char e = *++s;
				if (e == 'n')
					ch = '\n';
				else if (e == 'r')
					ch = '\r';
				else if (e == 'x' && s + 2 < le && ng_hexval(s[1]) >= 0 &&
				         ng_hexval(s[2]) >= 0) {
					ch = (char)(ng_hexval(s[1]) * 16 + ng_hexval(s[2]));
					s += 2;
				} else
					ch = e;
			}
			if (o + 1 >= vcap) {
				c = true;
				break;
			}
			val[o++] = ch;
		}
		val[o] = '\0';
		if (cut != NULL)
			*cut = c;
		return true;
	}
	return false;
}

bool ng_kv_int(const char *val, long long *out)
{
	char *end;
	if (val[0] == '\0')
		return false;
	errno = 0;
	long long n = strtoll(val, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = n;
	return true;
}
