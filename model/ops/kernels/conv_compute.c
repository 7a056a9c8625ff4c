// SPDX-License-Identifier: MIT
/*
 * conv compute: per work item, K chunk by K chunk, tilize the im2col
 * sub-blocks (c_0 -> c_4, sw tiles at a time, kc a tile row), then for
 * each subblock of mb x nsub output tiles (at most 8, DST in fp32) start
 * from the bias (first chunk) or the partial sums of the chunks so far
 * (c_24, Float32), add the chunk's products (K tiles past kt0 are
 * padding and skipped), and either park the sums in c_24 again or, after
 * the last chunk, apply relu and pack them untilized into c_16: mb * nw
 * tile columns side by side, tile row m's block at column m * nw.
 *
 * With resident weights, the writer hands over the core's whole slice of
 * bias (nw tiles) and weights (kt0 x nw tiles, row-major) once, row by
 * row as the first item needs them; they stay at the front of c_1 and c_2
 * for all items.
 *
 * split (Float32 activations and weights): the FPU reads both operands
 * through 19-bit source registers (10 mantissa bits), so one matmul would
 * multiply A and W cut to 11 significant bits. Instead W comes as two
 * tiles per tile, W_hi (cut to 10 mantissa bits on the host, which the
 * FPU takes whole) then W_lo = W - W_hi, and each chunk's A_lo = A minus
 * its source value is made here on the SFPU (mantissa_rest_tile into
 * c_5); DST accumulates A W_hi + A_lo W_hi + A W_lo, which misses only
 * A_lo W_lo and the bits below 21 of A_lo and W_lo (about 2^-21 of each
 * product). Each row of K then holds 2 * nsub weight tiles (hi, then lo),
 * resident 2 * nw.
 *
 * Common args: mb, nw, nsub, kc, nkc, relu, sw, kt0, resident, split.
 * Args: items.
 */
#include <ttuser/kernel/compute.h>

#include "split.h"

void kernel_main(void)
{
	const uint32_t mb = get_common_arg_val(0), nw = get_common_arg_val(1);
	const uint32_t nsub = get_common_arg_val(2), kc = get_common_arg_val(3);
	const uint32_t nkc = get_common_arg_val(4), relu = get_common_arg_val(5);
	const uint32_t sw = get_common_arg_val(6), kt0 = get_common_arg_val(7);
	const uint32_t resident = get_common_arg_val(8), split = get_common_arg_val(9);
	const uint32_t count = get_arg_val(0), sub = mb * nsub;
	/* weight tiles of a row of K, and where a tile's lo part is */
	const uint32_t wrow = (resident ? nw : nsub) * (split + 1), lo = resident ? nw : nsub;
	uint32_t it, chunk, m, s, k, j, i;

	mm_init(c_4, c_1, c_16);
	if (resident && count)
		cb_wait_front(c_2, nw);
	mantissa_rest_tile_init();
	for (it = 0; it < count; it++) {
		for (chunk = 0; chunk < nkc; chunk++) {
			bool last = chunk == nkc - 1;
			uint32_t kend = kt0 - chunk * kc < kc ? kt0 - chunk * kc : kc;

			tilize_init(c_0, sw, c_4);
			for (m = 0; m < mb; m++)
				for (j = 0; j < kc / sw; j++) {
					cb_wait_front(c_0, sw);
					cb_reserve_back(c_4, sw);
					tilize_block(c_0, sw, c_4);
					cb_push_back(c_4, sw);
					cb_pop_front(c_0, sw);
				}
			cb_wait_front(c_4, mb * kc);
			if (split) {
				split_lo_tiles(c_4, c_5, mb * kc);
				cb_wait_front(c_5, mb * kc);
			}
			if (last)
				cb_reserve_back(c_16, mb * nw);
			for (s = 0; s < nw / nsub; s++) {
				tile_regs_acquire();
				if (chunk == 0) {
					uint32_t b0 = resident ? s * nsub : 0;

					if (!resident)
						cb_wait_front(c_2, nsub);
					copy_tile_init(c_2);
					for (m = 0; m < mb; m++)
						for (j = 0; j < nsub; j++)
							copy_tile(c_2, b0 + j, m * nsub + j);
					if (!resident)
						cb_pop_front(c_2, nsub);
				} else {
					cb_wait_front(c_24, sub);
					copy_tile_init(c_24);
					for (i = 0; i < sub; i++)
						copy_tile(c_24, i, i);
					cb_pop_front(c_24, sub);
				}
				mm_init_short(c_4, c_1);
				for (k = 0; k < kend; k++) {
					uint32_t w0 = resident ? (chunk * kc + k) * wrow + s * nsub : 0;

					if (!resident)
						cb_wait_front(c_1, wrow);
					else if (it == 0)
						cb_wait_front(c_1, (chunk * kc + k + 1) * wrow);
					for (m = 0; m < mb; m++)
						for (j = 0; j < nsub; j++) {
							uint32_t a = m * kc + k, d = m * nsub + j;

							matmul_tiles(c_4, c_1, a, w0 + j, d);
							if (!split)
								continue;
							matmul_tiles(c_5, c_1, a, w0 + j, d);
							matmul_tiles(c_4, c_1, a, w0 + lo + j, d);
						}
					if (!resident)
						cb_pop_front(c_1, wrow);
				}
				if (last && relu)
					for (i = 0; i < sub; i++)
						relu_tile(i);
				tile_regs_commit();
				if (last) {
					tile_regs_wait();
					for (m = 0; m < mb; m++)
						for (j = 0; j < nsub; j++)
							tt_pack(m * nsub + j, c_16,
								m * nw + s * nsub + j,
								TT_PACK_UNTILIZE, mb * nw);
					tile_regs_release();
				} else {
					cb_reserve_back(c_24, sub);
					tile_regs_wait();
					for (i = 0; i < sub; i++)
						pack_tile(i, c_24);
					tile_regs_release();
					cb_push_back(c_24, sub);
				}
			}
			if (last)
				cb_push_back(c_16, mb * nw);
			cb_pop_front(c_4, mb * kc);
			if (split)
				cb_pop_front(c_5, mb * kc);
		}
	}
	if (resident && count) {
		cb_pop_front(c_1, kt0 * wrow);
		cb_pop_front(c_2, nw);
	}
}
