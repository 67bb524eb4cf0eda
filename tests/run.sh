#!/bin/sh
# run.sh: runs the unit-test binaries given as arguments, then every tests/cli/*.sh script.
# Counts cases (cmocka's summaries, and "ok"/"not ok" lines of CLI scripts); the last line is
# "N passed, N failed"; exits non-zero if anything failed.
# Environment: PARBENCH (the binary under test), BUILD (the build directory).
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT INT TERM

count_cmocka() {
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
}

for t in "$@"; do
	echo "== $t"
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	count_cmocka
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or exited non-zero without a cmocka summary
		echo "not ok - $t exited with status $rc"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done

for s in tests/cli/*.sh; do
	case "$s" in */lib.sh) continue ;; esac
	echo "== $s"
	sh "$s" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $s exited with status $rc"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
