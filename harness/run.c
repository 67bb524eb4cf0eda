/* run.c: the runner: for each case of the plan, open, warm up, measure, verify, record. */
#include "run.h"
#include "meta.h"
#include "machine.h"
#include "plan.h"
#include "plugin.h"
#include "proc.h"
#include "session.h"
#include "stats.h"
#include "table.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct runner {
	struct pb_run_opts *o;
	struct pb_plan plan;
	struct pb_counters_cfg counters;
	struct pb_session s;
	struct pb_tab tab;
	double timer_res_s;
	struct pb_cpu_ticks ticks0[PB_MAX_CPUS], ticks1[PB_MAX_CPUS]; /* /proc/stat around a repetition */
	int ticks_ok;                                                  /* ticks0 was read */
};

/* run's part of meta.json: the counters, the bindings, the variants. */
static json_t *run_meta(const struct runner *r)
{
	const struct pb_common_opts *c = &r->o->c;
	char buf[64];
	json_t *m = json_object();
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
	json_t *plugins = pb_plugins_json(); /* path and SHA-256: which kernel the rows measured */
	if (plugins)
		json_object_set_new(m, "plugins", plugins);
	json_object_set_new(m, "wait", json_string(pb_wait_name(r->o->wait)));
	return m;
}

/* ---- the table (table.c: the same format as `report`) ---- */

static void print_table_row(struct runner *r, size_t c, const struct pb_stats *st, const char *result,
			    int verified)
{
	static struct pb_sumrow row; /* large: keep it off the stack */
	memset(&row, 0, sizeof row);
	pb_plan_case_key(&r->plan, c, &row.key);
	snprintf(row.key.result, sizeof row.key.result, "%s", result);
	row.st = *st;
	row.verified = verified;
	if (isatty(STDOUT_FILENO))
		pb_session_clear_line(&r->s); /* the row goes where the progress line is */
	pb_tab_row(&r->tab, &row);
	pb_stdout_flush();
}

/* ---- recording ---- */

/* The workers' CPU lists, ';'-separated, into b; "host:cpus" for a worker that names its host (mpi). */
static void format_cpus(const struct pb_run_result *res, struct pb_strbuf *b)
{
	char one[8192];
	pb_sb_puts(b, "");
	for (int w = 0; w < res->nworkers; w++) {
		const struct pb_worker_stat *st = &res->workers[w];
		pb_cpuset_format(&st->cpus, one, sizeof one);
		if (w)
			pb_sb_putn(b, ";", 1);
		if (st->host[0])
			pb_sb_printf(b, "%.*s:", (int)sizeof st->host, st->host);
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
	double steal_s, others_s; /* what disturbed it (see disturb_end) */
	long nivcsw;
	int disturbed;
	char disturbed_why[128];
};

/* raw.csv's row, then counters.csv's rows, of one repetition: each file gets whole rows or nothing. */
static int record_rep(struct runner *r, size_t c, double setup_s, const struct rep *rp)
{
	struct pb_raw_row row;
	struct pb_strbuf cpus = { 0 };
	long long values[PB_MAX_EVENTS] = { 0 };
	pb_plan_case_key(&r->plan, c, &row);
	row.rep = rp->n;
	row.wall_s = rp->wall;
	row.setup_s = setup_s;
	row.user_s = rp->user;
	row.sys_s = rp->sys;
	row.max_rss_kb = rp->rss;
	snprintf(row.result, sizeof row.result, "%s", rp->result);
	row.verified = rp->verified;
	snprintf(row.check, sizeof row.check, "%s", pb_workload_check(r->plan.jobs[r->plan.cases[c].job].wl));
	format_cpus(rp->res, &cpus);
	row.cpus = cpus.s;
	row.steal_s = rp->steal_s;
	row.others_s = rp->others_s;
	row.nivcsw = rp->nivcsw;
	row.disturbed = rp->disturbed;
	for (int e = 0; e < r->counters.nevents; e++)
		for (int w = 0; w < rp->res->nworkers; w++)
			if (e < rp->res->workers[w].ctr.n)
				values[e] += rp->res->workers[w].ctr.v[e];
	const char *backend = r->counters.backend == PB_CTR_NONE ? NULL : pb_ctr_backend_name(r->counters.backend);
	int rc = pb_session_record(&r->s, &row, backend, r->counters.nevents, r->counters.events, values);
	free(cpus.s);
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
	/* the worker processes seen in the last run, and their involuntary switches before this one */
	int nw;
	int *wpid;
	long *wniv0;
	struct rusage children0;
};

static void close_case_facts(struct open_case *oc)
{
	free(oc->wpid);
	free(oc->wniv0);
	oc->wpid = NULL;
	oc->wniv0 = NULL;
}

/* Place the workers, warn about wrapping and oversubscription, open the executor (timed as set-up). */
static int open_case(struct runner *r, struct pb_job *job, size_t c, double prep_s, struct open_case *oc)
{
	const struct pb_plan_case *pc = &r->plan.cases[c];
	char err[1024] = "";
	int over = 0;
	struct pb_cpuset *places = calloc((size_t)pc->workers, sizeof *places);
	memset(oc, 0, sizeof *oc);
	oc->c = c;
	oc->nw = pc->workers;
	oc->wpid = calloc((size_t)pc->workers, sizeof *oc->wpid);
	oc->wniv0 = calloc((size_t)pc->workers, sizeof *oc->wniv0);
	pb_plan_case_label(&r->plan, c, oc->label, sizeof oc->label);
	oc->req = (struct pb_run_req){
		.sched = { .kind = pc->sched, .ntasks = pc->tasks, .chunk = pc->chunk, .workers = pc->workers },
		.n_items = job->n_items,
	};
	if (!places || !oc->wpid || !oc->wniv0) {
		pb_err("out of memory");
		free(places);
		close_case_facts(oc);
		return -1;
	}
	if (pb_pin_plan(&pc->bind, pc->workers, places, &over, err, sizeof err) != 0) {
		pb_err("%s: %s", oc->label, err); /* the plan validated it; kept for safety */
		free(places);
		close_case_facts(oc);
		return -1;
	}
	if (over && pc->bind.kind != PB_BIND_NONE)
		pb_session_warn(&r->s, "%d workers with --bind %s: more workers than places, placement wraps round-robin",
			    pc->workers, pb_bind_name(pc->bind.kind));
	if (pc->workers > pb_available_cpus())
		pb_session_warn(&r->s, "%d workers on %d CPUs: the run is oversubscribed", pc->workers, pb_available_cpus());
	struct pb_exec_opts eo = { .workers = pc->workers, .bind = pc->bind, .places = places, .counters = &r->counters,
				   .wait = r->o->wait, .hostfile = r->o->hostfile[0] ? r->o->hostfile : NULL };
	pb_session_progress(&r->s, c, oc->label, "starting", 0);
	double t0 = pb_now();
	oc->ex = pc->ex->open(&eo, job, err, sizeof err);
	oc->setup_s = prep_s + (pb_now() - t0);
	free(places);
	if (!oc->ex) {
		pb_session_err(&r->s, "%s", err);
		close_case_facts(oc);
		return -1;
	}
	return 0;
}

/*
 * What else the machine did during a repetition (README, "Disturbed
 * repetitions"), read outside the timed region: per CPU, the hypervisor's
 * steal and the busy time of everything (/proc/stat), and the involuntary context switches of everything that
 * runs the case: this process and its threads (RUSAGE_SELF), worker
 * processes reaped during the run (RUSAGE_CHILDREN: the process variant),
 * and worker processes that outlive it (pool, shm: their /proc/PID/status,
 * by the pids the previous run reported, so a warm-up or the first
 * repetition's own start is the reference).  Executors need not change.
 */
static void disturb_begin(struct runner *r, struct open_case *oc)
{
	r->ticks_ok = pb_machine_cpu_ticks(r->ticks0, PB_MAX_CPUS) > 0;
	for (int w = 0; w < oc->nw; w++)
		oc->wniv0[w] = oc->wpid[w] > 0 ? pb_machine_nivcsw(oc->wpid[w]) : -1;
	getrusage(RUSAGE_CHILDREN, &oc->children0);
}

static void disturb_end(struct runner *r, struct open_case *oc, const struct pb_run_result *res,
			const struct rusage *self0, const struct rusage *self1, struct rep *rp)
{
	struct rusage ch1;
	struct pb_cpuset used;
	int self = (int)getpid();
	long n = self1->ru_nivcsw - self0->ru_nivcsw;
	if (getrusage(RUSAGE_CHILDREN, &ch1) == 0 && ch1.ru_nivcsw >= oc->children0.ru_nivcsw)
		n += ch1.ru_nivcsw - oc->children0.ru_nivcsw;
	pb_cpuset_zero(&used);
	for (int w = 0; w < res->nworkers; w++) {
		int pid = res->workers[w].pid;
		pb_cpuset_or(&used, &res->workers[w].cpus);
		if (w >= oc->nw)
			continue;
		if (pid > 0 && pid != self && pid == oc->wpid[w] && oc->wniv0[w] >= 0) {
			long v = pb_machine_nivcsw(pid);
			if (v >= oc->wniv0[w])
				n += v - oc->wniv0[w];
		}
		oc->wpid[w] = pid > 0 && pid != self ? pid : 0;
	}
	if (!rp)
		return;
	struct pb_disturbance d = { .wall_s = rp->wall, .workers = res->nworkers, .cpus_used = pb_cpuset_count(&used),
				    .tick_s = pb_machine_tick_s() };
	int online = r->ticks_ok ? pb_machine_cpu_ticks(r->ticks1, PB_MAX_CPUS) : -1;
	if (online > 0) {
		unsigned long long steal = 0, busy = 0;
		for (int cpu = 0; cpu < PB_MAX_CPUS; cpu++) {
			const struct pb_cpu_ticks *a = &r->ticks0[cpu], *b = &r->ticks1[cpu];
			if (b->busy > a->busy)
				busy += b->busy - a->busy;
			if ((d.cpus_used == 0 || pb_cpuset_isset(&used, cpu)) && b->steal > a->steal)
				steal += b->steal - a->steal;
		}
		d.cpus_online = online;
		d.steal_s = (double)steal * d.tick_s;
		d.others_s = (double)busy * d.tick_s - (rp->user + rp->sys);
		if (d.others_s < 0)
			d.others_s = 0;
	}
	d.nivcsw = n > 0 ? n : 0;
	rp->steal_s = d.steal_s;
	rp->others_s = d.others_s;
	rp->nivcsw = d.nivcsw;
	rp->disturbed = online > 0 && pb_rep_disturbed(&d, rp->disturbed_why, sizeof rp->disturbed_why);
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
	pb_plugin_run_begin(job->wl, pc->tasks, oc->label);
	disturb_begin(r, oc);
	getrusage(RUSAGE_SELF, &ru0);
	pb_watchdog_arm(r->o->c.timeout_s, oc->label);
	double a = pb_now();
	int rc = pc->ex->run(oc->ex, job, &oc->req, res, err, sizeof err);
	double wall = pb_now() - a;
	pb_watchdog_disarm();
	getrusage(RUSAGE_SELF, &ru1);
	if (rc != 0) {
		char note[3072] = "";
		if (pb_plugin_failure_note(job->wl, note, sizeof note) == 0)
			pb_session_err(&r->s, "%s; %s", err[0] ? err : "run failed", note); /* the user's kernel, named */
		else
			pb_session_err(&r->s, "%s", err[0] ? err : "run failed");
		return -1;
	}
	if (res->warning)
		pb_session_warn(&r->s, "%s: %s", oc->label, res->warning);
	if (rp) {
		rp->wall = wall;
		rp->user = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime) + res->child_user_s;
		rp->sys = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime) + res->child_sys_s;
	}
	disturb_end(r, oc, res, &ru0, &ru1, rp);
	int ok = verify_total(job, &res->total, msg, sizeof msg) == 0;
	if (!ok) {
		pb_session_err(&r->s, "%s: %s result failed verification: %s", oc->label, rp ? "a measured" : "a warm-up",
			       msg);
	}
	if (rp) {
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
	char med[32];
	pb_stats_compute(walls, (size_t)nrows, &st);
	pb_fmt_time(med, sizeof med, st.median);
	snprintf(what, sizeof what, "median %s (%d reps)", med, nrows);
	pb_session_progress(&r->s, oc->c, oc->label, what, 1);
	print_table_row(r, oc->c, &st, result, verified);
	double floor_s = 20 * r->timer_res_s > 1e-3 ? 20 * r->timer_res_s : 1e-3;
	if (st.median < floor_s)
		pb_session_warn(&r->s, "%s: median %.3g s is shorter than %.3g s; timings this short are noise, raise -n",
			    oc->label, st.median, floor_s);
	if (nrows >= 3 && st.mean > 0 && st.stddev / st.mean > 0.05)
		pb_session_warn(&r->s, "%s: coefficient of variation %.1f%% is above 5%%; the machine may be noisy", oc->label,
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
	/* --min-time: repetitions go on until they add up to it, at most PB_MIN_TIME_MAX_REPS (or -r) */
	long max_reps = o->min_time_s > 0 && o->reps < PB_MIN_TIME_MAX_REPS ? PB_MIN_TIME_MAX_REPS : o->reps;
	double *walls = calloc((size_t)max_reps, sizeof *walls), measured_s = 0;
	int nrows = 0, ret = 0, verified_all = 1, ndisturbed = 0;
	char result[PB_RESULT_MAX] = "", disturbed_why[128] = "";
	if (!walls) {
		pb_err("out of memory");
		return -1;
	}
	if (open_case(r, job, c, prep_s, &oc) != 0) {
		free(walls);
		return -1;
	}
	for (long i = 0; ret >= 0 && (i < o->warmup + o->reps || (measured_s < o->min_time_s && nrows < max_reps)); i++) {
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
			measured_s += rp.wall;
			if (rp.disturbed && ndisturbed++ == 0)
				snprintf(disturbed_why, sizeof disturbed_why, "%s", rp.disturbed_why);
			char what[128], med[32];
			struct pb_stats st;
			pb_stats_compute(walls, (size_t)nrows, &st);
			pb_fmt_time(med, sizeof med, st.median);
			if (nrows > o->reps)
				snprintf(what, sizeof what, "rep %d, %.2g of --min-time %g s, median so far %s", rp.n,
					 measured_s, o->min_time_s, med);
			else
				snprintf(what, sizeof what, "rep %d/%ld, median so far %s", rp.n, o->reps, med);
			pb_session_progress(&r->s, c, oc.label, what, 0);
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
			pb_session_err(&r->s, "%s: %s", job->wl->name, err);
			ret = 1;
		}
	}
	r->plan.cases[c].ex->close(oc.ex);
	close_case_facts(&oc);
	if (nrows > 0 && !r->s.io_failed)
		finish_case(r, &oc, walls, nrows, result, verified_all);
	if (ndisturbed)
		pb_session_warn(&r->s, "%s: %d of %d repetitions disturbed (the first: %s); compare leaves them out",
				oc.label, ndisturbed, nrows, disturbed_why);
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
			r->s.status = 1; /* the plan prepared it once already: the machine changed under us */
			return;
		}
		const struct pb_plan_job *pj = &r->plan.jobs[j];
		int stop = 0;
		for (size_t c = pj->first_case; c < pj->first_case + pj->ncases && !stop; c++) {
			int rc = run_case(r, &job, c, prep_s);
			if (rc != 0)
				r->s.status = 1;
			pb_session_case_done(&r->s, rc >= 0);
			stop = rc < 0 || r->s.io_failed;
		}
		job.wl->release(&job);
		if (stop)
			return;
	}
}

/* The keys of every case of the plan (for --append's check); NULL if out of memory. */
static struct pb_raw_row *plan_keys(const struct pb_plan *p)
{
	struct pb_raw_row *k = calloc(p->ncases ? p->ncases : 1, sizeof *k);
	for (size_t c = 0; k && c < p->ncases; c++)
		pb_plan_case_key(p, c, &k[c]);
	return k;
}

/* --append: the run in dir may take this command's plugins (none of the same name with another hash); 0 or -1 (printed). */
static int plugins_fit_run(const char *dir)
{
	json_t *old = NULL;
	char err[1024];
	int rc = 0;
	if (pb_meta_load(dir, &old, err, sizeof err) == 0 && pb_plugins_check_meta(old, err, sizeof err) != 0) {
		pb_err("cannot append to '%s': %s", dir, err);
		rc = -1;
	}
	json_decref(old);
	return rc; /* an unreadable meta.json is the session's to report */
}

int pb_run_execute(struct pb_run_opts *o)
{
	struct runner r;
	char err[512];
	struct timespec res;

	memset(&r, 0, sizeof r);
	r.o = o;
	clock_getres(CLOCK_MONOTONIC, &res);
	r.timer_res_s = (double)res.tv_sec + (double)res.tv_nsec * 1e-9;

	/* OpenMP reads its waiting policy when it is loaded: this may restart the program to set it */
	for (int v = 0; v < o->nvariants; v++)
		if (strcmp(o->variants[v]->name, "openmp") == 0 && pb_openmp_apply_wait(o->wait, err, sizeof err) != 0)
			pb_warn("%s", err);
	if (pb_counters_resolve(o->c.counters_spec, &r.counters, err, sizeof err) != 0) {
		pb_err("counters: %s", err);
		return 2;
	}
	if (pb_plan_build(o, &r.plan) != 0)
		return 2;
	if (o->c.append && plugins_fit_run(o->c.out_dir) != 0) {
		pb_plan_free(&r.plan);
		return 2;
	}
	struct pb_raw_row *keys = plan_keys(&r.plan);
	int rc = -1;
	if (!keys || pb_tab_begin(&r.tab, stdout, 0, keys, r.plan.ncases) != 0)
		pb_err("out of memory");
	else
		rc = pb_session_open(&r.s, &o->c, run_meta(&r), keys, r.plan.ncases);
	free(keys);
	if (rc != 0) {
		pb_tab_free(&r.tab);
		pb_plan_free(&r.plan);
		return 2;
	}
	if (o->c.append)
		pb_plugins_merge_meta(r.s.meta);
	execute(&r);
	rc = pb_session_finish(&r.s);
	pb_tab_free(&r.tab);
	pb_plan_free(&r.plan);
	return rc;
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
