#!/bin/sh
# make-man.sh: doc/parbench.1 from doc/parbench.1.in, with the option lists and names taken from the
# binary's own tables (parbench help --options CMD, parbench help --words KIND), so that the man page
# cannot drift from the options parbench accepts.  tests/cli/cli_docs.sh checks that the committed
# page is what this script makes.
# usage: scripts/make-man.sh [OUT]   (default doc/parbench.1); environment: PARBENCH (default build/parbench)
set -eu
PB=${PARBENCH:-build/parbench}
out=${1:-doc/parbench.1}
in=$(dirname "$0")/../doc/parbench.1.in
version=$("$PB" --version | awk '{ print $2 }')

# roff_text: escape what roff would read as commands or escapes (backslashes, hyphens, leading dots).
roff_text() {
	sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e 's/^\./\\\&./'
}

# options CMD: one .TP entry per option of CMD's table (tab-separated: short, long, value, help).
# The tabs become a non-blank separator first: read would merge two blank ones and lose an empty field.
options() {
	us=$(printf '\037')
	"$PB" help --options "$1" | tr '\t' '\037' | while IFS=$us read -r short long arg help; do
		names=$long
		[ -n "$short" ] && names="$short, $long"
		names=$(printf '%s' "$names" | roff_text)
		printf '.TP\n\\fB%s\\fR' "$names"
		[ -n "$arg" ] && printf ' \\fI%s\\fR' "$arg"
		printf '\n%s\n' "$(printf '%s' "$help" | roff_text)"
	done
}

# words KIND: the names of KIND joined with ", ", in bold.
words() {
	"$PB" help --words "$1" | grep -v '^all$' | sed 's/.*/\\fB&\\fR/' | paste -s -d, - | sed 's/,/, /g'
}

tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
{
echo '.\" parbench.1: made by scripts/make-man.sh from doc/parbench.1.in and the option tables; edit those'
while IFS= read -r line; do
	case $line in
	'.\"@'*) ;;
	'@OPTIONS '*'@') cmd=${line#@OPTIONS }; options "${cmd%@}" ;;
	*'@WORDS '*'@'*)
		kind=${line#*@WORDS }
		kind=${kind%%@*}
		printf '%s%s%s\n' "${line%%@WORDS*}" "$(words "$kind")" "${line#*@WORDS *@}"
		;;
	*'@VERSION@'*) printf '%s\n' "$line" | sed "s/@VERSION@/$version/" ;;
	*) printf '%s\n' "$line" ;;
	esac
done <"$in"
} >"$tmp"
mv "$tmp" "$out"
trap - EXIT
