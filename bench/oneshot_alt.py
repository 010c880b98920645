#!/usr/bin/env python3
"""Wall and CPU of one-shot commands, several binaries alternating (issue 14,
item 5). Each round runs every command once, in turn, so that the shared
machine's load falls on each alike; prints the medians over the rounds.
Children are started with posix_spawn (no copy of this Python process), and
CPU is the child's user and system time from wait4.

usage: oneshot_alt.py ROUNDS LABEL=COMMAND [LABEL=COMMAND ...]
  COMMAND is the argument list joined with '%', for example
  bench/oneshot_alt.py 101 \\
    before=/tmp/old/p2pdoc%render%brief%samples/uhc-lumbar-mri.json%-o%/tmp/a.pdf \\
    now=build/src/p2pdoc%render%brief%samples/uhc-lumbar-mri.json%-o%/tmp/b.pdf \\
    true=/bin/true
  (/bin/true shows what starting any process costs in this harness)
"""
import os
import statistics
import sys
import time

if len(sys.argv) < 3 or "=" not in sys.argv[2]:
    raise SystemExit(__doc__)
rounds = int(sys.argv[1])
commands = [(a.split("=", 1)[0], a.split("=", 1)[1].split("%")) for a in sys.argv[2:]]
runs = {label: ([], [], []) for label, _ in commands}
null = os.open(os.devnull, os.O_WRONLY)
for _ in range(rounds):
    for label, cmd in commands:
        t0 = time.perf_counter()
        pid = os.posix_spawn(cmd[0], cmd, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
        _, status, usage = os.wait4(pid, 0)
        wall = (time.perf_counter() - t0) * 1000
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{label}: {' '.join(cmd)} failed")
        runs[label][0].append(wall)
        runs[label][1].append(usage.ru_utime * 1000)
        runs[label][2].append(usage.ru_stime * 1000)
print(f"{rounds} rounds, medians (ms); load average {' '.join(open('/proc/loadavg').read().split()[:3])}")
for label, _ in commands:
    wall, user, system = runs[label]
    print(f"{label:16s} wall {statistics.median(wall):7.2f}  user {statistics.median(user):7.2f}  "
          f"system {statistics.median(system):7.2f}  p10 wall {sorted(wall)[len(wall) // 10]:7.2f}")
