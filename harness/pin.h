/* pin.h: worker placement and binding.  Only pin_hwloc.c includes hwloc. */
#ifndef PB_PIN_H
#define PB_PIN_H

#include <stddef.h>
#include "cpuset.h"

enum pb_bind_kind { PB_BIND_NONE, PB_BIND_CORE, PB_BIND_PU };
enum pb_bind_order { PB_ORDER_COMPACT, PB_ORDER_SCATTER };

struct pb_bind {
	enum pb_bind_kind kind;
	enum pb_bind_order order;
};

const char *pb_bind_name(enum pb_bind_kind k);
const char *pb_order_name(enum pb_bind_order o);
int pb_bind_parse(const char *s, enum pb_bind_kind *out);   /* 0 or -1 */
int pb_order_parse(const char *s, enum pb_bind_order *out); /* 0 or -1 */

/* Whether this build can bind (hwloc present and the OS supports it); why not in why. */
int pb_pin_supported(char *why, size_t len);

/*
 * Placement: the cpuset worker w of nworkers is bound to under policy b, on
 * this machine's topology.  For PB_BIND_NONE every set is empty (leave
 * affinity alone).  *oversubscribed is set when workers exceed the places
 * (cores for core, PUs for pu) and placement wraps round-robin.
 * Returns 0, or -1 with a reason (for example, no hwloc in this build).
 */
int pb_pin_plan(const struct pb_bind *b, int nworkers, struct pb_cpuset *sets,
		int *oversubscribed, char *err, size_t errlen);

/* Bind the calling thread (threads, OpenMP) or the calling process (forked workers) to set; 0 or -1. */
int pb_pin_thread(const struct pb_cpuset *set);
int pb_pin_process(const struct pb_cpuset *set);

/* The calling thread's current binding, to restore it after running workers on the main thread. */
int pb_pin_get_thread(struct pb_cpuset *set);

/* The CPU the caller is running on now (sched_getcpu), or -1. */
int pb_current_cpu(void);

#endif
