/* mech_team.c: the endpoints of one mechanism case, processes or threads, driven batch by batch. */
#include "mech_team.h"

#include "proc.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Protocol.  parbench (the controller) and the endpoints share one control
 * block in MAP_SHARED anonymous memory, mapped before any endpoint exists
 * (no name, so nothing to leave behind).  Three 32-bit futex words order
 * everything:
 *   attached  each endpoint adds 1 once it has attached (or failed to);
 *   cmd_seq   the controller stores the command (RUN with ops and the batch
 *             number, or EXIT), then adds 1 and wakes every endpoint;
 *   done      each endpoint adds 1 when it has finished the command.
 * A RUN is: every endpoint arrives at a start barrier (spin, then block),
 * notes its start time, runs the mechanism's batch, notes its end time and
 * its facts in its own slot, then adds to done.  The controller posts a
 * command only when done has reached the endpoint count, so a command is
 * never overwritten while one is being read, and a barrier is never entered
 * by two batches at once.
 * It cannot deadlock: the controller never waits without a deadline; each
 * time one passes it reaps any endpoint process that died (and then stops
 * the case: the dead endpoint's peer may wait forever on a message queue or
 * a ring that has no EOF, so it is killed), and once an endpoint reports a
 * channel failure, the others get a grace period before they are killed.
 * Endpoints wait only for the controller's command, for the barrier that
 * every endpoint reaches, and for their peers inside the mechanism, whose
 * own protocols (mech_ipc.c) are deadlock-free.
 */
enum { CMD_NONE, CMD_RUN, CMD_EXIT };

#define POLL_NS 50000000L        /* the controller looks at its endpoints this often while waiting */
#define GRACE_S 1.0              /* after one endpoint failed, how long the others get */
#define ATTACH_TIMEOUT_S 30.0

_Static_assert(sizeof(((struct pb_mech_out *)0)->cpus) == sizeof(struct pb_cpuset),
	       "struct pb_mech_out's CPU bitmap has the layout of struct pb_cpuset");

struct slot {
	double t0, t1;             /* the batch's start and end on this endpoint */
	double user_s, sys_s;
	long max_rss_kb;
	struct pb_counter_values ctr;
	struct pb_mech_out out;
	int attach_rc;             /* 0, or -1 with err */
	int pid;
	char err[256];
} __attribute__((aligned(128)));  /* a line pair of its own: no false sharing between endpoints */

struct ctl {
	uint32_t cmd_seq, cmd_sleepers;
	uint32_t attached, done, failed;
	uint32_t cmd;
	uint64_t ops, batch;
	/* the start barrier: arrivals, and a generation that the last arrival advances */
	uint32_t bar_count, bar_gen, bar_sleepers;
	struct slot slots[];
};

struct pb_team {
	struct pb_team_opts o;
	struct pb_mech_case c;      /* a copy: the context points at it */
	struct pb_mech_ctx x;
	struct ctl *ctl;
	size_t ctl_len, shared_len;
	int processes;
	pid_t *pids;                /* process endpoints; 0 once reaped */
	pthread_t *threads;
	int nthreads;               /* created */
	int nstarted;               /* endpoints started (processes or threads) */
	int set_up;                 /* the mechanism's setup ran: teardown is due */
	int broken;                 /* a failure: close kills instead of asking */
	int abandoned;              /* threads that would not stop: the memory they use stays mapped */
	struct pb_team_ep *facts;
	struct pb_exec *mpi;        /* the mpi family: the case's MPI job, instead of endpoints */
	uint64_t nbatch;
	char label[512];
};

static void failf(char *err, size_t len, const struct pb_team *t, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void failf(char *err, size_t len, const struct pb_team *t, const char *fmt, ...)
{
	char why[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	snprintf(err, len, "%s: %s", t->label, why);
}

/* ---- the endpoint side ---- */

/* The start barrier: spin for a while, then sleep (endpoints may outnumber CPUs). */
static void start_barrier(struct ctl *ctl, int n)
{
	uint32_t g = __atomic_load_n(&ctl->bar_gen, __ATOMIC_ACQUIRE);
	if (__atomic_add_fetch(&ctl->bar_count, 1, __ATOMIC_ACQ_REL) == (uint32_t)n) {
		__atomic_store_n(&ctl->bar_count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&ctl->bar_gen, g + 1, __ATOMIC_SEQ_CST);
		pb_word_wake(&ctl->bar_gen, &ctl->bar_sleepers);
		return;
	}
	pb_word_wait(&ctl->bar_gen, g, &ctl->bar_sleepers, PB_MWAIT_HYBRID);
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

/* CPU time (and, for a process, peak RSS) of the calling endpoint: its own and, for a process, its reaped children's. */
static void cpu_now(int process, double *user, double *sys, long *rss)
{
	struct rusage self, kids;
	getrusage(process ? RUSAGE_SELF : RUSAGE_THREAD, &self);
	*user = tv_s(self.ru_utime);
	*sys = tv_s(self.ru_stime);
	*rss = 0;
	if (process) {
		getrusage(RUSAGE_CHILDREN, &kids);
		*user += tv_s(kids.ru_utime);
		*sys += tv_s(kids.ru_stime);
		*rss = self.ru_maxrss > kids.ru_maxrss ? self.ru_maxrss : kids.ru_maxrss;
	}
}

static void ep_batch(struct pb_team *t, int ep)
{
	struct ctl *ctl = t->ctl;
	struct slot *s = &ctl->slots[ep];
	struct pb_mech_ctx x = t->x; /* its own copy: the batch number differs from batch to batch */
	struct pb_ctr_session cs;
	struct pb_counter_values acc;
	double u0, s0, u1, s1;
	long rss;
	memset(&s->out, 0, sizeof s->out);
	memset(&acc, 0, sizeof acc);
	x.batch = ctl->batch;
	uint64_t ops = ctl->ops;
	cpu_now(t->processes, &u0, &s0, &rss);
	pb_ctr_start(&cs, t->o.counters);
	start_barrier(ctl, t->c.nep);
	s->t0 = pb_now();
	pb_mech_seen(&s->out);
	t->c.m->run(&x, ep, ops, &s->out);
	if (!s->out.proxy)
		pb_mech_seen(&s->out);
	s->t1 = pb_now();
	pb_ctr_stop(&cs, &acc);
	cpu_now(t->processes, &u1, &s1, &rss);
	s->user_s = u1 - u0 + s->out.proxy_user_s;
	s->sys_s = s1 - s0 + s->out.proxy_sys_s;
	s->max_rss_kb = rss > s->out.proxy_rss_kb ? rss : s->out.proxy_rss_kb;
	s->ctr = acc;
	if (s->out.failed)
		__atomic_fetch_add(&ctl->failed, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&ctl->done, 1, __ATOMIC_SEQ_CST);
	pb_futex_wake(&ctl->done, 1);
}

/* Bind the calling thread (a process endpoint is single-threaded) to set; 0 or -1 with err. */
static int bind_self(const struct pb_cpuset *set, char *err, size_t len)
{
	cpu_set_t cs;
	CPU_ZERO(&cs);
	int n = 0, first = -1;
	for (int cpu = 0; cpu < PB_MAX_CPUS && cpu < CPU_SETSIZE; cpu++)
		if (pb_cpuset_isset(set, cpu)) {
			CPU_SET(cpu, &cs);
			if (first < 0)
				first = cpu;
			n++;
		}
	if (n == 0)
		return 0;
	if (sched_setaffinity(0, sizeof cs, &cs) != 0) {
		snprintf(err, len, "cannot bind to CPU %d%s: %s", first, n > 1 ? " and others" : "", strerror(errno));
		return -1;
	}
	return 0;
}

static void ep_main(struct pb_team *t, int ep)
{
	struct ctl *ctl = t->ctl;
	struct slot *s = &ctl->slots[ep];
	int rc = bind_self(&t->o.places[ep], s->err, sizeof s->err);
	if (rc == 0 && t->c.m->attach)
		rc = t->c.m->attach(&t->x, ep, s->err, sizeof s->err);
	s->attach_rc = rc;
	if (rc)
		__atomic_fetch_add(&ctl->failed, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&ctl->attached, 1, __ATOMIC_SEQ_CST);
	pb_futex_wake(&ctl->attached, 1);
	if (rc) {
		if (t->c.m->detach)
			t->c.m->detach(&t->x, ep); /* what a partial attach opened */
		return;
	}
	uint32_t seen = 0;
	for (;;) {
		seen = pb_word_wait(&ctl->cmd_seq, seen, &ctl->cmd_sleepers, PB_MWAIT_BLOCK);
		if (__atomic_load_n(&ctl->cmd, __ATOMIC_ACQUIRE) == CMD_EXIT)
			break;
		ep_batch(t, ep);
	}
	if (t->c.m->detach)
		t->c.m->detach(&t->x, ep);
	pb_ctr_thread_done(t->o.counters);
}

struct thread_arg {
	struct pb_team *t;
	int ep;
};

static void *thread_main(void *arg)
{
	struct thread_arg *a = arg;
	ep_main(a->t, a->ep);
	free(a);
	return NULL;
}

/* ---- the controller side ---- */

/* Reap every endpoint process that has ended; the first that died before EXIT is described in err. */
static int reap_dead(struct pb_team *t, int exiting, char *err, size_t len)
{
	int dead = 0;
	for (int e = 0; t->processes && e < t->nstarted; e++) {
		int st;
		if (!t->pids[e])
			continue;
		pid_t r = waitpid(t->pids[e], &st, WNOHANG);
		if (r != t->pids[e])
			continue;
		pb_proc_unregister(t->pids[e]);
		if (!exiting && !dead++) {
			char how[64];
			pb_wait_status_str(st, how, sizeof how);
			failf(err, len, t, "endpoint %d (pid %ld) died mid-exchange: %s", e, (long)t->pids[e], how);
		}
		t->pids[e] = 0;
	}
	return dead;
}

/*
 * Wait until *word reaches n.  -1 with err if an endpoint process died, or
 * if one reported a failure (counted in ctl->failed) and the others did not
 * finish within the grace period; timeout_s > 0 bounds the whole wait.
 */
static int wait_count(struct pb_team *t, uint32_t *word, uint32_t n, double timeout_s, const char *what, char *err,
		      size_t len)
{
	double t0 = pb_now(), failed_at = 0;
	for (;;) {
		uint32_t v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
		if (v >= n)
			return 0;
		pb_futex_wait(word, v, POLL_NS);
		if (reap_dead(t, 0, err, len))
			return -1;
		double now = pb_now();
		if (__atomic_load_n(&t->ctl->failed, __ATOMIC_ACQUIRE)) {
			if (!failed_at)
				failed_at = now;
			else if (now - failed_at > GRACE_S) {
				failf(err, len, t, "an endpoint failed and the others did not finish %s", what);
				return -1;
			}
		}
		if (timeout_s > 0 && now - t0 > timeout_s) {
			failf(err, len, t, "the endpoints did not finish %s within %.0f s", what, timeout_s);
			return -1;
		}
	}
}

static int start_endpoints(struct pb_team *t, char *err, size_t len)
{
	for (int e = 0; e < t->c.nep; e++) {
		if (t->processes) {
			pid_t pid = pb_fork();
			if (pid < 0) {
				failf(err, len, t, "cannot fork endpoint %d: %s", e, strerror(errno));
				return -1;
			}
			if (pid == 0) {
				sigset_t hold;
				sigemptyset(&hold);
				sigaddset(&hold, SIGINT);
				sigaddset(&hold, SIGTERM);
				sigaddset(&hold, SIGHUP);
				pthread_sigmask(SIG_UNBLOCK, &hold, NULL);
				t->ctl->slots[e].pid = (int)getpid();
				ep_main(t, e);
				_exit(t->ctl->slots[e].attach_rc ? 2 : 0);
			}
			t->pids[e] = pid;
		} else {
			struct thread_arg *a = malloc(sizeof *a);
			sigset_t all, old;
			int rc = a ? 0 : ENOMEM;
			if (a) {
				*a = (struct thread_arg){ t, e };
				sigfillset(&all);
				pthread_sigmask(SIG_BLOCK, &all, &old); /* signals go to parbench's main thread */
				rc = pthread_create(&t->threads[e], NULL, thread_main, a);
				pthread_sigmask(SIG_SETMASK, &old, NULL);
			}
			if (rc) {
				free(a);
				failf(err, len, t, "cannot create endpoint thread %d: %s", e, strerror(rc));
				return -1;
			}
			t->nthreads++;
		}
		t->nstarted++;
	}
	return 0;
}

/* The first attach failure an endpoint reported, into err. */
static int attach_failure(struct pb_team *t, char *err, size_t len)
{
	for (int e = 0; e < t->nstarted; e++)
		if (t->ctl->slots[e].attach_rc) {
			failf(err, len, t, "endpoint %d: %s", e, t->ctl->slots[e].err);
			return -1;
		}
	return 0;
}

static int map_memory(struct pb_team *t, char *err, size_t len)
{
	t->ctl_len = sizeof(struct ctl) + (size_t)t->c.nep * sizeof(struct slot);
	t->ctl = mmap(NULL, t->ctl_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t->ctl == MAP_FAILED) {
		t->ctl = NULL;
		failf(err, len, t, "cannot map the control block: %s", strerror(errno));
		return -1;
	}
	t->shared_len = t->c.m->shared_size ? t->c.m->shared_size(&t->c) : 0;
	if (t->shared_len) {
		t->x.shared = mmap(NULL, t->shared_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (t->x.shared == MAP_FAILED) {
			t->x.shared = NULL;
			failf(err, len, t, "cannot map %zu bytes of shared memory: %s", t->shared_len, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static struct pb_team *team_alloc(const struct pb_team_opts *o)
{
	struct pb_team *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->o = *o;
	t->c = *o->c;
	t->processes = o->c->kind == PB_EP_PROCESS;
	t->pids = calloc((size_t)t->c.nep, sizeof *t->pids);
	t->threads = calloc((size_t)t->c.nep, sizeof *t->threads);
	t->facts = calloc((size_t)t->c.nep, sizeof *t->facts);
	if (!t->pids || !t->threads || !t->facts) {
		free(t->pids);
		free(t->threads);
		free(t->facts);
		free(t);
		return NULL;
	}
	snprintf(t->label, sizeof t->label, "%s", o->label);
	t->x.c = &t->c;
	t->x.owner_pid = (long)getpid();
	t->x.tmpdir = o->tmpdir;
	return t;
}

struct pb_team *pb_team_open(const struct pb_team_opts *o, char *err, size_t len)
{
	struct pb_team *t = team_alloc(o);
	if (!t) {
		snprintf(err, len, "%s: out of memory", o->label);
		return NULL;
	}
	if (t->c.m->mpi) { /* an MPI job: mpirun and its ranks (exec_mpi.c) */
		char why[1024] = "";
		if (!(t->mpi = pb_mpi_mech_open(&t->c, o->bind, o->hostfile, why, sizeof why))) {
			failf(err, len, t, "%s", why);
			pb_team_close(t);
			return NULL;
		}
		return t;
	}
	sigset_t hold, old;
	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &hold, &old); /* names exist from setup to ready: no signal in between */
	char why[512] = "";
	int rc = map_memory(t, err, len);
	if (rc == 0 && t->c.m->setup) {
		rc = t->c.m->setup(&t->x, why, sizeof why);
		if (rc)
			failf(err, len, t, "%s", why);
	}
	t->set_up = rc == 0;
	if (rc == 0)
		rc = start_endpoints(t, err, len);
	if (rc == 0)
		rc = wait_count(t, &t->ctl->attached, (uint32_t)t->c.nep, ATTACH_TIMEOUT_S, "starting", err, len);
	if (rc == 0)
		rc = attach_failure(t, err, len);
	if (rc == 0 && t->c.m->ready)
		t->c.m->ready(&t->x, t->processes);
	if (rc != 0) {
		attach_failure(t, err, len); /* an endpoint's own words explain more than "did not finish" */
		t->broken = 1;
		pb_team_close(t);
		t = NULL;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return t;
}

/* The facts of the batch just run, from the slots. */
static void gather(struct pb_team *t, struct pb_team_batch *b)
{
	double first = 0, last = 0;
	for (int e = 0; e < t->c.nep; e++) {
		const struct slot *s = &t->ctl->slots[e];
		struct pb_team_ep *f = &t->facts[e];
		memcpy(&f->cpus, s->out.cpus, sizeof f->cpus);
		f->user_s = s->user_s;
		f->sys_s = s->sys_s;
		f->max_rss_kb = s->max_rss_kb;
		f->ctr = s->ctr;
		f->out = s->out;
		f->pid = t->processes ? s->pid : 0;
		if (e == 0 || s->t0 < first)
			first = s->t0;
		if (e == 0 || s->t1 > last)
			last = s->t1;
	}
	b->span_s = last - first;
	b->nep = t->c.nep;
	b->ep = t->facts;
}

int pb_team_run(struct pb_team *t, uint64_t ops, struct pb_team_batch *b, char *err, size_t len)
{
	if (t->mpi) {
		char why[1024] = "";
		if (pb_mpi_mech_run(t->mpi, ops, t->nbatch++, &b->span_s, t->facts, why, sizeof why) != 0) {
			failf(err, len, t, "%s", why);
			t->broken = 1;
			return -1;
		}
		b->nep = t->c.nep;
		b->ep = t->facts;
		return 0;
	}
	struct ctl *ctl = t->ctl;
	ctl->ops = ops;
	ctl->batch = t->nbatch++;
	__atomic_store_n(&ctl->done, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&ctl->cmd, CMD_RUN, __ATOMIC_RELEASE);
	__atomic_fetch_add(&ctl->cmd_seq, 1, __ATOMIC_SEQ_CST);
	pb_word_wake(&ctl->cmd_seq, &ctl->cmd_sleepers);
	if (wait_count(t, &ctl->done, (uint32_t)t->c.nep, 0, "the batch", err, len) != 0) {
		t->broken = 1;
		return -1;
	}
	gather(t, b);
	for (int e = 0; e < t->c.nep; e++)
		if (t->facts[e].out.failed) {
			/* a peer that died explains a broken channel better than the channel does */
			usleep(20000);
			if (!reap_dead(t, 0, err, len))
				failf(err, len, t, "endpoint %d: %s", e, t->facts[e].out.why);
			t->broken = 1;
			return -1;
		}
	return 0;
}

int pb_team_verify(struct pb_team *t, uint64_t ops, char *msg, size_t len)
{
	struct pb_mech_out outs[64], *o = t->c.nep <= 64 ? outs : malloc((size_t)t->c.nep * sizeof *o);
	int rc = 0;
	if (!o) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	for (int e = 0; e < t->c.nep; e++) {
		o[e] = t->facts[e].out;
		if (rc == 0 && o[e].bad) {
			snprintf(msg, len, "endpoint %d: %llu of %llu operations failed their check; the first: %s", e,
				 (unsigned long long)o[e].bad, (unsigned long long)ops, o[e].why);
			rc = -1;
		} else if (rc == 0 && o[e].done != ops) {
			snprintf(msg, len, "endpoint %d did %llu of %llu operations", e, (unsigned long long)o[e].done,
				 (unsigned long long)ops);
			rc = -1;
		}
	}
	if (rc == 0 && t->c.m->verify)
		rc = t->c.m->verify(&t->x, ops, o, msg, len);
	if (o != outs)
		free(o);
	return rc;
}

/* Stop the endpoint processes: ask (EXIT), or kill after a failure; reap them all. */
static void stop_processes(struct pb_team *t)
{
	double t0 = pb_now();
	char ignore[8];
	if (t->broken)
		for (int e = 0; e < t->nstarted; e++)
			if (t->pids[e])
				kill(t->pids[e], SIGKILL);
	for (;;) {
		reap_dead(t, 1, ignore, sizeof ignore);
		int alive = 0;
		for (int e = 0; e < t->nstarted; e++)
			alive += t->pids[e] != 0;
		if (!alive)
			return;
		if (pb_now() - t0 > 5) /* asked to exit and did not: it is stuck */
			for (int e = 0; e < t->nstarted; e++)
				if (t->pids[e])
					kill(t->pids[e], SIGKILL);
		usleep(1000);
	}
}

/* Join the endpoint threads; after a failure, those that do not end within the grace period are left. */
static void stop_threads(struct pb_team *t)
{
	for (int e = 0; e < t->nthreads; e++) {
		if (!t->broken) {
			pthread_join(t->threads[e], NULL);
			continue;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)GRACE_S + 1;
		if (pthread_timedjoin_np(t->threads[e], NULL, &ts) != 0) {
			pthread_detach(t->threads[e]);
			t->abandoned = 1;
		}
	}
}

void pb_team_close(struct pb_team *t)
{
	if (!t)
		return;
	if (t->c.m->mpi) {
		pb_mpi_mech_close(t->mpi);
		free(t->threads);
		free(t->pids);
		free(t->facts);
		free(t);
		return;
	}
	if (t->ctl) {
		__atomic_store_n(&t->ctl->cmd, CMD_EXIT, __ATOMIC_RELEASE);
		__atomic_fetch_add(&t->ctl->cmd_seq, 1, __ATOMIC_SEQ_CST);
		pb_futex_wake(&t->ctl->cmd_seq, INT_MAX);
	}
	if (t->processes)
		stop_processes(t);
	else
		stop_threads(t);
	if (t->set_up && t->c.m->teardown && !t->abandoned)
		t->c.m->teardown(&t->x);
	if (!t->abandoned) {
		if (t->x.shared)
			munmap(t->x.shared, t->shared_len);
		if (t->ctl)
			munmap(t->ctl, t->ctl_len);
		free(t->threads);
		free(t->pids);
		free(t->facts);
		free(t);
	}
}
