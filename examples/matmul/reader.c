// SPDX-License-Identifier: MIT
/*
 * matmul reader: the in0 (A) blocks of this core's row of output tiles.
 *
 * Core (0, y) reads each K-block of A's rows for row y from DRAM and
 * multicasts it to cores (1, y)..(gx - 1, y), which wait for it. The block
 * lands at the same CB address on every core of the row, as the CBs
 * advance in lock-step. Handshake per block: a receiver reserves room,
 * clears its `valid` semaphore and adds one to the sender's `ready`
 * semaphore; the sender waits until all receivers are ready, multicasts
 * the block, then sets every receiver's `valid` by multicast.
 *
 * Common args: A address, Kt, per-core M tiles, K-block width, K-blocks,
 * gx, ready semaphore id, valid semaphore id.
 */
#include <ttuser/kernel/dataflow.h>

void kernel_main(void)
{
	uint32_t a_addr = get_common_arg_val(0), kt = get_common_arg_val(1);
	uint32_t pc_m = get_common_arg_val(2), kb_w = get_common_arg_val(3);
	uint32_t num_kb = get_common_arg_val(4), gx = get_common_arg_val(5);
	volatile uint32_t *ready = (volatile uint32_t *)get_semaphore(get_common_arg_val(6));
	volatile uint32_t *valid = (volatile uint32_t *)get_semaphore(get_common_arg_val(7));
	uint32_t x = get_absolute_logical_x(), y = get_absolute_logical_y();
	uint32_t tile = get_tile_size(c_0), block = pc_m * kb_w, kb, h, k;
	const InterleavedAddrGenFast a = {
		.bank_base_address = a_addr, .page_size = tile,
		.data_format = TT_FORMAT_FLOAT16_B, .is_dram = true,
	};

	if (x != 0) {
		for (kb = 0; kb < num_kb; kb++) {
			cb_reserve_back(c_0, block);
			noc_semaphore_set(valid, 0);
			noc_semaphore_inc(get_noc_addr(0, y, (uint32_t)ready), 1);
			noc_semaphore_wait(valid, 1);
			cb_push_back(c_0, block);
		}
		return;
	}

	noc_semaphore_set(valid, 1);	/* the value multicast to the receivers */
	for (kb = 0; kb < num_kb; kb++) {
		uint32_t base, l1;

		cb_reserve_back(c_0, block);
		base = l1 = get_write_ptr(c_0);
		for (h = 0; h < pc_m; h++)
			for (k = 0; k < kb_w; k++, l1 += tile)
				noc_async_read_tile((y * pc_m + h) * kt + kb * kb_w + k, &a, l1);
		noc_async_read_barrier();
		if (gx > 1) {
			noc_semaphore_wait(ready, gx - 1);
			noc_semaphore_set(ready, 0);
			noc_async_write_multicast(base, get_noc_multicast_addr(1, y, gx - 1, y, base),
						  block * tile, gx - 1, false);
			noc_semaphore_set_multicast((uint32_t)valid,
						    get_noc_multicast_addr(1, y, gx - 1, y,
									   (uint32_t)valid),
						    gx - 1, false);
			noc_async_write_barrier();
		}
		cb_push_back(c_0, block);
	}
}
