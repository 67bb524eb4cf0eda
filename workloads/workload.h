/*
 * workload.h: what the built-in workloads share beyond the public contract.
 * The contract itself is include/parbench/workload.h, the header `make
 * install` installs for plugins: the built-ins compile against that very
 * file, so it cannot drift from what the harness expects.
 */
#ifndef PB_WORKLOAD_H
#define PB_WORKLOAD_H

#include "../include/parbench/workload.h"

/*
 * The descriptor of a buffer pb_buf_alloc made, or -1 (no memfd on this
 * kernel, or not one of its buffers): another process (the MPI coordinator
 * rank) maps the same pages from it.  Internal: plugins never need it.
 */
int pb_buf_fd(const uint8_t *p);

/* The registry of built-in workloads (workloads/registry.c). */
extern const struct pb_workload *const pb_workloads[]; /* NULL-terminated */
const struct pb_workload *pb_workload_find(const char *name);

#endif
