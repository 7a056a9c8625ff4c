/* SPDX-License-Identifier: MIT */
/* A small JSON reader: the whole text becomes a tree of values. */
#ifndef MODEL_JSON_H
#define MODEL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	bool boolean;
	double number;
	bool is_uint;		/* a number written as a plain non-negative integer */
	uint64_t uint;		/* its exact value when is_uint */
	char *string;		/* JSON_STRING: NUL-terminated, escapes decoded */
	size_t length;		/* its length in bytes (it may hold NULs) */
	char *key;		/* the member name when inside an object */
	struct json *child;	/* first element or member */
	struct json *next;	/* next sibling */
	size_t count;		/* number of elements or members */
};

/*
 * Parses len bytes of text. On success *out is the root (free it with
 * json_free). On bad JSON returns -EINVAL with tt_last_error() saying where
 * (byte offset) and what was expected. Duplicate object keys are an error.
 */
int json_parse(const char *text, size_t len, struct json **out);
void json_free(struct json *v);

/* The member named key of an object, or NULL. */
const struct json *json_get(const struct json *obj, const char *key);

/* A number as written, or def when v is absent or not a number. */
double json_number(const struct json *v, double def);

#endif
