// SPDX-License-Identifier: MIT
/* COCO JSON: annotation files and results lists, read and written. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ttuser.h"
#include "coco.h"
#include "json.h"

static int read_json(const char *path, struct json **out)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long n;
	int err;

	if (!f)
		return tt_error(-errno, "%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0) {
		fclose(f);
		return tt_error(-EINVAL, "%s: cannot tell its size", path);
	}
	rewind(f);
	text = malloc((size_t)n + 1);
	if (!text) {
		fclose(f);
		return tt_error(-ENOMEM, "%s: out of memory", path);
	}
	if (fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		fclose(f);
		return tt_error(-EIO, "%s: short read", path);
	}
	fclose(f);
	err = json_parse(text, (size_t)n, out);
	free(text);
	if (err) {
		char why[256];

		snprintf(why, sizeof(why), "%s", tt_last_error());
		return tt_error(err, "%s: %s", path, why);
	}
	return 0;
}

static bool get_id(const struct json *o, const char *key, int64_t *id)
{
	const struct json *v = json_get(o, key);

	if (!v || v->type != JSON_NUMBER || v->number != floor(v->number) || fabs(v->number) > 9e15)
		return false;
	*id = (int64_t)v->number;
	return true;
}

static bool get_bbox(const struct json *o, double bbox[4])
{
	const struct json *b = json_get(o, "bbox"), *e;
	int i = 0;

	if (!b || b->type != JSON_ARRAY || b->count != 4)
		return false;
	for (e = b->child; e; e = e->next) {
		if (e->type != JSON_NUMBER)
			return false;
		bbox[i++] = e->number;
	}
	return bbox[2] >= 0 && bbox[3] >= 0;
}

/* One object of a list: the caller names the list in errors. */
static int read_object(const char *path, const char *list, size_t j, const struct json *o,
		       bool result, struct coco_object *out)
{
	const struct json *v;

	memset(out, 0, sizeof(*out));
	if (o->type != JSON_OBJECT)
		return tt_error(-EINVAL, "%s: %s[%zu] is not an object", path, list, j);
	if (!get_id(o, "image_id", &out->image_id))
		return tt_error(-EINVAL, "%s: %s[%zu]: no integer image_id", path, list, j);
	if (!get_id(o, "category_id", &out->category_id))
		return tt_error(-EINVAL, "%s: %s[%zu]: no integer category_id", path, list, j);
	if (!get_bbox(o, out->bbox))
		return tt_error(-EINVAL, "%s: %s[%zu]: bbox is not [x, y, w, h] with w, h >= 0",
				path, list, j);
	out->area = out->bbox[2] * out->bbox[3];
	if (result) {
		v = json_get(o, "score");
		if (!v || v->type != JSON_NUMBER)
			return tt_error(-EINVAL, "%s: %s[%zu]: no score", path, list, j);
		out->score = v->number;
		return 0;
	}
	if ((v = json_get(o, "area"))) {
		if (v->type != JSON_NUMBER || v->number < 0)
			return tt_error(-EINVAL, "%s: %s[%zu]: area is not a number >= 0", path, list, j);
		out->area = v->number;
	}
	if ((v = json_get(o, "iscrowd"))) {
		if (v->type == JSON_BOOL)
			out->iscrowd = v->boolean;
		else if (v->type == JSON_NUMBER)
			out->iscrowd = v->number != 0;
		else
			return tt_error(-EINVAL, "%s: %s[%zu]: iscrowd is not 0/1", path, list, j);
	}
	return 0;
}

static int read_ids(const char *path, const struct json *root, const char *list, int64_t **out,
		    size_t *n)
{
	const struct json *a = json_get(root, list), *e;
	size_t j = 0;

	if (!a || a->type != JSON_ARRAY)
		return tt_error(-EINVAL, "%s: no '%s' list", path, list);
	*out = malloc((a->count ? a->count : 1) * sizeof(**out));
	if (!*out)
		return tt_error(-ENOMEM, "%s: out of memory", path);
	for (e = a->child; e; e = e->next, j++)
		if (!get_id(e, "id", &(*out)[j]))
			return tt_error(-EINVAL, "%s: %s[%zu]: no integer id", path, list, j);
	*n = a->count;
	return 0;
}

int coco_read_ground_truth(const char *path, struct coco_set *out)
{
	struct coco_set s = { 0 };
	const struct json *anns, *e;
	struct json *root;
	size_t j = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = read_json(path, &root)))
		return err;
	if ((err = read_ids(path, root, "images", &s.image_ids, &s.nimages)) ||
	    (err = read_ids(path, root, "categories", &s.category_ids, &s.ncategories)))
		goto fail;
	anns = json_get(root, "annotations");
	if (!anns || anns->type != JSON_ARRAY) {
		err = tt_error(-EINVAL, "%s: no 'annotations' list", path);
		goto fail;
	}
	s.objects = malloc((anns->count ? anns->count : 1) * sizeof(*s.objects));
	if (!s.objects) {
		err = tt_error(-ENOMEM, "%s: out of memory", path);
		goto fail;
	}
	for (e = anns->child; e; e = e->next, j++)
		if ((err = read_object(path, "annotations", j, e, false, &s.objects[j])))
			goto fail;
	s.count = anns->count;
	json_free(root);
	*out = s;
	return 0;
fail:
	json_free(root);
	coco_set_free(&s);
	return err;
}

int coco_read_results(const char *path, struct coco_object **out, size_t *count)
{
	struct coco_object *objs;
	const struct json *e;
	struct json *root;
	size_t j = 0;
	int err;

	if ((err = read_json(path, &root)))
		return err;
	if (root->type != JSON_ARRAY) {
		json_free(root);
		return tt_error(-EINVAL, "%s: results are not a list", path);
	}
	objs = malloc((root->count ? root->count : 1) * sizeof(*objs));
	if (!objs) {
		json_free(root);
		return tt_error(-ENOMEM, "%s: out of memory", path);
	}
	for (e = root->child; e; e = e->next, j++)
		if ((err = read_object(path, "results", j, e, true, &objs[j]))) {
			free(objs);
			json_free(root);
			return err;
		}
	*count = root->count;
	*out = objs;
	json_free(root);
	return 0;
}

int coco_write_results(FILE *f, const struct coco_object *dt, size_t n)
{
	/* Check everything before writing anything. */
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 4; k++)
			if (!isfinite(dt[i].bbox[k]))
				return tt_error(-EINVAL, "detection %zu: bbox is not finite", i);
		if (!isfinite(dt[i].score))
			return tt_error(-EINVAL, "detection %zu: score is not finite", i);
	}
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		const struct coco_object *d = &dt[i];

		fprintf(f, "%s\n{\"image_id\": %lld, \"category_id\": %lld, \"bbox\": [%.9g, %.9g, %.9g, %.9g], "
			"\"score\": %.9g}", i ? "," : "", (long long)d->image_id, (long long)d->category_id,
			d->bbox[0], d->bbox[1], d->bbox[2], d->bbox[3], d->score);
	}
	fputs("\n]\n", f);
	if (ferror(f))
		return tt_error(-EIO, "writing COCO results failed");
	return 0;
}

void coco_set_free(struct coco_set *s)
{
	free(s->image_ids);
	free(s->category_ids);
	free(s->objects);
	memset(s, 0, sizeof(*s));
}
