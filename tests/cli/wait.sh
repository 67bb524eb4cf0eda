#!/bin/sh
# wait.sh: --wait block|spin|spinblock: every policy gives the serial result for threads and
# OpenMP, meta.json records the policy and what OpenMP was started with (set by parbench to
# match, or the user's own), and a bad policy is bad usage.  No timing is judged here.
. "$(dirname "$0")/lib.sh"

V=$(only_variants threads,openmp)
for w in block spin spinblock; do
	D="$TMP/$w"
	run run -w pi,sumsq --quick -v "serial,$V" -j 1,2 -s static,dynamic --wait "$w" -r 2 --warmup 1 -c none -q -o "$D"
	expect_rc "--wait $w exits 0" 0
	check "--wait $w: every row verified, one result per workload" results_agree "$D"
	check "--wait $w: meta.json records the policy" python3 -c "import json,sys; assert json.load(open(sys.argv[1]))['wait'] == sys.argv[2]" "$D/meta.json" "$w"
	if have_variant openmp; then
		case $w in
		block) env="OMP_WAIT_POLICY=passive" ;;
		spin) env="OMP_WAIT_POLICY=active" ;;
		spinblock) env="GOMP_SPINCOUNT=300000" ;;
		esac
		check "--wait $w: OpenMP was started with $env, set by parbench" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))['variants']['openmp']
assert sys.argv[2] in d and 'set by parbench to match --wait ' + sys.argv[3] in d, d
" "$D/meta.json" "$env" "$w"
	fi
done

if have_variant openmp; then
	# the user's own setting is kept and said to be theirs (exported: a prefix does not reach run())
	export OMP_WAIT_POLICY=active
	run run -w sumsq --quick -v openmp -j 2 -r 1 -c none -q -o "$TMP/user"
	unset OMP_WAIT_POLICY
	expect_rc "OMP_WAIT_POLICY=active from the user exits 0" 0
	check "the user's OMP_WAIT_POLICY is kept and recorded as theirs" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))['variants']['openmp']
assert 'OMP_WAIT_POLICY=active' in d and 'set by the user' in d, d
" "$TMP/user/meta.json"
	# without openmp in the run nothing is restarted or set
	run run -w sumsq --quick -v threads -j 2 -r 1 -c none -q -o "$TMP/noomp"
	check "a run without openmp sets nothing and records no OpenMP facts" python3 -c "
import json, sys
m = json.load(open(sys.argv[1]))
assert 'openmp' not in m['variants'], m['variants']
" "$TMP/noomp/meta.json"
else
	skip "OpenMP's waiting policy" "this build has no OpenMP"
fi

expect_usage_error "--wait rejects an unknown policy" "unknown waiting policy 'busy' \\(expected block, spin or spinblock\\)" \
	run -w pi -v threads --wait busy -o "$TMP/bad"
check "nothing written after a bad --wait" test ! -e "$TMP/bad"
no_leftovers "wait: no zombie, no segment"
