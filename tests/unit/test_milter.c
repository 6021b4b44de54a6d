/*
 * test_milter.c - unit tests of the milter protocol sessions
 * (include/ndrguard/milter.h, lib/milter/session.c).
 *
 * One table of named cases.  Each gives what the filter negotiates, the
 * MTA's packets in a small notation, and the two things wanted: the
 * callbacks run (a trace) and the replies sent (decoded to text).  Every
 * case is fed whole, one byte at a time and in cuts of 1..7 bytes; all
 * three must give the same trace and replies.  Then the API's own rules:
 * changes only at end of message, reply texts, macro lookups.
 *
 * Packet notation, one packet per ';': "O" offers everything (version 6,
 * every action, every protocol step); "Ov:a:p" offers version v, actions
 * a and steps p (hex); otherwise the command letter, then ':' and the
 * fields separated by '|', each sent with its NUL, except for B and E
 * whose one field is sent raw and C whose fields are host|family|port|
 * address (port as 2 bytes).  "!len" sends a bare length word (bad input).
 *
 * The filter: RCPT of "<reject@x>" sets a 550 reply and rejects,
 * "<tempfail@x>" tempfails with no text, "<wrongclass@x>" sets a 451 text
 * but rejects (the text must be dropped); a header "X-Skip" makes the next
 * body chunk answer SKIP; at end of message the macro {action} chooses a
 * change: "header", "from", "rcpt", "quarantine", "discard", "reject".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ndrguard/milter.h"
#include "util/buf.h"
#include "util/limits.h"

/* ----- the filter ----- */

struct filt {
	unsigned long want_a, want_p;
	bool refuse;
	const char *symlist; /* asked for at MAIL */
	bool skip_next;
	ng_buf trace;
	int closes;
};

static struct filt *F(struct ng_milter_ctx *ctx)
{
	return ng_milter_app(ctx);
}

static void tr(struct ng_milter_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void tr(struct ng_milter_ctx *ctx, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ng_buf *b = &F(ctx)->trace;
	if (b->len > 0)
		ng_buf_puts(b, " ");
	ng_buf_puts(b, line);
}

static enum ng_milter_stat f_negotiate(struct ng_milter_ctx *ctx, unsigned long a, unsigned long p,
                                       unsigned long *wa, unsigned long *wp)
{
	struct filt *f = F(ctx);
	tr(ctx, "neg");
	(void)a;
	(void)p;
	*wa = f->want_a;
	*wp = f->want_p;
	if (f->symlist != NULL)
		assert_int_equal(ng_milter_setsymlist(ctx, NG_MILTER_STAGE_MAIL, f->symlist), 0);
	ng_milter_setpriv(ctx, f);
	return f->refuse ? NG_MILTER_TEMPFAIL : NG_MILTER_CONTINUE;
}

static enum ng_milter_stat nr(struct ng_milter_ctx *ctx, unsigned long flag)
{
	return (F(ctx)->want_p & flag) ? NG_MILTER_NOREPLY : NG_MILTER_CONTINUE;
}

static enum ng_milter_stat f_connect(struct ng_milter_ctx *ctx, const char *host,
                                     const struct sockaddr *sa)
{
	char a[64] = "-";
	unsigned port = 0;
	if (sa != NULL && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		port = ntohs(in->sin_port);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		port = ntohs(in6->sin6_port);
	}
	tr(ctx, "conn:%s:%s:%u", host, a, port);
	return nr(ctx, NG_MILTER_P_NR_CONN);
}

static enum ng_milter_stat f_helo(struct ng_milter_ctx *ctx, const char *name)
{
	tr(ctx, "helo:%s", name);
	return nr(ctx, NG_MILTER_P_NR_HELO);
}

static void args(struct ng_milter_ctx *ctx, const char *what, char **argv)
{
	char line[256] = "";
	size_t at = 0;
	for (size_t i = 0; argv[i] != NULL; i++)
		at += (size_t)snprintf(line + at, sizeof(line) - at, "%s%s", i ? "," : "", argv[i]);
	tr(ctx, "%s:%s", what, line);
}

static enum ng_milter_stat f_envfrom(struct ng_milter_ctx *ctx, char **argv)
{
	args(ctx, "mail", argv);
	const char *auth = ng_milter_getsymval(ctx, "{auth_authen}");
	if (auth != NULL)
		tr(ctx, "auth=%s", auth);
	return nr(ctx, NG_MILTER_P_NR_MAIL);
}

static enum ng_milter_stat f_envrcpt(struct ng_milter_ctx *ctx, char **argv)
{
	args(ctx, "rcpt", argv);
	if (strcmp(argv[0], "<reject@x>") == 0) {
		assert_int_equal(ng_milter_setreply(ctx, "550", "5.1.1", "no such user"), 0);
		return NG_MILTER_REJECT;
	}
	if (strcmp(argv[0], "<tempfail@x>") == 0)
		return NG_MILTER_TEMPFAIL;
	if (strcmp(argv[0], "<wrongclass@x>") == 0) {
		assert_int_equal(ng_milter_setreply(ctx, "451", NULL, "later"), 0);
		return NG_MILTER_REJECT;
	}
	return nr(ctx, NG_MILTER_P_NR_RCPT);
}

static enum ng_milter_stat f_data(struct ng_milter_ctx *ctx)
{
	tr(ctx, "data");
	return nr(ctx, NG_MILTER_P_NR_DATA);
}

static enum ng_milter_stat f_header(struct ng_milter_ctx *ctx, const char *n, const char *v)
{
	tr(ctx, "hdr:%s=%s", n, v);
	if (strcmp(n, "X-Skip") == 0)
		F(ctx)->skip_next = true;
	return nr(ctx, NG_MILTER_P_NR_HDR);
}

static enum ng_milter_stat f_eoh(struct ng_milter_ctx *ctx)
{
	tr(ctx, "eoh");
	return nr(ctx, NG_MILTER_P_NR_EOH);
}

static enum ng_milter_stat f_body(struct ng_milter_ctx *ctx, const unsigned char *p, size_t n)
{
	tr(ctx, "body:%.*s", (int)n, (const char *)p);
	if (F(ctx)->skip_next)
		return NG_MILTER_SKIP;
	return nr(ctx, NG_MILTER_P_NR_BODY);
}

static enum ng_milter_stat f_eom(struct ng_milter_ctx *ctx)
{
	const char *i = ng_milter_getsymval(ctx, "i");
	const char *i2 = ng_milter_getsymval(ctx, "{i}");
	tr(ctx, "eom:i=%s:{i}=%s", i != NULL ? i : "-", i2 != NULL ? i2 : "-");
	const char *a = ng_milter_getsymval(ctx, "{action}");
	if (a == NULL)
		return NG_MILTER_CONTINUE;
	if (strcmp(a, "header") == 0) {
		tr(ctx, "add=%d", ng_milter_addheader(ctx, "X-Test", "yes"));
	} else if (strcmp(a, "from") == 0) {
		tr(ctx, "chgfrom=%d", ng_milter_chgfrom(ctx, "<new@x>", NULL));
	} else if (strcmp(a, "rcpt") == 0) {
		tr(ctx, "addrcpt=%d", ng_milter_addrcpt(ctx, "<b@x>"));
		tr(ctx, "delrcpt=%d", ng_milter_delrcpt(ctx, "<a@x>"));
	} else if (strcmp(a, "quarantine") == 0) {
		tr(ctx, "q=%d", ng_milter_quarantine(ctx, "held"));
	} else if (strcmp(a, "discard") == 0) {
		return NG_MILTER_DISCARD;
	} else if (strcmp(a, "reject") == 0) {
		ng_milter_setreply(ctx, "554", "5.7.1", "100% bad");
		return NG_MILTER_REJECT;
	}
	return NG_MILTER_CONTINUE;
}

static void f_abort(struct ng_milter_ctx *ctx)
{
	tr(ctx, "abort");
	F(ctx)->skip_next = false;
}

static void f_close(struct ng_milter_ctx *ctx)
{
	tr(ctx, "close");
	F(ctx)->closes++;
}

static const struct ng_milter_desc filter = {
    .name = "test",
    .negotiate = f_negotiate,
    .connect = f_connect,
    .helo = f_helo,
    .envfrom = f_envfrom,
    .envrcpt = f_envrcpt,
    .data = f_data,
    .header = f_header,
    .eoh = f_eoh,
    .body = f_body,
    .eom = f_eom,
    .abort = f_abort,
    .close = f_close,
};

/* ----- packets ----- */

static void put_len(ng_buf *b, size_t len)
{
	unsigned char w[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
	                      (unsigned char)(len >> 8), (unsigned char)len};
	ng_buf_append(b, w, 4);
}

/* One packet of the notation into b. */
static void packet(ng_buf *b, const char *spec)
{
	ng_buf body;
	ng_buf_init(&body, 1 << 20);
	char cmd = spec[0];
	const char *f = spec[1] == ':' ? spec + 2 : spec + 1;
	if (cmd == '!') {
		put_len(b, strtoul(f, NULL, 10));
		ng_buf_free(&body);
		return;
	}
	if (cmd == 'O' && spec[1] == ':') {
		ng_buf_puts(&body, f); /* raw bytes */
	} else if (cmd == 'O') {
		unsigned long v = 6, a = 0x1ff, p = 0x1fffff;
		if (*f != '\0') {
			char *end;
			v = strtoul(f, &end, 16);
			a = strtoul(end + 1, &end, 16);
			p = strtoul(end + 1, &end, 16);
		}
		unsigned char w[12];
		unsigned long x[3] = {v, a, p};
		for (int i = 0; i < 3; i++) {
			w[4 * i] = (unsigned char)(x[i] >> 24);
			w[4 * i + 1] = (unsigned char)(x[i] >> 16);
			w[4 * i + 2] = (unsigned char)(x[i] >> 8);
			w[4 * i + 3] = (unsigned char)x[i];
		}
		ng_buf_append(&body, w, 12);
	} else if (cmd == 'B' || cmd == 'E') {
		ng_buf_puts(&body, f);
	} else if (cmd == 'C') {
		char host[256], fam[256], port[256], addr[256];
		char tmp[1024];
		snprintf(tmp, sizeof(tmp), "%.255s", f);
		char *s = tmp, *parts[4] = {host, fam, port, addr};
		size_t caps[4] = {sizeof(host), sizeof(fam), sizeof(port), sizeof(addr)};
		for (int i = 0; i < 4; i++) {
			char *bar = strchr(s, '|');
			if (bar != NULL)
				*bar = '\0';
			snprintf(parts[i], caps[i], "%s", s);
			s = bar != NULL ? bar + 1 : s + strlen(s);
		}
		ng_buf_append(&body, host, strlen(host) + 1);
		ng_buf_append(&body, fam, 1);
		if (fam[0] == '4' || fam[0] == '6' || fam[0] == 'L') {
			unsigned pt = (unsigned)strtoul(port, NULL, 10);
			unsigned char w[2] = {(unsigned char)(pt >> 8), (unsigned char)pt};
			ng_buf_append(&body, w, 2);
			ng_buf_append(&body, addr, strlen(addr) + 1);
		}
	} else if (cmd == 'D') {
		/* D:M|name|value|... : the step letter raw, then the strings */
		if (f[0] != '\0')
			ng_buf_append(&body, f, 1);
		const char *s = f[0] == '\0' ? f : f[1] == '|' ? f + 2 : f + 1;
		while (*s != '\0') {
			const char *bar = strchr(s, '|');
			size_t n = bar != NULL ? (size_t)(bar - s) : strlen(s);
			ng_buf_append(&body, s, n);
			ng_buf_append(&body, "", 1);
			s += n + (bar != NULL);
		}
	} else if (*f != '\0' || spec[1] == ':') {
		const char *s = f;
		for (;;) {
			const char *bar = strchr(s, '|');
			size_t n = bar != NULL ? (size_t)(bar - s) : strlen(s);
			ng_buf_append(&body, s, n);
			ng_buf_append(&body, "", 1);
			if (bar == NULL)
				break;
			s = bar + 1;
		}
	}
	put_len(b, 1 + body.len);
	ng_buf_append(b, &cmd, 1);
	if (body.len > 0)
		ng_buf_append(b, body.data, body.len);
	ng_buf_free(&body);
}

static void packets(ng_buf *b, const char *notation)
{
	const char *s = notation;
	while (*s != '\0') {
		while (*s == ' ')
			s++;
		const char *semi = strchr(s, ';');
		size_t n = semi != NULL ? (size_t)(semi - s) : strlen(s);
		char one[1024];
		snprintf(one, sizeof(one), "%.*s", (int)n, s);
		packet(b, one);
		s += n + (semi != NULL);
	}
}

/* The replies as text. */
static void decode(const unsigned char *p, size_t len, ng_buf *out)
{
	size_t at = 0;
	while (len - at >= 5) {
		size_t n = (size_t)p[at] << 24 | (size_t)p[at + 1] << 16 | (size_t)p[at + 2] << 8 |
		           p[at + 3];
		assert_true(n >= 1 && at + 4 + n <= len);
		char cmd = (char)p[at + 4];
		const unsigned char *d = p + at + 5;
		size_t dl = n - 1;
		if (out->len > 0)
			ng_buf_puts(out, " ");
		if (cmd == 'O') {
			assert_true(dl >= 12);
			uint32_t v[3];
			for (int i = 0; i < 3; i++)
				v[i] = (uint32_t)d[4 * i] << 24 | (uint32_t)d[4 * i + 1] << 16 |
				       (uint32_t)d[4 * i + 2] << 8 | d[4 * i + 3];
			ng_buf_printf(out, "O%u:%x:%x", v[0], v[1], v[2]);
			for (size_t i = 12; i + 4 < dl;) {
				uint32_t st = (uint32_t)d[i] << 24 | (uint32_t)d[i + 1] << 16 |
				              (uint32_t)d[i + 2] << 8 | d[i + 3];
				const char *s = (const char *)d + i + 4;
				ng_buf_printf(out, "[%u=%s]", st, s);
				i += 4 + strlen(s) + 1;
			}
		} else {
			ng_buf_append(out, &cmd, 1);
			for (size_t i = 0; i < dl; i++) {
				if (i == 0)
					ng_buf_puts(out, ":");
				char ch = d[i] == '\0' ? (i + 1 < dl ? '|' : '\0') : (char)d[i];
				if (ch != '\0')
					ng_buf_append(out, &ch, 1);
			}
		}
		at += 4 + n;
	}
	assert_int_equal(at, len);
}

/* ----- the cases ----- */

#define ALL_STEPS 0UL
#define NR_ALL                                                                                     \
	(NG_MILTER_P_NR_CONN | NG_MILTER_P_NR_HELO | NG_MILTER_P_NR_MAIL | NG_MILTER_P_NR_RCPT |   \
	 NG_MILTER_P_NR_DATA | NG_MILTER_P_NR_HDR | NG_MILTER_P_NR_EOH | NG_MILTER_P_NR_BODY)

struct mcase {
	const char *name;
	unsigned long want_a, want_p;
	const char *symlist;
	const char *in;
	const char *want_trace;
	const char *want_out;
	bool want_close; /* the input function says close */
	const char *want_err;
};

static const struct mcase cases[] = {
    {"negotiation only", 0, 0, NULL, "O", "neg close", "O6:0:0", false, ""},
    {"negotiation answers the filter's choice", NG_MILTER_A_ADDHDRS,
     NG_MILTER_P_NOHELO | NG_MILTER_P_SKIP, NULL, "O", "neg close", "O6:1:402", false, ""},
    {"older MTA version is answered with its own", 0, 0, NULL, "O2:3f:7f", "neg close", "O2:0:0",
     false, ""},
    {"symbol list at MAIL", NG_MILTER_A_SETSYMLIST, 0, "i {auth_authen}", "O", "neg close",
     "O6:100:0[2=i {auth_authen}]", false, ""},
    {"filter wants an action not offered", NG_MILTER_A_CHGFROM, 0, NULL, "O2:1:7f", "neg close", "",
     true, "the filter wants what the MTA does not offer (command 'O')"},
    {"filter wants a step not offered", 0, NG_MILTER_P_SKIP, NULL, "O6:1ff:0", "neg close", "",
     true, "the filter wants what the MTA does not offer (command 'O')"},
    {"short negotiation packet", 0, 0, NULL, "O:x", "", "", true,
     "short option negotiation (command 'O')"},
    {"version 1 refused", 0, 0, NULL, "O1:1:1", "", "", true,
     "MTA protocol version too old (command 'O')"},
    {"command before negotiation", 0, 0, NULL, "H:mx", "", "", true,
     "command before option negotiation (command 'H')"},
    {"whole message, every step answered", 0, 0, NULL,
     "O; C:mx.example|4|2525|192.0.2.1; H:client.example; M:<a@x>|SIZE=10; R:<b@x>; T; "
     "L:Subject|hi; N; B:hello; E; Q",
     "neg conn:mx.example:192.0.2.1:2525 helo:client.example mail:<a@x>,SIZE=10 rcpt:<b@x> data "
     "hdr:Subject=hi eoh body:hello eom:i=-:{i}=- close",
     "O6:0:0 c c c c c c c c c", true, ""},
    {"no-reply steps are not answered", 0, NR_ALL, NULL,
     "O; C:h|4|25|192.0.2.1; H:x; M:<a@x>; R:<b@x>; T; L:A|1; L:B|2; N; B:x; E; Q",
     "neg conn:h:192.0.2.1:25 helo:x mail:<a@x> rcpt:<b@x> data hdr:A=1 hdr:B=2 eoh body:x "
     "eom:i=-:{i}=- close",
     "O6:0:df080 c", true, ""},
    {"IPv6 client, Sendmail's IPv6: prefix", 0, NG_MILTER_P_NR_CONN, NULL,
     "O; C:h|6|587|IPv6:2001:db8::1; C:h|6|25|2001:db8::2",
     "neg conn:h:2001:db8::1:587 conn:h:2001:db8::2:25 close", "O6:0:1000", false, ""},
    {"unix and unknown clients have no address", 0, 0, NULL, "O; C:localhost|L|0|/sock; C:u|U",
     "neg conn:localhost:-:0 conn:u:-:0 close", "O6:0:0 c c", false, ""},
    {"unparsable address: no sockaddr", 0, 0, NULL, "O; C:h|4|25|not-an-ip", "neg conn:h:-:0 close",
     "O6:0:0 c", false, ""},
    {"RCPT reject with a reply text", 0, NR_ALL, NULL, "O; M:<a@x>; R:<reject@x>; R:<b@x>",
     "neg mail:<a@x> rcpt:<reject@x> rcpt:<b@x> close", "O6:0:df080", false, ""},
    {"RCPT answers: reply text, plain tempfail, text of the wrong class dropped", 0, 0, NULL,
     "O; M:<a@x>; R:<reject@x>; R:<tempfail@x>; R:<wrongclass@x>; R:<ok@x>",
     "neg mail:<a@x> rcpt:<reject@x> rcpt:<tempfail@x> rcpt:<wrongclass@x> rcpt:<ok@x> close",
     "O6:0:0 c y:550 5.1.1 no such user t r c", false, ""},
    {"macros: latest stage first, both name forms, cleared after the message", 0, NR_ALL, NULL,
     "O; D:C|j|mx; D:M|{auth_authen}|joe|i|Q1; M:<a@x>; D:E|{i}|Q2; E; M:<c@x>; E",
     "neg mail:<a@x> auth=joe eom:i=Q2:{i}=Q2 mail:<c@x> eom:i=-:{i}=- close", "O6:0:df080 c c",
     false, ""},
    {"macros for an unknown step are ignored", 0, NR_ALL, NULL, "O; D:L; D:Z|a|b; M:<a@x>; E",
     "neg mail:<a@x> eom:i=-:{i}=- close", "O6:0:df080 c", false, ""},
    {"abort forgets the message's macros", 0, NR_ALL, NULL, "O; D:M|i|Q1; M:<a@x>; A; M:<b@x>; E",
     "neg mail:<a@x> abort mail:<b@x> eom:i=-:{i}=- close", "O6:0:df080 c", false, ""},
    {"SKIP answered when offered and negotiated", 0, NG_MILTER_P_SKIP, NULL,
     "O; L:X-Skip|1; N; B:one; E", "neg hdr:X-Skip=1 eoh body:one eom:i=-:{i}=- close",
     "O6:0:400 c c s c", false, ""},
    {"SKIP without the step is CONTINUE", 0, 0, NULL, "O; L:X-Skip|1; B:one",
     "neg hdr:X-Skip=1 body:one close", "O6:0:0 c c", false, ""},
    {"last body chunk inside end of message", 0, 0, NULL, "O; B:one; E:two",
     "neg body:one body:two eom:i=-:{i}=- close", "O6:0:0 c c", false, ""},
    {"add header at end of message", NG_MILTER_A_ADDHDRS, NR_ALL, NULL, "O; D:E|{action}|header; E",
     "neg eom:i=-:{i}=- add=0 close", "O6:1:df080 h:X-Test|yes c", false, ""},
    {"add header not negotiated", 0, NR_ALL, NULL, "O; D:E|{action}|header; E",
     "neg eom:i=-:{i}=- add=-1 close", "O6:0:df080 c", false, ""},
    {"change sender, recipients, quarantine",
     NG_MILTER_A_CHGFROM | NG_MILTER_A_ADDRCPT | NG_MILTER_A_DELRCPT | NG_MILTER_A_QUARANTINE,
     NR_ALL, NULL, "O; D:E|{action}|from; E; D:E|{action}|rcpt; E; D:E|{action}|quarantine; E",
     "neg eom:i=-:{i}=- chgfrom=0 eom:i=-:{i}=- addrcpt=0 delrcpt=0 eom:i=-:{i}=- q=0 close",
     "O6:6c:df080 e:<new@x> c +:<b@x> -:<a@x> c q:held c", false, ""},
    {"discard and reject at end of message", 0, NR_ALL, NULL,
     "O; D:E|{action}|discard; E; D:E|{action}|reject; E", "neg eom:i=-:{i}=- eom:i=-:{i}=- close",
     "O6:0:df080 d y:554 5.7.1 100% bad", false, ""},
    {"quit and a new session on the connection", 0, NR_ALL, NULL, "O; M:<a@x>; K; O; M:<b@x>; Q",
     "neg mail:<a@x> close neg mail:<b@x> close", "O6:0:df080 O6:0:df080", true, ""},
    {"the filter refuses the session", 0, 0, NULL, "O", "neg close", "", true,
     "the filter refused the session (command 'O')"},
    {"empty packet", 0, 0, NULL, "O; !0", "neg close", "O6:0:0", true, "empty packet"},
    {"packet over the cap", 0, 0, NULL, "O; !2000000", "neg close", "O6:0:0", true,
     "packet too large"},
    {"string without its NUL", 0, 0, NULL, "O; M", "neg close", "O6:0:0", true,
     "bad MAIL packet (command 'M')"},
    {"header without its value", 0, 0, NULL, "O; L:Subject", "neg close", "O6:0:0", true,
     "bad header packet (command 'L')"},
    {"unknown command", 0, 0, NULL, "O; z", "neg close", "O6:0:0", true,
     "unknown command (command 'z')"},
    {"empty macro packet", 0, 0, NULL, "O; D", "neg close", "O6:0:0", true,
     "bad macro packet (command 'D')"},
};

/* Feed in pieces of `cut` bytes (0: whole; -1: 1..7 cycling). */
static void run_case(const struct mcase *c, int cut, ng_buf *trace, ng_buf *out, bool *closed,
                     char *err, size_t errlen)
{
	struct filt f = {.want_a = c->want_a, .want_p = c->want_p, .symlist = c->symlist};
	f.refuse = strcmp(c->name, "the filter refuses the session") == 0;
	ng_buf_init(&f.trace, 1 << 16);
	struct ng_milter_ctx *ctx = ng_milter_new(&filter, &f);
	assert_non_null(ctx);
	ng_buf in;
	ng_buf_init(&in, 1 << 22);
	packets(&in, c->in);
	ng_buf replies;
	ng_buf_init(&replies, 1 << 20);
	*closed = false;
	size_t at = 0, k = 1;
	while (at < in.len && !*closed) {
		size_t n = cut == 0 ? in.len - at : cut > 0 ? (size_t)cut : k;
		if (n > in.len - at)
			n = in.len - at;
		k = k % 7 + 1;
		*closed = ng_milter_feed(ctx, in.data + at, n) == NG_MILTER_CLOSE;
		at += n;
		size_t ol;
		const unsigned char *o = ng_milter_output(ctx, &ol);
		ng_buf_append(&replies, o, ol);
		ng_milter_consumed(ctx, ol);
	}
	snprintf(err, errlen, "%s", ng_milter_error(ctx));
	ng_milter_end(ctx);
	ng_milter_end(ctx); /* twice: a second close would show in the trace */
	decode((const unsigned char *)replies.data, replies.len, out);
	ng_buf_append(trace, f.trace.data != NULL ? f.trace.data : "", f.trace.len);
	ng_buf_free(&f.trace);
	ng_buf_free(&in);
	ng_buf_free(&replies);
	ng_milter_free(ctx);
}

static void test_cases(void **state)
{
	(void)state;
	int failed = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mcase *c = &cases[i];
		const int cuts[3] = {0, 1, -1};
		for (int j = 0; j < 3; j++) {
			ng_buf trace, out;
			ng_buf_init(&trace, 1 << 16);
			ng_buf_init(&out, 1 << 16);
			bool closed;
			char err[200];
			run_case(c, cuts[j], &trace, &out, &closed, err, sizeof(err));
			const char *gt = trace.data != NULL ? trace.data : "";
			const char *go = out.data != NULL ? out.data : "";
			if (strcmp(gt, c->want_trace) != 0 || strcmp(go, c->want_out) != 0 ||
			    closed != c->want_close || strcmp(err, c->want_err) != 0) {
				printf(
				    "FAIL %s (cut %d)\n  trace got:  %s\n        want: %s\n"
				    "  out   got:  %s\n        want: %s\n  close got %d want %d\n"
				    "  error got:  '%s'\n        want: '%s'\n",
				    c->name, cuts[j], gt, c->want_trace, go, c->want_out, closed,
				    c->want_close, err, c->want_err);
				failed++;
			}
			ng_buf_free(&trace);
			ng_buf_free(&out);
		}
	}
	printf("%zu cases x 3 cuttings, %d failed\n", sizeof(cases) / sizeof(cases[0]), failed);
	assert_int_equal(failed, 0);
}

/* The rules of the API outside a session's flow. */
static void test_api(void **state)
{
	(void)state;
	struct filt f = {0};
	ng_buf_init(&f.trace, 4096);
	struct ng_milter_ctx *ctx = ng_milter_new(&filter, &f);
	assert_non_null(ctx);
	/* reply codes */
	assert_int_equal(ng_milter_setreply(ctx, "250", NULL, "ok"), -1);
	assert_int_equal(ng_milter_setreply(ctx, "55", NULL, NULL), -1);
	assert_int_equal(ng_milter_setreply(ctx, "5x0", NULL, NULL), -1);
	assert_int_equal(ng_milter_setreply(ctx, "550", "5.7.1", "a\r\nb"), -1);
	assert_int_equal(ng_milter_setreply(ctx, "550", NULL, NULL), 0);
	assert_int_equal(ng_milter_setreply(ctx, "421", "4.3.2", NULL), 0);
	char big[NG_MILTER_REPLY_MAX + 10];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ng_milter_setreply(ctx, "550", NULL, big), -1);
	/* changes outside end of message */
	assert_int_equal(ng_milter_addheader(ctx, "X", "y"), -1);
	assert_int_equal(ng_milter_quarantine(ctx, "r"), -1);
	/* symbol lists: bad stage */
	assert_int_equal(ng_milter_setsymlist(ctx, (enum ng_milter_stage)7, "i"), -1);
	/* lookups with no macros */
	assert_null(ng_milter_getsymval(ctx, "i"));
	assert_null(ng_milter_getsymval(ctx, ""));
	assert_null(ng_milter_getsymval(ctx, NULL));
	/* priv */
	ng_milter_setpriv(ctx, &f);
	assert_ptr_equal(ng_milter_getpriv(ctx), &f);
	ng_milter_reset(ctx);
	assert_null(ng_milter_getpriv(ctx));
	/* never negotiated: no close */
	ng_milter_end(ctx);
	assert_int_equal(f.closes, 0);
	ng_milter_free(ctx);
	ng_buf_free(&f.trace);
}

/* A header packet larger than the first buffer, then the session goes on. */
static void test_large_packet(void **state)
{
	(void)state;
	struct filt f = {.want_p = NR_ALL};
	ng_buf_init(&f.trace, 1 << 20);
	struct ng_milter_ctx *ctx = ng_milter_new(&filter, &f);
	ng_buf in;
	ng_buf_init(&in, 1 << 22);
	packets(&in, "O");
	size_t vlen = 300000;
	char *v = malloc(vlen + 1);
	assert_non_null(v);
	memset(v, 'v', vlen);
	v[vlen] = '\0';
	put_len(&in, 1 + 2 + vlen + 1);
	ng_buf_append(&in, "LX", 2);
	ng_buf_append(&in, "", 1);
	ng_buf_append(&in, v, vlen + 1);
	packets(&in, "E");
	assert_int_equal(ng_milter_feed(ctx, in.data, in.len), NG_MILTER_MORE);
	assert_non_null(strstr(f.trace.data, "hdr:X=vvvv"));
	assert_non_null(strstr(f.trace.data, "eom:"));
	size_t ol;
	ng_milter_output(ctx, &ol);
	assert_int_equal(ol, 4 + 13 + 5); /* the negotiation and eom's 'c' */
	free(v);
	ng_buf_free(&in);
	ng_milter_free(ctx);
	assert_int_equal(f.closes, 1);
	ng_buf_free(&f.trace);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_api),
	    cmocka_unit_test(test_large_packet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
