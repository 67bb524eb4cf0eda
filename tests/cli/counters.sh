#!/bin/sh
# counters.sh: counters.csv from real runs: oversubscribed workers show context switches, the
# image's page faults grow with its size, the rusage fallback works, -c none writes no rows.
. "$(dirname "$0")/lib.sh"

if ! have_perf; then
	skip "perf counter checks" "perf software events are not available here"
else
	# 4 workers on a machine with fewer PUs are preempted: each repetition counts context switches
	D="$TMP/cs"
	# every variant this build has of threads, openmp, shm and pool; two repetitions each
	V=$(only_variants threads,openmp,shm,pool)
	want=$(($(echo "$V" | tr , '\n' | wc -l) * 2))
	run run -w pi -v "$V" -j 4 -n 3e8 -r 2 -c perf -o "$D"
	expect_rc "4 workers with perf counters exits 0" 0
	check "every repetition of every variant counted context switches" \
		awk -F, -v want="$want" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
			$c["event"] == "context-switches" { n++; if (!($c["value"] > 0)) exit 1 } END { exit n == want ? 0 : 1 }' "$D/counters.csv"
	# task-clock summed over the 4 workers against the repetition's user + sys time from raw.csv
	check "counters are summed over the workers: task-clock is within 0.5x-1.5x of the CPU time" \
		awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) c[FILENAME, $i] = i; next }
			FILENAME ~ /raw/ { f = FILENAME; cpu[$c[f, "variant"] "," $c[f, "rep"]] = $c[f, "user_s"] + $c[f, "sys_s"]; next }
			{ f = FILENAME }
			$c[f, "event"] == "task-clock-ns" { n++; r = $c[f, "value"] / 1e9 / cpu[$c[f, "variant"] "," $c[f, "rep"]]; if (r < 0.5 || r > 1.5) exit 1 }
			END { exit n == want ? 0 : 1 }' want="$want" "$D/raw.csv" "$D/counters.csv"

	# a fresh process per task writes its band into fresh memory: faults grow with the image
	for n in 65536 1048576; do
		run run -w image -v process -j 2 -n "$n" -r 1 -c perf -o "$TMP/pf$n"
		expect_rc "image $n pixels under process exits 0" 0
	done
	small=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["event"] == "page-faults" { print $c["value"] }' "$TMP/pf65536/counters.csv")
	big=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["event"] == "page-faults" { print $c["value"] }' "$TMP/pf1048576/counters.csv")
	# the extra pixels' output pages: 3 bytes x (1048576 - 65536) / 4096 = 720; the increase in faults
	# must follow them (a fixed cost, such as a sanitizer's shadow memory, cancels in the difference)
	check "page faults grow in proportion to the image ($small -> $big faults; 720 more output pages)" \
		awk -v s="$small" -v b="$big" 'BEGIN { d = b - s; exit !(s > 0 && d >= 0.8 * 720 && d <= 4 * 720) }'
fi

D="$TMP/ru"
run run -w pi -v threads -j 2 --quick -r 2 -c rusage -o "$D"
expect_rc "the rusage fallback runs" 0
check "counters.csv rows name the rusage backend" test "$(csv_col "$D/counters.csv" backend | sort -u)" = rusage
check "meta.json says why the backend is rusage" python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['counters']; assert c['backend']=='rusage' and c['reason']" "$D/meta.json"

D="$TMP/none"
run run -w pi -v serial --quick -r 2 -c none -o "$D"
expect_rc "-c none runs" 0
check "-c none writes only the header of counters.csv" test "$(wc -l <"$D/counters.csv")" -eq 1
no_leftovers "no zombie or segment left"
