// SPDX-License-Identifier: MIT
/*
 * Data movement on the model: semaphores (local, remote, multicast),
 * multicast writes with and without the sender, barriers, and the device
 * time each costs.
 */
#include <unistd.h>

#include "helpers.h"

static struct tt_device *dev;

static int setup(void **state)
{
	(void)state;
	/* Workers (0,0)..(4,3); DRAM banks 0..3. */
	dev = open_device("sim:grid=5x4,dram_banks=4,dram_mib=16");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tt_device_close(dev);
	return 0;
}

static struct tt_buffer *dram_buffer(uint64_t size, uint32_t page)
{
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = size, .page_size = page };
	struct tt_buffer *b;

	CHECK(tt_buffer_create(dev, &bc, &b));
	return b;
}

static int add_kernel(struct tt_program *prog, const char *src, enum tt_role role,
		      struct tt_core_range cores)
{
	struct tt_kernel_config cfg = { .role = role };
	int k = tt_kernel_create_from_string(prog, src, cores, &cfg);

	if (k < 0)
		fail_msg("kernel: %s", tt_last_error());
	return k;
}

static void args_everywhere(struct tt_program *prog, int k, struct tt_core_range r,
			    const uint32_t *args, uint32_t n)
{
	uint32_t x, y;

	for (y = r.start.y; y <= r.end.y; y++)
		for (x = r.start.x; x <= r.end.x; x++)
			CHECK(tt_runtime_args_set(prog, k, TT_CORE(x, y), args, n));
}

/*
 * Multicast of one 2 KiB tile from a producer to the 4x4 rectangle
 * (0,0)-(3,3), then a semaphore set by multicast; each receiver waits for
 * it and writes what it received to page y * 4 + x of a DRAM buffer.
 * args: in, out, producer x, producer y, loopback. A producer inside the
 * rectangle without loopback writes its own untouched destination (zeros).
 */
static const char mcast_kernel[] =
	"#include <ttuser/kernel/dataflow.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	InterleavedAddrGen in = { .bank_base_address = get_arg_val(0), .page_size = 2048,\n"
	"				 .is_dram = true };\n"
	"	InterleavedAddrGen out = { .bank_base_address = get_arg_val(1), .page_size = 2048,\n"
	"				  .is_dram = true };\n"
	"	uint32_t px = get_arg_val(2), py = get_arg_val(3), loop = get_arg_val(4);\n"
	"	uint32_t x = get_absolute_logical_x(), y = get_absolute_logical_y();\n"
	"	volatile uint32_t *ready = (volatile uint32_t *)get_semaphore(0);\n"
	"	volatile uint32_t *valid = (volatile uint32_t *)get_semaphore(1);\n"
	"	uint32_t src = get_write_ptr(0), dst = src + 2048;\n"
	"	bool inside = x <= 3 && y <= 3;\n"
	"\n"
	"	if (x == px && y == py) {\n"
	"		uint32_t n = 16 - (inside && !loop);\n"
	"		uint64_t data = get_noc_multicast_addr(0, 0, 3, 3, dst);\n"
	"		uint64_t sem = get_noc_multicast_addr(0, 0, 3, 3, (uint32_t)valid);\n"
	"		memset((void *)dst, 0, 2048);\n"
	"		noc_async_read_page(0, &in, src);\n"
	"		noc_async_read_barrier();\n"
	"		noc_semaphore_wait(ready, n - (inside && loop));\n"
	"		*valid = 7;\n"
	"		if (loop) {\n"
	"			noc_async_write_multicast_loopback_src(src, data, 2048, n, false);\n"
	"			noc_semaphore_set_multicast_loopback_src((uint32_t)valid, sem, n, false);\n"
	"		} else {\n"
	"			noc_async_write_multicast(src, data, 2048, n, false);\n"
	"			noc_semaphore_set_multicast((uint32_t)valid, sem, n, false);\n"
	"		}\n"
	"		noc_async_write_barrier();\n"
	"		if (!inside)\n"
	"			return;\n"
	"	} else {\n"
	"		noc_semaphore_inc(get_noc_addr(px, py, (uint32_t)ready), 1);\n"
	"		noc_semaphore_wait(valid, 7);\n"
	"	}\n"
	"	noc_async_write_page(y * 4 + x, &out, dst);\n"
	"	noc_async_write_barrier();\n"
	"}\n";

static void run_mcast(uint32_t px, uint32_t py, uint32_t loop)
{
	struct tt_cb_config cb = { .index = 0, .format = TT_FORMAT_FLOAT16_B, .page_size = 2048,
				   .num_pages = 2 };
	struct tt_core_range all = TT_CORES(0, 0, 3, 3), prod = TT_CORES(px, py, px, py);
	struct tt_buffer *in = dram_buffer(2048, 2048), *out = dram_buffer(16 * 2048, 2048);
	uint8_t src[2048], *back = malloc(16 * 2048);
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct tt_program *prog;
	struct tt_core_stats cs;
	uint32_t args[5] = { tt_buffer_address(in), tt_buffer_address(out), px, py, loop }, i;
	bool inside = px <= 3 && py <= 3;
	int k;

	fill_random(src, sizeof(src), 77 + px + loop);
	memset(back, 0xAB, 16 * 2048);
	CHECK(tt_cq_write_buffer(cq, in, src, true));
	CHECK(tt_cq_write_buffer(cq, out, back, true));
	CHECK(tt_program_create(dev, &prog));
	k = add_kernel(prog, mcast_kernel, TT_ROLE_READER, all);
	args_everywhere(prog, k, all, args, 5);
	CHECK(tt_cb_create(prog, all, &cb));
	if (!inside) {
		k = add_kernel(prog, mcast_kernel, TT_ROLE_READER, prod);
		args_everywhere(prog, k, prod, args, 5);
		CHECK(tt_cb_create(prog, prod, &cb));
		assert_int_equal(tt_semaphore_create(prog, prod, 0), 0);
		assert_int_equal(tt_semaphore_create(prog, prod, 0), 1);
	}
	assert_int_equal(tt_semaphore_create(prog, all, 0), 0);
	assert_int_equal(tt_semaphore_create(prog, all, 0), 1);
	CHECK(tt_cq_enqueue_program(cq, prog, true));
	CHECK(tt_cq_read_buffer(cq, out, back, true));
	for (i = 0; i < 16; i++) {
		bool own = inside && i == py * 4 + px && !loop;
		static const uint8_t zero[2048];

		if (memcmp(back + i * 2048, own ? zero : src, 2048))
			fail_msg("producer (%u,%u) loopback %u: core (%u,%u) holds the wrong data", px,
				 py, loop, i % 4, i / 4);
	}
	/* Each receiver ran until the data landed: after the producer's DRAM read. */
	for (i = 0; i < 16; i++) {
		CHECK(tt_program_core_stats(prog, TT_CORE(i % 4, i / 4), &cs));
		assert_true(cs.device_cycles > 2048 / 32 + 64);
	}
	CHECK(tt_program_core_stats(prog, TT_CORE(px, py), &cs));
	assert_int_equal(cs.dram_bytes, 2048 + (inside ? 2048 : 0));
	tt_program_destroy(prog);
	tt_buffer_destroy(in);
	tt_buffer_destroy(out);
	free(back);
}

static void test_multicast(void **state)
{
	(void)state;
	run_mcast(4, 2, 0);	/* from outside the rectangle */
	run_mcast(1, 2, 0);	/* from inside, sender not written */
	run_mcast(2, 1, 1);	/* from inside, sender written too */
}

/*
 * Semaphores: initial values, a local set and wait, noc_semaphore_set_remote,
 * noc_semaphore_inc and wait_min. Core (0,0) and core (1,0) each report
 * their semaphore words to DRAM.
 */
static const char sem_kernel[] =
	"#include <ttuser/kernel/dataflow.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	InterleavedAddrGen out = { .bank_base_address = get_arg_val(0), .page_size = 16,\n"
	"				  .is_dram = true };\n"
	"	volatile uint32_t *a = (volatile uint32_t *)get_semaphore(0);\n"
	"	volatile uint32_t *b = (volatile uint32_t *)get_semaphore(1);\n"
	"	volatile uint32_t *c = (volatile uint32_t *)get_semaphore(2);\n"
	"	volatile uint32_t *w = (volatile uint32_t *)get_write_ptr(0);\n"
	"	uint32_t x = get_absolute_logical_x();\n"
	"\n"
	"	w[0] = *a;\n"
	"	if (x == 0) {\n"
	"		noc_semaphore_set(c, 41);\n"
	"		noc_semaphore_set_remote((uint32_t)c, get_noc_addr(1, 0, (uint32_t)b));\n"
	"		noc_semaphore_wait_min(a, 8);\n"
	"	} else {\n"
	"		noc_semaphore_wait(b, 41);\n"
	"		noc_semaphore_inc(get_noc_addr(0, 0, (uint32_t)a), 3);\n"
	"	}\n"
	"	noc_semaphore_wait(c, x == 0 ? 41 : 0);\n"
	"	w[1] = *a;\n"
	"	w[2] = *b;\n"
	"	w[3] = *c;\n"
	"	noc_async_write_page(x, &out, (uint32_t)w);\n"
	"	noc_async_write_barrier();\n"
	"}\n";

static void test_semaphores(void **state)
{
	struct tt_cb_config cb = { .index = 0, .format = TT_FORMAT_FLOAT32, .page_size = 16,
				   .num_pages = 1 };
	struct tt_core_range two = TT_CORES(0, 0, 1, 0);
	struct tt_buffer *out = dram_buffer(32, 16);
	struct tt_program *prog;
	uint32_t back[8], arg = tt_buffer_address(out);
	int k;

	(void)state;
	CHECK(tt_program_create(dev, &prog));
	k = add_kernel(prog, sem_kernel, TT_ROLE_WRITER, two);
	args_everywhere(prog, k, two, &arg, 1);
	CHECK(tt_cb_create(prog, two, &cb));
	assert_int_equal(tt_semaphore_create(prog, TT_CORES(0, 0, 0, 0), 5), 0);
	assert_int_equal(tt_semaphore_create(prog, TT_CORES(1, 0, 1, 0), 9), 0);
	/* Id 0 is taken on both cores of the range: the next free one is 1. */
	assert_int_equal(tt_semaphore_create(prog, two, 2), 1);
	CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, true));
	CHECK(tt_cq_read_buffer(tt_device_cq(dev, 0), out, back, true));
	/* core (0,0): a starts at 5, +3 from (1,0); b = 2; c set to 41 locally. */
	assert_int_equal(back[0], 5);
	assert_int_equal(back[1], 8);
	assert_int_equal(back[2], 2);
	assert_int_equal(back[3], 41);
	/* core (1,0): a = 9; b set to 41 from afar; c never set: 0. */
	assert_int_equal(back[4], 9);
	assert_int_equal(back[5], 9);
	assert_int_equal(back[6], 41);
	assert_int_equal(back[7], 0);
	tt_program_destroy(prog);
	tt_buffer_destroy(out);
}

static void test_semaphore_limits(void **state)
{
	struct tt_program *prog;
	unsigned i;

	(void)state;
	CHECK(tt_program_create(dev, &prog));
	for (i = 0; i < TT_MAX_SEMS; i++)
		assert_int_equal(tt_semaphore_create(prog, TT_CORES(0, 0, 1, 1), i), (int)i);
	CHECK_FAILS(tt_semaphore_create(prog, TT_CORES(1, 1, 2, 2), 0), -ENOSPC,
		    "no free semaphore");
	assert_int_equal(tt_semaphore_create(prog, TT_CORES(2, 2, 2, 2), 0), 0);
	CHECK_FAILS(tt_semaphore_create(prog, TT_CORES(0, 0, test_grid_x(dev), 0), 0), -EINVAL,
		    test_grid_text(dev));
	tt_program_destroy(prog);
}

/* A wrong num_dests, or a unicast address, is a fault that names the mistake. */
static void test_multicast_errors(void **state)
{
	static const char bad_count[] =
		"#include <ttuser/kernel/dataflow.h>\n"
		"void kernel_main(void)\n"
		"{\n"
		"	noc_async_write_multicast(0x40000, get_noc_multicast_addr(1, 0, 2, 1, 0x40000),\n"
		"				  64, 3, false);\n"
		"}\n";
	static const char bad_rect[] =
		"#include <ttuser/kernel/dataflow.h>\n"
		"void kernel_main(void)\n"
		"{\n"
		"	noc_async_write_multicast(0x40000, get_noc_multicast_addr(0, 0, 15, 1, 0x40000),\n"
		"				  64, 32, false);\n"
		"}\n";
	static const char unicast[] =
		"#include <ttuser/kernel/dataflow.h>\n"
		"void kernel_main(void)\n"
		"{\n"
		"	noc_async_write_multicast(0x40000, get_noc_addr(1, 1, 0x40000), 64, 1, false);\n"
		"}\n";
	struct tt_cq *cq = tt_device_cq(dev, 0);

	(void)state;
	CHECK_FAILS(run_kernel(dev, bad_count, TT_ROLE_READER, TT_CORES(0, 0, 0, 0), 0, 0, NULL, 0),
		    -EFAULT, "num_dests is 3, but cores (1,0)-(2,1) are 4 destinations");
	CHECK_FAILS(run_kernel(dev, bad_rect, TT_ROLE_READER, TT_CORES(0, 0, 0, 0), 0, 0, NULL, 0),
		    -EFAULT, test_grid_text(dev));
	CHECK_FAILS(run_kernel(dev, unicast, TT_ROLE_READER, TT_CORES(0, 0, 0, 0), 0, 0, NULL, 0),
		    -EFAULT, "not a multicast address");
	/* The device is still usable. */
	CHECK(tt_cq_nop(cq, true));
	CHECK(run_kernel(dev, "void kernel_main(void) {}", TT_ROLE_READER, TT_CORES(0, 0, 0, 0), 0,
			 0, NULL, 0));
}

/*
 * Device time. Every core of cores reads `bytes` from DRAM bank `bank`
 * (bank 0xff: its own bank, x % 4) and waits for it.
 */
static const char read_kernel[] =
	"#include <ttuser/kernel/dataflow.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	uint32_t bank = get_arg_val(1);\n"
	"	if (bank == 0xff)\n"
	"		bank = get_absolute_logical_x() % 4;\n"
	"	noc_async_read(get_noc_addr_from_bank_id(bank, get_arg_val(0), true),\n"
	"		       get_write_ptr(0), get_arg_val(2));\n"
	"	noc_async_read_barrier();\n"
	"}\n";

static void run_reads(struct tt_core_range cores, uint32_t bank, uint32_t bytes,
		      struct tt_program_stats *st, struct tt_core_stats *first)
{
	struct tt_cb_config cb = { .index = 0, .format = TT_FORMAT_FLOAT32, .page_size = 65536,
				   .num_pages = 1 };
	struct tt_buffer *buf = dram_buffer(4 * 65536, 65536);
	struct tt_program *prog;
	uint32_t args[3] = { tt_buffer_address(buf), bank, bytes };
	int k;

	CHECK(tt_program_create(dev, &prog));
	k = add_kernel(prog, read_kernel, TT_ROLE_READER, cores);
	args_everywhere(prog, k, cores, args, 3);
	CHECK(tt_cb_create(prog, cores, &cb));
	CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, true));
	CHECK(tt_program_stats(prog, st));
	CHECK(tt_program_core_stats(prog, cores.start, first));
	tt_program_destroy(prog);
	tt_buffer_destroy(buf);
}

static void test_device_time(void **state)
{
	struct tt_program_stats a, b, c;
	struct tt_core_stats ca, cb_, cc, none;
	struct tt_program *prog;

	(void)state;
	MODEL_ONLY("the model's NoC and DRAM timing");
	/* One core: twice the bytes costs the extra bytes at a bank's 24 bytes per cycle. */
	run_reads(TT_CORES(0, 0, 0, 0), 0, 24000, &a, &ca);
	run_reads(TT_CORES(0, 0, 0, 0), 0, 48000, &b, &cb_);
	assert_int_equal(cb_.hart_cycles[TT_ROLE_READER] - ca.hart_cycles[TT_ROLE_READER], 1000);
	assert_int_equal(ca.instructions, cb_.instructions);
	assert_int_equal(ca.dram_bytes, 24000);
	assert_int_equal(ca.noc_bytes, 24000);
	assert_int_equal(a.cores, 1);
	assert_int_equal(a.device_cycles, ca.device_cycles);
	assert_true(a.device_us == (double)a.device_cycles / 1000.0);
	assert_true(ca.device_cycles > 24000 / 24);

	/* Sixteen cores on one bank: the bank's bandwidth bounds the program. */
	run_reads(TT_CORES(0, 0, 3, 3), 0, 48000, &c, &cc);
	assert_int_equal(c.cores, 16);
	assert_int_equal(c.device_cycles, 16 * 48000 / 24);
	/* The same spread over four banks: four times as fast, bank-wise. */
	run_reads(TT_CORES(0, 0, 3, 3), 0xff, 48000, &c, &cc);
	assert_int_equal(c.device_cycles, 4 * 48000 / 24);

	/* A core without a kernel has zero figures. */
	CHECK(tt_program_create(dev, &prog));
	add_kernel(prog, "void kernel_main(void) {}", TT_ROLE_COMPUTE, TT_CORES(0, 0, 0, 0));
	CHECK_FAILS(tt_program_core_stats(prog, TT_CORE(0, 0), &none), -ENODATA, "not completed");
	CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, true));
	CHECK(tt_program_core_stats(prog, TT_CORE(1, 0), &none));
	assert_int_equal(none.device_cycles, 0);
	assert_int_equal(none.instructions, 0);
	CHECK(tt_program_core_stats(prog, TT_CORE(0, 0), &none));
	assert_true(none.instructions > 0);
	assert_int_equal(none.hart_cycles[TT_ROLE_READER], 0);
	CHECK_FAILS(tt_program_core_stats(prog, TT_CORE(5, 0), &none), -EINVAL, "outside");
	tt_program_destroy(prog);
}

/* Programs of the two queues at once: each has its own cores' figures and DRAM bound. */
static void test_device_time_two_queues(void **state)
{
	struct tt_cb_config cb = { .index = 0, .format = TT_FORMAT_FLOAT32, .page_size = 65536,
				   .num_pages = 1 };
	struct tt_core_range ra = TT_CORES(0, 0, 1, 3), rb = TT_CORES(2, 0, 3, 3);
	struct tt_buffer *buf = dram_buffer(4 * 65536, 65536);
	struct tt_program *pa, *pb;
	struct tt_program_stats sa, sb;
	struct tt_core_stats cs;
	uint32_t args_a[3] = { tt_buffer_address(buf), 0, 48000 };
	uint32_t args_b[3] = { tt_buffer_address(buf), 1, 48000 };
	int k;

	(void)state;
	MODEL_ONLY("the model's NoC and DRAM timing");
	CHECK(tt_program_create(dev, &pa));
	CHECK(tt_program_create(dev, &pb));
	k = add_kernel(pa, read_kernel, TT_ROLE_READER, ra);
	args_everywhere(pa, k, ra, args_a, 3);
	CHECK(tt_cb_create(pa, ra, &cb));
	k = add_kernel(pb, read_kernel, TT_ROLE_READER, rb);
	args_everywhere(pb, k, rb, args_b, 3);
	CHECK(tt_cb_create(pb, rb, &cb));
	CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 0), pa, false));
	CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 1), pb, false));
	CHECK(tt_cq_finish(tt_device_cq(dev, 0)));
	CHECK(tt_cq_finish(tt_device_cq(dev, 1)));
	CHECK(tt_program_stats(pa, &sa));
	CHECK(tt_program_stats(pb, &sb));
	/* eight cores on one bank each: 8 x 48000 bytes at 24 bytes per cycle */
	assert_int_equal(sa.device_cycles, 16000);
	assert_int_equal(sb.device_cycles, 16000);
	assert_int_equal(sa.cores, 8);
	assert_int_equal(sb.cores, 8);
	CHECK(tt_program_core_stats(pa, TT_CORE(2, 0), &cs));
	assert_int_equal(cs.device_cycles, 0);
	CHECK(tt_program_core_stats(pb, TT_CORE(2, 0), &cs));
	assert_int_equal(cs.dram_bytes, 48000);
	tt_program_destroy(pa);
	tt_program_destroy(pb);
	tt_buffer_destroy(buf);
}

static void test_profile_csv(void **state)
{
	char path[] = "/tmp/tt_profile_XXXXXX", text[512] = "";
	struct tt_program *prog;
	struct tt_program_stats st;
	char want[128];
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	CHECK(tt_program_create(dev, &prog));
	add_kernel(prog, "void kernel_main(void) {}", TT_ROLE_READER, TT_CORES(0, 0, 2, 1));
	CHECK_FAILS(tt_program_set_name(prog, "a,b"), -EINVAL, "no comma");
	CHECK(tt_program_set_name(prog, "noop"));
	CHECK_FAILS(tt_program_profile_csv(prog, path), -ENODATA, "not completed");
	CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, true));
	CHECK(tt_program_profile_csv(prog, path));
	CHECK(tt_program_profile_csv(prog, path));
	CHECK(tt_program_stats(prog, &st));
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(text, 1, sizeof(text) - 1, f) > 0);
	fclose(f);
	unlink(path);
	snprintf(want, sizeof(want), "op,cores,device_us,host_us\nnoop,6,%.3f,%.3f\nnoop,6,",
		 st.device_us, st.host_us);
	assert_true(strncmp(text, want, strlen(want)) == 0);
	tt_program_destroy(prog);
}

/* Mistakes in a program are refused when it is built, and what was accepted still runs. */
static void test_bad_program_input(void **state)
{
	struct tt_kernel_config kc = { .role = TT_ROLE_READER };
	struct tt_cb_config cb = { .index = 3, .format = TT_FORMAT_FLOAT32, .page_size = 4096,
				   .num_pages = 2 };
	uint32_t many[TT_MAX_ARGS + 1] = { 0 };
	struct tt_program *prog;
	int k;

	(void)state;
	CHECK(tt_program_create(dev, &prog));
	k = tt_kernel_create_from_string(prog, "void kernel_main(void) {}", TT_CORES(0, 0, 4, 3),
					 &kc);
	CHECK(k);
	/* core ranges */
	CHECK_FAILS(tt_cb_create(prog, TT_CORES(0, 0, 0, test_grid_y(dev)), &cb), -EINVAL,
		    test_grid_text(dev));
	CHECK_FAILS(tt_cb_create(prog, TT_CORES(3, 0, 2, 0), &cb), -EINVAL, "not a range");
	CHECK_FAILS(tt_semaphore_create(prog, TT_CORES(test_grid_x(dev), 0, test_grid_x(dev), 0), 1), -EINVAL,
		    test_grid_text(dev));
	CHECK_FAILS(tt_runtime_args_set(prog, k, TT_CORE(5, 3), many, 1), -EINVAL,
		    "does not run on core (5,3)");
	/* runtime args */
	CHECK_FAILS(tt_runtime_args_set(prog, k, TT_CORE(4, 3), many, TT_MAX_ARGS + 1), -E2BIG,
		    "257 args, at most 256");
	CHECK_FAILS(tt_common_runtime_args_set(prog, k, many, TT_MAX_ARGS + 1), -E2BIG,
		    "at most 256");
	CHECK_FAILS(tt_runtime_args_set(prog, k, TT_CORE(0, 0), NULL, 2), -EINVAL, "NULL");
	/* CB formats and page sizes */
	cb.format = TT_FORMAT_FLOAT16_B;
	cb.page_size = 2047;
	CHECK_FAILS(tt_cb_create(prog, TT_CORES(0, 0, 0, 0), &cb), -EINVAL,
		    "2047 bytes is not a whole number of values");
	cb.format = TT_FORMAT_FLOAT32;
	cb.page_size = 2050;
	CHECK_FAILS(tt_cb_create(prog, TT_CORES(0, 0, 0, 0), &cb), -EINVAL, "(4 bytes");
	cb.format = TT_FORMAT_BFP8_B;
	cb.page_size = 1024;
	CHECK_FAILS(tt_cb_create(prog, TT_CORES(0, 0, 0, 0), &cb), -EINVAL,
		    "not a whole number of Bfp8_b tiles (1088 bytes");
	cb.page_size = 2 * 1088;
	CHECK(tt_cb_create(prog, TT_CORES(0, 0, 0, 0), &cb));
	cb.format = 3;
	cb.index = 4;
	CHECK_FAILS(tt_cb_create(prog, TT_CORES(0, 0, 0, 0), &cb), -EINVAL, "unknown data format 3");
	/* CBs that overflow L1, alone or after the others on the same cores */
	cb.format = TT_FORMAT_FLOAT32;
	cb.page_size = 1u << 20;
	cb.num_pages = 1u << 13;
	CHECK_FAILS(tt_cb_create(prog, TT_CORES(0, 0, 0, 0), &cb), -ENOMEM, "do not fit in L1");
	cb.page_size = 1u << 19;
	cb.num_pages = 2;
	CHECK(tt_cb_create(prog, TT_CORES(0, 0, 1, 0), &cb));
	cb.index = 5;
	CHECK_FAILS(tt_cb_create(prog, TT_CORES(1, 0, 1, 0), &cb), -ENOMEM, "L1 ends at");
	/* the same size elsewhere fits */
	CHECK(tt_cb_create(prog, TT_CORES(2, 0, 2, 0), &cb));
	CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, true));
	tt_program_destroy(prog);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multicast),
		cmocka_unit_test(test_semaphores),
		cmocka_unit_test(test_semaphore_limits),
		cmocka_unit_test(test_multicast_errors),
		cmocka_unit_test(test_device_time),
		cmocka_unit_test(test_device_time_two_queues),
		cmocka_unit_test(test_profile_csv),
		cmocka_unit_test(test_bad_program_input),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
