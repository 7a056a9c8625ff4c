// SPDX-License-Identifier: MIT
/*
 * Data formats as the unpacker reads them into DST and the packer writes
 * them out: Float32, Float16_b, Bfp8_b (see tt_bfp8.h), Int32 and UInt32;
 * and the row-major blocks of tilize/untilize.
 */
#include <string.h>

#include "tile.h"
#include "tt_bfp8.h"

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

float sim_bf16_round(float f)
{
	uint32_t u = bits(f);

	if ((u & 0x7fffffffu) > 0x7f800000u)
		u = (u | 0x00400000u) & 0xffff0000u;
	else
		u = (u + 0x7fffu + ((u >> 16) & 1)) & 0xffff0000u;
	return from_bits(u);
}

float sim_ftz(float f)
{
	uint32_t u = bits(f);

	return (u & 0x7f800000u) ? f : from_bits(u & 0x80000000u);
}

float sim_fpu_source(float f)
{
	return sim_ftz(from_bits(bits(f) & 0xffffe000u));
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

static float load_bf16(const uint8_t *p)
{
	return from_bits((uint32_t)(p[0] | p[1] << 8) << 16);
}

static void store_bf16(uint8_t *p, float f)
{
	uint32_t u = bits(sim_bf16_round(f));

	p[0] = (uint8_t)(u >> 16);
	p[1] = (uint8_t)(u >> 24);
}

void sim_unpack_tile(const uint8_t *src, uint32_t format, float *out)
{
	uint32_t blk[TT_BFP8_BLOCK];
	unsigned i, k;

	switch (format) {
	case TT_FORMAT_FLOAT16_B:
		for (i = 0; i < TT_TILE_HW; i++)
			out[i] = load_bf16(src + 2 * i);
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
	unsigned i, k;

	switch (format) {
	case TT_FORMAT_FLOAT16_B:
		for (i = 0; i < TT_TILE_HW; i++)
			store_bf16(dst + 2 * i, in[i]);
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

void sim_unpack_tilize(const uint8_t *src, uint32_t format, uint32_t tiles, uint32_t t,
		       float *out)
{
	unsigned r, c;

	for (r = 0; r < TT_TILE_ROWS; r++)
		for (c = 0; c < TT_TILE_COLS; c++) {
			const uint8_t *p;

			if (format == TT_FORMAT_FLOAT16_B) {
				p = src + block_offset(tiles, t, r, c, 2);
				out[sim_tile_index(r, c)] = load_bf16(p);
			} else {
				p = src + block_offset(tiles, t, r, c, 4);
				memcpy(&out[sim_tile_index(r, c)], p, 4);
			}
		}
}

void sim_pack_untilize(const float *in, uint32_t format, uint32_t tiles, uint32_t t,
		       uint8_t *dst)
{
	unsigned r, c;

	for (r = 0; r < TT_TILE_ROWS; r++)
		for (c = 0; c < TT_TILE_COLS; c++) {
			float v = in[sim_tile_index(r, c)];

			if (format == TT_FORMAT_FLOAT16_B)
				store_bf16(dst + block_offset(tiles, t, r, c, 2), v);
			else
				memcpy(dst + block_offset(tiles, t, r, c, 4), &v, 4);
		}
}
