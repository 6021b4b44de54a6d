#!/bin/sh
# install-deps.sh - install the Debian packages a ndrguard target needs.
#
# Usage: scripts/install-deps.sh GROUP...   (build, check, demo, bench, fuzz, format)
# Only packages that are missing are installed; when nothing is missing,
# apt-get is not called at all, so repeated `make check` runs stay fast.
set -eu

pkgs_build="gcc make cmake pkg-config libc6-dev libc-ares-dev libevent-dev libssl-dev liblmdb-dev liburing-dev"
# libmilter-dev only for the benchmarks' no-op reference milter (bench/noop_milter.c).
# The real peers of the integration tests: Postfix (with smtp-sink), rbldnsd
# as the test DNS server, dig, swaks and miltertest.
pkgs_peers="postfix rbldnsd bind9-dnsutils swaks miltertest"
pkgs_check="$pkgs_build $pkgs_peers libcmocka-dev libgmime-3.0-dev python3 python3-yaml"
pkgs_demo="$pkgs_build $pkgs_peers"
pkgs_bench="$pkgs_build $pkgs_peers python3 libsisimai-perl dnsperf libmilter-dev"
pkgs_fuzz="$pkgs_build clang libclang-rt-14-dev"
pkgs_format="clang-format"

want=""
for g in "$@"; do
	case "$g" in
	build) want="$want $pkgs_build" ;;
	check) want="$want $pkgs_check" ;;
	demo) want="$want $pkgs_demo" ;;
	bench) want="$want $pkgs_bench" ;;
	fuzz) want="$want $pkgs_fuzz" ;;
	format) want="$want $pkgs_format" ;;
	*) echo "install-deps: unknown group '$g'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Postfix is installed as a program only: "No configuration" means no system
# instance is set up or started on port 25 (the tests run their own).
case " $missing " in
*" postfix "*)
	echo 'postfix postfix/main_mailer_type select No configuration' |
		$SUDO debconf-set-selections
	;;
esac
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
