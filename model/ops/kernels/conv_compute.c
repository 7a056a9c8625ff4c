// SPDX-License-Identifier: MIT
/*
 * conv compute: per work item, K chunk by K chunk, tilize the im2col
 * sub-blocks (c_0 -> c_4, sw tiles at a time, kc a tile row), then for
 * each subblock of mb x nsub output tiles (at most 8, DST in fp32) start
 * from the bias (first chunk) or the partial sums of the chunks so far
 * (c_24, Float32), add the chunk's products (K tiles past kt0 are
 * padding and skipped), and either park the sums in c_24 again or, after
 * the last chunk, apply relu and pack them untilized into c_16: mb * nw
 * tile columns side by side, tile row m's block at column m * nw.
 *
 * Common args: mb, nw, nsub, kc, nkc, relu, sw, kt0. Args: items.
 */
#include <ttuser/kernel/compute.h>

void kernel_main(void)
{
	const uint32_t mb = get_common_arg_val(0), nw = get_common_arg_val(1);
	const uint32_t nsub = get_common_arg_val(2), kc = get_common_arg_val(3);
	const uint32_t nkc = get_common_arg_val(4), relu = get_common_arg_val(5);
	const uint32_t sw = get_common_arg_val(6), kt0 = get_common_arg_val(7);
	const uint32_t count = get_arg_val(0), sub = mb * nsub;
	uint32_t it, chunk, m, s, k, j, i;

	mm_init(c_4, c_1, c_16);
	for (it = 0; it < count; it++) {
		for (chunk = 0; chunk < nkc; chunk++) {
			bool last = chunk == nkc - 1;
			uint32_t kend = kt0 - chunk * kc < kc ? kt0 - chunk * kc : kc;

			tilize_init(c_0, sw, c_4);
			for (m = 0; m < mb; m++)
				for (j = 0; j < kc / sw; j++) {
					cb_wait_front(c_0, sw);
					cb_reserve_back(c_4, sw);
					tilize_block(c_0, sw, c_4);
					cb_push_back(c_4, sw);
					cb_pop_front(c_0, sw);
				}
			cb_wait_front(c_4, mb * kc);
			if (last)
				cb_reserve_back(c_16, mb * nw);
			for (s = 0; s < nw / nsub; s++) {
				tile_regs_acquire();
				if (chunk == 0) {
					cb_wait_front(c_2, nsub);
					copy_tile_init(c_2);
					for (m = 0; m < mb; m++)
						for (j = 0; j < nsub; j++)
							copy_tile(c_2, j, m * nsub + j);
					cb_pop_front(c_2, nsub);
				} else {
					cb_wait_front(c_24, sub);
					copy_tile_init(c_24);
					for (i = 0; i < sub; i++)
						copy_tile(c_24, i, i);
					cb_pop_front(c_24, sub);
				}
				mm_init_short(c_4, c_1);
				for (k = 0; k < kend; k++) {
					cb_wait_front(c_1, nsub);
					for (m = 0; m < mb; m++)
						for (j = 0; j < nsub; j++)
							matmul_tiles(c_4, c_1, m * kc + k, j,
								     m * nsub + j);
					cb_pop_front(c_1, nsub);
				}
				if (last && relu)
					for (i = 0; i < sub; i++)
						relu_tile(i);
				tile_regs_commit();
				if (last) {
					tile_regs_wait();
					for (m = 0; m < mb; m++)
						for (j = 0; j < nsub; j++)
							tt_pack(m * nsub + j, c_16,
								m * nw + s * nsub + j,
								TT_PACK_UNTILIZE, mb * nw);
					tile_regs_release();
				} else {
					cb_reserve_back(c_24, sub);
					tile_regs_wait();
					for (i = 0; i < sub; i++)
						pack_tile(i, c_24);
					tile_regs_release();
					cb_push_back(c_24, sub);
				}
			}
			if (last)
				cb_push_back(c_16, mb * nw);
			cb_pop_front(c_4, mb * kc);
		}
	}
}
