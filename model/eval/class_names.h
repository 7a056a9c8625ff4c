/* SPDX-License-Identifier: MIT */
/* The names of a network's class labels (label 0 is the background). */
#ifndef MODEL_CLASS_NAMES_H
#define MODEL_CLASS_NAMES_H

#include "../weights.h"

struct class_names {
	int count;		/* labels 0 .. count-1 */
	char **names;
};

/*
 * From the weights' __metadata__: class_names "a,b,c" names labels 1..3;
 * without it a 91-class network gets COCO's names as torchvision numbers
 * them ("N/A" for the unused ids). Otherwise -EINVAL; also when the list
 * disagrees with num_classes.
 */
int class_names_from_weights(const struct weights *w, struct class_names *out);
/* The name of label, or NULL when it is out of range. */
const char *class_name(const struct class_names *c, int label);
void class_names_free(struct class_names *c);

#endif
