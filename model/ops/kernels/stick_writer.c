// SPDX-License-Identifier: MIT
/*
 * stick writer: work item = a block of 32 output pixels (a page of the
 * output) and a group of channels (groups per block): the item's 32 rows
 * from c_16 (row-major, cw pages) into those pixels' sticks at the
 * group's channels -- the whole page in one write when there is one group.
 *
 * Common args: out address, stick bytes, cw, groups. Args: first item,
 * items, step.
 */
#include <ttuser/kernel/dataflow.h>

void kernel_main(void)
{
	const uint32_t stick = get_common_arg_val(1), cw = get_common_arg_val(2);
	const uint32_t groups = get_common_arg_val(3), width = stick / groups;
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	const InterleavedAddrGen out = {
		.bank_base_address = get_common_arg_val(0), .page_size = 32 * stick,
		.is_dram = true,
	};
	uint32_t it, r;

	for (it = 0; it < count; it++) {
		uint32_t item = first + it * step, blk = item / groups, off = item % groups * width;
		uint32_t l1;

		cb_wait_front(c_16, cw);
		l1 = get_read_ptr(c_16);
		if (groups == 1)
			noc_async_write(l1, get_noc_addr(blk, &out), 32 * stick);
		else
			for (r = 0; r < 32; r++)
				noc_async_write(l1 + r * width,
						get_noc_addr(blk, &out, r * stick + off), width);
		noc_async_write_barrier();
		cb_pop_front(c_16, cw);
	}
}
