/* report_mech.c: the mechanisms section of `parbench report`: tables per family and their plots. */
#include "report_mech.h"
#include "../workloads/mech.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A mechanism case's series is everything in its key but the x of the plot
 * or table it is in: message size for ipc, contenders for sync, the
 * parameters for spawn.  Series and x values are gathered here from the
 * summary rows; nothing is read twice from raw.csv.
 */

/* The value of key in params as text, or "" (params are "k=v;k=v"). */
static void param(const char *params, const char *key, char *buf, size_t len)
{
	if (pb_params_get(params, key, buf, len) != 0)
		buf[0] = '\0';
}

/*
 * Whether r is a case of family (and, when mode is not NULL, of that mode;
 * a mode "mech=NAME" selects one mechanism instead: the mpi family's
 * collectives, which have no mode).
 */
static int in_table(const struct pb_sumrow *r, const char *family, const char *mode)
{
	char m[64];
	if (!r->is_mech || strcmp(r->key.workload, family) != 0)
		return 0;
	if (mode && strncmp(mode, "mech=", 5) == 0) {
		param(r->key.params, "mech", m, sizeof m);
		return strcmp(m, mode + 5) == 0;
	}
	param(r->key.params, "mode", m, sizeof m);
	return !mode || strcmp(m, mode) == 0;
}

/* The series label: mechanism, endpoints, waiting, placement, then what else differs; without the x field. */
static void series_of(const struct pb_sumrow *r, const char *xfield, char *buf, size_t len)
{
	struct pb_strbuf b = { 0 };
	char v[PB_PARAMS_MAX];
	param(r->key.params, "mech", v, sizeof v);
	pb_sb_printf(&b, "%s %s", v, r->key.variant);
	param(r->key.params, "wait", v, sizeof v);
	pb_sb_printf(&b, " %s", v);
	param(r->key.params, "placement", v, sizeof v);
	if (strcmp(v, "free") != 0)
		pb_sb_printf(&b, " %s", v);
	if (strcmp(xfield, "workers") != 0 && (r->key.workers != 1 || strcmp(r->key.workload, "ipc") == 0))
		pb_sb_printf(&b, " j=%d", r->key.workers);
	/* the mechanism's own parameters: what follows placement=... */
	const char *p = strstr(r->key.params, "placement=");
	p = p ? strchr(p, ';') : NULL;
	for (; p && *p; p = strchr(p + 1, ';')) {
		size_t l = strcspn(p + 1, ";");
		if (strncmp(p + 1, xfield, strlen(xfield)) != 0 || p[1 + strlen(xfield)] != '=')
			pb_sb_printf(&b, " %.*s", (int)l, p + 1);
	}
	if (strcmp(r->key.bind, "none") != 0)
		pb_sb_printf(&b, " bind=%s", r->key.bind);
	snprintf(buf, len, "%s", b.s ? b.s : "");
	free(b.s);
	for (char *s = buf; *s; s++)
		if (*s == '"')
			*s = '\'';
}

/* The x of a row: bytes, contenders, or the first mechanism parameter's value (spawn: rss). */
static double x_of(const struct pb_sumrow *r, const char *xfield)
{
	char v[64];
	if (strcmp(xfield, "workers") == 0)
		return r->key.workers;
	param(r->key.params, xfield, v, sizeof v);
	uint64_t b;
	return pb_mech_parse_bytes(v, &b) == 0 ? (double)b : NAN;
}

/* A table or plot: rows (indices into the summary) by series and x. */
struct grid {
	size_t n;
	size_t *idx;
	int nseries, nx;
	char (*series)[512];
	double *xs;
};

static void grid_free(struct grid *g)
{
	free(g->idx);
	free(g->series);
	free(g->xs);
	memset(g, 0, sizeof *g);
}

static int grid_build(const struct pb_sumrow *rows, size_t n, const char *family, const char *mode, const char *xf,
		      struct grid *g)
{
	memset(g, 0, sizeof *g);
	g->idx = malloc((n ? n : 1) * sizeof *g->idx);
	g->series = malloc((n ? n : 1) * sizeof *g->series);
	g->xs = malloc((n ? n : 1) * sizeof *g->xs);
	if (!g->idx || !g->series || !g->xs) {
		grid_free(g);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!in_table(&rows[i], family, mode))
			continue;
		char s[512];
		double x = x_of(&rows[i], xf);
		series_of(&rows[i], xf, s, sizeof s);
		g->idx[g->n++] = i;
		int k;
		for (k = 0; k < g->nseries && strcmp(g->series[k], s) != 0; k++)
			;
		if (k == g->nseries)
			snprintf(g->series[g->nseries++], sizeof g->series[0], "%s", s);
		for (k = 0; k < g->nx && g->xs[k] != x; k++)
			;
		if (k == g->nx && !isnan(x)) {
			/* insertion in ascending order */
			int j = g->nx++;
			while (j > 0 && g->xs[j - 1] > x) {
				g->xs[j] = g->xs[j - 1];
				j--;
			}
			g->xs[j] = x;
		}
	}
	return 0;
}

/* The row of series s at x, or NULL. */
static const struct pb_sumrow *cell(const struct pb_sumrow *rows, const struct grid *g, int s, double x, const char *xf)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct pb_sumrow *r = &rows[g->idx[i]];
		char lab[512];
		series_of(r, xf, lab, sizeof lab);
		if (x_of(r, xf) == x && strcmp(lab, g->series[s]) == 0)
			return r;
	}
	return NULL;
}

/* ---- what a cell shows ---- */

enum what { PER_OP_US, PER_OP_NS, GBS };

static double value(const struct pb_sumrow *r, enum what w, double *lo, double *hi)
{
	double k = w == PER_OP_NS ? 1e9 : 1e6;
	if (w == GBS) {
		/* bytes per second from the median; the CI's ends swap: a longer time is a lower rate */
		double bytes = r->bytes_per_s * r->per_op_s; /* bytes per message */
		*lo = r->per_op_hi_s > 0 ? bytes / r->per_op_hi_s / 1e9 : NAN;
		*hi = r->per_op_lo_s > 0 ? bytes / r->per_op_lo_s / 1e9 : NAN;
		return r->bytes_per_s / 1e9;
	}
	*lo = r->per_op_lo_s * k;
	*hi = r->per_op_hi_s * k;
	return r->per_op_s * k;
}

static void fmt3(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "?");
	else if (v >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 10)
		snprintf(buf, len, "%.1f", v);
	else if (v >= 1)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3g", v);
}

static void xlabel(char *buf, size_t len, double x, const char *xf)
{
	if (strcmp(xf, "workers") == 0) {
		snprintf(buf, len, "%.0f", x);
		return;
	}
	const char *unit[] = { "B", "KiB", "MiB", "GiB" };
	int u = 0;
	while (u < 3 && x >= 1024 && fmod(x, 1024) == 0) {
		x /= 1024;
		u++;
	}
	snprintf(buf, len, "%.0f %s", x, unit[u]);
}

static void table(FILE *f, const struct pb_sumrow *rows, const struct grid *g, const char *xf, enum what w,
		  const char *corner)
{
	char a[64], b[64], c[64];
	fprintf(f, "| %s |", corner);
	for (int x = 0; x < g->nx; x++) {
		xlabel(a, sizeof a, g->xs[x], xf);
		fprintf(f, " %s |", a);
	}
	fputs("\n|---|", f);
	for (int x = 0; x < g->nx; x++)
		fputs("---|", f);
	fputs("\n", f);
	for (int s = 0; s < g->nseries; s++) {
		fprintf(f, "| %s |", g->series[s]);
		for (int x = 0; x < g->nx; x++) {
			const struct pb_sumrow *r = cell(rows, g, s, g->xs[x], xf);
			double lo, hi, v = r ? value(r, w, &lo, &hi) : NAN;
			if (!r || !isfinite(v)) {
				fputs(" |", f);
				continue;
			}
			fmt3(a, sizeof a, v);
			fmt3(b, sizeof b, lo);
			fmt3(c, sizeof c, hi);
			fprintf(f, " %s%s [%s, %s] |", r->verified ? "" : "UNVERIFIED ", a, b, c);
		}
		fputs("\n", f);
	}
	fputs("\n", f);
}

/* ---- plots ---- */

static int add(struct pb_plotset *set, const char *name, const char *title, const char *vars, char *err, size_t errlen)
{
	if (set->n == set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 16;
		struct pb_plot *np = realloc(set->plots, nc * sizeof *np);
		if (!np) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		set->plots = np;
		set->cap = nc;
	}
	struct pb_plot *p = &set->plots[set->n++];
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	snprintf(p->script, sizeof p->script, "mech_xy.gp");
	snprintf(p->section, sizeof p->section, "mechanisms");
	pb_textf(p->title, sizeof p->title, "%s", title);
	pb_textf(p->vars, sizeof p->vars, "%s", vars);
	return 0;
}

/* One data file: a block per series (its quoted title first), columns x value lo hi. */
static int plot(const char *dir, const struct pb_sumrow *rows, const struct grid *g, const char *xf, enum what w,
		const char *name, const char *title, const char *axes, struct pb_plotset *set, char *err, size_t errlen)
{
	char path[4200], vars[512];
	if (g->nx < 2 || !g->nseries)
		return 0;
	snprintf(path, sizeof path, "%s/%s.dat", dir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# %s\n# columns: x value ci_lo ci_hi\n", title);
	int ns = 0;
	for (int s = 0; s < g->nseries; s++) {
		int first = 1;
		for (int x = 0; x < g->nx; x++) {
			const struct pb_sumrow *r = cell(rows, g, s, g->xs[x], xf);
			double lo, hi, v = r ? value(r, w, &lo, &hi) : NAN;
			if (!r || !isfinite(v) || v <= 0)
				continue;
			if (first)
				fprintf(f, "%s\"%s\"\n", ns++ ? "\n\n" : "", g->series[s]);
			first = 0;
			fprintf(f, "%.17g %.6g %.6g %.6g\n", g->xs[x], v, lo, hi);
		}
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	if (!ns)
		return 0;
	snprintf(vars, sizeof vars, "datafile='%s.dat'; nseries=%d; %s", name, ns, axes);
	return add(set, name, title, vars, err, errlen);
}

int pb_mech_plots_prepare(const char *plotdir, const struct pb_sumrow *rows, size_t n, struct pb_plotset *set,
			  char *err, size_t errlen)
{
	struct grid g;
	int rc = 0;
	static const struct {
		const char *family, *mode, *xf, *name, *title, *axes;
		enum what w;
	} plots[] = {
		{ "ipc", "lat", "bytes", "mech-ipc-lat", "IPC latency: round trip against message size",
		  "logx=2; bytesx=1; xl='message size (bytes)'; yl='round trip (microseconds)'", PER_OP_US },
		{ "ipc", "bw", "bytes", "mech-ipc-bw", "IPC bandwidth: one-way stream against message size",
		  "logx=2; bytesx=1; xl='message size (bytes)'; yl='GB/s'", GBS },
		{ "sync", NULL, "workers", "mech-sync", "synchronisation: cost per operation against contenders",
		  "logx=2; xl='contenders'; yl='per operation (ns)'", PER_OP_NS },
		{ "spawn", NULL, "workers", "mech-spawn", "creation: cost per child against concurrent creators",
		  "logx=2; xl='creators'; yl='per child (microseconds)'", PER_OP_US },
		{ "mpi", "lat", "bytes", "mech-mpi-lat", "MPI latency: ping-pong round trip against message size",
		  "logx=2; bytesx=1; xl='message size (bytes)'; yl='round trip (microseconds)'", PER_OP_US },
		{ "mpi", "bw", "bytes", "mech-mpi-bw", "MPI bandwidth: windowed stream against message size",
		  "logx=2; bytesx=1; xl='message size (bytes)'; yl='GB/s'", GBS },
		{ "mpi", "mech=mpi-allreduce", "bytes", "mech-mpi-allreduce", "MPI_Allreduce against message size",
		  "logx=2; bytesx=1; xl='message size (bytes)'; yl='per call (microseconds)'", PER_OP_US },
		{ "mpi", "mech=mpi-barrier", "workers", "mech-mpi-barrier", "MPI_Barrier against ranks",
		  "logx=2; xl='ranks'; yl='per call (microseconds)'", PER_OP_US },
	};
	for (size_t i = 0; i < sizeof plots / sizeof plots[0] && rc == 0; i++) {
		if (grid_build(rows, n, plots[i].family, plots[i].mode, plots[i].xf, &g) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		rc = plot(plotdir, rows, &g, plots[i].xf, plots[i].w, plots[i].name, plots[i].title, plots[i].axes, set,
			  err, errlen);
		grid_free(&g);
	}
	return rc;
}

/* ---- the section ---- */

static void show_plot(FILE *f, const struct pb_plotset *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->plots[i].made && strcmp(set->plots[i].name, name) == 0)
			fprintf(f, "![%s](plots/%s.png)\n\n", set->plots[i].title, name);
}

static void family_table(FILE *f, const struct pb_sumrow *rows, size_t n, const char *family, const char *mode,
			 const char *xf, enum what w, const char *heading, const char *corner)
{
	struct grid g;
	if (grid_build(rows, n, family, mode, xf, &g) != 0 || !g.n) {
		grid_free(&g);
		return;
	}
	fprintf(f, "### %s\n\n", heading);
	table(f, rows, &g, xf, w, corner);
	grid_free(&g);
}

void pb_mech_report(FILE *f, const struct pb_sumrow *rows, size_t n, const struct pb_plotset *set)
{
	int any = 0;
	for (size_t i = 0; i < n; i++)
		any |= rows[i].is_mech;
	if (!any)
		return;
	fputs("## Mechanisms\n\n", f);
	fputs("Each repetition is one batch of operations timed as one span; the figure per operation is span / "
	      "operations (the size column), median and its 95% confidence interval in brackets. Rows name the "
	      "mechanism, the endpoints, the waiting policy and, when one was asked for, the placement; "
	      "`summary.csv` has every figure (per_op_s, bytes_per_s) and raw.csv's result says where the "
	      "endpoints were seen. The loop's own cost (the reference loop) and the timer's are in meta.json "
	      "under mech.\n\n", f);
	family_table(f, rows, n, "ipc", "lat", "bytes", PER_OP_US, "IPC latency (round trip, microseconds)",
		     "mechanism \\ message");
	show_plot(f, set, "mech-ipc-lat");
	family_table(f, rows, n, "ipc", "bw", "bytes", GBS, "IPC bandwidth (one-way stream, GB/s)", "mechanism \\ message");
	show_plot(f, set, "mech-ipc-bw");
	family_table(f, rows, n, "sync", NULL, "workers", PER_OP_NS, "Synchronisation (per operation and contender, ns)",
		     "primitive \\ contenders");
	show_plot(f, set, "mech-sync");
	family_table(f, rows, n, "spawn", NULL, "workers", PER_OP_US, "Creation (per child, microseconds)",
		     "mechanism \\ creators");
	show_plot(f, set, "mech-spawn");
	family_table(f, rows, n, "mpi", "lat", "bytes", PER_OP_US, "MPI latency (ping-pong round trip, microseconds)",
		     "mechanism \\ message");
	show_plot(f, set, "mech-mpi-lat");
	family_table(f, rows, n, "mpi", "bw", "bytes", GBS, "MPI bandwidth (windowed stream, GB/s)", "mechanism \\ message");
	show_plot(f, set, "mech-mpi-bw");
	family_table(f, rows, n, "mpi", "mech=mpi-allreduce", "bytes", PER_OP_US, "MPI_Allreduce (per call, microseconds)",
		     "ranks \\ message");
	show_plot(f, set, "mech-mpi-allreduce");
	family_table(f, rows, n, "mpi", "mech=mpi-barrier", "workers", PER_OP_US, "MPI_Barrier (per call, microseconds)",
		     "mechanism \\ ranks");
	show_plot(f, set, "mech-mpi-barrier");
}
