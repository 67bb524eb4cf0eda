#!/bin/sh
# cli.sh: the command line people like: "did you mean", names without case, sweeps of -n and -b,
# --help for every command, tables within 120 columns, --min-time, the progress line on a terminal.
. tests/cli/lib.sh

# width FILE: exits 1 if a line of FILE is wider than 120 columns (characters, not bytes).
width_ok() {
	python3 -c "import sys; sys.exit(max([len(l.rstrip('\n')) for l in open(sys.argv[1], encoding='utf-8')] or [0]) > 120)" "$1"
}

# ---- did you mean: one line, exit 2, nothing made ----
expect_usage_error "-w prime suggests primes" "unknown workload 'prime'; did you mean 'primes'\? \(see 'parbench list'\)" \
	run -w prime -o "$TMP/x"
expect_usage_error "-v thread suggests threads" "unknown variant 'thread'; did you mean 'threads'\?" run -v thread -o "$TMP/x"
expect_usage_error "-v proc suggests process (the one name it starts)" "did you mean 'process'\?" run -v proc -o "$TMP/x"
expect_usage_error "-s dynamc suggests dynamic" "unknown schedule 'dynamc'; did you mean 'dynamic'\?" run -s dynamc -o "$TMP/x"
expect_usage_error "-b cor suggests core" "unknown binding 'cor'; did you mean 'core'\?" run -b cor -o "$TMP/x"
expect_usage_error "--wokers suggests --workers" "unknown option '--wokers'; did you mean '--workers'\?" run --wokers 2
expect_usage_error "report --quite suggests --quiet" "unknown option '--quite'; did you mean '--quiet'\?" report --quite "$TMP"
expect_usage_error "an unknown command suggests the nearest" "unknown command 'lst'; did you mean 'list'\?" lst
expect_usage_error "help of an unknown command suggests too" "unknown command 'reprot'; did you mean 'report'\?" help reprot
expect_usage_error "-p key: suggested and the workload's parameters listed" \
	"unknown parameter 'methd' for workload primes; did you mean 'method'\? \(its parameters: method, segment\)" \
	run -w primes -p methd=trial -o "$TMP/x"
expect_usage_error "-p value: suggested among the choices" "'seive' is not one of sieve\|trial; did you mean 'sieve'\?" \
	run -w primes -p method=seive -o "$TMP/x"
expect_usage_error "nothing near: no suggestion" "unknown workload 'xyzzy' \(see 'parbench list'\)" run -w xyzzy -o "$TMP/x"
check "refused runs leave no directory" test ! -e "$TMP/x"

# ---- names are case-insensitive ----
run run -w PI -v Serial,THREADS -s Dynamic -b NONE -j 1 -n 1e5 -r 1 --warmup 0 -q -o "$TMP/ci"
expect_rc "-w PI -v Serial,THREADS -s Dynamic -b NONE are accepted" 0
check "and recorded by their names" test "$(csv_col "$TMP/ci/raw.csv" workload | sort -u)" = pi
check "variants by their names" test "$(csv_col "$TMP/ci/raw.csv" variant | sort -u | paste -s -d, -)" = serial,threads
if have_variant openmp; then
	run run -w pi -v openMP -j 1 -n 1e5 -r 1 --warmup 0 -q -o "$TMP/omp"
	expect_rc "-v openMP is openmp" 0
else
	skip "-v openMP is openmp" "this build has no OpenMP"
fi

# ---- -n and -b sweep like -p: repeated or listed, the values add up ----
run run -w sumsq -v serial -n 1e5 -n 2e5,3e5 -r 1 --warmup 0 -q -o "$TMP/sizes"
expect_rc "-n repeated and listed" 0
check "three sizes ran" test "$(csv_col "$TMP/sizes/raw.csv" size | sort -u | paste -s -d, -)" = 100000,200000,300000
if can_bind core && can_bind pu; then
	run run -w pi -v threads -j 1 -n 1e5 -b none,core,pu -r 1 --warmup 0 -q -o "$TMP/binds"
	expect_rc "-b none,core,pu" 0
	check "three bindings ran" test "$(csv_col "$TMP/binds/raw.csv" bind | sort -u | paste -s -d, -)" = core-compact,none,pu-compact
else
	skip "-b none,core,pu sweeps binding" "binding does not work here (parbench topo)"
fi

# ---- --help for every command; parbench help COMMAND is the same text ----
for c in list run report compare ab topo help; do
	run "$c" --help
	if [ "$RC" -eq 0 ] && grep -q "^usage: parbench" "$OUT" && [ ! -s "$ERR" ]; then ok "$c --help: exit 0, usage on stdout"; else
		fail "$c --help: exit 0, usage on stdout" "exit $RC" "$(head -c 200 "$OUT")"; fi
	cp "$OUT" "$TMP/help-$c"
	run help "$c"
	check "parbench help $c is $c --help" cmp -s "$OUT" "$TMP/help-$c"
	check "$c --help fits 120 columns" width_ok "$TMP/help-$c"
done
run --help
expect_grep "--help names every command" "^  topo " "$OUT"
run list
check "list fits 120 columns" width_ok "$OUT"
run topo
check "topo fits 120 columns" width_ok "$OUT"

# ---- the table: one format for run and report, within 120 columns ----
run run -w pi,sumsq -v serial,threads -j 1,2 -n 2e5 -r 3 --warmup 0 -o "$TMP/tab"
expect_rc "a small run for the table" 0
cp "$OUT" "$TMP/run-table"
check "run's table fits 120 columns" width_ok "$TMP/run-table"
expect_grep "constant columns folded into a heading line" "^n = 200000; 64 tasks, chunk 1, static, bind none$" "$TMP/run-table"
expect_grep "the header: median, CI, speedup" "^workload +variant +workers +median +95% CI +speedup +eff +result +verified$" "$TMP/run-table"
expect_grep "a row in human units, with its speedup" "^pi +threads +2 +[0-9.]+ (s|ms|µs) +[0-9.]+–[0-9.]+ (s|ms|µs) +[0-9.]+x +[0-9.]+ +[0-9.]+ +yes$" "$TMP/run-table"
run report "$TMP/tab"
check "report's table fits 120 columns" width_ok "$OUT"
# the same rows as run's (run's result column knows its width only at the end)
check "report prints run's header" sh -c "grep '^workload ' '$OUT' | tr -s ' ' > '$TMP/h2'; grep '^workload ' '$TMP/run-table' | tr -s ' ' | cmp -s - '$TMP/h2'"

# ---- --min-time: repetitions until they add up to it ----
run run -w sleep -p ms=2 -n 1 -v serial -r 2 --warmup 0 --min-time 0.1 -q -o "$TMP/mt"
expect_rc "--min-time 0.1" 0
check "--min-time: the repetitions add up to at least 0.1 s, more than -r 2" python3 -c "
import csv, sys
w = [float(r['wall_s']) for r in csv.DictReader(open(sys.argv[1]))]
assert len(w) > 2 and sum(w) >= 0.1 and len(w) <= 1000, (len(w), sum(w))" "$TMP/mt/raw.csv"
check "--min-time is in meta.json" python3 -c "import json, sys; assert json.load(open(sys.argv[1]))['min_time_s'] == 0.1" "$TMP/mt/meta.json"
expect_usage_error "--min-time needs seconds" "bad --min-time 'soon'" run --min-time soon

# ---- the progress line on a terminal ----
if command -v script >/dev/null 2>&1; then
	# two cases of at least 1.5 s each (a warm-up and two repetitions of two 250 ms sleeps)
	script -qec "'$PARBENCH' run -w sleep -p ms=250 -n 2 --tasks 2 -v serial,threads -j 1 -r 2 --warmup 1 -o '$TMP/tty'" \
		"$TMP/typescript" >/dev/null 2>&1
	check "the first case is counted [1/2]" grep -Eq "\[1/2\] sleep ms=250 serial" "$TMP/typescript"
	check "the time left comes from the case already measured" grep -Eq '\[2/2\] sleep .*starting, ~[0-9]+ s left' "$TMP/typescript"
	# what the terminal shows: each line as it stands after its last carriage return
	check "no table row or warning glued onto a progress line" python3 -c "
import sys
text = open(sys.argv[1], encoding='utf-8', errors='replace').read().replace('\r\n', '\n')
for line in text.split('\n'):
    shown = line.split('\r')[-1].replace('\x1b[K', '')
    assert not (shown.startswith('[') and (' yes' in shown or 'warning' in shown)), shown
rows = [l.split('\r')[-1].replace('\x1b[K', '') for l in text.split('\n')]
assert any(r.startswith('serial ') and r.endswith('yes') for r in rows), rows" "$TMP/typescript"
else
	skip "the progress line on a terminal" "no script(1) here"
fi

no_leftovers "no leftovers after the command-line checks"
