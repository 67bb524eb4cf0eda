/* sched.h: how tasks are cut from the iteration space and handed to workers. */
#ifndef PB_SCHED_H
#define PB_SCHED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum pb_schedule {
	PB_SCHED_STATIC,  /* worker w takes the contiguous block [w*T/P, (w+1)*T/P) of tasks */
	PB_SCHED_CYCLIC,  /* blocks of chunk tasks dealt round-robin: OpenMP schedule(static, chunk) */
	PB_SCHED_DYNAMIC, /* an idle worker takes the next chunk tasks */
	PB_SCHED_GUIDED,  /* an idle worker takes max(chunk, ceil(remaining / P)) tasks */
};

const char *pb_sched_name(enum pb_schedule s);
int pb_sched_parse(const char *name, enum pb_schedule *out); /* 0 or -1 */

/* Task k of ntasks over n items: [n*k/T, n*(k+1)/T), so the remainder is spread. */
void pb_task_range(uint64_t n_items, uint64_t ntasks, uint64_t k, uint64_t *begin, uint64_t *end);

struct pb_sched {
	enum pb_schedule kind;
	uint64_t ntasks;
	uint64_t chunk; /* >= 1 */
	int workers;    /* >= 1 */
};

/* Per-worker iteration state for static and cyclic; zero it before a run. */
struct pb_sched_cursor {
	uint64_t step;
};

/*
 * The next run of tasks [*first, *first + *count) for worker w.  static and
 * cyclic use only the cursor; dynamic and guided claim from the shared
 * counter next (zero it before a run; it may live in shared memory, being
 * lock-free).  Returns false when the worker has no more tasks.
 */
bool pb_sched_next(const struct pb_sched *s, int w, struct pb_sched_cursor *cur,
		   _Atomic uint64_t *next, uint64_t *first, uint64_t *count);

/* Whether the schedule assigns tasks to workers in advance (static, cyclic). */
static inline bool pb_sched_is_static(enum pb_schedule k)
{
	return k == PB_SCHED_STATIC || k == PB_SCHED_CYCLIC;
}

#endif
