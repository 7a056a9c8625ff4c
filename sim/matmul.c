// SPDX-License-Identifier: MIT
/*
 * Matmul of two tiles into DST at a math fidelity.
 *
 * The FPU's multipliers take 5 bits of the SrcA operand (its hidden bit
 * and top 4 mantissa bits) and 7 bits of the SrcB operand (hidden bit and
 * top 6) per pass. For matmul SrcA holds in1 (b here) and SrcB holds in0
 * (a). Each fidelity phase multiplies one part of each operand:
 *
 *	phase 0 (LoFi)	a.hi x b.hi
 *	phase 1 (HiFi2)	a.hi x b.lo
 *	phase 2 (HiFi3)	a.lo x b.hi
 *	phase 3 (HiFi4)	a.lo x b.lo
 *
 * where b.hi is b's top 5 significant bits and b.lo the rest, a.hi a's top
 * 7 and a.lo the rest; more phases add the lower bits. Every part has at
 * most 7 significant bits, so it is a bf16 value and every partial product
 * is exact.
 *
 * DST[i][j] += sum over k and phases of a_part[i][k] * b_part[k][j]. The
 * partial products of one output form a sequence s = k * phases + phase,
 * which is accumulated in fp32 pair by pair, the odd member of a pair
 * first: acc = acc + p[s+1], then acc = acc + p[s], each rounded to
 * nearest even with denormal results flushed to zero (the order and the
 * rounding of the AVX512_BF16 dot product instruction). Every path below
 * computes exactly this, so they agree bit for bit.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86 1
#endif

#include "tile.h"

#define N	32u			/* tile rows, columns, inner dim */
#define SEQ_MAX	(N * 4)			/* partial products per output at HiFi4 */

/* The operands split by phase, row-major, plus bf16 pairs for the BF16 path. */
struct mm_parts {
	unsigned len;			/* partial products per output */
	float a[N][SEQ_MAX];		/* a[i][s] */
	float b[SEQ_MAX][N];		/* b[s][j] */
	uint32_t a_pair[N][SEQ_MAX / 2];	/* a[i][2m] | a[i][2m+1] << 16 as bf16 */
	uint32_t b_pair[SEQ_MAX / 2][N];
};

unsigned sim_fidelity_phases(unsigned fidelity)
{
	return fidelity < 2 ? 1 : fidelity > 4 ? 4 : fidelity;
}

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

/* The top `keep` significant bits (hidden bit included) of a source value. */
static float top_bits(float x, unsigned keep)
{
	return from_bits(bits(x) & ~((1u << (24 - keep)) - 1u));
}

/* part 0: the top `keep` bits; part 1: the rest (exact), denormals flushed. */
static float part(float x, unsigned keep, unsigned which)
{
	float hi = top_bits(x, keep);

	return which ? sim_ftz(x - hi) : hi;
}

static void split(struct mm_parts *p, const float *a, const float *b, unsigned phases,
		  bool transpose_b)
{
	/* Which part of a (SrcB, 7 bits) and of b (SrcA, 5 bits) each phase takes. */
	static const unsigned a_part[4] = { 0, 0, 1, 1 }, b_part[4] = { 0, 1, 0, 1 };
	unsigned i, k, ph;

	p->len = N * phases;
	for (i = 0; i < N; i++)
		for (k = 0; k < N; k++) {
			float av = a[sim_tile_index(i, k)];
			float bv = transpose_b ? b[sim_tile_index(i, k)] : b[sim_tile_index(k, i)];

			for (ph = 0; ph < phases; ph++) {
				p->a[i][k * phases + ph] = part(av, 7, a_part[ph]);
				/* b[s][j] with j = i, s from k: row k of b is column k of b^T. */
				p->b[k * phases + ph][i] = part(bv, 5, b_part[ph]);
			}
		}
}

static void pair_up(struct mm_parts *p)
{
	unsigned i, m;

	for (m = 0; m < p->len / 2; m++)
		for (i = 0; i < N; i++) {
			p->a_pair[i][m] = bits(p->a[i][2 * m]) >> 16 |
					  (bits(p->a[i][2 * m + 1]) & 0xffff0000u);
			p->b_pair[m][i] = bits(p->b[2 * m][i]) >> 16 |
					  (bits(p->b[2 * m + 1][i]) & 0xffff0000u);
		}
}

/* ---- the paths: acc[i][j] holds DST's row-major values in and out ------ */
static void mm_portable(float acc[N][N], const struct mm_parts *p)
{
	unsigned i, j, m;

	for (i = 0; i < N; i++)
		for (m = 0; m < p->len / 2; m++) {
			float a1 = p->a[i][2 * m + 1], a0 = p->a[i][2 * m];

			for (j = 0; j < N; j++) {
				float s = sim_ftz(fmaf(a1, p->b[2 * m + 1][j], acc[i][j]));

				acc[i][j] = sim_ftz(fmaf(a0, p->b[2 * m][j], s));
			}
		}
}

#ifdef HAVE_X86
/* MXCSR flush-to-zero for the paths that use the FMA units. */
#define MXCSR_FTZ 0x8000u

__attribute__((target("avx2,fma")))
static void mm_avx2(float acc[N][N], const struct mm_parts *p)
{
	unsigned csr = _mm_getcsr(), i, m, q;

	_mm_setcsr(csr | MXCSR_FTZ);
	for (i = 0; i < N; i++) {
		__m256 c[4];

		for (q = 0; q < 4; q++)
			c[q] = _mm256_loadu_ps(&acc[i][8 * q]);
		for (m = 0; m < p->len / 2; m++) {
			__m256 a1 = _mm256_set1_ps(p->a[i][2 * m + 1]);
			__m256 a0 = _mm256_set1_ps(p->a[i][2 * m]);

			for (q = 0; q < 4; q++) {
				c[q] = _mm256_fmadd_ps(a1, _mm256_loadu_ps(&p->b[2 * m + 1][8 * q]), c[q]);
				c[q] = _mm256_fmadd_ps(a0, _mm256_loadu_ps(&p->b[2 * m][8 * q]), c[q]);
			}
		}
		for (q = 0; q < 4; q++)
			_mm256_storeu_ps(&acc[i][8 * q], c[q]);
	}
	_mm_setcsr(csr);
}

__attribute__((target("avx512f")))
static void mm_avx512(float acc[N][N], const struct mm_parts *p)
{
	unsigned csr = _mm_getcsr(), i, m;

	_mm_setcsr(csr | MXCSR_FTZ);
	for (i = 0; i < N; i++) {
		__m512 c0 = _mm512_loadu_ps(&acc[i][0]), c1 = _mm512_loadu_ps(&acc[i][16]);

		for (m = 0; m < p->len / 2; m++) {
			__m512 a1 = _mm512_set1_ps(p->a[i][2 * m + 1]);
			__m512 a0 = _mm512_set1_ps(p->a[i][2 * m]);

			c0 = _mm512_fmadd_ps(a1, _mm512_loadu_ps(&p->b[2 * m + 1][0]), c0);
			c1 = _mm512_fmadd_ps(a1, _mm512_loadu_ps(&p->b[2 * m + 1][16]), c1);
			c0 = _mm512_fmadd_ps(a0, _mm512_loadu_ps(&p->b[2 * m][0]), c0);
			c1 = _mm512_fmadd_ps(a0, _mm512_loadu_ps(&p->b[2 * m][16]), c1);
		}
		_mm512_storeu_ps(&acc[i][0], c0);
		_mm512_storeu_ps(&acc[i][16], c1);
	}
	_mm_setcsr(csr);
}

/* VDPBF16PS: acc += odd * odd, then += even * even; FTZ and RNE built in. */
__attribute__((target("avx512f,avx512bf16")))
static void mm_avx512_bf16(float acc[N][N], const struct mm_parts *p)
{
	unsigned i, m;

	for (i = 0; i < N; i++) {
		__m512 c0 = _mm512_loadu_ps(&acc[i][0]), c1 = _mm512_loadu_ps(&acc[i][16]);

		for (m = 0; m < p->len / 2; m++) {
			__m512i a = _mm512_set1_epi32((int)p->a_pair[i][m]);
			__m512i b0 = _mm512_loadu_si512(&p->b_pair[m][0]);
			__m512i b1 = _mm512_loadu_si512(&p->b_pair[m][16]);

			c0 = _mm512_dpbf16_ps(c0, (__m512bh)b0, (__m512bh)a);
			c1 = _mm512_dpbf16_ps(c1, (__m512bh)b1, (__m512bh)a);
		}
		_mm512_storeu_ps(&acc[i][0], c0);
		_mm512_storeu_ps(&acc[i][16], c1);
	}
}
#endif

void sim_matmul_tile(enum sim_simd path, float *dst, const float *a, const float *b,
		     unsigned fidelity, bool transpose_b, bool dst_fp32)
{
	static _Thread_local struct mm_parts p;
	float acc[N][N];
	unsigned i, j;

	split(&p, a, b, sim_fidelity_phases(fidelity), transpose_b);
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++)
			acc[i][j] = sim_ftz(dst[sim_tile_index(i, j)]);
	switch (path) {
#ifdef HAVE_X86
	case SIM_SIMD_AVX512_BF16:
		pair_up(&p);
		mm_avx512_bf16(acc, &p);
		break;
	case SIM_SIMD_AVX512:
		mm_avx512(acc, &p);
		break;
	case SIM_SIMD_AVX2:
		mm_avx2(acc, &p);
		break;
#endif
	default:
		mm_portable(acc, &p);
		break;
	}
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++)
			dst[sim_tile_index(i, j)] = dst_fp32 ? acc[i][j] : sim_bf16_round(acc[i][j]);
}
