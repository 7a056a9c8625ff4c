// SPDX-License-Identifier: MIT
/*
 * The command processor's event and trace records, driven through the raw
 * host interface (rings in DMA memory, doorbells, completions): what they
 * do, and every malformed record failing with its errno and message while
 * the queue goes on.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../sim/sim.h"
#include "tt_core.h"

#define DMA_SIZE	(1u << 20)
#define ISSUE_SIZE	4096u
#define COMP_ENTRIES	16u
#define DATA		(64u << 10)	/* DMA offset of data for writes */

static struct ttsim_regs *regs;
static uint8_t *dma;
static struct sim_device *sim;
static struct sim_host host;
static uint32_t wptr[TTSIM_MAX_QUEUES], rptr[TTSIM_MAX_QUEUES];
static uint64_t seq = 1;

static uint64_t issue_base(unsigned q)
{
	return (uint64_t)q * 2 * ISSUE_SIZE;
}

static uint64_t comp_base(unsigned q)
{
	return issue_base(q) + ISSUE_SIZE;
}

static int setup(void **state)
{
	struct sim_config cfg;
	char err[256];
	unsigned i;

	(void)state;
	regs = aligned_alloc(4096, TTSIM_REGS_SIZE);
	dma = calloc(1, DMA_SIZE);
	assert_non_null(regs);
	assert_non_null(dma);
	memset(regs, 0, TTSIM_REGS_SIZE);
	host.regs = regs;
	host.dma = dma;
	host.dma_size = DMA_SIZE;
	for (i = 0; i < TTSIM_NUM_VECTORS; i++) {
		host.doorbell_fd[i] = eventfd(0, EFD_CLOEXEC);
		host.irq_fd[i] = eventfd(0, EFD_CLOEXEC);
	}
	sim_config_default(&cfg);
	assert_int_equal(sim_config_parse(&cfg, "grid=2x2,dram_banks=2,dram_mib=4,threads=1",
					  err, sizeof(err)), 0);
	assert_int_equal(sim_create(&cfg, &host, &sim, err, sizeof(err)), 0);
	for (i = 0; i < TTSIM_MAX_QUEUES; i++) {
		struct ttsim_queue_regs *q = &regs->queue[i];

		q->issue_base = issue_base(i);
		q->issue_size = ISSUE_SIZE;
		q->comp_base = comp_base(i);
		q->comp_entries = COMP_ENTRIES;
		__atomic_store_n(&q->enable, 1, __ATOMIC_RELEASE);
	}
	return 0;
}

static int teardown(void **state)
{
	unsigned i;

	(void)state;
	sim_destroy(sim);
	for (i = 0; i < TTSIM_NUM_VECTORS; i++) {
		close(host.doorbell_fd[i]);
		close(host.irq_fd[i]);
	}
	free(dma);
	free(regs);
	return 0;
}

/* Put a record on queue q and ring its doorbell; no PAD is ever needed. */
static void post(unsigned q, void *rec, uint32_t size)
{
	struct ttsim_cmd_hdr *h = rec;
	uint32_t off = wptr[q] % ISSUE_SIZE;
	uint64_t one = 1;

	if (off + size > ISSUE_SIZE) {
		struct ttsim_cmd_hdr pad = { .opcode = TTSIM_CMD_PAD, .size = ISSUE_SIZE - off };

		memcpy(dma + issue_base(q) + off, &pad, sizeof(pad));
		wptr[q] += pad.size;
		off = 0;
	}
	h->size = size;
	h->seq = seq++;
	memcpy(dma + issue_base(q) + off, rec, size);
	wptr[q] += size;
	__atomic_store_n(&regs->queue[q].issue_wptr, wptr[q], __ATOMIC_RELEASE);
	assert_int_equal(write(host.doorbell_fd[q], &one, sizeof(one)), sizeof(one));
}

/* The next completion of queue q, or a failure after 10 s. */
static struct ttsim_completion reap(unsigned q)
{
	struct ttsim_completion c;
	int waited = 0;

	while (__atomic_load_n(&regs->queue[q].comp_wptr, __ATOMIC_ACQUIRE) == rptr[q]) {
		struct pollfd pfd = { .fd = host.irq_fd[q], .events = POLLIN };
		uint64_t v;

		if (poll(&pfd, 1, 100) > 0 && read(pfd.fd, &v, sizeof(v)) < 0)
			fail_msg("irq read");
		if ((waited += 100) > 10000)
			fail_msg("queue %u: no completion", q);
	}
	memcpy(&c, dma + comp_base(q) + (rptr[q] % COMP_ENTRIES) * sizeof(c), sizeof(c));
	rptr[q]++;
	__atomic_store_n(&regs->queue[q].comp_rptr, rptr[q], __ATOMIC_RELEASE);
	return c;
}

/* Post a record, expect its completion with status err and a message containing text. */
static struct ttsim_completion expect(unsigned q, void *rec, uint32_t size, int err,
				      const char *text)
{
	struct ttsim_completion c;

	post(q, rec, size);
	c = reap(q);
	if (c.status != err || !strstr(c.msg, text))
		fail_msg("opcode %u: status %d '%s', expected %d '%s'", c.opcode, c.status, c.msg,
			 err, text);
	return c;
}

static void record(unsigned q, uint32_t event)
{
	struct ttsim_cmd_event e = { .hdr.opcode = TTSIM_CMD_RECORD_EVENT, .event = event };

	assert_int_equal(expect(q, &e, sizeof(e), 0, "").event, event);
}

static struct ttsim_cmd_wait_event wait_cmd(unsigned queue, uint32_t event)
{
	return (struct ttsim_cmd_wait_event){ .hdr.opcode = TTSIM_CMD_WAIT_EVENT,
					      .queue = queue, .event = event };
}

static void test_wait_event(void **state)
{
	struct ttsim_cmd_wait_event w;
	struct ttsim_cmd_hdr nop = { .opcode = TTSIM_CMD_NOP };

	(void)state;
	record(0, 3);
	w = wait_cmd(0, 3);
	assert_int_equal(expect(1, &w, sizeof(w), 0, "").event, 3);
	w = wait_cmd(0, 2);		/* an earlier one has passed too */
	expect(1, &w, sizeof(w), 0, "");
	w = wait_cmd(1, 1);		/* the own queue, not recorded */
	expect(1, &w, sizeof(w), -EDEADLK, "its own queue, which it has not recorded");
	w = wait_cmd(5, 1);
	expect(1, &w, sizeof(w), -EINVAL, "the device has 2 queues");
	w = wait_cmd(0, 1);
	w.reserved[1] = 1;
	expect(1, &w, sizeof(w), -EINVAL, "reserved");
	/* Serial-number order across the wrap of the counter. */
	record(0, 0xffffffffu);
	w = wait_cmd(0, 0xfffffff0u);
	expect(1, &w, sizeof(w), 0, "");
	record(0, 2);
	w = wait_cmd(0, 0xfffffffeu);
	expect(1, &w, sizeof(w), 0, "");
	expect(1, &nop, sizeof(nop), 0, "");

	/* A wait blocks its queue only: queue 0 goes on meanwhile, then releases it. */
	w = wait_cmd(0, 10);
	post(1, &w, sizeof(w));
	expect(0, &nop, sizeof(nop), 0, "");
	assert_int_equal(__atomic_load_n(&regs->queue[1].comp_wptr, __ATOMIC_ACQUIRE), rptr[1]);
	record(0, 10);
	assert_int_equal(reap(1).status, 0);
}

/* Store bytes at DRAM address base as pages of page_size, through queue 0. */
static void store(const void *bytes, uint32_t len, uint32_t base, uint32_t page_size)
{
	struct ttsim_cmd_paged w = {
		.hdr.opcode = TTSIM_CMD_WRITE_PAGED, .host_addr = DATA, .bank_kind = TTSIM_BANK_DRAM,
		.base = base, .page_size = page_size, .num_pages = (len + page_size - 1) / page_size,
	};

	memset(dma + DATA, 0, (size_t)w.num_pages * page_size);
	memcpy(dma + DATA, bytes, len);
	expect(0, &w, sizeof(w), 0, "");
}

static struct ttsim_cmd_trace trace_cmd(uint32_t size)
{
	return (struct ttsim_cmd_trace){ .hdr.opcode = TTSIM_CMD_EXEC_TRACE,
					 .bank_kind = TTSIM_BANK_DRAM, .base = 0x10000,
					 .page_size = 64, .size = size };
}

static void test_trace(void **state)
{
	uint8_t t[512];
	struct ttsim_cmd_hdr *h = (void *)t;
	struct ttsim_cmd_launch_inline *l = (void *)t;
	struct ttsim_cmd_trace tc;

	(void)state;
	/* Three NOPs over pages of 64 bytes, across both banks. */
	memset(t, 0, sizeof(t));
	h[0] = (struct ttsim_cmd_hdr){ .opcode = TTSIM_CMD_NOP, .size = 16 };
	h[1] = (struct ttsim_cmd_hdr){ .opcode = TTSIM_CMD_NOP, .size = 96 };
	h[7] = (struct ttsim_cmd_hdr){ .opcode = TTSIM_CMD_NOP, .size = 16 };
	store(t, 128, 0x10000, 64);
	tc = trace_cmd(128);
	assert_true(expect(0, &tc, sizeof(tc), 0, "").cycles > 0);
	tc = trace_cmd(0);
	expect(1, &tc, sizeof(tc), 0, "");

	tc = trace_cmd(120);
	expect(0, &tc, sizeof(tc), -EINVAL, "not a multiple of 16");
	tc = trace_cmd(128);
	tc.page_size = 0;
	expect(0, &tc, sizeof(tc), -EINVAL, "page size 0");
	tc = trace_cmd(128);
	tc.base = 4u << 20;
	expect(0, &tc, sizeof(tc), -EFAULT, "past its end");
	tc = trace_cmd(128);
	tc.bank_kind = 9;
	expect(0, &tc, sizeof(tc), -EFAULT, "unknown bank kind");
	tc = trace_cmd(96);		/* cuts the second record */
	expect(0, &tc, sizeof(tc), -EINVAL, "trace record 1 at offset 16: bad size 96");

	/* What a trace may not hold. */
	h[1] = (struct ttsim_cmd_hdr){ .opcode = TTSIM_CMD_RECORD_EVENT, .size = 32 };
	store(t, 128, 0x10000, 64);
	tc = trace_cmd(128);
	expect(0, &tc, sizeof(tc), -EINVAL, "trace record 1: command 7 cannot be in a trace");
	h[1] = (struct ttsim_cmd_hdr){ .opcode = TTSIM_CMD_EXEC_TRACE, .size = 32 };
	store(t, 128, 0x10000, 64);
	expect(0, &tc, sizeof(tc), -EINVAL, "command 9 cannot be in a trace");
	h[1] = (struct ttsim_cmd_hdr){ .opcode = TTSIM_CMD_NOP, .flags = 1, .size = 96 };
	store(t, 128, 0x10000, 64);
	expect(0, &tc, sizeof(tc), -EINVAL, "trace record 1: unknown flags");

	/* Launches inside: the image must fit its record and be a program. */
	memset(t, 0, sizeof(t));
	l->hdr = (struct ttsim_cmd_hdr){ .opcode = TTSIM_CMD_LAUNCH_INLINE, .size = 64 };
	l->prog_size = 33;
	store(t, 64, 0x10000, 64);
	tc = trace_cmd(64);
	expect(0, &tc, sizeof(tc), -EINVAL, "trace record 0: program of 33 bytes does not fit");
	l->prog_size = 32;
	store(t, 64, 0x10000, 64);
	expect(0, &tc, sizeof(tc), -EINVAL, "trace record 0: malformed program: bad header");
	l->prog_size = 0;
	l->reserved[2] = 1;
	store(t, 64, 0x10000, 64);
	expect(0, &tc, sizeof(tc), -EINVAL, "reserved");

	/* Outside a trace a LAUNCH_INLINE is refused, and the queue goes on. */
	l->reserved[2] = 0;
	expect(1, l, sizeof(*l), -EINVAL, "only inside a trace");
	memset(t, 0, sizeof(t));
	expect(1, h, sizeof(*h), 0, "");
	assert_int_equal(__atomic_load_n(&regs->queue[0].enable, __ATOMIC_ACQUIRE), 1);
	assert_int_equal(__atomic_load_n(&regs->queue[1].enable, __ATOMIC_ACQUIRE), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wait_event),
		cmocka_unit_test(test_trace),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
