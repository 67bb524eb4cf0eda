/* PLACEHOLDER: replaced by the real counters module before landing. */
#include "counters.h"
#include <stdio.h>
#include <string.h>
const char *pb_ctr_backend_name(enum pb_ctr_backend b) { (void)b; return "none"; }
int pb_counters_resolve(const char *spec, struct pb_counters_cfg *cfg, char *err, size_t len) { memset(cfg, 0, sizeof *cfg); if (strcmp(spec, "none") && strcmp(spec, "auto")) { snprintf(err, len, "not built yet"); return -1; } return 0; }
void pb_ctr_start(struct pb_ctr_session *s, const struct pb_counters_cfg *cfg) { memset(s, 0, sizeof *s); s->cfg = cfg; }
void pb_ctr_stop(struct pb_ctr_session *s, struct pb_counter_values *acc) { (void)s; (void)acc; }
void pb_ctr_thread_done(const struct pb_counters_cfg *cfg) { (void)cfg; }
void pb_counters_describe(char *buf, size_t len) { snprintf(buf, len, "not built yet"); }
const char *pb_papi_version(void) { return "none"; }
