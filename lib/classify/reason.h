/*
 * reason.h - bounce reason (Sisimai v5 vocabulary) and hard/soft from a
 * recipient's diagnostic text, delivery status code and SMTP reply code.
 *
 * The decision is data-driven: tables of error phrases, each tagged with a
 * reason, are compiled once into one Aho-Corasick automaton (lib/util/ac.h)
 * and matched in one pass over the text; a table maps RFC 3463 status codes
 * to reasons; a fixed priority order, modelled on Sisimai's, combines the
 * two.  The reason names are the strings Sisimai reports ("userunknown",
 * "mailboxfull", ..., "delivered", "onhold", "undefined"), so results can be
 * compared with Sisimai's.
 *
 * ng_reasons_new() builds the tables; the object is immutable afterwards and
 * may be shared by any number of threads.  Nothing is global.
 */
#ifndef NG_CLASSIFY_REASON_H
#define NG_CLASSIFY_REASON_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ng_reasons ng_reasons;

/*
 * Compile the phrase tables.  Returns NULL when memory runs out.  The result
 * is immutable and thread-safe; free it with ng_reasons_free().
 */
ng_reasons *ng_reasons_new(void);

/* Free the tables.  NULL is allowed.  Rule strings handed out die with it. */
void ng_reasons_free(ng_reasons *r);

/*
 * The verdict for one recipient.
 *   reason: a static Sisimai reason name, never NULL.
 *   hard:   true for a hard bounce (the address itself is bad: userunknown,
 *           hostunknown, hasmoved; notaccept unless temporary).
 *   rule:   short name of what decided, e.g. "text:user unknown",
 *           "status:5.1.1", "reply:521", "default:onhold"; static or owned
 *           by the ng_reasons object (valid until ng_reasons_free).
 */
typedef struct ng_reason_out {
	const char *reason;
	bool hard;
	const char *rule;
} ng_reason_out;

/*
 * Decide the reason for one recipient.
 *   text:    the diagnostic text, any case, not necessarily NUL-terminated,
 *            len bytes; may be empty or NULL with len 0.  Best: the whole
 *            Diagnostic-Code value including its type ("smtp; 550 5.1.1
 *            ... (in reply to RCPT TO command)"), or for bounces without a
 *            DSN the free-text paragraph about this recipient, including any
 *            "after RCPT TO" / "in reply to ... command" and "Remote host
 *            said:" wording, which tells which SMTP command failed.
 *            The command matters: "user unknown" answering DATA is
 *            "filtered" (soft), answering RCPT TO "userunknown" (hard).  When
 *            the DSN's Diagnostic-Code lacks it but the human-readable part
 *            or an SMTP transcript has it (Postfix "(in reply to RCPT TO
 *            command)", Sendmail ">>> DATA", qmail "RCPT TO response", Exim
 *            "after end of data"), append that wording to the text.
 *            Multi-line replies should be joined with their continuation
 *            prefixes ("550-5.2.1 ") removed.
 *   status:  the recipient's Status ("5.1.1"), or NULL/"" when none; when
 *            NULL the first status-like code in text is used.  Sisimai's
 *            pseudo codes (x.0.9nn) count as none.
 *   reply:   SMTP reply code (550) or 0; when 0 a leading reply code in text
 *            is used.
 *   delayed: true for a delay DSN (Action: delayed).
 * Never fails; out is always filled.  Thread-safe.
 */
void ng_reasons_judge(const ng_reasons *r, const char *text, size_t len, const char *status,
                      int reply, bool delayed, ng_reason_out *out);

/*
 * Internal to reason.c and the data tables (reason_tables.c: phrases,
 * reason_status.c: status codes); only tests/unit/test_reason.c, which
 * checks the tables, defines NG_REASON_INTERNAL besides them.
 */
#ifdef NG_REASON_INTERNAL
#include <stdint.h>

/* Reasons.  The order here is only an index; priorities are in reason.c. */
enum {
	R_NONE = 0,
	R_USERUNKNOWN,
	R_MAILBOXFULL,
	R_HOSTUNKNOWN,
	R_FILTERED,
	R_REJECTED,
	R_BLOCKED,
	R_SPAMDETECTED,
	R_EXPIRED,
	R_SUSPEND,
	R_REQUIREPTR,
	R_AUTHFAILURE,
	R_BADREPUTATION,
	R_NOTCOMPLIANTRFC,
	R_SPEEDING,
	R_FAILEDSTARTTLS,
	R_MESGTOOBIG,
	R_EXCEEDLIMIT,
	R_NORELAYING,
	R_NETWORKERROR,
	R_SYSTEMERROR,
	R_SYSTEMFULL,
	R_NOTACCEPT,
	R_SECURITYERROR,
	R_TOOMANYCONN,
	R_SYNTAXERROR,
	R_VIRUSDETECTED,
	R_POLICYVIOLATION,
	R_HASMOVED,
	R_CONTENTERROR,
	R_MAILERERROR,
	R_ONHOLD,
	R_UNDEFINED,
	R_DELIVERED,
	R_VACATION,
	R_COUNT
};

/* Context markers share the automaton with the phrases. */
enum {
	M_NONE = 0,
	M_CMD_CONN,
	M_CMD_HELO,
	M_CMD_STARTTLS,
	M_CMD_MAIL,
	M_CMD_RCPT,
	M_CMD_DATA,
	M_XUNIX,      /* "x-unix;": a local mailer's exit status */
	M_XPOSTFIX,   /* "x-postfix;": Postfix's own, not a remote reply */
	M_LBL_ORANGE, /* Orange / La Poste error label "OFR", "LPN" */
	M_COUNT
};

/*
 * One phrase: either a plain substring (b == NULL) or an ordered pair (a
 * then b).  Exactly one of reason / marker is set.
 */
struct phrase {
	const char *a;
	const char *b;
	uint8_t reason;
	uint8_t marker;
	bool veto;    /* a wording that must NOT count as evidence for reason */
	bool strong;  /* an MTA's fixed wording that decides the reason alone */
	uint8_t need; /* a label marker it must follow at once, M_NONE = none */
};

/*
 * Ordered-pair phrases (b != NULL) the judge can track; each has a slot in
 * the per-call scan state.  More is a table bug: test_reason.c checks it,
 * and ng_reasons_new() asserts it.
 */
#define NG_REASON_PAIRS_MAX 64

/* RFC 3463 status -> reason, Sisimai's vocabulary.  Unlisted codes: none. */
struct status_rule {
	const char *code;
	uint8_t reason;
	const char *rule;
};

extern const struct phrase ng_reason_phrases[];
extern const size_t ng_reason_nphrases;
extern const struct status_rule ng_reason_status_rules[];
extern const size_t ng_reason_nstatus_rules;

#endif /* NG_REASON_INTERNAL */

#endif /* NG_CLASSIFY_REASON_H */
