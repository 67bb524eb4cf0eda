/* PLACEHOLDER: replaced by the real command before landing. */
#include "commands.h"
#include "util.h"
int pb_cmd_topo(int argc, char **argv) { (void)argc; (void)argv; pb_err("topo: not built yet"); return 2; }
