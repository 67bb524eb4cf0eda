#!/bin/sh
# run.sh: runs the unit-test binaries given as arguments, then every tests/cli/*.sh script
# (or only those named in $CLI_TESTS, e.g. CLI_TESTS="run compare").  Each test runs under a
# timeout (TEST_TIMEOUT seconds, default 1800: a guard against a hang, not a performance
# bound).  Counts cases: cmocka's summaries, and the "ok", "not ok" and "skip" lines of the CLI
# scripts.  The skipped checks are listed with their reasons, and the last line is
# "N passed, N failed, N skipped"; exits non-zero if anything failed.
# Environment: PARBENCH (the binary under test), BUILD (the build directory).
passed=0
failed=0
skipped=0
timeout_s=${TEST_TIMEOUT:-1800}
log=$(mktemp)
skips=$(mktemp)
trap 'rm -f "$log" "$skips"' EXIT INT TERM

# guard CMD...: CMD under the timeout when coreutils' timeout exists; 124 means it ran out.
guard() {
	if command -v timeout >/dev/null 2>&1; then
		timeout -k 10 "$timeout_s" "$@"
	else
		"$@"
	fi
}

# sum_of WORD: the total of cmocka's "[  PASSED  ] N test(s)" (FAILED, SKIPPED) lines in $log.
sum_of() { awk -v w="$1" '$1 == "[" && $2 == w && $3 == "]" && $5 ~ /^test/ { s += $4 } END { print s + 0 }' "$log"; }

# finish NAME RC: adds the counts of $log ($p, $f, $s) and reports a crash or a timeout.
finish() {
	if [ "$2" -eq 124 ]; then
		echo "not ok - $1 ran past the ${timeout_s} s guard (TEST_TIMEOUT) and was stopped"
		f=$((f + 1))
	elif [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $1 exited with status $2"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

for t in "$@"; do
	echo "== $t"
	guard "$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(sum_of PASSED)
	f=$(sum_of FAILED)
	s=$(sum_of SKIPPED)
	# each skipped test, with the "skipped: <why>" line it printed just before
	awk -v t="$(basename "$t")" '/^\[  SKIPPED \] [A-Za-z_]/ && !/test\(s\)/ && !seen[$4]++ {
		why = prev ~ /^skipped: / ? substr(prev, 10) : "(it gave no reason)"; print t ": " $4 ": " why }
		{ prev = $0 }' "$log" >>"$skips"
	finish "$t" "$rc"
done

if [ -n "${CLI_TESTS:-}" ]; then
	scripts=""
	for n in $CLI_TESTS; do scripts="$scripts tests/cli/$n.sh"; done
else
	scripts=$(ls tests/cli/*.sh)
fi
for s in $scripts; do
	case "$s" in */lib.sh | */netns.sh) continue ;; esac # sourced by the scripts, not tests
	echo "== $s"
	guard sh "$s" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	s=$(grep -c '^skip ' "$log")
	sed -n "s|^skip - |$(basename "$s"): |p" "$log" >>"$skips"
	finish "$s" "$rc"
done

if [ -s "$skips" ]; then
	echo "== skipped, and why"
	cat "$skips"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
