/* machine.h: facts about the machine for meta.json and `parbench topo`, warnings, and two probes. */
#ifndef PB_MACHINE_H
#define PB_MACHINE_H

#include <jansson.h>
#include <stddef.h>

/*
 * A new JSON object: host, cpu_model, packages, cores, pus, numa_nodes,
 * caches [{level, kind, size_kb, shared_by_pus, count}], affinity ("0-1"),
 * hwloc_version, papi_version, kernel {sysname, release, version, machine},
 * governor, loadavg [1, 5, 15], mem_total_kb, counter_backends {papi, perf,
 * rusage: {available, why}}, auto_counters {backend, reason}.  Unknown
 * numbers are null.  The caller owns the reference; NULL only when out of
 * memory.
 */
json_t *pb_machine_facts(void);

/*
 * Conditions that make timings less trustworthy, one line each (no
 * newline) in out[0..max): a frequency governor other than "performance",
 * a 1-minute load average above half the PUs, a debug build, a sanitizer
 * build.  Returns how many lines were written.
 */
int pb_machine_warnings(char (*out)[256], int max);

/*
 * The rules behind pb_machine_warnings, on given facts (for tests):
 * governor ("unknown ..." when not known), load1, pus, optimized (built
 * with optimisation), sanitizer (its name, or NULL).
 */
int pb_machine_warnings_for(const char *governor, double load1, int pus, int optimized, const char *sanitizer,
			    char (*out)[256], int max);

/* The cpufreq governor of every CPU: "performance", "a, b" when they differ, "unknown (no cpufreq)". */
void pb_machine_governor(char *buf, size_t len);

/* Memory copy bandwidth (see machine.c for what is counted). */
struct pb_copy_probe {
	double best_gbs, median_gbs; /* read + write bytes per second, 1e9 */
	size_t buffer_bytes;         /* size of the source (and of the destination) */
	int reps;
};

/* Measure it: 0, or -1 when the buffers cannot be allocated.  Takes about 0.3 s. */
int pb_probe_copy(struct pb_copy_probe *p);
/* Sequential read of a buffer of bytes (read bytes only); 0 or -1. */
int pb_probe_read(size_t bytes, struct pb_copy_probe *p);
/* The best figure of pb_probe_copy in GB/s, or -1 on failure. */
double pb_probe_copy_gbs(void);

/*
 * Round-trip time of one byte between this process and a forked child over
 * two pipes, in microseconds per round trip (after a warm-up; at most 20000
 * round trips, fewer if they take more than 0.4 s).  The child is registered
 * with pb_fork and reaped.  -1 on failure.
 */
double pb_probe_pipe_rtt_us(void);

/*
 * A bare fork + _exit + waitpid loop, the least a process per task can
 * cost: run in a child of the caller (which has the caller's libraries and
 * heap), after it has touched anonymous memory until its resident set is at
 * least rss_bytes (0: as it is).  The forks run one at a time, after a
 * warm-up, for about 0.3 s (at least 20).  0, or -1 when the child or its
 * memory cannot be had.
 */
struct pb_fork_probe {
	double median_us, best_us; /* per fork + exit + wait, over batches of forks */
	long rss_kb;               /* the forking process's resident set during the loop */
	int forks;
};
int pb_probe_fork(size_t rss_bytes, struct pb_fork_probe *p);
/* Clock ticks (USER_HZ) of one CPU from /proc/stat. */
struct pb_cpu_ticks {
	unsigned long long busy;  /* user + nice + system + irq + softirq: something of this guest ran */
	unsigned long long steal; /* the hypervisor ran something else while this CPU wanted to run */
};

/*
 * The ticks of every CPU from /proc/stat's "cpuN" lines into t[cpu] for
 * cpu < max (CPUs absent are left 0).  Returns the number of cpu lines
 * read, or -1 when /proc/stat cannot be read or has no steal field.
 */
int pb_machine_cpu_ticks(struct pb_cpu_ticks *t, int max);

/* Seconds per clock tick of /proc/stat (1/USER_HZ; 0.01 on most kernels). */
double pb_machine_tick_s(void);

/* The involuntary context switches of process pid so far (/proc/PID/status), or -1 if unreadable. */
long pb_machine_nivcsw(int pid);

/* What disturbed one repetition, as measured around it (harness/run.c). */
struct pb_disturbance {
	double wall_s;   /* the repetition's wall time */
	int workers;     /* its workers */
	int cpus_used;   /* CPUs its workers ran on */
	int cpus_online; /* CPUs of the machine (/proc/stat's cpu lines) */
	double steal_s;  /* steal on the CPUs used */
	double others_s; /* CPU time of everything else on the machine: busy ticks of every CPU minus the run's own CPU time */
	long nivcsw;     /* involuntary context switches of the run */
	double tick_s;   /* the ticks' resolution */
};

/*
 * The disturbance rule of one repetition (README, "Disturbed repetitions").
 * Returns 1 (disturbed) with the reason in why, or 0.  Pure: a table tests it.
 */
#define PB_DISTURB_SHARE 0.05
int pb_rep_disturbed(const struct pb_disturbance *d, char *why, size_t len);

#endif
