// SPDX-License-Identifier: MIT
/* Class label names: COCO's 91 as torchvision numbers them, or the weights' own list. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ttuser.h"
#include "class_names.h"

static const char *const coco[91] = {
	"__background__", "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train",
	"truck", "boat", "traffic light", "fire hydrant", "N/A", "stop sign", "parking meter",
	"bench", "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra",
	"giraffe", "N/A", "backpack", "umbrella", "N/A", "N/A", "handbag", "tie", "suitcase",
	"frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove",
	"skateboard", "surfboard", "tennis racket", "bottle", "N/A", "wine glass", "cup", "fork",
	"knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot",
	"hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed", "N/A",
	"dining table", "N/A", "N/A", "toilet", "N/A", "tv", "laptop", "mouse", "remote",
	"keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "N/A",
	"book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
};

static int fill(struct class_names *c, int count)
{
	c->names = calloc((size_t)count, sizeof(char *));
	if (!c->names)
		return tt_error(-ENOMEM, "class names: out of memory");
	c->count = count;
	return 0;
}

int class_names_from_weights(const struct weights *w, struct class_names *out)
{
	const char *list = weights_meta(w, "class_names"), *n = weights_meta(w, "num_classes");
	int classes = n ? atoi(n) : 0, count = 1, err;

	memset(out, 0, sizeof(*out));
	if (!list) {
		if (classes != 91)
			return tt_error(-EINVAL, "class names: no class_names in the weights' metadata and "
					"%s classes, not COCO's 91", n ? n : "no number of");
		if ((err = fill(out, 91)))
			return err;
		for (int i = 0; i < 91; i++)
			if (!(out->names[i] = strdup(coco[i])))
				goto oom;
		return 0;
	}
	for (const char *p = list; *p; p++)
		count += *p == ',';
	count++;		/* the background */
	if (classes && classes != count) {
		return tt_error(-EINVAL, "class names: %d names in class_names for %d classes "
				"(background included)", count - 1, classes);
	}
	if ((err = fill(out, count)))
		return err;
	if (!(out->names[0] = strdup("__background__")))
		goto oom;
	for (int i = 1; i < count; i++) {
		size_t len = strcspn(list, ",");

		if (!len) {
			class_names_free(out);
			return tt_error(-EINVAL, "class names: label %d has an empty name", i);
		}
		if (!(out->names[i] = strndup(list, len)))
			goto oom;
		list += len + (list[len] == ',');
	}
	return 0;
oom:
	class_names_free(out);
	return tt_error(-ENOMEM, "class names: out of memory");
}

const char *class_name(const struct class_names *c, int label)
{
	return label >= 0 && label < c->count ? c->names[label] : NULL;
}

void class_names_free(struct class_names *c)
{
	for (int i = 0; c->names && i < c->count; i++)
		free(c->names[i]);
	free(c->names);
	c->names = NULL;
	c->count = 0;
}
