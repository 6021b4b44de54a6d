#!/bin/sh
# postfix_milter.sh - `ndrguard milter` behind a real Postfix, on loopback.
#
# usage: tests/integration/postfix_milter.sh NDRGUARD [SMTP_LOAD]
#
# A throwaway Postfix (tests/integration/postfix.sh) with
#   smtpd_milters = inet:127.0.0.1:P   milter_protocol = 6
#   milter_default_action = tempfail
# relays what it accepts to an smtp-sink that dumps every message.  rbldnsd
# (dnsd.sh) serves bl.test: 127.0.0.77 listed with a TXT record.  The
# messages are examples/*.eml without their delivery headers (Return-Path,
# Delivered-To), sent with swaks from a chosen client address:
#
#   1. a multipart/report bounce from notifications@ at the listed
#      127.0.0.77 is rejected at end of data (550 5.7.1 with the TXT);
#   2. the same from the unlisted 127.0.0.5 is accepted and, with
#      milter_tag_classified = yes, arrives with an X-Ndrguard header;
#   3. a normal message from 127.0.0.77 is accepted and arrives without an
#      X-Ndrguard header;
#   4. an auto-reply (Auto-Submitted: auto-replied) from 127.0.0.77 is
#      rejected by milter_content_action (reject);
#   5. the milter killed (SIGKILL, by its PID) while smtp_load sends 80%
#      ordinary mail, 10% bounces and 10% ordinary mail from the listed
#      client: Postfix tempfails meanwhile (milter_default_action); no
#      bounce from the listed client is accepted; after the milter is back
#      and the queue is flushed, client 250s = accepted = delivered;
#   6. SIGTERM: the milter exits 0 (under ASan: no leak).
#
# Exit 0 pass, 1 fail, 77 skip (no root, Postfix, rbldnsd or swaks).
# NG_KEEP=1 keeps the temporary directory.

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$here/common.sh"
. "$here/dnsd.sh"
. "$here/postfix.sh"

[ $# -ge 1 ] || { echo "usage: $0 NDRGUARD [SMTP_LOAD]" >&2; exit 2; }
NDRGUARD=$1
LOAD=${2:-}
[ -x "$NDRGUARD" ] || ng_fail "$NDRGUARD: not an executable"

ng_pf_require
ng_dnsd_require
command -v swaks >/dev/null 2>&1 || ng_skip "swaks not installed"
"$NDRGUARD" help milter >/dev/null 2>&1 || ng_fail "$NDRGUARD has no milter command"

ng_tmpdir
T=$NG_TMP
RCPT=alice@example.com

if [ -z "$LOAD" ] || [ ! -x "$LOAD" ]; then
	LOAD="$T/smtp_load"
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -o "$LOAD" "$src/bench/smtp_load.c" ||
		ng_fail "cannot build bench/smtp_load.c"
fi

ng_dnsd_data "$T/bl.test.data" '127.0.0.77 :127.0.0.2:Backscatter from $ see http://bl.test/$'
ng_dnsd_start bl.test "$T/bl.test.data"
dns_port=$NG_DNSD_PORT

MILTER_PORT=$(ng_free_port)
milter_pid=""
milter_n=0
start_milter() {
	milter_n=$((milter_n + 1))
	ng_start "$T/milter-$milter_n.log" "$MILTER_PORT" \
		"$NDRGUARD" milter -o "milter_listen=inet:127.0.0.1:$MILTER_PORT" \
		-o "dns_servers=127.0.0.1:$dns_port" -o "dnsbl_zones=bl.test=127.0.0.2" \
		-o milter_tag_classified=yes
	milter_pid=$NG_STARTED_PID
}
stop_milter() {
	ng_stop "$milter_pid" 30
	st=$?
	milter_pid=""
	return $st
}
start_milter

NG_PF_DUMP=1 ng_pf_start \
	"smtpd_milters = inet:127.0.0.1:$MILTER_PORT" \
	"milter_default_action = tempfail" \
	"milter_protocol = 6" \
	"milter_connect_timeout = 5s" \
	"smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination"
echo "postfix 127.0.0.1:$NG_PF_PORT  sink :$NG_PF_SINK_PORT  milter :$MILTER_PORT  rbldnsd :$dns_port"

# msg CASE EML: the example without its delivery headers, tagged with
# X-Test-Case: CASE, CRLF line ends, into $T/CASE.eml.
msg() {
	{
		printf 'X-Test-Case: %s\r\n' "$1"
		sed -e '/^Return-Path:/d' -e '/^Delivered-To:/d' -e 's/$/\r/' "$src/examples/$2"
	} >"$T/$1.eml"
}
# send CASE SRC FROM: prints the reply that decided it.
send() {
	tr="$T/swaks-$1.txt"
	swaks --server "127.0.0.1:$NG_PF_PORT" --local-interface "$2" --from "$3" \
		--to "$RCPT" --data "@$T/$1.eml" --timeout 120 >"$tr" 2>&1
	r=$(sed -n 's/^<\*\* *//p' "$tr" | head -n 1)
	[ -n "$r" ] || r=$(sed -n 's/^<- *\(250 .*queued as.*\)/\1/p' "$tr" | head -n 1)
	[ -n "$r" ] || r="no reply ($(tail -n 1 "$tr"))"
	printf '%s\n' "$r"
}
sink_file() {
	for f in $(ng_pf_sink_files); do
		if grep -q "^X-Test-Case: $1" "$f"; then
			echo "$f"
			return 0
		fi
	done
	return 1
}
expect_reject() { # CASE SRC FROM
	r=$(send "$@")
	echo "     client $2 MAIL FROM:<$3> -> $r"
	case "$r" in
	"550 5.7.1 "*"Backscatter from $2 see http://bl.test/$2"*) ng_check "$1: rejected at end of data with the TXT" 0 ;;
	*) ng_check "$1: rejected 550 5.7.1 with the TXT" 1 ;;
	esac
}
expect_accept() { # CASE SRC FROM
	r=$(send "$@")
	echo "     client $2 MAIL FROM:<$3> -> $r"
	case "$r" in
	"250 "*"queued as"*) ng_check "$1: accepted" 0 ;;
	*) ng_check "$1: accepted" 1 ;;
	esac
}

echo "== 1-4. single messages"
msg dsn-listed 01-postfix-userunknown.eml
expect_reject dsn-listed 127.0.0.77 notifications@mail.example.com
msg dsn-unlisted 01-postfix-userunknown.eml
expect_accept dsn-unlisted 127.0.0.5 notifications@mail.example.com
msg ordinary-listed 10-ordinary-mail.eml
expect_accept ordinary-listed 127.0.0.77 nora@example.net
msg autoreply-listed 08-autoreply-vacation.eml
expect_reject autoreply-listed 127.0.0.77 greta@example.net
ng_pf_flush 60
ng_check "queue flushed" $?
f=$(sink_file dsn-unlisted)
ng_check "dsn-unlisted: delivered at the sink" $?
h=$(grep -i '^X-Ndrguard:' "$f" 2>/dev/null | head -n 1)
echo "     header at the sink: ${h:-none}"
case "$h" in *class=ndr*) st=0 ;; *) st=1 ;; esac
ng_check "dsn-unlisted: tagged X-Ndrguard: class=ndr ..." $st
f=$(sink_file ordinary-listed)
ng_check "ordinary-listed: delivered at the sink" $?
! grep -qi '^X-Ndrguard:' "$f" 2>/dev/null
ng_check "ordinary-listed: untouched (no X-Ndrguard header)" $?
for c in dsn-listed autoreply-listed; do
	! sink_file "$c" >/dev/null
	ng_check "$c: not at the sink" $?
done
grep ' message client=127\.0\.0\.77 ' "$T/milter-1.log" | grep 'candidate=no' | grep -q 'action=accept'
ng_check "milter log: ordinary mail from 127.0.0.77 not a candidate, accepted" $?

echo "== 5. the milter killed mid-run"
acc0=$(ng_pf_accepted)
del0=$(ng_pf_delivered)
total=${NG_LOAD_MESSAGES:-1500}
"$LOAD" -s "127.0.0.1:$NG_PF_PORT" -n "$total" -c 10 -t 200 -l "$T/load.log" \
	ordinary:8:127.0.1.1-200:user@example.org 'bounce:1:127.0.0.77:<>' \
	listed:1:127.0.0.77:user@example.org >"$T/load.out" 2>&1 &
load_pid=$!
ng_track "$load_pid"
i=0
while [ "$(($(ng_pf_accepted) - acc0))" -lt $((total / 10)) ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
killed_at=$(($(ng_pf_accepted) - acc0))
kill -KILL "$milter_pid"
wait "$milter_pid" 2>/dev/null
echo "     milter killed (SIGKILL) after $killed_at accepted messages"
sleep 4
start_milter
echo "     milter restarted"
wait "$load_pid"
load_rc=$?
cat "$T/load.out"
ng_check "smtp_load: every message got an SMTP answer" $load_rc
ng_pf_flush 120
ng_check "queue flushed" $?
field() { sed -n "s/^RESULT $1 .*$2=\\([0-9.]*\\).*/\\1/p" "$T/load.out"; }
ok=$(field total ok)
temp=$(field total temp)
b_ok=$(field class=bounce ok)
b_perm=$(field class=bounce perm)
o_perm=$(field class=ordinary perm)
l_perm=$(field class=listed perm)
acc=$(($(ng_pf_accepted) - acc0))
del=$(($(ng_pf_delivered) - del0))
echo "     client 250: $ok, 4xx: $temp; maillog accepted: $acc; sink delivered: $del"
[ "${temp:-0}" -gt 0 ]
ng_check "Postfix tempfailed while the milter was down" $?
[ "${b_ok:-1}" -eq 0 ] && [ "${b_perm:-0}" -gt 0 ]
ng_check "no bounce from the listed client accepted; $b_perm rejected" $?
[ "${o_perm:-1}" -eq 0 ] && [ "${l_perm:-1}" -eq 0 ]
ng_check "no ordinary message rejected" $?
[ -n "$ok" ] && [ "$ok" -eq "$acc" ] && [ "$acc" -eq "$del" ]
ng_check "nothing lost: client 250s $ok = accepted $acc = delivered $del" $?

echo "== 6. SIGTERM"
stop_milter
ng_check "milter exits 0 on SIGTERM" $?

if [ $NG_FAILS -ne 0 ]; then
	echo "--- milter logs (tail)"
	tail -n 20 "$T"/milter-*.log
	echo "--- maillog (tail)"
	tail -n 30 "$NG_PF_LOG"
	ng_fail "$NG_FAILS check(s) failed"
fi
ng_pass "postfix_milter"
