#!/bin/sh
# check-config-docs.sh NDRGUARD - every configuration key is documented.
#
# The typed table (lib/config/keys.c, printed by `ndrguard config -l`) is
# the truth: each key must appear in conf/ndrguard.conf and in
# doc/man/ndrguard.conf.5, and the sample file must load.
set -u
[ $# -eq 1 ] || { echo "usage: $0 NDRGUARD" >&2; exit 2; }
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
conf=$top/conf/ndrguard.conf
man=$top/doc/man/ndrguard.conf.5
status=0
keys=$("$bin" config -l | sed -n 's/^\([a-z0-9_]*\) (.*/\1/p')
[ -n "$keys" ] || { echo "no keys from $bin config -l"; exit 1; }
for k in $keys; do
	grep -q "^#*$k =" "$conf" || { echo "conf/ndrguard.conf: $k missing"; status=1; }
	grep -q "^\.B $k\$" "$man" || { echo "doc/man/ndrguard.conf.5: $k missing"; status=1; }
done
"$bin" config -c "$conf" -n >/dev/null || { echo "conf/ndrguard.conf does not load"; status=1; }
n=$(echo "$keys" | wc -l)
[ $status = 0 ] && echo "all $n keys documented"
exit $status
