/* proc.c: registry of children and shared segments; signal, watchdog and exit cleanup. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHILDREN 4096
#define MAX_SEGMENTS 64
#define MAX_PATHS 16
#define GENTLE_GRACE_MS 3000 /* how long a launcher (mpirun) gets to end its job after SIGTERM */

/* Slots are written by the main thread and read by a signal handler: sig_atomic-sized ints. */
static volatile sig_atomic_t children[MAX_CHILDREN];
static char segments[MAX_SEGMENTS][64];
static volatile sig_atomic_t segment_used[MAX_SEGMENTS];
static volatile sig_atomic_t gentle[MAX_CHILDREN]; /* 1: SIGTERM first (a launcher that must end its own children) */
static char paths[MAX_PATHS][4096];
static volatile sig_atomic_t path_used[MAX_PATHS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void pb_proc_register(pid_t pid)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] == 0) {
			children[i] = pid;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

void pb_proc_unregister(pid_t pid)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == pid) {
			children[i] = 0;
			gentle[i] = 0;
		}
	pthread_mutex_unlock(&lock);
}

void pb_proc_set_gentle(pid_t pid)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == pid)
			gentle[i] = 1;
	pthread_mutex_unlock(&lock);
}

void pb_path_register(const char *path)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_PATHS; i++) {
		if (!path_used[i]) {
			snprintf(paths[i], sizeof paths[i], "%s", path);
			path_used[i] = 1;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

void pb_path_unregister(const char *path)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_PATHS; i++)
		if (path_used[i] && strcmp(paths[i], path) == 0)
			path_used[i] = 0;
	pthread_mutex_unlock(&lock);
}

/* rm -rf below the directory fd, with system calls only (async-signal-safe); depth-limited. */
static void remove_below(int dfd, int depth)
{
	char buf[4096];
	long n;
	if (depth > 16)
		return;
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct {
				unsigned long long ino;
				long long off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			off += d->reclen;
			if (d->name[0] == '.' && (!d->name[1] || (d->name[1] == '.' && !d->name[2])))
				continue;
			if (unlinkat(dfd, d->name, 0) == 0 || (errno != EISDIR && errno != EPERM))
				continue;
			int sub = openat(dfd, d->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				remove_below(sub, depth + 1);
				close(sub);
			}
			unlinkat(dfd, d->name, AT_REMOVEDIR);
		}
	}
}

void pb_remove_tree(const char *path)
{
	if (unlink(path) == 0 || (errno != EISDIR && errno != EPERM))
		return;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		remove_below(fd, 0);
		close(fd);
	}
	rmdir(path);
}

/* SIGTERM the gentle children and give them GENTLE_GRACE_MS to go (they end their own). */
static void end_gentle(void)
{
	int any = 0;
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0 && gentle[i]) {
			kill((pid_t)children[i], SIGTERM);
			any = 1;
		}
	for (int ms = 0; any && ms < GENTLE_GRACE_MS; ms += 10) {
		any = 0;
		for (int i = 0; i < MAX_CHILDREN; i++) {
			if (children[i] <= 0 || !gentle[i])
				continue;
			if (waitpid((pid_t)children[i], NULL, WNOHANG) == (pid_t)children[i])
				children[i] = 0;
			else
				any = 1;
		}
		struct timespec t = { 0, 10000000L };
		nanosleep(&t, NULL);
	}
}

void pb_shm_register(const char *name)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_SEGMENTS; i++) {
		if (!segment_used[i]) {
			snprintf(segments[i], sizeof segments[i], "%s", name);
			segment_used[i] = 1;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

void pb_shm_unregister(const char *name)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_SEGMENTS; i++)
		if (segment_used[i] && strcmp(segments[i], name) == 0)
			segment_used[i] = 0;
	pthread_mutex_unlock(&lock);
}

void pb_proc_cleanup(void)
{
	int saved = errno;
	end_gentle();
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0)
			kill((pid_t)children[i], SIGKILL);
	for (int i = 0; i < MAX_CHILDREN; i++) {
		pid_t pid = (pid_t)children[i];
		if (pid > 0) {
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			children[i] = 0;
		}
	}
	for (int i = 0; i < MAX_SEGMENTS; i++) {
		if (segment_used[i]) {
			shm_unlink(segments[i]);
			segment_used[i] = 0;
		}
	}
	for (int i = 0; i < MAX_PATHS; i++) {
		if (path_used[i]) {
			pb_remove_tree(paths[i]);
			path_used[i] = 0;
		}
	}
	/* children that came to us as a subreaper (ranks a launcher killed and left unreaped) */
	for (int quiet = 0; quiet < 20;) {
		pid_t got = waitpid(-1, NULL, WNOHANG);
		if (got < 0)
			break;
		if (got == 0) {
			struct timespec t = { 0, 5000000L };
			nanosleep(&t, NULL);
			quiet++;
		}
	}
	errno = saved;
}

static void (*volatile exit_hook)(int signo);

void pb_proc_set_exit_hook(void (*hook)(int signo))
{
	exit_hook = hook;
}

static void on_signal(int signo)
{
	pb_proc_cleanup();
	if (exit_hook)
		exit_hook(signo);
	_exit(128 + signo);
}

void pb_proc_install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A worker that dies closes its pipe: report EPIPE, do not die of SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
}

void pb_proc_fatal(const char *line, size_t len)
{
	(void)!write(STDERR_FILENO, line, len);
	pb_proc_cleanup();
	if (exit_hook)
		exit_hook(0);
	_exit(1);
}

/* The process that called pb_fork: a child whose parent is no longer it was orphaned at birth. */
static pid_t fork_parent;

void pb_proc_child_init(void)
{
	/*
	 * Clear only the slots in use: the registry is shared copy-on-write
	 * with the parent, and writing all 16 KiB of it would copy four pages
	 * in every child, a cost a process per task pays per task.
	 */
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i])
			children[i] = 0;
	for (int i = 0; i < MAX_SEGMENTS; i++)
		if (segment_used[i])
			segment_used[i] = 0;
	for (int i = 0; i < MAX_PATHS; i++)
		if (path_used[i])
			path_used[i] = 0;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	/* If the parent dies, so does the worker: no orphan outlives a run.  A parent killed
	 * between fork and prctl is missed by the death signal, so the parent is checked after it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (fork_parent && getppid() != fork_parent)
		_exit(1);
}

pid_t pb_fork(void)
{
	/* Block signals across fork so the child cannot run the parent's handler before it resets. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	fork_parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		pb_proc_child_init();
	else if (pid > 0)
		pb_proc_register(pid);
	int saved = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}

void pb_wait_status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d%s", WTERMSIG(status),
			 WCOREDUMP(status) ? " (core dumped)" : "");
	else
		snprintf(buf, len, "stopped (status 0x%x)", (unsigned)status);
}

/* ---- watchdog: a thread that waits for disarm or the deadline ---- */
static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cond;
static int wd_armed, wd_started;
static unsigned long wd_generation;
static struct timespec wd_deadline;
static double wd_seconds;
static char wd_what[256];

static void *watchdog_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wd_lock);
	for (;;) {
		while (!wd_armed)
			pthread_cond_wait(&wd_cond, &wd_lock);
		unsigned long gen = wd_generation;
		int rc = 0;
		while (wd_armed && wd_generation == gen && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&wd_cond, &wd_lock, &wd_deadline);
		if (wd_armed && wd_generation == gen && rc == ETIMEDOUT) {
			char msg[400];
			int n = snprintf(msg, sizeof msg, "parbench: %s: timed out after %g s\n", wd_what,
					 wd_seconds);
			if (n > 0)
				(void)!write(STDERR_FILENO, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
			pb_proc_cleanup();
			if (exit_hook)
				exit_hook(0);
			_exit(1);
		}
	}
	return NULL;
}

void pb_watchdog_arm(double seconds, const char *what)
{
	if (seconds <= 0)
		return;
	pthread_mutex_lock(&wd_lock);
	if (!wd_started) {
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&wd_cond, &ca);
		pthread_condattr_destroy(&ca);
		pthread_t t;
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old); /* signals go to the main thread */
		if (pthread_create(&t, NULL, watchdog_main, NULL) == 0) {
			pthread_detach(t);
			wd_started = 1;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &wd_deadline);
	double whole = (double)(long)seconds;
	wd_deadline.tv_sec += (time_t)whole;
	wd_deadline.tv_nsec += (long)((seconds - whole) * 1e9);
	if (wd_deadline.tv_nsec >= 1000000000L) {
		wd_deadline.tv_sec++;
		wd_deadline.tv_nsec -= 1000000000L;
	}
	wd_seconds = seconds;
	snprintf(wd_what, sizeof wd_what, "%s", what);
	wd_armed = 1;
	wd_generation++;
	pthread_cond_signal(&wd_cond);
	pthread_mutex_unlock(&wd_lock);
}

void pb_watchdog_disarm(void)
{
	pthread_mutex_lock(&wd_lock);
	if (wd_armed) {
		wd_armed = 0;
		wd_generation++;
		pthread_cond_signal(&wd_cond);
	}
	pthread_mutex_unlock(&wd_lock);
}

void pb_shm_name(char *buf, size_t len)
{
	static unsigned seq;
	snprintf(buf, len, "/parbench-%ld-%u", (long)getpid(), __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
}

int pb_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = 0;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int pb_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
