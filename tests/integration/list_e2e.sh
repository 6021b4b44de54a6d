#!/bin/sh
# list_e2e.sh NDRGUARD - the list side end to end: traps, store, DNS.
#
# `ndrguard trapd` and `ndrguard dnsbld` share one LMDB store in a
# temporary directory, on loopback high ports.  swaks sends, each from its
# own address:
#   127.0.0.21  a bounce (a Postfix DSN from <>) to a trap address
#   127.0.0.22  a sender callout: MAIL FROM:<>, RCPT to a trap, QUIT
#   127.0.0.23  an ordinary message to a trap
# Then dig and `ndrguard lookup` against dnsbld find .21 listed with
# 127.0.0.2 (bounce) and the TXT, .22 with 127.0.0.4 (callout), .23 not
# listed; `ndrguard list del` removes .21 and dnsbld stops answering for it;
# a new bounce from .21 lists it again; with the clock moved past
# listing_days (`list show --now`), it is no longer listed.
#
# Exit 0 pass, 1 fail, 77 skip (no swaks or dig).
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/common.sh"

ndrguard=${1:?usage: list_e2e.sh NDRGUARD}
command -v swaks >/dev/null 2>&1 || ng_skip "swaks is not installed"
command -v dig >/dev/null 2>&1 || ng_skip "dig is not installed"

ng_tmpdir
T=$NG_TMP
sport=$(ng_free_port)
dport=$(ng_free_port)
cat >"$T/ndrguard.conf" <<EOF
trapd_listen = inet:127.0.0.1:$sport
trap_domains = trap.example
store = lmdb:$T/store
dnsbld_listen = 127.0.0.1:$dport
dnsbld_zone = bl.test
dnsbld_txt_template = Backscatter from \$, see http://bl.test/lookup?ip=\$
dnsbld_reload_interval = 1s
listing_days = 28
EOF
conf=$T/ndrguard.conf
ng_start "$T/trapd.log" "$sport" "$ndrguard" trapd -c "$conf"
TRAPD=$NG_STARTED_PID
ng_start "$T/dnsbld.log" "$dport" "$ndrguard" dnsbld -c "$conf"
DNSBLD=$NG_STARTED_PID

send() { # send FROM_IP SWAKS_ARGS...
	_ip=$1
	shift
	swaks --server "127.0.0.1:$sport" --local-interface "$_ip" --helo "mx.$_ip.example" \
		--timeout 20 "$@" >>"$T/swaks.out" 2>&1
}
a() { dig +short +norec -p "$dport" @127.0.0.1 "$1" A | sort | tr '\n' ' ' | sed 's/ $//'; }
txt() { dig +short +norec -p "$dport" @127.0.0.1 "$1" TXT; }
rcode() { dig +norec -p "$dport" @127.0.0.1 "$1" A | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
# dnsbld rebuilds every second: wait until NAME's A answer is WANT
wait_a() {
	_i=0
	while [ $_i -lt 50 ]; do
		[ "$(a "$1")" = "$2" ] && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}
lookup() {
	"$ndrguard" lookup -o dnsbl_zones=bl.test -o "dns_servers=127.0.0.1:$dport" "$@"
}

send 127.0.0.21 --from '<>' --to jdoe@trap.example --data "$top/examples/01-postfix-userunknown.eml"
ng_check "a bounce to a trap is accepted" $?
send 127.0.0.22 --from '<>' --to mary@trap.example --quit-after RCPT
ng_check "a sender callout to a trap" $?
send 127.0.0.23 --from someone@example.org --to sales@trap.example \
	--data "$top/examples/10-ordinary-mail.eml"
ng_check "ordinary mail to a trap is accepted" $?

wait_a 21.0.0.127.bl.test 127.0.0.2
ng_check "dig: 127.0.0.21 listed with 127.0.0.2 (bounce)" $?
t=$(txt 21.0.0.127.bl.test)
[ "$t" = '"Backscatter from 127.0.0.21, see http://bl.test/lookup?ip=127.0.0.21"' ]
ng_check "dig: its TXT names the IP ($t)" $?
wait_a 22.0.0.127.bl.test 127.0.0.4
ng_check "dig: 127.0.0.22 listed with 127.0.0.4 (callout)" $?
[ "$(rcode 23.0.0.127.bl.test)" = NXDOMAIN ]
ng_check "dig: 127.0.0.23 (ordinary mail) not listed: NXDOMAIN" $?
[ "$(a 2.0.0.127.bl.test)" != "" ] && [ "$(rcode 1.0.0.127.bl.test)" = NXDOMAIN ]
ng_check "dig: the RFC 5782 test entries (127.0.0.2 listed, 127.0.0.1 not)" $?
lookup 127.0.0.21 >"$T/lookup.out"
rc=$?
[ $rc = 0 ] && grep -q "127.0.0.2" "$T/lookup.out"
ng_check "ndrguard lookup: 127.0.0.21 listed (exit $rc)" $?
lookup 127.0.0.23 >/dev/null
[ $? = 1 ]
ng_check "ndrguard lookup: 127.0.0.23 not listed (exit 1)" $?
"$ndrguard" list -c "$conf" show 127.0.0.23 --format json >"$T/show23.json"
grep -q '"spam":1' "$T/show23.json" || grep -q '"spam": 1' "$T/show23.json"
ng_check "the ordinary message is counted as spam" $?

"$ndrguard" list -c "$conf" del 127.0.0.21 --reason "test delisting" >/dev/null
ng_check "list del 127.0.0.21" $?
wait_a 21.0.0.127.bl.test ""
ng_check "dnsbld no longer lists 127.0.0.21" $?
send 127.0.0.21 --from '<>' --to jdoe@trap.example --data "$top/examples/01-postfix-userunknown.eml"
wait_a 21.0.0.127.bl.test 127.0.0.2
ng_check "a new bounce lists 127.0.0.21 again" $?
"$ndrguard" list -c "$conf" show 127.0.0.21 --format json >"$T/show21.json"
grep -q '"delistings":1' "$T/show21.json" || grep -q '"delistings": 1' "$T/show21.json"
ng_check "its back-off counter says one delisting" $?

now=$(date +%s)
"$ndrguard" list -c "$conf" --now "$((now + 20 * 86400))" show 127.0.0.22 >/dev/null
ng_check "20 days later 127.0.0.22 is still listed" $?
"$ndrguard" list -c "$conf" --now "$((now + 29 * 86400))" show 127.0.0.22 >/dev/null
[ $? = 1 ]
ng_check "29 days later (listing_days = 28) it has expired" $?

ng_stop "$TRAPD"
ng_check "trapd exits 0 on SIGTERM" $?
ng_stop "$DNSBLD"
ng_check "dnsbld exits 0 on SIGTERM" $?

if [ $NG_FAILS -ne 0 ]; then
	echo "--- trapd log"
	tail -20 "$T/trapd.log"
	echo "--- dnsbld log"
	tail -20 "$T/dnsbld.log"
	ng_fail "$NG_FAILS check(s) failed"
fi
ng_pass "traps to DNS end to end"
