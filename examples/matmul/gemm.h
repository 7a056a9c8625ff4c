/* SPDX-License-Identifier: MIT */
/*
 * A multi-core bf16 GEMM on libttuser, C = A x B with A M x K, B K x N:
 * the host side shared by examples/matmul and its benchmark.
 *
 * The output's Mt x Nt tiles are split over gx x gy cores, pc_m x pc_n
 * tiles each; core (x, y) computes rows y * pc_m.. and columns x * pc_n..
 * K goes in blocks of kb_w tiles: core (0, y) reads A's block for row y
 * and multicasts it along the row, core (x, 0) reads B's block for column
 * x and multicasts it down the column (reader.c, writer.c); compute.c
 * accumulates in DST (fp32) and keeps partial sums in a Float32 CB between
 * K-blocks. A, B and C are tilized Float16_b, A and B in interleaved DRAM
 * buffers, C there too or block-sharded in L1 (out_sharded): then each
 * core's output CB is its shard of C, filled in place.
 */
#ifndef EXAMPLES_MATMUL_GEMM_H
#define EXAMPLES_MATMUL_GEMM_H

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ttuser.h>

#define GEMM_TILE_BF16	(TT_TILE_HW * 2u)
#define GEMM_TILE_FP32	(TT_TILE_HW * 4u)

struct gemm {
	uint32_t m, n, k;		/* multiples of 32 */
	uint32_t gx, gy;		/* cores: 0 picks the most that divide the tiles */
	uint32_t kb_w;			/* K-block width in tiles: 0 picks one */
	enum tt_math_fidelity fidelity;
	bool out_sharded;		/* C block-sharded in L1: core (x, y) holds its tiles */
	/* chosen by gemm_plan */
	uint32_t mt, nt, kt, pc_m, pc_n, num_kb, sub_h, sub_w;
};

/* The largest divisor of n that is at most max. */
static inline uint32_t gemm_divisor(uint32_t n, uint32_t max)
{
	uint32_t d;

	for (d = max < n ? max : n; d > 1; d--)
		if (n % d == 0)
			return d;
	return 1;
}

/* Fill in the split; 0 or -EINVAL with a message in err. */
static inline int gemm_plan(struct gemm *g, const struct tt_device_info *info, char *err,
			    size_t errlen)
{
	if (!g->m || !g->n || !g->k || g->m % 32 || g->n % 32 || g->k % 32) {
		snprintf(err, errlen, "M, N and K must be positive multiples of 32 (%u, %u, %u)",
			 g->m, g->n, g->k);
		return -EINVAL;
	}
	g->mt = g->m / 32;
	g->nt = g->n / 32;
	g->kt = g->k / 32;
	if (!g->gx)
		g->gx = gemm_divisor(g->nt, info->grid_x);
	if (!g->gy)
		g->gy = gemm_divisor(g->mt, info->grid_y);
	if (g->gx > info->grid_x || g->gy > info->grid_y || g->nt % g->gx || g->mt % g->gy) {
		snprintf(err, errlen, "a %ux%u core grid must fit the device (%ux%u) and divide the "
			 "%ux%u output tiles", g->gx, g->gy, info->grid_x, info->grid_y, g->nt,
			 g->mt);
		return -EINVAL;
	}
	if (!g->kb_w)
		g->kb_w = gemm_divisor(g->kt, 2);
	if (g->kt % g->kb_w) {
		snprintf(err, errlen, "the K-block of %u tiles must divide K's %u tiles", g->kb_w,
			 g->kt);
		return -EINVAL;
	}
	g->pc_m = g->mt / g->gy;
	g->pc_n = g->nt / g->gx;
	g->num_kb = g->kt / g->kb_w;
	/* A subblock fits the 8 fp32 DST tiles. */
	g->sub_w = gemm_divisor(g->pc_n, 4);
	g->sub_h = gemm_divisor(g->pc_m, 8 / g->sub_w);
	return 0;
}

struct gemm_run {
	struct tt_buffer *a, *b, *c;
	struct tt_program *prog;
};

static inline int gemm_fail(int ret, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, tt_last_error());
	return ret;
}

static inline int gemm_cb(struct tt_program *prog, struct tt_core_range r, uint32_t index,
			  enum tt_format fmt, uint32_t page, uint32_t pages)
{
	struct tt_cb_config cb = { .index = index, .format = fmt, .page_size = page,
				   .num_pages = pages };

	return tt_cb_create(prog, r, &cb);
}

/*
 * Create the buffers and the program of g on dev (kernels from dir).
 * The caller writes run->a and run->b, enqueues run->prog and reads run->c.
 */
static inline int gemm_build(struct tt_device *dev, const struct gemm *g, const char *dir,
			     struct gemm_run *run, char *err, size_t errlen)
{
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .page_size = GEMM_TILE_BF16 };
	struct tt_core_range all = TT_CORES(0, 0, g->gx - 1, g->gy - 1);
	uint32_t ct[7] = { g->pc_m, g->pc_n, g->kb_w, g->num_kb, g->sub_h, g->sub_w,
			   g->out_sharded };
	struct tt_kernel_config rc = { .role = TT_ROLE_READER }, wc = { .role = TT_ROLE_WRITER };
	struct tt_kernel_config cc = { .role = TT_ROLE_COMPUTE, .compile_args = ct,
				       .ncompile_args = 7, .math_fidelity = g->fidelity,
				       .fp32_dest_acc = true };
	struct tt_shard_config shard = {
		.layout = TT_SHARD_BLOCK, .cores = all, .rows = g->mt, .cols = g->nt,
		.shard_rows = g->pc_m, .shard_cols = g->pc_n,
	};
	struct tt_cb_config out_cb = { .index = 16, .format = TT_FORMAT_FLOAT16_B,
				       .page_size = GEMM_TILE_BF16,
				       .num_pages = 2 * g->sub_h * g->sub_w };
	int sem[4], r, w, c, i, ret;
	char path[4096];

	memset(run, 0, sizeof(*run));
	bc.size = (uint64_t)g->mt * g->kt * GEMM_TILE_BF16;
	if ((ret = tt_buffer_create(dev, &bc, &run->a)) < 0)
		return gemm_fail(ret, "buffer A", err, errlen);
	bc.size = (uint64_t)g->kt * g->nt * GEMM_TILE_BF16;
	if ((ret = tt_buffer_create(dev, &bc, &run->b)) < 0)
		return gemm_fail(ret, "buffer B", err, errlen);
	bc.size = (uint64_t)g->mt * g->nt * GEMM_TILE_BF16;
	if (g->out_sharded) {
		bc.type = TT_BUFFER_L1_SHARDED;
		bc.shard = &shard;
	}
	if ((ret = tt_buffer_create(dev, &bc, &run->c)) < 0)
		return gemm_fail(ret, "buffer C", err, errlen);
	if (g->out_sharded) {
		out_cb.buffer = run->c;
		out_cb.num_pages = g->pc_m * g->pc_n;
	}

	if ((ret = tt_program_create(dev, &run->prog)) < 0)
		return gemm_fail(ret, "program", err, errlen);
	tt_program_set_name(run->prog, "matmul");

	snprintf(path, sizeof(path), "%s/reader.c", dir);
	if ((r = tt_kernel_create(run->prog, path, all, &rc)) < 0)
		return gemm_fail(r, "reader kernel", err, errlen);
	snprintf(path, sizeof(path), "%s/writer.c", dir);
	if ((w = tt_kernel_create(run->prog, path, all, &wc)) < 0)
		return gemm_fail(w, "writer kernel", err, errlen);
	snprintf(path, sizeof(path), "%s/compute.c", dir);
	if ((c = tt_kernel_create(run->prog, path, all, &cc)) < 0)
		return gemm_fail(c, "compute kernel", err, errlen);

	/* in0 and in1 double-buffered, partial sums for the whole block, output twice a subblock. */
	if ((ret = gemm_cb(run->prog, all, 0, TT_FORMAT_FLOAT16_B, GEMM_TILE_BF16,
			   2 * g->pc_m * g->kb_w)) < 0 ||
	    (ret = gemm_cb(run->prog, all, 1, TT_FORMAT_FLOAT16_B, GEMM_TILE_BF16,
			   2 * g->kb_w * g->pc_n)) < 0 ||
	    (ret = tt_cb_create(run->prog, all, &out_cb)) < 0 ||
	    (g->num_kb > 1 && (ret = gemm_cb(run->prog, all, 24, TT_FORMAT_FLOAT32, GEMM_TILE_FP32,
					     g->pc_m * g->pc_n)) < 0))
		return gemm_fail(ret, "circular buffers", err, errlen);
	for (i = 0; i < 4; i++)
		if ((sem[i] = tt_semaphore_create(run->prog, all, 0)) < 0)
			return gemm_fail(sem[i], "semaphore", err, errlen);

	{
		uint32_t ra[8] = { tt_buffer_address(run->a), g->kt, g->pc_m, g->kb_w, g->num_kb,
				   g->gx, (uint32_t)sem[0], (uint32_t)sem[1] };
		uint32_t wa[13] = {
			tt_buffer_address(run->b), tt_buffer_address(run->c), g->nt, g->pc_m,
			g->pc_n, g->kb_w, g->num_kb, g->gy, g->sub_h, g->sub_w, (uint32_t)sem[2],
			(uint32_t)sem[3], g->out_sharded,
		};

		if ((ret = tt_common_runtime_args_set(run->prog, r, ra, 8)) < 0 ||
		    (ret = tt_common_runtime_args_set(run->prog, w, wa, 13)) < 0)
			return gemm_fail(ret, "runtime args", err, errlen);
	}
	return 0;
}

static inline void gemm_free(struct gemm_run *run)
{
	tt_program_destroy(run->prog);
	tt_buffer_destroy(run->a);
	tt_buffer_destroy(run->b);
	tt_buffer_destroy(run->c);
	memset(run, 0, sizeof(*run));
}

/* Pearson correlation of two vectors, in float64. */
static inline double gemm_pcc(const float *x, const double *y, size_t n)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	for (i = 0; i < n; i++) {
		double dx = x[i] - mx, dy = y[i] - my;

		sxy += dx * dy;
		sxx += dx * dx;
		syy += dy * dy;
	}
	if (sxx == 0 || syy == 0)
		return sxx == syy ? 1.0 : 0.0;
	return sxy / (sqrt(sxx) * sqrt(syy));
}

#endif
