/* counters_papi_none.c: the build without PAPI: the backend says so and never measures. */
#include "counters_impl.h"

#include <stdio.h>

#define NO_PAPI "this build has no PAPI"

const char *pb_papi_version(void)
{
	return "none";
}

int pb_papi_hw_counters(char *why, size_t len)
{
	snprintf(why, len, NO_PAPI);
	return 0;
}

int pb_papi_check_events(char events[][PB_EVENT_NAME_MAX], int n, char *why, size_t len)
{
	if (n > 0)
		snprintf(why, len, "cannot count PAPI event '%s': " NO_PAPI, events[0]);
	else
		snprintf(why, len, NO_PAPI);
	return -1;
}

int pb_papi_keep_available(char events[][PB_EVENT_NAME_MAX], int n)
{
	(void)events;
	(void)n;
	return 0;
}

int pb_papi_start(struct pb_ctr_session *s)
{
	(void)s;
	return -1;
}

int pb_papi_stop(struct pb_ctr_session *s, long long *vals)
{
	(void)s;
	(void)vals;
	return -1;
}

void pb_papi_thread_done(void)
{
}
