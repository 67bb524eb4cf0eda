/* util.h: error lines, clocks and number parsing shared by the harness. */
#ifndef PB_UTIL_H
#define PB_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Room for any one-line error: two paths of PATH_MAX and the reason. */
#define PB_ERR_MAX 16384

/* Print "parbench: <message>\n" on stderr as one write. */
void pb_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "parbench: warning: <message>\n" on stderr as one write. */
void pb_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* snprintf into buf for labels, titles and messages, where cutting a long text short is acceptable. */
void pb_textf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* CLOCK_MONOTONIC in seconds. */
double pb_now(void);

/*
 * Parse a size: 1000000, 1e6, 1.5e9, 10k, 10M, 2G, 1T (powers of ten), 2^20.
 * Rejects 0, negatives, fractions, overflow and trailing text.  0 or -1 with why.
 */
int pb_parse_size(const char *s, uint64_t *out, char *why, size_t len);

/* Parse a positive integer (no suffixes) in [lo, hi]; 0 or -1. */
int pb_parse_int(const char *s, long lo, long hi, long *out);

/* CPUs this process may run on (its affinity mask): what "cores" means in -j. */
int pb_available_cpus(void);

/*
 * At start-up: open /dev/null on whichever of fds 0, 1 and 2 is closed
 * (`parbench run >&-`), so that no file parbench or a library opens later
 * lands on them and receives the table or the progress lines.
 */
void pb_reserve_std_fds(void);

/*
 * Create path and its missing parents (mkdir -p).  If created is not NULL it
 * receives the top-most directory this call made ("" if none), for
 * pb_remove_created.  0, or -1 with errno set (ENOTDIR if a part exists and
 * is not a directory).
 */
int pb_mkdir_p(const char *path, char *created, size_t cap);

/* Remove dir and its parents up to and including created (from pb_mkdir_p), if they are empty. */
void pb_remove_created(const char *dir, const char *created);

/*
 * Open path for reading, only if it is a regular file: a FIFO, a device or a
 * directory is refused without blocking (it is opened with O_NONBLOCK, then
 * checked with fstat).  Returns the descriptor (O_CLOEXEC), or -1 with
 * "cannot read '<path>': <why>" or "'<path>' is not a regular file" in err.
 */
int pb_open_regular(const char *path, char *err, size_t errlen);

/*
 * Read the whole regular file path into *data (malloc'd, NUL-terminated,
 * *len bytes without the NUL).  0, or -1 with the reason in err.
 */
int pb_read_file(const char *path, char **data, size_t *len, char *err, size_t errlen);

/*
 * Write len bytes to path atomically: a temporary file beside it, every
 * write and the close checked, then rename.  On failure the temporary file is
 * removed, path is untouched, and err says "cannot write '<path>': <why>".
 */
int pb_write_file_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen);

/* Write exactly len bytes (retrying short writes and EINTR); 0, or -1 with errno set. */
int pb_write_all(int fd, const void *buf, size_t len);

/* fclose that also fails when an earlier write to f failed (its error flag): 0, or -1 with errno set. */
int pb_fclose(FILE *f);

/* fflush(stdout), remembering why it first failed for pb_stdout_done. */
void pb_stdout_flush(void);

/*
 * Whether stdout took every byte written to it: flushes it and checks its
 * error flag.  0, or -1 after printing "cannot write to stdout: <why>".
 * Every command calls it before returning success.
 */
int pb_stdout_done(void);

/* A growing string: appended to by pb_sb_*, freed with free(b->s).  On out-of-memory, oom is set and appends stop. */
struct pb_strbuf {
	char *s;
	size_t len, cap;
	int oom;
};
void pb_sb_putn(struct pb_strbuf *b, const char *s, size_t n);
void pb_sb_puts(struct pb_strbuf *b, const char *s);
void pb_sb_printf(struct pb_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
