/* Nothing half-written stays behind when the user interrupts a command (Ctrl-C, SIGTERM,
 * SIGHUP): every writer registers its temporary file or folder here while it exists, and a
 * helper process it waits on while it runs.
 *
 * The first registration installs the signal handlers (not for a signal the process was
 * told to ignore, as `nohup` and shells' background jobs do) and starts a watcher thread.
 * A handler only writes the signal number into a pipe (async-signal-safe); the watcher
 * thread wakes up, stops the registered helpers (SIGTERM), removes every registered path
 * (folders with everything in them) and lets the signal end the process as it would have
 * without handler (exit status 128 + signal in a shell). */
#ifndef RQ_CLEANUP_H
#define RQ_CLEANUP_H

#include <sys/types.h>

/* Registers a temporary file or folder; returns a handle (> 0) for rq_cleanup_drop, or 0
 * when it could not be registered (out of memory: the path is then merely not protected).
 * 0 is "nothing registered", so a zeroed struct holding a handle is safe to drop. */
int rq_cleanup_add(const char *path);
/* Registers every file named `path` followed by what the glob pattern `wildcards` matches
 * (e.g. ".??????" for the temporary "PATH.XXXXXX" a library writes and renames into place). */
int rq_cleanup_add_glob(const char *path, const char *wildcards);
/* Registers a running helper process to stop on an interrupt. */
int rq_cleanup_add_child(pid_t pid);
/* The path is gone or final (renamed into place), or the helper has ended. 0 is a no-op. */
void rq_cleanup_drop(int handle);

/* Removes a folder tree (or a file) without following symbolic links; 0 or -1. */
int rq_remove_tree(const char *path);

#endif
