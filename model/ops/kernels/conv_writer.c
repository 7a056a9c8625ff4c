// SPDX-License-Identifier: MIT
/*
 * conv writer: each work item's untilized block from c_16 -- 32 rows of
 * mb * nw tile columns -- into the output sticks: pixel (mblock * mb + m)
 * * 32 + r gets nw * 32 channels from column m * nw, at channel n0 * 32.
 * Pixels past the tensor's rows are dropped.
 *
 * Common args: out address, stick bytes, rows, element size, mb, nw,
 * groups. Args: first item, items, step.
 */
#include <ttuser/kernel/dataflow.h>

void kernel_main(void)
{
	const uint32_t out_addr = get_common_arg_val(0), page = get_common_arg_val(1);
	const uint32_t rows = get_common_arg_val(2), es = get_common_arg_val(3);
	const uint32_t mb = get_common_arg_val(4), nw = get_common_arg_val(5);
	const uint32_t ngroups = get_common_arg_val(6);
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	const uint32_t width = nw * 32 * es, row_bytes = mb * width;
	const InterleavedAddrGen out = {
		.bank_base_address = out_addr, .page_size = page, .is_dram = true,
	};
	uint32_t it, m, r;

	for (it = 0; it < count; it++) {
		uint32_t item = first + it * step;
		uint32_t mblock = item / ngroups, n0 = (item % ngroups) * nw;
		uint32_t base;

		cb_wait_front(c_16, mb * nw);
		base = get_read_ptr(c_16);
		for (m = 0; m < mb; m++)
			for (r = 0; r < 32; r++) {
				uint32_t p = (mblock * mb + m) * 32 + r;

				if (p < rows)
					noc_async_write(base + r * row_bytes + m * width,
							get_noc_addr(p, &out, n0 * 32 * es), width);
			}
		noc_async_write_barrier();
		cb_pop_front(c_16, mb * nw);
	}
}
