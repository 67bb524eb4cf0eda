/* PLACEHOLDER: replaced by the real command before landing. */
#include "commands.h"
#include "util.h"
int pb_cmd_ab(int argc, char **argv) { (void)argc; (void)argv; pb_err("ab: not built yet"); return 2; }
