#!/usr/bin/env python3
"""policyd_proto.py - protocol tests of `ndrguard policyd` (python3, stdlib only).

usage: policyd_proto.py NDRGUARD [TEST...]
       policyd_proto.py --serve-dns PORT      (the test DNS server alone, for
                                               bench/bench-policyd.sh)

Starts policyd on free loopback ports with dns_servers pointing at a tiny
DNS server run by this script (UDP on 127.0.0.1, zone bl.test):

  192.0.2.1     listed: A 127.0.0.2, TXT "Listed by bl.test: backscatter from 192.0.2.1"
  192.0.2.97-99 listed, but every answer is sent 0.6 s late (a lookup in flight)
  2001:db8::25  listed (IPv6 nibbles)
  127.0.0.2     listed, 127.0.0.1 not listed (RFC 5782 self-test)
  anything else NXDOMAIN

and talks the Postfix policy protocol to it: keep-alive, pipelining, split
requests, oversized and garbage requests, 1,000 concurrent connections,
verdicts, DNS down, SIGHUP reload, SIGTERM drain, unix sockets.  Every
server runs in a temporary directory, is stopped by its PID, and must exit
0 (under ASan that also means: no leaks).

Exit: 0 all passed, 1 a test failed, 2 usage.
"""

import os
import resource
import select
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

ZONE = "bl.test"
LISTED = {
    "192.0.2.1": "Listed by bl.test: backscatter from 192.0.2.1",
    "192.0.2.99": "Listed by bl.test: slow answer",
    "192.0.2.98": "Listed by bl.test: slow answer",
    "192.0.2.97": "Listed by bl.test: slow answer",
    "2001:db8::25": "Listed by bl.test: IPv6",
    "127.0.0.2": "RFC 5782 test point",
}
SLOW = {"192.0.2.99", "192.0.2.98", "192.0.2.97"}


# ----- the test DNS server -----

def qname_of(ip):
    """The DNSBL owner name of ip (without the zone)."""
    if ":" in ip:
        packed = socket.inet_pton(socket.AF_INET6, ip)
        nibbles = "".join("%02x" % b for b in packed)
        return ".".join(reversed(nibbles))
    return ".".join(reversed(ip.split(".")))


class DNSServer:
    """A UDP DNS server answering A and TXT for the listed addresses."""

    def __init__(self, port=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self.names = {qname_of(ip) + "." + ZONE: ip for ip in LISTED}
        self.queries = 0
        self.lock = threading.Lock()
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def count(self):
        with self.lock:
            return self.queries

    def run(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.queries += 1
            try:
                reply, slow = self.answer(data)
            except (IndexError, struct.error, UnicodeDecodeError):
                continue
            if slow:
                threading.Timer(0.6, self.send, (reply, peer)).start()
            else:
                self.send(reply, peer)

    def send(self, reply, peer):
        try:
            self.sock.sendto(reply, peer)
        except OSError:
            pass

    def answer(self, q):
        qid, flags, qd = struct.unpack(">HHH", q[:6])
        pos, labels = 12, []
        while q[pos] != 0:
            n = q[pos]
            labels.append(q[pos + 1:pos + 1 + n].decode("ascii"))
            pos += 1 + n
        qtype, qclass = struct.unpack(">HH", q[pos + 1:pos + 5])
        question = q[12:pos + 5]
        name = ".".join(labels).lower()
        ip = self.names.get(name)
        rd = flags & 0x0100
        answers = []
        if ip is not None and qtype == 1:
            answers.append(struct.pack(">HHHIH", 0xC00C, 1, 1, 300, 4) + bytes([127, 0, 0, 2]))
        elif ip is not None and qtype == 16:
            txt = LISTED[ip].encode()
            answers.append(struct.pack(">HHHIH", 0xC00C, 16, 1, 300, len(txt) + 1) +
                           bytes([len(txt)]) + txt)
        rcode = 0 if ip is not None else 3
        head = struct.pack(">HHHHHH", qid, 0x8080 | rd | rcode, 1, len(answers), 0, 0)
        return head + question + b"".join(answers), ip in SLOW

    def close(self):
        self.stop = True
        self.sock.close()


# ----- policyd -----

def free_port():
    for _ in range(100):
        t = socket.socket()
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            t.close()
            continue
        t.close()
        u.close()
        return port
    raise RuntimeError("no free port")


class Policyd:
    def __init__(self, binary, tmp, name, dns_port, conf="", listen=None, extra=()):
        self.tmp = tmp
        self.conf = os.path.join(tmp, name + ".conf")
        self.logpath = os.path.join(tmp, name + ".log")
        with open(self.conf, "w") as f:
            f.write(conf)
        if listen is None:
            self.port = free_port()
            listen = "inet:127.0.0.1:%d" % self.port
        self.listen = listen
        args = [binary, "policyd", "-c", self.conf, "-o", "policyd_listen=" + listen,
                "-o", "dns_servers=127.0.0.1:%d" % dns_port, "-o", "dns_timeout=1",
                "-o", "dns_tries=1", "-o", "dnsbl_zones=" + ZONE]
        for e in extra:
            args += ["-o", e]
        self.log = open(self.logpath, "w")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log)
        self.wait_ready()

    def wait_ready(self):
        end = time.time() + 15
        while time.time() < end:
            if self.proc.poll() is not None:
                raise AssertionError("policyd exited %d at start:\n%s" %
                                     (self.proc.returncode, self.text()))
            if "listening on" in self.text():
                try:
                    self.connect().close()
                    return
                except OSError:
                    pass
            time.sleep(0.05)
        raise AssertionError("policyd did not start:\n" + self.text())

    def connect(self):
        if self.listen.startswith("unix:"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.listen[5:])
        else:
            s = socket.create_connection(("127.0.0.1", self.port), 5)
        s.settimeout(10)
        return s

    def text(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def wait_log(self, needle, secs=10, start=0):
        end = time.time() + secs
        while time.time() < end:
            if needle in self.text()[start:]:
                return
            time.sleep(0.05)
        raise AssertionError("log line %r did not come:\n%s" % (needle, self.text()[-3000:]))

    def stop(self, sig=signal.SIGTERM, secs=10):
        """Signal, wait, return (exit code, seconds)."""
        if self.proc.poll() is not None:
            self.log.close()
            return self.proc.returncode, 0.0
        t0 = time.time()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(secs)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = "killed"
        self.log.close()
        return rc, time.time() - t0

    def check_clean_exit(self):
        rc, secs = self.stop()
        log = self.text()
        if rc != 0:
            raise AssertionError("policyd exit %s after SIGTERM:\n%s" % (rc, log[-4000:]))
        for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
            if bad in log:
                raise AssertionError("sanitizer report in the log:\n" + log[-4000:])
        return secs


def request(sender="", client="192.0.2.1", rcpt="user@example.org", state="RCPT",
            instance="1.2.3", extra=""):
    return ("request=smtpd_access_policy\nprotocol_state=%s\nprotocol_name=ESMTP\n"
            "client_address=%s\nclient_name=mx.example.net\nhelo_name=mx.example.net\n"
            "queue_id=\nsender=%s\nrecipient=%s\nrecipient_count=0\ninstance=%s\n%s\n" %
            (state, client, sender, rcpt, instance, extra)).encode()


def read_reply(s, buf=b""):
    """One reply ("action=...\\n\\n"): (action, rest of buf)."""
    while b"\n\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise AssertionError("connection closed; got %r" % buf)
        buf += d
    reply, rest = buf.split(b"\n\n", 1)
    lines = reply.decode().split("\n")
    if len(lines) != 1 or not lines[0].startswith("action="):
        raise AssertionError("bad reply %r" % reply)
    return lines[0][7:], rest


def read_replies(s, n):
    out, buf = [], b""
    for _ in range(n):
        a, buf = read_reply(s, buf)
        out.append(a)
    if buf:
        raise AssertionError("extra bytes after %d replies: %r" % (n, buf))
    return out


def ask(pd, data):
    s = pd.connect()
    s.sendall(data)
    a = read_replies(s, 1)[0]
    s.close()
    return a


def expect(got, want, what):
    ok = got.startswith(want[:-1]) if want.endswith("*") else got == want
    if not ok:
        raise AssertionError("%s:\n got  %r\n want %r" % (what, got, want))


REJECT = "550 5.7.1 Backscatter from 192.0.2.1 rejected: listed on bl.test: " \
         "Listed by bl.test: backscatter from 192.0.2.1"


# ----- the tests -----

def t_verdicts(env):
    pd, dns = env["pd"], env["dns"]
    expect(ask(pd, request("")), REJECT, "null sender from a listed IP")
    expect(ask(pd, request("postmaster@forged.example")), REJECT, "postmaster@")
    expect(ask(pd, request("MAILER-DAEMON@forged.example")), REJECT, "MAILER-DAEMON@")
    expect(ask(pd, request("", client="2001:db8::25")), "550 5.7.1 *", "IPv6 listed")
    expect(ask(pd, request("", client="192.0.2.2")), "DUNNO", "unlisted IP")
    expect(ask(pd, request("", rcpt="postmaster@example.org")), "DUNNO", "exempt postmaster@")
    expect(ask(pd, request("", state="CONNECT")), "DUNNO", "CONNECT stage")
    before = dns.count()
    for i in range(50):
        expect(ask(pd, request("alice@example.net", client="198.51.100.%d" % i)), "DUNNO",
               "ordinary sender")
    expect(ask(pd, request("alice@example.net")), "DUNNO", "ordinary sender from listed IP")
    if dns.count() != before:
        raise AssertionError("ordinary senders caused %d DNS queries" % (dns.count() - before))
    pd.wait_log('reason=listed usec=')
    pd.wait_log('sender="alice@example.net" recipient="user@example.org"')


def t_keepalive(env):
    s = env["pd"].connect()
    for i in range(500):
        s.sendall(request("" if i % 2 else "bob@example.net"))
        a = read_replies(s, 1)[0]
        expect(a, REJECT if i % 2 else "DUNNO", "request %d on one connection" % i)
    s.close()


def t_pipelined(env):
    # The first needs a lookup that is answered late; the rest must wait.
    reqs = [(request("", client="192.0.2.99"), "550 5.7.1 *"),
            (request("carol@example.net"), "DUNNO"),
            (request(""), REJECT),
            (request("", client="192.0.2.7"), "DUNNO"),
            (b"garbage\n\n", "DUNNO"),
            (request("postmaster@x.example"), REJECT)]
    s = env["pd"].connect()
    t0 = time.time()
    s.sendall(b"".join(r for r, _ in reqs))
    got = read_replies(s, len(reqs))
    for i, (a, (_, want)) in enumerate(zip(got, reqs)):
        expect(a, want, "pipelined reply %d" % i)
    if time.time() - t0 < 0.5:
        raise AssertionError("the slow lookup was not waited for")
    # CRLF, several pipelined again on the same connection
    s.sendall(request("").replace(b"\n", b"\r\n") * 3)
    for a in read_replies(s, 3):
        expect(a, REJECT, "CRLF pipelined")
    s.close()


def t_disconnect(env):
    # clients that go away while their lookup is in flight: the lookups are
    # cancelled, their late answers find nobody, the server goes on
    for i in range(5):
        s = env["pd"].connect()
        s.sendall(request("", client="192.0.2.98", instance="gone.%d" % i))
        if i % 2:
            s.shutdown(socket.SHUT_RDWR)
        s.close()
    s = env["pd"].connect()
    s.sendall(request("", client="192.0.2.97") + request("ivan@example.net"))
    s.shutdown(socket.SHUT_WR)  # half-close: both answers must still come
    got = read_replies(s, 2)
    expect(got[0], "550 5.7.1 *", "slow lookup before a half-close")
    expect(got[1], "DUNNO", "request behind it")
    if s.recv(10) != b"":
        raise AssertionError("connection not closed after the half-close")
    s.close()
    time.sleep(0.8)  # the cancelled queries' answers arrive
    expect(ask(env["pd"], request("")), REJECT, "the server after cancelled lookups")


def t_split(env):
    s = env["pd"].connect()
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    data = request("") + request("dave@example.net")
    for i in range(len(data)):
        s.send(data[i:i + 1])
        if i % 97 == 0:
            time.sleep(0.002)
    got = read_replies(s, 2)
    expect(got[0], REJECT, "split request 1")
    expect(got[1], "DUNNO", "split request 2")
    s.close()


def t_oversized(env):
    s = env["pd"].connect()
    big = b"".join(b"x_attr%d=%s\n" % (i, b"v" * 1000) for i in range(40))  # 40 KB
    s.sendall(request("", extra=big.decode()))
    expect(read_replies(s, 1)[0], "DUNNO", "oversized request")
    s.sendall(b"sender=" + b"a" * 9000 + b"\n\n")  # one line past the value cap
    expect(read_replies(s, 1)[0], "DUNNO", "over-long line")
    s.sendall(request(""))
    expect(read_replies(s, 1)[0], REJECT, "the connection after an oversized request")
    s.close()
    env["pd"].wait_log("malformed request: request too large")


def t_garbage(env):
    s = env["pd"].connect()
    s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
    expect(read_replies(s, 1)[0], "DUNNO", "HTTP request")
    s.sendall(b"\x00\x01\x02binary=\xff\xfe\n\n=x\n\n\n")
    for a in read_replies(s, 3):
        expect(a, "DUNNO", "garbage")
    s.sendall(b"request=smtpd_access_policy\nsender=\nsender=\nclient_address=192.0.2.1\n\n")
    expect(read_replies(s, 1)[0], "DUNNO", "attribute sent twice")
    s.sendall(b"request=something_else\nsender=\nclient_address=192.0.2.1\n\n")
    expect(read_replies(s, 1)[0], "DUNNO", "another request type")
    s.sendall(request(""))
    expect(read_replies(s, 1)[0], REJECT, "the connection after garbage")
    s.close()


def t_flood(env):
    s = env["pd"].connect()
    chunk = b"y" * 65536
    closed = False
    try:
        for _ in range(64):  # 4 MB without a line end
            s.sendall(chunk)
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    if not closed:
        s.settimeout(5)
        try:
            closed = s.recv(100) == b""
        except ConnectionResetError:
            closed = True
    if not closed:
        raise AssertionError("a 4 MB request without end did not close the connection")
    s.close()
    expect(ask(env["pd"], request("")), REJECT, "the server after a flood")


def t_concurrent(env):
    n = 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 100:
        want = min(hard, 4096) if hard != resource.RLIM_INFINITY else 4096
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        if want < n + 100:
            raise AssertionError("RLIMIT_NOFILE hard limit %d is too low" % hard)
    limits = "/proc/%d/limits" % env["pd"].proc.pid
    if os.path.exists(limits):  # policyd raised its soft limit to the hard one
        with open(limits) as f:
            row = [l.split() for l in f if l.startswith("Max open files")][0]
        if row[3] != row[4]:
            raise AssertionError("policyd open files: soft %s, hard %s" % (row[3], row[4]))
    socks = []
    try:
        for _ in range(n):
            socks.append(env["pd"].connect())
        # every connection is open at once; now each sends a request
        for i, s in enumerate(socks):
            s.sendall(request("" if i % 3 == 0 else "erin@example.net",
                              client="192.0.2.1" if i % 2 == 0 else "192.0.2.3"))
        pending = {s.fileno(): (i, s, b"") for i, s in enumerate(socks)}
        poller = select.poll()
        for s in socks:
            poller.register(s, select.POLLIN)
        end = time.time() + 30
        while pending and time.time() < end:
            for fd, _ in poller.poll(1000):
                i, s, buf = pending[fd]
                d = s.recv(4096)
                if not d:
                    raise AssertionError("connection %d closed" % i)
                buf += d
                if b"\n\n" in buf:
                    want = REJECT if i % 3 == 0 and i % 2 == 0 else "DUNNO"
                    expect(buf.decode()[7:-2], want, "concurrent connection %d" % i)
                    poller.unregister(fd)
                    del pending[fd]
                else:
                    pending[fd] = (i, s, buf)
        if pending:
            raise AssertionError("%d of %d connections got no reply" % (len(pending), n))
        # they are all still open: a second round on every tenth
        for s in socks[::10]:
            s.sendall(request(""))
            expect(read_replies(s, 1)[0], REJECT, "second round")
    finally:
        for s in socks:
            s.close()


def t_dns_down(env):
    down_port = free_port()  # nobody answers there
    pd = Policyd(env["bin"], env["tmp"], "dnsdown", down_port)
    try:
        expect(ask(pd, request("")),
               "PREPEND X-Ndrguard: dnsbl=dns-trouble client=192.0.2.1 zones=bl.test:*",
               "DNS down: tag")
        expect(ask(pd, request("frank@example.net")), "DUNNO", "DNS down: ordinary sender")
    finally:
        pd.check_clean_exit()
    pd2 = Policyd(env["bin"], env["tmp"], "dnsdown2", down_port,
                  extra=["dnsbl_dns_failure_action=tempfail"])
    try:
        expect(ask(pd2, request("")), "451 4.3.0 *", "DNS down: tempfail")
    finally:
        pd2.check_clean_exit()


def t_reload(env):
    pd = Policyd(env["bin"], env["tmp"], "reload", env["dns"].port,
                 conf="dnsbl_action = reject\n")
    try:
        s = pd.connect()  # a connection that lives across the reload
        s.sendall(request(""))
        expect(read_replies(s, 1)[0], REJECT, "before reload")
        with open(pd.conf, "w") as f:
            f.write("dnsbl_action = tempfail\ndnsbl_reject_text = Go away, $client ($txt)\n")
        mark = len(pd.text())
        pd.proc.send_signal(signal.SIGHUP)
        pd.wait_log("reloaded configuration", start=mark)
        s.sendall(request(""))
        expect(read_replies(s, 1)[0],
               "450 4.7.1 Go away, 192.0.2.1 (Listed by bl.test: backscatter from 192.0.2.1)",
               "after reload, old connection")
        expect(ask(pd, request("")), "450 4.7.1 Go away*", "after reload, new connection")
        # a slow lookup in flight across a reload is still answered
        s.sendall(request("", client="192.0.2.99"))
        time.sleep(0.1)
        with open(pd.conf, "w") as f:
            f.write("dnsbl_action = tag\n")
        mark = len(pd.text())
        pd.proc.send_signal(signal.SIGHUP)
        pd.wait_log("reloaded configuration", start=mark)
        expect(read_replies(s, 1)[0], "450 4.7.1 Go away, 192.0.2.99*", "lookup across reload")
        expect(ask(pd, request("")), "PREPEND X-Ndrguard: dnsbl=listed zone=bl.test "
               "client=192.0.2.1", "tag after the second reload")
        # a bad file is refused and the running configuration kept
        with open(pd.conf, "w") as f:
            f.write("dnsbl_action = explode\n")
        mark = len(pd.text())
        pd.proc.send_signal(signal.SIGHUP)
        pd.wait_log("reload failed", start=mark)
        expect(ask(pd, request("")), "PREPEND X-Ndrguard: dnsbl=listed*", "after a bad reload")
        s.close()
        pd.proc.send_signal(signal.SIGUSR1)
        pd.wait_log("stats connections=")
    finally:
        pd.check_clean_exit()


def t_drain(env):
    pd = Policyd(env["bin"], env["tmp"], "drain", env["dns"].port)
    idle = pd.connect()
    busy = pd.connect()
    busy.sendall(request("", client="192.0.2.99"))  # answered 0.6 s late
    time.sleep(0.1)
    t0 = time.time()
    pd.proc.send_signal(signal.SIGTERM)
    expect(read_replies(busy, 1)[0], "550 5.7.1 *", "request in flight at SIGTERM")
    if busy.recv(10) != b"" or idle.recv(10) != b"":
        raise AssertionError("connections not closed after the drain")
    try:
        rc = pd.proc.wait(5)
    except subprocess.TimeoutExpired:
        raise AssertionError("policyd did not exit within 5 s of SIGTERM")
    secs = time.time() - t0
    if rc != 0:
        raise AssertionError("exit %d after SIGTERM:\n%s" % (rc, pd.text()[-3000:]))
    if secs > 3:
        raise AssertionError("drain took %.1f s" % secs)
    try:
        socket.create_connection(("127.0.0.1", pd.port), 1).close()
        raise AssertionError("still accepting after SIGTERM")
    except OSError:
        pass
    busy.close()
    idle.close()
    pd.check_clean_exit()


def t_unix(env):
    path = os.path.join(env["tmp"], "policyd.sock")
    # a stale socket from a crashed server is removed
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()
    pd = Policyd(env["bin"], env["tmp"], "unix", env["dns"].port, listen="unix:" + path)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode != 0o666:
            raise AssertionError("socket mode %o, want 666" % mode)
        s = pd.connect()
        for i in range(20):
            s.sendall(request("" if i % 2 else "gina@example.net"))
            expect(read_replies(s, 1)[0], REJECT if i % 2 else "DUNNO", "unix socket")
        s.close()
        # a second server must not steal a live socket
        p2 = subprocess.run([env["bin"], "policyd", "-o", "policyd_listen=unix:" + path,
                             "-o", "dnsbl_zones="], capture_output=True, text=True, timeout=10)
        if p2.returncode != 3 or "another server" not in p2.stderr:
            raise AssertionError("second server on a live socket: exit %d %s" %
                                 (p2.returncode, p2.stderr))
    finally:
        pd.check_clean_exit()
    if os.path.exists(path):
        raise AssertionError("socket not removed at exit")


def t_limits(env):
    pd = Policyd(env["bin"], env["tmp"], "limits", env["dns"].port,
                 extra=["policyd_idle_timeout=3", "policyd_connection_ttl=2",
                        "policyd_max_clients=5"])
    try:
        time.sleep(0.3)  # the probe connection of wait_ready() is gone
        socks = [pd.connect() for _ in range(5)]
        for s in socks:
            s.sendall(request(""))
            expect(read_replies(s, 1)[0], REJECT, "within policyd_max_clients")
        extra = pd.connect()
        if extra.recv(10) != b"":
            raise AssertionError("connection past policyd_max_clients not closed")
        extra.close()
        pd.wait_log("too many clients")
        for s in socks[1:]:
            s.close()
        # idle timeout: a silent connection is closed after about 3 s
        t0 = time.time()
        s = socks[0]
        if s.recv(10) != b"" or not 1 < time.time() - t0 < 7:
            raise AssertionError("idle connection not closed after policyd_idle_timeout")
        s.close()
        # connection TTL: the first answer after 2 s is the last one (the
        # pauses stay well inside the 3 s idle timeout on a loaded machine)
        s = pd.connect()
        t0 = time.time()
        while time.time() - t0 < 1.0:
            s.sendall(request(""))
            expect(read_replies(s, 1)[0], REJECT, "before the TTL")
            time.sleep(0.1)
        time.sleep(max(0, 2.3 - (time.time() - t0)))  # past the TTL, within the idle timeout
        s.sendall(request(""))
        expect(read_replies(s, 1)[0], REJECT, "the request after the TTL is answered")
        s.settimeout(3)
        if s.recv(10) != b"":
            raise AssertionError("connection open past policyd_connection_ttl")
        s.close()
    finally:
        pd.check_clean_exit()


def t_daemon_user(env):
    """Started as root with daemon_user, policyd binds, then runs as that user."""
    if os.geteuid() != 0:
        print("  (not root: daemon_user not exercised)")
        return
    import pwd
    nobody = pwd.getpwnam("nobody")
    pd = Policyd(env["bin"], env["tmp"], "user", env["dns"].port, extra=["daemon_user=nobody"])
    try:
        with open("/proc/%d/status" % pd.proc.pid) as f:
            uids = [line.split()[1:] for line in f if line.startswith("Uid:")][0]
        if any(int(u) != nobody.pw_uid for u in uids):
            raise AssertionError("uids %s, want all %d" % (uids, nobody.pw_uid))
        s = pd.connect()
        s.sendall(request(""))
        expect(read_replies(s, 1)[0], REJECT, "after dropping privileges")
        s.close()
    finally:
        pd.check_clean_exit()
    p = subprocess.run([env["bin"], "policyd", "-o", "daemon_user=no-such-user-x", "-o",
                        "policyd_listen=inet:127.0.0.1:%d" % free_port(), "-o", "dnsbl_zones="],
                       capture_output=True, text=True, timeout=10)
    if p.returncode != 2 or "daemon_user: no such user" not in p.stderr:
        raise AssertionError("unknown daemon_user: exit %d, %s" % (p.returncode, p.stderr))


def t_config_error(env):
    p = subprocess.run([env["bin"], "policyd", "-o", "exempt_networks=10.0.0.1/8", "-o",
                        "policyd_listen=inet:127.0.0.1:%d" % free_port()],
                       capture_output=True, text=True, timeout=10)
    if p.returncode != 2 or "-o: exempt_networks" not in p.stderr:
        raise AssertionError("bad exempt_networks: exit %d, %s" % (p.returncode, p.stderr))


TESTS = [("verdicts", t_verdicts), ("keepalive", t_keepalive), ("pipelined", t_pipelined),
         ("disconnect", t_disconnect),
         ("split", t_split), ("oversized", t_oversized), ("garbage", t_garbage),
         ("flood", t_flood), ("concurrent-1000", t_concurrent), ("dns-down", t_dns_down),
         ("reload", t_reload), ("drain", t_drain), ("unix-socket", t_unix), ("limits", t_limits),
         ("daemon-user", t_daemon_user), ("config-error", t_config_error)]


def main(argv):
    if len(argv) == 3 and argv[1] == "--serve-dns":
        dns = DNSServer(int(argv[2]))
        print("dns server on 127.0.0.1:%d" % dns.port, flush=True)
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
        return 0
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    binary = os.path.abspath(argv[1])
    only = set(argv[2:])
    tmp = tempfile.mkdtemp(prefix="ndrguard-policyd.")
    dns = DNSServer()
    env = {"bin": binary, "tmp": tmp, "dns": dns}
    failed = 0
    try:
        env["pd"] = Policyd(binary, tmp, "main", dns.port,
                            extra=["policyd_max_clients=2000"])
        for name, fn in TESTS:
            if only and name not in only:
                continue
            t0 = time.time()
            try:
                fn(env)
                print("PASS %-16s %.2fs" % (name, time.time() - t0), flush=True)
            except Exception as e:  # report, then go on with the next test
                failed += 1
                print("FAIL %-16s %s" % (name, e), flush=True)
        try:
            secs = env["pd"].check_clean_exit()
            print("PASS %-16s exit 0 in %.2fs after SIGTERM" % ("sigterm", secs), flush=True)
        except AssertionError as e:
            failed += 1
            print("FAIL %-16s %s" % ("sigterm", e), flush=True)
    finally:
        if "pd" in env and env["pd"].proc.poll() is None:
            env["pd"].proc.kill()
        dns.close()
        if failed and os.environ.get("NG_KEEP") != "1":
            print("logs kept in " + tmp)
        elif os.environ.get("NG_KEEP") != "1":
            subprocess.run(["rm", "-rf", tmp])
    print("%d failed" % failed if failed else "all passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
