#include "eval/report_outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 1: empty or an earlier run's output; 0: something else; -1: cannot read it. */
static int replaceable(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int entries = 0, has_report = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        entries++;
        if (!strcmp(e->d_name, "report.json"))
            has_report = 1;
    }
    closedir(d);
    return entries == 0 || has_report;
}

int rq_outdir_begin(rq_outdir *o, const char *dir, rq_error *err)
{
    memset(o, 0, sizeof *o);
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (len == 0)
        return rq_fail(err, "--out: empty folder name");
    if (len >= sizeof o->final - 8)
        return rq_fail(err, "%s: path too long", dir);
    memcpy(o->final, dir, len);
    o->final[len] = 0;
    if (!strcmp(o->final, "/") || !strcmp(o->final, ".") || !strcmp(o->final, ".."))
        return rq_fail(err, "%s: refusing to replace this folder; name a new or earlier output folder", o->final);

    struct stat st;
    if (lstat(o->final, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return rq_fail(err, "%s: exists and is not a folder", o->final);
        int r = replaceable(o->final);
        if (r < 0)
            return rq_fail(err, "%s: cannot read: %s", o->final, strerror(errno));
        if (!r)
            return rq_fail(err, "%s: exists and is not an rppgq run output (no report.json); not replacing it",
                           o->final);
    } else if (errno != ENOENT) {
        return rq_fail(err, "%s: %s", o->final, strerror(errno));
    }
    snprintf(o->stage, sizeof o->stage, "%s.tmp.XXXXXX", o->final);
    if (!mkdtemp(o->stage)) {
        int e = errno;
        o->stage[0] = 0;
        return rq_fail(err, "%s: cannot create the output folder: %s", o->final, strerror(e));
    }
    o->cleanup = rq_cleanup_add(o->stage);
    /* mkdtemp makes 0700; the report is an ordinary folder for the user */
    mode_t mask = umask(0);
    umask(mask);
    chmod(o->stage, 0777 & ~mask);
    return 0;
}

int rq_outdir_path(const rq_outdir *o, const char *name, char *buf, size_t size, rq_error *err)
{
    int n = snprintf(buf, size, "%s/%s", o->stage, name);
    if (n < 0 || (size_t)n >= size)
        return rq_fail(err, "%s/%s: path too long", o->final, name);
    return 0;
}

int rq_outdir_commit(rq_outdir *o, rq_error *err)
{
    if (!o->stage[0])
        return rq_fail(err, "%s: output folder not prepared", o->final);
    struct stat st;
    int exists = lstat(o->final, &st) == 0;
    if (exists) {
        /* DIR may have changed during the run: check again before it goes */
        if (!S_ISDIR(st.st_mode) || replaceable(o->final) != 1)
            return rq_fail(err, "%s: changed during the run and is no longer an rppgq output; not replacing it",
                           o->final);
        if (renameat2(AT_FDCWD, o->stage, AT_FDCWD, o->final, RENAME_EXCHANGE) == 0) {
            /* the stage name now holds the previous output */
            if (rq_remove_tree(o->stage) != 0)
                fprintf(stderr, "rppgq: warning: could not remove the previous output, now %s\n", o->stage);
            o->stage[0] = 0;
            rq_cleanup_drop(o->cleanup);
            o->cleanup = 0;
            return 0;
        }
        /* no exchange on this file system: move the old one aside first */
        char old[sizeof o->stage + 8];
        snprintf(old, sizeof old, "%s.old.XXXXXX", o->final);
        if (!mkdtemp(old))
            return rq_fail(err, "%s: cannot replace: %s", o->final, strerror(errno));
        rmdir(old);
        if (rename(o->final, old) != 0)
            return rq_fail(err, "%s: cannot replace: %s", o->final, strerror(errno));
        if (rename(o->stage, o->final) != 0) {
            int e = errno;
            rename(old, o->final);
            return rq_fail(err, "%s: cannot rename the new output into place: %s", o->final, strerror(e));
        }
        rq_remove_tree(old);
    } else if (rename(o->stage, o->final) != 0) {
        return rq_fail(err, "%s: cannot rename the new output into place: %s", o->final, strerror(errno));
    }
    o->stage[0] = 0;
    rq_cleanup_drop(o->cleanup);
    o->cleanup = 0;
    return 0;
}

void rq_outdir_abort(rq_outdir *o)
{
    if (o->stage[0]) {
        rq_remove_tree(o->stage);
        o->stage[0] = 0;
    }
    rq_cleanup_drop(o->cleanup);
    o->cleanup = 0;
}
