#!/bin/sh
# trapd_load.sh NDRGUARD TRAPD_LOAD [SESSIONS SLOW] - trapd under load.
#
# trapd on a free loopback port (trapd_idle_timeout = 6s, an LMDB store in
# a temporary directory); trapd_load opens SESSIONS (500) SMTP sessions at
# once, SLOW (100) of them deliberately slow - half trickle their bytes 16
# at a time every 20 ms, half wait 4.5 s (under the idle timeout, with
# room for a loaded machine's scheduling) before every command - and each
# delivers one bounce
# (examples/01-postfix-userunknown.eml, from <>) from its own 127.x.y.z
# address.  Passes when:
#
#   - every session, fast or slow, completed (220 ... 250 after the
#     message ... 221), and the fast ones all finished while the slow ones
#     still held their connections;
#   - no hit was lost: the bounce hits trapd counted (its final stats
#     line) and the bounce hits in the store (`ndrguard list export`,
#     summed over the entries) both equal the messages accepted, one entry
#     per client address.
#
# The numbers (completion times per kind, accepted, recorded) are printed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/integration/common.sh"

ndrguard=${1:?usage: trapd_load.sh NDRGUARD TRAPD_LOAD [SESSIONS SLOW]}
load=${2:?usage: trapd_load.sh NDRGUARD TRAPD_LOAD [SESSIONS SLOW]}
sessions=${3:-500}
slow=${4:-100}

ng_tmpdir
port=$(ng_free_port)
log=$NG_TMP/trapd.log
cat >"$NG_TMP/ndrguard.conf" <<EOF
trapd_listen = inet:127.0.0.1:$port
trap_domains = trap.example
trapd_hostname = mx.trap.test
trapd_max_clients = 1000
trapd_idle_timeout = 6s
trapd_session_timeout = 2m
log_level = warning
store = lmdb:$NG_TMP/store
EOF
conf=$NG_TMP/ndrguard.conf

ng_start "$log" "$port" "$ndrguard" trapd -c "$conf" -o log_level=info
trapd=$NG_STARTED_PID

"$load" -p "$port" -m "$top/examples/01-postfix-userunknown.eml" -n "$sessions" -s "$slow" \
	-S 4500 -t 16 -T 20 -w 150 >"$NG_TMP/load.out" 2>&1
load_rc=$?
cat "$NG_TMP/load.out"

ng_stop "$trapd" 30
trapd_rc=$?

accepted=$(sed -n 's/^RESULT accepted=\([0-9]*\).*/\1/p' "$NG_TMP/load.out")
counted=$(sed -n 's/.*stats final .* hits_bounce=\([0-9]*\).*/\1/p' "$log")
errors=$(sed -n 's/.*stats final .* record_errors=\([0-9]*\).*/\1/p' "$log")
# the store: the BOUNCE column (6th) of the text export, summed; entries
"$ndrguard" list -c "$conf" export --format text >"$NG_TMP/export.txt" ||
	ng_fail "list export failed"
stored=$(awk '!/^#/ && NF >= 6 { s += $6 } END { print s + 0 }' "$NG_TMP/export.txt")
entries=$(awk '!/^#/ && NF >= 6 { n++ } END { print n + 0 }' "$NG_TMP/export.txt")

echo "trapd_load: sessions=$sessions slow=$slow accepted=${accepted:-?}" \
	"hits counted by trapd=${counted:-?} in the store=$stored entries=$entries" \
	"record_errors=${errors:-?}"

fail=0
[ "$load_rc" = 0 ] || { echo "FAIL: not every session completed"; fail=1; }
[ "$trapd_rc" = 0 ] || { echo "FAIL: trapd exited $trapd_rc"; fail=1; }
[ "${accepted:-x}" = "$sessions" ] || { echo "FAIL: accepted ${accepted:-?} of $sessions"; fail=1; }
[ "${counted:-x}" = "${accepted:-y}" ] || { echo "FAIL: trapd counted ${counted:-?} hits"; fail=1; }
[ "$stored" = "${accepted:-y}" ] || { echo "FAIL: the store holds $stored hits"; fail=1; }
[ "$entries" = "$sessions" ] || { echo "FAIL: $entries entries for $sessions addresses"; fail=1; }
[ "${errors:-x}" = 0 ] || { echo "FAIL: record errors"; fail=1; }
# the fast sessions finished before the slow ones let go
fast_max=$(sed -n 's/^RESULT kind=fast .* max_ms=\([0-9]*\).*/\1/p' "$NG_TMP/load.out")
slow_min=$(sed -n 's/^RESULT kind=stall .* min_ms=\([0-9]*\).*/\1/p' "$NG_TMP/load.out")
if [ -n "$fast_max" ] && [ -n "$slow_min" ] && [ "$fast_max" -ge "$slow_min" ]; then
	echo "FAIL: the slowest fast session ($fast_max ms) outlasted the first stalling one ($slow_min ms)"
	fail=1
fi
if [ "$fail" != 0 ]; then
	grep -v ' txn ' "$log" | tail -20
	ng_fail "trapd_load"
fi
ng_pass "trapd_load: $sessions sessions ($slow slow) completed; $accepted bounces, $stored hits recorded"
