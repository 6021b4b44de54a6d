#!/bin/sh
# postfix_relay.sh - the outbound relay guard (`ndrguard milter --relay`)
# on a hosted relay in front of a tenant, two real Postfix instances on
# loopback.
#
# usage: tests/integration/postfix_relay.sh NDRGUARD
#
#   the internet (swaks from 127.0.0.5 or .6)
#     -> relay R, inbound listener      (ndrguard relay milter: message log)
#     -> tenant T (127.0.0.1:TPORT), which accepts every recipient of
#        tenant.example and then bounces it as unknown (local_transport =
#        error: no system mailbox is ever touched)
#     -> T's bounce leaves from 127.0.0.3 to R's outbound listener
#                                       (ndrguard relay milter: judged)
#     -> quarantined, or sent on through the bounce pool (transport
#        "bouncepool", smtp_bind_address 127.0.0.9, milter_header_checks
#        FILTER), or deferred over the budget
#     -> smtp-sink, the rest of the internet.
# rbldnsd serves the SPF records: forged.example authorises only
# 192.0.2.0/24; legit.example and legit2.example authorise 127.0.0.6.
#
#   1. two spams from 127.0.0.5 with forged senders @forged.example to
#      unknown users: their bounces are quarantined (spf_fail), not sent;
#   2. a message from 127.0.0.6 @legit.example to an unknown user: its
#      bounce leaves through the bounce pool (SPF pass: verdict unknown,
#      relay_unknown_action = route);
#   3. five from 127.0.0.6 @legit2.example to unknown users, with
#      relay_bounce_domain_rate = 3/1h: three bounces leave through the
#      pool, two are deferred at T with 451 4.7.1;
#   4. ordinary mail from the tenant is delivered untouched;
#   5. accounting: every message is delivered, quarantined or deferred;
#   6. ndrguard quarantine: list shows both, show prints one, release
#      re-injects it (delivered at the sink with its null sender), delete
#      removes the other;
#   7. the relay policy service (`policyd --relay`): FILTER for a tenant's
#      bounce, DUNNO for others, 451 4.7.1 over the budget;
#   8. SIGTERM: the milter exits 0 with its final counters.
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

ng_relay_start "$NDRGUARD" "relay_bounce_domain_rate = 3/1h" "log_level = info"
R=$RL_R
TN=$RL_TN
MILTER_PID=$RL_MILTER_PID
send() { ng_relay_send "$@"; }

# ----- 1-3: the traffic -----
send 127.0.0.5 joe@forged.example nosuchuser1@tenant.example "cheap pills"
ng_check "spam 1 with a forged sender accepted by the relay" $?
send 127.0.0.5 ann@forged.example nosuchuser2@tenant.example "cheap watches"
ng_check "spam 2 with a forged sender accepted by the relay" $?
send 127.0.0.6 bob@legit.example nosuchuser3@tenant.example "meeting"
ng_check "a legitimate message to an unknown user accepted" $?
for i in 1 2 3 4 5; do
	send 127.0.0.6 "u$i@legit2.example" "gone$i@tenant.example" "note $i" || NG_FAILS=$((NG_FAILS + 1))
done
# 4: ordinary outbound mail of the tenant
swaks --server 127.0.0.1 --port "$RL_ROUT" --local-interface 127.0.0.3 --ehlo tenant.test \
	--from staff@tenant.example --to partner@elsewhere.example \
	--header "Subject: quarterly report" --body "Numbers." >>"$T/swaks.out" 2>&1
ng_check "ordinary mail from the tenant accepted" $?

# Wait until the 8 bounces are decided: 2 quarantined, 4 routed, 2 deferred.
i=0
while [ $i -lt 300 ]; do
	decided=$(grep -c 'outbound tenant=acme .*class=ndr' "$T/milter.log" 2>/dev/null)
	[ "${decided:-0}" -ge 8 ] && break
	sleep 0.1
	i=$((i + 1))
done
sleep 2 # the routed ones leave the relay's queue

q_list=$("$NDRGUARD" quarantine -c "$RL_CONF" list --format json)
nq=$(printf '%s\n' "$q_list" | grep -c '"id"')
[ "$nq" = 2 ]
ng_check "both forged-sender bounces are in the quarantine (got $nq)" $?
printf '%s\n' "$q_list" | grep -q '"rules":"spf_fail:+100"'
ng_check "quarantined for spf_fail" $?
grep -q 'outbound tenant=acme .*rcpt="joe@forged.example".*spf=fail spf_hop=127.0.0.5 verdict=backscatter .*action=quarantine' "$T/milter.log"
ng_check "the log names the entry hop 127.0.0.5 and the SPF fail" $?
grep -q 'inbound client=127.0.0.5 .*logged=yes' "$T/milter.log"
ng_check "the relay logged the inbound spam in the message log" $?
grep -q 'outbound tenant=acme .*rcpt="joe@forged.example".*log=found' "$T/milter.log"
ng_check "the bounce's returned original was found in the message log" $?
grep -q 'warning: relay_authserv_ids is empty: ' "$T/milter.log"
ng_check "start-up warns that relay_authserv_ids is empty" $?

pool_sent=$(grep -c 'postfix-bouncepool/smtp\[[0-9]*\]: .*status=sent' "$R/log/maillog")
[ "$pool_sent" = 4 ]
ng_check "the legit bounce and 3 of legit2's went through the bounce pool (got $pool_sent)" $?
grep 'postfix-bouncepool/smtp\[[0-9]*\]: .*to=<bob@legit.example>.*status=sent' "$R/log/maillog" >/dev/null
ng_check "bob@legit.example's bounce was sent through the bounce pool" $?
grep -q 'to=<joe@forged.example>.*status=sent' "$R/log/maillog"
[ $? -ne 0 ]
ng_check "no bounce to the forged senders left the relay" $?

deferred=$(grep 'postfix/smtp\[[0-9]*\]: .*to=<u[0-9]@legit2.example>.*status=deferred.*4\.7\.1' "$TN/log/maillog" |
	sed 's/.*: \([0-9A-Za-z]*\): to=.*/\1/' | sort -u | wc -l)
[ "$deferred" = 2 ]
ng_check "2 of legit2's 5 bounces are deferred at the tenant over the budget (got $deferred)" $?
grep -q 'why=over-budget' "$T/milter.log"
ng_check "the milter logs why=over-budget" $?

grep -q 'postfix/smtp\[[0-9]*\]: .*to=<partner@elsewhere.example>.*status=sent' "$R/log/maillog"
ng_check "the tenant's ordinary mail was delivered" $?
grep 'postfix-bouncepool.*partner@elsewhere' "$R/log/maillog" >/dev/null
[ $? -ne 0 ]
ng_check "ordinary mail did not use the bounce pool" $?

# 5: accounting.  Inbound: 8 messages, each bounced by the tenant: 2
# quarantined + 4 delivered + 2 deferred = 8.  Outbound ordinary: 1.
t_bounces=$(grep -c 'postfix/bounce\[[0-9]*\]: .*sender non-delivery notification' "$TN/log/maillog")
sink_n=$(ng_relay_sink_count)
echo "     tenant bounces=$t_bounces quarantined=$nq pool=$pool_sent deferred=$deferred sink=${sink_n:-0}"
[ "$t_bounces" = 8 ] && [ $((nq + pool_sent + deferred)) = 8 ]
ng_check "every bounce accounted for: quarantined + pool + deferred = 8" $?
[ "${sink_n:-0}" = 5 ]
ng_check "the sink got 5 messages (4 pool bounces + 1 ordinary)" $?

# ----- 6: ndrguard quarantine -----
ids=$(printf '%s\n' "$q_list" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
id1=$(echo "$ids" | head -1)
id2=$(echo "$ids" | tail -1)
"$NDRGUARD" quarantine -c "$RL_CONF" list >"$T/qlist.txt"
grep -q "2 messages held" "$T/qlist.txt" && grep -q "tenant=acme" "$T/qlist.txt"
ng_check "quarantine list (text) shows 2 messages of tenant acme" $?
"$NDRGUARD" quarantine -c "$RL_CONF" show "$id1" >"$T/show.txt"
grep -q '^Content-Type: multipart/report' "$T/show.txt" && grep -q 'forged.example' "$T/show.txt"
ng_check "quarantine show prints the record and the held bounce" $?
before=$sink_n
"$NDRGUARD" quarantine -c "$RL_CONF" release "$id1" >"$T/release.txt" 2>&1
rc=$?
cat "$T/release.txt"
[ $rc = 0 ]
ng_check "quarantine release exits 0" $?
i=0
while [ $i -lt 100 ]; do
	sink_n=$(ng_relay_sink_count)
	[ "${sink_n:-0}" -gt "$before" ] && break
	sleep 0.1
	i=$((i + 1))
done
[ "${sink_n:-0}" = $((before + 1)) ]
ng_check "the released bounce was delivered at the sink" $?
# the queue id the release listener gave it, then that message's envelope
rqid=$(sed -n 's/.*postfix-release\/smtpd\[[0-9]*\]: \([0-9A-Za-z]*\): client=.*/\1/p' "$R/log/maillog" | head -1)
[ -n "$rqid" ]
ng_check "it was re-injected through the release listener (no milter)" $?
grep -q " $rqid: from=<>, " "$R/log/maillog" &&
	grep -q " $rqid: to=<joe@forged.example>\|$rqid: to=<ann@forged.example>" "$R/log/maillog"
ng_check "with its null sender, to its original recipient" $?
"$NDRGUARD" quarantine -c "$RL_CONF" show "$id1" >/dev/null 2>&1
[ $? = 1 ]
ng_check "a released message is gone from the quarantine (show exits 1)" $?
"$NDRGUARD" quarantine -c "$RL_CONF" delete "$id2" >/dev/null
ng_check "quarantine delete exits 0" $?
n=$("$NDRGUARD" quarantine -c "$RL_CONF" list --format json | grep -c '"id"')
[ "$n" = 0 ]
ng_check "the quarantine is empty" $?
[ -z "$(ls "$T/quarantine/new")" ]
ng_check "no file left in the Maildir" $?
"$NDRGUARD" quarantine -c "$RL_CONF" delete "$id2" >/dev/null 2>&1
[ $? = 1 ]
ng_check "deleting it again exits 1" $?

# ----- 7: the relay policy service -----
ng_start "$T/policyd.log" "$RL_PPORT" "$NDRGUARD" policyd --relay -c "$RL_CONF" \
	-o relay_bounce_domain_rate=2/1h
PD_PID=$NG_STARTED_PID
ask() { # ask CLIENT SENDER RCPT
	python3 - "$RL_PPORT" "$1" "$2" "$3" <<'PY'
import socket, sys
port, client, sender, rcpt = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", port), 5)
req = ("request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=%s\n"
       "sender=%s\nrecipient=%s\n\n" % (client, sender, rcpt))
s.sendall(req.encode())
buf = b""
while not buf.endswith(b"\n\n"):
    d = s.recv(4096)
    if not d:
        break
    buf += d
print(buf.decode().strip())
PY
}
a=$(ask 127.0.0.3 "" x@a.example)
[ "$a" = "action=FILTER bouncepool:[127.0.0.1]:$RL_SINK_PORT" ]
ng_check "policyd --relay: a tenant's bounce -> FILTER to the pool ($a)" $?
a=$(ask 127.0.0.3 staff@tenant.example x@a.example)
[ "$a" = "action=DUNNO" ]
ng_check "policyd --relay: a tenant's ordinary mail -> DUNNO" $?
a=$(ask 127.0.0.5 "" x@a.example)
[ "$a" = "action=DUNNO" ]
ng_check "policyd --relay: a bounce from a non-tenant -> DUNNO" $?
ask 127.0.0.3 "" y@a.example >/dev/null
a=$(ask 127.0.0.3 "" z@a.example)
case $a in "action=451 4.7.1 "*) r=0 ;; *) r=1 ;; esac
ng_check "policyd --relay: the third bounce to a.example in the hour -> 451 4.7.1 ($a)" $r
ng_stop "$PD_PID"
ng_check "policyd --relay exits 0 on SIGTERM" $?

# ----- 8: stop -----
ng_stop "$MILTER_PID"
ng_check "the relay milter exits 0 on SIGTERM" $?
grep -q 'relay stats final .*quarantine=2 .*spf_fail=2' "$T/milter.log"
ng_check "the final counters: quarantine=2, spf_fail=2" $?

if [ $NG_FAILS -ne 0 ]; then
	echo "--- milter log (tail)"
	tail -30 "$T/milter.log"
	echo "--- relay maillog (tail)"
	tail -30 "$R/log/maillog"
	echo "--- tenant maillog (tail)"
	tail -20 "$TN/log/maillog"
	ng_fail "$NG_FAILS check(s) failed"
fi
ng_pass "relay guard behind two Postfix instances"
