// SPDX-License-Identifier: MIT
/*
 * The chip path against the model, same run: Wormhole under ttsim in this
 * process next to the in-process model.
 *   - host time of one non-blocking enqueue of a one-core program and of
 *     one trace replay of it (the device's work is waited for between
 *     batches and not counted);
 *   - host to device write throughput into an interleaved DRAM buffer;
 *   - wall time of one data-movement program (64 tiles DRAM -> CB -> DRAM
 *     on 4 cores), a figure for the simulator's speed: ttsim models no
 *     timing, so its device time says nothing about a card's.
 * Without the ttsim library (make ttsim) it says so and prints nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define BATCH		32
#define ROUNDS		5
#define TILES		64
#define TILE_BYTES	2048u
#define H2D_BYTES	(16u << 20)

struct figures {
	double enqueue_us, replay_us, h2d_gb_s, program_ms;
};

static const char copy_kernel[] =
	"#include <ttuser/kernel/dataflow.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	InterleavedAddrGen src = { .bank_base_address = get_arg_val(0), .page_size = 2048,\n"
	"				  .is_dram = true };\n"
	"	InterleavedAddrGen dst = { .bank_base_address = get_arg_val(1), .page_size = 2048,\n"
	"				  .is_dram = true };\n"
	"	uint32_t first = get_arg_val(2), n = get_arg_val(3), i;\n"
	"\n"
	"	for (i = first; i < first + n; i++) {\n"
	"		cb_reserve_back(0, 1);\n"
	"		noc_async_read_page(i, &src, get_write_ptr(0));\n"
	"		noc_async_read_barrier();\n"
	"		noc_async_write_page(i, &dst, get_write_ptr(0));\n"
	"		noc_async_write_barrier();\n"
	"		cb_push_back(0, 1);\n"
	"		cb_wait_front(0, 1);\n"
	"		cb_pop_front(0, 1);\n"
	"	}\n"
	"}\n";

static struct tt_buffer *dram(struct tt_device *dev, uint64_t size, uint32_t page)
{
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = size, .page_size = page };
	struct tt_buffer *b;

	MUST(tt_buffer_create(dev, &bc, &b));
	return b;
}

/* Tiles [first, first + n) copied by the writer of each core of (0,0)-(ncores-1,0). */
static struct tt_program *copy_program(struct tt_device *dev, struct tt_buffer *src,
				       struct tt_buffer *dst, unsigned ncores)
{
	struct tt_core_range r = TT_CORES(0, 0, ncores - 1, 0);
	struct tt_cb_config cb = { .index = 0, .format = TT_FORMAT_FLOAT16_B,
				   .page_size = TILE_BYTES, .num_pages = 2 };
	struct tt_program *prog;
	unsigned x;
	int k;

	MUST(tt_program_create(dev, &prog));
	MUST(tt_cb_create(prog, r, &cb));
	MUST(k = tt_kernel_create_from_string(prog, copy_kernel, r,
					      &(struct tt_kernel_config){ .role = TT_ROLE_WRITER }));
	for (x = 0; x < ncores; x++) {
		uint32_t args[4] = { tt_buffer_address(src), tt_buffer_address(dst),
				     x * (TILES / ncores), TILES / ncores };

		MUST(tt_runtime_args_set(prog, k, TT_CORE(x, 0), args, 4));
	}
	return prog;
}

static double per_call_us(struct tt_cq *cq, struct tt_program *prog, int64_t trace)
{
	double best = 1e9;
	int r, i;

	for (r = 0; r < ROUNDS; r++) {
		double t0 = now_s(), t;

		for (i = 0; i < BATCH; i++) {
			if (trace < 0)
				MUST(tt_cq_enqueue_program(cq, prog, false));
			else
				MUST(tt_cq_replay_trace(cq, (uint32_t)trace, false));
		}
		t = (now_s() - t0) / BATCH * 1e6;
		MUST(tt_cq_finish(cq));
		if (t < best)
			best = t;
	}
	return best;
}

static int measure(const char *spec, struct figures *f)
{
	struct tt_device *dev;
	struct tt_buffer *src, *dst, *big;
	struct tt_program *one, *copy;
	struct tt_cq *cq;
	uint8_t *data, *back;
	double t0, best = 1e9;
	int trace, r;

	if (tt_device_open(spec, &dev)) {
		fprintf(stderr, "bench_chip: %s: %s\n", spec, tt_last_error());
		return -1;
	}
	cq = tt_device_cq(dev, 0);
	src = dram(dev, TILES * TILE_BYTES, TILE_BYTES);
	dst = dram(dev, TILES * TILE_BYTES, TILE_BYTES);
	data = malloc(H2D_BYTES);
	back = malloc(TILES * TILE_BYTES);
	if (!data || !back)
		exit(1);
	for (r = 0; r < (int)H2D_BYTES; r++)
		data[r] = (uint8_t)(r * 131 + 7);

	/* dispatch: a one-core program, and a trace of it */
	one = copy_program(dev, src, dst, 1);
	MUST(tt_cq_write_buffer(cq, src, data, true));
	f->enqueue_us = per_call_us(cq, one, -1);
	MUST(trace = tt_cq_begin_trace_capture(cq));
	MUST(tt_cq_enqueue_program(cq, one, false));
	MUST(tt_cq_end_trace_capture(cq, (uint32_t)trace));
	f->replay_us = per_call_us(cq, one, trace);

	/* host -> device */
	big = dram(dev, H2D_BYTES, 4096);
	for (r = 0; r < ROUNDS; r++) {
		double t;

		t0 = now_s();
		MUST(tt_cq_write_buffer(cq, big, data, true));
		t = now_s() - t0;
		if (t < best)
			best = t;
	}
	f->h2d_gb_s = H2D_BYTES / best / 1e9;

	/* one data-movement program, checked */
	copy = copy_program(dev, src, dst, 4);
	t0 = now_s();
	MUST(tt_cq_enqueue_program(cq, copy, true));
	f->program_ms = (now_s() - t0) * 1e3;
	MUST(tt_cq_read_buffer(cq, dst, back, true));
	if (memcmp(back, data, TILES * TILE_BYTES)) {
		fprintf(stderr, "bench_chip: %s copied the tiles wrong\n", spec);
		exit(1);
	}
	tt_program_destroy(copy);
	tt_program_destroy(one);
	tt_buffer_destroy(big);
	tt_buffer_destroy(src);
	tt_buffer_destroy(dst);
	free(data);
	free(back);
	tt_device_close(dev);
	return 0;
}

int main(void)
{
	struct figures chip, model;

	if (measure("ttsim:wh", &chip)) {
		printf("{\"bench\":\"chip\",\"skipped\":\"no ttsim library (make ttsim)\"}\n");
		return 0;
	}
	if (measure("sim", &model))
		return 1;
	printf("{\"bench\":\"chip_dispatch\",\"device\":\"ttsim:wh\",\"program\":\"1 writer kernel, "
	       "1 core\",\"enqueue_program_us\":%.2f,\"trace_replay_us\":%.2f,"
	       "\"model_enqueue_program_us\":%.2f,\"model_trace_replay_us\":%.2f}\n",
	       chip.enqueue_us, chip.replay_us, model.enqueue_us, model.replay_us);
	printf("{\"bench\":\"chip_h2d_write\",\"device\":\"ttsim:wh\",\"bytes\":%u,\"gb_per_s\":%.3f,"
	       "\"model_gb_per_s\":%.3f,\"of_model\":%.3f}\n", H2D_BYTES, chip.h2d_gb_s,
	       model.h2d_gb_s, chip.h2d_gb_s / model.h2d_gb_s);
	printf("{\"bench\":\"chip_program_wall\",\"device\":\"ttsim:wh\",\"program\":\"64 tiles "
	       "DRAM->CB->DRAM on 4 cores\",\"wall_ms\":%.2f,\"model_wall_ms\":%.2f,"
	       "\"ttsim_over_model\":%.1f}\n", chip.program_ms, model.program_ms,
	       chip.program_ms / model.program_ms);
	return 0;
}
