// SPDX-License-Identifier: MIT
/*
 * matmul compute: this core's pc_m x pc_n output tiles, K-block by
 * K-block, in subblocks of sub_h x sub_w tiles that fit in DST.
 *
 * For each K-block, every subblock's partial sums from the previous
 * K-blocks come back from the intermediate CB (Float32), the block's
 * products are added in DST, and the sums go back to the intermediate CB,
 * or, after the last K-block, to the output CB.
 *
 * With a sharded output, the output CB is C's shard in this core's L1:
 * the last K-block reserves all of it, packs each tile at its row-major
 * place and pushes it whole.
 *
 * Compile-time args: pc_m, pc_n, K-block width, K-blocks, sub_h, sub_w,
 * output CB in C's shard (0/1).
 */
#include <ttuser/kernel/compute.h>

#define PC_M	get_compile_time_arg_val(0)
#define PC_N	get_compile_time_arg_val(1)
#define KB_W	get_compile_time_arg_val(2)
#define NUM_KB	get_compile_time_arg_val(3)
#define SUB_H	get_compile_time_arg_val(4)
#define SUB_W	get_compile_time_arg_val(5)
#define SUB	(SUB_H * SUB_W)
#define IN_SHARD	get_compile_time_arg_val(6)

void kernel_main(void)
{
	uint32_t kb, sh, sw, h, w, k, i;

	mm_init(c_0, c_1, c_16);
	for (kb = 0; kb < NUM_KB; kb++) {
		bool last = kb == NUM_KB - 1;
		uint32_t out = last ? c_16 : c_24;

		cb_wait_front(c_0, PC_M * KB_W);
		cb_wait_front(c_1, KB_W * PC_N);
		for (sh = 0; sh < PC_M / SUB_H; sh++)
			for (sw = 0; sw < PC_N / SUB_W; sw++) {
				tile_regs_acquire();
				if (kb > 0) {
					cb_wait_front(c_24, SUB);
					copy_tile_init(c_24);
					for (i = 0; i < SUB; i++)
						copy_tile(c_24, i, i);
					cb_pop_front(c_24, SUB);
					mm_init_short(c_0, c_1);
				}
				for (h = 0; h < SUB_H; h++)
					for (w = 0; w < SUB_W; w++)
						for (k = 0; k < KB_W; k++)
							matmul_tiles(c_0, c_1,
								     (sh * SUB_H + h) * KB_W + k,
								     k * PC_N + sw * SUB_W + w,
								     h * SUB_W + w);
				tile_regs_commit();
				if (last && IN_SHARD) {
					if (sh == 0 && sw == 0)
						cb_reserve_back(out, PC_M * PC_N);
					tile_regs_wait();
					for (h = 0; h < SUB_H; h++)
						for (w = 0; w < SUB_W; w++)
							pack_tile(h * SUB_W + w, out,
								  (sh * SUB_H + h) * PC_N +
								  sw * SUB_W + w);
					tile_regs_release();
					continue;
				}
				cb_reserve_back(out, SUB);
				tile_regs_wait();
				for (i = 0; i < SUB; i++)
					pack_tile(i, out);
				tile_regs_release();
				cb_push_back(out, SUB);
			}
		if (last && IN_SHARD)
			cb_push_back(out, PC_M * PC_N);
		cb_pop_front(c_0, PC_M * KB_W);
		cb_pop_front(c_1, KB_W * PC_N);
	}
}
