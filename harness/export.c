/* export.c: the results (and a comparison) as JSON, CSV and Markdown files for other tools. */
#include "export.h"
#include "meta.h"
#include "table.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- loading ---- */

int pb_meta_cores(json_t *meta)
{
	json_t *c = json_object_get(json_object_get(meta, "machine"), "cores");
	if (json_is_integer(c) && json_integer_value(c) > 0 && json_integer_value(c) < 1 << 20)
		return (int)json_integer_value(c);
	return 0;
}

int pb_results_load(const char *dir, struct pb_results *r, char *err, size_t errlen)
{
	struct pb_counters ctr;
	memset(r, 0, sizeof *r);
	if (pb_raw_read(dir, &r->raw, err, errlen) != 0)
		return -1;
	if (pb_summary_compute(&r->raw, &r->rows, &r->n, err, errlen) != 0)
		goto fail;
	/* counters.csv is extra: one that cannot be read (an older layout) leaves the counters out, said once */
	if (pb_counters_read(dir, &ctr, r->counters_problem, sizeof r->counters_problem) == 0) {
		pb_summary_add_counters(r->rows, r->n, &ctr);
		pb_counters_free(&ctr);
	}
	if (pb_meta_load(dir, &r->meta, r->meta_problem, sizeof r->meta_problem) < 0)
		r->meta = NULL;
	r->cores = pb_meta_cores(r->meta);
	r->cores_from_meta = r->cores > 0;
	if (!r->cores_from_meta)
		r->cores = pb_available_cpus();
	if (pb_analyse(r->rows, r->n, r->cores, &r->an) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return 0;
fail:
	pb_results_free(r);
	return -1;
}

void pb_results_free(struct pb_results *r)
{
	pb_analysis_free(&r->an);
	if (r->meta)
		json_decref(r->meta);
	free(r->rows);
	pb_raw_free(&r->raw);
	memset(r, 0, sizeof *r);
}

/* ---- writing ---- */

/* A finite number, or null (JSON has no NaN). */
static json_t *num(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

/* Set key on o, taking v (jansson's _new convention). */
static void put(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
}

static void put_key(json_t *o, const struct pb_raw_row *k)
{
	put(o, "workload", json_string(k->workload));
	put(o, "size", json_integer((json_int_t)k->size));
	put(o, "params", json_string(k->params));
	put(o, "variant", json_string(k->variant));
	put(o, "workers", json_integer(k->workers));
	put(o, "tasks", json_integer((json_int_t)k->tasks));
	put(o, "chunk", json_integer((json_int_t)k->chunk));
	put(o, "schedule", json_string(k->schedule));
	put(o, "bind", json_string(k->bind));
}

/* One case: summary.csv's columns in its order, then the result and every repetition's time. */
static json_t *case_json(const struct pb_sumrow *r, const struct pb_case *c)
{
	json_t *o = json_object();
	put_key(o, &r->key);
	put(o, "reps", json_integer((json_int_t)r->st.n));
	put(o, "median_s", num(r->st.median));
	put(o, "min_s", num(r->st.min));
	put(o, "max_s", num(r->st.max));
	put(o, "mean_s", num(r->st.mean));
	put(o, "stddev_s", num(r->st.stddev));
	put(o, "ci_lo_s", num(r->st.ci_lo));
	put(o, "ci_hi_s", num(r->st.ci_hi));
	put(o, "outliers", json_integer(r->st.outliers));
	put(o, "speedup", r->has_speedup ? num(r->speedup) : json_null());
	put(o, "efficiency", r->has_speedup ? num(r->efficiency) : json_null());
	put(o, "verified", json_boolean(r->verified));
	put(o, "setup_s", num(r->setup_s));
	put(o, "user_s", num(r->user_s));
	put(o, "sys_s", num(r->sys_s));
	json_t *ctr = json_object();
	for (int e = 0; e < r->nctr; e++)
		put(ctr, r->ctr_event[e], num(r->ctr_median[e]));
	put(o, "counters", ctr);
	/* a mechanism case's figures (parbench mech), null for run's cases, as summary.csv leaves them empty */
	put(o, "per_op_s", r->is_mech ? num(r->per_op_s) : json_null());
	put(o, "per_op_ci_lo_s", r->is_mech ? num(r->per_op_lo_s) : json_null());
	put(o, "per_op_ci_hi_s", r->is_mech ? num(r->per_op_hi_s) : json_null());
	put(o, "bytes_per_s", r->is_mech && !isnan(r->bytes_per_s) ? num(r->bytes_per_s) : json_null());
	put(o, "result", json_string(r->key.result));
	json_t *t = json_array();
	for (size_t i = 0; c && i < c->n; i++)
		json_array_append_new(t, num(c->wall_s[i]));
	put(o, "times_s", t);
	return o;
}

static json_t *fit_json(const struct pb_fit *f, int usl)
{
	json_t *o = json_object();
	put(o, "t1_s", num(f->t1));
	if (usl) {
		put(o, "alpha", num(f->alpha));
		put(o, "beta", num(f->beta));
		put(o, "best_workers", isfinite(f->best_p) ? num(f->best_p) : json_null());
		put(o, "best_workers_int", f->best_p_int ? json_integer(f->best_p_int) : json_null());
	} else {
		put(o, "serial_fraction", num(f->alpha));
		put(o, "max_speedup_over_t1", f->alpha > 0 ? num(1 / f->alpha) : json_null());
	}
	put(o, "points", json_integer(f->npoints));
	put(o, "r2", num(f->r2));
	put(o, "max_rel_err", num(f->max_rel_err));
	return o;
}

static json_t *sweep_json(const struct pb_analysis *a, const struct pb_sweep *s)
{
	json_t *o = json_object();
	const struct pb_raw_row *k = &a->rows[s->idx[0]].key;
	put_key(o, k);
	json_object_del(o, "workers");
	json_t *w = json_array(), *t = json_array();
	for (size_t i = 0; i < s->n; i++) {
		json_array_append_new(w, json_integer(a->rows[s->idx[i]].key.workers));
		json_array_append_new(t, num(a->rows[s->idx[i]].st.median));
	}
	put(o, "workers", w);
	put(o, "median_s", t);
	put(o, "best_measured_workers", json_integer(s->best_p));
	put(o, "scaling_stops_at", s->stop_p ? json_integer(s->stop_p) : json_null());
	put(o, "amdahl", s->has_amdahl ? fit_json(&s->amdahl, 0) : json_null());
	put(o, "usl", s->has_usl ? fit_json(&s->usl, 1) : json_null());
	return o;
}

static json_t *results_json(const struct pb_results *r)
{
	json_t *o = json_object();
	put(o, "schema", json_string("parbench-results/1"));
	put(o, "run_id", json_string(r->n ? r->raw.rows[0].run_id : ""));
	json_t *cmd = json_object_get(r->meta, "command");
	put(o, "command", cmd ? json_incref(cmd) : json_null());
	json_t *app = json_object_get(r->meta, "appended");
	if (app)
		put(o, "appended", json_incref(app));
	json_t *m = json_object(), *mm = json_object_get(r->meta, "machine");
	static const char *const facts[] = { "host", "cpu_model", "packages", "cores", "pus", "numa_nodes" };
	for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
		json_t *v = json_object_get(mm, facts[i]);
		if (v)
			put(m, facts[i], json_incref(v));
	}
	put(o, "machine", m);
	json_t *cases = json_array();
	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(cases, case_json(&r->rows[i], i < r->raw.ncases ? &r->raw.cases[i] : NULL));
	put(o, "results", cases);
	json_t *fits = json_array();
	for (size_t i = 0; i < r->an.nsweeps; i++)
		json_array_append_new(fits, sweep_json(&r->an, &r->an.sweeps[i]));
	put(o, "fits", fits);
	return o;
}

/* json as indented text, atomically into path. */
static int write_json(const char *path, json_t *j, char *err, size_t errlen)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	if (!s) {
		snprintf(err, errlen, "cannot write '%s': out of memory", path);
		return -1;
	}
	size_t l = strlen(s);
	s[l] = '\n'; /* in the place of the NUL: the file ends with a newline */
	int rc = pb_write_file_atomic(path, s, l + 1, err, errlen);
	free(s);
	return rc;
}

/* What fill writes to a memory stream, atomically into path. */
static int write_stream(const char *path, void (*fill)(FILE *f, const void *ctx), const void *ctx, char *err,
			size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	fill(f, ctx);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		snprintf(err, errlen, "cannot write '%s': out of memory", path);
		return -1;
	}
	int rc = pb_write_file_atomic(path, buf, len, err, errlen);
	free(buf);
	return rc;
}

static void fill_md(FILE *f, const void *ctx)
{
	const struct pb_results *r = ctx;
	fprintf(f, "# parbench results: %s\n\n", r->n ? r->raw.rows[0].run_id : "");
	pb_tab_print(f, 1, r->rows, r->n);
}

int pb_export_results(const struct pb_export_files *f, const struct pb_results *r, char *err, size_t errlen)
{
	if (f->json) {
		json_t *j = results_json(r);
		int rc = write_json(f->json, j, err, errlen);
		json_decref(j);
		if (rc != 0)
			return -1;
	}
	if (f->csv && pb_summary_write(f->csv, r->rows, r->n, err, errlen) != 0)
		return -1;
	if (f->md && write_stream(f->md, fill_md, r, err, errlen) != 0)
		return -1;
	return 0;
}

int pb_export_dir(const struct pb_export_files *f, const char *dir, char *err, size_t errlen)
{
	struct pb_results r;
	if (!f->json && !f->csv && !f->md)
		return 0;
	if (pb_results_load(dir, &r, err, errlen) != 0)
		return -1;
	int rc = pb_export_results(f, &r, err, errlen);
	pb_results_free(&r);
	return rc;
}

/* ---- a comparison ---- */

static const char *entry_status(enum pb_entry_kind k)
{
	return k == PB_ENTRY_COMPARED	   ? "compared"
	       : k == PB_ENTRY_ONLY_BASE ? "only_base"
	       : k == PB_ENTRY_ONLY_NEW	   ? "only_new"
					   : "not_comparable";
}

static json_t *comparison_json(const struct pb_comparison *c)
{
	json_t *o = json_object();
	const struct pb_compare_opts *op = &c->opts;
	put(o, "schema", json_string("parbench-compare/1"));
	put(o, "metric", json_string(op->metric == PB_METRIC_SPEEDUP	? "speedup"
				     : op->metric == PB_METRIC_EFFICIENCY ? "efficiency"
									  : "time"));
	put(o, "threshold", num(op->threshold));
	put(o, "alpha", num(op->alpha));
	json_t *cases = json_array();
	for (size_t i = 0; i < c->n; i++) {
		const struct pb_compare_entry *e = &c->entries[i];
		json_t *x = json_object();
		put_key(x, &e->key);
		put(x, "status", json_string(entry_status(e->kind)));
		if (e->kind == PB_ENTRY_COMPARED) {
			const struct pb_sample_cmp *s = &e->cmp;
			put(x, "base_reps", json_integer((json_int_t)s->n_base));
			put(x, "new_reps", json_integer((json_int_t)s->n_new));
			put(x, "base_median", num(s->base_median));
			put(x, "new_median", num(s->new_median));
			put(x, "ratio", num(s->ratio));
			put(x, "ci_lo", num(s->ci_lo));
			put(x, "ci_hi", num(s->ci_hi));
			put(x, "ci_exact", json_boolean(s->ci_exact));
			put(x, "p", num(s->p));
			put(x, "p_adj", num(s->p_adj));
			put(x, "stat_verdict", json_string(pb_verdict_name(s->stat_verdict)));
			put(x, "verdict", json_string(pb_verdict_name(s->verdict)));
			put(x, "withheld", json_boolean(e->withheld));
			if (e->guard[0])
				put(x, "guard", json_string(e->guard));
			if (e->note[0])
				put(x, "note", json_string(e->note));
		} else if (e->why[0]) {
			put(x, "why", json_string(e->why));
		}
		put(x, "unverified", json_boolean(e->unverified));
		json_array_append_new(cases, x);
	}
	put(o, "cases", cases);
	json_t *s = json_object();
	put(s, "compared", json_integer((json_int_t)c->compared));
	put(s, "slower", json_integer((json_int_t)c->slower));
	put(s, "faster", json_integer((json_int_t)c->faster));
	put(s, "same", json_integer((json_int_t)c->same));
	put(s, "unsure", json_integer((json_int_t)c->unsure));
	put(s, "only_base", json_integer((json_int_t)c->only_base));
	put(s, "only_new", json_integer((json_int_t)c->only_new));
	put(s, "not_comparable", json_integer((json_int_t)c->not_comparable));
	put(s, "failed_verification", json_integer((json_int_t)c->failed_verification));
	put(s, "geomean", num(c->geomean));
	put(s, "family", json_integer((json_int_t)c->family));
	put(s, "withheld", json_integer((json_int_t)c->withheld));
	put(s, "machine_changed", json_boolean(c->machine_changed));
	put(s, "exit_status", json_integer(pb_comparison_status(c)));
	put(o, "summary", s);
	return o;
}

struct cmp_fmt {
	const struct pb_comparison *c;
	enum pb_format format;
};

static void fill_cmp(FILE *f, const void *ctx)
{
	const struct cmp_fmt *x = ctx;
	struct pb_comparison c = *x->c;
	c.opts.format = x->format;
	pb_comparison_print(&c, f);
}

int pb_export_comparison(const struct pb_export_files *f, const struct pb_comparison *c, char *err, size_t errlen)
{
	if (f->json) {
		json_t *j = comparison_json(c);
		int rc = write_json(f->json, j, err, errlen);
		json_decref(j);
		if (rc != 0)
			return -1;
	}
	struct cmp_fmt csv = { c, PB_FORMAT_CSV }, md = { c, PB_FORMAT_MD };
	if (f->csv && write_stream(f->csv, fill_cmp, &csv, err, errlen) != 0)
		return -1;
	if (f->md && write_stream(f->md, fill_cmp, &md, err, errlen) != 0)
		return -1;
	return 0;
}
