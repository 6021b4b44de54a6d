/*
 * rules.h - the phrase tables of the classifier, compiled into automata.
 *
 * Each table row is data: a phrase (matched case-insensitively, on text whose
 * runs of white space were squeezed to one space), the signal it gives, and
 * where it counts (Subject, From, notification text).  All rows of one
 * place are compiled into one Aho-Corasick automaton and matched in a single
 * pass, so adding phrases costs memory, not time per message.
 */
#ifndef NG_CLASSIFY_RULES_H
#define NG_CLASSIFY_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "util/ac.h"

enum ng_signal {
	NG_SIG_BOUNCE = 0, /* the message reports a delivery failure */
	NG_SIG_DELAY,      /* ... a delay, still being retried */
	NG_SIG_SUCCESS,    /* ... a successful delivery or relay */
	NG_SIG_AUTOREPLY,  /* an out-of-office or vacation reply */
	NG_SIG_CHALLENGE,  /* challenge/response: prove you are a sender */
	NG_SIG_AV,         /* an antivirus notification */
	NG_SIG_ORIGINAL,   /* a separator: the returned original follows */
	NG_SIG_TRANSCRIPT, /* a separator: an SMTP transcript follows */
	NG_SIG_JSON,       /* a key of a JSON delivery notification (Amazon SES) */
	NG_SIG_RCPTLIST,   /* "the following addresses failed": a recipient list follows */
	NG_SIG_COMMAND,    /* which SMTP command a reply answered; weight: enum ng_cmd */
	NG_SIG_LISTPOST,   /* a list server refused a post: the line names the list */
	NG_SIG_COUNT
};

/* A signal's name in the evidence ("phrase:bounce"), and whether its phrase
 * hits are evidence at all: separators and the list, JSON and list-server
 * markers only steer the parsing. */
typedef struct ng_signal_info {
	const char *rule;
	bool evidence;
} ng_signal_info;

extern const ng_signal_info ng_signals[NG_SIG_COUNT];

/* SMTP commands a remote server's reply answered ("in reply to RCPT TO
 * command", ">>> DATA", "after end of data").  The weight of an
 * NG_SIG_COMMAND row; NG_CMD_FOLD marks the start of Postfix's "(in reply
 * to ... command)", which may be folded onto the next line. */
enum ng_cmd {
	NG_CMD_NONE = 0,
	NG_CMD_CONN,
	NG_CMD_HELO,
	NG_CMD_STARTTLS,
	NG_CMD_MAIL,
	NG_CMD_RCPT,
	NG_CMD_DATA,
	NG_CMD_FOLD,
};

enum ng_place { NG_PLACE_SUBJECT = 0, NG_PLACE_FROM, NG_PLACE_BODY, NG_PLACE_COUNT };

typedef struct ng_rule {
	const char *phrase;
	uint8_t signal; /* enum ng_signal */
	uint8_t weight; /* 1 weak, 2 normal, 3 decisive */
} ng_rule;

typedef struct ng_rules {
	ng_ac *ac[NG_PLACE_COUNT];
	const ng_rule *table[NG_PLACE_COUNT];
} ng_rules;

/* Build the automata; 0 or -1 when out of memory (then ng_rules_free). */
int ng_rules_init(ng_rules *r);
void ng_rules_free(ng_rules *r);

#endif
