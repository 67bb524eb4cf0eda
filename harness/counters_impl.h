/* counters_impl.h: the PAPI backend as counters.c sees it (counters_papi.c, or counters_papi_none.c without PAPI). */
#ifndef PB_COUNTERS_IMPL_H
#define PB_COUNTERS_IMPL_H

#include <stddef.h>
#include "counters.h"

/*
 * Initialise PAPI in this process (once; again in a forked child) and count
 * the hardware counters of its CPU component.  Returns that number (> 0:
 * usable), or 0 with why ("no hardware counters (PAPI_num_cmp_hwctrs(0) =
 * 0; ...)", "this build has no PAPI").
 */
int pb_papi_hw_counters(char *why, size_t len);

/*
 * Check that the named events exist, are available here and can be counted
 * together.  Returns 0, or -1 with a one-line reason naming the event.
 */
int pb_papi_check_events(char events[][PB_EVENT_NAME_MAX], int n, char *why, size_t len);

/* Of the n events, keep (in order) those that are available and countable together; returns how many. */
int pb_papi_keep_available(char events[][PB_EVENT_NAME_MAX], int n);

/* Measure the calling thread: 0, or -1 (the session then reads zeros). */
int pb_papi_start(struct pb_ctr_session *s);
/* Stop and read into vals (s->cfg->nevents entries); 0 or -1 (vals untouched). */
int pb_papi_stop(struct pb_ctr_session *s, long long *vals);
void pb_papi_thread_done(void);

#endif
