/* mpi_proto.h: the messages between parbench, the MPI coordinator rank and the worker ranks (exec_mpi.c, mpi_rank.c). */
#ifndef PB_MPI_PROTO_H
#define PB_MPI_PROTO_H

#include <stdint.h>

#include "counters.h"
#include "executor.h"

/* Bumped whenever a message below changes: parbench and parbench-mpi refuse each other's other versions. */
#define PB_MPI_PROTO_VERSION 2

#define PB_MPI_HOST_MAX 64
#define PB_MPI_TEXT_MAX 512
/* Messages a coordinator keeps queued ahead of each worker rank (see mpi_rank.c). */
#define PB_MPI_WINDOW 2

/* ---- parbench <-> coordinator (rank 0), over a local UNIX stream socket ---- */

enum { PB_MPI_HELLO = 1, PB_MPI_READY, PB_MPI_RUN, PB_MPI_DONE, PB_MPI_ERROR, PB_MPI_EXIT };

struct pb_mpi_hello {       /* parbench -> coordinator, with the buffers' descriptors (SCM_RIGHTS) */
	uint32_t op, version;
	uint32_t has_in, has_out; /* descriptors follow for in, out (in that order), and always the table */
	uint64_t in_len, out_len;
	struct pb_counters_cfg counters;
};

/*
 * The task table: which tasks each worker rank holds right now (count 0:
 * none), written by the coordinator before it hands tasks out and read by
 * parbench when a rank dies, to name the task in the error.  A memfd that
 * parbench creates and both map.
 */
struct pb_mpi_slot {
	volatile uint64_t first, count;
};

struct pb_mpi_msg {         /* READY, RUN, DONE, ERROR, EXIT headers */
	uint32_t op;
	uint32_t nworkers;      /* READY, DONE: pb_mpi_worker records follow */
	uint32_t text_len;      /* ERROR: that many bytes of text follow */
	uint32_t pad;
	struct pb_run_req req;  /* RUN */
	struct pb_partial total; /* DONE */
};

/* One worker rank's facts after a run (DONE) or at start-up (READY). */
struct pb_mpi_worker {
	struct pb_worker_stat st;
	char host[PB_MPI_HOST_MAX];
	int64_t max_rss_kb;
};

/* ---- coordinator <-> worker ranks, MPI messages on MPI_COMM_WORLD ---- */

enum { PB_MPI_TAG_CMD = 1, PB_MPI_TAG_IN, PB_MPI_TAG_REPLY, PB_MPI_TAG_OUT };
enum { PB_MPI_CMD_TASKS = 1, PB_MPI_CMD_END, PB_MPI_CMD_EXIT };
enum { PB_MPI_REP_DONE = 1, PB_MPI_REP_STATS, PB_MPI_REP_ERROR, PB_MPI_REP_READY };

struct pb_mpi_cmd {         /* coordinator -> worker: TASKS [then TAG_IN bytes], END, EXIT */
	uint32_t op, pad;
	uint64_t n_items, ntasks;
	uint64_t first, count;
	uint64_t in_off, in_len;
};

struct pb_mpi_reply {       /* worker -> coordinator: DONE [then TAG_OUT bytes], STATS, ERROR, READY */
	uint32_t op, pad;
	uint64_t out_off, out_len;
	struct pb_partial part;
	struct pb_mpi_worker w;  /* STATS, READY */
	char text[PB_MPI_TEXT_MAX]; /* ERROR */
};

/*
 * ---- parbench mech's mpi family: parbench <-> rank 0 over the same kind of socket ----
 * Rank 0 connects once every rank is up and sends MECH_READY (nranks
 * pb_mpi_mech_rank records follow: each rank's pid and host); then per batch
 * parbench sends MECH_RUN (ops, batch) and rank 0 answers MECH_DONE (the span
 * and the check, then nranks records) or ERROR (text); MECH_EXIT ends the job.
 */
enum { PB_MPI_MECH_READY = 16, PB_MPI_MECH_RUN, PB_MPI_MECH_DONE, PB_MPI_MECH_EXIT };

struct pb_mpi_mech_msg {
	uint32_t op, version;
	uint32_t nranks, text_len; /* READY, DONE: records follow; ERROR (PB_MPI_ERROR): text follows */
	uint64_t ops, batch;       /* RUN */
	double span_s;             /* DONE: rank 0's MPI_Wtime from after the start barrier to its last operation */
};

/* One rank's facts about a batch (or, in READY, about itself). */
struct pb_mpi_mech_rank {
	int32_t pid, pad;
	uint64_t done, bad, first_bad;
	double user_s, sys_s;
	int64_t max_rss_kb;
	struct pb_cpuset cpus;
	char host[PB_MPI_HOST_MAX];
	char why[160];
};

#endif
