/*
 * reason.c - decide the bounce reason and hard/soft for one recipient.
 *
 * Inputs are the diagnostic text, the delivery status code and the SMTP
 * reply code.  Three kinds of evidence, all table-driven:
 *
 *   - phrases: general error wordings, each tagged with a reason.  All of
 *     them (and the "context" markers below) go into ONE Aho-Corasick
 *     automaton built at ng_reasons_new(); judging scans the text once and
 *     records, per reason, whether and by which phrase it matched.  Some
 *     wordings vary in the middle ("mailbox ... is full"), so a phrase may
 *     also be an ordered pair: both parts present, the first ending before
 *     the second starts.
 *   - context markers: which SMTP command the error answered ("in reply to
 *     RCPT TO command", ">>> DATA", "after MAIL FROM") and whether the
 *     diagnostic came from a local mailer ("x-unix;").  As in Sisimai, some
 *     wordings mean one reason before DATA and another after it.
 *   - the status code, mapped to a reason by an RFC 3463 table; x.7.1 and
 *     other vague codes map to retry-able reasons that let the text decide.
 *
 *   - decisive wordings: an MTA's or provider's fixed message for one cause
 *     (qmail's "couldn't find a mail exchanger", Google Groups, documented
 *     provider codes); the first one matched, in table order, decides
 *     before anything else, as Sisimai's per-MTA modules do.
 *
 * The phrase tables live in reason_tables.c, the status table in
 * reason_status.c.  Status and reply codes are found in the text by
 * classify/text.c's scanners, the same ones the DSN parser uses.
 *
 * The combination follows the order Sisimai v5 uses (go-sisimai
 * reason/find.go): a first pass over reasons whose evidence is specific
 * (mailbox full, message too big, ..., blocked), each probing status and
 * text together; then, when the status gave nothing or only a vague reason,
 * a second pass over the text for the remaining reasons; then the status
 * reason; then class-based fallbacks (x.6 content, x.7 security, reply 50x
 * syntax), delayed -> expired, any text -> onhold, else undefined.
 *
 * Hard bounce: userunknown, hostunknown and hasmoved are hard; notaccept is
 * hard unless the failure was temporary (4xx); everything else is soft.
 *
 * The tables are the only place to teach it new wordings.  Phrases must be
 * general error wordings an MTA or provider really emits, never text unique
 * to one sample message.
 */
#define NG_REASON_INTERNAL
#include "classify/reason.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify/text.h"
#include "util/ac.h"

static const char *const reason_names[R_COUNT] = {
    [R_NONE] = "undefined",
    [R_USERUNKNOWN] = "userunknown",
    [R_MAILBOXFULL] = "mailboxfull",
    [R_HOSTUNKNOWN] = "hostunknown",
    [R_FILTERED] = "filtered",
    [R_REJECTED] = "rejected",
    [R_BLOCKED] = "blocked",
    [R_SPAMDETECTED] = "spamdetected",
    [R_EXPIRED] = "expired",
    [R_SUSPEND] = "suspend",
    [R_REQUIREPTR] = "requireptr",
    [R_AUTHFAILURE] = "authfailure",
    [R_BADREPUTATION] = "badreputation",
    [R_NOTCOMPLIANTRFC] = "notcompliantrfc",
    [R_SPEEDING] = "speeding",
    [R_FAILEDSTARTTLS] = "failedstarttls",
    [R_MESGTOOBIG] = "mesgtoobig",
    [R_EXCEEDLIMIT] = "exceedlimit",
    [R_NORELAYING] = "norelaying",
    [R_NETWORKERROR] = "networkerror",
    [R_SYSTEMERROR] = "systemerror",
    [R_SYSTEMFULL] = "systemfull",
    [R_NOTACCEPT] = "notaccept",
    [R_SECURITYERROR] = "securityerror",
    [R_TOOMANYCONN] = "toomanyconn",
    [R_SYNTAXERROR] = "syntaxerror",
    [R_VIRUSDETECTED] = "virusdetected",
    [R_POLICYVIOLATION] = "policyviolation",
    [R_HASMOVED] = "hasmoved",
    [R_CONTENTERROR] = "contenterror",
    [R_MAILERERROR] = "mailererror",
    [R_ONHOLD] = "onhold",
    [R_UNDEFINED] = "undefined",
    [R_DELIVERED] = "delivered",
    [R_VACATION] = "vacation",
};

/* First pass: reasons whose evidence is specific, probed with status+text. */
static const uint8_t order_first[] = {
    R_MAILBOXFULL,     R_MESGTOOBIG,    R_EXCEEDLIMIT,  R_SUSPEND,  R_HASMOVED,
    R_NORELAYING,      R_AUTHFAILURE,   R_USERUNKNOWN,  R_FILTERED, R_REQUIREPTR,
    R_NOTCOMPLIANTRFC, R_BADREPUTATION, R_CONTENTERROR, R_REJECTED, R_HOSTUNKNOWN,
    R_SPAMDETECTED,    R_SPEEDING,      R_TOOMANYCONN,  R_BLOCKED,
};

/* Second pass: text only, when the status did not decide. */
static const uint8_t order_second[] = {
    R_MAILBOXFULL,    R_AUTHFAILURE,     R_BADREPUTATION, R_SPEEDING,   R_SPAMDETECTED,
    R_VIRUSDETECTED,  R_POLICYVIOLATION, R_NORELAYING,    R_NOTACCEPT,  R_SYSTEMERROR,
    R_NETWORKERROR,   R_SUSPEND,         R_CONTENTERROR,  R_SYSTEMFULL, R_EXPIRED,
    R_FAILEDSTARTTLS, R_SECURITYERROR,   R_MAILERERROR,
};

#define PAIRS_MAX    NG_REASON_PAIRS_MAX
#define PAIR_GAP_MAX 80 /* bytes allowed between the two parts of a pair */

struct ng_reasons {
	ng_ac *ac;
	char **rules;  /* per phrase: "text:<a>" or "text:<a>...<b>" */
	uint8_t *pair; /* per phrase: its pair slot in struct scan */
	size_t nphrases, npairs;
};

/* Pattern ids: phrase index * 2 + part (0 = a, 1 = b). */

static char *make_rule(const struct phrase *p)
{
	size_t la = strlen(p->a), lb = p->b ? strlen(p->b) : 0;
	size_t n = 5 + la + (p->b ? 3 + lb : 0) + 1;
	char *s = malloc(n);
	if (s == NULL)
		return NULL;
	char *w = s;
	memcpy(w, "text:", 5);
	w += 5;
	memcpy(w, p->a, la);
	w += la;
	if (p->b) {
		memcpy(w, "...", 3);
		w += 3;
		memcpy(w, p->b, lb);
		w += lb;
	}
	*w = '\0';
	return s;
}

void ng_reasons_free(ng_reasons *r)
{
	if (r == NULL)
		return;
	if (r->rules != NULL)
		for (size_t i = 0; i < r->nphrases; i++)
			free(r->rules[i]);
	free(r->rules);
	free(r->pair);
	ng_ac_free(r->ac);
	free(r);
}

ng_reasons *ng_reasons_new(void)
{
	const size_t n = ng_reason_nphrases;
	ng_reasons *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->nphrases = n;
	r->rules = calloc(n, sizeof(*r->rules));
	r->pair = calloc(n, sizeof(*r->pair));
	r->ac = ng_ac_new();
	if (r->rules == NULL || r->pair == NULL || r->ac == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct phrase *p = &ng_reason_phrases[i];
		if (p->reason != R_NONE && !p->veto && (r->rules[i] = make_rule(p)) == NULL)
			goto fail;
		if (ng_ac_add(r->ac, p->a, strlen(p->a), (uint32_t)(i * 2)) < 0)
			goto fail;
		if (p->b == NULL)
			continue;
		/* More pairs than PAIRS_MAX is a table bug, not a lack of
		 * memory: test_reason.c checks the table, and a debug build
		 * stops here. */
		assert(r->npairs < PAIRS_MAX);
		if (r->npairs >= PAIRS_MAX)
			goto fail;
		r->pair[i] = (uint8_t)r->npairs++;
		if (ng_ac_add(r->ac, p->b, strlen(p->b), (uint32_t)(i * 2 + 1)) < 0)
			goto fail;
	}
	if (ng_ac_build(r->ac) < 0)
		goto fail;
	return r;
fail:
	ng_reasons_free(r);
	return NULL;
}

/* What one scan of the text found. */
struct scan {
	const ng_reasons *r;
	uint64_t reasons;          /* bit per reason matched */
	uint64_t vetoed;           /* bit per reason whose text evidence is void */
	const char *rule[R_COUNT]; /* first phrase that matched each reason */
	uint8_t cmd;               /* last command marker seen */
	size_t cmd_end;
	bool xunix;       /* diagnostic type x-unix: a local mailer failed */
	bool nonsmtp;     /* diagnostic type x-unix or x-postfix: not a remote reply */
	const char *text; /* the text scanned, len bytes */
	size_t len;
	size_t lbl_end; /* end of the latest label ("OFR", "LPN"), 0 = none */
	size_t strong;  /* index + 1 of the first decisive phrase matched, 0 = none */
	/* Pair bookkeeping: end of the latest part a, 0 = not seen yet. */
	size_t a_end[PAIRS_MAX];
};

static void mark(struct scan *sc, size_t i)
{
	uint8_t rs = ng_reason_phrases[i].reason;
	if (ng_reason_phrases[i].veto) {
		sc->vetoed |= (uint64_t)1 << rs;
		return;
	}
	if (ng_reason_phrases[i].strong && (sc->strong == 0 || i + 1 < sc->strong))
		sc->strong = i + 1;
	if (!(sc->reasons & ((uint64_t)1 << rs))) {
		sc->reasons |= (uint64_t)1 << rs;
		sc->rule[rs] = sc->r->rules[i];
	}
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * A label's code ("_416") at [start, end): right after the label ("OFR_416")
 * or after the label's three digits ("LPN007_416"), and no digit after it.
 */
static bool label_code(const struct scan *sc, size_t start, size_t end)
{
	size_t l = sc->lbl_end;
	if (l == 0 || (end < sc->len && is_digit(sc->text[end])))
		return false;
	if (start == l)
		return true;
	return start == l + 3 && is_digit(sc->text[l]) && is_digit(sc->text[l + 1]) &&
	       is_digit(sc->text[l + 2]);
}

static int on_hit(void *ctx, uint32_t id, size_t end)
{
	struct scan *sc = ctx;
	size_t i = id / 2;
	const struct phrase *p = &ng_reason_phrases[i];
	if (p->marker != M_NONE) {
		if (p->marker == M_XUNIX || p->marker == M_XPOSTFIX) {
			sc->xunix = sc->xunix || p->marker == M_XUNIX;
			sc->nonsmtp = true;
		} else if (p->marker == M_LBL_ORANGE) {
			size_t start = end - strlen(p->a);
			if (start == 0 || !is_alnum(sc->text[start - 1]))
				sc->lbl_end = end;
		} else if (end >= sc->cmd_end) {
			sc->cmd = p->marker;
			sc->cmd_end = end;
		}
		return 0;
	}
	if (p->need != M_NONE && !label_code(sc, end - strlen(p->a), end))
		return 0; /* a provider's code number not right after its label */
	if (p->b == NULL) {
		mark(sc, i);
		return 0;
	}
	/* Hits arrive in order of their end, so when part b ends, the latest
	 * part a that ended at or before b's start is already recorded. */
	size_t k = sc->r->pair[i];
	if ((id & 1) == 0) {
		sc->a_end[k] = end;
	} else {
		size_t b_start = end - strlen(p->b);
		if (sc->a_end[k] != 0 && sc->a_end[k] <= b_start &&
		    b_start - sc->a_end[k] <= PAIR_GAP_MAX)
			mark(sc, i);
	}
	return 0;
}

static bool has(const struct scan *sc, int reason)
{
	return ((sc->reasons & ~sc->vetoed) >> reason) & 1;
}

static const struct status_rule *status_lookup(const char *st)
{
	for (size_t i = 0; i < ng_reason_nstatus_rules; i++)
		if (strcmp(ng_reason_status_rules[i].code, st) == 0)
			return &ng_reason_status_rules[i];
	return NULL;
}

/* Reasons that leave the decision to the text (Sisimai's "retry" set). */
static bool vague(int reason)
{
	switch (reason) {
	case R_NONE:
	case R_UNDEFINED:
	case R_ONHOLD:
	case R_SYSTEMERROR:
	case R_SECURITYERROR:
	case R_EXPIRED:
	case R_NETWORKERROR:
	case R_HOSTUNKNOWN:
	case R_USERUNKNOWN:
		return true;
	default:
		return false;
	}
}

static bool before_data(uint8_t cmd)
{
	return cmd == M_CMD_CONN || cmd == M_CMD_HELO || cmd == M_CMD_STARTTLS ||
	       cmd == M_CMD_MAIL || cmd == M_CMD_RCPT;
}

/* Everything the passes below look at. */
struct ctx {
	const struct scan *sc;
	const char *st;               /* the status judged by, NULL = none */
	const struct status_rule *sr; /* its table row, NULL = unlisted */
	int sname;                    /* reason from the status code, R_NONE if none */
	int reply;
	bool have_status;
	bool delayed;
	size_t len; /* length of the text */
};

/* The decision: a reason and the rule that names its evidence. */
struct pick {
	int reason;
	const char *rule;
};

/* First-pass probe: does the evidence point at reason e? */
static bool probe(const struct ctx *c, int e)
{
	const struct scan *sc = c->sc;
	switch (e) {
	case R_MAILBOXFULL:
	case R_EXCEEDLIMIT:
	case R_AUTHFAILURE:
	case R_REQUIREPTR:
	case R_TOOMANYCONN:
	case R_BLOCKED:
		return c->sname == e || has(sc, e);
	case R_MESGTOOBIG:
		if (c->sname == R_MESGTOOBIG)
			return true;
		return c->sname != R_EXCEEDLIMIT && has(sc, e);
	case R_SUSPEND:
		return c->reply == 525 || has(sc, e);
	case R_NORELAYING:
		if (sc->cmd == M_CMD_CONN || sc->cmd == M_CMD_HELO)
			return false;
		return has(sc, e);
	case R_USERUNKNOWN:
		if (c->sname == R_USERUNKNOWN)
			return !(has(sc, R_NORELAYING) || has(sc, R_BLOCKED) ||
			         has(sc, R_MAILBOXFULL) || has(sc, R_HASMOVED) ||
			         has(sc, R_REJECTED) || has(sc, R_NOTACCEPT));
		/* Without a user-unknown status (x.1.0, x.1.1, x.1.3) the
		 * wording counts only when it answered RCPT TO, as in Sisimai:
		 * the same words after DATA, or with no command known, are a
		 * filter's decision (R_FILTERED below).  Decisive wordings
		 * (STRONG) of MTAs that say it only at RCPT time are the
		 * exception. */
		return sc->cmd == M_CMD_RCPT && has(sc, e);
	case R_FILTERED:
		if (c->sname == R_FILTERED)
			return has(sc, R_USERUNKNOWN) || has(sc, R_FILTERED);
		if (before_data(sc->cmd))
			return false;
		return has(sc, R_FILTERED) || has(sc, R_USERUNKNOWN);
	case R_CONTENTERROR:
		if (probe(c, R_SPAMDETECTED))
			return false;
		return c->sname == e || has(sc, e);
	case R_REJECTED:
		if (c->sname == R_REJECTED)
			return true;
		if (!has(sc, e))
			return false;
		if (sc->cmd == M_CMD_MAIL)
			return true;
		if (sc->cmd == M_CMD_DATA)
			return c->sname != R_USERUNKNOWN;
		return c->sname == R_NONE || c->sname == R_SECURITYERROR ||
		       c->sname == R_SYSTEMERROR;
	case R_HOSTUNKNOWN:
		if (c->sname == R_HOSTUNKNOWN)
			return !has(sc, R_NETWORKERROR);
		return has(sc, e);
	case R_SPAMDETECTED:
		if (!c->have_status)
			return false;
		if (c->sname == R_SPAMDETECTED)
			return true;
		if (before_data(sc->cmd))
			return false;
		return has(sc, e);
	default:
		return has(sc, e);
	}
}

static bool is_temporary(const char *status, int reply, bool delayed)
{
	if (delayed)
		return true;
	if (status != NULL && status[0] == '4')
		return true;
	if ((status == NULL || status[0] == '\0') && reply >= 400 && reply < 500)
		return true;
	return false;
}

static void finish(ng_reason_out *out, int reason, const char *rule, const char *status, int reply,
                   bool delayed)
{
	out->reason = reason_names[reason];
	out->rule = rule;
	switch (reason) {
	case R_USERUNKNOWN:
	case R_HOSTUNKNOWN:
	case R_HASMOVED:
		out->hard = true;
		break;
	case R_NOTACCEPT:
		out->hard = !is_temporary(status, reply, delayed);
		break;
	default:
		out->hard = false;
	}
}

/*
 * The status to judge by, copied to buf (cap >= 16), or NULL: the given one
 * (it must start with a code), else the first in the text.  Sisimai's pseudo
 * codes (x.0.9nn) count as none.  A DSN often carries a catch-all x.0.0
 * while the reply quoted in the text has the precise code ("Status: 5.0.0"
 * / "550 5.7.26 ..."): then the text's code of the same class is used.
 */
static const char *resolve_status(const char *status, const char *text, size_t len, char *buf,
                                  size_t cap)
{
	const char *st = NULL;
	bool given = status != NULL && status[0] != '\0';

	if (given) {
		if (ng_text_find_status(status, strlen(status), buf, cap) &&
		    strncmp(buf, status, strlen(buf)) == 0)
			st = buf;
	} else if (len > 0 && ng_text_find_status(text, len, buf, cap)) {
		st = buf;
	}
	if (st != NULL && strlen(st) == 7 && st[2] == '0' && st[3] == '.' && st[4] == '9')
		return NULL;
	if (st != NULL && given && strcmp(st + 1, ".0.0") == 0 && len > 0) {
		char tb[16];
		if (ng_text_find_status(text, len, tb, sizeof(tb)) && tb[0] == st[0] &&
		    strcmp(tb + 1, ".0.0") != 0)
			memcpy(buf, tb, sizeof(tb));
	}
	return st;
}

/* A delivered status, or an MTA's or provider's fixed wording: decides alone. */
static bool decisive(const struct ctx *c, struct pick *pk)
{
	if (c->st != NULL && c->st[0] == '2') {
		pk->reason = R_DELIVERED;
		pk->rule = c->sr ? c->sr->rule : "status:2.x.x";
		return true;
	}
	if (c->sc->strong != 0) {
		size_t i = c->sc->strong - 1;
		pk->reason = ng_reason_phrases[i].reason;
		pk->rule = c->sc->r->rules[i];
		return true;
	}
	return false;
}

/* Pass 1: specific evidence, status and text together. */
static bool first_pass(const struct ctx *c, struct pick *pk)
{
	if (c->sc->nonsmtp)
		return false;
	for (size_t i = 0; i < sizeof(order_first); i++) {
		int e = order_first[i];
		if (!probe(c, e))
			continue;
		const char *rule = c->sc->rule[e];
		if (rule == NULL && e == R_FILTERED)
			rule = c->sc->rule[R_USERUNKNOWN]; /* user-unknown words */
		if (rule == NULL && c->sr != NULL && c->sr->reason == e)
			rule = c->sr->rule;
		if (rule == NULL && e == R_SUSPEND)
			rule = "reply:525";
		if (rule == NULL)
			rule = c->sr ? c->sr->rule : "text";
		pk->reason = e;
		pk->rule = rule;
		return true;
	}
	return false;
}

/* Pass 2: the status decides unless it is vague; else the text alone. */
static bool second_pass(const struct ctx *c, struct pick *pk)
{
	if (!vague(c->sname) && !c->sc->nonsmtp) {
		pk->reason = c->sname;
		pk->rule = c->sr->rule;
		return true;
	}
	for (size_t i = 0; i < sizeof(order_second); i++) {
		int e = order_second[i];
		if (has(c->sc, e)) {
			pk->reason = e;
			pk->rule = c->sc->rule[e];
			return true;
		}
	}
	return false;
}

/* Nothing specific: the reply code, the status (vague or its class), the
 * diagnostic type, the DSN's action, the command; else onhold/undefined. */
static void fallback(const struct ctx *c, struct pick *pk)
{
	const struct scan *sc = c->sc;
	int reply = c->reply;
	const char *st = c->st;

	if (reply == 521 || reply == 556) {
		*pk = (struct pick){R_NOTACCEPT, reply == 521 ? "reply:521" : "reply:556"};
	} else if (reply == 523 || reply == 524 || reply == 538) {
		*pk = (struct pick){R_FAILEDSTARTTLS, "reply:5xx-tls"};
	} else if (c->sname != R_NONE) {
		*pk = (struct pick){c->sname, c->sr->rule};
	} else if (st != NULL && st[2] == '6') {
		*pk = (struct pick){R_CONTENTERROR, "status:x.6.x"};
	} else if (st != NULL && st[2] == '7') {
		*pk = (struct pick){R_SECURITYERROR, "status:x.7.x"};
	} else if (sc->xunix) {
		*pk = (struct pick){R_MAILERERROR, "text:x-unix"};
	} else if ((reply > 400 && reply < 408) || (reply > 500 && reply < 508)) {
		*pk = (struct pick){R_SYNTAXERROR, "reply:50x"};
	} else if (c->delayed) {
		*pk = (struct pick){R_EXPIRED, "action:delayed"};
	} else if (sc->cmd == M_CMD_HELO || sc->cmd == M_CMD_CONN) {
		*pk = (struct pick){R_BLOCKED, "command:helo"};
	} else if (has(sc, R_VACATION)) {
		*pk = (struct pick){R_VACATION, sc->rule[R_VACATION]};
	} else if (c->len > 0) {
		*pk = (struct pick){R_ONHOLD, "default:onhold"};
	} else {
		*pk = (struct pick){R_UNDEFINED, "default:undefined"};
	}
}

void ng_reasons_judge(const ng_reasons *r, const char *text, size_t len, const char *status,
                      int reply, bool delayed, ng_reason_out *out)
{
	char stbuf[16];
	struct scan sc;
	struct pick pk;

	if (text == NULL)
		len = 0;
	memset(&sc, 0, sizeof(sc));
	sc.r = r;
	sc.text = text;
	sc.len = len;
	if (r != NULL && len > 0)
		ng_ac_scan(r->ac, text, len, on_hit, &sc);

	const char *st = resolve_status(status, text, len, stbuf, sizeof(stbuf));
	if (reply == 0 && len > 0)
		reply = ng_text_find_reply(text, len);
	const struct status_rule *sr = st != NULL ? status_lookup(st) : NULL;
	struct ctx c = {&sc, st, sr, sr ? sr->reason : R_NONE, reply, st != NULL, delayed, len};

	if (!decisive(&c, &pk) && !first_pass(&c, &pk) && !second_pass(&c, &pk))
		fallback(&c, &pk);
	finish(out, pk.reason, pk.rule, st, reply, delayed);
}
