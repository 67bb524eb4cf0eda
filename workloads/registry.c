/* registry.c: the table of workloads, one descriptor per file. */
#include "workload.h"

#include <string.h>

extern const struct pb_workload pb_wl_pi, pb_wl_primes, pb_wl_image, pb_wl_sumsq, pb_wl_sleep;

const struct pb_workload *const pb_workloads[] = {
	&pb_wl_pi, &pb_wl_primes, &pb_wl_image, &pb_wl_sumsq, &pb_wl_sleep, NULL,
};

const struct pb_workload *pb_workload_find(const char *name)
{
	for (int i = 0; pb_workloads[i]; i++)
		if (strcmp(pb_workloads[i]->name, name) == 0)
			return pb_workloads[i];
	return NULL;
}
