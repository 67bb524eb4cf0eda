/* mech_sync.c: synchronisation primitives, uncontended and contended: locks, semaphores, condition, barriers, atomics. */
#include "mech.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Every contender (an endpoint: thread or process) runs `ops` operations on
 * one primitive in shared memory (process-shared attributes for process
 * contenders).  Locks protect a plain counter that each operation
 * increments, so after a batch it must equal contenders x operations (x the
 * write share, for the rwlock): a lock that lets two in at once loses
 * increments and fails the case.  verify checks that in parbench, between
 * batches, and resets the counter.  Barriers check that nobody passes early:
 * after barrier i a contender's neighbour must have arrived at i.
 * Condition ping-pong: two contenders hand a turn back and forth; no one
 * waits unless it is the other's turn, and the other always takes it, so
 * no deadlock.
 */

struct barrier_gen {
	uint32_t count, gen, sleepers;
};

/* What every primitive's shared block holds (only the mechanism's fields are used). */
struct sync_shared {
	uint64_t counter __attribute__((aligned(128))); /* protected by the lock: plain increments */
	pthread_mutex_t mutex __attribute__((aligned(128)));
	pthread_spinlock_t spin;
	pthread_rwlock_t rw;
	sem_t sem;
	pthread_barrier_t barrier;
	struct barrier_gen sense __attribute__((aligned(128)));
	unsigned char slots[] __attribute__((aligned(128))); /* per contender: arrivals, counters, condition pairs */
};

#define SLOT 128 /* bytes between two contenders' slots: two cache lines, no false sharing */

struct cond_pair {
	pthread_mutex_t m;
	pthread_cond_t cv;
	int turn; /* 0: the even endpoint's turn, 1: the odd one's */
};

/* A contender's own slot, or (atomic) its counter at the case's stride. */
static void *slot(struct pb_mech_ctx *x, int ep)
{
	return ((struct sync_shared *)x->shared)->slots + (size_t)ep * SLOT;
}

static int pshared(const struct pb_mech_ctx *x)
{
	return x->c->kind == PB_EP_PROCESS ? PTHREAD_PROCESS_SHARED : PTHREAD_PROCESS_PRIVATE;
}

static size_t sync_shared_size(const struct pb_mech_case *c)
{
	size_t per = SLOT > sizeof(struct cond_pair) ? SLOT : sizeof(struct cond_pair);
	return sizeof(struct sync_shared) + (size_t)(c->nep + 1) * per;
}

/* After a batch: the protected counter against the expected increments, then reset for the next one. */
static int check_counter(struct pb_mech_ctx *x, uint64_t want, const char *what, char *msg, size_t len)
{
	struct sync_shared *s = x->shared;
	uint64_t got = s->counter;
	s->counter = 0;
	if (got == want)
		return 0;
	snprintf(msg, len, "the %s counter is %llu after %llu increments: the lock let contenders in together", what,
		 (unsigned long long)got, (unsigned long long)want);
	return -1;
}

static int verify_lock(struct pb_mech_ctx *x, uint64_t ops, const struct pb_mech_out *outs, char *msg, size_t len)
{
	(void)outs;
	return check_counter(x, ops * (uint64_t)x->c->nep, "protected", msg, len);
}

/* ---- mutex and spinlock ---- */

static int mutex_setup(struct pb_mech_ctx *x, char *err, size_t len)
{
	struct sync_shared *s = x->shared;
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, pshared(x));
	/* spin-then-block is glibc's adaptive mutex: it spins a while on a held lock before it sleeps */
	pthread_mutexattr_settype(&a, x->c->wait == PB_MWAIT_HYBRID ? PTHREAD_MUTEX_ADAPTIVE_NP : PTHREAD_MUTEX_NORMAL);
	int rc = pthread_mutex_init(&s->mutex, &a);
	pthread_mutexattr_destroy(&a);
	if (rc)
		snprintf(err, len, "pthread_mutex_init: %s", strerror(rc));
	return rc ? -1 : 0;
}

static void mutex_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	(void)ep;
	struct sync_shared *s = x->shared;
	for (uint64_t i = 0; i < ops; i++) {
		pthread_mutex_lock(&s->mutex);
		s->counter++;
		pthread_mutex_unlock(&s->mutex);
		if ((i & 1023) == 1023)
			pb_mech_seen(out);
	}
	out->done = ops;
}

static void mutex_teardown(struct pb_mech_ctx *x)
{
	pthread_mutex_destroy(&((struct sync_shared *)x->shared)->mutex);
}

static int spin_setup(struct pb_mech_ctx *x, char *err, size_t len)
{
	int rc = pthread_spin_init(&((struct sync_shared *)x->shared)->spin, pshared(x));
	if (rc)
		snprintf(err, len, "pthread_spin_init: %s", strerror(rc));
	return rc ? -1 : 0;
}

static void spin_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	(void)ep;
	struct sync_shared *s = x->shared;
	for (uint64_t i = 0; i < ops; i++) {
		pthread_spin_lock(&s->spin);
		s->counter++;
		pthread_spin_unlock(&s->spin);
		if ((i & 1023) == 1023)
			pb_mech_seen(out);
	}
	out->done = ops;
}

static void spin_teardown(struct pb_mech_ctx *x)
{
	pthread_spin_destroy(&((struct sync_shared *)x->shared)->spin);
}

/* ---- rwlock: read-mostly (1 write in 10) or write-heavy (1 in 2) ---- */

static uint64_t write_every(const struct pb_mech_ctx *x)
{
	const char *mix = pb_mech_param(x->c, "mix");
	return mix && strcmp(mix, "write-heavy") == 0 ? 2 : 10;
}

static int rw_setup(struct pb_mech_ctx *x, char *err, size_t len)
{
	pthread_rwlockattr_t a;
	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setpshared(&a, pshared(x));
	int rc = pthread_rwlock_init(&((struct sync_shared *)x->shared)->rw, &a);
	pthread_rwlockattr_destroy(&a);
	if (rc)
		snprintf(err, len, "pthread_rwlock_init: %s", strerror(rc));
	return rc ? -1 : 0;
}

static void rw_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	(void)ep;
	struct sync_shared *s = x->shared;
	uint64_t every = write_every(x), last = 0;
	for (uint64_t i = 0; i < ops; i++) {
		if (i % every == 0) {
			pthread_rwlock_wrlock(&s->rw);
			s->counter++;
			pthread_rwlock_unlock(&s->rw);
		} else {
			pthread_rwlock_rdlock(&s->rw);
			uint64_t v = s->counter;
			pthread_rwlock_unlock(&s->rw);
			/* writers only add: a reader that sees the counter go back saw a torn or unprotected write */
			if (v < last && !out->bad++) {
				out->first_bad = i;
				pb_mech_fail(out, 0, "operation %llu read %llu after %llu", (unsigned long long)i,
					     (unsigned long long)v, (unsigned long long)last);
			}
			last = v;
		}
		if ((i & 1023) == 1023)
			pb_mech_seen(out);
	}
	out->done = ops;
}

static int rw_verify(struct pb_mech_ctx *x, uint64_t ops, const struct pb_mech_out *outs, char *msg, size_t len)
{
	(void)outs;
	uint64_t every = write_every(x);
	return check_counter(x, (ops + every - 1) / every * (uint64_t)x->c->nep, "written", msg, len);
}

static void rw_teardown(struct pb_mech_ctx *x)
{
	pthread_rwlock_destroy(&((struct sync_shared *)x->shared)->rw);
}

/* ---- semaphores, unnamed (in shared memory) and named, used as a lock ---- */

/* The named semaphore each endpoint opened for itself (priv: one pointer per endpoint, and parbench's). */
struct named_sem {
	char name[64];
	int named;      /* the name exists */
	sem_t *mine;    /* parbench's, from setup */
	sem_t *ep[];
};

static sem_t *sem_of(struct pb_mech_ctx *x, int ep)
{
	return x->priv ? ((struct named_sem *)x->priv)->ep[ep] : &((struct sync_shared *)x->shared)->sem;
}

static int sem_setup(struct pb_mech_ctx *x, char *err, size_t len)
{
	if (sem_init(&((struct sync_shared *)x->shared)->sem, x->c->kind == PB_EP_PROCESS, 1) != 0) {
		snprintf(err, len, "sem_init: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void sem_teardown(struct pb_mech_ctx *x)
{
	sem_destroy(&((struct sync_shared *)x->shared)->sem);
}

static int named_setup(struct pb_mech_ctx *x, char *err, size_t len)
{
	struct named_sem *n = calloc(1, sizeof *n + (size_t)x->c->nep * sizeof(sem_t *));
	if (!n) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	pb_mech_name(n->name, sizeof n->name, x, "/", "");
	n->mine = sem_open(n->name, O_CREAT | O_EXCL, 0600, 1);
	if (n->mine == SEM_FAILED) {
		snprintf(err, len, "sem_open '%s': %s", n->name, strerror(errno));
		free(n);
		return -1;
	}
	n->named = 1;
	x->priv = n;
	return 0;
}

/* Each endpoint opens the semaphore by its name, as unrelated processes would. */
static int named_attach(struct pb_mech_ctx *x, int ep, char *err, size_t len)
{
	struct named_sem *n = x->priv;
	n->ep[ep] = sem_open(n->name, 0);
	if (n->ep[ep] == SEM_FAILED) {
		n->ep[ep] = NULL;
		snprintf(err, len, "sem_open '%s': %s", n->name, strerror(errno));
		return -1;
	}
	return 0;
}

static void named_ready(struct pb_mech_ctx *x, int processes)
{
	(void)processes;
	struct named_sem *n = x->priv;
	sem_unlink(n->name);
	n->named = 0;
}

static void named_detach(struct pb_mech_ctx *x, int ep)
{
	struct named_sem *n = x->priv;
	if (n->ep[ep])
		sem_close(n->ep[ep]); /* threads share parbench's mapping: each open counts, each close gives one back */
	n->ep[ep] = NULL;
}

static void named_teardown(struct pb_mech_ctx *x)
{
	struct named_sem *n = x->priv;
	if (n->named)
		sem_unlink(n->name);
	sem_close(n->mine);
	free(n);
	x->priv = NULL;
}

/* Take the semaphore under the case's waiting policy: trywait in a loop (spin), for a while (hybrid), or wait. */
static void sem_take(sem_t *s, enum pb_mwait w)
{
	if (w != PB_MWAIT_BLOCK) {
		uint64_t t0 = 0;
		for (unsigned n = 1;; n++) {
			if (sem_trywait(s) == 0)
				return;
			pb_cpu_relax();
			if (w == PB_MWAIT_HYBRID && (n & 63) == 0) {
				uint64_t t = pb_mech_now_ns();
				if (!t0)
					t0 = t;
				else if (t - t0 >= PB_MECH_SPIN_NS)
					break;
			}
		}
	}
	while (sem_wait(s) != 0 && errno == EINTR)
		;
}

static void sem_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	struct sync_shared *s = x->shared;
	sem_t *sem = sem_of(x, ep);
	for (uint64_t i = 0; i < ops; i++) {
		sem_take(sem, x->c->wait);
		s->counter++;
		sem_post(sem);
		if ((i & 1023) == 1023)
			pb_mech_seen(out);
	}
	out->done = ops;
}

/* ---- condition-variable ping-pong ---- */

static struct cond_pair *pair_of(struct pb_mech_ctx *x, int ep)
{
	return (struct cond_pair *)slot(x, ep - ep % 2);
}

static int cond_setup(struct pb_mech_ctx *x, char *err, size_t len)
{
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	pthread_mutexattr_init(&ma);
	pthread_condattr_init(&ca);
	pthread_mutexattr_setpshared(&ma, pshared(x));
	pthread_condattr_setpshared(&ca, pshared(x));
	int rc = 0;
	for (int ep = 0; ep < x->c->nep && !rc; ep += 2) {
		struct cond_pair *p = pair_of(x, ep);
		rc = pthread_mutex_init(&p->m, &ma);
		if (!rc)
			rc = pthread_cond_init(&p->cv, &ca);
	}
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_destroy(&ca);
	if (rc)
		snprintf(err, len, "pthread_cond_init: %s", strerror(rc));
	return rc ? -1 : 0;
}

static void cond_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	struct cond_pair *p = pair_of(x, ep);
	int me = ep % 2;
	for (uint64_t i = 0; i < ops; i++) {
		pthread_mutex_lock(&p->m);
		while (p->turn != me)
			pthread_cond_wait(&p->cv, &p->m);
		p->turn = !me;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->m);
		if ((i & 1023) == 1023)
			pb_mech_seen(out);
	}
	out->done = ops;
}

static void cond_teardown(struct pb_mech_ctx *x)
{
	for (int ep = 0; ep < x->c->nep; ep += 2) {
		struct cond_pair *p = pair_of(x, ep);
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->m);
	}
}

/* ---- barriers: pthread's, and a sense-reversing one ---- */

/* After barrier number k (1-based, counted over the case), the neighbour must have reached k as well. */
static void arrived(struct pb_mech_ctx *x, int ep, uint64_t k)
{
	__atomic_store_n((uint64_t *)slot(x, ep), k, __ATOMIC_RELEASE);
}

static void check_passed(struct pb_mech_ctx *x, int ep, uint64_t k, uint64_t i, struct pb_mech_out *out)
{
	int nb = (ep + 1) % x->c->nep;
	uint64_t theirs = __atomic_load_n((uint64_t *)slot(x, nb), __ATOMIC_ACQUIRE);
	if (theirs < k && !out->bad++) {
		out->first_bad = i;
		pb_mech_fail(out, 0, "barrier %llu let contender %d pass before contender %d arrived",
			     (unsigned long long)i, ep, nb);
	}
}

static int pbar_setup(struct pb_mech_ctx *x, char *err, size_t len)
{
	pthread_barrierattr_t a;
	pthread_barrierattr_init(&a);
	pthread_barrierattr_setpshared(&a, pshared(x));
	int rc = pthread_barrier_init(&((struct sync_shared *)x->shared)->barrier, &a, (unsigned)x->c->nep);
	pthread_barrierattr_destroy(&a);
	if (rc)
		snprintf(err, len, "pthread_barrier_init: %s", strerror(rc));
	return rc ? -1 : 0;
}

/* The number of barriers this contender passed before this batch (kept in its slot's second word). */
static uint64_t *passed(struct pb_mech_ctx *x, int ep)
{
	return (uint64_t *)slot(x, ep) + 1;
}

static void pbar_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	struct sync_shared *s = x->shared;
	uint64_t base = *passed(x, ep);
	for (uint64_t i = 0; i < ops; i++) {
		arrived(x, ep, base + i + 1);
		pthread_barrier_wait(&s->barrier);
		check_passed(x, ep, base + i + 1, i, out);
		if ((i & 1023) == 1023)
			pb_mech_seen(out);
	}
	*passed(x, ep) = base + ops;
	out->done = ops;
}

static void pbar_teardown(struct pb_mech_ctx *x)
{
	pthread_barrier_destroy(&((struct sync_shared *)x->shared)->barrier);
}

/*
 * Sense reversal with a generation counter (its low bit is the sense): a
 * contender reads the generation, arrives; the last to arrive resets the
 * count and advances the generation, which releases the others.  The count
 * is reset before the release, so the next barrier starts clean.
 */
static void sense_wait(struct barrier_gen *b, uint32_t n, enum pb_mwait w)
{
	uint32_t g = __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE);
	if (__atomic_add_fetch(&b->count, 1, __ATOMIC_ACQ_REL) == n) {
		__atomic_store_n(&b->count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->gen, g + 1, __ATOMIC_SEQ_CST);
		pb_word_wake(&b->gen, &b->sleepers);
		return;
	}
	pb_word_wait(&b->gen, g, &b->sleepers, w);
}

static void sense_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	struct sync_shared *s = x->shared;
	uint64_t base = *passed(x, ep);
	for (uint64_t i = 0; i < ops; i++) {
		arrived(x, ep, base + i + 1);
		sense_wait(&s->sense, (uint32_t)x->c->nep, x->c->wait);
		check_passed(x, ep, base + i + 1, i, out);
		if ((i & 1023) == 1023)
			pb_mech_seen(out);
	}
	*passed(x, ep) = base + ops;
	out->done = ops;
}

/* ---- atomic increments: one shared counter, or one per contender `stride` bytes apart ---- */

static size_t stride_of(const struct pb_mech_ctx *x)
{
	const char *s = pb_mech_param(x->c, "stride");
	return s ? (size_t)strtoul(s, NULL, 10) : 0;
}

static uint64_t *counter_of(struct pb_mech_ctx *x, int ep)
{
	return (uint64_t *)(((struct sync_shared *)x->shared)->slots + (size_t)ep * stride_of(x));
}

static void atomic_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	uint64_t *c = counter_of(x, ep);
	for (uint64_t i = 0; i < ops; i++) {
		__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
		if ((i & 65535) == 65535)
			pb_mech_seen(out);
	}
	out->done = ops;
}

static int atomic_verify(struct pb_mech_ctx *x, uint64_t ops, const struct pb_mech_out *outs, char *msg, size_t len)
{
	(void)outs;
	size_t stride = stride_of(x);
	uint64_t sum = 0;
	for (int ep = 0; ep < (stride ? x->c->nep : 1); ep++) {
		sum += __atomic_load_n(counter_of(x, ep), __ATOMIC_ACQUIRE);
		__atomic_store_n(counter_of(x, ep), 0, __ATOMIC_RELAXED);
	}
	if (sum == ops * (uint64_t)x->c->nep)
		return 0;
	snprintf(msg, len, "the counters add up to %llu after %llu increments", (unsigned long long)sum,
		 (unsigned long long)(ops * (uint64_t)x->c->nep));
	return -1;
}

static int stride_check(const struct pb_mech_case *c, char *err, size_t len)
{
	const char *s = pb_mech_param(c, "stride");
	if (s && strcmp(s, "0") && strcmp(s, "8") && strcmp(s, "64") && strcmp(s, "128")) {
		snprintf(err, len, "stride '%s' is not one of 0, 8, 64, 128", s);
		return -1;
	}
	return 0;
}

static size_t atomic_shared_size(const struct pb_mech_case *c)
{
	return sizeof(struct sync_shared) + (size_t)(c->nep + 1) * 128;
}

/* ---- the descriptors ---- */

static const struct pb_param_def rw_params[] = {
	{ "mix", "read-mostly,write-heavy", "read-mostly|write-heavy", "read-mostly: 1 write in 10 operations; write-heavy: 1 in 2" },
	{ NULL, NULL, NULL, NULL },
};

static const struct pb_param_def atomic_params[] = {
	{ "stride", "0,8,64,128", "0|8|64|128",
	  "bytes between the contenders' counters; 0: one shared counter, 8: one cache line (false sharing)" },
	{ NULL, NULL, NULL, NULL },
};

#define BOTH (PB_BIT(PB_EP_PROCESS) | PB_BIT(PB_EP_THREAD))
#define THREAD PB_BIT(PB_EP_THREAD)
#define PROCESS PB_BIT(PB_EP_PROCESS)
#define BLOCK PB_BIT(PB_MWAIT_BLOCK)
#define SPIN PB_BIT(PB_MWAIT_SPIN)
#define HYBRID PB_BIT(PB_MWAIT_HYBRID)
#define ALL_PLACES ((1u << PB_NPLACES) - 1)

#define SYNC(nm, desc, dkinds, waits_, dwaits_, gsize, params_, check_, shared_, setup_, attach_, ready_, run_,      \
	     verify_, detach_, teardown_)                                                                           \
	{ .family = "sync", .name = nm, .description = desc, .kinds = BOTH, .default_kinds = dkinds,             \
	  .waits = waits_, .default_waits = dwaits_, .modes = 0, .places = ALL_PLACES, .sized = 0,                \
	  .group_size = gsize, .place_group = 0, .max_groups = 256, .default_groups = (gsize) > 1 ? 1 : 0,        \
	  .params = params_, .check = check_, .shared_size = shared_, .setup = setup_, .attach = attach_,         \
	  .ready = ready_, .run = run_, .verify = verify_, .detach = detach_, .teardown = teardown_ }

static const struct pb_mech sync_mechs[] = {
	SYNC("mutex", "pthread mutex around a counter increment (process contenders: process-shared, in shared memory)",
	     BOTH, BLOCK | HYBRID, BLOCK, 1, NULL, NULL, sync_shared_size, mutex_setup, NULL, NULL, mutex_run,
	     verify_lock, NULL, mutex_teardown),
	SYNC("spinlock", "pthread spinlock around a counter increment", THREAD, SPIN, SPIN, 1, NULL, NULL,
	     sync_shared_size, spin_setup, NULL, NULL, spin_run, verify_lock, NULL, spin_teardown),
	SYNC("rwlock", "pthread rwlock: readers read the counter, writers increment it", THREAD, BLOCK, BLOCK, 1,
	     rw_params, NULL, sync_shared_size, rw_setup, NULL, NULL, rw_run, rw_verify, NULL, rw_teardown),
	SYNC("sem", "an unnamed POSIX semaphore in shared memory, used as a lock", PROCESS, BLOCK | SPIN | HYBRID, BLOCK,
	     1, NULL, NULL, sync_shared_size, sem_setup, NULL, NULL, sem_run, verify_lock, NULL, sem_teardown),
	SYNC("sem-named", "a named POSIX semaphore (sem_open by every contender), used as a lock", PROCESS,
	     BLOCK | SPIN | HYBRID, BLOCK, 1, NULL, NULL, sync_shared_size, named_setup, named_attach, named_ready,
	     sem_run, verify_lock, named_detach, named_teardown),
	SYNC("cond", "condition-variable ping-pong: a pair hands a turn back and forth (one operation: there and back)",
	     THREAD, BLOCK, BLOCK, 2, NULL, NULL, sync_shared_size, cond_setup, NULL, NULL, cond_run, NULL, NULL,
	     cond_teardown),
	SYNC("barrier", "pthread barrier of every contender", THREAD, BLOCK, BLOCK, 1, NULL, NULL, sync_shared_size,
	     pbar_setup, NULL, NULL, pbar_run, NULL, NULL, pbar_teardown),
	SYNC("barrier-sense", "a sense-reversing barrier (one counter, a generation word)", THREAD, SPIN | HYBRID,
	     SPIN | HYBRID, 1, NULL, NULL, sync_shared_size, NULL, NULL, NULL, sense_run, NULL, NULL, NULL),
	SYNC("atomic", "atomic increments: one shared counter, or per-contender counters stride bytes apart", THREAD,
	     PB_BIT(PB_MWAIT_NONE), PB_BIT(PB_MWAIT_NONE), 1, atomic_params, stride_check, atomic_shared_size, NULL, NULL,
	     NULL, atomic_run, atomic_verify, NULL, NULL),
};

const struct pb_mech *const pb_mechs_sync[] = {
	&sync_mechs[0], &sync_mechs[1], &sync_mechs[2], &sync_mechs[3], &sync_mechs[4],
	&sync_mechs[5], &sync_mechs[6], &sync_mechs[7], &sync_mechs[8], NULL,
};
