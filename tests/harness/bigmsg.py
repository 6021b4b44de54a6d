#!/usr/bin/env python3
"""bigmsg.py - the classifier runs in constant memory, whatever the message.

Generates 100 MB messages on the fly and pipes each to
`$NG_RELEASE_BIN classify --format json -`, then requires a peak RSS under
32 MB (os.wait4 rusage of that one child) and a sane verdict:

  dsn-attachment  a DSN bounce whose returned original (message/rfc822)
                  carries a 100 MB base64 attachment: class ndr, the
                  recipient and the status from the DSN part
  one-line        an ordinary message whose body is one 100 MB line
  many-headers    100 MB of header fields (about 1.4 million of them)
  one-header      one folded header field of 100 MB

NG_RELEASE_BIN is the release (unsanitized) ndrguard; `make check` passes it
to CMake.  Without it the test is skipped (exit 77, CTest SKIP_RETURN_CODE):
sanitizer builds have a far larger RSS, so measuring them says nothing.
"""
import json
import os
import subprocess
import sys
import time

MB = 1 << 20
SIZE = 100 * MB
RSS_LIMIT_KB = 32 * 1024


def chunks_of(line, total):
    """Yield `line` repeated to about `total` bytes, in ~1 MB writes."""
    block = line * max(1, MB // len(line))
    sent = 0
    while sent < total:
        yield block
        sent += len(block)


def dsn_attachment():
    yield (b"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
           b"To: alice@example.com\n"
           b"Subject: Undelivered Mail Returned to Sender\n"
           b"Auto-Submitted: auto-replied\n"
           b"MIME-Version: 1.0\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"BIG\"\n\n"
           b"--BIG\nContent-Type: text/plain\n\n"
           b"This is the mail system at host mx.example.net.\n"
           b"Your message could not be delivered to one or more recipients.\n\n"
           b"<bob@example.org>: host mail.example.org said: 550 5.1.1 User unknown\n"
           b"--BIG\nContent-Type: message/delivery-status\n\n"
           b"Reporting-MTA: dns; mx.example.net\n\n"
           b"Final-Recipient: rfc822; bob@example.org\n"
           b"Action: failed\nStatus: 5.1.1\n"
           b"Diagnostic-Code: smtp; 550 5.1.1 User unknown\n"
           b"--BIG\nContent-Type: message/rfc822\n\n"
           b"From: alice@example.com\nTo: bob@example.org\nSubject: the big file\n"
           b"MIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=\"ATT\"\n\n"
           b"--ATT\nContent-Type: text/plain\n\nsee attachment\n"
           b"--ATT\nContent-Type: application/octet-stream; name=big.bin\n"
           b"Content-Transfer-Encoding: base64\n"
           b"Content-Disposition: attachment; filename=big.bin\n\n")
    yield from chunks_of(b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5\n",
                         SIZE)
    yield b"--ATT--\n--BIG--\n"


def one_line():
    yield (b"From: Ivan <ivan@example.org>\nTo: alice@example.com\n"
           b"Subject: a long line\n\n")
    yield from chunks_of(b"x" * 65536, SIZE)
    yield b"\nend\n"


def many_headers():
    yield b"From: Ivan <ivan@example.org>\nSubject: headers\n"
    yield from chunks_of(b"X-Filler: some header value that goes on for a while 0123456789\n", SIZE)
    yield b"\nbody\n"


def one_header():
    yield b"From: Ivan <ivan@example.org>\nSubject: one field\nX-Huge: start\n"
    yield from chunks_of(b"\tcontinued folded header value 0123456789 0123456789 0123456789\n", SIZE)
    yield b"\nbody\n"


def check_dsn(v):
    r = v.get("recipients") or []
    return (v.get("class") == "ndr" and len(r) == 1 and r[0].get("address") == "bob@example.org"
            and r[0].get("status") == "5.1.1")


def check_none(v):
    return v.get("class") == "none"


VARIANTS = [
    ("dsn-attachment", dsn_attachment, check_dsn),
    ("one-line", one_line, check_none),
    ("many-headers", many_headers, check_none),
    ("one-header", one_header, check_none),
]


def run(binary, name, gen, check):
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "classify", "--format", "json", "-"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    sent = 0
    try:
        for block in gen():
            p.stdin.write(block)
            sent += len(block)
        p.stdin.close()
    except BrokenPipeError:
        pass
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    secs = time.monotonic() - t0
    rss = ru.ru_maxrss  # KiB on Linux
    ok = True
    why = []
    if p.returncode != 0:
        ok = False
        why.append("exit %d" % p.returncode)
    if rss >= RSS_LIMIT_KB:
        ok = False
        why.append("peak RSS %d KiB >= %d KiB" % (rss, RSS_LIMIT_KB))
    try:
        v = json.loads(out)
        if not check(v):
            ok = False
            why.append("unexpected verdict: class=%s recipients=%s" %
                       (v.get("class"), json.dumps(v.get("recipients"))[:300]))
    except ValueError as e:
        ok = False
        why.append("bad JSON (%s): %r" % (e, out[:200]))
    print("bigmsg: %-15s %4d MB in %5.2f s, peak RSS %6d KiB: %s" %
          (name, sent // MB, secs, rss, "ok" if ok else "FAIL: " + "; ".join(why)))
    return ok


def main():
    binary = os.environ.get("NG_RELEASE_BIN", "")
    if not binary:
        print("bigmsg: NG_RELEASE_BIN not set (make check sets it): skipped")
        return 77
    if not os.access(binary, os.X_OK):
        print("bigmsg: %s is not executable" % binary)
        return 1
    names = sys.argv[1:]
    ok = True
    for name, gen, check in VARIANTS:
        if names and name not in names:
            continue
        ok = run(binary, name, gen, check) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
