#!/bin/sh
# demo.sh - what `make demo` shows: ndrguard classifying the messages in
# examples/ with its embedded defaults, then ndrguard policyd doing
# Backscatterer's safe mode behind a real Postfix.
#
# Usage: scripts/demo.sh BIN      (make demo passes build/ndrguard)
#
# Part 1 prints the classification table, one message's JSON verdict and a
# count per class; it needs only the binary and python3.
# Part 2 starts, all on loopback and in one temporary directory, a test
# DNSBL zone (rbldnsd), `BIN policyd` and a throwaway Postfix instance that
# asks policyd (tests/integration/dnsd.sh and postfix.sh), sends a bounce and
# an ordinary message from a listed client address with swaks, shows the SMTP
# replies, the delivery and policyd's log lines; then adds `BIN milter` to the
# same Postfix and sends a delivery report from a non-null sender
# (notifications@) from the listed and an unlisted address: rejected at end
# of data and accepted; and stops everything by PID.
# It needs root, postfix, rbldnsd and swaks (make demo installs them), and is
# skipped with a note otherwise; NG_DEMO_POLICYD=0 skips it.
# Part 3 signs an address with BATV and verifies it, a forged copy and an
# unsigned address (a throwaway key in a temporary file).
# Part 4 runs the relay guard (`BIN milter --relay`) on a hosted relay in
# front of a tenant, two throwaway Postfix instances
# (tests/integration/relay.sh): the tenant's bounce of spam with a forged
# sender is quarantined, the bounce of a legitimate message leaves through
# the bounce pool, the relay's own bounce of spam the tenant refuses at RCPT
# is quarantined; then `BIN quarantine list` and `release`.  Needs what
# part 2 needs; NG_DEMO_RELAY=0 skips it.
# Part 5 runs the list side: `BIN trapd` and `BIN dnsbld` on one store; a
# bounce and a sender callout to trap addresses get their senders listed,
# shown with dig and `BIN list show`; ordinary spam lists nobody.  Needs
# swaks and dig; NG_DEMO_LIST=0 skips it.
# Exits non-zero when BIN fails (2 for a usage error of this script).
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

# --- part 2: policyd behind a real Postfix ---------------------------------
# Runs in a subshell: the helpers install their own exit trap there (stop
# every server by PID, remove the temporary directory), and they are written
# for plain sh, not for set -e.
policyd_demo() {
	set +e
	ndr=$bin # the helpers below use plain variable names of their own
	. tests/integration/common.sh
	. tests/integration/dnsd.sh
	. tests/integration/postfix.sh
	listed=127.0.0.77
	unlisted=127.0.0.5
	say() { printf '%s\n' "$*"; }
	# A summary of a swaks transcript: the envelope and the replies to it.
	dialogue() {
		sed -n -e 's/^ *-> \(MAIL FROM:.*\)/    C: \1/p' -e 's/^ *-> \(RCPT TO:.*\)/    C: \1/p' \
			-e 's/^ *-> \(DATA\)$/    C: \1/p' -e 's/^<\(-\|\*\*\) *\(2[0-9][0-9] 2\.1\..*\)/    S: \2/p' \
			-e 's/^<\(-\|\*\*\) *\(354 .*\)/    S: \2/p' -e 's/^<\(-\|\*\*\) *\(250 .*queued as.*\)/    S: \2/p' \
			-e 's/^<\*\* *\([45][0-9][0-9] .*\)/    S: \1/p' "$1"
	}

	if [ "$(id -u)" != 0 ]; then
		say "(skipped: the Postfix part needs root)"
		return 0
	fi
	for c in postfix smtp-sink rbldnsd swaks; do
		if ! command -v "$c" >/dev/null 2>&1; then
			say "(skipped: $c is not installed; scripts/install-deps.sh demo)"
			return 0
		fi
	done
	if ! "$ndr" help policyd >/dev/null 2>&1; then
		say "(skipped: this ndrguard has no policyd command)"
		return 0
	fi
	ng_tmpdir
	T=$NG_TMP

	say "Safe mode: reject only when the client IP is listed on the DNSBL *and* the"
	say "envelope sender is a bounce sender (<>, postmaster@, mailer-daemon@);"
	say "ordinary mail from a listed IP is accepted."
	say ""
	say "A test DNSBL zone bl.test (rbldnsd), listing $listed with a reason:"
	ng_dnsd_data "$T/bl.test" "$listed :127.0.0.2:Backscatter from \$ see http://bl.test/\$"
	ng_dnsd_start bl.test "$T/bl.test"
	say "    $listed listed, TXT \"Backscatter from $listed see http://bl.test/$listed\""
	say "    127.0.0.2 listed (the RFC 5782 test entry); served on 127.0.0.1:$NG_DNSD_PORT"
	say ""

	pport=$(ng_free_port)
	say "ndrguard policyd, safe mode (its defaults), pointed at that zone:"
	say "    ndrguard policyd -o policyd_listen=inet:127.0.0.1:$pport \\"
	say "        -o dns_servers=127.0.0.1:$NG_DNSD_PORT -o dnsbl_zones=bl.test=127.0.0.2 \\"
	say "        -o daemon_user=nobody"
	"$ndr" policyd -o "policyd_listen=inet:127.0.0.1:$pport" \
		-o "dns_servers=127.0.0.1:$NG_DNSD_PORT" -o "dnsbl_zones=bl.test=127.0.0.2" \
		-o daemon_user=nobody 2>"$T/policyd.log" &
	ppid=$!
	ng_track "$ppid"
	if ! ng_wait_port 127.0.0.1 "$pport" 15; then
		cat "$T/policyd.log"
		ng_fail "policyd did not start"
	fi
	say ""

	if "$ndr" help lookup >/dev/null 2>&1; then
		say "What ndrguard lookup says about the two client addresses:"
		for ip in $listed $unlisted; do
			say "    \$ ndrguard lookup $ip"
			"$ndr" lookup -o "dns_servers=127.0.0.1:$NG_DNSD_PORT" \
				-o "dnsbl_zones=bl.test=127.0.0.2" "$ip" 2>&1 | sed 's/^/    /'
		done
		say ""
	fi

	NG_PF_DUMP=1 ng_pf_start \
		"smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:$pport, permit_mynetworks, reject_unauth_destination" \
		"smtpd_policy_service_default_action = 451 4.3.5 Policy service unavailable, try again later"
	say "A throwaway Postfix on 127.0.0.1:$NG_PF_PORT (relaying to an smtp-sink on port $NG_PF_SINK_PORT); its main.cf has:"
	postconf -c "$NG_PF_ETC" -h smtpd_recipient_restrictions |
		sed 's/^/    smtpd_recipient_restrictions = /'
	postconf -c "$NG_PF_ETC" smtpd_policy_service_default_action | sed 's/^/    /'
	say ""

	n=0
	send() { # send TITLE SRC FROM
		n=$((n + 1))
		say "$n. $1: client $2, MAIL FROM:<${3#<>}>"
		swaks --server "127.0.0.1:$NG_PF_PORT" --local-interface "$2" --from "$3" \
			--to user@example.net --header "Subject: demo $n" >"$T/swaks-$n.txt" 2>&1
		dialogue "$T/swaks-$n.txt"
		say ""
	}
	send "A bounce from the listed address" $listed '<>'
	send "A bounce from postmaster@ at the listed address" $listed postmaster@example.org
	send "Ordinary mail from the same listed address" $listed alice@example.org
	send "A bounce from an unlisted address" $unlisted '<>'

	if ng_pf_flush 30; then
		say "Delivery, from Postfix's maillog:"
		i=1
		while [ $i -le $n ]; do
			qid=$(sed -n 's/^<- *250 .*queued as \([0-9A-Za-z]*\).*/\1/p' "$T/swaks-$i.txt")
			if [ -n "$qid" ]; then
				st=$(grep " $qid: to=<" "$NG_PF_LOG" | sed -n 's/.*\(status=[a-z]*\).*/\1/p' | tail -n 1)
				say "    message $i, queue id $qid: ${st:-not logged}"
			else
				say "    message $i: rejected, never queued"
			fi
			i=$((i + 1))
		done
		say "    the sink received $(ng_pf_delivered) message(s); rejected at RCPT: $(ng_pf_rejected)"
	else
		say "Postfix did not deliver everything within 30 s (queue: $(ng_pf_queued) message(s))"
	fi
	say ""
	say "policyd's log (its start-up line, then one line per decision):"
	sed 's/^/    /' "$T/policyd.log"
	say ""
	# The milter, beside policyd: a bounce sent from a real address passes
	# the envelope test, and only its content shows what it is.
	if "$ndr" help milter >/dev/null 2>&1; then
		mport=$(ng_free_port)
		say "== ndrguard milter: bounces that only the content shows (extended safe mode)"
		say ""
		say "    ndrguard milter -o milter_listen=inet:127.0.0.1:$mport \\"
		say "        -o dns_servers=127.0.0.1:$NG_DNSD_PORT -o dnsbl_zones=bl.test=127.0.0.2 \\"
		say "        -o milter_tag_classified=yes -o daemon_user=nobody"
		"$ndr" milter -o "milter_listen=inet:127.0.0.1:$mport" \
			-o "dns_servers=127.0.0.1:$NG_DNSD_PORT" -o "dnsbl_zones=bl.test=127.0.0.2" \
			-o milter_tag_classified=yes -o daemon_user=nobody 2>"$T/milter.log" &
		mpid=$!
		ng_track "$mpid"
		ng_wait_port 127.0.0.1 "$mport" 15 || ng_fail "the milter did not start"
		ng_pf_conf "smtpd_milters = inet:127.0.0.1:$mport" "milter_default_action = tempfail" \
			"milter_protocol = 6"
		say "and in Postfix's main.cf:"
		postconf -c "$NG_PF_ETC" smtpd_milters milter_default_action | sed 's/^/    /'
		say ""
		sed -e '/^Return-Path:/d' -e '/^Delivered-To:/d' -e 's/$/\r/' \
			examples/01-postfix-userunknown.eml >"$T/dsn.eml"
		msend() { # msend TITLE SRC
			n=$((n + 1))
			say "$n. $1: client $2, MAIL FROM:<notifications@example.com>"
			swaks --server "127.0.0.1:$NG_PF_PORT" --local-interface "$2" \
				--from notifications@example.com --to user@example.net \
				--data "@$T/dsn.eml" >"$T/swaks-$n.txt" 2>&1
			dialogue "$T/swaks-$n.txt"
			say ""
		}
		say "(policyd still answers at RCPT: notifications@ is not a bounce sender.)"
		say ""
		msend "A delivery report (multipart/report) from the listed address" $listed
		msend "The same report from an unlisted address" $unlisted
		say "The milter's log, one line per message:"
		grep ' message ' "$T/milter.log" | sed 's/^/    /'
		say ""
		kill -TERM "$mpid" 2>/dev/null
		wait "$mpid"
		say "Stopped the milter (exit status $?)."
	fi
	kill -TERM "$ppid" 2>/dev/null
	wait "$ppid"
	say "Stopped policyd (exit status $?); stopping Postfix, the sink and rbldnsd."
	return 0
}

if [ "${NG_DEMO_POLICYD:-1}" != 0 ]; then
	echo
	echo "== ndrguard policyd: Backscatterer safe mode behind a real Postfix (loopback only)"
	echo
	(policyd_demo)
fi

# --- part 3: BATV ------------------------------------------------------------
# Sign an envelope sender, verify it, and show what a forged or unsigned
# bounce address gets; a throwaway key in a temporary file.
echo
echo "== ndrguard batv: BATV (prvs) signatures, as Exim's \${prvs} makes them"
echo
key=$(mktemp "${TMPDIR:-/tmp}/ndrguard-demo-key.XXXXXX")
trap 'rm -f "$key"' EXIT
printf 'demo-key-%s' "$$" >"$key"
batv() { "$bin" batv -o "batv_keys=0:$key" -o batv_domains=example.org "$@"; }
signed=$(batv sign alice@example.org)
echo "    \$ ndrguard batv sign alice@example.org"
echo "    $signed"
# The same tag with its last hex digit changed: a forged signature.
tag=${signed%=alice@example.org}
case $tag in
*0) forged=${tag%?}1=alice@example.org ;;
*) forged=${tag%?}0=alice@example.org ;;
esac
for a in "$signed" "$forged" alice@example.org; do
	echo "    \$ ndrguard batv verify $a"
	batv verify "$a" | sed 's/^/    /'
done
echo "A bounce (MAIL FROM:<>) to an address of batv_domains must carry a valid"
echo "signature: policyd and the milter refuse the last two with 550 5.7.1."

# --- part 4: the relay guard ---------------------------------------------------
# A hosted relay in front of a tenant (tests/integration/relay.sh: two
# throwaway Postfix instances, rbldnsd with SPF records, the relay milter).
# Spam with a forged sender reaches the tenant, which bounces it: the bounce
# is quarantined.  A legitimate message to an unknown user: its bounce
# leaves through the bounce pool.  Spam for a user the tenant refuses at
# RCPT: the relay's own bounce, judged through non_smtpd_milters, is
# quarantined too.  Then the quarantine, and a release.
relay_demo() {
	set +e
	ndr=$bin
	. tests/integration/common.sh
	. tests/integration/dnsd.sh
	. tests/integration/postfix.sh
	. tests/integration/relay.sh
	say() { printf '%s\n' "$*"; }
	if [ "$(id -u)" != 0 ]; then
		say "(skipped: the Postfix part needs root)"
		return 0
	fi
	for c in postfix smtp-sink rbldnsd swaks; do
		if ! command -v "$c" >/dev/null 2>&1; then
			say "(skipped: $c is not installed; scripts/install-deps.sh demo)"
			return 0
		fi
	done
	ng_tmpdir
	T=$NG_TMP
	RL_TENANTS_MORE='self 127.0.0.1/32
'
	ng_relay_start "$ndr"
	postconf -c "$RL_R/etc" -e "internal_mail_filter_classes = bounce" \
		"non_smtpd_milters = inet:127.0.0.1:$RL_MPORT"
	postconf -c "$RL_TN/etc" -e "smtpd_recipient_restrictions = check_recipient_access inline:{{refused@tenant.example = 550 5.1.1 User unknown}}, permit_mynetworks, reject_unauth_destination"
	ng_relay_pf "$RL_R" reload
	ng_relay_pf "$RL_TN" reload
	sleep 1
	say "Relay R (relay.test) serves tenant acme (127.0.0.3), whose server T accepts"
	say "every recipient of tenant.example and bounces the unknown ones.  DNS says:"
	say "    forged.example  TXT \"v=spf1 ip4:192.0.2.0/24 -all\""
	say "    legit.example   TXT \"v=spf1 ip4:127.0.0.6 -all\""
	say ""
	say "1. Spam from 127.0.0.5 with the forged sender joe@forged.example to"
	say "   nosuchuser@tenant.example; T bounces it to joe@forged.example."
	ng_relay_send 127.0.0.5 joe@forged.example nosuchuser@tenant.example "cheap pills"
	say "2. A message from 127.0.0.6, bob@legit.example, to gone@tenant.example;"
	say "   T bounces it to bob@legit.example."
	ng_relay_send 127.0.0.6 bob@legit.example gone@tenant.example "meeting"
	say "3. Spam from 127.0.0.5 with the forged sender ann@forged.example to"
	say "   refused@tenant.example, which T refuses at RCPT: now the relay itself"
	say "   bounces it.  Postfix hands its own bounces to the relay milter"
	say "   (internal_mail_filter_classes = bounce, non_smtpd_milters), which sees"
	say "   them come from 127.0.0.1, a tenant named self in the tenants file."
	ng_relay_send 127.0.0.5 ann@forged.example refused@tenant.example "cheap pills"
	i=0
	while [ $i -lt 200 ] && [ "$(grep -c ' outbound tenant=' "$T/milter.log")" -lt 3 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 1
	say ""
	say "The relay milter's log (inbound = message log; outbound = judged):"
	grep ' inbound \| outbound ' "$T/milter.log" |
		sed -e 's/^[^ ]* info: //' -e 's/ queue_id=[^ ]*//' -e 's/ usec=[0-9]*//' |
		fold -w 76 -s | sed 's/^/    /'
	say ""
	say "Where the bounces went (the relay's maillog):"
	grep 'postfix-bouncepool/smtp\[[0-9]*\]: .*status=sent' "$RL_R/log/maillog" |
		sed -e 's/.*: to=/    bouncepool: to=/' -e 's/, relay=.*status=/ status=/' -e 's/ (.*//'
	say "    (nothing went to joe@forged.example or ann@forged.example)"
	say ""
	say "    \$ ndrguard quarantine list"
	"$ndr" quarantine -c "$RL_CONF" list | sed 's/^/    /'
	id=$("$ndr" quarantine -c "$RL_CONF" list --format json | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -1)
	say "    \$ ndrguard quarantine release $id"
	"$ndr" quarantine -c "$RL_CONF" release "$id" | sed 's/^/    /'
	kill -TERM "$RL_MILTER_PID" 2>/dev/null
	wait "$RL_MILTER_PID"
	say "Stopped the relay milter (exit status $?); its counters:"
	grep 'relay stats final' "$T/milter.log" | sed -e 's/^[^ ]* info: //' | fold -w 76 -s |
		sed 's/^/    /'
	say "Stopping both Postfix instances, the sink and rbldnsd."
	return 0
}

if [ "${NG_DEMO_RELAY:-1}" != 0 ]; then
	echo
	echo "== ndrguard milter --relay: a hosted relay that never emits backscatter"
	echo
	(relay_demo)
fi

# --- part 5: the list side -----------------------------------------------------
# trapd and dnsbld on one store: a bounce and a sender callout reach trap
# addresses; dig finds the senders listed with their category codes and
# the TXT; ordinary mail to a trap lists nobody.
list_demo() {
	set +e
	ndr=$bin
	. tests/integration/common.sh
	say() { printf '%s\n' "$*"; }
	for c in swaks dig; do
		if ! command -v "$c" >/dev/null 2>&1; then
			say "(skipped: $c is not installed; scripts/install-deps.sh demo)"
			return 0
		fi
	done
	ng_tmpdir
	T=$NG_TMP
	sport=$(ng_free_port)
	dport=$(ng_free_port)
	cat >"$T/ndrguard.conf" <<EOT
trapd_listen = inet:127.0.0.1:$sport
trap_domains = trap.example
store = lmdb:$T/store
dnsbld_listen = 127.0.0.1:$dport
dnsbld_zone = bl.test
dnsbld_reload_interval = 1s
EOT
	ng_start "$T/trapd.log" "$sport" "$ndr" trapd -c "$T/ndrguard.conf"
	tpid=$NG_STARTED_PID
	ng_start "$T/dnsbld.log" "$dport" "$ndr" dnsbld -c "$T/ndrguard.conf"
	dpid=$NG_STARTED_PID
	say "trapd (trap domain trap.example) and dnsbld (zone bl.test) share one store."
	say "    127.0.0.31 bounces spam to jdoe@trap.example (a Postfix DSN from <>)"
	swaks --server "127.0.0.1:$sport" --local-interface 127.0.0.31 --helo mx31.example \
		--from '<>' --to jdoe@trap.example --data examples/01-postfix-userunknown.eml >/dev/null 2>&1
	say "    127.0.0.32 verifies a sender: MAIL FROM:<>, RCPT TO:<mary@trap.example>, QUIT"
	swaks --server "127.0.0.1:$sport" --local-interface 127.0.0.32 --helo mx32.example \
		--from '<>' --to mary@trap.example --quit-after RCPT >/dev/null 2>&1
	say "    127.0.0.33 sends ordinary spam to sales@trap.example"
	swaks --server "127.0.0.1:$sport" --local-interface 127.0.0.33 --helo mx33.example \
		--from someone@example.org --to sales@trap.example \
		--data examples/10-ordinary-mail.eml >/dev/null 2>&1
	sleep 2.5
	say ""
	for ip in 31 32 33; do
		n="$ip.0.0.127.bl.test"
		say "    \$ dig -p $dport @127.0.0.1 $n A / TXT"
		ans=$(dig +short -p "$dport" @127.0.0.1 "$n" A)
		txt=$(dig +short -p "$dport" @127.0.0.1 "$n" TXT)
		say "    ${ans:-NXDOMAIN (not listed)} ${txt}"
	done
	say "(127.0.0.2 = bounce, 127.0.0.3 = auto-reply, 127.0.0.4 = callout.)"
	say ""
	say "    \$ ndrguard list show 127.0.0.32"
	"$ndr" list -c "$T/ndrguard.conf" show 127.0.0.32 | sed 's/^/    /'
	kill -TERM "$tpid" "$dpid" 2>/dev/null
	wait "$tpid" "$dpid"
	say "Stopped trapd and dnsbld."
	return 0
}

if [ "${NG_DEMO_LIST:-1}" != 0 ]; then
	echo
	echo "== ndrguard trapd + dnsbld: the list side (traps, listings, DNS)"
	echo
	(list_demo)
fi
