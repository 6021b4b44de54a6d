/*
 * internal.h - the classifier's state, shared by its files and nobody else.
 *
 * classify.c  MIME events, header handling, public API
 * dsn.c       message/delivery-status, feedback-report, disposition fields
 * freetext.c  notification text: phrases, recipient candidates, inline original
 * decide.c    the verdict from all of the above
 * verdict.c   the verdict as JSON
 * text.c      scanners for addresses, status and reply codes (text.h)
 *
 * Every buffer here has its cap in lib/util/limits.h.  Nothing allocates per
 * message; a classifier is used by one thread at a time (classify.h).
 */
#ifndef NG_CLASSIFY_INTERNAL_H
#define NG_CLASSIFY_INTERNAL_H

#include <ndrguard/classify.h>
#include <ndrguard/mime.h>

#include "classify/reason.h"
#include "classify/rules.h"
#include "classify/text.h"
#include "util/limits.h"

#include <stddef.h>
#include <stdint.h>

enum role { ROLE_NONE = 0, ROLE_TEXT, ROLE_DSN, ROLE_ARF, ROLE_MDN };

/* A recipient as a DSN group or the free text describes it. */
struct cand {
	char addr[NG_CL_ADDR_MAX];
	int strength; /* 3: starts a line, 2: after "RCPT TO:" and the like, 1: anywhere */
	bool listed;  /* seen after "the following addresses failed" and the like */
	uint8_t cmd;  /* enum ng_cmd: the SMTP command its reply answered, 0 unknown */
	char diag[NG_CL_DIAG_MAX];
};

/* Fields of one DSN group (per-message or per-recipient). */
struct dsn_group {
	char final_rcpt[NG_CL_ADDR_MAX];
	char orig_rcpt[NG_CL_ADDR_MAX];
	char action[NG_CL_ACTION_MAX];
	char status[NG_CL_STATUS_MAX];
	char diag[NG_CL_DIAG_MAX];
	char remote_mta[NG_CL_FIELD_MAX];
	bool any;
	int last; /* which field a continuation line extends: 0 none, 1 diagnostic */
};

struct ng_classifier {
	/* Per classifier: made by ng_classifier_new, kept across messages. */
	ng_mime *mime;
	ng_reasons *reasons;
	ng_rules rules;

	/*
	 * Per message, part 1: large arrays, not cleared for each message.
	 * ng_classify_begin empties them instead: it zeroes the counts
	 * (v.nrcpt, v.nev, v.original.nreceived and ndkim here; ncand, ndsn
	 * and nfb in part 2), the first byte of each string and text_all_len,
	 * the small fields of v one by one, and grp whole.  An entry is
	 * written whole when it is added (new_rcpt in decide.c, add_cand in
	 * freetext.c, end_group and ses_group in dsn.c).  A field added here
	 * must get its reset in ng_classify_begin.
	 */
	ng_verdict v;
	struct cand cand[NG_CL_CANDS_MAX];
	struct dsn_group dsn[NG_CL_DSN_GROUPS_MAX];
	struct dsn_group grp;                     /* the DSN block being read; memset by begin */
	char fb[NG_CL_RCPTS_MAX][NG_CL_ADDR_MAX]; /* recipients a complaint names */
	uint8_t rcpt_cmd[NG_CL_RCPTS_MAX];        /* enum ng_cmd of each v.rcpt, set by decide.c */
	char text_all[NG_CL_TEXT_MAX];            /* notification text, squeezed */
	size_t text_all_len;
	char lead[NG_CL_LEAD_MAX];             /* text before the first candidate */
	char pending[NG_CL_PENDING_MAX];       /* SMTP transcript waiting for its recipient */
	char inline_hdr[NG_CL_INLINE_HDR_MAX]; /* a field of an inline original being unfolded */

	bool open; /* between begin and end: feed is taken; set by begin */

	/*
	 * Per message, part 2: every field from null_sender to the end of the
	 * struct is zeroed by one memset in ng_classify_begin, which then sets
	 * the few whose start value is not 0 (null_sender, cur, ses_cur).  A
	 * new small per-message field goes anywhere below null_sender; a new
	 * large array goes into part 1.
	 */
	int null_sender; /* -1 unknown, 0 no, 1 the envelope sender is <> */
	char subject[NG_CL_SUBJECT_MAX];
	char from[NG_CL_FIELD_MAX];
	char from_addr[NG_CL_ADDR_MAX];
	char to_addr[NG_CL_ADDR_MAX];
	char first_by[NG_CL_FIELD_MAX];
	char x_failed[NG_CL_X_FAILED_MAX];
	bool auto_replied, auto_generated, x_autoreply, bulk, null_return_path, report_dsn;
	bool in_reply_to; /* the message answers another (In-Reply-To) */
	bool json_mode;   /* the text is a JSON notification (Amazon SES) */
	bool jmrp;        /* Microsoft JMRP complaint: X-HmXmrOriginalRecipient in the original */
	bool unsubscribe; /* a one-click opt-out request (X-Apple-Unsubscribe) */
	int ses_kind; /* Amazon SES JSON notification: 0 none, 1 bounce, 2 complaint, 3 delivery */
	int ses_cur;  /* DSN group the SES recipient fields fill, -1 none */

	unsigned sig[NG_PLACE_COUNT][NG_SIG_COUNT];      /* highest weight seen */
	unsigned sig_hits[NG_PLACE_COUNT][NG_SIG_COUNT]; /* number of phrase hits */
	bool line_original;                              /* set by the scan of one line */
	bool line_list; /* ... a list server's refusal naming the list (NG_SIG_LISTPOST) */

	/* MIME roles. */
	enum role role;
	unsigned role_part;
	unsigned orig_id;
	unsigned text_parts, html_parts, dsn_parts;
	bool arf_part, mdn_part, html, in_tag;
	uint8_t html_skip; /* inside <style>, <script>, <head>: index + 1 */

	/* DSN parsing. */
	char dsn_reporting_mta[NG_CL_FIELD_MAX];
	char arf_rcpt[NG_CL_ADDR_MAX];
	char mdn_disposition[NG_CL_DISPOSITION_MAX];
	unsigned ndsn;
	unsigned nfb;

	/* Free text. */
	unsigned ncand;
	int cur; /* candidate collecting diagnostic lines, -1 none */
	bool after_original, inline_headers;
	bool alias_next; /* the line ended with "(expanded from": an alias follows */
	/* SMTP command context (enum ng_cmd), see freetext.c */
	uint8_t line_cmd;    /* last command named on the line being scanned */
	uint8_t pending_cmd; /* last command of the transcript in c->pending */
	uint8_t last_cmd;    /* last command named anywhere in the text */
	unsigned cmds_seen;  /* bit per command named in the text */
	bool cmd_only;       /* scanning a fold window: only command rows count */
	size_t line_cmd_end, fold_at;
	char fold_tail[NG_CL_FOLD_TAIL_MAX]; /* "(in reply to" ending the previous line */
	unsigned text_lines;
	unsigned inline_hdr_lines;
};

/* classify.c: record that a rule fired (once per rule and place; the
 * verdict's cap drops the rest).  rule and where are static strings. */
void ng_cl_evidence(ng_classifier *c, const char *rule, const char *where, const char *detail,
                    size_t dlen);
/* classify.c: match text against the phrase automaton of place. */
void ng_cl_scan(ng_classifier *c, enum ng_place place, const char *s, size_t len);
/* classify.c: a header field of the returned original (MIME or inline). */
void ng_cl_original_header(ng_classifier *c, const char *n, size_t nl, const char *v, size_t vl);

/* dsn.c: the lines of a delivery-status, feedback-report or disposition
 * part, between begin and end. */
void ng_cl_dsn_begin(ng_classifier *c);
void ng_cl_dsn_line(ng_classifier *c, const char *s, size_t len);
void ng_cl_dsn_end(ng_classifier *c);
/* dsn.c: one line of an Amazon SES JSON notification. */
void ng_cl_json_line(ng_classifier *c, const char *s, size_t len);
/* dsn.c: add a feedback-report recipient (deduplicated); kept in c->fb. */
void ng_cl_feedback_rcpt(ng_classifier *c, const char *addr, size_t len);

/* freetext.c: one line of the notification text, then its end. */
void ng_cl_text_line(ng_classifier *c, const char *s, size_t len);
void ng_cl_text_end(ng_classifier *c);
/* freetext.c: index of the candidate with this address (case-insensitive),
 * or -1. */
int ng_cl_cand_find(const ng_classifier *c, const char *addr);

/* decide.c: the verdict in c->v from everything collected. */
void ng_cl_decide(ng_classifier *c);

#endif
