/*
 * parser.c - the SMTP server's input parser: command lines and message
 * content, pushed in pieces of any size (include/ndrguard/smtp.h).
 *
 * Two modes.  Reading commands, bytes are gathered into one line buffer
 * of line_max bytes until a LF; the line (its CR cut) is then parsed in
 * place: the verb, the argument, and for MAIL and RCPT the path and the
 * ESMTP parameters, each NUL-terminated inside the buffer.  A line that
 * outgrows the buffer is skipped to its LF and reported as too long; one
 * that runs past flood_max without a LF kills the parser.
 *
 * Reading content (after ng_smtp_parser_start_content), nothing is
 * gathered: pieces point into the caller's bytes.  A state remembers
 * where the previous feed stopped - at the start of a line, inside one,
 * after a dot that starts a line, after that dot and a CR - so that the
 * "." line and dot-stuffing (RFC 5321 4.5.2) are recognised however the
 * bytes are cut.  A dot that starts a line is never content: it is either
 * the stuffing dot or the end.  Only a CR after such a dot has to be held
 * back until the next byte says whether the line ends; when it does not,
 * that CR is given back as a piece of its own (a static "\r").  Line ends
 * are CRLF or a bare LF, in content as in commands (a trap takes what a
 * sloppy client sends; nothing is relayed, so bare LF smuggling is moot).
 *
 * Leniency where it costs nothing: verbs in any case, blanks around the
 * argument, "MAIL FROM: <a@b>" with a space, a path without angle
 * brackets, a source route (dropped).  Strictness where a real server is
 * strict: DATA and RSET take no argument, unknown ESMTP parameters are
 * refused, an address needs a local part and a domain (but for
 * RCPT TO:<postmaster>), control bytes are refused.
 *
 * No I/O, no global state; one parser per connection.
 */
#include <ndrguard/smtp.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum mode { M_CMD, M_CONTENT, M_DEAD };

/* Where the content reader stopped. */
enum cstate { C_BOL, C_MID, C_DOT, C_DOTCR };

struct ng_smtp_parser {
	size_t line_max, flood_max;
	enum mode mode;
	enum cstate cs;
	/* command mode */
	char *line;     /* line_max + 1 bytes */
	size_t llen;    /* bytes gathered (no LF) */
	size_t skipped; /* bytes of a line too long, so far */
	bool skipping;  /* the line outgrew the buffer */
	bool have_cmd;  /* cmd holds the last command */
	struct ng_smtp_cmd cmd;
	char verb_text[17];
	/* content mode */
	const char *piece;
	size_t piece_len;
};

static const char cr_piece[] = "\r";

struct ng_smtp_parser *ng_smtp_parser_new(const struct ng_smtp_limits *lim)
{
	struct ng_smtp_parser *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->line_max = lim != NULL && lim->line_max != 0 ? lim->line_max : NG_SMTP_LINE_MAX;
	p->flood_max = lim != NULL && lim->flood_max != 0 ? lim->flood_max : NG_SMTP_FLOOD_MAX;
	if (p->line_max < 8)
		p->line_max = 8; /* room for "QUIT\r\n" and a little */
	if (p->flood_max < p->line_max)
		p->flood_max = p->line_max;
	p->line = malloc(p->line_max + 1);
	if (p->line == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void ng_smtp_parser_free(struct ng_smtp_parser *p)
{
	if (p == NULL)
		return;
	free(p->line);
	free(p);
}

/* ----- one command line ----- */

static const struct {
	const char *name;
	enum ng_smtp_verb verb;
} verbs[] = {
    {"HELO", NG_SMTP_HELO}, {"EHLO", NG_SMTP_EHLO}, {"MAIL", NG_SMTP_MAIL},
    {"RCPT", NG_SMTP_RCPT}, {"DATA", NG_SMTP_DATA}, {"RSET", NG_SMTP_RSET},
    {"NOOP", NG_SMTP_NOOP}, {"QUIT", NG_SMTP_QUIT}, {"VRFY", NG_SMTP_VRFY},
    {"EXPN", NG_SMTP_EXPN}, {"HELP", NG_SMTP_HELP}, {"STARTTLS", NG_SMTP_STARTTLS},
    {"AUTH", NG_SMTP_AUTH}, {"BDAT", NG_SMTP_BDAT}, {"ETRN", NG_SMTP_ETRN},
    {"TURN", NG_SMTP_TURN},
};

const char *ng_smtp_verb_name(enum ng_smtp_verb v)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == v)
			return verbs[i].name;
	return "";
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void set_err(struct ng_smtp_cmd *c, enum ng_smtp_err e, const char *why)
{
	if (c->err != NG_SMTP_OK)
		return; /* the first problem is the one told */
	c->err = e;
	c->why = why;
	c->path = NULL;
}

/* atext of RFC 5322 3.2.3, and 8-bit bytes (no SMTPUTF8 is offered, but a
 * trap records what it gets rather than quibble). */
static bool atext(unsigned char c)
{
	return alnum(c) || c >= 0x80 || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* local@domain, a quoted local part allowed; "postmaster" alone when
 * bare_postmaster.  s is NUL-terminated. */
static bool mailbox_ok(const char *s, bool bare_postmaster)
{
	const char *p = s;
	if (*p == '"') {
		/* qtextSMTP and quoted-pairSMTP (RFC 5321 4.1.2): no control bytes */
		for (p++; *p != '"'; p++) {
			if ((unsigned char)*p < ' ' || *p == 0x7f)
				return false; /* the NUL that ends s, a TAB, ... */
			if (*p == '\\' && (unsigned char)p[1] >= ' ' && p[1] != 0x7f)
				p++;
		}
		p++;
	} else {
		const char *start = p;
		for (; *p != '\0' && *p != '@'; p++)
			if (!atext((unsigned char)*p) && !(*p == '.' && p > start && p[-1] != '.'))
				return false;
		if (p == start || p[-1] == '.')
			return false;
	}
	if (*p == '\0')
		return bare_postmaster && strcasecmp(s, "postmaster") == 0;
	if (*p != '@' || p == s)
		return false;
	const char *d = p + 1;
	if (*d == '[') {
		size_t n = strlen(d);
		if (n < 3 || d[n - 1] != ']')
			return false;
		for (const char *q = d + 1; q < d + n - 1; q++)
			if (*q == '[' || *q == ']' || *q == '\\' || (unsigned char)*q <= ' ')
				return false;
		return true;
	}
	if (*d == '\0' || *d == '.' || *d == '-')
		return false;
	for (const char *q = d; *q != '\0'; q++)
		if (!alnum((unsigned char)*q) && *q != '-' && *q != '.' && (unsigned char)*q < 0x80)
			return false;
	return strstr(d, "..") == NULL;
}

/*
 * The path at *pp (after "FROM:" or "TO:" and blanks): <path>, or a bare
 * address up to the next blank.  NUL-terminates it in place and returns
 * it (source route dropped), *pp past it; NULL when malformed.
 */
static char *take_path(char **pp)
{
	char *s = *pp;
	char *start, *end;
	if (*s == '<') {
		start = s + 1;
		bool quoted = false;
		for (end = start; *end != '\0'; end++) {
			if (quoted && *end == '\\' && end[1] != '\0')
				end++;
			else if (*end == '"')
				quoted = !quoted;
			else if (!quoted && *end == '>')
				break;
		}
		if (*end != '>' || (end[1] != '\0' && !blank(end[1])))
			return NULL; /* unterminated, or junk right after '>' */
		*end = '\0';
		*pp = end + 1;
	} else {
		start = s;
		for (end = s; *end != '\0' && !blank(*end); end++)
			;
		if (end == start || *start == '>')
			return NULL;
		*pp = end;
		if (*end != '\0') {
			*end = '\0';
			*pp = end + 1;
		}
	}
	if (*start == '@') { /* source route: @a,@b:mailbox */
		char *colon = strchr(start, ':');
		if (colon == NULL)
			return NULL;
		start = colon + 1;
	}
	return start;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* esmtp-param *(SP esmtp-param) of RFC 5321 4.1.2, for MAIL or RCPT. */
static void parse_params(struct ng_smtp_cmd *c, char *s, bool mail)
{
	while (c->err == NG_SMTP_OK) {
		while (blank(*s))
			s++;
		if (*s == '\0')
			return;
		char *key = s;
		while (*s != '\0' && !blank(*s))
			s++;
		if (*s != '\0')
			*s++ = '\0';
		char *val = strchr(key, '=');
		if (val != NULL)
			*val++ = '\0';
		bool ok = alnum((unsigned char)key[0]);
		for (const char *k = key; ok && *k != '\0'; k++)
			ok = alnum((unsigned char)*k) || *k == '-';
		for (const char *v = val; ok && v != NULL && *v != '\0'; v++)
			ok = *v != '=' && (unsigned char)*v > ' ' && (unsigned char)*v < 0x7f;
		if (!ok || (val != NULL && *val == '\0')) {
			set_err(c, NG_SMTP_ESYNTAX, "bad ESMTP parameter syntax");
			return;
		}
		if (mail && strcasecmp(key, "SIZE") == 0) {
			if (c->has_size)
				set_err(c, NG_SMTP_EVALUE, "SIZE given twice");
			else if (val == NULL || !parse_u64(val, &c->size))
				set_err(c, NG_SMTP_EVALUE, "bad SIZE value");
			c->has_size = true;
		} else if (mail && strcasecmp(key, "BODY") == 0) {
			if (c->body != NG_SMTP_BODY_NONE)
				set_err(c, NG_SMTP_EVALUE, "BODY given twice");
			else if (val != NULL && strcasecmp(val, "7BIT") == 0)
				c->body = NG_SMTP_BODY_7BIT;
			else if (val != NULL && strcasecmp(val, "8BITMIME") == 0)
				c->body = NG_SMTP_BODY_8BITMIME;
			else
				set_err(c, NG_SMTP_EVALUE, "bad BODY value");
		} else {
			set_err(c, NG_SMTP_EPARAM, "unsupported ESMTP parameter");
		}
	}
}

/* MAIL FROM:<path> [params] or RCPT TO:<path> [params]. */
static void parse_path_cmd(struct ng_smtp_cmd *c, char *arg, bool mail)
{
	const char *kw = mail ? "FROM:" : "TO:";
	size_t kwlen = strlen(kw);
	if (strncasecmp(arg, kw, kwlen) != 0) {
		set_err(c, NG_SMTP_ESYNTAX,
		        mail ? "syntax: MAIL FROM:<address>" : "syntax: RCPT TO:<address>");
		return;
	}
	char *s = arg + kwlen;
	while (blank(*s))
		s++;
	if (*s == '\0') {
		set_err(c, NG_SMTP_ESYNTAX, "missing address");
		return;
	}
	char *path = take_path(&s);
	if (path == NULL || (*path == '\0' && !mail) ||
	    (*path != '\0' && !mailbox_ok(path, !mail))) {
		set_err(c, NG_SMTP_ESYNTAX, "bad address syntax");
		return;
	}
	c->path = path;
	parse_params(c, s, mail);
}

/* Parse the line in p->line (llen bytes, CR cut) into p->cmd. */
static void parse_line(struct ng_smtp_parser *p, size_t total)
{
	struct ng_smtp_cmd *c = &p->cmd;
	memset(c, 0, sizeof(*c));
	c->len = total;
	c->arg = "";
	c->verb_text = p->verb_text;
	p->verb_text[0] = '\0';
	p->have_cmd = true;
	char *s = p->line;
	size_t n = p->llen;
	s[n] = '\0';

	size_t vlen = 0;
	while (vlen < n && !blank(s[vlen]) && s[vlen] != '\0')
		vlen++;
	size_t vcopy = vlen < sizeof(p->verb_text) - 1 ? vlen : sizeof(p->verb_text) - 1;
	memcpy(p->verb_text, s, vcopy);
	p->verb_text[vcopy] = '\0';
	if (memchr(s, '\0', n) != NULL) {
		set_err(c, NG_SMTP_ENUL, "NUL byte in a command");
		/* still say which verb it was, for the log */
	}
	if (n == 0) {
		set_err(c, NG_SMTP_EEMPTY, "empty command");
		return;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == vlen && strncasecmp(verbs[i].name, s, vlen) == 0)
			c->verb = verbs[i].verb;
	if (c->verb == NG_SMTP_NONE) {
		set_err(c, NG_SMTP_EVERB, "command not recognized");
		return;
	}
	if (c->err != NG_SMTP_OK)
		return;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f) {
			set_err(c, NG_SMTP_ESYNTAX, "control character in a command");
			return;
		}
	char *arg = s + vlen;
	while (blank(*arg))
		arg++;
	char *end = s + n;
	while (end > arg && blank(end[-1]))
		*--end = '\0';
	c->arg = arg;
	bool has_arg = *arg != '\0';
	switch (c->verb) {
	case NG_SMTP_HELO:
	case NG_SMTP_EHLO:
		if (!has_arg)
			set_err(c, NG_SMTP_ESYNTAX, "a host name is needed");
		break;
	case NG_SMTP_MAIL:
	case NG_SMTP_RCPT:
		parse_path_cmd(c, arg, c->verb == NG_SMTP_MAIL);
		break;
	case NG_SMTP_DATA:
	case NG_SMTP_RSET:
		if (has_arg)
			set_err(c, NG_SMTP_ESYNTAX, "no argument allowed");
		break;
	case NG_SMTP_VRFY:
	case NG_SMTP_EXPN:
		if (!has_arg)
			set_err(c, NG_SMTP_ESYNTAX, "an address is needed");
		break;
	default: /* QUIT, NOOP, HELP take anything; the rest are not offered */
		break;
	}
}

/* ----- feeding ----- */

static enum ng_smtp_feed feed_command(struct ng_smtp_parser *p, const char *data, size_t len,
                                      size_t *used)
{
	const char *nl = memchr(data, '\n', len);
	size_t take = nl != NULL ? (size_t)(nl - data) : len; /* bytes before the LF */
	if (!p->skipping && p->llen + take + (nl != NULL) > p->line_max) {
		p->skipping = true;
		p->skipped = p->llen;
		p->llen = 0;
	}
	if (p->skipping) {
		/* the bytes before the LF decide, whether the LF is in this
		 * feed or not: the verdict must not depend on the cutting */
		p->skipped += take;
		if (p->skipped > p->flood_max) {
			*used = len;
			p->mode = M_DEAD;
			return NG_SMTP_FLOOD;
		}
		if (nl == NULL) {
			*used = len;
			return NG_SMTP_MORE;
		}
		p->skipped++; /* the LF */
		*used = take + 1;
		memset(&p->cmd, 0, sizeof(p->cmd));
		p->cmd.err = NG_SMTP_ETOOLONG;
		p->cmd.why = "line too long";
		p->cmd.arg = "";
		p->verb_text[0] = '\0';
		p->cmd.verb_text = p->verb_text;
		p->cmd.len = p->skipped;
		p->have_cmd = true;
		p->skipping = false;
		p->skipped = 0;
		return NG_SMTP_COMMAND;
	}
	memcpy(p->line + p->llen, data, take);
	p->llen += take;
	if (nl == NULL) {
		*used = len;
		return NG_SMTP_MORE;
	}
	*used = take + 1;
	size_t total = p->llen + 1;
	if (p->llen > 0 && p->line[p->llen - 1] == '\r')
		p->llen--;
	parse_line(p, total);
	p->llen = 0;
	return NG_SMTP_COMMAND;
}

static enum ng_smtp_feed feed_content(struct ng_smtp_parser *p, const char *data, size_t len,
                                      size_t *used)
{
	size_t pos = 0;
	/* the states that take bytes without giving content */
	while (pos < len) {
		if (p->cs == C_BOL && data[pos] == '.') {
			p->cs = C_DOT;
			pos++;
		} else if (p->cs == C_DOT && data[pos] == '\r') {
			p->cs = C_DOTCR;
			pos++;
		} else if ((p->cs == C_DOT || p->cs == C_DOTCR) && data[pos] == '\n') {
			*used = pos + 1;
			p->mode = M_CMD;
			p->cs = C_BOL;
			return NG_SMTP_CONTENT_END;
		} else if (p->cs == C_DOTCR) {
			/* ".\rX": the dot was stuffing; the CR is content */
			*used = pos;
			p->cs = C_MID;
			p->piece = cr_piece;
			p->piece_len = 1;
			return NG_SMTP_CONTENT;
		} else {
			if (p->cs == C_DOT)
				p->cs = C_MID; /* ".X": a stuffed dot, dropped */
			break;
		}
	}
	if (pos == len) {
		*used = len;
		return NG_SMTP_MORE;
	}
	/* content up to the end of the input or a line that starts with '.' */
	size_t start = pos;
	if (p->cs == C_BOL)
		p->cs = C_MID;
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		if (nl == NULL) {
			pos = len;
			p->cs = C_MID;
			break;
		}
		pos = (size_t)(nl - data) + 1;
		p->cs = C_BOL;
		if (pos < len && data[pos] == '.')
			break;
	}
	*used = pos;
	p->piece = data + start;
	p->piece_len = pos - start;
	return NG_SMTP_CONTENT;
}

enum ng_smtp_feed ng_smtp_parser_feed(struct ng_smtp_parser *p, const char *data, size_t len,
                                      size_t *used)
{
	*used = 0;
	p->have_cmd = false;
	p->piece = NULL;
	p->piece_len = 0;
	switch (p->mode) {
	case M_DEAD:
		return NG_SMTP_FLOOD;
	case M_CONTENT:
		if (len == 0)
			return NG_SMTP_MORE;
		return feed_content(p, data, len, used);
	case M_CMD:
	default:
		if (len == 0)
			return NG_SMTP_MORE;
		return feed_command(p, data, len, used);
	}
}

const struct ng_smtp_cmd *ng_smtp_parser_command(const struct ng_smtp_parser *p)
{
	return p->have_cmd ? &p->cmd : NULL;
}

const char *ng_smtp_parser_content(const struct ng_smtp_parser *p, size_t *len)
{
	*len = p->piece_len;
	return p->piece;
}

void ng_smtp_parser_start_content(struct ng_smtp_parser *p)
{
	if (p->mode == M_DEAD)
		return;
	p->mode = M_CONTENT;
	p->cs = C_BOL;
	p->llen = 0;
	p->skipping = false;
	p->skipped = 0;
}

bool ng_smtp_parser_pending(const struct ng_smtp_parser *p)
{
	return p->mode == M_CONTENT || (p->mode == M_CMD && (p->llen > 0 || p->skipping));
}
