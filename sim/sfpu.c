// SPDX-License-Identifier: MIT
/*
 * The SFPU: unary ops on a DST tile in place, and binary ops from two DST
 * tiles into a third, with tt-metal's meanings.
 *
 * The SFPU loads DST values whole (32 bits, unlike the FPU's 19-bit
 * source registers), so its arithmetic is fp32 arithmetic: add, sub, mul
 * are rounded once to nearest even, max and min are exact, and
 * mantissa_rest_tile's bit masking and subtraction are exact. Functions
 * are computed in double and rounded once to fp32, so a result is within
 * half an fp32 ulp of the exact value (the hardware's SFPU uses
 * polynomial approximations; this model is more accurate than it).
 * Results that are denormal become zero, as in DST. In 16-bit DST mode
 * the caller then rounds to bf16.
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "tile.h"

static float param_float(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

static const char *const names[] = {
	[TT_UNARY_ADD_SCALAR] = "add_unary_tile",
	[TT_UNARY_SUB_SCALAR] = "sub_unary_tile",
	[TT_UNARY_MUL_SCALAR] = "mul_unary_tile",
	[TT_UNARY_RSUB_SCALAR] = "rsub_unary_tile",
	[TT_UNARY_RELU] = "relu_tile",
	[TT_UNARY_RELU_MAX] = "relu_max_tile",
	[TT_UNARY_RELU_MIN] = "relu_min_tile",
	[TT_UNARY_CLAMP] = "clamp_tile",
	[TT_UNARY_EXP] = "exp_tile",
	[TT_UNARY_LOG] = "log_tile",
	[TT_UNARY_SQRT] = "sqrt_tile",
	[TT_UNARY_RSQRT] = "rsqrt_tile",
	[TT_UNARY_RECIP] = "recip_tile",
	[TT_UNARY_SIGMOID] = "sigmoid_tile",
	[TT_UNARY_TANH] = "tanh_tile",
	[TT_UNARY_GELU] = "gelu_tile",
	[TT_UNARY_SILU] = "silu_tile",
	[TT_UNARY_ABS] = "abs_tile",
	[TT_UNARY_NEG] = "negative_tile",
	[TT_UNARY_TYPECAST] = "typecast_tile",
	[TT_UNARY_MANTISSA_REST] = "mantissa_rest_tile",
};

const char *sim_sfpu_name(uint32_t op)
{
	return op < sizeof(names) / sizeof(names[0]) ? names[op] : NULL;
}

static double gelu(double x, bool approx)
{
	if (approx)
		return 0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
	return 0.5 * x * (1.0 + erf(x * 0.7071067811865476));
}

/* One element of a float op; p and q are the op's parameters. */
static inline __attribute__((always_inline)) float apply(uint32_t op, float x, float p, float q,
							 uint32_t param)
{
	double d = x;

	switch (op) {
	case TT_UNARY_ADD_SCALAR:
		return x + p;
	case TT_UNARY_SUB_SCALAR:
		return x - p;
	case TT_UNARY_MUL_SCALAR:
		return x * p;
	case TT_UNARY_RSUB_SCALAR:
		return p - x;
	case TT_UNARY_RELU:
		return x > 0 ? x : 0.0f;
	case TT_UNARY_RELU_MAX:
		return x > p ? p : x > 0 ? x : 0.0f;
	case TT_UNARY_RELU_MIN:
		return x < p ? 0.0f : x;
	case TT_UNARY_CLAMP:
		return x < p ? p : x > q ? q : x;
	case TT_UNARY_EXP:
		return (float)exp(d);
	case TT_UNARY_LOG:
		return (float)log(d);
	case TT_UNARY_SQRT:
		return (float)sqrt(d);
	case TT_UNARY_RSQRT:
		return (float)(1.0 / sqrt(d));
	case TT_UNARY_RECIP:
		return (float)(1.0 / d);
	case TT_UNARY_SIGMOID:
		return (float)(1.0 / (1.0 + exp(-d)));
	case TT_UNARY_TANH:
		return (float)tanh(d);
	case TT_UNARY_GELU:
		return (float)gelu(d, param != 0);
	case TT_UNARY_SILU:
		return (float)(d / (1.0 + exp(-d)));
	case TT_UNARY_ABS:
		return fabsf(x);
	case TT_UNARY_MANTISSA_REST:
		/* exact: x and its cut share sign and exponent */
		return sim_ftz(x - sim_float(sim_bits(x) & ~((1u << (23 - param)) - 1u)));
	default:	/* TT_UNARY_NEG */
		return -x;
	}
}

static bool is_int(uint32_t format)
{
	return format == TT_FORMAT_INT32 || format == TT_FORMAT_UINT32;
}

static bool known_format(uint32_t format)
{
	return sim_format_is_float(format) || is_int(format);
}

/* A float as an integer of the format: nearest, ties to even, saturating; NaN is 0. */
static uint32_t float_to_int(float x, uint32_t to)
{
	double r = nearbyint((double)x);

	if (isnan(x))
		return 0;
	if (to == TT_FORMAT_INT32) {
		if (r <= INT32_MIN)
			return (uint32_t)INT32_MIN;
		if (r >= INT32_MAX)
			return INT32_MAX;
		return (uint32_t)(int32_t)r;
	}
	if (r <= 0)
		return 0;
	return r >= UINT32_MAX ? UINT32_MAX : (uint32_t)r;
}

static const char *typecast(float *t, uint32_t from, uint32_t to, bool dst_fp32)
{
	unsigned i;

	if (!known_format(from) || !known_format(to))
		return "typecast_tile: unknown data format";
	if ((is_int(from) || is_int(to)) && !dst_fp32)
		return "typecast_tile: Int32/UInt32 data needs 32-bit DST (fp32_dest_acc)";
	for (i = 0; i < TT_TILE_HW; i++) {
		uint32_t u;

		memcpy(&u, &t[i], sizeof(u));
		if (is_int(from) && is_int(to)) {
			if (from == TT_FORMAT_INT32 && to == TT_FORMAT_UINT32 && (int32_t)u < 0)
				u = 0;
			else if (from == TT_FORMAT_UINT32 && to == TT_FORMAT_INT32 && u > INT32_MAX)
				u = INT32_MAX;
			memcpy(&t[i], &u, sizeof(u));
		} else if (is_int(from)) {
			t[i] = from == TT_FORMAT_INT32 ? (float)(int32_t)u : (float)u;
		} else if (is_int(to)) {
			u = float_to_int(t[i], to);
			memcpy(&t[i], &u, sizeof(u));
		} else if (to == TT_FORMAT_FLOAT16_B || to == TT_FORMAT_BFP8_B) {
			t[i] = sim_bf16_round(sim_ftz(t[i]));
		}
	}
	return NULL;
}

const char *sim_sfpu_tile(float *t, uint32_t op, uint32_t param, uint32_t param2, bool dst_fp32)
{
	float p = param_float(param), q = param_float(param2);
	unsigned i;

	if (!sim_sfpu_name(op))
		return "unknown unary tile op";
	if (op == TT_UNARY_TYPECAST)
		return typecast(t, param, param2, dst_fp32);
	if (op == TT_UNARY_MANTISSA_REST && param > 23)
		return "mantissa_rest_tile: keeps 0 to 23 mantissa bits";
	/* The simple ops each in a loop of its own, which the compiler makes plain. */
#define EACH(o)								\
	case o:								\
		for (i = 0; i < TT_TILE_HW; i++)			\
			t[i] = apply(o, t[i], p, q, param);		\
		return NULL
	switch (op) {
	EACH(TT_UNARY_ADD_SCALAR);
	EACH(TT_UNARY_SUB_SCALAR);
	EACH(TT_UNARY_MUL_SCALAR);
	EACH(TT_UNARY_RSUB_SCALAR);
	EACH(TT_UNARY_RELU);
	EACH(TT_UNARY_RELU_MAX);
	EACH(TT_UNARY_RELU_MIN);
	EACH(TT_UNARY_CLAMP);
	EACH(TT_UNARY_ABS);
	EACH(TT_UNARY_NEG);
	EACH(TT_UNARY_MANTISSA_REST);
	}
#undef EACH
	for (i = 0; i < TT_TILE_HW; i++)
		t[i] = apply(op, t[i], p, q, param);
	return NULL;
}

static const char *const binary_names[] = {
	[TT_SFPU_BINARY_ADD] = "add_binary_tile",
	[TT_SFPU_BINARY_SUB] = "sub_binary_tile",
	[TT_SFPU_BINARY_MUL] = "mul_binary_tile",
	[TT_SFPU_BINARY_MAX] = "binary_max_tile",
	[TT_SFPU_BINARY_MIN] = "binary_min_tile",
};

const char *sim_sfpu_binary_name(uint32_t op)
{
	return op < sizeof(binary_names) / sizeof(binary_names[0]) ? binary_names[op] : NULL;
}

void sim_sfpu_binary_tile(float *out, const float *a, const float *b, uint32_t op)
{
	unsigned i;

	for (i = 0; i < TT_TILE_HW; i++) {
		float x = a[i], y = b[i];

		switch (op) {
		case TT_SFPU_BINARY_ADD:
			out[i] = sim_ftz(x + y);
			break;
		case TT_SFPU_BINARY_SUB:
			out[i] = sim_ftz(x - y);
			break;
		case TT_SFPU_BINARY_MUL:
			out[i] = sim_ftz(x * y);
			break;
		case TT_SFPU_BINARY_MAX:
			out[i] = x < y ? y : x;
			break;
		default:	/* TT_SFPU_BINARY_MIN */
			out[i] = y < x ? y : x;
			break;
		}
	}
}
