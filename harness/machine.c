/* machine.c: machine facts for meta.json and topo, warnings about conditions that spoil timings, probes. */
#include "machine.h"
#include "counters.h"
#include "pin.h"
#include "proc.h"
#include "util.h"

#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __has_feature
#define __has_feature(x) 0
#endif

/* The sanitizer this build was made with, or NULL. */
static const char *build_sanitizer(void)
{
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
	return "address";
#elif defined(__SANITIZE_THREAD__) || __has_feature(thread_sanitizer)
	return "thread";
#elif __has_feature(undefined_behavior_sanitizer)
	return "undefined";
#else
	return NULL;
#endif
}

static int build_optimized(void)
{
#ifdef __OPTIMIZE__
	return 1;
#else
	return 0;
#endif
}

/* The first line of a file, without its newline; 0 or -1. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

void pb_machine_governor(char *buf, size_t len)
{
	glob_t g;
	size_t pos = 0;
	snprintf(buf, len, "unknown (no cpufreq)");
	if (glob("/sys/devices/system/cpu/cpu[0-9]*/cpufreq/scaling_governor", 0, NULL, &g) != 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char gov[64];
		if (read_line(g.gl_pathv[i], gov, sizeof gov) != 0 || !gov[0])
			continue;
		/* list each distinct governor once */
		int seen = 0;
		for (const char *p = buf; (p = strstr(p, gov)) != NULL; p += strlen(gov)) {
			size_t e = (size_t)(p - buf) + strlen(gov);
			if ((p == buf || p[-1] == ' ') && (buf[e] == ',' || buf[e] == '\0'))
				seen = 1;
		}
		if (seen)
			continue;
		int n = snprintf(buf + pos, len > pos ? len - pos : 0, "%s%s", pos ? ", " : "", gov);
		if (n > 0)
			pos += (size_t)n;
	}
	globfree(&g);
	if (!buf[0])
		snprintf(buf, len, "unknown (no cpufreq)");
}

static int loadavg(double v[3])
{
	char line[128];
	if (read_line("/proc/loadavg", line, sizeof line) != 0)
		return -1;
	return sscanf(line, "%lf %lf %lf", &v[0], &v[1], &v[2]) == 3 ? 0 : -1;
}

static long mem_total_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemTotal: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static json_t *int_or_null(long v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

json_t *pb_machine_facts(void)
{
	json_t *m = json_object();
	if (!m)
		return NULL;
	char buf[1024], err[256];
	struct pb_topo_summary t;
	int have_topo = pb_topo_summary(&t, err, sizeof err) == 0;

	if (gethostname(buf, sizeof buf) != 0)
		snprintf(buf, sizeof buf, "unknown");
	buf[sizeof buf - 1] = '\0';
	json_object_set_new(m, "host", json_string(buf));
	if (!have_topo) {
		pb_pin_cpu_model(t.cpu_model, sizeof t.cpu_model);
		t.packages = t.numa_nodes = t.cores = t.pus = -1;
		t.ncaches = 0;
		pb_pin_affinity(&t.allowed);
		json_object_set_new(m, "topology_error", json_string(err));
	}
	json_object_set_new(m, "cpu_model", json_string(t.cpu_model));
	json_object_set_new(m, "packages", int_or_null(t.packages));
	json_object_set_new(m, "cores", int_or_null(t.cores));
	json_object_set_new(m, "pus", int_or_null(t.pus));
	json_object_set_new(m, "numa_nodes", int_or_null(t.numa_nodes));
	json_t *caches = json_array();
	for (int i = 0; i < t.ncaches; i++) {
		const struct pb_cache_level *c = &t.caches[i];
		json_array_append_new(caches, json_pack("{s:i, s:s, s:I, s:i, s:i}", "level", c->level, "kind", c->kind,
							"size_kb", (json_int_t)c->size_kb, "shared_by_pus",
							c->shared_by_pus, "count", c->count));
	}
	json_object_set_new(m, "caches", caches);
	pb_cpuset_format(&t.allowed, buf, sizeof buf);
	json_object_set_new(m, "affinity", json_string(buf));
	json_object_set_new(m, "hwloc_version", json_string(have_topo ? t.hwloc_version : "unknown"));
	json_object_set_new(m, "papi_version", json_string(pb_papi_version()));

	struct utsname u;
	if (uname(&u) == 0)
		json_object_set_new(m, "kernel", json_pack("{s:s, s:s, s:s, s:s}", "sysname", u.sysname, "release",
							    u.release, "version", u.version, "machine", u.machine));
	else
		json_object_set_new(m, "kernel", json_null());
	pb_machine_governor(buf, sizeof buf);
	json_object_set_new(m, "governor", json_string(buf));
	/* compare calls runs from machines that differ in this "unsure" (issue 10) */
	json_object_set_new(m, "binding_supported", json_boolean(pb_pin_supported(err, sizeof err)));
	double la[3];
	if (loadavg(la) == 0)
		json_object_set_new(m, "loadavg", json_pack("[f, f, f]", la[0], la[1], la[2]));
	else
		json_object_set_new(m, "loadavg", json_null());
	json_object_set_new(m, "mem_total_kb", int_or_null(mem_total_kb()));

	static const enum pb_ctr_backend backends[] = { PB_CTR_PAPI, PB_CTR_PERF, PB_CTR_RUSAGE };
	json_t *cb = json_object();
	for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
		char why[256];
		int ok = pb_ctr_backend_available(backends[i], why, sizeof why);
		json_t *b = json_pack("{s:b}", "available", ok);
		if (!ok)
			json_object_set_new(b, "why", json_string(why));
		json_object_set_new(cb, pb_ctr_backend_name(backends[i]), b);
	}
	json_object_set_new(m, "counter_backends", cb);
	struct pb_counters_cfg cfg;
	if (pb_counters_resolve("auto", &cfg, err, sizeof err) == 0)
		json_object_set_new(m, "auto_counters", json_pack("{s:s, s:s}", "backend",
								  pb_ctr_backend_name(cfg.backend), "reason", cfg.reason));
	return m;
}

int pb_machine_warnings_for(const char *governor, double load1, int pus, int optimized, const char *sanitizer,
			    char (*out)[256], int max)
{
	int n = 0;
	if (n < max && governor && strncmp(governor, "unknown", 7) != 0 && strcmp(governor, "performance") != 0)
		snprintf(out[n++], sizeof out[0],
			 "cpu frequency governor is '%s', not 'performance'; timings may vary with frequency scaling",
			 governor);
	if (n < max && pus > 0 && load1 > 0.5 * pus)
		snprintf(out[n++], sizeof out[0], "load average is %.2f at start, high for %d PUs; timings may be noisy",
			 load1, pus);
	if (n < max && !optimized)
		snprintf(out[n++], sizeof out[0], "this is a debug build (no optimisation); timings are not representative");
	if (n < max && sanitizer)
		snprintf(out[n++], sizeof out[0], "this is a sanitizer build (%s); timings are not representative",
			 sanitizer);
	return n;
}

int pb_machine_warnings(char (*out)[256], int max)
{
	char gov[256];
	double la[3] = { 0, 0, 0 };
	struct pb_topo_summary t;
	char err[128];
	int pus = -1;
	if (pb_topo_summary(&t, err, sizeof err) == 0)
		pus = t.pus;
	if (pus <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		pus = n > 0 ? (int)n : 1;
	}
	pb_machine_governor(gov, sizeof gov);
	if (loadavg(la) != 0)
		la[0] = 0;
	return pb_machine_warnings_for(gov, la[0], pus, build_optimized(), build_sanitizer(), out, max);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* An anonymous mapping of bytes, backed by huge pages where the kernel allows (far fewer page faults). */
static char *probe_buffer(size_t bytes)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

/*
 * memcpy between two buffers beyond the last-level cache: 4 x the largest
 * cache (all of its instances together), at least 32 MiB, at most 64 MiB so
 * the probe stays well under 0.5 s even where page faults are slow (this
 * bhyve guest takes ~10 us per 4 KiB fault; huge pages avoid most of them).
 * A VM may report a huge L3 (bhyve here says 508 MB per core); then the cap
 * wins and the figure may include some cache hits.  Both buffers are
 * touched first so faults are not timed; 5 copies are timed and the
 * bandwidth counts read + write bytes (2 x size per copy, as STREAM's Copy).
 */
int pb_probe_copy(struct pb_copy_probe *p)
{
	enum { REPS = 5 };
	size_t bytes = (size_t)32 << 20;
	struct pb_topo_summary t;
	char err[128];
	memset(p, 0, sizeof *p);
	if (pb_topo_summary(&t, err, sizeof err) == 0)
		for (int i = 0; i < t.ncaches; i++) {
			size_t n = t.caches[i].count > 0 ? (size_t)t.caches[i].count : 1;
			size_t want = (size_t)t.caches[i].size_kb * 1024 * n * 4;
			if (want > bytes)
				bytes = want;
		}
	if (bytes > (size_t)64 << 20)
		bytes = (size_t)64 << 20;
	char *src = probe_buffer(bytes), *dst = probe_buffer(bytes);
	if (!src || !dst) {
		if (src)
			munmap(src, bytes);
		if (dst)
			munmap(dst, bytes);
		return -1;
	}
	memset(src, 1, bytes);
	memset(dst, 2, bytes);
	double s[REPS];
	for (int r = 0; r < REPS; r++) {
		double t0 = pb_now();
		memcpy(dst, src, bytes);
		s[r] = pb_now() - t0;
		src[r] ^= dst[bytes - 1 - (size_t)r]; /* a dependence, so no copy is dropped */
	}
	munmap(src, bytes);
	munmap(dst, bytes);
	qsort(s, REPS, sizeof s[0], cmp_double);
	p->buffer_bytes = bytes;
	p->reps = REPS;
	p->best_gbs = s[0] > 0 ? 2.0 * (double)bytes / s[0] / 1e9 : 0;
	p->median_gbs = s[REPS / 2] > 0 ? 2.0 * (double)bytes / s[REPS / 2] / 1e9 : 0;
	return 0;
}

/*
 * A plain sequential read of bytes (the sum of its 64-bit words: an integer
 * reduction the compiler vectorises, so the loop is bound by memory): the
 * roofline the bandwidth-bound kernels (sumsq form=array) are judged against.  The buffer is touched first; 5 passes are timed.
 */
int pb_probe_read(size_t bytes, struct pb_copy_probe *p)
{
	enum { REPS = 5 };
	memset(p, 0, sizeof *p);
	bytes &= ~(size_t)31;
	if (bytes == 0)
		return -1;
	uint64_t *buf = (uint64_t *)probe_buffer(bytes);
	if (!buf)
		return -1;
	size_t n = bytes / sizeof *buf;
	for (size_t i = 0; i < n; i++)
		buf[i] = i * 0x9E3779B97F4A7C15ull;
	double s[REPS];
	uint64_t sink = 0;
	for (int r = 0; r < REPS; r++) {
		uint64_t a = 0;
		double t0 = pb_now();
		for (size_t i = 0; i < n; i++)
			a += buf[i];
		s[r] = pb_now() - t0;
		sink += a;
	}
	/* the sums are used, so no pass is dropped */
	__asm__ volatile("" : : "r"(sink));
	munmap(buf, bytes);
	qsort(s, REPS, sizeof s[0], cmp_double);
	p->buffer_bytes = bytes;
	p->reps = REPS;
	p->best_gbs = s[0] > 0 ? (double)bytes / s[0] / 1e9 : 0;
	p->median_gbs = s[REPS / 2] > 0 ? (double)bytes / s[REPS / 2] / 1e9 : 0;
	return 0;
}

double pb_probe_copy_gbs(void)
{
	struct pb_copy_probe p;
	return pb_probe_copy(&p) == 0 ? p.best_gbs : -1;
}

double pb_probe_pipe_rtt_us(void)
{
	enum { WARMUP = 1000, TRIPS = 20000 };
	int ping[2], pong[2];
	if (pipe(ping) != 0)
		return -1;
	if (pipe(pong) != 0) {
		close(ping[0]);
		close(ping[1]);
		return -1;
	}
	pid_t pid = pb_fork();
	if (pid < 0) {
		close(ping[0]);
		close(ping[1]);
		close(pong[0]);
		close(pong[1]);
		return -1;
	}
	if (pid == 0) {
		char c;
		close(ping[1]);
		close(pong[0]);
		while (read(ping[0], &c, 1) == 1)
			if (write(pong[1], &c, 1) != 1)
				break;
		_exit(0);
	}
	close(ping[0]);
	close(pong[1]);
	double rtt = -1, t0 = 0;
	int done = 0;
	char c = 'x';
	for (int i = 0; i < WARMUP + TRIPS; i++) {
		if (i == WARMUP)
			t0 = pb_now();
		if (pb_write_full(ping[1], &c, 1) != 0 || pb_read_full(pong[0], &c, 1) != 0)
			goto out;
		if (i >= WARMUP) {
			done++;
			if ((done & 255) == 0 && pb_now() - t0 > 0.4)
				break; /* a slow machine: enough samples */
		}
	}
	rtt = (pb_now() - t0) / done * 1e6;
out:
	close(ping[1]); /* EOF: the child leaves its loop */
	close(pong[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	pb_proc_unregister(pid);
	return rtt;
}

/* This process's resident set in bytes (/proc/self/statm), or 0. */
static size_t resident_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return (size_t)rss * (size_t)sysconf(_SC_PAGESIZE);
}

/* The loop itself, in the probing child: writes a struct pb_fork_probe to fd. */
static void fork_loop(size_t rss_bytes, int fd) __attribute__((noreturn));
static void fork_loop(size_t rss_bytes, int fd)
{
	enum { WARMUP = 10, BATCH = 10, MAX_BATCHES = 200 };
	struct pb_fork_probe p;
	double per[MAX_BATCHES];
	memset(&p, 0, sizeof p);
	size_t have = resident_bytes();
	if (rss_bytes > have) {
		/* plain 4 KiB pages (no MADV_HUGEPAGE), as the heap a parent grows by malloc mostly is */
		size_t extra = rss_bytes - have;
		char *m = mmap(NULL, extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			_exit(1);
		for (size_t i = 0; i < extra; i += 4096)
			m[i] = 1;
	}
	p.rss_kb = (long)(resident_bytes() / 1024);
	int nb = 0;
	double t0 = pb_now(), start = t0;
	for (int i = 0; i < WARMUP + MAX_BATCHES * BATCH; i++) {
		if (i >= WARMUP && (i - WARMUP) % BATCH == 0) {
			double now = pb_now();
			if (i > WARMUP)
				per[nb++] = (now - start) / BATCH * 1e6;
			if (nb == MAX_BATCHES || (nb >= 2 && now - t0 > 0.3))
				break;
			start = now;
		}
		pid_t pid = fork();
		if (pid < 0)
			_exit(1);
		if (pid == 0)
			_exit(0);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	qsort(per, (size_t)nb, sizeof per[0], cmp_double);
	p.forks = nb * BATCH;
	p.median_us = nb ? per[nb / 2] : -1;
	p.best_us = nb ? per[0] : -1;
	_exit(pb_write_full(fd, &p, sizeof p) == 0 ? 0 : 1);
}

int pb_probe_fork(size_t rss_bytes, struct pb_fork_probe *p)
{
	int fds[2];
	memset(p, 0, sizeof *p);
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = pb_fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		fork_loop(rss_bytes, fds[1]);
	}
	close(fds[1]);
	int ok = pb_read_full(fds[0], p, sizeof *p) == 0;
	close(fds[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	pb_proc_unregister(pid);
	return ok && WIFEXITED(st) && WEXITSTATUS(st) == 0 && p->forks > 0 ? 0 : -1;
}

/* ---- disturbance: steal, other processes, involuntary switches ---- */

int pb_machine_cpu_ticks(struct pb_cpu_ticks *t, int max)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return -1;
	memset(t, 0, (size_t)max * sizeof *t);
	while (fgets(line, sizeof line, f)) {
		unsigned long long v[8]; /* user nice system idle iowait irq softirq steal */
		int cpu;
		if (strncmp(line, "cpu", 3) != 0)
			break; /* the cpu lines come first */
		if (line[3] < '0' || line[3] > '9')
			continue; /* the "cpu" total */
		if (sscanf(line + 3, "%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &v[6], &v[7]) != 9)
			continue; /* no steal field (Linux before 2.6.11) */
		if (cpu >= 0 && cpu < max) {
			t[cpu].busy = v[0] + v[1] + v[2] + v[5] + v[6];
			t[cpu].steal = v[7];
		}
		n++;
	}
	fclose(f);
	return n > 0 ? n : -1;
}

double pb_machine_tick_s(void)
{
	static double tick;
	if (tick == 0) {
		long hz = sysconf(_SC_CLK_TCK);
		tick = hz > 0 ? 1.0 / (double)hz : 0.01;
	}
	return tick;
}

long pb_machine_nivcsw(int pid)
{
	char path[64], line[256];
	long v = -1;
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * See README, "Disturbed repetitions".  The run's CPU budget is wall x the
 * CPUs it could use (its workers, at most the CPUs used or online).  Ticks
 * are coarse (10 ms), so each figure is first reduced by what one tick per
 * CPU could add by rounding alone: a flag means "at least this much", never
 * an artefact of the resolution.
 *   steal   the hypervisor took more than PB_DISTURB_SHARE of the budget on
 *           the CPUs the run used;
 *   others  other processes ran, on CPUs the run needed, for more than
 *           PB_DISTURB_SHARE of the budget: their CPU time minus what the
 *           CPUs the run left free could absorb (online - used, x wall),
 *           and the run's workers were preempted (nivcsw > workers), so
 *           the time was taken from them rather than from idle CPUs.
 */
int pb_rep_disturbed(const struct pb_disturbance *d, char *why, size_t len)
{
	int online = d->cpus_online > 0 ? d->cpus_online : 1;
	int used = d->cpus_used > 0 ? d->cpus_used : online;
	int need = d->workers < used ? (d->workers > 0 ? d->workers : 1) : used;
	double budget = d->wall_s * need;
	double steal = d->steal_s - d->tick_s * used;
	why[0] = '\0';
	if (steal > PB_DISTURB_SHARE * budget) {
		snprintf(why, len, "steal %.3f s on %d CPU(s) in %.3f s", d->steal_s, used, d->wall_s);
		return 1;
	}
	int free_cpus = online > need ? online - need : 0;
	double taken = d->others_s - d->tick_s * online - free_cpus * d->wall_s;
	if (d->nivcsw > d->workers && taken > PB_DISTURB_SHARE * budget) {
		snprintf(why, len, "other processes used %.3f s of CPU in %.3f s; %ld involuntary context switches",
			 d->others_s, d->wall_s, d->nivcsw);
		return 1;
	}
	return 0;
}
