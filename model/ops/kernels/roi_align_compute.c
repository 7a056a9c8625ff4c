// SPDX-License-Identifier: MIT
/*
 * RoIAlign compute: per item, tilize each of the S gathered blocks
 * (c_0 -> c_2, cw tiles each), then for each channel tile t sum over s
 * of block s's tile t times weight tile s broadcast along columns
 * (c_1, column 0: one weight a row), accumulated in an fp32 DST, and pack
 * the sums untilized into c_16: 32 rows, one a bin, of the item's
 * channels.
 *
 * Common args: pairs (S), cw. Args: items.
 */
#include <ttuser/kernel/compute.h>

#define DST_TILES	8

void kernel_main(void)
{
	const uint32_t pairs = get_common_arg_val(0), cw = get_common_arg_val(1);
	const uint32_t count = get_arg_val(0);
	uint32_t it, s, t, t0;

	for (it = 0; it < count; it++) {
		tilize_init(c_0, cw, c_2);
		for (s = 0; s < pairs; s++) {
			cb_wait_front(c_0, cw);
			cb_reserve_back(c_2, cw);
			tilize_block(c_0, cw, c_2);
			cb_push_back(c_2, cw);
			cb_pop_front(c_0, cw);
		}
		cb_wait_front(c_1, pairs);
		cb_wait_front(c_2, pairs * cw);
		cb_reserve_back(c_16, cw);
		init_bcast(c_2, c_1, c_16);
		for (t0 = 0; t0 < cw; t0 += DST_TILES) {
			uint32_t n = cw - t0 < DST_TILES ? cw - t0 : DST_TILES;

			tile_regs_acquire();
			for (s = 0; s < pairs; s++)
				for (t = 0; t < n; t++)
					tt_binary_tiles_ex(TT_BINARY_MUL, c_2, c_1, s * cw + t0 + t, s,
							   t, TT_BCAST_COLS | TT_BINARY_ACC_TO_DEST);
			tile_regs_commit();
			tile_regs_wait();
			for (t = 0; t < n; t++)
				tt_pack(t, c_16, t0 + t, TT_PACK_UNTILIZE, cw);
			tile_regs_release();
		}
		cb_push_back(c_16, cw);
		cb_pop_front(c_1, pairs);
		cb_pop_front(c_2, pairs * cw);
	}
}
