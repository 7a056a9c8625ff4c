// SPDX-License-Identifier: MIT
/*
 * maxpool compute: tilize each window block (c_0 -> c_1, ct tiles), take
 * the max down each column (reduce MAX over columns, scaler 1.0 in c_2),
 * and pack the results untilized into c_16, where row 0 is the output
 * stick.
 *
 * Common args: ct. Args: pixels.
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

		reduce_init(c_1, c_2, c_16);
		cb_wait_front(c_1, ct);
		cb_reserve_back(c_16, ct);
		for (t = 0; t < ct; t++) {
			tile_regs_acquire();
			tt_reduce_tile(TT_REDUCE_MAX, TT_REDUCE_COL, c_1, c_2, t, 0, 0);
			tile_regs_commit();
			tile_regs_wait();
			tt_pack(0, c_16, t, TT_PACK_UNTILIZE, ct);
			tile_regs_release();
		}
		cb_push_back(c_16, ct);
		cb_pop_front(c_1, ct);
	}
}
