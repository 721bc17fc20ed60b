#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct entry {
    char *path; /* NULL for a helper process */
    pid_t pid;
    int is_glob;
    int used;
} entry;

/* The registry is process-wide by nature: one set of signal handlers, one process. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static entry *entries;
static int n_entries, cap_entries;
static int started; /* handlers installed and watcher running (or failed to start: -1) */
static int wake_fd[2] = {-1, -1};

static const int handled[] = {SIGINT, SIGTERM, SIGHUP};

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

int rq_remove_tree(const char *path)
{
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 || errno == ENOENT ? 0 : -1;
}

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (write(wake_fd[1], &b, 1) < 0) {
        /* nothing more can be done safely here */
    }
    errno = saved;
}

/* Another thread may still be writing into a folder being removed (a file created after
 * the listing makes rmdir fail): a few passes get it all. */
static void remove_path(const char *path)
{
    for (int pass = 0; pass < 20 && access(path, F_OK) == 0; pass++)
        if (rq_remove_tree(path) != 0)
            usleep(10000);
}

static void remove_matches(const char *pattern)
{
    glob_t g;
    if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0)
        for (size_t i = 0; i < g.gl_pathc; i++)
            unlink(g.gl_pathv[i]);
    globfree(&g);
}

static void remove_all(void)
{
    for (int i = 0; i < n_entries; i++)
        if (entries[i].used && !entries[i].path)
            kill(entries[i].pid, SIGTERM);
    for (int i = 0; i < n_entries; i++) {
        if (!entries[i].used || !entries[i].path)
            continue;
        if (entries[i].is_glob)
            remove_matches(entries[i].path);
        else
            remove_path(entries[i].path);
    }
}

static void *watch(void *arg)
{
    (void)arg;
    unsigned char b;
    ssize_t n;
    while ((n = read(wake_fd[0], &b, 1)) < 0 && errno == EINTR)
        ;
    if (n != 1)
        return NULL;
    pthread_mutex_lock(&mu); /* held to the end: nothing registers or drops meanwhile */
    remove_all();
    int sig = b;
    signal(sig, SIG_DFL);
    raise(sig);
    _exit(128 + sig); /* not reached */
    return NULL;
}

/* Called with mu held. */
static void start(void)
{
    if (started)
        return;
    started = -1;
    if (pipe2(wake_fd, O_CLOEXEC) != 0) /* helpers started later must not hold it */
        return;
    pthread_t th;
    if (pthread_create(&th, NULL, watch, NULL) != 0)
        return;
    pthread_detach(th);
    for (size_t i = 0; i < sizeof handled / sizeof *handled; i++) {
        struct sigaction sa, prev;
        if (sigaction(handled[i], NULL, &prev) == 0 && prev.sa_handler == SIG_IGN)
            continue; /* nohup or a background job: the user asked for no interrupt */
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(handled[i], &sa, NULL);
    }
    started = 1;
}

static int add(char *path, pid_t pid, int is_glob)
{
    pthread_mutex_lock(&mu);
    start();
    int h = -1;
    for (int i = 0; i < n_entries; i++)
        if (!entries[i].used) {
            h = i;
            break;
        }
    if (h < 0) {
        if (n_entries == cap_entries) {
            int cap = cap_entries ? 2 * cap_entries : 16;
            entry *e = realloc(entries, (size_t)cap * sizeof *e);
            if (!e) {
                pthread_mutex_unlock(&mu);
                free(path);
                return 0;
            }
            entries = e, cap_entries = cap;
        }
        h = n_entries++;
    }
    entries[h] = (entry){path, pid, is_glob, 1};
    pthread_mutex_unlock(&mu);
    return h + 1;
}

int rq_cleanup_add(const char *path)
{
    char *p = path ? strdup(path) : NULL;
    return p ? add(p, 0, 0) : 0;
}

int rq_cleanup_add_glob(const char *path, const char *wildcards)
{
    char *p = malloc(2 * strlen(path) + strlen(wildcards) + 1), *q = p;
    if (!p)
        return 0;
    for (const char *s = path; *s; s++) { /* the path itself matches only itself */
        if (strchr("*?[\\", *s))
            *q++ = '\\';
        *q++ = *s;
    }
    strcpy(q, wildcards);
    return add(p, 0, 1);
}

int rq_cleanup_add_child(pid_t pid) { return pid > 0 ? add(NULL, pid, 0) : 0; }

void rq_cleanup_drop(int handle)
{
    int h = handle - 1;
    if (h < 0)
        return;
    pthread_mutex_lock(&mu);
    if (h < n_entries && entries[h].used) {
        free(entries[h].path);
        entries[h] = (entry){NULL, 0, 0, 0};
    }
    pthread_mutex_unlock(&mu);
}
