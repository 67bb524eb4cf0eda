/* mech_place.c: the CPUs a placement asks for, and the relation the CPUs seen show. */
#include "mech_place.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A small integer from a sysfs file, or -1. */
static int read_int(const char *fmt, int cpu)
{
	char path[128];
	snprintf(path, sizeof path, fmt, cpu);
	FILE *f = fopen(path, "r");
	int v = -1;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

int pb_mech_topo_load(struct pb_mech_topo *t, char *err, size_t len)
{
	cpu_set_t cs;
	memset(t, 0, sizeof *t);
	if (sched_getaffinity(0, sizeof cs, &cs) != 0) {
		snprintf(err, len, "cannot read the affinity mask: %s", strerror(errno));
		return -1;
	}
	long conf = sysconf(_SC_NPROCESSORS_CONF);
	t->ncpus = conf > 0 && conf < PB_MAX_CPUS ? (int)conf : PB_MAX_CPUS;
	if (t->ncpus > CPU_SETSIZE)
		t->ncpus = CPU_SETSIZE;
	/* (package, core id) pairs numbered densely in order of first appearance */
	static int keys[PB_MAX_CPUS][2];
	int nkeys = 0;
	for (int cpu = 0; cpu < t->ncpus; cpu++) {
		int pkg = read_int("/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
		int core = read_int("/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
		if (pkg < 0 || core < 0) { /* the kernel does not say: a core of its own, in package 0 */
			pkg = 0;
			core = 100000 + cpu;
		}
		int k;
		for (k = 0; k < nkeys && (keys[k][0] != pkg || keys[k][1] != core); k++)
			;
		if (k == nkeys) {
			keys[k][0] = pkg;
			keys[k][1] = core;
			nkeys++;
		}
		t->core[cpu] = k;
		t->package[cpu] = pkg;
		if (CPU_ISSET(cpu, &cs))
			t->allowed[t->nallowed++] = cpu;
	}
	if (!t->nallowed) {
		snprintf(err, len, "the affinity mask names no CPU this machine describes");
		return -1;
	}
	return 0;
}

/* The allowed CPUs of one core (or of one package), up to max, in order. */
static int cpus_where(const struct pb_mech_topo *t, const int *by, int id, int *out, int max)
{
	int n = 0;
	for (int i = 0; i < t->nallowed && n < max; i++)
		if (by[t->allowed[i]] == id)
			out[n++] = t->allowed[i];
	return n;
}

/* Distinct values of by[] over the allowed CPUs, in order of first appearance; their count. */
static int distinct(const struct pb_mech_topo *t, const int *by, int *ids)
{
	int n = 0;
	for (int i = 0; i < t->nallowed; i++) {
		int v = by[t->allowed[i]], k;
		for (k = 0; k < n && ids[k] != v; k++)
			;
		if (k == n)
			ids[n++] = v;
	}
	return n;
}

static void allowed_str(const struct pb_mech_topo *t, char *buf, size_t len)
{
	struct pb_cpuset s;
	pb_cpuset_zero(&s);
	for (int i = 0; i < t->nallowed; i++)
		pb_cpuset_set(&s, t->allowed[i]);
	pb_cpuset_format(&s, buf, len);
}

/* same-core: a group on the hardware threads of one core; groups take cores round robin. */
static int plan_same_core(const struct pb_mech_topo *t, int nep, int g, struct pb_cpuset *sets, char *err, size_t len)
{
	static int cores[PB_MAX_CPUS], fit[PB_MAX_CPUS], pus[PB_MAX_CPUS];
	int ncores = distinct(t, t->core, cores), nfit = 0;
	for (int i = 0; i < ncores; i++)
		if (cpus_where(t, t->core, cores[i], pus, PB_MAX_CPUS) >= g)
			fit[nfit++] = cores[i];
	if (!nfit) {
		char a[256];
		allowed_str(t, a, sizeof a);
		snprintf(err, len, "placement same-core needs a core with %d hardware threads; none of CPUs %s has (no SMT here)",
			 g, a);
		return -1;
	}
	for (int e = 0; e < nep; e++) {
		cpus_where(t, t->core, fit[(e / g) % nfit], pus, PB_MAX_CPUS);
		pb_cpuset_set(&sets[e], pus[e % g]);
	}
	return 0;
}

/* other-core: a group on different cores of one package (the first package with enough cores). */
static int plan_other_core(const struct pb_mech_topo *t, int nep, int g, struct pb_cpuset *sets, char *err, size_t len)
{
	static int pkgs[PB_MAX_CPUS], cores[PB_MAX_CPUS], in[PB_MAX_CPUS], pus[PB_MAX_CPUS];
	int npkg = distinct(t, t->package, pkgs), ncores = distinct(t, t->core, cores), best = 0;
	for (int p = 0; p < npkg; p++) {
		int n = 0;
		for (int c = 0; c < ncores; c++) {
			cpus_where(t, t->core, cores[c], pus, 1);
			if (t->package[pus[0]] == pkgs[p])
				in[n++] = cores[c];
		}
		if (n > best)
			best = n;
		if (n < g)
			continue;
		for (int e = 0; e < nep; e++) {
			int grp = e / g, j = e % g;
			cpus_where(t, t->core, in[(grp * g + j) % n], pus, 1);
			pb_cpuset_set(&sets[e], pus[0]);
		}
		return 0;
	}
	char a[256];
	allowed_str(t, a, sizeof a);
	snprintf(err, len, "placement other-core needs %d cores in one package; CPUs %s have %d", g, a, best);
	return -1;
}

/* other-package: a group's endpoints on different packages. */
static int plan_other_package(const struct pb_mech_topo *t, int nep, int g, struct pb_cpuset *sets, char *err,
			      size_t len)
{
	static int pkgs[PB_MAX_CPUS], cores[PB_MAX_CPUS], in[PB_MAX_CPUS], pus[PB_MAX_CPUS];
	int npkg = distinct(t, t->package, pkgs), ncores = distinct(t, t->core, cores);
	if (npkg < g) {
		char a[256];
		allowed_str(t, a, sizeof a);
		snprintf(err, len, "placement other-package needs %d packages; CPUs %s are in %d", g, a, npkg);
		return -1;
	}
	for (int e = 0; e < nep; e++) {
		/* within its package, group k takes core k (round robin), its first allowed PU */
		int grp = e / g, j = e % g, pkg = pkgs[(grp * g + j) % npkg], n = 0;
		for (int c = 0; c < ncores; c++) {
			cpus_where(t, t->core, cores[c], pus, 1);
			if (t->package[pus[0]] == pkg)
				in[n++] = cores[c];
		}
		cpus_where(t, t->core, in[grp % n], pus, 1);
		pb_cpuset_set(&sets[e], pus[0]);
	}
	return 0;
}

int pb_mech_place_plan(const struct pb_mech_topo *t, enum pb_place p, int nep, int group, struct pb_cpuset *sets,
		       char *err, size_t len)
{
	int g = group > 0 && group < nep ? group : nep;
	for (int e = 0; e < nep; e++)
		pb_cpuset_zero(&sets[e]);
	switch (p) {
	case PB_PLACE_FREE:
		return 0;
	case PB_PLACE_SAME_CPU:
		for (int e = 0; e < nep; e++)
			pb_cpuset_set(&sets[e], t->allowed[(e / g) % t->nallowed]);
		return 0;
	case PB_PLACE_SAME_CORE:
		return plan_same_core(t, nep, g, sets, err, len);
	case PB_PLACE_OTHER_CORE:
		return g < 2 ? pb_mech_place_plan(t, PB_PLACE_SAME_CPU, nep, group, sets, err, len)
			     : plan_other_core(t, nep, g, sets, err, len);
	case PB_PLACE_OTHER_PACKAGE:
		return g < 2 ? pb_mech_place_plan(t, PB_PLACE_SAME_CPU, nep, group, sets, err, len)
			     : plan_other_package(t, nep, g, sets, err, len);
	default:
		snprintf(err, len, "unknown placement");
		return -1;
	}
}

/* The one CPU of set, -1 if none, -2 if several. */
static int only_cpu(const struct pb_cpuset *s)
{
	int cpu = -1;
	for (int w = 0; w < PB_MAX_CPUS / 64; w++)
		for (uint64_t b = s->bits[w]; b; b &= b - 1) {
			if (cpu >= 0)
				return -2;
			cpu = w * 64 + __builtin_ctzll(b);
		}
	return cpu;
}

/* The relation of one group's CPUs. */
static const char *group_class(const struct pb_mech_topo *t, const int *cpus, int g)
{
	if (g == 1)
		return "one-cpu";
	int same_cpu = 1, shared = 0, same_core = 1, same_pkg = 1;
	for (int i = 0; i < g; i++)
		for (int j = i + 1; j < g; j++) {
			int a = cpus[i], b = cpus[j];
			if (a == b) {
				shared = 1;
				continue;
			}
			same_cpu = 0;
			if (a >= t->ncpus || b >= t->ncpus || t->core[a] != t->core[b])
				same_core = 0;
			if (a >= t->ncpus || b >= t->ncpus || t->package[a] != t->package[b])
				same_pkg = 0;
		}
	if (same_cpu)
		return "same-cpu";
	if (shared)
		return "mixed";
	return same_core ? "same-core" : same_pkg ? "other-core" : "other-package";
}

void pb_mech_place_seen(const struct pb_mech_topo *t, const struct pb_cpuset *seen, int nep, int group, char *buf,
			size_t len)
{
	int g = group > 0 && group < nep ? group : nep;
	const char *all = NULL;
	int *cpus = malloc((size_t)(g > 0 ? g : 1) * sizeof *cpus);
	if (!cpus) {
		snprintf(buf, len, "unknown");
		return;
	}
	for (int k = 0; k * g < nep; k++) {
		const char *c = NULL;
		for (int j = 0; j < g && k * g + j < nep && !c; j++) {
			cpus[j] = only_cpu(&seen[k * g + j]);
			if (cpus[j] == -2)
				c = "migrated";
			else if (cpus[j] < 0)
				c = "unknown";
		}
		if (!c)
			c = group_class(t, cpus, g);
		if (!all)
			all = c;
		else if (strcmp(all, c) != 0)
			all = strcmp(all, "migrated") == 0 || strcmp(c, "migrated") == 0 ? "migrated" : "mixed";
	}
	free(cpus);
	snprintf(buf, len, "%s", all ? all : "unknown");
}
