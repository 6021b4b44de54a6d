/*
 * config.c - BATV from the configuration (ng_batv_from_config in batv.h):
 * the key files, the enforcement date, and the checks only BATV can make
 * on its keys' values.  The one file of lib/batv that touches the file
 * system; it does so only while a handle is built.
 *
 * Errors are prefixed with where the value was set and the key name, as
 * the configuration module's own errors are: "PATH:LINE: batv_keys: ...".
 *
 * "Signing starts" (for an empty batv_enforce_after) is the modification
 * time of the oldest configured key file; see batv.h "Enforcement" for
 * why the oldest and not the newest.
 */
#include "ndrguard/batv.h"
#include "ndrguard/config.h"

#include "batv/internal.h"

#include <openssl/crypto.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ng_batv_load_key(const char *path, unsigned char *key, size_t *len, time_t *mtime, char *err,
                     size_t errlen)
{
	/* Room for 64 bytes, CR LF, and one byte more to see that it is too long. */
	unsigned char buf[NG_BATV_KEY_MAX + 3];
	size_t n = 0;
	struct stat st;

	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	while (n < sizeof(buf)) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
			close(fd);
			OPENSSL_cleanse(buf, sizeof(buf));
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > 0 && buf[n - 1] == '\n') {
		n--;
		if (n > 0 && buf[n - 1] == '\r')
			n--;
	}
	int rc = -1;
	if (n == 0)
		snprintf(err, errlen, "%s: the key is empty", path);
	else if (n > NG_BATV_KEY_MAX)
		snprintf(err, errlen, "%s: the key is longer than %d bytes", path, NG_BATV_KEY_MAX);
	else {
		memcpy(key, buf, n);
		*len = n;
		if (mtime != NULL)
			*mtime = st.st_mtime;
		rc = 0;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

static bool leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int ng_batv_parse_date(const char *s, time_t *out)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	long y = (s[0] - '0') * 1000L + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1)
		return -1;
	if (d > mdays[m - 1] + (m == 2 && leap(y) ? 1 : 0))
		return -1;
	/* Days since 1970-01-01 (no timegm(): portable and without TZ). */
	long long days = 0;
	for (long yy = 1970; yy < y; yy++)
		days += leap(yy) ? 366 : 365;
	for (int mm = 1; mm < m; mm++)
		days += mdays[mm - 1] + (mm == 2 && leap(y) ? 1 : 0);
	days += d - 1;
	long long t = days * 86400LL;
	if ((long long)(time_t)t != t)
		return -1;
	*out = (time_t)t;
	return 0;
}

bool ng_batv_configured(const struct ng_config *cfg)
{
	const char *const *items;
	return ng_config_list(cfg, NG_K_BATV_KEYS, &items) > 0;
}

/* "WHERE: KEY: " + msg into err. */
static void key_error(const struct ng_config *cfg, enum ng_key k, const char *msg, char *err,
                      size_t errlen)
{
	const struct ng_config_key *info = ng_config_key_info(k);
	snprintf(err, errlen, "%s: %s: %s", ng_config_where(cfg, k), info ? info->name : "?", msg);
}

struct ng_batv *ng_batv_from_config(const struct ng_config *cfg, char *err, size_t errlen)
{
	unsigned char data[NG_BATV_KEYS_MAX][NG_BATV_KEY_MAX];
	struct ng_batv_key keys[NG_BATV_KEYS_MAX];
	bool seen[NG_BATV_KEYS_MAX] = {false};
	const char *const *items;
	char msg[512];
	time_t oldest = 0;
	struct ng_batv *b = NULL;
	size_t nkeys = 0;

	size_t n = ng_config_list(cfg, NG_K_BATV_KEYS, &items);
	if (n == 0) {
		key_error(cfg, NG_K_BATV_KEYS, "no keys configured", err, errlen);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const char *it = items[i];
		if (it[0] < '0' || it[0] > '9' || it[1] != ':' || it[2] == '\0') {
			snprintf(msg, sizeof(msg), "'%.200s': not N:/path (N = 0..9)", it);
			key_error(cfg, NG_K_BATV_KEYS, msg, err, errlen);
			goto out;
		}
		unsigned num = (unsigned)(it[0] - '0');
		if (seen[num]) {
			snprintf(msg, sizeof(msg), "'%.200s': key number %u given twice", it, num);
			key_error(cfg, NG_K_BATV_KEYS, msg, err, errlen);
			goto out;
		}
		seen[num] = true;
		time_t mt = 0;
		char ferr[400];
		if (ng_batv_load_key(it + 2, data[nkeys], &keys[nkeys].len, &mt, ferr,
		                     sizeof(ferr)) < 0) {
			snprintf(msg, sizeof(msg), "%u:%s", num, ferr);
			key_error(cfg, NG_K_BATV_KEYS, msg, err, errlen);
			goto out;
		}
		keys[nkeys].num = num;
		keys[nkeys].data = data[nkeys];
		if (nkeys == 0 || mt < oldest)
			oldest = mt;
		nkeys++;
	}

	struct ng_batv_opts o;
	memset(&o, 0, sizeof(o));
	o.keys = keys;
	o.nkeys = nkeys;
	o.ndomains = ng_config_list(cfg, NG_K_BATV_DOMAINS, &o.domains);
	for (size_t i = 0; i < o.ndomains; i++) {
		if (ng_batv_domain_check(o.domains[i], msg, sizeof(msg)) < 0) {
			key_error(cfg, NG_K_BATV_DOMAINS, msg, err, errlen);
			goto out;
		}
	}
	o.lifetime_days = (unsigned)ng_config_int(cfg, NG_K_BATV_LIFETIME_DAYS);
	o.subaddress = ng_config_bool(cfg, NG_K_BATV_SUBADDRESS);
	const char *date = ng_config_str(cfg, NG_K_BATV_ENFORCE_AFTER);
	if (date[0] == '\0') {
		o.enforce_after = oldest + (time_t)o.lifetime_days * 86400;
	} else if (ng_batv_parse_date(date, &o.enforce_after) < 0) {
		snprintf(msg, sizeof(msg), "'%.40s': not a date (YYYY-MM-DD)", date);
		key_error(cfg, NG_K_BATV_ENFORCE_AFTER, msg, err, errlen);
		goto out;
	}
	b = ng_batv_new(&o, msg, sizeof(msg));
	if (b == NULL)
		key_error(cfg, NG_K_BATV_KEYS, msg, err, errlen);
out:
	OPENSSL_cleanse(data, sizeof(data));
	return b;
}
