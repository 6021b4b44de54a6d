/*
 * smtp.h - the server side of SMTP (RFC 5321) as two push state machines
 * that do no I/O: a parser of command lines and message content, and the
 * session above it that answers, keeps the transaction and tells the
 * caller what happened (STYLE.md habit 5).
 *
 * The parser (ng_smtp_parser_*) takes bytes as they come from a socket, a
 * file or a fuzzer, in pieces of any size, and gives back one event at a
 * time: a command line, parsed (verb, path, the ESMTP parameters SIZE= and
 * BODY=, or what is wrong with it), a piece of message content (dot-
 * unstuffed, pointing into the caller's bytes: nothing is copied or
 * buffered), or the end of the content.  Lines end in CRLF or a bare LF.
 * A command line is held up to its cap (limits.h NG_SMTP_LINE_MAX); a
 * longer one is skipped to its end and reported as an error; one that runs
 * on past the flood cap kills the parser (whether its end is in the same
 * feed or not: nothing depends on how the input is cut).
 *
 * The session (ng_smtp_session_*) is a server for a set of accepted
 * domains that never relays: it queues the replies (greeting, EHLO with
 * PIPELINING, SIZE, 8BITMIME and ENHANCEDSTATUSCODES; no AUTH, no
 * STARTTLS, no CHUNKING), enforces the order of commands, the size of
 * messages, the number of commands and of recipients, refuses recipients
 * outside its domains (550 5.7.1), and reports each transaction when it
 * ends: with a message, refused for its size, or without content, in
 * which case a bounce sender with an accepted recipient makes it a sender
 * callout.  The caller writes the queued replies to the peer, streams the
 * content into whatever reads it, and decides what a transaction means.
 *
 * Memory: a parser holds one line (its cap); a session holds a parser, the
 * replies not yet taken (bounded: parsing stops while NG_SMTP_OUTPUT_MAX
 * bytes wait) and the envelope of one transaction (bounded by the
 * recipient cap).  Nothing grows with the size of a message.
 *
 * Errors: bad peer input is never an error of these functions; it is
 * answered (session) or reported in the command (parser).  Creation
 * returns NULL when out of memory; an allocation failure later (a
 * recipient's copy) is answered 451 4.3.0 to the peer.
 *
 * Thread-safety: none inside one parser or session; separate ones share
 * nothing (no global state), so each connection may live on any thread.
 */
#ifndef NDRGUARD_SMTP_H
#define NDRGUARD_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/limits.h" /* NG_SMTP_* caps */

/* ----- the parser ----- */

/* Caps; a zero field takes the default from lib/util/limits.h. */
struct ng_smtp_limits {
	size_t line_max;  /* a command line with its line end (NG_SMTP_LINE_MAX) */
	size_t flood_max; /* a longer line (before its LF) is NG_SMTP_FLOOD (NG_SMTP_FLOOD_MAX) */
};

enum ng_smtp_verb {
	NG_SMTP_NONE = 0, /* an empty line, or a verb nobody knows (err says which) */
	NG_SMTP_HELO,
	NG_SMTP_EHLO,
	NG_SMTP_MAIL,
	NG_SMTP_RCPT,
	NG_SMTP_DATA,
	NG_SMTP_RSET,
	NG_SMTP_NOOP,
	NG_SMTP_QUIT,
	NG_SMTP_VRFY,
	NG_SMTP_EXPN,
	NG_SMTP_HELP,
	/* known, never offered by the session (502) */
	NG_SMTP_STARTTLS,
	NG_SMTP_AUTH,
	NG_SMTP_BDAT,
	NG_SMTP_ETRN,
	NG_SMTP_TURN,
};

/* What is wrong with a command line; the session's reply in brackets. */
enum ng_smtp_err {
	NG_SMTP_OK = 0,
	NG_SMTP_ETOOLONG, /* longer than line_max; the line was skipped (500 5.5.2) */
	NG_SMTP_ENUL,     /* a NUL byte (500 5.5.2) */
	NG_SMTP_EEMPTY,   /* an empty line (500 5.5.2) */
	NG_SMTP_EVERB,    /* a verb we do not know (500 5.5.2) */
	NG_SMTP_ESYNTAX,  /* a known verb with bad arguments (501 5.5.4; 501 5.1.7/5.1.3 paths) */
	NG_SMTP_EPARAM,   /* an ESMTP parameter we do not support (555 5.5.4) */
	NG_SMTP_EVALUE,   /* a bad SIZE= or BODY= value (501 5.5.4) */
};

/* BODY= of MAIL (RFC 6152). */
enum ng_smtp_body {
	NG_SMTP_BODY_NONE = 0, /* not given */
	NG_SMTP_BODY_7BIT,
	NG_SMTP_BODY_8BITMIME,
};

/* One command line, parsed.  Every string is NUL-terminated, points into
 * the parser and is valid until the next feed or free. */
struct ng_smtp_cmd {
	enum ng_smtp_verb verb; /* known even when its arguments are bad */
	enum ng_smtp_err err;
	const char *why;       /* static: what is wrong ("bad address syntax"); NULL when OK */
	const char *verb_text; /* the verb as sent (cut to 16 bytes), "" for an empty line */
	const char *arg; /* after the verb and its white space, trailing blanks cut; "" none */
	/* MAIL and RCPT: the path between '<' and '>' (the brackets may be
	 * missing), its source route (@a,@b:) removed; "" is the null path
	 * <> (MAIL only).  NULL for other verbs and when the path is bad. */
	const char *path;
	/* MAIL parameters (RFC 1870, RFC 6152); others are NG_SMTP_EPARAM. */
	bool has_size;
	uint64_t size;
	enum ng_smtp_body body;
	size_t len; /* bytes of the line, its end included (a skipped line: all of them) */
};

enum ng_smtp_feed {
	NG_SMTP_MORE = 0,    /* every byte taken; nothing complete yet */
	NG_SMTP_COMMAND,     /* a command line: ng_smtp_parser_command() */
	NG_SMTP_CONTENT,     /* message content: ng_smtp_parser_content() */
	NG_SMTP_CONTENT_END, /* the "." line: back to commands */
	NG_SMTP_FLOOD,       /* a line past flood_max: the parser is dead */
};

struct ng_smtp_parser;

/* A parser with the caps lim (NULL: the defaults), reading commands.
 * NULL when out of memory.  Free with ng_smtp_parser_free(). */
struct ng_smtp_parser *ng_smtp_parser_new(const struct ng_smtp_limits *lim);
/* Release p; NULL is a no-op. */
void ng_smtp_parser_free(struct ng_smtp_parser *p);

/*
 * Feed len bytes.  Takes bytes up to the end of one event and stops:
 * *used says how many were taken (the caller feeds the rest next).
 * NG_SMTP_MORE: all len taken without an event.  NG_SMTP_COMMAND: a line
 * is parsed.  NG_SMTP_CONTENT: a piece of content (it may end before the
 * input does: a stuffed dot is left out).  NG_SMTP_CONTENT_END: the line
 * "." was taken.  NG_SMTP_FLOOD: from now on every feed returns it and
 * takes nothing.  data is read during the call, but a content piece
 * points into it (see ng_smtp_parser_content()).
 */
enum ng_smtp_feed ng_smtp_parser_feed(struct ng_smtp_parser *p, const char *data, size_t len,
                                      size_t *used);

/* The command of the last feed that returned NG_SMTP_COMMAND, else NULL.
 * Valid until the next feed. */
const struct ng_smtp_cmd *ng_smtp_parser_command(const struct ng_smtp_parser *p);

/* The content piece of the last feed that returned NG_SMTP_CONTENT: *len
 * bytes at the result, inside the data given to that feed (or a static
 * "\r" the parser had held back), so valid while that data is.  NULL with
 * *len = 0 otherwise. */
const char *ng_smtp_parser_content(const struct ng_smtp_parser *p, size_t *len);

/* Read message content from the next byte on (after the 354 reply),
 * until the "." line.  Bytes already fed are not re-read: call it right
 * after the DATA command's feed returned. */
void ng_smtp_parser_start_content(struct ng_smtp_parser *p);

/* True while bytes of an unfinished command line are held, or while
 * content is being read (the peer stopped in the middle). */
bool ng_smtp_parser_pending(const struct ng_smtp_parser *p);

/* "HELO", "MAIL", ...; "" for NG_SMTP_NONE.  A static string. */
const char *ng_smtp_verb_name(enum ng_smtp_verb v);

/* ----- the session ----- */

/* Is sender ("" = the null sender) a bounce sender?  See the session's
 * is_bounce_sender. */
typedef bool ng_smtp_bounce_fn(void *arg, const char *sender);

struct ng_smtp_session_opts {
	/* The name in the greeting and the EHLO reply; NULL or "" is
	 * "localhost".  Cut at NG_SMTP_HOSTNAME_MAX bytes; read during
	 * ng_smtp_session_new() only. */
	const char *hostname;
	/* The domains whose addresses are accepted as recipients, compared
	 * case-insensitively and without a trailing dot; anything else is
	 * refused 550 5.7.1 (never relayed).  Borrowed: must outlive the
	 * session. */
	const char *const *domains;
	size_t ndomains;
	uint64_t max_size;     /* SIZE: the largest message; 0 = NG_SMTP_SIZE_DEFAULT */
	unsigned max_commands; /* command lines per session, then 421; 0 = no limit */
	unsigned max_rcpts; /* accepted per transaction, then 452; 0 or more = NG_SMTP_RCPTS_MAX */
	struct ng_smtp_limits lim;
	/* Which senders are bounce senders (callouts are made with them);
	 * NULL: the null sender and the local parts postmaster and
	 * mailer-daemon, case-insensitively. */
	ng_smtp_bounce_fn *is_bounce_sender;
	void *bounce_arg;
};

enum ng_smtp_event {
	NG_SMTP_EV_NONE = 0, /* nothing to do but write the replies (see feed) */
	NG_SMTP_EV_MESSAGE,  /* DATA was accepted (354): content follows; envelope in txn */
	NG_SMTP_EV_CONTENT,  /* a piece of content: ng_smtp_session_content() */
	NG_SMTP_EV_TXN_END,  /* a transaction ended: ng_smtp_session_txn() */
	NG_SMTP_EV_CLOSE,    /* the session is over: write the replies, then close */
};

/* How a transaction ended. */
enum ng_smtp_txn_end {
	NG_SMTP_END_MESSAGE = 0, /* its content was received and accepted (250) */
	NG_SMTP_END_OVERSIZE,    /* its content was past max_size: refused (552), not kept */
	NG_SMTP_END_NO_DATA,     /* RSET, QUIT, MAIL, HELO/EHLO or the end of the session
	                            came before DATA */
	NG_SMTP_END_CUT,         /* the session ended in the middle of the content */
};

/* Why the caller ends a session (ng_smtp_session_close). */
enum ng_smtp_close {
	NG_SMTP_CLOSE_PEER = 0, /* the peer went away: no reply */
	NG_SMTP_CLOSE_IDLE,     /* idle timeout: 421 4.4.2 ... timeout exceeded */
	NG_SMTP_CLOSE_LIFETIME, /* session time limit: 421 4.4.2 ... session too long */
	NG_SMTP_CLOSE_SHUTDOWN, /* the server stops: 421 4.3.2 ... shutting down */
};

/* A transaction: its envelope, and once it ended, how.  Strings are
 * NUL-terminated and belong to the session. */
struct ng_smtp_txn {
	unsigned long id;        /* 1, 2, ... within the session */
	const char *helo;        /* the last HELO/EHLO argument; "" none */
	bool esmtp;              /* EHLO rather than HELO */
	const char *sender;      /* the reverse path; "" = <> */
	bool bounce_sender;      /* is_bounce_sender(sender) */
	const char *const *rcpt; /* the accepted recipients, in order */
	size_t nrcpt;
	unsigned refused; /* recipients refused (outside the domains, over the cap) */
	bool has_size;    /* SIZE= given, and its value */
	uint64_t declared_size;
	enum ng_smtp_body body;
	/* set when it ended (NG_SMTP_EV_TXN_END): */
	enum ng_smtp_txn_end end;
	const char *ended_by; /* static: "end of data", "RSET", "QUIT", "MAIL", "HELO", "EHLO",
	                         "disconnect", "idle timeout", "session timeout",
	                         "shutdown", "too many commands", "flood" */
	/* A sender callout: ended without content (NO_DATA), a bounce sender,
	 * at least one accepted recipient. */
	bool callout;
	uint64_t size; /* content bytes received (unstuffed), also past max_size */
};

/* What a session counted (for the daemon's statistics). */
struct ng_smtp_counts {
	unsigned long commands;       /* command lines */
	unsigned long bad_commands;   /* answered 5xx for syntax or order */
	unsigned long relay_refused;  /* recipients outside the domains */
	unsigned long rcpts_over_cap; /* recipients past max_rcpts */
	unsigned long floods;         /* 1: closed for a line past the flood cap */
	unsigned long over_commands;  /* 1: closed at the command cap */
};

struct ng_smtp_session;

/*
 * A session, its greeting (220) already queued.  opts is read during the
 * call, except domains and bounce_arg, which are borrowed.  NULL when out
 * of memory.
 */
struct ng_smtp_session *ng_smtp_session_new(const struct ng_smtp_session_opts *opts);
/* Release s; NULL is a no-op.  An open transaction is dropped unreported:
 * call ng_smtp_session_close() first to learn about it. */
void ng_smtp_session_free(struct ng_smtp_session *s);

/*
 * Feed len bytes from the peer (len may be 0).  Stops at each event and
 * returns it; *used says how many bytes were taken.  The caller handles
 * the event and feeds what is left - even 0 bytes - until the session
 * returns NG_SMTP_EV_NONE or NG_SMTP_EV_CLOSE: an event may wait behind
 * another (a QUIT that ends a transaction gives TXN_END, then CLOSE on the
 * next feed).  NG_SMTP_EV_NONE with *used < len means replies wait
 * (NG_SMTP_OUTPUT_MAX): take them, write them, and feed the rest later.
 * After NG_SMTP_EV_CLOSE, every feed takes nothing and returns
 * NG_SMTP_EV_CLOSE.  A NG_SMTP_EV_CONTENT piece points into `data`: use
 * it before `data` goes.  Replies may be taken at any time; how many wait
 * when an event comes depends on how the input was cut, their sequence
 * does not.
 */
enum ng_smtp_event ng_smtp_session_feed(struct ng_smtp_session *s, const char *data, size_t len,
                                        size_t *used);

/*
 * The session ends for the caller's reason (the peer went away, a timer,
 * the server stops).  The reply that goes with it is queued (none for
 * NG_SMTP_CLOSE_PEER), and an open transaction ends: returns
 * NG_SMTP_EV_TXN_END when one with a recipient ended (ng_smtp_session_txn()
 * says how: NO_DATA, a callout perhaps, or CUT), else NG_SMTP_EV_CLOSE.
 * Every later call, and every feed, returns NG_SMTP_EV_CLOSE.
 */
enum ng_smtp_event ng_smtp_session_close(struct ng_smtp_session *s, enum ng_smtp_close why);

/* The replies queued and not yet taken: *len bytes at the result (NULL
 * when none).  Valid until the next call on s. */
const char *ng_smtp_session_output(const struct ng_smtp_session *s, size_t *len);
/* The caller took n bytes of the output (n <= what waits). */
void ng_smtp_session_consume(struct ng_smtp_session *s, size_t n);

/* The content piece of the last NG_SMTP_EV_CONTENT, as
 * ng_smtp_parser_content(): valid while the data fed is.  Exactly the
 * first max_size bytes of the content come as pieces, however the input
 * was cut; the rest is only counted (and the message refused). */
const char *ng_smtp_session_content(const struct ng_smtp_session *s, size_t *len);

/* After NG_SMTP_EV_MESSAGE and NG_SMTP_EV_CONTENT: the transaction whose
 * content is coming (its end fields unset).  After NG_SMTP_EV_TXN_END:
 * the one that ended.  Otherwise NULL.  Valid until the next feed or
 * close. */
const struct ng_smtp_txn *ng_smtp_session_txn(const struct ng_smtp_session *s);

/* True while a transaction is open (MAIL accepted, not ended yet) or its
 * content is being received: what a server that stops waits for. */
bool ng_smtp_session_in_txn(const struct ng_smtp_session *s);

/* The session's counters so far. */
const struct ng_smtp_counts *ng_smtp_session_counts(const struct ng_smtp_session *s);

/* "message", "oversize", "no-data", "cut".  A static string. */
const char *ng_smtp_txn_end_name(enum ng_smtp_txn_end e);

#endif
