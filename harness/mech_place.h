/* mech_place.h: where a mechanism's endpoints run: the CPUs a placement asks for, and what the CPUs seen say. */
#ifndef PB_MECH_PLACE_H
#define PB_MECH_PLACE_H

#include <stddef.h>

#include "../workloads/mech.h"
#include "cpuset.h"

/*
 * The machine as placement sees it: for every CPU number, its core and
 * package (dense indices; -1 for a CPU the kernel does not describe), and
 * the CPUs this process may run on, in order.  Read from the kernel (sysfs
 * and the affinity mask), so it works in a build without hwloc; tests fill
 * one by hand for machines this one is not.
 */
struct pb_mech_topo {
	int ncpus;                 /* CPU numbers described: 0 .. ncpus-1 */
	int core[PB_MAX_CPUS];
	int package[PB_MAX_CPUS];
	int nallowed;
	int allowed[PB_MAX_CPUS];  /* the affinity mask, ascending */
};

/* This machine's topology; 0, or -1 with err (no affinity mask). */
int pb_mech_topo_load(struct pb_mech_topo *t, char *err, size_t len);

/*
 * The CPU set of each of nep endpoints for placement p, endpoints related
 * in groups of `group` in a row (0: all of them are one group): same-cpu
 * puts a group on one CPU, same-core on hardware threads of one core,
 * other-core on different cores of one package, other-package on different
 * packages; successive groups take the next CPUs, cores or packages round
 * robin.  free leaves every set empty.  0, or -1 with why this machine (its
 * allowed CPUs) cannot (bad input: exit 2).
 */
int pb_mech_place_plan(const struct pb_mech_topo *t, enum pb_place p, int nep, int group, struct pb_cpuset *sets,
		       char *err, size_t len);

/*
 * What the CPUs the endpoints were seen on say, for raw.csv's result:
 * "same-cpu", "same-core", "other-core", "other-package" when every group
 * shows that relation; "one-cpu" for groups of one endpoint that stayed on
 * one CPU; "migrated" when an endpoint ran on several CPUs; "mixed" when
 * groups or endpoints disagree.
 */
void pb_mech_place_seen(const struct pb_mech_topo *t, const struct pb_cpuset *seen, int nep, int group, char *buf,
			size_t len);

#endif
