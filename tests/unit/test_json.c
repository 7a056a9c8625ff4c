// SPDX-License-Identifier: MIT
/* The JSON reader: values, escapes, numbers, and every kind of bad text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../libttuser/internal.h"
#include "../../model/eval/json.h"

static struct json *parse(const char *s)
{
	struct json *v = NULL;

	assert_int_equal(json_parse(s, strlen(s), &v), 0);
	assert_non_null(v);
	return v;
}

static void expect_bad(const char *s, const char *want)
{
	struct json *v = (struct json *)0x1;

	assert_int_equal(json_parse(s, strlen(s), &v), -EINVAL);
	assert_ptr_equal(v, (struct json *)0x1);
	if (!strstr(tt_last_error(), want))
		fail_msg("'%s': error '%s' lacks '%s'", s, tt_last_error(), want);
}

static void test_values(void **state)
{
	struct json *v = parse(" {\"a\": [1, -2.5e1, 0, true, false, null, \"x\"], \"b\": {}, \"c\": 18446744073709551615}\n");
	const struct json *a, *e;

	(void)state;
	assert_int_equal(v->type, JSON_OBJECT);
	assert_int_equal(v->count, 3);
	a = json_get(v, "a");
	assert_int_equal(a->type, JSON_ARRAY);
	assert_int_equal(a->count, 7);
	e = a->child;
	assert_true(e->type == JSON_NUMBER && e->is_uint && e->uint == 1 && e->number == 1.0);
	e = e->next;
	assert_true(e->type == JSON_NUMBER && !e->is_uint && e->number == -25.0);
	e = e->next;
	assert_true(e->is_uint && e->uint == 0);
	e = e->next;
	assert_true(e->type == JSON_BOOL && e->boolean);
	e = e->next;
	assert_true(e->type == JSON_BOOL && !e->boolean);
	assert_int_equal(e->next->type, JSON_NULL);
	assert_string_equal(e->next->next->string, "x");
	assert_int_equal(json_get(v, "b")->count, 0);
	assert_true(json_get(v, "c")->is_uint && json_get(v, "c")->uint == UINT64_MAX);
	assert_null(json_get(v, "d"));
	assert_null(json_get(a, "a"));
	assert_true(json_number(a->child, 7) == 1.0);
	assert_true(json_number(NULL, 7) == 7.0);
	json_free(v);
}

static void test_strings(void **state)
{
	struct json *v = parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\u20ac \\ud83d\\ude00 \\u0000z\"");
	const char want[] = "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \0z";

	(void)state;
	assert_int_equal(v->length, sizeof(want) - 1);
	assert_memory_equal(v->string, want, sizeof(want) - 1);
	json_free(v);
}

static void test_bad(void **state)
{
	char deep[200];

	(void)state;
	expect_bad("", "expected a value at byte 0 (end of text)");
	expect_bad("{", "expected a member name");
	expect_bad("{\"a\" 1}", "expected ':' at byte 5");
	expect_bad("{\"a\":1,}", "expected a member name");
	expect_bad("[1 2]", "expected ',' or ']' at byte 3");
	expect_bad("{\"a\":1,\"a\":2}", "duplicate member name at byte 7");
	expect_bad("\"abc", "unterminated string");
	expect_bad("\"a\nb\"", "control character");
	expect_bad("\"\\x\"", "unknown escape");
	expect_bad("\"\\u12\"", "hex digit");
	expect_bad("\"\\ud800x\"", "high surrogate without a low one");
	expect_bad("\"\\udc00\"", "lone low surrogate");
	expect_bad("01", "unexpected text after the value at byte 1");
	expect_bad("1.", "expected a digit after '.'");
	expect_bad("1e", "expected a digit in exponent");
	expect_bad("-", "expected a digit");
	expect_bad("1e999", "number out of range");
	expect_bad("tru", "expected a value");
	expect_bad("{\"a\\u0000b\":1}", "NUL in member name");
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = 0;
	expect_bad(deep, "nesting too deep");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
