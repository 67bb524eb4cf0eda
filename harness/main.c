/* main.c: the parbench command line: one table of subcommands and a plain lookup (git.c style), help, list. */
#include "buildinfo.h"
#include "commands.h"
#include "compare.h"
#include "mech_plan.h"
#include "options.h"
#include "plugin.h"
#include "report.h"
#include "run.h"
#include "suggest.h"
#include "table.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static int cmd_help(int argc, char **argv);

/* The subcommands: name, function, arguments and one line for the usage text. */
static const struct cmd {
	const char *name;
	int (*fn)(int, char **);
	const char *args;
	const char *summary;
} commands[] = {
	{ "list", pb_cmd_list, "[-w LIST]", "workloads (or plugins: -w ./libmine.so) with parameters; variants" },
	{ "run", pb_cmd_run, "[options]", "run every case of the matrix given by the options" },
	{ "report", pb_cmd_report, "DIR [options]", "summary.csv, plots and report.md for a results directory" },
	{ "compare", pb_cmd_compare, "BASE NEW [options]", "regression verdicts between two runs" },
	{ "ab", pb_cmd_ab, "OLD_BIN NEW_BIN [opts]", "interleaved A/B runs of two builds, then compare" },
	{ "mech", pb_cmd_mech, "[options]", "mechanism microbenchmarks: IPC channels, synchronisation, creation" },
	{ "topo", pb_cmd_topo, "", "topology, binding support, counter backends, probes" },
	{ "help", cmd_help, "[COMMAND]", "this text, or a command's options (same as COMMAND --help)" },
};
#define NCMDS (sizeof commands / sizeof commands[0])

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/* "unknown command 'x'; did you mean 'y'? (see 'parbench --help')" */
static int unknown_command(const char *name)
{
	const char *names[NCMDS];
	char dym[96];
	for (size_t i = 0; i < NCMDS; i++)
		names[i] = commands[i].name;
	pb_did_you_mean(dym, sizeof dym, name, names, NCMDS);
	pb_err("unknown command '%s'%s (see 'parbench --help')", name, dym);
	return 2;
}

static void usage(FILE *f)
{
	fputs("usage: parbench <command> [options]\n"
	      "\n"
	      "Runs the same verified workloads under several execution models and measures them\n"
	      "side by side: warm-up, repetitions, medians with confidence intervals, set-up timed\n"
	      "apart, counters, pinning, plots, scalability fits and regression verdicts.\n"
	      "\n"
	      "commands:\n",
	      f);
	for (size_t i = 0; i < NCMDS; i++) {
		char left[64];
		snprintf(left, sizeof left, "%s %s", commands[i].name, commands[i].args);
		fprintf(f, "  %-30s %s\n", left, commands[i].summary);
	}
	fputs("  --help, --version\n"
	      "\n"
	      "'parbench help COMMAND' or 'parbench COMMAND --help' shows a command's options; 'man parbench'.\n"
	      "exit status: 0 success; 1 a run failed (verification, crashed worker, regression);\n"
	      "2 bad usage or bad input.\n",
	      f);
}

/* ---- list ---- */

static const char list_usage[] =
	"usage: parbench list [-w LIST]\n"
	"Lists the workloads (-w) with their sizes and parameters (-p KEY=VALUE, default shown,\n"
	"choices in parentheses), the variants (-v) and whether this build and machine have them,\n"
	"and the schedules (-s).  -w LIST lists only those: built-in names, all, or plugin files\n"
	"(-w ./libmine.so: its file, SHA-256 and check too).\n";

/* list's options (for help --options list, the man page and the completion; parsed in pb_cmd_list). */
static const struct pb_opt list_options[] = {
	{ "workload", 'w', "LIST", 0, "only these workloads: names, all, or plugin files (./libmine.so)", NULL },
	{ NULL, 0, NULL, 0, NULL, NULL },
};

/* One workload of `list`: its line, sizes, parameters; for a plugin, its file and check. */
static void list_workload(const struct pb_workload *w)
{
	const struct pb_plugin_info *pi = pb_plugin_info(w);
	char head[64], text[2048], a[32], b[32], c[32], d[32], tasks[32];
	snprintf(head, sizeof head, "  %-8s%s ", w->name, w->extra ? "*" : " ");
	pb_print_wrapped(stdout, head, w->description, 12);
	if (w->default_tasks)
		snprintf(tasks, sizeof tasks, "%llu", (unsigned long long)w->default_tasks);
	else
		snprintf(tasks, sizeof tasks, "one per item");
	pb_fmt_count(a, sizeof a, (double)w->default_size);
	pb_fmt_count(b, sizeof b, (double)w->quick_size);
	pb_fmt_count(c, sizeof c, (double)w->full_size);
	pb_fmt_count(d, sizeof d, (double)w->max_size);
	snprintf(text, sizeof text, "size: %s, default %s, --quick %s, --full %s, max %s; default tasks %s", w->unit, a,
		 b, c, d, tasks);
	pb_print_wrapped(stdout, "            ", text, 12);
	/* one line however long, as scripts read it: the file's path and hash do not break */
	if (pi)
		printf("            plugin: %s (sha256 %s, ABI %d); check: %s\n", pi->real, pi->sha256, PB_WORKLOAD_ABI,
		       pi->has_verify ? "reference (its own verify)" : "consistency (no verify: bit-equal to serial)");
	for (const struct pb_param_def *p = w->params; p && p->key; p++) {
		pb_textf(head, sizeof head, "            -p %s=%s  ", p->key, p->def && p->def[0] ? p->def : "");
		pb_textf(text, sizeof text, "%s%s%s%s", p->choices ? "(" : "", p->choices ? p->choices : "",
			 p->choices ? ")  " : "", p->help);
		pb_print_wrapped(stdout, head, text, 16);
	}
}

/* list's -w LIST: built-in names (without case), "all" or plugin files, into ws; 0 or 2 (printed). */
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
		if (pb_name_eq(v, "all")) {
			for (int i = 0; pb_workloads[i] && *n < PB_MAX_WORKLOADS; i++)
				ws[(*n)++] = pb_workloads[i];
			continue;
		}
		if (pb_plugin_is_path(v) && !(w = pb_plugin_load(v, err, sizeof err))) {
			pb_err("%s: %s", v, err);
			return 2;
		}
		for (int i = 0; !w && pb_workloads[i]; i++)
			if (pb_name_eq(v, pb_workloads[i]->name))
				w = pb_workloads[i];
		if (!w) {
			const char *names[PB_MAX_WORKLOADS];
			char dym[128];
			size_t k = 0;
			for (int i = 0; pb_workloads[i] && k < PB_MAX_WORKLOADS; i++)
				names[k++] = pb_workloads[i]->name;
			pb_did_you_mean(dym, sizeof dym, v, names, k);
			pb_err("unknown workload '%s'%s (see 'parbench list')", v, dym);
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
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(list_usage, stdout);
			return 0;
		}
		if ((strcmp(a, "-w") == 0 || strcmp(a, "--workload") == 0) && i + 1 < argc)
			val = argv[++i];
		else if (strncmp(a, "--workload=", 11) == 0)
			val = a + 11;
		else if (strncmp(a, "-w", 2) == 0 && a[2])
			val = a + 2;
		if (!val) {
			pb_err("list: unexpected argument '%s' (see 'parbench list --help')", a);
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
		char why[256] = "", head[64];
		int ok = pb_executors[i]->available(why, sizeof why);
		snprintf(head, sizeof head, "  %-8s %-13s ", pb_executors[i]->name, ok ? "available" : "unavailable");
		pb_print_wrapped(stdout, head, ok ? pb_executors[i]->description : why, 25);
	}
	printf("\nschedules (-s): static cyclic dynamic guided\n");
	pb_mech_list(stdout);
	return 0;
}

/* ---- help: the usage texts, and the word lists the man page and the completion are made from ---- */

/* The option tables of a command, or NULL for one without its own (list, topo, help). */
static const struct pb_opt *const *cmd_tables(const char *name)
{
	static const struct pb_opt *const list_tables[] = { list_options, NULL };
	static const struct pb_opt *compare_tables[] = { NULL, NULL };
	static const struct pb_opt *ab_tables[] = { NULL, pb_run_options, pb_common_options, NULL };
	compare_tables[0] = ab_tables[0] = pb_compare_options;
	if (strcmp(name, "run") == 0)
		return pb_run_tables;
	if (strcmp(name, "report") == 0)
		return pb_report_tables;
	if (strcmp(name, "compare") == 0)
		return compare_tables;
	if (strcmp(name, "ab") == 0)
		return ab_tables; /* ab's own --rounds and --confirm: see 'parbench ab --help' */
	if (strcmp(name, "list") == 0)
		return list_tables;
	if (strcmp(name, "mech") == 0)
		return pb_mech_tables;
	return NULL;
}

/* One line per option: short, long, value and help, separated by tabs (empty fields for none). */
static void print_options(const struct pb_opt *const *tables)
{
	for (int t = 0; tables && tables[t]; t++)
		for (const struct pb_opt *p = tables[t]; p->lng; p++) {
			int seen = 0; /* ab takes compare's and run's --export-*: listed once */
			for (int u = 0; u < t; u++)
				for (const struct pb_opt *q = tables[u]; q->lng; q++)
					seen |= strcmp(q->lng, p->lng) == 0;
			if (seen)
				continue;
			if (p->shrt)
				printf("-%c", p->shrt);
			printf("\t--%s\t%s\t%s\n", p->lng, p->arg ? p->arg : "", p->help);
		}
	printf("-h\t--help\t\tthis text\n");
}

/* The words of a kind, one per line: what the completion offers (and the man page lists). */
static int print_words(int argc, char **argv)
{
	const char *kind = argc > 0 ? argv[0] : "";
	if (strcmp(kind, "commands") == 0) {
		for (size_t i = 0; i < NCMDS; i++)
			puts(commands[i].name);
	} else if (strcmp(kind, "workloads") == 0) {
		for (int i = 0; pb_workloads[i]; i++)
			puts(pb_workloads[i]->name);
		puts("all");
	} else if (strcmp(kind, "variants") == 0) {
		char why[256];
		for (int i = 0; pb_executors[i]; i++)
			if (pb_executors[i]->available(why, sizeof why))
				puts(pb_executors[i]->name);
		puts("all");
	} else if (strcmp(kind, "all-variants") == 0) {
		for (int i = 0; pb_executors[i]; i++)
			puts(pb_executors[i]->name);
	} else if (strcmp(kind, "schedules") == 0) {
		for (int s = PB_SCHED_STATIC; s <= PB_SCHED_GUIDED; s++)
			puts(pb_sched_name((enum pb_schedule)s));
	} else if (strcmp(kind, "binds") == 0) {
		for (int b = PB_BIND_NONE; b <= PB_BIND_PU; b++)
			puts(pb_bind_name((enum pb_bind_kind)b));
	} else if (strcmp(kind, "orders") == 0) {
		puts(pb_order_name(PB_ORDER_COMPACT));
		puts(pb_order_name(PB_ORDER_SCATTER));
	} else if (strcmp(kind, "counters") == 0) {
		fputs("auto\nnone\nperf\nrusage\npapi:\n", stdout);
	} else if (strcmp(kind, "metrics") == 0) {
		fputs("time\nspeedup\nefficiency\n", stdout);
	} else if (strcmp(kind, "formats") == 0) {
		fputs("table\nmd\ncsv\n", stdout);
	} else if (strcmp(kind, "params") == 0 || strcmp(kind, "values") == 0) {
		/* params [WORKLOAD...]: keys of those workloads (all if none); values WORKLOAD KEY: its choices or default */
		int values = strcmp(kind, "values") == 0;
		for (int i = 0; pb_workloads[i]; i++) {
			const struct pb_workload *w = pb_workloads[i];
			int chosen = argc < 2;
			for (int a = 1; a < (values ? 2 : argc) && a < argc; a++)
				chosen |= pb_name_eq(argv[a], w->name);
			if (!chosen)
				continue;
			for (const struct pb_param_def *d = w->params; d && d->key; d++) {
				if (!values) {
					printf("%s\n", d->key);
				} else if (argc > 2 && strcmp(argv[2], d->key) == 0) {
					if (d->choices)
						for (const char *c = d->choices; *c;) {
							size_t l = strcspn(c, "|");
							printf("%.*s\n", (int)l, c);
							c += l + (c[l] == '|');
						}
					else if (d->def && d->def[0])
						printf("%s\n", d->def);
				}
			}
		}
	} else {
		pb_err("help: --words needs one of commands, workloads, variants, all-variants, schedules, binds, orders, counters, "
		       "metrics, formats, params [WORKLOAD...], values WORKLOAD KEY");
		return 2;
	}
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--options") == 0) {
		if (argc < 3) {
			print_options(pb_run_tables);
			return 0;
		}
		if (!find_cmd(argv[2]))
			return unknown_command(argv[2]);
		print_options(cmd_tables(argv[2]));
		return 0;
	}
	if (strcmp(argv[1], "--words") == 0)
		return print_words(argc - 2, argv + 2);
	const struct cmd *c = find_cmd(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	if (c->fn == cmd_help) {
		usage(stdout);
		return 0;
	}
	char *args[] = { argv[1], "--help", NULL };
	return c->fn(2, args);
}

/* ---- main ---- */

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
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return finish(0);
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("parbench %s (git %s; %s)\n", PB_VERSION, PB_BUILD_GIT, PB_BUILD_FEATURES);
		return finish(0);
	}
	const struct cmd *c = find_cmd(argv[1]);
	if (c)
		return finish(c->fn(argc - 1, argv + 1));
	if (argv[1][0] == '-') {
		pb_err("unknown option '%s' (see 'parbench --help')", argv[1]);
		return 2;
	}
	return unknown_command(argv[1]);
}
