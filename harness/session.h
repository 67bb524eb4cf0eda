/* session.h: one measuring session's results directory: raw.csv, counters.csv, meta.json, warnings, progress. */
#ifndef PB_SESSION_H
#define PB_SESSION_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "counters.h"
#include "rowfile.h"
#include "run.h"
#include "schema.h"

#define PB_SESSION_MAX_WARNINGS 128

/*
 * Every producer of results (`run`, and later `mech`) writes its directory
 * through a session, so that every producer writes the same files in the
 * same way (DESIGN.md, One schema): rows appended whole or not at all, the
 * first failed write stopping the run with one line, meta.json saved after
 * every case and closed with a status even by a signal.
 */
struct pb_session {
	const struct pb_common_opts *o;
	char run_id[PB_RUN_ID_MAX];
	char dir[4096];
	struct pb_rowfile raw, ctr;
	off_t raw_header_len;  /* raw.csv's length before any row (0 when appending to rows) */
	json_t *meta;
	char warnings[PB_SESSION_MAX_WARNINGS][256];
	int nwarnings;
	size_t ncases;         /* cases this session will run, for the progress lines */
	size_t done_cases;
	double t_start;
	double t_last_done;    /* when the last case was done (t_start before the first) */
	int progress_tty;
	int status;            /* the exit status so far: 0, or 1 once something failed */
	int io_failed;         /* a results file could not be written: the producer stops */
};

/*
 * Open the results directory of o (--out, or results/<run-id> with
 * results/latest pointing at it; --append reopens the run there).  meta is
 * the producer's part of meta.json (counters, binding, variants...): it is
 * merged into the facts every session records (run id, command, times,
 * status, build, machine, probes, repetitions) and taken over.  keys are
 * the ncases case keys the producer will run: --append refuses a case the
 * run already has.  0, or -1 after printing one line (bad input: exit 2);
 * nothing is left behind then.
 */
int pb_session_open(struct pb_session *s, const struct pb_common_opts *o, json_t *meta,
		    const struct pb_raw_row *keys, size_t ncases);

/* A warning: on stderr (once per text) and in meta.json. */
void pb_session_warn(struct pb_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An error line, after clearing the progress line. */
void pb_session_err(struct pb_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The progress line of case c (0-based): "[c+1/N] label: what, ~T s left".
 * On a terminal it is rewritten in place; elsewhere only final lines are
 * printed.  Nothing with -q.
 */
void pb_session_progress(struct pb_session *s, size_t c, const char *label, const char *what, int final);

/* Clear the progress line on a terminal, so that other output does not glue onto it. */
void pb_session_clear_line(const struct pb_session *s);

/*
 * Record one repetition: row (run_id is filled in) into raw.csv, then, if
 * backend is not NULL, one counters.csv row per event (values summed over
 * the workers).  0, or -1 after the session's first write failure (printed
 * once; status 1; the producer must stop).
 */
int pb_session_record(struct pb_session *s, struct pb_raw_row *row, const char *backend, int nevents,
		      char (*events)[PB_EVENT_NAME_MAX], const long long *values);

/* A case is over (finished: counted in meta.json's "cases"); meta.json is saved. */
void pb_session_case_done(struct pb_session *s, int finished);

/* The end: summary.csv, meta.json's status and end time, files closed.  Returns s->status. */
int pb_session_finish(struct pb_session *s);

#endif
