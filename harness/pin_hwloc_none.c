/* PLACEHOLDER: replaced by the real pinning module before landing. */
#include "pin.h"
#include <stdio.h>
#include <string.h>
int pb_pin_supported(char *why, size_t len) { snprintf(why, len, "not built yet"); return 0; }
int pb_pin_plan(const struct pb_bind *b, int n, struct pb_cpuset *sets, int *over, char *err, size_t len) { for (int i = 0; i < n; i++) pb_cpuset_zero(&sets[i]); *over = 0; if (b->kind != PB_BIND_NONE) { snprintf(err, len, "not built yet"); return -1; } return 0; }
int pb_pin_thread(const struct pb_cpuset *set) { (void)set; return -1; }
int pb_pin_process(const struct pb_cpuset *set) { (void)set; return -1; }
int pb_pin_get_thread(struct pb_cpuset *set) { pb_cpuset_zero(set); return -1; }
