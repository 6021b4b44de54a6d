# postfix.sh - a throwaway Postfix instance on loopback, for the integration
# tests, the demo and the Postfix benchmark.  Recipe and pitfalls:
# ../shared/POSTFIX-TESTING.md.
#
# Sourced after common.sh (it sources common.sh itself when that has not
# happened yet).  The instance keeps everything in $NG_TMP/postfix (its own
# main.cf and master.cf, queue, data and maillog), listens on 127.0.0.1 on a
# free high port, relays every message to an smtp-sink on another free port
# and is stopped at exit (postfix stop, then the master and the sink by their
# PIDs).  It never reads or changes the system's /etc/postfix/main.cf.  Root
# is needed: Postfix's master runs as root.
#
#   . tests/integration/postfix.sh
#   ng_pf_require          -> ng_skip (exit 77) unless postfix, smtp-sink and
#                             script are installed and we are root
#   ng_pf_start ['KEY = VALUE']...
#                          -> writes main.cf (the base settings, then each
#                             argument as one more line), master.cf, starts
#                             the sink and Postfix, waits for the banner.
#                             Sets NG_PF_DIR, NG_PF_ETC, NG_PF_PORT,
#                             NG_PF_SINK_PORT, NG_PF_SINK_PID, NG_PF_LOG.
#       NG_PF_DUMP=1       -> the sink also writes each message to a file in
#                             $NG_PF_DIR/sink/ (to check headers; slower)
#       NG_PF_CHROOT=1     -> smtpd runs chrooted in the queue directory: it
#                             then resolves through $NG_PF_DIR/queue/etc/
#                             resolv.conf (Postfix's own DNSBL lookups; see
#                             NG_PF_RESOLVER)
#       NG_PF_RESOLVER=IP  -> with NG_PF_CHROOT=1: the nameserver in that
#                             resolv.conf (default 127.0.0.1; libc always
#                             uses port 53)
#   ng_pf_resolver IP      -> rewrites that resolv.conf later (new smtpd
#                             processes read it; ng_pf_conf to force them)
#   ng_pf_conf 'KEY = VALUE'...
#                          -> postconf -e, postfix reload, then waits ~1 s
#                             for the new smtpd processes
#   ng_pf_accepted         -> prints how many messages Postfix accepted:
#                             distinct queue ids that entered the queue
#                             (qmgr "from=<...>, size=" lines in the maillog)
#   ng_pf_sent             -> prints distinct queue ids logged status=sent
#   ng_pf_rejected         -> prints NOQUEUE reject lines in the maillog
#   ng_pf_delivered        -> prints the sink's message counter (mesg=N)
#   ng_pf_queued           -> prints how many messages are still queued
#   ng_pf_flush [SECONDS]  -> postfix flush, then waits (default 60 s) for an
#                             empty queue; 1 on timeout
#   ng_pf_sink_files       -> prints the paths of the sink's message dumps
#   ng_pf_stop             -> stops Postfix and the sink (also run at exit)
#
# Needs postfix (postfix, postconf, smtp-sink), script (util-linux) and
# python3 (via common.sh).  POSIX sh has no local variables: every variable
# these functions use is named _pf_*, so they never clobber the caller's.

if ! command -v ng_tmpdir >/dev/null 2>&1; then
	. "$(dirname "$0")/common.sh"
fi

NG_PF_DIR=""
NG_PF_ETC=""
NG_PF_PORT=""
NG_PF_SINK_PORT=""
NG_PF_SINK_PID=""
NG_PF_LOG=""
NG_PF_HOOKED=0

ng_pf_require() {
	for _pf_c in postfix postconf smtp-sink script; do
		if ! command -v "$_pf_c" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$_pf_c" ]; then
			ng_skip "$_pf_c not installed (apt-get install postfix bsdutils)"
		fi
	done
	[ "$(id -u)" = 0 ] || ng_skip "a Postfix instance needs root"
}

# postfix(1) exits 1 silently when stderr is not a terminal: run it under
# script(1) so its complaints reach our output.
ng_pf_postfix() {
	_pf_out=$(script -qec "postfix -c '$NG_PF_ETC' $*" /dev/null 2>&1)
	_pf_rc=$?
	if [ $_pf_rc -ne 0 ]; then
		printf '%s\n' "$_pf_out" | tr -d '\r' >&2
	fi
	return $_pf_rc
}

# The main.cf lines every throwaway instance has (also the relay's and the
# tenant's of relay.sh): its directories, loopback only, no DNS, no limits
# that a test's bursts would hit.
ng_pf_main_base() { # DIR MAILLOG HOSTNAME
	cat <<EOF
compatibility_level = 3.6
queue_directory = $1/queue
data_directory = $1/data
meta_directory = /etc/postfix
maillog_file_prefixes = $1
maillog_file = $2
myhostname = $3
mydomain = $3
myorigin = $3
alias_maps =
alias_database =
inet_interfaces = loopback-only
inet_protocols = ipv4
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
biff = no
append_dot_mydomain = no
enable_long_queue_ids = yes
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
queue_run_delay = 2s
EOF
}

# master.cf's services apart from the listeners (the same for every
# instance).
ng_pf_master_services() {
	cat <<EOF
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

ng_pf_write_main() {
	{
		echo "# throwaway instance written by tests/integration/postfix.sh"
		ng_pf_main_base "$NG_PF_DIR" "$NG_PF_LOG" harness.test
		cat <<EOF
mydestination =
local_recipient_maps =
relay_domains =
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$NG_PF_SINK_PORT
smtpd_policy_service_default_action = 451 4.3.5 Policy service unavailable, try again later
minimal_backoff_time = 2s
maximal_backoff_time = 10s
EOF
	} >"$NG_PF_ETC/main.cf"
	for _pf_kv in "$@"; do
		printf '%s\n' "$_pf_kv" >>"$NG_PF_ETC/main.cf"
	done
}

ng_pf_write_master() {
	_pf_ch=n
	[ "${NG_PF_CHROOT:-0}" = 1 ] && _pf_ch=y
	{
		echo "# service type private unpriv chroot wakeup maxproc command"
		echo "127.0.0.1:$NG_PF_PORT inet n - $_pf_ch - - smtpd"
		ng_pf_master_services
	} >"$NG_PF_ETC/master.cf"
}

ng_pf_start_sink() {
	_pf_sinklog="$NG_PF_DIR/sink.out"
	_pf_dump=""
	if [ "${NG_PF_DUMP:-0}" = 1 ]; then
		mkdir -p "$NG_PF_DIR/sink"
		chown postfix "$NG_PF_DIR/sink"
		_pf_dump="-d $NG_PF_DIR/sink/%M."
	fi
	_pf_tries=0
	while [ $_pf_tries -lt 5 ]; do
		_pf_tries=$((_pf_tries + 1))
		NG_PF_SINK_PORT=$(ng_free_port)
		# -c: counters (sess= quit= mesg=) on stdout, updated per message.
		# shellcheck disable=SC2086 # $_pf_dump is one option or nothing
		smtp-sink -c -u postfix $_pf_dump "127.0.0.1:$NG_PF_SINK_PORT" 1024 \
			>"$_pf_sinklog" 2>"$NG_PF_DIR/sink.err" &
		NG_PF_SINK_PID=$!
		if ng_wait_port 127.0.0.1 "$NG_PF_SINK_PORT" 5 &&
			kill -0 "$NG_PF_SINK_PID" 2>/dev/null; then
			return 0
		fi
		kill -TERM "$NG_PF_SINK_PID" 2>/dev/null
		wait "$NG_PF_SINK_PID" 2>/dev/null
	done
	cat "$NG_PF_DIR/sink.err" >&2
	ng_fail "smtp-sink did not start"
}

ng_pf_start() {
	[ -n "$NG_TMP" ] || ng_tmpdir
	NG_PF_DIR="$NG_TMP/postfix"
	NG_PF_ETC="$NG_PF_DIR/etc"
	NG_PF_LOG="$NG_PF_DIR/log/maillog"
	mkdir -p "$NG_PF_ETC" "$NG_PF_DIR/queue" "$NG_PF_DIR/data" "$NG_PF_DIR/log" ||
		ng_fail "cannot create $NG_PF_DIR"
	chown root:root "$NG_PF_DIR" "$NG_PF_ETC" "$NG_PF_DIR/queue"
	chmod 755 "$NG_PF_DIR" "$NG_PF_ETC" "$NG_PF_DIR/queue" "$NG_PF_DIR/log"
	chown postfix "$NG_PF_DIR/data"
	chmod 700 "$NG_PF_DIR/data"
	if [ "$NG_PF_HOOKED" = 0 ]; then
		NG_CLEANUP_HOOK="${NG_CLEANUP_HOOK:+$NG_CLEANUP_HOOK; }ng_pf_stop"
		NG_PF_HOOKED=1
	fi
	ng_pf_start_sink
	if [ "${NG_PF_CHROOT:-0}" = 1 ]; then
		mkdir -p "$NG_PF_DIR/queue/etc"
		for f in services hosts host.conf nsswitch.conf localtime; do
			[ -f "/etc/$f" ] && cp -p "/etc/$f" "$NG_PF_DIR/queue/etc/"
		done
		ng_pf_resolver "${NG_PF_RESOLVER:-127.0.0.1}"
	fi
	_pf_tries=0
	while [ $_pf_tries -lt 5 ]; do
		_pf_tries=$((_pf_tries + 1))
		NG_PF_PORT=$(ng_free_port)
		ng_pf_write_main "$@"
		ng_pf_write_master
		ng_pf_postfix check || ng_fail "postfix check failed for $NG_PF_ETC"
		if ng_pf_postfix start; then
			if ng_wait_port 127.0.0.1 "$NG_PF_PORT" 10; then
				return 0
			fi
			ng_pf_postfix stop
		fi
		ng_pf_wait_master
		# The port may have been taken meanwhile: try another.
	done
	tail -20 "$NG_PF_LOG" >&2 2>/dev/null
	ng_fail "Postfix did not start (config in $NG_PF_ETC)"
}

ng_pf_resolver() {
	mkdir -p "$NG_PF_DIR/queue/etc"
	printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$1" \
		>"$NG_PF_DIR/queue/etc/resolv.conf"
	chmod 644 "$NG_PF_DIR/queue/etc/resolv.conf"
}

ng_pf_conf() {
	for _pf_kv in "$@"; do
		postconf -c "$NG_PF_ETC" -e "$_pf_kv" || ng_fail "postconf -e '$_pf_kv' failed"
	done
	ng_pf_postfix reload || ng_fail "postfix reload failed"
	# Idle smtpd processes of the old generation exit; new ones read the
	# new main.cf.  POSTFIX-TESTING.md: wait about a second.
	sleep 1.2
}

# Queue ids that entered the queue: one qmgr "QID: from=<...>, size=N,
# nrcpt=N (queue active)" line per entry into the active queue (a deferred
# message enters again, hence distinct ids; long queue ids never repeat).
ng_pf_accepted() {
	grep ' postfix/qmgr\[[0-9]*\]: [0-9A-Za-z]*: from=<.*, size=' "$NG_PF_LOG" 2>/dev/null |
		sed 's/.*postfix\/qmgr\[[0-9]*\]: \([0-9A-Za-z]*\): .*/\1/' | sort -u | wc -l
}

ng_pf_sent() {
	grep ' postfix/smtp\[[0-9]*\]: [0-9A-Za-z]*: to=<.*status=sent' "$NG_PF_LOG" 2>/dev/null |
		sed 's/.*postfix\/smtp\[[0-9]*\]: \([0-9A-Za-z]*\): .*/\1/' | sort -u | wc -l
}

ng_pf_rejected() {
	grep -c ' NOQUEUE: reject: ' "$NG_PF_LOG" 2>/dev/null || true
}

ng_pf_delivered() {
	_pf_n=$(tr '\r' '\n' <"$NG_PF_DIR/sink.out" 2>/dev/null | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -1)
	echo "${_pf_n:-0}"
}

ng_pf_queued() {
	find "$NG_PF_DIR/queue/maildrop" "$NG_PF_DIR/queue/incoming" "$NG_PF_DIR/queue/active" \
		"$NG_PF_DIR/queue/deferred" "$NG_PF_DIR/queue/hold" -type f 2>/dev/null | wc -l
}

ng_pf_flush() {
	_pf_secs=${1:-60}
	ng_pf_postfix flush >/dev/null 2>&1
	_pf_i=0
	while [ $_pf_i -lt $((_pf_secs * 10)) ]; do
		if [ "$(ng_pf_queued)" -eq 0 ]; then
			return 0
		fi
		[ $((_pf_i % 30)) -eq 29 ] && ng_pf_postfix flush >/dev/null 2>&1
		sleep 0.1
		_pf_i=$((_pf_i + 1))
	done
	return 1
}

ng_pf_sink_files() {
	find "$NG_PF_DIR/sink" -type f 2>/dev/null | sort
}

ng_pf_master_pid() {
	_pf_p=$(tr -d ' \n' <"$NG_PF_DIR/queue/pid/master.pid" 2>/dev/null)
	case "$_pf_p" in
	'' | *[!0-9]*) return 1 ;;
	esac
	# A stale pid file must not make us signal an unrelated process.
	[ "$(cat "/proc/$_pf_p/comm" 2>/dev/null)" = master ] || return 1
	echo "$_pf_p"
}

# Wait up to 10 s for the master to exit, then kill it (by its PID) and
# whatever children it left.
ng_pf_wait_master() {
	_pf_mp=$(ng_pf_master_pid) || return 0
	_pf_i=0
	while kill -0 "$_pf_mp" 2>/dev/null && [ $_pf_i -lt 100 ]; do
		sleep 0.1
		_pf_i=$((_pf_i + 1))
	done
	if kill -0 "$_pf_mp" 2>/dev/null; then
		kill -KILL "$_pf_mp" 2>/dev/null
	fi
	return 0
}

ng_pf_stop() {
	if [ -n "$NG_PF_ETC" ] && [ -f "$NG_PF_ETC/main.cf" ] && ng_pf_master_pid >/dev/null; then
		ng_pf_postfix stop >/dev/null 2>&1
		ng_pf_wait_master
	fi
	if [ -n "$NG_PF_SINK_PID" ]; then
		kill -TERM "$NG_PF_SINK_PID" 2>/dev/null
		wait "$NG_PF_SINK_PID" 2>/dev/null
		NG_PF_SINK_PID=""
	fi
	return 0
}
