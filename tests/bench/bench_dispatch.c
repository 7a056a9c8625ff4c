// SPDX-License-Identifier: MIT
/*
 * Host time of dispatch: one non-blocking tt_cq_enqueue_program call, one
 * non-blocking tt_cq_replay_trace call (of a trace of the same program
 * captured once, and captured 8 times), next to a blocking nop round trip,
 * all in the same run. The program is examples/add1 (three kernels, one
 * core). Times are the mean per call of the best of several batches; the
 * device's work is waited for between batches and not counted. Then a
 * model of two such programs through the two-queue traced pipeline
 * against one input at a time.
 */
#include <stdint.h>
#include <string.h>

#include "bench.h"

#define BATCH	64
#define ROUNDS	7
#define ADD1	TESTS_DIR "/../examples/add1/"

static struct tt_program *add1(struct tt_device *dev, struct tt_buffer *in, struct tt_buffer *out,
			       struct tt_core core)
{
	struct tt_core_range r = { core, core };
	struct tt_cb_config cb = { .index = 0, .format = TT_FORMAT_FLOAT32,
				   .page_size = TT_TILE_HW * 4, .num_pages = 1 };
	struct tt_program *prog;
	uint32_t a;
	int k;

	MUST(tt_program_create(dev, &prog));
	MUST(tt_cb_create(prog, r, &cb));
	cb.index = 16;
	MUST(tt_cb_create(prog, r, &cb));
	MUST(k = tt_kernel_create(prog, ADD1 "reader.c", r,
				  &(struct tt_kernel_config){ .role = TT_ROLE_READER }));
	a = tt_buffer_address(in);
	MUST(tt_runtime_args_set(prog, k, core, &a, 1));
	MUST(tt_kernel_create(prog, ADD1 "compute.c", r,
			      &(struct tt_kernel_config){ .role = TT_ROLE_COMPUTE,
							  .fp32_dest_acc = true }));
	MUST(k = tt_kernel_create(prog, ADD1 "writer.c", r,
				  &(struct tt_kernel_config){ .role = TT_ROLE_WRITER }));
	a = tt_buffer_address(out);
	MUST(tt_runtime_args_set(prog, k, core, &a, 1));
	return prog;
}

static uint32_t capture(struct tt_cq *cq, struct tt_program *prog, unsigned copies)
{
	int id = tt_cq_begin_trace_capture(cq);
	unsigned i;

	MUST(id);
	for (i = 0; i < copies; i++)
		MUST(tt_cq_enqueue_program(cq, prog, false));
	MUST(tt_cq_end_trace_capture(cq, (uint32_t)id));
	return (uint32_t)id;
}

/* Best mean host time of one call, in us: enqueue (trace < 0) or replay of trace. */
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

static double nop_us(struct tt_cq *cq)
{
	double best = 1e9;
	int r, i;

	for (r = 0; r < ROUNDS; r++) {
		double t0 = now_s(), t;

		for (i = 0; i < BATCH; i++)
			MUST(tt_cq_nop(cq, true));
		t = (now_s() - t0) / BATCH * 1e6;
		if (t < best)
			best = t;
	}
	return best;
}

/*
 * N inputs through the two-queue traced pipeline, against the same inputs
 * one by one (blocking write, enqueue, blocking read) on one queue: host
 * time per input, with the outputs compared.
 */
static void pipeline(struct tt_device *dev, struct tt_buffer *in, struct tt_buffer *out)
{
	enum { N = 64 };
	static float x[N][TT_TILE_HW], a[N][TT_TILE_HW], b[N][TT_TILE_HW];
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = TT_TILE_HW * 4,
				       .page_size = TT_TILE_HW * 4 };
	struct tt_program *model[2];
	struct tt_pipeline_config cfg = { .programs = model, .nprograms = 2,
					  .ninput_programs = 1, .input = in, .output = out };
	struct tt_buffer *mid;
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct tt_pipeline *pl;
	const void *ins[N];
	void *outs[N];
	double t0, one, piped;
	unsigned i, k;

	for (i = 0; i < N; i++) {
		for (k = 0; k < TT_TILE_HW; k++)
			x[i][k] = (float)(i * 7 + k % 101);
		ins[i] = x[i];
		outs[i] = b[i];
	}
	/* The model: in + 1 -> mid on core (0,0), mid + 1 -> out on core (1,0). */
	MUST(tt_buffer_create(dev, &bc, &mid));
	model[0] = add1(dev, in, mid, TT_CORE(0, 0));
	model[1] = add1(dev, mid, out, TT_CORE(1, 0));
	t0 = now_s();
	for (i = 0; i < N; i++) {
		MUST(tt_cq_write_buffer(cq, in, x[i], true));
		MUST(tt_cq_enqueue_program(cq, model[0], true));
		MUST(tt_cq_enqueue_program(cq, model[1], true));
		MUST(tt_cq_read_buffer(cq, out, a[i], true));
	}
	one = (now_s() - t0) / N * 1e6;
	MUST(tt_pipeline_create(dev, &cfg, &pl));
	t0 = now_s();
	MUST(tt_pipeline_enqueue(pl, ins, N));
	MUST(tt_pipeline_pop_all(pl, outs, N));
	piped = (now_s() - t0) / N * 1e6;
	tt_pipeline_destroy(pl);
	tt_program_destroy(model[0]);
	tt_program_destroy(model[1]);
	tt_buffer_destroy(mid);
	if (memcmp(a, b, sizeof(a))) {
		fprintf(stderr, "bench_dispatch: pipeline outputs differ\n");
		exit(1);
	}
	printf("{\"bench\":\"pipeline\",\"model\":\"add1 twice, 2 cores\",\"inputs\":%d,"
	       "\"us_per_input\":%.1f,\"unit\":\"us\",\"one_by_one_us_per_input\":%.1f,"
	       "\"speedup\":%.2f}\n", N, piped, one, one / piped);
}

int main(void)
{
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = TT_TILE_HW * 4,
				       .page_size = TT_TILE_HW * 4 };
	struct tt_device *dev;
	struct tt_buffer *in, *out;
	struct tt_program *prog;
	struct tt_cq *cq;
	double enq, rep1, rep8, nop;
	uint32_t t1, t8;

	MUST(tt_device_open("sim", &dev));
	cq = tt_device_cq(dev, 0);
	MUST(tt_buffer_create(dev, &bc, &in));
	MUST(tt_buffer_create(dev, &bc, &out));
	prog = add1(dev, in, out, TT_CORE(0, 0));
	MUST(tt_cq_enqueue_program(cq, prog, true));	/* kernels compiled and cached */
	t1 = capture(cq, prog, 1);
	t8 = capture(cq, prog, 8);

	nop = nop_us(cq);
	enq = per_call_us(cq, prog, -1);
	rep1 = per_call_us(cq, prog, t1);
	rep8 = per_call_us(cq, prog, t8);
	nop = (nop + nop_us(cq)) / 2;	/* before and after, against drift */
	printf("{\"bench\":\"dispatch\",\"program\":\"add1, 3 kernels on 1 core\","
	       "\"enqueue_program_us\":%.2f,\"trace_replay_us\":%.2f,"
	       "\"trace_replay_8_programs_us\":%.2f,\"nop_round_trip_us\":%.2f,\"unit\":\"us\","
	       "\"enqueue_over_replay\":%.1f,\"enqueue_over_nop\":%.2f}\n",
	       enq, rep1, rep8, nop, enq / rep1, enq / nop);

	pipeline(dev, in, out);

	MUST(tt_release_trace(dev, t1));
	MUST(tt_release_trace(dev, t8));
	tt_program_destroy(prog);
	tt_buffer_destroy(in);
	tt_buffer_destroy(out);
	tt_device_close(dev);
	return 0;
}
