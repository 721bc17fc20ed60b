#include "codegen/runtime_embed.h"

/* The assembler copies the files in (paths relative to the repository root, where make
 * runs); the Makefile lists them as prerequisites of this object. */
#define RQ_EMBED(sym, file)                                                               \
    ".pushsection .rodata\n"                                                              \
    ".global " sym "\n"                                                                   \
    sym ":\n"                                                                             \
    ".incbin \"" file "\"\n"                                                              \
    ".global " sym "_end\n"                                                               \
    sym "_end:\n"                                                                         \
    ".byte 0\n"                                                                           \
    ".popsection\n"

__asm__(RQ_EMBED("rq_embed_tf_c", "runtime/temporal_fusion.c"));
__asm__(RQ_EMBED("rq_embed_tf_h", "runtime/temporal_fusion.h"));

__asm__(RQ_EMBED("rq_embed_fo_c", "runtime/float_ops.c"));
__asm__(RQ_EMBED("rq_embed_fo_h", "runtime/float_ops.h"));

extern const char rq_embed_tf_c[], rq_embed_tf_c_end[];
extern const char rq_embed_tf_h[], rq_embed_tf_h_end[];

void rq_runtime_files(rq_embedded_file files[RQ_RUNTIME_NFILES])
{
    files[0] = (rq_embedded_file){"temporal_fusion.h", rq_embed_tf_h,
                                  (size_t)(rq_embed_tf_h_end - rq_embed_tf_h)};
    files[1] = (rq_embedded_file){"temporal_fusion.c", rq_embed_tf_c,
                                  (size_t)(rq_embed_tf_c_end - rq_embed_tf_c)};
}

extern const char rq_embed_fo_c[], rq_embed_fo_c_end[];
extern const char rq_embed_fo_h[], rq_embed_fo_h_end[];

void rq_float_ops_files(rq_embedded_file files[RQ_FLOAT_OPS_NFILES])
{
    files[0] = (rq_embedded_file){"float_ops.h", rq_embed_fo_h,
                                  (size_t)(rq_embed_fo_h_end - rq_embed_fo_h)};
    files[1] = (rq_embedded_file){"float_ops.c", rq_embed_fo_c,
                                  (size_t)(rq_embed_fo_c_end - rq_embed_fo_c)};
}
