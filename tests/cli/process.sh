#!/bin/sh
# process.sh: one process per task counted from the parent: perf counters inherited by every
# child (task-clock follows the children's CPU time, the parent's own work is not in it), the
# rusage backend from wait4, and the bare fork probe `parbench topo --fork-rss`.  No timing is
# judged here (scripts/limits.sh compares the two).
. "$(dirname "$0")/lib.sh"

if ! have_perf; then
	skip "process: perf counters from the parent" "perf software events are not available here"
else
	D="$TMP/perf"
	run run -w pi -n 3e8 --tasks 8 -v process -j 1,2 -r 2 -c perf -q -o "$D"
	expect_rc "pi under process with perf counters exits 0" 0
	check "process: every repetition counted task-clock, context switches and page faults" \
		awk -F, '$13 ~ /^(task-clock-ns|context-switches|page-faults)$/ { n++; if (!($14 > 0)) exit 1 } END { exit n == 12 ? 0 : 1 }' "$D/counters.csv"
	# the children's task-clock against the repetition's CPU time (children and the parent, which only forks)
	check "process: task-clock is the children's CPU time (0.8x-1.2x of user + sys)" \
		awk -F, 'FNR == 1 { next } FILENAME ~ /raw/ { cpu[$6 "," $11] = $14 + $15; next }
			$13 == "task-clock-ns" { n++; r = $14 / 1e9 / cpu[$6 "," $11]; if (r < 0.8 || r > 1.2) exit 1 }
			END { exit n == 4 ? 0 : 1 }' "$D/raw.csv" "$D/counters.csv"
fi

D="$TMP/rusage"
run run -w image --quick -v process -j 2 -r 2 -c rusage -q -o "$D"
expect_rc "image under process with rusage counters exits 0" 0
check "process: rusage counts every child's page faults (from wait4)" \
	awk -F, '$13 == "page-faults" { n++; if (!($14 > 0)) exit 1 } END { exit n == 2 ? 0 : 1 }' "$D/counters.csv"
check "process with counters: every row verified" results_agree "$D"

run topo --fork-rss 0,8192
expect_rc "topo --fork-rss exits 0" 0
check "topo --fork-rss prints one fork line per size" test "$(grep -Ec '^  fork +[0-9.]+ us per fork\+_exit\+waitpid at [0-9]+ KiB resident' "$OUT")" -eq 2
check "the second fork probe ran at least 8192 KiB resident" \
	awk '/^  fork/ { n++; if (n == 2 && $7 >= 8192) ok = 1 } END { exit !ok }' "$OUT"
run topo --fork-rss 0 --like-run
expect_rc "topo --fork-rss --like-run exits 0" 0
expect_grep "topo --fork-rss --like-run prints the fork line" '^  fork +[0-9.]+ us per fork' "$OUT"
expect_usage_error "topo --fork-rss rejects a bad size" "topo: bad resident size 'x'" topo --fork-rss x
no_leftovers "process: no zombie, no segment"
