/* exec_process.c: one fresh fork per dispatch of chunk tasks, the tutorials' manual Process approach. */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_proc_common.h"
#include "proc.h"
#include "util.h"

/*
 * Each dispatch forks a child that inherits job by copy-on-write (the fork
 * start method), computes its tasks, writes one reply (header, then its
 * output bytes, or an error text) to its own pipe and _exits.  The parent
 * reads the reply and reaps the child: wait4's rusage is the child's CPU
 * time and peak RSS.  At most `workers` children are alive at once; slot i
 * binds its children to places[i].
 *
 * What the variant measures is the fork, so the child does nothing of
 * parbench's own that it need not: counters are counted from the parent
 * (perf: events inherited by every child, opened once at open; rusage:
 * wait4's rusage of each child), only PAPI counts inside the child; and the
 * parent wakes once per task, as a bare fork + waitpid does: when the reply
 * fits in the pipe (always without output bytes) the child writes it
 * without blocking and exits, so the parent waits for the exit alone (a
 * pidfd becomes readable when the child is a zombie), then reads the reply
 * and reaps it at once.  Only a reply bigger than the pipe is read as it
 * comes, and its child reaped on the pipe's EOF.  With perf, the
 * children's counts are the run's total, reported on worker 0.
 */
enum { REP_DONE = 1, REP_ERROR };

struct proc_reply {
	uint32_t op;
	uint32_t text_len;         /* REP_ERROR: length of the text that follows */
	uint64_t out_off, out_len; /* REP_DONE: the output bytes that follow */
	struct pb_partial part;
	struct pb_worker_stat st;  /* CPUs seen, tasks done, counters (CPU time comes from wait4) */
};

#define ERR_TEXT_MAX 200

struct proc_slot {
	pid_t pid;             /* the child working for this slot, 0 if none */
	int fd;                /* its result pipe, the parent's read end; -1 if none */
	int pidfd;             /* readable when the child has exited; -1: wait on the pipe instead */
	uint64_t first, count; /* the tasks it was given */
	struct pb_pc_feed feed; /* its share of the run */
	int exhausted;         /* the schedule has no more tasks for this slot */
	long max_rss_kb;       /* largest peak RSS of this slot's children in the run */
};

struct pb_exec {
	int n;
	struct pb_cpuset *places; /* a copy of the plan, or NULL: children bind at run time */
	const struct pb_counters_cfg *counters;
	const struct pb_counters_cfg *child_counters; /* what a child counts for itself: NULL unless PAPI */
	struct pb_ctr_children cc; /* perf: the children, counted from here */
	int cc_open;
	struct proc_slot *s;
	struct pb_worker_stat *stats;
};

static int process_available(char *why, size_t len)
{
	(void)why;
	(void)len;
	return 1;
}

/*
 * Bind, in the parent and once, the libc functions that only a child calls
 * (pb_proc_child_init, the task loop, the reply): bound lazily, each would
 * be looked up through every loaded library again in every child, and the
 * look-up writes the GOT page, which the child must then copy.  Building
 * with -Wl,-z,now does the same for everything.
 */
static void bind_child_calls(void)
{
	int sig = 0;
	(void)prctl(PR_GET_PDEATHSIG, &sig);
	(void)getppid();
	(void)pb_current_cpu();
	(void)writev(-1, NULL, 0); /* EBADF, but bound */
}

static struct pb_exec *process_open(const struct pb_exec_opts *o, const struct pb_job *job, char *err,
				    size_t errlen)
{
	(void)job;
	struct pb_exec *ex = calloc(1, sizeof *ex);
	if (ex) {
		ex->s = calloc((size_t)o->workers, sizeof *ex->s);
		ex->stats = calloc((size_t)o->workers, sizeof *ex->stats);
		if (o->places)
			ex->places = calloc((size_t)o->workers, sizeof *ex->places);
	}
	if (!ex || !ex->s || !ex->stats || (o->places && !ex->places)) {
		snprintf(err, errlen, "process: out of memory");
		if (ex) {
			free(ex->s);
			free(ex->stats);
			free(ex->places);
			free(ex);
		}
		return NULL;
	}
	ex->n = o->workers;
	ex->counters = o->counters;
	bind_child_calls();
	ex->cc_open = pb_ctr_children_open(&ex->cc, o->counters) == 0;
	/* rusage comes from wait4 and perf from the inherited events; only PAPI (or perf that could not open here) counts in the child */
	if (o->counters && o->counters->backend != PB_CTR_NONE && o->counters->backend != PB_CTR_RUSAGE && !ex->cc_open)
		ex->child_counters = o->counters;
	if (o->places)
		memcpy(ex->places, o->places, (size_t)o->workers * sizeof *ex->places);
	for (int i = 0; i < ex->n; i++)
		ex->s[i].fd = ex->s[i].pidfd = -1;
	return ex;
}

/* ---- the child ---- */

static void child_reply_error(int fd, const char *text)
{
	struct proc_reply r;
	memset(&r, 0, sizeof r);
	r.op = REP_ERROR;
	r.text_len = (uint32_t)strnlen(text, ERR_TEXT_MAX);
	struct iovec iov[2] = { { &r, sizeof r }, { (void *)text, r.text_len } };
	(void)pb_pc_writev_full(fd, iov, 2);
}

static void child_main(struct pb_exec *ex, int slot, int wfd, const struct pb_job *job, const struct pb_run_req *req,
		       uint64_t first, uint64_t count) __attribute__((noreturn));

static void child_main(struct pb_exec *ex, int slot, int wfd, const struct pb_job *job, const struct pb_run_req *req,
		       uint64_t first, uint64_t count)
{
	/* The other slots' pipes are not this child's business. */
	for (int j = 0; j < ex->n; j++)
		if (ex->s[j].fd >= 0)
			close(ex->s[j].fd);
	if (pb_pc_bind(ex->places, slot) != 0) {
		child_reply_error(wfd, "cannot bind to its cpus");
		_exit(1);
	}

	struct proc_reply r;
	struct pb_ctr_session cs;
	memset(&r, 0, sizeof r);
	r.st.pid = (int)getpid();
	struct pb_view in = pb_job_in_view(job), out = pb_job_out_view(job);
	uint8_t *outbuf = NULL;
	struct pb_span os = { 0, 0 };
	if (job->wl->out_span) {
		/* job->out is shared memory: write a private copy and send it, as a forked Process must. */
		pb_pc_span(job, req, first, count, job->wl->out_span, &os);
		if (os.off > job->out_len || os.len > job->out_len - os.off) {
			child_reply_error(wfd, "output span outside the output buffer");
			_exit(1);
		}
		if (os.len && !(outbuf = malloc(os.len))) {
			child_reply_error(wfd, "cannot allocate the output");
			_exit(1);
		}
		out = (struct pb_view){ .base = outbuf, .off = os.off, .len = os.len };
	}
	pb_ctr_start(&cs, ex->child_counters);
	pb_exec_tasks_views(job, req, first, count, in, out, &r.part, &r.st);
	pb_ctr_stop(&cs, &r.st.ctr);
	r.op = REP_DONE;
	r.out_off = os.off;
	r.out_len = os.len;
	struct iovec iov[2] = { { &r, sizeof r }, { outbuf, os.len } };
	/* exit_group directly: _exit is the one libc call left that this process has not bound (bind_child_calls) */
	syscall(SYS_exit_group, pb_pc_writev_full(wfd, iov, os.len ? 2 : 1) != 0);
	_exit(1); /* not reached */
}

/* ---- the parent ---- */

static int spawn(struct pb_exec *ex, int i, const struct pb_job *job, const struct pb_run_req *req, uint64_t first,
		 uint64_t count, char *err, size_t errlen)
{
	struct proc_slot *s = &ex->s[i];
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "process: cannot create a pipe for worker %d: %s", i, strerror(errno));
		return -1;
	}
	/* A header alone always fits: any pipe holds at least a page. */
	size_t cap = 4096, reply = sizeof(struct proc_reply);
	if (job->wl->out_span) {
		struct pb_span os;
		pb_pc_span(job, req, first, count, job->wl->out_span, &os);
		reply += os.len;
		int got = fcntl(p[1], F_SETPIPE_SZ, 1 << 20); /* fewer wake-ups for big bands, as in the pool */
		if (got > 0)
			cap = (size_t)got;
	}
	pid_t pid = pb_fork();
	if (pid < 0) {
		snprintf(err, errlen, "process: cannot fork worker %d: %s", i, strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		child_main(ex, i, p[1], job, req, first, count);
	}
	close(p[1]);
	s->pid = pid;
	s->fd = p[0];
	s->first = first;
	s->count = count;
	/* No pidfd (Linux before 5.3), or a reply the child cannot write at once: wait on the pipe. */
	s->pidfd = reply <= cap ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	return 0;
}

/* Kill and reap every child still working; used when a run fails and by close. */
static void kill_busy(struct pb_exec *ex)
{
	for (int i = 0; i < ex->n; i++) {
		if (ex->s[i].pid > 0)
			pb_pc_reap(ex->s[i].pid, 0, NULL, NULL);
		ex->s[i].pid = 0;
		if (ex->s[i].fd >= 0)
			close(ex->s[i].fd);
		if (ex->s[i].pidfd >= 0)
			close(ex->s[i].pidfd);
		ex->s[i].fd = ex->s[i].pidfd = -1;
	}
}

/*
 * Reap slot s's child after its reply.  The child holds the only write end
 * of its pipe and _exits right after replying, so EOF on the pipe means it
 * is in its last steps of exiting (its memory already gone): wait for that
 * (up to grace_s, for a child that hangs instead), then one blocking wait4.
 * Fewer system calls than polling its state, on a path taken once per task.
 */
static void reap_after_reply(struct proc_slot *s, double grace_s, int *status, struct rusage *ru)
{
	double deadline = pb_now() + grace_s;
	for (;;) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		double left = deadline - pb_now();
		int rc = left > 0 ? poll(&p, 1, (int)(left * 1000) + 1) : 0;
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			break; /* it hangs after its reply: pb_pc_reap kills it */
		char c;
		ssize_t got = read(s->fd, &c, 1); /* the reply is read, so only EOF (or stray bytes) can come */
		if (got == 0 || (got < 0 && errno != EINTR))
			break;
	}
	pb_pc_reap(s->pid, 0.5, status, ru);
}

/* Read slot i's reply and reap its child. */
static int collect(struct pb_exec *ex, int i, const struct pb_job *job, struct pb_partial *total, char *err,
		   size_t errlen)
{
	struct proc_slot *s = &ex->s[i];
	struct proc_reply r;
	int ok = pb_read_full(s->fd, &r, sizeof r) == 0;
	char text[ERR_TEXT_MAX + 1] = "";
	if (ok && r.op == REP_ERROR) {
		size_t n = r.text_len < ERR_TEXT_MAX ? r.text_len : ERR_TEXT_MAX;
		if (pb_read_full(s->fd, text, n) != 0)
			n = 0;
		text[n] = '\0';
	} else if (ok && r.op == REP_DONE && r.out_len) {
		if (r.out_off > job->out_len || r.out_len > job->out_len - r.out_off) {
			snprintf(text, sizeof text, "returned bytes outside the output buffer");
			r.op = REP_ERROR;
		} else if (pb_read_full(s->fd, job->out + r.out_off, r.out_len) != 0) {
			ok = 0;
		}
	} else if (ok && r.op != REP_DONE) {
		snprintf(text, sizeof text, "sent an unexpected message");
		r.op = REP_ERROR;
	}

	int status = 0;
	struct rusage ru;
	pid_t pid = s->pid;
	memset(&ru, 0, sizeof ru);
	if (s->pidfd >= 0)
		pb_pc_reap(pid, 0.5, &status, &ru); /* it has exited: wait4 returns at once */
	else
		reap_after_reply(s, ok && r.op == REP_DONE ? 2.0 : 0.5, &status, &ru);
	s->pid = 0;
	close(s->fd);
	s->fd = -1;
	if (s->pidfd >= 0)
		close(s->pidfd);
	s->pidfd = -1;

	if (!ok || (r.op == REP_DONE && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))) {
		pb_pc_death_msg(err, errlen, "process", i, pid, s->first, s->count, status);
		return -1;
	}
	if (r.op == REP_ERROR) {
		snprintf(err, errlen, "process: worker %d (pid %ld) failed on tasks %llu-%llu: %s", i, (long)pid,
			 (unsigned long long)s->first, (unsigned long long)(s->first + s->count - 1), text);
		return -1;
	}
	pb_partial_add(total, &r.part);
	struct pb_worker_stat *st = &ex->stats[i];
	pb_cpuset_or(&st->cpus, &r.st.cpus);
	st->tasks_done += r.st.tasks_done;
	st->user_s += pb_pc_tv_s(ru.ru_utime);
	st->sys_s += pb_pc_tv_s(ru.ru_stime);
	pb_pc_ctr_add(&st->ctr, &r.st.ctr);
	st->pid = (int)pid;
	pb_ctr_from_child_rusage(ex->counters, &ru, &st->ctr);
	if (ru.ru_maxrss > s->max_rss_kb)
		s->max_rss_kb = ru.ru_maxrss;
	return 0;
}

static int process_run(struct pb_exec *ex, const struct pb_job *job, const struct pb_run_req *req,
		       struct pb_run_result *res, char *err, size_t errlen)
{
	struct pb_sched sc = req->sched;
	_Atomic uint64_t next = 0;
	struct pollfd *pfd = calloc((size_t)ex->n, sizeof *pfd);
	int *pidx = calloc((size_t)ex->n, sizeof *pidx);

	memset(res, 0, sizeof *res);
	if (!pfd || !pidx) {
		snprintf(err, errlen, "process: out of memory");
		goto fail;
	}
	sc.workers = ex->n;
	if (ex->cc_open)
		pb_ctr_children_start(&ex->cc);
	for (int i = 0; i < ex->n; i++) {
		memset(&ex->stats[i], 0, sizeof ex->stats[i]);
		memset(&ex->s[i].feed, 0, sizeof ex->s[i].feed);
		ex->s[i].exhausted = 0;
		ex->s[i].max_rss_kb = 0;
	}

	for (;;) {
		for (int i = 0; i < ex->n; i++) {
			uint64_t f, c;
			if (ex->s[i].pid > 0 || ex->s[i].exhausted)
				continue;
			if (!pb_pc_next(&sc, i, &ex->s[i].feed, &next, &f, &c)) {
				ex->s[i].exhausted = 1;
				continue;
			}
			if (spawn(ex, i, job, req, f, c, err, errlen) != 0)
				goto fail;
		}
		int nbusy = 0;
		for (int i = 0; i < ex->n; i++) {
			if (ex->s[i].pid <= 0)
				continue;
			pfd[nbusy].fd = ex->s[i].pidfd >= 0 ? ex->s[i].pidfd : ex->s[i].fd;
			pfd[nbusy].events = POLLIN;
			pfd[nbusy].revents = 0;
			pidx[nbusy++] = i;
		}
		if (nbusy == 0)
			break;
		if (nbusy > 1) {
			if (poll(pfd, (nfds_t)nbusy, -1) < 0) {
				if (errno == EINTR)
					continue;
				snprintf(err, errlen, "process: poll: %s", strerror(errno));
				goto fail;
			}
		} else {
			pfd[0].revents = POLLIN;
		}
		for (int k = 0; k < nbusy; k++)
			if (pfd[k].revents && collect(ex, pidx[k], job, &res->total, err, errlen) != 0)
				goto fail;
	}

	if (ex->cc_open)
		pb_ctr_children_stop(&ex->cc, &ex->stats[0].ctr); /* every child is reaped: their counts are in */
	long rss = 0;
	for (int i = 0; i < ex->n; i++)
		rss += ex->s[i].max_rss_kb; /* a slot's children live one after another: its peak is theirs */
	res->nworkers = ex->n;
	res->workers = ex->stats;
	pb_pc_child_totals(res, ex->stats, ex->n, rss);
	free(pfd);
	free(pidx);
	return 0;

fail:
	kill_busy(ex);
	free(pfd);
	free(pidx);
	return -1;
}

static void process_close(struct pb_exec *ex)
{
	if (!ex)
		return;
	kill_busy(ex);
	if (ex->cc_open)
		pb_ctr_children_close(&ex->cc);
	free(ex->s);
	free(ex->stats);
	free(ex->places);
	free(ex);
}

const struct pb_executor pb_ex_process = {
	.name = "process",
	.description = "one fresh fork per dispatch of chunk tasks (the manual Process approach)",
	.processes = 1,
	.available = process_available,
	.open = process_open,
	.run = process_run,
	.close = process_close,
};
