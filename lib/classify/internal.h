/*
 * internal.h - the classifier's state, shared by its files and nobody else.
 *
 * classify.c  MIME events, header handling, public API
 * dsn.c       message/delivery-status, feedback-report, disposition fields
 * freetext.c  notification text: phrases, recipient candidates, inline original
 * decide.c    the verdict from all of the above
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

#define NG_CANDS_MAX 64

/* Fields of one DSN group (per-message or per-recipient). */
struct dsn_group {
	char final_rcpt[NG_CL_ADDR_MAX];
	char orig_rcpt[NG_CL_ADDR_MAX];
	char action[16];
	char status[16];
	char diag[NG_CL_DIAG_MAX];
	char remote_mta[NG_CL_FIELD_MAX];
	bool any;
	int last; /* which field a continuation line extends: 0 none, 1 diagnostic */
};

struct ng_classifier {
	ng_mime *mime;
	ng_reasons *reasons;
	ng_rules rules;

	/* Per-message state.  The large arrays are not cleared for each message:
	 * their counts are (ng_classify_begin); the small fields from
	 * null_sender to the end are cleared at once. */
	ng_verdict v;
	struct cand cand[NG_CANDS_MAX];
	struct dsn_group dsn[NG_CANDS_MAX];
	struct dsn_group grp;
	char fb[NG_CL_RCPTS_MAX][NG_CL_ADDR_MAX]; /* recipients a complaint names */
	uint8_t rcpt_cmd[NG_CL_RCPTS_MAX]; /* enum ng_cmd of each v.rcpt, set by decide.c */
	char text_all[4096];         /* notification text, squeezed */
	size_t text_all_len;
	char lead[NG_CL_DIAG_MAX]; /* text before the first candidate */
	char pending[NG_CL_DIAG_MAX]; /* SMTP transcript waiting for its recipient */
	char inline_hdr[2048];       /* a field of an inline original being unfolded */

	bool open; /* between begin and end: feed is taken */

	int null_sender; /* -1 unknown, 0 no, 1 the envelope sender is <> */
	char subject[512];
	char from[256];
	char from_addr[NG_CL_ADDR_MAX];
	char to_addr[NG_CL_ADDR_MAX];
	char first_by[NG_CL_FIELD_MAX];
	char x_failed[1024];
	bool auto_replied, auto_generated, x_autoreply, bulk, null_return_path, report_dsn;
	bool json_mode;   /* the text is a JSON notification (Amazon SES) */
	bool jmrp;        /* Microsoft JMRP complaint: X-HmXmrOriginalRecipient in the original */
	bool unsubscribe; /* a one-click opt-out request (X-Apple-Unsubscribe) */
	int ses_kind;     /* Amazon SES JSON notification: 0 none, 1 bounce, 2 complaint, 3 delivery */
	int ses_cur;      /* DSN group the SES recipient fields fill, -1 none */

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

	/* DSN parsing. */
	char dsn_reporting_mta[NG_CL_FIELD_MAX];
	char arf_rcpt[NG_CL_ADDR_MAX];
	char mdn_disposition[64];
	unsigned ndsn;
	unsigned nfb;

	/* Free text. */
	unsigned ncand;
	int cur; /* candidate collecting diagnostic lines, -1 none */
	bool after_original, inline_headers, transcript;
	bool alias_next; /* the line ended with "(expanded from": an alias follows */
	/* SMTP command context (enum ng_cmd), see freetext.c */
	uint8_t line_cmd;    /* last command named on the line being scanned */
	uint8_t pending_cmd; /* last command of the transcript in c->pending */
	uint8_t last_cmd;    /* last command named anywhere in the text */
	unsigned cmds_seen;  /* bit per command named in the text */
	bool cmd_only;       /* scanning a fold window: only command rows count */
	size_t line_cmd_end, fold_at;
	char fold_tail[40]; /* an unfinished "(in reply to" ending the previous line */
	unsigned text_lines;
	unsigned inline_hdr_lines;
};

void ng_cl_evidence(ng_classifier *c, const char *rule, const char *where, const char *detail,
		    size_t dlen);
void ng_cl_scan(ng_classifier *c, enum ng_place place, const char *s, size_t len);
void ng_cl_original_header(ng_classifier *c, const char *n, size_t nl, const char *v,
			   size_t vl);

void ng_cl_dsn_begin(ng_classifier *c);
void ng_cl_dsn_line(ng_classifier *c, const char *s, size_t len);
void ng_cl_dsn_end(ng_classifier *c);

void ng_cl_text_line(ng_classifier *c, const char *s, size_t len);
void ng_cl_json_line(ng_classifier *c, const char *s, size_t len);
/* Add a feedback-report recipient (deduplicated); kept in c->dsn. */
void ng_cl_feedback_rcpt(ng_classifier *c, const char *addr, size_t len);
void ng_cl_text_end(ng_classifier *c);

void ng_cl_decide(ng_classifier *c);

#endif
