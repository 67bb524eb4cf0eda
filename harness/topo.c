/* topo.c: `parbench topo`: the machine's topology, binding support, counter backends and probes. */
#include "commands.h"
#include "counters.h"
#include "machine.h"
#include "pin.h"
#include "table.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static void print_size_kb(long kb)
{
	if (kb >= 1024 && kb % 1024 == 0)
		printf("%6ld MiB", kb / 1024);
	else
		printf("%6ld KiB", kb);
}

static void print_count(const char *what, int n)
{
	if (n >= 0)
		printf("  %-11s %d\n", what, n);
	else
		printf("  %-11s unknown (no hwloc)\n", what);
}

/* Whether pb_pin_plan gives every worker a place for kind; why not in why. */
static int bind_works(enum pb_bind_kind kind, char *why, size_t len)
{
	struct pb_bind b = { kind, PB_ORDER_COMPACT };
	struct pb_cpuset set;
	int over;
	return pb_pin_plan(&b, 1, &set, &over, why, len) == 0 && pb_cpuset_count(&set) > 0;
}

/* One line of the fork probe at a resident set of at least rss_kb KiB (0: as topo is). */
static void print_fork(long rss_kb)
{
	struct pb_fork_probe fp;
	if (pb_probe_fork((size_t)rss_kb * 1024, &fp) == 0)
		printf("  %-11s %.1f us per fork+_exit+waitpid at %ld KiB resident (median of %d; best %.1f us)\n",
		       "fork", fp.median_us, fp.rss_kb, fp.forks, fp.best_us);
	else
		printf("  %-11s failed at %ld KiB resident\n", "fork", rss_kb);
	pb_stdout_flush();
}

/*
 * `parbench topo --fork-rss KIB[,KIB...] [--like-run]`: only the fork probe,
 * at each resident size (a process run's VmRSS, so that the bare fork is
 * measured for a parent of the same size).  --like-run first does what
 * `parbench run` does before its first case (read the topology through
 * hwloc, which loads its plugins and their libraries; probe the counter
 * backends), so the probe's address space has the run's mappings too: fork
 * and exit cost grows with the number of mappings as well as with memory.
 */
static int topo_fork_only(const char *list, int like_run)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", list);
	if (like_run) {
		struct pb_topo_summary t;
		struct pb_counters_cfg cfg;
		char err[256];
		(void)pb_topo_summary(&t, err, sizeof err);
		(void)pb_counters_resolve("auto", &cfg, err, sizeof err);
	}
	printf("probes\n");
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long kb;
		if (pb_parse_int(tok, 0, 1L << 30, &kb) != 0) {
			pb_err("topo: bad resident size '%s' (KiB, 0 to 2^30)", tok);
			return 2;
		}
		print_fork(kb);
	}
	return 0;
}

static const char topo_usage[] =
	"usage: parbench topo\n"
	"Prints the machine's topology (packages, cores, PUs, caches, NUMA nodes), whether --bind core\n"
	"and pu work, each counter backend and why it is or is not available, and four probes: memory\n"
	"copy bandwidth, sequential read bandwidth, the pipe round trip between two processes and a bare\n"
	"fork+_exit+waitpid at topo's own resident size and with 64 MiB more.\n"
	"usage: parbench topo --fork-rss KIB[,KIB...] [--like-run]\n"
	"Only the fork probe, in a process of at least KIB KiB resident (a process run's VmRSS); with\n"
	"--like-run, after doing what 'parbench run' does first (hwloc's topology, the counter probes),\n"
	"so the probe also has the run's mappings.\n";

/* The machine and its caches. */
static void print_machine(const struct pb_topo_summary *tp)
{
	const struct pb_topo_summary t = *tp;
	char buf[1024];
	printf("machine\n");
	printf("  %-11s %s\n", "cpu model", t.cpu_model);
	print_count("packages", t.packages);
	print_count("numa nodes", t.numa_nodes);
	print_count("cores", t.cores);
	print_count("pus", t.pus);
	pb_cpuset_format(&t.allowed, buf, sizeof buf);
	printf("  %-11s %s\n", "affinity", buf);
	printf("  %-11s %s\n", "hwloc", t.hwloc_version);
	pb_machine_governor(buf, sizeof buf);
	printf("  %-11s %s\n", "governor", buf);

	printf("caches\n");
	if (t.ncaches == 0)
		printf("  unknown%s\n", strcmp(t.hwloc_version, "none") == 0 ? " (no hwloc)" : "");
	for (int i = 0; i < t.ncaches; i++) {
		const struct pb_cache_level *c = &t.caches[i];
		printf("  L%d %-11s ", c->level, c->kind);
		print_size_kb(c->size_kb);
		printf("  x%d, each shared by %d PU%s\n", c->count, c->shared_by_pus, c->shared_by_pus == 1 ? "" : "s");
	}

}

/* Whether --bind core and pu work here. */
static void print_binding(void)
{
	printf("binding\n");
	char why[256];
	if (!pb_pin_supported(why, sizeof why)) {
		printf("  core        no: %s\n  pu          no: %s\n", why, why);
	} else {
		static const enum pb_bind_kind kinds[] = { PB_BIND_CORE, PB_BIND_PU };
		for (int i = 0; i < 2; i++) {
			if (bind_works(kinds[i], why, sizeof why))
				printf("  %-11s yes\n", pb_bind_name(kinds[i]));
			else
				printf("  %-11s no: %s\n", pb_bind_name(kinds[i]), why);
		}
	}

}

/* Each counter backend, and what auto picks. */
static void print_counters(void)
{
	char why[256], err[256];
	printf("counters\n");
	static const enum pb_ctr_backend backends[] = { PB_CTR_PAPI, PB_CTR_PERF, PB_CTR_RUSAGE };
	static const char *const specs[] = { NULL, "perf", "rusage" };
	for (int i = 0; i < 3; i++) {
		struct pb_counters_cfg cfg;
		if (!pb_ctr_backend_available(backends[i], why, sizeof why)) {
			char head[64];
			snprintf(head, sizeof head, "  %-11s unavailable: ", pb_ctr_backend_name(backends[i]));
			pb_print_wrapped(stdout, head, why, 14);
			continue;
		}
		printf("  %-11s available", pb_ctr_backend_name(backends[i]));
		if (specs[i] && pb_counters_resolve(specs[i], &cfg, err, sizeof err) == 0)
			for (int e = 0; e < cfg.nevents; e++)
				printf("%s%s", e ? ", " : " (", cfg.events[e]);
		printf("%s\n", specs[i] ? ")" : "");
	}
	struct pb_counters_cfg cfg;
	if (pb_counters_resolve("auto", &cfg, err, sizeof err) == 0) {
		char head[64];
		snprintf(head, sizeof head, "  %-11s %s: ", "auto", pb_ctr_backend_name(cfg.backend));
		pb_print_wrapped(stdout, head, cfg.reason, 14);
	}
	printf("  %-11s %s\n", "papi lib", pb_papi_version());

}

/* The three probes. */
static void print_probes(void)
{
	printf("probes\n");
	pb_stdout_flush();
	struct pb_copy_probe cp;
	if (pb_probe_copy(&cp) == 0)
		printf("  %-11s %.2f GB/s best, %.2f GB/s median (memcpy of %zu MiB, %d reps, read + write bytes)\n",
		       "copy", cp.best_gbs, cp.median_gbs, cp.buffer_bytes >> 20, cp.reps);
	else
		printf("  %-11s failed: cannot allocate the buffers\n", "copy");
	/* 256 MiB: the size of sumsq form=array's default input (2^26 uint32), its roofline */
	if (pb_probe_read((size_t)256 << 20, &cp) == 0)
		printf("  %-11s %.2f GB/s best, %.2f GB/s median (sequential read of %zu MiB, %d reps)\n", "read",
		       cp.best_gbs, cp.median_gbs, cp.buffer_bytes >> 20, cp.reps);
	else
		printf("  %-11s failed: cannot allocate the buffer\n", "read");
	double rtt = pb_probe_pipe_rtt_us();
	if (rtt > 0)
		printf("  %-11s %.2f us per 1-byte round trip between two processes\n", "pipe", rtt);
	else
		printf("  %-11s failed\n", "pipe");
	/* what a process per task pays at the least: at topo's own size, and with 64 MiB more */
	print_fork(0);
	struct pb_fork_probe own;
	print_fork(pb_probe_fork(0, &own) == 0 ? own.rss_kb + 65536 : 65536);
}

int pb_cmd_topo(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(topo_usage, stdout);
		return 0;
	}
	if ((argc == 3 || (argc == 4 && strcmp(argv[3], "--like-run") == 0)) && strcmp(argv[1], "--fork-rss") == 0)
		return topo_fork_only(argv[2], argc == 4);
	if (argc > 1) {
		pb_err("topo: unexpected argument '%s' (see 'parbench topo --help')", argv[1]);
		return 2;
	}
	struct pb_topo_summary t;
	char err[256];
	if (pb_topo_summary(&t, err, sizeof err) != 0) {
		pb_err("topo: cannot read the topology: %s", err);
		return 1;
	}
	print_machine(&t);
	print_binding();
	print_counters();
	print_probes();
	return 0;
}
