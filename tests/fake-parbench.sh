#!/bin/sh
# fake-parbench.sh: stands in for a parbench build in the `ab` tests.  "--version" says parbench;
# "run [options] -r N -o DIR" writes DIR/raw.csv for pi and sumsq, serial j=1 and threads j=2
# (narrowed by -w and -v), with 1% noise.  FAKE_SLOW="workload-variant" makes that case 30% slower; FAKE_SLOW_ONLY_MATRIX=1 only when
# the run is not narrowed by -w (a slowdown that does not reproduce when confirmed).
[ "$1" = --version ] && { echo "parbench 0.0.0 (fake: tests/fake-parbench.sh)"; exit 0; }
[ "$1" = run ] || { echo "fake-parbench: expected run" >&2; exit 2; }
shift
reps=5 out= wl=pi,sumsq var=serial,threads narrowed=0
while [ $# -gt 0 ]; do
	case $1 in
	-r) reps=$2; shift ;;
	-o) out=$2; shift ;;
	-w | --workload) wl=$2; narrowed=1; shift ;;
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
awk -v reps="$reps" -v wl=",$wl," -v var=",$var," -v slow="$slow" -v seed="$$" -v id="fake-$$" 'BEGIN {
	srand(seed)
	print "run_id,workload,size,params,variant,workers,tasks,chunk,schedule,bind,rep,wall_s,setup_s,user_s,sys_s,max_rss_kb,result,verified,cpus"
	split("pi sumsq", ws, " "); split("serial threads", vs, " ")
	for (w = 1; w <= 2; w++) for (v = 1; v <= 2; v++) {
		if (index(wl, "," ws[w] ",") == 0 || index(var, "," vs[v] ",") == 0) continue
		j = v == 1 ? 1 : 2
		for (r = 1; r <= reps; r++) {
			t = 0.01 * w / j * (1 + 0.01 * (rand() - 0.5))
			if (slow == ws[w] "-" vs[v]) t *= 1.3
			printf "%s,%s,100000,,%s,%d,64,1,static,none,%d,%.9f,0.0001,%.6f,0,2000,42,1,0\n", id, ws[w], vs[v], j, r, t, t
		}
	}
}' >"$out/raw.csv"
