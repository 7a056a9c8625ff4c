/* SPDX-License-Identifier: MIT */
/*
 * Compute: unary SFPU ops on a DST tile, in place, between
 * tile_regs_acquire and tile_regs_commit. Included by compute.h.
 *
 * Each op has tt-metal's *_init(); the model's SFPU needs no set-up, so the
 * inits do nothing, and kernels written for tt-metal run unchanged.
 * Parameters that are numbers are the bits of a float (tt_float_bits).
 */
#ifndef TTUSER_KERNEL_COMPUTE_SFPU_H
#define TTUSER_KERNEL_COMPUTE_SFPU_H

/* op_tile(dst) and its init, for the ops without parameters. */
#define TT_SFPU_OP(name, OP)                                    \
	static inline void name##_tile_init(void)               \
	{                                                       \
	}                                                       \
	static inline void name##_tile(uint32_t dst)            \
	{                                                       \
		tt_unary_tile(TT_UNARY_##OP, dst, 0, 0);        \
	}

TT_SFPU_OP(relu, RELU)			/* max(x, 0) */
TT_SFPU_OP(exp, EXP)
TT_SFPU_OP(log, LOG)			/* natural */
TT_SFPU_OP(sqrt, SQRT)
TT_SFPU_OP(rsqrt, RSQRT)		/* 1 / sqrt(x) */
TT_SFPU_OP(recip, RECIP)		/* 1 / x */
TT_SFPU_OP(sigmoid, SIGMOID)
TT_SFPU_OP(tanh, TANH)
TT_SFPU_OP(silu, SILU)			/* x * sigmoid(x) */
TT_SFPU_OP(abs, ABS)
TT_SFPU_OP(negative, NEG)		/* -x */

/* min(max(x, 0), upper): relu_max_tile(dst, tt_float_bits(6.0f)) is relu6. */
static inline void relu_max_tile_init(void)
{
}

static inline void relu_max_tile(uint32_t dst, uint32_t upper)
{
	tt_unary_tile(TT_UNARY_RELU_MAX, dst, upper, 0);
}

/* x where x >= lower, else 0. */
static inline void relu_min_tile_init(void)
{
}

static inline void relu_min_tile(uint32_t dst, uint32_t lower)
{
	tt_unary_tile(TT_UNARY_RELU_MIN, dst, lower, 0);
}

/* x limited to [lo, hi]. */
static inline void clamp_tile_init(void)
{
}

static inline void clamp_tile(uint32_t dst, uint32_t lo, uint32_t hi)
{
	tt_unary_tile(TT_UNARY_CLAMP, dst, lo, hi);
}

/*
 * gelu_tile(dst): x * Phi(x) by the tanh approximation (tt-metal's default,
 * fast_and_approx); gelu_tile(dst, false): with erf.
 */
static inline void gelu_tile_init(void)
{
}

static inline void tt_gelu_tile(uint32_t dst, bool approx)
{
	tt_unary_tile(TT_UNARY_GELU, dst, approx ? 1u : 0u, 0);
}

#define gelu_tile(...)		TT_CAT(TT_GELU_TILE_, TT_NARG(__VA_ARGS__))(__VA_ARGS__)
#define TT_GELU_TILE_1(dst)		tt_gelu_tile((dst), true)
#define TT_GELU_TILE_2(dst, approx)	tt_gelu_tile((dst), (approx))

/*
 * typecast_tile(dst, from, to): DST's values from one data format to
 * another (enum tt_format): floats to Int32/UInt32 round to nearest
 * (ties to even) and saturate; Int32/UInt32 need fp32_dest_acc.
 */
static inline void typecast_tile_init(void)
{
}

static inline void typecast_tile(uint32_t dst, uint32_t from, uint32_t to)
{
	tt_unary_tile(TT_UNARY_TYPECAST, dst, from, to);
}

#endif
