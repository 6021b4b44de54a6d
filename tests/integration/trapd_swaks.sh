#!/bin/sh
# trapd_swaks.sh NDRGUARD - `ndrguard trapd` end to end with swaks.
#
# trapd listens on a free loopback port with the trap domains
# trap.example and traps2.example and an LMDB store in a temporary
# directory.  swaks talks to it from several 127.0.0.x addresses, one per
# case, and each case is checked in the store with `ndrguard list show
# --format json` (and in trapd's transaction log line):
#
#   127.0.0.11  a DSN bounce (examples/01) from <>          listed: bounce
#   127.0.0.11  a second bounce, to three traps at once      one more hit, not three
#   127.0.0.12  an auto-reply (examples/08) from a user      listed: autoreply
#   127.0.0.13  a sender callout: <>, RCPT, QUIT             listed: callout
#   127.0.0.14  an ordinary message (examples/10)            spam=1, not listed
#   127.0.0.15  a relay attempt                              550 5.7.1, no entry
#   127.0.0.16  a message past trapd_max_message_size        552 5.3.4, no entry
#   127.0.0.17  a bounce from postmaster@, via SIZE= too big 552 at MAIL, no entry
#
#   127.0.0.18  SIGTERM while idle                           421 4.3.2 at once
#   127.0.0.19  SIGTERM inside a transaction                 finishes: 250, recorded, 421
#
# The evidence must not name a trap's local part (it is published).
# trapd exits 0 after SIGTERM, with a final stats line whose hit counters
# match the store.  Needs swaks and python3; skipped (77) without swaks.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/common.sh"

ndrguard=${1:?usage: trapd_swaks.sh NDRGUARD}
command -v swaks >/dev/null 2>&1 || ng_skip "swaks is not installed"

# the interpreter itself, once: a version manager's shim costs a second a call
py=$(python3 -c 'import sys; print(sys.executable)') || ng_skip "python3 is needed"

ng_tmpdir
port=$(ng_free_port)
log=$NG_TMP/trapd.log
cat >"$NG_TMP/ndrguard.conf" <<EOF
trapd_listen = inet:127.0.0.1:$port
trap_domains = trap.example, traps2.example
trapd_hostname = mx.trap.test
trapd_max_message_size = 65536
trapd_idle_timeout = 20s
store = lmdb:$NG_TMP/store
EOF
conf=$NG_TMP/ndrguard.conf

ng_start "$log" "$port" "$ndrguard" trapd -c "$conf"
trapd=$NG_STARTED_PID

failed=0
check() { # check WHAT COMMAND... : run, report
	what=$1
	shift
	if "$@"; then
		ng_pass "$what"
	else
		echo "FAIL: $what"
		failed=1
	fi
}

# swaks FROM-IP ARGS...: one SMTP session; its transcript in $NG_TMP/swaks.out
send() {
	ip=$1
	shift
	swaks --server "127.0.0.1:$port" --local-interface "$ip" --helo "mx.$ip.example" \
		--timeout 20 "$@" >"$NG_TMP/swaks.out" 2>&1
	cat "$NG_TMP/swaks.out" >>"$NG_TMP/swaks.all"
}

replied() { # replied TEXT: the last session got a reply containing TEXT
	grep -qE "^<(-|\*\*) +$1" "$NG_TMP/swaks.out" # swaks: "<-  250 ...", "<** 552 ..."
}

# show IP: `list show --format json` into $NG_TMP/show.json; its exit status
show() {
	"$ndrguard" list -c "$conf" show "$1" --format json >"$NG_TMP/show.json" 2>"$NG_TMP/show.err"
}

# json EXPR: evaluate a Python expression over the last show (j = the document)
json() {
	"$py" -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
		"$NG_TMP/show.json"
}

hits() { # hits CATEGORY: the hits of the first entry in the last show
	"$py" -c "import json,sys; j=json.load(open(sys.argv[1])); e=j['entries']; \
print(e[0]['hits'][sys.argv[2]] if e else 0)" "$NG_TMP/show.json" "$1"
}

# --- a DSN bounce from <> ---
send 127.0.0.11 --from '<>' --to jdoe7@trap.example --data "$top/examples/01-postfix-userunknown.eml"
check "bounce accepted with 250" replied "250 2.0.0"
show 127.0.0.11
check "bounce: 127.0.0.11 listed" json "j['listed'] and j['entries'][0]['categories'] == ['bounce']"
check "bounce: one bounce hit" test "$(hits bounce)" = 1
check "bounce: evidence helo, sender and redacted trap" json \
	"j['entries'][0]['evidence'][0]['helo'] == 'mx.127.0.0.11.example' and \
j['entries'][0]['evidence'][0]['sender'] == '' and \
j['entries'][0]['evidence'][0]['rcpt'] == '<trap>@trap.example'"
check "bounce: evidence says ndr" json "'Class: ndr' in j['entries'][0]['evidence'][0]['headers']"
check "bounce: log line" grep -q 'client=127.0.0.11 .*class=ndr .*category=bounce recorded=yes' "$log"

# --- a second bounce to three traps: one hit per transaction ---
send 127.0.0.11 --from '<>' --to 'a1@trap.example,a2@trap.example,b1@traps2.example' \
	--data "$top/examples/07-delay-dsn.eml"
check "second bounce accepted" replied "250 2.0.0"
show 127.0.0.11
check "three traps, one transaction: bounce=2" test "$(hits bounce)" = 2

# --- an auto-reply from an ordinary sender ---
send 127.0.0.12 --from 'bob.keller@example.org' --to jdoe7@trap.example \
	--data "$top/examples/08-autoreply-vacation.eml"
show 127.0.0.12
check "autoreply: 127.0.0.12 listed" json "j['listed'] and j['entries'][0]['categories'] == ['autoreply']"
check "autoreply: one hit" test "$(hits autoreply)" = 1

# --- a sender callout: <>, RCPT, QUIT without DATA ---
send 127.0.0.13 --from '<>' --to jdoe7@traps2.example --quit-after RCPT
check "callout: RCPT accepted" replied "250 2.1.5"
show 127.0.0.13
check "callout: 127.0.0.13 listed" json "j['listed'] and j['entries'][0]['categories'] == ['callout']"
check "callout: one hit" test "$(hits callout)" = 1
check "callout: log line" grep -q 'client=127.0.0.13 .*end=no-data ended_by="QUIT" .*category=callout recorded=yes' "$log"

# --- ordinary mail: counted, never listed ---
send 127.0.0.14 --from 'alice@example.com' --to jdoe7@trap.example \
	--data "$top/examples/10-ordinary-mail.eml"
check "ordinary mail accepted with 250" replied "250 2.0.0"
show 127.0.0.14
rc=$?
check "ordinary mail: 127.0.0.14 not listed (exit 1)" test "$rc" = 1
check "ordinary mail: spam=1, no evidence" json \
	"not j['listed'] and j['entries'][0]['hits']['spam'] == 1 and j['entries'][0]['evidence'] == []"

# --- a relay attempt ---
send 127.0.0.15 --from 'spammer@example.net' --to victim@elsewhere.example
check "relay refused 550 5.7.1" replied "550 5.7.1"
show 127.0.0.15
check "relay: no entry" json "not j['listed'] and j['entries'] == []"

# --- a message past trapd_max_message_size ---
"$py" - "$NG_TMP/big.eml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("From: MAILER-DAEMON@mx.example.net\r\nSubject: Undelivered Mail\r\n\r\n")
    for i in range(2000):
        f.write("%05d this line is filler to grow the message past the size limit\r\n" % i)
PY
send 127.0.0.16 --from '<>' --to jdoe7@trap.example --data "$NG_TMP/big.eml"
check "oversize refused 552 5.3.4" replied "552 5.3.4"
show 127.0.0.16
check "oversize: no entry" json "j['entries'] == []"
check "oversize: log line" grep -q 'client=127.0.0.16 .*end=oversize .*recorded=no' "$log"

# --- SIZE= declared too big at MAIL ---
"$py" - "$port" <<'PY' >"$NG_TMP/size.out" 2>&1
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10, ("127.0.0.17", 0))
f = s.makefile("rb")
def reply():
    lines = []
    while True:
        l = f.readline().decode()
        lines.append(l.strip())
        if l[3:4] != "-":
            return lines
print(reply())
s.sendall(b"EHLO mx.example\r\n")
print(reply())
s.sendall(b"MAIL FROM:<postmaster@mx.example> SIZE=999999\r\n")
print(reply())
s.sendall(b"QUIT\r\n")
print(reply())
PY
check "EHLO advertises SIZE 65536 and PIPELINING" grep -q "'250-PIPELINING', '250-SIZE 65536'" "$NG_TMP/size.out"
check "SIZE too big refused at MAIL 552" grep -q "552 5.3.4" "$NG_TMP/size.out"
show 127.0.0.17
check "SIZE: no entry" json "j['entries'] == []"

# --- no trap local part in anything published ---
"$ndrguard" list -c "$conf" export --format text >"$NG_TMP/export.txt"
for ip in 127.0.0.11 127.0.0.12 127.0.0.13; do
	"$ndrguard" list -c "$conf" show "$ip" --format json >>"$NG_TMP/export.txt"
done
check "no trap local part in the store's evidence" sh -c "! grep -qE 'jdoe7|a1@|a2@|b1@' '$NG_TMP/export.txt'"

# --- SIGTERM: an idle session gets 421 at once; one inside a transaction
# finishes its message (recorded), then gets 421; trapd exits 0 ---
"$py" - "$port" "$top/examples/01-postfix-userunknown.eml" "$NG_TMP" <<'PY' >"$NG_TMP/drain.out" 2>&1 &
import os, socket, sys, time
port, msgfile, tmp = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def session(src):
    s = socket.create_connection(("127.0.0.1", port), 10, (src, 0))
    return s, s.makefile("rb")
def reply(f):
    while True:
        l = f.readline().decode()
        if l[3:4] != "-":
            return l.strip()
idle, fi = session("127.0.0.18")
busy, fb = session("127.0.0.19")
reply(fi); reply(fb)
idle.sendall(b"EHLO idle.example\r\n"); reply(fi)
busy.sendall(b"EHLO busy.example\r\n"); reply(fb)
for cmd in (b"MAIL FROM:<>\r\n", b"RCPT TO:<busy@trap.example>\r\n"):
    busy.sendall(cmd); reply(fb)
open(tmp + "/drain.ready", "w").close()
while not os.path.exists(tmp + "/drain.go"):
    time.sleep(0.05)
print("idle:", reply(fi))
busy.sendall(b"DATA\r\n"); print("data:", reply(fb))
body = open(msgfile, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
busy.sendall(body.replace(b"\r\n.", b"\r\n..") + b".\r\n")
print("end of data:", reply(fb))
print("after:", reply(fb))
print("closed:", fb.read() == b"")
PY
client=$!
n=0
while [ ! -e "$NG_TMP/drain.ready" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
kill -TERM "$trapd"
sleep 0.5
touch "$NG_TMP/drain.go"
wait "$client"
n=0
while kill -0 "$trapd" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
wait "$trapd"
rc=$?
check "SIGTERM: the idle session gets 421 4.3.2" grep -q "^idle: 421 4.3.2" "$NG_TMP/drain.out"
check "SIGTERM: the open transaction finishes (354, 250)" sh -c \
	"grep -q '^data: 354' '$NG_TMP/drain.out' && grep -q '^end of data: 250 2.0.0' '$NG_TMP/drain.out'"
check "SIGTERM: then 421 and close" sh -c "grep -q '^after: 421 4.3.2' '$NG_TMP/drain.out' && grep -q '^closed: True' '$NG_TMP/drain.out'"
check "SIGTERM: exit 0" test "$rc" = 0
show 127.0.0.19
check "SIGTERM: the message finished while stopping is recorded" test "$(hits bounce)" = 1

# --- the counters match the store ---
check "final stats: hits" grep -q 'stats final .*hits_bounce=3 hits_autoreply=1 hits_callout=1 hits_spam=1 record_errors=0' "$log"
check "final stats: relay, oversize" grep -q 'stats final .*relay_refused=1 .*oversize=1 ' "$log"

if [ "$failed" != 0 ]; then
	echo "--- trapd log"
	cat "$log"
	echo "--- swaks"
	cat "$NG_TMP/swaks.all"
	ng_fail "trapd_swaks"
fi
ng_pass "trapd_swaks: every case"
