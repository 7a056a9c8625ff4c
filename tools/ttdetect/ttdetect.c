// SPDX-License-Identifier: MIT
/*
 * ttdetect: Faster-RCNN detections of images.
 *
 *   ttdetect [-d DEVICE] [--precision fp32|bf16|bfp8] [-w WEIGHTS] [--size N] [--score S]
 *            [-o OUT.png] [--json RESULTS.json] [--report] [--bench SECONDS] IMAGE...
 *
 * Every step but the anchors (made once an image size) runs on the device
 * (model/net/detector.h; --report says where each step ran). -d host runs
 * everything on the host (the reference).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../model/eval/class_names.h"
#include "../../model/eval/coco.h"
#include "../../model/net/detector.h"
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
	fprintf(f, "usage: ttdetect [-d DEVICE] [-w WEIGHTS] [--precision P] [--size N] [--score S]\n"
		   "                [-o OUT.png] [--json FILE] [--report] [--bench SECONDS] IMAGE...\n"
		   "Faster-RCNN detections of JPEG, PNG or PPM images.\n"
		   "  -d, --device DEVICE  sim (the default), sim:grid=8x8, /dev/tenstorrent/N, ...;\n"
		   "                       or host: every step on the host (the reference)\n"
		   "  -w, --weights FILE   safetensors from tools/ttdetect/convert.py\n"
		   "                       (default %s)\n"
		   "      --precision P    fp32, bf16 (bf16 weights, the default) or bfp8 (bfp8_b)\n"
		   "      --size N         resize to N x N at most (default: the weights' image_size,\n"
		   "                       else 320)\n"
		   "      --score S        print and draw detections scoring at least S (default 0.5)\n"
		   "  -o, --output FILE    the image with its detections drawn, PNG (one image only)\n"
		   "      --json FILE      every detection as COCO results; the image id is the\n"
		   "                       number ending the file name (COCO's naming), else its\n"
		   "                       position\n"
		   "      --report         each step and each op: output shape, where it ran, host\n"
		   "                       time, modelled device time (runs without trace replay)\n"
		   "      --bench SECONDS  after one warm-up run, run the first image for SECONDS at\n"
		   "                       batch 1: median frames per second and time per step\n"
		   "  -h, --help           this text\n"
		   "Options take their value as --opt VALUE or --opt=VALUE.\n"
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

struct options {
	const char *weights, *out_png, *json, *device, *precision;
	const struct op_precision *prec;
	int size, report;
	double score, bench_s;
	char **images;
	int nimages;
};

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "ttdetect: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	return 2;
}

/* 0 to run, 1 when --help was asked (done), 2 for bad usage. */
static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_PRECISION = 256, OPT_JSON, OPT_SIZE, OPT_SCORE, OPT_REPORT, OPT_BENCH };
	static const struct option longs[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "weights", required_argument, NULL, 'w' },
		{ "output", required_argument, NULL, 'o' },
		{ "precision", required_argument, NULL, OPT_PRECISION },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "score", required_argument, NULL, OPT_SCORE },
		{ "report", no_argument, NULL, OPT_REPORT },
		{ "bench", required_argument, NULL, OPT_BENCH },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	*o = (struct options){ .device = "sim", .precision = "bf16", .prec = &op_precision_bf16,
			       .score = 0.5 };
	while ((c = getopt_long(argc, argv, "d:w:o:h", longs, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->device = optarg;
			break;
		case 'w':
			o->weights = optarg;
			break;
		case 'o':
			o->out_png = optarg;
			break;
		case OPT_PRECISION:
			o->precision = optarg;
			if (!strcmp(optarg, "fp32"))
				o->prec = &op_precision_fp32;
			else if (!strcmp(optarg, "bf16"))
				o->prec = &op_precision_bf16;
			else if (!strcmp(optarg, "bfp8"))
				o->prec = &op_precision_bfp8;
			else
				return bad_usage("--precision %s: not fp32, bf16 or bfp8", optarg);
			break;
		case OPT_JSON:
			o->json = optarg;
			break;
		case OPT_SIZE:
			o->size = (int)strtol(optarg, &end, 10);
			if (!*optarg || *end || o->size < 32 || o->size > 4096)
				return bad_usage("--size %s: not a size in 32..4096", optarg);
			break;
		case OPT_SCORE:
			o->score = strtod(optarg, &end);
			if (!*optarg || *end || !(o->score >= 0 && o->score <= 1))
				return bad_usage("--score %s: not a score in [0, 1]", optarg);
			break;
		case OPT_REPORT:
			o->report = 1;
			break;
		case OPT_BENCH:
			o->bench_s = strtod(optarg, &end);
			if (!*optarg || *end || !(o->bench_s > 0 && o->bench_s <= 3600))
				return bad_usage("--bench %s: not a number of seconds in (0, 3600]",
						 optarg);
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return 2;
		}
	}
	o->images = argv + optind;
	o->nimages = argc - optind;
	if (!o->nimages) {
		usage(stderr);
		return 2;
	}
	if (o->out_png && o->nimages != 1) {
		fprintf(stderr, "ttdetect: -o writes one image; %d given\n", o->nimages);
		return 2;
	}
	return 0;
}

/* One image's RGB bytes as three planes of floats in [0, 1], or NULL. */
static float *image_planes(const struct image *img)
{
	size_t plane = (size_t)img->width * (size_t)img->height;
	float *chw = malloc(plane * 3 * sizeof(float));

	if (!chw) {
		tt_error(-ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t p = 0; p < plane; p++)
		for (int ch = 0; ch < 3; ch++)
			chw[ch * plane + p] = img->rgb[p * 3 + (size_t)ch] / 255.0f;
	return chw;
}

static void print_detections(const char *path, const struct detection *det, long n,
			     const struct class_names *names, double score)
{
	printf("%s:", path);
	for (long d = 0; d < n; d++)
		if (det[d].score >= score)
			printf("\n  %-16s %.3f  %7.1f %7.1f %7.1f %7.1f",
			       class_name(names, det[d].label), det[d].score, det[d].box[0],
			       det[d].box[1], det[d].box[2], det[d].box[3]);
	printf("\n");
}

/* Appends the detections to *all as COCO results of the image's id. */
static int collect(struct coco_object **all, size_t *nall, const struct detection *det, long n,
		   int64_t id)
{
	struct coco_object *grown = realloc(*all, (*nall + (size_t)n + 1) * sizeof(**all));

	if (!grown)
		return tt_error(-ENOMEM, "out of memory");
	*all = grown;
	for (long d = 0; d < n; d++) {
		const float *b = det[d].box;

		grown[(*nall)++] = (struct coco_object){ id, det[d].label,
							 { b[0], b[1], b[2] - b[0], b[3] - b[1] },
							 0, det[d].score, false };
	}
	return 0;
}

static int draw(struct image *img, const char *path, const struct detection *det, long n,
		const struct class_names *names, double score)
{
	for (long d = n - 1; d >= 0; d--) {
		const uint8_t *c = palette[det[d].label % 6];
		char label[48];

		if (det[d].score < score)
			continue;
		image_draw_box(img, det[d].box[0], det[d].box[1], det[d].box[2], det[d].box[3], c);
		snprintf(label, sizeof(label), "%s %.2f", class_name(names, det[d].label),
			 det[d].score);
		image_draw_label(img, (int)det[d].box[0], (int)det[d].box[1] - IMAGE_GLYPH_H, label, c);
	}
	return image_write_png(path, img);
}

/* Image i of the options: detect, print, collect, draw, bench. 0 or -errno. */
static int detect_image(struct detector *dt, const struct options *o, int i, int size,
			const struct class_names *names, struct coco_object **all, size_t *nall)
{
	static struct detector_report r;
	struct detection det[100];
	struct image img;
	float *chw;
	long n;
	int ret;

	ret = image_read(o->images[i], &img);
	if (ret)
		return ret;
	chw = image_planes(&img);
	ret = chw ? 0 : -ENOMEM;
	if (!ret && o->bench_s > 0 && i == 0)
		ret = bench(dt, o->device, o->precision, size, chw, img.height, img.width,
			    o->bench_s);
	n = ret ? ret : detector_run(dt, chw, img.height, img.width, det, o->report ? &r : NULL);
	free(chw);
	ret = n < 0 ? (int)n : 0;
	if (!ret) {
		print_detections(o->images[i], det, n, names, o->score);
		if (o->json)
			ret = collect(all, nall, det, n, image_id(o->images[i], i));
	}
	if (!ret && o->out_png)
		ret = draw(&img, o->out_png, det, n, names, o->score);
	image_free(&img);
	if (!ret && o->report && i == o->nimages - 1)
		print_report(&r);
	return ret;
}

static int write_json(const char *path, const struct coco_object *all, size_t nall)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return tt_error(-errno, "%s: %s", path, strerror(errno));
	ret = coco_write_results(f, all, nall);
	if (fclose(f) && !ret)
		ret = tt_error(-errno, "%s: %s", path, strerror(errno));
	return ret;
}

int main(int argc, char **argv)
{
	struct class_names names = { 0 };
	struct coco_object *all = NULL;
	struct detector *dt = NULL;
	struct weights *w = NULL;
	struct detector_config cfg;
	struct options o;
	size_t nall = 0;
	int i, rc = parse_options(argc, argv, &o);
	bool progress;

	if (rc)
		return rc == 1 ? 0 : rc;
	rc = 1;
	if (weights_open(o.weights ? o.weights : default_weights(), &w) ||
	    detector_config_from_weights(w, &cfg) || class_names_from_weights(w, &names))
		goto fail;
	if (o.size)
		cfg.transform.min_size = cfg.transform.max_size = o.size;
	cfg.trace = !o.report || o.bench_s > 0;	/* --report shows every op, unless benchmarking */
	if (detector_create(w, &cfg, o.device, o.prec, &dt)) {
		fprintf(stderr, "ttdetect: device %s: %s\n", o.device, tt_last_error());
		goto done;
	}
	if (names.count != detector_classes(dt)) {
		fprintf(stderr, "ttdetect: %d class names for %d classes\n", names.count,
			detector_classes(dt));
		goto done;
	}
	progress = o.nimages > 1 && isatty(STDERR_FILENO);
	for (i = 0; i < o.nimages; i++) {
		if (progress)
			fprintf(stderr, "\r[%d/%d] %s\033[K", i + 1, o.nimages, o.images[i]);
		if (detect_image(dt, &o, i, cfg.transform.min_size, &names, &all, &nall))
			goto fail;
	}
	if (progress)
		fprintf(stderr, "\n");
	if (o.json && write_json(o.json, all, nall))
		goto fail;
	rc = 0;
	goto done;
fail:
	fprintf(stderr, "ttdetect: %s\n", tt_last_error());
done:
	free(all);
	class_names_free(&names);
	detector_destroy(dt);
	weights_close(w);
	return rc;
}
