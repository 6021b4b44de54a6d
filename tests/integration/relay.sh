# relay.sh - a hosted relay in front of a tenant, two throwaway Postfix
# instances on loopback, with `ndrguard milter --relay` attached: for the
# relay guard's integration test, the demo and the benchmark.
#
# Sourced after common.sh, dnsd.sh and postfix.sh (its main.cf and
# master.cf bases).  Everything lives in $NG_TMP; every
# process is stopped by its PID at exit (Postfix by `postfix stop`, then
# its master's PID).  Root is needed (Postfix's master runs as root).
#
#   ng_relay_require        -> ng_skip unless root, postfix, smtp-sink,
#                              script, swaks and rbldnsd are there
#   ng_relay_start NDRGUARD [CONF_LINE]...
#       rbldnsd serving the SPF records of example: forged.example
#       authorises 192.0.2.0/24 only, legit.example and legit2.example
#       127.0.0.6; an smtp-sink (the internet); the relay R with an inbound
#       listener (RL_RIN) for tenant.example, an outbound listener (RL_ROUT)
#       for its tenant acme at 127.0.0.3, a release listener without milters
#       (RL_RREL), the bounce-pool transport "bouncepool" (smtp_bind_address
#       127.0.0.9, syslog_name postfix-bouncepool) chosen by
#       milter_header_checks; the tenant T (RL_TPORT), which accepts every
#       recipient of tenant.example, bounces it as unknown and sends through
#       RL_ROUT from 127.0.0.3; and the relay milter (its configuration
#       $RL_CONF, plus each CONF_LINE; its log $NG_TMP/milter.log, its PID
#       RL_MILTER_PID; its tenants file has acme, then $RL_TENANTS_MORE).
#       RL_R and RL_TN are the instances' directories.
#   ng_relay_send FROM_IP SENDER RCPT [SUBJECT]
#                           -> one message into R's inbound listener (swaks)
#   ng_relay_sink_count     -> messages the sink received so far
#   ng_relay_pf DIR ARGS... -> postfix -c DIR/etc ARGS (quietly)

RL_INSTANCES=""

ng_relay_require() {
	for _rl_c in postfix postconf smtp-sink script swaks; do
		command -v "$_rl_c" >/dev/null 2>&1 || [ -x "/usr/sbin/$_rl_c" ] ||
			ng_skip "$_rl_c not installed"
	done
	[ "$(id -u)" = 0 ] || ng_skip "Postfix instances need root"
	ng_dnsd_require
}

ng_relay_pf() {
	_rl_d=$1
	shift
	script -qec "postfix -c '$_rl_d/etc' $*" /dev/null >/dev/null 2>&1
}

ng_relay_stop_all() {
	for _rl_d in $RL_INSTANCES; do
		_rl_p=$(tr -d ' \n' <"$_rl_d/queue/pid/master.pid" 2>/dev/null)
		ng_relay_pf "$_rl_d" stop
		case "$_rl_p" in '' | *[!0-9]*) continue ;; esac
		_rl_i=0
		while kill -0 "$_rl_p" 2>/dev/null && [ $_rl_i -lt 100 ]; do
			sleep 0.1
			_rl_i=$((_rl_i + 1))
		done
		[ "$(cat "/proc/$_rl_p/comm" 2>/dev/null)" = master ] && kill -KILL "$_rl_p" 2>/dev/null
	done
	return 0
}

ng_relay_dirs() {
	mkdir -p "$1/etc" "$1/queue" "$1/data" "$1/log"
	chown root:root "$1" "$1/etc" "$1/queue"
	chmod 755 "$1" "$1/etc" "$1/queue" "$1/log"
	chown postfix "$1/data"
	chmod 700 "$1/data"
	RL_INSTANCES="$RL_INSTANCES $1"
}

ng_relay_instance_start() { # DIR PORT
	script -qec "postfix -c '$1/etc' check" /dev/null || ng_fail "postfix check $1"
	ng_relay_pf "$1" start || { tail "$1/log/maillog"; ng_fail "Postfix $1 did not start"; }
	ng_wait_port 127.0.0.1 "$2" 10 || { tail "$1/log/maillog"; ng_fail "Postfix $1 not listening"; }
}

ng_relay_sink_count() {
	_rl_n=$(tr '\r' '\n' <"$NG_TMP/sink.out" 2>/dev/null | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -1)
	echo "${_rl_n:-0}"
}

ng_relay_send() { # FROM_IP SENDER RCPT [SUBJECT]
	swaks --server 127.0.0.1 --port "$RL_RIN" --local-interface "$1" --ehlo "client$1.test" \
		--from "$2" --to "$3" --header "Subject: ${4:-hello}" \
		--body "A message for $3." >>"$NG_TMP/swaks.out" 2>&1
}

ng_relay_start() {
	_rl_ndr=$1
	shift
	[ -n "$NG_TMP" ] || ng_tmpdir
	NG_CLEANUP_HOOK="${NG_CLEANUP_HOOK:+$NG_CLEANUP_HOOK; }ng_relay_stop_all"

	cat >"$NG_TMP/spf.zone" <<'EOT'
$SOA 60 ns.example. hostmaster.example. 1 60 60 600 30
$NS 60 ns.example.
forged TXT "v=spf1 ip4:192.0.2.0/24 -all"
legit TXT "v=spf1 ip4:127.0.0.6 -all"
legit2 TXT "v=spf1 ip4:127.0.0.6 -all"
EOT
	ng_dnsd_start example "generic:$NG_TMP/spf.zone"

	mkdir -p "$NG_TMP/sink"
	chown postfix "$NG_TMP/sink"
	RL_SINK_PORT=$(ng_free_port)
	smtp-sink -c -u postfix ${RL_SINK_DUMP:+-d "$NG_TMP/sink/%M."} "127.0.0.1:$RL_SINK_PORT" 1024 \
		>"$NG_TMP/sink.out" 2>"$NG_TMP/sink.err" &
	RL_SINK_PID=$!
	ng_track "$RL_SINK_PID"
	ng_wait_port 127.0.0.1 "$RL_SINK_PORT" 5 || ng_fail "smtp-sink did not start"

	RL_RIN=$(ng_free_port)
	RL_ROUT=$(ng_free_port)
	RL_RREL=$(ng_free_port)
	RL_TPORT=$(ng_free_port)
	RL_MPORT=$(ng_free_port)
	RL_PPORT=$(ng_free_port)
	RL_R=$NG_TMP/relay
	RL_TN=$NG_TMP/tenant
	ng_relay_dirs "$RL_R"
	ng_relay_dirs "$RL_TN"

	# The relay: inbound for tenant.example, outbound for the tenant.
	{
		ng_pf_main_base "$RL_R" "$RL_R/log/maillog" relay.test
		cat <<EOT
mydestination =
local_recipient_maps =
relay_domains = tenant.example
transport_maps = inline:{ tenant.example=smtp:[127.0.0.1]:$RL_TPORT }
relayhost = [127.0.0.1]:$RL_SINK_PORT
mynetworks = 127.0.0.3/32 127.0.0.1/32
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_milters = inet:127.0.0.1:$RL_MPORT
milter_default_action = tempfail
milter_protocol = 6
milter_header_checks = regexp:$RL_R/etc/milter_header_checks
EOT
	} >"$RL_R/etc/main.cf"
	printf '/^X-Ndrguard-Route:\\s*(\\S+)/ FILTER $1\n' >"$RL_R/etc/milter_header_checks"
	{
		echo "127.0.0.1:$RL_RIN inet n - n - - smtpd"
		echo "127.0.0.1:$RL_ROUT inet n - n - - smtpd"
		echo "127.0.0.1:$RL_RREL inet n - n - - smtpd -o smtpd_milters= -o syslog_name=postfix-release"
		ng_pf_master_services
		echo "bouncepool unix - - n - - smtp -o smtp_bind_address=127.0.0.9 -o syslog_name=postfix-bouncepool"
	} >"$RL_R/etc/master.cf"

	# The tenant: accepts every recipient of tenant.example, then bounces
	# it as unknown (local_transport = error: no system mailbox is ever
	# touched); sends everything else out through the relay from 127.0.0.3.
	{
		ng_pf_main_base "$RL_TN" "$RL_TN/log/maillog" tenant.test
		cat <<EOT
mydestination = tenant.example
local_recipient_maps =
local_transport = error:5.1.1 User unknown
smtpd_reject_unlisted_recipient = no
relayhost = [127.0.0.1]:$RL_ROUT
smtp_bind_address = 127.0.0.3
mynetworks = 127.0.0.0/8
minimal_backoff_time = 3600s
maximal_backoff_time = 3600s
EOT
	} >"$RL_TN/etc/main.cf"
	{
		echo "127.0.0.1:$RL_TPORT inet n - n - - smtpd"
		ng_pf_master_services
	} >"$RL_TN/etc/master.cf"

	printf 'acme 127.0.0.3/32\n%s' "${RL_TENANTS_MORE:-}" >"$NG_TMP/tenants"
	RL_CONF=$NG_TMP/ndrguard.conf
	cat >"$RL_CONF" <<EOT
relay_milter_listen = inet:127.0.0.1:$RL_MPORT
relay_policyd_listen = inet:127.0.0.1:$RL_PPORT
relay_tenants = $NG_TMP/tenants
relay_internal_networks = 127.0.0.1/32
store = lmdb:$NG_TMP/store
relay_quarantine_dir = $NG_TMP/quarantine
relay_route_filter = bouncepool:[127.0.0.1]:$RL_SINK_PORT
relay_release_nexthop = inet:127.0.0.1:$RL_RREL
dns_servers = 127.0.0.1:$NG_DNSD_PORT
dns_timeout = 1s
EOT
	for _rl_kv in "$@"; do
		printf '%s\n' "$_rl_kv" >>"$RL_CONF"
	done
	ng_start "$NG_TMP/milter.log" "$RL_MPORT" "$_rl_ndr" milter --relay -c "$RL_CONF"
	RL_MILTER_PID=$NG_STARTED_PID

	ng_relay_instance_start "$RL_R" "$RL_RIN"
	ng_relay_instance_start "$RL_TN" "$RL_TPORT"
}
