/* The pickle VM alone, with the default limits: any byte string must end in a tree or a
 * one-line error, within bounded time and memory. Persistent ids resolve to a fake
 * storage table so that tensor rebuilding is reached. */
#include "fz_util.h"
#include "io/pickle.h"

static int fz_pickle_storage(void *ctx, const char *key, rq_dtype dtype, int64_t numel,
                             int *index, rq_error *err)
{
    (void)ctx;
    (void)dtype;
    if (numel > ((int64_t)1 << 40))
        return rq_fail(err, "storage '%s' too large", key);
    *index = (int)(strlen(key) % 4);
    return 0;
}

static int fz_pickle_tensor(void *ctx, const rq_tensor *t, const char *path, rq_error *err)
{
    (void)ctx;
    (void)path;
    if (rq_tensor_span(t) < 0)
        return rq_fail(err, "span overflows");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rq_pickle_hooks hooks = {.storage = fz_pickle_storage, .tensor = fz_pickle_tensor};
    rq_arena *arena;
    const rq_value *root;
    rq_error err;
    if (rq_pickle_load(data, size, NULL, &hooks, &arena, &root, &err)) {
        fz_expect_one_line(&err, "");
        return 0;
    }
    char path[256] = "";
    if (root->type == RQ_V_DICT)
        for (size_t i = 0; i < root->u.dict.n; i++) {
            rq_path_push_key(path, sizeof path, root->u.dict.keys[i]);
            path[0] = 0;
        }
    (void)rq_state_dict(root);
    rq_arena_free(arena);
    return 0;
}
