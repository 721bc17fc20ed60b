/* Running a helper program (the C compiler, a footprint script) without a shell. */
#ifndef RQ_SPAWN_H
#define RQ_SPAWN_H

/* Runs argv[0] (searched in PATH) with stdin from /dev/null (QEMU -nographic on a terminal
 * would otherwise wait on it), stdout into out_path, and stderr into out_path as well when
 * stderr_too, else into /dev/null. Returns the exit status, 128+signal if it was killed, or
 * -1 if it could not be started. */
int rq_spawn_to_file(char *const argv[], const char *out_path, int stderr_too);
/* The same, calling tick(arg, seconds since the start) about five times a second while the
 * program runs (to show that a long step is alive). */
int rq_spawn_to_file_ticking(char *const argv[], const char *out_path, int stderr_too,
                             void (*tick)(void *arg, double seconds), void *arg);

#endif
