#!/bin/sh
# mech.sh: `parbench mech` end to end: the results directory every producer writes, per-operation
# figures, placement and waiting policy recorded, bad input (one line, exit 2), a peer killed
# mid-exchange (exit 1, which endpoint and how), signals and --timeout, and nothing left behind:
# no process, FIFO, socket file, message queue, semaphore or shared-memory segment.
. "$(dirname "$0")/lib.sh"

CPUS=$(nproc 2>/dev/null || echo 1)

# mech_left PIDFILE: names that lib.sh's no_leftovers cannot see here: named semaphores
# (/dev/shm/sem.parbench-PID-*) and, when /dev/mqueue is not mounted, message queues (asked
# for by name through mq_open: parbench names them /parbench-PID-mN).
mech_left() {
	python3 - "$1" <<'EOF'
import ctypes, glob, os, sys
pids = {l.strip() for l in open(sys.argv[1]) if l.strip().isdigit()}
left = []
for p in pids:
    left += glob.glob('/dev/shm/sem.parbench-%s-*' % p)
if not os.path.isdir('/dev/mqueue') or not os.listdir('/dev/mqueue') and not os.path.ismount('/dev/mqueue'):
    try:
        rt = ctypes.CDLL('librt.so.1', use_errno=True)
    except OSError:
        rt = ctypes.CDLL(None, use_errno=True)
    rt.mq_open.restype = ctypes.c_int
    for p in pids:
        for n in ['probe'] + ['m%d' % i for i in range(600)]:
            name = ('/parbench-%s-%s' % (p, n)).encode()
            fd = rt.mq_open(name, os.O_RDONLY)
            if fd >= 0:
                left.append('mq ' + name.decode())
                rt.mq_close(fd)
print(', '.join(left))
sys.exit(1 if left else 0)
EOF
}

# nothing DESC: lib.sh's leftover check, and semaphores and queues by name.
nothing() {
	no_leftovers "$1"
	if left=$(mech_left "$PIDS"); then ok "$1: no semaphore, no message queue"; else
		fail "$1: no semaphore, no message queue" "left behind: $left"; fi
}

# rows_verified DIR: every raw.csv row verified, a mech= params, a seen= result, one CPU list per endpoint.
rows_verified() {
	python3 - "$1/raw.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows, 'no rows'
for r in rows:
    assert r['verified'] == '1', 'unverified: %s' % r['params']
    assert r['params'].startswith('mech='), r['params']
    assert r['workload'] in ('ipc', 'sync', 'spawn'), r['workload']
    assert r['variant'] in ('process', 'thread'), r['variant']
    assert r['result'].startswith('seen='), r['result']
    assert len(r['cpus'].split(';')) == int(r['tasks']), 'cpus %r for %s endpoints' % (r['cpus'], r['tasks'])
    assert int(r['size']) >= 1 and float(r['wall_s']) > 0
EOF
}

mq_ok=1
if ! "$PARBENCH" list 2>/dev/null | grep -Eq '^  ipc +mq +available'; then
	mq_ok=0
	MQ_WHY=$("$PARBENCH" list 2>/dev/null | sed -n 's/^  ipc  *mq  *unavailable *//p')
fi

# ---- help and list ----
run mech --help
expect_rc "mech --help exits 0" 0
expect_grep "mech --help lists its own options" '--placement' "$OUT"
expect_grep "mech --help lists the common options" '--counters' "$OUT"
run list
expect_grep "list shows the mechanisms" '^  ipc +pipe +available' "$OUT"
expect_grep "list shows sync and spawn" '^  spawn +forkserver' "$OUT"

# ---- a small run: the results directory, per-operation figures, report ----
D="$TMP/small"
run mech -m pipe,shm,eventfd,mutex,atomic,fork,thread --quick -r 3 --warmup 1 -q -o "$D"
expect_rc "small run exits 0" 0
check "small: rows verified, with params, placement seen and a CPU list per endpoint" rows_verified "$D"
expect_grep "small: pipe latency at 64 B" '^[^,]*,ipc,[0-9]+,mech=pipe;mode=lat;bytes=64;wait=block;placement=free,process,1,2,' "$D/raw.csv"
expect_grep "small: shm spins by default as well as blocks" 'mech=shm;mode=lat;bytes=64;wait=spin;' "$D/raw.csv"
expect_grep "small: sync contenders from 1" ',sync,[0-9]+,mech=mutex;wait=block;placement=free,thread,1,1,' "$D/raw.csv"
expect_grep "small: fork with a resident size" 'mech=fork;wait=block;placement=free;rss=64M;creator=lean,process,1,1,' "$D/raw.csv"
expect_grep "small: counters.csv has the cases" ',ipc,[0-9]+,mech=pipe;' "$D/counters.csv"
check "small: summary.csv has per-operation figures for every case" python3 - "$D/summary.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows
for r in rows:
    per = float(r['per_op_s'])
    assert abs(per - float(r['median_s']) / int(r['size'])) <= 1e-9 * per, r
    assert float(r['per_op_ci_lo_s']) <= per <= float(r['per_op_ci_hi_s']), r
    bw = 'mode=bw' in r['params']
    assert (r['bytes_per_s'] != '') == bw, r
    if bw:
        b = int(r['params'].split('bytes=')[1].split(';')[0])
        assert abs(float(r['bytes_per_s']) - b * int(r['size']) / float(r['median_s'])) < 1e-6 * float(r['bytes_per_s'])
EOF
check "small: meta.json states the reference loop, the timer and the calibration" python3 - "$D/meta.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
assert m['status'] == 'ok'
x = m['mech']
assert x['calibrated'] is True and x['min_time_s'] > 0
assert x['timer']['call_ns'] > 0
assert x['reference']['sync_ns'] > 0 and x['reference']['ipc_lat_ns_by_bytes']['64'] > 0
assert m['counters']['backend']
EOF
check "small: calibrated batches are powers of two" python3 - "$D/raw.csv" <<'EOF'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    n = int(r['size'])
    assert n >= 16 and n & (n - 1) == 0, n
EOF
run report "$D"
expect_rc "report on a mech run exits 0" 0
expect_grep "report.md has the mechanisms section" '^## Mechanisms' "$D/report.md"
expect_grep "report.md has the latency table" '^### IPC latency' "$D/report.md"
if command -v gnuplot >/dev/null 2>&1; then
	check "report plots latency against message size" test -s "$D/plots/mech-ipc-lat.png"
else
	skip "report plots latency against message size" "no gnuplot here"
fi
nothing "small run"

# ---- fixed -n: the same keys in two runs, so compare matches every case ----
run mech -m pipe,mutex -j 1 --bytes 64 --mode lat -n 2000 -r 3 -q -o "$TMP/cmpA"
run mech -m pipe,mutex -j 1 --bytes 64 --mode lat -n 2000 -r 3 -q -o "$TMP/cmpB"
run compare "$TMP/cmpA" "$TMP/cmpB"
check "compare matches the cases of two mech runs (exit 0 or 1, not 2)" test "$RC" -le 1
expect_grep "compare lists the pipe case" 'mech=pipe' "$OUT"

# ---- thread endpoints, each waiting policy, placement ----
D="$TMP/threads"
run mech -m pipe,socketpair,mq,shm,queue,manager -v thread --mode lat,bw --bytes 64 -n 200 -r 2 -q -o "$D"
expect_rc "thread endpoints exit 0" 0
check "thread endpoints: rows verified" rows_verified "$D"
D="$TMP/waits"
run mech -m shm,pipe,sem --bytes 64 --mode lat -j 1 --wait block,spin,spin-then-block -n 64 -r 2 -q -o "$D"
expect_rc "every waiting policy exits 0" 0
for w in block spin spin-then-block; do
	expect_grep "wait=$w recorded" "mech=shm;mode=lat;bytes=64;wait=$w;" "$D/raw.csv"
done
D="$TMP/samecpu"
run mech -m pipe,mutex --bytes 64 --mode lat -j 2 --placement same-cpu -n 200 -r 2 -q -o "$D"
expect_rc "placement same-cpu exits 0" 0
check "same-cpu: every row was seen on one CPU" test \
	"$(awk -F, 'NR > 1 && $17 != "seen=same-cpu"' "$D/raw.csv" | wc -l)" -eq 0
expect_grep "same-cpu: recorded in params" 'placement=same-cpu' "$D/raw.csv"
if [ "$CPUS" -ge 2 ]; then
	D="$TMP/othercore"
	run mech -m pipe --bytes 64 --mode lat --placement other-core -n 200 -r 2 -q -o "$D"
	expect_rc "placement other-core exits 0" 0
	check "other-core: the endpoints ran on two cores" test \
		"$(awk -F, 'NR > 1 && $17 != "seen=other-core"' "$D/raw.csv" | wc -l)" -eq 0
else
	skip "placement other-core" "one CPU here (taskset?): no second core to place an endpoint on"
	expect_usage_error "other-core on one CPU is bad input" 'mech: pipe: placement other-core needs 2 cores in one package' \
		mech -m pipe --bytes 64 --placement other-core -n 10 -o "$TMP/oc1"
fi
if can_bind core; then
	run mech -m pipe --bytes 64 --mode lat -b core -n 200 -r 2 -q -o "$TMP/bind"
	expect_rc "--bind core exits 0" 0
	expect_grep "--bind core recorded in the bind column" ',core-compact,1,' "$TMP/bind/raw.csv"
else
	skip "--bind core" "this build or machine cannot bind (parbench topo)"
fi

# ---- --append: calibrated cases already in the run are refused ----
D="$TMP/append"
run mech -m mutex -j 1 -v thread -r 2 -q -o "$D"
run mech -m atomic -j 1 -p stride=0 -r 2 -q --append -o "$D"
expect_rc "--append adds another mechanism" 0
check "--append: both in one raw.csv" test "$(cut -d, -f4 "$D/raw.csv" | grep -c 'mech=')" -eq 4
expect_usage_error "--append of a case the run has is refused" "already has case sync mech=mutex" \
	mech -m mutex -j 1 -v thread -r 2 -q --append -o "$D"

# ---- bad input: one line, exit 2, nothing created ----
expect_usage_error "unknown mechanism" "mech: unknown mechanism 'nosuch'" mech -m nosuch -o "$TMP/bad"
expect_usage_error "message size 0" "mech: message size 0" mech --bytes 0 -o "$TMP/bad"
expect_usage_error "message size beyond every mechanism" "mech: message size 1G is beyond" mech --bytes 1G -o "$TMP/bad"
if [ "$mq_ok" = 1 ]; then
	expect_usage_error "beyond POSIX mq's msgsize_max" "mech: mq: message size 1048576 is beyond POSIX mq's msgsize_max" \
		mech -m mq --bytes 1M -o "$TMP/bad"
else
	skip "beyond POSIX mq's msgsize_max" "$MQ_WHY"
	expect_usage_error "mq named where it does not work" "mech: mq is not available here" mech -m mq -o "$TMP/bad"
fi
expect_usage_error "beyond the socket buffer" "mech: socketpair-dgram: message size 4194304 is beyond the socket buffer" \
	mech -m socketpair-dgram --bytes 4M -o "$TMP/bad"
expect_usage_error "more contenders than the limit" "mech: mutex: 1000 contenders are more than its limit of 256" \
	mech -m mutex -j 1000 -o "$TMP/bad"
expect_usage_error "more pairs than the limit" "mech: pipe: 100 pairs are more than its limit of 64" \
	mech -m pipe -j 100 -o "$TMP/bad"
expect_usage_error "a mode a mechanism does not have" "mech: eventfd: it takes no mode 'bw'" mech -m eventfd --mode bw -o "$TMP/bad"
expect_usage_error "a waiting policy a mechanism does not have" "mech: spinlock: it takes no wait 'block'" \
	mech -m spinlock --wait block -o "$TMP/bad"
expect_usage_error "unknown waiting policy" "mech: unknown wait 'sleepy'" mech --wait sleepy -o "$TMP/bad"
expect_usage_error "unknown placement" "mech: unknown placement 'moon'" mech --placement moon -o "$TMP/bad"
expect_usage_error "--bind and --placement together" "mech: --bind and --placement both choose CPUs" \
	mech -m pipe -b pu --placement same-cpu -o "$TMP/bad"
expect_usage_error "a parameter no chosen mechanism has" "mech: unknown parameter 'zork'" mech -m pipe -p zork=1 -o "$TMP/bad"
expect_usage_error "a program that cannot run" "mech: fork-exec: prog=/nonexistent" mech -m fork-exec -p prog=/nonexistent -o "$TMP/bad"
expect_usage_error "a bad resident size" "mech: fork: rss 'lots'" mech -m fork -p rss=lots -o "$TMP/bad"
check "bad input created no results directory" test ! -e "$TMP/bad"
if [ "$CPUS" -lt 2 ] || ! grep -q . /sys/devices/system/cpu/cpu0/topology/thread_siblings_list 2>/dev/null ||
	[ "$(tr ',-' '  ' </sys/devices/system/cpu/cpu0/topology/thread_siblings_list | wc -w)" -lt 2 ]; then
	expect_usage_error "same-core without SMT is bad input" "mech: pipe: placement same-core needs a core with 2 hardware threads" \
		mech -m pipe --placement same-core -o "$TMP/bad"
else
	skip "same-core without SMT" "this machine has SMT"
fi

# ---- a peer killed mid-exchange: exit 1, the endpoint and the signal named, nothing left ----
# children PID: its children's pids.
children() { ps -o pid= --ppid "$1" 2>/dev/null | tr -s ' \n' ' '; }
# endpoints PID: wait (up to 10 s) until PID has two children at once (the start-up pipe probe is
# alone); print the second.
endpoints() {
	i=0
	while [ $i -lt 200 ]; do
		c=$(children "$1")
		if [ "$(echo "$c" | wc -w)" -ge 2 ]; then
			echo "$c" | awk '{ print $2 }'
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
kills="pipe shm fifo unix tcp"
[ "$mq_ok" = 1 ] && kills="$kills mq" || skip "mq peer killed" "$MQ_WHY"
for m in $kills; do
	"$PARBENCH" mech -m "$m" --mode lat --bytes 64 -n 2000000000 -r 1 --warmup 0 -q -o "$TMP/kill-$m" >"$OUT" 2>"$ERR" &
	PB=$!
	echo "$PB" >>"$PIDS"
	victim=$(endpoints "$PB")
	if [ -z "$victim" ]; then
		fail "$m: endpoints appear" "no two children of parbench within 10 s"
		kill -9 "$PB" 2>/dev/null
		wait "$PB"
		continue
	fi
	sleep 0.3
	kill -9 "$victim"
	wait "$PB"
	RC=$?
	expect_rc "$m: a peer killed mid-exchange exits 1" 1
	expect_grep "$m: one line names the endpoint, its pid and the signal" \
		"^parbench: mech: ipc mech=$m;.*: endpoint 1 \\(pid $victim\\) died mid-exchange: killed by signal 9\$" "$ERR"
	check "$m: meta.json says the run failed" grep -q '"status": "failed"' "$TMP/kill-$m/meta.json"
	nothing "$m: a killed peer"
done

# ---- signals and --timeout ----
for sig in INT TERM; do
	"$PARBENCH" mech -m fifo --mode lat --bytes 64 -n 2000000000 -r 1 --warmup 0 -q -o "$TMP/sig-$sig" >"$OUT" 2>"$ERR" &
	PB=$!
	echo "$PB" >>"$PIDS"
	endpoints "$PB" >/dev/null
	sleep 0.3
	kill -$sig "$PB"
	wait "$PB"
	RC=$?
	want=130
	[ $sig = TERM ] && want=143
	expect_rc "SIG$sig to mech exits $want" $want
	nothing "SIG$sig: nothing left"
done
run mech -m shm --wait block --mode lat --bytes 64 -n 2000000000 -r 1 --warmup 0 --timeout 1 -q -o "$TMP/timeout"
expect_rc "--timeout 1 exits 1" 1
expect_grep "--timeout says what timed out" "^parbench: ipc mech=shm;.*: timed out after 1 s\$" "$ERR"
nothing "--timeout: nothing left"
run mech -m sem-named -j 2 -n 1000 -r 1 -q -o "$TMP/semnamed"
expect_rc "named semaphores run" 0
nothing "named semaphores: the name is gone"

# ---- the lean creator: its own small program, which dies with its endpoint ----
run mech -m fork -p rss=0 -p creator=lean -p creator=parbench -n 64 -r 2 -q -o "$TMP/creator"
expect_rc "fork from the lean creator and from parbench" 0
expect_grep "creator=lean recorded" 'rss=0;creator=lean,process' "$TMP/creator/raw.csv"
expect_grep "creator=parbench recorded" 'rss=0;creator=parbench,process' "$TMP/creator/raw.csv"
PARBENCH_CREATOR=/nonexistent/parbench-creator run mech -m fork -n 8 -o "$TMP/nocreator"
expect_rc "a missing lean creator is bad input" 2
expect_grep "a missing lean creator says what to do" 'creator=lean: parbench-creator is not beside parbench' "$ERR"
"$PARBENCH" mech -m forkserver -p rss=0 -n 2000000000 -r 1 --warmup 0 -q -o "$TMP/kill-creator" >"$OUT" 2>"$ERR" &
PB=$!
echo "$PB" >>"$PIDS"
# the endpoint: the child of parbench whose own child is parbench-creator (not the start-up probe)
ep=""
for i in $(seq 1 200); do
	for c in $(children "$PB"); do
		for g in $(children "$c"); do
			[ "$(ps -o comm= -p "$g" 2>/dev/null)" = parbench-creato ] && ep=$c
		done
	done
	[ -n "$ep" ] && break
	sleep 0.05
done
[ -n "$ep" ] || { fail "forkserver: the endpoint and its creator appear" "none within 10 s"; kill -9 "$PB"; }
sleep 0.3
kill -9 "$ep" 2>/dev/null
wait "$PB"
RC=$?
expect_rc "forkserver: its endpoint killed, the run exits 1" 1
sleep 0.2
nothing "forkserver: the lean creator and its server died with the endpoint"
