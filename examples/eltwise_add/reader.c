// SPDX-License-Identifier: MIT
/*
 * eltwise_add reader: tiles [start, start + num) of a and b into c_0 and c_1.
 * Runtime args: a address, b address, start, num.
 */
#include <ttuser/kernel/dataflow.h>

void kernel_main(void)
{
	uint32_t start = get_arg_val(2), num = get_arg_val(3);
	const InterleavedAddrGenFast a = {
		.bank_base_address = get_arg_val(0),
		.page_size = get_tile_size(c_0),
		.data_format = TT_FORMAT_FLOAT16_B,
		.is_dram = true,
	};
	const InterleavedAddrGenFast b = {
		.bank_base_address = get_arg_val(1),
		.page_size = get_tile_size(c_1),
		.data_format = TT_FORMAT_FLOAT16_B,
		.is_dram = true,
	};

	for (uint32_t i = start; i < start + num; i++) {
		cb_reserve_back(c_0, 1);
		cb_reserve_back(c_1, 1);
		noc_async_read_tile(i, &a, get_write_ptr(c_0));
		noc_async_read_tile(i, &b, get_write_ptr(c_1));
		noc_async_read_barrier();
		cb_push_back(c_0, 1);
		cb_push_back(c_1, 1);
	}
}
