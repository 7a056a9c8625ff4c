// SPDX-License-Identifier: MIT
/*
 * softmax compute, along each row of a block of 32 rows (ct tiles wide):
 * tilize (c_0 -> c_1); the row max (reduce MAX over rows into c_3);
 * exp(x - max) (c_4, Float32); 1 / the row sum (reduce SUM, recip, c_5);
 * exp * that, packed untilized into c_16.
 *
 * Common args: ct. Args: blocks.
 */
#include <ttuser/kernel/compute.h>

void kernel_main(void)
{
	const uint32_t ct = get_common_arg_val(0), count = get_arg_val(0);
	uint32_t it, t;

	cb_wait_front(c_2, 1);
	for (it = 0; it < count; it++) {
		tilize_init(c_0, ct, c_1);
		cb_wait_front(c_0, ct);
		cb_reserve_back(c_1, ct);
		tilize_block(c_0, ct, c_1);
		cb_push_back(c_1, ct);
		cb_pop_front(c_0, ct);
		cb_wait_front(c_1, ct);

		reduce_init(c_1, c_2, c_3);
		tile_regs_acquire();
		for (t = 0; t < ct; t++)
			tt_reduce_tile(TT_REDUCE_MAX, TT_REDUCE_ROW, c_1, c_2, t, 0, 0);
		tile_regs_commit();
		cb_reserve_back(c_3, 1);
		tile_regs_wait();
		pack_tile(0, c_3);
		tile_regs_release();
		cb_push_back(c_3, 1);

		cb_wait_front(c_3, 1);
		cb_reserve_back(c_4, ct);
		sub_bcast_cols_init_short(c_1, c_3);
		for (t = 0; t < ct; t++) {
			tile_regs_acquire();
			sub_tiles_bcast_cols(c_1, c_3, t, 0, 0);
			exp_tile(0);
			tile_regs_commit();
			tile_regs_wait();
			pack_tile(0, c_4, t);
			tile_regs_release();
		}
		cb_push_back(c_4, ct);
		cb_pop_front(c_3, 1);
		cb_pop_front(c_1, ct);

		cb_wait_front(c_4, ct);
		reduce_init(c_4, c_2, c_5);
		tile_regs_acquire();
		for (t = 0; t < ct; t++)
			tt_reduce_tile(TT_REDUCE_SUM, TT_REDUCE_ROW, c_4, c_2, t, 0, 0);
		recip_tile(0);
		tile_regs_commit();
		cb_reserve_back(c_5, 1);
		tile_regs_wait();
		pack_tile(0, c_5);
		tile_regs_release();
		cb_push_back(c_5, 1);

		cb_wait_front(c_5, 1);
		cb_reserve_back(c_16, ct);
		mul_bcast_cols_init_short(c_4, c_5);
		for (t = 0; t < ct; t++) {
			tile_regs_acquire();
			mul_tiles_bcast_cols(c_4, c_5, t, 0, 0);
			tile_regs_commit();
			tile_regs_wait();
			tt_pack(0, c_16, t, TT_PACK_UNTILIZE, ct);
			tile_regs_release();
		}
		cb_push_back(c_16, ct);
		cb_pop_front(c_4, ct);
		cb_pop_front(c_5, 1);
	}
}
