/* SPDX-License-Identifier: MIT */
/*
 * RV32IMF interpreter. A kernel image is decoded once into a table of
 * struct rv_insn (one per 32-bit word; words that are not instructions
 * decode to an "illegal" entry that faults only if executed). A hart runs
 * decoded code against a flat memory (the core's L1) and hands every access
 * outside it to the MMIO hooks.
 */
#ifndef SIM_RISCV_H
#define SIM_RISCV_H

#include <stdint.h>

struct rv_insn {
	uint8_t op;		/* internal opcode, private to riscv.c */
	uint8_t rd, rs1, rs2, rs3;
	uint8_t rm;		/* rounding mode field of F instructions */
	uint16_t aux;		/* CSR number and the like */
	int32_t imm;
	uint32_t raw;		/* the original word, for fault messages */
};

struct rv_code {
	uint32_t base;		/* address of insn[0] */
	uint32_t count;		/* number of words */
	struct rv_insn *insn;
};

/* Decode `count` words that live at address `base` (4-aligned, below 4 GiB). 0, -EINVAL or -ENOMEM. */
int rv_decode(struct rv_code *code, uint32_t base, const uint32_t *words, uint32_t count);
void rv_code_free(struct rv_code *code);

/* What an MMIO hook tells the hart. */
enum rv_mmio {
	RV_MMIO_OK = 0,
	RV_MMIO_BLOCK = 1,	/* not now: park, retry the same instruction later */
	RV_MMIO_EXIT = 2,	/* the kernel is finished */
	RV_MMIO_FAULT = 3,	/* the hook wrote the reason into hart->fault */
};

enum rv_exit {
	RV_EXIT_QUANTUM = 0,	/* ran max_insns */
	RV_EXIT_BLOCKED = 1,	/* an MMIO access said BLOCK; pc still at it */
	RV_EXIT_DONE = 2,	/* an MMIO access said EXIT */
	RV_EXIT_FAULT = 3,	/* hart->fault says why; pc at the faulting insn */
};

struct rv_hart {
	uint32_t x[33];		/* x[0] stays 0; writes to x0 land in x[32] */
	uint32_t f[32];		/* F registers as raw bits */
	uint32_t pc;
	uint32_t fcsr;		/* frm << 5 | fflags */
	uint64_t instret;	/* instructions retired, ever */

	uint8_t *mem;		/* memory for addresses [0, mem_size) */
	uint32_t mem_size;
	const struct rv_code *code;	/* pc must stay inside it */

	/* Accesses outside memory; size is 1, 2 or 4. */
	enum rv_mmio (*mmio_load)(struct rv_hart *h, uint32_t addr, int size, uint32_t *val);
	enum rv_mmio (*mmio_store)(struct rv_hart *h, uint32_t addr, int size, uint32_t val);
	void *ctx;		/* for the hooks */
	/*
	 * Optional MMIO registers that are plain words: aligned 4-byte loads
	 * and stores at [regs_base, regs_base + 4 * nregs) use regs[] without
	 * the hooks (which see every other access there).
	 */
	uint32_t *regs;
	uint32_t regs_base, nregs;

	char fault[160];	/* set when a run ends in RV_EXIT_FAULT */
};

/* Reset registers, set pc and sp; memory, code and hooks stay. */
void rv_reset(struct rv_hart *h, uint32_t pc, uint32_t sp);

/*
 * Run at most max_insns instructions. Retired instructions are counted in
 * h->instret. On BLOCKED the blocking instruction is not retired: running
 * again retries it.
 */
enum rv_exit rv_run(struct rv_hart *h, uint64_t max_insns);

#endif
