// SPDX-License-Identifier: MIT
/* coco_eval GT.json RESULTS.json [--json]: COCO box mAP of a results file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../model/eval/coco.h"
#include "ttuser.h"

int main(int argc, char **argv)
{
	struct coco_object *dt = NULL;
	double stats[COCO_NSTATS];
	struct coco_set gt;
	size_t ndt = 0;
	int json = argc == 4 && !strcmp(argv[3], "--json");

	if (argc != 3 && !json) {
		fprintf(stderr, "usage: coco_eval GROUND_TRUTH.json RESULTS.json [--json]\n"
			"COCO-style box evaluation: mAP@[.5:.95], mAP@0.5 and the other ten numbers\n");
		return 2;
	}
	if (coco_read_ground_truth(argv[1], &gt) || coco_read_results(argv[2], &dt, &ndt) ||
	    coco_evaluate(&gt, dt, ndt, stats)) {
		fprintf(stderr, "coco_eval: %s\n", tt_last_error());
		coco_set_free(&gt);
		free(dt);
		return 1;
	}
	if (json) {
		printf("{\"images\": %zu, \"annotations\": %zu, \"detections\": %zu", gt.nimages, gt.count, ndt);
		for (int s = 0; s < COCO_NSTATS; s++)
			printf(", \"%s\": %.6f", coco_stat_names[s], stats[s]);
		printf("}\n");
	} else {
		printf("%zu images, %zu annotations, %zu detections\n", gt.nimages, gt.count, ndt);
		printf("mAP@[.5:.95] %.4f\nmAP@0.5 %.4f\n", stats[COCO_AP], stats[COCO_AP50]);
		for (int s = COCO_AP75; s < COCO_NSTATS; s++)
			printf("%s %.4f\n", coco_stat_names[s], stats[s]);
	}
	coco_set_free(&gt);
	free(dt);
	return 0;
}
