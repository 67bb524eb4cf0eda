/* exec_common.c: what every executor does the same way: run a run of tasks, read CPU time. */
#include "executor.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

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

double pb_thread_cpu_now(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double pb_process_cpu_now(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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

static const char *const wait_names[] = {
	[PB_WAIT_BLOCK] = "block",
	[PB_WAIT_SPIN] = "spin",
	[PB_WAIT_SPINBLOCK] = "spinblock",
};

const char *pb_wait_name(enum pb_wait w)
{
	return (unsigned)w < sizeof wait_names / sizeof wait_names[0] ? wait_names[w] : "?";
}

int pb_wait_parse(const char *s, enum pb_wait *w)
{
	for (unsigned i = 0; i < sizeof wait_names / sizeof wait_names[0]; i++) {
		if (strcmp(s, wait_names[i]) == 0) {
			*w = (enum pb_wait)i;
			return 0;
		}
	}
	return -1;
}

int pb_spin_warning(const struct pb_spin_facts *f, char *buf, size_t len)
{
	if (!f->spins || f->wall_s < 100e-6 || f->wait_cpu_s < 0.5 * f->wall_s ||
	    f->work_cpu_s >= 0.5 * f->wall_s * f->workers)
		return 0;
	snprintf(buf, len,
		 "waiting threads spun %.3g ms of CPU in a %.3g ms run while the workers computed %.3g ms: spinning waiters keep the threads they wait for off the CPUs (%d workers, %d CPUs, load %.2f); %s",
		 f->wait_cpu_s * 1e3, f->wall_s * 1e3, f->work_cpu_s * 1e3, f->workers, f->cpus, f->load1, f->fix);
	return 1;
}

int pb_spin_check(const char *variant, const char *fix, int workers, double wall_s, double cpu_s, double work_cpu_s,
		  char *buf, size_t len)
{
	struct pb_spin_facts f = {
		.variant = variant,
		.fix = fix,
		.spins = 1,
		.workers = workers,
		.cpus = pb_exec_cpus(),
		.load1 = pb_exec_load1(),
		.wall_s = wall_s,
		.wait_cpu_s = cpu_s > work_cpu_s ? cpu_s - work_cpu_s : 0,
		.work_cpu_s = work_cpu_s,
	};
	return pb_spin_warning(&f, buf, len);
}

int pb_exec_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

double pb_exec_load1(void)
{
	double l = 0;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = 0;
		fclose(f);
	}
	return l;
}
