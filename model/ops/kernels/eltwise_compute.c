// SPDX-License-Identifier: MIT
/*
 * eltwise compute: out = a, relu(a), a + b or relu(a + b), tile by tile
 * of each block (c_0, c_1 -> c_16), through an fp32 DST.
 *
 * The add is the FPU's add_tiles, except for Float32 data (op bit 2):
 * the FPU would read a and b through its 19-bit source registers, so both
 * are copied into DST whole and added there on the SFPU, in fp32.
 *
 * Common args: ct, op (bit 0 relu, bit 1 add, bit 2 add on the SFPU).
 * Args: blocks.
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
	if (op & 4)
		add_binary_tile_init();
	for (it = 0; it < count; it++) {
		cb_wait_front(c_0, ct);
		if (op & 2)
			cb_wait_front(c_1, ct);
		cb_reserve_back(c_16, ct);
		for (t = 0; t < ct; t++) {
			tile_regs_acquire();
			if (op & 4) {
				copy_tile_init(c_0);
				copy_tile(c_0, t, 0);
				copy_tile_init(c_1);
				copy_tile(c_1, t, 1);
				add_binary_tile(0, 1);
			} else if (op & 2) {
				add_tiles(c_0, c_1, t, t, 0);
			} else {
				copy_tile(c_0, t, 0);
			}
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
