# workloads_pi_sumsq.sh: pi, sumsq and sleep through `parbench run`: results identical across task
# counts, totals against closed forms computed here, form defaults, bad parameters (exit 2, one line).
. "$(dirname "$0")/lib.sh"

# rows DIR: the number of data rows of DIR/raw.csv.
rows() { tail -n +2 "$1/raw.csv" | wc -l; }
# same DIR COLUMN: every row of DIR/raw.csv has the same value in COLUMN (and there are rows).
same() { test "$(rows "$1")" -gt 0 && test "$(csv_col "$1/raw.csv" "$2" | sort -u | wc -l)" -eq 1; }
all_verified() { test "$(csv_col "$1/raw.csv" verified | sort -u)" = 1; }

# ---- pi ----
D="$TMP/pi"
run run -w pi -v serial -n 3000017 --tasks 1,7,64,1000 -r 2 -o "$D"
expect_rc "pi over 1, 7, 64 and 1000 tasks exits 0" 0
check "pi: a row per task count and rep" test "$(rows "$D")" -eq 8
check "pi: every row verified" all_verified "$D"
check "pi: the estimate is identical for every task count" same "$D" result
check "pi: the estimate has 10 decimals" test -n "$(csv_col "$D/raw.csv" result | grep -E '^3\.[0-9]{10}$')"
check "pi: tasks column lists 1, 7, 64, 1000" test "$(csv_col "$D/raw.csv" tasks | sort -un | tr '\n' ' ')" = "1 7 64 1000 "

D2="$TMP/pi-seed"
run run -w pi -v serial -n 3000017 -p seed=1 -r 1 -o "$D2"
expect_rc "pi seed=1 exits 0" 0
check "pi: another seed gives another estimate" test "$(csv_col "$D/raw.csv" result | head -n 1)" != \
	"$(csv_col "$D2/raw.csv" result)"
expect_usage_error "pi: a seed that is not a number" "seed.*not a non-negative integer" run -w pi -v serial -p seed=abc -o "$TMP/x1"
expect_usage_error "pi: a negative seed" "seed" run -w pi -v serial -p seed=-3 -o "$TMP/x2"

# ---- sumsq ----
# index at 5e6 has wrapped past 2^64; the closed form mod 2^64, computed independently here
D="$TMP/sq-index"
run run -w sumsq -v serial -n 5000000 --tasks 1,3,64 -r 1 -o "$D"
expect_rc "sumsq index n=5e6 exits 0" 0
want=$(python3 -c 'n = 5000000; print((n - 1) * n * (2 * n - 1) // 6 % 2**64)')
check "sumsq index: total is the closed form mod 2^64 ($want)" test "$(csv_col "$D/raw.csv" result | sort -u)" = "$want"
check "sumsq index: every row verified" all_verified "$D"

D="$TMP/sq-cubic"
run run -w sumsq -v serial -p form=cubic -n 1000003 --tasks 1,7,64 -r 1 -o "$D"
expect_rc "sumsq cubic exits 0" 0
want=$(python3 -c 'n = 1000003; print(sum(i + i * i + i ** 3 for i in range(n)))')
check "sumsq cubic: total is the exact sum ($want)" test "$(csv_col "$D/raw.csv" result | sort -u)" = "$want"

D="$TMP/sq-array"
run run -w sumsq -v serial -p form=array --quick --tasks 1,64,999 -r 1 -o "$D"
expect_rc "sumsq array --quick exits 0" 0
check "sumsq array: no -n gives the form's own size (2^20)" test "$(csv_col "$D/raw.csv" size | sort -u)" = 1048576
check "sumsq array: identical totals for every task count" same "$D" result
check "sumsq array: every row verified" all_verified "$D"

D="$TMP/sq-array-n"
run run -w sumsq -v serial -p form=array -n 1000 -r 1 -o "$D"
check "sumsq array: a user's -n is kept" test "$(csv_col "$D/raw.csv" size)" = 1000

expect_usage_error "sumsq: an unknown form" "'squares' is not one of" run -w sumsq -p form=squares -o "$TMP/x3"
expect_usage_error "sumsq: cubic above its bound" "form=cubic" run -w sumsq -p form=cubic -n 2^33 -o "$TMP/x4"
expect_usage_error "sumsq: array above its bound" "form=array" run -w sumsq -p form=array -n 2^32 -o "$TMP/x5"

# ---- sleep ----
D="$TMP/sleep0"
run run -w sleep -v serial -n 100 -p ms=0 -r 2 -o "$D"
expect_rc "sleep ms=0 exits 0" 0
check "sleep: one task per item by default" test "$(csv_col "$D/raw.csv" tasks | sort -u)" = 100
check "sleep: the result counts the items" test "$(csv_col "$D/raw.csv" result | sort -u)" = 100
check "sleep: every row verified" all_verified "$D"

D="$TMP/sleep20"
run run -w sleep -v serial -n 4 -p ms=20 -r 1 -o "$D"
expect_rc "sleep ms=20 exits 0" 0
# a lower bound is behaviour (the sleeps happened), not a speed requirement
check "sleep: 4 x 20 ms serially takes at least 80 ms" awk -F, 'NR > 1 && $12 + 0 < 0.08 { exit 1 }' "$D/raw.csv"

expect_usage_error "sleep: negative ms" "'ms'.*out of range" run -w sleep -p ms=-1 -o "$TMP/x6"
expect_usage_error "sleep: ms not a number" "'ms'.*not a number" run -w sleep -p ms=soon -o "$TMP/x7"
expect_usage_error "sleep: infinite ms" "'ms'.*not a number" run -w sleep -p ms=inf -o "$TMP/x8"

run list
expect_grep "sleep is listed outside the default set" '^  sleep +\*' "$OUT"
expect_grep "sumsq lists its forms" 'form=index +\(index\|array\|cubic\)' "$OUT"
no_leftovers "no leftovers after the workload runs"
