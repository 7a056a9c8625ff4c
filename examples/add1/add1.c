// SPDX-License-Identifier: MIT
/*
 * add1: the smallest complete program. One 32x32 Float32 tile goes from
 * DRAM through a reader, a compute and a writer kernel on core (0,0) and
 * back to DRAM; the compute kernel adds 1.0f to every value.
 *
 *	add1 [device]		device: "sim", "sim:grid=2x2", ... (default $TT_DEVICE)
 */
#include <stdio.h>
#include <stdlib.h>

#include <ttuser.h>

#define TILE_BYTES	(TT_TILE_HW * sizeof(float))

/* Exit with status 2 if a library call failed; pass its result on otherwise. */
static int check(int ret, const char *what)
{
	if (ret < 0) {
		fprintf(stderr, "add1: %s: %s\n", what, tt_last_error());
		exit(2);
	}
	return ret;
}

int main(int argc, char **argv)
{
	static float x[TT_TILE_HW], y[TT_TILE_HW], tile[TT_TILE_HW];
	struct tt_buffer_config bcfg = {
		.type = TT_BUFFER_DRAM, .size = TILE_BYTES, .page_size = TILE_BYTES,
	};
	struct tt_core_range core = TT_CORES(0, 0, 0, 0);
	struct tt_device *dev;
	struct tt_buffer *in, *out;
	struct tt_program *prog;
	struct tt_cq *cq;
	int reader, writer;
	unsigned i, bad = 0;

	/* Fractions, negatives and large magnitudes, where + 1.0f rounds. */
	for (i = 0; i < TT_TILE_HW; i++) {
		x[i] = ((float)(i % 97) - 48.0f) * 0.3125f + (float)(i % 13) * 0.001f;
		if (i % 10 == 3)
			x[i] *= 65536.0f;
		if (i % 50 == 7)
			x[i] = ((i & 1) ? 3.0e9f : -7.5e12f) + (float)i;
	}

	check(tt_device_open(argc > 1 ? argv[1] : NULL, &dev), "open device");
	cq = tt_device_cq(dev, 0);
	check(tt_buffer_create(dev, &bcfg, &in), "input buffer");
	check(tt_buffer_create(dev, &bcfg, &out), "output buffer");

	check(tt_tilize(x, TT_FORMAT_FLOAT32, 32, 32, tile, TT_FORMAT_FLOAT32), "tilize");
	check(tt_cq_write_buffer(cq, in, tile, true), "write input");

	check(tt_program_create(dev, &prog), "create program");
	check(tt_cb_create(prog, core, &(struct tt_cb_config){
		.index = 0, .format = TT_FORMAT_FLOAT32, .page_size = TILE_BYTES, .num_pages = 1,
	}), "CB c_0");
	check(tt_cb_create(prog, core, &(struct tt_cb_config){
		.index = 16, .format = TT_FORMAT_FLOAT32, .page_size = TILE_BYTES, .num_pages = 1,
	}), "CB c_16");

	reader = check(tt_kernel_create(prog, EXAMPLES_DIR "/add1/reader.c", core,
		&(struct tt_kernel_config){ .role = TT_ROLE_READER }), "reader kernel");
	check(tt_kernel_create(prog, EXAMPLES_DIR "/add1/compute.c", core,
		&(struct tt_kernel_config){ .role = TT_ROLE_COMPUTE, .fp32_dest_acc = true }),
		"compute kernel");
	writer = check(tt_kernel_create(prog, EXAMPLES_DIR "/add1/writer.c", core,
		&(struct tt_kernel_config){ .role = TT_ROLE_WRITER }), "writer kernel");

	check(tt_runtime_args_set(prog, reader, TT_CORE(0, 0),
				  (uint32_t[]){ tt_buffer_address(in) }, 1), "reader args");
	check(tt_runtime_args_set(prog, writer, TT_CORE(0, 0),
				  (uint32_t[]){ tt_buffer_address(out) }, 1), "writer args");

	check(tt_cq_enqueue_program(cq, prog, true), "run program");
	check(tt_cq_read_buffer(cq, out, tile, true), "read output");
	check(tt_untilize(tile, TT_FORMAT_FLOAT32, 32, 32, y, TT_FORMAT_FLOAT32), "untilize");

	for (i = 0; i < TT_TILE_HW; i++) {
		if (y[i] != x[i] + 1.0f && bad++ < 8)
			fprintf(stderr, "add1: [%u] %.9g + 1 = %.9g, got %.9g\n",
				i, x[i], x[i] + 1.0f, y[i]);
	}

	tt_program_destroy(prog);
	tt_buffer_destroy(out);
	tt_buffer_destroy(in);
	tt_device_close(dev);

	if (bad) {
		fprintf(stderr, "add1: %u of %u values wrong\n", bad, TT_TILE_HW);
		return 1;
	}
	printf("add1: %u values match\n", TT_TILE_HW);
	return 0;
}
