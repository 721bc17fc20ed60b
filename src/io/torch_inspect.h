#ifndef RQ_TORCH_INSPECT_H
#define RQ_TORCH_INSPECT_H
#include <stdio.h>
#include "common/error.h"
/* Prints the keys, dtypes and shapes of a torch.save file, like printing a state_dict. */
int rq_inspect_torch(const char *path, FILE *out, rq_error *err);
#endif
