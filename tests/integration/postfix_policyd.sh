#!/bin/sh
# postfix_policyd.sh - ndrguard policyd behind a real Postfix, on loopback.
#
# usage: tests/integration/postfix_policyd.sh NDRGUARD [SMTP_LOAD]
#
# A throwaway Postfix (tests/integration/postfix.sh) asks policyd before any
# permit:
#   smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:P,
#       permit_mynetworks, reject_unauth_destination
#   smtpd_policy_service_default_action = 451 4.3.5 ...
# and relays what it accepts to an smtp-sink that dumps every message.
# rbldnsd (tests/integration/dnsd.sh) serves bl.test: 127.0.0.77 listed with
# a TXT record, and the RFC 5782 test entry 127.0.0.2.  Postfix sees the
# client address swaks or smtp_load binds (all of 127/8 is on lo).
#
#   1. listed client 127.0.0.77: MAIL FROM:<>, postmaster@, MAILER-DAEMON@
#      are rejected 550 5.7.1 with the zone's TXT in the reply; ordinary mail
#      from it is accepted and delivered; a bounce to postmaster@ (exempt
#      recipient) is accepted; the RFC 5782 test client 127.0.0.2 is
#      rejected for a bounce.
#   2. unlisted client 127.0.0.5: everything accepted and delivered.
#   3. DNS server down (rbldnsd killed, policyd restarted at a dead port so
#      its cache is empty): a bounce from 127.0.0.77 is accepted, and arrives
#      at the sink with an X-Ndrguard header.
#   4. policyd killed (SIGKILL) while smtp_load sends 80% ordinary mail from
#      unlisted clients, 10% bounces and 10% ordinary mail from the listed
#      one: Postfix answers 451 4.3.5; no bounce from the listed client is
#      ever accepted; after policyd is back and the queue is flushed,
#      accepted (client 250s = queue ids in the maillog) equals delivered
#      (sink).
#   5. SIGTERM: policyd drains and exits 0 (under ASan: no leak).
#
# Exit 0 pass, 1 fail, 77 skip (no root, Postfix, rbldnsd or swaks).
# NG_KEEP=1 keeps the temporary directory (maillog, policyd logs, dumps).

here=$(cd "$(dirname "$0")" && pwd)
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
"$NDRGUARD" help policyd >/dev/null 2>&1 || ng_fail "$NDRGUARD has no policyd command"

ng_tmpdir
T=$NG_TMP
RCPT=user@example.net

diagnose() {
	echo "--- policyd logs (tail)"
	tail -n 20 "$T"/policyd-*.log 2>/dev/null
	echo "--- maillog (tail)"
	tail -n 30 "$NG_PF_LOG" 2>/dev/null
}

# The load client: the one CMake built, else compile bench/smtp_load.c.
if [ -z "$LOAD" ] || [ ! -x "$LOAD" ]; then
	LOAD="$T/smtp_load"
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -o "$LOAD" "$here/../../bench/smtp_load.c" ||
		ng_fail "cannot build bench/smtp_load.c"
fi

# --- DNS: bl.test with 127.0.0.77 listed (and 127.0.0.2, RFC 5782) ---
ng_dnsd_data "$T/bl.test.data" '127.0.0.77 :127.0.0.2:Backscatter from $ see http://bl.test/$'
ng_dnsd_start bl.test "$T/bl.test.data"
dns_port=$NG_DNSD_PORT
dns_pid=$NG_DNSD_PID

# --- policyd ---
POLICY_PORT=$(ng_free_port)
policyd_pid=""
policyd_n=0
# start_policyd DNS_PORT: a fresh policyd (empty cache) on POLICY_PORT.
start_policyd() {
	policyd_n=$((policyd_n + 1))
	plog="$T/policyd-$policyd_n.log"
	ng_start "$plog" "$POLICY_PORT" \
		"$NDRGUARD" policyd -o "policyd_listen=inet:127.0.0.1:$POLICY_PORT" \
		-o "dns_servers=127.0.0.1:$1" -o "dnsbl_zones=bl.test=127.0.0.2"
	policyd_pid=$NG_STARTED_PID
}
# stop_policyd: SIGTERM, wait (SIGKILL after 20 s: that counts as a
# failure); returns policyd's exit status.
stop_policyd() {
	ng_stop "$policyd_pid" 20
	st=$?
	policyd_pid=""
	return $st
}
start_policyd "$dns_port"

# --- Postfix: the policy check runs before any permit ---
NG_PF_DUMP=1 ng_pf_start \
	"smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:$POLICY_PORT, permit_mynetworks, reject_unauth_destination" \
	"smtpd_policy_service_default_action = 451 4.3.5 Policy service unavailable, try again later"
echo "postfix 127.0.0.1:$NG_PF_PORT  sink :$NG_PF_SINK_PORT  policyd :$POLICY_PORT  rbldnsd :$dns_port"

# send CASE SRC FROM [TO]: one message with swaks; prints the reply that
# decided it (a rejection, else the "queued as" reply of the end of data).
send() {
	tr="$T/swaks-$1.txt"
	swaks --server "127.0.0.1:$NG_PF_PORT" --local-interface "$2" --from "$3" \
		--to "${4:-$RCPT}" --header "X-Test-Case: $1" --timeout 120 >"$tr" 2>&1
	r=$(sed -n 's/^<\*\* *//p' "$tr" | head -n 1)
	[ -n "$r" ] || r=$(sed -n 's/^<- *\(250 .*queued as.*\)/\1/p' "$tr" | head -n 1)
	[ -n "$r" ] || r="no reply ($(tail -n 1 "$tr"))"
	printf '%s\n' "$r"
}
# show SRC FROM REPLY: one line of the transcript summary.
show() {
	case "$2" in
	'<>') echo "     client $1  MAIL FROM:<>  -> $3" ;;
	*) echo "     client $1  MAIL FROM:<$2>  -> $3" ;;
	esac
}
# expect_reject CASE SRC FROM [TO]
expect_reject() {
	r=$(send "$@")
	show "$2" "$3" "$r"
	case "$r" in
	"550 5.7.1 "*"Backscatter from $2 see http://bl.test/$2"*) ng_check "$1: rejected with the TXT" 0 ;;
	*) ng_check "$1: rejected 550 5.7.1 with the TXT" 1 ;;
	esac
}
# expect_accept CASE SRC FROM [TO]
expect_accept() {
	r=$(send "$@")
	show "$2" "$3" "$r"
	case "$r" in
	"250 "*"queued as"*) ng_check "$1: accepted" 0 ;;
	*) ng_check "$1: accepted" 1 ;;
	esac
}
# The dump of the message with header X-Test-Case: CASE at the sink.
sink_file() {
	for f in $(ng_pf_sink_files); do
		if grep -q "^X-Test-Case: $1\$" "$f"; then
			echo "$f"
			return 0
		fi
	done
	return 1
}

echo "== 1. listed client 127.0.0.77"
expect_reject listed-null 127.0.0.77 '<>'
expect_reject listed-postmaster 127.0.0.77 postmaster@example.org
expect_reject listed-mailer-daemon 127.0.0.77 MAILER-DAEMON@example.org
expect_accept listed-ordinary 127.0.0.77 alice@example.org
expect_accept listed-null-to-postmaster 127.0.0.77 '<>' postmaster@example.net
r=$(send rfc5782-null 127.0.0.2 '<>')
show 127.0.0.2 '<>' "$r"
case "$r" in 550\ 5.7.1*) st=0 ;; *) st=1 ;; esac
ng_check "rfc5782-null: the test entry 127.0.0.2 is rejected for a bounce" $st
# One key=value line per decision, naming the client and the action.
grep 'client=127\.0\.0\.77 ' "$T/policyd-1.log" | grep -q 'action="\{0,1\}550 5\.7\.1'
ng_check "policyd logged a decision line: client=127.0.0.77 ... action=550 5.7.1" $?

echo "== 2. unlisted client 127.0.0.5"
expect_accept unlisted-null 127.0.0.5 '<>'
expect_accept unlisted-postmaster 127.0.0.5 postmaster@example.org
expect_accept unlisted-mailer-daemon 127.0.0.5 mailer-daemon@example.org
expect_accept unlisted-ordinary 127.0.0.5 bob@example.org

ng_pf_flush 60
ng_check "queue flushed" $?
for c in listed-ordinary listed-null-to-postmaster unlisted-null unlisted-postmaster \
	unlisted-mailer-daemon unlisted-ordinary; do
	sink_file "$c" >/dev/null
	ng_check "$c: delivered at the sink" $?
done
for c in listed-null listed-postmaster listed-mailer-daemon rfc5782-null; do
	! sink_file "$c" >/dev/null
	ng_check "$c: not at the sink" $?
done
acc=$(ng_pf_accepted)
del=$(ng_pf_delivered)
echo "     accepted $acc, delivered $del"
[ "$acc" -eq 6 ] && [ "$del" -eq 6 ]
ng_check "6 accepted = 6 delivered" $?

echo "== 3. DNS server down"
stop_policyd
ng_check "policyd exits 0 on SIGTERM" $?
kill -TERM "$dns_pid" 2>/dev/null
wait "$dns_pid" 2>/dev/null
dead_port=$(ng_dnsd_down_port)
start_policyd "$dead_port"
expect_accept dnsdown-null 127.0.0.77 '<>'
expect_accept dnsdown-ordinary 127.0.0.77 carol@example.org
ng_pf_flush 60
f=$(sink_file dnsdown-null)
ng_check "dnsdown-null: delivered at the sink" $?
if [ -n "$f" ]; then
	h=$(grep -i '^X-Ndrguard:' "$f" | head -n 1)
	echo "     header at the sink: ${h:-none}"
	[ -n "$h" ]
	ng_check "dnsdown-null: tagged with X-Ndrguard" $?
fi
sink_file dnsdown-ordinary >/dev/null
ng_check "dnsdown-ordinary: delivered at the sink" $?

echo "== 4. policyd killed mid-run"
stop_policyd
ng_dnsd_start bl.test "$T/bl.test.data"
dns_port=$NG_DNSD_PORT
start_policyd "$dns_port"
acc0=$(ng_pf_accepted)
del0=$(ng_pf_delivered)
total=${NG_LOAD_MESSAGES:-1500}
"$LOAD" -s "127.0.0.1:$NG_PF_PORT" -n "$total" -c 10 -t 200 -l "$T/load.log" \
	ordinary:8:127.0.1.1-200:user@example.org 'bounce:1:127.0.0.77:<>' \
	listed:1:127.0.0.77:user@example.org >"$T/load.out" 2>&1 &
load_pid=$!
ng_track "$load_pid"
# Kill policyd once a tenth of the messages are in the queue.
i=0
while [ "$(($(ng_pf_accepted) - acc0))" -lt $((total / 10)) ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
killed_at=$(($(ng_pf_accepted) - acc0))
kill -KILL "$policyd_pid"
wait "$policyd_pid" 2>/dev/null
echo "     policyd killed (SIGKILL) after $killed_at accepted messages"
sleep 4
start_policyd "$dns_port"
echo "     policyd restarted"
wait "$load_pid"
load_rc=$?
cat "$T/load.out"
ng_check "smtp_load: every message got an SMTP answer" $load_rc
ng_pf_flush 120
ng_check "queue flushed" $?
field() { # field CLASS KEY
	sed -n "s/^RESULT $1 .*$2=\\([0-9.]*\\).*/\\1/p" "$T/load.out"
}
ok=$(field total ok)
temp=$(field total temp)
b_ok=$(field class=bounce ok)
b_perm=$(field class=bounce perm)
o_perm=$(field class=ordinary perm)
l_perm=$(field class=listed perm)
acc=$(($(ng_pf_accepted) - acc0))
del=$(($(ng_pf_delivered) - del0))
echo "     client 250: $ok, 451: $temp; maillog accepted: $acc; sink delivered: $del"
[ "${temp:-0}" -gt 0 ] && grep -q ' temp .* 451 4\.3\.5' "$T/load.log"
ng_check "Postfix tempfailed (451 4.3.5) while policyd was down" $?
[ "${b_ok:-1}" -eq 0 ] && [ "${b_perm:-0}" -gt 0 ]
ng_check "no bounce from the listed client accepted; $b_perm rejected" $?
[ "${o_perm:-1}" -eq 0 ] && [ "${l_perm:-1}" -eq 0 ]
ng_check "no ordinary message rejected" $?
[ -n "$ok" ] && [ "$ok" -eq "$acc" ] && [ "$acc" -eq "$del" ]
ng_check "nothing lost: accepted $acc = client 250s $ok = delivered $del" $?

echo "== 5. SIGTERM"
stop_policyd
ng_check "policyd exits 0 on SIGTERM" $?

if [ $NG_FAILS -ne 0 ]; then
	diagnose
	ng_fail "$NG_FAILS check(s) failed"
fi
ng_pass "postfix_policyd"
