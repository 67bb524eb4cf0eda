#!/usr/bin/env python3
"""leftovers.py TAG PIDFILE: what one test script left behind, by its own marks only.

A process is the script's when its environment carries PARBENCH_TEST_TAG=TAG (every process the
script started inherits it: parbench, its forked workers, peers and servers); a zombie is the
script's when its parent is.  The checker itself and the shells above it carry the tag too and are
not counted.  Segments, message queues, FIFOs and sockets are the script's when their names carry
the pid of a parbench it ran (PIDFILE: one pid a line).  Another copy of the suite running beside
this one has another tag and other pids, so it is never counted.  Prints what is left, separated
by ", ", and exits 1 if anything is.
"""
import glob
import os
import sys


def stat(pid):
    """(comm, state, ppid) of a process, from /proc/PID/stat."""
    s = open('/proc/%s/stat' % pid).read()
    rest = s[s.rindex(')') + 2:].split()
    return s[s.index('(') + 1:s.rindex(')')], rest[0], rest[1]


def main():
    tag, pidfile = sys.argv[1], sys.argv[2]
    pids = {l.strip() for l in open(pidfile) if l.strip().isdigit()}
    mine, p = set(), str(os.getpid())
    while p not in ('0', '1'):
        mine.add(p)
        try:
            p = stat(p)[2]
        except OSError:
            break
    marker = ('PARBENCH_TEST_TAG=' + tag).encode()
    tagged, procs = set(), {}
    for d in glob.glob('/proc/[0-9]*'):
        pid = d[6:]
        try:
            procs[pid] = stat(pid)
            if marker in open(d + '/environ', 'rb').read().split(b'\0'):
                tagged.add(pid)
        except OSError:
            pass
    left = []
    for pid, (comm, state, ppid) in sorted(procs.items(), key=lambda kv: int(kv[0])):
        if pid in mine:
            continue
        if pid in tagged or (state == 'Z' and ppid in tagged and ppid not in mine):
            left.append('%s (pid %s%s)' % (comm, pid, ', zombie' if state == 'Z' else ''))
    for pid in sorted(pids, key=int):
        for pat in ('/dev/shm/parbench-%s-*', '/dev/mqueue/parbench-%s-*', '/tmp/parbench-%s-*'):
            left += sorted(glob.glob(pat % pid))
    print(', '.join(left))
    return 1 if left else 0


if __name__ == '__main__':
    sys.exit(main())
