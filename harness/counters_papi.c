/* counters_papi.c: the PAPI backend: presets or named events on the calling thread, forked children too. */
#include "counters_impl.h"

#include <papi.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * PAPI is initialised once per process.  A forked child inherits the
 * parent's PAPI state, whose threads and event sets belong to the parent,
 * so the first use in a new process shuts that copy down and starts over.
 */
static pthread_mutex_t papi_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t papi_pid;
static int papi_rc; /* 0 or a PAPI error code from the last initialisation */

static unsigned long thread_id(void)
{
	return (unsigned long)pthread_self();
}

/* 0, or a PAPI error code. */
static int papi_init(void)
{
	pthread_mutex_lock(&papi_lock);
	if (papi_pid != getpid()) {
		if (papi_pid != 0 && PAPI_is_initialized() != PAPI_NOT_INITED)
			PAPI_shutdown();
		int rc = PAPI_library_init(PAPI_VER_CURRENT);
		papi_rc = rc == PAPI_VER_CURRENT ? 0 : (rc < 0 ? rc : PAPI_EINVAL);
		if (papi_rc == 0)
			papi_rc = PAPI_thread_init(thread_id);
		papi_pid = getpid();
	}
	int rc = papi_rc;
	pthread_mutex_unlock(&papi_lock);
	return rc;
}

const char *pb_papi_version(void)
{
	static char buf[32];
	int v = PAPI_VERSION;
	if (papi_init() == 0) {
		int lib = PAPI_get_opt(PAPI_LIB_VERSION, NULL);
		if (lib > 0)
			v = lib;
	}
	snprintf(buf, sizeof buf, "%d.%d.%d.%d", PAPI_VERSION_MAJOR(v), PAPI_VERSION_MINOR(v),
		 PAPI_VERSION_REVISION(v), PAPI_VERSION_INCREMENT(v));
	return buf;
}

int pb_papi_hw_counters(char *why, size_t len)
{
	int rc = papi_init();
	if (rc != 0) {
		snprintf(why, len, "cannot initialise PAPI: %s", PAPI_strerror(rc));
		return 0;
	}
	int n = PAPI_num_cmp_hwctrs(0);
	if (n > 0)
		return n;
	const PAPI_component_info_t *ci = PAPI_get_component_info(0);
	if (ci && ci->disabled && ci->disabled_reason[0])
		snprintf(why, len, "no hardware counters (PAPI_num_cmp_hwctrs(0) = %d; component '%s' disabled: %s)", n,
			 ci->name, ci->disabled_reason);
	else
		snprintf(why, len, "no hardware counters (PAPI_num_cmp_hwctrs(0) = %d)", n);
	return 0;
}

/* An event set of the events, not started; PAPI_NULL with why on failure. */
static int make_set(char events[][PB_EVENT_NAME_MAX], int n, char *why, size_t len)
{
	int set = PAPI_NULL, rc;
	if ((rc = PAPI_create_eventset(&set)) != PAPI_OK) {
		snprintf(why, len, "cannot create a PAPI event set: %s", PAPI_strerror(rc));
		return PAPI_NULL;
	}
	for (int i = 0; i < n; i++) {
		if ((rc = PAPI_add_named_event(set, events[i])) != PAPI_OK) {
			snprintf(why, len, "event '%s' cannot be counted%s: %s", events[i],
				 i ? " with the ones before it" : "", PAPI_strerror(rc));
			PAPI_cleanup_eventset(set);
			PAPI_destroy_eventset(&set);
			return PAPI_NULL;
		}
	}
	return set;
}

static void drop_set(int set)
{
	if (set == PAPI_NULL)
		return;
	PAPI_cleanup_eventset(set);
	PAPI_destroy_eventset(&set);
}

int pb_papi_check_events(char events[][PB_EVENT_NAME_MAX], int n, char *why, size_t len)
{
	int rc = papi_init();
	if (rc != 0) {
		snprintf(why, len, "cannot initialise PAPI: %s", PAPI_strerror(rc));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int code;
		if (PAPI_event_name_to_code(events[i], &code) != PAPI_OK) {
			snprintf(why, len, "unknown PAPI event '%s'", events[i]);
			return -1;
		}
		if (PAPI_query_event(code) != PAPI_OK) {
			char hw[200];
			if (pb_papi_hw_counters(hw, sizeof hw) == 0)
				snprintf(why, len, "PAPI event '%s' is not available on this machine: %s", events[i], hw);
			else
				snprintf(why, len, "PAPI event '%s' is not available on this machine", events[i]);
			return -1;
		}
	}
	int set = make_set(events, n, why, len);
	if (set == PAPI_NULL)
		return -1;
	drop_set(set);
	return 0;
}

int pb_papi_keep_available(char events[][PB_EVENT_NAME_MAX], int n)
{
	char why[256];
	int kept = 0;
	if (papi_init() != 0)
		return 0;
	for (int i = 0; i < n; i++) {
		int code;
		if (PAPI_event_name_to_code(events[i], &code) != PAPI_OK || PAPI_query_event(code) != PAPI_OK)
			continue;
		memmove(events[kept], events[i], PB_EVENT_NAME_MAX);
		int set = make_set(events, kept + 1, why, sizeof why);
		if (set == PAPI_NULL)
			continue; /* does not fit with the ones kept so far */
		drop_set(set);
		kept++;
	}
	return kept;
}

int pb_papi_start(struct pb_ctr_session *s)
{
	char why[256];
	s->papi_eventset = PAPI_NULL;
	if (papi_init() != 0 || PAPI_register_thread() != PAPI_OK)
		return -1;
	int set = make_set((char(*)[PB_EVENT_NAME_MAX])s->cfg->events, s->cfg->nevents, why, sizeof why);
	if (set == PAPI_NULL)
		return -1;
	if (PAPI_start(set) != PAPI_OK) {
		drop_set(set);
		return -1;
	}
	s->papi_eventset = set;
	return 0;
}

int pb_papi_stop(struct pb_ctr_session *s, long long *vals)
{
	if (s->papi_eventset == PAPI_NULL)
		return -1;
	int rc = PAPI_stop(s->papi_eventset, vals);
	drop_set(s->papi_eventset);
	s->papi_eventset = PAPI_NULL;
	return rc == PAPI_OK ? 0 : -1;
}

void pb_papi_thread_done(void)
{
	if (papi_pid == getpid())
		PAPI_unregister_thread();
}
