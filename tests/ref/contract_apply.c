/* Reference harness: applies runtime/input_contract.c to windows read as raw float32 from
 * stdin and writes the result to stdout, so that a test can compare the training script's
 * contract with the MCU's bit for bit. Usage: contract_apply raw|window_ratio SCALE CLIP */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input_contract.h"

#define PLANE (3 * 36 * 36 * 3)

int main(int argc, char **argv)
{
    static float in[8 * PLANE], out[8 * PLANE];
    if (argc != 4)
        return 2;
    rppg_contract c = {strcmp(argv[1], "raw") ? RPPG_REPR_WINDOW_RATIO : RPPG_REPR_RAW,
                       strtof(argv[2], NULL), strtof(argv[3], NULL), 1};
    while (fread(in, sizeof in, 1, stdin) == 1) {
        rppg_contract_apply(&c, 8, PLANE, in, out);
        if (fwrite(out, sizeof out, 1, stdout) != 1)
            return 1;
    }
    return 0;
}
