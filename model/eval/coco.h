/* SPDX-License-Identifier: MIT */
/*
 * COCO-style box evaluation (the protocol of pycocotools' COCOeval with
 * iouType "bbox": IoU thresholds .50:.05:.95, 101 recall points, area ranges
 * all/small/medium/large, max detections 1/10/100) and COCO JSON files.
 */
#ifndef MODEL_COCO_H
#define MODEL_COCO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A ground-truth annotation or a detection. */
struct coco_object {
	int64_t image_id;
	int64_t category_id;
	double bbox[4];		/* x, y, width, height */
	double area;		/* ground truth: the annotation's area (detections: w * h is used) */
	double score;		/* detections only */
	bool iscrowd;		/* ground truth only: a crowd region, ignored */
};

enum coco_stat {
	COCO_AP, COCO_AP50, COCO_AP75, COCO_AP_SMALL, COCO_AP_MEDIUM, COCO_AP_LARGE,
	COCO_AR1, COCO_AR10, COCO_AR100, COCO_AR_SMALL, COCO_AR_MEDIUM, COCO_AR_LARGE,
	COCO_NSTATS
};

extern const char *const coco_stat_names[COCO_NSTATS];

/*
 * The evaluation set: the images and categories of the ground truth (an image
 * or category without annotations still counts, as in COCO), its annotations.
 */
struct coco_set {
	int64_t *image_ids;
	size_t nimages;
	int64_t *category_ids;
	size_t ncategories;
	struct coco_object *objects;
	size_t count;
};

/*
 * The twelve summary numbers; a number with nothing to average is -1 (as
 * pycocotools). Detections of categories outside the set are not scored; a
 * detection on an image outside it is -EINVAL (as pycocotools refuses such
 * results). Ground truth on images or categories outside the set is -EINVAL.
 */
int coco_evaluate(const struct coco_set *gt, const struct coco_object *dt, size_t ndt,
		  double stats[COCO_NSTATS]);

/* A COCO annotation file (images, annotations, categories). */
int coco_read_ground_truth(const char *path, struct coco_set *out);
/* A COCO results file: a list of {image_id, category_id, bbox, score}. */
int coco_read_results(const char *path, struct coco_object **out, size_t *count);
/* Writes detections as a COCO results list. */
int coco_write_results(FILE *f, const struct coco_object *dt, size_t n);
void coco_set_free(struct coco_set *s);

#endif
