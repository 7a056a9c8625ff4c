// SPDX-License-Identifier: MIT
/*
 * One ResNet-50 3x3 conv layer (layer2's conv2 at a 320x320 input: 40x40,
 * 128 -> 128, relu) through model/ops on the model device -- modelled
 * device time and host time -- next to the same conv on the CPU in the
 * same run: im2col + OpenBLAS sgemm in fp32. One JSON line per precision.
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "bench.h"
#include "../../model/ops/ops.h"

#define H	40
#define W	40
#define C	128
#define RUNS	3

static float frand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (float)((double)(*s >> 11) / (double)(1ull << 53) * 2.0 - 1.0);
}

/* 3x3/s1/p1 conv: im2col rows [H*W][9*C], then [H*W][9C] x [9C][C] by sgemm. */
static void cpu_conv(const float *in, const float *wmat, const float *bias, float *cols,
		     float *out)
{
	int y, x, ky, kx, c, o;

	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			for (ky = 0; ky < 3; ky++)
				for (kx = 0; kx < 3; kx++) {
					int iy = y + ky - 1, ix = x + kx - 1;
					float *dst = cols + ((size_t)(y * W + x) * 9 + ky * 3 + kx) * C;

					for (c = 0; c < C; c++)
						dst[c] = iy < 0 || ix < 0 || iy >= H || ix >= W ? 0.0f :
							 in[((size_t)c * H + iy) * W + ix];
				}
	for (y = 0; y < H * W; y++)
		memcpy(out + (size_t)y * C, bias, C * sizeof(float));
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, H * W, C, 9 * C, 1.0f, cols, 9 * C,
		    wmat, C, 1.0f, out, C);
	for (o = 0; o < H * W * C; o++)
		out[o] = out[o] > 0 ? out[o] : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	static const struct {
		const char *name;
		const struct op_precision *prec;
	} precs[] = {
		{ "bf16_hifi2", &op_precision_bf16 },
		{ "bfp8_lofi", &op_precision_bfp8 },
		{ "fp32_hifi4", &op_precision_fp32 },
	};
	const struct op_conv_desc d = {
		.in_c = C, .out_c = C, .kh = 3, .kw = 3, .stride = 1, .pad = 1, .dilation = 1,
		.relu = true,
	};
	size_t nin = (size_t)C * H * W, nw = (size_t)C * C * 9, i;
	float *in = malloc(nin * sizeof(float)), *wt = malloc(nw * sizeof(float));
	float *wmat = malloc(nw * sizeof(float)), *bias = malloc(C * sizeof(float));
	float *cols = malloc((size_t)H * W * 9 * C * sizeof(float));
	float *cpu = malloc(nin * sizeof(float)), *dev_out = malloc(nin * sizeof(float));
	double cpu_ms[RUNS], host_ms[RUNS], mhz = 1000.0, gmac = (double)H * W * C * C * 9 * 1e-9;
	struct tt_device *dev;
	struct tt_telemetry tel;
	struct tt_cq *cq;
	uint64_t s = 88172645463325252ull;
	unsigned p, r;

	if (!in || !wt || !wmat || !bias || !cols || !cpu || !dev_out)
		return 1;
	for (i = 0; i < nin; i++)
		in[i] = frand(&s);
	for (i = 0; i < nw; i++)
		wt[i] = frand(&s) * 0.03f;
	for (i = 0; i < C; i++)
		bias[i] = frand(&s) * 0.1f;
	/* [o][c][ky][kx] -> [(ky*3+kx)*C + c][o] */
	for (i = 0; i < nw; i++) {
		size_t o = i / (9 * C), c = i / 9 % C, k = i % 9;

		wmat[(k * C + c) * C + o] = wt[i];
	}
	for (r = 0; r < RUNS; r++) {
		double t0 = now_s();

		cpu_conv(in, wmat, bias, cols, cpu);
		cpu_ms[r] = (now_s() - t0) * 1e3;
	}
	qsort(cpu_ms, RUNS, sizeof(double), cmp_double);

	MUST(tt_device_open(NULL, &dev));
	cq = tt_device_cq(dev, 0);
	if (tt_device_telemetry(dev, &tel) == 0 && tel.aiclk_mhz > 0)
		mhz = tel.aiclk_mhz;
	for (p = 0; p < sizeof(precs) / sizeof(precs[0]); p++) {
		struct op_tensor tin, tout;
		struct op_conv *cv;
		struct op_stats st = { 0 };
		double sab = 0, saa = 0, sbb = 0, ma = 0, mb = 0;

		MUST(op_conv_create(dev, &d, wt, bias, precs[p].prec, &cv));
		MUST(op_tensor_create(dev, H, W, C, precs[p].prec->act, &tin));
		MUST(op_tensor_create(dev, H, W, C, precs[p].prec->act, &tout));
		MUST(op_tensor_write(cq, &tin, in));
		MUST(op_conv_run(cv, cq, &tin, &tout, NULL));	/* builds the program */
		for (r = 0; r < RUNS; r++) {
			double t0 = now_s();

			memset(&st, 0, sizeof(st));
			MUST(op_conv_run(cv, cq, &tin, &tout, &st));
			host_ms[r] = (now_s() - t0) * 1e3;
		}
		qsort(host_ms, RUNS, sizeof(double), cmp_double);
		MUST(op_tensor_read(cq, &tout, dev_out));
		/* cpu is [pixel][o], dev_out [o][pixel] */
		for (i = 0; i < nin; i++) {
			ma += dev_out[i];
			mb += cpu[i % (H * W) * C + i / (H * W)];
		}
		ma /= (double)nin;
		mb /= (double)nin;
		for (i = 0; i < nin; i++) {
			double a = dev_out[i] - ma, b = cpu[i % (H * W) * C + i / (H * W)] - mb;

			sab += a * b;
			saa += a * a;
			sbb += b * b;
		}
		printf("{\"bench\":\"conv_r50_layer2_3x3\",\"shape\":\"%dx%dx%d->%d\","
		       "\"precision\":\"%s\",\"gmac\":%.3f,\"device_ms\":%.3f,\"device_cycles\":%llu,"
		       "\"aiclk_mhz\":%.0f,\"device_gmac_per_s\":%.1f,\"host_ms\":%.1f,"
		       "\"cpu_openblas_ms\":%.1f,\"host_vs_cpu\":%.2f,\"device_vs_cpu\":%.2f,"
		       "\"pcc_vs_cpu\":%.6f}\n",
		       H, W, C, C, precs[p].name, gmac, st.device_cycles / (mhz * 1e3),
		       (unsigned long long)st.device_cycles, mhz,
		       gmac / (st.device_cycles / (mhz * 1e6)), host_ms[RUNS / 2],
		       cpu_ms[RUNS / 2], cpu_ms[RUNS / 2] / host_ms[RUNS / 2],
		       cpu_ms[RUNS / 2] / (st.device_cycles / (mhz * 1e3)), sab / sqrt(saa * sbb));
		op_tensor_destroy(&tin);
		op_tensor_destroy(&tout);
		op_conv_destroy(cv);
	}
	tt_device_close(dev);
	free(in);
	free(wt);
	free(wmat);
	free(bias);
	free(cols);
	free(cpu);
	free(dev_out);
	return 0;
}
