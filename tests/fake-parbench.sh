#!/bin/sh
# fake-parbench.sh: stands in for a parbench build in the `ab` tests.  "--version" says parbench;
# "run [options] -r N -o DIR" writes DIR/raw.csv for pi and sumsq, serial j=1 and threads j=2
# (narrowed by -w and -v), with 1% noise.  FAKE_SLOW="workload-variant" makes that case 30% slower; FAKE_SLOW_ONLY_MATRIX=1 only when
# the run is not narrowed to one workload by -w (a slowdown that does not reproduce when confirmed).  FAKE_DISTURB="workload-variant"
# makes that case 30% slower with every repetition flagged disturbed, in runs not narrowed by -w (a noisy
# neighbour during the matrix, gone when the case is re-run).  FAKE_OLD=1 writes raw.csv without the
# disturbance columns, as before issue 10.
[ "$1" = --version ] && { echo "parbench 0.0.0 (fake: tests/fake-parbench.sh)"; exit 0; }
[ "$1" = run ] || { echo "fake-parbench: expected run" >&2; exit 2; }
shift
reps=5 out= wl=pi,sumsq var=serial,threads narrowed=0 append=0
while [ $# -gt 0 ]; do
	case $1 in
	-r) reps=$2; shift ;;
	-o) out=$2; shift ;;
	-w | --workload) wl=$2; case $2 in *,*) ;; *) narrowed=1 ;; esac; shift ;;
	--append) append=1 ;;
	-v | --variant) var=$2; shift ;;
	-n | --size | -j | --workers | --tasks | --chunk | -s | --schedule | -p | --param | -b | --bind | --order | --warmup) shift ;;
	-q | --quick) ;;
	*) echo "fake-parbench: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$out" ] || { echo "fake-parbench: no -o" >&2; exit 2; }
mkdir -p "$out" || exit 1
slow=${FAKE_SLOW:-none}
[ "${FAKE_SLOW_ONLY_MATRIX:-0}" = 1 ] && [ "$narrowed" = 1 ] && slow=none
disturb=${FAKE_DISTURB:-none}
[ "$narrowed" = 1 ] && disturb=none
header=1
[ "$append" = 1 ] && [ -f "$out/raw.csv" ] && header=0
awk -v header="$header" -v reps="$reps" -v wl=",$wl," -v var=",$var," -v slow="$slow" -v disturb="$disturb" -v old="${FAKE_OLD:-0}" \
	-v seed="$$" -v id="fake-$$" 'BEGIN {
	srand(seed)
	if (header) printf "run_id,workload,size,params,variant,workers,tasks,chunk,schedule,bind,rep,wall_s,setup_s,user_s,sys_s,max_rss_kb,result,verified,cpus%s\n",
		old ? "" : ",steal_s,others_s,nivcsw,disturbed"
	split("pi sumsq", ws, " "); split("serial threads", vs, " ")
	for (w = 1; w <= 2; w++) for (v = 1; v <= 2; v++) {
		if (index(wl, "," ws[w] ",") == 0 || index(var, "," vs[v] ",") == 0) continue
		j = v == 1 ? 1 : 2
		for (r = 1; r <= reps; r++) {
			t = 0.01 * w / j * (1 + 0.01 * (rand() - 0.5))
			d = disturb == ws[w] "-" vs[v]
			if (slow == ws[w] "-" vs[v] || d) t *= 1.3
			printf "%s,%s,100000,,%s,%d,64,1,static,none,%d,%.9f,0.0001,%.6f,0,2000,42,1,0%s\n", id, ws[w], vs[v], j, r, t, t,
				old ? "" : d ? ",0.000,0.500,40,1" : ",0.000,0.000,0,0"
		}
	}
}' >"$out/raw.csv.new" || exit 1
if [ "$header" = 0 ]; then cat "$out/raw.csv.new" >>"$out/raw.csv"; else mv "$out/raw.csv.new" "$out/raw.csv"; fi
rm -f "$out/raw.csv.new"
