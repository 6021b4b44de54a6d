/*
 * classify.h - what kind of automatic message is this, and what does it say?
 *
 * The classifier takes one message, streamed in chunks of any size, and
 * returns a verdict: its class (a failed delivery report, a delay warning,
 * a success report, an auto-reply, a challenge/response, an antivirus
 * notice, an abuse feedback report, a read receipt, or none of these), a
 * confidence, one record per reported recipient (address, action, status,
 * SMTP reply code, diagnostic text, reason in Sisimai's vocabulary,
 * hard/soft), the reporting MTA, the headers of the returned original, and
 * the evidence: every rule that fired and where.
 *
 * Structure decides first (RFC 3464 delivery-status, RFC 5965 feedback
 * reports, RFC 8098 dispositions, RFC 3834 Auto-Submitted); tables of
 * phrases matched in one pass (an Aho-Corasick automaton) decide for the
 * many MTAs that write free text.  The returned original's body and
 * attachments are never decoded.
 *
 * Memory: a classifier owns fixed buffers (lib/util/limits.h); a message of
 * any size is classified in constant memory.  Between ng_classifier_new()
 * and ng_classifier_free() the only allocations are the parser's cached
 * iconv descriptors (see mime.h).
 *
 * Thread-safety: one classifier per thread; the rule tables inside are
 * immutable, and separate classifiers share nothing.
 */
#ifndef NDRGUARD_CLASSIFY_H
#define NDRGUARD_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/limits.h" /* the caps on every field below */

enum ng_class {
	NG_CLASS_NONE = 0,
	NG_CLASS_NDR,
	NG_CLASS_DELAY,
	NG_CLASS_SUCCESS,
	NG_CLASS_AUTOREPLY,
	NG_CLASS_CHALLENGE,
	NG_CLASS_AV_NOTICE,
	NG_CLASS_FEEDBACK,
	NG_CLASS_MDN,
};

/* The class's name: "ndr", "delay", ..., "none"; "none" for a value out of
 * range.  A static string; thread-safe. */
const char *ng_class_name(enum ng_class c);
/* True for the classes that are backscatter when aimed at a forged sender.
 * Thread-safe. */
bool ng_class_is_bounce(enum ng_class c);

typedef struct ng_rcpt {
	char address[NG_CL_ADDR_MAX];
	/* failed, delayed, delivered, relayed, expanded; "" unknown */
	char action[NG_CL_ACTION_MAX];
	char status[NG_CL_STATUS_MAX]; /* "5.1.1"; "" unknown */
	int reply_code;                /* 550; 0 unknown */
	const char *reason;            /* static string, NULL unknown */
	bool hard;
	char diagnostic[NG_CL_DIAG_MAX];
} ng_rcpt;

typedef struct ng_evidence {
	const char *rule;  /* static: "dsn:action", "phrase:bounce", ... */
	const char *where; /* static: "header:subject", "part:2", "body", ... */
	char detail[NG_CL_EVIDENCE_DETAIL_MAX];
} ng_evidence;

typedef struct ng_original {
	bool present;
	char message_id[NG_CL_FIELD_MAX];
	char from[NG_CL_FIELD_MAX];
	char to[NG_CL_FIELD_MAX];
	char subject[NG_CL_FIELD_MAX];
	char date[NG_CL_FIELD_MAX];
	char received[NG_CL_RECEIVED_MAX][NG_CL_ORIG_HEADER_MAX];
	unsigned nreceived;
	char dkim_domains[NG_CL_DKIM_MAX][NG_CL_DKIM_DOMAIN_MAX];
	unsigned ndkim;
} ng_original;

typedef struct ng_verdict {
	enum ng_class cls;
	double confidence;
	ng_rcpt rcpt[NG_CL_RCPTS_MAX];
	unsigned nrcpt;
	char reporting_mta[NG_CL_FIELD_MAX];
	char feedback_type[NG_CL_FEEDBACK_TYPE_MAX]; /* ARF Feedback-Type, "" otherwise */
	ng_original original;
	ng_evidence ev[NG_CL_EVIDENCE_MAX];
	unsigned nev;
} ng_verdict;

/* What the SMTP envelope said, when the caller knows it. */
typedef struct ng_envelope {
	const char *sender; /* NULL: unknown; "": the null sender <> */
} ng_envelope;

typedef struct ng_classifier ng_classifier;

/*
 * Create a classifier: builds its pattern automata and its MIME parser.  The
 * caller owns the result and releases it with ng_classifier_free().  It is
 * ready for a message at once (as after ng_classify_begin(c, NULL)).
 * Returns NULL when out of memory, with nothing left allocated.  Safe to
 * call from several threads at once; each gets its own classifier.
 */
ng_classifier *ng_classifier_new(void);

/*
 * Release a classifier and everything it owns.  Every verdict it returned
 * becomes invalid.  NULL is a no-op.  Not while another thread uses c.
 */
void ng_classifier_free(ng_classifier *c);

/*
 * Start a message, forgetting the previous one (its verdict becomes
 * invalid).  env is read during the call only and may be NULL (nothing
 * known of the envelope).  Cannot fail.  One thread at a time per c.
 */
void ng_classify_begin(ng_classifier *c, const ng_envelope *env);

/*
 * Push the next len bytes of the message, in chunks of any size (the MIME
 * parser buffers a line at most, see mime.h).  data is read during the call
 * only.  Bytes after ng_classify_end() and before the next begin are
 * ignored.  Malformed input is no error: it is classified as far as it
 * goes.  One thread at a time per c.
 */
void ng_classify_feed(ng_classifier *c, const void *data, size_t len);

/*
 * End the message and return its verdict.  The verdict belongs to c: it is
 * valid until the next ng_classify_begin(), ng_classify_buffer() or
 * ng_classifier_free() on c.  Called again without a begin, returns the
 * same verdict.  Never NULL.  One thread at a time per c.
 */
const ng_verdict *ng_classify_end(ng_classifier *c);

/*
 * Classify a message held in memory: begin + feed + end, with the same
 * ownership and lifetime as those (data and env are read during the call
 * only; the verdict belongs to c).  Never NULL.  One thread at a time per c.
 */
const ng_verdict *ng_classify_buffer(ng_classifier *c, const void *data, size_t len,
                                     const ng_envelope *env);

/*
 * The verdict as one line of JSON (no newline) appended to out, an ng_buf
 * from lib/util/buf.h: keys source, class, confidence, recipients,
 * reporting_mta, original, evidence; unknown values are null.  source is
 * the caller's name for the message (a path, "PATH:N" for the Nth message
 * of an mbox, "-").  reply_code is written as a string ("550").
 */
/*
 * Only appends; out keeps what it held.  v and source are only read; source
 * may be NULL (written as null).  No error return: running out of memory or
 * past out's cap sets out->failed or out->overflow (buf.h) for the caller to
 * check.  Thread-safe as long as no other thread writes v or out.
 */
struct ng_buf;
void ng_verdict_json(const ng_verdict *v, const char *source, struct ng_buf *out);

#endif
