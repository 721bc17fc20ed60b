/* The MCU runtime files of the int8 CPU path and the frame/HR processing, embedded at build
 * time (the assembler copies them; the Makefile lists them as prerequisites of this object)
 * so that export-c --spatial writes a self-contained firmware directory. */
#include "codegen/spatial_int8_export.h"

#define RQ_SP_EMBED(sym, file)                                                            \
    ".pushsection .rodata\n"                                                              \
    ".global " sym "\n" sym ":\n"                                                         \
    ".incbin \"" file "\"\n"                                                              \
    ".global " sym "_end\n" sym "_end:\n"                                                 \
    ".byte 0\n"                                                                           \
    ".popsection\n"

__asm__(RQ_SP_EMBED("rq_sp_ic_h", "runtime/input_contract.h"));
__asm__(RQ_SP_EMBED("rq_sp_ic_c", "runtime/input_contract.c"));
__asm__(RQ_SP_EMBED("rq_sp_k_h", "runtime/int8_kernels.h"));
__asm__(RQ_SP_EMBED("rq_sp_k_c", "runtime/int8_kernels.c"));
__asm__(RQ_SP_EMBED("rq_sp_dw_h", "runtime/int8_dwfc.h"));
__asm__(RQ_SP_EMBED("rq_sp_dw_c", "runtime/int8_dwfc.c"));
__asm__(RQ_SP_EMBED("rq_sp_mv_h", "runtime/int8_movement.h"));
__asm__(RQ_SP_EMBED("rq_sp_mv_c", "runtime/int8_movement.c"));
__asm__(RQ_SP_EMBED("rq_sp_qm_h", "runtime/q8_moves.h"));
__asm__(RQ_SP_EMBED("rq_sp_qm_c", "runtime/q8_moves.c"));
__asm__(RQ_SP_EMBED("rq_sp_op_h", "runtime/int8_ops.h"));
__asm__(RQ_SP_EMBED("rq_sp_ew_c", "runtime/int8_elementwise.c"));
__asm__(RQ_SP_EMBED("rq_sp_fx_c", "runtime/int8_fixedpoint.c"));
__asm__(RQ_SP_EMBED("rq_sp_rd_c", "runtime/int8_reduce.c"));
__asm__(RQ_SP_EMBED("rq_sp_n_h", "runtime/q8_net.h"));
__asm__(RQ_SP_EMBED("rq_sp_n_c", "runtime/q8_net.c"));
__asm__(RQ_SP_EMBED("rq_sp_pre_h", "runtime/preprocess.h"));
__asm__(RQ_SP_EMBED("rq_sp_pre_c", "runtime/preprocess.c"));
__asm__(RQ_SP_EMBED("rq_sp_rs_h", "runtime/resample.h"));
__asm__(RQ_SP_EMBED("rq_sp_rs_c", "runtime/resample.c"));
__asm__(RQ_SP_EMBED("rq_sp_post_h", "runtime/postprocess.h"));
__asm__(RQ_SP_EMBED("rq_sp_post_c", "runtime/postprocess.c"));
__asm__(RQ_SP_EMBED("rq_sp_qual_h", "runtime/quality.h"));
__asm__(RQ_SP_EMBED("rq_sp_qual_c", "runtime/quality.c"));

#define DECL(s) extern const char s[], s##_end[]
DECL(rq_sp_ic_h); DECL(rq_sp_ic_c); DECL(rq_sp_k_h); DECL(rq_sp_k_c); DECL(rq_sp_n_h);
DECL(rq_sp_n_c); DECL(rq_sp_pre_h); DECL(rq_sp_pre_c); DECL(rq_sp_post_h); DECL(rq_sp_post_c);
DECL(rq_sp_rs_h); DECL(rq_sp_rs_c);
DECL(rq_sp_dw_h); DECL(rq_sp_dw_c); DECL(rq_sp_mv_h); DECL(rq_sp_mv_c); DECL(rq_sp_qm_h);
DECL(rq_sp_qm_c); DECL(rq_sp_op_h); DECL(rq_sp_ew_c); DECL(rq_sp_fx_c); DECL(rq_sp_rd_c);
DECL(rq_sp_qual_h); DECL(rq_sp_qual_c);

#define FILE_OF(name, s) {name, s, (size_t)(s##_end - s)}

void rq_spatial_runtime_files(rq_embedded_file files[RQ_SPATIAL_RUNTIME_NFILES])
{
    const rq_embedded_file all[RQ_SPATIAL_RUNTIME_NFILES] = {
        FILE_OF("input_contract.h", rq_sp_ic_h), FILE_OF("input_contract.c", rq_sp_ic_c),
        FILE_OF("int8_kernels.h", rq_sp_k_h),    FILE_OF("int8_kernels.c", rq_sp_k_c),
        FILE_OF("int8_dwfc.h", rq_sp_dw_h),      FILE_OF("int8_dwfc.c", rq_sp_dw_c),
        FILE_OF("int8_movement.h", rq_sp_mv_h),  FILE_OF("int8_movement.c", rq_sp_mv_c),
        FILE_OF("q8_moves.h", rq_sp_qm_h),       FILE_OF("q8_moves.c", rq_sp_qm_c),
        FILE_OF("int8_ops.h", rq_sp_op_h),       FILE_OF("int8_elementwise.c", rq_sp_ew_c),
        FILE_OF("int8_fixedpoint.c", rq_sp_fx_c), FILE_OF("int8_reduce.c", rq_sp_rd_c),
        FILE_OF("q8_net.h", rq_sp_n_h),          FILE_OF("q8_net.c", rq_sp_n_c),
        FILE_OF("preprocess.h", rq_sp_pre_h),    FILE_OF("preprocess.c", rq_sp_pre_c),
        FILE_OF("resample.h", rq_sp_rs_h),       FILE_OF("resample.c", rq_sp_rs_c),
        FILE_OF("postprocess.h", rq_sp_post_h),  FILE_OF("postprocess.c", rq_sp_post_c),
        FILE_OF("quality.h", rq_sp_qual_h),      FILE_OF("quality.c", rq_sp_qual_c),
    };
    int i;
    for (i = 0; i < RQ_SPATIAL_RUNTIME_NFILES; i++)
        files[i] = all[i];
}
