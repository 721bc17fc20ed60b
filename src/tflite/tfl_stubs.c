/* Placeholders until the writer, reader and engine land (the header is the contract). */
#include "tflite/tfl_model.h"

int rq_tfl_write(const rq_tfl_model *m, const char *path, rq_error *err)
{
    (void)m;
    return rq_fail(err, "%s: TFLite writer not built yet", path);
}

int rq_tfl_serialize(const rq_tfl_model *m, uint8_t **out, size_t *out_len, rq_error *err)
{
    (void)m;
    *out = NULL;
    *out_len = 0;
    return rq_fail(err, "TFLite writer not built yet");
}

int rq_tfl_read(const char *path, rq_tfl_model *m, rq_error *err)
{
    rq_tfl_model_init(m);
    return rq_fail(err, "%s: TFLite reader not built yet", path);
}

int rq_tfl_parse(const uint8_t *buf, size_t len, const char *name, rq_tfl_model *m, rq_error *err)
{
    (void)buf;
    (void)len;
    rq_tfl_model_init(m);
    return rq_fail(err, "%s: TFLite reader not built yet", name);
}

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
