# common.sh - sourced by every integration test and by the demo and
# benchmarks that start real servers.
#
# Every server runs on 127.0.0.0/8 (or ::1) on a free high port, keeps its
# files in one temporary directory, and is stopped by the PID it was started
# with when the script exits (never by name).
#
#   . tests/integration/common.sh
#   ng_tmpdir             -> sets NG_TMP (removed at exit unless NG_KEEP=1)
#   ng_free_port          -> prints a free TCP+UDP port on 127.0.0.1
#   ng_track PID          -> the exit trap kills PID (TERM, then KILL)
#   ng_wait_port HOST PORT [SECONDS] -> 0 once a TCP connect succeeds
#   ng_start LOG PORT CMD...  -> starts CMD in the background, its stderr in
#                             LOG, tracks it, sets NG_STARTED_PID and waits
#                             until 127.0.0.1:PORT accepts (else prints LOG
#                             and fails)
#   ng_stop PID [SECONDS]  -> SIGTERM to a child of this shell, SIGKILL after
#                             SECONDS (default 30, said on stdout); returns
#                             its exit status
#   ng_skip MSG / ng_fail MSG / ng_pass MSG   (exit 77 = CTest skip)
#
# POSIX sh; needs python3 for ng_free_port and ng_wait_port.

NG_PIDS=""
NG_TMP=""

ng_cleanup() {
	for p in $NG_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $NG_PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "${NG_CLEANUP_HOOK:-}" ]; then
		eval "$NG_CLEANUP_HOOK"
	fi
	if [ -n "$NG_TMP" ] && [ "${NG_KEEP:-0}" != 1 ]; then
		rm -rf "$NG_TMP"
	fi
}
trap ng_cleanup EXIT
trap 'exit 130' INT TERM

ng_tmpdir() {
	NG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ndrguard-test.XXXXXX") || exit 3
	chmod 755 "$NG_TMP"
}

ng_track() {
	NG_PIDS="$NG_PIDS $1"
}

# A port free for both TCP and UDP on 127.0.0.1 (asked of the kernel).
ng_free_port() {
	python3 - <<'PY'
import socket
for _ in range(100):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close()
        continue
    t.close(); u.close()
    print(port)
    break
PY
}

ng_wait_port() {
	python3 - "$1" "$2" "${3:-10}" <<'PY'
import socket, sys, time
host, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
end = time.time() + secs
while time.time() < end:
    try:
        socket.create_connection((host, port), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

ng_start() {
	_ng_log=$1
	_ng_port=$2
	shift 2
	"$@" 2>"$_ng_log" &
	NG_STARTED_PID=$!
	ng_track "$NG_STARTED_PID"
	if ! ng_wait_port 127.0.0.1 "$_ng_port" 15; then
		cat "$_ng_log"
		ng_fail "$1 did not listen on 127.0.0.1:$_ng_port"
	fi
}

ng_stop() {
	kill -TERM "$1" 2>/dev/null
	_ng_n=0
	while kill -0 "$1" 2>/dev/null && [ $_ng_n -lt $((${2:-30} * 10)) ]; do
		sleep 0.1
		_ng_n=$((_ng_n + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "     PID $1 still running ${2:-30} s after SIGTERM: SIGKILL"
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1"
}

ng_skip() {
	echo "SKIP: $*"
	exit 77
}

ng_fail() {
	echo "FAIL: $*"
	exit 1
}

ng_pass() {
	echo "PASS: $*"
}

# ng_check WHAT STATUS: one named check of a test; STATUS is the exit
# status of its condition (0: it holds).  Prints "ok   WHAT" or
# "FAIL WHAT" and counts the failures in NG_FAILS, which the test reads at
# its end (ng_fail "$NG_FAILS check(s) failed").
NG_FAILS=0
ng_check() {
	if [ "$2" = 0 ]; then
		echo "ok   $1"
	else
		echo "FAIL $1"
		NG_FAILS=$((NG_FAILS + 1))
	fi
}
