#!/bin/sh
# report.sh: `parbench report` on bad directories and on a real --quick run; `scripts/bench.sh quick`.
. tests/cli/lib.sh

SUMMARY_HEADER="workload,size,params,variant,workers,tasks,chunk,schedule,bind,reps,median_s,min_s,max_s,mean_s,stddev_s,ci_lo_s,ci_hi_s,outliers,speedup,efficiency,verified,setup_s,user_s,sys_s,counters,per_op_s,per_op_ci_lo_s,per_op_ci_hi_s,bytes_per_s"
RAW_HEADER="run_id,workload,size,params,variant,workers,tasks,chunk,schedule,bind,rep,wall_s,setup_s,user_s,sys_s,max_rss_kb,result,verified,cpus"

# is_png FILE: the file starts with the PNG signature.
is_png() {
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
}

# ---- bad directories: exit 2, one line ----
expect_usage_error "report: missing directory" "report: cannot open '$TMP/nope'" report "$TMP/nope"
: >"$TMP/file"
expect_usage_error "report: a file, not a directory" "report: '$TMP/file' is not a directory" report "$TMP/file"
mkdir "$TMP/empty"
expect_usage_error "report: no raw.csv" "report: cannot read '.*raw.csv'" report "$TMP/empty"
mkdir "$TMP/bad"
printf '%s\nr1,pi,1000,,serial,1,8,1,static,none,0,oops,0,0,0,0,1,1,0\n' "$RAW_HEADER" >"$TMP/bad/raw.csv"
expect_usage_error "report: malformed raw.csv" "report: .*bad value 'oops' in column wall_s" report "$TMP/bad"
printf 'a,b\n1,2\n' >"$TMP/bad/raw.csv"
expect_usage_error "report: wrong header" "report: .*wrong header" report "$TMP/bad"
expect_usage_error "report: no argument" "report: missing results directory" report
expect_usage_error "report: unknown option" "unknown option '--nope' \\(see 'parbench report --help'\\)" report --nope "$TMP/bad"

# ---- a real --quick run ----
run run --quick -q -w pi,sumsq,image -v serial,threads,pool,shm -j 1,2 -r 2 --warmup 0 -o "$TMP/run"
expect_rc "quick run for the report" 0
run report "$TMP/run"
expect_rc "report on a quick run exits 0" 0
if [ "$(head -n 1 "$TMP/run/summary.csv")" = "$SUMMARY_HEADER" ]; then ok "summary.csv header"; else
	fail "summary.csv header" "got: $(head -n 1 "$TMP/run/summary.csv")"; fi
# one summary row per case: distinct workload..bind (columns 2-10) in raw.csv
cases=$(tail -n +2 "$TMP/run/raw.csv" | cut -d, -f2-10 | sort -u | wc -l)
rows=$(tail -n +2 "$TMP/run/summary.csv" | wc -l)
if [ "$cases" -gt 0 ] && [ "$cases" -eq "$rows" ]; then ok "one summary row per case ($rows)"; else
	fail "one summary row per case" "raw.csv cases: $cases, summary rows: $rows"; fi
# serial rows have speedup 1, every threads row a speedup, every case verified
bad=$(awk -F, 'NR > 1 && ($4 == "serial" && $19 != 1 || $19 == "" || $21 != 1)' "$TMP/run/summary.csv" | wc -l)
if [ "$rows" -gt 0 ] && [ "$bad" -eq 0 ]; then ok "speedups present, serial 1, all verified"; else
	fail "speedups present, serial 1, all verified" "$bad bad rows"; fi
for w in pi sumsq image; do
	expect_grep "report.md has a section for $w" "^## $w\$" "$TMP/run/report.md"
done
expect_grep "the table is printed with the median, its CI, speedup and verified" "^workload +size +variant +workers +median +95% CI +speedup +eff( +result)? +verified" "$OUT"
check "the table fits 120 columns" python3 -c "import sys; sys.exit(max(len(l.rstrip('\n')) for l in open(sys.argv[1], encoding='utf-8')) > 120)" "$OUT"
if command -v gnuplot >/dev/null 2>&1; then
	n=0
	bad=0
	for f in "$TMP"/run/plots/*.png; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		is_png "$f" || bad=$((bad + 1))
	done
	if [ "$n" -ge 10 ] && [ "$bad" -eq 0 ]; then ok "plots are PNG files ($n)"; else
		fail "plots are PNG files" "$n PNGs, $bad without the PNG signature"; fi
	nsvg=0
	for f in "$TMP"/run/plots/*.png; do
		[ -f "${f%.png}.svg" ] && grep -q '<svg' "${f%.png}.svg" && nsvg=$((nsvg + 1))
	done
	if [ "$nsvg" -eq "$n" ]; then ok "an SVG beside each PNG"; else fail "an SVG beside each PNG" "$nsvg SVGs for $n PNGs"; fi
	check "image pool against shm plot" sh -c "ls '$TMP'/run/plots/image-*-pool-shm.png >/dev/null"
	check "speedup bars plot" is_png "$TMP/run/plots/speedup-bars.png"
	expect_grep "report.md embeds the plots" '^!\[.*\]\(plots/pi-n[0-9]+[^)]*-time\.png\)$' "$TMP/run/report.md"
fi

# ---- no gnuplot: summary and report.md still written, one warning, exit 0 ----
rm -f "$TMP/run/summary.csv" "$TMP/run/report.md"
PARBENCH_GNUPLOT=/nonexistent/gnuplot run report -q "$TMP/run"
expect_rc "report without gnuplot exits 0" 0
check "summary.csv without gnuplot" test -s "$TMP/run/summary.csv"
expect_grep "report.md says the plots were skipped" "Plots:.*skipped" "$TMP/run/report.md"
if [ "$(grep -c 'warning: report: plots skipped' "$ERR")" -eq 1 ]; then ok "one warning about the plots"; else
	fail "one warning about the plots"; fi

# ---- make bench's script, quick ----
BENCH_OUT="$TMP/bench" PARBENCH="$PARBENCH" sh scripts/bench.sh quick >"$OUT" 2>"$ERR"
RC=$?
expect_rc "scripts/bench.sh quick" 0
check "bench: one results directory with a summary" test -s "$TMP/bench/summary.csv"
expect_grep "bench: dispatch cases (sleep ms=0)" '^sleep,[0-9]+,ms=0,' "$TMP/bench/summary.csv"
expect_grep "bench: process per task cases" '^sleep,[0-9]+,ms=1,process,' "$TMP/bench/summary.csv"
for w in pi primes image sumsq; do
	expect_grep "bench: $w in the matrix" "^$w," "$TMP/bench/summary.csv"
done
expect_grep "bench: prints the table" "^workload +size +params +variant" "$OUT"
check "bench: the table fits 120 columns" python3 -c "import sys; sys.exit(max(len(l.rstrip('\n')) for l in open(sys.argv[1], encoding='utf-8')) > 120)" "$OUT"
