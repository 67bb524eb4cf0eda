/* counters.h: per-worker event counters: PAPI, perf_event software events, getrusage. */
#ifndef PB_COUNTERS_H
#define PB_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#define PB_MAX_EVENTS 8
#define PB_EVENT_NAME_MAX 48

enum pb_ctr_backend { PB_CTR_NONE, PB_CTR_PAPI, PB_CTR_PERF, PB_CTR_RUSAGE };

/* A resolved counter configuration, made once in the parent before workers start. */
struct pb_counters_cfg {
	enum pb_ctr_backend backend;
	int nevents;
	char events[PB_MAX_EVENTS][PB_EVENT_NAME_MAX];
	char reason[256]; /* why this backend: the fallbacks taken, for meta.json */
};

/* Values for cfg's events, in order; plain data, safe to send through a pipe. */
struct pb_counter_values {
	int n;
	int64_t v[PB_MAX_EVENTS];
};

/* Per-worker measuring state (lives on the worker's stack or in its struct). */
struct pb_ctr_session {
	const struct pb_counters_cfg *cfg;
	int fds[PB_MAX_EVENTS];    /* perf */
	int papi_eventset;         /* PAPI */
	long long base[PB_MAX_EVENTS]; /* rusage */
	int active;
};

const char *pb_ctr_backend_name(enum pb_ctr_backend b);

/*
 * What this machine reports to the counter backends, probed once by
 * pb_counters_probe: the only input of pb_counters_choose besides the spec,
 * so the choice is a pure function that a table can test for machines this
 * one is not (PAPI with no counters, with counters but no preset, with
 * presets; perf events available or not).
 */
struct pb_ctr_machine {
	int papi_hw;              /* hardware counters PAPI reports; 0: PAPI cannot count here */
	char papi_why[200];       /* papi_hw == 0: why ("no hardware counters (...)", "this build has no PAPI") */
	int npresets;             /* of auto's presets (cycles, instructions, L1 and L2 data cache misses),
				     those available and countable together, in order */
	char presets[PB_MAX_EVENTS][PB_EVENT_NAME_MAX];
	int perf;                 /* 1: the perf software events open here */
	char perf_why[200];       /* perf == 0: why */
	/* "papi:EV,...": can the named events be counted together?  0, or -1 with why naming the event */
	int (*papi_check)(char events[][PB_EVENT_NAME_MAX], int n, char *why, size_t len);
};

void pb_counters_probe(struct pb_ctr_machine *m);

/*
 * Choose the counters for spec on machine m:
 *   "none"        no counters;
 *   "auto"        PAPI's available presets where PAPI has hardware counters
 *                 and at least one preset, else the perf software events,
 *                 else getrusage; cfg->reason says which and why each
 *                 fallback was taken;
 *   "perf"        Linux software events on the worker's thread:
 *                 task-clock-ns, context-switches, cpu-migrations, page-faults;
 *   "rusage"      getrusage(RUSAGE_THREAD): context-switches (voluntary +
 *                 involuntary), page-faults (minor + major);
 *   "papi:EV,EV"  the named PAPI events (presets or native), all of them.
 * Returns 0; or -1 with a one-line reason when an explicitly requested
 * backend or event is unavailable or the spec is unknown (bad input, exit 2).
 */
int pb_counters_choose(const char *spec, const struct pb_ctr_machine *m, struct pb_counters_cfg *cfg, char *err,
		       size_t errlen);

/* pb_counters_choose on this machine (pb_counters_probe). */
int pb_counters_resolve(const char *spec, struct pb_counters_cfg *cfg, char *err, size_t errlen);

/*
 * In a worker, around its share of one run: start before the first task,
 * stop after the last; stop adds this worker's counts to *acc.  Each worker
 * (thread or process) uses its own session.  A backend failure inside a
 * worker leaves the values at zero rather than failing the run.
 */
void pb_ctr_start(struct pb_ctr_session *s, const struct pb_counters_cfg *cfg);
void pb_ctr_stop(struct pb_ctr_session *s, struct pb_counter_values *acc);
/* (With cfg NULL or backend none, start and stop do nothing and leave *acc alone.) */

/*
 * Counting forked children from the parent, for executors that fork a
 * process per task: opening counters inside every child costs more than a
 * small task (each open and close of a perf software event patches kernel
 * text on every CPU).  The perf backend opens its events once, on the
 * calling thread, with inherit: every child forked while they are enabled
 * is counted, and its counts are added to the parent's events when it
 * exits.  A second set without inherit counts the parent thread alone,
 * and is subtracted, so the result is the children's.
 */
struct pb_ctr_children {
	const struct pb_counters_cfg *cfg;
	int all[PB_MAX_EVENTS];  /* inherit: this thread and what it forks */
	int self[PB_MAX_EVENTS]; /* this thread alone */
	uint64_t all0[PB_MAX_EVENTS], self0[PB_MAX_EVENTS]; /* the values at start */
};
/* Open on the calling thread, counting from now: 0, or -1 when cfg's backend cannot count children this way (they
 * count themselves). */
int pb_ctr_children_open(struct pb_ctr_children *c, const struct pb_counters_cfg *cfg);
/* Around a run, on the thread that opened them, with no child alive: stop adds the counts of the children that
 * exited since start to *acc. */
void pb_ctr_children_start(struct pb_ctr_children *c);
void pb_ctr_children_stop(struct pb_ctr_children *c, struct pb_counter_values *acc);
void pb_ctr_children_close(struct pb_ctr_children *c);

/*
 * The rusage backend's events for a reaped child, from the rusage wait4
 * gave for it (added to *acc); nothing for other backends.  Returns 1 if
 * it counted, so the child need not count itself.
 */
struct rusage;
int pb_ctr_from_child_rusage(const struct pb_counters_cfg *cfg, const struct rusage *ru, struct pb_counter_values *acc);

/* Once per thread that used counters, before it exits: closes its cached perf events, and PAPI unregisters the thread. */
void pb_ctr_thread_done(const struct pb_counters_cfg *cfg);

/* Whether backend b works here: 1, or 0 with why ("no hardware counters (...)"). */
int pb_ctr_backend_available(enum pb_ctr_backend b, char *why, size_t len);

/* Facts for `parbench topo` and meta.json: each backend available or why not
 * ("papi: unavailable: ...; perf: available; rusage: available"). */
void pb_counters_describe(char *buf, size_t len);
const char *pb_papi_version(void); /* "7.0.0.0" or "none" */

#endif
