/* The ONNX reader: any bytes through rq_onnx_parse (protobuf-c unpack behind the nesting
 * guard and the allocation budget, then the IR, topological order and shape inference);
 * a graph that reads is printed as `rppgq inspect` prints it. */
#include "fz_util.h"
#include "frontend/onnx_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rq_ir_graph g;
    rq_error err;
    if (rq_onnx_parse(data, size, "fuzz.onnx", &g, &err)) {
        fz_expect_one_line(&err, "fuzz.onnx");
    } else {
        FILE *out = fopen("/dev/null", "w");
        if (out) {
            rq_ir_print(&g, out);
            fclose(out);
        }
    }
    rq_ir_free(&g);
    return 0;
}
