/* SPDX-License-Identifier: MIT */
/*
 * The ONNX node test vectors of Debian's libonnx-testdata: TensorProto
 * files (float or int64), read with a small protobuf reader. For cmocka
 * tests: a missing or malformed file fails the test.
 */
#ifndef TESTS_ONNX_TESTDATA_H
#define TESTS_ONNX_TESTDATA_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NODE_DIR "/usr/share/libonnx-testdata/data/node/"

struct tensor {
	int ndim;
	int64_t dims[8];
	int type;		/* 1 float, 7 int64 */
	size_t n;
	float *f;
	int64_t *i;
};

static uint64_t varint(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;

	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;

		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	fail_msg("bad varint in TensorProto");
	return 0;
}

/* A TensorProto: dims (1), data_type (2), float_data (4), int64_data (7), raw_data (9). */
static struct tensor load(const char *test, const char *file)
{
	struct tensor t = { 0 };
	char path[256];
	FILE *f;
	long size;
	uint8_t *buf;
	const uint8_t *p, *end, *raw = NULL;
	size_t rawlen = 0, nf = 0, ni = 0;
	float fvals[4096];
	int64_t ivals[4096];

	snprintf(path, sizeof(path), NODE_DIR "%s/test_data_set_0/%s", test, file);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: missing (make deps installs libonnx-testdata)", path);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc((size_t)size);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	p = buf;
	end = buf + size;
	while (p < end) {
		uint64_t key = varint(&p, end), field = key >> 3, wire = key & 7, len;
		const uint8_t *q;

		switch (wire) {
		case 0:
			len = varint(&p, end);
			if (field == 1)
				t.dims[t.ndim++] = (int64_t)len;
			else if (field == 2)
				t.type = (int)len;
			else if (field == 7)
				ivals[ni++] = (int64_t)len;
			break;
		case 1:
			p += 8;
			break;
		case 5:
			if (field == 4)
				memcpy(&fvals[nf++], p, 4);
			p += 4;
			break;
		case 2:
			len = varint(&p, end);
			q = p;
			p += len;
			if (field == 9) {
				raw = q;
				rawlen = len;
			} else if (field == 1) {
				while (q < p)
					t.dims[t.ndim++] = (int64_t)varint(&q, p);
			} else if (field == 4) {
				for (; q + 4 <= p; q += 4)
					memcpy(&fvals[nf++], q, 4);
			} else if (field == 7) {
				while (q < p)
					ivals[ni++] = (int64_t)varint(&q, p);
			}
			break;
		default:
			fail_msg("%s: wire type %llu", path, (unsigned long long)wire);
		}
		assert_true(p <= end && t.ndim <= 8 && nf < 4096 && ni < 4096);
	}
	t.n = 1;
	for (int d = 0; d < t.ndim; d++)
		t.n *= (size_t)t.dims[d];
	if (t.type == 1) {
		t.f = malloc(t.n * sizeof(float) + 1);
		if (raw)
			memcpy(t.f, raw, rawlen);
		else
			memcpy(t.f, fvals, nf * sizeof(float));
		assert_true(raw ? rawlen == t.n * 4 : nf == t.n);
	} else if (t.type == 7) {
		t.i = malloc(t.n * sizeof(int64_t) + 1);
		if (raw)
			memcpy(t.i, raw, rawlen);
		else
			memcpy(t.i, ivals, ni * sizeof(int64_t));
		assert_true(raw ? rawlen == t.n * 8 : ni == t.n);
	} else {
		fail_msg("%s: data type %d", path, t.type);
	}
	free(buf);
	return t;
}

static void release(struct tensor *t)
{
	free(t->f);
	free(t->i);
}

#endif
