// SPDX-License-Identifier: MIT
/*
 * stick writer: blocks of 32 output sticks from c_16 (row-major, ct
 * pages a block) to the output tensor, block b to pixels 32b .. 32b + 31.
 *
 * Common args: out address, stick bytes, ct. Args: first block, blocks, step.
 */
#include <ttuser/kernel/dataflow.h>

void kernel_main(void)
{
	const uint32_t page = get_common_arg_val(1), ct = get_common_arg_val(2);
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	const InterleavedAddrGen out = {
		.bank_base_address = get_common_arg_val(0), .page_size = page, .is_dram = true,
	};
	uint32_t it, r;

	for (it = 0; it < count; it++) {
		uint32_t blk = first + it * step, l1;

		cb_wait_front(c_16, ct);
		l1 = get_read_ptr(c_16);
		for (r = 0; r < 32; r++)
			noc_async_write_page(blk * 32 + r, &out, l1 + r * page);
		noc_async_write_barrier();
		cb_pop_front(c_16, ct);
	}
}
