/* plugin.c: user workloads from shared objects: loading, checking, fault reports, guarded spans, consistency. */
#include "plugin.h"
#include "proc.h"
#include "schema.h"
#include "sha256.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

/*
 * How a plugin's bug is told apart from parbench's own.
 *
 * Every call into plugin code goes through a wrapper that first marks the
 * calling thread (the thread-local `ctx`: which plugin, which hook, which
 * items).  A fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) that
 * arrives while the mark is set is the plugin's; without it, the previous
 * handler (the default, or a sanitizer's) gets the signal back untouched.
 *
 * A plugin's fault is written to a fault record in a MAP_SHARED page made
 * before any worker is forked, so a worker process that dies of it leaves
 * the record for the parent: the executor reports the death ("pool: worker 1
 * (pid 4242) died on task 17: killed by signal 11") and run.c adds what the
 * record says (pb_plugin_failure_note).  In parbench's own process (serial,
 * threads, OpenMP, or a hook the parent calls) nobody is left to report it,
 * so the handler writes the one line itself, cleans up as the watchdog does
 * and exits 1: a failed run, not a crash.  Only async-signal-safe calls are
 * made on that path (the text is put together by hand).
 */

#define GUARD_CANARY 0x5C /* the output span's page slack under check=spans */
#define OUT_POISON 0xA5   /* an output span before the kernel writes it (as run.c's poison) */

struct plugin {
	struct pb_workload wl;          /* first: the harness's descriptor, what job->wl points at */
	const struct pb_workload *user; /* the plugin's own */
	struct pb_param_def params[PB_MAX_PARAMS + 1];
	struct pb_plugin_info info;
	void *handle;
	int index;
};

static struct plugin *plugins[PB_MAX_PLUGINS];
static int nplugins;

/* The harness's per-job data (job->harness). */
struct job_priv {
	int spans;                /* -p check=spans */
	int ref_state;            /* 0 not computed yet, 1 computed, -1 unusable (ref_err says why) */
	struct pb_partial ref;    /* the serial reference total */
	uint8_t *ref_out;         /* the serial reference output (out_len bytes) */
	char ref_err[512];
};

/* ---- which plugin code a thread is in ---- */

struct guard {
	uint8_t *res;     /* the PROT_NONE reservation */
	size_t res_len;
	uint8_t *zero;    /* where byte 0 of the buffer is in it */
	size_t buf_len;
	struct pb_span span;
	uint8_t *lo;      /* the first accessible byte (the span's first page) */
};

struct call_ctx {
	const struct plugin *pl; /* NULL: not in plugin code */
	const char *hook;        /* "kernel", "prepare", ... */
	int ranged;              /* begin, end are valid */
	int reference;           /* a pass of the consistency reference, not a task of a run */
	uint64_t begin, end, n_items;
	const struct guard *gin, *gout; /* check=spans: the guarded copies of this call */
};

static __thread struct call_ctx ctx;
static __thread int in_reference;

static void enter(struct call_ctx *saved, const struct plugin *pl, const char *hook, const struct pb_job *job,
		  int ranged, uint64_t b, uint64_t e)
{
	*saved = ctx;
	struct call_ctx c = { .hook = hook, .ranged = ranged, .reference = in_reference, .begin = b, .end = e };
	c.n_items = job ? job->n_items : 0;
	c.pl = pl;
	ctx = c;
}

static void leave(const struct call_ctx *saved)
{
	ctx = *saved;
}

/* ---- the fault record ---- */

enum fault_kind {
	F_CRASH,        /* a fatal signal in plugin code */
	F_GUARD_OUT,    /* check=spans: a fault in the output reservation */
	F_GUARD_IN,     /* check=spans: a fault in the input reservation */
	F_NEAR_OUT,     /* check=spans: the output span's page slack changed */
	F_SPAN_BAD_IN,  /* in_span outside the input buffer or the bytes the variant passed */
	F_SPAN_BAD_OUT,
	F_GUARD_MAP,    /* check=spans could not map its guard pages */
};

enum { ACC_UNKNOWN, ACC_READ, ACC_WRITE };

struct fault {
	int kind, signo, plugin, ranged, reference, task_known, access, into_span;
	int pid;
	char hook[16];
	uint64_t begin, end, task, addr;
	int64_t offset;           /* guard faults: the byte of the buffer (may be outside it) */
	uint64_t span_off, span_len, buf_len;
};

struct fault_page {
	_Atomic int state; /* 0 empty, 1 being written, 2 written */
	struct fault f;
	uint64_t ntasks;   /* the case's task count, to name a task from its items (workers forked before the run see it here) */
};

static struct fault_page *rec;    /* MAP_SHARED: seen by the parent when a worker wrote it */
static pid_t main_pid;
static char run_label[PB_PARAMS_MAX + 256];
static struct sigaction old_action[NSIG];

static void fill_from_ctx(struct fault *f)
{
	const struct call_ctx *c = &ctx;
	f->plugin = c->pl ? c->pl->index : -1;
	size_t i = 0;
	for (const char *h = c->hook ? c->hook : "code"; *h && i < sizeof f->hook - 1; h++)
		f->hook[i++] = *h;
	f->hook[i] = '\0';
	f->ranged = c->ranged;
	f->reference = c->reference;
	f->begin = c->begin;
	f->end = c->end;
	f->pid = (int)getpid();
	uint64_t T = rec ? rec->ntasks : 0;
	if (c->ranged && !c->reference && T && c->n_items) {
		/* task k starts at floor(n k / T), and tasks are never empty (T <= n): k = ceil(begin T / n) */
		f->task = (uint64_t)(((pb_u128)c->begin * T + c->n_items - 1) / c->n_items);
		f->task_known = 1;
	}
}

static void record(const struct fault *f)
{
	int empty = 0;
	if (rec && atomic_compare_exchange_strong(&rec->state, &empty, 1)) {
		rec->f = *f;
		atomic_store(&rec->state, 2);
	}
}

/* ---- text without stdio (the signal handler uses it) ---- */

struct abuf {
	char *s;
	size_t len, cap; /* cap includes the NUL */
};

static void ab_str(struct abuf *b, const char *t)
{
	while (*t && b->len + 1 < b->cap)
		b->s[b->len++] = *t++;
	b->s[b->len] = '\0';
}

static void ab_u64(struct abuf *b, uint64_t v)
{
	char d[24];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 20);
	while (n && b->len + 1 < b->cap)
		b->s[b->len++] = d[--n];
	b->s[b->len] = '\0';
}

static void ab_hex(struct abuf *b, uint64_t v)
{
	char d[20];
	int n = 0;
	do
		d[n++] = "0123456789abcdef"[v & 15];
	while ((v >>= 4) && n < 16);
	ab_str(b, "0x");
	while (n && b->len + 1 < b->cap)
		b->s[b->len++] = d[--n];
	b->s[b->len] = '\0';
}

static const char *sig_name(int s)
{
	switch (s) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	case SIGABRT: return "SIGABRT";
	}
	return "a signal";
}

/* " on task 17 (items [170, 180))", " on items [0, 1000) of the consistency reference", or nothing. */
static void ab_where(struct abuf *b, const struct fault *f)
{
	if (!f->ranged)
		return;
	if (f->task_known) {
		ab_str(b, " on task ");
		ab_u64(b, f->task);
		ab_str(b, " (items [");
	} else {
		ab_str(b, " on items [");
	}
	ab_u64(b, f->begin);
	ab_str(b, ", ");
	ab_u64(b, f->end);
	ab_str(b, f->task_known ? "))" : ")");
	if (f->reference)
		ab_str(b, " of the consistency reference");
}

static void ab_span(struct abuf *b, const struct fault *f)
{
	ab_str(b, "[");
	ab_u64(b, f->span_off);
	ab_str(b, ", ");
	ab_u64(b, f->span_off + f->span_len);
	ab_str(b, ")");
}

/* What the plugin did, after "plugin 'NAME' (PATH): ". */
static void fault_text(struct abuf *b, const struct fault *f)
{
	const char *buf = f->kind == F_GUARD_IN || f->kind == F_SPAN_BAD_IN ? "input" : "output";
	switch (f->kind) {
	case F_CRASH:
		ab_str(b, "its ");
		ab_str(b, f->hook);
		ab_str(b, " crashed");
		ab_where(b, f);
		ab_str(b, ": ");
		ab_str(b, sig_name(f->signo));
		ab_str(b, " (signal ");
		ab_u64(b, (uint64_t)f->signo);
		ab_str(b, ")");
		if (f->signo != SIGABRT) {
			ab_str(b, " at address ");
			ab_hex(b, f->addr);
		}
		return;
	case F_GUARD_OUT:
	case F_GUARD_IN:
	case F_NEAR_OUT:
		if (f->kind == F_GUARD_IN && f->into_span) {
			ab_str(b, "its kernel wrote into its input (byte ");
			ab_u64(b, (uint64_t)f->offset);
			ab_str(b, "), which is read-only");
		} else {
			ab_str(b, f->access == ACC_WRITE ? "its kernel wrote " : f->access == ACC_READ ? "its kernel read " :
										 "its kernel accessed ");
			if (f->offset < 0) {
				ab_u64(b, (uint64_t)-f->offset);
				ab_str(b, " byte(s) before the ");
				ab_str(b, buf);
				ab_str(b, " buffer");
			} else if ((uint64_t)f->offset >= f->buf_len) {
				ab_str(b, buf);
				ab_str(b, " byte ");
				ab_u64(b, (uint64_t)f->offset);
				ab_str(b, ", past the end of the ");
				ab_u64(b, f->buf_len);
				ab_str(b, "-byte ");
				ab_str(b, buf);
				ab_str(b, " buffer");
			} else {
				ab_str(b, buf);
				ab_str(b, " byte ");
				ab_u64(b, (uint64_t)f->offset);
			}
			ab_str(b, ", outside its ");
			ab_str(b, buf);
			ab_str(b, " span ");
			ab_span(b, f);
		}
		ab_where(b, f);
		ab_str(b, " (found by check=spans)");
		return;
	case F_SPAN_BAD_IN:
	case F_SPAN_BAD_OUT:
		ab_str(b, f->kind == F_SPAN_BAD_IN ? "its in_span gives " : "its out_span gives ");
		ab_span(b, f);
		ab_where(b, f);
		if (f->span_off + f->span_len > f->buf_len || f->span_off + f->span_len < f->span_off) {
			ab_str(b, ", outside the ");
			ab_u64(b, f->buf_len);
			ab_str(b, "-byte ");
			ab_str(b, buf);
			ab_str(b, " buffer");
		} else {
			ab_str(b, ", outside the bytes the variant handed the kernel (the spans of its tasks must nest)");
		}
		return;
	case F_GUARD_MAP:
		ab_str(b, "check=spans cannot map guard pages");
		ab_where(b, f);
		return;
	}
}

static void ab_plugin(struct abuf *b, const struct plugin *pl)
{
	ab_str(b, "plugin '");
	ab_str(b, pl->user->name);
	ab_str(b, "' (");
	ab_str(b, pl->info.path);
	ab_str(b, ")");
}

/* In parbench's own process: the one line, then cleanup and exit 1 (async-signal-safe). */
static void fatal(const struct fault *f) __attribute__((noreturn));
static void fatal(const struct fault *f)
{
	static _Atomic int once;
	if (atomic_exchange(&once, 1))
		for (;;)
			pause(); /* another thread faulted first: its line is the one, and its _exit ends us */
	char line[PB_PARAMS_MAX + 2 * PATH_MAX];
	struct abuf b = { line, 0, sizeof line - 1 }; /* one byte kept for the newline */
	ab_str(&b, "parbench: ");
	if (run_label[0]) {
		ab_str(&b, run_label);
		ab_str(&b, ": ");
	}
	if (f->plugin >= 0 && f->plugin < nplugins) {
		ab_plugin(&b, plugins[f->plugin]);
		ab_str(&b, ": ");
	}
	fault_text(&b, f);
	line[b.len++] = '\n';
	pb_proc_fatal(line, b.len);
}

/* In a worker: die of sig with the default action, so the parent sees the signal. */
static void die_of(int sig, int resend)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	if (resend)
		raise(sig); /* delivered on return from the handler, or at once outside one */
}

/* A fault found by the harness (not a signal): the plugin's, reported as one. */
static void plugin_fault(struct fault *f) __attribute__((noreturn));
static void plugin_fault(struct fault *f)
{
	fill_from_ctx(f);
	record(f);
	if (getpid() == main_pid)
		fatal(f);
	die_of(SIGSEGV, 1);
	_exit(128 + SIGSEGV);
}

static int in_guard(const struct guard *g, uintptr_t a)
{
	return g && a >= (uintptr_t)g->res && a < (uintptr_t)g->res + g->res_len;
}

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	if (!ctx.pl) {
		/* Not the plugin's: the handler that was there before takes it back (the default, or a sanitizer's). */
		sigaction(sig, &old_action[sig], NULL);
		if (si->si_code <= 0)
			raise(sig); /* sent, not caused: a return would lose it */
		return;          /* caused by an instruction: it faults again, now under the old handler */
	}
	struct fault f;
	memset(&f, 0, sizeof f);
	f.kind = F_CRASH;
	f.signo = sig;
	f.addr = (uint64_t)(uintptr_t)si->si_addr;
	const struct guard *g = NULL;
	if (sig == SIGSEGV && in_guard(ctx.gout, (uintptr_t)si->si_addr)) {
		g = ctx.gout;
		f.kind = F_GUARD_OUT;
	} else if (sig == SIGSEGV && in_guard(ctx.gin, (uintptr_t)si->si_addr)) {
		g = ctx.gin;
		f.kind = F_GUARD_IN;
	}
	if (g) {
		f.offset = (int64_t)((uintptr_t)si->si_addr - (uintptr_t)g->zero);
		f.buf_len = g->buf_len;
		f.span_off = g->span.off;
		f.span_len = g->span.len;
		f.into_span = f.kind == F_GUARD_IN && f.offset >= (int64_t)g->span.off &&
			      f.offset < (int64_t)(g->span.off + g->span.len);
#if defined(__x86_64__)
		const ucontext_t *uc = ucv;
		f.access = uc->uc_mcontext.gregs[REG_ERR] & 2 ? ACC_WRITE : ACC_READ; /* page-fault error code: W bit */
#else
		(void)ucv;
#endif
	}
	fill_from_ctx(&f);
	record(&f);
	if (getpid() == main_pid)
		fatal(&f);
	die_of(sig, si->si_code <= 0);
}

void pb_plugin_handlers_install(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, &old_action[sigs[i]]);
}

/* The first load: the shared fault page (before any fork) and the handler. */
static int setup_once(char *err, size_t errlen)
{
	if (rec)
		return 0;
	void *p = mmap(NULL, sizeof *rec, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map the fault record: %s", strerror(errno));
		return -1;
	}
	rec = p;
	main_pid = getpid();
	pb_plugin_handlers_install();
	return 0;
}

/* ---- check=spans: each task on guarded copies of exactly its spans ---- */

static size_t page_size(void)
{
	static size_t pg;
	if (!pg)
		pg = (size_t)sysconf(_SC_PAGESIZE);
	return pg;
}

/*
 * Reserve the whole buffer's worth of PROT_NONE address space, so that any
 * byte the kernel addresses outside the span (base[x - off] for any x of the
 * buffer, and a page either side of it) faults, and make the span's pages
 * accessible.  The span ends on a page boundary, so the first byte past it
 * faults; the slack before it on its first page is checked with a canary
 * (output) or not at all (input: a read changes nothing to look at).
 */
static int guard_map(struct guard *g, size_t buf_len, struct pb_span sp)
{
	size_t pg = page_size(), end = sp.off + sp.len;
	size_t shift = pg + (pg - end % pg) % pg;
	memset(g, 0, sizeof *g);
	g->res_len = (shift + buf_len + pg - 1) / pg * pg + pg;
	void *r = mmap(NULL, g->res_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return -1;
	g->res = r;
	g->zero = g->res + shift;
	g->buf_len = buf_len;
	g->span = sp;
	g->lo = g->zero + end;
	if (sp.len) {
		g->lo = (uint8_t *)((uintptr_t)(g->zero + sp.off) / pg * pg);
		if (mprotect(g->lo, (size_t)(g->zero + end - g->lo), PROT_READ | PROT_WRITE) != 0) {
			munmap(g->res, g->res_len);
			g->res = NULL;
			return -1;
		}
	}
	return 0;
}

static void guard_unmap(struct guard *g)
{
	if (g->res)
		munmap(g->res, g->res_len);
	g->res = NULL;
}

/* Whether span sp lies in the buffer and in the bytes view holds (a zero-length span anywhere). */
static int span_ok(struct pb_span sp, size_t buf_len, struct pb_view v)
{
	if (sp.len == 0)
		return 1;
	return sp.off <= buf_len && sp.len <= buf_len - sp.off && sp.off >= v.off && sp.off - v.off <= v.len &&
	       sp.len <= v.len - (sp.off - v.off);
}

static void span_fault(int kind, struct pb_span sp, size_t buf_len)
{
	struct fault f;
	memset(&f, 0, sizeof f);
	f.kind = kind;
	f.span_off = sp.off;
	f.span_len = sp.len;
	f.buf_len = buf_len;
	plugin_fault(&f);
}

static void map_fault(void)
{
	struct fault f;
	memset(&f, 0, sizeof f);
	f.kind = F_GUARD_MAP;
	plugin_fault(&f);
}

/* The kernel on copies of its spans (ctx is already the kernel's); output copied back after the checks. */
static void guarded_kernel(const struct plugin *pl, const struct pb_job *job, uint64_t b, uint64_t e,
			   struct pb_view in, struct pb_view out, struct pb_partial *part)
{
	struct guard gi = { 0 }, go = { 0 };
	struct pb_span si = { 0, 0 }, so = { 0, 0 };
	struct pb_view kin = in, kout = out;
	if (job->in_len) {
		ctx.hook = "in_span";
		pl->user->in_span(job, b, e, &si);
		ctx.hook = "kernel";
		if (si.len == 0)
			si.off = 0;
		if (!span_ok(si, job->in_len, in))
			span_fault(F_SPAN_BAD_IN, si, job->in_len);
		if (guard_map(&gi, job->in_len, si) != 0)
			map_fault();
		if (si.len) {
			memcpy(gi.zero + si.off, in.base + (si.off - in.off), si.len);
			mprotect(gi.lo, (size_t)(gi.zero + si.off + si.len - gi.lo), PROT_READ);
		}
		kin = (struct pb_view){ gi.zero + si.off, si.off, si.len };
	}
	if (job->out_len) {
		ctx.hook = "out_span";
		pl->user->out_span(job, b, e, &so);
		ctx.hook = "kernel";
		if (so.len == 0)
			so.off = 0;
		if (!span_ok(so, job->out_len, out))
			span_fault(F_SPAN_BAD_OUT, so, job->out_len);
		if (guard_map(&go, job->out_len, so) != 0)
			map_fault();
		if (so.len) {
			memset(go.lo, GUARD_CANARY, (size_t)(go.zero + so.off - go.lo));
			memset(go.zero + so.off, OUT_POISON, so.len);
		}
		kout = (struct pb_view){ go.zero + so.off, so.off, so.len };
	}
	ctx.gin = job->in_len ? &gi : NULL;
	ctx.gout = job->out_len ? &go : NULL;
	pl->user->kernel(job, b, e, kin, kout, part);
	ctx.gin = ctx.gout = NULL;
	if (job->out_len && so.len) {
		for (uint8_t *p = go.lo; p < go.zero + so.off; p++)
			if (*p != GUARD_CANARY) {
				struct fault f;
				memset(&f, 0, sizeof f);
				f.kind = F_NEAR_OUT;
				f.access = ACC_WRITE;
				f.offset = (int64_t)(p - go.zero);
				f.buf_len = job->out_len;
				f.span_off = so.off;
				f.span_len = so.len;
				plugin_fault(&f);
			}
		memcpy(out.base + (so.off - out.off), go.zero + so.off, so.len);
	}
	guard_unmap(&gi);
	guard_unmap(&go);
}

/* ---- the harness's descriptor: every hook wraps the plugin's ---- */

static const struct plugin *of(const struct pb_workload *wl)
{
	return (const struct plugin *)wl; /* wl is the first member */
}

static void wrap_kernel(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_view in, struct pb_view out,
			struct pb_partial *part)
{
	const struct plugin *pl = of(job->wl);
	const struct job_priv *jp = job->harness;
	struct call_ctx saved;
	enter(&saved, pl, "kernel", job, 1, b, e);
	if (jp && jp->spans)
		guarded_kernel(pl, job, b, e, in, out, part);
	else
		pl->user->kernel(job, b, e, in, out, part);
	leave(&saved);
}

static void wrap_in_span(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_span *sp)
{
	const struct plugin *pl = of(job->wl);
	struct call_ctx saved;
	enter(&saved, pl, "in_span", job, 1, b, e);
	pl->user->in_span(job, b, e, sp);
	leave(&saved);
}

static void wrap_out_span(const struct pb_job *job, uint64_t b, uint64_t e, struct pb_span *sp)
{
	const struct plugin *pl = of(job->wl);
	struct call_ctx saved;
	enter(&saved, pl, "out_span", job, 1, b, e);
	pl->user->out_span(job, b, e, sp);
	leave(&saved);
}

/*
 * Whether [p, p + len) lies in shared mappings (what pb_buf_alloc makes), by
 * /proc/self/maps: 1 yes, 0 no, -1 cannot tell.  A private buffer would be
 * copied on write in the shm variant's workers, and their output lost.
 */
static int is_shared(const void *p, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	uintptr_t cur = (uintptr_t)p, hi = (uintptr_t)p + len;
	int rc = 0, whole = 1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		int starts = whole;
		whole = strchr(line, '\n') != NULL; /* a long path spills into the next read */
		unsigned long a, b;
		char perms[8];
		if (!starts || sscanf(line, "%lx-%lx %7s", &a, &b, perms) != 3)
			continue;
		if (b <= cur || a > cur)
			continue; /* the lines are in address order */
		if (perms[3] != 's')
			break;
		cur = b;
		if (cur >= hi) {
			rc = 1;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* What prepare left must be usable by every variant. */
static int check_prepared(const struct plugin *pl, const struct pb_job *job, char *err, size_t errlen)
{
	if (job->n_items == 0) {
		snprintf(err, errlen, "its prepare left n_items 0 (the iteration space must have an item)");
		return -1;
	}
	if (!job->in != !job->in_len || !job->out != !job->out_len) {
		snprintf(err, errlen, "its prepare set a buffer without its length, or a length without its buffer");
		return -1;
	}
	if (job->in && !pl->user->in_span) {
		snprintf(err, errlen, "its prepare made an input buffer but the descriptor has no in_span "
				      "(the pool must know which bytes a task reads)");
		return -1;
	}
	if (job->out && !pl->user->out_span) {
		snprintf(err, errlen, "its prepare made an output buffer but the descriptor has no out_span "
				      "(the pool must know which bytes a task writes)");
		return -1;
	}
	if ((job->in && is_shared(job->in, job->in_len) == 0) || (job->out && is_shared(job->out, job->out_len) == 0)) {
		snprintf(err, errlen, "its %s buffer is not shared memory: allocate it with pb_buf_alloc "
				      "(the shm variant's workers write the output in place)",
			 job->out && is_shared(job->out, job->out_len) == 0 ? "output" : "input");
		return -1;
	}
	return 0;
}

static int wrap_prepare(struct pb_job *job, char *err, size_t errlen)
{
	const struct plugin *pl = of(job->wl);
	struct job_priv *jp = calloc(1, sizeof *jp);
	if (!jp) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	const char *chk = pb_job_param(job, "check");
	jp->spans = chk && strcmp(chk, "spans") == 0;
	job->harness = jp;
	if (pl->user->prepare) {
		struct call_ctx saved;
		enter(&saved, pl, "prepare", job, 0, 0, 0);
		int rc = pl->user->prepare(job, err, errlen);
		leave(&saved);
		if (rc != 0) {
			if (!err[0])
				snprintf(err, errlen, "its prepare failed without saying why");
			return -1;
		}
	} else {
		job->n_items = job->size;
	}
	return check_prepared(pl, job, err, errlen);
}

static void wrap_release(struct pb_job *job)
{
	const struct plugin *pl = of(job->wl);
	struct job_priv *jp = job->harness;
	if (pl->user->release) {
		struct call_ctx saved;
		enter(&saved, pl, "release", job, 0, 0, 0);
		pl->user->release(job);
		leave(&saved);
	}
	if (jp) {
		free(jp->ref_out);
		free(jp);
	}
	job->harness = NULL;
}

/* ---- consistency: the check of a plugin that has no verify ---- */

static void partial_str(const struct pb_partial *p, char *buf, size_t len)
{
	char s[48];
	pb_u128_str(p->sum, s, sizeof s);
	snprintf(buf, len, "sum %s, aux %llu, items %llu", s, (unsigned long long)p->aux, (unsigned long long)p->items);
}

static int partial_eq(const struct pb_partial *a, const struct pb_partial *b)
{
	return a->sum == b->sum && a->aux == b->aux && a->items == b->items;
}

/* The first byte where a and b differ, or len. */
static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	if (memcmp(a, b, len) == 0)
		return len;
	size_t i = 0;
	while (a[i] == b[i])
		i++;
	return i;
}

/* The uneven cut of the second reference pass: Fibonacci weights, aligned to nothing a run would use. */
static const unsigned ref_cut[] = { 1, 2, 3, 5, 8, 13, 21 };
#define REF_CUT_TOTAL 53
#define REF_CUT_N (sizeof ref_cut / sizeof ref_cut[0])

/*
 * The serial reference of a job: the kernel over [0, n) in one call, then a
 * second serial pass over REF_CUT_N uneven tasks, which must agree with it
 * bit for bit (total and output).  A run cut into any task count is thus
 * compared with a reference cut differently from every run, so a kernel
 * whose total depends on the cut cannot agree with it by sharing the cut;
 * and the two passes disagreeing says so before any run is judged.
 */
static void compute_reference(const struct pb_job *job, struct job_priv *jp)
{
	size_t olen = job->out_len;
	uint8_t *one = NULL, *cut = NULL;
	char a[112], b[112];
	jp->ref_state = -1;
	if (olen && (!(one = malloc(olen)) || !(cut = malloc(olen)))) {
		snprintf(jp->ref_err, sizeof jp->ref_err, "out of memory for the reference output (%zu bytes)", olen);
		goto out;
	}
	if (olen) {
		/* different poisons: a byte of the span that the kernel leaves unwritten differs */
		memset(one, OUT_POISON, olen);
		memset(cut, ~OUT_POISON & 0xff, olen);
	}
	struct pb_view in = { job->in, 0, job->in_len };
	struct pb_partial p1, p2, p;
	uint64_t n = job->n_items, lo = 0;
	unsigned acc = 0;
	memset(&p1, 0, sizeof p1);
	memset(&p2, 0, sizeof p2);
	in_reference = 1;
	job->wl->kernel(job, 0, n, in, (struct pb_view){ one, 0, olen }, &p1);
	for (size_t i = 0; i < REF_CUT_N; i++) {
		acc += ref_cut[i];
		uint64_t hi = (uint64_t)((pb_u128)n * acc / REF_CUT_TOTAL);
		if (hi <= lo)
			continue;
		memset(&p, 0, sizeof p);
		job->wl->kernel(job, lo, hi, in, (struct pb_view){ cut, 0, olen }, &p);
		pb_partial_add(&p2, &p);
		lo = hi;
	}
	in_reference = 0;
	if (!partial_eq(&p1, &p2)) {
		partial_str(&p1, a, sizeof a);
		partial_str(&p2, b, sizeof b);
		snprintf(jp->ref_err, sizeof jp->ref_err,
			 "the kernel's total depends on how the items are cut: [0, %llu) in one call gives %s; in %zu uneven tasks %s",
			 (unsigned long long)n, a, REF_CUT_N, b);
		goto out;
	}
	size_t d = olen ? first_diff(one, cut, olen) : 0;
	if (d < olen) {
		snprintf(jp->ref_err, sizeof jp->ref_err,
			 "the kernel's output depends on how the items are cut: byte %zu is 0x%02x after one call over "
			 "[0, %llu) and 0x%02x after %zu uneven tasks (or it leaves bytes of its out_span unwritten)",
			 d, one[d], (unsigned long long)n, cut[d], REF_CUT_N);
		goto out;
	}
	jp->ref = p1;
	jp->ref_out = one;
	one = NULL;
	jp->ref_state = 1;
out:
	free(one);
	free(cut);
}

static int consistency(const struct pb_job *job, const struct pb_partial *t, char *msg, size_t len)
{
	struct job_priv *jp = job->harness;
	char a[112], b[112];
	if (!jp) {
		snprintf(msg, len, "consistency: the job was not prepared by the harness");
		return -1;
	}
	if (jp->ref_state == 0)
		compute_reference(job, jp);
	if (jp->ref_state < 0) {
		snprintf(msg, len, "consistency: %s", jp->ref_err);
		return -1;
	}
	if (!partial_eq(t, &jp->ref)) {
		partial_str(t, a, sizeof a);
		partial_str(&jp->ref, b, sizeof b);
		snprintf(msg, len,
			 "consistency: the total (%s) differs from the serial reference (%s): the kernel's result "
			 "depends on the decomposition, the variant or the worker count",
			 a, b);
		return -1;
	}
	size_t d = job->out_len ? first_diff(job->out, jp->ref_out, job->out_len) : 0;
	if (d < job->out_len) {
		snprintf(msg, len,
			 "consistency: output byte %zu is 0x%02x, the serial reference has 0x%02x: the kernel's output "
			 "depends on the decomposition, the variant or the worker count",
			 d, job->out[d], jp->ref_out[d]);
		return -1;
	}
	return 0;
}

static int wrap_verify(const struct pb_job *job, const struct pb_partial *total, char *msg, size_t len)
{
	const struct plugin *pl = of(job->wl);
	if (!pl->user->verify)
		return consistency(job, total, msg, len);
	struct call_ctx saved;
	enter(&saved, pl, "verify", job, 0, 0, 0);
	int rc = pl->user->verify(job, total, msg, len);
	leave(&saved);
	if (rc != 0 && !msg[0])
		snprintf(msg, len, "its verify failed without saying why");
	return rc;
}

static void wrap_format(const struct pb_job *job, const struct pb_partial *total, char *buf, size_t len)
{
	const struct plugin *pl = of(job->wl);
	if (!pl->user->format_result) {
		pb_u128_str(total->sum, buf, len);
		return;
	}
	struct call_ctx saved;
	buf[0] = '\0';
	enter(&saved, pl, "format_result", job, 0, 0, 0);
	pl->user->format_result(job, total, buf, len);
	leave(&saved);
	buf[len - 1] = '\0'; /* whatever it wrote is text of at most len - 1 bytes */
}

static int wrap_finish(const struct pb_job *job, char *err, size_t errlen)
{
	const struct plugin *pl = of(job->wl);
	struct call_ctx saved;
	enter(&saved, pl, "finish", job, 0, 0, 0);
	int rc = pl->user->finish(job, err, errlen);
	leave(&saved);
	return rc;
}

/* ---- checking a descriptor ---- */

static int name_ok(const char *s, size_t max)
{
	size_t n = 0;
	if (!s || !*s)
		return 0;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9') ||
		      ((s[n] == '_' || s[n] == '-' || s[n] == '.') && n > 0)))
			return 0;
	return n < max;
}

/* Whether value is one of choices ("a|b|c"). */
static int among(const char *choices, const char *value)
{
	size_t vl = strlen(value);
	for (const char *c = choices; *c;) {
		size_t cl = strcspn(c, "|");
		if (cl == vl && strncmp(c, value, vl) == 0)
			return 1;
		c += cl + (c[cl] == '|');
	}
	return 0;
}

static int check_params(const struct pb_workload *w, char *err, size_t errlen)
{
	int n = 0;
	for (const struct pb_param_def *d = w->params; d && d->key; d++, n++) {
		if (n == PB_PLUGIN_MAX_PARAMS) {
			snprintf(err, errlen, "workload '%s' declares more than %d parameters", w->name,
				 PB_PLUGIN_MAX_PARAMS);
			return -1;
		}
		if (!name_ok(d->key, PB_PARAM_KEY_MAX) || strchr(d->key, '.')) {
			snprintf(err, errlen, "workload '%s': parameter name '%.40s' is not 1-%d letters, digits, '_' or '-'",
				 w->name, d->key, PB_PARAM_KEY_MAX - 1);
			return -1;
		}
		if (strcmp(d->key, "check") == 0) {
			snprintf(err, errlen, "workload '%s': parameter 'check' is the harness's (check=spans)", w->name);
			return -1;
		}
		for (const struct pb_param_def *e = w->params; e != d; e++)
			if (strcmp(e->key, d->key) == 0) {
				snprintf(err, errlen, "workload '%s' declares parameter '%s' twice", w->name, d->key);
				return -1;
			}
		if (!d->def || !d->def[0]) {
			snprintf(err, errlen, "workload '%s': parameter '%s' has no default (every plugin parameter needs one)",
				 w->name, d->key);
			return -1;
		}
		if (strlen(d->def) >= PB_PARAM_VAL_MAX || strpbrk(d->def, ";,")) {
			snprintf(err, errlen, "workload '%s': the default of parameter '%s' is longer than %d characters "
					      "or holds ';' or ','", w->name, d->key, PB_PARAM_VAL_MAX - 1);
			return -1;
		}
		if (d->choices && !among(d->choices, d->def)) {
			snprintf(err, errlen, "workload '%s': the default '%s' of parameter '%s' is not one of %s", w->name,
				 d->def, d->key, d->choices);
			return -1;
		}
	}
	return 0;
}

int pb_plugin_check(const struct pb_plugin *pl, char *err, size_t errlen)
{
	if (pl->magic != PB_PLUGIN_MAGIC) {
		snprintf(err, errlen, "its symbol '%s' is not a parbench plugin descriptor (define it with "
				      "PB_PLUGIN(descriptor) from parbench/workload.h)", PB_PLUGIN_SYMBOL);
		return -1;
	}
	if (pl->abi != PB_WORKLOAD_ABI) {
		snprintf(err, errlen, "it was built against workload ABI %u, this parbench loads ABI %d "
				      "(rebuild it against this parbench's parbench/workload.h)", pl->abi, PB_WORKLOAD_ABI);
		return -1;
	}
	if (pl->workload_size != sizeof(struct pb_workload) || pl->job_size != sizeof(struct pb_job)) {
		snprintf(err, errlen, "its header's structures (%u and %u bytes) differ from this parbench's (%zu and %zu) "
				      "under the same ABI %d: it was built against a modified parbench/workload.h",
			 pl->workload_size, pl->job_size, sizeof(struct pb_workload), sizeof(struct pb_job),
			 PB_WORKLOAD_ABI);
		return -1;
	}
	const struct pb_workload *w = pl->workload;
	if (!w) {
		snprintf(err, errlen, "its %s names no workload descriptor", PB_PLUGIN_SYMBOL);
		return -1;
	}
	if (!name_ok(w->name, PB_NAME_MAX)) {
		snprintf(err, errlen, "its workload name '%.64s' is not 1-%d letters, digits, '_', '-' or '.'",
			 w->name ? w->name : "(null)", PB_NAME_MAX - 1);
		return -1;
	}
	if (pb_workload_find(w->name)) {
		snprintf(err, errlen, "its workload name '%s' is a built-in workload's", w->name);
		return -1;
	}
	for (int i = 0; i < nplugins; i++)
		if (strcmp(plugins[i]->user->name, w->name) == 0) {
			snprintf(err, errlen, "its workload name '%s' is already taken by plugin '%s'", w->name,
				 plugins[i]->info.path);
			return -1;
		}
	if (!w->kernel) {
		snprintf(err, errlen, "workload '%s' has no kernel", w->name);
		return -1;
	}
	if (w->default_size == 0) {
		snprintf(err, errlen, "workload '%s' has no default_size", w->name);
		return -1;
	}
	if (w->max_size && (w->default_size > w->max_size || w->quick_size > w->max_size || w->full_size > w->max_size)) {
		snprintf(err, errlen, "workload '%s': a preset size is larger than its max_size %llu", w->name,
			 (unsigned long long)w->max_size);
		return -1;
	}
	return check_params(w, err, errlen);
}

/* ---- loading ---- */

int pb_plugin_is_path(const char *val)
{
	size_t n = strlen(val);
	return strchr(val, '/') != NULL || (n > 3 && strcmp(val + n - 3, ".so") == 0);
}

/* The file's SHA-256 and size, and whether it starts as an ELF file does; 0, or -1 with err. */
static int hash_file(const char *path, struct pb_plugin_info *info, int *elf, char *err, size_t errlen)
{
	char buf[65536];
	struct pb_sha256 s;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot load plugin: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot load plugin: not a regular file");
		close(fd);
		return -1;
	}
	pb_sha256_init(&s);
	*elf = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot load plugin: %s", strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		if (s.len == 0)
			*elf = n >= 4 && memcmp(buf, "\177ELF", 4) == 0;
		pb_sha256_update(&s, buf, (size_t)n);
	}
	close(fd);
	info->bytes = s.len;
	pb_sha256_hex(&s, info->sha256);
	return 0;
}

/* The harness's descriptor around the plugin's. */
static void build(struct plugin *p)
{
	const struct pb_workload *u = p->user;
	int n = 0;
	for (const struct pb_param_def *d = u->params; d && d->key; d++)
		p->params[n++] = *d;
	p->params[n++] = (struct pb_param_def){ "check", "", "spans",
						"debug: each task on copies of exactly its spans amid unmapped pages" };
	p->params[n] = (struct pb_param_def){ NULL, NULL, NULL, NULL };
	p->wl = (struct pb_workload){
		.name = u->name,
		.description = u->description ? u->description : "",
		.unit = u->unit ? u->unit : "items",
		.params = p->params,
		.default_size = u->default_size,
		.quick_size = u->quick_size ? u->quick_size : u->default_size,
		.full_size = u->full_size ? u->full_size : u->default_size,
		.max_size = u->max_size,
		.default_tasks = u->default_tasks,
		.extra = 0,
		.prepare = wrap_prepare,
		.kernel = wrap_kernel,
		.in_span = u->in_span ? wrap_in_span : NULL,
		.out_span = u->out_span ? wrap_out_span : NULL,
		.verify = wrap_verify,
		.format_result = wrap_format,
		.finish = u->finish ? wrap_finish : NULL,
		.release = wrap_release,
	};
	p->info.has_verify = u->verify != NULL;
}

/* dlerror's text without the file name it starts with. */
static const char *dl_why(const char *real)
{
	const char *e = dlerror();
	size_t n = strlen(real);
	if (!e)
		return "unknown error";
	if (strncmp(e, real, n) == 0 && e[n] == ':' && e[n + 1] == ' ')
		return e + n + 2;
	return e;
}

/* Check pl and make the harness's descriptor for it; NULL with err. */
static const struct pb_workload *add(const struct pb_plugin *pl, const struct pb_plugin_info *info, void *handle,
				     char *err, size_t errlen)
{
	if (pb_plugin_check(pl, err, errlen) != 0)
		return NULL;
	struct plugin *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->index = nplugins;
	p->info = *info;
	p->handle = handle;
	p->user = pl->workload;
	build(p);
	plugins[nplugins++] = p;
	return &p->wl;
}

const struct pb_workload *pb_plugin_register(const struct pb_plugin *pl, const char *label, char *err, size_t errlen)
{
	struct pb_plugin_info info;
	memset(&info, 0, sizeof info);
	snprintf(info.path, sizeof info.path, "%s", label);
	snprintf(info.real, sizeof info.real, "%s", label);
	if (nplugins == PB_MAX_PLUGINS) {
		snprintf(err, errlen, "at most %d plugins at once", PB_MAX_PLUGINS);
		return NULL;
	}
	if (setup_once(err, errlen) != 0)
		return NULL;
	return add(pl, &info, NULL, err, errlen);
}

static const struct pb_workload *load(const char *path, const char *expect, char *err, size_t errlen)
{
	struct pb_plugin_info info;
	int elf;
	memset(&info, 0, sizeof info);
	if (strlen(path) >= sizeof info.path) {
		snprintf(err, errlen, "cannot load plugin: the path is too long");
		return NULL;
	}
	snprintf(info.path, sizeof info.path, "%s", path);
	if (!realpath(path, info.real)) {
		snprintf(err, errlen, "cannot load plugin: %s", strerror(errno));
		return NULL;
	}
	if (hash_file(info.real, &info, &elf, err, errlen) != 0)
		return NULL;
	if (expect && strcmp(expect, info.sha256) != 0) {
		snprintf(err, errlen, "its SHA-256 is %s, not %.64s: the file is not the plugin the run measured",
			 info.sha256, expect);
		return NULL;
	}
	for (int i = 0; i < nplugins; i++)
		if (strcmp(plugins[i]->info.real, info.real) == 0 && strcmp(plugins[i]->info.sha256, info.sha256) == 0)
			return &plugins[i]->wl;
	if (!elf) {
		snprintf(err, errlen, "cannot load plugin: not a shared object (no ELF header)");
		return NULL;
	}
	if (nplugins == PB_MAX_PLUGINS) {
		snprintf(err, errlen, "cannot load plugin: at most %d plugins at once", PB_MAX_PLUGINS);
		return NULL;
	}
	if (setup_once(err, errlen) != 0)
		return NULL;
	/* RTLD_NOW: a missing symbol is an error here, not a crash in the middle of a run. */
	void *h = dlopen(info.real, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "cannot load plugin: %s", dl_why(info.real));
		return NULL;
	}
	const struct pb_plugin *pl = dlsym(h, PB_PLUGIN_SYMBOL);
	if (!pl) {
		snprintf(err, errlen, "not a parbench plugin: it exports no symbol '%s' (define it with "
				      "PB_PLUGIN(descriptor) from parbench/workload.h)", PB_PLUGIN_SYMBOL);
		dlclose(h);
		return NULL;
	}
	const struct pb_workload *w = add(pl, &info, h, err, errlen);
	if (!w)
		dlclose(h);
	return w;
}

const struct pb_workload *pb_plugin_load(const char *path, char *err, size_t errlen)
{
	return load(path, NULL, err, errlen);
}

const struct pb_workload *pb_plugin_load_expect(const char *path, const char *sha256_hex, char *err, size_t errlen)
{
	return load(path, sha256_hex, err, errlen);
}

/* ---- what the rest of the harness asks ---- */

static const struct plugin *find(const struct pb_workload *wl)
{
	for (int i = 0; wl && i < nplugins; i++)
		if (&plugins[i]->wl == wl)
			return plugins[i];
	return NULL;
}

const struct pb_plugin_info *pb_plugin_info(const struct pb_workload *wl)
{
	const struct plugin *p = find(wl);
	return p ? &p->info : NULL;
}

const char *pb_plugin_path_of(const char *name)
{
	for (int i = 0; i < nplugins; i++)
		if (strcmp(plugins[i]->wl.name, name) == 0)
			return plugins[i]->info.real;
	return NULL;
}

const char *pb_workload_check(const struct pb_workload *wl)
{
	const struct plugin *p = find(wl);
	return p && !p->info.has_verify ? "consistency" : "reference";
}

static json_t *plugin_json(const struct plugin *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(p->user->name));
	json_object_set_new(o, "path", json_string(p->info.path));
	json_object_set_new(o, "realpath", json_string(p->info.real));
	json_object_set_new(o, "sha256", json_string(p->info.sha256));
	json_object_set_new(o, "bytes", json_integer((json_int_t)p->info.bytes));
	json_object_set_new(o, "abi", json_integer(PB_WORKLOAD_ABI));
	json_object_set_new(o, "check", json_string(p->info.has_verify ? "reference" : "consistency"));
	return o;
}

json_t *pb_plugins_json(void)
{
	if (!nplugins)
		return NULL;
	json_t *a = json_array();
	for (int i = 0; i < nplugins; i++)
		json_array_append_new(a, plugin_json(plugins[i]));
	return a;
}

/* The entry of meta's "plugins" named name, or NULL. */
static json_t *meta_entry(const json_t *meta, const char *name)
{
	json_t *a = json_object_get(meta, "plugins");
	for (size_t i = 0; json_is_array(a) && i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i);
		const char *n = json_string_value(json_object_get(e, "name"));
		if (n && strcmp(n, name) == 0)
			return e;
	}
	return NULL;
}

int pb_plugins_check_meta(const json_t *meta, char *err, size_t errlen)
{
	for (int i = 0; i < nplugins; i++) {
		json_t *e = meta_entry(meta, plugins[i]->user->name);
		const char *h = e ? json_string_value(json_object_get(e, "sha256")) : NULL;
		if (e && (!h || strcmp(h, plugins[i]->info.sha256) != 0)) {
			snprintf(err, errlen, "the run has plugin '%s' with SHA-256 %.64s; '%s' is %s (one run, one kernel "
					      "per name: start a new run)", plugins[i]->user->name, h ? h : "(none)",
				 plugins[i]->info.path, plugins[i]->info.sha256);
			return -1;
		}
	}
	return 0;
}

void pb_plugins_merge_meta(json_t *meta)
{
	json_t *a = json_object_get(meta, "plugins");
	for (int i = 0; i < nplugins; i++) {
		if (meta_entry(meta, plugins[i]->user->name))
			continue;
		if (!json_is_array(a)) {
			a = json_array();
			json_object_set_new(meta, "plugins", a);
		}
		json_array_append_new(a, plugin_json(plugins[i]));
	}
}

void pb_plugin_run_begin(const struct pb_workload *wl, uint64_t ntasks, const char *label)
{
	if (!find(wl))
		return;
	snprintf(run_label, sizeof run_label, "%s", label);
	if (rec) {
		rec->ntasks = ntasks;
		memset(&rec->f, 0, sizeof rec->f);
		atomic_store(&rec->state, 0);
	}
}

int pb_plugin_failure_note(const struct pb_workload *wl, char *buf, size_t len)
{
	const struct plugin *p = find(wl);
	if (!p || len == 0)
		return -1;
	struct abuf b = { buf, 0, len };
	buf[0] = '\0';
	ab_plugin(&b, p);
	if (rec && atomic_load(&rec->state) == 2 && rec->f.plugin == p->index) {
		ab_str(&b, ": ");
		fault_text(&b, &rec->f);
	}
	return 0;
}
