#!/bin/sh
# mech-anchors.sh: parbench mech against its anchors, side by side and alternated, in one sitting
# (REPORT.md, "Mechanisms"): the pipe round trip against `perf bench sched pipe` (Debian's
# linux-perf), and fork+exit+wait against a plain C loop (scripts/anchor-fork.c, compiled here),
# each with both endpoints free and with both on one CPU (taskset -c 0). Targets: within 10%.
# Optional, a tool that stays outside the repository: LMBENCH=DIR, lmbench's binary directory with
# lat_pipe and lat_proc built from its public source (1-byte pipe ping-pong, fork+exit).
# Optional, OSU=DIR: a built tree of the OSU micro-benchmarks (mpi/pt2pt/osu_latency, osu_bw,
# mpi/collective/osu_allreduce, osu_barrier; kept outside the repository) against the mpi family
# of parbench mech at the same sizes (OSU_SIZES, default "8 4096 1048576"), alternated round by
# round, both bound to cores (mpirun --bind-to core, parbench -b core), printed side by side with their
# ratio (no target: the lead judges in a quiet sitting).
# parbench batches last OSU_MIN_TIME s (default 0.1, about what OSU's iterations take: 10 ms batches
# of a fresh job read 2-5x slower here). OSU_ONLY=1 runs only that part (no perf needed).
# Then, with CLAIMS=DIR, the runs REPORT.md's claims come from (Pipe / Queue / shared memory /
# Manager; the cost of a lock; fork / spawn / forkserver), each a results directory with its
# report.md under DIR.
# usage: scripts/mech-anchors.sh [PARBENCH] [ROUNDS]    exit 1 if a target is missed, 2 if it cannot run
set -u
PB=${1:-build/parbench}
ROUNDS=${2:-5}
[ -x "$PB" ] || { echo "mech-anchors: '$PB' is not built (run make)" >&2; exit 2; }
[ -n "${OSU_ONLY:-}" ] || command -v perf >/dev/null 2>&1 ||
	{ echo "mech-anchors: perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
dir=$(dirname "$0")
tmp=$(mktemp -d /tmp/parbench-anchors.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
${CC:-cc} -O2 -o "$tmp/anchor-fork" "$dir/anchor-fork.c" || exit 2
status=0

# per_op DIR: per_op_s of the single case in DIR/summary.csv, in microseconds
per_op() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "per_op_s") c = i; next } { printf "%.3f\n", $c * 1e6; exit }' "$1/summary.csv"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# pbmech TAG PIN ARGS...: one parbench mech case (5 repetitions, counters off as the anchors have none)
pbmech() {
	tag=$1 pin=$2
	shift 2
	$pin "$PB" mech -q -c none -r 5 -o "$tmp/$tag" "$@" >/dev/null 2>&1 || { echo "mech-anchors: parbench mech $* failed" >&2; exit 2; }
	per_op "$tmp/$tag"
	rm -rf "$tmp/$tag"
}

: >"$tmp/list"
for r in $(seq 1 "$ROUNDS"); do
	[ -n "${OSU_ONLY:-}" ] && break
	for pl in free cpu0; do
		pin=""
		[ $pl = cpu0 ] && pin="taskset -c 0"
		# alternate which goes first, so that a drift of the machine cancels
		for who in $( [ $((r % 2)) = 1 ] && echo "anchor parbench" || echo "parbench anchor"); do
			if [ $who = anchor ]; then
				$pin perf bench sched pipe -l 100000 2>/dev/null | awk '/usecs\/op/ { print $1 }' | sed "s/^/pipe-perf-$pl /" >>"$tmp/list"
				echo "fork-loop-$pl $($pin "$tmp/anchor-fork" 2000)" >>"$tmp/list"
			else
				echo "pipe-pb-$pl $(pbmech p$r$pl "$pin" -m pipe --mode lat --bytes 4 -j 1)" >>"$tmp/list"
				echo "fork-pb-$pl $(pbmech f$r$pl "$pin" -m fork -p rss=0 -j 1)" >>"$tmp/list"
			fi
		done
	done
done
if [ -n "${LMBENCH:-}" ]; then
	for r in $(seq 1 "$ROUNDS"); do
		"$LMBENCH/lat_pipe" 2>&1 | awk '{ print "lmbench-lat_pipe", $(NF - 1) }' >>"$tmp/list"
		"$LMBENCH/lat_proc" fork 2>&1 | awk '{ print "lmbench-lat_proc_fork", $(NF - 1) }' >>"$tmp/list"
		echo "pipe-pb-lmbench-size $(pbmech l$r "" -m pipe --mode lat --bytes 1 -j 1)" >>"$tmp/list"
	done
fi

if [ -n "${OSU_ONLY:-}" ]; then :; else
printf '%-28s %-12s %s\n' measure "median us" "rounds"
for k in $(cut -d' ' -f1 "$tmp/list" | sort -u); do
	printf '%-28s %-12s %s\n' "$k" "$(awk -v k="$k" '$1 == k { print $2 }' "$tmp/list" | median)" \
		"$(awk -v k="$k" '$1 == k { printf "%s ", $2 }' "$tmp/list")"
done
printf '\n%-34s %-10s %-10s %-8s %s\n' target parbench anchor ratio result
for pair in "pipe-pb-free pipe-perf-free" "pipe-pb-cpu0 pipe-perf-cpu0" "fork-pb-free fork-loop-free" "fork-pb-cpu0 fork-loop-cpu0"; do
	a=$(awk -v k="${pair% *}" '$1 == k { print $2 }' "$tmp/list" | median)
	b=$(awk -v k="${pair#* }" '$1 == k { print $2 }' "$tmp/list" | median)
	ok=$(awk -v a="$a" -v b="$b" 'BEGIN { print (a <= 1.1 * b && a >= 0.9 * b) }')
	[ "$ok" = 1 ] || status=1
	printf '%-34s %-10s %-10s %-8s %s\n' "${pair% *} vs ${pair#* }" "$a" "$b" \
		"$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')" "$([ "$ok" = 1 ] && echo PASS || echo MISS)"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%M:%SZ)"
fi

# ---- OSU against the mpi family: OSU=DIR ----
# pbmpi ARGS...: one parbench mech run of the mpi family; per case "KIND-SIZE VALUE" lines: lat as
# one-way us (half the round trip parbench reports, as osu_latency), bw as MB/s (10^6 bytes, as
# osu_bw), allreduce and barrier as us per call (as OSU's average latency)
pbmpi() {
	"$PB" mech -q -c none -r 5 -b core --min-time "${OSU_MIN_TIME:-0.1}" -o "$tmp/osu-pb" "$@" >/dev/null 2>&1 || { echo "mech-anchors: parbench mech $* failed" >&2; exit 2; }
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ n = split($c["params"], kv, ";"); m = ""; b = ""; ck = "";
		  for (k = 1; k <= n; k++) { split(kv[k], p, "="); if (p[1] == "mech") m = p[2]; if (p[1] == "bytes") b = p[2]; if (p[1] == "check" && p[2] == "every") ck = "/every" }
		  b = b ck
		  us = $c["per_op_s"] * 1e6
		  if (m == "mpi-pingpong") printf "lat-%s %.3f\n", b, us / 2
		  else if (m == "mpi-bw") printf "bw-%s %.2f\n", b, $c["bytes_per_s"] / 1e6
		  else if (m == "mpi-allreduce") printf "allreduce-%s %.3f\n", b, us
		  else if (m == "mpi-barrier") printf "barrier-0 %.3f\n", us }' "$tmp/osu-pb/summary.csv"
	rm -rf "$tmp/osu-pb"
}
if [ -n "${OSU:-}" ]; then
	sizes=${OSU_SIZES:-"8 4096 1048576"}
	for b in "$OSU/mpi/pt2pt/osu_latency" "$OSU/mpi/pt2pt/osu_bw" "$OSU/mpi/collective/osu_allreduce" \
		"$OSU/mpi/collective/osu_barrier"; do
		[ -x "$b" ] || { echo "mech-anchors: OSU=$OSU has no built $b" >&2; exit 2; }
	done
	command -v mpirun >/dev/null 2>&1 || { echo "mech-anchors: OSU needs mpirun (apt-get install openmpi-bin)" >&2; exit 2; }
	asroot=""
	[ "$(id -u)" -eq 0 ] && asroot=--allow-run-as-root
	# both bound to cores (Open MPI's own default for 2 ranks): two polling ranks left free often share a
	# CPU on a loaded machine, and then every hand-off waits for a time slice (parbench's seen=same-cpu)
	osurun() { mpirun $asroot --oversubscribe --bind-to core --map-by core -np 2 "$@" 2>/dev/null | awk '!/^#/ && NF'; }
	pick() { awk -v s=" $sizes " 'index(s, " " $1 " ")'; } # OSU 5.3's pt2pt tests sweep every size: keep ours
	: >"$tmp/osu"
	csizes=$(echo $sizes | tr ' ' ,)
	for r in $(seq 1 "$ROUNDS"); do
		for who in $( [ $((r % 2)) = 1 ] && echo "osu parbench" || echo "parbench osu"); do
			if [ $who = osu ]; then
				osurun "$OSU/mpi/pt2pt/osu_latency" -i 1000 -x 100 | pick | awk '{ print "osu lat-" $1, $2 }' >>"$tmp/osu"
				osurun "$OSU/mpi/pt2pt/osu_bw" -i 100 -x 10 | pick | awk '{ print "osu bw-" $1, $2 }' >>"$tmp/osu"
				for b in $sizes; do
					osurun "$OSU/mpi/collective/osu_allreduce" -m "$b:$b" -i 1000 -x 100 |
						awk '{ print "osu allreduce-" $1, $2 }' >>"$tmp/osu"
				done
				osurun "$OSU/mpi/collective/osu_barrier" -i 1000 -x 100 | awk '{ print "osu barrier-0", $1 }' >>"$tmp/osu"
			else
				# check=stamps is what OSU times (the buffers built before the timing); check=every, the
				# default, builds and checks every byte of every message: the table shows both against OSU
				pbmpi -m mpi-pingpong,mpi-bw --bytes "$csizes" -p check=stamps -p check=every | sed 's/^/parbench /' >>"$tmp/osu"
				pbmpi -m mpi-allreduce --bytes "$csizes" | sed 's/^/parbench /' >>"$tmp/osu"
				pbmpi -m mpi-barrier | sed 's/^/parbench /' >>"$tmp/osu"
			fi
		done
	done
	printf '\nOSU micro-benchmarks against parbench mech -m mpi (medians of %s rounds; lat one-way us, bw MB/s,\n' "$ROUNDS"
	printf 'allreduce and barrier us per call; parbench -p check=stamps as OSU times, /every: parbench checking every byte)\n'
	printf '%-22s %-12s %-12s %s\n' measure parbench osu parbench/osu
	for k in $(awk '{ print $2 }' "$tmp/osu" | sort -u | sort -t- -k1,1 -k2,2n); do
		a=$(awk -v k="$k" '$1 == "parbench" && $2 == k { print $3 }' "$tmp/osu" | median)
		b=$(awk -v k="${k%/every}" '$1 == "osu" && $2 == k { print $3 }' "$tmp/osu" | median)
		printf '%-22s %-12s %-12s %s\n' "$k" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')"
	done
	echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%M:%SZ)"
fi

if [ -n "${CLAIMS:-}" ]; then
	claim() { # claim NAME ARGS...: one results directory of the claims, and its report
		echo "mech-anchors: $PB mech $*" >&2
		"$PB" mech -q -r 11 "$@" >/dev/null || status=1
	}
	mkdir -p "$CLAIMS"
	# Pipe against Queue-like against shared memory against Manager, on one CPU and on two cores
	# (free placement is whatever the load of the moment makes of it), blocking; the ring also spinning
	claim -m pipe,queue,shm,manager --bytes 64,4K,64K,1M --wait block --placement same-cpu,other-core -o "$CLAIMS/ipc"
	claim -m shm --bytes 64,4K,64K,1M --wait spin --placement other-core --append -o "$CLAIMS/ipc"
	# the cost of a lock: uncontended, then two contenders on two cores and on one CPU (one contender
	# is placed too, so that each placement is one line from 1 to 2 contenders in the plot)
	claim -m mutex,spinlock,sem,atomic -p stride=0 -p stride=8 -p stride=128 -j 1,2 --placement other-core,same-cpu \
		-o "$CLAIMS/sync"
	# fork against spawn against forkserver, small and holding 64 MiB
	claim -m fork,fork-exec,vfork-exec,posix-spawn,forkserver -p rss=0 -p rss=64M -o "$CLAIMS/spawn"
	claim -m fork-exec,posix-spawn -p prog=true -p rss=0 --append -o "$CLAIMS/spawn"
	claim -m fork -p rss=0 -p creator=parbench --append -o "$CLAIMS/spawn"
	for d in ipc sync spawn; do
		"$PB" report -q "$CLAIMS/$d" >/dev/null && echo "mech-anchors: $CLAIMS/$d/report.md" >&2
	done
fi
exit $status
