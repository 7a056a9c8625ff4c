/* SPDX-License-Identifier: MIT */
/* What the op files share: kernels by name, running a program, checking tensors. */
#ifndef MODEL_OPS_INTERNAL_H
#define MODEL_OPS_INTERNAL_H

#include "ops.h"
#include "../../libttuser/internal.h"

#define OP_DIV_UP(a, b)		(((a) + (b) - 1) / (b))

/* -EINVAL for a narrow tensor (c_pad < 32), which only a conv takes. */
int op_tensor_wide(const struct op_tensor *t, const char *what);
/* A kernel of model/ops/kernels/ (built into the library) on cores. */
int op_kernel(struct tt_program *prog, const char *name, struct tt_core_range cores,
	      const struct tt_kernel_config *cfg);
/* A CB of num_pages pages of page_size bytes on cores. */
int op_cb(struct tt_program *prog, struct tt_core_range cores, uint32_t index,
	  enum tt_format fmt, uint32_t page_size, uint32_t num_pages);
/*
 * Enqueue prog on cq: with stats, wait for it, add its figures and report
 * it as op name from in's shape to out's; without, return at once (the
 * image is copied, prog may change or go).
 */
int op_run(struct tt_cq *cq, struct tt_program *prog, struct op_stats *stats, const char *name,
	   const struct op_tensor *in, const struct op_tensor *out);
/* The same with the shape as text. */
int op_run_shape(struct tt_cq *cq, struct tt_program *prog, struct op_stats *stats,
		 const char *name, const char *shape);
/* The worker grid of dev. */
int op_grid(struct tt_device *dev, uint32_t *gx, uint32_t *gy, uint32_t *l1_budget);

/* out = in[y * stride][x * stride] (eltwise.c); out's size checked by the caller. */
int op_strided_copy(struct tt_device *dev, struct tt_cq *cq, const struct op_tensor *in,
		    uint32_t stride, struct op_tensor *out, struct op_stats *stats);
/*
 * Cores for items work items dealt round-robin: whole rows of the grid from
 * (0, 0), used of them with work (the others get none).
 */
int op_cores(struct tt_device *dev, uint32_t items, struct tt_core_range *cores, uint32_t *used);
/*
 * Per-core args of the data movement kernels ({first item, items, step})
 * and of the compute kernel ({items}; compute < 0: none).
 */
int op_split_args(struct tt_program *prog, struct tt_core_range cores, uint32_t used,
		  uint32_t items, const int *kernels, unsigned nkernels, int compute);

/*
 * op_topk on any stick array: value i at channel byte offset off + (i % m)
 * * es of stick i / m (stick bytes a stick, 32 sticks a page) of the DRAM
 * buffer at src; es 4 (Float32) or 2 (Float16_b).
 */
int op_topk_select(struct op_topk *tk, struct tt_cq *cq, uint32_t src, uint32_t stick,
		   uint32_t off, uint32_t m, uint32_t es, uint32_t n, uint32_t k,
		   struct op_stats *stats);

/*
 * op_nms on n boxes already in op_nms_records(nms): pages of 32 records of
 * 8 words (x1, y1, x2, y2, score as float bits; the group as a float, as
 * a word, 0). mode 0: plain; 1: batched, groups moved apart (up to
 * OP_NMS_OFFSET_MAX boxes, as batched_nms); 2: batched, the mask only
 * within a group (word 6 below n).
 */
#define OP_NMS_OFFSET_MAX	1000
struct tt_buffer *op_nms_records(const struct op_nms *nms);
long op_nms_run_records(struct op_nms *nms, struct tt_cq *cq, uint32_t n, uint32_t mode,
			double thresh, uint32_t *keep, struct op_stats *stats);

#endif
