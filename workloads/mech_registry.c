/* mech_registry.c: the tables of mechanisms, one per family file, and the names of their enums. */
#include "mech.h"

#include <string.h>

/*
 * One line per family file.  A family added later (MPI, issue 15) adds its
 * table here and nothing anywhere else; a build without it links a table
 * whose mechanisms say why they are unavailable.
 */
static const struct pb_mech *const *const tables[] = {
	pb_mechs_ipc,
	pb_mechs_sync,
	pb_mechs_spawn,
	pb_mechs_mpi,
	NULL,
};

#define MAX_MECHS 128

const struct pb_mech *const *pb_mechs(void)
{
	/* built once; the tables are constant, so two threads building it at once write the same */
	static const struct pb_mech *all[MAX_MECHS + 1];
	static int n = -1;
	if (n < 0) {
		int k = 0;
		for (int t = 0; tables[t]; t++)
			for (int i = 0; tables[t][i] && k < MAX_MECHS; i++)
				all[k++] = tables[t][i];
		all[k] = NULL;
		n = k;
	}
	return all;
}

const struct pb_mech *pb_mech_find(const char *name)
{
	const struct pb_mech *const *m = pb_mechs();
	for (int i = 0; m[i]; i++)
		if (strcmp(m[i]->name, name) == 0)
			return m[i];
	return NULL;
}

const char *pb_mech_family(int i)
{
	const struct pb_mech *const *m = pb_mechs();
	int seen = -1;
	for (int k = 0; m[k]; k++) {
		int first = 1;
		for (int j = 0; j < k; j++)
			if (strcmp(m[j]->family, m[k]->family) == 0)
				first = 0;
		if (first && ++seen == i)
			return m[k]->family;
	}
	return NULL;
}

int pb_mech_is_family(const char *name)
{
	for (int i = 0; pb_mech_family(i); i++)
		if (strcmp(pb_mech_family(i), name) == 0)
			return 1;
	return 0;
}

static const char *const kind_names[PB_EP_NKINDS] = { "process", "thread" };
static const char *const wait_names[PB_NMWAITS] = { "block", "spin", "spin-then-block", "none" };
static const char *const mode_names[PB_NMODES] = { "lat", "bw" };
static const char *const place_names[PB_NPLACES] = { "free", "same-cpu", "same-core", "other-core",
						    "other-package" };

const char *pb_ep_kind_name(enum pb_ep_kind k) { return (unsigned)k < PB_EP_NKINDS ? kind_names[k] : "?"; }
const char *pb_mwait_name(enum pb_mwait w) { return (unsigned)w < PB_NMWAITS ? wait_names[w] : "?"; }
const char *pb_mode_name(enum pb_mode m) { return (unsigned)m < PB_NMODES ? mode_names[m] : "?"; }
const char *pb_place_name(enum pb_place p) { return (unsigned)p < PB_NPLACES ? place_names[p] : "?"; }

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

#define PARSE(fn, type, names, n)                 \
	int fn(const char *s, type *out)          \
	{                                         \
		int i = lookup(names, n, s);      \
		if (i < 0)                        \
			return -1;                \
		*out = (type)i;                   \
		return 0;                         \
	}
PARSE(pb_ep_kind_parse, enum pb_ep_kind, kind_names, PB_EP_NKINDS)
PARSE(pb_mwait_parse, enum pb_mwait, wait_names, PB_NMWAITS)
PARSE(pb_mode_parse, enum pb_mode, mode_names, PB_NMODES)
PARSE(pb_place_parse, enum pb_place, place_names, PB_NPLACES)
#undef PARSE
