#!/bin/sh
# perf-check.sh: `make perf-check`: a quick matrix compared against the committed results/baseline/ by
# speedup over serial, with the cases found slower re-run before the check fails (README, Regression
# checks for CI).  stdout is the comparison alone; the runs' tables and warnings go to logs.
# Exit status: 0 no regression; 1 a regression confirmed by the re-run (or a failed verification);
# 3 unsure (a case looked slower but was disturbed or noisy, or the machine differs from the
# baseline's: refresh the baseline on this kind of machine); 2 bad input, no baseline, a failed run.
#   sh scripts/perf-check.sh            run, compare, confirm (what `make perf-check` does)
#   sh scripts/perf-check.sh --refresh  run the same matrix into results/baseline/ instead (commit it)
# Environment: PARBENCH (default build/parbench), PERF_CHECK_BASELINE (default results/baseline),
# PERF_CHECK_OUT (default results/perf-check), PERF_CHECK_REFRESH=1 (as --refresh),
# PERF_CHECK_CONFIRM (re-runs of the slower cases, default 1; 0 trusts the first comparison),
# PERF_CHECK_ARGS (extra compare options, e.g. "--format md" for a CI comment, "--threshold 10"),
# PERF_CHECK_MATRIX, PERF_CHECK_REPS (the run options and repetitions; see below).
set -u
bin=${PARBENCH:-build/parbench}
baseline=${PERF_CHECK_BASELINE:-results/baseline}
out=${PERF_CHECK_OUT:-results/perf-check}
refresh=${PERF_CHECK_REFRESH:-0}
confirm=${PERF_CHECK_CONFIRM:-1}
args=${PERF_CHECK_ARGS:-}
[ "${1:-}" = --refresh ] && refresh=1

# The matrix: the same for the baseline and every check.  Workers 1 and 2 exist on any CI runner.
# Sizes give 15-40 ms serial runs: long enough that scheduler noise does not decide a verdict.
# 20 repetitions: a speedup sample carries the noise of two runs, and the 18 cases are one family,
# so 10 would catch a 15% slowdown at 5% noise in only about half the trials (tests/test_gate.c).
# PERF_CHECK_MATRIX and PERF_CHECK_REPS replace them (the tests use a smaller matrix; a baseline is
# only comparable with checks of the same matrix).
reps="-r ${PERF_CHECK_REPS:-20} --warmup 1 -q"
matrix="${PERF_CHECK_MATRIX:--w pi,primes,sumsq -n 1e8 -v serial,threads,pool,shm -j 1,2} $reps"

say() { echo "perf-check: $*" >&2; }

# run_into DIR LOG OPTIONS...: parbench run into DIR, its table and warnings into LOG.
run_into() {
	dir=$1 log=$2
	shift 2
	rm -rf "$dir" && mkdir -p "$dir" || exit 2
	# shellcheck disable=SC2086
	if ! "$bin" run "$@" -o "$dir" >"$log" 2>&1; then
		tail -n 5 "$log" >&2
		say "the run failed; its output is in $log"
		exit 2
	fi
}

if [ ! -x "$bin" ]; then
	echo "parbench: perf-check: cannot run '$bin': build it first (make)" >&2
	exit 2
fi
if [ "$refresh" = 1 ]; then
	tmp="$baseline.new"
	# shellcheck disable=SC2086
	run_into "$tmp" "$tmp.log" $matrix
	rm -f "$tmp.log"
	rm -rf "$baseline" && mv "$tmp" "$baseline" || exit 2
	say "new baseline in $baseline (raw.csv, meta.json): commit it"
	exit 0
fi
if [ ! -f "$baseline/raw.csv" ]; then
	echo "parbench: perf-check: no baseline in '$baseline' (create it with: sh scripts/perf-check.sh --refresh)" >&2
	exit 2
fi

# shellcheck disable=SC2086
run_into "$out" "$out.log" $matrix
say "run log in $out.log"
# shellcheck disable=SC2086
"$bin" compare "$baseline" "$out" --metric speedup $args
status=$?
[ "$status" -eq 1 ] || [ "$status" -eq 3 ] || exit "$status"
[ "$confirm" -gt 0 ] 2>/dev/null || exit "$status"

# The cases to confirm, from the CSV: slower ($20), or looking slower but withheld ($23).
# A failed verification fails at once: re-running cannot make a wrong result right.
# shellcheck disable=SC2086
"$bin" compare "$baseline" "$out" --metric speedup $args --format csv >"$out/compare.csv" 2>/dev/null
if awk -F, 'NR > 1 && $20 == "unverified" { bad = 1 } END { exit !bad }' "$out/compare.csv"; then
	exit 1
fi
awk -F, 'NR > 1 && ($20 == "slower" || $23 == 1) { print $1 "," $2 "," $3 "," $4 "," $5 }' "$out/compare.csv" >"$out/candidates"
if [ ! -s "$out/candidates" ]; then
	exit "$status" # unsure without a slower-looking case: the machine changed; a re-run cannot help
fi

# confirm_once K: re-run the candidates' workloads (serial, for the speedup reference, and the
# candidates' variants and worker counts) into $out/confirm-K and compare them with the baseline.
confirm_once() {
	dir="$out/confirm-$1"
	first=1
	for wl in $(cut -d, -f1 "$out/candidates" | sort -u); do
		n=$(awk -F, -v w="$wl" '$1 == w { print $2; exit }' "$out/candidates")
		p=$(awk -F, -v w="$wl" '$1 == w { print $3; exit }' "$out/candidates" | tr ';' ' ')
		v=$(awk -F, -v w="$wl" '$1 == w { print $4 }' "$out/candidates" | sort -u | tr '\n' ',' | sed 's/,$//')
		j=$(awk -F, -v w="$wl" '$1 == w { print $5 }' "$out/candidates" | sort -un | tr '\n' ',' | sed 's/,$//')
		popts=""
		for kv in $p; do popts="$popts -p $kv"; done
		if [ "$first" = 1 ]; then
			# shellcheck disable=SC2086
			run_into "$dir" "$dir.log" -w "$wl" -n "$n" $popts -v "serial,$v" -j "$j" $reps
			first=0
		else
			# shellcheck disable=SC2086
			"$bin" run -w "$wl" -n "$n" $popts -v "serial,$v" -j "$j" $reps -o "$dir" --append >>"$dir.log" 2>&1 ||
				{ say "the confirmation run failed; its output is in $dir.log"; exit 2; }
		fi
	done
	echo
	echo "# perf-check: confirmation $1 of $confirm: the $(wc -l <"$out/candidates") slower case(s) run again"
	# shellcheck disable=SC2086
	"$bin" compare "$baseline" "$dir" --metric speedup $args
	# shellcheck disable=SC2086
	"$bin" compare "$baseline" "$dir" --metric speedup --format csv >"$dir/compare.csv" 2>/dev/null
	# keep the candidates that are slower again; note those withheld again
	awk -F, 'NR == FNR { want[$1 "," $2 "," $3 "," $4 "," $5] = 1; next }
		FNR > 1 && ($1 "," $2 "," $3 "," $4 "," $5) in want && $20 == "slower" { print $1 "," $2 "," $3 "," $4 "," $5 }' \
		"$out/candidates" "$dir/compare.csv" >"$out/candidates.next"
	awk -F, 'NR == FNR { want[$1 "," $2 "," $3 "," $4 "," $5] = 1; next }
		FNR > 1 && ($1 "," $2 "," $3 "," $4 "," $5) in want && $23 == 1 { n++ }
		END { print n + 0 }' "$out/candidates" "$dir/compare.csv" >>"$out/withheld"
	mv "$out/candidates.next" "$out/candidates"
}

: >"$out/withheld"
k=1
while [ "$k" -le "$confirm" ] && [ -s "$out/candidates" ]; do
	confirm_once "$k"
	k=$((k + 1))
done
echo
if [ -s "$out/candidates" ]; then
	sed 's/^/regression confirmed: /' "$out/candidates"
	echo "# perf-check: regression confirmed by $confirm re-run(s) (exit 1)"
	exit 1
fi
if [ "$(awk '{ s += $1 } END { print s + 0 }' "$out/withheld")" -gt 0 ]; then
	echo "# perf-check: unsure (exit 3): a re-run was disturbed or noisy again; run perf-check again"
	exit 3
fi
echo "# perf-check: the slower case(s) did not hold in the re-run: not a regression (exit 0)"
exit 0
