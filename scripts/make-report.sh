#!/bin/sh
# make-report.sh: `make report`: parbench report on results/latest (or the directory given), then
# copies a small set of its PNGs (800x500) to doc/plots/, beside REPORT.md.
# usage: scripts/make-report.sh [DIR]; environment: PARBENCH (default build/parbench)
set -eu
dir=${1:-results/latest}
PB=${PARBENCH:-build/parbench}
if [ ! -d "$dir" ]; then
	echo "report: no results directory '$dir' (run make bench first)" >&2
	exit 2
fi
"$PB" report -q "$dir"
mkdir -p doc/plots
rm -f doc/plots/*.png
n=0
# copy FILE...: copies the first of the files that exists (a glob that matched nothing is skipped).
copy() {
	for f in "$@"; do
		[ -f "$f" ] || continue
		cp "$f" doc/plots/
		n=$((n + 1))
		return 0
	done
}
p=$dir/plots
copy "$p/speedup-bars.png"
for w in pi primes image sumsq; do
	# the first group of each workload: its default decomposition
	copy "$p/$w"-n*-speedup.png
	copy "$p/$w"-n*-time.png
done
copy "$p"/sumsq-n*-form_array-speedup.png
copy "$p"/image-n*-pool-shm.png
copy "$p"/sleep-n16-ms_20-time.png
copy "$p/dispatch.png"
copy "$p/tasklen.png"
copy "$p"/*-chunks-j*.png
echo "report: '$dir/report.md'; $n plots copied to doc/plots/" >&2
