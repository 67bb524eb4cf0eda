/* exec_proc_common.c: task loops, spans, reaping and death reports shared by pool, process and shm. */
#include "exec_proc_common.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

void pb_pc_span(const struct pb_job *job, const struct pb_run_req *req, uint64_t first, uint64_t count,
		void (*fn)(const struct pb_job *, uint64_t, uint64_t, struct pb_span *), struct pb_span *sp)
{
	size_t lo = SIZE_MAX, hi = 0;
	for (uint64_t k = first; k < first + count; k++) {
		uint64_t b, e;
		pb_task_range(req->n_items, req->sched.ntasks, k, &b, &e);
		if (e <= b)
			continue;
		struct pb_span s = { 0, 0 };
		fn(job, b, e, &s);
		if (s.len == 0)
			continue;
		if (s.off < lo)
			lo = s.off;
		if (s.off + s.len > hi)
			hi = s.off + s.len;
	}
	if (hi == 0) {
		sp->off = 0;
		sp->len = 0;
	} else {
		sp->off = lo;
		sp->len = hi - lo;
	}
}

bool pb_pc_next(const struct pb_sched *s, int w, struct pb_pc_feed *f, _Atomic uint64_t *next, uint64_t *first,
		uint64_t *count)
{
	if (f->left == 0 && !pb_sched_next(s, w, &f->cur, next, &f->first, &f->left))
		return false;
	uint64_t c = f->left;
	if (pb_sched_is_static(s->kind) && s->chunk && c > s->chunk)
		c = s->chunk;
	*first = f->first;
	*count = c;
	f->first += c;
	f->left -= c;
	return true;
}

/* Wait until pid exits or timeout_s passes, without reaping it; returns when either happens. */
static void wait_exit(pid_t pid, double timeout_s)
{
	double deadline = pb_now() + timeout_s;
	/*
	 * A pidfd becomes readable when the process exits, so the wait ends at
	 * the exit itself; polling with sleeps would add up to a sleep's length
	 * (a millisecond or more on a loaded machine) to every fork per task.
	 */
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd >= 0) {
		for (;;) {
			double left = deadline - pb_now();
			if (left <= 0)
				break;
			struct pollfd p = { .fd = pfd, .events = POLLIN };
			int rc = poll(&p, 1, (int)(left * 1000) + 1);
			if (rc != 0 && !(rc < 0 && errno == EINTR))
				break;
		}
		close(pfd);
		return;
	}
	/* No pidfd (Linux before 5.3): look at its state every 100 us, without reaping. */
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == pid)
			return;
		if (pb_now() >= deadline)
			return;
		struct timespec ts = { 0, 100000 };
		nanosleep(&ts, NULL);
	}
}

/* wait4 that retries on EINTR. */
static pid_t wait4_full(pid_t pid, int *st, int flags, struct rusage *r)
{
	pid_t got;
	while ((got = wait4(pid, st, flags, r)) < 0 && errno == EINTR)
		;
	return got;
}

int pb_pc_reap(pid_t pid, double grace_s, int *status, struct rusage *ru)
{
	int st = 0;
	struct rusage r;
	memset(&r, 0, sizeof r);
	pid_t got = wait4_full(pid, &st, WNOHANG, &r);
	if (got == 0 && grace_s > 0) {
		wait_exit(pid, grace_s); /* let it exit by itself */
		got = wait4_full(pid, &st, WNOHANG, &r);
	}
	if (got == 0) {
		kill(pid, SIGKILL);
		got = wait4_full(pid, &st, 0, &r);
	}
	if (got != pid)
		st = 0;
	pb_proc_unregister(pid);
	if (status)
		*status = st;
	if (ru)
		*ru = r;
	return got == pid ? 0 : -1;
}

void pb_pc_death_msg(char *err, size_t errlen, const char *variant, int w, pid_t pid, uint64_t first,
		     uint64_t count, int status)
{
	char how[96];
	pb_wait_status_str(status, how, sizeof how);
	if (count == 0)
		snprintf(err, errlen, "%s: worker %d (pid %ld) died between tasks: %s", variant, w, (long)pid,
			 how);
	else if (count == 1)
		snprintf(err, errlen, "%s: worker %d (pid %ld) died on task %llu: %s", variant, w, (long)pid,
			 (unsigned long long)first, how);
	else
		snprintf(err, errlen, "%s: worker %d (pid %ld) died on tasks %llu-%llu: %s", variant, w,
			 (long)pid, (unsigned long long)first, (unsigned long long)(first + count - 1), how);
}

int pb_pc_writev_full(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t got = writev(fd, iov, n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		size_t left = (size_t)got;
		while (n > 0 && left >= iov->iov_len) {
			left -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
	return 0;
}

void pb_pc_ctr_add(struct pb_counter_values *d, const struct pb_counter_values *s)
{
	if (s->n > d->n)
		d->n = s->n;
	for (int i = 0; i < s->n && i < PB_MAX_EVENTS; i++)
		d->v[i] += s->v[i];
}

double pb_pc_tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

long pb_pc_self_max_rss_kb(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

void pb_pc_child_totals(struct pb_run_result *res, const struct pb_worker_stat *st, int n, long rss_kb_sum)
{
	res->child_user_s = 0;
	res->child_sys_s = 0;
	for (int i = 0; i < n; i++) {
		res->child_user_s += st[i].user_s;
		res->child_sys_s += st[i].sys_s;
	}
	res->child_max_rss_kb = rss_kb_sum;
}

void pb_pc_close_fds(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int pb_pc_bind(const struct pb_cpuset *places, int w)
{
	if (!places || pb_cpuset_count(&places[w]) == 0)
		return 0;
	return pb_pin_process(&places[w]);
}
