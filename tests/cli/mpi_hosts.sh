#!/bin/sh
# mpi_hosts.sh: the mpi variant across hosts simulated on this machine: two network namespaces
# joined by veth pairs on a bridge, each a "host" with its own hostname and address; mpirun
# reaches them through an rsh agent (ip netns exec + unshare --uts) instead of ssh.  What this
# tests: launch, placement, transport selection (TCP between hosts) and fault handling across
# hosts; not a real network's latency (a veth costs what loopback costs).  Needs root.
. "$(dirname "$0")/lib.sh"

if ! have_variant mpi; then
	skip "mpi across hosts" "the mpi variant is not available"
	exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1 || ! command -v unshare >/dev/null 2>&1; then
	skip "mpi across hosts" "needs root, ip (iproute2) and unshare to make network namespaces"
	exit 0
fi

# names and a subnet of this run's own, so that another copy of the suite can run beside it
. "$(dirname "$0")/netns.sh"
if ! netns_hosts pbh 0 2; then
	skip "mpi across hosts" "cannot make network namespaces here: $(head -n 1 "$ERR")"
	exit 0
fi

D="$TMP/across"
run run -w pi,primes,image,sumsq --quick -v serial,mpi -j 1,2,4 -s static,dynamic -r 2 -c none -q --hostfile "$TMP/hosts" -o "$D"
expect_rc "every workload across two hosts exits 0" 0
check "across two hosts: every row verified, one result per workload" results_agree "$D"
check "4 worker ranks ran on both hosts, and the hosts are recorded" python3 - "$D/raw.csv" "$H1" "$H2" <<'EOF'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r['variant'] == 'mpi' and r['workers'] == '4']
assert rows
for r in rows:
    hosts = {w.split(':')[0] for w in r['cpus'].split(';')}
    assert hosts == {sys.argv[2], sys.argv[3]}, r['cpus']
EOF

# a rank killed on a remote host: named with that host and its task; no rank or daemon survives
D="$TMP/kill"
"$PARBENCH" run -w sleep -n 2000 -p ms=5 -v mpi -j 4 -s dynamic -r 3 -c none -q --hostfile "$TMP/hosts" -o "$D" >"$OUT" 2>"$ERR" &
pid=$!
echo "$pid" >>"$PIDS"
victim=""
for i in $(seq 1 300); do
	# a worker rank in the second namespace
	victim=$(for p in $(ps -eo pid,comm | awk '$2 == "parbench-mpi" { print $1 }'); do
		[ "$(ip netns identify "$p" 2>/dev/null)" = "$H2" ] && echo "$p"
	done | tail -n 1)
	[ -n "$victim" ] && [ -s "$D/meta.json" ] && break
	sleep 0.1
done
sleep 1
kill -KILL "$victim" 2>/dev/null
wait "$pid"
RC=$?
expect_rc "a rank killed on another host fails the run" 1
expect_grep "the error names the rank, its pid, its host and the task" \
	"^parbench: mpi: rank [0-9]+ \\(pid $victim\\) on host $H2 died (on tasks? [0-9-]+|between tasks): killed by signal 9$" "$ERR"
no_leftovers "across hosts: no rank, daemon (orted), session directory or segment left"
