#!/bin/sh
# dnsbld_dig.sh NDRGUARD - `ndrguard dnsbld` at the protocol level: dig
# against the real daemon, fed from a real LMDB store through `ndrguard
# list add`.
#
#   UDP and TCP, IPv4 and IPv6 (the IPv6 part is skipped when ::1 cannot
#   be bound); A per category, TXT, NXDOMAIN with SOA, empty non-terminals,
#   SOA and NS at the apex, the RFC 5782 test entries; EDNS (echoed, DO,
#   BADVERS) and +noedns; +norec (never RA); mixed case echoed; REFUSED for
#   other zones, class CH and AXFR; AAAA and ANY on a listed name answered
#   empty; a long TXT truncated over UDP and whole over TCP; the response
#   rate limit (slips and drops, TCP unaffected); malformed packets over
#   UDP and TCP (python3: dropped or FORMERR, counted, the daemon still
#   answering); 200 queries in flight at once, all answered; SIGHUP
#   rebuilds and store changes while ~2,000 queries a second run, with no
#   answer lost and none wrong; SIGTERM exits 0.
#
# Exit 77 (skip) without dig or python3.
set -u
NDRGUARD=${1:?usage: dnsbld_dig.sh NDRGUARD}
. "$(dirname "$0")/common.sh"
command -v dig >/dev/null 2>&1 || ng_skip "dig is not installed"
command -v python3 >/dev/null 2>&1 || ng_skip "python3 is not installed"
ng_tmpdir

PORT=$(ng_free_port)
PORT2=$(ng_free_port)
V6=0
if python3 -c "import socket,sys
s=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM); s.bind(('::1',int(sys.argv[1])))
t=socket.socket(socket.AF_INET6,socket.SOCK_STREAM); t.bind(('::1',int(sys.argv[1])))" "$PORT" \
	2>/dev/null; then
	V6=1
fi
LISTEN="127.0.0.1:$PORT"
[ $V6 = 1 ] && LISTEN="$LISTEN, [::1]:$PORT"

CONF="$NG_TMP/ndrguard.conf"
cat >"$CONF" <<EOF
store = lmdb:$NG_TMP/store
dnsbld_listen = $LISTEN
dnsbld_zone = bl.test
dnsbld_ns = ns1.bl.test, ns2.example.net
dnsbld_hostmaster = hostmaster@example.net
dnsbld_txt_template = Backscatter from \$ (see https://bl.test/lookup?ip=\$)
dnsbld_reload_interval = 1
EOF

list() {
	"$NDRGUARD" list -c "$CONF" "$@" >/dev/null || ng_fail "ndrguard list $*"
}
list add 192.0.2.2 --reason test
list add 192.0.2.3 --category bounce --category autoreply --category callout --reason test
list add 198.51.100.0/24 --category callout --reason test
list add 2001:db8:1:2::/64 --reason test

LOG="$NG_TMP/dnsbld.log"
ng_start "$LOG" "$PORT" "$NDRGUARD" dnsbld -c "$CONF"
PID=$NG_STARTED_PID

failures=0
out="$NG_TMP/dig.out"

# check NAME PATTERN... -- DIG-ARGS...: every PATTERN (grep -E) must match
# dig's output; a PATTERN starting with '!' must not.
check() {
	name=$1
	shift
	pats=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		pats="$pats
$1"
		shift
	done
	shift
	dig -p "$PORT" +time=3 +tries=1 "$@" >"$out" 2>&1
	ok=1
	old_ifs=$IFS
	IFS='
'
	for p in $pats; do
		case $p in
		!*)
			if grep -qE -- "${p#!}" "$out"; then
				echo "FAIL: $name: a line matches /${p#!}/"
				ok=0
			fi
			;;
		*)
			if ! grep -qE -- "$p" "$out"; then
				echo "FAIL: $name: no line matches /$p/"
				ok=0
			fi
			;;
		esac
	done
	IFS=$old_ifs
	if [ $ok = 0 ]; then
		sed 's/^/     | /' "$out"
		failures=$((failures + 1))
	else
		echo "ok   $name"
	fi
}

V4=@127.0.0.1
NX='status: NXDOMAIN'
SOA='bl\.test\.[[:space:]]+60[[:space:]]+IN[[:space:]]+SOA[[:space:]]+ns1\.bl\.test\. hostmaster\.example\.net\.'
A2='IN[[:space:]]+A[[:space:]]+127\.0\.0\.2'
A3='IN[[:space:]]+A[[:space:]]+127\.0\.0\.3'
A4='IN[[:space:]]+A[[:space:]]+127\.0\.0\.4'

# --- answers over UDP and TCP ---
check "A listed" 'status: NOERROR' 'flags: qr aa rd;' 'ANSWER: 1,' "$A2" '!flags:.* ra' \
	-- $V4 2.2.0.192.bl.test A
check "A listed over TCP" 'status: NOERROR' 'ANSWER: 1,' "$A2" '\(TCP\)' \
	-- $V4 +tcp 2.2.0.192.bl.test A
check "A: one record per category" 'ANSWER: 3,' "$A2" "$A3" "$A4" -- $V4 3.2.0.192.bl.test A
check "A from a listed /24" 'ANSWER: 1,' "$A4" -- $V4 77.100.51.198.bl.test A
check "TXT listed" 'status: NOERROR' \
	'IN[[:space:]]+TXT[[:space:]]+"Backscatter from 192\.0\.2\.2 \(see https://bl\.test/lookup\?ip=192\.0\.2\.2\)"' \
	-- $V4 2.2.0.192.bl.test TXT
check "TXT over TCP" 'Backscatter from 192\.0\.2\.3' -- $V4 +tcp 3.2.0.192.bl.test TXT
check "NXDOMAIN with SOA" "$NX" 'flags: qr aa rd;' 'AUTHORITY: 1,' "$SOA" \
	-- $V4 9.2.0.192.bl.test A
check "NXDOMAIN over TCP" "$NX" "$SOA" -- $V4 +tcp 9.2.0.192.bl.test TXT
check "empty non-terminal" 'status: NOERROR' 'ANSWER: 0,' "$SOA" -- $V4 2.0.192.bl.test A
check "below a listed name" "$NX" -- $V4 www.2.2.0.192.bl.test A
check "apex SOA" 'status: NOERROR' 'ANSWER: 1,' \
	'^bl\.test\.[[:space:]]+300[[:space:]]+IN[[:space:]]+SOA[[:space:]]+ns1\.bl\.test\. hostmaster\.example\.net\. [0-9]+ 3600 600 604800 60' \
	-- $V4 bl.test SOA
check "apex NS" 'ANSWER: 2,' 'IN[[:space:]]+NS[[:space:]]+ns1\.bl\.test\.' \
	'IN[[:space:]]+NS[[:space:]]+ns2\.example\.net\.' -- $V4 bl.test NS
check "apex A: no data" 'status: NOERROR' 'ANSWER: 0,' "$SOA" -- $V4 bl.test A
# --- the RFC 5782 test entries ---
check "test entry 127.0.0.2" 'ANSWER: 3,' "$A2" "$A3" "$A4" -- $V4 2.0.0.127.bl.test A
check "test entry 127.0.0.2 TXT" 'Backscatter from 127\.0\.0\.2' -- $V4 2.0.0.127.bl.test TXT
check "test entry 127.0.0.1" "$NX" -- $V4 1.0.0.127.bl.test A
T2="2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.test"
T1="1.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.test"
check "test entry ::ffff:7f00:2" 'ANSWER: 3,' "$A2" -- $V4 "$T2" A
check "test entry ::ffff:7f00:1" "$NX" -- $V4 "$T1" A
# --- EDNS, recursion, case ---
check "EDNS echoed" '; EDNS: version: 0, flags:; udp: 1232' -- $V4 +edns=0 +bufsize=4096 \
	2.2.0.192.bl.test A
check "EDNS DO echoed" '; EDNS: version: 0, flags: do; udp: 1232' -- $V4 +dnssec \
	2.2.0.192.bl.test A
check "EDNS version 1: BADVERS" 'status: BADVERS' '; EDNS: version: 0' -- $V4 +edns=1 \
	+noednsnegotiation 2.2.0.192.bl.test A
check "no EDNS" 'status: NOERROR' '!EDNS:' -- $V4 +noedns 2.2.0.192.bl.test A
check "+norec: no RD, never RA" 'flags: qr aa;' "$A2" -- $V4 +norec 2.2.0.192.bl.test A
check "mixed case echoed" \
	'^2\.2\.0\.192\.bL\.TeSt\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.0\.0\.2' \
	-- $V4 2.2.0.192.bL.TeSt A
check "mixed-case NXDOMAIN" "$NX" -- $V4 +tcp 9.2.0.192.BL.TEST A
# --- refusals and other types ---
check "other zone: REFUSED" 'status: REFUSED' '!flags: qr aa' -- $V4 2.2.0.192.other.test A
check "the parent: REFUSED" 'status: REFUSED' -- $V4 test NS
check "class CH: REFUSED" 'status: REFUSED' -- $V4 -c CH version.bind TXT
check "class CH in the zone: REFUSED" 'status: REFUSED' -- $V4 -c CH 2.2.0.192.bl.test A
check "AAAA on a listed name: no data" 'status: NOERROR' 'ANSWER: 0,' "$SOA" \
	-- $V4 2.2.0.192.bl.test AAAA
check "ANY on a listed name: no data" 'status: NOERROR' 'ANSWER: 0,' -- $V4 3.2.0.192.bl.test ANY
check "MX on a listed name: no data" 'status: NOERROR' 'ANSWER: 0,' -- $V4 +tcp 2.2.0.192.bl.test MX
check "AXFR refused" 'Transfer failed|REFUSED' -- $V4 bl.test AXFR
# --- IPv6 nibble names, and IPv6 transport ---
N6="1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.test"
check "IPv6 /64 listed (IPv4 transport)" "$A2" -- $V4 "$N6" A
check "IPv6 nibbles in upper case" "$A2" \
	-- $V4 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.B.D.0.1.0.0.2.bl.test A
check "IPv6 TXT" 'Backscatter from 2001:db8:1:2::1 ' -- $V4 "$N6" TXT
check "IPv6 not listed" "$NX" \
	-- $V4 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.test A
if [ $V6 = 1 ]; then
	check "over IPv6 UDP" "$A2" -- @::1 "$N6" A
	check "over IPv6 TCP" "$A2" '\(TCP\)' -- @::1 +tcp 2.2.0.192.bl.test A
	check "test entry over IPv6" "$A2" -- @::1 "$T2" A
	check "REFUSED over IPv6" 'status: REFUSED' -- @::1 example.org A
else
	echo "skip IPv6 transport: ::1 cannot be bound here"
fi

# --- malformed packets, bursts, reload under load (python3) ---
PY="$NG_TMP/dnsq.py"
cat >"$PY" <<'PYEOF'
import random, select, socket, struct, sys, time

def name(n):
    out = b''
    for l in n.split('.'):
        if l:
            out += bytes([len(l)]) + l.encode()
    return out + b'\0'

def query(qid, qname, qtype=1, flags=0x0100):
    return struct.pack('>HHHHHH', qid, flags, 1, 0, 0, 0) + name(qname) + struct.pack('>HH', qtype, 1)

def rcode(p):
    return p[3] & 15

def answers_a(p):
    """The A addresses of an answer (owners are pointers)."""
    an = struct.unpack('>H', p[6:8])[0]
    off = 12
    while p[off] != 0:
        off += 1 + p[off]
    off += 5
    out = []
    for _ in range(an):
        t, _c, _ttl, rdl = struct.unpack('>HHIH', p[off + 2:off + 12])
        if t == 1:
            out.append('.'.join(str(b) for b in p[off + 12:off + 16]))
        off += 12 + rdl
    return out

def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.connect(('127.0.0.1', port))
    return s

def malformed(port):
    """Each bad packet: dropped (no answer) or a bare FORMERR/NOTIMP header."""
    hdr = lambda f, qd, an, ns, ar: struct.pack('>HHHHHH', 0x4242, f, qd, an, ns, ar)
    q = name('2.2.0.192.bl.test') + struct.pack('>HH', 1, 1)
    cases = [
        ('empty', b'', 'drop'),
        ('short', b'\x42\x42\x01', 'drop'),
        ('eleven bytes', hdr(0, 1, 0, 0, 0)[:11], 'drop'),
        ('a response', hdr(0x8000, 1, 0, 0, 0) + q, 'drop'),
        ('opcode 5', hdr(0x2800, 1, 0, 0, 0) + q, 4),
        ('no question', hdr(0, 0, 0, 0, 0), 1),
        ('two questions', hdr(0, 2, 0, 0, 0) + q + q, 1),
        ('answer count', hdr(0, 1, 1, 0, 0) + q, 1),
        ('compression pointer', hdr(0, 1, 0, 0, 0) + b'\x012\xc0\x0c\x00\x01\x00\x01', 1),
        ('pointer loop', hdr(0, 1, 0, 0, 0) + b'\xc0\x0c\x00\x01\x00\x01', 1),
        ('label type 0x80', hdr(0, 1, 0, 0, 0) + b'\x80\x00\x00\x01\x00\x01', 1),
        ('label past the end', hdr(0, 1, 0, 0, 0) + b'\x3fabc', 1),
        ('name of 256 bytes', hdr(0, 1, 0, 0, 0) + (b'\x3f' + b'a' * 63) * 4 + b'\x00\x00\x01\x00\x01', 1),
        ('no type', hdr(0, 1, 0, 0, 0) + name('bl.test'), 1),
        ('trailing bytes', hdr(0, 1, 0, 0, 0) + q + b'\xff\xff', 1),
        ('OPT with a name', hdr(0, 1, 0, 0, 1) + q + b'\x01a\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00', 1),
        ('OPT option overruns', hdr(0, 1, 0, 0, 1) + q + b'\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x04\x00\x0a\x00\x08', 1),
        ('TSIG in additional', hdr(0, 1, 0, 0, 1) + q + b'\x00\x00\xfa\x00\xff\x00\x00\x00\x00\x00\x00', 1),
        ('type OPT asked', hdr(0, 1, 0, 0, 0) + name('bl.test') + b'\x00\x29\x00\x01', 1),
        ('oversize datagram', hdr(0, 1, 0, 0, 0) + q + b'\x00' * 3000, 'drop'),
    ]
    s = udp(port)
    bad = 0

    def answer_to(qid, wait):
        """The answer with ID qid within wait seconds (others are late ones)."""
        end = time.time() + wait
        while time.time() < end:
            s.settimeout(max(end - time.time(), 0.001))
            try:
                r = s.recv(65535)
            except socket.timeout:
                return None
            if r[:2] == struct.pack('>H', qid):
                return r
        return None

    for i, (label, pkt, want) in enumerate(cases):
        qid = 0x4200 + i
        if len(pkt) >= 2:
            pkt = struct.pack('>H', qid) + pkt[2:]
        s.send(pkt)
        r = answer_to(qid, 0.3 if want == 'drop' else 3)
        if want == 'drop':
            ok = r is None
        else:
            ok = r is not None and len(r) == 12 and rcode(r) == want and r[2] & 0x80 and len(r) <= len(pkt)
        if not ok:
            print('FAIL malformed %s: got %r' % (label, r))
            bad += 1
    # random garbage, each with its own ID: never more than a header back
    # for an error, never an answer to a response, never a crash
    rnd = random.Random(5782)
    sent = {}
    for i in range(400):
        n = rnd.choice([rnd.randrange(2, 40), rnd.randrange(12, 600)])
        pkt = struct.pack('>H', i) + bytes(rnd.randrange(256) for _ in range(n - 2))
        if n > 6 and i % 2:
            pkt = pkt[:2] + b'\x00\x00\x00\x01' + pkt[6:]  # looks like a query
        sent[i] = pkt
        s.send(pkt)
        time.sleep(0.001)
    s.settimeout(1)
    try:
        while True:
            r = s.recv(65535)
            qid = struct.unpack('>H', r[:2])[0]
            pkt = sent.get(qid)
            if pkt is None:
                continue  # late answer to a structured case
            if pkt[2] & 0x80 or not r[2] & 0x80 or (rcode(r) in (1, 4) and len(r) != 12):
                print('FAIL garbage %d: %r -> %r' % (qid, pkt, r))
                bad += 1
    except socket.timeout:
        pass
    # TCP: an impossible length, garbage, a query cut in two, a cut query
    for label, data, want in [
        ('length past the cap', b'\xff\xff' + b'x' * 100, 'closed'),
        ('garbage message', b'\x00\x05hello', 'formerr-or-closed'),
        ('query in two pieces', None, 'answer'),
        ('cut query', struct.pack('>H', 40) + b'\x42\x42', 'closed'),
    ]:
        t = socket.create_connection(('127.0.0.1', port), 5)
        t.settimeout(15)
        if data is None:
            m = query(0x4343, '2.2.0.192.bl.test')
            m = struct.pack('>H', len(m)) + m
            t.sendall(m[:7]); time.sleep(0.2); t.sendall(m[7:])
        else:
            t.sendall(data)
            t.shutdown(socket.SHUT_WR)  # the answers to what was sent, then EOF
        try:
            r = t.recv(65535)
        except (ConnectionResetError, socket.timeout):
            r = b''
        if want == 'answer':
            ok = len(r) > 14 and answers_a(r[2:]) == ['127.0.0.2']
        elif want == 'closed':
            ok = r == b''
        else:
            ok = r == b'' or (len(r) == 14 and rcode(r[2:]) == 1)
        if not ok:
            print('FAIL tcp %s: got %r' % (label, r))
            bad += 1
        t.close()
    return bad

def burst(port, n):
    """n queries sent at once, then every answer collected."""
    s = udp(port)
    for i in range(n):
        s.send(query(i, '2.2.0.192.bl.test'))
    got = set()
    s.settimeout(5)
    try:
        while len(got) < n:
            r = s.recv(4096)
            if answers_a(r) == ['127.0.0.2']:
                got.add(struct.unpack('>H', r[:2])[0])
    except socket.timeout:
        pass
    print('burst: %d of %d answered' % (len(got), n))
    return n - len(got)

def load(port, seconds, rate):
    """rate queries a second for seconds; every one answered, each right."""
    s = udp(port)
    s.setblocking(False)
    total = int(seconds * rate)
    sent, pending, wrong = 0, {}, 0
    start = time.time()
    while sent < total or pending:
        now = time.time()
        while sent < total and sent < (now - start) * rate:
            qid = sent % 65536
            s.send(query(qid, '2.2.0.192.bl.test'))
            pending[qid] = now
            sent += 1
        r, _, _ = select.select([s], [], [], 0.002)
        if r:
            while True:
                try:
                    p = s.recv(4096)
                except BlockingIOError:
                    break
                qid = struct.unpack('>H', p[:2])[0]
                if qid in pending:
                    del pending[qid]
                    if answers_a(p) != ['127.0.0.2']:
                        wrong += 1
        if sent >= total and pending and time.time() - max(pending.values()) > 3:
            break
    print('load: %d sent, %d lost, %d wrong' % (total, len(pending), wrong))
    return len(pending) + wrong

def rrl(port):
    """Past the limit: some answers slipped (TC), some dropped; TCP fine."""
    s = udp(port)
    for i in range(100):
        s.send(query(i, '2.2.0.192.bl.test'))
    full = tc = 0
    s.settimeout(0.5)
    try:
        while True:
            r = s.recv(4096)
            if r[2] & 0x02:
                tc += 1
            else:
                full += 1
    except socket.timeout:
        pass
    t = socket.create_connection(('127.0.0.1', port), 5)
    m = query(7, '2.2.0.192.bl.test')
    t.sendall(struct.pack('>H', len(m)) + m)
    r = t.recv(4096)
    tcp_ok = answers_a(r[2:]) == ['127.0.0.2']
    print('rrl: %d answered, %d slipped, %d dropped, tcp %s' % (full, tc, 100 - full - tc, tcp_ok))
    return 0 if 0 < full < 100 and tc > 0 and full + tc < 100 and tcp_ok else 1

cmd, port = sys.argv[1], int(sys.argv[2])
if cmd == 'malformed':
    sys.exit(1 if malformed(port) else 0)
if cmd == 'burst':
    sys.exit(1 if burst(port, int(sys.argv[3])) else 0)
if cmd == 'load':
    sys.exit(1 if load(port, float(sys.argv[3]), float(sys.argv[4])) else 0)
if cmd == 'rrl':
    sys.exit(rrl(port))
PYEOF

if python3 "$PY" malformed "$PORT"; then
	echo "ok   malformed packets: dropped or FORMERR/NOTIMP, never more than a header"
else
	failures=$((failures + 1))
fi
check "still answering after the malformed packets" "$A2" -- $V4 2.2.0.192.bl.test A
kill -USR1 "$PID"
sleep 0.5
if grep -qE 'stats .*formerr=[1-9][0-9]* .*dropped=[1-9]' "$LOG" &&
	grep -qE 'stats .*oversize=[1-9]' "$LOG"; then
	echo "ok   malformed packets counted (formerr, dropped, oversize)"
else
	echo "FAIL: the stats line does not count the malformed packets"
	grep stats "$LOG"
	failures=$((failures + 1))
fi

if python3 "$PY" burst "$PORT" 200; then
	echo "ok   200 queries in flight, all answered"
else
	failures=$((failures + 1))
fi

# reload under load: SIGHUP every 0.3 s and store changes, no answer lost
python3 "$PY" load "$PORT" 4 2000 >"$NG_TMP/load.out" 2>&1 &
LOADPID=$!
i=0
while [ $i -lt 10 ]; do
	kill -HUP "$PID"
	if [ $((i % 3)) = 0 ]; then
		"$NDRGUARD" list -c "$CONF" add "203.0.113.$i" --reason load >/dev/null
	fi
	sleep 0.3
	i=$((i + 1))
done
if wait "$LOADPID"; then
	echo "ok   reload under load: $(cat "$NG_TMP/load.out")"
else
	echo "FAIL: reload under load: $(cat "$NG_TMP/load.out")"
	failures=$((failures + 1))
fi
if grep -q 'index rebuilt' "$LOG"; then
	echo "ok   the index was rebuilt while serving"
else
	echo "FAIL: no 'index rebuilt' in the log"
	failures=$((failures + 1))
fi
sleep 1.2 # one more dnsbld_reload_interval
check "an entry added under load is served" "$A2" -- $V4 9.113.0.203.bl.test A

# --- a second server: a long TXT, the rate limit, a --data file ---
printf '# rbldnsd-style data\n192.0.2.2\n192.0.2.4 :127.0.0.3:\n' >"$NG_TMP/data"
LONG=$(python3 -c "print('\$ ' + 'x' * 700)")
LOG2="$NG_TMP/dnsbld2.log"
ng_start "$LOG2" "$PORT2" "$NDRGUARD" dnsbld -o "dnsbld_listen=127.0.0.1:$PORT2" \
	-o dnsbld_zone=bl.test -o "dnsbld_txt_template=$LONG" -o dnsbld_rrl=20 \
	--data "$NG_TMP/data"
PID2=$NG_STARTED_PID
PORT_SAVE=$PORT
PORT=$PORT2
check "long TXT over UDP: truncated" 'flags: qr aa tc rd;' 'ANSWER: 0,' \
	-- $V4 +noedns +ignore 2.2.0.192.bl.test TXT
check "long TXT: dig retries over TCP" 'Truncated, retrying in TCP mode' \
	'IN[[:space:]]+TXT[[:space:]]+"192\.0\.2\.2 xxxx' -- $V4 +noedns 2.2.0.192.bl.test TXT
check "long TXT within EDNS 1232" '!flags: qr aa tc' 'IN[[:space:]]+TXT' \
	-- $V4 +bufsize=1232 +ignore 2.2.0.192.bl.test TXT
check "--data file: :127.0.0.3: value" "$A3" -- $V4 4.2.0.192.bl.test A
PORT=$PORT_SAVE
sleep 1.1 # a fresh second for the rate limiter
if python3 "$PY" rrl "$PORT2"; then
	echo "ok   rate limit: slips and drops over UDP, TCP answered"
else
	failures=$((failures + 1))
fi

# --- exit ---
ng_stop "$PID2" 10
rc2=$?
ng_stop "$PID" 10
rc=$?
if [ "$rc" != 0 ] || [ "$rc2" != 0 ]; then
	echo "FAIL: exit status after SIGTERM: $rc and $rc2, want 0"
	failures=$((failures + 1))
fi
if grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$LOG" "$LOG2"; then
	echo "FAIL: sanitizer report in the daemon's log"
	grep -E -A20 'AddressSanitizer|runtime error|LeakSanitizer' "$LOG" "$LOG2" | head -60
	failures=$((failures + 1))
fi

if [ $failures -gt 0 ]; then
	echo "--- dnsbld log"
	tail -40 "$LOG"
	ng_fail "$failures check(s) failed"
fi
ng_pass "dnsbld answers dig over UDP and TCP$([ $V6 = 1 ] && echo ', IPv4 and IPv6')"
