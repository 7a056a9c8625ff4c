// SPDX-License-Identifier: MIT
/* COCO mAP against hand-computed cases; COCO JSON in and out. */
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
#include "../../model/eval/coco.h"

static int64_t images[] = { 1, 2, 3 };
static int64_t cats[] = { 1, 2, 3 };

#define GT(img, cat, x, y, w, h) { img, cat, { x, y, w, h }, (double)(w) * (h), 0, false }
#define CROWD(img, cat, x, y, w, h) { img, cat, { x, y, w, h }, (double)(w) * (h), 0, true }
#define DT(img, cat, x, y, w, h, s) { img, cat, { x, y, w, h }, 0, s, false }

static void evaluate(struct coco_object *gt, size_t ngt, const struct coco_object *dt, size_t ndt,
		     double *stats)
{
	struct coco_set set = { images, 3, cats, 3, gt, ngt };

	assert_int_equal(coco_evaluate(&set, dt, ndt, stats), 0);
}

#define assert_close(a, b) assert_true(fabs((a) - (b)) < 1e-12)

static void test_perfect(void **state)
{
	struct coco_object gt[] = { GT(1, 1, 10, 10, 20, 20), GT(2, 1, 50, 40, 60, 50) };
	struct coco_object dt[] = { DT(1, 1, 10, 10, 20, 20, 0.9), DT(2, 1, 50, 40, 60, 50, 0.3) };
	double s[COCO_NSTATS];

	(void)state;
	evaluate(gt, 2, dt, 2, s);
	assert_close(s[COCO_AP], 1.0);
	assert_close(s[COCO_AP50], 1.0);
	assert_close(s[COCO_AP75], 1.0);
	assert_close(s[COCO_AP_SMALL], 1.0);	/* 400 <= 32^2 */
	assert_close(s[COCO_AP_MEDIUM], 1.0);	/* 3000 */
	assert_close(s[COCO_AP_LARGE], -1.0);	/* nothing large */
	assert_close(s[COCO_AR1], 1.0);
	assert_close(s[COCO_AR100], 1.0);
}

/* A false positive ranked above the true one: precision 0.5 at every recall. */
static void test_false_positive_first(void **state)
{
	struct coco_object gt[] = { GT(1, 1, 0, 0, 10, 10) };
	struct coco_object dt[] = { DT(1, 1, 50, 50, 10, 10, 0.9), DT(1, 1, 0, 0, 10, 10, 0.8) };
	double s[COCO_NSTATS];

	(void)state;
	evaluate(gt, 1, dt, 2, s);
	assert_close(s[COCO_AP], 0.5);
	assert_close(s[COCO_AP50], 0.5);
	assert_close(s[COCO_AR1], 0.0);		/* the top detection alone misses */
	assert_close(s[COCO_AR10], 1.0);
}

/* IoU 0.72 matches at thresholds .50 .. .70: 5 of 10. */
static void test_iou_thresholds(void **state)
{
	struct coco_object gt[] = { GT(1, 1, 0, 0, 10, 10) };
	struct coco_object dt[] = { DT(1, 1, 0, 0, 10, 7.2, 0.5) };
	double s[COCO_NSTATS];

	(void)state;
	evaluate(gt, 1, dt, 1, s);
	assert_close(s[COCO_AP50], 1.0);
	assert_close(s[COCO_AP75], 0.0);
	assert_close(s[COCO_AP], 0.5);
	assert_close(s[COCO_AR100], 0.5);
}

/*
 * Three objects; detections TP .9, FP .8, TP .7, FP .6. Recall 1/3, 1/3, 2/3,
 * 2/3; precision made monotone 1, 2/3, 2/3, 1/2. Recall points 0..0.33 take
 * 1, 0.34..0.66 take 2/3, 0.67..1 are past the end: AP = (34 + 33 * 2/3) / 101.
 */
static void test_interpolation(void **state)
{
	struct coco_object gt[] = { GT(1, 1, 0, 0, 10, 10), GT(1, 1, 20, 0, 10, 10), GT(2, 1, 0, 0, 10, 10) };
	struct coco_object dt[] = {
		DT(1, 1, 0, 0, 10, 10, 0.9), DT(1, 1, 60, 60, 10, 10, 0.8),
		DT(2, 1, 0, 0, 10, 10, 0.7), DT(2, 1, 60, 60, 10, 10, 0.6),
	};
	double s[COCO_NSTATS];

	(void)state;
	evaluate(gt, 3, dt, 4, s);
	assert_close(s[COCO_AP], 56.0 / 101.0);
	assert_close(s[COCO_AP50], 56.0 / 101.0);
	assert_close(s[COCO_AR100], 2.0 / 3.0);
	/* One detection per image: the .9 and the .7 ones, both right. */
	assert_close(s[COCO_AR1], 2.0 / 3.0);
}

/* A detection inside a crowd region is neither right nor wrong. */
static void test_crowd(void **state)
{
	struct coco_object gt[] = { GT(1, 1, 0, 0, 10, 10), CROWD(1, 1, 100, 100, 100, 100) };
	struct coco_object dt[] = { DT(1, 1, 120, 120, 20, 20, 0.95), DT(1, 1, 0, 0, 10, 10, 0.5) };
	double s[COCO_NSTATS];

	(void)state;
	evaluate(gt, 2, dt, 2, s);
	assert_close(s[COCO_AP], 1.0);
	/* Without the crowd flag it would be a false positive on top (AP 0.5), and
	 * the crowd box an unmatched object. */
	gt[1].iscrowd = false;
	evaluate(gt, 2, dt, 2, s);
	assert_close(s[COCO_AP50], 0.5 * (1.0 / 1.0) * (51.0 / 101.0));
}

/* Categories average; one without ground truth is left out. */
static void test_categories(void **state)
{
	struct coco_object gt[] = { GT(1, 1, 0, 0, 10, 10), GT(1, 2, 0, 0, 10, 10) };
	struct coco_object dt[] = {
		DT(1, 1, 0, 0, 10, 10, 0.9),
		DT(1, 2, 50, 50, 10, 10, 0.9), DT(1, 2, 0, 0, 10, 10, 0.8),
		DT(1, 3, 0, 0, 10, 10, 0.9),	/* category 3 has no objects */
		DT(1, 7, 0, 0, 10, 10, 0.9),	/* category 7 is not in the set */
	};
	double s[COCO_NSTATS];

	(void)state;
	evaluate(gt, 2, dt, 5, s);
	assert_close(s[COCO_AP], 0.75);
	/* No detections at all: AP 0, not -1. */
	evaluate(gt, 2, dt, 0, s);
	assert_close(s[COCO_AP], 0.0);
	assert_close(s[COCO_AR100], 0.0);
}

/* Small, medium and large each scored on their own. */
static void test_areas(void **state)
{
	struct coco_object gt[] = { GT(1, 1, 0, 0, 20, 20), GT(1, 1, 100, 0, 50, 50), GT(1, 1, 0, 100, 100, 100) };
	struct coco_object dt[] = {
		DT(1, 1, 0, 0, 20, 20, 0.9), DT(1, 1, 100, 0, 50, 50, 0.3),
		DT(1, 1, 300, 300, 100, 100, 0.95),	/* a large false positive */
	};
	double s[COCO_NSTATS];

	(void)state;
	evaluate(gt, 3, dt, 3, s);
	assert_close(s[COCO_AP_SMALL], 1.0);
	assert_close(s[COCO_AP_MEDIUM], 1.0);
	assert_close(s[COCO_AP_LARGE], 0.0);
	assert_close(s[COCO_AR_LARGE], 0.0);
	assert_close(s[COCO_AR_SMALL], 1.0);
}

static void test_bad_input(void **state)
{
	struct coco_object gt[] = { GT(1, 1, 0, 0, 10, 10), GT(9, 1, 0, 0, 10, 10) };
	struct coco_object dt[] = { DT(5, 1, 0, 0, 10, 10, 0.9) };
	struct coco_set set = { images, 3, cats, 3, gt, 1 };
	int64_t twice[] = { 1, 1 };
	double s[COCO_NSTATS];

	(void)state;
	assert_int_equal(coco_evaluate(&set, dt, 1, s), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "detection 0 is on image 5"));
	set.count = 2;
	assert_int_equal(coco_evaluate(&set, dt, 0, s), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "annotation 1 has image id 9"));
	set.count = 1;
	set.image_ids = twice;
	set.nimages = 2;
	assert_int_equal(coco_evaluate(&set, dt, 0, s), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "image id 1 listed twice"));
}

static char path[64];

static void write_text(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/test_coco.%d.json", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_json_files(void **state)
{
	struct coco_object dt[] = { DT(3, 2, 1.5, 2.25, 10, 20, 0.875), DT(1, 1, 0, 0, 1e-3, 7, 0.1) };
	struct coco_object *back;
	struct coco_set gt;
	size_t n;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_coco.%d.json", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(coco_write_results(f, dt, 2), 0);
	fclose(f);
	assert_int_equal(coco_read_results(path, &back, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(back[0].image_id, 3);
	assert_int_equal(back[0].category_id, 2);
	assert_true(back[0].bbox[1] == 2.25 && back[0].bbox[3] == 20 && back[0].score == 0.875);
	assert_true(back[0].area == 200);
	assert_true(back[1].bbox[2] == 1e-3);
	free(back);

	write_text("{\"images\": [{\"id\": 4}, {\"id\": 5}], \"categories\": [{\"id\": 1, \"name\": \"x\"}],"
		   "\"annotations\": [{\"image_id\": 5, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], "
		   "\"area\": 9.5, \"iscrowd\": 1}, {\"image_id\": 4, \"category_id\": 1, \"bbox\": [0, 0, 2, 2]}]}");
	assert_int_equal(coco_read_ground_truth(path, &gt), 0);
	assert_int_equal(gt.nimages, 2);
	assert_int_equal(gt.image_ids[1], 5);
	assert_int_equal(gt.ncategories, 1);
	assert_int_equal(gt.count, 2);
	assert_true(gt.objects[0].area == 9.5 && gt.objects[0].iscrowd);
	assert_true(gt.objects[1].area == 4 && !gt.objects[1].iscrowd);
	coco_set_free(&gt);

	/* Bad files name what is wrong. */
	write_text("{\"images\": [], \"categories\": []}");
	assert_int_equal(coco_read_ground_truth(path, &gt), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "no 'annotations' list"));
	write_text("{\"images\": [{\"id\": 1.5}], \"categories\": [], \"annotations\": []}");
	assert_int_equal(coco_read_ground_truth(path, &gt), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "images[0]: no integer id"));
	write_text("[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, -1, 2], \"score\": 1}]");
	assert_int_equal(coco_read_results(path, &back, &n), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "results[0]: bbox"));
	write_text("[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1, 2]}]");
	assert_int_equal(coco_read_results(path, &back, &n), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "results[0]: no score"));
	write_text("[{\"image_id\": 1,");
	assert_int_equal(coco_read_results(path, &back, &n), -EINVAL);
	assert_non_null(strstr(tt_last_error(), "JSON"));
	unlink(path);
	assert_int_equal(coco_read_results(path, &back, &n), -ENOENT);

	/* A non-finite value writes nothing at all. */
	dt[1].score = NAN;
	f = tmpfile();
	assert_int_equal(coco_write_results(f, dt, 2), -EINVAL);
	assert_int_equal(ftell(f), 0);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perfect),
		cmocka_unit_test(test_false_positive_first),
		cmocka_unit_test(test_iou_thresholds),
		cmocka_unit_test(test_interpolation),
		cmocka_unit_test(test_crowd),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_areas),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_json_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
