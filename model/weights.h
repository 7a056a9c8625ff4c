/* SPDX-License-Identifier: MIT */
/*
 * Network weights from a safetensors file, mapped read-only: an 8-byte
 * little-endian header length, a JSON header naming each tensor's dtype,
 * shape and byte range, then the raw little-endian data.
 */
#ifndef MODEL_WEIGHTS_H
#define MODEL_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#define WEIGHTS_MAX_DIMS 8

enum weights_dtype {
	WEIGHTS_F64, WEIGHTS_F32, WEIGHTS_F16, WEIGHTS_BF16,
	WEIGHTS_I64, WEIGHTS_I32, WEIGHTS_I16, WEIGHTS_I8, WEIGHTS_U8, WEIGHTS_BOOL,
};

struct weights_tensor {
	const char *name;
	enum weights_dtype dtype;
	int ndim;
	int64_t shape[WEIGHTS_MAX_DIMS];
	size_t numel;
	const void *data;	/* inside the mapping, aligned to its element size */
	size_t size;		/* bytes */
};

struct weights;

/*
 * Maps and validates the whole file: every error (truncated file, bad JSON,
 * unknown dtype, shape not matching the byte range, ranges out of the data,
 * overlapping or leaving holes) is -EINVAL with tt_last_error() naming the
 * file and the tensor. I/O errors are -errno.
 */
int weights_open(const char *path, struct weights **out);
void weights_close(struct weights *w);

size_t weights_count(const struct weights *w);
const struct weights_tensor *weights_at(const struct weights *w, size_t i);

/*
 * The tensor called name, or NULL (without setting an error). Names use the
 * torchvision >= 0.13 spelling; a file written with the older one
 * (fpn.inner_blocks.i.weight, rpn.head.conv.weight) is found as well.
 */
const struct weights_tensor *weights_find(const struct weights *w, const char *name);

/*
 * The F32 data of tensor name, checking that it exists, is F32 and has
 * ndim dimensions equal to shape (an entry of -1 matches any size).
 * -ENOENT / -EINVAL with an error naming the tensor.
 */
int weights_f32(const struct weights *w, const char *name, int ndim, const int64_t *shape,
		const float **data);

/* A __metadata__ string, or NULL. */
const char *weights_meta(const struct weights *w, const char *key);

/* The BN eps recorded by the converter (__metadata__ bn_eps); -EINVAL if absent or bad. */
int weights_bn_eps(const struct weights *w, float *eps);

/*
 * A convolution with the batch norm after it folded in:
 *   weight'[o] = weight[o] * g[o] / sqrt(var[o] + eps),
 *   bias'[o]   = beta[o] + (bias[o] - mean[o]) * g[o] / sqrt(var[o] + eps)
 * (bias[o] = 0 when the conv has none). conv and bn are name prefixes
 * ("backbone.body.layer1.0.conv1", "backbone.body.layer1.0.bn1"); eps is the
 * file's bn_eps. The result owns its arrays (free with folded_conv_free).
 */
struct folded_conv {
	int out_channels, in_channels, kh, kw;
	float *weight;		/* [out][in][kh][kw] */
	float *bias;		/* [out] */
};

int weights_fold_bn(const struct weights *w, const char *conv, const char *bn,
		    struct folded_conv *out);
void folded_conv_free(struct folded_conv *c);

#endif
