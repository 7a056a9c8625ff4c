// SPDX-License-Identifier: MIT
/*
 * Device errors: every kind becomes an error with a message that names
 * the core, the kernel and the cause; the device keeps working, and a
 * reset clears what is left.
 */
#include "helpers.h"

static struct tt_device *dev;

static int setup(void **state)
{
	(void)state;
	dev = open_device("sim:grid=2x2,dram_banks=2,dram_mib=16,watchdog_ms=1500");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tt_device_close(dev);
	return 0;
}

/* A correct program still gives correct results. */
static void assert_device_works(void)
{
	static const char src[] =
		"#include <ttuser/kernel/dataflow.h>\n"
		"void kernel_main(void)\n"
		"{\n"
		"	InterleavedAddrGen out = { .bank_base_address = get_arg_val(0),\n"
		"				  .page_size = 4, .is_dram = true };\n"
		"	volatile uint32_t *w = (volatile uint32_t *)get_write_ptr(0);\n"
		"	cb_reserve_back(0, 1);\n"
		"	*w = get_arg_val(1) * 3;\n"
		"	noc_async_write_page(0, &out, (uint32_t)w);\n"
		"	noc_async_write_barrier();\n"
		"}\n";
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = 4, .page_size = 4 };
	struct tt_buffer *out;
	uint32_t args[2], v = 0;

	CHECK(tt_buffer_create(dev, &bc, &out));
	args[0] = tt_buffer_address(out);
	args[1] = 14;
	CHECK(run_kernel(dev, src, TT_ROLE_WRITER, TT_CORES(1, 1, 1, 1), 32, 1, args, 2));
	CHECK(tt_cq_read_buffer(tt_device_cq(dev, 0), out, &v, true));
	assert_int_equal(v, 42);
	tt_buffer_destroy(out);
}

/* A one-kernel program that must fail with err and a message containing each of texts. */
static void expect_fault(const char *src, enum tt_role role, uint32_t cb_page, uint32_t cb_pages,
			 int err, const char *text1, const char *text2)
{
	int ret = run_kernel(dev, src, role, TT_CORES(0, 1, 0, 1), cb_page, cb_pages, NULL, 0);

	if (ret != err)
		fail_msg("expected %d, got %d: %s", err, ret, tt_last_error());
	if (!strstr(tt_last_error(), text1) || !strstr(tt_last_error(), text2))
		fail_msg("message '%s' lacks '%s' or '%s'", tt_last_error(), text1, text2);
	assert_device_works();
}

#define KERNEL(body) "#include <ttuser/kernel/dataflow.h>\n#include <ttuser/kernel/compute.h>\n" \
		     "void kernel_main(void)\n{\n" body "\n}\n"

static void test_bad_noc_address(void **state)
{
	(void)state;
	expect_fault(KERNEL("noc_async_read(get_noc_addr(9, 9, 0), 0x40000, 64);"),
		     TT_ROLE_READER, 0, 0, -EFAULT, "core (0,1) reader", "no endpoint at (9,9)");
	expect_fault(KERNEL("noc_async_read(get_noc_addr(1, 0, 0x7ffff0), 0x40000, 64);"),
		     TT_ROLE_READER, 0, 0, -EFAULT, "core (1,0) L1", "past its end");
	{
		struct tt_device_info info;
		char src[256];

		CHECK(tt_device_info(dev, &info));
		snprintf(src, sizeof(src), KERNEL("noc_async_read(get_noc_addr_from_bank_id(1, "
						  "%lluu, true), 0x40000, 4);"),
			 (unsigned long long)info.dram_bank_size);
		expect_fault(src, TT_ROLE_READER, 0, 0, -EFAULT, "DRAM bank 1", "past its end");
	}
	expect_fault(KERNEL("noc_async_write(0x160000, get_noc_addr(1, 0, 0x40000), 0x20000);"),
		     TT_ROLE_WRITER, 0, 0, -EFAULT, "noc_async_write: local L1 0x160000",
		     "past the end of L1");
}

static void test_illegal_instruction(void **state)
{
	(void)state;
	MODEL_ONLY("a chip's RISC-V cores cannot fault: a kernel that runs into data or a hole is undefined behaviour there");
	expect_fault(KERNEL("__asm__ volatile(\".word 0\");"), TT_ROLE_WRITER, 0, 0, -EFAULT,
		     "core (0,1) writer", "illegal instruction 0x00000000 at pc 0x");
	expect_fault(KERNEL("__asm__ volatile(\"ecall\");"), TT_ROLE_READER, 0, 0, -EFAULT,
		     "core (0,1) reader", "ecall");
}

static void test_memory_fault(void **state)
{
	(void)state;
	MODEL_ONLY("a chip's RISC-V cores cannot fault: a kernel that runs into data or a hole is undefined behaviour there");
	expect_fault(KERNEL("*(volatile uint32_t *)0x80000000u = 1;"), TT_ROLE_READER, 0, 0,
		     -EFAULT, "core (0,1) reader", "0x80000000");
	expect_fault(KERNEL("((void (*)(void))0x100000)();"), TT_ROLE_READER, 0, 0, -EFAULT,
		     "core (0,1) reader", "outside the kernel image");
}

static void test_cb_misuse(void **state)
{
	(void)state;
	expect_fault(KERNEL("cb_pop_front(0, 1);"), TT_ROLE_READER, 64, 2, -EFAULT,
		     "core (0,1) reader", "cb_pop_front(cb 0, 1 pages) without cb_wait_front");
	expect_fault(KERNEL("cb_push_back(0, 1);"), TT_ROLE_READER, 64, 2, -EFAULT,
		     "core (0,1) reader", "without cb_reserve_back");
	expect_fault(KERNEL("cb_reserve_back(0, 3);"), TT_ROLE_READER, 64, 2, -EFAULT,
		     "cb_reserve_back(cb 0, 3 pages)", "holds 2 pages");
	expect_fault(KERNEL("cb_reserve_back(5, 1);"), TT_ROLE_READER, 64, 2, -EFAULT,
		     "cb_reserve_back", "cb 5 is not configured");
	/* 3 pages used 2 at a time: the second reserve would cross the end. */
	expect_fault(KERNEL("cb_reserve_back(0, 2); cb_push_back(0, 2); cb_wait_front(0, 2);"
			    "cb_pop_front(0, 2); cb_reserve_back(0, 2);"),
		     TT_ROLE_READER, 64, 3, -EFAULT, "crosses the end", "multiple of 2");
}

static void test_dst_misuse(void **state)
{
	(void)state;
	MODEL_ONLY("compute kernels run on the model only");
	expect_fault(KERNEL("tile_regs_acquire(); tile_regs_acquire();"), TT_ROLE_COMPUTE, 2048, 2,
		     -EFAULT, "core (0,1) compute", "tile_regs_acquire while DST is acquired");
	expect_fault(KERNEL("tile_regs_acquire(); tile_regs_commit(); tile_regs_wait();"
			    "cb_reserve_back(0, 1); copy_tile(0, 0, 0);"),
		     TT_ROLE_COMPUTE, 2048, 2, -EFAULT, "copy_tile while DST is held by the packer",
		     "acquired by math");
	expect_fault(KERNEL("tile_regs_acquire(); cb_reserve_back(0, 1); pack_tile(0, 0);"),
		     TT_ROLE_COMPUTE, 2048, 2, -EFAULT, "pack_tile while DST is acquired by math",
		     "held by the packer");
	expect_fault(KERNEL("tile_regs_acquire();"), TT_ROLE_COMPUTE, 0, 0, -EFAULT,
		     "kernel_main returned", "holding the DST registers");
	expect_fault(KERNEL("tile_regs_acquire(); cb_reserve_back(0, 1); cb_push_back(0, 1);"
			    "cb_wait_front(0, 1); copy_tile(0, 0, 16);"),
		     TT_ROLE_COMPUTE, 2048, 2, -EFAULT, "DST tile 16", "holds 16 tiles");
	expect_fault(KERNEL("tile_regs_acquire(); cb_wait_front(0, 1);"), TT_ROLE_COMPUTE, 2048, 2,
		     -EDEADLK, "program hang", "cb_wait_front(cb 0, 1 pages): 0 of 2 pages filled");
	/* A CB whose pages are not tiles of its format. */
	expect_fault(KERNEL("tile_regs_acquire(); cb_reserve_back(0, 1); cb_push_back(0, 1);"
			    "cb_wait_front(0, 1); copy_tile(0, 0, 0);"),
		     TT_ROLE_COMPUTE, 1000, 2, -EFAULT, "cb 0 pages are 1000 bytes",
		     "a tile of its format is 2048");
	expect_fault(KERNEL("copy_tile(0, 0, 0);"), TT_ROLE_READER, 2048, 2, -EFAULT,
		     "from the reader kernel", "only the compute kernel");
}

static void test_hang(void **state)
{
	(void)state;
	MODEL_ONLY("deadlock detection is the model's; on a chip the watchdog stops a hung kernel (test_watchdog_and_reset)");
	/* Two kernels waiting for each other. */
	expect_fault(KERNEL("noc_semaphore_wait((volatile uint32_t *)get_semaphore(0), 5);"),
		     TT_ROLE_READER, 0, 0, -EDEADLK, "program hang",
		     "noc_semaphore_wait(0x1100, 5): value is 0");
}

static void test_watchdog_and_reset(void **state)
{
	struct tt_program *prog;
	struct tt_kernel_config cfg = { .role = TT_ROLE_READER };

	(void)state;
	/* The model names the pc and leaves the core to a reset; a chip stops the core. */
	expect_fault(KERNEL("for (;;) __asm__ volatile(\"\");"), TT_ROLE_READER, 0, 0, -ETIMEDOUT,
		     "(watchdog): core (0,1) reader", test_on_chip() ? "the core was stopped" :
		     "a reset stops it");

	/* A reset stops a running program; what was queued is cancelled. */
	CHECK(tt_program_create(dev, &prog));
	CHECK(tt_kernel_create_from_string(prog, KERNEL("for (;;) __asm__ volatile(\"\");"),
					   TT_CORES(0, 0, 1, 1), &cfg));
	CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, false));
	CHECK(tt_cq_nop(tt_device_cq(dev, 0), false));
	CHECK(tt_device_reset(dev));
	CHECK(tt_cq_finish(tt_device_cq(dev, 0)));
	tt_program_destroy(prog);
	assert_device_works();
}

/* The first error is kept for the host; a reset clears it. */
static void test_errors_do_not_stick(void **state)
{
	(void)state;
	expect_fault(KERNEL("noc_async_read(get_noc_addr(9, 9, 0), 0x40000, 64);"),
		     TT_ROLE_READER, 0, 0, -EFAULT, "core (0,1) reader", "no endpoint at (9,9)");
	CHECK(tt_device_reset(dev));
	assert_device_works();
	/* Errors of non-blocking work come back from finish, once. */
	{
		struct tt_program *prog;
		struct tt_kernel_config cfg = { .role = TT_ROLE_WRITER };

		CHECK(tt_program_create(dev, &prog));
		CHECK(tt_kernel_create_from_string(prog, KERNEL("cb_pop_front(3, 1);"),
						   TT_CORES(0, 0, 0, 0), &cfg));
		CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 1), prog, false));
		CHECK(tt_cq_nop(tt_device_cq(dev, 1), false));
		CHECK_FAILS(tt_cq_finish(tt_device_cq(dev, 1)), -EFAULT, "cb 3 is not configured");
		CHECK(tt_cq_finish(tt_device_cq(dev, 1)));
		tt_program_destroy(prog);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_noc_address),
		cmocka_unit_test(test_illegal_instruction),
		cmocka_unit_test(test_memory_fault),
		cmocka_unit_test(test_cb_misuse),
		cmocka_unit_test(test_dst_misuse),
		cmocka_unit_test(test_hang),
		cmocka_unit_test(test_watchdog_and_reset),
		cmocka_unit_test(test_errors_do_not_stick),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
