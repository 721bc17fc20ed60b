#include "common/atomic_file.h"

#include "common/cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rq_atomic_open(rq_atomic_file *f, const char *path, rq_error *err)
{
    memset(f, 0, sizeof *f);
    if (strlen(path) >= sizeof f->path)
        return rq_fail(err, "%s: path too long", path);
    strcpy(f->path, path);
    snprintf(f->tmp, sizeof f->tmp, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(f->tmp);
    if (fd < 0)
        return rq_fail(err, "%s: cannot create: %s", path, strerror(errno));
    f->cleanup = rq_cleanup_add(f->tmp);
    /* mkstemp creates 0600; outputs are ordinary files for the user */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        int e = errno;
        close(fd);
        unlink(f->tmp);
        rq_cleanup_drop(f->cleanup);
        f->cleanup = 0;
        return rq_fail(err, "%s: cannot open: %s", path, strerror(e));
    }
    return 0;
}

int rq_atomic_flush(rq_atomic_file *f, rq_error *err)
{
    if (!f->fp)
        return rq_fail(err, "%s: not open", f->path);
    /* A buffered write that failed earlier left only the error flag: writing the rest of
     * the buffer again tells why (EFBIG, ENOSPC...). The file is discarded either way. */
    int bad = ferror(f->fp);
    clearerr(f->fp);
    errno = 0;
    if (fflush(f->fp) != 0 || fsync(fileno(f->fp)) != 0 || bad)
        return rq_fail(err, "%s: write failed: %s", f->path, strerror(errno ? errno : EIO));
    return 0;
}

int rq_atomic_commit(rq_atomic_file *f, rq_error *err)
{
    if (!f->fp)
        return rq_fail(err, "%s: not open", f->path);
    int bad = ferror(f->fp) || fflush(f->fp) != 0 || fsync(fileno(f->fp)) != 0;
    int saved = errno;
    if (fclose(f->fp) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    f->fp = NULL;
    if (!bad && rename(f->tmp, f->path) == 0) {
        rq_cleanup_drop(f->cleanup);
        f->cleanup = 0;
        return 0;
    }
    const char *what = bad ? "write failed" : "cannot rename into place";
    if (!bad)
        saved = errno;
    unlink(f->tmp);
    rq_cleanup_drop(f->cleanup);
    f->cleanup = 0;
    return rq_fail(err, "%s: %s: %s", f->path, what, strerror(saved ? saved : EIO));
}

void rq_atomic_abort(rq_atomic_file *f)
{
    if (f->fp) {
        fclose(f->fp);
        f->fp = NULL;
        unlink(f->tmp);
        rq_cleanup_drop(f->cleanup);
        f->cleanup = 0;
    }
}

int rq_write_file_atomic(const char *path, const void *data, size_t len, rq_error *err)
{
    rq_atomic_file f;
    if (rq_atomic_open(&f, path, err))
        return -1;
    if (len && fwrite(data, 1, len, f.fp) != len) {
        int saved = errno; /* before fclose in abort can change it */
        rq_atomic_abort(&f);
        return rq_fail(err, "%s: write failed: %s", path, strerror(saved ? saved : EIO));
    }
    return rq_atomic_commit(&f, err);
}

int rq_read_file(const char *path, size_t max_len, unsigned char **data, size_t *len, rq_error *err)
{
    *data = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return rq_fail(err, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(fp);
        return rq_fail(err, "%s: not a regular file", path);
    }
    if ((unsigned long long)st.st_size > max_len) {
        fclose(fp);
        return rq_fail(err, "%s: file too large (%lld bytes, limit %zu)", path, (long long)st.st_size, max_len);
    }
    size_t n = (size_t)st.st_size;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(fp);
        return rq_fail(err, "%s: out of memory", path);
    }
    if (n && fread(buf, 1, n, fp) != n) {
        free(buf);
        fclose(fp);
        return rq_fail(err, "%s: read failed", path);
    }
    fclose(fp);
    *data = buf;
    *len = n;
    return 0;
}
