#!/bin/sh
# dns_ares.sh DNS_ARES - run the c-ares resolver checks (dns_ares.c) against
# rbldnsd on loopback, and against a port where nothing listens.  Exit 77
# (skip) when rbldnsd is not installed.
set -u
PROBE=${1:?usage: dns_ares.sh DNS_ARES}
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/dnsd.sh"
ng_dnsd_require
ng_tmpdir
ng_dnsd_data "$NG_TMP/bl" '192.0.2.10' '192.0.2.11 :127.0.0.4:Spam from $'
ng_dnsd_start bl.test "$NG_TMP/bl"
"$PROBE" "$NG_DNSD_PORT" "$(ng_dnsd_down_port)" || ng_fail "dns_ares"
