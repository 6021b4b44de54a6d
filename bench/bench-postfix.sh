#!/bin/sh
# bench-postfix.sh - Postfix end-to-end throughput with ndrguard policyd in
# safe mode (A) against the same Postfix doing safe mode natively (B).
#
# usage: bench/bench-postfix.sh NDRGUARD [PAIRS [MESSAGES [SESSIONS]]]
#        (defaults 5 pairs, 4000 messages a run, 20 sessions; env PAIRS,
#        MESSAGES, SESSIONS work too; SMTP_LOAD=path skips compiling the
#        load client)
#
# One throwaway Postfix instance (tests/integration/postfix.sh; chrooted
# smtpd, relay to smtp-sink), one rbldnsd serving bl.test on 127.0.53.53
# port 53 (the chrooted smtpd's resolv.conf points there: Postfix cannot use
# another port), and policyd pointed at the same server
# (dns_servers = 127.0.53.53:53).  Only smtpd_recipient_restrictions differ:
#
#   A  check_policy_service inet:127.0.0.1:PORT,
#      permit_mynetworks, reject_unauth_destination
#   B  check_sender_access inline:{ <>=safe_mode, postmaster@=safe_mode,
#      mailer-daemon@=safe_mode }, permit_mynetworks, reject_unauth_destination
#      with  smtpd_restriction_classes = safe_mode
#            safe_mode = reject_rbl_client bl.test=127.0.0.2
#
# The load (bench/smtp_load.c, one message per connection, 2 KB): 80%
# ordinary mail from 200 unlisted clients 127.0.1.1-200, 10% bounces
# (MAIL FROM:<>) from the listed client 127.0.0.77, 10% ordinary mail from
# 127.0.0.77.  Each run must reject exactly the bounces and deliver
# everything else: client counts, queue ids in the maillog and the sink's
# counter are compared after every run, and the reject texts in the maillog
# and policyd's decision lines show which configuration did the work
# (A: policyd's 550 and one decision per message; B: reject_rbl_client's
# 554 and no decision).
#
# Pairs alternate their order (AB, BA, AB, ...), after one warm-up run of
# each.  The time of a run is the load client's wall time (first connect to
# last reply); the queue is flushed between runs.  Printed: per run the
# counts, the wall time, the CPU time of the servers (Postfix, sink,
# rbldnsd, policyd) and the load average; per pair both wall times, both CPU
# times and A/B; then the median and min-max of A/B (goal for wall time:
# <= 1.03).  On a shared machine both scatter: read the load column.
#
# Needs root, postfix, rbldnsd, a C compiler, python3; 127.0.53.53 port 53
# must be free.  Exit 0 done (counts right), 1 a count was wrong or a step
# failed, 2 usage, 77 skipped (no root, Postfix, rbldnsd or dig).

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tests/integration/common.sh"
. "$top/tests/integration/dnsd.sh"
. "$top/tests/integration/postfix.sh"

if [ $# -lt 1 ] || [ $# -gt 4 ]; then
	echo "usage: $0 NDRGUARD [PAIRS [MESSAGES [SESSIONS]]]" >&2
	exit 2
fi
NDRGUARD=$1
case "$NDRGUARD" in /*) ;; *) NDRGUARD="$(pwd)/$NDRGUARD" ;; esac
PAIRS=${2:-${PAIRS:-5}}
MESSAGES=${3:-${MESSAGES:-4000}}
SESSIONS=${4:-${SESSIONS:-20}}
DNS_IP=127.0.53.53
LISTED=127.0.0.77

[ -x "$NDRGUARD" ] || { echo "$0: $NDRGUARD: not an executable" >&2; exit 2; }
"$NDRGUARD" help policyd >/dev/null 2>&1 ||
	{ echo "$0: $NDRGUARD has no policyd command" >&2; exit 1; }
ng_pf_require
ng_dnsd_require
command -v dig >/dev/null 2>&1 || ng_skip "dig not installed (apt-get install bind9-dnsutils)"
ng_tmpdir
T=$NG_TMP

# --- the load client, optimised ---
LOAD=${SMTP_LOAD:-}
if [ -z "$LOAD" ]; then
	LOAD="$T/smtp_load"
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -o "$LOAD" "$here/smtp_load.c" ||
		ng_fail "cannot build bench/smtp_load.c"
fi

# --- rbldnsd on 127.0.53.53:53 ---
python3 - "$DNS_IP" <<'PY' || ng_fail "$DNS_IP port 53 is in use"
import socket, sys
for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, t)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], 53))
    s.close()
PY
ng_dnsd_data "$T/bl.test.data" "$LISTED :127.0.0.2:Backscatter from \$ see http://bl.test/\$"
dnsd_user=nobody
id rbldns >/dev/null 2>&1 && dnsd_user=rbldns
rbldnsd -n -u "$dnsd_user" -b "$DNS_IP/53" "bl.test:ip4set:$T/bl.test.data" \
	>"$T/rbldnsd.log" 2>&1 &
DNSD_PID=$!
ng_track "$DNSD_PID"
i=0
until dig @"$DNS_IP" +time=1 +tries=1 2.0.0.127.bl.test A 2>/dev/null | grep -q 'status: NOERROR'; do
	i=$((i + 1))
	[ $i -lt 50 ] || { cat "$T/rbldnsd.log"; ng_fail "rbldnsd did not start on $DNS_IP:53"; }
	sleep 0.1
done

# --- policyd (A) ---
POLICY_PORT=$(ng_free_port)
"$NDRGUARD" policyd -o "policyd_listen=inet:127.0.0.1:$POLICY_PORT" \
	-o "dns_servers=$DNS_IP:53" -o "dnsbl_zones=bl.test=127.0.0.2" 2>"$T/policyd.log" &
POLICYD_PID=$!
ng_track "$POLICYD_PID"
ng_wait_port 127.0.0.1 "$POLICY_PORT" 15 || { cat "$T/policyd.log"; ng_fail "policyd did not start"; }

# --- Postfix: chrooted smtpd, resolver 127.0.53.53 ---
RESTR_A="smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:$POLICY_PORT, permit_mynetworks, reject_unauth_destination"
RESTR_B="smtpd_recipient_restrictions = check_sender_access inline:{ <>=safe_mode, postmaster@=safe_mode, mailer-daemon@=safe_mode }, permit_mynetworks, reject_unauth_destination"
NG_PF_CHROOT=1 NG_PF_RESOLVER=$DNS_IP ng_pf_start \
	"smtpd_restriction_classes = safe_mode" \
	"safe_mode = reject_rbl_client bl.test=127.0.0.2" \
	"smtpd_policy_service_default_action = 451 4.3.5 Policy service unavailable, try again later" \
	"$RESTR_A"

cpu_ticks() { # utime+stime of PID in clock ticks
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# CPU seconds (user+sys) the servers have used so far: the Postfix master
# and its live descendants, each with the CPU of the children it reaped
# (cutime/cstime: smtpd, cleanup, smtp ... processes that exited), plus
# the sink, rbldnsd and policyd.  Unlike wall time this hardly moves when
# other work shares the machine.
cpu_servers() {
	python3 "$here/cpu_tree.py" "$(ng_pf_master_pid)" "$NG_PF_SINK_PID" "$DNSD_PID" "$POLICYD_PID"
}

field() { # field FILE CLASS KEY
	sed -n "s/^RESULT $2 .*$3=\\([0-9.]*\\).*/\\1/p" "$1"
}

bad=0
# run VARIANT TAG N: one measured run; sets RUN_WALL (seconds), prints a
# line with its counts, counts a wrong run in bad.
run() {
	v=$1
	tag=$2
	n=$3
	if [ "$v" = A ]; then ng_pf_conf "$RESTR_A"; else ng_pf_conf "$RESTR_B"; fi
	acc0=$(ng_pf_accepted)
	del0=$(ng_pf_delivered)
	lines0=$(wc -l <"$NG_PF_LOG")
	dec0=$(grep -c ' decision ' "$T/policyd.log")
	c0=$(cpu_ticks "$POLICYD_PID")
	s0=$(cpu_servers)
	load0=$(cut -d' ' -f1 /proc/loadavg)
	out="$T/run-$tag-$v.out"
	"$LOAD" -q -s "127.0.0.1:$NG_PF_PORT" -n "$n" -c "$SESSIONS" \
		ordinary:8:127.0.1.1-200:user@example.org "bounce:1:$LISTED:<>" \
		"listed:1:$LISTED:user@example.org" >"$out" 2>&1
	rc=$?
	load1=$(cut -d' ' -f1 /proc/loadavg)
	c1=$(cpu_ticks "$POLICYD_PID")
	ng_pf_flush 300 || echo "run $tag: queue not empty after 300 s" >&2
	RUN_CPU=$(awk -v a="$s0" -v b="$(cpu_servers)" 'BEGIN { printf "%.2f", b - a }')
	acc=$(($(ng_pf_accepted) - acc0))
	del=$(($(ng_pf_delivered) - del0))
	# Who rejected: policyd's 550 text or reject_rbl_client's 554; and how
	# many requests policyd decided (one per RCPT in A, none in B).
	tail -n +"$((lines0 + 1))" "$NG_PF_LOG" | grep ' NOQUEUE: reject: RCPT ' >"$T/rejects"
	rej_pol=$(grep -c ': 550 5\.7\.1 .*Backscatter from ' "$T/rejects")
	rej_nat=$(grep -c ': 554 5\.7\.1 Service unavailable; Client host \[[0-9.]*\] blocked using bl\.test' "$T/rejects")
	dec=$(($(grep -c ' decision ' "$T/policyd.log") - dec0))
	wall=$(field "$out" total wall)
	# Expected: message i is class i mod 10: 0-7 ordinary, 8 bounce, 9 listed.
	exp_b=$(((n + 1) / 10))
	exp_l=$((n / 10))
	exp_ok=$((n - exp_b))
	ok=$(field "$out" total ok)
	perm=$(field "$out" total perm)
	temp=$(field "$out" total temp)
	err=$(field "$out" total err)
	b_perm=$(field "$out" class=bounce perm)
	l_ok=$(field "$out" class=listed ok)
	if [ "$v" = A ]; then
		exp_pol=$exp_b exp_nat=0 exp_dec=$n
	else
		exp_pol=0 exp_nat=$exp_b exp_dec=0
	fi
	verdict=ok
	if [ "$rc" -ne 0 ] || [ "$rej_pol" != "$exp_pol" ] || [ "$rej_nat" != "$exp_nat" ] ||
		[ "$dec" != "$exp_dec" ] || [ "${ok:-x}" != "$exp_ok" ] || [ "${perm:-x}" != "$exp_b" ] ||
		[ "${b_perm:-x}" != "$exp_b" ] || [ "${l_ok:-x}" != "$exp_l" ] ||
		[ "${temp:-x}" != 0 ] || [ "${err:-x}" != 0 ] || [ "$acc" != "$exp_ok" ] ||
		[ "$del" != "$exp_ok" ]; then
		verdict=WRONG
		bad=$((bad + 1))
	fi
	ticks=$(getconf CLK_TCK)
	printf '%-8s %s %7.3f s %6.1f msg/s  client 2xx %s 5xx %s 4xx %s err %s  queued %s  sink %s  rejected by policyd %s native %s  decisions %s  cpu: servers %s s, policyd %.2f s  load %s-%s  counts %s\n' \
		"$tag" "$v" "$wall" "$(awk -v n="$n" -v w="$wall" 'BEGIN { print (w > 0 ? n / w : 0) }')" \
		"$ok" "$perm" "$temp" "$err" "$acc" "$del" "$rej_pol" "$rej_nat" "$dec" "$RUN_CPU" \
		"$(awk -v a="$c0" -v b="$c1" -v t="$ticks" 'BEGIN { print (b - a) / t }')" \
		"$load0" "$load1" "$verdict"
	if [ "$verdict" != ok ]; then
		sed 's/^/    /' "$out"
	fi
	RUN_WALL=$wall
}

echo "bench-postfix: $PAIRS pairs, $MESSAGES messages a run (80% ordinary/unlisted," \
	"10% bounces/listed, 10% ordinary/listed), $SESSIONS sessions, 2 KB"
echo "  A = ndrguard policyd ($("$NDRGUARD" version 2>/dev/null)), B = Postfix native safe mode; rbldnsd at $DNS_IP:53"
warm=$((MESSAGES / 4))
[ $warm -ge 200 ] || warm=200
run A warm-A "$warm"
run B warm-B "$warm"

: >"$T/pairs"
p=1
while [ $p -le "$PAIRS" ]; do
	if [ $((p % 2)) -eq 1 ]; then
		run A "pair$p" "$MESSAGES"
		a=$RUN_WALL ac=$RUN_CPU
		run B "pair$p" "$MESSAGES"
		b=$RUN_WALL bc=$RUN_CPU
		order=AB
	else
		run B "pair$p" "$MESSAGES"
		b=$RUN_WALL bc=$RUN_CPU
		run A "pair$p" "$MESSAGES"
		a=$RUN_WALL ac=$RUN_CPU
		order=BA
	fi
	echo "$p $order $a $b $ac $bc" >>"$T/pairs"
	p=$((p + 1))
done

echo
python3 - "$T/pairs" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
walls, cpus = [], []
print("pair order   A wall s   B wall s    A/B    A cpu s   B cpu s    A/B")
for p, order, a, b, ac, bc in rows:
    r = float(a) / float(b)
    rc = float(ac) / float(bc) if float(bc) > 0 else float("nan")
    walls.append(r)
    cpus.append(rc)
    print(f"{p:>4} {order:>5}   {float(a):8.3f}   {float(b):8.3f}  {r:6.3f}   {float(ac):7.2f}   {float(bc):7.2f}  {rc:6.3f}")
med = statistics.median(walls)
print(f"postfix policyd/native wall-time ratio A/B: median {med:.3f}, "
      f"min-max {min(walls):.3f}-{max(walls):.3f} over {len(walls)} pairs (goal <= 1.03)")
print(f"postfix policyd/native server CPU ratio A/B: median {statistics.median(cpus):.3f}, "
      f"min-max {min(cpus):.3f}-{max(cpus):.3f} (Postfix + sink + rbldnsd + policyd, user+sys)")
PY
kill -TERM "$POLICYD_PID" 2>/dev/null
wait "$POLICYD_PID"
prc=$?
[ $prc -eq 0 ] || { echo "policyd exited $prc on SIGTERM" >&2; bad=$((bad + 1)); }
if [ $bad -ne 0 ]; then
	echo "bench-postfix: $bad run(s) with wrong counts or a failed step (rerun with NG_KEEP=1 to keep the logs)"
	exit 1
fi
echo "bench-postfix: counts right in every run: every bounce from $LISTED rejected, everything else delivered"
