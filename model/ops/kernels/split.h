/* SPDX-License-Identifier: MIT */
/*
 * fp32 products past the FPU's 19-bit source registers, which keep 10
 * mantissa bits: a product a * b is summed in DST as a_hi * b_hi + a_lo *
 * b_hi + a_hi * b_lo, where x_hi is what a source register holds of x and
 * x_lo = x - x_hi (b's parts are made by whoever writes b; a's here). Only
 * a_lo * b_lo and the bits of a_lo and b_lo below the source's are lost:
 * about 2^-21 of each product. op_kernel splices this file into the
 * compute kernels that include it (conv_compute.c, roi_align_compute.c).
 */
#ifndef OPS_SPLIT_H
#define OPS_SPLIT_H

#include <ttuser/kernel/compute.h>

/*
 * The lo parts of the first n tiles at the front of in, into n tiles
 * pushed to out (Float32 both); mantissa_rest_tile_init() first.
 */
static inline void split_lo_tiles(uint32_t in, uint32_t out, uint32_t n)
{
	uint32_t t, i;

	cb_reserve_back(out, n);
	copy_tile_init(in);
	for (t = 0; t < n; t += 8) {
		uint32_t k = n - t < 8 ? n - t : 8;

		tile_regs_acquire();
		for (i = 0; i < k; i++) {
			copy_tile(in, t + i, i);
			mantissa_rest_tile(i, 10);
		}
		tile_regs_commit();
		tile_regs_wait();
		for (i = 0; i < k; i++)
			pack_tile(i, out, t + i);
		tile_regs_release();
	}
	cb_push_back(out, n);
}

#endif
