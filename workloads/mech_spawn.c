/* mech_spawn.c: creating processes and threads: fork, vfork+exec, posix_spawn, fork+exec, pthread_create, a fork server. */
#include "mech.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/*
 * One operation creates a child (process or thread), lets it end, and
 * reaps it; the creator checks how it ended (a fork child exits with
 * i mod 128, the tiny program with its argument count, a thread returns
 * i + 1), so a child that did not run, or ran the wrong thing, fails the
 * case.  The creator is an endpoint of its own: with -p rss=SIZE it holds
 * SIZE of touched private memory (small pages, as an interpreter's heap is)
 * while it creates, since fork copies the page tables of all of it.
 * Fork server protocol: the creator forks the server while it is small
 * (before it takes its RSS), then for each operation writes the number
 * and reads back the exit status of the child the server forked and
 * reaped.  One request is outstanding at a time: no deadlock.
 *
 * The lean creator (creator=lean, the default for process mechanisms): fork
 * costs about a microsecond per mapping of the parent, and parbench maps
 * some 180 (its libraries and hwloc's plugins) where a plain C loop maps 23.
 * So the endpoint process posix_spawns parbench-creator, a small program
 * of its own linked with nothing but libc, and the creating happens there:
 * for each batch the endpoint writes {ops, batch} to its stdin and reads
 * back the batch's struct pb_mech_out, with the creator's CPUs, CPU time
 * and peak RSS (out->proxy).  One request is outstanding at a time, and
 * the creator dies with the endpoint (PR_SET_PDEATHSIG).  creator=parbench
 * creates from the endpoint itself, a fork of parbench, to show what
 * parbench's own mappings cost.
 */

struct creator {
	void *rss;          /* the memory held while creating */
	size_t rss_len;
	int req, rep;       /* fork server: the creator's ends of its pipes (-1: none) */
	pid_t server;
	pid_t helper;       /* the lean creator (parbench-creator), 0: none */
	int hreq, hrep;     /* its stdin and stdout, from the endpoint's side (-1: none) */
};

#define NO_CREATOR ((struct creator){ NULL, 0, -1, -1, 0, 0, -1, -1 })

/* One operation loop: the work of a batch, in whichever process creates. */
typedef void (*op_fn)(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out);

struct spawn_mech {
	struct pb_mech m; /* first: the registry's pointer is this struct's */
	op_fn op;
	int exec;         /* its children exec prog */
	int server;       /* through a fork server */
};

static const struct spawn_mech *sm_of(const struct pb_mech *m)
{
	return (const struct spawn_mech *)m;
}

/* 1 in parbench-creator itself: it creates, it does not delegate again. */
static int in_helper;

struct spawn {
	int tiny_fd;        /* memfd holding the tiny program, or -1 */
	int tiny;           /* the program exits with its argument count */
	char path[4200];    /* what exec runs */
	struct creator ep[];
};

/* ---- the program to exec ---- */

/*
 * The tiny program: the smallest ELF executable there is, written to a
 * memfd (no file to leave behind) and run as /proc/self/fd/N.  Its code is
 * exit(argc): it shows what exec itself costs, without a dynamic loader.
 */
static int tiny_program(struct spawn *s, char *err, size_t len)
{
#if defined(__x86_64__)
	static const unsigned char code[] = { 0x48, 0x8b, 0x3c, 0x24,       /* mov rdi, [rsp]  (argc) */
					      0xb8, 0x3c, 0x00, 0x00, 0x00, /* mov eax, 60     (exit) */
					      0x0f, 0x05 };                 /* syscall */
	const int machine = EM_X86_64;
#elif defined(__aarch64__)
	static const unsigned char code[] = { 0xe0, 0x03, 0x40, 0xf9,  /* ldr x0, [sp]  (argc) */
					      0xa8, 0x0b, 0x80, 0xd2,  /* mov x8, #93   (exit) */
					      0x01, 0x00, 0x00, 0xd4 }; /* svc #0 */
	const int machine = EM_AARCH64;
#else
	snprintf(err, len, "prog=tiny exists for x86-64 and arm64 only; give -p prog=/bin/true");
	return -1;
#endif
	struct {
		Elf64_Ehdr e;
		Elf64_Phdr p;
		unsigned char code[sizeof code];
	} img;
	const uint64_t base = 0x400000;
	memset(&img, 0, sizeof img);
	memcpy(img.e.e_ident, ELFMAG, SELFMAG);
	img.e.e_ident[EI_CLASS] = ELFCLASS64;
	img.e.e_ident[EI_DATA] = ELFDATA2LSB;
	img.e.e_ident[EI_VERSION] = EV_CURRENT;
	img.e.e_type = ET_EXEC;
	img.e.e_machine = (Elf64_Half)machine;
	img.e.e_version = EV_CURRENT;
	img.e.e_entry = base + offsetof(__typeof__(img), code);
	img.e.e_phoff = offsetof(__typeof__(img), p);
	img.e.e_ehsize = sizeof img.e;
	img.e.e_phentsize = sizeof img.p;
	img.e.e_phnum = 1;
	img.p.p_type = PT_LOAD;
	img.p.p_flags = PF_R | PF_X;
	img.p.p_vaddr = img.p.p_paddr = base;
	img.p.p_filesz = img.p.p_memsz = sizeof img;
	img.p.p_align = 0x10000;
	memcpy(img.code, code, sizeof code);
	s->tiny_fd = memfd_create("parbench-tiny", MFD_CLOEXEC);
	if (s->tiny_fd < 0 || write(s->tiny_fd, &img, sizeof img) != (ssize_t)sizeof img) {
		snprintf(err, len, "prog=tiny: cannot make the program in memory: %s", strerror(errno));
		return -1;
	}
	snprintf(s->path, sizeof s->path, "/proc/self/fd/%d", s->tiny_fd);
	s->tiny = 1;
	return 0;
}

static int needs_exec(const struct pb_mech *m)
{
	return sm_of(m)->exec;
}

/* What prog= names: tiny, true (/bin/true: a real, dynamically linked program), or a path. */
static int choose_program(struct spawn *s, const struct pb_mech_case *c, char *err, size_t len)
{
	const char *prog = pb_mech_param(c, "prog");
	s->tiny_fd = -1;
	if (!needs_exec(c->m))
		return 0;
	if (!prog || strcmp(prog, "tiny") == 0)
		return tiny_program(s, err, len);
	snprintf(s->path, sizeof s->path, "%s", strcmp(prog, "true") == 0 ? "/bin/true" : prog);
	if (access(s->path, X_OK) != 0) {
		snprintf(err, len, "prog=%s: '%s' cannot be run: %s", prog, s->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* argv for child i: the tiny program gets 1 to 4 arguments and exits with that count. */
static char *const *child_argv(const struct spawn *s, uint64_t i, int *want)
{
	static char *argvs[4][5] = {
		{ "parbench-child", NULL },
		{ "parbench-child", "a", NULL },
		{ "parbench-child", "a", "b", NULL },
		{ "parbench-child", "a", "b", "c", NULL },
	};
	int k = s->tiny ? (int)(i & 3) : 0;
	*want = s->tiny ? k + 1 : 0;
	return argvs[k];
}

/* ---- checking how a child ended ---- */

static void child_ended(struct pb_mech_out *out, int st, int want, uint64_t i)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == want)
		return;
	if (!out->bad++)
		out->first_bad = i;
	if (WIFEXITED(st))
		pb_mech_fail(out, 0, "child %llu exited with status %d, expected %d", (unsigned long long)i,
			     WEXITSTATUS(st), want);
	else
		pb_mech_fail(out, 0, "child %llu was killed by signal %d", (unsigned long long)i,
			     WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int reap(pid_t pid, int *st, struct pb_mech_out *out, uint64_t i)
{
	while (waitpid(pid, st, 0) < 0) {
		if (errno != EINTR) {
			pb_mech_fail(out, 1, "waitpid for child %llu: %s", (unsigned long long)i, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* ---- the operations ---- */

static void fork_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	(void)x, (void)ep;
	for (uint64_t i = 0; i < ops; i++) {
		int st, want = (int)(i & 127);
		pid_t pid = fork();
		if (pid == 0)
			_exit(want);
		if (pid < 0) {
			pb_mech_fail(out, 1, "fork (child %llu): %s", (unsigned long long)i, strerror(errno));
			return;
		}
		if (reap(pid, &st, out, i))
			return;
		child_ended(out, st, want, i);
		out->done++;
	}
}

/* A child that execs path; vfork's shares the creator's memory until the exec (a function of its own, so
 * nothing the caller keeps in registers lives across vfork). */
static pid_t __attribute__((noinline)) start_exec(const char *path, char *const *argv, int use_vfork)
{
	pid_t pid = use_vfork ? vfork() : fork();
	if (pid == 0) {
		execve(path, argv, environ);
		_exit(127);
	}
	return pid;
}

/* fork+exec and vfork+exec: the same, but vfork shares the creator's memory until the exec. */
static void exec_loop(struct pb_mech_ctx *x, uint64_t ops, struct pb_mech_out *out, int use_vfork)
{
	const struct spawn *s = x->priv;
	for (uint64_t i = 0; i < ops; i++) {
		int st, want;
		char *const *argv = child_argv(s, i, &want);
		pid_t pid = start_exec(s->path, argv, use_vfork);
		if (pid < 0) {
			pb_mech_fail(out, 1, "%s (child %llu): %s", use_vfork ? "vfork" : "fork", (unsigned long long)i,
				     strerror(errno));
			return;
		}
		if (reap(pid, &st, out, i))
			return;
		child_ended(out, st, want, i);
		out->done++;
	}
}

static void fork_exec_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	(void)ep;
	exec_loop(x, ops, out, 0);
}

static void vfork_exec_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	(void)ep;
	exec_loop(x, ops, out, 1);
}

static void posix_spawn_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	(void)ep;
	const struct spawn *s = x->priv;
	for (uint64_t i = 0; i < ops; i++) {
		int st, want;
		pid_t pid;
		char *const *argv = child_argv(s, i, &want);
		int rc = posix_spawn(&pid, s->path, NULL, NULL, argv, environ);
		if (rc) {
			pb_mech_fail(out, 1, "posix_spawn '%s' (child %llu): %s", s->path, (unsigned long long)i, strerror(rc));
			return;
		}
		if (reap(pid, &st, out, i))
			return;
		child_ended(out, st, want, i);
		out->done++;
	}
}

static void *thread_child(void *arg)
{
	return arg;
}

static void thread_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	(void)x, (void)ep;
	for (uint64_t i = 0; i < ops; i++) {
		pthread_t t;
		void *ret = NULL;
		int rc = pthread_create(&t, NULL, thread_child, (void *)(uintptr_t)(i + 1));
		if (rc) {
			pb_mech_fail(out, 1, "pthread_create (thread %llu): %s", (unsigned long long)i, strerror(rc));
			return;
		}
		pthread_join(t, &ret);
		if ((uintptr_t)ret != i + 1 && !out->bad++) {
			out->first_bad = i;
			pb_mech_fail(out, 0, "thread %llu returned %lu", (unsigned long long)i, (unsigned long)(uintptr_t)ret);
		}
		out->done++;
	}
}

/* ---- the fork server ---- */

static void server_main(int req, int rep)
{
	uint64_t i;
	for (;;) {
		ssize_t n = read(req, &i, sizeof i);
		if (n == 0)
			_exit(0); /* the creator is done */
		if (n != (ssize_t)sizeof i) {
			if (n < 0 && errno == EINTR)
				continue;
			_exit(1);
		}
		int st = -1;
		pid_t pid = fork();
		if (pid == 0)
			_exit((int)(i & 127));
		if (pid > 0)
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
		if (write(rep, &st, sizeof st) != (ssize_t)sizeof st)
			_exit(1);
	}
}

static int start_server(struct creator *c, char *err, size_t len)
{
	int a[2], b[2];
	if (pipe2(a, O_CLOEXEC) != 0 || pipe2(b, O_CLOEXEC) != 0) {
		snprintf(err, len, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t me = getpid();
	c->server = fork();
	if (c->server < 0) {
		snprintf(err, len, "cannot fork the fork server: %s", strerror(errno));
		return -1;
	}
	if (c->server == 0) {
		/* the server dies with its creator, so no orphan outlives a killed run */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != me)
			_exit(1);
		close(a[1]);
		close(b[0]);
		server_main(a[0], b[1]);
	}
	close(a[0]);
	close(b[1]);
	c->req = a[1];
	c->rep = b[0];
	return 0;
}

static void forkserver_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	struct creator *c = &((struct spawn *)x->priv)->ep[ep];
	for (uint64_t i = 0; i < ops; i++) {
		int st;
		if (write(c->req, &i, sizeof i) != (ssize_t)sizeof i || read(c->rep, &st, sizeof st) != (ssize_t)sizeof st) {
			pb_mech_fail(out, 1, "the fork server is gone (child %llu)", (unsigned long long)i);
			return;
		}
		child_ended(out, st, (int)(i & 127), i);
		out->done++;
	}
}

/* ---- the lean creator ---- */

/* Whether case c creates through parbench-creator. */
static int lean(const struct pb_mech_case *c)
{
	const char *who = pb_mech_param(c, "creator");
	return !in_helper && c->kind == PB_EP_PROCESS && who && strcmp(who, "lean") == 0;
}

/* parbench-creator: $PARBENCH_CREATOR, or beside parbench, or in ../libexec/parbench; 0 or -1. */
static int find_creator(char *path, size_t len)
{
	const char *env = getenv("PARBENCH_CREATOR");
	if (env && *env) {
		snprintf(path, len, "%s", env);
		return access(path, X_OK);
	}
	char exe[4096];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (l <= 0)
		return -1;
	exe[l] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	static const char *const rel[] = { "parbench-creator", "../libexec/parbench/parbench-creator" };
	for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		snprintf(path, len, "%.4000s/%s", exe, rel[i]);
		if (access(path, X_OK) == 0)
			return 0;
	}
	return -1;
}

struct helper_req {
	uint64_t ops, batch;
};

struct helper_rep {
	int32_t rc;       /* the ready answer: 0, or -1 with err */
	char err[256];
	struct pb_mech_out out;
};

static int io_full(int fd, void *buf, size_t len, int writing)
{
	unsigned char *p = buf;
	while (len) {
		ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int start_helper(struct creator *c, const struct pb_mech_case *mc, char *err, size_t len)
{
	char path[4200], ppid[32];
	int a[2], b[2];
	if (find_creator(path, sizeof path) != 0) {
		snprintf(err, len, "creator=lean: parbench-creator is not beside parbench (build it with make, or give -p creator=parbench)");
		return -1;
	}
	if (pipe2(a, O_CLOEXEC) != 0 || pipe2(b, O_CLOEXEC) != 0) {
		snprintf(err, len, "pipe: %s", strerror(errno));
		return -1;
	}
	const char *rss = pb_mech_param(mc, "rss"), *prog = pb_mech_param(mc, "prog");
	snprintf(ppid, sizeof ppid, "%ld", (long)getpid());
	char *argv[] = { "parbench-creator", (char *)mc->m->name, (char *)(rss ? rss : "0"), (char *)(prog ? prog : "-"),
			 ppid, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, a[0], 0);
	posix_spawn_file_actions_adddup2(&fa, b[1], 1);
	int rc = posix_spawn(&c->helper, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(a[0]);
	close(b[1]);
	c->hreq = a[1];
	c->hrep = b[0];
	if (rc) {
		c->helper = 0;
		snprintf(err, len, "cannot start '%s': %s", path, strerror(rc));
		return -1;
	}
	struct helper_rep rep;
	if (io_full(c->hrep, &rep, sizeof rep, 0) != 0) {
		snprintf(err, len, "'%s' ended before it was ready", path);
		return -1;
	}
	if (rep.rc) {
		snprintf(err, len, "parbench-creator: %s", rep.err);
		return -1;
	}
	return 0;
}

/* One batch, done by the lean creator: its facts come back in *out. */
static void helper_batch(struct pb_mech_ctx *x, struct creator *c, uint64_t ops, struct pb_mech_out *out)
{
	struct helper_req q = { ops, x->batch };
	static struct helper_rep rep; /* large-ish, and one per endpoint process */
	if (io_full(c->hreq, &q, sizeof q, 1) != 0 || io_full(c->hrep, &rep, sizeof rep, 0) != 0) {
		pb_mech_fail(out, 1, "the creator (pid %ld) is gone", (long)c->helper);
		return;
	}
	*out = rep.out;
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

/* parbench-creator: the creator side of the protocol above. */
static int creator_loop(struct pb_mech_ctx *x, const struct spawn_mech *sm)
{
	static struct helper_rep rep;
	struct helper_req q;
	while (io_full(0, &q, sizeof q, 0) == 0) {
		struct rusage s0, c0, s1, c1;
		memset(&rep, 0, sizeof rep);
		x->batch = q.batch;
		getrusage(RUSAGE_SELF, &s0);
		getrusage(RUSAGE_CHILDREN, &c0);
		pb_mech_seen(&rep.out);
		sm->op(x, 0, q.ops, &rep.out);
		pb_mech_seen(&rep.out);
		getrusage(RUSAGE_SELF, &s1);
		getrusage(RUSAGE_CHILDREN, &c1);
		rep.out.proxy = 1;
		rep.out.proxy_user_s = tv_s(s1.ru_utime) - tv_s(s0.ru_utime) + tv_s(c1.ru_utime) - tv_s(c0.ru_utime);
		rep.out.proxy_sys_s = tv_s(s1.ru_stime) - tv_s(s0.ru_stime) + tv_s(c1.ru_stime) - tv_s(c0.ru_stime);
		rep.out.proxy_rss_kb = s1.ru_maxrss > c1.ru_maxrss ? s1.ru_maxrss : c1.ru_maxrss;
		if (io_full(1, &rep, sizeof rep, 1) != 0)
			return 1;
	}
	return 0;
}

/* ---- the hooks ---- */

static void spawn_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	if (lean(x->c))
		helper_batch(x, &((struct spawn *)x->priv)->ep[ep], ops, out);
	else
		sm_of(x->c->m)->op(x, ep, ops, out);
}

/* The case's rss= in bytes (0 without the parameter). */
static size_t rss_of(const struct pb_mech_case *c)
{
	uint64_t v = 0;
	const char *s = pb_mech_param(c, "rss");
	if (s)
		pb_mech_parse_bytes(s, &v);
	return (size_t)v;
}

/* The program must run here: try it once. */
static int try_program(const struct pb_mech_case *c, char *err, size_t len)
{
	struct spawn *sp = calloc(1, sizeof *sp);
	int rc = sp ? choose_program(sp, c, err, len) : -1;
	if (rc == 0 && needs_exec(c->m)) {
		int st, want;
		pid_t pid;
		char *const *argv = child_argv(sp, 1, &want);
		int e = posix_spawn(&pid, sp->path, NULL, NULL, argv, environ);
		if (e || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != want) {
			snprintf(err, len, "prog=%s: '%s' does not run here (%s)", pb_mech_param(c, "prog"), sp->path,
				 e ? strerror(e) : "it did not exit as expected");
			rc = -1;
		}
	}
	if (sp && sp->tiny_fd >= 0)
		close(sp->tiny_fd);
	free(sp);
	return rc;
}

static int spawn_check(const struct pb_mech_case *c, char *err, size_t len)
{
	uint64_t v;
	char path[4200];
	const char *s = pb_mech_param(c, "rss");
	if (s && (pb_mech_parse_bytes(s, &v) != 0 || v > (UINT64_C(1) << 40))) {
		snprintf(err, len, "rss '%s' is not a size up to 1T (64M, 1G, 2^26)", s);
		return -1;
	}
	if (lean(c) && find_creator(path, sizeof path) != 0) {
		snprintf(err, len, "creator=lean: parbench-creator is not beside parbench (build it with make, or give -p creator=parbench)");
		return -1;
	}
	return try_program(c, err, len);
}

static int spawn_setup(struct pb_mech_ctx *x, char *err, size_t len)
{
	struct spawn *s = calloc(1, sizeof *s + (size_t)x->c->nep * sizeof s->ep[0]);
	if (!s) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (int e = 0; e < x->c->nep; e++)
		s->ep[e] = NO_CREATOR;
	s->tiny_fd = -1;
	/* a lean creator makes its own program: it is the one that execs */
	if (!lean(x->c) && choose_program(s, x->c, err, len) != 0) {
		if (s->tiny_fd >= 0)
			close(s->tiny_fd);
		free(s);
		return -1;
	}
	x->priv = s;
	return 0;
}

static int spawn_attach(struct pb_mech_ctx *x, int ep, char *err, size_t len)
{
	struct creator *c = &((struct spawn *)x->priv)->ep[ep];
	if (lean(x->c))
		return start_helper(c, x->c, err, len);
	if (sm_of(x->c->m)->server && start_server(c, err, len) != 0)
		return -1;
	c->rss_len = rss_of(x->c);
	if (!c->rss_len)
		return 0;
	c->rss = mmap(NULL, c->rss_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->rss == MAP_FAILED) {
		c->rss = NULL;
		snprintf(err, len, "cannot map rss=%zu bytes: %s", c->rss_len, strerror(errno));
		return -1;
	}
	madvise(c->rss, c->rss_len, MADV_NOHUGEPAGE); /* small pages: what fork copies is page tables */
	memset(c->rss, 0x5a, c->rss_len);             /* resident: touched */
	return 0;
}

static void spawn_detach(struct pb_mech_ctx *x, int ep)
{
	struct creator *c = &((struct spawn *)x->priv)->ep[ep];
	int fds[] = { c->req, c->rep, c->hreq, c->hrep };
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (fds[i] >= 0)
			close(fds[i]); /* a server or creator sees EOF and ends */
	pid_t kids[] = { c->server, c->helper };
	for (size_t i = 0; i < 2; i++)
		if (kids[i] > 0)
			while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
				;
	if (c->rss)
		munmap(c->rss, c->rss_len);
	*c = NO_CREATOR;
}

static void spawn_teardown(struct pb_mech_ctx *x)
{
	struct spawn *s = x->priv;
	if (s && s->tiny_fd >= 0)
		close(s->tiny_fd);
	free(s);
	x->priv = NULL;
}

/* ---- the descriptors ---- */

#define CREATOR_PARAM                                                                                    \
	{ "creator", "lean", "lean|parbench",                                                             \
	  "who creates: lean, parbench-creator (a program of its own, the mappings of a plain C loop), or " \
	  "parbench, a fork of parbench (its libraries and heap)" }

static const struct pb_param_def fork_params[] = {
	{ "rss", "0,64M", NULL, "resident memory the creator holds while it creates (64M, 1G)" },
	CREATOR_PARAM,
	{ NULL, NULL, NULL, NULL },
};

static const struct pb_param_def exec_params[] = {
	{ "rss", "0,64M", NULL, "resident memory the creator holds while it creates (64M, 1G)" },
	{ "prog", "tiny", NULL, "what the child runs: tiny (exit(argc), from memory), true (/bin/true) or a path" },
	CREATOR_PARAM,
	{ NULL, NULL, NULL, NULL },
};

#define PLACES (PB_BIT(PB_PLACE_FREE) | PB_BIT(PB_PLACE_SAME_CPU))

#define SPAWN(nm, desc, kind, params_, op_, exec_, server_)                                                     \
	{ { .family = "spawn", .name = nm, .description = desc, .kinds = PB_BIT(kind), .default_kinds = PB_BIT(kind), \
	    .waits = PB_BIT(PB_MWAIT_BLOCK), .default_waits = PB_BIT(PB_MWAIT_BLOCK), .modes = 0, .places = PLACES,     \
	    .sized = 0, .group_size = 1, .place_group = 1, .max_groups = 64, .default_groups = 1, .params = params_, \
	    .check = spawn_check, .setup = spawn_setup, .attach = spawn_attach, .run = spawn_run,                    \
	    .detach = spawn_detach, .teardown = spawn_teardown },                                                   \
	  op_, exec_, server_ }

static const struct spawn_mech spawn_mechs[] = {
	SPAWN("fork", "fork, the child exits at once, waitpid (the tutorials' fork start method)", PB_EP_PROCESS,
	      fork_params, fork_run, 0, 0),
	SPAWN("vfork-exec", "vfork, exec a program, waitpid", PB_EP_PROCESS, exec_params, vfork_exec_run, 1, 0),
	SPAWN("posix-spawn", "posix_spawn of a program, waitpid", PB_EP_PROCESS, exec_params, posix_spawn_run, 1, 0),
	SPAWN("fork-exec", "fork, exec a program, waitpid (the tutorials' spawn start method)", PB_EP_PROCESS,
	      exec_params, fork_exec_run, 1, 0),
	SPAWN("thread", "pthread_create and pthread_join", PB_EP_THREAD, NULL, thread_run, 0, 0),
	SPAWN("forkserver", "a server forked early forks each child on request (the forkserver start method)",
	      PB_EP_PROCESS, fork_params, forkserver_run, 0, 1),
};

const struct pb_mech *const pb_mechs_spawn[] = {
	&spawn_mechs[0].m, &spawn_mechs[1].m, &spawn_mechs[2].m, &spawn_mechs[3].m, &spawn_mechs[4].m,
	&spawn_mechs[5].m, NULL,
};

/* ---- parbench-creator ---- */

int pb_spawn_creator_main(int argc, char **argv)
{
	static struct helper_rep rep;
	if (argc != 5) {
		fprintf(stderr, "parbench-creator: started by parbench mech, not by hand\n");
		return 2;
	}
	/* it dies with the endpoint that started it, so no orphan outlives a killed run */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != (pid_t)atol(argv[4]))
		return 1;
	in_helper = 1;
	const struct spawn_mech *sm = NULL;
	for (size_t i = 0; i < sizeof spawn_mechs / sizeof spawn_mechs[0]; i++)
		if (strcmp(spawn_mechs[i].m.name, argv[1]) == 0 && (spawn_mechs[i].m.kinds & PB_BIT(PB_EP_PROCESS)))
			sm = &spawn_mechs[i];
	struct pb_mech_case c = { .m = sm ? &sm->m : NULL, .kind = PB_EP_PROCESS, .wait = PB_MWAIT_BLOCK, .groups = 1, .nep = 1 };
	struct pb_mech_ctx x = { .c = &c, .owner_pid = (long)getpid(), .tmpdir = "/tmp" };
	const char *keys[] = { "rss", "prog" }, *vals[] = { argv[2], argv[3] };
	for (int k = 0; k < 2; k++)
		if (strcmp(vals[k], "-") != 0) {
			snprintf(c.params[c.nparams].key, sizeof c.params[0].key, "%s", keys[k]);
			snprintf(c.params[c.nparams].val, sizeof c.params[0].val, "%s", vals[k]);
			c.nparams++;
		}
	if (!sm)
		snprintf(rep.err, sizeof rep.err, "no process mechanism '%s'", argv[1]);
	rep.rc = !sm || spawn_setup(&x, rep.err, sizeof rep.err) != 0 ? -1 : 0;
	if (rep.rc == 0 && spawn_attach(&x, 0, rep.err, sizeof rep.err) != 0)
		rep.rc = -1;
	if (io_full(1, &rep, sizeof rep, 1) != 0 || rep.rc)
		return 1;
	int rc = creator_loop(&x, sm);
	spawn_detach(&x, 0);
	spawn_teardown(&x);
	return rc;
}
