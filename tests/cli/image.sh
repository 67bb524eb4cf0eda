#!/bin/sh
# image.sh: `parbench run -w image` end to end: output files, input files, sizes, and bad input.
. "$(dirname "$0")/lib.sh"

# The PNG/PPM magic of a file: "PNG" or "P6".
magic() { head -c 4 "$1" | tr -dc 'A-Z0-9' | sed 's/^\(P6\).*/\1/'; }

# A quick grayscale run that writes a PNG.
D="$TMP/gray"
run run -w image -v serial --quick -p op=grayscale -p output="$TMP/gray.png" -r 3 -q -o "$D"
expect_rc "quick grayscale run exits 0" 0
check "one row per repetition" test "$(tail -n +2 "$D/raw.csv" | wc -l)" -eq 3
check "every row verified" test "$(csv_col "$D/raw.csv" verified | sort -u)" = 1
check "size is the 2048x2048 pixel count" test "$(csv_col "$D/raw.csv" size | sort -u)" = 4194304
check "result is one 64-bit hex hash for every rep" \
	test "$(csv_col "$D/raw.csv" result | sort -u | grep -Ec '^[0-9a-f]{16}$')" -eq 1
check "output= wrote a PNG" test "$(magic "$TMP/gray.png")" = PNG
check "no temporary file left next to the output" test "$(ls "$TMP" | grep -c '\.tmp\.')" -eq 0
GRAY=$(csv_col "$D/raw.csv" result | head -n 1)

# Reading it back: grayscale of a gray image is the same image, so the hash is the same.
run run -w image -v serial -p op=grayscale -p input="$TMP/gray.png" -r 1 -q -o "$TMP/regray"
expect_rc "a PNG input is accepted" 0
check "input= sets the size to its pixel count" test "$(csv_col "$TMP/regray/raw.csv" size)" = 4194304
check "grayscale is idempotent through a PNG file" test "$(csv_col "$TMP/regray/raw.csv" result)" = "$GRAY"

# invert, through PPM files, twice: the image comes back byte for byte.
run run -w image -v serial --quick -p op=invert -p output="$TMP/a.ppm" -r 1 -q -o "$TMP/inv1"
expect_rc "invert to PPM exits 0" 0
check "output= wrote a PPM" test "$(magic "$TMP/a.ppm")" = P6
run run -w image -v serial -p op=invert -p input="$TMP/a.ppm" -p output="$TMP/b.ppm" -r 1 -q -o "$TMP/inv2"
run run -w image -v serial -p op=invert -p input="$TMP/b.ppm" -p output="$TMP/c.ppm" -r 1 -q -o "$TMP/inv3"
check "invert twice through PPM files is the identity" cmp -s "$TMP/a.ppm" "$TMP/c.ppm"
check "invert once changes the image" test "$(cmp -s "$TMP/a.ppm" "$TMP/b.ppm"; echo $?)" -eq 1

# The result does not depend on how the image is cut into bands.
for t in 1 7 256; do
	run run -w image -v serial --quick -p op=blur --tasks "$t" -r 1 -q -o "$TMP/blur-$t"
	expect_rc "blur with $t tasks exits 0" 0
done
check "blur hash is the same for 1, 7 and 256 tasks" \
	test "$(awk -F, 'FNR > 1 { print $17 }' "$TMP"/blur-*/raw.csv | sort -u | wc -l)" -eq 1

# Shapes: width and height give the size; -n alone must be a square.
run run -w image -v serial -p width=300 -p height=2 -p op=brightness -p factor=2 -r 1 -q -o "$TMP/wh"
expect_rc "width and height accepted" 0
check "width x height is the recorded size" test "$(csv_col "$TMP/wh/raw.csv" size)" = 600
run run -w image -v serial -n 10000 -r 1 -q -o "$TMP/sq"
expect_rc "-n 10000 is a 100x100 image" 0

# Bad input: exit 2, one line naming the problem, nothing written.
B="$TMP/bad"
printf 'not an image\n' >"$TMP/text.png"
head -c 100 "$TMP/a.ppm" >"$TMP/short.ppm"
head -c 200 "$TMP/gray.png" >"$TMP/short.png"
mkdir "$TMP/dir.png"
expect_usage_error "-n that is not a square" "image: size 1000 is not a perfect square" \
	run -w image -v serial -n 1000 -o "$B"
expect_usage_error "-n that does not match width x height" "size 500 does not match width x height = 600" \
	run -w image -v serial -n 500 -p width=300 -p height=2 -o "$B"
expect_usage_error "width without height" "'width' and 'height' must be given together" \
	run -w image -v serial -p width=300 -o "$B"
expect_usage_error "zero width" "parameter 'width'" run -w image -v serial -p width=0 -p height=2 -o "$B"
expect_usage_error "input with -n" "parameter 'input' sets the size" \
	run -w image -v serial -n 65536 -p input="$TMP/gray.png" -o "$B"
expect_usage_error "input with width" "cannot be combined with width or height" \
	run -w image -v serial -p input="$TMP/gray.png" -p width=1 -p height=1 -o "$B"
expect_usage_error "missing input file" "cannot open '$TMP/none.png': No such file or directory" \
	run -w image -v serial -p input="$TMP/none.png" -o "$B"
expect_usage_error "a directory as input" "cannot read '$TMP/dir.png': Is a directory" \
	run -w image -v serial -p input="$TMP/dir.png" -o "$B"
expect_usage_error "a text file as input" "'$TMP/text.png' is not a PNG or binary PPM \\(P6\\) image" \
	run -w image -v serial -p input="$TMP/text.png" -o "$B"
expect_usage_error "a truncated PPM" "cannot read '$TMP/short.ppm': unexpected end of file" \
	run -w image -v serial -p input="$TMP/short.ppm" -o "$B"
expect_usage_error "a truncated PNG" "cannot read '$TMP/short.png': " \
	run -w image -v serial -p input="$TMP/short.png" -o "$B"
expect_usage_error "negative factor" "parameter 'factor'" \
	run -w image -v serial -p op=brightness -p factor=-1 -o "$B"
expect_usage_error "factor that is not a number" "parameter 'factor'" \
	run -w image -v serial -p op=brightness -p factor=inf -o "$B"
expect_usage_error "unknown operation" "parameter 'op'" run -w image -v serial -p op=sharpen -o "$B"
expect_usage_error "output in a missing directory" "cannot write '$TMP/nodir/x.png': No such file or directory" \
	run -w image -v serial -p output="$TMP/nodir/x.png" -o "$B"
expect_usage_error "output with an unknown extension" "unknown image format \\(use .png or .ppm\\)" \
	run -w image -v serial -p output="$TMP/x.jpg" -o "$B"
check "bad input writes no results directory" test ! -e "$B"
check "bad input writes no output image" test ! -e "$TMP/x.jpg"
