/* SPDX-License-Identifier: MIT */
/*
 * Device-side kernel API: the call mechanism, the entry point, runtime
 * and compile-time arguments, core identity and the small freestanding
 * runtime the compiler may call.
 *
 * A kernel is one C11 translation unit that includes this header (directly
 * or through cb.h, dataflow.h, compute.h or dprint.h), is compiled with
 * -DTT_KERNEL_ROLE=0|1|2 and defines
 *
 *	void kernel_main(void)
 *
 * which the entry point _start defined here runs on its hart.
 */
#ifndef TTUSER_KERNEL_KERNEL_H
#define TTUSER_KERNEL_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ttuser/tt_core.h>

#ifndef TT_KERNEL_ROLE
#error "TT_KERNEL_ROLE must be defined: 0 reader, 1 writer, 2 compute"
#endif

#if TT_KERNEL_ROLE < 0 || TT_KERNEL_ROLE > 2
#error "TT_KERNEL_ROLE must be 0, 1 or 2"
#endif

#define TT_KERNEL_IS_COMPUTE	(TT_KERNEL_ROLE == 2)

#define TT_CAT_(a, b)		a##b
#define TT_CAT(a, b)		TT_CAT_(a, b)

/* The number of arguments (1 to 16) of a variadic macro. */
#define TT_NARG(...) \
	TT_NARG_(__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, ~)
#define TT_NARG_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, \
		 n, ...) n

/* Keeps the compiler from moving memory accesses across this point. */
#define tt_compiler_barrier()	__asm__ __volatile__("" ::: "memory")

#define TT_ALIGN_UP(v, a)	(((v) + (a) - 1u) & ~((a) - 1u))

/* ---- core calls ---------------------------------------------------- */
static inline void tt_mmio_write(uint32_t addr, uint32_t val)
{
	*(volatile uint32_t *)(uintptr_t)addr = val;
}

static inline uint32_t tt_mmio_read(uint32_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

/*
 * Each tt_callN writes ARG0.. and then the call number. The barrier in
 * front keeps L1 stores a call reads (NoC sources, DPRINT arguments) before
 * the call; the one behind keeps L1 loads that depend on it (NoC
 * destinations, semaphores) after it. A call that has to wait returns only
 * when it is done.
 */
#if defined(TT_CHIP_WORMHOLE) || defined(TT_CHIP_BLACKHOLE)
#define TT_KERNEL_ON_CHIP	1
#endif

static inline void tt_call_issue(uint32_t call)
{
	tt_mmio_write(TT_MMIO_CALL, call);
#ifdef TT_KERNEL_ON_CHIP
	((void (*)(void))(uintptr_t)tt_mmio_read(TT_MMIO_CHIP_ENTRY))();
#endif
	tt_compiler_barrier();
}

static inline uint32_t tt_call_result(void)
{
	return tt_mmio_read(TT_MMIO_RESULT);
}

static inline void tt_call0(uint32_t call)
{
	tt_compiler_barrier();
	tt_call_issue(call);
}

static inline void tt_call1(uint32_t call, uint32_t a0)
{
	tt_compiler_barrier();
	tt_mmio_write(TT_MMIO_ARG(0), a0);
	tt_call_issue(call);
}

static inline void tt_call2(uint32_t call, uint32_t a0, uint32_t a1)
{
	tt_compiler_barrier();
	tt_mmio_write(TT_MMIO_ARG(0), a0);
	tt_mmio_write(TT_MMIO_ARG(1), a1);
	tt_call_issue(call);
}

static inline void tt_call3(uint32_t call, uint32_t a0, uint32_t a1, uint32_t a2)
{
	tt_compiler_barrier();
	tt_mmio_write(TT_MMIO_ARG(0), a0);
	tt_mmio_write(TT_MMIO_ARG(1), a1);
	tt_mmio_write(TT_MMIO_ARG(2), a2);
	tt_call_issue(call);
}

static inline void tt_call4(uint32_t call, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3)
{
	tt_compiler_barrier();
	tt_mmio_write(TT_MMIO_ARG(0), a0);
	tt_mmio_write(TT_MMIO_ARG(1), a1);
	tt_mmio_write(TT_MMIO_ARG(2), a2);
	tt_mmio_write(TT_MMIO_ARG(3), a3);
	tt_call_issue(call);
}

static inline void tt_call6(uint32_t call, uint32_t a0, uint32_t a1, uint32_t a2,
			    uint32_t a3, uint32_t a4, uint32_t a5)
{
	tt_compiler_barrier();
	tt_mmio_write(TT_MMIO_ARG(0), a0);
	tt_mmio_write(TT_MMIO_ARG(1), a1);
	tt_mmio_write(TT_MMIO_ARG(2), a2);
	tt_mmio_write(TT_MMIO_ARG(3), a3);
	tt_mmio_write(TT_MMIO_ARG(4), a4);
	tt_mmio_write(TT_MMIO_ARG(5), a5);
	tt_call_issue(call);
}

/* ---- arguments ------------------------------------------------------ */
static inline uint32_t get_arg_addr(uint32_t i)
{
	return TT_L1_ROLE_ARGS(TT_KERNEL_ROLE) + 4u * i;
}

static inline uint32_t get_common_arg_addr(uint32_t i)
{
	return TT_L1_ROLE_ARGS(TT_KERNEL_ROLE) + TT_L1_COMMON_ARGS + 4u * i;
}

/* Runtime args are written before the launch and do not change during it. */
static inline uint32_t get_arg_val(uint32_t i)
{
	return *(const uint32_t *)(uintptr_t)get_arg_addr(i);
}

static inline uint32_t get_common_arg_val(uint32_t i)
{
	return *(const uint32_t *)(uintptr_t)get_common_arg_addr(i);
}

/*
 * Compile-time args come as -DKERNEL_COMPILE_TIME_ARGS=a,b,c. Element 0 of
 * the table is a placeholder so that an empty list still makes a valid
 * initializer; a constant index folds to the value at -O2, and a constant
 * index past the end draws an array-bounds warning.
 */
#ifndef KERNEL_COMPILE_TIME_ARGS
#define KERNEL_COMPILE_TIME_ARGS
#endif

static const uint32_t tt_compile_time_args[] __attribute__((unused)) = {
	0u, KERNEL_COMPILE_TIME_ARGS
};

#define get_compile_time_arg_val(i)	(tt_compile_time_args[(i) + 1])
#define TT_NUM_COMPILE_TIME_ARGS \
	(sizeof(tt_compile_time_args) / sizeof(tt_compile_time_args[0]) - 1u)

/* ---- core identity -------------------------------------------------- */
/* Written by the device into L1 before the kernel starts. */
static inline const struct tt_core_info *tt_core_info(void)
{
	return (const struct tt_core_info *)TT_L1_INFO;
}

static inline uint32_t get_absolute_logical_x(void)
{
	return tt_core_info()->x;
}

static inline uint32_t get_absolute_logical_y(void)
{
	return tt_core_info()->y;
}

static inline uint32_t get_relative_logical_x(void)
{
	return tt_core_info()->x;
}

static inline uint32_t get_relative_logical_y(void)
{
	return tt_core_info()->y;
}

static inline uint32_t get_num_dram_banks(void)
{
	return tt_core_info()->dram_banks;
}

/* ---- float bits ----------------------------------------------------- */
static inline uint32_t tt_float_bits(float f)
{
	union {
		float f;
		uint32_t u;
	} v = { .f = f };

	return v.u;
}

static inline float tt_bits_float(uint32_t u)
{
	union {
		float f;
		uint32_t u;
	} v = { .u = u };

	return v.f;
}

/*
 * Next output tile of each CB for pack_tile without an explicit index:
 * counts packs since the last cb_push_back, as the packer does. In .bss,
 * which the loader zeroes.
 */
static uint16_t tt_pack_tile_next[TT_MAX_CBS] __attribute__((unused));

/* ---- entry point and runtime --------------------------------------- */
#ifndef TTUSER_KERNEL_START_DEFINED
#define TTUSER_KERNEL_START_DEFINED

void kernel_main(void);
void _start(void);

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);

__attribute__((section(".text.start"), used, noreturn)) void _start(void)
{
	kernel_main();
	tt_call0(TT_CALL_EXIT);
	for (;;)
		;
}

/*
 * The compiler may turn the loops below into calls to the very functions
 * they implement; these attributes forbid that.
 */
#if defined(__clang__)
#define TT_RUNTIME_FN	__attribute__((no_builtin))
#elif defined(__GNUC__)
#define TT_RUNTIME_FN	__attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define TT_RUNTIME_FN
#endif

typedef uint32_t __attribute__((may_alias)) tt_word_t;

TT_RUNTIME_FN void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
		for (; n >= 4; n -= 4, d += 4, s += 4)
			*(tt_word_t *)d = *(const tt_word_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

TT_RUNTIME_FN void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

TT_RUNTIME_FN void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint32_t w = (uint8_t)c * 0x01010101u;

	while (n && ((uintptr_t)d & 3u)) {
		*d++ = (unsigned char)c;
		n--;
	}
	for (; n >= 4; n -= 4, d += 4)
		*(tt_word_t *)d = w;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

TT_RUNTIME_FN int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
	}
	return 0;
}

/*
 * 64-bit division by shift and subtract (RV32IM divides 32 bits only).
 * Division by zero gives what the RISC-V divide instructions give.
 */
static inline uint64_t tt_udivmod64(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, bit = 1;

	if (d == 0) {
		*rem = n;
		return ~0ull;
	}
	if ((n >> 32) == 0 && (d >> 32) == 0) {
		*rem = (uint32_t)n % (uint32_t)d;
		return (uint32_t)n / (uint32_t)d;
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

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	return tt_udivmod64(n, d, &r);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	tt_udivmod64(n, d, &r);
	return r;
}

int64_t __divdi3(int64_t n, int64_t d)
{
	uint64_t un = n < 0 ? -(uint64_t)n : (uint64_t)n;
	uint64_t ud = d < 0 ? -(uint64_t)d : (uint64_t)d;
	uint64_t r, q;

	if (d == 0)
		return -1;
	q = tt_udivmod64(un, ud, &r);
	return (int64_t)((n < 0) != (d < 0) ? -q : q);
}

int64_t __moddi3(int64_t n, int64_t d)
{
	uint64_t un = n < 0 ? -(uint64_t)n : (uint64_t)n;
	uint64_t ud = d < 0 ? -(uint64_t)d : (uint64_t)d;
	uint64_t r;

	tt_udivmod64(un, ud, &r);
	return (int64_t)(n < 0 ? -r : r);
}

#endif /* TTUSER_KERNEL_START_DEFINED */

#endif
