/* executors.c: the table of variants, one descriptor per file. */
#include "executor.h"

#include <string.h>

extern const struct pb_executor pb_ex_serial, pb_ex_threads, pb_ex_pool, pb_ex_process, pb_ex_shm,
	pb_ex_openmp, pb_ex_mpi;

const struct pb_executor *const pb_executors[] = {
	&pb_ex_serial, &pb_ex_threads, &pb_ex_pool, &pb_ex_process, &pb_ex_shm, &pb_ex_openmp, &pb_ex_mpi, NULL,
};

const struct pb_executor *pb_executor_find(const char *name)
{
	for (int i = 0; pb_executors[i]; i++)
		if (strcmp(pb_executors[i]->name, name) == 0)
			return pb_executors[i];
	return NULL;
}
