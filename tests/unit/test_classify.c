/*
 * test_classify.c - unit tests of the classifier (lib/classify) through its
 * public API (ndrguard/classify.h).
 *
 * One table of named, small inline messages, one of each kind the
 * classifier knows: RFC 3464 DSNs, the free text of Postfix, qmail and Exim,
 * auto-replies, challenge/response, ARF, MDN, and ordinary mail that must
 * stay "none".  Each case wants a class, a recipient count, and the first
 * recipient's address, status and reply code (NULL/0: not checked).  Every
 * case is classified whole and fed one byte at a time; the JSON of both
 * must be identical.  The messages are kept clear-cut on purpose: tuning of
 * the phrase tables should not move them.  The finer points live in the
 * golden files (tests/golden).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <ndrguard/classify.h>

#include "util/buf.h"

struct cl_case {
	const char *name;
	const char *msg;
	enum ng_class cls;
	int nrcpt; /* -1: not checked */
	const char *addr;
	const char *status;
	int reply;
	const char *feedback_type;
};

#define DSN_HEAD                                                                                   \
	"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"                              \
	"To: alice@example.com\n"                                                                  \
	"Subject: Undelivered Mail Returned to Sender\n"                                           \
	"Auto-Submitted: auto-replied\n"                                                           \
	"MIME-Version: 1.0\n"

static const struct cl_case cases[] = {
    {"RFC 3464 DSN, Postfix",
     DSN_HEAD "Content-Type: multipart/report; report-type=delivery-status;\n"
              "\tboundary=\"B1\"\n\n"
              "--B1\n"
              "Content-Type: text/plain\n\n"
              "This is the mail system at host mx.example.net.\n\n"
              "I'm sorry to have to inform you that your message could not\n"
              "be delivered to one or more recipients.\n\n"
              "<bob@example.org>: host mail.example.org[192.0.2.7] said: 550 5.1.1\n"
              "    <bob@example.org>: Recipient address rejected: User unknown\n"
              "--B1\n"
              "Content-Type: message/delivery-status\n\n"
              "Reporting-MTA: dns; mx.example.net\n\n"
              "Final-Recipient: rfc822; bob@example.org\n"
              "Action: failed\n"
              "Status: 5.1.1\n"
              "Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: Recipient address\n"
              "    rejected: User unknown\n"
              "--B1\n"
              "Content-Type: text/rfc822-headers\n\n"
              "From: alice@example.com\n"
              "To: bob@example.org\n"
              "Subject: lunch\n"
              "--B1--\n",
     NG_CLASS_NDR, 1, "bob@example.org", "5.1.1", 550, NULL},
    {"RFC 3464 DSN, two recipients",
     DSN_HEAD "Content-Type: multipart/report; report-type=delivery-status; boundary=B2\n\n"
              "--B2\n\nDelivery to the following recipients failed.\n"
              "--B2\nContent-Type: message/delivery-status\n\n"
              "Reporting-MTA: dns; mx.example.net\n\n"
              "Final-Recipient: rfc822; one@example.org\nAction: failed\nStatus: 5.1.1\n\n"
              "Final-Recipient: rfc822; two@example.org\nAction: failed\nStatus: 5.2.2\n"
              "--B2--\n",
     NG_CLASS_NDR, 2, "one@example.org", "5.1.1", 0, NULL},
    {"RFC 3464 delay",
     "From: MAILER-DAEMON@mx.example.net\n"
     "Subject: Delayed Mail (still being retried)\n"
     "Content-Type: multipart/report; report-type=delivery-status; boundary=B3\n\n"
     "--B3\n\nThis is only a warning; the mail system will keep trying.\n"
     "--B3\nContent-Type: message/delivery-status\n\n"
     "Reporting-MTA: dns; mx.example.net\n\n"
     "Final-Recipient: rfc822; slow@example.org\nAction: delayed\nStatus: 4.4.1\n"
     "--B3--\n",
     NG_CLASS_DELAY, 1, "slow@example.org", "4.4.1", 0, NULL},
    {"RFC 3464 success",
     "From: MAILER-DAEMON@mx.example.net\n"
     "Subject: Successful Mail Delivery Report\n"
     "Content-Type: multipart/report; report-type=delivery-status; boundary=B4\n\n"
     "--B4\n\nYour message was successfully delivered.\n"
     "--B4\nContent-Type: message/delivery-status\n\n"
     "Reporting-MTA: dns; mx.example.net\n\n"
     "Final-Recipient: rfc822; ok@example.org\nAction: delivered\nStatus: 2.0.0\n"
     "--B4--\n",
     NG_CLASS_SUCCESS, 1, "ok@example.org", "2.0.0", 0, NULL},
    {"Postfix free text, no DSN part",
     "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
     "Subject: Undelivered Mail Returned to Sender\n\n"
     "This is the mail system at host mx.example.net.\n\n"
     "I'm sorry to have to inform you that your message could not\n"
     "be delivered to one or more recipients. It's attached below.\n\n"
     "                   The mail system\n\n"
     "<carol@example.org>: host mail.example.org[192.0.2.7] said: 550 5.1.1\n"
     "    <carol@example.org>: Recipient address rejected: User unknown in local\n"
     "    recipient table (in reply to RCPT TO command)\n",
     NG_CLASS_NDR, 1, "carol@example.org", "5.1.1", 550, NULL},
    {"qmail free text",
     "From: MAILER-DAEMON@qmail.example.net\n"
     "Subject: failure notice\n\n"
     "Hi. This is the qmail-send program at qmail.example.net.\n"
     "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
     "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
     "<dave@example.org>:\n"
     "Sorry, no mailbox here by that name. (#5.1.1)\n\n"
     "--- Below this line is a copy of the message.\n\n"
     "From: alice@example.com\nTo: dave@example.org\nSubject: hi\n\nhello\n",
     NG_CLASS_NDR, 1, "dave@example.org", "5.1.1", 0, NULL},
    {"Exim free text with X-Failed-Recipients",
     "From: Mail Delivery System <Mailer-Daemon@exim.example.net>\n"
     "Subject: Mail delivery failed: returning message to sender\n"
     "X-Failed-Recipients: erin@example.org\n"
     "Auto-Submitted: auto-replied\n\n"
     "This message was created automatically by mail delivery software.\n\n"
     "A message that you sent could not be delivered to one or more of its\n"
     "recipients. This is a permanent error. The following address(es) failed:\n\n"
     "  erin@example.org\n"
     "    SMTP error from remote mail server after RCPT TO:<erin@example.org>:\n"
     "    552 5.2.2 Mailbox full\n",
     NG_CLASS_NDR, 1, "erin@example.org", "5.2.2", 552, NULL},
    {"autoreply, RFC 3834",
     "From: Frank <frank@example.org>\n"
     "To: alice@example.com\n"
     "Subject: Out of office: lunch\n"
     "Auto-Submitted: auto-replied\n\n"
     "I am out of the office until Monday and will read your message then.\n",
     NG_CLASS_AUTOREPLY, -1, NULL, NULL, 0, NULL},
    {"challenge/response",
     "From: confirm-123@example.org\n"
     "To: alice@example.com\n"
     "Subject: Please confirm your message\n"
     "Auto-Submitted: auto-replied (confirm)\n\n"
     "I use a challenge/response system to keep my mailbox free of spam.\n"
     "To confirm that you are a human and release your message, reply to this\n"
     "email or click the link below.\n",
     NG_CLASS_CHALLENGE, -1, NULL, NULL, 0, NULL},
    {"ARF abuse report",
     "From: abuse@isp.example\n"
     "To: abuse@example.com\n"
     "Subject: FW: spam report\n"
     "Content-Type: multipart/report; report-type=feedback-report; boundary=A1\n\n"
     "--A1\n\nThis is an email abuse report.\n"
     "--A1\nContent-Type: message/feedback-report\n\n"
     "Feedback-Type: abuse\nUser-Agent: Reporter/1.0\nVersion: 1\n"
     "Original-Rcpt-To: <victim@isp.example>\n"
     "--A1\nContent-Type: message/rfc822\n\n"
     "From: spammer@example.com\nTo: victim@isp.example\nSubject: buy\n\nbuy now\n"
     "--A1--\n",
     NG_CLASS_FEEDBACK, -1, NULL, NULL, 0, "abuse"},
    {"MDN read receipt",
     "From: Hannah <hannah@example.org>\n"
     "To: alice@example.com\n"
     "Subject: Read: budget\n"
     "Content-Type: multipart/report; report-type=disposition-notification; boundary=M1\n\n"
     "--M1\n\nYour message was displayed.\n"
     "--M1\nContent-Type: message/disposition-notification\n\n"
     "Reporting-UA: mua.example.org; Mailer 1.0\n"
     "Final-Recipient: rfc822; hannah@example.org\n"
     "Original-Message-ID: <m1@example.com>\n"
     "Disposition: manual-action/MDN-sent-manually; displayed\n"
     "--M1--\n",
     NG_CLASS_MDN, -1, NULL, NULL, 0, NULL},
    {"ordinary mail",
     "From: Ivan <ivan@example.org>\n"
     "To: alice@example.com\n"
     "Subject: Question about the release\n\n"
     "Hi Alice,\n\ndo you know when the next release is planned?\n\nThanks, Ivan\n",
     NG_CLASS_NONE, 0, NULL, NULL, 0, NULL},
    {"ordinary mail in a multipart",
     "From: Judy <judy@example.org>\n"
     "To: alice@example.com\n"
     "Subject: photos\n"
     "Content-Type: multipart/mixed; boundary=J\n\n"
     "--J\nContent-Type: text/plain\n\nHere are the photos from Sunday.\n"
     "--J\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n/9j/4AAQSkZJRg==\n"
     "--J--\n",
     NG_CLASS_NONE, 0, NULL, NULL, 0, NULL},
    {"a person's reply quoting a bounce is ordinary mail",
     "From: Dirk <dirk@example.org>\n"
     "To: alice@example.com\n"
     "Subject: Re: Undelivered Mail Returned to Sender\n"
     "In-Reply-To: <x1@example.com>\n\n"
     "The bounce was genuine, the mailbox was full:\n\n"
     "> This is the mail system at host mx.example.org.\n"
     "> <jan@example.org>: host mx.example.org said: 552 5.2.2 Mailbox full\n",
     NG_CLASS_NONE, 0, NULL, NULL, 0, NULL},
    {"RFC 3834 auto-reply with Precedence: bulk",
     "From: Oskar <oskar@example.net>\n"
     "To: alice@example.com\n"
     "Subject: Auto: Re: invoice\n"
     "In-Reply-To: <x2@example.com>\n"
     "Auto-Submitted: auto-replied (vacation)\n"
     "Precedence: bulk\n\n"
     "I am on parental leave until September.\n",
     NG_CLASS_AUTOREPLY, 1, "oskar@example.net", NULL, 0, NULL},
    {"virus scanner's DSN to the sender",
     "From: Content-filter at mx.example.org <postmaster@example.org>\n"
     "To: ben@example.com\n"
     "Subject: VIRUS (Eicar-Test-Signature) IN MAIL FROM YOU\n"
     "Content-Type: multipart/report; report-type=delivery-status; boundary=V\n\n"
     "--V\n\nA virus was found in a message you sent.\n"
     "--V\nContent-Type: message/delivery-status\n\n"
     "Reporting-MTA: dns; mx.example.org\n\n"
     "Final-Recipient: rfc822; helpdesk@example.org\nAction: failed\nStatus: 5.7.0\n"
     "Diagnostic-Code: smtp; 554 5.7.0 Reject, id=1 - INFECTED: Eicar-Test-Signature\n"
     "--V--\n",
     NG_CLASS_AV_NOTICE, 1, "helpdesk@example.org", "5.7.0", 554, NULL},
    {"empty message", "", NG_CLASS_NONE, 0, NULL, NULL, 0, NULL},
    {"header only, no body", "Subject: hello\nFrom: a@example.org\n", NG_CLASS_NONE, 0, NULL, NULL,
     0, NULL},
};

/*
 * Regressions: bugs found in lib/ and fixed; `test_classify --regressions`
 * (CTest: unit/test_classify-regressions).
 */
static const struct cl_case regressions[] = {
    /* the last line of a single-part message without EOL was once lost
     * (see test_mime.c regressions), and the recipient on it with it */
    {"qmail free text whose last line has no newline",
     "From: MAILER-DAEMON@q.example.net\nSubject: failure notice\n\n"
     "Hi. This is the qmail-send program at q.example.net.\n"
     "I was not able to deliver your message to the following addresses.\n"
     "This is a permanent error.\n\n"
     "<dave@example.org>: Sorry, no mailbox here by that name. (#5.1.1)",
     NG_CLASS_NDR, 1, "dave@example.org", "5.1.1", 0, NULL},
};

static void json_of(const ng_verdict *v, ng_buf *out)
{
	ng_buf_reset(out);
	ng_verdict_json(v, "t", out);
	assert_false(out->failed);
	assert_false(out->overflow);
}

static void run_table(const struct cl_case *tab, size_t ncases)
{
	ng_classifier *c = ng_classifier_new();
	assert_non_null(c);
	ng_buf j1, j2;
	ng_buf_init(&j1, 1 << 20);
	ng_buf_init(&j2, 1 << 20);

	for (size_t i = 0; i < ncases; i++) {
		const struct cl_case *k = &tab[i];
		size_t len = strlen(k->msg);
		const ng_verdict *v = ng_classify_buffer(c, k->msg, len, NULL);
		json_of(v, &j1);
		if (v->cls != k->cls)
			fail_msg("case \"%s\": class got %s want %s\n%s", k->name,
			         ng_class_name(v->cls), ng_class_name(k->cls), j1.data);
		if (k->nrcpt >= 0 && v->nrcpt != (unsigned)k->nrcpt)
			fail_msg("case \"%s\": recipients got %u want %d\n%s", k->name, v->nrcpt,
			         k->nrcpt, j1.data);
		if (k->addr && (v->nrcpt == 0 || strcmp(v->rcpt[0].address, k->addr) != 0))
			fail_msg("case \"%s\": address got \"%s\" want \"%s\"", k->name,
			         v->nrcpt ? v->rcpt[0].address : "(none)", k->addr);
		if (k->status && (v->nrcpt == 0 || strcmp(v->rcpt[0].status, k->status) != 0))
			fail_msg("case \"%s\": status got \"%s\" want \"%s\"", k->name,
			         v->nrcpt ? v->rcpt[0].status : "(none)", k->status);
		if (k->reply && (v->nrcpt == 0 || v->rcpt[0].reply_code != k->reply))
			fail_msg("case \"%s\": reply code got %d want %d", k->name,
			         v->nrcpt ? v->rcpt[0].reply_code : 0, k->reply);
		if (k->feedback_type && strcmp(v->feedback_type, k->feedback_type) != 0)
			fail_msg("case \"%s\": feedback type got \"%s\" want \"%s\"", k->name,
			         v->feedback_type, k->feedback_type);
		if (v->confidence < 0.0 || v->confidence > 1.0)
			fail_msg("case \"%s\": confidence %f out of [0,1]", k->name, v->confidence);

		/* one byte at a time: the same verdict, byte for byte */
		ng_classify_begin(c, NULL);
		for (size_t b = 0; b < len; b++)
			ng_classify_feed(c, k->msg + b, 1);
		json_of(ng_classify_end(c), &j2);
		if (strcmp(j1.data, j2.data) != 0)
			fail_msg("case \"%s\": byte-by-byte verdict differs\n--- whole ---\n%s\n"
			         "--- bytes ---\n%s",
			         k->name, j1.data, j2.data);
	}
	ng_buf_free(&j1);
	ng_buf_free(&j2);
	ng_classifier_free(c);
}

static void test_table(void **state)
{
	(void)state;
	run_table(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_regressions(void **state)
{
	(void)state;
	run_table(regressions, sizeof(regressions) / sizeof(regressions[0]));
}

/* A verdict must not depend on the messages classified before it. */
static void test_reuse(void **state)
{
	(void)state;
	ng_classifier *fresh = ng_classifier_new();
	ng_classifier *used = ng_classifier_new();
	assert_non_null(fresh);
	assert_non_null(used);
	ng_buf j1, j2;
	ng_buf_init(&j1, 1 << 20);
	ng_buf_init(&j2, 1 << 20);
	size_t n = sizeof(cases) / sizeof(cases[0]);
	for (size_t i = 0; i < n; i++) {
		/* "used" has just classified every other case */
		for (size_t k = 0; k < n; k++)
			if (k != i)
				ng_classify_buffer(used, cases[k].msg, strlen(cases[k].msg), NULL);
		json_of(ng_classify_buffer(fresh, cases[i].msg, strlen(cases[i].msg), NULL), &j1);
		json_of(ng_classify_buffer(used, cases[i].msg, strlen(cases[i].msg), NULL), &j2);
		if (strcmp(j1.data, j2.data) != 0)
			fail_msg(
			    "case \"%s\": verdict depends on earlier messages\n--- fresh ---\n%s\n"
			    "--- reused ---\n%s",
			    cases[i].name, j1.data, j2.data);
	}
	ng_buf_free(&j1);
	ng_buf_free(&j2);
	ng_classifier_free(fresh);
	ng_classifier_free(used);
	ng_classifier_free(NULL);
}

static void test_names(void **state)
{
	(void)state;
	static const struct {
		enum ng_class c;
		const char *name;
		bool bounce;
	} names[] = {
	    {NG_CLASS_NONE, "none", false},
	    {NG_CLASS_NDR, "ndr", true},
	    {NG_CLASS_DELAY, "delay", true},
	    {NG_CLASS_SUCCESS, "success", true},
	    {NG_CLASS_AUTOREPLY, "autoreply", true},
	    {NG_CLASS_CHALLENGE, "challenge", true},
	    {NG_CLASS_AV_NOTICE, "av-notice", true},
	    {NG_CLASS_FEEDBACK, "feedback", false},
	    {NG_CLASS_MDN, "mdn", true},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(ng_class_name(names[i].c), names[i].name) != 0)
			fail_msg("class %d: name got %s want %s", names[i].c,
			         ng_class_name(names[i].c), names[i].name);
		if (ng_class_is_bounce(names[i].c) != names[i].bounce)
			fail_msg("class %s: is_bounce got %d want %d", names[i].name,
			         ng_class_is_bounce(names[i].c), names[i].bounce);
	}
	assert_string_equal(ng_class_name((enum ng_class)99), "none");
}

/* The JSON: keys in the documented order, null for unknown values. */
static void test_json(void **state)
{
	(void)state;
	ng_classifier *c = ng_classifier_new();
	assert_non_null(c);
	ng_buf j;
	ng_buf_init(&j, 1 << 20);

	json_of(ng_classify_buffer(c, "", 0, NULL), &j);
	assert_string_equal(j.data, "{\"source\":\"t\",\"class\":\"none\",\"confidence\":"
	                            "0.90,\"recipients\":[],\"reporting_mta\":null,"
	                            "\"original\":null,\"evidence\":[]}");

	const ng_verdict *v = ng_classify_buffer(c, cases[0].msg, strlen(cases[0].msg), NULL);
	ng_buf_reset(&j);
	ng_verdict_json(v, "dir/\"quoted\"\n.eml", &j);
	const char *keys[] = {"{\"source\":\"dir/\\\"quoted\\\"\\n.eml\",\"class\":\"ndr\",",
	                      "\"confidence\":",
	                      "\"recipients\":[{\"address\":\"bob@example.org\"",
	                      "\"status\":\"5.1.1\"",
	                      "\"reply_code\":\"550\"",
	                      "\"reporting_mta\":\"mx.example.net\"",
	                      "\"original\":{",
	                      "\"subject\":\"lunch\"",
	                      "\"evidence\":["};
	const char *at = j.data;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *f = strstr(at, keys[i]);
		if (f == NULL)
			fail_msg("JSON lacks %s (in this order) in\n%s", keys[i], j.data);
		at = f;
	}
	/* a NULL source is null */
	ng_buf_reset(&j);
	ng_verdict_json(v, NULL, &j);
	assert_memory_equal(j.data, "{\"source\":null,", 15);
	ng_buf_free(&j);
	ng_classifier_free(c);
}

/* An envelope with the null sender is accepted and changes nothing fatal. */
static void test_envelope(void **state)
{
	(void)state;
	ng_classifier *c = ng_classifier_new();
	assert_non_null(c);
	ng_envelope nul = {""}, someone = {"bob@example.org"}, unknown = {NULL};
	const ng_envelope *envs[] = {&nul, &someone, &unknown, NULL};
	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		const ng_verdict *v =
		    ng_classify_buffer(c, cases[0].msg, strlen(cases[0].msg), envs[i]);
		assert_int_equal(v->cls, NG_CLASS_NDR);
	}
	ng_classifier_free(c);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--regressions") == 0) {
		const struct CMUnitTest bugs[] = {cmocka_unit_test(test_regressions)};
		return cmocka_run_group_tests(bugs, NULL, NULL);
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),    cmocka_unit_test(test_reuse),
	    cmocka_unit_test(test_names),    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_envelope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
