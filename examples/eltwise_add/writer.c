// SPDX-License-Identifier: MIT
/*
 * eltwise_add writer: num tiles from c_16 to tiles [start, start + num) of c.
 * Runtime args: c address, start, num.
 */
#include <ttuser/kernel/dataflow.h>

void kernel_main(void)
{
	uint32_t start = get_arg_val(1), num = get_arg_val(2);
	const InterleavedAddrGenFast c = {
		.bank_base_address = get_arg_val(0),
		.page_size = get_tile_size(c_16),
		.data_format = TT_FORMAT_FLOAT16_B,
		.is_dram = true,
	};

	for (uint32_t i = start; i < start + num; i++) {
		cb_wait_front(c_16, 1);
		noc_async_write_tile(i, &c, get_read_ptr(c_16));
		noc_async_write_barrier();
		cb_pop_front(c_16, 1);
	}
}
