#!/usr/bin/env python3
"""gen_dnsbl_data.py - the DNSBL data set and query files of bench-dnsbld.sh.

usage: bench/gen_dnsbl_data.py OUTDIR [--v4 N] [--ranges N] [--v6 N]
                               [--queries N] [--zone ZONE] [--seed S]

Deterministic: the same arguments write the same bytes (one
random.Random(seed), getrandbits only).  Writes into OUTDIR:

  v4.ip4set     rbldnsd ip4set: a $SOA/$TTL header, the default value
                ":127.0.0.2:Listed, see http://ZONE/lookup?ip=$", the
                RFC 5782 test entry 127.0.0.2, N distinct IPv4 addresses
                (default 1,000,000) and N /24 networks ("a.b.c.0/24",
                default 1,000), in random order.  Addresses are drawn from
                1.0.0.0-223.255.255.255 outside 10/8, 127/8, 192.168/16.
  v6.ip6tset    rbldnsd ip6tset: the same header and N distinct IPv6 /64s
                in 2000::/3 as four words ("2a01:4f8:10a:3f2", default
                100,000).
  v6.ip6trie    the same /64s as rbldnsd ip6trie data ("2a01:4f8:10a:3f2::/64",
                a value per entry possible), for comparison.
  empty.ip4set  the header and 127.0.0.2 only; empty.ip6tset, the header:
                the baseline of the memory measurement.
  queries.txt   dnsperf input ("NAME TYPE", N lines, default 200,000):
                  40%  A of a listed IPv4 address
                   5%  A of an address inside a listed /24
                  30%  A of an unlisted IPv4 address
                  10%  A of an address inside a listed /64 (32 nibbles)
                  10%  A of an unlisted IPv6 address
                   5%  TXT of a listed IPv4 address (a client fetching the
                       reason after a hit)
                in random order: 60% listed (NOERROR), 40% NXDOMAIN.
  probes        "v4 NAME" and "v6 NAME": a listed name of each data file
                (the last entry written), for the start-up probes.

Both ndrguard dnsbld (--data, its import parser) and rbldnsd (ip4set and
ip6tset datasets) read these files unchanged.
"""
import argparse
import os
import sys


class Rng:
    """A deterministic source of integers (getrandbits only: stable
    across Python versions, unlike randrange/sample)."""

    def __init__(self, seed):
        import random
        self.r = random.Random(seed)

    def below(self, n):
        bits = max(1, (n - 1).bit_length())
        while True:
            v = self.r.getrandbits(bits)
            if v < n:
                return v


def v4_ok(ip):
    a = ip >> 24
    if a == 0 or a == 10 or a == 127 or a >= 224:
        return False
    if ip >> 16 == 0xC0A8:  # 192.168/16
        return False
    return True


def v4_str(ip):
    return "%d.%d.%d.%d" % (ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255)


def v4_name(ip, zone):
    return "%d.%d.%d.%d.%s" % (ip & 255, (ip >> 8) & 255, (ip >> 16) & 255, ip >> 24, zone)


def v6_tset(p64):
    return "%x:%x:%x:%x" % ((p64 >> 48) & 0xFFFF, (p64 >> 32) & 0xFFFF, (p64 >> 16) & 0xFFFF,
                            p64 & 0xFFFF)


def v6_cidr(p64):
    return v6_tset(p64) + "::/64"


def v6_name(p64, low, zone):
    full = "%016x%016x" % (p64, low)
    return ".".join(reversed(full)) + "." + zone


def header(zone):
    return ("$SOA 60 ns.%s. hostmaster.%s. 1 600 300 86400 30\n"
            "$TTL 120\n"
            ":127.0.0.2:Listed, see http://%s/lookup?ip=$\n" % (zone, zone, zone))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--v4", type=int, default=1000000)
    ap.add_argument("--ranges", type=int, default=1000)
    ap.add_argument("--v6", type=int, default=100000)
    ap.add_argument("--queries", type=int, default=200000)
    ap.add_argument("--zone", default="bl.test")
    ap.add_argument("--seed", type=int, default=5782)
    a = ap.parse_args()
    zone = a.zone.rstrip(".").lower()
    rng = Rng(a.seed)
    os.makedirs(a.outdir, exist_ok=True)

    # IPv4 /24 networks (by their top 24 bits), then /32 addresses
    nets = []
    netset = set()
    while len(nets) < a.ranges:
        n24 = rng.below(1 << 24)
        if n24 in netset or not v4_ok(n24 << 8):
            continue
        netset.add(n24)
        nets.append(n24)
    addrs = []
    addrset = set()
    while len(addrs) < a.v4:
        ip = rng.below(1 << 32)
        if ip in addrset or not v4_ok(ip):
            continue
        addrset.add(ip)
        addrs.append(ip)
    # IPv6 /64s in 2000::/3
    p64s = []
    p64set = set()
    while len(p64s) < a.v6:
        p = (1 << 61) | rng.below(1 << 61)
        if p in p64set:
            continue
        p64set.add(p)
        p64s.append(p)

    hdr = header(zone)
    with open(os.path.join(a.outdir, "v4.ip4set"), "w") as f:
        f.write(hdr)
        f.write("127.0.0.2\n")
        # the /24s spread through the file, as an operator's list would be
        step = max(1, len(addrs) // max(1, len(nets)))
        ni = 0
        out = []
        for i, ip in enumerate(addrs):
            if ni < len(nets) and i % step == 0:
                out.append("%s/24\n" % v4_str(nets[ni] << 8))
                ni += 1
            out.append(v4_str(ip) + "\n")
            if len(out) >= 65536:
                f.write("".join(out))
                out = []
        for n24 in nets[ni:]:
            out.append("%s/24\n" % v4_str(n24 << 8))
        f.write("".join(out))
    with open(os.path.join(a.outdir, "v6.ip6tset"), "w") as f:
        f.write(hdr)
        f.write("".join(v6_tset(p) + "\n" for p in p64s))
    with open(os.path.join(a.outdir, "v6.ip6trie"), "w") as f:
        f.write(hdr)
        f.write("".join(v6_cidr(p) + "\n" for p in p64s))
    with open(os.path.join(a.outdir, "empty.ip4set"), "w") as f:
        f.write(hdr)
        f.write("127.0.0.2\n")
    with open(os.path.join(a.outdir, "empty.ip6tset"), "w") as f:
        f.write(hdr)

    def listed4(ip):
        return ip in addrset or (ip >> 8) in netset

    def unlisted4():
        while True:
            ip = rng.below(1 << 32)
            if v4_ok(ip) and not listed4(ip):
                return ip

    # cumulative percentages of the mix
    mix = [(40, "v4"), (45, "v4net"), (75, "v4no"), (85, "v6"), (95, "v6no"), (100, "txt")]
    q = []
    for _ in range(a.queries):
        r = rng.below(100)
        kind = next(k for lim, k in mix if r < lim)
        if kind == "v4" and addrs:
            q.append(v4_name(addrs[rng.below(len(addrs))], zone) + " A")
        elif kind == "txt" and addrs:
            q.append(v4_name(addrs[rng.below(len(addrs))], zone) + " TXT")
        elif kind == "v4net" and nets:
            q.append(v4_name((nets[rng.below(len(nets))] << 8) | rng.below(256), zone) + " A")
        elif kind == "v6" and p64s:
            q.append(v6_name(p64s[rng.below(len(p64s))], rng.below(1 << 64), zone) + " A")
        elif kind == "v6no":
            while True:
                p = (1 << 61) | rng.below(1 << 61)
                if p not in p64set:
                    break
            q.append(v6_name(p, rng.below(1 << 64), zone) + " A")
        else:
            q.append(v4_name(unlisted4(), zone) + " A")
    with open(os.path.join(a.outdir, "queries.txt"), "w") as f:
        f.write("\n".join(q) + "\n")
    with open(os.path.join(a.outdir, "probes"), "w") as f:
        f.write("v4 %s\n" % v4_name(addrs[-1] if addrs else 0x7F000002, zone))
        if p64s:
            f.write("v6 %s\n" % v6_name(p64s[-1], 1, zone))
    for name in ("v4.ip4set", "v6.ip6tset", "v6.ip6trie", "empty.ip4set", "empty.ip6tset",
                 "queries.txt", "probes"):
        os.chmod(os.path.join(a.outdir, name), 0o644)
    return 0


if __name__ == "__main__":
    sys.exit(main())
