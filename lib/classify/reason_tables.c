/*
 * reason_tables.c - the data of the bounce reason judge (reason.c): error
 * phrases tagged with reasons, SMTP command markers, decisive per-MTA and
 * per-provider wordings, and the RFC 3463 status table.
 *
 * Phrases are matched ASCII case-insensitively as substrings (one
 * Aho-Corasick pass, see reason.c); write them in lower case.  Phrases must
 * be general error wordings an MTA or provider really emits (or a
 * provider's documented error code), never text unique to one sample.
 */
#define NG_REASON_INTERNAL
#include "classify/reason.h"

#include <stdbool.h>
#include <stddef.h>

#define P(s, r)                                                                                    \
	{                                                                                          \
		s, NULL, r, M_NONE, false, false, M_NONE                                           \
	}
#define P2(s, t, r)                                                                                \
	{                                                                                          \
		s, t, r, M_NONE, false, false, M_NONE                                              \
	}
#define NOT(s, r)                                                                                  \
	{                                                                                          \
		s, NULL, r, M_NONE, true, false, M_NONE                                            \
	}
#define MK(s, m)                                                                                   \
	{                                                                                          \
		s, NULL, R_NONE, m, false, false, M_NONE                                           \
	}
/* A decisive wording: an MTA's or provider's fixed message for one cause. */
#define STRONG(s, r)                                                                               \
	{                                                                                          \
		s, NULL, r, M_NONE, false, true, M_NONE                                            \
	}

/* A decisive pair: both parts, in order, close together. */
#define STRONG2(s, t, r)                                                                           \
	{                                                                                          \
		s, t, r, M_NONE, false, true, M_NONE                                               \
	}
/* Orange / La Poste documented error code "OFR_416", "LPN007_416": decisive,
 * counted only after the label. */
#define ORANGE(s, r)                                                                               \
	{                                                                                          \
		s, NULL, r, M_NONE, false, true, M_LBL_ORANGE                                      \
	}

const struct phrase ng_reason_phrases[] = {
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
    MK("x-postfix;", M_XPOSTFIX),
    MK("did not like our rcpt to", M_CMD_RCPT),
    MK("rcpt to response", M_CMD_RCPT),
    MK("for rcpt command", M_CMD_RCPT),
    MK("did not like our mail from", M_CMD_MAIL),
    MK("did not like our data", M_CMD_DATA),
    MK("smtp command data", M_CMD_DATA),
    MK("for text command", M_CMD_DATA),
    MK("for data command", M_CMD_DATA),
    MK("your message (data)", M_CMD_DATA),
    MK("after rcpt command", M_CMD_RCPT),      /* GMX, Exim variants */
    MK("smtp:rcpt", M_CMD_RCPT),               /* "Technical details: SMTP:RCPT host" */
    MK("rcpt_to", M_CMD_RCPT),                 /* Yahoo "[RCPT_TO]" */
    MK("does not like recipient", M_CMD_RCPT), /* qmail: the RCPT TO reply */
    MK("lpn", M_LBL_ORANGE),
    MK("ofr", M_LBL_ORANGE),

    /*
     * Decisive wordings: fixed messages of one MTA or provider that name
     * one cause whatever the status code says (as Sisimai's per-MTA and
     * per-provider modules do).  The first one in table order wins.
     */
    /* qmail */
    STRONG("unable to contact ldap server", R_SYSTEMERROR),
    STRONG("wasn't able to establish an smtp connection", R_NETWORKERROR),
    STRONG("but my name was rejected", R_BLOCKED),
    STRONG("couldn't find a mail exchanger or ip address", R_NOTACCEPT),
    /* Exim */
    STRONG("an mx or srv record indicated no smtp service", R_NOTACCEPT),
    /* OpenSMTPD, Postfix: null MX / no MX */
    STRONG("no mx found for domain", R_NOTACCEPT),
    STRONG("does not accept mail (nullmx)", R_NOTACCEPT),
    /* Google Groups: the group does not exist or the sender may not post */
    STRONG("groups.google.com/support", R_REJECTED),
    STRONG("you do not have permission to post messages to the group", R_REJECTED),
    /* Microsoft: "5.4.312 Message expired, DNS query failed" */
    STRONG("dns query failed", R_NETWORKERROR),
    /* RFC 3463 / RFC 5248 texts of enhanced status codes, quoted by some
     * MTAs (DragonFly, Sendmail) in place of the code itself. */
    STRONG("bad destination system address", R_HOSTUNKNOWN),
    STRONG("bad destination mailbox address syntax", R_USERUNKNOWN),
    STRONG("system not accepting network messages", R_NOTACCEPT),
    STRONG("message length exceeds administrative limit", R_EXCEEDLIMIT),
    STRONG("multiple authentication checks failed", R_AUTHFAILURE),
    STRONG("user account disabled", R_SUSPEND),
    /* Orange / La Poste documented codes ("OFR_416", "LPN007_416"); see
     * postmastery.com "Orange postmaster SMTP error codes". */
    ORANGE("_101", R_BLOCKED),
    ORANGE("_102", R_BLOCKED),
    ORANGE("_103", R_BLOCKED),
    ORANGE("_104", R_TOOMANYCONN),
    ORANGE("_305", R_SECURITYERROR),
    ORANGE("_401", R_AUTHFAILURE),
    ORANGE("_402", R_SECURITYERROR),
    ORANGE("_403", R_REJECTED),
    ORANGE("_405", R_REJECTED),
    ORANGE("_415", R_REJECTED),
    ORANGE("_416", R_USERUNKNOWN),
    ORANGE("_417", R_MAILBOXFULL),
    ORANGE("_420", R_SUSPEND),
    ORANGE("_421", R_REJECTED),
    ORANGE("_426", R_SUSPEND),
    ORANGE("_505", R_SYSTEMERROR),
    ORANGE("_506", R_SPAMDETECTED),
    ORANGE("_510", R_BLOCKED),
    ORANGE("_514", R_MESGTOOBIG),
    ORANGE("_517", R_AUTHFAILURE),
    ORANGE("_630", R_POLICYVIOLATION),
    ORANGE("_999", R_BLOCKED),
    /* Mimecast documented policy rejections */
    STRONG("community.mimecast.com/docs/doc-1369#554", R_POLICYVIOLATION),
    STRONG("mcspamsignature", R_VIRUSDETECTED),
    /* Google: receiving rate of the recipient */
    STRONG("receiving mail at a rate that prevents additional messages", R_SPEEDING),
    STRONG("is receiving mail too quickly", R_SPEEDING),
    /* Google Groups: the group's spam filter */
    STRONG("was rejected due to spam classification", R_SPAMDETECTED),
    /* Facebook documented RCP-P2: the recipient's own preferences */
    STRONG("refused due to recipient preferences", R_FILTERED),
    /* GoDaddy documented codes */
    STRONG("has sent to too many recipients this hour", R_SPEEDING),
    STRONG("from: domain is invalid. please provide a valid from:", R_REJECTED),
    STRONG("does not exist e2110", R_REJECTED),
    /*
     * Fixed "no such mailbox" wordings that an MTA or provider emits only
     * when the recipient is unknown, so they need no SMTP command context
     * (generic "user unknown" does: after DATA it is a filter's answer).
     */
    STRONG("recipient name is not recognized", R_USERUNKNOWN), /* Exchange 2000/2003 */
    STRONG("not listed in domino directory", R_USERUNKNOWN),   /* Lotus Domino */
    STRONG("not listed in public name", R_USERUNKNOWN),     /* Lotus Notes "... & Address Book" */
    STRONG("invalid final delivery userid", R_USERUNKNOWN), /* IMail */
    STRONG("unknown user:", R_USERUNKNOWN), /* local delivery agents: mail.local, IMail */
    STRONG("no valid recipients for this mm", R_USERUNKNOWN), /* Verizon MMS gateway */
    STRONG("resolver.adr.recipientnotfound", R_USERUNKNOWN),  /* Microsoft documented */
    STRONG("found at the destination domain", R_USERUNKNOWN), /* Office 365 5.1.10 text */
    STRONG("dd this user doesn't have a ", R_USERUNKNOWN),    /* Yahoo documented */
    STRONG("address couldn't be found. check for typos", R_USERUNKNOWN), /* Gmail */
    /* KDDI (au, ezweb): "550 <addr>: User unknown" answers RCPT TO, the
     * address-less "550 : User unknown" is its content filter. */
    STRONG(">: user unknown", R_USERUNKNOWN),
    STRONG("550 : user unknown", R_FILTERED),
    /* Exchange Online relaying the remote host's RCPT TO refusal */
    STRONG("remote server returned unknown recipient", R_USERUNKNOWN),
    /* Yahoo documented TSS04: deferred for volume or complaints */
    STRONG("temporarily deferred due to unexpected volume or user complaints", R_REJECTED),
    /* Google documented help page for the recipient's receiving rate */
    STRONG("receivingrate", R_SPEEDING), /* "?p=ReceivingRate" */
    /* Cox, Spectrum documented AUP codes */
    STRONG("aup#cdrbl", R_BLOCKED),
    STRONG("aup#in-1310", R_TOOMANYCONN),

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
    P("recipient address rejected.", R_USERUNKNOWN),
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
    P("not enough storage", R_MAILBOXFULL),
    P("no space left on device", R_MAILBOXFULL),
    P("too much mail data", R_MAILBOXFULL),
    P("too many messages on the server", R_MAILBOXFULL),
    P("space has been used up", R_MAILBOXFULL),
    P("boite du destinataire pleine", R_MAILBOXFULL),
    P2("mailbox ", "full", R_MAILBOXFULL),
    P2("mailbox exceeded ", " limit", R_MAILBOXFULL),
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
    P2("dns lookup failure: host ", " not found", R_HOSTUNKNOWN),

    /* filtered: refused by the recipient's own filter or settings. */
    P("user reject", R_FILTERED),
    P("message filtered", R_FILTERED),
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
    NOT("5.1.0 address rejected", R_REJECTED),
    NOT("sender ip address rejected", R_REJECTED),
    P("emetteur invalide", R_REJECTED),
    P("not have permission to post messages to the group", R_REJECTED),
    P("not a member of this mailing list", R_REJECTED),
    P("can't determine purported responsible address", R_REJECTED),
    P("sending this from a different address or alias", R_REJECTED),
    P("access denied (sender blacklisted)", R_REJECTED),
    P("backscatter protection detected an invalid or expired email address", R_REJECTED),
    P("batv failed to verify", R_REJECTED),
    P("batv validation failure", R_REJECTED),
    P("connections not accepted from servers without a valid sender domain", R_REJECTED),
    P("bouncedeny", R_REJECTED),
    P("envelope blocked - ", R_REJECTED),
    P("invalid domain, see ", R_REJECTED),
    P("is not a registered gateway user", R_REJECTED),
    P("recipient addresses rejected : access denied", R_REJECTED),
    P("rule imposed mailbox access for", R_REJECTED),
    P("spam reporting address", R_REJECTED),
    P("syntax error: empty email address", R_REJECTED),
    P("an address that has been blacklisted", R_REJECTED),
    P("your access to submit messages to this e-mail system has been rejected", R_REJECTED),
    P("message has been rejected by batv defense", R_REJECTED),

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
    P("smtp error from remote mail server after initial connection", R_BLOCKED),
    P("too many unwanted messages have been sent from the following ip", R_BLOCKED),
    P("connection was dropped by remote host", R_BLOCKED),
    P("hosts with dynamic ip", R_BLOCKED),
    P("is not allowed to send mail from", R_BLOCKED),
    P("rejected - multi-blacklist", R_BLOCKED),
    P("server access forbidden by your ip", R_BLOCKED),
    P("your remotehost looks suspiciously like spammer", R_BLOCKED),
    P("your ip address is listed in the rbl", R_BLOCKED),
    P("your server requires confirmation", R_BLOCKED),
    P("confirm this mail server", R_BLOCKED),
    P("was blocked by ", R_BLOCKED),
    P2("message from ", " rejected based on blacklist", R_BLOCKED),
    P2("server ip ", " listed as abusive", R_BLOCKED),

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
    P("message rejected for policy reasons", R_SPAMDETECTED),
    P("scored as spam", R_SPAMDETECTED),
    P("spam classification", R_SPAMDETECTED),
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
    P("delivery attempts will continue to be", R_EXPIRED),
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
    P2("will be retried for ", " more day", R_EXPIRED),
    P2("delivery failed ", " attempts", R_EXPIRED),

    /* suspend: the account exists but is disabled. */
    P("has been suspended", R_SUSPEND),
    P("is currently suspended", R_SUSPEND),
    P("mailbox currently suspended", R_SUSPEND),
    P("user suspended", R_SUSPEND),
    P("account suspended", R_SUSPEND),
    P("temporarily suspended", R_SUSPEND),
    NOT("delivery temporarily suspended", R_SUSPEND), /* Postfix queue wording */
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
    P2("service permits ", " unverifyable sending ips", R_REQUIREPTR),
    P2("dns lookup failure: ", " try again later", R_REQUIREPTR),
    P2("server access ", " forbidden by invalid rdns record", R_REQUIREPTR),

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
    P2("unauthenticated email from ", " is not accepted due to", R_AUTHFAILURE),

    /* badreputation */
    P("poor email reputation", R_BADREPUTATION),
    P("poor reputation", R_BADREPUTATION),
    P("bad reputation", R_BADREPUTATION),
    P("low reputation", R_BADREPUTATION),
    P("ip reputation", R_BADREPUTATION),
    P("domain reputation", R_BADREPUTATION),

    /* notcompliantrfc */
    P("not rfc 5322 compliant", R_NOTCOMPLIANTRFC),
    P("rfc 5322 compliant", R_NOTCOMPLIANTRFC),
    P("rfcmessagenoncompliant", R_NOTCOMPLIANTRFC),
    P("duplicate header", R_NOTCOMPLIANTRFC),
    P("messages with multiple addresses in from", R_NOTCOMPLIANTRFC),
    P2(" multiple ", " header", R_NOTCOMPLIANTRFC),

    /* speeding: rate limits on the sender */
    P("please try again slower", R_SPEEDING),
    P("temporarily rate limited", R_SPEEDING),
    P("receiving mail at a rate that prevents", R_SPEEDING),
    P("rate limit exceeded", R_SPEEDING),
    P("sending too fast", R_SPEEDING),
    NOT("connection rate limit exceeded", R_SPEEDING),

    /* failedstarttls */
    P("starttls is required", R_FAILEDSTARTTLS),
    P("tls required but not supported", R_FAILEDSTARTTLS),
    P("must issue a starttls command first", R_FAILEDSTARTTLS),
    P("tls negotiation failed", R_FAILEDSTARTTLS),
    P("does not support tls", R_FAILEDSTARTTLS),

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
    P("identities failed the check in region", R_NORELAYING), /* Amazon SES */

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
    P("malformed or unexpected name server reply", R_NETWORKERROR),
    P("malformed name server reply", R_NETWORKERROR),
    P("message probably in a routing loop", R_NETWORKERROR),

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
    NOT("possible mail loop", R_SYSTEMERROR),
    P("loop was found in the mail exchanger", R_SYSTEMERROR),
    P("aliasing/forwarding loop broken", R_SYSTEMERROR),
    P("encountered an error while being processed", R_SYSTEMERROR),
    P("transaction failed", R_SYSTEMERROR),
    P("internal system error", R_SYSTEMERROR),
    P("could not load drd for domain", R_SYSTEMERROR),
    P2("unable to connect ", "daemon", R_SYSTEMERROR),

    /* systemfull */
    P("mail system full", R_SYSTEMFULL),
    P("insufficient disk space", R_SYSTEMFULL),
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
    P("bit data in message header", R_CONTENTERROR),
    P("header size exceeds maximum permitted", R_CONTENTERROR),
    P("invalid mime headers", R_CONTENTERROR),
    P("improperly-formatted binary content", R_CONTENTERROR),
    P("unnecessary base64 encoding", R_CONTENTERROR),
    P("mime complexity exceeds", R_CONTENTERROR),
    P("too many received: headers", R_CONTENTERROR),

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

const size_t ng_reason_nphrases = sizeof(ng_reason_phrases) / sizeof(ng_reason_phrases[0]);

#define ST(c, r)                                                                                   \
	{                                                                                          \
		c, r, "status:" c                                                                  \
	}

const struct status_rule ng_reason_status_rules[] = {
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

const size_t ng_reason_nstatus_rules =
    sizeof(ng_reason_status_rules) / sizeof(ng_reason_status_rules[0]);
