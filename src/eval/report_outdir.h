/* The output folder of `rppgq run`, built whole or not at all: everything is written into a
 * temporary sibling "DIR.tmp.XXXXXX" that replaces DIR only when the run succeeded.
 * An existing DIR is replaced only if it is empty or holds an earlier run's report.json,
 * so that a mistyped --out never wipes an unrelated folder. */
#ifndef RQ_REPORT_OUTDIR_H
#define RQ_REPORT_OUTDIR_H

#include "common/cleanup.h"
#include "common/error.h"

typedef struct rq_outdir {
    char final[4096];
    char stage[4096 + 16]; /* where to write meanwhile; "" when not begun */
    int cleanup;           /* the stage's registration for removal on an interrupt */
} rq_outdir;

/* Checks DIR can be (re)placed and creates the temporary sibling. */
int rq_outdir_begin(rq_outdir *o, const char *dir, rq_error *err);
/* Joins a file name to the stage folder; fails when the path would not fit. */
int rq_outdir_path(const rq_outdir *o, const char *name, char *buf, size_t size, rq_error *err);
/* Puts the stage folder in DIR's place (atomically when DIR exists, with renameat2's
 * exchange) and removes the previous content. */
int rq_outdir_commit(rq_outdir *o, rq_error *err);
/* Removes the stage folder and everything in it. Safe to call twice. */
void rq_outdir_abort(rq_outdir *o);

#endif
