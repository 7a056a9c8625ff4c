// SPDX-License-Identifier: MIT
/*
 * top-k select: the k largest of n values, by descending value and, for
 * equal values, ascending index (torch.topk on the CPU as our host code
 * has it). Value i is channel c0 + i % m of stick i / m of a stick
 * tensor (Float32 or Float16_b).
 *
 * Every core takes a run of chunk consecutive values, turns each into a
 * 64-bit key that orders as wanted (the float's bits made monotonic,
 * above the complemented index), merge-sorts them and writes its best
 * min(k, run) keys to page idx of the runs buffer; then it counts itself
 * in on core 0's semaphore. Core 0 then merges the runs through a heap
 * and writes k indices (words 0 .. k - 1) and values (float bits, from
 * word vals on) to the output's page 0.
 *
 * Common args: source address, stick bytes, byte offset of c0, m,
 * element bytes (2 or 4), n, k, runs address, run page bytes, output
 * address, output page bytes, vals (word offset), semaphore id, chunk,
 * runs (cores with work, at most MAX_RUNS), pages c_0 stages, count
 * address (0: none). With a count buffer (records.h), n is its count
 * (none if that is over n) and k at most that; the cores then split them
 * by chunks of at least MIN_CHUNK (at most chunk), and those left without
 * work count themselves in at once. c_1 is the scratch: 2 * chunk keys,
 * and on core 0 the other runs and the output.
 * Args: idx (the core's number; cores from runs on have no work).
 */
#include <ttuser/kernel/dataflow.h>

#include "records.h"

#define MAX_RUNS	64
#define MIN_CHUNK	256		/* as topk.c */

/* A float's bits -> a word that orders as the floats do (-0 as +0). */
static uint32_t ordered(uint32_t b)
{
	if (b == 0x80000000u)
		b = 0;
	return b & 0x80000000u ? ~b : b | 0x80000000u;
}

static uint32_t unordered(uint32_t k)
{
	return k & 0x80000000u ? k & 0x7fffffffu : ~k;
}

/* Bottom-up merge sort of a[0 .. n), descending; tmp has room for n. Returns the sorted array. */
static uint64_t *sort_desc(uint64_t *a, uint64_t *tmp, uint32_t n)
{
	uint32_t width, lo;

	for (width = 1; width < n; width *= 2) {
		for (lo = 0; lo < n; lo += 2 * width) {
			uint32_t mid = lo + width < n ? lo + width : n;
			uint32_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			uint32_t i = lo, j = mid, o = lo;

			while (i < mid && j < hi)
				tmp[o++] = a[i] >= a[j] ? a[i++] : a[j++];
			while (i < mid)
				tmp[o++] = a[i++];
			while (j < hi)
				tmp[o++] = a[j++];
		}
		{
			uint64_t *t = a;

			a = tmp;
			tmp = t;
		}
	}
	return a;
}

/* Read this core's values [first, first + count) as keys into key[]. */
static void gather(uint32_t first, uint32_t count, uint64_t *key, uint32_t stage)
{
	const uint32_t stick = get_common_arg_val(1), off = get_common_arg_val(2);
	const uint32_t m = get_common_arg_val(3), es = get_common_arg_val(4);
	const uint32_t pages = get_common_arg_val(15);
	const InterleavedAddrGen src = {
		.bank_base_address = get_common_arg_val(0), .page_size = 32 * stick,
		.is_dram = true,
	};
	uint32_t p0 = first / m, p1 = (first + count - 1) / m, pg, b, done = 0;

	for (pg = p0 / 32; pg <= p1 / 32; pg += pages) {
		uint32_t last = pg + pages - 1 < p1 / 32 ? pg + pages - 1 : p1 / 32;

		for (b = pg; b <= last; b++)
			noc_async_read(get_noc_addr(b, &src), stage + (b - pg) * 32 * stick,
				       32 * stick);
		noc_async_read_barrier();
		while (done < count) {
			uint32_t i = first + done, p = i / m, a;
			uint32_t bits;

			if (p / 32 > last)
				break;
			a = stage + ((p - pg * 32) * stick) + off + (i % m) * es;
			if (es == 4)
				bits = *(volatile uint32_t *)(uintptr_t)a;
			else
				bits = (uint32_t)*(volatile uint16_t *)(uintptr_t)a << 16;
			key[done++] = (uint64_t)ordered(bits) << 32 | (uint32_t)~i;
		}
	}
}

/* Core 0: merge the sorted runs (run r: len[r] keys at run[r]) into the k best. */
static void merge(uint64_t **run, uint32_t *len, uint32_t nruns, uint32_t k, uint32_t *out,
		  uint32_t vals)
{
	uint32_t heap[MAX_RUNS], pos[MAX_RUNS], hn = 0, r, o, i;

	for (r = 0; r < nruns; r++) {
		pos[r] = 0;
		if (!len[r])
			continue;
		/* sift up */
		i = hn++;
		while (i && run[heap[(i - 1) / 2]][0] < run[r][0]) {
			heap[i] = heap[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		heap[i] = r;
	}
	for (o = 0; o < k && hn; o++) {
		uint32_t top = heap[0];
		uint64_t key = run[top][pos[top]++], hk;

		out[o] = ~(uint32_t)key;
		out[vals + o] = unordered((uint32_t)(key >> 32));
		if (pos[top] == len[top])
			top = heap[--hn];
		if (!hn)
			break;
		/* sift down from the root with top */
		hk = run[top][pos[top]];
		i = 0;
		for (;;) {
			uint32_t c = 2 * i + 1;

			if (c >= hn)
				break;
			if (c + 1 < hn && run[heap[c + 1]][pos[heap[c + 1]]] > run[heap[c]][pos[heap[c]]])
				c++;
			if (run[heap[c]][pos[heap[c]]] <= hk)
				break;
			heap[i] = heap[c];
			i = c;
		}
		heap[i] = top;
	}
}

void kernel_main(void)
{
	const uint32_t run_page = get_common_arg_val(8), out_page = get_common_arg_val(10);
	const uint32_t vals = get_common_arg_val(11), nruns = get_common_arg_val(14);
	const uint32_t scratch = get_write_ptr(c_1), idx = get_arg_val(0);
	const InterleavedAddrGen runs = {
		.bank_base_address = get_common_arg_val(7), .page_size = run_page, .is_dram = true,
	};
	const InterleavedAddrGen dst = {
		.bank_base_address = get_common_arg_val(9), .page_size = out_page, .is_dram = true,
	};
	volatile uint32_t *sem = (volatile uint32_t *)(uintptr_t)get_semaphore(get_common_arg_val(12));
	uint64_t *key = (uint64_t *)(uintptr_t)scratch, *sorted;
	uint32_t n = get_common_arg_val(5), k = get_common_arg_val(6);
	uint32_t chunk = get_common_arg_val(13), used = nruns, first, count, keep;

	if (idx >= nruns)
		return;
	if (get_common_arg_val(16)) {
		uint32_t c = rec_count(get_common_arg_val(16), (uint32_t *)(uintptr_t)get_write_ptr(c_0));

		n = c <= n ? c : 0;
		k = k < n ? k : n;
		c = (n + nruns - 1) / nruns;
		chunk = c < MIN_CHUNK ? (MIN_CHUNK < chunk ? MIN_CHUNK : chunk) : c;
		used = n ? (n + chunk - 1) / chunk : 1;
	}
	first = idx * chunk;
	if (idx >= used) {
		noc_semaphore_inc(get_noc_addr(0, 0, (uint32_t)(uintptr_t)sem), 1);
		return;
	}
	count = n - first < chunk ? n - first : chunk;
	if (count)
		gather(first, count, key, get_write_ptr(c_0));
	sorted = sort_desc(key, key + chunk, count);
	keep = count < k ? count : k;
	if (idx) {
		noc_async_write((uint32_t)(uintptr_t)sorted, get_noc_addr(idx, &runs), keep * 8);
		noc_async_write_barrier();
		noc_semaphore_inc(get_noc_addr(0, 0, (uint32_t)(uintptr_t)sem), 1);
		return;
	}
	{
		/* core 0: its own run stays in L1, the others come after the scratch */
		uint64_t *run[MAX_RUNS], *next = key + 2 * chunk;
		uint32_t len[MAX_RUNS], r, *out;

		run[0] = sorted;
		len[0] = keep;
		noc_semaphore_wait(sem, nruns - 1);
		for (r = 1; r < used; r++) {
			uint32_t c = n - r * chunk < chunk ? n - r * chunk : chunk;

			len[r] = c < k ? c : k;
			run[r] = next;
			noc_async_read(get_noc_addr(r, &runs), (uint32_t)(uintptr_t)next, len[r] * 8);
			next += len[r];
		}
		noc_async_read_barrier();
		out = (uint32_t *)next;
		merge(run, len, used, k, out, vals);
		noc_async_write((uint32_t)(uintptr_t)out, get_noc_addr(0, &dst), out_page);
		noc_async_write_barrier();
	}
}
