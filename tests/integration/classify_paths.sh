#!/bin/sh
# classify_paths.sh NDRGUARD - `ndrguard classify` on every kind of PATH:
# a file, a Maildir (new/ before cur/, name order), a plain directory, an
# mbox (PATH:N), standard input, a path that cannot be read, and messages
# larger than the 64 KiB read buffer, which must classify the same whether
# they come as a named file (fstat), a directory entry (no fstat: a short
# read ends the file) or a pipe; and everything the same with the
# read-ahead (io_uring, when built with liburing) as without it
# (NDRGUARD_NO_IO_URING=1).  Exit 0 all checks passed, 1 otherwise.
set -u
if [ $# -ne 1 ]; then
	echo "usage: $0 NDRGUARD" >&2
	exit 2
fi
NDRGUARD=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/common.sh"
command -v python3 >/dev/null 2>&1 || ng_skip "python3 not installed"
ng_tmpdir
T=$NG_TMP
EX=$top/examples

# sources FILE: the "source" of each JSON line, one a line
sources() {
	python3 -c 'import json, sys
for line in sys.stdin:
    print(json.loads(line)["source"])' <"$1"
}
# classes FILE: "source class" of each JSON line
classes() {
	python3 -c 'import json, sys
for line in sys.stdin:
    o = json.loads(line)
    print(o["source"], o["class"])' <"$1"
}
# strip FILE: the JSON lines without their source, for comparing paths
strip() {
	python3 -c 'import json, sys
for line in sys.stdin:
    o = json.loads(line)
    del o["source"]
    print(json.dumps(o, sort_keys=True))' <"$1"
}

# --- a file ---
"$NDRGUARD" classify --format json "$EX/01-postfix-userunknown.eml" >"$T/file.json"
rc=$?
[ $rc -eq 0 ] && [ "$(classes "$T/file.json")" = "$EX/01-postfix-userunknown.eml ndr" ]
ng_check "a file: one result, source = the path as given, class ndr" $?

# --- a Maildir: new/ first, then cur/, each in name order; tmp/ ignored ---
M=$T/Maildir
mkdir -p "$M/new" "$M/cur" "$M/tmp"
cp "$EX/08-autoreply-vacation.eml" "$M/new/2.host"
cp "$EX/01-postfix-userunknown.eml" "$M/new/1.host"
cp "$EX/07-delay-dsn.eml" "$M/cur/0.host:2,S"
cp "$EX/10-ordinary-mail.eml" "$M/tmp/9.host"
cp "$EX/10-ordinary-mail.eml" "$M/new/.hidden"
"$NDRGUARD" classify --format json "$M" >"$T/maildir.json"
printf '%s\n' "$M/new/1.host ndr" "$M/new/2.host autoreply" "$M/cur/0.host:2,S delay" \
	>"$T/maildir.want"
classes "$T/maildir.json" | cmp -s - "$T/maildir.want"
ng_check "a Maildir: new/ then cur/, name order, tmp/ and dot files left out" $?

# --- a plain directory: its files in name order, subdirectories skipped,
# a symbolic link to a file followed ---
D=$T/dir
mkdir -p "$D/sub"
cp "$EX/03-exchange-ndr.eml" "$D/b.eml"
cp "$EX/09-challenge-response.eml" "$D/a.eml"
cp "$EX/10-ordinary-mail.eml" "$D/sub/c.eml"
ln -s "$EX/06-gmail-blocked.eml" "$D/c-link.eml"
"$NDRGUARD" classify --format json "$D" >"$T/dir.json"
printf '%s\n' "$D/a.eml" "$D/b.eml" "$D/c-link.eml" >"$T/dir.want"
sources "$T/dir.json" | cmp -s - "$T/dir.want"
ng_check "a directory: its files in name order, a link followed, no recursion" $?

# --- an mbox: PATH:N, 1-based; a quoted >From line does not split ---
{
	for f in 01-postfix-userunknown 08-autoreply-vacation 10-ordinary-mail; do
		echo "From MAILER-DAEMON Thu Jan  1 00:00:00 2026"
		cat "$EX/$f.eml"
		[ "$f" = 10-ordinary-mail ] && printf '>From the archive: not a new message\n'
		echo
	done
} >"$T/box.mbox"
"$NDRGUARD" classify --format json "$T/box.mbox" >"$T/mbox.json"
printf '%s\n' "$T/box.mbox:1 ndr" "$T/box.mbox:2 autoreply" "$T/box.mbox:3 none" >"$T/mbox.want"
classes "$T/mbox.json" | cmp -s - "$T/mbox.want"
ng_check "an mbox: three messages, sources PATH:1..3" $?

# --- standard input ---
"$NDRGUARD" classify --format json - <"$EX/02-exim-mailboxfull.eml" >"$T/stdin.json"
[ "$(classes "$T/stdin.json")" = "- ndr" ]
ng_check "standard input: source -" $?

# --- a named pipe among files: read whole by the ordinary path, never
# half-read ahead (its bytes would be gone) ---
mkfifo "$T/pipe"
cat "$EX/03-exchange-ndr.eml" >"$T/pipe" &
wpid=$!
"$NDRGUARD" classify --format json "$EX/01-postfix-userunknown.eml" "$T/pipe" \
	"$EX/02-exim-mailboxfull.eml" >"$T/fifo.json"
rc=$?
wait "$wpid"
"$NDRGUARD" classify --format json "$EX/03-exchange-ndr.eml" >"$T/fifo-want.json"
[ $rc -eq 0 ] && [ "$(strip "$T/fifo.json" | sed -n 2p)" = "$(strip "$T/fifo-want.json")" ] &&
	[ "$(sources "$T/fifo.json" | tr '\n' ' ')" = "$EX/01-postfix-userunknown.eml $T/pipe $EX/02-exim-mailboxfull.eml " ]
ng_check "a named pipe between two files: classified whole, in its place" $?

# --- a path that cannot be read: an error naming it, the others still done ---
"$NDRGUARD" classify --format json "$T/missing.eml" "$EX/04-qmail-hostunknown.eml" \
	>"$T/err.json" 2>"$T/err.txt"
rc=$?
[ $rc -ne 0 ] && grep -q "missing.eml: No such file or directory" "$T/err.txt" &&
	[ "$(sources "$T/err.json")" = "$EX/04-qmail-hostunknown.eml" ]
ng_check "a missing path: exit $rc, the error names it, the next path is classified" $?

# --- larger than the read buffer: the same verdict by every way in ---
B=$T/big
mkdir -p "$B"
python3 - "$EX/01-postfix-userunknown.eml" "$B" <<'PY'
import sys
src, out = sys.argv[1], sys.argv[2]
head, _, body = open(src, "rb").read().partition(b"\n\n")
for name, size in (("exact.eml", 65536), ("over.eml", 65536 * 3 + 17)):
    # extra header lines between the header and the body, to exactly size
    room = size - (len(head) + 1 + 1 + len(body))
    lines = []
    while room > 200:
        line = b"X-Filler: " + b"y" * 66 + b"\n"
        lines.append(line)
        room -= len(line)
    lines.append(b"X-Pad: " + b"z" * (room - 8) + b"\n")
    with open(out + "/" + name, "wb") as f:
        f.write(head + b"\n" + b"".join(lines) + b"\n" + body)
PY
exact=$(wc -c <"$B/exact.eml")
over=$(wc -c <"$B/over.eml")
[ "$exact" -eq 65536 ] && [ "$over" -eq $((65536 * 3 + 17)) ]
ng_check "test messages of $exact and $over bytes" $?
"$NDRGUARD" classify --format json "$B" >"$T/big-dir.json"
"$NDRGUARD" classify --format json "$B/exact.eml" "$B/over.eml" >"$T/big-files.json"
{
	"$NDRGUARD" classify --format json - <"$B/exact.eml"
	"$NDRGUARD" classify --format json - <"$B/over.eml"
} >"$T/big-stdin.json"
strip "$T/big-dir.json" >"$T/a"
strip "$T/big-files.json" >"$T/b"
strip "$T/big-stdin.json" >"$T/c"
[ "$(wc -l <"$T/a")" -eq 2 ] && cmp -s "$T/a" "$T/b" && cmp -s "$T/a" "$T/c" &&
	[ "$(classes "$T/big-dir.json" | cut -d' ' -f2 | sort -u)" = ndr ]
ng_check "past 64 KiB: directory entry, named file and pipe give the same results" $?

# --- with and without read-ahead (io_uring, when built with liburing) ---
"$NDRGUARD" classify --format json "$EX/01-postfix-userunknown.eml" "$M" "$D" "$T/box.mbox" \
	"$T/missing.eml" "$B" "$B/over.eml" "$D/sub" >"$T/ra-on.json" 2>"$T/ra-on.err"
on=$?
NDRGUARD_NO_IO_URING=1 "$NDRGUARD" classify --format json "$EX/01-postfix-userunknown.eml" "$M" \
	"$D" "$T/box.mbox" "$T/missing.eml" "$B" "$B/over.eml" "$D/sub" >"$T/ra-off.json" \
	2>"$T/ra-off.err"
off=$?
[ "$on" = "$off" ] && [ "$on" -ne 0 ] && cmp -s "$T/ra-on.json" "$T/ra-off.json" &&
	cmp -s "$T/ra-on.err" "$T/ra-off.err" && [ "$(wc -l <"$T/ra-on.json")" -eq 14 ]
ng_check "read-ahead on and off (NDRGUARD_NO_IO_URING=1): the same results, errors and exit ($on)" $?

if [ $NG_FAILS -ne 0 ]; then
	ng_fail "$NG_FAILS check(s) failed"
fi
ng_pass "classify_paths"
