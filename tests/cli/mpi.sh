#!/bin/sh
# mpi.sh: the mpi variant on this host: every workload and schedule gives the serial result,
# data workloads carry their bytes, each worker's host and CPU are recorded, faults and signals
# leave nothing behind.  (tests/cli/mpi_hosts.sh runs it across simulated hosts.)
. "$(dirname "$0")/lib.sh"

run list
if ! have_variant mpi; then
	expect_grep "list says why mpi is unavailable" "^  mpi +unavailable +.+" "$OUT"
	expect_usage_error "-v mpi in a build or machine without it is refused" "variant 'mpi' is not available" \
		run -w pi -v mpi --quick -o "$TMP/none"
	skip "the mpi variant" "$(sed -n 's/^  mpi *unavailable *//p' "$OUT")"
	exit 0
fi

# ---- every workload, every schedule, 1, 2 and 4 worker ranks: the serial result ----
D="$TMP/all"
run run -w pi,primes,image,sumsq --quick -v serial,mpi -j 1,2,4 -s static,dynamic -r 2 -c none -q -o "$D"
expect_rc "every workload under mpi at 1, 2 and 4 ranks exits 0" 0
check "every workload under mpi: every row verified, one result per workload" results_agree "$D"
D="$TMP/sched"
run run -w primes -p method=trial -n 200000 -v serial,mpi -j 3 -s static,cyclic,dynamic,guided --chunk 1,5 -r 2 -c none -q -o "$D"
expect_rc "the unbalanced trial division under every schedule and chunk exits 0" 0
check "every schedule and chunk counts the same primes" results_agree "$D"
check "every schedule and chunk ran" test "$(csv_col "$D/raw.csv" schedule | sort -u | wc -l)" -eq 4
# image bands larger than any pipe or eager buffer, two queued per rank
D="$TMP/bands"
run run -w image -n 4194304 -p op=blur -v serial,mpi -j 2 --tasks 4 -s static,dynamic -r 2 -c none -q -o "$D"
expect_rc "image bands of 3 MiB exit 0" 0
check "image bands of 3 MiB: byte-identical output (verified)" results_agree "$D"

# ---- what each rank was, and where ----
D="$TMP/facts"
run run -w sumsq --quick -v mpi -j 2 -r 2 -c rusage -q -o "$D"
expect_rc "mpi with counters exits 0" 0
host=$(hostname)
check "cpus names each worker rank's host and CPU (host:cpus;host:cpus)" \
	test -z "$(csv_col "$D/raw.csv" cpus | grep -Ev "^$host:[0-9,-]+;$host:[0-9,-]+$")"
check "rank start-up is set-up: setup_s > 0" awk -F, 'NR > 1 && !($13 > 0) { exit 1 }' "$D/raw.csv"
check "the worker ranks' counters are in counters.csv" test "$(tail -n +2 "$D/counters.csv" | wc -l)" -ge 4
check "meta.json has the launch command line" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))['variants']['mpi']
assert 'mpirun' in d and '--bind-to' in d and 'parbench-mpi' in d, d
" "$D/meta.json"
run run -w pi --quick -v all -j 1 -r 1 -c none -q -o "$TMP/allv"
check "-v all does not start MPI jobs (mpi is asked for by name)" test -z "$(csv_col "$TMP/allv/raw.csv" variant | grep -x mpi)"
if can_bind core && [ "$(allowed_cpus)" -ge 2 ]; then
	run run -w pi --quick -v mpi -j 2 -b core -r 2 -c none -q -o "$TMP/bound"
	expect_rc "mpi with --bind core (mpirun --bind-to core) exits 0" 0
	check "--bind core: each worker rank stayed on one CPU" \
		test -z "$(csv_col "$TMP/bound/raw.csv" cpus | tr ';' '\n' | grep -Ev "^[^:]+:[0-9]+$")"
else
	skip "mpi --bind core" "binding does not work here, or this process has one CPU"
fi

# ---- bad input ----
expect_usage_error "a missing --hostfile" "--hostfile: cannot read '$TMP/nohosts'" run -w pi -v mpi --hostfile "$TMP/nohosts" -o "$TMP/x"

# ---- a rank killed mid-run: the run fails within seconds, naming rank, host and task ----
D="$TMP/kill"
"$PARBENCH" run -w sleep -n 2000 -p ms=5 -v mpi -j 2 -s dynamic -r 3 -c none -q -o "$D" >"$OUT" 2>"$ERR" &
pid=$!
echo "$pid" >>"$PIDS"
victim=""
for i in $(seq 1 300); do
	# a worker rank of this run: a parbench-mpi descended from $pid (not another suite's) whose rank is not 0
	victim=$(python3 "$LIBDIR/mpi_victim.py" "$pid")
	[ -n "$victim" ] && [ -s "$D/meta.json" ] && break
	sleep 0.1
done
sleep 1
kill -KILL "$victim" 2>/dev/null
wait "$pid"
RC=$?
expect_rc "a killed rank fails the run" 1
expect_grep "the error names the variant, rank, pid, host and task" \
	"^parbench: mpi: rank [0-9]+ \\(pid $victim\\) on host [^ ]+ died (on tasks? [0-9-]+|between tasks): killed by signal 9$" "$ERR"
no_leftovers "a killed rank: no rank, mpirun, session directory or segment left"

# ---- SIGINT to parbench ends the whole job ----
D="$TMP/int"
"$PARBENCH" run -w sleep -n 2000 -p ms=5 -v mpi -j 2 -s dynamic -r 3 -c none -q -o "$D" >"$OUT" 2>"$ERR" &
pid=$!
echo "$pid" >>"$PIDS"
for i in $(seq 1 300); do
	[ -n "$(ps -eo comm | grep -x parbench-mpi)" ] && [ -s "$D/meta.json" ] && break
	sleep 0.1
done
sleep 1
kill -INT "$pid"
wait "$pid"
RC=$?
expect_rc "SIGINT during an mpi case exits 130" 130
check "SIGINT: meta.json says interrupted" grep -q '"status": "interrupted"' "$D/meta.json"
no_leftovers "SIGINT: no rank, mpirun, session directory or segment left"
