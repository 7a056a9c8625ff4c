// SPDX-License-Identifier: MIT
/* Command queues: data written to device buffers comes back bit for bit, 1 B to 64 MiB. */
#include <stdlib.h>

#include "helpers.h"

static struct tt_device *dev;

static int setup(void **state)
{
	(void)state;
	dev = open_device("sim:grid=8x8,dram_mib=64");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tt_device_close(dev);
	return 0;
}

static void round_trip(enum tt_buffer_type type, uint64_t size, uint32_t page_size, bool blocking)
{
	struct tt_buffer_config cfg = { .type = type, .size = size, .page_size = page_size };
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct tt_buffer *buf;
	uint8_t *in = malloc(size), *out = malloc(size);

	assert_non_null(in);
	assert_non_null(out);
	fill_random(in, size, (uint32_t)(size * 31 + page_size));
	memset(out, 0xa5, size);
	CHECK(tt_buffer_create(dev, &cfg, &buf));
	CHECK(tt_cq_write_buffer(cq, buf, in, blocking));
	CHECK(tt_cq_read_buffer(cq, buf, out, blocking));
	if (!blocking)
		CHECK(tt_cq_finish(cq));
	if (memcmp(in, out, size)) {
		uint64_t i = 0;

		while (in[i] == out[i])
			i++;
		fail_msg("%s buffer of %llu bytes, pages of %u: first difference at byte %llu",
			 type == TT_BUFFER_DRAM ? "DRAM" : "L1", (unsigned long long)size,
			 page_size, (unsigned long long)i);
	}
	tt_buffer_destroy(buf);
	free(in);
	free(out);
}

static void test_dram_sizes(void **state)
{
	static const struct { uint64_t size; uint32_t page; } cases[] = {
		{ 1, 1 }, { 3, 3 }, { 32, 32 }, { 100, 10 }, { 4096, 4096 }, { 2048 * 13, 2048 },
		{ 65537, 65537 }, { 7 * 150001, 7 }, { 16 << 20, 4096 }, { 64 << 20, 2048 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		round_trip(TT_BUFFER_DRAM, cases[i].size, cases[i].page, true);
		round_trip(TT_BUFFER_DRAM, cases[i].size, cases[i].page, false);
	}
}

static void test_l1_sizes(void **state)
{
	static const struct { uint64_t size; uint32_t page; } cases[] = {
		{ 1, 1 }, { 48, 48 }, { 2048 * 65, 2048 }, { 4096 * 200, 4096 }, { 64 << 20, 1 << 20 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		round_trip(TT_BUFFER_L1, cases[i].size, cases[i].page, true);
}

/* Several buffers in flight at once on both queues; each keeps its own data. */
static void test_many_in_flight(void **state)
{
	enum { N = 24, SIZE = 3 * 4096 + 64 };
	struct tt_buffer_config cfg = { .type = TT_BUFFER_DRAM, .size = SIZE, .page_size = 64 };
	struct tt_buffer *buf[N];
	static uint8_t in[N][SIZE], out[N][SIZE];
	unsigned i;

	(void)state;
	for (i = 0; i < N; i++) {
		fill_random(in[i], SIZE, 1000 + i);
		CHECK(tt_buffer_create(dev, &cfg, &buf[i]));
		CHECK(tt_cq_write_buffer(tt_device_cq(dev, i % 2), buf[i], in[i], false));
	}
	CHECK(tt_cq_finish(tt_device_cq(dev, 0)));
	CHECK(tt_cq_finish(tt_device_cq(dev, 1)));
	for (i = 0; i < N; i++)
		CHECK(tt_cq_read_buffer(tt_device_cq(dev, i % 2), buf[i], out[i], false));
	CHECK(tt_cq_finish(tt_device_cq(dev, 0)));
	CHECK(tt_cq_finish(tt_device_cq(dev, 1)));
	for (i = 0; i < N; i++) {
		assert_memory_equal(in[i], out[i], SIZE);
		tt_buffer_destroy(buf[i]);
	}
}

/*
 * Interleaving: page i of a buffer sits in bank i % 12 at address + (i / 12) * page. Seen
 * through a buffer at the same address with pages three times as big, whose page b is
 * bank b from the address on: pages b, b + 12 and b + 24 of the first buffer.
 */
static void test_interleaving(void **state)
{
	struct tt_buffer_config cfg = { .type = TT_BUFFER_DRAM, .size = 64 * 30, .page_size = 64 };
	struct tt_buffer *buf;
	uint8_t data[64 * 30], back[192 * 12];
	uint32_t addr;
	unsigned b, k;

	(void)state;
	MODEL_ONLY("the pages' places follow the model's 12 banks");
	for (k = 0; k < sizeof(data); k++)
		data[k] = (uint8_t)(k / 64 + 1);
	CHECK(tt_buffer_create(dev, &cfg, &buf));
	addr = tt_buffer_address(buf);
	CHECK(tt_cq_write_buffer(tt_device_cq(dev, 0), buf, data, true));
	tt_buffer_destroy(buf);

	cfg.size = sizeof(back);
	cfg.page_size = 192;
	CHECK(tt_buffer_create(dev, &cfg, &buf));
	assert_int_equal(tt_buffer_address(buf), addr);
	CHECK(tt_cq_read_buffer(tt_device_cq(dev, 0), buf, back, true));
	for (b = 0; b < 12; b++)
		for (k = 0; k < 3; k++) {
			unsigned page = b + 12 * k;

			if (page < 30)
				assert_int_equal(back[b * 192 + k * 64], page + 1);
		}
	tt_buffer_destroy(buf);
}

static void test_bad_arguments(void **state)
{
	struct tt_buffer_config cfg = { .type = TT_BUFFER_DRAM, .size = 100, .page_size = 32 };
	struct tt_buffer *buf = NULL;

	(void)state;
	CHECK_FAILS(tt_buffer_create(dev, &cfg, &buf), -EINVAL, "multiple of the page size");
	cfg.page_size = 0;
	CHECK_FAILS(tt_buffer_create(dev, &cfg, &buf), -EINVAL, "page size");
	cfg.page_size = 4;
	cfg.type = 7;
	CHECK_FAILS(tt_buffer_create(dev, &cfg, &buf), -EINVAL, "buffer type");
	cfg.type = TT_BUFFER_L1;
	cfg.size = 1ull << 33;
	CHECK_FAILS(tt_buffer_create(dev, &cfg, &buf), -ENOMEM, "no room");
	assert_null(buf);
	assert_null(tt_device_cq(dev, 2));
	assert_non_null(strstr(tt_last_error(), "2 command queues"));
	CHECK_FAILS(tt_cq_write_buffer(tt_device_cq(dev, 0), NULL, "x", true), -EINVAL, "NULL");
	CHECK_FAILS(tt_cq_finish(NULL), -EINVAL, "NULL");
	/* The queue still works. */
	CHECK(tt_cq_nop(tt_device_cq(dev, 0), true));
}

static void test_nop_and_info(void **state)
{
	struct tt_device_info info;
	unsigned i;

	(void)state;
	CHECK(tt_device_info(dev, &info));
	if (test_on_chip() && info.arch == TT_ARCH_WORMHOLE) {
		/* 8x9 cores for programs, the top 64 KiB of L1 the firmware's. */
		assert_int_equal(info.grid_x, 8);
		assert_int_equal(info.grid_y, 9);
		assert_int_equal(info.l1_size, 1400 * 1024);
		assert_int_equal(info.dram_banks, 6);
		assert_int_equal(info.dram_bank_size, 1 << 30);
		assert_string_equal(info.transport, "ttsim");
	} else if (test_on_chip()) {
		assert_int_equal(info.arch, TT_ARCH_BLACKHOLE);
		assert_int_equal(info.grid_x, 14);
		assert_int_equal(info.grid_y, 9);
		assert_int_equal(info.l1_size, 1472 * 1024);
		assert_int_equal(info.dram_banks, 8);
		assert_int_equal(info.dram_bank_size, 1 << 30);
		assert_string_equal(info.transport, "ttsim");
	} else {
		assert_int_equal(info.arch, TT_ARCH_MODEL);
		assert_int_equal(info.grid_x, 8);
		assert_int_equal(info.grid_y, 8);
		assert_int_equal(info.l1_size, 1464 * 1024);
		assert_int_equal(info.dram_bank_size, 64 << 20);
		/* The QEMU harness runs this through the kernel module. */
		assert_string_equal(info.transport, getenv("TT_TEST_DEVICES") ? "kmod" : "in-process");
	}
	assert_int_equal(info.nqueues, 2);
	for (i = 0; i < 1000; i++)
		CHECK(tt_cq_nop(tt_device_cq(dev, i % 2), i % 3 == 0));
	CHECK(tt_cq_finish(tt_device_cq(dev, 0)));
	CHECK(tt_cq_finish(tt_device_cq(dev, 1)));
}

/*
 * A queue adds up its transfers' device cycles: the model charges a
 * command 500 cycles and 16 bytes a cycle on the host link.
 */
static void test_transfer_cycles(void **state)
{
	struct tt_buffer_config cfg = { .type = TT_BUFFER_DRAM, .size = 8192, .page_size = 1024 };
	struct tt_cq *cq = tt_device_cq(dev, 1);
	struct tt_buffer *buf;
	uint8_t data[8192] = { 1 };
	uint64_t before;

	(void)state;
	MODEL_ONLY("the model's host link timing");
	CHECK(tt_buffer_create(dev, &cfg, &buf));
	before = tt_cq_transfer_cycles(cq);
	CHECK(tt_cq_write_buffer(cq, buf, data, false));
	CHECK(tt_cq_read_buffer(cq, buf, data, false));
	CHECK(tt_cq_nop(cq, false));
	CHECK(tt_cq_finish(cq));
	assert_int_equal(tt_cq_transfer_cycles(cq) - before, 2 * (500 + 8192 / 16));
	/* programs and nops add nothing; the other queue keeps its own count */
	before = tt_cq_transfer_cycles(tt_device_cq(dev, 0));
	CHECK(tt_cq_write_buffer(cq, buf, data, true));
	assert_int_equal(tt_cq_transfer_cycles(tt_device_cq(dev, 0)), before);
	assert_int_equal(tt_cq_transfer_cycles(NULL), 0);
	tt_buffer_destroy(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nop_and_info),
		cmocka_unit_test(test_dram_sizes),
		cmocka_unit_test(test_l1_sizes),
		cmocka_unit_test(test_many_in_flight),
		cmocka_unit_test(test_interleaving),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_transfer_cycles),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
