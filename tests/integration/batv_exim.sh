#!/bin/sh
# batv_exim.sh NDRGUARD CACHE_DIR - BATV interop with Exim itself.
#
#   1. Exim signs (${prvs{ADDR}{KEY}{K}}) -> `ndrguard batv verify` says
#      valid and prints the original address (upper-case domains included).
#   2. `ndrguard batv sign` -> Exim's ${prvscheck{...}{KEY}{1}} accepts it
#      and gives back the same original address.
#   3. With libfaketime (when it can be fetched): both sides agree across
#      the day wrap 999 -> 000, every day of an Exim signature's lifetime.
#
# Exim is fetched with `apt-get download exim4-daemon-light` and unpacked
# with dpkg-deb into CACHE_DIR (kept between runs); never installed (that
# would remove Postfix).  It runs as root with -C (a minimal config whose
# spool and log live in a temporary folder) and -be (expansion test mode,
# no mail).  Exit 77 (skip) when Exim cannot be obtained or run.
set -u
NDRGUARD=$1
CACHE=$2
. "$(dirname "$0")/common.sh"
ng_tmpdir

[ "$(id -u)" = 0 ] || ng_skip "needs root to run Exim with -C"
command -v dpkg-deb >/dev/null 2>&1 || ng_skip "no dpkg-deb"
ROOT=$CACHE/root
EXIM=$ROOT/usr/sbin/exim4
LIBS=$ROOT/usr/lib/x86_64-linux-gnu
if [ ! -x "$EXIM" ]; then
	mkdir -p "$CACHE/debs" || ng_skip "cannot create $CACHE"
	(cd "$CACHE/debs" && apt-get download exim4-daemon-light exim4-base libidn12 \
		>/dev/null 2>&1) || ng_skip "apt-get download exim4-daemon-light failed"
	for d in "$CACHE"/debs/exim4-*.deb "$CACHE"/debs/libidn12*.deb; do
		dpkg-deb -x "$d" "$ROOT" || ng_skip "dpkg-deb -x $d failed"
	done
	(cd "$CACHE/debs" && apt-get download libfaketime >/dev/null 2>&1 &&
		dpkg-deb -x libfaketime_*.deb "$ROOT") || true
fi
id Debian-exim >/dev/null 2>&1 || useradd -r Debian-exim 2>/dev/null || true

mkdir -p "$NG_TMP/spool" "$NG_TMP/log"
chmod 777 "$NG_TMP/spool" "$NG_TMP/log"
cat >"$NG_TMP/MINIMAL.conf" <<EOC
spool_directory = $NG_TMP/spool
log_file_path = $NG_TMP/log/%slog
begin acl
EOC
FT=$LIBS/faketime/libfaketime.so.1
# exim_be EXPR [SECONDS]: Exim's expansion of EXPR (at a fixed clock)
exim_be() {
	if [ $# -gt 1 ]; then
		env LD_LIBRARY_PATH="$LIBS" LD_PRELOAD="$FT" TZ=UTC \
			FAKETIME="@$(date -u -d "@$2" '+%Y-%m-%d %H:%M:%S')" \
			"$EXIM" -C "$NG_TMP/MINIMAL.conf" -be "$1" 2>&1
	else
		env LD_LIBRARY_PATH="$LIBS" "$EXIM" -C "$NG_TMP/MINIMAL.conf" -be "$1" 2>&1
	fi
}
out=$(exim_be '${prvs{a@b.example}{k}{0}}')
case $out in
prvs=0*=a@b.example) ;;
*) ng_skip "Exim does not run here: $out" ;;
esac

printf 'old-key-0\n' >"$NG_TMP/k0"
printf 'Exim interop key #1' >"$NG_TMP/k1"
KEY0=old-key-0
KEY1='Exim interop key #1'
NG="$NDRGUARD batv -c /dev/null -o batv_keys=0:$NG_TMP/k0,1:$NG_TMP/k1"
fails=0
check() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1: got '$2', want '$3'"
		fails=$((fails + 1))
	fi
}

ADDRS="user@example.com First.Last@Example.COM x+y@sub.example.org a@EXAMPLE.NET"
for a in $ADDRS; do
	for k in 0 1; do
		if [ $k = 0 ]; then key=$KEY0; else key=$KEY1; fi
		# 1. Exim signs, we verify
		s=$(exim_be "\${prvs{$a}{$key}{$k}}")
		got=$($NG verify "$s")
		check "exim signs $a (key $k) -> ndrguard: $s" "$got" "$a valid"
	done
	# 2. we sign (key 1, the highest), Exim checks
	s=$($NG sign "$a")
	got=$(exim_be "\${prvscheck{$s}{$KEY1}{\$prvscheck_result}}|\${prvscheck{$s}{$KEY1}}")
	check "ndrguard signs $a -> exim: $s" "$got" "1|$a"
	# a wrong key is refused by Exim too
	got=$(exim_be "\${prvscheck{$s}{wrong}{[\$prvscheck_result]}}")
	check "exim refuses $s with a wrong key" "$got" "[]"
done
# our sub-address form is ours alone; Exim does not parse it (documented)
s=$($NG -o batv_subaddress=yes sign user@example.com)
check "sub form verifies here" "$($NG verify "$s")" "user@example.com valid"

# 3. the day wrap, with a fixed clock on both sides
if [ -r "$FT" ]; then
	for sday in 20990 20992 20993 20995 20999 21000; do
		t=$((sday * 86400 + 4321))
		s=$(exim_be "\${prvs{wrap@example.com}{$KEY0}{0}}" "$t")
		case $s in prvs=*) ;; *) check "exim signs on day $sday" "$s" "prvs=..." ;; esac
		d=0
		while [ $d -le 8 ]; do
			now=$(((sday + d) * 86400 + 100))
			ex=$(exim_be "\${prvscheck{$s}{$KEY0}{[\$prvscheck_result]}}" "$now")
			ours=$($NG --now "$now" verify "$s")
			if [ $d -le 7 ]; then
				check "day $sday+$d: exim" "$ex" "[1]"
				check "day $sday+$d: ndrguard" "$ours" "wrap@example.com valid"
			else
				check "day $sday+$d: ndrguard" "$ours" "wrap@example.com expired"
			fi
			d=$((d + 1))
		done
		# and our own signature, as Exim judges it on the same days
		s=$($NG --now "$t" sign wrap@example.com)
		ex=$(exim_be "\${prvscheck{$s}{$KEY1}{[\$prvscheck_result]}}" "$((t + 7 * 86400))")
		check "ndrguard signs on day $sday, exim 7 days later" "$ex" "[1]"
	done
else
	echo "note: libfaketime not available; the day-wrap interop is left to the unit vectors"
fi

[ $fails -eq 0 ] || ng_fail "$fails BATV interop checks failed"
ng_pass "BATV interop with Exim ($(exim_be '$version_number'))"
