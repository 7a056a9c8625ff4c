/* SPDX-License-Identifier: MIT */
/*
 * Faster-RCNN from image to detections, step by step, recording for every
 * step its shape, where it ran and how long it took. Today every step runs
 * on the host (model/layers.h, model/detection.h); device programs replace
 * them one by one and the record says which.
 */
#ifndef MODEL_DETECTOR_H
#define MODEL_DETECTOR_H

#include "detection.h"
#include "network.h"

struct detector_config {
	struct transform_config transform;
	struct anchor_config anchors;
	struct rpn_config rpn;
	struct postprocess_config post;
	int roi_levels;			/* FPN maps MultiScaleRoIAlign pools from */
};

/*
 * The configuration the weights' metadata records (image_size, anchor_sizes,
 * rpn_pre_nms_top_n, rpn_post_nms_top_n, roi_featmaps), torchvision's R50-FPN
 * defaults for what it does not (at 320x320).
 */
int detector_config_from_weights(const struct weights *w, const struct network *n,
				 struct detector_config *c);

#define DETECTOR_MAX_STEPS 16
struct detector_step {
	char op[32];
	char shape[48];		/* its main output */
	const char *where;	/* "host" or "device" */
	double host_ms;
};

struct detector_report {
	int count;
	struct detector_step steps[DETECTOR_MAX_STEPS];
};

/*
 * Detections of an RGB image (CHW, values in [0, 1], h x w) in the image's
 * own pixels, best first, at most c->post.detections_per_img of them into out.
 * Returns their number or -errno. report may be NULL.
 */
long detector_run(const struct network *n, const struct detector_config *c, const float *image,
		  int h, int w, struct detection *out, struct detector_report *report);

#endif
