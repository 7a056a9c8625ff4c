// SPDX-License-Identifier: MIT
/*
 * Unit tests of the RV32IMF interpreter (sim/riscv.c). Programs are built
 * with a small encoder, run against a 64 KiB memory and a toy MMIO device,
 * and checked register by register.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fenv.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "riscv.h"
#include "tt_core.h"
#include "../test_util.h"

/* ---- encoder ---------------------------------------------------------- */

static uint32_t enc_r(uint32_t f7, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t rd,
		      uint32_t opc)
{
	return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}

static uint32_t enc_i(int32_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t opc)
{
	return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}

static uint32_t enc_s(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t opc)
{
	uint32_t u = (uint32_t)imm;

	return ((u >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | opc;
}

static uint32_t enc_b(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t opc)
{
	uint32_t u = (uint32_t)imm;

	return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 |
	       f3 << 12 | ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | opc;
}

static uint32_t enc_u(uint32_t imm, uint32_t rd, uint32_t opc)
{
	return (imm & 0xfffff000u) | rd << 7 | opc;
}

static uint32_t enc_j(int32_t imm, uint32_t rd, uint32_t opc)
{
	uint32_t u = (uint32_t)imm;

	return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 |
	       ((u >> 12) & 0xff) << 12 | rd << 7 | opc;
}

static uint32_t enc_r4(uint32_t rs3, uint32_t fmt, uint32_t rs2, uint32_t rs1, uint32_t rm,
		       uint32_t rd, uint32_t opc)
{
	return rs3 << 27 | fmt << 25 | rs2 << 20 | rs1 << 15 | rm << 12 | rd << 7 | opc;
}

/* RV32I */
#define LUI(rd, imm)		enc_u(imm, rd, 0x37)
#define AUIPC(rd, imm)		enc_u(imm, rd, 0x17)
#define JAL(rd, off)		enc_j(off, rd, 0x6f)
#define JALR(rd, rs1, imm)	enc_i(imm, rs1, 0, rd, 0x67)
#define BR(f3, a, b, off)	enc_b(off, b, a, f3, 0x63)
#define BEQ(a, b, off)		BR(0, a, b, off)
#define BNE(a, b, off)		BR(1, a, b, off)
#define BLT(a, b, off)		BR(4, a, b, off)
#define BGE(a, b, off)		BR(5, a, b, off)
#define BLTU(a, b, off)		BR(6, a, b, off)
#define BGEU(a, b, off)		BR(7, a, b, off)
#define LB(rd, rs1, imm)	enc_i(imm, rs1, 0, rd, 0x03)
#define LH(rd, rs1, imm)	enc_i(imm, rs1, 1, rd, 0x03)
#define LW(rd, rs1, imm)	enc_i(imm, rs1, 2, rd, 0x03)
#define LBU(rd, rs1, imm)	enc_i(imm, rs1, 4, rd, 0x03)
#define LHU(rd, rs1, imm)	enc_i(imm, rs1, 5, rd, 0x03)
#define SB(rs2, rs1, imm)	enc_s(imm, rs2, rs1, 0, 0x23)
#define SH(rs2, rs1, imm)	enc_s(imm, rs2, rs1, 1, 0x23)
#define SW(rs2, rs1, imm)	enc_s(imm, rs2, rs1, 2, 0x23)
#define ADDI(rd, rs1, imm)	enc_i(imm, rs1, 0, rd, 0x13)
#define SLTI(rd, rs1, imm)	enc_i(imm, rs1, 2, rd, 0x13)
#define SLTIU(rd, rs1, imm)	enc_i(imm, rs1, 3, rd, 0x13)
#define XORI(rd, rs1, imm)	enc_i(imm, rs1, 4, rd, 0x13)
#define ORI(rd, rs1, imm)	enc_i(imm, rs1, 6, rd, 0x13)
#define ANDI(rd, rs1, imm)	enc_i(imm, rs1, 7, rd, 0x13)
#define SLLI(rd, rs1, sh)	enc_r(0x00, sh, rs1, 1, rd, 0x13)
#define SRLI(rd, rs1, sh)	enc_r(0x00, sh, rs1, 5, rd, 0x13)
#define SRAI(rd, rs1, sh)	enc_r(0x20, sh, rs1, 5, rd, 0x13)
#define OPR(f7, f3, rd, a, b)	enc_r(f7, b, a, f3, rd, 0x33)
#define ADD(rd, a, b)		OPR(0x00, 0, rd, a, b)
#define SUB(rd, a, b)		OPR(0x20, 0, rd, a, b)
#define SLL(rd, a, b)		OPR(0x00, 1, rd, a, b)
#define SLT(rd, a, b)		OPR(0x00, 2, rd, a, b)
#define SLTU(rd, a, b)		OPR(0x00, 3, rd, a, b)
#define XOR(rd, a, b)		OPR(0x00, 4, rd, a, b)
#define SRL(rd, a, b)		OPR(0x00, 5, rd, a, b)
#define SRA(rd, a, b)		OPR(0x20, 5, rd, a, b)
#define OR(rd, a, b)		OPR(0x00, 6, rd, a, b)
#define AND(rd, a, b)		OPR(0x00, 7, rd, a, b)
#define FENCE			0x0ff0000fu
#define FENCE_I			0x0000100fu
#define ECALL			0x00000073u
#define EBREAK			0x00100073u
/* RV32M */
#define MUL(rd, a, b)		OPR(0x01, 0, rd, a, b)
#define MULH(rd, a, b)		OPR(0x01, 1, rd, a, b)
#define MULHSU(rd, a, b)	OPR(0x01, 2, rd, a, b)
#define MULHU(rd, a, b)		OPR(0x01, 3, rd, a, b)
#define DIV(rd, a, b)		OPR(0x01, 4, rd, a, b)
#define DIVU(rd, a, b)		OPR(0x01, 5, rd, a, b)
#define REM(rd, a, b)		OPR(0x01, 6, rd, a, b)
#define REMU(rd, a, b)		OPR(0x01, 7, rd, a, b)
/* Zicsr */
#define CSRRW(rd, csr, rs1)	enc_i(csr, rs1, 1, rd, 0x73)
#define CSRRS(rd, csr, rs1)	enc_i(csr, rs1, 2, rd, 0x73)
#define CSRRC(rd, csr, rs1)	enc_i(csr, rs1, 3, rd, 0x73)
#define CSRRWI(rd, csr, u)	enc_i(csr, u, 5, rd, 0x73)
#define CSRRSI(rd, csr, u)	enc_i(csr, u, 6, rd, 0x73)
#define CSRRCI(rd, csr, u)	enc_i(csr, u, 7, rd, 0x73)
/* RV32F */
#define FLW(rd, rs1, imm)	enc_i(imm, rs1, 2, rd, 0x07)
#define FSW(rs2, rs1, imm)	enc_s(imm, rs2, rs1, 2, 0x27)
#define FPR(f7, rm, rd, a, b)	enc_r(f7, b, a, rm, rd, 0x53)
#define FADD(rd, a, b, rm)	FPR(0x00, rm, rd, a, b)
#define FSUB(rd, a, b, rm)	FPR(0x04, rm, rd, a, b)
#define FMUL(rd, a, b, rm)	FPR(0x08, rm, rd, a, b)
#define FDIV(rd, a, b, rm)	FPR(0x0c, rm, rd, a, b)
#define FSQRT(rd, a, rm)	FPR(0x2c, rm, rd, a, 0)
#define FSGNJ(rd, a, b)		FPR(0x10, 0, rd, a, b)
#define FSGNJN(rd, a, b)	FPR(0x10, 1, rd, a, b)
#define FSGNJX(rd, a, b)	FPR(0x10, 2, rd, a, b)
#define FMIN(rd, a, b)		FPR(0x14, 0, rd, a, b)
#define FMAX(rd, a, b)		FPR(0x14, 1, rd, a, b)
#define FCVT_W_S(rd, a, rm)	FPR(0x60, rm, rd, a, 0)
#define FCVT_WU_S(rd, a, rm)	FPR(0x60, rm, rd, a, 1)
#define FMV_X_W(rd, a)		FPR(0x70, 0, rd, a, 0)
#define FCLASS(rd, a)		FPR(0x70, 1, rd, a, 0)
#define FEQ(rd, a, b)		FPR(0x50, 2, rd, a, b)
#define FLT(rd, a, b)		FPR(0x50, 1, rd, a, b)
#define FLE(rd, a, b)		FPR(0x50, 0, rd, a, b)
#define FCVT_S_W(rd, a, rm)	FPR(0x68, rm, rd, a, 0)
#define FCVT_S_WU(rd, a, rm)	FPR(0x68, rm, rd, a, 1)
#define FMV_W_X(rd, a)		FPR(0x78, 0, rd, a, 0)
#define FMADD(rd, a, b, c, rm)	enc_r4(c, 0, b, a, rm, rd, 0x43)
#define FMSUB(rd, a, b, c, rm)	enc_r4(c, 0, b, a, rm, rd, 0x47)
#define FNMSUB(rd, a, b, c, rm)	enc_r4(c, 0, b, a, rm, rd, 0x4b)
#define FNMADD(rd, a, b, c, rm)	enc_r4(c, 0, b, a, rm, rd, 0x4f)

enum { RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4, DYN = 7 };
enum { NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16 };

#define QNAN		0x7fc00000u
#define NEG_QNAN_PAY	0xffc12345u
#define SNAN		0x7f800001u
#define PINF		0x7f800000u
#define NINF		0xff800000u
#define PZERO		0x00000000u
#define NZERO		0x80000000u
#define ONE		0x3f800000u

/* ---- test machine ----------------------------------------------------- */

#define BASE		0x4000u
#define MEM_SIZE	0x10000u
#define STACK		0xff00u
#define MAX_PROG	256

/* Toy MMIO device, registers at TT_MMIO_BASE + ... */
#define DEV_EXIT	0x00u	/* store: the kernel is done */
#define DEV_DATA	0x04u	/* store: recorded; load: 0xcafef00d */
#define DEV_BLOCK	0x08u	/* BLOCK while block_left > 0, then as DATA */
#define DEV_FAULT	0x0cu	/* FAULT */
#define DEV_LDEXIT	0x10u	/* load: EXIT with value 77 */
#define DEV_NEG		0x14u	/* load: 0xffff8081 */

struct vm {
	struct rv_hart h;
	struct rv_code code;
	uint32_t prog[MAX_PROG];
	unsigned int n;
	uint8_t mem[MEM_SIZE];
	int block_left;
	int loads, stores;
	uint32_t st_addr, st_val;
	int st_size, ld_size;
};

static struct vm g;

static enum rv_mmio dev_load(struct rv_hart *h, uint32_t addr, int size, uint32_t *val)
{
	struct vm *vm = h->ctx;

	vm->loads++;
	vm->ld_size = size;
	switch (addr - TT_MMIO_BASE) {
	case DEV_BLOCK:
		if (vm->block_left > 0) {
			vm->block_left--;
			return RV_MMIO_BLOCK;
		}
		*val = 0x600dd00du;
		return RV_MMIO_OK;
	case DEV_FAULT:
		snprintf(h->fault, sizeof(h->fault), "device says no");
		return RV_MMIO_FAULT;
	case DEV_LDEXIT:
		*val = 77;
		return RV_MMIO_EXIT;
	case DEV_NEG:
		*val = 0xffff8081u;
		return RV_MMIO_OK;
	default:
		*val = 0xcafef00du;
		return RV_MMIO_OK;
	}
}

static enum rv_mmio dev_store(struct rv_hart *h, uint32_t addr, int size, uint32_t val)
{
	struct vm *vm = h->ctx;

	vm->stores++;
	switch (addr - TT_MMIO_BASE) {
	case DEV_EXIT:
		return RV_MMIO_EXIT;
	case DEV_BLOCK:
		if (vm->block_left > 0) {
			vm->block_left--;
			return RV_MMIO_BLOCK;
		}
		break;
	case DEV_FAULT:
		snprintf(h->fault, sizeof(h->fault), "device says no");
		return RV_MMIO_FAULT;
	default:
		break;
	}
	vm->st_addr = addr;
	vm->st_val = val;
	vm->st_size = size;
	return RV_MMIO_OK;
}

static void vm_new(void)
{
	rv_code_free(&g.code);
	memset(&g, 0, sizeof(g));
	g.h.mem = g.mem;
	g.h.mem_size = MEM_SIZE;
	g.h.mmio_load = dev_load;
	g.h.mmio_store = dev_store;
	g.h.ctx = &g;
	rv_reset(&g.h, BASE, STACK);
}

static void emit(uint32_t w)
{
	assert_true(g.n < MAX_PROG);
	g.prog[g.n++] = w;
}

/* rd = v, in two instructions (t6 is reserved for the exit sequence). */
static void emit_li(uint32_t rd, uint32_t v)
{
	uint32_t lo = v & 0xfff, hi = v - ((lo ^ 0x800) - 0x800);

	emit(LUI(rd, hi));
	emit(ADDI(rd, rd, (int32_t)((lo ^ 0x800) - 0x800)));
}

/* Store to the device's EXIT register through t6 (x31). */
static void emit_exit(void)
{
	emit(LUI(31, TT_MMIO_BASE));
	emit(SW(0, 31, DEV_EXIT));
}

/* Decode what was emitted and run it from the current pc. */
static enum rv_exit vm_go(uint64_t max)
{
	rv_code_free(&g.code);
	assert_int_equal(rv_decode(&g.code, BASE, g.prog, g.n), 0);
	g.h.code = &g.code;
	return rv_run(&g.h, max);
}

/* Run a program that must finish through the exit register. */
static void vm_done(void)
{
	enum rv_exit r = vm_go(1000000);

	if (r != RV_EXIT_DONE)
		fail_msg("exit %d, fault '%s'", (int)r, g.h.fault);
}

/* One instruction followed by the exit sequence. */
static void run1(uint32_t insn)
{
	emit(insn);
	emit_exit();
	vm_done();
}

static void test_teardown_all(void)
{
	rv_code_free(&g.code);
}

/* ---- RV32I ------------------------------------------------------------ */

struct alu_case {
	uint32_t insn;
	uint32_t a, b, want;
};

static void check_alu(const struct alu_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		vm_new();
		g.h.x[5] = c[i].a;
		g.h.x[6] = c[i].b;
		run1(c[i].insn);
		if (g.h.x[7] != c[i].want)
			fail_msg("case %zu (insn 0x%08x): got 0x%08x want 0x%08x", i, c[i].insn,
				 g.h.x[7], c[i].want);
	}
}

static void test_alu_reg(void **state)
{
	const struct alu_case c[] = {
		{ ADD(7, 5, 6), 1, 2, 3 },
		{ ADD(7, 5, 6), 0xffffffffu, 1, 0 },
		{ ADD(7, 5, 6), 0x7fffffffu, 1, 0x80000000u },
		{ SUB(7, 5, 6), 1, 2, 0xffffffffu },
		{ SUB(7, 5, 6), 0x80000000u, 1, 0x7fffffffu },
		{ SLL(7, 5, 6), 1, 31, 0x80000000u },
		{ SLL(7, 5, 6), 1, 33, 2 },			/* only 5 bits count */
		{ SRL(7, 5, 6), 0x80000000u, 31, 1 },
		{ SRL(7, 5, 6), 0x80000000u, 0xffffffe1u, 0x40000000u },
		{ SRA(7, 5, 6), 0x80000000u, 31, 0xffffffffu },
		{ SRA(7, 5, 6), 0x80000000u, 4, 0xf8000000u },
		{ SRA(7, 5, 6), 0x40000000u, 36, 0x04000000u },
		{ SLT(7, 5, 6), 0x80000000u, 1, 1 },		/* INT_MIN < 1 */
		{ SLT(7, 5, 6), 1, 0x80000000u, 0 },
		{ SLT(7, 5, 6), 0xffffffffu, 0, 1 },		/* -1 < 0 */
		{ SLT(7, 5, 6), 5, 5, 0 },
		{ SLTU(7, 5, 6), 0xffffffffu, 0, 0 },
		{ SLTU(7, 5, 6), 0, 0xffffffffu, 1 },
		{ SLTU(7, 5, 6), 0x80000000u, 1, 0 },
		{ SLTU(7, 0, 6), 0, 3, 1 },			/* snez */
		{ XOR(7, 5, 6), 0xff00ff00u, 0x0ff00ff0u, 0xf0f0f0f0u },
		{ OR(7, 5, 6), 0xff00ff00u, 0x0ff00ff0u, 0xfff0fff0u },
		{ AND(7, 5, 6), 0xff00ff00u, 0x0ff00ff0u, 0x0f000f00u },
	};

	(void)state;
	check_alu(c, sizeof(c) / sizeof(c[0]));
}

static void test_alu_imm(void **state)
{
	const struct alu_case c[] = {
		{ ADDI(7, 5, -1), 0, 0, 0xffffffffu },
		{ ADDI(7, 5, 2047), 1, 0, 2048 },
		{ ADDI(7, 5, -2048), 0, 0, 0xfffff800u },
		{ ADDI(7, 0, 5), 99, 0, 5 },
		{ SLTI(7, 5, -1), 0x80000000u, 0, 1 },
		{ SLTI(7, 5, -1), 0, 0, 0 },
		{ SLTI(7, 5, 0), 0xffffffffu, 0, 1 },
		{ SLTIU(7, 5, -1), 0xfffffffeu, 0, 1 },	/* imm is 0xffffffff */
		{ SLTIU(7, 5, -1), 0xffffffffu, 0, 0 },
		{ SLTIU(7, 5, 1), 0, 0, 1 },			/* seqz */
		{ SLTIU(7, 5, 1), 7, 0, 0 },
		{ SLTIU(7, 5, 1), 0x80000000u, 0, 0 },
		{ SLTIU(7, 5, -2048), 5, 0, 1 },		/* 5 < 0xfffff800 */
		{ SLTI(7, 5, -2048), 5, 0, 0 },
		{ XORI(7, 5, -1), 0x12345678u, 0, 0xedcba987u },	/* not */
		{ XORI(7, 5, 0x7ff), 0xffffffffu, 0, 0xfffff800u },
		{ ORI(7, 5, -2048), 0x0000000fu, 0, 0xfffff80fu },
		{ ANDI(7, 5, 0xf0), 0xffffffffu, 0, 0xf0 },
		{ ANDI(7, 5, -16), 0x12345678u, 0, 0x12345670u },
		{ SLLI(7, 5, 0), 0x12345678u, 0, 0x12345678u },
		{ SLLI(7, 5, 4), 0x12345678u, 0, 0x23456780u },
		{ SLLI(7, 5, 31), 3, 0, 0x80000000u },
		{ SRLI(7, 5, 4), 0x87654321u, 0, 0x08765432u },
		{ SRLI(7, 5, 31), 0x87654321u, 0, 1 },
		{ SRAI(7, 5, 4), 0x87654321u, 0, 0xf8765432u },
		{ SRAI(7, 5, 31), 0x87654321u, 0, 0xffffffffu },
		{ SRAI(7, 5, 4), 0x77654321u, 0, 0x07765432u },
	};

	(void)state;
	check_alu(c, sizeof(c) / sizeof(c[0]));
}

static void test_lui_auipc(void **state)
{
	(void)state;
	vm_new();
	emit(LUI(5, 0x12345000u));
	emit(LUI(6, 0xfffff000u));
	emit(AUIPC(7, 0));			/* at BASE + 8 */
	emit(AUIPC(8, 0x00001000u));		/* at BASE + 12 */
	emit(AUIPC(9, 0xfffff000u));		/* at BASE + 16 */
	emit_li(10, 0xdeadbeefu);
	emit_li(11, 0x00000800u);
	emit_li(12, 0xfffff800u);
	emit_exit();
	vm_done();
	assert_int_equal(g.h.x[5], 0x12345000u);
	assert_int_equal(g.h.x[6], 0xfffff000u);
	assert_int_equal(g.h.x[7], BASE + 8);
	assert_int_equal(g.h.x[8], BASE + 12 + 0x1000);
	assert_int_equal(g.h.x[9], BASE + 16 - 0x1000);
	assert_int_equal(g.h.x[10], 0xdeadbeefu);
	assert_int_equal(g.h.x[11], 0x00000800u);
	assert_int_equal(g.h.x[12], 0xfffff800u);
}

static void test_branches(void **state)
{
	static const struct {
		uint32_t f3, a, b;
		int taken;
	} c[] = {
		{ 0, 5, 5, 1 }, { 0, 5, 6, 0 },
		{ 1, 5, 6, 1 }, { 1, 5, 5, 0 },
		{ 4, 0xffffffffu, 0, 1 }, { 4, 0, 0xffffffffu, 0 }, { 4, 3, 3, 0 },
		{ 4, 0x80000000u, 0x7fffffffu, 1 },
		{ 5, 0, 0xffffffffu, 1 }, { 5, 3, 3, 1 }, { 5, 0xffffffffu, 0, 0 },
		{ 6, 0, 0xffffffffu, 1 }, { 6, 0xffffffffu, 0, 0 }, { 6, 3, 3, 0 },
		{ 7, 0xffffffffu, 0, 1 }, { 7, 3, 3, 1 }, { 7, 0, 0xffffffffu, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		/* Forward branch over one instruction. */
		vm_new();
		g.h.x[5] = c[i].a;
		g.h.x[6] = c[i].b;
		emit(BR(c[i].f3, 5, 6, 8));
		emit(ADDI(10, 10, 1));		/* skipped when taken */
		emit(ADDI(11, 11, 1));
		emit_exit();
		vm_done();
		if (g.h.x[10] != (c[i].taken ? 0u : 1u) || g.h.x[11] != 1)
			fail_msg("forward case %zu: x10=%u x11=%u", i, g.h.x[10], g.h.x[11]);

		/* Backward branch: taken once, then the operands change. */
		vm_new();
		g.h.x[5] = c[i].a;
		g.h.x[6] = c[i].b;
		emit(JAL(0, 16));			/* to the branch */
		emit(ADDI(10, 10, 1));		/* branch target */
		/* then operands for which the branch falls through */
		emit(ADDI(5, 0, 0));
		emit(ADDI(6, 0, c[i].f3 == 0 || c[i].f3 == 5 || c[i].f3 == 7 ? 1 : 0));
		emit(BR(c[i].f3, 5, 6, -12));
		emit(ADDI(11, 11, 1));
		emit_exit();
		vm_done();
		if (g.h.x[10] != (c[i].taken ? 1u : 0u) || g.h.x[11] != 1)
			fail_msg("backward case %zu: x10=%u x11=%u", i, g.h.x[10], g.h.x[11]);
	}
}

static void test_branch_loop(void **state)
{
	(void)state;
	/* sum 1..100 */
	vm_new();
	emit(ADDI(5, 0, 100));
	emit(ADDI(6, 0, 0));
	emit(ADD(6, 6, 5));
	emit(ADDI(5, 5, -1));
	emit(BNE(5, 0, -8));
	emit_exit();
	vm_done();
	assert_int_equal(g.h.x[6], 5050);
	assert_int_equal(g.h.instret, 2 + 3 * 100 + 2);
}

static void test_jal_jalr(void **state)
{
	(void)state;
	vm_new();
	emit(JAL(1, 12));			/* 0x4000 -> 0x400c */
	emit(ADDI(10, 0, 1));			/* 0x4004: skipped */
	emit(JAL(0, 16));			/* 0x4008 -> 0x4018 */
	emit(ADDI(11, 0, 2));			/* 0x400c */
	emit(JAL(2, -8));			/* 0x4010 -> 0x4008, link in sp */
	emit(ADDI(10, 0, 3));			/* 0x4014: skipped */
	emit(ADDI(12, 0, 4));			/* 0x4018 */
	emit_exit();
	vm_done();
	assert_int_equal(g.h.x[1], BASE + 4);
	assert_int_equal(g.h.x[2], BASE + 0x14);
	assert_int_equal(g.h.x[10], 0);
	assert_int_equal(g.h.x[11], 2);
	assert_int_equal(g.h.x[12], 4);

	/* JALR: call and return, bit 0 cleared, rd == rs1. */
	vm_new();
	emit_li(5, BASE + 0x21);		/* 0x4000, 0x4004: odd address */
	emit(JALR(1, 5, -1));			/* 0x4008 -> 0x4020 */
	emit(ADDI(12, 0, 7));			/* 0x400c: return lands here */
	emit_li(6, BASE + 0x28);		/* 0x4010, 0x4014 */
	emit(JALR(6, 6, 1));			/* 0x4018: rd == rs1, -> 0x4028 (bit 0) */
	emit(ADDI(13, 0, 1));			/* 0x401c: skipped */
	emit(ADDI(11, 0, 9));			/* 0x4020: callee */
	emit(JALR(0, 1, 0));			/* 0x4024: ret */
	emit(ADDI(14, 0, 5));			/* 0x4028 */
	emit_exit();
	vm_done();
	assert_int_equal(g.h.x[1], BASE + 0x0c);
	assert_int_equal(g.h.x[6], BASE + 0x1c);
	assert_int_equal(g.h.x[11], 9);
	assert_int_equal(g.h.x[12], 7);
	assert_int_equal(g.h.x[13], 0);
	assert_int_equal(g.h.x[14], 5);
}

static void test_loads_stores(void **state)
{
	(void)state;
	vm_new();
	g.h.x[5] = 0x1000;
	g.h.x[6] = 0x80ff7f01u;
	g.mem[0x2000] = 0x81;
	g.mem[0x2001] = 0x80;
	g.mem[0x2002] = 0x7f;
	g.mem[0x2003] = 0xff;
	g.h.x[7] = 0x2000;
	emit(SW(6, 5, 0));			/* 0x1000..3 */
	emit(SH(6, 5, 4));			/* 0x1004..5 */
	emit(SB(6, 5, 7));			/* 0x1007 */
	emit(SW(6, 5, 9));			/* misaligned 0x1009..c */
	emit(SH(6, 5, -1));			/* 0x0fff..0x1000 */
	emit(LB(10, 7, 0));
	emit(LBU(11, 7, 0));
	emit(LH(12, 7, 0));
	emit(LHU(13, 7, 0));
	emit(LW(14, 7, 0));
	emit(LB(15, 7, 2));
	emit(LH(16, 7, 2));
	emit(LH(17, 7, 1));			/* misaligned */
	emit(LW(18, 5, 9));			/* misaligned */
	emit(LHU(19, 7, 3));			/* straddles into a zero byte */
	emit(LW(20, 5, 0));			/* what SW and SH left */
	emit_exit();
	vm_done();
	assert_int_equal(g.mem[0xfff], 0x01);
	assert_int_equal(g.mem[0x1000], 0x7f);	/* SH at -1 overwrote it */
	assert_int_equal(g.mem[0x1001], 0x7f);
	assert_int_equal(g.mem[0x1002], 0xff);
	assert_int_equal(g.mem[0x1003], 0x80);
	assert_int_equal(g.mem[0x1004], 0x01);
	assert_int_equal(g.mem[0x1005], 0x7f);
	assert_int_equal(g.mem[0x1006], 0x00);
	assert_int_equal(g.mem[0x1007], 0x01);
	assert_int_equal(g.mem[0x1008], 0x00);
	assert_int_equal(g.mem[0x1009], 0x01);
	assert_int_equal(g.mem[0x100c], 0x80);
	assert_int_equal(g.h.x[10], 0xffffff81u);
	assert_int_equal(g.h.x[11], 0x81);
	assert_int_equal(g.h.x[12], 0xffff8081u);
	assert_int_equal(g.h.x[13], 0x8081);
	assert_int_equal(g.h.x[14], 0xff7f8081u);
	assert_int_equal(g.h.x[15], 0x7f);
	assert_int_equal(g.h.x[16], 0xffffff7fu);
	assert_int_equal(g.h.x[17], 0x00007f80u);
	assert_int_equal(g.h.x[18], 0x80ff7f01u);
	assert_int_equal(g.h.x[19], 0x00ff);
	assert_int_equal(g.h.x[20], 0x80ff7f7fu);
}

static void test_memory_edges(void **state)
{
	(void)state;
	/* The last bytes of memory are reachable with every width. */
	vm_new();
	g.h.x[5] = MEM_SIZE - 4;
	g.h.x[6] = 0xa1b2c3d4u;
	emit(SW(6, 5, 0));
	emit(LW(10, 5, 0));
	emit(LHU(11, 5, 2));
	emit(LBU(12, 5, 3));
	emit(SB(0, 5, 3));
	emit(LW(13, 5, 0));
	emit_exit();
	vm_done();
	assert_int_equal(g.h.x[10], 0xa1b2c3d4u);
	assert_int_equal(g.h.x[11], 0xa1b2);
	assert_int_equal(g.h.x[12], 0xa1);
	assert_int_equal(g.h.x[13], 0x00b2c3d4u);

	/* A load that straddles the end of memory faults. */
	vm_new();
	g.h.x[5] = MEM_SIZE - 2;
	emit(ADDI(10, 0, 1));
	emit(LW(11, 5, 0));
	emit_exit();
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault,
			    "load of 4 bytes from unmapped address 0x0000fffe at pc 0x00004004");
	assert_int_equal(g.h.pc, BASE + 4);
	assert_int_equal(g.h.instret, 1);
	assert_int_equal(g.h.x[10], 1);
	assert_int_equal(g.h.x[11], 0);

	/* Loads and stores far away fault with their own message. */
	vm_new();
	emit_li(5, 0x80000000u);
	emit(LB(11, 5, 0));
	emit_exit();
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault,
			    "load of 1 bytes from unmapped address 0x80000000 at pc 0x00004008");

	vm_new();
	g.h.x[5] = MEM_SIZE;
	emit(SH(0, 5, 0));
	emit_exit();
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault,
			    "store of 2 bytes to unmapped address 0x00010000 at pc 0x00004000");
	assert_int_equal(g.h.instret, 0);

	/* Address arithmetic wraps: -4 + 8 is 4. */
	vm_new();
	g.h.x[5] = 0xfffffffcu;
	g.mem[4] = 0x5a;
	emit(LBU(10, 5, 8));
	emit_exit();
	vm_done();
	assert_int_equal(g.h.x[10], 0x5a);

	/* A store that straddles the end of memory faults and writes nothing. */
	vm_new();
	g.h.x[5] = MEM_SIZE - 1;
	g.h.x[6] = 0xffffffffu;
	emit(SW(6, 5, 0));
	emit_exit();
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_int_equal(g.mem[MEM_SIZE - 1], 0);
	assert_string_equal(g.h.fault,
			    "store of 4 bytes to unmapped address 0x0000ffff at pc 0x00004000");
}

static void test_fence_nop(void **state)
{
	(void)state;
	vm_new();
	emit(FENCE);
	emit(FENCE_I);
	emit(ADDI(5, 0, 3));
	emit_exit();
	vm_done();
	assert_int_equal(g.h.x[5], 3);
	assert_int_equal(g.h.instret, 5);
}

static void test_x0(void **state)
{
	(void)state;
	vm_new();
	g.mem[0x100] = 0xff;
	emit(ADDI(0, 0, 5));
	emit(ADD(5, 0, 0));
	emit(LUI(0, 0x12345000u));
	emit(AUIPC(0, 0x1000));
	emit(JAL(0, 4));
	emit(LBU(0, 0, 0x100));
	emit(CSRRS(0, 0xc02, 0));
	emit(FCVT_W_S(0, 1, RNE));
	emit(FMV_X_W(0, 1));
	emit(ADDI(6, 0, 1));
	emit(ADD(7, 0, 6));
	emit(SLTU(8, 0, 6));
	emit(SW(0, 0, 0x104));
	emit_exit();
	g.h.f[1] = test_fbits(42.0f);
	g.mem[0x104] = 0x77;
	vm_done();
	assert_int_equal(g.h.x[0], 0);
	assert_int_equal(g.h.x[5], 0);
	assert_int_equal(g.h.x[7], 1);
	assert_int_equal(g.h.x[8], 1);
	assert_int_equal(g.mem[0x104], 0);
}

/* ---- RV32M ------------------------------------------------------------ */

static void test_mul(void **state)
{
	const struct alu_case c[] = {
		{ MUL(7, 5, 6), 7, 6, 42 },
		{ MUL(7, 5, 6), 0xffffffffu, 0xffffffffu, 1 },
		{ MUL(7, 5, 6), 0x12345678u, 0x9abcdef0u, 0x242d2080u },
		{ MULH(7, 5, 6), 0xffffffffu, 0xffffffffu, 0 },	/* -1 * -1 */
		{ MULH(7, 5, 6), 0xffffffffu, 1, 0xffffffffu },	/* -1 * 1 */
		{ MULH(7, 5, 6), 0x80000000u, 0x80000000u, 0x40000000u },
		{ MULH(7, 5, 6), 0x80000000u, 0x7fffffffu, 0xc0000000u },
		{ MULH(7, 5, 6), 0x12345678u, 0x9abcdef0u, 0xf8cc93d6u },
		{ MULHU(7, 5, 6), 0xffffffffu, 0xffffffffu, 0xfffffffeu },
		{ MULHU(7, 5, 6), 0x80000000u, 2, 1 },
		{ MULHU(7, 5, 6), 0x12345678u, 0x9abcdef0u, 0x0b00ea4eu },
		/* -1 * (2^32 - 1) */
		{ MULHSU(7, 5, 6), 0xffffffffu, 0xffffffffu, 0xffffffffu },
		{ MULHSU(7, 5, 6), 0x80000000u, 0xffffffffu, 0x80000000u },
		{ MULHSU(7, 5, 6), 0x7fffffffu, 0xffffffffu, 0x7ffffffeu },
		{ MULHSU(7, 5, 6), 0xfffffffeu, 2, 0xffffffffu },
		{ MULHSU(7, 5, 6), 0x12345678u, 0x9abcdef0u, 0x0b00ea4eu },
		{ MULHSU(7, 5, 6), 0x9abcdef0u, 0x12345678u, 0xf8cc93d6u },
	};

	(void)state;
	check_alu(c, sizeof(c) / sizeof(c[0]));
}

static void test_div_rem(void **state)
{
	const struct alu_case c[] = {
		{ DIV(7, 5, 6), 42, 5, 8 },
		{ DIV(7, 5, 6), (uint32_t)-42, 5, (uint32_t)-8 },	/* truncates */
		{ DIV(7, 5, 6), 42, (uint32_t)-5, (uint32_t)-8 },
		{ DIV(7, 5, 6), 42, 0, 0xffffffffu },
		{ DIV(7, 5, 6), (uint32_t)-42, 0, 0xffffffffu },
		{ DIV(7, 5, 6), 0x80000000u, 0xffffffffu, 0x80000000u },
		{ DIV(7, 5, 6), 0x80000000u, 1, 0x80000000u },
		{ DIVU(7, 5, 6), 0xffffffffu, 2, 0x7fffffffu },
		{ DIVU(7, 5, 6), 42, 0, 0xffffffffu },
		{ DIVU(7, 5, 6), 0x80000000u, 0xffffffffu, 0 },
		{ REM(7, 5, 6), 42, 5, 2 },
		{ REM(7, 5, 6), (uint32_t)-42, 5, (uint32_t)-2 },	/* sign of dividend */
		{ REM(7, 5, 6), 42, (uint32_t)-5, 2 },
		{ REM(7, 5, 6), 42, 0, 42 },
		{ REM(7, 5, 6), (uint32_t)-42, 0, (uint32_t)-42 },
		{ REM(7, 5, 6), 0x80000000u, 0xffffffffu, 0 },
		{ REMU(7, 5, 6), 0xffffffffu, 10, 5 },
		{ REMU(7, 5, 6), 42, 0, 42 },
		{ REMU(7, 5, 6), 0x80000000u, 0xffffffffu, 0x80000000u },
	};

	(void)state;
	check_alu(c, sizeof(c) / sizeof(c[0]));
}

/* ---- RV32F ------------------------------------------------------------ */

/*
 * Run one F instruction with f1, f2, f3 = a, b, c and x11 = a; the result
 * is read from f10 or x10 and the flags from fcsr.
 */
static void frun(uint32_t insn, uint32_t a, uint32_t b, uint32_t c, uint32_t frm)
{
	vm_new();
	g.h.f[1] = a;
	g.h.f[2] = b;
	g.h.f[3] = c;
	g.h.x[11] = a;
	g.h.fcsr = frm << 5;
	run1(insn);
}

#define FRES	(g.h.f[10])
#define XRES	(g.h.x[10])
#define FLAGS	(g.h.fcsr & 0x1f)

struct f_case {
	uint32_t insn;
	uint32_t a, b, c;
	uint32_t want, flags;
};

static void check_f(const struct f_case *c, size_t n, int int_result)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t got;

		frun(c[i].insn, c[i].a, c[i].b, c[i].c, 0);
		got = int_result ? XRES : FRES;
		if (got != c[i].want || FLAGS != c[i].flags)
			fail_msg("case %zu (insn 0x%08x): got 0x%08x flags %u, "
				 "want 0x%08x flags %u",
				 i, c[i].insn, got, FLAGS, c[i].want, c[i].flags);
		assert_int_equal(fegetround(), FE_TONEAREST);
	}
}

static void test_f_arith(void **state)
{
	const uint32_t a = 0x3f800001u;		/* 1 + 2^-23 */
	const uint32_t c1 = 0xbf800002u;	/* -(1 + 2^-22) */
	const struct f_case c[] = {
		{ FADD(10, 1, 2, RNE), test_fbits(1.5f), test_fbits(2.25f), 0, test_fbits(3.75f), 0 },
		{ FSUB(10, 1, 2, RNE), test_fbits(1.5f), test_fbits(2.25f), 0, test_fbits(-0.75f), 0 },
		{ FMUL(10, 1, 2, RNE), test_fbits(1.5f), test_fbits(-2.0f), 0, test_fbits(-3.0f), 0 },
		{ FDIV(10, 1, 2, RNE), test_fbits(1.0f), test_fbits(4.0f), 0, test_fbits(0.25f), 0 },
		{ FDIV(10, 1, 2, RNE), test_fbits(1.0f), test_fbits(3.0f), 0, 0x3eaaaaabu, NX },
		{ FSQRT(10, 1, RNE), test_fbits(2.25f), 0, 0, test_fbits(1.5f), 0 },
		{ FSQRT(10, 1, RNE), test_fbits(2.0f), 0, 0, 0x3fb504f3u, NX },
		{ FSQRT(10, 1, RNE), NZERO, 0, 0, NZERO, 0 },
		{ FSQRT(10, 1, RNE), PINF, 0, 0, PINF, 0 },
		{ FADD(10, 1, 2, RNE), test_fbits(1.0f), test_fbits(-1.0f), 0, PZERO, 0 },
		{ FADD(10, 1, 2, RDN), test_fbits(1.0f), test_fbits(-1.0f), 0, NZERO, 0 },
		{ FADD(10, 1, 2, RNE), NZERO, NZERO, 0, NZERO, 0 },
		{ FMUL(10, 1, 2, RNE), NZERO, test_fbits(5.0f), 0, NZERO, 0 },
		/* fused: a*a = 1 + 2^-22 + 2^-46 exactly */
		{ FMADD(10, 1, 1, 3, RNE), a, 0, c1, 0x28800000u, 0 },
		{ FMSUB(10, 1, 1, 3, RNE), a, 0, c1 ^ 0x80000000u, 0x28800000u, 0 },
		{ FNMSUB(10, 1, 1, 3, RNE), a, 0, c1 ^ 0x80000000u, 0xa8800000u, 0 },
		{ FNMADD(10, 1, 1, 3, RNE), a, 0, c1, 0xa8800000u, 0 },
		{ FMADD(10, 1, 2, 3, RNE), test_fbits(2.0f), test_fbits(3.0f), test_fbits(1.0f), test_fbits(7.0f), 0 },
		{ FMSUB(10, 1, 2, 3, RNE), test_fbits(2.0f), test_fbits(3.0f), test_fbits(1.0f), test_fbits(5.0f), 0 },
		{ FNMSUB(10, 1, 2, 3, RNE), test_fbits(2.0f), test_fbits(3.0f), test_fbits(1.0f), test_fbits(-5.0f), 0 },
		{ FNMADD(10, 1, 2, 3, RNE), test_fbits(2.0f), test_fbits(3.0f), test_fbits(1.0f), test_fbits(-7.0f), 0 },
		/* The unfused product alone rounds. */
		{ FMUL(10, 1, 1, RNE), a, 0, 0, 0x3f800002u, NX },
	};

	(void)state;
	check_f(c, sizeof(c) / sizeof(c[0]), 0);
}

static void test_f_nan(void **state)
{
	const struct f_case c[] = {
		{ FADD(10, 1, 2, RNE), PINF, NINF, 0, QNAN, NV },
		{ FSUB(10, 1, 2, RNE), PINF, PINF, 0, QNAN, NV },
		{ FMUL(10, 1, 2, RNE), PINF, PZERO, 0, QNAN, NV },
		{ FDIV(10, 1, 2, RNE), PZERO, NZERO, 0, QNAN, NV },
		{ FDIV(10, 1, 2, RNE), PINF, NINF, 0, QNAN, NV },
		{ FSQRT(10, 1, RNE), test_fbits(-1.0f), 0, 0, QNAN, NV },
		{ FSQRT(10, 1, RNE), NINF, 0, 0, QNAN, NV },
		/* NaN inputs: payload and sign dropped; sNaN is invalid. */
		{ FADD(10, 1, 2, RNE), NEG_QNAN_PAY, test_fbits(1.0f), 0, QNAN, 0 },
		{ FMUL(10, 1, 2, RNE), test_fbits(1.0f), NEG_QNAN_PAY, 0, QNAN, 0 },
		{ FADD(10, 1, 2, RNE), SNAN, test_fbits(1.0f), 0, QNAN, NV },
		{ FSQRT(10, 1, RNE), 0xff800123u, 0, 0, QNAN, NV },
		{ FMADD(10, 1, 2, 3, RNE), test_fbits(1.0f), test_fbits(1.0f), NEG_QNAN_PAY, QNAN, 0 },
		/* 0 * inf in a fused op is invalid even with a quiet NaN addend. */
		{ FMADD(10, 1, 2, 3, RNE), PINF, PZERO, QNAN, QNAN, NV },
		{ FNMSUB(10, 1, 2, 3, RNE), NZERO, NINF, test_fbits(1.0f), QNAN, NV },
		{ FMADD(10, 1, 2, 3, RNE), PINF, test_fbits(1.0f), NINF, QNAN, NV },
	};

	(void)state;
	check_f(c, sizeof(c) / sizeof(c[0]), 0);
}

static void test_f_minmax(void **state)
{
	const struct f_case c[] = {
		{ FMIN(10, 1, 2), test_fbits(1.0f), test_fbits(2.0f), 0, test_fbits(1.0f), 0 },
		{ FMAX(10, 1, 2), test_fbits(1.0f), test_fbits(2.0f), 0, test_fbits(2.0f), 0 },
		{ FMIN(10, 1, 2), test_fbits(-3.0f), test_fbits(2.0f), 0, test_fbits(-3.0f), 0 },
		{ FMAX(10, 1, 2), NINF, PINF, 0, PINF, 0 },
		{ FMIN(10, 1, 2), QNAN, test_fbits(2.0f), 0, test_fbits(2.0f), 0 },
		{ FMIN(10, 1, 2), test_fbits(2.0f), NEG_QNAN_PAY, 0, test_fbits(2.0f), 0 },
		{ FMAX(10, 1, 2), QNAN, test_fbits(-2.0f), 0, test_fbits(-2.0f), 0 },
		{ FMIN(10, 1, 2), QNAN, NEG_QNAN_PAY, 0, QNAN, 0 },
		{ FMAX(10, 1, 2), NEG_QNAN_PAY, NEG_QNAN_PAY, 0, QNAN, 0 },
		{ FMIN(10, 1, 2), SNAN, test_fbits(2.0f), 0, test_fbits(2.0f), NV },
		{ FMAX(10, 1, 2), test_fbits(2.0f), SNAN, 0, test_fbits(2.0f), NV },
		{ FMAX(10, 1, 2), SNAN, QNAN, 0, QNAN, NV },
		{ FMIN(10, 1, 2), NZERO, PZERO, 0, NZERO, 0 },
		{ FMIN(10, 1, 2), PZERO, NZERO, 0, NZERO, 0 },
		{ FMAX(10, 1, 2), NZERO, PZERO, 0, PZERO, 0 },
		{ FMAX(10, 1, 2), PZERO, NZERO, 0, PZERO, 0 },
		{ FMAX(10, 1, 2), NZERO, NZERO, 0, NZERO, 0 },
	};

	(void)state;
	check_f(c, sizeof(c) / sizeof(c[0]), 0);
}

static void test_f_compare(void **state)
{
	const struct f_case c[] = {
		{ FEQ(10, 1, 2), test_fbits(1.0f), test_fbits(1.0f), 0, 1, 0 },
		{ FEQ(10, 1, 2), test_fbits(1.0f), test_fbits(2.0f), 0, 0, 0 },
		{ FEQ(10, 1, 2), NZERO, PZERO, 0, 1, 0 },
		{ FEQ(10, 1, 2), QNAN, QNAN, 0, 0, 0 },		/* quiet */
		{ FEQ(10, 1, 2), test_fbits(1.0f), SNAN, 0, 0, NV },
		{ FLT(10, 1, 2), test_fbits(1.0f), test_fbits(2.0f), 0, 1, 0 },
		{ FLT(10, 1, 2), test_fbits(2.0f), test_fbits(2.0f), 0, 0, 0 },
		{ FLT(10, 1, 2), NZERO, PZERO, 0, 0, 0 },
		{ FLT(10, 1, 2), NINF, test_fbits(-1e30f), 0, 1, 0 },
		{ FLT(10, 1, 2), QNAN, test_fbits(2.0f), 0, 0, NV },	/* signalling */
		{ FLE(10, 1, 2), test_fbits(2.0f), test_fbits(2.0f), 0, 1, 0 },
		{ FLE(10, 1, 2), test_fbits(3.0f), test_fbits(2.0f), 0, 0, 0 },
		{ FLE(10, 1, 2), PZERO, NZERO, 0, 1, 0 },
		{ FLE(10, 1, 2), test_fbits(1.0f), QNAN, 0, 0, NV },
	};

	(void)state;
	check_f(c, sizeof(c) / sizeof(c[0]), 1);
}

static void test_f_sign_move(void **state)
{
	const struct f_case fc[] = {
		{ FSGNJ(10, 1, 2), test_fbits(1.5f), test_fbits(-2.0f), 0, test_fbits(-1.5f), 0 },
		{ FSGNJ(10, 1, 2), test_fbits(-1.5f), test_fbits(2.0f), 0, test_fbits(1.5f), 0 },
		{ FSGNJN(10, 1, 2), test_fbits(1.5f), test_fbits(2.0f), 0, test_fbits(-1.5f), 0 },
		{ FSGNJN(10, 1, 1), test_fbits(1.5f), 0, 0, test_fbits(-1.5f), 0 },		/* fneg */
		{ FSGNJX(10, 1, 2), test_fbits(-1.5f), test_fbits(-2.0f), 0, test_fbits(1.5f), 0 },
		{ FSGNJX(10, 1, 1), test_fbits(-1.5f), 0, 0, test_fbits(1.5f), 0 },		/* fabs */
		/* no canonicalisation, no flags, even for sNaN */
		{ FSGNJ(10, 1, 2), SNAN, NZERO, 0, SNAN | 0x80000000u, 0 },
		{ FSGNJX(10, 1, 2), NEG_QNAN_PAY, NZERO, 0, 0x7fc12345u, 0 },
	};
	const struct f_case xc[] = {
		{ FMV_X_W(10, 1), NEG_QNAN_PAY, 0, 0, NEG_QNAN_PAY, 0 },
		{ FMV_X_W(10, 1), SNAN, 0, 0, SNAN, 0 },
	};

	(void)state;
	check_f(fc, sizeof(fc) / sizeof(fc[0]), 0);
	check_f(xc, sizeof(xc) / sizeof(xc[0]), 1);

	/* FMV.W.X, FLW and FSW move bits untouched. */
	vm_new();
	g.h.x[5] = SNAN;
	g.h.x[6] = 0x200;
	memcpy(&g.mem[0x301], &(uint32_t){ NEG_QNAN_PAY }, 4);
	emit(FMV_W_X(4, 5));
	emit(FSW(4, 6, 0));
	emit(FLW(7, 6, 0x101));			/* misaligned */
	emit(FSW(7, 6, -6));			/* 0x1fa, misaligned */
	emit_exit();
	vm_done();
	assert_int_equal(g.h.f[4], SNAN);
	assert_memory_equal(&g.mem[0x200], &(uint32_t){ SNAN }, 4);
	assert_int_equal(g.h.f[7], NEG_QNAN_PAY);
	assert_memory_equal(&g.mem[0x1fa], &(uint32_t){ NEG_QNAN_PAY }, 4);
	assert_int_equal(FLAGS, 0);
}

static void test_f_class(void **state)
{
	const struct f_case c[] = {
		{ FCLASS(10, 1), NINF, 0, 0, 1u << 0, 0 },
		{ FCLASS(10, 1), test_fbits(-1.0f), 0, 0, 1u << 1, 0 },
		{ FCLASS(10, 1), 0x807fffffu, 0, 0, 1u << 2, 0 },
		{ FCLASS(10, 1), NZERO, 0, 0, 1u << 3, 0 },
		{ FCLASS(10, 1), PZERO, 0, 0, 1u << 4, 0 },
		{ FCLASS(10, 1), 0x00000001u, 0, 0, 1u << 5, 0 },
		{ FCLASS(10, 1), test_fbits(FLT_MAX), 0, 0, 1u << 6, 0 },
		{ FCLASS(10, 1), test_fbits(FLT_MIN), 0, 0, 1u << 6, 0 },
		{ FCLASS(10, 1), PINF, 0, 0, 1u << 7, 0 },
		{ FCLASS(10, 1), SNAN, 0, 0, 1u << 8, 0 },
		{ FCLASS(10, 1), 0xffbfffffu, 0, 0, 1u << 8, 0 },
		{ FCLASS(10, 1), QNAN, 0, 0, 1u << 9, 0 },
		{ FCLASS(10, 1), NEG_QNAN_PAY, 0, 0, 1u << 9, 0 },
	};

	(void)state;
	check_f(c, sizeof(c) / sizeof(c[0]), 1);
}

static void test_f_flags(void **state)
{
	const struct f_case c[] = {
		{ FDIV(10, 1, 2, RNE), test_fbits(1.0f), test_fbits(3.0f), 0, 0x3eaaaaabu, NX },
		{ FDIV(10, 1, 2, RNE), test_fbits(1.0f), PZERO, 0, PINF, DZ },
		{ FDIV(10, 1, 2, RNE), test_fbits(-1.0f), PZERO, 0, NINF, DZ },
		{ FDIV(10, 1, 2, RNE), PINF, PZERO, 0, PINF, 0 },
		{ FMUL(10, 1, 2, RNE), test_fbits(FLT_MAX), test_fbits(2.0f), 0, PINF, OF | NX },
		{ FMUL(10, 1, 2, RTZ), test_fbits(FLT_MAX), test_fbits(2.0f), 0, test_fbits(FLT_MAX), OF | NX },
		{ FMUL(10, 1, 2, RNE), test_fbits(1e-30f), test_fbits(1e-30f), 0, PZERO, UF | NX },
		/* an exact subnormal result does not underflow */
		{ FMUL(10, 1, 2, RNE), test_fbits(FLT_MIN), test_fbits(0.5f), 0, 0x00400000u, 0 },
		{ FMUL(10, 1, 2, RNE), 0x00000003u, test_fbits(0.5f), 0, 0x00000002u, UF | NX },
		/*
		 * 2^-126 (1 - 2^-46) rounds to the smallest normal: tininess
		 * is detected after rounding, so no underflow. Below it,
		 * 2^-126 (1 - 2^-24) is tiny.
		 */
		{ FMUL(10, 1, 2, RNE), 0x3f7ffffeu, 0x00800001u, 0, test_fbits(FLT_MIN), NX },
		{ FMUL(10, 1, 2, RTZ), 0x3f7ffffeu, 0x00800001u, 0, 0x007fffffu, UF | NX },
		{ FMUL(10, 1, 2, RNE), test_fbits(FLT_MIN), 0x3f7fffffu, 0, test_fbits(FLT_MIN), UF | NX },
		{ FADD(10, 1, 2, RNE), test_fbits(1.0f), test_fbits(1e-10f), 0, test_fbits(1.0f), NX },
		{ FSUB(10, 1, 2, RNE), PINF, PINF, 0, QNAN, NV },
	};

	(void)state;
	check_f(c, sizeof(c) / sizeof(c[0]), 0);

	/* Flags accrue and are read back through fflags. */
	vm_new();
	g.h.f[1] = test_fbits(1.0f);
	g.h.f[2] = test_fbits(3.0f);
	g.h.f[3] = PZERO;
	emit(FDIV(4, 1, 2, RNE));		/* NX */
	emit(FDIV(5, 1, 3, RNE));		/* DZ */
	emit(CSRRS(10, 0x001, 0));
	emit(FEQ(6, 1, 1));			/* no new flags */
	emit(CSRRS(11, 0x003, 0));
	emit_exit();
	vm_done();
	assert_int_equal(g.h.x[10], NX | DZ);
	assert_int_equal(g.h.x[11], NX | DZ);
}

static void test_fcvt_to_int(void **state)
{
	const struct f_case c[] = {
		{ FCVT_W_S(10, 1, RTZ), test_fbits(42.0f), 0, 0, 42, 0 },
		{ FCVT_W_S(10, 1, RTZ), test_fbits(-42.0f), 0, 0, (uint32_t)-42, 0 },
		{ FCVT_W_S(10, 1, RTZ), test_fbits(1.75f), 0, 0, 1, NX },
		{ FCVT_W_S(10, 1, RTZ), NZERO, 0, 0, 0, 0 },
		{ FCVT_W_S(10, 1, RTZ), QNAN, 0, 0, 0x7fffffffu, NV },
		{ FCVT_W_S(10, 1, RTZ), NEG_QNAN_PAY, 0, 0, 0x7fffffffu, NV },
		{ FCVT_W_S(10, 1, RTZ), SNAN, 0, 0, 0x7fffffffu, NV },
		{ FCVT_W_S(10, 1, RTZ), PINF, 0, 0, 0x7fffffffu, NV },
		{ FCVT_W_S(10, 1, RTZ), NINF, 0, 0, 0x80000000u, NV },
		{ FCVT_W_S(10, 1, RTZ), test_fbits(3e9f), 0, 0, 0x7fffffffu, NV },
		{ FCVT_W_S(10, 1, RTZ), test_fbits(-3e9f), 0, 0, 0x80000000u, NV },
		{ FCVT_W_S(10, 1, RTZ), test_fbits(2147483648.0f), 0, 0, 0x7fffffffu, NV },
		{ FCVT_W_S(10, 1, RTZ), test_fbits(-2147483648.0f), 0, 0, 0x80000000u, 0 },
		{ FCVT_W_S(10, 1, RTZ), test_fbits(2147483520.0f), 0, 0, 0x7fffff80u, 0 },
		{ FCVT_WU_S(10, 1, RTZ), test_fbits(3e9f), 0, 0, 3000000000u, 0 },
		{ FCVT_WU_S(10, 1, RTZ), test_fbits(4294967296.0f), 0, 0, 0xffffffffu, NV },
		{ FCVT_WU_S(10, 1, RTZ), PINF, 0, 0, 0xffffffffu, NV },
		{ FCVT_WU_S(10, 1, RTZ), QNAN, 0, 0, 0xffffffffu, NV },
		{ FCVT_WU_S(10, 1, RTZ), NINF, 0, 0, 0, NV },
		{ FCVT_WU_S(10, 1, RTZ), test_fbits(-1.0f), 0, 0, 0, NV },
		{ FCVT_WU_S(10, 1, RTZ), test_fbits(-0.75f), 0, 0, 0, NX },	/* rounds to 0 */
		{ FCVT_WU_S(10, 1, RNE), test_fbits(-0.25f), 0, 0, 0, NX },
		{ FCVT_WU_S(10, 1, RNE), test_fbits(-0.75f), 0, 0, 0, NV },	/* rounds to -1 */
		{ FCVT_WU_S(10, 1, RDN), test_fbits(-0.25f), 0, 0, 0, NV },
		{ FCVT_WU_S(10, 1, RTZ), NZERO, 0, 0, 0, 0 },
		{ FCVT_W_S(10, 1, RTZ), 0x00000001u, 0, 0, 0, NX },
		{ FCVT_W_S(10, 1, RUP), 0x00000001u, 0, 0, 1, NX },
		{ FCVT_W_S(10, 1, RDN), 0x80000001u, 0, 0, 0xffffffffu, NX },
	};

	(void)state;
	check_f(c, sizeof(c) / sizeof(c[0]), 1);
}

static void test_fcvt_rounding(void **state)
{
	static const struct {
		float v;
		int32_t want[5];	/* RNE RTZ RDN RUP RMM */
	} c[] = {
		{ 0.5f, { 0, 0, 0, 1, 1 } },
		{ 1.5f, { 2, 1, 1, 2, 2 } },
		{ 2.5f, { 2, 2, 2, 3, 3 } },
		{ 3.5f, { 4, 3, 3, 4, 4 } },
		{ -0.5f, { 0, 0, -1, 0, -1 } },
		{ -1.5f, { -2, -1, -2, -1, -2 } },
		{ -2.5f, { -2, -2, -3, -2, -3 } },
		{ 2.25f, { 2, 2, 2, 3, 2 } },
		{ 2.75f, { 3, 2, 2, 3, 3 } },
		{ -2.75f, { -3, -2, -3, -2, -3 } },
		{ 8388607.5f, { 8388608, 8388607, 8388607, 8388608, 8388608 } },
		{ -8388606.5f, { -8388606, -8388606, -8388607, -8388606, -8388607 } },
		{ 7.0f, { 7, 7, 7, 7, 7 } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		for (int rm = 0; rm < 5; rm++) {
			uint32_t want_flags = (float)c[i].want[rm] == c[i].v ? 0 : NX;

			/* static rounding mode */
			frun(FCVT_W_S(10, 1, (uint32_t)rm), test_fbits(c[i].v), 0, 0, 0);
			if (XRES != (uint32_t)c[i].want[rm] || FLAGS != want_flags)
				fail_msg("%g rm %d: got %d flags %u", (double)c[i].v, rm,
					 (int32_t)XRES, FLAGS);
			/* dynamic, from frm */
			frun(FCVT_W_S(10, 1, DYN), test_fbits(c[i].v), 0, 0, (uint32_t)rm);
			if (XRES != (uint32_t)c[i].want[rm] || FLAGS != want_flags)
				fail_msg("%g frm %d: got %d flags %u", (double)c[i].v, rm,
					 (int32_t)XRES, FLAGS);
			if (c[i].want[rm] >= 0) {
				frun(FCVT_WU_S(10, 1, (uint32_t)rm), test_fbits(c[i].v), 0, 0, 0);
				if (XRES != (uint32_t)c[i].want[rm] || FLAGS != want_flags)
					fail_msg("%g wu rm %d: got %u flags %u", (double)c[i].v,
						 rm, XRES, FLAGS);
			}
		}
	}
}

static void test_fcvt_from_int(void **state)
{
	const struct f_case c[] = {
		{ FCVT_S_W(10, 11, RNE), 42, 0, 0, test_fbits(42.0f), 0 },
		{ FCVT_S_W(10, 11, RNE), (uint32_t)-42, 0, 0, test_fbits(-42.0f), 0 },
		{ FCVT_S_W(10, 11, RNE), 0, 0, 0, PZERO, 0 },
		{ FCVT_S_W(10, 11, RNE), 0x80000000u, 0, 0, test_fbits(-2147483648.0f), 0 },
		{ FCVT_S_W(10, 11, RNE), 0x7fffffffu, 0, 0, test_fbits(2147483648.0f), NX },
		{ FCVT_S_W(10, 11, RTZ), 0x7fffffffu, 0, 0, 0x4effffffu, NX },
		{ FCVT_S_WU(10, 11, RNE), 0xffffffffu, 0, 0, test_fbits(4294967296.0f), NX },
		{ FCVT_S_WU(10, 11, RTZ), 0xffffffffu, 0, 0, 0x4f7fffffu, NX },
		{ FCVT_S_WU(10, 11, RNE), 0x80000000u, 0, 0, test_fbits(2147483648.0f), 0 },
		/* 2^24 + 1 is a tie between 2^24 and 2^24 + 2 */
		{ FCVT_S_W(10, 11, RNE), 16777217, 0, 0, test_fbits(16777216.0f), NX },
		{ FCVT_S_W(10, 11, RTZ), 16777217, 0, 0, test_fbits(16777216.0f), NX },
		{ FCVT_S_W(10, 11, RDN), 16777217, 0, 0, test_fbits(16777216.0f), NX },
		{ FCVT_S_W(10, 11, RUP), 16777217, 0, 0, test_fbits(16777218.0f), NX },
		{ FCVT_S_W(10, 11, RMM), 16777217, 0, 0, test_fbits(16777218.0f), NX },
		{ FCVT_S_W(10, 11, RMM), (uint32_t)-16777217, 0, 0, test_fbits(-16777218.0f), NX },
		{ FCVT_S_W(10, 11, RDN), (uint32_t)-16777217, 0, 0, test_fbits(-16777218.0f), NX },
		/* 2^24 + 3 is a tie the other way: RNE goes up to even */
		{ FCVT_S_W(10, 11, RNE), 16777219, 0, 0, test_fbits(16777220.0f), NX },
		{ FCVT_S_W(10, 11, RMM), 16777219, 0, 0, test_fbits(16777220.0f), NX },
		{ FCVT_S_W(10, 11, RTZ), 16777219, 0, 0, test_fbits(16777218.0f), NX },
		/* not a tie: RMM rounds to nearest */
		{ FCVT_S_W(10, 11, RMM), 33554433, 0, 0, test_fbits(33554432.0f), NX },
		{ FCVT_S_WU(10, 11, RMM), 0xffffff80u, 0, 0, test_fbits(4294967296.0f), NX },
		{ FCVT_S_WU(10, 11, RNE), 0xffffff80u, 0, 0, test_fbits(4294967296.0f), NX },
		{ FCVT_S_WU(10, 11, RMM), 0xfffffe80u, 0, 0, 0x4f7fffffu, NX },
		{ FCVT_S_WU(10, 11, RNE), 0xfffffe80u, 0, 0, 0x4f7ffffeu, NX },
	};

	(void)state;
	check_f(c, sizeof(c) / sizeof(c[0]), 0);
}

static void test_f_arith_rounding(void **state)
{
	const uint32_t one_ulp = 0x3f800001u;	/* 1 + 2^-23 */
	const uint32_t tiny = 0x33800000u;	/* 2^-24: half an ulp of 1 */
	const uint32_t tiny3 = 0x33c00000u;	/* 3 * 2^-25 */
	const struct f_case c[] = {
		{ FADD(10, 1, 2, RNE), ONE, tiny, 0, ONE, NX },
		{ FADD(10, 1, 2, RTZ), ONE, tiny, 0, ONE, NX },
		{ FADD(10, 1, 2, RDN), ONE, tiny, 0, ONE, NX },
		{ FADD(10, 1, 2, RUP), ONE, tiny, 0, one_ulp, NX },
		{ FADD(10, 1, 2, RMM), ONE, tiny, 0, one_ulp, NX },
		{ FADD(10, 1, 2, RMM), ONE, tiny3, 0, one_ulp, NX },
		{ FADD(10, 1, 2, RMM), ONE, 0x33000000u, 0, ONE, NX },
		{ FSUB(10, 1, 2, RNE), ONE | 0x80000000u, tiny, 0, ONE | 0x80000000u, NX },
		{ FSUB(10, 1, 2, RDN), ONE | 0x80000000u, tiny, 0, one_ulp | 0x80000000u, NX },
		{ FSUB(10, 1, 2, RUP), ONE | 0x80000000u, tiny, 0, ONE | 0x80000000u, NX },
		{ FSUB(10, 1, 2, RMM), ONE | 0x80000000u, tiny, 0, one_ulp | 0x80000000u, NX },
		/* (1 + 2^-23)(1 + 2^-23) = 1 + 2^-22 + 2^-46: not a tie */
		{ FMUL(10, 1, 1, RMM), one_ulp, 0, 0, 0x3f800002u, NX },
		{ FMUL(10, 1, 1, RUP), one_ulp, 0, 0, 0x3f800003u, NX },
		{ FMUL(10, 1, 2, RUP), test_fbits(1.0f), test_fbits(3.0f), 0, test_fbits(3.0f), 0 },
		{ FDIV(10, 1, 2, RTZ), test_fbits(2.0f), test_fbits(3.0f), 0, 0x3f2aaaaau, NX },
		{ FDIV(10, 1, 2, RNE), test_fbits(2.0f), test_fbits(3.0f), 0, 0x3f2aaaabu, NX },
		{ FDIV(10, 1, 2, RMM), test_fbits(2.0f), test_fbits(3.0f), 0, 0x3f2aaaabu, NX },
		/* 2^-126 (1 + 2^-23) / 2 lies halfway between two subnormals */
		{ FDIV(10, 1, 2, RNE), 0x00800001u, test_fbits(2.0f), 0, 0x00400000u, UF | NX },
		{ FDIV(10, 1, 2, RMM), 0x00800001u, test_fbits(2.0f), 0, 0x00400001u, UF | NX },
		{ FSQRT(10, 1, RUP), test_fbits(2.0f), 0, 0, 0x3fb504f4u, NX },
		{ FSQRT(10, 1, RDN), test_fbits(2.0f), 0, 0, 0x3fb504f3u, NX },
		{ FMADD(10, 1, 2, 3, RMM), ONE, ONE, tiny, one_ulp, NX },
		{ FMADD(10, 1, 2, 3, RNE), ONE, ONE, tiny, ONE, NX },
		{ FMUL(10, 1, 2, RMM), test_fbits(FLT_MAX), test_fbits(2.0f), 0, PINF, OF | NX },
		{ FMUL(10, 1, 2, RDN), test_fbits(FLT_MAX), test_fbits(2.0f), 0, test_fbits(FLT_MAX), OF | NX },
		{ FMUL(10, 1, 2, RUP), test_fbits(-FLT_MAX), test_fbits(2.0f), 0, test_fbits(-FLT_MAX), OF | NX },
	};

	(void)state;
	check_f(c, sizeof(c) / sizeof(c[0]), 0);

	/* Dynamic rounding through frm. */
	frun(FADD(10, 1, 2, DYN), ONE, tiny, 0, RUP);
	assert_int_equal(FRES, one_ulp);
	frun(FADD(10, 1, 2, DYN), ONE, tiny, 0, RMM);
	assert_int_equal(FRES, one_ulp);
	frun(FADD(10, 1, 2, DYN), ONE, tiny, 0, RNE);
	assert_int_equal(FRES, ONE);
	assert_int_equal(fegetround(), FE_TONEAREST);
}

static void test_f_bad_rm(void **state)
{
	const uint32_t bad[] = {
		FADD(10, 1, 2, 5), FMUL(10, 1, 2, 6), FSQRT(10, 1, 5),
		FCVT_W_S(10, 1, 5), FCVT_S_W(10, 1, 6), FMADD(10, 1, 2, 3, 5),
	};
	char want[100];

	(void)state;
	/* Static rm 5 and 6 are illegal. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vm_new();
		emit(bad[i]);
		emit_exit();
		assert_int_equal(vm_go(10), RV_EXIT_FAULT);
		snprintf(want, sizeof(want), "illegal instruction 0x%08x at pc 0x00004000", bad[i]);
		assert_string_equal(g.h.fault, want);
	}
	/* Dynamic rm with frm 5, 6 or 7 is illegal; frm 4 is fine. */
	for (uint32_t frm = 4; frm < 8; frm++) {
		vm_new();
		g.h.fcsr = frm << 5;
		emit(ADDI(5, 0, 1));
		emit(FCVT_W_S(10, 1, DYN));
		emit_exit();
		if (frm == 4) {
			vm_done();
			continue;
		}
		assert_int_equal(vm_go(10), RV_EXIT_FAULT);
		snprintf(want, sizeof(want), "illegal instruction 0x%08x at pc 0x00004004",
			 FCVT_W_S(10, 1, DYN));
		assert_string_equal(g.h.fault, want);
		assert_int_equal(g.h.pc, BASE + 4);
		assert_int_equal(g.h.instret, 1);
	}
}

/* ---- Zicsr ------------------------------------------------------------ */

static void test_csr(void **state)
{
	(void)state;
	vm_new();
	g.h.x[5] = 0xffffffffu;
	g.h.x[6] = 0x3;
	emit(CSRRW(10, 0x003, 5));		/* fcsr = 0xff */
	emit(CSRRS(11, 0x003, 0));		/* read: 0xff */
	emit(CSRRS(12, 0x002, 0));		/* frm: 7 */
	emit(CSRRS(13, 0x001, 0));		/* fflags: 0x1f */
	emit(CSRRC(14, 0x001, 6));		/* clear NX, UF: old 0x1f */
	emit(CSRRWI(15, 0x002, 2));		/* frm = RDN; old 7 */
	emit(CSRRS(16, 0x003, 0));		/* 0x1c | 2 << 5 */
	emit(CSRRSI(17, 0x001, 1));		/* set NX; old 0x1c */
	emit(CSRRCI(18, 0x003, 0x1f));	/* clear all flags; old 0x5d */
	emit(CSRRS(19, 0x003, 0));		/* 0x40 */
	emit(CSRRW(20, 0x001, 5));		/* fflags = 0x1f, frm untouched */
	emit(CSRRS(21, 0x003, 0));		/* 0x5f */
	emit(CSRRW(22, 0x002, 5));		/* frm = 7 */
	emit(CSRRS(23, 0x003, 0));		/* 0xff */
	emit(CSRRWI(24, 0x003, 0));		/* fcsr = 0 */
	emit(CSRRS(25, 0x003, 0));
	emit_exit();
	vm_done();
	assert_int_equal(g.h.x[10], 0);
	assert_int_equal(g.h.x[11], 0xff);
	assert_int_equal(g.h.x[12], 7);
	assert_int_equal(g.h.x[13], 0x1f);
	assert_int_equal(g.h.x[14], 0x1f);
	assert_int_equal(g.h.x[15], 7);
	assert_int_equal(g.h.x[16], 0x5c);
	assert_int_equal(g.h.x[17], 0x1c);
	assert_int_equal(g.h.x[18], 0x5d);
	assert_int_equal(g.h.x[19], 0x40);
	assert_int_equal(g.h.x[20], 0x00);
	assert_int_equal(g.h.x[21], 0x5f);
	assert_int_equal(g.h.x[22], 0x2);
	assert_int_equal(g.h.x[23], 0xff);
	assert_int_equal(g.h.x[24], 0xff);
	assert_int_equal(g.h.x[25], 0);
	assert_int_equal(g.h.fcsr, 0);

	/* rd == rs1: the old value lands in rd, the new value came from rs1. */
	vm_new();
	g.h.x[5] = 0x41;
	emit(CSRRW(5, 0x003, 5));
	emit(CSRRS(6, 0x003, 0));
	emit_exit();
	vm_done();
	assert_int_equal(g.h.x[5], 0);
	assert_int_equal(g.h.x[6], 0x41);
}

static void test_csr_counters(void **state)
{
	(void)state;
	vm_new();
	g.h.instret = 0x100000005ull;
	emit(CSRRS(10, 0xc02, 0));		/* instret before this one */
	emit(CSRRS(11, 0xc00, 0));		/* cycle == instret */
	emit(ADDI(0, 0, 0));
	emit(CSRRS(12, 0xc82, 0));		/* instreth */
	emit(CSRRSI(13, 0xc80, 0));		/* cycleh, no write */
	emit(CSRRC(14, 0xc02, 0));
	emit_exit();
	vm_done();
	assert_int_equal(g.h.x[10], 5);
	assert_int_equal(g.h.x[11], 6);
	assert_int_equal(g.h.x[12], 1);
	assert_int_equal(g.h.x[13], 1);
	assert_int_equal(g.h.x[14], 10);
	assert_int_equal(g.h.instret, 0x100000005ull + 8);
}

/* ---- faults ----------------------------------------------------------- */

static void expect_illegal(uint32_t word)
{
	char want[100];

	vm_new();
	emit(ADDI(5, 0, 1));
	emit(word);
	emit_exit();
	if (vm_go(100) != RV_EXIT_FAULT)
		fail_msg("word 0x%08x did not fault", word);
	snprintf(want, sizeof(want), "illegal instruction 0x%08x at pc 0x00004004", word);
	assert_string_equal(g.h.fault, want);
	assert_int_equal(g.h.pc, BASE + 4);
	assert_int_equal(g.h.instret, 1);
	assert_int_equal(g.h.x[5], 1);
}

static void test_illegal(void **state)
{
	const uint32_t words[] = {
		0x00000000u, 0xffffffffu,
		0x00000001u,			/* compressed encodings are not supported */
		0x00004501u,
		SLLI(5, 5, 0) | 1u << 25,	/* shamt[5] set */
		SRLI(5, 5, 0) | 0x10u << 25,
		OPR(0x20, 1, 5, 6, 7),		/* "SUB" funct3 1 */
		OPR(0x02, 0, 5, 6, 7),
		0x00003003u,			/* load funct3 3 (LD) */
		0x00003023u,			/* store funct3 3 (SD) */
		BR(2, 5, 6, 8),
		JALR(1, 5, 0) | 1u << 12,
		0x0000200fu,			/* MISC-MEM funct3 2 */
		0x30200073u,			/* mret */
		0x10500073u,			/* wfi */
		0x00200073u,			/* uret */
		CSRRS(5, 0x300, 0),		/* mstatus */
		CSRRS(5, 0xc01, 0),		/* time */
		CSRRS(5, 0x004, 0),
		CSRRW(5, 0xc00, 0),		/* writes to read-only counters */
		CSRRS(5, 0xc02, 6),
		CSRRSI(5, 0xc82, 1),
		CSRRCI(5, 0xc80, 2),
		enc_i(1, 0, 4, 5, 0x73),	/* SYSTEM funct3 4 */
		FLW(1, 2, 0) | 1u << 12,	/* FLD-like widths */
		FSW(1, 2, 0) | 3u << 12,
		FADD(1, 2, 3, 0) | 1u << 25,	/* fadd.d */
		FMADD(1, 2, 3, 4, 0) | 1u << 25,
		FSQRT(1, 2, 0) | 1u << 20,
		FSGNJ(1, 2, 3) | 3u << 12,
		FMIN(1, 2, 3) | 2u << 12,
		FCVT_W_S(1, 2, 0) | 2u << 20,	/* fcvt.l.s */
		FMV_X_W(1, 2) | 2u << 12,
		FMV_X_W(1, 2) | 1u << 20,
		FEQ(1, 2, 3) | 1u << 14,
		FCVT_S_W(1, 2, 0) | 2u << 20,
		FMV_W_X(1, 2) | 1u << 12,
		FPR(0x7f, 0, 1, 2, 3),
		0x0000005bu,			/* custom-2 */
		0x0000002fu,			/* AMO */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		expect_illegal(words[i]);
}

static void test_illegal_not_executed(void **state)
{
	(void)state;
	/* Data words after the code decode to illegal entries but are harmless. */
	vm_new();
	emit(JAL(0, 12));
	emit(0x00000000u);
	emit(0xffffffffu);
	emit(ADDI(5, 0, 9));
	emit_exit();
	emit(0xdeadbeefu);
	vm_done();
	assert_int_equal(g.h.x[5], 9);
}

static void test_ecall_ebreak(void **state)
{
	(void)state;
	vm_new();
	emit(ADDI(5, 0, 1));
	emit(ECALL);
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault, "ecall at pc 0x00004004");
	assert_int_equal(g.h.pc, BASE + 4);
	assert_int_equal(g.h.instret, 1);

	vm_new();
	emit(EBREAK);
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault, "ebreak at pc 0x00004000");
	assert_int_equal(g.h.pc, BASE);
	assert_int_equal(g.h.instret, 0);
}

static void test_pc_outside(void **state)
{
	(void)state;
	/* Falling off the end of the image. */
	vm_new();
	emit(ADDI(5, 0, 1));
	emit(ADDI(6, 0, 2));
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault, "pc 0x00004008 outside the kernel image");
	assert_int_equal(g.h.pc, BASE + 8);
	assert_int_equal(g.h.instret, 2);

	/* Branching before the start. */
	vm_new();
	emit(BEQ(0, 0, -4));
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault, "pc 0x00003ffc outside the kernel image");
	assert_int_equal(g.h.pc, BASE - 4);

	/* A misaligned branch target. */
	vm_new();
	emit(BNE(0, 0, 6));
	emit(BEQ(0, 0, 6));
	emit_exit();
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault, "pc 0x0000400a outside the kernel image");

	/* JAL past the end, with its link written. */
	vm_new();
	emit(JAL(1, 0x800));
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault, "pc 0x00004800 outside the kernel image");
	assert_int_equal(g.h.x[1], BASE + 4);

	/* JALR to a misaligned, to a far and to a wrapped-around address. */
	vm_new();
	emit(JALR(0, 0, 0x402));
	emit_li(5, BASE + 6);
	emit(JALR(0, 5, 0));
	vm_go(100);
	assert_string_equal(g.h.fault, "pc 0x00000402 outside the kernel image");
	g.h.pc = BASE + 4;
	assert_int_equal(rv_run(&g.h, 100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault, "pc 0x00004006 outside the kernel image");

	vm_new();
	g.h.x[5] = 0xfffffff0u;
	emit(JALR(0, 5, 0));
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault, "pc 0xfffffff0 outside the kernel image");

	/* Starting outside: nothing runs. */
	vm_new();
	emit(ADDI(5, 0, 1));
	rv_reset(&g.h, BASE + 2, STACK);
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault, "pc 0x00004002 outside the kernel image");
	assert_int_equal(g.h.instret, 0);
	rv_reset(&g.h, 0, STACK);
	assert_int_equal(rv_run(&g.h, 100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault, "pc 0x00000000 outside the kernel image");

	/* An empty image and no image at all. */
	vm_new();
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	g.h.code = NULL;
	assert_int_equal(rv_run(&g.h, 100), RV_EXIT_FAULT);
}

/* ---- MMIO ------------------------------------------------------------- */

static void test_mmio_ok(void **state)
{
	(void)state;
	vm_new();
	emit(LUI(5, TT_MMIO_BASE));
	emit(LW(10, 5, DEV_DATA));
	emit(LB(11, 5, DEV_NEG));
	emit(LBU(12, 5, DEV_NEG));
	emit(LH(13, 5, DEV_NEG));
	emit(LHU(14, 5, DEV_NEG));
	emit(FLW(1, 5, DEV_DATA));
	emit_li(6, 0x12345678u);
	emit(SH(6, 5, DEV_DATA));
	emit_exit();
	vm_done();
	assert_int_equal(g.h.x[10], 0xcafef00du);
	assert_int_equal(g.h.x[11], 0xffffff81u);
	assert_int_equal(g.h.x[12], 0x81);
	assert_int_equal(g.h.x[13], 0xffff8081u);
	assert_int_equal(g.h.x[14], 0x8081);
	assert_int_equal(g.h.f[1], 0xcafef00du);
	assert_int_equal(g.st_addr, TT_MMIO_BASE + DEV_DATA);
	assert_int_equal(g.st_val, 0x12345678u);
	assert_int_equal(g.st_size, 2);
	assert_int_equal(g.loads, 6);
	assert_int_equal(g.stores, 2);

	/* Past the window is unmapped; FSW goes through the hook. */
	vm_new();
	g.h.f[2] = test_fbits(2.5f);
	emit(LUI(5, TT_MMIO_BASE));
	emit(FSW(2, 5, DEV_DATA));
	emit(LUI(6, TT_MMIO_BASE + TT_MMIO_SIZE));
	emit(LW(10, 6, 0));
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_int_equal(g.st_val, test_fbits(2.5f));
	assert_int_equal(g.st_size, 4);
	assert_string_equal(g.h.fault,
			    "load of 4 bytes from unmapped address 0xffb01000 at pc 0x0000400c");

	/* No hooks: the window is unmapped too. */
	vm_new();
	g.h.mmio_load = NULL;
	emit(LUI(5, TT_MMIO_BASE));
	emit(LW(10, 5, 0));
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault,
			    "load of 4 bytes from unmapped address 0xffb00000 at pc 0x00004004");
}

static void test_mmio_block(void **state)
{
	(void)state;
	vm_new();
	g.block_left = 2;
	emit(LUI(5, TT_MMIO_BASE));
	emit(ADDI(6, 0, 0x55));
	emit(SW(6, 5, DEV_BLOCK));		/* 0x4008 */
	emit(LW(7, 5, DEV_BLOCK));		/* 0x400c */
	emit(ADDI(8, 0, 1));
	emit_exit();
	assert_int_equal(vm_go(1000), RV_EXIT_BLOCKED);
	assert_int_equal(g.h.pc, BASE + 8);
	assert_int_equal(g.h.instret, 2);
	assert_int_equal(g.stores, 1);
	/* Running again retries the store: blocked once more. */
	assert_int_equal(rv_run(&g.h, 1000), RV_EXIT_BLOCKED);
	assert_int_equal(g.h.pc, BASE + 8);
	assert_int_equal(g.h.instret, 2);
	assert_int_equal(g.stores, 2);
	assert_int_equal(g.st_size, 0);
	/* Now it goes through, and so does the load. */
	assert_int_equal(rv_run(&g.h, 1000), RV_EXIT_DONE);
	assert_int_equal(g.st_val, 0x55);
	assert_int_equal(g.h.x[7], 0x600dd00du);
	assert_int_equal(g.h.x[8], 1);
	assert_int_equal(g.h.instret, 7);

	/* A blocked load leaves rd alone. */
	vm_new();
	g.block_left = 1;
	g.h.x[7] = 0x1234;
	emit(LUI(5, TT_MMIO_BASE));
	emit(LW(7, 5, DEV_BLOCK));
	emit_exit();
	assert_int_equal(vm_go(1000), RV_EXIT_BLOCKED);
	assert_int_equal(g.h.x[7], 0x1234);
	assert_int_equal(g.h.pc, BASE + 4);
	assert_int_equal(g.h.instret, 1);
	assert_int_equal(rv_run(&g.h, 1000), RV_EXIT_DONE);
	assert_int_equal(g.h.x[7], 0x600dd00du);
}

/* A hook sees the pc and instret of the access it is asked about. */
static uint32_t seen_pc;
static uint64_t seen_instret;

static enum rv_mmio peek_store(struct rv_hart *h, uint32_t addr, int size, uint32_t val)
{
	(void)addr;
	(void)size;
	(void)val;
	seen_pc = h->pc;
	seen_instret = h->instret;
	return RV_MMIO_EXIT;
}

static void test_mmio_exit(void **state)
{
	(void)state;
	vm_new();
	emit(ADDI(5, 0, 1));
	emit_exit();				/* 0x4004, 0x4008 */
	emit(ADDI(6, 0, 1));
	vm_done();
	assert_int_equal(g.h.pc, BASE + 12);
	assert_int_equal(g.h.instret, 3);
	assert_int_equal(g.h.x[6], 0);

	/* EXIT from a load still writes rd. */
	vm_new();
	emit(LUI(5, TT_MMIO_BASE));
	emit(LW(10, 5, DEV_LDEXIT));
	emit(ADDI(6, 0, 1));
	vm_done();
	assert_int_equal(g.h.x[10], 77);
	assert_int_equal(g.h.pc, BASE + 8);
	assert_int_equal(g.h.instret, 2);
	assert_int_equal(g.h.x[6], 0);

	vm_new();
	g.h.mmio_store = peek_store;
	g.h.instret = 1000;
	emit(ADDI(5, 0, 1));
	emit(ADDI(5, 0, 1));
	emit_exit();
	vm_done();
	assert_int_equal(seen_pc, BASE + 12);
	assert_int_equal(seen_instret, 1003);
	assert_int_equal(g.h.instret, 1004);
}

static void test_mmio_fault(void **state)
{
	(void)state;
	vm_new();
	emit(LUI(5, TT_MMIO_BASE));
	emit(SB(0, 5, DEV_FAULT));
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault, "device says no at pc 0x00004004");
	assert_int_equal(g.h.pc, BASE + 4);
	assert_int_equal(g.h.instret, 1);

	vm_new();
	emit(LUI(5, TT_MMIO_BASE));
	emit(LHU(6, 5, DEV_FAULT));
	assert_int_equal(vm_go(100), RV_EXIT_FAULT);
	assert_string_equal(g.h.fault, "device says no at pc 0x00004004");
	assert_int_equal(g.ld_size, 2);
}

/* ---- quantum and misc ------------------------------------------------- */

static void test_quantum(void **state)
{
	(void)state;
	vm_new();
	emit(ADDI(5, 5, 1));			/* loop: x5++ forever */
	emit(JAL(0, -4));
	assert_int_equal(vm_go(10), RV_EXIT_QUANTUM);
	assert_int_equal(g.h.instret, 10);
	assert_int_equal(g.h.x[5], 5);
	assert_int_equal(g.h.pc, BASE);
	assert_int_equal(rv_run(&g.h, 5), RV_EXIT_QUANTUM);
	assert_int_equal(g.h.instret, 15);
	assert_int_equal(g.h.x[5], 8);
	assert_int_equal(g.h.pc, BASE + 4);
	assert_int_equal(rv_run(&g.h, 0), RV_EXIT_QUANTUM);
	assert_int_equal(g.h.instret, 15);
	assert_int_equal(g.h.pc, BASE + 4);
	assert_int_equal(rv_run(&g.h, 1), RV_EXIT_QUANTUM);
	assert_int_equal(g.h.instret, 16);
	assert_int_equal(g.h.pc, BASE);
	assert_int_equal(rv_run(&g.h, 2000001), RV_EXIT_QUANTUM);
	assert_int_equal(g.h.instret, 2000017);
	assert_int_equal(g.h.x[5], 1000009);

	/* The quantum ends exactly at the exit store: it is not executed. */
	vm_new();
	emit(ADDI(5, 0, 1));
	emit_exit();
	assert_int_equal(vm_go(2), RV_EXIT_QUANTUM);
	assert_int_equal(g.h.pc, BASE + 8);
	assert_int_equal(g.stores, 0);
	assert_int_equal(rv_run(&g.h, 1), RV_EXIT_DONE);
	assert_int_equal(g.h.instret, 3);
}

static void test_reset_decode(void **state)
{
	struct rv_code code;
	uint32_t w = ADDI(5, 0, 1);

	(void)state;
	vm_new();
	g.h.x[7] = 5;
	g.h.f[3] = 5;
	g.h.fcsr = 0xff;
	g.h.instret = 9;
	rv_reset(&g.h, 0x1234, 0x8000);
	assert_int_equal(g.h.x[7], 0);
	assert_int_equal(g.h.f[3], 0);
	assert_int_equal(g.h.fcsr, 0);
	assert_int_equal(g.h.pc, 0x1234);
	assert_int_equal(g.h.x[2], 0x8000);
	assert_ptr_equal(g.h.mem, g.mem);

	assert_int_equal(rv_decode(&code, 0x4002, &w, 1), -EINVAL);
	assert_int_equal(rv_decode(&code, 0xfffffffcu, &w, 1), 0);
	assert_int_equal(code.count, 1);
	rv_code_free(&code);
	assert_null(code.insn);
	rv_code_free(&code);
}

/* ---- robustness ------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	return (uint32_t)(test_rand64(&rng_state) >> 32);
}

static enum rv_mmio any_load(struct rv_hart *h, uint32_t addr, int size, uint32_t *val)
{
	(void)h;
	(void)size;
	*val = addr * 2654435761u;
	return (enum rv_mmio)(rng() % 4);
}

static enum rv_mmio any_store(struct rv_hart *h, uint32_t addr, int size, uint32_t val)
{
	(void)addr;
	(void)size;
	(void)val;
	if (rng() % 4 == 3) {
		memset(h->fault, 'x', sizeof(h->fault));	/* unterminated */
		return RV_MMIO_FAULT;
	}
	return (enum rv_mmio)(rng() % 3);
}

/*
 * Random words, random registers: every run must end in one of the exits,
 * with the pc in the image unless it faulted.
 */
static void test_random_programs(void **state)
{
	static uint8_t small_mem[4096];
	struct rv_code code;
	uint32_t words[64];

	(void)state;
	vm_new();
	for (int prog = 0; prog < 3000; prog++) {
		for (int i = 0; i < 64; i++) {
			uint32_t w = rng();

			/* Bias towards real opcodes. */
			if (i % 2)
				w = (w & ~0x7fu) | (rng() % 2 ? 0x53u : (rng() & 0x7c) | 3);
			words[i] = w;
		}
		assert_int_equal(rv_decode(&code, 0x100, words, 64), 0);
		rv_reset(&g.h, 0x100 + 4 * (rng() % 64), 0x800);
		for (int r = 1; r < 32; r++) {
			g.h.x[r] = rng() % 3 ? rng() % 8192 : rng();
			g.h.f[r] = rng();
		}
		g.h.fcsr = rng() & 0xff;
		g.h.mem = small_mem;
		g.h.mem_size = prog % 7 ? sizeof(small_mem) : rng() % 8;
		g.h.code = &code;
		g.h.mmio_load = any_load;
		g.h.mmio_store = any_store;
		for (int run = 0; run < 4; run++) {
			enum rv_exit e = rv_run(&g.h, 1 + rng() % 200);

			assert_true(e <= RV_EXIT_FAULT);
			if (e == RV_EXIT_FAULT) {
				assert_true(strlen(g.h.fault) < sizeof(g.h.fault));
				break;
			}
			assert_true(g.h.pc - 0x100 <= 4 * 64 && !(g.h.pc & 3));
			assert_int_equal(g.h.x[0], 0);
		}
		assert_int_equal(fegetround(), FE_TONEAREST);
		rv_code_free(&code);
	}
	g.h.mem = g.mem;
	g.h.mem_size = MEM_SIZE;
	g.h.code = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alu_reg),
		cmocka_unit_test(test_alu_imm),
		cmocka_unit_test(test_lui_auipc),
		cmocka_unit_test(test_branches),
		cmocka_unit_test(test_branch_loop),
		cmocka_unit_test(test_jal_jalr),
		cmocka_unit_test(test_loads_stores),
		cmocka_unit_test(test_memory_edges),
		cmocka_unit_test(test_fence_nop),
		cmocka_unit_test(test_x0),
		cmocka_unit_test(test_mul),
		cmocka_unit_test(test_div_rem),
		cmocka_unit_test(test_f_arith),
		cmocka_unit_test(test_f_nan),
		cmocka_unit_test(test_f_minmax),
		cmocka_unit_test(test_f_compare),
		cmocka_unit_test(test_f_sign_move),
		cmocka_unit_test(test_f_class),
		cmocka_unit_test(test_f_flags),
		cmocka_unit_test(test_fcvt_to_int),
		cmocka_unit_test(test_fcvt_rounding),
		cmocka_unit_test(test_fcvt_from_int),
		cmocka_unit_test(test_f_arith_rounding),
		cmocka_unit_test(test_f_bad_rm),
		cmocka_unit_test(test_csr),
		cmocka_unit_test(test_csr_counters),
		cmocka_unit_test(test_illegal),
		cmocka_unit_test(test_illegal_not_executed),
		cmocka_unit_test(test_ecall_ebreak),
		cmocka_unit_test(test_pc_outside),
		cmocka_unit_test(test_mmio_ok),
		cmocka_unit_test(test_mmio_block),
		cmocka_unit_test(test_mmio_exit),
		cmocka_unit_test(test_mmio_fault),
		cmocka_unit_test(test_quantum),
		cmocka_unit_test(test_reset_decode),
		cmocka_unit_test(test_random_programs),
	};
	int failed = cmocka_run_group_tests_name("riscv", tests, NULL, NULL);

	test_teardown_all();
	return failed;
}
