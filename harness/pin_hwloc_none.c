/* pin_hwloc_none.c: the build without hwloc: no binding, and only the kernel's facts about the machine. */
#include "pin.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NO_HWLOC "binding needs hwloc; this build has none"

int pb_pin_supported(char *why, size_t len)
{
	snprintf(why, len, NO_HWLOC);
	return 0;
}

int pb_pin_plan(const struct pb_bind *b, int nworkers, struct pb_cpuset *sets, int *oversubscribed, char *err,
		size_t errlen)
{
	for (int w = 0; w < nworkers; w++)
		pb_cpuset_zero(&sets[w]);
	*oversubscribed = 0;
	if (b->kind == PB_BIND_NONE)
		return 0;
	snprintf(err, errlen, NO_HWLOC);
	return -1;
}

int pb_pin_plan_synthetic(const char *synthetic, const struct pb_cpuset *allowed, const struct pb_bind *b,
			  int nworkers, struct pb_cpuset *sets, int *oversubscribed, char *err, size_t errlen)
{
	(void)synthetic;
	(void)allowed;
	return pb_pin_plan(b, nworkers, sets, oversubscribed, err, errlen);
}

int pb_pin_thread(const struct pb_cpuset *set)
{
	(void)set;
	return -1;
}

int pb_pin_process(const struct pb_cpuset *set)
{
	(void)set;
	return -1;
}

int pb_pin_get_thread(struct pb_cpuset *set)
{
	pb_cpuset_zero(set);
	return -1;
}

int pb_topo_summary(struct pb_topo_summary *t, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	memset(t, 0, sizeof *t);
	t->packages = t->numa_nodes = t->cores = -1;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	t->pus = n > 0 ? (int)n : -1;
	snprintf(t->hwloc_version, sizeof t->hwloc_version, "none");
	pb_pin_cpu_model(t->cpu_model, sizeof t->cpu_model);
	pb_pin_affinity(&t->allowed);
	return 0;
}
