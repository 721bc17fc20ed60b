#include "tflite/tflite_inspect.h"
/* Placeholder until the TFLite reader lands. */
int rq_inspect_tflite(const char *path, FILE *out, rq_error *err)
{
    (void)out;
    return rq_fail(err, "%s: TFLite reader not built yet", path);
}
