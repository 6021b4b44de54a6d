#!/bin/sh
# postfix_relay_own.sh - the relay's own bounces judged by the relay guard.
#
# usage: tests/integration/postfix_relay_own.sh NDRGUARD
#
# A relay that does not know its tenants' users accepts spam for a user the
# tenant's server then refuses at RCPT (550): the relay's own bounce(8)
# writes the non-delivery report, to the spam's forged sender, and it
# leaves from the relay's addresses - backscatter no tenant sent.  With
#
#   internal_mail_filter_classes = bounce
#   non_smtpd_milters = (the relay milter)
#
# Postfix hands its own bounces to the relay milter, which sees them as
# mail from 127.0.0.1; the tenants file names the relay itself as a tenant
# there ("self 127.0.0.1/32"), so they are judged like a tenant's:
#
#   1. spam from 127.0.0.5 with a forged sender @forged.example to a user
#      the tenant refuses: the relay's bounce is quarantined (spf_fail on
#      the entry hop 127.0.0.5), never sent;
#   2. the same from 127.0.0.6 @legit.example (SPF pass): the bounce
#      leaves through the bounce pool (verdict unknown: route);
#   3. ordinary mail submitted on the relay with sendmail(1) passes the
#      milter untouched and is delivered;
#   4. accounting: what the tenant refused is bounced exactly once, held
#      or sent; nothing else reached the forged sender.
#
# Exit 0 pass, 1 fail, 77 skip (no root, Postfix, rbldnsd or swaks).
# NG_KEEP=1 keeps the temporary directory.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
. "$here/dnsd.sh"
. "$here/postfix.sh"
. "$here/relay.sh"

[ $# -ge 1 ] || { echo "usage: $0 NDRGUARD" >&2; exit 2; }
NDRGUARD=$1
[ -x "$NDRGUARD" ] || ng_fail "$NDRGUARD: not an executable"

ng_relay_require

ng_tmpdir
T=$NG_TMP

RL_TENANTS_MORE='self 127.0.0.1/32
'
ng_relay_start "$NDRGUARD" "log_level = info"
R=$RL_R
TN=$RL_TN
MILTER_PID=$RL_MILTER_PID

# The relay's own bounces go through the relay milter; the tenant refuses
# gone@tenant.example at RCPT, so the relay is the one that bounces.
postconf -c "$R/etc" -e "internal_mail_filter_classes = bounce" \
	"non_smtpd_milters = inet:127.0.0.1:$RL_MPORT" || ng_fail "postconf relay"
postconf -c "$TN/etc" -e "smtpd_recipient_restrictions = check_recipient_access inline:{{gone@tenant.example = 550 5.1.1 User gone}}, permit_mynetworks, reject_unauth_destination" ||
	ng_fail "postconf tenant"
ng_relay_pf "$R" reload
ng_relay_pf "$TN" reload
sleep 1

# wait_for N PATTERN FILE: until FILE has N lines matching PATTERN (30 s)
wait_for() {
	_i=0
	while [ "$(grep -c "$2" "$3" 2>/dev/null)" -lt "$1" ] && [ $_i -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ "$(grep -c "$2" "$3" 2>/dev/null)" -ge "$1" ]
}

# ----- 1 and 2: spam and a genuine message to a user the tenant refuses -----
ng_relay_send 127.0.0.5 joe@forged.example gone@tenant.example "cheap watches"
ng_check "the relay accepts the spam for gone@tenant.example (it does not know the tenant's users)" $?
ng_relay_send 127.0.0.6 bob@legit.example gone@tenant.example "the contract"
ng_check "the relay accepts the genuine message too" $?

wait_for 2 'outbound tenant=self ' "$T/milter.log"
ng_check "the relay milter judged two bounces of the relay's own (tenant self)" $?
grep -q 'outbound tenant=self client=127.0.0.1 .*sender="<>" .*rcpt="joe@forged.example" .*class=ndr .*spf=fail spf_hop=127.0.0.5 verdict=backscatter .*action=quarantine' "$T/milter.log"
ng_check "the bounce to the forged sender: ndr, SPF fail at 127.0.0.5, quarantined" $?
grep -q 'outbound tenant=self client=127.0.0.1 .*rcpt="bob@legit.example" .*class=ndr .*spf=pass .*action=route' "$T/milter.log"
ng_check "the bounce to the genuine sender: SPF pass, routed to the bounce pool" $?
grep -q 'postfix/smtp\[[0-9]*\]: .*to=<gone@tenant.example>.*status=bounced .*550 5.1.1' "$R/log/maillog"
ng_check "the tenant refused both at RCPT and the relay bounced them" $?

wait_for 1 'postfix-bouncepool/smtp\[[0-9]*\]: .*to=<bob@legit.example>.*status=sent' "$R/log/maillog"
ng_check "the genuine sender's bounce left through the bounce pool" $?
grep -q 'to=<joe@forged.example>.*status=sent' "$R/log/maillog"
[ $? = 1 ]
ng_check "nothing was sent to the forged sender" $?
grep -q 'milter-discard: END-OF-MESSAGE' "$R/log/maillog"
ng_check "Postfix logs the milter's discard of the held bounce" $?
n=$("$NDRGUARD" quarantine -c "$RL_CONF" list --format json | grep -c '"tenant":"self"')
[ "$n" = 1 ]
ng_check "the quarantine holds the relay's bounce, tenant self ($n)" $?

# ----- 3: ordinary local mail passes untouched -----
before=$(ng_relay_sink_count)
printf 'Subject: nightly report\n\nAll is well.\n' |
	sendmail -C "$R/etc" -f root@relay.test ops@elsewhere.example
ng_check "sendmail(1) on the relay takes a message" $?
wait_for 1 'postfix/smtp\[[0-9]*\]: .*to=<ops@elsewhere.example>.*status=sent' "$R/log/maillog"
ng_check "the ordinary local message is delivered" $?
grep -q 'outbound tenant=self .*rcpt="ops@elsewhere.example"' "$T/milter.log"
[ $? = 1 ]
ng_check "ordinary mail is not judged (accepted at the end of its headers)" $?
[ "$(ng_relay_sink_count)" -gt "$before" ]
ng_check "the sink received it" $?

# ----- 4: accounting -----
b=$(grep -c 'postfix/bounce\[[0-9]*\]: .*sender non-delivery notification' "$R/log/maillog")
[ "$b" = 2 ]
ng_check "the relay wrote two non-delivery notifications ($b), one held and one routed" $?

ng_stop "$MILTER_PID"
ng_check "the relay milter exits 0 on SIGTERM" $?
# outbound=3: the local message went through the milter too
grep -q 'relay stats final .* outbound=3 candidates=2 .* route=1 quarantine=1 ' "$T/milter.log"
ng_check "the final counters: outbound=3 (the local message passed too), candidates=2, route=1, quarantine=1" $?

if [ $NG_FAILS -ne 0 ]; then
	echo "--- milter log (tail)"
	tail -30 "$T/milter.log"
	echo "--- relay maillog (tail)"
	tail -40 "$R/log/maillog"
	echo "--- tenant maillog (tail)"
	tail -20 "$TN/log/maillog"
	ng_fail "$NG_FAILS check(s) failed"
fi
ng_pass "the relay's own bounces judged by the relay guard"
