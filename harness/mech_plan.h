/* mech_plan.h: `parbench mech`'s options, and the cases they expand to. */
#ifndef PB_MECH_PLAN_H
#define PB_MECH_PLAN_H

#include <stdint.h>
#include <stdio.h>

#include "../workloads/mech.h"
#include "pin.h"
#include "run.h"
#include "schema.h"

#define PB_MECH_MAX 128

struct pb_mech_opts {
	struct pb_common_opts c;   /* first: the common options' parsers see this */
	int nmechs;
	const struct pb_mech *mechs[PB_MECH_MAX];
	unsigned char named[PB_MECH_MAX]; /* 1: named on its own; 0: through its family or all */
	int nkinds, nmodes, nwaits, nplaces, nbytes, nops, nparams;
	enum pb_ep_kind kinds[PB_EP_NKINDS];
	enum pb_mode modes[PB_NMODES];
	enum pb_mwait waits[PB_NMWAITS];
	enum pb_place places[PB_NPLACES];
	uint64_t bytes[PB_MAX_LIST];
	uint64_t ops[PB_MAX_LIST];
	struct pb_param_arg params[16];
	double min_time_s;         /* calibration: a repetition lasts at least this */
	enum pb_size_preset preset;
	char hostfile[4096];       /* --hostfile: the mpi family's hosts ("" = this one) */
};

/* One planned case. */
struct pb_mech_plan_case {
	struct pb_mech_case mc;
	struct pb_bind bind;
	uint64_t ops;              /* 0: calibrate */
	char params[PB_PARAMS_MAX]; /* raw.csv's params: "mech=pipe;mode=lat;bytes=64;wait=block;placement=free" */
	char label[PB_PARAMS_MAX + 64];
};

struct pb_mech_plan {
	size_t n, cap;
	struct pb_mech_plan_case *cases;
};

/*
 * Parse `mech` options (argv[0] = "mech") into o.  0; -1 after printing
 * --help; 2 after printing one error line.
 */
int pb_mech_parse(int argc, char **argv, struct pb_mech_opts *o);

/*
 * Expand o into cases, mechanism by mechanism in registry order.  A value
 * given for an option must suit every mechanism named on its own (-m pipe):
 * one that does not is bad input (one line, 2); mechanisms chosen through a
 * family or `all` simply skip values that do not apply to them (eventfd
 * takes only 8-byte messages, mq stops at msgsize_max).  0, or 2 after
 * printing the error.
 */
int pb_mech_plan_build(const struct pb_mech_opts *o, struct pb_mech_plan *p);
void pb_mech_plan_free(struct pb_mech_plan *p);

/* Case i's key as raw.csv holds it (size = ops, 0 while it is to be calibrated). */
void pb_mech_plan_key(const struct pb_mech_plan *p, size_t i, struct pb_raw_row *key);

/* `parbench list`'s mechanisms section. */
void pb_mech_list(FILE *f);

/* mech's option tables (its own, then the common ones), NULL-terminated: for help --options, the man page, the completion. */
struct pb_opt;
extern const struct pb_opt *const pb_mech_tables[];

#endif
