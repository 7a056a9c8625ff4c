// SPDX-License-Identifier: MIT
/*
 * Element-wise ops on activations: relu, the residual add (+ relu) and
 * FPN's top-down add of a nearest-upsampled map; and the strided copy
 * that is a 1x1 max pool. One program shape for all: a reader that
 * gathers 32 output pixels' sticks of each input (eltwise_reader.c), a
 * compute kernel that adds and/or clamps them tile by tile
 * (eltwise_compute.c), and stick_writer.c. Float32 adds are made on the
 * SFPU, exact to fp32 rounding; bf16 adds on the FPU, whose 19-bit
 * sources hold bf16 values whole.
 */
#include <errno.h>

#include "internal.h"

#define OP_RELU	1u
#define OP_ADD	2u
#define OP_SFPU	4u	/* the add on the SFPU, in fp32 */

/* How output pixels map to an input's: y * mul_y / div_y, x * mul_x / div_x. */
struct gather {
	const struct op_tensor *t;
	uint32_t mul_y, div_y, mul_x, div_x;
};

static int eltwise(struct tt_device *dev, struct tt_cq *cq, const struct gather *a,
		   const struct gather *b, struct op_tensor *out, uint32_t op,
		   struct op_stats *stats)
{
	struct tt_kernel_config rcfg = { .role = TT_ROLE_READER };
	struct tt_kernel_config wcfg = { .role = TT_ROLE_WRITER };
	struct tt_kernel_config ccfg = {
		.role = TT_ROLE_COMPUTE, .math_fidelity = TT_HIFI4, .fp32_dest_acc = true,
	};
	uint32_t es = op_tensor_elem_size(out), page = out->c_pad * es, ct = out->c_pad / 32;
	uint32_t used, gx, gy, budget, groups, cw, items;
	struct tt_core_range cores;
	struct tt_program *prog;
	int reader, compute, writer, ret;

	ret = op_grid(dev, &gx, &gy, &budget);
	if (ret)
		return ret;
	/* channel groups: the fewest that fit two blocks of each CB in L1 */
	for (groups = 1; groups <= ct; groups++)
		if (ct % groups == 0 && (uint64_t)(b ? 6 : 4) * (ct / groups) * 1024 * es <= budget)
			break;
	if (groups > ct)
		return tt_error(-ENOSPC, "eltwise: 32 channels do not fit in L1");
	cw = ct / groups;
	items = out->rows / 32 * groups;
	ret = op_cores(dev, items, &cores, &used);
	if (!ret)
		ret = tt_program_create(dev, &prog);
	if (ret)
		return ret;
	if ((ret = op_cb(prog, cores, 0, out->fmt, 1024 * es, 2 * cw)) ||
	    (b && (ret = op_cb(prog, cores, 1, out->fmt, 1024 * es, 2 * cw))) ||
	    (ret = op_cb(prog, cores, 16, out->fmt, 1024 * es, 2 * cw)))
		goto out;
	if ((ret = reader = op_kernel(prog, "eltwise_reader.c", cores, &rcfg)) < 0 ||
	    (ret = compute = op_kernel(prog, "eltwise_compute.c", cores, &ccfg)) < 0 ||
	    (ret = writer = op_kernel(prog, "stick_writer.c", cores, &wcfg)) < 0)
		goto out;
	{
		const struct gather *gb = b ? b : a;
		uint32_t rargs[] = {
			tt_buffer_address(a->t->buf), b ? tt_buffer_address(b->t->buf) : 0, page,
			out->w, out->h * out->w,
			a->t->w, a->mul_y, a->div_y, a->mul_x, a->div_x,
			gb->t->w, gb->mul_y, gb->div_y, gb->mul_x, gb->div_x,
			cw, b != NULL, groups,
		};
		uint32_t cargs[] = {
			cw, op | (b && out->fmt == TT_FORMAT_FLOAT32 ? OP_SFPU : 0u),
		};
		uint32_t wargs[] = { tt_buffer_address(out->buf), page, cw, groups };

		if ((ret = tt_common_runtime_args_set(prog, reader, rargs, sizeof(rargs) / 4)) ||
		    (ret = tt_common_runtime_args_set(prog, compute, cargs, sizeof(cargs) / 4)) ||
		    (ret = tt_common_runtime_args_set(prog, writer, wargs, sizeof(wargs) / 4)))
			goto out;
	}
	ret = op_split_args(prog, cores, used, items, (int[]){ reader, writer }, 2, compute);
	if (!ret)
		ret = op_run(cq, prog, stats,
			     op == OP_ADD ? (b && b->t->h != out->h ? "upsample+add" : "add") :
			     op == (OP_ADD | OP_RELU) ? "add+relu" : op == OP_RELU ? "relu" :
			     "strided copy", a->t, out);
out:
	tt_program_destroy(prog);
	return ret;
}

/* Both tensors valid, of one format, with the same channels. */
static int check_pair(const struct op_tensor *a, const struct op_tensor *out, const char *what)
{
	int ret;

	if ((ret = op_tensor_check(a, what)) || (ret = op_tensor_check(out, what)) ||
	    (ret = op_tensor_wide(a, what)) || (ret = op_tensor_wide(out, what)))
		return ret;
	if (a->fmt != out->fmt)
		return tt_error(-EINVAL, "%s: formats %d and %d differ", what, (int)a->fmt,
				(int)out->fmt);
	if (a->c != out->c)
		return tt_error(-EINVAL, "%s: %u channels in, %u out", what, a->c, out->c);
	return 0;
}

static int check_same_size(const struct op_tensor *a, const struct op_tensor *out,
			   const char *what)
{
	if (a->h != out->h || a->w != out->w)
		return tt_error(-EINVAL, "%s: %ux%u in, %ux%u out", what, a->h, a->w, out->h,
				out->w);
	return 0;
}

int op_add(struct tt_device *dev, struct tt_cq *cq, const struct op_tensor *a,
	   const struct op_tensor *b, struct op_tensor *out, bool relu, struct op_stats *stats)
{
	struct gather ga = { a, 1, 1, 1, 1 }, gb = { b, 1, 1, 1, 1 };
	int ret;

	if (!dev || !cq)
		return tt_error(-EINVAL, "op_add: NULL argument");
	if ((ret = check_pair(a, out, "op_add")) || (ret = check_pair(b, out, "op_add")) ||
	    (ret = check_same_size(a, out, "op_add")) || (ret = check_same_size(b, out, "op_add")))
		return ret;
	return eltwise(dev, cq, &ga, &gb, out, OP_ADD | (relu ? OP_RELU : 0), stats);
}

int op_upsample_add(struct tt_device *dev, struct tt_cq *cq, const struct op_tensor *a,
		    const struct op_tensor *b, struct op_tensor *out, struct op_stats *stats)
{
	struct gather ga = { a, 1, 1, 1, 1 }, gb;
	int ret;

	if (!dev || !cq)
		return tt_error(-EINVAL, "op_upsample_add: NULL argument");
	if ((ret = check_pair(a, out, "op_upsample_add")) ||
	    (ret = check_pair(b, out, "op_upsample_add")) ||
	    (ret = check_same_size(a, out, "op_upsample_add")))
		return ret;
	if (b->h > a->h || b->w > a->w)
		return tt_error(-EINVAL, "op_upsample_add: %ux%u does not upsample to %ux%u",
				b->h, b->w, a->h, a->w);
	gb = (struct gather){ b, b->h, a->h, b->w, a->w };
	return eltwise(dev, cq, &ga, &gb, out, OP_ADD, stats);
}

int op_relu(struct tt_device *dev, struct tt_cq *cq, const struct op_tensor *a,
	    struct op_tensor *out, struct op_stats *stats)
{
	struct gather ga = { a, 1, 1, 1, 1 };
	int ret;

	if (!dev || !cq)
		return tt_error(-EINVAL, "op_relu: NULL argument");
	if ((ret = check_pair(a, out, "op_relu")) || (ret = check_same_size(a, out, "op_relu")))
		return ret;
	return eltwise(dev, cq, &ga, NULL, out, OP_RELU, stats);
}

int op_strided_copy(struct tt_device *dev, struct tt_cq *cq, const struct op_tensor *in,
		    uint32_t stride, struct op_tensor *out, struct op_stats *stats)
{
	struct gather g = { in, stride, 1, stride, 1 };
	int ret = op_tensor_wide(in, "op_maxpool");

	if (ret)
		return ret;
	return eltwise(dev, cq, &g, NULL, out, 0, stats);
}
