// SPDX-License-Identifier: MIT
/*
 * Activations on the device: NHWC sticks in a DRAM interleaved buffer,
 * 32 sticks a page (see ops.h), and the conversion from and to torch's
 * CHW floats.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool act_format(enum tt_format fmt)
{
	return fmt == TT_FORMAT_FLOAT16_B || fmt == TT_FORMAT_FLOAT32;
}

uint32_t op_channels_padded(uint32_t c)
{
	uint32_t p = 1;

	if (c > 16)
		return OP_DIV_UP(c, 32) * 32;
	while (p < c)
		p *= 2;
	return p;
}

uint32_t op_tensor_elem_size(const struct op_tensor *t)
{
	return t->fmt == TT_FORMAT_FLOAT32 ? 4 : 2;
}

int op_tensor_create(struct tt_device *dev, uint32_t h, uint32_t w, uint32_t c,
		     enum tt_format fmt, struct op_tensor *t)
{
	struct tt_buffer_config cfg = { .type = TT_BUFFER_DRAM };
	uint64_t pixels = (uint64_t)h * w;
	int ret;

	if (!dev || !t)
		return tt_error(-EINVAL, "op_tensor_create: NULL argument");
	memset(t, 0, sizeof(*t));
	if (!h || !w || !c || pixels > (1u << 24) || c > (1u << 16))
		return tt_error(-EINVAL, "op_tensor_create: size %ux%ux%u is empty or too large",
				h, w, c);
	if (!act_format(fmt))
		return tt_error(-EINVAL, "op_tensor_create: format %d is not Float16_b or Float32",
				(int)fmt);
	t->h = h;
	t->w = w;
	t->c = c;
	t->c_pad = op_channels_padded(c);
	t->rows = (uint32_t)OP_DIV_UP(pixels, 32) * 32;
	t->fmt = fmt;
	cfg.page_size = 32 * t->c_pad * op_tensor_elem_size(t);
	cfg.size = (uint64_t)t->rows / 32 * cfg.page_size;
	ret = tt_buffer_create(dev, &cfg, &t->buf);
	if (ret) {
		t->buf = NULL;
		return ret;
	}
	return 0;
}

void op_tensor_destroy(struct op_tensor *t)
{
	if (!t)
		return;
	tt_buffer_destroy(t->buf);
	t->buf = NULL;
}

int op_tensor_check(const struct op_tensor *t, const char *what)
{
	if (!t || !t->buf)
		return tt_error(-EINVAL, "%s: no tensor (NULL or not created)", what);
	if (!act_format(t->fmt) || t->c_pad != op_channels_padded(t->c) ||
	    t->rows != OP_DIV_UP((uint64_t)t->h * t->w, 32) * 32 ||
	    tt_buffer_size(t->buf) < (uint64_t)t->rows * t->c_pad * op_tensor_elem_size(t) ||
	    tt_buffer_page_size(t->buf) != 32 * t->c_pad * op_tensor_elem_size(t))
		return tt_error(-EINVAL, "%s: tensor %ux%ux%u does not match its buffer", what,
				t->h, t->w, t->c);
	return 0;
}

/* Element (pixel p, channel ch) of a host array in CHW or HWC order. */
static size_t host_index(const struct op_tensor *t, bool hwc, uint32_t p, uint32_t ch)
{
	return hwc ? (size_t)p * t->c + ch : (size_t)ch * t->h * t->w + p;
}

static int write_host(struct tt_cq *cq, struct op_tensor *t, const float *src, bool hwc)
{
	uint32_t es, p, ch, npix;
	uint8_t *sticks;
	int ret = op_tensor_check(t, "op_tensor_write");

	if (ret)
		return ret;
	if (!cq || !src)
		return tt_error(-EINVAL, "op_tensor_write: NULL argument");
	es = op_tensor_elem_size(t);
	npix = t->h * t->w;
	sticks = calloc((size_t)t->rows * t->c_pad, es);
	if (!sticks)
		return tt_error(-ENOMEM, "op_tensor_write: out of memory");
	for (p = 0; p < npix; p++)
		for (ch = 0; ch < t->c; ch++) {
			size_t i = (size_t)p * t->c_pad + ch;
			float v = src[host_index(t, hwc, p, ch)];

			if (es == 4)
				((float *)sticks)[i] = v;
			else
				((uint16_t *)sticks)[i] = tt_float_to_bf16(v);
		}
	ret = tt_cq_write_buffer(cq, t->buf, sticks, true);
	free(sticks);
	return ret;
}

static int read_host(struct tt_cq *cq, const struct op_tensor *t, float *dst, bool hwc)
{
	uint32_t es, p, ch, npix;
	uint8_t *sticks;
	int ret = op_tensor_check(t, "op_tensor_read");

	if (ret)
		return ret;
	if (!cq || !dst)
		return tt_error(-EINVAL, "op_tensor_read: NULL argument");
	es = op_tensor_elem_size(t);
	npix = t->h * t->w;
	sticks = malloc(tt_buffer_size(t->buf));
	if (!sticks)
		return tt_error(-ENOMEM, "op_tensor_read: out of memory");
	ret = tt_cq_read_buffer(cq, t->buf, sticks, true);
	if (ret) {
		free(sticks);
		return ret;
	}
	for (p = 0; p < npix; p++)
		for (ch = 0; ch < t->c; ch++) {
			size_t i = (size_t)p * t->c_pad + ch;

			dst[host_index(t, hwc, p, ch)] =
				es == 4 ? ((const float *)sticks)[i] :
					  tt_bf16_to_float(((const uint16_t *)sticks)[i]);
		}
	free(sticks);
	return 0;
}

int op_tensor_wide(const struct op_tensor *t, const char *what)
{
	if (t->c_pad % 32)
		return tt_error(-EINVAL, "%s: a tensor of %u channels is a conv input only (its "
				"sticks are narrower than a tile)", what, t->c);
	return 0;
}

int op_tensor_write(struct tt_cq *cq, struct op_tensor *t, const float *chw)
{
	return write_host(cq, t, chw, false);
}

int op_tensor_read(struct tt_cq *cq, const struct op_tensor *t, float *chw)
{
	return read_host(cq, t, chw, false);
}

int op_tensor_write_hwc(struct tt_cq *cq, struct op_tensor *t, const float *hwc)
{
	return write_host(cq, t, hwc, true);
}

int op_tensor_read_hwc(struct tt_cq *cq, const struct op_tensor *t, float *hwc)
{
	return read_host(cq, t, hwc, true);
}
