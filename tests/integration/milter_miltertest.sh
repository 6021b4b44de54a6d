#!/bin/sh
# milter_miltertest.sh - `ndrguard milter` at the protocol level, driven by
# miltertest(8) scripts (tests/integration/milter_*.lua).
#
# usage: tests/integration/milter_miltertest.sh NDRGUARD
#
# rbldnsd (dnsd.sh) serves bl.test with 127.0.0.77 listed (TXT record) and
# the RFC 5782 entry 127.0.0.2.  The milter runs on a free loopback port
# with dns_servers pointing at rbldnsd.  Cases:
#   listed_dsn     DSN from notifications@ at 127.0.0.77 -> 550 5.7.1 at eom
#                  (miltertest cannot read a reply's text: the log line shows it)
#   unlisted_dsn   the same from 127.0.0.5 -> accepted, no header
#   ordinary       ordinary mail from 127.0.0.77 -> accepted, body skipped;
#                  then a <> DSN on the same connection -> rejected
#   autoreply      Auto-Submitted: auto-replied from 127.0.0.77 -> 550
#   multi_rcpt     <> DSN to two recipients from 127.0.0.5 -> header
#   unlisted_dsn   again with milter_tag_classified = yes (second milter)
#                  -> accepted with X-Ndrguard
# and the milter's log must hold one "message" line per message, and it
# must exit 0 on SIGTERM (under ASan: no leak).  Then, with a python3
# client: a malformed packet closes its connection (logged), SIGTERM waits
# for an open session and SIGINT ends it; exit 0.
#
# Exit 0 pass, 1 fail, 77 skip (no miltertest or rbldnsd).

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$here/common.sh"
. "$here/dnsd.sh"

[ $# -ge 1 ] || { echo "usage: $0 NDRGUARD" >&2; exit 2; }
NDRGUARD=$1
[ -x "$NDRGUARD" ] || ng_fail "$NDRGUARD: not an executable"
command -v miltertest >/dev/null 2>&1 || ng_skip "miltertest not installed"
ng_dnsd_require
ng_tmpdir
T=$NG_TMP

ng_dnsd_data "$T/bl.test.data" '127.0.0.77 :127.0.0.2:Backscatter from $ see http://bl.test/$'
ng_dnsd_start bl.test "$T/bl.test.data"

milter_pid=""
# start_milter NAME [-o k=v]...: a milter on a fresh port (MPORT).
start_milter() {
	name=$1
	shift
	MPORT=$(ng_free_port)
	ng_start "$T/milter-$name.log" "$MPORT" \
		"$NDRGUARD" milter -o "milter_listen=inet:127.0.0.1:$MPORT" \
		-o "dns_servers=127.0.0.1:$NG_DNSD_PORT" -o "dnsbl_zones=bl.test=127.0.0.2" "$@"
	milter_pid=$NG_STARTED_PID
}
stop_milter() {
	ng_stop "$milter_pid" 30
	st=$?
	[ $st = 0 ]
	ng_check "milter exits 0 on SIGTERM ($1)" $?
}
# run CASE CLIENT [VAR=VALUE]...
run() {
	case_=$1
	cl=$2
	shift 2
	defs=""
	for d in "$@"; do defs="$defs -D $d"; done
	# shellcheck disable=SC2086 # $defs is a list of options
	miltertest -s "$here/milter_$case_.lua" -D "port=$MPORT" -D "srcdir=$src" \
		-D "client=$cl" $defs >"$T/mt-$case_-$cl.out" 2>&1
	st=$?
	sed 's/^/     /' "$T/mt-$case_-$cl.out" | grep -v '^     ok ' | head -20
	ng_check "miltertest $case_ (client $cl)" $st
}

start_milter plain
run listed_dsn 127.0.0.77
run unlisted_dsn 127.0.0.5 tagged=0
run ordinary 127.0.0.77
run autoreply 127.0.0.77
run multi_rcpt 127.0.0.5
sleep 0.5
n=$(grep -c ' message client=' "$T/milter-plain.log")
[ "$n" -eq 6 ]
ng_check "one log line per message (6, got $n)" $?
grep ' message client=127\.0\.0\.77 .*sender="notifications@' "$T/milter-plain.log" |
	grep 'class=ndr .*action=reject' |
	grep -q 'reply="550 5\.7\.1 .*Backscatter from 127\.0\.0\.77 see http://bl\.test/127\.0\.0\.77'
ng_check "log: notifications@ from 127.0.0.77, class=ndr, 550 5.7.1 with the TXT" $?
grep ' message client=127\.0\.0\.77 .*sender="greta@' "$T/milter-plain.log" |
	grep -q 'class=autoreply .*action=reject .*reply="550 5\.7\.1 '
ng_check "log: the auto-reply from 127.0.0.77 rejected 550 5.7.1" $?
grep ' message client=127\.0\.0\.77 ' "$T/milter-plain.log" | grep 'candidate=no' |
	grep -q 'action=accept'
ng_check "log: ordinary mail candidate=no action=accept" $?
stop_milter plain

start_milter tagged -o milter_tag_classified=yes
run unlisted_dsn 127.0.0.5 tagged=1
stop_milter tagged

# Signals and bad input, with a python3 client speaking the protocol:
# a malformed packet closes its connection with a warning; SIGTERM waits
# for a session that is still open, SIGINT then ends it at once.
if command -v python3 >/dev/null 2>&1; then
	start_milter signals
	python3 - "$MPORT" "$milter_pid" >"$T/signals.out" 2>&1 <<'PY'
import os, signal, socket, struct, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(struct.pack(">IcIII", 13, b"O", 6, 0x1ff, 0x1fffff))
    n = struct.unpack(">I", s.recv(4))[0]
    body = b""
    while len(body) < n:
        body += s.recv(n - len(body))
    assert body[:1] == b"O", body
    return s
def closed(s):
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
bad = conn()
bad.sendall(struct.pack(">I", 0))              # a packet of length 0
print("bad packet closes" if closed(bad) else "bad packet left open")
idle = conn()                                   # an open session
os.kill(pid, signal.SIGTERM)
time.sleep(1.5)
try:
    os.kill(pid, 0)
    print("TERM waits for the open session")
except ProcessLookupError:
    print("TERM did not wait")
os.kill(pid, signal.SIGINT)
print("INT closes the session" if closed(idle) else "INT left the session open")
PY
	sed 's/^/     /' "$T/signals.out"
	grep -q '^bad packet closes' "$T/signals.out"
	ng_check "a malformed packet closes its connection" $?
	grep -q 'milter connection: empty packet: closed' "$T/milter-signals.log"
	ng_check "log: the malformed packet named" $?
	grep -q '^TERM waits for the open session' "$T/signals.out"
	ng_check "SIGTERM waits for an open session" $?
	grep -q '^INT closes the session' "$T/signals.out"
	ng_check "SIGINT then closes it" $?
	ng_stop "$milter_pid" 10
	ng_check "milter exits 0 after SIGTERM and SIGINT" $?
fi

if [ $NG_FAILS -ne 0 ]; then
	echo "--- milter logs"
	tail -n 20 "$T"/milter-*.log
	ng_fail "$NG_FAILS check(s) failed"
fi
ng_pass "milter_miltertest"
