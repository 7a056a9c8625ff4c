/* SPDX-License-Identifier: MIT */
/* What the benchmarks share: a clock and a check that stops on a library error. */
#ifndef BENCH_H
#define BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ttuser.h"

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define MUST(call)                                                                     \
	do {                                                                           \
		if ((call) < 0) {                                                      \
			fprintf(stderr, "%s: %s\n", #call, tt_last_error());           \
			exit(1);                                                       \
		}                                                                      \
	} while (0)

#endif
