#!/bin/sh
# update.sh [NDRGUARD] - regenerate every golden reference:
# tests/golden/ref/examples/NAME.ref for examples/NAME.eml and
# tests/golden/ref/msgs/NAME.ref for tests/golden/msgs/NAME.eml, and delete
# references whose message is gone.  NDRGUARD defaults to build/ndrguard
# (then build-release/ndrguard).  Review the result with `git diff
# tests/golden/ref` before committing: every change is a change of verdict.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${1:-}
if [ -z "$bin" ]; then
	for b in "$top/build/ndrguard" "$top/build-release/ndrguard"; do
		if [ -x "$b" ]; then
			bin=$b
			break
		fi
	done
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
	echo "update.sh: no ndrguard binary (make build, or pass its path)" >&2
	exit 2
fi
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
n=0
status=0
for pair in examples:examples tests/golden/msgs:msgs; do
	src=${pair%%:*}
	dst=$here/ref/${pair##*:}
	mkdir -p "$dst"
	for f in "$top/$src"/*.eml; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .eml)
		if (cd "$top" && "$bin" classify --format json "$src/$name.eml") |
			python3 "$here/jsonfmt.py" >"$dst/$name.ref.tmp"; then
			mv "$dst/$name.ref.tmp" "$dst/$name.ref"
			n=$((n + 1))
		else
			rm -f "$dst/$name.ref.tmp"
			echo "update.sh: failed on $src/$name.eml" >&2
			status=1
		fi
	done
	for r in "$dst"/*.ref; do
		[ -e "$r" ] || continue
		name=$(basename "$r" .ref)
		if [ ! -e "$top/$src/$name.eml" ]; then
			rm -f "$r"
			echo "update.sh: removed stale $r"
		fi
	done
done
echo "update.sh: wrote $n references with $bin"
exit $status
