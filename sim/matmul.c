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
 * Every path below computes exactly this, so they agree bit for bit
 * (except in which of two NaN operands a NaN result carries: that follows
 * the host instruction's operand order, the compiler's choice).
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

/*
 * An operand split into its parts, row-major: part[0] the high bits,
 * part[1] the rest (a[i][k] for a, b[k][j] for b); plus the parts as bf16
 * pairs for the BF16 path: a[i][2m] | a[i][2m+1] << 16 for a,
 * b[2m][j] | b[2m+1][j] << 16 for b. Phase ph multiplies
 * a's part[a_part[ph]] by b's part[b_part[ph]].
 */
struct mm_parts {
	float part[2][N][N];
	uint32_t pair[2][N * N / 2];
};

/* Which part of a (SrcB, 7 bits) and of b (SrcA, 5 bits) each phase takes. */
static const unsigned a_part[4] = { 0, 0, 1, 1 }, b_part[4] = { 0, 1, 0, 1 };

/*
 * A tile's split is the same each time the tile comes again -- a weight
 * tile meets every row block of the activations, an activation tile every
 * column block of the weights -- so each thread keeps the last few splits
 * of each operand, found by the operand's bytes: a tile seen again is
 * neither unpacked nor split again. The lo part is made only when a
 * fidelity asks for it.
 */
#define MM_CACHE 4

struct mm_entry {
	uint8_t raw[4 * N * N];		/* the operand's bytes */
	uint32_t format;
	bool transpose, lo, valid, paired;
	struct mm_parts p;
};

struct mm_cache {
	struct mm_entry e[MM_CACHE];
	unsigned next;			/* the entry to replace */
};

unsigned sim_fidelity_phases(unsigned fidelity)
{
	return fidelity < 2 ? 1 : fidelity > 4 ? 4 : fidelity;
}

/* Where the 16 values of half h of row r start in a tile in storage order. */
static inline unsigned half_row(unsigned r, unsigned h)
{
	return (r / 16) * 512 + h * 256 + (r % 16) * 16;
}

/*
 * Split a tile in storage order into row-major parts: hi, the top `keep`
 * significant bits (hidden bit included) of each source value; lo, the
 * rest, exact, with denormals flushed. Branch-free on runs of 16, so that
 * the compiler vectorises it for each path it is built for.
 */
static inline __attribute__((always_inline)) void
split16(float *restrict hi, float *restrict lo, const float *restrict in, uint32_t mask)
{
	unsigned c;

	for (c = 0; c < 16; c++) {
		float h = sim_float(sim_bits(in[c]) & mask);
		uint32_t l = sim_bits(in[c] - h);

		hi[c] = h;
		lo[c] = sim_float((l & 0x7f800000u) ? l : (l & 0x80000000u));
	}
}

static inline __attribute__((always_inline)) void
hi16(float *restrict hi, const float *restrict in, uint32_t mask)
{
	unsigned c;

	for (c = 0; c < 16; c++)
		hi[c] = sim_float(sim_bits(in[c]) & mask);
}

static inline __attribute__((always_inline)) void
split_body(struct mm_parts *p, const float *t, unsigned keep, bool lo)
{
	const uint32_t mask = ~((1u << (24 - keep)) - 1u);
	unsigned r, h;

	for (r = 0; r < N; r++)
		for (h = 0; h < 2; h++)
			if (lo)
				split16(&p->part[0][r][16 * h], &p->part[1][r][16 * h],
					t + half_row(r, h), mask);
			else
				hi16(&p->part[0][r][16 * h], t + half_row(r, h), mask);
}

static void split_portable(struct mm_parts *p, const float *t, unsigned keep, bool lo)
{
	split_body(p, t, keep, lo);
}

#ifdef HAVE_X86
__attribute__((target("avx512f")))
static void split_avx512(struct mm_parts *p, const float *t, unsigned keep, bool lo)
{
	split_body(p, t, keep, lo);
}
#endif

static void split(enum sim_simd path, struct mm_parts *p, const float *t, unsigned keep, bool lo)
{
#ifdef HAVE_X86
	if (path >= SIM_SIMD_AVX512) {
		split_avx512(p, t, keep, lo);
		return;
	}
#endif
	(void)path;
	split_portable(p, t, keep, lo);
}

/* The bf16 pairs of the parts (see struct mm_parts); parts 0 .. nparts - 1. */
static void pair_parts(struct mm_parts *p, bool is_a, unsigned nparts)
{
	unsigned q, i, m;

	for (q = 0; q < nparts; q++)
		for (i = 0; i < N; i++)
			for (m = 0; m < N / 2; m++) {
				uint32_t lo, hi;

				if (is_a) {
					memcpy(&lo, &p->part[q][i][2 * m], 4);
					memcpy(&hi, &p->part[q][i][2 * m + 1], 4);
					p->pair[q][i * (N / 2) + m] = lo >> 16 | (hi & 0xffff0000u);
				} else {
					memcpy(&lo, &p->part[q][2 * m][i], 4);
					memcpy(&hi, &p->part[q][2 * m + 1][i], 4);
					p->pair[q][m * N + i] = lo >> 16 | (hi & 0xffff0000u);
				}
			}
}

/*
 * The split of operand t, `size` bytes in `format` (a, or b with
 * transpose), with its lo part if `lo`: from the cache or made now.
 */
static const struct mm_parts *operand(enum sim_simd path, struct mm_cache *c, const uint8_t *t,
				      uint32_t format, bool is_a, bool transpose, bool lo,
				      bool paired)
{
	size_t size = sim_tile_size(format);
	struct mm_entry *e = NULL;
	unsigned i;

	for (i = 0; i < MM_CACHE; i++) {
		struct mm_entry *x = &c->e[i];

		if (x->valid && x->format == format && x->transpose == transpose &&
		    (x->lo || !lo) && !memcmp(x->raw, t, size)) {
			e = x;
			break;
		}
	}
	if (!e) {
		float v[N * N], vt[N * N];

		e = &c->e[c->next];
		c->next = (c->next + 1) % MM_CACHE;
		memcpy(e->raw, t, size);
		e->format = format;
		e->transpose = transpose;
		e->lo = lo;
		e->paired = false;
		e->valid = true;
		sim_unpack_tile(t, format, v);
		sim_source_tile(path, v);
		if (transpose)
			sim_transpose_tile(vt, v);
		split(path, &e->p, transpose ? vt : v, is_a ? 7 : 5, lo);
	}
	if (paired && !e->paired) {
		pair_parts(&e->p, is_a, e->lo ? 2 : 1);
		e->paired = true;
	}
	return &e->p;
}

/*
 * ---- the paths: dst in storage order in and out, flushed on the way in --
 * Each runs the phases one after the other over the whole inner dimension,
 * as the sequence s = phase * 32 + k asks.
 */
static void mm_portable(float *dst, const struct mm_parts *pa, const struct mm_parts *pb,
			unsigned phases)
{
	unsigned ph, i, j, m;

	for (i = 0; i < N * N; i++)
		dst[i] = sim_ftz(dst[i]);
	for (ph = 0; ph < phases; ph++) {
		const float (*a)[N] = pa->part[a_part[ph]], (*b)[N] = pb->part[b_part[ph]];

		for (i = 0; i < N; i++)
			for (m = 0; m < N / 2; m++) {
				float a1 = a[i][2 * m + 1], a0 = a[i][2 * m];

				for (j = 0; j < N; j++) {
					float *acc = dst + half_row(i, j / 16) + j % 16;
					float s = sim_ftz(fmaf(a1, b[2 * m + 1][j], *acc));

					*acc = sim_ftz(fmaf(a0, b[2 * m][j], s));
				}
			}
	}
}

#ifdef HAVE_X86
/* The accumulators' loops unrolled, so that they stay in registers. */
#define UNROLL	_Pragma("GCC unroll 8")

/* MXCSR flush-to-zero for the paths that use the FMA units. */
#define MXCSR_FTZ 0x8000u

__attribute__((target("avx2,fma")))
static __m256 load_ftz256(const float *p)
{
	__m256i u = _mm256_loadu_si256((const __m256i *)p);
	__m256i e = _mm256_and_si256(u, _mm256_set1_epi32(0x7f800000));
	__m256i zero = _mm256_cmpeq_epi32(e, _mm256_setzero_si256());
	__m256i sign = _mm256_and_si256(u, _mm256_set1_epi32((int)0x80000000u));

	return _mm256_castsi256_ps(_mm256_blendv_epi8(u, sign, zero));
}

__attribute__((target("avx2,fma")))
static void mm_avx2(float *dst, const struct mm_parts *pa, const struct mm_parts *pb,
		    unsigned phases)
{
	unsigned csr = _mm_getcsr(), i, m, q, ph;

	_mm_setcsr(csr | MXCSR_FTZ);
	for (i = 0; i < N; i++) {
		__m256 c[4];

		UNROLL
		for (q = 0; q < 4; q++)
			c[q] = load_ftz256(dst + half_row(i, q / 2) + 8 * (q % 2));
		for (ph = 0; ph < phases; ph++) {
			const float (*a)[N] = pa->part[a_part[ph]], (*b)[N] = pb->part[b_part[ph]];

			for (m = 0; m < N / 2; m++) {
				__m256 a1 = _mm256_set1_ps(a[i][2 * m + 1]);
				__m256 a0 = _mm256_set1_ps(a[i][2 * m]);

				UNROLL
				for (q = 0; q < 4; q++) {
					c[q] = _mm256_fmadd_ps(a1, _mm256_loadu_ps(&b[2 * m + 1][8 * q]), c[q]);
					c[q] = _mm256_fmadd_ps(a0, _mm256_loadu_ps(&b[2 * m][8 * q]), c[q]);
				}
			}
		}
		UNROLL
		for (q = 0; q < 4; q++)
			_mm256_storeu_ps(dst + half_row(i, q / 2) + 8 * (q % 2), c[q]);
	}
	_mm_setcsr(csr);
}

__attribute__((target("avx512f")))
static __m512 load_ftz512(const float *p)
{
	__m512i u = _mm512_loadu_si512(p);
	__mmask16 zero = _mm512_testn_epi32_mask(u, _mm512_set1_epi32(0x7f800000));

	return _mm512_castsi512_ps(_mm512_mask_and_epi32(u, zero, u,
							 _mm512_set1_epi32((int)0x80000000u)));
}

/* R rows at a time: 2R independent accumulator chains. */
#define MM_ROWS 8

__attribute__((target("avx512f")))
static void mm_avx512(float *dst, const struct mm_parts *pa, const struct mm_parts *pb,
		      unsigned phases)
{
	unsigned csr = _mm_getcsr(), i, m, r, ph;

	_mm_setcsr(csr | MXCSR_FTZ);
	for (i = 0; i < N; i += MM_ROWS) {
		__m512 c[MM_ROWS][2];

		UNROLL
		for (r = 0; r < MM_ROWS; r++) {
			c[r][0] = load_ftz512(dst + half_row(i + r, 0));
			c[r][1] = load_ftz512(dst + half_row(i + r, 1));
		}
		for (ph = 0; ph < phases; ph++) {
			const float (*a)[N] = pa->part[a_part[ph]], (*b)[N] = pb->part[b_part[ph]];

			for (m = 0; m < N / 2; m++) {
				__m512 b10 = _mm512_loadu_ps(&b[2 * m + 1][0]);
				__m512 b11 = _mm512_loadu_ps(&b[2 * m + 1][16]);
				__m512 b00 = _mm512_loadu_ps(&b[2 * m][0]);
				__m512 b01 = _mm512_loadu_ps(&b[2 * m][16]);

				UNROLL
				for (r = 0; r < MM_ROWS; r++) {
					__m512 a1 = _mm512_set1_ps(a[i + r][2 * m + 1]);
					__m512 a0 = _mm512_set1_ps(a[i + r][2 * m]);

					c[r][0] = _mm512_fmadd_ps(a1, b10, c[r][0]);
					c[r][1] = _mm512_fmadd_ps(a1, b11, c[r][1]);
					c[r][0] = _mm512_fmadd_ps(a0, b00, c[r][0]);
					c[r][1] = _mm512_fmadd_ps(a0, b01, c[r][1]);
				}
			}
		}
		UNROLL
		for (r = 0; r < MM_ROWS; r++) {
			_mm512_storeu_ps(dst + half_row(i + r, 0), c[r][0]);
			_mm512_storeu_ps(dst + half_row(i + r, 1), c[r][1]);
		}
	}
	_mm_setcsr(csr);
}

/* VDPBF16PS: acc += odd * odd, then += even * even; FTZ and RNE built in. */
__attribute__((target("avx512f,avx512bf16")))
static void mm_avx512_bf16(float *dst, const struct mm_parts *pa, const struct mm_parts *pb,
			   unsigned phases)
{
	unsigned i, m, r, ph;

	for (i = 0; i < N; i += MM_ROWS) {
		__m512 c[MM_ROWS][2];

		UNROLL
		for (r = 0; r < MM_ROWS; r++) {
			c[r][0] = load_ftz512(dst + half_row(i + r, 0));
			c[r][1] = load_ftz512(dst + half_row(i + r, 1));
		}
		for (ph = 0; ph < phases; ph++) {
			const uint32_t *a = pa->pair[a_part[ph]], *b = pb->pair[b_part[ph]];

			for (m = 0; m < N / 2; m++) {
				__m512bh b0 = (__m512bh)_mm512_loadu_si512(&b[m * N]);
				__m512bh b1 = (__m512bh)_mm512_loadu_si512(&b[m * N + 16]);

				UNROLL
				for (r = 0; r < MM_ROWS; r++) {
					__m512bh av = (__m512bh)_mm512_set1_epi32(
						(int)a[(i + r) * (N / 2) + m]);

					c[r][0] = _mm512_dpbf16_ps(c[r][0], b0, av);
					c[r][1] = _mm512_dpbf16_ps(c[r][1], b1, av);
				}
			}
		}
		UNROLL
		for (r = 0; r < MM_ROWS; r++) {
			_mm512_storeu_ps(dst + half_row(i + r, 0), c[r][0]);
			_mm512_storeu_ps(dst + half_row(i + r, 1), c[r][1]);
		}
	}
}
#endif

void sim_matmul_tile(enum sim_simd path, float *dst, const uint8_t *a, uint32_t a_format,
		     const uint8_t *b, uint32_t b_format, unsigned fidelity, bool transpose_b,
		     bool dst_fp32)
{
	static _Thread_local struct mm_cache ca, cb;
	unsigned phases = sim_fidelity_phases(fidelity), i;
	bool paired = false;
	const struct mm_parts *pa, *pb;

#ifdef HAVE_X86
	paired = path == SIM_SIMD_AVX512_BF16;
#endif
	/* a's lo part from phase 2 (HiFi3) on, b's from phase 1 (HiFi2). */
	pa = operand(path, &ca, a, a_format, true, false, phases >= 3, paired);
	pb = operand(path, &cb, b, b_format, false, transpose_b, phases >= 2, paired);
	switch (path) {
#ifdef HAVE_X86
	case SIM_SIMD_AVX512_BF16:
		mm_avx512_bf16(dst, pa, pb, phases);
		break;
	case SIM_SIMD_AVX512:
		mm_avx512(dst, pa, pb, phases);
		break;
	case SIM_SIMD_AVX2:
		mm_avx2(dst, pa, pb, phases);
		break;
#endif
	default:
		mm_portable(dst, pa, pb, phases);
		break;
	}
	if (!dst_fp32)
		for (i = 0; i < N * N; i++)
			dst[i] = sim_bf16_round(sim_ftz(dst[i]));
}
