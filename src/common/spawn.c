#include "common/spawn.h"

#include "common/cleanup.h"
#include "common/progress.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Waits for pid; with tick, polls so that tick runs meanwhile. */
static int wait_child(pid_t pid, int *st, void (*tick)(void *, double), void *arg)
{
    double t0 = rq_now();
    for (;;) {
        int w = waitpid(pid, st, tick ? WNOHANG : 0);
        if (w == pid)
            return 0;
        if (w < 0 && errno != EINTR)
            return -1;
        if (w == 0) {
            tick(arg, rq_now() - t0);
            nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
        }
    }
}

int rq_spawn_to_file(char *const argv[], const char *out_path, int stderr_too)
{
    return rq_spawn_to_file_ticking(argv, out_path, stderr_too, NULL, NULL);
}

int rq_spawn_to_file_ticking(char *const argv[], const char *out_path, int stderr_too,
                             void (*tick)(void *arg, double seconds), void *arg)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (stderr_too)
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
    else
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    /* stopped on an interrupt: a helper in its own process group (timeout) misses Ctrl-C */
    int cleanup = rq_cleanup_add_child(pid);
    int st;
    int w = wait_child(pid, &st, tick, arg);
    rq_cleanup_drop(cleanup);
    if (w < 0)
        return -1;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}
