/*
 * rules.c - phrase tables: how MTAs, vacation responders, challenge/response
 * systems and virus scanners word what they send.
 *
 * The phrases are general wordings seen across many implementations, never
 * the text of one sample message.  Weights: 3 decides alone, 2 is a normal
 * indication, 1 only adds to others.  Text is matched lower-case with white
 * space squeezed, so "Mail  Delivery\tFailed" matches "mail delivery failed".
 */
#include "classify/rules.h"

#include <stddef.h>
#include <string.h>

const ng_signal_info ng_signals[NG_SIG_COUNT] = {
    [NG_SIG_BOUNCE] = {"phrase:bounce", true},
    [NG_SIG_DELAY] = {"phrase:delay", true},
    [NG_SIG_SUCCESS] = {"phrase:success", true},
    [NG_SIG_AUTOREPLY] = {"phrase:autoreply", true},
    [NG_SIG_CHALLENGE] = {"phrase:challenge", true},
    [NG_SIG_AV] = {"phrase:av", true},
    [NG_SIG_ORIGINAL] = {"phrase:original", false},
    [NG_SIG_TRANSCRIPT] = {"phrase:transcript", true},
    [NG_SIG_JSON] = {"phrase:json", false},
    [NG_SIG_RCPTLIST] = {"phrase:rcptlist", false},
    [NG_SIG_COMMAND] = {"phrase:command", true},
    [NG_SIG_LISTPOST] = {"phrase:listpost", false},
};

static const ng_rule subject_rules[] = {
    /* failure reports */
    {"undeliverable", NG_SIG_BOUNCE, 3},
    {"undelivered mail", NG_SIG_BOUNCE, 3},
    {"undeliverable mail", NG_SIG_BOUNCE, 3},
    {"undelivered message", NG_SIG_BOUNCE, 3},
    {"delivery status notification (failure)", NG_SIG_BOUNCE, 3},
    {"delivery status notification", NG_SIG_BOUNCE, 2},
    {"mail delivery failed", NG_SIG_BOUNCE, 3},
    {"delivery failure", NG_SIG_BOUNCE, 3},
    {"delivery failed", NG_SIG_BOUNCE, 3},
    {"failure notice", NG_SIG_BOUNCE, 3},
    {"failed delivery", NG_SIG_BOUNCE, 3},
    {"returned mail", NG_SIG_BOUNCE, 3},
    {"returned to sender", NG_SIG_BOUNCE, 3},
    {"non-delivery", NG_SIG_BOUNCE, 3},
    {"nondelivery", NG_SIG_BOUNCE, 3},
    {"non delivery", NG_SIG_BOUNCE, 3},
    {"nondeliverable", NG_SIG_BOUNCE, 3},
    {"not delivered", NG_SIG_BOUNCE, 3},
    {"could not be delivered", NG_SIG_BOUNCE, 3},
    {"couldn't be delivered", NG_SIG_BOUNCE, 3},
    {"could not send message", NG_SIG_BOUNCE, 3},
    {"delivery notification", NG_SIG_BOUNCE, 2},
    {"delivery problem", NG_SIG_BOUNCE, 3},
    {"delivery report", NG_SIG_BOUNCE, 2},
    {"mail system error", NG_SIG_BOUNCE, 3},
    {"mail delivery system", NG_SIG_BOUNCE, 2},
    {"message delivery has failed", NG_SIG_BOUNCE, 3},
    {"permanent delivery error", NG_SIG_BOUNCE, 3},
    {"mail failure", NG_SIG_BOUNCE, 3},
    {"rejected:", NG_SIG_BOUNCE, 2},
    {"bounced mail", NG_SIG_BOUNCE, 3},
    {"returned message", NG_SIG_BOUNCE, 2},
    {"nicht zustellbar", NG_SIG_BOUNCE, 3},
    {"unzustellbar", NG_SIG_BOUNCE, 3},
    {"non remis", NG_SIG_BOUNCE, 3},
    {"non recapitabile", NG_SIG_BOUNCE, 3},
    {"no entregado", NG_SIG_BOUNCE, 3},
    {"onbestelbaar", NG_SIG_BOUNCE, 3},
    {"\xe9\x85\x8d\xe4\xbf\xa1\xe4\xb8\x8d\xe8\x83\xbd", NG_SIG_BOUNCE, 3}, /* 配信不能 */
    {"\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc", NG_SIG_BOUNCE, 1},             /* エラー */
    {"\xe9\x80\x81\xe4\xbf\xa1\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc", NG_SIG_BOUNCE, 2},
    {"mail could not be delivered", NG_SIG_BOUNCE, 3},
    {"error sending message", NG_SIG_BOUNCE, 2},
    /* mailing list servers refusing a post or a looping message; "are not
     * member", "loop alert" and "loop back warning" are the Subject lines
     * of fml's (Japanese mailing list software) refusals */
    {"are not member", NG_SIG_BOUNCE, 2},
    {"not a member", NG_SIG_BOUNCE, 2},
    {"loop alert", NG_SIG_BOUNCE, 2},
    {"loop back warning", NG_SIG_BOUNCE, 2},
    /* delays */
    {"delayed mail", NG_SIG_DELAY, 3},
    {"delivery delayed", NG_SIG_DELAY, 3},
    {"delivery status notification (delay)", NG_SIG_DELAY, 3},
    {"still being retried", NG_SIG_DELAY, 3},
    {"warning: message", NG_SIG_DELAY, 2},
    {"delayed", NG_SIG_DELAY, 1},
    /* success */
    {"delivery status notification (success)", NG_SIG_SUCCESS, 3},
    {"successful mail delivery report", NG_SIG_SUCCESS, 3},
    {"delivered:", NG_SIG_SUCCESS, 2},
    {"relayed:", NG_SIG_SUCCESS, 2},
    /* auto-replies */
    {"out of office", NG_SIG_AUTOREPLY, 3},
    {"out of the office", NG_SIG_AUTOREPLY, 3},
    {"automatic reply", NG_SIG_AUTOREPLY, 3},
    {"auto reply", NG_SIG_AUTOREPLY, 3},
    {"auto-reply", NG_SIG_AUTOREPLY, 3},
    {"autoreply", NG_SIG_AUTOREPLY, 3},
    {"auto response", NG_SIG_AUTOREPLY, 3},
    {"auto-response", NG_SIG_AUTOREPLY, 3},
    {"autoresponse", NG_SIG_AUTOREPLY, 3},
    {"automatic response", NG_SIG_AUTOREPLY, 3},
    {"vacation", NG_SIG_AUTOREPLY, 2},
    {"away from my", NG_SIG_AUTOREPLY, 3},
    {"on leave", NG_SIG_AUTOREPLY, 2},
    {"on holiday", NG_SIG_AUTOREPLY, 2},
    {"abwesenheitsnotiz", NG_SIG_AUTOREPLY, 3},
    {"automatische antwort", NG_SIG_AUTOREPLY, 3},
    {"r\xc3\xa9ponse automatique", NG_SIG_AUTOREPLY, 3},
    {"absence", NG_SIG_AUTOREPLY, 2},
    {"respuesta autom\xc3\xa1tica", NG_SIG_AUTOREPLY, 3},
    {"risposta automatica", NG_SIG_AUTOREPLY, 3},
    {"\xe8\x87\xaa\xe5\x8b\x95\xe8\xbf\x94\xe4\xbf\xa1", NG_SIG_AUTOREPLY, 3}, /* 自動返信 */
    {"\xe8\x87\xaa\xe5\x8b\x95\xe5\xbf\x9c\xe7\xad\x94", NG_SIG_AUTOREPLY, 3}, /* 自動応答 */
    {"\xe4\xb8\x8d\xe5\x9c\xa8", NG_SIG_AUTOREPLY, 2},                         /* 不在 */
    /* challenge/response */
    {"please confirm", NG_SIG_CHALLENGE, 2},
    {"confirm your message", NG_SIG_CHALLENGE, 3},
    {"verify your message", NG_SIG_CHALLENGE, 3},
    {"verification required", NG_SIG_CHALLENGE, 3},
    {"sender verification", NG_SIG_CHALLENGE, 3},
    {"approval required", NG_SIG_CHALLENGE, 2},
    {"awaiting your confirmation", NG_SIG_CHALLENGE, 3},
    {"challenge", NG_SIG_CHALLENGE, 2},
    {"spam protection", NG_SIG_CHALLENGE, 2},
    {"requires verification", NG_SIG_CHALLENGE, 3},
    {"pending delivery", NG_SIG_CHALLENGE, 1},
    /* antivirus */
    {"virus", NG_SIG_AV, 2},
    {"infected", NG_SIG_AV, 2},
    {"malware", NG_SIG_AV, 2},
    {"banned content", NG_SIG_AV, 2},
    {"eicar", NG_SIG_AV, 1},
    {"quarantined", NG_SIG_AV, 1},
    {NULL, 0, 0}, /* end */
};

static const ng_rule from_rules[] = {
    {"mailer-daemon", NG_SIG_BOUNCE, 3},
    {"mailer_daemon", NG_SIG_BOUNCE, 3},
    {"mailerdaemon", NG_SIG_BOUNCE, 3},
    {"mail-daemon", NG_SIG_BOUNCE, 3},
    {"mail delivery", NG_SIG_BOUNCE, 3},
    {"maildelivery", NG_SIG_BOUNCE, 3},
    {"mail.delivery", NG_SIG_BOUNCE, 3},
    {"postmaster", NG_SIG_BOUNCE, 2},
    {"post_master", NG_SIG_BOUNCE, 2},
    {"mail administrator", NG_SIG_BOUNCE, 2},
    {"mail system", NG_SIG_BOUNCE, 2},
    {"delivery subsystem", NG_SIG_BOUNCE, 3},
    {"mdaemon", NG_SIG_BOUNCE, 2},
    {"bounce", NG_SIG_BOUNCE, 1},
    {"noreply", NG_SIG_BOUNCE, 1},
    {"no-reply", NG_SIG_BOUNCE, 1},
    {"antivirus", NG_SIG_AV, 2},
    {"virus", NG_SIG_AV, 2},
    {"autoreply", NG_SIG_AUTOREPLY, 2},
    {"auto-reply", NG_SIG_AUTOREPLY, 2},
    {NULL, 0, 0}, /* end */
};

static const ng_rule body_rules[] = {
    /* failure reports */
    {"could not be delivered", NG_SIG_BOUNCE, 2},
    {"couldn't be delivered", NG_SIG_BOUNCE, 2},
    {"could not deliver", NG_SIG_BOUNCE, 2},
    {"was not delivered", NG_SIG_BOUNCE, 2},
    {"wasn't delivered", NG_SIG_BOUNCE, 2},
    {"has not been delivered", NG_SIG_BOUNCE, 2},
    {"not be delivered", NG_SIG_BOUNCE, 2},
    {"unable to deliver", NG_SIG_BOUNCE, 2},
    {"undeliverable", NG_SIG_BOUNCE, 2},
    {"delivery has failed", NG_SIG_BOUNCE, 2},
    {"delivery failed", NG_SIG_BOUNCE, 2},
    {"delivery to the following recipient", NG_SIG_BOUNCE, 3},
    {"failed permanently", NG_SIG_BOUNCE, 3},
    {"permanent fatal error", NG_SIG_BOUNCE, 3},
    {"permanent error", NG_SIG_BOUNCE, 2},
    {"this is the mail system at host", NG_SIG_BOUNCE, 3},
    {"this is the qmail-send program", NG_SIG_BOUNCE, 3},
    {"message was created automatically by mail delivery software", NG_SIG_BOUNCE, 3},
    {"could not be delivered to one or more", NG_SIG_BOUNCE, 3},
    {"i'm sorry to have to inform you", NG_SIG_BOUNCE, 3},
    {"i'm afraid i wasn't able to deliver", NG_SIG_BOUNCE, 3},
    {"the following addresses had", NG_SIG_BOUNCE, 3},
    {"following recipients", NG_SIG_BOUNCE, 1},
    {"message not delivered", NG_SIG_BOUNCE, 2},
    {"giving up on", NG_SIG_BOUNCE, 2},
    {"retry timeout exceeded", NG_SIG_BOUNCE, 2},
    {"no such user", NG_SIG_BOUNCE, 1},
    {"user unknown", NG_SIG_BOUNCE, 1},
    {"unknown user", NG_SIG_BOUNCE, 1},
    {"does not exist", NG_SIG_BOUNCE, 1},
    {"mailbox unavailable", NG_SIG_BOUNCE, 1},
    {"recipient address rejected", NG_SIG_BOUNCE, 1},
    {"returned to sender", NG_SIG_BOUNCE, 2},
    {"rejected your message", NG_SIG_BOUNCE, 2},
    {"your message to", NG_SIG_BOUNCE, 1},
    {"delivery attempts", NG_SIG_BOUNCE, 1},
    {"remote host said", NG_SIG_BOUNCE, 2},
    {"smtp error from remote", NG_SIG_BOUNCE, 2},
    {"the error that the other server returned", NG_SIG_BOUNCE, 3},
    {"your message couldn't be delivered", NG_SIG_BOUNCE, 3},
    {"delivery of your message", NG_SIG_BOUNCE, 1},
    {"sorry, we were unable to deliver", NG_SIG_BOUNCE, 3},
    {"message could not be sent", NG_SIG_BOUNCE, 2},
    {"mail delivery failed", NG_SIG_BOUNCE, 2},
    {"while talking to", NG_SIG_BOUNCE, 1},
    {"requested action not taken", NG_SIG_BOUNCE, 1},
    {"error message below", NG_SIG_BOUNCE, 1},
    {"invalid user address", NG_SIG_BOUNCE, 1},
    {"transcript of session follows", NG_SIG_TRANSCRIPT, 2},
    /* mailing list servers refusing a post (fml, Mailman, Majordomo); fml
     * refuses a looping post with "Duplicated Message-ID in <list>": the
     * list's address, its context, is part of the row */
    {"not a member of this mailing list", NG_SIG_BOUNCE, 3},
    {"not a member of this list", NG_SIG_BOUNCE, 3},
    {"not a member of the list", NG_SIG_BOUNCE, 2},
    {"not a member of the mailing list", NG_SIG_BOUNCE, 3},
    {"duplicated message-id in <", NG_SIG_BOUNCE, 2},
    /* delays */
    {"will continue to try", NG_SIG_DELAY, 2},
    {"will be retried", NG_SIG_DELAY, 2},
    {"will retry", NG_SIG_DELAY, 2},
    {"still being retried", NG_SIG_DELAY, 3},
    {"has not yet been delivered", NG_SIG_DELAY, 3},
    {"not yet been delivered", NG_SIG_DELAY, 2},
    {"delivery is delayed", NG_SIG_DELAY, 3},
    {"delivery has been delayed", NG_SIG_DELAY, 3},
    {"is delayed", NG_SIG_DELAY, 1},
    {"no action is required on your part", NG_SIG_DELAY, 3},
    {"still trying", NG_SIG_DELAY, 2},
    {"delivery to the following recipient has been delayed", NG_SIG_DELAY, 3},
    /* success */
    {"was successfully delivered", NG_SIG_SUCCESS, 2},
    {"delivery to the following recipients was complete", NG_SIG_SUCCESS, 3},
    {"your message has been delivered", NG_SIG_SUCCESS, 2},
    {"successfully relayed", NG_SIG_SUCCESS, 2},
    /* auto-replies */
    {"out of the office", NG_SIG_AUTOREPLY, 2},
    {"out of office", NG_SIG_AUTOREPLY, 2},
    {"i am away", NG_SIG_AUTOREPLY, 2},
    {"i'm away", NG_SIG_AUTOREPLY, 2},
    {"i am currently", NG_SIG_AUTOREPLY, 1},
    {"i will be out", NG_SIG_AUTOREPLY, 2},
    {"i will be back", NG_SIG_AUTOREPLY, 2},
    {"i will return", NG_SIG_AUTOREPLY, 2},
    {"on vacation", NG_SIG_AUTOREPLY, 2},
    {"on holiday", NG_SIG_AUTOREPLY, 2},
    {"on annual leave", NG_SIG_AUTOREPLY, 2},
    {"limited access to e", NG_SIG_AUTOREPLY, 2},
    {"back in the office", NG_SIG_AUTOREPLY, 2},
    {"in urgent cases", NG_SIG_AUTOREPLY, 1},
    {"for urgent matters", NG_SIG_AUTOREPLY, 1},
    {"this is an automatic reply", NG_SIG_AUTOREPLY, 3},
    {"this is an automated reply", NG_SIG_AUTOREPLY, 3},
    {"this is an auto-reply", NG_SIG_AUTOREPLY, 3},
    {"thank you for your e", NG_SIG_AUTOREPLY, 1},
    {"thank you for your message", NG_SIG_AUTOREPLY, 1},
    /* challenge/response */
    {"verify that you are", NG_SIG_CHALLENGE, 3},
    {"prove that you are", NG_SIG_CHALLENGE, 3},
    {"confirm that you are", NG_SIG_CHALLENGE, 3},
    {"not a spammer", NG_SIG_CHALLENGE, 2},
    {"are a real person", NG_SIG_CHALLENGE, 2},
    {"a human", NG_SIG_CHALLENGE, 1},
    {"not a robot", NG_SIG_CHALLENGE, 2},
    {"approved senders", NG_SIG_CHALLENGE, 2},
    {"whitelist", NG_SIG_CHALLENGE, 1},
    {"to have your message delivered", NG_SIG_CHALLENGE, 3},
    {"to get your message delivered", NG_SIG_CHALLENGE, 3},
    {"verifying that you are", NG_SIG_CHALLENGE, 3},
    {"verify your message", NG_SIG_CHALLENGE, 3},
    {"click here to verify", NG_SIG_CHALLENGE, 2},
    {"inbox from unwanted", NG_SIG_CHALLENGE, 1},
    {"to complete delivery of your message", NG_SIG_CHALLENGE, 3},
    {"your message is being held", NG_SIG_CHALLENGE, 2},
    {"held pending", NG_SIG_CHALLENGE, 1},
    {"click the link", NG_SIG_CHALLENGE, 1},
    {"click on the link", NG_SIG_CHALLENGE, 1},
    {"one-time verification", NG_SIG_CHALLENGE, 2},
    {"challenge/response", NG_SIG_CHALLENGE, 3},
    {"challenge-response", NG_SIG_CHALLENGE, 3},
    /* antivirus */
    {"virus", NG_SIG_AV, 1},
    {"infected", NG_SIG_AV, 1},
    {"malware", NG_SIG_AV, 1},
    {"a virus was found", NG_SIG_AV, 3},
    {"contains a virus", NG_SIG_AV, 3},
    {"was infected", NG_SIG_AV, 2},
    {"virus alert", NG_SIG_AV, 3},
    {"banned attachment", NG_SIG_AV, 2},
    {"our virus checker", NG_SIG_AV, 3},
    {"has been quarantined", NG_SIG_AV, 1},
    /* the returned original follows */
    {"original message follows", NG_SIG_ORIGINAL, 2},
    {"this is a copy of the message", NG_SIG_ORIGINAL, 2},
    {"below this line is a copy of the message", NG_SIG_ORIGINAL, 2},
    {"original message headers", NG_SIG_ORIGINAL, 2},
    {"original message header", NG_SIG_ORIGINAL, 2},
    {"headers of the original message", NG_SIG_ORIGINAL, 2},
    {"undelivered message headers", NG_SIG_ORIGINAL, 2},
    {"returned message follows", NG_SIG_ORIGINAL, 2},
    {"original message ---", NG_SIG_ORIGINAL, 2},
    {"--- original message", NG_SIG_ORIGINAL, 2},
    {"message headers follow", NG_SIG_ORIGINAL, 2},
    {"header of the original message", NG_SIG_ORIGINAL, 2},
    {"text of the original message", NG_SIG_ORIGINAL, 2},
    {"the original message was", NG_SIG_ORIGINAL, 1},
    {"original message:", NG_SIG_ORIGINAL, 2},
    {"unsent message below", NG_SIG_ORIGINAL, 2},
    {"content-type: message/rfc822", NG_SIG_ORIGINAL, 2},
    {"this is a copy of your message", NG_SIG_ORIGINAL, 2},
    {"unsent message follows", NG_SIG_ORIGINAL, 2},
    {"copy of the message header", NG_SIG_ORIGINAL, 2},
    {"copy of the original message", NG_SIG_ORIGINAL, 2},
    {"returned message --", NG_SIG_ORIGINAL, 2},
    {"message text follows", NG_SIG_ORIGINAL, 2},
    {"original mail as follows", NG_SIG_ORIGINAL, 2},
    /* a list of the failed recipients follows */
    {"the following recipient", NG_SIG_RCPTLIST, 2},
    {"the following address", NG_SIG_RCPTLIST, 2},
    {"the following destination", NG_SIG_RCPTLIST, 2},
    {"following address(es)", NG_SIG_RCPTLIST, 2},
    {"following addresses", NG_SIG_RCPTLIST, 2},
    {"following recipients", NG_SIG_RCPTLIST, 2},
    {"following recipient(s)", NG_SIG_RCPTLIST, 2},
    {"following list of recipients", NG_SIG_RCPTLIST, 2},
    {"address(es) failed", NG_SIG_RCPTLIST, 2},
    {"addresses failed", NG_SIG_RCPTLIST, 2},
    /* which SMTP command the remote server answered (Postfix, Sendmail and
     * Courier transcripts, Exim, qmail); Postfix wraps its "(in reply to
     * ... command)" at any space, so an opening "(in" is a fold marker:
     * freetext.c's line_command() keeps the line's tail from it (when
     * that tail is short) and matches it joined to the next line, for
     * command rows only.  freetext.c takes the marker as 3 bytes long. */
    {"(in", NG_SIG_COMMAND, NG_CMD_FOLD},
    {"in reply to rcpt to", NG_SIG_COMMAND, NG_CMD_RCPT},
    {"rcpt to command", NG_SIG_COMMAND, NG_CMD_RCPT},
    {"after rcpt to", NG_SIG_COMMAND, NG_CMD_RCPT},
    {"after pipelined rcpt to", NG_SIG_COMMAND, NG_CMD_RCPT},
    {">>> rcpt to", NG_SIG_COMMAND, NG_CMD_RCPT},
    {"rcpt to response", NG_SIG_COMMAND, NG_CMD_RCPT},
    {"does not like recipient", NG_SIG_COMMAND, NG_CMD_RCPT},
    {"did not like our rcpt to", NG_SIG_COMMAND, NG_CMD_RCPT},
    {"in reply to end of data", NG_SIG_COMMAND, NG_CMD_DATA},
    {"in reply to data", NG_SIG_COMMAND, NG_CMD_DATA},
    {"end of data command", NG_SIG_COMMAND, NG_CMD_DATA},
    {"after end of data", NG_SIG_COMMAND, NG_CMD_DATA},
    {"after pipelined end of data", NG_SIG_COMMAND, NG_CMD_DATA},
    {"after data", NG_SIG_COMMAND, NG_CMD_DATA},
    {">>> data", NG_SIG_COMMAND, NG_CMD_DATA},
    {"failed on data command", NG_SIG_COMMAND, NG_CMD_DATA},
    {"did not like our data", NG_SIG_COMMAND, NG_CMD_DATA},
    {"in reply to mail from", NG_SIG_COMMAND, NG_CMD_MAIL},
    {"mail from command", NG_SIG_COMMAND, NG_CMD_MAIL},
    {"after mail from", NG_SIG_COMMAND, NG_CMD_MAIL},
    {">>> mail from", NG_SIG_COMMAND, NG_CMD_MAIL},
    {"sender was rejected", NG_SIG_COMMAND, NG_CMD_MAIL},
    {"did not like our mail from", NG_SIG_COMMAND, NG_CMD_MAIL},
    {"in reply to helo", NG_SIG_COMMAND, NG_CMD_HELO},
    {"in reply to ehlo", NG_SIG_COMMAND, NG_CMD_HELO},
    {"after helo", NG_SIG_COMMAND, NG_CMD_HELO},
    {"after ehlo", NG_SIG_COMMAND, NG_CMD_HELO},
    {">>> helo", NG_SIG_COMMAND, NG_CMD_HELO},
    {">>> ehlo", NG_SIG_COMMAND, NG_CMD_HELO},
    {"in reply to starttls", NG_SIG_COMMAND, NG_CMD_STARTTLS},
    {"after starttls", NG_SIG_COMMAND, NG_CMD_STARTTLS},
    {">>> starttls", NG_SIG_COMMAND, NG_CMD_STARTTLS},
    {"after initial connection", NG_SIG_COMMAND, NG_CMD_CONN},
    {"refused to talk to me", NG_SIG_COMMAND, NG_CMD_CONN},
    /* a mailing list server refused a post; the line names the list, which
     * stands for the recipient (instructions with other addresses follow);
     * "duplicated message-id in" is fml's */
    {"not a member of this mailing list", NG_SIG_LISTPOST, 2},
    {"not a member of this list", NG_SIG_LISTPOST, 2},
    {"not a member of the list", NG_SIG_LISTPOST, 2},
    {"not a member of the mailing list", NG_SIG_LISTPOST, 2},
    {"duplicated message-id in", NG_SIG_LISTPOST, 2},
    /* JSON delivery notifications (Amazon SES, also wrapped in SNS) */
    {"\"notificationtype", NG_SIG_JSON, 1},
    {NULL, 0, 0}, /* end */
};

static ng_ac *compile(const ng_rule *t)
{
	ng_ac *ac = ng_ac_new();
	if (ac == NULL)
		return NULL;
	for (uint32_t i = 0; t[i].phrase != NULL; i++) {
		if (ng_ac_add(ac, t[i].phrase, strlen(t[i].phrase), i) != 0) {
			ng_ac_free(ac);
			return NULL;
		}
	}
	if (ng_ac_build(ac) != 0) {
		ng_ac_free(ac);
		return NULL;
	}
	return ac;
}

int ng_rules_init(ng_rules *r)
{
	memset(r, 0, sizeof(*r));
	r->table[NG_PLACE_SUBJECT] = subject_rules;
	r->table[NG_PLACE_FROM] = from_rules;
	r->table[NG_PLACE_BODY] = body_rules;
	for (int i = 0; i < NG_PLACE_COUNT; i++) {
		r->ac[i] = compile(r->table[i]);
		if (r->ac[i] == NULL)
			return -1;
	}
	return 0;
}

void ng_rules_free(ng_rules *r)
{
	for (int i = 0; i < NG_PLACE_COUNT; i++) {
		ng_ac_free(r->ac[i]);
		r->ac[i] = NULL;
	}
}
