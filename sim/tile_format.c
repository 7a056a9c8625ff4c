// SPDX-License-Identifier: MIT
/*
 * Data formats as the unpacker reads them into DST and the packer writes
 * them out: Float32, Float16_b, Bfp8_b (see tt_bfp8.h), Int32 and UInt32;
 * and the row-major blocks of tilize/untilize. Conversion to bf16 on the
 * device flushes denormals to zero first (the packer's and AVX512_BF16's
 * rule); the host's tt_float_to_bf16 keeps them.
 */
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86 1
#endif

#include "tile.h"
#include "tt_bfp8.h"

static uint32_t bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

size_t sim_tile_size(uint32_t format)
{
	switch (format) {
	case TT_FORMAT_FLOAT32:
	case TT_FORMAT_INT32:
	case TT_FORMAT_UINT32:
		return 4 * TT_TILE_HW;
	case TT_FORMAT_FLOAT16_B:
		return 2 * TT_TILE_HW;
	case TT_FORMAT_BFP8_B:
		return TT_TILE_HW + 64;
	default:
		return 0;
	}
}

bool sim_format_is_float(uint32_t format)
{
	return format == TT_FORMAT_FLOAT32 || format == TT_FORMAT_FLOAT16_B ||
	       format == TT_FORMAT_BFP8_B;
}

const char *sim_format_name(uint32_t format)
{
	switch (format) {
	case TT_FORMAT_FLOAT32:
		return "Float32";
	case TT_FORMAT_FLOAT16_B:
		return "Float16_b";
	case TT_FORMAT_BFP8_B:
		return "Bfp8_b";
	case TT_FORMAT_INT32:
		return "Int32";
	case TT_FORMAT_UINT32:
		return "UInt32";
	}
	return "unknown";
}

/* ---- a tile to bf16: denormals flushed, then to nearest even ----------- */
static uint16_t to_bf16(float f)
{
	return (uint16_t)(bits(sim_bf16_round(sim_ftz(f))) >> 16);
}

#ifdef HAVE_X86
/* The rounding in integer lanes: NaNs quieted, others u + 0x7fff + lsb. */
__attribute__((target("avx512f")))
static void bf16_tile_avx512(const float *in, uint16_t *out)
{
	const __m512i expm = _mm512_set1_epi32(0x7f800000), absm = _mm512_set1_epi32(0x7fffffff);
	const __m512i sign = _mm512_set1_epi32((int)0x80000000u), inf = _mm512_set1_epi32(0x7f800000);
	unsigned i;

	for (i = 0; i < TT_TILE_HW; i += 16) {
		__m512i u = _mm512_loadu_si512(in + i);
		__mmask16 den = _mm512_testn_epi32_mask(u, expm);
		__mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, absm), inf);
		__m512i r;

		u = _mm512_mask_and_epi32(u, den, u, sign);
		r = _mm512_add_epi32(u, _mm512_add_epi32(_mm512_set1_epi32(0x7fff),
			_mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1))));
		r = _mm512_mask_or_epi32(r, nan, u, _mm512_set1_epi32(0x00400000));
		_mm256_storeu_si256((__m256i *)(out + i), _mm512_cvtepi32_epi16(_mm512_srli_epi32(r, 16)));
	}
}

__attribute__((target("avx2")))
static void bf16_tile_avx2(const float *in, uint16_t *out)
{
	const __m256i expm = _mm256_set1_epi32(0x7f800000), absm = _mm256_set1_epi32(0x7fffffff);
	const __m256i sign = _mm256_set1_epi32((int)0x80000000u), inf = _mm256_set1_epi32(0x7f800000);
	unsigned i;

	for (i = 0; i < TT_TILE_HW; i += 8) {
		__m256i u = _mm256_loadu_si256((const __m256i *)(in + i));
		__m256i den = _mm256_cmpeq_epi32(_mm256_and_si256(u, expm), _mm256_setzero_si256());
		/* |u| > inf as signed: both are below 2^31. */
		__m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, absm), inf);
		__m256i r, q;

		u = _mm256_blendv_epi8(u, _mm256_and_si256(u, sign), den);
		r = _mm256_add_epi32(u, _mm256_add_epi32(_mm256_set1_epi32(0x7fff),
			_mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1))));
		r = _mm256_blendv_epi8(r, _mm256_or_si256(u, _mm256_set1_epi32(0x00400000)), nan);
		r = _mm256_srli_epi32(r, 16);
		/* Eight 16-bit results: pack within lanes, then put the halves together. */
		q = _mm256_packus_epi32(r, r);
		q = _mm256_permute4x64_epi64(q, 0x08);
		_mm_storeu_si128((__m128i *)(out + i), _mm256_castsi256_si128(q));
	}
}

/* VCVTNEPS2BF16 flushes denormals and rounds to nearest even itself. */
__attribute__((target("avx512f,avx512bf16")))
static void bf16_tile_avx512_bf16(const float *in, uint16_t *out)
{
	unsigned i;

	for (i = 0; i < TT_TILE_HW; i += 16) {
		__m256bh h = _mm512_cvtneps_pbh(_mm512_loadu_ps(in + i));

		memcpy(out + i, &h, sizeof(h));
	}
}
#endif

void sim_bf16_tile(enum sim_simd path, const float *in, uint16_t *out)
{
	unsigned i;

	switch (path) {
#ifdef HAVE_X86
	case SIM_SIMD_AVX512_BF16:
		bf16_tile_avx512_bf16(in, out);
		return;
	case SIM_SIMD_AVX512:
		bf16_tile_avx512(in, out);
		return;
	case SIM_SIMD_AVX2:
		bf16_tile_avx2(in, out);
		return;
#endif
	default:
		for (i = 0; i < TT_TILE_HW; i++)
			out[i] = to_bf16(in[i]);
		return;
	}
}

/*
 * n bf16 values as floats, n a constant where it is inlined (so that it
 * vectorises). Tile bytes are little-endian, as the host is.
 */
static inline __attribute__((always_inline)) void
load_bf16(float *restrict out, const uint8_t *restrict p, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		uint16_t h;
		uint32_t u;

		memcpy(&h, p + 2 * i, 2);
		u = (uint32_t)h << 16;
		memcpy(&out[i], &u, 4);
	}
}

void sim_unpack_tile(const uint8_t *src, uint32_t format, float *out)
{
	uint32_t blk[TT_BFP8_BLOCK];
	unsigned k;

	switch (format) {
	case TT_FORMAT_FLOAT16_B:
		load_bf16(out, src, TT_TILE_HW);
		return;
	case TT_FORMAT_BFP8_B:
		for (k = 0; k < TT_BFP8_EXP_BYTES; k++) {
			tt_bfp8_decode_block(src[k], src + TT_BFP8_EXP_BYTES + k * TT_BFP8_BLOCK, blk);
			memcpy(out + k * TT_BFP8_BLOCK, blk, sizeof(blk));
		}
		return;
	default:	/* 32-bit formats: the bits as they are */
		memcpy(out, src, 4 * TT_TILE_HW);
		return;
	}
}

void sim_pack_tile(const float *in, uint32_t format, uint8_t *dst)
{
	uint32_t blk[TT_BFP8_BLOCK];
	uint16_t h[TT_TILE_HW];
	unsigned k;

	switch (format) {
	case TT_FORMAT_FLOAT16_B:
		sim_bf16_tile(sim_simd_best(), in, h);
		memcpy(dst, h, sizeof(h));	/* little-endian, as the host */
		return;
	case TT_FORMAT_BFP8_B:
		for (k = 0; k < TT_BFP8_EXP_BYTES; k++) {
			memcpy(blk, in + k * TT_BFP8_BLOCK, sizeof(blk));
			tt_bfp8_encode_block(blk, dst + k, dst + TT_BFP8_EXP_BYTES + k * TT_BFP8_BLOCK);
		}
		return;
	default:
		memcpy(dst, in, 4 * TT_TILE_HW);
		return;
	}
}

/* Byte offset of element (r, c) of tile t in a row-major block `tiles` tiles wide. */
static size_t block_offset(uint32_t tiles, uint32_t t, unsigned r, unsigned c, size_t esz)
{
	return ((size_t)r * tiles * TT_TILE_COLS + (size_t)t * TT_TILE_COLS + c) * esz;
}

/*
 * Tilize and untilize by runs: row r of a tile is two 16-value face rows,
 * each contiguous in the tile (sim_tile_index) and in the block.
 */
void sim_unpack_tilize(const uint8_t *src, uint32_t format, uint32_t tiles, uint32_t t,
		       float *out)
{
	unsigned r, h;

	for (r = 0; r < TT_TILE_ROWS; r++)
		for (h = 0; h < 2; h++) {
			float *o = out + sim_tile_index(r, 16 * h);

			if (format == TT_FORMAT_FLOAT16_B)
				load_bf16(o, src + block_offset(tiles, t, r, 16 * h, 2), 16);
			else
				memcpy(o, src + block_offset(tiles, t, r, 16 * h, 4), 16 * 4);
		}
}

void sim_pack_untilize(const float *in, uint32_t format, uint32_t tiles, uint32_t t,
		       uint8_t *dst)
{
	uint16_t b[TT_TILE_HW];
	unsigned r, h;

	if (format == TT_FORMAT_FLOAT16_B)
		sim_bf16_tile(sim_simd_best(), in, b);
	for (r = 0; r < TT_TILE_ROWS; r++)
		for (h = 0; h < 2; h++) {
			unsigned i = sim_tile_index(r, 16 * h);

			if (format == TT_FORMAT_FLOAT16_B)
				memcpy(dst + block_offset(tiles, t, r, 16 * h, 2), b + i, 16 * 2);
			else
				memcpy(dst + block_offset(tiles, t, r, 16 * h, 4), in + i, 16 * 4);
		}
}

/* ---- values as the source registers and a 16-bit DST hold them -------- */
/*
 * Loops in plain C, built once for the baseline target and again for AVX2
 * and AVX-512, where the compiler vectorises the same C with wider
 * registers. The operations are integer ones, so every build gives the
 * same bits.
 */
static inline __attribute__((always_inline)) void source_body(float *t)
{
	unsigned i;

	for (i = 0; i < TT_TILE_HW; i++)
		t[i] = sim_fpu_source(t[i]);
}

static inline __attribute__((always_inline)) void dst16_body(float *t)
{
	unsigned i;

	for (i = 0; i < TT_TILE_HW; i++)
		t[i] = sim_bf16_round(sim_ftz(t[i]));
}

static void source_portable(float *t)
{
	source_body(t);
}

static void dst16_portable(float *t)
{
	dst16_body(t);
}

#ifdef HAVE_X86
__attribute__((target("avx2")))
static void source_avx2(float *t)
{
	source_body(t);
}

__attribute__((target("avx2")))
static void dst16_avx2(float *t)
{
	dst16_body(t);
}

__attribute__((target("avx512f")))
static void source_avx512(float *t)
{
	source_body(t);
}

__attribute__((target("avx512f")))
static void dst16_avx512(float *t)
{
	dst16_body(t);
}
#endif

void sim_source_tile(enum sim_simd path, float *t)
{
	switch (path) {
#ifdef HAVE_X86
	case SIM_SIMD_AVX512_BF16:
	case SIM_SIMD_AVX512:
		source_avx512(t);
		return;
	case SIM_SIMD_AVX2:
		source_avx2(t);
		return;
#endif
	default:
		source_portable(t);
		return;
	}
}

void sim_dst16_tile(enum sim_simd path, float *t)
{
	switch (path) {
#ifdef HAVE_X86
	case SIM_SIMD_AVX512_BF16:
	case SIM_SIMD_AVX512:
		dst16_avx512(t);
		return;
	case SIM_SIMD_AVX2:
		dst16_avx2(t);
		return;
#endif
	default:
		dst16_portable(t);
		return;
	}
}
