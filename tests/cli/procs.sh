#!/bin/sh
# procs.sh: the pool, process and shm variants end to end: every workload, worker count, schedule
# and chunk gives the serial result; per-worker CPUs, CPU time of the workers, concurrency.
. "$(dirname "$0")/lib.sh"

# rows_ok DIR: results_agree (lib.sh), and each worker
# process row lists a CPU list per worker (non-empty for every worker with tasks under static) and has setup_s > 0, user_s + sys_s > 0.
rows_ok() {
	results_agree "$1" && python3 - "$1/raw.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for r in rows:
	if r['variant'] in ('pool', 'process', 'shm'):
		cpus = r['cpus'].split(';')
		workers, tasks = int(r['workers']), int(r['tasks'])
		# a worker with no task has no CPU to show: under static every worker has a task when
		# tasks >= workers; under the others a fast worker may take them all
		need = min(workers, tasks) if r['schedule'] == 'static' else 1
		assert len(cpus) == workers and sum(1 for c in cpus if c) >= need, \
			'cpus %r for %s workers' % (r['cpus'], r['workers'])
		assert float(r['setup_s']) > 0, 'setup_s %s' % r['setup_s']
		assert float(r['user_s']) + float(r['sys_s']) > 0, 'no CPU time: %s %s' % (r['user_s'], r['sys_s'])
EOF
}
rows() { tail -n +2 "$1/raw.csv" | wc -l; }

# ---- the matrix: every workload, variant, worker count, schedule and chunk; two reps on one open executor ----
D="$TMP/matrix"
run run -w pi,primes,image,sumsq --quick -v serial,pool,process,shm -j 1,2,4 -s static,cyclic,dynamic,guided \
	--chunk 1,3 -r 2 --warmup 0 -c none -q -o "$D"
expect_rc "matrix run exits 0" 0
want=$((4 * 2 * (1 + 3 * 3 * 4 * 2)))
check "matrix: one row per case and rep ($want)" test "$(rows "$D")" -eq "$want"
check "matrix: every row verified, results identical to serial, per-worker cpus and CPU time" rows_ok "$D"
check "matrix: every schedule and chunk recorded for pool" test \
	"$(awk -F, '$5 == "pool" { print $9 "/" $8 }' "$D/raw.csv" | sort -u | tr '\n' ' ')" = \
	"cyclic/1 cyclic/3 dynamic/1 dynamic/3 guided/1 guided/3 static/1 static/3 "
no_leftovers "matrix: no zombie, no segment"

# ---- data workloads with halos and odd task counts: the pool's and process's copies byte for byte ----
for spec in "image --quick -p op=blur" "image --quick -p op=brightness" "sumsq -n 1000000 -p form=array" \
	"primes -n 100000 -p method=trial" "sumsq -n 1000003 -p form=cubic"; do
	name=$(echo "$spec" | tr ' =' '__')
	# shellcheck disable=SC2086
	run run -w $spec -v serial,pool,process,shm -j 1,3 -s static,cyclic,dynamic,guided --chunk 2 --tasks 1,7,37 \
		-r 1 --warmup 1 -c none -q -o "$TMP/$name"
	expect_rc "$spec: exits 0" 0
	check "$spec: every row verified and identical to serial" rows_ok "$TMP/$name"
done

# ---- image output: the file written after a pool run equals the serial one ----
run run -w image --quick -p op=blur -p output="$TMP/serial.ppm" -v serial -r 1 -c none -q -o "$TMP/img-s"
expect_rc "image serial with output exits 0" 0
for v in pool process shm; do
	run run -w image --quick -p op=blur -p output="$TMP/$v.ppm" -v $v -j 3 -s dynamic --chunk 3 -r 1 -c none -q \
		-o "$TMP/img-$v"
	expect_rc "image $v with output exits 0" 0
	check "image $v: the output file equals serial's" cmp -s "$TMP/serial.ppm" "$TMP/$v.ppm"
done

# ---- concurrency: 8 sleeps of 200 ms on 4 workers take about 2 x 200 ms, not 8 x 200 ms ----
D="$TMP/sleep"
run run -w sleep -n 8 -p ms=200 -v pool,process,shm -j 4 -s dynamic --chunk 1 -r 1 --warmup 0 -c none -q -o "$D"
expect_rc "sleep on 4 workers exits 0" 0
check "sleep: each variant runs 8 x 200 ms in under 1.2 s on 4 workers" test \
	"$(awk -F, 'NR > 1 && $12 >= 1.2' "$D/raw.csv" | wc -l)" -eq 0
check "sleep: three rows" test "$(rows "$D")" -eq 3

# ---- the empty task: many tasks, chunk 1, dispatch only ----
D="$TMP/empty"
run run -w sleep -n 20000 -p ms=0 -v pool,shm -j 1,2 -s dynamic,static --chunk 1 -r 1 --warmup 0 -c none -q -o "$D"
expect_rc "20000 empty tasks exit 0" 0
check "empty tasks: every row verified with 20000 items" test \
	"$(csv_col "$D/raw.csv" result | sort -u)" = 20000
no_leftovers "no zombie, no segment"
