// SPDX-License-Identifier: MIT
/*
 * RoIAlign compute: per item, tilize each of the S gathered blocks
 * (c_0 -> c_2, cw tiles each), then for each channel tile t sum over s
 * of block s's tile t times weight tile s broadcast along columns
 * (c_1, column 0: one weight a row), accumulated in an fp32 DST, and pack
 * the sums untilized into c_16: 32 rows, one a bin, of the item's
 * channels.
 *
 * split (Float32 maps): the FPU reads its operands through 19-bit source
 * registers, so each pair has two weight tiles, W_hi (10 mantissa bits,
 * which the FPU takes whole) and W_lo = W - W_hi, and each block's A_lo =
 * A minus its source value is made here on the SFPU (split.h, into c_5);
 * DST accumulates A W_hi + A_lo W_hi + A W_lo, as the convs' matmuls do.
 *
 * Common args: pairs (S), cw, split. Args: items.
 */
#include <ttuser/kernel/compute.h>

#include "split.h"

#define DST_TILES	8

/* DST[t] += cb's tiles t0 .. t0 + n - 1 of each block times weight tile w0 + s * step. */
static void weigh(uint32_t cb, uint32_t pairs, uint32_t cw, uint32_t t0, uint32_t n, uint32_t w0,
		  uint32_t step)
{
	uint32_t s, t;

	init_bcast(cb, c_1, c_16);
	for (s = 0; s < pairs; s++)
		for (t = 0; t < n; t++)
			tt_binary_tiles_ex(TT_BINARY_MUL, cb, c_1, s * cw + t0 + t, w0 + s * step, t,
					   TT_BCAST_COLS | TT_BINARY_ACC_TO_DEST);
}

void kernel_main(void)
{
	const uint32_t pairs = get_common_arg_val(0), cw = get_common_arg_val(1);
	const uint32_t split = get_common_arg_val(2), count = get_arg_val(0);
	const uint32_t wtiles = pairs * (1 + split), blocks = pairs * cw;
	uint32_t it, s, t, t0;

	mantissa_rest_tile_init();
	for (it = 0; it < count; it++) {
		tilize_init(c_0, cw, c_2);
		for (s = 0; s < pairs; s++) {
			cb_wait_front(c_0, cw);
			cb_reserve_back(c_2, cw);
			tilize_block(c_0, cw, c_2);
			cb_push_back(c_2, cw);
			cb_pop_front(c_0, cw);
		}
		cb_wait_front(c_1, wtiles);
		cb_wait_front(c_2, blocks);
		if (split) {
			split_lo_tiles(c_2, c_5, blocks);
			cb_wait_front(c_5, blocks);
		}
		cb_reserve_back(c_16, cw);
		for (t0 = 0; t0 < cw; t0 += DST_TILES) {
			uint32_t n = cw - t0 < DST_TILES ? cw - t0 : DST_TILES;

			tile_regs_acquire();
			weigh(c_2, pairs, cw, t0, n, 0, 1 + split);
			if (split) {
				weigh(c_5, pairs, cw, t0, n, 0, 2);
				weigh(c_2, pairs, cw, t0, n, 1, 2);
			}
			tile_regs_commit();
			tile_regs_wait();
			for (t = 0; t < n; t++)
				tt_pack(t, c_16, t0 + t, TT_PACK_UNTILIZE, cw);
			tile_regs_release();
		}
		cb_push_back(c_16, cw);
		cb_pop_front(c_1, wtiles);
		cb_pop_front(c_2, blocks);
		if (split)
			cb_pop_front(c_5, blocks);
	}
}
