#!/bin/sh
# gate-sim.sh: recompute the regression gate's false-failure rates and power (tests/test_gate.c's seeded
# simulation through compare's entry point, cross-checked against the binary) and write them into
# README.md between the gate-sim markers.  Run it after a change to the verdict procedure, then
# commit README.md: `make test` fails while README quotes other figures than the code gives.
#   sh scripts/gate-sim.sh [BUILD]     (default build; the test binary is BUILD/tests/test_gate)
set -eu
build=${1:-build}
make --no-print-directory BUILD="$build" "$build/parbench" "$build/tests/test_gate" >/dev/null
block=$(mktemp)
trap 'rm -f "$block" README.md.new' EXIT
PARBENCH=$(pwd)/$build/parbench GATE_SIM_PRINT=$block "$build/tests/test_gate" >/dev/null 2>&1 || true
[ -s "$block" ] || { echo "gate-sim: the simulation wrote nothing" >&2; exit 1; }
awk -v block="$block" '
	/<!-- gate-sim: begin/ { while ((getline l < block) > 0) print l; skip = 1; next }
	/<!-- gate-sim: end -->/ { skip = 0; next }
	!skip { print }' README.md >README.md.new
grep -q '<!-- gate-sim: begin' README.md.new || { echo "gate-sim: README.md has no gate-sim markers" >&2; exit 1; }
mv README.md.new README.md
echo "gate-sim: README.md updated:" >&2
cat "$block"
