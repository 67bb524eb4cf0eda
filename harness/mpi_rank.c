/* mpi_rank.c: parbench-mpi, the program every rank of the mpi variant runs: rank 0 coordinates, the others work. */
#include "exec_proc_common.h"
#include "../workloads/mech.h"
#include "executor.h"
#include "mpi_proto.h"
#include "plugin.h"
#include "proc.h"
#include "util.h"

#include <errno.h>
#include <mpi.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/*
 * Processes.  parbench (not an MPI process) starts `mpirun` for a case; its
 * ranks all run this program with the same arguments (the job: workload,
 * size, parameters).  Rank 0 is the coordinator and runs on parbench's host:
 * it connects to parbench's UNIX socket, receives the descriptors of the
 * workload's input and output buffers (memfds: it maps the very pages
 * parbench verifies) and of the task table, and hands tasks to the worker
 * ranks 1..P over MPI.  Every rank prepares the job itself (the same
 * deterministic inputs; the kernels' private state), which is part of rank
 * start-up, timed as set-up.
 *
 * Protocol over MPI (rank 0 <-> worker w, MPI_COMM_WORLD):
 *   start-up: MPI_Bcast of the counters configuration; each worker sends
 *             READY (its pid, host, CPU) or ERROR;
 *   run:      TASKS header (tag CMD) + exactly the input bytes of the tasks
 *             (tag IN), up to PB_MPI_WINDOW of them queued ahead per worker;
 *             the worker answers each with DONE (tag REPLY) + exactly its
 *             output bytes (tag OUT); after the last, END -> STATS;
 *   close:    EXIT.
 * Why it cannot deadlock: rank 0 never blocks on a send (MPI_Isend, headers
 * kept until their reply proves delivery) and always has a receive posted
 * for every worker's next reply header; when a DONE header arrives it
 * receives that worker's output bytes at once, straight into the output
 * buffer.  A worker blocks only on its own next command, or on sending a
 * reply that rank 0 is about to receive.  So every blocked send has its
 * receive posted or about to be, whatever the message sizes; and messages
 * between two ranks are not overtaken (MPI's order), so a worker reads its
 * TASKS and IN messages in the order they were sent.
 *
 * Waiting.  Rank 0 shares a core with a worker when the launcher binds
 * ranks to cores, so it does not spin: it tests its receives for up to
 * SPIN_NS, then sleeps SLEEP_NS between tests.  Workers wait in MPI_Recv
 * (Open MPI polls; parbench passes mpi_yield_when_idle when oversubscribed).
 *
 * Faults.  A rank that dies makes mpirun end the job; parbench sees its
 * socket close, reads mpirun's report of which rank died, and names the task
 * from the table rank 0 keeps in shared memory.  Each rank asks to be killed
 * if its parent (mpirun or its daemon) dies.
 */

#define SPIN_NS 50000L   /* 50 us of testing before rank 0 starts to sleep */
#define SLEEP_NS 20000L  /* then 20 us sleeps between tests */

static int rank, nranks;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fprintf(stderr, "parbench-mpi: rank %d: %s\n", rank, buf);
	MPI_Abort(MPI_COMM_WORLD, 1);
	_exit(1);
}

/* ---- the job, from the command line ---- */

static void usage_die(void) __attribute__((noreturn));
static void usage_die(void)
{
	fprintf(stderr, "usage: parbench-mpi --socket PATH --workload NAME [--plugin FILE --sha256 HEX] --size N --from-user 0|1 [--param K=V]...\n"
			"  (started by parbench's mpi variant through mpirun; not meant to be run by hand)\n");
	exit(2);
}

struct rank_args {
	const char *socket, *workload;
	const char *plugin, *sha256; /* a plugin's file and the hash parbench measured, or NULL */
	uint64_t size;
	int from_user;
	int nparams;
	struct pb_kv params[PB_MAX_PARAMS];
};

static void parse_args(int argc, char **argv, struct rank_args *a)
{
	memset(a, 0, sizeof *a);
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			usage_die();
		i++;
		if (strcmp(o, "--socket") == 0) {
			a->socket = v;
		} else if (strcmp(o, "--workload") == 0) {
			a->workload = v;
		} else if (strcmp(o, "--plugin") == 0) {
			a->plugin = v;
		} else if (strcmp(o, "--sha256") == 0) {
			a->sha256 = v;
		} else if (strcmp(o, "--size") == 0) {
			a->size = strtoull(v, NULL, 10);
		} else if (strcmp(o, "--from-user") == 0) {
			a->from_user = atoi(v);
		} else if (strcmp(o, "--param") == 0 && a->nparams < PB_MAX_PARAMS) {
			const char *eq = strchr(v, '=');
			if (!eq)
				usage_die();
			struct pb_kv *kv = &a->params[a->nparams++];
			snprintf(kv->key, sizeof kv->key, "%.*s", (int)(eq - v), v);
			snprintf(kv->val, sizeof kv->val, "%s", eq + 1);
		} else {
			usage_die();
		}
	}
	if (!a->socket || !a->workload || !a->size)
		usage_die();
}

/* Prepare the job as parbench did; 0, or -1 with why. */
static int prepare(const struct rank_args *a, struct pb_job *job, char *why, size_t len)
{
	memset(job, 0, sizeof *job);
	if (a->plugin) {
		char err[PB_ERR_MAX];
		if (!a->sha256 || !(job->wl = pb_plugin_load_expect(a->plugin, a->sha256, err, sizeof err))) {
			snprintf(why, len, "%s: %.400s", a->plugin, a->sha256 ? err : "--plugin needs --sha256");
			return -1;
		}
	} else {
		job->wl = pb_workload_find(a->workload);
	}
	if (!job->wl) {
		snprintf(why, len, "unknown workload '%s'", a->workload);
		return -1;
	}
	job->size = a->size;
	job->size_from_user = a->from_user;
	job->nparams = a->nparams;
	memcpy(job->params, a->params, sizeof job->params);
	char err[PB_ERR_MAX] = "";
	if (job->wl->prepare(job, err, sizeof err) != 0) {
		snprintf(why, len, "%s: %s", a->workload, err);
		job->wl->release(job);
		job->wl = NULL;
		return -1;
	}
	return 0;
}

static void my_facts(struct pb_mpi_worker *w)
{
	memset(w, 0, sizeof *w);
	w->st.pid = (int)getpid();
	if (gethostname(w->host, sizeof w->host) != 0)
		snprintf(w->host, sizeof w->host, "?");
	w->host[sizeof w->host - 1] = '\0';
	pb_cpuset_set(&w->st.cpus, pb_current_cpu());
}

/* ---- a worker rank ---- */

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

static void worker_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void worker_error(const char *fmt, ...)
{
	struct pb_mpi_reply r;
	va_list ap;
	memset(&r, 0, sizeof r);
	r.op = PB_MPI_REP_ERROR;
	va_start(ap, fmt);
	vsnprintf(r.text, sizeof r.text, fmt, ap);
	va_end(ap);
	MPI_Send(&r, (int)sizeof r, MPI_BYTE, 0, PB_MPI_TAG_REPLY, MPI_COMM_WORLD);
}

/* One TASKS command: its input bytes, the kernel over the tasks, the answer and its output bytes. */
static void worker_tasks(const struct pb_job *job, const struct pb_mpi_cmd *c, uint8_t **in, size_t *incap,
			 uint8_t **out, size_t *outcap, struct pb_worker_stat *st)
{
	struct pb_run_req req = { .sched = { .ntasks = c->ntasks, .chunk = 1, .workers = 1 }, .n_items = c->n_items };
	struct pb_view iv = pb_job_in_view(job), ov = pb_job_out_view(job);
	struct pb_span os = { 0, 0 };
	struct pb_mpi_reply r;
	if (c->in_len) {
		if (grow(in, incap, c->in_len) != 0)
			die("cannot allocate %llu bytes for the input", (unsigned long long)c->in_len);
		MPI_Recv(*in, (int)c->in_len, MPI_BYTE, 0, PB_MPI_TAG_IN, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		iv = (struct pb_view){ .base = *in, .off = c->in_off, .len = c->in_len };
	}
	if (job->wl->out_span) {
		pb_pc_span(job, &req, c->first, c->count, job->wl->out_span, &os);
		if (os.off > job->out_len || os.len > job->out_len - os.off) {
			worker_error("output span [%zu, +%zu) outside the output buffer", os.off, os.len);
			return;
		}
		if (grow(out, outcap, os.len) != 0)
			die("cannot allocate %zu bytes for the output", os.len);
		ov = (struct pb_view){ .base = *out, .off = os.off, .len = os.len };
	}
	memset(&r, 0, sizeof r);
	pb_exec_tasks_views(job, &req, c->first, c->count, iv, ov, &r.part, st);
	r.op = PB_MPI_REP_DONE;
	r.out_off = os.off;
	r.out_len = os.len;
	MPI_Send(&r, (int)sizeof r, MPI_BYTE, 0, PB_MPI_TAG_REPLY, MPI_COMM_WORLD);
	if (os.len)
		MPI_Send(*out, (int)os.len, MPI_BYTE, 0, PB_MPI_TAG_OUT, MPI_COMM_WORLD);
}

static void worker_main(const struct pb_job *job, const struct pb_counters_cfg *cfg)
{
	uint8_t *in = NULL, *out = NULL;
	size_t incap = 0, outcap = 0;
	int in_run = 0;
	struct pb_mpi_reply r;
	struct pb_ctr_session cs;
	double u0 = 0, s0 = 0;
	for (;;) {
		struct pb_mpi_cmd c;
		MPI_Recv(&c, (int)sizeof c, MPI_BYTE, 0, PB_MPI_TAG_CMD, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		if (c.op == PB_MPI_CMD_EXIT)
			break;
		if (!in_run) {
			/* a run starts with its first command: measure from here to END */
			my_facts(&r.w);
			pb_cpuset_zero(&r.w.st.cpus);
			pb_process_cputime(&u0, &s0);
			pb_ctr_start(&cs, cfg);
			in_run = 1;
		}
		if (c.op == PB_MPI_CMD_TASKS) {
			worker_tasks(job, &c, &in, &incap, &out, &outcap, &r.w.st);
			continue;
		}
		/* END: this run's facts */
		double u1, s1;
		pb_ctr_stop(&cs, &r.w.st.ctr);
		pb_process_cputime(&u1, &s1);
		r.w.st.user_s = u1 - u0;
		r.w.st.sys_s = s1 - s0;
		r.w.max_rss_kb = pb_pc_self_max_rss_kb();
		r.op = PB_MPI_REP_STATS;
		in_run = 0;
		MPI_Send(&r, (int)sizeof r, MPI_BYTE, 0, PB_MPI_TAG_REPLY, MPI_COMM_WORLD);
	}
	pb_ctr_thread_done(cfg);
	free(in);
	free(out);
}

/* ---- rank 0: the coordinator ---- */

struct coord {
	int P;                       /* worker ranks: 1..P */
	int sock;                    /* to parbench */
	const struct pb_job *job;
	struct pb_mpi_slot *table;   /* shared with parbench */
	MPI_Request *reply_req;      /* P: the posted receive of each worker's next reply */
	struct pb_mpi_reply *reply;  /* P: where it lands */
	struct pb_mpi_cmd (*cmd)[PB_MPI_WINDOW]; /* P x window: headers in flight */
	int *qhead, *qlen;           /* P: the queue of tasks sent ahead (a ring in cmd) */
	struct pb_pc_feed *feed;     /* P */
	struct pb_mpi_worker *w;     /* P: the facts DONE reports */
};

static int send_all(int fd, const void *buf, size_t len)
{
	return pb_write_full(fd, buf, len);
}

static void tell_error(struct coord *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tell_error(struct coord *c, const char *fmt, ...)
{
	char text[PB_MPI_TEXT_MAX + 256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	struct pb_mpi_msg m;
	memset(&m, 0, sizeof m);
	m.op = PB_MPI_ERROR;
	m.text_len = (uint32_t)strlen(text);
	if (send_all(c->sock, &m, sizeof m) != 0 || send_all(c->sock, text, m.text_len) != 0)
		_exit(1);
}

static void post_reply(struct coord *c, int i)
{
	MPI_Irecv(&c->reply[i], (int)sizeof c->reply[i], MPI_BYTE, i + 1, PB_MPI_TAG_REPLY, MPI_COMM_WORLD,
		  &c->reply_req[i]);
}

/* Wait until some worker's reply has come; its index in *i.  Tests, then sleeps (see the top). */
static void wait_reply(struct coord *c, int *i)
{
	struct timespec t0, t;
	int flag = 0, idx = MPI_UNDEFINED;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		MPI_Testany(c->P, c->reply_req, &idx, &flag, MPI_STATUS_IGNORE);
		if (flag && idx != MPI_UNDEFINED) {
			*i = idx;
			return;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) > SPIN_NS) {
			struct timespec s = { 0, SLEEP_NS };
			nanosleep(&s, NULL);
		}
	}
}

/* Queue tasks [first, first + count) to worker i, with exactly their input bytes. */
static void send_tasks(struct coord *c, const struct pb_run_req *req, int i, uint64_t first, uint64_t count)
{
	const struct pb_job *job = c->job;
	int slot = (c->qhead[i] + c->qlen[i]) % PB_MPI_WINDOW;
	struct pb_mpi_cmd *m = &c->cmd[i][slot];
	MPI_Request rq;
	memset(m, 0, sizeof *m);
	m->op = PB_MPI_CMD_TASKS;
	m->n_items = req->n_items;
	m->ntasks = req->sched.ntasks;
	m->first = first;
	m->count = count;
	if (job->wl->in_span) {
		struct pb_span sp;
		pb_pc_span(job, req, first, count, job->wl->in_span, &sp);
		if (sp.len && (sp.off > job->in_len || sp.len > job->in_len - sp.off))
			die("input span [%zu, +%zu) outside the input buffer", sp.off, sp.len);
		m->in_off = sp.off;
		m->in_len = sp.len;
	}
	if (c->qlen[i] == 0) {
		c->table[i].first = first; /* it starts on these at once */
		c->table[i].count = count;
	}
	c->qlen[i]++;
	/* the header lives in cmd until its reply; the input bytes are the shared buffer, read only */
	MPI_Isend(m, (int)sizeof *m, MPI_BYTE, i + 1, PB_MPI_TAG_CMD, MPI_COMM_WORLD, &rq);
	MPI_Request_free(&rq);
	if (m->in_len) {
		MPI_Isend(job->in + m->in_off, (int)m->in_len, MPI_BYTE, i + 1, PB_MPI_TAG_IN, MPI_COMM_WORLD, &rq);
		MPI_Request_free(&rq);
	}
}

/* Fill worker i's window from the schedule; the number of tasks messages queued. */
static int refill(struct coord *c, const struct pb_sched *s, const struct pb_run_req *req, int i,
		  _Atomic uint64_t *next)
{
	int sent = 0;
	uint64_t f, n;
	while (c->qlen[i] < PB_MPI_WINDOW && pb_pc_next(s, i, &c->feed[i], next, &f, &n)) {
		send_tasks(c, req, i, f, n);
		sent++;
	}
	return sent;
}

/* One worker's DONE: its output bytes into the shared buffer, its partial, the next tasks. */
static int take_done(struct coord *c, int i, struct pb_partial *total)
{
	struct pb_mpi_reply *r = &c->reply[i];
	if (r->op == PB_MPI_REP_ERROR) {
		const struct pb_mpi_cmd *m = &c->cmd[i][c->qhead[i]];
		tell_error(c, "mpi: rank %d (host %s) failed on tasks %llu-%llu: %.*s", i + 1, c->w[i].host,
			   (unsigned long long)m->first, (unsigned long long)(m->first + m->count - 1),
			   (int)sizeof r->text, r->text);
		return -1;
	}
	if (r->op != PB_MPI_REP_DONE)
		die("worker rank %d sent an unexpected reply %u", i + 1, r->op);
	if (r->out_len) {
		const struct pb_job *job = c->job;
		if (r->out_off > job->out_len || r->out_len > job->out_len - r->out_off)
			die("worker rank %d returned bytes outside the output buffer", i + 1);
		MPI_Recv(job->out + r->out_off, (int)r->out_len, MPI_BYTE, i + 1, PB_MPI_TAG_OUT, MPI_COMM_WORLD,
			 MPI_STATUS_IGNORE);
	}
	pb_partial_add(total, &r->part);
	c->qhead[i] = (c->qhead[i] + 1) % PB_MPI_WINDOW;
	c->qlen[i]--;
	if (c->qlen[i]) {
		const struct pb_mpi_cmd *m = &c->cmd[i][c->qhead[i]];
		c->table[i].first = m->first;
		c->table[i].count = m->count;
	} else {
		c->table[i].count = 0;
	}
	return 0;
}

/* One run: the schedule over the worker ranks; DONE (or ERROR) to parbench. */
static void coord_run(struct coord *c, const struct pb_run_req *req)
{
	struct pb_sched s = req->sched;
	_Atomic uint64_t next = 0;
	struct pb_partial total;
	int busy = 0;
	memset(&total, 0, sizeof total);
	s.workers = c->P;
	memset(c->feed, 0, (size_t)c->P * sizeof *c->feed);
	for (int i = 0; i < c->P; i++)
		busy += refill(c, &s, req, i, &next);
	while (busy > 0) {
		int i;
		wait_reply(c, &i);
		if (take_done(c, i, &total) != 0)
			die("a worker failed; the job ends");
		busy--;
		post_reply(c, i);
		busy += refill(c, &s, req, i, &next);
	}
	/* END: each worker's facts of this run */
	struct pb_mpi_cmd end;
	memset(&end, 0, sizeof end);
	end.op = PB_MPI_CMD_END;
	for (int i = 0; i < c->P; i++)
		MPI_Send(&end, (int)sizeof end, MPI_BYTE, i + 1, PB_MPI_TAG_CMD, MPI_COMM_WORLD);
	for (int i = 0; i < c->P; i++) {
		MPI_Wait(&c->reply_req[i], MPI_STATUS_IGNORE);
		if (c->reply[i].op != PB_MPI_REP_STATS)
			die("worker rank %d sent %u instead of its facts", i + 1, c->reply[i].op);
		c->w[i] = c->reply[i].w;
		post_reply(c, i);
	}
	struct pb_mpi_msg m;
	memset(&m, 0, sizeof m);
	m.op = PB_MPI_DONE;
	m.nworkers = (uint32_t)c->P;
	m.total = total;
	if (send_all(c->sock, &m, sizeof m) != 0 || send_all(c->sock, c->w, (size_t)c->P * sizeof *c->w) != 0)
		die("lost parbench");
}

/* Receive HELLO and the descriptors of the in and out buffers and of the task table. */
static void recv_hello(int sock, struct pb_mpi_hello *h, int fds[3])
{
	char ctl[CMSG_SPACE(3 * sizeof(int))];
	struct iovec iov = { h, sizeof *h };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
	ssize_t n = recvmsg(sock, &mh, MSG_WAITALL | MSG_CMSG_CLOEXEC);
	if (n != (ssize_t)sizeof *h || h->op != PB_MPI_HELLO)
		die("no hello from parbench");
	if (h->version != PB_MPI_PROTO_VERSION)
		die("parbench speaks protocol %u, this parbench-mpi %u: use the two of one build", h->version,
		    PB_MPI_PROTO_VERSION);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int want = (int)(h->has_in + h->has_out + 1);
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN((size_t)want * sizeof(int)))
		die("parbench sent no descriptors");
	int got[3];
	memcpy(got, CMSG_DATA(cm), (size_t)want * sizeof(int));
	int k = 0;
	fds[0] = h->has_in ? got[k++] : -1;
	fds[1] = h->has_out ? got[k++] : -1;
	fds[2] = got[k];
}

static void *map_fd(int fd, size_t len, const char *what)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("cannot map parbench's %s: %s", what, strerror(errno));
	close(fd);
	return p;
}

/* Connect to parbench; map its buffers into the job in place of ours; share the counters. */
static int coord_connect(const char *path, struct pb_job *job, struct pb_mpi_slot **table, int P,
			 struct pb_counters_cfg *cfg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pb_mpi_hello h;
	int fds[3];
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof sa) != 0)
		die("cannot connect to parbench at '%s': %s", path, strerror(errno));
	recv_hello(sock, &h, fds);
	if (job->wl && ((h.has_in && h.in_len != job->in_len) || (h.has_out && h.out_len != job->out_len)))
		die("parbench's buffers differ from this rank's job (%llu/%llu bytes against %zu/%zu)",
		    (unsigned long long)h.in_len, (unsigned long long)h.out_len, job->in_len, job->out_len);
	if (h.has_in) {
		pb_buf_free(job->in, job->in_len);
		job->in = map_fd(fds[0], h.in_len, "input");
	}
	if (h.has_out) {
		pb_buf_free(job->out, job->out_len);
		job->out = map_fd(fds[1], h.out_len, "output");
	}
	*table = map_fd(fds[2], (size_t)P * sizeof **table, "task table");
	*cfg = h.counters;
	return sock;
}

/* Gather the workers' READY (or the first ERROR) and tell parbench. */
static void coord_ready(struct coord *c, const char *prep_err)
{
	char first_err[PB_MPI_TEXT_MAX + 128] = "";
	if (prep_err)
		snprintf(first_err, sizeof first_err, "mpi: rank 0: %s", prep_err);
	for (int i = 0; i < c->P; i++) {
		struct pb_mpi_reply r;
		MPI_Recv(&r, (int)sizeof r, MPI_BYTE, i + 1, PB_MPI_TAG_REPLY, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		c->w[i] = r.w;
		if (r.op == PB_MPI_REP_ERROR && !first_err[0])
			snprintf(first_err, sizeof first_err, "mpi: rank %d (host %s): %.*s", i + 1, r.w.host,
				 (int)sizeof r.text, r.text);
	}
	if (first_err[0]) {
		tell_error(c, "%s", first_err);
		return;
	}
	struct pb_mpi_msg m;
	memset(&m, 0, sizeof m);
	m.op = PB_MPI_READY;
	m.nworkers = (uint32_t)c->P;
	if (send_all(c->sock, &m, sizeof m) != 0 || send_all(c->sock, c->w, (size_t)c->P * sizeof *c->w) != 0)
		die("lost parbench");
}

static void coord_main(const char *path, struct pb_job *job, const char *prep_err)
{
	struct coord c;
	struct pb_counters_cfg cfg;
	memset(&c, 0, sizeof c);
	c.P = nranks - 1;
	c.job = job;
	c.sock = coord_connect(path, job, &c.table, c.P, &cfg);
	MPI_Bcast(&cfg, (int)sizeof cfg, MPI_BYTE, 0, MPI_COMM_WORLD);
	c.reply_req = calloc((size_t)c.P, sizeof *c.reply_req);
	c.reply = calloc((size_t)c.P, sizeof *c.reply);
	c.cmd = calloc((size_t)c.P, sizeof *c.cmd);
	c.qhead = calloc((size_t)c.P, sizeof *c.qhead);
	c.qlen = calloc((size_t)c.P, sizeof *c.qlen);
	c.feed = calloc((size_t)c.P, sizeof *c.feed);
	c.w = calloc((size_t)c.P, sizeof *c.w);
	if (!c.reply_req || !c.reply || !c.cmd || !c.qhead || !c.qlen || !c.feed || !c.w)
		die("out of memory");
	coord_ready(&c, prep_err);
	if (prep_err)
		die("%s", prep_err);
	for (int i = 0; i < c.P; i++)
		post_reply(&c, i);
	for (;;) {
		struct pb_mpi_msg m;
		if (pb_read_full(c.sock, &m, sizeof m) != 0 || m.op == PB_MPI_EXIT)
			break;
		if (m.op != PB_MPI_RUN)
			die("unexpected message %u from parbench", m.op);
		coord_run(&c, &m.req);
	}
	struct pb_mpi_cmd ex;
	memset(&ex, 0, sizeof ex);
	ex.op = PB_MPI_CMD_EXIT;
	for (int i = 0; i < c.P; i++) {
		MPI_Cancel(&c.reply_req[i]); /* the receive posted for a next reply that will not come */
		MPI_Wait(&c.reply_req[i], MPI_STATUS_IGNORE);
		MPI_Send(&ex, (int)sizeof ex, MPI_BYTE, i + 1, PB_MPI_TAG_CMD, MPI_COMM_WORLD);
	}
	close(c.sock);
}

/* ---- parbench mech's mpi family (workloads/mech_mpi.c): every rank runs the mechanism ---- */

/*
 * parbench-mpi --mech NAME --bytes N --socket PATH.  Rank 0 connects to
 * parbench and relays its commands to every rank with MPI_Bcast; per batch
 * every rank notes its CPU and CPU time, meets the others at MPI_Barrier,
 * and rank 0 times its `ops` operations with MPI_Wtime from after the barrier
 * to the end of its last operation (the reply of the last round trip, the
 * last window's acknowledgement, its last collective), as osu_latency and
 * osu_bw time theirs.  Every message is checked word by word against mech's
 * patterns (pb_msg_seed: message i of batch b, direction 0 out, 1 back), every
 * allreduce element against its closed form; then MPI_Gather brings each
 * rank's facts to rank 0, which sends them to parbench.  Patterns are built
 * and checked inside the timed loop, as mech's IPC endpoints do.
 */

enum { MECH_PINGPONG, MECH_BW, MECH_ALLREDUCE, MECH_BARRIER };
#define TAG_MECH 7
#define TAG_ACK 8

struct mech_state {
	int which;
	uint64_t bytes;
	unsigned char *sbuf, *rbuf;  /* pt2pt: a window of messages each way */
	double *sd, *rd;             /* allreduce */
	MPI_Request *reqs;
	int window;
	int stamps;                  /* -p check=stamps: patterns built before the timing, stamps per message */
	unsigned char *scratch;      /* stamps: the expected last message of a batch */
};

/*
 * check=stamps (workloads/mech_mpi.c).  The stamp positions of an n-byte
 * message: one word every 4 KiB from the start, and the last word; a
 * message of under 64 bytes is built and checked in full (it costs nothing).
 */
#define STAMP_EVERY 4096
static void stamp(unsigned char *buf, size_t n, uint64_t seed)
{
	if (n < 64) {
		pb_msg_fill(buf, n, seed);
		return;
	}
	for (size_t off = 0; off + 8 <= n; off += STAMP_EVERY) {
		uint64_t w = seed + off;
		memcpy(buf + off, &w, 8);
	}
	uint64_t w = ~seed;
	memcpy(buf + n - 8, &w, 8);
}

/* 0 if buf carries seed's stamps, else 1 + the offset of the first wrong byte's word. */
static size_t stamp_check(const unsigned char *buf, size_t n, uint64_t seed)
{
	if (n < 64)
		return pb_msg_check(buf, n, seed);
	uint64_t w;
	for (size_t off = 0; off + 8 <= n; off += STAMP_EVERY) {
		memcpy(&w, buf + off, 8);
		if (w != seed + off)
			return off + 1;
	}
	memcpy(&w, buf + n - 8, 8);
	return w != ~seed ? n - 8 + 1 : 0;
}

/* Message i (0-based) of ops arriving in buf with seed; base: the batch's pattern (stamps only). */
static void check_msg(struct mech_state *m, struct pb_mech_out *out, const unsigned char *buf, size_t n, uint64_t base,
		      uint64_t seed, uint64_t i, uint64_t ops)
{
	if (!m->stamps) {
		pb_msg_verify(out, buf, n, seed, i);
		return;
	}
	size_t at = stamp_check(buf, n, seed);
	if (!at && i + 1 == ops && n >= 64) { /* the batch's last message, in full */
		pb_msg_fill(m->scratch, n, base);
		stamp(m->scratch, n, seed);
		for (size_t j = 0; j < n && !at; j++)
			if (buf[j] != m->scratch[j])
				at = j + 1;
	}
	if (!at)
		return;
	if (!out->bad++)
		out->first_bad = i;
	pb_mech_fail(out, 0, "message %llu: byte %zu of %zu is wrong", (unsigned long long)i, at - 1, n);
}

/* A message to send: built from its pattern (every), or the batch's pattern already there, stamped. */
static void build_msg(const struct mech_state *m, unsigned char *buf, size_t n, uint64_t seed)
{
	if (m->stamps)
		stamp(buf, n, seed);
	else
		pb_msg_fill(buf, n, seed);
}

/* The pattern of batch b, direction dir (stamps: what every byte but the stamps holds). */
static uint64_t batch_base(uint64_t b, int dir)
{
	return pb_msg_seed(b, UINT64_C(0xffffffffff), dir);
}

/* check=stamps: before the timing, fill the sending buffers with the batch's pattern. */
static void prepare_batch(struct mech_state *m, uint64_t b)
{
	if (!m->stamps || (m->which != MECH_PINGPONG && m->which != MECH_BW))
		return;
	size_t n = (size_t)m->bytes;
	for (int k = 0; k < m->window; k++)
		pb_msg_fill(m->sbuf + (size_t)k * n, n, batch_base(b, rank == 0 ? 0 : 1));
}

static void mech_usage_die(void) __attribute__((noreturn));
static void mech_usage_die(void)
{
	fprintf(stderr, "usage: parbench-mpi --mech mpi-pingpong|mpi-bw|mpi-allreduce|mpi-barrier --bytes N --socket PATH\n"
			"  (started by parbench mech through mpirun; not meant to be run by hand)\n");
	exit(2);
}

static void mech_parse(int argc, char **argv, struct mech_state *m, const char **sock)
{
	const char *name = NULL;
	*sock = NULL;
	memset(m, 0, sizeof *m);
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--mech") == 0)
			name = argv[i + 1];
		else if (strcmp(argv[i], "--bytes") == 0)
			m->bytes = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--socket") == 0)
			*sock = argv[i + 1];
		else if (strcmp(argv[i], "--check") == 0 && (strcmp(argv[i + 1], "every") == 0 || strcmp(argv[i + 1], "stamps") == 0))
			m->stamps = strcmp(argv[i + 1], "stamps") == 0;
		else
			mech_usage_die();
	}
	if (!name || !*sock)
		mech_usage_die();
	static const char *const names[] = { "mpi-pingpong", "mpi-bw", "mpi-allreduce", "mpi-barrier" };
	m->which = -1;
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			m->which = i;
	if (m->which < 0)
		die("unknown MPI mechanism '%s'", name);
	if ((m->which == MECH_PINGPONG || m->which == MECH_BW) && nranks != 2)
		die("%s runs on 2 ranks, not %d", name, nranks);
	if (m->which == MECH_ALLREDUCE && (m->bytes < 8 || m->bytes % 8))
		die("mpi-allreduce: %llu bytes is not a whole number of doubles", (unsigned long long)m->bytes);
	if (m->which == MECH_PINGPONG || m->which == MECH_BW) {
		m->window = m->which == MECH_BW ? pb_mpi_bw_window(m->bytes) : 1;
		size_t len = (size_t)m->bytes * (size_t)m->window + 1;
		m->sbuf = malloc(len);
		m->rbuf = malloc(len);
		m->reqs = calloc((size_t)m->window, sizeof *m->reqs);
		m->scratch = malloc((size_t)m->bytes + 1);
		if (!m->sbuf || !m->rbuf || !m->reqs || !m->scratch)
			die("out of memory for %d messages of %llu bytes", m->window, (unsigned long long)m->bytes);
		memset(m->sbuf, 0, len);
		memset(m->rbuf, 0, len);
	} else if (m->which == MECH_ALLREDUCE) {
		m->sd = calloc((size_t)(m->bytes / 8), sizeof *m->sd);
		m->rd = calloc((size_t)(m->bytes / 8), sizeof *m->rd);
		if (!m->sd || !m->rd)
			die("out of memory for %llu bytes", (unsigned long long)m->bytes);
	}
}

static void mech_pingpong(struct mech_state *m, uint64_t b, uint64_t ops, struct pb_mech_out *out)
{
	size_t n = (size_t)m->bytes;
	for (uint64_t i = 0; i < ops; i++) {
		if (rank == 0) {
			build_msg(m, m->sbuf, n, pb_msg_seed(b, i, 0));
			MPI_Send(m->sbuf, (int)n, MPI_BYTE, 1, TAG_MECH, MPI_COMM_WORLD);
			MPI_Recv(m->rbuf, (int)n, MPI_BYTE, 1, TAG_MECH, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			check_msg(m, out, m->rbuf, n, batch_base(b, 1), pb_msg_seed(b, i, 1), i, ops);
		} else {
			MPI_Recv(m->rbuf, (int)n, MPI_BYTE, 0, TAG_MECH, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			check_msg(m, out, m->rbuf, n, batch_base(b, 0), pb_msg_seed(b, i, 0), i, ops);
			build_msg(m, m->sbuf, n, pb_msg_seed(b, i, 1));
			MPI_Send(m->sbuf, (int)n, MPI_BYTE, 0, TAG_MECH, MPI_COMM_WORLD);
		}
		out->done++;
	}
}

static void mech_bw(struct mech_state *m, uint64_t b, uint64_t ops, struct pb_mech_out *out)
{
	size_t n = (size_t)m->bytes;
	int ack = 0;
	for (uint64_t i = 0; i < ops;) {
		int w = ops - i < (uint64_t)m->window ? (int)(ops - i) : m->window;
		if (rank == 0) {
			for (int k = 0; k < w; k++) {
				build_msg(m, m->sbuf + (size_t)k * n, n, pb_msg_seed(b, i + (uint64_t)k, 0));
				MPI_Isend(m->sbuf + (size_t)k * n, (int)n, MPI_BYTE, 1, TAG_MECH, MPI_COMM_WORLD, &m->reqs[k]);
			}
			MPI_Waitall(w, m->reqs, MPI_STATUSES_IGNORE);
			MPI_Recv(&ack, 1, MPI_INT, 1, TAG_ACK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		} else {
			for (int k = 0; k < w; k++)
				MPI_Irecv(m->rbuf + (size_t)k * n, (int)n, MPI_BYTE, 0, TAG_MECH, MPI_COMM_WORLD, &m->reqs[k]);
			MPI_Waitall(w, m->reqs, MPI_STATUSES_IGNORE);
			for (int k = 0; k < w; k++)
				check_msg(m, out, m->rbuf + (size_t)k * n, n, batch_base(b, 0), pb_msg_seed(b, i + (uint64_t)k, 0),
					  i + (uint64_t)k, ops);
			MPI_Send(&ack, 1, MPI_INT, 0, TAG_ACK, MPI_COMM_WORLD);
		}
		i += (uint64_t)w;
		out->done += (uint64_t)w;
	}
}

static void mech_allreduce(struct mech_state *m, uint64_t b, uint64_t ops, struct pb_mech_out *out)
{
	size_t cnt = (size_t)(m->bytes / 8);
	double mult = (double)(rank + 1), sum = (double)nranks * (double)(nranks + 1) / 2;
	for (uint64_t i = 0; i < ops; i++) {
		for (size_t j = 0; j < cnt; j++)
			m->sd[j] = mult * pb_mpi_ar_value(b, i, j);
		MPI_Allreduce(m->sd, m->rd, (int)cnt, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
		int wrong = 0;
		for (size_t j = 0; j < cnt; j++)
			wrong |= m->rd[j] != sum * pb_mpi_ar_value(b, i, j);
		if (wrong) {
			size_t j = 0;
			while (j < cnt && m->rd[j] == sum * pb_mpi_ar_value(b, i, j))
				j++;
			if (!out->bad++)
				out->first_bad = i;
			pb_mech_fail(out, 0, "allreduce %llu: element %zu of %zu is %.17g, expected %.17g",
				     (unsigned long long)i, j, cnt, m->rd[j], sum * pb_mpi_ar_value(b, i, j));
		}
		out->done++;
	}
}

static void mech_cpu_time(double *user, double *sys, long *rss)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	*user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6;
	*sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
	*rss = ru.ru_maxrss;
}

static int mech_main(int argc, char **argv)
{
	struct mech_state m;
	const char *path;
	struct pb_mpi_mech_rank me, *all = NULL;
	struct pb_mpi_mech_msg msg;
	int sock = -1;
	mech_parse(argc, argv, &m, &path);
	memset(&me, 0, sizeof me);
	me.pid = (int32_t)getpid();
	if (gethostname(me.host, sizeof me.host) != 0)
		snprintf(me.host, sizeof me.host, "?");
	me.host[sizeof me.host - 1] = '\0';
	pb_cpuset_set(&me.cpus, pb_current_cpu());
	if (rank == 0) {
		all = calloc((size_t)nranks, sizeof *all);
		if (!all)
			die("out of memory");
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
		sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof sa) != 0)
			die("cannot connect to parbench at '%s': %s", path, strerror(errno));
	}
	MPI_Gather(&me, (int)sizeof me, MPI_BYTE, all, (int)sizeof me, MPI_BYTE, 0, MPI_COMM_WORLD);
	if (rank == 0) {
		memset(&msg, 0, sizeof msg);
		msg.op = PB_MPI_MECH_READY;
		msg.version = PB_MPI_PROTO_VERSION;
		msg.nranks = (uint32_t)nranks;
		if (send_all(sock, &msg, sizeof msg) != 0 || send_all(sock, all, (size_t)nranks * sizeof *all) != 0)
			die("parbench went away");
	}
	for (;;) {
		uint64_t cmd[3] = { PB_MPI_MECH_EXIT, 0, 0 };
		if (rank == 0) {
			if (pb_read_full(sock, &msg, sizeof msg) == 0 && msg.op == PB_MPI_MECH_RUN) {
				cmd[0] = PB_MPI_MECH_RUN;
				cmd[1] = msg.ops;
				cmd[2] = msg.batch;
			}
		}
		MPI_Bcast(cmd, 3, MPI_UINT64_T, 0, MPI_COMM_WORLD);
		if (cmd[0] != PB_MPI_MECH_RUN)
			break;
		struct pb_mech_out out;
		double u0, s0, u1, s1, t0, t1 = 0;
		long rss;
		memset(&out, 0, sizeof out);
		memset(&me.cpus, 0, sizeof me.cpus);
		pb_cpuset_set(&me.cpus, pb_current_cpu());
		prepare_batch(&m, cmd[2]);
		mech_cpu_time(&u0, &s0, &rss);
		MPI_Barrier(MPI_COMM_WORLD);
		t0 = MPI_Wtime();
		switch (m.which) {
		case MECH_PINGPONG:
			mech_pingpong(&m, cmd[2], cmd[1], &out);
			break;
		case MECH_BW:
			mech_bw(&m, cmd[2], cmd[1], &out);
			break;
		case MECH_ALLREDUCE:
			mech_allreduce(&m, cmd[2], cmd[1], &out);
			break;
		default:
			for (uint64_t i = 0; i < cmd[1]; i++) {
				MPI_Barrier(MPI_COMM_WORLD);
				out.done++;
			}
			break;
		}
		t1 = MPI_Wtime();
		pb_cpuset_set(&me.cpus, pb_current_cpu());
		mech_cpu_time(&u1, &s1, &rss);
		me.done = out.done;
		me.bad = out.bad;
		me.first_bad = out.first_bad;
		me.user_s = u1 - u0;
		me.sys_s = s1 - s0;
		me.max_rss_kb = rss;
		snprintf(me.why, sizeof me.why, "%s", out.why);
		MPI_Gather(&me, (int)sizeof me, MPI_BYTE, all, (int)sizeof me, MPI_BYTE, 0, MPI_COMM_WORLD);
		if (rank == 0) {
			memset(&msg, 0, sizeof msg);
			msg.op = PB_MPI_MECH_DONE;
			msg.version = PB_MPI_PROTO_VERSION;
			msg.nranks = (uint32_t)nranks;
			msg.span_s = t1 - t0;
			if (send_all(sock, &msg, sizeof msg) != 0 || send_all(sock, all, (size_t)nranks * sizeof *all) != 0)
				die("parbench went away");
		}
	}
	if (sock >= 0)
		close(sock);
	free(all);
	free(m.sbuf);
	free(m.rbuf);
	free(m.reqs);
	free(m.sd);
	free(m.rd);
	MPI_Finalize();
	return 0;
}

int main(int argc, char **argv)
{
	struct rank_args a;
	struct pb_job job;
	char why[PB_MPI_TEXT_MAX] = "";
	/* die with the launcher: a rank never outlives mpirun or its daemon */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the coordinator sleeps in short steps: the default 50 us slack would stretch them */
	prctl(PR_SET_TIMERSLACK, 1000UL);
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	if (argc > 1 && strcmp(argv[1], "--mech") == 0)
		return mech_main(argc, argv);
	parse_args(argc, argv, &a);
	if (nranks < 2)
		die("needs a coordinator and at least one worker rank (mpirun -np 2 or more)");
	int prepared = prepare(&a, &job, why, sizeof why) == 0;
	if (rank == 0) {
		coord_main(a.socket, &job, prepared ? NULL : why);
	} else {
		struct pb_counters_cfg cfg;
		struct pb_mpi_reply r;
		MPI_Bcast(&cfg, (int)sizeof cfg, MPI_BYTE, 0, MPI_COMM_WORLD);
		memset(&r, 0, sizeof r);
		my_facts(&r.w);
		r.op = prepared ? PB_MPI_REP_READY : PB_MPI_REP_ERROR;
		snprintf(r.text, sizeof r.text, "%s", why);
		MPI_Send(&r, (int)sizeof r, MPI_BYTE, 0, PB_MPI_TAG_REPLY, MPI_COMM_WORLD);
		if (prepared)
			worker_main(&job, &cfg);
	}
	if (prepared)
		job.wl->release(&job);
	MPI_Finalize();
	return 0;
}
