// SPDX-License-Identifier: MIT
/* Safetensors weights: mmap, validate everything once, look up by name, fold BN. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ttuser.h"
#include "eval/json.h"
#include "weights.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian");

#define HEADER_MAX (100u << 20)	/* the format's own limit on the JSON header */

struct weights {
	const char *path;
	void *map;
	size_t map_size;
	const uint8_t *data;	/* the byte buffer after the header */
	size_t data_size;
	struct json *header;
	const struct json *meta;
	struct weights_tensor *tensors;	/* sorted by name */
	size_t count;
};

static const struct {
	const char *name;
	enum weights_dtype dtype;
	size_t size;
} dtypes[] = {
	{ "F64", WEIGHTS_F64, 8 }, { "F32", WEIGHTS_F32, 4 }, { "F16", WEIGHTS_F16, 2 },
	{ "BF16", WEIGHTS_BF16, 2 }, { "I64", WEIGHTS_I64, 8 }, { "I32", WEIGHTS_I32, 4 },
	{ "I16", WEIGHTS_I16, 2 }, { "I8", WEIGHTS_I8, 1 }, { "U8", WEIGHTS_U8, 1 },
	{ "BOOL", WEIGHTS_BOOL, 1 },
};

static const char *dtype_name(enum weights_dtype d)
{
	for (size_t i = 0; i < sizeof(dtypes) / sizeof(dtypes[0]); i++)
		if (dtypes[i].dtype == d)
			return dtypes[i].name;
	return "?";
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct weights_tensor *)a)->name, ((const struct weights_tensor *)b)->name);
}

static int by_offset(const void *a, const void *b)
{
	const struct weights_tensor *x = a, *y = b;

	if (x->data != y->data)
		return (const uint8_t *)x->data < (const uint8_t *)y->data ? -1 : 1;
	return x->size < y->size ? -1 : x->size > y->size;
}

/* One header entry into t; errors name the tensor. */
static int read_entry(struct weights *w, const struct json *e, struct weights_tensor *t)
{
	const struct json *dt = json_get(e, "dtype"), *shape = json_get(e, "shape");
	const struct json *offs = json_get(e, "data_offsets");
	const char *path = w->path, *name = e->key;
	size_t elsize = 0;
	uint64_t begin, end, numel = 1;
	int d = 0;

	t->name = name;
	if (e->type != JSON_OBJECT)
		return tt_error(-EINVAL, "%s: tensor '%s': header entry is not an object", path, name);
	if (!dt || dt->type != JSON_STRING)
		return tt_error(-EINVAL, "%s: tensor '%s': no dtype string", path, name);
	for (size_t i = 0; i < sizeof(dtypes) / sizeof(dtypes[0]); i++)
		if (!strcmp(dt->string, dtypes[i].name)) {
			t->dtype = dtypes[i].dtype;
			elsize = dtypes[i].size;
		}
	if (!elsize)
		return tt_error(-EINVAL, "%s: tensor '%s': unknown dtype '%s'", path, name, dt->string);
	if (!shape || shape->type != JSON_ARRAY)
		return tt_error(-EINVAL, "%s: tensor '%s': no shape array", path, name);
	if (shape->count > WEIGHTS_MAX_DIMS)
		return tt_error(-EINVAL, "%s: tensor '%s': %zu dimensions, at most %d supported",
				path, name, shape->count, WEIGHTS_MAX_DIMS);
	for (const struct json *s = shape->child; s; s = s->next) {
		if (s->type != JSON_NUMBER || !s->is_uint || s->uint > (1ull << 40))
			return tt_error(-EINVAL, "%s: tensor '%s': shape entry %d is not a size",
					path, name, d);
		t->shape[d++] = (int64_t)s->uint;
		if (s->uint && numel > (1ull << 50) / s->uint)
			return tt_error(-EINVAL, "%s: tensor '%s': shape too large", path, name);
		numel *= s->uint;
	}
	t->ndim = d;
	t->numel = numel;
	if (!offs || offs->type != JSON_ARRAY || offs->count != 2 ||
	    offs->child->type != JSON_NUMBER || !offs->child->is_uint ||
	    offs->child->next->type != JSON_NUMBER || !offs->child->next->is_uint)
		return tt_error(-EINVAL, "%s: tensor '%s': data_offsets is not two byte offsets",
				path, name);
	begin = offs->child->uint;
	end = offs->child->next->uint;
	if (begin > end)
		return tt_error(-EINVAL, "%s: tensor '%s': data_offsets [%llu, %llu] run backwards",
				path, name, (unsigned long long)begin, (unsigned long long)end);
	if (end > w->data_size)
		return tt_error(-EINVAL, "%s: tensor '%s': data_offsets [%llu, %llu] beyond the %zu data "
				"bytes (truncated file?)", path, name, (unsigned long long)begin,
				(unsigned long long)end, w->data_size);
	if (end - begin != numel * elsize)
		return tt_error(-EINVAL, "%s: tensor '%s': %s shape of %llu elements needs %llu bytes, "
				"data_offsets give %llu", path, name, dt->string,
				(unsigned long long)numel, (unsigned long long)(numel * elsize),
				(unsigned long long)(end - begin));
	t->data = w->data + begin;
	t->size = end - begin;
	if ((uintptr_t)t->data % elsize)
		return tt_error(-EINVAL, "%s: tensor '%s': data not aligned to its %zu-byte elements",
				path, name, elsize);
	return 0;
}

/* The tensors must tile the byte buffer exactly. */
static int check_layout(struct weights *w)
{
	struct weights_tensor *sorted;
	const uint8_t *at = w->data;
	int err = 0;

	if (!w->count) {
		if (w->data_size)
			return tt_error(-EINVAL, "%s: %zu data bytes but no tensors", w->path, w->data_size);
		return 0;
	}
	sorted = malloc(w->count * sizeof(*sorted));
	if (!sorted)
		return tt_error(-ENOMEM, "%s: out of memory", w->path);
	memcpy(sorted, w->tensors, w->count * sizeof(*sorted));
	qsort(sorted, w->count, sizeof(*sorted), by_offset);
	for (size_t i = 0; i < w->count && !err; i++) {
		const uint8_t *p = sorted[i].data;

		if (p < at)
			err = tt_error(-EINVAL, "%s: tensors '%s' and '%s' overlap", w->path,
				       sorted[i - 1].name, sorted[i].name);
		else if (p > at)
			err = tt_error(-EINVAL, "%s: data bytes %zu..%zu belong to no tensor (before '%s')",
				       w->path, (size_t)(at - w->data), (size_t)(p - w->data), sorted[i].name);
		at = p + sorted[i].size;
	}
	if (!err && at != w->data + w->data_size)
		err = tt_error(-EINVAL, "%s: data bytes %zu..%zu after the last tensor belong to none",
			       w->path, (size_t)(at - w->data), w->data_size);
	free(sorted);
	return err;
}

static int parse_header(struct weights *w, const char *text, size_t len)
{
	const struct json *e;
	size_t n = 0;
	int err;

	if ((err = json_parse(text, len, &w->header))) {
		char why[256];

		snprintf(why, sizeof(why), "%s", tt_last_error());
		return tt_error(err, "%s: bad JSON header: %s", w->path, why);
	}
	if (w->header->type != JSON_OBJECT)
		return tt_error(-EINVAL, "%s: the JSON header is not an object", w->path);
	w->meta = json_get(w->header, "__metadata__");
	if (w->meta) {
		if (w->meta->type != JSON_OBJECT)
			return tt_error(-EINVAL, "%s: __metadata__ is not an object", w->path);
		for (e = w->meta->child; e; e = e->next)
			if (e->type != JSON_STRING)
				return tt_error(-EINVAL, "%s: __metadata__ '%s' is not a string",
						w->path, e->key);
	}
	w->tensors = calloc(w->header->count ? w->header->count : 1, sizeof(*w->tensors));
	if (!w->tensors)
		return tt_error(-ENOMEM, "%s: out of memory", w->path);
	for (e = w->header->child; e; e = e->next) {
		if (e == w->meta)
			continue;
		if ((err = read_entry(w, e, &w->tensors[n])))
			return err;
		n++;
	}
	w->count = n;
	qsort(w->tensors, n, sizeof(*w->tensors), by_name);
	return check_layout(w);
}

int weights_open(const char *path, struct weights **out)
{
	struct weights *w;
	struct stat st;
	uint64_t hlen;
	int fd, err;

	w = calloc(1, sizeof(*w));
	if (!w)
		return tt_error(-ENOMEM, "out of memory");
	w->path = strdup(path);
	if (!w->path) {
		free(w);
		return tt_error(-ENOMEM, "out of memory");
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = tt_error(-errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		err = tt_error(-errno, "%s: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		err = tt_error(-EINVAL, "%s: not a regular file", path);
		goto fail;
	}
	w->map_size = (size_t)st.st_size;
	if (w->map_size < 8) {
		close(fd);
		err = tt_error(-EINVAL, "%s: truncated: %zu bytes, shorter than the 8-byte header length",
			       path, w->map_size);
		goto fail;
	}
	w->map = mmap(NULL, w->map_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (w->map == MAP_FAILED) {
		w->map = NULL;
		err = tt_error(-errno, "%s: mmap: %s", path, strerror(errno));
		goto fail;
	}
	memcpy(&hlen, w->map, 8);
	if (hlen > HEADER_MAX) {
		err = tt_error(-EINVAL, "%s: header length %llu exceeds the %u-byte limit (not a safetensors file?)",
			       path, (unsigned long long)hlen, HEADER_MAX);
		goto fail;
	}
	if (hlen > w->map_size - 8) {
		err = tt_error(-EINVAL, "%s: truncated: header of %llu bytes, only %zu follow",
			       path, (unsigned long long)hlen, w->map_size - 8);
		goto fail;
	}
	w->data = (const uint8_t *)w->map + 8 + hlen;
	w->data_size = w->map_size - 8 - hlen;
	if ((err = parse_header(w, (const char *)w->map + 8, hlen)))
		goto fail;
	*out = w;
	return 0;
fail:
	weights_close(w);
	return err;
}

void weights_close(struct weights *w)
{
	if (!w)
		return;
	if (w->map)
		munmap(w->map, w->map_size);
	json_free(w->header);
	free(w->tensors);
	free((char *)w->path);
	free(w);
}

size_t weights_count(const struct weights *w)
{
	return w->count;
}

const struct weights_tensor *weights_at(const struct weights *w, size_t i)
{
	return i < w->count ? &w->tensors[i] : NULL;
}

static const struct weights_tensor *find_exact(const struct weights *w, const char *name)
{
	struct weights_tensor key = { .name = name };

	return bsearch(&key, w->tensors, w->count, sizeof(key), by_name);
}

/* The <= 0.12 spelling of a >= 0.13 name, or false when there is none. */
static bool old_spelling(const char *name, char *buf, size_t size)
{
	static const char *const blocks[] = { ".fpn.inner_blocks.", ".fpn.layer_blocks." };
	const char *p;

	for (size_t i = 0; i < 2; i++) {
		p = strstr(name, blocks[i]);
		if (!p)
			continue;
		p += strlen(blocks[i]);
		while (*p >= '0' && *p <= '9')
			p++;
		if (strncmp(p, ".0.", 3))
			return false;
		return snprintf(buf, size, "%.*s%s", (int)(p - name), name, p + 2) < (int)size;
	}
	p = strstr(name, "rpn.head.conv.0.0.");
	if (p)
		return snprintf(buf, size, "%.*srpn.head.conv.%s", (int)(p - name), name,
				p + strlen("rpn.head.conv.0.0.")) < (int)size;
	return false;
}

const struct weights_tensor *weights_find(const struct weights *w, const char *name)
{
	const struct weights_tensor *t = find_exact(w, name);
	char old[512];

	if (!t && old_spelling(name, old, sizeof(old)))
		t = find_exact(w, old);
	return t;
}

/* "[a, b, c]" of a shape into buf. */
static void shape_text(const int64_t *shape, int ndim, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < ndim && n < size; i++) {
		int k = snprintf(buf + n, size - n, i ? ", %lld" : "%lld", (long long)shape[i]);

		if (k < 0)
			break;
		n += (size_t)k;
	}
}

int weights_f32(const struct weights *w, const char *name, int ndim, const int64_t *shape,
		const float **data)
{
	const struct weights_tensor *t = weights_find(w, name);
	char want[256], got[256];
	bool ok;

	if (!t)
		return tt_error(-ENOENT, "%s: no tensor '%s'", w->path, name);
	if (t->dtype != WEIGHTS_F32)
		return tt_error(-EINVAL, "%s: tensor '%s' is %s, expected F32", w->path, name,
				dtype_name(t->dtype));
	ok = t->ndim == ndim;
	for (int i = 0; i < ndim && ok; i++)
		ok = shape[i] < 0 || shape[i] == t->shape[i];
	if (!ok) {
		shape_text(shape, ndim < WEIGHTS_MAX_DIMS ? ndim : WEIGHTS_MAX_DIMS, want, sizeof(want));
		shape_text(t->shape, t->ndim, got, sizeof(got));
		return tt_error(-EINVAL, "%s: tensor '%s' has shape [%s], expected [%s]", w->path,
				name, got, want);
	}
	*data = t->data;
	return 0;
}

const char *weights_meta(const struct weights *w, const char *key)
{
	const struct json *v = json_get(w->meta, key);

	return v ? v->string : NULL;
}

int weights_bn_eps(const struct weights *w, float *eps)
{
	const char *s = weights_meta(w, "bn_eps");
	char *end;
	double v;

	if (!s)
		return tt_error(-EINVAL, "%s: no bn_eps in __metadata__ (convert with tools/ttdetect/convert.py)",
				w->path);
	v = strtod(s, &end);
	if (end == s || *end || !(v >= 0.0) || v > 1.0)
		return tt_error(-EINVAL, "%s: __metadata__ bn_eps '%s' is not an eps in [0, 1]", w->path, s);
	*eps = (float)v;
	return 0;
}

static int bn_param(const struct weights *w, const char *bn, const char *what, int64_t n,
		    const float **data)
{
	char name[512];

	if (snprintf(name, sizeof(name), "%s.%s", bn, what) >= (int)sizeof(name))
		return tt_error(-EINVAL, "name '%s' too long", bn);
	return weights_f32(w, name, 1, &n, data);
}

int weights_fold_bn(const struct weights *w, const char *conv, const char *bn,
		    struct folded_conv *out)
{
	const float *cw, *cb = NULL, *g, *beta, *mean, *var;
	const struct weights_tensor *t;
	char name[512];
	int64_t any4[4] = { -1, -1, -1, -1 }, o;
	size_t per;
	float eps;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = weights_bn_eps(w, &eps)))
		return err;
	if (snprintf(name, sizeof(name), "%s.weight", conv) >= (int)sizeof(name))
		return tt_error(-EINVAL, "name '%s' too long", conv);
	if ((err = weights_f32(w, name, 4, any4, &cw)))
		return err;
	t = weights_find(w, name);
	o = t->shape[0];
	snprintf(name, sizeof(name), "%s.bias", conv);
	if (weights_find(w, name) && (err = weights_f32(w, name, 1, &o, &cb)))
		return err;
	if ((err = bn_param(w, bn, "weight", o, &g)) || (err = bn_param(w, bn, "bias", o, &beta)) ||
	    (err = bn_param(w, bn, "running_mean", o, &mean)) ||
	    (err = bn_param(w, bn, "running_var", o, &var)))
		return err;
	out->out_channels = (int)o;
	out->in_channels = (int)t->shape[1];
	out->kh = (int)t->shape[2];
	out->kw = (int)t->shape[3];
	per = t->numel / (size_t)o;
	out->weight = malloc(t->numel * sizeof(float));
	out->bias = malloc((size_t)o * sizeof(float));
	if (!out->weight || !out->bias) {
		folded_conv_free(out);
		return tt_error(-ENOMEM, "%s: out of memory folding '%s'", w->path, bn);
	}
	for (int64_t c = 0; c < o; c++) {
		/* As FrozenBatchNorm2d: scale = g * rsqrt(var + eps), in float. */
		float denom = var[c] + eps;
		float scale = g[c] * (1.0f / sqrtf(denom));

		if (!(denom > 0.0f) || !isfinite(scale)) {
			int e = tt_error(-EINVAL, "%s: '%s' channel %lld: running_var %g + eps %g gives "
					 "no finite scale", w->path, bn, (long long)c, var[c], eps);
			folded_conv_free(out);
			return e;
		}
		for (size_t i = 0; i < per; i++)
			out->weight[(size_t)c * per + i] = cw[(size_t)c * per + i] * scale;
		out->bias[c] = beta[c] + ((cb ? cb[c] : 0.0f) - mean[c]) * scale;
	}
	return 0;
}

void folded_conv_free(struct folded_conv *c)
{
	free(c->weight);
	free(c->bias);
	c->weight = c->bias = NULL;
}
