// SPDX-License-Identifier: MIT
/*
 * The two-queue traced pipeline, as TT-CNN's executor with trace, two
 * command queues and overlapped input: the model's programs are captured
 * once on queue 0, the first ninput ones (those that read the input) into
 * one trace, the rest into another. For each input,
 *
 *	queue 1: wait for op_event; write the input into the persistent
 *		 input buffer; record write_event
 *	queue 0: wait for write_event; replay the input trace; record
 *		 op_event; replay the rest; read the persistent output buffer
 *		 into a host slot
 *
 * so queue 1 writes input i + 1 while queue 0 still runs the rest of the
 * model on input i and reads output i back, and the host only enqueues:
 * nothing waits until pop_all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct tt_pipeline {
	struct tt_device *dev;
	struct tt_cq *ops, *io;		/* queue 0: trace and reads; queue 1: input writes */
	struct tt_buffer *input, *output;
	uint32_t trace[2];		/* the programs that read the input; the rest */
	unsigned ntraces;
	struct tt_event *op_event, *write_event;
	void **slots;			/* outputs in flight, in order */
	unsigned nslots, cap;
};

void tt_pipeline_destroy(struct tt_pipeline *pl)
{
	unsigned i;

	if (!pl)
		return;
	tt_cq_finish(pl->io);
	tt_cq_finish(pl->ops);
	for (i = 0; i < pl->ntraces; i++)
		tt_release_trace(pl->dev, pl->trace[i]);
	tt_event_destroy(pl->op_event);
	tt_event_destroy(pl->write_event);
	for (i = 0; i < pl->nslots; i++)
		free(pl->slots[i]);
	free(pl->slots);
	free(pl);
}

/* Capture programs [from, to) into the next trace. */
static int capture(struct tt_pipeline *pl, const struct tt_pipeline_config *cfg, unsigned from,
		   unsigned to)
{
	unsigned i;
	int id, ret = 0;

	id = tt_cq_begin_trace_capture(pl->ops);
	if (id < 0)
		return id;
	for (i = from; i < to && !ret; i++)
		ret = tt_cq_enqueue_program(pl->ops, cfg->programs[i], false);
	if (ret) {
		int err = ret;
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", tt_last_error());
		if (!tt_cq_end_trace_capture(pl->ops, (uint32_t)id))
			tt_release_trace(pl->dev, (uint32_t)id);
		return tt_error(err, "pipeline: capturing program %u: %s", i - 1, msg);
	}
	ret = tt_cq_end_trace_capture(pl->ops, (uint32_t)id);
	if (ret)
		return ret;
	pl->trace[pl->ntraces++] = (uint32_t)id;
	return 0;
}

int tt_pipeline_create(struct tt_device *dev, const struct tt_pipeline_config *cfg,
		       struct tt_pipeline **out)
{
	struct tt_pipeline *pl;
	unsigned i, ninput;
	int ret;

	if (!dev || !cfg || !out || !cfg->input || !cfg->output)
		return tt_error(-EINVAL, "tt_pipeline_create: NULL argument");
	*out = NULL;
	if (!cfg->nprograms || !cfg->programs)
		return tt_error(-EINVAL, "pipeline: no programs to run");
	for (i = 0; i < cfg->nprograms; i++)
		if (!cfg->programs[i])
			return tt_error(-EINVAL, "pipeline: program %u is NULL", i);
	if (cfg->ninput_programs > cfg->nprograms)
		return tt_error(-EINVAL, "pipeline: %u programs read the input, of %u",
				cfg->ninput_programs, cfg->nprograms);
	ninput = cfg->ninput_programs ? cfg->ninput_programs : cfg->nprograms;
	if (cfg->input->dev != dev || cfg->output->dev != dev)
		return tt_error(-EINVAL, "pipeline: a buffer belongs to another device");
	if (cfg->input == cfg->output)
		return tt_error(-EINVAL, "pipeline: input and output must be different buffers "
				"(queue 1 writes the next input while queue 0 reads the output)");
	if (dev->info.nqueues < 2)
		return tt_error(-ENODEV, "pipeline: the device has %u command queue(s), not 2",
				dev->info.nqueues);
	pl = calloc(1, sizeof(*pl));
	if (!pl)
		return tt_error(-ENOMEM, "out of memory");
	pl->dev = dev;
	pl->ops = dev->cq[0];
	pl->io = dev->cq[1];
	pl->input = cfg->input;
	pl->output = cfg->output;
	ret = tt_event_create(dev, &pl->op_event);
	if (!ret)
		ret = tt_event_create(dev, &pl->write_event);
	if (!ret)
		ret = capture(pl, cfg, 0, ninput);
	if (!ret && ninput < cfg->nprograms)
		ret = capture(pl, cfg, ninput, cfg->nprograms);
	/* The first input may be written at once. */
	if (!ret)
		ret = tt_cq_enqueue_record_event(pl->ops, pl->op_event);
	if (ret) {
		tt_pipeline_destroy(pl);
		return ret;
	}
	*out = pl;
	return 0;
}

static int run_one(struct tt_pipeline *pl, const void *input, void *slot)
{
	int ret;

	ret = tt_cq_enqueue_wait_for_event(pl->io, pl->op_event);
	if (!ret)
		ret = tt_cq_write_buffer(pl->io, pl->input, input, false);
	if (!ret)
		ret = tt_cq_enqueue_record_event(pl->io, pl->write_event);
	if (!ret)
		ret = tt_cq_enqueue_wait_for_event(pl->ops, pl->write_event);
	if (!ret)
		ret = tt_cq_replay_trace(pl->ops, pl->trace[0], false);
	if (!ret)
		ret = tt_cq_enqueue_record_event(pl->ops, pl->op_event);
	if (!ret && pl->ntraces > 1)
		ret = tt_cq_replay_trace(pl->ops, pl->trace[1], false);
	if (!ret)
		ret = tt_cq_read_buffer(pl->ops, pl->output, slot, false);
	return ret;
}

int tt_pipeline_enqueue(struct tt_pipeline *pl, const void *const *inputs, unsigned n)
{
	unsigned i;
	int ret;

	if (!pl || (n && !inputs))
		return tt_error(-EINVAL, "tt_pipeline_enqueue: NULL argument");
	for (i = 0; i < n; i++)
		if (!inputs[i])
			return tt_error(-EINVAL, "pipeline: input %u is NULL", i);
	for (i = 0; i < n; i++) {
		void *slot;

		if (pl->nslots == pl->cap) {
			unsigned cap = pl->cap ? 2 * pl->cap : 16;
			void **s = realloc(pl->slots, cap * sizeof(*s));

			if (!s)
				return tt_error(-ENOMEM, "out of memory");
			pl->slots = s;
			pl->cap = cap;
		}
		slot = malloc(tt_buffer_size(pl->output));
		if (!slot)
			return tt_error(-ENOMEM, "out of memory for output %u", pl->nslots);
		ret = run_one(pl, inputs[i], slot);
		if (ret) {
			free(slot);
			return ret;
		}
		pl->slots[pl->nslots++] = slot;
	}
	return 0;
}

int tt_pipeline_pop_all(struct tt_pipeline *pl, void *const *outputs, unsigned max)
{
	unsigned i, n;
	int ret, ret1;

	if (!pl || (max && !outputs))
		return tt_error(-EINVAL, "tt_pipeline_pop_all: NULL argument");
	if (max < pl->nslots)
		return tt_error(-ENOSPC, "pipeline: %u outputs are waiting, room for %u",
				pl->nslots, max);
	for (i = 0; i < pl->nslots; i++)
		if (!outputs[i])
			return tt_error(-EINVAL, "pipeline: output %u is NULL", i);
	ret = tt_cq_finish(pl->ops);
	ret1 = tt_cq_finish(pl->io);
	n = pl->nslots;
	for (i = 0; i < n; i++) {
		if (!ret && !ret1)
			memcpy(outputs[i], pl->slots[i], tt_buffer_size(pl->output));
		free(pl->slots[i]);
	}
	pl->nslots = 0;
	if (ret)
		return ret;
	if (ret1)
		return ret1;
	return (int)n;
}
