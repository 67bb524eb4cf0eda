#!/bin/sh
# mech_mpi.sh: `parbench mech`'s mpi family (mpi-pingpong, mpi-bw, mpi-allreduce, mpi-barrier):
# rows, per-operation figures and verification at several sizes and rank counts, host:cpus of
# every rank, bad input (one line, exit 2), a build or machine without MPI refused with its reason,
# a killed rank named (exit 1), SIGINT, nothing left behind; and, as root, two hosts simulated
# with network namespaces as in mpi_hosts.sh.  No wall-time bounds: it must pass under taskset -c 0.
. "$(dirname "$0")/lib.sh"

run list
cp "$OUT" "$TMP/list"
if ! grep -Eq '^  mpi +mpi-pingpong +available' "$TMP/list"; then
	expect_grep "list says why the mpi family is unavailable" "^  mpi +mpi-pingpong +unavailable +" "$TMP/list"
	expect_usage_error "-m mpi without MPI is refused, with the reason" "mech: mpi is not available here: " \
		mech -m mpi -o "$TMP/none"
	expect_usage_error "-m mpi-pingpong without MPI is refused" "mech: mpi-pingpong is not available here: " \
		mech -m mpi-pingpong -o "$TMP/none"
	skip "the mpi family of mech" "$(sed -n 's/^  mpi *mpi-pingpong *unavailable *//p' "$TMP/list")"
	exit 0
fi
host=$(hostname)

# ---- missing mpirun: refused like a build without MPI ----
PARBENCH_MPIRUN="$TMP/no-mpirun"
export PARBENCH_MPIRUN
expect_usage_error "no mpirun: -m mpi is refused with the reason" \
	"mech: mpi is not available here: no mpirun on the PATH" mech -m mpi -o "$TMP/nompirun"
expect_usage_error "no mpirun: -m mpi-barrier is refused with the reason" \
	"mech: mpi-barrier is not available here: no mpirun" mech -m mpi-barrier -o "$TMP/nompirun"
unset PARBENCH_MPIRUN

# ---- every mechanism at three sizes: rows, figures, verification ----
D="$TMP/all"
run mech -m mpi --bytes 8,4K,1M -r 2 --min-time 0.002 -c none -q -o "$D"
expect_rc "-m mpi at 8 B, 4 KiB and 1 MiB exits 0" 0
check "10 cases x 2 repetitions, every row verified, family mpi" python3 - "$D/raw.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 20, len(rows)
for r in rows:
    assert r['workload'] == 'mpi' and r['verified'] == '1' and r['variant'] == 'process', r
    assert float(r['wall_s']) > 0 and int(r['size']) >= 16 and r['result'].startswith('seen='), r
mech = {}
for r in rows:
    p = dict(kv.split('=', 1) for kv in r['params'].split(';'))
    mech.setdefault(p['mech'], set()).add(p.get('bytes', '-'))
    assert p['wait'] == 'spin' and p['placement'] == 'free', p
    assert (p['mech'] == 'mpi-pingpong') == (p.get('mode') == 'lat'), p
    assert (p['mech'] == 'mpi-bw') == (p.get('mode') == 'bw'), p
want = {'mpi-pingpong': {'8', '4096', '1048576'}, 'mpi-bw': {'8', '4096', '1048576'},
        'mpi-allreduce': {'8', '4096', '1048576'}, 'mpi-barrier': {'-'}}
assert mech == want, mech
EOF
check "cpus names each rank's host and CPUs (host:cpus;host:cpus), 2 ranks each" \
	test -z "$(csv_col "$D/raw.csv" cpus | grep -Ev "^$host:[0-9,-]+;$host:[0-9,-]+$")"
check "summary.csv: per_op_s for every case, bytes_per_s for mpi-bw" python3 - "$D/summary.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 10, len(rows)
for r in rows:
    assert float(r['per_op_s']) > 0, r
    bw = r['bytes_per_s'] not in ('', 'nan', 'NaN')
    assert bw == ('mech=mpi-bw' in r['params']), r
EOF
expect_grep "the table marks every case verified" "^mpi +mpi-allreduce .* yes$" "$OUT"
no_leftovers "-m mpi: no rank, mpirun, session directory or segment left"

# ---- collectives over 3 ranks (-j), and a fixed operation count ----
D="$TMP/three"
run mech -m mpi-allreduce,mpi-barrier -j 3 --bytes 64 -n 64 -r 2 -c none -q -o "$D"
expect_rc "collectives over 3 ranks with -n 64 exit 0" 0
check "3 ranks: workers 3, tasks 3, size 64, three host:cpus entries, verified" python3 - "$D/raw.csv" "$host" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 4, len(rows)
for r in rows:
    assert r['workers'] == '3' and r['tasks'] == '3' and r['size'] == '64' and r['verified'] == '1', r
    cpus = r['cpus'].split(';')
    assert len(cpus) == 3 and all(c.split(':')[0] == sys.argv[2] for c in cpus), r['cpus']
EOF

# the default mechanisms are `all`, which leaves the mpi family out (its help says so)
run mech --quick -r 1 --warmup 0 --min-time 0.0005 -c none -q -o "$TMP/default"
expect_rc "mech with the default mechanisms exits 0" 0
check "the default leaves the mpi family out" test "$(csv_col "$TMP/default/raw.csv" workload | grep -c '^mpi$')" -eq 0
# -p check=stamps (what OSU times): patterns built before the timing, stamps per message, the last in full
run mech -m mpi-pingpong,mpi-bw --bytes 8,4K,1M -p check=stamps -p check=every -r 2 --min-time 0.002 -c none -q -o "$TMP/stamps"
expect_rc "-p check=stamps and check=every at 8 B, 4 KiB and 1 MiB exit 0" 0
check "both checks: 12 cases, every row verified, the parameter in params" python3 - "$TMP/stamps/raw.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 24, len(rows)
assert all(r['verified'] == '1' for r in rows)
assert {r['params'].split(';')[-1] for r in rows} == {'check=stamps', 'check=every'}, {r['params'] for r in rows}
EOF
expect_usage_error "an unknown check" "check" mech -m mpi-pingpong -p check=none -o "$TMP/badcheck"
run mech -m mpi-barrier,mpi-allreduce -j 1 --bytes 8 -n 64 -r 1 -c none -q -o "$TMP/one"
expect_rc "a collective of one rank exits 0" 0
check "one rank: one host:cpus entry, verified" test -z "$(csv_col "$TMP/one/raw.csv" cpus | grep -Ev "^$host:[0-9,-]+$")"
if can_bind core && [ "$(allowed_cpus)" -ge 2 ]; then
	run mech -m mpi-pingpong --bytes 64 -b core -r 2 --min-time 0.002 -c none -q -o "$TMP/bound"
	expect_rc "-b core (mpirun --bind-to core) exits 0" 0
	check "-b core: each rank stayed on one CPU, bind column core-compact" python3 - "$TMP/bound/raw.csv" <<'EOF'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    assert r['bind'] == 'core-compact', r['bind']
    assert all(c.split(':')[1].isdigit() for c in r['cpus'].split(';')), r['cpus']
EOF
	check "meta.json has the mpi launch" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))['mech']
assert 'mpirun' in d['mpi'] and '--mech' in d['mpi'], d
" "$TMP/bound/meta.json"
else
	skip "mech mpi -b core" "binding does not work here, or this process has one CPU"
fi

# ---- bad input: one line, exit 2, nothing started ----
expect_usage_error "allreduce of a size that is not whole doubles" "not a whole number of doubles" \
	mech -m mpi-allreduce --bytes 12 -o "$TMP/bad"
expect_usage_error "a ping-pong takes one pair" "mpi-pingpong: 2 pairs are more than its limit of 1" \
	mech -m mpi-pingpong -j 2 -o "$TMP/bad"
expect_usage_error "MPI ranks are processes" "mpi-barrier: it takes no variant 'thread'" \
	mech -m mpi-barrier -v thread -o "$TMP/bad"
expect_usage_error "no placement but free" "mpi-bw: it takes no placement 'same-cpu'" \
	mech -m mpi-bw --placement same-cpu -o "$TMP/bad"
expect_usage_error "ping-pong is lat, bw is bw" "mpi-bw: it takes no mode 'lat'" mech -m mpi-bw --mode lat -o "$TMP/bad"
expect_usage_error "a message of 0 bytes" "message size 0" mech -m mpi-pingpong --bytes 0 -o "$TMP/bad"
expect_usage_error "a missing --hostfile" "--hostfile: cannot read '$TMP/nohosts'" \
	mech -m mpi-pingpong --hostfile "$TMP/nohosts" -o "$TMP/bad"
check "bad input started nothing" test ! -e "$TMP/bad"

# ---- a rank killed mid-exchange: exit 1, the rank, its pid and host named ----
D="$TMP/kill"
"$PARBENCH" mech -m mpi-pingpong --bytes 64 -n 20000 -r 1000 -c none -q -o "$D" >"$OUT" 2>"$ERR" &
pid=$!
echo "$pid" >>"$PIDS"
victim=""
for i in $(seq 1 600); do
	# this run's ranks carry its socket, /tmp/parbench-PID-mpiN/s, in their arguments; rank 1 is the last
	victim=$(ps -eo pid,args | awk -v s="parbench-$pid-mpi" '$2 ~ /parbench-mpi$/ && index($0, s) { print $1 }' | tail -n 1)
	[ -n "$victim" ] && [ -s "$D/raw.csv" ] && [ "$(wc -l <"$D/raw.csv")" -ge 2 ] && break
	sleep 0.1
done
kill -KILL "$victim" 2>/dev/null
wait "$pid"
RC=$?
expect_rc "a killed rank fails the run" 1
expect_grep "the error names the case, the rank, its pid and host" \
	"^parbench: mech: mpi mech=mpi-pingpong.*: mpi: rank [0-9]+ \\(pid $victim\\) on host [^ ]+ died mid-exchange: killed by signal 9$" "$ERR"
no_leftovers "a killed rank: no rank, mpirun, session directory or segment left"

# ---- SIGINT ends the whole job ----
D="$TMP/int"
"$PARBENCH" mech -m mpi-barrier -n 20000 -r 1000 -c none -q -o "$D" >"$OUT" 2>"$ERR" &
pid=$!
echo "$pid" >>"$PIDS"
for i in $(seq 1 600); do
	[ -s "$D/raw.csv" ] && [ "$(wc -l <"$D/raw.csv")" -ge 2 ] && break
	sleep 0.1
done
kill -INT "$pid"
wait "$pid"
RC=$?
expect_rc "SIGINT during an mpi case exits 130" 130
no_leftovers "SIGINT: no rank, mpirun, session directory or segment left"

# ---- --timeout stops a batch that will not end, and the job with it ----
run mech -m mpi-pingpong --bytes 8 -n 1000000000 -r 1 --timeout 3 -c none -q -o "$TMP/timeout"
expect_rc "--timeout fails a batch that runs past it" 1
expect_grep "--timeout: the case and the limit are named" "mpi-pingpong.*timed out after 3 s" "$ERR"
no_leftovers "--timeout: no rank, mpirun, session directory or segment left"

# ---- across two hosts (network namespaces, as mpi_hosts.sh): root only ----
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1 || ! command -v unshare >/dev/null 2>&1; then
	skip "mech mpi across hosts" "needs root, ip (iproute2) and unshare to make network namespaces"
	exit 0
fi
. "$(dirname "$0")/netns.sh"
if ! netns_hosts pbm 3 1; then
	skip "mech mpi across hosts" "cannot make network namespaces here: $(head -n 1 "$ERR")"
	exit 0
fi

D="$TMP/across"
run mech -m mpi-pingpong,mpi-bw --bytes 64,64K -r 2 --min-time 0.002 -c none -q --hostfile "$TMP/hosts" -o "$D"
expect_rc "ping-pong and bandwidth between this host and another exit 0" 0
run mech -m mpi-allreduce,mpi-barrier --bytes 64 -j 3 -r 2 --min-time 0.002 -c none -q --hostfile "$TMP/hosts" --append -o "$D"
expect_rc "collectives over 3 ranks on three hosts exit 0" 0
check "rank 0 on this host, the others on the hostfile's, seen=other-host, verified" python3 - "$D/raw.csv" "$host" "$H1" "$H2" <<'EOF'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))]
assert len(rows) == 2 * (4 + 2), len(rows)
me, h1, h2 = sys.argv[2:5]
for r in rows:
    hosts = [c.split(':')[0] for c in r['cpus'].split(';')]
    want = [me, h1] if r['workers'] != '3' else [me, h1, h2]
    assert hosts == want, (r['params'], r['cpus'])
    assert r['result'] == 'seen=other-host' and r['verified'] == '1', r
EOF
no_leftovers "across hosts: no rank, daemon (orted), session directory or segment left"
