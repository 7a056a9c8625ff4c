// SPDX-License-Identifier: MIT
/*
 * GeneralizedRCNNTransform on the device (see ops.h): the host writes the
 * raw image to a DRAM buffer of the op, one page a channel row;
 * transform_resize.c, on both data movement harts of every core (a run of
 * output rows each), computes the taps, normalizes, resizes and pads into
 * the output tensor.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct op_transform {
	struct tt_device *dev;
	struct op_transform_desc d;
	struct tt_buffer *image;	/* [3][h][w] float32, page c * h + y */
};

static int check_desc(const struct op_transform_desc *d)
{
	uint32_t c;

	if (!d->h || !d->w || !d->rh || !d->rw || d->ph < d->rh || d->pw < d->rw ||
	    (uint64_t)d->ph * d->pw > (1u << 24) || d->w > (1u << 18) ||
	    (uint64_t)d->h * d->w > (1u << 26))
		return tt_error(-EINVAL, "op_transform: image %ux%u resized to %ux%u, padded to "
				"%ux%u: need sizes >= 1, padding >= the resized size, at most 2^24 "
				"output pixels, 2^26 input pixels and 2^18 columns", d->h, d->w,
				d->rh, d->rw, d->ph, d->pw);
	for (c = 0; c < 3; c++)
		if (!isfinite(d->mean[c]) || !isfinite(d->std[c]) || d->std[c] == 0)
			return tt_error(-EINVAL, "op_transform: mean %g, std %g of channel %u: need "
					"finite values, std not 0", (double)d->mean[c],
					(double)d->std[c], c);
	return 0;
}

int op_transform_create(struct tt_device *dev, const struct op_transform_desc *desc,
			struct op_transform **out)
{
	struct tt_buffer_config cfg = { .type = TT_BUFFER_DRAM };
	struct op_transform *t;
	int ret;

	if (!dev || !desc || !out)
		return tt_error(-EINVAL, "op_transform_create: NULL argument");
	*out = NULL;
	if ((ret = check_desc(desc)))
		return ret;
	t = calloc(1, sizeof(*t));
	if (!t)
		return tt_error(-ENOMEM, "out of memory");
	t->dev = dev;
	t->d = *desc;
	cfg.page_size = 4 * desc->w;
	cfg.size = (uint64_t)3 * desc->h * cfg.page_size;
	if ((ret = tt_buffer_create(dev, &cfg, &t->image))) {
		free(t);
		return ret;
	}
	*out = t;
	return 0;
}

void op_transform_destroy(struct op_transform *t)
{
	if (!t)
		return;
	tt_buffer_destroy(t->image);
	free(t);
}

int op_transform_run(struct op_transform *t, struct tt_cq *cq, const float *image,
		     struct op_tensor *out, struct op_stats *stats)
{
	static const enum tt_role roles[2] = { TT_ROLE_READER, TT_ROLE_WRITER };
	const struct op_transform_desc *d;
	uint32_t gx, gy, budget, used, harts, chunk, es, scratch, i, k, n, w;
	struct tt_core_range cores;
	struct tt_program *prog;
	int kernel[2], ret;
	char shape[80];

	if (!t || !cq || !image)
		return tt_error(-EINVAL, "op_transform_run: NULL argument");
	d = &t->d;
	if ((ret = op_tensor_check(out, "op_transform_run")))
		return ret;
	if (out->h != d->ph || out->w != d->pw || out->c != 3)
		return tt_error(-EINVAL, "op_transform_run: output is %ux%ux%u, must be %ux%ux3",
				out->h, out->w, out->c, d->ph, d->pw);
	es = op_tensor_elem_size(out);
	/* a hart's: column taps, two input rows, two output rows */
	scratch = 16 * d->rw + 24 * d->w + 2 * d->pw * 4 * es;
	if ((ret = op_grid(t->dev, &gx, &gy, &budget)))
		return ret;
	if (2 * scratch > budget)
		return tt_error(-ENOSPC, "op_transform_run: a %ux%u image to %ux%u needs %u bytes "
				"of L1 a core, %u are free", d->h, d->w, d->ph, d->pw, 2 * scratch,
				budget);
	/* rows in runs of chunk, to both data movement harts of each core */
	if ((ret = op_cores(t->dev, OP_DIV_UP(d->ph, 2), &cores, &used)))
		return ret;
	chunk = OP_DIV_UP(d->ph, 2 * used);
	harts = OP_DIV_UP(d->ph, chunk);
	if ((ret = tt_cq_write_buffer(cq, t->image, image, false)) ||
	    (ret = tt_program_create(t->dev, &prog)))
		return ret;
	if ((ret = op_cb(prog, cores, 1, TT_FORMAT_FLOAT32, 2 * scratch, 1)))
		goto out;
	for (k = 0; k < 2; k++) {
		struct tt_kernel_config cfg = { .role = roles[k] };
		uint32_t args[] = {
			tt_buffer_address(t->image), d->h, d->w, d->rh, d->rw, d->ph, d->pw,
			tt_buffer_address(out->buf), es,
			op_float_bits(d->mean[0]), op_float_bits(d->mean[1]), op_float_bits(d->mean[2]),
			op_float_bits(d->std[0]), op_float_bits(d->std[1]), op_float_bits(d->std[2]), k * scratch,
		};

		if ((ret = kernel[k] = op_kernel(prog, "transform_resize.c", cores, &cfg)) < 0 ||
		    (ret = tt_common_runtime_args_set(prog, kernel[k], args, sizeof(args) / 4)))
			goto out;
	}
	w = cores.end.x + 1;
	n = w * (cores.end.y + 1);
	for (i = 0; i < 2 * n; i++) {
		uint32_t first = i < harts ? i * chunk : 0;
		uint32_t args[2] = { first, i < harts ? (d->ph - first < chunk ? d->ph - first : chunk) : 0 };

		if ((ret = tt_runtime_args_set(prog, kernel[i % 2], TT_CORE(i / 2 % w, i / 2 / w), args, 2)))
			goto out;
	}
	snprintf(shape, sizeof(shape), "%ux%ux3 -> %ux%ux3", d->h, d->w, d->ph, d->pw);
	ret = op_run_shape(cq, prog, stats, "transform", shape);
out:
	tt_program_destroy(prog);
	return ret;
}
