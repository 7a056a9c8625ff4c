// SPDX-License-Identifier: MIT
/*
 * Two queues and events: queue 1 writes while queue 0 runs a program,
 * programs of both queues run at the same time on different cores and
 * wait for each other on shared ones, a queue waits on the device for the
 * other queue's event, the host asks
 * about events and waits for them, non-blocking transfers complete with an
 * event; and every misuse.
 */
#include "helpers.h"

static struct tt_device *dev;

static int setup(void **state)
{
	(void)state;
	/* A watchdog, so that a queue that does not go on fails instead of hanging. */
	dev = open_device("sim:grid=2x2,dram_banks=2,dram_mib=16,watchdog_ms=20000");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tt_device_close(dev);
	return 0;
}

/*
 * Reads the word in DRAM buffer arg 0 until it is not 0, then writes twice
 * that to buffer arg 1. It ends only once somebody else wrote the word.
 */
static const char poll_kernel[] =
	"#include <ttuser/kernel/dataflow.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	InterleavedAddrGen flag = { .bank_base_address = get_arg_val(0), .page_size = 4,\n"
	"				   .is_dram = true };\n"
	"	InterleavedAddrGen out = { .bank_base_address = get_arg_val(1), .page_size = 4,\n"
	"				  .is_dram = true };\n"
	"	volatile uint32_t *w = (volatile uint32_t *)get_write_ptr(0);\n"
	"\n"
	"	cb_reserve_back(0, 1);\n"
	"	do {\n"
	"		noc_async_read_page(0, &flag, (uint32_t)w);\n"
	"		noc_async_read_barrier();\n"
	"	} while (w[0] == 0);\n"
	"	w[0] *= 2;\n"
	"	noc_async_write_page(0, &out, (uint32_t)w);\n"
	"	noc_async_write_barrier();\n"
	"}\n";

static struct tt_buffer *word_buffer(uint32_t value)
{
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = 4, .page_size = 4 };
	struct tt_buffer *b;

	CHECK(tt_buffer_create(dev, &bc, &b));
	CHECK(tt_cq_write_buffer(tt_device_cq(dev, 0), b, &value, true));
	return b;
}

static struct tt_program *poll_program(struct tt_buffer *flag, struct tt_buffer *out)
{
	struct tt_kernel_config cfg = { .role = TT_ROLE_WRITER };
	struct tt_cb_config cb = { .index = 0, .format = TT_FORMAT_FLOAT32, .page_size = 32,
				   .num_pages = 1 };
	uint32_t args[2] = { tt_buffer_address(flag), tt_buffer_address(out) };
	struct tt_program *prog;
	int k;

	CHECK(tt_program_create(dev, &prog));
	k = tt_kernel_create_from_string(prog, poll_kernel, TT_CORES(1, 1, 1, 1), &cfg);
	CHECK(k);
	CHECK(tt_cb_create(prog, TT_CORES(1, 1, 1, 1), &cb));
	CHECK(tt_runtime_args_set(prog, k, TT_CORE(1, 1), args, 2));
	return prog;
}

static uint32_t read_word(struct tt_buffer *b)
{
	uint32_t v = 0;

	CHECK(tt_cq_read_buffer(tt_device_cq(dev, 0), b, &v, true));
	return v;
}

/* Both queues still do their work. */
static void assert_queues_work(void)
{
	struct tt_buffer *b = word_buffer(0);
	uint32_t v = 0x5eed, back = 0;
	unsigned q;

	for (q = 0; q < 2; q++) {
		v += q;
		CHECK(tt_cq_write_buffer(tt_device_cq(dev, q), b, &v, true));
		CHECK(tt_cq_read_buffer(tt_device_cq(dev, q), b, &back, true));
		assert_int_equal(back, v);
		CHECK(tt_cq_nop(tt_device_cq(dev, q), true));
	}
	tt_buffer_destroy(b);
}

/*
 * Queue 0 runs a program that can only end once the host wrote its flag; the
 * write goes through queue 1 while the program runs. Queue 1 then waits on
 * the device for the event queue 0 records after the program, and reads
 * what the program wrote.
 */
static void test_queues_run_concurrently(void **state)
{
	struct tt_buffer *flag = word_buffer(0), *out = word_buffer(7);
	struct tt_program *prog = poll_program(flag, out);
	struct tt_event *ran, *read;
	uint32_t v = 21, result = 0;

	(void)state;
	CHECK(tt_event_create(dev, &ran));
	CHECK(tt_event_create(dev, &read));
	CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, false));
	CHECK(tt_cq_enqueue_record_event(tt_device_cq(dev, 0), ran));
	/* The program waits for its flag: the event cannot have passed. */
	assert_int_equal(tt_event_query(ran), 0);

	CHECK(tt_cq_write_buffer(tt_device_cq(dev, 1), flag, &v, true));
	CHECK(tt_cq_enqueue_wait_for_event(tt_device_cq(dev, 1), ran));
	CHECK(tt_cq_read_buffer(tt_device_cq(dev, 1), out, &result, false));
	CHECK(tt_cq_enqueue_record_event(tt_device_cq(dev, 1), read));
	CHECK(tt_event_synchronize(read));
	/* The read ran after the program, and the event completed it. */
	assert_int_equal(result, 42);
	assert_int_equal(tt_event_query(read), 1);
	assert_int_equal(tt_event_query(ran), 1);
	CHECK(tt_event_synchronize(ran));
	CHECK(tt_cq_finish(tt_device_cq(dev, 0)));
	CHECK(tt_cq_finish(tt_device_cq(dev, 1)));

	tt_event_destroy(ran);
	tt_event_destroy(read);
	tt_program_destroy(prog);
	tt_buffer_destroy(flag);
	tt_buffer_destroy(out);
}

/* Sets DRAM word buffer arg 0 to arg 1. */
static const char set_kernel[] =
	"#include <ttuser/kernel/dataflow.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	InterleavedAddrGen flag = { .bank_base_address = get_arg_val(0), .page_size = 4,\n"
	"				   .is_dram = true };\n"
	"	volatile uint32_t *w = (volatile uint32_t *)get_write_ptr(0);\n"
	"\n"
	"	cb_reserve_back(0, 1);\n"
	"	w[0] = get_arg_val(1);\n"
	"	noc_async_write_page(0, &flag, (uint32_t)w);\n"
	"	noc_async_write_barrier();\n"
	"}\n";

/*
 * Programs of the two queues on different cores run at the same time: the
 * program on queue 0 ends only once the one on queue 1 set its flag.
 */
static void test_programs_run_concurrently(void **state)
{
	struct tt_buffer *flag = word_buffer(0), *out = word_buffer(0);
	struct tt_program *waits = poll_program(flag, out), *sets;
	struct tt_kernel_config cfg = { .role = TT_ROLE_WRITER };
	struct tt_cb_config cb = { .index = 0, .format = TT_FORMAT_FLOAT32, .page_size = 32,
				   .num_pages = 1 };
	uint32_t args[2] = { tt_buffer_address(flag), 50 };
	int k;

	(void)state;
	CHECK(tt_program_create(dev, &sets));
	k = tt_kernel_create_from_string(sets, set_kernel, TT_CORES(0, 0, 0, 0), &cfg);
	CHECK(k);
	CHECK(tt_cb_create(sets, TT_CORES(0, 0, 0, 0), &cb));
	CHECK(tt_runtime_args_set(sets, k, TT_CORE(0, 0), args, 2));
	CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 0), waits, false));
	CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 1), sets, true));
	CHECK(tt_cq_finish(tt_device_cq(dev, 0)));
	assert_int_equal(read_word(out), 100);
	tt_program_destroy(waits);
	tt_program_destroy(sets);
	tt_buffer_destroy(flag);
	tt_buffer_destroy(out);
}

/*
 * Each core writes (id, x, y, id + what its CB page still holds after a
 * while) to its page; the CB page and the args must stay its own while it
 * runs.
 */
static const char share_kernel[] =
	"#include <ttuser/kernel/dataflow.h>\n"
	"void kernel_main(void)\n"
	"{\n"
	"	InterleavedAddrGen out = { .bank_base_address = get_arg_val(0), .page_size = 16,\n"
	"				  .is_dram = true };\n"
	"	volatile uint32_t *w = (volatile uint32_t *)get_write_ptr(0);\n"
	"	volatile uint32_t i;\n"
	"\n"
	"	cb_reserve_back(0, 1);\n"
	"	w[0] = get_arg_val(1);\n"
	"	w[1] = get_absolute_logical_x();\n"
	"	w[2] = get_absolute_logical_y();\n"
	"	for (i = 0; i < 3000; i++)\n"
	"		;\n"
	"	w[3] = get_arg_val(1) + w[0];\n"
	"	noc_async_write_page(get_arg_val(2), &out, (uint32_t)w);\n"
	"	noc_async_write_barrier();\n"
	"}\n";

/*
 * Programs of both queues on overlapping cores, many in flight: a launch
 * holds its cores, so each program's cores keep their own args and CBs
 * while it runs, and every result is right.
 */
static void test_programs_share_cores(void **state)
{
	enum { PER_QUEUE = 12, NPROG = 2 * PER_QUEUE, PAGES = NPROG * 2 };
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = PAGES * 16,
				       .page_size = 16 };
	/* queue 0 on (0,0)-(1,0), queue 1 on (1,0)-(1,1): they share core (1,0) */
	static const struct tt_core_range ranges[2] = { { { 0, 0 }, { 1, 0 } },
							{ { 1, 0 }, { 1, 1 } } };
	struct tt_kernel_config cfg = { .role = TT_ROLE_WRITER };
	struct tt_cb_config cb = { .index = 0, .format = TT_FORMAT_FLOAT32, .page_size = 32,
				   .num_pages = 1 };
	struct tt_program *prog[NPROG];
	struct tt_buffer *out;
	uint32_t words[PAGES][4];
	unsigned i, c;

	(void)state;
	CHECK(tt_buffer_create(dev, &bc, &out));
	for (i = 0; i < NPROG; i++) {
		struct tt_core_range r = ranges[i % 2];
		int k;

		CHECK(tt_program_create(dev, &prog[i]));
		k = tt_kernel_create_from_string(prog[i], share_kernel, r, &cfg);
		CHECK(k);
		CHECK(tt_cb_create(prog[i], r, &cb));
		for (c = 0; c < 2; c++) {
			struct tt_core core = i % 2 ? TT_CORE(1, c) : TT_CORE(c, 0);
			uint32_t args[3] = { tt_buffer_address(out), 1000 * (i + 1) + c, 2 * i + c };

			CHECK(tt_runtime_args_set(prog[i], k, core, args, 3));
		}
	}
	for (i = 0; i < NPROG; i++)
		CHECK(tt_cq_enqueue_program(tt_device_cq(dev, i % 2), prog[i], false));
	CHECK(tt_cq_finish(tt_device_cq(dev, 0)));
	CHECK(tt_cq_finish(tt_device_cq(dev, 1)));
	CHECK(tt_cq_read_buffer(tt_device_cq(dev, 0), out, words, true));
	for (i = 0; i < NPROG; i++)
		for (c = 0; c < 2; c++) {
			uint32_t *w = words[2 * i + c], id = 1000 * (i + 1) + c;

			assert_int_equal(w[0], id);
			assert_int_equal(w[1], i % 2 ? 1 : c);
			assert_int_equal(w[2], i % 2 ? c : 0);
			assert_int_equal(w[3], 2 * id);
		}
	for (i = 0; i < NPROG; i++)
		tt_program_destroy(prog[i]);
	tt_buffer_destroy(out);
}

/*
 * Queue 0 waits for queue 1: a program on queue 0 reads what queue 1 wrote
 * after the event, over many rounds, with the event recorded again each
 * round.
 */
static void test_wait_orders_queues(void **state)
{
	struct tt_buffer *flag = word_buffer(0), *out = word_buffer(0);
	struct tt_event *written, *done;
	uint32_t round, v, zero = 0, results[16];

	(void)state;
	CHECK(tt_event_create(dev, &written));
	CHECK(tt_event_create(dev, &done));
	for (round = 0; round < 16; round++) {
		struct tt_program *prog = poll_program(flag, out);

		v = 1000 + round;
		CHECK(tt_cq_write_buffer(tt_device_cq(dev, 1), flag, &v, false));
		CHECK(tt_cq_enqueue_record_event(tt_device_cq(dev, 1), written));
		CHECK(tt_cq_enqueue_wait_for_event(tt_device_cq(dev, 0), written));
		CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, false));
		CHECK(tt_cq_read_buffer(tt_device_cq(dev, 0), out, &results[round], false));
		CHECK(tt_cq_enqueue_record_event(tt_device_cq(dev, 0), done));
		/* Queue 1 resets the flag only after queue 0 used it. */
		CHECK(tt_cq_enqueue_wait_for_event(tt_device_cq(dev, 1), done));
		CHECK(tt_cq_write_buffer(tt_device_cq(dev, 1), flag, &zero, false));
		tt_program_destroy(prog);
	}
	CHECK(tt_cq_finish(tt_device_cq(dev, 1)));
	CHECK(tt_cq_finish(tt_device_cq(dev, 0)));
	for (round = 0; round < 16; round++)
		assert_int_equal(results[round], 2 * (1000 + round));
	assert_int_equal(read_word(flag), 0);
	tt_event_destroy(written);
	tt_event_destroy(done);
	tt_buffer_destroy(flag);
	tt_buffer_destroy(out);
}

/* Non-blocking writes and reads complete with an event, without finish. */
static void test_nonblocking_transfers_complete_with_event(void **state)
{
	enum { SIZE = 3 * 1024 * 1024 + 64 };
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = SIZE, .page_size = 64 };
	uint8_t *in = malloc(SIZE), *out = malloc(SIZE);
	struct tt_buffer *b;
	struct tt_event *ev;
	unsigned q;

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	CHECK(tt_event_create(dev, &ev));
	CHECK(tt_buffer_create(dev, &bc, &b));
	for (q = 0; q < 2; q++) {
		fill_random(in, SIZE, 77 + q);
		memset(out, 0, SIZE);
		CHECK(tt_cq_write_buffer(tt_device_cq(dev, q), b, in, false));
		CHECK(tt_cq_read_buffer(tt_device_cq(dev, q), b, out, false));
		CHECK(tt_cq_enqueue_record_event(tt_device_cq(dev, q), ev));
		CHECK(tt_event_synchronize(ev));
		assert_int_equal(tt_event_query(ev), 1);
		assert_memory_equal(in, out, SIZE);
	}
	/* Recording it again starts a new recording: the new one passes too. */
	CHECK(tt_cq_nop(tt_device_cq(dev, 1), false));
	CHECK(tt_cq_enqueue_record_event(tt_device_cq(dev, 1), ev));
	CHECK(tt_event_synchronize(ev));
	/* Waiting for an event of the own queue is fine: it has passed. */
	CHECK(tt_cq_enqueue_wait_for_event(tt_device_cq(dev, 1), ev));
	CHECK(tt_cq_finish(tt_device_cq(dev, 1)));
	tt_buffer_destroy(b);
	tt_event_destroy(ev);
	free(in);
	free(out);
}

/* Destroying an event while its recording and a wait for it are queued. */
static void test_destroy_while_queued(void **state)
{
	struct tt_event *ev;
	unsigned i;

	(void)state;
	for (i = 0; i < 50; i++) {
		CHECK(tt_event_create(dev, &ev));
		CHECK(tt_cq_enqueue_record_event(tt_device_cq(dev, i % 2), ev));
		CHECK(tt_cq_enqueue_wait_for_event(tt_device_cq(dev, 1 - i % 2), ev));
		tt_event_destroy(ev);
	}
	CHECK(tt_cq_finish(tt_device_cq(dev, 0)));
	CHECK(tt_cq_finish(tt_device_cq(dev, 1)));
}

static void test_bad_event_use(void **state)
{
	struct tt_device *other;
	struct tt_event *ev, *foreign;

	(void)state;
	MODEL_ONLY("a second device: in-process ttsim runs one chip per process");
	other = open_device("sim:grid=1x1,dram_banks=1,dram_mib=16");
	CHECK(tt_event_create(dev, &ev));
	CHECK(tt_event_create(other, &foreign));
	CHECK_FAILS(tt_cq_enqueue_wait_for_event(tt_device_cq(dev, 0), ev), -EINVAL,
		    "never recorded");
	CHECK_FAILS(tt_event_query(ev), -EINVAL, "never recorded");
	CHECK_FAILS(tt_event_synchronize(ev), -EINVAL, "never recorded");
	CHECK_FAILS(tt_cq_enqueue_record_event(tt_device_cq(dev, 0), foreign), -EINVAL,
		    "another device");
	CHECK_FAILS(tt_cq_enqueue_wait_for_event(tt_device_cq(dev, 1), foreign), -EINVAL,
		    "another device");
	CHECK_FAILS(tt_event_create(NULL, &ev), -EINVAL, "NULL");
	CHECK_FAILS(tt_event_create(dev, NULL), -EINVAL, "NULL");
	CHECK_FAILS(tt_cq_enqueue_record_event(NULL, ev), -EINVAL, "NULL");
	CHECK_FAILS(tt_cq_enqueue_record_event(tt_device_cq(dev, 0), NULL), -EINVAL, "NULL");
	CHECK_FAILS(tt_cq_enqueue_wait_for_event(tt_device_cq(dev, 0), NULL), -EINVAL, "NULL");
	CHECK_FAILS(tt_event_query(NULL), -EINVAL, "NULL");
	CHECK_FAILS(tt_event_synchronize(NULL), -EINVAL, "NULL");
	tt_event_destroy(NULL);
	/* Nothing was queued by the failures: the event can be used as it is. */
	CHECK(tt_cq_enqueue_record_event(tt_device_cq(dev, 0), ev));
	CHECK(tt_event_synchronize(ev));
	tt_event_destroy(ev);
	tt_event_destroy(foreign);
	tt_device_close(other);
	assert_queues_work();
}

/*
 * A reset cancels an event that had not passed: asking about it or waiting
 * for it fails with -ECANCELED. One that had passed stays passed, and
 * waiting for it after the reset does not wait.
 */
static void test_reset_cancels_events(void **state)
{
	struct tt_buffer *flag = word_buffer(0), *out = word_buffer(0);
	struct tt_program *prog = poll_program(flag, out);
	struct tt_event *passed, *stuck;

	(void)state;
	CHECK(tt_event_create(dev, &passed));
	CHECK(tt_event_create(dev, &stuck));
	CHECK(tt_cq_enqueue_record_event(tt_device_cq(dev, 1), passed));
	CHECK(tt_event_synchronize(passed));
	CHECK(tt_cq_enqueue_program(tt_device_cq(dev, 0), prog, false));
	CHECK(tt_cq_enqueue_record_event(tt_device_cq(dev, 0), stuck));
	/* Queue 1 waits on the device for an event that will not come before the reset. */
	CHECK(tt_cq_enqueue_wait_for_event(tt_device_cq(dev, 1), stuck));
	CHECK(tt_cq_nop(tt_device_cq(dev, 1), false));
	assert_int_equal(tt_event_query(stuck), 0);

	CHECK(tt_device_reset(dev));
	CHECK_FAILS(tt_event_query(stuck), -ECANCELED, "cancelled by a device reset");
	CHECK_FAILS(tt_event_synchronize(stuck), -ECANCELED, "cancelled by a device reset");
	CHECK_FAILS(tt_cq_enqueue_wait_for_event(tt_device_cq(dev, 0), stuck), -ECANCELED,
		    "reset cancelled it");
	assert_int_equal(tt_event_query(passed), 1);
	CHECK(tt_cq_enqueue_wait_for_event(tt_device_cq(dev, 0), passed));
	CHECK(tt_cq_finish(tt_device_cq(dev, 0)));
	CHECK(tt_cq_finish(tt_device_cq(dev, 1)));

	/* Events recorded after the reset work across queues again. */
	CHECK(tt_cq_enqueue_record_event(tt_device_cq(dev, 0), stuck));
	CHECK(tt_cq_enqueue_wait_for_event(tt_device_cq(dev, 1), stuck));
	CHECK(tt_cq_enqueue_record_event(tt_device_cq(dev, 1), passed));
	CHECK(tt_event_synchronize(passed));
	assert_int_equal(tt_event_query(stuck), 1);
	assert_queues_work();

	tt_event_destroy(passed);
	tt_event_destroy(stuck);
	tt_program_destroy(prog);
	tt_buffer_destroy(flag);
	tt_buffer_destroy(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queues_run_concurrently),
		cmocka_unit_test(test_programs_run_concurrently),
		cmocka_unit_test(test_programs_share_cores),
		cmocka_unit_test(test_wait_orders_queues),
		cmocka_unit_test(test_nonblocking_transfers_complete_with_event),
		cmocka_unit_test(test_destroy_while_queued),
		cmocka_unit_test(test_bad_event_use),
		cmocka_unit_test(test_reset_cancels_events),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
