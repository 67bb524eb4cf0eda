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

/*
 * The placement policy of pb_pin_plan on a synthetic hwloc topology
 * ("pack:2 core:8 pu:2", see hwloc_topology_set_synthetic), so compact and
 * scatter can be tested for machines we do not have.  allowed restricts the
 * places as the process affinity does on a real machine (NULL: every PU).
 * Returns 0, or -1 with a reason (bad description, no hwloc in this build).
 */
int pb_pin_plan_synthetic(const char *synthetic, const struct pb_cpuset *allowed, const struct pb_bind *b,
			  int nworkers, struct pb_cpuset *sets, int *oversubscribed, char *err, size_t errlen);

#define PB_TOPO_MAX_CACHES 8

/* One cache level of the machine (from the first cache object of that kind). */
struct pb_cache_level {
	int level;          /* 1, 2, 3 ... */
	char kind[12];      /* "data", "instruction" or "unified" */
	long size_kb;       /* size of one cache */
	int shared_by_pus;  /* PUs that share one cache */
	int count;          /* caches of this kind in the machine */
};

/* What `parbench topo` and meta.json say about the machine. */
struct pb_topo_summary {
	int packages, numa_nodes, cores, pus; /* -1 when unknown (no hwloc) */
	int ncaches;
	struct pb_cache_level caches[PB_TOPO_MAX_CACHES]; /* L1d, L1i, L2, L3 ... */
	char cpu_model[128];      /* "AMD EPYC", or "unknown" */
	char hwloc_version[32];   /* "2.9.0" (the release built against), or "none" */
	struct pb_cpuset allowed; /* the process affinity at start */
};

/*
 * Fill t for this machine.  Without hwloc, only pus, cpu_model and allowed
 * are known (from the kernel); the counts are -1 and ncaches 0.
 * Returns 0, or -1 with a reason (the topology could not be loaded).
 */
int pb_topo_summary(struct pb_topo_summary *t, char *err, size_t errlen);

/* Helpers shared by pin_hwloc.c and pin_hwloc_none.c (pin_common.c). */
void pb_pin_cpu_model(char *buf, size_t len);        /* "model name" of /proc/cpuinfo, or "unknown" */
int pb_pin_affinity(struct pb_cpuset *set);          /* sched_getaffinity of the process; 0 or -1 */

#endif
