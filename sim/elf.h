/* SPDX-License-Identifier: MIT */
/* Loader for RV32 kernel images: checks an ELF file and lists what to copy. */
#ifndef SIM_ELF_H
#define SIM_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 8

struct elf_segment {
	uint32_t vaddr;
	uint32_t filesz;	/* bytes copied from data */
	uint32_t memsz;		/* the rest, up to memsz, is zero */
	const uint8_t *data;	/* points into the file buffer */
};

struct elf_image {
	uint32_t entry;
	unsigned nseg;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	unsigned text;		/* index of the one executable segment */
	uint32_t end;		/* highest vaddr + memsz of all segments */
};

/*
 * Check that buf is an ELF32 little-endian RISC-V executable for RV32 with
 * the single-float ABI and no compressed instructions, whose loadable
 * segments all lie in [lo, hi) and whose entry point lies in its one
 * executable segment. Returns 0, or -ENOEXEC with a one-line reason in err.
 */
int elf_load(const void *buf, size_t len, uint32_t lo, uint32_t hi,
	     struct elf_image *img, char *err, size_t errlen);

#endif
