/* exec_openmp_none.c: the openmp variant in a build without OpenMP: listed, never available. */
#include "executor.h"

#include <stdio.h>

#define NO_OPENMP "this build has no OpenMP"

static int none_available(char *why, size_t len)
{
	snprintf(why, len, "%s", NO_OPENMP);
	return 0;
}

/* Always fails: the runner checks available() first, so this only guards misuse. */
static struct pb_exec *none_open(const struct pb_exec_opts *o, const struct pb_job *job, char *err,
				 size_t errlen)
{
	(void)o;
	(void)job;
	snprintf(err, errlen, "openmp: %s", NO_OPENMP);
	return NULL;
}

static int none_run(struct pb_exec *ex, const struct pb_job *job, const struct pb_run_req *req,
		    struct pb_run_result *res, char *err, size_t errlen)
{
	(void)ex;
	(void)job;
	(void)req;
	(void)res;
	snprintf(err, errlen, "openmp: %s", NO_OPENMP);
	return -1;
}

static void none_describe(char *buf, size_t len)
{
	snprintf(buf, len, "%s", NO_OPENMP);
}

int pb_openmp_apply_wait(enum pb_wait w, char *err, size_t errlen)
{
	(void)w;
	(void)err;
	(void)errlen;
	return 0;
}

/* open never succeeds, so there is never anything to close. */
static void none_close(struct pb_exec *ex)
{
	(void)ex;
}

const struct pb_executor pb_ex_openmp = {
	.name = "openmp",
	.description = "an OpenMP parallel for over the tasks (not in this build)",
	.processes = 0,
	.available = none_available,
	.open = none_open,
	.run = none_run,
	.describe = none_describe,
	.close = none_close,
};
