#!/bin/sh
# limits.sh: the kernels against their limits, measured in one sitting (REPORT.md, "Kernels"):
#   pi            samples per second on one core (target >= 1e9)
#   primes sieve  pi(1e9) and pi(1e10) on one thread against `primesieve N -t1`, alternated 7 times
#                 (<= 1.3x); pi(1e10) on 2 threads, speedup against primesieve's -t2 (>= 0.95x of it)
#   image         grayscale on 4096x4096, GB/s of input + output bytes on one core (>= 5)
#   sumsq array   GB/s against parbench's own sequential-read probe of the same 256 MiB (>= 0.5x)
#   sumsq index   not folded into the closed form: 8x the size takes >= 4x the time (fold-check.sh)
#   executors (issue 11), each alternated 3 times with its anchor, medians:
#     pool dispatch  per empty task, chunk 1, dynamic, 1 and 2 workers: <= 0.25x Python's
#                    multiprocessing.Pool.map(chunksize=1) and <= 0.25 pipe round trips (topo's probe)
#     pool balance   primes method=trial under cyclic, dynamic and guided: the pipelined pool within
#                    5% of the lock-step pool (PARBENCH_POOL_WINDOW=1): queueing ahead keeps it dynamic
#     process        per empty task at 1 worker: <= 1.5x a bare fork+_exit+waitpid of a parent of the
#                    same resident size (topo --fork-rss, at the run's VmRSS); also shown against a
#                    bare fork with the run's own mappings (--like-run)
#     efficiency     threads, openmp, shm and pool at 2 workers on pi, primes, sumsq: >= 0.95
# usage: scripts/limits.sh [PARBENCH] [SECTION...]   (sections: kernels executors; default both)
#        exit 1 if a target is missed, 2 if something cannot run
set -u
PB=${1:-build/parbench}
[ -x "$PB" ] || { echo "limits: '$PB' is not built (run make)" >&2; exit 2; }
dir=$(dirname "$0")
tmp=$(mktemp -d /tmp/parbench-limits.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0

# median DIR: median_s of the single case in DIR/summary.csv
median() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "median_s") c = i; next } { print $c; exit }' "$1/summary.csv"; }
# verdict OK NAME FIGURE TARGET
verdict() {
	if [ "$1" = 1 ]; then r=PASS; else r=FAIL; status=1; fi
	printf '%-14s %-44s %-22s %s\n' "$2" "$3" "$4" "$r"
}
serial() { # serial NAME ARGS...: one serial case with 1 warm-up and 7 repetitions
	name=$1
	shift
	"$PB" run -q -c none -v serial -r 7 -o "$tmp/$name" "$@" >/dev/null || { echo "limits: $name run failed" >&2; exit 2; }
	median "$tmp/$name"
}

[ $# -gt 0 ] && shift
sections=${*:-kernels executors}
want() { case " $sections " in *" $1 "*) return 0 ;; esac; return 1; }

printf '%-14s %-44s %-22s %s\n' kernel measured target result
if want kernels; then
m=$(serial pi -w pi -n 1e9)
verdict "$(awk -v m="$m" 'BEGIN { print (1e9 / m >= 1e9) }')" pi "$(awk -v m="$m" 'BEGIN { printf "%.2fe9 samples/s (median %.4f s)", 1e9 / m / 1e9, m }')" ">= 1e9 samples/s"

# mid FILE: the median of the numbers in FILE, one a line
mid() { sort -g "$1" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# ps_time ARGS...: primesieve's own "Seconds:" for one run
ps_time() { primesieve "$@" --time -q 2>/dev/null | sed -n 's/^Seconds: //p'; }
# pb_time NAME ARGS...: parbench's wall_s for one primes case of one repetition (after one warm-up)
pb_time() {
	name=$1
	shift
	"$PB" run -q -c none -w primes -r 1 -o "$tmp/$name" "$@" >/dev/null || { echo "limits: primes run failed" >&2; exit 2; }
	median "$tmp/$name"
}
if command -v primesieve >/dev/null 2>&1; then
	# One thread, alternated run by run (A B A B ...), 7 of each: the 2 cores are shared, and
	# alternating spreads any other load over both.  Target: parbench <= 1.3x primesieve.
	for n in 1e9 1e10; do
		: >"$tmp/ps$n"
		: >"$tmp/pb$n"
		for i in 1 2 3 4 5 6 7; do
			ps_time "$n" -t1 >>"$tmp/ps$n"
			pb_time "s$n-$i" -v serial -n "$n" >>"$tmp/pb$n"
		done
		ps=$(mid "$tmp/ps$n")
		pb=$(mid "$tmp/pb$n")
		verdict "$(awk -v a="$pb" -v b="$ps" 'BEGIN { print (a <= 1.3 * b) }')" "primes $n" \
			"$(awk -v a="$pb" -v b="$ps" 'BEGIN { printf "%.3f s vs primesieve -t1 %.3f s = %.2fx", a, b, a / b }')" "<= 1.3x primesieve"
	done
	# Two threads on pi(1e10): speedups over one thread, each side's 1 and 2 alternated 5 times.
	# Target: parbench's speedup (threads, default 64 tasks, static) >= 0.95x primesieve's -t2.
	: >"$tmp/ps1"
	: >"$tmp/ps2"
	: >"$tmp/pb1"
	: >"$tmp/pb2"
	for i in 1 2 3 4 5; do
		ps_time 1e10 -t1 >>"$tmp/ps1"
		pb_time "t1-$i" -v threads -j 1 -n 1e10 >>"$tmp/pb1"
		ps_time 1e10 -t2 >>"$tmp/ps2"
		pb_time "t2-$i" -v threads -j 2 -n 1e10 >>"$tmp/pb2"
	done
	sps=$(awk -v a="$(mid "$tmp/ps1")" -v b="$(mid "$tmp/ps2")" 'BEGIN { print a / b }')
	spb=$(awk -v a="$(mid "$tmp/pb1")" -v b="$(mid "$tmp/pb2")" 'BEGIN { print a / b }')
	verdict "$(awk -v a="$spb" -v b="$sps" 'BEGIN { print (a >= 0.95 * b) }')" "primes 1e10 x2" \
		"$(awk -v a="$spb" -v b="$sps" 'BEGIN { printf "speedup %.2fx vs primesieve -t2 %.2fx", a, b }')" ">= 0.95x primesieve's"
else
	echo "limits: primesieve is not installed (apt-get install primesieve); primes not compared" >&2
	status=2
fi

m=$(serial image -w image -p op=grayscale)
verdict "$(awk -v m="$m" 'BEGIN { print (6 * 16777216 / m / 1e9 >= 5) }')" "image gray" \
	"$(awk -v m="$m" 'BEGIN { printf "%.1f GB/s in+out (%.1f in) median %.4f s", 6 * 16777216 / m / 1e9, 3 * 16777216 / m / 1e9, m }')" ">= 5 GB/s in+out"

m=$(serial array -w sumsq -p form=array)
n=$(awk -F, 'NR == 2 { print $3 }' "$tmp/array/raw.csv")
# the probe's best pass: what a plain sequential read of 256 MiB can do here (the harder comparison)
rd=$("$PB" topo | sed -n 's/^  read *\([0-9.]*\) GB\/s best.*/\1/p')
verdict "$(awk -v m="$m" -v n="$n" -v r="$rd" 'BEGIN { print (r > 0 && 4 * n / m / 1e9 >= 0.5 * r) }')" "sumsq array" \
	"$(awk -v m="$m" -v n="$n" -v r="$rd" 'BEGIN { printf "%.1f GB/s vs best read %.1f GB/s = %.2fx", 4 * n / m / 1e9, r, 4 * n / m / 1e9 / r }')" ">= 0.5x plain read"

if sh "$dir/fold-check.sh" "$PB" >"$tmp/fold" 2>&1; then ok=1; else ok=0; fi
ratios=$(sed -n 's/^sumsq form=\([a-z]*\):.* ratio \([0-9.]*\):.*/\1 \2x/p' "$tmp/fold" | paste -s -d, - | sed 's/,/, /')
verdict "$ok" "sumsq folding" "8x n takes: $ratios" ">= 4x the time"

fi

# ---- executors (issue 11) ----
# med3 FILE: the median of the three numbers in FILE
med3() { sort -g "$1" | sed -n 2p; }
# run_median NAME ARGS...: median_s of one case (1 warm-up, 5 repetitions, no counters)
run_median() {
	name=$1
	shift
	"$PB" run -q -c none -r 5 -o "$tmp/$name" "$@" >/dev/null || { echo "limits: $name run failed" >&2; exit 2; }
	median "$tmp/$name"
}
if want executors; then
	rtt=$("$PB" topo | sed -n 's/^  pipe *\([0-9.]*\) us per.*/\1/p')
	for j in 1 2; do
		: >"$tmp/pool$j"
		: >"$tmp/py$j"
		for i in 1 2 3; do
			m=$(run_median "pool$j-$i" -w sleep -p ms=0 -n 20000 --tasks 20000 --chunk 1 -s dynamic -v pool -j $j)
			awk -v m="$m" 'BEGIN { print m / 20000 * 1e6 }' >>"$tmp/pool$j"
			if command -v python3 >/dev/null 2>&1; then
				python3 "$dir/py-pool-overhead.py" 20000 $j 3 | sed -n 's/.* median \([0-9.]*\) us\/task.*/\1/p' >>"$tmp/py$j"
			fi
		done
		pb=$(med3 "$tmp/pool$j")
		py=$(med3 "$tmp/py$j")
		if [ -z "$py" ]; then
			echo "limits: python3 is not installed: the pool is compared with the pipe only" >&2
			py=1e9
			status=2
		fi
		verdict "$(awk -v a="$pb" -v p="$py" -v r="$rtt" 'BEGIN { print (a <= 0.25 * p && a <= 0.25 * r) }')" "pool j=$j" \
			"$(awk -v a="$pb" -v p="$py" -v r="$rtt" 'BEGIN { printf "%.2f us/task; Python %.1f (%.3fx), rtt %.1f (%.3fx)", a, p, a / p, r, a / r }')" \
			"<= 0.25x Python, rtt"
	done

	worst=0
	for s in cyclic dynamic guided; do
		: >"$tmp/piped-$s"
		: >"$tmp/lock-$s"
		for i in 1 2 3; do
			run_median "piped-$s-$i" -w primes -p method=trial -v pool -j 2 -s $s >>"$tmp/piped-$s"
			export PARBENCH_POOL_WINDOW=1 # the old protocol: one message in flight per worker
			run_median "lock-$s-$i" -w primes -p method=trial -v pool -j 2 -s $s >>"$tmp/lock-$s"
			unset PARBENCH_POOL_WINDOW
		done
		r=$(awk -v a="$(med3 "$tmp/piped-$s")" -v b="$(med3 "$tmp/lock-$s")" 'BEGIN { print a / b }')
		worst=$(awk -v a="$r" -v w="$worst" 'BEGIN { print (a > w ? a : w) }')
		printf '  %-8s pipelined %.4f s, lock-step %.4f s: %.3fx\n' "$s" "$(med3 "$tmp/piped-$s")" "$(med3 "$tmp/lock-$s")" "$r"
	done
	verdict "$(awk -v w="$worst" 'BEGIN { print (w <= 1.05) }')" "pool balance" \
		"$(awk -v w="$worst" 'BEGIN { printf "trial primes j=2: worst %.3fx lock-step", w }')" "<= 1.05x lock-step"

	: >"$tmp/proc"
	: >"$tmp/bare"
	: >"$tmp/like"
	for i in 1 2 3; do
		"$PB" run -q -c none -r 3 -w sleep -p ms=0 -n 2000 --tasks 2000 --chunk 1 -s dynamic -v process -j 1 \
			-o "$tmp/proc$i" >/dev/null &
		pid=$!
		# the parent's resident set in its measured repetitions (raw.csv's max_rss_kb is its peak,
		# start-up included): sampled once the first repetition's row is written, -r 3 leaving two more
		rss=0
		while kill -0 $pid 2>/dev/null; do
			if [ -f "$tmp/proc$i/raw.csv" ] && [ "$(wc -l <"$tmp/proc$i/raw.csv")" -ge 2 ]; then
				rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
				break
			fi
			sleep 0.05
		done
		rss=${rss:-0}
		wait $pid || { echo "limits: the process run failed" >&2; exit 2; }
		awk -v m="$(median "$tmp/proc$i")" 'BEGIN { print m / 2000 * 1e6 }' >>"$tmp/proc"
		"$PB" topo --fork-rss "$rss" | sed -n 's/^  fork *\([0-9.]*\) us per.*/\1/p' >>"$tmp/bare"
		# the same with the run's mappings (hwloc's plugins): what parbench itself adds to every fork
		"$PB" topo --fork-rss "$rss" --like-run | sed -n 's/^  fork *\([0-9.]*\) us per.*/\1/p' >>"$tmp/like"
	done
	pr=$(med3 "$tmp/proc")
	bare=$(med3 "$tmp/bare")
	like=$(med3 "$tmp/like")
	verdict "$(awk -v a="$pr" -v b="$bare" 'BEGIN { print (a <= 1.5 * b) }')" "process j=1" \
		"$(awk -v a="$pr" -v b="$bare" -v r="$rss" 'BEGIN { printf "%.0f us/task vs bare fork %.0f us at %d KiB: %.2fx", a, b, r, a / b }')" "<= 1.5x bare fork"
	printf '  a bare fork with the run'"'"'s mappings (topo --fork-rss --like-run): %.0f us; the process per task is %.2fx that\n' \
		"$like" "$(awk -v a="$pr" -v b="$like" 'BEGIN { print a / b }')"

	# Efficiency at 2 workers, alternated: this host's speed can drift by 2x between one case and the
	# next (the guest sees no steal), so each round runs serial and every variant back to back (in an
	# order that rotates), an efficiency is serial / (2 x variant) within one round, and the figure is
	# the median over the rounds.
	effv=$("$PB" list | awk '/^variants/ { v = 1; next } /^[^ ]/ { v = 0 } v && $2 == "available" && $1 ~ /^(threads|openmp|shm|pool)$/ { print $1 }')
	for w in pi primes sumsq; do
		: >"$tmp/effr-$w"
		for r in 1 2 3 4 5; do
			order=$(printf '%s\n' serial $effv | awk -v r="$r" '{ a[NR] = $0 } END { for (i = 0; i < NR; i++) print a[(i + r) % NR + 1] }')
			for v in $order; do
				j=2
				[ "$v" = serial ] && j=1
				echo "$v $(run_median "eff-$w-$r-$v" -w "$w" -v "$v" -j $j)" >>"$tmp/effr-$w.$r"
			done
			awk '$1 == "serial" { s = $2 } { t[$1] = $2 } END { for (v in t) if (v != "serial") print v, s / (2 * t[v]) }' \
				"$tmp/effr-$w.$r" >>"$tmp/effr-$w"
		done
		line=$(for v in $effv; do
			printf '%s %s\n' "$v" "$(awk -v v="$v" '$1 == v { print $2 }' "$tmp/effr-$w" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')"
		done | awk '{ printf "%s%s %.3f", n++ ? ", " : "", $1, $2; if ($2 < m || m == "") m = $2 } END { print "|" m }')
		verdict "$(awk -v m="${line#*|}" 'BEGIN { print (m >= 0.95) }')" "efficiency" "$w j=2 (median of 5 alternated rounds): ${line%|*}" ">= 0.95"
	done
fi
exit $status
