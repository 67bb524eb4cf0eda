/* plan.c: expanding run's options into jobs and cases, validated before anything is written. */
#include "plan.h"
#include "plugin.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t preset_size(const struct pb_workload *wl, enum pb_size_preset p)
{
	return p == PB_SIZE_QUICK ? wl->quick_size : p == PB_SIZE_FULL ? wl->full_size : wl->default_size;
}

/* Grow an array of elem-sized items to hold n + 1; 0 or -1. */
static int grow(void **arr, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 16;
	void *na = realloc(*arr, nc * elem);
	if (!na)
		return -1;
	*arr = na;
	*cap = nc;
	return 0;
}

static void params_str(struct pb_plan_job *j)
{
	struct pb_strbuf b = { 0 };
	for (int i = 0; i < j->nparams; i++)
		if (j->params[i].val[0])
			pb_sb_printf(&b, "%s%s=%s", b.len ? ";" : "", j->params[i].key, j->params[i].val);
	snprintf(j->params_str, sizeof j->params_str, "%s", b.s ? b.s : "");
	free(b.s);
}

/* Workloads x sizes x the cartesian product of the -p values each workload declares. */
static int expand_jobs(const struct pb_run_opts *o, struct pb_plan *p)
{
	size_t cap = 0;
	for (int w = 0; w < o->nworkloads; w++) {
		const struct pb_workload *wl = o->workloads[w];
		int keys[PB_MAX_PARAMS * 2], nkeys = 0;
		long combos = 1;
		for (int i = 0; i < o->nparams; i++)
			for (const struct pb_param_def *d = wl->params; d && d->key; d++)
				if (strcmp(d->key, o->params[i].key) == 0) {
					keys[nkeys++] = i;
					combos *= o->params[i].nvals;
				}
		for (int s = 0; s < (o->nsizes ? o->nsizes : 1); s++) {
			for (long c = 0; c < combos; c++) {
				if (grow((void **)&p->jobs, p->njobs, &cap, sizeof *p->jobs) != 0) {
					pb_err("out of memory");
					return -1;
				}
				struct pb_plan_job *j = &p->jobs[p->njobs++];
				memset(j, 0, sizeof *j);
				j->wl = wl;
				j->size = o->nsizes ? o->sizes[s] : preset_size(wl, o->preset);
				j->size_from_user = o->nsizes > 0;
				long rest = c;
				for (const struct pb_param_def *d = wl->params; d && d->key; d++) {
					struct pb_kv *kv = &j->params[j->nparams++];
					snprintf(kv->key, sizeof kv->key, "%s", d->key);
					snprintf(kv->val, sizeof kv->val, "%s", d->def ? d->def : "");
					for (int k = 0; k < nkeys; k++) {
						const struct pb_param_arg *pa = &o->params[keys[k]];
						if (strcmp(pa->key, d->key) == 0) {
							snprintf(kv->val, sizeof kv->val, "%s", pa->vals[rest % pa->nvals]);
							rest /= pa->nvals;
						}
					}
				}
				params_str(j);
			}
		}
	}
	return 0;
}

int pb_plan_prepare(const struct pb_plan *p, size_t j, struct pb_job *job, double *prep_s)
{
	const struct pb_plan_job *pj = &p->jobs[j];
	char err[PB_ERR_MAX] = "";
	memset(job, 0, sizeof *job);
	job->wl = pj->wl;
	job->size = pj->size;
	job->size_from_user = pj->size_from_user;
	job->nparams = pj->nparams;
	memcpy(job->params, pj->params, sizeof job->params);
	if (pj->wl->max_size && pj->size > pj->wl->max_size) {
		pb_err("%s: size %llu is larger than the maximum %llu", pj->wl->name, (unsigned long long)pj->size,
		       (unsigned long long)pj->wl->max_size);
		return -1;
	}
	double t0 = pb_now();
	if (pj->wl->prepare(job, err, sizeof err) != 0) {
		pb_err("%s: %s", pj->wl->name, err[0] ? err : "cannot prepare");
		pj->wl->release(job);
		return -1;
	}
	*prep_s = pb_now() - t0;
	return 0;
}

/* The task counts of job j: --tasks, or the workload's default; -1 (printed) if one exceeds the items. */
static int job_tasks(const struct pb_run_opts *o, const struct pb_plan_job *j, uint64_t *tasks, int *ntasks)
{
	if (o->ntasks == 0) {
		uint64_t t = j->wl->default_tasks ? j->wl->default_tasks : j->n_items;
		tasks[0] = t < j->n_items ? t : j->n_items;
		if (tasks[0] == 0)
			tasks[0] = 1;
		*ntasks = 1;
		return 0;
	}
	for (int i = 0; i < o->ntasks; i++) {
		if (o->tasks[i] > j->n_items) {
			pb_err("%s: --tasks %llu is more than its %llu items at size %llu", j->wl->name,
			       (unsigned long long)o->tasks[i], (unsigned long long)j->n_items,
			       (unsigned long long)j->size);
			return -1;
		}
		tasks[i] = o->tasks[i];
	}
	*ntasks = o->ntasks;
	return 0;
}

/* Job j's cases: variants x task counts x workers x schedules x chunks x bindings (serial once per tasks and binding). */
static int expand_cases(const struct pb_run_opts *o, struct pb_plan *p, size_t j, size_t *cap)
{
	const struct pb_common_opts *c = &o->c;
	uint64_t tasks[PB_MAX_LIST];
	int ntasks;
	struct pb_plan_job *pj = &p->jobs[j];
	if (job_tasks(o, pj, tasks, &ntasks) != 0)
		return -1;
	pj->first_case = p->ncases;
	for (int v = 0; v < o->nvariants; v++) {
		int serial = strcmp(o->variants[v]->name, "serial") == 0;
		for (int t = 0; t < ntasks; t++)
			for (int w = 0; w < (serial ? 1 : c->nworkers); w++)
				for (int sc = 0; sc < (serial ? 1 : o->nscheds); sc++)
					for (int ch = 0; ch < (serial ? 1 : o->nchunks); ch++)
						for (int b = 0; b < c->nbinds; b++) {
							if (grow((void **)&p->cases, p->ncases, cap, sizeof *p->cases) != 0) {
								pb_err("out of memory");
								return -1;
							}
							p->cases[p->ncases++] = (struct pb_plan_case){
								.job = j,
								.ex = o->variants[v],
								.workers = serial ? 1 : c->workers[w],
								.tasks = tasks[t],
								.chunk = serial ? 1 : o->chunks[ch],
								.sched = serial ? PB_SCHED_STATIC : o->scheds[sc],
								.bind = c->binds[b],
							};
						}
	}
	pj->ncases = p->ncases - pj->first_case;
	return 0;
}

/* Every worker count can be placed under every binding (hwloc present, the policy possible). */
static int check_binding(const struct pb_common_opts *c)
{
	char err[512];
	for (int b = 0; b < c->nbinds; b++)
		for (int w = 0; w < c->nworkers; w++) {
			struct pb_cpuset *sets = calloc((size_t)c->workers[w], sizeof *sets);
			int over;
			if (!sets) {
				pb_err("out of memory");
				return -1;
			}
			int rc = pb_pin_plan(&c->binds[b], c->workers[w], sets, &over, err, sizeof err);
			free(sets);
			if (rc != 0) {
				pb_err("cannot bind: %s", err);
				return -1;
			}
		}
	return 0;
}

int pb_plan_build(const struct pb_run_opts *o, struct pb_plan *p)
{
	size_t cap = 0;
	memset(p, 0, sizeof *p);
	if (check_binding(&o->c) != 0 || expand_jobs(o, p) != 0)
		goto fail;
	for (size_t j = 0; j < p->njobs; j++) {
		struct pb_job job;
		double prep;
		if (pb_plan_prepare(p, j, &job, &prep) != 0)
			goto fail;
		p->jobs[j].actual_size = job.size;
		p->jobs[j].n_items = job.n_items;
		if (j == 0) {
			p->first = job;
			p->first_prep_s = prep;
			p->has_first = 1;
		} else {
			job.wl->release(&job);
		}
		if (expand_cases(o, p, j, &cap) != 0)
			goto fail;
	}
	return 0;
fail:
	pb_plan_free(p);
	return -1;
}

void pb_plan_free(struct pb_plan *p)
{
	if (p->has_first)
		p->first.wl->release(&p->first);
	free(p->jobs);
	free(p->cases);
	memset(p, 0, sizeof *p);
}

void pb_bind_str(const struct pb_bind *b, char *buf, size_t len)
{
	if (b->kind == PB_BIND_NONE)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%s-%s", pb_bind_name(b->kind), pb_order_name(b->order));
}

void pb_plan_case_key(const struct pb_plan *p, size_t c, struct pb_raw_row *key)
{
	const struct pb_plan_case *pc = &p->cases[c];
	const struct pb_plan_job *j = &p->jobs[pc->job];
	memset(key, 0, sizeof *key);
	snprintf(key->workload, sizeof key->workload, "%s", j->wl->name);
	key->size = j->actual_size;
	snprintf(key->params, sizeof key->params, "%s", j->params_str);
	snprintf(key->variant, sizeof key->variant, "%s", pc->ex->name);
	key->workers = pc->workers;
	key->tasks = pc->tasks;
	key->chunk = pc->chunk;
	snprintf(key->schedule, sizeof key->schedule, "%s", pb_sched_name(pc->sched));
	pb_bind_str(&pc->bind, key->bind, sizeof key->bind);
}

void pb_plan_case_label(const struct pb_plan *p, size_t c, char *buf, size_t len)
{
	const struct pb_plan_case *pc = &p->cases[c];
	const struct pb_plan_job *j = &p->jobs[pc->job];
	char bind[PB_BIND_MAX];
	pb_bind_str(&pc->bind, bind, sizeof bind);
	snprintf(buf, len, "%s%s%s %s j=%d T=%llu %s c=%llu%s%s", j->wl->name, j->params_str[0] ? " " : "",
		 j->params_str, pc->ex->name, pc->workers, (unsigned long long)pc->tasks, pb_sched_name(pc->sched),
		 (unsigned long long)pc->chunk, pc->bind.kind == PB_BIND_NONE ? "" : " bind=",
		 pc->bind.kind == PB_BIND_NONE ? "" : bind);
}

int pb_case_args(const struct pb_raw_row *k, char ***out, int *nout)
{
	struct pb_strbuf b = { 0 };
	char params[PB_PARAMS_MAX];
	const char *dash = strchr(k->bind, '-');
	/* the options and their values, NUL-separated, then split into argv */
	const char *plugin = pb_plugin_path_of(k->workload); /* a plugin's case runs again from its file */
	pb_sb_printf(&b, "%s%c%s%c", "--workload", 0, plugin ? plugin : k->workload, 0);
	pb_sb_printf(&b, "%s%c%llu%c", "--size", 0, k->size, 0);
	pb_sb_printf(&b, "%s%c%s%c", "--variant", 0, k->variant, 0);
	pb_sb_printf(&b, "%s%c%d%c", "--workers", 0, k->workers, 0);
	pb_sb_printf(&b, "%s%c%llu%c", "--tasks", 0, k->tasks, 0);
	pb_sb_printf(&b, "%s%c%llu%c", "--chunk", 0, k->chunk, 0);
	pb_sb_printf(&b, "%s%c%s%c", "--schedule", 0, k->schedule, 0);
	snprintf(params, sizeof params, "%s", k->params);
	for (char *save = NULL, *q = strtok_r(params, ";", &save); q; q = strtok_r(NULL, ";", &save))
		pb_sb_printf(&b, "%s%c%s%c", "--param", 0, q, 0);
	if (dash)
		pb_sb_printf(&b, "%s%c%.*s%c%s%c%s%c", "--bind", 0, (int)(dash - k->bind), k->bind, 0,
			     "--order", 0, dash + 1, 0);
	else
		pb_sb_printf(&b, "%s%c%s%c", "--bind", 0, k->bind, 0);
	if (b.oom) {
		free(b.s);
		return -1;
	}
	int n = 0;
	for (size_t i = 0; i < b.len; i++)
		n += b.s[i] == '\0';
	char **v = calloc((size_t)n + 1, sizeof *v);
	if (!v) {
		free(b.s);
		return -1;
	}
	const char *s = b.s;
	for (int i = 0; i < n; i++) {
		if (!(v[i] = strdup(s))) {
			for (int k2 = 0; k2 < i; k2++)
				free(v[k2]);
			free(v);
			free(b.s);
			return -1;
		}
		s += strlen(s) + 1;
	}
	free(b.s);
	*out = v;
	*nout = n;
	return 0;
}
