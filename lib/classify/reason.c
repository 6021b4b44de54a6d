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
#include "classify/reason.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/ac.h"

/* Reasons.  The order here is only an index; priorities are below. */
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

/* Context markers share the automaton with the phrases. */
enum {
	M_NONE = 0,
	M_CMD_CONN,
	M_CMD_HELO,
	M_CMD_STARTTLS,
	M_CMD_MAIL,
	M_CMD_RCPT,
	M_CMD_DATA,
	M_XUNIX,
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
	bool veto; /* a wording that must NOT count as evidence for reason */
};

#define P(s, r)                                                                                    \
	{                                                                                          \
		s, NULL, r, M_NONE, false                                                          \
	}
#define P2(s, t, r)                                                                                \
	{                                                                                          \
		s, t, r, M_NONE, false                                                             \
	}
#define NOT(s, r)                                                                                  \
	{                                                                                          \
		s, NULL, r, M_NONE, true                                                           \
	}
#define MK(s, m)                                                                                   \
	{                                                                                          \
		s, NULL, R_NONE, m, false                                                          \
	}

static const struct phrase phrases[] = {
    /* Which SMTP command the error answered. */
    MK("after initial connection", M_CMD_CONN),
    MK("refused to talk to me", M_CMD_CONN),
    MK("in reply to helo command", M_CMD_HELO),
    MK("in reply to ehlo command", M_CMD_HELO),
    MK("after helo", M_CMD_HELO),
    MK("after ehlo", M_CMD_HELO),
    MK(">>> helo", M_CMD_HELO),
    MK(">>> ehlo", M_CMD_HELO),
    MK("in reply to starttls command", M_CMD_STARTTLS),
    MK("after starttls", M_CMD_STARTTLS),
    MK("in reply to mail from command", M_CMD_MAIL),
    MK("after mail from", M_CMD_MAIL),
    MK(">>> mail from", M_CMD_MAIL),
    MK("in reply to rcpt to command", M_CMD_RCPT),
    MK("after rcpt to", M_CMD_RCPT),
    MK(">>> rcpt to", M_CMD_RCPT),
    MK("in reply to data command", M_CMD_DATA),
    MK("in reply to end of data command", M_CMD_DATA),
    MK("after end of data", M_CMD_DATA),
    MK("after data", M_CMD_DATA),
    MK(">>> data", M_CMD_DATA),
    MK("x-unix;", M_XUNIX),
    MK("x-postfix;", M_XUNIX),

    /* userunknown: the local part does not exist. */
    P("user unknown", R_USERUNKNOWN),
    P("unknown user", R_USERUNKNOWN),
    P("no such user", R_USERUNKNOWN),
    P("user not found", R_USERUNKNOWN),
    P("user does not exist", R_USERUNKNOWN),
    P("user not exist", R_USERUNKNOWN),
    P("user not known", R_USERUNKNOWN),
    P("unknown recipient", R_USERUNKNOWN),
    P("recipient unknown", R_USERUNKNOWN),
    P("recipient not found", R_USERUNKNOWN),
    P("recipient does not exist", R_USERUNKNOWN),
    P("recipient not exist", R_USERUNKNOWN),
    P("no such recipient", R_USERUNKNOWN),
    P("invalid recipient", R_USERUNKNOWN),
    P("not a valid recipient", R_USERUNKNOWN),
    P("unknown mailbox", R_USERUNKNOWN),
    P("no such mailbox", R_USERUNKNOWN),
    P("mailbox not found", R_USERUNKNOWN),
    P("mailbox does not exist", R_USERUNKNOWN),
    P("mailbox invalid", R_USERUNKNOWN),
    P("invalid mailbox", R_USERUNKNOWN),
    P("mailbox is unavailable", R_USERUNKNOWN),
    P("mailbox unavailable", R_USERUNKNOWN),
    P("mailbox not present", R_USERUNKNOWN),
    P("no mailbox here by that name", R_USERUNKNOWN),
    P("no mailbox by that name", R_USERUNKNOWN),
    P("address does not exist", R_USERUNKNOWN),
    P("address unknown", R_USERUNKNOWN),
    P("invalid address", R_USERUNKNOWN),
    P("address invalid", R_USERUNKNOWN),
    P("address not present in directory", R_USERUNKNOWN),
    P("email address could not be found", R_USERUNKNOWN),
    P("no account by that name", R_USERUNKNOWN),
    P("no such person", R_USERUNKNOWN),
    P("no such address", R_USERUNKNOWN),
    P("there is no one at this address", R_USERUNKNOWN),
    P("is not a known user", R_USERUNKNOWN),
    P("is not a valid mailbox", R_USERUNKNOWN),
    P("not a valid user", R_USERUNKNOWN),
    P("not a local address", R_USERUNKNOWN),
    P("recipient is not local", R_USERUNKNOWN),
    P("recipient address rejected: invalid user", R_USERUNKNOWN),
    P("recipient address rejected: unknown user", R_USERUNKNOWN),
    P("recipient address rejected: access denied", R_USERUNKNOWN),
    P("recipient rejected", R_USERUNKNOWN),
    P("recipient is not accepted", R_USERUNKNOWN),
    P("destination addresses were unknown", R_USERUNKNOWN),
    P("badrcptto", R_USERUNKNOWN),
    P("not in my validrcptto", R_USERUNKNOWN),
    P("the email account that you tried to reach does not exist", R_USERUNKNOWN),
    P("account that you tried to reach does not exist", R_USERUNKNOWN),
    P("this address no longer accepts mail", R_USERUNKNOWN),
    P("no longer valid", R_USERUNKNOWN),
    P("invalid or unknown virtual user", R_USERUNKNOWN),
    P("user missing home directory", R_USERUNKNOWN),
    P("resolver.adr.recipientnotfound", R_USERUNKNOWN),
    P("resolver.adr.recipient notfound", R_USERUNKNOWN),
    P("utilisateur inconnu", R_USERUNKNOWN),
    P("no existe", R_USERUNKNOWN),
    P("adresse nicht gefunden", R_USERUNKNOWN),
    P2("user ", " does not exist", R_USERUNKNOWN),
    P2("user ", " was not found", R_USERUNKNOWN),
    P2("user (", ") unknown", R_USERUNKNOWN),
    P2("mailbox ", " does not exist", R_USERUNKNOWN),
    P2("recipient ", " was not found", R_USERUNKNOWN),
    P2("unknown local", "part", R_USERUNKNOWN),
    P2("unknown e", "mail address", R_USERUNKNOWN),
    P2("non", "existent user", R_USERUNKNOWN),
    P2("account ", " does not exist", R_USERUNKNOWN),
    P2("this user doesn't have a ", " account", R_USERUNKNOWN),
    P("address couldn't be found", R_USERUNKNOWN),
    P("address could not be found", R_USERUNKNOWN),
    P("not listed in domino directory", R_USERUNKNOWN),
    P("not listed in public name & address book", R_USERUNKNOWN),
    P("no valid recipients", R_USERUNKNOWN),
    P("invalid final delivery userid", R_USERUNKNOWN),

    /* mailboxfull */
    P("mailbox full", R_MAILBOXFULL),
    P("mailbox is full", R_MAILBOXFULL),
    P("full mailbox", R_MAILBOXFULL),
    P("mailbox size limit exceeded", R_MAILBOXFULL),
    P("mailbox exceeds allowed size", R_MAILBOXFULL),
    P("mailbox would exceed", R_MAILBOXFULL),
    P("mailfolder is full", R_MAILBOXFULL),
    P("over quota", R_MAILBOXFULL),
    P("overquota", R_MAILBOXFULL),
    P("quota exceeded", R_MAILBOXFULL),
    P("exceeded quota", R_MAILBOXFULL),
    P("exceeds quota", R_MAILBOXFULL),
    P("quota violation", R_MAILBOXFULL),
    P("disk quota", R_MAILBOXFULL),
    P("exceeded storage allocation", R_MAILBOXFULL),
    P("insufficient disk space", R_MAILBOXFULL),
    P("not enough storage", R_MAILBOXFULL),
    P("no space left on device", R_MAILBOXFULL),
    P("too much mail data", R_MAILBOXFULL),
    P("too many messages on the server", R_MAILBOXFULL),
    P("space has been used up", R_MAILBOXFULL),
    P("boite du destinataire pleine", R_MAILBOXFULL),
    P2("mailbox ", "full", R_MAILBOXFULL),
    P2("mailbox ", "quota", R_MAILBOXFULL),
    P2("account is ", " quota", R_MAILBOXFULL),
    P2("quota ", "exceeded", R_MAILBOXFULL),
    P2("enough ", " space", R_MAILBOXFULL),

    /* hostunknown */
    P("host unknown", R_HOSTUNKNOWN),
    P("unknown host", R_HOSTUNKNOWN),
    P("no such domain", R_HOSTUNKNOWN),
    P("domain does not exist", R_HOSTUNKNOWN),
    P("domain must exist", R_HOSTUNKNOWN),
    P("domain is not reachable", R_HOSTUNKNOWN),
    P("host or domain name not found", R_HOSTUNKNOWN),
    P("name or service not known", R_HOSTUNKNOWN),
    P("unknown domain", R_HOSTUNKNOWN),
    P("unrouteable address", R_HOSTUNKNOWN),
    P("unroutable address", R_HOSTUNKNOWN),
    P("host unreachable", R_HOSTUNKNOWN),
    P("mail domain mentioned in email address is unknown", R_HOSTUNKNOWN),
    P("the account or domain may not exist", R_HOSTUNKNOWN),

    /* filtered: refused by the recipient's own filter or settings. */
    P("user reject", R_FILTERED),
    P("user refuses to receive", R_FILTERED),
    P("refuse to receive mail", R_FILTERED),
    P("refused due to recipient preferences", R_FILTERED),
    P("message rejected due to user rules", R_FILTERED),
    P("blocked by the recipient", R_FILTERED),
    P("only accepting mail from specific", R_FILTERED),
    P("is not accepting any mail", R_FILTERED),
    P("account is protected by", R_FILTERED),
    P("has restricted sms e-mail", R_FILTERED),
    P("bounced address", R_FILTERED),

    /* rejected: the envelope sender was refused. */
    P("sender rejected", R_REJECTED),
    P("sender was rejected", R_REJECTED),
    P("sender address rejected", R_REJECTED),
    P("sender email address rejected", R_REJECTED),
    P("sender verify failed", R_REJECTED),
    P("invalid sender", R_REJECTED),
    P("sender is in my black list", R_REJECTED),
    P("sender address has been blacklisted", R_REJECTED),
    P("email address has been blacklisted", R_REJECTED),
    P("sender not pre-approved", R_REJECTED),
    P("sender is spammer", R_REJECTED),
    P("sender domain is empty", R_REJECTED),
    P("domain of sender address", R_REJECTED),
    P("unroutable sender address", R_REJECTED),
    P("null sender is not allowed", R_REJECTED),
    P("empty envelope senders not allowed", R_REJECTED),
    P("returned mail not accepted here", R_REJECTED),
    P("no third-party dsns", R_REJECTED),
    P("unsigned dsn", R_REJECTED),
    P("batv", R_REJECTED),
    P("bogus mail from", R_REJECTED),
    P("mail from not owned by user", R_REJECTED),
    P("fully qualified email address required", R_REJECTED),
    P("administrative prohibition", R_REJECTED),
    P("access denied (in reply to mail from command)", R_REJECTED),
    P("delivery not authorized, message refused", R_REJECTED),
    P("this server does not accept mail from", R_REJECTED),
    P("not on the recipient's list of senders", R_REJECTED),
    P("you are not allowed to post to this mailing list", R_REJECTED),
    P("address rejected", R_REJECTED),
    NOT("recipient address rejected", R_REJECTED),
    NOT("recipient addresses rejected", R_REJECTED),
    NOT("5.1.0 address rejected", R_REJECTED),
    NOT("sender ip address rejected", R_REJECTED),
    P("emetteur invalide", R_REJECTED),
    P("not have permission to post messages to the group", R_REJECTED),
    P("not a member of this mailing list", R_REJECTED),
    P("can't determine purported responsible address", R_REJECTED),
    P("sending this from a different address or alias", R_REJECTED),

    /* blocked: the client IP or host name was refused. */
    P("blocked using", R_BLOCKED),
    P("blacklisted by", R_BLOCKED),
    P("is in a black list", R_BLOCKED),
    P("listed in the rbl", R_BLOCKED),
    P("on our block list", R_BLOCKED),
    P("client host rejected", R_BLOCKED),
    P("helo command rejected", R_BLOCKED),
    P("bad sender ip address", R_BLOCKED),
    P("sender ip address rejected", R_BLOCKED),
    P("banned sending ip", R_BLOCKED),
    P("dynamic ip", R_BLOCKED),
    P("dynamic/zombied", R_BLOCKED),
    P("rejecting open proxy", R_BLOCKED),
    P("connection refused by", R_BLOCKED),
    P("connection reset by peer", R_BLOCKED),
    P("connection dropped", R_BLOCKED),
    P("not currently accepting mail from your ip", R_BLOCKED),
    P("you are not allowed to connect", R_BLOCKED),
    P("you are sending spam", R_BLOCKED),
    P("too many spams from your ip", R_BLOCKED),
    P("please use the smtp server of your isp", R_BLOCKED),
    P("service not available, closing transmission channel", R_BLOCKED),
    P("your network is temporary blacklisted", R_BLOCKED),
    P("extreme bad ip profile", R_BLOCKED),
    P("host network not allowed", R_BLOCKED),
    P("no access from mail server", R_BLOCKED),
    P("access denied for ip", R_BLOCKED),
    P("spamhaus", R_BLOCKED),
    P("spamcop.net", R_BLOCKED),
    P("abuseat.org", R_BLOCKED),
    P("barracudacentral", R_BLOCKED),
    P("sorbs", R_BLOCKED),
    P("go away", R_BLOCKED),
    P("blocked - see", R_BLOCKED),
    P("not accepting connections", R_BLOCKED),
    P("client host blocked", R_BLOCKED),
    P("invalid ip for sending mail", R_BLOCKED),
    P("service refused", R_BLOCKED),
    P("refused - see", R_BLOCKED),
    P2("access from ip address ", " blocked", R_BLOCKED),
    P2("mail server at ", " is blocked", R_BLOCKED),
    P2("the ip", " is blacklisted", R_BLOCKED),
    P2("your access ip", " has been rejected", R_BLOCKED),
    P2("messages from ", " temporarily deferred", R_BLOCKED),
    P2("is in an ", "rbl on ", R_BLOCKED),

    /* spamdetected */
    P("spam detected", R_SPAMDETECTED),
    P("detected as spam", R_SPAMDETECTED),
    P("identified as spam", R_SPAMDETECTED),
    P("classified as spam", R_SPAMDETECTED),
    P("considered spam", R_SPAMDETECTED),
    P("considered unsolicited", R_SPAMDETECTED),
    P("appears to be unsolicited", R_SPAMDETECTED),
    P("appears to be spam", R_SPAMDETECTED),
    P("looks like spam", R_SPAMDETECTED),
    P("looked like spam", R_SPAMDETECTED),
    P("probable spam", R_SPAMDETECTED),
    P("probably spam", R_SPAMDETECTED),
    P("high probability of spam", R_SPAMDETECTED),
    P("spam-like", R_SPAMDETECTED),
    P("spam score", R_SPAMDETECTED),
    P("spam content", R_SPAMDETECTED),
    P("spam message", R_SPAMDETECTED),
    P("spam not accepted", R_SPAMDETECTED),
    P("spam refused", R_SPAMDETECTED),
    P("spam rejection", R_SPAMDETECTED),
    P("rejected as spam", R_SPAMDETECTED),
    P("spam blocked", R_SPAMDETECTED),
    P("block for spam", R_SPAMDETECTED),
    P("spamassassin", R_SPAMDETECTED),
    P("message content rejected", R_SPAMDETECTED),
    P("content filter rejection", R_SPAMDETECTED),
    P("mail content denied", R_SPAMDETECTED),
    P("rejecting banned content", R_SPAMDETECTED),
    P("unacceptable content", R_SPAMDETECTED),
    P("bulk email", R_SPAMDETECTED),
    P("bulk mail", R_SPAMDETECTED),
    P("blacklisted url", R_SPAMDETECTED),
    P("uribl", R_SPAMDETECTED),
    P("message filtered", R_SPAMDETECTED),
    P("message rejected for policy reasons", R_SPAMDETECTED),
    P("scored as spam", R_SPAMDETECTED),
    P("spam classification", R_SPAMDETECTED),
    P("mcspamsignature", R_SPAMDETECTED),
    P("too many spam complaints", R_SPAMDETECTED),
    P("antispam checks", R_SPAMDETECTED),
    P("triggered a spam block", R_SPAMDETECTED),
    P("recurrent pattern detection", R_SPAMDETECTED),
    P("spamprofiler", R_SPAMDETECTED),
    P(" - spam", R_SPAMDETECTED),
    P("(spam)", R_SPAMDETECTED),
    P2("this message scored ", " spam points", R_SPAMDETECTED),
    P2("rejected due to spam ", "content", R_SPAMDETECTED),
    P2("rejected due to spam ", "classification", R_SPAMDETECTED),

    /* expired: queued too long. */
    P("delivery time expired", R_EXPIRED),
    P("delivery expired", R_EXPIRED),
    P("message expired", R_EXPIRED),
    P("message timed out", R_EXPIRED),
    P("giving up on", R_EXPIRED),
    P("retry timeout exceeded", R_EXPIRED),
    P("retry time not reached for any host after a long failure period", R_EXPIRED),
    P("has not been collected after", R_EXPIRED),
    P("in the queue too long", R_EXPIRED),
    P("within the allowed queue period", R_EXPIRED),
    P("have been failing for a long time", R_EXPIRED),
    P("unable to deliver message after multiple retries", R_EXPIRED),
    P("could not be delivered for more than", R_EXPIRED),
    P("delivery attempts will continue", R_EXPIRED),
    P("has been delayed", R_EXPIRED),
    P("connection timed out", R_EXPIRED),
    P("server did not respond", R_EXPIRED),
    P("could not find a gateway for", R_EXPIRED),
    P2("could not be delivered for", " days", R_EXPIRED),
    P("could not deliver for the last", R_EXPIRED),
    P("envelope expired", R_EXPIRED),
    P("did not accept our requests to connect", R_EXPIRED),
    P("not delivered within", R_EXPIRED),
    P("remote host is not responding", R_EXPIRED),

    /* suspend: the account exists but is disabled. */
    P("has been suspended", R_SUSPEND),
    P("is currently suspended", R_SUSPEND),
    P("mailbox currently suspended", R_SUSPEND),
    P("user suspended", R_SUSPEND),
    P("account suspended", R_SUSPEND),
    P("temporarily suspended", R_SUSPEND),
    P("mailbox disabled", R_SUSPEND),
    P("mailbox is disabled", R_SUSPEND),
    P("account is disabled", R_SUSPEND),
    P("account has been disabled", R_SUSPEND),
    P("account disabled", R_SUSPEND),
    P("user or domain is disabled", R_SUSPEND),
    P("inactive account", R_SUSPEND),
    P("account is inactive", R_SUSPEND),
    P("is inactive", R_SUSPEND),
    P("inactive user", R_SUSPEND),
    P("deactivated mailbox", R_SUSPEND),
    P("mailbox is frozen", R_SUSPEND),
    P("account is locked", R_SUSPEND),
    P("temporary locked", R_SUSPEND),
    P("user is terminated", R_SUSPEND),
    P("archived recipient", R_SUSPEND),
    P("mailbox unavailable or access denied", R_SUSPEND),
    P("recipient suspend the service", R_SUSPEND),
    P("boite du destinataire archivee", R_SUSPEND),
    P("account that you tried to reach is disabled", R_SUSPEND),
    P("recipient account is blocked", R_SUSPEND),

    /* requireptr */
    P("reverse dns", R_REQUIREPTR),
    P("ptr record", R_REQUIREPTR),
    P("ptr resource record", R_REQUIREPTR),
    P("cannot find your hostname", R_REQUIREPTR),
    P("cannot resolve your address", R_REQUIREPTR),
    P("ip name lookup failed", R_REQUIREPTR),
    P("reverse lookup rejected", R_REQUIREPTR),
    P("unresolvable relay host name", R_REQUIREPTR),
    P("invalid rdns", R_REQUIREPTR),
    P("forward dns entry does not point to the sending ip", R_REQUIREPTR),
    P2("domain ", " mismatches client ip", R_REQUIREPTR),
    P2("reverse dns lookup for host ", " failed", R_REQUIREPTR),

    /* authfailure: SPF / DKIM / DMARC */
    P("spf check: fail", R_AUTHFAILURE),
    P("spf fail", R_AUTHFAILURE),
    P("sender policy framework", R_AUTHFAILURE),
    P("spf record", R_AUTHFAILURE),
    P("spf settings", R_AUTHFAILURE),
    P("spf validation", R_AUTHFAILURE),
    P("spf) domain authentication fail", R_AUTHFAILURE),
    P("dmarc policy", R_AUTHFAILURE),
    P("dmarc validation", R_AUTHFAILURE),
    P("dkim validation", R_AUTHFAILURE),
    P("doesn't meet the required authentication level", R_AUTHFAILURE),
    P("doesn't meet the authentication requirements", R_AUTHFAILURE),
    P("spf.pobox.com", R_AUTHFAILURE),
    P("dmarc check", R_AUTHFAILURE),
    P("does not have authentication information", R_AUTHFAILURE),
    P("fails to pass authentication checks", R_AUTHFAILURE),

    /* badreputation */
    P("poor email reputation", R_BADREPUTATION),
    P("poor reputation", R_BADREPUTATION),
    P("bad reputation", R_BADREPUTATION),
    P("low reputation", R_BADREPUTATION),
    P("ip reputation", R_BADREPUTATION),
    P("domain reputation", R_BADREPUTATION),
    P("unexpected volume or user complaints", R_BADREPUTATION),

    /* notcompliantrfc */
    P("not rfc 5322 compliant", R_NOTCOMPLIANTRFC),
    P("rfc 5322 compliant", R_NOTCOMPLIANTRFC),
    P("rfcmessagenoncompliant", R_NOTCOMPLIANTRFC),
    P("duplicate header", R_NOTCOMPLIANTRFC),
    P2(" multiple ", " header", R_NOTCOMPLIANTRFC),

    /* speeding: rate limits on the sender */
    P("please try again slower", R_SPEEDING),
    P("temporarily rate limited", R_SPEEDING),
    P("receiving mail at a rate that prevents", R_SPEEDING),
    P("rate limit exceeded", R_SPEEDING),
    P("sending too fast", R_SPEEDING),

    /* failedstarttls */
    P("starttls is required", R_FAILEDSTARTTLS),
    P("tls required but not supported", R_FAILEDSTARTTLS),
    P("must issue a starttls command first", R_FAILEDSTARTTLS),
    P("tls negotiation failed", R_FAILEDSTARTTLS),

    /* mesgtoobig */
    P("message too big", R_MESGTOOBIG),
    P("message file too big", R_MESGTOOBIG),
    P("message too large for this", R_MESGTOOBIG),
    P("max message size exceeded", R_MESGTOOBIG),
    P("maximum inbound message size", R_MESGTOOBIG),
    P("maximum incoming message size", R_MESGTOOBIG),
    P("message size exceeds", R_MESGTOOBIG),
    P("message length exceeds", R_MESGTOOBIG),
    P("line limit exceeded", R_MESGTOOBIG),
    P("size limit", R_MESGTOOBIG),
    P("taille limite du message", R_MESGTOOBIG),

    /* exceedlimit */
    P("message too large", R_EXCEEDLIMIT),
    P("message header size exceeds limit", R_EXCEEDLIMIT),

    /* norelaying */
    P("relay access denied", R_NORELAYING),
    P("relaying denied", R_NORELAYING),
    P("relay denied", R_NORELAYING),
    P("relay not permitted", R_NORELAYING),
    P("no relaying", R_NORELAYING),
    P("unable to relay", R_NORELAYING),
    P("relaying mail to", R_NORELAYING),
    P("not permitted to relay", R_NORELAYING),
    P("not allowed to relay", R_NORELAYING),
    P("not configured to relay", R_NORELAYING),
    P("not an open relay", R_NORELAYING),
    P("as a relay", R_NORELAYING),
    P("insecure mail relay", R_NORELAYING),
    P("not a gateway", R_NORELAYING),
    P("not local host", R_NORELAYING),
    P("we don't handle mail for", R_NORELAYING),
    P("list of allowed rcpthosts", R_NORELAYING),
    P("requires authentication when attempting to send to a non-local", R_NORELAYING),

    /* networkerror */
    P("host is unreachable", R_NETWORKERROR),
    P("no route to host", R_NETWORKERROR),
    P("host name lookup failure", R_NETWORKERROR),
    P("host not found, try again", R_NETWORKERROR),
    P("name server reply", R_NETWORKERROR),
    P("dns records for the destination computer could not be found", R_NETWORKERROR),
    P("could not connect and send the mail", R_NETWORKERROR),
    P("unrouteable mail domain", R_NETWORKERROR),
    P("unable to resolve route", R_NETWORKERROR),
    P("mail forwarding loop", R_NETWORKERROR),
    P("forwarding loop count exceeded", R_NETWORKERROR),
    P("routing loop", R_NETWORKERROR),
    P("message looping", R_NETWORKERROR),
    P("too many hops", R_NETWORKERROR),
    P("hop count exceeded", R_NETWORKERROR),
    P("dns error", R_NETWORKERROR),
    P("network error", R_NETWORKERROR),

    /* systemerror */
    P("local configuration error", R_SYSTEMERROR),
    P("configuration error", R_SYSTEMERROR),
    P("system config error", R_SYSTEMERROR),
    P("local error in processing", R_SYSTEMERROR),
    P("temporary local problem", R_SYSTEMERROR),
    P("internal error", R_SYSTEMERROR),
    P("internal server error", R_SYSTEMERROR),
    P("queue file write error", R_SYSTEMERROR),
    P("can't create user output file", R_SYSTEMERROR),
    P("interrupted system call", R_SYSTEMERROR),
    P("timeout waiting for input", R_SYSTEMERROR),
    P("service currently unavailable", R_SYSTEMERROR),
    P("remote server is misconfigured", R_SYSTEMERROR),
    P("loops back to myself", R_SYSTEMERROR),
    P("mail loop", R_SYSTEMERROR),
    P("loop was found in the mail exchanger", R_SYSTEMERROR),
    P("aliasing/forwarding loop broken", R_SYSTEMERROR),
    P("encountered an error while being processed", R_SYSTEMERROR),
    P("transaction failed", R_SYSTEMERROR),
    P2("unable to connect ", "daemon", R_SYSTEMERROR),

    /* systemfull */
    P("mail system full", R_SYSTEMFULL),
    P("insufficient system storage", R_SYSTEMFULL),
    P("mail action aborted: exceeded storage allocation", R_SYSTEMFULL),

    /* notaccept: the destination accepts no mail at all. */
    P("does not accept mail", R_NOTACCEPT),
    P("nullmx", R_NOTACCEPT),
    P("null mx", R_NOTACCEPT),
    P("doesn't receive email", R_NOTACCEPT),
    P("does not receive email", R_NOTACCEPT),
    P("mail receiving disabled", R_NOTACCEPT),
    P("no mx record found for domain", R_NOTACCEPT),
    P("no route for current request", R_NOTACCEPT),
    P("name server: .: host not found", R_NOTACCEPT),
    P("smtp protocol returned a permanent error", R_NOTACCEPT),

    /* securityerror */
    P("authentication required", R_SECURITYERROR),
    P("authentication failure", R_SECURITYERROR),
    P("authentication failed", R_SECURITYERROR),
    P("authentication credentials invalid", R_SECURITYERROR),
    P("unauthenticated senders not allowed", R_SECURITYERROR),
    P("not authorized to send mail, authentication is required", R_SECURITYERROR),
    P("verification failure", R_SECURITYERROR),
    P("executable files are not allowed", R_SECURITYERROR),
    P("you don't authenticate", R_SECURITYERROR),
    P("turn on smtp authentication", R_SECURITYERROR),

    /* toomanyconn */
    P("too many connections", R_TOOMANYCONN),
    P("too many concurrent smtp connections", R_TOOMANYCONN),
    P("too many smtp sessions", R_TOOMANYCONN),
    P("connection rate limit exceeded", R_TOOMANYCONN),
    P("connection limit", R_TOOMANYCONN),
    P("too many errors from your ip", R_TOOMANYCONN),
    P("too many recipients", R_TOOMANYCONN),
    P("max emails per hour", R_TOOMANYCONN),
    P("maximum sending rate exceeded", R_TOOMANYCONN),
    P("daily message quota exceeded", R_TOOMANYCONN),
    P("trop de connexions", R_TOOMANYCONN),
    P("made numerous attempts to deliver this message", R_TOOMANYCONN),
    P("frequency limited", R_TOOMANYCONN),

    /* virusdetected */
    P("virus detected", R_VIRUSDETECTED),
    P("infected with a virus", R_VIRUSDETECTED),
    P("contains a virus", R_VIRUSDETECTED),
    P("potentially executable attachment", R_VIRUSDETECTED),
    P("used by recent viruses", R_VIRUSDETECTED),
    P("prohibited virus", R_VIRUSDETECTED),
    P("malicious_url detected", R_VIRUSDETECTED),

    /* policyviolation */
    P("policy violation", R_POLICYVIOLATION),
    P("denied by policy", R_POLICYVIOLATION),
    P("for policy reasons", R_POLICYVIOLATION),
    P("due to local policy", R_POLICYVIOLATION),
    P("due to security policies", R_POLICYVIOLATION),
    P("organization policy", R_POLICYVIOLATION),
    P("organizational settings", R_POLICYVIOLATION),
    P("illegal attachment", R_POLICYVIOLATION),
    P("closed mailing list", R_POLICYVIOLATION),
    P("members-only list", R_POLICYVIOLATION),
    P("not subscribed to this group", R_POLICYVIOLATION),
    P("protocol violation", R_POLICYVIOLATION),
    P("header error", R_POLICYVIOLATION),
    P("header are not accepted", R_POLICYVIOLATION),
    P("messages with multiple addresses", R_POLICYVIOLATION),
    P("message given low priority", R_POLICYVIOLATION),
    P("mass mailer", R_POLICYVIOLATION),
    P("not accepting mail with attachments", R_POLICYVIOLATION),
    P("content presents a potential", R_POLICYVIOLATION),
    P("images or other attachments", R_POLICYVIOLATION),

    /* hasmoved */
    P(" has been replaced by ", R_HASMOVED),
    P("no longer on server", R_HASMOVED),
    P("mailbox has moved", R_HASMOVED),
    P("not our customer", R_HASMOVED),

    /* contenterror */
    P("improper use of 8-bit data in message header", R_CONTENTERROR),
    P("header size exceeds maximum permitted", R_CONTENTERROR),
    P("invalid mime headers", R_CONTENTERROR),
    P("improperly-formatted binary content", R_CONTENTERROR),
    P("unnecessary base64 encoding", R_CONTENTERROR),
    P("mime complexity exceeds", R_CONTENTERROR),
    P("too many received: headers", R_CONTENTERROR),
    P("too many \"received\" headers", R_CONTENTERROR),

    /* mailererror: a local delivery program failed. */
    P("mailer error", R_MAILERERROR),
    P("procmail:", R_MAILERERROR),
    P("bin/procmail", R_MAILERERROR),
    P("bin/maildrop", R_MAILERERROR),
    P("command failed:", R_MAILERERROR),
    P("command died with status", R_MAILERERROR),
    P("command output:", R_MAILERERROR),
    P("pipe to |", R_MAILERERROR),
    P(" || exit ", R_MAILERERROR),

    /* vacation: an auto-reply, not a failure. */
    P("i am away", R_VACATION),
    P("out of the office", R_VACATION),
    P("out of office", R_VACATION),
};

/* RFC 3463 status -> reason, Sisimai's vocabulary.  Unlisted codes: none. */
struct status_rule {
	const char *code;
	uint8_t reason;
	const char *rule;
};

#define ST(c, r)                                                                                   \
	{                                                                                          \
		c, r, "status:" c                                                                  \
	}

static const struct status_rule status_rules[] = {
    ST("2.1.5", R_DELIVERED),      ST("4.1.6", R_HASMOVED),       ST("4.1.7", R_REJECTED),
    ST("4.1.8", R_REJECTED),       ST("4.1.9", R_SYSTEMERROR),    ST("4.2.1", R_BLOCKED),
    ST("4.2.2", R_MAILBOXFULL),    ST("4.2.3", R_EXCEEDLIMIT),    ST("4.2.4", R_FILTERED),
    ST("4.3.1", R_SYSTEMFULL),     ST("4.3.2", R_NOTACCEPT),      ST("4.3.3", R_SYSTEMERROR),
    ST("4.3.5", R_SYSTEMERROR),    ST("4.4.1", R_EXPIRED),        ST("4.4.2", R_NETWORKERROR),
    ST("4.4.3", R_SYSTEMERROR),    ST("4.4.4", R_NETWORKERROR),   ST("4.4.5", R_SYSTEMFULL),
    ST("4.4.6", R_NETWORKERROR),   ST("4.4.7", R_EXPIRED),        ST("4.4.8", R_NETWORKERROR),
    ST("4.5.3", R_SYSTEMERROR),    ST("4.5.5", R_SYSTEMERROR),    ST("4.6.0", R_CONTENTERROR),
    ST("4.6.2", R_CONTENTERROR),   ST("4.6.5", R_CONTENTERROR),   ST("4.7.1", R_BLOCKED),
    ST("4.7.2", R_BLOCKED),        ST("4.7.5", R_SECURITYERROR),  ST("4.7.6", R_SECURITYERROR),
    ST("4.7.7", R_SECURITYERROR),  ST("4.7.12", R_SECURITYERROR), ST("4.7.15", R_SECURITYERROR),
    ST("4.7.16", R_MESGTOOBIG),    ST("4.7.24", R_AUTHFAILURE),   ST("4.7.25", R_REQUIREPTR),
    ST("4.7.26", R_AUTHFAILURE),   ST("5.1.0", R_USERUNKNOWN),    ST("5.1.1", R_USERUNKNOWN),
    ST("5.1.2", R_HOSTUNKNOWN),    ST("5.1.3", R_USERUNKNOWN),    ST("5.1.4", R_FILTERED),
    ST("5.1.6", R_HASMOVED),       ST("5.1.7", R_REJECTED),       ST("5.1.8", R_REJECTED),
    ST("5.1.9", R_SYSTEMERROR),    ST("5.1.10", R_NOTACCEPT),     ST("5.2.0", R_FILTERED),
    ST("5.2.1", R_FILTERED),       ST("5.2.2", R_MAILBOXFULL),    ST("5.2.3", R_EXCEEDLIMIT),
    ST("5.2.4", R_FILTERED),       ST("5.3.0", R_SYSTEMERROR),    ST("5.3.1", R_SYSTEMFULL),
    ST("5.3.2", R_NOTACCEPT),      ST("5.3.3", R_SYSTEMERROR),    ST("5.3.4", R_MESGTOOBIG),
    ST("5.3.5", R_SYSTEMERROR),    ST("5.4.0", R_NETWORKERROR),   ST("5.4.3", R_SYSTEMERROR),
    ST("5.4.4", R_HOSTUNKNOWN),    ST("5.5.2", R_SYNTAXERROR),    ST("5.5.3", R_TOOMANYCONN),
    ST("5.5.4", R_SYSTEMERROR),    ST("5.5.5", R_SYSTEMERROR),    ST("5.5.6", R_SYNTAXERROR),
    ST("5.6.0", R_CONTENTERROR),   ST("5.6.1", R_CONTENTERROR),   ST("5.6.2", R_CONTENTERROR),
    ST("5.6.3", R_CONTENTERROR),   ST("5.6.5", R_CONTENTERROR),   ST("5.6.6", R_CONTENTERROR),
    ST("5.6.7", R_CONTENTERROR),   ST("5.6.8", R_CONTENTERROR),   ST("5.6.9", R_CONTENTERROR),
    ST("5.7.0", R_SECURITYERROR),  ST("5.7.1", R_SECURITYERROR),  ST("5.7.2", R_SECURITYERROR),
    ST("5.7.3", R_SECURITYERROR),  ST("5.7.4", R_SECURITYERROR),  ST("5.7.5", R_SECURITYERROR),
    ST("5.7.6", R_SECURITYERROR),  ST("5.7.7", R_SECURITYERROR),  ST("5.7.8", R_SECURITYERROR),
    ST("5.7.9", R_SECURITYERROR),  ST("5.7.10", R_SECURITYERROR), ST("5.7.11", R_SECURITYERROR),
    ST("5.7.13", R_SUSPEND),       ST("5.7.14", R_SECURITYERROR), ST("5.7.15", R_SECURITYERROR),
    ST("5.7.16", R_MESGTOOBIG),    ST("5.7.17", R_HASMOVED),      ST("5.7.18", R_HASMOVED),
    ST("5.7.19", R_SECURITYERROR), ST("5.7.20", R_AUTHFAILURE),   ST("5.7.21", R_AUTHFAILURE),
    ST("5.7.22", R_AUTHFAILURE),   ST("5.7.23", R_AUTHFAILURE),   ST("5.7.24", R_AUTHFAILURE),
    ST("5.7.25", R_REQUIREPTR),    ST("5.7.26", R_AUTHFAILURE),   ST("5.7.27", R_NOTACCEPT),
    ST("5.7.28", R_SPAMDETECTED),  ST("5.7.29", R_AUTHFAILURE),   ST("5.7.30", R_FAILEDSTARTTLS),
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

#define NPHRASES     (sizeof(phrases) / sizeof(phrases[0]))
#define PAIRS_MAX    64 /* ordered-pair phrases; ng_reasons_new checks */
#define PAIR_GAP_MAX 80 /* bytes allowed between the two parts of a pair */

struct ng_reasons {
	ng_ac *ac;
	char **rules;           /* per phrase: "text:<a>" or "text:<a>...<b>" */
	uint8_t pair[NPHRASES]; /* per pair phrase: its slot in struct scan */
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
	ng_ac_free(r->ac);
	free(r);
}

ng_reasons *ng_reasons_new(void)
{
	const size_t n = sizeof(phrases) / sizeof(phrases[0]);
	ng_reasons *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->nphrases = n;
	r->rules = calloc(n, sizeof(*r->rules));
	r->ac = ng_ac_new();
	if (r->rules == NULL || r->ac == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct phrase *p = &phrases[i];
		if (p->reason != R_NONE && !p->veto && (r->rules[i] = make_rule(p)) == NULL)
			goto fail;
		if (ng_ac_add(r->ac, p->a, strlen(p->a), (uint32_t)(i * 2)) < 0)
			goto fail;
		if (p->b == NULL)
			continue;
		if (r->npairs == PAIRS_MAX)
			goto fail; /* a table bug: raise PAIRS_MAX */
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
	bool xunix;
	/* Pair bookkeeping: end of the latest part a, 0 = not seen yet. */
	size_t a_end[PAIRS_MAX];
};

static void mark(struct scan *sc, size_t i)
{
	uint8_t rs = phrases[i].reason;
	if (phrases[i].veto) {
		sc->vetoed |= (uint64_t)1 << rs;
		return;
	}
	if (!(sc->reasons & ((uint64_t)1 << rs))) {
		sc->reasons |= (uint64_t)1 << rs;
		sc->rule[rs] = sc->r->rules[i];
	}
}

static int on_hit(void *ctx, uint32_t id, size_t end)
{
	struct scan *sc = ctx;
	size_t i = id / 2;
	const struct phrase *p = &phrases[i];
	if (p->marker != M_NONE) {
		if (p->marker == M_XUNIX) {
			sc->xunix = true;
		} else if (end >= sc->cmd_end) {
			sc->cmd = p->marker;
			sc->cmd_end = end;
		}
		return 0;
	}
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

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Length of an RFC 3463 code "c.sss.ddd" at s (class 2, 4 or 5), or 0.
 */
static size_t status_len(const char *s, size_t len)
{
	size_t i = 0;
	if (len < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	i = 2;
	size_t d = 0;
	while (i < len && is_digit(s[i]) && d < 3)
		i++, d++;
	if (d == 0 || i >= len || s[i] != '.')
		return 0;
	i++;
	d = 0;
	while (i < len && is_digit(s[i]) && d < 3)
		i++, d++;
	if (d == 0 || (i < len && is_digit(s[i])))
		return 0;
	return i;
}

/* Find a status code in free text, not inside a dotted number (IP, version). */
static size_t find_status(const char *t, size_t len, char *buf, size_t cap)
{
	for (size_t i = 0; i + 5 <= len; i++) {
		if ((t[i] != '2' && t[i] != '4' && t[i] != '5') || t[i + 1] != '.')
			continue; /* cheap test first: this runs on every byte */
		if (i > 0 && (is_digit(t[i - 1]) || t[i - 1] == '.'))
			continue;
		size_t n = status_len(t + i, len - i);
		if (n == 0 ||
		    (i + n < len && t[i + n] == '.' && i + n + 1 < len && is_digit(t[i + n + 1])))
			continue;
		if (n >= cap)
			return 0;
		memcpy(buf, t + i, n);
		buf[n] = '\0';
		return n;
	}
	return 0;
}

/* A reply code: three digits [245]xx standing alone, first one in text. */
static int find_reply(const char *t, size_t len)
{
	for (size_t i = 0; i + 3 <= len; i++) {
		if (i > 0 && (is_digit(t[i - 1]) || t[i - 1] == '.' || t[i - 1] == '-' ||
		              t[i - 1] == ':' || t[i - 1] == '/' || t[i - 1] == '#'))
			continue;
		if ((t[i] != '2' && t[i] != '4' && t[i] != '5') || !is_digit(t[i + 1]) ||
		    !is_digit(t[i + 2]))
			continue;
		if (i + 3 < len && t[i + 3] != ' ' && t[i + 3] != '-')
			continue;
		if (t[i + 1] > '5')
			continue;
		return (t[i] - '0') * 100 + (t[i + 1] - '0') * 10 + (t[i + 2] - '0');
	}
	return 0;
}

static const struct status_rule *status_lookup(const char *st)
{
	for (size_t i = 0; i < sizeof(status_rules) / sizeof(status_rules[0]); i++)
		if (strcmp(status_rules[i].code, st) == 0)
			return &status_rules[i];
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

struct ctx {
	const struct scan *sc;
	int sname; /* reason from the status code, R_NONE if none */
	int reply;
	bool have_status;
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
		/* Without a user-unknown status the wording counts unless it
		 * answered another command: after DATA Sisimai calls it a
		 * filter decision (R_FILTERED). */
		return (sc->cmd == M_CMD_RCPT || sc->cmd == M_NONE) && has(sc, e);
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

void ng_reasons_judge(const ng_reasons *r, const char *text, size_t len, const char *status,
                      int reply, bool delayed, ng_reason_out *out)
{
	char stbuf[16];
	const char *st = NULL;
	const struct status_rule *sr = NULL;
	struct scan sc;

	if (text == NULL)
		len = 0;
	memset(&sc, 0, sizeof(sc));
	sc.r = r;
	if (r != NULL && len > 0)
		ng_ac_scan(r->ac, text, len, on_hit, &sc);

	/* Status: the given one, else one in the text; pseudo codes are none. */
	if (status != NULL && status[0] != '\0') {
		size_t sl = strlen(status);
		size_t n = status_len(status, sl);
		if (n > 0 && n < sizeof(stbuf)) {
			memcpy(stbuf, status, n);
			stbuf[n] = '\0';
			st = stbuf;
		}
	} else if (len > 0 && find_status(text, len, stbuf, sizeof(stbuf)) > 0) {
		status = NULL; /* "" counts as none */
		st = stbuf;
	}
	if (st != NULL && strlen(st) == 7 && st[2] == '0' && st[3] == '.' && st[4] == '9')
		st = NULL;
	/* A DSN often carries a catch-all x.0.0 while the reply quoted in the
	 * text has the precise code ("Status: 5.0.0" / "550 5.7.26 ..."). */
	if (st != NULL && status != NULL && strcmp(st + 1, ".0.0") == 0 && len > 0) {
		char tb[16];
		if (find_status(text, len, tb, sizeof(tb)) > 0 && tb[0] == st[0] &&
		    strcmp(tb + 1, ".0.0") != 0) {
			memcpy(stbuf, tb, sizeof(tb));
			st = stbuf;
		}
	}
	if (reply == 0 && len > 0)
		reply = find_reply(text, len);
	if (st != NULL)
		sr = status_lookup(st);

	struct ctx c = {&sc, sr ? sr->reason : R_NONE, reply, st != NULL};

	if (st != NULL && st[0] == '2') {
		finish(out, R_DELIVERED, sr ? sr->rule : "status:2.x.x", st, reply, delayed);
		return;
	}

	/* Pass 1: specific evidence, status and text together. */
	if (!sc.xunix) {
		for (size_t i = 0; i < sizeof(order_first); i++) {
			int e = order_first[i];
			if (!probe(&c, e))
				continue;
			const char *rule = sc.rule[e];
			if (rule == NULL && sr != NULL && sr->reason == e)
				rule = sr->rule;
			if (rule == NULL && e == R_SUSPEND)
				rule = "reply:525";
			if (rule == NULL)
				rule = sr ? sr->rule : "text";
			finish(out, e, rule, st, reply, delayed);
			return;
		}
	}

	/* Pass 2: the status decides unless it is vague. */
	if (!vague(c.sname) && !sc.xunix) {
		finish(out, c.sname, sr->rule, st, reply, delayed);
		return;
	}
	for (size_t i = 0; i < sizeof(order_second); i++) {
		int e = order_second[i];
		if (has(&sc, e)) {
			finish(out, e, sc.rule[e], st, reply, delayed);
			return;
		}
	}
	if (reply == 521 || reply == 556) {
		finish(out, R_NOTACCEPT, reply == 521 ? "reply:521" : "reply:556", st, reply,
		       delayed);
		return;
	}
	if (reply == 523 || reply == 524 || reply == 538) {
		finish(out, R_FAILEDSTARTTLS, "reply:5xx-tls", st, reply, delayed);
		return;
	}
	if (c.sname != R_NONE) {
		finish(out, c.sname, sr->rule, st, reply, delayed);
		return;
	}
	if (st != NULL && st[2] == '6') {
		finish(out, R_CONTENTERROR, "status:x.6.x", st, reply, delayed);
		return;
	}
	if (st != NULL && st[2] == '7') {
		finish(out, R_SECURITYERROR, "status:x.7.x", st, reply, delayed);
		return;
	}
	if (sc.xunix) {
		finish(out, R_MAILERERROR, "text:x-unix", st, reply, delayed);
		return;
	}
	if ((reply > 400 && reply < 408) || (reply > 500 && reply < 508)) {
		finish(out, R_SYNTAXERROR, "reply:50x", st, reply, delayed);
		return;
	}
	if (delayed) {
		finish(out, R_EXPIRED, "action:delayed", st, reply, delayed);
		return;
	}
	if (sc.cmd == M_CMD_HELO || sc.cmd == M_CMD_CONN) {
		finish(out, R_BLOCKED, "command:helo", st, reply, delayed);
		return;
	}
	if (has(&sc, R_VACATION)) {
		finish(out, R_VACATION, sc.rule[R_VACATION], st, reply, delayed);
		return;
	}
	if (len > 0) {
		finish(out, R_ONHOLD, "default:onhold", st, reply, delayed);
		return;
	}
	finish(out, R_UNDEFINED, "default:undefined", st, reply, delayed);
}
