// SPDX-License-Identifier: MIT
/*
 * The tile engine's hot loops on this machine: one 32x32x32 tile matmul
 * (HiFi4 and LoFi) and one element-wise multiply per vector path, as host
 * GFLOP/s, each next to the portable C path measured in the same run.
 * All paths give the same bits (tests/unit/test_tile_paths.c). The
 * matmuls take both operands new each time ("fresh": more tiles than the
 * model keeps the split of) and again with the operands of the call before
 * ("reused", as a weight tile meets every row block).
 */
#include <stdint.h>
#include <string.h>

#include "bench.h"
#include "tile.h"

#define FRESH	16		/* distinct operand tiles, more than sim/matmul.c caches */

static float a[FRESH][TT_TILE_HW], b[FRESH][TT_TILE_HW], d[TT_TILE_HW];

/* Seconds per call of one op on one path, over enough calls to time. */
static double time_op(enum sim_simd path, int matmul, unsigned fidelity, unsigned tiles)
{
	unsigned n = 0, batch = matmul ? 200 : 20000, i;
	double t0 = now_s(), t;

	do {
		for (i = 0; i < batch; i++) {
			if (matmul)
				sim_matmul_tile(path, d, (const uint8_t *)a[i % tiles],
						TT_FORMAT_FLOAT32, (const uint8_t *)b[i % tiles],
						TT_FORMAT_FLOAT32, fidelity, false, true);
			else
				sim_eltwise_tile(path, d, a[0], b[0], TT_BINARY_MUL, fidelity);
		}
		n += batch;
		t = now_s() - t0;
	} while (t < 0.2);
	return t / n;
}

int main(void)
{
	static const unsigned fids[] = { 4, 0 };
	unsigned i, f, p, t;

	for (t = 0; t < FRESH; t++)
		for (i = 0; i < TT_TILE_HW; i++) {
			a[t][i] = sim_fpu_source((float)((i * 7919u + t) % 1000) / 500.0f - 1.0f);
			b[t][i] = sim_fpu_source((float)((i * 104729u + t) % 999) / 333.0f - 1.5f);
		}
	for (f = 0; f < 2; f++) {
		double base = time_op(SIM_SIMD_PORTABLE, 1, fids[f], FRESH);

		for (p = SIM_SIMD_PORTABLE; p < SIM_SIMD_PATHS; p++) {
			double s, r;

			if (!sim_simd_available((enum sim_simd)p))
				continue;
			s = time_op((enum sim_simd)p, 1, fids[f], FRESH);
			r = time_op((enum sim_simd)p, 1, fids[f], 1);
			printf("{\"bench\":\"tile_matmul\",\"path\":\"%s\",\"fidelity\":%u,"
			       "\"us_per_tile\":%.3f,\"host_gflop_per_s\":%.2f,"
			       "\"reused_operands_us_per_tile\":%.3f,"
			       "\"portable_us_per_tile\":%.3f,\"speedup_over_portable\":%.1f}\n",
			       sim_simd_name((enum sim_simd)p), fids[f], s * 1e6,
			       2.0 * 32 * 32 * 32 / s * 1e-9, r * 1e6, base * 1e6, base / s);
		}
	}
	{
		double base = time_op(SIM_SIMD_PORTABLE, 0, 4, 1);

		for (p = SIM_SIMD_PORTABLE; p < SIM_SIMD_PATHS; p++) {
			double s;

			if (!sim_simd_available((enum sim_simd)p))
				continue;
			s = time_op((enum sim_simd)p, 0, 4, 1);
			printf("{\"bench\":\"tile_mul\",\"path\":\"%s\",\"fidelity\":4,"
			       "\"ns_per_tile\":%.1f,\"portable_ns_per_tile\":%.1f,"
			       "\"speedup_over_portable\":%.1f}\n",
			       sim_simd_name((enum sim_simd)p), s * 1e9, base * 1e9, base / s);
		}
	}
	return 0;
}
