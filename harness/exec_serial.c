/* exec_serial.c: the reference variant: every task in order on the calling thread. */
#include "executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pb_exec {
	struct pb_worker_stat stat;
	const struct pb_counters_cfg *counters;
	struct pb_cpuset saved; /* the main thread's binding before open, restored by close */
	int bound;
};

static int serial_available(char *why, size_t len)
{
	(void)why;
	(void)len;
	return 1;
}

static struct pb_exec *serial_open(const struct pb_exec_opts *o, const struct pb_job *job, char *err,
				   size_t errlen)
{
	(void)job;
	struct pb_exec *ex = calloc(1, sizeof *ex);
	if (!ex) {
		snprintf(err, errlen, "serial: out of memory");
		return NULL;
	}
	ex->counters = o->counters;
	if (o->places && pb_cpuset_count(&o->places[0]) > 0) {
		if (pb_pin_get_thread(&ex->saved) == 0)
			ex->bound = 1;
		if (pb_pin_thread(&o->places[0]) != 0) {
			snprintf(err, errlen, "serial: cannot bind the worker");
			free(ex);
			return NULL;
		}
	}
	return ex;
}

static int serial_run(struct pb_exec *ex, const struct pb_job *job, const struct pb_run_req *req,
		      struct pb_run_result *res, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	struct pb_ctr_session cs;
	double u0, s0, u1, s1;

	memset(&ex->stat, 0, sizeof ex->stat);
	memset(res, 0, sizeof *res);
	pb_thread_cputime(&u0, &s0);
	pb_ctr_start(&cs, ex->counters);
	pb_exec_tasks(job, req, 0, req->sched.ntasks, &res->total, &ex->stat);
	pb_ctr_stop(&cs, &ex->stat.ctr);
	pb_thread_cputime(&u1, &s1);
	ex->stat.user_s = u1 - u0;
	ex->stat.sys_s = s1 - s0;
	res->nworkers = 1;
	res->workers = &ex->stat;
	return 0;
}

static void serial_close(struct pb_exec *ex)
{
	if (!ex)
		return;
	if (ex->bound)
		pb_pin_thread(&ex->saved);
	free(ex);
}

const struct pb_executor pb_ex_serial = {
	.name = "serial",
	.description = "every task in order on one thread: the reference",
	.processes = 0,
	.available = serial_available,
	.open = serial_open,
	.run = serial_run,
	.close = serial_close,
};
