#!/usr/bin/env python3
"""mpi_victim.py ROOT_PID: a worker rank (OMPI_COMM_WORLD_RANK > 0) of the job started under ROOT_PID.

Only descendants of ROOT_PID count, so that another copy of the suite running at the same time, or any
other MPI job on the machine, is never picked.  Prints its pid, or nothing.
"""
import os
import sys


def ppid(p):
    with open('/proc/%d/status' % p) as f:
        for line in f:
            if line.startswith('PPid:'):
                return int(line.split()[1])
    return 0


def main():
    root = int(sys.argv[1])
    for d in sorted((x for x in os.listdir('/proc') if x.isdigit()), key=int):
        p = int(d)
        try:
            if open('/proc/%d/comm' % p).read().strip() != 'parbench-mpi':
                continue
            env = open('/proc/%d/environ' % p, 'rb').read().split(b'\0')
            ranks = [e for e in env if e.startswith(b'OMPI_COMM_WORLD_RANK=')]
            if not ranks or ranks[0] == b'OMPI_COMM_WORLD_RANK=0':
                continue
            q = p
            while q > 1 and q != root:
                q = ppid(q)
            if q == root:
                print(p)
                return
        except (OSError, ValueError):
            pass


main()
