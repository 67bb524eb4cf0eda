/* plugin.h: a user's workload from a shared object: loaded, checked, and run as a built-in is. */
#ifndef PB_PLUGIN_H
#define PB_PLUGIN_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "../workloads/workload.h"

/*
 * A plugin is a shared object exporting `pb_plugin` (PB_PLUGIN in
 * include/parbench/workload.h).  Loading it gives a descriptor of the
 * harness's own (struct pb_workload, what job->wl points at) that wraps the
 * plugin's hooks:
 * - every call into the plugin marks the calling thread, so that a fault in
 *   plugin code is reported as the plugin's (its name, the hook, the task)
 *   and a fault anywhere else stays parbench's own crash;
 * - `-p check=spans` (a parameter the harness adds) runs each task on
 *   guarded copies of its spans;
 * - a plugin without verify is checked for consistency against a serial
 *   reference (pb_workload_check says which check a workload's rows record).
 * A plugin stays loaded for the life of the process, so forked workers
 * inherit it.  None of this is thread-safe against concurrent loading: the
 * command line loads plugins before anything runs.
 */

#define PB_MAX_PLUGINS 16

/* What meta.json records of a loaded plugin, and what another process (an MPI rank) needs to load the same one. */
struct pb_plugin_info {
	char path[PATH_MAX];  /* as the user gave it */
	char real[PATH_MAX];  /* absolute, symbolic links resolved: what was loaded */
	char sha256[65];      /* of the file's bytes, as sha256sum prints it */
	uint64_t bytes;       /* the file's size */
	int has_verify;       /* 0: checked for consistency */
};

/* Whether a -w value names a plugin file rather than a workload: it contains '/' or ends in ".so". */
int pb_plugin_is_path(const char *val);

/*
 * Load the plugin at path (a name without '/' is taken in the current
 * directory, never searched for), check its ABI version and descriptor, and
 * return the harness's descriptor for it.  The same file loaded twice gives
 * the same descriptor.  NULL with a one-line reason in err (lowercase, no
 * path: the caller names the file), for: a file that cannot be read, one that
 * is not a shared object, a missing pb_plugin symbol, a wrong ABI version,
 * a descriptor without kernel, a parameter without default, a bad name.
 */
const struct pb_workload *pb_plugin_load(const char *path, char *err, size_t errlen);

/*
 * pb_plugin_load, refusing a file whose SHA-256 is not sha256_hex: how a
 * process that was handed a run's plugin (path and hash from meta.json, as
 * an MPI rank is) loads exactly the kernel the run measured.
 */
const struct pb_workload *pb_plugin_load_expect(const char *path, const char *sha256_hex, char *err,
						size_t errlen);

/*
 * The checks pb_plugin_load makes on an exported pb_plugin, apart from any
 * file: 0, or -1 with the reason in err.  A name that a built-in workload or
 * an already loaded plugin has is refused too.
 */
int pb_plugin_check(const struct pb_plugin *pl, char *err, size_t errlen);

/*
 * A plugin that is already in memory (a test's descriptor, or one linked
 * in): checked and wrapped as pb_plugin_load does, recorded under label,
 * with no file (sha256 empty).  NULL with the reason in err.
 */
const struct pb_workload *pb_plugin_register(const struct pb_plugin *pl, const char *label, char *err,
					     size_t errlen);

/*
 * Install the fault handler (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT),
 * keeping the handlers it replaces for faults outside plugin code.  The
 * first load does it; call it again only after something else replaced
 * them (a test framework does, per test).
 */
void pb_plugin_handlers_install(void);

/* The loaded plugin behind wl, or NULL for a built-in. */
const struct pb_plugin_info *pb_plugin_info(const struct pb_workload *wl);

/* What raw.csv's check column records for wl's rows: "consistency" (a plugin without verify) or "reference". */
const char *pb_workload_check(const struct pb_workload *wl);

/* The file of the loaded plugin whose workload is called name (what -w needs to run it again), or NULL. */
const char *pb_plugin_path_of(const char *name);

/* meta.json's "plugins": one object per loaded plugin (name, path, realpath, sha256, bytes, abi, check); NULL if none. */
json_t *pb_plugins_json(void);

/*
 * --append: whether the run whose meta.json is meta may take this process's
 * plugins.  A plugin of the same name with another SHA-256 is refused (its
 * rows would mix two kernels under one name): -1 with the reason in err.
 * pb_plugins_merge_meta then adds the new plugins to meta's "plugins".
 */
int pb_plugins_check_meta(const json_t *meta, char *err, size_t errlen);
void pb_plugins_merge_meta(json_t *meta);

/*
 * Before each run of a case (warm-ups included): the case's task count and
 * label, which a crash message names, and the fault record cleared.  A no-op
 * for built-in workloads.
 */
void pb_plugin_run_begin(const struct pb_workload *wl, uint64_t ntasks, const char *label);

/*
 * After a run of wl failed (a worker died): "plugin 'NAME' (PATH)", and
 * what the fault record says a worker's kernel did ("crashed on task 17
 * (items [170, 180)): SIGSEGV (signal 11) at address 0x0"), into buf.
 * Returns 0, or -1 for a built-in (buf untouched).
 */
int pb_plugin_failure_note(const struct pb_workload *wl, char *buf, size_t len);

#endif
