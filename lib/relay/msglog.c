/*
 * msglog.c - the message log record (relay.h, ng_relay_log_*).
 *
 * What the relay's inbound side remembers of a message it hands to a
 * tenant, so that the tenant's bounce of it can be judged: the
 * Message-ID (the key), envelope sender, client, SPF/DKIM/DMARC results
 * and the spam verdict.  The results are read only from the headers the
 * configuration trusts (relay_auth_headers, relay_spam_headers) and, for
 * Authentication-Results, only from the authserv-ids in
 * relay_authserv_ids (when set): a sender could write any header it
 * likes, so only what the relay's own filters add may count.  The first
 * trusted verdict of each kind wins, since filters prepend: the first
 * field is the newest, written by the host nearest the relay.  A spam
 * verdict of "spam" from any trusted header wins over "ham".
 */
#include "relay/authres.h"
#include "relay/internal.h"
#include "util/str.h"

#include "ndrguard/config.h"
#include "util/kv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static int copy_list(const struct ng_config *cfg, enum ng_key k, char ***out, size_t *n, char *err,
                     size_t errlen)
{
	const char *const *items;
	*n = ng_config_list(cfg, k, &items);
	*out = NULL;
	if (*n == 0)
		return 0;
	*out = calloc(*n, sizeof(**out));
	if (*out == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < *n; i++)
		if (((*out)[i] = strdup(items[i])) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	return 0;
}

int ng_relay_headers_build(struct ng_relay *r, const struct ng_config *cfg, char *err,
                           size_t errlen)
{
	if (copy_list(cfg, NG_K_RELAY_AUTH_HEADERS, &r->auth_headers, &r->nauth_headers, err,
	              errlen) < 0 ||
	    copy_list(cfg, NG_K_RELAY_AUTHSERV_IDS, &r->authserv_ids, &r->nauthserv_ids, err,
	              errlen) < 0 ||
	    copy_list(cfg, NG_K_RELAY_SPAM_HEADERS, &r->spam_headers, &r->nspam_headers, err,
	              errlen) < 0)
		return -1;
	for (size_t i = 0; i < r->nauth_headers; i++)
		if (strcasecmp(r->auth_headers[i], "Authentication-Results") != 0 &&
		    strcasecmp(r->auth_headers[i], "Received-SPF") != 0) {
			snprintf(
			    err, errlen,
			    "%s: relay_auth_headers: '%s' is neither Authentication-Results nor "
			    "Received-SPF",
			    ng_config_where(cfg, NG_K_RELAY_AUTH_HEADERS), r->auth_headers[i]);
			return -1;
		}
	for (size_t i = 0; i < r->nspam_headers; i++)
		if (!ng_authres_spam_known(r->spam_headers[i], strlen(r->spam_headers[i]))) {
			char known[600];
			size_t o = 0;
			known[0] = '\0';
			for (size_t j = 0; ng_authres_spam_header(j) != NULL && o < sizeof(known);
			     j++) {
				int w = snprintf(known + o, sizeof(known) - o, "%s%s",
				                 j ? ", " : "", ng_authres_spam_header(j));
				if (w < 0)
					break;
				o += (size_t)w;
			}
			snprintf(err, errlen,
			         "%s: relay_spam_headers: unknown header '%s' (known: %s)",
			         ng_config_where(cfg, NG_K_RELAY_SPAM_HEADERS), r->spam_headers[i],
			         known);
			return -1;
		}
	return 0;
}

void ng_relay_headers_free(struct ng_relay *r)
{
	free_list(r->auth_headers, r->nauth_headers);
	free_list(r->authserv_ids, r->nauthserv_ids);
	free_list(r->spam_headers, r->nspam_headers);
}

void ng_relay_log_begin(const struct ng_relay *r, struct ng_relay_logrec *rec, int64_t now,
                        const char *client, const char *sender)
{
	(void)r;
	memset(rec, 0, sizeof(*rec));
	rec->time = now;
	snprintf(rec->client, sizeof(rec->client), "%s", client != NULL ? client : "");
	snprintf(rec->sender, sizeof(rec->sender), "%s", sender != NULL ? sender : "");
}

static bool in_list(char *const *l, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(l[i], s) == 0)
			return true;
	return false;
}

static void set_result(char *dst, enum ng_authres_result res)
{
	if (dst[0] != '\0' || res == NG_AUTHRES_ABSENT)
		return; /* the newest trusted result wins */
	snprintf(dst, NG_RELAY_RESULT_MAX, "%s", ng_authres_result_name(res));
}

/* The Message-ID: the first <...> of the value, or its first word. */
static void message_id(const char *v, char *out, size_t cap)
{
	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	const char *lt = *v == '<' ? v : NULL;
	const char *s = lt != NULL ? lt + 1 : v;
	ng_str_copyn(out, cap, s, lt != NULL ? strcspn(s, ">") : strcspn(s, " \t\r\n"));
}

void ng_relay_log_header(const struct ng_relay *r, struct ng_relay_logrec *rec, const char *name,
                         const char *value)
{
	size_t vl = strlen(value);
	if (strcasecmp(name, "Message-ID") == 0) {
		if (rec->message_id[0] == '\0')
			message_id(value, rec->message_id, sizeof(rec->message_id));
		return;
	}
	if (strcasecmp(name, "Authentication-Results") == 0 &&
	    in_list(r->auth_headers, r->nauth_headers, name)) {
		struct ng_authres *ar = malloc(sizeof(*ar));
		if (ar == NULL)
			return;
		ng_authres_parse(value, vl, ar);
		if (r->nauthserv_ids == 0 ||
		    in_list(r->authserv_ids, r->nauthserv_ids, ar->authserv_id)) {
			set_result(rec->spf, ar->spf);
			set_result(rec->dkim, ar->dkim);
			set_result(rec->dmarc, ar->dmarc);
		}
		free(ar);
		return;
	}
	if (strcasecmp(name, "Received-SPF") == 0 &&
	    in_list(r->auth_headers, r->nauth_headers, name)) {
		struct ng_authres_spf s;
		enum ng_authres_result res = ng_authres_parse_received_spf(value, vl, &s);
		if (res != NG_AUTHRES_OTHER)
			set_result(rec->spf, res);
		return;
	}
	if (in_list(r->spam_headers, r->nspam_headers, name)) {
		enum ng_authres_spam v = ng_authres_spam_verdict(name, strlen(name), value, vl);
		if (v == NG_AUTHRES_SPAM_SPAM)
			rec->spam = NG_RELAY_SPAM_YES;
		else if (v == NG_AUTHRES_SPAM_HAM && rec->spam == NG_RELAY_SPAM_UNKNOWN)
			rec->spam = NG_RELAY_SPAM_NO;
	}
}

bool ng_relay_log_key(const char *mid, char *buf, size_t cap, size_t *klen)
{
	char id[NG_RELAY_MSGID_MAX];
	message_id(mid != NULL ? mid : "", id, sizeof(id));
	size_t n = strlen(id);
	if (n == 0 || n + 3 > cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] <= 0x20 || (unsigned char)id[i] >= 0x7f)
			return false;
	buf[0] = 'm';
	buf[1] = '/';
	memcpy(buf + 2, id, n + 1);
	*klen = n + 2;
	return true;
}

static const char *spam_word(enum ng_relay_spam s)
{
	return s == NG_RELAY_SPAM_YES ? "yes" : s == NG_RELAY_SPAM_NO ? "no" : "";
}

void ng_relay_log_encode(const struct ng_relay *r, const struct ng_relay_logrec *rec, ng_buf *b,
                         int64_t *expires)
{
	ng_kv_put_int(b, "time", rec->time);
	ng_kv_put(b, "message_id", rec->message_id);
	ng_kv_put(b, "sender", rec->sender);
	ng_kv_put(b, "client", rec->client);
	ng_kv_put(b, "spf", rec->spf);
	ng_kv_put(b, "dkim", rec->dkim);
	ng_kv_put(b, "dmarc", rec->dmarc);
	ng_kv_put(b, "spam", spam_word(rec->spam));
	*expires = rec->time + r->log_ttl;
}

bool ng_relay_log_decode(const void *data, size_t len, struct ng_relay_logrec *rec)
{
	struct ng_kv_reader kr;
	char key[32], val[NG_CL_ADDR_MAX];
	long long n;
	bool have_time = false;
	memset(rec, 0, sizeof(*rec));
	ng_kv_reader_init(&kr, data, len);
	while (ng_kv_next(&kr, key, sizeof(key), val, sizeof(val), NULL)) {
		if (strcmp(key, "time") == 0 && ng_kv_int(val, &n)) {
			rec->time = n;
			have_time = true;
		} else if (strcmp(key, "message_id") == 0)
			ng_str_copy(rec->message_id, sizeof(rec->message_id), val);
		else if (strcmp(key, "sender") == 0)
			ng_str_copy(rec->sender, sizeof(rec->sender), val);
		else if (strcmp(key, "client") == 0)
			ng_str_copy(rec->client, sizeof(rec->client), val);
		else if (strcmp(key, "spf") == 0)
			ng_str_copy(rec->spf, sizeof(rec->spf), val);
		else if (strcmp(key, "dkim") == 0)
			ng_str_copy(rec->dkim, sizeof(rec->dkim), val);
		else if (strcmp(key, "dmarc") == 0)
			ng_str_copy(rec->dmarc, sizeof(rec->dmarc), val);
		else if (strcmp(key, "spam") == 0)
			rec->spam = strcmp(val, "yes") == 0  ? NG_RELAY_SPAM_YES
			            : strcmp(val, "no") == 0 ? NG_RELAY_SPAM_NO
			                                     : NG_RELAY_SPAM_UNKNOWN;
	}
	return have_time;
}
