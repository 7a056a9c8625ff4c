// SPDX-License-Identifier: MIT
/*
 * Traces: programs captured on a queue, stored in DRAM, replayed with one
 * command on either queue, leave the same results as the programs run
 * directly; and every misuse of capture, replay and release.
 */
#include "helpers.h"

#define TILE_BYTES (TT_TILE_HW * 4)

static struct tt_device *dev;
static struct tt_buffer *in, *mid, *out;
static struct tt_program *first, *second;

static int setup(void **state)
{
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = TILE_BYTES,
				       .page_size = TILE_BYTES };

	(void)state;
	dev = open_device("sim:grid=2x2,dram_banks=3,dram_mib=16,watchdog_ms=20000");
	CHECK(tt_buffer_create(dev, &bc, &in));
	CHECK(tt_buffer_create(dev, &bc, &mid));
	CHECK(tt_buffer_create(dev, &bc, &out));
	/* in + 1 -> mid on core (0,0), mid + 1 -> out on core (1,1) */
	first = add1_program(dev, in, mid, TT_CORE(0, 0));
	second = add1_program(dev, mid, out, TT_CORE(1, 1));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tt_program_destroy(first);
	tt_program_destroy(second);
	tt_buffer_destroy(in);
	tt_buffer_destroy(mid);
	tt_buffer_destroy(out);
	tt_device_close(dev);
	return 0;
}

static void fill_tile(float *t, uint32_t seed)
{
	unsigned i;

	for (i = 0; i < TT_TILE_HW; i++)
		t[i] = (float)((int32_t)xorshift(&seed) % 100000) / 64.0f;
}

/* Input seed through both programs, enqueued directly; returns the output. */
static void run_direct(uint32_t seed, float *result)
{
	static float x[TT_TILE_HW];
	struct tt_cq *cq = tt_device_cq(dev, 0);

	fill_tile(x, seed);
	CHECK(tt_cq_write_buffer(cq, in, x, true));
	CHECK(tt_cq_enqueue_program(cq, first, false));
	CHECK(tt_cq_enqueue_program(cq, second, false));
	CHECK(tt_cq_read_buffer(cq, out, result, true));
}

/* Capture both programs on queue q; returns the trace id. */
static uint32_t capture(unsigned q)
{
	struct tt_cq *cq = tt_device_cq(dev, q);
	int id = tt_cq_begin_trace_capture(cq);

	CHECK(id);
	CHECK(tt_cq_enqueue_program(cq, first, false));
	CHECK(tt_cq_enqueue_program(cq, second, false));
	CHECK(tt_cq_end_trace_capture(cq, (uint32_t)id));
	return (uint32_t)id;
}

/* The same input through a replay of trace id on queue q. */
static void run_traced(uint32_t id, unsigned q, uint32_t seed, float *result)
{
	static float x[TT_TILE_HW];
	struct tt_cq *cq = tt_device_cq(dev, q);

	fill_tile(x, seed);
	CHECK(tt_cq_write_buffer(cq, in, x, true));
	CHECK(tt_cq_replay_trace(cq, id, true));
	CHECK(tt_cq_read_buffer(cq, out, result, true));
}

/* A replay computes what the two programs compute: x + 1 + 1. */
static void assert_replay_correct(uint32_t id, unsigned q, uint32_t seed, float *traced)
{
	static float x[TT_TILE_HW];
	unsigned i;

	memset(traced, 0xff, TILE_BYTES);
	run_traced(id, q, seed, traced);
	fill_tile(x, seed);
	for (i = 0; i < TT_TILE_HW; i++)
		assert_true(traced[i] == (x[i] + 1.0f) + 1.0f);
}

/* ... bit for bit what the programs enqueued directly leave. */
static void assert_replay_matches(uint32_t id, unsigned q, uint32_t seed)
{
	static float direct[TT_TILE_HW], traced[TT_TILE_HW];

	run_direct(seed, direct);
	assert_replay_correct(id, q, seed, traced);
	assert_memory_equal(direct, traced, sizeof(direct));
}

static void test_replay_matches_direct_run(void **state)
{
	static float sentinel[TT_TILE_HW], back[TT_TILE_HW];
	struct tt_cq *cq = tt_device_cq(dev, 0);
	uint32_t id, seed;

	(void)state;
	/* Capturing runs nothing: the output keeps what was there. */
	fill_tile(sentinel, 999);
	CHECK(tt_cq_write_buffer(cq, out, sentinel, true));
	id = capture(0);
	CHECK(tt_cq_read_buffer(cq, out, back, true));
	assert_memory_equal(sentinel, back, sizeof(back));

	for (seed = 1; seed <= 5; seed++)
		assert_replay_matches(id, seed % 2, seed);
	/* A program changed after the capture (writing mid, not out) leaves the trace as it was. */
	{
		uint32_t a = tt_buffer_address(mid);

		CHECK(tt_runtime_args_set(second, add1_writer_kernel(), TT_CORE(1, 1), &a, 1));
		assert_replay_correct(id, 0, 17, back);
		a = tt_buffer_address(out);
		CHECK(tt_runtime_args_set(second, add1_writer_kernel(), TT_CORE(1, 1), &a, 1));
	}
	CHECK(tt_release_trace(dev, id));
}

/* Replays queued back to back, on both queues, each with its own input. */
static void test_many_replays_in_flight(void **state)
{
	enum { N = 12 };
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = TILE_BYTES,
				       .page_size = TILE_BYTES };
	static float x[TT_TILE_HW], got[N][TT_TILE_HW];
	struct tt_buffer *o[N];
	struct tt_program *p[N];
	struct tt_cq *cq = tt_device_cq(dev, 1);
	int id;
	unsigned i, k;

	(void)state;
	/* One trace that holds N programs, each writing its own output. */
	for (i = 0; i < N; i++) {
		CHECK(tt_buffer_create(dev, &bc, &o[i]));
		p[i] = add1_program(dev, in, o[i], TT_CORE(i % 2, i / 2 % 2));
	}
	id = tt_cq_begin_trace_capture(cq);
	CHECK(id);
	for (i = 0; i < N; i++) {
		CHECK(tt_cq_enqueue_program(cq, p[i], false));
		CHECK(tt_cq_nop(cq, false));
	}
	CHECK(tt_cq_end_trace_capture(cq, (uint32_t)id));
	for (i = 0; i < N; i++)
		tt_program_destroy(p[i]);	/* the trace keeps what it needs */

	fill_tile(x, 4242);
	CHECK(tt_cq_write_buffer(cq, in, x, true));
	for (i = 0; i < 3; i++)
		CHECK(tt_cq_replay_trace(cq, (uint32_t)id, false));
	/* Released while its replays are queued: they still run. */
	CHECK(tt_release_trace(dev, (uint32_t)id));
	for (i = 0; i < N; i++)
		CHECK(tt_cq_read_buffer(cq, o[i], got[i], false));
	CHECK(tt_cq_finish(cq));
	for (i = 0; i < N; i++) {
		for (k = 0; k < TT_TILE_HW; k++)
			assert_true(got[i][k] == x[k] + 1.0f);
		tt_buffer_destroy(o[i]);
	}
	CHECK_FAILS(tt_cq_replay_trace(cq, (uint32_t)id, false), -ENOENT, "released");
}

static void test_empty_trace(void **state)
{
	struct tt_cq *cq = tt_device_cq(dev, 0);
	int id;

	(void)state;
	id = tt_cq_begin_trace_capture(cq);
	CHECK(id);
	CHECK(tt_cq_end_trace_capture(cq, (uint32_t)id));
	CHECK(tt_cq_replay_trace(cq, (uint32_t)id, true));
	CHECK(tt_cq_replay_trace(cq, (uint32_t)id, false));
	CHECK(tt_cq_finish(cq));
	CHECK(tt_release_trace(dev, (uint32_t)id));
}

/* A faulting program inside a trace: the replay fails, saying which record. */
static void test_fault_in_trace(void **state)
{
	struct tt_kernel_config cfg = { .role = TT_ROLE_READER };
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct tt_program *bad;
	int id;

	(void)state;
	CHECK(tt_program_create(dev, &bad));
	CHECK(tt_kernel_create_from_string(bad, "#include <ttuser/kernel/dataflow.h>\n"
					   "void kernel_main(void)\n{\n"
					   "	noc_async_read(get_noc_addr(9, 9, 0), 0x40000, 64);\n}\n",
					   TT_CORES(1, 0, 1, 0), &cfg));
	id = tt_cq_begin_trace_capture(cq);
	CHECK(id);
	CHECK(tt_cq_enqueue_program(cq, first, false));
	CHECK(tt_cq_enqueue_program(cq, bad, false));
	CHECK(tt_cq_enqueue_program(cq, second, false));
	CHECK(tt_cq_end_trace_capture(cq, (uint32_t)id));
	CHECK_FAILS(tt_cq_replay_trace(cq, (uint32_t)id, true), -EFAULT,
		    "trace record 1: core (1,0) reader: noc_async_read");
	CHECK(tt_cq_replay_trace(cq, (uint32_t)id, false));
	CHECK_FAILS(tt_cq_finish(cq), -EFAULT, "trace record 1");
	CHECK(tt_release_trace(dev, (uint32_t)id));
	tt_program_destroy(bad);
	CHECK(tt_device_reset(dev));	/* clears the device error */
	id = (int)capture(0);
	assert_replay_matches((uint32_t)id, 0, 8);
	CHECK(tt_release_trace(dev, (uint32_t)id));
}

/* What a capturing queue refuses; each refusal leaves the capture going. */
static void test_capture_refuses(void **state)
{
	static float x[TT_TILE_HW];
	struct tt_cq *cq = tt_device_cq(dev, 0), *other = tt_device_cq(dev, 1);
	struct tt_event *ev;
	int id, ready;

	(void)state;
	ready = (int)capture(1);
	CHECK(tt_event_create(dev, &ev));
	id = tt_cq_begin_trace_capture(cq);
	CHECK(id);
	CHECK_FAILS(tt_cq_read_buffer(cq, out, x, true), -EBUSY,
		    "a blocking read cannot be captured");
	CHECK_FAILS(tt_cq_read_buffer(cq, out, x, false), -EBUSY, "a read cannot be captured");
	CHECK_FAILS(tt_cq_write_buffer(cq, in, x, true), -EBUSY, "a blocking write");
	CHECK_FAILS(tt_cq_write_buffer(cq, in, x, false), -EBUSY, "a write cannot be captured");
	CHECK_FAILS(tt_cq_enqueue_program(cq, first, true), -EBUSY, "a blocking program enqueue");
	CHECK_FAILS(tt_cq_nop(cq, true), -EBUSY, "a blocking nop");
	CHECK_FAILS(tt_cq_enqueue_record_event(cq, ev), -EBUSY, "recording an event");
	CHECK_FAILS(tt_cq_enqueue_wait_for_event(cq, ev), -EBUSY, "waiting for an event");
	CHECK_FAILS(tt_cq_replay_trace(cq, (uint32_t)ready, false), -EBUSY, "replaying a trace");
	CHECK_FAILS(tt_cq_begin_trace_capture(cq), -EBUSY, "captures do not nest");
	/* The trace being captured cannot be replayed or released elsewhere. */
	CHECK_FAILS(tt_cq_replay_trace(other, (uint32_t)id, false), -EBUSY,
		    "still being captured");
	CHECK_FAILS(tt_release_trace(dev, (uint32_t)id), -EBUSY, "end the capture first");
	CHECK_FAILS(tt_cq_end_trace_capture(other, (uint32_t)id), -EINVAL, "is not capturing");
	CHECK_FAILS(tt_cq_end_trace_capture(cq, (uint32_t)id + 100), -EINVAL, "not");
	/* The other queue works meanwhile, and so does the capture. */
	CHECK(tt_cq_write_buffer(other, in, x, true));
	CHECK(tt_cq_enqueue_program(cq, first, false));
	CHECK(tt_cq_enqueue_program(cq, second, false));
	CHECK(tt_cq_end_trace_capture(cq, (uint32_t)id));
	assert_replay_matches((uint32_t)id, 1, 31);
	assert_replay_matches((uint32_t)ready, 0, 32);
	CHECK(tt_release_trace(dev, (uint32_t)id));
	CHECK(tt_release_trace(dev, (uint32_t)ready));
	tt_event_destroy(ev);
}

static void test_bad_ids(void **state)
{
	struct tt_cq *cq = tt_device_cq(dev, 0);
	uint32_t id;

	(void)state;
	CHECK_FAILS(tt_cq_replay_trace(cq, 12345, true), -ENOENT, "no trace 12345");
	CHECK_FAILS(tt_release_trace(dev, 12345), -ENOENT, "no trace 12345");
	CHECK_FAILS(tt_cq_end_trace_capture(cq, 12345), -EINVAL, "not capturing");
	CHECK_FAILS(tt_cq_begin_trace_capture(NULL), -EINVAL, "NULL");
	CHECK_FAILS(tt_cq_end_trace_capture(NULL, 0), -EINVAL, "NULL");
	CHECK_FAILS(tt_cq_replay_trace(NULL, 0, true), -EINVAL, "NULL");
	CHECK_FAILS(tt_release_trace(NULL, 0), -EINVAL, "NULL");
	id = capture(0);
	CHECK(tt_release_trace(dev, id));
	CHECK_FAILS(tt_cq_replay_trace(cq, id, true), -ENOENT, "released");
	CHECK_FAILS(tt_release_trace(dev, id), -ENOENT, "released");
	/* Ids are not reused at once. */
	assert_int_not_equal(capture(0), id);
}

/* Both queues capture at the same time, each its own trace. */
static void test_captures_on_both_queues(void **state)
{
	struct tt_cq *q0 = tt_device_cq(dev, 0), *q1 = tt_device_cq(dev, 1);
	int a, b;

	(void)state;
	a = tt_cq_begin_trace_capture(q0);
	CHECK(a);
	b = tt_cq_begin_trace_capture(q1);
	CHECK(b);
	assert_int_not_equal(a, b);
	CHECK(tt_cq_enqueue_program(q1, first, false));
	CHECK(tt_cq_enqueue_program(q0, first, false));
	CHECK(tt_cq_enqueue_program(q1, second, false));
	CHECK(tt_cq_enqueue_program(q0, second, false));
	CHECK_FAILS(tt_cq_end_trace_capture(q0, (uint32_t)b), -EINVAL,
		    "is capturing trace");
	CHECK(tt_cq_end_trace_capture(q1, (uint32_t)b));
	CHECK(tt_cq_end_trace_capture(q0, (uint32_t)a));
	assert_replay_matches((uint32_t)a, 1, 41);
	assert_replay_matches((uint32_t)b, 0, 42);
	CHECK(tt_release_trace(dev, (uint32_t)a));
	CHECK(tt_release_trace(dev, (uint32_t)b));
}

/*
 * A trace may take a quarter of DRAM: the enqueue that would make it
 * bigger fails and adds nothing; the trace up to there is good.
 */
static void test_trace_too_big(void **state)
{
	struct tt_cq *cq = tt_device_cq(dev, 0);
	unsigned n = 0;
	int id, ret;

	(void)state;
	id = tt_cq_begin_trace_capture(cq);
	CHECK(id);
	while ((ret = tt_cq_enqueue_program(cq, first, false)) == 0 && n < 100000)
		n++;
	assert_int_equal(ret, -ENOMEM);
	assert_non_null(strstr(tt_last_error(), "would grow to"));
	/* A chip's trace must fit in its command processor's L1: fewer programs. */
	print_message("%u programs in the trace before the refusal\n", n);
	assert_true(n > (test_on_chip() ? 10u : 100u));
	/* The capture goes on after the refusal. */
	CHECK(tt_cq_nop(cq, false));
	CHECK(tt_cq_end_trace_capture(cq, (uint32_t)id));
	CHECK(tt_cq_replay_trace(cq, (uint32_t)id, true));
	CHECK(tt_release_trace(dev, (uint32_t)id));
	assert_replay_matches(capture(0), 0, 43);
}

/*
 * A reset during a capture ends it: ending it reports that and drops the
 * trace, and the queue runs programs again. A stored trace survives a reset.
 */
static void test_reset_during_capture(void **state)
{
	struct tt_cq *cq = tt_device_cq(dev, 0);
	uint32_t stored = capture(1);
	int id;

	(void)state;
	id = tt_cq_begin_trace_capture(cq);
	CHECK(id);
	CHECK(tt_cq_enqueue_program(cq, first, false));
	CHECK(tt_device_reset(dev));
	CHECK_FAILS(tt_cq_replay_trace(cq, (uint32_t)id, true), -ECANCELED, "ended by a device reset");
	CHECK_FAILS(tt_cq_end_trace_capture(cq, (uint32_t)id), -ECANCELED,
		    "ended by a device reset");
	CHECK_FAILS(tt_cq_end_trace_capture(cq, (uint32_t)id), -EINVAL, "not capturing");
	CHECK_FAILS(tt_cq_replay_trace(cq, (uint32_t)id, true), -ENOENT, "no trace");
	/* Not capturing any more: this runs. */
	{
		static float r[TT_TILE_HW];

		run_direct(3, r);
	}
	assert_replay_matches(stored, 0, 4);
	assert_replay_matches(stored, 1, 5);
	CHECK(tt_release_trace(dev, stored));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_matches_direct_run),
		cmocka_unit_test(test_many_replays_in_flight),
		cmocka_unit_test(test_empty_trace),
		cmocka_unit_test(test_fault_in_trace),
		cmocka_unit_test(test_capture_refuses),
		cmocka_unit_test(test_bad_ids),
		cmocka_unit_test(test_captures_on_both_queues),
		cmocka_unit_test(test_trace_too_big),
		cmocka_unit_test(test_reset_during_capture),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
