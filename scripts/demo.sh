#!/bin/sh
# demo.sh - what `make demo` shows: ndrguard classifying the messages in
# examples/ with its embedded defaults.
#
# Usage: scripts/demo.sh BIN      (make demo passes build/ndrguard)
#
# Prints the classification table, one message's JSON verdict and a count
# per class.  Needs only the binary and python3.  Exits non-zero when BIN
# fails (2 for a usage error of this script).
set -eu

if [ $# -ne 1 ]; then
	echo "usage: scripts/demo.sh BIN" >&2
	exit 2
fi
bin=$1
# BIN may be relative to the caller's directory; resolve it before cd.
case "$bin" in
/*) ;;
*) bin="$(pwd)/$bin" ;;
esac
cd "$(dirname "$0")/.."
if [ ! -x "$bin" ]; then
	echo "demo: $bin is not an executable (run make build first)" >&2
	exit 2
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT INT TERM

ver=$("$bin" version)
echo "== ndrguard demo: $ver"
echo "== ndrguard classify examples/*.eml"
echo
"$bin" classify examples/*.eml

echo
echo "== one verdict as JSON: ndrguard classify --format json examples/01-postfix-userunknown.eml"
echo
"$bin" classify --format json examples/01-postfix-userunknown.eml >"$tmp"
python3 -m json.tool <"$tmp"

echo
echo "== messages per class: ndrguard classify --format json examples/*.eml"
echo
"$bin" classify --format json examples/*.eml >"$tmp"
python3 - "$tmp" <<'EOF'
import json
import sys

order = ["ndr", "delay", "success", "autoreply", "challenge", "av-notice",
         "feedback", "mdn", "none"]
counts = {}
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if line.strip():
            cls = json.loads(line)["class"]
            counts[cls] = counts.get(cls, 0) + 1
for cls in order + sorted(set(counts) - set(order)):
    print("%-10s %3d" % (cls, counts.get(cls, 0)))
print("%-10s %3d" % ("total", sum(counts.values())))
EOF
