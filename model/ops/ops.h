/* SPDX-License-Identifier: MIT */
/*
 * The device ops the network is built from: each op is a program of
 * reader, compute and writer kernels (model/ops/kernels/) run on the
 * device's worker cores through libttuser.
 *
 * Activations (struct op_tensor) live in a DRAM interleaved buffer as
 * NHWC "sticks", batch 1: stick p holds pixel p = y * w + x, its channels
 * in order, padded with zeros to c_pad -- a multiple of 32, or for fewer
 * than 17 channels (the input image) the next power of two. Pixels are
 * padded to a multiple of 32 (rows; the padding's contents are
 * unspecified), and a page holds 32 sticks: page b is pixels 32b .. 32b +
 * 31, row-major -- one 32-row block, which the compute kernels tilize
 * into c_pad / 32 tiles, and which a reader fetches in one transfer when
 * it needs consecutive pixels. Narrow tensors (c_pad < 32) are conv
 * inputs only. Values are bf16 (Float16_b) or, for parity runs, Float32.
 *
 * Every function returns 0 or a negative errno with tt_last_error() saying
 * what was wrong; bad input leaves the device and the op usable.
 */
#ifndef MODEL_OPS_H
#define MODEL_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <ttuser.h>

/* ---- activations (tensor.c) ------------------------------------------ */
struct op_tensor {
	struct tt_buffer *buf;
	uint32_t h, w, c;		/* logical size */
	uint32_t c_pad;			/* channels per stick, a multiple of 32 */
	uint32_t rows;			/* pixels, rounded up to 32 */
	enum tt_format fmt;		/* TT_FORMAT_FLOAT16_B or TT_FORMAT_FLOAT32 */
};

int op_tensor_create(struct tt_device *dev, uint32_t h, uint32_t w, uint32_t c,
		     enum tt_format fmt, struct op_tensor *t);
void op_tensor_destroy(struct op_tensor *t);
/* c_pad of a tensor of c channels. */
uint32_t op_channels_padded(uint32_t c);
/* -EINVAL unless t is a tensor op_tensor_create made; what names it in the message. */
int op_tensor_check(const struct op_tensor *t, const char *what);
/* Bytes of one element of t. */
uint32_t op_tensor_elem_size(const struct op_tensor *t);
/* chw: float [c][h][w] (torch's layout), converted to t's format. */
int op_tensor_write(struct tt_cq *cq, struct op_tensor *t, const float *chw);
int op_tensor_read(struct tt_cq *cq, const struct op_tensor *t, float *chw);
/* The same with hwc: float [h * w][c], pixel by pixel (rows of a linear layer). */
int op_tensor_write_hwc(struct tt_cq *cq, struct op_tensor *t, const float *hwc);
int op_tensor_read_hwc(struct tt_cq *cq, const struct op_tensor *t, float *hwc);

/* ---- precision ------------------------------------------------------- */
/*
 * act: format of activations (Float16_b, or Float32 for parity); weight:
 * Float16_b, Bfp8_b or Float32; fidelity of the matmuls. Accumulation is
 * always in fp32 (DST in fp32 mode), biases stay fp32. With Float32
 * activations and weights the ops work to about fp32 accuracy although
 * the FPU reads operands through 19-bit source registers: matmuls and
 * RoIAlign's weighted sums as three passes over hi and lo parts (conv.c,
 * roi_align.c), adds and max pool on the SFPU (eltwise.c, pool.c).
 */
struct op_precision {
	enum tt_format act;
	enum tt_format weight;
	enum tt_math_fidelity fidelity;
};

extern const struct op_precision op_precision_bf16;	/* bf16, bf16 weights, HiFi2 */
extern const struct op_precision op_precision_bfp8;	/* bf16, bfp8_b weights, LoFi */
extern const struct op_precision op_precision_fp32;	/* fp32, fp32 weights, HiFi4 */

/*
 * Every op enqueues its programs on the queue given. With a struct
 * op_stats it waits for them and adds their figures to it; with NULL it
 * returns at once, so that the host prepares the next op while the device
 * runs this one, and so that a trace can capture a sequence of ops (run it
 * once first: programs and tensors are made on the first run). Errors of
 * a run that was not waited for come back from tt_cq_finish.
 * With a report function, each op also reports itself: its name
 * ("conv3x3/s2", "add+relu", ...), its shape ("40x40x128 -> 20x20x256")
 * and its figures.
 */
typedef void (*op_report_fn)(void *ctx, const char *op, const char *shape,
			     uint64_t device_cycles, double host_us);

struct op_stats {
	uint64_t device_cycles;
	double host_us;
	op_report_fn report;		/* may be NULL */
	void *report_ctx;
};

/* ---- the image transform (transform.c) -------------------------------- */
/*
 * GeneralizedRCNNTransform (eval) on the device, with the result of
 * model/reference/transform.c's transform_image bit for bit in Float32: each
 * pixel of the rh x rw resized image is the bilinear blend
 * (align_corners=False) of its four taps, each normalized as (v -
 * mean[c]) / std[c], operation for operation in fp32 on the cores' F
 * extension; the ph x pw output is zero outside rh x rw. The taps'
 * indices and weights are computed on the device too (as linear_taps);
 * the host only writes the raw image. Output rows are split over the
 * cores. Float16_b output is the Float32 value rounded to nearest even.
 */
struct op_transform_desc {
	uint32_t h, w;			/* the raw image */
	uint32_t rh, rw;		/* resized (transform_sizes) */
	uint32_t ph, pw;		/* padded: the output's size, >= rh x rw */
	float mean[3], std[3];
};

struct op_transform;

int op_transform_create(struct tt_device *dev, const struct op_transform_desc *desc,
			struct op_transform **t);
void op_transform_destroy(struct op_transform *t);
/*
 * image: float [3][h][w] (CHW, as decoded; values in [0, 1]); out: ph x
 * pw x 3, Float32 or Float16_b. The image is copied before the call
 * returns.
 */
int op_transform_run(struct op_transform *t, struct tt_cq *cq, const float *image,
		     struct op_tensor *out, struct op_stats *stats);

/* ---- convolution (conv.c) -------------------------------------------- */
/*
 * out[o][y][x] = act(bias[o] + sum weight[o][i][ky][kx] *
 *		       in[i][y * stride - pad + ky * dilation][x * ... ]),
 * zero outside the input; act is relu or the identity. An implicit GEMM:
 * the reader gathers each output pixel's patch (im2col) from the input
 * sticks, the compute kernel tilizes it and multiplies it by the weight
 * matrix, prepared once on the host in tiles of the weight format.
 * A linear layer is a 1x1 conv over a 1 x N "image" of N rows.
 */
struct op_conv_desc {
	uint32_t in_c, out_c;
	uint32_t kh, kw;
	uint32_t stride, pad, dilation;	/* the same along both axes */
	bool relu;
};

struct op_conv;

/* weight: float [out_c][in_c][kh][kw]; bias: float [out_c] or NULL. */
int op_conv_create(struct tt_device *dev, const struct op_conv_desc *desc, const float *weight,
		   const float *bias, const struct op_precision *prec, struct op_conv **conv);
void op_conv_destroy(struct op_conv *conv);
/* Output size of an h x w input; -EINVAL if the kernel does not fit. */
int op_conv_out_size(const struct op_conv_desc *desc, uint32_t h, uint32_t w, uint32_t *ho,
		     uint32_t *wo);
/* How the last run split the work (for reports and tests). */
struct op_conv_split {
	uint32_t mb;			/* tile rows of M an item */
	uint32_t nw, groups;		/* tiles of N an item, groups of N */
	uint32_t kc, nkc;		/* K chunk tiles, chunks */
	uint32_t items, cores;
	bool resident;			/* each core holds its group's weights */
};

int op_conv_split(const struct op_conv *conv, struct op_conv_split *split);
/* out must be ho x wo x out_c in the act format of the conv's precision. */
int op_conv_run(struct op_conv *conv, struct tt_cq *cq, const struct op_tensor *in,
		struct op_tensor *out, struct op_stats *stats);

/*
 * A linear layer y = relu?(x W^T + b) over n rows: a 1x1 conv on a 1 x n
 * tensor of in_features channels. weight: float [out_features][in_features].
 */
int op_linear_create(struct tt_device *dev, uint32_t in_features, uint32_t out_features,
		     const float *weight, const float *bias, bool relu,
		     const struct op_precision *prec, struct op_conv **linear);

/* ---- element-wise (eltwise.c) ----------------------------------------- */
/* out = relu?(a + b): the residual add of a bottleneck. */
int op_add(struct tt_device *dev, struct tt_cq *cq, const struct op_tensor *a,
	   const struct op_tensor *b, struct op_tensor *out, bool relu, struct op_stats *stats);
/*
 * out = a + nearest(b): FPN's top-down step, b resized to a's h x w as
 * torch's interpolate(mode="nearest"): source index floor(dst * in / out).
 */
int op_upsample_add(struct tt_device *dev, struct tt_cq *cq, const struct op_tensor *a,
		    const struct op_tensor *b, struct op_tensor *out, struct op_stats *stats);
/* out = relu(a). */
int op_relu(struct tt_device *dev, struct tt_cq *cq, const struct op_tensor *a,
	    struct op_tensor *out, struct op_stats *stats);

/* ---- softmax (softmax.c) ---------------------------------------------- */
/*
 * out = softmax over the channels of each pixel of in (the class logits of
 * a linear layer's rows); same size and format.
 */
int op_softmax(struct tt_device *dev, struct tt_cq *cq, const struct op_tensor *in,
	       struct op_tensor *out, struct op_stats *stats);

/* ---- pooling (pool.c) -------------------------------------------------- */
/*
 * Max pool, k x k window, stride, pad (padding never wins, as torch's -inf
 * padding); k * k <= 32. k = 1 is a strided copy (FPN's P6: k 1, s 2).
 */
int op_maxpool(struct tt_device *dev, struct tt_cq *cq, const struct op_tensor *in, uint32_t k,
	       uint32_t stride, uint32_t pad, struct op_tensor *out, struct op_stats *stats);
int op_maxpool_out_size(uint32_t h, uint32_t w, uint32_t k, uint32_t stride, uint32_t pad,
			uint32_t *ho, uint32_t *wo);

/* ---- boxes on the device (boxes.c) ------------------------------------ */
/*
 * Up to max boxes that stay on the device between the ops that make and
 * take them: op_anchors -> op_proposals -> op_roi_align, op_postprocess.
 * recs holds records of 8 words, 32 a 1024-byte page: x1, y1, x2, y2 and
 * a score as float bits, then three words of the op that made them; count
 * (one 32-byte page) their number in word 0. The op that makes them writes
 * both on the device, so the ops that take them are enqueued without the
 * host knowing how many there are; they read the count, and look at no
 * record from it on.
 */
#define OP_BOXES_MAX	(1u << 20)

struct op_boxes {
	struct tt_buffer *recs, *count;
	uint32_t max;
};

int op_boxes_create(struct tt_device *dev, uint32_t max, struct op_boxes *b);
void op_boxes_destroy(struct op_boxes *b);
/*
 * n boxes [4] and their scores (NULL: 0) from the host; coordinates
 * within +-2^24, scores finite.
 */
int op_boxes_write(struct tt_cq *cq, struct op_boxes *b, const float *boxes, const float *scores,
		   uint32_t n);
/*
 * Their boxes [count][4] and scores [count] (either may be NULL: only
 * the count); returns the count or -errno. Waits for the queue.
 */
long op_boxes_read(struct tt_cq *cq, const struct op_boxes *b, float *boxes, float *scores);

/* ---- anchors (anchors.c) ---------------------------------------------- */
/*
 * torchvision's AnchorGenerator on the device, anchors_generate's table
 * (model/reference/detection.h: the same arguments) as boxes: for each level l,
 * cell (y, x) of its feat_h[l] x feat_w[l] map and anchor a, in that
 * order, the base anchor a of the level -- round (half to even) of
 * (-w, -h, w, h) / 2 for each ratio and size -- shifted by (x * stride_w,
 * y * stride_h), the strides img / feat. All the values are integers:
 * the table is anchors_generate's, bit for bit. out must hold them all.
 */
struct anchor_config;

int op_anchors_run(struct tt_device *dev, struct tt_cq *cq, const struct anchor_config *c,
		   uint32_t img_h, uint32_t img_w, const uint32_t *feat_h, const uint32_t *feat_w,
		   struct op_boxes *out, struct op_stats *stats);

/* ---- RoIAlign (roi_align.c) ------------------------------------------ */
/*
 * torchvision's MultiScaleRoIAlign (aligned=False) on the device: each box
 * (x1, y1, x2, y2 in the image's pixels) is pooled from the map its
 * LevelMapper picks to pooled x pooled bins, each the mean of sampling x
 * sampling bilinear samples. The reader picks the level (the host's
 * choice exactly: it compares sqrt(area) with the sizes where the host's
 * LevelMapper steps up, roi_level_bounds), computes the samples' pixels
 * and weights and gathers those sticks; the compute kernel sums them
 * weighted (tile engine, fp32 DST); the writer puts each bin's channels
 * in place. The boxes come from the device (op_boxes: their count read
 * there): out is 1 x max x (pooled * pooled * c) for boxes->max RoIs,
 * RoI r's stick holding bin (y, x)'s channels at (y * pooled + x) * c --
 * the (y, x, c) order, where torch flattens (c, y, x): a linear layer that
 * takes it permutes its weight columns to match. The RoIs from the
 * count on are zero.
 */
struct op_roi_align;

/* sampling 1 or 2 (torchvision's is 2). */
int op_roi_align_create(struct tt_device *dev, uint32_t pooled, uint32_t sampling,
			struct op_roi_align **ra);
void op_roi_align_destroy(struct op_roi_align *ra);
/*
 * maps: nlevels FPN levels (P2 ..), wide, of one format and channel count;
 * img_h, img_w: the size the boxes are in (the resized image, unpadded).
 */
int op_roi_align_run(struct op_roi_align *ra, struct tt_cq *cq,
		     const struct op_tensor *const *maps, uint32_t nlevels, uint32_t img_h,
		     uint32_t img_w, const struct op_boxes *boxes, struct op_tensor *out,
		     struct op_stats *stats);
/*
 * The same into nparts output tensors (1 .. OP_ROI_ALIGN_MAX_PARTS), for
 * RoIs too wide for one tensor page (256 channels of 7 x 7 bins in fp32):
 * each RoI's bins in order, part i holding the next out[i]->c / c of
 * them, so out[i] is 1 x max x (its bins * c) and the parts' bins add up
 * to pooled * pooled. fc6 split by the same columns takes them as they are.
 */
#define OP_ROI_ALIGN_MAX_PARTS	4

int op_roi_align_run_parts(struct op_roi_align *ra, struct tt_cq *cq,
			   const struct op_tensor *const *maps, uint32_t nlevels, uint32_t img_h,
			   uint32_t img_w, const struct op_boxes *boxes,
			   struct op_tensor *const *out, uint32_t nparts, struct op_stats *stats);

/* ---- top-k (topk.c) ---------------------------------------------------- */
/*
 * The k largest values, by descending value and, among equal values,
 * ascending index (torch.topk on the CPU; -0 equals +0). The values are
 * channels c0 .. c0 + m - 1 of every pixel of a tensor: value i is
 * channel c0 + i % m of pixel i / m -- with the RPN head's output and
 * c0 = 0, m = A, anchor i's objectness logit in torchvision's order.
 * Each core merge-sorts a run of the values (at least 256 a core, up to
 * 64 cores); core 0 merges the runs' best k. The result stays on the
 * device (op_topk_result: page 0 holds k indices as words, then from
 * word max_k the values as float bits) for the ops that use it.
 * Where a NaN goes is unspecified.
 */
#define OP_TOPK_MAX_N	(1u << 20)
#define OP_TOPK_MAX_K	8192

struct op_topk;

int op_topk_create(struct tt_device *dev, uint32_t max_n, uint32_t max_k, struct op_topk **tk);
void op_topk_destroy(struct op_topk *tk);
/* The top k of in's h * w * m values; k <= max_k and <= their number. */
int op_topk_run(struct op_topk *tk, struct tt_cq *cq, const struct op_tensor *in, uint32_t c0,
		uint32_t m, uint32_t k, struct op_stats *stats);
struct tt_buffer *op_topk_result(const struct op_topk *tk);
/* The last run's first k indices and values (either may be NULL); waits for the queue. */
int op_topk_read(struct op_topk *tk, struct tt_cq *cq, uint32_t k, uint32_t *idx, float *val);

/* ---- NMS (nms.c) ------------------------------------------------------- */
/*
 * torchvision's nms (groups NULL) and batched_nms (boxes compared only
 * within a group) as model/reference/nms.c computes them on the CPU, with the same
 * result: keep[] gets the indices of the kept boxes by descending score
 * (equal scores by index); returns their number or -errno. op_topk sorts
 * the scores; then every core computes rows of the suppression mask
 * (IoU > thresh, in fp32 on the cores' F extension, operation for
 * operation as the CPU kernel: the tile engine's 19-bit sources would
 * round the coordinates), and core 0 scans the mask greedily. Batched
 * with up to 1000 boxes, the groups are moved apart by (max coordinate
 * + 1) * group first, as torchvision does (which rounds the IoUs as
 * there); with more, the mask only pairs boxes of one group.
 * Coordinates and scores must be finite, groups 0 .. 2^24 - 1.
 */
#define OP_NMS_MAX_N	8192

struct op_nms;

int op_nms_create(struct tt_device *dev, uint32_t max_n, struct op_nms **nms);
void op_nms_destroy(struct op_nms *nms);
/* boxes [n][4] (x1, y1, x2, y2), scores [n], groups [n] or NULL; keep [n]. */
long op_nms_run(struct op_nms *nms, struct tt_cq *cq, const float *boxes, const float *scores,
		const int64_t *groups, uint32_t n, double thresh, uint32_t *keep,
		struct op_stats *stats);

/* ---- RPN proposals (proposals.c) --------------------------------------- */
/*
 * RegionProposalNetwork.filter_proposals (eval) on the device, with the
 * result of model/reference/proposals.c's rpn_filter_proposals on the host after
 * box_decode of every anchor: per level the top pre_nms_top_n anchors
 * by logit (op_topk on the head's channels 0 .. A - 1); their deltas
 * and anchors gathered and decoded as model/reference/box_coder.c (weights 1,
 * dw and dh clamped at log(1000 / 16), exp by tt_expf: the host's expf
 * but within 1 ulp at a rounding midpoint), clipped to the image, the
 * sigmoid of the logit as score; boxes smaller than min_size or scoring
 * under score_thresh dropped; op_nms batched by level; the best
 * post_nms_top_n. All in fp32 on the cores' F extension.
 *
 * heads: level l's RPN head output (rpn_head.h: h[l] x w[l], 5A
 * channels, 0 .. A - 1 the logits, A + 4a .. A + 4a + 3 anchor a's
 * deltas), all Float32 or all Float16_b; anchors: the table of every
 * level's anchors in torchvision's order (level, y, x, anchor), as
 * op_anchors_run makes it. The candidates (sum of min(pre_nms_top_n,
 * h * w * A)) must be at most OP_NMS_MAX_N. A NaN logit goes where
 * op_topk puts it.
 *
 * A run is enqueued without a wait: the number of candidates that pass
 * the filters, and of the proposals, stays on the device, and the
 * proposals -- boxes by descending score, the score, then the level as a
 * float and as a word -- stay there as op_proposals_boxes (up to
 * post_nms_top_n), for op_roi_align and op_postprocess to take, or
 * op_boxes_read to fetch.
 */
#define OP_PROPOSALS_MAX_LEVELS	8

struct op_proposals_desc {
	uint32_t nlevels;
	uint32_t h[OP_PROPOSALS_MAX_LEVELS], w[OP_PROPOSALS_MAX_LEVELS];
	uint32_t anchors;		/* A, a location */
	uint32_t pre_nms_top_n;		/* a level: 1000 */
	uint32_t post_nms_top_n;	/* 1000 */
	double nms_thresh;		/* 0.7 */
	float score_thresh;		/* 0.0 */
	float min_size;			/* 1e-3 */
};

struct op_proposals;

int op_proposals_create(struct tt_device *dev, const struct op_proposals_desc *desc,
			struct op_proposals **p);
void op_proposals_destroy(struct op_proposals *p);
/* img_h x img_w: the image the boxes are clipped to (unpadded). */
int op_proposals_run(struct op_proposals *p, struct tt_cq *cq, const struct op_tensor *const *heads,
		     const struct op_boxes *anchors, uint32_t img_h, uint32_t img_w,
		     struct op_stats *stats);
/* The proposals of the last run, on the device. */
const struct op_boxes *op_proposals_boxes(const struct op_proposals *p);

/* ---- detections (postprocess.c) ---------------------------------------- */
/*
 * RoIHeads.postprocess_detections (eval) on the device, with the result
 * of model/reference/postprocess.c's postprocess_detections: each RoI's softmax
 * over its K class logits (fp32 on the cores' F extension, summed in
 * order as the host does: the tile engine's op_softmax is not bit for
 * bit the host's), every class j >= 1's box decoded from the RoI's
 * proposal as model/reference/box_coder.c (weights 10, 10, 5, 5, dw and dh
 * clamped at log(1000 / 16), exp by tt_expf) and clipped to the image;
 * candidates with probability > score_thresh and not smaller than
 * min_size, in (RoI, class) order; op_nms batched by class; the best
 * detections.
 *
 * pred: the box head's output (box_head.h): row i (pixel i) holds RoI
 * i's K logits, then class j's deltas at K + 4j; Float32 or Float16_b.
 * The candidates must number at most OP_NMS_MAX_N (-ENOSPC if not).
 */
struct op_postprocess_desc {
	uint32_t classes;		/* K, background included: 2 .. 1000 */
	uint32_t max_rois;
	float score_thresh;		/* 0.05, strict */
	float min_size;			/* 1e-2 */
	double nms_thresh;		/* 0.5, per class */
	uint32_t detections;		/* 100 */
};

struct op_postprocess;

int op_postprocess_create(struct tt_device *dev, const struct op_postprocess_desc *desc,
			  struct op_postprocess **pp);
void op_postprocess_destroy(struct op_postprocess *pp);
/*
 * proposals: the RoIs of pred's first rows, on the device (op_boxes: pred
 * has a row for each of up to max, the rows from their count on not
 * looked at); img_h x img_w the image the boxes are clipped to. Writes
 * up to detections boxes [4], scores and labels (1 .. K - 1) by
 * descending score; returns their number or -errno. Waits for the queue
 * (once, to read them).
 */
long op_postprocess_run(struct op_postprocess *pp, struct tt_cq *cq,
			const struct op_tensor *pred, const struct op_boxes *proposals,
			uint32_t img_h, uint32_t img_w, float *boxes, float *scores,
			uint32_t *labels, struct op_stats *stats);

#endif
