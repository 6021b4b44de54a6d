#!/bin/sh
# lookup.sh NDRGUARD - `ndrguard lookup` against a real DNSBL server
# (rbldnsd on loopback, see dnsd.sh): output and exit codes for a listed,
# an unlisted and an IPv6 address, a server that is down, an answer with
# an error code, zones that fail the RFC 5782 self-test, JSON output and
# usage errors.  Exit 77 (skip) when rbldnsd is not installed.
set -u
NDRGUARD=${1:?usage: lookup.sh NDRGUARD}
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/dnsd.sh"
ng_dnsd_require
ng_tmpdir

ESC=$(printf '\033')
ng_dnsd_data "$NG_TMP/bl" \
	'192.0.2.10' \
	'192.0.2.11 :127.0.0.4:Spam trap hit by $' \
	'192.0.2.12 :127.255.255.254:Query refused' \
	'192.0.2.13 :127.0.0.2:Bad "text" with a tab	and escape '"$ESC"'[31m' \
	'2001:db8::1'
ng_dnsd_errzone_data "$NG_TMP/err"
ng_dnsd_data_notest "$NG_TMP/nt" '192.0.2.10' '198.51.100.7'
ng_dnsd_start bl.test "$NG_TMP/bl" err.test "$NG_TMP/err" nt.test "$NG_TMP/nt"
PORT=$NG_DNSD_PORT
DOWN=$(ng_dnsd_down_port)

failures=0
out="$NG_TMP/out"
errf="$NG_TMP/err.txt"

# check NAME WANT_EXIT GREP_PATTERN... -- ARGS...: run lookup, compare.
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
	"$NDRGUARD" lookup "$@" >"$out" 2>"$errf"
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

S="-o dns_servers=127.0.0.1:$PORT -o dns_timeout=1 -o dns_tries=1"

# shellcheck disable=SC2086 # $S is split on purpose
{
check "listed" 0 \
	'^192\.0\.2\.10 +bl\.test +listed +127\.0\.0\.2 +"Listed, see http://bl\.test/lookup\?ip=192\.0\.2\.10"$' \
	'^bl\.test +pass +active' \
	-- $S -o dnsbl_zones=bl.test 192.0.2.10
check "listed with its own code and TXT" 0 \
	'^192\.0\.2\.11 +bl\.test +listed +127\.0\.0\.4 +"Spam trap hit by 192\.0\.2\.11"$' \
	-- $S -o 'dnsbl_zones=bl.test=127.0.0.[2..4]' 192.0.2.11
check "not listed" 1 \
	'^198\.51\.100\.1 +bl\.test +not-listed +- +-$' \
	-- $S -o dnsbl_zones=bl.test 198.51.100.1
check "ipv6 listed" 0 \
	'^2001:db8::1 +bl\.test +listed +127\.0\.0\.2' \
	-- $S -o dnsbl_zones=bl.test 2001:db8::1
check "ipv6 not listed" 1 \
	'^2001:db8::2 +bl\.test +not-listed' \
	-- $S -o dnsbl_zones=bl.test 2001:db8::2
check "ipv4-mapped ipv6 is looked up as ipv4" 0 \
	'^::ffff:192\.0\.2\.10 +bl\.test +listed' \
	-- $S -o dnsbl_zones=bl.test ::ffff:192.0.2.10
check "error code is unusable, not listed" 3 \
	'^192\.0\.2\.12 +bl\.test +unusable +127\.255\.255\.254 +-$' \
	'warning: dnsbl: bl\.test: unusable answer 127\.255\.255\.254 for 192\.0\.2\.12' \
	-- $S -o dnsbl_zones=bl.test 192.0.2.12
check "a code outside the zone's pattern is unusable" 3 \
	'^192\.0\.2\.11 +bl\.test +unusable +127\.0\.0\.4' \
	-- $S -o dnsbl_zones=bl.test=127.0.0.2 192.0.2.11
check "TXT escaped for the terminal" 0 \
	'"Bad \\"text\\" with a tab\\x09and escape \\x1b\[31m"$' \
	-- $S -o dnsbl_zones=bl.test 192.0.2.13
check "server down is unknown" 3 \
	'^bl\.test +unknown +active +unknown / unknown' \
	'^192\.0\.2\.10 +bl\.test +unknown' \
	'self-test could not complete' \
	-- -o dns_servers=127.0.0.1:$DOWN -o dns_timeout=1 -o dns_tries=1 \
	-o dnsbl_zones=bl.test 192.0.2.10
check "zone without 127.0.0.2 fails its self-test and is skipped" 3 \
	'^nt\.test +fail +skipped +not-listed / not-listed' \
	'^198\.51\.100\.7 +nt\.test +skipped' \
	'warning: dnsbl: nt\.test: self-test failed' \
	-- $S -o dnsbl_zones=nt.test 198.51.100.7
check "zone answering error codes is skipped" 3 \
	'^err\.test +fail +skipped +unusable / unusable' \
	'^192\.0\.2\.10 +err\.test +skipped' \
	-- $S -o dnsbl_zones=err.test 192.0.2.10
check "listed on one zone, others skipped: listed" 0 \
	'^192\.0\.2\.10 +bl\.test +listed' \
	'^192\.0\.2\.10 +nt\.test +skipped' \
	'^192\.0\.2\.10 +err\.test +skipped' \
	-- $S -o 'dnsbl_zones=bl.test nt.test err.test' 192.0.2.10
check "several IPs, one listed" 0 \
	'^198\.51\.100\.1 +bl\.test +not-listed' \
	'^192\.0\.2\.11 +bl\.test +listed' \
	-- $S -o dnsbl_zones=bl.test 198.51.100.1 192.0.2.11
check "several IPs, none listed, one unknown" 3 \
	'^198\.51\.100\.1 +bl\.test +not-listed' \
	'^192\.0\.2\.12 +bl\.test +unusable' \
	-- $S -o dnsbl_zones=bl.test 198.51.100.1 192.0.2.12
check "json" 0 \
	'^\{"ip":"192\.0\.2\.11","zone":"bl\.test","result":"listed","codes":\["127\.0\.0\.4"\],"txt":"Spam trap hit by 192\.0\.2\.11","cached":false,"selftest":"pass","skipped":false\}$' \
	'^\{"ip":"198\.51\.100\.1","zone":"nt\.test","result":"skipped","codes":\[\],"txt":null,' \
	-- $S --format json -o 'dnsbl_zones=bl.test nt.test' 192.0.2.11 198.51.100.1
check "bad IP is a usage error" 2 'not an IPv4 or IPv6 address' \
	-- $S -o dnsbl_zones=bl.test 192.0.2
check "bad zone pattern is a configuration error" 2 'dnsbl_zones: bad dnsbl zone' \
	-- $S -o 'dnsbl_zones=bl.test=127.0.0.[2,3]' 192.0.2.10
check "bad DNS server is a configuration error" 2 'dns_servers: bad DNS server' \
	-- -o dns_servers=localhost:53 -o dnsbl_zones=bl.test 192.0.2.10
check "unknown key" 2 '' -- -o no_such_key=1 192.0.2.10
check "no IP" 2 'usage: ndrguard lookup' -- $S
check "bad format" 2 'unknown format' -- --format xml 192.0.2.10
printf '# test\ndns_servers = 127.0.0.1:%s\ndns_timeout = 1s\ndnsbl_zones = bl.test,\n    nt.test\n' \
	"$PORT" >"$NG_TMP/ndrguard.conf"
check "configuration file" 0 \
	'^192\.0\.2\.10 +bl\.test +listed' '^192\.0\.2\.10 +nt\.test +skipped' \
	-- -c "$NG_TMP/ndrguard.conf" 192.0.2.10
check "-o overrides the file" 1 '^198\.51\.100\.1 +bl\.test +not-listed' \
	-- -c "$NG_TMP/ndrguard.conf" -o dnsbl_zones=bl.test 198.51.100.1
printf 'dnsbl_zones = bl.test=127.0.0.[2..1]\n' >"$NG_TMP/bad.conf"
check "bad zone in the file names the file and line" 2 'bad\.conf:1: dnsbl_zones' \
	-- -c "$NG_TMP/bad.conf" 192.0.2.10
}

# Every JSON line parses.
if command -v python3 >/dev/null 2>&1; then
	"$NDRGUARD" lookup $S --format json -o 'dnsbl_zones=bl.test nt.test err.test' \
		192.0.2.13 2001:db8::1 192.0.2.12 >"$out" 2>/dev/null
	if python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]; sys.exit(0 if sum(1 for _ in open(sys.argv[1])) == 9 else 1)' "$out"; then
		ng_pass "json lines parse"
	else
		echo "FAIL: json lines do not parse"; cat "$out"
		failures=$((failures + 1))
	fi
fi

"$NDRGUARD" help lookup | grep -q 'usage: ndrguard lookup' || {
	echo "FAIL: help lookup"
	failures=$((failures + 1))
}

[ $failures -eq 0 ] || ng_fail "$failures lookup checks failed"
ng_pass "lookup"
