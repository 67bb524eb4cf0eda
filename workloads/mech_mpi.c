/* mech_mpi.c: the mpi family of parbench mech: MPI point-to-point and collective operations over Open MPI. */
#include "mech.h"

#include <stdio.h>

/*
 * These mechanisms are not run by the team of endpoints (harness/mech_team.c)
 * but as an MPI job: parbench starts mpirun with parbench-mpi --mech on every
 * rank (harness/exec_mpi.c), rank 0 times each batch with MPI_Wtime between
 * barriers and sends the spans back over a UNIX socket (harness/mpi_rank.c).
 * Here are only what the plan needs: names, endpoints, sizes and rank counts.
 * One operation (README, "Mechanisms"):
 * mpi-pingpong has mode lat, mpi-bw mode bw (so summary.csv's bytes_per_s and
 * the report's bandwidth plot take them as they take ipc's).
 *   mpi-pingpong   a message from rank 0 to rank 1 and one back (a round trip,
 *                  as ipc's lat; osu_latency reports half of it);
 *   mpi-bw         one message of a stream: windows of 64 MPI_Isend (fewer
 *                  above 1 MiB, so a window stays within 64 MiB) completed by
 *                  MPI_Waitall, a 4-byte acknowledgement per window (osu_bw);
 *   mpi-allreduce  one MPI_Allreduce (MPI_SUM) of bytes / 8 doubles over every rank;
 *   mpi-barrier    one MPI_Barrier of every rank.
 */

static const uint64_t pt2pt_bytes[] = { 1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 0 };
static const uint64_t coll_bytes[] = { 8, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 0 };

static int allreduce_check(const struct pb_mech_case *c, char *err, size_t len)
{
	if (c->bytes % 8) {
		snprintf(err, len, "message size %llu is not a whole number of doubles (a multiple of 8)",
			 (unsigned long long)c->bytes);
		return -1;
	}
	return 0;
}

/*
 * check=every (the default): each message is built from its own pattern and checked word by word on
 * arrival, inside the timed loop, as mech's IPC endpoints do; at large sizes that writes and reads
 * every byte once more than the transfer itself.  check=stamps: each side fills its buffers with
 * the batch's pattern before the timing starts; a message then changes only its stamps (its index,
 * one word every 4 KiB and the last word), which the receiver checks, and the last message of every
 * batch is checked in full.  That is what osu_latency and osu_bw time (they check nothing), so the
 * two can be set side by side; a stale or misdelivered message still fails.
 */
static const struct pb_param_def pt2pt_params[] = {
	{ "check", "every", "every|stamps",
	  "every: every word of every message checked; stamps: stamps per message, the last of a batch in full" },
	{ NULL, NULL, NULL, NULL },
};

#define MPI_MECH(nm, desc, mode, sz, minb, defb, gsize, maxg, defg, chk)                                        \
	{                                                                                                  \
		.family = "mpi", .name = nm, .description = desc, .kinds = PB_BIT(PB_EP_PROCESS),          \
		.default_kinds = PB_BIT(PB_EP_PROCESS), .waits = PB_BIT(PB_MWAIT_SPIN),                   \
		.default_waits = PB_BIT(PB_MWAIT_SPIN), .modes = mode, .places = PB_BIT(PB_PLACE_FREE),      \
		.sized = sz, .min_bytes = minb, .max_bytes = PB_MECH_MAX_BYTES, .default_bytes = defb,     \
		.group_size = gsize, .place_group = 0, .max_groups = maxg, .default_groups = defg,          \
		.params = (gsize) == 2 ? pt2pt_params : NULL, .available = pb_mech_mpi_available, .check = chk,   \
		.mpi = 1,                                                                                  \
	}

static const struct pb_mech mpi_mechs[] = {
	MPI_MECH("mpi-pingpong", "MPI_Send/MPI_Recv ping-pong between ranks 0 and 1 (one operation: the round trip)",
		 PB_BIT(PB_MODE_LAT), 1,
		 1, pt2pt_bytes, 2, 1, 1, NULL),
	MPI_MECH("mpi-bw", "rank 0 to 1 in windows of 64 MPI_Isend, MPI_Waitall, an ack per window (osu_bw)",
		 PB_BIT(PB_MODE_BW), 1, 1, pt2pt_bytes, 2, 1, 1, NULL),
	MPI_MECH("mpi-allreduce", "MPI_Allreduce (sum) of bytes/8 doubles over -j ranks (default 2)", 0, 1, 8, coll_bytes, 1,
		 64, 2, allreduce_check),
	MPI_MECH("mpi-barrier", "MPI_Barrier of -j ranks (default 2)", 0, 0, 0, NULL, 1, 64, 2, NULL),
};

const struct pb_mech *const pb_mechs_mpi[] = {
	&mpi_mechs[0], &mpi_mechs[1], &mpi_mechs[2], &mpi_mechs[3], NULL,
};
