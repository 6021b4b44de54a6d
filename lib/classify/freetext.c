/*
 * freetext.c - the human-readable notification of a report.
 *
 * Most MTAs write the failed recipients into the text before, or instead
 * of, a delivery-status part: Postfix and qmail as "<addr>: reason", Exim
 * indented under "failed:", Gmail alone on a line, Sendmail in a session
 * transcript after "RCPT To:".  Each line is squeezed, matched against the
 * phrase automaton, and searched for addresses; an address at the start of a
 * line, or after "RCPT TO:"/"Recipient:" and the like, is a strong candidate,
 * any other a weak one.  The lines after a candidate, up to the next one,
 * are its diagnostic.  A separator ("original message follows") ends the
 * notification; the header block after it is the returned original's.
 */
#include "classify/internal.h"

#include <string.h>
#include <strings.h>

/* Words before an address on a line that make it a recipient. */
static const char *const rcpt_prefixes[] = {
	"rcpt to:", "recipient:", "recipients:", "recipient address:", "address:", "to:",
	"failed:", "user:", "mailbox:", "addressee:", "original-recipient:", "final-recipient:",
	"your message to", "could not be delivered to", "delivery to", "destinataire:",
	"rcpt to", "for", "empf\xc3\xa4nger:",
};

static bool is_bounce_account(const char *addr)
{
	return strncasecmp(addr, "mailer-daemon@", 14) == 0 ||
	       strncasecmp(addr, "postmaster@", 11) == 0 ||
	       strncasecmp(addr, "mailer_daemon@", 14) == 0;
}

static int find_cand(ng_classifier *c, const char *addr)
{
	for (unsigned i = 0; i < c->ncand; i++)
		if (strcasecmp(c->cand[i].addr, addr) == 0)
			return (int)i;
	return -1;
}

/* How strongly does the text before the address say "recipient"? */
static int strength(const char *line, size_t at)
{
	size_t k = 0;
	while (k < at && (line[k] == ' ' || line[k] == '<' || line[k] == '"' || line[k] == '\'' ||
			  line[k] == '(' || line[k] == '*' || line[k] == '-' || line[k] == '>' ||
			  line[k] == '[' || line[k] == '\t'))
		k++;
	if (k == at)
		return 3;
	char pre[96];
	size_t st = at > 60 ? at - 60 : 0;
	ng_text_lower(pre, sizeof(pre), line + st, at - st);
	size_t n = strlen(pre);
	while (n > 0 && (pre[n - 1] == ' ' || pre[n - 1] == '<' || pre[n - 1] == '"'))
		pre[--n] = '\0';
	for (size_t i = 0; i < sizeof(rcpt_prefixes) / sizeof(rcpt_prefixes[0]); i++) {
		size_t pl = strlen(rcpt_prefixes[i]);
		if (n >= pl && memcmp(pre + n - pl, rcpt_prefixes[i], pl) == 0)
			return 2;
	}
	return 1;
}

static void add_diag(ng_classifier *c, int idx, const char *s, size_t len)
{
	if (idx < 0)
		return;
	ng_text_append(c->cand[idx].diag, sizeof(c->cand[idx].diag), s, len);
}

/* Addresses on one notification line. */
static void candidates(ng_classifier *c, const char *line, size_t len)
{
	size_t from = 0;
	size_t at, alen;
	bool found = false;

	while (ng_text_find_addr(line, len, from, &at, &alen)) {
		from = at + alen;
		char addr[NG_RCPT_ADDR_LEN];
		ng_text_lower(addr, sizeof(addr), line + at, alen);
		/* mailto: links and message ids are not recipients */
		if (at >= 7 && strncasecmp(line + at - 7, "mailto:", 7) == 0)
			continue;
		if (at >= 1 && line[at - 1] == '=')
			continue;
		int st = strength(line, at);
		if (is_bounce_account(addr) || strcmp(addr, c->from_addr) == 0)
			continue;
		if (st < 2 && strcmp(addr, c->to_addr) == 0)
			continue;
		int idx = find_cand(c, addr);
		if (idx < 0) {
			if (c->ncand >= NG_CANDS_MAX)
				return;
			idx = (int)c->ncand++;
			struct cand *k = &c->cand[idx];
			memcpy(k->addr, addr, sizeof(addr));
			k->strength = st;
			k->diag[0] = '\0';
		} else if (st > c->cand[idx].strength) {
			c->cand[idx].strength = st;
		}
		if (st >= 2 || c->cur < 0 || c->cand[c->cur].strength < 2) {
			c->cur = idx;
			found = true;
		}
	}
	if (found) {
		/* the rest of the line after the address is diagnostic */
		size_t k = from;
		while (k < len && (line[k] == '>' || line[k] == ':' || line[k] == ' ' ||
				   line[k] == '.'))
			k++;
		add_diag(c, c->cur, line + k, len - k);
		return;
	}
	add_diag(c, c->cur, line, len);
}

/* A header field of an original quoted inline after a separator. */
static void inline_header(ng_classifier *c, const char *s, size_t len)
{
	if (len == 0) {
		if (c->inline_hdr_lines > 0)
			c->inline_headers = false; /* the header block ended */
		goto flush;
	}
	if ((s[0] == ' ' || s[0] == '\t') && c->inline_hdr[0] != '\0') {
		ng_text_append(c->inline_hdr, sizeof(c->inline_hdr), s, len);
		return;
	}
	const char *colon = memchr(s, ':', len);
	bool field = colon != NULL && colon != s && colon - s < 40;
	for (const char *q = s; field && q < colon; q++)
		if (*q == ' ' || *q == '\t')
			field = false;
flush:
	if (c->inline_hdr[0] != '\0') {
		const char *h = c->inline_hdr;
		const char *col = strchr(h, ':');
		if (col != NULL) {
			const char *v = col + 1;
			while (*v == ' ')
				v++;
			ng_cl_original_header(c, h, (size_t)(col - h), v, strlen(v));
		}
		c->inline_hdr[0] = '\0';
	}
	if (len == 0)
		return;
	if (!field) {
		if (c->inline_hdr_lines > 3)
			c->inline_headers = false;
		return;
	}
	c->inline_hdr_lines++;
	ng_text_squeeze(c->inline_hdr, sizeof(c->inline_hdr), s, len);
}

/* Drop HTML tags from a line of text/html (state carried across lines). */
static size_t strip_tags(ng_classifier *c, const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < cap; i++) {
		if (c->in_tag) {
			if (s[i] == '>')
				c->in_tag = false;
			continue;
		}
		if (s[i] == '<' && i + 1 < len &&
		    (s[i + 1] == '/' || s[i + 1] == '!' ||
		     (s[i + 1] >= 'a' && s[i + 1] <= 'z') || (s[i + 1] >= 'A' && s[i + 1] <= 'Z'))) {
			c->in_tag = true;
			out[o++] = ' ';
			continue;
		}
		if (s[i] == '&') {
			static const struct {
				const char *ent;
				char ch;
			} ents[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'},
				    {"&nbsp;", ' '}, {"&quot;", '"'}, {"&#64;", '@'}};
			bool done = false;
			for (size_t e = 0; e < sizeof(ents) / sizeof(ents[0]); e++) {
				size_t el = strlen(ents[e].ent);
				if (len - i >= el && strncasecmp(s + i, ents[e].ent, el) == 0) {
					out[o++] = ents[e].ch;
					i += el - 1;
					done = true;
					break;
				}
			}
			if (done)
				continue;
		}
		out[o++] = s[i];
	}
	return o;
}

void ng_cl_text_line(ng_classifier *c, const char *raw, size_t rawlen)
{
	char buf[NG_MIME_LINE_MAX];
	char sq[NG_MIME_LINE_MAX];
	const char *s = raw;
	size_t len = rawlen;

	if (c->after_original && !c->inline_headers)
		return; /* the body of an inline original: nothing to learn */
	if (c->html) {
		len = strip_tags(c, raw, rawlen, buf, sizeof(buf));
		s = buf;
	}
	if (c->after_original) {
		inline_header(c, s, len);
		return;
	}
	if (++c->text_lines > NG_CL_TEXT_LINES_MAX)
		return;
	size_t n = ng_text_squeeze(sq, sizeof(sq), s, len);
	if (n == 0) {
		return;
	}
	c->line_original = false;
	ng_cl_scan(c, NG_PLACE_BODY, sq, n);
	if (c->line_original) {
		/* "------ This is a copy of the message, including all the headers." */
		c->after_original = true;
		c->inline_headers = true;
		c->inline_hdr_lines = 0;
		c->cur = -1;
		return;
	}
	ng_text_append(c->text_all, sizeof(c->text_all), sq, n);
	unsigned before = c->ncand;
	candidates(c, sq, n);
	if (c->ncand == 0 && before == 0)
		ng_text_append(c->lead, sizeof(c->lead), sq, n);
}

void ng_cl_text_end(ng_classifier *c)
{
	if (c->inline_hdr[0] != '\0')
		inline_header(c, "", 0);
	c->cur = -1;
	c->in_tag = false;
}
