#!/bin/sh
# topo_counters.sh: `parbench topo`, --counters choices and errors, and binding as seen in raw.csv and counters.csv.
. "$(dirname "$0")/lib.sh"

run topo
expect_rc "topo exits 0" 0
for f in "cpu model" packages "numa nodes" cores pus affinity hwloc; do
	expect_grep "topo shows $f" "^  $f +[^ ]" "$OUT"
done
pus=$(awk '$1 == "pus" { print $2 }' "$OUT")
online=$(getconf _NPROCESSORS_ONLN)
check "topo's PU count is the kernel's ($online)" test "$pus" = "$online"
if grep -Eq '^  hwloc +none' "$OUT"; then
	expect_grep "without hwloc, topo says the cores are unknown" '^  cores +unknown \(no hwloc\)' "$OUT"
	expect_grep "without hwloc, topo says binding needs it" '^  core +no: binding needs hwloc; this build has none' "$OUT"
else
	expect_grep "topo shows the L1 data cache" '^  L1 data +[0-9]+ [KM]iB' "$OUT"
fi
expect_grep "topo says whether bind=core works" '^  core +(yes|no: .+)$' "$OUT"
expect_grep "topo says whether bind=pu works" '^  pu +(yes|no: .+)$' "$OUT"
for b in papi perf rusage; do
	expect_grep "topo says whether counter backend $b is available" "^  $b +(available|unavailable: .+)" "$OUT"
done
expect_grep "topo says what auto picks and why" '^  auto +(papi|perf|rusage): .+' "$OUT"
expect_grep "topo shows the copy bandwidth" '^  copy +[0-9.]+ GB/s best, [0-9.]+ GB/s median' "$OUT"
expect_grep "topo shows the pipe round trip" '^  pipe +[0-9.]+ us per' "$OUT"
expect_grep "topo shows the sequential read probe" '^  read +[0-9.]+ GB/s best, [0-9.]+ GB/s median \(sequential read of 256 MiB' "$OUT"
TOPO="$PB_TOPO" # lib.sh's can_bind and have_perf read it
cp "$OUT" "$TOPO"
if ! have_feature papi; then
	expect_grep "without PAPI, topo says the build has none" '^  papi +unavailable: this build has no PAPI$' "$TOPO"
	if have_perf; then
		expect_grep "without PAPI, auto picks perf software events" '^  auto +perf: papi: this build has no PAPI; using perf software events$' "$TOPO"
	fi
fi

expect_usage_error "topo rejects extra arguments" "topo: unexpected argument 'x'" topo x

# --counters: bad specs are bad usage, one line, naming the spec or event
expect_usage_error "unknown counter spec" "counters: unknown counter spec 'cycles'" run -w pi -v serial -c cycles -o "$TMP/c1"
expect_usage_error "unknown PAPI event" "'NO_SUCH_EVENT'" run -w pi -v serial -c papi:NO_SUCH_EVENT -o "$TMP/c2"
check "nothing written after a bad counter spec" test ! -e "$TMP/c1" -a ! -e "$TMP/c2"
if grep -Eq '^  papi +unavailable: ' "$TOPO"; then
	why=$(sed -En 's/^  papi +unavailable: //p' "$TOPO")
	case "$why" in
	*"this build has no PAPI"*) re="PAPI_TOT_CYC.*this build has no PAPI" ;;
	*) re="PAPI event 'PAPI_TOT_CYC' is not available on this machine" ;;
	esac
	expect_usage_error "papi:PAPI_TOT_CYC fails cleanly where PAPI cannot count" "$re" \
		run -w pi -v serial -c papi:PAPI_TOT_CYC -o "$TMP/c3"
fi

# End to end: two bound threads with counters.
D="$TMP/e2e"
if can_bind core; then
	run run -w pi -v threads -j 2 --bind core -c auto --quick -r 2 -o "$D"
	expect_rc "bound threads run with counters exits 0" 0
else
	if ! have_feature hwloc; then
		expect_usage_error "without hwloc, --bind core is refused" "cannot bind: binding needs hwloc; this build has none" \
			run -w pi -v threads -j 2 --bind core -c auto --quick -r 2 -o "$D"
	fi
	skip "bound threads run with counters" "topo says --bind core does not work here; the checks below run unbound"
	run run -w pi -v threads -j 2 -c auto --quick -r 2 -o "$D"
	expect_rc "unbound threads run with counters exits 0" 0
fi
auto=$(sed -En 's/^  auto +([a-z]+): .*/\1/p' "$TOPO")
check "counters.csv has rows" test "$(tail -n +2 "$D/counters.csv" | wc -l)" -ge 1
check "counters.csv backend is auto's choice ($auto)" test "$(csv_col "$D/counters.csv" backend | sort -u)" = "$auto"
if [ "$auto" = perf ]; then
	for e in task-clock-ns context-switches cpu-migrations page-faults; do
		expect_grep "counters.csv has $e" ",perf,$e,[0-9]+$" "$D/counters.csv"
	done
	check "task-clock is positive in every repetition" \
		awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["event"] == "task-clock-ns" && !($c["value"] > 0) { exit 1 }' "$D/counters.csv"
fi
check "meta.json records the counter backend and its reason" python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['counters']; assert c['backend']==sys.argv[2] and c['reason']" "$D/meta.json" "$auto"
check "meta.json records machine facts" python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['machine']; assert m['pus']>=1 and m['affinity'] and 'counter_backends' in m" "$D/meta.json"
cores=$(awk '$1 == "cores" { print $2 }' "$TOPO")
# cpus lists each worker's CPUs, workers separated by ';'
if grep -Eq '^  core +yes' "$TOPO" && [ "${cores:-0}" -ge 2 ] && [ "$(allowed_cpus)" -ge 2 ]; then
	check "--bind core -j 2: each worker stayed on one CPU, and the two CPUs differ" \
		awk -F, 'NR > 1 { split($19, w, ";"); if (w[1] == "" || w[2] == "" || w[1] ~ /-/ || w[2] ~ /-/ || w[1] == w[2]) exit 1 }' "$D/raw.csv"
fi
if command -v taskset >/dev/null 2>&1 && [ "${pus:-0}" -ge 2 ]; then
	# --bind none leaves the inherited affinity alone: under taskset -c 1 every worker runs on CPU 1
	taskset -c 1 "$PARBENCH" run -w pi -v "$(only_variants threads,openmp)" -j 2 --bind none --quick -r 1 -q -c none -o "$TMP/aff" >/dev/null 2>&1
	check "--bind none keeps the inherited affinity (taskset -c 1: every worker on CPU 1)" \
		test "$(csv_col "$TMP/aff/raw.csv" cpus | sort -u)" = "1;1"
fi
no_leftovers "no zombie or segment left"
