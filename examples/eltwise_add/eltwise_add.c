// SPDX-License-Identifier: MIT
/*
 * eltwise_add: c = a + b for two N x N bf16 matrices, on every core of the
 * device. The matrices are tilized into interleaved DRAM buffers (one
 * Float16_b tile per page); each core adds its own run of tiles.
 *
 *	eltwise_add [-n N] [device]	N: a multiple of 32 (default 2048)
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <ttuser.h>

#define TILE_BYTES	(TT_TILE_HW * sizeof(uint16_t))

static int check(int ret, const char *what)
{
	if (ret < 0) {
		fprintf(stderr, "eltwise_add: %s: %s\n", what, tt_last_error());
		exit(2);
	}
	return ret;
}

/* Deterministic values in [-16, 16), rounded to bf16. */
static uint16_t random_bf16(void)
{
	static uint32_t s = 2463534242u;

	s ^= s << 13;
	s ^= s >> 17;
	s ^= s << 5;
	return tt_float_to_bf16((float)(int32_t)s * 0x1p-27f);
}

static void *alloc(size_t size)
{
	void *p = malloc(size);

	if (!p) {
		fprintf(stderr, "eltwise_add: out of memory\n");
		exit(2);
	}
	return p;
}

static struct tt_buffer *dram_buffer(struct tt_device *dev, uint32_t ntiles)
{
	struct tt_buffer_config cfg = {
		.type = TT_BUFFER_DRAM,
		.size = (uint64_t)ntiles * TILE_BYTES,
		.page_size = TILE_BYTES,
	};
	struct tt_buffer *buf;

	check(tt_buffer_create(dev, &cfg, &buf), "create buffer");
	return buf;
}

/* Two tiles per CB: one is filled while the other is worked on. */
static void add_cb(struct tt_program *prog, struct tt_core_range cores, uint32_t index)
{
	struct tt_cb_config cfg = {
		.index = index,
		.format = TT_FORMAT_FLOAT16_B,
		.page_size = TILE_BYTES,
		.num_pages = 2,
	};

	check(tt_cb_create(prog, cores, &cfg), "create CB");
}

int main(int argc, char **argv)
{
	uint32_t n = 2048, ntiles, ncores, x, y, start = 0;
	size_t i, count, bad = 0;
	struct tt_device *dev;
	struct tt_device_info info;
	struct tt_buffer *buf_a, *buf_b, *buf_c;
	struct tt_program *prog;
	struct tt_program_stats stats;
	struct tt_core_range all;
	struct tt_cq *cq;
	uint16_t *a, *b, *c;
	void *tiles;
	int opt, reader, compute, writer;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n')
			goto usage;
		n = (uint32_t)strtoul(optarg, NULL, 0);
	}
	if (n == 0 || n % 32 || optind < argc - 1)
		goto usage;

	count = (size_t)n * n;
	ntiles = (uint32_t)(count / TT_TILE_HW);
	a = alloc(count * sizeof(*a));
	b = alloc(count * sizeof(*b));
	c = alloc(count * sizeof(*c));
	tiles = alloc(tt_tilized_size(n, n, TT_FORMAT_FLOAT16_B));
	for (i = 0; i < count; i++) {
		a[i] = random_bf16();
		b[i] = random_bf16();
	}

	check(tt_device_open(optind < argc ? argv[optind] : NULL, &dev), "open device");
	check(tt_device_info(dev, &info), "device info");
	cq = tt_device_cq(dev, 0);
	ncores = info.grid_x * info.grid_y;
	all = TT_CORES(0, 0, info.grid_x - 1, info.grid_y - 1);

	buf_a = dram_buffer(dev, ntiles);
	buf_b = dram_buffer(dev, ntiles);
	buf_c = dram_buffer(dev, ntiles);
	check(tt_tilize(a, TT_FORMAT_FLOAT16_B, n, n, tiles, TT_FORMAT_FLOAT16_B), "tilize a");
	check(tt_cq_write_buffer(cq, buf_a, tiles, false), "write a");
	check(tt_tilize(b, TT_FORMAT_FLOAT16_B, n, n, tiles, TT_FORMAT_FLOAT16_B), "tilize b");
	check(tt_cq_write_buffer(cq, buf_b, tiles, false), "write b");

	check(tt_program_create(dev, &prog), "create program");
	add_cb(prog, all, 0);		/* a */
	add_cb(prog, all, 1);		/* b */
	add_cb(prog, all, 16);		/* c */
	reader = check(tt_kernel_create(prog, EXAMPLES_DIR "/eltwise_add/reader.c", all,
		&(struct tt_kernel_config){ .role = TT_ROLE_READER }), "reader kernel");
	compute = check(tt_kernel_create(prog, EXAMPLES_DIR "/eltwise_add/compute.c", all,
		&(struct tt_kernel_config){ .role = TT_ROLE_COMPUTE }), "compute kernel");
	writer = check(tt_kernel_create(prog, EXAMPLES_DIR "/eltwise_add/writer.c", all,
		&(struct tt_kernel_config){ .role = TT_ROLE_WRITER }), "writer kernel");

	/* Core k gets tiles [start, start + num): as even a split as there is. */
	for (y = 0; y < info.grid_y; y++) {
		for (x = 0; x < info.grid_x; x++) {
			uint32_t k = y * info.grid_x + x;
			uint32_t num = ntiles / ncores + (k < ntiles % ncores);
			struct tt_core core = TT_CORE(x, y);

			check(tt_runtime_args_set(prog, reader, core, (uint32_t[]){
				tt_buffer_address(buf_a), tt_buffer_address(buf_b), start, num,
			}, 4), "reader args");
			check(tt_runtime_args_set(prog, compute, core, &num, 1), "compute args");
			check(tt_runtime_args_set(prog, writer, core, (uint32_t[]){
				tt_buffer_address(buf_c), start, num,
			}, 3), "writer args");
			start += num;
		}
	}

	check(tt_cq_enqueue_program(cq, prog, false), "enqueue program");
	check(tt_cq_read_buffer(cq, buf_c, tiles, false), "read c");
	check(tt_cq_finish(cq), "run");
	check(tt_program_stats(prog, &stats), "program stats");
	check(tt_untilize(tiles, TT_FORMAT_FLOAT16_B, n, n, c, TT_FORMAT_FLOAT16_B), "untilize c");

	/* In 16-bit mode DST holds bf16: each sum is the float sum rounded to bf16. */
	for (i = 0; i < count; i++) {
		uint16_t want = tt_float_to_bf16(tt_bf16_to_float(a[i]) + tt_bf16_to_float(b[i]));

		if (c[i] != want && bad++ < 8)
			fprintf(stderr, "eltwise_add: [%zu][%zu] %g + %g = %g, got %g\n",
				i / n, i % n, tt_bf16_to_float(a[i]), tt_bf16_to_float(b[i]),
				tt_bf16_to_float(want), tt_bf16_to_float(c[i]));
	}

	tt_program_destroy(prog);
	tt_buffer_destroy(buf_c);
	tt_buffer_destroy(buf_b);
	tt_buffer_destroy(buf_a);
	tt_device_close(dev);
	free(tiles);
	free(c);
	free(b);
	free(a);

	if (bad) {
		fprintf(stderr, "eltwise_add: %zu of %zu values wrong\n", bad, count);
		return 1;
	}
	printf("eltwise_add: %zu values match on %" PRIu32 " cores\n", count, ncores);
	printf("eltwise_add: %" PRIu64 " device cycles, %" PRIu64 " instructions, %.0f us host time\n",
	       stats.device_cycles, stats.instructions, stats.host_us);
	return 0;

usage:
	fprintf(stderr, "usage: %s [-n N] [device]   (N a multiple of 32)\n", argv[0]);
	return 2;
}
