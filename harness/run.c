/* run.c: the runner: for each case of the plan, open, warm up, measure, verify, record. */
#include "run.h"
#include "buildinfo.h"
#include "machine.h"
#include "meta.h"
#include "plan.h"
#include "proc.h"
#include "results.h"
#include "rowfile.h"
#include "stats.h"
#include "summary.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WARNINGS 128

struct runner {
	struct pb_run_opts *o;
	struct pb_plan plan;
	struct pb_counters_cfg counters;
	char run_id[PB_RUN_ID_MAX];
	char dir[4096];
	struct pb_rowfile raw, ctr;
	json_t *meta;
	char warnings[MAX_WARNINGS][256];
	int nwarnings;
	size_t done_cases;
	double t_start;
	int progress_tty;
	int status;    /* the exit status so far */
	int io_failed; /* a results file could not be written: the run stops */
	off_t raw_header_len; /* raw.csv's length before any row: a longer file has rows */
	double timer_res_s;
};

/* Clear a progress line on the terminal, so that a message does not glue onto it. */
static void progress_clear(const struct runner *r)
{
	if (!r->o->c.quiet && r->progress_tty)
		(void)!write(STDERR_FILENO, "\r\033[K", 4);
}

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
	progress_clear(r);
	pb_warn("%s", buf);
	if (r->nwarnings < MAX_WARNINGS)
		snprintf(r->warnings[r->nwarnings++], sizeof r->warnings[0], "%s", buf);
}

/* ---- meta.json ---- */

static void meta_set_warnings(struct runner *r)
{
	json_t *w = json_array();
	for (int i = 0; i < r->nwarnings; i++)
		json_array_append_new(w, json_string(r->warnings[i]));
	json_object_set_new(r->meta, "warnings", w);
}

/*
 * Save meta.json.  A failure is the run's first I/O failure (printed, the
 * run stops) unless one came before; then it is tried anyway, silently, so
 * that the status is right whenever the disk lets it be.
 */
static int meta_save(struct runner *r)
{
	char err[4400];
	meta_set_warnings(r);
	if (pb_meta_save(r->dir, r->meta, err, sizeof err) == 0)
		return 0;
	if (!r->io_failed) {
		progress_clear(r);
		pb_err("%s", err);
	}
	r->io_failed = 1;
	r->status = 1;
	return -1;
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

static json_t *command_array(int argc, char **argv, int with_name)
{
	json_t *cmd = json_array();
	if (with_name)
		json_array_append_new(cmd, json_string("parbench"));
	for (int i = 0; i < argc; i++)
		json_array_append_new(cmd, json_string(argv[i]));
	return cmd;
}

static json_t *build_meta(struct runner *r)
{
	const struct pb_common_opts *c = &r->o->c;
	char buf[64];
	json_t *m = json_object();
	json_object_set_new(m, "run_id", json_string(r->run_id));
	json_object_set_new(m, "parbench_version", json_string(PB_VERSION));
	json_object_set_new(m, "command", command_array(c->argc, c->argv, 1));
	pb_iso_time(buf, sizeof buf);
	json_object_set_new(m, "start_time", json_string(buf));
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
	json_t *ctr = json_object();
	json_object_set_new(ctr, "spec", json_string(c->counters_spec));
	json_object_set_new(ctr, "backend", json_string(pb_ctr_backend_name(r->counters.backend)));
	json_t *ev = json_array();
	for (int i = 0; i < r->counters.nevents; i++)
		json_array_append_new(ev, json_string(r->counters.events[i]));
	json_object_set_new(ctr, "events", ev);
	json_object_set_new(ctr, "reason", json_string(r->counters.reason));
	json_object_set_new(m, "counters", ctr);
	json_t *bind = json_object(), *swept = json_array();
	json_object_set_new(bind, "policy", json_string(pb_bind_name(c->binds[0].kind)));
	json_object_set_new(bind, "order", json_string(pb_order_name(c->binds[0].order)));
	for (int i = 0; i < c->nbinds; i++) {
		pb_bind_str(&c->binds[i], buf, sizeof buf);
		json_array_append_new(swept, json_string(buf));
	}
	json_object_set_new(bind, "binds", swept);
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
	json_object_set_new(m, "reps", json_integer(c->reps));
	json_object_set_new(m, "warmup", json_integer(c->warmup));
	json_object_set_new(m, "cases", json_integer(0));
	return m;
}

/* ---- the results directory ---- */

static void make_run_id(char *buf, size_t len)
{
	char t[32];
	struct tm tm;
	time_t now = time(NULL);
	localtime_r(&now, &tm);
	strftime(t, sizeof t, "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "%s-%ld", t, (long)getpid());
}

/* Whether path holds at least one data row: more than a header line.  0 for no file, an empty one, a header. */
static int has_rows(const char *path)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), lines = 0;
	struct stat st;
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 1; /* not a file of ours: never overwritten */
	}
	ssize_t n;
	while (lines < 2 && (n = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines >= 2;
}

/* Create raw.csv and counters.csv with their headers in r->dir. */
static int create_files(struct runner *r, char *err, size_t errlen)
{
	char path[4200];
	struct pb_strbuf h = { 0 };
	snprintf(path, sizeof path, "%s/raw.csv", r->dir);
	pb_table_header(&pb_raw_table, &h);
	int rc = pb_rowfile_create(&r->raw, path, h.s ? h.s : "", err, errlen);
	r->raw_header_len = (off_t)h.len;
	h.len = 0;
	if (rc == 0) {
		pb_table_header(&pb_counters_table, &h);
		snprintf(path, sizeof path, "%s/counters.csv", r->dir);
		rc = pb_rowfile_create(&r->ctr, path, h.s ? h.s : "", err, errlen);
	}
	free(h.s);
	return rc;
}

/*
 * results/latest -> <run-id>, replaced atomically; only a symbolic link (or
 * nothing) is replaced: a file or directory of that name is the user's.
 */
static void point_latest(struct runner *r)
{
	struct stat st;
	char tmp[128];
	if (lstat("results/latest", &st) == 0 && !S_ISLNK(st.st_mode)) {
		add_warning(r, "results/latest is not a symbolic link; left as it is (the run is in %s)", r->dir);
		return;
	}
	snprintf(tmp, sizeof tmp, "results/.latest.%ld", (long)getpid());
	unlink(tmp);
	if (symlink(r->run_id, tmp) == 0 && rename(tmp, "results/latest") != 0)
		unlink(tmp);
}

/* Undo what open_new made: the files and the directories it created. */
static void discard_new(struct runner *r, const char *created)
{
	char path[4200];
	pb_rowfile_close(&r->raw);
	pb_rowfile_close(&r->ctr);
	snprintf(path, sizeof path, "%s/raw.csv", r->dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/counters.csv", r->dir);
	unlink(path);
	pb_remove_created(r->dir, created);
}

/* A new run in r->dir: the directory is made, or reused when it holds no row. */
static int open_new(struct runner *r)
{
	const struct pb_common_opts *c = &r->o->c;
	char created[4096] = "", path[4200], err[4400];
	make_run_id(r->run_id, sizeof r->run_id);
	if (c->out_dir[0])
		snprintf(r->dir, sizeof r->dir, "%s", c->out_dir);
	else
		snprintf(r->dir, sizeof r->dir, "results/%s", r->run_id);
	snprintf(path, sizeof path, "%s/raw.csv", r->dir);
	if (has_rows(path)) {
		pb_err("results directory '%s' already holds a run (use --append, or another --out)", r->dir);
		return -1;
	}
	if (pb_mkdir_p(r->dir, created, sizeof created) != 0) {
		pb_err("cannot create results directory '%s': %s", r->dir, strerror(errno));
		return -1;
	}
	if (create_files(r, err, sizeof err) != 0) {
		pb_err("%s", err);
		discard_new(r, created);
		return -1;
	}
	r->meta = build_meta(r);
	pb_meta_guard(r->dir);
	if (pb_meta_save(r->dir, r->meta, err, sizeof err) != 0) {
		pb_err("%s", err);
		pb_meta_unguard();
		discard_new(r, created);
		return -1;
	}
	if (!c->out_dir[0])
		point_latest(r);
	return 0;
}

/* No case of the plan may be in the run already (a case's repetitions come from one sitting). */
static int check_new_cases(struct runner *r)
{
	struct pb_raw raw;
	char err[1024];
	if (pb_raw_read(r->dir, &raw, err, sizeof err) != 0) {
		pb_err("cannot append to '%s': %s", r->dir, err);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < r->plan.ncases && rc == 0; i++) {
		struct pb_raw_row key;
		pb_plan_case_key(&r->plan, i, &key);
		for (size_t c = 0; c < raw.ncases; c++)
			if (pb_case_key_equal(&raw.cases[c].key, &key)) {
				char s[PB_PARAMS_MAX + 256];
				pb_case_key_str(&key, s, sizeof s);
				pb_err("cannot append to '%s': it already has case %s (--append adds new cases)", r->dir, s);
				rc = -1;
				break;
			}
	}
	pb_raw_free(&raw);
	return rc;
}

/* --append: reopen the run in --out DIR, or start one there when it holds no row yet. */
static int open_append(struct runner *r)
{
	const struct pb_common_opts *c = &r->o->c;
	char path[4200], err[4400];
	json_t *old;
	snprintf(r->dir, sizeof r->dir, "%s", c->out_dir);
	snprintf(path, sizeof path, "%s/raw.csv", r->dir);
	if (!has_rows(path))
		return open_new(r); /* an interrupted start or a full disk left nothing to add to */
	int lr = pb_meta_load(r->dir, &old, err, sizeof err);
	const char *id = lr == 0 ? json_string_value(json_object_get(old, "run_id")) : NULL;
	if (!id) {
		pb_err("cannot append to '%s': %s", r->dir, lr < 0 ? err : "no meta.json with a run_id");
		json_decref(old);
		return -1;
	}
	snprintf(r->run_id, sizeof r->run_id, "%s", id);
	r->meta = old;
	if (check_new_cases(r) != 0)
		return -1;
	if (pb_rowfile_append(&r->raw, path, err, sizeof err) != 0) {
		pb_err("%s", err);
		return -1;
	}
	snprintf(path, sizeof path, "%s/counters.csv", r->dir);
	if (access(path, F_OK) != 0) {
		struct pb_strbuf h = { 0 };
		pb_table_header(&pb_counters_table, &h);
		int rc = pb_rowfile_create(&r->ctr, path, h.s ? h.s : "", err, sizeof err);
		free(h.s);
		if (rc != 0) {
			pb_err("%s", err);
			return -1;
		}
	} else if (pb_rowfile_append(&r->ctr, path, err, sizeof err) != 0) {
		pb_err("%s", err);
		return -1;
	}
	json_t *appended = json_object_get(old, "appended");
	if (!json_is_array(appended)) {
		appended = json_array();
		json_object_set_new(old, "appended", appended);
	}
	json_array_append_new(appended, command_array(c->argc, c->argv, 0));
	json_t *w = json_object_get(old, "warnings");
	for (size_t i = 0; json_is_array(w) && i < json_array_size(w) && r->nwarnings < MAX_WARNINGS; i++) {
		const char *s = json_string_value(json_array_get(w, i));
		snprintf(r->warnings[r->nwarnings++], sizeof r->warnings[0], "%s", s ? s : "");
	}
	json_object_set_new(old, "status", json_string("running"));
	json_object_set_new(old, "end_time", json_null());
	pb_meta_guard(r->dir);
	if (pb_meta_save(r->dir, r->meta, err, sizeof err) != 0) {
		pb_err("%s", err);
		pb_meta_unguard();
		return -1;
	}
	return 0;
}

/* ---- progress and the table ---- */

static void progress(struct runner *r, size_t c, const char *label, const char *what, int final)
{
	if (r->o->c.quiet || (!r->progress_tty && !final))
		return;
	char left[64] = "", line[1200];
	size_t done = r->done_cases;
	if (done > 0 && done < r->plan.ncases) {
		double rem = (pb_now() - r->t_start) / (double)done * (double)(r->plan.ncases - done);
		snprintf(left, sizeof left, ", ~%.0f s left", rem);
	}
	int n = snprintf(line, sizeof line, "%s[%zu/%zu] %s: %s%s%s", r->progress_tty ? "\r\033[K" : "", c + 1,
			 r->plan.ncases, label, what, left, r->progress_tty ? "" : "\n");
	(void)!write(STDERR_FILENO, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static int table_header_printed;

static void print_table_row(const struct runner *r, size_t c, const struct pb_stats *st, const char *result,
			    int verified)
{
	const struct pb_plan_case *pc = &r->plan.cases[c];
	const struct pb_plan_job *j = &r->plan.jobs[pc->job];
	if (!table_header_printed) {
		printf("%-8s %-12s %-32s %-8s %7s %6s %-8s %6s %11s %11s %11s  %-16s %s\n", "workload", "size", "params",
		       "variant", "workers", "tasks", "schedule", "chunk", "median_s", "min_s", "max_s", "result",
		       "verified");
		table_header_printed = 1;
	}
	printf("%-8s %-12llu %-32s %-8s %7d %6llu %-8s %6llu %11.6f %11.6f %11.6f  %-16s %s\n", j->wl->name,
	       (unsigned long long)j->actual_size, j->params_str[0] ? j->params_str : "-", pc->ex->name, pc->workers,
	       (unsigned long long)pc->tasks, pb_sched_name(pc->sched), (unsigned long long)pc->chunk, st->median,
	       st->min, st->max, result, verified ? "yes" : "NO");
	fflush(stdout);
}

/* ---- recording ---- */

/* Record a results-file failure: the first one is printed, and the run stops. */
static void io_failure(struct runner *r, const char *err)
{
	if (!r->io_failed) {
		progress_clear(r);
		pb_err("%s", err);
	}
	r->io_failed = 1;
	r->status = 1;
}

/* The workers' CPU lists, ';'-separated, into b. */
static void format_cpus(const struct pb_run_result *res, struct pb_strbuf *b)
{
	char one[8192];
	pb_sb_puts(b, "");
	for (int w = 0; w < res->nworkers; w++) {
		pb_cpuset_format(&res->workers[w].cpus, one, sizeof one);
		if (w)
			pb_sb_putn(b, ";", 1);
		pb_sb_puts(b, one);
	}
}

/* One repetition's facts, from the timed run. */
struct rep {
	int n;            /* 1-based */
	double wall, user, sys;
	long rss;
	char result[PB_RESULT_MAX];
	int verified;
	const struct pb_run_result *res;
};

/* raw.csv's row, then counters.csv's rows, of one repetition: each file gets whole rows or nothing. */
static int record_rep(struct runner *r, size_t c, double setup_s, const struct rep *rp)
{
	struct pb_raw_row row;
	struct pb_strbuf cpus = { 0 }, line = { 0 };
	char err[4400];
	int rc = -1;
	pb_plan_case_key(&r->plan, c, &row);
	snprintf(row.run_id, sizeof row.run_id, "%s", r->run_id);
	row.rep = rp->n;
	row.wall_s = rp->wall;
	row.setup_s = setup_s;
	row.user_s = rp->user;
	row.sys_s = rp->sys;
	row.max_rss_kb = rp->rss;
	snprintf(row.result, sizeof row.result, "%s", rp->result);
	row.verified = rp->verified;
	format_cpus(rp->res, &cpus);
	row.cpus = cpus.s;
	if (pb_row_format(&pb_raw_table, &row, &line, err, sizeof err) != 0 ||
	    pb_rowfile_write(&r->raw, line.s, line.len, err, sizeof err) != 0)
		goto out;
	line.len = 0;
	if (r->counters.backend != PB_CTR_NONE) {
		struct pb_counter_row cr;
		memset(&cr, 0, sizeof cr);
		cr.key = row;
		cr.key.cpus = NULL;
		snprintf(cr.backend, sizeof cr.backend, "%s", pb_ctr_backend_name(r->counters.backend));
		for (int e = 0; e < r->counters.nevents; e++) {
			long long sum = 0;
			for (int w = 0; w < rp->res->nworkers; w++)
				if (e < rp->res->workers[w].ctr.n)
					sum += rp->res->workers[w].ctr.v[e];
			snprintf(cr.event, sizeof cr.event, "%s", r->counters.events[e]);
			cr.value = sum;
			if (pb_row_format(&pb_counters_table, &cr, &line, err, sizeof err) != 0)
				goto out;
		}
		if (line.len && pb_rowfile_write(&r->ctr, line.s, line.len, err, sizeof err) != 0)
			goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		io_failure(r, err);
	free(cpus.s);
	free(line.s);
	return rc;
}

/* ---- measuring ---- */

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

/* An open case: its executor and what its repetitions need. */
struct open_case {
	size_t c;
	char label[PB_PARAMS_MAX + 256];
	struct pb_exec *ex;
	struct pb_run_req req;
	double setup_s;
};

/* Place the workers, warn about wrapping and oversubscription, open the executor (timed as set-up). */
static int open_case(struct runner *r, struct pb_job *job, size_t c, double prep_s, struct open_case *oc)
{
	const struct pb_plan_case *pc = &r->plan.cases[c];
	char err[1024] = "";
	int over = 0;
	struct pb_cpuset *places = calloc((size_t)pc->workers, sizeof *places);
	memset(oc, 0, sizeof *oc);
	oc->c = c;
	pb_plan_case_label(&r->plan, c, oc->label, sizeof oc->label);
	oc->req = (struct pb_run_req){
		.sched = { .kind = pc->sched, .ntasks = pc->tasks, .chunk = pc->chunk, .workers = pc->workers },
		.n_items = job->n_items,
	};
	if (!places) {
		pb_err("out of memory");
		return -1;
	}
	if (pb_pin_plan(&pc->bind, pc->workers, places, &over, err, sizeof err) != 0) {
		pb_err("%s: %s", oc->label, err); /* the plan validated it; kept for safety */
		free(places);
		return -1;
	}
	if (over && pc->bind.kind != PB_BIND_NONE)
		add_warning(r, "%d workers with --bind %s: more workers than places, placement wraps round-robin",
			    pc->workers, pb_bind_name(pc->bind.kind));
	if (pc->workers > pb_available_cpus())
		add_warning(r, "%d workers on %d CPUs: the run is oversubscribed", pc->workers, pb_available_cpus());
	struct pb_exec_opts eo = { .workers = pc->workers, .bind = pc->bind, .places = places, .counters = &r->counters };
	progress(r, c, oc->label, "starting", 0);
	double t0 = pb_now();
	oc->ex = pc->ex->open(&eo, job, err, sizeof err);
	oc->setup_s = prep_s + (pb_now() - t0);
	free(places);
	if (!oc->ex) {
		progress_clear(r);
		pb_err("%s", err);
		return -1;
	}
	return 0;
}

/*
 * One repetition (a warm-up when rp is NULL): poison the output, time the
 * run alone, verify.  Returns 0; 1 if the result failed verification
 * (printed); -1 if the run itself failed (printed).
 */
static int run_rep(struct runner *r, struct pb_job *job, struct open_case *oc, struct pb_run_result *res,
		   struct rep *rp)
{
	const struct pb_plan_case *pc = &r->plan.cases[oc->c];
	char err[1024] = "", msg[512];
	struct rusage ru0, ru1;
	if (job->out)
		memset(job->out, 0xA5, job->out_len); /* poison: a run that skips output cannot verify */
	memset(res, 0, sizeof *res);
	getrusage(RUSAGE_SELF, &ru0);
	pb_watchdog_arm(r->o->c.timeout_s, oc->label);
	double a = pb_now();
	int rc = pc->ex->run(oc->ex, job, &oc->req, res, err, sizeof err);
	double wall = pb_now() - a;
	pb_watchdog_disarm();
	getrusage(RUSAGE_SELF, &ru1);
	if (rc != 0) {
		progress_clear(r);
		pb_err("%s", err[0] ? err : "run failed");
		return -1;
	}
	int ok = verify_total(job, &res->total, msg, sizeof msg) == 0;
	if (!ok) {
		progress_clear(r);
		pb_err("%s: %s result failed verification: %s", oc->label, rp ? "a measured" : "a warm-up", msg);
	}
	if (rp) {
		rp->wall = wall;
		rp->user = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime) + res->child_user_s;
		rp->sys = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime) + res->child_sys_s;
		rp->rss = ru1.ru_maxrss > res->child_max_rss_kb ? ru1.ru_maxrss : res->child_max_rss_kb;
		rp->verified = ok;
		rp->res = res;
		job->wl->format_result(job, &res->total, rp->result, sizeof rp->result);
	}
	return ok ? 0 : 1;
}

/* After a case: the table row, and the warnings its statistics call for. */
static void finish_case(struct runner *r, const struct open_case *oc, const double *walls, int nrows,
			const char *result, int verified)
{
	struct pb_stats st;
	char what[128];
	pb_stats_compute(walls, (size_t)nrows, &st);
	snprintf(what, sizeof what, "median %.6f s (%d reps)", st.median, nrows);
	progress(r, oc->c, oc->label, what, 1);
	print_table_row(r, oc->c, &st, result, verified);
	double floor_s = 20 * r->timer_res_s > 1e-3 ? 20 * r->timer_res_s : 1e-3;
	if (st.median < floor_s)
		add_warning(r, "%s: median %.3g s is shorter than %.3g s; timings this short are noise, raise -n",
			    oc->label, st.median, floor_s);
	if (nrows >= 3 && st.mean > 0 && st.stddev / st.mean > 0.05)
		add_warning(r, "%s: coefficient of variation %.1f%% is above 5%%; the machine may be noisy", oc->label,
			    100 * st.stddev / st.mean);
}

/*
 * Run case c: open, warm up, measure and record each repetition.  Returns
 * 0; 1 if a result failed verification (recorded; the run goes on); -1 if
 * the run must stop (a crash, a fork failure, a results file that cannot
 * be written).
 */
static int run_case(struct runner *r, struct pb_job *job, size_t c, double prep_s)
{
	const struct pb_common_opts *o = &r->o->c;
	struct open_case oc;
	double *walls = calloc((size_t)o->reps, sizeof *walls);
	int nrows = 0, ret = 0, verified_all = 1;
	char result[PB_RESULT_MAX] = "";
	if (!walls) {
		pb_err("out of memory");
		return -1;
	}
	if (open_case(r, job, c, prep_s, &oc) != 0) {
		free(walls);
		return -1;
	}
	for (long i = 0; i < o->warmup + o->reps && ret >= 0; i++) {
		struct pb_run_result res;
		struct rep rp = { .n = (int)(i - o->warmup) + 1 };
		int measured = i >= o->warmup;
		int rc = run_rep(r, job, &oc, &res, measured ? &rp : NULL);
		if (rc < 0) {
			ret = -1;
			break;
		}
		if (measured) {
			snprintf(result, sizeof result, "%s", rp.result);
			if (record_rep(r, c, oc.setup_s, &rp) != 0) {
				ret = -1;
				break;
			}
			walls[nrows++] = rp.wall;
			char what[128];
			struct pb_stats st;
			pb_stats_compute(walls, (size_t)nrows, &st);
			snprintf(what, sizeof what, "rep %d/%ld, median so far %.6f s", rp.n, o->reps, st.median);
			progress(r, c, oc.label, what, 0);
		}
		if (rc > 0) {
			verified_all = 0;
			ret = 1;
			break;
		}
	}
	if (ret == 0 && job->wl->finish) {
		char err[1024];
		if (job->wl->finish(job, err, sizeof err) != 0) {
			progress_clear(r);
			pb_err("%s: %s", job->wl->name, err);
			ret = 1;
		}
	}
	r->plan.cases[c].ex->close(oc.ex);
	r->done_cases++;
	if (nrows > 0)
		finish_case(r, &oc, walls, nrows, result, verified_all);
	free(walls);
	return ret;
}

/* Every case of the plan, job by job; a job is prepared once for its cases. */
static void execute(struct runner *r)
{
	for (size_t j = 0; j < r->plan.njobs; j++) {
		struct pb_job job;
		double prep_s;
		if (j == 0 && r->plan.has_first) {
			job = r->plan.first;
			prep_s = r->plan.first_prep_s;
			r->plan.has_first = 0;
		} else if (pb_plan_prepare(&r->plan, j, &job, &prep_s) != 0) {
			r->status = 2;
			return;
		}
		const struct pb_plan_job *pj = &r->plan.jobs[j];
		int stop = 0;
		for (size_t c = pj->first_case; c < pj->first_case + pj->ncases && !stop; c++) {
			int rc = run_case(r, &job, c, prep_s);
			if (rc != 0)
				r->status = 1;
			stop = rc < 0;
			json_object_set_new(r->meta, "cases",
					    json_integer(json_integer_value(json_object_get(r->meta, "cases")) + (rc >= 0)));
			pb_meta_guard_cases((long)json_integer_value(json_object_get(r->meta, "cases")));
			meta_save(r);
		}
		job.wl->release(&job);
		if (stop)
			return;
	}
}

/* After the last case: the summary, then meta.json's status and end time. */
static void finish_run(struct runner *r)
{
	char err[4400], buf[64];
	progress_clear(r);
	/* a summary of what raw.csv holds (nothing when no repetition was ever recorded) */
	if (!r->io_failed && r->raw.len > r->raw_header_len && pb_summary_write_dir(r->dir, err, sizeof err) != 0)
		io_failure(r, err);
	pb_iso_time(buf, sizeof buf);
	json_object_set_new(r->meta, "end_time", json_string(buf));
	json_object_set_new(r->meta, "status", json_string(r->status == 0 ? "ok" : "failed"));
	pb_meta_unguard();
	meta_save(r);
	pb_rowfile_close(&r->raw);
	pb_rowfile_close(&r->ctr);
	if (!r->o->c.quiet && !r->io_failed)
		fprintf(stderr, "parbench: results in %s (plots and report.md: parbench report %s)\n", r->dir, r->dir);
}

int pb_run_execute(struct pb_run_opts *o)
{
	struct runner r;
	char err[512];
	struct timespec res;

	memset(&r, 0, sizeof r);
	r.o = o;
	r.raw.fd = r.ctr.fd = -1;
	r.progress_tty = isatty(STDERR_FILENO);
	clock_getres(CLOCK_MONOTONIC, &res);
	r.timer_res_s = (double)res.tv_sec + (double)res.tv_nsec * 1e-9;

	if (pb_counters_resolve(o->c.counters_spec, &r.counters, err, sizeof err) != 0) {
		pb_err("counters: %s", err);
		return 2;
	}
	if (pb_plan_build(o, &r.plan) != 0)
		return 2;
	pb_proc_install_signals();
	if ((o->c.append ? open_append(&r) : open_new(&r)) != 0) {
		json_decref(r.meta);
		pb_rowfile_close(&r.raw);
		pb_rowfile_close(&r.ctr);
		pb_plan_free(&r.plan);
		return 2;
	}
	char mw[16][256];
	int nmw = pb_machine_warnings(mw, 16);
	for (int i = 0; i < nmw; i++)
		add_warning(&r, "%s", mw[i]);

	r.t_start = pb_now();
	execute(&r);
	finish_run(&r);
	json_decref(r.meta);
	pb_plan_free(&r.plan);
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
