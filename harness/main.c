/* main.c: the parbench command line: one table of subcommands and a plain lookup (git.c style). */
#include "buildinfo.h"
#include "commands.h"
#include "mech_plan.h"
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
	"  list                      workloads with parameters and defaults; variants and availability\n"
	"  run [options]             run every case of the matrix given by the options (run --help)\n"
	"  report DIR                summary.csv, plots and report.md for a results directory\n"
	"  compare BASE NEW [opts]   regression verdicts between two runs (compare --help)\n"
	"  ab OLD_BIN NEW_BIN [opts] interleaved A/B runs of two builds, then compare (ab --help)\n"
	"  mech [options]            mechanism microbenchmarks: IPC channels, synchronisation, creation (mech --help)\n"
	"  topo                      topology, binding support, available counters\n"
	"  --help, --version\n"
	"\n"
	"exit status: 0 success; 1 a run failed (verification, crashed worker, regression);\n"
	"2 bad usage or bad input.\n";

int pb_cmd_list(int argc, char **argv)
{
	if (argc > 1) {
		pb_err("list: unexpected argument '%s'", argv[1]);
		return 2;
	}
	printf("workloads (-w; default set: those without '*'):\n");
	for (int i = 0; pb_workloads[i]; i++) {
		const struct pb_workload *w = pb_workloads[i];
		printf("  %-8s%s %s\n", w->name, w->extra ? "*" : " ", w->description);
		char tasks[32];
		if (w->default_tasks)
			snprintf(tasks, sizeof tasks, "%llu", (unsigned long long)w->default_tasks);
		else
			snprintf(tasks, sizeof tasks, "one per item");
		printf("            size: %s, default %llu, --quick %llu, --full %llu, max %llu; default tasks %s\n",
		       w->unit, (unsigned long long)w->default_size, (unsigned long long)w->quick_size,
		       (unsigned long long)w->full_size, (unsigned long long)w->max_size, tasks);
		for (const struct pb_param_def *d = w->params; d && d->key; d++)
			printf("            -p %s=%s%s%s%s  %s\n", d->key, d->def && d->def[0] ? d->def : "",
			       d->choices ? "  (" : "", d->choices ? d->choices : "", d->choices ? ")" : "", d->help);
	}
	printf("\nvariants (-v):\n");
	for (int i = 0; pb_executors[i]; i++) {
		char why[256] = "";
		int ok = pb_executors[i]->available(why, sizeof why);
		printf("  %-8s %-13s %s\n", pb_executors[i]->name, ok ? "available" : "unavailable",
		       ok ? pb_executors[i]->description : why);
	}
	printf("\nschedules (-s): static cyclic dynamic guided\n");
	pb_mech_list(stdout);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "list", pb_cmd_list },	 { "run", pb_cmd_run },	{ "report", pb_cmd_report },
	{ "compare", pb_cmd_compare }, { "ab", pb_cmd_ab },	{ "topo", pb_cmd_topo },
	{ "mech", pb_cmd_mech },
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
