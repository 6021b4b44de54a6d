# dnsd.sh - a real DNSBL server (rbldnsd) on loopback for integration tests.
#
# Sourced after common.sh (it sources common.sh itself when that has not
# happened yet).  Every server listens on 127.0.0.1 on a free high port, keeps
# its data in NG_TMP and is stopped through ng_track by its PID at exit.
#
#   . tests/integration/dnsd.sh
#   ng_tmpdir
#   ng_dnsd_data FILE [ENTRY...]   -> an ip4set/ip6trie data file with an
#                                     SOA (negative TTL 30 s), TTL 120 s,
#                                     the RFC 5782 test entry 127.0.0.2
#                                     (A 127.0.0.2) and each ENTRY as a line,
#                                     e.g. "192.0.2.10", "192.0.2.11
#                                     :127.0.0.4:Spam from $", "2001:db8::1"
#   ng_dnsd_data_notest FILE [ENTRY...] -> the same without 127.0.0.2 (a zone
#                                     that fails its self-test)
#   ng_dnsd_errzone_data FILE [ACODE] -> every IPv4 and IPv6 address answers
#                                     ACODE (default 127.255.255.254,
#                                     "query refused"), 127.0.0.2 included
#   ng_dnsd_start ZONE DATA [ZONE DATA]...
#                                  -> starts one rbldnsd serving every ZONE
#                                     from DATA; DATA is FILE (ip4set plus
#                                     ip6trie, so one file lists v4 and v6)
#                                     or TYPE:FILE (any rbldnsd dataset
#                                     type); repeat a ZONE to merge files.
#                                     Sets NG_DNSD_PORT and NG_DNSD_PID;
#                                     returns 0 once 2.0.0.127.ZONE answers
#                                     for the first zone, else fails.
#   ng_dnsd_stop [PID]             -> stops the server (default: the last one
#                                     started, NG_DNSD_PID) and waits for it:
#                                     its port then answers nothing ("down")
#   ng_dnsd_down_port              -> prints a port on 127.0.0.1 where no DNS
#                                     server listens (queries time out or are
#                                     refused by ICMP: "server down")
#   ng_dnsd_require                -> ng_skip (exit 77) unless rbldnsd is
#                                     installed
#
# rbldnsd re-reads changed data files every second here (-c 1s), so a test
# may edit a DATA file and wait ~2 s for the new answers.  The server log is
# $NG_TMP/rbldnsd-PORT.log.  Needs rbldnsd; dig is used to wait for start-up
# when installed (python3 otherwise).

if ! command -v ng_tmpdir >/dev/null 2>&1; then
	. "$(dirname "$0")/common.sh"
fi

NG_DNSD_PORT=""
NG_DNSD_PID=""

ng_dnsd_bin() {
	if command -v rbldnsd >/dev/null 2>&1; then
		command -v rbldnsd
	elif [ -x /usr/sbin/rbldnsd ]; then
		echo /usr/sbin/rbldnsd
	else
		return 1
	fi
}

ng_dnsd_require() {
	ng_dnsd_bin >/dev/null || ng_skip "rbldnsd not installed"
}

# SOA: the negative-caching TTL (last field) is 30 s; answers carry 120 s.
ng_dnsd_header() {
	printf '%s\n' '$SOA 60 ns.bl.test. hostmaster.bl.test. 1 600 300 86400 30' \
		'$TTL 120' \
		':127.0.0.2:Listed, see http://bl.test/lookup?ip=$'
}

ng_dnsd_data() {
	f=$1
	shift
	{
		ng_dnsd_header
		echo '127.0.0.2'
		for e in "$@"; do
			printf '%s\n' "$e"
		done
	} >"$f" || return 1
	chmod 644 "$f"
}

ng_dnsd_data_notest() {
	f=$1
	shift
	{
		ng_dnsd_header
		for e in "$@"; do
			printf '%s\n' "$e"
		done
	} >"$f" || return 1
	chmod 644 "$f"
}

ng_dnsd_errzone_data() {
	{
		ng_dnsd_header
		printf ':%s:Query refused\n' "${2:-127.255.255.254}"
		echo '0-255'
		echo '::/0'
	} >"$1" || return 1
	chmod 644 "$1"
}

ng_dnsd_stop() {
	pid=${1:-$NG_DNSD_PID}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

ng_dnsd_down_port() {
	ng_free_port
}

# Is the server up: does 2.0.0.127.ZONE get any answer (even NXDOMAIN)?
ng_dnsd_probe() {
	if command -v dig >/dev/null 2>&1; then
		dig @127.0.0.1 -p "$1" +time=1 +tries=1 "2.0.0.127.$2" A 2>/dev/null |
			grep -q 'status: '
		return $?
	fi
	python3 - "$1" "$2" <<'PY'
import socket, struct, sys
port, zone = int(sys.argv[1]), sys.argv[2]
q = struct.pack(">HHHHHH", 0x4e47, 0, 1, 0, 0, 0)
for label in ("2.0.0.127." + zone).split("."):
    q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
try:
    s.sendto(q, ("127.0.0.1", port))
    sys.exit(0 if s.recv(512)[:2] == q[:2] else 1)
except OSError:
    sys.exit(1)
PY
}

ng_dnsd_start() {
	if [ $# -lt 2 ] || [ $(($# % 2)) -ne 0 ]; then
		ng_fail "usage: ng_dnsd_start ZONE DATA [ZONE DATA]..."
	fi
	[ -n "$NG_TMP" ] || ng_tmpdir
	bin=$(ng_dnsd_bin) || ng_skip "rbldnsd not installed"
	first_zone=$1
	specs=""
	while [ $# -ge 2 ]; do
		case $2 in
		*:*) specs="$specs $1:$2" ;;
		*) specs="$specs $1:ip4set:$2 $1:ip6trie:$2" ;;
		esac
		shift 2
	done
	# rbldnsd refuses to run as root: drop to its own user (or nobody).
	user=""
	if [ "$(id -u)" = 0 ]; then
		if id rbldns >/dev/null 2>&1; then
			user="-u rbldns"
		else
			user="-u nobody"
		fi
	fi
	tries=0
	while [ $tries -lt 5 ]; do
		tries=$((tries + 1))
		NG_DNSD_PORT=$(ng_free_port)
		log="$NG_TMP/rbldnsd-$NG_DNSD_PORT.log"
		# shellcheck disable=SC2086 # word splitting of $user and $specs wanted
		"$bin" -n $user -c 1s -b "127.0.0.1/$NG_DNSD_PORT" $specs >"$log" 2>&1 &
		NG_DNSD_PID=$!
		ng_track "$NG_DNSD_PID"
		i=0
		while [ $i -lt 50 ]; do
			if ! kill -0 "$NG_DNSD_PID" 2>/dev/null; then
				break # lost the port race or bad data: retry or fail
			fi
			if ng_dnsd_probe "$NG_DNSD_PORT" "$first_zone"; then
				return 0
			fi
			sleep 0.1
			i=$((i + 1))
		done
		kill -TERM "$NG_DNSD_PID" 2>/dev/null
		grep -q 'address already in use\|Address already in use' "$log" || break
	done
	cat "$log" 2>/dev/null
	ng_fail "rbldnsd did not start (zones:$specs)"
}
