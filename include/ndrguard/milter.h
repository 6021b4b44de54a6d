/*
 * milter.h - the filter side of the Sendmail/Postfix milter protocol
 * (version 6), as a push state machine that does no I/O.
 *
 * The caller owns the socket.  It reads the MTA's bytes into the space
 * ng_milter_space() offers (or hands them to ng_milter_feed()), and the
 * session cuts them into packets (4-byte length, command byte, data),
 * runs the filter's callbacks in order and queues the replies, which the
 * caller writes out with ng_milter_output() / ng_milter_consumed() before
 * it waits for more input.  Every packet the MTA sends that needs an
 * answer is answered before the MTA sends anything else, so "write what
 * is queued, then read" never deadlocks; packets that need no answer
 * (negotiated SMFIP_NR_*, macros) are taken in bursts from one read.
 *
 * Callbacks and their semantics are libmilter's (xxfi_* in Sendmail's
 * mfapi.h): the same command order, the same defaults (a missing callback
 * answers CONTINUE unless the negotiated flags say no reply), replies set
 * with ng_milter_setreply() used only with a matching REJECT (5xx) or
 * TEMPFAIL (4xx), message changes (add header, change sender, add or
 * delete a recipient, quarantine) only during end of message and only
 * when negotiated, macros looked up latest stage first with or without
 * braces around one-letter names, and close called once at the end of
 * every negotiated session.  What libmilter does besides (threads,
 * sockets, signals) is the caller's: see src/milter/engine.c.
 *
 * Bad input from the MTA (an oversized or short packet, a string without
 * its NUL, a command before negotiation) ends the session: the input
 * function says NG_MILTER_CLOSE and ng_milter_error() tells why.  Packets
 * are capped at NG_MILTER_PACKET_MAX (lib/util/limits.h).
 *
 * One session per connection, one thread at a time; sessions share
 * nothing but the (immutable) descriptor.
 */
#ifndef NDRGUARD_MILTER_H
#define NDRGUARD_MILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;

/* What a callback returns (libmilter's SMFIS_* values). */
enum ng_milter_stat {
	NG_MILTER_CONTINUE = 0,
	NG_MILTER_REJECT = 1,
	NG_MILTER_DISCARD = 2,
	NG_MILTER_ACCEPT = 3,
	NG_MILTER_TEMPFAIL = 4,
	NG_MILTER_NOREPLY = 7,
	NG_MILTER_SKIP = 8,
};

/* Actions the filter may take (the wire's SMFIF_* bits). */
#define NG_MILTER_A_ADDHDRS    0x00000001UL
#define NG_MILTER_A_CHGBODY    0x00000002UL
#define NG_MILTER_A_ADDRCPT    0x00000004UL
#define NG_MILTER_A_DELRCPT    0x00000008UL
#define NG_MILTER_A_CHGHDRS    0x00000010UL
#define NG_MILTER_A_QUARANTINE 0x00000020UL
#define NG_MILTER_A_CHGFROM    0x00000040UL
#define NG_MILTER_A_SETSYMLIST 0x00000100UL

/* Protocol steps (the wire's SMFIP_* bits). */
#define NG_MILTER_P_NOCONNECT   0x00000001UL
#define NG_MILTER_P_NOHELO      0x00000002UL
#define NG_MILTER_P_NOMAIL      0x00000004UL
#define NG_MILTER_P_NORCPT      0x00000008UL
#define NG_MILTER_P_NOBODY      0x00000010UL
#define NG_MILTER_P_NOHDRS      0x00000020UL
#define NG_MILTER_P_NOEOH       0x00000040UL
#define NG_MILTER_P_NR_HDR      0x00000080UL
#define NG_MILTER_P_NOUNKNOWN   0x00000100UL
#define NG_MILTER_P_NODATA      0x00000200UL
#define NG_MILTER_P_SKIP        0x00000400UL
#define NG_MILTER_P_RCPT_REJ    0x00000800UL
#define NG_MILTER_P_NR_CONN     0x00001000UL
#define NG_MILTER_P_NR_HELO     0x00002000UL
#define NG_MILTER_P_NR_MAIL     0x00004000UL
#define NG_MILTER_P_NR_RCPT     0x00008000UL
#define NG_MILTER_P_NR_DATA     0x00010000UL
#define NG_MILTER_P_NR_UNKN     0x00020000UL
#define NG_MILTER_P_NR_EOH      0x00040000UL
#define NG_MILTER_P_NR_BODY     0x00080000UL
#define NG_MILTER_P_HDR_LEADSPC 0x00100000UL

/* Macro stages, for ng_milter_setsymlist() (SMFIM_*). */
enum ng_milter_stage {
	NG_MILTER_STAGE_CONNECT = 0,
	NG_MILTER_STAGE_HELO = 1,
	NG_MILTER_STAGE_MAIL = 2,
	NG_MILTER_STAGE_RCPT = 3,
	NG_MILTER_STAGE_DATA = 4,
	NG_MILTER_STAGE_EOM = 5,
	NG_MILTER_STAGE_EOH = 6,
	NG_MILTER_NSTAGES = 7
};

struct ng_milter_ctx;

/* The filter.  Strings passed to callbacks point into the packet and are
 * valid during the call only.  NULL callbacks are allowed. */
struct ng_milter_desc {
	const char *name; /* for messages */
	/* offered: what the MTA offers; set *actions and *proto to what the
	 * filter wants (each a subset of the offer, else the session ends).
	 * Return CONTINUE, or REJECT/TEMPFAIL to refuse the session.  Without
	 * this callback the filter takes no actions and every step. */
	enum ng_milter_stat (*negotiate)(struct ng_milter_ctx *ctx, unsigned long actions_offered,
	                                 unsigned long proto_offered, unsigned long *actions,
	                                 unsigned long *proto);
	/* sa: the client's address (AF_INET or AF_INET6, port included), or
	 * NULL when the MTA sent a unix or unknown one */
	enum ng_milter_stat (*connect)(struct ng_milter_ctx *ctx, const char *hostname,
	                               const struct sockaddr *sa);
	enum ng_milter_stat (*helo)(struct ng_milter_ctx *ctx, const char *name);
	/* argv: the address, then the ESMTP parameters; NULL-terminated */
	enum ng_milter_stat (*envfrom)(struct ng_milter_ctx *ctx, char **argv);
	enum ng_milter_stat (*envrcpt)(struct ng_milter_ctx *ctx, char **argv);
	enum ng_milter_stat (*data)(struct ng_milter_ctx *ctx);
	enum ng_milter_stat (*unknown)(struct ng_milter_ctx *ctx, const char *cmd);
	enum ng_milter_stat (*header)(struct ng_milter_ctx *ctx, const char *name,
	                              const char *value);
	enum ng_milter_stat (*eoh)(struct ng_milter_ctx *ctx);
	enum ng_milter_stat (*body)(struct ng_milter_ctx *ctx, const unsigned char *chunk,
	                            size_t len);
	enum ng_milter_stat (*eom)(struct ng_milter_ctx *ctx);
	/* the message ends without end of message; no reply is sent */
	void (*abort)(struct ng_milter_ctx *ctx);
	/* the session ends (once, whatever happened); no reply is sent */
	void (*close)(struct ng_milter_ctx *ctx);
};

/* What the input functions say. */
enum ng_milter_input {
	NG_MILTER_MORE = 0, /* write the queued output, then read more */
	NG_MILTER_CLOSE = 1 /* write the queued output, then close */
};

/* A session for one connection; NULL when out of memory.  app is the
 * caller's, returned by ng_milter_app(). */
struct ng_milter_ctx *ng_milter_new(const struct ng_milter_desc *d, void *app);
/* Start over for a new connection, keeping the buffers.  Calls close if a
 * session was open (as ng_milter_end()). */
void ng_milter_reset(struct ng_milter_ctx *ctx);
/* The connection ended (EOF, error, shutdown): close is called if the
 * session was negotiated and not yet closed. */
void ng_milter_end(struct ng_milter_ctx *ctx);
void ng_milter_free(struct ng_milter_ctx *ctx);

/* Room for input: a pointer to at least *len free bytes (the buffer grows
 * to the packet being read, at most NG_MILTER_PACKET_MAX + 5); NULL when
 * out of memory. */
unsigned char *ng_milter_space(struct ng_milter_ctx *ctx, size_t *len);
/* n bytes were written at ng_milter_space(): run every complete packet. */
enum ng_milter_input ng_milter_input(struct ng_milter_ctx *ctx, size_t n);
/* The same for bytes that are elsewhere (tests, fuzzing): copies. */
enum ng_milter_input ng_milter_feed(struct ng_milter_ctx *ctx, const void *data, size_t len);

/* Replies queued for the MTA; *len 0 when none. */
const unsigned char *ng_milter_output(const struct ng_milter_ctx *ctx, size_t *len);
/* n bytes of the output were written. */
void ng_milter_consumed(struct ng_milter_ctx *ctx, size_t n);
/* Why the session ended early ("" when it did not). */
const char *ng_milter_error(const struct ng_milter_ctx *ctx);

/* ----- for callbacks ----- */

void *ng_milter_app(const struct ng_milter_ctx *ctx);
void ng_milter_setpriv(struct ng_milter_ctx *ctx, void *priv);
void *ng_milter_getpriv(const struct ng_milter_ctx *ctx);
/* A macro's value: "i", "{i}" and "{auth_authen}" forms; the latest
 * stage's value first.  NULL when the MTA did not send it. */
const char *ng_milter_getsymval(const struct ng_milter_ctx *ctx, const char *name);
/* The reply text for the next REJECT (rcode 5xx) or TEMPFAIL (4xx):
 * "rcode xcode text", xcode and text optional.  -1 when rcode is not
 * 4xx/5xx or text has CR or LF.  '%' must already be doubled. */
int ng_milter_setreply(struct ng_milter_ctx *ctx, const char *rcode, const char *xcode,
                       const char *text);
/* During negotiate, with NG_MILTER_A_SETSYMLIST: the macros wanted at a
 * stage (space-separated).  -1 otherwise. */
int ng_milter_setsymlist(struct ng_milter_ctx *ctx, enum ng_milter_stage stage, const char *macros);
/* During end of message, each with its negotiated action; -1 otherwise. */
int ng_milter_addheader(struct ng_milter_ctx *ctx, const char *name, const char *value);
int ng_milter_chgfrom(struct ng_milter_ctx *ctx, const char *from, const char *args);
int ng_milter_addrcpt(struct ng_milter_ctx *ctx, const char *rcpt);
int ng_milter_delrcpt(struct ng_milter_ctx *ctx, const char *rcpt);
int ng_milter_quarantine(struct ng_milter_ctx *ctx, const char *reason);

#endif
