// SPDX-License-Identifier: MIT
/* add1 compute: c_16 = c_0 + 1.0f, in the fp32 DST. */
#include <ttuser/kernel/compute.h>

void kernel_main(void)
{
	unary_op_init_common(c_0, c_16);
	copy_tile_init(c_0);
	binop_with_scalar_tile_init();

	cb_wait_front(c_0, 1);
	tile_regs_acquire();
	copy_tile(c_0, 0, 0);
	add_unary_tile(0, tt_float_bits(1.0f));
	tile_regs_commit();
	cb_pop_front(c_0, 1);

	cb_reserve_back(c_16, 1);
	tile_regs_wait();
	pack_tile(0, c_16);
	tile_regs_release();
	cb_push_back(c_16, 1);
}
