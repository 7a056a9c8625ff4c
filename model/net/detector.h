/* SPDX-License-Identifier: MIT */
/*
 * Faster-RCNN from image to detections, step by step, recording for every
 * step its shape, where it ran, its host time and its modelled device time.
 *
 * On a device, every step but the anchors (below) runs as device programs:
 * the transform (op_transform: normalize, resize, pad), the ResNet body,
 * the FPN, the RPN head (model/net/backbone.h, fpn.h, rpn_head.h), the RPN's
 * proposals (op_proposals: top-k, decoding, NMS), MultiScaleRoIAlign
 * (op_roi_align), the box head (box_head.h) and the detections
 * (op_postprocess: softmax, decoding, per-class NMS). The host writes the
 * raw image and reads back the proposals (RoIAlign and the detections
 * take them as boxes) and the detections. The anchors depend on the image
 * size alone: they are made on the host on the first run of a size (a
 * step of that run) and stay on the device. After the first run of an
 * image size, body + FPN + RPN head are one trace, replayed after the
 * transform (enqueued without a wait; its step then reports the device
 * time of its first run).
 * On "host" every step runs on the host (model/reference/network.h): the reference.
 */
#ifndef MODEL_DETECTOR_H
#define MODEL_DETECTOR_H

#include <stdbool.h>

#include "../reference/detection.h"
#include "../ops/ops.h"
#include "../weights.h"

struct detector_config {
	struct transform_config transform;
	struct anchor_config anchors;
	struct rpn_config rpn;
	struct postprocess_config post;
	int levels;			/* FPN maps, the pool level included */
	int roi_levels;			/* FPN maps MultiScaleRoIAlign pools from */
	bool trace;			/* replay body + FPN + RPN head as one trace */
};

/*
 * The configuration the weights' metadata records (image_size, anchor_sizes,
 * rpn_pre_nms_top_n, rpn_post_nms_top_n, roi_featmaps), torchvision's R50-FPN
 * defaults for what it does not (at 320x320); trace on.
 */
int detector_config_from_weights(const struct weights *w, struct detector_config *c);

struct detector;

/*
 * device: a device spec for tt_device_open ("sim", "/dev/tenstorrent/0",
 * ...), or "host" for the host reference (prec is then unused). The
 * weights must stay open while the detector lives.
 */
int detector_create(const struct weights *w, const struct detector_config *c, const char *device,
		    const struct op_precision *prec, struct detector **d);
void detector_destroy(struct detector *d);
int detector_classes(const struct detector *d);		/* background included */

#define DETECTOR_MAX_STEPS 16
#define DETECTOR_MAX_OPS 256

struct detector_step {
	char op[40];
	char shape[48];		/* its main output */
	const char *where;	/* "host" or "device" */
	double host_ms;
	double device_ms;	/* modelled, at 1 GHz; 0 on the host. A replayed
				 * trace's: what its programs took on the direct
				 * run (the same programs on the same shapes). */
};

/* One op: a device program, or a host step. */
struct detector_op {
	char op[32];
	char shape[80];
	const char *where;
	double host_ms, device_ms;
};

struct detector_report {
	int count;
	struct detector_step steps[DETECTOR_MAX_STEPS];
	/*
	 * The ops of a run without trace replay, in order (DETECTOR_MAX_OPS at
	 * most); a replayed trace adds none. ops_device / ops_host count every
	 * op, those in a replayed trace too.
	 */
	int nops, ops_device, ops_host;
	/*
	 * The host link's modelled time in the run: the image in, the
	 * detections (and the proposals' count) out. Not part of any step's
	 * device_ms; 0 on the host.
	 */
	double link_ms;
	struct detector_op ops[DETECTOR_MAX_OPS];
};

/*
 * Detections of an RGB image (CHW, values in [0, 1], h x w) in the image's
 * own pixels, best first, at most c->post.detections_per_img of them into out.
 * Returns their number or -errno. report may be NULL.
 */
long detector_run(struct detector *d, const float *image, int h, int w, struct detection *out,
		  struct detector_report *report);

/*
 * After a run: a malloc'd copy of one of its intermediates (on a device
 * read back from it when asked for), named as
 * tests/parity/make_reference.py names them: c2.. (the body's returned
 * layers, C x H x W), p2.. (the FPN maps), rpn_objectness, rpn_deltas
 * (torchvision's flattened order), proposals, proposal_scores,
 * box_features, class_logits, box_regression. Its element count goes to
 * *n. -ENOENT for a name the run did not make.
 */
int detector_intermediate(struct detector *d, const char *name, float **data, size_t *n);

#endif
