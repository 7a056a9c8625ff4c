// SPDX-License-Identifier: MIT
/*
 * COCO box mAP, step for step as pycocotools' COCOeval (evaluateImg,
 * accumulate, summarize) so that the numbers agree with it.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ttuser.h"
#include "coco.h"

#define T 10			/* IoU thresholds .50:.05:.95 */
#define R 101			/* recall points 0:.01:1 */
#define A 4			/* area ranges all, small, medium, large */
#define M 3			/* max detections 1, 10, 100 */
#define MAXDET 100

const char *const coco_stat_names[COCO_NSTATS] = {
	"AP", "AP50", "AP75", "AP_small", "AP_medium", "AP_large",
	"AR1", "AR10", "AR100", "AR_small", "AR_medium", "AR_large",
};

static const double area_lo[A] = { 0, 0, 32 * 32, 96 * 96 };
static const double area_hi[A] = { 1e10, 32 * 32, 96 * 96, 1e10 };
static const int max_dets[M] = { 1, 10, 100 };

/* One image and category at one area range (evaluateImg's result). */
struct img_eval {
	bool present;
	int nd, ng;
	const double *score;	/* [nd], descending */
	bool *matched;		/* [T][nd] */
	bool *ignored;		/* [T][nd] */
	int npig;		/* ground truth not ignored */
};

/* numpy.linspace(lo, hi, n) */
static void linspace(double lo, double hi, int n, double *out)
{
	double step = (hi - lo) / (n - 1);

	for (int i = 0; i < n; i++)
		out[i] = i * step + lo;
	out[n - 1] = hi;
}

/* The bbox IoU of pycocotools' maskApi (crowd: intersection over the detection's area). */
static double box_iou(const double *d, const double *g, bool crowd)
{
	double w = fmin(d[0] + d[2], g[0] + g[2]) - fmax(d[0], g[0]);
	double h = fmin(d[1] + d[3], g[1] + g[3]) - fmax(d[1], g[1]);
	double i, u;

	if (w <= 0 || h <= 0)
		return 0;
	i = w * h;
	u = crowd ? d[2] * d[3] : d[2] * d[3] + g[2] * g[3] - i;
	return i / u;
}

/* Descending score, then input order (numpy's stable mergesort of -score). */
static int by_score_index(const void *a, const void *b, void *objects)
{
	const struct coco_object *o = objects;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	double sx = o[x].score, sy = o[y].score;

	if (sx != sy)
		return sx > sy ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int by_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static long find_id(const int64_t *ids, size_t n, int64_t id)
{
	const int64_t *p = bsearch(&id, ids, n, sizeof(id), by_int64);

	return p ? p - ids : -1;
}

/*
 * evaluateImg for one image/category/area range: gts and dts index the
 * objects (dts already sorted by score and cut to MAXDET); ious is [nd][ng].
 */
static int eval_image(const struct coco_object *gt, const size_t *gts, int ng,
		      const struct coco_object *dt, const size_t *dts, int nd,
		      const double *ious, const double *thr, int a, struct img_eval *e)
{
	int order[ng > 0 ? ng : 1], gtm[T][ng > 0 ? ng : 1];
	bool gt_ig[ng > 0 ? ng : 1];
	int k = 0;

	memset(e, 0, sizeof(*e));
	if (!ng && !nd)
		return 0;
	e->present = true;
	e->nd = nd;
	e->ng = ng;
	/* Ground truth not ignored first, stable. */
	for (int pass = 0; pass < 2; pass++)
		for (int g = 0; g < ng; g++) {
			const struct coco_object *o = &gt[gts[g]];
			bool ig = o->iscrowd || o->area < area_lo[a] || o->area > area_hi[a];

			if (ig == (pass == 1)) {
				order[k] = g;
				gt_ig[k++] = ig;
			}
		}
	for (int g = 0; g < ng; g++)
		e->npig += !gt_ig[g];
	e->matched = calloc((size_t)(T * (nd ? nd : 1)), sizeof(bool));
	e->ignored = calloc((size_t)(T * (nd ? nd : 1)), sizeof(bool));
	double *score = malloc((size_t)(nd ? nd : 1) * sizeof(double));

	if (!e->matched || !e->ignored || !score) {
		free(score);
		return tt_error(-ENOMEM, "COCO evaluation: out of memory");
	}
	for (int d = 0; d < nd; d++)
		score[d] = dt[dts[d]].score;
	e->score = score;
	memset(gtm, 0, sizeof(gtm));
	for (int t = 0; t < T; t++) {
		for (int d = 0; d < nd; d++) {
			double iou = thr[t] < 1 - 1e-10 ? thr[t] : 1 - 1e-10;
			int m = -1;

			for (int g = 0; g < ng; g++) {
				bool crowd = gt[gts[order[g]]].iscrowd;
				double v = ious[d * ng + order[g]];

				if (gtm[t][g] && !crowd)
					continue;
				if (m > -1 && !gt_ig[m] && gt_ig[g])
					break;
				if (v < iou)
					continue;
				iou = v;
				m = g;
			}
			if (m == -1)
				continue;
			e->ignored[t * nd + d] = gt_ig[m];
			e->matched[t * nd + d] = true;
			gtm[t][m] = 1;
		}
	}
	/* Unmatched detections outside the area range are ignored. */
	for (int d = 0; d < nd; d++) {
		const struct coco_object *o = &dt[dts[d]];
		double area = o->bbox[2] * o->bbox[3];
		bool out = area < area_lo[a] || area > area_hi[a];

		for (int t = 0; t < T; t++)
			if (!e->matched[t * nd + d] && out)
				e->ignored[t * nd + d] = true;
	}
	return 0;
}

static void free_evals(struct img_eval *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((void *)ev[i].score);
		free(ev[i].matched);
		free(ev[i].ignored);
	}
	free(ev);
}

struct pick {
	double score;
	size_t order;
	const struct img_eval *e;
	int d;
};

static int by_pick(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* accumulate for one category, area range and max detections. */
static int accumulate(const struct img_eval *ev, size_t nimages, int maxdet, const double *rec_thr,
		      double precision[T][R], double recall[T])
{
	size_t n = 0, k = 0;
	int npig = 0;
	bool any = false;
	struct pick *p;

	for (size_t i = 0; i < nimages; i++) {
		if (!ev[i].present)
			continue;
		any = true;
		n += (size_t)(ev[i].nd < maxdet ? ev[i].nd : maxdet);
		npig += ev[i].npig;
	}
	if (!any || !npig)
		return 0;	/* stays -1 */
	p = malloc((n ? n : 1) * sizeof(*p));
	double *tp = malloc((n ? n : 1) * sizeof(double) * 3);

	if (!p || !tp) {
		free(p);
		free(tp);
		return tt_error(-ENOMEM, "COCO evaluation: out of memory");
	}
	for (size_t i = 0; i < nimages; i++)
		for (int d = 0; ev[i].present && d < ev[i].nd && d < maxdet; d++, k++)
			p[k] = (struct pick){ ev[i].score[d], k, &ev[i], d };
	qsort(p, n, sizeof(*p), by_pick);
	double *fp = tp + n, *pr = fp + n;

	for (int t = 0; t < T; t++) {
		double tps = 0, fps = 0;

		for (size_t j = 0; j < n; j++) {
			const struct img_eval *e = p[j].e;
			bool m = e->matched[t * e->nd + p[j].d], ig = e->ignored[t * e->nd + p[j].d];

			tps += m && !ig;
			fps += !m && !ig;
			tp[j] = tps;
			fp[j] = fps;
		}
		for (size_t j = 0; j < n; j++)
			pr[j] = tp[j] / (fp[j] + tp[j] + DBL_EPSILON);
		recall[t] = n ? tp[n - 1] / npig : 0;
		for (size_t j = n; j-- > 1;)
			if (pr[j] > pr[j - 1])
				pr[j - 1] = pr[j];
		/* searchsorted(rc, rec_thr, 'left'); past the end stays 0. */
		size_t j = 0;

		for (int r = 0; r < R; r++) {
			while (j < n && tp[j] / npig < rec_thr[r])
				j++;
			precision[t][r] = j < n ? pr[j] : 0;
		}
	}
	free(p);
	free(tp);
	return 0;
}

int coco_evaluate(const struct coco_set *gt, const struct coco_object *dt, size_t ndt,
		  double stats[COCO_NSTATS])
{
	size_t ni = gt->nimages, nk = gt->ncategories;
	int64_t *imgs = NULL, *cats = NULL;
	size_t *gidx = NULL, *didx = NULL, *gstart = NULL, *dstart = NULL;
	double thr[T], rec_thr[R];
	double *prec = NULL, *rec = NULL;	/* [k][a][m][T][R], [k][a][m][T] */
	struct img_eval *ev = NULL;
	double *ious = NULL;
	int err = 0;

	for (int s = 0; s < COCO_NSTATS; s++)
		stats[s] = -1;
	linspace(0.5, 0.95, T, thr);
	linspace(0.0, 1.0, R, rec_thr);
	imgs = malloc((ni ? ni : 1) * sizeof(*imgs));
	cats = malloc((nk ? nk : 1) * sizeof(*cats));
	gidx = malloc((gt->count ? gt->count : 1) * sizeof(*gidx));
	didx = malloc((ndt ? ndt : 1) * sizeof(*didx));
	gstart = calloc(ni * nk + 1, sizeof(*gstart));
	dstart = calloc(ni * nk + 1, sizeof(*dstart));
	prec = malloc((nk ? nk : 1) * A * M * T * R * sizeof(double));
	rec = malloc((nk ? nk : 1) * A * M * T * sizeof(double));
	ev = calloc((ni ? ni : 1) * A, sizeof(*ev));
	ious = malloc((size_t)MAXDET * (gt->count ? gt->count : 1) * sizeof(double));
	if (!imgs || !cats || !gidx || !didx || !gstart || !dstart || !prec || !rec || !ev || !ious) {
		err = tt_error(-ENOMEM, "COCO evaluation: out of memory");
		goto out;
	}
	memcpy(imgs, gt->image_ids, ni * sizeof(*imgs));
	memcpy(cats, gt->category_ids, nk * sizeof(*cats));
	qsort(imgs, ni, sizeof(*imgs), by_int64);
	qsort(cats, nk, sizeof(*cats), by_int64);
	for (size_t i = 0; i + 1 < ni; i++)
		if (imgs[i] == imgs[i + 1]) {
			err = tt_error(-EINVAL, "COCO ground truth: image id %lld listed twice",
				       (long long)imgs[i]);
			goto out;
		}
	for (size_t i = 0; i + 1 < nk; i++)
		if (cats[i] == cats[i + 1]) {
			err = tt_error(-EINVAL, "COCO ground truth: category id %lld listed twice",
				       (long long)cats[i]);
			goto out;
		}
	/* Bucket ground truth and detections by (category, image). */
	size_t *gkey = malloc((gt->count + ndt + 1) * sizeof(size_t));

	if (!gkey) {
		err = tt_error(-ENOMEM, "COCO evaluation: out of memory");
		goto out;
	}
	size_t *dkey = gkey + gt->count;

	for (size_t j = 0; j < gt->count; j++) {
		long i = find_id(imgs, ni, gt->objects[j].image_id);
		long k = find_id(cats, nk, gt->objects[j].category_id);

		if (i < 0 || k < 0) {
			err = tt_error(-EINVAL, "COCO ground truth: annotation %zu has %s id %lld, not in the set",
				       j, i < 0 ? "image" : "category",
				       (long long)(i < 0 ? gt->objects[j].image_id : gt->objects[j].category_id));
			free(gkey);
			goto out;
		}
		gkey[j] = (size_t)k * ni + (size_t)i;
		gstart[gkey[j] + 1]++;
	}
	for (size_t j = 0; j < ndt; j++) {
		long i = find_id(imgs, ni, dt[j].image_id);
		long k = find_id(cats, nk, dt[j].category_id);

		if (i < 0) {
			err = tt_error(-EINVAL, "COCO results: detection %zu is on image %lld, not in the "
				       "ground truth", j, (long long)dt[j].image_id);
			free(gkey);
			goto out;
		}
		dkey[j] = k < 0 ? SIZE_MAX : (size_t)k * ni + (size_t)i;
		if (k >= 0)
			dstart[dkey[j] + 1]++;
	}
	for (size_t b = 0; b < ni * nk; b++) {
		gstart[b + 1] += gstart[b];
		dstart[b + 1] += dstart[b];
	}
	{
		size_t *gfill = calloc(ni * nk + 1, sizeof(size_t)), *dfill = calloc(ni * nk + 1, sizeof(size_t));

		if (!gfill || !dfill) {
			free(gfill);
			free(dfill);
			free(gkey);
			err = tt_error(-ENOMEM, "COCO evaluation: out of memory");
			goto out;
		}
		for (size_t j = 0; j < gt->count; j++)
			gidx[gstart[gkey[j]] + gfill[gkey[j]]++] = j;
		for (size_t j = 0; j < ndt; j++)
			if (dkey[j] != SIZE_MAX)
				didx[dstart[dkey[j]] + dfill[dkey[j]]++] = j;
		free(gfill);
		free(dfill);
	}
	free(gkey);

	for (size_t v = 0; v < nk * A * M * T * R; v++)
		prec[v] = -1;
	for (size_t v = 0; v < nk * A * M * T; v++)
		rec[v] = -1;
	for (size_t k = 0; k < nk; k++) {
		for (size_t i = 0; i < ni; i++) {
			size_t b = k * ni + i;
			size_t *gts = gidx + gstart[b], *dts = didx + dstart[b];
			int ng = (int)(gstart[b + 1] - gstart[b]);
			int nd = (int)(dstart[b + 1] - dstart[b]);

			qsort_r(dts, (size_t)nd, sizeof(*dts), by_score_index, (void *)dt);
			if (nd > MAXDET)
				nd = MAXDET;
			for (int d = 0; d < nd; d++)
				for (int g = 0; g < ng; g++)
					ious[d * ng + g] = box_iou(dt[dts[d]].bbox, gt->objects[gts[g]].bbox,
								   gt->objects[gts[g]].iscrowd);
			for (int a = 0; a < A; a++)
				if ((err = eval_image(gt->objects, gts, ng, dt, dts, nd, ious, thr, a,
						      &ev[a * ni + i])))
					goto out;
		}
		for (int a = 0; a < A; a++)
			for (int m = 0; m < M; m++) {
				size_t base = ((k * A + (size_t)a) * M + (size_t)m);
				double (*pp)[R] = (double (*)[R])(prec + base * T * R);

				if ((err = accumulate(&ev[a * ni], ni, max_dets[m], rec_thr, pp, rec + base * T)))
					goto out;
			}
		for (size_t i = 0; i < ni * A; i++) {
			free((void *)ev[i].score);
			free(ev[i].matched);
			free(ev[i].ignored);
		}
		memset(ev, 0, ni * A * sizeof(*ev));
	}

	/* summarize: means over the valid entries of each slice. */
	{
		struct { bool ap; int t; int a; int m; } s[COCO_NSTATS] = {
			{ true, -1, 0, 2 }, { true, 0, 0, 2 }, { true, 5, 0, 2 },
			{ true, -1, 1, 2 }, { true, -1, 2, 2 }, { true, -1, 3, 2 },
			{ false, -1, 0, 0 }, { false, -1, 0, 1 }, { false, -1, 0, 2 },
			{ false, -1, 1, 2 }, { false, -1, 2, 2 }, { false, -1, 3, 2 },
		};

		for (int q = 0; q < COCO_NSTATS; q++) {
			double sum = 0;
			size_t count = 0;

			for (size_t k = 0; k < nk; k++) {
				size_t base = (k * A + (size_t)s[q].a) * M + (size_t)s[q].m;

				for (int t = 0; t < T; t++) {
					if (s[q].t >= 0 && t != s[q].t)
						continue;
					if (s[q].ap) {
						for (int r = 0; r < R; r++) {
							double v = prec[(base * T + (size_t)t) * R + (size_t)r];

							if (v > -1) {
								sum += v;
								count++;
							}
						}
					} else if (rec[base * T + (size_t)t] > -1) {
						sum += rec[base * T + (size_t)t];
						count++;
					}
				}
			}
			stats[q] = count ? sum / (double)count : -1;
		}
	}
out:
	if (ev)
		free_evals(ev, ni * A);
	free(imgs);
	free(cats);
	free(gidx);
	free(didx);
	free(gstart);
	free(dstart);
	free(prec);
	free(rec);
	free(ious);
	return err;
}
