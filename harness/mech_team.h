/* mech_team.h: the endpoints of one mechanism case (processes or threads), driven batch by batch. */
#ifndef PB_MECH_TEAM_H
#define PB_MECH_TEAM_H

#include <stddef.h>
#include <stdint.h>

#include "../workloads/mech.h"
#include "counters.h"
#include "cpuset.h"
#include "pin.h"

struct pb_team_opts {
	const struct pb_mech_case *c;
	const struct pb_cpuset *places;         /* c->nep sets; an empty set leaves that endpoint's affinity alone */
	const struct pb_counters_cfg *counters; /* per endpoint, around its share of each batch */
	const char *label;                      /* the case, for messages */
	const char *tmpdir;
	const char *hostfile;                   /* the mpi family: the ranks' hosts (--hostfile), or NULL: this host */
	const struct pb_bind *bind;             /* the mpi family: -b, for mpirun's --bind-to (NULL: none) */
};

/* What one endpoint reports about one batch. */
struct pb_team_ep {
	struct pb_cpuset cpus;   /* CPUs it was seen on */
	double user_s, sys_s;    /* its CPU time in the batch (a process endpoint's includes the children it reaped) */
	long max_rss_kb;         /* a process endpoint's peak RSS (0 for threads) */
	struct pb_counter_values ctr;
	struct pb_mech_out out;
	int pid;                 /* 0 for a thread */
	char host[64];           /* the mpi family: the host the rank ran on ("" for the other families) */
};

/* One batch: every endpoint ran `ops` operations after a common start. */
struct pb_team_batch {
	double span_s;           /* from the first endpoint's start to the last one's end */
	int nep;
	const struct pb_team_ep *ep; /* nep entries, owned by the team until the next batch */
};

struct pb_team;

/*
 * Create the endpoints of o->c (setup, fork or pthread_create, bind,
 * attach, ready).  SIGINT, SIGTERM and SIGHUP are held off while the
 * mechanism's names exist.  NULL with "<label>: <why>" in err on failure;
 * nothing is left running then.
 */
struct pb_team *pb_team_open(const struct pb_team_opts *o, char *err, size_t len);

/*
 * Run one batch of ops operations on every endpoint and wait for all of
 * them.  0; or -1 with "<label>: <why>" in err when the batch could not
 * finish: an endpoint process died (which one, and how), or a channel failed
 * (EOF, EPIPE, a system call).  After -1 only pb_team_close may follow.
 */
int pb_team_run(struct pb_team *t, uint64_t ops, struct pb_team_batch *b, char *err, size_t len);

/*
 * Whether the last batch verified: every endpoint did ops operations and
 * none failed its check, and the mechanism's verify (shared counters)
 * agrees.  0, or -1 with the first failure in msg.
 */
int pb_team_verify(struct pb_team *t, uint64_t ops, char *msg, size_t len);

/* Stop every endpoint (kill them after a failure), reap, tear down.  NULL is fine. */
void pb_team_close(struct pb_team *t);

/*
 * The mpi family (struct pb_mech's mpi): one MPI job per case instead of a
 * team: mpirun starts c->nep ranks of parbench-mpi --mech (rank 0 on this
 * host, the others on the hostfile's hosts when there is one), rank 0 times
 * each batch and reports every rank's facts.  In exec_mpi.c (it shares the
 * launcher of run's mpi variant); exec_mpi_none.c refuses.  pb_team_open
 * and the rest call these for such a mechanism.
 */
struct pb_exec;
struct pb_exec *pb_mpi_mech_open(const struct pb_mech_case *c, const struct pb_bind *bind, const char *hostfile,
				 char *err, size_t len);
/* The launch, in words, for meta.json. */
void pb_mpi_mech_describe(char *buf, size_t len);
/* One batch: rank 0's span and the ranks' facts into eps (c->nep).  -1 with err if the job died. */
int pb_mpi_mech_run(struct pb_exec *ex, uint64_t ops, uint64_t batch, double *span_s, struct pb_team_ep *eps,
		    char *err, size_t len);
void pb_mpi_mech_close(struct pb_exec *ex);

#endif
