/* main.c: the parbench command line: one table of subcommands and a plain lookup (git.c style). */
#include "buildinfo.h"
#include "commands.h"
#include "plugin.h"
#include "run.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: parbench <command> [options]\n"
	"\n"
	"Runs the same verified workloads under several execution models and measures them\n"
	"side by side: warm-up, repetitions, medians with confidence intervals, set-up timed\n"
	"apart, counters, pinning, plots and regression verdicts.\n"
	"\n"
	"commands:\n"
	"  list [-w LIST]            workloads (or plugins: -w ./libmine.so) with parameters; variants\n"
	"  run [options]             run every case of the matrix given by the options (run --help)\n"
	"  report DIR                summary.csv, plots and report.md for a results directory\n"
	"  compare BASE NEW [opts]   regression verdicts between two runs (compare --help)\n"
	"  ab OLD_BIN NEW_BIN [opts] interleaved A/B runs of two builds, then compare (ab --help)\n"
	"  topo                      topology, binding support, available counters\n"
	"  --help, --version\n"
	"\n"
	"exit status: 0 success; 1 a run failed (verification, crashed worker, regression);\n"
	"2 bad usage or bad input.\n";

/* One workload of `list`: its line, sizes, parameters; for a plugin, its file and check. */
static void list_workload(const struct pb_workload *w)
{
	const struct pb_plugin_info *pi = pb_plugin_info(w);
	printf("  %-8s%s %s\n", w->name, w->extra ? "*" : " ", w->description);
	char tasks[32];
	if (w->default_tasks)
		snprintf(tasks, sizeof tasks, "%llu", (unsigned long long)w->default_tasks);
	else
		snprintf(tasks, sizeof tasks, "one per item");
	printf("            size: %s, default %llu, --quick %llu, --full %llu, max %llu; default tasks %s\n",
	       w->unit, (unsigned long long)w->default_size, (unsigned long long)w->quick_size,
	       (unsigned long long)w->full_size, (unsigned long long)w->max_size, tasks);
	if (pi)
		printf("            plugin: %s (sha256 %s, ABI %d); check: %s\n", pi->real, pi->sha256, PB_WORKLOAD_ABI,
		       pi->has_verify ? "reference (its own verify)" : "consistency (no verify: bit-equal to serial)");
	for (const struct pb_param_def *d = w->params; d && d->key; d++)
		printf("            -p %s=%s%s%s%s  %s\n", d->key, d->def && d->def[0] ? d->def : "",
		       d->choices ? "  (" : "", d->choices ? d->choices : "", d->choices ? ")" : "", d->help);
}

/* list's -w LIST: built-in names, "all" or plugin files, into ws; 0 or 2 (printed). */
static int list_selection(const char *list, const struct pb_workload **ws, int *n)
{
	char buf[4096], err[1024];
	if (strlen(list) >= sizeof buf || !list[0]) {
		pb_err("list: bad -w value '%.60s'", list);
		return 2;
	}
	snprintf(buf, sizeof buf, "%s", list);
	for (char *save = NULL, *v = strtok_r(buf, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
		const struct pb_workload *w = NULL;
		if (strcmp(v, "all") == 0) {
			for (int i = 0; pb_workloads[i] && *n < PB_MAX_WORKLOADS; i++)
				ws[(*n)++] = pb_workloads[i];
			continue;
		}
		if (pb_plugin_is_path(v) && !(w = pb_plugin_load(v, err, sizeof err))) {
			pb_err("%s: %s", v, err);
			return 2;
		}
		if (!w && !(w = pb_workload_find(v))) {
			pb_err("unknown workload '%s' (see 'parbench list')", v);
			return 2;
		}
		if (*n < PB_MAX_WORKLOADS)
			ws[(*n)++] = w;
	}
	return 0;
}

int pb_cmd_list(int argc, char **argv)
{
	const struct pb_workload *ws[PB_MAX_WORKLOADS];
	int n = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		if ((strcmp(a, "-w") == 0 || strcmp(a, "--workload") == 0) && i + 1 < argc)
			val = argv[++i];
		else if (strncmp(a, "--workload=", 11) == 0)
			val = a + 11;
		else if (strncmp(a, "-w", 2) == 0 && a[2])
			val = a + 2;
		if (!val) {
			pb_err("list: unexpected argument '%s' (list takes only -w LIST)", a);
			return 2;
		}
		int rc = list_selection(val, ws, &n);
		if (rc)
			return rc;
	}
	if (n == 0)
		for (int i = 0; pb_workloads[i]; i++)
			ws[n++] = pb_workloads[i];
	printf("workloads (-w; default set: those without '*'; a plugin: -w ./libmine.so):\n");
	for (int i = 0; i < n; i++)
		list_workload(ws[i]);
	printf("\nvariants (-v):\n");
	for (int i = 0; pb_executors[i]; i++) {
		char why[256] = "";
		int ok = pb_executors[i]->available(why, sizeof why);
		printf("  %-8s %-13s %s\n", pb_executors[i]->name, ok ? "available" : "unavailable",
		       ok ? pb_executors[i]->description : why);
	}
	printf("\nschedules (-s): static cyclic dynamic guided\n");
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "list", pb_cmd_list },	 { "run", pb_cmd_run },	{ "report", pb_cmd_report },
	{ "compare", pb_cmd_compare }, { "ab", pb_cmd_ab },	{ "topo", pb_cmd_topo },
};

/* The command's exit status; 1 instead of 0 when stdout did not take all it was given (a full disk, /dev/full). */
static int finish(int rc)
{
	if (pb_stdout_done() != 0 && rc == 0)
		rc = 1;
	return rc;
}

int main(int argc, char **argv)
{
	pb_reserve_std_fds(); /* before anything opens a file: none may land on a closed stdout */
	/* Over a file size limit, a results write fails with EFBIG and is reported, instead of killing us. */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return finish(0);
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("parbench %s (git %s; %s)\n", PB_VERSION, PB_BUILD_GIT, PB_BUILD_FEATURES);
		return finish(0);
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return finish(commands[i].fn(argc - 1, argv + 1));
	pb_err("unknown command '%s' (see 'parbench --help')", argv[1]);
	return 2;
}
