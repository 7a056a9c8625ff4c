// SPDX-License-Identifier: MIT
/*
 * The FPU's element-wise ops, broadcast, reduce and transpose, on tiles in
 * storage order.
 *
 * Element-wise ops read SrcA from in0 and SrcB from in1. add and sub are
 * exact IEEE fp32 operations on the source values; mul uses the math
 * fidelity like matmul (matmul.c): SrcA gives 5 bits, SrcB 7 bits per
 * phase, and the phases' exact products are summed in phase order. Results
 * that are denormal become zero.
 */
#include <math.h>
#include <string.h>

#include "tile.h"

static uint32_t bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static float from_bits(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static float hi_part(float x, unsigned keep)
{
	return from_bits(bits(x) & ~((1u << (24 - keep)) - 1u));
}

/* x (SrcA) times y (SrcB) at a fidelity. */
static float fidelity_mul(float x, float y, unsigned phases)
{
	float xh = hi_part(x, 5), yh = hi_part(y, 7);
	float xl = x - xh, yl = y - yh;
	float s = xh * yh;

	if (phases >= 2)
		s = s + xl * yh;
	if (phases >= 3)
		s = s + xh * yl;
	if (phases >= 4)
		s = s + xl * yl;
	return s;
}

void sim_eltwise_tile(enum sim_simd path, float *dst, const float *a, const float *b,
		      uint32_t op, unsigned fidelity)
{
	unsigned phases = sim_fidelity_phases(fidelity), i;

	(void)path;
	for (i = 0; i < TT_TILE_HW; i++) {
		float r;

		if (op == TT_BINARY_ADD)
			r = a[i] + b[i];
		else if (op == TT_BINARY_SUB)
			r = a[i] - b[i];
		else
			r = fidelity_mul(a[i], b[i], phases);
		dst[i] = sim_ftz(r);
	}
}

void sim_bcast_tile(float *out, const float *b, uint32_t bcast)
{
	unsigned r, c;

	for (r = 0; r < TT_TILE_ROWS; r++)
		for (c = 0; c < TT_TILE_COLS; c++) {
			unsigned from = bcast == TT_BCAST_ROWS ? sim_tile_index(0, c) :
					bcast == TT_BCAST_COLS ? sim_tile_index(r, 0) :
					bcast == TT_BCAST_SCALAR ? 0 : sim_tile_index(r, c);

			out[sim_tile_index(r, c)] = b[from];
		}
}

void sim_transpose_tile(float *out, const float *in)
{
	unsigned r, c;

	for (r = 0; r < TT_TILE_ROWS; r++)
		for (c = 0; c < TT_TILE_COLS; c++)
			out[sim_tile_index(c, r)] = in[sim_tile_index(r, c)];
}

/*
 * Reduce: SUM (and AVG, whose scaler carries the 1/N) multiplies every
 * element by the scaler at the fidelity, then adds in fp32 in index order
 * onto what DST holds; MAX takes the largest of DST and the elements times
 * the scaler (only the elements, for the first reduce into a DST tile
 * since tile_regs_acquire). The scaler is element (0, 0) of the scaler tile, which
 * tt-metal kernels fill with one value in the first row of each face.
 */
void sim_reduce_tile(float *dst, const float *a, const float *scaler, uint32_t pool,
		     uint32_t dim, unsigned fidelity, bool first)
{
	unsigned phases = sim_fidelity_phases(fidelity), n, i, j;
	float s = scaler[0];

	n = dim == TT_REDUCE_SCALAR ? 1 : TT_TILE_ROWS;
	for (i = 0; i < n; i++) {
		unsigned out = dim == TT_REDUCE_ROW ? sim_tile_index(i, 0) :
			       dim == TT_REDUCE_COL ? sim_tile_index(0, i) : 0;
		float acc = sim_ftz(dst[out]);

		if (first && pool == TT_REDUCE_MAX)
			acc = -INFINITY;

		for (j = 0; j < (dim == TT_REDUCE_SCALAR ? TT_TILE_HW : TT_TILE_ROWS); j++) {
			unsigned in = dim == TT_REDUCE_ROW ? sim_tile_index(i, j) :
				      dim == TT_REDUCE_COL ? sim_tile_index(j, i) :
				      sim_tile_index(j / TT_TILE_COLS, j % TT_TILE_COLS);
			float v = sim_ftz(fidelity_mul(s, a[in], phases));

			if (pool == TT_REDUCE_MAX)
				acc = v > acc ? v : acc;
			else
				acc = sim_ftz(acc + v);
		}
		dst[out] = acc;
	}
}
