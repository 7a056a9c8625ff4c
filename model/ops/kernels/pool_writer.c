// SPDX-License-Identifier: MIT
/*
 * maxpool writer: row 0 of each untilized block in c_16 is the output
 * pixel's stick.
 *
 * Common args: out address, stick bytes, ct. Args: first pixel, pixels, step.
 */
#include <ttuser/kernel/dataflow.h>

void kernel_main(void)
{
	const uint32_t page = get_common_arg_val(1), ct = get_common_arg_val(2);
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	const InterleavedAddrGen out = {
		.bank_base_address = get_common_arg_val(0), .page_size = 32 * page,
		.is_dram = true,
	};
	uint32_t it;

	for (it = 0; it < count; it++) {
		cb_wait_front(c_16, ct);
		uint32_t p = first + it * step;

		noc_async_write(get_read_ptr(c_16), get_noc_addr(p >> 5, &out, (p & 31) * page),
				page);
		noc_async_write_barrier();
		cb_pop_front(c_16, ct);
	}
}
