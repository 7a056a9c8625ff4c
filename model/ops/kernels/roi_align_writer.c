// SPDX-License-Identifier: MIT
/*
 * RoIAlign writer: per item (a block of 32 bins, a group of channels),
 * each bin's row of c_16 into its RoI's output stick at the bin's place:
 * RoI r = g / (P * P) is pixel r of the output, bin b = g % (P * P) its
 * channels b * c .. b * c + c - 1. With the output in parts, each part
 * holds the bins from its first on: bin b goes to the last part whose
 * first bin is at most b, at (b - first) * c.
 *
 * Common args: parts, bins, P * P, map stick bytes, groups, cw, then per
 * part: address, stick bytes, first bin. Args: first item, items, step.
 */
#include <ttuser/kernel/dataflow.h>

#define MAX_PARTS	4
#define ARG_PART	6

void kernel_main(void)
{
	const uint32_t parts = get_common_arg_val(0), bins = get_common_arg_val(1);
	const uint32_t pp = get_common_arg_val(2), stick = get_common_arg_val(3);
	const uint32_t groups = get_common_arg_val(4), cw = get_common_arg_val(5);
	const uint32_t width = stick / groups;
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	InterleavedAddrGen out[MAX_PARTS];
	uint32_t out_stick[MAX_PARTS], from[MAX_PARTS], it, i, p;

	for (p = 0; p < parts && p < MAX_PARTS; p++) {
		out_stick[p] = get_common_arg_val(ARG_PART + 3 * p + 1);
		from[p] = get_common_arg_val(ARG_PART + 3 * p + 2);
		out[p] = (InterleavedAddrGen){
			.bank_base_address = get_common_arg_val(ARG_PART + 3 * p),
			.page_size = 32 * out_stick[p], .is_dram = true,
		};
	}
	for (it = 0; it < count; it++) {
		uint32_t item = first + it * step, blk = item / groups, off = item % groups * width;
		uint32_t l1;

		cb_wait_front(c_16, cw);
		l1 = get_read_ptr(c_16);
		for (i = 0; i < 32 && blk * 32 + i < bins; i++) {
			uint32_t g = blk * 32 + i, r = g / pp, b = g % pp;

			for (p = parts - 1; p > 0 && from[p] > b; p--)
				;
			noc_async_write(l1 + i * width,
					get_noc_addr(r >> 5, &out[p],
						     (r & 31) * out_stick[p] + (b - from[p]) * stick + off),
					width);
		}
		noc_async_write_barrier();
		cb_pop_front(c_16, cw);
	}
}
