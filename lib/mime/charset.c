/*
 * charset.c - iconv-based conversion to UTF-8 with a descriptor cache.
 *
 * Bounce messages arrive in every charset mail has ever used: ISO-2022-JP
 * from Japanese carriers, Shift_JIS, ISO-8859-x and Windows-125x from
 * European MTAs, KS C 5601 from Korean ones.  Names are mapped to what glibc
 * calls them (the aliases below), descriptors are cached per handle, and the
 * stateful ISO-2022 converters are reset before every call so that a line
 * never depends on the previous one.
 */
#include "mime/charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CACHE_SLOTS 6

struct slot {
	char name[64];
	iconv_t cd; /* (iconv_t)-1 when the charset is unknown */
	unsigned long long used;
};

struct ng_charset {
	struct slot slot[CACHE_SLOTS];
	unsigned long long clock;
};

/* MIME names that glibc does not know, or knows under another name. */
static const struct {
	const char *mime;
	const char *glibc;
} aliases[] = {
    {"ks_c_5601-1987", "CP949"},
    {"ks_c_5601", "CP949"},
    {"x-sjis", "SHIFT_JIS"},
    {"shift-jis", "SHIFT_JIS"},
    {"sjis", "SHIFT_JIS"},
    {"x-euc-jp", "EUC-JP"},
    {"gb2312", "GB18030"},
    {"gbk", "GB18030"},
    {"x-gbk", "GB18030"},
    {"iso-8859-8-i", "ISO-8859-8"},
    {"unicode-1-1-utf-7", "UTF-7"},
    {"x-unknown", "ISO-8859-1"},
    {"unknown-8bit", "ISO-8859-1"},
    {"x-user-defined", "ISO-8859-1"},
    {"iso-2022-jp-2", "ISO-2022-JP-2"},
    {"cp932", "CP932"},
    {"windows-31j", "CP932"},
};

ng_charset *ng_charset_new(void)
{
	ng_charset *cs = calloc(1, sizeof(*cs));
	if (cs == NULL)
		return NULL;
	for (int i = 0; i < CACHE_SLOTS; i++)
		cs->slot[i].cd = (iconv_t)-1;
	return cs;
}

void ng_charset_free(ng_charset *cs)
{
	if (cs == NULL)
		return;
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (cs->slot[i].name[0] != '\0' && cs->slot[i].cd != (iconv_t)-1)
			iconv_close(cs->slot[i].cd);
	free(cs);
}

bool ng_charset_is_utf8(const char *c)
{
	return c[0] == '\0' || strcasecmp(c, "utf-8") == 0 || strcasecmp(c, "us-ascii") == 0 ||
	       strcasecmp(c, "utf8") == 0 || strcasecmp(c, "ascii") == 0 ||
	       strcasecmp(c, "ansi_x3.4-1968") == 0 || strcasecmp(c, "default") == 0;
}

bool ng_charset_ascii_compatible(const char *c)
{
	return !(strncasecmp(c, "utf-7", 5) == 0 || strncasecmp(c, "utf-16", 6) == 0 ||
	         strncasecmp(c, "utf-32", 6) == 0 || strncasecmp(c, "ucs-2", 5) == 0 ||
	         strncasecmp(c, "ucs-4", 5) == 0 || strncasecmp(c, "hz", 2) == 0 ||
	         strcasecmp(c, "unicode-1-1-utf-7") == 0 || strcasecmp(c, "unicode") == 0);
}

bool ng_charset_needs_conv(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 || c == 0x1b)
			return true;
	}
	return false;
}

static iconv_t lookup(ng_charset *cs, const char *charset)
{
	struct slot *victim = &cs->slot[0];

	for (int i = 0; i < CACHE_SLOTS; i++) {
		struct slot *s = &cs->slot[i];
		if (s->name[0] != '\0' && strcasecmp(s->name, charset) == 0) {
			s->used = ++cs->clock;
			return s->cd;
		}
		if (s->used < victim->used)
			victim = s;
	}
	if (victim->name[0] != '\0' && victim->cd != (iconv_t)-1)
		iconv_close(victim->cd);

	const char *name = charset;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(aliases[i].mime, charset) == 0)
			name = aliases[i].glibc;
	size_t n = strlen(charset);
	if (n >= sizeof(victim->name))
		n = sizeof(victim->name) - 1;
	memcpy(victim->name, charset, n);
	victim->name[n] = '\0';
	victim->cd = iconv_open("UTF-8", name);
	victim->used = ++cs->clock;
	return victim->cd;
}

/* Append the UTF-8 replacement character if it fits. */
static size_t put_replacement(char *out, size_t o, size_t cap)
{
	if (cap - o >= 3) {
		out[o++] = (char)0xef;
		out[o++] = (char)0xbf;
		out[o++] = (char)0xbd;
	}
	return o;
}

size_t ng_charset_to_utf8(ng_charset *cs, const char *charset, const char *in, size_t len,
                          char *out, size_t cap, unsigned *errors)
{
	if (cap == 0)
		return 0;
	iconv_t cd = lookup(cs, charset);
	if (cd == (iconv_t)-1) {
		(*errors)++;
		size_t n = len < cap ? len : cap;
		memcpy(out, in, n);
		return n;
	}
	iconv(cd, NULL, NULL, NULL, NULL); /* reset shift state */

	char *ip = (char *)(uintptr_t)in;
	size_t il = len;
	char *op = out;
	size_t ol = cap;
	while (il > 0) {
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			break;
		/* EILSEQ or EINVAL: replace one byte and go on. */
		(*errors)++;
		size_t o = put_replacement(out, (size_t)(op - out), cap);
		op = out + o;
		ol = cap - o;
		ip++;
		il--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	/* Flush a pending shift sequence (ISO-2022) if room remains. */
	iconv(cd, NULL, NULL, &op, &ol);
	return (size_t)(op - out);
}
