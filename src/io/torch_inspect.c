/* rppgq inspect FILE.pth: one line per value, dotted paths like a state_dict's keys.
 *   (root): dict (2 items)
 *   model_state_dict: dict (10 items)
 *   model_state_dict.fc.0.weight: tensor float32 [32, 128]
 *   num_params: int 9808
 * The format is mirrored by tests/ref/torch_reference.py, which prints the same lines
 * from what torch.load returns. */
#include "io/torch_inspect.h"

#include <inttypes.h>
#include <string.h>

#include "io/pickle.h"
#include "io/torch_file.h"

enum { MAX_LINES = 1000000, MAX_TEXT = 80 };

typedef struct printer {
    FILE *out;
    long lines;
    char path[1024];
} printer;

static void print_quoted(FILE *out, const char *s, size_t len)
{
    size_t n = len > MAX_TEXT ? MAX_TEXT : len;
    fputc('\'', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == '\'')
            fprintf(out, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            fputc(c, out);
        else
            fprintf(out, "\\x%02x", c);
    }
    fputc('\'', out);
    if (len > MAX_TEXT)
        fprintf(out, "... (%zu bytes)", len);
}

static void print_leaf(FILE *out, const rq_value *v)
{
    char buf[64];
    switch (v->type) {
    case RQ_V_NONE: fputs("None", out); break;
    case RQ_V_BOOL: fputs(v->u.b ? "bool True" : "bool False", out); break;
    case RQ_V_INT: fprintf(out, "int %" PRId64, v->u.i); break;
    case RQ_V_FLOAT:
        rq_fmt_double(buf, sizeof buf, v->u.f);
        fprintf(out, "float %s", buf);
        break;
    case RQ_V_STR:
        fputs("str ", out);
        print_quoted(out, v->u.str.s, v->u.str.len);
        break;
    case RQ_V_BYTES:
        fputs("bytes b", out);
        print_quoted(out, v->u.str.s, v->u.str.len);
        break;
    case RQ_V_TENSOR: {
        const rq_tensor *t = &v->u.tensor;
        fprintf(out, "tensor %s [", rq_dtype_name(t->dtype));
        for (int d = 0; d < t->ndim; d++)
            fprintf(out, "%s%" PRId64, d ? ", " : "", t->shape[d]);
        fputc(']', out);
        break;
    }
    case RQ_V_OPAQUE: fprintf(out, "<opaque %s>", v->u.opaque); break;
    case RQ_V_LIST: fprintf(out, "list (%zu items)", v->u.seq.n); break;
    case RQ_V_TUPLE: fprintf(out, "tuple (%zu items)", v->u.seq.n); break;
    case RQ_V_DICT: fprintf(out, "dict (%zu items)", v->u.dict.n); break;
    }
}

/* Shared sub-values print once per reference, like Python does; the line cap bounds the
 * output of hostile files that share one value many times over. */
static int print_value(printer *p, const rq_value *v)
{
    if (++p->lines > MAX_LINES) {
        fputs("... (output truncated)\n", p->out);
        return -1;
    }
    fprintf(p->out, "%s: ", p->path[0] ? p->path : "(root)");
    print_leaf(p->out, v);
    fputc('\n', p->out);
    size_t plen = strlen(p->path);
    if (v->type == RQ_V_LIST || v->type == RQ_V_TUPLE) {
        for (size_t i = 0; i < v->u.seq.n; i++) {
            rq_path_push_index(p->path, sizeof p->path, i);
            int rc = print_value(p, v->u.seq.items[i]);
            p->path[plen] = 0;
            if (rc)
                return -1;
        }
    } else if (v->type == RQ_V_DICT) {
        for (size_t i = 0; i < v->u.dict.n; i++) {
            rq_path_push_key(p->path, sizeof p->path, v->u.dict.keys[i]);
            int rc = print_value(p, v->u.dict.vals[i]);
            p->path[plen] = 0;
            if (rc)
                return -1;
        }
    }
    return 0;
}

int rq_inspect_torch(const char *path, FILE *out, rq_error *err)
{
    rq_torch_file *f;
    if (rq_torch_open(path, &f, err))
        return -1;
    printer p = {.out = out};
    print_value(&p, rq_torch_root(f));
    rq_torch_close(f);
    return 0;
}
