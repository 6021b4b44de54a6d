/*
 * fuzz_authres.c - libFuzzer target for the Authentication-Results,
 * Received-SPF and spam-verdict readers (lib/relay/authres.c): the fields
 * come from inbound mail, and anyone can forge one.
 *
 * The input, arbitrary bytes (NULs included), is read three ways: as an
 * Authentication-Results value, as a Received-SPF value, and as a spam
 * header "NAME:VALUE" split at the first ':' (and its whole self as the
 * value of every header the spam table knows).
 *
 * Oracles beyond the sanitizers: every output string is terminated inside
 * its array, counts stay within their caps and enums within range; parsing
 * is deterministic and blind to leading white space (the same input with a
 * space in front gives a byte-identical struct); when no resinfo was
 * dropped the summary agrees with the entries kept (dkim any pass / all
 * fail, the first dmarc and arc, an spf that is one of the spf entries);
 * a clean parse read something; a header the table does not know never
 * has a verdict.
 */
#include "relay/authres.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		abort();
}

static void check_ar(const struct ng_authres *ar)
{
	check_str(ar->authserv_id, sizeof(ar->authserv_id));
	if (ar->nentries > NG_AUTHRES_ENTRIES_MAX || ar->spf > NG_AUTHRES_OTHER ||
	    ar->dkim > NG_AUTHRES_OTHER || ar->dmarc > NG_AUTHRES_OTHER ||
	    ar->arc > NG_AUTHRES_OTHER)
		abort();
	unsigned ndkim = 0, dpass = 0, dfail = 0;
	enum ng_authres_result dother = NG_AUTHRES_ABSENT, dmarc = NG_AUTHRES_ABSENT;
	enum ng_authres_result arc = NG_AUTHRES_ABSENT;
	bool spf_seen = false, spf_match = false;
	for (unsigned i = 0; i < ar->nentries; i++) {
		const struct ng_authres_entry *e = &ar->entries[i];
		if (e->result == NG_AUTHRES_ABSENT || e->result > NG_AUTHRES_OTHER ||
		    e->method > NG_AUTHRES_M_COMPAUTH || e->nprops > NG_AUTHRES_PROPS_MAX)
			abort();
		check_str(e->result_word, sizeof(e->result_word));
		check_str(e->reason, sizeof(e->reason));
		for (unsigned j = 0; j < e->nprops; j++) {
			check_str(e->props[j].name, sizeof(e->props[j].name));
			check_str(e->props[j].value, sizeof(e->props[j].value));
		}
		switch (e->method) {
		case NG_AUTHRES_M_DKIM:
			ndkim++;
			if (e->result == NG_AUTHRES_PASS)
				dpass++;
			else if (e->result == NG_AUTHRES_FAIL ||
			         e->result == NG_AUTHRES_PERMERROR ||
			         e->result == NG_AUTHRES_POLICY)
				dfail++;
			else if (dother == NG_AUTHRES_ABSENT)
				dother = e->result;
			break;
		case NG_AUTHRES_M_DMARC:
			dmarc = dmarc == NG_AUTHRES_ABSENT ? e->result : dmarc;
			break;
		case NG_AUTHRES_M_ARC:
			arc = arc == NG_AUTHRES_ABSENT ? e->result : arc;
			break;
		case NG_AUTHRES_M_SPF:
			spf_seen = true;
			spf_match |= e->result == ar->spf;
			break;
		default:
			break;
		}
	}
	if (ar->ndropped == 0) {
		enum ng_authres_result dkim = dpass > 0                     ? NG_AUTHRES_PASS
		                              : ndkim > 0 && dfail == ndkim ? NG_AUTHRES_FAIL
		                                                            : dother;
		if (ndkim != ar->ndkim || dkim != ar->dkim || dmarc != ar->dmarc ||
		    arc != ar->arc || spf_seen != (ar->spf != NG_AUTHRES_ABSENT) ||
		    (spf_seen && !spf_match))
			abort();
	}
	if (!ar->malformed && !ar->none && ar->nentries + ar->nskipped + ar->ndropped == 0)
		abort();
	if (ar->ndropped > 0 && (!ar->truncated || ar->nentries != NG_AUTHRES_ENTRIES_MAX))
		abort();
}

static void check_spf(const struct ng_authres_spf *s)
{
	if (s->result < NG_AUTHRES_NONE ||
	    (s->result > NG_AUTHRES_PERMERROR && s->result != NG_AUTHRES_OTHER) ||
	    (s->result == NG_AUTHRES_OTHER && !s->malformed))
		abort();
	check_str(s->client_ip, sizeof(s->client_ip));
	check_str(s->envelope_from, sizeof(s->envelope_from));
	check_str(s->helo, sizeof(s->helo));
	check_str(s->identity, sizeof(s->identity));
	check_str(s->receiver, sizeof(s->receiver));
	check_str(s->mechanism, sizeof(s->mechanism));
	check_str(s->problem, sizeof(s->problem));
}

static void check_spam(const char *name, size_t nlen, const char *value, size_t vlen)
{
	enum ng_authres_spam v = ng_authres_spam_verdict(name, nlen, value, vlen);
	if (v != NG_AUTHRES_SPAM_UNKNOWN && v != NG_AUTHRES_SPAM_HAM && v != NG_AUTHRES_SPAM_SPAM)
		abort();
	if (!ng_authres_spam_known(name, nlen) && v != NG_AUTHRES_SPAM_UNKNOWN)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct ng_authres *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	char *spaced = malloc(size + 1);
	struct ng_authres_spf s1, s2;
	if (a == NULL || b == NULL || spaced == NULL)
		abort();
	spaced[0] = ' ';
	if (size > 0)
		memcpy(spaced + 1, data, size);

	if (ng_authres_parse(in, size, a) != a->nentries)
		abort();
	check_ar(a);
	ng_authres_parse(spaced, size + 1, b);
	if (memcmp(a, b, sizeof(*a)) != 0)
		abort();

	if (ng_authres_parse_received_spf(in, size, &s1) != s1.result)
		abort();
	check_spf(&s1);
	ng_authres_parse_received_spf(spaced, size + 1, &s2);
	if (memcmp(&s1, &s2, sizeof(s1)) != 0)
		abort();

	const uint8_t *colon = memchr(data, ':', size);
	size_t nlen = colon != NULL ? (size_t)(colon - data) : size;
	check_spam(in, nlen, colon != NULL ? (const char *)colon + 1 : "",
	           colon != NULL ? size - nlen - 1 : 0);
	for (size_t i = 0; ng_authres_spam_header(i) != NULL; i++) {
		const char *h = ng_authres_spam_header(i);
		check_spam(h, strlen(h), in, size);
	}

	free(spaced);
	free(a);
	free(b);
	return 0;
}
