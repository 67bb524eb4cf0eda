/* pin_hwloc.c: topology, placement (compact, scatter) and binding through hwloc. */
#include "pin.h"

#include <errno.h>
#include <hwloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The machine's topology, loaded once on first use (normally in the main
 * thread before any worker starts; forked children use their inherited
 * copy).  allowed is the process affinity at that moment: places outside it
 * are never used.
 */
static pthread_once_t topo_once = PTHREAD_ONCE_INIT;
static hwloc_topology_t topo;
static hwloc_bitmap_t allowed;
static int topo_ok;
static char topo_err[160];

/*
 * hwloc loads its plugins (hwloc_pci, hwloc_gl, hwloc_opencl,
 * hwloc_xml_libxml) and the libraries they pull in (libpciaccess, libudev,
 * libX11/xcb, libxml2) at its first topology_init: some 100 mappings that
 * parbench never uses (it reads CPUs and caches only; XML falls back to
 * hwloc's own parser), but that every fork copies and every exit tears
 * down, so a process per task paid for them (README, "process").  They are
 * kept out unless the user names plugins himself; the variable is removed
 * again at once, so that programs parbench starts (mpirun) see the user's
 * environment.
 */
static int init_lean(hwloc_topology_t *t)
{
	int mine = !getenv("HWLOC_PLUGINS_BLACKLIST") && !getenv("HWLOC_PLUGINS_WHITELIST") &&
		   !getenv("HWLOC_PLUGINS_PATH") && !getenv("PARBENCH_HWLOC_PLUGINS");
	if (mine)
		setenv("HWLOC_PLUGINS_BLACKLIST", "hwloc_pci,hwloc_gl,hwloc_opencl,hwloc_xml_libxml,hwloc_cuda,hwloc_nvml,hwloc_rsmi,hwloc_levelzero", 1);
	int rc = hwloc_topology_init(t);
	int e = errno;
	if (mine)
		unsetenv("HWLOC_PLUGINS_BLACKLIST");
	errno = e;
	return rc;
}

static void topo_load(void)
{
	if (init_lean(&topo) != 0) {
		snprintf(topo_err, sizeof topo_err, "hwloc: cannot initialise the topology: %s", strerror(errno));
		return;
	}
	hwloc_topology_set_icache_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_ALL); /* L1i for topo and meta.json */
	if (hwloc_topology_load(topo) != 0) {
		snprintf(topo_err, sizeof topo_err, "hwloc: cannot load the topology: %s", strerror(errno));
		hwloc_topology_destroy(topo);
		return;
	}
	allowed = hwloc_bitmap_alloc();
	if (!allowed) {
		snprintf(topo_err, sizeof topo_err, "hwloc: out of memory");
		hwloc_topology_destroy(topo);
		return;
	}
	if (hwloc_get_cpubind(topo, allowed, HWLOC_CPUBIND_PROCESS) != 0 || hwloc_bitmap_iszero(allowed))
		hwloc_bitmap_copy(allowed, hwloc_topology_get_topology_cpuset(topo));
	hwloc_bitmap_and(allowed, allowed, hwloc_topology_get_topology_cpuset(topo));
	topo_ok = 1;
}

/* The loaded topology, or NULL with the reason in err. */
static hwloc_topology_t get_topo(char *err, size_t len)
{
	pthread_once(&topo_once, topo_load);
	if (!topo_ok) {
		if (err && len)
			snprintf(err, len, "%s", topo_err);
		return NULL;
	}
	return topo;
}

static void to_pb(hwloc_const_bitmap_t bm, struct pb_cpuset *set)
{
	unsigned i;
	pb_cpuset_zero(set);
	hwloc_bitmap_foreach_begin(i, bm)
		pb_cpuset_set(set, (int)i);
	hwloc_bitmap_foreach_end();
}

static int from_pb(const struct pb_cpuset *set, hwloc_bitmap_t bm)
{
	hwloc_bitmap_zero(bm);
	for (int c = 0; c < PB_MAX_CPUS; c++)
		if (pb_cpuset_isset(set, c) && hwloc_bitmap_set(bm, (unsigned)c) != 0)
			return -1;
	return 0;
}

/*
 * Scatter order of the places of type inside obj: the scatter orders of obj's
 * children, interleaved round-robin (first place of each child, then the
 * second of each, ...).  Applied from the root down, this spreads workers over
 * packages (and NUMA groups) first, then cores, then PUs.  Writes into out,
 * returns how many places, or -1 when out of memory.
 */
static int scatter_order(hwloc_topology_t t, hwloc_obj_t obj, hwloc_obj_type_t type, hwloc_const_bitmap_t ok,
			 hwloc_obj_t *out)
{
	if (!obj->cpuset || !hwloc_bitmap_intersects(obj->cpuset, ok))
		return 0;
	if (obj->type == type) {
		out[0] = obj;
		return 1;
	}
	if (obj->arity == 0)
		return 0;
	if (obj->arity == 1)
		return scatter_order(t, obj->children[0], type, ok, out);

	int total = hwloc_get_nbobjs_inside_cpuset_by_type(t, obj->cpuset, type);
	if (total <= 0)
		return 0;
	hwloc_obj_t *tmp = calloc((size_t)total, sizeof *tmp);
	int *start = calloc(obj->arity, sizeof *start), *cnt = calloc(obj->arity, sizeof *cnt);
	int n = -1;
	if (!tmp || !start || !cnt)
		goto done;
	int used = 0, most = 0;
	for (unsigned i = 0; i < obj->arity; i++) {
		start[i] = used;
		cnt[i] = scatter_order(t, obj->children[i], type, ok, tmp + used);
		if (cnt[i] < 0)
			goto done;
		used += cnt[i];
		if (cnt[i] > most)
			most = cnt[i];
	}
	n = 0;
	for (int round = 0; round < most; round++)
		for (unsigned i = 0; i < obj->arity; i++)
			if (round < cnt[i])
				out[n++] = tmp[start[i] + round];
done:
	free(tmp);
	free(start);
	free(cnt);
	return n;
}

/* The placement policy over topology t, restricted to ok (see pb_pin_plan). */
static int plan(hwloc_topology_t t, hwloc_const_bitmap_t ok, const struct pb_bind *b, int n, struct pb_cpuset *sets,
		int *over, char *err, size_t len)
{
	for (int w = 0; w < n; w++)
		pb_cpuset_zero(&sets[w]);
	*over = 0;
	if (b->kind == PB_BIND_NONE)
		return 0;

	hwloc_obj_type_t type = b->kind == PB_BIND_PU ? HWLOC_OBJ_PU : HWLOC_OBJ_CORE;
	if (type == HWLOC_OBJ_CORE && hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE) <= 0)
		type = HWLOC_OBJ_PU; /* no core information: each PU is its own core */
	int nobj = hwloc_get_nbobjs_by_type(t, type);
	hwloc_obj_t *places = calloc(nobj > 0 ? (size_t)nobj : 1, sizeof *places);
	hwloc_bitmap_t bm = hwloc_bitmap_alloc();
	int np = 0, rc = -1;
	if (!places || !bm) {
		snprintf(err, len, "binding: out of memory");
		goto done;
	}
	if (b->order == PB_ORDER_COMPACT) {
		/* logical order is depth-first: a core's PUs, then the next core, then the next package */
		for (int i = 0; i < nobj; i++) {
			hwloc_obj_t o = hwloc_get_obj_by_type(t, type, (unsigned)i);
			if (o && hwloc_bitmap_intersects(o->cpuset, ok))
				places[np++] = o;
		}
	} else {
		np = scatter_order(t, hwloc_get_root_obj(t), type, ok, places);
		if (np < 0) {
			snprintf(err, len, "binding: out of memory");
			goto done;
		}
	}
	if (np == 0) {
		snprintf(err, len, "binding: no allowed %s to bind to", b->kind == PB_BIND_PU ? "pu" : "core");
		goto done;
	}
	for (int w = 0; w < n; w++) {
		hwloc_bitmap_and(bm, places[w % np]->cpuset, ok);
		to_pb(bm, &sets[w]);
	}
	*over = n > np;
	rc = 0;
done:
	hwloc_bitmap_free(bm);
	free(places);
	return rc;
}

int pb_pin_plan(const struct pb_bind *b, int nworkers, struct pb_cpuset *sets, int *oversubscribed, char *err,
		size_t errlen)
{
	if (b->kind == PB_BIND_NONE)
		return plan(NULL, NULL, b, nworkers, sets, oversubscribed, err, errlen);
	char why[200];
	hwloc_topology_t t = get_topo(why, sizeof why);
	if (!t) {
		for (int w = 0; w < nworkers; w++)
			pb_cpuset_zero(&sets[w]);
		*oversubscribed = 0;
		snprintf(err, errlen, "binding: %s", why);
		return -1;
	}
	return plan(t, allowed, b, nworkers, sets, oversubscribed, err, errlen);
}

int pb_pin_plan_synthetic(const char *synthetic, const struct pb_cpuset *allowed_set, const struct pb_bind *b,
			  int nworkers, struct pb_cpuset *sets, int *oversubscribed, char *err, size_t errlen)
{
	hwloc_topology_t t;
	hwloc_bitmap_t ok = NULL;
	int rc = -1;
	if (init_lean(&t) != 0) {
		snprintf(err, errlen, "hwloc: cannot initialise a topology: %s", strerror(errno));
		return -1;
	}
	if (hwloc_topology_set_synthetic(t, synthetic) != 0 || hwloc_topology_load(t) != 0) {
		snprintf(err, errlen, "hwloc: invalid synthetic topology '%s'", synthetic);
		goto done;
	}
	ok = hwloc_bitmap_dup(hwloc_topology_get_topology_cpuset(t));
	if (!ok) {
		snprintf(err, errlen, "hwloc: out of memory");
		goto done;
	}
	if (allowed_set) {
		hwloc_bitmap_t a = hwloc_bitmap_alloc();
		if (!a || from_pb(allowed_set, a) != 0) {
			hwloc_bitmap_free(a);
			snprintf(err, errlen, "hwloc: out of memory");
			goto done;
		}
		hwloc_bitmap_and(ok, ok, a);
		hwloc_bitmap_free(a);
	}
	rc = plan(t, ok, b, nworkers, sets, oversubscribed, err, errlen);
done:
	hwloc_bitmap_free(ok);
	hwloc_topology_destroy(t);
	return rc;
}

int pb_pin_supported(char *why, size_t len)
{
	hwloc_topology_t t = get_topo(why, len);
	if (!t)
		return 0;
	const struct hwloc_topology_support *s = hwloc_topology_get_support(t);
	if (!s->cpubind->set_thisthread_cpubind) {
		snprintf(why, len, "hwloc: this system does not support binding threads");
		return 0;
	}
	if (!s->cpubind->set_thisproc_cpubind) {
		snprintf(why, len, "hwloc: this system does not support binding processes");
		return 0;
	}
	if (len)
		why[0] = '\0';
	return 1;
}

static int bind(const struct pb_cpuset *set, int flags)
{
	hwloc_topology_t t = get_topo(NULL, 0);
	if (!t || pb_cpuset_count(set) == 0)
		return -1;
	hwloc_bitmap_t bm = hwloc_bitmap_alloc();
	int rc = -1;
	if (bm && from_pb(set, bm) == 0)
		rc = hwloc_set_cpubind(t, bm, flags) == 0 ? 0 : -1;
	hwloc_bitmap_free(bm);
	return rc;
}

int pb_pin_thread(const struct pb_cpuset *set)
{
	return bind(set, HWLOC_CPUBIND_THREAD);
}

int pb_pin_process(const struct pb_cpuset *set)
{
	return bind(set, HWLOC_CPUBIND_PROCESS);
}

int pb_pin_get_thread(struct pb_cpuset *set)
{
	pb_cpuset_zero(set);
	hwloc_topology_t t = get_topo(NULL, 0);
	if (!t)
		return -1;
	hwloc_bitmap_t bm = hwloc_bitmap_alloc();
	int rc = -1;
	if (bm && hwloc_get_cpubind(t, bm, HWLOC_CPUBIND_THREAD) == 0) {
		to_pb(bm, set);
		rc = 0;
	}
	hwloc_bitmap_free(bm);
	return rc;
}

static const char *cache_kind(hwloc_obj_cache_type_t k)
{
	switch (k) {
	case HWLOC_OBJ_CACHE_DATA: return "data";
	case HWLOC_OBJ_CACHE_INSTRUCTION: return "instruction";
	case HWLOC_OBJ_CACHE_UNIFIED: return "unified";
	}
	return "unknown";
}

int pb_topo_summary(struct pb_topo_summary *ts, char *err, size_t errlen)
{
	static const hwloc_obj_type_t cache_types[] = {
		HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L2ICACHE,
		HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L3ICACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
	};
	memset(ts, 0, sizeof *ts);
	/* the release built against (hwloc_get_api_version() gives the API number, 2.8.0 for release 2.9.0) */
	snprintf(ts->hwloc_version, sizeof ts->hwloc_version, "%s", HWLOC_VERSION);
	hwloc_topology_t t = get_topo(err, errlen);
	if (!t)
		return -1;
	ts->packages = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE);
	ts->numa_nodes = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
	ts->cores = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
	ts->pus = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
	for (size_t i = 0; i < sizeof cache_types / sizeof cache_types[0] && ts->ncaches < PB_TOPO_MAX_CACHES; i++) {
		int nb = hwloc_get_nbobjs_by_type(t, cache_types[i]);
		hwloc_obj_t o = nb > 0 ? hwloc_get_obj_by_type(t, cache_types[i], 0) : NULL;
		if (!o)
			continue;
		struct pb_cache_level *c = &ts->caches[ts->ncaches++];
		c->level = (int)o->attr->cache.depth;
		snprintf(c->kind, sizeof c->kind, "%s", cache_kind(o->attr->cache.type));
		c->size_kb = (long)(o->attr->cache.size / 1024);
		c->shared_by_pus = hwloc_bitmap_weight(o->cpuset);
		c->count = nb;
	}
	hwloc_obj_t pkg = hwloc_get_obj_by_type(t, HWLOC_OBJ_PACKAGE, 0);
	const char *model = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
	if (model && *model) {
		snprintf(ts->cpu_model, sizeof ts->cpu_model, "%s", model);
		size_t l = strlen(ts->cpu_model);
		while (l > 0 && ts->cpu_model[l - 1] == ' ')
			ts->cpu_model[--l] = '\0'; /* CPUID pads the brand string */
	} else {
		pb_pin_cpu_model(ts->cpu_model, sizeof ts->cpu_model);
	}
	to_pb(allowed, &ts->allowed);
	return 0;
}
