/* exec_pool.c: pre-forked worker processes fed task messages over pipes (multiprocessing.Pool done right). */

/*
 * Protocol.  Each worker has a task pipe (parent -> worker) and a result
 * pipe (worker -> parent).  A TASKS message carries at most chunk tasks
 * (pb_pc_next) and exactly the input bytes they read; its answer carries
 * exactly the bytes they write.
 *   open:  worker -> READY (or ERROR); then the parent's two ends turn non-blocking
 *   run:   TASKS + input bytes, ... -> DONE(k) + partial [+ output bytes], ...
 *          and once the schedule has no more tasks for a worker:
 *          END -> STATS + struct pb_worker_stat
 *   close: EXIT (or EOF on the task pipe)
 *
 * Pipelining.  The parent keeps messages outstanding ahead of each worker
 * (at most `window`: WINDOW_DEFAULT, or PARBENCH_POOL_WINDOW), so a worker
 * that finishes a task finds the next one already in its pipe: no round
 * trip and no wake-up per task, and a worker reads every message waiting
 * for it in one read.  Answers come back in batches: a worker adds up the
 * partials of consecutive messages that write no output and answers k of
 * them with one DONE(k) when
 *   (a) it is about to read from its task pipe, so it never waits for work
 *       while holding answers;
 *   (b) it has answered at least as many messages as it still holds, so
 *       the parent refills while half of the work it sent is still queued;
 *   (c) FLUSH_S has passed since the first of them started, so the parent
 *       hears of long tasks at once (and a death names the right task).
 * A message that reads input bytes or writes output is answered alone, with
 * its bytes.  The parent wakes once per batch, not once per task, and so
 * competes far less with the workers for the cores.
 *
 * Staying dynamic.  Static and cyclic tasks belong to their worker in
 * advance, so there the window only bounds the pipeline.  Under dynamic
 * and guided a message queued behind another is one an idle worker could
 * have had, so two rules bound the queue (pb_pool_may_queue):
 *  - time: a worker holds about HIDE_S of work (its measured time per task
 *    so far; one message ahead before it has answered any), enough to hide
 *    the round trip and no more: with tasks of a millisecond or longer, one
 *    message waits behind the running one, as many as the window for empty
 *    tasks;
 *  - share: its outstanding tasks, with the new message, are at most 1/(2P)
 *    of the tasks not yet handed out, half of what guided scheduling gives
 *    one worker at once; so in the tail (fewer than 4P tasks left at chunk
 *    1) every message goes to an idle worker, as with one message in
 *    flight, and the last tasks balance as finely as they did.  Guided
 *    never queues ahead: its next chunk alone is 1/P of the rest.
 * PARBENCH_POOL_WINDOW=N forces N messages ahead under every schedule (for
 * tests of this protocol; 1 is the old lock-step).
 *
 * Why it cannot deadlock, whatever the sizes of messages, window and pipe
 * buffers:
 *  - The parent never blocks in read or write during a run: its ends are
 *    non-blocking and it waits only in poll, which always includes every
 *    live worker's result pipe (and its task pipe whenever bytes are
 *    pending for it).  It takes any amount of answer bytes: headers are
 *    parsed as they arrive, output bytes go straight into job->out.
 *  - So a worker blocked writing an answer is always drained; its wait ends
 *    without the parent having to do anything else first.
 *  - A worker blocks reading only after sending every answer it holds
 *    (rule (a)).  So while it waits for bytes, either the parent has bytes
 *    pending for it (written as soon as poll reports room, which the
 *    worker's reading makes), or the parent has, or will read, all of its
 *    answers and then sends it more tasks or END.
 *  Each side only ever waits for something the other does without waiting
 *  on it first: no cycle of waits can form.  A worker that dies closes its
 *  pipes: poll reports EOF (or a write fails with EPIPE) and the run fails
 *  naming the worker and the first task whose answer did not come back:
 *  the task it died on, or one it finished less than FLUSH_S before dying.
 * The parent must ignore SIGPIPE (pb_proc_install_signals does), so that
 * writing to a dead worker is an EPIPE it reports, not its own death.
 */
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
#include "util.h"

enum { CMD_TASKS = 1, CMD_END, CMD_EXIT };
enum { REP_READY = 1, REP_DONE, REP_STATS, REP_ERROR };

/*
 * 64 messages ahead: one parent wake-up per 32 empty tasks makes the
 * wake-up (tens of microseconds on a virtual machine) a fraction of a
 * microsecond per task, and 64 headers (3 KiB) fit any pipe buffer.
 */
#define WINDOW_DEFAULT 64
#define WINDOW_MAX 1024
#define FLUSH_S 1e-3    /* rule (c): the longest an answer waits in a worker */
/*
 * The work a worker holds under dynamic and guided: several round trips of
 * a loaded virtual machine (12-25 us each here, plus the parent's wake-up),
 * so the refill arrives before the queue runs dry, and short enough that
 * a worker that stalls strands no more than a quarter of a millisecond.
 */
#define HIDE_S 250e-6
#define ANSWER_BUF 4096 /* the parent's read-ahead of answer headers, per worker */
#define ERR_TEXT_MAX 200

struct pool_cmd {
	uint32_t op;
	uint32_t pad;
	uint64_t n_items, ntasks; /* the run's iteration space, for pb_task_range */
	uint64_t first, count;    /* tasks [first, first + count) */
	uint64_t in_off, in_len;  /* the input bytes that follow the header */
};

struct pool_reply {
	uint32_t op;
	uint32_t nmsgs;            /* REP_DONE: messages answered, the oldest outstanding ones */
	uint32_t text_len;         /* REP_ERROR: length of the text that follows */
	uint32_t pad;
	uint64_t out_off, out_len; /* REP_DONE: the output bytes that follow (nmsgs is then 1) */
	int64_t max_rss_kb;        /* REP_STATS: the worker's peak RSS; a struct pb_worker_stat follows */
	struct pb_partial part;    /* REP_DONE: the sum of the answered messages' partials */
};

struct pool_worker {
	pid_t pid;              /* 0 once reaped */
	int to_fd;              /* task pipe, the parent's write end (non-blocking) */
	int from_fd;            /* result pipe, the parent's read end (non-blocking) */
	struct pb_pc_feed feed; /* its share of the run */
	int exhausted;          /* the schedule has no more tasks for it */
	int end_sent;           /* END is queued */
	int stats_done;         /* its STATS arrived: done with this run */
	long max_rss_kb;
	/* Outstanding messages, oldest first: ring[(head + k) % window] for k < nout; the first nsent are written whole. */
	struct pool_cmd *ring;
	unsigned head, nout, nsent;
	size_t sent_off;        /* bytes of message nsent already written */
	uint64_t tasks_out;     /* tasks in the outstanding messages */
	uint64_t msgs_done;     /* messages answered this run, and when the last answer came */
	double last_answer;
	/* Answers: headers read ahead into abuf; the bytes trailing a header go straight to trail. */
	uint8_t *abuf;
	size_t alen;
	struct pool_reply cur;  /* the answer whose trailing bytes are being read */
	uint8_t *trail;
	size_t trail_left;
	char text[ERR_TEXT_MAX + 1];
};

struct pb_exec {
	int n;
	int failed;      /* a run failed: close kills at once instead of asking */
	unsigned window; /* messages outstanding per worker, at most */
	int forced;      /* PARBENCH_POOL_WINDOW: the window alone decides */
	double run_t0;   /* when the run began: a worker's time per message is measured from it */
	struct pool_worker *w;
	struct pb_worker_stat *stats;
	struct pollfd *pfd; /* 2 per worker: result pipe, task pipe */
	int *pidx;
};

static int pool_available(char *why, size_t len)
{
	(void)why;
	(void)len;
	return 1;
}

bool pb_pool_may_queue(enum pb_schedule kind, unsigned window, int forced, unsigned msgs, uint64_t tasks_out,
		       uint64_t next, uint64_t remaining, int workers, double msg_s)
{
	if (msgs == 0)
		return true;
	if (msgs >= window)
		return false;
	if (forced || pb_sched_is_static(kind))
		return true;
	/* time: one message ahead while nothing is known, then about HIDE_S of work */
	if (msg_s <= 0 ? msgs >= 2 : (double)(msgs - 1) * msg_s >= HIDE_S)
		return false;
	/* share: at most 1/(2P) of what is left */
	return 2 * (uint64_t)workers * (tasks_out + next) <= remaining;
}

/* ---- the worker side ---- */

/* A worker's read-ahead of its task pipe and the answers it has not sent yet. */
struct wstate {
	int rfd, wfd;
	uint8_t *rb;            /* read-ahead of whole messages (workloads without input bytes) */
	size_t rcap, rpos, rlen;
	int exact;              /* input bytes follow headers: read headers exactly, payloads straight into place */
	uint32_t nbatch;        /* messages answered but not sent */
	struct pb_partial bpart;
	double bt0;             /* when the first of them started */
};

/* Send the pending batch as one DONE; a worker that cannot write to its parent has nobody to serve. */
static void wflush(struct wstate *ws)
{
	if (ws->nbatch == 0)
		return;
	struct pool_reply r;
	memset(&r, 0, sizeof r);
	r.op = REP_DONE;
	r.nmsgs = ws->nbatch;
	r.part = ws->bpart;
	if (pb_write_full(ws->wfd, &r, sizeof r) != 0)
		_exit(1);
	ws->nbatch = 0;
	memset(&ws->bpart, 0, sizeof ws->bpart);
}

/* The next len bytes of the task pipe into dst: from the read-ahead, then (after rule (a)) from the pipe. 0 or -1 (EOF). */
static int wtake(struct wstate *ws, void *dst, size_t len)
{
	uint8_t *d = dst;
	size_t n = ws->rlen - ws->rpos < len ? ws->rlen - ws->rpos : len;
	if (len == 0)
		return 0; /* an empty payload: dst may be NULL */
	memcpy(d, ws->rb + ws->rpos, n);
	ws->rpos += n;
	d += n;
	len -= n;
	if (len == 0)
		return 0;
	wflush(ws); /* rule (a): about to wait for the parent, so it gets every answer first */
	if (ws->exact || len >= ws->rcap)
		return pb_read_full(ws->rfd, d, len);
	ws->rpos = ws->rlen = 0; /* the read-ahead is empty: refill it with whatever the parent wrote */
	while (ws->rlen < len) {
		ssize_t got = read(ws->rfd, ws->rb + ws->rlen, ws->rcap - ws->rlen);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		ws->rlen += (size_t)got;
	}
	memcpy(d, ws->rb, len);
	ws->rpos = len;
	return 0;
}

static void send_error(struct wstate *ws, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Answer the current message with an error text (after the answers before it, so it names the right one). */
static void send_error(struct wstate *ws, const char *fmt, ...)
{
	char text[ERR_TEXT_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	wflush(ws);
	struct pool_reply r;
	memset(&r, 0, sizeof r);
	r.op = REP_ERROR;
	r.text_len = (uint32_t)strlen(text);
	struct iovec iov[2] = { { &r, sizeof r }, { text, r.text_len } };
	(void)pb_pc_writev_full(ws->wfd, iov, 2);
}

/* Read and discard len bytes, so the parent's write of a message we cannot hold completes. */
static int drain(struct wstate *ws, uint64_t len)
{
	char sink[4096];
	while (len) {
		size_t n = len < sizeof sink ? (size_t)len : sizeof sink;
		if (wtake(ws, sink, n) != 0)
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

/* Run one TASKS message c (its input bytes are next in the pipe) and answer it, now or in the batch. */
static void worker_tasks(struct wstate *ws, const struct pool_cmd *c, const struct pb_job *job, struct pb_worker_stat *st,
			 uint8_t **inbuf, size_t *incap, uint8_t **outbuf, size_t *outcap)
{
	struct pb_run_req req;
	memset(&req, 0, sizeof req);
	req.n_items = c->n_items;
	req.sched.ntasks = c->ntasks;
	struct pb_view in = pb_job_in_view(job), out = pb_job_out_view(job);
	struct pb_span os = { 0, 0 };
	if (job->wl->in_span) {
		if (grow(inbuf, incap, c->in_len) != 0) {
			if (drain(ws, c->in_len) != 0)
				_exit(1);
			send_error(ws, "cannot allocate %llu bytes for the input", (unsigned long long)c->in_len);
			return;
		}
		if (wtake(ws, *inbuf, c->in_len) != 0)
			_exit(1);
		in = (struct pb_view){ .base = *inbuf, .off = c->in_off, .len = c->in_len };
	}
	if (job->wl->out_span) {
		pb_pc_span(job, &req, c->first, c->count, job->wl->out_span, &os);
		if (os.off > job->out_len || os.len > job->out_len - os.off) {
			send_error(ws, "output span [%zu, +%zu) outside the output buffer", os.off, os.len);
			return;
		}
		if (grow(outbuf, outcap, os.len) != 0) {
			send_error(ws, "cannot allocate %zu bytes for the output", os.len);
			return;
		}
		out = (struct pb_view){ .base = *outbuf, .off = os.off, .len = os.len };
	}
	if (ws->nbatch == 0)
		ws->bt0 = pb_now();
	struct pb_partial part;
	memset(&part, 0, sizeof part);
	pb_exec_tasks_views(job, &req, c->first, c->count, in, out, &part, st);
	if (os.len) {
		/* Output bytes go back with their own answer, after the batch before them. */
		wflush(ws);
		struct pool_reply r;
		memset(&r, 0, sizeof r);
		r.op = REP_DONE;
		r.nmsgs = 1;
		r.out_off = os.off;
		r.out_len = os.len;
		r.part = part;
		struct iovec iov[2] = { { &r, sizeof r }, { *outbuf, os.len } };
		if (pb_pc_writev_full(ws->wfd, iov, 2) != 0)
			_exit(1);
		return;
	}
	pb_partial_add(&ws->bpart, &part);
	ws->nbatch++;
	/* rules (b) and (c); a message with input bytes is big enough to be answered alone */
	if (ws->exact || ws->nbatch >= (ws->rlen - ws->rpos) / sizeof *c || pb_now() - ws->bt0 >= FLUSH_S)
		wflush(ws);
}

static void worker_main(int idx, int rfd, int wfd, const struct pb_job *job, const struct pb_exec_opts *o,
			unsigned window) __attribute__((noreturn));

static void worker_main(int idx, int rfd, int wfd, const struct pb_job *job, const struct pb_exec_opts *o,
			unsigned window)
{
	uint8_t *inbuf = NULL, *outbuf = NULL;
	size_t incap = 0, outcap = 0;
	int in_run = 0;
	struct pb_worker_stat st;
	struct pb_ctr_session cs;
	double u0 = 0, s0 = 0;
	struct pool_reply r;
	struct wstate ws;

	memset(&ws, 0, sizeof ws);
	ws.rfd = rfd;
	ws.wfd = wfd;
	ws.exact = job->wl->in_span != NULL;
	ws.rcap = (size_t)window * sizeof(struct pool_cmd);
	if (ws.rcap < 4096)
		ws.rcap = 4096;
	ws.rb = malloc(ws.rcap);
	if (!ws.rb) {
		send_error(&ws, "out of memory");
		_exit(1);
	}
	if (pb_pc_bind(o->places, idx) != 0) {
		send_error(&ws, "cannot bind to its cpus");
		_exit(1);
	}
	memset(&r, 0, sizeof r);
	r.op = REP_READY;
	if (pb_write_full(wfd, &r, sizeof r) != 0)
		_exit(1);

	for (;;) {
		struct pool_cmd c;
		if (wtake(&ws, &c, sizeof c) != 0 || c.op == CMD_EXIT) {
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
			wflush(&ws); /* empty: END comes after every answer, but say so in code */
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
		worker_tasks(&ws, &c, job, &st, &inbuf, &incap, &outbuf, &outcap);
	}
}

/* ---- the parent side ---- */

/* Worker i is gone (EOF or EPIPE): reap it and describe its death, naming its oldest unanswered message. */
static void report_death(struct pb_exec *ex, int i, char *err, size_t errlen)
{
	struct pool_worker *w = &ex->w[i];
	int status = 0;
	pid_t pid = w->pid;
	uint64_t first = 0, count = 0;
	if (w->nout > 0 && w->ring[w->head].op == CMD_TASKS) {
		first = w->ring[w->head].first;
		count = w->ring[w->head].count;
	}
	/* Its pipe is closed, so it is exiting; the grace only covers a worker that closed it and hangs. */
	pb_pc_reap(pid, 2.0, &status, NULL);
	w->pid = 0;
	pb_pc_death_msg(err, errlen, "pool", i, pid, first, count, status);
}

/* Describe the REP_ERROR whose text is in w->text, naming its message (the oldest outstanding). */
static void report_error(struct pb_exec *ex, int i, char *err, size_t errlen)
{
	struct pool_worker *w = &ex->w[i];
	uint64_t first = 0, count = 0;
	if (w->nout > 0 && w->ring[w->head].op == CMD_TASKS) {
		first = w->ring[w->head].first;
		count = w->ring[w->head].count;
	}
	if (count == 1)
		snprintf(err, errlen, "pool: worker %d (pid %ld) failed on task %llu: %s", i, (long)w->pid,
			 (unsigned long long)first, w->text);
	else if (count > 1)
		snprintf(err, errlen, "pool: worker %d (pid %ld) failed on tasks %llu-%llu: %s", i, (long)w->pid,
			 (unsigned long long)first, (unsigned long long)(first + count - 1), w->text);
	else
		snprintf(err, errlen, "pool: worker %d (pid %ld) failed: %s", i, (long)w->pid, w->text);
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
	for (int i = 0; ex->w && i < ex->n; i++) {
		free(ex->w[i].ring);
		free(ex->w[i].abuf);
	}
	free(ex->w);
	free(ex->stats);
	free(ex->pfd);
	free(ex->pidx);
	free(ex);
}

/* The window from PARBENCH_POOL_WINDOW, or the default; -1 with err if it is not a window. */
static int read_window(struct pb_exec *ex, char *err, size_t errlen)
{
	const char *v = getenv("PARBENCH_POOL_WINDOW");
	long n;
	ex->window = WINDOW_DEFAULT;
	ex->forced = 0;
	if (!v || !*v)
		return 0;
	if (pb_parse_int(v, 1, WINDOW_MAX, &n) != 0) {
		snprintf(err, errlen, "pool: PARBENCH_POOL_WINDOW='%s' is not a window (1 to %d messages)", v, WINDOW_MAX);
		return -1;
	}
	ex->window = (unsigned)n;
	ex->forced = 1;
	return 0;
}

static struct pb_exec *pool_open(const struct pb_exec_opts *o, const struct pb_job *job, char *err, size_t errlen)
{
	struct pb_exec *ex = calloc(1, sizeof *ex);
	if (ex) {
		ex->n = o->workers;
		ex->w = calloc((size_t)o->workers, sizeof *ex->w);
		ex->stats = calloc((size_t)o->workers, sizeof *ex->stats);
		ex->pfd = calloc(2 * (size_t)o->workers, sizeof *ex->pfd);
		ex->pidx = calloc(2 * (size_t)o->workers, sizeof *ex->pidx);
	}
	if (!ex || !ex->w || !ex->stats || !ex->pfd || !ex->pidx) {
		snprintf(err, errlen, "pool: out of memory");
		if (ex)
			free_exec(ex);
		return NULL;
	}
	for (int i = 0; i < ex->n; i++)
		ex->w[i].to_fd = ex->w[i].from_fd = -1;
	if (read_window(ex, err, errlen) != 0) {
		free_exec(ex);
		return NULL;
	}
	for (int i = 0; i < ex->n; i++) {
		ex->w[i].ring = calloc(ex->window, sizeof *ex->w[i].ring);
		ex->w[i].abuf = malloc(ANSWER_BUF);
		if (!ex->w[i].ring || !ex->w[i].abuf) {
			snprintf(err, errlen, "pool: out of memory");
			free_exec(ex);
			return NULL;
		}
	}

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
			worker_main(i, tp[0], rp[1], job, o, ex->window);
		}
		close(tp[0]);
		close(rp[1]);
		ex->w[i].pid = pid;
		ex->w[i].to_fd = tp[1];
		ex->w[i].from_fd = rp[0];
	}

	for (int i = 0; i < ex->n; i++) {
		struct pool_worker *w = &ex->w[i];
		struct pool_reply r;
		if (pb_read_full(w->from_fd, &r, sizeof r) != 0) {
			int status = 0;
			pid_t pid = w->pid;
			pb_pc_reap(pid, 2.0, &status, NULL);
			w->pid = 0;
			char how[96];
			pb_wait_status_str(status, how, sizeof how);
			snprintf(err, errlen, "pool: worker %d (pid %ld) died during start-up: %s", i, (long)pid, how);
			goto fail;
		}
		if (r.op == REP_ERROR) {
			size_t n = r.text_len < ERR_TEXT_MAX ? r.text_len : ERR_TEXT_MAX;
			if (pb_read_full(w->from_fd, w->text, n) != 0)
				n = 0;
			w->text[n] = '\0';
			report_error(ex, i, err, errlen);
			goto fail;
		}
		if (r.op != REP_READY) {
			snprintf(err, errlen, "pool: worker %d sent an unexpected message at start-up", i);
			goto fail;
		}
		/* From here the parent waits only in poll (see the protocol). */
		if (fcntl(w->to_fd, F_SETFL, O_NONBLOCK) != 0 || fcntl(w->from_fd, F_SETFL, O_NONBLOCK) != 0) {
			snprintf(err, errlen, "pool: cannot make worker %d's pipes non-blocking: %s", i, strerror(errno));
			goto fail;
		}
	}
	return ex;

fail:
	kill_all(ex);
	free_exec(ex);
	return NULL;
}

/* Queue message c for worker i (the ring has room: nout < window). */
static void push(struct pb_exec *ex, struct pool_worker *w, const struct pool_cmd *c)
{
	w->ring[(w->head + w->nout) % ex->window] = *c;
	w->nout++;
	w->tasks_out += c->count;
}

/* Queue tasks [first, first + count) for worker i with their input span; -1 with err if the span is bad. */
static int push_tasks(struct pb_exec *ex, const struct pb_job *job, const struct pb_run_req *req, int i,
		      uint64_t first, uint64_t count, char *err, size_t errlen)
{
	struct pool_cmd c;
	memset(&c, 0, sizeof c);
	c.op = CMD_TASKS;
	c.n_items = req->n_items;
	c.ntasks = req->sched.ntasks;
	c.first = first;
	c.count = count;
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
	push(ex, &ex->w[i], &c);
	return 0;
}

/* Tasks not yet handed out under dynamic and guided, and the size of the next dispatch. */
static void unassigned(const struct pb_sched *s, _Atomic uint64_t *next, uint64_t *remaining, uint64_t *size)
{
	uint64_t f = atomic_load_explicit(next, memory_order_relaxed);
	uint64_t R = f < s->ntasks ? s->ntasks - f : 0, C = s->chunk ? s->chunk : 1, c = C;
	if (s->kind == PB_SCHED_GUIDED) {
		uint64_t g = (R + (uint64_t)s->workers - 1) / (uint64_t)s->workers;
		c = g > C ? g : C;
	}
	*remaining = R;
	*size = c < R ? c : R;
}

/*
 * Hand out what the schedule and pb_pool_may_queue allow, one message per
 * worker per round (so no worker fills its window before the others get
 * one), and END to every worker the schedule has finished with.
 */
static int refill(struct pb_exec *ex, const struct pb_job *job, const struct pb_run_req *req, const struct pb_sched *s,
		  _Atomic uint64_t *next, char *err, size_t errlen)
{
	for (int progress = 1; progress;) {
		progress = 0;
		for (int i = 0; i < ex->n; i++) {
			struct pool_worker *w = &ex->w[i];
			if (!w->exhausted) {
				uint64_t R = 0, size = 0, f, c;
				if (!pb_sched_is_static(s->kind))
					unassigned(s, next, &R, &size);
				/* Time per message so far, idle waits included: an overestimate that errs towards fewer ahead. */
				double msg_s = w->msgs_done ? (w->last_answer - ex->run_t0) / (double)w->msgs_done : 0;
				if (!pb_pool_may_queue(s->kind, ex->window, ex->forced, w->nout, w->tasks_out, size, R,
						       s->workers, msg_s))
					continue;
				if (pb_pc_next(s, i, &w->feed, next, &f, &c)) {
					if (push_tasks(ex, job, req, i, f, c, err, errlen) != 0)
						return -1;
					progress = 1;
					continue;
				}
				w->exhausted = 1;
			}
			if (w->nout == 0 && !w->end_sent) {
				struct pool_cmd end;
				memset(&end, 0, sizeof end);
				end.op = CMD_END;
				push(ex, w, &end);
				w->end_sent = 1;
			}
		}
	}
	return 0;
}

/* Write what fits of worker i's unsent messages (headers and input bytes, in order); -1 if it is gone. */
static int send_pending(struct pb_exec *ex, const struct pb_job *job, int i, char *err, size_t errlen)
{
	struct pool_worker *w = &ex->w[i];
	while (w->nsent < w->nout) {
		struct iovec iov[64];
		int n = 0;
		size_t skip = w->sent_off;
		for (unsigned k = w->nsent; k < w->nout && n + 2 <= 64; k++) {
			const struct pool_cmd *c = &w->ring[(w->head + k) % ex->window];
			if (skip < sizeof *c)
				iov[n++] = (struct iovec){ (char *)c + skip, sizeof *c - skip };
			size_t pskip = skip > sizeof *c ? skip - sizeof *c : 0;
			if (c->in_len > pskip)
				iov[n++] = (struct iovec){ job->in + c->in_off + pskip, c->in_len - pskip };
			skip = 0;
		}
		ssize_t got = writev(w->to_fd, iov, n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0; /* full: poll says when there is room */
			report_death(ex, i, err, errlen);
			return -1;
		}
		size_t left = (size_t)got;
		while (left > 0) {
			const struct pool_cmd *c = &w->ring[(w->head + w->nsent) % ex->window];
			size_t rest = sizeof *c + c->in_len - w->sent_off;
			if (left < rest) {
				w->sent_off += left;
				break;
			}
			left -= rest;
			w->sent_off = 0;
			w->nsent++;
		}
	}
	return 0;
}

/* Start on answer header r of worker i: say where its trailing bytes go; -1 with err if it is malformed. */
static int begin_answer(struct pb_exec *ex, const struct pb_job *job, int i, const struct pool_reply *r, char *err,
			size_t errlen)
{
	struct pool_worker *w = &ex->w[i];
	w->cur = *r;
	w->trail = NULL;
	w->trail_left = 0;
	switch (r->op) {
	case REP_DONE:
		if (r->nmsgs == 0 || r->nmsgs > w->nsent || (r->out_len && r->nmsgs != 1)) {
			snprintf(err, errlen, "pool: worker %d (pid %ld) answered messages it was not sent", i, (long)w->pid);
			return -1;
		}
		for (unsigned k = 0; k < r->nmsgs; k++)
			if (w->ring[(w->head + k) % ex->window].op != CMD_TASKS) {
				snprintf(err, errlen, "pool: worker %d (pid %ld) answered END with DONE", i, (long)w->pid);
				return -1;
			}
		if (r->out_len) {
			if (r->out_off > job->out_len || r->out_len > job->out_len - r->out_off) {
				snprintf(err, errlen, "pool: worker %d returned bytes outside the output buffer", i);
				return -1;
			}
			w->trail = job->out + r->out_off;
			w->trail_left = r->out_len;
		}
		return 0;
	case REP_ERROR:
		w->trail = (uint8_t *)w->text;
		w->trail_left = r->text_len < ERR_TEXT_MAX ? r->text_len : ERR_TEXT_MAX;
		w->text[w->trail_left] = '\0';
		return 0;
	case REP_STATS:
		if (w->nout != 1 || w->nsent != 1 || w->ring[w->head].op != CMD_END) {
			snprintf(err, errlen, "pool: worker %d (pid %ld) sent its facts before END", i, (long)w->pid);
			return -1;
		}
		w->trail = (uint8_t *)&ex->stats[i];
		w->trail_left = sizeof ex->stats[i];
		return 0;
	default:
		snprintf(err, errlen, "pool: worker %d (pid %ld) sent an unexpected message", i, (long)w->pid);
		return -1;
	}
}

/* The current answer of worker i is whole: account for it. */
static int finish_answer(struct pb_exec *ex, int i, struct pb_partial *total, char *err, size_t errlen)
{
	struct pool_worker *w = &ex->w[i];
	const struct pool_reply *r = &w->cur;
	switch (r->op) {
	case REP_DONE:
		for (unsigned k = 0; k < r->nmsgs; k++) {
			w->tasks_out -= w->ring[w->head].count;
			w->head = (w->head + 1) % ex->window;
		}
		w->nout -= r->nmsgs;
		w->nsent -= r->nmsgs;
		w->msgs_done += r->nmsgs;
		w->last_answer = pb_now();
		pb_partial_add(total, &r->part);
		return 0;
	case REP_ERROR:
		report_error(ex, i, err, errlen);
		return -1;
	default: /* REP_STATS */
		w->head = (w->head + 1) % ex->window;
		w->nout = w->nsent = 0;
		w->max_rss_kb = (long)r->max_rss_kb;
		ex->stats[i].pid = (int)w->pid;
		w->stats_done = 1;
		return 0;
	}
}

/* Read everything worker i has written (answers in batches, output bytes straight into place); -1 on failure. */
static int recv_answers(struct pb_exec *ex, const struct pb_job *job, int i, struct pb_partial *total, char *err,
			size_t errlen)
{
	struct pool_worker *w = &ex->w[i];
	/* Data workloads: headers exactly, so trailing bytes are never read ahead into abuf and copied twice. */
	size_t cap = job->wl->out_span ? sizeof(struct pool_reply) : ANSWER_BUF;
	for (;;) {
		uint8_t *dst = w->trail_left ? w->trail : w->abuf + w->alen;
		size_t want = w->trail_left ? w->trail_left : cap - w->alen;
		ssize_t got = read(w->from_fd, dst, want);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			report_death(ex, i, err, errlen);
			return -1;
		}
		if (got == 0) {
			report_death(ex, i, err, errlen);
			return -1;
		}
		if (w->trail_left) {
			w->trail += got;
			w->trail_left -= (size_t)got;
			if (w->trail_left == 0 && finish_answer(ex, i, total, err, errlen) != 0)
				return -1;
		} else {
			w->alen += (size_t)got;
			size_t pos = 0;
			while (w->trail_left == 0 && w->alen - pos >= sizeof(struct pool_reply)) {
				struct pool_reply r;
				memcpy(&r, w->abuf + pos, sizeof r);
				pos += sizeof r;
				if (begin_answer(ex, job, i, &r, err, errlen) != 0)
					return -1;
				size_t n = w->alen - pos < w->trail_left ? w->alen - pos : w->trail_left;
				if (n) /* trail is NULL for an answer without trailing bytes */
					memcpy(w->trail, w->abuf + pos, n);
				pos += n;
				w->trail += n;
				w->trail_left -= n;
				if (w->trail_left == 0 && finish_answer(ex, i, total, err, errlen) != 0)
					return -1;
			}
			memmove(w->abuf, w->abuf + pos, w->alen - pos);
			w->alen -= pos;
		}
		if (w->stats_done)
			return 0; /* nothing more comes this run */
		if ((size_t)got < want)
			return 0; /* a short read of a pipe: it is empty now */
	}
}

/* Reset the per-run state of every worker. */
static void begin_run(struct pb_exec *ex)
{
	for (int i = 0; i < ex->n; i++) {
		struct pool_worker *w = &ex->w[i];
		memset(&w->feed, 0, sizeof w->feed);
		w->exhausted = w->end_sent = w->stats_done = 0;
		w->head = w->nout = w->nsent = 0;
		w->sent_off = 0;
		w->tasks_out = 0;
		w->msgs_done = 0;
		w->last_answer = 0;
		w->alen = 0;
		w->trail_left = 0;
	}
}

static int pool_run(struct pb_exec *ex, const struct pb_job *job, const struct pb_run_req *req,
		    struct pb_run_result *res, char *err, size_t errlen)
{
	struct pb_sched s = req->sched;
	_Atomic uint64_t next = 0;

	memset(res, 0, sizeof *res);
	s.workers = ex->n; /* the schedule cuts for the workers this pool has */
	begin_run(ex);
	ex->run_t0 = pb_now();
	for (;;) {
		if (refill(ex, job, req, &s, &next, err, errlen) != 0)
			goto fail;
		int nfds = 0;
		for (int i = 0; i < ex->n; i++) {
			struct pool_worker *w = &ex->w[i];
			if (w->stats_done)
				continue;
			if (send_pending(ex, job, i, err, errlen) != 0)
				goto fail;
			ex->pfd[nfds] = (struct pollfd){ .fd = w->from_fd, .events = POLLIN };
			ex->pidx[nfds++] = i;
			if (w->nsent < w->nout) {
				ex->pfd[nfds] = (struct pollfd){ .fd = w->to_fd, .events = POLLOUT };
				ex->pidx[nfds++] = i;
			}
		}
		if (nfds == 0)
			break; /* every worker sent its facts */
		if (poll(ex->pfd, (nfds_t)nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "pool: poll: %s", strerror(errno));
			goto fail;
		}
		for (int k = 0; k < nfds; k++) {
			if (!ex->pfd[k].revents)
				continue;
			int i = ex->pidx[k];
			/* A worker's result pipe comes first: a dead worker is reported from its EOF. */
			int rc = ex->pfd[k].fd == ex->w[i].from_fd ? recv_answers(ex, job, i, &res->total, err, errlen)
								   : send_pending(ex, job, i, err, errlen);
			if (rc != 0)
				goto fail;
		}
	}

	long rss = 0;
	for (int i = 0; i < ex->n; i++)
		rss += ex->w[i].max_rss_kb;
	res->nworkers = ex->n;
	res->workers = ex->stats;
	pb_pc_child_totals(res, ex->stats, ex->n, rss);
	return 0;

fail:
	ex->failed = 1;
	return -1;
}

static void pool_close(struct pb_exec *ex)
{
	if (!ex)
		return;
	if (!ex->failed) {
		/* Every message was answered, so each task pipe is empty and EXIT fits without blocking. */
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

static void pool_describe(char *buf, size_t len)
{
	const char *v = getenv("PARBENCH_POOL_WINDOW");
	if (v && *v)
		snprintf(buf, len,
			 "pre-forked workers over pipes; window=%s messages per worker (PARBENCH_POOL_WINDOW, every schedule), answers batched",
			 v);
	else
		snprintf(buf, len,
			 "pre-forked workers over pipes; window=%d messages per worker (dynamic and guided: about %g us of work and at most 1/(2P) of the tasks left), answers batched, at most %g ms late",
			 WINDOW_DEFAULT, HIDE_S * 1e6, FLUSH_S * 1e3);
}

const struct pb_executor pb_ex_pool = {
	.name = "pool",
	.description = "pre-forked worker processes fed task messages over pipes",
	.processes = 1,
	.available = pool_available,
	.open = pool_open,
	.run = pool_run,
	.describe = pool_describe,
	.close = pool_close,
};
