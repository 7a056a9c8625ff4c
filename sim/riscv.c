// SPDX-License-Identifier: MIT
/*
 * RV32IMF interpreter.
 *
 * rv_decode() turns every word of a kernel image into a struct rv_insn once;
 * rv_run() then dispatches on the pre-decoded op with computed gotos (GNU C)
 * or a plain switch. Decoding settles everything that does not depend on
 * register values: immediates are sign-extended, LUI/AUIPC become "load
 * immediate", static branch and JAL targets become word indices into the
 * table, and integer writes to x0 are redirected to the scratch slot x[32]
 * so that x[0] always reads as zero.
 *
 * The table has one extra entry past the image that faults with "pc outside
 * the kernel image", so falling off the end needs no check on the hot path.
 * Jump targets are checked with one compare: the byte offset from the image
 * base is rotated right by two, which moves misaligned offsets far above any
 * valid word index.
 *
 * Floating point runs on the host FPU, in the rounding mode the
 * instruction asks for, with the exception flags the host raises (fp_enter,
 * fp_leave; on x86-64 they accrue in the SSE control register while the
 * hart runs, elsewhere <fenv.h> reads them after each operation).
 * Conversions to integer are done by hand, as is round-to-nearest-max-
 * magnitude, which the host does not provide.
 */
#include "riscv.h"

#include <errno.h>
#include <fenv.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tt_core.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#ifdef __GNUC__
#define likely(c)	__builtin_expect(!!(c), 1)
#define unlikely(c)	__builtin_expect(!!(c), 0)
#define RV_COLD		__attribute__((cold, noinline))
#define RV_NOINLINE	__attribute__((noinline))
#define RV_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#ifndef RV_NO_COMPUTED_GOTO
#define RV_COMPUTED_GOTO 1
#endif
#else
#define likely(c)	(c)
#define unlikely(c)	(c)
#define RV_COLD
#define RV_NOINLINE
#define RV_PRINTF(f, a)
#endif

/*
 * Internal opcodes. The second column names the handler in rv_run(); all
 * floating-point computation shares one out-of-line handler.
 */
#define RV_OPS(X)							\
	X(ILLEGAL, ILLEGAL) X(PCOUT, PCOUT) X(NOP, NOP) X(LI, LI)	\
	X(JAL, JAL) X(JALR, JALR)					\
	X(BEQ, BEQ) X(BNE, BNE) X(BLT, BLT) X(BGE, BGE)			\
	X(BLTU, BLTU) X(BGEU, BGEU)					\
	X(LB, LB) X(LH, LH) X(LW, LW) X(LBU, LBU) X(LHU, LHU)		\
	X(SB, SB) X(SH, SH) X(SW, SW)					\
	X(ADDI, ADDI) X(SLTI, SLTI) X(SLTIU, SLTIU) X(XORI, XORI)	\
	X(ORI, ORI) X(ANDI, ANDI) X(SLLI, SLLI) X(SRLI, SRLI)		\
	X(SRAI, SRAI)							\
	X(ADD, ADD) X(SUB, SUB) X(SLL, SLL) X(SLT, SLT) X(SLTU, SLTU)	\
	X(XOR, XOR) X(SRL, SRL) X(SRA, SRA) X(OR, OR) X(AND, AND)	\
	X(MUL, MUL) X(MULH, MULH) X(MULHSU, MULHSU) X(MULHU, MULHU)	\
	X(DIV, DIV) X(DIVU, DIVU) X(REM, REM) X(REMU, REMU)		\
	X(ECALL, ECALL) X(EBREAK, EBREAK) X(CSR, CSR)			\
	X(FLW, FLW) X(FSW, FSW)						\
	X(FMADD, FP) X(FMSUB, FP) X(FNMSUB, FP) X(FNMADD, FP)		\
	X(FADD, FP) X(FSUB, FP) X(FMUL, FP) X(FDIV, FP) X(FSQRT, FP)	\
	X(FSGNJ, FP) X(FSGNJN, FP) X(FSGNJX, FP) X(FMIN, FP) X(FMAX, FP) \
	X(FCVT_W_S, FP) X(FCVT_WU_S, FP) X(FMV_X_W, FP)			\
	X(FEQ, FP) X(FLT, FP) X(FLE, FP) X(FCLASS, FP)			\
	X(FCVT_S_W, FP) X(FCVT_S_WU, FP) X(FMV_W_X, FP)

enum {
#define RV_ENUM(name, handler) OP_##name,
	RV_OPS(RV_ENUM)
#undef RV_ENUM
	OP_COUNT
};

/* Rounding modes as encoded in instructions and frm. */
enum { RM_RNE = 0, RM_RTZ = 1, RM_RDN = 2, RM_RUP = 3, RM_RMM = 4, RM_DYN = 7 };

/* fflags bits. */
enum { FL_NX = 1, FL_UF = 2, FL_OF = 4, FL_DZ = 8, FL_NV = 16 };

#define CANON_NAN	0x7fc00000u
#define SIGN_BIT	0x80000000u

#define CSR_FFLAGS	0x001
#define CSR_FRM		0x002
#define CSR_FCSR	0x003
#define CSR_CYCLE	0xc00
#define CSR_INSTRET	0xc02
#define CSR_CYCLEH	0xc80
#define CSR_INSTRETH	0xc82

/* ---- small helpers ---------------------------------------------------- */

static inline uint32_t rotr2(uint32_t v)
{
	return (v >> 2) | (v << 30);
}

static inline uint32_t rotl2(uint32_t v)
{
	return (v << 2) | (v >> 30);
}

static inline uint32_t sext8(uint32_t v)
{
	return ((v & 0xffu) ^ 0x80u) - 0x80u;
}

static inline uint32_t sext16(uint32_t v)
{
	return ((v & 0xffffu) ^ 0x8000u) - 0x8000u;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LE16(v)	__builtin_bswap16(v)
#define LE32(v)	__builtin_bswap32(v)
#else
#define LE16(v)	(v)
#define LE32(v)	(v)
#endif

static inline uint32_t ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return LE16(v);
}

static inline uint32_t ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return LE32(v);
}

static inline void st16(uint8_t *p, uint32_t v)
{
	uint16_t w = LE16((uint16_t)v);

	memcpy(p, &w, sizeof(w));
}

static inline void st32(uint8_t *p, uint32_t v)
{
	uint32_t w = LE32(v);

	memcpy(p, &w, sizeof(w));
}

static inline float bits_to_f(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static inline uint32_t f_to_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static inline bool f_is_nan(uint32_t u)
{
	return (u & ~SIGN_BIT) > 0x7f800000u;
}

static inline bool f_is_snan(uint32_t u)
{
	return f_is_nan(u) && !(u & 0x00400000u);
}

static inline bool f_is_inf(uint32_t u)
{
	return (u & ~SIGN_BIT) == 0x7f800000u;
}

static inline bool f_is_zero(uint32_t u)
{
	return (u & ~SIGN_BIT) == 0;
}

static RV_COLD RV_PRINTF(2, 3) void set_fault(struct rv_hart *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->fault, sizeof(h->fault), fmt, ap);
	va_end(ap);
}

/* ---- decoding --------------------------------------------------------- */

static int32_t imm_i(uint32_t w)
{
	return (int32_t)w >> 20;
}

static int32_t imm_s(uint32_t w)
{
	return (int32_t)(((uint32_t)((int32_t)w >> 25) << 5) | ((w >> 7) & 0x1f));
}

static int32_t imm_b(uint32_t w)
{
	uint32_t v = ((uint32_t)((int32_t)w >> 31) << 12) | ((w >> 7) & 1) << 11 |
		     ((w >> 25) & 0x3f) << 5 | ((w >> 8) & 0xf) << 1;

	return (int32_t)v;
}

static int32_t imm_j(uint32_t w)
{
	uint32_t v = ((uint32_t)((int32_t)w >> 31) << 20) | (w & 0x000ff000u) |
		     ((w >> 20) & 1) << 11 | ((w >> 21) & 0x3ff) << 1;

	return (int32_t)v;
}

static bool csr_known(uint32_t csr)
{
	switch (csr) {
	case CSR_FFLAGS: case CSR_FRM: case CSR_FCSR:
	case CSR_CYCLE: case CSR_INSTRET: case CSR_CYCLEH: case CSR_INSTRETH:
		return true;
	default:
		return false;
	}
}

/* Decode the word at address pc of an image starting at base. */
static void decode_one(struct rv_insn *d, uint32_t w, uint32_t pc, uint32_t base)
{
	static const uint8_t branch_ops[8] = {
		OP_BEQ, OP_BNE, OP_ILLEGAL, OP_ILLEGAL, OP_BLT, OP_BGE, OP_BLTU, OP_BGEU,
	};
	static const uint8_t load_ops[8] = {
		OP_LB, OP_LH, OP_LW, OP_ILLEGAL, OP_LBU, OP_LHU, OP_ILLEGAL, OP_ILLEGAL,
	};
	static const uint8_t store_ops[8] = {
		OP_SB, OP_SH, OP_SW, OP_ILLEGAL, OP_ILLEGAL, OP_ILLEGAL, OP_ILLEGAL, OP_ILLEGAL,
	};
	static const uint8_t alu_imm_ops[8] = {
		OP_ADDI, OP_SLLI, OP_SLTI, OP_SLTIU, OP_XORI, OP_SRLI, OP_ORI, OP_ANDI,
	};
	static const uint8_t alu_ops[8] = {
		OP_ADD, OP_SLL, OP_SLT, OP_SLTU, OP_XOR, OP_SRL, OP_OR, OP_AND,
	};
	static const uint8_t mul_ops[8] = {
		OP_MUL, OP_MULH, OP_MULHSU, OP_MULHU, OP_DIV, OP_DIVU, OP_REM, OP_REMU,
	};
	static const uint8_t fma_ops[4] = { OP_FMADD, OP_FMSUB, OP_FNMSUB, OP_FNMADD };
	uint32_t opc = w & 0x7f, f3 = (w >> 12) & 7, f7 = w >> 25;
	uint8_t rd = (w >> 7) & 31, rs1 = (w >> 15) & 31, rs2 = (w >> 20) & 31;
	uint8_t xrd = rd ? rd : 32;
	uint8_t op = OP_ILLEGAL;
	bool int_rd = true;	/* rd names an x register */
	bool uses_rm = false;	/* funct3 is a rounding mode */

	memset(d, 0, sizeof(*d));
	d->raw = w;
	d->rs1 = rs1;
	d->rs2 = rs2;
	d->rs3 = (uint8_t)(w >> 27);
	d->rm = (uint8_t)f3;

	switch (opc) {
	case 0x37:	/* LUI */
		op = OP_LI;
		d->imm = (int32_t)(w & 0xfffff000u);
		break;
	case 0x17:	/* AUIPC */
		op = OP_LI;
		d->imm = (int32_t)(pc + (w & 0xfffff000u));
		break;
	case 0x6f:	/* JAL */
		op = OP_JAL;
		d->imm = (int32_t)rotr2(pc + (uint32_t)imm_j(w) - base);
		break;
	case 0x67:	/* JALR */
		if (f3 == 0) {
			op = OP_JALR;
			d->imm = imm_i(w);
		}
		break;
	case 0x63:	/* branches */
		op = branch_ops[f3];
		d->imm = (int32_t)rotr2(pc + (uint32_t)imm_b(w) - base);
		break;
	case 0x03:	/* loads */
		op = load_ops[f3];
		d->imm = imm_i(w);
		break;
	case 0x23:	/* stores */
		op = store_ops[f3];
		d->imm = imm_s(w);
		break;
	case 0x13:	/* OP-IMM */
		op = alu_imm_ops[f3];
		d->imm = imm_i(w);
		if (f3 == 1) {
			if (f7 != 0)
				op = OP_ILLEGAL;
			d->imm = rs2;
		} else if (f3 == 5) {
			if (f7 == 0x20)
				op = OP_SRAI;
			else if (f7 != 0)
				op = OP_ILLEGAL;
			d->imm = rs2;
		}
		break;
	case 0x33:	/* OP */
		if (f7 == 0) {
			op = alu_ops[f3];
		} else if (f7 == 1) {
			op = mul_ops[f3];
		} else if (f7 == 0x20) {
			if (f3 == 0)
				op = OP_SUB;
			else if (f3 == 5)
				op = OP_SRA;
		}
		break;
	case 0x0f:	/* FENCE, FENCE.I */
		if (f3 == 0 || f3 == 1)
			op = OP_NOP;
		break;
	case 0x73:	/* SYSTEM */
		if (w == 0x00000073u) {
			op = OP_ECALL;
		} else if (w == 0x00100073u) {
			op = OP_EBREAK;
		} else if (f3 != 0 && f3 != 4) {
			uint32_t csr = w >> 20;
			bool writes = (f3 & 3) == 1 || rs1 != 0;

			d->aux = (uint16_t)csr;
			d->imm = rs1;
			if (csr_known(csr) && !(writes && (csr >> 10) == 3))
				op = OP_CSR;
		}
		break;
	case 0x07:	/* FLW */
		if (f3 == 2) {
			op = OP_FLW;
			d->imm = imm_i(w);
			int_rd = false;
		}
		break;
	case 0x27:	/* FSW */
		if (f3 == 2) {
			op = OP_FSW;
			d->imm = imm_s(w);
		}
		break;
	case 0x43: case 0x47: case 0x4b: case 0x4f:	/* fused multiply-add */
		if ((f7 & 3) == 0) {
			op = fma_ops[(opc >> 2) & 3];
			int_rd = false;
			uses_rm = true;
		}
		break;
	case 0x53:	/* OP-FP */
		int_rd = false;
		switch (f7) {
		case 0x00: op = OP_FADD; uses_rm = true; break;
		case 0x04: op = OP_FSUB; uses_rm = true; break;
		case 0x08: op = OP_FMUL; uses_rm = true; break;
		case 0x0c: op = OP_FDIV; uses_rm = true; break;
		case 0x2c:
			if (rs2 == 0) {
				op = OP_FSQRT;
				uses_rm = true;
			}
			break;
		case 0x10:
			if (f3 <= 2)
				op = (uint8_t)(OP_FSGNJ + f3);
			break;
		case 0x14:
			if (f3 <= 1)
				op = (uint8_t)(OP_FMIN + f3);
			break;
		case 0x60:
			if (rs2 <= 1) {
				op = rs2 ? OP_FCVT_WU_S : OP_FCVT_W_S;
				uses_rm = true;
				int_rd = true;
			}
			break;
		case 0x70:
			if (rs2 == 0 && f3 == 0)
				op = OP_FMV_X_W;
			else if (rs2 == 0 && f3 == 1)
				op = OP_FCLASS;
			int_rd = true;
			break;
		case 0x50:
			if (f3 == 2)
				op = OP_FEQ;
			else if (f3 == 1)
				op = OP_FLT;
			else if (f3 == 0)
				op = OP_FLE;
			int_rd = true;
			break;
		case 0x68:
			if (rs2 <= 1) {
				op = rs2 ? OP_FCVT_S_WU : OP_FCVT_S_W;
				uses_rm = true;
			}
			break;
		case 0x78:
			if (rs2 == 0 && f3 == 0)
				op = OP_FMV_W_X;
			break;
		default:
			break;
		}
		break;
	default:
		break;
	}

	/* Reserved static rounding modes; 7 (dynamic) is checked when run. */
	if (uses_rm && (f3 == 5 || f3 == 6))
		op = OP_ILLEGAL;
	d->op = op;
	d->rd = int_rd ? xrd : rd;
}

int rv_decode(struct rv_code *code, uint32_t base, const uint32_t *words, uint32_t count)
{
	struct rv_insn *insn;
	uint32_t i;

	code->base = base;
	code->count = 0;
	code->insn = NULL;
	/* Word indices must fit the rotate trick used for jump targets. */
	if ((base & 3) || (uint64_t)base + 4ull * count > (1ull << 32))
		return -EINVAL;
	insn = calloc((size_t)count + 1, sizeof(*insn));
	if (!insn)
		return -ENOMEM;
	for (i = 0; i < count; i++)
		decode_one(&insn[i], words[i], base + 4 * i, base);
	insn[count].op = OP_PCOUT;
	code->count = count;
	code->insn = insn;
	return 0;
}

void rv_code_free(struct rv_code *code)
{
	free(code->insn);
	code->insn = NULL;
	code->count = 0;
}

void rv_reset(struct rv_hart *h, uint32_t pc, uint32_t sp)
{
	memset(h->x, 0, sizeof(h->x));
	memset(h->f, 0, sizeof(h->f));
	h->fcsr = 0;
	h->pc = pc;
	h->x[2] = sp;
	h->fault[0] = '\0';
}

/* ---- floating point --------------------------------------------------- */

static int host_flags_to_rv(int ex)
{
	int fl = 0;

	if (ex & FE_INVALID)
		fl |= FL_NV;
	if (ex & FE_DIVBYZERO)
		fl |= FL_DZ;
	if (ex & FE_OVERFLOW)
		fl |= FL_OF;
	if (ex & FE_UNDERFLOW)
		fl |= FL_UF;
	if (ex & FE_INEXACT)
		fl |= FL_NX;
	return fl;
}

/*
 * One host operation in rounding mode `mode` (FE_*): fp_enter sets it,
 * fp_leave restores the mode and returns the flags raised (FE_*) that are
 * not kept in the host's register until fp_fold.
 *
 * On x86-64 float arithmetic runs on SSE, whose MXCSR register has the
 * FE_* flags in its low bits and the rounding mode at bit 13. While a hart
 * runs, MXCSR holds the hart's environment from its first F instruction
 * on (fp_begin): round to nearest, and the flags the hart's operations
 * raised since. fp_fold moves those flags into fcsr and gives the host its
 * MXCSR back; rv_run folds before anything reads fcsr, before an MMIO
 * hook runs host code and when it returns. So an operation in the usual
 * mode costs no MXCSR access at all; one in another mode switches the
 * mode around itself, and host computations on the side that raise flags
 * of their own (fp_side_begin, fp_side_end) put the flags back after.
 *
 * Elsewhere <fenv.h> does it per operation, and fp_begin/fp_fold do nothing.
 */
struct fp_host {
	bool live;		/* the host's register holds the hart's environment */
	unsigned int csr;	/* the host's own, to give back */
};

#if defined(__x86_64__)
_Static_assert(FE_INVALID == 0x01 && FE_DIVBYZERO == 0x04 && FE_OVERFLOW == 0x08 &&
	       FE_UNDERFLOW == 0x10 && FE_INEXACT == 0x20 && FE_TOWARDZERO == 0xc00,
	       "x86-64 FE_* values");
#define MXCSR_FLAGS	0x3fu
#define MXCSR_ROUND	0x6000u

static inline void fp_begin(struct fp_host *s)
{
	if (s->live)
		return;
	s->csr = _mm_getcsr();
	_mm_setcsr(s->csr & ~(MXCSR_FLAGS | MXCSR_ROUND));
	s->live = true;
}

static inline void fp_fold(struct rv_hart *h, struct fp_host *s)
{
	if (!s->live)
		return;
	h->fcsr |= (uint32_t)host_flags_to_rv((int)(_mm_getcsr() & (FE_ALL_EXCEPT & MXCSR_FLAGS)));
	_mm_setcsr(s->csr);
	s->live = false;
}

struct fp_env {
	int mode;
};

static inline void fp_enter(struct fp_env *e, int mode)
{
	e->mode = mode;
	if (mode != FE_TONEAREST)
		_mm_setcsr(_mm_getcsr() | ((unsigned int)mode << 3));
}

static inline int fp_leave(const struct fp_env *e)
{
	if (e->mode != FE_TONEAREST)
		_mm_setcsr(_mm_getcsr() & ~MXCSR_ROUND);
	return 0;
}

static inline unsigned int fp_side_begin(void)
{
	return _mm_getcsr();
}

static inline void fp_side_end(unsigned int saved)
{
	_mm_setcsr(saved);
}
#else
static inline void fp_begin(struct fp_host *s)
{
	(void)s;
}

static inline void fp_fold(struct rv_hart *h, struct fp_host *s)
{
	(void)h;
	(void)s;
}

struct fp_env {
	int saved, mode;
};

static inline void fp_enter(struct fp_env *e, int mode)
{
	e->saved = fegetround();
	e->mode = mode;
	if (mode != e->saved)
		fesetround(mode);
	feclearexcept(FE_ALL_EXCEPT);
}

static inline int fp_leave(const struct fp_env *e)
{
	int ex = fetestexcept(FE_ALL_EXCEPT);

	if (e->mode != e->saved)
		fesetround(e->saved);
	return ex;
}

static inline unsigned int fp_side_begin(void)
{
	return 0;
}

static inline void fp_side_end(unsigned int saved)
{
	(void)saved;
}
#endif

static int host_round(int rm)
{
	switch (rm) {
	case RM_RTZ: return FE_TOWARDZERO;
	case RM_RDN: return FE_DOWNWARD;
	case RM_RUP: return FE_UPWARD;
	default: return FE_TONEAREST;
	}
}

/*
 * Does the exact value d lie exactly halfway between two adjacent floats?
 * Treats the float exponent range as unbounded above and allows subnormals
 * below; d is nonzero and finite here.
 */
static bool float_tie(double d)
{
	double q;
	int e, ulp_exp;
	int64_t n;

	if (d == 0 || !isfinite(d))
		return false;
	frexp(d, &e);			/* 2^(e-1) <= |d| < 2^e */
	ulp_exp = e - 24;		/* a float there has its last bit at 2^(e-24) */
	if (ulp_exp < -149)
		ulp_exp = -149;
	q = ldexp(d < 0 ? -d : d, 1 - ulp_exp);	/* 2|d| / ulp, below 2^25 */
	n = (int64_t)q;
	return (double)n == q && (n & 1);
}

/*
 * Round-to-nearest, ties to max magnitude, differs from ties-to-even only
 * when the exact result is a tie. Work the exact result out in double (if
 * the double operation is inexact the result has too many bits to be a tie)
 * and pick the host mode that gives the same answer.
 */
static int rmm_host_mode(unsigned int op, uint32_t a, uint32_t b, uint32_t c)
{
	volatile double da = bits_to_f(a), db = bits_to_f(b), dc = bits_to_f(c);
	volatile double d = 0;
	int saved = fegetround(), inexact;

	if (op == OP_FSQRT)		/* a square root of a float is never a tie */
		return FE_TONEAREST;
	if (saved != FE_TONEAREST)
		fesetround(FE_TONEAREST);
	feclearexcept(FE_ALL_EXCEPT);
	switch (op) {
	case OP_FADD: d = da + db; break;
	case OP_FSUB: d = da - db; break;
	case OP_FMUL: d = da * db; break;
	case OP_FDIV: d = da / db; break;
	case OP_FMADD: d = fma(da, db, dc); break;
	case OP_FMSUB: d = fma(da, db, -dc); break;
	case OP_FNMSUB: d = fma(-da, db, dc); break;
	case OP_FNMADD: d = fma(-da, db, -dc); break;
	default: break;
	}
	inexact = fetestexcept(FE_INEXACT);
	if (saved != FE_TONEAREST)
		fesetround(saved);
	if (inexact || !float_tie(d))
		return FE_TONEAREST;
	return d > 0 ? FE_UPWARD : FE_DOWNWARD;
}

/* FADD..FSQRT and the fused ops: result bits, flags accrued into fcsr. */
static uint32_t fp_arith(struct rv_hart *h, unsigned int op, int rm,
			 uint32_t a, uint32_t b, uint32_t c)
{
	volatile float va = bits_to_f(a), vb = bits_to_f(b), vc = bits_to_f(c);
	volatile float vr = 0;
	struct fp_env env;
	uint32_t r;
	int fl, mode = host_round(rm);

	if (rm == RM_RMM) {
		unsigned int side = fp_side_begin();

		mode = rmm_host_mode(op, a, b, c);
		fp_side_end(side);
	}
	fp_enter(&env, mode);
	switch (op) {
	case OP_FADD: vr = va + vb; break;
	case OP_FSUB: vr = va - vb; break;
	case OP_FMUL: vr = va * vb; break;
	case OP_FDIV: vr = va / vb; break;
	case OP_FSQRT: vr = sqrtf(va); break;
	case OP_FMADD: vr = fmaf(va, vb, vc); break;
	case OP_FMSUB: vr = fmaf(va, vb, -vc); break;
	case OP_FNMSUB: vr = fmaf(-va, vb, vc); break;
	case OP_FNMADD: vr = fmaf(-va, vb, -vc); break;
	default: break;
	}
	fl = host_flags_to_rv(fp_leave(&env));
	/* 0 * inf is invalid in a fused op even when the addend is a quiet NaN. */
	if (op >= OP_FMADD && op <= OP_FNMADD &&
	    ((f_is_inf(a) && f_is_zero(b)) || (f_is_zero(a) && f_is_inf(b))))
		fl |= FL_NV;
	h->fcsr |= (uint32_t)fl;
	r = f_to_bits(vr);
	return f_is_nan(r) ? CANON_NAN : r;
}

/* FCVT.S.W and FCVT.S.WU. */
static uint32_t fp_from_int(struct rv_hart *h, int rm, uint32_t v, bool is_signed)
{
	volatile int32_t vs = (int32_t)v;
	volatile uint32_t vu = v;
	volatile float vr;
	struct fp_env env;
	int mode;

	if (rm == RM_RMM) {
		double d = is_signed ? (double)(int32_t)v : (double)v;
		unsigned int side = fp_side_begin();

		mode = float_tie(d) ? (d > 0 ? FE_UPWARD : FE_DOWNWARD) : FE_TONEAREST;
		fp_side_end(side);
	} else {
		mode = host_round(rm);
	}
	fp_enter(&env, mode);
	if (is_signed)
		vr = (float)vs;
	else
		vr = (float)vu;
	h->fcsr |= (uint32_t)host_flags_to_rv(fp_leave(&env));
	return f_to_bits(vr);
}

/* Round d (finite or infinite, not NaN) to an integer in mode rm. */
static double round_to_int(double d, int rm)
{
	double t, frac, af, one;

	if (!(d > -4503599627370496.0 && d < 4503599627370496.0))
		return d;			/* infinite, or integral already */
	t = (double)(int64_t)d;			/* toward zero */
	frac = d - t;
	af = frac < 0 ? -frac : frac;
	one = d < 0 ? -1.0 : 1.0;
	switch (rm) {
	case RM_RTZ:
		return t;
	case RM_RDN:
		return frac < 0 ? t - 1 : t;
	case RM_RUP:
		return frac > 0 ? t + 1 : t;
	case RM_RMM:
		return af >= 0.5 ? t + one : t;
	default:
		if (af > 0.5 || (af == 0.5 && ((int64_t)t & 1)))
			return t + one;
		return t;
	}
}

/* FCVT.W.S and FCVT.WU.S. */
static uint32_t fp_to_int(struct rv_hart *h, int rm, uint32_t a, bool is_signed)
{
	double d, r;
	uint32_t v;

	if (f_is_nan(a)) {
		h->fcsr |= FL_NV;
		return is_signed ? 0x7fffffffu : 0xffffffffu;
	}
	d = bits_to_f(a);
	r = round_to_int(d, rm);
	if (is_signed) {
		if (r < -2147483648.0) {
			h->fcsr |= FL_NV;
			return 0x80000000u;
		}
		if (r > 2147483647.0) {
			h->fcsr |= FL_NV;
			return 0x7fffffffu;
		}
		v = (uint32_t)(int32_t)r;
	} else {
		if (r < 0) {
			h->fcsr |= FL_NV;
			return 0;
		}
		if (r > 4294967295.0) {
			h->fcsr |= FL_NV;
			return 0xffffffffu;
		}
		v = (uint32_t)r;
	}
	if (r != d)
		h->fcsr |= FL_NX;
	return v;
}

static uint32_t fp_minmax(struct rv_hart *h, uint32_t a, uint32_t b, bool is_max)
{
	bool na = f_is_nan(a), nb = f_is_nan(b);
	float fa, fb;

	if (f_is_snan(a) || f_is_snan(b))
		h->fcsr |= FL_NV;
	if (na && nb)
		return CANON_NAN;
	if (na)
		return b;
	if (nb)
		return a;
	fa = bits_to_f(a);
	fb = bits_to_f(b);
	if (fa == fb)			/* equal, or zeros of either sign */
		return is_max ? (a & b) : (a | b);
	if (is_max)
		return fa > fb ? a : b;
	return fa < fb ? a : b;
}

static uint32_t fp_compare(struct rv_hart *h, unsigned int op, uint32_t a, uint32_t b)
{
	float fa, fb;

	if (f_is_nan(a) || f_is_nan(b)) {
		if (op != OP_FEQ || f_is_snan(a) || f_is_snan(b))
			h->fcsr |= FL_NV;
		return 0;
	}
	fa = bits_to_f(a);
	fb = bits_to_f(b);
	if (op == OP_FEQ)
		return fa == fb;
	if (op == OP_FLT)
		return fa < fb;
	return fa <= fb;
}

static uint32_t fp_class(uint32_t a)
{
	uint32_t exp = (a >> 23) & 0xff, man = a & 0x7fffffu;
	bool neg = a >> 31;

	if (exp == 0xff) {
		if (man == 0)
			return neg ? 1u << 0 : 1u << 7;
		return (man & 0x400000u) ? 1u << 9 : 1u << 8;
	}
	if (exp == 0) {
		if (man == 0)
			return neg ? 1u << 3 : 1u << 4;
		return neg ? 1u << 2 : 1u << 5;
	}
	return neg ? 1u << 1 : 1u << 6;
}

/*
 * Execute one F instruction other than FLW/FSW. Returns -1 if it is illegal
 * after all (dynamic rounding mode with an invalid frm, or an unknown op).
 * Out of the loop, but not cold: kernels that compute in float run it often.
 */
static RV_NOINLINE int fp_exec(struct rv_hart *h, const struct rv_insn *in)
{
	uint32_t a = h->f[in->rs1], b = h->f[in->rs2], c = h->f[in->rs3];
	unsigned int op = in->op;
	int rm = in->rm;

	if (rm == RM_DYN)
		rm = (int)((h->fcsr >> 5) & 7);

	switch (op) {
	case OP_FMADD: case OP_FMSUB: case OP_FNMSUB: case OP_FNMADD:
	case OP_FADD: case OP_FSUB: case OP_FMUL: case OP_FDIV: case OP_FSQRT:
		if (rm > RM_RMM)
			return -1;
		h->f[in->rd] = fp_arith(h, op, rm, a, b, c);
		break;
	case OP_FSGNJ:
		h->f[in->rd] = (a & ~SIGN_BIT) | (b & SIGN_BIT);
		break;
	case OP_FSGNJN:
		h->f[in->rd] = (a & ~SIGN_BIT) | (~b & SIGN_BIT);
		break;
	case OP_FSGNJX:
		h->f[in->rd] = a ^ (b & SIGN_BIT);
		break;
	case OP_FMIN:
	case OP_FMAX:
		h->f[in->rd] = fp_minmax(h, a, b, op == OP_FMAX);
		break;
	case OP_FCVT_W_S:
	case OP_FCVT_WU_S: {
		unsigned int side;

		if (rm > RM_RMM)
			return -1;
		/* fp_to_int sets the flags itself; its host arithmetic raises others. */
		side = fp_side_begin();
		h->x[in->rd] = fp_to_int(h, rm, a, op == OP_FCVT_W_S);
		fp_side_end(side);
		break;
	}
	case OP_FMV_X_W:
		h->x[in->rd] = a;
		break;
	case OP_FEQ: case OP_FLT: case OP_FLE:
		h->x[in->rd] = fp_compare(h, op, a, b);
		break;
	case OP_FCLASS:
		h->x[in->rd] = fp_class(a);
		break;
	case OP_FCVT_S_W:
	case OP_FCVT_S_WU:
		if (rm > RM_RMM)
			return -1;
		h->f[in->rd] = fp_from_int(h, rm, h->x[in->rs1], op == OP_FCVT_S_W);
		break;
	case OP_FMV_W_X:
		h->f[in->rd] = h->x[in->rs1];
		break;
	default:
		return -1;
	}
	return 0;
}

/* ---- CSRs and memory slow paths ---------------------------------------- */

/*
 * rv_run() counts the instructions it has started in `n`, the current one
 * included, so start + n - 1 have retired before it. The helpers do that
 * sum themselves to keep the hot loop down to the one counter.
 */
static RV_COLD void sync_hart(struct rv_hart *h, uint32_t pc, uint64_t start, uint64_t n)
{
	h->pc = pc;
	h->instret = start + n - 1;
}

/* Read, and if the instruction says so write, a CSR; returns the old value. */
static RV_COLD uint32_t csr_access(struct rv_hart *h, const struct rv_insn *in, uint32_t src,
				   uint64_t start, uint64_t n)
{
	uint64_t instret = start + n - 1;
	uint32_t old, val, f3 = in->rm;

	switch (in->aux) {
	case CSR_FFLAGS: old = h->fcsr & 0x1f; break;
	case CSR_FRM: old = (h->fcsr >> 5) & 7; break;
	case CSR_FCSR: old = h->fcsr & 0xff; break;
	case CSR_CYCLE: case CSR_INSTRET: return (uint32_t)instret;
	default: return (uint32_t)(instret >> 32);	/* CYCLEH, INSTRETH */
	}
	if ((f3 & 3) == 1)
		val = src;
	else if (in->rs1 == 0)
		return old;
	else if ((f3 & 3) == 2)
		val = old | src;
	else
		val = old & ~src;

	switch (in->aux) {
	case CSR_FFLAGS: h->fcsr = (h->fcsr & ~0x1fu) | (val & 0x1f); break;
	case CSR_FRM: h->fcsr = (h->fcsr & 0x1f) | (val & 7) << 5; break;
	default: h->fcsr = val & 0xff; break;
	}
	return old;
}

static bool in_mmio(uint32_t addr)
{
	return addr - TT_MMIO_BASE < TT_MMIO_SIZE;
}

static void mmio_fault_pc(struct rv_hart *h, enum rv_mmio r, uint32_t pc)
{
	size_t n;

	if (r != RV_MMIO_FAULT) {
		set_fault(h, "MMIO hook returned %d at pc 0x%08x", (int)r, pc);
		return;
	}
	h->fault[sizeof(h->fault) - 1] = '\0';
	n = strlen(h->fault);
	if (n + 1 < sizeof(h->fault))
		snprintf(h->fault + n, sizeof(h->fault) - n, " at pc 0x%08x", pc);
}

static RV_COLD enum rv_mmio slow_load(struct rv_hart *h, uint32_t addr, int size,
				      uint32_t *val, uint32_t pc)
{
	enum rv_mmio r;

	*val = 0;
	if (in_mmio(addr) && h->mmio_load) {
		r = h->mmio_load(h, addr, size, val);
		if (r == RV_MMIO_OK || r == RV_MMIO_BLOCK || r == RV_MMIO_EXIT)
			return r;
		mmio_fault_pc(h, r, pc);
		return RV_MMIO_FAULT;
	}
	set_fault(h, "load of %d bytes from unmapped address 0x%08x at pc 0x%08x",
		  size, addr, pc);
	return RV_MMIO_FAULT;
}

static RV_COLD enum rv_mmio slow_store(struct rv_hart *h, uint32_t addr, int size,
				       uint32_t val, uint32_t pc)
{
	enum rv_mmio r;

	if (in_mmio(addr) && h->mmio_store) {
		r = h->mmio_store(h, addr, size, val);
		if (r == RV_MMIO_OK || r == RV_MMIO_BLOCK || r == RV_MMIO_EXIT)
			return r;
		mmio_fault_pc(h, r, pc);
		return RV_MMIO_FAULT;
	}
	set_fault(h, "store of %d bytes to unmapped address 0x%08x at pc 0x%08x",
		  size, addr, pc);
	return RV_MMIO_FAULT;
}

/* ---- the interpreter loop ---------------------------------------------- */

enum rv_exit rv_run(struct rv_hart *h, uint64_t max_insns)
{
#ifdef RV_COMPUTED_GOTO
	static const void *const handlers[OP_COUNT] = {
#define RV_LABEL(name, handler) [OP_##name] = &&L_##handler,
		RV_OPS(RV_LABEL)
#undef RV_LABEL
	};
#endif
	const struct rv_code *code = h->code;
	const struct rv_insn *insn, *ip;
	uint32_t *const x = h->x;
	uint32_t *const f = h->f;
	uint8_t *const mem = h->mem;
	const uint32_t msize = h->mem_size;
	/* addr < limN <=> an N-byte access at addr lies inside memory */
	const uint32_t lim1 = msize;
	const uint32_t lim2 = msize >= 1 ? msize - 1 : 0;
	const uint32_t lim4 = msize >= 3 ? msize - 3 : 0;
	uint32_t *const regs = h->regs;
	const uint32_t regs_base = h->regs_base, regs_lim = regs ? 4 * h->nregs : 0;
	const uint64_t start = h->instret;
	struct fp_host fph = { .live = false };
	uint64_t n = 0;
	uint32_t base, count, bad_pc;
	enum rv_exit rc;
	enum rv_mmio mr;

	if (max_insns == 0)
		return RV_EXIT_QUANTUM;
	if (!code || !code->insn) {
		set_fault(h, "pc 0x%08x outside the kernel image", h->pc);
		return RV_EXIT_FAULT;
	}
	insn = code->insn;
	base = code->base;
	count = code->count;
	{
		uint32_t i = rotr2(h->pc - base);

		if (i >= count) {
			set_fault(h, "pc 0x%08x outside the kernel image", h->pc);
			return RV_EXIT_FAULT;
		}
		ip = insn + i;
	}

#define PC()	(base + ((uint32_t)(ip - insn) << 2))
/* Let a hook see where the hart is (pc of, and instret before, this insn) and fcsr. */
#define SYNC()	(fp_fold(h, &fph), sync_hart(h, PC(), start, n))
#define JUMP_IDX(i)							\
	do {								\
		uint32_t i_ = (i);					\
		if (unlikely(i_ >= count)) {				\
			bad_pc = base + rotl2(i_);			\
			goto bad_target;				\
		}							\
		ip = insn + i_;						\
	} while (0)
#define BRANCH(cond)							\
	do {								\
		if (cond)						\
			JUMP_IDX((uint32_t)ip->imm);			\
		else							\
			ip++;						\
		NEXT;							\
	} while (0)
#define ALU(expr)							\
	do {								\
		x[ip->rd] = (expr);					\
		ip++;							\
		NEXT;							\
	} while (0)
#define RS1	x[ip->rs1]
#define RS2	x[ip->rs2]
#define IMM	((uint32_t)ip->imm)

/* A plain MMIO register (rv_hart.regs) the access of `size` bytes at a_ names, or NULL. */
#define REG(a_, size)							\
	((size) == 4 && (a_) - regs_base < regs_lim && !((a_) & 3) ?	\
	 regs + (((a_) - regs_base) >> 2) : NULL)
#define LOAD(lim, size, dst, fast, conv)				\
	do {								\
		uint32_t a_ = RS1 + IMM, v_, *r_;			\
		if (likely(a_ < (lim))) {				\
			v_ = fast(mem + a_);				\
			dst[ip->rd] = conv(v_);				\
			ip++;						\
			NEXT;						\
		}							\
		r_ = REG(a_, size);					\
		if (r_) {						\
			dst[ip->rd] = conv(*r_);			\
			ip++;						\
			NEXT;						\
		}							\
		SYNC();							\
		mr = slow_load(h, a_, (size), &v_, PC());		\
		if (mr == RV_MMIO_BLOCK || mr == RV_MMIO_FAULT)		\
			goto mmio_stop;					\
		dst[ip->rd] = conv(v_);					\
		ip++;							\
		if (mr == RV_MMIO_EXIT)					\
			goto done;					\
		NEXT;							\
	} while (0)
#define STORE(lim, size, val, fast)					\
	do {								\
		uint32_t a_ = RS1 + IMM, *r_;				\
		if (likely(a_ < (lim))) {				\
			fast(mem + a_, (val));				\
			ip++;						\
			NEXT;						\
		}							\
		r_ = REG(a_, size);					\
		if (r_) {						\
			*r_ = (val);					\
			ip++;						\
			NEXT;						\
		}							\
		SYNC();							\
		mr = slow_store(h, a_, (size), (val), PC());		\
		if (mr == RV_MMIO_BLOCK || mr == RV_MMIO_FAULT)		\
			goto mmio_stop;					\
		ip++;							\
		if (mr == RV_MMIO_EXIT)					\
			goto done;					\
		NEXT;							\
	} while (0)
#define LD8(p)		((uint32_t)*(p))
#define ST8(p, v)	(*(p) = (uint8_t)(v))
#define AS_IS(v)	(v)

#ifdef RV_COMPUTED_GOTO
#define OP(name)	L_##name:
#define NEXT								\
	do {								\
		if (unlikely(n == max_insns))				\
			goto quantum;					\
		n++;							\
		goto *handlers[ip->op];					\
	} while (0)

	NEXT;
#else
#define OP(name)	case OP_##name:
#define NEXT		goto next

next:
	if (unlikely(n == max_insns))
		goto quantum;
	n++;
	switch (ip->op) {
#endif

	OP(LI)		ALU(IMM);
	OP(ADDI)	ALU(RS1 + IMM);
	OP(SLTI)	ALU((int32_t)RS1 < ip->imm);
	OP(SLTIU)	ALU(RS1 < IMM);
	OP(XORI)	ALU(RS1 ^ IMM);
	OP(ORI)		ALU(RS1 | IMM);
	OP(ANDI)	ALU(RS1 & IMM);
	OP(SLLI)	ALU(RS1 << ip->imm);
	OP(SRLI)	ALU(RS1 >> ip->imm);
	OP(SRAI)	ALU((uint32_t)((int32_t)RS1 >> ip->imm));
	OP(ADD)		ALU(RS1 + RS2);
	OP(SUB)		ALU(RS1 - RS2);
	OP(SLL)		ALU(RS1 << (RS2 & 31));
	OP(SLT)		ALU((int32_t)RS1 < (int32_t)RS2);
	OP(SLTU)	ALU(RS1 < RS2);
	OP(XOR)		ALU(RS1 ^ RS2);
	OP(SRL)		ALU(RS1 >> (RS2 & 31));
	OP(SRA)		ALU((uint32_t)((int32_t)RS1 >> (RS2 & 31)));
	OP(OR)		ALU(RS1 | RS2);
	OP(AND)		ALU(RS1 & RS2);

	OP(MUL)		ALU(RS1 * RS2);
	OP(MULH)	ALU((uint32_t)((uint64_t)((int64_t)(int32_t)RS1 *
						  (int64_t)(int32_t)RS2) >> 32));
	OP(MULHSU)	ALU((uint32_t)((uint64_t)((int64_t)(int32_t)RS1 *
						  (int64_t)(uint64_t)RS2) >> 32));
	OP(MULHU)	ALU((uint32_t)(((uint64_t)RS1 * RS2) >> 32));
	OP(DIV) {
		uint32_t a = RS1, b = RS2;

		if (unlikely(b == 0))
			ALU(0xffffffffu);
		if (unlikely(a == 0x80000000u && b == 0xffffffffu))
			ALU(a);
		ALU((uint32_t)((int32_t)a / (int32_t)b));
	}
	OP(DIVU) {
		uint32_t a = RS1, b = RS2;

		ALU(b ? a / b : 0xffffffffu);
	}
	OP(REM) {
		uint32_t a = RS1, b = RS2;

		if (unlikely(b == 0))
			ALU(a);
		if (unlikely(a == 0x80000000u && b == 0xffffffffu))
			ALU(0);
		ALU((uint32_t)((int32_t)a % (int32_t)b));
	}
	OP(REMU) {
		uint32_t a = RS1, b = RS2;

		ALU(b ? a % b : a);
	}

	OP(BEQ)		BRANCH(RS1 == RS2);
	OP(BNE)		BRANCH(RS1 != RS2);
	OP(BLT)		BRANCH((int32_t)RS1 < (int32_t)RS2);
	OP(BGE)		BRANCH((int32_t)RS1 >= (int32_t)RS2);
	OP(BLTU)	BRANCH(RS1 < RS2);
	OP(BGEU)	BRANCH(RS1 >= RS2);
	OP(JAL) {
		x[ip->rd] = PC() + 4;
		JUMP_IDX(IMM);
		NEXT;
	}
	OP(JALR) {
		uint32_t t = (RS1 + IMM) & ~1u;

		x[ip->rd] = PC() + 4;
		JUMP_IDX(rotr2(t - base));
		NEXT;
	}

	OP(LB)		LOAD(lim1, 1, x, LD8, sext8);
	OP(LH)		LOAD(lim2, 2, x, ld16, sext16);
	OP(LW)		LOAD(lim4, 4, x, ld32, AS_IS);
	OP(LBU)		LOAD(lim1, 1, x, LD8, (uint8_t));
	OP(LHU)		LOAD(lim2, 2, x, ld16, (uint16_t));
	OP(SB)		STORE(lim1, 1, RS2, ST8);
	OP(SH)		STORE(lim2, 2, RS2, st16);
	OP(SW)		STORE(lim4, 4, RS2, st32);
	OP(FLW)		LOAD(lim4, 4, f, ld32, AS_IS);
	OP(FSW)		STORE(lim4, 4, f[ip->rs2], st32);

	OP(NOP) {
		ip++;
		NEXT;
	}
	OP(CSR) {
		uint32_t src = (ip->rm & 4) ? IMM : RS1;

		fp_fold(h, &fph);
		ALU(csr_access(h, ip, src, start, n));
	}
	OP(ECALL) {
		set_fault(h, "ecall at pc 0x%08x", PC());
		goto fault;
	}
	OP(EBREAK) {
		set_fault(h, "ebreak at pc 0x%08x", PC());
		goto fault;
	}
	OP(PCOUT) {
		set_fault(h, "pc 0x%08x outside the kernel image", PC());
		goto fault;
	}
	OP(ILLEGAL)
		goto illegal;

#ifdef RV_COMPUTED_GOTO
L_FP:
#else
	default:
#endif
	fp_begin(&fph);
	if (unlikely(fp_exec(h, ip) != 0))
		goto illegal;
	ip++;
	NEXT;

#ifndef RV_COMPUTED_GOTO
	}
#endif

illegal:
	set_fault(h, "illegal instruction 0x%08x at pc 0x%08x", ip->raw, PC());
fault:
	n--;				/* the faulting instruction did not retire */
	rc = RV_EXIT_FAULT;
	goto out;
mmio_stop:
	n--;
	rc = mr == RV_MMIO_BLOCK ? RV_EXIT_BLOCKED : RV_EXIT_FAULT;
	goto out;
done:
	rc = RV_EXIT_DONE;
	goto out;
quantum:
	rc = RV_EXIT_QUANTUM;
out:
	fp_fold(h, &fph);
	h->pc = PC();
	h->instret = start + n;
	return rc;
bad_target:
	/* The jump retired; fetching at its target is what failed. */
	fp_fold(h, &fph);
	set_fault(h, "pc 0x%08x outside the kernel image", bad_pc);
	h->pc = bad_pc;
	h->instret = start + n;
	return RV_EXIT_FAULT;

#undef PC
#undef SYNC
#undef JUMP_IDX
#undef BRANCH
#undef ALU
#undef RS1
#undef RS2
#undef IMM
#undef REG
#undef LOAD
#undef STORE
#undef LD8
#undef ST8
#undef AS_IS
#undef OP
#undef NEXT
}
