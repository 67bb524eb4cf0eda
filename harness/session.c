/* session.c: a producer's results directory: created or appended to, rows recorded, meta.json closed. */
#include "session.h"
#include "buildinfo.h"
#include "export.h"
#include "machine.h"
#include "meta.h"
#include "proc.h"
#include "results.h"
#include "summary.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void pb_session_clear_line(const struct pb_session *s)
{
	if (!s->o->quiet && s->progress_tty)
		(void)!write(STDERR_FILENO, "\r\033[K", 4);
}

void pb_session_warn(struct pb_session *s, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (int i = 0; i < s->nwarnings; i++)
		if (strcmp(s->warnings[i], buf) == 0)
			return;
	pb_session_clear_line(s);
	pb_warn("%s", buf);
	if (s->nwarnings < PB_SESSION_MAX_WARNINGS)
		snprintf(s->warnings[s->nwarnings++], sizeof s->warnings[0], "%s", buf);
}

void pb_session_err(struct pb_session *s, const char *fmt, ...)
{
	char buf[PB_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pb_session_clear_line(s);
	pb_err("%s", buf);
}

/*
 * The time left, from the cases already measured: their mean duration for
 * each case still to come, less what the case in progress has already taken
 * (never below zero for it).  "" before the first case is done, or under a
 * second.
 */
static void time_left(const struct pb_session *s, char *buf, size_t len)
{
	buf[0] = '\0';
	if (s->done_cases == 0 || s->done_cases >= s->ncases)
		return;
	double now = pb_now(), mean = (s->t_last_done - s->t_start) / (double)s->done_cases;
	double current = mean - (now - s->t_last_done);
	double rem = mean * (double)(s->ncases - s->done_cases - 1) + (current > 0 ? current : 0);
	if (rem < 1)
		return;
	if (rem < 90)
		snprintf(buf, len, ", ~%.0f s left", rem);
	else if (rem < 5400)
		snprintf(buf, len, ", ~%.0f min left", rem / 60);
	else
		snprintf(buf, len, ", ~%.1f h left", rem / 3600);
}

void pb_session_progress(struct pb_session *s, size_t c, const char *label, const char *what, int final)
{
	if (s->o->quiet || (!s->progress_tty && !final))
		return;
	char left[64], line[1200];
	time_left(s, left, sizeof left);
	int n = snprintf(line, sizeof line, "%s[%zu/%zu] %s: %s%s%s", s->progress_tty ? "\r\033[K" : "", c + 1,
			 s->ncases, label, what, left, s->progress_tty ? "" : "\n");
	(void)!write(STDERR_FILENO, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* Record a results-file failure: the first one is printed, and the producer stops. */
static void io_failure(struct pb_session *s, const char *err)
{
	if (!s->io_failed)
		pb_session_err(s, "%s", err);
	s->io_failed = 1;
	s->status = 1;
}

/* ---- meta.json ---- */

/*
 * Save meta.json.  A failure is the session's first I/O failure (printed,
 * the producer stops) unless one came before; then it is tried anyway,
 * silently, so that the status is right whenever the disk lets it be.
 */
static void meta_save(struct pb_session *s)
{
	char err[PB_ERR_MAX];
	json_t *w = json_array();
	for (int i = 0; i < s->nwarnings; i++)
		json_array_append_new(w, json_string(s->warnings[i]));
	json_object_set_new(s->meta, "warnings", w);
	if (pb_meta_save(s->dir, s->meta, err, sizeof err) != 0)
		io_failure(s, err);
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

/* The facts every session records, then the producer's own (extra, taken over). */
static json_t *build_meta(struct pb_session *s, json_t *extra)
{
	struct timespec res;
	char buf[64];
	json_t *m = json_object();
	json_object_set_new(m, "run_id", json_string(s->run_id));
	json_object_set_new(m, "parbench_version", json_string(PB_VERSION));
	json_object_set_new(m, "command", command_array(s->o->argc, s->o->argv, 1));
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
	clock_getres(CLOCK_MONOTONIC, &res);
	json_object_set_new(m, "timer_resolution_s", json_real((double)res.tv_sec + (double)res.tv_nsec * 1e-9));
	json_object_set_new(m, "reps", json_integer(s->o->reps));
	json_object_set_new(m, "warmup", json_integer(s->o->warmup));
	if (s->o->min_time_s > 0)
		json_object_set_new(m, "min_time_s", json_real(s->o->min_time_s));
	json_object_set_new(m, "cases", json_integer(0));
	if (extra)
		json_object_update(m, extra);
	json_decref(extra);
	return m;
}

/* ---- the directory ---- */

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

/* Create the results file name of table t in s->dir, with its header. */
static int create_file(struct pb_session *s, struct pb_rowfile *f, const struct pb_table *t, char *err,
		       size_t errlen)
{
	char path[4200];
	struct pb_strbuf h = { 0 };
	snprintf(path, sizeof path, "%s/%s", s->dir, t->file);
	pb_table_header(t, &h);
	int rc = h.oom ? -1 : pb_rowfile_create(f, path, h.s, err, errlen);
	if (h.oom)
		snprintf(err, errlen, "cannot create '%s': out of memory", path);
	if (f == &s->raw)
		s->raw_header_len = (off_t)h.len;
	free(h.s);
	return rc;
}

/*
 * results/latest -> <run-id>, replaced atomically; only a symbolic link (or
 * nothing) is replaced: a file or directory of that name is the user's.
 */
static void point_latest(struct pb_session *s)
{
	struct stat st;
	char tmp[128];
	if (lstat("results/latest", &st) == 0 && !S_ISLNK(st.st_mode)) {
		pb_session_warn(s, "results/latest is not a symbolic link; left as it is (the run is in %s)", s->dir);
		return;
	}
	snprintf(tmp, sizeof tmp, "results/.latest.%ld", (long)getpid());
	unlink(tmp);
	if (symlink(s->run_id, tmp) == 0 && rename(tmp, "results/latest") != 0)
		unlink(tmp);
}

/* Undo what open_new made: the files and the directories it created. */
static void discard_new(struct pb_session *s, const char *created)
{
	char path[4200];
	pb_rowfile_close(&s->raw);
	pb_rowfile_close(&s->ctr);
	snprintf(path, sizeof path, "%s/raw.csv", s->dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/counters.csv", s->dir);
	unlink(path);
	pb_remove_created(s->dir, created);
}

/* A new run in s->dir: the directory is made, or reused when it holds no row. */
static int open_new(struct pb_session *s, json_t *extra)
{
	char created[4096] = "", path[4200], err[4400];
	make_run_id(s->run_id, sizeof s->run_id);
	if (s->o->out_dir[0])
		snprintf(s->dir, sizeof s->dir, "%s", s->o->out_dir);
	else
		snprintf(s->dir, sizeof s->dir, "results/%s", s->run_id);
	snprintf(path, sizeof path, "%s/raw.csv", s->dir);
	if (has_rows(path)) {
		json_decref(extra);
		pb_err("results directory '%s' already holds a run (use --append, or another --out)", s->dir);
		return -1;
	}
	if (pb_mkdir_p(s->dir, created, sizeof created) != 0) {
		json_decref(extra);
		pb_err("cannot create results directory '%s': %s", s->dir, strerror(errno));
		return -1;
	}
	if (create_file(s, &s->raw, &pb_raw_table, err, sizeof err) != 0 ||
	    create_file(s, &s->ctr, &pb_counters_table, err, sizeof err) != 0) {
		json_decref(extra);
		pb_err("%s", err);
		discard_new(s, created);
		return -1;
	}
	s->meta = build_meta(s, extra);
	pb_meta_guard(s->dir);
	if (pb_meta_save(s->dir, s->meta, err, sizeof err) != 0) {
		pb_err("%s", err);
		pb_meta_unguard();
		discard_new(s, created);
		return -1;
	}
	if (!s->o->out_dir[0])
		point_latest(s);
	return 0;
}

/* No case of the producer may be in the run already (a case's repetitions come from one sitting). */
static int check_new_cases(struct pb_session *s, const struct pb_raw_row *keys, size_t n)
{
	struct pb_raw raw;
	char err[PB_ERR_MAX];
	if (pb_raw_read(s->dir, &raw, err, sizeof err) != 0) {
		pb_err("cannot append to '%s': %s", s->dir, err);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		for (size_t c = 0; c < raw.ncases; c++)
			if (pb_case_key_equal(&raw.cases[c].key, &keys[i])) {
				char k[PB_PARAMS_MAX + 256];
				pb_case_key_str(&keys[i], k, sizeof k);
				pb_err("cannot append to '%s': it already has case %s (--append adds new cases)", s->dir, k);
				rc = -1;
				break;
			}
	pb_raw_free(&raw);
	return rc;
}

/* Open dir's counters.csv to append to, or create it when an older run has none. */
static int append_counters(struct pb_session *s, char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/counters.csv", s->dir);
	if (access(path, F_OK) != 0)
		return create_file(s, &s->ctr, &pb_counters_table, err, errlen);
	return pb_rowfile_append(&s->ctr, path, err, errlen);
}

/* Add what the appending command adds to the run's meta.json: its command line; the warnings kept. */
static void meta_for_append(struct pb_session *s, json_t *old)
{
	json_t *appended = json_object_get(old, "appended");
	if (!json_is_array(appended)) {
		appended = json_array();
		json_object_set_new(old, "appended", appended);
	}
	json_array_append_new(appended, command_array(s->o->argc, s->o->argv, 0));
	json_t *w = json_object_get(old, "warnings");
	for (size_t i = 0; json_is_array(w) && i < json_array_size(w) && s->nwarnings < PB_SESSION_MAX_WARNINGS; i++) {
		const char *t = json_string_value(json_array_get(w, i));
		snprintf(s->warnings[s->nwarnings++], sizeof s->warnings[0], "%s", t ? t : "");
	}
	json_object_set_new(old, "status", json_string("running"));
	json_object_set_new(old, "end_time", json_null());
}

/* --append: reopen the run in --out DIR, or start one there when it holds no row yet. */
static int open_append(struct pb_session *s, json_t *extra, const struct pb_raw_row *keys, size_t n)
{
	char path[4200], err[4400];
	json_t *old;
	snprintf(s->dir, sizeof s->dir, "%s", s->o->out_dir);
	snprintf(path, sizeof path, "%s/raw.csv", s->dir);
	if (!has_rows(path))
		return open_new(s, extra); /* an interrupted start or a full disk left nothing to add to */
	json_decref(extra);            /* the run's own facts stay */
	int lr = pb_meta_load(s->dir, &old, err, sizeof err);
	const char *id = lr == 0 ? json_string_value(json_object_get(old, "run_id")) : NULL;
	if (!id) {
		pb_err("cannot append to '%s': %s", s->dir, lr < 0 ? err : "no meta.json with a run_id");
		json_decref(old);
		return -1;
	}
	snprintf(s->run_id, sizeof s->run_id, "%s", id);
	s->meta = old;
	if (check_new_cases(s, keys, n) != 0)
		return -1;
	if (pb_rowfile_append(&s->raw, path, err, sizeof err) != 0 || append_counters(s, err, sizeof err) != 0) {
		pb_err("%s", err);
		return -1;
	}
	meta_for_append(s, old);
	pb_meta_guard(s->dir);
	if (pb_meta_save(s->dir, s->meta, err, sizeof err) != 0) {
		pb_err("%s", err);
		pb_meta_unguard();
		return -1;
	}
	return 0;
}

int pb_session_open(struct pb_session *s, const struct pb_common_opts *o, json_t *meta,
		    const struct pb_raw_row *keys, size_t ncases)
{
	memset(s, 0, sizeof *s);
	s->o = o;
	s->raw.fd = s->ctr.fd = -1;
	s->ncases = ncases;
	s->progress_tty = isatty(STDERR_FILENO);
	pb_proc_install_signals();
	int rc = o->append ? open_append(s, meta, keys, ncases) : open_new(s, meta);
	if (rc != 0) {
		json_decref(s->meta);
		s->meta = NULL;
		pb_rowfile_close(&s->raw);
		pb_rowfile_close(&s->ctr);
		return -1;
	}
	char mw[16][256];
	int nmw = pb_machine_warnings(mw, 16);
	for (int i = 0; i < nmw; i++)
		pb_session_warn(s, "%s", mw[i]);
	s->t_start = s->t_last_done = pb_now();
	return 0;
}

/* ---- recording ---- */

int pb_session_record(struct pb_session *s, struct pb_raw_row *row, const char *backend, int nevents,
		      char (*events)[PB_EVENT_NAME_MAX], const long long *values)
{
	struct pb_strbuf line = { 0 };
	char err[PB_ERR_MAX];
	int rc = -1;
	if (s->io_failed)
		return -1;
	snprintf(row->run_id, sizeof row->run_id, "%s", s->run_id);
	if (pb_row_format(&pb_raw_table, row, &line, err, sizeof err) != 0 ||
	    pb_rowfile_write(&s->raw, line.s, line.len, err, sizeof err) != 0)
		goto out;
	line.len = 0;
	if (backend) {
		struct pb_counter_row cr;
		memset(&cr, 0, sizeof cr);
		cr.key = *row;
		cr.key.cpus = NULL;
		snprintf(cr.backend, sizeof cr.backend, "%s", backend);
		for (int e = 0; e < nevents; e++) {
			snprintf(cr.event, sizeof cr.event, "%s", events[e]);
			cr.value = values[e];
			if (pb_row_format(&pb_counters_table, &cr, &line, err, sizeof err) != 0)
				goto out;
		}
		if (line.len && pb_rowfile_write(&s->ctr, line.s, line.len, err, sizeof err) != 0)
			goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		io_failure(s, err);
	free(line.s);
	return rc;
}

void pb_session_case_done(struct pb_session *s, int finished)
{
	s->done_cases++;
	s->t_last_done = pb_now();
	json_int_t cases = json_integer_value(json_object_get(s->meta, "cases")) + (finished ? 1 : 0);
	json_object_set_new(s->meta, "cases", json_integer(cases));
	pb_meta_guard_cases((long)cases);
	meta_save(s);
}

int pb_session_finish(struct pb_session *s)
{
	char err[PB_ERR_MAX], buf[64];
	pb_session_clear_line(s);
	/* a summary of what raw.csv holds (nothing when no repetition was ever recorded) */
	if (!s->io_failed && s->raw.len > s->raw_header_len && pb_summary_write_dir(s->dir, err, sizeof err) != 0)
		io_failure(s, err);
	/* --export-json, --export-csv, --export-md: the same results for other tools */
	struct pb_export_files ex = { s->o->export_json, s->o->export_csv, s->o->export_md };
	if (!s->io_failed && s->raw.len > s->raw_header_len && pb_export_dir(&ex, s->dir, err, sizeof err) != 0)
		io_failure(s, err);
	pb_iso_time(buf, sizeof buf);
	json_object_set_new(s->meta, "end_time", json_string(buf));
	json_object_set_new(s->meta, "status", json_string(s->status == 0 ? "ok" : "failed"));
	pb_meta_unguard();
	meta_save(s);
	json_decref(s->meta);
	s->meta = NULL;
	pb_rowfile_close(&s->raw);
	pb_rowfile_close(&s->ctr);
	if (!s->o->quiet && !s->io_failed)
		fprintf(stderr, "parbench: results in %s (plots and report.md: parbench report %s)\n", s->dir, s->dir);
	return s->status;
}
