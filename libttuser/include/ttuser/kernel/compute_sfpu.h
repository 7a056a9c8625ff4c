/* SPDX-License-Identifier: MIT */
/*
 * Compute: unary SFPU ops on a DST tile, in place, and binary SFPU ops
 * from two DST tiles into one, between tile_regs_acquire and
 * tile_regs_commit. Included by compute.h.
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

/*
 * mantissa_rest_tile(dst, bits): x minus x with its mantissa cut to `bits`
 * bits (0..23), exact. With 10 bits, what the FPU's 19-bit source
 * registers drop of a Float32 value: x = its source value + the rest, so
 * a matmul over both parts sees x to 21 bits instead of 11.
 */
static inline void mantissa_rest_tile_init(void)
{
}

static inline void mantissa_rest_tile(uint32_t dst, uint32_t bits)
{
	tt_unary_tile(TT_UNARY_MANTISSA_REST, dst, bits, 0);
}

/*
 * Binary SFPU ops, DST to DST in fp32: op_binary_tile(i0, i1) sets
 * DST[i0] = DST[i0] op DST[i1]; op_binary_tile(i0, i1, out) sets DST[out].
 * With copy_tile of Float32 tiles into a 32-bit DST they add, subtract,
 * multiply and compare whole fp32 values, which add_tiles and friends
 * (the FPU, through its 19-bit source registers) do not.
 */
static inline void tt_sfpu_binary_tile(uint32_t op, uint32_t dst0, uint32_t dst1, uint32_t out)
{
	tt_call4(TT_CALL_TILE_SFPU_BINARY, op, dst0, dst1, out);
}

#define TT_SFPU_BINARY(name, OP)                                                \
	static inline void name##_init(void)                                    \
	{                                                                       \
	}                                                                       \
	static inline void tt_##name##_3(uint32_t dst0, uint32_t dst1, uint32_t out) \
	{                                                                       \
		tt_sfpu_binary_tile(TT_SFPU_BINARY_##OP, dst0, dst1, out);      \
	}

TT_SFPU_BINARY(add_binary_tile, ADD)
TT_SFPU_BINARY(sub_binary_tile, SUB)
TT_SFPU_BINARY(mul_binary_tile, MUL)
TT_SFPU_BINARY(binary_max_tile, MAX)	/* max(a, b) */
TT_SFPU_BINARY(binary_min_tile, MIN)	/* min(a, b) */

#define TT_SFPU_BINARY_ARGS(name, ...) \
	TT_CAT(TT_SFPU_BINARY_ARGS_, TT_NARG(__VA_ARGS__))(name, __VA_ARGS__)
#define TT_SFPU_BINARY_ARGS_2(name, a, b)	tt_##name##_3((a), (b), (a))
#define TT_SFPU_BINARY_ARGS_3(name, a, b, o)	tt_##name##_3((a), (b), (o))
#define add_binary_tile(...)	TT_SFPU_BINARY_ARGS(add_binary_tile, __VA_ARGS__)
#define sub_binary_tile(...)	TT_SFPU_BINARY_ARGS(sub_binary_tile, __VA_ARGS__)
#define mul_binary_tile(...)	TT_SFPU_BINARY_ARGS(mul_binary_tile, __VA_ARGS__)
#define binary_max_tile(...)	TT_SFPU_BINARY_ARGS(binary_max_tile, __VA_ARGS__)
#define binary_min_tile(...)	TT_SFPU_BINARY_ARGS(binary_min_tile, __VA_ARGS__)

#endif
