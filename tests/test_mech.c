/* test_mech.c: mechanisms: message patterns, placement on made-up machines, the plan's rules, every mechanism run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "../harness/mech_place.h"
#include "../harness/mech_plan.h"
#include "../harness/mech_team.h"
#include "../harness/proc.h"

/* ---- message patterns ---- */

static void test_patterns(void **state)
{
	(void)state;
	static unsigned char buf[1 << 20];
	const size_t lens[] = { 1, 2, 7, 8, 9, 15, 16, 63, 64, 65, 4096, 65537, sizeof buf };
	for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		size_t len = lens[k];
		uint64_t seed = pb_msg_seed(3, k, 0);
		pb_msg_fill(buf, len, seed);
		if (pb_msg_check(buf, len, seed) != 0)
			fail_msg("len %zu: an intact message fails its check", len);
		/* another message (the next, the reply, the next batch) must not pass for this one */
		if (len >= 8 && (pb_msg_check(buf, len, pb_msg_seed(3, k + 1, 0)) == 0 ||
				 pb_msg_check(buf, len, pb_msg_seed(3, k, 1)) == 0 ||
				 pb_msg_check(buf, len, pb_msg_seed(4, k, 0)) == 0))
			fail_msg("len %zu: another message's pattern passes", len);
		/* a flipped byte is found, at its offset */
		size_t at = len / 2;
		buf[at] ^= 0x10;
		size_t got = pb_msg_check(buf, len, seed);
		if (got != at + 1)
			fail_msg("len %zu: byte %zu flipped, check says %zu (want %zu)", len, at, got, at + 1);
	}
	/* an eventfd carries the first word as its counter: never 0, never 2^64-1 */
	for (uint64_t i = 0; i < 100000; i++) {
		uint64_t s = pb_msg_seed(i / 7, i, (int)(i & 1));
		assert_true(s != 0 && s < (UINT64_C(1) << 63));
	}
}

static void test_parse_bytes(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int rc;
		uint64_t want;
	} t[] = {
		{ "1", 0, 1 },           { "64", 0, 64 },       { "4K", 0, 4096 },       { "4KiB", 0, 4096 },
		{ "1M", 0, 1 << 20 },    { "64M", 0, 64 << 20 }, { "2^20", 0, 1 << 20 }, { "1G", 0, UINT64_C(1) << 30 },
		{ "0", 0, 0 },           { "", -1, 0 },         { "-1", -1, 0 },         { "1.5K", -1, 0 },
		{ "3^4", -1, 0 },        { "12Q", -1, 0 },      { "99999999999999999999", -1, 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint64_t v = 0;
		int rc = pb_mech_parse_bytes(t[i].in, &v);
		if (rc != t[i].rc || (rc == 0 && v != t[i].want))
			fail_msg("'%s': got rc %d value %llu, want rc %d value %llu", t[i].in, rc, (unsigned long long)v,
				 t[i].rc, (unsigned long long)t[i].want);
	}
}

/* ---- placement on made-up machines ---- */

/* pkgs x cores x pus, CPUs numbered package, then core, then PU; allowed: the first nallowed (0: all). */
static void fake(struct pb_mech_topo *t, int pkgs, int cores, int pus, int nallowed)
{
	memset(t, 0, sizeof *t);
	t->ncpus = pkgs * cores * pus;
	for (int c = 0; c < t->ncpus; c++) {
		t->core[c] = c / pus;
		t->package[c] = c / (cores * pus);
		if (!nallowed || c < nallowed)
			t->allowed[t->nallowed++] = c;
	}
}

static void format_sets(const struct pb_cpuset *s, int n, char *buf, size_t len)
{
	size_t p = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && p + 1 < len; i++) {
		if (i)
			buf[p++] = ' ';
		p += pb_cpuset_format(&s[i], buf + p, len - p);
	}
}

static void test_place_plan(void **state)
{
	(void)state;
	static const struct {
		int pkgs, cores, pus, allowed;
		enum pb_place p;
		int nep, group;
		const char *want; /* CPUs per endpoint, or "error: <substring>" */
	} t[] = {
		/* this machine's shape: 2 cores, no SMT */
		{ 1, 2, 1, 0, PB_PLACE_FREE, 2, 2, " " },
		{ 1, 2, 1, 0, PB_PLACE_SAME_CPU, 2, 2, "0 0" },
		{ 1, 2, 1, 0, PB_PLACE_OTHER_CORE, 2, 2, "0 1" },
		{ 1, 2, 1, 0, PB_PLACE_SAME_CORE, 2, 2, "error: no SMT" },
		{ 1, 2, 1, 0, PB_PLACE_OTHER_PACKAGE, 2, 2, "error: needs 2 packages" },
		/* taskset -c 0: other-core is impossible */
		{ 1, 2, 1, 1, PB_PLACE_OTHER_CORE, 2, 2, "error: needs 2 cores in one package; CPUs 0 have 1" },
		{ 1, 2, 1, 1, PB_PLACE_SAME_CPU, 4, 2, "0 0 0 0" },
		/* two packages of 2 cores with 2 PUs: CPU = 4 pkg + 2 core + pu */
		{ 2, 2, 2, 0, PB_PLACE_SAME_CORE, 4, 2, "0 1 2 3" },
		{ 2, 2, 2, 0, PB_PLACE_OTHER_CORE, 4, 2, "0 2 0 2" },
		{ 2, 2, 2, 0, PB_PLACE_OTHER_PACKAGE, 4, 2, "0 4 2 6" },
		{ 2, 2, 2, 0, PB_PLACE_SAME_CPU, 6, 2, "0 0 1 1 2 2" },
		/* contenders: one group of all of them */
		{ 2, 2, 2, 0, PB_PLACE_OTHER_CORE, 2, 0, "0 2" },
		{ 2, 2, 2, 0, PB_PLACE_OTHER_CORE, 3, 0, "error: needs 3 cores in one package" },
		{ 2, 2, 2, 0, PB_PLACE_SAME_CPU, 3, 0, "0 0 0" },
		/* spawn creators: groups of one */
		{ 1, 2, 1, 0, PB_PLACE_SAME_CPU, 2, 1, "0 1" },
	};
	static struct pb_mech_topo topo;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct pb_cpuset sets[8];
		char got[320], err[256] = "";
		fake(&topo, t[i].pkgs, t[i].cores, t[i].pus, t[i].allowed);
		int rc = pb_mech_place_plan(&topo, t[i].p, t[i].nep, t[i].group, sets, err, sizeof err);
		if (rc == 0)
			format_sets(sets, t[i].nep, got, sizeof got);
		else
			snprintf(got, sizeof got, "error: %s", err);
		int ok = strncmp(t[i].want, "error: ", 7) == 0 ? rc != 0 && strstr(got, t[i].want + 7) != NULL
							  : rc == 0 && strcmp(got, t[i].want) == 0;
		if (!ok)
			fail_msg("case %zu (%s, %d endpoints, groups of %d): want '%s', got '%s'", i, pb_place_name(t[i].p),
				 t[i].nep, t[i].group, t[i].want, got);
	}
}

static void test_place_seen(void **state)
{
	(void)state;
	static const struct {
		const char *cpus; /* per endpoint, ';' between; a CPU list each */
		int group;
		const char *want;
	} t[] = {
		{ "0;0", 2, "same-cpu" },        { "0;1", 2, "same-core" },      { "0;2", 2, "other-core" },
		{ "0;4", 2, "other-package" },   { "0,2;2", 2, "migrated" },     { "0;0;0;2", 2, "mixed" },
		{ "0;2;4;6", 2, "other-core" },       { "0;1;2;3", 2, "same-core" },  { "0;0;2", 0, "mixed" },
		{ "0;2;4", 0, "other-package" }, { "3", 1, "one-cpu" },          { "3;5", 1, "one-cpu" },
		{ ";1", 2, "unknown" },
	};
	static struct pb_mech_topo topo;
	fake(&topo, 2, 2, 2, 0);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct pb_cpuset sets[8];
		int n = 0;
		const char *p = t[i].cpus;
		for (;;) {
			pb_cpuset_zero(&sets[n]);
			while (*p && *p != ';') {
				pb_cpuset_set(&sets[n], (int)strtol(p, (char **)&p, 10));
				if (*p == ',')
					p++;
			}
			n++;
			if (!*p++)
				break;
		}
		char got[64];
		pb_mech_place_seen(&topo, sets, n, t[i].group, got, sizeof got);
		if (strcmp(got, t[i].want) != 0)
			fail_msg("'%s' in groups of %d: want %s, got %s", t[i].cpus, t[i].group, t[i].want, got);
	}
}

/* ---- the plan: named mechanisms must take every value, families skip ---- */

static int plan(const char *args, size_t *ncases, struct pb_mech_plan *keep)
{
	static struct pb_mech_opts o;
	char buf[512], *argv[32];
	int argc = 0;
	snprintf(buf, sizeof buf, "mech %s", args);
	for (char *s = strtok(buf, " "); s && argc < 31; s = strtok(NULL, " "))
		argv[argc++] = s;
	argv[argc] = NULL;
	int rc = pb_mech_parse(argc, argv, &o);
	if (rc)
		return rc;
	struct pb_mech_plan p;
	rc = pb_mech_plan_build(&o, &p);
	*ncases = p.n;
	if (keep && rc == 0)
		*keep = p;
	else if (rc == 0)
		pb_mech_plan_free(&p);
	return rc;
}

static void test_plan_rules(void **state)
{
	(void)state;
	static const struct {
		const char *args;
		int rc;
		long ncases; /* -1: any */
	} t[] = {
		{ "-m pipe", 0, 22 },                      /* 2 modes x 11 sizes */
		{ "-m pipe --quick", 0, 8 },               /* every third size: 1, 64, 4K, 256K */
		{ "-m eventfd", 0, 1 },                    /* 8-byte messages, latency only */
		{ "-m ipc --bytes 64K --mode lat", 0, 10 }, /* eventfd and mq skip 64K; shm blocks and spins */
		{ "-m mq --bytes 64K", 2, -1 },            /* beyond msgsize_max (8192 by default) */
		{ "-m eventfd --bytes 64", 2, -1 },
		{ "-m eventfd --mode bw", 2, -1 },
		{ "-m nosuch", 2, -1 },
		{ "--bytes 0", 2, -1 },
		{ "-m mutex -j 300", 2, -1 },
		{ "-m sync -j 300", 2, -1 },               /* every sync mechanism skips it: nothing to run */
		{ "-m mutex,spinlock --wait block", 2, -1 }, /* spinlock named: it only spins */
		{ "-m sync --wait block -j 1", 0, 8 },     /* mutex x2 variants, rwlock x2 mixes, sem, sem-named, cond, barrier */
		{ "-m fork -p rss=0 -p rss=1M", 0, 2 },
		{ "-m fork -p prog=true", 2, -1 },         /* fork execs nothing */
		{ "-m fork,fork-exec -p prog=true -p rss=0", 0, 2 },
		{ "-m atomic -j 2", 0, 4 },                /* strides 0, 8, 64, 128 */
		{ "-m atomic -j 2 -p stride=3", 2, -1 },
		{ "-m pipe --placement same-cpu -b core", 2, -1 },
		{ "-m pipe --bytes 64 --mode lat -n 100,200", 0, 2 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t n = 0;
		int rc = plan(t[i].args, &n, NULL);
		if (rc != t[i].rc || (rc == 0 && t[i].ncases >= 0 && (long)n != t[i].ncases))
			fail_msg("'%s': got rc %d and %zu cases, want rc %d and %ld", t[i].args, rc, n, t[i].rc,
				 t[i].ncases);
	}
}

static void test_plan_keys(void **state)
{
	(void)state;
	struct pb_mech_plan p;
	size_t n;
	assert_int_equal(plan("-m pipe --bytes 64 --mode lat -j 2 -n 1000", &n, &p), 0);
	assert_int_equal(n, 1);
	struct pb_raw_row k;
	pb_mech_plan_key(&p, 0, &k);
	assert_string_equal(k.workload, "ipc");
	assert_string_equal(k.params, "mech=pipe;mode=lat;bytes=64;wait=block;placement=free");
	assert_string_equal(k.variant, "process");
	assert_int_equal(k.workers, 2);
	assert_int_equal(k.tasks, 4); /* endpoints */
	assert_int_equal(k.size, 1000);
	pb_mech_plan_free(&p);
	assert_int_equal(plan("-m fork-exec -p rss=64M", &n, &p), 0);
	pb_mech_plan_key(&p, 0, &k);
	assert_string_equal(k.params, "mech=fork-exec;wait=block;placement=free;rss=64M;prog=tiny;creator=lean");
	assert_int_equal(k.size, 0); /* calibrated when it runs */
	pb_mech_plan_free(&p);
}

/* ---- every mechanism, run for real ---- */

static const struct pb_counters_cfg no_counters = { .backend = PB_CTR_NONE };

/* A case of m with its first default of everything, kind k, groups g. */
static void make_case(struct pb_mech_case *c, const struct pb_mech *m, enum pb_ep_kind k, enum pb_mode mode,
		      enum pb_mwait w, uint64_t bytes, int g)
{
	memset(c, 0, sizeof *c);
	c->m = m;
	c->kind = k;
	c->mode = mode;
	c->wait = w;
	c->bytes = m->sized ? bytes : 0;
	c->groups = g;
	c->nep = g * m->group_size;
	for (const struct pb_param_def *d = m->params; d && d->key; d++) {
		snprintf(c->params[c->nparams].key, sizeof c->params[0].key, "%s", d->key);
		snprintf(c->params[c->nparams].val, sizeof c->params[0].val, "%.*s", (int)strcspn(d->def, ","), d->def);
		c->nparams++;
	}
}

/* Open, run two verified batches, close; the failure in words, or "" on success. */
static void run_case(const struct pb_mech_case *c, uint64_t ops, char *why, size_t len)
{
	struct pb_cpuset places[16];
	memset(places, 0, sizeof places);
	struct pb_team_opts o = { c, places, &no_counters, c->m->name, "/tmp" };
	char err[1200] = "";
	why[0] = '\0';
	struct pb_team *t = pb_team_open(&o, err, sizeof err);
	if (!t) {
		snprintf(why, len, "open: %s", err);
		return;
	}
	for (int b = 0; b < 2 && !why[0]; b++) {
		struct pb_team_batch res;
		if (pb_team_run(t, ops, &res, err, sizeof err) != 0)
			snprintf(why, len, "batch %d: %s", b, err);
		else if (pb_team_verify(t, ops, err, sizeof err) != 0)
			snprintf(why, len, "batch %d: not verified: %s", b, err);
		else if (!(res.span_s > 0))
			snprintf(why, len, "batch %d: span %g", b, res.span_s);
	}
	pb_team_close(t);
}

static int usable(const struct pb_mech *m)
{
	char why[256];
	if (m->available && !m->available(why, sizeof why)) {
		print_message("skipped %s: %s\n", m->name, why);
		return 0;
	}
	return 1;
}

/* Run every mechanism of family with endpoints of kind k, each mode and waiting policy it has. */
static void run_family(const char *family, enum pb_ep_kind k)
{
	const struct pb_mech *const *all = pb_mechs();
	int ran = 0;
	for (int i = 0; all[i]; i++) {
		const struct pb_mech *m = all[i];
		if (strcmp(m->family, family) != 0 || !(m->kinds & PB_BIT(k)) || !usable(m))
			continue;
		for (int mode = 0; mode < PB_NMODES; mode++) {
			if (m->modes ? !(m->modes & PB_BIT(mode)) : mode > 0)
				continue;
			for (int w = 0; w < PB_NMWAITS; w++) {
				if (!(m->waits & PB_BIT(w)))
					continue;
				/* spinning on a loaded machine: each hand-off may wait a time slice, so few of them */
				int spin = w == PB_MWAIT_SPIN;
				uint64_t bytes = m->min_bytes > 100 ? m->min_bytes : m->max_bytes < 100 ? m->max_bytes : 100;
				int groups = strcmp(family, "sync") == 0 && m->group_size == 1 ? 2 : 1;
				uint64_t ops = strcmp(family, "spawn") == 0 ? 4 : spin ? 8 : 200;
				struct pb_mech_case c;
				char why[1300];
				make_case(&c, m, k, (enum pb_mode)mode, (enum pb_mwait)w, bytes, groups);
				run_case(&c, ops, why, sizeof why);
				if (why[0])
					fail_msg("%s %s %s %s: %s", m->name, pb_ep_kind_name(k), m->modes ? pb_mode_name(c.mode) : "",
						 pb_mwait_name(c.wait), why);
				ran++;
			}
		}
	}
	assert_true(ran > 0);
}

static void test_ipc_threads(void **state) { (void)state; run_family("ipc", PB_EP_THREAD); }
static void test_sync_threads(void **state) { (void)state; run_family("sync", PB_EP_THREAD); }
static void test_spawn_threads(void **state) { (void)state; run_family("spawn", PB_EP_THREAD); }
static void test_ipc_processes(void **state) { (void)state; run_family("ipc", PB_EP_PROCESS); }
static void test_sync_processes(void **state) { (void)state; run_family("sync", PB_EP_PROCESS); }
static void test_spawn_processes(void **state) { (void)state; run_family("spawn", PB_EP_PROCESS); }

/* Large messages cross buffers in pieces (pipe 64 KiB, rings of 4 slots): the patterns still check. */
static void test_large_messages(void **state)
{
	(void)state;
	const char *names[] = { "pipe", "socketpair", "shm", "queue", "manager", "tcp" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		for (int mode = 0; mode < PB_NMODES; mode++) {
			struct pb_mech_case c;
			char why[1300];
			make_case(&c, pb_mech_find(names[i]), PB_EP_THREAD, (enum pb_mode)mode, PB_MWAIT_BLOCK, 1048576 + 3, 1);
			run_case(&c, 6, why, sizeof why);
			if (why[0])
				fail_msg("%s %s 1 MiB + 3: %s", names[i], pb_mode_name(c.mode), why);
		}
}

/* ---- failures: a check that fails, an endpoint that dies ---- */

static void bad_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	(void)x;
	for (uint64_t i = 0; i < ops; i++, out->done++)
		if (ep == 1 && i == 3 && !out->bad++) {
			out->first_bad = i;
			pb_mech_fail(out, 0, "message %llu: byte 0 of 8 is wrong", (unsigned long long)i);
		}
}

static void dying_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	(void)x, (void)ops, (void)out;
	if (ep == 1)
		raise(SIGKILL);
	for (;;) /* the survivor waits for ever, as a peer on a queue with no EOF does */
		pause();
}

static void test_bad_check(void **state)
{
	(void)state;
	const struct pb_mech m = { .family = "test", .name = "bad", .kinds = PB_BIT(PB_EP_THREAD), .group_size = 2,
				   .run = bad_run };
	struct pb_mech_case c;
	char why[1300];
	make_case(&c, &m, PB_EP_THREAD, PB_MODE_LAT, PB_MWAIT_BLOCK, 0, 1);
	run_case(&c, 10, why, sizeof why);
	if (!strstr(why, "not verified: endpoint 1: 1 of 10 operations failed their check; the first: message 3"))
		fail_msg("got '%s'", why);
}

static void test_dead_endpoint(void **state)
{
	(void)state;
	const struct pb_mech m = { .family = "test", .name = "dying", .kinds = PB_BIT(PB_EP_PROCESS), .group_size = 2,
				   .run = dying_run };
	struct pb_mech_case c;
	char why[1300];
	make_case(&c, &m, PB_EP_PROCESS, PB_MODE_LAT, PB_MWAIT_BLOCK, 0, 1);
	run_case(&c, 10, why, sizeof why);
	if (!strstr(why, "endpoint 1 (pid ") || !strstr(why, "died mid-exchange: killed by signal 9"))
		fail_msg("got '%s'", why);
	/* both endpoints are gone: the survivor was killed and reaped */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

int main(void)
{
	pb_proc_install_signals(); /* as parbench does: a write to a dead peer is EPIPE, not death */
	/* the lean creator is built beside parbench, one directory above this test */
	char exe[4000], creator[4100];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (l > 0 && !getenv("PARBENCH_CREATOR")) {
		exe[l] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(creator, sizeof creator, "%s/../parbench-creator", exe);
		setenv("PARBENCH_CREATOR", creator, 1);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns),       cmocka_unit_test(test_parse_bytes),
		cmocka_unit_test(test_place_plan),     cmocka_unit_test(test_place_seen),
		cmocka_unit_test(test_plan_rules),     cmocka_unit_test(test_plan_keys),
		cmocka_unit_test(test_ipc_threads),    cmocka_unit_test(test_sync_threads),
		cmocka_unit_test(test_spawn_threads),  cmocka_unit_test(test_ipc_processes),
		cmocka_unit_test(test_sync_processes), cmocka_unit_test(test_spawn_processes),
		cmocka_unit_test(test_large_messages), cmocka_unit_test(test_bad_check),
		cmocka_unit_test(test_dead_endpoint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
