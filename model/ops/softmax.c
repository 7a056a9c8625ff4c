// SPDX-License-Identifier: MIT
/*
 * Softmax over the channels of each pixel (a row of a linear layer's
 * output: the box predictor's class logits), on the device: blocks of 32
 * rows tilized, then max, exp, sum, reciprocal and scale with the tile
 * engine (softmax_reader.c, softmax_compute.c, stick_writer.c). Padding
 * channels come out 0.
 */
#include <errno.h>

#include "internal.h"

int op_softmax(struct tt_device *dev, struct tt_cq *cq, const struct op_tensor *in,
	       struct op_tensor *out, struct op_stats *stats)
{
	struct tt_kernel_config rcfg = { .role = TT_ROLE_READER };
	struct tt_kernel_config wcfg = { .role = TT_ROLE_WRITER };
	struct tt_kernel_config ccfg = {
		.role = TT_ROLE_COMPUTE, .math_fidelity = TT_HIFI4, .fp32_dest_acc = true,
	};
	uint32_t es, page, ct, blocks, used, gx, gy, budget, fill;
	struct tt_core_range cores;
	struct tt_program *prog;
	int reader, compute, writer, ret;

	if (!dev || !cq)
		return tt_error(-EINVAL, "op_softmax: NULL argument");
	if ((ret = op_tensor_check(in, "op_softmax")) || (ret = op_tensor_check(out, "op_softmax")) ||
	    (ret = op_tensor_wide(in, "op_softmax")))
		return ret;
	if (in->h != out->h || in->w != out->w || in->c != out->c || in->fmt != out->fmt)
		return tt_error(-EINVAL, "op_softmax: output %ux%ux%u (format %d) differs from the "
				"input %ux%ux%u (format %d)", out->h, out->w, out->c, (int)out->fmt,
				in->h, in->w, in->c, (int)in->fmt);
	es = op_tensor_elem_size(in);
	page = in->c_pad * es;
	ct = in->c_pad / 32;
	blocks = in->rows / 32;
	fill = es == 4 ? 0xf149f2cau : tt_float_to_bf16(-1e30f);	/* -1e30 */
	ret = op_grid(dev, &gx, &gy, &budget);
	if (ret)
		return ret;
	if ((uint64_t)ct * (4 * 1024 * es + 2 * 4096) + 3 * 4096 > budget)
		return tt_error(-ENOSPC, "op_softmax: %u channels do not fit in L1", in->c);
	ret = op_cores(dev, blocks, &cores, &used);
	if (!ret)
		ret = tt_program_create(dev, &prog);
	if (ret)
		return ret;
	if ((ret = op_cb(prog, cores, 0, in->fmt, 1024 * es, ct)) ||
	    (ret = op_cb(prog, cores, 1, in->fmt, 1024 * es, ct)) ||
	    (ret = op_cb(prog, cores, 2, in->fmt, 1024 * es, 1)) ||
	    (ret = op_cb(prog, cores, 3, TT_FORMAT_FLOAT32, 4096, 1)) ||
	    (ret = op_cb(prog, cores, 4, TT_FORMAT_FLOAT32, 4096, ct)) ||
	    (ret = op_cb(prog, cores, 5, TT_FORMAT_FLOAT32, 4096, 1)) ||
	    (ret = op_cb(prog, cores, 16, in->fmt, 1024 * es, 2 * ct)))
		goto out;
	if ((ret = reader = op_kernel(prog, "softmax_reader.c", cores, &rcfg)) < 0 ||
	    (ret = compute = op_kernel(prog, "softmax_compute.c", cores, &ccfg)) < 0 ||
	    (ret = writer = op_kernel(prog, "stick_writer.c", cores, &wcfg)) < 0)
		goto out;
	{
		uint32_t rargs[] = { tt_buffer_address(in->buf), page, in->c, ct, es, fill };
		uint32_t wargs[] = { tt_buffer_address(out->buf), page, ct, 1 };

		if ((ret = tt_common_runtime_args_set(prog, reader, rargs, sizeof(rargs) / 4)) ||
		    (ret = tt_common_runtime_args_set(prog, compute, &ct, 1)) ||
		    (ret = tt_common_runtime_args_set(prog, writer, wargs, sizeof(wargs) / 4)))
			goto out;
	}
	ret = op_split_args(prog, cores, used, blocks, (int[]){ reader, writer }, 2, compute);
	if (!ret)
		ret = op_run(cq, prog, stats, "softmax", in, out);
out:
	tt_program_destroy(prog);
	return ret;
}
