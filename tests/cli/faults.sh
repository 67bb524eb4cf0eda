#!/bin/sh
# faults.sh: worker processes that die, signals to parbench, --timeout and fork failure, for the
# pool, process and shm variants: the right message and exit status, and nothing left behind.
. "$(dirname "$0")/lib.sh"

# children PID: the pids of PID's children, space-separated.
children() { ps -o pid= --ppid "$1" 2>/dev/null | tr -s ' \n' ' '; }

# wait_workers PID: wait up to 10 s until PID has two children at once (the -j 2 workers: the
# pipe probe parbench forks at start for meta.json is alone); prints the first one.
wait_workers() {
	i=0
	while [ $i -lt 200 ]; do
		c=$(children "$1")
		if [ "$(echo "$c" | wc -w)" -ge 2 ]; then
			echo "$c" | awk '{ print $1 }'
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# errors: the lines of $ERR that are not warnings.
errors() { grep -v '^parbench: warning: ' "$ERR"; }

# gone PIDS...: none of the processes exists any more.
gone() {
	for p in "$@"; do
		if kill -0 "$p" 2>/dev/null; then return 1; fi
	done
	return 0
}

# all_gone "PIDS": PIDS is not empty and none of them exists any more.
all_gone() {
	[ -n "$(echo $1)" ] || return 1
	# shellcheck disable=SC2086
	gone $1
}

# start ARGS...: runs parbench in the background (stdout/stderr to $OUT/$ERR); sets $PB.
start() {
	"$PARBENCH" "$@" >"$OUT" 2>"$ERR" &
	PB=$!
}

# finish: waits for $PB, sets $RC and $ELAPSED (seconds since $T0).
finish() {
	wait "$PB"
	RC=$?
	ELAPSED=$(($(date +%s) - T0))
}

# ---- a worker killed with SIGKILL mid-run ----
for v in pool shm process; do
	T0=$(date +%s)
	start run -w sleep -n 8 -p ms=500 -v $v -j 2 --chunk 1 -r 1 --warmup 0 -q -o "$TMP/kill-$v"
	victim=$(wait_workers "$PB")
	if [ -z "$victim" ]; then
		fail "$v: a worker appears" "no child of parbench within 10 s"
		kill -9 "$PB" 2>/dev/null
		continue
	fi
	sleep 0.3 # past start-up: the worker is on a task
	kids=$(children "$PB")
	kill -9 "$victim"
	finish
	expect_rc "$v: a worker killed mid-run exits 1" 1
	expect_grep "$v: the message names variant, worker, pid, task and signal" \
		"^parbench: $v: worker [01] \\(pid $victim\\) died on task [0-7]: killed by signal 9\$" "$ERR"
	check "$v: the failure is reported within 5 s" test "$ELAPSED" -le 5
	check "$v: every worker is gone" all_gone "$kids $victim"
	no_leftovers "$v: no zombie, no segment after a killed worker"
	check "$v: no row is written for the failed case" test "$(tail -n +2 "$TMP/kill-$v/raw.csv" 2>/dev/null | wc -l)" -eq 0
done

# ---- SIGINT and SIGTERM to parbench mid-run ----
for v in pool shm process; do
	for sig in INT TERM; do
		start run -w sleep -n 8 -p ms=500 -v $v -j 2 -r 1 --warmup 0 -q -o "$TMP/sig-$v-$sig"
		first=$(wait_workers "$PB")
		sleep 0.3
		kids=$(children "$PB")
		kill -$sig "$PB"
		T0=$(date +%s)
		finish
		want=130
		[ $sig = TERM ] && want=143
		expect_rc "$v: SIG$sig to parbench exits $want" $want
		check "$v: SIG$sig: the workers are gone" all_gone "$first $kids"
		no_leftovers "$v: SIG$sig: no zombie, no segment"
	done
done

# ---- --timeout stops a run that takes too long ----
for v in pool shm process; do
	T0=$(date +%s)
	run run -w sleep -n 2 -p ms=100000 -v $v -j 2 -r 1 --warmup 0 --timeout 1 -q -o "$TMP/timeout-$v"
	ELAPSED=$(($(date +%s) - T0))
	expect_rc "$v: --timeout 1 exits 1" 1
	expect_grep "$v: --timeout says what timed out" "^parbench: .*$v.*: timed out after 1 s\$" "$ERR"
	check "$v: --timeout 1 stops within 5 s" test "$ELAPSED" -le 5
	no_leftovers "$v: --timeout: no zombie, no segment"
done

# ---- fork failing: as user nobody with RLIMIT_NPROC 1 (root ignores the limit) ----
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && command -v prlimit >/dev/null &&
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$PARBENCH"; then
	D=$(mktemp -d "$TMP/nobody.XXXXXX")
	chmod 1777 "$TMP" "$D"
	for v in pool shm process; do
		# LeakSanitizer (in a sanitizer build) needs a thread of its own at exit, which the limit forbids
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		setpriv --reuid=65534 --regid=65534 --clear-groups prlimit --nproc=1 -- \
			"$PARBENCH" run -w sleep -n 4 -p ms=0 -v $v -j 2 -r 1 --warmup 0 -q -o "$D/$v" >"$OUT" 2>"$ERR"
		RC=$?
		expect_rc "$v: fork failure exits 1" 1
		expect_grep "$v: fork failure is one clear message" \
			"^parbench: $v: cannot fork worker [01]: Resource temporarily unavailable\$" "$ERR"
		check "$v: fork failure: one error line on stderr" test "$(errors | grep -c .)" -eq 1
		no_leftovers "$v: fork failure: no zombie, no segment"
	done
else
	skip "fork failure" "needs root, setpriv and prlimit, and a parbench binary user nobody can run"
fi
