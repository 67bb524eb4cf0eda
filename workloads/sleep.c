/* PLACEHOLDER: replaced by the real workload before landing. */
#include "workload.h"
#include <stdio.h>
static int ph_prepare(struct pb_job *job, char *err, size_t len) { (void)job; snprintf(err, len, "not built yet"); return -1; }
const struct pb_workload pb_wl_sleep = { .name = "sleep", .description = "placeholder", .unit = "items", .prepare = ph_prepare };
