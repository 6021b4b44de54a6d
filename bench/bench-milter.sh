#!/bin/sh
# bench-milter.sh - what a milter costs a real Postfix, end to end: no milter
# (N), a no-op libmilter milter that registers every callback (O, the anchor,
# bench/noop_milter.c) and ndrguard's milter (G), at 20 and at 2 concurrent
# SMTP sessions, with the milter on a unix socket and on loopback TCP.
#
# usage: bench/bench-milter.sh NDRGUARD [PAIRS [MESSAGES]]
#        (defaults 5 rounds, 3000 messages a run at 20 sessions; the
#        2-session runs send MESSAGES2, default MESSAGES/3; env PAIRS,
#        MESSAGES, MESSAGES2, CONFIGS, VARIANTS work too; SMTP_LOAD=path
#        skips compiling the load client)
#
#   CONFIGS   default "20:unix 20:tcp 2:unix 2:tcp" (SESSIONS:SOCKET)
#   VARIANTS  default "N O G"; G is left out (with a note) when NDRGUARD has
#             no milter command.  Probes, not part of the goals:
#             R = noop_milter -r all: every SMFIP_NR_* flag negotiated
#                 (the Nagle/delayed-ACK stall over TCP, see README)
#             S = noop_milter -r conn,helo,mail,rcpt,unkn,hdr,eoh,body:
#                 the same without SMFIP_NR_DATA (no stall)
#             K = noop_milter -N: TCP_NODELAY on the milter's listener
#   G_WRAP    a command prefix for ndrguard (diagnosis), e.g.
#             "env LD_PRELOAD=/tmp/quickack.so" (see README: the stall)
#
# One throwaway Postfix (tests/integration/postfix.sh, smtpd not chrooted,
# relaying to smtp-sink), milter_protocol = 6, milter_default_action =
# tempfail; only smtpd_milters changes between variants (postconf + reload).
# Every milter runs for the whole benchmark, one process per socket: O on
# unix:$T/noop.sock and on inet 127.0.0.1:PORT, G likewise
# (`ndrguard milter -o milter_listen=...`, DNSBL bl.test from rbldnsd via
# tests/integration/dnsd.sh: 127.0.0.77 listed).
#
# The load (bench/smtp_load.c, one 2 KB message per connection, the same
# text/plain body for every class): 80% ordinary mail from 200 unlisted
# clients 127.0.1.1-200, 10% bounces (MAIL FROM:<>) from the listed
# 127.0.0.77, 10% ordinary mail from 127.0.0.77.  Checked after every run:
# no connection error and no 4xx; ordinary and listed mail all accepted;
# bounces accepted in N and O, and in G either accepted or rejected with a
# 5xx at end of data (smtp_load's bodies are plain text, so whether a null
# sender alone makes a "bounce" is up to the classifier: the script reports
# how many G rejected and checks that the maillog shows exactly that many
# milter-reject lines, none in N and O); accepted (client 2xx) = queue ids in
# the maillog = messages at the sink.  A wrong count makes the exit status 1.
#
# Per configuration, ROUNDS rounds run every variant once, in an order that
# rotates between rounds (N O G, G O N, O G N, N G O, G N O, O N G, ...),
# after one warm-up run of each.  A run's time is the load client's wall time;
# the queue is flushed after every run.  Printed: per run the counts and wall
# time, per round the wall times and the ratios G/O, G/N, O/N (and X/N for
# probes), then median and min-max per ratio, against the goals: G <= 1.0 x O
# everywhere, G <= 1.4 x N at 2 sessions.
#
# Needs root, postfix, rbldnsd, libmilter-dev (pkg-config milter), a C
# compiler, python3.  Exit 0 done (counts right), 1 a count was wrong or a
# step failed, 2 usage, 77 skipped (no root, Postfix, rbldnsd or libmilter).

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tests/integration/common.sh"
. "$top/tests/integration/dnsd.sh"
. "$top/tests/integration/postfix.sh"

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
	echo "usage: $0 NDRGUARD [PAIRS [MESSAGES]]" >&2
	exit 2
fi
NDRGUARD=$1
case "$NDRGUARD" in /*) ;; *) NDRGUARD="$(pwd)/$NDRGUARD" ;; esac
ROUNDS=${2:-${PAIRS:-5}}
MESSAGES=${3:-${MESSAGES:-3000}}
MESSAGES2=${MESSAGES2:-$((MESSAGES / 3))}
CONFIGS=${CONFIGS:-"20:unix 20:tcp 2:unix 2:tcp"}
VARIANTS=${VARIANTS:-"N O G"}
LISTED=127.0.0.77

[ -x "$NDRGUARD" ] || { echo "$0: $NDRGUARD: not an executable" >&2; exit 2; }
ng_pf_require
ng_dnsd_require
pkg-config --exists milter 2>/dev/null || ng_skip "libmilter-dev not installed (pkg-config milter)"
HAVE_G=1
if ! "$NDRGUARD" help milter >/dev/null 2>&1; then
	HAVE_G=0
	echo "bench-milter: NOTE: $NDRGUARD has no milter command ('help milter' fails): G skipped"
	VARIANTS=$(echo "$VARIANTS" | tr ' ' '\n' | grep -v '^G$' | tr '\n' ' ')
fi
ng_tmpdir
T=$NG_TMP

# --- the load client and the no-op milter, optimised ---
LOAD=${SMTP_LOAD:-}
if [ -z "$LOAD" ]; then
	LOAD="$T/smtp_load"
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -o "$LOAD" "$here/smtp_load.c" ||
		ng_fail "cannot build bench/smtp_load.c"
fi
# shellcheck disable=SC2046 # pkg-config output is several words
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -o "$T/noop_milter" "$here/noop_milter.c" \
	$(pkg-config --cflags --libs milter) -pthread || ng_fail "cannot build bench/noop_milter.c"

# --- rbldnsd: bl.test, 127.0.0.77 listed with a TXT ---
ng_dnsd_data "$T/bl.test.data" "$LISTED :127.0.0.2:Backscatter from \$ see http://bl.test/\$"
ng_dnsd_start bl.test "$T/bl.test.data"

# --- Postfix: not chrooted (the unix sockets are absolute paths) ---
ng_pf_start "milter_protocol = 6" "milter_default_action = tempfail" "smtpd_milters ="

wait_unix() { # PATH SECONDS
	_i=0
	while [ ! -S "$1" ] && [ $_i -lt $(($2 * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -S "$1" ]
}

# start_milter NAME SOCKET(unix|tcp) COMMAND...: sets SPEC_<NAME>_<socket>
# (the smtpd_milters value).  libmilter takes inet:PORT@HOST / unix:PATH;
# ndrguard takes Postfix's inet:HOST:PORT / unix:PATH and translates.
start_milter() {
	_name=$1 _sock=$2
	shift 2
	if [ "$_sock" = unix ]; then
		_path="$T/$_name.sock"
		_lm="unix:$_path" _pf="unix:$_path"
	else
		_port=$(ng_free_port)
		_lm="inet:$_port@127.0.0.1" _pf="inet:127.0.0.1:$_port"
	fi
	case "$1" in
	ndrguard)
		shift
		_ng=$_pf
		# umask 0: smtpd (user postfix) must be able to connect to the socket
		(umask 0 && exec ${G_WRAP:-} "$NDRGUARD" milter -o "milter_listen=$_ng" \
			-o "dns_servers=127.0.0.1:$NG_DNSD_PORT" -o "dnsbl_zones=bl.test=127.0.0.2" "$@") \
			>"$T/milter-$_name-$_sock.log" 2>&1 &
		;;
	*)
		"$@" "$_lm" >"$T/milter-$_name-$_sock.log" 2>&1 &
		;;
	esac
	_pid=$!
	ng_track "$_pid"
	if [ "$_sock" = unix ]; then
		wait_unix "$_path" 15 || { cat "$T/milter-$_name-$_sock.log"; ng_fail "milter $_name did not create $_path"; }
		chmod 666 "$_path"
	else
		ng_wait_port 127.0.0.1 "$_port" 15 || { cat "$T/milter-$_name-$_sock.log"; ng_fail "milter $_name did not listen on $_port"; }
	fi
	kill -0 "$_pid" 2>/dev/null || { cat "$T/milter-$_name-$_sock.log"; ng_fail "milter $_name exited"; }
	eval "SPEC_${_name}_${_sock}=\$_pf"
}

socks=$(for c in $CONFIGS; do echo "${c#*:}"; done | sort -u)
for s in $socks; do
	for v in $VARIANTS; do
		case $v in
		N) ;;
		O) start_milter O "$s" "$T/noop_milter" ;;
		R) start_milter R "$s" "$T/noop_milter" -r all ;;
		S) start_milter S "$s" "$T/noop_milter" -r conn,helo,mail,rcpt,unkn,hdr,eoh,body ;;
		K) start_milter K "$s" "$T/noop_milter" -N ;;
		G) start_milter G "$s" ndrguard ;;
		*) ng_fail "unknown variant $v (N O G R S K)" ;;
		esac
	done
done

field() { # field FILE CLASS KEY
	sed -n "s/^RESULT $2 .*$3=\\([0-9.]*\\).*/\\1/p" "$1"
}

CUR_SPEC=unset
bad=0
# run VARIANT SOCKET SESSIONS TAG N: one measured run; sets RUN_WALL.
run() {
	v=$1 _sock=$2 _sess=$3 tag=$4 _n=$5
	if [ "$v" = N ]; then
		spec=""
	else
		eval "spec=\$SPEC_${v}_${_sock}"
	fi
	if [ "$spec" != "$CUR_SPEC" ]; then
		ng_pf_conf "smtpd_milters = $spec"
		CUR_SPEC=$spec
	fi
	[ "$(postconf -c "$NG_PF_ETC" -h smtpd_milters)" = "$spec" ] || ng_fail "smtpd_milters not set"
	acc0=$(ng_pf_accepted)
	del0=$(ng_pf_delivered)
	lines0=$(wc -l <"$NG_PF_LOG")
	load0=$(cut -d' ' -f1 /proc/loadavg)
	out="$T/run-$_sess-$_sock-$tag-$v.out"
	"$LOAD" -q -s "127.0.0.1:$NG_PF_PORT" -n "$_n" -c "$_sess" -l "$out.msgs" \
		ordinary:8:127.0.1.1-200:user@example.org "bounce:1:$LISTED:<>" \
		"listed:1:$LISTED:user@example.org" >"$out" 2>&1
	rc=$?
	load1=$(cut -d' ' -f1 /proc/loadavg)
	ng_pf_flush 300 || echo "run $tag: queue not empty after 300 s" >&2
	acc=$(($(ng_pf_accepted) - acc0))
	del=$(($(ng_pf_delivered) - del0))
	mrej=$(tail -n +"$((lines0 + 1))" "$NG_PF_LOG" | grep -c ' milter-reject: ')
	wall=$(field "$out" total wall)
	# message i is class i mod 10: 0-7 ordinary, 8 bounce, 9 listed
	exp_b=$(((_n + 1) / 10))
	exp_l=$((_n / 10))
	exp_o=$((_n - exp_b - exp_l))
	ok=$(field "$out" total ok)
	temp=$(field "$out" total temp)
	err=$(field "$out" total err)
	o_ok=$(field "$out" class=ordinary ok)
	l_ok=$(field "$out" class=listed ok)
	b_ok=$(field "$out" class=bounce ok)
	b_perm=$(field "$out" class=bounce perm)
	# G's 5xx must come at end of data ("dot"), and only for bounces
	b_dot=$(awk '$2 == "bounce" && $5 == "perm" && $6 == "dot"' "$out.msgs" | wc -l)
	verdict=ok
	if [ "$rc" -ne 0 ] || [ "${temp:-x}" != 0 ] || [ "${err:-x}" != 0 ] ||
		[ "${o_ok:-x}" != "$exp_o" ] || [ "${l_ok:-x}" != "$exp_l" ] ||
		[ "$((${b_ok:-0} + ${b_perm:-0}))" != "$exp_b" ] ||
		[ "$acc" != "${ok:-x}" ] || [ "$del" != "${ok:-x}" ] || [ "$mrej" != "${b_perm:-x}" ] ||
		[ "$b_dot" != "${b_perm:-x}" ]; then
		verdict=WRONG
	fi
	if [ "$v" != G ] && [ "${b_perm:-0}" != 0 ]; then
		verdict=WRONG # only ndrguard may reject anything
	fi
	[ "$verdict" = ok ] || bad=$((bad + 1))
	printf '%-7s %2s %-4s %s %7.3f s %6.1f msg/s  2xx %s (ordinary %s listed %s bounce %s)  bounces rejected %s  4xx %s err %s  queued %s sink %s milter-reject %s  load %s-%s  counts %s\n' \
		"$tag" "$_sess" "$_sock" "$v" "$wall" "$(awk -v n="$_n" -v w="$wall" 'BEGIN { print (w > 0 ? n / w : 0) }')" \
		"$ok" "$o_ok" "$l_ok" "$b_ok" "$b_perm" "$temp" "$err" "$acc" "$del" "$mrej" \
		"$load0" "$load1" "$verdict"
	[ "$verdict" = ok ] || sed 's/^/    /' "$out"
	RUN_WALL=$wall
}

echo "bench-milter: $ROUNDS rounds per configuration; $MESSAGES messages a run at 20 sessions," \
	"$MESSAGES2 at 2 (80% ordinary/unlisted, 10% bounces/listed, 10% ordinary/listed, 2 KB)"
echo "  N = no milter, O = no-op libmilter milter (every callback), G = ndrguard milter" \
	"($([ $HAVE_G = 1 ] && "$NDRGUARD" version 2>/dev/null || echo skipped)); variants: $VARIANTS"
echo "  milter_protocol = 6, milter_default_action = tempfail; rbldnsd bl.test at 127.0.0.1:$NG_DNSD_PORT"

orders() { # the variant order of round $1: rotate, every other round reversed
	python3 - "$1" $VARIANTS <<'PY'
import sys
r, vs = int(sys.argv[1]), sys.argv[2:]
k = (r // 2) % len(vs)
o = vs[k:] + vs[:k]
print(" ".join(reversed(o) if r % 2 else o))
PY
}

: >"$T/rounds"
for c in $CONFIGS; do
	sess=${c%%:*}
	sock=${c#*:}
	n=$MESSAGES
	[ "$sess" -ge 20 ] || n=$MESSAGES2
	echo
	echo "== $sess sessions, milter on $sock socket, $n messages a run"
	warm=$((n / 5))
	[ $warm -ge 100 ] || warm=100
	for v in $VARIANTS; do
		run "$v" "$sock" "$sess" warm "$warm"
	done
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		line="$sess $sock $((r + 1))"
		for v in $(orders $r); do
			run "$v" "$sock" "$sess" "round$((r + 1))" "$n"
			line="$line $v=$RUN_WALL"
		done
		echo "$line" >>"$T/rounds"
		r=$((r + 1))
	done
done

echo
python3 - "$T/rounds" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
configs = []
data = {}
for r in rows:
    key = (int(r[0]), r[1])
    if key not in data:
        configs.append(key)
        data[key] = []
    data[key].append(dict((kv.split("=")[0], float(kv.split("=")[1])) for kv in r[3:]))
ratios = [("G", "O"), ("G", "N"), ("O", "N")]
goals = {("G", "O"): (1.0, None), ("G", "N"): (1.4, 2)}
for extra in ("R", "S", "K"):
    ratios.append((extra, "N"))
    ratios.append((extra, "O"))
summary = []
for key in configs:
    sess, sock = key
    rs = data[key]
    vs = [v for v in ("N", "O", "G", "R", "S", "K") if v in rs[0]]
    have = [(a, b) for a, b in ratios if a in vs and b in vs]
    print(f"{sess} sessions, {sock} socket: wall time per run (s) and ratios per round")
    print("round " + " ".join(f"{v:>8}" for v in vs) + "  " + " ".join(f"{a}/{b:<5}" for a, b in have))
    for i, d in enumerate(rs, 1):
        print(f"{i:>5} " + " ".join(f"{d[v]:8.3f}" for v in vs) + "  " +
              " ".join(f"{d[a] / d[b]:7.3f}" for a, b in have))
    for a, b in have:
        xs = [d[a] / d[b] for d in rs]
        med = statistics.median(xs)
        goal = goals.get((a, b))
        note = ""
        if goal and (goal[1] is None or goal[1] == sess):
            note = f"  goal <= {goal[0]:.1f}: {'met' if med <= goal[0] else 'NOT MET'}"
        summary.append(f"{sess:>3} {sock:<5} {a}/{b}  median {med:6.3f}  min-max {min(xs):6.3f}-{max(xs):6.3f}  ({len(xs)} rounds){note}")
    print()
print("summary (wall-time ratios; N = no milter, O = no-op libmilter milter, G = ndrguard):")
for s in summary:
    print("  " + s)
PY
if [ $bad -ne 0 ]; then
	echo "bench-milter: $bad run(s) with wrong counts (rerun with NG_KEEP=1 to keep the logs)"
	exit 1
fi
echo "bench-milter: counts right in every run (accepted = queued = delivered; rejects only by G, only bounces, at end of data)"
