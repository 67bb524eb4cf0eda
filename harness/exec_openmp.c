/* exec_openmp.c: the openmp variant: one `parallel for` over the task indices per run. */
#include "executor.h"

#include <dlfcn.h>
#include <errno.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"

/* 128 bytes, not 64: x86's adjacent-line prefetcher fetches cache lines in pairs. */
#define SLOT_ALIGN 128

/*
 * One OpenMP thread's slot, aligned and padded to 128 bytes so that threads
 * writing their own results never share a cache line (no false sharing).
 * Threads accumulate on their stacks and write here once per run.
 */
struct oslot {
	_Alignas(SLOT_ALIGN) struct pb_partial part;
	struct pb_worker_stat stat;
	pid_t bound_tid;  /* the OS thread bound to this slot's place (0: none yet) */
	int bind_failed;  /* pb_pin_thread failed */
	int used_counters;
	double cpu_s; /* this run's share, CPU time to the nanosecond */
};

struct pb_exec {
	int nworkers;
	int spins;  /* the runtime's waiters spin (OMP_WAIT_POLICY, GOMP_SPINCOUNT) */
	int warned; /* the spinning warning was given for this open */
	char warning[512];
	int team; /* threads of the team open started (0: none started yet) */
	const struct pb_counters_cfg *counters;
	struct pb_cpuset *places; /* nworkers copies, or NULL when no worker is bound */
	struct pb_cpuset saved;   /* the main thread's binding at open, restored by close */
	int saved_ok;
	struct oslot *slots;
	struct pb_worker_stat *stats; /* contiguous copy handed out by run */
};

static int openmp_available(char *why, size_t len)
{
	(void)why;
	(void)len;
	return 1;
}

/* ---- the waiting policy ---- */

/* What the runtime was started with: who set OMP_WAIT_POLICY / GOMP_SPINCOUNT, in words. */
static const char *wait_origin(void)
{
	const char *mark = getenv("PARBENCH_OMP_WAIT");
	if (mark && *mark)
		return mark[0] == '!' ? "set by the user" : "set by parbench";
	return "runtime default";
}

/* Whether the runtime's waiters spin at all, from the environment it read at start. */
static int runtime_spins(void)
{
	const char *pol = getenv("OMP_WAIT_POLICY"), *count = getenv("GOMP_SPINCOUNT");
	if (count && *count)
		return strtod(count, NULL) != 0 || strncmp(count, "inf", 3) == 0;
	return !(pol && strcasecmp(pol, "passive") == 0);
}

/*
 * The spinning check (pb_spin_warning): what the process burnt during the
 * region beyond the threads' shares is waiting, at the closing barrier and
 * for the region to start.  Once per open.
 */
static void check_spinning(struct pb_exec *ex, double wall_s, double cpu_s, struct pb_run_result *res)
{
	if (ex->warned || !ex->spins)
		return;
	double work = 0;
	for (int i = 0; i < ex->nworkers; i++)
		work += ex->slots[i].cpu_s;
	if (pb_spin_check("openmp",
			  "set OMP_WAIT_POLICY=passive, or leave it unset and run with --wait block (the default), which sets it",
			  ex->nworkers, wall_s, cpu_s, work, ex->warning, sizeof ex->warning)) {
		ex->warned = 1;
		res->warning = ex->warning;
	}
}

/* argv of this process from /proc/self/cmdline, NULL-terminated, in *buf (free both); NULL on failure. */
static char **own_argv(char **buf)
{
	FILE *f = fopen("/proc/self/cmdline", "r");
	size_t cap = 4096, len = 0;
	char *b = malloc(cap);
	*buf = NULL;
	if (!f || !b) {
		if (f)
			fclose(f);
		free(b);
		return NULL;
	}
	for (size_t got; (got = fread(b + len, 1, cap - len, f)) > 0;) {
		len += got;
		if (len == cap) {
			char *nb = realloc(b, cap *= 2);
			if (!nb) {
				fclose(f);
				free(b);
				return NULL;
			}
			b = nb;
		}
	}
	fclose(f);
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += b[i] == '\0';
	char **argv = calloc(n + 1, sizeof *argv);
	if (!argv || n == 0) {
		free(argv);
		free(b);
		return NULL;
	}
	for (size_t i = 0, k = 0; i < len && k < n; k++) {
		argv[k] = b + i;
		i += strlen(b + i) + 1;
	}
	*buf = b;
	return argv;
}

int pb_openmp_apply_wait(enum pb_wait w, char *err, size_t errlen)
{
	const char *mark = getenv("PARBENCH_OMP_WAIT");
	if (mark && *mark)
		return 0; /* this is the re-executed program, or a child of it: the runtime started with the policy */
	const char *pol = getenv("OMP_WAIT_POLICY"), *count = getenv("GOMP_SPINCOUNT");
	if ((pol && *pol) || (count && *count)) {
		/* the user's own choice wins; meta.json says so ('!': not parbench's) */
		setenv("PARBENCH_OMP_WAIT", "!user", 1);
		return 0;
	}
	char *buf;
	char **argv = own_argv(&buf);
	if (!argv) {
		snprintf(err, errlen, "openmp: cannot read this program's arguments to restart it with --wait %s; the runtime's default waiting stays",
			 pb_wait_name(w));
		return -1;
	}
	switch (w) {
	case PB_WAIT_BLOCK:
		setenv("OMP_WAIT_POLICY", "passive", 1);
		break;
	case PB_WAIT_SPIN:
		setenv("OMP_WAIT_POLICY", "active", 1);
		break;
	case PB_WAIT_SPINBLOCK: {
		char n[32];
		snprintf(n, sizeof n, "%d", PB_SPIN_COUNT);
		setenv("GOMP_SPINCOUNT", n, 1);
		break;
	}
	}
	setenv("PARBENCH_OMP_WAIT", pb_wait_name(w), 1);
	fflush(NULL);
	execv("/proc/self/exe", argv);
	int e = errno;
	unsetenv("OMP_WAIT_POLICY");
	unsetenv("GOMP_SPINCOUNT");
	unsetenv("PARBENCH_OMP_WAIT");
	free(argv);
	free(buf);
	snprintf(err, errlen, "openmp: cannot restart with --wait %s (%s); the runtime's default waiting stays",
		 pb_wait_name(w), strerror(e));
	return -1;
}

/*
 * Bind the calling OpenMP thread t to its place unless this very OS thread
 * already is: the runtime normally keeps the same threads for a team of the
 * same size, so this binds once per open, yet stays right if it does not.
 */
static void bind_self(struct pb_exec *ex, int t)
{
	if (!ex->places || pb_cpuset_count(&ex->places[t]) == 0)
		return;
	pid_t me = gettid();
	if (ex->slots[t].bound_tid == me)
		return;
	if (pb_pin_thread(&ex->places[t]) == 0)
		ex->slots[t].bound_tid = me;
	else
		ex->slots[t].bind_failed = 1;
}

/* The first slot whose binding failed, or -1. */
static int bind_failure(const struct pb_exec *ex)
{
	for (int i = 0; i < ex->nworkers; i++)
		if (ex->slots[i].bind_failed)
			return i;
	return -1;
}

/*
 * Undo what open and run left on the runtime's threads, which outlive the
 * executor: give bound threads back the main thread's original binding (so a
 * later unbound case does not inherit it) and end counters on the helper
 * threads.  The main thread (OpenMP thread 0) keeps its counters registration,
 * as under the serial executor.
 */
static void release_team(struct pb_exec *ex)
{
	int P = ex->team;
	if (P <= 0)
		return;
#pragma omp parallel num_threads(P)
	{
		int t = omp_get_thread_num();
		struct oslot *sl = &ex->slots[t];
		if (ex->saved_ok && sl->bound_tid != 0)
			pb_pin_thread(&ex->saved);
		if (sl->used_counters && t != 0)
			pb_ctr_thread_done(ex->counters);
	}
	if (ex->saved_ok)
		pb_pin_thread(&ex->saved); /* the main thread, whichever slot it had */
}

static void openmp_close(struct pb_exec *ex)
{
	if (!ex)
		return;
	release_team(ex);
	free(ex->stats);
	free(ex->slots);
	free(ex->places);
	free(ex);
}

/*
 * The largest team this process has started: libgomp keeps its threads for
 * later regions, so only a larger team creates new ones.
 */
static int largest_team = 1;

/* Probe threads wait here until released, so that all of them are alive at once. */
struct probe_gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int open;
};

static void *probe_thread(void *arg)
{
	struct probe_gate *g = arg;
	pthread_mutex_lock(&g->lock);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/*
 * Whether the threads a team of P needs beyond those the runtime already has
 * can be created now.  libgomp cannot fail a thread creation gracefully: it
 * prints its own message and exits the process.  So the same number of
 * threads is created here first, alive at once (a process limit counts them
 * together), then released and joined; the team is started right after.
 * 0, or -1 with "openmp: cannot create worker N: <why>" in err.
 */
static int probe_team(int P, char *err, size_t errlen)
{
	struct probe_gate g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
	int extra = P - largest_team, made = 0, rc = 0;
	if (extra <= 0)
		return 0;
	pthread_t *t = malloc((size_t)extra * sizeof *t);
	if (!t) {
		snprintf(err, errlen, "openmp: out of memory");
		return -1;
	}
	for (; made < extra && rc == 0; made += rc == 0)
		rc = pthread_create(&t[made], NULL, probe_thread, &g);
	if (rc != 0)
		snprintf(err, errlen, "openmp: cannot create worker %d: %s", largest_team + made, strerror(rc));
	pthread_mutex_lock(&g.lock);
	g.open = 1;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
	for (int i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	free(t);
	return rc ? -1 : 0;
}

/*
 * Record the main thread's binding, then start a team of o->workers threads
 * (so the runtime creates its threads inside the timed setup) and bind each
 * to its place.  NULL with the reason in err if the runtime gives fewer
 * threads or a binding fails; the main thread's binding is then restored.
 */
static struct pb_exec *openmp_open(const struct pb_exec_opts *o, const struct pb_job *job, char *err,
				   size_t errlen)
{
	(void)job;
	int P = o->workers;
	if (P < 1) {
		snprintf(err, errlen, "openmp: invalid worker count %d", P);
		return NULL;
	}
	struct pb_exec *ex = calloc(1, sizeof *ex);
	if (!ex)
		goto nomem;
	ex->nworkers = P;
	ex->counters = o->counters;
	ex->spins = runtime_spins();
	ex->slots = aligned_alloc(SLOT_ALIGN, (size_t)P * sizeof *ex->slots);
	ex->stats = calloc((size_t)P, sizeof *ex->stats);
	if (!ex->slots || !ex->stats)
		goto nomem;
	memset(ex->slots, 0, (size_t)P * sizeof *ex->slots);
	int any = 0;
	for (int i = 0; o->places && i < P; i++)
		any |= pb_cpuset_count(&o->places[i]) > 0;
	if (any) {
		ex->places = malloc((size_t)P * sizeof *ex->places);
		if (!ex->places)
			goto nomem;
		memcpy(ex->places, o->places, (size_t)P * sizeof *ex->places);
		ex->saved_ok = pb_pin_get_thread(&ex->saved) == 0;
	}

	if (probe_team(P, err, errlen) != 0) {
		openmp_close(ex);
		return NULL;
	}
	int team = 0;
#pragma omp parallel num_threads(P)
	{
		int t = omp_get_thread_num(); /* < P: a team never exceeds num_threads */
		if (t == 0)
			team = omp_get_num_threads();
		bind_self(ex, t);
	}
	if (team > largest_team)
		largest_team = team;
	ex->team = team;
	if (team != P) {
		snprintf(err, errlen, "openmp: the runtime gave %d threads instead of %d (check OMP_THREAD_LIMIT and OMP_DYNAMIC)",
			 team, P);
		openmp_close(ex);
		return NULL;
	}
	int failed = bind_failure(ex);
	if (failed >= 0) {
		char cpus[256];
		pb_cpuset_format(&ex->places[failed], cpus, sizeof cpus);
		snprintf(err, errlen, "openmp: cannot bind thread %d to cpus %s", failed, cpus);
		openmp_close(ex);
		return NULL;
	}
	return ex;

nomem:
	snprintf(err, errlen, "openmp: out of memory");
	if (ex) {
		free(ex->stats);
		free(ex->slots);
		free(ex);
	}
	return NULL;
}

static int openmp_run(struct pb_exec *ex, const struct pb_job *job, const struct pb_run_req *req,
		      struct pb_run_result *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof *res);
	int P = ex->nworkers;
	if (req->sched.workers != P) {
		snprintf(err, errlen, "openmp: run asks for %d workers, the executor has %d", req->sched.workers, P);
		return -1;
	}
	const uint64_t T = req->sched.ntasks;
	const uint64_t C = req->sched.chunk ? req->sched.chunk : 1;
	const enum pb_schedule kind = req->sched.kind;
	int team = 0;
	/* the spinning check's clocks, only where the runtime spins: each read is a system call */
	const int spins = ex->spins;
	double t0 = spins ? pb_now() : 0, pc0 = spins ? pb_process_cpu_now() : 0;

#pragma omp parallel num_threads(P)
	{
		int t = omp_get_thread_num();
		struct pb_partial part;
		struct pb_worker_stat st;
		struct pb_ctr_session cs;
		double u0, s0, u1, s1;

		if (t == 0)
			team = omp_get_num_threads();
		bind_self(ex, t);
		memset(&part, 0, sizeof part);
		memset(&st, 0, sizeof st);
		double c0 = spins ? pb_thread_cpu_now() : 0;
		pb_thread_cputime(&u0, &s0);
		pb_ctr_start(&cs, ex->counters);
		/* Where the thread starts, so a thread left without tasks still reports its CPU. */
		pb_cpuset_set(&st.cpus, pb_current_cpu());
		/*
		 * One loop per schedule, each iteration one task index.  The
		 * clauses are compile-time constants except the chunk, so the
		 * runtime takes its direct path (no schedule(runtime) lookup).
		 * nowait: a thread stops its counters as soon as it runs dry.
		 */
		switch (kind) {
		case PB_SCHED_STATIC:
#pragma omp for schedule(static) nowait
			for (uint64_t k = 0; k < T; k++)
				pb_exec_tasks(job, req, k, 1, &part, &st);
			break;
		case PB_SCHED_CYCLIC:
#pragma omp for schedule(static, C) nowait
			for (uint64_t k = 0; k < T; k++)
				pb_exec_tasks(job, req, k, 1, &part, &st);
			break;
		case PB_SCHED_DYNAMIC:
#pragma omp for schedule(dynamic, C) nowait
			for (uint64_t k = 0; k < T; k++)
				pb_exec_tasks(job, req, k, 1, &part, &st);
			break;
		case PB_SCHED_GUIDED:
#pragma omp for schedule(guided, C) nowait
			for (uint64_t k = 0; k < T; k++)
				pb_exec_tasks(job, req, k, 1, &part, &st);
			break;
		}
		pb_ctr_stop(&cs, &st.ctr);
		pb_thread_cputime(&u1, &s1);
		st.user_s = u1 - u0;
		st.sys_s = s1 - s0;
		ex->slots[t].cpu_s = spins ? pb_thread_cpu_now() - c0 : 0;
		ex->slots[t].part = part;
		ex->slots[t].stat = st;
		ex->slots[t].used_counters = 1;
	}
	double wall = spins ? pb_now() - t0 : 0, cpu = spins ? pb_process_cpu_now() - pc0 : 0;
	if (team > largest_team)
		largest_team = team;
	ex->team = team;
	if (team != P) {
		snprintf(err, errlen, "openmp: the runtime gave %d threads instead of %d (check OMP_THREAD_LIMIT and OMP_DYNAMIC)",
			 team, P);
		return -1;
	}
	int failed = bind_failure(ex);
	if (failed >= 0) {
		char cpus[256];
		pb_cpuset_format(&ex->places[failed], cpus, sizeof cpus);
		snprintf(err, errlen, "openmp: cannot bind thread %d to cpus %s", failed, cpus);
		return -1;
	}
	for (int i = 0; i < P; i++) {
		pb_partial_add(&res->total, &ex->slots[i].part);
		ex->stats[i] = ex->slots[i].stat;
	}
	res->nworkers = P;
	res->workers = ex->stats;
	check_spinning(ex, wall, cpu, res);
	return 0;
}

/* The runtime library's file name, found from where omp_get_max_threads lives. */
static const char *runtime_name(void)
{
	Dl_info info;
	if (dladdr((void *)omp_get_max_threads, &info) && info.dli_fname) {
		const char *slash = strrchr(info.dli_fname, '/');
		return slash ? slash + 1 : info.dli_fname;
	}
	return "unknown";
}

static const char *env_or_unset(const char *name)
{
	const char *v = getenv(name);
	return v ? v : "unset";
}

static void openmp_describe(char *buf, size_t len)
{
	const char *mark = getenv("PARBENCH_OMP_WAIT");
	snprintf(buf, len,
		 "runtime=%s _OPENMP=%d max_threads=%d OMP_WAIT_POLICY=%s OMP_PROC_BIND=%s GOMP_SPINCOUNT=%s (wait: %s%s%s)",
		 runtime_name(), _OPENMP, omp_get_max_threads(), env_or_unset("OMP_WAIT_POLICY"),
		 env_or_unset("OMP_PROC_BIND"), env_or_unset("GOMP_SPINCOUNT"), wait_origin(),
		 mark && *mark && mark[0] != '!' ? " to match --wait " : "", mark && *mark && mark[0] != '!' ? mark : "");
}

const struct pb_executor pb_ex_openmp = {
	.name = "openmp",
	.description = "an OpenMP parallel for over the tasks with the requested schedule and chunk",
	.processes = 0,
	.available = openmp_available,
	.open = openmp_open,
	.run = openmp_run,
	.describe = openmp_describe,
	.close = openmp_close,
};
