/* compare.c: parbench compare: two runs case by case, with a verdict CI can gate on. */
#include "compare.h"
#include "export.h"
#include "options.h"
#include "commands.h"
#include "csv.h"
#include "stats.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void pb_compare_opts_init(struct pb_compare_opts *o)
{
	o->threshold = 0.05;
	o->alpha = 0.01;
	o->metric = PB_METRIC_TIME;
	o->format = PB_FORMAT_TABLE;
}

const char *pb_verdict_name(enum pb_verdict v)
{
	switch (v) {
	case PB_FASTER: return "faster";
	case PB_SLOWER: return "slower";
	case PB_UNSURE: return "unsure";
	case PB_UNVERIFIED: return "unverified";
	default: return "same";
	}
}

static const char *metric_name(enum pb_metric m)
{
	return m == PB_METRIC_SPEEDUP ? "speedup" : m == PB_METRIC_EFFICIENCY ? "efficiency" : "time";
}

/* A finite number with nothing after it. */
static int parse_number(const char *s, double *out)
{
	char *end;
	if (!*s)
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	return *end || errno || !isfinite(*out) ? -1 : 0;
}

int pb_compare_parse_option(int argc, char **argv, int *i, struct pb_compare_opts *o, char *err, size_t errlen)
{
	static const char *const names[] = { "--threshold", "--alpha", "--metric", "--format" };
	const char *arg = argv[*i], *val = NULL;
	size_t which, nl = 0;
	for (which = 0; which < 4; which++) {
		nl = strlen(names[which]);
		if (strncmp(arg, names[which], nl) == 0 && (arg[nl] == '\0' || arg[nl] == '='))
			break;
	}
	if (which == 4)
		return 0;
	if (arg[nl] == '=') {
		val = arg + nl + 1;
	} else if (*i + 1 < argc) {
		val = argv[++*i];
	} else {
		snprintf(err, errlen, "option '%s' needs a value", names[which]);
		return -1;
	}
	double d;
	switch (which) {
	case 0: {
		char buf[64];
		size_t l = strlen(val);
		if (l && l < sizeof buf && val[l - 1] == '%') { /* "5%" is 5 */
			memcpy(buf, val, l - 1);
			buf[l - 1] = '\0';
		} else {
			snprintf(buf, sizeof buf, "%s", l < sizeof buf ? val : "");
		}
		if (parse_number(buf, &d) || d < 0 || d >= 1000) {
			snprintf(err, errlen, "bad value '%s' for --threshold: expected a percentage in [0, 1000)", val);
			return -1;
		}
		o->threshold = d / 100;
		return 1;
	}
	case 1:
		if (parse_number(val, &d) || d <= 0 || d >= 1) {
			snprintf(err, errlen, "bad value '%s' for --alpha: expected a number in (0, 1)", val);
			return -1;
		}
		o->alpha = d;
		return 1;
	case 2:
		if (strcmp(val, "time") == 0)
			o->metric = PB_METRIC_TIME;
		else if (strcmp(val, "speedup") == 0)
			o->metric = PB_METRIC_SPEEDUP;
		else if (strcmp(val, "efficiency") == 0)
			o->metric = PB_METRIC_EFFICIENCY;
		else {
			snprintf(err, errlen, "bad value '%s' for --metric: expected time, speedup or efficiency", val);
			return -1;
		}
		return 1;
	default:
		if (strcmp(val, "table") == 0)
			o->format = PB_FORMAT_TABLE;
		else if (strcmp(val, "md") == 0)
			o->format = PB_FORMAT_MD;
		else if (strcmp(val, "csv") == 0)
			o->format = PB_FORMAT_CSV;
		else {
			snprintf(err, errlen, "bad value '%s' for --format: expected table, md or csv", val);
			return -1;
		}
		return 1;
	}
}

/*
 * One case.  The point estimate is the ratio of the medians, NEW / BASE.
 * Its 95% CI is the Hodges-Lehmann / Moses distribution-free interval for
 * the shift between log(NEW) and log(BASE) (pb_hodges_lehmann), mapped back
 * with exp: under the location-shift model of the Mann-Whitney test on log
 * values (a slowdown multiplies every time by the same factor) that shift
 * is the log of the ratio of medians, and the interval excludes 1 about
 * when the test rejects at 5%.  The test itself is pb_mann_whitney_p (rank
 * based, so the log does not change it).
 *
 * Verdict, with the change measured as a time ratio (1/ratio for speedup
 * and efficiency, so "5% slower" means the same for every metric and a
 * threshold t is symmetric in log scale):
 *   unsure  fewer than PB_COMPARE_MIN_REPS repetitions on a side, or the
 *           change exceeds the threshold but p >= alpha (the data cannot tell);
 *   slower  time ratio > 1 + t and p < alpha;
 *   faster  time ratio < 1 / (1 + t) and p < alpha;
 *   same    otherwise (within the threshold, significant or not).
 */
int pb_compare_samples(const double *base, size_t nb, const double *cur, size_t nn, int higher_better,
		       const struct pb_compare_opts *o, struct pb_sample_cmp *out)
{
	memset(out, 0, sizeof *out);
	if (nb == 0 || nn == 0)
		return -1;
	double *lb = malloc((nb + nn) * sizeof *lb), *ln = lb ? lb + nb : NULL;
	if (!lb)
		return -1;
	int rc = -1;
	for (size_t i = 0; i < nb; i++) {
		if (!(base[i] > 0) || !isfinite(base[i]))
			goto done;
		lb[i] = log(base[i]);
	}
	for (size_t i = 0; i < nn; i++) {
		if (!(cur[i] > 0) || !isfinite(cur[i]))
			goto done;
		ln[i] = log(cur[i]);
	}
	double est, lo, hi;
	int exact = pb_hodges_lehmann(lb, nb, ln, nn, 0.95, &est, &lo, &hi);
	if (exact < 0)
		goto done;
	out->n_base = nb;
	out->n_new = nn;
	out->base_median = pb_median(base, nb);
	out->new_median = pb_median(cur, nn);
	out->ratio = out->new_median / out->base_median;
	out->ci_lo = exp(lo);
	out->ci_hi = exp(hi);
	out->ci_exact = exact;
	out->p = pb_mann_whitney_p(base, nb, cur, nn);
	double time_ratio = higher_better ? 1 / out->ratio : out->ratio;
	int slower = time_ratio > 1 + o->threshold, faster = time_ratio < 1 / (1 + o->threshold);
	if (nb < PB_COMPARE_MIN_REPS || nn < PB_COMPARE_MIN_REPS)
		out->verdict = PB_UNSURE;
	else if ((slower || faster) && out->p >= o->alpha)
		out->verdict = PB_UNSURE;
	else if (slower)
		out->verdict = PB_SLOWER;
	else if (faster)
		out->verdict = PB_FASTER;
	else
		out->verdict = PB_SAME;
	rc = 0;
done:
	free(lb);
	return rc;
}

/* Does the row belong to the same workload, size and parameters (the speedup reference's key)? */
static int same_workload(const struct pb_raw_row *a, const struct pb_raw_row *b)
{
	return strcmp(a->workload, b->workload) == 0 && a->size == b->size && strcmp(a->params, b->params) == 0;
}

/*
 * The metric's values for case k of raw, one per repetition, in *out (malloc'ed, k->n values).
 * Time: wall_s.  Speedup: the median wall_s of the serial rows with the same
 * run_id, workload, size and parameters (the same run: ab keeps one run_id
 * per round), over the repetition's wall_s; efficiency: speedup / workers.
 * Returns 0, 1 if there is no serial reference for a row (why filled), -1 if out of memory.
 */
static int metric_values(const struct pb_raw *raw, const struct pb_case *k, enum pb_metric m, double **out,
			 char *why, size_t whylen, const char *side)
{
	double *v = malloc(k->n * sizeof *v), *ser = NULL;
	size_t nv = 0;
	if (!v)
		return -1;
	if (m == PB_METRIC_TIME) {
		memcpy(v, k->wall_s, k->n * sizeof *v);
		*out = v;
		return 0;
	}
	ser = malloc(raw->nrows * sizeof *ser);
	if (!ser) {
		free(v);
		return -1;
	}
	for (size_t i = 0; i < raw->nrows; i++) {
		const struct pb_raw_row *r = &raw->rows[i];
		if (!pb_case_key_equal(r, &k->key))
			continue;
		size_t ns = 0;
		for (size_t s = 0; s < raw->nrows; s++) {
			const struct pb_raw_row *q = &raw->rows[s];
			if (strcmp(q->variant, "serial") == 0 && same_workload(q, r) && strcmp(q->run_id, r->run_id) == 0)
				ser[ns++] = q->wall_s;
		}
		if (ns == 0) {
			snprintf(why, whylen, "no serial reference in %s", side);
			free(ser);
			free(v);
			return 1;
		}
		double speedup = pb_median(ser, ns) / r->wall_s;
		v[nv++] = m == PB_METRIC_EFFICIENCY ? speedup / r->workers : speedup;
	}
	free(ser);
	*out = v;
	return 0;
}

/* Whether a case has a repetition whose wall time is 0 (shorter than the clock could see). */
static int has_zero_time(const struct pb_case *k)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->wall_s[i] == 0)
			return 1;
	return 0;
}

static int push_entry(struct pb_comparison *c, size_t *cap, const struct pb_raw_row *key, enum pb_entry_kind kind)
{
	if (c->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct pb_compare_entry *ne = realloc(c->entries, nc * sizeof *ne);
		if (!ne)
			return -1;
		c->entries = ne;
		*cap = nc;
	}
	struct pb_compare_entry *e = &c->entries[c->n++];
	memset(e, 0, sizeof *e);
	e->key = *key;
	e->key.cpus = NULL; /* the key outlives the rows it came from */
	e->kind = kind;
	return 0;
}

/*
 * When no case matches: the key fields in which the nearest pair of cases
 * (one of BASE, one of NEW) differ, as "size (BASE 1000, NEW 2000)", into buf.
 */
static void nearest_difference(const struct pb_raw *base, const struct pb_raw *cur, char *buf, size_t len)
{
	size_t best = 10, bi = 0, bj = 0;
	for (size_t i = 0; i < base->ncases; i++)
		for (size_t j = 0; j < cur->ncases; j++) {
			const struct pb_raw_row *a = &base->cases[i].key, *b = &cur->cases[j].key;
			size_t d = (strcmp(a->workload, b->workload) != 0) + (a->size != b->size) +
				   (strcmp(a->params, b->params) != 0) + (strcmp(a->variant, b->variant) != 0) +
				   (a->workers != b->workers) + (a->tasks != b->tasks) + (a->chunk != b->chunk) +
				   (strcmp(a->schedule, b->schedule) != 0) + (strcmp(a->bind, b->bind) != 0);
			if (d < best) {
				best = d;
				bi = i;
				bj = j;
			}
		}
	buf[0] = '\0';
	if (best == 10)
		return;
	const struct pb_raw_row *a = &base->cases[bi].key, *b = &cur->cases[bj].key;
	size_t p = 0;
#define DIFF(cond, name, fmt, x, y)                                                                  \
	if ((cond) && p < len)                                                                     \
	p += (size_t)snprintf(buf + p, len - p, "%s" name " (BASE " fmt ", NEW " fmt ")", p ? ", " : "", x, y)
	DIFF(strcmp(a->workload, b->workload) != 0, "workload", "%s", a->workload, b->workload);
	DIFF(a->size != b->size, "size", "%llu", a->size, b->size);
	DIFF(strcmp(a->params, b->params) != 0, "params", "'%.60s'", a->params, b->params);
	DIFF(strcmp(a->variant, b->variant) != 0, "variant", "%s", a->variant, b->variant);
	DIFF(a->workers != b->workers, "workers", "%d", a->workers, b->workers);
	DIFF(a->tasks != b->tasks, "tasks", "%llu", a->tasks, b->tasks);
	DIFF(a->chunk != b->chunk, "chunk", "%llu", a->chunk, b->chunk);
	DIFF(strcmp(a->schedule, b->schedule) != 0, "schedule", "%s", a->schedule, b->schedule);
	DIFF(strcmp(a->bind, b->bind) != 0, "bind", "%s", a->bind, b->bind);
#undef DIFF
}

int pb_compare_raw(const struct pb_raw *base, const struct pb_raw *cur, const struct pb_compare_opts *o,
		   struct pb_comparison *c, char *err, size_t errlen)
{
	size_t cap = 0, common = 0;
	double log_sum = 0;
	memset(c, 0, sizeof *c);
	c->opts = *o;
	for (size_t i = 0; i < base->ncases; i++) {
		const struct pb_case *kb = &base->cases[i], *kn = NULL;
		for (size_t j = 0; j < cur->ncases && !kn; j++)
			if (pb_case_key_equal(&kb->key, &cur->cases[j].key))
				kn = &cur->cases[j];
		if (push_entry(c, &cap, &kb->key, kn ? PB_ENTRY_COMPARED : PB_ENTRY_ONLY_BASE) != 0)
			goto oom;
		struct pb_compare_entry *e = &c->entries[c->n - 1];
		if (!kn) {
			c->only_base++;
			e->unverified = !kb->all_verified;
			c->unverified += e->unverified;
			continue;
		}
		common++;
		e->unverified = !kb->all_verified || !kn->all_verified;
		c->unverified += e->unverified;
		if (o->metric != PB_METRIC_TIME && strcmp(kb->key.variant, "serial") == 0) {
			e->kind = PB_ENTRY_NOT_COMPARABLE;
			snprintf(e->why, sizeof e->why, "the serial reference of %s", metric_name(o->metric));
			c->not_comparable++;
			continue;
		}
		double *vb = NULL, *vn = NULL;
		int rb = metric_values(base, kb, o->metric, &vb, e->why, sizeof e->why, "BASE");
		int rn = rb ? rb : metric_values(cur, kn, o->metric, &vn, e->why, sizeof e->why, "NEW");
		const char *zero = rb || rn ? NULL : has_zero_time(kb) ? "BASE" : has_zero_time(kn) ? "NEW" : NULL;
		int rs = rb || rn || zero ? 0 : pb_compare_samples(vb, kb->n, vn, kn->n, o->metric != PB_METRIC_TIME, o, &e->cmp);
		free(vb);
		free(vn);
		if (rb < 0 || rn < 0)
			goto oom;
		if (rb || rn || zero || rs) {
			if (zero)
				snprintf(e->why, sizeof e->why, "%s has a wall time of 0 s, which no ratio can use (raise -n)",
					 zero);
			else if (rs)
				snprintf(e->why, sizeof e->why, "a %s is not a positive finite number", metric_name(o->metric));
			e->kind = PB_ENTRY_NOT_COMPARABLE;
			c->not_comparable++;
			c->failed_verification += e->unverified;
			continue;
		}
		c->compared++;
		log_sum += log(e->cmp.ratio);
		if (e->cmp.n_base < PB_COMPARE_MIN_REPS || e->cmp.n_new < PB_COMPARE_MIN_REPS)
			c->few_reps++;
		if (e->unverified) {
			/* a time whose result is wrong is no measurement: it can never pass the gate */
			e->cmp.verdict = PB_UNVERIFIED;
			c->failed_verification++;
			continue;
		}
		switch (e->cmp.verdict) {
		case PB_SLOWER: c->slower++; break;
		case PB_FASTER: c->faster++; break;
		case PB_UNSURE: c->unsure++; break;
		default: c->same++; break;
		}
	}
	for (size_t j = 0; j < cur->ncases; j++) {
		size_t i;
		for (i = 0; i < base->ncases; i++)
			if (pb_case_key_equal(&base->cases[i].key, &cur->cases[j].key))
				break;
		if (i < base->ncases)
			continue;
		if (push_entry(c, &cap, &cur->cases[j].key, PB_ENTRY_ONLY_NEW) != 0)
			goto oom;
		c->entries[c->n - 1].unverified = !cur->cases[j].all_verified;
		c->unverified += !cur->cases[j].all_verified;
		c->only_new++;
	}
	if (common == 0) {
		char diff[400];
		nearest_difference(base, cur, diff, sizeof diff);
		snprintf(err, errlen, "no common cases (BASE has %zu, NEW has %zu; the nearest two differ in %s)",
			 base->ncases, cur->ncases, diff);
		goto fail;
	}
	if (c->compared == 0) {
		/* why not: the first common case's reason */
		const struct pb_compare_entry *first = NULL;
		for (size_t i = 0; i < c->n && !first; i++)
			if (c->entries[i].kind == PB_ENTRY_NOT_COMPARABLE)
				first = &c->entries[i];
		char key[PB_PARAMS_MAX + 256] = "";
		if (first)
			pb_case_key_str(&first->key, key, sizeof key);
		snprintf(err, errlen, "no comparable cases for --metric %s (%zu common; %s: %s)", metric_name(o->metric),
			 common, key, first ? first->why : "");
		goto fail;
	}
	c->geomean = exp(log_sum / (double)c->compared);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	pb_comparison_free(c);
	return -1;
}

void pb_comparison_free(struct pb_comparison *c)
{
	free(c->entries);
	memset(c, 0, sizeof *c);
}

/* ---- output ---- */

enum { COL_CASE, COL_BASE, COL_NEW, COL_CHANGE, COL_CI, COL_P, COL_VERDICT, NCOL };

/* The printable cells of a compared entry. */
static void cells(const struct pb_comparison *c, const struct pb_compare_entry *e, char cell[NCOL][320])
{
	const struct pb_sample_cmp *s = &e->cmp;
	const char *fmt = c->opts.metric == PB_METRIC_TIME ? "%.4g" : "%.3f";
	pb_case_key_str(&e->key, cell[COL_CASE], 320);
	snprintf(cell[COL_BASE], 320, fmt, s->base_median);
	snprintf(cell[COL_NEW], 320, fmt, s->new_median);
	snprintf(cell[COL_CHANGE], 320, "%+.1f%%", (s->ratio - 1) * 100);
	snprintf(cell[COL_CI], 320, "[%+.1f%%, %+.1f%%]%s", (s->ci_lo - 1) * 100, (s->ci_hi - 1) * 100,
		 s->ci_exact ? "" : "*");
	snprintf(cell[COL_P], 320, s->p < 0.001 ? "%.1e" : "%.3f", s->p);
	snprintf(cell[COL_VERDICT], 320, "%s", pb_verdict_name(s->verdict));
}

static void print_header_line(const struct pb_comparison *c, FILE *out, const char *prefix)
{
	const char *what = c->opts.metric == PB_METRIC_TIME       ? "median wall time (s)"
			   : c->opts.metric == PB_METRIC_SPEEDUP ? "median speedup over serial (higher is better)"
								 : "median efficiency (higher is better)";
	fprintf(out, "%s%s, NEW vs BASE; slower/faster: beyond %g%% with Mann-Whitney p < %g\n", prefix, what,
		c->opts.threshold * 100, c->opts.alpha);
}

static void print_summary_line(const struct pb_comparison *c, FILE *out, const char *prefix)
{
	fprintf(out, "%s%zu compared: %zu slower, %zu faster, %zu same, %zu unsure", prefix, c->compared, c->slower,
		c->faster, c->same, c->unsure);
	if (c->failed_verification)
		fprintf(out, ", %zu unverified (failed verification: never a pass)", c->failed_verification);
	fprintf(out, "; geometric mean of ratios %.3f (%+.1f%%)\n", c->geomean, (c->geomean - 1) * 100);
}

static void print_table(const struct pb_comparison *c, FILE *out, int md)
{
	static const char *const head[NCOL] = { "case", "base", "new", "change", "95% CI", "p", "verdict" };
	char cell[NCOL][320];
	int w[NCOL];
	for (int k = 0; k < NCOL; k++)
		w[k] = (int)strlen(head[k]);
	for (size_t i = 0; i < c->n; i++) {
		if (c->entries[i].kind != PB_ENTRY_COMPARED)
			continue;
		cells(c, &c->entries[i], cell);
		for (int k = 0; k < NCOL; k++)
			if ((int)strlen(cell[k]) > w[k])
				w[k] = (int)strlen(cell[k]);
	}
	if (md) {
		print_header_line(c, out, "");
		fputc('\n', out);
		fputs("| case | base | new | change | 95% CI | p | verdict |\n", out);
		fputs("|---|--:|--:|--:|--:|--:|---|\n", out);
	} else {
		print_header_line(c, out, "# ");
		for (int k = 0; k < NCOL; k++)
			fprintf(out, k == COL_CASE || k == COL_VERDICT ? "%-*s%s" : "%*s%s", w[k], head[k],
				k == NCOL - 1 ? "\n" : "  ");
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct pb_compare_entry *e = &c->entries[i];
		if (e->kind != PB_ENTRY_COMPARED)
			continue;
		cells(c, e, cell);
		if (md) {
			int bad = e->cmp.verdict == PB_SLOWER || e->cmp.verdict == PB_UNVERIFIED;
			fprintf(out, "| `%s` | %s | %s | %s | %s | %s | %s%s%s |\n", cell[COL_CASE], cell[COL_BASE],
				cell[COL_NEW], cell[COL_CHANGE], cell[COL_CI], cell[COL_P], bad ? "**" : "",
				cell[COL_VERDICT], bad ? "**" : "");
		} else {
			for (int k = 0; k < NCOL; k++)
				fprintf(out, k == COL_CASE || k == COL_VERDICT ? "%-*s%s" : "%*s%s",
					k == NCOL - 1 ? 0 : w[k], cell[k], k == NCOL - 1 ? "\n" : "  ");
		}
	}
	char gm[32];
	snprintf(gm, sizeof gm, "%+.1f%%", (c->geomean - 1) * 100);
	if (md)
		fprintf(out, "| geometric mean | | | %s | | | |\n\n", gm);
	else
		fprintf(out, "%-*s  %*s  %*s  %*s\n", w[COL_CASE], "geometric mean", w[COL_BASE], "", w[COL_NEW], "",
			w[COL_CHANGE], gm);
	for (size_t i = 0; i < c->n; i++) {
		const struct pb_compare_entry *e = &c->entries[i];
		char key[320];
		if (e->kind == PB_ENTRY_COMPARED)
			continue;
		pb_case_key_str(&e->key, key, sizeof key);
		const char *what = e->kind == PB_ENTRY_ONLY_BASE ? "only in BASE"
				   : e->kind == PB_ENTRY_ONLY_NEW ? "only in NEW"
								  : "not comparable";
		char why[200];
		snprintf(why, sizeof why, "%s%s%s", e->why, e->why[0] && e->unverified ? "; " : "",
			 e->unverified ? "some repetitions failed verification" : "");
		if (md)
			fprintf(out, "- %s: `%s`%s%s%s\n", what, key, why[0] ? " (" : "", why, why[0] ? ")" : "");
		else
			fprintf(out, "%s: %s%s%s%s\n", what, key, why[0] ? " (" : "", why, why[0] ? ")" : "");
	}
	if (md && (c->only_base || c->only_new || c->not_comparable))
		fputc('\n', out);
	if (c->few_reps)
		fprintf(out, "%s%zu case(s) with fewer than %d repetitions on a side: unsure\n", md ? "" : "# ",
			c->few_reps, PB_COMPARE_MIN_REPS);
	print_summary_line(c, out, md ? (c->slower ? "**Regression:** " : "") : "# ");
}

static void csv_num(struct pb_strbuf *b, double v, int last)
{
	char num[40];
	snprintf(num, sizeof num, "%.17g", v);
	pb_csv_append(b, num, last);
}

static void print_csv(const struct pb_comparison *c, FILE *out)
{
	struct pb_strbuf b = { 0 };
	fputs("workload,size,params,variant,workers,tasks,chunk,schedule,bind,metric,base_reps,new_reps,"
	      "base_median,new_median,ratio,ci_lo,ci_hi,ci_exact,p,verdict\n",
	      out);
	for (size_t i = 0; i < c->n; i++) {
		const struct pb_compare_entry *e = &c->entries[i];
		const struct pb_raw_row *k = &e->key;
		char num[40];
		b.len = 0;
		pb_csv_append(&b, k->workload, 0);
		snprintf(num, sizeof num, "%llu", k->size);
		pb_csv_append(&b, num, 0);
		pb_csv_append(&b, k->params, 0);
		pb_csv_append(&b, k->variant, 0);
		snprintf(num, sizeof num, "%d", k->workers);
		pb_csv_append(&b, num, 0);
		snprintf(num, sizeof num, "%llu", k->tasks);
		pb_csv_append(&b, num, 0);
		snprintf(num, sizeof num, "%llu", k->chunk);
		pb_csv_append(&b, num, 0);
		pb_csv_append(&b, k->schedule, 0);
		pb_csv_append(&b, k->bind, 0);
		pb_csv_append(&b, metric_name(c->opts.metric), 0);
		if (e->kind == PB_ENTRY_COMPARED) {
			const struct pb_sample_cmp *s = &e->cmp;
			snprintf(num, sizeof num, "%zu", s->n_base);
			pb_csv_append(&b, num, 0);
			snprintf(num, sizeof num, "%zu", s->n_new);
			pb_csv_append(&b, num, 0);
			csv_num(&b, s->base_median, 0);
			csv_num(&b, s->new_median, 0);
			csv_num(&b, s->ratio, 0);
			csv_num(&b, s->ci_lo, 0);
			csv_num(&b, s->ci_hi, 0);
			pb_csv_append(&b, s->ci_exact ? "1" : "0", 0);
			csv_num(&b, s->p, 0);
			pb_csv_append(&b, pb_verdict_name(s->verdict), 1);
		} else {
			const char *v = e->kind == PB_ENTRY_ONLY_BASE ? "only_base"
					: e->kind == PB_ENTRY_ONLY_NEW ? "only_new"
									 : "not_comparable";
			for (int f = 0; f < 9; f++)
				pb_csv_append(&b, "", 0);
			pb_csv_append(&b, v, 1);
		}
		fputs(b.s, out);
	}
	/* the summary row: the geometric mean of the ratios */
	b.len = 0;
	pb_csv_append(&b, "geomean", 0);
	for (int f = 0; f < 9; f++)
		pb_csv_append(&b, f == 8 ? metric_name(c->opts.metric) : "", 0);
	for (int f = 0; f < 4; f++)
		pb_csv_append(&b, "", 0);
	csv_num(&b, c->geomean, 0);
	for (int f = 0; f < 4; f++)
		pb_csv_append(&b, "", 0);
	pb_csv_append(&b, "", 1);
	fputs(b.s ? b.s : "", out);
	free(b.s);
}

void pb_comparison_print(const struct pb_comparison *c, FILE *out)
{
	if (c->opts.format == PB_FORMAT_CSV)
		print_csv(c, out);
	else
		print_table(c, out, c->opts.format == PB_FORMAT_MD);
}

int pb_compare_paths(const char *who, const char *base, const char *cur, const struct pb_compare_opts *o,
		     struct pb_comparison *keep)
{
	struct pb_raw rb, rn;
	struct pb_comparison c;
	char err[PB_ERR_MAX];
	if (pb_raw_read(base, &rb, err, sizeof err) != 0) {
		pb_err("%s: %s", who, err);
		return 2;
	}
	if (pb_raw_read(cur, &rn, err, sizeof err) != 0) {
		pb_raw_free(&rb);
		pb_err("%s: %s", who, err);
		return 2;
	}
	int rc = pb_compare_raw(&rb, &rn, o, &c, err, sizeof err);
	pb_raw_free(&rb);
	pb_raw_free(&rn);
	if (rc != 0) {
		pb_err("%s: '%s' and '%s': %s", who, base, cur, err);
		return 2;
	}
	if (c.few_reps)
		pb_warn("%s: %zu case(s) have fewer than %d repetitions on a side: their verdict is unsure (run with -r %d or more)",
			who, c.few_reps, PB_COMPARE_MIN_REPS, PB_COMPARE_MIN_REPS);
	if (c.unverified)
		pb_warn("%s: %zu case(s) include repetitions that failed verification", who, c.unverified);
	pb_comparison_print(&c, stdout);
	pb_stdout_flush();
	rc = c.slower || c.failed_verification ? 1 : 0;
	if (keep)
		*keep = c;
	else
		pb_comparison_free(&c);
	return rc;
}

/*
 * compare's options, for its usage text, `parbench help --options compare`,
 * the man page and the completion.  They are parsed by
 * pb_compare_parse_option (shared with ab) and the loop of pb_cmd_compare;
 * tests/cli/cli.sh checks that compare accepts every one listed here.
 */
static const struct pb_opt compare_options[] = {
	{ "threshold", 0, "PCT", 0, "a change beyond PCT percent that is significant is slower or faster (default 5)", NULL },
	{ "alpha", 0, "A", 0, "significance level of the Mann-Whitney test (default 0.01)", NULL },
	{ "metric", 0, "M", 0, "time, speedup or efficiency (default time; the others compare across machines)", NULL },
	{ "format", 0, "F", 0, "table, md or csv, on stdout (default table)", NULL },
	{ "export-json", 0, "FILE", 0, "write every case's comparison and the summary as JSON", NULL },
	{ "export-csv", 0, "FILE", 0, "write the comparison as --format csv prints it", NULL },
	{ "export-md", 0, "FILE", 0, "write the comparison as --format md prints it", NULL },
	{ NULL, 0, NULL, 0, NULL, NULL },
};
const struct pb_opt *const pb_compare_options = compare_options;

static void usage(FILE *f)
{
	static const struct pb_opt *const tables[] = { compare_options, NULL };
	pb_opts_usage(f,
		      "usage: parbench compare BASE NEW [options]\n"
		      "BASE and NEW are results directories or raw.csv files.  Exit status: 1 if a case is slower\n"
		      "(beyond PCT, default 5, with Mann-Whitney p < A, default 0.01), 0 if none, 2 for bad input.\n",
		      tables);
}

/* --export-json FILE (or --export-json=FILE) into *dst; 1 if argv[*i] is one, 0 if not, -1 after an error line. */
static int export_option(int argc, char **argv, int *i, struct pb_export_files *x)
{
	static const char *const names[] = { "--export-json", "--export-csv", "--export-md" };
	const char **dst[] = { &x->json, &x->csv, &x->md };
	for (int k = 0; k < 3; k++) {
		size_t l = strlen(names[k]);
		if (strncmp(argv[*i], names[k], l) != 0 || (argv[*i][l] != '\0' && argv[*i][l] != '='))
			continue;
		const char *v = argv[*i][l] == '=' ? argv[*i] + l + 1 : *i + 1 < argc ? argv[++*i] : NULL;
		if (!v || !*v) {
			pb_err("compare: option '%s' needs a file name", names[k]);
			return -1;
		}
		*dst[k] = v;
		return 1;
	}
	return 0;
}

int pb_cmd_compare(int argc, char **argv)
{
	struct pb_compare_opts o;
	struct pb_export_files ex = { NULL, NULL, NULL };
	const char *paths[2] = { NULL, NULL };
	int npaths = 0;
	char err[512];
	pb_compare_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		int r = pb_compare_parse_option(argc, argv, &i, &o, err, sizeof err);
		if (r < 0) {
			pb_err("compare: %s", err);
			return 2;
		}
		if (r > 0)
			continue;
		r = export_option(argc, argv, &i, &ex);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (a[0] == '-' && a[1] != '\0') {
			pb_err("compare: unknown option '%s' (see parbench compare --help)", a);
			return 2;
		}
		if (npaths == 2) {
			pb_err("compare: unexpected argument '%s': expected BASE and NEW only", a);
			return 2;
		}
		paths[npaths++] = a;
	}
	if (npaths < 2) {
		pb_err("compare: expected BASE and NEW (results directories or raw.csv files)");
		return 2;
	}
	struct pb_comparison c;
	int rc = pb_compare_paths("compare", paths[0], paths[1], &o, &c);
	if (rc == 2)
		return rc;
	if (pb_export_comparison(&ex, &c, err, sizeof err) != 0) {
		pb_err("compare: %s", err);
		rc = 2;
	}
	pb_comparison_free(&c);
	return rc;
}
