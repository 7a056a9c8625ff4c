// SPDX-License-Identifier: MIT
/*
 * matmul writer: the in1 (B) blocks of this core's column of output tiles,
 * then this core's output tiles.
 *
 * Core (x, 0) reads each K-block of B's columns for column x from DRAM and
 * multicasts it down to cores (x, 1)..(x, gy - 1), with the same
 * handshake as the reader's in0 blocks. Then the compute kernel's output
 * subblocks go to the interleaved output buffer in DRAM tile by tile. With
 * a block-sharded output the output CB is this core's shard of C, which
 * the compute kernel fills in place: there is nothing to move.
 *
 * Common args: B address, C address, Nt, per-core M and N tiles, K-block
 * width, K-blocks, gy, subblock height and width, ready semaphore id,
 * valid semaphore id, C sharded (0/1).
 */
#include <ttuser/kernel/dataflow.h>

static void receive_in1(uint32_t num_kb, uint32_t block, uint32_t x, volatile uint32_t *ready,
			volatile uint32_t *valid)
{
	uint32_t kb;

	for (kb = 0; kb < num_kb; kb++) {
		cb_reserve_back(c_1, block);
		noc_semaphore_set(valid, 0);
		noc_semaphore_inc(get_noc_addr(x, 0, (uint32_t)ready), 1);
		noc_semaphore_wait(valid, 1);
		cb_push_back(c_1, block);
	}
}

static void send_in1(uint32_t num_kb, uint32_t kb_w, uint32_t pc_n, uint32_t nt, uint32_t gy,
		     const InterleavedAddrGenFast *b, volatile uint32_t *ready,
		     volatile uint32_t *valid)
{
	uint32_t x = get_absolute_logical_x(), tile = b->page_size, block = kb_w * pc_n;
	uint32_t kb, k, n;

	noc_semaphore_set(valid, 1);
	for (kb = 0; kb < num_kb; kb++) {
		uint32_t base, l1;

		cb_reserve_back(c_1, block);
		base = l1 = get_write_ptr(c_1);
		for (k = 0; k < kb_w; k++)
			for (n = 0; n < pc_n; n++, l1 += tile)
				noc_async_read_tile((kb * kb_w + k) * nt + x * pc_n + n, b, l1);
		noc_async_read_barrier();
		if (gy > 1) {
			noc_semaphore_wait(ready, gy - 1);
			noc_semaphore_set(ready, 0);
			noc_async_write_multicast(base, get_noc_multicast_addr(x, 1, x, gy - 1, base),
						  block * tile, gy - 1, false);
			noc_semaphore_set_multicast((uint32_t)valid,
						    get_noc_multicast_addr(x, 1, x, gy - 1,
									   (uint32_t)valid),
						    gy - 1, false);
			noc_async_write_barrier();
		}
		cb_push_back(c_1, block);
	}
}

void kernel_main(void)
{
	uint32_t b_addr = get_common_arg_val(0), c_addr = get_common_arg_val(1);
	uint32_t nt = get_common_arg_val(2), pc_m = get_common_arg_val(3);
	uint32_t pc_n = get_common_arg_val(4), kb_w = get_common_arg_val(5);
	uint32_t num_kb = get_common_arg_val(6), gy = get_common_arg_val(7);
	uint32_t sub_h = get_common_arg_val(8), sub_w = get_common_arg_val(9);
	volatile uint32_t *ready = (volatile uint32_t *)get_semaphore(get_common_arg_val(10));
	volatile uint32_t *valid = (volatile uint32_t *)get_semaphore(get_common_arg_val(11));
	uint32_t x = get_absolute_logical_x(), y = get_absolute_logical_y();
	uint32_t in_tile = get_tile_size(c_1), out_tile = get_tile_size(c_16);
	uint32_t sh, sw, i, j;
	const InterleavedAddrGenFast b = {
		.bank_base_address = b_addr, .page_size = in_tile,
		.data_format = TT_FORMAT_FLOAT16_B, .is_dram = true,
	};
	const InterleavedAddrGenFast c = {
		.bank_base_address = c_addr, .page_size = out_tile,
		.data_format = TT_FORMAT_FLOAT16_B, .is_dram = true,
	};
	bool sharded = get_common_arg_val(12);

	if (y == 0)
		send_in1(num_kb, kb_w, pc_n, nt, gy, &b, ready, valid);
	else
		receive_in1(num_kb, kb_w * pc_n, x, ready, valid);

	if (sharded) {
		cb_wait_front(c_16, pc_m * pc_n);
		cb_pop_front(c_16, pc_m * pc_n);
		return;
	}
	for (sh = 0; sh < pc_m / sub_h; sh++)
		for (sw = 0; sw < pc_n / sub_w; sw++) {
			uint32_t l1;

			cb_wait_front(c_16, sub_h * sub_w);
			l1 = get_read_ptr(c_16);
			for (i = 0; i < sub_h; i++)
				for (j = 0; j < sub_w; j++, l1 += out_tile)
					noc_async_write_tile((y * pc_m + sh * sub_h + i) * nt +
							     x * pc_n + sw * sub_w + j, &c, l1);
			noc_async_write_barrier();
			cb_pop_front(c_16, sub_h * sub_w);
		}
}
