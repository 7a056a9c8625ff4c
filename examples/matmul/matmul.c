// SPDX-License-Identifier: MIT
/*
 * matmul: C = A x B in bf16 on a grid of cores (see gemm.h), checked
 * against a float64 reference of the same bf16 inputs. Exits 0 only if
 * the Pearson correlation is at least 0.9999.
 *
 *	matmul [-m M] [-n N] [-k K] [-s SIZE] [-g XxY] [-b KBLOCK]
 *	       [-f lofi|hifi2|hifi3|hifi4] [-o dram|sharded] [-p profile.csv] [device]
 *
 * M, N, K: multiples of 32 (default 2048 each; -s sets all three).
 * -g: the core grid (default: the most cores that divide the tiles).
 * -b: K-block width in tiles. -f: math fidelity (default hifi4).
 * -o: C interleaved in DRAM (default) or block-sharded in the cores' L1.
 * -p: append the run's profile row (op, cores, device us, host us).
 * $MATMUL_SIZE, when set, replaces the default 2048 (make check uses it).
 */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "gemm.h"

#define PCC_MIN	0.9999

static void die(const char *what, const char *why)
{
	fprintf(stderr, "matmul: %s: %s\n", what, why);
	exit(2);
}

static void *alloc(size_t size)
{
	void *p = malloc(size);

	if (!p)
		die("out of memory", "malloc");
	return p;
}

/* Deterministic values in [-1, 1), rounded to bf16. */
static void random_bf16(float *v, double *ref, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		v[i] = tt_bf16_to_float(tt_float_to_bf16((float)(int32_t)seed * 0x1p-31f));
		ref[i] = v[i];
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint32_t number(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !v || v > 65536)
		die(what, "expected a positive number");
	return (uint32_t)v;
}

int main(int argc, char **argv)
{
	struct gemm g = { .m = 2048, .n = 2048, .k = 2048, .fidelity = TT_HIFI4 };
	const char *spec = NULL, *profile = NULL;
	struct tt_program_stats st;
	struct tt_device_info info;
	struct tt_device *dev;
	struct gemm_run run;
	float *a, *b, *c;
	double *ra, *rb, *rc, t0, t1, pcc;
	void *tiles;
	char err[512];
	int opt;

	if (getenv("MATMUL_SIZE"))
		g.m = g.n = g.k = number(getenv("MATMUL_SIZE"), "$MATMUL_SIZE");
	while ((opt = getopt(argc, argv, "m:n:k:s:g:b:f:o:p:")) != -1) {
		switch (opt) {
		case 'm': g.m = number(optarg, "-m"); break;
		case 'n': g.n = number(optarg, "-n"); break;
		case 'k': g.k = number(optarg, "-k"); break;
		case 's': g.m = g.n = g.k = number(optarg, "-s"); break;
		case 'b': g.kb_w = number(optarg, "-b"); break;
		case 'p': profile = optarg; break;
		case 'o':
			if (strcmp(optarg, "dram") && strcmp(optarg, "sharded"))
				die("-o", "dram or sharded");
			g.out_sharded = !strcmp(optarg, "sharded");
			break;
		case 'g':
			if (sscanf(optarg, "%ux%u", &g.gx, &g.gy) != 2 || !g.gx || !g.gy)
				die("-g", "expected XxY");
			break;
		case 'f':
			if (!strcmp(optarg, "lofi"))
				g.fidelity = TT_LOFI;
			else if (!strcmp(optarg, "hifi2"))
				g.fidelity = TT_HIFI2;
			else if (!strcmp(optarg, "hifi3"))
				g.fidelity = TT_HIFI3;
			else if (!strcmp(optarg, "hifi4"))
				g.fidelity = TT_HIFI4;
			else
				die("-f", "lofi, hifi2, hifi3 or hifi4");
			break;
		default:
			fprintf(stderr, "usage: matmul [-m M] [-n N] [-k K] [-s SIZE] [-g XxY] "
				"[-b KBLOCK] [-f FIDELITY] [-o dram|sharded] [-p CSV] [device]\n");
			return 2;
		}
	}
	if (optind < argc)
		spec = argv[optind];

	if (tt_device_open(spec, &dev) < 0 || tt_device_info(dev, &info) < 0)
		die("open device", tt_last_error());
	if (gemm_plan(&g, &info, err, sizeof(err)))
		die("sizes", err);

	a = alloc((size_t)g.m * g.k * sizeof(float));
	b = alloc((size_t)g.k * g.n * sizeof(float));
	c = alloc((size_t)g.m * g.n * sizeof(float));
	ra = alloc((size_t)g.m * g.k * sizeof(double));
	rb = alloc((size_t)g.k * g.n * sizeof(double));
	rc = alloc((size_t)g.m * g.n * sizeof(double));
	tiles = alloc(tt_tilized_size(g.m > g.k ? g.m : g.k, g.n > g.k ? g.n : g.k,
				      TT_FORMAT_FLOAT16_B) + tt_tilized_size(g.m, g.n,
									      TT_FORMAT_FLOAT16_B));
	random_bf16(a, ra, (size_t)g.m * g.k, 0x9e3779b9u);
	random_bf16(b, rb, (size_t)g.k * g.n, 0x7f4a7c15u);

	if (gemm_build(dev, &g, EXAMPLES_DIR "/matmul", &run, err, sizeof(err)))
		die("build", err);
	t0 = now_s();
	if (tt_tilize(a, TT_FORMAT_FLOAT32, g.m, g.k, tiles, TT_FORMAT_FLOAT16_B) < 0 ||
	    tt_cq_write_buffer(tt_device_cq(dev, 0), run.a, tiles, true) < 0 ||
	    tt_tilize(b, TT_FORMAT_FLOAT32, g.k, g.n, tiles, TT_FORMAT_FLOAT16_B) < 0 ||
	    tt_cq_write_buffer(tt_device_cq(dev, 0), run.b, tiles, true) < 0)
		die("inputs", tt_last_error());
	t1 = now_s();
	if (tt_cq_enqueue_program(tt_device_cq(dev, 0), run.prog, true) < 0)
		die("run", tt_last_error());
	if (tt_cq_read_buffer(tt_device_cq(dev, 0), run.c, tiles, true) < 0 ||
	    tt_untilize(tiles, TT_FORMAT_FLOAT16_B, g.m, g.n, c, TT_FORMAT_FLOAT32) < 0)
		die("output", tt_last_error());
	if (tt_program_stats(run.prog, &st) < 0)
		die("stats", tt_last_error());
	if (profile && tt_program_profile_csv(run.prog, profile) < 0)
		die("profile", tt_last_error());

	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)g.m, (int)g.n, (int)g.k, 1.0,
		    ra, (int)g.k, rb, (int)g.n, 0.0, rc, (int)g.n);
	pcc = gemm_pcc(c, rc, (size_t)g.m * g.n);

	printf("matmul: %ux%u x %ux%u bf16 on %ux%u cores (%ux%u tiles each, K-blocks of %u, "
	       "subblocks %ux%u), fidelity %d, output %s\n", g.m, g.k, g.k, g.n, g.gx, g.gy,
	       g.pc_m, g.pc_n, g.kb_w, g.sub_h, g.sub_w, (int)g.fidelity,
	       g.out_sharded ? "block-sharded in L1" : "interleaved in DRAM");
	printf("matmul: device %.1f us (%.2f TFLOP/s modelled), host %.1f ms for the program "
	       "(%.2f GFLOP/s), inputs %.1f ms\n", st.device_us,
	       2.0 * g.m * g.n * g.k / (st.device_us * 1e6), st.host_us / 1e3,
	       2.0 * g.m * g.n * g.k / (st.host_us * 1e3), (t1 - t0) * 1e3);
	{
		struct tt_core_stats cs, lo = { .device_cycles = UINT64_MAX }, hi = { 0 };
		struct tt_core lo_at = { 0, 0 }, hi_at = { 0, 0 };
		uint32_t x, y;

		for (y = 0; y < g.gy; y++)
			for (x = 0; x < g.gx; x++) {
				if (tt_program_core_stats(run.prog, TT_CORE(x, y), &cs) < 0)
					die("per-core stats", tt_last_error());
				if (cs.device_cycles < lo.device_cycles) {
					lo = cs;
					lo_at = TT_CORE(x, y);
				}
				if (cs.device_cycles > hi.device_cycles) {
					hi = cs;
					hi_at = TT_CORE(x, y);
				}
			}
		printf("matmul: per core: first done (%u,%u) at %.1f us, last (%u,%u) at %.1f us; "
		       "its compute kernel ends at %.1f us, it moved %.1f KiB over the NoC\n",
		       lo_at.x, lo_at.y, lo.device_us, hi_at.x, hi_at.y, hi.device_us,
		       hi.hart_cycles[TT_ROLE_COMPUTE] / 1000.0, hi.noc_bytes / 1024.0);
	}
	printf("matmul: PCC %.6f against float64 (needs %.4f): %s\n", pcc, PCC_MIN,
	       pcc >= PCC_MIN ? "ok" : "FAILED");

	gemm_free(&run);
	tt_device_close(dev);
	free(a);
	free(b);
	free(c);
	free(ra);
	free(rb);
	free(rc);
	free(tiles);
	return pcc >= PCC_MIN ? 0 : 1;
}
