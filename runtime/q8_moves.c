#include "q8_moves.h"

void rppg_q8_moves_run(const rppg_q8_moves *m, const int8_t *const *in, int8_t *out)
{
    int i;
    if (m->fill)
        rppg_mv_fill(out, m->fill_n, m->fill_value, m->fill_elem);
    for (i = 0; i < m->n_moves; i++) {
        const rppg_q8_move *mv = &m->moves[i];
        if (mv->requant)
            rppg_mv_copy_requant(&mv->v, &mv->q, in[mv->in], out);
        else
            rppg_mv_copy(&mv->v, in[mv->in], out);
    }
}
