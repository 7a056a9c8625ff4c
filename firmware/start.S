/* SPDX-License-Identifier: MIT */
/*
 * Entry of a firmware image: a stack in the core's local data RAM, .bss
 * cleared, then main(). fw_enter/fw_leave run a kernel on a stack of its
 * own and come back to the firmware when it ends or fails.
 */
	.section .text.start, "ax"
	.globl _start
_start:
	li	sp, FW_STACK_TOP
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sw	zero, 0(t0)
	addi	t0, t0, 4
	j	1b
2:	call	main
3:	j	3b

/* int fw_enter(uint32_t entry, uint32_t sp, uint32_t *save): 0 when the kernel returns. */
	.text
	.globl fw_enter
fw_enter:
	sw	ra, 0(a2)
	sw	sp, 4(a2)
	sw	s0, 8(a2)
	sw	s1, 12(a2)
	sw	s2, 16(a2)
	sw	s3, 20(a2)
	sw	s4, 24(a2)
	sw	s5, 28(a2)
	sw	s6, 32(a2)
	sw	s7, 36(a2)
	sw	s8, 40(a2)
	sw	s9, 44(a2)
	sw	s10, 48(a2)
	sw	s11, 52(a2)
	la	t0, fw_save
	sw	a2, 0(t0)
	mv	sp, a1
	jalr	ra, 0(a0)
	la	t0, fw_save
	lw	a2, 0(t0)
	li	a0, 0
	j	restore

/* void fw_leave(uint32_t *save, int ret): back out of fw_enter, which returns ret. */
	.globl fw_leave
fw_leave:
	mv	a2, a0
	mv	a0, a1
restore:
	lw	ra, 0(a2)
	lw	sp, 4(a2)
	lw	s0, 8(a2)
	lw	s1, 12(a2)
	lw	s2, 16(a2)
	lw	s3, 20(a2)
	lw	s4, 24(a2)
	lw	s5, 28(a2)
	lw	s6, 32(a2)
	lw	s7, 36(a2)
	lw	s8, 40(a2)
	lw	s9, 44(a2)
	lw	s10, 48(a2)
	lw	s11, 52(a2)
	ret

	.section .bss
	.balign 4
fw_save:
	.word	0
