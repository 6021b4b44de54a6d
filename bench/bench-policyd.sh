#!/usr/bin/env bash
# bench-policyd.sh: decisions per second of `ndrguard policyd` over the
# Postfix policy protocol, with a warm DNSBL cache.
#
# usage: bench/bench-policyd.sh NDRGUARD_BIN [POLICYD_LOAD_BIN]
#
# Starts the test DNS server of tests/integration/policyd_proto.py (zone
# bl.test, 192.0.2.1 listed) and policyd on free loopback ports, policyd
# pinned to one CPU (SERVER_CPU, default 0) and the load client
# bench/policyd_load to another (CLIENT_CPU, default 1), then runs the
# client RUNS times (default 5) for SECS seconds each (default 5, after 1 s
# of warm-up) and prints every run, the median and the CPU time policyd
# used (decisions per policyd CPU-second: what one core can do even when
# the client is the bottleneck).
#
# Knobs (environment): CONNS=32 connections, DEPTH=1 requests in flight per
# connection (1 = request/reply in turn, as Postfix does), MIX=10,10,80,0
# (bounce from the listed IP, ordinary mail from it, ordinary mail from
# unlisted IPs, bounces from unlisted IPs; percent), LOG=info (one log line
# per decision, written to a file as in production; LOG=warning to leave
# logging out).  Use a release build: sanitizers cost 3-5x.
#
# Needs python3 and taskset (util-linux); exit 77 when fewer than 2 CPUs.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 NDRGUARD_BIN [POLICYD_LOAD_BIN]" >&2
	exit 2
fi
NDRGUARD=$1
LOAD=${2:-$(dirname "$NDRGUARD")/policyd_load}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
RUNS=${RUNS:-5}
SECS=${SECS:-5}
CONNS=${CONNS:-32}
DEPTH=${DEPTH:-1}
MIX=${MIX:-10,10,80,0}
LOG=${LOG:-info}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}

for b in "$NDRGUARD" "$LOAD"; do
	if [ ! -x "$b" ]; then
		echo "$0: $b: not an executable" >&2
		exit 2
	fi
done
if [ "$(nproc)" -lt 2 ]; then
	echo "SKIP: bench-policyd needs 2 CPUs (server and client pinned apart)"
	exit 77
fi

. "$TOP/tests/integration/common.sh"
ng_tmpdir
dnsport=$(ng_free_port)
port=$(ng_free_port)

python3 "$TOP/tests/integration/policyd_proto.py" --serve-dns "$dnsport" >"$NG_TMP/dns.log" 2>&1 &
ng_track $!
sleep 0.3

taskset -c "$SERVER_CPU" "$NDRGUARD" policyd -c /dev/null \
	-o "policyd_listen=inet:127.0.0.1:$port" -o "dns_servers=127.0.0.1:$dnsport" \
	-o dnsbl_zones=bl.test -o "log_level=$LOG" -o policyd_max_clients=20000 \
	2>"$NG_TMP/policyd.log" &
pid=$!
ng_track $pid
if ! ng_wait_port 127.0.0.1 "$port" 10; then
	cat "$NG_TMP/policyd.log" >&2
	ng_fail "policyd did not start"
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

echo "policyd_load: $CONNS connections, depth $DEPTH, mix $MIX, ${SECS}s x $RUNS runs, log_level=$LOG"
echo "cpus: server $SERVER_CPU, client $CLIENT_CPU; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
rates=""
cpu_rates=""
hz=$(getconf CLK_TCK)
for i in $(seq 1 "$RUNS"); do
	t0=$(cpu_ticks "$pid")
	out=$(taskset -c "$CLIENT_CPU" "$LOAD" -c "$CONNS" -d "$DEPTH" -t "$SECS" -w 1 -m "$MIX" \
		"inet:127.0.0.1:$port")
	t1=$(cpu_ticks "$pid")
	rate=$(echo "$out" | sed -n 's/.* rate=\([0-9]*\)\/s.*/\1/p')
	dec=$(echo "$out" | sed -n 's/^decisions=\([0-9]*\) .*/\1/p')
	# policyd's CPU over warm-up + measurement; decisions scaled likewise
	cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
	cpr=$(awk -v d="$dec" -v s="$SECS" -v c="$cpu" \
		'BEGIN { if (c > 0) printf "%.0f", d * (s + 1) / s / c; else print 0 }')
	echo "run $i: $out policyd_cpu=${cpu}s (~$cpr decisions/cpu-s)"
	rates="$rates $rate"
	cpu_rates="$cpu_rates $cpr"
done
median() { echo "$@" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "policyd decisions/s (median of $RUNS): $(median $rates)  (runs:$rates)"
echo "policyd decisions per policyd CPU-second (median): $(median $cpu_rates)"
kill -USR1 "$pid"
sleep 0.2
grep ' stats ' "$NG_TMP/policyd.log" | tail -1 | cut -c1-400
