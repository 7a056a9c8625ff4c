/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * Bfp8_b, the block floating point format of tiles: one shared 8-bit
 * exponent per 16 values, and per value a byte of sign and 7-bit magnitude.
 *
 * A 1088-byte tile is 64 exponent bytes, then 1024 value bytes. Values are
 * in the tile's storage order (four 16x16 faces, row-major in a face), so
 * exponent byte k serves value bytes 16k .. 16k+15: one face row each.
 *
 * The magnitude m of a value is m / 64 * 2^(e - 127) for the shared
 * exponent e: bit 6 of m is where a float's hidden bit lands for the
 * largest value of the block. Encoding takes the largest exponent field of
 * the 16 floats, shifts each 24-bit significand right by how far its
 * exponent falls short, and rounds to 7 bits to nearest, ties to even,
 * saturating at 127. Zeros and denormals encode as 0; a value that rounds
 * to magnitude 0 loses its sign. This is the rounding tt-metal's host
 * conversion uses, so the bytes are the same.
 *
 * Shared by sim/ (unpacker and packer) and libttuser (tilize/untilize).
 */
#ifndef TT_BFP8_H
#define TT_BFP8_H

#include <stdint.h>

#define TT_BFP8_BLOCK		16u	/* values per shared exponent */
#define TT_BFP8_EXP_BYTES	64u	/* exponent bytes at the start of a tile */

/* The shared exponent of a block of 16 float bit patterns. */
static inline uint8_t tt_bfp8_block_exp(const uint32_t *f)
{
	uint32_t e = 0, i;

	for (i = 0; i < TT_BFP8_BLOCK; i++) {
		uint32_t fe = (f[i] >> 23) & 0xffu;

		e = fe > e ? fe : e;
	}
	return (uint8_t)e;
}

/* One float bit pattern as a value byte under shared exponent e. */
static inline uint8_t tt_bfp8_encode(uint32_t f, uint32_t e)
{
	uint32_t fe = (f >> 23) & 0xffu;
	uint32_t sig = (f & 0x007fffffu) | 0x00800000u;
	uint32_t shift = e - fe, rest, m;

	if (fe == 0 || fe > e)
		return 0;
	sig = shift > 31 ? 0 : sig >> shift;
	/* Keep the top 7 of 24 bits; the 17 below decide the rounding. */
	rest = sig & 0x1ffffu;
	m = sig >> 17;
	if (rest > 0x10000u || (rest == 0x10000u && (m & 1u)))
		m++;
	if (m > 127)
		m = 127;
	if (!m)
		return 0;
	return (uint8_t)((f >> 24 & 0x80u) | m);
}

/* A value byte under shared exponent e as a float bit pattern. */
static inline uint32_t tt_bfp8_decode(uint8_t v, uint32_t e)
{
	uint32_t m = v & 0x7fu, sign = (uint32_t)(v & 0x80u) << 24, shift;

	if (!m)
		return sign;
	/* Normalise: move the leading one to bit 6, where the hidden bit goes. */
	shift = (uint32_t)__builtin_clz(m) - 25;
	if (e < shift)
		return sign;
	return sign | (e - shift) << 23 | ((m << shift) & 0x3fu) << 17;
}

/* 16 float bit patterns as a block: its exponent into *e, its value bytes into v. */
static inline void tt_bfp8_encode_block(const uint32_t *f, uint8_t *e, uint8_t *v)
{
	uint32_t i;

	*e = tt_bfp8_block_exp(f);
	for (i = 0; i < TT_BFP8_BLOCK; i++)
		v[i] = tt_bfp8_encode(f[i], *e);
}

static inline void tt_bfp8_decode_block(uint8_t e, const uint8_t *v, uint32_t *f)
{
	uint32_t i;

	for (i = 0; i < TT_BFP8_BLOCK; i++)
		f[i] = tt_bfp8_decode(v[i], e);
}

#endif
