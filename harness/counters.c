/* counters.c: choosing a counter backend, and the perf_event software and getrusage backends. */
#include "counters.h"
#include "counters_impl.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* PAPI presets tried by auto, in this order: cycles, instructions, L1 and L2 data cache misses. */
static const char *const papi_presets[] = { "PAPI_TOT_CYC", "PAPI_TOT_INS", "PAPI_L1_DCM", "PAPI_L2_DCM" };

/* Linux software events: the name parbench reports and perf's event id. */
static const struct {
	const char *name;
	unsigned long long config;
} perf_events[] = {
	{ "task-clock-ns", PERF_COUNT_SW_TASK_CLOCK },
	{ "context-switches", PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu-migrations", PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "page-faults", PERF_COUNT_SW_PAGE_FAULTS },
};
#define N_PERF (int)(sizeof perf_events / sizeof perf_events[0])

/* getrusage of the calling thread: voluntary + involuntary switches, minor + major faults. */
static const char *const rusage_events[] = { "context-switches", "page-faults" };
#define N_RUSAGE (int)(sizeof rusage_events / sizeof rusage_events[0])

const char *pb_ctr_backend_name(enum pb_ctr_backend b)
{
	switch (b) {
	case PB_CTR_NONE: return "none";
	case PB_CTR_PAPI: return "papi";
	case PB_CTR_PERF: return "perf";
	case PB_CTR_RUSAGE: return "rusage";
	}
	return "?";
}

/*
 * Open a software counter on the calling thread (pid 0, any CPU, children
 * not inherited), disabled.  Under perf_event_paranoid 2 an unprivileged
 * user may not count kernel mode; then the event is opened for user mode
 * only, which still counts what the kernel does on the thread's behalf for
 * software events (switches, faults) but not its kernel time in task-clock.
 */
static int perf_open_inherit(unsigned long long config, int inherit)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = config;
	a.disabled = 1;
	a.inherit = inherit ? 1 : 0;
	int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		a.exclude_kernel = 1;
		a.exclude_hv = 1;
		fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	}
	return fd;
}

static int perf_open(unsigned long long config)
{
	return perf_open_inherit(config, 0);
}

/* Whether every software event opens here: 1, or 0 with why. */
static int perf_usable(char *why, size_t len)
{
	for (int i = 0; i < N_PERF; i++) {
		int fd = perf_open(perf_events[i].config);
		if (fd < 0) {
			int e = errno;
			char paranoid[16] = "?";
			FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
			if (f) {
				if (!fgets(paranoid, sizeof paranoid, f))
					snprintf(paranoid, sizeof paranoid, "?");
				paranoid[strcspn(paranoid, "\n")] = '\0';
				fclose(f);
			}
			snprintf(why, len, "perf_event_open(%s): %s (perf_event_paranoid = %s)", perf_events[i].name,
				 strerror(e), paranoid);
			return 0;
		}
		close(fd);
	}
	return 1;
}

static void set_events(struct pb_counters_cfg *cfg, enum pb_ctr_backend b, const char *const *names, int n)
{
	cfg->backend = b;
	cfg->nevents = n;
	for (int i = 0; i < n; i++)
		snprintf(cfg->events[i], sizeof cfg->events[i], "%s", names[i]);
}

static void use_perf(struct pb_counters_cfg *cfg)
{
	const char *names[N_PERF];
	for (int i = 0; i < N_PERF; i++)
		names[i] = perf_events[i].name;
	set_events(cfg, PB_CTR_PERF, names, N_PERF);
}

/* "papi:EV,EV": the named events, all of them countable together, or an error naming the culprit. */
static int choose_papi(const char *list, const struct pb_ctr_machine *m, struct pb_counters_cfg *cfg, char *err,
		       size_t errlen)
{
	int n = 0;
	const char *p = list;
	if (!*p) {
		snprintf(err, errlen, "counter spec 'papi:' names no event");
		return -1;
	}
	for (;;) {
		size_t l = strcspn(p, ",");
		if (l == 0) {
			snprintf(err, errlen, "empty event name in counter spec 'papi:%s'", list);
			return -1;
		}
		if (n == PB_MAX_EVENTS) {
			snprintf(err, errlen, "too many events in 'papi:%s' (at most %d)", list, PB_MAX_EVENTS);
			return -1;
		}
		if (l >= PB_EVENT_NAME_MAX) {
			snprintf(err, errlen, "event name '%.*s' is too long", (int)l, p);
			return -1;
		}
		memcpy(cfg->events[n], p, l);
		cfg->events[n][l] = '\0';
		n++;
		if (!p[l])
			break;
		p += l + 1;
	}
	if (!m->papi_check || m->papi_check(cfg->events, n, err, errlen) != 0) {
		if (!m->papi_check)
			snprintf(err, errlen, "PAPI cannot be asked here");
		return -1;
	}
	cfg->backend = PB_CTR_PAPI;
	cfg->nevents = n;
	snprintf(cfg->reason, sizeof cfg->reason, "papi: requested events");
	return 0;
}

/* auto: PAPI presets where PAPI has hardware counters and a preset, else perf software events, else getrusage. */
static void choose_auto(const struct pb_ctr_machine *m, struct pb_counters_cfg *cfg)
{
	char papi_why[200];
	if (m->papi_hw > 0 && m->npresets > 0) {
		cfg->backend = PB_CTR_PAPI;
		cfg->nevents = m->npresets;
		memcpy(cfg->events, m->presets, sizeof cfg->events);
		snprintf(cfg->reason, sizeof cfg->reason, "papi: %d hardware counters; %d of %d presets available",
			 m->papi_hw, m->npresets, (int)(sizeof papi_presets / sizeof papi_presets[0]));
		return;
	}
	if (m->papi_hw > 0)
		snprintf(papi_why, sizeof papi_why, "%d hardware counters but none of the presets is available", m->papi_hw);
	else
		snprintf(papi_why, sizeof papi_why, "%s", m->papi_why);
	if (m->perf) {
		use_perf(cfg);
		snprintf(cfg->reason, sizeof cfg->reason, "papi: %s; using perf software events", papi_why);
		return;
	}
	set_events(cfg, PB_CTR_RUSAGE, rusage_events, N_RUSAGE);
	snprintf(cfg->reason, sizeof cfg->reason, "papi: %.110s; perf: %.110s; using getrusage", papi_why, m->perf_why);
}

void pb_counters_probe(struct pb_ctr_machine *m)
{
	memset(m, 0, sizeof *m);
	m->papi_hw = pb_papi_hw_counters(m->papi_why, sizeof m->papi_why);
	if (m->papi_hw > 0) {
		int n = (int)(sizeof papi_presets / sizeof papi_presets[0]);
		for (int i = 0; i < n; i++)
			snprintf(m->presets[i], sizeof m->presets[i], "%s", papi_presets[i]);
		m->npresets = pb_papi_keep_available(m->presets, n);
	}
	m->perf = perf_usable(m->perf_why, sizeof m->perf_why);
	m->papi_check = pb_papi_check_events;
}

int pb_counters_choose(const char *spec, const struct pb_ctr_machine *m, struct pb_counters_cfg *cfg, char *err,
		       size_t errlen)
{
	memset(cfg, 0, sizeof *cfg);
	if (strcmp(spec, "none") == 0) {
		snprintf(cfg->reason, sizeof cfg->reason, "counters off (none requested)");
	} else if (strcmp(spec, "auto") == 0) {
		choose_auto(m, cfg);
	} else if (strcmp(spec, "perf") == 0) {
		if (!m->perf) {
			snprintf(err, errlen, "perf software events unavailable: %s", m->perf_why);
			return -1;
		}
		use_perf(cfg);
		snprintf(cfg->reason, sizeof cfg->reason, "perf: requested");
	} else if (strcmp(spec, "rusage") == 0) {
		set_events(cfg, PB_CTR_RUSAGE, rusage_events, N_RUSAGE);
		snprintf(cfg->reason, sizeof cfg->reason, "rusage: requested");
	} else if (strncmp(spec, "papi:", 5) == 0) {
		if (choose_papi(spec + 5, m, cfg, err, errlen) != 0) {
			memset(cfg, 0, sizeof *cfg);
			return -1;
		}
	} else {
		snprintf(err, errlen, "unknown counter spec '%s' (expected auto, none, perf, rusage or papi:EVENT,...)",
			 spec);
		return -1;
	}
	return 0;
}

int pb_counters_resolve(const char *spec, struct pb_counters_cfg *cfg, char *err, size_t errlen)
{
	struct pb_ctr_machine m;
	pb_counters_probe(&m);
	return pb_counters_choose(spec, &m, cfg, err, errlen);
}

int pb_ctr_backend_available(enum pb_ctr_backend b, char *why, size_t len)
{
	struct pb_ctr_machine m;
	if (len)
		why[0] = '\0';
	if (b == PB_CTR_NONE || b == PB_CTR_RUSAGE)
		return 1;
	pb_counters_probe(&m);
	if (b == PB_CTR_PERF) {
		snprintf(why, len, "%s", m.perf_why);
		return m.perf;
	}
	if (m.papi_hw > 0 && m.npresets > 0)
		return 1;
	if (m.papi_hw > 0)
		snprintf(why, len, "%d hardware counters but none of the presets is available", m.papi_hw);
	else
		snprintf(why, len, "%s", m.papi_why);
	return 0;
}

static int64_t rusage_value(const struct rusage *ru, int i)
{
	return i == 0 ? (int64_t)ru->ru_nvcsw + ru->ru_nivcsw : (int64_t)ru->ru_minflt + ru->ru_majflt;
}

int pb_ctr_from_child_rusage(const struct pb_counters_cfg *cfg, const struct rusage *ru, struct pb_counter_values *acc)
{
	if (!cfg || cfg->backend != PB_CTR_RUSAGE)
		return 0;
	acc->n = cfg->nevents;
	for (int i = 0; i < cfg->nevents && i < N_RUSAGE; i++)
		acc->v[i] += rusage_value(ru, i);
	return 1;
}

static unsigned long long perf_config(const char *name)
{
	for (int k = 0; k < N_PERF; k++)
		if (strcmp(name, perf_events[k].name) == 0)
			return perf_events[k].config;
	return ~0ull;
}

void pb_ctr_children_close(struct pb_ctr_children *c)
{
	for (int i = 0; i < PB_MAX_EVENTS; i++) {
		if (c->all[i] >= 0)
			close(c->all[i]);
		if (c->self[i] >= 0)
			close(c->self[i]);
		c->all[i] = c->self[i] = -1;
	}
	c->cfg = NULL;
}

int pb_ctr_children_open(struct pb_ctr_children *c, const struct pb_counters_cfg *cfg)
{
	for (int i = 0; i < PB_MAX_EVENTS; i++)
		c->all[i] = c->self[i] = -1;
	c->cfg = NULL;
	if (!cfg || cfg->backend != PB_CTR_PERF)
		return -1;
	for (int i = 0; i < cfg->nevents && i < PB_MAX_EVENTS; i++) {
		unsigned long long config = perf_config(cfg->events[i]);
		if (config == ~0ull || (c->all[i] = perf_open_inherit(config, 1)) < 0 ||
		    (c->self[i] = perf_open_inherit(config, 0)) < 0) {
			pb_ctr_children_close(c);
			return -1;
		}
	}
	for (int i = 0; i < cfg->nevents; i++) {
		ioctl(c->all[i], PERF_EVENT_IOC_ENABLE, 0);
		ioctl(c->self[i], PERF_EVENT_IOC_ENABLE, 0);
	}
	c->cfg = cfg;
	return 0;
}

/*
 * The events stay enabled from open to close and a run is the difference
 * of two reads: PERF_EVENT_IOC_RESET clears an inherited event's own count
 * but not what its exited children added, so a reset would not start
 * from zero.
 */
static int children_read(const struct pb_ctr_children *c, uint64_t *all, uint64_t *self)
{
	for (int i = 0; i < c->cfg->nevents; i++)
		if (read(c->self[i], &self[i], sizeof self[i]) != (ssize_t)sizeof self[i] ||
		    read(c->all[i], &all[i], sizeof all[i]) != (ssize_t)sizeof all[i])
			return -1;
	return 0;
}

void pb_ctr_children_start(struct pb_ctr_children *c)
{
	if (c->cfg && children_read(c, c->all0, c->self0) != 0)
		pb_ctr_children_close(c); /* a failed read counts nothing rather than garbage */
}

void pb_ctr_children_stop(struct pb_ctr_children *c, struct pb_counter_values *acc)
{
	uint64_t all[PB_MAX_EVENTS], self[PB_MAX_EVENTS];
	if (!c->cfg)
		return;
	acc->n = c->cfg->nevents;
	if (children_read(c, all, self) != 0)
		return;
	for (int i = 0; i < c->cfg->nevents; i++) {
		/* all counts the parent too: take away its own share (read first, so never more than all's) */
		uint64_t d = all[i] - c->all0[i], own = self[i] - c->self0[i];
		acc->v[i] += d > own ? (int64_t)(d - own) : 0;
	}
}

/*
 * Per-thread perf descriptors, kept open from one run to the next, so that a
 * measured run pays only for reset, enable, disable and read: opening four
 * events costs about 0.4 ms on a virtual machine, and pb_ctr_start runs inside
 * the timed region.  A forked child inherits the copies of its parent's
 * descriptors, which count the parent's thread, so the cache is keyed by the
 * thread id and a child opens its own.  pb_ctr_thread_done closes them.
 */
static __thread int tl_fds[PB_MAX_EVENTS];
static __thread pid_t tl_tid;  /* the thread that opened tl_fds; 0: none open */
static __thread int tl_nevents;
static __thread char tl_events[PB_MAX_EVENTS][PB_EVENT_NAME_MAX];

static void perf_cache_close(void)
{
	for (int i = 0; i < tl_nevents; i++)
		if (tl_fds[i] >= 0)
			close(tl_fds[i]);
	tl_tid = 0;
	tl_nevents = 0;
}

/* This thread's descriptors for cfg's events, opened on first use. */
static void perf_cache_get(const struct pb_counters_cfg *cfg, int *fds)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	if (tl_tid != tid || tl_nevents != cfg->nevents ||
	    memcmp(tl_events, cfg->events, sizeof tl_events[0] * (size_t)cfg->nevents) != 0) {
		perf_cache_close(); /* another thread's (inherited through fork) or another event set */
		for (int i = 0; i < cfg->nevents && i < PB_MAX_EVENTS; i++) {
			tl_fds[i] = -1;
			for (int k = 0; k < N_PERF; k++)
				if (strcmp(cfg->events[i], perf_events[k].name) == 0)
					tl_fds[i] = perf_open(perf_events[k].config);
			memcpy(tl_events[i], cfg->events[i], sizeof tl_events[i]);
		}
		tl_nevents = cfg->nevents;
		tl_tid = tid;
	}
	for (int i = 0; i < cfg->nevents; i++)
		fds[i] = tl_fds[i];
}

void pb_ctr_start(struct pb_ctr_session *s, const struct pb_counters_cfg *cfg)
{
	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	for (int i = 0; i < PB_MAX_EVENTS; i++)
		s->fds[i] = -1;
	if (!cfg || cfg->backend == PB_CTR_NONE)
		return;
	switch (cfg->backend) {
	case PB_CTR_PERF:
		perf_cache_get(cfg, s->fds);
		for (int i = 0; i < cfg->nevents; i++)
			if (s->fds[i] >= 0) {
				ioctl(s->fds[i], PERF_EVENT_IOC_RESET, 0);
				ioctl(s->fds[i], PERF_EVENT_IOC_ENABLE, 0);
			}
		break;
	case PB_CTR_RUSAGE: {
		struct rusage ru;
		if (getrusage(RUSAGE_THREAD, &ru) != 0)
			return;
		for (int i = 0; i < cfg->nevents && i < N_RUSAGE; i++)
			s->base[i] = rusage_value(&ru, i);
		break;
	}
	case PB_CTR_PAPI:
		if (pb_papi_start(s) != 0)
			return;
		break;
	case PB_CTR_NONE:
		return;
	}
	s->active = 1;
}

void pb_ctr_stop(struct pb_ctr_session *s, struct pb_counter_values *acc)
{
	const struct pb_counters_cfg *cfg = s->cfg;
	int64_t v[PB_MAX_EVENTS] = { 0 };
	if (!cfg || cfg->backend == PB_CTR_NONE)
		return;
	acc->n = cfg->nevents;
	switch (cfg->backend) {
	case PB_CTR_PERF:
		for (int i = 0; i < cfg->nevents; i++) {
			if (s->fds[i] < 0)
				continue;
			uint64_t x;
			ioctl(s->fds[i], PERF_EVENT_IOC_DISABLE, 0);
			if (s->active && read(s->fds[i], &x, sizeof x) == (ssize_t)sizeof x)
				v[i] = (int64_t)x;
			s->fds[i] = -1; /* the descriptor stays open in the thread's cache */
		}
		break;
	case PB_CTR_RUSAGE: {
		struct rusage ru;
		if (s->active && getrusage(RUSAGE_THREAD, &ru) == 0)
			for (int i = 0; i < cfg->nevents && i < N_RUSAGE; i++)
				v[i] = rusage_value(&ru, i) - s->base[i];
		break;
	}
	case PB_CTR_PAPI: {
		long long vals[PB_MAX_EVENTS] = { 0 };
		if (s->active && pb_papi_stop(s, vals) == 0)
			for (int i = 0; i < cfg->nevents; i++)
				v[i] = vals[i];
		break;
	}
	case PB_CTR_NONE:
		break;
	}
	for (int i = 0; i < cfg->nevents; i++)
		acc->v[i] += v[i];
	s->active = 0;
}

void pb_ctr_thread_done(const struct pb_counters_cfg *cfg)
{
	if (tl_tid == (pid_t)syscall(SYS_gettid))
		perf_cache_close();
	if (cfg && cfg->backend == PB_CTR_PAPI)
		pb_papi_thread_done();
}

void pb_counters_describe(char *buf, size_t len)
{
	static const enum pb_ctr_backend all[] = { PB_CTR_PAPI, PB_CTR_PERF, PB_CTR_RUSAGE };
	size_t pos = 0;
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		char why[200];
		int ok = pb_ctr_backend_available(all[i], why, sizeof why);
		int n = snprintf(buf + pos, len > pos ? len - pos : 0, "%s%s: %s%s", i ? "; " : "",
				 pb_ctr_backend_name(all[i]), ok ? "available" : "unavailable: ", ok ? "" : why);
		if (n > 0)
			pos += (size_t)n;
	}
}
