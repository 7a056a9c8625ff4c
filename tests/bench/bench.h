/* SPDX-License-Identifier: MIT */
/*
 * What the benchmarks share: a clock, a check that stops on a library error
 * and a watch on what else the machine ran meanwhile.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ttuser.h"

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * What else ran on the machine while a benchmark did: the CPU time of the
 * whole machine (/proc/stat) less this process's own, and the time a
 * hypervisor stole, each in cores on average. Above a tenth of a core the
 * figures were taken on a busy machine and the line says so.
 */
#define BENCH_BUSY_CORES	0.10

struct bench_watch {
	double t0, own0;
	unsigned long long busy0, steal0;
};

static inline void bench_cpu_ticks(unsigned long long *busy, unsigned long long *steal)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			 &v[3], &v[4], &v[5], &v[6], &v[7]) < 4)
		memset(v, 0, sizeof(v));
	if (f)
		fclose(f);
	/* user nice system idle iowait irq softirq steal */
	*busy = v[0] + v[1] + v[2] + v[5] + v[6];
	*steal = v[7];
}

static inline double bench_own_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static inline void bench_watch_start(struct bench_watch *w)
{
	w->t0 = now_s();
	w->own0 = bench_own_cpu_s();
	bench_cpu_ticks(&w->busy0, &w->steal0);
}

/* The end of a JSON line: ,"busy":...,"others_cores":...,"steal_cores":...} */
static inline void bench_watch_end(const struct bench_watch *w)
{
	unsigned long long busy, steal;
	double hz = (double)sysconf(_SC_CLK_TCK), wall = now_s() - w->t0, others, stolen;

	bench_cpu_ticks(&busy, &steal);
	others = ((double)(busy - w->busy0) / hz - (bench_own_cpu_s() - w->own0)) / wall;
	stolen = (double)(steal - w->steal0) / hz / wall;
	if (others < 0)
		others = 0;
	printf(",\"busy\":%s,\"others_cores\":%.3f,\"steal_cores\":%.3f}\n",
	       others > BENCH_BUSY_CORES || stolen > BENCH_BUSY_CORES ? "true" : "false",
	       others, stolen);
}

#define MUST(call)                                                                     \
	do {                                                                           \
		if ((call) < 0) {                                                      \
			fprintf(stderr, "%s: %s\n", #call, tt_last_error());           \
			exit(1);                                                       \
		}                                                                      \
	} while (0)

#endif
