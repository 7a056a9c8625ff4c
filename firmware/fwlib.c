// SPDX-License-Identifier: MIT
/* Byte copies and a small formatter for the firmware images. */
#include "fwlib.h"

__attribute__((no_builtin)) void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0)
		for (; n >= 4; n -= 4, d += 4, s += 4)
			*(uint32_t *)d = *(const uint32_t *)s;
	while (n--)
		*d++ = *s++;
	return dst;
}

__attribute__((no_builtin)) void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint32_t w = (uint8_t)c * 0x01010101u;

	while (n && ((uintptr_t)d & 3u)) {
		*d++ = (unsigned char)c;
		n--;
	}
	for (; n >= 4; n -= 4, d += 4)
		*(uint32_t *)d = w;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

struct out {
	char *p;
	uint32_t left;
};

static void put(struct out *o, char c)
{
	if (o->left > 1) {
		*o->p++ = c;
		o->left--;
	}
}

static void put_num(struct out *o, uint64_t v, unsigned base, int neg)
{
	char tmp[24];
	int i = 0;

	do {
		unsigned d = (unsigned)(v % base);

		tmp[i++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	if (neg)
		put(o, '-');
	while (i)
		put(o, tmp[--i]);
}

void fw_vfmt(char *out, uint32_t len, const char *fmt, va_list ap)
{
	struct out o = { out, len };

	if (!len)
		return;
	for (; *fmt; fmt++) {
		int longlong = 0;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		if (fmt[0] == 'l' && fmt[1] == 'l') {
			longlong = 1;
			fmt += 2;
		}
		switch (*fmt) {
		case 'u':
			put_num(&o, longlong ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t), 10, 0);
			break;
		case 'x':
			put_num(&o, longlong ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t), 16, 0);
			break;
		case 'd': {
			int32_t v = va_arg(ap, int32_t);

			put_num(&o, v < 0 ? -(uint64_t)(int64_t)v : (uint64_t)v, 10, v < 0);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);

			while (*s)
				put(&o, *s++);
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			if (!*fmt)
				fmt--;
			break;
		}
	}
	*o.p = '\0';
}

void fw_fmt(char *out, uint32_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fw_vfmt(out, len, fmt, ap);
	va_end(ap);
}

/* 64-bit division by shift and subtract (RV32IM divides 32 bits only). */
static uint64_t udivmod64(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, bit = 1;

	if (!d) {
		*rem = n;
		return ~0ull;
	}
	while (d < n && !(d >> 63)) {
		d <<= 1;
		bit <<= 1;
	}
	while (bit) {
		if (n >= d) {
			n -= d;
			q |= bit;
		}
		d >>= 1;
		bit >>= 1;
	}
	*rem = n;
	return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	return udivmod64(n, d, &r);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	udivmod64(n, d, &r);
	return r;
}
