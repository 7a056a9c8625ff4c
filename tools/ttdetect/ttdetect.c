// SPDX-License-Identifier: MIT
/*
 * ttdetect: Faster-RCNN detections of images.
 *
 *   ttdetect [-d DEVICE] [--precision fp32|bf16|bfp8] [-w WEIGHTS] [--size N] [--score S]
 *            [-o OUT.png] [--json RESULTS.json] [--report] [--bench SECONDS] IMAGE...
 *
 * Every step but the anchors (made once an image size) runs on the device
 * (model/detector.h; --report says where each step ran). -d host runs
 * everything on the host (the reference).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../model/class_names.h"
#include "../../model/coco.h"
#include "../../model/detector.h"
#include "image.h"
#include "ttuser.h"

/*
 * The shapes detector's weights when -w is not given: installed next to
 * the program (PREFIX/bin/ttdetect, PREFIX/share/ttstack/), which holds
 * under DESTDIR and for a moved tree too; else in the source tree the
 * program was built from (build/bin); else where make install puts them.
 */
#define WEIGHTS_NAME "shapes_frcnn.safetensors"
#ifndef SOURCE_WEIGHTS
#define SOURCE_WEIGHTS "model/data/" WEIGHTS_NAME
#endif
#ifndef DATA_DIR
#define DATA_DIR "/usr/local/share/ttstack"
#endif

static const char *default_weights(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	const char *suffix = "/share/ttstack/" WEIGHTS_NAME;
	char *slash;

	if (n > 0) {
		path[n] = '\0';
		for (int up = 0; up < 2 && (slash = strrchr(path, '/')); up++)
			*slash = '\0';
		if (slash && strlen(path) + strlen(suffix) < sizeof(path)) {
			strcat(path, suffix);
			if (!access(path, R_OK))
				return path;
		}
	}
	if (!access(SOURCE_WEIGHTS, R_OK))
		return SOURCE_WEIGHTS;
	return DATA_DIR "/" WEIGHTS_NAME;
}

static const uint8_t palette[6][3] = {
	{ 230, 60, 60 }, { 60, 200, 60 }, { 70, 120, 240 }, { 240, 200, 40 }, { 200, 70, 220 }, { 40, 210, 210 },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ttdetect [-d DEVICE] [--precision fp32|bf16|bfp8] [-w WEIGHTS] [--size N]\n"
		   "                [--score S] [-o OUT.png] [--json RESULTS.json] [--report]\n"
		   "                [--bench SECONDS] IMAGE...\n"
		   "Faster-RCNN detections of JPEG, PNG or PPM images.\n"
		   "  -d DEVICE       sim (the default), sim:grid=8x8, /dev/tenstorrent/N, ...; or\n"
		   "                  host: every step on the host (the reference)\n"
		   "  --precision P   fp32, bf16 (bf16 weights, the default) or bfp8 (bfp8_b weights)\n"
		   "  -w WEIGHTS      safetensors from tools/ttdetect/convert.py (default %s)\n"
		   "  --size N        resize to N x N at most (default: the weights' image_size, else 320)\n"
		   "  --score S       print and draw detections scoring at least S (default 0.5)\n"
		   "  -o OUT.png      the image with its detections drawn (one image only)\n"
		   "  --json FILE     every detection as COCO results; the image id is the number\n"
		   "                  ending the file name (COCO's naming), else its position\n"
		   "  --report        each step and each op: output shape, where it ran, host time,\n"
		   "                  modelled device time (every run without trace replay)\n"
		   "  --bench SECONDS after one warm-up run, run the first image for SECONDS at\n"
		   "                  batch 1: median frames per second and median time per step\n"
		   "exit status: 0 done, 1 an error, 2 bad usage\n", default_weights());
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

	printf("%-32s %-40s %-7s %10s %10s\n", "op", "shape", "where", "host ms", "device ms");
	for (int i = 0; i < r->nops; i++)
		printf("%-32s %-40s %-7s %10.2f %10.3f\n", r->ops[i].op, r->ops[i].shape, r->ops[i].where,
		       r->ops[i].host_ms, r->ops[i].device_ms);
	printf("\n%-32s %-40s %-7s %10s %10s\n", "step", "output", "where", "host ms", "device ms");
	for (int i = 0; i < r->count; i++) {
		printf("%-32s %-40s %-7s %10.2f %10.3f\n", r->steps[i].op, r->steps[i].shape,
		       r->steps[i].where, r->steps[i].host_ms, r->steps[i].device_ms);
		on_device += !strcmp(r->steps[i].where, "device");
	}
	printf("on the device: %d of %d steps, %d of %d ops\n", on_device, r->count, r->ops_device,
	       r->ops_device + r->ops_host);
	if (r->link_ms > 0)
		printf("host link (image in, results out): %.3f device ms\n", r->link_ms);
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(double), by_double);
	return v[n / 2];
}

/*
 * --bench: the median over the window of whole runs and of each step's
 * host and modelled device time. Prints a table, then one JSON line: the
 * frames per second measured, and those the modelled device would give
 * (its modelled time for the device steps and the host link; with the
 * host steps' measured time added, too).
 */
static int bench(struct detector *d, const char *device, const char *precision, int size,
		 const float *chw, int h, int w, double window)
{
	static struct detection det[100];
	static struct detector_report r;
	size_t cap = 4, n = 0;
	double *runs = malloc(cap * sizeof(double)), *steps = NULL, start;
	double dev_ms = 0, host_steps_ms = 0, *v = NULL;
	int nsteps, on_device = 0;

	if (!runs || detector_run(d, chw, h, w, det, &r) < 0)	/* warm-up: makes the trace */
		goto fail;
	if (detector_run(d, chw, h, w, det, &r) < 0)
		goto fail;
	nsteps = r.count;
	steps = malloc(cap * (size_t)nsteps * 2 * sizeof(double));
	if (!steps)
		goto fail;
	start = seconds();
	do {
		double t = seconds();

		if (detector_run(d, chw, h, w, det, &r) < 0)
			goto fail;
		if (r.count != nsteps) {
			fprintf(stderr, "ttdetect: --bench: %d steps in a run, %d before\n", r.count, nsteps);
			goto fail;
		}
		if (n == cap) {
			double *a = realloc(runs, 2 * cap * sizeof(double));
			double *b = a ? realloc(steps, 2 * cap * (size_t)nsteps * 2 * sizeof(double)) : NULL;

			if (a)
				runs = a;
			if (!b)
				goto fail;
			steps = b;
			cap *= 2;
		}
		runs[n] = seconds() - t;
		for (int i = 0; i < nsteps; i++) {
			steps[(n * (size_t)nsteps + (size_t)i) * 2] = r.steps[i].host_ms;
			steps[(n * (size_t)nsteps + (size_t)i) * 2 + 1] = r.steps[i].device_ms;
		}
		n++;
	} while (seconds() - start < window);
	v = malloc(n * sizeof(double));
	if (!v)
		goto fail;
	printf("%-32s %-7s %14s %16s\n", "step", "where", "median host ms", "median device ms");
	for (int i = 0; i < nsteps; i++) {
		double hm, dm;
		bool on = !strcmp(r.steps[i].where, "device");

		for (size_t j = 0; j < n; j++)
			v[j] = steps[(j * (size_t)nsteps + (size_t)i) * 2];
		hm = median(v, n);
		for (size_t j = 0; j < n; j++)
			v[j] = steps[(j * (size_t)nsteps + (size_t)i) * 2 + 1];
		dm = median(v, n);
		printf("%-32s %-7s %14.2f %16.3f\n", r.steps[i].op, r.steps[i].where, hm, dm);
		on_device += on;
		dev_ms += dm;
		host_steps_ms += on ? 0 : hm;
	}
	/* the same transfers every run: the last run's */
	printf("%-32s %-7s %14s %16.3f\n", "host link (image, results)", "device", "-", r.link_ms);
	dev_ms += r.link_ms;
	double med = median(runs, n);

	printf("{\"bench\": \"ttdetect\", \"device\": \"%s\", \"precision\": \"%s\", \"size\": %d, "
	       "\"runs\": %zu, \"median_fps\": %.3f, \"unit\": \"frames/s\", \"median_ms\": %.2f, "
	       "\"steps_on_device\": %d, \"steps\": %d, \"modelled_link_ms\": %.3f, \"modelled_device_ms\": %.3f, "
	       "\"modelled_device_fps\": %.1f, \"host_steps_ms\": %.2f, \"modelled_fps_with_host_steps\": %.1f}\n",
	       device, precision, size, n, 1.0 / med, med * 1e3, on_device, nsteps, r.link_ms, dev_ms,
	       dev_ms > 0 ? 1e3 / dev_ms : 0.0, host_steps_ms,
	       dev_ms + host_steps_ms > 0 ? 1e3 / (dev_ms + host_steps_ms) : 0.0);
	free(v);
	free(runs);
	free(steps);
	return 0;
fail:
	free(v);
	free(runs);
	free(steps);
	return -1;
}

int main(int argc, char **argv)
{
	const char *weights_path = NULL, *out_png = NULL, *json_path = NULL;
	const char *device = "sim", *precision = "bf16";
	const struct op_precision *prec = &op_precision_bf16;
	int size = 0, report = 0, nimages = 0, rc = 1;
	const char **images = calloc((size_t)argc, sizeof(char *));
	double score = 0.5, bench_s = 0;
	struct weights *w = NULL;
	struct detector *dt = NULL;
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
		} else if (!strcmp(a, "-d")) {
			device = argv[++i];
		} else if (!strcmp(a, "--precision")) {
			precision = argv[++i];
			if (!strcmp(precision, "fp32")) {
				prec = &op_precision_fp32;
			} else if (!strcmp(precision, "bf16")) {
				prec = &op_precision_bf16;
			} else if (!strcmp(precision, "bfp8")) {
				prec = &op_precision_bfp8;
			} else {
				fprintf(stderr, "ttdetect: --precision %s: not fp32, bf16 or bfp8\n", precision);
				rc = 2;
				goto done;
			}
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
		} else if (!strcmp(a, "--bench")) {
			bench_s = strtod(argv[++i], &end);
			if (*end || !(bench_s > 0 && bench_s <= 3600)) {
				fprintf(stderr, "ttdetect: --bench %s: not a number of seconds in (0, 3600]\n", argv[i]);
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
	if (!weights_path)
		weights_path = default_weights();
	if (weights_open(weights_path, &w) || detector_config_from_weights(w, &cfg) ||
	    class_names_from_weights(w, &names))
		goto fail;
	if (size)
		cfg.transform.min_size = cfg.transform.max_size = size;
	/* --report shows every op: no trace replay, unless benchmarking */
	cfg.trace = !report || bench_s > 0;
	if (detector_create(w, &cfg, device, prec, &dt)) {
		fprintf(stderr, "ttdetect: device %s: %s\n", device, tt_last_error());
		goto done;
	}
	if (names.count != detector_classes(dt)) {
		fprintf(stderr, "ttdetect: %d class names for %d classes\n", names.count, detector_classes(dt));
		goto done;
	}
	if (json_path && !(json = fopen(json_path, "w"))) {
		fprintf(stderr, "ttdetect: %s: %s\n", json_path, strerror(errno));
		goto done;
	}
	bool progress = nimages > 1 && isatty(STDERR_FILENO);

	for (int i = 0; i < nimages; i++) {
		struct detection det[100];
		static struct detector_report r;
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
		if (bench_s > 0 && i == 0 && bench(dt, device, precision, cfg.transform.min_size, chw, img.height,
					       img.width, bench_s)) {
			free(chw);
			image_free(&img);
			goto fail;
		}
		n = detector_run(dt, chw, img.height, img.width, det, report ? &r : NULL);
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
	detector_destroy(dt);
	weights_close(w);
	return rc;
}
