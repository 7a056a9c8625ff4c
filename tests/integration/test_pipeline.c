// SPDX-License-Identifier: MIT
/*
 * The two-queue traced pipeline: N inputs through it give, value for
 * value, what the same programs give run one input at a time on one queue;
 * and its misuse.
 */
#include "helpers.h"

#define TILE_BYTES (TT_TILE_HW * 4)
#define N 24

static struct tt_device *dev;
static struct tt_buffer *in, *mid, *out;
static struct tt_program *model[2];

static int setup(void **state)
{
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = TILE_BYTES,
				       .page_size = TILE_BYTES };

	(void)state;
	dev = open_device("sim:grid=2x2,dram_banks=3,dram_mib=16,watchdog_ms=20000");
	CHECK(tt_buffer_create(dev, &bc, &in));
	CHECK(tt_buffer_create(dev, &bc, &mid));
	CHECK(tt_buffer_create(dev, &bc, &out));
	model[0] = add1_program(dev, in, mid, TT_CORE(0, 0));
	model[1] = add1_program(dev, mid, out, TT_CORE(1, 0));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tt_program_destroy(model[0]);
	tt_program_destroy(model[1]);
	tt_buffer_destroy(in);
	tt_buffer_destroy(mid);
	tt_buffer_destroy(out);
	tt_device_close(dev);
	return 0;
}

static float inputs[N][TT_TILE_HW], expected[N][TT_TILE_HW], got[N][TT_TILE_HW];

/* Random inputs, and their outputs from the model run one by one, blocking, on queue 0. */
static void make_reference(uint32_t seed)
{
	struct tt_cq *cq = tt_device_cq(dev, 0);
	unsigned i, k;

	for (i = 0; i < N; i++) {
		for (k = 0; k < TT_TILE_HW; k++)
			inputs[i][k] = (float)((int32_t)xorshift(&seed) % 1000000) / 256.0f;
		CHECK(tt_cq_write_buffer(cq, in, inputs[i], true));
		CHECK(tt_cq_enqueue_program(cq, model[0], true));
		CHECK(tt_cq_enqueue_program(cq, model[1], true));
		CHECK(tt_cq_read_buffer(cq, out, expected[i], true));
		for (k = 0; k < TT_TILE_HW; k++)
			assert_true(expected[i][k] == (inputs[i][k] + 1.0f) + 1.0f);
	}
}

/* ninput: how many of the programs read the input (0: all). */
static struct tt_pipeline *make_pipeline(unsigned ninput)
{
	struct tt_pipeline_config cfg = { .programs = model, .nprograms = 2, .input = in,
					  .output = out, .ninput_programs = ninput };
	struct tt_pipeline *pl;

	CHECK(tt_pipeline_create(dev, &cfg, &pl));
	return pl;
}

static void matches_one_by_one(unsigned ninput)
{
	const void *ins[N];
	void *outs[N];
	struct tt_pipeline *pl;
	unsigned i;

	make_reference(2024 + ninput);
	for (i = 0; i < N; i++) {
		ins[i] = inputs[i];
		outs[i] = got[i];
	}
	pl = make_pipeline(ninput);
	memset(got, 0xff, sizeof(got));
	CHECK(tt_pipeline_enqueue(pl, ins, N));
	assert_int_equal(tt_pipeline_pop_all(pl, outs, N), N);
	for (i = 0; i < N; i++)
		assert_memory_equal(got[i], expected[i], TILE_BYTES);

	/* Again, in uneven batches, popped once. */
	memset(got, 0xff, sizeof(got));
	CHECK(tt_pipeline_enqueue(pl, ins, 5));
	CHECK(tt_pipeline_enqueue(pl, ins + 5, 1));
	CHECK(tt_pipeline_enqueue(pl, ins + 6, N - 6));
	assert_int_equal(tt_pipeline_pop_all(pl, outs, N), N);
	for (i = 0; i < N; i++)
		assert_memory_equal(got[i], expected[i], TILE_BYTES);
	assert_int_equal(tt_pipeline_pop_all(pl, outs, N), 0);
	tt_pipeline_destroy(pl);
}

/* One trace of both programs: the next input is written after both ran. */
static void test_pipeline_matches_one_by_one(void **state)
{
	(void)state;
	matches_one_by_one(0);
}

/* Only the first program reads the input: the next one is written while the second runs. */
static void test_overlapped_input_matches_one_by_one(void **state)
{
	(void)state;
	matches_one_by_one(1);
}

static void test_inputs_reusable_at_once(void **state)
{
	static float scratch[TT_TILE_HW];
	const void *one[1] = { scratch };
	void *outs[N];
	struct tt_pipeline *pl;
	unsigned i;

	(void)state;
	make_reference(7);
	pl = make_pipeline(1);
	/* The same host input memory, rewritten after each enqueue. */
	for (i = 0; i < N; i++) {
		memcpy(scratch, inputs[i], TILE_BYTES);
		CHECK(tt_pipeline_enqueue(pl, one, 1));
		memset(scratch, 0, TILE_BYTES);
		outs[i] = got[i];
	}
	assert_int_equal(tt_pipeline_pop_all(pl, outs, N), N);
	for (i = 0; i < N; i++)
		assert_memory_equal(got[i], expected[i], TILE_BYTES);
	tt_pipeline_destroy(pl);
}

static void test_bad_pipeline_use(void **state)
{
	struct tt_pipeline_config cfg = { .programs = model, .nprograms = 2, .input = in,
					  .output = out };
	struct tt_program *none[2] = { model[0], NULL };
	const void *ins[2] = { inputs[0], NULL };
	void *outs[2] = { got[0], got[1] };
	struct tt_pipeline *pl = NULL;

	(void)state;
	CHECK_FAILS(tt_pipeline_create(NULL, &cfg, &pl), -EINVAL, "NULL");
	CHECK_FAILS(tt_pipeline_create(dev, NULL, &pl), -EINVAL, "NULL");
	cfg.nprograms = 0;
	CHECK_FAILS(tt_pipeline_create(dev, &cfg, &pl), -EINVAL, "no programs");
	cfg.nprograms = 2;
	cfg.programs = none;
	CHECK_FAILS(tt_pipeline_create(dev, &cfg, &pl), -EINVAL, "program 1 is NULL");
	cfg.programs = model;
	cfg.output = in;
	CHECK_FAILS(tt_pipeline_create(dev, &cfg, &pl), -EINVAL, "different buffers");
	cfg.output = out;
	cfg.ninput_programs = 3;
	CHECK_FAILS(tt_pipeline_create(dev, &cfg, &pl), -EINVAL, "3 programs read the input, of 2");
	assert_null(pl);

	pl = make_pipeline(0);
	CHECK_FAILS(tt_pipeline_enqueue(pl, ins, 2), -EINVAL, "input 1 is NULL");
	CHECK_FAILS(tt_pipeline_enqueue(pl, NULL, 2), -EINVAL, "NULL");
	CHECK(tt_pipeline_enqueue(pl, ins, 1));
	CHECK(tt_pipeline_enqueue(pl, ins, 1));
	CHECK_FAILS(tt_pipeline_pop_all(pl, outs, 1), -ENOSPC, "2 outputs are waiting");
	CHECK_FAILS(tt_pipeline_pop_all(pl, NULL, 2), -EINVAL, "NULL");
	assert_int_equal(tt_pipeline_pop_all(pl, outs, 2), 2);
	assert_memory_equal(got[0], got[1], TILE_BYTES);
	tt_pipeline_destroy(pl);
	tt_pipeline_destroy(NULL);
	/* The queues are free again for direct use. */
	make_reference(99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipeline_matches_one_by_one),
		cmocka_unit_test(test_overlapped_input_matches_one_by_one),
		cmocka_unit_test(test_inputs_reusable_at_once),
		cmocka_unit_test(test_bad_pipeline_use),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
