#!/usr/bin/env python3
"""The cost of making a packet durable, by write pattern, on the disk under DIR:
40 packets of 8 files (2 to 40 KB, like the five PDFs, the notice, case.json
and the manifest) each, median and p90 per packet. `before` is write_packet
until issue 14 (each file under a temporary name, fsync, rename; fsync of the
staging folder; rename; fsync of OUT), `syncfs` is write_packet now, and
`fdatasync` is a rejected alternative. Run it twice or more: the machine is noisy.

usage: write_pattern_bench.py DIR   (DIR is created and emptied)
"""
import ctypes, os, time, shutil, statistics, sys
libc = ctypes.CDLL("libc.so.6", use_errno=True)
base = sys.argv[1]
os.makedirs(base, exist_ok=True)
sizes = [24000, 30000, 40000, 20000, 25000, 2000, 8000, 3000]  # 5 pdf, notice, case, manifest
def write(p, n, sync):
    fd = os.open(p, os.O_WRONLY|os.O_CREAT|os.O_EXCL, 0o640)
    os.write(fd, os.urandom(n))
    if sync: os.fsync(fd)
    return fd
def dsync(d):
    fd = os.open(d, os.O_RDONLY|os.O_DIRECTORY); os.fsync(fd); os.close(fd)
def today(i):
    st = f"{base}/.st{i}"; os.mkdir(st)
    for k,n in enumerate(sizes):
        fd = write(f"{st}/f{k}.tmp", n, True); os.close(fd); os.rename(f"{st}/f{k}.tmp", f"{st}/f{k}")
    dsync(st); os.rename(st, f"{base}/p{i}"); dsync(base)
def syncfs_two(i):
    st = f"{base}/.st{i}"; os.mkdir(st)
    for k,n in enumerate(sizes): os.close(write(f"{st}/f{k}", n, False))
    fd = os.open(st, os.O_RDONLY|os.O_DIRECTORY); libc.syncfs(fd); os.close(fd)
    os.rename(st, f"{base}/p{i}"); dsync(base)
def batched_fdatasync(i):
    st = f"{base}/.st{i}"; os.mkdir(st); fds=[]
    for k,n in enumerate(sizes): fds.append(write(f"{st}/f{k}", n, False))
    for fd in fds: libc.sync_file_range(fd, ctypes.c_longlong(0), ctypes.c_longlong(0), 2)
    for fd in fds: os.fdatasync(fd); os.close(fd)
    dsync(st); os.rename(st, f"{base}/p{i}"); dsync(base)
for name, f in [("before", today), ("syncfs", syncfs_two), ("fdatasync", batched_fdatasync)]:
    ts=[]
    for i in range(40):
        t=time.perf_counter(); f(i); ts.append((time.perf_counter()-t)*1000)
    shutil.rmtree(base); os.makedirs(base)
    ts.sort()
    print(f"{name:18s} median {statistics.median(ts):6.2f} ms  p90 {ts[int(0.9*len(ts))]:6.2f}  max {ts[-1]:6.2f}")
