/* SPDX-License-Identifier: MIT */
/*
 * What the tile-op tests share: run a compute kernel on core (0,0) with
 * whole inputs in CBs 0.. and the output from CB 16, and compare against
 * float64 references with stated tolerances.
 */
#ifndef TESTS_TILE_HARNESS_H
#define TESTS_TILE_HARNESS_H

#include <math.h>

#include "helpers.h"

#define OUT_CB 16

/*
 * The device of a tile test, opened once for its group: TILE_FIXTURE(spec)
 * defines dev, setup and teardown (the QEMU harness finds the spec here).
 */
#define TILE_FIXTURE(spec)						\
	static struct tt_device *dev;					\
	static int setup(void **state)					\
	{								\
		(void)state;						\
		dev = open_device(spec);				\
		return 0;						\
	}								\
	static int teardown(void **state)				\
	{								\
		(void)state;						\
		tt_device_close(dev);					\
		return 0;						\
	}

/* A tilized operand: ntiles tiles in fmt at data. */
struct tile_io {
	enum tt_format fmt;
	uint32_t ntiles;
	void *data;
};

/* Each input i goes whole into CB i: reserve all, read every page, push. */
static const char tile_reader[] =
	"#include <ttuser/kernel/dataflow.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	uint32_t nin = get_arg_val(0);\n"
	"	for (uint32_t i = 0; i < nin; i++) {\n"
	"		uint32_t n = get_arg_val(2 + 3 * i), page = get_arg_val(3 + 3 * i);\n"
	"		InterleavedAddrGen g = { .bank_base_address = get_arg_val(1 + 3 * i),\n"
	"					.page_size = page, .is_dram = true };\n"
	"		cb_reserve_back(i, n);\n"
	"		uint32_t w = get_write_ptr(i);\n"
	"		for (uint32_t t = 0; t < n; t++)\n"
	"			noc_async_read_page(t, &g, w + t * page);\n"
	"		noc_async_read_barrier();\n"
	"		cb_push_back(i, n);\n"
	"	}\n"
	"}\n";

static const char tile_writer[] =
	"#include <ttuser/kernel/dataflow.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	uint32_t n = get_arg_val(1), page = get_arg_val(2);\n"
	"	InterleavedAddrGen g = { .bank_base_address = get_arg_val(0), .page_size = page,\n"
	"				.is_dram = true };\n"
	"	cb_wait_front(16, n);\n"
	"	uint32_t r = get_read_ptr(16);\n"
	"	for (uint32_t t = 0; t < n; t++)\n"
	"		noc_async_write_page(t, &g, r + t * page);\n"
	"	noc_async_write_barrier();\n"
	"	cb_pop_front(16, n);\n"
	"}\n";

/* The figures of the last successful run_tiles. */
static struct tt_program_stats tile_stats;

/*
 * Run `compute` (with cfg's fidelity, DST mode and defines) on core (0,0):
 * in[i] into CB i, out from CB 16. Returns the enqueue's result; the
 * output is read back only on success.
 */
static inline int run_tiles(struct tt_device *dev, const char *compute,
			    const struct tt_kernel_config *cfg, const struct tile_io *in,
			    unsigned nin, struct tile_io *out)
{
	struct tt_kernel_config rc = { .role = TT_ROLE_READER }, wc = { .role = TT_ROLE_WRITER };
	struct tt_kernel_config cc = *cfg;
	struct tt_buffer *ibuf[8], *obuf;
	struct tt_program *prog;
	uint32_t rargs[1 + 3 * 8], wargs[3];
	struct tt_cq *cq = tt_device_cq(dev, 0);
	unsigned i;
	int r, w, c, ret;

	assert_true(nin <= 8);
	cc.role = TT_ROLE_COMPUTE;
	CHECK(tt_program_create(dev, &prog));
	rargs[0] = nin;
	for (i = 0; i < nin; i++) {
		uint32_t page = (uint32_t)tt_tile_size(in[i].fmt);
		struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM,
					       .size = (uint64_t)page * in[i].ntiles,
					       .page_size = page };
		struct tt_cb_config cb = { .index = i, .format = in[i].fmt, .page_size = page,
					   .num_pages = in[i].ntiles };

		CHECK(tt_buffer_create(dev, &bc, &ibuf[i]));
		CHECK(tt_cq_write_buffer(cq, ibuf[i], in[i].data, true));
		CHECK(tt_cb_create(prog, TT_CORES(0, 0, 0, 0), &cb));
		rargs[1 + 3 * i] = tt_buffer_address(ibuf[i]);
		rargs[2 + 3 * i] = in[i].ntiles;
		rargs[3 + 3 * i] = page;
	}
	{
		uint32_t page = (uint32_t)tt_tile_size(out->fmt);
		struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM,
					       .size = (uint64_t)page * out->ntiles,
					       .page_size = page };
		struct tt_cb_config cb = { .index = OUT_CB, .format = out->fmt, .page_size = page,
					   .num_pages = out->ntiles };

		CHECK(tt_buffer_create(dev, &bc, &obuf));
		CHECK(tt_cb_create(prog, TT_CORES(0, 0, 0, 0), &cb));
		wargs[0] = tt_buffer_address(obuf);
		wargs[1] = out->ntiles;
		wargs[2] = page;
	}
	r = tt_kernel_create_from_string(prog, tile_reader, TT_CORES(0, 0, 0, 0), &rc);
	w = tt_kernel_create_from_string(prog, tile_writer, TT_CORES(0, 0, 0, 0), &wc);
	c = tt_kernel_create_from_string(prog, compute, TT_CORES(0, 0, 0, 0), &cc);
	if (c < 0)
		fail_msg("compute kernel: %s", tt_last_error());
	CHECK(r);
	CHECK(w);
	CHECK(tt_runtime_args_set(prog, r, TT_CORE(0, 0), rargs, 1 + 3 * nin));
	CHECK(tt_runtime_args_set(prog, w, TT_CORE(0, 0), wargs, 3));
	ret = tt_cq_enqueue_program(cq, prog, true);
	if (!ret) {
		CHECK(tt_cq_read_buffer(cq, obuf, out->data, true));
		CHECK(tt_program_stats(prog, &tile_stats));
	}
	tt_program_destroy(prog);
	for (i = 0; i < nin; i++)
		tt_buffer_destroy(ibuf[i]);
	tt_buffer_destroy(obuf);
	return ret;
}

/* ---- data ------------------------------------------------------------ */
/* Uniform in [lo, hi), from a seed. */
static inline void random_floats(float *x, size_t n, float lo, float hi, uint32_t *seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = lo + (hi - lo) * (float)(xorshift(seed) >> 8) * 0x1p-24f;
}

/* A row-major matrix as tiles in fmt (malloc'd), and its values as the tiles hold them. */
static inline void *to_tiles(const float *x, uint32_t rows, uint32_t cols, enum tt_format fmt,
			     float *held)
{
	size_t size = tt_tilized_size(rows, cols, fmt);
	void *t = malloc(size);

	assert_non_null(t);
	CHECK(tt_tilize(x, TT_FORMAT_FLOAT32, rows, cols, t, fmt));
	if (held)
		CHECK(tt_untilize(t, fmt, rows, cols, held, TT_FORMAT_FLOAT32));
	return t;
}

/*
 * |got - want| <= tol for every element, or fail naming the first that is
 * not; tol[i] per element. Returns the largest error.
 */
static inline double check_close(const char *what, const float *got, const double *want,
				 const double *tol, size_t n)
{
	double worst = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double e = fabs((double)got[i] - want[i]);

		if (!(e <= tol[i]))
			fail_msg("%s: element %zu is %.9g, expected %.9g (error %.3g > %.3g)", what,
				 i, (double)got[i], want[i], e, tol[i]);
		worst = e > worst ? e : worst;
	}
	return worst;
}

#endif
