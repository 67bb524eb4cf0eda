/* mech.h: the contract every mechanism microbenchmark implements (DESIGN.md, Mechanisms). */
#ifndef PB_MECH_H
#define PB_MECH_H

#include <stddef.h>
#include <stdint.h>

#include "workload.h" /* struct pb_param_def, struct pb_kv */

/*
 * A mechanism is what the tutorials teach besides workloads: an IPC channel,
 * a synchronisation primitive, a way to create a process or thread.  Each is
 * one `const struct pb_mech` in the file of its family (mech_ipc.c,
 * mech_sync.c, mech_spawn.c), listed in that file's NULL-terminated table;
 * mech_registry.c lists the tables.  A new family (MPI, issue 15) is a new
 * file with its own table and one line in the registry: nothing else in the
 * harness names a mechanism.
 *
 * The harness (harness/mech_team.c) runs a case as a team of endpoints,
 * processes or threads, each bound as the placement asks.  It calls, in order:
 *   setup     in parbench, before any endpoint exists: channels, names;
 *   attach    in each endpoint: open its side (by name where the mechanism
 *             has names), close what belongs to the others;
 *   ready     in parbench once every endpoint attached: unlink the names,
 *             close parbench's own copies (so a dead peer is an EOF);
 *   run       in every endpoint, together (a barrier first), once per batch:
 *             `ops` operations, each one checked, facts into *out;
 *   verify    in parbench after a batch: what only the shared state shows
 *             (a protected counter against the increments);
 *   detach, teardown: the reverse.
 * Names (FIFOs, sockets, queues, semaphores) exist only between setup and
 * ready; parbench holds SIGINT and SIGTERM off in between, so only SIGKILL
 * in those milliseconds can leave one.
 */

/* Endpoints: raw.csv's variant. */
enum pb_ep_kind { PB_EP_PROCESS, PB_EP_THREAD, PB_EP_NKINDS };

/* How an endpoint waits for its peer or for a lock. */
enum pb_mwait {
	PB_MWAIT_BLOCK,  /* sleep in the kernel (blocking read, futex wait) */
	PB_MWAIT_SPIN,   /* poll without sleeping */
	PB_MWAIT_HYBRID, /* poll for PB_MECH_SPIN_NS, then sleep ("spin-then-block") */
	PB_MWAIT_NONE,   /* nothing to wait for (atomic increments) */
	PB_NMWAITS
};

/* IPC measurements. */
enum pb_mode {
	PB_MODE_LAT, /* ping-pong: a message there and one back is one operation */
	PB_MODE_BW,  /* one-way stream of messages; the receiver acknowledges the end */
	PB_NMODES
};

/* Where the endpoints of a group run, relative to each other. */
enum pb_place {
	PB_PLACE_FREE,          /* wherever the scheduler puts them (recorded) */
	PB_PLACE_SAME_CPU,      /* one CPU for the whole group */
	PB_PLACE_SAME_CORE,     /* hardware threads of one core */
	PB_PLACE_OTHER_CORE,    /* different cores of one package */
	PB_PLACE_OTHER_PACKAGE, /* different packages */
	PB_NPLACES
};

#define PB_BIT(x) (1u << (x))

/* Spin-then-block spins this long before it sleeps: about what waking a halted vCPU costs. */
#define PB_MECH_SPIN_NS 50000

/* The largest message any mechanism accepts (its own limit may be lower). */
#define PB_MECH_MAX_BYTES (UINT64_C(64) << 20)

/* CPU bitmap words in struct pb_mech_out: 1024 CPUs, the layout of harness/cpuset.h's struct pb_cpuset. */
#define PB_MECH_CPU_WORDS 16

struct pb_mech;

/* One case, as the harness planned it (raw.csv's params hold all of it but groups). */
struct pb_mech_case {
	const struct pb_mech *m;
	enum pb_ep_kind kind;
	enum pb_mwait wait;
	enum pb_mode mode;       /* used when m->modes != 0 */
	enum pb_place place;
	uint64_t bytes;          /* m->sized: message size in bytes */
	int groups;              /* -j: pairs, contenders or creators */
	int nep;                 /* endpoints: groups * m->group_size */
	int nparams;
	struct pb_kv params[PB_MAX_PARAMS]; /* every parameter of m, defaults filled in */
};

/* What one endpoint reports for one batch.  Plain data: it lives in shared memory. */
struct pb_mech_out {
	uint64_t done;       /* operations this endpoint completed */
	uint64_t bad;        /* of those, how many failed their check (bytes, count, exit status) */
	uint64_t first_bad;  /* the index of the first that failed */
	uint64_t value;      /* a check value of the mechanism's (a sum, a count) */
	uint64_t cpus[PB_MECH_CPU_WORDS]; /* CPUs the endpoint was seen on */
	char why[160];       /* the first failure, in words ("message 17: byte 3 is 0x41, expected 0x40") */
	int failed;          /* 1: the channel itself failed (EOF, EPIPE, a system call): the batch stopped */
	/* 1: a helper process of the endpoint did the work (spawn's lean creator): cpus are its CPUs,
	   and its CPU time and peak RSS below count as the endpoint's */
	int proxy;
	double proxy_user_s, proxy_sys_s;
	long proxy_rss_kb;
};

/* A running case: what every hook of the mechanism gets. */
struct pb_mech_ctx {
	const struct pb_mech_case *c;
	void *shared;        /* m->shared_size(c) bytes of MAP_SHARED memory, zeroed, mapped before any endpoint */
	void *priv;          /* the mechanism's own state (setup makes it, teardown frees it): a process
				endpoint has its copy from fork, thread endpoints share it and each uses
				only its own index */
	uint64_t batch;      /* batches run so far in this case: message patterns change from batch to batch */
	long owner_pid;      /* parbench's pid: every name carries it (/parbench-<pid>-...) */
	const char *tmpdir;  /* where FIFOs and socket files go ($TMPDIR or /tmp) */
};

struct pb_mech {
	const char *family;        /* raw.csv's workload: "ipc", "sync", "spawn" */
	const char *name;          /* params' mech= */
	const char *description;   /* one line, for `parbench list` */
	unsigned kinds;            /* PB_BIT(PB_EP_*) it runs with */
	unsigned default_kinds;    /* those a run without -v gets */
	unsigned waits;            /* PB_BIT(PB_WAIT_*) */
	unsigned default_waits;
	unsigned modes;            /* PB_BIT(PB_MODE_*); 0: no modes */
	unsigned places;           /* PB_BIT(PB_PLACE_*) it can honour */
	int sized;                 /* 1: takes message sizes (--bytes) */
	uint64_t min_bytes, max_bytes; /* fixed size limits (check may know tighter ones) */
	const uint64_t *default_bytes; /* its sweep when --bytes is not given (0-terminated); NULL: the family's */
	int group_size;            /* endpoints per group: 2 for a pair, 1 for a contender or creator */
	int place_group;           /* endpoints a placement relates: 0 all of them, else this many in a row */
	int max_groups;            /* the most pairs, contenders or creators (-j) */
	int default_groups;        /* without -j: 0 means 1 to the CPU count, else this count */
	const struct pb_param_def *params; /* its -p parameters; def may list several values (a sweep) */

	/* 1 if this machine and build can run it; 0 with why ("/dev/mqueue: ..."). NULL: always. */
	int (*available)(char *why, size_t len);
	/* Bad input this machine's limits reveal (a message beyond msgsize_max): -1 with err.  NULL: none. */
	int (*check)(const struct pb_mech_case *c, char *err, size_t len);
	/* Bytes of shared memory the case needs (NULL: none). */
	size_t (*shared_size)(const struct pb_mech_case *c);
	int (*setup)(struct pb_mech_ctx *x, char *err, size_t len);            /* NULL: nothing */
	int (*attach)(struct pb_mech_ctx *x, int ep, char *err, size_t len);   /* NULL: nothing */
	void (*ready)(struct pb_mech_ctx *x, int processes);                   /* NULL: nothing */
	/* Run ops operations as endpoint ep; never returns early except on a channel failure (out->failed). */
	void (*run)(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out);
	/* After a batch, with every endpoint's out: 0, or -1 with msg (the batch is then not verified). NULL: none. */
	int (*verify)(struct pb_mech_ctx *x, uint64_t ops, const struct pb_mech_out *outs, char *msg, size_t len);
	void (*detach)(struct pb_mech_ctx *x, int ep);                         /* NULL: nothing */
	void (*teardown)(struct pb_mech_ctx *x);                               /* NULL: nothing */
	/*
	 * 1: an MPI mechanism (mech_mpi.c): the harness runs the case as an MPI job
	 * (mpirun, parbench-mpi --mech on every rank: harness/exec_mpi.c,
	 * harness/mpi_rank.c) instead of a team of endpoints, and none of the hooks
	 * from setup on is called.  `all` leaves these out; they are asked by name
	 * or by their family, as run's mpi variant is.
	 */
	int mpi;
};

/* ---- the registry (mech_registry.c) ---- */

/* Every mechanism in registry order, NULL-terminated; built on first use. */
const struct pb_mech *const *pb_mechs(void);
const struct pb_mech *pb_mech_find(const char *name);
/* Whether name is a family ("ipc"), and each family in registry order (NULL past the last). */
int pb_mech_is_family(const char *name);
const char *pb_mech_family(int i);

/* Names of the enums, as params and options spell them. */
const char *pb_ep_kind_name(enum pb_ep_kind k); /* "process", "thread" */
const char *pb_mwait_name(enum pb_mwait w);       /* "block", "spin", "spin-then-block", "none" */
const char *pb_mode_name(enum pb_mode m);       /* "lat", "bw" */
const char *pb_place_name(enum pb_place p);     /* "free", "same-cpu", "same-core", "other-core", "other-package" */
int pb_ep_kind_parse(const char *s, enum pb_ep_kind *out); /* 0 or -1 */
int pb_mwait_parse(const char *s, enum pb_mwait *out);
int pb_mode_parse(const char *s, enum pb_mode *out);
int pb_place_parse(const char *s, enum pb_place *out);

/* ---- helpers the mechanisms share (mech_util.c) ---- */

/* The value of a mechanism parameter in c (defaults are filled in), or NULL. */
const char *pb_mech_param(const struct pb_mech_case *c, const char *key);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t pb_mech_now_ns(void);

/* Note the CPU the caller runs on in out->cpus (sched_getcpu). */
void pb_mech_seen(struct pb_mech_out *out);

/* A failure in words: out->why (first one kept), and out->failed when the channel failed. */
void pb_mech_fail(struct pb_mech_out *out, int channel, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Message patterns.  Message i of batch b in direction d has a seed
 * (pb_msg_seed); its 64-bit words are seed + j * odd constant and its tail
 * bytes come from the seed, so every message differs from the one before it
 * and a dropped, repeated, reordered or torn message cannot pass.
 * pb_msg_check compares every word against the pattern (the OR of the
 * differences: no branch per word) and returns 0 if the message is intact,
 * else the offset of the first wrong byte + 1.
 */
uint64_t pb_msg_seed(uint64_t batch, uint64_t i, int dir);
void pb_msg_fill(void *buf, size_t len, uint64_t seed);
size_t pb_msg_check(const void *buf, size_t len, uint64_t seed);
/* Record message i's check in out (a failure names the message, the offset and the bytes). */
void pb_msg_verify(struct pb_mech_out *out, const void *buf, size_t len, uint64_t seed, uint64_t i);

/*
 * A byte count as mechanisms and --bytes take it: 64, 4K or 4KiB (4096), 1M
 * (1048576), 1G, 2^20; binary multiples, as sizes of memory are.  0 is
 * allowed here (rss=0); callers refuse it where it means nothing.  0 or -1.
 */
int pb_mech_parse_bytes(const char *s, uint64_t *out);

/* A unique name for this case's objects: "<prefix>parbench-<pid>-<seq><suffix>". */
void pb_mech_name(char *buf, size_t len, const struct pb_mech_ctx *x, const char *prefix, const char *suffix);

/* Pause inside a spin loop (x86 pause, arm yield). */
static inline void pb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* futex(2) on a 32-bit word in (possibly shared) memory; shared: no FUTEX_PRIVATE_FLAG. */
int pb_futex_wait(uint32_t *addr, uint32_t val, long timeout_ns);
int pb_futex_wake(uint32_t *addr, int n);

/*
 * Wait until *word != val under policy wait (block: futex at once; spin:
 * never sleep; hybrid: spin PB_MECH_SPIN_NS, then futex), with *sleepers
 * counting the waiters that may be asleep, so a waker calls futex wake only
 * when someone sleeps.  Returns the new value.  The waker stores the new
 * value (seq_cst), then calls pb_word_wake.
 */
uint32_t pb_word_wait(uint32_t *word, uint32_t val, uint32_t *sleepers, enum pb_mwait wait);
void pb_word_wake(uint32_t *word, uint32_t *sleepers);

/*
 * parbench-creator's main (harness/helpers/parbench-creator.c): the lean
 * creator of mech_spawn.c, a small program of its own so that what it forks
 * has the address space of a plain C loop, not parbench's.
 */
int pb_spawn_creator_main(int argc, char **argv);

/*
 * Whether this build and machine can run the mpi family (the rank program
 * and mpirun are there): 1, or 0 with why.  The harness provides it
 * (exec_mpi.c; exec_mpi_none.c in a build without Open MPI).
 */
int pb_mech_mpi_available(char *why, size_t len);

/*
 * The MPI mechanisms' operations, shared by mech_mpi.c's checks and the rank
 * program (harness/mpi_rank.c): mpi-bw's window, allreduce's elements and
 * their closed form.  Element j of operation i of batch b on rank r (of n)
 * is (r + 1) * v, v = 1 + (b * 7919 + i * 31 + j) % 1021: every sum over the
 * ranks, v * n * (n + 1) / 2, is an integer below 2^53, so exact in a double.
 */
#define PB_MPI_BW_WINDOW 64
#define PB_MPI_BW_WINDOW_BYTES (UINT64_C(64) << 20) /* a window's buffers stay within this */
static inline int pb_mpi_bw_window(uint64_t bytes)
{
	uint64_t w = bytes ? PB_MPI_BW_WINDOW_BYTES / bytes : PB_MPI_BW_WINDOW;
	return w >= PB_MPI_BW_WINDOW ? PB_MPI_BW_WINDOW : w < 1 ? 1 : (int)w;
}
static inline double pb_mpi_ar_value(uint64_t batch, uint64_t i, uint64_t j)
{
	return (double)(1 + (batch * 7919 + i * 31 + j) % 1021);
}

/* ---- the family tables ---- */
extern const struct pb_mech *const pb_mechs_ipc[];
extern const struct pb_mech *const pb_mechs_sync[];
extern const struct pb_mech *const pb_mechs_spawn[];
extern const struct pb_mech *const pb_mechs_mpi[];

#endif
