// SPDX-License-Identifier: MIT
/*
 * conv writer: feeds the weights and writes the results. Per work item,
 * K chunk by K chunk and subblock by subblock of nsub output-channel
 * tiles, the bias tiles (first chunk only) into c_2 and, row by row of
 * the chunk's K tiles below kt0, the weight tiles into c_1, as the
 * compute kernel takes them; then the item's untilized block from c_16 --
 * 32 rows of mb * nw tile columns -- into the output sticks: pixel
 * (mblock * mb + m) * 32 + r gets nw * 32 channels from column m * nw, at
 * channel n0 * 32 (one write for a whole page when mb is 1 and nw all
 * of N). Pixels past the tensor's rows are dropped; so are the columns
 * past a narrow output's stick (fewer than 32 channels, one tile of N).
 *
 * With resident weights (all of a core's items in one group of output
 * channels), the group's bias and whole weight slice (kt0 x nw tiles) go
 * into c_2 and c_1 once, the weights row by row of K as the first item
 * takes them.
 *
 * split: the weights are two matrices, W_hi then W_lo (lo_page pages on);
 * each row of K goes into c_1 as its hi tiles followed by its lo tiles.
 *
 * Common args: out address, stick bytes, rows, element size, mb, nw,
 * groups, weight address, weight tile bytes, bias address, nt, kt0, kc,
 * nkc, nsub, resident, split, lo_page. Args: first item, items, step.
 */
#include <ttuser/kernel/dataflow.h>

void kernel_main(void)
{
	const uint32_t stick = get_common_arg_val(1);
	const uint32_t rows = get_common_arg_val(2), es = get_common_arg_val(3);
	const uint32_t mb = get_common_arg_val(4), nw = get_common_arg_val(5);
	const uint32_t ngroups = get_common_arg_val(6), w_tile = get_common_arg_val(8);
	const uint32_t nt = get_common_arg_val(10), kt0 = get_common_arg_val(11);
	const uint32_t kc = get_common_arg_val(12), nkc = get_common_arg_val(13);
	const uint32_t nsub = get_common_arg_val(14), resident = get_common_arg_val(15);
	const uint32_t parts = get_common_arg_val(16) + 1, lo_page = get_common_arg_val(17);
	const uint32_t first = get_arg_val(0), count = get_arg_val(1), step = get_arg_val(2);
	const uint32_t width = nw * 32 * es, row_bytes = mb * width;
	const uint32_t len = width < stick ? width : stick;
	const InterleavedAddrGen out = {
		.bank_base_address = get_common_arg_val(0), .page_size = 32 * stick, .is_dram = true,
	};
	const InterleavedAddrGen wt = {
		.bank_base_address = get_common_arg_val(7), .page_size = w_tile, .is_dram = true,
	};
	const InterleavedAddrGen bias = {
		.bank_base_address = get_common_arg_val(9), .page_size = 4096, .is_dram = true,
	};
	uint32_t it, m, r, chunk, s, k, j, h;

	if (resident && count) {
		uint32_t n0 = (first % ngroups) * nw, l1;

		cb_reserve_back(c_2, nw);
		l1 = get_write_ptr(c_2);
		for (j = 0; j < nw; j++)
			noc_async_read_page(n0 + j, &bias, l1 + j * 4096);
		noc_async_read_barrier();
		cb_push_back(c_2, nw);
		for (k = 0; k < kt0; k++) {
			cb_reserve_back(c_1, parts * nw);
			l1 = get_write_ptr(c_1);
			for (h = 0; h < parts; h++)
				for (j = 0; j < nw; j++)
					noc_async_read_page(h * lo_page + k * nt + n0 + j, &wt,
							    l1 + (h * nw + j) * w_tile);
			noc_async_read_barrier();
			cb_push_back(c_1, parts * nw);
		}
	}
	for (it = 0; it < count; it++) {
		uint32_t item = first + it * step;
		uint32_t mblock = item / ngroups, n0 = (item % ngroups) * nw;
		uint32_t base;

		for (chunk = 0; chunk < nkc && !resident; chunk++)
			for (s = 0; s < nw / nsub; s++) {
				uint32_t n = n0 + s * nsub, l1;

				if (chunk == 0) {
					cb_reserve_back(c_2, nsub);
					l1 = get_write_ptr(c_2);
					for (j = 0; j < nsub; j++)
						noc_async_read_page(n + j, &bias, l1 + j * 4096);
					noc_async_read_barrier();
					cb_push_back(c_2, nsub);
				}
				for (k = 0; k < kc && chunk * kc + k < kt0; k++) {
					cb_reserve_back(c_1, parts * nsub);
					l1 = get_write_ptr(c_1);
					for (h = 0; h < parts; h++)
						for (j = 0; j < nsub; j++)
							noc_async_read_page(h * lo_page +
									    (chunk * kc + k) * nt + n + j,
									    &wt,
									    l1 + (h * nsub + j) * w_tile);
					noc_async_read_barrier();
					cb_push_back(c_1, parts * nsub);
				}
			}

		cb_wait_front(c_16, mb * nw);
		base = get_read_ptr(c_16);
		if (mb == 1 && width == stick && mblock * 32 < rows) {
			noc_async_write(base, get_noc_addr(mblock, &out), 32 * stick);
		} else {
			for (m = 0; m < mb; m++)
				for (r = 0; r < 32; r++) {
					uint32_t p = (mblock * mb + m) * 32 + r;

					if (p < rows)
						noc_async_write(base + r * row_bytes + m * width,
								get_noc_addr(p >> 5, &out,
									     (p & 31) * stick +
									     n0 * 32 * es),
								len);
				}
		}
		noc_async_write_barrier();
		cb_pop_front(c_16, mb * nw);
	}
}
