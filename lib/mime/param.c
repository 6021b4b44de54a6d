/*
 * param.c - parameters of structured header values (RFC 2045, RFC 2231):
 * Content-Type's charset, boundary and report-type, Content-Disposition's
 * file name.  Quoted strings are units; "name*" and "name*0*" values are
 * RFC 2231-decoded; continuations beyond the first segment are not joined.
 */
#include <ndrguard/mime.h>

#include "mime/codec.h"
#include "mime/param.h"
#include "util/str.h"

#include <string.h>
#include <strings.h>

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The next parameter at or after *pos; false when there is none.  Quoted
 * strings are skipped as units, so a ';' inside quotes separates nothing.
 */
bool ng_mime_param_next(const char *v, size_t len, size_t *pos, struct ng_mime_param *pm)
{
	size_t i = *pos;
	bool in_quote = false;

	while (i < len) {
		if (in_quote) {
			if (v[i] == '\\' && i + 1 < len)
				i++;
			else if (v[i] == '"')
				in_quote = false;
			i++;
			continue;
		}
		if (v[i] == '"') {
			in_quote = true;
			i++;
			continue;
		}
		if (v[i] != ';') {
			i++;
			continue;
		}
		i++;
		while (i < len && (is_wsp(v[i]) || v[i] == '\r' || v[i] == '\n'))
			i++;
		size_t k = i;
		while (k < len && v[k] != '=' && v[k] != ';' && !is_wsp(v[k]))
			k++;
		size_t klen = k - i;
		while (k < len && is_wsp(v[k]))
			k++;
		if (k >= len || v[k] != '=' || klen == 0) {
			i = k;
			continue;
		}
		pm->name = v + i;
		pm->nlen = klen;
		pm->encoded = false;
		if (klen >= 3 && memcmp(v + i + klen - 3, "*0*", 3) == 0) {
			pm->nlen -= 3;
			pm->encoded = true;
		} else if (klen >= 2 && memcmp(v + i + klen - 2, "*0", 2) == 0) {
			pm->nlen -= 2;
		} else if (v[i + klen - 1] == '*') {
			pm->nlen -= 1;
			pm->encoded = true;
		}
		k++;
		while (k < len && is_wsp(v[k]))
			k++;
		pm->quoted = k < len && v[k] == '"';
		if (pm->quoted) {
			size_t st = ++k;
			while (k < len && v[k] != '"') {
				if (v[k] == '\\' && k + 1 < len)
					k++;
				k++;
			}
			pm->val = v + st;
			pm->vlen = (k < len ? k : len) - st;
			if (k < len)
				k++;
		} else {
			size_t st = k;
			while (k < len && v[k] != ';' && !is_wsp(v[k]))
				k++;
			pm->val = v + st;
			pm->vlen = k - st;
		}
		*pos = k;
		return true;
	}
	*pos = len;
	return false;
}

/* The value of a parameter, unquoted and RFC 2231-decoded, NUL-terminated. */
void ng_mime_param_value(const struct ng_mime_param *pm, char *out, size_t cap)
{
	const char *s = pm->val;
	size_t n = pm->vlen;
	size_t o = 0;

	if (pm->quoted) {
		for (size_t j = 0; j < n && o + 1 < cap; j++) {
			if (s[j] == '\\' && j + 1 < n)
				j++;
			out[o++] = s[j];
		}
		out[o] = '\0';
		return;
	}
	if (pm->encoded) { /* RFC 2231: charset'lang'value */
		const char *q = memchr(s, '\'', n);
		const char *q2 = q ? memchr(q + 1, '\'', n - (size_t)(q + 1 - s)) : NULL;
		if (q2 != NULL) {
			n -= (size_t)(q2 + 1 - s);
			s = q2 + 1;
		}
	}
	for (size_t j = 0; j < n && o + 1 < cap; j++) {
		if (pm->encoded && s[j] == '%' && j + 2 < n && ng_hexval(s[j + 1]) >= 0 &&
		    ng_hexval(s[j + 2]) >= 0) {
			out[o++] = (char)(ng_hexval(s[j + 1]) * 16 + ng_hexval(s[j + 2]));
			j += 2;
		} else {
			out[o++] = s[j];
		}
	}
	out[o] = '\0';
}

bool ng_mime_param_is(const struct ng_mime_param *pm, const char *name, size_t nlen)
{
	return pm->nlen == nlen && strncasecmp(pm->name, name, nlen) == 0;
}

bool ng_mime_param(const char *v, size_t len, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name);
	size_t pos = 0;
	struct ng_mime_param pm;

	if (cap == 0)
		return false;
	while (ng_mime_param_next(v, len, &pos, &pm)) {
		if (ng_mime_param_is(&pm, name, nlen)) {
			ng_mime_param_value(&pm, out, cap);
			return true;
		}
	}
	return false;
}
