// SPDX-License-Identifier: MIT
/*
 * ttdetect: Faster-RCNN detections of images.
 *
 *   ttdetect [-w WEIGHTS] [--size N] [--score S] [-o OUT.png] [--json RESULTS.json]
 *            [--report] IMAGE...
 *
 * Every step runs on the host for now (--report says where each ran).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../model/class_names.h"
#include "../../model/coco.h"
#include "../../model/detector.h"
#include "image.h"
#include "ttuser.h"

#ifndef DEFAULT_WEIGHTS
#define DEFAULT_WEIGHTS "model/data/shapes_frcnn.safetensors"
#endif

static const uint8_t palette[6][3] = {
	{ 230, 60, 60 }, { 60, 200, 60 }, { 70, 120, 240 }, { 240, 200, 40 }, { 200, 70, 220 }, { 40, 210, 210 },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ttdetect [-w WEIGHTS] [--size N] [--score S] [-o OUT.png] [--json RESULTS.json]\n"
		   "                [--report] IMAGE...\n"
		   "Faster-RCNN detections of JPEG, PNG or PPM images.\n"
		   "  -w WEIGHTS      safetensors from tools/ttdetect/convert.py (default %s)\n"
		   "  --size N        resize to N x N at most (default: the weights' image_size, else 320)\n"
		   "  --score S       print and draw detections scoring at least S (default 0.5)\n"
		   "  -o OUT.png      the image with its detections drawn (one image only)\n"
		   "  --json FILE     every detection as COCO results; the image id is the number\n"
		   "                  ending the file name (COCO's naming), else its position\n"
		   "  --report        each step: output shape, where it ran, host time\n"
		   "exit status: 0 done, 1 an error, 2 bad usage\n", DEFAULT_WEIGHTS);
}

/* COCO names images by id: the digits ending the base name, else the position. */
static int64_t image_id(const char *path, int index)
{
	const char *base = strrchr(path, '/'), *dot, *p;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (!dot)
		dot = base + strlen(base);
	p = dot;
	while (p > base && isdigit((unsigned char)p[-1]))
		p--;
	return p < dot && dot - p < 16 ? strtoll(p, NULL, 10) : index;
}

static void print_report(const struct detector_report *r)
{
	int on_device = 0;

	printf("%-32s %-28s %-7s %10s\n", "step", "output", "where", "host ms");
	for (int i = 0; i < r->count; i++) {
		printf("%-32s %-28s %-7s %10.2f\n", r->steps[i].op, r->steps[i].shape, r->steps[i].where,
		       r->steps[i].host_ms);
		on_device += !strcmp(r->steps[i].where, "device");
	}
	printf("on the device: %d of %d steps\n", on_device, r->count);
}

int main(int argc, char **argv)
{
	const char *weights_path = DEFAULT_WEIGHTS, *out_png = NULL, *json_path = NULL;
	int size = 0, report = 0, nimages = 0, rc = 1;
	const char **images = calloc((size_t)argc, sizeof(char *));
	double score = 0.5;
	struct weights *w = NULL;
	struct network *net = NULL;
	struct class_names names = { 0 };
	struct detector_config cfg;
	struct coco_object *all = NULL;
	size_t nall = 0;
	FILE *json = NULL;

	if (!images) {
		fprintf(stderr, "ttdetect: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			rc = 0;
			goto done;
		} else if (!strcmp(a, "--report")) {
			report = 1;
		} else if (a[0] == '-' && a[1] && i + 1 >= argc) {
			usage(stderr);
			rc = 2;
			goto done;
		} else if (!strcmp(a, "-w")) {
			weights_path = argv[++i];
		} else if (!strcmp(a, "-o")) {
			out_png = argv[++i];
		} else if (!strcmp(a, "--json")) {
			json_path = argv[++i];
		} else if (!strcmp(a, "--size")) {
			size = (int)strtol(argv[++i], &end, 10);
			if (*end || size < 32 || size > 4096) {
				fprintf(stderr, "ttdetect: --size %s: not a size in 32..4096\n", argv[i]);
				rc = 2;
			goto done;
			}
		} else if (!strcmp(a, "--score")) {
			score = strtod(argv[++i], &end);
			if (*end || !(score >= 0 && score <= 1)) {
				fprintf(stderr, "ttdetect: --score %s: not a score in [0, 1]\n", argv[i]);
				rc = 2;
			goto done;
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "ttdetect: unknown option %s\n", a);
			usage(stderr);
			rc = 2;
			goto done;
		} else {
			images[nimages++] = a;
		}
	}
	if (!nimages) {
		usage(stderr);
		rc = 2;
			goto done;
	}
	if (out_png && nimages != 1) {
		fprintf(stderr, "ttdetect: -o writes one image; %d given\n", nimages);
		rc = 2;
			goto done;
	}
	if (weights_open(weights_path, &w) || network_load(w, &net) ||
	    detector_config_from_weights(w, net, &cfg) || class_names_from_weights(w, &names))
		goto fail;
	if (names.count != network_classes(net)) {
		fprintf(stderr, "ttdetect: %d class names for %d classes\n", names.count, network_classes(net));
		goto done;
	}
	if (size)
		cfg.transform.min_size = cfg.transform.max_size = size;
	if (json_path && !(json = fopen(json_path, "w"))) {
		fprintf(stderr, "ttdetect: %s: %s\n", json_path, strerror(errno));
		goto done;
	}
	bool progress = nimages > 1 && isatty(STDERR_FILENO);

	for (int i = 0; i < nimages; i++) {
		struct detection det[100];
		struct detector_report r;
		struct image img;
		float *chw;
		long n;

		if (progress)
			fprintf(stderr, "\r[%d/%d] %s\033[K", i + 1, nimages, images[i]);
		if (image_read(images[i], &img))
			goto fail;
		size_t plane = (size_t)img.width * (size_t)img.height;

		chw = malloc(plane * 3 * sizeof(float));
		if (!chw) {
			image_free(&img);
			fprintf(stderr, "ttdetect: out of memory\n");
			goto done;
		}
		for (size_t p = 0; p < plane; p++)
			for (int ch = 0; ch < 3; ch++)
				chw[ch * plane + p] = img.rgb[p * 3 + (size_t)ch] / 255.0f;
		n = detector_run(net, &cfg, chw, img.height, img.width, det, report ? &r : NULL);
		free(chw);
		if (n < 0) {
			image_free(&img);
			goto fail;
		}
		printf("%s:", images[i]);
		for (long d = 0; d < n; d++)
			if (det[d].score >= score)
				printf("\n  %-16s %.3f  %7.1f %7.1f %7.1f %7.1f", class_name(&names, det[d].label),
				       det[d].score, det[d].box[0], det[d].box[1], det[d].box[2], det[d].box[3]);
		printf("\n");
		if (json) {
			struct coco_object *grown = realloc(all, (nall + (size_t)n + 1) * sizeof(*all));

			if (!grown) {
				image_free(&img);
				fprintf(stderr, "ttdetect: out of memory\n");
				goto done;
			}
			all = grown;
			for (long d = 0; d < n; d++, nall++) {
				const float *b = det[d].box;

				all[nall] = (struct coco_object){ image_id(images[i], i), det[d].label,
								  { b[0], b[1], b[2] - b[0], b[3] - b[1] },
								  0, det[d].score, false };
			}
		}
		if (out_png) {
			for (long d = n - 1; d >= 0; d--) {
				const uint8_t *c = palette[det[d].label % 6];
				char label[48];

				if (det[d].score < score)
					continue;
				image_draw_box(&img, det[d].box[0], det[d].box[1], det[d].box[2], det[d].box[3], c);
				snprintf(label, sizeof(label), "%s %.2f", class_name(&names, det[d].label), det[d].score);
				image_draw_label(&img, (int)det[d].box[0], (int)det[d].box[1] - IMAGE_GLYPH_H, label, c);
			}
			if (image_write_png(out_png, &img)) {
				image_free(&img);
				goto fail;
			}
		}
		image_free(&img);
		if (report && i == nimages - 1)
			print_report(&r);
	}
	if (progress)
		fprintf(stderr, "\n");
	if (json) {
		int err = coco_write_results(json, all, nall);

		if (fclose(json) && !err) {
			fprintf(stderr, "ttdetect: %s: %s\n", json_path, strerror(errno));
			json = NULL;
			goto done;
		}
		json = NULL;
		if (err)
			goto fail;
	}
	rc = 0;
	goto done;
fail:
	fprintf(stderr, "ttdetect: %s\n", tt_last_error());
done:
	if (json)
		fclose(json);
	free(all);
	free(images);
	class_names_free(&names);
	network_free(net);
	weights_close(w);
	return rc;
}
