/* SPDX-License-Identifier: MIT */
/*
 * The tile engine's insides, shared by sim/tile*.c, matmul.c, fpu.c,
 * sfpu.c and simd.c (and the tests that check them directly).
 *
 * A tile in DST is 1024 32-bit slots in the tile's storage order (four
 * 16x16 faces, row-major in a face); a slot holds a float, or the bits of
 * an integer for Int32/UInt32 data.
 */
#ifndef SIM_TILE_H
#define SIM_TILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tt_core.h"

/* ---- vector code paths (simd.c) ------------------------------------- */
enum sim_simd {
	SIM_SIMD_PORTABLE = 0,		/* plain C */
	SIM_SIMD_AVX2,			/* AVX2 and FMA */
	SIM_SIMD_AVX512,		/* AVX-512F */
	SIM_SIMD_AVX512_BF16,		/* AVX-512F and AVX512_BF16 */
	SIM_SIMD_PATHS,
};

const char *sim_simd_name(enum sim_simd path);
bool sim_simd_available(enum sim_simd path);
/* The fastest path this CPU runs, or the one $TTSIM_SIMD names; decided once. */
enum sim_simd sim_simd_best(void);
/* The fastest path for matmul (the same bits on every path). */
enum sim_simd sim_simd_best_matmul(void);

/* ---- numbers as the tile engine holds them (tile_format.c) ----------- */
static inline uint32_t sim_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static inline float sim_float(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* Nearest bf16 (ties to even) as a float; NaNs stay NaN. */
static inline float sim_bf16_round(float f)
{
	uint32_t u = sim_bits(f);

	if ((u & 0x7fffffffu) > 0x7f800000u)
		u = (u | 0x00400000u) & 0xffff0000u;
	else
		u = (u + 0x7fffu + ((u >> 16) & 1)) & 0xffff0000u;
	return sim_float(u);
}

/* Denormals as zero of the same sign. */
static inline float sim_ftz(float f)
{
	uint32_t u = sim_bits(f);

	return (u & 0x7f800000u) ? f : sim_float(u & 0x80000000u);
}

/*
 * A value as an FPU source register holds it: the top 10 mantissa bits
 * (19-bit sources), denormals as zero.
 */
static inline float sim_fpu_source(float f)
{
	return sim_ftz(sim_float(sim_bits(f) & 0xffffe000u));
}

/* A tile's values as bf16 bits: denormals flushed, then to nearest even. */
void sim_bf16_tile(enum sim_simd path, const float *in, uint16_t *out);
/* A tile's values in place as the source registers hold them (sim_fpu_source). */
void sim_source_tile(enum sim_simd path, float *t);
/* A tile's values in place as a 16-bit DST holds them: sim_bf16_round(sim_ftz(v)). */
void sim_dst16_tile(enum sim_simd path, float *t);
/* Tile bytes in a format into 1024 DST slots, and back. */
void sim_unpack_tile(const uint8_t *src, uint32_t format, float *out);
void sim_pack_tile(const float *in, uint32_t format, uint8_t *dst);
/* Tile `t` of a row-major block `tiles` tiles wide, and back (Float32, Float16_b). */
void sim_unpack_tilize(const uint8_t *src, uint32_t format, uint32_t tiles, uint32_t t,
		       float *out);
void sim_pack_untilize(const float *in, uint32_t format, uint32_t tiles, uint32_t t,
		       uint8_t *dst);
/* Bytes of a tile in a format; 0 for a format the tile engine does not know. */
size_t sim_tile_size(uint32_t format);
bool sim_format_is_float(uint32_t format);
const char *sim_format_name(uint32_t format);

/* Element (r, c) of a tile in storage order. */
static inline unsigned sim_tile_index(unsigned r, unsigned c)
{
	return (r / 16) * 512 + (c / 16) * 256 + (r % 16) * 16 + c % 16;
}

/* ---- the FPU: matmul (matmul.c) ------------------------------------- */
/* Multiplier passes of a math fidelity: LoFi 1, HiFi2 2, HiFi3 3, HiFi4 4. */
unsigned sim_fidelity_phases(unsigned fidelity);
/*
 * dst += a x b on tiles in storage order (b transposed first if asked),
 * at a math fidelity, accumulating in fp32; dst is rounded to bf16 after
 * unless dst_fp32. a and b are tiles of data in a float format as the
 * unpacker reads them (sim_unpack_tile), taken as the source registers
 * hold them (sim_fpu_source).
 */
void sim_matmul_tile(enum sim_simd path, float *dst, const uint8_t *a, uint32_t a_format,
		     const uint8_t *b, uint32_t b_format, unsigned fidelity, bool transpose_b,
		     bool dst_fp32);

/* ---- the FPU: element-wise ops, broadcast, reduce (fpu.c) ----------- */
/* dst = a op b element by element, on source values; op is enum tt_binary_op. */
void sim_eltwise_tile(enum sim_simd path, float *dst, const float *a, const float *b,
		      uint32_t op, unsigned fidelity);
/* b spread over a whole tile as the broadcast says. */
void sim_bcast_tile(float *out, const float *b, uint32_t bcast);
/*
 * dst (+)= the reduction of a times the scaler, as tt_reduce_pool/dim say;
 * `first`: the DST tile holds no values yet (untouched since acquire).
 */
void sim_reduce_tile(enum sim_simd path, float *dst, const float *a, const float *scaler,
		     uint32_t pool, uint32_t dim, unsigned fidelity, bool first);
void sim_transpose_tile(float *out, const float *in);

/* ---- the SFPU (sfpu.c) ---------------------------------------------- */
/* 0, or a reason the op cannot run. */
const char *sim_sfpu_tile(float *t, uint32_t op, uint32_t param, uint32_t param2, bool dst_fp32);
const char *sim_sfpu_name(uint32_t op);
/* out = a op b element by element, op an enum tt_sfpu_binary_op; out may be a or b. */
void sim_sfpu_binary_tile(float *out, const float *a, const float *b, uint32_t op);
const char *sim_sfpu_binary_name(uint32_t op);

#endif
