#!/bin/sh
# list_cli.sh NDRGUARD - `ndrguard list` end to end on an LMDB store in a
# temporary directory, with the clock injected (--now): add, show (text
# and JSON, an IP inside a listed range or /64), del and the back-off
# counter, expiry, usage and runtime errors; then the rbldnsd exports
# served by the real rbldnsd (see dnsd.sh) and queried with dig: the RFC
# 5782 test point, each category's A record, the TXT with the IP put in,
# removed and unlisted IPs, IPv6 in an ip6trie and an ip6tset zone, the
# SOA; and import: the text and ip4set exports read back into a fresh
# store give the same list, a plain list from stdin, bad lines.  Exit 77
# (skip) without rbldnsd or dig.
set -u
NDRGUARD=${1:?usage: list_cli.sh NDRGUARD}
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/dnsd.sh"
ng_dnsd_require
command -v dig >/dev/null 2>&1 || ng_skip "dig not installed"
ng_tmpdir

failures=0
out="$NG_TMP/out"
errf="$NG_TMP/err.txt"
NOW=1800000000 # 2027-01-15T08:00:00Z
DAY=86400
ST="-o store=lmdb:$NG_TMP/db"
DNS="-o dnsbld_ns=ns1.bl.test,ns2.bl.test -o dnsbld_hostmaster=hostmaster@bl.test
	-o dnsbld_ttl=300 -o dnsbld_negative_ttl=60"

# check NAME WANT_EXIT GREP_PATTERN... -- ARGS...: run `ndrguard list`,
# compare the exit status, grep stdout and stderr for every pattern.
check() {
	name=$1
	want=$2
	shift 2
	pats=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		pats="$pats
$1"
		shift
	done
	shift
	"$NDRGUARD" list "$@" >"$out" 2>"$errf" </dev/null
	got=$?
	ok=1
	if [ "$got" != "$want" ]; then
		echo "FAIL: $name: exit $got, want $want"
		ok=0
	fi
	old_ifs=$IFS
	IFS='
'
	for p in $pats; do
		if ! grep -qE -- "$p" "$out" "$errf"; then
			echo "FAIL: $name: no line matches /$p/"
			ok=0
		fi
	done
	IFS=$old_ifs
	if [ $ok = 0 ]; then
		echo "--- stdout"; cat "$out"; echo "--- stderr"; cat "$errf"
		failures=$((failures + 1))
	else
		ng_pass "$name"
	fi
}

# same FILE1 FILE2 NAME: the two files are equal.
same() {
	if cmp -s "$1" "$2"; then
		ng_pass "$3"
	else
		echo "FAIL: $3"; diff "$1" "$2"
		failures=$((failures + 1))
	fi
}

# The query names of the addresses queried (RFC 5782: reversed octets,
# IPv6 as 32 reversed nibbles), computed once: "ADDRESS NAME" lines.
QNAMES=$(python3 -c 'import ipaddress, sys
for ip in sys.argv[1:]:
    a = ipaddress.ip_address(ip)
    if a.version == 4:
        print(ip, ".".join(reversed(str(a).split("."))))
    else:
        print(ip, ".".join(reversed(a.exploded.replace(":", ""))))' \
	127.0.0.2 127.0.0.1 192.0.2.1 198.51.100.200 192.0.2.3 203.0.113.1 \
	2001:db8:1:2::abcd 2001:db8:5:77::1 2001:db8:1:3::1 2001:db8:1:2::1 192.0.2.9) ||
	ng_fail "python3 failed"

# qname ADDRESS ZONE: the query name of ADDRESS in ZONE.
qname() {
	echo "$QNAMES" | awk -v ip="$1" -v zone="$2" '$1 == ip { print $2 "." zone }'
}

# dig_check NAME ZONE IP TYPE WANT: the answers of TYPE for IP in ZONE,
# sorted and joined by spaces, or the status (NXDOMAIN) when there are
# none, equal WANT.
dig_check() {
	q=$(qname "$3" "$2")
	ans=$(dig @127.0.0.1 -p "$NG_DNSD_PORT" +time=2 +tries=2 +short "$q" "$4" | sort |
		tr '\n' ' ' | sed 's/ $//')
	if [ -z "$ans" ]; then
		ans=$(dig @127.0.0.1 -p "$NG_DNSD_PORT" +time=2 +tries=2 "$q" "$4" |
			sed -n 's/.*status: \([A-Z]*\).*/\1/p')
	fi
	if [ "$ans" = "$5" ]; then
		ng_pass "$1"
	else
		echo "FAIL: $1: $4 $q: got '$ans', want '$5'"
		failures=$((failures + 1))
	fi
}

# shellcheck disable=SC2086 # $ST and $DNS are split on purpose
{
# --- usage and configuration errors (2), before the store is touched ---
check "no action" 2 'usage: ndrguard list' -- $ST
check "unknown action" 2 "unknown action 'frob'" -- $ST frob
check "add without an IP" 2 'usage: ndrguard list' -- $ST add
check "host bits are a usage error" 2 "'192.0.2.1/24': not an IP address" -- $ST add 192.0.2.1/24
check "spam is no listing category" 2 'category: bounce, autoreply or callout' \
	-- $ST add --category spam 192.0.2.1
check "days out of range" 2 'days: a number of days' -- $ST add --days 0 192.0.2.1
check "show takes no rbldnsd format" 2 'usage' -- $ST show --format ip4set 192.0.2.1
check "export takes no IP" 2 'usage' -- $ST export 192.0.2.1
check "import wants one file" 2 'usage' -- $ST import
check "del takes no category" 2 'usage' -- $ST del --category bounce 192.0.2.1
check "bad --now" 2 'now: not a number' -- $ST --now yesterday show 192.0.2.1
check "bad configuration value" 2 'listing_days' -- $ST -o listing_days=0 show 192.0.2.1
check "bad dnsbld_codes" 2 'dnsbld_codes: .bounce=10.0.0.2.: the code must be' \
	-- $ST -o dnsbld_codes=bounce=10.0.0.2 export --format ip4set
check "the store cannot be created" 3 'store:' \
	-- -o store=lmdb:$NG_TMP/no/such/dir --now $NOW add 192.0.2.1

# --- add, show, del ---
check "add" 0 '^192\.0\.2\.1: listed bounce until 2027-02-12T08:00:00Z$' \
	-- $ST --now $NOW add 192.0.2.1
check "add two categories, a reason" 0 \
	'^192\.0\.2\.2: listed autoreply,callout until 2027-02-12T08:00:00Z$' \
	-- $ST --now $NOW add 192.0.2.2 --category autoreply --category callout --reason 'ticket 7'
check "add one to delete" 0 '^192\.0\.2\.3: listed' -- $ST --now $NOW add 192.0.2.3
check "add a range for 7 days" 0 '^198\.51\.100\.0/24: listed callout until 2027-01-22T08:00:00Z$' \
	-- $ST --now $NOW add --category callout --days 7 198.51.100.0/24
check "add IPv6" 0 '^2001:db8:1:2::/64: listed bounce until' \
	'^2001:db8:5::/48: listed bounce until' \
	-- $ST --now $NOW add 2001:db8:1:2::/64 2001:db8:5::/48
check "add to an existing entry keeps it" 0 '^2001:db8:5::/48: listed bounce,autoreply until' \
	-- $ST --now $NOW add --category autoreply 2001:db8:5::/48
check "show a listed IP" 0 '^192\.0\.2\.2: listed$' '^  entry +192\.0\.2\.2$' \
	'^  listed +autoreply,callout until 2027-02-12T08:00:00Z$' '^  manual +yes$' \
	'^  reason +ticket 7$' '^  hits +bounce=0 autoreply=0 callout=0 spam=0$' \
	-- $ST --now $NOW show 192.0.2.2
check "an IP inside a listed range shows the range" 0 '^198\.51\.100\.77: listed$' \
	'^  entry +198\.51\.100\.0/24$' -- $ST --now $((NOW + DAY)) show 198.51.100.77
check "an IPv6 address inside a listed /64 shows the /64" 0 '^2001:db8:1:2::abcd: listed$' \
	'^  entry +2001:db8:1:2::/64$' -- $ST --now $NOW show 2001:db8:1:2::abcd
check "an IPv4-mapped address is IPv4" 0 '^::ffff:192\.0\.2\.1: listed$' \
	'^  entry +192\.0\.2\.1$' -- $ST --now $NOW show ::ffff:192.0.2.1
check "not listed" 1 '^203\.0\.113\.1: not listed \(no entry\)$' \
	-- $ST --now $NOW show 203.0.113.1
check "one listed, one not" 1 '^192\.0\.2\.1: listed$' '^203\.0\.113\.1: not listed' \
	-- $ST --now $NOW show 192.0.2.1 203.0.113.1
check "json" 0 '^\{"ip":"192\.0\.2\.2","listed":true,"entries":\[\{"net":"192\.0\.2\.2","listed":true,"categories":\["autoreply","callout"\],"first":null,"last":null,"expires":"2027-02-12T08:00:00Z","hits":\{"bounce":0,"autoreply":0,"callout":0,"spam":0\},"manual":true,"removed":false,"delistings":0,"reason":"ticket 7","evidence":\[\]\}\]\}$' \
	-- $ST --now $NOW show --format json 192.0.2.2
"$NDRGUARD" list $ST --now $NOW show --format json 192.0.2.2 198.51.100.9 203.0.113.1 >"$out"
if python3 -c 'import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["listed"] for l in lines] == [True, True, False], lines
assert lines[1]["entries"][0]["net"] == "198.51.100.0/24"
assert lines[2]["entries"] == []' "$out"; then
	ng_pass "json lines parse"
else
	echo "FAIL: json lines"; cat "$out"
	failures=$((failures + 1))
fi
check "del" 0 '^192\.0\.2\.2: removed$' \
	-- $ST --now $((NOW + 60)) del 192.0.2.2 --reason 'delisted on request'
check "del again: not listed" 1 'list: 192\.0\.2\.2: not listed' \
	-- $ST --now $((NOW + 120)) del 192.0.2.2
check "del of nothing" 1 'list: 203\.0\.113\.1: not listed' -- $ST --now $NOW del 203.0.113.1
check "a removed entry keeps its record" 1 '^192\.0\.2\.2: not listed$' \
	'^  listed +no \(removed by hand\)$' '^  delistings +1$' '^  reason +delisted on request$' \
	'^  removed +yes$' -- $ST --now $((NOW + 120)) show 192.0.2.2
check "add and del another" 0 '^192\.0\.2\.3: removed$' \
	-- $ST --now $((NOW + 60)) del 192.0.2.3
check "add it again" 0 '^192\.0\.2\.2: listed bounce until' -- $ST --now $((NOW + 180)) add 192.0.2.2
check "add again keeps the back-off counter" 0 '^  delistings +1$' '^  removed +no$' \
	-- $ST --now $((NOW + 180)) show 192.0.2.2
check "the range expires after its 7 days" 1 '^198\.51\.100\.1: not listed' \
	-- $ST --now $((NOW + 7 * DAY)) show 198.51.100.1
check "export text" 0 \
	'^# NET CATEGORIES FIRST LAST EXPIRES BOUNCE AUTOREPLY CALLOUT SPAM FLAGS$' \
	'^192\.0\.2\.1 bounce - - 2027-02-12T08:00:00Z 0 0 0 0 manual$' \
	'^192\.0\.2\.2 bounce - - 2027-02-12T08:03:00Z 0 0 0 0 manual,delistings=1$' \
	'^198\.51\.100\.0/24 callout - - 2027-01-22T08:00:00Z 0 0 0 0 manual$' \
	'^2001:db8:1:2::/64 bounce ' '^2001:db8:5::/48 bounce,autoreply ' \
	-- $ST --now $((NOW + 180)) export

# --- rbldnsd serves the exports ---
"$NDRGUARD" list $ST $DNS --now $((NOW + 60)) export --format ip4set >"$NG_TMP/bl4" &&
	"$NDRGUARD" list $ST $DNS --now $((NOW + 60)) export --format ip6trie >"$NG_TMP/bl6" &&
	"$NDRGUARD" list $ST $DNS --now $((NOW + 60)) export --format ip6tset >"$NG_TMP/t6" 2>"$errf" ||
	ng_fail "export for rbldnsd failed"
grep -q 'entry not a /64 left out' "$errf" && ng_pass "ip6tset says what it leaves out" || {
	echo "FAIL: ip6tset: no word about 2001:db8:5::/48"; cat "$errf"
	failures=$((failures + 1))
}
chmod 644 "$NG_TMP/bl4" "$NG_TMP/bl6" "$NG_TMP/t6"
ng_dnsd_start bl.test "ip4set:$NG_TMP/bl4" bl.test "ip6trie:$NG_TMP/bl6" t6.test "ip6tset:$NG_TMP/t6"
TXT='"Backscatter from 192.0.2.1 (see http://localhost/lookup?ip=192.0.2.1)"'
dig_check "RFC 5782: 127.0.0.2 is listed" bl.test 127.0.0.2 A 127.0.0.2
dig_check "RFC 5782: 127.0.0.1 is not" bl.test 127.0.0.1 A NXDOMAIN
dig_check "bounce: its A record" bl.test 192.0.2.1 A 127.0.0.2
dig_check "bounce: its TXT, the IP put in" bl.test 192.0.2.1 TXT "$TXT"
dig_check "an address in a listed range" bl.test 198.51.100.200 A 127.0.0.4
dig_check "removed: not listed" bl.test 192.0.2.3 A NXDOMAIN
dig_check "never listed" bl.test 203.0.113.1 A NXDOMAIN
dig_check "IPv6 in a listed /64" bl.test 2001:db8:1:2::abcd A 127.0.0.2
dig_check "IPv6 in a listed /48: its first category" bl.test 2001:db8:5:77::1 A 127.0.0.2
dig_check "IPv6 not listed" bl.test 2001:db8:1:3::1 A NXDOMAIN
dig_check "ip6tset: a listed /64" t6.test 2001:db8:1:2::1 A 127.0.0.2
dig_check "ip6tset: the /48 was left out" t6.test 2001:db8:5:77::1 A NXDOMAIN
soa=$(dig @127.0.0.1 -p "$NG_DNSD_PORT" +short bl.test SOA)
if [ "$soa" = "ns1.bl.test. hostmaster.bl.test. 1800000060 3600 600 604800 60" ]; then
	ng_pass "the SOA of dnsbld_ns and dnsbld_hostmaster"
else
	echo "FAIL: SOA: got '$soa'"
	failures=$((failures + 1))
fi
# an IP listed for two categories answers both codes (rbldnsd notices a
# data file whose mtime changed: let a second pass first)
sleep 1
"$NDRGUARD" list $ST --now $((NOW + 60)) add --category autoreply 192.0.2.9 >/dev/null &&
	"$NDRGUARD" list $ST --now $((NOW + 60)) add --category callout 192.0.2.9 >/dev/null &&
	"$NDRGUARD" list $ST $DNS --now $((NOW + 60)) export --format ip4set >"$NG_TMP/bl4.new" &&
	mv "$NG_TMP/bl4.new" "$NG_TMP/bl4" && chmod 644 "$NG_TMP/bl4" ||
	ng_fail "re-export failed"
i=0
while [ $i -lt 50 ] && [ -z "$(dig @127.0.0.1 -p "$NG_DNSD_PORT" +short "$(qname 192.0.2.9 bl.test)" A)" ]; do
	sleep 0.1
	i=$((i + 1))
done
dig_check "two categories: both A records" bl.test 192.0.2.9 A "127.0.0.3 127.0.0.4"

# --- import ---
S2="-o store=lmdb:$NG_TMP/db2"
"$NDRGUARD" list $ST --now $((NOW + 60)) export --listed-only >"$NG_TMP/list.txt"
check "import the text export" 0 'list\.txt: 6 entries listed, 0 lines skipped' \
	-- $S2 --now $((NOW + 60)) import "$NG_TMP/list.txt"
"$NDRGUARD" list $ST --now $((NOW + 60)) export --listed-only | cut -d' ' -f1,2 >"$NG_TMP/a"
"$NDRGUARD" list $S2 --now $((NOW + 60)) export --listed-only | cut -d' ' -f1,2 >"$NG_TMP/b"
same "$NG_TMP/a" "$NG_TMP/b" "text export -> import -> export: the same list"
check "imported entries are manual, reason import FILE" 0 '^  manual +yes$' \
	"^  reason +import .*/list\\.txt\$" -- $S2 --now $((NOW + 60)) show 192.0.2.9
S3="-o store=lmdb:$NG_TMP/db3"
check "import the ip4set export" 0 'bl4: 5 entries listed, 0 lines skipped' \
	-- $S3 --now $((NOW + 60)) import --format ip4set "$NG_TMP/bl4"
"$NDRGUARD" list $S3 $DNS --now $((NOW + 60)) export --format ip4set >"$NG_TMP/bl4.again"
grep -v '^#' "$NG_TMP/bl4" >"$NG_TMP/a"
grep -v '^#' "$NG_TMP/bl4.again" >"$NG_TMP/b"
same "$NG_TMP/a" "$NG_TMP/b" "ip4set export -> import -> export: the same file"
printf '# a plain list\n203.0.113.0/28\n2001:db8:aa::/48\n' >"$NG_TMP/plain"
"$NDRGUARD" list $S3 --now $NOW --category autoreply import - <"$NG_TMP/plain" >"$out" 2>"$errf"
if [ $? = 0 ] && grep -q '^stdin: 2 entries listed, 0 lines skipped$' "$out"; then
	ng_pass "import a plain list from stdin"
else
	echo "FAIL: import from stdin"; cat "$out" "$errf"
	failures=$((failures + 1))
fi
check "stdin entries get --category" 0 '^  listed +autoreply until' '^  reason +import stdin$' \
	-- $S3 --now $NOW show 203.0.113.7
printf '192.0.2.50\nnot-an-ip\n192.0.2.51/24\n!192.0.2.52\n192.0.2.53 :127.0.0.9:x\n' >"$NG_TMP/bad"
check "bad lines are skipped and named" 1 'bad: 1 entry listed, 4 lines skipped' \
	"bad:2: 'not-an-ip': not an IPv4 address, network or range" "bad:3: '192\\.0\\.2\\.51/24': host bits set" \
	"bad:4: '!192\\.0\\.2\\.52': exclusions are not supported" \
	"bad:5: A value '127\\.0\\.0\\.9' is no category's code" \
	-- $S3 --now $NOW import "$NG_TMP/bad"
check "import a missing file" 3 'no-such-file: No such file' -- $S3 --now $NOW import "$NG_TMP/no-such-file"
}

"$NDRGUARD" help list | grep -q 'usage: ndrguard list' || {
	echo "FAIL: help list"
	failures=$((failures + 1))
}

[ $failures -eq 0 ] || ng_fail "$failures list checks failed"
ng_pass "list"
