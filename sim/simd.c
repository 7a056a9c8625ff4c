// SPDX-License-Identifier: MIT
/*
 * The vector code paths of the tile engine's hot loops, and the one place
 * that decides which of them this CPU runs. Every path computes the same
 * bits (see matmul.c and fpu.c); a path only changes how fast.
 */
#include <stdlib.h>
#include <string.h>

#include "tile.h"

static const char *const names[SIM_SIMD_PATHS] = {
	[SIM_SIMD_PORTABLE] = "portable",
	[SIM_SIMD_AVX2] = "avx2",
	[SIM_SIMD_AVX512] = "avx512",
	[SIM_SIMD_AVX512_BF16] = "avx512_bf16",
};

const char *sim_simd_name(enum sim_simd path)
{
	return path < SIM_SIMD_PATHS ? names[path] : "unknown";
}

bool sim_simd_available(enum sim_simd path)
{
	switch (path) {
	case SIM_SIMD_PORTABLE:
		return true;
#if defined(__x86_64__) || defined(__i386__)
	case SIM_SIMD_AVX2:
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	case SIM_SIMD_AVX512:
		return __builtin_cpu_supports("avx512f");
	case SIM_SIMD_AVX512_BF16:
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16");
#endif
	default:
		return false;
	}
}

/* The path TTSIM_SIMD names, if this CPU has it; else -1. Read once. */
static int path_from_env(void)
{
	static int env = -2;
	const char *want;
	int p = __atomic_load_n(&env, __ATOMIC_RELAXED);

	/* Racing threads all compute the same answer. */
	if (p != -2)
		return p;
	want = getenv("TTSIM_SIMD");
	for (p = SIM_SIMD_PATHS - 1; p >= 0; p--)
		if (want && !strcmp(want, names[p]) && sim_simd_available((enum sim_simd)p))
			break;
	__atomic_store_n(&env, p, __ATOMIC_RELAXED);
	return p;
}

/*
 * The fastest path, or the one TTSIM_SIMD names (portable, avx2, avx512,
 * avx512_bf16) when this CPU has it: the results are the same, so the
 * variable only serves to compare the paths.
 */
enum sim_simd sim_simd_best(void)
{
	static int best = -1;
	int p;

	if (__atomic_load_n(&best, __ATOMIC_RELAXED) >= 0)
		return (enum sim_simd)best;
	p = path_from_env();
	if (p < 0)
		for (p = SIM_SIMD_PATHS - 1; p > SIM_SIMD_PORTABLE; p--)
			if (sim_simd_available((enum sim_simd)p))
				break;
	__atomic_store_n(&best, p, __ATOMIC_RELAXED);
	return (enum sim_simd)p;
}

/*
 * The same for matmul, where the dot-product instruction of avx512_bf16
 * loses to avx512's FMAs once the operands' bf16 pairs are counted
 * (make bench: bench_tile); TTSIM_SIMD still picks any path.
 */
enum sim_simd sim_simd_best_matmul(void)
{
	enum sim_simd p = sim_simd_best();

	if (p == SIM_SIMD_AVX512_BF16 && path_from_env() < 0)
		return SIM_SIMD_AVX512;
	return p;
}
