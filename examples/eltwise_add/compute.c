// SPDX-License-Identifier: MIT
/* eltwise_add compute: num tiles of c_16 = c_0 + c_1. Runtime args: num. */
#include <ttuser/kernel/compute.h>

void kernel_main(void)
{
	uint32_t num = get_arg_val(0);

	binary_op_init_common(c_0, c_1, c_16);
	add_tiles_init(c_0, c_1);

	for (uint32_t i = 0; i < num; i++) {
		cb_wait_front(c_0, 1);
		cb_wait_front(c_1, 1);
		tile_regs_acquire();
		add_tiles(c_0, c_1, 0, 0, 0);
		tile_regs_commit();
		cb_pop_front(c_0, 1);
		cb_pop_front(c_1, 1);

		cb_reserve_back(c_16, 1);
		tile_regs_wait();
		pack_tile(0, c_16);
		tile_regs_release();
		cb_push_back(c_16, 1);
	}
}
