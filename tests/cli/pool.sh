#!/bin/sh
# pool.sh: the pipelined pool end to end: image bands larger than the pipe buffer with messages
# queued ahead under every schedule, the unbalanced primes under every schedule, the window in
# meta.json, and a bad PARBENCH_POOL_WINDOW.  No timing is judged here (that is make bench's).
. "$(dirname "$0")/lib.sh"

# ---- 16 Mpixel image: 4 tasks are 12 MiB bands, 16 tasks 3 MiB, against 1 MiB pipes ----
for win in "" 2 8; do
	D="$TMP/img-w${win:-default}"
	# (exported, not prefixed: an assignment before a shell function is not passed on portably)
	export PARBENCH_POOL_WINDOW="$win"
	run run -w image -n 16M -p op=blur --tasks 4,16 -v serial,pool -j 1,2,3 \
		-s static,cyclic,dynamic,guided -r 1 --warmup 0 -c none -q -o "$D"
	unset PARBENCH_POOL_WINDOW
	expect_rc "image 16M, window ${win:-default}: exits 0" 0
	check "image 16M, window ${win:-default}: every row verified, identical to serial" results_agree "$D"
	check "image 16M, window ${win:-default}: 2 serial + 24 pool rows" test "$(tail -n +2 "$D/raw.csv" | wc -l)" -eq 26
done

# ---- the unbalanced primes (trial division) under every schedule and chunk ----
D="$TMP/trial"
run run -w primes -p method=trial -n 300000 -v serial,pool -j 2,3 -s static,cyclic,dynamic,guided --chunk 1,5 \
	-r 2 --warmup 0 -c none -q -o "$D"
expect_rc "primes trial under every schedule exits 0" 0
check "primes trial: every row verified, one result" results_agree "$D"

# ---- meta.json says what the pool's window was ----
D="$TMP/meta"
run run -w sleep -p ms=0 -n 1000 -v pool -j 2 -s dynamic -r 1 -c none -q -o "$D"
expect_rc "empty tasks on the pool exit 0" 0
check "meta.json records the default window" python3 -c "import json,sys; v=json.load(open(sys.argv[1]))['variants']['pool']; assert 'window=64' in v, v" "$D/meta.json"
D="$TMP/meta8"
export PARBENCH_POOL_WINDOW=8
run run -w sleep -p ms=0 -n 1000 -v pool -j 2 -s dynamic -r 1 -c none -q -o "$D"
unset PARBENCH_POOL_WINDOW
check "meta.json records a forced window" python3 -c "import json,sys; v=json.load(open(sys.argv[1]))['variants']['pool']; assert 'window=8' in v and 'PARBENCH_POOL_WINDOW' in v, v" "$D/meta.json"

# ---- a window that is not one fails the case with one line ----
D="$TMP/badwin"
export PARBENCH_POOL_WINDOW=x
run run -w sleep -p ms=0 -n 10 -v pool -j 2 -r 1 -c none -q -o "$D"
unset PARBENCH_POOL_WINDOW
expect_rc "PARBENCH_POOL_WINDOW=x exits 1" 1
expect_grep "PARBENCH_POOL_WINDOW=x names the variable" "^parbench: pool: PARBENCH_POOL_WINDOW='x' is not a window" "$ERR"
no_leftovers "pool: no zombie, no segment"
