#!/bin/sh
# fold-check.sh: checks that the compiler did not fold sumsq's loops into their closed forms:
# time at n and at 8n must grow at least 4x (O(n) work); prints the ratios and PASS or FAIL.
# Usage: scripts/fold-check.sh [PARBENCH [N]]   (default build/parbench, N = 50000000)
# Exit status: 0 every form passed, 1 a form failed, 2 a run did not work.
bin=${1:-build/parbench}
n=${2:-50000000}
case "$n" in
'' | *[!0-9]*)
	echo "fold-check: N '$n' is not a positive integer" >&2
	exit 2
	;;
esac
if [ ! -x "$bin" ]; then
	echo "fold-check: '$bin' is not an executable" >&2
	exit 2
fi
tmp=$(mktemp -d /tmp/fold-check.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

# wall DIR: the minimum wall_s over the rows of DIR/raw.csv (the least disturbed repetition);
# fails if there is no row or a row is not verified.
wall() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "wall_s") c = i; if ($i == "verified") v = i }; next }
		!c || !v || $v != 1 { bad = 1 }
		c && (m == "" || $c + 0 < m) { m = $c + 0 }
		END { if (bad || m == "") exit 1; printf "%.6f\n", m }' "$1/raw.csv" 2>/dev/null
}

# timed FORM SIZE: runs parbench serially and prints the minimum wall time.  The timings are
# what matters, so verified rows in raw.csv are enough (a later step such as the summary may fail).
timed() {
	d="$tmp/$1-$2"
	"$bin" run -w sumsq -p "form=$1" -v serial -n "$2" -r 3 -o "$d" >"$tmp/out" 2>&1
	if ! wall "$d"; then
		echo "fold-check: parbench run -w sumsq -p form=$1 -n $2 gave no verified rows: $(tail -n 1 "$tmp/out")" >&2
		return 1
	fi
}

status=0
for form in index cubic; do
	t1=$(timed "$form" "$n") || exit 2
	t8=$(timed "$form" $((8 * n))) || exit 2
	verdict=$(awk -v a="$t1" -v b="$t8" 'BEGIN { r = a > 0 ? b / a : 0; printf "%.2f %s\n", r, (r >= 4 ? "PASS" : "FAIL") }')
	echo "sumsq form=$form: n=$n ${t1} s, 8n=$((8 * n)) ${t8} s, ratio ${verdict% *}: ${verdict#* }"
	case "$verdict" in *" PASS") ;; *) status=1 ;; esac
done
[ "$status" -eq 0 ] && echo "PASS" || echo "FAIL"
exit "$status"
