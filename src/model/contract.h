/* The input contract (runtime/input_contract.h) as a checkpoint stores it: the spatial CNN's
 * torch.save dict holds
 *   'input_contract': {'representation': 'raw' | 'window_ratio', 'scale': float,
 *                      'clip': float, 'frame_stride': int}
 * A checkpoint without it is the seed's: RAW, frame stride 1. */
#ifndef RQ_MODEL_CONTRACT_H
#define RQ_MODEL_CONTRACT_H

#include "common/error.h"
#include "input_contract.h"
#include "io/torch_file.h"
#include "io/torch_write.h"

/* Reads root['input_contract'] (root: the checkpoint's top-level dict). Errors name the file
 * (path) and the key. RAW leaves scale 1, clip 0. */
int rq_contract_from_checkpoint(const rq_value *root, const char *path, rppg_contract *c,
                                rq_error *err);

/* Writes the contract as a dict value (call after rq_tw_key(w, "input_contract")). */
int rq_contract_write(rq_torch_writer *w, const rppg_contract *c);

/* "raw" or "window_ratio". */
const char *rq_contract_repr_name(rppg_repr r);

#endif
