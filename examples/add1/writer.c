// SPDX-License-Identifier: MIT
/* add1 writer: the tile in c_16 to DRAM tile 0 of the output buffer (runtime arg 0). */
#include <ttuser/kernel/dataflow.h>

void kernel_main(void)
{
	const InterleavedAddrGenFast dst = {
		.bank_base_address = get_arg_val(0),
		.page_size = get_tile_size(c_16),
		.data_format = TT_FORMAT_FLOAT32,
		.is_dram = true,
	};

	cb_wait_front(c_16, 1);
	noc_async_write_tile(0, &dst, get_read_ptr(c_16));
	noc_async_write_barrier();
	cb_pop_front(c_16, 1);
}
