// SPDX-License-Identifier: MIT
/*
 * Sharded L1 buffers: where each layout puts its pages, host round trips,
 * kernels reading and writing pages through ShardedAddrGen, bad configs.
 */
#include "helpers.h"

#define PAGE 48		/* not a multiple of TT_PAGE_ALIGN: pages are 64 bytes apart */

static struct tt_device *dev;

static int setup(void **state)
{
	(void)state;
	dev = open_device("sim:grid=5x4,dram_banks=4,dram_mib=16");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tt_device_close(dev);
	return 0;
}

static struct tt_buffer *sharded(enum tt_shard_layout layout, struct tt_core_range cores,
				 bool col_major, uint32_t rows, uint32_t cols, uint32_t srows,
				 uint32_t scols)
{
	struct tt_shard_config sc = { .layout = layout, .cores = cores, .col_major = col_major,
				      .rows = rows, .cols = cols, .shard_rows = srows,
				      .shard_cols = scols };
	struct tt_buffer_config bc = { .type = TT_BUFFER_L1_SHARDED, .page_size = PAGE,
				       .size = (uint64_t)rows * cols * PAGE, .shard = &sc };
	struct tt_buffer *b;

	CHECK(tt_buffer_create(dev, &bc, &b));
	return b;
}

/* Page i holds the words i * 1000 + 0 .. 11. */
static uint32_t *pattern(uint32_t pages)
{
	uint32_t *p = malloc((size_t)pages * PAGE), i, j;

	for (i = 0; i < pages; i++)
		for (j = 0; j < PAGE / 4; j++)
			p[i * (PAGE / 4) + j] = i * 1000 + j;
	return p;
}

/*
 * Each core of the grid copies `slots` pages of its own L1 from the
 * buffer's address (64 bytes apart) to DRAM pages (y * 5 + x) * slots + s.
 */
static const char dump_kernel[] =
	"#include <ttuser/kernel/dataflow.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	InterleavedAddrGen out = { .bank_base_address = get_arg_val(0), .page_size = 48,\n"
	"				  .is_dram = true };\n"
	"	uint32_t base = get_arg_val(1), slots = get_arg_val(2), s;\n"
	"	uint32_t core = get_absolute_logical_y() * 5 + get_absolute_logical_x();\n"
	"	for (s = 0; s < slots; s++)\n"
	"		noc_async_write_page(core * slots + s, &out, base + 64 * s);\n"
	"	noc_async_write_barrier();\n"
	"}\n";

/* The first word of slot s on core (x, y): the id of the page there. */
static uint32_t *dump(struct tt_buffer *b, uint32_t slots)
{
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = 20ull * slots * PAGE,
				       .page_size = PAGE };
	struct tt_buffer *out;
	uint32_t *raw = malloc(bc.size), *ids = malloc(20 * slots * 4), i;
	uint32_t args[3];

	CHECK(tt_buffer_create(dev, &bc, &out));
	args[0] = tt_buffer_address(out);
	args[1] = tt_buffer_address(b);
	args[2] = slots;
	CHECK(run_kernel(dev, dump_kernel, TT_ROLE_READER, TT_CORES(0, 0, 4, 3), 0, 0, args, 3));
	CHECK(tt_cq_read_buffer(tt_device_cq(dev, 0), out, raw, true));
	for (i = 0; i < 20 * slots; i++)
		ids[i] = raw[i * (PAGE / 4)] / 1000;
	tt_buffer_destroy(out);
	free(raw);
	return ids;
}

#define AT(ids, x, y, slot, slots)	((ids)[((y) * 5 + (x)) * (slots) + (slot)])

static void write_pattern(struct tt_buffer *b, uint32_t pages)
{
	uint32_t *p = pattern(pages), *back = calloc(pages, PAGE);

	CHECK(tt_cq_write_buffer(tt_device_cq(dev, 0), b, p, true));
	CHECK(tt_cq_read_buffer(tt_device_cq(dev, 0), b, back, true));
	assert_memory_equal(p, back, (size_t)pages * PAGE);
	/* A sharded read has to block: a non-blocking one is refused, and nothing changes. */
	memset(back, 0, (size_t)pages * PAGE);
	assert_int_equal(tt_cq_read_buffer(tt_device_cq(dev, 0), b, back, false), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "sharded"));
	CHECK(tt_cq_finish(tt_device_cq(dev, 0)));
	CHECK(tt_cq_read_buffer(tt_device_cq(dev, 0), b, back, true));
	assert_memory_equal(p, back, (size_t)pages * PAGE);
	free(p);
	free(back);
}

static void test_height(void **state)
{
	struct tt_buffer *b;
	uint32_t *ids;

	(void)state;
	/* 4x2 pages, one row per shard, on (1,0) (2,0) (1,1) (2,1). */
	b = sharded(TT_SHARD_HEIGHT, TT_CORES(1, 0, 2, 1), false, 4, 2, 1, 2);
	write_pattern(b, 8);
	ids = dump(b, 2);
	assert_int_equal(AT(ids, 1, 0, 0, 2), 0);
	assert_int_equal(AT(ids, 1, 0, 1, 2), 1);
	assert_int_equal(AT(ids, 2, 0, 0, 2), 2);
	assert_int_equal(AT(ids, 2, 0, 1, 2), 3);
	assert_int_equal(AT(ids, 1, 1, 0, 2), 4);
	assert_int_equal(AT(ids, 2, 1, 1, 2), 7);
	free(ids);
	tt_buffer_destroy(b);

	/* Column-major: (1,0) (1,1) (2,0) (2,1); two rows per shard, 3 shards, last partial. */
	b = sharded(TT_SHARD_HEIGHT, TT_CORES(1, 0, 2, 1), true, 5, 1, 2, 1);
	write_pattern(b, 5);
	ids = dump(b, 2);
	assert_int_equal(AT(ids, 1, 0, 0, 2), 0);
	assert_int_equal(AT(ids, 1, 0, 1, 2), 1);
	assert_int_equal(AT(ids, 1, 1, 0, 2), 2);
	assert_int_equal(AT(ids, 1, 1, 1, 2), 3);
	assert_int_equal(AT(ids, 2, 0, 0, 2), 4);
	free(ids);
	tt_buffer_destroy(b);
}

static void test_width(void **state)
{
	struct tt_buffer *b;
	uint32_t *ids;

	(void)state;
	/* 2x4 pages, one column per shard, on (0,2) (1,2) (2,2) (3,2). */
	b = sharded(TT_SHARD_WIDTH, TT_CORES(0, 2, 3, 2), false, 2, 4, 2, 1);
	write_pattern(b, 8);
	ids = dump(b, 2);
	assert_int_equal(AT(ids, 0, 2, 0, 2), 0);
	assert_int_equal(AT(ids, 0, 2, 1, 2), 4);
	assert_int_equal(AT(ids, 1, 2, 0, 2), 1);
	assert_int_equal(AT(ids, 1, 2, 1, 2), 5);
	assert_int_equal(AT(ids, 3, 2, 1, 2), 7);
	free(ids);
	tt_buffer_destroy(b);
}

static void test_block(void **state)
{
	struct tt_buffer *b;
	uint32_t *ids;

	(void)state;
	/* 4x4 pages in 2x2 shards: shard (i, j) on core (2 + j, 1 + i). */
	b = sharded(TT_SHARD_BLOCK, TT_CORES(2, 1, 4, 3), false, 4, 4, 2, 2);
	write_pattern(b, 16);
	ids = dump(b, 4);
	assert_int_equal(AT(ids, 2, 1, 0, 4), 0);
	assert_int_equal(AT(ids, 2, 1, 3, 4), 5);
	assert_int_equal(AT(ids, 3, 1, 0, 4), 2);
	assert_int_equal(AT(ids, 2, 2, 1, 4), 9);
	assert_int_equal(AT(ids, 3, 2, 0, 4), 10);
	assert_int_equal(AT(ids, 3, 2, 1, 4), 11);
	assert_int_equal(AT(ids, 3, 2, 2, 4), 14);
	assert_int_equal(AT(ids, 3, 2, 3, 4), 15);
	free(ids);
	tt_buffer_destroy(b);

	/* 3x3 pages in 2x2 shards, column-major: shard (i, j) on core (i, j); edges partial. */
	b = sharded(TT_SHARD_BLOCK, TT_CORES(0, 0, 1, 1), true, 3, 3, 2, 2);
	write_pattern(b, 9);
	ids = dump(b, 4);
	assert_int_equal(AT(ids, 0, 1, 0, 4), 2);	/* shard (0, 1): pages 2, 5 */
	assert_int_equal(AT(ids, 0, 1, 2, 4), 5);
	assert_int_equal(AT(ids, 1, 0, 0, 4), 6);	/* shard (1, 0): pages 6, 7 */
	assert_int_equal(AT(ids, 1, 0, 1, 4), 7);
	assert_int_equal(AT(ids, 1, 1, 0, 4), 8);	/* shard (1, 1): page 8 */
	free(ids);
	tt_buffer_destroy(b);
}

/*
 * A kernel moves every page of a sharded buffer to an interleaved DRAM
 * buffer and back into a second sharded buffer of another layout, through
 * ShardedAddrGen from runtime args and get_noc_addr(id, &gen).
 */
static const char copy_kernel[] =
	"#include <ttuser/kernel/dataflow.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	InterleavedAddrGen mid = { .bank_base_address = get_arg_val(0), .page_size = 48,\n"
	"				  .is_dram = true };\n"
	"	uint32_t n = get_arg_val(1), tmp = get_write_ptr(0), i;\n"
	"	const ShardedAddrGen in = get_shard_spec_arg(2);\n"
	"	const ShardedAddrGen out = get_common_shard_spec_arg(0);\n"
	"	for (i = 0; i < n; i++) {\n"
	"		noc_async_read(get_noc_addr(i, &in), tmp, 48);\n"
	"		noc_async_read_barrier();\n"
	"		noc_async_write_page(i, &mid, tmp);\n"
	"		noc_async_write_barrier();\n"
	"		noc_async_read_page(i, &mid, tmp);\n"
	"		noc_async_read_barrier();\n"
	"		noc_async_write_page(i, &out, tmp);\n"
	"		noc_async_write_barrier();\n"
	"	}\n"
	"}\n";

static void test_kernel_access(void **state)
{
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = 24 * PAGE, .page_size = PAGE };
	struct tt_kernel_config kc = { .role = TT_ROLE_WRITER };
	struct tt_cb_config cb = { .index = 0, .format = TT_FORMAT_FLOAT32, .page_size = PAGE,
				   .num_pages = 1 };
	struct tt_buffer *a = sharded(TT_SHARD_BLOCK, TT_CORES(1, 1, 3, 2), false, 4, 6, 2, 2);
	struct tt_buffer *b = sharded(TT_SHARD_HEIGHT, TT_CORES(0, 0, 4, 3), true, 6, 4, 1, 4);
	struct tt_buffer *mid;
	struct tt_shard_spec sa, sb;
	struct tt_program *prog;
	uint32_t args[2 + TT_SHARD_SPEC_WORDS];
	uint32_t *p = pattern(24), *back = calloc(24, PAGE), i;
	int k;

	(void)state;
	CHECK(tt_buffer_create(dev, &bc, &mid));
	CHECK(tt_buffer_shard_spec(a, &sa));
	CHECK(tt_buffer_shard_spec(b, &sb));
	assert_int_equal(sa.base, tt_buffer_address(a));
	CHECK(tt_cq_write_buffer(tt_device_cq(dev, 0), a, p, false));
	args[0] = tt_buffer_address(mid);
	args[1] = 24;
	memcpy(&args[2], &sa, sizeof(sa));
	CHECK(tt_program_create(dev, &prog));
	k = tt_kernel_create_from_string(prog, copy_kernel, TT_CORES(4, 3, 4, 3), &kc);
	CHECK(k);
	CHECK(tt_cb_create(prog, TT_CORES(4, 3, 4, 3), &cb));
	CHECK(tt_runtime_args_set(prog, k, TT_CORE(4, 3), args, 2 + TT_SHARD_SPEC_WORDS));
	CHECK(tt_common_runtime_args_set(prog, k, (const uint32_t *)&sb, TT_SHARD_SPEC_WORDS));
	CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, true));
	CHECK(tt_cq_read_buffer(tt_device_cq(dev, 0), b, back, true));
	for (i = 0; i < 24; i++)
		assert_int_equal(back[i * (PAGE / 4) + 3], i * 1000 + 3);
	/* The interleaved reads of both kinds work on any buffer. */
	memset(back, 0, 24 * PAGE);
	CHECK(tt_cq_read_buffer(tt_device_cq(dev, 0), mid, back, true));
	assert_memory_equal(p, back, 24 * PAGE);
	tt_program_destroy(prog);
	tt_buffer_destroy(a);
	tt_buffer_destroy(b);
	tt_buffer_destroy(mid);
	free(p);
	free(back);
}

static void test_bad_configs(void **state)
{
	struct tt_shard_config sc = { .layout = TT_SHARD_HEIGHT, .cores = TT_CORES(0, 0, 1, 1),
				      .rows = 8, .cols = 2, .shard_rows = 2, .shard_cols = 2 };
	struct tt_buffer_config bc = { .type = TT_BUFFER_L1_SHARDED, .page_size = PAGE,
				       .size = 16 * PAGE, .shard = &sc };
	struct tt_shard_spec spec;
	struct tt_buffer *b = NULL;

	(void)state;
	CHECK(tt_buffer_create(dev, &bc, &b));
	tt_buffer_destroy(b);
	sc.shard_cols = 1;
	CHECK_FAILS(tt_buffer_create(dev, &bc, &b), -EINVAL, "a shard spans all columns");
	sc.shard_cols = 2;
	sc.shard_rows = 1;
	CHECK_FAILS(tt_buffer_create(dev, &bc, &b), -EINVAL, "8 shards, but cores (0,0)-(1,1) are 4");
	sc.shard_rows = 2;
	sc.cores = TT_CORES(0, 0, test_grid_x(dev), 0);
	CHECK_FAILS(tt_buffer_create(dev, &bc, &b), -EINVAL, test_grid_text(dev));
	sc.cores = TT_CORES(0, 0, 1, 1);
	sc.rows = 9;
	CHECK_FAILS(tt_buffer_create(dev, &bc, &b), -EINVAL, "9x2 pages, but the size holds 16");
	sc.rows = 8;
	sc.layout = TT_SHARD_BLOCK;
	sc.shard_cols = 1;
	sc.cores = TT_CORES(0, 0, 3, 1);
	CHECK_FAILS(tt_buffer_create(dev, &bc, &b), -EINVAL, "4x2 shards do not fit");
	sc.layout = 7;
	CHECK_FAILS(tt_buffer_create(dev, &bc, &b), -EINVAL, "unknown shard layout");
	sc.layout = TT_SHARD_HEIGHT;
	sc.shard_rows = 0;
	CHECK_FAILS(tt_buffer_create(dev, &bc, &b), -EINVAL, "do not fit a matrix");
	bc.type = TT_BUFFER_L1;
	CHECK_FAILS(tt_buffer_create(dev, &bc, &b), -EINVAL, "only with it");
	bc.shard = NULL;
	bc.type = TT_BUFFER_L1_SHARDED;
	CHECK_FAILS(tt_buffer_create(dev, &bc, &b), -EINVAL, "shard config");
	bc.type = TT_BUFFER_L1;
	CHECK(tt_buffer_create(dev, &bc, &b));
	CHECK_FAILS(tt_buffer_shard_spec(b, &spec), -EINVAL, "not sharded");
	tt_buffer_destroy(b);
}

/*
 * A CB that lives in a sharded buffer: what each core's kernel pushes is
 * that core's shard. Core (x, y) fills its two pages with 100 * (y * 5 + x) + page.
 */
static const char fill_kernel[] =
	"#include <ttuser/kernel/dataflow.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	uint32_t core = get_absolute_logical_y() * 5 + get_absolute_logical_x(), i, j;\n"
	"	volatile uint32_t *w;\n"
	"	cb_reserve_back(1, 2);\n"
	"	w = (volatile uint32_t *)get_write_ptr(1);\n"
	"	for (i = 0; i < 2; i++)\n"
	"		for (j = 0; j < 16; j++)\n"
	"			w[i * 16 + j] = 100 * core + i;\n"
	"	cb_push_back(1, 2);\n"
	"}\n";

static void test_cb_in_buffer(void **state)
{
	struct tt_buffer *b = sharded(TT_SHARD_HEIGHT, TT_CORES(1, 1, 2, 2), false, 8, 1, 2, 1);
	struct tt_buffer_config dc = { .type = TT_BUFFER_DRAM, .size = 4096, .page_size = 64 };
	struct tt_kernel_config kc = { .role = TT_ROLE_READER };
	struct tt_cb_config cb = { .index = 1, .format = TT_FORMAT_FLOAT32, .page_size = 64,
				   .num_pages = 2, .buffer = b };
	struct tt_cb_config plain = { .index = 2, .format = TT_FORMAT_FLOAT32, .page_size = 64,
				      .num_pages = 4 };
	struct tt_buffer *dram;
	struct tt_program *prog;
	uint32_t back[8 * PAGE / 4], i;
	static const uint32_t cores[4] = { 6, 7, 11, 12 };	/* (1,1) (2,1) (1,2) (2,2) */

	(void)state;
	CHECK(tt_buffer_create(dev, &dc, &dram));
	CHECK(tt_program_create(dev, &prog));
	CHECK(tt_kernel_create_from_string(prog, fill_kernel, TT_CORES(1, 1, 2, 2), &kc));
	/* a CB of 64-byte pages in 48-byte pages 64 bytes apart: 2 x 64 fits the 2 slots */
	cb.num_pages = 3;
	CHECK_FAILS(tt_cb_create(prog, TT_CORES(1, 1, 2, 2), &cb), -EINVAL,
		    "3 pages of 64 bytes do not fit in the buffer's 128 bytes per core");
	cb.num_pages = 2;
	CHECK_FAILS(tt_cb_create(prog, TT_CORES(1, 1, 3, 2), &cb), -EINVAL,
		    "not all among the buffer's cores (1,1)-(2,2)");
	cb.buffer = dram;
	CHECK_FAILS(tt_cb_create(prog, TT_CORES(1, 1, 2, 2), &cb), -EINVAL, "not in DRAM");
	cb.buffer = b;
	CHECK(tt_cb_create(prog, TT_CORES(1, 1, 2, 2), &cb));
	cb.index = 3;
	CHECK_FAILS(tt_cb_create(prog, TT_CORES(1, 1, 1, 1), &cb), -EEXIST,
		    "already lives in that buffer");
	CHECK(tt_cb_create(prog, TT_CORES(1, 1, 2, 2), &plain));
	CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, true));
	/* The shard holds 48-byte pages: page 2k + i is core k's CB page i, first 48 bytes. */
	CHECK(tt_cq_read_buffer(tt_device_cq(dev, 0), b, back, true));
	for (i = 0; i < 8; i++)
		assert_int_equal(back[i * (PAGE / 4)], 100 * cores[i / 2] + i % 2);
	tt_program_destroy(prog);
	tt_buffer_destroy(b);
	tt_buffer_destroy(dram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_height),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_kernel_access),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_cb_in_buffer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
