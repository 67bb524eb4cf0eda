/* PLACEHOLDER: replaced by the real pinning module before landing. */
#include "pin.h"
#include <sched.h>
#include <stdio.h>
#include <string.h>
const char *pb_bind_name(enum pb_bind_kind k) { return k == PB_BIND_NONE ? "none" : k == PB_BIND_CORE ? "core" : "pu"; }
const char *pb_order_name(enum pb_bind_order o) { return o == PB_ORDER_COMPACT ? "compact" : "scatter"; }
int pb_bind_parse(const char *s, enum pb_bind_kind *out) { if (!strcmp(s, "none")) *out = PB_BIND_NONE; else if (!strcmp(s, "core")) *out = PB_BIND_CORE; else if (!strcmp(s, "pu")) *out = PB_BIND_PU; else return -1; return 0; }
int pb_order_parse(const char *s, enum pb_bind_order *out) { if (!strcmp(s, "compact")) *out = PB_ORDER_COMPACT; else if (!strcmp(s, "scatter")) *out = PB_ORDER_SCATTER; else return -1; return 0; }
int pb_current_cpu(void) { return sched_getcpu(); }
