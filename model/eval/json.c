// SPDX-License-Identifier: MIT
/* A small JSON reader (RFC 8259): recursive descent into a tree of values. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ttuser.h"
#include "json.h"

#define JSON_MAX_DEPTH 64

struct parser {
	const char *s;
	size_t len, pos;
	int depth;
};

static int fail(struct parser *p, const char *what)
{
	if (p->pos >= p->len)
		return tt_error(-EINVAL, "JSON: %s at byte %zu (end of text)", what, p->pos);
	return tt_error(-EINVAL, "JSON: %s at byte %zu", what, p->pos);
}

static void skip_space(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static bool take(struct parser *p, char c)
{
	if (p->pos < p->len && p->s[p->pos] == c) {
		p->pos++;
		return true;
	}
	return false;
}

static int hex4(struct parser *p, unsigned *out)
{
	unsigned v = 0;

	if (p->len - p->pos < 4)
		return fail(p, "expected four hex digits after \\u");
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(p, "expected a hex digit in \\u escape");
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *d, unsigned cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12);
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18);
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string starting at the opening quote; *out is malloc'd. */
static int parse_string(struct parser *p, char **out, size_t *outlen)
{
	size_t start = p->pos + 1, end = start;
	char *d;
	size_t n = 0;
	int err;

	if (!take(p, '"'))
		return fail(p, "expected a string");
	/* The decoded text is never longer than the source. */
	while (end < p->len && p->s[end] != '"')
		end += (p->s[end] == '\\') ? 2 : 1;
	if (end >= p->len) {
		p->pos = p->len;
		return fail(p, "unterminated string");
	}
	d = malloc(end - start + 1);
	if (!d)
		return tt_error(-ENOMEM, "JSON: out of memory");
	while (p->s[p->pos] != '"') {
		unsigned char c = (unsigned char)p->s[p->pos];

		if (c < 0x20) {
			err = fail(p, "control character in string");
			goto bad;
		}
		if (c != '\\') {
			d[n++] = (char)c;
			p->pos++;
			continue;
		}
		p->pos++;
		c = (unsigned char)p->s[p->pos++];
		switch (c) {
		case '"': case '\\': case '/':
			d[n++] = (char)c;
			break;
		case 'b': d[n++] = '\b'; break;
		case 'f': d[n++] = '\f'; break;
		case 'n': d[n++] = '\n'; break;
		case 'r': d[n++] = '\r'; break;
		case 't': d[n++] = '\t'; break;
		case 'u': {
			unsigned cp, lo;

			if ((err = hex4(p, &cp)))
				goto bad;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				err = fail(p, "lone low surrogate in \\u escape");
				goto bad;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
					err = fail(p, "high surrogate without a low one");
					goto bad;
				}
				p->pos += 2;
				if ((err = hex4(p, &lo)))
					goto bad;
				if (lo < 0xdc00 || lo > 0xdfff) {
					err = fail(p, "high surrogate without a low one");
					goto bad;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			/* 6 source bytes (12 for a pair) always cover the output. */
			n += put_utf8(d + n, cp);
			break;
		}
		default:
			p->pos--;
			err = fail(p, "unknown escape in string");
			goto bad;
		}
	}
	p->pos++;
	d[n] = 0;
	*out = d;
	*outlen = n;
	return 0;
bad:
	free(d);
	return err;
}

static int parse_number(struct parser *p, struct json *v)
{
	size_t start = p->pos;
	bool plain = true;
	char buf[64];
	char *end;

	if (take(p, '-'))
		plain = false;
	if (take(p, '0')) {
		/* no leading zeros */
	} else if (p->pos < p->len && p->s[p->pos] >= '1' && p->s[p->pos] <= '9') {
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	} else {
		return fail(p, "expected a digit");
	}
	if (take(p, '.')) {
		plain = false;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return fail(p, "expected a digit after '.'");
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (take(p, 'e') || take(p, 'E')) {
		plain = false;
		if (!take(p, '+'))
			take(p, '-');
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return fail(p, "expected a digit in exponent");
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos - start >= sizeof(buf)) {
		p->pos = start;
		return fail(p, "number too long");
	}
	memcpy(buf, p->s + start, p->pos - start);
	buf[p->pos - start] = 0;
	v->type = JSON_NUMBER;
	v->number = strtod(buf, &end);
	if (!isfinite(v->number)) {
		p->pos = start;
		return fail(p, "number out of range");
	}
	if (plain) {
		errno = 0;
		v->uint = strtoull(buf, &end, 10);
		v->is_uint = errno == 0;
	}
	return 0;
}

static int parse_value(struct parser *p, struct json **out);

static int parse_members(struct parser *p, struct json *v, bool object)
{
	struct json **tail = &v->child;
	char close = object ? '}' : ']';
	int err;

	skip_space(p);
	if (take(p, close))
		return 0;
	for (;;) {
		char *key = NULL;
		size_t keylen;
		struct json *item;

		skip_space(p);
		if (object) {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return fail(p, "expected a member name");
			size_t at = p->pos;

			if ((err = parse_string(p, &key, &keylen)))
				return err;
			if (strlen(key) != keylen || json_get(v, key)) {
				p->pos = at;
				err = fail(p, strlen(key) != keylen ? "NUL in member name" :
					   "duplicate member name");
				free(key);
				return err;
			}
			skip_space(p);
			if (!take(p, ':')) {
				free(key);
				return fail(p, "expected ':'");
			}
		}
		if ((err = parse_value(p, &item))) {
			free(key);
			return err;
		}
		item->key = key;
		*tail = item;
		tail = &item->next;
		v->count++;
		skip_space(p);
		if (take(p, close))
			return 0;
		if (!take(p, ','))
			return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool word(struct parser *p, const char *w)
{
	size_t n = strlen(w);

	if (p->len - p->pos >= n && !memcmp(p->s + p->pos, w, n)) {
		p->pos += n;
		return true;
	}
	return false;
}

static int parse_value(struct parser *p, struct json **out)
{
	struct json *v = calloc(1, sizeof(*v));
	int err = 0;

	if (!v)
		return tt_error(-ENOMEM, "JSON: out of memory");
	skip_space(p);
	if (p->pos >= p->len) {
		err = fail(p, "expected a value");
	} else if (p->s[p->pos] == '{' || p->s[p->pos] == '[') {
		bool object = p->s[p->pos] == '{';

		if (++p->depth > JSON_MAX_DEPTH) {
			err = fail(p, "nesting too deep");
		} else {
			p->pos++;
			v->type = object ? JSON_OBJECT : JSON_ARRAY;
			err = parse_members(p, v, object);
			p->depth--;
		}
	} else if (p->s[p->pos] == '"') {
		v->type = JSON_STRING;
		err = parse_string(p, &v->string, &v->length);
	} else if (word(p, "true")) {
		v->type = JSON_BOOL;
		v->boolean = true;
	} else if (word(p, "false")) {
		v->type = JSON_BOOL;
	} else if (word(p, "null")) {
		v->type = JSON_NULL;
	} else if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9')) {
		err = parse_number(p, v);
	} else {
		err = fail(p, "expected a value");
	}
	if (err) {
		json_free(v);
		return err;
	}
	*out = v;
	return 0;
}

int json_parse(const char *text, size_t len, struct json **out)
{
	struct parser p = { .s = text, .len = len };
	struct json *root;
	int err;

	if ((err = parse_value(&p, &root)))
		return err;
	skip_space(&p);
	if (p.pos != p.len) {
		json_free(root);
		return fail(&p, "unexpected text after the value");
	}
	*out = root;
	return 0;
}

void json_free(struct json *v)
{
	while (v) {
		struct json *next = v->next;

		json_free(v->child);
		free(v->string);
		free(v->key);
		free(v);
		v = next;
	}
}

const struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (const struct json *m = obj->child; m; m = m->next)
		if (m->key && !strcmp(m->key, key))
			return m;
	return NULL;
}

double json_number(const struct json *v, double def)
{
	return v && v->type == JSON_NUMBER ? v->number : def;
}
