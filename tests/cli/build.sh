#!/bin/sh
# build.sh: the Makefile on a fresh machine: a missing library is one make error naming the Debian
# package; scripts/deps.sh not as root prints the exact apt-get line and exits 2; editing README.md
# rebuilds only the objects that include buildinfo.h.  Works on a copy of this source tree.
. "$(dirname "$0")/lib.sh"

ROOT=$(pwd)

# ---- a missing library: an $(error) that names the package, not a compiler error ----
make -s -C "$ROOT" PKG_CONFIG=false BUILD="$TMP/nolib" all >"$OUT" 2>"$ERR"
RC=$?
expect_rc "missing libraries: make stops with its error status" 2
expect_grep "missing libraries: the error names the Debian packages and how to install them" \
	"parbench needs the Debian package\\(s\\) libjansson-dev libpng-dev .*make deps.*sudo apt-get install -y libjansson-dev libpng-dev" "$ERR"
expect_no_grep "missing libraries: no compiler ran" "\\.h: No such file|error: " "$ERR"
check "missing libraries: nothing was built" test ! -e "$TMP/nolib/parbench"

# ---- scripts/deps.sh without root: the exact apt-get line, exit 2 ----
mkdir -p "$TMP/fakebin"
printf '#!/bin/sh\nexit 1\n' >"$TMP/fakebin/dpkg-query" # "nothing is installed"
chmod 755 "$TMP/fakebin" "$TMP/fakebin/dpkg-query"
if [ "$(id -u)" -ne 0 ]; then
	PATH="$TMP/fakebin:$PATH" sh "$ROOT/scripts/deps.sh" >"$OUT" 2>"$ERR"
	RC=$?
elif command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
	chmod 755 "$TMP"
	cp "$ROOT/scripts/deps.sh" "$TMP/deps.sh" && chmod 644 "$TMP/deps.sh"
	PATH="$TMP/fakebin:$PATH" setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups sh "$TMP/deps.sh" >"$OUT" 2>"$ERR"
	RC=$?
else
	RC=skip
fi
if [ "$RC" = skip ]; then
	skip "deps.sh not as root" "running as root without setpriv or a nobody user"
else
	expect_rc "deps.sh not as root: exit 2" 2
	expect_grep "deps.sh not as root: the exact install command" \
		"^deps: run: sudo apt-get update && sudo apt-get install -y .*libjansson-dev.*libpng-dev" "$ERR"
fi

# ---- editing README.md rebuilds only what includes buildinfo.h ----
if command -v git >/dev/null 2>&1 && git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	mkdir "$TMP/src"
	# the tree under test as it is (tracked and untracked files git does not ignore)
	( cd "$ROOT" && git ls-files -co --exclude-standard -z | xargs -0 tar cf - ) | ( cd "$TMP/src" && tar xf - )
	( cd "$TMP/src" && git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm t ) >/dev/null 2>&1
	make -C "$TMP/src" -j2 OPT=-O0 BUILD=b all >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc "the copy builds" 0
	echo "an edit" >>"$TMP/src/README.md"
	make -C "$TMP/src" -j2 OPT=-O0 BUILD=b all >"$OUT" 2>"$ERR"
	rebuilt=$(sed -n 's/^  CC      //p' "$OUT" | sort | tr '\n' ' ')
	check "editing README.md rebuilds only main.c and session.c (rebuilt: $rebuilt)" \
		test "$rebuilt" = "harness/main.c harness/session.c "
	expect_grep "... and relinks" "^  LD      b/parbench" "$OUT"
	make -C "$TMP/src" OPT=-O0 BUILD=b all >"$OUT" 2>"$ERR"
	check "a second make does nothing" test "$(grep -c '^  CC' "$OUT")" -eq 0
else
	skip "README edit rebuild" "not a git checkout"
fi
