// SPDX-License-Identifier: MIT
/*
 * The NoC: which memory a NoC address names (worker L1 or a DRAM bank),
 * interleaved page placement, host memory reached by DMA, and what moving
 * bytes costs in device cycles.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "internal.h"

/*
 * Costs in device cycles at the 1 GHz clock (TTSIM_CLOCK_MHZ). One table,
 * so the model's data-movement timing can be read and changed in one place.
 *
 * Each hart has its own NoC port. A transfer occupies the port for
 * len / NOC_BYTES_PER_CYCLE cycles (or at the DRAM bank's rate, if that is
 * slower) after the port's previous transfer, and lands NOC_LATENCY_CYCLES
 * (plus DRAM_LATENCY_CYCLES for a bank) later. Issuing is cheap: the hart
 * only waits in a barrier (noc_async_read_barrier, ...), which advances
 * its clock to the time its transfers land. A multicast is one stream on
 * the sender's port, replicated by the network.
 *
 * DRAM bank b moves at most DRAM_BYTES_PER_CYCLE per cycle: a launch takes
 * at least (bytes bank b moved) / DRAM_BYTES_PER_CYCLE cycles, for the
 * busiest bank. That bound is applied to the whole launch, not per
 * transfer, because harts run in host order, not in device-time order.
 */
#define NOC_LATENCY_CYCLES	64	/* per transfer, any endpoint */
#define NOC_BYTES_PER_CYCLE	32	/* one 32-byte flit per cycle per port */
#define DRAM_LATENCY_CYCLES	100	/* extra, to or from a DRAM bank */
#define DRAM_BYTES_PER_CYCLE	24	/* per bank (~24 GB/s) */

uint64_t sim_noc_cycles(uint64_t len)
{
	return NOC_LATENCY_CYCLES + (len + NOC_BYTES_PER_CYCLE - 1) / NOC_BYTES_PER_CYCLE;
}

void sim_clock_raise(uint64_t *clock, uint64_t t)
{
	uint64_t cur = __atomic_load_n(clock, __ATOMIC_RELAXED);

	while (cur < t && !__atomic_compare_exchange_n(clock, &cur, t, true, __ATOMIC_SEQ_CST,
						       __ATOMIC_RELAXED))
		;
}

uint64_t sim_noc_transfer(struct sim_hart *ht, uint64_t noc_addr, uint64_t len)
{
	bool dram = !(noc_addr & TT_NOC_MCAST) && TT_NOC_Y(noc_addr) == TT_NOC_DRAM_Y;
	uint32_t rate = dram ? DRAM_BYTES_PER_CYCLE : NOC_BYTES_PER_CYCLE;
	uint64_t start = ht->clock > ht->noc_free ? ht->clock : ht->noc_free;

	ht->noc_free = start + (len + rate - 1) / rate;
	ht->noc_bytes += len;
	if (dram) {
		uint32_t bank = TT_NOC_X(noc_addr);

		ht->dram_bytes += len;
		if (bank < SIM_DRAM_STAT_BANKS)
			ht->dram_bank_bytes[bank] += len;
		return ht->noc_free + NOC_LATENCY_CYCLES + DRAM_LATENCY_CYCLES;
	}
	return ht->noc_free + NOC_LATENCY_CYCLES;
}

uint64_t sim_dram_bound_cycles(struct sim_run *run)
{
	uint64_t most = 0;
	unsigned b, i, r;

	for (b = 0; b < SIM_DRAM_STAT_BANKS; b++) {
		uint64_t n = 0;

		for (i = 0; i < run->ncores; i++)
			for (r = 0; r < TT_NUM_ROLES; r++)
				n += run->cores[i]->hart[r].dram_bank_bytes[b];
		if (n > most)
			most = n;
	}
	return (most + DRAM_BYTES_PER_CYCLE - 1) / DRAM_BYTES_PER_CYCLE;
}

uint8_t *sim_noc_ptr(struct sim_device *d, uint64_t noc_addr, uint64_t len,
		     char *err, size_t errlen)
{
	uint32_t x = TT_NOC_X(noc_addr), y = TT_NOC_Y(noc_addr);
	uint64_t addr = TT_NOC_LOCAL(noc_addr);

	if (noc_addr & TT_NOC_MCAST) {
		snprintf(err, errlen, "NoC address 0x%016" PRIx64 " is a multicast address", noc_addr);
		return NULL;
	}
	if (y == TT_NOC_DRAM_Y && x < d->cfg.dram_banks) {
		if (addr > d->cfg.dram_bank_size || len > d->cfg.dram_bank_size - addr) {
			snprintf(err, errlen, "DRAM bank %u: 0x%" PRIx64 " + %" PRIu64
				 " bytes is past its end (0x%" PRIx64 ")", x, addr, len,
				 d->cfg.dram_bank_size);
			return NULL;
		}
		return d->dram + (size_t)x * d->cfg.dram_bank_size + addr;
	}
	if (x < d->cfg.grid_x && y < d->cfg.grid_y) {
		if (addr > d->cfg.l1_size || len > d->cfg.l1_size - addr) {
			snprintf(err, errlen, "core (%u,%u) L1: 0x%" PRIx64 " + %" PRIu64
				 " bytes is past its end (0x%x)", x, y, addr, len, d->cfg.l1_size);
			return NULL;
		}
		return d->cores[y * d->cfg.grid_x + x].l1 + addr;
	}
	snprintf(err, errlen, "NoC address 0x%016" PRIx64 ": no endpoint at (%u,%u)",
		 noc_addr, x, y);
	return NULL;
}

uint8_t *sim_dma_ptr(struct sim_device *d, uint64_t addr, uint64_t len, char *err, size_t errlen)
{
	if (addr > d->host.dma_size || len > d->host.dma_size - addr) {
		snprintf(err, errlen, "host address 0x%" PRIx64 " + %" PRIu64
			 " bytes is outside host DMA memory (0x%" PRIx64 " bytes)",
			 addr, len, d->host.dma_size);
		return NULL;
	}
	return d->host.dma + addr;
}

uint8_t *sim_page_ptr(struct sim_device *d, uint32_t bank_kind, uint32_t base,
		      uint32_t page_size, uint32_t page, char *err, size_t errlen)
{
	uint64_t stride = ((uint64_t)page_size + TT_PAGE_ALIGN - 1) & ~(uint64_t)(TT_PAGE_ALIGN - 1);
	uint32_t nbanks, bank, x, y;
	uint64_t addr;

	if (bank_kind == TTSIM_BANK_DRAM) {
		nbanks = d->cfg.dram_banks;
	} else if (bank_kind == TTSIM_BANK_L1) {
		nbanks = d->ncores;
	} else {
		snprintf(err, errlen, "unknown bank kind %u", bank_kind);
		return NULL;
	}
	bank = page % nbanks;
	addr = base + (uint64_t)(page / nbanks) * stride;
	if (addr >= (1ull << TT_NOC_ADDR_BITS)) {
		snprintf(err, errlen, "page %u is past the end of every bank", page);
		return NULL;
	}
	if (bank_kind == TTSIM_BANK_DRAM) {
		x = bank;
		y = TT_NOC_DRAM_Y;
	} else {
		if (addr < TT_L1_FREE) {
			snprintf(err, errlen, "L1 page %u at 0x%" PRIx64
				 " is in the reserved area below 0x%x", page, addr, TT_L1_FREE);
			return NULL;
		}
		x = bank % d->cfg.grid_x;
		y = bank / d->cfg.grid_x;
	}
	return sim_noc_ptr(d, TT_NOC_ADDR(x, y, addr), page_size, err, errlen);
}
