/* pin_common.c: binding names and what the kernel says without hwloc (CPU model, affinity, current CPU). */
#include "pin.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>

const char *pb_bind_name(enum pb_bind_kind k)
{
	switch (k) {
	case PB_BIND_NONE: return "none";
	case PB_BIND_CORE: return "core";
	case PB_BIND_PU: return "pu";
	}
	return "?";
}

const char *pb_order_name(enum pb_bind_order o)
{
	return o == PB_ORDER_COMPACT ? "compact" : "scatter";
}

int pb_bind_parse(const char *s, enum pb_bind_kind *out)
{
	if (strcmp(s, "none") == 0)
		*out = PB_BIND_NONE;
	else if (strcmp(s, "core") == 0)
		*out = PB_BIND_CORE;
	else if (strcmp(s, "pu") == 0)
		*out = PB_BIND_PU;
	else
		return -1;
	return 0;
}

int pb_order_parse(const char *s, enum pb_bind_order *out)
{
	if (strcmp(s, "compact") == 0)
		*out = PB_ORDER_COMPACT;
	else if (strcmp(s, "scatter") == 0)
		*out = PB_ORDER_SCATTER;
	else
		return -1;
	return 0;
}

int pb_current_cpu(void)
{
	return sched_getcpu();
}

void pb_pin_cpu_model(char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");
	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "model name", 10) != 0)
			continue;
		char *v = strchr(line, ':');
		if (!v)
			break;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = '\0';
		if (*v)
			snprintf(buf, len, "%s", v);
		break;
	}
	fclose(f);
}

int pb_pin_affinity(struct pb_cpuset *set)
{
	cpu_set_t cs;
	pb_cpuset_zero(set);
	CPU_ZERO(&cs);
	if (sched_getaffinity(0, sizeof cs, &cs) != 0)
		return -1;
	for (int c = 0; c < CPU_SETSIZE && c < PB_MAX_CPUS; c++)
		if (CPU_ISSET(c, &cs))
			pb_cpuset_set(set, c);
	return 0;
}
