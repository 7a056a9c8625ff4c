// SPDX-License-Identifier: MIT
/*
 * Building and running op programs: kernels come from model/ops/kernels/,
 * built into the library at compile time (tools/embed.sh), so a program
 * that links the model needs no source tree; so do the headers they share
 * (records.h, split.h), which op_kernel splices into a kernel's text where it
 * includes them, as the kernel compiler sees only libttuser's headers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct tt_embedded_file {
	const char *path;
	const unsigned char *data;
	unsigned len;
};

/* Generated from the files in model/ops/kernels/. */
extern const struct tt_embedded_file op_kernels[];
extern const unsigned op_kernels_count;

static const struct tt_embedded_file *find_kernel(const char *name, size_t len)
{
	unsigned i;

	for (i = 0; i < op_kernels_count; i++)
		if (strlen(op_kernels[i].path) == len && !memcmp(op_kernels[i].path, name, len))
			return &op_kernels[i];
	return NULL;
}

/* Append n bytes to out (when not NULL) at *len. */
static void put(char *out, size_t *len, const void *data, size_t n)
{
	if (out)
		memcpy(out + *len, data, n);
	*len += n;
}

/*
 * The source of kernel f into out (NULL: only its length): its lines
 * #include "x.h" of a header of model/ops/kernels/ replaced by the
 * header's text (one level: a header includes none of them), with #line
 * marks so that errors name the file and line. Returns the length.
 */
static size_t splice(const struct tt_embedded_file *f, char *out)
{
	const char *at = (const char *)f->data, *end = at + f->len;
	unsigned line = 1;
	size_t len = 0;

	while (at < end) {
		const char *nl = memchr(at, '\n', (size_t)(end - at)), *q;
		size_t n = nl ? (size_t)(nl + 1 - at) : (size_t)(end - at);
		const struct tt_embedded_file *h = NULL;
		char mark[160];

		if (n > 10 && !memcmp(at, "#include \"", 10) && (q = memchr(at + 10, '"', n - 10)))
			h = find_kernel(at + 10, (size_t)(q - at - 10));
		line++;
		if (h) {
			put(out, &len, mark, (size_t)snprintf(mark, sizeof(mark), "#line 1 \"%s\"\n",
							   h->path));
			put(out, &len, h->data, h->len);
			put(out, &len, mark, (size_t)snprintf(mark, sizeof(mark),
							   "\n#line %u \"%s\"\n", line,
							   f->path));
		} else {
			put(out, &len, at, n);
		}
		at += n;
	}
	return len;
}

int op_kernel(struct tt_program *prog, const char *name, struct tt_core_range cores,
	      const struct tt_kernel_config *cfg)
{
	const struct tt_embedded_file *f = find_kernel(name, strlen(name));
	char *src;
	int ret;

	if (!f)
		return tt_error(-ENOENT, "no op kernel '%s'", name);
	src = malloc(splice(f, NULL) + 1);
	if (!src)
		return tt_error(-ENOMEM, "out of memory");
	src[splice(f, src)] = '\0';
	ret = tt_kernel_create_from_string(prog, src, cores, cfg);
	free(src);
	return ret;
}

int op_cb(struct tt_program *prog, struct tt_core_range cores, uint32_t index,
	  enum tt_format fmt, uint32_t page_size, uint32_t num_pages)
{
	struct tt_cb_config cfg = {
		.index = index,
		.format = fmt,
		.page_size = page_size,
		.num_pages = num_pages,
	};

	return tt_cb_create(prog, cores, &cfg);
}

int op_run_shape(struct tt_cq *cq, struct tt_program *prog, struct op_stats *stats,
		 const char *name, const char *shape)
{
	struct tt_program_stats ps;
	int ret = tt_cq_enqueue_program(cq, prog, stats != NULL);

	if (ret || !stats)
		return ret;
	ret = tt_program_stats(prog, &ps);
	if (ret)
		return ret;
	stats->device_cycles += ps.device_cycles;
	stats->host_us += ps.host_us;
	if (stats->report)
		stats->report(stats->report_ctx, name, shape, ps.device_cycles, ps.host_us);
	return 0;
}

int op_run(struct tt_cq *cq, struct tt_program *prog, struct op_stats *stats, const char *name,
	   const struct op_tensor *in, const struct op_tensor *out)
{
	char shape[80];

	snprintf(shape, sizeof(shape), "%ux%ux%u -> %ux%ux%u", in->h, in->w, in->c, out->h,
		 out->w, out->c);
	return op_run_shape(cq, prog, stats, name, shape);
}

int op_grid(struct tt_device *dev, uint32_t *gx, uint32_t *gy, uint32_t *l1_budget)
{
	struct tt_device_info info;
	int ret = tt_device_info(dev, &info);

	if (ret)
		return ret;
	*gx = info.grid_x;
	*gy = info.grid_y;
	/* what CBs may use, less a margin for the library's own placement */
	*l1_budget = info.l1_size > info.l1_free + 16384 ? info.l1_size - info.l1_free - 16384 : 0;
	return 0;
}

int op_cores(struct tt_device *dev, uint32_t items, struct tt_core_range *cores, uint32_t *used)
{
	uint32_t gx, gy, budget, rows;
	int ret = op_grid(dev, &gx, &gy, &budget);

	if (ret)
		return ret;
	*used = items < gx * gy ? items : gx * gy;
	if (!*used)
		*used = 1;
	rows = OP_DIV_UP(*used, gx);
	*cores = TT_CORES(0, 0, rows > 1 ? gx - 1 : *used - 1, rows - 1);
	return 0;
}

int op_split_args(struct tt_program *prog, struct tt_core_range cores, uint32_t used,
		  uint32_t items, const int *kernels, unsigned nkernels, int compute)
{
	uint32_t w = cores.end.x + 1, n = w * (cores.end.y + 1), idx;
	unsigned k;
	int ret;

	for (idx = 0; idx < n; idx++) {
		struct tt_core core = TT_CORE(idx % w, idx / w);
		uint32_t count = idx < used && idx < items ? OP_DIV_UP(items - idx, used) : 0;
		uint32_t args[3] = { idx, count, used };

		for (k = 0; k < nkernels; k++) {
			ret = tt_runtime_args_set(prog, kernels[k], core, args, 3);
			if (ret)
				return ret;
		}
		if (compute >= 0) {
			ret = tt_runtime_args_set(prog, compute, core, &count, 1);
			if (ret)
				return ret;
		}
	}
	return 0;
}
