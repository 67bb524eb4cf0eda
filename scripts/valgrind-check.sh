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
# the example plugins (make examples) beside the binary: dlopen'ed code under every variant, and check=spans
for so in "$(dirname "$BIN")"/examples/lib*.so; do
	[ -f "$so" ] || continue
	for v in serial threads pool process shm; do
		for p in "" "-p check=spans"; do
			# shellcheck disable=SC2086
			if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
				--trace-children=yes --child-silent-after-fork=no \
				"$BIN" run -w "$so" $p -v "$v" -j 2 -n 262144 --tasks 4 -r 1 --warmup 0 -q -c none \
				-o "$out/$(basename "$so")-$v${p:+-spans}" >"$out/log" 2>&1; then
				echo "valgrind: $(basename "$so") $v${p:+ $p} clean"
			else
				echo "valgrind: $(basename "$so") $v${p:+ $p} FAILED"
				cat "$out/log"
				fail=1
			fi
		done
	done
done
exit $fail
