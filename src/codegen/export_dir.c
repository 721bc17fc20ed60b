#include "codegen/export_dir.h"

#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rq_sha256_file(const char *path, char hex[65], rq_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return rq_fail(err, "%s: cannot open: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    unsigned char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, fp)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, n);
    unsigned char md[32];
    unsigned int mdlen = 0;
    ok = ok && !ferror(fp) && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 32;
    EVP_MD_CTX_free(ctx);
    fclose(fp);
    if (!ok)
        return rq_fail(err, "%s: cannot read to hash it", path);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

static int listed(const char *name, const rq_export_file *files, int n, const char *const *keep)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(name, files[i].name))
            return 1;
    for (; keep && *keep; keep++)
        if (!strcmp(name, *keep))
            return 1;
    return 0;
}

/* Removes a directory this module made or checked (it holds only listed files). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[8448];
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static int write_file(const char *dir, const rq_export_file *f, const char *out_dir, rq_error *err)
{
    char p[8448];
    snprintf(p, sizeof p, "%s/%s", dir, f->name);
    FILE *fp = fopen(p, "wb");
    if (!fp)
        return rq_fail(err, "%s/%s: cannot create: %s", out_dir, f->name, strerror(errno));
    int bad = (f->len && fwrite(f->data, 1, f->len, fp) != f->len) || fflush(fp) != 0 ||
              fsync(fileno(fp));
    int saved = errno;
    if (fclose(fp) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (bad)
        return rq_fail(err, "%s/%s: write failed: %s", out_dir, f->name,
                       strerror(saved ? saved : EIO));
    return 0;
}

/* An existing out_dir may be replaced only if it holds nothing but listed files. */
static int check_replaceable(const char *out_dir, const rq_export_file *files, int n,
                             const char *const *keep, int *exists, rq_error *err)
{
    struct stat st;
    *exists = 0;
    if (lstat(out_dir, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        return rq_fail(err, "%s: cannot create: %s", out_dir, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        return rq_fail(err, "%s: exists and is not a directory", out_dir);
    DIR *d = opendir(out_dir);
    if (!d)
        return rq_fail(err, "%s: cannot read: %s", out_dir, strerror(errno));
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (!listed(e->d_name, files, n, keep)) {
            rc = rq_fail(err, "%s: holds other files (%s); not replacing it", out_dir, e->d_name);
            break;
        }
    }
    closedir(d);
    *exists = 1;
    return rc;
}

/* Hard-links the kept files of the existing export into the new one. */
static int keep_files(const char *out_dir, const char *tmp, const char *const *keep, rq_error *err)
{
    char from[8448], to[8448];
    for (; keep && *keep; keep++) {
        snprintf(from, sizeof from, "%s/%s", out_dir, *keep);
        snprintf(to, sizeof to, "%s/%s", tmp, *keep);
        if (link(from, to) != 0 && errno != ENOENT && errno != EEXIST)
            return rq_fail(err, "%s: cannot keep %s: %s", out_dir, *keep, strerror(errno));
    }
    return 0;
}

/* Puts the finished temporary directory in place of out_dir. */
static int install_dir(const char *tmp, const char *out_dir, int exists, rq_error *err)
{
    if (!exists) {
        if (rename(tmp, out_dir) != 0)
            return rq_fail(err, "%s: cannot rename into place: %s", out_dir, strerror(errno));
        return 0;
    }
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, out_dir, RENAME_EXCHANGE) == 0) {
        remove_dir(tmp); /* now the old export */
        return 0;
    }
    /* file systems without an atomic exchange: move the old export aside first */
    char old[4200];
    snprintf(old, sizeof old, "%s.old.XXXXXX", out_dir);
    if (!mkdtemp(old) || rmdir(old) != 0 || rename(out_dir, old) != 0)
        return rq_fail(err, "%s: cannot replace: %s", out_dir, strerror(errno));
    if (rename(tmp, out_dir) != 0) {
        int saved = errno;
        (void)rename(old, out_dir);
        return rq_fail(err, "%s: cannot rename into place: %s", out_dir, strerror(saved));
    }
    remove_dir(old);
    return 0;
}

int rq_export_dir_write(const char *out_dir_arg, const rq_export_file *files, int n,
                        const char *const *keep, rq_error *err)
{
    char out_dir[4096];
    size_t len = strlen(out_dir_arg);
    while (len > 1 && out_dir_arg[len - 1] == '/')
        len--;
    if (len == 0 || len >= sizeof out_dir - 32)
        return rq_fail(err, "%s: bad output directory name", out_dir_arg);
    memcpy(out_dir, out_dir_arg, len);
    out_dir[len] = 0;

    int exists;
    if (check_replaceable(out_dir, files, n, keep, &exists, err))
        return -1;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", out_dir);
    if (!mkdtemp(tmp))
        return rq_fail(err, "%s: cannot create: %s", out_dir, strerror(errno));
    int cleanup = rq_cleanup_add(tmp); /* removed on Ctrl-C */
    mode_t mask = umask(0);
    umask(mask);
    (void)chmod(tmp, 0777 & ~mask);
    int rc = 0;
    for (int i = 0; i < n && !rc; i++)
        rc = write_file(tmp, &files[i], out_dir, err);
    if (!rc && exists)
        rc = keep_files(out_dir, tmp, keep, err);
    if (!rc)
        rc = install_dir(tmp, out_dir, exists, err);
    if (rc)
        remove_dir(tmp);
    rq_cleanup_drop(cleanup);
    return rc;
}
