#!/bin/sh
# plugins.sh: the user's own kernel.  `make install` into a temporary DESTDIR; the examples built
# against the installed header with pkg-config; run under every variant at 1, 2 and 4 workers,
# schedules and task counts, compared and reported on; then deliberately broken plugins
# (tests/plugins/bad.c), each one line on stderr, the right exit status, nothing left behind.
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$LIBDIR/../.." && pwd)
CC=${CC:-cc}
ROOT="$TMP/root"
PREFIX=/usr/local
P="$TMP/plugins"
mkdir -p "$P"

# errors: the lines of $ERR that are not warnings.
errors() { grep -v '^parbench: warning: ' "$ERR"; }

# one_error DESC REGEX: exactly one non-warning line on stderr, and it matches REGEX.
one_error() {
	n=$(errors | wc -l)
	if [ "$n" -ne 1 ]; then
		fail "$1" "expected one error line, got $n"
	elif ! errors | grep -Eq -- "$2"; then
		fail "$1" "the error line does not match /$2/"
	else
		ok "$1"
	fi
}

# ---- make install into a temporary DESTDIR ----
# The binary under test is the one installed; nothing is rebuilt (MAKEFLAGS of an outer make,
# its -j and its variables, are not wanted here).
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$REPO" install INSTALL_BIN="$PARBENCH" \
	PREFIX=$PREFIX DESTDIR="$ROOT" >"$TMP/install.log" 2>&1; then
	ok "make install PREFIX=$PREFIX DESTDIR=... succeeds"
else
	fail "make install PREFIX=$PREFIX DESTDIR=... succeeds" "$(tail -n 5 "$TMP/install.log")"
fi
for f in bin/parbench include/parbench/workload.h share/pkgconfig/parbench.pc share/parbench/time.gp; do
	check "installs $f" test -f "$ROOT$PREFIX/$f"
done
check "the installed binary is executable" test -x "$ROOT$PREFIX/bin/parbench"
check "the installed header is the one the built-ins compile against" cmp -s "$REPO/include/parbench/workload.h" \
	"$ROOT$PREFIX/include/parbench/workload.h"
if [ -f "$REPO/doc/parbench.1" ]; then
	check "installs the man page" test -f "$ROOT$PREFIX/share/man/man1/parbench.1"
else
	check "no man page in the tree, none installed" test ! -e "$ROOT$PREFIX/share/man/man1/parbench.1"
fi
if [ -f "$REPO/scripts/parbench-completion.bash" ]; then
	check "installs the bash completion" test -f "$ROOT$PREFIX/share/bash-completion/completions/parbench"
else
	check "no completion in the tree, none installed" test ! -e "$ROOT$PREFIX/share/bash-completion/completions/parbench"
fi

# ---- pkg-config finds the installed tree (the .pc says prefix=/usr/local: the sysroot maps it into DESTDIR) ----
PKG_CONFIG_PATH="$ROOT$PREFIX/share/pkgconfig"
PKG_CONFIG_SYSROOT_DIR="$ROOT"
PKG_CONFIG_LIBDIR="$PKG_CONFIG_PATH" # nothing of the machine's own .pc files
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
CFLAGS_PB=$(pkg-config --cflags parbench 2>"$TMP/pc.err" | sed 's/ *$//')
check "pkg-config --cflags parbench names the installed include directory" \
	test "$CFLAGS_PB" = "-I$ROOT$PREFIX/include"
check "parbench.pc records the plugin ABI" test "$(pkg-config --variable plugin_abi parbench)" = \
	"$(sed -n 's/^#define PB_WORKLOAD_ABI \([0-9]*\).*/\1/p' "$REPO/include/parbench/workload.h")"

# build NAME SRC [CFLAGS...]: cc -shared -fPIC $(pkg-config --cflags parbench) SRC -o $P/libNAME.so, as the README says.
build() {
	name=$1 src=$2
	shift 2
	# shellcheck disable=SC2086
	$CC -O2 -shared -fPIC $CFLAGS_PB "$@" "$src" -o "$P/lib$name.so" 2>"$TMP/cc-$name.err"
}
for ex in collatz histogram; do
	if build $ex "$REPO/examples/$ex.c" -Wall -Wextra -Werror; then
		ok "examples/$ex.c builds warning-free against the installed header"
	else
		fail "examples/$ex.c builds warning-free against the installed header" "$(head -c 600 "$TMP/cc-$ex.err")"
	fi
done
if command -v g++ >/dev/null 2>&1; then
	printf '#include <parbench/workload.h>\nint main() { return PB_WORKLOAD_ABI - 1; }\n' >"$TMP/cxx.cc"
	# shellcheck disable=SC2086
	check "the header compiles as C++ too" g++ -fsyntax-only -Wall $CFLAGS_PB "$TMP/cxx.cc"
else
	skip "the header compiles as C++ too" "no g++ on this machine"
fi

if [ ! -f "$P/libcollatz.so" ] || [ ! -f "$P/libhistogram.so" ]; then
	fail "the examples are built" "no plugin to run; the rest of this script is moot"
	exit 0
fi
COLLATZ="$P/libcollatz.so"
HIST="$P/libhistogram.so"

# ---- list -w ----
run list -w "$COLLATZ,$HIST"
expect_rc "list -w PLUGIN,PLUGIN exits 0" 0
expect_grep "list shows the plugin's parameters with defaults" '^ +-p start=1 ' "$OUT"
expect_grep "list shows the harness's check parameter" '^ +-p check= +\(spans\)' "$OUT"
expect_grep "list says collatz is checked by its own verify" 'plugin: .*libcollatz.so \(sha256 [0-9a-f]{64}, ABI 1\); check: reference' "$OUT"
expect_grep "list says histogram is checked for consistency" 'libhistogram.so .*check: consistency' "$OUT"
expect_no_grep "list -w shows only what was asked" '^  pi ' "$OUT"

# ---- every variant, 1, 2 and 4 workers ----
V=$(only_variants serial,threads,pool,process,shm,openmp)
# mpi (not in -v all: an MPI job per case) loads the plugin on every rank from the path and SHA-256 parbench gives it
VM=$(only_variants serial,threads,pool,process,shm,openmp,mpi)
D1="$TMP/all"
run run -w "$COLLATZ,$HIST" -v "$VM" -j 1,2,4 --quick -r 3 -c none -q -o "$D1"
expect_rc "both examples under $VM at 1, 2, 4 workers exit 0" 0
check "every row verified, one result per workload" results_agree "$D1"
# covers DIR: every workload, variant and worker count of the matrix has its rows; the check column says which check.
covers() {
	python3 - "$1/raw.csv" "$VM" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
variants = sys.argv[2].split(',')
want = {(w, v, j) for w in ('collatz', 'histogram') for v in variants for j in ('1', '2', '4') if v != 'serial' or j == '1'}
got = {(r['workload'], r['variant'], r['workers']) for r in rows}
assert want <= got, 'missing: %s' % sorted(want - got)
checks = {(r['workload'], r['check']) for r in rows}
assert checks == {('collatz', 'reference'), ('histogram', 'consistency')}, checks
EOF
}
check "rows for every variant and worker count, named by the plugin's own name, with their check" covers "$D1"
# meta_plugins DIR FILE...: meta.json records each file's path, real path and SHA-256 (as sha256sum has it).
meta_plugins() {
	d=$1
	shift
	for f in "$@"; do
		python3 - "$d/meta.json" "$f" "$(sha256sum "$f" | cut -d' ' -f1)" <<'EOF' || return 1
import json, os, sys
m = json.load(open(sys.argv[1]))
p = [e for e in m['plugins'] if e['realpath'] == os.path.realpath(sys.argv[2])]
assert len(p) == 1 and p[0]['sha256'] == sys.argv[3] and p[0]['path'] == sys.argv[2] and p[0]['abi'] == 1, m['plugins']
EOF
	done
}
check "meta.json records each plugin's path and SHA-256" meta_plugins "$D1" "$COLLATZ" "$HIST"

# schedules, task counts and chunks: the data kernel's total and output bytes stay the serial reference's
D2="$TMP/sched"
run run -w "$HIST" -v "$V" -j 2 --tasks 7,128 -s static,cyclic,dynamic,guided --chunk 1,5 --quick -r 1 --warmup 0 -q -o "$D2"
expect_rc "histogram under every schedule, task count and chunk exits 0" 0
check "... every row verified by consistency, one result" results_agree "$D2"

# a name without a slash that ends in .so is a file in the current directory, never a library path search
(cd "$P" && "$PARBENCH" run -w libcollatz.so -v serial --quick -r 1 -q -o "$TMP/nodir" >/dev/null 2>"$ERR")
RC=$?
expect_rc "-w libcollatz.so (no slash) loads ./libcollatz.so" 0

# check=spans: a correct data kernel passes on its guarded copies, under every variant
D3="$TMP/spans"
run run -w "$HIST" -p check=spans -v "$VM" -j 2 --quick -r 1 -c none -q -o "$D3"
expect_rc "-p check=spans: a correct kernel passes under every variant" 0
check "... rows say check=spans in params" test "$(csv_col "$D3/raw.csv" params | sort -u)" = "block=64;check=spans"

# compare two runs of it, and report on one with the installed binary (its gnuplot scripts in ../share/parbench)
D4="$TMP/again"
run run -w "$COLLATZ,$HIST" -v "$VM" -j 1,2,4 --quick -r 3 -c none -q -o "$D4"
expect_rc "a second run exits 0" 0
run compare "$D1" "$D4"
expect_rc "compare two runs of the plugins: no regression found with 3 repetitions (unsure at most)" 0
expect_grep "compare lists the plugin's cases" 'collatz' "$OUT"
PARBENCH_SAVED=$PARBENCH
PARBENCH="$ROOT$PREFIX/bin/parbench"
run report "$D1"
expect_rc "the installed parbench reports on the run" 0
PARBENCH=$PARBENCH_SAVED
check "report.md covers both plugins" sh -c "grep -q collatz '$D1/report.md' && grep -q histogram '$D1/report.md'"
if command -v gnuplot >/dev/null 2>&1; then
	check "the installed parbench found its gnuplot scripts and plotted" sh -c "ls '$D1/plots/'collatz*.png >/dev/null 2>&1"
else
	skip "the installed parbench found its gnuplot scripts and plotted" "no gnuplot on this machine"
fi

# --append takes a rebuilt plugin of the same name only if it is the same file
cp "$COLLATZ" "$P/libcollatz2.so"
run run -w "$P/libcollatz2.so" -v threads -j 3 --quick -r 1 -q -o "$D1" --append
expect_rc "--append with the same kernel from another path exits 0" 0
build collatz3 "$REPO/examples/collatz.c" -O1 -DREBUILT=1
run run -w "$P/libcollatz3.so" -v threads -j 5 --quick -r 1 -q -o "$D1" --append
expect_rc "--append refuses a plugin of the same name with another SHA-256" 2
one_error "... in one line" "cannot append to .*plugin 'collatz' with SHA-256 [0-9a-f]{64}; .*libcollatz3.so' is [0-9a-f]{64}"

# ---- broken plugins ----
for k in nosym abi nokernel nodefault segv cut tasklen stray hang private undef; do
	K=$(echo $k | tr a-z A-Z)
	if ! build bad_$k "$REPO/tests/plugins/bad.c" -DBAD_$K; then
		fail "tests/plugins/bad.c -DBAD_$K builds" "$(head -c 600 "$TMP/cc-bad_$k.err")"
	fi
done
printf 'this is not a shared object\n' >"$P/libjunk.so"

# load-time defects: bad input, exit 2, one line naming the file, no results directory
bad_load() {
	k=$1 re=$2
	expect_usage_error "$k: $re" "$P/lib$k.so: $re" run -w "$P/lib$k.so" -v serial -q -o "$TMP/out-$k"
	check "$k: no results directory is created" test ! -e "$TMP/out-$k"
}
bad_load bad_nosym "not a parbench plugin: it exports no symbol 'pb_plugin'"
bad_load bad_abi "it was built against workload ABI 99, this parbench loads ABI 1"
bad_load bad_nokernel "workload 'bad' has no kernel"
bad_load bad_nodefault "workload 'bad': parameter 'at' has no default"
bad_load bad_undef "cannot load plugin: undefined symbol: pb_test_no_such_symbol"
bad_load junk "cannot load plugin: not a shared object"
expect_usage_error "a file that does not exist" "$P/libnone.so: cannot load plugin: No such file or directory" \
	run -w "$P/libnone.so" -q -o "$TMP/out-none"
expect_usage_error "list -w with a bad plugin: the same line" "bad_abi.so: it was built against workload ABI 99" list -w "$P/libbad_abi.so"
expect_usage_error "a buffer from malloc is refused before anything is written" \
	"bad: its output buffer is not shared memory: allocate it with pb_buf_alloc" run -w "$P/libbad_private.so" -q -o "$TMP/out-private"
check "... and no results directory is created" test ! -e "$TMP/out-private"

# run-time defects, under every variant: a failed run (exit 1), one line, the user's bug named
for v in $(echo "$V" | tr , ' '); do
	run run -w "$P/libbad_segv.so" -v $v -j 2 -r 1 --warmup 0 -q -o "$TMP/segv-$v"
	expect_rc "$v: a kernel that segfaults on one task exits 1" 1
	one_error "$v: ... one line naming the plugin and the task" \
		"plugin 'bad' \\($P/libbad_segv.so\\): its kernel crashed on task 5 \\(items \\[500, 600\\)\\): SIGSEGV \\(signal 11\\) at address 0x0\$"
	check "$v: ... meta.json says the run failed" python3 -c "import json,sys; assert json.load(open(sys.argv[1]))['status'] == 'failed'" "$TMP/segv-$v/meta.json"

	run run -w "$P/libbad_cut.so" -v $v -j 2 -r 1 --warmup 0 -q -o "$TMP/cut-$v"
	expect_rc "$v: a total that depends on the decomposition fails the run" 1
	one_error "$v: ... one line: the consistency check says so" \
		"a measured result failed verification: consistency: the kernel's total depends on how the items are cut"
	check "$v: ... its row is recorded unverified, check=consistency" \
		test "$(csv_col "$TMP/cut-$v/raw.csv" verified),$(csv_col "$TMP/cut-$v/raw.csv" check)" = "0,consistency"

	run run -w "$P/libbad_tasklen.so" -v $v -j 2 -r 1 --warmup 0 -q -o "$TMP/tasklen-$v"
	expect_rc "$v: a total wrong only for the run's own cut fails the run" 1
	one_error "$v: ... one line: it differs from the serial reference" "consistency: the total .* differs from the serial reference"

	run run -w "$P/libbad_stray.so" -p check=spans -v $v -j 2 -r 1 --warmup 0 -q -o "$TMP/stray-$v"
	expect_rc "$v: check=spans: a write past the output span fails the run" 1
	one_error "$v: ... one line with the offset, the span and the task" \
		"plugin 'bad' \\(.*libbad_stray.so\\): its kernel wrote output byte [0-9]+, outside its output span \\[[0-9]+, [0-9]+\\) on task [0-9] .*\\(found by check=spans\\)\$"
done
for v in $(only_variants threads,pool | tr , ' '); do
	run run -w "$P/libbad_hang.so" -v $v -j 2 -r 1 --warmup 0 --timeout 1 -q -o "$TMP/hang-$v"
	expect_rc "$v: --timeout stops a kernel that hangs" 1
	one_error "$v: ... one line" "bad at=500 $v j=2 .*: timed out after 1 s\$"
done
# ---- ab: a plugin's case is run again from its file by --confirm ----
# NEW is the same parbench with the plugin's path swapped for a build of the same kernel at -O0:
# the same workload name and case keys, slower.  --confirm must re-run the case with -w FILE (the
# name alone is no workload), and the slowdown holds.
if build collatzslow "$REPO/examples/collatz.c" -O0 -fno-inline; then
	cat >"$TMP/slow-plugin-build" <<EOS
#!/bin/sh
for a; do
	shift
	case \$a in *libcollatz.so) a=\${a%libcollatz.so}libcollatzslow.so ;; esac
	set -- "\$@" "\$a"
done
exec "$PARBENCH" "\$@"
EOS
	chmod +x "$TMP/slow-plugin-build"
	run ab "$PARBENCH" "$TMP/slow-plugin-build" -w "$COLLATZ" -v serial --quick -c none --confirm 1 -q --out "$TMP/ab-plugin"
	# 1 (confirmed), or 3 on a machine so loaded that the case stays noisy; never 2, the failed re-run
	check "ab: a plugin's kernel made slower: a regression (or unsure on a loaded machine), exit 1 or 3" \
		test "$RC" -eq 1 -o "$RC" -eq 3
	expect_grep "ab --confirm re-ran the plugin's case" "confirm 1/1 round 5/5, build B" "$ERR"
	expect_grep "ab --confirm names the plugin's case" "^(regression confirmed|still unsure): collatz " "$OUT"
	expect_no_grep "ab --confirm does not ask for the plugin by name" "unknown workload" "$ERR"
	expect_grep "compare warns that the plugin is another file in NEW" \
		"^parbench: warning: ab: plugin 'collatz' \(sha256 [0-9a-f]{12}\.\.\. -> [0-9a-f]{12}\.\.\.\) is another file in NEW" "$ERR"
	check "the re-run's rows are the plugin's" test "$(csv_col "$TMP/ab-plugin/confirm-1/b/raw.csv" workload | sort -u)" = collatz
	expect_usage_error "ab: a bad plugin file is refused before any round" "ab: $P/nothere.so: " \
		ab "$PARBENCH" "$PARBENCH" -w "$P/nothere.so" --out "$TMP/ab-bad"
else
	fail "collatz builds at -O0" "$(head -c 600 "$TMP/cc-collatzslow.err")"
fi

no_leftovers "no process, zombie or segment is left by any plugin run"
