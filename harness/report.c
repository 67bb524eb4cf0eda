/* report.c: `parbench report DIR`: summary.csv, plots and report.md for a results directory. */
#include "commands.h"
#include "report.h"
#include "report_mech.h"
#include "meta.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "1.23 s", "45.6 ms", "789 us": three significant digits in a readable unit. */
static void fmt_time(char *buf, size_t len, double s)
{
	if (!isfinite(s))
		snprintf(buf, len, "-");
	else if (fabs(s) >= 1)
		snprintf(buf, len, "%.3g s", s);
	else if (fabs(s) >= 1e-3)
		snprintf(buf, len, "%.3g ms", s * 1e3);
	else
		snprintf(buf, len, "%.3g us", s * 1e6);
}

static void fmt_ci(char *buf, size_t len, const struct pb_stats *st)
{
	char a[32], b[32];
	fmt_time(a, sizeof a, st->ci_lo);
	fmt_time(b, sizeof b, st->ci_hi);
	snprintf(buf, len, "[%s, %s]", a, b);
}

static void fmt_ratio(char *buf, size_t len, const struct pb_sumrow *r, int eff)
{
	if (!r->has_speedup)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, eff ? "%.2f" : "%.2fx", eff ? r->efficiency : r->speedup);
}

/* Markdown table cell text: '|' escaped, newlines flattened. */
static void md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

/* ---- meta.json ---- */

struct meta {
	json_t *root; /* NULL if absent or unreadable */
	char problem[512]; /* why it could not be read, or "" */
	int cores;    /* from meta.json, or 0 */
};

/* The first integer anywhere in j whose key ends in "cores" (cores, physical_cores, ...). */
static int find_cores(json_t *j)
{
	const char *key;
	json_t *v;
	if (!json_is_object(j))
		return 0;
	json_object_foreach(j, key, v) {
		size_t l = strlen(key);
		if (l >= 5 && strcmp(key + l - 5, "cores") == 0 && json_is_integer(v) && json_integer_value(v) > 0)
			return (int)json_integer_value(v);
	}
	json_object_foreach(j, key, v) {
		int c = find_cores(v);
		if (c)
			return c;
	}
	return 0;
}

static void meta_read(const char *dir, struct meta *m)
{
	memset(m, 0, sizeof *m);
	if (pb_meta_load(dir, &m->root, m->problem, sizeof m->problem) == 0)
		m->cores = find_cores(m->root);
}

static void json_scalar(FILE *f, json_t *v)
{
	char b[64];
	if (json_is_string(v))
		md_cell(f, json_string_value(v));
	else if (json_is_integer(v))
		fprintf(f, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v)) {
		pb_fmt_double(b, sizeof b, json_real_value(v));
		fputs(b, f);
	} else if (json_is_true(v))
		fputs("yes", f);
	else if (json_is_false(v))
		fputs("no", f);
	else if (json_is_null(v))
		fputs("-", f);
	else {
		char *s = json_dumps(v, JSON_COMPACT);
		if (s)
			md_cell(f, s);
		free(s);
	}
}

/* Rows "| prefix.key | value |" for every member of obj, nested objects flattened. */
static void meta_rows(FILE *f, json_t *obj, const char *prefix)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		char name[256];
		snprintf(name, sizeof name, "%s%s%s", prefix, prefix[0] ? "." : "", key);
		if (strcmp(name, "warnings") == 0)
			continue;
		if (json_is_object(v)) {
			meta_rows(f, v, name);
			continue;
		}
		fputs("| ", f);
		md_cell(f, name);
		fputs(" | ", f);
		if (json_is_array(v)) {
			/* a command line ("command", each of "appended") reads best joined with spaces */
			size_t i, k;
			json_t *e, *x;
			const char *sep = strcmp(key, "command") == 0 ? " " : ", ";
			json_array_foreach(v, i, e) {
				if (i)
					fputs(json_is_array(e) || json_is_object(e) ? "; " : sep, f);
				if (json_is_array(e))
					json_array_foreach(e, k, x) {
						if (k)
							fputs(" ", f);
						json_scalar(f, x);
					}
				else
					json_scalar(f, e);
			}
		} else
			json_scalar(f, v);
		fputs(" |\n", f);
	}
}

/* ---- grouping ---- */

/* Whether a and b are the same problem and decomposition (everything but variant and workers). */
static int same_group(const struct pb_raw_row *a, const struct pb_raw_row *b)
{
	return strcmp(a->workload, b->workload) == 0 && a->size == b->size && strcmp(a->params, b->params) == 0 &&
	       a->tasks == b->tasks && a->chunk == b->chunk && strcmp(a->schedule, b->schedule) == 0 &&
	       strcmp(a->bind, b->bind) == 0;
}

static int cmp_case(const struct pb_sumrow *a, const struct pb_sumrow *b)
{
	int c = pb_variant_rank(a->key.variant) - pb_variant_rank(b->key.variant);
	if (c == 0)
		c = strcmp(a->key.variant, b->key.variant);
	if (c == 0)
		c = a->key.workers - b->key.workers;
	return c;
}

/* Indices of the rows in i's group, sorted by variant then workers, into idx; returns the count. */
static size_t group_of(const struct pb_sumrow *rows, size_t n, size_t i, size_t *idx)
{
	size_t m = 0;
	for (size_t j = 0; j < n; j++)
		if (same_group(&rows[i].key, &rows[j].key))
			idx[m++] = j;
	for (size_t a = 1; a < m; a++)
		for (size_t b = a; b > 0 && cmp_case(&rows[idx[b - 1]], &rows[idx[b]]) > 0; b--) {
			size_t t = idx[b];
			idx[b] = idx[b - 1];
			idx[b - 1] = t;
		}
	return m;
}

static int first_of_group(const struct pb_sumrow *rows, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (same_group(&rows[i].key, &rows[j].key))
			return 0;
	return 1;
}

static void group_heading(char *buf, size_t len, const struct pb_raw_row *k)
{
	pb_textf(buf, len, "%s, n = %llu%s%s, %llu tasks, chunk %llu, %s, bind %s", k->workload, k->size,
		 k->params[0] ? ", " : "", k->params, k->tasks, k->chunk, k->schedule, k->bind);
}

/* The row of group idx[0..m) for variant v at w workers, or NULL. */
static const struct pb_sumrow *find_case(const struct pb_sumrow *rows, const size_t *idx, size_t m, const char *v,
					 int w)
{
	for (size_t j = 0; j < m; j++)
		if (rows[idx[j]].key.workers == w && strcmp(rows[idx[j]].key.variant, v) == 0)
			return &rows[idx[j]];
	return NULL;
}

/* Findings for one group: best variant per worker count, efficiency at the core count, oversubscription. */
static void group_findings(FILE *f, const struct pb_sumrow *rows, const size_t *idx, size_t m, int cores)
{
	char t[32], h[600];
	int ws[64], nw = 0;
	for (size_t j = 0; j < m; j++) {
		int w = rows[idx[j]].key.workers, k;
		for (k = 0; k < nw && ws[k] != w; k++)
			;
		if (k == nw && nw < 64)
			ws[nw++] = w;
	}
	for (int a = 1; a < nw; a++)
		for (int b = a; b > 0 && ws[b - 1] > ws[b]; b--) {
			int x = ws[b];
			ws[b] = ws[b - 1];
			ws[b - 1] = x;
		}
	group_heading(h, sizeof h, &rows[idx[0]].key);
	fprintf(f, "- **%s**\n  - fastest verified variant:", h);
	for (int a = 0, shown = 0; a < nw; a++) {
		const struct pb_sumrow *best = NULL;
		for (size_t j = 0; j < m; j++) {
			const struct pb_sumrow *r = &rows[idx[j]];
			if (r->key.workers == ws[a] && r->verified && (!best || r->st.median < best->st.median))
				best = r;
		}
		if (!best)
			continue;
		fmt_time(t, sizeof t, best->st.median);
		fprintf(f, "%s j=%d %s %s", shown++ ? ";" : "", ws[a], best->key.variant, t);
		if (best->has_speedup)
			fprintf(f, " (%.2fx)", best->speedup);
	}
	fputs("\n", f);
	if (cores > 0) {
		int any = 0;
		for (size_t j = 0; j < m; j++) {
			const struct pb_sumrow *r = &rows[idx[j]];
			if (r->key.workers != cores || !r->has_speedup || strcmp(r->key.variant, "serial") == 0)
				continue;
			if (!any)
				fprintf(f, "  - efficiency at the core count (j=%d):", cores);
			fprintf(f, "%s %s %.2f", any ? "," : "", r->key.variant, r->efficiency);
			any = 1;
		}
		if (any)
			fputs("\n", f);
	}
	/* oversubscription: the most workers beyond the core count against the core count */
	if (cores > 0 && nw && ws[nw - 1] > cores) {
		int over = ws[nw - 1], any = 0;
		for (size_t j = 0; j < m; j++) {
			const struct pb_sumrow *r = &rows[idx[j]];
			if (r->key.workers != over)
				continue;
			const struct pb_sumrow *base = find_case(rows, idx, m, r->key.variant, cores);
			if (!base || base->st.median <= 0)
				continue;
			double pct = (r->st.median / base->st.median - 1) * 100;
			const char *verdict = r->st.ci_lo > base->st.ci_hi   ? "slower"
					      : r->st.ci_hi < base->st.ci_lo ? "faster"
									     : "no clear change";
			if (!any)
				fprintf(f, "  - oversubscription (j=%d against j=%d):", over, cores);
			fprintf(f, "%s %s %+.1f%% (%s)", any ? "," : "", r->key.variant, pct, verdict);
			any = 1;
		}
		if (any)
			fputs("\n", f);
	}
}

/* ---- report.md ---- */

static void plots_for(FILE *f, const struct pb_plotset *set, const char *section, const char *prefix)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct pb_plot *p = &set->plots[i];
		if (!p->made || strcmp(p->section, section) != 0 || (prefix && strncmp(p->name, prefix, strlen(prefix)) != 0))
			continue;
		fprintf(f, "![%s](plots/%s.png)\n\n", p->title, p->name);
	}
}

static void case_table(FILE *f, const struct pb_sumrow *rows, const size_t *idx, size_t m)
{
	fputs("| variant | workers | median | 95% CI of the median | speedup | efficiency | reps | outliers | verified |\n"
	      "|---|---:|---:|---|---:|---:|---:|---:|---|\n", f);
	for (size_t j = 0; j < m; j++) {
		const struct pb_sumrow *r = &rows[idx[j]];
		char t[32], ci[80], s[32], e[32];
		fmt_time(t, sizeof t, r->st.median);
		fmt_ci(ci, sizeof ci, &r->st);
		fmt_ratio(s, sizeof s, r, 0);
		fmt_ratio(e, sizeof e, r, 1);
		fprintf(f, "| %s | %d | %s | %s | %s | %s | %zu | %d | %s |\n", r->key.variant, r->key.workers, t, ci, s,
			e, r->st.n, r->st.outliers, r->verified ? "yes" : "**NO**");
	}
	fputs("\n", f);
}

/* Sleep findings: dispatch overhead per task (ms=0) and process against pool over task lengths. */
static void sleep_findings(FILE *f, const struct pb_sumrow *rows, size_t n)
{
	int any = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pb_raw_row *k = &rows[i].key;
		if (pb_sleep_task_ms(k) != 0 || !k->tasks)
			continue;
		if (!any)
			fputs("- dispatch overhead per task (sleep ms=0, (median - ideal) / tasks):", f);
		char t[32];
		fmt_time(t, sizeof t, rows[i].st.median / (double)k->tasks);
		fprintf(f, "%s %s j=%d %s", any ? "," : "", k->variant, k->workers, t);
		any = 1;
	}
	if (any)
		fputs("\n", f);
	any = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pb_raw_row *k = &rows[i].key;
		double ms = pb_sleep_task_ms(k);
		if (!(ms > 0) || strcmp(k->variant, "process") != 0)
			continue;
		const struct pb_sumrow *pool = NULL;
		for (size_t j = 0; j < n; j++)
			if (strcmp(rows[j].key.variant, "pool") == 0 && strcmp(rows[j].key.workload, "sleep") == 0 &&
			    strcmp(rows[j].key.params, k->params) == 0 && rows[j].key.size == k->size &&
			    rows[j].key.workers == k->workers && rows[j].key.tasks == k->tasks &&
			    rows[j].key.chunk == k->chunk && strcmp(rows[j].key.schedule, k->schedule) == 0)
				pool = &rows[j];
		double ideal = pb_sleep_ideal_s(k->tasks, k->tasks, k->workers, ms);
		double po = (rows[i].st.median - ideal) / (double)k->tasks;
		char a[32], b[32];
		fmt_time(a, sizeof a, po);
		if (!any)
			fputs("- process per task against pool (overhead per task = (median - ceil(T/P) * ms) / T):\n", f);
		fprintf(f, "  - %g ms tasks, j=%d: process %s (%.1f%% of the task length)", ms, k->workers, a,
			po / (ms / 1000) * 100);
		if (pool) {
			double pp = (pool->st.median - ideal) / (double)k->tasks;
			fmt_time(b, sizeof b, pp);
			fprintf(f, ", pool %s (%.1f%%); process/pool time ratio %.2f", b, pp / (ms / 1000) * 100,
				rows[i].st.median / pool->st.median);
		}
		fputs("\n", f);
		any = 1;
	}
}

/* Image: pool (copies through pipes) against shm (shared memory) at each worker count. */
static void image_findings(FILE *f, const struct pb_sumrow *rows, size_t n)
{
	int any = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pb_raw_row *k = &rows[i].key;
		if (strcmp(k->workload, "image") != 0 || strcmp(k->variant, "pool") != 0)
			continue;
		for (size_t j = 0; j < n; j++) {
			const struct pb_raw_row *s = &rows[j].key;
			if (strcmp(s->variant, "shm") != 0 || !same_group(k, s) || s->workers != k->workers)
				continue;
			if (!any)
				fputs("- image, pool (pipes, copies) against shm (shared memory), time ratio pool/shm:", f);
			fprintf(f, "%s %s%sj=%d %.2f", any ? "," : "", k->params, k->params[0] ? " " : "", k->workers,
				rows[i].st.median / rows[j].st.median);
			any = 1;
		}
	}
	if (any)
		fputs("\n", f);
}

/* Chunk sweeps: per workload, workers, variant and schedule, the best chunk against the smallest. */
static void chunk_findings(FILE *f, const struct pb_sumrow *rows, size_t n)
{
	int header = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pb_raw_row *k = &rows[i].key;
		const struct pb_sumrow *best = &rows[i], *small = &rows[i];
		int count = 0, first = 1;
		for (size_t j = 0; j < n; j++) {
			const struct pb_raw_row *o = &rows[j].key;
			if (strcmp(o->workload, k->workload) || o->size != k->size || strcmp(o->params, k->params) ||
			    strcmp(o->variant, k->variant) || o->workers != k->workers || o->tasks != k->tasks ||
			    strcmp(o->schedule, k->schedule) || strcmp(o->bind, k->bind))
				continue;
			if (j < i)
				first = 0;
			count++;
			if (rows[j].st.median < best->st.median)
				best = &rows[j];
			if (o->chunk < small->key.chunk)
				small = &rows[j];
		}
		if (!first || count < 2)
			continue;
		if (!header)
			fputs("- chunk size (best chunk against the smallest, same variant and schedule):\n", f);
		header = 1;
		char a[32], b[32];
		fmt_time(a, sizeof a, small->st.median);
		fmt_time(b, sizeof b, best->st.median);
		fprintf(f, "  - %s%s%s j=%d %s %s: chunk %llu %s, best chunk %llu %s (%.2fx)\n", k->workload,
			k->params[0] ? " " : "", k->params, k->workers, k->variant, k->schedule, small->key.chunk, a,
			best->key.chunk, b,
			small->st.median / best->st.median);
	}
}

static int write_report(const char *dir, const struct pb_raw *raw, const struct pb_sumrow *rows, size_t n,
			const struct pb_plotset *set, const char *plots_note, const struct meta *meta, char *err,
			size_t errlen)
{
	char path[4096], tmp[4200];
	snprintf(path, sizeof path, "%s/report.md", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	size_t *idx = malloc((n ? n : 1) * sizeof *idx);
	if (!f || !idx) {
		pb_textf(err, errlen, "cannot write '%s': %s", tmp, f ? "out of memory" : strerror(errno));
		if (f)
			fclose(f);
		free(idx);
		return -1;
	}
	int cores = meta->cores;
	int cores_guessed = 0;
	if (cores <= 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		cores = c > 0 ? (int)c : 0;
		cores_guessed = 1;
	}

	fprintf(f, "# parbench report: %s\n\n", raw->rows[0].run_id);
	fprintf(f, "%zu cases, %zu measured repetitions. All numbers are wall times; the median and a 95%% "
		   "confidence interval of the median (from order statistics; [min, max] when there are too few "
		   "repetitions) summarise each case. Speedup = serial median / median, efficiency = speedup / "
		   "workers. Every number is in `summary.csv`.\n\n", n, raw->nrows);

	fputs("## Run\n\n", f);
	if (meta->root) {
		fputs("| fact | value |\n|---|---|\n", f);
		meta_rows(f, meta->root, "");
		fputs("\n", f);
		json_t *w = json_object_get(meta->root, "warnings");
		if (json_is_array(w) && json_array_size(w)) {
			size_t i;
			json_t *e;
			fputs("Warnings recorded by the run:\n\n", f);
			json_array_foreach(w, i, e) {
				fputs("- ", f);
				json_scalar(f, e);
				fputs("\n", f);
			}
			fputs("\n", f);
		}
	} else if (meta->problem[0])
		fprintf(f, "meta.json could not be read: %s.\n\n", meta->problem);
	else
		fputs("This results directory has no meta.json.\n\n", f);
	if (plots_note[0])
		fprintf(f, "**Plots:** %s.\n\n", plots_note);

	size_t unverified = 0;
	for (size_t i = 0; i < n; i++)
		unverified += !rows[i].verified;
	fputs("## Findings\n\n", f);
	if (unverified) {
		fprintf(f, "- **%zu case(s) failed verification** (their timings are not results):", unverified);
		for (size_t i = 0, k = 0; i < n; i++) {
			if (rows[i].verified)
				continue;
			char key[1024];
			pb_case_key_str(&rows[i].key, key, sizeof key);
			fprintf(f, "%s `%s`", k++ ? "," : "", key);
		}
		fputs("\n", f);
	}
	if (cores > 0)
		fprintf(f, "- core count: %d%s\n", cores,
			cores_guessed ? " (meta.json gives none: this is the machine running the report)" : "");
	for (size_t i = 0; i < n; i++) {
		if (!first_of_group(rows, i))
			continue;
		size_t m = group_of(rows, n, i, idx);
		group_findings(f, rows, idx, m, cores);
	}
	image_findings(f, rows, n);
	sleep_findings(f, rows, n);
	chunk_findings(f, rows, n);
	fputs("\n", f);

	int overview = 0;
	for (size_t i = 0; i < set->n; i++)
		overview |= set->plots[i].made && strcmp(set->plots[i].section, "overview") == 0;
	if (overview) {
		fputs("## Across workloads\n\n", f);
		plots_for(f, set, "overview", NULL);
	}

	/* one section per workload, a table per group */
	for (size_t i = 0; i < n; i++) {
		size_t j;
		for (j = 0; j < i && strcmp(rows[j].key.workload, rows[i].key.workload) != 0; j++)
			;
		if (j < i)
			continue;
		fprintf(f, "## %s\n\n", rows[i].key.workload);
		for (size_t g = i; g < n; g++) {
			if (strcmp(rows[g].key.workload, rows[i].key.workload) != 0 || !first_of_group(rows, g))
				continue;
			char h[600];
			group_heading(h, sizeof h, &rows[g].key);
			fprintf(f, "### %s\n\n", h);
			size_t m = group_of(rows, n, g, idx);
			case_table(f, rows, idx, m);
		}
		plots_for(f, set, rows[i].key.workload, NULL);
	}
	pb_mech_report(f, rows, n, set);
	int overheads = 0;
	for (size_t i = 0; i < set->n; i++)
		overheads |= set->plots[i].made && strcmp(set->plots[i].section, "overheads") == 0;
	if (overheads) {
		fputs("## Overheads\n\n", f);
		fputs("Dispatch: sleep tasks of 0 ms, so the whole time is the cost of handing out tasks and "
		      "collecting results, divided by the number of tasks. Task length: time per task slot, "
		      "median / ceil(T/P), against the sleep length; the dashed line is a free dispatcher.\n\n", f);
		plots_for(f, set, "overheads", NULL);
	}
	free(idx);
	int bad = fflush(f) != 0 || ferror(f);
	if (fclose(f) != 0 || bad) {
		pb_textf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		pb_textf(err, errlen, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* The summary as an aligned table on stdout. */
static void print_table(const struct pb_sumrow *rows, size_t n)
{
	enum { NC = 15 };
	static const char *const head[NC] = { "workload", "size", "params", "variant", "workers", "tasks",
					       "chunk", "schedule", "median", "min", "max", "95% CI", "speedup",
					       "result", "verified" };
	size_t w[NC];
	char cell[NC][600];
	for (int c = 0; c < NC; c++)
		w[c] = strlen(head[c]);
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			for (int c = 0; c < NC; c++)
				printf("%-*s%s", (int)w[c], head[c], c + 1 < NC ? "  " : "\n");
		for (size_t i = 0; i < n; i++) {
			const struct pb_sumrow *r = &rows[i];
			snprintf(cell[0], sizeof cell[0], "%s", r->key.workload);
			snprintf(cell[1], sizeof cell[1], "%llu", r->key.size);
			snprintf(cell[2], sizeof cell[2], "%s", r->key.params[0] ? r->key.params : "-");
			snprintf(cell[3], sizeof cell[3], "%s", r->key.variant);
			snprintf(cell[4], sizeof cell[4], "%d", r->key.workers);
			snprintf(cell[5], sizeof cell[5], "%llu", r->key.tasks);
			snprintf(cell[6], sizeof cell[6], "%llu", r->key.chunk);
			snprintf(cell[7], sizeof cell[7], "%s", r->key.schedule);
			fmt_time(cell[8], sizeof cell[8], r->st.median);
			fmt_time(cell[9], sizeof cell[9], r->st.min);
			fmt_time(cell[10], sizeof cell[10], r->st.max);
			fmt_ci(cell[11], sizeof cell[11], &r->st);
			fmt_ratio(cell[12], sizeof cell[12], r, 0);
			snprintf(cell[13], sizeof cell[13], "%s", r->key.result);
			snprintf(cell[14], sizeof cell[14], "%s", r->verified ? "yes" : "NO");
			for (int c = 0; c < NC; c++) {
				if (!pass && strlen(cell[c]) > w[c])
					w[c] = strlen(cell[c]);
				if (pass)
					printf("%-*s%s", (int)w[c], cell[c], c + 1 < NC ? "  " : "\n");
			}
		}
	}
}

static void usage(FILE *f)
{
	fputs("usage: parbench report [-q] DIR\n"
	      "  writes DIR/summary.csv, DIR/plots/*.png and *.svg (gnuplot) and DIR/report.md\n"
	      "  from DIR/raw.csv (and DIR/meta.json), then prints the summary table\n"
	      "  -q, --quiet   do not print the table\n"
	      "environment: PARBENCH_SCRIPTS (the gnuplot scripts' directory), PARBENCH_GNUPLOT (the gnuplot program)\n",
	      f);
}

int pb_cmd_report(int argc, char **argv)
{
	const char *dir = NULL;
	int quiet = 0;
	char err[1024];
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
			quiet = 1;
		else if (argv[i][0] == '-' && argv[i][1]) {
			pb_err("report: unknown option '%s'", argv[i]);
			return 2;
		} else if (dir) {
			pb_err("report: unexpected argument '%s' (one results directory)", argv[i]);
			return 2;
		} else
			dir = argv[i];
	}
	if (!dir) {
		pb_err("report: missing results directory (usage: parbench report [-q] DIR)");
		return 2;
	}
	struct stat st;
	if (stat(dir, &st) != 0) {
		pb_err("report: cannot open '%s': %s", dir, strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode)) {
		pb_err("report: '%s' is not a directory", dir);
		return 2;
	}

	struct pb_raw raw;
	if (pb_raw_read(dir, &raw, err, sizeof err) != 0) {
		pb_err("report: %s", err);
		return 2;
	}
	int rc = 2;
	struct pb_sumrow *rows = NULL;
	size_t n = 0;
	struct pb_plotset set = { 0 };
	struct meta meta = { 0 };
	char path[4096], scripts[4096], note[1200] = "";
	if (pb_summary_compute(&raw, &rows, &n, err, sizeof err) != 0)
		goto fail;
	struct pb_counters ctr;
	if (pb_counters_read(dir, &ctr, err, sizeof err) != 0)
		goto fail;
	pb_summary_add_counters(rows, n, &ctr);
	pb_counters_free(&ctr);
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	if (pb_summary_write(path, rows, n, err, sizeof err) != 0)
		goto fail;
	snprintf(path, sizeof path, "%s/plots", dir);
	if (pb_plots_prepare(path, rows, n, &set, err, sizeof err) != 0 ||
	    pb_mech_plots_prepare(path, rows, n, &set, err, sizeof err) != 0)
		goto fail;
	if (pb_find_scripts(scripts, sizeof scripts, err, sizeof err) != 0) {
		pb_warn("report: plots skipped: %s", err);
		snprintf(note, sizeof note, "skipped (%s); the data files are in plots/", err);
	} else {
		const char *gp = getenv("PARBENCH_GNUPLOT");
		int made = pb_plots_render(path, scripts, gp && *gp ? gp : "gnuplot", &set, err, sizeof err);
		if (made < 0) {
			pb_warn("report: plots skipped: %s", err);
			snprintf(note, sizeof note, "skipped (%s); the data files are in plots/", err);
		} else if ((size_t)made < set.n) {
			pb_warn("report: %zu of %zu plots failed (see '%s/gnuplot.log')", set.n - (size_t)made, set.n, path);
			snprintf(note, sizeof note, "%zu of %zu plots failed; see plots/gnuplot.log", set.n - (size_t)made,
				 set.n);
		}
	}
	meta_read(dir, &meta);
	if (meta.problem[0])
		pb_warn("report: %s", meta.problem);
	if (write_report(dir, &raw, rows, n, &set, note, &meta, err, sizeof err) != 0)
		goto fail;
	if (!quiet)
		print_table(rows, n);
	size_t made = 0, unverified = 0;
	for (size_t i = 0; i < set.n; i++)
		made += set.plots[i].made;
	for (size_t i = 0; i < n; i++)
		unverified += !rows[i].verified;
	if (unverified)
		pb_warn("report: %zu case(s) failed verification", unverified);
	fprintf(stderr, "parbench: report: wrote '%s/summary.csv', '%s/report.md' and %zu plots in '%s/plots'\n", dir,
		dir, made, dir);
	rc = 0;
	goto out;
fail:
	pb_err("report: %s", err);
out:
	if (meta.root)
		json_decref(meta.root);
	pb_plotset_free(&set);
	free(rows);
	pb_raw_free(&raw);
	return rc;
}
