#!/usr/bin/env bash
# bench-classify.sh: classification throughput, ndrguard vs Sisimai 4.25.
#
# usage: bench/bench-classify.sh NDRGUARD_BIN CORPUS_DIR [PASSES=20]
#
#   (a) NDRGUARD_BIN classify --format none --repeat PASSES <all corpus .eml files>
#       (also with NDRGUARD_NO_IO_URING=1, file by file, for reference)
#   (b) bench/sisimai-classify.pl <all corpus .eml files>   (one pass)
#
# Each command is run RUNS times (default 3, env RUNS); the CPU time (user+sys)
# of the child is taken from python3 resource.getrusage(RUSAGE_CHILDREN), so no
# extra package (GNU time) is needed. The median of the runs is reported as
# messages per CPU-second, where messages = number of .eml files x passes
# (process start-up is included, which is why ndrguard runs many passes).
# Set SISIMAI_PASSES=N to give Sisimai more passes too (default 1).
# Every command runs on one CPU, the same for all (BENCH_CPU, default the
# last one; "none" to let the scheduler choose): the vCPUs of a VM need not
# be equally fast (on the development machine CPU 0, which takes the
# interrupts, is a third slower), and runs that land on either give two
# populations whose median is a matter of luck.
# Needs: python3, perl with libsisimai-perl (Debian, 4.25.x).
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 NDRGUARD_BIN CORPUS_DIR [PASSES=20]" >&2
    exit 2
fi
NDRGUARD=$1
CORPUS=$2
PASSES=${3:-20}
RUNS=${RUNS:-3}
SISIMAI_PASSES=${SISIMAI_PASSES:-1}
HERE=$(cd "$(dirname "$0")" && pwd)

if [ ! -x "$NDRGUARD" ]; then echo "$0: $NDRGUARD: not an executable" >&2; exit 2; fi
if [ ! -d "$CORPUS" ]; then echo "$0: $CORPUS: not a directory" >&2; exit 2; fi
if ! perl -MSisimai -e 1 2>/dev/null; then
    echo "$0: Perl module Sisimai missing (apt-get install libsisimai-perl)" >&2; exit 2
fi

BENCH_CPU=${BENCH_CPU:-$(($(nproc) - 1))}
exec python3 - "$NDRGUARD" "$CORPUS" "$PASSES" "$RUNS" "$SISIMAI_PASSES" "$HERE/sisimai-classify.pl" "$BENCH_CPU" <<'PY'
import os, resource, statistics, subprocess, sys

ndrguard, corpus, passes, runs, spasses, sisimai_pl, bench_cpu = sys.argv[1:8]
import shutil
PIN = (["taskset", "-c", bench_cpu]
       if bench_cpu != "none" and shutil.which("taskset") else [])
passes, runs, spasses = int(passes), int(runs), int(spasses)

files = []
for root, dirs, names in os.walk(corpus):
    dirs.sort()
    files += [os.path.join(root, n) for n in sorted(names) if n.endswith(".eml")]
if not files:
    sys.exit(f"bench-classify: no .eml files under {corpus}")

def cpu_of(cmd, env=None):
    """CPU seconds (user+sys) of one run of cmd, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(PIN + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(f"bench-classify: command failed (exit {p.returncode}): {cmd[0]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, p.stdout

def measure(label, cmd, nmsg, env=None):
    times = []
    out = ""
    for i in range(runs):
        cpu, out = cpu_of(cmd, env)
        times.append(cpu)
    med = statistics.median(times)
    rate = nmsg / med if med > 0 else float("inf")
    print(f"{label:9s} {nmsg:7d} msgs  cpu-s runs: " +
          " ".join(f"{t:.3f}" for t in times) +
          f"  median {med:.3f}  -> {rate:,.0f} msg/cpu-s")
    return rate, out

print(f"corpus: {corpus}: {len(files)} .eml files; {runs} runs each, median CPU time (user+sys)"
      + (f", all on CPU {bench_cpu}" if PIN else ""))
ng_rate, _ = measure("ndrguard",
    [ndrguard, "classify", "--format", "none", "--repeat", str(passes)] + files,
    len(files) * passes)
# The same, reading file by file (no io_uring read-ahead): for reference.
plain_env = dict(os.environ, NDRGUARD_NO_IO_URING="1")
measure("(by file)",
    [ndrguard, "classify", "--format", "none", "--repeat", str(passes)] + files,
    len(files) * passes, plain_env)
# The library alone, files read once: what the file system costs above.
bench_bin = os.path.join(os.path.dirname(os.path.abspath(ndrguard)), "bench_classify")
lib_rate = None
if os.access(bench_bin, os.X_OK):
    lib_times = []
    for i in range(runs):
        p = subprocess.run(PIN + [bench_bin, str(passes)] + files, stdout=subprocess.PIPE,
                           text=True)
        if p.returncode != 0:
            sys.exit("bench-classify: bench_classify failed")
        lib_times.append(float(p.stdout.split()[3]))
    lib_med = statistics.median(lib_times)
    lib_rate = len(files) * passes / lib_med if lib_med > 0 else float("inf")
    print(f"{'library':9s} {len(files) * passes:7d} msgs  cpu-s runs: " +
          " ".join(f"{t:.3f}" for t in lib_times) +
          f"  median {lib_med:.3f}  -> {lib_rate:,.0f} msg/cpu-s (files read once, not counted)")
ss_cmd = ["perl", sisimai_pl, "--repeat", str(spasses)] + files
ss_rate, ss_out = measure("sisimai", ss_cmd, len(files) * spasses)
if ss_out.strip():
    print("  " + ss_out.strip().splitlines()[-1])
ratio = ng_rate / ss_rate if ss_rate > 0 else float("inf")
rs = f"{ratio:.0f}" if ratio >= 10 else f"{ratio:.2f}"
print(f"classify: ndrguard {ng_rate:.0f} msg/cpu-s, sisimai {ss_rate:.0f} msg/cpu-s, ratio {rs}x")
if lib_rate is not None and ss_rate > 0:
    print(f"classify (library, no file I/O): {lib_rate:.0f} msg/cpu-s, ratio {lib_rate / ss_rate:.0f}x")
PY
