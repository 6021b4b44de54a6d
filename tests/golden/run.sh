#!/bin/sh
# run.sh NDRGUARD MSG - golden test of `ndrguard classify --format json` on one
# message.  MSG is relative to the source tree (examples/NAME.eml or
# tests/golden/msgs/NAME.eml): the classifier runs from the top of the tree,
# so the "source" in the JSON is that relative path, whatever the build
# directory.  The output, laid out by jsonfmt.py, must equal
# tests/golden/ref/{examples,msgs}/NAME.ref byte for byte; on a mismatch the
# unified diff (want -> got) is shown.  Regenerate every ref with update.sh.
set -u
if [ $# -ne 2 ]; then
	echo "usage: $0 NDRGUARD MSG" >&2
	exit 2
fi
bin=$1
msg=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
case $msg in
examples/*) set_dir=examples ;;
tests/golden/msgs/*) set_dir=msgs ;;
*)
	echo "run.sh: $msg is not under examples/ or tests/golden/msgs/" >&2
	exit 2
	;;
esac
name=$(basename "$msg" .eml)
ref=$here/ref/$set_dir/$name.ref
if [ ! -f "$ref" ]; then
	echo "run.sh: no reference $ref; create it with tests/golden/update.sh" >&2
	exit 1
fi
got=$(mktemp "${TMPDIR:-/tmp}/ng-golden.XXXXXX") || exit 2
trap 'rm -f "$got" "$got.raw"' EXIT
(cd "$top" && "$bin" classify --format json "$msg") >"$got.raw"
rc=$?
if [ $rc -ne 0 ]; then
	echo "run.sh: ndrguard exited $rc on $msg" >&2
	exit 1
fi
python3 "$here/jsonfmt.py" <"$got.raw" >"$got" || exit 2
if cmp -s "$ref" "$got"; then
	echo "golden: $msg matches"
	exit 0
fi
echo "golden: $msg differs from its reference (--- want, +++ got):"
diff -u --label "want $ref" --label "got $msg" "$ref" "$got"
echo "If the change is intended, regenerate with tests/golden/update.sh and review the diff."
exit 1
