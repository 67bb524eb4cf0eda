/* report.c: `parbench report DIR`: summary.csv, plots and a report.md that leads with the answer. */
#include "commands.h"
#include "export.h"
#include "options.h"
#include "report.h"
#include "table.h"
#include "meta.h"
#include "report_mech.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- small writers ---- */

/* Markdown cell text: '|' escaped, newlines flattened. */
static void md_text(FILE *f, const char *s)
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

/* The string at a dotted path of meta.json ("machine.host"), or NULL. */
static json_t *meta_get(json_t *meta, const char *path)
{
	char key[64];
	json_t *v = meta;
	while (v && *path) {
		size_t l = strcspn(path, ".");
		snprintf(key, sizeof key, "%.*s", (int)l, path);
		v = json_object_get(v, key);
		path += l + (path[l] == '.');
	}
	return v;
}

static const char *meta_str(json_t *meta, const char *path)
{
	const char *s = json_string_value(meta_get(meta, path));
	return s ? s : NULL;
}

/* A shell word: as it is when it is plain, else in single quotes. */
static void shell_word(FILE *f, const char *w)
{
	int plain = *w != '\0';
	for (const char *s = w; *s; s++)
		plain &= isalnum((unsigned char)*s) || strchr("_./=:,@%+-^", *s) != NULL;
	if (plain) {
		fputs(w, f);
		return;
	}
	fputc('\'', f);
	for (const char *s = w; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

static void plots_for(FILE *f, const struct pb_plotset *set, long group, const char *section)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct pb_plot *p = &set->plots[i];
		if (!p->made || p->group != group || (section && strcmp(p->section, section) != 0))
			continue;
		fprintf(f, "![%s](plots/%s.png)\n", p->title, p->name);
	}
	fputc('\n', f);
}

/* ---- the answer ---- */

/* "threads j=2, 145 ms (1.97x)" for row r (speedup when it has one). */
static void case_brief(char *buf, size_t len, const struct pb_sumrow *r)
{
	char t[32], s[32] = "";
	pb_fmt_time(t, sizeof t, r->st.median);
	if (r->has_speedup)
		snprintf(s, sizeof s, " (%.2fx)", r->speedup);
	pb_textf(buf, len, "%s j=%d, %s%s", r->key.variant, r->key.workers, t, s);
}

/* The sweep of group g for variant v, or NULL. */
static const struct pb_sweep *sweep_of(const struct pb_analysis *a, const struct pb_group *g, const char *v)
{
	for (size_t s = g->first_sweep; s < g->first_sweep + g->nsweeps; s++)
		if (strcmp(a->sweeps[s].variant, v) == 0)
			return &a->sweeps[s];
	return NULL;
}

static const struct pb_sumrow *sweep_rows;

/* The task count of sweep s: no more workers than tasks can ever help. */
static unsigned long long a_tasks(const struct pb_sweep *s)
{
	return sweep_rows ? sweep_rows[s->idx[0]].key.tasks : 0;
}

/* What the fits of sweep s recommend: "2 (USL: best at 2.3)", or where the measurements stop gaining. */
static void recommend(char *buf, size_t len, const struct pb_sweep *s, int cores)
{
	if (!s) {
		snprintf(buf, len, "-");
		return;
	}
	unsigned long long tasks = s->n ? a_tasks(s) : 0;
	if (s->has_usl && s->usl.best_p_int > 0 && s->usl.r2 >= 0.9 && tasks && (unsigned long long)s->usl.best_p_int > tasks)
		pb_textf(buf, len, "%llu (USL best at %.1f, but there are %llu tasks)", tasks, s->usl.best_p, tasks);
	else if (s->has_usl && s->usl.best_p_int > 0 && s->usl.r2 >= 0.9 && s->stop_p && s->usl.best_p_int > s->stop_p)
		/* the model's optimum lies where the measurements already stopped gaining: trust the measurements */
		pb_textf(buf, len, "%d (measured: more gain < 5%%; the USL's best at %.1f is not borne out)", s->stop_p,
			 s->usl.best_p);
	else if (s->has_usl && s->usl.best_p_int > 0 && s->usl.r2 >= 0.9)
		pb_textf(buf, len, "%d (USL best at %.1f%s)", s->usl.best_p_int, s->usl.best_p,
			 s->usl.best_p_int > cores ? ", past the cores" : "");
	else if (s->stop_p)
		pb_textf(buf, len, "%d (measured: more gain < 5%%)", s->stop_p);
	else if (tasks && (unsigned long long)s->best_p >= tasks)
		pb_textf(buf, len, "%d (one worker per task: more cannot help)", s->best_p);
	else
		pb_textf(buf, len, "%d or more (still scaling at the largest count)", s->best_p);
}

static void report_answer(FILE *f, const struct pb_results *r)
{
	const struct pb_analysis *a = &r->an;
	int any = 0;
	for (size_t g = 0; g < a->ngroups; g++)
		any |= a->groups[g].nsweeps > 0 && a->groups[g].best != NULL;
	fputs("## The answer\n\n", f);
	if (!any) {
		fputs("No pool-size sweep (a variant at two worker counts or more, verified): there is no worker count "
		      "to recommend. The sections below have every case.\n\n", f);
		return;
	}
	fprintf(f,
		"| workload | fastest | at %d workers (the cores): speedup, efficiency | scaling stops at | "
		"workers to use |\n|---|---|---|---|---|\n",
		a->cores);
	sweep_rows = a->rows;
	for (size_t g = 0; g < a->ngroups; g++) {
		const struct pb_group *gr = &a->groups[g];
		char label[600], best[200] = "-", at[200] = "-", stop[120] = "-", rec[200] = "-";
		if (!gr->best || gr->nsweeps == 0)
			continue; /* no pool-size sweep: its section below has its numbers */
		pb_group_label(a, gr, label, sizeof label);
		case_brief(best, sizeof best, gr->best);
		if (gr->at_cores && gr->at_cores->has_speedup)
			pb_textf(at, sizeof at, "%s %.2fx, %.2f", gr->at_cores->key.variant, gr->at_cores->speedup,
				 gr->at_cores->efficiency);
		else if (gr->at_cores)
			pb_textf(at, sizeof at, "%s (no serial reference)", gr->at_cores->key.variant);
		const struct pb_sweep *s = sweep_of(a, gr, gr->best->key.variant);
		if (strcmp(gr->best->key.variant, "serial") == 0) {
			snprintf(stop, sizeof stop, "1: serial is fastest");
			snprintf(rec, sizeof rec, "1 (no parallel variant pays off)");
		} else if (s && s->stop_p)
			pb_textf(stop, sizeof stop, "%d worker%s (%s)", s->stop_p, s->stop_p == 1 ? "" : "s", s->variant);
		else if (s)
			pb_textf(stop, sizeof stop, "not within %d workers (%s)", gr->max_workers, s->variant);
		if (strcmp(gr->best->key.variant, "serial") != 0)
			recommend(rec, sizeof rec, s, a->cores);
		fputs("| ", f);
		md_text(f, label);
		fprintf(f, " | %s | %s | %s | %s |\n", best, at, stop, rec);
	}
	fputs("\nFastest: the verified case with the least median time. Scaling stops at the fewest workers that no "
	      "larger worker count beats by 5% or more (for the fastest variant). Workers to use: the worker count "
	      "the Universal Scalability Law fitted to that variant's sweep predicts as fastest, where the fit "
	      "explains the curve (R² ≥ 0.9; see the fits below) and the measurements bear it out (it is not past "
	      "where scaling stops); otherwise where scaling stops.\n\n",
	      f);
}

/* ---- the fits ---- */

static void report_fits(FILE *f, const struct pb_results *r)
{
	const struct pb_analysis *a = &r->an;
	int any = 0;
	for (size_t s = 0; s < a->nsweeps; s++)
		any |= a->sweeps[s].has_amdahl;
	if (!any)
		return;
	fputs("## Scalability fits\n\n"
	      "Each pool-size sweep (one variant over its worker counts) fitted with Amdahl's law and, from "
	      "four worker counts on, Gunther's Universal Scalability Law: T(p) = T1 (1 + α(p−1) + βp(p−1)) / p, "
	      "with α the contention (Amdahl's serial fraction when β = 0) and β the coherency cost that makes "
	      "more workers slower past p* = √((1−α)/β). R² is of the log times; the worst error is the point "
	      "farthest from the curve.\n\n"
	      "| sweep | workers | Amdahl σ (speedup limit) | USL α | USL β | USL best workers | fit: R², worst error |\n"
	      "|---|---|---:|---:|---:|---|---|\n",
	      f);
	for (size_t i = 0; i < a->nsweeps; i++) {
		const struct pb_sweep *s = &a->sweeps[i];
		if (!s->has_amdahl)
			continue;
		char label[600], ws[64], am[64], al[32] = "-", be[32] = "-", best[96] = "-", q[64];
		pb_group_label(a, &a->groups[s->group], label, sizeof label);
		int lo = a->rows[s->idx[0]].key.workers, hi = a->rows[s->idx[s->n - 1]].key.workers;
		snprintf(ws, sizeof ws, "%d–%d (%zu counts)", lo, hi, s->n);
		if (s->amdahl.alpha > 0)
			snprintf(am, sizeof am, "%.3f (%.0fx)", s->amdahl.alpha, 1 / s->amdahl.alpha);
		else
			snprintf(am, sizeof am, "0 (none)");
		const struct pb_fit *q_fit = &s->amdahl;
		if (s->has_usl) {
			q_fit = &s->usl;
			snprintf(al, sizeof al, "%.3f", s->usl.alpha);
			snprintf(be, sizeof be, s->usl.beta > 0 && s->usl.beta < 1e-3 ? "%.2e" : "%.4f", s->usl.beta);
			if (s->usl.best_p_int > 0)
				snprintf(best, sizeof best, "%d%s%s", s->usl.best_p_int,
					 s->usl.best_p_int > hi ? " (beyond the sweep)" : "",
					 s->usl.r2 < 0.9 ? " (poor fit)" : "");
			else
				snprintf(best, sizeof best, "no peak (β = 0)");
		}
		snprintf(q, sizeof q, "%.3f, %.1f%%", q_fit->r2, 100 * q_fit->max_rel_err);
		fputs("| ", f);
		md_text(f, label);
		fprintf(f, " %s | %s | %s | %s | %s | %s | %s |\n", s->variant, ws, am, al, be, best, q);
	}
	fputc('\n', f);
}

/* ---- anomalies ---- */

static void report_anomalies(FILE *f, const struct pb_results *r)
{
	const struct pb_analysis *a = &r->an;
	enum { SHOW = 6 };
	fputs("## Anomalies\n\n", f);
	/* a machine that was busy before the run started disturbs every number after it */
	json_t *w = meta_get(r->meta, "warnings");
	size_t wi;
	json_t *e;
	int loaded = 0;
	json_array_foreach(w, wi, e) {
		const char *t = json_string_value(e);
		if (t && strstr(t, "load average") && !loaded++) {
			fputs("- **the machine was busy**: ", f);
			md_text(f, t);
			fputs(" (every time below may be disturbed)\n", f);
		}
	}
	if (a->nanomalies == 0 && loaded) {
		fputc('\n', f);
		return;
	}
	if (a->nanomalies == 0) {
		fputs("None: no failed verification, no efficiency above 1, no cliff, no worker count past the cores, no "
		      "wasted CPU time, no disturbed repetitions.\n\n",
		      f);
		return;
	}
	for (int k = 0; k < PB_AN_NKINDS; k++) {
		size_t count = 0, shown = 0;
		for (size_t i = 0; i < a->nanomalies; i++)
			count += a->anomalies[i].kind == (enum pb_anomaly_kind)k;
		if (!count)
			continue;
		fprintf(f, "- **%s** (%zu):\n", pb_anomaly_name((enum pb_anomaly_kind)k), count);
		for (size_t i = 0; i < a->nanomalies && shown < SHOW; i++) {
			if (a->anomalies[i].kind != (enum pb_anomaly_kind)k)
				continue;
			fputs("  - ", f);
			md_text(f, a->anomalies[i].text);
			fputc('\n', f);
			shown++;
		}
		if (count > shown)
			fprintf(f, "  - and %zu more of this kind\n", count - shown);
	}
	fputc('\n', f);
}

/* ---- per group: the tables and plots ---- */

static int report_groups(FILE *f, const struct pb_results *r, const struct pb_plotset *set)
{
	const struct pb_analysis *a = &r->an;
	struct pb_sumrow *sub = malloc((r->n ? r->n : 1) * sizeof *sub);
	if (!sub)
		return -1;
	const char *last = "";
	for (size_t g = 0; g < a->ngroups; g++) {
		const struct pb_group *gr = &a->groups[g];
		const char *w = a->rows[gr->idx[0]].key.workload;
		char label[600];
		if (strcmp(w, last) != 0)
			fprintf(f, "## %s\n\n", w);
		last = w;
		pb_group_label(a, gr, label, sizeof label);
		fputs("### ", f);
		md_text(f, label);
		fputs("\n\n", f);
		for (size_t j = 0; j < gr->n; j++)
			sub[j] = a->rows[gr->idx[j]];
		if (pb_tab_print(f, 1, sub, gr->n) != 0) {
			free(sub);
			return -1;
		}
		fputc('\n', f);
		plots_for(f, set, (long)g, NULL);
	}
	free(sub);
	return 0;
}

static void report_overheads(FILE *f, const struct pb_plotset *set)
{
	int overview = 0, overheads = 0;
	for (size_t i = 0; i < set->n; i++) {
		overview |= set->plots[i].made && strcmp(set->plots[i].section, "overview") == 0;
		overheads |= set->plots[i].made && strcmp(set->plots[i].section, "overheads") == 0;
	}
	if (overview) {
		fputs("## Across workloads\n\n", f);
		plots_for(f, set, -1, "overview");
	}
	if (overheads) {
		fputs("## Overheads\n\n"
		      "Dispatch: empty tasks (sleep ms=0, one task per hand-out), so the whole time is the cost of handing "
		      "out tasks and collecting results, per task. Task length: the time per task slot, median / ceil(T/P), "
		      "against the task length; the dashed line is a free dispatcher. Chunk: the time of empty tasks "
		      "against how many are handed out at a time.\n\n",
		      f);
		plots_for(f, set, -1, "overheads");
	}
}

/* ---- the facts ---- */

static void fact(FILE *f, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	fprintf(f, "| %s | ", name);
	md_text(f, value);
	fputs(" |\n", f);
}

/* "L1d 48 KiB ×2, L1i 32 KiB ×2, L2 2 MiB ×2, L3 300 MiB" from machine.caches. */
static void caches_text(json_t *caches, char *buf, size_t len)
{
	size_t i, pos = 0;
	json_t *c;
	buf[0] = '\0';
	json_array_foreach(caches, i, c) {
		char size[32];
		const char *kind = json_string_value(json_object_get(c, "kind"));
		json_int_t lvl = json_integer_value(json_object_get(c, "level"));
		json_int_t n = json_integer_value(json_object_get(c, "count"));
		pb_fmt_kib(size, sizeof size, (double)json_integer_value(json_object_get(c, "size_kb")));
		const char *k = kind && strcmp(kind, "data") == 0 ? "d" : kind && strcmp(kind, "instruction") == 0 ? "i" : "";
		if (pos < len)
			pos += (size_t)snprintf(buf + pos, len - pos, "%sL%lld%s %s%s", pos ? ", " : "", (long long)lvl, k, size,
						n > 1 ? "" : "");
		if (n > 1 && pos < len)
			pos += (size_t)snprintf(buf + pos, len - pos, " ×%lld", (long long)n);
	}
}

static void report_facts(FILE *f, const struct pb_results *r)
{
	json_t *m = r->meta;
	char buf[2048], a[64], b[64];
	fputs("## The run\n\n", f);
	if (!m) {
		fprintf(f, "%s\n\n", r->meta_problem[0] ? r->meta_problem : "This results directory has no meta.json.");
		return;
	}
	fputs("| | |\n|---|---|\n", f);
	json_t *mc = meta_get(m, "machine");
	pb_textf(buf, sizeof buf, "%s: %s, %lld package(s), %lld cores, %lld PUs, %lld NUMA node(s)",
		 meta_str(mc, "host") ? meta_str(mc, "host") : "?", meta_str(mc, "cpu_model") ? meta_str(mc, "cpu_model") : "?",
		 (long long)json_integer_value(meta_get(mc, "packages")), (long long)json_integer_value(meta_get(mc, "cores")),
		 (long long)json_integer_value(meta_get(mc, "pus")), (long long)json_integer_value(meta_get(mc, "numa_nodes")));
	fact(f, "machine", buf);
	caches_text(meta_get(mc, "caches"), buf, sizeof buf);
	fact(f, "caches", buf);
	if (json_is_integer(meta_get(mc, "mem_total_kb"))) {
		pb_fmt_kib(buf, sizeof buf, (double)json_integer_value(meta_get(mc, "mem_total_kb")));
		fact(f, "memory", buf);
	}
	pb_textf(buf, sizeof buf, "%s %s %s", meta_str(mc, "kernel.sysname") ? meta_str(mc, "kernel.sysname") : "",
		 meta_str(mc, "kernel.release") ? meta_str(mc, "kernel.release") : "",
		 meta_str(mc, "kernel.machine") ? meta_str(mc, "kernel.machine") : "");
	fact(f, "kernel", buf);
	fact(f, "governor", meta_str(mc, "governor"));
	fact(f, "load at start", meta_str(mc, "loadavg"));
	double copy = json_number_value(meta_get(m, "probes.copy_bandwidth_gbs"));
	double rtt = json_number_value(meta_get(m, "probes.pipe_round_trip_us"));
	if (copy > 0 || rtt > 0) {
		pb_fmt_time(a, sizeof a, rtt * 1e-6);
		pb_textf(buf, sizeof buf, "memory copy %.1f GB/s, pipe round trip %s", copy, a);
		fact(f, "probes", buf);
	}
	json_t *ev = meta_get(m, "counters.events");
	size_t i, pos = 0;
	json_t *e;
	pos = (size_t)snprintf(buf, sizeof buf, "%s", meta_str(m, "counters.backend") ? meta_str(m, "counters.backend") : "?");
	json_array_foreach(ev, i, e)
		if (pos < sizeof buf)
			pos += (size_t)snprintf(buf + pos, sizeof buf - pos, "%s%s", i ? ", " : ": ", json_string_value(e));
	if (meta_str(m, "counters.reason") && pos < sizeof buf)
		snprintf(buf + pos, sizeof buf - pos, " (%s)", meta_str(m, "counters.reason"));
	fact(f, "counters", buf);
	pb_textf(buf, sizeof buf, "%s; %s; git %s", meta_str(m, "build.compiler") ? meta_str(m, "build.compiler") : "?",
		 meta_str(m, "build.features") ? meta_str(m, "build.features") : "?",
		 meta_str(m, "build.git_revision") ? meta_str(m, "build.git_revision") : "?");
	fact(f, "build", buf);
	fact(f, "flags", meta_str(m, "build.cflags"));
	json_int_t reps = json_integer_value(meta_get(m, "reps")), warm = json_integer_value(meta_get(m, "warmup"));
	double mt = json_number_value(meta_get(m, "min_time_s"));
	a[0] = '\0';
	if (mt > 0)
		snprintf(a, sizeof a, ", or more up to %g s per case (--min-time)", mt);
	pb_textf(buf, sizeof buf, "%lld measured after %lld warm-up%s; %zu cases, %zu rows", (long long)reps,
		 (long long)warm, a, r->n, r->raw.nrows);
	fact(f, "repetitions", buf);
	pb_fmt_time(b, sizeof b, json_number_value(meta_get(m, "timer_resolution_s")));
	fact(f, "timer resolution", b);
	pb_textf(buf, sizeof buf, "%s to %s, status %s", meta_str(m, "start_time") ? meta_str(m, "start_time") : "?",
		 meta_str(m, "end_time") ? meta_str(m, "end_time") : "?", meta_str(m, "status") ? meta_str(m, "status") : "?");
	fact(f, "time", buf);
	const char *key;
	json_t *v;
	json_object_foreach(meta_get(m, "variants"), key, v) {
		char name[80];
		snprintf(name, sizeof name, "variant %s", key);
		fact(f, name, json_string_value(v));
	}
	fputc('\n', f);
}

/* ---- warnings, grouped ---- */

/* Split warning w into its case label ("" if none) and its text, the first number of which is cut out into num. */
static void warning_kind(const char *w, char *label, char *kind, char *num, size_t len)
{
	const char *colon = strstr(w, ": ");
	label[0] = num[0] = '\0';
	if (colon && memchr(w, '=', (size_t)(colon - w)) && strstr(w, " j=") && strstr(w, " j=") < colon) {
		snprintf(label, len, "%.*s", (int)(colon - w), w);
		w = colon + 2;
	}
	/* the first number (with a unit-less tail: "31.2", "0.000119") is the subject's own value */
	size_t k = 0;
	int done = 0;
	for (const char *p = w; *p && k + 2 < len; p++) {
		if (!done && isdigit((unsigned char)*p) && (p == w || !isalnum((unsigned char)p[-1]))) {
			size_t n = strspn(p, "0123456789.e-");
			snprintf(num, len, "%.*s", (int)n, p);
			kind[k++] = 'N';
			p += n - 1;
			done = 1;
			continue;
		}
		kind[k++] = *p;
	}
	kind[k] = '\0';
}

static void report_warnings(FILE *f, const struct pb_results *r)
{
	json_t *w = meta_get(r->meta, "warnings");
	size_t n = json_array_size(w);
	if (!n)
		return;
	enum { MAXK = 64, SHOW = 8 };
	char (*kinds)[256] = calloc(MAXK, sizeof *kinds);
	size_t counts[MAXK] = { 0 };
	if (!kinds)
		return;
	size_t nk = 0;
	char label[256], kind[256], num[256];
	for (size_t i = 0; i < n; i++) {
		const char *t = json_string_value(json_array_get(w, i));
		warning_kind(t ? t : "", label, kind, num, sizeof kind);
		size_t k;
		for (k = 0; k < nk && strcmp(kinds[k], kind) != 0; k++)
			;
		if (k == nk && nk < MAXK)
			snprintf(kinds[nk++], sizeof kinds[0], "%s", kind);
		if (k < MAXK)
			counts[k]++;
	}
	fprintf(f, "## Warnings\n\n%zu warnings, %zu kinds (N: each one's own value, in brackets).\n\n", n, nk);
	for (size_t k = 0; k < nk; k++) {
		fputs("- ", f);
		md_text(f, kinds[k]);
		fprintf(f, " — %zu×", counts[k]);
		size_t shown = 0;
		for (size_t i = 0; i < n && shown < SHOW; i++) {
			const char *t = json_string_value(json_array_get(w, i));
			warning_kind(t ? t : "", label, kind, num, sizeof kind);
			if (strcmp(kind, kinds[k]) != 0 || (!label[0] && !num[0]))
				continue;
			fputs(shown++ ? "; " : ": ", f);
			md_text(f, label[0] ? label : "");
			if (num[0])
				fprintf(f, "%s[%s]", label[0] ? " " : "", num);
		}
		if (counts[k] > shown && shown)
			fprintf(f, "; and %zu more", counts[k] - shown);
		fputc('\n', f);
	}
	fputc('\n', f);
	free(kinds);
}

/* ---- how to reproduce ---- */

static void report_reproduce(FILE *f, const struct pb_results *r, const char *dir)
{
	json_t *cmd = meta_get(r->meta, "command"), *app = meta_get(r->meta, "appended");
	size_t i, k;
	json_t *e, *x;
	fputs("## Reproduce\n\n", f);
	if (!json_is_array(cmd)) {
		fputs("meta.json records no command line.\n\n", f);
		return;
	}
	fputs("```sh\n", f);
	json_array_foreach(cmd, i, e) {
		if (i)
			fputc(' ', f);
		shell_word(f, json_string_value(e) ? json_string_value(e) : "");
	}
	fputc('\n', f);
	json_array_foreach(app, i, e) {
		fputs("parbench", f);
		json_array_foreach(e, k, x) {
			fputc(' ', f);
			shell_word(f, json_string_value(x) ? json_string_value(x) : "");
		}
		fputc('\n', f);
	}
	fputs("parbench report ", f);
	shell_word(f, dir);
	fputs("\n```\n\n", f);
}

/* ---- report.md ---- */

static void report_intro(FILE *f, const struct pb_results *r, const char *plots_note)
{
	json_t *m = r->meta;
	const char *host = meta_str(m, "machine.host"), *cpu = meta_str(m, "machine.cpu_model");
	fprintf(f, "# parbench report: %s\n\n", r->n ? r->raw.rows[0].run_id : "");
	if (m)
		fprintf(f, "%s, %s, %d cores; %s. ", host ? host : "?", cpu ? cpu : "?", r->cores,
			meta_str(m, "start_time") ? meta_str(m, "start_time") : "");
	else
		fprintf(f, "No meta.json: %d cores is the machine running the report. ", r->cores);
	fprintf(f, "%zu cases, %zu measured repetitions. Times are medians with a 95%% confidence interval of the median; "
		   "speedup = serial median / median, efficiency = speedup / workers. Every number is in `summary.csv`.\n\n",
		r->n, r->raw.nrows);
	if (plots_note[0])
		fprintf(f, "**Plots:** %s.\n\n", plots_note);
}

/* Write report.md's steps in order to f. */
static int report_body(FILE *f, const struct pb_results *r, const struct pb_plotset *set, const char *note,
		       const char *dir)
{
	report_intro(f, r, note);
	report_answer(f, r);
	report_fits(f, r);
	report_anomalies(f, r);
	if (report_groups(f, r, set) != 0)
		return -1;
	pb_mech_report(f, r->rows, r->n, set);
	report_overheads(f, set);
	report_facts(f, r);
	report_warnings(f, r);
	report_reproduce(f, r, dir);
	return 0;
}

static int write_report(const char *dir, const struct pb_results *r, const struct pb_plotset *set, const char *note,
			char *err, size_t errlen)
{
	char path[4096], tmp[4200];
	snprintf(path, sizeof path, "%s/report.md", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		pb_textf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
		return -1;
	}
	int rc = report_body(f, r, set, note, dir);
	int bad = fflush(f) != 0 || ferror(f);
	if (fclose(f) != 0 || bad || rc != 0) {
		pb_textf(err, errlen, "cannot write '%s': %s", tmp, rc ? "out of memory" : strerror(errno));
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

/* ---- the command ---- */

struct report_opts {
	int quiet;
	struct pb_export_files ex;
};

static int ropt_quiet(void *o, const char *arg)
{
	(void)arg;
	((struct report_opts *)o)->quiet = 1;
	return 0;
}

static int ropt_json(void *o, const char *arg)
{
	((struct report_opts *)o)->ex.json = arg;
	return 0;
}

static int ropt_csv(void *o, const char *arg)
{
	((struct report_opts *)o)->ex.csv = arg;
	return 0;
}

static int ropt_md(void *o, const char *arg)
{
	((struct report_opts *)o)->ex.md = arg;
	return 0;
}

static const struct pb_opt report_options[] = {
	{ "quiet", 'q', NULL, 0, "do not print the table", ropt_quiet },
	{ "export-json", 0, "FILE", 0, "write every case's statistics, times and the scaling fits as JSON", ropt_json },
	{ "export-csv", 0, "FILE", 0, "write summary.csv's columns to FILE as well", ropt_csv },
	{ "export-md", 0, "FILE", 0, "write the results table as Markdown", ropt_md },
	{ NULL, 0, NULL, 0, NULL, NULL },
};
const struct pb_opt *const pb_report_tables[] = { report_options, NULL };

static const char report_usage[] =
	"usage: parbench report DIR [options]\n"
	"Writes DIR/summary.csv, DIR/plots/*.png and *.svg (gnuplot) and DIR/report.md from DIR/raw.csv,\n"
	"counters.csv and meta.json, then prints the results table.  Environment: PARBENCH_SCRIPTS (the\n"
	"gnuplot scripts' directory), PARBENCH_GNUPLOT (the gnuplot program).\n";

/* The plots: data files always; images when gnuplot and the scripts are there (else note says why not). */
static int make_plots(const char *dir, const struct pb_results *r, struct pb_plotset *set, char *note, size_t nlen,
		      char *err, size_t errlen)
{
	char path[4096], scripts[4096], why[PB_ERR_MAX];
	snprintf(path, sizeof path, "%s/plots", dir);
	if (pb_plots_prepare(path, &r->an, set, err, errlen) != 0 ||
	    pb_mech_plots_prepare(path, r->rows, r->n, set, err, errlen) != 0)
		return -1;
	if (pb_find_scripts(scripts, sizeof scripts, why, sizeof why) != 0) {
		pb_warn("report: plots skipped: %s", why);
		pb_textf(note, nlen, "skipped (%s); the data files are in plots/", why);
		return 0;
	}
	const char *gp = getenv("PARBENCH_GNUPLOT");
	int made = pb_plots_render(path, scripts, gp && *gp ? gp : "gnuplot", set, why, sizeof why);
	if (made < 0) {
		pb_warn("report: plots skipped: %s", why);
		pb_textf(note, nlen, "skipped (%s); the data files are in plots/", why);
	} else if ((size_t)made < set->n) {
		pb_warn("report: %zu of %zu plots failed (see '%s/gnuplot.log')", set->n - (size_t)made, set->n, path);
		pb_textf(note, nlen, "%zu of %zu plots failed; see plots/gnuplot.log", set->n - (size_t)made, set->n);
	}
	return 0;
}

int pb_cmd_report(int argc, char **argv)
{
	struct report_opts o = { 0, { NULL, NULL, NULL } };
	char err[PB_ERR_MAX], path[4096], note[PB_ERR_MAX + 64] = "";
	int first;
	int rc = pb_opts_parse_args(pb_report_tables, "report", report_usage, argc, argv, &o, &first);
	if (rc < 0)
		return 0; /* --help */
	if (rc)
		return rc;
	if (first >= argc) {
		pb_err("report: missing results directory (usage: parbench report DIR [options])");
		return 2;
	}
	if (first + 1 < argc) {
		pb_err("report: unexpected argument '%s' (one results directory)", argv[first + 1]);
		return 2;
	}
	const char *dir = argv[first];
	struct stat st;
	if (stat(dir, &st) != 0) {
		pb_err("report: cannot open '%s': %s", dir, strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode)) {
		pb_err("report: '%s' is not a directory", dir);
		return 2;
	}
	struct pb_results r;
	if (pb_results_load(dir, &r, err, sizeof err) != 0) {
		pb_err("report: %s", err);
		return 2;
	}
	struct pb_plotset set = { 0 };
	rc = 2;
	if (r.meta_problem[0])
		pb_warn("report: %s", r.meta_problem);
	if (r.counters_problem[0])
		pb_warn("report: counters left out: %s", r.counters_problem);
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	if (pb_summary_write(path, r.rows, r.n, err, sizeof err) != 0 ||
	    make_plots(dir, &r, &set, note, sizeof note, err, sizeof err) != 0 ||
	    write_report(dir, &r, &set, note, err, sizeof err) != 0 || pb_export_results(&o.ex, &r, err, sizeof err) != 0) {
		pb_err("report: %s", err);
		goto out;
	}
	if (!o.quiet)
		pb_tab_print(stdout, 0, r.rows, r.n);
	size_t made = 0, unverified = 0;
	for (size_t i = 0; i < set.n; i++)
		made += set.plots[i].made;
	for (size_t i = 0; i < r.n; i++)
		unverified += !r.rows[i].verified;
	if (unverified)
		pb_warn("report: %zu case(s) failed verification", unverified);
	fprintf(stderr, "parbench: report: wrote '%s/summary.csv', '%s/report.md' and %zu plots in '%s/plots'\n", dir,
		dir, made, dir);
	rc = 0;
out:
	pb_plotset_free(&set);
	pb_results_free(&r);
	return rc;
}
