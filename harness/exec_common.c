/* exec_common.c: what every executor does the same way: run a run of tasks, read CPU time. */
#include "executor.h"

#include <string.h>
#include <sys/resource.h>
#include <time.h>

struct pb_view pb_job_in_view(const struct pb_job *job)
{
	return (struct pb_view){ .base = job->in, .off = 0, .len = job->in_len };
}

struct pb_view pb_job_out_view(const struct pb_job *job)
{
	return (struct pb_view){ .base = job->out, .off = 0, .len = job->out_len };
}

void pb_exec_tasks(const struct pb_job *job, const struct pb_run_req *req, uint64_t first,
		   uint64_t count, struct pb_partial *part, struct pb_worker_stat *st)
{
	pb_exec_tasks_views(job, req, first, count, pb_job_in_view(job), pb_job_out_view(job), part, st);
}

void pb_exec_tasks_views(const struct pb_job *job, const struct pb_run_req *req, uint64_t first,
			 uint64_t count, struct pb_view in, struct pb_view out, struct pb_partial *part,
			 struct pb_worker_stat *st)
{
	for (uint64_t k = first; k < first + count; k++) {
		uint64_t b, e;
		pb_task_range(req->n_items, req->sched.ntasks, k, &b, &e);
		pb_cpuset_set(&st->cpus, pb_current_cpu());
		struct pb_partial p;
		memset(&p, 0, sizeof p);
		if (e > b)
			job->wl->kernel(job, b, e, in, out, &p);
		pb_partial_add(part, &p);
		st->tasks_done++;
	}
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

void pb_thread_cputime(double *user_s, double *sys_s)
{
	struct rusage ru;
	if (getrusage(RUSAGE_THREAD, &ru) == 0) {
		*user_s = tv_s(ru.ru_utime);
		*sys_s = tv_s(ru.ru_stime);
	} else {
		*user_s = *sys_s = 0;
	}
}

void pb_process_cputime(double *user_s, double *sys_s)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		*user_s = tv_s(ru.ru_utime);
		*sys_s = tv_s(ru.ru_stime);
	} else {
		*user_s = *sys_s = 0;
	}
}
