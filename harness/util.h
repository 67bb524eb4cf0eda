/* util.h: error lines, clocks and number parsing shared by the harness. */
#ifndef PB_UTIL_H
#define PB_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Print "parbench: <message>\n" on stderr as one write. */
void pb_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "parbench: warning: <message>\n" on stderr as one write. */
void pb_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* CLOCK_MONOTONIC in seconds. */
double pb_now(void);

/*
 * Parse a size: 1000000, 1e6, 1.5e9, 10k, 10M, 2G, 1T (powers of ten), 2^20.
 * Rejects 0, negatives, fractions, overflow and trailing text.  0 or -1 with why.
 */
int pb_parse_size(const char *s, uint64_t *out, char *why, size_t len);

/* Parse a positive integer (no suffixes) in [lo, hi]; 0 or -1. */
int pb_parse_int(const char *s, long lo, long hi, long *out);

#endif
