/* parbench-creator.c: the lean creator of `parbench mech`'s spawn family (workloads/mech_spawn.c):
 * a program of its own, linked with nothing but libc, so that what it forks has the address space
 * of a plain C loop rather than parbench's (its libraries and hwloc's plugins: some 180 mappings). */
#include "../../workloads/mech.h"

int main(int argc, char **argv)
{
	return pb_spawn_creator_main(argc, argv);
}
