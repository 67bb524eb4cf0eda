#!/bin/sh
# perf-check.sh: `make perf-check`: a quick matrix with 10 repetitions compared against results/baseline/
# by speedup over serial, so a baseline from another machine still applies.  Exit status of compare:
# 0 no regression, 1 a case slower (beyond 5% with p < 0.01), 2 bad input or no baseline.
#   sh scripts/perf-check.sh            run and compare (what `make perf-check` does)
#   sh scripts/perf-check.sh --refresh  run the same matrix into results/baseline/ instead (commit it)
# Environment: PARBENCH (default build/parbench), PERF_CHECK_BASELINE (default results/baseline),
# PERF_CHECK_OUT (default results/perf-check), PERF_CHECK_REFRESH=1 (as --refresh),
# PERF_CHECK_ARGS (extra compare options, e.g. "--format md" for a CI comment, "--threshold 10").
set -u
bin=${PARBENCH:-build/parbench}
baseline=${PERF_CHECK_BASELINE:-results/baseline}
out=${PERF_CHECK_OUT:-results/perf-check}
refresh=${PERF_CHECK_REFRESH:-0}
[ "${1:-}" = --refresh ] && refresh=1

# The matrix: the same for the baseline and every check.  Workers 1 and 2 exist on any CI runner.
# Sizes give 20-40 ms serial runs: long enough that scheduler noise does not decide a verdict.
matrix="-w pi,primes,sumsq -n 1e8 -v serial,threads,pool,shm -j 1,2 -r 10 --warmup 1 -q"

if [ ! -x "$bin" ]; then
	echo "parbench: perf-check: cannot run '$bin': build it first (make)" >&2
	exit 2
fi
if [ "$refresh" = 1 ]; then
	tmp="$baseline.new"
	rm -rf "$tmp"
	# shellcheck disable=SC2086
	"$bin" run $matrix -o "$tmp" || exit $?
	rm -rf "$baseline" && mv "$tmp" "$baseline" || exit 2
	echo "perf-check: new baseline in $baseline (raw.csv, meta.json): commit it" >&2
	exit 0
fi
if [ ! -f "$baseline/raw.csv" ]; then
	echo "parbench: perf-check: no baseline in '$baseline' (create it with: sh scripts/perf-check.sh --refresh)" >&2
	exit 2
fi
rm -rf "$out"
# shellcheck disable=SC2086
"$bin" run $matrix -o "$out" || exit $?
# shellcheck disable=SC2086
exec "$bin" compare "$baseline" "$out" --metric speedup ${PERF_CHECK_ARGS:-}
