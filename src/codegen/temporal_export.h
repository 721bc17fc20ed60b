/* export-c: the Temporal Fusion network as a self-contained C99 directory for a firmware
 * project (runtime + weights as const arrays + a header with the dimensions). */
#ifndef RQ_TEMPORAL_EXPORT_H
#define RQ_TEMPORAL_EXPORT_H

#include "common/error.h"
#include "model/temporal_fusion_model.h"

/* Names of the files of an export directory. */
#define RQ_TF_WEIGHTS_C "temporal_fusion_weights_exported.c"
#define RQ_TF_WEIGHTS_H "temporal_fusion_weights_exported.h"

/* The stack the runtime uses besides its work buffer (call frames of temporal_fusion_infer,
 * temporal_fusion_run and its helpers), an upper bound over the compilers we measure
 * (tests/integration/partb_m55.sh checks it; the Cortex-M55's Helium path: 328 bytes). */
#define RQ_TF_FRAME_BYTES 448
#define RQ_TF_STACK_LIMIT 4096

/* Writes x as a C float literal that parses back to the identical float32 (9 significant
 * digits, always with a '.' or an exponent, 'f' suffix). x must be finite. */
void rq_c_float_literal(float x, char buf[32]);

/* "[d0, d1, ...]" for the comment blocks of generated files. */
void rq_c_shape_text(int rank, const int64_t *dims, char *buf, size_t len);

/* Stack bytes of temporal_fusion_infer for these dimensions. */
long rq_temporal_stack_bytes(const temporal_fusion_net *net);

/* Writes out_dir atomically: everything goes into a temporary sibling directory that is
 * renamed into place when complete. An existing out_dir is replaced only if it holds
 * nothing but the files an export writes. source_path names the checkpoint (its base name
 * and SHA-256 go into the file headers). */
int rq_temporal_export_c(const rq_temporal_model *m, const char *source_path,
                         const char *out_dir, rq_error *err);

#endif
