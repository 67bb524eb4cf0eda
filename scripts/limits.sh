#!/bin/sh
# limits.sh: the kernels against their limits, measured in one sitting (REPORT.md, "Kernels"):
#   pi            samples per second on one core (target >= 1e9)
#   primes sieve  pi(1e9) and pi(1e10) on one thread against `primesieve N -t1`, alternated 7 times
#                 (<= 1.3x); pi(1e10) on 2 threads, speedup against primesieve's -t2 (>= 0.95x of it)
#   image         grayscale on 4096x4096, GB/s of input + output bytes on one core (>= 5)
#   sumsq array   GB/s against parbench's own sequential-read probe of the same 256 MiB (>= 0.5x)
#   sumsq index   not folded into the closed form: 8x the size takes >= 4x the time (fold-check.sh)
#   dispatch      Python's multiprocessing.Pool.map(chunksize=1) per empty task, for comparison
# usage: scripts/limits.sh [PARBENCH]      exit 1 if a target is missed, 2 if something cannot run
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

printf '%-14s %-44s %-22s %s\n' kernel measured target result
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

if command -v python3 >/dev/null 2>&1; then
	python3 "$dir/py-pool-overhead.py" 20000 2 5 || status=2
fi
exit $status
