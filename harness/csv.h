/* csv.h: RFC 4180 CSV: quoting on write, a strict reader that reports where a file is malformed. */
#ifndef PB_CSV_H
#define PB_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "util.h"

/* Append field to b, quoted if it holds , " CR or LF, then ',' or (last) a newline. */
void pb_csv_append(struct pb_strbuf *b, const char *field, int last);

/* A parsed CSV file: nrows rows (header included as row 0) of ncols fields each. */
struct pb_csv {
	size_t nrows, ncols;
	char ***rows; /* rows[r][c], NUL-terminated strings */
};

/*
 * Read a whole CSV file.  Every row must have as many fields as the header
 * and the last row must end in a newline (so a truncated file is caught).
 * Only a regular file is read (a FIFO is refused, not waited on).
 * Returns 0, or -1 with "'<path>' line N: <why>" or "cannot read '<path>': <strerror>" in err.
 */
int pb_csv_read(const char *path, struct pb_csv *csv, char *err, size_t errlen);
void pb_csv_free(struct pb_csv *csv);

/* Column index of name in the header row, or -1. */
int pb_csv_col(const struct pb_csv *csv, const char *name);

#endif
