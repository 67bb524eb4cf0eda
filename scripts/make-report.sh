#!/bin/sh
# make-report.sh: `make report`: parbench report on results/latest (or the directory given), then
# copies the PNGs that answer a question (800x520) to doc/plots/, beside REPORT.md.
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
copy "$p/speedup-bars.png"                     # which variant, at the core count
for w in pi primes image sumsq; do
	# the first group of each workload (its default decomposition): how it scales, with the fitted model
	copy "$p/$w"-n*-speedup.png
	copy "$p/$w"-n*-time.png
done
copy "$p"/sumsq-n*-form_array-speedup.png       # memory-bound
copy "$p"/pi-n*-counters.png                    # what oversubscription costs
copy "$p"/pi-n*-setup.png                       # what starting the workers costs
copy "$p"/image-n*-pool-shm.png                 # copies through pipes against shared memory
copy "$p"/sleep-n16-ms_20-time.png              # past the core count: ceil(T/P)·ms
copy "$p/dispatch.png"                          # handing out one task
copy "$p/tasklen.png"                           # a fork per task against the pool
for f in "$p"/*-chunks-j*.png; do copy "$f"; done # chunking
echo "report: '$dir/report.md'; $n plots copied to doc/plots/" >&2
