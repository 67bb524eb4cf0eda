/* exec_mpi.c: the mpi variant: ranks of Open MPI started by mpirun; rank 0 coordinates them (mpi_rank.c). */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec_proc_common.h"
#include "mech_team.h"
#include "mpi_proto.h"
#include "plugin.h"
#include "proc.h"
#include "util.h"

/*
 * parbench is not an MPI process: per case, open() starts
 *   mpirun [binding] [--hostfile F] -np 1 --host THIS_HOST parbench-mpi ARGS : -np P --host F's hosts parbench-mpi ARGS
 * (one context when there is no hostfile), so that rank 0, the coordinator,
 * runs on this host and the P worker ranks wherever the launcher maps them.
 * Rank 0 connects to a UNIX socket in a private directory, and parbench
 * passes it (SCM_RIGHTS) the memfds of the job's input and output buffers
 * and of a task table: the coordinator reads the inputs and writes the
 * outputs in parbench's own pages, sends exactly each task's input bytes to
 * the worker ranks and receives exactly their output bytes, as MPI messages
 * (mpi_rank.c states that protocol).  Per run, parbench sends RUN and reads
 * DONE (the total and each worker's facts) or ERROR over the socket: one
 * round trip, as the pool's per-run END/STATS.  The launch (mpirun, MPI_Init
 * of every rank, each rank preparing the job) is the executor's open, so it
 * is set-up (setup_s), never compute.
 *
 * The private directory also holds Open MPI's session files and its
 * shared-memory backing files (orte_tmpdir_base, btl_vader_backing_directory)
 * and mpirun's output; it is removed at close, and by the signal cleanup, so
 * no socket, session or segment of a run survives it.  mpirun is registered
 * as a gentle child: a signal to parbench sends it SIGTERM, which ends the
 * whole job (remote daemons included), before SIGKILL.
 */

#define START_TIMEOUT_S 120 /* mpirun, the daemons and MPI_Init of every rank */
#define CLOSE_GRACE_S 10

struct pb_exec {
	int P;                     /* worker ranks */
	pid_t mpirun;              /* 0 once reaped */
	int sock;                  /* the coordinator's connection */
	int failed;                /* a run failed: close does not ask */
	int mech;                  /* a job of parbench mech's mpi family: every rank takes part, rank 0 too */
	long coord_pid;            /* rank 0, from the socket's peer credentials */
	char dir[4096];            /* the private directory */
	char log[4200];            /* mpirun's stdout and stderr */
	struct pb_mpi_slot *table; /* shared with rank 0 */
	int table_fd;
	struct pb_mpi_worker *w;   /* P, from READY and DONE */
	struct pb_worker_stat *stats;
};

/* The program the ranks run: $PARBENCH_MPI_RANK, else parbench-mpi beside this binary. */
static int rank_binary(char *buf, size_t len)
{
	const char *env = getenv("PARBENCH_MPI_RANK");
	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return access(buf, X_OK);
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	*(slash ? slash : exe) = '\0';
	snprintf(buf, len, "%s/parbench-mpi", exe);
	return access(buf, X_OK);
}

/* The launcher: $PARBENCH_MPIRUN, else mpirun on the PATH. */
static int find_mpirun(char *buf, size_t len)
{
	const char *env = getenv("PARBENCH_MPIRUN");
	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return access(buf, X_OK);
	}
	const char *path = getenv("PATH");
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t l = strcspn(p, ":");
		snprintf(buf, len, "%.*s/mpirun", (int)l, p);
		if (l && access(buf, X_OK) == 0)
			return 0;
		p += l + (p[l] == ':');
	}
	return -1;
}

static int mpi_available(char *why, size_t len);
int pb_mech_mpi_available(char *why, size_t len)
{
	return mpi_available(why, len);
}

static int mpi_available(char *why, size_t len)
{
	char path[PATH_MAX + 32];
	if (rank_binary(path, sizeof path) != 0) {
		snprintf(why, len, "the rank program '%s' is missing (build it: make)", path);
		return 0;
	}
	if (find_mpirun(path, sizeof path) != 0) {
		snprintf(why, len, "no mpirun on the PATH (install openmpi-bin, or set PARBENCH_MPIRUN)");
		return 0;
	}
	return 1;
}

static void mpi_describe(char *buf, size_t len)
{
	char rank[PATH_MAX + 32] = "?", run[PATH_MAX + 32] = "?";
	rank_binary(rank, sizeof rank);
	find_mpirun(run, sizeof run);
	snprintf(buf, len,
		 "launch: %s%s --oversubscribe --bind-to none|core|hwthread[:overload-allowed] [--map-by core|hwthread|socket] "
		 "[--hostfile FILE] -np 1 --host THIS_HOST %s ... : -np WORKERS [--host FILE's hosts] %s ...; rank 0 coordinates "
		 "(tests for 50 us, then sleeps 20 us between tests), worker ranks wait in MPI_Recv",
		 run, geteuid() == 0 ? " --allow-run-as-root" : "", rank, rank);
}

/* ---- the launch ---- */

/* The arguments of mpirun for this case, into argv (strings in store). */
struct launch {
	char *argv[96];
	int argc;
	char store[16384];
	size_t used;
};

static void add(struct launch *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct launch *l, const char *fmt, ...)
{
	va_list ap;
	char *s = l->store + l->used;
	va_start(ap, fmt);
	int n = vsnprintf(s, sizeof l->store - l->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof l->store - l->used || l->argc + 1 >= (int)(sizeof l->argv / sizeof l->argv[0]))
		return; /* bounded: the job's arguments are bounded by the option parser */
	l->used += (size_t)n + 1;
	l->argv[l->argc++] = s;
	l->argv[l->argc] = NULL;
}

/* The job's description for every rank: workload, size, parameters, and the socket. */
/* parbench mech's job: a mechanism and its message size instead of a workload (job is then NULL) */
struct mech_args {
	const char *name;
	uint64_t bytes;
	const char *check; /* -p check= of the point-to-point mechanisms, or NULL */
};

static void add_job(struct launch *l, const char *rank, const struct pb_job *job, const struct mech_args *ma,
		    const char *sock)
{
	add(l, "%s", rank);
	if (ma) { /* parbench-mpi --mech NAME --bytes N --socket PATH */
		add(l, "--mech");
		add(l, "%s", ma->name);
		add(l, "--bytes");
		add(l, "%llu", (unsigned long long)ma->bytes);
		if (ma->check) {
			add(l, "--check");
			add(l, "%s", ma->check);
		}
		add(l, "--socket");
		add(l, "%s", sock);
		return;
	}
	add(l, "--socket");
	add(l, "%s", sock);
	add(l, "--workload");
	add(l, "%s", job->wl->name);
	const struct pb_plugin_info *pi = pb_plugin_info(job->wl);
	if (pi) { /* every rank loads the very file parbench measures, or refuses to */
		add(l, "--plugin");
		add(l, "%s", pi->real);
		add(l, "--sha256");
		add(l, "%s", pi->sha256);
	}
	add(l, "--size");
	add(l, "%llu", (unsigned long long)job->size);
	add(l, "--from-user");
	add(l, "%d", job->size_from_user);
	for (int i = 0; i < job->nparams; i++) {
		add(l, "--param");
		add(l, "%s=%s", job->params[i].key, job->params[i].val);
	}
}

/*
 * The worker ranks' hosts from an Open MPI hostfile ("host [slots=N] ...",
 * '#' comments) as mpirun's --host list "h1:2,h2:4": the second context of
 * the launch maps onto exactly these, while rank 0 stays on this host.
 * 0, or -1 with err.
 */
static int hostfile_hosts(const char *file, char *buf, size_t len, char *err, size_t errlen)
{
	char *data, e[PB_ERR_MAX];
	size_t n, pos = 0;
	if (pb_read_file(file, &data, &n, e, sizeof e) != 0) {
		snprintf(err, errlen, "mpi: --hostfile: %s", e);
		return -1;
	}
	buf[0] = '\0';
	for (char *save = NULL, *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), host[256];
		long slots = 1;
		if (hash)
			*hash = '\0';
		if (sscanf(line, "%255s", host) != 1)
			continue;
		const char *sl = strstr(line, "slots=");
		if (sl && (sl == line || sl[-1] == ' ' || sl[-1] == '\t'))
			slots = strtol(sl + 6, NULL, 10);
		int k = snprintf(buf + pos, len - pos, "%s%s:%ld", pos ? "," : "", host, slots > 0 ? slots : 1);
		if (k < 0 || (size_t)k >= len - pos) {
			free(data);
			snprintf(err, errlen, "mpi: --hostfile '%s' lists too many hosts", file);
			return -1;
		}
		pos += (size_t)k;
	}
	free(data);
	if (!pos) {
		snprintf(err, errlen, "mpi: --hostfile '%s' lists no host", file);
		return -1;
	}
	return 0;
}

static void build_launch(struct launch *l, const char *mpirun, const char *rank, const struct pb_exec_opts *o,
			 const struct pb_job *job, const struct mech_args *ma, const char *dir, const char *sock,
			 const char *hosts)
{
	char host[256];
	memset(l, 0, sizeof *l);
	add(l, "%s", mpirun);
	if (geteuid() == 0)
		add(l, "--allow-run-as-root");
	add(l, "--oversubscribe"); /* parbench decides the counts; it warns when oversubscribed itself */
	static const char *const bind_to[] = { "none", "core", "hwthread" };
	add(l, "--bind-to");
	/* more ranks than places (the coordinator takes one) is parbench's decision, warned about */
	add(l, "%s%s", bind_to[o->bind.kind], o->bind.kind == PB_BIND_NONE ? "" : ":overload-allowed");
	if (o->bind.kind != PB_BIND_NONE) {
		add(l, "--map-by");
		add(l, "%s", o->bind.order == PB_ORDER_SCATTER ? "socket" : bind_to[o->bind.kind]);
	}
	add(l, "--mca");
	add(l, "orte_tmpdir_base");
	add(l, "%s", dir);
	add(l, "--mca");
	add(l, "btl_vader_backing_directory");
	add(l, "%s", dir);
	if (ma && o->workers + 1 > pb_available_cpus()) {
		/* more spinning ranks than CPUs (mech's ranks all poll): let a waiting one give its CPU away */
		add(l, "--mca");
		add(l, "mpi_yield_when_idle");
		add(l, "1");
	}
	if (o->hostfile && *o->hostfile) {
		add(l, "--hostfile");
		add(l, "%s", o->hostfile);
		if (gethostname(host, sizeof host) != 0)
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		add(l, "-np");
		add(l, "1");
		add(l, "--host");
		add(l, "%s", host);
		add_job(l, rank, job, ma, sock);
		if (o->workers > 0) { /* mech's collectives over one rank have none elsewhere */
			add(l, ":");
			add(l, "-np");
			add(l, "%d", o->workers);
			add(l, "--host");
			add(l, "%s", hosts);
			add_job(l, rank, job, ma, sock);
		}
	} else {
		add(l, "-np");
		add(l, "%d", o->workers + 1);
		add_job(l, rank, job, ma, sock);
	}
}

/* Start mpirun with stdin from /dev/null and its output into ex->log. */
static int start_mpirun(struct pb_exec *ex, struct launch *l, char *err, size_t errlen)
{
	fflush(NULL);
	pid_t pid = pb_fork();
	if (pid < 0) {
		snprintf(err, errlen, "mpi: cannot fork mpirun: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(ex->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(126);
		execv(l->argv[0], l->argv);
		_exit(127);
	}
	pb_proc_set_gentle(pid);
	ex->mpirun = pid;
	return 0;
}

/* What mpirun said first (its message's first two lines, joined), into buf. */
static void log_tail(const struct pb_exec *ex, char *buf, size_t len)
{
	char *data;
	size_t n, pos = 0;
	char e[256];
	int lines = 0;
	buf[0] = '\0';
	if (pb_read_file(ex->log, &data, &n, e, sizeof e) != 0)
		return;
	for (char *line = strtok(data, "\n"); line && lines < 2; line = strtok(NULL, "\n")) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || strspn(line, "-") == strlen(line) || line[0] == '[')
			continue; /* separators and "[host:pid] ..." chatter */
		int k = snprintf(buf + pos, len - pos, "%s%s", pos ? " " : "", line);
		if (k < 0 || (size_t)k >= len - pos)
			break;
		pos += (size_t)k;
		lines++;
	}
	free(data);
}

/*
 * While the job runs, parbench is a child subreaper: a rank that mpirun
 * killed and left unreaped when it exited (it does, after a rank dies)
 * comes to parbench instead of init, and is reaped here, so not even a
 * zombie of the job outlives the case.  No other executor is open then, so
 * every child left once mpirun is reaped is one of the job's.
 */
static void reap_orphans(void)
{
	for (int quiet = 0; quiet < 20;) {
		pid_t got = waitpid(-1, NULL, WNOHANG);
		if (got < 0)
			break; /* ECHILD: none left */
		if (got == 0) {
			struct timespec s = { 0, 5000000L };
			nanosleep(&s, NULL);
			quiet++;
		}
	}
}

/* Reap mpirun within grace_s seconds (then SIGTERM, then SIGKILL); its wait status. */
static int reap_mpirun(struct pb_exec *ex, double grace_s)
{
	int status = 0;
	if (ex->mpirun <= 0)
		return 0;
	for (double t = 0; t < grace_s; t += 0.01) {
		pid_t got = waitpid(ex->mpirun, &status, WNOHANG);
		if (got == ex->mpirun)
			goto done;
		struct timespec s = { 0, 10000000L };
		nanosleep(&s, NULL);
	}
	kill(ex->mpirun, SIGTERM); /* mpirun ends its job, remote daemons included */
	for (int i = 0; i < 300; i++) {
		if (waitpid(ex->mpirun, &status, WNOHANG) == ex->mpirun)
			goto done;
		struct timespec s = { 0, 10000000L };
		nanosleep(&s, NULL);
	}
	kill(ex->mpirun, SIGKILL);
	while (waitpid(ex->mpirun, &status, 0) < 0 && errno == EINTR)
		;
done:
	pb_proc_unregister(ex->mpirun);
	ex->mpirun = 0;
	reap_orphans();
	return status;
}

/*
 * The job ended under us (the coordinator's socket closed): name the rank
 * that died, from mpirun's report ("process rank 2 with PID 4242 on node h2
 * exited on signal 9"), and the task it held, from the task table.
 */
static void report_death(struct pb_exec *ex, char *err, size_t errlen)
{
	int status = reap_mpirun(ex, 10);
	char *data = NULL, e[256], host[PB_MPI_HOST_MAX] = "?";
	size_t n;
	int r = -1, sig = 0;
	long pid = 0;
	if (pb_read_file(ex->log, &data, &n, e, sizeof e) == 0) {
		char *p = strstr(data, "process rank ");
		if (p && sscanf(p, "process rank %d with PID %ld on node %63s exited on signal %d", &r, &pid, host, &sig) != 4)
			r = -1;
	}
	free(data);
	if (ex->mech && r >= 0 && r <= ex->P) {
		if (pid == 0)
			pid = r ? ex->w[r - 1].st.pid : ex->coord_pid;
		snprintf(err, errlen, "mpi: rank %d (pid %ld) on host %s died mid-exchange: killed by signal %d", r, pid,
			 host, sig);
	} else if (r >= 1 && r <= ex->P) {
		uint64_t f = ex->table[r - 1].first, c = ex->table[r - 1].count;
		if (pid == 0) /* mpirun may not know it: the rank told us at start-up */
			pid = ex->w[r - 1].st.pid;
		char tasks[96];
		if (c == 1)
			snprintf(tasks, sizeof tasks, "on task %llu", (unsigned long long)f);
		else if (c > 1)
			snprintf(tasks, sizeof tasks, "on tasks %llu-%llu", (unsigned long long)f,
				 (unsigned long long)(f + c - 1));
		else
			snprintf(tasks, sizeof tasks, "between tasks");
		snprintf(err, errlen, "mpi: rank %d (pid %ld) on host %s died %s: killed by signal %d", r, pid, host,
			 tasks, sig);
	} else if (r == 0) {
		snprintf(err, errlen, "mpi: the coordinator rank 0 (pid %ld) on host %s died: killed by signal %d",
			 pid ? pid : ex->coord_pid, host, sig);
	} else {
		char how[96], tail[512];
		pb_wait_status_str(status, how, sizeof how);
		log_tail(ex, tail, sizeof tail);
		snprintf(err, errlen, "mpi: the MPI job ended (mpirun %s)%s%s", how, tail[0] ? ": " : "", tail);
	}
}

/* Accept the coordinator's connection, watching mpirun: -1 with err if it exits or START_TIMEOUT_S passes. */
static int accept_coordinator(struct pb_exec *ex, int lfd, char *err, size_t errlen)
{
	for (int ms = 0; ms < START_TIMEOUT_S * 1000; ms += 200) {
		struct pollfd p = { lfd, POLLIN, 0 };
		if (poll(&p, 1, 200) > 0) {
			int s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (s >= 0)
				return s;
		}
		int status;
		if (waitpid(ex->mpirun, &status, WNOHANG) == ex->mpirun) {
			char how[96], tail[512];
			pb_proc_unregister(ex->mpirun);
			ex->mpirun = 0;
			pb_wait_status_str(status, how, sizeof how);
			log_tail(ex, tail, sizeof tail);
			snprintf(err, errlen, "mpi: mpirun %s before the ranks started%s%s", how, tail[0] ? ": " : "", tail);
			return -1;
		}
	}
	snprintf(err, errlen, "mpi: the ranks did not start within %d s (see '%s')", START_TIMEOUT_S, ex->log);
	return -1;
}

/* HELLO with the descriptors of the input, output and task table. */
static int send_hello(struct pb_exec *ex, const struct pb_job *job, const struct pb_counters_cfg *cfg, char *err,
		      size_t errlen)
{
	struct pb_mpi_hello h;
	int fds[3], nfd = 0;
	memset(&h, 0, sizeof h);
	h.op = PB_MPI_HELLO;
	h.version = PB_MPI_PROTO_VERSION;
	if (cfg)
		h.counters = *cfg;
	if (job->in && job->in_len) {
		if ((fds[nfd++] = pb_buf_fd(job->in)) < 0)
			goto unshareable;
		h.has_in = 1;
		h.in_len = job->in_len;
	}
	if (job->out && job->out_len) {
		if ((fds[nfd++] = pb_buf_fd(job->out)) < 0)
			goto unshareable;
		h.has_out = 1;
		h.out_len = job->out_len;
	}
	fds[nfd++] = ex->table_fd;
	char ctl[CMSG_SPACE(3 * sizeof(int))];
	memset(ctl, 0, sizeof ctl);
	struct iovec iov = { &h, sizeof h };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = CMSG_SPACE((size_t)nfd * sizeof(int)) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN((size_t)nfd * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, (size_t)nfd * sizeof(int));
	if (sendmsg(ex->sock, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof h) {
		report_death(ex, err, errlen);
		return -1;
	}
	return 0;
unshareable:
	snprintf(err, errlen, "mpi: the workload's buffers cannot be shared with the coordinator (no memfd here)");
	return -1;
}

/* Read a READY or DONE (P worker records follow) into ex->w; ERROR's text into err. */
static int read_reply(struct pb_exec *ex, uint32_t want, struct pb_mpi_msg *m, char *err, size_t errlen)
{
	if (pb_read_full(ex->sock, m, sizeof *m) != 0) {
		report_death(ex, err, errlen);
		return -1;
	}
	if (m->op == PB_MPI_ERROR) {
		char text[PB_MPI_TEXT_MAX + 64];
		size_t n = m->text_len < sizeof text - 1 ? m->text_len : sizeof text - 1;
		if (pb_read_full(ex->sock, text, n) != 0)
			n = 0;
		text[n] = '\0';
		snprintf(err, errlen, "%s", text);
		return -1;
	}
	if (m->op != want || (int)m->nworkers != ex->P ||
	    pb_read_full(ex->sock, ex->w, (size_t)ex->P * sizeof *ex->w) != 0) {
		report_death(ex, err, errlen);
		return -1;
	}
	return 0;
}

/* The task table's bytes: one slot per worker rank, at least one (mech's collective of one rank has none). */
static size_t table_len(const struct pb_exec *ex)
{
	return (size_t)(ex->P > 0 ? ex->P : 1) * sizeof *ex->table;
}

static void free_exec(struct pb_exec *ex)
{
	if (ex->sock >= 0)
		close(ex->sock);
	if (ex->mpirun > 0)
		reap_mpirun(ex, 0);
	if (ex->table)
		munmap(ex->table, table_len(ex));
	if (ex->table_fd >= 0)
		close(ex->table_fd);
	if (ex->dir[0]) {
		pb_remove_tree(ex->dir);
		pb_path_unregister(ex->dir);
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	free(ex->w);
	free(ex->stats);
	free(ex);
}

/* The private directory /tmp/parbench-<pid>-mpi<seq>, and in it the task table's memfd and the socket. */
static int make_dir(struct pb_exec *ex, char *err, size_t errlen)
{
	static unsigned seq;
	snprintf(ex->dir, sizeof ex->dir, "/tmp/parbench-%ld-mpi%u", (long)getpid(), seq++);
	if (mkdir(ex->dir, 0700) != 0) {
		snprintf(err, errlen, "mpi: cannot create '%s': %s", ex->dir, strerror(errno));
		ex->dir[0] = '\0';
		return -1;
	}
	pb_path_register(ex->dir);
	snprintf(ex->log, sizeof ex->log, "%s/mpirun.log", ex->dir);
	ex->table_fd = (int)memfd_create("parbench-mpi-tasks", MFD_CLOEXEC);
	size_t len = table_len(ex);
	if (ex->table_fd < 0 || ftruncate(ex->table_fd, (off_t)len) != 0 ||
	    (ex->table = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ex->table_fd, 0)) == MAP_FAILED) {
		ex->table = NULL;
		snprintf(err, errlen, "mpi: cannot create the task table: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Launch the job and accept rank 0's connection (ex->sock): the private
 * directory, the socket, mpirun under the subreaper.  0, or -1 with err.
 */
static int start_job(struct pb_exec *ex, const struct pb_exec_opts *o, const struct pb_job *job,
		     const struct mech_args *ma, char *err, size_t errlen)
{
	char rank[PATH_MAX + 32], mpirun[PATH_MAX + 32], sock[4096 + 8];
	struct launch *l = calloc(1, sizeof *l);
	int lfd = -1, rc = -1;
	char *hosts = calloc(1, 8192);
	if (!l || !hosts) {
		snprintf(err, errlen, "mpi: out of memory");
		goto out;
	}
	if (rank_binary(rank, sizeof rank) != 0 || find_mpirun(mpirun, sizeof mpirun) != 0) {
		mpi_available(err, errlen);
		goto out;
	}
	if (make_dir(ex, err, errlen) != 0)
		goto out;
	snprintf(sock, sizeof sock, "%s/s", ex->dir);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(sock) >= sizeof sa.sun_path) {
		snprintf(err, errlen, "mpi: socket path '%s' is too long", sock);
		goto out;
	}
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 1) != 0) {
		snprintf(err, errlen, "mpi: cannot listen on '%s': %s", sock, strerror(errno));
		goto out;
	}
	if (o->hostfile && *o->hostfile && hostfile_hosts(o->hostfile, hosts, 8192, err, errlen) != 0)
		goto out;
	build_launch(l, mpirun, rank, o, job, ma, ex->dir, sock, hosts);
	prctl(PR_SET_CHILD_SUBREAPER, 1); /* see reap_orphans */
	if (start_mpirun(ex, l, err, errlen) != 0)
		goto out;
	if ((ex->sock = accept_coordinator(ex, lfd, err, errlen)) < 0)
		goto out;
	unlink(sock);
	struct ucred cred;
	socklen_t cl = sizeof cred;
	if (getsockopt(ex->sock, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0)
		ex->coord_pid = cred.pid;
	rc = 0;
out:
	if (lfd >= 0)
		close(lfd);
	free(l);
	free(hosts);
	return rc;
}

static struct pb_exec *alloc_exec(int P, char *err, size_t errlen)
{
	struct pb_exec *ex = calloc(1, sizeof *ex);
	if (!ex || !(ex->w = calloc((size_t)P, sizeof *ex->w)) || !(ex->stats = calloc((size_t)P, sizeof *ex->stats))) {
		snprintf(err, errlen, "mpi: out of memory");
		if (ex)
			free(ex->w);
		free(ex);
		return NULL;
	}
	ex->P = P;
	ex->sock = ex->table_fd = -1;
	return ex;
}

static struct pb_exec *mpi_open(const struct pb_exec_opts *o, const struct pb_job *job, char *err, size_t errlen)
{
	struct pb_exec *ex = alloc_exec(o->workers, err, errlen);
	if (!ex)
		return NULL;
	struct pb_mpi_msg m;
	if (start_job(ex, o, job, NULL, err, errlen) != 0 || send_hello(ex, job, o->counters, err, errlen) != 0 ||
	    read_reply(ex, PB_MPI_READY, &m, err, errlen) != 0) {
		free_exec(ex);
		return NULL;
	}
	return ex;
}

static int mpi_run(struct pb_exec *ex, const struct pb_job *job, const struct pb_run_req *req,
		   struct pb_run_result *res, char *err, size_t errlen)
{
	(void)job;
	struct pb_mpi_msg m;
	long rss_sum = 0;
	memset(res, 0, sizeof *res);
	memset(&m, 0, sizeof m);
	m.op = PB_MPI_RUN;
	m.req = *req;
	m.req.sched.workers = ex->P;
	if (pb_write_full(ex->sock, &m, sizeof m) != 0) {
		ex->failed = 1;
		report_death(ex, err, errlen);
		return -1;
	}
	if (read_reply(ex, PB_MPI_DONE, &m, err, errlen) != 0) {
		ex->failed = 1;
		return -1;
	}
	for (int i = 0; i < ex->P; i++) {
		ex->stats[i] = ex->w[i].st;
		snprintf(ex->stats[i].host, sizeof ex->stats[i].host, "%s", ex->w[i].host);
		rss_sum += (long)ex->w[i].max_rss_kb;
	}
	res->total = m.total;
	res->nworkers = ex->P;
	res->workers = ex->stats;
	pb_pc_child_totals(res, ex->stats, ex->P, rss_sum);
	return 0;
}

static void mpi_close(struct pb_exec *ex)
{
	if (!ex)
		return;
	if (!ex->failed && ex->sock >= 0) {
		struct pb_mpi_msg m;
		memset(&m, 0, sizeof m);
		m.op = PB_MPI_EXIT;
		if (pb_write_full(ex->sock, &m, sizeof m) == 0)
			reap_mpirun(ex, CLOSE_GRACE_S);
	}
	free_exec(ex);
}

/* ---- parbench mech's mpi family: every rank runs the mechanism, rank 0 times it ---- */

/* A MECH_DONE or MECH_READY header and its nranks records; ERROR's text into err. */
static int mech_reply(struct pb_exec *ex, uint32_t want, struct pb_mpi_mech_msg *m, struct pb_mpi_mech_rank *r,
		      char *err, size_t errlen)
{
	int n = ex->P + 1;
	if (pb_read_full(ex->sock, m, sizeof *m) != 0 || m->op != want || (int)m->nranks != n ||
	    m->version != PB_MPI_PROTO_VERSION || pb_read_full(ex->sock, r, (size_t)n * sizeof *r) != 0) {
		ex->failed = 1;
		report_death(ex, err, errlen);
		return -1;
	}
	return 0;
}

struct pb_exec *pb_mpi_mech_open(const struct pb_mech_case *c, const struct pb_bind *bind, const char *hostfile,
				 char *err, size_t len)
{
	struct pb_exec_opts o;
	struct mech_args ma = { c->m->name, c->bytes, pb_mech_param(c, "check") };
	memset(&o, 0, sizeof o);
	o.workers = c->nep - 1; /* rank 0 on this host, the others where the hostfile says */
	o.bind.kind = PB_BIND_NONE;
	if (bind) /* -b core|pu: mpirun --bind-to core|hwthread --map-by ..., as run's mpi variant */
		o.bind = *bind;
	o.hostfile = hostfile && *hostfile ? hostfile : NULL;
	struct pb_exec *ex = alloc_exec(o.workers > 0 ? o.workers : 1, err, len);
	struct pb_mpi_mech_rank *r = calloc((size_t)c->nep, sizeof *r);
	struct pb_mpi_mech_msg m;
	if (!ex || !r) {
		snprintf(err, len, "mpi: out of memory");
		free(r);
		if (ex)
			free_exec(ex);
		return NULL;
	}
	ex->P = o.workers;
	ex->mech = 1;
	if (start_job(ex, &o, NULL, &ma, err, len) != 0 || mech_reply(ex, PB_MPI_MECH_READY, &m, r, err, len) != 0) {
		free(r);
		free_exec(ex);
		return NULL;
	}
	for (int i = 1; i < c->nep; i++)
		ex->w[i - 1].st.pid = r[i].pid;
	free(r);
	return ex;
}

int pb_mpi_mech_run(struct pb_exec *ex, uint64_t ops, uint64_t batch, double *span_s, struct pb_team_ep *eps,
		    char *err, size_t len)
{
	struct pb_mpi_mech_msg m;
	int n = ex->P + 1;
	struct pb_mpi_mech_rank *r = calloc((size_t)n, sizeof *r);
	if (!r) {
		snprintf(err, len, "mpi: out of memory");
		return -1;
	}
	memset(&m, 0, sizeof m);
	m.op = PB_MPI_MECH_RUN;
	m.version = PB_MPI_PROTO_VERSION;
	m.ops = ops;
	m.batch = batch;
	if (pb_write_full(ex->sock, &m, sizeof m) != 0) {
		ex->failed = 1;
		report_death(ex, err, len);
		free(r);
		return -1;
	}
	if (mech_reply(ex, PB_MPI_MECH_DONE, &m, r, err, len) != 0) {
		free(r);
		return -1;
	}
	*span_s = m.span_s;
	for (int i = 0; i < n; i++) {
		struct pb_team_ep *e = &eps[i];
		memset(e, 0, sizeof *e);
		e->cpus = r[i].cpus;
		e->user_s = r[i].user_s;
		e->sys_s = r[i].sys_s;
		e->max_rss_kb = (long)r[i].max_rss_kb;
		e->pid = r[i].pid;
		snprintf(e->host, sizeof e->host, "%s", r[i].host);
		e->out.done = r[i].done;
		e->out.bad = r[i].bad;
		e->out.first_bad = r[i].first_bad;
		memcpy(e->out.why, r[i].why, sizeof e->out.why);
		e->out.why[sizeof e->out.why - 1] = '\0';
	}
	free(r);
	return 0;
}

void pb_mpi_mech_describe(char *buf, size_t len)
{
	char rank[PATH_MAX + 32] = "?", run[PATH_MAX + 32] = "?";
	rank_binary(rank, sizeof rank);
	find_mpirun(run, sizeof run);
	snprintf(buf, len,
		 "launch: %s%s --oversubscribe --bind-to none|core|hwthread[:overload-allowed] [--map-by core|hwthread|socket] "
		 "[--mca mpi_yield_when_idle 1 when ranks outnumber CPUs] [--hostfile FILE] -np 1 --host THIS_HOST %s --mech NAME "
		 "--bytes N --socket PATH : -np RANKS-1 --host FILE's hosts %s ... (one context, -np RANKS, without a hostfile); "
		 "rank 0 times each batch with MPI_Wtime from after an MPI_Barrier to the end of its last operation",
		 run, geteuid() == 0 ? " --allow-run-as-root" : "", rank, rank);
}

void pb_mpi_mech_close(struct pb_exec *ex)
{
	if (!ex)
		return;
	if (!ex->failed && ex->sock >= 0) {
		struct pb_mpi_mech_msg m;
		memset(&m, 0, sizeof m);
		m.op = PB_MPI_MECH_EXIT;
		if (pb_write_full(ex->sock, &m, sizeof m) == 0)
			reap_mpirun(ex, CLOSE_GRACE_S);
	}
	free_exec(ex);
}

const struct pb_executor pb_ex_mpi = {
	.name = "mpi",
	.description = "ranks of Open MPI started by mpirun, a coordinator rank handing out tasks over MPI",
	.processes = 1,
	.extra = 1,
	.available = mpi_available,
	.open = mpi_open,
	.run = mpi_run,
	.describe = mpi_describe,
	.close = mpi_close,
};
