#!/bin/sh
# gate.sh: the regression gate end to end (issue 10): one family-wise decision, disturbed repetitions left
# out or the case unsure, meta.json's machine and load checks, exit status 3 for an unsure gate, bad or
# missing meta.json only warned about, the run's disturbance columns, and perf-check's output and
# confirmation.  The false-failure rate and power are tests/test_gate.c's.
. tests/cli/lib.sh

# mkrun DIR [KEY=VALUE...]: a results directory by hand: pi and sumsq, serial j=1, threads j=1,2,
# pool j=2, 10 repetitions, 1% noise (seeded), with the disturbance columns.  Keys:
#   slow=F       sumsq pool j=2 times F;      disturbed=K  its first K repetitions flagged disturbed
#   noisy=1      sumsq pool j=2 spread over +-60%;  old=1  raw.csv without the disturbance columns
#   seed=S       the noise;  cpu=MODEL, load=L   meta.json's machine (no meta.json when cpu=none)
mkrun() {
	dir=$1
	shift
	slow=1 disturbed=0 noisy=0 old=0 seed=7 cpu="Test CPU" load=0.1
	for kv in "$@"; do eval "${kv%%=*}=\"\${kv#*=}\""; done
	mkdir -p "$dir"
	awk -v slow="$slow" -v dist="$disturbed" -v noisy="$noisy" -v old="$old" -v seed="$seed" 'BEGIN {
		srand(seed)
		printf "run_id,workload,size,params,variant,workers,tasks,chunk,schedule,bind,rep,wall_s,setup_s,user_s,sys_s,max_rss_kb,result,verified,cpus%s\n",
			old ? "" : ",steal_s,others_s,nivcsw,disturbed"
		split("serial:1 threads:1 threads:2 pool:2", cs, " ")
		for (w = 1; w <= 2; w++) for (c = 1; c <= 4; c++) {
			split(cs[c], vj, ":")
			target = w == 2 && vj[1] == "pool"
			for (r = 1; r <= 10; r++) {
				t = 0.2 * w / vj[2] * (1 + 0.01 * (rand() - 0.5))
				if (target) t *= slow * (noisy ? 1 + 1.2 * (rand() - 0.5) : 1)
				d = target && r <= dist
				printf "run1,%s,1000000,k=2,%s,%d,64,1,static,none,%d,%.9f,0.0001,%.6f,0,2000,42,1,0;1%s\n",
					w == 1 ? "pi" : "sumsq", vj[1], vj[2], r, t, t, old ? "" : d ? ",0.000,0.300,25,1" : ",0.000,0.000,1,0"
			}
		}
	}' >"$dir/raw.csv"
	if [ "$cpu" != none ]; then
		printf '{"run_id": "run1", "machine": {"cpu_model": "%s", "cores": 2, "pus": 2, "governor": "performance", "binding_supported": true, "loadavg": [%s, 0.1, 0.1]}}\n' \
			"$cpu" "$load" >"$dir/meta.json"
	fi
}

mkrun "$TMP/base"
mkrun "$TMP/same" seed=8
mkrun "$TMP/slow" seed=8 slow=1.3

# one family: the header and the summary say how many cases and at what family-wise alpha
run compare "$TMP/base" "$TMP/same"
expect_rc "unchanged: exit 0" 0
expect_grep "the summary line: cases and family-wise alpha" "^# 8 compared: 0 slower, 0 faster, 8 same, 0 unsure; family-wise alpha 0.01 over 8 cases \(Holm\)" "$OUT"
expect_grep "the table has the adjusted p" "^case .* p +adj p +verdict$" "$OUT"
expect_grep "the gate line: pass" "^# gate: pass \(exit 0\)$" "$OUT"
run compare "$TMP/base" "$TMP/slow"
expect_rc "a 30% slowdown: exit 1" 1
expect_grep "the slowdown is named" "^sumsq n=1000000 k=2 pool j=2 .*\+30\.0% .* slower *$" "$OUT"
expect_grep "the gate line: regression" "^# gate: regression \(exit 1\)$" "$OUT"
run compare "$TMP/base" "$TMP/slow" --alpha 0.00001
expect_rc "the same slowdown under --alpha 1e-5 (exact Mann-Whitney cannot go below 1e-5 at 10 reps): exit 0" 0

# disturbed repetitions: one left out (9 remain: still a verdict); three (7 remain): unsure, exit 3
mkrun "$TMP/slow-d1" seed=8 slow=1.3 disturbed=1
run compare "$TMP/base" "$TMP/slow-d1"
expect_rc "one disturbed repetition left out: still slower, exit 1" 1
expect_grep "the left-out repetition is noted" "^note: sumsq .*pool j=2 .*disturbed repetitions left out: 0 of 10 in BASE, 1 of 10 in NEW" "$OUT"
mkrun "$TMP/slow-d3" seed=8 slow=1.3 disturbed=3
run compare "$TMP/base" "$TMP/slow-d3"
expect_rc "three disturbed repetitions: unsure, exit 3" 3
expect_grep "unsure with the reason" "^unsure: sumsq .*pool j=2 .*looks slower \(\+[0-9.]+%\), but 3 of 10 NEW repetitions disturbed" "$OUT"
expect_no_grep "never slower" " slower *$" "$OUT"
expect_grep "the gate line: unsure" "^# gate: unsure \(exit 3\)" "$OUT"
expect_grep "stderr says why exit 3" "1 case\(s\) look slower but were disturbed or noisy: unsure \(exit 3\)" "$ERR"
# beyond the threshold without the evidence, on mostly disturbed data: the disturbance may be what hides it
mkrun "$TMP/unclear-d3" seed=8 slow=1.2 noisy=1 disturbed=3
run compare "$TMP/base" "$TMP/unclear-d3"
expect_rc "an unproven +20% on disturbed data: unsure, exit 3 (not a pass)" 3
expect_grep "the unproven case is named unsure" "^unsure: sumsq .*pool j=2 .*looks slower \(\+[0-9.]+%\), but 3 of 10 NEW" "$OUT"
mkrun "$TMP/unclear" seed=8 slow=1.2 noisy=1
run compare "$TMP/base" "$TMP/unclear" --max-cv 100
expect_rc "the same unproven change on undisturbed data: a pass (the test's own unsure), exit 0" 0
mkrun "$TMP/same-d3" seed=8 disturbed=3
run compare "$TMP/base" "$TMP/same-d3"
expect_rc "disturbed but unchanged: nothing withheld, exit 0" 0
run compare "$TMP/base" "$TMP/slow-d3" --format csv
expect_grep "csv: verdict unsure, stat_verdict slower, the reason" '^sumsq,.*,pool,2,.*,unsure,[0-9.e-]+,slower,1,"?3 of 10 NEW repetitions disturbed' "$OUT"

# a noisy case (robust CV above --max-cv) cannot be slower
mkrun "$TMP/noisy" seed=8 slow=2 noisy=1
run compare "$TMP/base" "$TMP/noisy"
expect_rc "a noisy slowdown: unsure, exit 3" 3
expect_grep "noisy is the reason" "^unsure: sumsq .*pool j=2 .*noisy: robust CV [0-9]+% in NEW \(above --max-cv 20%\)" "$OUT"
run compare "$TMP/base" "$TMP/noisy" --max-cv 100
expect_rc "the same with --max-cv 100: slower, exit 1" 1
expect_usage_error "bad --max-cv" "compare: bad value 'x' for --max-cv" compare "$TMP/base" "$TMP/noisy" --max-cv x

# the machine: another CPU model makes every verdict unsure (exit 3), even with nothing slower
mkrun "$TMP/other-cpu" seed=8 cpu="Other CPU"
run compare "$TMP/base" "$TMP/other-cpu"
expect_rc "another machine: exit 3" 3
expect_grep "the output says the machine changed" "^# machine changed between the runs \(cpu_model 'Test CPU' -> 'Other CPU'\)" "$OUT"
expect_grep "stderr says it too" "the machine changed between the runs" "$ERR"
mkrun "$TMP/other-cpu-slow" seed=8 cpu="Other CPU" slow=1.3
run compare "$TMP/base" "$TMP/other-cpu-slow"
expect_rc "another machine, a slowdown: unsure, never slower (exit 3)" 3
expect_grep "unsure: machine changed" "^unsure: sumsq .*looks slower \(\+[0-9.]+%\), but machine changed" "$OUT"

# an older raw.csv (no disturbance columns): meta.json's load at the start is the only evidence
mkrun "$TMP/old-loaded" seed=8 old=1 load=3.5 slow=1.3
run compare "$TMP/base" "$TMP/old-loaded"
expect_rc "older NEW, started at load 3.5 on 2 PUs, a slowdown: unsure, exit 3" 3
expect_grep "the load is the reason" "^unsure: sumsq .*NEW started at load 3.50 on 2 PUs and has no per-repetition disturbance data" "$OUT"
expect_grep "the output says the older side has no disturbance data" "^# NEW's raw.csv has no per-repetition disturbance columns" "$OUT"
mkrun "$TMP/old-quiet" seed=8 old=1 slow=1.3
run compare "$TMP/base" "$TMP/old-quiet"
expect_rc "older NEW, quiet start, a slowdown: slower, exit 1 (as before)" 1
mkrun "$TMP/loaded" seed=8 load=3.5 slow=1.3
run compare "$TMP/base" "$TMP/loaded"
expect_rc "a new run with per-repetition data: the load alone does not withhold (exit 1)" 1

# meta.json missing, malformed, not a file: a warning, the checks skipped and said so; never a crash
mkrun "$TMP/nometa" seed=8 cpu=none
run compare "$TMP/base" "$TMP/nometa"
expect_rc "no meta.json in NEW: exit 0" 0
expect_grep "no meta.json: warned" "compare: NEW: no meta.json in '.*nometa'; the machine and load checks are skipped" "$ERR"
expect_grep "no meta.json: the output says the checks were skipped" "^# NEW has no readable meta.json: the machine and load checks were skipped for it" "$OUT"
mkrun "$TMP/badmeta" seed=8 slow=1.3
printf '{"machine": ' >"$TMP/badmeta/meta.json"
run compare "$TMP/base" "$TMP/badmeta"
expect_rc "malformed meta.json: the slowdown still caught, exit 1" 1
expect_grep "malformed meta.json: warned with the file and line" "compare: NEW: '.*badmeta/meta.json' line [0-9]+: .*; the machine and load checks are skipped" "$ERR"
mkrun "$TMP/dirmeta" seed=8
rm -f "$TMP/dirmeta/meta.json" && mkdir "$TMP/dirmeta/meta.json"
run compare "$TMP/dirmeta" "$TMP/base"
expect_rc "meta.json a directory: exit 0" 0
expect_grep "meta.json a directory: warned" "compare: BASE: .*meta.json.*; the machine and load checks are skipped" "$ERR"
rm -rf "$TMP/dirmeta"
printf '[1, 2]\n' >"$TMP/badmeta/meta.json"
run compare "$TMP/base" "$TMP/badmeta"
expect_rc "meta.json not an object: exit 1 (the slowdown), no crash" 1
run compare "$TMP/base/raw.csv" "$TMP/slow/raw.csv"
expect_rc "raw.csv paths find their meta.json beside them: exit 1" 1
expect_no_grep "raw.csv paths: no meta warning" "meta.json" "$ERR"

# the run records the disturbance of every repetition, and meta.json the binding support
D="$TMP/r1"
run run -w pi -v serial,threads -j 1,2 --quick -r 3 -o "$D"
expect_rc "a quick run: exit 0" 0
check "raw.csv: DESIGN's columns, then check, steal_s, others_s, nivcsw, disturbed" test "$(head -n 1 "$D/raw.csv")" = \
	"run_id,workload,size,params,variant,workers,tasks,chunk,schedule,bind,rep,wall_s,setup_s,user_s,sys_s,max_rss_kb,result,verified,cpus,check,steal_s,others_s,nivcsw,disturbed"
check "the disturbance columns are numbers, the flag 0 or 1" awk -F, 'NR > 1 && !($21 >= 0 && $22 >= 0 && $23 ~ /^[0-9]+$/ && ($24 == 0 || $24 == 1)) { exit 1 }' "$D/raw.csv"
check "meta.json: binding_supported" python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['machine']; assert isinstance(m['binding_supported'], bool)" "$D/meta.json"
run compare "$D" "$D"
expect_rc "a run against itself: exit 0" 0
# a loaded machine can flag every one of a few repetitions: they are kept (the case is unsure by its count), not an error
mkdir -p "$TMP/alldist"
awk -F, 'BEGIN { OFS = "," } NR > 1 { $24 = 1 } { print }' "$D/raw.csv" >"$TMP/alldist/raw.csv"
run compare "$TMP/alldist" "$TMP/alldist"
expect_rc "every one of 3 repetitions disturbed: compared, exit 0" 0
expect_grep "... and the note says they were kept" "all 3 BASE repetitions disturbed, kept" "$OUT"

# perf-check: stdout is the comparison alone, the run's table in a log; a slowdown is confirmed before failing
PB=$PARBENCH
export PERF_CHECK_MATRIX="-w pi -n 1e7 -v serial,threads -j 1,2" PERF_CHECK_REPS=10
PERF_CHECK_BASELINE="$TMP/pc-base" PERF_CHECK_OUT="$TMP/pc-out" sh scripts/perf-check.sh --refresh >"$OUT" 2>"$ERR"
RC=$?
expect_rc "perf-check --refresh: exit 0" 0
PERF_CHECK_BASELINE="$TMP/pc-base" PERF_CHECK_OUT="$TMP/pc-out" sh scripts/perf-check.sh >"$OUT" 2>"$ERR"
RC=$?
check "perf-check: exit 0, 1 or 3, never 2 (a real run on a machine that may be loaded)" test "$RC" -ne 2
check "perf-check: stdout starts with the comparison's header" sh -c "head -n 1 '$OUT' | grep -q '^# median speedup over serial'"
expect_no_grep "perf-check: no run table on stdout" "^variant +workers +median" "$OUT"
expect_grep "perf-check: the run's table is in the log" "^variant +workers +median" "$TMP/pc-out.log"
# with stand-in builds: a slowdown of the matrix only (gone when re-run) passes; one that holds fails
fake=$(pwd)/tests/fake-parbench.sh
for kind in flaky real; do
	only=$([ "$kind" = flaky ] && echo 1 || echo 0)
	printf '#!/bin/sh\n[ "$1" = compare ] && exec "%s" "$@"\n[ "$PC_SLOW" = 1 ] && export FAKE_SLOW=sumsq-threads FAKE_SLOW_ONLY_MATRIX=%s\nexec "%s" "$@"\n' \
		"$PB" "$only" "$fake" >"$TMP/pc-$kind"
	chmod +x "$TMP/pc-$kind"
done
export PERF_CHECK_MATRIX="-w pi,sumsq -n 1e5 -v serial,threads -j 1,2" PERF_CHECK_REPS=10
PARBENCH="$TMP/pc-real" PERF_CHECK_BASELINE="$TMP/pcf-base" PERF_CHECK_OUT="$TMP/pcf-out" sh scripts/perf-check.sh --refresh >/dev/null 2>&1
PC_SLOW=1 PARBENCH="$TMP/pc-flaky" PERF_CHECK_BASELINE="$TMP/pcf-base" PERF_CHECK_OUT="$TMP/pcf-out" sh scripts/perf-check.sh >"$OUT" 2>"$ERR"
RC=$?
expect_rc "perf-check: a slowdown that does not hold when re-run: exit 0" 0
expect_grep "perf-check: the re-run is shown" "^# perf-check: confirmation 1 of 1: the 1 slower case\(s\) run again" "$OUT"
expect_grep "perf-check: and it says why it passes" "did not hold in the re-run: not a regression \(exit 0\)" "$OUT"
PC_SLOW=1 PARBENCH="$TMP/pc-real" PERF_CHECK_BASELINE="$TMP/pcf-base" PERF_CHECK_OUT="$TMP/pcf-out" sh scripts/perf-check.sh >"$OUT" 2>"$ERR"
RC=$?
expect_rc "perf-check: a slowdown that holds: exit 1" 1
expect_grep "perf-check: the confirmed case is named" "^regression confirmed: sumsq,100000,,threads,2$" "$OUT"
PC_SLOW=1 PERF_CHECK_CONFIRM=0 PARBENCH="$TMP/pc-flaky" PERF_CHECK_BASELINE="$TMP/pcf-base" PERF_CHECK_OUT="$TMP/pcf-out" sh scripts/perf-check.sh >"$OUT" 2>"$ERR"
RC=$?
expect_rc "perf-check: PERF_CHECK_CONFIRM=0 trusts the first comparison: exit 1" 1
unset PERF_CHECK_MATRIX PERF_CHECK_REPS

no_leftovers "gate: no process or segment left"
