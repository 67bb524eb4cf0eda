/* cmd_mech.c: `parbench mech`: every case of the plan as a team of endpoints: calibrate, warm up, measure, record. */
#include "commands.h"
#include "mech_place.h"
#include "mech_plan.h"
#include "mech_team.h"
#include "plan.h"
#include "proc.h"
#include "results.h"
#include "session.h"
#include "stats.h"
#include "summary.h"
#include "util.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

/*
 * Timing (README, "Mechanisms"): a repetition is one batch of operations
 * timed as one span, from the first endpoint's start (after a common
 * barrier) to the last one's end.  Without -n the batch is calibrated
 * EPCC-style: 1 operation, then growing (at most 64x a step) until a batch
 * of at least 16 operations lasts --min-time; the operation count is the power of two that did, and
 * the calibration batches count as warm-up.  Then --warmup batches more
 * (which shrink a batch that now lasts over 16 times --min-time), then
 * --reps measured ones.  Every batch is verified, warm-ups too.
 * Figure per operation = span / operations (summary.csv's per_op_s).
 */

struct mech_runner {
	struct pb_mech_opts *o;
	struct pb_mech_plan plan;
	struct pb_counters_cfg counters;
	struct pb_session s;
	struct pb_mech_topo topo;
	char tmpdir[4096];
	size_t noisy, measured;  /* cases above 5% CV; cases with rows */
	double timer_res_s;
	int table_header;
};

/* ---- facts for meta.json: the reference loops and the timer ---- */

/* The loop's own cost per operation, without any mechanism: a message moved with memcpy, both ways. */
static double ipc_reference_ns(uint64_t bytes, int round_trip)
{
	size_t len = (size_t)bytes;
	unsigned char *a = malloc(len), *b = malloc(len);
	struct pb_mech_out out;
	double best = INFINITY;
	if (!a || !b) {
		free(a);
		free(b);
		return NAN;
	}
	memset(&out, 0, sizeof out);
	uint64_t n = 1;
	for (int rep = 0; rep < 7; rep++) {
		uint64_t t0 = pb_mech_now_ns();
		for (uint64_t i = 0; i < n; i++)
			for (int d = 0; d < (round_trip ? 2 : 1); d++) {
				pb_msg_fill(a, len, pb_msg_seed(0, i, d));
				memcpy(b, a, len);
				pb_msg_verify(&out, b, len, pb_msg_seed(0, i, d), i);
			}
		double ns = (double)(pb_mech_now_ns() - t0);
		if (ns < 2e6) { /* too short to time: more, and this one does not count */
			n *= 4;
			rep--;
			continue;
		}
		if (ns / (double)n < best)
			best = ns / (double)n;
	}
	free(a);
	free(b);
	return out.bad ? NAN : best;
}

/* The sync loop's own cost: a plain increment through a volatile, as EPCC's reference loop. */
static double sync_reference_ns(void)
{
	volatile uint64_t v = 0;
	double best = INFINITY;
	for (int rep = 0; rep < 5; rep++) {
		const uint64_t n = 1u << 22;
		uint64_t t0 = pb_mech_now_ns();
		for (uint64_t i = 0; i < n; i++)
			v = v + 1;
		double ns = (double)(pb_mech_now_ns() - t0) / (double)n;
		if (ns < best)
			best = ns;
	}
	return best;
}

static double timer_call_ns(void)
{
	const int n = 100000;
	double sink = 0, t0 = pb_now();
	for (int i = 0; i < n; i++)
		sink += pb_now();
	double t = (pb_now() - t0) / n * 1e9;
	return sink > 0 ? t : t;
}

static json_t *reference_meta(const struct mech_runner *r)
{
	json_t *ref = json_object(), *lat = json_object(), *bw = json_object();
	for (size_t i = 0; i < r->plan.n; i++) {
		const struct pb_mech_case *c = &r->plan.cases[i].mc;
		if (!c->m->sized)
			continue;
		char k[32];
		snprintf(k, sizeof k, "%llu", (unsigned long long)c->bytes);
		json_t *which = c->mode == PB_MODE_LAT ? lat : bw;
		if (!json_object_get(which, k))
			json_object_set_new(which, k, json_real(ipc_reference_ns(c->bytes, c->mode == PB_MODE_LAT)));
	}
	json_object_set_new(ref, "what", json_string("each operation's loop without the mechanism, in ns: ipc "
						      "moves the message with memcpy (fill, copy, check; both ways "
						      "for lat), sync increments a volatile; not subtracted"));
	json_object_set_new(ref, "ipc_lat_ns_by_bytes", lat);
	json_object_set_new(ref, "ipc_bw_ns_by_bytes", bw);
	json_object_set_new(ref, "sync_ns", json_real(sync_reference_ns()));
	return ref;
}

static json_t *mech_meta(const struct mech_runner *r)
{
	const struct pb_common_opts *c = &r->o->c;
	char buf[64];
	json_t *m = json_object(), *ctr = json_object(), *ev = json_array(), *bind = json_object(),
	       *swept = json_array(), *mech = json_object(), *timer = json_object();
	json_object_set_new(ctr, "spec", json_string(c->counters_spec));
	json_object_set_new(ctr, "backend", json_string(pb_ctr_backend_name(r->counters.backend)));
	for (int i = 0; i < r->counters.nevents; i++)
		json_array_append_new(ev, json_string(r->counters.events[i]));
	json_object_set_new(ctr, "events", ev);
	json_object_set_new(ctr, "reason", json_string(r->counters.reason));
	json_object_set_new(m, "counters", ctr);
	json_object_set_new(bind, "policy", json_string(pb_bind_name(c->binds[0].kind)));
	json_object_set_new(bind, "order", json_string(pb_order_name(c->binds[0].order)));
	for (int i = 0; i < c->nbinds; i++) {
		pb_bind_str(&c->binds[i], buf, sizeof buf);
		json_array_append_new(swept, json_string(buf));
	}
	json_object_set_new(bind, "binds", swept);
	json_object_set_new(m, "binding", bind);
	json_object_set_new(mech, "min_time_s", json_real(r->o->min_time_s));
	json_object_set_new(mech, "calibrated", json_boolean(r->o->nops == 0));
	json_object_set_new(mech, "spin_then_block_ns", json_integer(PB_MECH_SPIN_NS));
	json_object_set_new(timer, "resolution_s", json_real(r->timer_res_s));
	json_object_set_new(timer, "call_ns", json_real(timer_call_ns()));
	json_object_set_new(timer, "note", json_string("two calls per repetition (its span): negligible against the batch"));
	json_object_set_new(mech, "timer", timer);
	json_object_set_new(mech, "reference", reference_meta(r));
	json_object_set_new(mech, "tmpdir", json_string(r->tmpdir));
	for (size_t i = 0; i < r->plan.n; i++)
		if (r->plan.cases[i].mc.m->mpi) { /* the mpi family's launch, as run's variants.mpi */
			char launch[8192];
			pb_mpi_mech_describe(launch, sizeof launch);
			json_object_set_new(mech, "mpi", json_string(launch));
			json_object_set_new(mech, "hostfile", json_string(r->o->hostfile));
			break;
		}
	json_object_set_new(m, "mech", mech);
	return m;
}

/* ---- the table on stdout ---- */

static void print_row(struct mech_runner *r, const struct pb_mech_plan_case *pc, uint64_t ops, const struct pb_stats *st,
		      const char *seen, int verified)
{
	const struct pb_mech_case *c = &pc->mc;
	if (!r->table_header) {
		printf("%-6s %-16s %-4s %9s %-8s %4s %-15s %-13s %-12s %12s %12s %19s %9s %s\n", "family", "mech", "mode",
		       "bytes", "variant", "j", "wait", "seen", "params", "ops", "us/op", "ci95_us", "GB/s", "verified");
		r->table_header = 1;
	}
	char bytes[24] = "-", gbs[24] = "-", ci[32];
	if (c->m->sized)
		snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)c->bytes);
	if (c->m->sized && c->mode == PB_MODE_BW && st->median > 0)
		snprintf(gbs, sizeof gbs, "%.3f", (double)c->bytes * (double)ops / st->median / 1e9);
	snprintf(ci, sizeof ci, "%.3f-%.3f", st->ci_lo / (double)ops * 1e6, st->ci_hi / (double)ops * 1e6);
	struct pb_strbuf extra = { 0 };
	for (int k = 0; k < c->nparams; k++)
		pb_sb_printf(&extra, "%s%s=%s", k ? ";" : "", c->params[k].key, c->params[k].val);
	printf("%-6s %-16s %-4s %9s %-8s %4d %-15s %-13s %-12s %12llu %12.4f %19s %9s %s\n", c->m->family, c->m->name,
	       c->m->modes ? pb_mode_name(c->mode) : "-", bytes, pb_ep_kind_name(c->kind), c->groups,
	       pb_mwait_name(c->wait), seen, extra.s ? extra.s : "-", (unsigned long long)ops,
	       st->median / (double)ops * 1e6, ci, gbs, verified ? "yes" : "NO");
	free(extra.s);
	pb_stdout_flush();
}

/* ---- one case ---- */

struct mech_case_run {
	size_t i;
	const struct pb_mech_plan_case *pc;
	struct pb_team *team;
	double setup_s;
	uint64_t ops;
};

/* The endpoints' CPUs: a placement's, or --bind's through hwloc, or none. */
static int plan_places(struct mech_runner *r, const struct pb_mech_plan_case *pc, struct pb_cpuset *sets)
{
	char err[512];
	int over = 0;
	const struct pb_mech_case *c = &pc->mc;
	if (pc->bind.kind != PB_BIND_NONE) {
		if (pb_pin_plan(&pc->bind, c->nep, sets, &over, err, sizeof err) != 0) {
			pb_session_err(&r->s, "mech: %s: %s", pc->label, err);
			return -1;
		}
		if (over)
			pb_session_warn(&r->s, "%d endpoints with --bind %s: more endpoints than places, placement wraps", c->nep,
					pb_bind_name(pc->bind.kind));
		return 0;
	}
	if (pb_mech_place_plan(&r->topo, c->place, c->nep, c->m->place_group, sets, err, sizeof err) != 0) {
		pb_session_err(&r->s, "mech: %s: %s", pc->label, err);
		return -1;
	}
	return 0;
}

static int open_case(struct mech_runner *r, struct mech_case_run *cr)
{
	const struct pb_mech_plan_case *pc = cr->pc;
	char err[1200] = "";
	struct pb_cpuset *sets = calloc((size_t)pc->mc.nep, sizeof *sets);
	if (!sets) {
		pb_session_err(&r->s, "mech: out of memory");
		return -1;
	}
	if (plan_places(r, pc, sets) != 0) {
		free(sets);
		return -1;
	}
	if (pc->mc.nep > pb_available_cpus() && pc->mc.wait == PB_MWAIT_SPIN)
		pb_session_warn(&r->s, "%s: %d spinning endpoints on %d CPUs: every hand-off waits for a time slice",
				pc->label, pc->mc.nep, pb_available_cpus());
	struct pb_team_opts to = { &pc->mc, sets, &r->counters, pc->label, r->tmpdir, r->o->hostfile, &pc->bind };
	pb_session_progress(&r->s, cr->i, pc->label, "starting", 0);
	pb_watchdog_arm(r->o->c.timeout_s, pc->label);
	double t0 = pb_now();
	cr->team = pb_team_open(&to, err, sizeof err);
	cr->setup_s = pb_now() - t0;
	pb_watchdog_disarm();
	free(sets);
	if (!cr->team) {
		pb_session_err(&r->s, "mech: %s", err);
		return -1;
	}
	return 0;
}

/*
 * One batch, verified.  0; 1 if it ran but failed its check (said on
 * stderr, once per case); -1 if it could not run (said).
 */
static int batch(struct mech_runner *r, struct mech_case_run *cr, uint64_t ops, struct pb_team_batch *b, int *said)
{
	char err[1200] = "";
	pb_watchdog_arm(r->o->c.timeout_s, cr->pc->label);
	int rc = pb_team_run(cr->team, ops, b, err, sizeof err);
	pb_watchdog_disarm();
	if (rc != 0) {
		pb_session_err(&r->s, "mech: %s", err);
		return -1;
	}
	if (pb_team_verify(cr->team, ops, err, sizeof err) != 0) {
		if (!*said)
			pb_session_err(&r->s, "mech: %s: failed verification: %s", cr->pc->label, err);
		*said = 1;
		return 1;
	}
	return 0;
}

/* EPCC-style: grow the batch until it lasts min_time; its operation count is a power of two. */
static int calibrate(struct mech_runner *r, struct mech_case_run *cr, int *said)
{
	struct pb_team_batch b;
	uint64_t ops = 1;
	pb_session_progress(&r->s, cr->i, cr->pc->label, "calibrating", 0);
	for (;;) {
		int rc = batch(r, cr, ops, &b, said);
		if (rc)
			return rc;
		/* at least 16 operations: one slow hand-off (a time slice) is not a measurement of many */
		if ((b.span_s >= r->o->min_time_s && ops >= 16) || ops >= (UINT64_C(1) << 40))
			break;
		double want = b.span_s > 0 ? r->o->min_time_s / b.span_s * 1.25 : 64;
		uint64_t grow = 2;
		while (grow < 64 && (double)grow < want)
			grow *= 2;
		ops *= grow;
	}
	cr->ops = ops;
	return 0;
}

/* The repetition's row: raw.csv, counters.csv. */
static int record(struct mech_runner *r, struct mech_case_run *cr, int rep, const struct pb_team_batch *b,
		  const char *seen, int verified)
{
	struct pb_raw_row row;
	struct pb_strbuf cpus = { 0 };
	long long values[PB_MAX_EVENTS] = { 0 };
	struct rusage self;
	char one[8192];
	pb_mech_plan_key(&r->plan, cr->i, &row);
	row.size = cr->ops;
	row.rep = rep;
	row.wall_s = b->span_s;
	row.setup_s = cr->setup_s;
	getrusage(RUSAGE_SELF, &self);
	row.max_rss_kb = self.ru_maxrss;
	pb_sb_puts(&cpus, "");
	for (int e = 0; e < b->nep; e++) {
		const struct pb_team_ep *f = &b->ep[e];
		row.user_s += f->user_s;
		row.sys_s += f->sys_s;
		if (f->max_rss_kb > row.max_rss_kb)
			row.max_rss_kb = f->max_rss_kb;
		for (int k = 0; k < r->counters.nevents && k < f->ctr.n; k++)
			values[k] += f->ctr.v[k];
		pb_cpuset_format(&f->cpus, one, sizeof one);
		if (e)
			pb_sb_putn(&cpus, ";", 1);
		if (f->host[0]) /* an MPI rank: host:cpus, as run's mpi variant records its ranks */
			pb_sb_printf(&cpus, "%s:", f->host);
		pb_sb_puts(&cpus, one);
	}
	snprintf(row.result, sizeof row.result, "seen=%s", seen);
	row.verified = verified;
	row.cpus = cpus.s;
	const char *backend = r->counters.backend == PB_CTR_NONE ? NULL : pb_ctr_backend_name(r->counters.backend);
	int rc = pb_session_record(&r->s, &row, backend, r->counters.nevents, r->counters.events, values);
	free(cpus.s);
	return rc;
}

static void seen_of(struct mech_runner *r, const struct mech_case_run *cr, const struct pb_team_batch *b, char *buf,
		    size_t len)
{
	struct pb_cpuset *sets = calloc((size_t)b->nep, sizeof *sets);
	if (!sets) {
		snprintf(buf, len, "unknown");
		return;
	}
	for (int e = 0; e < b->nep; e++) {
		sets[e] = b->ep[e].cpus;
		if (strcmp(b->ep[e].host, b->ep[0].host) != 0) { /* MPI ranks on several hosts */
			snprintf(buf, len, "other-host");
			free(sets);
			return;
		}
	}
	pb_mech_place_seen(&r->topo, sets, b->nep, cr->pc->mc.m->place_group, buf, len);
	free(sets);
}

/* After the repetitions: the progress line, the table row, the noise count. */
static void finish_case(struct mech_runner *r, const struct mech_case_run *cr, const double *walls, int n,
			const char *seen, int verified)
{
	struct pb_stats st;
	char what[160];
	pb_stats_compute(walls, (size_t)n, &st);
	snprintf(what, sizeof what, "%.4g us/op (median of %d, %llu ops each)", st.median / (double)cr->ops * 1e6, n,
		 (unsigned long long)cr->ops);
	pb_session_progress(&r->s, cr->i, cr->pc->label, what, 1);
	print_row(r, cr->pc, cr->ops, &st, seen, verified);
	r->measured++;
	if (n >= 3 && st.mean > 0 && st.stddev / st.mean > 0.05)
		r->noisy++;
}

/* Warm-ups and repetitions of an open case.  0; 1 a verification failed (recorded); -1 stop. */
static int measure(struct mech_runner *r, struct mech_case_run *cr, double *walls, int *nrows)
{
	const struct pb_common_opts *o = &r->o->c;
	struct pb_team_batch b;
	int said = 0, verified_all = 1, rc;
	char seen[32] = "unknown";
	if (cr->pc->ops)
		cr->ops = cr->pc->ops;
	else if ((rc = calibrate(r, cr, &said)) != 0)
		return rc;
	for (long w = 0, shrunk = 0; w < o->warmup; w++) {
		if ((rc = batch(r, cr, cr->ops, &b, &said)) != 0)
			return rc;
		/*
		 * A calibration that caught a lucky moment (two spinning endpoints that had
		 * a CPU each, then had to share one) would make every repetition last
		 * hundreds of times --min-time: the warm-up shrinks the batch back (a power of
		 * two, at least 16) and warms up again, at most 4 times.
		 */
		if (!cr->pc->ops && shrunk < 4 && cr->ops > 16 && b.span_s > 16 * r->o->min_time_s) {
			uint64_t ops = cr->ops;
			while (ops > 16 && (double)ops / (double)cr->ops * b.span_s > 2 * r->o->min_time_s)
				ops /= 2;
			cr->ops = ops;
			shrunk++;
			w--;
		}
	}
	for (long i = 0; i < o->reps; i++) {
		rc = batch(r, cr, cr->ops, &b, &said);
		if (rc < 0)
			return -1;
		verified_all &= rc == 0;
		seen_of(r, cr, &b, seen, sizeof seen);
		if (record(r, cr, (int)i + 1, &b, seen, rc == 0) != 0)
			return -1;
		walls[(*nrows)++] = b.span_s;
		char what[160];
		snprintf(what, sizeof what, "rep %ld/%ld: %.4g us/op", i + 1, o->reps, b.span_s / (double)cr->ops * 1e6);
		pb_session_progress(&r->s, cr->i, cr->pc->label, what, 0);
	}
	if (*nrows)
		finish_case(r, cr, walls, *nrows, seen, verified_all);
	return verified_all ? 0 : 1;
}

static int run_case(struct mech_runner *r, size_t i)
{
	struct mech_case_run cr = { .i = i, .pc = &r->plan.cases[i] };
	double *walls = calloc((size_t)r->o->c.reps, sizeof *walls);
	int nrows = 0;
	if (!walls) {
		pb_session_err(&r->s, "mech: out of memory");
		return -1;
	}
	if (open_case(r, &cr) != 0) {
		free(walls);
		return -1;
	}
	int rc = measure(r, &cr, walls, &nrows);
	pb_team_close(cr.team);
	free(walls);
	return rc;
}

/* ---- the command ---- */

/* --append of calibrated cases: their size is not known yet, so a case already there is matched without it. */
static int check_append(const struct mech_runner *r)
{
	struct pb_raw raw;
	char err[1024], path[4200];
	if (!r->o->c.append || r->o->nops)
		return 0; /* with -n the session matches whole keys */
	snprintf(path, sizeof path, "%s/raw.csv", r->o->c.out_dir);
	struct stat st;
	if (stat(path, &st) != 0 || pb_raw_read(r->o->c.out_dir, &raw, err, sizeof err) != 0)
		return 0; /* nothing to append to yet, or unreadable: the session says so */
	int rc = 0;
	for (size_t i = 0; i < r->plan.n && !rc; i++) {
		struct pb_raw_row k;
		pb_mech_plan_key(&r->plan, i, &k);
		for (size_t c = 0; c < raw.ncases && !rc; c++) {
			k.size = raw.cases[c].key.size;
			if (pb_case_key_equal(&raw.cases[c].key, &k)) {
				pb_err("cannot append to '%s': it already has case %s (--append adds new cases)",
				       r->o->c.out_dir, r->plan.cases[i].label);
				rc = -1;
			}
		}
	}
	pb_raw_free(&raw);
	return rc;
}

static void choose_tmpdir(char *buf, size_t len)
{
	const char *t = getenv("TMPDIR");
	struct stat st;
	snprintf(buf, len, "%s", t && *t && stat(t, &st) == 0 && S_ISDIR(st.st_mode) ? t : "/tmp");
}

static int open_runner(struct mech_runner *r)
{
	char err[512];
	struct timespec res;
	clock_getres(CLOCK_MONOTONIC, &res);
	r->timer_res_s = (double)res.tv_sec + (double)res.tv_nsec * 1e-9;
	choose_tmpdir(r->tmpdir, sizeof r->tmpdir);
	if (pb_counters_resolve(r->o->c.counters_spec, &r->counters, err, sizeof err) != 0) {
		pb_err("counters: %s", err);
		return 2;
	}
	if (pb_mech_topo_load(&r->topo, err, sizeof err) != 0) {
		pb_err("mech: %s", err);
		return 2;
	}
	if (pb_mech_plan_build(r->o, &r->plan) != 0)
		return 2;
	if (check_append(r) != 0)
		return 2;
	struct pb_raw_row *keys = calloc(r->plan.n, sizeof *keys);
	if (!keys) {
		pb_err("out of memory");
		return 2;
	}
	for (size_t i = 0; i < r->plan.n; i++)
		pb_mech_plan_key(&r->plan, i, &keys[i]);
	int rc = pb_session_open(&r->s, &r->o->c, mech_meta(r), keys, r->plan.n);
	free(keys);
	return rc ? 2 : 0;
}

int pb_cmd_mech(int argc, char **argv)
{
	static struct pb_mech_opts o;
	static struct mech_runner r; /* large: keep them off the stack */
	int rc = pb_mech_parse(argc, argv, &o);
	if (rc < 0)
		return 0;
	if (rc)
		return rc;
	memset(&r, 0, sizeof r);
	r.o = &o;
	if ((rc = open_runner(&r)) != 0) {
		pb_mech_plan_free(&r.plan);
		return rc;
	}
	for (size_t i = 0; i < r.plan.n; i++) {
		int c = run_case(&r, i);
		if (c != 0)
			r.s.status = 1;
		pb_session_case_done(&r.s, c >= 0);
		if (c < 0 || r.s.io_failed)
			break;
	}
	if (r.noisy)
		pb_session_warn(&r.s, "%zu of %zu cases have a coefficient of variation above 5%%; the machine may be noisy",
				r.noisy, r.measured);
	rc = pb_session_finish(&r.s);
	pb_mech_plan_free(&r.plan);
	return rc;
}
