/*
 * config.c - read, check, hold and print the configuration (config.h).
 *
 * The file is read whole (it is small and local) and cut into logical
 * lines: a line that starts with white space continues the one before, as
 * in Postfix main.cf; blank lines and lines whose first non-blank character
 * is '#' are skipped (and do not end a logical line's continuation).  Each
 * logical line must be `name = value`.  Values are checked against the
 * key's row in keys.c and stored parsed; the first bad line ends the load
 * with "FILE:LINE: ..." in the caller's buffer.
 */
#include "ndrguard/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/file.h"
#include "util/limits.h"

struct value {
	char *text;    /* the value as it is printed (canonical) */
	long long num; /* int, time (seconds), bool */
	char **items;  /* list: NULL-terminated array */
	size_t nitems;
	char *where; /* "default", "FILE:LINE" or "-o" */
	bool set;    /* by the file or -o */
};

struct ng_config {
	struct value v[NG_K__COUNT];
};

static void errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void value_clear(struct value *v)
{
	free(v->text);
	if (v->items != NULL) {
		for (size_t i = 0; i < v->nitems; i++)
			free(v->items[i]);
		free(v->items);
	}
	free(v->where);
	memset(v, 0, sizeof(*v));
}

static bool is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* [s, *len) without leading and trailing white space. */
static const char *trim(const char *s, size_t *len)
{
	size_t n = *len;
	while (n > 0 && is_blank((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_blank((unsigned char)s[n - 1]))
		n--;
	*len = n;
	return s;
}

/* A decimal number with an optional unit (time); false on anything else. */
static bool parse_number(const char *s, bool is_time, long long *out, const char **why)
{
	const char *p = s;
	bool neg = false;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	if (!isdigit((unsigned char)*p)) {
		*why = is_time ? "not a time (NUMBER with unit s, m, h, d or w)" : "not a number";
		return false;
	}
	long long n = 0;
	for (; isdigit((unsigned char)*p); p++) {
		int d = *p - '0';
		if (n > (LLONG_MAX - d) / 10) {
			*why = "number too large";
			return false;
		}
		n = n * 10 + d;
	}
	long long mul = 1;
	if (is_time && *p != '\0') {
		switch (tolower((unsigned char)*p)) {
		case 's':
			mul = 1;
			break;
		case 'm':
			mul = 60;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'd':
			mul = 86400;
			break;
		case 'w':
			mul = 7 * 86400;
			break;
		default:
			*why = "unknown time unit (use s, m, h, d or w)";
			return false;
		}
		p++;
	}
	if (*p != '\0') {
		*why = is_time ? "not a time (NUMBER with unit s, m, h, d or w)" : "not a number";
		return false;
	}
	if (n > LLONG_MAX / mul) {
		*why = "number too large";
		return false;
	}
	*out = neg ? -(n * mul) : n * mul;
	return true;
}

static bool parse_bool(const char *s, long long *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return true;
		}
	}
	return false;
}

/* The canonical spelling of s among "a|b|c", or NULL. */
static const char *enum_match(const char *choices, const char *s, size_t *len)
{
	size_t sl = strlen(s);
	for (const char *p = choices; *p != '\0';) {
		const char *bar = strchr(p, '|');
		size_t n = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (n == sl && strncasecmp(p, s, n) == 0) {
			*len = n;
			return p;
		}
		p += n + (bar != NULL);
	}
	return NULL;
}

/* Split a list value at commas and white space into v->items. */
static int split_list(const char *s, struct value *v)
{
	size_t cap = 0;
	for (const char *p = s;;) {
		while (*p == ',' || is_blank((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		const char *b = p;
		while (*p != '\0' && *p != ',' && !is_blank((unsigned char)*p))
			p++;
		if (v->nitems + 2 > cap) {
			size_t ncap = cap ? cap * 2 : 8;
			char **n = realloc(v->items, ncap * sizeof(*n));
			if (n == NULL)
				return -1;
			v->items = n;
			cap = ncap;
		}
		v->items[v->nitems] = strndup(b, (size_t)(p - b));
		if (v->items[v->nitems] == NULL)
			return -1;
		v->nitems++;
		v->items[v->nitems] = NULL;
	}
	return 0;
}

/* Join the list with ", " into v->text. */
static int join_list(struct value *v)
{
	size_t n = 1;
	for (size_t i = 0; i < v->nitems; i++)
		n += strlen(v->items[i]) + 2;
	v->text = malloc(n);
	if (v->text == NULL)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < v->nitems; i++) {
		size_t l = strlen(v->items[i]);
		if (i > 0) {
			memcpy(v->text + o, ", ", 2);
			o += 2;
		}
		memcpy(v->text + o, v->items[i], l);
		o += l;
	}
	v->text[o] = '\0';
	return 0;
}

/* Parse `s` (trimmed, NUL-terminated) for key k into a fresh *v: 0, -1 for
 * a bad value, -2 when out of memory. */
static int parse_value(enum ng_key k, const char *s, struct value *v, char *why, size_t whylen)
{
	const struct ng_config_key *key = ng_config_key_info(k);
	const char *reason = NULL;
	memset(v, 0, sizeof(*v));
	switch (key->type) {
	case NG_CONF_STRING:
		v->text = strndup(s, strlen(s));
		break;
	case NG_CONF_INT:
	case NG_CONF_TIME:
		if (!parse_number(s, key->type == NG_CONF_TIME, &v->num, &reason)) {
			errf(why, whylen, "'%s': %s", s, reason);
			return -1;
		}
		if (v->num < key->min || v->num > key->max) {
			errf(why, whylen, "%s out of range (%lld..%lld%s)", s, key->min, key->max,
			     key->type == NG_CONF_TIME ? " seconds" : "");
			return -1;
		}
		v->text = strndup(s, strlen(s));
		break;
	case NG_CONF_BOOL:
		if (!parse_bool(s, &v->num)) {
			errf(why, whylen, "'%s' is not yes or no", s);
			return -1;
		}
		v->text = strndup(v->num ? "yes" : "no", v->num ? 3 : 2);
		break;
	case NG_CONF_ENUM: {
		size_t n = 0;
		const char *c = enum_match(key->choices, s, &n);
		if (c == NULL) {
			errf(why, whylen, "'%s' is not one of %s", s, key->choices);
			return -1;
		}
		v->text = strndup(c, n);
		break;
	}
	case NG_CONF_LIST:
		if (split_list(s, v) != 0 || join_list(v) != 0) {
			value_clear(v);
			errf(why, whylen, "out of memory");
			return -2;
		}
		break;
	case NG_CONF_LISTEN: {
		struct ng_listen l;
		char e[160];
		if (ng_listen_parse(s, &l, e, sizeof(e)) != 0) {
			errf(why, whylen, "%s", e);
			return -1;
		}
		v->text = strndup(s, strlen(s));
		break;
	}
	}
	if (v->text == NULL) {
		value_clear(v);
		errf(why, whylen, "out of memory");
		return -2;
	}
	return 0;
}

/* ng_config_set(), but -2 when out of memory. */
static int set_key(struct ng_config *cfg, enum ng_key k, const char *value, const char *origin,
                   char *err, size_t errlen)
{
	const struct ng_config_key *key = ng_config_key_info(k);
	if (key == NULL) {
		errf(err, errlen, "%s: no such key", origin);
		return -1;
	}
	size_t len = strlen(value);
	const char *t = trim(value, &len);
	char *s = strndup(t, len);
	char *where = strndup(origin, strlen(origin));
	if (s == NULL || where == NULL) {
		free(s);
		free(where);
		errf(err, errlen, "%s: out of memory", origin);
		return -2;
	}
	struct value v;
	char why[400];
	int rc = parse_value(k, s, &v, why, sizeof(why));
	if (rc != 0) {
		errf(err, errlen, "%s: %s: %s", origin, key->name, why);
		free(s);
		free(where);
		return rc;
	}
	free(s);
	value_clear(&cfg->v[k]);
	v.where = where;
	v.set = strcmp(origin, "default") != 0;
	cfg->v[k] = v;
	return 0;
}

int ng_config_set(struct ng_config *cfg, enum ng_key k, const char *value, const char *origin,
                  char *err, size_t errlen)
{
	return set_key(cfg, k, value, origin, err, errlen) == 0 ? 0 : -1;
}

struct ng_config *ng_config_new(void)
{
	struct ng_config *cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return NULL;
	for (unsigned k = 0; k < NG_K__COUNT; k++) {
		const struct ng_config_key *key = ng_config_key_info((enum ng_key)k);
		char err[256];
		/* A hole in the table or a default that does not pass its own
		 * checks is a bug in keys.c, caught by every test run. */
		if (key == NULL)
			abort();
		int rc = set_key(cfg, (enum ng_key)k, key->def, "default", err, sizeof(err));
		if (rc == -1)
			abort();
		if (rc != 0) {
			ng_config_free(cfg);
			return NULL;
		}
	}
	return cfg;
}

void ng_config_free(struct ng_config *cfg)
{
	if (cfg == NULL)
		return;
	for (unsigned k = 0; k < NG_K__COUNT; k++)
		value_clear(&cfg->v[k]);
	free(cfg);
}

/* One logical line "name = value" from FILE:LINE. */
static int assign(struct ng_config *cfg, const char *line, size_t len, const char *origin,
                  char *err, size_t errlen)
{
	const char *s = trim(line, &len);
	size_t n = 0;
	while (n < len && (isalnum((unsigned char)s[n]) || s[n] == '_'))
		n++;
	if (n == 0) {
		errf(err, errlen, "%s: expected 'name = value'", origin);
		return -1;
	}
	size_t i = n;
	while (i < len && is_blank((unsigned char)s[i]))
		i++;
	if (i >= len || s[i] != '=') {
		errf(err, errlen, "%s: expected '=' after '%.*s'", origin, (int)(n > 64 ? 64 : n),
		     s);
		return -1;
	}
	char name[64];
	enum ng_key k;
	if (n >= sizeof(name)) {
		errf(err, errlen, "%s: unknown key '%.*s...'", origin, 40, s);
		return -1;
	}
	memcpy(name, s, n);
	name[n] = '\0';
	if (!ng_config_key_find(name, &k)) {
		errf(err, errlen, "%s: unknown key '%s'", origin, name);
		return -1;
	}
	char *value = strndup(s + i + 1, len - i - 1);
	if (value == NULL) {
		errf(err, errlen, "%s: out of memory", origin);
		return -1;
	}
	int rc = ng_config_set(cfg, k, value, origin, err, errlen);
	free(value);
	return rc;
}

/* Append " " + line to the logical line *cur (moving it into *joined, a
 * buffer of its own, the first time).  -1 when it grows past the cap or
 * memory runs out. */
static int append_continuation(const char **cur, size_t *cur_len, char **joined, size_t *joined_cap,
                               const char *line, size_t len)
{
	size_t need = *cur_len + 1 + len + 1;
	if (need > NG_CONF_LINE_MAX)
		return -1;
	if (need > *joined_cap) {
		size_t ncap = need * 2 > NG_CONF_LINE_MAX ? NG_CONF_LINE_MAX : need * 2;
		char *nj = realloc(*joined, ncap);
		if (nj == NULL)
			return -1;
		if (*cur != *joined)
			memcpy(nj, *cur, *cur_len);
		*joined = nj;
		*joined_cap = ncap;
	} else if (*cur != *joined) {
		memcpy(*joined, *cur, *cur_len);
	}
	(*joined)[*cur_len] = ' ';
	memcpy(*joined + *cur_len + 1, line, len);
	*cur = *joined;
	*cur_len += 1 + len;
	return 0;
}

/* Parse a whole file's text; `path` names it in messages. */
static int load_text(struct ng_config *cfg, const char *path, const char *text, size_t size,
                     char *err, size_t errlen)
{
	char origin[PATH_MAX + 32];
	const char *cur = NULL; /* the logical line being collected */
	size_t cur_len = 0;
	unsigned long cur_lineno = 0;
	char *joined = NULL; /* a logical line of several physical ones */
	size_t joined_cap = 0;
	unsigned long lineno = 0;
	int rc = 0;

	for (size_t off = 0; off < size && rc == 0; lineno++) {
		const char *line = text + off;
		const char *nl = memchr(line, '\n', size - off);
		size_t len = nl != NULL ? (size_t)(nl - line) : size - off;
		off += len + 1;
		if (memchr(line, '\0', len) != NULL) {
			snprintf(origin, sizeof(origin), "%s:%lu", path, lineno + 1);
			errf(err, errlen, "%s: NUL byte in the line", origin);
			rc = -1;
			break;
		}
		size_t tl = len;
		const char *t = trim(line, &tl);
		if (tl == 0 || *t == '#')
			continue;
		if (is_blank((unsigned char)line[0])) {
			if (cur == NULL) {
				snprintf(origin, sizeof(origin), "%s:%lu", path, lineno + 1);
				errf(err, errlen,
				     "%s: continuation line without a 'name = value' before it",
				     origin);
				rc = -1;
				break;
			}
			rc = append_continuation(&cur, &cur_len, &joined, &joined_cap, line, len);
			if (rc != 0) {
				snprintf(origin, sizeof(origin), "%s:%lu", path, cur_lineno);
				errf(err, errlen, "%s: logical line longer than %d bytes", origin,
				     NG_CONF_LINE_MAX);
				break;
			}
			continue;
		}
		/* A new logical line: finish the pending one. */
		if (cur != NULL) {
			snprintf(origin, sizeof(origin), "%s:%lu", path, cur_lineno);
			rc = assign(cfg, cur, cur_len, origin, err, errlen);
		}
		cur = line;
		cur_len = len;
		cur_lineno = lineno + 1;
	}
	if (rc == 0 && cur != NULL) {
		snprintf(origin, sizeof(origin), "%s:%lu", path, cur_lineno);
		rc = assign(cfg, cur, cur_len, origin, err, errlen);
	}
	free(joined);
	return rc;
}

int ng_config_load(struct ng_config *cfg, const char *path, char *err, size_t errlen)
{
	size_t size;
	char *text = ng_file_read(path, NG_CONF_FILE_MAX, &size, err, errlen);
	if (text == NULL)
		return -1;
	int rc = ng_config_parse_text(cfg, path, text, size, err, errlen);
	free(text);
	return rc;
}

int ng_config_parse_text(struct ng_config *cfg, const char *name, const char *text, size_t len,
                         char *err, size_t errlen)
{
	return load_text(cfg, name, text, len, err, errlen);
}

int ng_config_override(struct ng_config *cfg, const char *assignment, char *err, size_t errlen)
{
	char origin[160];
	char shown[96];
	size_t n = strlen(assignment);
	snprintf(shown, sizeof(shown), "%.*s%s", (int)(n > 80 ? 80 : n), assignment,
	         n > 80 ? "..." : "");
	snprintf(origin, sizeof(origin), "-o %s", shown);
	/* Parse with the -o text as origin, then record the origin as "-o". */
	int rc = assign(cfg, assignment, n, origin, err, errlen);
	if (rc == 0) {
		enum ng_key k;
		size_t kl = strcspn(assignment, " \t=");
		char name[64];
		if (kl < sizeof(name)) {
			memcpy(name, assignment, kl);
			name[kl] = '\0';
			if (ng_config_key_find(name, &k)) {
				char *w = strndup("-o", 2);
				if (w != NULL) {
					free(cfg->v[k].where);
					cfg->v[k].where = w;
				}
			}
		}
	}
	return rc;
}

struct ng_config *ng_config_setup(const char *path, const char *const *overrides, size_t n,
                                  char *err, size_t errlen)
{
	struct ng_config *cfg = ng_config_new();
	if (cfg == NULL) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	const char *file = path;
	if (file == NULL) {
		FILE *f = fopen(NG_CONFIG_DEFAULT_PATH, "r");
		if (f != NULL) {
			fclose(f);
			file = NG_CONFIG_DEFAULT_PATH;
		}
	}
	if (file != NULL && ng_config_load(cfg, file, err, errlen) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (ng_config_override(cfg, overrides[i], err, errlen) != 0)
			goto fail;
	return cfg;
fail:
	ng_config_free(cfg);
	return NULL;
}

static const struct value *get(const struct ng_config *cfg, enum ng_key k, unsigned typemask)
{
	const struct ng_config_key *key = ng_config_key_info(k);
	if (key == NULL || (typemask & (1u << key->type)) == 0)
		abort(); /* a caller asked for the wrong type: our bug */
	return &cfg->v[k];
}

#define T(x) (1u << (x))

const char *ng_config_str(const struct ng_config *cfg, enum ng_key k)
{
	return get(cfg, k, T(NG_CONF_STRING) | T(NG_CONF_ENUM) | T(NG_CONF_LISTEN))->text;
}

long long ng_config_int(const struct ng_config *cfg, enum ng_key k)
{
	return get(cfg, k, T(NG_CONF_INT) | T(NG_CONF_TIME))->num;
}

bool ng_config_bool(const struct ng_config *cfg, enum ng_key k)
{
	return get(cfg, k, T(NG_CONF_BOOL))->num != 0;
}

size_t ng_config_list(const struct ng_config *cfg, enum ng_key k, const char *const **items)
{
	static const char *const none[] = {NULL};
	const struct value *v = get(cfg, k, T(NG_CONF_LIST));
	*items = v->items != NULL ? (const char *const *)v->items : none;
	return v->nitems;
}

const char *ng_config_where(const struct ng_config *cfg, enum ng_key k)
{
	return get(cfg, k, ~0u)->where;
}

bool ng_config_is_set(const struct ng_config *cfg, enum ng_key k)
{
	return get(cfg, k, ~0u)->set;
}

const char *ng_config_format(const struct ng_config *cfg, enum ng_key k, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", get(cfg, k, ~0u)->text);
	return buf;
}

void ng_config_print(const struct ng_config *cfg, FILE *out, bool only_set)
{
	for (unsigned k = 0; k < NG_K__COUNT; k++) {
		const struct value *v = &cfg->v[k];
		if (only_set && !v->set)
			continue;
		const char *text = v->text;
		fprintf(out, "%s =%s%s\n", ng_config_key_info((enum ng_key)k)->name,
		        text[0] != '\0' ? " " : "", text);
	}
}
