// SPDX-License-Identifier: MIT
/*
 * The FPU's element-wise ops, broadcast, reduce and transpose, on tiles in
 * storage order.
 *
 * Element-wise ops read SrcA from in0 and SrcB from in1. add and sub are
 * exact IEEE fp32 operations on the source values; mul uses the math
 * fidelity like matmul (matmul.c): SrcA gives 5 bits, SrcB 7 bits per
 * phase, and the phases' exact products are summed in phase order. Results
 * that are denormal become zero. The vector paths do the same IEEE
 * operations in the same order, so every path gives the same bits.
 */
#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "tile.h"

static uint32_t bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static float from_bits(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static float hi_part(float x, unsigned keep)
{
	return from_bits(bits(x) & ~((1u << (24 - keep)) - 1u));
}

/* x (SrcA) times y (SrcB) at a fidelity. */
static float fidelity_mul(float x, float y, unsigned phases)
{
	float xh = hi_part(x, 5), yh = hi_part(y, 7);
	float xl = x - xh, yl = y - yh;
	float s = xh * yh;

	if (phases >= 2)
		s = s + xl * yh;
	if (phases >= 3)
		s = s + xh * yl;
	if (phases >= 4)
		s = s + xl * yl;
	return s;
}

static void eltwise_portable(float *dst, const float *a, const float *b, uint32_t op,
			     unsigned phases)
{
	unsigned i;

	for (i = 0; i < TT_TILE_HW; i++) {
		float r;

		if (op == TT_BINARY_ADD)
			r = a[i] + b[i];
		else if (op == TT_BINARY_SUB)
			r = a[i] - b[i];
		else
			r = fidelity_mul(a[i], b[i], phases);
		dst[i] = sim_ftz(r);
	}
}

#if defined(__x86_64__) || defined(__i386__)
/*
 * The same operations, lane by lane: masks for the high parts, plain IEEE
 * mul/add/sub in the same order, the flush as a mask on the exponent.
 */
#define ELTWISE_BODY(V, LOAD, STORE, SET1I, AND, CAST_PS, CAST_SI, ADD, SUB, MUL, FTZ)     \
	do {                                                                               \
		const V m5 = CAST_PS(SET1I((int)0xfff80000u));                              \
		const V m7 = CAST_PS(SET1I((int)0xfffe0000u));                              \
		unsigned i;                                                                \
		for (i = 0; i < TT_TILE_HW; i += sizeof(V) / 4) {                          \
			V x = LOAD(a + i), y = LOAD(b + i), r;                             \
			if (op == TT_BINARY_ADD) {                                         \
				r = ADD(x, y);                                             \
			} else if (op == TT_BINARY_SUB) {                                  \
				r = SUB(x, y);                                             \
			} else {                                                           \
				V xh = AND(x, m5), yh = AND(y, m7);                        \
				V xl = SUB(x, xh), yl = SUB(y, yh);                        \
				r = MUL(xh, yh);                                           \
				if (phases >= 2)                                           \
					r = ADD(r, MUL(xl, yh));                           \
				if (phases >= 3)                                           \
					r = ADD(r, MUL(xh, yl));                           \
				if (phases >= 4)                                           \
					r = ADD(r, MUL(xl, yl));                           \
			}                                                                  \
			STORE(dst + i, FTZ(r));                                            \
		}                                                                          \
	} while (0)

__attribute__((target("avx2")))
static __m256 ftz256(__m256 r)
{
	__m256i u = _mm256_castps_si256(r);
	__m256i e = _mm256_and_si256(u, _mm256_set1_epi32(0x7f800000));
	__m256i zero = _mm256_cmpeq_epi32(e, _mm256_setzero_si256());
	__m256i sign = _mm256_and_si256(u, _mm256_set1_epi32((int)0x80000000u));

	return _mm256_castsi256_ps(_mm256_blendv_epi8(u, sign, zero));
}

__attribute__((target("avx2")))
static void eltwise_avx2(float *dst, const float *a, const float *b, uint32_t op,
			 unsigned phases)
{
	ELTWISE_BODY(__m256, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_epi32, _mm256_and_ps,
		     _mm256_castsi256_ps, _mm256_castps_si256, _mm256_add_ps, _mm256_sub_ps,
		     _mm256_mul_ps, ftz256);
}

__attribute__((target("avx512f")))
static __m512 ftz512(__m512 r)
{
	__m512i u = _mm512_castps_si512(r);
	__mmask16 zero = _mm512_testn_epi32_mask(u, _mm512_set1_epi32(0x7f800000));

	return _mm512_castsi512_ps(_mm512_mask_and_epi32(u, zero, u,
							 _mm512_set1_epi32((int)0x80000000u)));
}

__attribute__((target("avx512f")))
static __m512 and512(__m512 a, __m512 b)
{
	return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a), _mm512_castps_si512(b)));
}

__attribute__((target("avx512f")))
static void eltwise_avx512(float *dst, const float *a, const float *b, uint32_t op,
			   unsigned phases)
{
	ELTWISE_BODY(__m512, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_epi32, and512,
		     _mm512_castsi512_ps, _mm512_castps_si512, _mm512_add_ps, _mm512_sub_ps,
		     _mm512_mul_ps, ftz512);
}
#endif

void sim_eltwise_tile(enum sim_simd path, float *dst, const float *a, const float *b,
		      uint32_t op, unsigned fidelity)
{
	unsigned phases = sim_fidelity_phases(fidelity);

	switch (path) {
#if defined(__x86_64__) || defined(__i386__)
	case SIM_SIMD_AVX512_BF16:
	case SIM_SIMD_AVX512:
		eltwise_avx512(dst, a, b, op, phases);
		return;
	case SIM_SIMD_AVX2:
		eltwise_avx2(dst, a, b, op, phases);
		return;
#endif
	default:
		eltwise_portable(dst, a, b, op, phases);
		return;
	}
}

void sim_bcast_tile(float *out, const float *b, uint32_t bcast)
{
	unsigned r, h, c;

	for (r = 0; r < TT_TILE_ROWS; r++)
		for (h = 0; h < 2; h++) {
			float *o = out + sim_tile_index(r, 16 * h);

			switch (bcast) {
			case TT_BCAST_ROWS:
				memcpy(o, b + sim_tile_index(0, 16 * h), 16 * sizeof(float));
				break;
			case TT_BCAST_COLS:
				for (c = 0; c < 16; c++)
					o[c] = b[sim_tile_index(r, 0)];
				break;
			case TT_BCAST_SCALAR:
				for (c = 0; c < 16; c++)
					o[c] = b[0];
				break;
			default:
				memcpy(o, b + sim_tile_index(r, 16 * h), 16 * sizeof(float));
				break;
			}
		}
}

void sim_transpose_tile(float *out, const float *in)
{
	unsigned r, c;

	for (r = 0; r < TT_TILE_ROWS; r++)
		for (c = 0; c < TT_TILE_COLS; c++)
			out[sim_tile_index(c, r)] = in[sim_tile_index(r, c)];
}

/*
 * Reduce: SUM (and AVG, whose scaler carries the 1/N) multiplies every
 * element (SrcA) by the scaler (SrcB) at the fidelity, then adds in fp32 in index order
 * onto what DST holds; MAX takes the largest of DST and the elements times
 * the scaler (only the elements when the DST tile is untouched since
 * tile_regs_acquire, as it then holds no values yet). The scaler is element (0, 0) of the scaler tile, which
 * tt-metal kernels fill with one value in the first row of each face.
 *
 * The products are made first, all at once as mul_tiles makes them (each
 * on its own, so in any order); then each output takes its elements in
 * index order.
 */
static inline __attribute__((always_inline)) void
reduce_all(float *acc, const float *v, uint32_t dim, bool max)
{
	unsigned r, c;

	for (r = 0; r < TT_TILE_ROWS; r++)
		for (c = 0; c < TT_TILE_COLS; c++) {
			float x = v[sim_tile_index(r, c)];
			unsigned o = dim == TT_REDUCE_ROW ? r : dim == TT_REDUCE_COL ? c : 0;

			acc[o] = max ? (x > acc[o] ? x : acc[o]) : sim_ftz(acc[o] + x);
		}
}

void sim_reduce_tile(enum sim_simd path, float *dst, const float *a, const float *scaler,
		     uint32_t pool, uint32_t dim, unsigned fidelity, bool first)
{
	float sc[TT_TILE_HW], v[TT_TILE_HW], acc[TT_TILE_COLS];
	bool max = pool == TT_REDUCE_MAX;
	unsigned nout = dim == TT_REDUCE_SCALAR ? 1 : TT_TILE_ROWS, i;

	for (i = 0; i < TT_TILE_HW; i++)
		sc[i] = scaler[0];
	sim_eltwise_tile(path, v, a, sc, TT_BINARY_MUL, fidelity);
	for (i = 0; i < nout; i++) {
		unsigned out = dim == TT_REDUCE_ROW ? sim_tile_index(i, 0) : sim_tile_index(0, i);

		acc[i] = first && max ? -INFINITY : sim_ftz(dst[out]);
	}
	/* Written out per case, so that each loop is compiled for its own. */
	if (dim == TT_REDUCE_ROW)
		max ? reduce_all(acc, v, TT_REDUCE_ROW, true) : reduce_all(acc, v, TT_REDUCE_ROW, false);
	else if (dim == TT_REDUCE_COL)
		max ? reduce_all(acc, v, TT_REDUCE_COL, true) : reduce_all(acc, v, TT_REDUCE_COL, false);
	else
		max ? reduce_all(acc, v, TT_REDUCE_SCALAR, true) :
		      reduce_all(acc, v, TT_REDUCE_SCALAR, false);
	for (i = 0; i < nout; i++)
		dst[dim == TT_REDUCE_ROW ? sim_tile_index(i, 0) : sim_tile_index(0, i)] = acc[i];
}
