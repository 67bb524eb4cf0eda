/* analysis.c: groups, pool-size sweeps and their Amdahl and USL fits, the answer per group, anomalies in words. */
#include "analysis.h"
#include "table.h"
#include "util.h"
#include "../workloads/workload.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_serial(const struct pb_raw_row *k)
{
	return strcmp(k->variant, "serial") == 0;
}

static int same_problem(const struct pb_raw_row *a, const struct pb_raw_row *b)
{
	return strcmp(a->workload, b->workload) == 0 && a->size == b->size && strcmp(a->params, b->params) == 0;
}

/* Whether row b belongs to the group whose first parallel (or serial) row is a. */
static int in_group(const struct pb_raw_row *a, const struct pb_raw_row *b)
{
	if (!same_problem(a, b) || a->tasks != b->tasks || strcmp(a->bind, b->bind) != 0)
		return 0;
	if (is_serial(a) || is_serial(b))
		return 1; /* serial's chunk and schedule mean nothing */
	return a->chunk == b->chunk && strcmp(a->schedule, b->schedule) == 0;
}

static int cmp_rows(const struct pb_sumrow *rows, size_t x, size_t y)
{
	const struct pb_raw_row *a = &rows[x].key, *b = &rows[y].key;
	int c = pb_variant_rank(a->variant) - pb_variant_rank(b->variant);
	if (c == 0)
		c = strcmp(a->variant, b->variant);
	if (c == 0)
		c = a->workers - b->workers;
	return c;
}

static void sort_idx(const struct pb_sumrow *rows, size_t *idx, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		size_t v = idx[i], j = i;
		while (j > 0 && cmp_rows(rows, idx[j - 1], v) > 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

/* ---- groups ---- */

/* Append row i to group g; -1 if out of memory. */
static int group_add(struct pb_group *g, size_t i)
{
	if ((g->n & (g->n - 1)) == 0) { /* capacity doubles at powers of two: 1, 2, 4, ... */
		size_t *ni = realloc(g->idx, (g->n ? 2 * g->n : 1) * sizeof *ni);
		if (!ni)
			return -1;
		g->idx = ni;
	}
	g->idx[g->n++] = i;
	return 0;
}

/*
 * Groups: each parallel row starts or joins the group of its decomposition;
 * serial rows join every group they fit, and form their own only when they
 * fit none.  Returns the number of groups, or -1 if out of memory.
 */
static long find_groups(struct pb_analysis *a)
{
	const struct pb_sumrow *rows = a->rows;
	size_t ng = 0;
	for (size_t i = 0; i < a->nrows; i++) {
		const struct pb_raw_row *k = &rows[i].key;
		size_t g;
		if (is_serial(k))
			continue;
		for (g = 0; g < ng; g++)
			if (in_group(&rows[a->groups[g].idx[0]].key, k))
				break;
		ng += g == ng;
		if (group_add(&a->groups[g], i))
			return -1;
	}
	size_t parallel_groups = ng;
	for (size_t i = 0; i < a->nrows; i++) {
		const struct pb_raw_row *k = &rows[i].key;
		if (!is_serial(k))
			continue;
		int joined = 0;
		for (size_t g = 0; g < parallel_groups; g++)
			if (in_group(&rows[a->groups[g].idx[0]].key, k)) {
				if (group_add(&a->groups[g], i))
					return -1;
				joined = 1;
			}
		if (joined)
			continue;
		size_t g;
		for (g = parallel_groups; g < ng; g++)
			if (in_group(&rows[a->groups[g].idx[0]].key, k))
				break;
		ng += g == ng;
		if (group_add(&a->groups[g], i))
			return -1;
	}
	/* in the order of each group's first row in the run */
	for (size_t x = 1; x < ng; x++)
		for (size_t y = x; y > 0; y--) {
			size_t fa = a->nrows, fb = a->nrows;
			for (size_t j = 0; j < a->groups[y - 1].n; j++)
				if (a->groups[y - 1].idx[j] < fa)
					fa = a->groups[y - 1].idx[j];
			for (size_t j = 0; j < a->groups[y].n; j++)
				if (a->groups[y].idx[j] < fb)
					fb = a->groups[y].idx[j];
			if (fa <= fb)
				break;
			struct pb_group t = a->groups[y];
			a->groups[y] = a->groups[y - 1];
			a->groups[y - 1] = t;
		}
	return (long)ng;
}

/* The group's answer: its serial reference, fastest case, fastest at the core count. */
static void group_answer(struct pb_analysis *a, struct pb_group *g)
{
	const struct pb_sumrow *rows = a->rows;
	sort_idx(rows, g->idx, g->n);
	for (size_t j = 0; j < g->n; j++) {
		const struct pb_sumrow *r = &rows[g->idx[j]];
		if (r->key.workers > g->max_workers)
			g->max_workers = r->key.workers;
		if (!r->verified)
			continue;
		if (is_serial(&r->key) && (!g->serial || r->st.median < g->serial->st.median))
			g->serial = r;
		if (!g->best || r->st.median < g->best->st.median)
			g->best = r;
		if (!is_serial(&r->key) && r->key.workers == a->cores &&
		    (!g->at_cores || r->st.median < g->at_cores->st.median))
			g->at_cores = r;
	}
}

/* ---- sweeps ---- */

/* Where scaling stops: the smallest count that no larger count beats by 5% or more; 0 if that is the largest. */
static int stop_point(const struct pb_sumrow *rows, const size_t *idx, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int beaten = 0;
		for (size_t j = i + 1; j < n; j++)
			beaten |= rows[idx[j]].st.median * 1.05 < rows[idx[i]].st.median;
		if (!beaten)
			return i + 1 < n ? rows[idx[i]].key.workers : 0;
	}
	return 0;
}

static void fit_sweep(const struct pb_sumrow *rows, struct pb_sweep *s)
{
	double p[256], t[256];
	size_t m = 0;
	const struct pb_sumrow *best = NULL;
	for (size_t i = 0; i < s->n && m < 256; i++) {
		const struct pb_sumrow *r = &rows[s->idx[i]];
		p[m] = r->key.workers;
		t[m++] = r->st.median;
		if (!best || r->st.median < best->st.median)
			best = r;
	}
	s->best_p = best ? best->key.workers : 0;
	s->stop_p = stop_point(rows, s->idx, s->n);
	s->has_amdahl = pb_fit_scaling(PB_FIT_AMDAHL, p, t, m, &s->amdahl) == 0;
	s->has_usl = pb_fit_scaling(PB_FIT_USL, p, t, m, &s->usl) == 0;
}

/* Each group's variants with two or more verified worker counts. */
static void find_sweeps(struct pb_analysis *a, size_t **pool)
{
	const struct pb_sumrow *rows = a->rows;
	for (size_t g = 0; g < a->ngroups; g++) {
		struct pb_group *gr = &a->groups[g];
		gr->first_sweep = a->nsweeps;
		for (size_t j = 0; j < gr->n; j++) {
			const struct pb_sumrow *r = &rows[gr->idx[j]];
			if (is_serial(&r->key) || (j > 0 && strcmp(rows[gr->idx[j - 1]].key.variant, r->key.variant) == 0))
				continue;
			struct pb_sweep *s = &a->sweeps[a->nsweeps];
			memset(s, 0, sizeof *s);
			s->group = g;
			s->variant = r->key.variant;
			s->idx = *pool;
			for (size_t k = j; k < gr->n && strcmp(rows[gr->idx[k]].key.variant, r->key.variant) == 0; k++)
				if (rows[gr->idx[k]].verified)
					s->idx[s->n++] = gr->idx[k];
			if (s->n < 2)
				continue;
			*pool += s->n;
			fit_sweep(rows, s);
			a->nsweeps++;
		}
		gr->nsweeps = a->nsweeps - gr->first_sweep;
	}
}

/* ---- anomalies ---- */

static void add(struct pb_analysis *a, enum pb_anomaly_kind k, const struct pb_sumrow *r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct pb_analysis *a, enum pb_anomaly_kind k, const struct pb_sumrow *r, const char *fmt, ...)
{
	struct pb_anomaly *an = &a->anomalies[a->nanomalies++];
	va_list ap;
	an->kind = k;
	an->row = r;
	va_start(ap, fmt);
	vsnprintf(an->text, sizeof an->text, fmt, ap);
	va_end(ap);
}

/* "pi threads j=2" (with the group's label when the workload has several groups). */
static void case_name(const struct pb_analysis *a, const struct pb_group *g, const struct pb_sumrow *r, char *buf,
		      size_t len)
{
	char label[400];
	pb_group_label(a, g, label, sizeof label);
	pb_textf(buf, len, "%s %s j=%d", label, r->key.variant, r->key.workers);
}

/* The anomalies of one row of group g: verification, superlinear, a cliff, CPU beyond the work, disturbed. */
static void row_anomalies(struct pb_analysis *a, const struct pb_group *g, size_t j)
{
	const struct pb_sumrow *rows = a->rows, *r = &rows[g->idx[j]];
	char name[512], t1[32], t2[32];
	case_name(a, g, r, name, sizeof name);
	if (!r->verified) {
		add(a, PB_AN_UNVERIFIED, r, "%s failed verification: its times are not results", name);
		return;
	}
	/* superlinear beyond the intervals: even the slowest plausible time beats p x the fastest serial */
	if (g->serial && !is_serial(&r->key) && r->st.ci_hi > 0 &&
	    g->serial->st.ci_lo / r->st.ci_hi > r->key.workers * 1.0)
		add(a, PB_AN_SUPERLINEAR, r,
		    "%s: efficiency %.2f, above 1 beyond both confidence intervals (a cache effect, or a serial "
		    "reference that was slowed)",
		    name, g->serial->st.median / r->st.median / r->key.workers);
	/* a cliff: 10x slower than the same variant at fewer workers */
	for (size_t k = 0; k < j; k++) {
		const struct pb_sumrow *q = &rows[g->idx[k]];
		if (strcmp(q->key.variant, r->key.variant) == 0 && q->verified && q->key.workers < r->key.workers &&
		    r->st.median > 10 * q->st.median) {
			pb_fmt_time(t1, sizeof t1, r->st.median);
			pb_fmt_time(t2, sizeof t2, q->st.median);
			add(a, PB_AN_CLIFF, r, "%s takes %s, %.0fx the %s at %d workers", name, t1, r->st.median / q->st.median,
			    t2, q->key.workers);
			break;
		}
	}
	/* CPU time beyond the work's: the serial run's CPU time is the work */
	double cpu = r->user_s + r->sys_s, work = g->serial ? g->serial->user_s + g->serial->sys_s : 0;
	if (!is_serial(&r->key) && work > 0 && cpu > 1.5 * work && cpu - work > 1e-3) {
		int spin = r->key.workers > a->cores &&
			   (strcmp(r->key.variant, "openmp") == 0 || strcmp(r->key.variant, "threads") == 0 ||
			    strcmp(r->key.variant, "shm") == 0);
		int procs = strcmp(r->key.variant, "pool") == 0 || strcmp(r->key.variant, "process") == 0;
		add(a, PB_AN_CPU, r, "%s uses %.1fx the CPU time of the serial run for the same work (%s)", name, cpu / work,
		    spin ? "workers spin while they wait, on more workers than cores"
		    : procs ? "copying through pipes, forking, or waiting busily"
			    : "waiting busily, or contention");
	}
	/* disturbed: outliers, or a confidence interval wider than +-10% of the median */
	double half = (r->st.ci_hi - r->st.ci_lo) / 2;
	int wide = r->st.median > 0 && half / r->st.median > 0.10;
	if (r->st.outliers > 0 || wide) {
		char why[128] = "";
		if (r->st.outliers > 0)
			snprintf(why, sizeof why, "%d of %zu repetitions are outliers", r->st.outliers, r->st.n);
		if (wide)
			pb_textf(why + strlen(why), sizeof why - strlen(why), "%s95%% CI ±%.0f%%", why[0] ? ", " : "",
				 100 * half / r->st.median);
		add(a, PB_AN_DISTURBED, r, "%s: %s", name, why);
	}
}

/* Oversubscription: each variant's most workers past the core count against the core count. */
static void oversub_anomaly(struct pb_analysis *a, const struct pb_group *g)
{
	const struct pb_sumrow *rows = a->rows;
	char line[400] = "";
	int over = 0;
	for (size_t s = g->first_sweep; s < g->first_sweep + g->nsweeps; s++) {
		const struct pb_sweep *sw = &a->sweeps[s];
		const struct pb_sumrow *at = NULL, *most = NULL;
		for (size_t i = 0; i < sw->n; i++) {
			const struct pb_sumrow *r = &rows[sw->idx[i]];
			if (r->key.workers == a->cores)
				at = r;
			if (r->key.workers > a->cores && (!most || r->key.workers > most->key.workers))
				most = r;
		}
		if (!at || !most)
			continue;
		over = most->key.workers;
		size_t l = strlen(line);
		pb_textf(line + l, sizeof line - l, "%s%s %+.0f%%", l ? ", " : "", sw->variant,
			 (most->st.median / at->st.median - 1) * 100);
	}
	if (over) {
		char label[400];
		pb_group_label(a, g, label, sizeof label);
		add(a, PB_AN_OVERSUB, &rows[g->idx[0]], "%s at %d workers on %d cores, time against %d workers: %s", label,
		    over, a->cores, a->cores, line);
	}
}

/* seen[i]: row i was looked at in an earlier group (a serial row belongs to several): said once. */
static void group_anomalies(struct pb_analysis *a, const struct pb_group *g, char *seen)
{
	for (size_t j = 0; j < g->n; j++)
		if (!seen[g->idx[j]]++)
			row_anomalies(a, g, j);
	oversub_anomaly(a, g);
}

/* ---- labels ---- */

/* The parameters of k that differ from its workload's defaults (all of them for a workload this build lacks). */
static void short_params(const struct pb_raw_row *k, char *buf, size_t len)
{
	const struct pb_workload *w = pb_workload_find(k->workload);
	size_t pos = 0;
	buf[0] = '\0';
	for (const char *p = k->params; *p;) {
		size_t tl = strcspn(p, ";"), kl = strcspn(p, "=;");
		int dflt = 0;
		for (const struct pb_param_def *d = w ? w->params : NULL; d && d->key; d++)
			if (strlen(d->key) == kl && strncmp(d->key, p, kl) == 0 && kl < tl && d->def &&
			    strlen(d->def) == tl - kl - 1 && strncmp(d->def, p + kl + 1, tl - kl - 1) == 0)
				dflt = 1;
		if (!dflt && pos < len) {
			int m = snprintf(buf + pos, len - pos, "%s%.*s", pos ? " " : "", (int)tl, p);
			pos += m > 0 ? (size_t)m : 0;
		}
		p += tl + (p[tl] == ';');
	}
}

void pb_problem_label(const struct pb_raw_row *k, char *buf, size_t len)
{
	char size[32], params[PB_PARAMS_MAX];
	pb_fmt_count(size, sizeof size, (double)k->size);
	short_params(k, params, sizeof params);
	pb_textf(buf, len, "%s n=%s%s%s", k->workload, size, params[0] ? " " : "", params);
}

void pb_group_label(const struct pb_analysis *a, const struct pb_group *g, char *buf, size_t len)
{
	const struct pb_raw_row *k = NULL;
	for (size_t j = 0; j < g->n && !k; j++)
		if (!is_serial(&a->rows[g->idx[j]].key))
			k = &a->rows[g->idx[j]].key;
	if (!k)
		k = &a->rows[g->idx[0]].key;
	char problem[PB_PARAMS_MAX + 64], dec[128] = "";
	pb_problem_label(k, problem, sizeof problem);
	/* the decomposition, when another group of the same problem has another one */
	int other = 0;
	for (size_t h = 0; h < a->ngroups; h++) {
		const struct pb_group *o = &a->groups[h];
		if (o == g)
			continue;
		for (size_t j = 0; j < o->n; j++)
			if (same_problem(&a->rows[o->idx[j]].key, k))
				other = 1;
	}
	if (other && !is_serial(k))
		pb_textf(dec, sizeof dec, " T=%llu c=%llu %s", k->tasks, k->chunk, k->schedule);
	else if (other)
		pb_textf(dec, sizeof dec, " T=%llu", k->tasks);
	pb_textf(buf, len, "%s%s%s%s", problem, dec, strcmp(k->bind, "none") != 0 ? " bind=" : "",
		 strcmp(k->bind, "none") != 0 ? k->bind : "");
}

const char *pb_anomaly_name(enum pb_anomaly_kind k)
{
	static const char *const names[PB_AN_NKINDS] = {
		"failed verification",
		"efficiency above 1",
		"10x slower than at fewer workers",
		"more workers than cores",
		"CPU time beyond the work",
		"disturbed repetitions",
	};
	return k < PB_AN_NKINDS ? names[k] : "?";
}

/* ---- the whole ---- */

int pb_analyse(const struct pb_sumrow *rows, size_t n, int cores, struct pb_analysis *a)
{
	memset(a, 0, sizeof *a);
	a->rows = rows;
	a->nrows = n;
	a->cores = cores >= 1 ? cores : 1;
	size_t m = n ? n : 1;
	/*
	 * At most n groups and n sweeps; the sweeps' rows are parallel rows, each
	 * in one group, so n indices hold them all; at most four anomalies per
	 * row and one per group.
	 */
	a->groups = calloc(m, sizeof *a->groups);
	a->sweeps = calloc(m, sizeof *a->sweeps);
	a->anomalies = calloc(5 * m + 1, sizeof *a->anomalies);
	a->pool = malloc(m * sizeof *a->pool);
	char *seen = calloc(m, 1);
	long ng = a->groups && a->sweeps && a->anomalies && a->pool && seen ? find_groups(a) : -1;
	if (ng < 0) {
		a->ngroups = n; /* free every group's rows */
		pb_analysis_free(a);
		free(seen);
		return -1;
	}
	a->ngroups = (size_t)ng;
	size_t *pool = a->pool;
	for (size_t g = 0; g < a->ngroups; g++)
		group_answer(a, &a->groups[g]);
	find_sweeps(a, &pool);
	for (size_t g = 0; g < a->ngroups; g++)
		group_anomalies(a, &a->groups[g], seen);
	free(seen);
	return 0;
}

void pb_analysis_free(struct pb_analysis *a)
{
	for (size_t g = 0; a->groups && g < a->ngroups; g++)
		free(a->groups[g].idx);
	free(a->groups);
	free(a->sweeps);
	free(a->anomalies);
	free(a->pool);
	memset(a, 0, sizeof *a);
}
