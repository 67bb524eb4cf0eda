#!/usr/bin/env python3
"""py-pool-overhead.py: per-task cost of Python's multiprocessing.Pool.map(chunksize=1) on empty
tasks, the figure parbench's pool dispatch overhead is set beside in REPORT.md.

usage: py-pool-overhead.py [TASKS] [WORKERS] [REPS]   (defaults 20000, 2, 7)
Prints the median, min and max microseconds per task over REPS timed maps (after one warm-up
map), with the pool started before timing (start-up is not part of the figure).
"""
import multiprocessing as mp
import statistics
import sys
import time


def empty(x):
    return x


def main():
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    if tasks < 1 or workers < 1 or reps < 1:
        print("py-pool-overhead: TASKS, WORKERS and REPS must be positive", file=sys.stderr)
        return 2
    ctx = mp.get_context("fork")
    with ctx.Pool(workers) as pool:
        pool.map(empty, range(tasks), chunksize=1)  # warm-up
        per_task = []
        for _ in range(reps):
            t0 = time.perf_counter()
            out = pool.map(empty, range(tasks), chunksize=1)
            per_task.append((time.perf_counter() - t0) / tasks * 1e6)
            if out[-1] != tasks - 1:
                print("py-pool-overhead: wrong result", file=sys.stderr)
                return 1
    print("python %s multiprocessing.Pool(%d).map(chunksize=1), %d empty tasks: "
          "median %.2f us/task (min %.2f, max %.2f, %d reps)"
          % (sys.version.split()[0], workers, tasks, statistics.median(per_task), min(per_task),
             max(per_task), reps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
