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
 */

struct creator {
	void *rss;          /* the memory held while creating */
	size_t rss_len;
	int req, rep;       /* fork server: the creator's ends of its pipes (-1: none) */
	pid_t server;
};

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

static int needs_exec(const struct pb_mech *m);

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

/* ---- the hooks ---- */

static int needs_exec(const struct pb_mech *m)
{
	return m->run == fork_exec_run || m->run == vfork_exec_run || m->run == posix_spawn_run;
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

static int spawn_check(const struct pb_mech_case *c, char *err, size_t len)
{
	uint64_t v;
	const char *s = pb_mech_param(c, "rss");
	if (s && (pb_mech_parse_bytes(s, &v) != 0 || v > (UINT64_C(1) << 40))) {
		snprintf(err, len, "rss '%s' is not a size up to 1T (64M, 1G, 2^26)", s);
		return -1;
	}
	/* the program must run here: try it once */
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

static int spawn_setup(struct pb_mech_ctx *x, char *err, size_t len)
{
	struct spawn *s = calloc(1, sizeof *s + (size_t)x->c->nep * sizeof s->ep[0]);
	if (!s) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (int e = 0; e < x->c->nep; e++)
		s->ep[e] = (struct creator){ NULL, 0, -1, -1, 0 };
	if (choose_program(s, x->c, err, len) != 0) {
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
	if (x->c->m->run == forkserver_run && start_server(c, err, len) != 0)
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
	if (c->req >= 0)
		close(c->req);
	if (c->rep >= 0)
		close(c->rep);
	if (c->server > 0)
		while (waitpid(c->server, NULL, 0) < 0 && errno == EINTR)
			;
	if (c->rss)
		munmap(c->rss, c->rss_len);
	*c = (struct creator){ NULL, 0, -1, -1, 0 };
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

static const struct pb_param_def fork_params[] = {
	{ "rss", "0,64M", NULL, "resident memory the creator holds while it creates (64M, 1G)" },
	{ NULL, NULL, NULL, NULL },
};

static const struct pb_param_def exec_params[] = {
	{ "rss", "0,64M", NULL, "resident memory the creator holds while it creates (64M, 1G)" },
	{ "prog", "tiny", NULL, "what the child runs: tiny (exit(argc), from memory), true (/bin/true) or a path" },
	{ NULL, NULL, NULL, NULL },
};

#define PLACES (PB_BIT(PB_PLACE_FREE) | PB_BIT(PB_PLACE_SAME_CPU))

#define SPAWN(nm, desc, kind, params_, run_)                                                                     \
	{ .family = "spawn", .name = nm, .description = desc, .kinds = PB_BIT(kind), .default_kinds = PB_BIT(kind), \
	  .waits = PB_BIT(PB_WAIT_BLOCK), .default_waits = PB_BIT(PB_WAIT_BLOCK), .modes = 0, .places = PLACES,     \
	  .sized = 0, .group_size = 1, .place_group = 1, .max_groups = 64, .default_groups = 1, .params = params_, \
	  .check = spawn_check, .setup = spawn_setup, .attach = spawn_attach, .run = run_,                        \
	  .detach = spawn_detach, .teardown = spawn_teardown }

static const struct pb_mech spawn_mechs[] = {
	SPAWN("fork", "fork, the child exits at once, waitpid (the tutorials' fork start method)", PB_EP_PROCESS,
	      fork_params, fork_run),
	SPAWN("vfork-exec", "vfork, exec a program, waitpid", PB_EP_PROCESS, exec_params, vfork_exec_run),
	SPAWN("posix-spawn", "posix_spawn of a program, waitpid", PB_EP_PROCESS, exec_params, posix_spawn_run),
	SPAWN("fork-exec", "fork, exec a program, waitpid (the tutorials' spawn start method)", PB_EP_PROCESS,
	      exec_params, fork_exec_run),
	SPAWN("thread", "pthread_create and pthread_join", PB_EP_THREAD, NULL, thread_run),
	SPAWN("forkserver", "a server forked early forks each child on request (the forkserver start method)",
	      PB_EP_PROCESS, fork_params, forkserver_run),
};

const struct pb_mech *const pb_mechs_spawn[] = {
	&spawn_mechs[0], &spawn_mechs[1], &spawn_mechs[2], &spawn_mechs[3], &spawn_mechs[4], &spawn_mechs[5], NULL,
};
