#!/bin/sh
# compare.sh: parbench compare and ab from the command line: clean against itself, a planted
# slowdown caught and named, malformed input rejected in one line, speedup across "machines".
. tests/cli/lib.sh

# mkraw FILE SCALE: a hand-made raw.csv: pi and sumsq, serial j=1, threads j=1,2, pool j=2, 10 reps,
# 1% noise (fixed seed), every time multiplied by SCALE.
mkraw() {
	awk -v scale="$2" 'BEGIN {
		srand(7)
		print "run_id,workload,size,params,variant,workers,tasks,chunk,schedule,bind,rep,wall_s,setup_s,user_s,sys_s,max_rss_kb,result,verified,cpus"
		split("serial:1 threads:1 threads:2 pool:2", cs, " ")
		for (w = 1; w <= 2; w++) for (c = 1; c <= 4; c++) {
			split(cs[c], vj, ":")
			for (r = 1; r <= 10; r++) {
				t = 0.2 * w / vj[2] * (vj[1] == "serial" ? 1 : 1.1) * (1 + 0.01 * (rand() - 0.5)) * scale
				printf "run1,%s,1000000,op=x;k=2,%s,%d,64,1,static,none,%d,%.9f,0.0001,%.6f,0,2000,42,1,0;1\n",
					w == 1 ? "pi" : "sumsq", vj[1], vj[2], r, t, t
			}
		}
	}' >"$1"
}

base=$TMP/base.csv
mkraw "$base" 1
mkdir -p "$TMP/basedir" && cp "$base" "$TMP/basedir/raw.csv"

# a run against itself: exit 0, every case the same
run compare "$base" "$TMP/basedir"
expect_rc "against itself: exit 0" 0
expect_grep "against itself: 8 compared, all same" "8 compared: 0 slower, 0 faster, 8 same, 0 unsure" "$OUT"
expect_no_grep "against itself: no slower line" " slower *$" "$OUT"

# one case (sumsq pool j=2) made 30% slower: caught and named, exit 1
awk -F, 'BEGIN { OFS = "," } $2 == "sumsq" && $5 == "pool" && $6 == 2 { $12 = sprintf("%.9f", $12 * 1.3) } { print }' \
	"$base" >"$TMP/slow.csv"
run compare "$base" "$TMP/slow.csv"
expect_rc "planted slowdown: exit 1" 1
expect_grep "planted slowdown: the case is named slower" "^sumsq n=1000000 op=x;k=2 pool j=2 .*\+30\.0% .* slower *$" "$OUT"
n=$(grep -c ' slower *$' "$OUT")
if [ "$n" -eq 1 ]; then ok "planted slowdown: only that case"; else fail "planted slowdown: only that case" "$n slower lines"; fi
run compare "$base" "$TMP/slow.csv" --threshold 40
expect_rc "planted slowdown under --threshold 40: exit 0" 0
run compare "$base" "$TMP/slow.csv" --format md
expect_grep "--format md: a Markdown row in bold" '^\| `sumsq .*pool j=2.*\| \*\*slower\*\* \|$' "$OUT"
run compare "$base" "$TMP/slow.csv" --format csv
expect_grep "--format csv: the slower row, then its Holm-adjusted p and the verdict before the guard" \
	'^sumsq,1000000,op=x;k=2,pool,2,64,1,static,none,time,10,10,.*,slower,[0-9.e-]+,slower,0,$' "$OUT"
expect_grep "--format csv: the geometric mean row" '^geomean,' "$OUT"

# --metric speedup across two "machines": every time doubled on the other one
mkraw "$TMP/twice.csv" 2
run compare "$base" "$TMP/twice.csv" --metric speedup
expect_rc "speedup across machines: exit 0" 0
expect_grep "speedup across machines: all same" "6 compared: 0 slower, 0 faster, 6 same, 0 unsure" "$OUT"
expect_grep "speedup: serial cases are the reference" "^not comparable: pi .* serial .*serial reference" "$OUT"
run compare "$base" "$TMP/twice.csv" --metric efficiency
expect_rc "efficiency across machines: exit 0" 0
run compare "$base" "$TMP/twice.csv"
expect_rc "time across machines: slower, exit 1" 1

# unmatched cases are listed both ways
grep -v ',threads,2,' "$base" >"$TMP/less.csv"
run compare "$base" "$TMP/less.csv"
expect_grep "unmatched: only in BASE" "^only in BASE: pi .*threads j=2" "$OUT"
run compare "$TMP/less.csv" "$base"
expect_grep "unmatched: only in NEW" "^only in NEW: sumsq .*threads j=2" "$OUT"

# few repetitions: unsure, one warning
awk -F, '$11 == "rep" || $11 <= 4' "$base" >"$TMP/few.csv"
run compare "$TMP/few.csv" "$TMP/slow.csv"
expect_rc "4 repetitions: not a verdict, exit 0" 0
w=$(grep -c 'fewer than 9 repetitions' "$ERR")
if [ "$w" -eq 1 ]; then ok "4 repetitions: warned once"; else fail "4 repetitions: warned once" "$w warnings"; fi

# malformed input: one line, exit 2
head -c -3 "$base" >"$TMP/truncated.csv"
expect_usage_error "truncated csv" "compare: .*truncated" compare "$base" "$TMP/truncated.csv"
sed '1s/wall_s/wall/' "$base" >"$TMP/header.csv"
expect_usage_error "wrong header" "compare: .*wrong header" compare "$TMP/header.csv" "$base"
awk -F, 'BEGIN { OFS = "," } NR == 5 { $12 = "fast" } { print }' "$base" >"$TMP/nan.csv"
expect_usage_error "non-numeric time" "compare: .*bad value 'fast' in column wall_s" compare "$base" "$TMP/nan.csv"
: >"$TMP/empty.csv"
expect_usage_error "empty file" "compare: .*empty" compare "$base" "$TMP/empty.csv"
expect_usage_error "missing file" "compare: cannot read '.*nothere': No such file" compare "$base" "$TMP/nothere"
sed 's/,pi,/,primes,/; s/,sumsq,/,image,/' "$base" >"$TMP/other.csv"
expect_usage_error "no common cases" "compare: .*no common cases" compare "$base" "$TMP/other.csv"
expect_usage_error "bad --threshold" "compare: bad value 'x' for --threshold" compare "$base" "$base" --threshold x
expect_usage_error "bad --alpha" "compare: bad value '1.5' for --alpha" compare "$base" "$base" --alpha 1.5
expect_usage_error "bad --metric" "compare: bad value 'fast' for --metric" compare "$base" "$base" --metric fast
expect_usage_error "unknown option" "compare: unknown option '--bogus'" compare "$base" "$base" --bogus
expect_usage_error "one path" "compare: expected BASE and NEW" compare "$base"

# ab with stand-in builds (tests/fake-parbench.sh writes raw.csv like run does)
fake=$(pwd)/tests/fake-parbench.sh
printf '#!/bin/sh\nFAKE_SLOW=sumsq-threads exec "%s" "$@"\n' "$fake" >"$TMP/slow-build"
printf '#!/bin/sh\nFAKE_SLOW=sumsq-threads FAKE_SLOW_ONLY_MATRIX=1 exec "%s" "$@"\n' "$fake" >"$TMP/flaky-build"
chmod +x "$TMP/slow-build" "$TMP/flaky-build"
run ab "$fake" "$fake" --out "$TMP/ab-same" -q
expect_rc "ab: a build against itself: exit 0" 0
check "ab: rows gathered per build (5 rounds x 3), reps renumbered 1..15" \
	test "$(grep -c ',pi,100000,,serial,' "$TMP/ab-same/a/raw.csv")" -eq 15 -a \
	"$(csv_col "$TMP/ab-same/b/raw.csv" rep | sort -n | tail -n 1)" -eq 15
run ab "$fake" "$TMP/slow-build" --out "$TMP/ab-slow" --confirm 2 -q
expect_rc "ab: a slower build, confirmed twice: exit 1" 1
expect_grep "ab: the confirmed case is named" "^regression confirmed: sumsq .*threads j=2" "$OUT"
run ab "$fake" "$TMP/flaky-build" --out "$TMP/ab-flaky" --confirm 1 -q
expect_rc "ab: a slowdown that does not reproduce: exit 0" 0
expect_grep "ab: not confirmed" "^not confirmed: sumsq .*threads j=2" "$OUT"
# a slowdown seen only in repetitions flagged disturbed (a noisy neighbour during the matrix): unsure, exit 3;
# re-run by --confirm, where it does not reproduce: exit 0
printf '#!/bin/sh\nFAKE_DISTURB=sumsq-threads exec "%s" "$@"\n' "$fake" >"$TMP/disturbed-build"
chmod +x "$TMP/disturbed-build"
run ab "$fake" "$TMP/disturbed-build" --out "$TMP/ab-disturbed" -q
expect_rc "ab: a slowdown in disturbed repetitions only: unsure, exit 3" 3
expect_grep "ab: the disturbed case is named unsure, with the reason" \
	"^unsure: sumsq .*threads j=2.*looks slower \(\+[0-9.]+%\), but 15 of 15 NEW repetitions disturbed" "$OUT"
expect_grep "ab: the gate line says unsure" "^# gate: unsure \(exit 3\)" "$OUT"
run ab "$fake" "$TMP/disturbed-build" --out "$TMP/ab-disturbed-confirmed" --confirm 1 -q
expect_rc "ab: the disturbed case re-run clean: not a regression, exit 0" 0
expect_grep "ab: the re-run clears it" "^not confirmed: sumsq .*threads j=2" "$OUT"
# builds that write raw.csv without the disturbance columns (before issue 10) still compare
printf '#!/bin/sh\nFAKE_OLD=1 FAKE_SLOW=sumsq-threads exec "%s" "$@"\n' "$fake" >"$TMP/old-build"
chmod +x "$TMP/old-build"
run ab "$fake" "$TMP/old-build" --out "$TMP/ab-old" -q
expect_rc "ab: an older build's raw.csv: the slowdown still caught, exit 1" 1
expect_usage_error "ab: missing binary" "ab: cannot run '.*nope': No such file" ab "$fake" "$TMP/nope"
expect_usage_error "ab: not executable" "ab: cannot run '.*base.csv': not an executable file" ab "$base" "$fake"
expect_usage_error "ab: bad --rounds" "ab: bad value '0' for --rounds" ab "$fake" "$fake" --rounds 0
