// SPDX-License-Identifier: MIT
/*
 * Building and running op programs: kernels come from model/ops/kernels/,
 * built into the library at compile time (tools/embed.sh), so a program
 * that links the model needs no source tree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct tt_embedded_file {
	const char *path;
	const unsigned char *data;
	unsigned len;
};

/* Generated from the files in model/ops/kernels/. */
extern const struct tt_embedded_file op_kernels[];
extern const unsigned op_kernels_count;

int op_kernel(struct tt_program *prog, const char *name, struct tt_core_range cores,
	      const struct tt_kernel_config *cfg)
{
	unsigned i;
	char *src;
	int ret;

	for (i = 0; i < op_kernels_count; i++) {
		if (strcmp(op_kernels[i].path, name))
			continue;
		src = malloc(op_kernels[i].len + 1);
		if (!src)
			return tt_error(-ENOMEM, "out of memory");
		memcpy(src, op_kernels[i].data, op_kernels[i].len);
		src[op_kernels[i].len] = '\0';
		ret = tt_kernel_create_from_string(prog, src, cores, cfg);
		free(src);
		return ret;
	}
	return tt_error(-ENOENT, "no op kernel '%s'", name);
}

int op_cb(struct tt_program *prog, struct tt_core_range cores, uint32_t index,
	  enum tt_format fmt, uint32_t page_size, uint32_t num_pages)
{
	struct tt_cb_config cfg = {
		.index = index,
		.format = fmt,
		.page_size = page_size,
		.num_pages = num_pages,
	};

	return tt_cb_create(prog, cores, &cfg);
}

int op_run_shape(struct tt_cq *cq, struct tt_program *prog, struct op_stats *stats,
		 const char *name, const char *shape)
{
	struct tt_program_stats ps;
	int ret = tt_cq_enqueue_program(cq, prog, stats != NULL);

	if (ret || !stats)
		return ret;
	ret = tt_program_stats(prog, &ps);
	if (ret)
		return ret;
	stats->device_cycles += ps.device_cycles;
	stats->host_us += ps.host_us;
	if (stats->report)
		stats->report(stats->report_ctx, name, shape, ps.device_cycles, ps.host_us);
	return 0;
}

int op_run(struct tt_cq *cq, struct tt_program *prog, struct op_stats *stats, const char *name,
	   const struct op_tensor *in, const struct op_tensor *out)
{
	char shape[80];

	snprintf(shape, sizeof(shape), "%ux%ux%u -> %ux%ux%u", in->h, in->w, in->c, out->h,
		 out->w, out->c);
	return op_run_shape(cq, prog, stats, name, shape);
}

int op_grid(struct tt_device *dev, uint32_t *gx, uint32_t *gy, uint32_t *l1_budget)
{
	struct tt_device_info info;
	int ret = tt_device_info(dev, &info);

	if (ret)
		return ret;
	*gx = info.grid_x;
	*gy = info.grid_y;
	/* what CBs may use, less a margin for the library's own placement */
	*l1_budget = info.l1_size > info.l1_free + 16384 ? info.l1_size - info.l1_free - 16384 : 0;
	return 0;
}

int op_cores(struct tt_device *dev, uint32_t items, struct tt_core_range *cores, uint32_t *used)
{
	uint32_t gx, gy, budget, rows;
	int ret = op_grid(dev, &gx, &gy, &budget);

	if (ret)
		return ret;
	*used = items < gx * gy ? items : gx * gy;
	if (!*used)
		*used = 1;
	rows = OP_DIV_UP(*used, gx);
	*cores = TT_CORES(0, 0, rows > 1 ? gx - 1 : *used - 1, rows - 1);
	return 0;
}

int op_split_args(struct tt_program *prog, struct tt_core_range cores, uint32_t used,
		  uint32_t items, const int *kernels, unsigned nkernels, int compute)
{
	uint32_t w = cores.end.x + 1, n = w * (cores.end.y + 1), idx;
	unsigned k;
	int ret;

	for (idx = 0; idx < n; idx++) {
		struct tt_core core = TT_CORE(idx % w, idx / w);
		uint32_t count = idx < used && idx < items ? OP_DIV_UP(items - idx, used) : 0;
		uint32_t args[3] = { idx, count, used };

		for (k = 0; k < nkernels; k++) {
			ret = tt_runtime_args_set(prog, kernels[k], core, args, 3);
			if (ret)
				return ret;
		}
		if (compute >= 0) {
			ret = tt_runtime_args_set(prog, compute, core, &count, 1);
			if (ret)
				return ret;
		}
	}
	return 0;
}
