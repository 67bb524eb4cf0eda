#!/bin/sh
# gate-realrun.sh: the regression gate on real runs (issue 10), too long for `make test` (about 20-40
# minutes on a 2-core VM); CI runs it on its own, and README and REPORT quote one sitting.
#  1. `parbench ab` of a build against itself, GATE_AB_RUNS times in a row (default 20), while a plain
#     busy loop keeps one core busy: not one may fail (exit 1).  Exit 3 (unsure) is allowed and counted.
#  2. `parbench ab` of the build against one whose pi kernel does 20% more work (build-slowpi:
#     CFLAGS=-DPB_TEST_SLOW_PI=20, workloads/pi.c): it must exit 1 and name pi cases, and no other workload.
# Both use ab's defaults (5 rounds x 3 repetitions) with --confirm 1, as the README's CI job does.
# Environment: GATE_AB_RUNS, GATE_AB_MATRIX (default perf-check's), GATE_OUT (default results/gate-realrun).
# Exit status 0 when both hold, 1 otherwise.  The log of every ab is kept in GATE_OUT.
set -u
runs=${GATE_AB_RUNS:-20}
matrix=${GATE_AB_MATRIX:--w pi,primes,sumsq -n 1e8 -v serial,threads,pool,shm -j 1,2}
out=${GATE_OUT:-results/gate-realrun}
say() { echo "gate-realrun: $*" >&2; }

make --no-print-directory build/parbench >/dev/null || exit 1
make --no-print-directory BUILD=build-slowpi CFLAGS=-DPB_TEST_SLOW_PI=20 build-slowpi/parbench >/dev/null || exit 1
rm -rf "$out" && mkdir -p "$out" || exit 1
ok=1

# 1. against itself, one core kept busy by a plain busy loop (this script's own child, stopped by its pid)
sh -c 'while :; do :; done' &
busy=$!
trap 'kill "$busy" 2>/dev/null' EXIT INT TERM
n0=0 n1=0 n3=0 other=0
i=1
while [ "$i" -le "$runs" ]; do
	# shellcheck disable=SC2086
	build/parbench ab build/parbench build/parbench $matrix --confirm 1 -q --out "$out/self-$i" >"$out/self-$i.txt" 2>"$out/self-$i.err"
	rc=$?
	case $rc in 0) n0=$((n0 + 1)) ;; 1) n1=$((n1 + 1)) ;; 3) n3=$((n3 + 1)) ;; *) other=$((other + 1)) ;; esac
	say "self $i/$runs: exit $rc (load $(cut -d' ' -f1 /proc/loadavg))"
	i=$((i + 1))
done
kill "$busy" 2>/dev/null
wait "$busy" 2>/dev/null
trap - EXIT INT TERM
echo "self against self, $runs ab runs with a busy loop on one core: $n0 pass (exit 0), $n1 fail (exit 1), $n3 unsure (exit 3), $other error"
[ "$n1" -eq 0 ] && [ "$other" -eq 0 ] || ok=0
cat "$out"/self-*/a/raw.csv 2>/dev/null | awk -F, 'NR > 1 && $1 != "run_id" { n++; d += $NF } END { if (n) printf "repetitions flagged disturbed in build A: %d of %d (%.1f%%)\n", d, n, 100 * d / n }'

# 2. against the build whose pi is 20% slower
# shellcheck disable=SC2086
build/parbench ab build/parbench build-slowpi/parbench $matrix --confirm 1 -q --out "$out/slowpi" >"$out/slowpi.txt" 2>"$out/slowpi.err"
rc=$?
named=$(grep -c '^regression confirmed: pi ' "$out/slowpi.txt")
wrong=$(grep '^regression confirmed: ' "$out/slowpi.txt" | grep -vc '^regression confirmed: pi ')
echo "against pi +20% work: exit $rc; $named pi case(s) confirmed slower, $wrong other case(s)"
grep '^regression confirmed: ' "$out/slowpi.txt"
[ "$rc" -eq 1 ] && [ "$named" -ge 1 ] && [ "$wrong" -eq 0 ] || ok=0
[ "$ok" = 1 ] && { echo "gate-realrun: both hold"; exit 0; }
echo "gate-realrun: a target is missed (the logs are in $out)"
exit 1
