// SPDX-License-Identifier: MIT
/*
 * Max pooling: ResNet's 3x3/s2/p1 after the stem, and FPN's P6 (1x1/s2,
 * a strided copy done by eltwise.c). Each output pixel's window becomes a
 * 32-row block (pool_reader.c), tilized and reduced with MAX over columns
 * (pool_compute.c); pool_writer.c writes row 0. At HiFi4 the scaler 1.0
 * leaves bf16 values exact. Float32 values would pass the FPU's 19-bit
 * sources, so their max is taken on the SFPU instead (maxpool_sfpu).
 */
#include <errno.h>

#include "internal.h"

int op_maxpool_out_size(uint32_t h, uint32_t w, uint32_t k, uint32_t stride, uint32_t pad,
			uint32_t *ho, uint32_t *wo)
{
	if (!ho || !wo)
		return tt_error(-EINVAL, "op_maxpool_out_size: NULL argument");
	if (!k || !stride || k * k > 32 || pad > k / 2)
		return tt_error(-EINVAL, "maxpool: window %u, stride %u, pad %u: need 1 <= k*k <= "
				"32, stride >= 1, pad <= k/2", k, stride, pad);
	if (h + 2 * pad < k || w + 2 * pad < k)
		return tt_error(-EINVAL, "maxpool: %ux%u input is smaller than the window %u", h,
				w, k);
	*ho = (h + 2 * pad - k) / stride + 1;
	*wo = (w + 2 * pad - k) / stride + 1;
	return 0;
}

/*
 * Float32: blocks of 32 output pixels, window position by position
 * (pool_window_reader.c), maxed with binary_max_tile in DST
 * (pool_max_compute.c) and written as sticks (stick_writer.c); exact.
 */
static int maxpool_sfpu(struct tt_device *dev, struct tt_cq *cq, const struct op_tensor *in,
			uint32_t k, uint32_t stride, uint32_t pad, struct op_tensor *out,
			struct op_stats *stats)
{
	struct tt_kernel_config rcfg = { .role = TT_ROLE_READER };
	struct tt_kernel_config wcfg = { .role = TT_ROLE_WRITER };
	struct tt_kernel_config ccfg = { .role = TT_ROLE_COMPUTE, .fp32_dest_acc = true };
	uint32_t page = in->c_pad * 4, ct = in->c_pad / 32, groups, cw, items, used;
	struct tt_core_range cores;
	struct tt_program *prog;
	int reader, compute, writer, ret;

	/* channel groups of at most 4 tiles: twice a group fits the fp32 DST */
	for (groups = 1; ct % groups || ct / groups > 4; groups++)
		;
	cw = ct / groups;
	items = out->rows / 32 * groups;
	ret = op_cores(dev, items, &cores, &used);
	if (!ret)
		ret = tt_program_create(dev, &prog);
	if (ret)
		return ret;
	if ((ret = op_cb(prog, cores, 0, in->fmt, 4096, 2 * cw)) ||
	    (ret = op_cb(prog, cores, 16, in->fmt, 4096, 2 * cw)))
		goto out;
	if ((ret = reader = op_kernel(prog, "pool_window_reader.c", cores, &rcfg)) < 0 ||
	    (ret = compute = op_kernel(prog, "pool_max_compute.c", cores, &ccfg)) < 0 ||
	    (ret = writer = op_kernel(prog, "stick_writer.c", cores, &wcfg)) < 0)
		goto out;
	{
		uint32_t rargs[] = {
			tt_buffer_address(in->buf), page, in->h, in->w, out->w, out->h * out->w, k,
			stride, pad, cw, groups,
		};
		uint32_t cargs[] = { cw, k * k };
		uint32_t wargs[] = { tt_buffer_address(out->buf), page, cw, groups };

		if ((ret = tt_common_runtime_args_set(prog, reader, rargs, sizeof(rargs) / 4)) ||
		    (ret = tt_common_runtime_args_set(prog, compute, cargs, sizeof(cargs) / 4)) ||
		    (ret = tt_common_runtime_args_set(prog, writer, wargs, sizeof(wargs) / 4)))
			goto out;
	}
	ret = op_split_args(prog, cores, used, items, (int[]){ reader, writer }, 2, compute);
	if (!ret)
		ret = op_run(cq, prog, stats, k == 3 && stride == 2 ? "maxpool3x3/s2" : "maxpool", in,
			     out);
out:
	tt_program_destroy(prog);
	return ret;
}

int op_maxpool(struct tt_device *dev, struct tt_cq *cq, const struct op_tensor *in, uint32_t k,
	       uint32_t stride, uint32_t pad, struct op_tensor *out, struct op_stats *stats)
{
	struct tt_kernel_config rcfg = { .role = TT_ROLE_READER };
	struct tt_kernel_config wcfg = { .role = TT_ROLE_WRITER };
	struct tt_kernel_config ccfg = {
		.role = TT_ROLE_COMPUTE, .math_fidelity = TT_HIFI4, .fp32_dest_acc = true,
	};
	uint32_t ho, wo, es, page, ct, npix, used, gx, gy, budget;
	struct tt_core_range cores;
	struct tt_program *prog;
	int reader, compute, writer, ret;

	if (!dev || !cq)
		return tt_error(-EINVAL, "op_maxpool: NULL argument");
	if ((ret = op_tensor_check(in, "op_maxpool")) || (ret = op_tensor_check(out, "op_maxpool")) ||
	    (ret = op_tensor_wide(in, "op_maxpool")))
		return ret;
	ret = op_maxpool_out_size(in->h, in->w, k, stride, pad, &ho, &wo);
	if (ret)
		return ret;
	if (out->h != ho || out->w != wo || out->c != in->c || out->fmt != in->fmt)
		return tt_error(-EINVAL, "op_maxpool: output is %ux%ux%u (format %d), must be "
				"%ux%ux%u (format %d)", out->h, out->w, out->c, (int)out->fmt, ho,
				wo, in->c, (int)in->fmt);
	if (k == 1)
		return op_strided_copy(dev, cq, in, stride, out, stats);
	if (in->fmt == TT_FORMAT_FLOAT32)
		return maxpool_sfpu(dev, cq, in, k, stride, pad, out, stats);
	es = op_tensor_elem_size(in);
	page = in->c_pad * es;
	ct = in->c_pad / 32;
	npix = ho * wo;
	ret = op_grid(dev, &gx, &gy, &budget);
	if (ret)
		return ret;
	if ((uint64_t)7 * ct * 1024 * es > budget)
		return tt_error(-ENOSPC, "op_maxpool: %u channels do not fit in L1", in->c);
	ret = op_cores(dev, npix, &cores, &used);
	if (!ret)
		ret = tt_program_create(dev, &prog);
	if (ret)
		return ret;
	if ((ret = op_cb(prog, cores, 0, in->fmt, 1024 * es, 2 * ct)) ||
	    (ret = op_cb(prog, cores, 1, in->fmt, 1024 * es, 2 * ct)) ||
	    (ret = op_cb(prog, cores, 2, in->fmt, 1024 * es, 1)) ||
	    (ret = op_cb(prog, cores, 16, in->fmt, 1024 * es, 2 * ct)))
		goto out;
	if ((ret = reader = op_kernel(prog, "pool_reader.c", cores, &rcfg)) < 0 ||
	    (ret = compute = op_kernel(prog, "pool_compute.c", cores, &ccfg)) < 0 ||
	    (ret = writer = op_kernel(prog, "pool_writer.c", cores, &wcfg)) < 0)
		goto out;
	{
		uint32_t rargs[] = {
			tt_buffer_address(in->buf), page, in->h, in->w, wo, k, stride, pad, ct, es,
		};
		uint32_t wargs[] = { tt_buffer_address(out->buf), page, ct };

		if ((ret = tt_common_runtime_args_set(prog, reader, rargs, sizeof(rargs) / 4)) ||
		    (ret = tt_common_runtime_args_set(prog, compute, &ct, 1)) ||
		    (ret = tt_common_runtime_args_set(prog, writer, wargs, sizeof(wargs) / 4)))
			goto out;
	}
	ret = op_split_args(prog, cores, used, npix, (int[]){ reader, writer }, 2, compute);
	if (!ret)
		ret = op_run(cq, prog, stats, k == 3 && stride == 2 ? "maxpool3x3/s2" : "maxpool", in,
			     out);
out:
	tt_program_destroy(prog);
	return ret;
}
