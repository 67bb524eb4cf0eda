#!/bin/sh
# cli_export.sh: --export-json/csv/md of run, report and compare, read back with Python's json and csv;
# the no-match message of compare; the plots report.md embeds have titles and one legend entry per series.
. tests/cli/lib.sh

D="$TMP/run"
run run -w pi,sleep -p ms=0 -v serial,threads,pool -j 1,2,3,4 -n 2e5 -r 3 --warmup 0 -q -o "$D" \
	--export-json "$TMP/run.json" --export-csv "$TMP/run.csv" --export-md "$TMP/run.md"
expect_rc "a run with the three exports" 0
# check_json FILE DIR: the JSON parses, has a result per summary row carrying every summary.csv column
check_json() {
	python3 - "$1" "$2" <<'PY'
import csv, json, sys
j = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2] + '/summary.csv')))
raw = list(csv.DictReader(open(sys.argv[2] + '/raw.csv')))
assert j['schema'] == 'parbench-results/1', j['schema']
assert j['run_id'] == raw[0]['run_id']
assert j['command'][:2] == ['parbench', 'run'], j['command']
assert len(j['results']) == len(rows), (len(j['results']), len(rows))
cols = list(rows[0].keys())
for r, s in zip(j['results'], rows):
    missing = [c for c in cols if c not in r]
    assert not missing, missing
    assert r['workload'] == s['workload'] and r['variant'] == s['variant'] and r['workers'] == int(s['workers'])
    assert abs(r['median_s'] - float(s['median_s'])) <= 1e-12 * float(s['median_s'])
    assert len(r['times_s']) == r['reps'] == int(s['reps'])
    assert isinstance(r['verified'], bool) and isinstance(r['counters'], dict)
    assert (r['speedup'] is None) == (s['speedup'] == '')
# a fit per sweep of four worker counts: Amdahl and USL
fits = [f for f in j['fits'] if f['workload'] == 'pi' and f['variant'] == 'threads']
assert len(fits) == 1 and fits[0]['workers'] == [1, 2, 3, 4], fits
assert fits[0]['usl'] is not None and fits[0]['amdahl'] is not None
for k in ('alpha', 'beta', 't1_s', 'r2', 'max_rel_err', 'best_workers_int'):
    assert k in fits[0]['usl'], k
PY
}
check "run --export-json: parses, one result per case with every summary.csv column, the fits" check_json "$TMP/run.json" "$D"
check "run --export-csv has summary.csv's columns and rows" cmp -s "$TMP/run.csv" "$D/summary.csv"
expect_grep "run --export-md is a Markdown table" '^\| workload \| variant \| workers \| (tasks \| )?median \|' "$TMP/run.md"
check "run --export-md has a row per case" test "$(grep -c '^| \(pi\|sleep\) |' "$TMP/run.md")" -eq "$(tail -n +2 "$D/summary.csv" | wc -l)"

run report "$D" -q --export-json "$TMP/rep.json" --export-csv "$TMP/rep.csv" --export-md "$TMP/rep.md"
expect_rc "report with the three exports (options after DIR)" 0
check "report --export-json: the same checks" check_json "$TMP/rep.json" "$D"
check "report --export-csv is summary.csv" cmp -s "$TMP/rep.csv" "$D/summary.csv"
check "report --export-md is run's" cmp -s "$TMP/rep.md" "$TMP/run.md"
expect_usage_error "an export into a missing directory fails in one line" "cannot write '$TMP/no/such.json" \
	report "$D" -q --export-json "$TMP/no/such.json"

# ---- compare ----
D2="$TMP/run2"
run run -w pi -v serial,threads -j 1,2 -n 2e5 -r 3 --warmup 0 -q -o "$D2"
run compare "$D" "$D2" --export-json "$TMP/cmp.json" --export-csv "$TMP/cmp.csv" --export-md "$TMP/cmp.md"
check "compare exits 0 or 1 with exports" test "$RC" -le 1
check "compare --export-json parses: every case, its status, the summary" python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert j['schema'] == 'parbench-compare/1' and j['metric'] == 'time'
st = {c['status'] for c in j['cases']}
assert st == {'compared', 'only_base'}, st
c = [c for c in j['cases'] if c['status'] == 'compared']
assert len(c) == 3 and all(k in c[0] for k in ('ratio', 'ci_lo', 'ci_hi', 'p', 'verdict', 'workload', 'bind'))
assert j['summary']['compared'] == 3" "$TMP/cmp.json"
expect_grep "compare --export-csv is --format csv" '^workload,size,params,variant,workers,tasks,chunk,schedule,bind,metric,' "$TMP/cmp.csv"
expect_grep "compare --export-md is --format md" '^\| case \| base \| new \|' "$TMP/cmp.md"
D3="$TMP/run3"
run run -w pi -v serial -n 3e5 -r 1 --warmup 0 -q -o "$D3"
expect_usage_error "no common case: compare names the field that differs" \
	"no common cases \(BASE has 3, NEW has 1; the nearest two differ in size \(BASE 200000, NEW 300000\)\)" compare "$D2" "$D3"

# ---- the plots report.md embeds: PNG and SVG, the title, a legend entry per series ----
if command -v gnuplot >/dev/null 2>&1; then
	check "every embedded plot has its title and a legend entry per series" python3 tests/cli/plotcheck.py "$D"
	check "speedup, efficiency, set-up and counters plots for pi" test -f "$D/plots/pi-n200000-seed_0-speedup.png" -a \
		-f "$D/plots/pi-n200000-seed_0-efficiency.png" -a -f "$D/plots/pi-n200000-seed_0-setup.png" -a \
		-f "$D/plots/pi-n200000-seed_0-counters.png"
	check "the pi time plot has three series: serial, threads, pool" sh -c \
		"python3 tests/cli/plotcheck.py '$D' | grep -qx 'pi-n200000-seed_0-time: 3 series'"
	check "dispatch is a bar chart per worker count" sh -c "grep -q '^\"variant\" \"1 worker\" \"2 workers\" \"3 workers\" \"4 workers\"' '$D/plots/dispatch.dat'"
	expect_grep "report.md leads with the answer" '^## The answer$' "$D/report.md"
	check "the answer comes first, the facts last" python3 -c "
import sys
t = open(sys.argv[1], encoding='utf-8').read()
order = [t.index(h) for h in ('## The answer', '## Scalability fits', '## Anomalies', '## pi', '## The run', '## Reproduce')]
assert order == sorted(order), order" "$D/report.md"
else
	skip "plots have titles and series" "gnuplot is not installed"
fi
no_leftovers "no leftovers after the exports"
