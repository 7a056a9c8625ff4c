/* SPDX-License-Identifier: MIT */
/*
 * DPRINT(fmt, ...): printf-like debug output from any role.
 *
 * The device formats the line (conversions %d %i %u %x %X %f %s %c %%, with
 * flags, width and precision) and hands it to the host's log, tagged with
 * the core and role. Up to 8 arguments, each sent as one 32-bit word:
 * integers by value (64-bit ones truncated), float and double as the bits
 * of a float, pointers as L1 addresses (so %s takes a string in L1, such as
 * a literal or a local array).
 *
 *	DPRINT("tile %u of %u: %f\n", i, n, x);
 */
#ifndef TTUSER_KERNEL_DPRINT_H
#define TTUSER_KERNEL_DPRINT_H

#include <ttuser/kernel/kernel.h>

#define TT_DPRINT_MAX_ARGS	8

static inline void tt_dprint(const char *fmt, const uint32_t *args, uint32_t nargs)
{
	tt_call3(TT_CALL_DPRINT, (uint32_t)(uintptr_t)fmt, (uint32_t)(uintptr_t)args, nargs);
}

static inline uint32_t tt_dprint_word(uint32_t v)
{
	return v;
}

static inline uint32_t tt_dprint_float(float f)
{
	return tt_float_bits(f);
}

/*
 * A double as the bits of the nearest float (ties to even), in integer
 * code only: rv32imf has no double arithmetic.
 */
static inline uint32_t tt_dprint_double(double d)
{
	union {
		double d;
		uint64_t u;
	} v = { .d = d };
	uint32_t sign = (uint32_t)(v.u >> 32) & 0x80000000u;
	int32_t exp = (int32_t)((v.u >> 52) & 0x7ffu);
	uint64_t man = v.u & ((1ull << 52) - 1);
	uint64_t rest, half;
	uint32_t m, shift = 29;

	if (exp == 0x7ff)
		return sign | 0x7f800000u | (man ? 0x00400000u | (uint32_t)(man >> 29) : 0);
	if (exp == 0)
		return sign;		/* zero, or far below the smallest float */
	exp += 127 - 1023;
	if (exp >= 0xff)
		return sign | 0x7f800000u;
	man |= 1ull << 52;
	if (exp <= 0) {
		/* a float subnormal: drop 1 - exp more bits */
		if (1 - exp > 25)
			return sign;
		shift += (uint32_t)(1 - exp);
		exp = 0;
	}
	m = (uint32_t)(man >> shift);
	rest = man & ((1ull << shift) - 1);
	half = 1ull << (shift - 1);
	if (rest > half || (rest == half && (m & 1u)))
		m++;
	/* m carries the implicit bit (2^23) of a normal float: it adds 1 to exp - 1 */
	return sign | ((exp > 0 ? (uint32_t)(exp - 1) << 23 : 0) + m);
}

/*
 * One argument as a word. The inner selection turns everything but float
 * and double into an integer, so that pointers reach tt_dprint_word too.
 */
#define TT_DPRINT_ARG(x)						\
	_Generic((x),							\
		 float: tt_dprint_float,				\
		 double: tt_dprint_double,				\
		 default: tt_dprint_word)(				\
		_Generic((x),						\
			 float: (x),					\
			 double: (x),					\
			 default: (uint32_t)(uintptr_t)(x)))

#define TT_DPRINT_WORDS(fmt, n, ...)					\
	do {								\
		const uint32_t tt_dprint_args_[n] = { __VA_ARGS__ };	\
		tt_dprint((fmt), tt_dprint_args_, (n));			\
	} while (0)

#define TT_DPRINT_0(fmt)	tt_dprint((fmt), (const uint32_t *)0, 0)
#define TT_DPRINT_1(fmt, a)	TT_DPRINT_WORDS(fmt, 1, TT_DPRINT_ARG(a))
#define TT_DPRINT_2(fmt, a, b)						\
	TT_DPRINT_WORDS(fmt, 2, TT_DPRINT_ARG(a), TT_DPRINT_ARG(b))
#define TT_DPRINT_3(fmt, a, b, c)					\
	TT_DPRINT_WORDS(fmt, 3, TT_DPRINT_ARG(a), TT_DPRINT_ARG(b), TT_DPRINT_ARG(c))
#define TT_DPRINT_4(fmt, a, b, c, d)					\
	TT_DPRINT_WORDS(fmt, 4, TT_DPRINT_ARG(a), TT_DPRINT_ARG(b), TT_DPRINT_ARG(c), \
			TT_DPRINT_ARG(d))
#define TT_DPRINT_5(fmt, a, b, c, d, e)					\
	TT_DPRINT_WORDS(fmt, 5, TT_DPRINT_ARG(a), TT_DPRINT_ARG(b), TT_DPRINT_ARG(c), \
			TT_DPRINT_ARG(d), TT_DPRINT_ARG(e))
#define TT_DPRINT_6(fmt, a, b, c, d, e, f)				\
	TT_DPRINT_WORDS(fmt, 6, TT_DPRINT_ARG(a), TT_DPRINT_ARG(b), TT_DPRINT_ARG(c), \
			TT_DPRINT_ARG(d), TT_DPRINT_ARG(e), TT_DPRINT_ARG(f))
#define TT_DPRINT_7(fmt, a, b, c, d, e, f, g)				\
	TT_DPRINT_WORDS(fmt, 7, TT_DPRINT_ARG(a), TT_DPRINT_ARG(b), TT_DPRINT_ARG(c), \
			TT_DPRINT_ARG(d), TT_DPRINT_ARG(e), TT_DPRINT_ARG(f),	\
			TT_DPRINT_ARG(g))
#define TT_DPRINT_8(fmt, a, b, c, d, e, f, g, h)			\
	TT_DPRINT_WORDS(fmt, 8, TT_DPRINT_ARG(a), TT_DPRINT_ARG(b), TT_DPRINT_ARG(c), \
			TT_DPRINT_ARG(d), TT_DPRINT_ARG(e), TT_DPRINT_ARG(f),	\
			TT_DPRINT_ARG(g), TT_DPRINT_ARG(h))

#define TT_DPRINT_TOO_MANY(...)						\
	do {								\
		_Static_assert(0, "DPRINT takes at most 8 arguments");	\
	} while (0)
#define TT_DPRINT_9	TT_DPRINT_TOO_MANY
#define TT_DPRINT_10	TT_DPRINT_TOO_MANY
#define TT_DPRINT_11	TT_DPRINT_TOO_MANY
#define TT_DPRINT_12	TT_DPRINT_TOO_MANY
#define TT_DPRINT_13	TT_DPRINT_TOO_MANY
#define TT_DPRINT_14	TT_DPRINT_TOO_MANY
#define TT_DPRINT_15	TT_DPRINT_TOO_MANY

/* The number of arguments after the format (0 to 15). */
#define TT_DPRINT_NARG(...)						\
	TT_NARG_(__VA_ARGS__, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, ~)

#define DPRINT(...)	TT_CAT(TT_DPRINT_, TT_DPRINT_NARG(__VA_ARGS__))(__VA_ARGS__)

#endif
