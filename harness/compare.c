/* compare.c: parbench compare: two runs case by case, decided as one family, with a verdict CI can gate on. */
#include "compare.h"
#include "export.h"
#include "options.h"
#include "commands.h"
#include "csv.h"
#include "meta.h"
#include "stats.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * The verdict procedure, and why an unchanged build fails the gate with
 * probability at most alpha (DESIGN.md, Regression verdicts).
 *
 * 1. Samples.  Per case and side, one value per repetition: the wall time,
 *    or for speedup the serial repetition's time over the parallel one's,
 *    serial and parallel paired by their order in the same run (run_id;
 *    with the serial case of the same task count when there is one).  No
 *    repetition is used twice in a case, so a case's speedup samples are as
 *    independent as the repetitions themselves; dividing every repetition
 *    by one serial median (what compare did before) made them share that
 *    median's error, which Mann-Whitney cannot see (at 10 repetitions and
 *    10% noise its false alarms rose from 0.4% to 3.9% per case).  Each
 *    sample carries the noise of both of its measurements, as it must.
 *
 * 2. Disturbed repetitions (raw.csv's `disturbed`, the rule in machine.c:
 *    the hypervisor's steal, or other processes' CPU time on the CPUs the
 *    run needed, both external to the code under test) are left out on
 *    both sides.  If fewer than PB_COMPARE_MIN_REPS remain on a side, the
 *    case is compared on every repetition but cannot be slower (unsure).
 *
 * 3. Per case, the exact (small samples, no ties) or tie-corrected normal
 *    one-sided Mann-Whitney p-value of "NEW is worse", and of "NEW is
 *    better".  If BASE's and NEW's repetitions are exchangeable (the code
 *    did not change and nothing disturbed one side more than the other),
 *    P(p <= x) <= x.
 *
 * 4. The family: every case with PB_COMPARE_MIN_REPS repetitions on both
 *    sides (chosen before any p-value is looked at).  Holm's step-down
 *    adjustment over the family's m "worse" p-values: reject where the
 *    adjusted p < alpha.  Holm controls the probability of at least one
 *    false rejection at alpha under any dependence between the cases (they
 *    share a machine, and a workload's speedups share its serial
 *    repetitions), and it is uniformly more powerful than Bonferroni.
 *    Procedures that assume independence or positive dependence (Sidak,
 *    Hochberg, Hommel) would gain little at m = 21 and lose the guarantee.
 *
 * 5. slower: time ratio of the medians > 1 + threshold, and adjusted p <
 *    alpha.  The threshold only removes rejections, so the family-wise
 *    bound of 4 holds for "slower": unchanged code is called slower
 *    anywhere with probability <= alpha.  faster is the mirror image with
 *    its own Holm family (it never fails the gate).  unsure: fewer than
 *    PB_COMPARE_MIN_REPS repetitions, or beyond the threshold without a
 *    significant adjusted p.  same: everything else.
 *
 * 6. The guard: the bound of 4 needs exchangeable repetitions, which a
 *    disturbance that hits one side breaks (a loaded runner, a noisy
 *    neighbour, another CPU).  A case that would be slower or faster is
 *    unsure instead, with the reason, when too few undisturbed repetitions
 *    remain (2), when its robust CV (1.4826 MAD of the log values) on a
 *    side exceeds --max-cv, when the machine differs between the runs'
 *    meta.json (CPU model, cores, PUs, governor, binding support: every
 *    case), or when a side has no per-repetition disturbance data (an
 *    older raw.csv) and its meta.json records a high load at the start.
 *    The guard only ever turns slower into unsure, so it cannot raise the
 *    false-failure rate; what it costs is power on disturbed runs.
 *
 * Exit status: 1 if a case is slower or failed verification; otherwise
 * PB_EXIT_UNSURE (3) if a case that looks slower was withheld by the guard
 * (its numbers say slower, or its change is beyond the threshold without
 * the evidence, on data the guard distrusts: a disturbance must not buy a
 * pass either), or the machine changed (no verdict can be trusted);
 * otherwise 0.
 * 2 stays bad input.  `ab --confirm` and perf-check re-run the slower and
 * withheld cases and fail only if the regression holds again: a
 * disturbance that the counters cannot see must then strike twice.
 *
 * The rates the whole procedure achieves, measured through this binary on
 * seeded synthetic runs, are in README ("Regression checks for CI") and are
 * checked there by tests/cli/gate.sh.
 */

void pb_compare_opts_init(struct pb_compare_opts *o)
{
	o->threshold = 0.05;
	o->alpha = 0.01;
	o->max_cv = 0.20;
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

/* A percentage ("5" or "5%") in [lo, hi) into *out as a fraction; 0 or -1. */
static int parse_percent(const char *val, double lo, double hi, double *out)
{
	char buf[64];
	double d;
	size_t l = strlen(val);
	if (l && l < sizeof buf && val[l - 1] == '%') { /* "5%" is 5 */
		memcpy(buf, val, l - 1);
		buf[l - 1] = '\0';
	} else {
		snprintf(buf, sizeof buf, "%s", l < sizeof buf ? val : "");
	}
	if (parse_number(buf, &d) || d < lo || d >= hi)
		return -1;
	*out = d / 100;
	return 0;
}

int pb_compare_parse_option(int argc, char **argv, int *i, struct pb_compare_opts *o, char *err, size_t errlen)
{
	static const char *const names[] = { "--threshold", "--alpha", "--metric", "--format", "--max-cv" };
	enum { NNAMES = sizeof names / sizeof names[0] };
	const char *arg = argv[*i], *val = NULL;
	size_t which, nl = 0;
	for (which = 0; which < NNAMES; which++) {
		nl = strlen(names[which]);
		if (strncmp(arg, names[which], nl) == 0 && (arg[nl] == '\0' || arg[nl] == '='))
			break;
	}
	if (which == NNAMES)
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
	case 0:
		if (parse_percent(val, 0, 1000, &o->threshold) != 0) {
			snprintf(err, errlen, "bad value '%s' for --threshold: expected a percentage in [0, 1000)", val);
			return -1;
		}
		return 1;
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
	case 3:
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
	default:
		if (parse_percent(val, 0.1, 10000, &o->max_cv) != 0) {
			snprintf(err, errlen, "bad value '%s' for --max-cv: expected a percentage in [0.1, 10000)", val);
			return -1;
		}
		return 1;
	}
}

/* ---- one case ---- */

/*
 * The statistics of one case.  The point estimate is the ratio of the
 * medians, NEW / BASE.  Its 95% CI is the Hodges-Lehmann / Moses
 * distribution-free interval for the shift between log(NEW) and log(BASE)
 * (pb_hodges_lehmann), mapped back with exp: under the location-shift model
 * of the Mann-Whitney test on log values (a slowdown multiplies every time
 * by the same factor) that shift is the log of the ratio of medians.  The
 * interval is per case, not simultaneous; the verdict rests on the
 * family-wise test.  The tests are rank based, so the log changes nothing.
 */
static int case_stats(const double *base, size_t nb, const double *cur, size_t nn, int higher_better,
		      struct pb_sample_cmp *out)
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
	double est, lo, hi, p_new_larger, p_base_larger;
	int exact = pb_hodges_lehmann(lb, nb, ln, nn, 0.95, &est, &lo, &hi);
	if (exact < 0)
		goto done;
	out->n_base = nb;
	out->n_new = nn;
	out->base_median = pb_median(base, nb);
	out->new_median = pb_median(cur, nn);
	out->ratio = out->new_median / out->base_median;
	out->time_ratio = higher_better ? 1 / out->ratio : out->ratio;
	out->ci_lo = exp(lo);
	out->ci_hi = exp(hi);
	out->ci_exact = exact;
	pb_mann_whitney_tails(cur, nn, base, nb, &p_new_larger, &p_base_larger);
	out->p = fmin(1, 2 * fmin(p_new_larger, p_base_larger)); /* pb_mann_whitney_p, without a second pass */
	out->p_slower = higher_better ? p_base_larger : p_new_larger;
	out->p_faster = higher_better ? p_new_larger : p_base_larger;
	rc = 0;
done:
	free(lb);
	return rc;
}

/* The verdict of one case from its change and its adjusted p-values (step 5). */
static enum pb_verdict stat_verdict(const struct pb_sample_cmp *s, double adj_slow, double adj_fast,
				    const struct pb_compare_opts *o)
{
	int slower = s->time_ratio > 1 + o->threshold, faster = s->time_ratio < 1 / (1 + o->threshold);
	if (s->n_base < PB_COMPARE_MIN_REPS || s->n_new < PB_COMPARE_MIN_REPS)
		return PB_UNSURE;
	if (slower)
		return adj_slow < o->alpha ? PB_SLOWER : PB_UNSURE;
	if (faster)
		return adj_fast < o->alpha ? PB_FASTER : PB_UNSURE;
	return PB_SAME;
}

long pb_family_verdicts(struct pb_sample_cmp *s, const char *const *guard, size_t m, const struct pb_compare_opts *o)
{
	double *p = malloc((4 * m + 1) * sizeof *p), *q = p + m, *adj_s = q + m, *adj_f = adj_s + m;
	size_t *idx = malloc((m + 1) * sizeof *idx), fam = 0;
	if (!p || !idx) {
		free(p);
		free(idx);
		return -1;
	}
	for (size_t i = 0; i < m; i++) {
		s[i].in_family = s[i].n_base >= PB_COMPARE_MIN_REPS && s[i].n_new >= PB_COMPARE_MIN_REPS;
		if (s[i].in_family) {
			p[fam] = s[i].p_slower;
			q[fam] = s[i].p_faster;
			idx[fam++] = i;
		}
	}
	if (pb_holm(p, fam, adj_s) != 0 || pb_holm(q, fam, adj_f) != 0) {
		free(p);
		free(idx);
		return -1;
	}
	for (size_t i = 0; i < m; i++) {
		s[i].p_adj = 1;
		s[i].stat_verdict = stat_verdict(&s[i], 1, 1, o); /* outside the family: unsure or same */
	}
	for (size_t f = 0; f < fam; f++) {
		struct pb_sample_cmp *c = &s[idx[f]];
		c->p_adj = c->time_ratio >= 1 ? adj_s[f] : adj_f[f];
		c->stat_verdict = stat_verdict(c, adj_s[f], adj_f[f], o);
	}
	for (size_t i = 0; i < m; i++) {
		int guarded = guard && guard[i] && guard[i][0];
		enum pb_verdict v = s[i].stat_verdict;
		s[i].verdict = guarded && (v == PB_SLOWER || v == PB_FASTER) ? PB_UNSURE : v;
	}
	free(p);
	free(idx);
	return (long)fam;
}

int pb_compare_samples(const double *base, size_t nb, const double *cur, size_t nn, int higher_better,
		       const struct pb_compare_opts *o, struct pb_sample_cmp *out)
{
	if (case_stats(base, nb, cur, nn, higher_better, out) != 0)
		return -1;
	return pb_family_verdicts(out, NULL, 1, o) < 0 ? -1 : 0;
}

/* ---- the facts of meta.json ---- */

/* The directory of a results path: the path itself, or the directory of a file. */
static void run_dir(const char *path, char *dir, size_t len)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(dir, len, "%s", path);
		return;
	}
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

static long json_long(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

static void json_text(json_t *o, const char *key, char *buf, size_t len)
{
	const char *t = json_string_value(json_object_get(o, key));
	snprintf(buf, len, "%s", t ? t : "");
}

int pb_run_facts_load(const char *path, struct pb_run_facts *f, char *note, size_t len)
{
	char dir[4096], err[4400];
	json_t *root;
	memset(f, 0, sizeof *f);
	f->cores = f->pus = -1;
	f->binding = -1;
	f->load1 = -1;
	note[0] = '\0';
	run_dir(path, dir, sizeof dir);
	int rc = pb_meta_load(dir, &root, err, sizeof err);
	if (rc == 1) {
		snprintf(note, len, "no meta.json in '%s'", dir);
		return 1;
	}
	if (rc < 0) {
		snprintf(note, len, "%s", err);
		return -1;
	}
	json_t *m = json_object_get(root, "machine");
	if (json_is_object(m)) {
		json_text(m, "cpu_model", f->cpu_model, sizeof f->cpu_model);
		json_text(m, "governor", f->governor, sizeof f->governor);
		f->cores = json_long(m, "cores");
		f->pus = json_long(m, "pus");
		json_t *b = json_object_get(m, "binding_supported");
		f->binding = json_is_boolean(b) ? json_is_true(b) : -1;
		json_t *la = json_object_get(m, "loadavg");
		if (json_is_array(la) && json_is_number(json_array_get(la, 0)))
			f->load1 = json_number_value(json_array_get(la, 0));
	}
	json_t *pl = json_object_get(root, "plugins");
	for (size_t i = 0; json_is_array(pl) && i < json_array_size(pl) && f->nplugins < 16; i++) {
		json_t *e = json_array_get(pl, i);
		json_text(e, "name", f->plugin[f->nplugins], sizeof f->plugin[0]);
		json_text(e, "sha256", f->plugin_sha[f->nplugins], sizeof f->plugin_sha[0]);
		f->nplugins += f->plugin[f->nplugins][0] != '\0';
	}
	f->have = 1;
	json_decref(root);
	return 0;
}

int pb_machine_changed(const struct pb_run_facts *a, const struct pb_run_facts *b, char *why, size_t len)
{
	why[0] = '\0';
	if (!a || !b || !a->have || !b->have)
		return 0;
	if (a->cpu_model[0] && b->cpu_model[0] && strcmp(a->cpu_model, b->cpu_model) != 0)
		snprintf(why, len, "cpu_model '%s' -> '%s'", a->cpu_model, b->cpu_model);
	else if (a->cores >= 0 && b->cores >= 0 && a->cores != b->cores)
		snprintf(why, len, "cores %ld -> %ld", a->cores, b->cores);
	else if (a->pus >= 0 && b->pus >= 0 && a->pus != b->pus)
		snprintf(why, len, "pus %ld -> %ld", a->pus, b->pus);
	else if (a->governor[0] && b->governor[0] && strcmp(a->governor, b->governor) != 0)
		snprintf(why, len, "governor '%s' -> '%s'", a->governor, b->governor);
	else if (a->binding >= 0 && b->binding >= 0 && a->binding != b->binding)
		snprintf(why, len, "binding support %s -> %s", a->binding ? "yes" : "no", b->binding ? "yes" : "no");
	return why[0] != '\0';
}

int pb_plugins_changed(const struct pb_run_facts *a, const struct pb_run_facts *b, char *why, size_t len)
{
	why[0] = '\0';
	if (!a || !b || !a->have || !b->have)
		return 0;
	for (int i = 0; i < a->nplugins; i++)
		for (int j = 0; j < b->nplugins; j++)
			if (strcmp(a->plugin[i], b->plugin[j]) == 0 && strcmp(a->plugin_sha[i], b->plugin_sha[j]) != 0) {
				snprintf(why, len, "'%s' (sha256 %.12s... -> %.12s...)", a->plugin[i], a->plugin_sha[i],
					 b->plugin_sha[j]);
				return 1;
			}
	return 0;
}

/* Whether a run's start was loaded (the rule of the run's own warning: load1 above half the PUs). */
static int high_load(const struct pb_run_facts *f)
{
	return f && f->have && f->load1 >= 0 && f->pus > 0 && f->load1 > 0.5 * (double)f->pus;
}

/* ---- the samples of a case ---- */

/* One side's values of a case's metric, with the disturbance of each. */
struct values {
	double *v;
	int *dist;   /* 1: the repetition (either of a speedup's pair) was disturbed */
	size_t n;
};

static void values_free(struct values *x)
{
	free(x->v);
	free(x->dist);
	memset(x, 0, sizeof *x);
}

/* Does the row belong to the same workload, size and parameters (the speedup reference's key)? */
static int same_workload(const struct pb_raw_row *a, const struct pb_raw_row *b)
{
	return strcmp(a->workload, b->workload) == 0 && a->size == b->size && strcmp(a->params, b->params) == 0;
}

/* The serial rows of row r's run, workload, size and parameters (same task count if any), in file order. */
static size_t serial_rows(const struct pb_raw *raw, const struct pb_raw_row *r, size_t *out)
{
	size_t n = 0;
	for (int same_tasks = 1; same_tasks >= 0 && n == 0; same_tasks--)
		for (size_t s = 0; s < raw->nrows; s++) {
			const struct pb_raw_row *q = &raw->rows[s];
			if (strcmp(q->variant, "serial") == 0 && same_workload(q, r) && strcmp(q->run_id, r->run_id) == 0 &&
			    (!same_tasks || q->tasks == r->tasks))
				out[n++] = s;
		}
	return n;
}

/*
 * The metric's values for case k of raw (step 1 of the procedure).  Time:
 * wall_s.  Speedup: the i-th repetition of the case in a run over the i-th
 * serial repetition of that run (its rows in file order, rep order as
 * written); repetitions without a partner are left out.  Efficiency:
 * speedup / workers.  Returns 0, 1 if a run of the case has no serial
 * reference (why filled), -1 if out of memory.
 */
static int metric_values(const struct pb_raw *raw, const struct pb_case *k, enum pb_metric m, struct values *out,
			 char *why, size_t whylen, const char *side)
{
	size_t *ser = malloc((raw->nrows + 1) * sizeof *ser);
	memset(out, 0, sizeof *out);
	out->v = malloc((k->n + 1) * sizeof *out->v);
	out->dist = calloc(k->n + 1, sizeof *out->dist);
	if (!ser || !out->v || !out->dist) {
		free(ser);
		values_free(out);
		return -1;
	}
	const char *run = NULL; /* the run whose serial rows ser holds (a case's rows of a run come together) */
	size_t ns = 0, nth = 0;
	for (size_t i = 0; i < k->n; i++) {
		const struct pb_raw_row *r = &raw->rows[k->rows[i]];
		if (m == PB_METRIC_TIME) {
			out->v[out->n] = r->wall_s;
			out->dist[out->n++] = r->disturbed;
			continue;
		}
		if (!run || strcmp(run, r->run_id) != 0) {
			ns = serial_rows(raw, r, ser);
			run = r->run_id;
			nth = 0; /* r is the nth repetition of the case in its run */
			for (size_t j = 0; j < i; j++)
				nth += strcmp(raw->rows[k->rows[j]].run_id, run) == 0;
		} else {
			nth++;
		}
		if (ns == 0) {
			snprintf(why, whylen, "no serial reference in %s", side);
			free(ser);
			values_free(out);
			return 1;
		}
		if (nth >= ns)
			continue; /* more repetitions than the serial case had: no partner */
		const struct pb_raw_row *s = &raw->rows[ser[nth]];
		double speedup = r->wall_s > 0 ? s->wall_s / r->wall_s : 0;
		out->v[out->n] = m == PB_METRIC_EFFICIENCY ? speedup / r->workers : speedup;
		out->dist[out->n++] = r->disturbed || s->disturbed;
	}
	free(ser);
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

/* The undisturbed values of x (all of them when the file has no disturbance data) into clean. */
static size_t clean_values(const struct values *x, int has_data, double *clean)
{
	size_t n = 0;
	for (size_t i = 0; i < x->n; i++)
		if (!has_data || !x->dist[i])
			clean[n++] = x->v[i];
	return n;
}

/* Robust coefficient of variation: 1.4826 MAD of the logs (a normal's sd; hiccups do not move it). */
static double robust_cv(const double *v, size_t n)
{
	double *l = malloc((n + 1) * sizeof *l);
	if (!l || n == 0) {
		free(l);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		l[i] = log(v[i] > 0 ? v[i] : 1e-300);
	double med = pb_median(l, n);
	for (size_t i = 0; i < n; i++)
		l[i] = fabs(l[i] - med);
	double mad = pb_median(l, n);
	free(l);
	return 1.4826 * mad;
}

/* ---- the comparison ---- */

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

static void add_reason(char *buf, size_t len, const char *text)
{
	size_t l = strlen(buf);
	snprintf(buf + l, len > l ? len - l : 0, "%s%s", l ? "; " : "", text);
}

/*
 * Steps 2 and 6 for one case: leave out disturbed repetitions, compute the
 * statistics, and say why a verdict would be withheld (e->guard).  vb, vn
 * are the two sides' values.  0, or -1 (a value not positive, out of memory).
 */
static int compare_case(struct pb_comparison *c, struct pb_compare_entry *e, const struct values *vb,
			const struct values *vn, int higher_better)
{
	const struct values *side[2] = { vb, vn };
	static const char *const name[2] = { "BASE", "NEW" };
	double *clean[2] = { malloc((vb->n + 1) * sizeof(double)), malloc((vn->n + 1) * sizeof(double)) };
	size_t nclean[2] = { 0, 0 };
	int enough = 1, rc = -1;
	char text[200];
	if (!clean[0] || !clean[1])
		goto done;
	for (int s = 0; s < 2; s++) {
		nclean[s] = clean_values(side[s], c->has_rep_data[s], clean[s]);
		if (nclean[s] == 0 && side[s]->n < PB_COMPARE_MIN_REPS) {
			/* every one of too few repetitions disturbed: the case is unsure by its count already; keep them */
			memcpy(clean[s], side[s]->v, side[s]->n * sizeof(double));
			nclean[s] = side[s]->n;
			snprintf(text, sizeof text, "all %zu %s repetitions disturbed, kept (too few to leave any out)",
				 side[s]->n, name[s]);
			add_reason(e->note, sizeof e->note, text);
		}
		e->left_out[s] = side[s]->n - nclean[s];
		c->disturbed[s] += e->left_out[s];
		if (e->left_out[s] && nclean[s] < PB_COMPARE_MIN_REPS && side[s]->n >= PB_COMPARE_MIN_REPS)
			enough = 0;
	}
	if (!enough) {
		/* too few undisturbed: every repetition is compared, and the case cannot be slower */
		e->untrusted = 1;
		for (int s = 0; s < 2; s++) {
			if (e->left_out[s]) {
				snprintf(text, sizeof text, "%zu of %zu %s repetitions disturbed (steal or other processes)",
					 e->left_out[s], side[s]->n, name[s]);
				add_reason(e->guard, sizeof e->guard, text);
			}
			memcpy(clean[s], side[s]->v, side[s]->n * sizeof(double));
			nclean[s] = side[s]->n;
		}
	} else if (e->left_out[0] || e->left_out[1]) {
		snprintf(text, sizeof text, "disturbed repetitions left out: %zu of %zu in BASE, %zu of %zu in NEW",
			 e->left_out[0], vb->n, e->left_out[1], vn->n);
		add_reason(e->note, sizeof e->note, text);
	}
	if (case_stats(clean[0], nclean[0], clean[1], nclean[1], higher_better, &e->cmp) != 0)
		goto done;
	for (int s = 0; s < 2; s++) {
		double cv = robust_cv(clean[s], nclean[s]);
		if (cv > c->opts.max_cv) {
			snprintf(text, sizeof text, "noisy: robust CV %.0f%% in %s (above --max-cv %g%%)", 100 * cv, name[s],
				 100 * c->opts.max_cv);
			add_reason(e->guard, sizeof e->guard, text);
		}
		if (!c->has_rep_data[s] && high_load(&c->facts[s])) {
			snprintf(text, sizeof text, "%s started at load %.2f on %ld PUs and has no per-repetition disturbance data",
				 name[s], c->facts[s].load1, c->facts[s].pus);
			add_reason(e->guard, sizeof e->guard, text);
			e->untrusted = 1;
		}
	}
	if (c->machine_changed)
		add_reason(e->guard, sizeof e->guard, "machine changed");
	rc = 0;
done:
	free(clean[0]);
	free(clean[1]);
	return rc;
}

/* Case kb of BASE against kn of NEW into e: 0, 1 if not comparable (e says why), -1 if out of memory. */
static int compare_pair(struct pb_comparison *c, const struct pb_raw *base, const struct pb_raw *cur,
			const struct pb_case *kb, const struct pb_case *kn, struct pb_compare_entry *e)
{
	enum pb_metric m = c->opts.metric;
	struct values vb, vn;
	memset(&vn, 0, sizeof vn);
	if (m != PB_METRIC_TIME && strcmp(kb->key.variant, "serial") == 0) {
		snprintf(e->why, sizeof e->why, "the serial reference of %s", metric_name(m));
		return 1;
	}
	int rb = metric_values(base, kb, m, &vb, e->why, sizeof e->why, "BASE");
	int rn = rb ? rb : metric_values(cur, kn, m, &vn, e->why, sizeof e->why, "NEW");
	if (rb || rn) {
		values_free(&vb);
		values_free(&vn);
		return rb < 0 || rn < 0 ? -1 : 1;
	}
	const char *zero = has_zero_time(kb) ? "BASE" : has_zero_time(kn) ? "NEW" : NULL;
	int rc = 1;
	if (zero)
		snprintf(e->why, sizeof e->why, "%s has a wall time of 0 s, which no ratio can use (raise -n)", zero);
	else if (vb.n == 0 || vn.n == 0)
		snprintf(e->why, sizeof e->why, "no repetition paired with a serial one");
	else if (compare_case(c, e, &vb, &vn, m != PB_METRIC_TIME) != 0)
		snprintf(e->why, sizeof e->why, "a %s is not a positive finite number", metric_name(m));
	else
		rc = 0;
	values_free(&vb);
	values_free(&vn);
	return rc;
}

/* Steps 4-6 over the compared entries, then the counts. */
static int decide(struct pb_comparison *c)
{
	struct pb_sample_cmp *s = malloc((c->n + 1) * sizeof *s);
	const char **g = malloc((c->n + 1) * sizeof *g);
	size_t m = 0;
	double log_sum = 0;
	if (!s || !g) {
		free(s);
		free(g);
		return -1;
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->entries[i].kind == PB_ENTRY_COMPARED) {
			s[m] = c->entries[i].cmp;
			g[m++] = c->entries[i].guard;
		}
	long fam = pb_family_verdicts(s, g, m, &c->opts);
	for (size_t i = 0, j = 0; fam >= 0 && i < c->n; i++) {
		struct pb_compare_entry *e = &c->entries[i];
		if (e->kind != PB_ENTRY_COMPARED)
			continue;
		e->cmp = s[j++];
		log_sum += log(e->cmp.ratio);
		if (e->cmp.n_base < PB_COMPARE_MIN_REPS || e->cmp.n_new < PB_COMPARE_MIN_REPS)
			c->few_reps++;
		if (e->unverified) {
			/* a time whose result is wrong is no measurement: it can never pass the gate */
			e->cmp.verdict = PB_UNVERIFIED;
			c->failed_verification++;
			continue;
		}
		/*
		 * Withheld: the guard stopped a slower verdict; or the case is beyond the threshold in
		 * the slower direction without the evidence to say so, on data the guard distrusts (too
		 * few undisturbed repetitions, a loaded older run), where the missing evidence may be
		 * the disturbance's doing.  Either way the gate cannot vouch for the case: exit 3, rather
		 * than a pass that a disturbance bought.  Noise alone (--max-cv) withholds only a
		 * slower verdict: a stationary noise is the test's business, and it already says unsure.
		 */
		e->withheld = e->guard[0] && (e->cmp.stat_verdict == PB_SLOWER ||
					      (e->untrusted && e->cmp.stat_verdict == PB_UNSURE && e->cmp.in_family &&
					       e->cmp.time_ratio > 1 + c->opts.threshold));
		c->withheld += e->withheld;
		switch (e->cmp.verdict) {
		case PB_SLOWER: c->slower++; break;
		case PB_FASTER: c->faster++; break;
		case PB_UNSURE: c->unsure++; break;
		default: c->same++; break;
		}
	}
	free(s);
	free(g);
	if (fam < 0)
		return -1;
	c->family = (size_t)fam;
	c->geomean = c->compared ? exp(log_sum / (double)c->compared) : 1;
	return 0;
}

/* The cases only in NEW, after BASE's. */
static int add_only_new(struct pb_comparison *c, size_t *cap, const struct pb_raw *base, const struct pb_raw *cur)
{
	for (size_t j = 0; j < cur->ncases; j++) {
		size_t i;
		for (i = 0; i < base->ncases; i++)
			if (pb_case_key_equal(&base->cases[i].key, &cur->cases[j].key))
				break;
		if (i < base->ncases)
			continue;
		if (push_entry(c, cap, &cur->cases[j].key, PB_ENTRY_ONLY_NEW) != 0)
			return -1;
		c->entries[c->n - 1].unverified = !cur->cases[j].all_verified;
		c->unverified += !cur->cases[j].all_verified;
		c->only_new++;
	}
	return 0;
}

int pb_compare_runs(const struct pb_raw *base, const struct pb_raw *cur, const struct pb_run_facts *fbase,
		    const struct pb_run_facts *fcur, const struct pb_compare_opts *o, struct pb_comparison *c,
		    char *err, size_t errlen)
{
	size_t cap = 0, common = 0;
	memset(c, 0, sizeof *c);
	c->opts = *o;
	c->has_rep_data[0] = pb_csv_col(&base->csv, "disturbed") >= 0;
	c->has_rep_data[1] = pb_csv_col(&cur->csv, "disturbed") >= 0;
	if (fbase)
		c->facts[0] = *fbase;
	if (fcur)
		c->facts[1] = *fcur;
	c->machine_changed = pb_machine_changed(&c->facts[0], &c->facts[1], c->machine_why, sizeof c->machine_why);
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
		int r = compare_pair(c, base, cur, kb, kn, e);
		if (r < 0)
			goto oom;
		if (r > 0) {
			e->kind = PB_ENTRY_NOT_COMPARABLE;
			c->not_comparable++;
			if (strcmp(kb->key.variant, "serial") != 0 || o->metric == PB_METRIC_TIME)
				c->failed_verification += e->unverified;
			continue;
		}
		c->compared++;
	}
	if (add_only_new(c, &cap, base, cur) != 0)
		goto oom;
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
	if (decide(c) != 0)
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	pb_comparison_free(c);
	return -1;
}

int pb_compare_raw(const struct pb_raw *base, const struct pb_raw *cur, const struct pb_compare_opts *o,
		   struct pb_comparison *c, char *err, size_t errlen)
{
	return pb_compare_runs(base, cur, NULL, NULL, o, c, err, errlen);
}

void pb_comparison_free(struct pb_comparison *c)
{
	free(c->entries);
	memset(c, 0, sizeof *c);
}

int pb_comparison_status(const struct pb_comparison *c)
{
	if (c->slower || c->failed_verification)
		return 1;
	return c->withheld || c->machine_changed ? PB_EXIT_UNSURE : 0;
}

/* ---- output ---- */

enum { COL_CASE, COL_BASE, COL_NEW, COL_CHANGE, COL_CI, COL_P, COL_PADJ, COL_VERDICT, NCOL };

static void fmt_p(char *buf, size_t len, double p)
{
	snprintf(buf, len, p < 0.001 ? "%.1e" : "%.3f", p);
}

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
	fmt_p(cell[COL_P], 320, s->p);
	if (s->in_family)
		fmt_p(cell[COL_PADJ], 320, s->p_adj);
	else
		snprintf(cell[COL_PADJ], 320, "-");
	snprintf(cell[COL_VERDICT], 320, "%s", pb_verdict_name(s->verdict));
}

static void print_header_line(const struct pb_comparison *c, FILE *out, const char *prefix)
{
	const char *what = c->opts.metric == PB_METRIC_TIME       ? "median wall time (s)"
			   : c->opts.metric == PB_METRIC_SPEEDUP ? "median speedup over serial (higher is better)"
								 : "median efficiency (higher is better)";
	fprintf(out,
		"%s%s, NEW vs BASE; slower/faster: beyond %g%% with adj p < %g (adj p: one-sided Mann-Whitney in the "
		"direction of the change, Holm-adjusted over the %zu cases; p: two-sided, unadjusted)\n",
		prefix, what, c->opts.threshold * 100, c->opts.alpha, c->family);
}

/* What the disturbance check could and could not see, and the machine check's result. */
static void print_checks(const struct pb_comparison *c, FILE *out, const char *prefix)
{
	static const char *const name[2] = { "BASE", "NEW" };
	for (int s = 0; s < 2; s++) {
		if (!c->facts[s].have)
			fprintf(out, "%s%s has no readable meta.json: the machine and load checks were skipped for it\n", prefix,
				name[s]);
		if (!c->has_rep_data[s])
			fprintf(out, "%s%s's raw.csv has no per-repetition disturbance columns (an older run): "
				     "nothing was left out of it\n",
				prefix, name[s]);
	}
	if (c->machine_changed)
		fprintf(out, "%smachine changed between the runs (%s): every verdict is unsure\n", prefix, c->machine_why);
	if (c->disturbed[0] || c->disturbed[1])
		fprintf(out, "%sdisturbed repetitions (steal or other processes, raw.csv's disturbed column): %zu in BASE, %zu in NEW\n",
			prefix, c->disturbed[0], c->disturbed[1]);
}

static void print_summary_line(const struct pb_comparison *c, FILE *out, const char *prefix)
{
	fprintf(out, "%s%zu compared: %zu slower, %zu faster, %zu same, %zu unsure", prefix, c->compared, c->slower,
		c->faster, c->same, c->unsure);
	if (c->failed_verification)
		fprintf(out, ", %zu unverified (failed verification: never a pass)", c->failed_verification);
	fprintf(out, "; family-wise alpha %g over %zu cases (Holm); geometric mean of ratios %.3f (%+.1f%%)\n",
		c->opts.alpha, c->family, c->geomean, (c->geomean - 1) * 100);
}

/* The gate's decision in words, with the exit status it gives. */
static void print_gate_line(const struct pb_comparison *c, FILE *out, const char *prefix)
{
	int st = pb_comparison_status(c);
	if (st == 1)
		fprintf(out, "%sgate: regression (exit 1)%s\n", prefix,
			c->slower ? "" : ": a case failed verification");
	else if (st == PB_EXIT_UNSURE)
		fprintf(out, "%sgate: unsure (exit %d): %s; re-run (ab --confirm, perf-check) before trusting a verdict\n",
			prefix, PB_EXIT_UNSURE,
			c->machine_changed ? "the machine changed" : "a case that looks slower was disturbed or noisy");
	else
		fprintf(out, "%sgate: pass (exit 0)\n", prefix);
}

/* The widths of the table's columns. */
static void widths(const struct pb_comparison *c, const char *const head[NCOL], int w[NCOL])
{
	char cell[NCOL][320];
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
}

/* The lines after the table: unmatched cases, guard reasons, notes. */
static void print_entry_notes(const struct pb_comparison *c, FILE *out, int md)
{
	int any = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct pb_compare_entry *e = &c->entries[i];
		char key[320], why[400];
		pb_case_key_str(&e->key, key, sizeof key);
		const char *what = NULL;
		why[0] = '\0';
		if (e->kind == PB_ENTRY_COMPARED) {
			if (e->withheld || (e->cmp.stat_verdict != e->cmp.verdict && e->cmp.verdict == PB_UNSURE)) {
				what = "unsure";
				snprintf(why, sizeof why, "looks %s (%+.1f%%), but %s",
					 e->cmp.time_ratio >= 1 ? "slower" : "faster", (e->cmp.ratio - 1) * 100, e->guard);
			} else if (e->note[0]) {
				what = "note";
				snprintf(why, sizeof why, "%s", e->note);
			}
		} else {
			what = e->kind == PB_ENTRY_ONLY_BASE ? "only in BASE"
			       : e->kind == PB_ENTRY_ONLY_NEW ? "only in NEW"
							      : "not comparable";
			snprintf(why, sizeof why, "%s%s%s", e->why, e->why[0] && e->unverified ? "; " : "",
				 e->unverified ? "some repetitions failed verification" : "");
		}
		if (!what)
			continue;
		any = 1;
		if (md)
			fprintf(out, "- %s: `%s`%s%s%s\n", what, key, why[0] ? " (" : "", why, why[0] ? ")" : "");
		else
			fprintf(out, "%s: %s%s%s%s\n", what, key, why[0] ? " (" : "", why, why[0] ? ")" : "");
	}
	if (md && any)
		fputc('\n', out);
}

static void print_table(const struct pb_comparison *c, FILE *out, int md)
{
	static const char *const head[NCOL] = { "case", "base", "new", "change", "95% CI", "p", "adj p", "verdict" };
	char cell[NCOL][320];
	int w[NCOL];
	const char *pre = md ? "" : "# ";
	widths(c, head, w);
	if (md) {
		print_header_line(c, out, "");
		fputc('\n', out);
		fputs("| case | base | new | change | 95% CI | p | adj p | verdict |\n", out);
		fputs("|---|--:|--:|--:|--:|--:|--:|---|\n", out);
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
			fprintf(out, "| `%s` | %s | %s | %s | %s | %s | %s | %s%s%s |\n", cell[COL_CASE], cell[COL_BASE],
				cell[COL_NEW], cell[COL_CHANGE], cell[COL_CI], cell[COL_P], cell[COL_PADJ], bad ? "**" : "",
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
		fprintf(out, "| geometric mean | | | %s | | | | |\n\n", gm);
	else
		fprintf(out, "%-*s  %*s  %*s  %*s\n", w[COL_CASE], "geometric mean", w[COL_BASE], "", w[COL_NEW], "",
			w[COL_CHANGE], gm);
	print_entry_notes(c, out, md);
	if (c->few_reps)
		fprintf(out, "%s%zu case(s) with fewer than %d repetitions on a side: unsure\n", pre, c->few_reps,
			PB_COMPARE_MIN_REPS);
	print_checks(c, out, md ? "- " : "# ");
	print_summary_line(c, out, md ? (c->slower ? "**Regression:** " : "") : "# ");
	print_gate_line(c, out, md ? "\n" : "# ");
}

static void csv_num(struct pb_strbuf *b, double v, int last)
{
	char num[40];
	snprintf(num, sizeof num, "%.17g", v);
	pb_csv_append(b, num, last);
}

/* The case key's columns and the metric of one CSV row. */
static void csv_key(struct pb_strbuf *b, const struct pb_raw_row *k, const char *metric)
{
	char num[40];
	pb_csv_append(b, k->workload, 0);
	snprintf(num, sizeof num, "%llu", k->size);
	pb_csv_append(b, num, 0);
	pb_csv_append(b, k->params, 0);
	pb_csv_append(b, k->variant, 0);
	snprintf(num, sizeof num, "%d", k->workers);
	pb_csv_append(b, num, 0);
	snprintf(num, sizeof num, "%llu", k->tasks);
	pb_csv_append(b, num, 0);
	snprintf(num, sizeof num, "%llu", k->chunk);
	pb_csv_append(b, num, 0);
	pb_csv_append(b, k->schedule, 0);
	pb_csv_append(b, k->bind, 0);
	pb_csv_append(b, metric, 0);
}

/*
 * --format csv: one row per entry, then a geometric-mean row.  The columns up
 * to verdict are those of earlier versions; p_adj (Holm, one-sided in the
 * change's direction, empty outside the family), stat_verdict (before the
 * guard), withheld (1: looks slower, withheld: the gate is unsure) and note
 * (why unsure, or what was left out) come after them.
 */
static void print_csv(const struct pb_comparison *c, FILE *out)
{
	struct pb_strbuf b = { 0 };
	fputs("workload,size,params,variant,workers,tasks,chunk,schedule,bind,metric,base_reps,new_reps,"
	      "base_median,new_median,ratio,ci_lo,ci_hi,ci_exact,p,verdict,p_adj,stat_verdict,withheld,note\n",
	      out);
	for (size_t i = 0; i < c->n; i++) {
		const struct pb_compare_entry *e = &c->entries[i];
		char num[40];
		b.len = 0;
		csv_key(&b, &e->key, metric_name(c->opts.metric));
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
			pb_csv_append(&b, pb_verdict_name(s->verdict), 0);
			if (s->in_family)
				csv_num(&b, s->p_adj, 0);
			else
				pb_csv_append(&b, "", 0);
			pb_csv_append(&b, pb_verdict_name(s->stat_verdict), 0);
			pb_csv_append(&b, e->withheld ? "1" : "0", 0);
			char note[400];
			snprintf(note, sizeof note, "%s%s%s", e->guard, e->guard[0] && e->note[0] ? "; " : "", e->note);
			pb_csv_append(&b, note, 1);
		} else {
			const char *v = e->kind == PB_ENTRY_ONLY_BASE ? "only_base"
					: e->kind == PB_ENTRY_ONLY_NEW ? "only_new"
									 : "not_comparable";
			for (int f = 0; f < 9; f++)
				pb_csv_append(&b, "", 0);
			pb_csv_append(&b, v, 0);
			for (int f = 0; f < 3; f++)
				pb_csv_append(&b, "", 0);
			pb_csv_append(&b, e->why, 1);
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
	for (int f = 0; f < 8; f++)
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

/* Warnings on stderr: what compare could not check, and what it found. */
static void warn_about(const char *who, const struct pb_comparison *c, char note[2][4400], const int lr[2])
{
	static const char *const name[2] = { "BASE", "NEW" };
	for (int s = 0; s < 2; s++)
		if (lr[s] != 0)
			pb_warn("%s: %s: %s; the machine and load checks are skipped for it", who, name[s], note[s]);
	if (c->machine_changed)
		pb_warn("%s: the machine changed between the runs (%s): every verdict is unsure (exit %d)", who,
			c->machine_why, PB_EXIT_UNSURE);
	char why[256];
	if (pb_plugins_changed(&c->facts[0], &c->facts[1], why, sizeof why))
		pb_warn("%s: plugin %s is another file in NEW than in BASE: its cases compare different code", who, why);
	if (c->few_reps)
		pb_warn("%s: %zu case(s) have fewer than %d repetitions on a side: their verdict is unsure (run with -r %d or more)",
			who, c->few_reps, PB_COMPARE_MIN_REPS, PB_COMPARE_MIN_REPS);
	if (c->unverified)
		pb_warn("%s: %zu case(s) include repetitions that failed verification", who, c->unverified);
	if (c->withheld)
		pb_warn("%s: %zu case(s) look slower but were disturbed or noisy: unsure (exit %d), not a regression", who,
			c->withheld, PB_EXIT_UNSURE);
}

int pb_compare_paths(const char *who, const char *base, const char *cur, const struct pb_compare_opts *o,
		     struct pb_comparison *keep)
{
	struct pb_raw rb, rn;
	struct pb_run_facts f[2];
	struct pb_comparison c;
	char err[PB_ERR_MAX], note[2][4400];
	int lr[2];
	if (pb_raw_read(base, &rb, err, sizeof err) != 0) {
		pb_err("%s: %s", who, err);
		return 2;
	}
	if (pb_raw_read(cur, &rn, err, sizeof err) != 0) {
		pb_raw_free(&rb);
		pb_err("%s: %s", who, err);
		return 2;
	}
	lr[0] = pb_run_facts_load(base, &f[0], note[0], sizeof note[0]);
	lr[1] = pb_run_facts_load(cur, &f[1], note[1], sizeof note[1]);
	int rc = pb_compare_runs(&rb, &rn, &f[0], &f[1], o, &c, err, sizeof err);
	pb_raw_free(&rb);
	pb_raw_free(&rn);
	if (rc != 0) {
		pb_err("%s: '%s' and '%s': %s", who, base, cur, err);
		return 2;
	}
	warn_about(who, &c, note, lr);
	pb_comparison_print(&c, stdout);
	pb_stdout_flush();
	rc = pb_comparison_status(&c);
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
	{ "alpha", 0, "A", 0, "family-wise level: the chance that unchanged code fails anywhere (default 0.01; Holm over the cases)", NULL },
	{ "max-cv", 0, "PCT", 0, "a side noisier than PCT percent robust CV is unsure, never slower (default 20)", NULL },
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
		      "BASE and NEW are results directories or raw.csv files.  A case is slower when it is more than\n"
		      "PCT (default 5) slower and its one-sided Mann-Whitney p, Holm-adjusted over all compared cases,\n"
		      "is below A (default 0.01: the chance that unchanged code fails anywhere).  Disturbed\n"
		      "repetitions are left out; a case left with too few, noisier than --max-cv (default 20), or\n"
		      "compared across changed machines is unsure, never slower.\n"
		      "Exit status: 1 a case is slower (or failed verification), 3 no case slower but a verdict was\n"
		      "withheld (disturbed, noisy, machine changed), 0 otherwise, 2 bad input.\n",
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
