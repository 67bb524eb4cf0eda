#!/bin/sh
# run.sh: `parbench run` end to end: results files, the command line, and bad input (exit 2, one line, nothing written).
. "$(dirname "$0")/lib.sh"

run --version
expect_rc "--version exits 0" 0
expect_grep "--version names parbench and its version" '^parbench [0-9]+\.[0-9]+\.[0-9]+' "$OUT"
run --help
expect_rc "--help exits 0" 0
expect_grep "--help lists the run command" '^  run ' "$OUT"
run
expect_rc "no command is bad usage" 2
expect_usage_error "unknown command" "unknown command 'frobnicate'" frobnicate
run list
expect_rc "list exits 0" 0
for w in pi primes image sumsq sleep; do expect_grep "list shows workload $w" "^  $w" "$OUT"; done
for v in serial threads pool process shm; do expect_grep "list shows variant $v" "^  $v +available" "$OUT"; done
if have_feature openmp; then
	expect_grep "list shows variant openmp" "^  openmp +available" "$OUT"
else
	skip "list shows variant openmp" "this build has no OpenMP (threads_openmp.sh checks what list says instead)"
fi
expect_grep "list shows parameters with defaults" '-p method=sieve' "$OUT"

# A small serial run: the files and their columns.
D="$TMP/r1"
run run -w pi -v serial --quick -r 3 -o "$D"
expect_rc "quick serial pi run exits 0" 0
check "raw.csv exists" test -f "$D/raw.csv"
check "raw.csv header is DESIGN.md's, then the documented later columns" test "$(head -n 1 "$D/raw.csv")" = \
	"run_id,workload,size,params,variant,workers,tasks,chunk,schedule,bind,rep,wall_s,setup_s,user_s,sys_s,max_rss_kb,result,verified,cpus,check,steal_s,others_s,nivcsw,disturbed"
check "one row per measured repetition (warm-up excluded)" test "$(tail -n +2 "$D/raw.csv" | wc -l)" -eq 3
check "every row verified" test "$(csv_col "$D/raw.csv" verified | sort -u)" = 1
check "reps numbered 1..3" test "$(csv_col "$D/raw.csv" rep | tr '\n' ' ')" = "1 2 3 "
check "max_rss_kb is the run's own (the 128 MiB machine probes run in a child)" awk -F, 'NR > 1 && !($16 > 0 && $16 < 65536) { exit 1 }' "$D/raw.csv"
check "wall times are positive numbers" awk -F, 'NR > 1 && !($12 + 0 > 0) { exit 1 }' "$D/raw.csv"
check "meta.json parses as JSON" python3 -c "import json,sys; m=json.load(open(sys.argv[1])); assert m['status']=='ok' and m['run_id'] and m['end_time']" "$D/meta.json"
check "meta.json records compiler, flags and revision" python3 -c "import json,sys; b=json.load(open(sys.argv[1]))['build']; assert b['compiler'] and '-O' in b['cflags'] and b['git_revision']" "$D/meta.json"
check "summary.csv written" test -f "$D/summary.csv"
expect_grep "stdout has the results table" '^workload +size' "$OUT"
expect_grep "stdout has the case with its result" '^pi .* serial .* yes$' "$OUT"
expect_grep "stderr has a progress line per case" '^\[1/1\] pi' "$ERR"

# --append keeps the run id and adds rows of new cases; a case already there is refused, not merged
run run -w pi -v threads -j 1 --quick -r 2 -o "$D" --append
expect_rc "--append exits 0" 0
check "--append adds rows" test "$(tail -n +2 "$D/raw.csv" | wc -l)" -eq 5
check "--append keeps one run id" test "$(csv_col "$D/raw.csv" run_id | sort -u | wc -l)" -eq 1
expect_usage_error "--append of a case the run has is refused (its repetitions come from one sitting)" \
	"cannot append to '.*': it already has case pi n=30000000 seed=0 serial j=1" run -w pi -v serial --quick -r 2 -o "$D" --append
check "the refused --append wrote no row" test "$(tail -n +2 "$D/raw.csv" | wc -l)" -eq 5
expect_usage_error "a directory with a run needs --append" "already holds a run" run -w pi -v serial --quick -o "$D"

# Default directory: results/<run-id> and results/latest
( cd "$TMP" && "$PARBENCH" run -w sumsq -v serial --quick -r 1 -q >/dev/null 2>&1 )
check "default results directory is results/<run-id>, latest points to it" test -f "$TMP/results/latest/raw.csv"

# Sizes in every accepted notation
for n in 1000000 1e6 1M 2^20; do
	run run -w sumsq -v serial -n "$n" -r 1 --warmup 0 -q -o "$TMP/size-$n"
	expect_rc "size '$n' accepted" 0
done
check "2^20 is 1048576" test "$(csv_col "$TMP/size-2^20/raw.csv" size)" = 1048576
check "1M is 1000000" test "$(csv_col "$TMP/size-1M/raw.csv" size)" = 1000000

# Bad input: one line on stderr, exit 2, no results directory
B="$TMP/bad"
expect_usage_error "unknown workload" "unknown workload 'nope'" run -w nope -o "$B"
expect_usage_error "unknown variant" "unknown variant 'nope'" run -w pi -v nope -o "$B"
expect_usage_error "unknown parameter" "unknown parameter 'colour'" run -w pi -p colour=red -o "$B"
expect_usage_error "parameter value not among its choices" "'foo' is not one of" run -w primes -p method=foo -o "$B"
expect_usage_error "parameter without =" "expected KEY=VALUE" run -w pi -p seed -o "$B"
expect_usage_error "size 0" "at least 1" run -w pi -n 0 -o "$B"
expect_usage_error "negative size" "negative" run -w pi -n -5 -o "$B"
expect_usage_error "overflowing size" "overflows" run -w pi -n 1e30 -o "$B"
expect_usage_error "overflowing size (digits)" "overflows" run -w pi -n 99999999999999999999999 -o "$B"
expect_usage_error "size not a number" "not a number" run -w pi -n abc -o "$B"
expect_usage_error "fractional size" "whole number" run -w pi -n 1.5 -o "$B"
expect_usage_error "size above the workload's maximum" "larger than the maximum" run -w sumsq -n 2^60 -o "$B"
expect_usage_error "reps 0" "repetition count" run -w pi -r 0 -o "$B"
expect_usage_error "workers 0" "bad worker count" run -w pi -j 0 -o "$B"
expect_usage_error "workers not a number" "bad worker count" run -w pi -j two -o "$B"
expect_usage_error "chunk 0" "chunk" run -w pi --chunk 0 -o "$B"
expect_usage_error "unknown schedule" "unknown schedule 'random'" run -w pi -s random -o "$B"
expect_usage_error "unknown binding" "unknown binding 'socket'" run -w pi -b socket -o "$B"
expect_usage_error "more tasks than items" "more than its" run -w sleep -n 4 --tasks 10 -o "$B"
expect_usage_error "unknown option" "unknown option '--frobnicate'" run --frobnicate
expect_usage_error "option without its value" "needs a value" run -w
expect_usage_error "stray argument" "unexpected argument 'extra'" run -w pi extra
expect_usage_error "bad timeout" "bad timeout" run -w pi --timeout -1 -o "$B"
expect_usage_error "--append without --out" "needs --out" run -w pi --append
check "bad input wrote no results directory" test ! -e "$B"
touch "$TMP/afile"
expect_usage_error "unwritable output directory" "cannot create results directory" run -w pi -v serial --quick -o "$TMP/afile/sub"
expect_usage_error "output directory on a read-only place" "cannot create results directory" run -w pi -v serial --quick -o /proc/parbench-test

# Warnings: on stderr and in meta.json
over=$(($(nproc) * 2))
run run -w pi -v threads -j "$over" --quick -r 1 -o "$TMP/w1"
expect_grep "more workers than CPUs warns that the run is oversubscribed" "^parbench: warning: $over workers on [0-9]+ CPUs: the run is oversubscribed" "$ERR"
check "the oversubscription warning is in meta.json" python3 -c "import json,sys; assert any('oversubscribed' in w for w in json.load(open(sys.argv[1]))['warnings'])" "$TMP/w1/meta.json"
run run -w sumsq -v serial -n 1000 -r 3 -o "$TMP/w2"
expect_grep "a case shorter than 1 ms warns" "^parbench: warning: sumsq .* is shorter than 0.001 s" "$ERR"
check "the short-case warning is in meta.json" python3 -c "import json,sys; assert any('shorter than' in w for w in json.load(open(sys.argv[1]))['warnings'])" "$TMP/w2/meta.json"

# Progress: plain lines when stderr is not a terminal (above), one live line on a terminal
if command -v script >/dev/null 2>&1; then
	script -qec "'$PARBENCH' run -w pi -v serial,threads -j 1 --quick -r 2 -o '$TMP/tty'" "$TMP/typescript" >/dev/null 2>&1
	check "on a terminal, progress rewrites one line (carriage return and erase)" grep -q "$(printf '\r')$(printf '\033')\[K\[1/2\] pi" "$TMP/typescript"
	check "the live line shows the case and the median so far" grep -Eq '\[2/2\] pi .* threads j=1 .*rep 2/2, median so far [0-9.]+ (s|ms|µs)' "$TMP/typescript"
fi
