// SPDX-License-Identifier: MIT
/* Safetensors loading: hand-made files, good and corrupt; BN folding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../libttuser/internal.h"
#include "../../model/eval/class_names.h"
#include "../../model/weights.h"

static char path[64];

/*
 * Writes u64 hlen, the header text, then n data bytes. hlen 0 means the
 * header's length, padded with spaces to a multiple of 8 (so that the data is
 * aligned) unless unaligned is set.
 */
static const char *write_file(uint64_t hlen, const char *text, const void *data, size_t n, bool unaligned)
{
	char header[2048];
	FILE *f;

	snprintf(header, sizeof(header), "%s", text);
	while (!hlen && !unaligned && strlen(header) % 8)
		strcat(header, " ");

	snprintf(path, sizeof(path), "/tmp/test_weights.%d.safetensors", (int)getpid());
	f = fopen(path, "wb");
	assert_non_null(f);
	if (!hlen)
		hlen = strlen(header);
	assert_int_equal(fwrite(&hlen, 8, 1, f), 1);
	if (*header)
		assert_int_equal(fwrite(header, strlen(header), 1, f), 1);
	if (n)
		assert_int_equal(fwrite(data, n, 1, f), 1);
	fclose(f);
	return path;
}

static const char *make_file(uint64_t hlen, const char *header, const void *data, size_t n)
{
	return write_file(hlen, header, data, n, false);
}

/* Opening fails with err and a message containing want. */
static void expect_error(int err, const char *want)
{
	struct weights *w = (struct weights *)0x1;

	assert_int_equal(weights_open(path, &w), err);
	assert_ptr_equal(w, (struct weights *)0x1);
	if (!strstr(tt_last_error(), want))
		fail_msg("error '%s' lacks '%s'", tt_last_error(), want);
}

static const float six[6] = { 1, 2, 3, 4, 5, 6 };

static void test_good_file(void **state)
{
	const char *h = "{\"__metadata__\":{\"bn_eps\":\"1e-05\",\"backbone_depth\":\"50\"},"
			"\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]},"
			"\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
	const struct weights_tensor *t;
	struct weights *w;
	const float *d;
	float eps;

	(void)state;
	make_file(0, h, six, 24);
	assert_int_equal(weights_open(path, &w), 0);
	assert_int_equal(weights_count(w), 2);
	assert_string_equal(weights_at(w, 0)->name, "a");
	assert_null(weights_at(w, 2));
	t = weights_find(w, "b");
	assert_non_null(t);
	assert_int_equal(t->ndim, 1);
	assert_int_equal(t->shape[0], 2);
	assert_int_equal(t->numel, 2);
	assert_null(weights_find(w, "c"));
	assert_int_equal(weights_f32(w, "a", 2, (int64_t[]){ 2, -1 }, &d), 0);
	assert_true(d[0] == 1.0f && d[3] == 4.0f);
	assert_int_equal(weights_f32(w, "b", 1, (int64_t[]){ 2 }, &d), 0);
	assert_true(d[0] == 5.0f && d[1] == 6.0f);
	assert_string_equal(weights_meta(w, "backbone_depth"), "50");
	assert_null(weights_meta(w, "nothing"));
	assert_int_equal(weights_bn_eps(w, &eps), 0);
	assert_true(eps == 1e-5f);

	/* Lookups that fail name the tensor and leave the weights usable. */
	assert_int_equal(weights_f32(w, "a", 2, (int64_t[]){ 2, 3 }, &d), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "'a' has shape [2, 2], expected [2, 3]"));
	assert_int_equal(weights_f32(w, "a", 1, (int64_t[]){ 4 }, &d), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "'a'"));
	assert_int_equal(weights_f32(w, "missing.weight", 1, (int64_t[]){ 4 }, &d), -ENOENT);
	assert_non_null(strstr(tt_last_error(), "'missing.weight'"));
	assert_int_equal(weights_f32(w, "b", 1, (int64_t[]){ 2 }, &d), 0);
	assert_true(d[1] == 6.0f);
	weights_close(w);
}

static void test_old_spelling(void **state)
{
	const char *h = "{\"backbone.fpn.inner_blocks.2.weight\":{\"dtype\":\"F32\",\"shape\":[1],"
			"\"data_offsets\":[0,4]},\"rpn.head.conv.bias\":{\"dtype\":\"F32\",\"shape\":[1],"
			"\"data_offsets\":[4,8]},\"backbone.fpn.layer_blocks.0.0.bias\":{\"dtype\":\"F32\","
			"\"shape\":[1],\"data_offsets\":[8,12]}}";
	struct weights *w;
	const float *d;

	(void)state;
	make_file(0, h, six, 12);
	assert_int_equal(weights_open(path, &w), 0);
	assert_int_equal(weights_f32(w, "backbone.fpn.inner_blocks.2.0.weight", 1, (int64_t[]){ 1 }, &d), 0);
	assert_true(d[0] == 1.0f);
	assert_int_equal(weights_f32(w, "rpn.head.conv.0.0.bias", 1, (int64_t[]){ 1 }, &d), 0);
	assert_true(d[0] == 2.0f);
	assert_int_equal(weights_f32(w, "backbone.fpn.layer_blocks.0.0.bias", 1, (int64_t[]){ 1 }, &d), 0);
	assert_true(d[0] == 3.0f);
	assert_null(weights_find(w, "backbone.fpn.inner_blocks.1.0.weight"));
	weights_close(w);
}

static void test_wrong_dtype(void **state)
{
	struct weights *w;
	const float *d;

	(void)state;
	make_file(0, "{\"h\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
		  "\"i\":{\"dtype\":\"I64\",\"shape\":[1,1],\"data_offsets\":[8,16]},"
		  "\"u\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}}", six, 16);
	assert_int_equal(weights_open(path, &w), 0);
	assert_int_equal(weights_find(w, "h")->dtype, WEIGHTS_BF16);
	assert_int_equal(weights_find(w, "i")->numel, 1);
	assert_int_equal(weights_f32(w, "h", 1, (int64_t[]){ 2 }, &d), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "tensor 'h' is BF16, expected F32"));
	assert_int_equal(weights_f32(w, "i", 2, (int64_t[]){ 1, 1 }, &d), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "tensor 'i' is I64"));
	weights_close(w);
}

static void test_truncated(void **state)
{
	const char *h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}     ";

	(void)state;
	/* Shorter than the length field. */
	snprintf(path, sizeof(path), "/tmp/test_weights.%d.safetensors", (int)getpid());
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fwrite("\x10\0\0", 3, 1, f);
	fclose(f);
	expect_error(-EINVAL, "truncated: 3 bytes");
	/* Header longer than the file. */
	make_file(4096, "{}", NULL, 0);
	expect_error(-EINVAL, "truncated: header of 4096 bytes");
	/* Data cut short. */
	make_file(0, h, six, 20);
	expect_error(-EINVAL, "tensor 'a': data_offsets [0, 24] beyond the 20 data bytes");
	/* A length field that is no length at all. */
	make_file(0xffffffffffull, "{}", NULL, 0);
	expect_error(-EINVAL, "exceeds");
	/* Missing file. */
	unlink(path);
	expect_error(-ENOENT, "No such file");
}

static void test_bad_json(void **state)
{
	(void)state;
	make_file(0, "{\"a\":{\"dtype\":", NULL, 0);
	expect_error(-EINVAL, "bad JSON header");
	make_file(0, "[1,2]   ", NULL, 0);
	expect_error(-EINVAL, "not an object");
	make_file(0, "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
		  "\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", NULL, 0);
	expect_error(-EINVAL, "duplicate member name");
	make_file(0, "{\"__metadata__\":{\"bn_eps\":0}}", NULL, 0);
	expect_error(-EINVAL, "__metadata__ 'bn_eps' is not a string");
	make_file(0, "{} x", NULL, 0);
	expect_error(-EINVAL, "unexpected text");
}

static void test_bad_entries(void **state)
{
	(void)state;
	make_file(0, "{\"w\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}    ", six, 4);
	expect_error(-EINVAL, "tensor 'w': unknown dtype 'F33'");
	make_file(0, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}      ", six, 4);
	expect_error(-EINVAL, "tensor 'w': F32 shape of 2 elements needs 8 bytes, data_offsets give 4");
	make_file(0, "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}     ", six, 4);
	expect_error(-EINVAL, "tensor 'w': shape entry 0 is not a size");
	make_file(0, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}      ", six, 4);
	expect_error(-EINVAL, "tensor 'w': data_offsets [4, 0] run backwards");
	make_file(0, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", six, 4);
	expect_error(-EINVAL, "tensor 'w': data_offsets is not two byte offsets");
	make_file(0, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		  "\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", six, 4);
	expect_error(-EINVAL, "overlap");
	make_file(0, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}      ", six, 8);
	expect_error(-EINVAL, "data bytes 0..4 belong to no tensor (before 'w')");
	make_file(0, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}      ", six, 8);
	expect_error(-EINVAL, "data bytes 4..8 after the last tensor");
	/* A 58-byte header: the F32 data would start at byte 66. */
	write_file(0, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}    ", six, 4, true);
	expect_error(-EINVAL, "tensor 'w': data not aligned");
}

/* A 1x1 conv with 2 output channels and its BN. */
static void write_conv_bn(const char *eps, bool conv_bias)
{
	/* conv.weight [2,1,1,1] = 2, 3; conv.bias = 1, -1; bn.weight 1, 2; bn.bias 0.5, -1;
	 * running_mean 1, 0; running_var 4, 0.25 */
	static const float data[12] = { 2, 3, 1, -1, 1, 2, 0.5f, -1, 1, 0, 4, 0.25f };
	char h[1024];
	int n;

	n = snprintf(h, sizeof(h), "{\"__metadata__\":{\"bn_eps\":\"%s\"},"
		     "\"c.weight\":{\"dtype\":\"F32\",\"shape\":[2,1,1,1],\"data_offsets\":[0,8]},"
		     "\"c.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
		     "\"n.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]},"
		     "\"n.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]},"
		     "\"n.running_mean\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[32,40]},"
		     "\"n.running_var\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[40,48]}}", eps);
	if (!conv_bias) {
		/* Rename c.bias to an unrelated tensor. */
		char *p = strstr(h, "\"c.bias\"");

		memcpy(p, "\"x.bias\"", 8);
	}
	(void)n;
	make_file(0, h, data, sizeof(data));
}

static void test_fold_bn(void **state)
{
	struct folded_conv c;
	struct weights *w;

	(void)state;
	/* eps 0: scale = 1/2 and 2/0.5 = 4. */
	write_conv_bn("0.0", false);
	assert_int_equal(weights_open(path, &w), 0);
	assert_int_equal(weights_fold_bn(w, "c", "n", &c), 0);
	assert_int_equal(c.out_channels, 2);
	assert_int_equal(c.in_channels, 1);
	assert_int_equal(c.kh, 1);
	assert_true(c.weight[0] == 1.0f && c.weight[1] == 12.0f);
	assert_true(c.bias[0] == 0.0f && c.bias[1] == -1.0f);
	folded_conv_free(&c);
	weights_close(w);

	/* With the conv's bias: bias' = beta + (bias - mean) * scale. */
	write_conv_bn("0.0", true);
	assert_int_equal(weights_open(path, &w), 0);
	assert_int_equal(weights_fold_bn(w, "c", "n", &c), 0);
	assert_true(c.bias[0] == 0.5f && c.bias[1] == -5.0f);
	folded_conv_free(&c);
	weights_close(w);

	/* The recorded eps is used, and must be an eps. */
	write_conv_bn("12", true);
	assert_int_equal(weights_open(path, &w), 0);
	assert_int_equal(weights_fold_bn(w, "c", "n", &c), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "bn_eps '12' is not an eps"));
	weights_close(w);
	write_conv_bn("0.75", true);
	assert_int_equal(weights_open(path, &w), 0);
	assert_int_equal(weights_fold_bn(w, "c", "n", &c), 0);
	/* channel 1: var 0.25 + 0.75 = 1 -> scale 2: weight 6, bias -1 + (-1 - 0) * 2 = -3 */
	assert_true(c.weight[1] == 6.0f && c.bias[1] == -3.0f);
	folded_conv_free(&c);
	/* Missing BN parameters name the tensor. */
	assert_int_equal(weights_fold_bn(w, "c", "bn9", &c), -ENOENT);
	assert_non_null(strstr(tt_last_error(), "'bn9.weight'"));
	assert_null(c.weight);
	weights_close(w);
}

static void test_eps_metadata(void **state)
{
	struct folded_conv c;
	struct weights *w;
	float eps;

	(void)state;
	make_file(0, "{}      ", NULL, 0);
	assert_int_equal(weights_open(path, &w), 0);
	assert_int_equal(weights_bn_eps(w, &eps), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "no bn_eps"));
	assert_int_equal(weights_fold_bn(w, "c", "n", &c), -EINVAL);
	weights_close(w);
	make_file(0, "{\"__metadata__\":{\"bn_eps\":\"abc\"}}     ", NULL, 0);
	assert_int_equal(weights_open(path, &w), 0);
	assert_int_equal(weights_bn_eps(w, &eps), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "'abc'"));
	weights_close(w);
	/* var + eps = 0: no finite scale. */
	write_conv_bn("0", false);
	{
		/* running_var channel 0 = 0 */
		FILE *f = fopen(path, "r+b");
		uint64_t hlen;
		float zero = 0;

		assert_non_null(f);
		assert_int_equal(fread(&hlen, 8, 1, f), 1);
		fseek(f, (long)(8 + hlen + 40), SEEK_SET);
		fwrite(&zero, 4, 1, f);
		fclose(f);
	}
	assert_int_equal(weights_open(path, &w), 0);
	assert_int_equal(weights_fold_bn(w, "c", "n", &c), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "'n' channel 0"));
	weights_close(w);
}

/* Every prefix of a good file is refused; every single-byte change is refused or read cleanly. */
static void test_every_cut_and_flip(void **state)
{
	const char *h = "{\"__metadata__\":{\"bn_eps\":\"0\"},"
			"\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
			"\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}";
	uint8_t *good;
	size_t size;
	FILE *f;
	struct weights *w;

	(void)state;
	make_file(0, h, six, 24);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = (size_t)ftell(f);
	rewind(f);
	good = malloc(size);
	assert_int_equal(fread(good, 1, size, f), size);
	fclose(f);
	for (size_t n = 0; n < size; n++) {
		f = fopen(path, "wb");
		fwrite(good, 1, n, f);
		fclose(f);
		assert_int_equal(weights_open(path, &w), -EINVAL);
		assert_non_null(strstr(tt_last_error(), path));
	}
	for (size_t i = 0; i < size - 24; i++) {
		uint8_t *bad = malloc(size);
		int err;

		memcpy(bad, good, size);
		bad[i] ^= (uint8_t)(i < 8 ? 0x40 : 0x21);
		f = fopen(path, "wb");
		fwrite(bad, 1, size, f);
		fclose(f);
		err = weights_open(path, &w);
		if (!err) {
			/* still a well-formed file: it must read as one */
			for (size_t t = 0; t < weights_count(w); t++)
				assert_true(weights_at(w, t)->size <= 24);
			weights_close(w);
		} else {
			assert_int_equal(err, -EINVAL);
		}
		free(bad);
	}
	free(good);
}

/* Opens a tensorless file with the given __metadata__ members. */
static struct weights *with_meta(const char *members)
{
	char h[512];
	struct weights *w;

	snprintf(h, sizeof(h), "{\"__metadata__\":{%s}}", members);
	make_file(0, h, NULL, 0);
	assert_int_equal(weights_open(path, &w), 0);
	return w;
}

static void test_class_names(void **state)
{
	struct class_names c;
	struct weights *w;

	(void)state;
	w = with_meta("\"class_names\":\"square,circle,triangle\",\"num_classes\":\"4\"");
	assert_int_equal(class_names_from_weights(w, &c), 0);
	assert_int_equal(c.count, 4);
	assert_string_equal(class_name(&c, 0), "__background__");
	assert_string_equal(class_name(&c, 2), "circle");
	assert_string_equal(class_name(&c, 3), "triangle");
	assert_null(class_name(&c, 4));
	assert_null(class_name(&c, -1));
	class_names_free(&c);
	weights_close(w);

	w = with_meta("\"num_classes\":\"91\"");
	assert_int_equal(class_names_from_weights(w, &c), 0);
	assert_string_equal(class_name(&c, 1), "person");
	assert_string_equal(class_name(&c, 12), "N/A");
	assert_string_equal(class_name(&c, 90), "toothbrush");
	class_names_free(&c);
	weights_close(w);

	w = with_meta("\"class_names\":\"a,b\",\"num_classes\":\"5\"");
	assert_int_equal(class_names_from_weights(w, &c), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "2 names in class_names for 5 classes"));
	weights_close(w);
	w = with_meta("\"class_names\":\"a,,b\"");
	assert_int_equal(class_names_from_weights(w, &c), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "label 2 has an empty name"));
	assert_int_equal(c.count, 0);
	weights_close(w);
	w = with_meta("\"num_classes\":\"4\"");
	assert_int_equal(class_names_from_weights(w, &c), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "not COCO's 91"));
	weights_close(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_old_spelling),
		cmocka_unit_test(test_wrong_dtype),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_bad_entries),
		cmocka_unit_test(test_fold_bn),
		cmocka_unit_test(test_eps_metadata),
		cmocka_unit_test(test_class_names),
		cmocka_unit_test(test_every_cut_and_flip),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	unlink(path);
	return rc;
}
