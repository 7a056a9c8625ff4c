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
 * DST[i][j] += sum over phases and k of a_part[i][k] * b_part[k][j]. As
 * in the hardware, each phase is a pass over the whole inner dimension:
 * the partial products of one output form the sequence s = phase * 32 + k,
 * accumulated in fp32 pair by pair, the odd member of a pair first:
 * acc = acc + p[s+1], then acc = acc + p[s], each exact product added with
 * one rounding to nearest even and denormal results flushed to zero (the
 * order and the rounding of the AVX512_BF16 dot product instruction).
 * Every path below computes exactly this, so they agree bit for bit.
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

/*
 * The operands split by phase, row-major, plus bf16 pairs for the BF16
 * path: a[i][s], b[s][j] for partial product s.
 */
struct mm_a {
	float a[N][SEQ_MAX];
	uint32_t pair[N][SEQ_MAX / 2];	/* a[i][2m] | a[i][2m+1] << 16 as bf16 */
};

struct mm_b {
	float b[SEQ_MAX][N];
	uint32_t pair[SEQ_MAX / 2][N];
};

/*
 * A tile's split is the same each time the tile comes again -- a weight
 * tile meets every row block of the activations, an activation tile every
 * column block of the weights -- so each thread keeps the last few splits
 * of each operand, found by the unpacked tile's bits.
 */
#define MM_CACHE 4

struct mm_entry {
	uint32_t raw[N * N];		/* the operand as unpacked */
	unsigned phases;
	bool transpose, valid, paired;
	union {
		struct mm_a a;
		struct mm_b b;
	} parts;
};

struct mm_cache {
	struct mm_entry e[MM_CACHE];
	unsigned next;			/* the entry to replace */
};

unsigned sim_fidelity_phases(unsigned fidelity)
{
	return fidelity < 2 ? 1 : fidelity > 4 ? 4 : fidelity;
}

/* A tile in storage order as a row-major 32x32 matrix, face row by face row. */
static void to_rows(float m[N][N], const float *t)
{
	unsigned r, h;

	for (r = 0; r < N; r++)
		for (h = 0; h < 2; h++)
			memcpy(&m[r][16 * h], t + (r / 16) * 512 + h * 256 + (r % 16) * 16,
			       16 * sizeof(float));
}

static void from_rows(float *t, float m[N][N])
{
	unsigned r, h;

	for (r = 0; r < N; r++)
		for (h = 0; h < 2; h++)
			memcpy(t + (r / 16) * 512 + h * 256 + (r % 16) * 16, &m[r][16 * h],
			       16 * sizeof(float));
}

/*
 * hi: the top `keep` significant bits (hidden bit included) of each source
 * value; lo: the rest, exact, with denormals flushed. Branch-free, on
 * whole matrices, so that the compiler vectorises it.
 */
static void split_bits(float hi[N][N], float lo[N][N], float m[N][N], unsigned keep)
{
	const uint32_t mask = ~((1u << (24 - keep)) - 1u);
	const float *in = &m[0][0];
	float *h = &hi[0][0], *l = &lo[0][0];
	unsigned i;

	for (i = 0; i < N * N; i++) {
		uint32_t u, r;
		float hf, lf;

		memcpy(&u, &in[i], 4);
		u &= mask;
		memcpy(&hf, &u, 4);
		lf = in[i] - hf;
		memcpy(&r, &lf, 4);
		r = (r & 0x7f800000u) ? r : (r & 0x80000000u);
		h[i] = hf;
		memcpy(&l[i], &r, 4);
	}
}

/* Which part of a (SrcB, 7 bits) and of b (SrcA, 5 bits) each phase takes. */
static const unsigned a_part[4] = { 0, 0, 1, 1 }, b_part[4] = { 0, 1, 0, 1 };

static void split_a(struct mm_a *p, const float *a, unsigned phases)
{
	float am[N][N], ap[2][N][N];
	unsigned i, ph;

	to_rows(am, a);
	split_bits(ap[0], ap[1], am, 7);
	for (ph = 0; ph < phases; ph++)
		for (i = 0; i < N; i++)
			memcpy(&p->a[i][ph * N], ap[a_part[ph]][i], N * sizeof(float));
}

static void split_b(struct mm_b *p, const float *b, unsigned phases, bool transpose_b)
{
	float bm[N][N], bp[2][N][N];
	unsigned i, k, ph;

	to_rows(bm, b);
	if (transpose_b)
		for (i = 0; i < N; i++)
			for (k = 0; k < i; k++) {
				float t = bm[i][k];

				bm[i][k] = bm[k][i];
				bm[k][i] = t;
			}
	split_bits(bp[0], bp[1], bm, 5);
	for (ph = 0; ph < phases; ph++)
		memcpy(&p->b[ph * N], bp[b_part[ph]], sizeof(bp[0]));
}

/* Pairs of bf16 parts in one word: element 2m in the low half, 2m+1 in the high. */
static void pair_a(struct mm_a *p, unsigned len)
{
	uint32_t row[SEQ_MAX];
	unsigned i, m;

	for (i = 0; i < N; i++) {
		memcpy(row, p->a[i], len * sizeof(float));
		for (m = 0; m < len / 2; m++)
			p->pair[i][m] = row[2 * m] >> 16 | (row[2 * m + 1] & 0xffff0000u);
	}
}

static void pair_b(struct mm_b *p, unsigned len)
{
	uint32_t r0[N], r1[N];
	unsigned i, m;

	for (m = 0; m < len / 2; m++) {
		memcpy(r0, p->b[2 * m], sizeof(r0));
		memcpy(r1, p->b[2 * m + 1], sizeof(r1));
		for (i = 0; i < N; i++)
			p->pair[m][i] = r0[i] >> 16 | (r1[i] & 0xffff0000u);
	}
}

/* The split of operand t (a, or b with transpose), from the cache or made now. */
static struct mm_entry *operand(struct mm_cache *c, const float *t, bool is_a, unsigned phases,
				bool transpose, bool paired)
{
	struct mm_entry *e = NULL;
	unsigned i;

	for (i = 0; i < MM_CACHE; i++) {
		struct mm_entry *x = &c->e[i];

		if (x->valid && x->phases == phases && x->transpose == transpose &&
		    !memcmp(x->raw, t, sizeof(x->raw))) {
			e = x;
			break;
		}
	}
	if (!e) {
		e = &c->e[c->next];
		c->next = (c->next + 1) % MM_CACHE;
		memcpy(e->raw, t, sizeof(e->raw));
		e->phases = phases;
		e->transpose = transpose;
		e->paired = false;
		e->valid = true;
		if (is_a)
			split_a(&e->parts.a, t, phases);
		else
			split_b(&e->parts.b, t, phases, transpose);
	}
	if (paired && !e->paired) {
		if (is_a)
			pair_a(&e->parts.a, N * phases);
		else
			pair_b(&e->parts.b, N * phases);
		e->paired = true;
	}
	return e;
}

/* ---- the paths: acc[i][j] holds DST's row-major values in and out ------ */
static void mm_portable(float acc[N][N], const struct mm_a *pa, const struct mm_b *pb,
			unsigned len)
{
	unsigned i, j, m;

	for (i = 0; i < N; i++)
		for (m = 0; m < len / 2; m++) {
			float a1 = pa->a[i][2 * m + 1], a0 = pa->a[i][2 * m];

			for (j = 0; j < N; j++) {
				float s = sim_ftz(fmaf(a1, pb->b[2 * m + 1][j], acc[i][j]));

				acc[i][j] = sim_ftz(fmaf(a0, pb->b[2 * m][j], s));
			}
		}
}

#ifdef HAVE_X86
/* MXCSR flush-to-zero for the paths that use the FMA units. */
#define MXCSR_FTZ 0x8000u

__attribute__((target("avx2,fma")))
static void mm_avx2(float acc[N][N], const struct mm_a *pa, const struct mm_b *pb, unsigned len)
{
	unsigned csr = _mm_getcsr(), i, m, q;

	_mm_setcsr(csr | MXCSR_FTZ);
	for (i = 0; i < N; i++) {
		__m256 c[4];

		for (q = 0; q < 4; q++)
			c[q] = _mm256_loadu_ps(&acc[i][8 * q]);
		for (m = 0; m < len / 2; m++) {
			__m256 a1 = _mm256_set1_ps(pa->a[i][2 * m + 1]);
			__m256 a0 = _mm256_set1_ps(pa->a[i][2 * m]);

			for (q = 0; q < 4; q++) {
				c[q] = _mm256_fmadd_ps(a1, _mm256_loadu_ps(&pb->b[2 * m + 1][8 * q]), c[q]);
				c[q] = _mm256_fmadd_ps(a0, _mm256_loadu_ps(&pb->b[2 * m][8 * q]), c[q]);
			}
		}
		for (q = 0; q < 4; q++)
			_mm256_storeu_ps(&acc[i][8 * q], c[q]);
	}
	_mm_setcsr(csr);
}

/* Four rows at a time: eight independent accumulator chains. */
__attribute__((target("avx512f")))
static void mm_avx512(float acc[N][N], const struct mm_a *pa, const struct mm_b *pb,
		      unsigned len)
{
	unsigned csr = _mm_getcsr(), i, m, r;

	_mm_setcsr(csr | MXCSR_FTZ);
	for (i = 0; i < N; i += 4) {
		__m512 c[4][2];

		for (r = 0; r < 4; r++) {
			c[r][0] = _mm512_loadu_ps(&acc[i + r][0]);
			c[r][1] = _mm512_loadu_ps(&acc[i + r][16]);
		}
		for (m = 0; m < len / 2; m++) {
			__m512 b10 = _mm512_loadu_ps(&pb->b[2 * m + 1][0]);
			__m512 b11 = _mm512_loadu_ps(&pb->b[2 * m + 1][16]);
			__m512 b00 = _mm512_loadu_ps(&pb->b[2 * m][0]);
			__m512 b01 = _mm512_loadu_ps(&pb->b[2 * m][16]);

			for (r = 0; r < 4; r++) {
				__m512 a1 = _mm512_set1_ps(pa->a[i + r][2 * m + 1]);
				__m512 a0 = _mm512_set1_ps(pa->a[i + r][2 * m]);

				c[r][0] = _mm512_fmadd_ps(a1, b10, c[r][0]);
				c[r][1] = _mm512_fmadd_ps(a1, b11, c[r][1]);
				c[r][0] = _mm512_fmadd_ps(a0, b00, c[r][0]);
				c[r][1] = _mm512_fmadd_ps(a0, b01, c[r][1]);
			}
		}
		for (r = 0; r < 4; r++) {
			_mm512_storeu_ps(&acc[i + r][0], c[r][0]);
			_mm512_storeu_ps(&acc[i + r][16], c[r][1]);
		}
	}
	_mm_setcsr(csr);
}

/* VDPBF16PS: acc += odd * odd, then += even * even; FTZ and RNE built in. */
__attribute__((target("avx512f,avx512bf16")))
static void mm_avx512_bf16(float acc[N][N], const struct mm_a *pa, const struct mm_b *pb,
			   unsigned len)
{
	unsigned i, m, r;

	for (i = 0; i < N; i += 4) {
		__m512 c[4][2];

		for (r = 0; r < 4; r++) {
			c[r][0] = _mm512_loadu_ps(&acc[i + r][0]);
			c[r][1] = _mm512_loadu_ps(&acc[i + r][16]);
		}
		for (m = 0; m < len / 2; m++) {
			__m512bh b0 = (__m512bh)_mm512_loadu_si512(&pb->pair[m][0]);
			__m512bh b1 = (__m512bh)_mm512_loadu_si512(&pb->pair[m][16]);

			for (r = 0; r < 4; r++) {
				__m512bh a = (__m512bh)_mm512_set1_epi32((int)pa->pair[i + r][m]);

				c[r][0] = _mm512_dpbf16_ps(c[r][0], b0, a);
				c[r][1] = _mm512_dpbf16_ps(c[r][1], b1, a);
			}
		}
		for (r = 0; r < 4; r++) {
			_mm512_storeu_ps(&acc[i + r][0], c[r][0]);
			_mm512_storeu_ps(&acc[i + r][16], c[r][1]);
		}
	}
}
#endif

void sim_matmul_tile(enum sim_simd path, float *dst, const float *a, const float *b,
		     unsigned fidelity, bool transpose_b, bool dst_fp32)
{
	static _Thread_local struct mm_cache ca, cb;
	unsigned phases = sim_fidelity_phases(fidelity), len = N * phases, i, j;
	bool paired = false;
	const struct mm_a *pa;
	const struct mm_b *pb;
	float acc[N][N];

#ifdef HAVE_X86
	paired = path == SIM_SIMD_AVX512_BF16;
#endif
	pa = &operand(&ca, a, true, phases, false, paired)->parts.a;
	pb = &operand(&cb, b, false, phases, transpose_b, paired)->parts.b;
	to_rows(acc, dst);
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++)
			acc[i][j] = sim_ftz(acc[i][j]);
	switch (path) {
#ifdef HAVE_X86
	case SIM_SIMD_AVX512_BF16:
		mm_avx512_bf16(acc, pa, pb, len);
		break;
	case SIM_SIMD_AVX512:
		mm_avx512(acc, pa, pb, len);
		break;
	case SIM_SIMD_AVX2:
		mm_avx2(acc, pa, pb, len);
		break;
#endif
	default:
		mm_portable(acc, pa, pb, len);
		break;
	}
	if (!dst_fp32)
		for (i = 0; i < N; i++)
			for (j = 0; j < N; j++)
				acc[i][j] = sim_bf16_round(sim_ftz(acc[i][j]));
	from_rows(dst, acc);
}
