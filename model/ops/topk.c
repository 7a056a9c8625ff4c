// SPDX-License-Identifier: MIT
/*
 * Top-k on the device (see ops.h): topk_select.c sorts a run of the
 * values on each core and merges the runs' heads on core 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_RUNS	64		/* as topk_select.c */
#define MIN_CHUNK	256		/* values a core sorts at least (as topk_select.c) */
#define STAGE_PAGES	4

struct op_topk {
	struct tt_device *dev;
	uint32_t max_n, max_k;
	struct tt_buffer *runs, *out;
};

int op_topk_create(struct tt_device *dev, uint32_t max_n, uint32_t max_k, struct op_topk **out)
{
	struct tt_buffer_config cfg = { .type = TT_BUFFER_DRAM };
	struct op_topk *tk;
	int ret;

	if (!dev || !out)
		return tt_error(-EINVAL, "op_topk_create: NULL argument");
	if (max_n < 1 || max_n > OP_TOPK_MAX_N || max_k < 1 || max_k > OP_TOPK_MAX_K)
		return tt_error(-EINVAL, "op_topk_create: up to %u of %u values: need 1..%u of "
				"1..%u", max_k, max_n, OP_TOPK_MAX_K, OP_TOPK_MAX_N);
	tk = calloc(1, sizeof(*tk));
	if (!tk)
		return tt_error(-ENOMEM, "out of memory");
	tk->dev = dev;
	tk->max_n = max_n;
	tk->max_k = max_k;
	cfg.page_size = 8 * max_k;
	cfg.size = (uint64_t)MAX_RUNS * cfg.page_size;
	ret = tt_buffer_create(dev, &cfg, &tk->runs);
	if (!ret) {
		cfg.size = cfg.page_size;
		ret = tt_buffer_create(dev, &cfg, &tk->out);
	}
	if (ret) {
		op_topk_destroy(tk);
		return ret;
	}
	*out = tk;
	return 0;
}

void op_topk_destroy(struct op_topk *tk)
{
	if (!tk)
		return;
	tt_buffer_destroy(tk->runs);
	tt_buffer_destroy(tk->out);
	free(tk);
}

struct tt_buffer *op_topk_result(const struct op_topk *tk)
{
	return tk ? tk->out : NULL;
}

int op_topk_select(struct op_topk *tk, struct tt_cq *cq, uint32_t src, uint32_t stick,
		   uint32_t off, uint32_t m, uint32_t es, uint32_t n, uint32_t k, uint32_t count,
		   struct op_stats *stats)
{
	struct tt_kernel_config cfg = { .role = TT_ROLE_READER };
	uint32_t gx, gy, budget, nruns, chunk, used, keep, scratch;
	struct tt_core_range cores;
	struct tt_program *prog;
	char shape[64];
	int kernel, sem, ret;

	if (n < 1 || n > tk->max_n || k < 1 || k > n || k > tk->max_k)
		return tt_error(-EINVAL, "op_topk: top %u of %u values, made for up to %u of %u",
				k, n, tk->max_k, tk->max_n);
	ret = op_grid(tk->dev, &gx, &gy, &budget);
	if (ret)
		return ret;
	nruns = OP_DIV_UP(n, MIN_CHUNK);
	if (nruns > gx * gy)
		nruns = gx * gy;
	if (nruns > MAX_RUNS)
		nruns = MAX_RUNS;
	chunk = OP_DIV_UP(n, nruns);
	nruns = OP_DIV_UP(n, chunk);
	keep = chunk < k ? chunk : k;
	/* two runs' room, the other runs and the output (core 0) */
	scratch = (2 * chunk + (nruns - 1) * keep) * 8 + 8 * tk->max_k;
	if ((uint64_t)scratch + STAGE_PAGES * 32 * stick > budget)
		return tt_error(-ENOSPC, "op_topk: %u values do not fit in L1", n);
	ret = op_cores(tk->dev, nruns, &cores, &used);
	if (!ret)
		ret = tt_program_create(tk->dev, &prog);
	if (ret)
		return ret;
	if ((ret = op_cb(prog, cores, 0, TT_FORMAT_FLOAT32, 32 * stick, STAGE_PAGES)) ||
	    (ret = op_cb(prog, cores, 1, TT_FORMAT_FLOAT32, scratch, 1)) ||
	    (ret = kernel = op_kernel(prog, "topk_select.c", cores, &cfg)) < 0 ||
	    (ret = sem = tt_semaphore_create(prog, TT_CORES(0, 0, 0, 0), 0)) < 0)
		goto out;
	{
		uint32_t args[] = {
			src, stick, off, m, es, n, k, tt_buffer_address(tk->runs), 8 * tk->max_k,
			tt_buffer_address(tk->out), 8 * tk->max_k, tk->max_k, (uint32_t)sem, chunk,
			nruns, STAGE_PAGES, count,
		};
		uint32_t w = cores.end.x + 1, i;

		ret = tt_common_runtime_args_set(prog, kernel, args, sizeof(args) / 4);
		for (i = 0; !ret && i < w * (cores.end.y + 1); i++)
			ret = tt_runtime_args_set(prog, kernel, TT_CORE(i % w, i / w), &i, 1);
		if (ret)
			goto out;
	}
	snprintf(shape, sizeof(shape), count ? "up to %u -> %u" : "%u -> %u", n, k);
	ret = op_run_shape(cq, prog, stats, "topk", shape);
out:
	tt_program_destroy(prog);
	return ret;
}

int op_topk_run(struct op_topk *tk, struct tt_cq *cq, const struct op_tensor *in, uint32_t c0,
		uint32_t m, uint32_t k, struct op_stats *stats)
{
	uint32_t es;
	int ret;

	if (!tk || !cq)
		return tt_error(-EINVAL, "op_topk_run: NULL argument");
	if ((ret = op_tensor_check(in, "op_topk_run")))
		return ret;
	if (m < 1 || c0 + m > in->c || c0 + m < c0)
		return tt_error(-EINVAL, "op_topk_run: channels %u .. %u + %u of %u", c0, c0, m,
				in->c);
	es = op_tensor_elem_size(in);
	if ((uint64_t)in->h * in->w * m > tk->max_n)
		return tt_error(-EINVAL, "op_topk_run: %llu values, made for up to %u",
				(unsigned long long)in->h * in->w * m, tk->max_n);
	return op_topk_select(tk, cq, tt_buffer_address(in->buf), in->c_pad * es, c0 * es, m,
			      es, in->h * in->w * m, k, 0, stats);
}

int op_topk_read(struct op_topk *tk, struct tt_cq *cq, uint32_t k, uint32_t *idx, float *val)
{
	uint32_t *page;
	int ret;

	if (!tk || !cq)
		return tt_error(-EINVAL, "op_topk_read: NULL argument");
	if (k > tk->max_k)
		return tt_error(-EINVAL, "op_topk_read: %u results, made for up to %u", k,
				tk->max_k);
	page = malloc(8 * tk->max_k);
	if (!page)
		return tt_error(-ENOMEM, "out of memory");
	ret = tt_cq_read_buffer(cq, tk->out, page, true);
	if (!ret) {
		if (idx)
			memcpy(idx, page, 4 * k);
		if (val)
			memcpy(val, page + tk->max_k, 4 * k);
	}
	free(page);
	return ret;
}
