// SPDX-License-Identifier: MIT
/* Host layers (model/reference/layers.h) on hand-computed cases, and network_load's errors. */
#include <math.h>
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
#include "../../model/reference/layers.h"
#include "../../model/reference/network.h"

static void test_conv(void **state)
{
	/* 1 channel 3x3 input 1..9; 2 output channels of a 3x3 kernel. */
	float x[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	float w[18] = { 0, 0, 0, 0, 1, 0, 0, 0, 0,	/* identity */
			1, 1, 1, 1, 1, 1, 1, 1, 1 };	/* box sum */
	float b[2] = { 0.5f, -40 };
	struct fmap in = { 1, 3, 3, x }, out, res;
	struct conv_params p = { 2, 1, 3, 1, 1, w, b };

	(void)state;
	assert_int_equal(conv2d(&p, &in, NULL, false, &out), 0);
	assert_true(out.c == 2 && out.h == 3 && out.w == 3);
	assert_true(out.data[0] == 1.5f && out.data[8] == 9.5f);
	/* box sums with zero padding: corner 1+2+4+5 = 12, centre 45 */
	assert_true(out.data[9] == 12 - 40 && out.data[9 + 4] == 45 - 40);
	fmap_free(&out);

	/* relu, and a residual added before it */
	assert_int_equal(conv2d(&p, &in, NULL, true, &out), 0);
	assert_true(out.data[9] == 0 && out.data[13] == 5);
	assert_int_equal(fmap_alloc(&res, 2, 3, 3), 0);
	for (int i = 0; i < 18; i++)
		res.data[i] = 100;
	fmap_free(&out);
	assert_int_equal(conv2d(&p, &in, &res, true, &out), 0);
	assert_true(out.data[9] == 12 - 40 + 100 && out.data[0] == 101.5f);
	fmap_free(&out);
	fmap_free(&res);

	/* stride 2, pad 1: outputs at input (0,0), (0,2), (2,0), (2,2) */
	p.stride = 2;
	assert_int_equal(conv2d(&p, &in, NULL, false, &out), 0);
	assert_true(out.h == 2 && out.w == 2);
	assert_true(out.data[1] == 3.5f && out.data[3] == 9.5f);
	assert_true(out.data[4 + 3] == (5 + 6 + 8 + 9) - 40);
	fmap_free(&out);

	/* wrong channel count, a residual of the wrong shape */
	p.in_channels = 2;
	assert_int_equal(conv2d(&p, &in, NULL, false, &out), -EINVAL);
	p.in_channels = 1;
	p.stride = 1;
	assert_int_equal(fmap_alloc(&res, 2, 2, 2), 0);
	assert_int_equal(conv2d(&p, &in, &res, false, &out), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "residual 2x2x2"));
	fmap_free(&res);
}

static void test_pool_upsample_linear(void **state)
{
	float x[16];
	struct fmap in = { 1, 4, 4, x }, out, big;

	(void)state;
	for (int i = 0; i < 16; i++)
		x[i] = (float)((i * 7) % 16) - 8;	/* -8 -1 6 -3 / 4 -5 2 -7 / 0 7 -2 5 / -4 3 -6 1 */
	/* 3x3 stride 2 pad 1: windows clipped at the border */
	assert_int_equal(max_pool2d(&in, 3, 2, 1, &out), 0);
	assert_true(out.h == 2 && out.w == 2);
	assert_true(out.data[0] == 4 && out.data[1] == 6 && out.data[2] == 7 && out.data[3] == 7);
	fmap_free(&out);
	/* kernel 1 stride 2: every other pixel (the FPN pool level) */
	assert_int_equal(max_pool2d(&in, 1, 2, 0, &out), 0);
	assert_true(out.data[0] == -8 && out.data[1] == 6 && out.data[2] == 0 && out.data[3] == -2);

	/* 2x2 -> 4x4 nearest, added */
	assert_int_equal(fmap_alloc(&big, 1, 4, 4), 0);
	for (int i = 0; i < 16; i++)
		big.data[i] = 1;
	assert_int_equal(upsample_nearest_add(&out, &big), 0);
	assert_true(big.data[0] == -7 && big.data[3] == 7 && big.data[5] == -7 && big.data[15] == -1);
	/* 2 -> 3: floor(dst * 2 / 3) = 0, 0, 1 */
	struct fmap odd;

	assert_int_equal(fmap_alloc(&odd, 1, 3, 3), 0);
	memset(odd.data, 0, 9 * sizeof(float));
	assert_int_equal(upsample_nearest_add(&out, &odd), 0);
	assert_true(odd.data[0] == -8 && odd.data[1] == -8 && odd.data[2] == 6 && odd.data[8] == -2);
	fmap_free(&odd);
	fmap_free(&big);
	fmap_free(&out);

	/* linear with relu, 2 rows of 9 features */
	float a[18], wt[18], bias[2] = { 1, -100 }, y[4];

	for (int i = 0; i < 18; i++) {
		a[i] = (float)i;
		wt[i] = i < 9 ? 1.0f : (float)(i - 9);
	}
	linear(a, 2, 9, wt, bias, 2, true, y);
	assert_true(y[0] == 1 + 36 && y[1] == 204 - 100);	/* sum of i*i over 0..8 is 204 */
	assert_true(y[2] == 1 + (9 + 17) * 9 / 2.0f);
	/* row 1, output 1: sum_i i * (9 + i) over i = 0..8 = 9*36 + 204 = 528, - 100 */
	assert_true(y[3] == 528 - 100);
	assert_int_equal(fmap_alloc(&out, 0, 1, 1), -EINVAL);
}

static void test_network_errors(void **state)
{
	char path[64];
	struct weights *w;
	struct network *n = (struct network *)0x1;
	FILE *f;
	const char *h = "{\"__metadata__\":{\"backbone_blocks\":\"2,2\",\"backbone_block\":\"basic\","
			"\"returned_layers\":\"1,2\",\"bn_eps\":\"0\"}}";
	uint64_t len;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_layers.%d.safetensors", (int)getpid());
	f = fopen(path, "wb");
	assert_non_null(f);
	len = (strlen(h) + 7) / 8 * 8;
	fwrite(&len, 8, 1, f);
	fprintf(f, "%-*s", (int)len, h);
	fclose(f);
	assert_int_equal(weights_open(path, &w), 0);
	assert_int_equal(network_load(w, &n), -ENOENT);
	assert_non_null(strstr(tt_last_error(), "'backbone.body.conv1.weight'"));
	assert_ptr_equal(n, (struct network *)0x1);
	weights_close(w);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv),
		cmocka_unit_test(test_pool_upsample_linear),
		cmocka_unit_test(test_network_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
