#!/bin/sh
# postfix_batv.sh - BATV in `ndrguard milter`, end to end behind a real
# Postfix on loopback.
#
# usage: tests/integration/postfix_batv.sh NDRGUARD
#
# A throwaway Postfix (tests/integration/postfix.sh) with
#   smtpd_milters = inet:127.0.0.1:P   milter_default_action = tempfail
# relays everything to an smtp-sink that dumps every message.  The milter
# runs with one key (0), batv_domains = example.org, our_networks =
# 127.0.0.10/32, batv_enforce_after in the past and no DNSBL zones (BATV
# needs no DNS):
#
#   a. alice@example.org sends out from 127.0.0.10 (ours): the message
#      leaves with the envelope sender prvs=0DDDSSSSSS=alice@example.org
#      (qmgr's from=<...>), and `ndrguard batv verify` says it is valid;
#   b. a bounce (MAIL FROM:<>) from 127.0.0.20 (not ours) to that signed
#      address is accepted and delivered to alice@example.org;
#   c. bounces to alice@example.org unsigned, to a forged tag (one MAC
#      digit flipped), to an expired tag (signed 30 days ago) and to an
#      unknown key number (5, not configured) are refused at RCPT with
#      550 5.7.1 ... bounce to an address that never sent mail;
#   d. with batv_enforce_after in the future, an unsigned bounce is
#      accepted and arrives with an X-Ndrguard: batv=... header.
#
# Exit 0 pass, 1 fail, 77 skip (no root, Postfix or swaks).
# NG_KEEP=1 keeps the temporary directory.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
. "$here/postfix.sh"

[ $# -ge 1 ] || { echo "usage: $0 NDRGUARD" >&2; exit 2; }
NDRGUARD=$1
[ -x "$NDRGUARD" ] || ng_fail "$NDRGUARD: not an executable"

ng_pf_require
command -v swaks >/dev/null 2>&1 || ng_skip "swaks not installed"
"$NDRGUARD" help milter >/dev/null 2>&1 || ng_fail "$NDRGUARD has no milter command"

ng_tmpdir
T=$NG_TMP
OURS=127.0.0.10
THEM=127.0.0.20
ALICE=alice@example.org

printf 'postfix-batv-test-key\n' >"$T/key0"
printf 'some-other-key\n' >"$T/key5"
chmod 644 "$T/key0" "$T/key5"
KEYS="batv_keys=0:$T/key0"
batv() { "$NDRGUARD" batv -o "$KEYS" -o batv_domains=example.org "$@"; }

MILTER_PORT=$(ng_free_port)
milter_pid=""
milter_n=0
start_milter() { # ENFORCE_AFTER
	milter_n=$((milter_n + 1))
	ng_start "$T/milter-$milter_n.log" "$MILTER_PORT" \
		"$NDRGUARD" milter -o "milter_listen=inet:127.0.0.1:$MILTER_PORT" \
		-o "$KEYS" -o batv_domains=example.org -o "batv_enforce_after=$1" \
		-o "our_networks=$OURS/32" -o "dnsbl_zones="
	milter_pid=$NG_STARTED_PID
}
stop_milter() {
	ng_stop "$milter_pid" 30
	st=$?
	milter_pid=""
	# the port may need a moment before it is free again
	sleep 1
	return $st
}
start_milter 2000-01-01

NG_PF_DUMP=1 ng_pf_start \
	"smtpd_milters = inet:127.0.0.1:$MILTER_PORT" \
	"milter_default_action = tempfail" \
	"milter_protocol = 6" \
	"milter_connect_timeout = 5s" \
	"smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination"
echo "postfix 127.0.0.1:$NG_PF_PORT  sink :$NG_PF_SINK_PORT  milter :$MILTER_PORT"

# send CASE SRC FROM TO: prints the reply that decided the transaction;
# the message carries X-Test-Case: CASE.
send() {
	tr="$T/swaks-$1.txt"
	swaks --server "127.0.0.1:$NG_PF_PORT" --local-interface "$2" --from "$3" --to "$4" \
		--header "X-Test-Case: $1" --header "Subject: batv test $1" \
		--timeout 60 >"$tr" 2>&1
	r=$(sed -n 's/^<\*\* *//p' "$tr" | head -n 1)
	[ -n "$r" ] || r=$(sed -n 's/^<- *\(250 .*queued as.*\)/\1/p' "$tr" | head -n 1)
	[ -n "$r" ] || r="no reply ($(tail -n 1 "$tr"))"
	printf '%s\n' "$r"
}
qid_of() { sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p'; }
sink_file() {
	for f in $(ng_pf_sink_files); do
		if grep -q "^X-Test-Case: $1" "$f"; then
			echo "$f"
			return 0
		fi
	done
	return 1
}

echo "== a. outbound mail is signed"
r=$(send out "$OURS" "$ALICE" bob@example.net)
echo "     client $OURS MAIL FROM:<$ALICE> -> $r"
qid=$(printf '%s\n' "$r" | qid_of)
[ -n "$qid" ]
ng_check "a: accepted" $?
ng_pf_flush 60
ng_check "queue flushed" $?
from=$(sed -n "s/.* $qid: from=<\([^>]*\)>.*/\1/p" "$NG_PF_LOG" | head -n 1)
echo "     envelope sender as queued: <$from>"
case "$from" in
prvs=0?????????=$ALICE) st=0 ;;
*) st=1 ;;
esac
ng_check "a: left with sender prvs=0DDDSSSSSS=$ALICE" $st
grep -q " $qid: to=<bob@example.net>.*status=sent" "$NG_PF_LOG"
ng_check "a: delivered to the sink" $?
v=$(batv verify "$from" 2>&1)
echo "     ndrguard batv verify: $v"
case "$v" in *valid*) batv verify "$from" >/dev/null 2>&1 ;; *) false ;; esac
ng_check "a: ndrguard batv verify says valid" $?
SIGNED=$from

echo "== b. a bounce to the signed address is delivered to $ALICE"
r=$(send bounce-valid "$THEM" '<>' "$SIGNED")
echo "     client $THEM MAIL FROM:<> RCPT TO:<$SIGNED> -> $r"
qid=$(printf '%s\n' "$r" | qid_of)
[ -n "$qid" ]
ng_check "b: accepted" $?
ng_pf_flush 60
ng_check "queue flushed" $?
grep " $qid: to=<" "$NG_PF_LOG" | sed 's/^/     /'
grep -q " $qid: to=<$ALICE>.*status=sent" "$NG_PF_LOG"
ng_check "b: delivered to <$ALICE>" $?
! grep -q " $qid: to=<prvs=" "$NG_PF_LOG"
ng_check "b: not delivered to the tagged address" $?

echo "== c. bounces without a valid signature are refused at RCPT"
now=$(date +%s)
# the MAC's first hex digit is the 11th character of prvs=KDDDSSSSSS=
forged=$(printf '%s\n' "$SIGNED" | awk '{ c = substr($0, 11, 1); d = (c == "0") ? "1" : "0";
	print substr($0, 1, 10) d substr($0, 12) }')
expired=$(batv --now $((now - 30 * 86400)) sign "$ALICE")
unknown=$("$NDRGUARD" batv -o "batv_keys=5:$T/key5" -o batv_domains=example.org sign "$ALICE")
for c in "unsigned $ALICE not-signed" "forged $forged bad-signature" \
	"expired $expired expired" "unknown-key $unknown unknown-key"; do
	set -- $c
	r=$(send "bounce-$1" "$THEM" '<>' "$2")
	echo "     $1: RCPT TO:<$2> -> $r"
	case "$r" in
	"550 5.7.1 <$2>: bounce to an address that never sent mail (no valid BATV signature: $3)"*)
		st=0 ;;
	*) st=1 ;;
	esac
	ng_check "c: $1 bounce refused 550 5.7.1 at RCPT ($3)" $st
	grep -q "RCPT from .*\\[$THEM\\]: 550 5.7.1 <$2>" "$NG_PF_LOG"
	ng_check "c: $1: Postfix logged the RCPT reject" $?
done

echo "== d. before enforcement an unsigned bounce is accepted and tagged"
stop_milter
ng_check "milter exits 0 on SIGTERM" $?
start_milter 2099-01-01
r=$(send bounce-early "$THEM" '<>' "$ALICE")
echo "     client $THEM MAIL FROM:<> RCPT TO:<$ALICE> -> $r"
case "$r" in "250 "*"queued as"*) st=0 ;; *) st=1 ;; esac
ng_check "d: accepted" $st
ng_pf_flush 60
ng_check "queue flushed" $?
f=$(sink_file bounce-early)
ng_check "d: delivered at the sink" $?
h=$(grep -i '^X-Ndrguard: batv=' "$f" 2>/dev/null | head -n 1)
echo "     header at the sink: ${h:-none}"
case "$h" in *batv=not-signed*recipient=$ALICE*enforced=no*) st=0 ;; *) st=1 ;; esac
ng_check "d: tagged X-Ndrguard: batv=not-signed ... enforced=no" $st

stop_milter
ng_check "milter exits 0 on SIGTERM" $?
grep ' message .*batv=signed .*batv_chgfrom=yes' "$T/milter-1.log" >/dev/null
ng_check "milter log: batv=signed batv_chgfrom=yes" $?
grep ' message .*batv=valid .*batv_rewritten=1' "$T/milter-1.log" >/dev/null
ng_check "milter log: batv=valid batv_rewritten=1" $?
[ "$(grep -c ' batv reject ' "$T/milter-1.log")" -eq 4 ]
ng_check "milter log: four batv reject lines" $?

if [ $NG_FAILS -ne 0 ]; then
	echo "--- milter logs (tail)"
	tail -n 20 "$T"/milter-*.log
	echo "--- maillog (tail)"
	tail -n 40 "$NG_PF_LOG"
	ng_fail "$NG_FAILS check(s) failed"
fi
ng_pass "postfix_batv"
