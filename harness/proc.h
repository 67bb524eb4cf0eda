/* proc.h: bookkeeping of child processes and shared segments, so that no exit leaves any behind. */
#ifndef PB_PROC_H
#define PB_PROC_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Every fork()ed worker is registered at once and unregistered after it is
 * reaped; every named shared-memory segment is registered until unlinked.
 * On SIGINT/SIGTERM, the watchdog (--timeout) or a fatal error, the
 * registered children are killed (SIGKILL) and reaped and the segments
 * unlinked, using only async-signal-safe calls.
 */
void pb_proc_register(pid_t pid);
void pb_proc_unregister(pid_t pid);
void pb_shm_register(const char *name);   /* name as given to shm_open, at most 63 chars */
void pb_shm_unregister(const char *name);

/*
 * A registered child that must end its own children (a launcher: mpirun):
 * cleanup sends it SIGTERM and waits up to 3 s before SIGKILL.
 */
void pb_proc_set_gentle(pid_t pid);

/*
 * A file or directory (a socket, a FIFO, a launcher's session directory) to
 * remove, recursively, at cleanup unless unregistered first; at most 16.
 */
void pb_path_register(const char *path);
void pb_path_unregister(const char *path);

/* rm -rf path with system calls only (async-signal-safe). */
void pb_remove_tree(const char *path);

/* Kill and reap every registered child, unlink every registered segment and path. Async-signal-safe. */
void pb_proc_cleanup(void);

/*
 * Install SIGINT/SIGTERM/SIGHUP handlers: cleanup, the exit hook, then
 * _exit(128 + signo).
 */
void pb_proc_install_signals(void);

/*
 * A function to call after cleanup when a signal (signo > 0) or the watchdog
 * (signo 0) ends the process; it must be async-signal-safe.  NULL: none.
 */
void pb_proc_set_exit_hook(void (*hook)(int signo));

/*
 * A fatal error found in parbench's own process by a signal handler (a
 * plugin's kernel crashing on one of its threads): write line (one line,
 * newline included) to stderr, clean up, call the exit hook as the watchdog
 * does, and _exit(1).  Async-signal-safe.
 */
void pb_proc_fatal(const char *line, size_t len) __attribute__((noreturn));

/* In a freshly forked child: forget the parent's registry, restore default signal dispositions. */
void pb_proc_child_init(void);

/* fork() that registers the child; in the child calls pb_proc_child_init. */
pid_t pb_fork(void);

/* Describe a wait status: "exited with status 3", "killed by signal 9". */
void pb_wait_status_str(int status, char *buf, size_t len);

/*
 * Watchdog for --timeout: arm before a run, disarm after.  If the run is not
 * disarmed within seconds, prints "parbench: <what>: timed out after S s"
 * on stderr, cleans up and _exit(1).
 */
void pb_watchdog_arm(double seconds, const char *what);
void pb_watchdog_disarm(void);

/* A unique name for a shared segment: "/parbench-<pid>-<seq>". */
void pb_shm_name(char *buf, size_t len);

/* Read or write exactly len bytes, retrying on EINTR and short transfers; 0 or -1 (errno set, EPIPE-ish on EOF: returns -1 with errno 0). */
int pb_read_full(int fd, void *buf, size_t len);
int pb_write_full(int fd, const void *buf, size_t len);

#endif
