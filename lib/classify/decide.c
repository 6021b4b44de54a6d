/*
 * decide.c - from the collected signals to the verdict.
 *
 * Order: structure first (feedback report, disposition notification, a
 * delivery-status part with recipients), then the weighed phrases of
 * Subject, From and text together with the recipients found in the text.
 * Every recipient gets its status, reply code and diagnostic from the best
 * source available, then its reason from lib/classify/reason.c.
 */
#include "classify/internal.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static unsigned score(const ng_classifier *c, enum ng_signal s)
{
	return c->sig[NG_PLACE_SUBJECT][s] + c->sig[NG_PLACE_FROM][s] + c->sig[NG_PLACE_BODY][s];
}

/* Actions of a success report; "deliverable" is what address verification
 * (Postfix sendmail -bv) reports. */
static bool action_ok(const char *a)
{
	return strcmp(a, "delivered") == 0 || strcmp(a, "relayed") == 0 ||
	       strcmp(a, "expanded") == 0 || strcmp(a, "deliverable") == 0;
}

/* What the reason judge (reason.h) reads as the command a reply answered. */
static const char *const cmd_marker[] = {
    [NG_CMD_CONN] = " (after initial connection)",
    [NG_CMD_HELO] = " (in reply to EHLO command)",
    [NG_CMD_STARTTLS] = " (in reply to STARTTLS command)",
    [NG_CMD_MAIL] = " (in reply to MAIL FROM command)",
    [NG_CMD_RCPT] = " (in reply to RCPT TO command)",
    [NG_CMD_DATA] = " (in reply to end of DATA command)",
};

/* Fill status, reply code, reason and hard/soft of one recipient. */
static void finish_rcpt(ng_classifier *c, ng_rcpt *r, bool delayed)
{
	uint8_t cmd = c->rcpt_cmd[r - c->v.rcpt];
	char st[NG_CL_STATUS_MAX];
	const char *d = r->diagnostic;
	size_t dl = strlen(d);

	/* A transcript's successful steps ("250 2.1.5 Ok") before the failing
	 * reply are nobody's status: a failure takes a failure code. */
	bool ok = action_ok(r->action);
	if (dl > 0 && (ok ? ng_text_find_status(d, dl, st, sizeof(st))
	                  : ng_text_find_status_fail(d, dl, st, sizeof(st)))) {
		/* The code the remote server gave (in the diagnostic) is more
		 * precise than the one the reporting MTA chose for its Status
		 * field (often a generic 5.0.0 or 4.4.7), unless it is generic. */
		size_t sl = strlen(r->status);
		bool generic = strcmp(st + 1, ".0.0") == 0;
		if (r->status[0] == '\0' || !generic ||
		    (sl >= 4 && strcmp(r->status + sl - 4, ".0.0") == 0))
			ng_str_copy(r->status, sizeof(r->status), st);
	}
	if (r->reply_code == 0 && dl > 0)
		r->reply_code = ok ? ng_text_find_reply(d, dl) : ng_text_find_reply_fail(d, dl);
	/* A reply code of another class than the status ("554 4.4.7 Message
	 * expired ... <421 4.4.2 Connection timed out>", a 220 greeting) is not
	 * this recipient's answer: take one of the status's class, or none. */
	if (r->reply_code != 0 && (r->status[0] == '4' || r->status[0] == '5') &&
	    r->reply_code / 100 != r->status[0] - '0')
		r->reply_code = ng_text_find_reply_class(d, dl, r->status[0]);

	ng_reason_out out;
	const char *text = d;
	size_t tl = dl;
	if (tl == 0) {
		text = c->text_all;
		tl = c->text_all_len;
	}
	/* The command found anywhere in the message for this recipient goes
	 * last, where the judge takes it from (a Diagnostic-Code rarely says). */
	char buf[sizeof(c->text_all) + 48];
	if (cmd > NG_CMD_NONE && cmd < sizeof(cmd_marker) / sizeof(cmd_marker[0]) &&
	    cmd_marker[cmd] != NULL) {
		size_t ml = strlen(cmd_marker[cmd]);
		if (tl > sizeof(buf) - ml)
			tl = sizeof(buf) - ml;
		memcpy(buf, text, tl);
		memcpy(buf + tl, cmd_marker[cmd], ml);
		text = buf;
		tl += ml;
	}
	ng_reasons_judge(c->reasons, text, tl, r->status[0] ? r->status : NULL, r->reply_code,
	                 delayed, &out);
	r->reason = out.reason;
	r->hard = out.hard;
	if (out.rule != NULL)
		ng_cl_evidence(c, "reason", "recipient", out.rule, strlen(out.rule));
}

static ng_rcpt *new_rcpt(ng_classifier *c, const char *addr)
{
	if (c->v.nrcpt >= NG_CL_RCPTS_MAX)
		return NULL;
	c->rcpt_cmd[c->v.nrcpt] = NG_CMD_NONE;
	ng_rcpt *r = &c->v.rcpt[c->v.nrcpt++];
	memset(r, 0, offsetof(ng_rcpt, diagnostic) + 1);
	ng_str_copy(r->address, sizeof(r->address), addr);
	return r;
}

/* The SMTP command a recipient's reply answered: its own from the text, or
 * the one command the whole text names, when it names one. */
static uint8_t rcpt_command(const ng_classifier *c, int k)
{
	if (k >= 0 && c->cand[k].cmd != NG_CMD_NONE)
		return c->cand[k].cmd;
	if (c->cmds_seen != 0 && (c->cmds_seen & (c->cmds_seen - 1)) == 0)
		return c->last_cmd;
	return NG_CMD_NONE;
}

/* The text often says more than a bare DSN field: the diagnostic, the
 * command and the reply code of the same recipient there complete r, the
 * newest recipient, made from DSN block g for address addr. */
static void dsn_rcpt_from_text(ng_classifier *c, ng_rcpt *r, const struct dsn_group *g,
                               const char *addr)
{
	int k = ng_cl_cand_find(c, addr);
	if (k < 0 && g->orig_rcpt[0] != '\0')
		k = ng_cl_cand_find(c, g->orig_rcpt);
	if (k >= 0 && c->cand[k].diag[0] != '\0' &&
	    (r->diagnostic[0] == '\0' || strlen(r->diagnostic) < 12))
		ng_str_copy(r->diagnostic, sizeof(r->diagnostic), c->cand[k].diag);
	if (r->diagnostic[0] == '\0' && c->ndsn == 1 && c->ncand == 1)
		ng_str_copy(r->diagnostic, sizeof(r->diagnostic), c->cand[0].diag);
	/* a transcript in the text may hold the reply code the DSN lacks */
	if (k < 0 && c->ndsn == 1 && c->ncand == 1)
		k = 0;
	c->rcpt_cmd[c->v.nrcpt - 1] = rcpt_command(c, k);
	const char *d = r->diagnostic;
	if (k >= 0 && ng_text_find_reply(d, strlen(d)) == 0) {
		const char *t = c->cand[k].diag;
		size_t tl = strlen(t);
		bool ok = action_ok(r->action);
		r->reply_code = ok ? ng_text_find_reply(t, tl) : ng_text_find_reply_fail(t, tl);
		if (r->status[0] == '\0') {
			/* the finders write only what they find */
			if (ok)
				ng_text_find_status(t, tl, r->status, sizeof(r->status));
			else
				ng_text_find_status_fail(t, tl, r->status, sizeof(r->status));
		}
	}
}

static void rcpts_from_dsn(ng_classifier *c)
{
	for (unsigned i = 0; i < c->ndsn; i++) {
		const struct dsn_group *g = &c->dsn[i];
		const char *addr = g->final_rcpt;
		if (strchr(addr, '@') == NULL && strchr(g->orig_rcpt, '@') != NULL)
			addr = g->orig_rcpt;
		bool dup = false;
		for (unsigned j = 0; j < c->v.nrcpt; j++)
			if (strcasecmp(c->v.rcpt[j].address, addr) == 0 &&
			    strcmp(c->v.rcpt[j].action, g->action) == 0)
				dup = true;
		if (dup)
			continue;
		ng_rcpt *r = new_rcpt(c, addr);
		if (r == NULL)
			return;
		ng_str_copy(r->action, sizeof(r->action), g->action);
		ng_str_copy(r->status, sizeof(r->status), g->status);
		ng_str_copy(r->diagnostic, sizeof(r->diagnostic), g->diag);
		if (r->action[0] == '\0') {
			const char *a = r->status[0] == '5'   ? "failed"
			                : r->status[0] == '4' ? "delayed"
			                : r->status[0] == '2' ? "delivered"
			                                      : "";
			ng_str_copy(r->action, sizeof(r->action), a);
		}
		dsn_rcpt_from_text(c, r, g, addr);
	}
}

/* A recipient the text does not name: the whole text is its diagnostic. */
static ng_rcpt *unnamed_rcpt(ng_classifier *c, const char *addr, const char *action)
{
	ng_rcpt *r = new_rcpt(c, addr);
	if (r != NULL) {
		ng_str_copy(r->action, sizeof(r->action), action);
		ng_str_copy(r->diagnostic, sizeof(r->diagnostic), c->text_all);
		c->rcpt_cmd[c->v.nrcpt - 1] = rcpt_command(c, -1);
	}
	return r;
}

/* Nothing in the text names a recipient: the returned original's To: (when
 * it names one address) is the best guess. */
static void rcpt_from_original_to(ng_classifier *c, const char *action)
{
	const char *t = c->v.original.to;
	size_t at, alen, at2, alen2;
	if (ng_text_find_addr(t, strlen(t), 0, &at, &alen) &&
	    !ng_text_find_addr(t, strlen(t), at + alen, &at2, &alen2)) {
		char addr[NG_CL_ADDR_MAX];
		ng_text_lower(addr, sizeof(addr), t + at, alen);
		unnamed_rcpt(c, addr, action);
	}
}

/* Every address of the X-Failed-Recipients header fields. */
static void rcpts_from_x_failed(ng_classifier *c, const char *action)
{
	const char *s = c->x_failed;
	size_t at, alen, from = 0;
	while (ng_text_find_addr(s, strlen(s), from, &at, &alen)) {
		char addr[NG_CL_ADDR_MAX];
		ng_text_lower(addr, sizeof(addr), s + at,
		              alen < sizeof(addr) ? alen : sizeof(addr) - 1);
		from = at + alen;
		if (unnamed_rcpt(c, addr, action) == NULL)
			return;
	}
}

static void rcpts_from_text(ng_classifier *c, const char *action)
{
	/* When the text announces a list ("the following addresses failed:")
	 * and strong candidates follow it, addresses before it (the sender,
	 * the original's To:) are not recipients. */
	bool listed = false;
	for (unsigned i = 0; i < c->ncand; i++)
		if (c->cand[i].listed && c->cand[i].strength >= 2)
			listed = true;
	int best = 0;
	for (unsigned i = 0; i < c->ncand; i++)
		if (c->cand[i].strength > best && (!listed || c->cand[i].listed))
			best = c->cand[i].strength;
	for (unsigned i = 0; i < c->ncand; i++) {
		const struct cand *k = &c->cand[i];
		if (listed && !k->listed)
			continue;
		if (k->strength < best && !(best >= 2 && k->strength >= 2))
			continue;
		ng_rcpt *r = new_rcpt(c, k->addr);
		if (r == NULL)
			return;
		ng_str_copy(r->action, sizeof(r->action), action);
		ng_str_copy(r->diagnostic, sizeof(r->diagnostic),
		            k->diag[0] ? k->diag : c->text_all);
		c->rcpt_cmd[c->v.nrcpt - 1] = rcpt_command(c, (int)i);
		/* "Could not be delivered because of 550 5.1.1 User unknown. The
		 * following recipients were affected: a@b": the reply before the
		 * list is every listed recipient's */
		char st[NG_CL_STATUS_MAX];
		const char *d = r->diagnostic;
		size_t dl = strlen(d), ll = strlen(c->lead);
		if (k->diag[0] != '\0' && ll > 0 && ng_text_find_reply_fail(d, dl) == 0 &&
		    !ng_text_find_status_fail(d, dl, st, sizeof(st)) &&
		    (ng_text_find_reply_fail(c->lead, ll) != 0 ||
		     ng_text_find_status_fail(c->lead, ll, st, sizeof(st)))) {
			ng_str_copy(r->diagnostic, sizeof(r->diagnostic), c->lead);
			ng_text_append_sq(r->diagnostic, sizeof(r->diagnostic), k->diag,
			                  strlen(k->diag));
		}
	}
	if (c->v.nrcpt == 0 && c->x_failed[0] == '\0' && c->v.original.to[0] != '\0')
		rcpt_from_original_to(c, action);
	if (c->v.nrcpt == 0 && c->x_failed[0] != '\0')
		rcpts_from_x_failed(c, action);
}

static void set_class(ng_classifier *c, enum ng_class cls, double conf)
{
	c->v.cls = cls;
	c->v.confidence = conf;
}

/* One recipient for reports that are about the sender of this message. */
static void self_rcpt(ng_classifier *c, const char *addr, const char *reason)
{
	ng_rcpt *r = new_rcpt(c, addr);
	if (r != NULL)
		r->reason = reason;
}

/* Feedback reports (ARF, JMRP, SES complaints): one recipient per
 * Original-Rcpt-To (or SES complained recipient), else the one the report
 * or the original's To: names. */
static void decide_feedback(ng_classifier *c)
{
	ng_verdict *v = &c->v;

	set_class(c, NG_CLASS_FEEDBACK, c->arf_part ? 0.99 : 0.9);
	if (c->jmrp && !c->arf_part && v->feedback_type[0] == '\0')
		ng_str_copy(v->feedback_type, sizeof(v->feedback_type), "abuse");
	for (unsigned i = 0; i < c->nfb; i++)
		self_rcpt(c, c->fb[i], "feedback");
	if (v->nrcpt > 0)
		return;
	const char *addr = c->arf_rcpt[0] ? c->arf_rcpt : "";
	char tmp[NG_CL_ADDR_MAX];
	if (addr[0] == '\0' && v->original.to[0] != '\0') {
		size_t at, alen;
		const char *t = v->original.to;
		if (ng_text_find_addr(t, strlen(t), 0, &at, &alen)) {
			ng_text_lower(tmp, sizeof(tmp), t + at, alen);
			addr = tmp;
		}
	}
	self_rcpt(c, addr, "feedback");
}

/* A mail client's one-click unsubscribe: an opt-out complaint by the sender
 * of this message. */
static void decide_unsubscribe(ng_classifier *c)
{
	set_class(c, NG_CLASS_FEEDBACK, 0.8);
	ng_str_copy(c->v.feedback_type, sizeof(c->v.feedback_type), "opt-out");
	self_rcpt(c, c->from_addr, "feedback");
}

/* A read receipt: one recipient per disposition block. */
static void decide_mdn(ng_classifier *c)
{
	set_class(c, NG_CLASS_MDN, 0.97);
	for (unsigned i = 0; i < c->ndsn; i++)
		self_rcpt(c, c->dsn[i].final_rcpt, NULL);
}

/* A delivery-status part with recipients: their actions decide the class. */
static void decide_dsn(ng_classifier *c)
{
	ng_verdict *v = &c->v;

	rcpts_from_dsn(c);
	unsigned failed = 0, delayed = 0, ok = 0;
	for (unsigned i = 0; i < v->nrcpt; i++) {
		const char *a = v->rcpt[i].action;
		if (strcmp(a, "failed") == 0 || strncmp(a, "fail", 4) == 0)
			failed++;
		else if (strcmp(a, "delayed") == 0)
			delayed++;
		else if (action_ok(a))
			ok++;
		else
			failed++; /* no usable action: a failure report */
	}
	if (failed > 0)
		set_class(c, NG_CLASS_NDR, 0.98);
	else if (delayed > 0)
		set_class(c, NG_CLASS_DELAY, 0.98);
	else
		set_class(c, NG_CLASS_SUCCESS, 0.97);
	ng_cl_evidence(c, "dsn:action", "delivery-status", ng_class_name(v->cls),
	               strlen(ng_class_name(v->cls)));
	for (unsigned i = 0; i < v->nrcpt; i++) {
		ng_rcpt *r = &v->rcpt[i];
		bool dl = strcmp(r->action, "delayed") == 0;
		if (action_ok(r->action)) {
			r->reason = "delivered";
			r->hard = false;
			if (r->reply_code == 0)
				r->reply_code =
				    ng_text_find_reply(r->diagnostic, strlen(r->diagnostic));
			continue;
		}
		finish_rcpt(c, r, dl);
	}
	/* A virus scanner's failure report to the sender ("VIRUS (Eicar) IN MAIL
	 * FROM YOU"): the Subject says so and the reason agrees. */
	if (v->cls == NG_CLASS_NDR && c->sig[NG_PLACE_SUBJECT][NG_SIG_AV] >= 2) {
		for (unsigned i = 0; i < v->nrcpt; i++) {
			const char *rs = v->rcpt[i].reason;
			if (rs != NULL && strcmp(rs, "virusdetected") == 0) {
				set_class(c, NG_CLASS_AV_NOTICE, 0.95);
				ng_cl_evidence(c, "av:dsn", "header:subject", c->subject,
				               strlen(c->subject));
				break;
			}
		}
	}
}

/* No structure: weigh the words of Subject, From and text. */
/* Is this a person's answer (Subject "Re:" and an In-Reply-To header) from a
 * sender that is no bounce account?  Bounces that say "Re:" come from
 * postmaster, MAILER-DAEMON or the null sender. */
static bool human_reply(const ng_classifier *c, bool bounce_sender)
{
	static const char *const prefixes[] = {"re:", "aw:", "sv:", "antw:",
	                                       "r\xc3\xa9"
	                                       "f:"}; /* ..., réf: */
	if (!c->in_reply_to || bounce_sender || c->auto_replied || c->x_autoreply)
		return false;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);
		if (strncasecmp(c->subject, prefixes[i], n) == 0)
			return true;
	}
	return false;
}

static void decide_text(ng_classifier *c)
{
	ng_verdict *v = &c->v;
	unsigned bounce = score(c, NG_SIG_BOUNCE);
	unsigned delay = score(c, NG_SIG_DELAY);
	unsigned success = score(c, NG_SIG_SUCCESS);
	unsigned autoreply = score(c, NG_SIG_AUTOREPLY);
	unsigned challenge = score(c, NG_SIG_CHALLENGE);
	unsigned av = score(c, NG_SIG_AV);
	bool bounce_sender =
	    c->null_sender == 1 || c->null_return_path || c->sig[NG_PLACE_FROM][NG_SIG_BOUNCE] >= 2;

	bool has_rcpt = false;
	for (unsigned i = 0; i < c->ncand; i++)
		if (c->cand[i].strength >= 2)
			has_rcpt = true;
	bool x_failed = c->x_failed[0] != '\0';
	unsigned b = bounce + (x_failed ? 3 : 0) + (bounce_sender ? 2 : 0) + (has_rcpt ? 1 : 0);

	/* A person's reply that quotes a bounce ("Re: Undelivered Mail ..."):
	 * it answers a message, comes from somebody, and says "Re:". */
	if (human_reply(c, bounce_sender)) {
		ng_cl_evidence(c, "ordinary:reply", "header:subject", c->subject,
		               strlen(c->subject));
		set_class(c, NG_CLASS_NONE, 0.8);
		return;
	}

	if (challenge >= 3 && bounce < 5 && !x_failed) {
		set_class(c, NG_CLASS_CHALLENGE, challenge >= 5 ? 0.9 : 0.7);
		self_rcpt(c, c->from_addr, "challenge");
		return;
	}
	if (c->sig[NG_PLACE_SUBJECT][NG_SIG_AV] >= 2 && av >= 4 && !x_failed) {
		set_class(c, NG_CLASS_AV_NOTICE, 0.85);
		for (unsigned i = 0; i < c->ncand; i++)
			if (c->cand[i].strength >= 2)
				self_rcpt(c, c->cand[i].addr, "virusdetected");
		return;
	}
	bool is_autoreply = c->x_autoreply || c->sig[NG_PLACE_SUBJECT][NG_SIG_AUTOREPLY] >= 2 ||
	                    (c->auto_replied && autoreply >= 2);
	if (b >= 5 && (c->ncand > 0 || x_failed || bounce >= 5) &&
	    !(is_autoreply && c->sig[NG_PLACE_SUBJECT][NG_SIG_BOUNCE] == 0 && !bounce_sender)) {
		bool is_delay = delay >= 3 && c->sig[NG_PLACE_SUBJECT][NG_SIG_BOUNCE] < 3 &&
		                c->sig[NG_PLACE_BODY][NG_SIG_BOUNCE] < 3;
		bool is_success = success >= 3 && bounce < 5;
		const char *action = is_success ? "delivered" : is_delay ? "delayed" : "failed";
		set_class(c,
		          is_success ? NG_CLASS_SUCCESS
		          : is_delay ? NG_CLASS_DELAY
		                     : NG_CLASS_NDR,
		          b >= 8 ? 0.9 : 0.75);
		rcpts_from_text(c, action);
		for (unsigned i = 0; i < v->nrcpt; i++)
			finish_rcpt(c, &v->rcpt[i], is_delay);
		return;
	}
	if (is_autoreply || c->auto_replied) {
		set_class(c, NG_CLASS_AUTOREPLY, is_autoreply ? 0.9 : 0.6);
		self_rcpt(c, c->from_addr, "vacation");
		return;
	}
	if (challenge >= 3 && (!c->bulk || c->auto_replied)) {
		set_class(c, NG_CLASS_CHALLENGE, 0.6);
		self_rcpt(c, c->from_addr, "challenge");
		return;
	}
	set_class(c, NG_CLASS_NONE, b >= 3 ? 0.6 : 0.9);
}

void ng_cl_decide(ng_classifier *c)
{
	ng_str_copy(c->v.reporting_mta, sizeof(c->v.reporting_mta),
	            c->dsn_reporting_mta[0] ? c->dsn_reporting_mta : c->first_by);

	if (c->arf_part || (c->jmrp && c->nfb > 0 && c->ndsn == 0 && !c->report_dsn))
		decide_feedback(c);
	else if (c->unsubscribe && c->ndsn == 0 && !c->report_dsn)
		decide_unsubscribe(c);
	else if (c->mdn_part)
		decide_mdn(c);
	else if (c->ndsn > 0)
		decide_dsn(c);
	else
		decide_text(c);
}
