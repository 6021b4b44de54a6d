/*
 * fuzz_milter_input.c - libFuzzer target for what the milter hands the
 * content rules (ng_content_* in include/ndrguard/content.h): the client,
 * the envelope and the header fields, as arbitrary bytes.
 *
 * Input: lines separated by '\n'.  Line 1 is the client address, line 2
 * the client name, line 3 the envelope sender; a line "R:addr" is a
 * recipient; any other line is a header field, split at its first ':'
 * (no ':' -> a field with an empty value).  NUL bytes end a string early,
 * as they would in libmilter's C strings.
 *
 * Oracles beyond the sanitizers: every decision - with a listed, a
 * not-listed and an unknown DNSBL result whose TXT comes from the input,
 * with and without a classifier verdict whose returned original (Message-ID,
 * Received) comes from the input - has printable ASCII texts within their
 * caps, no CR or LF, a reply code of the action's class, and is the same
 * when asked twice.
 *
 * Built as a libFuzzer target with NG_FUZZ, and linked with replay.c as an
 * ordinary program that replays tests/fuzz/seeds-milter_input under CTest.
 */
#include <ndrguard/config.h>
#include <ndrguard/content.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ng_content *rules[2];

static void setup(void)
{
	static const char *const ov[2][4] = {
	    {NULL},
	    {"our_hostnames=example.net", "our_networks=198.51.100.0/24, 2001:db8::/32",
	     "multi_rcpt_bounce_relays=192.0.2.0/24, relay.example", "milter_tag_classified=yes"},
	};
	for (int i = 0; i < 2; i++) {
		char err[512];
		struct ng_config *cfg = ng_config_new();
		for (int k = 0; k < 4 && cfg != NULL && ov[i][k] != NULL; k++)
			if (ng_config_override(cfg, ov[i][k], err, sizeof(err)) < 0)
				abort();
		rules[i] = cfg != NULL ? ng_content_from_config(cfg, err, sizeof(err)) : NULL;
		ng_config_free(cfg);
		if (rules[i] == NULL)
			abort();
	}
}

static void check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n >= cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			abort();
}

static void check_decision(const struct ng_content_decision *d)
{
	check_text(d->text, sizeof(d->text));
	check_text(d->header, sizeof(d->header));
	check_text(d->rules, sizeof(d->rules));
	if (d->action == NG_CONTENT_REJECT && (d->rcode[0] != '5' || d->xcode[0] != '5'))
		abort();
	if (d->action == NG_CONTENT_TEMPFAIL && (d->rcode[0] != '4' || d->xcode[0] != '4'))
		abort();
	if (d->action < NG_CONTENT_TEMPFAIL && d->rcode[0] != '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (rules[0] == NULL)
		setup();
	char *buf = malloc(size + 1);
	ng_verdict *v = calloc(1, sizeof(*v));
	if (buf == NULL || v == NULL) {
		free(buf);
		free(v);
		return 0;
	}
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* the lines, in place */
	char *lines[256];
	size_t nl = 0;
	for (char *s = buf; nl < 256;) {
		lines[nl++] = s;
		char *e = memchr(s, '\n', (size_t)(buf + size - s));
		if (e == NULL)
			break;
		*e = '\0';
		s = e + 1;
	}
	for (int r = 0; r < 2; r++) {
		struct ng_content_msg m;
		ng_content_begin(rules[r], &m, nl > 0 ? lines[0] : NULL, nl > 1 ? lines[1] : NULL,
		                 nl > 2 ? lines[2] : NULL);
		for (size_t i = 3; i < nl; i++) {
			char *l = lines[i];
			if (l[0] == 'R' && l[1] == ':') {
				ng_content_rcpt(rules[r], &m, l + 2);
				continue;
			}
			char *colon = strchr(l, ':');
			if (colon != NULL) {
				*colon = '\0';
				ng_content_header(rules[r], &m, l, colon + 1);
				*colon = ':';
			} else {
				ng_content_header(rules[r], &m, l, "");
			}
		}
		/* the verdict: class from the size, the original from the lines */
		memset(v, 0, sizeof(*v));
		v->cls = (enum ng_class)(size % 9);
		v->nev = 1;
		v->ev[0].rule = "fuzz";
		v->ev[0].where = "body";
		v->original.present = true;
		if (nl > 3)
			snprintf(v->original.message_id, sizeof(v->original.message_id), "%s",
			         lines[3]);
		for (size_t i = 4; i < nl && v->original.nreceived < NG_CL_RECEIVED_MAX; i++)
			snprintf(v->original.received[v->original.nreceived++],
			         sizeof(v->original.received[0]), "%s", lines[i]);
		struct ng_dnsbl_result res;
		memset(&res, 0, sizeof(res));
		res.nzones = 2;
		res.zones[0].zone = "bl.test";
		res.zones[1].zone = "bl2.test";
		snprintf(res.zones[0].txt, sizeof(res.zones[0].txt), "%s", nl > 1 ? lines[1] : "");
		static const enum ng_dnsbl_status st[] = {NG_DNSBL_LISTED, NG_DNSBL_NOT_LISTED,
		                                          NG_DNSBL_UNKNOWN};
		for (int k = 0; k < 3; k++) {
			res.zones[0].status = st[k];
			for (int withv = 0; withv < 2; withv++) {
				struct ng_content_decision d1, d2;
				const ng_verdict *vv = withv ? v : NULL;
				ng_content_decide(rules[r], &m, vv, &res, &d1);
				ng_content_decide(rules[r], &m, vv, &res, &d2);
				check_decision(&d1);
				if (d1.action != d2.action || strcmp(d1.text, d2.text) != 0 ||
				    strcmp(d1.header, d2.header) != 0 ||
				    strcmp(d1.rules, d2.rules) != 0)
					abort();
			}
		}
		struct ng_content_decision d;
		ng_content_decide(rules[r], &m, NULL, NULL, &d);
		check_decision(&d);
	}
	free(buf);
	free(v);
	return 0;
}
