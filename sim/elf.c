// SPDX-License-Identifier: MIT
/*
 * Loader for RV32 kernel images. The file is read byte by byte in
 * little-endian order, so the buffer needs no alignment, and every offset
 * is checked against the length in 64-bit arithmetic before it is used.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "elf.h"

#define EHDR_SIZE	52u
#define PHDR_SIZE	32u

#define EI_CLASS	4
#define EI_DATA		5
#define EI_VERSION	6
#define ELFCLASS32	1
#define ELFDATA2LSB	1
#define EV_CURRENT	1

#define ET_REL		1
#define ET_EXEC		2
#define EM_RISCV	243

#define EF_RISCV_RVC			0x1u
#define EF_RISCV_FLOAT_ABI		0x6u
#define EF_RISCV_FLOAT_ABI_SINGLE	0x2u

#define PT_LOAD		1u
#define PF_X		0x1u

/* Offsets of the fields used, in the file header and a program header. */
#define E_TYPE		16
#define E_MACHINE	18
#define E_VERSION	20
#define E_ENTRY		24
#define E_PHOFF		28
#define E_FLAGS		36
#define E_PHENTSIZE	42
#define E_PHNUM		44

#define P_TYPE		0
#define P_OFFSET	4
#define P_VADDR		8
#define P_FILESZ	16
#define P_MEMSZ		20
#define P_FLAGS		24

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	       ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

__attribute__((format(printf, 3, 4)))
static int reject(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -ENOEXEC;
}

int elf_load(const void *buf, size_t len, uint32_t lo, uint32_t hi,
	     struct elf_image *img, char *err, size_t errlen)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
	const uint8_t *p = buf;
	const struct elf_segment *t;
	struct elf_image im;
	uint32_t flags, phoff;
	uint16_t type, machine, phnum;
	uint64_t end, table_end;
	unsigned i, nexec = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!p || len < sizeof(magic) || memcmp(p, magic, sizeof(magic)))
		return reject(err, errlen, "not an ELF file");
	if (len < EHDR_SIZE)
		return reject(err, errlen, "ELF header truncated (%zu of %u bytes)",
			      len, EHDR_SIZE);
	if (p[EI_CLASS] != ELFCLASS32 || p[EI_DATA] != ELFDATA2LSB)
		return reject(err, errlen, "not a 32-bit little-endian ELF");
	if (p[EI_VERSION] != EV_CURRENT || get32(p + E_VERSION) != EV_CURRENT)
		return reject(err, errlen, "unknown ELF version");

	machine = get16(p + E_MACHINE);
	if (machine != EM_RISCV)
		return reject(err, errlen, "not a RISC-V executable (e_machine %u)",
			      (unsigned)machine);
	type = get16(p + E_TYPE);
	if (type != ET_EXEC)
		return reject(err, errlen, "not an executable (e_type %u)%s",
			      (unsigned)type, type == ET_REL ? ": an object file, not linked" : "");
	flags = get32(p + E_FLAGS);
	if (flags & EF_RISCV_RVC)
		return reject(err, errlen, "compressed instructions (RVC) are not supported");
	if ((flags & EF_RISCV_FLOAT_ABI) != EF_RISCV_FLOAT_ABI_SINGLE)
		return reject(err, errlen, "float ABI is not single (ilp32f)");
	if (get16(p + E_PHENTSIZE) != PHDR_SIZE)
		return reject(err, errlen, "program header size %u, expected %u",
			      (unsigned)get16(p + E_PHENTSIZE), PHDR_SIZE);

	phoff = get32(p + E_PHOFF);
	phnum = get16(p + E_PHNUM);
	table_end = (uint64_t)phoff + (uint64_t)phnum * PHDR_SIZE;
	if (phnum == 0)
		return reject(err, errlen, "no program headers");
	if (table_end > len)
		return reject(err, errlen, "program header table outside the file");

	memset(&im, 0, sizeof(im));
	im.entry = get32(p + E_ENTRY);

	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = p + phoff + (size_t)i * PHDR_SIZE;
		uint32_t offset = get32(ph + P_OFFSET);
		uint32_t vaddr = get32(ph + P_VADDR);
		uint32_t filesz = get32(ph + P_FILESZ);
		uint32_t memsz = get32(ph + P_MEMSZ);
		struct elf_segment *s;

		if (get32(ph + P_TYPE) != PT_LOAD)
			continue;
		if (filesz > memsz)
			return reject(err, errlen, "segment %u: filesz > memsz (0x%x > 0x%x)",
				      i, filesz, memsz);
		if (memsz == 0)
			continue;
		if (filesz && (uint64_t)offset + filesz > len)
			return reject(err, errlen, "segment %u data outside the file", i);
		end = (uint64_t)vaddr + memsz;
		if (vaddr < lo || end > hi)
			return reject(err, errlen,
				      "segment %u at 0x%x - 0x%llx outside the kernel region 0x%x - 0x%x",
				      i, vaddr, (unsigned long long)end, lo, hi);
		if (im.nseg == ELF_MAX_SEGMENTS)
			return reject(err, errlen, "too many segments (more than %u)",
				      ELF_MAX_SEGMENTS);

		s = &im.seg[im.nseg];
		s->vaddr = vaddr;
		s->filesz = filesz;
		s->memsz = memsz;
		/* An empty copy still gets a pointer inside the buffer. */
		s->data = filesz ? p + offset : p;
		if (get32(ph + P_FLAGS) & PF_X) {
			if (nexec++)
				return reject(err, errlen, "more than one executable segment");
			im.text = im.nseg;
		}
		if (end > im.end)
			im.end = (uint32_t)end;
		im.nseg++;
	}

	if (!nexec)
		return reject(err, errlen, "no executable segment");
	t = &im.seg[im.text];
	if (t->vaddr % 4 || t->filesz % 4)
		return reject(err, errlen,
			      "executable segment at 0x%x size 0x%x is not 4-byte aligned",
			      t->vaddr, t->filesz);
	if (im.entry < t->vaddr || im.entry - t->vaddr >= t->filesz)
		return reject(err, errlen,
			      "entry point 0x%x outside the executable segment 0x%x - 0x%x",
			      im.entry, t->vaddr, t->vaddr + t->filesz);
	if (im.entry % 4)
		return reject(err, errlen, "entry point 0x%x is not 4-byte aligned", im.entry);

	*img = im;
	return 0;
}
