// SPDX-License-Identifier: MIT
/*
 * Convolution (and linear layers) as an implicit GEMM on the device.
 *
 * GEMM view: M = output pixels, K = kh * kw * seg (window position major,
 * then input channel; seg = the input's stick width c_pad, whose padding
 * channels get zero weights), N = out_c. The weight matrix [K][N], padded to
 * tiles, is tilized once on the host in the weight format; the bias is a
 * Float32 tile row whose 32 rows all hold it, so that DST can start from
 * it. At run time the work is split into items -- a block of mb tile rows
 * of M times a group of nw tiles of N -- dealt round-robin to the cores;
 * K goes in chunks sized to what L1 holds (see conv_reader.c,
 * conv_compute.c, conv_writer.c).
 *
 * With Float32 activations and weights (op_precision_fp32) the products
 * are made to about fp32 accuracy although the FPU reads its operands
 * through 19-bit source registers: the weights are stored twice, W_hi (the
 * mantissa cut to the 10 bits the FPU takes) and W_lo = W - W_hi, and the
 * compute kernel adds A W_hi + A_lo W_hi + A W_lo, A_lo made on the SFPU
 * (conv_compute.c): three matmuls where other precisions do one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DST_TILES_FP32	8u
#define BIAS_TILE	4096u
#define ZERO_PAGE	4096u

const struct op_precision op_precision_bf16 = {
	.act = TT_FORMAT_FLOAT16_B, .weight = TT_FORMAT_FLOAT16_B, .fidelity = TT_HIFI2,
};
const struct op_precision op_precision_bfp8 = {
	.act = TT_FORMAT_FLOAT16_B, .weight = TT_FORMAT_BFP8_B, .fidelity = TT_LOFI,
};
const struct op_precision op_precision_fp32 = {
	.act = TT_FORMAT_FLOAT32, .weight = TT_FORMAT_FLOAT32, .fidelity = TT_HIFI4,
};

struct plan {
	uint32_t mb, nw, nsub, kc, nkc, ngroups, items, ncores;
	uint32_t sw;		/* tiles of an im2col sub-block */
	uint32_t resident;	/* 1: each core holds its group's weights */
};

struct op_conv {
	struct tt_device *dev;
	struct op_conv_desc d;
	struct op_precision prec;
	uint32_t seg, kreal, kt0, nt;
	uint32_t split;		/* 1: weights as hi and lo parts (Float32 both ways) */
	struct tt_buffer *weight, *bias;
	/* the program of the last input size */
	struct tt_program *prog;
	int reader, compute, writer;
	uint32_t prog_h, prog_w;
	struct plan plan;
};

static bool valid_precision(const struct op_precision *p)
{
	return (p->act == TT_FORMAT_FLOAT16_B || p->act == TT_FORMAT_FLOAT32) &&
	       (p->weight == TT_FORMAT_FLOAT16_B || p->weight == TT_FORMAT_BFP8_B ||
		p->weight == TT_FORMAT_FLOAT32) &&
	       (p->fidelity == TT_LOFI || p->fidelity == TT_HIFI2 || p->fidelity == TT_HIFI3 ||
		p->fidelity == TT_HIFI4);
}

int op_conv_out_size(const struct op_conv_desc *d, uint32_t h, uint32_t w, uint32_t *ho,
		     uint32_t *wo)
{
	uint64_t span_h, span_w;

	if (!d || !ho || !wo)
		return tt_error(-EINVAL, "op_conv_out_size: NULL argument");
	if (!d->kh || !d->kw || !d->stride || !d->dilation)
		return tt_error(-EINVAL, "conv: kernel %ux%u, stride %u, dilation %u must be > 0",
				d->kh, d->kw, d->stride, d->dilation);
	span_h = (uint64_t)(d->kh - 1) * d->dilation + 1;
	span_w = (uint64_t)(d->kw - 1) * d->dilation + 1;
	if (h + 2ull * d->pad < span_h || w + 2ull * d->pad < span_w)
		return tt_error(-EINVAL, "conv: a %ux%u input with pad %u is smaller than the "
				"%llux%llu window", h, w, d->pad, (unsigned long long)span_h,
				(unsigned long long)span_w);
	*ho = (uint32_t)((h + 2ull * d->pad - span_h) / d->stride + 1);
	*wo = (uint32_t)((w + 2ull * d->pad - span_w) / d->stride + 1);
	return 0;
}

static int upload(struct tt_device *dev, const void *data, uint64_t size, uint32_t page,
		  struct tt_buffer **buf)
{
	struct tt_buffer_config cfg = { .type = TT_BUFFER_DRAM, .size = size, .page_size = page };
	int ret = tt_buffer_create(dev, &cfg, buf);

	if (ret)
		return ret;
	ret = tt_cq_write_buffer(tt_device_cq(dev, 0), *buf, data, true);
	if (ret) {
		tt_buffer_destroy(*buf);
		*buf = NULL;
	}
	return ret;
}

/*
 * W_hi and W_lo of a split: each value's mantissa cut to the 10 bits of the
 * FPU's source registers, and the rest (exact; denormals flushed, as the
 * device would).
 */
static void split_weights(float *hi, float *lo, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t u;
		float h, r;

		memcpy(&u, &hi[i], sizeof(u));
		u &= 0xffffe000u;
		memcpy(&h, &u, sizeof(h));
		r = hi[i] - h;
		memcpy(&u, &r, sizeof(u));
		lo[i] = (u & 0x7f800000u) ? r : 0.0f;
		hi[i] = h;
	}
}

/*
 * The weight matrix [kt0 * 32][nt * 32] (split: W_hi, then W_lo) and the
 * bias tiles, on the device.
 */
static int prepare(struct op_conv *cv, const float *weight, const float *bias)
{
	const struct op_conv_desc *d = &cv->d;
	uint32_t rows = cv->kt0 * 32, cols = cv->nt * 32, nwin = d->kh * d->kw;
	uint32_t o, i, wpos;
	float *mat, *brow;
	uint8_t *tiles;
	size_t n = (size_t)rows * cols, tsize = tt_tilized_size(rows, cols, cv->prec.weight);
	size_t wsize = tsize * (cv->split + 1);
	int ret = -ENOMEM;

	mat = calloc(n * (cv->split + 1), sizeof(float));
	brow = calloc((size_t)32 * cols, sizeof(float));
	tiles = malloc(wsize > (size_t)cols * 32 * 4 ? wsize : (size_t)cols * 32 * 4);
	if (!mat || !brow || !tiles) {
		tt_error(-ENOMEM, "op_conv_create: out of memory");
		goto out;
	}
	for (o = 0; o < d->out_c; o++)
		for (i = 0; i < d->in_c; i++)
			for (wpos = 0; wpos < nwin; wpos++)
				mat[((size_t)wpos * cv->seg + i) * cols + o] =
					weight[((size_t)o * d->in_c + i) * nwin + wpos];
	if (cv->split)
		split_weights(mat, mat + n, n);
	ret = tt_tilize(mat, TT_FORMAT_FLOAT32, rows, cols, tiles, cv->prec.weight);
	if (!ret && cv->split)
		ret = tt_tilize(mat + n, TT_FORMAT_FLOAT32, rows, cols, tiles + tsize,
				cv->prec.weight);
	if (!ret)
		ret = upload(cv->dev, tiles, wsize, (uint32_t)tt_tile_size(cv->prec.weight),
			     &cv->weight);
	if (ret)
		goto out;
	for (i = 0; i < 32; i++)
		for (o = 0; o < d->out_c; o++)
			brow[(size_t)i * cols + o] = bias ? bias[o] : 0.0f;
	ret = tt_tilize(brow, TT_FORMAT_FLOAT32, 32, cols, tiles, TT_FORMAT_FLOAT32);
	if (!ret)
		ret = upload(cv->dev, tiles, (uint64_t)cv->nt * BIAS_TILE, BIAS_TILE, &cv->bias);
out:
	free(tiles);
	free(brow);
	free(mat);
	return ret;
}

int op_conv_create(struct tt_device *dev, const struct op_conv_desc *desc, const float *weight,
		   const float *bias, const struct op_precision *prec, struct op_conv **conv)
{
	struct op_conv *cv;
	uint64_t k;
	int ret;

	if (!dev || !desc || !weight || !prec || !conv)
		return tt_error(-EINVAL, "op_conv_create: NULL argument");
	*conv = NULL;
	if (!desc->in_c || !desc->out_c || !desc->kh || !desc->kw || !desc->stride ||
	    !desc->dilation || desc->pad > 64 || desc->kh > 16 || desc->kw > 16 ||
	    desc->stride > 16 || desc->dilation > 16 || desc->out_c > 65536 ||
	    desc->in_c > 65536)
		return tt_error(-EINVAL, "op_conv_create: conv %u->%u %ux%u stride %u pad %u "
				"dilation %u is out of range", desc->in_c, desc->out_c, desc->kh,
				desc->kw, desc->stride, desc->pad, desc->dilation);
	if (!valid_precision(prec))
		return tt_error(-EINVAL, "op_conv_create: precision act %d weight %d fidelity %d "
				"is not supported", (int)prec->act, (int)prec->weight,
				(int)prec->fidelity);
	k = (uint64_t)desc->kh * desc->kw * op_channels_padded(desc->in_c);
	if (k > (1u << 20))
		return tt_error(-EINVAL, "op_conv_create: K = %llu is too large",
				(unsigned long long)k);
	cv = calloc(1, sizeof(*cv));
	if (!cv)
		return tt_error(-ENOMEM, "op_conv_create: out of memory");
	cv->dev = dev;
	cv->d = *desc;
	cv->prec = *prec;
	cv->seg = op_channels_padded(desc->in_c);
	cv->kreal = (uint32_t)k;
	cv->kt0 = OP_DIV_UP(cv->kreal, 32);
	cv->nt = OP_DIV_UP(desc->out_c, 32);
	cv->split = prec->act == TT_FORMAT_FLOAT32 && prec->weight == TT_FORMAT_FLOAT32;
	ret = prepare(cv, weight, bias);
	if (ret) {
		op_conv_destroy(cv);
		return ret;
	}
	*conv = cv;
	return 0;
}

int op_linear_create(struct tt_device *dev, uint32_t in_features, uint32_t out_features,
		     const float *weight, const float *bias, bool relu,
		     const struct op_precision *prec, struct op_conv **linear)
{
	const struct op_conv_desc d = {
		.in_c = in_features, .out_c = out_features, .kh = 1, .kw = 1, .stride = 1,
		.dilation = 1, .relu = relu,
	};

	return op_conv_create(dev, &d, weight, bias, prec, linear);
}

void op_conv_destroy(struct op_conv *cv)
{
	if (!cv)
		return;
	tt_program_destroy(cv->prog);
	tt_buffer_destroy(cv->weight);
	tt_buffer_destroy(cv->bias);
	free(cv);
}

/* The largest divisor of n that is at most max (>= 1). */
static uint32_t divisor_at_most(uint32_t n, uint32_t max)
{
	uint32_t d;

	for (d = max < n ? max : n; d > 1; d--)
		if (n % d == 0)
			return d;
	return 1;
}

/*
 * K chunks of at most kc tiles. With sticks of whole 32-channel tiles
 * (ct per window position), a chunk is whole window positions, or an
 * equal part of one, so that every sub-block lies in one position; with
 * narrow sticks, equal chunks of K with one sub-block each.
 */
static void chunks(const struct op_conv *cv, uint32_t kc, struct plan *p)
{
	uint32_t ct = cv->seg / 32, nwin = cv->d.kh * cv->d.kw, q;

	if (cv->seg % 32) {
		p->nkc = OP_DIV_UP(cv->kt0, kc);
		p->kc = p->sw = OP_DIV_UP(cv->kt0, p->nkc);
	} else if (kc >= ct) {
		q = kc / ct;
		p->nkc = OP_DIV_UP(nwin, q);
		q = OP_DIV_UP(nwin, p->nkc);
		p->kc = q * ct;
		p->sw = ct;
	} else {
		p->kc = p->sw = divisor_at_most(ct, kc);
		p->nkc = nwin * (ct / p->kc);
	}
}

/*
 * How to split the GEMM of npix output pixels over the cores and L1: mb
 * tile rows an item, as many as keep every core busy; the fewest groups
 * of N that give every core an item; the largest K chunks L1 holds. When
 * cores get more than one item, each core keeps to one group of N and
 * holds its weights (resident) if they fit without chunking K.
 */
static int make_plan(const struct op_conv *cv, uint32_t npix, uint32_t ncores, uint32_t budget,
		     struct plan *p)
{
	uint32_t es = cv->prec.act == TT_FORMAT_FLOAT32 ? 4 : 2, ta = 1024 * es;
	/* a weight tile's bytes in L1: split, its hi and lo parts */
	uint32_t tw = (uint32_t)tt_tile_size(cv->prec.weight) * (cv->split + 1);
	uint32_t mt = OP_DIV_UP(npix, 32);
	uint32_t mb = mt >= 4 * ncores ? 4 : mt >= 2 * ncores ? 2 : 1, g, resident;

	for (; mb >= 1; mb /= 2) {
		uint32_t mblocks = OP_DIV_UP(mt, mb);

		for (g = 1; g <= cv->nt; g++) {
			/* the fewest groups that give every core an item */
			if (cv->nt % g || (mblocks * g < ncores && g < cv->nt))
				continue;
			for (resident = mblocks * g > ncores && g <= ncores; ; resident = 0) {
				uint64_t fixed, per_kc, part, room;
				uint32_t nw = cv->nt / g, kc, used;

				p->mb = mb;
				p->nw = nw;
				p->nsub = divisor_at_most(nw, DST_TILES_FP32 / mb);
				p->ngroups = g;
				fixed = resident ? (uint64_t)cv->kt0 * nw * tw + (uint64_t)nw * BIAS_TILE :
						   2ull * p->nsub * (tw + BIAS_TILE);
				fixed += 2ull * mb * nw * ta + ZERO_PAGE;
				per_kc = (2ull + mb * (1 + cv->split)) * ta;
				part = (uint64_t)mb * nw * BIAS_TILE;
				if (fixed + per_kc * cv->kt0 <= budget) {
					kc = cv->kt0;
				} else if (resident) {
					continue;	/* not at the price of K chunks */
				} else if (fixed + part + per_kc <= budget) {
					room = (budget - fixed - part) / per_kc;
					kc = (uint32_t)(room < cv->kt0 ? room : cv->kt0);
				} else {
					break;
				}
				chunks(cv, kc, p);
				p->items = mblocks * g;
				used = p->items < ncores ? p->items : ncores;
				p->ncores = resident ? used / g * g : used;
				p->resident = resident;
				return 0;
			}
		}
		if (mb == 1)
			break;
	}
	return tt_error(-ENOSPC, "conv: no split of %u->%u %ux%u fits in %u bytes of L1",
			cv->d.in_c, cv->d.out_c, cv->d.kh, cv->d.kw, budget);
}

static int build(struct op_conv *cv, const struct op_tensor *in, uint32_t npix)
{
	struct tt_kernel_config rcfg = { .role = TT_ROLE_READER };
	struct tt_kernel_config wcfg = { .role = TT_ROLE_WRITER };
	struct tt_kernel_config ccfg = {
		.role = TT_ROLE_COMPUTE, .math_fidelity = cv->prec.fidelity, .fp32_dest_acc = true,
	};
	uint32_t gx, gy, budget, es, ta, tw, used;
	struct tt_core_range cores;
	struct tt_program *prog;
	struct plan *p = &cv->plan;
	int ret;

	ret = op_grid(cv->dev, &gx, &gy, &budget);
	if (!ret)
		ret = make_plan(cv, npix, gx * gy, budget, p);
	if (ret)
		return ret;
	es = op_tensor_elem_size(in);
	ta = 1024 * es;
	tw = (uint32_t)tt_tile_size(cv->prec.weight);
	ret = op_cores(cv->dev, p->ncores, &cores, &used);
	if (!ret)
		ret = tt_program_create(cv->dev, &prog);
	if (ret)
		return ret;
	if ((ret = op_cb(prog, cores, 0, in->fmt, ta, 2 * p->sw)) ||
	    (ret = op_cb(prog, cores, 1, cv->prec.weight, tw,
			 (p->resident ? cv->kt0 * p->nw : 2 * p->nsub) * (cv->split + 1))) ||
	    (ret = op_cb(prog, cores, 2, TT_FORMAT_FLOAT32, BIAS_TILE,
			 p->resident ? p->nw : 2 * p->nsub)) ||
	    (ret = op_cb(prog, cores, 3, in->fmt, ZERO_PAGE, 1)) ||
	    (ret = op_cb(prog, cores, 4, in->fmt, ta, p->mb * p->kc)) ||
	    (cv->split && (ret = op_cb(prog, cores, 5, in->fmt, ta, p->mb * p->kc))) ||
	    (ret = op_cb(prog, cores, 16, in->fmt, ta, 2 * p->mb * p->nw)) ||
	    (p->nkc > 1 &&
	     (ret = op_cb(prog, cores, 24, TT_FORMAT_FLOAT32, BIAS_TILE, p->mb * p->nw))))
		goto fail;
	if ((ret = cv->reader = op_kernel(prog, "conv_reader.c", cores, &rcfg)) < 0 ||
	    (ret = cv->compute = op_kernel(prog, "conv_compute.c", cores, &ccfg)) < 0 ||
	    (ret = cv->writer = op_kernel(prog, "conv_writer.c", cores, &wcfg)) < 0)
		goto fail;
	ret = op_split_args(prog, cores, used, p->items, (int[]){ cv->reader, cv->writer }, 2,
			    cv->compute);
	if (ret)
		goto fail;
	tt_program_destroy(cv->prog);
	cv->prog = prog;
	cv->prog_h = in->h;
	cv->prog_w = in->w;
	return 0;
fail:
	tt_program_destroy(prog);
	return ret;
}

int op_conv_split(const struct op_conv *cv, struct op_conv_split *split)
{
	const struct plan *p;

	if (!cv || !split)
		return tt_error(-EINVAL, "op_conv_split: NULL argument");
	if (!cv->prog)
		return tt_error(-ENOENT, "op_conv_split: the conv has not run yet");
	p = &cv->plan;
	*split = (struct op_conv_split){
		.mb = p->mb, .nw = p->nw, .groups = p->ngroups, .kc = p->kc, .nkc = p->nkc,
		.items = p->items, .cores = p->ncores, .resident = p->resident,
	};
	return 0;
}

int op_conv_run(struct op_conv *cv, struct tt_cq *cq, const struct op_tensor *in,
		struct op_tensor *out, struct op_stats *stats)
{
	const struct op_conv_desc *d;
	uint32_t ho, wo, es;
	struct plan *p;
	char name[32];
	int ret;

	if (!cv || !cq)
		return tt_error(-EINVAL, "op_conv_run: NULL argument");
	d = &cv->d;
	if ((ret = op_tensor_check(in, "conv input")) || (ret = op_tensor_check(out, "conv output")))
		return ret;
	if (in->c != d->in_c)
		return tt_error(-EINVAL, "conv: input has %u channels, the conv takes %u", in->c,
				d->in_c);
	if (in->fmt != cv->prec.act || out->fmt != cv->prec.act)
		return tt_error(-EINVAL, "conv: tensors are in formats %d and %d, the conv's "
				"activations in %d", (int)in->fmt, (int)out->fmt,
				(int)cv->prec.act);
	ret = op_conv_out_size(d, in->h, in->w, &ho, &wo);
	if (ret)
		return ret;
	if (out->h != ho || out->w != wo || out->c != d->out_c)
		return tt_error(-EINVAL, "conv: output is %ux%ux%u, must be %ux%ux%u", out->h,
				out->w, out->c, ho, wo, d->out_c);
	if (!cv->prog || cv->prog_h != in->h || cv->prog_w != in->w) {
		ret = build(cv, in, ho * wo);
		if (ret)
			return ret;
	}
	p = &cv->plan;
	es = op_tensor_elem_size(in);
	{
		uint32_t rargs[] = {
			tt_buffer_address(in->buf), in->c_pad * es, in->h, in->w, d->kw, d->stride,
			d->pad, d->dilation, wo, ho * wo, cv->seg, es, cv->kreal, p->mb, p->kc,
			p->nkc, p->ngroups, p->sw, d->kh * d->kw,
		};
		uint32_t cargs[] = {
			p->mb, p->nw, p->nsub, p->kc, p->nkc, d->relu, p->sw, cv->kt0, p->resident,
			cv->split,
		};
		uint32_t wargs[] = {
			tt_buffer_address(out->buf), out->c_pad * es, out->rows, es, p->mb, p->nw,
			p->ngroups, tt_buffer_address(cv->weight),
			(uint32_t)tt_tile_size(cv->prec.weight), tt_buffer_address(cv->bias), cv->nt,
			cv->kt0, p->kc, p->nkc, p->nsub, p->resident, cv->split, cv->kt0 * cv->nt,
		};

		if ((ret = tt_common_runtime_args_set(cv->prog, cv->reader, rargs,
						      sizeof(rargs) / 4)) ||
		    (ret = tt_common_runtime_args_set(cv->prog, cv->compute, cargs,
						      sizeof(cargs) / 4)) ||
		    (ret = tt_common_runtime_args_set(cv->prog, cv->writer, wargs,
						      sizeof(wargs) / 4)))
			return ret;
	}
	if (d->kh == 1 && d->kw == 1 && in->h == 1)
		snprintf(name, sizeof(name), "linear%s", d->relu ? "+relu" : "");
	else
		snprintf(name, sizeof(name), "conv%ux%u/s%u%s", d->kh, d->kw, d->stride,
			 d->relu ? "+relu" : "");
	return op_run(cq, cv->prog, stats, name, in, out);
}
