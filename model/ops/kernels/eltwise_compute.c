// SPDX-License-Identifier: MIT
/*
 * eltwise compute: out = a, relu(a), a + b or relu(a + b), tile by tile
 * of each block (c_0, c_1 -> c_16), through an fp32 DST.
 *
 * Common args: ct, op (bit 0 relu, bit 1 add). Args: blocks.
 */
#include <ttuser/kernel/compute.h>

void kernel_main(void)
{
	const uint32_t ct = get_common_arg_val(0), op = get_common_arg_val(1);
	const uint32_t count = get_arg_val(0);
	uint32_t it, t;

	if (op & 2)
		binary_op_init_common(c_0, c_1, c_16);
	else
		unary_op_init_common(c_0, c_16);
	for (it = 0; it < count; it++) {
		cb_wait_front(c_0, ct);
		if (op & 2)
			cb_wait_front(c_1, ct);
		cb_reserve_back(c_16, ct);
		for (t = 0; t < ct; t++) {
			tile_regs_acquire();
			if (op & 2)
				add_tiles(c_0, c_1, t, t, 0);
			else
				copy_tile(c_0, t, 0);
			if (op & 1)
				relu_tile(0);
			tile_regs_commit();
			tile_regs_wait();
			pack_tile(0, c_16, t);
			tile_regs_release();
		}
		cb_push_back(c_16, ct);
		cb_pop_front(c_0, ct);
		if (op & 2)
			cb_pop_front(c_1, ct);
	}
}
