/* SPDX-License-Identifier: MIT */
/* What the op files share: kernels by name, running a program, checking tensors. */
#ifndef MODEL_OPS_INTERNAL_H
#define MODEL_OPS_INTERNAL_H

#include "ops.h"
#include "../../libttuser/internal.h"

#define OP_DIV_UP(a, b)		(((a) + (b) - 1) / (b))

/* A kernel of model/ops/kernels/ (built into the library) on cores. */
int op_kernel(struct tt_program *prog, const char *name, struct tt_core_range cores,
	      const struct tt_kernel_config *cfg);
/* A CB of num_pages pages of page_size bytes on cores. */
int op_cb(struct tt_program *prog, struct tt_core_range cores, uint32_t index,
	  enum tt_format fmt, uint32_t page_size, uint32_t num_pages);
/* Run prog to completion on cq and add its figures to stats (may be NULL). */
int op_run(struct tt_cq *cq, struct tt_program *prog, struct op_stats *stats);
/* -EINVAL unless t is a tensor op_tensor_create made; what names it. */
int op_tensor_check(const struct op_tensor *t, const char *what);
/* The worker grid of dev. */
int op_grid(struct tt_device *dev, uint32_t *gx, uint32_t *gy, uint32_t *l1_budget);

#endif
