/* mech_figures.c: per-operation figures of mechanism cases, from the rows alone. */
#include "mech_figures.h"
#include "summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int pb_mech_figures(const struct pb_raw_row *key, const struct pb_stats *st, struct pb_mech_fig *f)
{
	char v[64];
	if (strncmp(key->params, "mech=", 5) != 0 || key->size == 0)
		return 0;
	double ops = (double)key->size;
	f->per_op_s = st->median / ops;
	f->per_op_lo_s = st->ci_lo / ops;
	f->per_op_hi_s = st->ci_hi / ops;
	f->bytes_per_s = NAN;
	if (pb_params_get(key->params, "mode", v, sizeof v) == 0 && strcmp(v, "bw") == 0 &&
	    pb_params_get(key->params, "bytes", v, sizeof v) == 0 && st->median > 0)
		f->bytes_per_s = strtod(v, NULL) * ops / st->median;
	return 1;
}
