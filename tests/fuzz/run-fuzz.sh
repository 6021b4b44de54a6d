#!/bin/sh
# run-fuzz.sh BUILD_DIR SECONDS - run every libFuzzer target for SECONDS.
#
# Called by `make fuzz` after `cmake --preset fuzz` built BUILD_DIR.  Each
# target starts from a work copy (in a temporary directory) of the seed
# corpora, so the committed seeds are never modified: the message parsers
# (mime, classify) start from examples/, tests/golden/msgs/ and
# tests/fuzz/seeds/; every other target NAME from tests/fuzz/seeds-NAME/.  Targets run side by side when there
# are at least two CPUs.  -max_len=65536.
#
# Reports, per target, the executions and the corpus size at the end, and
# the path of any crash, leak, timeout or OOM input; those are kept (the
# temporary directory is not deleted) and the exit status is 1.  Add a
# fixed crash input to the seed directory so that it replays under CTest.
set -u
if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
fi
build=$1
secs=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
# Every tests/fuzz/fuzz_NAME.c, or the names in FUZZ_TARGETS.
targets=${FUZZ_TARGETS:-}
if [ -z "$targets" ]; then
	for f in "$top"/tests/fuzz/fuzz_*.c; do
		t=${f##*/fuzz_}
		targets="$targets ${t%.c}"
	done
fi

for t in $targets; do
	if [ ! -x "$build/fuzz_$t" ]; then
		echo "run-fuzz: $build/fuzz_$t not built (cmake --preset fuzz)" >&2
		exit 2
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/ndrguard-fuzz.XXXXXX") || exit 2
ncpu=$(nproc 2>/dev/null || echo 1)

run_one() {
	t=$1
	mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
	case $t in
	mime | classify)
		for f in "$top"/examples/*.eml; do cp "$f" "$work/$t/corpus/ex-${f##*/}"; done
		for f in "$top"/tests/golden/msgs/*.eml; do cp "$f" "$work/$t/corpus/msg-${f##*/}"; done
		for f in "$top"/tests/fuzz/seeds/*; do cp "$f" "$work/$t/corpus/seed-${f##*/}"; done
		;;
	*)
		for f in "$top"/tests/fuzz/seeds-"$t"/*; do cp "$f" "$work/$t/corpus/seed-${f##*/}"; done
		;;
	esac
	"$build/fuzz_$t" -max_len=65536 -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/$t/artifacts/" "$work/$t/corpus" \
		>"$work/$t/log" 2>&1
	echo $? >"$work/$t/rc"
}

echo "run-fuzz: $targets for ${secs}s each, work dir $work"
pids=""
for t in $targets; do
	if [ "$ncpu" -ge 2 ]; then
		run_one "$t" &
		pids="$pids $!"
	else
		run_one "$t"
	fi
done
for p in $pids; do
	wait "$p"
done

status=0
for t in $targets; do
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t/log" | tail -n 1)
	cov=$(grep -E '^#[0-9]+' "$work/$t/log" | tail -n 1 | sed -n 's/.*cov: \([0-9]*\).*ft: \([0-9]*\).*corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p')
	rc=$(cat "$work/$t/rc")
	echo "fuzz_$t: ${execs:-?} executions, ${cov:-no stats}, exit $rc"
	found=$(ls "$work/$t/artifacts" 2>/dev/null)
	if [ -n "$found" ] || [ "$rc" != 0 ]; then
		status=1
		for f in $found; do
			echo "  FOUND $work/$t/artifacts/$f"
		done
		echo "  log: $work/$t/log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_)' "$work/$t/log" | head -n 5 | sed 's/^/  /'
	fi
done
if [ "$status" = 0 ]; then
	rm -rf "$work"
	echo "run-fuzz: no findings"
else
	echo "run-fuzz: findings kept in $work"
fi
exit $status
