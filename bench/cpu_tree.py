#!/usr/bin/env python3
"""cpu_tree.py PID... - CPU seconds (user + system, with what the processes'
reaped children used) of the given processes and all their descendants, as
/proc shows them now.  Empty or vanished PIDs are skipped.  The benchmarks
take it before and after a run to charge the servers (Postfix's master and
its children, the sink, the DNS server, the milters) with their own work
while other work shares the machine."""
import os
import sys


def stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    f = s[s.rindex(")") + 2:].split()
    return int(f[1]), sum(int(x) for x in f[11:15])  # ppid, utime+stime+cutime+cstime


procs = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        st = stat(d)
        if st:
            procs[int(d)] = st
kids = {}
for pid, (ppid, _) in procs.items():
    kids.setdefault(ppid, []).append(pid)
seen, todo = set(), [int(p) for p in sys.argv[1:] if p]
while todo:
    pid = todo.pop()
    if pid in seen or pid not in procs:
        continue
    seen.add(pid)
    todo += kids.get(pid, [])
print(f"{sum(procs[p][1] for p in seen) / os.sysconf('SC_CLK_TCK'):.2f}")
