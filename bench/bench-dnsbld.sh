#!/usr/bin/env bash
# bench-dnsbld.sh: `ndrguard dnsbld` against rbldnsd on one data set, side
# by side in one run.
#
# usage: bench/bench-dnsbld.sh NDRGUARD_BIN
#
# The data set (bench/gen_dnsbl_data.py, deterministic): 1,000,000 IPv4
# addresses + 1,000 /24 networks (rbldnsd ip4set) and 100,000 IPv6 /64s
# (ip6tset), zone bl.test; rbldnsd serves the two files as ip4set and
# ip6tset datasets, dnsbld their concatenation with --data (its import
# parser reads both formats).  The queries: 200,000 names, 60% listed
# (IPv4 /32s, addresses inside the /24s, IPv6 nibble names inside the
# /64s, some TXT), 40% not listed (NXDOMAIN), IPv4 and IPv6.
#
# Each server runs alone on loopback, pinned to SERVER_CPU (default 0);
# every client (dnsperf, the start-up probe) to CLIENT_CPU (default 1).
# Measured, per server:
#
#   memory      RssAnon (resident anonymous memory: the data structures;
#               the shared libraries' file pages come and go with the page
#               cache and are left out) after loading an IPv4-only and an
#               IPv6-only data set and one second of queries, minus the
#               same with an empty zone, divided by the entries; the
#               category of each entry is included (dnsbld's mask byte;
#               rbldnsd's ip4set keeps a value per entry, its ip6tset one
#               value for the whole file, so rbldnsd is also measured with
#               the /64s as ip6trie)
#   start       from exec to the first answer listing an address of the
#               data set (a python3 probe asking every millisecond), and
#               the server's CPU time until then, with the full data set;
#               RUNS starts, the median
#   check       one pass over the queries at 20 in flight: the response
#               codes of both servers must be the same (else exit 1)
#   throughput  RUNS runs of SECS seconds of dnsperf at INFLIGHT queries in
#               flight (as fast as the server answers): queries per second,
#               queries lost, and the server's CPU per answered query
#               (utime + stime of its PID from /proc, every thread
#               included, before and after, over the answers)
#   reload      RUNS runs of RELOAD_SECS seconds at RELOAD_QPS queries a
#               second (up to RELOAD_INFLIGHT in flight, so that a stalled
#               server sees the traffic an open-loop client sends), with a
#               SIGHUP at each of RELOAD_AT seconds (the data files touched
#               first: rbldnsd reloads only files that changed; dnsbld
#               rebuilds its index at every SIGHUP): queries lost
#
# Every dnsperf run also reports what the kernel dropped at the server's
# socket (the drops column of /proc/net/udp), so that a loss is known to
# be the server's; dnsperf gets a DNSPERF_BUF KiB socket buffer so that
# its own socket does not drop answers that come in a burst.
#
# Printed: a table of both servers, the ratios and the goals (issue: CPU
# per query <= 0.5x rbldnsd's, 0 lost at 200 in flight, 0 lost during a
# reload, <= 6 bytes per IPv4 address, <= 10 per IPv6 /64).  Runs of the
# two servers alternate (rbldnsd first in odd rounds, dnsbld first in even
# ones) so that drifting load on the machine hits both alike; the load
# average is printed with every run.  A missed goal is reported, not an
# error.
#
# Knobs (environment): RUNS=3, SECS=10, INFLIGHT=200, RELOAD_SECS=8,
# RELOAD_QPS=5000, RELOAD_INFLIGHT=5000, RELOAD_AT=3 (seconds into the
# run; "2 5" for two reloads), SERVER_CPU=0, CLIENT_CPU=1, V4=1000000,
# RANGES=1000, V6=100000, QUERIES=200000, DNSPERF_BUF=4096,
# RBLDNSD_FORK=1 (rbldnsd -f: a child answers while the parent reloads),
# NG_KEEP=1 (keep the temporary directory: data, logs, dnsperf output).
#
# Needs rbldnsd, dnsperf, python3 and taskset; exit 77 without rbldnsd or
# dnsperf, or on a machine with one CPU.  Exit 1 when a server does not
# start, dies, or the two answer differently; 2 on usage errors.  Takes
# about 4 minutes with the defaults.
set -eu
export LC_ALL=C

if [ $# -ne 1 ]; then
	echo "usage: $0 NDRGUARD_BIN" >&2
	exit 2
fi
NDRGUARD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
RUNS=${RUNS:-3}
SECS=${SECS:-10}
INFLIGHT=${INFLIGHT:-200}
RELOAD_SECS=${RELOAD_SECS:-8}
RELOAD_QPS=${RELOAD_QPS:-5000}
RELOAD_INFLIGHT=${RELOAD_INFLIGHT:-5000}
RELOAD_AT=${RELOAD_AT:-3}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
V4=${V4:-1000000}
RANGES=${RANGES:-1000}
V6=${V6:-100000}
QUERIES=${QUERIES:-200000}
RBLDNSD_FORK=${RBLDNSD_FORK:-0}
DNSPERF_BUF=${DNSPERF_BUF:-4096}
ZONE=bl.test

if [ ! -x "$NDRGUARD" ]; then
	echo "$0: $NDRGUARD: not an executable" >&2
	exit 2
fi
. "$TOP/tests/integration/common.sh"
. "$TOP/tests/integration/dnsd.sh"
RBLDNSD=$(ng_dnsd_bin) || ng_skip "bench-dnsbld needs rbldnsd"
command -v dnsperf >/dev/null 2>&1 || ng_skip "bench-dnsbld needs dnsperf (apt-get install dnsperf)"
command -v taskset >/dev/null 2>&1 || ng_skip "bench-dnsbld needs taskset (util-linux)"
[ "$(nproc)" -ge 2 ] || ng_skip "bench-dnsbld needs 2 CPUs (server and client pinned apart)"
"$NDRGUARD" dnsbld --help >/dev/null 2>&1 || ng_skip "$NDRGUARD has no dnsbld command"

# the cleanup must not stop at the first server that has already gone
trap 'set +e; ng_cleanup' EXIT
ng_tmpdir
D=$NG_TMP
HZ=$(getconf CLK_TCK)

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
LOAD_BEFORE=$(loadavg)
echo "bench-dnsbld: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs," \
	"kernel $(uname -r); server CPU $SERVER_CPU, client CPU $CLIENT_CPU"
echo "rbldnsd: $RBLDNSD ($(dpkg-query -W -f '${Version}' rbldnsd 2>/dev/null || echo '?'))," \
	"$(dnsperf -h 2>&1 | grep -m1 Version | sed 's/^Version/dnsperf/')"
echo "load average before: $LOAD_BEFORE"

t=$EPOCHREALTIME
python3 "$HERE/gen_dnsbl_data.py" "$D" --v4 "$V4" --ranges "$RANGES" --v6 "$V6" \
	--queries "$QUERIES" --zone "$ZONE"
cat "$D/v4.ip4set" "$D/v6.ip6tset" >"$D/all.data"
chmod 644 "$D/all.data"
PROBE4=$(awk '$1 == "v4" {print $2}' "$D/probes")
PROBE6=$(awk '$1 == "v6" {print $2}' "$D/probes")
echo "data: $V4 IPv4 + $RANGES /24 + $V6 IPv6 /64, $QUERIES queries" \
	"(generated in $(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}') s)"

# The start-up probe: asks NAME (A) every millisecond until an answer with
# records comes, prints the wall-clock time of that answer.
cat >"$D/probe.py" <<'PY'
import select, socket, struct, sys, time
port, name, ready, limit = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
q = b""
for label in name.rstrip(".").split("."):
    q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
with open(ready, "w") as f:
    f.write("1\n")
end = time.monotonic() + limit
qid = 0
while time.monotonic() < end:
    qid = (qid + 1) & 0xFFFF
    try:
        s.sendto(struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + q, ("127.0.0.1", port))
    except OSError:
        pass
    ready_fds, _, _ = select.select([s], [], [], 0.001)
    while ready_fds:
        try:
            data = s.recv(4096)
        except OSError:
            break
        if len(data) >= 12:
            flags, ancount = struct.unpack(">H", data[2:4])[0], struct.unpack(">H", data[6:8])[0]
            if flags & 0x8000 and flags & 0xF == 0 and ancount > 0:
                print("%.6f" % time.time())
                sys.exit(0)
        ready_fds, _, _ = select.select([s], [], [], 0)
sys.exit(1)
PY

# ----- the servers -----

RBL_USER=""
DB_USER=""
if [ "$(id -u)" = 0 ]; then
	# rbldnsd refuses to run as root; dnsbld drops to the same user
	if id rbldns >/dev/null 2>&1; then RBL_USER=rbldns; else RBL_USER=nobody; fi
	DB_USER=$RBL_USER
fi
RBL_FLAGS=""
[ "$RBLDNSD_FORK" = 1 ] && RBL_FLAGS="-f"

# The data files of a set: empty, v4, v6, all.
rbl_specs() {
	case $1 in
	empty) echo "$ZONE:ip4set:$D/empty.ip4set $ZONE:ip6tset:$D/empty.ip6tset" ;;
	v4) echo "$ZONE:ip4set:$D/v4.ip4set $ZONE:ip6tset:$D/empty.ip6tset" ;;
	v6) echo "$ZONE:ip4set:$D/empty.ip4set $ZONE:ip6tset:$D/v6.ip6tset" ;;
	v6trie) echo "$ZONE:ip4set:$D/empty.ip4set $ZONE:ip6trie:$D/v6.ip6trie" ;;
	all) echo "$ZONE:ip4set:$D/v4.ip4set $ZONE:ip6tset:$D/v6.ip6tset" ;;
	esac
}
db_data() {
	case $1 in
	empty) echo "$D/empty.ip4set" ;;
	v4) echo "$D/v4.ip4set" ;;
	v6) echo "$D/v6.ip6tset" ;;
	all) echo "$D/all.data" ;;
	esac
}
probe_name() {
	case $1 in
	empty) echo "2.0.0.127.$ZONE" ;;
	v6 | v6trie) echo "$PROBE6" ;;
	*) echo "$PROBE4" ;;
	esac
}

# start_server rbldnsd|dnsbld SET: starts it pinned to SERVER_CPU on a free
# port and waits for the first answer with records; sets SRV_PID, SRV_PORT,
# SRV_LOG and START_SECS (exec to that answer).
start_server() {
	srv=$1
	set_=$2
	SRV_PORT=$(ng_free_port)
	SRV_LOG="$D/$srv-$SRV_PORT.log"
	rm -f "$D/ready" "$D/t1"
	taskset -c "$CLIENT_CPU" python3 "$D/probe.py" "$SRV_PORT" "$(probe_name "$set_")" \
		"$D/ready" 120 >"$D/t1" &
	ppid=$!
	n=0
	while [ ! -s "$D/ready" ] && [ $n -lt 500 ]; do
		sleep 0.01
		n=$((n + 1))
	done
	t0=$EPOCHREALTIME
	if [ "$srv" = rbldnsd ]; then
		# shellcheck disable=SC2046 # the dataset specs are separate words
		taskset -c "$SERVER_CPU" "$RBLDNSD" -n ${RBL_USER:+-u "$RBL_USER"} $RBL_FLAGS -c 0 \
			-b "127.0.0.1/$SRV_PORT" $(rbl_specs "$set_") >"$SRV_LOG" 2>&1 &
	else
		taskset -c "$SERVER_CPU" "$NDRGUARD" dnsbld -c /dev/null \
			-o "dnsbld_listen=127.0.0.1:$SRV_PORT" -o "dnsbld_zone=$ZONE" \
			-o "dnsbld_txt_template=Listed, see http://$ZONE/lookup?ip=\$" \
			-o "dnsbld_ns=ns.$ZONE" -o "dnsbld_hostmaster=hostmaster@$ZONE" \
			-o dnsbld_ttl=2m -o dnsbld_negative_ttl=30s -o dnsbld_reload_interval=1d \
			-o log_level=info ${DB_USER:+-o "daemon_user=$DB_USER"} \
			--data "$(db_data "$set_")" 2>"$SRV_LOG" &
	fi
	SRV_PID=$!
	ng_track "$SRV_PID"
	while kill -0 "$ppid" 2>/dev/null; do
		if ! kill -0 "$SRV_PID" 2>/dev/null; then
			kill "$ppid" 2>/dev/null
			wait "$ppid" 2>/dev/null || true
			cat "$SRV_LOG"
			ng_fail "$srv did not start ($set_ data set)"
		fi
		sleep 0.02
	done
	if ! wait "$ppid"; then
		cat "$SRV_LOG"
		ng_fail "$srv did not answer within 120 s ($set_ data set)"
	fi
	START_SECS=$(awk -v a="$t0" -v b="$(cat "$D/t1")" 'BEGIN {printf "%.3f", b - a}')
	read -r u s <<<"$(cpu_ticks "$SRV_PID")"
	START_CPU=$(awk -v t=$((u + s)) -v hz="$HZ" 'BEGIN {printf "%.2f", t / hz}')
}

stop_server() {
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

rss_kb() { awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status"; }
anon_kb() { awk '$1 == "RssAnon:" {print $2}' "/proc/$1/status"; }
# datagrams the kernel dropped at the server's UDP socket (a full receive
# buffer): the last column of /proc/net/udp
udp_drops() {
	awk -v p=":$(printf '%04X' "$1")" 'substr($2, length($2) - 4) == p {d += $NF} END {print d + 0}' /proc/net/udp
}
hwm_kb() { awk '$1 == "VmHWM:" {print $2}' "/proc/$1/status"; }
# utime and stime of a process (every thread), in ticks
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12, $13}'; }
median() { echo "$@" | tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
sum() { echo "$@" | tr ' ' '\n' | grep . | awk '{s += $1} END {print s + 0}'; }
dp_field() { # dnsperf output, field name: the first number after it
	awk -v f="$2" 'index($0, f ":") { sub(".*" f ":[ \t]*", ""); print $1 + 0; exit }' "$1"
}

declare -A R # results: R[server.key]

# ----- 1. memory -----

per_entry() { awk -v a="$1" -v e="$2" -v n="$3" 'BEGIN {printf "%.2f", (a - e) * 1024 / n}'; }
echo
echo "== memory: RssAnon (resident anonymous memory: the data, not the shared libraries'" \
	"pages) with an empty zone, $((V4 + RANGES)) IPv4 entries, $V6 IPv6 /64s"
for srv in rbldnsd dnsbld; do
	sets="empty v4 v6"
	[ "$srv" = rbldnsd ] && sets="$sets v6trie"
	for set_ in $sets; do
		start_server "$srv" "$set_"
		# one second of queries first, so that every buffer a server
		# touches when busy is counted with each data set alike
		taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "$SRV_PORT" -d "$D/queries.txt" \
			-l 1 -q "$INFLIGHT" -t 1 -b "$DNSPERF_BUF" >/dev/null 2>&1 || true
		sleep 0.2
		R[$srv.anon_$set_]=$(anon_kb "$SRV_PID")
		R[$srv.rss_$set_]=$(rss_kb "$SRV_PID")
		if [ "$srv" = dnsbld ]; then
			ib=$(sed -n 's/.*index built:.* bytes=\([0-9]*\).*/\1/p' "$SRV_LOG" | tail -1)
			R[$srv.ixbytes_$set_]=${ib:-0}
		fi
		stop_server "$SRV_PID"
	done
	R[$srv.mem4]=$(per_entry "${R[$srv.anon_v4]}" "${R[$srv.anon_empty]}" $((V4 + RANGES)))
	R[$srv.mem6]=$(per_entry "${R[$srv.anon_v6]}" "${R[$srv.anon_empty]}" "$V6")
	printf '%-8s empty %5d KiB; IPv4 set %6d KiB, %5s B/entry; IPv6 set %5d KiB, %5s B/entry (VmRSS %d, %d, %d KiB)\n' \
		"$srv" "${R[$srv.anon_empty]}" "${R[$srv.anon_v4]}" "${R[$srv.mem4]}" \
		"${R[$srv.anon_v6]}" "${R[$srv.mem6]}" \
		"${R[$srv.rss_empty]}" "${R[$srv.rss_v4]}" "${R[$srv.rss_v6]}"
done
R[rbldnsd.mem6trie]=$(per_entry "${R[rbldnsd.anon_v6trie]}" "${R[rbldnsd.anon_empty]}" "$V6")
echo "rbldnsd, the /64s as ip6trie instead (any prefix, a value per entry): ${R[rbldnsd.mem6trie]} B/entry"
printf 'dnsbld index alone (its own count): %s B/IPv4 entry, %s B/IPv6 /64\n' \
	"$(awk -v a="${R[dnsbld.ixbytes_v4]}" -v e="${R[dnsbld.ixbytes_empty]}" -v n=$((V4 + RANGES)) \
		'BEGIN {printf "%.2f", (a - e) / n}')" \
	"$(awk -v a="${R[dnsbld.ixbytes_v6]}" -v e="${R[dnsbld.ixbytes_empty]}" -v n="$V6" \
		'BEGIN {printf "%.2f", (a - e) / n}')"

# ----- 2. start to first answer (full data set); the last ones stay up -----

echo
echo "== start to first answer, full data set ($RUNS starts each)"
declare -A PID PORT LOG
for i in $(seq 1 "$RUNS"); do
	for srv in rbldnsd dnsbld; do
		start_server "$srv" all
		sleep 0.3
		R[$srv.start]="${R[$srv.start]:-} $START_SECS"
		R[$srv.start_cpu]="${R[$srv.start_cpu]:-} $START_CPU"
		R[$srv.rss_all]="${R[$srv.rss_all]:-} $(rss_kb "$SRV_PID")"
		R[$srv.hwm_all]="${R[$srv.hwm_all]:-} $(hwm_kb "$SRV_PID")"
		echo "start $i: $srv ${START_SECS}s (CPU ${START_CPU}s), VmRSS $(rss_kb "$SRV_PID") KiB," \
			"VmHWM $(hwm_kb "$SRV_PID") KiB, load $(loadavg)"
		if [ "$i" -lt "$RUNS" ]; then
			stop_server "$SRV_PID"
		else
			PID[$srv]=$SRV_PID
			PORT[$srv]=$SRV_PORT
			LOG[$srv]=$SRV_LOG
		fi
	done
done
grep -h 'zones reloaded' "${LOG[rbldnsd]}" | sed 's/^/rbldnsd: /' | head -1
grep -h 'index built' "${LOG[dnsbld]}" | sed 's/.*index built: /dnsbld: index built: /' | head -1
if command -v ss >/dev/null 2>&1; then
	for srv in rbldnsd dnsbld; do
		# the largest: dnsbld's send-only twin socket (same port) receives nothing
		rb=$(ss -uamnH "sport = :${PORT[$srv]}" 2>/dev/null | sed -n 's/.*skmem:(r[0-9]*,rb\([0-9]*\),.*/\1/p' | sort -n | tail -1)
		R[$srv.rcvbuf]=${rb:-?}
	done
	echo "UDP receive buffer (SO_RCVBUF): rbldnsd ${R[rbldnsd.rcvbuf]} B, dnsbld ${R[dnsbld.rcvbuf]} B"
fi

# ----- 3. the same answers -----

# dnsperf_run SERVER OUT ARGS...: dnsperf pinned to CLIENT_CPU against
# SERVER with the query file; DROPS = what the server's socket dropped.
dnsperf_run() {
	drops0=$(udp_drops "${PORT[$1]}")
	taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "${PORT[$1]}" -d "$D/queries.txt" -t 2 \
		-b "$DNSPERF_BUF" "${@:3}" >"$2" 2>&1 || true
	DROPS=$(($(udp_drops "${PORT[$1]}") - drops0))
}

echo
echo "== check: one pass over the $QUERIES queries, 20 in flight"
for srv in rbldnsd dnsbld; do
	out="$D/check-$srv.out"
	dnsperf_run "$srv" "$out" -n 1 -q 20
	codes=$(sed -n 's/^ *Response codes: *//p' "$out" | sed 's/ ([0-9.]*%)//g')
	R[$srv.codes]=$codes
	echo "$srv: completed $(dp_field "$out" 'Queries completed'), lost $(dp_field "$out" 'Queries lost'): $codes"
done
if [ "${R[rbldnsd.codes]}" != "${R[dnsbld.codes]}" ]; then
	ng_fail "the servers answer differently (response codes above)"
fi

# ----- 4. throughput -----

order() { # the two servers, rbldnsd first in odd rounds
	if [ $(($1 % 2)) -eq 1 ]; then echo rbldnsd dnsbld; else echo dnsbld rbldnsd; fi
}
alive() {
	kill -0 "${PID[$1]}" 2>/dev/null || {
		cat "${LOG[$1]}"
		ng_fail "$1 died"
	}
}

echo
echo "== throughput: $RUNS x ${SECS}s, $INFLIGHT in flight"
for i in $(seq 1 "$RUNS"); do
	for srv in $(order "$i"); do
		out="$D/thru-$srv-$i.out"
		read -r u0 s0 <<<"$(cpu_ticks "${PID[$srv]}")"
		dnsperf_run "$srv" "$out" -l "$SECS" -q "$INFLIGHT"
		read -r u1 s1 <<<"$(cpu_ticks "${PID[$srv]}")"
		alive "$srv"
		done_=$(dp_field "$out" 'Queries completed')
		lost=$(dp_field "$out" 'Queries lost')
		qps=$(dp_field "$out" 'Queries per second')
		[ "${done_:-0}" -gt 0 ] || { cat "$out"; ng_fail "dnsperf got no answers from $srv"; }
		us=$(awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v n="$done_" -v hz="$HZ" \
			'BEGIN {printf "%.2f %.2f %.2f", (u + s) / hz / n * 1e6, u / hz / n * 1e6, s / hz / n * 1e6}')
		read -r cpu cu cs <<<"$us"
		R[$srv.cpu]="${R[$srv.cpu]:-} $cpu"
		R[$srv.cpu_u]="${R[$srv.cpu_u]:-} $cu"
		R[$srv.cpu_s]="${R[$srv.cpu_s]:-} $cs"
		R[$srv.qps]="${R[$srv.qps]:-} $qps"
		R[$srv.lost]="${R[$srv.lost]:-} $lost"
		R[$srv.drops]="${R[$srv.drops]:-} $DROPS"
		printf 'run %d: %-8s %6.0f q/s  completed %7d  lost %4d (server socket dropped %d)  CPU %5.2f us/query (user %.2f, system %.2f)  load %s\n' \
			"$i" "$srv" "$qps" "$done_" "$lost" "$DROPS" "$cpu" "$cu" "$cs" "$(loadavg)"
	done
done
kill -USR1 "${PID[dnsbld]}" 2>/dev/null || true
sleep 0.3
pb=$(grep ' stats ' "${LOG[dnsbld]}" | tail -1 | grep -o 'per_batch=[0-9.]*\|send_errors=[0-9]*\|oversize=[0-9]*' | tr '\n' ' ')
echo "dnsbld counters: $pb"

# ----- 5. reload under load -----

echo
echo "== reload: $RUNS x ${RELOAD_SECS}s at $RELOAD_QPS q/s (up to $RELOAD_INFLIGHT in flight), SIGHUP at ${RELOAD_AT// /, } s"
count_reloads() {
	if [ "$1" = rbldnsd ]; then
		grep -c 'zones reloaded' "${LOG[$1]}" || true
	else
		grep -c 'index unchanged\|index rebuilt' "${LOG[$1]}" || true
	fi
}
nhup=$(echo "$RELOAD_AT" | wc -w)
for i in $(seq 1 "$RUNS"); do
	for srv in $(order "$i"); do
		out="$D/reload-$srv-$i.out"
		before=$(count_reloads "$srv")
		(
			prev=0
			for at in $RELOAD_AT; do
				sleep "$(awk -v a="$at" -v p="$prev" 'BEGIN {print a - p}')"
				prev=$at
				touch "$D/v4.ip4set" "$D/v6.ip6tset" "$D/all.data"
				kill -HUP "${PID[$srv]}" 2>/dev/null || true
			done
		) &
		hup=$!
		dnsperf_run "$srv" "$out" -l "$RELOAD_SECS" -Q "$RELOAD_QPS" -q "$RELOAD_INFLIGHT"
		wait "$hup" || true
		n=0
		while [ "$(count_reloads "$srv")" -lt $((before + nhup)) ] && [ $n -lt 100 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		alive "$srv"
		reloads=$(($(count_reloads "$srv") - before))
		lost=$(dp_field "$out" 'Queries lost')
		sent=$(dp_field "$out" 'Queries sent')
		maxlat=$(sed -n 's/.*Average Latency.*max \([0-9.]*\)).*/\1/p' "$out")
		R[$srv.rlost]="${R[$srv.rlost]:-} $lost"
		R[$srv.rdrops]="${R[$srv.rdrops]:-} $DROPS"
		R[$srv.rmaxlat]="${R[$srv.rmaxlat]:-} $maxlat"
		printf 'run %d: %-8s sent %6d  lost %5d (server socket dropped %d)  max latency %ss  reloads %d of %d  load %s\n' \
			"$i" "$srv" "$sent" "$lost" "$DROPS" "$maxlat" "$reloads" "$nhup" "$(loadavg)"
	done
done
rt=$(grep -h 'zones reloaded' "${LOG[rbldnsd]}" | sed -n 's/.*time \([0-9.]*\)e.*/\1/p' | tail -n +2 | tr '\n' ' ')
R[rbldnsd.reload_secs]=$(median "$rt")
rt=$(grep -h 'index unchanged\|index rebuilt' "${LOG[dnsbld]}" | sed -n 's/.*[ =]\([0-9.]*\)s)$/\1/p; s/.*seconds=\([0-9.]*\).*/\1/p' | tr '\n' ' ')
R[dnsbld.reload_secs]=$(median "$rt")

for srv in rbldnsd dnsbld; do
	stop_server "${PID[$srv]}"
done
LOAD_AFTER=$(loadavg)

# ----- the table -----

for srv in rbldnsd dnsbld; do
	for k in cpu cpu_u cpu_s qps start start_cpu rss_all hwm_all rmaxlat; do
		R[$srv.m_$k]=$(median "${R[$srv.$k]}")
	done
	R[$srv.m_lost]=$(median "${R[$srv.lost]}")
	R[$srv.t_lost]=$(sum "${R[$srv.lost]}")
	R[$srv.m_rlost]=$(median "${R[$srv.rlost]}")
	R[$srv.t_rlost]=$(sum "${R[$srv.rlost]}")
	R[$srv.t_drops]=$(sum "${R[$srv.drops]}")
	R[$srv.t_rdrops]=$(sum "${R[$srv.rdrops]}")
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
met() { if awk "BEGIN {exit !($1)}"; then echo met; else echo "NOT MET"; fi; }

echo
echo "== bench-dnsbld: medians of $RUNS; load average before $LOAD_BEFORE, after $LOAD_AFTER"
row() { printf '%-42s %13s %13s %9s  %s\n' "$@"; }
row "" rbldnsd dnsbld dnsbld/rb "goal"
row "server CPU per query (us)" "${R[rbldnsd.m_cpu]}" "${R[dnsbld.m_cpu]}" \
	"$(ratio "${R[dnsbld.m_cpu]}" "${R[rbldnsd.m_cpu]}")" \
	"<= 0.5x: $(met "${R[dnsbld.m_cpu]} <= 0.5 * ${R[rbldnsd.m_cpu]}")"
row "  user / system (us)" "${R[rbldnsd.m_cpu_u]} / ${R[rbldnsd.m_cpu_s]}" \
	"${R[dnsbld.m_cpu_u]} / ${R[dnsbld.m_cpu_s]}" "" ""
row "queries per second at $INFLIGHT in flight" "${R[rbldnsd.m_qps]%.*}" "${R[dnsbld.m_qps]%.*}" \
	"$(ratio "${R[dnsbld.m_qps]}" "${R[rbldnsd.m_qps]}")" ""
row "lost at $INFLIGHT in flight (median; all runs)" \
	"${R[rbldnsd.m_lost]}; ${R[rbldnsd.t_lost]}" "${R[dnsbld.m_lost]}; ${R[dnsbld.t_lost]}" "" \
	"0: $(met "${R[dnsbld.t_lost]} == 0")"
row "  dropped at the server's socket (all)" "${R[rbldnsd.t_drops]}" "${R[dnsbld.t_drops]}" "" ""
row "lost in reload at $RELOAD_QPS q/s (median; all)" \
	"${R[rbldnsd.m_rlost]}; ${R[rbldnsd.t_rlost]}" "${R[dnsbld.m_rlost]}; ${R[dnsbld.t_rlost]}" "" \
	"0: $(met "${R[dnsbld.t_rlost]} == 0")"
row "  dropped at the server's socket (all)" "${R[rbldnsd.t_rdrops]}" "${R[dnsbld.t_rdrops]}" "" ""
row "  max latency in reload runs (s)" "${R[rbldnsd.m_rmaxlat]}" "${R[dnsbld.m_rmaxlat]}" "" ""
row "  reload/rebuild time (s, as logged)" "${R[rbldnsd.reload_secs]:-?}" "${R[dnsbld.reload_secs]:-?}" "" ""
row "memory per IPv4 entry (bytes)" "${R[rbldnsd.mem4]}" "${R[dnsbld.mem4]}" \
	"$(ratio "${R[dnsbld.mem4]}" "${R[rbldnsd.mem4]}")" "<= 6: $(met "${R[dnsbld.mem4]} <= 6")"
row "memory per IPv6 /64 (bytes)" "${R[rbldnsd.mem6]}" "${R[dnsbld.mem6]}" \
	"$(ratio "${R[dnsbld.mem6]}" "${R[rbldnsd.mem6]}")" "<= 10: $(met "${R[dnsbld.mem6]} <= 10")"
row "  rbldnsd with ip6trie data" "${R[rbldnsd.mem6trie]}" "" \
	"$(ratio "${R[dnsbld.mem6]}" "${R[rbldnsd.mem6trie]}")" ""
row "VmRSS, full data set (KiB)" "${R[rbldnsd.m_rss_all]}" "${R[dnsbld.m_rss_all]}" \
	"$(ratio "${R[dnsbld.m_rss_all]}" "${R[rbldnsd.m_rss_all]}")" ""
row "VmHWM (peak) at start-up (KiB)" "${R[rbldnsd.m_hwm_all]}" "${R[dnsbld.m_hwm_all]}" \
	"$(ratio "${R[dnsbld.m_hwm_all]}" "${R[rbldnsd.m_hwm_all]}")" ""
row "start to first answer (s)" "${R[rbldnsd.m_start]}" "${R[dnsbld.m_start]}" \
	"$(ratio "${R[dnsbld.m_start]}" "${R[rbldnsd.m_start]}")" "(reported)"
row "  server CPU until then (s)" "${R[rbldnsd.m_start_cpu]}" "${R[dnsbld.m_start_cpu]}" \
	"$(ratio "${R[dnsbld.m_start_cpu]}" "${R[rbldnsd.m_start_cpu]}")" ""
if [ "$RBLDNSD_FORK" = 1 ]; then
	echo "(rbldnsd ran with -f: a forked child answered during its reloads)"
fi
exit 0
