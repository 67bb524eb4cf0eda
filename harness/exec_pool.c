/* exec_pool.c: pre-forked worker processes fed task messages over pipes (multiprocessing.Pool done right). */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec_proc_common.h"
#include "proc.h"

/*
 * Protocol.  Each worker has a task pipe (parent -> worker) and a result
 * pipe (worker -> parent).  At most one message is outstanding per worker,
 * so the parent writes only to a worker that is reading, and a worker
 * writes only while the parent will read: no deadlock, whatever the sizes.
 * A message carries at most chunk tasks (pb_pc_next) and exactly the input
 * bytes they read; the answer carries exactly the bytes they write.
 *   open:  worker -> READY (or ERROR)
 *   run:   TASKS + input bytes -> DONE + partial + output bytes (or ERROR),
 *          repeated; then END -> STATS + struct pb_worker_stat
 *   close: EXIT (or EOF on the task pipe)
 * The parent must ignore SIGPIPE (pb_proc_install_signals does), so that
 * writing to a dead worker is an EPIPE it reports, not its own death.
 */
enum { CMD_TASKS = 1, CMD_END, CMD_EXIT };
enum { REP_READY = 1, REP_DONE, REP_STATS, REP_ERROR };

struct pool_cmd {
	uint32_t op;
	uint32_t pad;
	uint64_t n_items, ntasks; /* the run's iteration space, for pb_task_range */
	uint64_t first, count;    /* tasks [first, first + count) */
	uint64_t in_off, in_len;  /* the input bytes that follow the header */
};

struct pool_reply {
	uint32_t op;
	uint32_t text_len;        /* REP_ERROR: length of the text that follows */
	uint64_t out_off, out_len; /* REP_DONE: the output bytes that follow */
	int64_t max_rss_kb;       /* REP_STATS: the worker's peak RSS */
	struct pb_partial part;   /* REP_DONE */
};

#define ERR_TEXT_MAX 200

struct pool_worker {
	pid_t pid;             /* 0 once reaped */
	int to_fd;             /* task pipe, the parent's write end */
	int from_fd;           /* result pipe, the parent's read end */
	uint64_t first, count; /* the outstanding message; count 0 when idle */
	struct pb_pc_feed feed; /* its share of the run */
	long max_rss_kb;
};

struct pb_exec {
	int n;
	int failed; /* a run failed: close kills at once instead of asking */
	struct pool_worker *w;
	struct pb_worker_stat *stats;
};

static int pool_available(char *why, size_t len)
{
	(void)why;
	(void)len;
	return 1;
}

/* ---- the worker side ---- */

static void send_error(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void send_error(int fd, const char *fmt, ...)
{
	char text[ERR_TEXT_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	struct pool_reply r;
	memset(&r, 0, sizeof r);
	r.op = REP_ERROR;
	r.text_len = (uint32_t)strlen(text);
	struct iovec iov[2] = { { &r, sizeof r }, { text, r.text_len } };
	(void)pb_pc_writev_full(fd, iov, 2);
}

/* Read and discard len bytes, so the parent's write of a message we cannot hold completes. */
static int drain(int fd, uint64_t len)
{
	char sink[4096];
	while (len) {
		size_t n = len < sizeof sink ? (size_t)len : sizeof sink;
		if (pb_read_full(fd, sink, n) != 0)
			return -1;
		len -= n;
	}
	return 0;
}

/* Grow *buf to at least len bytes; 0 or -1 (buffer unchanged). */
static int grow(uint8_t **buf, size_t *cap, size_t len)
{
	if (len <= *cap)
		return 0;
	uint8_t *p = realloc(*buf, len);
	if (!p)
		return -1;
	*buf = p;
	*cap = len;
	return 0;
}

static void worker_main(int idx, int rfd, int wfd, const struct pb_job *job, const struct pb_exec_opts *o)
	__attribute__((noreturn));

static void worker_main(int idx, int rfd, int wfd, const struct pb_job *job, const struct pb_exec_opts *o)
{
	uint8_t *inbuf = NULL, *outbuf = NULL;
	size_t incap = 0, outcap = 0;
	int in_run = 0;
	struct pb_worker_stat st;
	struct pb_ctr_session cs;
	double u0 = 0, s0 = 0;
	struct pb_run_req req;
	struct pool_reply r;

	memset(&req, 0, sizeof req);
	if (pb_pc_bind(o->places, idx) != 0) {
		send_error(wfd, "cannot bind to its cpus");
		_exit(1);
	}
	memset(&r, 0, sizeof r);
	r.op = REP_READY;
	if (pb_write_full(wfd, &r, sizeof r) != 0)
		_exit(1);

	for (;;) {
		struct pool_cmd c;
		if (pb_read_full(rfd, &c, sizeof c) != 0 || c.op == CMD_EXIT) {
			if (in_run)
				pb_ctr_stop(&cs, &st.ctr);
			pb_ctr_thread_done(o->counters);
			_exit(0);
		}
		if (!in_run) {
			/* A run starts with its first message: measure from here to END. */
			memset(&st, 0, sizeof st);
			st.pid = (int)getpid();
			pb_process_cputime(&u0, &s0);
			pb_ctr_start(&cs, o->counters);
			in_run = 1;
		}
		if (c.op == CMD_END) {
			double u1, s1;
			pb_ctr_stop(&cs, &st.ctr);
			pb_process_cputime(&u1, &s1);
			st.user_s = u1 - u0;
			st.sys_s = s1 - s0;
			in_run = 0;
			memset(&r, 0, sizeof r);
			r.op = REP_STATS;
			r.max_rss_kb = pb_pc_self_max_rss_kb();
			struct iovec iov[2] = { { &r, sizeof r }, { &st, sizeof st } };
			if (pb_pc_writev_full(wfd, iov, 2) != 0)
				_exit(1);
			continue;
		}

		req.n_items = c.n_items;
		req.sched.ntasks = c.ntasks;
		struct pb_view in = pb_job_in_view(job), out = pb_job_out_view(job);
		struct pb_span os = { 0, 0 };
		if (job->wl->in_span) {
			if (grow(&inbuf, &incap, c.in_len) != 0) {
				if (drain(rfd, c.in_len) != 0)
					_exit(1);
				send_error(wfd, "cannot allocate %llu bytes for the input", (unsigned long long)c.in_len);
				continue;
			}
			if (pb_read_full(rfd, inbuf, c.in_len) != 0)
				_exit(1);
			in = (struct pb_view){ .base = inbuf, .off = c.in_off, .len = c.in_len };
		}
		if (job->wl->out_span) {
			pb_pc_span(job, &req, c.first, c.count, job->wl->out_span, &os);
			if (os.off > job->out_len || os.len > job->out_len - os.off) {
				send_error(wfd, "output span [%zu, +%zu) outside the output buffer", os.off, os.len);
				continue;
			}
			if (grow(&outbuf, &outcap, os.len) != 0) {
				send_error(wfd, "cannot allocate %zu bytes for the output", os.len);
				continue;
			}
			out = (struct pb_view){ .base = outbuf, .off = os.off, .len = os.len };
		}
		memset(&r, 0, sizeof r);
		pb_exec_tasks_views(job, &req, c.first, c.count, in, out, &r.part, &st);
		r.op = REP_DONE;
		r.out_off = os.off;
		r.out_len = os.len;
		struct iovec iov[2] = { { &r, sizeof r }, { outbuf, os.len } };
		if (pb_pc_writev_full(wfd, iov, os.len ? 2 : 1) != 0)
			_exit(1);
	}
}

/* ---- the parent side ---- */

/* Worker i is gone (EOF or EPIPE): reap it and describe its death. */
static void report_death(struct pb_exec *ex, int i, char *err, size_t errlen)
{
	struct pool_worker *w = &ex->w[i];
	int status = 0;
	pid_t pid = w->pid;
	/* Its pipe is closed, so it is exiting; the grace only covers a worker that closed it and hangs. */
	pb_pc_reap(pid, 2.0, &status, NULL);
	w->pid = 0;
	pb_pc_death_msg(err, errlen, "pool", i, pid, w->first, w->count, status);
}

/* Read the text of a REP_ERROR whose header is r and describe it. */
static void report_error(struct pb_exec *ex, int i, const struct pool_reply *r, char *err, size_t errlen)
{
	struct pool_worker *w = &ex->w[i];
	char text[ERR_TEXT_MAX + 1];
	size_t n = r->text_len < ERR_TEXT_MAX ? r->text_len : ERR_TEXT_MAX;
	if (pb_read_full(w->from_fd, text, n) != 0)
		n = 0;
	text[n] = '\0';
	if (w->count == 1)
		snprintf(err, errlen, "pool: worker %d (pid %ld) failed on task %llu: %s", i, (long)w->pid,
			 (unsigned long long)w->first, text);
	else if (w->count > 1)
		snprintf(err, errlen, "pool: worker %d (pid %ld) failed on tasks %llu-%llu: %s", i,
			 (long)w->pid, (unsigned long long)w->first,
			 (unsigned long long)(w->first + w->count - 1), text);
	else
		snprintf(err, errlen, "pool: worker %d (pid %ld) failed: %s", i, (long)w->pid, text);
}

static void kill_all(struct pb_exec *ex)
{
	for (int i = 0; i < ex->n; i++) {
		if (ex->w[i].to_fd >= 0)
			close(ex->w[i].to_fd);
		ex->w[i].to_fd = -1;
		if (ex->w[i].pid > 0)
			pb_pc_reap(ex->w[i].pid, 0, NULL, NULL);
		ex->w[i].pid = 0;
		if (ex->w[i].from_fd >= 0)
			close(ex->w[i].from_fd);
		ex->w[i].from_fd = -1;
	}
}

static void free_exec(struct pb_exec *ex)
{
	free(ex->w);
	free(ex->stats);
	free(ex);
}

static struct pb_exec *pool_open(const struct pb_exec_opts *o, const struct pb_job *job, char *err, size_t errlen)
{
	struct pb_exec *ex = calloc(1, sizeof *ex);
	if (ex) {
		ex->w = calloc((size_t)o->workers, sizeof *ex->w);
		ex->stats = calloc((size_t)o->workers, sizeof *ex->stats);
	}
	if (!ex || !ex->w || !ex->stats) {
		snprintf(err, errlen, "pool: out of memory");
		if (ex)
			free_exec(ex);
		return NULL;
	}
	ex->n = o->workers;
	for (int i = 0; i < ex->n; i++)
		ex->w[i].to_fd = ex->w[i].from_fd = -1;

	for (int i = 0; i < ex->n; i++) {
		int tp[2], rp[2];
		if (pipe2(tp, O_CLOEXEC) != 0) {
			snprintf(err, errlen, "pool: cannot create a pipe for worker %d: %s", i, strerror(errno));
			goto fail;
		}
		if (pipe2(rp, O_CLOEXEC) != 0) {
			snprintf(err, errlen, "pool: cannot create a pipe for worker %d: %s", i, strerror(errno));
			close(tp[0]);
			close(tp[1]);
			goto fail;
		}
		if (job->wl->in_span) {
			/*
			 * Data workloads move whole bands through these pipes: 1 MiB
			 * buffers (the unprivileged maximum) cut the number of
			 * wake-ups per band by 16 over the default 64 KiB.
			 */
			(void)fcntl(tp[1], F_SETPIPE_SZ, 1 << 20);
			(void)fcntl(rp[1], F_SETPIPE_SZ, 1 << 20);
		}
		pid_t pid = pb_fork();
		if (pid < 0) {
			snprintf(err, errlen, "pool: cannot fork worker %d: %s", i, strerror(errno));
			close(tp[0]);
			close(tp[1]);
			close(rp[0]);
			close(rp[1]);
			goto fail;
		}
		if (pid == 0) {
			close(tp[1]);
			close(rp[0]);
			for (int j = 0; j < i; j++) {
				close(ex->w[j].to_fd);
				close(ex->w[j].from_fd);
			}
			worker_main(i, tp[0], rp[1], job, o);
		}
		close(tp[0]);
		close(rp[1]);
		ex->w[i].pid = pid;
		ex->w[i].to_fd = tp[1];
		ex->w[i].from_fd = rp[0];
	}

	for (int i = 0; i < ex->n; i++) {
		struct pool_reply r;
		if (pb_read_full(ex->w[i].from_fd, &r, sizeof r) != 0) {
			int status = 0;
			pid_t pid = ex->w[i].pid;
			pb_pc_reap(pid, 2.0, &status, NULL);
			ex->w[i].pid = 0;
			char how[96];
			pb_wait_status_str(status, how, sizeof how);
			snprintf(err, errlen, "pool: worker %d (pid %ld) died during start-up: %s", i, (long)pid, how);
			goto fail;
		}
		if (r.op == REP_ERROR) {
			report_error(ex, i, &r, err, errlen);
			goto fail;
		}
		if (r.op != REP_READY) {
			snprintf(err, errlen, "pool: worker %d sent an unexpected message at start-up", i);
			goto fail;
		}
	}
	return ex;

fail:
	kill_all(ex);
	free_exec(ex);
	return NULL;
}

/* Give worker i tasks [first, first + count) with their input bytes. */
static int send_tasks(struct pb_exec *ex, const struct pb_job *job, const struct pb_run_req *req, int i,
		      uint64_t first, uint64_t count, char *err, size_t errlen)
{
	struct pool_worker *w = &ex->w[i];
	struct pool_cmd c;
	memset(&c, 0, sizeof c);
	c.op = CMD_TASKS;
	c.n_items = req->n_items;
	c.ntasks = req->sched.ntasks;
	c.first = first;
	c.count = count;
	w->first = first;
	w->count = count;
	if (job->wl->in_span) {
		struct pb_span sp;
		pb_pc_span(job, req, first, count, job->wl->in_span, &sp);
		if (sp.len && (sp.off > job->in_len || sp.len > job->in_len - sp.off)) {
			snprintf(err, errlen, "pool: input span [%zu, +%zu) of tasks %llu-%llu outside the input buffer",
				 sp.off, sp.len, (unsigned long long)first, (unsigned long long)(first + count - 1));
			return -1;
		}
		c.in_off = sp.off;
		c.in_len = sp.len;
	}
	struct iovec iov[2] = { { &c, sizeof c }, { c.in_len ? job->in + c.in_off : NULL, c.in_len } };
	if (pb_pc_writev_full(w->to_fd, iov, c.in_len ? 2 : 1) != 0) {
		w->count = 0; /* it was gone before it could take these tasks */
		report_death(ex, i, err, errlen);
		return -1;
	}
	return 0;
}

/* Read worker i's answer to its outstanding message: the output bytes go straight into job->out. */
static int recv_result(struct pb_exec *ex, const struct pb_job *job, int i, struct pb_partial *total, char *err,
		       size_t errlen)
{
	struct pool_worker *w = &ex->w[i];
	struct pool_reply r;
	if (pb_read_full(w->from_fd, &r, sizeof r) != 0) {
		report_death(ex, i, err, errlen);
		return -1;
	}
	if (r.op == REP_ERROR) {
		report_error(ex, i, &r, err, errlen);
		return -1;
	}
	if (r.op != REP_DONE) {
		snprintf(err, errlen, "pool: worker %d (pid %ld) sent an unexpected message", i, (long)w->pid);
		return -1;
	}
	if (r.out_len) {
		if (r.out_off > job->out_len || r.out_len > job->out_len - r.out_off) {
			snprintf(err, errlen, "pool: worker %d returned bytes outside the output buffer", i);
			return -1;
		}
		if (pb_read_full(w->from_fd, job->out + r.out_off, r.out_len) != 0) {
			report_death(ex, i, err, errlen);
			return -1;
		}
	}
	pb_partial_add(total, &r.part);
	w->count = 0;
	return 0;
}

static int pool_run(struct pb_exec *ex, const struct pb_job *job, const struct pb_run_req *req,
		    struct pb_run_result *res, char *err, size_t errlen)
{
	struct pb_sched s = req->sched;
	_Atomic uint64_t next = 0;
	struct pollfd *pfd = NULL;
	int *pidx = NULL;
	int busy = 0;

	memset(res, 0, sizeof *res);
	s.workers = ex->n; /* the schedule cuts for the workers this pool has */
	pfd = calloc((size_t)ex->n, sizeof *pfd);
	pidx = calloc((size_t)ex->n, sizeof *pidx);
	if (!pfd || !pidx) {
		snprintf(err, errlen, "pool: out of memory");
		goto fail;
	}
	for (int i = 0; i < ex->n; i++) {
		memset(&ex->w[i].feed, 0, sizeof ex->w[i].feed);
		ex->w[i].count = 0;
	}

	for (int i = 0; i < ex->n; i++) {
		uint64_t f, c;
		if (pb_pc_next(&s, i, &ex->w[i].feed, &next, &f, &c)) {
			if (send_tasks(ex, job, req, i, f, c, err, errlen) != 0)
				goto fail;
			busy++;
		}
	}
	while (busy > 0) {
		int nready = 0;
		for (int i = 0; i < ex->n; i++) {
			if (ex->w[i].count == 0)
				continue;
			pfd[nready].fd = ex->w[i].from_fd;
			pfd[nready].events = POLLIN;
			pfd[nready].revents = 0;
			pidx[nready++] = i;
		}
		if (nready > 1) {
			/* Only wait when several answers are due; one answer is read directly. */
			int rc = poll(pfd, (nfds_t)nready, -1);
			if (rc < 0) {
				if (errno == EINTR)
					continue;
				snprintf(err, errlen, "pool: poll: %s", strerror(errno));
				goto fail;
			}
		} else {
			pfd[0].revents = POLLIN;
		}
		for (int k = 0; k < nready; k++) {
			if (!pfd[k].revents)
				continue;
			int i = pidx[k];
			if (recv_result(ex, job, i, &res->total, err, errlen) != 0)
				goto fail;
			busy--;
			uint64_t f, c;
			if (pb_pc_next(&s, i, &ex->w[i].feed, &next, &f, &c)) {
				if (send_tasks(ex, job, req, i, f, c, err, errlen) != 0)
					goto fail;
				busy++;
			}
		}
	}

	/* Every task is done: collect each worker's facts for the run. */
	struct pool_cmd end;
	memset(&end, 0, sizeof end);
	end.op = CMD_END;
	for (int i = 0; i < ex->n; i++) {
		if (pb_write_full(ex->w[i].to_fd, &end, sizeof end) != 0) {
			report_death(ex, i, err, errlen);
			goto fail;
		}
	}
	long rss = 0;
	for (int i = 0; i < ex->n; i++) {
		struct pool_reply r;
		if (pb_read_full(ex->w[i].from_fd, &r, sizeof r) != 0 || r.op != REP_STATS ||
		    pb_read_full(ex->w[i].from_fd, &ex->stats[i], sizeof ex->stats[i]) != 0) {
			report_death(ex, i, err, errlen);
			goto fail;
		}
		ex->stats[i].pid = (int)ex->w[i].pid;
		rss += (long)r.max_rss_kb;
	}
	res->nworkers = ex->n;
	res->workers = ex->stats;
	pb_pc_child_totals(res, ex->stats, ex->n, rss);
	free(pfd);
	free(pidx);
	return 0;

fail:
	ex->failed = 1;
	free(pfd);
	free(pidx);
	return -1;
}

static void pool_close(struct pb_exec *ex)
{
	if (!ex)
		return;
	if (!ex->failed) {
		struct pool_cmd c;
		memset(&c, 0, sizeof c);
		c.op = CMD_EXIT;
		for (int i = 0; i < ex->n; i++)
			if (ex->w[i].pid > 0)
				(void)pb_write_full(ex->w[i].to_fd, &c, sizeof c);
		for (int i = 0; i < ex->n; i++) {
			if (ex->w[i].pid > 0)
				pb_pc_reap(ex->w[i].pid, 1.0, NULL, NULL);
			ex->w[i].pid = 0;
		}
	}
	kill_all(ex);
	free_exec(ex);
}

const struct pb_executor pb_ex_pool = {
	.name = "pool",
	.description = "pre-forked worker processes fed task messages over pipes",
	.processes = 1,
	.available = pool_available,
	.open = pool_open,
	.run = pool_run,
	.close = pool_close,
};
