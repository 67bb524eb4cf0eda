#!/bin/sh
# valgrind-check.sh: runs small parbench runs under valgrind (memcheck, following forked
# workers); any error or definite leak fails.  Usage: valgrind-check.sh [parbench binary]
set -u
BIN=${1:-build/parbench}
command -v valgrind >/dev/null 2>&1 || { echo "valgrind-check: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
fail=0
for w in pi primes image sumsq; do
	for v in serial threads pool process shm; do
		if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			--trace-children=yes --child-silent-after-fork=no \
			"$BIN" run -w "$w" -v "$v" -j 2 --quick -n 4096 -r 1 --warmup 0 -q -c none -o "$out/$w-$v" \
			>"$out/log" 2>&1; then
			echo "valgrind: $w $v clean"
		else
			echo "valgrind: $w $v FAILED"
			cat "$out/log"
			fail=1
		fi
	done
done
exit $fail
