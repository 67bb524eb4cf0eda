/* sleep.c: tasks that only sleep, to measure the harness's own overhead and I/O-bound pool sizing. */
#include "workload.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SLEEP_MS_MAX 3600000.0 /* one hour per item */

struct sleep_state {
	struct timespec d; /* the sleep per item; zero: no system call at all */
};

static const struct pb_param_def sleep_params[] = {
	{ "ms", "100", NULL, "milliseconds each item sleeps (fractions allowed; 0: an empty task)" },
	{ NULL, NULL, NULL, NULL },
};

static int sleep_prepare(struct pb_job *job, char *err, size_t errlen)
{
	double ms;
	if (job->size < 1 || job->size > job->wl->max_size) {
		snprintf(err, errlen, "size %llu is out of range [1, %llu]", (unsigned long long)job->size,
			 (unsigned long long)job->wl->max_size);
		return -1;
	}
	if (pb_param_double(job, "ms", 0.0, SLEEP_MS_MAX, &ms, err, errlen) < 0)
		return -1;
	struct sleep_state *st = malloc(sizeof *st);
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	long long ns = llround(ms * 1e6);
	st->d.tv_sec = (time_t)(ns / 1000000000);
	st->d.tv_nsec = (long)(ns % 1000000000);
	job->state = st;
	job->n_items = job->size;
	return 0;
}

/* Sleeps d once, relative, resuming with the remaining time when a signal interrupts. */
static void sleep_once(struct timespec d)
{
	struct timespec rem;
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &d, &rem) == EINTR)
		d = rem;
}

static void sleep_kernel(const struct pb_job *job, uint64_t begin, uint64_t end, struct pb_view in,
			 struct pb_view out, struct pb_partial *part)
{
	const struct sleep_state *st = job->state;
	if (st->d.tv_sec != 0 || st->d.tv_nsec != 0)
		for (uint64_t i = begin; i < end; i++)
			sleep_once(st->d);
	part->sum = end - begin;
	part->items = end - begin;
}

static int sleep_verify(const struct pb_job *job, const struct pb_partial *total, char *msg, size_t len)
{
	if (total->sum != job->n_items || total->items != job->n_items) {
		char s[48];
		pb_u128_str(total->sum, s, sizeof s);
		snprintf(msg, len, "slept %s items (counted %llu), expected %llu", s,
			 (unsigned long long)total->items, (unsigned long long)job->n_items);
		return -1;
	}
	return 0;
}

static void sleep_format(const struct pb_job *job, const struct pb_partial *total, char *buf, size_t len)
{
	pb_u128_str(total->sum, buf, len);
}

static void sleep_release(struct pb_job *job)
{
	free(job->state);
	job->state = NULL;
}

const struct pb_workload pb_wl_sleep = {
	.name = "sleep",
	.description = "each item sleeps ms milliseconds: harness overhead and I/O-bound pool sizing",
	.unit = "tasks",
	.params = sleep_params,
	.default_size = 16,
	.quick_size = 4,
	.full_size = 64,
	.max_size = 1000000,
	.default_tasks = 0,
	.extra = 1,
	.prepare = sleep_prepare,
	.kernel = sleep_kernel,
	.verify = sleep_verify,
	.format_result = sleep_format,
	.release = sleep_release,
};
