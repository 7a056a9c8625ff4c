// SPDX-License-Identifier: MIT
/* The address-range allocator behind DRAM, L1 and DMA memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../libttuser/internal.h"

static void test_bottom_up(void **state)
{
	struct tt_range_alloc a;
	uint64_t x, y, z;

	(void)state;
	tt_range_init(&a, 0x1000, 0x2000, false);
	assert_int_equal(tt_range_lowest(&a), 0x2000);
	assert_int_equal(tt_range_alloc(&a, 0x100, 64, &x), 0);
	assert_int_equal(x, 0x1000);
	assert_int_equal(tt_range_alloc(&a, 0x10, 64, &y), 0);
	assert_int_equal(y, 0x1100);
	assert_int_equal(tt_range_alloc(&a, 0x100, 0x1000, &z), -ENOMEM);
	assert_int_equal(tt_range_alloc(&a, 0x100, 256, &z), 0);
	assert_int_equal(z, 0x1200);
	/* A freed hole is reused first. */
	tt_range_free(&a, x);
	assert_int_equal(tt_range_alloc(&a, 0x80, 64, &x), 0);
	assert_int_equal(x, 0x1000);
	assert_int_equal(tt_range_alloc(&a, 0xe00, 64, &x), -ENOMEM);
	assert_int_equal(tt_range_alloc(&a, 0xd00, 64, &x), 0);
	assert_int_equal(x, 0x1300);
	assert_int_equal(tt_range_alloc(&a, 0, 64, &x), -ENOMEM);
	tt_range_fini(&a);
}

static void test_top_down(void **state)
{
	struct tt_range_alloc a;
	uint64_t x, y;

	(void)state;
	tt_range_init(&a, 0x1000, 0x2000, true);
	assert_int_equal(tt_range_alloc(&a, 0x100, 16, &x), 0);
	assert_int_equal(x, 0x1f00);
	assert_int_equal(tt_range_alloc(&a, 0x18, 16, &y), 0);
	assert_int_equal(y, 0x1ee0);
	assert_int_equal(tt_range_lowest(&a), 0x1ee0);
	tt_range_free(&a, x);
	assert_int_equal(tt_range_lowest(&a), 0x1ee0);
	assert_int_equal(tt_range_alloc(&a, 0x100, 16, &x), 0);
	assert_int_equal(x, 0x1f00);
	assert_int_equal(tt_range_alloc(&a, 0x1000, 16, &x), -ENOMEM);
	tt_range_fini(&a);
}

/* Many allocations and frees: blocks never overlap and stay inside the range. */
static void test_random(void **state)
{
	struct tt_range_alloc a;
	uint64_t addr[64] = { 0 }, size[64] = { 0 };
	uint32_t seed = 7;
	unsigned i, j, round;

	(void)state;
	tt_range_init(&a, 4096, 1 << 20, false);
	for (round = 0; round < 5000; round++) {
		seed = seed * 1103515245 + 12345;
		i = (seed >> 8) % 64;
		if (size[i]) {
			tt_range_free(&a, addr[i]);
			size[i] = 0;
			continue;
		}
		size[i] = 1 + (seed >> 12) % 40000;
		if (tt_range_alloc(&a, size[i], 32, &addr[i])) {
			size[i] = 0;
			continue;
		}
		assert_int_equal(addr[i] % 32, 0);
		assert_true(addr[i] >= 4096 && addr[i] + size[i] <= (1 << 20));
		for (j = 0; j < 64; j++)
			if (j != i && size[j])
				assert_true(addr[i] + size[i] <= addr[j] || addr[j] + size[j] <= addr[i]);
	}
	tt_range_fini(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bottom_up),
		cmocka_unit_test(test_top_down),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
