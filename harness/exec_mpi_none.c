/* exec_mpi_none.c: the mpi variant in a build without Open MPI: listed, never available. */
#include "executor.h"

#include <stdio.h>

#define NO_MPI "this build has no Open MPI (install libopenmpi-dev and openmpi-bin, then rebuild)"

static int none_available(char *why, size_t len)
{
	snprintf(why, len, "%s", NO_MPI);
	return 0;
}

/* Always fails: the runner checks available() first, so this only guards misuse. */
static struct pb_exec *none_open(const struct pb_exec_opts *o, const struct pb_job *job, char *err,
				 size_t errlen)
{
	(void)o;
	(void)job;
	snprintf(err, errlen, "mpi: %s", NO_MPI);
	return NULL;
}

static int none_run(struct pb_exec *ex, const struct pb_job *job, const struct pb_run_req *req,
		    struct pb_run_result *res, char *err, size_t errlen)
{
	(void)ex;
	(void)job;
	(void)req;
	(void)res;
	snprintf(err, errlen, "mpi: %s", NO_MPI);
	return -1;
}

static void none_describe(char *buf, size_t len)
{
	snprintf(buf, len, "%s", NO_MPI);
}

/* open never succeeds, so there is never anything to close. */
static void none_close(struct pb_exec *ex)
{
	(void)ex;
}

const struct pb_executor pb_ex_mpi = {
	.name = "mpi",
	.description = "ranks of Open MPI started by mpirun, a coordinator rank handing out tasks (not in this build)",
	.processes = 1,
	.extra = 1,
	.available = none_available,
	.open = none_open,
	.run = none_run,
	.describe = none_describe,
	.close = none_close,
};

/* ---- parbench mech's mpi family: not in this build ---- */
#include "mech_team.h"

int pb_mech_mpi_available(char *why, size_t len)
{
	snprintf(why, len, "%s", NO_MPI);
	return 0;
}

struct pb_exec *pb_mpi_mech_open(const struct pb_mech_case *c, const struct pb_bind *bind, const char *hostfile,
				 char *err, size_t len)
{
	(void)c;
	(void)bind;
	(void)hostfile;
	snprintf(err, len, "mpi: %s", NO_MPI);
	return NULL;
}

int pb_mpi_mech_run(struct pb_exec *ex, uint64_t ops, uint64_t batch, double *span_s, struct pb_team_ep *eps,
		    char *err, size_t len)
{
	(void)ex;
	(void)ops;
	(void)batch;
	(void)span_s;
	(void)eps;
	snprintf(err, len, "mpi: %s", NO_MPI);
	return -1;
}

void pb_mpi_mech_describe(char *buf, size_t len)
{
	snprintf(buf, len, "%s", NO_MPI);
}

void pb_mpi_mech_close(struct pb_exec *ex)
{
	(void)ex;
}
