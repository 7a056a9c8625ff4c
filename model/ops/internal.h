/* SPDX-License-Identifier: MIT */
/* What the op files share: kernels by name, running a program, checking tensors. */
#ifndef MODEL_OPS_INTERNAL_H
#define MODEL_OPS_INTERNAL_H

#include <string.h>

#include "ops.h"
#include "ttuser.h"

#define OP_DIV_UP(a, b)		(((a) + (b) - 1) / (b))

/* A float's bits, for a kernel's argument. */
static inline uint32_t op_float_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

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
 * buffer at src; es 4 (Float32) or 2 (Float16_b). count: 0, or the
 * address of a count buffer (op_boxes) whose word 0 is n on the device
 * (none if it is over n), k at most that: the cores split that many.
 */
int op_topk_select(struct op_topk *tk, struct tt_cq *cq, uint32_t src, uint32_t stick,
		   uint32_t off, uint32_t m, uint32_t es, uint32_t n, uint32_t k, uint32_t count,
		   struct op_stats *stats);

/* Box records (op_boxes, kernels/records.h): 8 words, 32 a page. */
#define OP_REC_WORDS	8
#define OP_REC_PAGE	1024

/* -EINVAL unless b is boxes op_boxes_create made; what names it in the message. */
int op_boxes_check(const struct op_boxes *b, const char *what);
/* Their count and (recs not NULL) all their pages; waits for the queue. */
long op_boxes_read_records(struct tt_cq *cq, const struct op_boxes *b, uint32_t *recs);

/*
 * op_nms on the boxes in op_nms_records(nms), records whose number is
 * word 0 of the count buffer -- none if it is over the op's max_n (the op
 * that wrote it reports that). batched: as op_nms_run with groups, the
 * group as a float in word 5 and, over OP_NMS_OFFSET_MAX boxes,
 * numbered 0 .. n - 1 in word 6. Enqueued without a wait: the count and
 * indices of the kept boxes go to the op's result, and with kept, the
 * first kept->max kept records by descending score to kept.
 */
#define OP_NMS_OFFSET_MAX	1000
struct tt_buffer *op_nms_records(const struct op_nms *nms);
int op_nms_enqueue(struct op_nms *nms, struct tt_cq *cq, struct tt_buffer *count, bool batched,
		   double thresh, struct op_boxes *kept, struct op_stats *stats);

#endif
