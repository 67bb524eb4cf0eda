/* plots.c: the plots of a results directory: data files under plots/, rendered with gnuplot by the scripts in scripts/. */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The fields a plot's series (legend entries) may differ in, besides the variant. */
enum {
	F_SIZE = 1 << 0,
	F_PARAMS = 1 << 1,
	F_WORKERS = 1 << 2,
	F_TASKS = 1 << 3,
	F_CHUNK = 1 << 4,
	F_SCHED = 1 << 5,
	F_BIND = 1 << 6,
	F_ALL = (1 << 7) - 1,
};

/* Whether rows a and b agree on the fields in mask (and always on workload). */
static int agree(const struct pb_raw_row *a, const struct pb_raw_row *b, int mask)
{
	return strcmp(a->workload, b->workload) == 0 && (!(mask & F_SIZE) || a->size == b->size) &&
	       (!(mask & F_PARAMS) || strcmp(a->params, b->params) == 0) &&
	       (!(mask & F_WORKERS) || a->workers == b->workers) && (!(mask & F_TASKS) || a->tasks == b->tasks) &&
	       (!(mask & F_CHUNK) || a->chunk == b->chunk) &&
	       (!(mask & F_SCHED) || strcmp(a->schedule, b->schedule) == 0) &&
	       (!(mask & F_BIND) || strcmp(a->bind, b->bind) == 0);
}

/* Serial runs once per task count, always chunk 1 and static: its chunk and schedule mean nothing. */
static int is_serial(const struct pb_raw_row *k)
{
	return strcmp(k->variant, "serial") == 0;
}

/* The fields among mask in which the rows idx[0..n) do not all agree (serial's chunk and schedule aside). */
static int varying(const struct pb_sumrow *rows, const size_t *idx, size_t n, int mask)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			const struct pb_raw_row *a = &rows[idx[i]].key, *b = &rows[idx[j]].key;
			int m = is_serial(a) || is_serial(b) ? mask & ~(F_CHUNK | F_SCHED) : mask;
			for (int bit = 1; bit < F_ALL; bit <<= 1)
				if ((m & bit) && !agree(a, b, bit))
					v |= bit;
		}
	return v;
}

/* A legend entry: the variant, then the fields in mask, with '"' replaced (it quotes the entry). */
static void series_label(char *buf, size_t len, const struct pb_raw_row *k, int mask)
{
	size_t p = (size_t)snprintf(buf, len, "%s", k->variant);
	if (is_serial(k))
		mask &= ~(F_CHUNK | F_SCHED);
#define ADD(...) do { if (p < len) p += (size_t)snprintf(buf + p, len - p, __VA_ARGS__); } while (0)
	if (mask & F_WORKERS)
		ADD(" j=%d", k->workers);
	if (mask & F_SIZE)
		ADD(" n=%llu", k->size);
	if (mask & F_PARAMS)
		ADD(" %s", k->params);
	if (mask & F_TASKS)
		ADD(" T=%llu", k->tasks);
	if (mask & F_CHUNK)
		ADD(" c=%llu", k->chunk);
	if (mask & F_SCHED)
		ADD(" %s", k->schedule);
	if (mask & F_BIND)
		ADD(" bind=%s", k->bind);
#undef ADD
	for (char *s = buf; *s; s++)
		if (*s == '"' || *s == '\n' || *s == '\r')
			*s = '\'';
}

/* Sort context: series fields, then the x value. */
struct order {
	const struct pb_sumrow *rows;
	int series_mask;
	double (*x)(const struct pb_sumrow *r);
};

static int cmp_rows(const struct order *o, size_t ia, size_t ib)
{
	const struct pb_raw_row *a = &o->rows[ia].key, *b = &o->rows[ib].key;
	int c = pb_variant_rank(a->variant) - pb_variant_rank(b->variant);
	if (c == 0)
		c = strcmp(a->variant, b->variant);
#define NUM(f, bit) if (c == 0 && (o->series_mask & (bit)) && a->f != b->f) c = a->f < b->f ? -1 : 1
#define STRF(f, bit) if (c == 0 && (o->series_mask & (bit))) c = strcmp(a->f, b->f)
	NUM(workers, F_WORKERS);
	NUM(size, F_SIZE);
	STRF(params, F_PARAMS);
	NUM(tasks, F_TASKS);
	NUM(chunk, F_CHUNK);
	STRF(schedule, F_SCHED);
	STRF(bind, F_BIND);
#undef NUM
#undef STRF
	if (c == 0) {
		double xa = o->x(&o->rows[ia]), xb = o->x(&o->rows[ib]);
		c = xa < xb ? -1 : xa > xb;
	}
	return c;
}

/* Insertion sort of idx (plots hold few rows); stable, so file order breaks ties. */
static void sort_idx(size_t *idx, size_t n, const struct order *o)
{
	for (size_t i = 1; i < n; i++) {
		size_t v = idx[i], j = i;
		while (j > 0 && cmp_rows(o, idx[j - 1], v) > 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

static double x_workers(const struct pb_sumrow *r) { return r->key.workers; }
static double x_chunk(const struct pb_sumrow *r) { return (double)r->key.chunk; }

static double sleep_ms(const struct pb_raw_row *k)
{
	char v[64];
	char *end;
	if (strcmp(k->workload, "sleep") != 0 || pb_params_get(k->params, "ms", v, sizeof v) != 0)
		return NAN;
	double ms = strtod(v, &end);
	return *end || end == v || ms < 0 ? NAN : ms;
}

static unsigned long long items_per_task(const struct pb_raw_row *k)
{
	return k->tasks ? (k->size + k->tasks - 1) / k->tasks : 0;
}

double pb_sleep_task_ms(const struct pb_raw_row *k)
{
	return sleep_ms(k) * (double)items_per_task(k);
}

double pb_sleep_ideal_s(unsigned long long size, unsigned long long tasks, int workers, double ms)
{
	if (!tasks || workers < 1)
		return NAN;
	unsigned long long rounds = (tasks + (unsigned long long)workers - 1) / (unsigned long long)workers;
	return (double)rounds * (double)((size + tasks - 1) / tasks) * ms / 1000.0;
}

static double x_task_ms(const struct pb_sumrow *r) { return pb_sleep_task_ms(&r->key); }

static void put_num(FILE *f, double x)
{
	char b[64];
	if (!isfinite(x)) {
		fputs(" NaN", f);
		return;
	}
	pb_fmt_double(b, sizeof b, x);
	fprintf(f, " %s", b);
}

/* Columns of one point of a data file. */
typedef void (*point_fn)(FILE *f, const struct pb_sumrow *r);

static void pt_scaling(FILE *f, const struct pb_sumrow *r)
{
	double ref = r->has_speedup ? r->serial_median : NAN;
	put_num(f, r->key.workers);
	put_num(f, r->st.median);
	put_num(f, r->st.ci_lo);
	put_num(f, r->st.ci_hi);
	put_num(f, r->has_speedup ? r->speedup : NAN);
	put_num(f, r->st.ci_hi > 0 ? ref / r->st.ci_hi : NAN);
	put_num(f, r->st.ci_lo > 0 ? ref / r->st.ci_lo : NAN);
	put_num(f, r->has_speedup ? r->efficiency : NAN);
	put_num(f, r->st.ci_hi > 0 ? ref / r->st.ci_hi / r->key.workers : NAN);
	put_num(f, r->st.ci_lo > 0 ? ref / r->st.ci_lo / r->key.workers : NAN);
}

static const char scaling_cols[] =
	"workers median_s ci_lo_s ci_hi_s speedup speedup_lo speedup_hi efficiency efficiency_lo efficiency_hi";

static void pt_chunk(FILE *f, const struct pb_sumrow *r)
{
	put_num(f, (double)r->key.chunk);
	put_num(f, r->st.median);
	put_num(f, r->st.ci_lo);
	put_num(f, r->st.ci_hi);
}

static void pt_dispatch(FILE *f, const struct pb_sumrow *r)
{
	double t = r->key.tasks ? (double)r->key.tasks : NAN;
	double ideal = pb_sleep_ideal_s(r->key.size, r->key.tasks, r->key.workers, sleep_ms(&r->key));
	put_num(f, r->key.workers);
	put_num(f, (r->st.median - ideal) / t * 1e6);
	put_num(f, (r->st.ci_lo - ideal) / t * 1e6);
	put_num(f, (r->st.ci_hi - ideal) / t * 1e6);
}

static void pt_tasklen(FILE *f, const struct pb_sumrow *r)
{
	unsigned long long w = (unsigned long long)r->key.workers;
	double rounds = (double)((r->key.tasks + w - 1) / w);
	put_num(f, pb_sleep_task_ms(&r->key));
	put_num(f, r->st.median / rounds * 1e3);
	put_num(f, r->st.ci_lo / rounds * 1e3);
	put_num(f, r->st.ci_hi / rounds * 1e3);
}

/*
 * Write rows idx[0..n) as a data file: one block per series (rows agreeing
 * on the variant and the fields in series_mask), points sorted by x.
 * Returns the number of series, or -1 with err.
 */
static int write_series(const char *path, const char *comment, const char *cols, const struct pb_sumrow *rows,
			size_t *idx, size_t n, int series_mask, double (*x)(const struct pb_sumrow *), point_fn pt,
			char *err, size_t errlen)
{
	struct order o = { rows, series_mask, x };
	sort_idx(idx, n, &o);
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# %s\n# columns: %s\n", comment, cols);
	int nseries = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pb_raw_row *k = &rows[idx[i]].key;
		if (i == 0 || strcmp(k->variant, rows[idx[i - 1]].key.variant) != 0 ||
		    !agree(k, &rows[idx[i - 1]].key, series_mask)) {
			char label[256];
			series_label(label, sizeof label, k, series_mask);
			fprintf(f, "%s\"%s\"\n", nseries ? "\n\n" : "", label);
			nseries++;
		}
		pt(f, &rows[idx[i]]);
		fputc('\n', f);
	}
	if (pb_fclose(f) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return nseries;
}

/* Replace every character but [A-Za-z0-9.+-] by '_' (for file names). */
static void sanitize(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '+' || *s == '-'))
			*s = '_';
}

static struct pb_plot *add_plot(struct pb_plotset *set, const char *name, const char *script, const char *section,
				char *err, size_t errlen)
{
	if (set->n == set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 16;
		struct pb_plot *np = realloc(set->plots, nc * sizeof *np);
		if (!np) {
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		set->plots = np;
		set->cap = nc;
	}
	struct pb_plot *p = &set->plots[set->n++];
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	snprintf(p->script, sizeof p->script, "%s", script);
	snprintf(p->section, sizeof p->section, "%s", section);
	return p;
}

static int name_taken(const struct pb_plotset *set, const char *prefix)
{
	size_t l = strlen(prefix);
	for (size_t i = 0; i < set->n; i++)
		if (strncmp(set->plots[i].name, prefix, l) == 0 &&
		    (set->plots[i].name[l] == '-' || set->plots[i].name[l] == '\0'))
			return 1;
	return 0;
}

/*
 * A file-name prefix for the case group of k followed by kind ("" or
 * "-chunks-j2"), unique in set: the fields in mask are added when needed.
 */
static void group_slug(char *buf, size_t len, const struct pb_plotset *set, const struct pb_raw_row *k, int mask,
		       const char *kind)
{
	char base[160];
	pb_textf(base, sizeof base, "%s-n%llu%s%.100s%s", k->workload, k->size, k->params[0] ? "-" : "", k->params,
		 kind);
	sanitize(base);
	snprintf(buf, len, "%s", base);
	if (!name_taken(set, buf))
		return;
	char more[160];
	size_t p = 0;
	more[0] = '\0';
	if (mask & F_WORKERS)
		p += (size_t)snprintf(more + p, sizeof more - p, "-j%d", k->workers);
	if ((mask & F_TASKS) && p < sizeof more)
		p += (size_t)snprintf(more + p, sizeof more - p, "-T%llu", k->tasks);
	if ((mask & F_CHUNK) && p < sizeof more)
		p += (size_t)snprintf(more + p, sizeof more - p, "-c%llu", k->chunk);
	if ((mask & F_SCHED) && p < sizeof more)
		p += (size_t)snprintf(more + p, sizeof more - p, "-%s", k->schedule);
	if ((mask & F_BIND) && p < sizeof more)
		pb_textf(more + p, sizeof more - p, "-%s", k->bind);
	sanitize(more);
	snprintf(buf, len, "%.100s%.50s", base, more);
	for (int i = 2; name_taken(set, buf); i++)
		snprintf(buf, len, "%.100s%.45s-%d", base, more, i);
}

/* "pi n=1000000 method=trial" plus the fields in mask ("T=64 c=1 static bind=none"). */
static void group_title(char *buf, size_t len, const struct pb_raw_row *k, int mask)
{
	size_t p = (size_t)snprintf(buf, len, "%s n=%llu%s%s", k->workload, k->size, k->params[0] ? " " : "",
				    k->params);
#define ADD(...) do { if (p < len) p += (size_t)snprintf(buf + p, len - p, __VA_ARGS__); } while (0)
	if (mask & F_WORKERS)
		ADD(", %d workers", k->workers);
	if (mask & F_TASKS)
		ADD(", %llu tasks", k->tasks);
	if (mask & F_CHUNK)
		ADD(", chunk %llu", k->chunk);
	if (mask & F_SCHED)
		ADD(", %s", k->schedule);
	if ((mask & F_BIND) && strcmp(k->bind, "none") != 0)
		ADD(", bind %s", k->bind);
#undef ADD
}

static size_t distinct_x(const struct pb_sumrow *rows, const size_t *idx, size_t n, double (*x)(const struct pb_sumrow *))
{
	size_t d = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j;
		for (j = 0; j < i; j++)
			if (x(&rows[idx[j]]) == x(&rows[idx[i]]))
				break;
		d += j == i;
	}
	return d;
}

static int has_variant(const struct pb_sumrow *rows, const size_t *idx, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[idx[i]].key.variant, v) == 0)
			return 1;
	return 0;
}

struct ctx {
	const char *dir;
	const struct pb_sumrow *rows;
	size_t n;
	struct pb_plotset *set;
	size_t *idx; /* scratch, n entries */
	char *err;
	size_t errlen;
};

/* Write the data file for one plot family and add its plots; 0 or -1. */
static int emit(struct ctx *c, const char *name, const char *comment, const char *cols, size_t *idx, size_t n,
		int series_mask, double (*x)(const struct pb_sumrow *), point_fn pt, const char *section,
		const char *const *scripts, const char *const *titles, const char *const *suffixes)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.dat", c->dir, name);
	int ns = write_series(path, comment, cols, c->rows, idx, n, series_mask, x, pt, c->err, c->errlen);
	if (ns < 0)
		return -1;
	for (int i = 0; scripts[i]; i++) {
		char pname[200];
		snprintf(pname, sizeof pname, "%s%s", name, suffixes[i]);
		struct pb_plot *p = add_plot(c->set, pname, scripts[i], section, c->err, c->errlen);
		if (!p)
			return -1;
		pb_textf(p->title, sizeof p->title, "%s", titles[i]);
		snprintf(p->vars, sizeof p->vars, "datafile='%s.dat'; nseries=%d", name, ns);
	}
	return 0;
}

/* Per workload: time, speedup, efficiency against workers; image pool against shm. */
static int plan_scaling(struct ctx *c)
{
	const int key = F_ALL & ~F_WORKERS;
	char *done = calloc(c->n ? c->n : 1, 1);
	size_t *sub = malloc((c->n ? c->n : 1) * sizeof *sub);
	int rc = -1;
	if (!done || !sub) {
		snprintf(c->err, c->errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < c->n; i++) {
		if (done[i])
			continue;
		size_t m = 0;
		for (size_t j = i; j < c->n; j++)
			if (!done[j] && agree(&c->rows[i].key, &c->rows[j].key, key)) {
				done[j] = 1;
				c->idx[m++] = j;
			}
		if (distinct_x(c->rows, c->idx, m, x_workers) < 2)
			continue;
		const struct pb_raw_row *k = &c->rows[i].key;
		/* a group of another schedule or chunk still shows its serial reference */
		if (!has_variant(c->rows, c->idx, m, "serial"))
			for (size_t j = 0; j < c->n; j++)
				if (is_serial(&c->rows[j].key) && agree(k, &c->rows[j].key, F_SIZE | F_PARAMS | F_TASKS | F_BIND))
					c->idx[m++] = j;
		char slug[160], title[300], t1[400], t2[400], t3[400], comment[400];
		group_slug(slug, sizeof slug, c->set, k, F_TASKS | F_CHUNK | F_SCHED | F_BIND, "");
		group_title(title, sizeof title, k, F_TASKS | F_CHUNK | F_SCHED | F_BIND);
		snprintf(t1, sizeof t1, "%s: median time", title);
		snprintf(t2, sizeof t2, "%s: speedup over serial", title);
		snprintf(t3, sizeof t3, "%s: parallel efficiency", title);
		snprintf(comment, sizeof comment, "%s: one block per variant", title);
		int any_speedup = 0;
		for (size_t j = 0; j < m; j++)
			any_speedup |= c->rows[c->idx[j]].has_speedup;
		const char *scripts[] = { "time.gp", "speedup.gp", "efficiency.gp", NULL };
		const char *titles[] = { t1, t2, t3 };
		const char *suffixes[] = { "-time", "-speedup", "-efficiency" };
		if (!any_speedup)
			scripts[1] = NULL;
		char name[200];
		snprintf(name, sizeof name, "%s", slug);
		if (emit(c, name, comment, scaling_cols, c->idx, m, 0, x_workers, pt_scaling, k->workload, scripts,
			 titles, suffixes))
			goto out;
		if (strcmp(k->workload, "image") == 0 && has_variant(c->rows, c->idx, m, "pool") &&
		    has_variant(c->rows, c->idx, m, "shm")) {
			size_t ms = 0;
			for (size_t j = 0; j < m; j++)
				if (strcmp(c->rows[c->idx[j]].key.variant, "pool") == 0 ||
				    strcmp(c->rows[c->idx[j]].key.variant, "shm") == 0)
					sub[ms++] = c->idx[j];
			const char *s2[] = { "time.gp", NULL };
			snprintf(t1, sizeof t1, "%s: pool (pipes, copies) against shm (shared memory)", title);
			const char *ti2[] = { t1 };
			const char *su2[] = { "" };
			snprintf(name, sizeof name, "%s-pool-shm", slug);
			if (emit(c, name, "image: pool against shm", scaling_cols, sub, ms, 0, x_workers, pt_scaling,
				 k->workload, s2, ti2, su2))
				goto out;
		}
	}
	rc = 0;
out:
	free(done);
	free(sub);
	return rc;
}

/* Schedule and chunk sweeps: time against chunk, one line per variant and schedule. */
static int plan_chunks(struct ctx *c)
{
	const int key = F_SIZE | F_PARAMS | F_WORKERS | F_TASKS | F_BIND;
	char *done = calloc(c->n ? c->n : 1, 1);
	if (!done) {
		snprintf(c->err, c->errlen, "out of memory");
		return -1;
	}
	int rc = -1;
	for (size_t i = 0; i < c->n; i++) {
		if (done[i])
			continue;
		size_t m = 0;
		for (size_t j = i; j < c->n; j++)
			if (!done[j] && agree(&c->rows[i].key, &c->rows[j].key, key)) {
				done[j] = 1;
				c->idx[m++] = j;
			}
		if (distinct_x(c->rows, c->idx, m, x_chunk) < 2)
			continue;
		const struct pb_raw_row *k = &c->rows[i].key;
		char kind[32], name[160], title[300], t1[400];
		snprintf(kind, sizeof kind, "-chunks-j%d", k->workers);
		group_slug(name, sizeof name, c->set, k, F_TASKS | F_BIND, kind);
		group_title(title, sizeof title, k, F_WORKERS | F_TASKS | F_BIND);
		snprintf(t1, sizeof t1, "%s: time against chunk size", title);
		const char *scripts[] = { "chunk.gp", NULL };
		const char *titles[] = { t1 };
		const char *suffixes[] = { "" };
		if (emit(c, name, t1, "chunk median_s ci_lo_s ci_hi_s", c->idx, m, F_SCHED, x_chunk, pt_chunk,
			 k->workload, scripts, titles, suffixes))
			goto out;
	}
	rc = 0;
out:
	free(done);
	return rc;
}

/* Sleep with ms=0: per-task dispatch overhead; sleep at several ms: process against pool. */
static int plan_sleep(struct ctx *c)
{
	size_t m = 0;
	for (size_t i = 0; i < c->n; i++)
		if (sleep_ms(&c->rows[i].key) == 0 && c->rows[i].key.tasks)
			c->idx[m++] = i;
	if (m) {
		int mask = varying(c->rows, c->idx, m, F_SIZE | F_PARAMS | F_TASKS | F_CHUNK | F_SCHED | F_BIND);
		const char *scripts[] = { "dispatch.gp", NULL };
		const char *titles[] = { "dispatch overhead per task (sleep ms=0)" };
		const char *suffixes[] = { "" };
		if (emit(c, "dispatch", "sleep ms=0: (median - ideal) / tasks, microseconds",
			 "workers overhead_us ci_lo_us ci_hi_us", c->idx, m, mask, x_workers, pt_dispatch, "overheads",
			 scripts, titles, suffixes))
			return -1;
	}
	m = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct pb_sumrow *r = &c->rows[i];
		if (pb_sleep_task_ms(&r->key) > 0 &&
		    (strcmp(r->key.variant, "process") == 0 || strcmp(r->key.variant, "pool") == 0))
			c->idx[m++] = i;
	}
	if (m && distinct_x(c->rows, c->idx, m, x_task_ms) >= 2) {
		int mask = F_WORKERS | varying(c->rows, c->idx, m, F_SIZE | F_TASKS | F_CHUNK | F_SCHED | F_BIND);
		const char *scripts[] = { "tasklen.gp", NULL };
		const char *titles[] = { "process per task against pool: time per task against task length" };
		const char *suffixes[] = { "" };
		if (emit(c, "tasklen", "sleep: median / ceil(tasks / workers), milliseconds, against the task length",
			 "task_ms time_per_task_ms ci_lo_ms ci_hi_ms", c->idx, m, mask, x_task_ms, pt_tasklen, "overheads", scripts,
			 titles, suffixes))
			return -1;
	}
	return 0;
}

/* Across workloads: speedup of each variant at the largest worker count of each group. */
static int plan_bars(struct ctx *c)
{
	const int key = F_ALL & ~F_WORKERS;
	const char *variants[16];
	int nv = 0, ngroups = 0;
	char path[4096];
	for (size_t i = 0; i < c->n; i++) {
		const struct pb_raw_row *k = &c->rows[i].key;
		if (!c->rows[i].has_speedup || strcmp(k->variant, "serial") == 0 || strcmp(k->workload, "sleep") == 0)
			continue;
		int v;
		for (v = 0; v < nv; v++)
			if (strcmp(variants[v], k->variant) == 0)
				break;
		if (v == nv && nv < 16)
			variants[nv++] = k->variant;
	}
	if (nv == 0)
		return 0;
	for (int a = 1; a < nv; a++) /* insertion sort by rank */
		for (int b = a; b > 0 && pb_variant_rank(variants[b - 1]) > pb_variant_rank(variants[b]); b--) {
			const char *t = variants[b];
			variants[b] = variants[b - 1];
			variants[b - 1] = t;
		}
	snprintf(path, sizeof path, "%s/speedup-bars.dat", c->dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(c->err, c->errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# speedup at the largest worker count of each workload; ? = no such case\n\"case\"");
	for (int v = 0; v < nv; v++)
		fprintf(f, " \"%s\"", variants[v]);
	fputc('\n', f);
	char *done = calloc(c->n ? c->n : 1, 1);
	if (!done) {
		fclose(f);
		snprintf(c->err, c->errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct pb_raw_row *k = &c->rows[i].key;
		if (done[i] || strcmp(k->workload, "sleep") == 0)
			continue;
		int wmax = 0, any = 0;
		for (size_t j = i; j < c->n; j++)
			if (agree(k, &c->rows[j].key, key)) {
				done[j] = 1;
				if (c->rows[j].has_speedup && strcmp(c->rows[j].key.variant, "serial") != 0) {
					any = 1;
					if (c->rows[j].key.workers > wmax)
						wmax = c->rows[j].key.workers;
				}
			}
		if (!any)
			continue;
		/* the label shows the size or decomposition only when the workload has other groups */
		int other_size = 0, other_dec = 0;
		for (size_t j = 0; j < c->n; j++) {
			const struct pb_raw_row *o = &c->rows[j].key;
			if (strcmp(o->workload, k->workload) != 0 || agree(k, o, key))
				continue;
			other_size |= o->size != k->size;
			other_dec |= agree(k, o, F_SIZE | F_PARAMS);
		}
		char label[300], size[32] = "", dec[128] = "";
		if (other_size)
			snprintf(size, sizeof size, " n=%llu", k->size);
		if (other_dec)
			pb_textf(dec, sizeof dec, " T=%llu c=%llu %s", k->tasks, k->chunk, k->schedule);
		pb_textf(label, sizeof label, "%s%s%s%s%s j=%d", k->workload, size, k->params[0] ? " " : "", k->params,
			 dec, wmax);
		for (char *s = label; *s; s++)
			if (*s == '"')
				*s = '\'';
		fprintf(f, "\"%s\"", label);
		for (int v = 0; v < nv; v++) {
			double best = NAN;
			for (size_t j = i; j < c->n; j++) {
				const struct pb_sumrow *r = &c->rows[j];
				if (agree(k, &r->key, key) && r->key.workers == wmax && r->has_speedup &&
				    strcmp(r->key.variant, variants[v]) == 0 && (isnan(best) || r->speedup > best))
					best = r->speedup;
			}
			if (isnan(best))
				fputs(" ?", f);
			else
				put_num(f, best);
		}
		fputc('\n', f);
		ngroups++;
	}
	free(done);
	if (pb_fclose(f) != 0) {
		snprintf(c->err, c->errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	if (ngroups == 0)
		return 0;
	struct pb_plot *p = add_plot(c->set, "speedup-bars", "bars.gp", "overview", c->err, c->errlen);
	if (!p)
		return -1;
	snprintf(p->title, sizeof p->title, "speedup over serial at the largest worker count");
	snprintf(p->vars, sizeof p->vars, "datafile='speedup-bars.dat'; nvariants=%d", nv);
	return 0;
}

int pb_plots_prepare(const char *plotdir, const struct pb_sumrow *rows, size_t n, struct pb_plotset *set,
		     char *err, size_t errlen)
{
	memset(set, 0, sizeof *set);
	if (mkdir(plotdir, 0777) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create '%s': %s", plotdir, strerror(errno));
		return -1;
	}
	struct ctx c = { plotdir, rows, n, set, malloc((n ? n : 1) * sizeof(size_t)), err, errlen };
	if (!c.idx) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = plan_scaling(&c) || plan_bars(&c) || plan_sleep(&c) || plan_chunks(&c) ? -1 : 0;
	free(c.idx);
	if (rc)
		pb_plotset_free(set);
	return rc;
}

void pb_plotset_free(struct pb_plotset *set)
{
	free(set->plots);
	memset(set, 0, sizeof *set);
}

/* Run gnuplot with argv in directory dir, output appended to log; its exit status, or -1 (127: not found). */
static int run_gnuplot(const char *dir, const char *log, char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0666);
		int nul = open("/dev/null", O_RDONLY);
		if (fd < 0 || nul < 0 || chdir(dir) != 0)
			_exit(126);
		dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Append 'value' to a gnuplot assignment list as name='value' (quotes doubled). */
static void gp_assign(char *buf, size_t len, const char *name, const char *value)
{
	size_t p = strlen(buf);
	p += (size_t)snprintf(buf + p, p < len ? len - p : 0, "%s%s='", p ? "; " : "", name);
	for (const char *s = value; *s && p + 3 < len; s++) {
		if ((unsigned char)*s < 0x20)
			continue;
		if (*s == '\'')
			buf[p++] = '\'';
		buf[p++] = *s;
	}
	if (p + 2 < len) {
		buf[p++] = '\'';
		buf[p] = '\0';
	}
}

int pb_plots_render(const char *plotdir, const char *scriptdir, const char *gnuplot, struct pb_plotset *set,
		    char *err, size_t errlen)
{
	char log[4096], absdir[PATH_MAX], script[PATH_MAX + 64];
	snprintf(log, sizeof log, "%s/gnuplot.log", plotdir);
	unlink(log);
	if (!realpath(scriptdir, absdir)) {
		snprintf(err, errlen, "cannot find '%s': %s", scriptdir, strerror(errno));
		return -1;
	}
	char *probe[] = { (char *)gnuplot, "-e", "set terminal pngcairo", NULL };
	int rc = run_gnuplot(plotdir, log, probe);
	const char *pngterm = "pngcairo";
	if (rc != 0) {
		char *probe2[] = { (char *)gnuplot, "-e", "set terminal png", NULL };
		rc = run_gnuplot(plotdir, log, probe2);
		pngterm = "png";
	}
	if (rc == 127 || rc < 0) {
		snprintf(err, errlen, "cannot run '%s'", gnuplot);
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "'%s' has neither the pngcairo nor the png terminal", gnuplot);
		return -1;
	}
	int made = 0;
	for (size_t i = 0; i < set->n; i++) {
		struct pb_plot *p = &set->plots[i];
		char vars[2048] = "";
		gp_assign(vars, sizeof vars, "scriptdir", absdir);
		gp_assign(vars, sizeof vars, "pngterm", pngterm);
		gp_assign(vars, sizeof vars, "out", p->name);
		gp_assign(vars, sizeof vars, "plottitle", p->title);
		size_t l = strlen(vars);
		snprintf(vars + l, sizeof vars - l, "; %s", p->vars);
		snprintf(script, sizeof script, "%s/%s", absdir, p->script);
		char png[4400], svg[4400];
		snprintf(png, sizeof png, "%s/%s.png", plotdir, p->name);
		snprintf(svg, sizeof svg, "%s/%s.svg", plotdir, p->name);
		unlink(png);
		unlink(svg);
		char *argv[] = { (char *)gnuplot, "-e", vars, script, NULL };
		struct stat st;
		rc = run_gnuplot(plotdir, log, argv);
		p->made = rc == 0 && stat(png, &st) == 0 && st.st_size > 0;
		if (!p->made) {
			/* a failed gnuplot leaves empty or partial images: none is kept */
			unlink(png);
			unlink(svg);
		} else if (stat(svg, &st) != 0 || st.st_size == 0) {
			unlink(svg);
		}
		made += p->made;
	}
	return made;
}

int pb_find_scripts(char *dir, size_t len, char *err, size_t errlen)
{
	char exe[PATH_MAX], probe[PATH_MAX + 64];
	struct stat st;
	const char *env = getenv("PARBENCH_SCRIPTS");
	if (env && *env) {
		snprintf(probe, sizeof probe, "%s/time.gp", env);
		if (stat(probe, &st) != 0) {
			snprintf(err, errlen, "PARBENCH_SCRIPTS: no time.gp in '%s'", env);
			return -1;
		}
		snprintf(dir, len, "%s", env);
		return 0;
	}
	ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (l <= 0) {
		snprintf(err, errlen, "cannot find the gnuplot scripts: cannot read '/proc/self/exe'");
		return -1;
	}
	exe[l] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	static const char *const rel[] = { "../scripts", "../share/parbench" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(probe, sizeof probe, "%s/%s/time.gp", exe, rel[i]);
		if (stat(probe, &st) == 0) {
			snprintf(dir, len, "%s/%s", exe, rel[i]);
			return 0;
		}
	}
	snprintf(err, errlen, "cannot find the gnuplot scripts in '%s/../scripts' or '%s/../share/parbench' (set PARBENCH_SCRIPTS)",
		 exe, exe);
	return -1;
}
