/* meta.h: meta.json of a results directory: loaded, saved atomically, and closed even by a signal. */
#ifndef PB_META_H
#define PB_META_H

#include <jansson.h>
#include <stddef.h>

/*
 * Load dir/meta.json (a regular file only).  Returns 0 with *root set, 1 if
 * there is no meta.json (*root NULL), or -1 with "'<path>' line N: <why>" or
 * "... is not a regular file" in err.
 */
int pb_meta_load(const char *dir, json_t **root, char *err, size_t errlen);

/*
 * Write root as dir/meta.json atomically (a temporary file, then rename).
 * While a guard is set on dir (pb_meta_guard), also prepares the version
 * that a signal or an unexpected exit writes.  0, or -1 with err.
 */
int pb_meta_save(const char *dir, json_t *root, char *err, size_t errlen);

/*
 * Guard the run in dir until pb_meta_unguard: from the next pb_meta_save on,
 * SIGINT, SIGTERM or SIGHUP (after the children are killed and reaped) and
 * the watchdog rewrite meta.json with "status": "interrupted" (a timeout:
 * "failed") and the end time, and print one line saying how many cases were
 * kept; an exit() that does not go through pb_meta_unguard (a library giving
 * up) writes "status": "failed".  cases is the count of finished cases that
 * the line reports, updated with pb_meta_guard_cases.
 */
void pb_meta_guard(const char *dir);
void pb_meta_guard_cases(long cases);
void pb_meta_unguard(void);

/* The current time as "2026-12-01T09:30:00Z" (UTC). */
void pb_iso_time(char *buf, size_t len);

#endif
