// SPDX-License-Identifier: MIT
/* add1 reader: DRAM tile 0 of the input buffer (runtime arg 0) into c_0. */
#include <ttuser/kernel/dataflow.h>

void kernel_main(void)
{
	const InterleavedAddrGenFast src = {
		.bank_base_address = get_arg_val(0),
		.page_size = get_tile_size(c_0),
		.data_format = TT_FORMAT_FLOAT32,
		.is_dram = true,
	};

	cb_reserve_back(c_0, 1);
	noc_async_read_tile(0, &src, get_write_ptr(c_0));
	noc_async_read_barrier();
	cb_push_back(c_0, 1);
}
