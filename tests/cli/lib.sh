# lib.sh: helpers for command-line tests (sourced).  Each check prints "ok - ...",
# "not ok - ..." with what was expected and what came, or "skip - ...: <why>"; run.sh counts them.
# PARBENCH is the binary under test.
: "${PARBENCH:?PARBENCH must name the parbench binary}"
TMP=$(mktemp -d /tmp/parbench-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
OUT="$TMP/stdout"
ERR="$TMP/stderr"
LIBDIR=$(cd "$(dirname "$0")" && pwd)
# Every process this script starts carries this tag in its environment, so the leftover check
# looks at this script's own processes only, never at another copy of the suite running beside it.
PARBENCH_TEST_TAG="pbtest-$$-$(basename "$TMP")"
export PARBENCH_TEST_TAG
PIDS="$TMP/pids" # the pid of every parbench run() started, for the segment check
: >"$PIDS"

# run ARGS...: runs parbench, keeping stdout, stderr and the status in $OUT, $ERR, $RC.
run() {
	"$PARBENCH" "$@" >"$OUT" 2>"$ERR" &
	PB_PID=$!
	echo "$PB_PID" >>"$PIDS"
	wait "$PB_PID"
	RC=$?
}

ok() { echo "ok - $1"; }
# skip DESC WHY: a check that cannot run here, and why (counted apart from passes and failures).
skip() { echo "skip - $1: $2"; }
fail() {
	echo "not ok - $1"
	shift
	for l in "$@"; do echo "#   $l"; done
	echo "#   stderr: $(head -c 400 "$ERR" 2>/dev/null)"
}

# expect_rc DESC CODE: the last run exited with CODE.
expect_rc() {
	if [ "$RC" -eq "$2" ]; then ok "$1"; else fail "$1" "expected exit $2, got $RC"; fi
}

# expect_usage_error DESC REGEX ARGS...: exit 2, exactly one stderr line "parbench: ..." matching REGEX, no stdout.
expect_usage_error() {
	desc=$1 re=$2
	shift 2
	run "$@"
	lines=$(wc -l <"$ERR")
	if [ "$RC" -ne 2 ]; then
		fail "$desc" "args: $*" "expected exit 2, got $RC"
	elif [ "$lines" -ne 1 ]; then
		fail "$desc" "args: $*" "expected one stderr line, got $lines"
	elif ! grep -Eq "^parbench: .*$re" "$ERR"; then
		fail "$desc" "args: $*" "stderr does not match /$re/"
	else
		ok "$desc"
	fi
}

# expect_grep DESC REGEX FILE: FILE has a line matching REGEX.
expect_grep() {
	if grep -Eq -- "$2" "$3"; then ok "$1"; else fail "$1" "no line matching /$2/ in $3" "$(head -c 600 "$3")"; fi
}

expect_no_grep() {
	if grep -Eq -- "$2" "$3"; then fail "$1" "unexpected line matching /$2/ in $3"; else ok "$1"; fi
}

# check DESC COMMAND...: the shell command succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc" "command failed: $*"; fi
}

# csv_col FILE NAME: prints column NAME of every data row of a simple CSV (no quoted commas in earlier columns).
csv_col() {
	awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next } c { print $c }' "$1"
}

# no_leftovers DESC: nothing this script started survives: no process carrying its tag, no
# zombie of one, and no segment, queue, FIFO or socket named by the pid of a parbench it ran
# (run()'s pids, and the pid in every run id under $TMP).  See leftovers.py.
no_leftovers() {
	for m in $(find "$TMP" -name meta.json 2>/dev/null); do
		sed -n 's/.*"run_id": *"[0-9-]*-\([0-9][0-9]*\)".*/\1/p' "$m"
	done >>"$PIDS"
	if left=$(python3 "$LIBDIR/leftovers.py" "$PARBENCH_TEST_TAG" "$PIDS"); then ok "$1"; else
		fail "$1" "left behind: $left"; fi
}

# ---- what the build under test has; each is asked once per script and kept in $TMP ----
# A check that needs something the build or machine lacks calls skip with the reason instead.
PB_VERSION="$TMP/pb-version"
PB_LIST="$TMP/pb-list"
PB_TOPO="$TMP/pb-topo"
pb_ask() {
	[ -s "$1" ] || "$PARBENCH" "$2" >"$1" 2>/dev/null
}

# have_feature NAME: `parbench --version` says the build has NAME (hwloc, papi, openmp).
have_feature() {
	pb_ask "$PB_VERSION" --version
	grep -Eq "[( ]$1=yes[ ;)]" "$PB_VERSION"
}

# have_variant V: `parbench list` shows variant V available.
have_variant() {
	pb_ask "$PB_LIST" list
	grep -Eq "^  $1 +available" "$PB_LIST"
}

# only_variants LIST: the variants of the comma-separated LIST that this build has, comma-separated.
only_variants() {
	l=""
	for v in $(echo "$1" | tr , ' '); do
		if have_variant "$v"; then l="$l${l:+,}$v"; fi
	done
	echo "$l"
}

# allowed_cpus: how many CPUs this process may run on (its affinity: 1 under taskset -c 0).
allowed_cpus() {
	nproc 2>/dev/null || echo 1
}

# can_bind [POLICY]: `parbench topo`'s binding section says --bind POLICY (default core) works here.
can_bind() {
	pb_ask "$PB_TOPO" topo
	grep -Eq "^  ${1:-core} +yes$" "$PB_TOPO"
}

# have_perf: `parbench topo` says Linux perf software events are available here.
have_perf() {
	pb_ask "$PB_TOPO" topo
	grep -Eq '^  perf +available' "$PB_TOPO"
}

# results_agree DIR: DIR/raw.csv has rows, every row is verified, and every variant, worker count,
# schedule and chunk gave one result per workload, size and parameters (the serial result).
results_agree() {
	python3 - "$1/raw.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows, 'no rows'
bad = [r for r in rows if r['verified'] != '1']
assert not bad, 'unverified rows: %d' % len(bad)
results = {}
for r in rows:
	results.setdefault((r['workload'], r['size'], r['params']), set()).add(r['result'])
for k, v in results.items():
	assert len(v) == 1, '%s: results differ: %s' % (k, v)
EOF
}
