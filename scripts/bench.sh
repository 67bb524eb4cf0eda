#!/bin/sh
# bench.sh: `make bench`: the default matrix and the sweeps the report needs, into one results
# directory, then `parbench report` on it (summary.csv, plots/, report.md) and its table.
#
# usage: scripts/bench.sh [quick|default|full] [extra `parbench run` arguments for the main matrix,
#        e.g. -r 10 or -b core; not -w, -n or -o]
#   quick    --quick sizes, 3 repetitions: seconds, for CI and smoke tests
#   default  every default workload x every variant x workers 1, 2, 4 ... 2 x cores, 5 repetitions
#            after 1 warm-up; sleep sweeps for dispatch overhead and process against pool
#   full     default, plus --full sizes and a schedule x chunk sweep (primes, trial division)
# Every mode ends with `parbench mech` (mechanisms: IPC, synchronisation, creation): a short set by
# default (every mechanism at 64 B, 64 KiB and 1 MiB), the smoke set with quick, the whole sweep
# (1 B to 4 MiB, contenders to twice the cores) with full.
# environment: PARBENCH (the binary, default build/parbench); BENCH_OUT (the results directory;
#   default results/<run-id>, and results/latest points to it)
# $common and $lengths hold several arguments and are split on purpose.
# shellcheck disable=SC2086
set -eu

mode=default
case "${1:-}" in
quick | default | full)
	mode=$1
	shift
	;;
"") ;;
-*) ;;
*)
	echo "bench: unknown mode '$1' (quick, default or full)" >&2
	exit 2
	;;
esac

PB=${PARBENCH:-build/parbench}
if [ ! -x "$PB" ]; then
	echo "bench: '$PB' is not built (run make)" >&2
	exit 2
fi
cores=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

# The variants this build has (`parbench list`, asked once): the steps below that name variants
# keep only these, so a build without OpenMP runs everything else.
variants=$("$PB" list | awk '/^variants/ { v = 1; next } /^[^ ]/ { v = 0 } v')
avail=$(echo "$variants" | awk '$2 == "available" { print $1 }' | paste -s -d, -)
echo "$variants" | awk '$2 == "unavailable" { v = $1; $1 = $2 = ""; sub(/^ +/, ""); print "bench: variant " v " is unavailable (" $0 "); the steps that name it leave it out" }' >&2

# only LIST: the variants of LIST this build has.
only() {
	l=""
	for v in $(echo "$1" | tr , ' '); do
		case ",$avail," in *",$v,"*) l="$l${l:+,}$v" ;; esac
	done
	echo "$l"
}

# Workers: 1, 2, 4, ... up to twice the cores, plus the core count and twice it; every count
# from 1 to twice the cores when that list is shorter than four (the USL fit needs four).
workers() {
	max=$(($1 * 2))
	w=1
	l=""
	while [ "$w" -le "$max" ]; do
		l="$l $w"
		w=$((w * 2))
	done
	if [ "$(printf '%s\n' $l "$1" "$max" | sort -n -u | wc -l)" -lt 4 ]; then
		l=$(seq 1 "$max")
	fi
	printf '%s\n' $l "$1" "$max" | sort -n -u | paste -s -d, -
}

# The default matrix runs every workload at its own default size (about 0.2-0.4 s per serial run
# of pi, primes and sumsq on a 2.1 GHz core; image is 4096x4096).
case $mode in
quick)
	jlist=$(workers 1)
	common="--quick -r 3 --warmup 1"
	matrix="pi= primes= image= sumsq="
	dispatch_tasks=100000
	pool_tasks=2000
	fork_tasks=50
	lengths="-p ms=0.5 -p ms=1"
	length_tasks=8
	;;
*)
	jlist=$(workers "$cores")
	common="-r 5 --warmup 1"
	matrix="pi= primes= image= sumsq="
	dispatch_tasks=200000
	pool_tasks=20000
	fork_tasks=500
	lengths="-p ms=0.1 -p ms=1 -p ms=10"
	length_tasks=16
	;;
esac

start=$(date +%s)
status=0
# A failed case (exit 1) is reported and the sweep goes on; bad usage (exit 2) stops it.
run() {
	echo "bench: $PB run $*" >&2
	rc=0
	"$PB" run -q "$@" >/dev/null || rc=$?
	if [ "$rc" -eq 2 ]; then
		exit 2
	elif [ "$rc" -ne 0 ]; then
		echo "bench: that run failed (exit $rc); going on" >&2
		status=1
	fi
}

# 1. The main matrix: every default workload x all variants x workers, one invocation per
# workload (each has its own size); the first makes the results directory, the others append.
out=${BENCH_OUT:-}
first=1
for ws in $matrix; do
	w=${ws%%=*}
	n=${ws#*=}
	set_n=""
	[ -n "$n" ] && set_n="-n $n"
	if [ -n "$first" ] && [ -z "$out" ]; then
		run -w "$w" $set_n -v all -j "$jlist" $common "$@"
		out=results/$(readlink results/latest)
	elif [ -n "$first" ]; then
		run -o "$out" -w "$w" $set_n -v all -j "$jlist" $common "$@"
	else
		run --append -o "$out" -w "$w" $set_n -v all -j "$jlist" $common "$@"
	fi
	first=""
done
if [ "$mode" = full ]; then
	run --append -o "$out" -v all -j "$jlist" $common --full "$@"
fi

# 2. Dispatch overhead: sleep tasks of 0 ms, one task per hand-out, 1 and 2 workers; enough tasks
# for a run of milliseconds (a pipe round trip per task makes the pool's runs long, and a fork per
# task costs about a millisecond, so pool and process get fewer).
run --append -o "$out" -w sleep -p ms=0 -n "$dispatch_tasks" --tasks "$dispatch_tasks" --chunk 1 -s dynamic \
	-v "$(only serial,threads,shm,openmp)" -j 1,2 $common
run --append -o "$out" -w sleep -p ms=0 -n "$pool_tasks" --tasks "$pool_tasks" --chunk 1 -s dynamic \
	-v "$(only pool)" -j 1,2 $common
run --append -o "$out" -w sleep -p ms=0 -n "$fork_tasks" --tasks "$fork_tasks" --chunk 1 -s dynamic \
	-v "$(only process)" -j 1,2 $common

# 2b. The anchors of the dispatch figures, in the same sitting (REPORT.md, issue 11): Python's
# multiprocessing.Pool.map(chunksize=1) per empty task at 1 and 2 workers, and a bare
# fork+_exit+waitpid at parbench's own resident size (the pipe round trip is in meta.json).
{
	if command -v python3 >/dev/null 2>&1; then
		for j in 1 2; do python3 "$(dirname "$0")/py-pool-overhead.py" "$dispatch_tasks" "$j" 5; done
	else
		echo "python3 is not installed: no Python anchor"
	fi
	"$PB" topo --fork-rss 0
} >"$out/anchors.txt" 2>&1 || echo "bench: an anchor failed (see $out/anchors.txt)" >&2

# 3. Process per task against the pool over task lengths (sleep), at the core count.
run --append -o "$out" -w sleep $lengths -n "$length_tasks" --tasks "$length_tasks" --chunk 1 -s dynamic \
	-v "$(only pool,process)" -j "$cores" $common

# 4. The tutorials' claims, measured (REPORT.md): chunking against dispatch cost (empty tasks,
# chunk 1, 16, 256); sleep tasks past the core count (16 tasks of 20 ms on up to 16 workers:
# the ideal makespan is ceil(16/P) x 20 ms); the i + i^2 + i^3 job serial against 2 threads and
# 2 processes (the tutorials' "superlinear 2.5x").
if [ "$mode" != quick ]; then
	# chunk 1 at 1 and 2 workers is step 2's case already (a results directory holds each case once)
	chunks=16,256
	[ "$cores" -gt 2 ] && chunks=1,16,256
	run --append -o "$out" -w sleep -p ms=0 -n "$pool_tasks" --tasks "$pool_tasks" -s dynamic --chunk "$chunks" \
		-v "$(only pool)" -j "$cores" $common
	run --append -o "$out" -w sleep -p ms=0 -n "$dispatch_tasks" --tasks "$dispatch_tasks" -s dynamic --chunk "$chunks" \
		-v "$(only threads,shm)" -j "$cores" $common
	run --append -o "$out" -w sleep -p ms=20 -n 16 -v "$(only pool)" -j "$(workers 8)" $common
	run --append -o "$out" -w sumsq -p form=cubic -v "$(only serial,threads,pool,process)" -j 1,"$cores" $common
	# memory-bound: the array form reads 256 MiB; the pool copies it through pipes, shm does not
	run --append -o "$out" -w sumsq -p form=array -v all -j "$jlist" $common
	# dynamic stays dynamic: the unbalanced primes (trial division) under the schedules that balance
	run --append -o "$out" -w primes -p method=trial -v "$(only serial,threads,pool,shm,openmp)" \
		-s cyclic,dynamic,guided -j "$cores" $common
fi

# 5. full: schedules x chunk sizes on the unbalanced primes (trial division), at the core count.
if [ "$mode" = full ]; then
	run --append -o "$out" -w primes -p method=trial -v "$(only threads,openmp,pool,shm)" -s static,cyclic,dynamic,guided \
		--chunk 1,16,256 -j "$cores" $common
fi

# 6. Mechanisms (parbench mech), appended to the same run so that one report holds them.
mech() {
	echo "bench: $PB mech $*" >&2
	rc=0
	"$PB" mech -q --append -o "$out" "$@" >/dev/null || rc=$?
	if [ "$rc" -eq 2 ]; then
		exit 2
	elif [ "$rc" -ne 0 ]; then
		echo "bench: that mech run failed (exit $rc); going on" >&2
		status=1
	fi
}
case $mode in
quick) mech --quick -m pipe,shm,queue,manager,mutex,fork -r 3 ;;
full) mech --full ;;
*) mech --bytes 64,64K,1M ;;
esac

"$PB" report "$out" || exit $?
end=$(date +%s)
echo "bench: $mode run took $((end - start)) s on $cores cores; results in '$out' (report.md, summary.csv, plots/)" >&2
exit $status
