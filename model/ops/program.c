// SPDX-License-Identifier: MIT
/*
 * Building and running op programs: kernels come from model/ops/kernels/,
 * built into the library at compile time (tools/embed.sh), so a program
 * that links the model needs no source tree.
 */
#include <errno.h>
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

int op_run(struct tt_cq *cq, struct tt_program *prog, struct op_stats *stats)
{
	struct tt_program_stats ps;
	int ret = tt_cq_enqueue_program(cq, prog, true);

	if (ret)
		return ret;
	if (!stats)
		return 0;
	ret = tt_program_stats(prog, &ps);
	if (ret)
		return ret;
	stats->device_cycles += ps.device_cycles;
	stats->host_us += ps.host_us;
	return 0;
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
