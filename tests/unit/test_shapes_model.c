// SPDX-License-Identifier: MIT
/* The committed shapes detector (model/data/) loads, describes itself and folds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "../../libttuser/internal.h"
#include "../../model/eval/class_names.h"
#include "../../model/weights.h"
#include "../../tools/ttdetect/image.h"

#define DATA TESTS_DIR "/../model/data/"

static void test_weights(void **state)
{
	struct class_names names;
	struct folded_conv c;
	struct weights *w;
	struct stat st;
	const float *d;
	float eps;

	(void)state;
	assert_int_equal(stat(DATA "shapes_frcnn.safetensors", &st), 0);
	assert_true(st.st_size <= 25 * 1000 * 1000);
	if (weights_open(DATA "shapes_frcnn.safetensors", &w))
		fail_msg("%s", tt_last_error());
	assert_string_equal(weights_meta(w, "backbone_depth"), "18");
	assert_string_equal(weights_meta(w, "returned_layers"), "1,2,3");
	assert_string_equal(weights_meta(w, "anchor_sizes"), "16,32,64,128");
	assert_string_equal(weights_meta(w, "image_size"), "128");
	assert_int_equal(weights_bn_eps(w, &eps), 0);
	assert_true(eps == 1e-5f);
	assert_int_equal(class_names_from_weights(w, &names), 0);
	assert_int_equal(names.count, 4);
	assert_string_equal(class_name(&names, 1), "square");
	assert_string_equal(class_name(&names, 3), "triangle");
	class_names_free(&names);
	assert_int_equal(weights_f32(w, "roi_heads.box_head.fc6.weight", 2, (int64_t[]){ 256, 128 * 49 }, &d), 0);
	assert_int_equal(weights_f32(w, "roi_heads.box_predictor.cls_score.weight", 2, (int64_t[]){ 4, 256 }, &d), 0);
	assert_int_equal(weights_fold_bn(w, "backbone.body.layer3.1.conv2", "backbone.body.layer3.1.bn2", &c), 0);
	assert_int_equal(c.out_channels, 256);
	assert_int_equal(c.kh, 3);
	folded_conv_free(&c);
	/* The body stops after layer3. */
	assert_null(weights_find(w, "backbone.body.layer4.0.conv1.weight"));
	weights_close(w);
}

static void test_images(void **state)
{
	struct image img;

	(void)state;
	for (int i = 0; i < 4; i++) {
		char path[256];

		snprintf(path, sizeof(path), DATA "shapes/shape_%05d.png", i);
		if (image_read(path, &img))
			fail_msg("%s", tt_last_error());
		assert_int_equal(img.width, 128);
		assert_int_equal(img.height, 128);
		image_free(&img);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_images),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
