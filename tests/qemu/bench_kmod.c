// SPDX-License-Identifier: MIT
/*
 * Run in the QEMU guest (make bench, through tests/qemu/run.sh bench):
 * the model device through the tenstorrent module next to the same model
 * in-process, in the same run and the same (emulated) machine.
 *   nop round trip: doorbell -> device -> completion interrupt -> eventfd
 *   DMA write/read: a DRAM buffer through a command queue
 * In-process under TCG is mostly the emulator's cost, so the harness also
 * runs "bench_kmod --host" on the host first (the model in-process at
 * native speed) and hands its three figures to the guest in $TT_BENCH_HOST;
 * they are printed alongside as host_in_process_*.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../bench/bench.h"

#define NOPS	2000
#define SIZE	(16u << 20)
#define ROUNDS	3

static double nop_us(struct tt_device *dev)
{
	struct tt_cq *cq = tt_device_cq(dev, 0);
	double t0;
	int i;

	for (i = 0; i < 50; i++)
		MUST(tt_cq_nop(cq, true));
	t0 = now_s();
	for (i = 0; i < NOPS; i++)
		MUST(tt_cq_nop(cq, true));
	return (now_s() - t0) / NOPS * 1e6;
}

/* Best of ROUNDS seconds for a blocking write and read of SIZE bytes. */
static void dma_s(struct tt_device *dev, const uint8_t *a, uint8_t *b, double *wr, double *rd)
{
	struct tt_buffer_config bc = { .type = TT_BUFFER_DRAM, .size = SIZE, .page_size = 4096 };
	struct tt_cq *cq = tt_device_cq(dev, 0);
	struct tt_buffer *buf;
	double t0;
	int r;

	*wr = *rd = 1e9;
	MUST(tt_buffer_create(dev, &bc, &buf));
	for (r = 0; r < ROUNDS; r++) {
		memset(b, 0, SIZE);
		t0 = now_s();
		MUST(tt_cq_write_buffer(cq, buf, a, true));
		if (now_s() - t0 < *wr)
			*wr = now_s() - t0;
		t0 = now_s();
		MUST(tt_cq_read_buffer(cq, buf, b, true));
		if (now_s() - t0 < *rd)
			*rd = now_s() - t0;
		if (memcmp(a, b, SIZE)) {
			fprintf(stderr, "bench_kmod: data came back different\n");
			exit(1);
		}
	}
	tt_buffer_destroy(buf);
}

int main(int argc, char **argv)
{
	const char *node = getenv("TT_DEVICE") ? getenv("TT_DEVICE") : "/dev/tenstorrent/0";
	const char *host = getenv("TT_BENCH_HOST");
	bool host_only = argc > 1 && !strcmp(argv[1], "--host");
	struct tt_device *kmod = NULL, *sim;
	uint8_t *a = malloc(SIZE), *b = malloc(SIZE);
	double nk = 0, ns, wk = 0, rk = 0, ws, rs, nh, wh, rh;
	uint32_t i, x = 1;

	if (!a || !b)
		return 1;
	for (i = 0; i < SIZE; i++) {
		x = x * 1103515245u + 12345u;
		a[i] = (uint8_t)(x >> 16);
	}
	if (!host_only)
		MUST(tt_device_open(node, &kmod));
	MUST(tt_device_open("sim", &sim));
	if (kmod)
		nk = nop_us(kmod);
	ns = nop_us(sim);
	if (kmod)
		dma_s(kmod, a, b, &wk, &rk);
	dma_s(sim, a, b, &ws, &rs);
	if (host_only) {
		/* For $TT_BENCH_HOST: nop us, write MB/s, read MB/s. */
		printf("%.2f %.1f %.1f\n", ns, SIZE / ws / 1e6, SIZE / rs / 1e6);
		goto out;
	}
	if (!host || sscanf(host, "%lf %lf %lf", &nh, &wh, &rh) != 3 || nh <= 0 || wh <= 0 || rh <= 0) {
		fprintf(stderr, "bench_kmod: $TT_BENCH_HOST: expected \"NOP_US WRITE_MBS READ_MBS\" "
			"from bench_kmod --host\n");
		return 1;
	}
	printf("{\"bench\":\"kmod_nop_round_trip\",\"us\":%.1f,\"unit\":\"us\","
	       "\"in_process_us\":%.1f,\"of_in_process\":%.2f,"
	       "\"host_in_process_us\":%.2f,\"of_host_in_process\":%.1f,\"where\":\"guest\"}\n",
	       nk, ns, nk / ns, nh, nk / nh);
	printf("{\"bench\":\"kmod_dma_write\",\"bytes\":%u,\"mb_per_s\":%.1f,\"unit\":\"MB/s\","
	       "\"in_process_mb_per_s\":%.1f,\"of_in_process\":%.2f,"
	       "\"host_in_process_mb_per_s\":%.1f,\"of_host_in_process\":%.2f,\"where\":\"guest\"}\n",
	       SIZE, SIZE / wk / 1e6, SIZE / ws / 1e6, ws / wk, wh, SIZE / wk / 1e6 / wh);
	printf("{\"bench\":\"kmod_dma_read\",\"bytes\":%u,\"mb_per_s\":%.1f,\"unit\":\"MB/s\","
	       "\"in_process_mb_per_s\":%.1f,\"of_in_process\":%.2f,"
	       "\"host_in_process_mb_per_s\":%.1f,\"of_host_in_process\":%.2f,\"where\":\"guest\"}\n",
	       SIZE, SIZE / rk / 1e6, SIZE / rs / 1e6, rs / rk, rh, SIZE / rk / 1e6 / rh);
	tt_device_close(kmod);
out:
	tt_device_close(sim);
	free(a);
	free(b);
	return 0;
}
