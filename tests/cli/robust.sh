#!/bin/sh
# robust.sh: results that hold whatever happens: a full disk, closed or full stdout, hundreds of
# workers, over-long lists, FIFOs as input, kills and signals, files parbench must not destroy,
# unverified runs at the gate, non-programs given to ab, malformed numbers, long messages,
# duplicates, and counters.csv joined to its case.  Numbers refer to issue 9's defect list.
. "$(dirname "$0")/lib.sh"

# csv_ok FILE: every row of FILE has the header's field count and the file ends in a newline.
csv_ok() {
	python3 - "$1" <<'EOF'
import csv, sys
data = open(sys.argv[1], newline='').read()
assert data.endswith('\n'), 'no final newline'
rows = list(csv.reader(data.splitlines(True)))
assert rows, 'empty'
bad = [i for i, r in enumerate(rows) if len(r) != len(rows[0])]
assert not bad, 'rows %s have a field count unlike the header' % bad[:5]
EOF
}

# one_error_line REGEX: stderr has exactly one "parbench: " line that is not a warning, and it matches.
one_error_line() {
	n=$(grep '^parbench: ' "$ERR" | grep -vc '^parbench: warning: ')
	[ "$n" -eq 1 ] && grep '^parbench: ' "$ERR" | grep -v '^parbench: warning: ' | grep -Eq "$1"
}

SMALL="-w sleep -n 4 -p ms=0 -v serial,threads -j 1,2 -c rusage -q"

# ---- 1. a full disk while rows are written ----
if command -v prlimit >/dev/null 2>&1; then
	# a file size limit stands for the full disk on any machine: the results files outgrow 8 KiB
	D="$TMP/fsize"
	prlimit --fsize=8192 "$PARBENCH" run $SMALL -r 40 -o "$D" >"$OUT" 2>"$ERR" &
	echo $! >>"$PIDS"
	wait $!
	RC=$?
	expect_rc "1: a results file that cannot grow fails the run" 1
	check "1: one error line naming the file and errno" one_error_line "cannot write '$D/(raw|counters)\.csv': File too large$"
	check "1: raw.csv ends on its last complete row" csv_ok "$D/raw.csv"
	check "1: counters.csv ends on its last complete row" csv_ok "$D/counters.csv"
	check "1: meta.json says failed" grep -q '"status": "failed"' "$D/meta.json"
	run report -q "$D"
	expect_rc "1: report reads every good row that was kept" 0
	run compare "$D" "$D"
	expect_rc "1: compare reads them too" 0
else
	skip "1: full disk by a file size limit" "prlimit (util-linux) is not installed"
fi
if [ "$(id -u)" -eq 0 ] && mkdir "$TMP/tiny" && mount -t tmpfs -o size=64k tmpfs "$TMP/tiny" 2>/dev/null; then
	# a real ENOSPC: rows fill a 64 KiB tmpfs (unmounted below, whatever happens)
	D="$TMP/tiny/run"
	run run $SMALL -r 400 -o "$D"
	expect_rc "1: a full tmpfs fails the run" 1
	check "1: one error line: No space left on device" one_error_line "cannot write '$D/[a-z.]+': No space left on device$"
	check "1: on a full disk raw.csv still ends on a complete row" csv_ok "$D/raw.csv"
	check "1: on a full disk counters.csv still ends on a complete row" csv_ok "$D/counters.csv"
	check "1: meta.json is whole JSON" python3 -c "import json, sys; json.load(open(sys.argv[1]))" "$D/meta.json"
	umount "$TMP/tiny"
else
	skip "1: a real full disk" "needs root to mount a small tmpfs"
fi

# ---- 2. stdout or stderr closed: results never land on fds 0-2 ----
"$PARBENCH" run $SMALL -r 2 -o "$TMP/closed1" >&- 2>"$ERR"
RC=$?
expect_rc "2: run with stdout closed exits 0" 0
check "2: stdout closed: raw.csv is a results file, not the table" \
	sh -c "head -n 1 '$TMP/closed1/raw.csv' | grep -q '^run_id,' && ! grep -q '^workload ' '$TMP/closed1/raw.csv'"
check "2: stdout closed: raw.csv parses" csv_ok "$TMP/closed1/raw.csv"
"$PARBENCH" run -w sleep -n 4 -p ms=0 -v serial,threads -j 1,2 -c rusage -r 2 -o "$TMP/closed2" >"$OUT" 2>&-
RC=$?
expect_rc "2: run with stderr closed exits 0" 0
check "2: stderr closed: no progress or warning line in raw.csv" sh -c "! grep -q 'parbench' '$TMP/closed2/raw.csv' && ! grep -q 'parbench' '$TMP/closed2/counters.csv'"
check "2: stderr closed: raw.csv parses" csv_ok "$TMP/closed2/raw.csv"
check "2: stderr closed: meta.json parses" python3 -c "import json, sys; json.load(open(sys.argv[1]))" "$TMP/closed2/meta.json"

# ---- 3. more than 128 workers: what run writes, report, compare and ab read back ----
V=$(only_variants threads,shm)
run run -w sleep -n 256 -p ms=0 -v "serial,$V" -j 129,256 -r 2 -c none -q -o "$TMP/j256"
expect_rc "3: -j 129,256 ($V, oversubscribed here) exits 0" 0
longest=$(csv_col "$TMP/j256/raw.csv" cpus | awk '{ if (length($0) > m) m = length($0) } END { print m }')
check "3: the cpus field of 256 workers ($longest bytes) is longer than the old 256-byte limit" test "$longest" -gt 256
run report -q "$TMP/j256"
expect_rc "3: report reads it back" 0
check "3: summary.csv has every case" test "$(tail -n +2 "$TMP/j256/summary.csv" | wc -l)" -eq $((1 + 2 * $(echo "$V" | tr , '\n' | wc -l)))
run compare "$TMP/j256" "$TMP/j256"
expect_rc "3: compare reads it back" 0
run ab "$PARBENCH" "$PARBENCH" -w sleep -n 256 -p ms=0 -v threads -j 256 --rounds 1 -r 2 -c none -q --out "$TMP/ab256"
expect_rc "3: ab at -j 256 runs, gathers and compares" 0
check "3: ab gathered 256-worker rows" test "$(csv_col "$TMP/ab256/a/raw.csv" workers | sort -u)" = 256

# ---- 4. over-long and repeated lists: one bounded parser ----
run run -w all,all,all,all,pi -v serial --quick -r 1 -c none -q -o "$TMP/all5"
expect_rc "4: -w all,all,all,all,pi does not crash" 0
expect_grep "4: a repeated list value is said once" "warning: -w lists 'pi' more than once" "$ERR"
check "4: each workload runs once" test "$(csv_col "$TMP/all5/raw.csv" workload | sort | uniq -d | wc -l)" -eq 0
expect_usage_error "4: too many worker counts" "-j: too many worker counts \\(at most 256\\)" run -w pi -j 1-300 -o "$TMP/x"
many=$(seq 1 300 | tr '\n' , | sed 's/,$//')
expect_usage_error "4: too many sizes" "-n: too many values \\(at most 256\\)" run -w pi -n "$many" -o "$TMP/x"
expect_usage_error "4: too many task counts" "--tasks: too many values" run -w pi --tasks "$many" -o "$TMP/x"
expect_usage_error "4: an empty list value" "-v: empty value in list 'serial,,threads'" run -w pi -v serial,,threads -o "$TMP/x"
expect_usage_error "4: a list value over 255 bytes" "-w: a value in list .* is longer than 255 characters" run -w "$(printf 'x%.0s' $(seq 1 300))" -o "$TMP/x"
run run -w sleep -n 4 -p ms=0 -v serial -s static,static --tasks 2,2 -r 1 -c none -q -o "$TMP/dups"
expect_rc "13: duplicated list entries run once" 0
check "13: duplicated entries give one case, with reps 1..1" test "$(tail -n +2 "$TMP/dups/raw.csv" | wc -l)" -eq 1

# ---- 5. FIFOs (any non-regular file) are refused, never waited on ----
if mkfifo "$TMP/fifo.png" "$TMP/fifo.csv" 2>/dev/null; then
	expect_usage_error "5: a FIFO as input= is refused" "cannot read '$TMP/fifo.png': not a regular file" \
		run -w image -v serial -p input="$TMP/fifo.png" -o "$TMP/x"
	run run $SMALL -r 1 -o "$TMP/good"
	expect_usage_error "5: a FIFO as a compare argument is refused" "'$TMP/fifo.csv' is not a regular file \\(a FIFO\\)" \
		compare "$TMP/good" "$TMP/fifo.csv"
	mkdir "$TMP/fifodir" && mkfifo "$TMP/fifodir/raw.csv"
	expect_usage_error "5: a FIFO as DIR/raw.csv is refused by report" "is not a regular file \\(a FIFO\\)" report "$TMP/fifodir"
	expect_usage_error "5: ... and by compare" "is not a regular file \\(a FIFO\\)" compare "$TMP/fifodir" "$TMP/good"
else
	skip "5: FIFOs" "mkfifo failed here"
fi

# ---- 6. SIGKILL during shm start-up leaves no segment and no worker ----
if have_variant shm; then
	for delay in 0.05 0.2 0.5; do
		"$PARBENCH" run -w sleep -n 1024 -p ms=0 -v shm -j 1024 -r 1 -c none -q -o "$TMP/kill$delay" >/dev/null 2>&1 &
		pid=$!
		echo "$pid" >>"$PIDS"
		sleep "$delay"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# workers die with their parent (PR_SET_PDEATHSIG): give the kernel a moment to deliver it
	for i in 1 2 3 4 5 6 7 8 9 10; do
		python3 "$LIBDIR/leftovers.py" "$PARBENCH_TEST_TAG" "$PIDS" >/dev/null && break
		sleep 1
	done
	no_leftovers "6: SIGKILL during shm start-up at -j 1024: no segment, no worker"
else
	skip "6: SIGKILL during shm start-up" "the shm variant is not available"
fi

# ---- 7. interrupted runs say so, and a directory with no complete case can be reused ----
for sig in INT TERM HUP; do
	D="$TMP/sig$sig"
	"$PARBENCH" run -w sleep -n 8 -p ms=100 -v serial,threads -j 1,2 -r 3 -c none -q -o "$D" >"$OUT" 2>"$ERR" &
	pid=$!
	echo "$pid" >>"$PIDS"
	# wait until meta.json exists (the run has started measuring), then signal
	i=0
	while [ ! -s "$D/meta.json" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 1
	kill -$sig "$pid"
	wait "$pid"
	RC=$?
	check "7: SIG$sig: meta.json says interrupted, with an end time" python3 -c "
import json, sys
m = json.load(open(sys.argv[1]))
assert m['status'] == 'interrupted' and m['end_time'] and m['end_time'].endswith('Z'), (m['status'], m['end_time'])
" "$D/meta.json"
	check "7: SIG$sig: one line on stderr says so" test "$(grep -c "^parbench: interrupted by SIG$sig; [0-9]* finished case(s) kept in $D$" "$ERR")" -eq 1
	check "7: SIG$sig: raw.csv ends on a complete row" csv_ok "$D/raw.csv"
done
# killed at its very start (SIGTERM: a background job of a non-interactive shell starts with SIGINT
# ignored, and parbench's own handler comes only with the results directory)
for form in new append; do
	D="$TMP/early-$form"
	"$PARBENCH" run -w sleep -n 8 -p ms=100 -v serial -r 3 -c none -q -o "$D" >/dev/null 2>&1 &
	pid=$!
	echo "$pid" >>"$PIDS"
	i=0
	while [ ! -e "$D/raw.csv" ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i + 1)); done
	kill -TERM "$pid"
	wait "$pid"
	if [ "$form" = new ]; then
		run run $SMALL -r 1 -o "$D"
		expect_rc "7: a run killed as it made its directory leaves one a new run can use" 0
	else
		run run $SMALL -r 1 -o "$D" --append
		expect_rc "7: ... and one --append can use" 0
	fi
done
if command -v prlimit >/dev/null 2>&1; then
	D="$TMP/fullstart"
	prlimit --fsize=100 "$PARBENCH" run $SMALL -r 1 -o "$D" >/dev/null 2>&1
	run run $SMALL -r 1 -o "$D"
	expect_rc "7: a run started on a full disk leaves a directory a later run can use" 0
fi

# ---- 8. never destroy a file the user did not ask to replace ----
mkdir -p "$TMP/cwd/results" && echo "my notes" >"$TMP/cwd/results/latest"
( cd "$TMP/cwd" && "$PARBENCH" run $SMALL -r 1 >/dev/null 2>"$ERR" )
check "8: a regular file results/latest is left as it is" test "$(cat "$TMP/cwd/results/latest")" = "my notes"
expect_grep "8: ... and the run says so" "warning: results/latest is not a symbolic link; left as it is" "$ERR"
run ab "$PARBENCH" "$PARBENCH" $SMALL --rounds 1 -r 1 --out "$TMP/abtwice"
expect_rc "8: a first ab into --out exits 0" 0
before=$(cat "$TMP/abtwice"/rounds/*.log | cksum)
expect_usage_error "8: ab into an --out that holds a run is refused" "ab: '$TMP/abtwice' is not empty" \
	ab "$PARBENCH" "$PARBENCH" $SMALL --rounds 1 -r 1 --out "$TMP/abtwice"
check "8: the earlier ab's logs are untouched" test "$(cat "$TMP/abtwice"/rounds/*.log | cksum)" = "$before"

# ---- 10. a case whose every row failed verification can never pass the gate ----
H="run_id,workload,size,params,variant,workers,tasks,chunk,schedule,bind,rep,wall_s,setup_s,user_s,sys_s,max_rss_kb,result,verified,cpus"
for side in base new; do
	{
		echo "$H"
		for r in 1 2 3 4 5 6 7 8 9 10; do
			echo "$side,pi,1000,,serial,1,8,1,static,none,$r,0.0$((10 + r)),0,0,0,0,3.0,0,0"
			echo "$side,pi,1000,,threads,2,8,1,static,none,$r,0.0$((10 + r)),0,0,0,0,3.0,1,0;1"
		done
	} >"$TMP/unv-$side.csv"
done
run compare "$TMP/unv-base.csv" "$TMP/unv-new.csv"
expect_rc "10: compare with unverified rows exits 1" 1
expect_grep "10: the unverified case is named" "^pi n=1000 serial .*unverified" "$OUT"
expect_grep "10: the summary counts it" "1 unverified \\(failed verification: never a pass\\)" "$OUT"

# ---- 11. a full stdout is an error for every command ----
if [ -w /dev/full ]; then
	for args in "list" "--help" "topo" "compare $TMP/unv-base.csv $TMP/unv-base.csv" "run $SMALL -r 1 -o $TMP/full"; do
		# shellcheck disable=SC2086
		"$PARBENCH" $args >/dev/full 2>"$ERR"
		RC=$?
		expect_rc "11: '$(echo "$args" | cut -d' ' -f1)' to a full stdout exits 1" 1
		expect_grep "11: '$(echo "$args" | cut -d' ' -f1)' says stdout is full" "^parbench: cannot write to stdout: No space left on device$" "$ERR"
	done
else
	skip "11: full stdout" "no writable /dev/full here"
fi

# ---- 12. ab refuses a binary that is not a parbench, before any round ----
printf '#!/bin/sh\necho hello\n' >"$TMP/notpb" && chmod +x "$TMP/notpb"
expect_usage_error "12: ab with a program that is not parbench" "ab: cannot run '$TMP/notpb': not a parbench build" \
	ab "$TMP/notpb" "$PARBENCH" $SMALL --out "$TMP/ab12"
expect_usage_error "12: ab with /bin/true" "ab: cannot run '/bin/true': not a parbench build" ab "$PARBENCH" /bin/true --out "$TMP/ab12b"
check "12: nothing was run into --out" test ! -e "$TMP/ab12/rounds"

# ---- 13. numbers, plots, messages, duplicates ----
mkdir -p "$TMP/inf"
{ echo "$H"; echo "r,pi,1000,,serial,1,8,1,static,none,1,inf,0,0,0,0,3.0,1,0"; } >"$TMP/inf/raw.csv"
expect_usage_error "13: report refuses an inf wall time" "bad value 'inf' in column wall_s" report "$TMP/inf"
{ echo "$H"; for r in 1 2 3; do echo "z,pi,1000,,serial,1,8,1,static,none,$r,0,0,0,0,0,3.0,1,0"; done; } >"$TMP/zero.csv"
expect_usage_error "13: a zero wall time says which side and why" \
	"no comparable cases for --metric time \\(1 common; pi n=1000 serial .*: BASE has a wall time of 0 s, which no ratio can use \\(raise -n\\)\\)" \
	compare "$TMP/zero.csv" "$TMP/unv-base.csv"
mkdir -p "$TMP/dupdir"
{ echo "$H"; echo "r,pi,1000,,serial,1,8,1,static,none,1,0.1,0,0,0,0,3.0,1,0"; echo "r,pi,1000,,serial,1,8,1,static,none,1,0.2,0,0,0,0,3.0,1,0"; } >"$TMP/dupdir/raw.csv"
expect_usage_error "13: duplicated rows are refused, not merged" "repetition 1 of case pi n=1000 serial .* appears twice in run r" report "$TMP/dupdir"
# a gnuplot that has the terminals but fails every plot after writing an empty PNG and SVG
cat >"$TMP/badgnuplot" <<'EOF'
#!/bin/sh
case "$2" in "set terminal"*) exit 0 ;; esac
out=$(printf '%s' "$2" | sed -n "s/.*out='\([^']*\)'.*/\1/p")
: >"$out.png"
: >"$out.svg"
exit 1
EOF
chmod +x "$TMP/badgnuplot"
PARBENCH_GNUPLOT="$TMP/badgnuplot" "$PARBENCH" report -q "$TMP/good" >"$OUT" 2>"$ERR"
RC=$?
expect_rc "13: report with a failing gnuplot still exits 0" 0
check "13: a failed plot leaves no 0-byte PNG" test "$(find "$TMP/good/plots" -name '*.png' -size 0 | wc -l)" -eq 0
expect_grep "13: the failed plots are counted" "plots failed" "$ERR"
long="$TMP/$(python3 -c "print('é' * 1500)")"
run compare "$long" "$TMP/good"
check "13: a message longer than 2 KiB is printed whole and is valid UTF-8" python3 -c "
import sys
t = open(sys.argv[1], 'rb').read().decode('utf-8')
assert ('é' * 1500) in t, len(t)
" "$ERR"
run run -w sleep -n 4 -p ms=0 -v threads -j 1-cores -r 1 -c none -q -o "$TMP/cores"
expect_rc "13: -j 1-cores (the --help default) is accepted" 0
check "13: -j 1-cores runs 1..cores workers" test "$(csv_col "$TMP/cores/raw.csv" workers | sort -un | wc -l)" -eq "$(allowed_cpus)"

# ---- 14. counters.csv joins its case; summary.csv summarises counters, set-up and CPU time ----
run run -w sleep -n 8 -p ms=0 -v threads -j 1,2 -s static,dynamic --chunk 1,2 -r 2 -c rusage -q -o "$TMP/join"
expect_rc "14: a sweep over schedules and chunks with counters exits 0" 0
check "14: every counters.csv row joins exactly one raw.csv row (whole key and rep)" python3 - "$TMP/join" <<'EOF'
import csv, sys
d = sys.argv[1]
key = ['run_id', 'workload', 'size', 'params', 'variant', 'workers', 'tasks', 'chunk', 'schedule', 'bind', 'rep']
raw = [tuple(r[k] for k in key) for r in csv.DictReader(open(d + '/raw.csv'))]
assert len(raw) == len(set(raw)) == 16, len(raw)
ctr = list(csv.DictReader(open(d + '/counters.csv')))
assert ctr and all(tuple(r[k] for k in key) in set(raw) for r in ctr)
events = {(tuple(r[k] for k in key), r['event']) for r in ctr}
assert len(events) == len(ctr), 'a (case, rep, event) appears twice'
EOF
check "14: summary.csv has set-up, CPU time and the counters' medians per case" python3 - "$TMP/join/summary.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 8, len(rows)
for r in rows:
    assert float(r['setup_s']) >= 0 and float(r['user_s']) >= 0 and float(r['sys_s']) >= 0, r
    ev = dict(kv.split('=') for kv in r['counters'].split(';'))
    assert set(ev) == {'context-switches', 'page-faults'}, ev
EOF

no_leftovers "no process, segment, FIFO or socket left"
