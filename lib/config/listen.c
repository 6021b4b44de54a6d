/*
 * listen.c - Postfix-style listen addresses: inet:HOST:PORT, unix:PATH.
 *
 * HOST is a name or IPv4 address, an IPv6 address in brackets, or '*' for
 * every address; PORT is 1..65535; PATH is absolute and fits sun_path.
 */
#include "ndrguard/config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int ng_listen_parse(const char *spec, struct ng_listen *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (strncmp(spec, "unix:", 5) == 0) {
		const char *path = spec + 5;
		if (path[0] != '/') {
			snprintf(err, errlen, "'%s': unix:PATH needs an absolute path", spec);
			return -1;
		}
		if (strlen(path) >= sizeof(out->path)) {
			snprintf(err, errlen, "'%s': socket path longer than %zu bytes", spec,
			         sizeof(out->path) - 1);
			return -1;
		}
		out->is_unix = true;
		snprintf(out->path, sizeof(out->path), "%s", path);
		return 0;
	}
	if (strncmp(spec, "inet:", 5) != 0) {
		snprintf(err, errlen, "'%s': expected inet:HOST:PORT or unix:PATH", spec);
		return -1;
	}
	const char *h = spec + 5;
	const char *colon;
	size_t hl;
	if (h[0] == '[') {
		const char *close = strchr(h, ']');
		if (close == NULL || close[1] != ':') {
			snprintf(err, errlen, "'%s': expected inet:[IPV6]:PORT", spec);
			return -1;
		}
		h++;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(h, ':');
		if (colon == NULL) {
			snprintf(err, errlen, "'%s': expected inet:HOST:PORT", spec);
			return -1;
		}
		hl = (size_t)(colon - h);
		if (memchr(h, ':', hl) != NULL) {
			snprintf(err, errlen, "'%s': write an IPv6 address in brackets", spec);
			return -1;
		}
	}
	if (hl == 0 || hl >= sizeof(out->host)) {
		snprintf(err, errlen, "'%s': bad host", spec);
		return -1;
	}
	for (size_t i = 0; i < hl; i++) {
		unsigned char c = (unsigned char)h[i];
		if (!(isalnum(c) || c == '.' || c == '-' || c == ':' || c == '*' || c == '_' ||
		      c == '%')) {
			snprintf(err, errlen, "'%s': bad character in host", spec);
			return -1;
		}
	}
	const char *p = colon + 1;
	unsigned port = 0;
	if (*p == '\0') {
		snprintf(err, errlen, "'%s': missing port", spec);
		return -1;
	}
	for (; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p) ||
		    (port = port * 10 + (unsigned)(*p - '0')) > 65535) {
			snprintf(err, errlen, "'%s': port must be 1..65535", spec);
			return -1;
		}
	}
	if (port == 0) {
		snprintf(err, errlen, "'%s': port must be 1..65535", spec);
		return -1;
	}
	if (!(hl == 1 && h[0] == '*'))
		memcpy(out->host, h, hl);
	out->port = port;
	return 0;
}
