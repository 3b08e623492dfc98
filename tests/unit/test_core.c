/*
 * Unit tests: codes, UTF-8, base64url, strict JSON and field validation.
 */

#include <stdlib.h>
#include <string.h>

#include "xiangzhi/core.h"
#include "tap.h"

static int	has_error(const struct xz_errors *, const char *, const char *);
static void	test_codes(void);
static void	test_utf8(void);
static void	test_b64(void);
static void	test_json(void);
static void	test_validate(void);
static void	test_etags(void);

void
test_core(void)
{
	test_codes();
	test_utf8();
	test_b64();
	test_json();
	test_validate();
	test_etags();
}

static void
test_codes(void)
{
	ok(xz_code_valid("330599", 6), "a 6-digit county code is valid");
	ok(!xz_code_valid("33059", 6), "5 digits is not a county code");
	ok(!xz_code_valid("3305990", 6), "7 digits is not a county code");
	ok(!xz_code_valid("33059a", 6), "letters are not digits");
	ok(!xz_code_valid("", 6), "empty is not a code");
	ok(!xz_code_valid(NULL, 6), "NULL is not a code");
	ok(!xz_code_valid("３３０５９９", 6), "full-width digits are refused");
	ok(xz_code_child_of("330599100", 9, "330599"),
	    "a township code starts with its county");
	ok(!xz_code_child_of("330600100", 9, "330599"),
	    "a township of another county is not a child");
	ok(xz_code_child_of("330599100200", 12, "330599100"),
	    "a village code starts with its township");
	ok(!xz_code_child_of("330599101200", 12, "330599100"),
	    "a village of another township is not a child");
	ok(!xz_code_child_of("330599100", 9, "330599100"),
	    "a code is not its own child");
}

static void
test_utf8(void)
{
	ok(xz_utf8_len("abc", 3) == 3, "ASCII counts bytes");
	ok(xz_utf8_len("溪口镇", strlen("溪口镇")) == 3,
	    "three CJK characters count as three");
	ok(xz_utf8_len("\xf0\x9f\x98\x80", 4) == 1, "a 4-byte emoji is one");
	ok(xz_utf8_len("\xc0\xaf", 2) < 0, "overlong encoding is refused");
	ok(xz_utf8_len("\xed\xa0\x80", 3) < 0, "a surrogate is refused");
	ok(xz_utf8_len("\xe6\xba", 2) < 0, "a truncated sequence is refused");
	ok(xz_utf8_len("\xff", 1) < 0, "0xff is refused");
	ok(xz_utf8_len("a\0b", 3) < 0, "NUL is refused");
	ok(xz_utf8_len("\xf4\x90\x80\x80", 4) < 0, "past U+10FFFF is refused");
}

static void
test_b64(void)
{
	unsigned char	out[64];
	char		enc[64];
	long		n;

	(void)xz_b64url_encode((const unsigned char *)"330599100", 9, enc);
	ok(strcmp(enc, "MzMwNTk5MTAw") == 0, "encodes without padding");
	n = xz_b64url_decode(enc, strlen(enc), out);
	ok(n == 9 && memcmp(out, "330599100", 9) == 0, "round trip");
	(void)xz_b64url_encode((const unsigned char *)"\xfb\xff", 2, enc);
	ok(strcmp(enc, "-_8") == 0, "uses the URL alphabet");
	ok(xz_b64url_decode("ab+/", 4, out) < 0, "'+' and '/' are refused");
	ok(xz_b64url_decode("YQ==", 4, out) < 0, "padding is refused");
	ok(xz_b64url_decode("a", 1, out) < 0, "an impossible length is refused");
	ok(xz_b64url_decode("YR", 2, out) < 0,
	    "non-zero trailing bits are refused (one encoding per value)");
}

static void
test_json(void)
{
	struct xz_errors	e;
	json_t			*o;
	const char		*dup = "{\"name\":\"a\",\"name\":\"b\"}";

	memset(&e, 0, sizeof(e));
	o = xz_json_parse_object(dup, strlen(dup), &e);
	ok(o == NULL && has_error(&e, "/name", "duplicate_key"),
	    "duplicate keys are refused with the key's pointer");

	memset(&e, 0, sizeof(e));
	o = xz_json_parse_object("[1]", 3, &e);
	ok(o == NULL && has_error(&e, "", "type"), "an array is not an object");

	memset(&e, 0, sizeof(e));
	o = xz_json_parse_object("{\"a\":\"\xff\"}", 8, &e);
	ok(o == NULL && has_error(&e, "/a", "invalid_utf8"),
	    "invalid UTF-8 is refused, naming its member");

	memset(&e, 0, sizeof(e));
	o = xz_json_parse_object("{\"a\":1} x", 9, &e);
	ok(o == NULL && has_error(&e, "", "invalid_json"),
	    "trailing garbage is refused");

	memset(&e, 0, sizeof(e));
	o = xz_json_parse_object("", 0, &e);
	ok(o == NULL && has_error(&e, "", "invalid_json"), "empty body");

	{
		static const struct xz_field	fa[] = {
			{ "a", XZ_FT_STRING, 1, 1, 10, NULL },
		};
		const char	*nul = "{\"a\":\"x\\u0000y\"}";

		memset(&e, 0, sizeof(e));
		o = xz_json_parse_object(nul, strlen(nul), &e);
		ok(o != NULL && xz_validate(o, fa, 1, &e) == 1 &&
		    has_error(&e, "/a", "invalid_utf8"),
		    "an escaped NUL is refused by validation, naming /a");
		json_decref(o);
	}

	memset(&e, 0, sizeof(e));
	o = xz_json_parse_object("{\"b\":1,\"n\":9223372036854775808}",
	    strlen("{\"b\":1,\"n\":9223372036854775808}"), &e);
	ok(o == NULL && has_error(&e, "/n", "out_of_range"),
	    "2^63 is refused, not wrapped, naming /n");

	memset(&e, 0, sizeof(e));
	o = xz_json_parse_object("{\"a\":{\"x\":1},\"b\":tru}",
	    strlen("{\"a\":{\"x\":1},\"b\":tru}"), &e);
	ok(o == NULL && has_error(&e, "/b", "invalid_json"),
	    "a malformed value names its top-level member");

	memset(&e, 0, sizeof(e));
	o = xz_json_parse_object("{\"a\":1}", 7, &e);
	ok(o != NULL && e.count == 0, "a plain object parses");
	json_decref(o);

	{
		char	*exact;
		json_t	*arr;

		/* A body cut short: no read past its last byte (ASan). */
		exact = malloc(4);
		memcpy(exact, "{\"a\"", 4);
		memset(&e, 0, sizeof(e));
		o = xz_json_parse_object(exact, 4, &e);
		ok(o == NULL && e.count == 1, "a truncated body is refused");
		free(exact);

		/* Client bytes in an error stay valid UTF-8 (never dropped). */
		memset(&e, 0, sizeof(e));
		xz_errors_add(&e, 1, "\xff\xe4\xb8", "unknown_parameter",
		    "'%s' is not a parameter", "\xe4\xb8\xad\xe4");
		arr = xz_errors_json(&e);
		ok(json_array_size(arr) == 1 &&
		    strcmp(e.list[0].where, "???") == 0 &&
		    strcmp(e.list[0].message,
		    "'\xe4\xb8\xad?' is not a parameter") == 0,
		    "invalid or cut UTF-8 in an error becomes '?'");
		json_decref(arr);
	}
}

static void
test_validate(void)
{
	static const char *const	kinds[] = { "town", "subdistrict", NULL };
	static const struct xz_field	f[] = {
		{ "code", XZ_FT_CODE, 1, 0, 9, NULL },
		{ "name", XZ_FT_STRING, 1, 1, 4, NULL },
		{ "kind", XZ_FT_ENUM, 0, 0, 0, kinds },
		{ "population", XZ_FT_INT, 0, 0, 100, NULL },
	};
	struct xz_errors	e;
	json_t			*o;

	memset(&e, 0, sizeof(e));
	o = json_pack("{s:s,s:s,s:s,s:i}", "code", "330599100", "name",
	    "溪口镇镇", "kind", "town", "population", 100);
	ok(xz_validate(o, f, 4, &e) == 0, "a valid object passes; 4 CJK "
	    "characters fit a 4-character limit");
	json_decref(o);

	memset(&e, 0, sizeof(e));
	o = json_pack("{s:s,s:s,s:s}", "code", "33059910", "name", "溪口镇镇镇",
	    "foo", "x");
	(void)xz_validate(o, f, 4, &e);
	ok(has_error(&e, "/code", "format"), "a short code is a format error");
	ok(has_error(&e, "/name", "too_long"), "5 characters is too long");
	ok(has_error(&e, "/foo", "unknown_field"), "unknown fields are named");
	json_decref(o);

	memset(&e, 0, sizeof(e));
	o = json_pack("{s:i,s:n,s:s,s:I}", "code", 330599100, "name",
	    "kind", "city", "population", (json_int_t)101);
	(void)xz_validate(o, f, 4, &e);
	ok(has_error(&e, "/code", "type"), "a number is not a code string");
	ok(has_error(&e, "/name", "type"), "null is not a string");
	ok(has_error(&e, "/kind", "enum"), "an unknown kind is refused");
	ok(has_error(&e, "/population", "out_of_range"), "101 > max");
	json_decref(o);

	memset(&e, 0, sizeof(e));
	o = json_pack("{s:f}", "population", 1.5);
	(void)xz_validate(o, f, 4, &e);
	ok(has_error(&e, "/population", "type"), "a real is not an integer");
	ok(has_error(&e, "/code", "required") && has_error(&e, "/name",
	    "required"), "missing required fields are named");
	json_decref(o);

	memset(&e, 0, sizeof(e));
	o = json_pack("{s:s,s:s}", "code", "330599100", "name", "");
	(void)xz_validate(o, f, 4, &e);
	ok(has_error(&e, "/name", "required"), "an empty name is missing");
	json_decref(o);

	{
		long long	v;

		ok(xz_parse_ll("50", 1, 200, &v) == 0 && v == 50,
		    "parses a limit");
		ok(xz_parse_ll("0", 1, 200, &v) != 0, "below the minimum");
		ok(xz_parse_ll("-5", -10, 200, &v) != 0, "signs are refused");
		ok(xz_parse_ll("5x", 1, 200, &v) != 0, "trailing bytes");
		ok(xz_parse_ll("99999999999999999999", 1, 200, &v) != 0,
		    "overflow is refused");
		ok(xz_parse_ll(" 5", 1, 200, &v) != 0, "spaces are refused");
		(void)setenv("XZ_UNIT_ENV", "", 1);
		ok(strcmp(xz_env_or("XZ_UNIT_ENV", "d"), "d") == 0 &&
		    strcmp(xz_env_or("XZ_UNIT_UNSET", "d"), "d") == 0,
		    "an empty or unset variable gives the default");
		(void)setenv("XZ_UNIT_ENV", "v", 1);
		ok(strcmp(xz_env_or("XZ_UNIT_ENV", "d"), "v") == 0,
		    "a set variable wins");
	}
}

static int
has_error(const struct xz_errors *e, const char *where, const char *code)
{
	int		i;

	for (i = 0; i < e->count; i++) {
		if (strcmp(e->list[i].where, where) == 0 &&
		    strcmp(e->list[i].code, code) == 0)
			return (1);
	}
	return (0);
}

static void
test_etags(void)
{
	ok(xz_etag_in_list("\"v1\"", "\"v1\""), "If-None-Match: the tag");
	ok(xz_etag_in_list("W/\"v1\"", "\"v1\""),
	    "If-None-Match: the weak form of the tag (weak comparison)");
	ok(xz_etag_in_list("\"a\", W/\"b\",\"v1\"", "\"v1\""),
	    "If-None-Match: a list holding the tag");
	ok(xz_etag_in_list("*", "\"v1\""), "If-None-Match: *");
	ok(!xz_etag_in_list("\"v2\"", "\"v1\""), "another tag");
	ok(!xz_etag_in_list("\"v1x\", \"xv1\"", "\"v1\""),
	    "tags that contain the tag are other tags");
	ok(!xz_etag_in_list("v1", "\"v1\""), "an unquoted value matches nothing");
	ok(!xz_etag_in_list("\"v1", "\"v1\""), "an unterminated tag matches nothing");
	ok(!xz_etag_in_list("", "\"v1\""), "an empty header matches nothing");
	ok(!xz_etag_in_list("w/\"v1\"", "\"v1\""),
	    "the weak prefix is W/, upper case");
}
