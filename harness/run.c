/* run.c: the runner: expand the case matrix, prepare, open, warm up, measure, verify, record. */
#include "run.h"
#include "buildinfo.h"
#include "commands.h"
#include "csv.h"
#include "machine.h"
#include "proc.h"
#include "results.h"
#include "stats.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int pb_available_cpus(void); /* run_opts.c */

#define MAX_WARNINGS 128

/* One prepared-job description: a workload at one size with one combination of parameters. */
struct job_spec {
	const struct pb_workload *wl;
	uint64_t size;
	int size_from_user;
	int nparams;
	struct pb_kv params[PB_MAX_PARAMS];
	char params_str[512]; /* "k=v;k=v" for raw.csv */
	uint64_t actual_size; /* job->size after prepare (it may settle a parameter-specific default) */
};

struct runner {
	struct pb_run_opts *o;
	struct job_spec *specs;
	int nspecs;
	struct pb_counters_cfg counters;
	char run_id[64];
	char dir[4096];
	int raw_fd, ctr_fd;
	json_t *meta;
	char warnings[MAX_WARNINGS][256];
	int nwarnings;
	int total_cases, done_cases;
	double t_start;
	int progress_tty;
	int status;
	double timer_res_s;
	/* the first job, prepared by validate and kept for execute (a single job is prepared once) */
	struct pb_job first_job;
	double first_prep_s;
	int have_first;
};

static void add_warning(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_warning(struct runner *r, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (int i = 0; i < r->nwarnings; i++)
		if (strcmp(r->warnings[i], buf) == 0)
			return;
	pb_warn("%s", buf);
	if (r->nwarnings < MAX_WARNINGS)
		snprintf(r->warnings[r->nwarnings++], sizeof r->warnings[0], "%s", buf);
}

/* ---- the matrix ---- */

static uint64_t preset_size(const struct pb_workload *wl, enum pb_size_preset p)
{
	return p == PB_SIZE_QUICK ? wl->quick_size : p == PB_SIZE_FULL ? wl->full_size : wl->default_size;
}

/* Expand workloads x sizes x the cartesian product of the -p values each workload declares. */
static int build_specs(struct runner *r)
{
	struct pb_run_opts *o = r->o;
	int cap = 0;
	for (int w = 0; w < o->nworkloads; w++) {
		const struct pb_workload *wl = o->workloads[w];
		int nsizes = o->nsizes ? o->nsizes : 1;
		/* the -p keys this workload declares, and how many combinations they make */
		int keys[PB_MAX_PARAMS * 2], nkeys = 0;
		long combos = 1;
		for (int i = 0; i < o->nparams; i++) {
			for (const struct pb_param_def *d = wl->params; d && d->key; d++) {
				if (strcmp(d->key, o->params[i].key) == 0) {
					keys[nkeys++] = i;
					combos *= o->params[i].nvals;
				}
			}
		}
		for (int s = 0; s < nsizes; s++) {
			for (long c = 0; c < combos; c++) {
				if (r->nspecs == cap) {
					cap = cap ? cap * 2 : 16;
					struct job_spec *ns = realloc(r->specs, (size_t)cap * sizeof *ns);
					if (!ns) {
						pb_err("out of memory");
						return -1;
					}
					r->specs = ns;
				}
				struct job_spec *sp = &r->specs[r->nspecs++];
				memset(sp, 0, sizeof *sp);
				sp->wl = wl;
				sp->size = o->nsizes ? o->sizes[s] : preset_size(wl, o->preset);
				sp->size_from_user = o->nsizes > 0;
				long rest = c;
				for (const struct pb_param_def *d = wl->params; d && d->key; d++) {
					struct pb_kv *kv = &sp->params[sp->nparams++];
					snprintf(kv->key, sizeof kv->key, "%s", d->key);
					snprintf(kv->val, sizeof kv->val, "%s", d->def ? d->def : "");
					for (int k = 0; k < nkeys; k++) {
						const struct pb_param_arg *pa = &o->params[keys[k]];
						if (strcmp(pa->key, d->key) == 0) {
							snprintf(kv->val, sizeof kv->val, "%s", pa->vals[rest % pa->nvals]);
							rest /= pa->nvals;
						}
					}
				}
			}
		}
	}
	return 0;
}

static void spec_params_str(struct job_spec *sp)
{
	size_t pos = 0;
	sp->params_str[0] = '\0';
	for (int i = 0; i < sp->nparams; i++) {
		if (!sp->params[i].val[0])
			continue;
		int n = snprintf(sp->params_str + pos, sizeof sp->params_str - pos, "%s%s=%s", pos ? ";" : "",
				 sp->params[i].key, sp->params[i].val);
		if (n > 0)
			pos += (size_t)n;
		if (pos >= sizeof sp->params_str)
			pos = sizeof sp->params_str - 1;
	}
}

/* Prepare a job from its spec; 0 or -1 with "<workload>: <why>" printed. prep_s gets its duration. */
static int prepare_job(const struct job_spec *sp, struct pb_job *job, double *prep_s)
{
	char err[512] = "";
	memset(job, 0, sizeof *job);
	job->wl = sp->wl;
	job->size = sp->size;
	job->size_from_user = sp->size_from_user;
	job->nparams = sp->nparams;
	memcpy(job->params, sp->params, sizeof job->params);
	if (sp->wl->max_size && sp->size > sp->wl->max_size) {
		pb_err("%s: size %llu is larger than the maximum %llu", sp->wl->name, (unsigned long long)sp->size,
		       (unsigned long long)sp->wl->max_size);
		return -1;
	}
	double t0 = pb_now();
	if (sp->wl->prepare(job, err, sizeof err) != 0) {
		pb_err("%s: %s", sp->wl->name, err[0] ? err : "cannot prepare");
		sp->wl->release(job);
		return -1;
	}
	*prep_s = pb_now() - t0;
	return 0;
}

/* The task counts of the cases of a prepared job; -1 (printed) if a requested count exceeds the items. */
static int job_tasks(const struct runner *r, const struct pb_job *job, uint64_t *tasks, int *ntasks)
{
	const struct pb_run_opts *o = r->o;
	if (o->ntasks == 0) {
		uint64_t t = job->wl->default_tasks ? job->wl->default_tasks : job->n_items;
		tasks[0] = t < job->n_items ? t : job->n_items;
		if (tasks[0] == 0)
			tasks[0] = 1;
		*ntasks = 1;
		return 0;
	}
	for (int i = 0; i < o->ntasks; i++) {
		if (o->tasks[i] > job->n_items) {
			pb_err("%s: --tasks %llu is more than its %llu items at size %llu", job->wl->name,
			       (unsigned long long)o->tasks[i], (unsigned long long)job->n_items,
			       (unsigned long long)job->size);
			return -1;
		}
		tasks[i] = o->tasks[i];
	}
	*ntasks = o->ntasks;
	return 0;
}

/* Cases of one job: variants x workers x tasks x schedules x chunks; serial once per task count. */
static int count_cases(const struct pb_run_opts *o, int ntasks)
{
	int n = 0;
	for (int v = 0; v < o->nvariants; v++)
		n += strcmp(o->variants[v]->name, "serial") == 0 ? ntasks
								   : o->nworkers * ntasks * o->nscheds * o->nchunks;
	return n;
}

/* ---- files ---- */

static int mkdir_p(const char *path, char *created, size_t cap)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	created[0] = '\0';
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, 0777) == 0) {
				if (!created[0])
					snprintf(created, cap, "%s", buf); /* the top-most directory we made */
			} else if (errno != EEXIST) {
				return -1;
			} else {
				struct stat st;
				if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
					errno = ENOTDIR;
					return -1;
				}
			}
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

/* Remove dir and its parents up to and including created (the top-most directory mkdir_p made). */
static void remove_created(const char *dir, const char *created)
{
	char buf[4096];
	size_t top = strlen(created);
	if (!top)
		return;
	snprintf(buf, sizeof buf, "%s", dir);
	while (strlen(buf) >= top) {
		rmdir(buf);
		char *slash = strrchr(buf, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
}

static int write_line(int fd, const char *line)
{
	return pb_write_full(fd, line, strlen(line));
}

static char *iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* Write meta.json atomically (temporary file, then rename). */
static int meta_save(struct runner *r)
{
	char path[4200], tmp[4300];
	snprintf(path, sizeof path, "%s/meta.json", r->dir);
	snprintf(tmp, sizeof tmp, "%s/.meta.json.%ld", r->dir, (long)getpid());
	json_t *w = json_array();
	for (int i = 0; i < r->nwarnings; i++)
		json_array_append_new(w, json_string(r->warnings[i]));
	json_object_set_new(r->meta, "warnings", w);
	if (json_dump_file(r->meta, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		pb_err("cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The machine probes (copy bandwidth, pipe round trip) for meta.json, run in
 * a child process: their 128 MiB of buffers would otherwise stay in this
 * process's peak RSS, which raw.csv's max_rss_kb reports.  -1 on failure.
 */
static void run_probes(double out[2])
{
	int p[2];
	out[0] = out[1] = -1;
	if (pipe(p) != 0)
		return;
	pid_t pid = pb_fork();
	if (pid == 0) {
		double v[2] = { pb_probe_copy_gbs(), pb_probe_pipe_rtt_us() };
		close(p[0]);
		_exit(pb_write_full(p[1], v, sizeof v) == 0 ? 0 : 1);
	}
	close(p[1]);
	if (pid > 0) {
		if (pb_read_full(p[0], out, 2 * sizeof(double)) != 0)
			out[0] = out[1] = -1;
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		pb_proc_unregister(pid);
	}
	close(p[0]);
}

static json_t *build_meta(struct runner *r)
{
	char buf[64];
	json_t *m = json_object();
	json_object_set_new(m, "run_id", json_string(r->run_id));
	json_object_set_new(m, "parbench_version", json_string(PB_VERSION));
	json_t *cmd = json_array();
	json_array_append_new(cmd, json_string("parbench"));
	for (int i = 0; i < r->o->argc; i++)
		json_array_append_new(cmd, json_string(r->o->argv[i]));
	json_object_set_new(m, "command", cmd);
	json_object_set_new(m, "start_time", json_string(iso_time(time(NULL), buf, sizeof buf)));
	json_object_set_new(m, "end_time", json_null());
	json_object_set_new(m, "status", json_string("running"));
	json_t *b = json_object();
	json_object_set_new(b, "compiler", json_string(PB_BUILD_CC));
	json_object_set_new(b, "cflags", json_string(PB_BUILD_CFLAGS));
	json_object_set_new(b, "features", json_string(PB_BUILD_FEATURES));
	json_object_set_new(b, "git_revision", json_string(PB_BUILD_GIT));
	json_object_set_new(m, "build", b);
	json_object_set_new(m, "machine", pb_machine_facts());
	double probe[2];
	run_probes(probe);
	json_t *probes = json_object();
	json_object_set_new(probes, "copy_bandwidth_gbs", json_real(probe[0]));
	json_object_set_new(probes, "pipe_round_trip_us", json_real(probe[1]));
	json_object_set_new(m, "probes", probes);
	json_object_set_new(m, "timer_resolution_s", json_real(r->timer_res_s));
	json_t *c = json_object();
	json_object_set_new(c, "spec", json_string(r->o->counters_spec));
	json_object_set_new(c, "backend", json_string(pb_ctr_backend_name(r->counters.backend)));
	json_t *ev = json_array();
	for (int i = 0; i < r->counters.nevents; i++)
		json_array_append_new(ev, json_string(r->counters.events[i]));
	json_object_set_new(c, "events", ev);
	json_object_set_new(c, "reason", json_string(r->counters.reason));
	json_object_set_new(m, "counters", c);
	json_t *bind = json_object();
	json_object_set_new(bind, "policy", json_string(pb_bind_name(r->o->bind.kind)));
	json_object_set_new(bind, "order", json_string(pb_order_name(r->o->bind.order)));
	json_object_set_new(m, "binding", bind);
	json_t *vars = json_object();
	for (int v = 0; v < r->o->nvariants; v++) {
		const struct pb_executor *e = r->o->variants[v];
		char d[512] = "";
		if (e->describe)
			e->describe(d, sizeof d);
		json_object_set_new(vars, e->name, json_string(d[0] ? d : e->description));
	}
	json_object_set_new(m, "variants", vars);
	json_object_set_new(m, "wait", json_string(pb_wait_name(r->o->wait)));
	json_object_set_new(m, "reps", json_integer(r->o->reps));
	json_object_set_new(m, "warmup", json_integer(r->o->warmup));
	return m;
}

static void make_run_id(char *buf, size_t len)
{
	char t[32];
	struct tm tm;
	time_t now = time(NULL);
	localtime_r(&now, &tm);
	strftime(t, sizeof t, "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "%s-%ld", t, (long)getpid());
}

/* Create (or, with --append, reopen) the results directory and its files; -1 (printed) on failure. */
static int open_results(struct runner *r)
{
	struct pb_run_opts *o = r->o;
	char created[4096] = "", path[4200];
	struct stat st;

	if (o->append) {
		snprintf(r->dir, sizeof r->dir, "%s", o->out_dir);
		snprintf(path, sizeof path, "%s/meta.json", r->dir);
		json_error_t je;
		json_t *old = json_load_file(path, 0, &je);
		const char *id = old ? json_string_value(json_object_get(old, "run_id")) : NULL;
		if (!id) {
			pb_err("cannot append to '%s': no readable meta.json with a run_id", r->dir);
			json_decref(old);
			return -1;
		}
		snprintf(r->run_id, sizeof r->run_id, "%s", id);
		snprintf(path, sizeof path, "%s/raw.csv", r->dir);
		r->raw_fd = open(path, O_WRONLY | O_APPEND);
		if (r->raw_fd < 0) {
			pb_err("cannot append to '%s': %s", path, strerror(errno));
			json_decref(old);
			return -1;
		}
		snprintf(path, sizeof path, "%s/counters.csv", r->dir);
		r->ctr_fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0666);
		r->meta = old;
		json_t *appended = json_object_get(old, "appended");
		if (!json_is_array(appended)) {
			appended = json_array();
			json_object_set_new(old, "appended", appended);
		}
		json_t *cmd = json_array();
		for (int i = 0; i < o->argc; i++)
			json_array_append_new(cmd, json_string(o->argv[i]));
		json_array_append_new(appended, cmd);
		json_t *w = json_object_get(old, "warnings");
		for (size_t i = 0; json_is_array(w) && i < json_array_size(w) && r->nwarnings < MAX_WARNINGS; i++)
			snprintf(r->warnings[r->nwarnings++], sizeof r->warnings[0], "%s",
				 json_string_value(json_array_get(w, i)) ? json_string_value(json_array_get(w, i)) : "");
		json_object_set_new(old, "status", json_string("running"));
		return 0;
	}

	make_run_id(r->run_id, sizeof r->run_id);
	if (o->out_dir[0])
		snprintf(r->dir, sizeof r->dir, "%s", o->out_dir);
	else
		snprintf(r->dir, sizeof r->dir, "results/%s", r->run_id);
	snprintf(path, sizeof path, "%s/raw.csv", r->dir);
	if (stat(path, &st) == 0) {
		pb_err("results directory '%s' already holds a run (use --append, or another --out)", r->dir);
		return -1;
	}
	if (mkdir_p(r->dir, created, sizeof created) != 0) {
		pb_err("cannot create results directory '%s': %s", r->dir, strerror(errno));
		return -1;
	}
	r->raw_fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0666);
	if (r->raw_fd < 0) {
		pb_err("cannot create '%s': %s", path, strerror(errno));
		remove_created(r->dir, created);
		return -1;
	}
	snprintf(path, sizeof path, "%s/counters.csv", r->dir);
	r->ctr_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0666);
	write_line(r->raw_fd, PB_RAW_COLUMNS "\n");
	if (r->ctr_fd >= 0)
		write_line(r->ctr_fd, PB_COUNTERS_COLUMNS "\n");
	r->meta = build_meta(r);
	if (meta_save(r) != 0)
		return -1;
	if (!o->out_dir[0]) {
		/* results/latest -> <run-id>, replaced atomically */
		char tmp[128];
		snprintf(tmp, sizeof tmp, "results/.latest.%ld", (long)getpid());
		unlink(tmp);
		if (symlink(r->run_id, tmp) == 0 && rename(tmp, "results/latest") != 0)
			unlink(tmp);
	}
	return 0;
}

/* ---- measuring ---- */

struct case_desc {
	const struct job_spec *spec;
	const struct pb_executor *ex;
	int workers;
	uint64_t tasks, chunk;
	enum pb_schedule sched;
};

static void case_label(const struct case_desc *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s %s j=%d T=%llu %s c=%llu", c->spec->wl->name, c->spec->params_str[0] ? " " : "",
		 c->spec->params_str, c->ex->name, c->workers, (unsigned long long)c->tasks, pb_sched_name(c->sched),
		 (unsigned long long)c->chunk);
}

static void format_cpus(const struct pb_run_result *res, char *buf, size_t len)
{
	size_t pos = 0;
	buf[0] = '\0';
	for (int w = 0; w < res->nworkers && pos + 2 < len; w++) {
		if (w)
			buf[pos++] = ';';
		pos += pb_cpuset_format(&res->workers[w].cpus, buf + pos, len - pos);
	}
	buf[pos < len ? pos : len - 1] = '\0';
}

static void write_raw_row(struct runner *r, const struct case_desc *c, int rep, double wall, double setup,
			  double user, double sys, long rss, const char *result, int verified, const char *cpus)
{
	char f[20][160], line[8192];
	size_t pos = 0;
	snprintf(f[0], sizeof f[0], "%s", r->run_id);
	snprintf(f[1], sizeof f[1], "%s", c->spec->wl->name);
	snprintf(f[2], sizeof f[2], "%llu", (unsigned long long)c->spec->actual_size);
	snprintf(f[4], sizeof f[4], "%s", c->ex->name);
	snprintf(f[5], sizeof f[5], "%d", c->workers);
	snprintf(f[6], sizeof f[6], "%llu", (unsigned long long)c->tasks);
	snprintf(f[7], sizeof f[7], "%llu", (unsigned long long)c->chunk);
	snprintf(f[8], sizeof f[8], "%s", pb_sched_name(c->sched));
	if (r->o->bind.kind == PB_BIND_NONE)
		snprintf(f[9], sizeof f[9], "none");
	else
		snprintf(f[9], sizeof f[9], "%s-%s", pb_bind_name(r->o->bind.kind), pb_order_name(r->o->bind.order));
	snprintf(f[10], sizeof f[10], "%d", rep);
	snprintf(f[11], sizeof f[11], "%.9f", wall);
	snprintf(f[12], sizeof f[12], "%.9f", setup);
	snprintf(f[13], sizeof f[13], "%.6f", user);
	snprintf(f[14], sizeof f[14], "%.6f", sys);
	snprintf(f[15], sizeof f[15], "%ld", rss);
	snprintf(f[16], sizeof f[16], "%s", result);
	snprintf(f[17], sizeof f[17], "%d", verified);
	for (int i = 0; i < 19; i++) {
		const char *v = i == 3 ? c->spec->params_str : i == 18 ? cpus : f[i];
		pb_csv_field(line, sizeof line, &pos, v, i == 18);
	}
	/* one write per row: an interrupted run leaves whole rows only */
	write_line(r->raw_fd, line);
}

static void write_counter_rows(struct runner *r, const struct case_desc *c, int rep, const struct pb_run_result *res)
{
	if (r->ctr_fd < 0 || r->counters.backend == PB_CTR_NONE)
		return;
	char buf[8192];
	size_t pos = 0;
	for (int e = 0; e < r->counters.nevents; e++) {
		int64_t sum = 0;
		for (int w = 0; w < res->nworkers; w++)
			if (e < res->workers[w].ctr.n)
				sum += res->workers[w].ctr.v[e];
		char f[8][128];
		snprintf(f[0], sizeof f[0], "%s", r->run_id);
		snprintf(f[1], sizeof f[1], "%s", c->spec->wl->name);
		snprintf(f[2], sizeof f[2], "%s", c->ex->name);
		snprintf(f[3], sizeof f[3], "%d", c->workers);
		snprintf(f[4], sizeof f[4], "%d", rep);
		snprintf(f[5], sizeof f[5], "%s", pb_ctr_backend_name(r->counters.backend));
		snprintf(f[6], sizeof f[6], "%s", r->counters.events[e]);
		snprintf(f[7], sizeof f[7], "%lld", (long long)sum);
		for (int i = 0; i < 8; i++)
			pb_csv_field(buf, sizeof buf, &pos, f[i], i == 7);
	}
	write_line(r->ctr_fd, buf);
}

static void progress(struct runner *r, const char *label, const char *what)
{
	if (r->o->quiet)
		return;
	double el = pb_now() - r->t_start;
	char left[64] = "";
	if (r->done_cases > 0) {
		double rem = el / r->done_cases * (r->total_cases - r->done_cases);
		snprintf(left, sizeof left, ", ~%.0f s left", rem);
	}
	char line[1024];
	if (r->progress_tty) {
		int n = snprintf(line, sizeof line, "\r\033[K[%d/%d] %s: %s%s", r->done_cases + 1 > r->total_cases ? r->total_cases : r->done_cases + 1,
				 r->total_cases, label, what, left);
		(void)!write(STDERR_FILENO, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
	} else if (strncmp(what, "median", 6) == 0) {
		int n = snprintf(line, sizeof line, "[%d/%d] %s: %s%s\n", r->done_cases, r->total_cases, label, what, left);
		(void)!write(STDERR_FILENO, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
	}
}

static void progress_done(struct runner *r)
{
	if (!r->o->quiet && r->progress_tty)
		(void)!write(STDERR_FILENO, "\r\033[K", 4);
}

static int table_header_printed;

static void print_table_row(const struct case_desc *c, const struct pb_stats *st, const char *result, int verified)
{
	if (!table_header_printed) {
		printf("%-8s %-12s %-32s %-8s %7s %6s %-8s %6s %11s %11s %11s  %-16s %s\n", "workload", "size", "params",
		       "variant", "workers", "tasks", "schedule", "chunk", "median_s", "min_s", "max_s", "result",
		       "verified");
		table_header_printed = 1;
	}
	printf("%-8s %-12llu %-32s %-8s %7d %6llu %-8s %6llu %11.6f %11.6f %11.6f  %-16s %s\n", c->spec->wl->name,
	       (unsigned long long)c->spec->actual_size, c->spec->params_str[0] ? c->spec->params_str : "-", c->ex->name,
	       c->workers, (unsigned long long)c->tasks, pb_sched_name(c->sched), (unsigned long long)c->chunk,
	       st->median, st->min, st->max, result, verified ? "yes" : "NO");
	fflush(stdout);
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

/* Verify a run's total: every item exactly once, then the workload's own check. */
static int verify_total(const struct pb_job *job, const struct pb_partial *total, char *msg, size_t len)
{
	if (total->items != job->n_items) {
		snprintf(msg, len, "%llu of %llu items were processed", (unsigned long long)total->items,
			 (unsigned long long)job->n_items);
		return -1;
	}
	return job->wl->verify(job, total, msg, len);
}

/*
 * Run one case: open the executor, warm up, measure.  Returns 0; 1 if a
 * result failed verification (recorded, the run goes on); -1 if a run
 * failed (crash, fork failure): the caller stops.
 */
static int run_case(struct runner *r, struct pb_job *job, const struct case_desc *c, double prep_s)
{
	char label[768], err[1024] = "", result[128] = "", cpus[4096], msg[512];
	struct pb_cpuset *places = NULL;
	int over = 0, ret = 0;
	double *walls = calloc((size_t)r->o->reps, sizeof *walls);
	struct pb_exec_opts eo = { .workers = c->workers, .bind = r->o->bind, .counters = &r->counters, .wait = r->o->wait };
	struct pb_run_req req = {
		.sched = { .kind = c->sched, .ntasks = c->tasks, .chunk = c->chunk, .workers = c->workers },
		.n_items = job->n_items,
	};

	case_label(c, label, sizeof label);
	places = calloc((size_t)c->workers, sizeof *places);
	if (!walls || !places) {
		pb_err("out of memory");
		free(walls);
		free(places);
		return -1;
	}
	if (pb_pin_plan(&r->o->bind, c->workers, places, &over, err, sizeof err) != 0) {
		pb_err("%s: %s", label, err); /* validated before the run; kept for safety */
		free(walls);
		free(places);
		return -1;
	}
	eo.places = places;
	if (over && r->o->bind.kind != PB_BIND_NONE)
		add_warning(r, "%d workers with --bind %s: more workers than places, placement wraps round-robin",
			    c->workers, pb_bind_name(r->o->bind.kind));
	if (c->workers > pb_available_cpus())
		add_warning(r, "%d workers on %d CPUs: the run is oversubscribed", c->workers, pb_available_cpus());

	progress(r, label, "starting");
	double t0 = pb_now();
	struct pb_exec *ex = c->ex->open(&eo, job, err, sizeof err);
	double open_s = pb_now() - t0;
	if (!ex) {
		pb_err("%s", err);
		free(walls);
		free(places);
		return -1;
	}
	double setup_s = prep_s + open_s;
	int nrows = 0, verified_all = 1;
	for (long i = 0; i < r->o->warmup + r->o->reps; i++) {
		int measured = i >= r->o->warmup;
		struct pb_run_result res;
		struct rusage ru0, ru1;
		if (job->out)
			memset(job->out, 0xA5, job->out_len); /* poison: a run that skips output cannot verify */
		memset(&res, 0, sizeof res);
		getrusage(RUSAGE_SELF, &ru0);
		pb_watchdog_arm(r->o->timeout_s, label);
		double a = pb_now();
		int rc = c->ex->run(ex, job, &req, &res, err, sizeof err);
		double wall = pb_now() - a;
		pb_watchdog_disarm();
		getrusage(RUSAGE_SELF, &ru1);
		if (rc != 0) {
			progress_done(r);
			pb_err("%s", err[0] ? err : "run failed");
			ret = -1;
			break;
		}
		if (res.warning)
			add_warning(r, "%s: %s", label, res.warning);
		int ok = verify_total(job, &res.total, msg, sizeof msg) == 0;
		job->wl->format_result(job, &res.total, result, sizeof result);
		if (!ok) {
			progress_done(r);
			pb_err("%s: %s result failed verification: %s", label, measured ? "a measured" : "a warm-up",
			       msg);
			verified_all = 0;
			ret = 1;
		}
		if (measured) {
			double user = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime) + res.child_user_s;
			double sys = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime) + res.child_sys_s;
			long rss = ru1.ru_maxrss > res.child_max_rss_kb ? ru1.ru_maxrss : res.child_max_rss_kb;
			format_cpus(&res, cpus, sizeof cpus);
			int rep = (int)(i - r->o->warmup) + 1;
			write_raw_row(r, c, rep, wall, setup_s, user, sys, rss, result, ok, cpus);
			write_counter_rows(r, c, rep, &res);
			walls[nrows++] = wall;
			char what[128];
			struct pb_stats st;
			pb_stats_compute(walls, (size_t)nrows, &st);
			snprintf(what, sizeof what, "rep %d/%ld, median so far %.6f s", rep, r->o->reps, st.median);
			progress(r, label, what);
		}
		if (!ok)
			break;
	}
	if (ret >= 0 && verified_all && job->wl->finish) {
		if (job->wl->finish(job, err, sizeof err) != 0) {
			pb_err("%s: %s", job->wl->name, err);
			ret = 1;
		}
	}
	c->ex->close(ex);
	r->done_cases++;
	if (nrows > 0) {
		struct pb_stats st;
		pb_stats_compute(walls, (size_t)nrows, &st);
		char what[128];
		snprintf(what, sizeof what, "median %.6f s (%d reps)", st.median, nrows);
		progress(r, label, what);
		print_table_row(c, &st, result, verified_all);
		double floor_s = 20 * r->timer_res_s > 1e-3 ? 20 * r->timer_res_s : 1e-3;
		if (st.median < floor_s)
			add_warning(r, "%s: median %.3g s is shorter than %.3g s; timings this short are noise, raise -n",
				    label, st.median, floor_s);
		if (nrows >= 3 && st.mean > 0 && st.stddev / st.mean > 0.05)
			add_warning(r, "%s: coefficient of variation %.1f%% is above 5%%; the machine may be noisy",
				    label, 100 * st.stddev / st.mean);
	}
	free(walls);
	free(places);
	return ret;
}

/* Validate everything that can be bad input before anything is written: every job prepares, task counts fit, binding works. */
static int validate(struct runner *r)
{
	struct pb_run_opts *o = r->o;
	char err[512];
	for (int w = 0; w < o->nworkers; w++) {
		struct pb_cpuset *sets = calloc((size_t)o->workers[w], sizeof *sets);
		int over;
		if (!sets) {
			pb_err("out of memory");
			return -1;
		}
		int rc = pb_pin_plan(&o->bind, o->workers[w], sets, &over, err, sizeof err);
		free(sets);
		if (rc != 0) {
			pb_err("cannot bind: %s", err);
			return -1;
		}
	}
	r->total_cases = 0;
	for (int s = 0; s < r->nspecs; s++) {
		struct pb_job job;
		double prep;
		uint64_t tasks[PB_MAX_LIST];
		int ntasks;
		spec_params_str(&r->specs[s]);
		if (prepare_job(&r->specs[s], &job, &prep) != 0)
			goto fail;
		int rc = job_tasks(r, &job, tasks, &ntasks);
		r->specs[s].actual_size = job.size;
		if (rc == 0 && s == 0) {
			r->first_job = job;
			r->first_prep_s = prep;
			r->have_first = 1;
		} else {
			job.wl->release(&job);
		}
		if (rc != 0)
			goto fail;
		r->total_cases += count_cases(o, ntasks);
	}
	return 0;
fail:
	if (r->have_first)
		r->first_job.wl->release(&r->first_job);
	r->have_first = 0;
	return -1;
}

static int execute(struct runner *r)
{
	struct pb_run_opts *o = r->o;
	for (int s = 0; s < r->nspecs; s++) {
		struct pb_job job;
		double prep_s;
		uint64_t tasks[PB_MAX_LIST];
		int ntasks;
		if (s == 0 && r->have_first) {
			job = r->first_job;
			prep_s = r->first_prep_s;
			r->have_first = 0;
		} else if (prepare_job(&r->specs[s], &job, &prep_s) != 0) {
			r->status = 2;
			return -1;
		}
		r->specs[s].actual_size = job.size;
		if (job_tasks(r, &job, tasks, &ntasks) != 0) {
			job.wl->release(&job);
			r->status = 2;
			return -1;
		}
		for (int v = 0; v < o->nvariants; v++) {
			const struct pb_executor *ex = o->variants[v];
			int serial = strcmp(ex->name, "serial") == 0;
			for (int t = 0; t < ntasks; t++) {
				for (int w = 0; w < (serial ? 1 : o->nworkers); w++) {
					for (int sc = 0; sc < (serial ? 1 : o->nscheds); sc++) {
						for (int ch = 0; ch < (serial ? 1 : o->nchunks); ch++) {
							struct case_desc c = {
								.spec = &r->specs[s],
								.ex = ex,
								.workers = serial ? 1 : o->workers[w],
								.tasks = tasks[t],
								.chunk = serial ? 1 : o->chunks[ch],
								.sched = serial ? PB_SCHED_STATIC : o->scheds[sc],
							};
							int rc = run_case(r, &job, &c, prep_s);
							if (rc > 0)
								r->status = 1;
							if (rc < 0) {
								r->status = 1;
								job.wl->release(&job);
								return -1;
							}
						}
					}
				}
			}
		}
		job.wl->release(&job);
	}
	return 0;
}

int pb_run_execute(struct pb_run_opts *o)
{
	struct runner r;
	char err[512];
	struct timespec res;

	memset(&r, 0, sizeof r);
	r.o = o;
	r.raw_fd = r.ctr_fd = -1;
	r.progress_tty = isatty(STDERR_FILENO);
	clock_getres(CLOCK_MONOTONIC, &res);
	r.timer_res_s = (double)res.tv_sec + (double)res.tv_nsec * 1e-9;

	/* OpenMP reads its waiting policy when it is loaded: this may restart the program to set it */
	for (int v = 0; v < o->nvariants; v++)
		if (strcmp(o->variants[v]->name, "openmp") == 0 && pb_openmp_apply_wait(o->wait, err, sizeof err) != 0)
			pb_warn("%s", err);
	if (pb_counters_resolve(o->counters_spec, &r.counters, err, sizeof err) != 0) {
		pb_err("counters: %s", err);
		return 2;
	}
	if (build_specs(&r) != 0 || validate(&r) != 0) {
		free(r.specs);
		return 2;
	}
	pb_proc_install_signals();
	if (open_results(&r) != 0) {
		if (r.have_first)
			r.first_job.wl->release(&r.first_job);
		free(r.specs);
		return 2;
	}
	char mw[16][256];
	int nmw = pb_machine_warnings(mw, 16);
	for (int i = 0; i < nmw; i++)
		add_warning(&r, "%s", mw[i]);

	r.t_start = pb_now();
	execute(&r);
	progress_done(&r);

	char buf[64];
	json_object_set_new(r.meta, "end_time", json_string(iso_time(time(NULL), buf, sizeof buf)));
	json_object_set_new(r.meta, "status", json_string(r.status == 0 ? "ok" : "failed"));
	json_int_t before = o->append ? json_integer_value(json_object_get(r.meta, "cases")) : 0;
	json_object_set_new(r.meta, "cases", json_integer(before + r.done_cases));
	if (pb_summary_write_dir(r.dir, err, sizeof err) != 0 && r.status == 0) {
		pb_err("cannot write the summary: %s", err);
		r.status = 1;
	}
	meta_save(&r);
	json_decref(r.meta);
	if (r.raw_fd >= 0)
		close(r.raw_fd);
	if (r.ctr_fd >= 0)
		close(r.ctr_fd);
	if (!o->quiet)
		fprintf(stderr, "parbench: results in %s (plots and report.md: parbench report %s)\n", r.dir, r.dir);
	free(r.specs);
	return r.status;
}

int pb_cmd_run(int argc, char **argv)
{
	static struct pb_run_opts o; /* large: keep it off the stack */
	int rc = pb_run_parse(argc, argv, &o);
	if (rc < 0)
		return 0; /* --help */
	if (rc)
		return rc;
	return pb_run_execute(&o);
}
