// SPDX-License-Identifier: MIT
/*
 * Image to detections: the steps of Faster-RCNN in order, on the device
 * (everything but the anchors) or the host, each timed and recorded.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ttuser.h"
#include "backbone.h"
#include "box_head.h"
#include "detector.h"
#include "fpn.h"
#include "../reference/network.h"
#include "rpn_head.h"

struct detector {
	struct detector_config c;
	int classes;
	struct network *net;		/* the host reference; NULL on a device */

	struct tt_device *dev;
	struct tt_cq *cq;
	struct op_precision prec;
	struct backbone *bb;
	struct fpn *fpn;
	struct rpn_head *rpn;
	struct box_head *box;
	struct op_proposals *prop;	/* for the image size of input; NULL: none yet */
	struct op_boxes anchors;	/* prop's anchor table, on the device */
	struct op_roi_align *ra;
	struct op_postprocess *post;
	int returned[4];		/* body layer (1..4) of each FPN input */
	struct op_tensor input;
	struct op_transform *xform;	/* for images of xh x xw; NULL: none yet */
	int xh, xw;
	uint64_t xform_cycles;		/* what its first (measured) run took; 0: none yet */
	int trace;			/* body + FPN + RPN head; -1 none */
	uint64_t traced_cycles;		/* what the trace's programs took when run directly */
	int traced_ops;

	/*
	 * The last run's intermediates on the host: on a device only the
	 * proposals; the rest stays there (detector_intermediate reads it).
	 */
	bool ran;
	int levels, fh[NETWORK_MAX_LEVELS], fw[NETWORK_MAX_LEVELS];
	struct fmap body[4], maps[NETWORK_MAX_LEVELS];
	size_t total;			/* anchors */
	long np;			/* proposals */
	float *props, *pscores;		/* post_nms_top_n of them (a device's: once asked for) */
	bool props_read;
	float *logit, *delta, *pooled, *logits, *reg;	/* the host's */
	float *dboxes, *dscores;	/* op_postprocess' detections */
	uint32_t *dlabels;

	/* the run going on */
	struct detector_report *report;	/* or NULL */
	int run_ops;			/* device ops its direct run enqueued */
	uint64_t box_cycles;
};

static int meta_int(const struct weights *w, const char *key, int def)
{
	const char *v = weights_meta(w, key);

	return v ? atoi(v) : def;
}

/* FPN maps of the weights: one per inner block, and the pool level. */
static int fpn_levels(const struct weights *w)
{
	char name[64];
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "backbone.fpn.inner_blocks.%d.0.weight", i);
		if (!weights_find(w, name))
			break;
	}
	return i + 1;
}

int detector_config_from_weights(const struct weights *w, struct detector_config *c)
{
	const char *sizes = weights_meta(w, "anchor_sizes");
	int levels = fpn_levels(w);

	memset(c, 0, sizeof(*c));
	c->transform = transform_default;
	c->transform.min_size = c->transform.max_size = meta_int(w, "image_size", 320);
	c->anchors = anchors_r50_fpn;
	c->anchors.nlevels = levels;
	c->levels = levels;
	if (levels < 2)
		return tt_error(-EINVAL, "detector: the weights have no backbone.fpn.inner_blocks.0.0.weight");
	if (sizes) {
		memset(c->anchors.sizes, 0, sizeof(c->anchors.sizes));
		for (int l = 0; l < levels; l++) {
			char *end;

			c->anchors.sizes[l][0] = strtof(sizes, &end);
			if (end == sizes || !(c->anchors.sizes[l][0] > 0) || (*end && *end != ',') ||
			    (l + 1 < levels && *end != ',') || (l + 1 == levels && *end))
				return tt_error(-EINVAL, "anchor_sizes '%s' does not give one size for each "
						"of %d levels", weights_meta(w, "anchor_sizes"), levels);
			sizes = end + 1;
		}
	} else if (levels != anchors_r50_fpn.nlevels) {
		return tt_error(-EINVAL, "no anchor_sizes in the weights' metadata for %d FPN levels", levels);
	}
	c->rpn = rpn_default;
	c->rpn.pre_nms_top_n = meta_int(w, "rpn_pre_nms_top_n", rpn_default.pre_nms_top_n);
	c->rpn.post_nms_top_n = meta_int(w, "rpn_post_nms_top_n", rpn_default.post_nms_top_n);
	c->post = postprocess_default;
	c->roi_levels = meta_int(w, "roi_featmaps", levels - 1 < 4 ? levels - 1 : 4);
	c->trace = true;
	if (c->transform.min_size < 32 || c->rpn.pre_nms_top_n < 1 || c->rpn.post_nms_top_n < 1 ||
	    c->roi_levels < 1 || c->roi_levels >= levels)
		return tt_error(-EINVAL, "detector: image size %d, RPN top-n %d/%d, %d RoI levels of %d",
				c->transform.min_size, c->rpn.pre_nms_top_n, c->rpn.post_nms_top_n,
				c->roi_levels, levels);
	return 0;
}

/* The body layers the FPN takes (returned_layers, "1,2,3,4" if absent): n of them, ascending. */
static int returned_layers(const struct weights *w, int n, unsigned layers, int *out)
{
	const char *s = weights_meta(w, "returned_layers");
	int i;

	for (i = 0; i < n; i++) {
		char *end;

		out[i] = s ? (int)strtol(s, &end, 10) : (int)layers - n + 1 + i;
		if (s && (end == s || (*end && *end != ',')))
			break;
		if (out[i] < 1 || out[i] > (int)layers || (i && out[i] <= out[i - 1]))
			break;
		if (s)
			s = *end ? end + 1 : end;
	}
	if (i < n || (s && *s))
		return tt_error(-EINVAL, "detector: returned_layers '%s' does not name %d of the %u "
				"body layers", weights_meta(w, "returned_layers"), n, layers);
	return 0;
}

static int device_create(struct detector *d, const struct weights *w, const char *spec,
			 const struct op_precision *prec)
{
	int ret;

	if ((ret = tt_device_open(spec, &d->dev)))
		return ret;
	d->cq = tt_device_cq(d->dev, 0);
	d->prec = *prec;
	if ((ret = backbone_create(d->dev, w, prec, &d->bb)) ||
	    (ret = fpn_create(d->dev, w, prec, &d->fpn)) ||
	    (ret = rpn_head_create(d->dev, w, prec, &d->rpn)) ||
	    (ret = box_head_create(d->dev, w, fpn_channels(d->fpn), prec, &d->box)))
		return ret;
	if (rpn_head_anchors(d->rpn) != anchors_per_cell(&d->c.anchors))
		return tt_error(-EINVAL, "detector: the RPN head has %u anchors per cell, the anchor "
				"generator %zu", rpn_head_anchors(d->rpn), anchors_per_cell(&d->c.anchors));
	if ((int)fpn_inputs(d->fpn) != d->c.levels - 1)
		return tt_error(-EINVAL, "detector: %u FPN inputs for %d levels", fpn_inputs(d->fpn),
				d->c.levels);
	d->classes = (int)box_head_classes(d->box);
	if ((ret = op_roi_align_create(d->dev, 7, 2, &d->ra)))
		return ret;
	{
		struct op_postprocess_desc pd = {
			.classes = (uint32_t)d->classes,
			.max_rois = (uint32_t)d->c.rpn.post_nms_top_n,
			.score_thresh = d->c.post.score_thresh,
			.min_size = d->c.post.min_size,
			.nms_thresh = d->c.post.nms_thresh,
			.detections = (uint32_t)d->c.post.detections_per_img,
		};
		size_t n = (size_t)d->c.post.detections_per_img;

		if ((ret = op_postprocess_create(d->dev, &pd, &d->post)))
			return ret;
		d->dboxes = malloc(n * 4 * sizeof(float));
		d->dscores = malloc(n * sizeof(float));
		d->dlabels = malloc(n * sizeof(uint32_t));
		if (!d->dboxes || !d->dscores || !d->dlabels)
			return tt_error(-ENOMEM, "detector: out of memory");
	}
	return returned_layers(w, d->c.levels - 1, backbone_layers(d->bb), d->returned);
}

int detector_create(const struct weights *w, const struct detector_config *c, const char *device,
		    const struct op_precision *prec, struct detector **out)
{
	struct detector *d;
	int ret;

	if (!w || !c || !device || !prec || !out)
		return tt_error(-EINVAL, "detector_create: NULL argument");
	*out = NULL;
	if (c->levels < 2 || c->levels > NETWORK_MAX_LEVELS || c->anchors.nlevels != c->levels ||
	    c->roi_levels < 1 || c->roi_levels >= c->levels)
		return tt_error(-EINVAL, "detector: %d FPN levels, anchors for %d, %d RoI levels",
				c->levels, c->anchors.nlevels, c->roi_levels);
	d = calloc(1, sizeof(*d));
	if (!d)
		return tt_error(-ENOMEM, "detector: out of memory");
	d->c = *c;
	d->trace = -1;
	d->props = malloc((size_t)c->rpn.post_nms_top_n * 4 * sizeof(float));
	d->pscores = malloc((size_t)c->rpn.post_nms_top_n * sizeof(float));
	if (!d->props || !d->pscores) {
		ret = tt_error(-ENOMEM, "detector: out of memory");
	} else if (!strcmp(device, "host")) {
		ret = network_load(w, &d->net);
		if (!ret && network_fpn_levels(d->net) != c->levels)
			ret = tt_error(-EINVAL, "detector: %d FPN levels in the network, %d configured",
				       network_fpn_levels(d->net), c->levels);
		if (!ret)
			d->classes = network_classes(d->net);
	} else {
		ret = device_create(d, w, device, prec);
	}
	if (ret) {
		detector_destroy(d);
		return ret;
	}
	*out = d;
	return 0;
}

int detector_classes(const struct detector *d)
{
	return d ? d->classes : 0;
}

static void free_run(struct detector *d)
{
	for (int l = 0; l < NETWORK_MAX_LEVELS; l++) {
		if (l < 4)
			fmap_free(&d->body[l]);
		fmap_free(&d->maps[l]);
	}
	free(d->logit);
	free(d->delta);
	free(d->pooled);
	free(d->logits);
	free(d->reg);
	d->logit = d->delta = d->pooled = d->logits = d->reg = NULL;
	d->total = 0;
	d->np = 0;
	d->levels = 0;
	d->ran = false;
}

void detector_destroy(struct detector *d)
{
	if (!d)
		return;
	free_run(d);
	if (d->trace >= 0)
		tt_release_trace(d->dev, (uint32_t)d->trace);
	op_tensor_destroy(&d->input);
	op_transform_destroy(d->xform);
	op_postprocess_destroy(d->post);
	op_roi_align_destroy(d->ra);
	op_proposals_destroy(d->prop);
	op_boxes_destroy(&d->anchors);
	free(d->dboxes);
	free(d->dscores);
	free(d->dlabels);
	free(d->props);
	free(d->pscores);
	box_head_destroy(d->box);
	rpn_head_destroy(d->rpn);
	fpn_destroy(d->fpn);
	backbone_destroy(d->bb);
	if (d->dev)
		tt_device_close(d->dev);
	network_free(d->net);
	free(d);
}

/* ---- the report ---------------------------------------------------- */

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void add_op(struct detector_report *r, const char *op, const char *shape, const char *where,
		   double host_ms, double device_ms)
{
	struct detector_op *o;

	if (!strcmp(where, "device"))
		r->ops_device++;
	else
		r->ops_host++;
	if (r->nops >= DETECTOR_MAX_OPS)
		return;
	o = &r->ops[r->nops++];
	snprintf(o->op, sizeof(o->op), "%s", op);
	snprintf(o->shape, sizeof(o->shape), "%s", shape);
	o->where = where;
	o->host_ms = host_ms;
	o->device_ms = device_ms;
}

/* op_stats' report function (ctx the detector): one device program. */
static void device_op(void *ctx, const char *op, const char *shape, uint64_t cycles, double host_us)
{
	struct detector *d = ctx;

	d->run_ops++;
	if (d->report)
		add_op(d->report, op, shape, "device", host_us / 1e3, (double)cycles / 1e6);
}

static void record(struct detector_report *r, const char *op, const char *where, double start,
		   uint64_t cycles, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* A step that took from start until now; a host step is also one op. */
static void record(struct detector_report *r, const char *op, const char *where, double start,
		   uint64_t cycles, const char *fmt, ...)
{
	struct detector_step *s;
	va_list ap;

	if (!r || r->count >= DETECTOR_MAX_STEPS)
		return;
	s = &r->steps[r->count++];
	snprintf(s->op, sizeof(s->op), "%s", op);
	va_start(ap, fmt);
	vsnprintf(s->shape, sizeof(s->shape), fmt, ap);
	va_end(ap);
	s->where = where;
	s->host_ms = now_ms() - start;
	s->device_ms = (double)cycles / 1e6;
	if (!strcmp(where, "host"))
		add_op(r, op, s->shape, where, s->host_ms, 0);
}

/* ---- body, FPN and RPN head -------------------------------------------- */

/* The RPN head's maps of level l (objectness [A][H][W], deltas [4A][H][W]) in torchvision's order. */
static void flatten(const float *obj, const float *del, int A, int H, int W, float *logit,
		    float *delta)
{
	size_t at = 0;

	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			for (int a = 0; a < A; a++, at++) {
				logit[at] = obj[(a * H + y) * W + x];
				for (int j = 0; j < 4; j++)
					delta[at * 4 + j] = del[((a * 4 + j) * H + y) * W + x];
			}
}

static int alloc_rpn(struct detector *d, int A)
{
	d->total = 0;
	for (int l = 0; l < d->levels; l++)
		d->total += (size_t)A * (size_t)d->fh[l] * (size_t)d->fw[l];
	d->logit = malloc(d->total * sizeof(float));
	d->delta = malloc(d->total * 4 * sizeof(float));
	if (!d->logit || !d->delta)
		return tt_error(-ENOMEM, "detector: out of memory for %zu anchors", d->total);
	return 0;
}

static int host_network(struct detector *d, const struct fmap *img)
{
	struct fmap obj[NETWORK_MAX_LEVELS] = { { 0 } }, del[NETWORK_MAX_LEVELS] = { { 0 } };
	size_t at = 0;
	double t = now_ms();
	int ret, A;

	if ((ret = network_backbone(d->net, img, d->body, d->maps)))
		return ret;
	for (int l = 0; l < d->levels; l++) {
		d->fh[l] = d->maps[l].h;
		d->fw[l] = d->maps[l].w;
	}
	record(d->report, "backbone+fpn", "host", t, 0, "%dx%dx%d .. %dx%dx%d", d->maps[0].c, d->maps[0].h,
	       d->maps[0].w, d->maps[d->levels - 1].c, d->maps[d->levels - 1].h,
	       d->maps[d->levels - 1].w);
	t = now_ms();
	if ((ret = network_rpn_head(d->net, d->maps, obj, del)))
		goto out;
	A = obj[0].c;
	if (A != (int)anchors_per_cell(&d->c.anchors)) {
		ret = tt_error(-EINVAL, "detector: the RPN head has %d anchors per cell, the anchor "
			       "generator %zu", A, anchors_per_cell(&d->c.anchors));
		goto out;
	}
	if ((ret = alloc_rpn(d, A)))
		goto out;
	for (int l = 0; l < d->levels; l++) {
		flatten(obj[l].data, del[l].data, A, d->fh[l], d->fw[l], d->logit + at, d->delta + 4 * at);
		at += (size_t)A * (size_t)d->fh[l] * (size_t)d->fw[l];
	}
	record(d->report, "rpn head", "host", t, 0, "%d levels, %d anchors/cell", d->levels, A);
out:
	for (int l = 0; l < NETWORK_MAX_LEVELS; l++) {
		fmap_free(&obj[l]);
		fmap_free(&del[l]);
	}
	return ret;
}

/*
 * Body, FPN and RPN head enqueued. With st (body, FPN, head) each part is
 * waited for, measured and recorded.
 */
static int forward(struct detector *d, struct op_stats *st)
{
	const struct op_tensor *c[4], *p[NETWORK_MAX_LEVELS];
	int n = d->levels - 1, ret;
	double t = now_ms();

	if ((ret = backbone_forward(d->bb, d->cq, &d->input, st ? &st[0] : NULL)))
		return ret;
	for (int i = 0; i < n; i++)
		c[i] = backbone_output(d->bb, d->returned[i] + 1);
	if (st)
		record(d->report, "body", "device", t, st[0].device_cycles, "C%d %ux%ux%u .. C%d %ux%ux%u",
		       d->returned[0] + 1, c[0]->c, c[0]->h, c[0]->w, d->returned[n - 1] + 1,
		       c[n - 1]->c, c[n - 1]->h, c[n - 1]->w);
	t = now_ms();
	if ((ret = fpn_forward(d->fpn, d->cq, c, st ? &st[1] : NULL)))
		return ret;
	for (int l = 0; l <= n; l++)
		p[l] = fpn_output(d->fpn, l);
	if (st)
		record(d->report, "fpn", "device", t, st[1].device_cycles, "%ux%ux%u .. %ux%ux%u",
		       p[0]->c, p[0]->h, p[0]->w, p[n]->c, p[n]->h, p[n]->w);
	t = now_ms();
	if ((ret = rpn_head_forward(d->rpn, d->cq, p, (unsigned)d->levels, st ? &st[2] : NULL)))
		return ret;
	if (st)
		record(d->report, "rpn head", "device", t, st[2].device_cycles,
		       "%d levels, %u anchors/cell", d->levels, rpn_head_anchors(d->rpn));
	return 0;
}

/* Captures forward() as a trace, run later by one replay. */
static int capture(struct detector *d)
{
	int id = tt_cq_begin_trace_capture(d->cq), ret, end;

	if (id < 0)
		return id;
	ret = forward(d, NULL);
	end = tt_cq_end_trace_capture(d->cq, (uint32_t)id);
	if (ret || end) {
		if (!end)
			tt_release_trace(d->dev, (uint32_t)id);
		return ret ? ret : end;
	}
	d->trace = id;
	return 0;
}

/*
 * The proposal op of this image size (ph x pw padded), with its anchors:
 * made on the device once a size (op_anchors_run), and kept there.
 */
static int make_proposals(struct detector *d, int ph, int pw)
{
	struct op_proposals_desc pd = {
		.nlevels = (uint32_t)d->levels,
		.anchors = rpn_head_anchors(d->rpn),
		.pre_nms_top_n = (uint32_t)d->c.rpn.pre_nms_top_n,
		.post_nms_top_n = (uint32_t)d->c.rpn.post_nms_top_n,
		.nms_thresh = d->c.rpn.nms_thresh,
		.score_thresh = d->c.rpn.score_thresh,
		.min_size = d->c.rpn.min_size,
	};
	struct op_stats st = { .report = device_op, .report_ctx = d };
	double t = now_ms();
	int ret;

	d->total = 0;
	for (int l = 0; l < d->levels; l++) {
		pd.h[l] = (uint32_t)d->fh[l];
		pd.w[l] = (uint32_t)d->fw[l];
		d->total += (size_t)pd.anchors * pd.h[l] * pd.w[l];
	}
	op_boxes_destroy(&d->anchors);
	if ((ret = op_proposals_create(d->dev, &pd, &d->prop)) ||
	    (ret = op_boxes_create(d->dev, (uint32_t)d->total, &d->anchors)) ||
	    (ret = op_anchors_run(d->dev, d->cq, &d->c.anchors, (uint32_t)ph, (uint32_t)pw, pd.h,
				  pd.w, &d->anchors, &st))) {
		op_proposals_destroy(d->prop);
		d->prop = NULL;
		return ret;
	}
	record(d->report, "anchors (once an image size)", "device", t, st.device_cycles, "%zux4",
	       d->total);
	return 0;
}

/*
 * The transform of an h x w image into the input tensor (ph x pw): its
 * first run measured, later ones enqueued without a wait (the replayed
 * trace then waits for them) and reported with the first one's time.
 */
static int device_transform(struct detector *d, const float *image, int h, int w, int rh, int rw,
			    int ph, int pw)
{
	struct op_stats st = { .report = device_op, .report_ctx = d };
	double t = now_ms();
	char shape[80];
	int ret;

	if (d->xform && (d->xh != h || d->xw != w)) {
		op_transform_destroy(d->xform);
		d->xform = NULL;
	}
	if (!d->xform) {
		const struct transform_config *c = &d->c.transform;
		struct op_transform_desc td = {
			.h = (uint32_t)h, .w = (uint32_t)w, .rh = (uint32_t)rh, .rw = (uint32_t)rw,
			.ph = (uint32_t)ph, .pw = (uint32_t)pw,
		};

		memcpy(td.mean, c->mean, sizeof(td.mean));
		memcpy(td.std, c->std, sizeof(td.std));
		if ((ret = op_transform_create(d->dev, &td, &d->xform)))
			return ret;
		d->xh = h;
		d->xw = w;
		d->xform_cycles = 0;
	}
	if (!d->xform_cycles) {
		if ((ret = op_transform_run(d->xform, d->cq, image, &d->input, &st)))
			return ret;
		d->xform_cycles = st.device_cycles;
	} else {
		if ((ret = op_transform_run(d->xform, d->cq, image, &d->input, NULL)))
			return ret;
		snprintf(shape, sizeof(shape), "%dx%dx3 -> %dx%dx3", h, w, ph, pw);
		device_op(d, "transform", shape, d->xform_cycles, (now_ms() - t) * 1e3);
	}
	record(d->report, "transform", "device", t, d->xform_cycles, "3x%dx%d", ph, pw);
	return 0;
}

static int device_network(struct detector *d, const float *image, int h, int w, int rh, int rw,
			  int ph, int pw)
{
	struct op_stats st[3];
	double t;
	int ret;

	if (d->input.buf && (d->input.h != (uint32_t)ph || d->input.w != (uint32_t)pw)) {
		op_tensor_destroy(&d->input);
		if (d->trace >= 0)
			tt_release_trace(d->dev, (uint32_t)d->trace);
		d->trace = -1;
		op_proposals_destroy(d->prop);
		d->prop = NULL;
	}
	if (!d->input.buf &&
	    (ret = op_tensor_create(d->dev, (uint32_t)ph, (uint32_t)pw, 3, d->prec.act, &d->input)))
		return ret;
	if ((ret = device_transform(d, image, h, w, rh, rw, ph, pw)))
		return ret;
	t = now_ms();
	if (d->trace >= 0) {
		if ((ret = tt_cq_replay_trace(d->cq, (uint32_t)d->trace, true)))
			return ret;
		if (d->report)
			d->report->ops_device += d->traced_ops;
		record(d->report, "body+fpn+rpn head (trace)", "device", t, d->traced_cycles,
		       "%d levels, %dx%d .. %dx%d", d->levels, d->fh[0], d->fw[0],
		       d->fh[d->levels - 1], d->fw[d->levels - 1]);
		return 0;
	}
	/* A direct run, each part measured; then the trace for the next runs. */
	for (int i = 0; i < 3; i++)
		st[i] = (struct op_stats){ .report = device_op, .report_ctx = d };
	d->run_ops = 0;
	if ((ret = forward(d, st)))
		return ret;
	for (int l = 0; l < d->levels; l++) {
		d->fh[l] = (int)fpn_output(d->fpn, l)->h;
		d->fw[l] = (int)fpn_output(d->fpn, l)->w;
	}
	d->traced_cycles = st[0].device_cycles + st[1].device_cycles + st[2].device_cycles;
	d->traced_ops = d->run_ops;
	if (!d->prop && (ret = make_proposals(d, ph, pw)))
		return ret;
	return d->c.trace ? capture(d) : 0;
}

/*
 * Proposals, RoIAlign, box head and detections on the device, from the
 * RPN head's outputs: the proposals stay there (RoIAlign and the
 * detections take them from DRAM, with their number), for up to
 * post_nms_top_n of them; only the detections, and at the end the
 * number of proposals, come back.
 */
static long device_tail(struct detector *d, int rh, int rw, struct detection *out)
{
	const struct op_tensor *heads[NETWORK_MAX_LEVELS], *maps[NETWORK_MAX_LEVELS];
	struct op_stats st = { .report = device_op, .report_ctx = d };
	const struct op_boxes *props = op_proposals_boxes(d->prop);
	struct op_tensor *const *parts;
	uint32_t nparts, c = fpn_channels(d->fpn);
	int step = d->report ? d->report->count : -1, ret;
	double t = now_ms();
	long nd;

	d->props_read = false;
	for (int l = 0; l < d->levels; l++)
		heads[l] = rpn_head_output(d->rpn, l);
	if ((ret = op_proposals_run(d->prop, d->cq, heads, &d->anchors, (uint32_t)rh, (uint32_t)rw,
				    &st)))
		return ret;
	record(d->report, "rpn proposals (top-k, nms)", "device", t, st.device_cycles,
	       "up to %ux4", props->max);
	t = now_ms();
	st.device_cycles = 0;
	for (int l = 0; l < d->c.roi_levels; l++)
		maps[l] = fpn_output(d->fpn, l);
	if ((ret = box_head_prepare(d->box, props->max)))
		return ret;
	parts = box_head_inputs(d->box, &nparts);
	if ((ret = op_roi_align_run_parts(d->ra, d->cq, maps, (uint32_t)d->c.roi_levels,
					  (uint32_t)rh, (uint32_t)rw, props, parts, nparts, &st)))
		return ret;
	record(d->report, "roi align", "device", t, st.device_cycles, "%ux%ux7x7", props->max, c);
	t = now_ms();
	st.device_cycles = 0;
	if ((ret = box_head_run(d->box, d->cq, &st)))
		return ret;
	record(d->report, "box head (fc6, fc7, predictor)", "device", t, st.device_cycles,
	       "%ux%d, %ux%d", props->max, d->classes, props->max, 4 * d->classes);
	t = now_ms();
	st.device_cycles = 0;
	nd = op_postprocess_run(d->post, d->cq, box_head_output(d->box, 2), props, (uint32_t)rh,
				(uint32_t)rw, d->dboxes, d->dscores, d->dlabels, &st);
	if (nd < 0)
		return nd;
	for (long i = 0; i < nd; i++) {
		memcpy(out[i].box, d->dboxes + 4 * i, 4 * sizeof(float));
		out[i].score = d->dscores[i];
		out[i].label = (int)d->dlabels[i];
	}
	record(d->report, "postprocess (nms)", "device", t, st.device_cycles, "%ld detections", nd);
	/* how many proposals there were: the box head's rows that count */
	d->np = op_boxes_read(d->cq, props, NULL, NULL);
	if (d->np < 0) {
		nd = d->np;
		d->np = 0;
		return nd;
	}
	if (step >= 0 && step < d->report->count)
		snprintf(d->report->steps[step].shape, sizeof(d->report->steps[step].shape), "%ldx4",
			 d->np);
	return nd;
}

/* The same on the host, from the RPN head's outputs read back as torchvision orders them. */
static long host_tail(struct detector *d, int ph, int pw, int rh, int rw, struct detection *out)
{
	int k = d->classes, A = (int)anchors_per_cell(&d->c.anchors);
	size_t counts[NETWORK_MAX_LEVELS], per = (size_t)d->maps[0].c * 49;
	struct feature_map maps[4];
	float *anc, *dec;
	long nd;
	double t;

	for (int l = 0; l < d->levels; l++)
		counts[l] = (size_t)A * (size_t)d->fh[l] * (size_t)d->fw[l];
	anc = malloc(d->total * 4 * sizeof(float));
	dec = malloc(d->total * 4 * sizeof(float));
	if (!anc || !dec) {
		nd = tt_error(-ENOMEM, "detector: out of memory for %zu anchors", d->total);
		goto out;
	}
	t = now_ms();
	if ((nd = anchors_generate(&d->c.anchors, ph, pw, d->fh, d->fw, anc)))
		goto out;
	record(d->report, "anchors", "host", t, 0, "%zux4", d->total);
	t = now_ms();
	box_decode(&box_coder_rpn, anc, d->total, d->delta, 1, dec);
	record(d->report, "box decode", "host", t, 0, "%zux4", d->total);
	t = now_ms();
	d->np = rpn_filter_proposals(&d->c.rpn, dec, d->logit, counts, d->levels, rh, rw, d->props,
				     d->pscores);
	if (d->np < 0) {
		nd = d->np;
		d->np = 0;
		goto out;
	}
	record(d->report, "proposals (top-k, nms)", "host", t, 0, "%ldx4", d->np);
	for (int l = 0; l < d->c.roi_levels; l++)
		maps[l] = (struct feature_map){ d->maps[l].data, d->maps[l].c, d->maps[l].h, d->maps[l].w };
	d->pooled = malloc(((size_t)d->np + 1) * per * sizeof(float));
	d->logits = malloc(((size_t)d->np + 1) * (size_t)k * sizeof(float));
	d->reg = malloc(((size_t)d->np + 1) * (size_t)k * 4 * sizeof(float));
	if (!d->pooled || !d->logits || !d->reg) {
		nd = tt_error(-ENOMEM, "detector: out of memory for %ld proposals", d->np);
		goto out;
	}
	t = now_ms();
	if ((nd = multiscale_roi_align(maps, d->c.roi_levels, rh, rw, d->props, (size_t)d->np, 7, 2,
				       d->pooled, NULL)))
		goto out;
	record(d->report, "roi align", "host", t, 0, "%ldx%dx7x7", d->np, d->maps[0].c);
	t = now_ms();
	if (d->np && (nd = network_box_head(d->net, d->pooled, (size_t)d->np, NULL, NULL, d->logits,
					    d->reg)))
		goto out;
	record(d->report, "box head (fc6, fc7, predictor)", "host", t, 0, "%ldx%d, %ldx%d", d->np,
	       k, d->np, 4 * k);
	t = now_ms();
	nd = postprocess_detections(&d->c.post, d->logits, d->reg, d->props, (size_t)d->np, k, rh,
				    rw, out);
	if (nd >= 0)
		record(d->report, "postprocess (nms)", "host", t, 0, "%ld detections", nd);
out:
	free(anc);
	free(dec);
	return nd;
}

long detector_run(struct detector *d, const float *image, int h, int w, struct detection *out,
		  struct detector_report *report)
{
	struct fmap img = { 0 };
	int rh, rw, ph, pw;
	uint64_t link;
	long nd;
	double t;

	if (!d || !image || !out || h < 1 || w < 1)
		return tt_error(-EINVAL, "detector_run: bad argument");
	link = tt_cq_transfer_cycles(d->cq);
	if (report)
		memset(report, 0, offsetof(struct detector_report, ops));
	d->report = report;
	free_run(d);
	d->levels = d->c.levels;
	t = now_ms();
	transform_sizes(&d->c.transform, h, w, &rh, &rw, &ph, &pw);
	if (d->net) {
		if ((nd = fmap_alloc(&img, 3, ph, pw)) ||
		    (nd = transform_image(&d->c.transform, image, h, w, img.data)))
			goto out;
		record(report, "transform", "host", t, 0, "3x%dx%d", ph, pw);
		nd = host_network(d, &img);
	} else {
		nd = device_network(d, image, h, w, rh, rw, ph, pw);
	}
	if (nd)
		goto out;
	nd = d->net ? host_tail(d, ph, pw, rh, rw, out) : device_tail(d, rh, rw, out);
	if (nd < 0)
		goto out;
	detections_rescale(out, (size_t)nd, rh, rw, h, w);
	d->ran = true;
	if (report)
		report->link_ms = (double)(tt_cq_transfer_cycles(d->cq) - link) / 1e6;
out:
	fmap_free(&img);
	d->report = NULL;
	return nd;
}

/* ---- intermediates ------------------------------------------------- */

static int copy_out(const float *src, size_t n, float **data, size_t *count)
{
	*data = malloc((n ? n : 1) * sizeof(float));
	if (!*data)
		return tt_error(-ENOMEM, "detector: out of memory");
	if (n)
		memcpy(*data, src, n * sizeof(float));
	*count = n;
	return 0;
}

/* A device tensor, read back as C x H x W. */
static int copy_tensor(struct detector *d, const struct op_tensor *t, float **data, size_t *count)
{
	size_t n = (size_t)t->c * t->h * t->w;
	int ret;

	*data = malloc(n * sizeof(float));
	if (!*data)
		return tt_error(-ENOMEM, "detector: out of memory");
	ret = op_tensor_read(d->cq, t, *data);
	if (ret) {
		free(*data);
		*data = NULL;
		return ret;
	}
	*count = n;
	return 0;
}

/* The RPN head's outputs from the device, as torchvision orders them. */
static int read_rpn(struct detector *d)
{
	uint32_t A = rpn_head_anchors(d->rpn);
	size_t at = 0;
	float *tmp;
	int ret;

	if (d->logit)
		return 0;
	if ((ret = alloc_rpn(d, (int)A)))
		return ret;
	tmp = malloc((size_t)d->fh[0] * (size_t)d->fw[0] * 5 * A * sizeof(float));
	if (!tmp)
		return tt_error(-ENOMEM, "detector: out of memory");
	for (int l = 0; l < d->levels && !ret; l++) {
		size_t plane = (size_t)d->fh[l] * (size_t)d->fw[l];

		ret = op_tensor_read(d->cq, rpn_head_output(d->rpn, l), tmp);
		if (!ret)
			flatten(tmp, tmp + A * plane, (int)A, d->fh[l], d->fw[l], d->logit + at,
				d->delta + 4 * at);
		at += A * plane;
	}
	free(tmp);
	return ret;
}

/* The proposals from the device, once a run. */
static int read_proposals(struct detector *d)
{
	long n;

	if (d->net || d->props_read)
		return 0;
	n = op_boxes_read(d->cq, op_proposals_boxes(d->prop), d->props, d->pscores);
	if (n < 0)
		return (int)n;
	d->props_read = true;
	return 0;
}

/*
 * The box head's predictions from the device (the rows of the np proposals),
 * split into class logits and box deltas.
 */
static int read_predictions(struct detector *d)
{
	const struct op_tensor *pred = box_head_output(d->box, 2);
	size_t k = (size_t)d->classes, np = (size_t)d->np;
	float *tmp;
	int ret;

	if (d->logits)
		return 0;
	tmp = malloc((size_t)pred->h * pred->w * pred->c * sizeof(float));
	d->logits = malloc(np * k * sizeof(float));
	d->reg = malloc(np * 4 * k * sizeof(float));
	if (!tmp || !d->logits || !d->reg) {
		free(tmp);
		return tt_error(-ENOMEM, "detector: out of memory");
	}
	ret = op_tensor_read_hwc(d->cq, pred, tmp);
	for (size_t i = 0; i < np && !ret; i++) {
		memcpy(d->logits + i * k, tmp + i * 5 * k, k * sizeof(float));
		memcpy(d->reg + i * 4 * k, tmp + i * 5 * k + k, 4 * k * sizeof(float));
	}
	free(tmp);
	if (ret) {
		free(d->logits);
		free(d->reg);
		d->logits = d->reg = NULL;
	}
	return ret;
}

int detector_intermediate(struct detector *d, const char *name, float **data, size_t *n)
{
	size_t k = d ? (size_t)d->classes : 0, np = d ? (size_t)d->np : 0;
	int level, ret;

	if (!d || !name || !data || !n)
		return tt_error(-EINVAL, "detector_intermediate: NULL argument");
	*data = NULL;
	if (!d->ran)
		return tt_error(-ENOENT, "detector: no run to take '%s' from", name);
	if (sscanf(name, "c%d", &level) == 1 && level >= 2 && level <= d->levels) {
		if (d->net)
			return copy_out(d->body[level - 2].data, (size_t)d->body[level - 2].c *
					d->body[level - 2].h * d->body[level - 2].w, data, n);
		return copy_tensor(d, backbone_output(d->bb, d->returned[level - 2] + 1), data, n);
	}
	if (sscanf(name, "p%d", &level) == 1 && level >= 2 && level <= d->levels + 1) {
		if (d->net)
			return copy_out(d->maps[level - 2].data, (size_t)d->maps[level - 2].c *
					d->maps[level - 2].h * d->maps[level - 2].w, data, n);
		return copy_tensor(d, fpn_output(d->fpn, level - 2), data, n);
	}
	if (!strcmp(name, "proposals") || !strcmp(name, "proposal_scores")) {
		if ((ret = read_proposals(d)))
			return ret;
		if (!strcmp(name, "proposals"))
			return copy_out(d->props, 4 * np, data, n);
		return copy_out(d->pscores, np, data, n);
	}
	if (!strcmp(name, "rpn_objectness") || !strcmp(name, "rpn_deltas")) {
		if (!d->net && (ret = read_rpn(d)))
			return ret;
		return name[4] == 'o' ? copy_out(d->logit, d->total, data, n)
				      : copy_out(d->delta, 4 * d->total, data, n);
	}
	if (!strcmp(name, "box_features")) {
		size_t in = d->net ? (size_t)d->maps[0].c * 49 : box_head_in_features(d->box);

		if (d->net || !np)
			return copy_out(d->pooled, np * in, data, n);
		/* all the box head's rows; the first np count */
		*data = malloc((size_t)box_head_output(d->box, 0)->w * in * sizeof(float));
		if (!*data)
			return tt_error(-ENOMEM, "detector: out of memory");
		if ((ret = box_head_read_features(d->box, d->cq, *data))) {
			free(*data);
			*data = NULL;
			return ret;
		}
		*n = np * in;
		return 0;
	}
	if (!strcmp(name, "class_logits") || !strcmp(name, "box_regression")) {
		if (!d->net && np && (ret = read_predictions(d)))
			return ret;
		return name[0] == 'c' ? copy_out(d->logits, np * k, data, n)
				      : copy_out(d->reg, np * 4 * k, data, n);
	}
	return tt_error(-ENOENT, "detector: no intermediate '%s'", name);
}
