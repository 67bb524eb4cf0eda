/* commands.h: the subcommands of parbench besides run and list; each returns an exit status. */
#ifndef PB_COMMANDS_H
#define PB_COMMANDS_H

#include <stddef.h>

/* argv[0] is the subcommand's name; errors are printed with pb_err; 0, 1 or 2 as in DESIGN.md. */
int pb_cmd_topo(int argc, char **argv);    /* harness/topo.c */
int pb_cmd_report(int argc, char **argv);  /* harness/report.c */
int pb_cmd_compare(int argc, char **argv); /* harness/compare.c */
int pb_cmd_ab(int argc, char **argv);      /* harness/ab.c */
int pb_cmd_mech(int argc, char **argv);    /* harness/cmd_mech.c */

#endif
