/* Seeds for the TFLite harnesses: the test models our writer makes (the spatial CNN and
 * one model per operator), as .tflite files for fuzz_tflite and in fuzz_engine's two
 * input forms (0x00 + file; 0x01, model number, no rewrites).
 *     seedgen OUTDIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/atomic_file.h"
#include "tflite/tfl_model.h"
#include "tflite/tfl_testmodels.h"
#include "tflite/tfl_testmodels_arith.h"

static int put(const char *dir, const char *sub, const char *name, const unsigned char *pre,
               size_t pre_len, const unsigned char *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    unsigned char *b = malloc(pre_len + len + 1);
    if (!b)
        return -1;
    memcpy(b, pre, pre_len);
    memcpy(b + pre_len, data, len);
    rq_error err;
    int rc = rq_write_file_atomic(path, b, pre_len + len, &err);
    if (rc)
        fprintf(stderr, "seedgen: %s\n", err.msg);
    free(b);
    return rc;
}

/* kind 1: fuzz_engine's op models and spatial CNN, 3: its data-movement models */
static int emit_kind(const char *dir, rq_tfl_model *m, const char *name, int kind, int number)
{
    uint8_t *buf;
    size_t len;
    rq_error err;
    if (rq_tfl_serialize(m, &buf, &len, &err)) {
        fprintf(stderr, "seedgen: %s: %s\n", name, err.msg);
        return -1;
    }
    char file[256];
    snprintf(file, sizeof file, "%s.tflite", name);
    unsigned char zero = 0, built[2] = {(unsigned char)kind, (unsigned char)number};
    int rc = put(dir, "fuzz_tflite", file, NULL, 0, buf, len) ||
             put(dir, "fuzz_engine", file, &zero, 1, buf, len) ||
             put(dir, "fuzz_engine", name, built, 2, NULL, 0);
    free(buf);
    return rc;
}

static int emit(const char *dir, rq_tfl_model *m, const char *name, int number)
{
    return emit_kind(dir, m, name, 1, number);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: seedgen OUTDIR\n");
        return 2;
    }
    mkdir(argv[1], 0777);
    rq_error err;
    rq_tfl_model m;
    int n = 0;
    for (; rq_tfl_op_model_names[n]; n++) {
        if (rq_tfl_build_op_model(&m, rq_tfl_op_model_names[n], 1, &err) ||
            emit(argv[1], &m, rq_tfl_op_model_names[n], n)) {
            fprintf(stderr, "seedgen: %s\n", err.msg);
            rq_tfl_model_free(&m);
            return 1;
        }
        rq_tfl_model_free(&m);
    }
    if (rq_tfl_build_spatial_cnn(&m, 1, &err) || emit(argv[1], &m, "spatial_cnn", n)) {
        rq_tfl_model_free(&m);
        return 1;
    }
    rq_tfl_model_free(&m);
    /* the data-movement models, picked by fuzz_engine when the first byte is 3 */
    for (int k = 0; rq_tfl_movement_model_name(k); k++) {
        char name[64];
        snprintf(name, sizeof name, "mv_%s", rq_tfl_movement_model_name(k));
        if (rq_tfl_build_movement_model(&m, rq_tfl_movement_model_name(k), &err) ||
            emit_kind(argv[1], &m, name, 3, k)) {
            fprintf(stderr, "seedgen: %s\n", err.msg);
            rq_tfl_model_free(&m);
            return 1;
        }
        rq_tfl_model_free(&m);
    }
    /* the arithmetic and activation models, picked by fuzz_engine when the first byte is 5 */
    for (int i = 0; rq_tfl_arith_model_name(i); i++) {
        const char *name = rq_tfl_arith_model_name(i);
        if (rq_tfl_build_arith_model(&m, name, 1, &err) || emit_kind(argv[1], &m, name, 5, i)) {
            fprintf(stderr, "seedgen: %s\n", err.msg);
            rq_tfl_model_free(&m);
            return 1;
        }
        rq_tfl_model_free(&m);
    }
    return 0;
}
