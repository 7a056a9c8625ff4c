// SPDX-License-Identifier: MIT
/*
 * Tests of elf_load on ELF images assembled here: a valid kernel image,
 * one broken field at a time, every prefix of a valid image and random
 * byte flips. Buffers handed to elf_load are allocated at their exact
 * length so that a sanitizer build catches any read past the end.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "elf.h"
#include "../test_util.h"

#define LO		0x4000u
#define HI		0x14000u

#define EHDR		52u
#define PHDR		32u
#define PH(i)		(EHDR + PHDR * (unsigned)(i))

/* Header fields, as offsets into the file. */
#define O_CLASS		4
#define O_DATA		5
#define O_IVERSION	6
#define O_TYPE		16
#define O_MACHINE	18
#define O_VERSION	20
#define O_ENTRY		24
#define O_PHOFF		28
#define O_FLAGS		36
#define O_PHENTSIZE	42
#define O_PHNUM		44

/* Program header fields, relative to the header. */
#define P_TYPE		0
#define P_OFFSET	4
#define P_VADDR		8
#define P_FILESZ	16
#define P_MEMSZ		20
#define P_FLAGS		24

#define PT_LOAD		1u
#define PT_ATTRIBUTES	0x70000003u
#define PF_X		1u
#define PF_W		2u
#define PF_R		4u

#define MAXFILE		4096u

struct tseg {
	uint32_t type, flags, vaddr, filesz, memsz;
};

struct file {
	uint8_t b[MAXFILE];
	size_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	       ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint8_t pattern(unsigned seg, uint32_t i)
{
	return (uint8_t)(seg * 37u + i * 11u + 1u);
}

/*
 * An ELF32 RISC-V executable with the given program headers right after
 * the file header and each segment's file bytes after them, in order,
 * 4-byte aligned.
 */
static void build(struct file *f, const struct tseg *segs, unsigned n, uint32_t entry)
{
	size_t at = EHDR + PHDR * n;
	unsigned i;

	memset(f->b, 0, sizeof(f->b));
	f->b[0] = 0x7f;
	f->b[1] = 'E';
	f->b[2] = 'L';
	f->b[3] = 'F';
	f->b[O_CLASS] = 1;
	f->b[O_DATA] = 1;
	f->b[O_IVERSION] = 1;
	put16(f->b + O_TYPE, 2);
	put16(f->b + O_MACHINE, 243);
	put32(f->b + O_VERSION, 1);
	put32(f->b + O_ENTRY, entry);
	put32(f->b + O_PHOFF, EHDR);
	put32(f->b + O_FLAGS, 0x2);
	put16(f->b + 40, EHDR);
	put16(f->b + O_PHENTSIZE, PHDR);
	put16(f->b + O_PHNUM, (uint16_t)n);
	put16(f->b + 46, 40);

	at = (at + 15) & ~(size_t)15;
	for (i = 0; i < n; i++) {
		uint8_t *ph = f->b + PH(i);
		uint32_t k;

		assert_true(at + segs[i].filesz <= MAXFILE);
		put32(ph + P_TYPE, segs[i].type);
		put32(ph + P_OFFSET, (uint32_t)at);
		put32(ph + P_VADDR, segs[i].vaddr);
		put32(ph + 12, segs[i].vaddr);
		put32(ph + P_FILESZ, segs[i].filesz);
		put32(ph + P_MEMSZ, segs[i].memsz);
		put32(ph + P_FLAGS, segs[i].flags);
		put32(ph + 28, 4);
		for (k = 0; k < segs[i].filesz; k++)
			f->b[at + k] = pattern(i, k);
		at += (segs[i].filesz + 3u) & ~3u;
	}
	f->len = at;
}

/*
 * The default image: an attributes header (not loaded), code at 0x4000
 * and data with bss after it. The data segment's bytes end the file.
 */
static const struct tseg default_segs[] = {
	{ PT_ATTRIBUTES, PF_R, 0, 0x1c, 0 },
	{ PT_LOAD, PF_R | PF_X, 0x4000, 0x40, 0x40 },
	{ PT_LOAD, PF_R | PF_W, 0x4040, 0x14, 0x30 },
};

#define DEFAULT_ENTRY	0x4008u
#define TEXT_PH		1
#define DATA_PH		2

static void build_default(struct file *f)
{
	build(f, default_segs, 3, DEFAULT_ENTRY);
}

/* elf_load on a copy of exactly len bytes. */
static int load(const uint8_t *b, size_t len, uint32_t lo, uint32_t hi,
		struct elf_image *img, char *err, size_t errlen)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	if (len)
		memcpy(copy, b, len);
	rc = elf_load(copy, len, lo, hi, img, err, errlen);
	free(copy);
	return rc;
}

static void expect_reject_in(const uint8_t *b, size_t len, uint32_t lo, uint32_t hi,
			     const char *why)
{
	struct elf_image img, before;
	char err[256];
	int rc;

	memset(&img, 0xa5, sizeof(img));
	before = img;
	memset(err, 0, sizeof(err));
	rc = load(b, len, lo, hi, &img, err, sizeof(err));
	if (rc != -ENOEXEC || !strstr(err, why))
		fail_msg("expected -ENOEXEC with \"%s\", got %d \"%s\"", why, rc, err);
	assert_null(strchr(err, '\n'));
	assert_memory_equal(&img, &before, sizeof(img));
}

static void expect_reject(const struct file *f, const char *why)
{
	expect_reject_in(f->b, f->len, LO, HI, why);
}

static void expect_accept(const struct file *f, struct elf_image *img)
{
	char err[256] = "";
	int rc = elf_load(f->b, f->len, LO, HI, img, err, sizeof(err));

	if (rc)
		fail_msg("expected success, got %d \"%s\"", rc, err);
}

static void check_seg(const struct file *f, const struct elf_segment *s, unsigned ph)
{
	const uint8_t *h = f->b + PH(ph);
	uint32_t k;

	assert_int_equal(s->vaddr, get32(h + P_VADDR));
	assert_int_equal(s->filesz, get32(h + P_FILESZ));
	assert_int_equal(s->memsz, get32(h + P_MEMSZ));
	assert_ptr_equal(s->data, f->b + get32(h + P_OFFSET));
	for (k = 0; k < s->filesz; k++)
		assert_int_equal(s->data[k], pattern(ph, k));
}

/* ---- valid images --------------------------------------------------- */

static void test_good(void **state)
{
	struct file f;
	struct elf_image img;

	(void)state;
	build_default(&f);
	memset(&img, 0xa5, sizeof(img));
	expect_accept(&f, &img);
	assert_int_equal(img.entry, DEFAULT_ENTRY);
	assert_int_equal(img.nseg, 2);
	assert_int_equal(img.text, 0);
	check_seg(&f, &img.seg[0], TEXT_PH);
	check_seg(&f, &img.seg[1], DATA_PH);
	assert_int_equal(img.seg[0].vaddr, 0x4000);
	assert_int_equal(img.seg[1].memsz, 0x30);
	assert_int_equal(img.end, 0x4070);
}

static void test_good_data_first(void **state)
{
	static const struct tseg segs[] = {
		{ PT_LOAD, PF_R | PF_W, 0x5000, 0x8, 0x100 },
		{ PT_LOAD, PF_R | PF_X, 0x4000, 0x20, 0x20 },
	};
	struct file f;
	struct elf_image img;

	(void)state;
	build(&f, segs, 2, 0x401c);
	expect_accept(&f, &img);
	assert_int_equal(img.nseg, 2);
	assert_int_equal(img.text, 1);
	check_seg(&f, &img.seg[0], 0);
	check_seg(&f, &img.seg[1], 1);
	assert_int_equal(img.end, 0x5100);
	assert_int_equal(img.entry, 0x401c);
}

static void test_good_region_edges(void **state)
{
	static const struct tseg segs[] = {
		{ PT_LOAD, PF_R | PF_X, LO, 0x10, 0x10 },
		{ PT_LOAD, PF_R | PF_W, HI - 0x100, 0, 0x100 },
	};
	struct file f;
	struct elf_image img;

	(void)state;
	build(&f, segs, 2, LO);
	expect_accept(&f, &img);
	assert_int_equal(img.end, HI);
	assert_int_equal(img.seg[1].filesz, 0);
	/* A segment with nothing to copy still points into the buffer. */
	assert_true(img.seg[1].data >= f.b && img.seg[1].data <= f.b + f.len);

	/* The whole 32-bit space as the region, segment ending at its top. */
	put32(f.b + PH(1) + P_VADDR, 0xffffff00u);
	put32(f.b + PH(1) + P_MEMSZ, 0xff);
	assert_int_equal(elf_load(f.b, f.len, 0, 0xffffffffu, &img, NULL, 0), 0);
	assert_int_equal(img.end, 0xffffffffu);
}

static void test_skip_empty(void **state)
{
	static const struct tseg segs[] = {
		{ PT_LOAD, PF_R | PF_X, 0x4000, 0x10, 0x10 },
		{ PT_LOAD, PF_R | PF_W, 0x90000000u, 0, 0 },
		{ PT_LOAD, PF_R | PF_X, 0x4100, 0, 0 },
		{ PT_ATTRIBUTES, PF_R, 0, 0x30, 0 },
		{ 6, PF_R, 0, 0x60, 0x60 },	/* PT_PHDR, ignored */
		{ PT_LOAD, PF_R | PF_W, 0x4010, 0x4, 0x4 },
	};
	struct file f;
	struct elf_image img;

	(void)state;
	build(&f, segs, 6, 0x4000);
	/* Empty segments are skipped whatever their offset says. */
	put32(f.b + PH(1) + P_OFFSET, 0xffffffffu);
	expect_accept(&f, &img);
	assert_int_equal(img.nseg, 2);
	assert_int_equal(img.text, 0);
	check_seg(&f, &img.seg[0], 0);
	check_seg(&f, &img.seg[1], 5);
	assert_int_equal(img.end, 0x4014);
}

static void test_max_segments(void **state)
{
	struct tseg segs[ELF_MAX_SEGMENTS + 2];
	struct file f;
	struct elf_image img;
	unsigned i;

	(void)state;
	for (i = 0; i < ELF_MAX_SEGMENTS + 2; i++) {
		segs[i].type = PT_LOAD;
		segs[i].flags = i ? PF_R | PF_W : PF_R | PF_X;
		segs[i].vaddr = 0x4000 + 0x100 * i;
		segs[i].filesz = 0x8;
		segs[i].memsz = 0x10;
	}
	build(&f, segs, ELF_MAX_SEGMENTS, 0x4004);
	expect_accept(&f, &img);
	assert_int_equal(img.nseg, ELF_MAX_SEGMENTS);
	for (i = 0; i < ELF_MAX_SEGMENTS; i++)
		check_seg(&f, &img.seg[i], i);
	assert_int_equal(img.end, 0x4000 + 0x100 * (ELF_MAX_SEGMENTS - 1) + 0x10);

	/* One more, but empty: still fine. */
	segs[ELF_MAX_SEGMENTS].memsz = 0;
	segs[ELF_MAX_SEGMENTS].filesz = 0;
	build(&f, segs, ELF_MAX_SEGMENTS + 1, 0x4004);
	expect_accept(&f, &img);
	assert_int_equal(img.nseg, ELF_MAX_SEGMENTS);

	segs[ELF_MAX_SEGMENTS].memsz = 0x10;
	build(&f, segs, ELF_MAX_SEGMENTS + 1, 0x4004);
	expect_reject(&f, "too many segments");
	build(&f, segs, ELF_MAX_SEGMENTS + 2, 0x4004);
	expect_reject(&f, "too many segments");
}

static void test_other_flags_accepted(void **state)
{
	struct file f;
	struct elf_image img;

	(void)state;
	build_default(&f);
	put32(f.b + O_FLAGS, 0x2 | 0x10);	/* single float + TSO */
	expect_accept(&f, &img);
	build_default(&f);
	f.b[7] = 3;				/* OS ABI: not looked at */
	expect_accept(&f, &img);
}

/* ---- the file header ------------------------------------------------ */

static void test_bad_magic(void **state)
{
	struct file f;
	struct elf_image img;
	char err[64];
	unsigned i;

	(void)state;
	for (i = 0; i < 4; i++) {
		build_default(&f);
		f.b[i] ^= 0x20;
		expect_reject(&f, "not an ELF file");
	}
	build_default(&f);
	expect_reject_in(f.b, 0, LO, HI, "not an ELF file");
	expect_reject_in(f.b, 3, LO, HI, "not an ELF file");
	expect_reject_in((const uint8_t *)"#!/bin/sh\nexit 0\n", 17, LO, HI,
			 "not an ELF file");
	assert_int_equal(elf_load(NULL, 0, LO, HI, &img, err, sizeof(err)), -ENOEXEC);
	assert_string_equal(err, "not an ELF file");
}

static void test_short_header(void **state)
{
	struct file f;
	size_t len;

	(void)state;
	build_default(&f);
	for (len = 4; len < EHDR; len++)
		expect_reject_in(f.b, len, LO, HI, "truncated");
}

static void test_class_data(void **state)
{
	struct file f;

	(void)state;
	build_default(&f);
	f.b[O_CLASS] = 2;
	expect_reject(&f, "not a 32-bit little-endian ELF");
	build_default(&f);
	f.b[O_CLASS] = 0;
	expect_reject(&f, "not a 32-bit little-endian ELF");
	build_default(&f);
	f.b[O_DATA] = 2;
	expect_reject(&f, "not a 32-bit little-endian ELF");
	build_default(&f);
	f.b[O_DATA] = 0;
	expect_reject(&f, "not a 32-bit little-endian ELF");
}

static void test_version(void **state)
{
	struct file f;

	(void)state;
	build_default(&f);
	f.b[O_IVERSION] = 0;
	expect_reject(&f, "version");
	build_default(&f);
	put32(f.b + O_VERSION, 2);
	expect_reject(&f, "version");
}

static void test_machine(void **state)
{
	struct file f;

	(void)state;
	build_default(&f);
	put16(f.b + O_MACHINE, 62);
	expect_reject(&f, "not a RISC-V executable (e_machine 62)");
	put16(f.b + O_MACHINE, 0);
	expect_reject(&f, "not a RISC-V executable (e_machine 0)");
	put16(f.b + O_MACHINE, 243 + 256);
	expect_reject(&f, "not a RISC-V executable");
}

static void test_type(void **state)
{
	struct file f;

	(void)state;
	build_default(&f);
	put16(f.b + O_TYPE, 1);
	expect_reject(&f, "not an executable (e_type 1)");
	put16(f.b + O_TYPE, 3);
	expect_reject(&f, "not an executable (e_type 3)");
	put16(f.b + O_TYPE, 4);
	expect_reject(&f, "not an executable (e_type 4)");
	put16(f.b + O_TYPE, 0x102);
	expect_reject(&f, "not an executable");
}

static void test_rvc(void **state)
{
	struct file f;

	(void)state;
	build_default(&f);
	put32(f.b + O_FLAGS, 0x2 | 0x1);
	expect_reject(&f, "compressed instructions (RVC) are not supported");
}

static void test_float_abi(void **state)
{
	static const uint32_t bad[] = { 0x0, 0x4, 0x6, 0x10 };
	struct file f;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_default(&f);
		put32(f.b + O_FLAGS, bad[i]);
		expect_reject(&f, "float ABI is not single (ilp32f)");
	}
}

static void test_phentsize(void **state)
{
	static const uint16_t bad[] = { 0, 31, 33, 56, 0xffff };
	struct file f;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_default(&f);
		put16(f.b + O_PHENTSIZE, bad[i]);
		expect_reject(&f, "program header size");
	}
}

static void test_phdr_table(void **state)
{
	struct file f;

	(void)state;
	build_default(&f);
	put16(f.b + O_PHNUM, 0);
	expect_reject(&f, "no program headers");

	/* Table runs past the end by one byte. */
	build_default(&f);
	put32(f.b + O_PHOFF, (uint32_t)f.len - 3 * PHDR + 1);
	expect_reject(&f, "program header table outside the file");

	build_default(&f);
	put32(f.b + O_PHOFF, (uint32_t)f.len);
	expect_reject(&f, "program header table outside the file");

	/* phoff + size wraps around in 32 bits. */
	build_default(&f);
	put32(f.b + O_PHOFF, 0xffffffe0u);
	expect_reject(&f, "program header table outside the file");
	put32(f.b + O_PHOFF, 0xffffffffu);
	expect_reject(&f, "program header table outside the file");

	build_default(&f);
	put16(f.b + O_PHNUM, 0xffff);
	expect_reject(&f, "program header table outside the file");
	put16(f.b + O_PHNUM, 200);
	expect_reject(&f, "program header table outside the file");
}

static void test_phdr_table_at_end(void **state)
{
	struct file f;
	struct elf_image img;

	(void)state;
	/* The table may sit anywhere in the file, also right at its end. */
	build_default(&f);
	memcpy(f.b + f.len, f.b + EHDR, 3 * PHDR);
	memset(f.b + EHDR, 0, 3 * PHDR);
	put32(f.b + O_PHOFF, (uint32_t)f.len);
	f.len += 3 * PHDR;
	expect_accept(&f, &img);
	assert_int_equal(img.nseg, 2);
	expect_reject_in(f.b, f.len - 1, LO, HI, "program header table outside the file");
}

/* ---- program headers ------------------------------------------------ */

static void test_segment_data(void **state)
{
	struct file f;
	uint32_t off;

	(void)state;
	build_default(&f);
	off = get32(f.b + PH(DATA_PH) + P_OFFSET);
	put32(f.b + PH(DATA_PH) + P_OFFSET, off + 1);
	expect_reject(&f, "segment 2 data outside the file");

	build_default(&f);
	put32(f.b + PH(DATA_PH) + P_FILESZ, 0x15);
	expect_reject(&f, "segment 2 data outside the file");

	/* offset + filesz wraps around in 32 bits. */
	build_default(&f);
	put32(f.b + PH(TEXT_PH) + P_OFFSET, 0xfffffff0u);
	expect_reject(&f, "segment 1 data outside the file");
	put32(f.b + PH(TEXT_PH) + P_OFFSET, 0xffffffffu);
	expect_reject(&f, "segment 1 data outside the file");

	/* filesz wraps with a small offset. */
	build_default(&f);
	put32(f.b + PH(DATA_PH) + P_OFFSET, 0x10);
	put32(f.b + PH(DATA_PH) + P_FILESZ, 0xfffffff8u);
	put32(f.b + PH(DATA_PH) + P_MEMSZ, 0xfffffff8u);
	expect_reject(&f, "segment 2");
}

static void test_segment_region(void **state)
{
	struct file f;

	(void)state;
	build_default(&f);
	put32(f.b + PH(DATA_PH) + P_VADDR, LO - 4);
	expect_reject(&f, "segment 2 at 0x3ffc - 0x402c outside the kernel region "
			  "0x4000 - 0x14000");

	build_default(&f);
	put32(f.b + PH(DATA_PH) + P_VADDR, HI - 0x2c);
	expect_reject(&f, "segment 2 at 0x13fd4 - 0x14004 outside the kernel region");

	build_default(&f);
	put32(f.b + PH(DATA_PH) + P_VADDR, HI);
	expect_reject(&f, "outside the kernel region");

	build_default(&f);
	put32(f.b + PH(DATA_PH) + P_MEMSZ, 0xffffff00u);
	expect_reject(&f, "segment 2 at 0x4040 - 0x100003f40 outside the kernel region");

	/* vaddr + memsz wraps to a small number in 32 bits. */
	build_default(&f);
	put32(f.b + PH(DATA_PH) + P_VADDR, 0xfffffff0u);
	put32(f.b + PH(DATA_PH) + P_MEMSZ, 0x20);
	expect_reject_in(f.b, f.len, 0, 0xffffffffu, "segment 2 at 0xfffffff0 - 0x100000010");
	expect_reject(&f, "outside the kernel region");

	/* The text segment is checked too. */
	build_default(&f);
	put32(f.b + PH(TEXT_PH) + P_VADDR, 0x1000);
	put32(f.b + O_ENTRY, 0x1000);
	expect_reject(&f, "segment 1 at 0x1000 - 0x1040 outside");
}

static void test_filesz_memsz(void **state)
{
	struct file f;

	(void)state;
	build_default(&f);
	put32(f.b + PH(DATA_PH) + P_MEMSZ, 0x10);
	expect_reject(&f, "filesz > memsz");

	/* memsz 0 does not excuse a non-empty filesz. */
	build_default(&f);
	put32(f.b + PH(DATA_PH) + P_MEMSZ, 0);
	expect_reject(&f, "filesz > memsz");
}

static void test_exec_segments(void **state)
{
	struct file f;

	(void)state;
	build_default(&f);
	put32(f.b + PH(TEXT_PH) + P_FLAGS, PF_R);
	expect_reject(&f, "no executable segment");

	build_default(&f);
	put32(f.b + PH(DATA_PH) + P_FLAGS, PF_R | PF_W | PF_X);
	expect_reject(&f, "more than one executable segment");

	/* An executable header that is not PT_LOAD does not count. */
	build_default(&f);
	put32(f.b + PH(0) + P_FLAGS, PF_R | PF_X);
	put32(f.b + PH(TEXT_PH) + P_FLAGS, PF_R);
	expect_reject(&f, "no executable segment");

	/* Nor does an empty PT_LOAD. */
	build_default(&f);
	put32(f.b + PH(0) + P_TYPE, PT_LOAD);
	put32(f.b + PH(0) + P_FILESZ, 0);
	put32(f.b + PH(0) + P_FLAGS, PF_R | PF_X);
	put32(f.b + PH(TEXT_PH) + P_FLAGS, PF_R);
	expect_reject(&f, "no executable segment");
}

static void test_entry(void **state)
{
	struct file f;
	struct elf_image img;

	(void)state;
	build_default(&f);
	put32(f.b + O_ENTRY, 0x3ffc);
	expect_reject(&f, "entry point 0x3ffc outside the executable segment");
	put32(f.b + O_ENTRY, 0x4040);
	expect_reject(&f, "entry point 0x4040 outside the executable segment");
	put32(f.b + O_ENTRY, 0);
	expect_reject(&f, "entry point 0x0 outside the executable segment");
	put32(f.b + O_ENTRY, 0x403c);
	expect_accept(&f, &img);
	assert_int_equal(img.entry, 0x403c);
	put32(f.b + O_ENTRY, 0x4000);
	expect_accept(&f, &img);
	put32(f.b + O_ENTRY, 0x4002);
	expect_reject(&f, "entry point 0x4002 is not 4-byte aligned");

	/* Entry in the part of the text segment that is not in the file. */
	build_default(&f);
	put32(f.b + PH(TEXT_PH) + P_MEMSZ, 0x40);
	put32(f.b + PH(TEXT_PH) + P_FILESZ, 0x20);
	put32(f.b + O_ENTRY, 0x4020);
	expect_reject(&f, "entry point 0x4020 outside the executable segment");
}

static void test_text_alignment(void **state)
{
	struct file f;

	(void)state;
	build_default(&f);
	put32(f.b + PH(TEXT_PH) + P_VADDR, 0x4002);
	put32(f.b + O_ENTRY, 0x400a);
	expect_reject(&f, "not 4-byte aligned");

	build_default(&f);
	put32(f.b + PH(TEXT_PH) + P_FILESZ, 0x3e);
	expect_reject(&f, "not 4-byte aligned");

	/* Data segments need no alignment. */
	build_default(&f);
	put32(f.b + PH(DATA_PH) + P_VADDR, 0x4041);
	put32(f.b + PH(DATA_PH) + P_FILESZ, 0x13);
	{
		struct elf_image img;

		expect_accept(&f, &img);
		assert_int_equal(img.end, 0x4071);
	}
}

/* ---- the error message ---------------------------------------------- */

static void test_err_buffer(void **state)
{
	struct file f;
	struct elf_image img;
	char err[8];

	(void)state;
	build_default(&f);
	put16(f.b + O_MACHINE, 62);
	assert_int_equal(elf_load(f.b, f.len, LO, HI, &img, NULL, 0), -ENOEXEC);
	memset(err, 'x', sizeof(err));
	assert_int_equal(elf_load(f.b, f.len, LO, HI, &img, err, 1), -ENOEXEC);
	assert_int_equal(err[0], '\0');
	assert_int_equal(err[1], 'x');
	memset(err, 'x', sizeof(err));
	assert_int_equal(elf_load(f.b, f.len, LO, HI, &img, err, sizeof(err)), -ENOEXEC);
	assert_string_equal(err, "not a R");

	/* Success leaves an empty message. */
	build_default(&f);
	memset(err, 'x', sizeof(err));
	assert_int_equal(elf_load(f.b, f.len, LO, HI, &img, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

/* ---- every prefix, random flips ------------------------------------- */

static void test_truncation(void **state)
{
	struct file f;
	struct elf_image img;
	char err[256];
	size_t len;

	(void)state;
	build_default(&f);
	for (len = 0; len <= f.len; len++) {
		int rc = load(f.b, len, LO, HI, &img, err, sizeof(err));

		if (len < f.len && rc != -ENOEXEC)
			fail_msg("prefix of %zu bytes: %d", len, rc);
		if (len == f.len && rc != 0)
			fail_msg("whole file: %d %s", rc, err);
	}
}

static uint64_t rng_state;

static uint32_t rnd(void)
{
	return (uint32_t)(test_rand64(&rng_state) >> 16);
}

/* What an accepted image promises, checked against the buffer it came from. */
static void check_invariants(const uint8_t *buf, size_t len, uint32_t lo, uint32_t hi,
			     const struct elf_image *img)
{
	uint32_t end = 0;
	unsigned i;

	assert_true(img->nseg >= 1 && img->nseg <= ELF_MAX_SEGMENTS);
	assert_true(img->text < img->nseg);
	for (i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t e = (uint64_t)s->vaddr + s->memsz;

		assert_true(s->memsz > 0);
		assert_true(s->filesz <= s->memsz);
		assert_true(s->vaddr >= lo && e <= hi);
		assert_true(s->data >= buf && s->data <= buf + len);
		assert_true(s->filesz <= (size_t)(buf + len - s->data));
		if (e > end)
			end = (uint32_t)e;
	}
	assert_int_equal(img->end, end);
	assert_true(img->entry >= img->seg[img->text].vaddr);
	assert_true(img->entry - img->seg[img->text].vaddr < img->seg[img->text].filesz);
	assert_int_equal(img->entry % 4, 0);
	assert_int_equal(img->seg[img->text].vaddr % 4, 0);
}

static void test_fuzz(void **state)
{
	static const uint32_t special[] = {
		0, 1, 2, 4, 0x7f, 0x80, 0xff, 0x3fff, 0x4000, 0x14000,
		0x7fffffff, 0x80000000u, 0xfffffff0u, 0xfffffffcu, 0xffffffffu,
	};
	struct file f;
	struct elf_image img;
	char err[128];
	unsigned iter, accepted = 0;

	(void)state;
	rng_state = 0x9e3779b97f4a7c15ull;
	for (iter = 0; iter < 5000; iter++) {
		unsigned nflip = 1 + rnd() % 6, k;
		size_t len;
		uint8_t *copy;
		int rc;

		build_default(&f);
		for (k = 0; k < nflip; k++) {
			uint32_t how = rnd() % 8;
			size_t at;

			/* Mostly the headers, where the interesting fields are. */
			if (rnd() % 4)
				at = rnd() % (EHDR + 3 * PHDR);
			else
				at = rnd() % f.len;
			if (how < 5) {
				f.b[at] ^= (uint8_t)(1u << (rnd() % 8));
			} else if (how < 7) {
				f.b[at] = (uint8_t)rnd();
			} else if (at + 4 <= f.len) {
				at &= ~(size_t)3;
				put32(f.b + at, special[rnd() % (sizeof(special) /
								 sizeof(special[0]))]);
			}
		}
		len = f.len;
		if (rnd() % 8 == 0)
			len = rnd() % (f.len + 1);

		copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, f.b, len);
		err[0] = 'x';
		rc = elf_load(copy, len, LO, HI, &img, err, sizeof(err));
		if (rc == 0) {
			accepted++;
			check_invariants(copy, len, LO, HI, &img);
		} else {
			assert_int_equal(rc, -ENOEXEC);
			assert_true(err[0] != '\0');
			assert_non_null(memchr(err, '\0', sizeof(err)));
		}
		free(copy);
	}
	/* Some flips land in bytes that do not matter. */
	assert_true(accepted > 0);
	assert_true(accepted < 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_good_data_first),
		cmocka_unit_test(test_good_region_edges),
		cmocka_unit_test(test_skip_empty),
		cmocka_unit_test(test_max_segments),
		cmocka_unit_test(test_other_flags_accepted),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_short_header),
		cmocka_unit_test(test_class_data),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_machine),
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_rvc),
		cmocka_unit_test(test_float_abi),
		cmocka_unit_test(test_phentsize),
		cmocka_unit_test(test_phdr_table),
		cmocka_unit_test(test_phdr_table_at_end),
		cmocka_unit_test(test_segment_data),
		cmocka_unit_test(test_segment_region),
		cmocka_unit_test(test_filesz_memsz),
		cmocka_unit_test(test_exec_segments),
		cmocka_unit_test(test_entry),
		cmocka_unit_test(test_text_alignment),
		cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
