// SPDX-License-Identifier: MIT
/*
 * RoIAlign writer: per item (a block of 32 bins, a group of channels),
 * each bin's row of c_16 into its RoI's output stick at the bin's place:
 * RoI r = g / (P * P) is pixel r of the output, bin b = g % (P * P) its
 * channels b * c .. b * c + c - 1.
 *
 * Common args: out address, out stick bytes, bins, P * P, map stick
 * bytes, groups, cw. Args: first item, items, step.
 */
#include <ttuser/kernel/dataflow.h>

void kernel_main(void)
{
	const uint32_t out_stick = get_common_arg_val(1), bins = get_common_arg_val(2);
	const uint32_t pp = get_common_arg_val(3), stick = get_common_arg_val(4);
	const uint32_t groups = get_common_arg_val(5), cw = get_common_arg_val(6);
	const uint32_t width = stick / groups;
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	const InterleavedAddrGen out = {
		.bank_base_address = get_common_arg_val(0), .page_size = 32 * out_stick,
		.is_dram = true,
	};
	uint32_t it, i;

	for (it = 0; it < count; it++) {
		uint32_t item = first + it * step, blk = item / groups, off = item % groups * width;
		uint32_t l1;

		cb_wait_front(c_16, cw);
		l1 = get_read_ptr(c_16);
		for (i = 0; i < 32 && blk * 32 + i < bins; i++) {
			uint32_t g = blk * 32 + i, r = g / pp, b = g % pp;

			noc_async_write(l1 + i * width,
					get_noc_addr(r >> 5, &out, (r & 31) * out_stick + b * stick + off),
					width);
		}
		noc_async_write_barrier();
		cb_pop_front(c_16, cw);
	}
}
