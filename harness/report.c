/* PLACEHOLDER: replaced by the real command before landing. */
#include "commands.h"
#include "util.h"
int pb_cmd_report(int argc, char **argv) { (void)argc; (void)argv; pb_err("report: not built yet"); return 2; }
#include <stdio.h>
int pb_summary_write_dir(const char *dir, char *err, size_t errlen) { (void)dir; snprintf(err, errlen, "not built yet"); return -1; }
