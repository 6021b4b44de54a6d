#!/bin/sh
# bench-relay.sh - what the outbound relay guard (`ndrguard milter --relay`)
# costs a hosted relay, end to end: the relay's outbound listener with no
# milter (N), with a no-op libmilter milter (O, bench/noop_milter.c, for
# reference) and with the relay guard (G), at 20 and at 2 concurrent SMTP
# sessions from the tenant.  The goal: G <= 1.10 x N in wall time.
#
# usage: bench/bench-relay.sh NDRGUARD [ROUNDS [MESSAGES]]
#        (defaults 5 rounds, 2000 messages a run at 20 sessions; the
#        2-session runs send MESSAGES2, default MESSAGES/2; env ROUNDS,
#        MESSAGES, MESSAGES2, SESSIONS, VARIANTS, SOCKET, DOMAINS work too)
#
#   SESSIONS  default "20 2": the concurrent sessions of each configuration
#   VARIANTS  default "N O G"; O is left out (with a note) without
#             libmilter-dev
#   SOCKET    unix (default) or tcp: where both milters listen
#   DOMAINS   default 20: forged and legitimate sender domains (each with
#             an SPF record) the bounces cycle through
#   PER_CONN  default 1: messages per SMTP connection (a tenant's MTA with
#             a queue sends several on one; Postfix opens a milter
#             connection per SMTP connection)
#
# One throwaway Postfix (tests/integration/postfix.sh, smtpd not chrooted,
# relaying to smtp-sink), milter_protocol = 6, milter_default_action =
# tempfail, milter_header_checks turning the guard's X-Ndrguard-Route
# header into FILTER, and the bounce-pool transport `bouncepool` (smtp,
# bound to 127.0.0.9, syslog name postfix-bouncepool) whose next hop is the
# same sink.  Every variant has its own smtpd listener on that instance
# (master.cf, -o smtpd_milters=...), so nothing is reloaded between runs and
# all share cleanup, the queue and the delivery agents.  The guard: tenant
# "acme" is 127.0.0.3/32, relay_internal_networks 127.0.0.1/32, store lmdb
# and quarantine Maildir in the temporary directory, relay_bounce_rate =
# relay_bounce_domain_rate = 0 (no budget: nothing is deferred), log_level
# info (one line per judged message, as in production), SPF records from
# rbldnsd (tests/integration/dnsd.sh, a generic zone "example").
#
# The load: a small python3 client written by this script (PER_CONN
# messages per connection, default one; no pipelining, SESSIONS connections in flight, every one from
# the tenant's 127.0.0.3; bench/smtp_load.c sends one fixed body for every
# class, so it cannot send reports).  Message i is, by i mod 20:
#   0-17  ordinary outbound mail of the tenant, 2 KB text/plain (90%);
#   18    a Postfix non-delivery report (null sender, multipart/report with
#         message/delivery-status and the returned message/rfc822, 3.2 KB)
#         of a spam with a forged sender @forgedD.example that 127.0.0.5
#         handed to the relay; forgedD.example's SPF record does not
#         authorise 127.0.0.5: spf_fail -> backscatter -> quarantine (5%);
#   19    the same for a genuine message from @legitD.example via
#         127.0.0.6, which its SPF record authorises: spf_pass, the
#         original not in the message log -> unknown -> route to the bounce
#         pool (5%).
# Every Message-ID is unique.  The client's own CPU time is reported too.
#
# Checked after every run (a wrong count makes the exit status 1): no 4xx,
# 5xx or connection error; client 2xx = Postfix's queue ids + milter
# discards; sink = queue ids (the queue drains); in G: bounces quarantined
# = forged bounces = milter-discard lines = new quarantine files, bounces
# routed = legitimate bounces = bounce-pool deliveries, one guard log line
# per bounce (ordinary mail is accepted at end of headers and not logged);
# in N and O nothing is discarded or routed.  Printed per run: wall time,
# messages/s, the median time a message takes per class (connect to the
# end-of-data reply, client side), the accounting (accepted = sink +
# quarantined), in G the median of the guard's usec= per bounce (MAIL FROM
# to end of data as the milter sees it, so waiting for Postfix included),
# the time the queue took to drain after the client finished, CPU seconds
# of the servers (Postfix's processes, the sink, rbldnsd, the milters; the
# milter's own in parentheses) and of the client, and the load average.
#
# Per configuration, ROUNDS rounds run every variant once, in an order that
# rotates between rounds (N O G, G O N, O G N, ...), after one warm-up run
# of each.  A run's time is the client's wall time, first connection to the
# last message's reply; every run waits for an empty queue.  Printed at
# the end: per round the wall times and G/N, G/O, O/N, then the median and
# min-max of each ratio, and the median ratio of server CPU time.
#
# Needs root, postfix, rbldnsd, python3; libmilter-dev (pkg-config milter)
# and a C compiler for O.  Exit 0 done (counts right), 1 a count was wrong
# or a step failed, 2 usage, 77 skipped (no root, Postfix, rbldnsd, python3
# or relay mode in NDRGUARD).  NG_KEEP=1 keeps the temporary directory.

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tests/integration/common.sh"
. "$top/tests/integration/dnsd.sh"
. "$top/tests/integration/postfix.sh"

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
	echo "usage: $0 NDRGUARD [ROUNDS [MESSAGES]]" >&2
	exit 2
fi
NDRGUARD=$1
case "$NDRGUARD" in /*) ;; *) NDRGUARD="$(pwd)/$NDRGUARD" ;; esac
ROUNDS=${2:-${ROUNDS:-5}}
MESSAGES=${3:-${MESSAGES:-2000}}
MESSAGES2=${MESSAGES2:-$((MESSAGES / 2))}
SESSIONS=${SESSIONS:-"20 2"}
VARIANTS=${VARIANTS:-"N O G"}
SOCKET=${SOCKET:-unix}
DOMAINS=${DOMAINS:-20}
PER_CONN=${PER_CONN:-1}
TENANT_IP=127.0.0.3

case "$SOCKET" in unix | tcp) ;; *) echo "$0: SOCKET must be unix or tcp" >&2; exit 2 ;; esac
case "$PER_CONN" in '' | *[!0-9]* | 0) echo "$0: PER_CONN must be a number >= 1" >&2; exit 2 ;; esac
[ -x "$NDRGUARD" ] || { echo "$0: $NDRGUARD: not an executable" >&2; exit 2; }
ng_pf_require
ng_dnsd_require
command -v python3 >/dev/null 2>&1 || ng_skip "python3 not installed"
# the interpreter itself, not a wrapper script that finds it on every call
PY=$(python3 -c 'import sys; print(sys.executable)') || ng_fail "python3 does not run"
"$NDRGUARD" help milter 2>&1 | grep -q -- '--relay' ||
	ng_skip "$NDRGUARD has no relay guard ('milter --relay')"
case " $VARIANTS " in
*" O "*)
	if ! pkg-config --exists milter 2>/dev/null; then
		echo "bench-relay: NOTE: libmilter-dev not installed (pkg-config milter): O skipped"
		VARIANTS=$(echo "$VARIANTS" | tr ' ' '\n' | grep -v '^O$' | tr '\n' ' ')
	fi
	;;
esac
ng_tmpdir
T=$NG_TMP

# --- the load client ---
cat >"$T/relay_load.py" <<'PY'
"""The load client of bench/bench-relay.sh (see its header).

usage: relay_load.py HOST:PORT MESSAGES SESSIONS SRC DOMAINS LOGFILE [PER_CONN]
Output: RESULT lines as bench/smtp_load.c's (plus ms=, the median time from
connect to the end-of-data reply, per class, and cpu= on the total),
SAMPLE lines with the first 4xx/5xx/error per class, and LOGFILE with one
line a message: index class outcome step reply.
"""
import os
import resource
import selectors
import socket
import sys
import time

host, port = sys.argv[1].rsplit(":", 1)
SERVER = (host, int(port))
N, SESS, SRC, DOMAINS, LOG = (int(sys.argv[2]), int(sys.argv[3]), sys.argv[4],
                              int(sys.argv[5]), sys.argv[6])
PER_CONN = int(sys.argv[7]) if len(sys.argv) > 7 else 1  # messages per connection
TIMEOUT = 120.0
NAMES = ("ordinary", "forged", "legit")
DATE = "Thu, 01 Jan 2026 00:00:00 +0000"
FILL = "".join("%c%s\r\n" % (chr(97 + k % 26), "x" * 75) for k in range(40))
ORIG_BODY = FILL[:10 * 78]  # the returned original's body


def ordinary(i):
    d = i % DOMAINS
    h = ("Received: from ws%d.tenant.example (ws%d.tenant.example [10.1.0.%d])\r\n"
         "\tby mx.tenant.example (Postfix) with ESMTPSA id 4Tq%09dA\r\n"
         "\tfor <partner%d@elsewhere%d.example>; %s\r\n"
         "From: Staff %d <staff%d@tenant.example>\r\n"
         "To: <partner%d@elsewhere%d.example>\r\n"
         "Subject: quarterly figures, part %d\r\n"
         "Date: %s\r\n"
         "Message-ID: <%d.out@tenant.example>\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
         % (i % 50, i % 50, i % 250 + 1, i, i, d, DATE, i, i, i, d, i, DATE, i))
    body = FILL[:max(0, (2048 - len(h)) // 78) * 78]  # whole lines: 2 KB in all
    return "staff%d@tenant.example" % i, "partner%d@elsewhere%d.example" % (i, d), h + body


# A Postfix non-delivery report of message i, as the tenant's bounce(8)
# writes it, returning the original with its Received chain: the tenant's
# hop from the relay (internal), then the relay's from the entry hop.
DSN = (
    "Received: by tenant.example (Postfix)\r\n"
    "\tid %(qid)s; %(date)s\r\n"
    "Date: %(date)s\r\n"
    "From: MAILER-DAEMON@tenant.example (Mail Delivery System)\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "To: %(orig)s\r\n"
    "Auto-Submitted: auto-replied\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    "\tboundary=\"%(b)s\"\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "Message-Id: <%(i)d.dsn@tenant.example>\r\n"
    "\r\n"
    "This is a MIME-encapsulated message.\r\n"
    "\r\n"
    "--%(b)s\r\n"
    "Content-Description: Notification\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "This is the mail system at host tenant.example.\r\n"
    "\r\n"
    "I'm sorry to have to inform you that your message could not\r\n"
    "be delivered to one or more recipients. It's attached below.\r\n"
    "\r\n"
    "For further assistance, please send mail to postmaster.\r\n"
    "\r\n"
    "If you do so, please include this problem report. You can\r\n"
    "delete your own text from the attached returned message.\r\n"
    "\r\n"
    "                   The mail system\r\n"
    "\r\n"
    "<%(rcpt)s>: unknown user: \"nosuchuser%(i)d\"\r\n"
    "\r\n"
    "--%(b)s\r\n"
    "Content-Description: Delivery report\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; tenant.example\r\n"
    "X-Postfix-Queue-ID: %(qid)s\r\n"
    "X-Postfix-Sender: rfc822; %(orig)s\r\n"
    "Arrival-Date: %(date)s\r\n"
    "\r\n"
    "Final-Recipient: rfc822; %(rcpt)s\r\n"
    "Original-Recipient: rfc822;%(rcpt)s\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "Diagnostic-Code: X-Postfix; unknown user: \"nosuchuser%(i)d\"\r\n"
    "\r\n"
    "--%(b)s\r\n"
    "Content-Description: Undelivered Message\r\n"
    "Content-Type: message/rfc822\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Return-Path: <%(orig)s>\r\n"
    "Received: from relay.test (localhost [127.0.0.1])\r\n"
    "\tby tenant.example (Postfix) with ESMTP id %(qid)sC\r\n"
    "\tfor <%(rcpt)s>; %(date)s\r\n"
    "Received: from %(helo)s (unknown [%(hop)s])\r\n"
    "\tby relay.test (Postfix) with ESMTP id %(qid)sD\r\n"
    "\tfor <%(rcpt)s>; %(date)s\r\n"
    "From: <%(orig)s>\r\n"
    "To: <%(rcpt)s>\r\n"
    "Subject: %(subj)s\r\n"
    "Date: %(date)s\r\n"
    "Message-Id: <%(i)d.orig@%(helo)s>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "%(body)s"
    "\r\n"
    "--%(b)s--\r\n")


def report(i, forged):
    d = i % DOMAINS
    dom = ("forged%d.example" if forged else "legit%d.example") % d
    helo = "client%d.example.net" % (i % 97) if forged else "mail.%s" % dom
    orig = "u%d@%s" % (i, dom)
    qid = "4Tq%09dB" % i
    return "", orig, DSN % {
        "qid": qid, "date": DATE, "orig": orig, "rcpt": "nosuchuser%d@tenant.example" % i,
        "b": "%s.1767225600/tenant.example" % qid, "i": i,
        "hop": "127.0.0.5" if forged else "127.0.0.6", "helo": helo, "body": ORIG_BODY,
        "subj": ("cheap watches %d" if forged else "meeting notes %d") % i}


def message(i):
    r = i % 20
    if r < 18:
        return (0,) + ordinary(i)
    return (r - 17,) + report(i, r == 18)


CONNECT, BANNER, EHLO, MAIL, RCPT, DATA, DOT, QUIT = range(8)
STEP = ("connect", "banner", "ehlo", "mail", "rcpt", "data", "dot", "quit")
KIND = {"ok": 1, "temp": 2, "perm": 3, "err": 4}
counts = [[0, 0, 0, 0, 0] for _ in NAMES]  # sent ok temp perm err
samples = {}
lat = [[] for _ in NAMES]  # seconds from connect to the last reply that counted
log = []
sel = selectors.DefaultSelector()
started = 0
active = 0


class Sess:
    __slots__ = ("sock", "step", "idx", "cls", "sender", "rcpt", "body", "out", "inb",
                 "t0", "deadline", "done", "nmsg")


def next_message(s):
    """The next message of the run on session s (its clock starts now)."""
    global started
    s.idx = started
    started += 1
    s.cls, s.sender, s.rcpt, s.body = message(s.idx)
    counts[s.cls][0] += 1
    s.done = False
    s.nmsg += 1
    s.t0 = time.monotonic()
    s.deadline = s.t0 + TIMEOUT


def outcome(s, kind, text):
    if s.done:
        return
    s.done = True
    counts[s.cls][KIND[kind]] += 1
    lat[s.cls].append(time.monotonic() - s.t0)
    log.append("%d %s %s %s %s\n" % (s.idx, NAMES[s.cls], kind, STEP[s.step], text))
    if kind != "ok" and s.cls not in samples:
        samples[s.cls] = text


def close(s):
    global active
    try:
        sel.unregister(s.sock)
    except (KeyError, ValueError):
        pass
    s.sock.close()
    s.sock = None
    active -= 1


def start():
    global active
    s = Sess()
    s.nmsg = 0
    next_message(s)
    s.inb = s.out = b""
    s.step = CONNECT
    sk = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sk.setblocking(False)
    sk.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sock = sk
    active += 1
    try:
        sk.bind((SRC, 0))
        sk.connect_ex(SERVER)
        sel.register(sk, selectors.EVENT_WRITE, s)
    except OSError as e:
        outcome(s, "err", str(e))
        close(s)


def send(s, data):
    s.out += data
    try:
        n = s.sock.send(s.out)
    except BlockingIOError:
        n = 0
    except OSError as e:
        outcome(s, "err", str(e))
        close(s)
        return
    s.out = s.out[n:]
    sel.modify(s.sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if s.out else 0), s)


def on_reply(s, code, text):
    if s.step == QUIT:
        close(s)
        return
    if code >= 400 or (s.step == DATA and code != 354):
        outcome(s, "temp" if 400 <= code < 500 else "perm" if code >= 500 else "err", text)
        if code == 421:
            close(s)
            return
        s.step = QUIT
        send(s, b"QUIT\r\n")
        return
    if s.step == BANNER:
        s.step = EHLO
        send(s, b"EHLO mx.tenant.example\r\n")
    elif s.step == EHLO:
        s.step = MAIL
        send(s, ("MAIL FROM:<%s>\r\n" % s.sender).encode())
    elif s.step == MAIL:
        s.step = RCPT
        send(s, ("RCPT TO:<%s>\r\n" % s.rcpt).encode())
    elif s.step == RCPT:
        s.step = DATA
        send(s, b"DATA\r\n")
    elif s.step == DATA:
        s.step = DOT
        send(s, (s.body + ".\r\n").encode())
    elif s.step == DOT:
        outcome(s, "ok", text)
        if s.nmsg < PER_CONN and started < N:
            next_message(s)  # the same connection, as a client with a queue does
            s.step = MAIL
            send(s, ("MAIL FROM:<%s>\r\n" % s.sender).encode())
            return
        s.step = QUIT
        send(s, b"QUIT\r\n")


def on_read(s):
    err = "connection closed by server"
    try:
        d = s.sock.recv(8192)
    except BlockingIOError:
        return
    except OSError as e:
        d, err = b"", str(e)
    if not d:
        if not (s.step == QUIT and s.done):
            outcome(s, "err", err)
        close(s)
        return
    s.inb += d
    while s.sock is not None:
        # a complete reply ends with a line whose 4th character is not '-'
        b = 0
        while True:
            nl = s.inb.find(b"\n", b)
            if nl < 0:
                return
            if nl - b >= 3 and s.inb[b + 3:b + 4] != b"-":
                break
            b = nl + 1
        line = s.inb[b:nl].rstrip(b"\r").decode("latin-1")
        s.inb = s.inb[nl + 1:]
        if not line[:3].isdigit():
            outcome(s, "err", line)
            close(s)
            return
        on_reply(s, int(line[:3]), line)


t0 = time.monotonic()
while True:
    while active < SESS and started < N:
        start()
    if active == 0 and started >= N:
        break
    for key, ev in sel.select(1.0):
        s = key.data
        if s.sock is None:
            continue
        if s.step == CONNECT:
            e = s.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if e:
                outcome(s, "err", os.strerror(e))
                close(s)
            else:
                s.step = BANNER
                sel.modify(s.sock, selectors.EVENT_READ, s)
            continue
        if ev & selectors.EVENT_READ:
            on_read(s)
        if s.sock is not None and ev & selectors.EVENT_WRITE and s.out:
            send(s, b"")
    now = time.monotonic()
    for key in list(sel.get_map().values()):
        if now > key.data.deadline:
            outcome(key.data, "err", "timeout")
            close(key.data)
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
tot = [sum(c[k] for c in counts) for k in range(5)]
with open(LOG, "w") as f:
    f.writelines(log)
for name, c, ls in zip(NAMES, counts, lat):
    ls.sort()
    print("RESULT class=%s sent=%d ok=%d temp=%d perm=%d err=%d ms=%.2f"
          % ((name,) + tuple(c) + (1000 * ls[len(ls) // 2] if ls else 0,)))
print("RESULT total sent=%d ok=%d temp=%d perm=%d err=%d wall=%.3f cpu=%.3f"
      % (tuple(tot) + (wall, ru.ru_utime + ru.ru_stime)))
for k, text in sorted(samples.items()):
    print("SAMPLE class=%s reply=%s" % (NAMES[k], text))
sys.exit(1 if tot[4] else 0)
PY

# --- the no-op milter (O), optimised ---
case " $VARIANTS " in
*" O "*)
	# shellcheck disable=SC2046 # pkg-config output is several words
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -o "$T/noop_milter" "$here/noop_milter.c" \
		$(pkg-config --cflags --libs milter) -pthread || ng_fail "cannot build bench/noop_milter.c"
	;;
esac

# --- rbldnsd: the SPF records ---
{
	echo '$SOA 60 ns.example. hostmaster.example. 1 600 300 86400 30'
	echo '$NS 600 ns.example.'
	d=0
	while [ $d -lt "$DOMAINS" ]; do
		echo "forged$d TXT \"v=spf1 ip4:192.0.2.0/24 -all\""
		echo "legit$d TXT \"v=spf1 ip4:127.0.0.6 -all\""
		d=$((d + 1))
	done
} >"$T/spf.zone"
chmod 644 "$T/spf.zone"
ng_dnsd_start example "generic:$T/spf.zone"

# --- Postfix: the relay, not chrooted; its first listener is N's ---
printf '/^X-Ndrguard-Route:\\s*(\\S+)/ FILTER $1\n' >"$T/milter_header_checks"
chmod 644 "$T/milter_header_checks"
ng_pf_start "milter_protocol = 6" "milter_default_action = tempfail" "smtpd_milters =" \
	"milter_header_checks = regexp:$T/milter_header_checks"
# shellcheck disable=SC2034 # read through eval
PORT_N=$NG_PF_PORT

# --- the milters ---
wait_listen() { # wait_listen SPEC(unix:PATH|inet:HOST:PORT) PID LOG
	case $1 in
	unix:*)
		_i=0
		while [ ! -S "${1#unix:}" ] && [ $_i -lt 150 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		[ -S "${1#unix:}" ] && chmod 666 "${1#unix:}"
		;;
	inet:*)
		_p=${1##*:}
		ng_wait_port 127.0.0.1 "$_p" 15
		;;
	esac
	_ok=$?
	if [ $_ok -ne 0 ] || ! kill -0 "$2" 2>/dev/null; then
		cat "$3"
		ng_fail "milter did not listen on $1"
	fi
}
listen_spec() { # listen_spec NAME: a unix socket path or a free port
	if [ "$SOCKET" = unix ]; then
		echo "unix:$T/$1.sock"
	else
		echo "inet:127.0.0.1:$(ng_free_port)"
	fi
}

# shellcheck disable=SC2034 # read through eval
SPEC_N=""
O_PID="" G_PID=""
case " $VARIANTS " in
*" O "*)
	SPEC_O=$(listen_spec noop)
	case $SPEC_O in
	unix:*) lm=$SPEC_O ;;
	*) lm="inet:${SPEC_O##*:}@127.0.0.1" ;;
	esac
	(umask 0 && exec "$T/noop_milter" "$lm") >"$T/milter-noop.log" 2>&1 &
	O_PID=$!
	ng_track "$O_PID"
	wait_listen "$SPEC_O" "$O_PID" "$T/milter-noop.log"
	;;
esac

printf 'acme %s/32\n' "$TENANT_IP" >"$T/tenants"
SPEC_G=$(listen_spec relay)
cat >"$T/ndrguard.conf" <<EOF
relay_milter_listen = $SPEC_G
relay_tenants = $T/tenants
relay_internal_networks = 127.0.0.1/32
store = lmdb:$T/store
relay_quarantine_dir = $T/quarantine
relay_route_filter = bouncepool:[127.0.0.1]:$NG_PF_SINK_PORT
relay_bounce_rate = 0
relay_bounce_domain_rate = 0
dns_servers = 127.0.0.1:$NG_DNSD_PORT
dns_timeout = 1s
log_level = info
EOF
case " $VARIANTS " in
*" G "*)
	(umask 0 && exec "$NDRGUARD" milter --relay -c "$T/ndrguard.conf") >"$T/milter-relay.log" 2>&1 &
	G_PID=$!
	ng_track "$G_PID"
	wait_listen "$SPEC_G" "$G_PID" "$T/milter-relay.log"
	;;
esac

# One outbound listener per milter variant on the same instance (same
# cleanup, queue manager and delivery agents), so no reload between runs;
# and the bounce pool.
for v in $VARIANTS; do
	[ "$v" = N ] && continue
	spec=""
	eval "spec=\$SPEC_$v"
	port=$(ng_free_port)
	eval "PORT_$v=\$port"
	echo "127.0.0.1:$port inet n - n - - smtpd -o smtpd_milters=$spec" >>"$NG_PF_ETC/master.cf"
done
echo "bouncepool unix - - n - - smtp -o smtp_bind_address=127.0.0.9 -o syslog_name=postfix-bouncepool" \
	>>"$NG_PF_ETC/master.cf"
ng_pf_conf "smtpd_milters ="
for v in $VARIANTS; do
	eval "port=\$PORT_$v"
	ng_wait_port 127.0.0.1 "$port" 10 || ng_fail "Postfix does not listen on $port ($v)"
done

# CPU seconds (user+sys) the servers have used so far: the Postfix master
# and its descendants (with the CPU of the children they reaped), the sink,
# rbldnsd and the milters.
cpu_servers() {
	"$PY" "$here/cpu_tree.py" "$(ng_pf_master_pid)" "$NG_PF_SINK_PID" "$NG_DNSD_PID" "$O_PID" "$G_PID"
}

cpu_ticks() { # utime+stime of PID in clock ticks (0 without a PID)
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

field() { # field FILE CLASS KEY
	sed -n "s/^RESULT $2 .*$3=\\([0-9.]*\\).*/\\1/p" "$1"
}
qfiles() {
	find "$T/quarantine/new" -type f 2>/dev/null | wc -l
}
now() {
	date +%s.%N
}

# wait_drained: the queue empty; postfix flush only if it takes long.
wait_drained() {
	_i=0
	while [ "$(ng_pf_queued)" -ne 0 ]; do
		_i=$((_i + 1))
		if [ $_i -ge 300 ]; then
			ng_pf_flush 300
			return
		fi
		sleep 0.1
	done
}

bad=0
# run VARIANT SESSIONS TAG N: one measured run; sets RUN_WALL and RUN_CPU.
run() {
	v=$1 _sess=$2 tag=$3 _n=$4
	port=""
	eval "port=\$PORT_$v"
	acc0=$(ng_pf_accepted)
	del0=$(ng_pf_delivered)
	q0=$(qfiles)
	lines0=$(wc -l <"$NG_PF_LOG")
	glines0=$({ wc -l <"$T/milter-relay.log"; } 2>/dev/null || echo 0)
	eval "mpid=\${${v}_PID:-}"
	m0=$(cpu_ticks "${mpid:-none}")
	s0=$(cpu_servers)
	load0=$(cut -d' ' -f1 /proc/loadavg)
	out="$T/run-$_sess-$tag-$v.out"
	"$PY" "$T/relay_load.py" "127.0.0.1:$port" "$_n" "$_sess" "$TENANT_IP" "$DOMAINS" \
		"$out.msgs" "$PER_CONN" >"$out" 2>&1
	rc=$?
	t1=$(now)
	load1=$(cut -d' ' -f1 /proc/loadavg)
	wait_drained || echo "run $tag: queue not empty after 330 s" >&2
	drain=$(awk -v a="$t1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
	RUN_CPU=$(awk -v a="$s0" -v b="$(cpu_servers)" 'BEGIN { printf "%.2f", b - a }')
	mcpu=$(awk -v a="$m0" -v b="$(cpu_ticks "${mpid:-none}")" -v t="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.2f", (b - a) / t }')
	acc=$(($(ng_pf_accepted) - acc0))
	del=$(($(ng_pf_delivered) - del0))
	quar=$(($(qfiles) - q0))
	tail -n +"$((lines0 + 1))" "$NG_PF_LOG" >"$out.maillog"
	discard=$(grep -c ': milter-discard: ' "$out.maillog")
	pool=$(grep -c 'postfix-bouncepool/smtp\[[0-9]*\]: .*status=sent' "$out.maillog")
	tail -n +"$((glines0 + 1))" "$T/milter-relay.log" 2>/dev/null | grep ' outbound tenant=' >"$out.guard"
	g_all=$(wc -l <"$out.guard")
	g_quar=$(grep -c ' class=ndr .* spf=fail .*verdict=backscatter .*action=quarantine ' "$out.guard")
	g_route=$(grep -c ' class=ndr .* spf=pass .*verdict=unknown .*action=route filter=bouncepool:' "$out.guard")
	g_usec=$(sed -n 's/.* usec=\([0-9]*\).*/\1/p' "$out.guard" | sort -n |
		awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }')
	wall=$(field "$out" total wall)
	ccpu=$(field "$out" total cpu)
	# message i is class i mod 20: 0-17 ordinary, 18 forged, 19 legit
	exp_f=$(((_n + 1) / 20))
	exp_l=$((_n / 20))
	exp_o=$((_n - exp_f - exp_l))
	ok=$(field "$out" total ok)
	temp=$(field "$out" total temp)
	perm=$(field "$out" total perm)
	err=$(field "$out" total err)
	o_ms=$(field "$out" class=ordinary ms)
	f_ms=$(field "$out" class=forged ms)
	l_ms=$(field "$out" class=legit ms)
	o_ok=$(field "$out" class=ordinary ok)
	f_ok=$(field "$out" class=forged ok)
	l_ok=$(field "$out" class=legit ok)
	if [ "$v" = G ]; then
		exp_q=$exp_f exp_r=$exp_l exp_g=$((exp_f + exp_l))
	else
		exp_q=0 exp_r=0 exp_g=0
	fi
	verdict=ok
	if [ "$rc" -ne 0 ] || [ "${ok:-x}" != "$_n" ] || [ "${temp:-x}" != 0 ] ||
		[ "${perm:-x}" != 0 ] || [ "${err:-x}" != 0 ] || [ "${o_ok:-x}" != "$exp_o" ] ||
		[ "${f_ok:-x}" != "$exp_f" ] || [ "${l_ok:-x}" != "$exp_l" ] ||
		[ "$acc" != $((_n - exp_q)) ] || [ "$del" != "$acc" ] || [ "$quar" != "$exp_q" ] ||
		[ "$discard" != "$exp_q" ] || [ "$pool" != "$exp_r" ] || [ "$g_all" != "$exp_g" ] ||
		[ "$g_quar" != "$exp_q" ] || [ "$g_route" != "$exp_r" ] || [ $((del + quar)) != "$ok" ]; then
		verdict=WRONG
		bad=$((bad + 1))
	fi
	printf '%-7s %2s %s %7.3f s %6.1f msg/s  ms ordinary %s forged %s legit %s  accepted %s = sink %s (pool %s) + quarantined %s (discards %s)  guard: quarantine %s route %s usec %s  drain %s s  cpu: servers %s s (milter %s s) client %s s  load %s-%s  counts %s\n' \
		"$tag" "$_sess" "$v" "$wall" "$(awk -v n="$_n" -v w="$wall" 'BEGIN { print (w > 0 ? n / w : 0) }')" \
		"$o_ms" "$f_ms" "$l_ms" "$ok" "$del" "$pool" "$quar" "$discard" "$g_quar" "$g_route" "$g_usec" "$drain" \
		"$RUN_CPU" "$mcpu" "$ccpu" "$load0" "$load1" "$verdict"
	if [ "$verdict" != ok ]; then
		sed 's/^/    /' "$out"
		echo "    expected: accepted $_n, queued $((_n - exp_q)), quarantined $exp_q, routed $exp_r; queued $acc"
	fi
	RUN_WALL=$wall
}

echo "bench-relay: $ROUNDS rounds per configuration; $MESSAGES messages a run at 20 sessions," \
	"$MESSAGES2 at fewer; 90% ordinary (2 KB), 5% reports to forged senders (SPF fail)," \
	"5% to genuine ones (SPF pass); all from tenant $TENANT_IP, $PER_CONN per connection"
echo "  N = no milter, O = no-op libmilter milter (every callback), G = ndrguard relay guard" \
	"($("$NDRGUARD" version 2>/dev/null)); variants: $VARIANTS; milters on $SOCKET sockets"
echo "  rbldnsd (SPF, $DOMAINS forged + $DOMAINS genuine domains) at 127.0.0.1:$NG_DNSD_PORT;" \
	"store and quarantine in $T"

orders() { # the variant order of round $1: rotate, every other round reversed
	"$PY" - "$1" $VARIANTS <<'PY'
import sys
r, vs = int(sys.argv[1]), sys.argv[2:]
k = (r // 2) % len(vs)
o = vs[k:] + vs[:k]
print(" ".join(reversed(o) if r % 2 else o))
PY
}

: >"$T/rounds"
for sess in $SESSIONS; do
	n=$MESSAGES
	[ "$sess" -ge 20 ] || n=$MESSAGES2
	echo
	echo "== $sess sessions, $n messages a run"
	warm=$((n / 5))
	[ $warm -ge 100 ] || warm=100
	for v in $VARIANTS; do
		run "$v" "$sess" warm "$warm"
	done
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		line="$sess $((r + 1))"
		for v in $(orders $r); do
			run "$v" "$sess" "round$((r + 1))" "$n"
			line="$line $v=$RUN_WALL:$RUN_CPU"
		done
		echo "$line" >>"$T/rounds"
		r=$((r + 1))
	done
done

echo
"$PY" - "$T/rounds" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
configs, data = [], {}
for r in rows:
    sess = int(r[0])
    if sess not in data:
        configs.append(sess)
        data[sess] = []
    d = {}
    for kv in r[2:]:
        v, rest = kv.split("=")
        w, c = rest.split(":")
        d[v] = (float(w), float(c))
    data[sess].append(d)
ratios = [("G", "N"), ("G", "O"), ("O", "N")]
summary = []
for sess in configs:
    rs = data[sess]
    vs = [v for v in ("N", "O", "G") if v in rs[0]]
    have = [(a, b) for a, b in ratios if a in vs and b in vs]
    print(f"{sess} sessions: wall time per run (s) and ratios per round")
    print("round " + " ".join(f"{v:>8}" for v in vs) + "  " + " ".join(f"{a}/{b:<5}" for a, b in have))
    for i, d in enumerate(rs, 1):
        print(f"{i:>5} " + " ".join(f"{d[v][0]:8.3f}" for v in vs) + "  " +
              " ".join(f"{d[a][0] / d[b][0]:7.3f}" for a, b in have))
    for a, b in have:
        xs = [d[a][0] / d[b][0] for d in rs]
        cs = [d[a][1] / d[b][1] for d in rs if d[b][1] > 0]
        med = statistics.median(xs)
        note = ""
        if (a, b) == ("G", "N"):
            note = f"  goal <= 1.10: {'met' if med <= 1.10 else 'NOT MET'}"
        summary.append(f"{sess:>3} {a}/{b}  median {med:6.3f}  min-max {min(xs):6.3f}-{max(xs):6.3f}"
                       f"  ({len(xs)} rounds)  server CPU median {statistics.median(cs) if cs else float('nan'):6.3f}{note}")
    print()
print("summary (wall-time ratios; N = no milter, O = no-op libmilter milter, G = relay guard):")
for s in summary:
    print("  " + s)
PY
if [ -n "$G_PID" ]; then
	kill -TERM "$G_PID" 2>/dev/null
	wait "$G_PID"
	grc=$?
	[ $grc -eq 0 ] || { echo "the relay milter exited $grc on SIGTERM" >&2; bad=$((bad + 1)); }
	grep 'relay stats final' "$T/milter-relay.log" | sed 's/^/  /'
fi
if [ $bad -ne 0 ]; then
	echo "bench-relay: $bad run(s) with wrong counts or a failed step (rerun with NG_KEEP=1 to keep the logs)"
	exit 1
fi
echo "bench-relay: counts right in every run (accepted = queued + quarantined; queued = delivered at the sink; reports quarantined or routed by G as their SPF says)"
