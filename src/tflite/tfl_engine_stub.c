/* Placeholder until the engine lands (the header is the contract). */
#include "tflite/tfl_model.h"

int rq_tfl_prepare(const rq_tfl_model *m, rq_tfl_rounding rounding, rq_tfl_engine **out, rq_error *err)
{
    (void)m;
    (void)rounding;
    *out = NULL;
    return rq_fail(err, "int8 engine not built yet");
}
void rq_tfl_engine_free(rq_tfl_engine *e) { (void)e; }
rq_tfl_scratch *rq_tfl_scratch_new(const rq_tfl_engine *e) { (void)e; return NULL; }
void rq_tfl_scratch_free(rq_tfl_scratch *s) { (void)s; }
void *rq_tfl_input(const rq_tfl_engine *e, rq_tfl_scratch *s, int i) { (void)e; (void)s; (void)i; return NULL; }
const void *rq_tfl_output(const rq_tfl_engine *e, const rq_tfl_scratch *s, int i) { (void)e; (void)s; (void)i; return NULL; }
const void *rq_tfl_tensor_data(const rq_tfl_engine *e, const rq_tfl_scratch *s, int t) { (void)e; (void)s; (void)t; return NULL; }
size_t rq_tfl_tensor_bytes(const rq_tfl_engine *e, int t) { (void)e; (void)t; return 0; }
void rq_tfl_invoke(const rq_tfl_engine *e, rq_tfl_scratch *s) { (void)e; (void)s; }
void rq_tfl_run(const rq_tfl_engine *e, rq_tfl_scratch *s, const void *in, void *out) { (void)e; (void)s; (void)in; (void)out; }
