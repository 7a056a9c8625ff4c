// SPDX-License-Identifier: MIT
/*
 * GEMM on the model (examples/matmul) next to OpenBLAS sgemm on the same
 * bf16-valued data and the same number of host threads, and the modelled
 * device time of that GEMM.
 *
 *	bench_matmul [SIZE]	M = N = K = SIZE (default 2048)
 */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <unistd.h>

#include "bench.h"
#include "../../examples/matmul/gemm.h"

void openblas_set_num_threads(int n);

static uint32_t seed = 0x2545f491u;

static float random_bf16(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return tt_bf16_to_float(tt_float_to_bf16((float)(int32_t)seed * 0x1p-31f));
}

int main(int argc, char **argv)
{
	uint32_t size = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 2048;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = ncpu > 0 ? (unsigned)ncpu : 1;
	struct gemm g = { .m = size, .n = size, .k = size, .fidelity = TT_HIFI4 };
	struct tt_program_stats st;
	struct tt_device_info info;
	struct tt_device *dev;
	struct gemm_run run;
	double flop = 2.0 * size * size * size, best = 1e30, t, pcc, *ref;
	float *a, *b, *c, *c_blas;
	size_t n = (size_t)size * size, i;
	char spec[64], err[512];
	void *tiles;
	int rep;

	snprintf(spec, sizeof(spec), "sim:threads=%u", threads);
	MUST(tt_device_open(spec, &dev));
	MUST(tt_device_info(dev, &info));
	if (gemm_plan(&g, &info, err, sizeof(err))) {
		fprintf(stderr, "bench_matmul: %s\n", err);
		return 1;
	}
	a = malloc(n * sizeof(float));
	b = malloc(n * sizeof(float));
	c = malloc(n * sizeof(float));
	c_blas = malloc(n * sizeof(float));
	ref = malloc(n * sizeof(double));
	tiles = malloc(tt_tilized_size(size, size, TT_FORMAT_FLOAT16_B));
	if (!a || !b || !c || !c_blas || !ref || !tiles) {
		fprintf(stderr, "bench_matmul: out of memory\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		a[i] = random_bf16();
		b[i] = random_bf16();
	}

	/* The model: one run of the program, enqueue to completion. */
	if (gemm_build(dev, &g, EXAMPLES_DIR "/matmul", &run, err, sizeof(err))) {
		fprintf(stderr, "bench_matmul: %s\n", err);
		return 1;
	}
	MUST(tt_tilize(a, TT_FORMAT_FLOAT32, size, size, tiles, TT_FORMAT_FLOAT16_B));
	MUST(tt_cq_write_buffer(tt_device_cq(dev, 0), run.a, tiles, true));
	MUST(tt_tilize(b, TT_FORMAT_FLOAT32, size, size, tiles, TT_FORMAT_FLOAT16_B));
	MUST(tt_cq_write_buffer(tt_device_cq(dev, 0), run.b, tiles, true));
	MUST(tt_cq_enqueue_program(tt_device_cq(dev, 0), run.prog, true));
	MUST(tt_program_stats(run.prog, &st));
	MUST(tt_cq_read_buffer(tt_device_cq(dev, 0), run.c, tiles, true));
	MUST(tt_untilize(tiles, TT_FORMAT_FLOAT16_B, size, size, c, TT_FORMAT_FLOAT32));

	/* OpenBLAS on the same values and threads: the best of three. */
	openblas_set_num_threads((int)threads);
	for (rep = 0; rep < 3; rep++) {
		t = now_s();
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)size, (int)size,
			    (int)size, 1.0f, a, (int)size, b, (int)size, 0.0f, c_blas, (int)size);
		t = now_s() - t;
		if (t < best)
			best = t;
	}
	for (i = 0; i < n; i++)
		ref[i] = c_blas[i];
	pcc = gemm_pcc(c, ref, n);
	if (pcc < 0.9999) {
		fprintf(stderr, "bench_matmul: the model's result differs from sgemm (PCC %.6f)\n",
			pcc);
		return 1;
	}

	printf("{\"bench\":\"gemm\",\"m\":%u,\"n\":%u,\"k\":%u,\"dtype\":\"bf16\","
	       "\"fidelity\":\"hifi4\",\"cores\":%u,\"threads\":%u,\"model_gflop_s\":%.3f,"
	       "\"openblas_sgemm_gflop_s\":%.2f,\"ratio_model_to_openblas\":%.5f,"
	       "\"pcc_vs_sgemm\":%.6f,\"unit\":\"GFLOP/s\"}\n", size, size, size, g.gx * g.gy, threads,
	       flop / (st.host_us * 1e3), flop / best / 1e9,
	       (flop / (st.host_us * 1e3)) / (flop / best / 1e9), pcc);
	printf("{\"bench\":\"gemm_device_time\",\"m\":%u,\"n\":%u,\"k\":%u,\"cores\":%u,"
	       "\"device_us\":%.2f,\"device_tflop_s\":%.2f,\"clock_mhz\":1000,"
	       "\"host_us\":%.0f,\"unit\":\"us\"}\n", size, size, size, g.gx * g.gy, st.device_us,
	       flop / (st.device_us * 1e6), st.host_us);

	gemm_free(&run);
	tt_device_close(dev);
	free(a);
	free(b);
	free(c);
	free(c_blas);
	free(ref);
	free(tiles);
	return 0;
}
