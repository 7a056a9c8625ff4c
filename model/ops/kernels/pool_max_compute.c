// SPDX-License-Identifier: MIT
/*
 * maxpool compute, window position by position (Float32 data): per item,
 * the first position's cw tiles (c_0) into DST 0..cw-1, then each further
 * position's into DST cw..2cw-1 and binary_max_tile into the first ones;
 * the maxima packed into c_16. copy_tile and the SFPU take the Float32
 * values whole, so the result is exactly the window's max (cw <= 4: twice
 * cw tiles fit the fp32 DST).
 *
 * Common args: cw, window positions. Args: items.
 */
#include <ttuser/kernel/compute.h>

void kernel_main(void)
{
	const uint32_t cw = get_common_arg_val(0), kk = get_common_arg_val(1);
	const uint32_t count = get_arg_val(0);
	uint32_t it, w, t;

	unary_op_init_common(c_0, c_16);
	copy_tile_init(c_0);
	binary_max_tile_init();
	for (it = 0; it < count; it++) {
		tile_regs_acquire();
		for (w = 0; w < kk; w++) {
			cb_wait_front(c_0, cw);
			for (t = 0; t < cw; t++) {
				copy_tile(c_0, t, w ? cw + t : t);
				if (w)
					binary_max_tile(t, cw + t);
			}
			cb_pop_front(c_0, cw);
		}
		tile_regs_commit();
		cb_reserve_back(c_16, cw);
		tile_regs_wait();
		for (t = 0; t < cw; t++)
			pack_tile(t, c_16, t);
		tile_regs_release();
		cb_push_back(c_16, cw);
	}
}
