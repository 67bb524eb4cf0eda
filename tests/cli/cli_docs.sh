#!/bin/sh
# cli_docs.sh: the man page (doc/parbench.1) and the bash completion (scripts/parbench-completion.bash)
# are made from the binary's own option tables, render, and complete what the binary accepts.
. tests/cli/lib.sh

# ---- the man page: what scripts/make-man.sh makes from the tables, committed; it renders ----
PARBENCH="$PARBENCH" sh scripts/make-man.sh "$TMP/parbench.1"
check "doc/parbench.1 is up to date with the option tables (sh scripts/make-man.sh)" cmp -s doc/parbench.1 "$TMP/parbench.1"
if command -v man >/dev/null 2>&1; then
	MANWIDTH=100 man -l doc/parbench.1 >"$TMP/man.txt" 2>"$TMP/man.err"
	check "man -l doc/parbench.1 renders" test -s "$TMP/man.txt"
	check "man renders without warnings" test ! -s "$TMP/man.err"
	for s in NAME SYNOPSIS DESCRIPTION "LIST OPTIONS" "RUN OPTIONS" "REPORT OPTIONS" "COMPARE OPTIONS" "EXIT STATUS"; do
		expect_grep "the man page has $s" "^$s" "$TMP/man.txt"
	done
	# every option of every table is in the page
	for c in list run report compare; do
		"$PARBENCH" help --options "$c" | cut -f2 >"$TMP/opts-$c"
		missing=$(while read -r o; do grep -q -- "$o" "$TMP/man.txt" || echo "$o"; done <"$TMP/opts-$c")
		if [ -z "$missing" ]; then ok "the man page lists every $c option"; else fail "the man page lists every $c option" "missing: $missing"; fi
	done
else
	skip "man -l doc/parbench.1 renders" "no man(1) here"
fi

# ---- every option the tables list is accepted by its command (the tables cannot run ahead) ----
"$PARBENCH" help --options compare | cut -f2,3 >"$TMP/copts"
bad=""
while IFS='	' read -r o arg; do
	[ "$o" = --help ] && continue
	v=""
	case $o in
	--metric) v=time ;; --format) v=csv ;; --threshold | --alpha) v=0.5 ;; --export-*) v="$TMP/x.out" ;;
	esac
	"$PARBENCH" compare "$TMP/none" "$TMP/none" "$o" $v 2>"$TMP/e" >/dev/null
	grep -q "unknown option" "$TMP/e" && bad="$bad $o"
done <"$TMP/copts"
if [ -z "$bad" ]; then ok "compare accepts every option its table lists"; else fail "compare accepts every option its table lists" "refused:$bad"; fi

# ---- bash completion ----
if ! command -v bash >/dev/null 2>&1; then
	skip "bash completion" "no bash here"
	exit 0
fi
# comp LINE: what the completion offers at the end of LINE (space separated, sorted)
comp() {
	PB="$PARBENCH" LINE="$1" bash -c '
		. scripts/parbench-completion.bash
		COMP_LINE="$PB $LINE"; COMP_POINT=${#COMP_LINE}
		_parbench
		printf "%s\n" "${COMPREPLY[@]}" | sort | paste -s -d" " -' 2>"$TMP/comp.err"
}
# expect_comp DESC LINE WANT: the offers are exactly WANT
expect_comp() {
	got=$(comp "$2")
	if [ "$got" = "$3" ]; then ok "$1"; else fail "$1" "line: $2" "expected: $3" "got: $got"; fi
}
expect_comp "completes subcommands" "" "--help --version ab compare help list mech report run topo"
expect_comp "completes a subcommand's start" "re" "report"
expect_comp "completes run's long options" "run --wor" "--workers --workload"
expect_comp "completes report's options" "report --export-j" "--export-json"
expect_comp "completes workloads" "run -w p" "pi primes"
expect_comp "completes the last workload of a list" "run -w pi,su" "pi,sumsq"
expect_comp "completes --workload=VALUE" "run --workload=sl" "sleep"
v=$(only_variants threads)
expect_comp "completes variants" "run -v thr" "$v"
expect_comp "completes schedules" "run -s g" "guided"
expect_comp "completes bindings" "run -b c" "core"
expect_comp "completes the parameters of the workload on the line" "run -w primes -p " "method= segment="
# (bash replaces what follows the '=': the offers are the values)
expect_comp "completes a parameter's choices" "run -w image -p op=b" "blur brightness"
expect_comp "completes compare's metrics" "compare a b --metric e" "efficiency"
expect_comp "completes help's commands" "help co" "compare"
mkdir -p "$TMP/resdir"
expect_comp "completes a results directory for report" "report $TMP/resd" "$TMP/resdir"
check "the completion prints no errors" test ! -s "$TMP/comp.err"
