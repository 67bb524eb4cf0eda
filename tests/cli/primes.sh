#!/bin/sh
# primes.sh: the primes workload end to end: counts in raw.csv for both methods, task splits, segment sizes, bad parameters.
. "$(dirname "$0")/lib.sh"

# all_equal FILE COLUMN VALUE: every data row of FILE has VALUE in COLUMN (and there is at least one row).
all_equal() {
	test -s "$1" && test "$(csv_col "$1" "$2" | sort -u)" = "$3"
}

# --quick: pi(3e7) by the sieve, verified, every repetition a row.
D="$TMP/quick"
run run -w primes -v serial --quick -r 2 --warmup 0 -o "$D"
expect_rc "quick primes run exits 0" 0
check "quick size is 3e7" all_equal "$D/raw.csv" size 30000000
check "quick result is pi(3e7) = 1857859" all_equal "$D/raw.csv" result 1857859
check "quick rows verified" all_equal "$D/raw.csv" verified 1
check "quick run has one row per repetition" test "$(tail -n +2 "$D/raw.csv" | wc -l)" -eq 2
check "params column records both parameters" all_equal "$D/raw.csv" params "method=sieve;segment=auto"

# pi(1e7) with several task splits: the same count every time.  16 KiB segments hold
# 262144 numbers, so 1e7 is 39 segments (items): 39 tasks is one segment each, 40 is too many.
D="$TMP/splits"
run run -w primes -v serial -n 1e7 -p segment=16 -r 1 --warmup 0 --tasks 1,7,39 -o "$D"
expect_rc "sieve with three task counts exits 0" 0
check "three cases written" test "$(csv_col "$D/raw.csv" tasks | sort -un | tr '\n' ' ')" = "1 7 39 "
check "every split counts pi(1e7) = 664579" all_equal "$D/raw.csv" result 664579
check "every split verified" all_equal "$D/raw.csv" verified 1
expect_usage_error "a task never splits a segment: 40 tasks over 39 segments rejected" "more than its 39 items" \
	run -w primes -v serial -n 1e7 -p segment=16 --tasks 40 -o "$TMP/splits40"

# Default tasks (64) are capped at the number of segments.
D="$TMP/cap"
run run -w primes -v serial -n 1e7 -p segment=64 -r 1 --warmup 0 -o "$D"
expect_rc "default task count run exits 0" 0
check "default tasks capped at the 10 segments of 64 KiB" all_equal "$D/raw.csv" tasks 10

# A size that is not a power of ten, 1 KiB segments (8 segments, N mid-segment).
D="$TMP/segments"
run run -w primes -v serial -n 123456 -p segment=1 -r 1 --warmup 0 --tasks 1,3,8 -o "$D"
expect_rc "1 KiB segments exit 0" 0
check "three cases written" test "$(tail -n +2 "$D/raw.csv" | wc -l)" -eq 3
check "1 KiB segments count pi(123456) = 11601" all_equal "$D/raw.csv" result 11601
check "1 KiB segments verified (by lucy's method)" all_equal "$D/raw.csv" verified 1

# Every schedule on two threads gives the same count (skipped while threads is unavailable).
if "$PARBENCH" list 2>/dev/null | grep -Eq '^  threads +available'; then
	D="$TMP/threads"
	run run -w primes -v threads -j 2 -n 1e7 -p segment=8 -r 1 --warmup 0 --tasks 77 --chunk 3 \
		-s static,cyclic,dynamic,guided -o "$D"
	expect_rc "threads with every schedule exit 0" 0
	check "four schedules written" test "$(csv_col "$D/raw.csv" schedule | sort -u | wc -l)" -eq 4
	check "every schedule counts pi(1e7) = 664579" all_equal "$D/raw.csv" result 664579
else
	skip "every schedule on two threads" "the threads variant is not available in this build"
fi

# Trial division agrees with the sieve.
D="$TMP/trial"
run run -w primes -v serial -n 99991 -p method=trial -r 1 --warmup 0 --tasks 1,16 -o "$D"
expect_rc "trial division exits 0" 0
check "trial division counts pi(99991) = 9592" all_equal "$D/raw.csv" result 9592
check "trial division verified" all_equal "$D/raw.csv" verified 1
check "trial params recorded" all_equal "$D/raw.csv" params "method=trial;segment=auto"

# Without -n, trial division uses its own default size (the sieve's 1e9 would take hours).
D="$TMP/trialdef"
run run -w primes -v serial -p method=trial -r 1 --warmup 0 -o "$D"
expect_rc "trial division at its default size exits 0" 0
check "trial default size is 3000000" all_equal "$D/raw.csv" size 3000000
check "trial default counts pi(3e6) = 216816" all_equal "$D/raw.csv" result 216816

# Bad parameters and sizes: exit 2, one line naming the subject, nothing written.
B="$TMP/bad"
expect_usage_error "segment=0 rejected" "parameter 'segment': 0 is out of range" run -w primes -p segment=0 -o "$B"
expect_usage_error "segment=abc rejected" "parameter 'segment': 'abc'" run -w primes -p segment=abc -o "$B"
expect_usage_error "segment above 8192 KiB rejected" "parameter 'segment'" run -w primes -p segment=9000 -o "$B"
expect_usage_error "unknown method rejected" "'wheel' is not one of" run -w primes -p method=wheel -o "$B"
expect_usage_error "trial division above 1e8 rejected" "method 'trial': size 200000000" run -w primes -p method=trial -n 2e8 -o "$B"
expect_usage_error "size above 1e11 rejected" "larger than the maximum" run -w primes -n 2e11 -o "$B"
check "bad input wrote no results directory" test ! -e "$B"
