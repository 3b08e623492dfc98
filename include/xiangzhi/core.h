/*
 * Xiangzhi core: pure C helpers with no Kore dependency (unit-tested alone).
 * Codes, UTF-8, base64url, strict JSON bodies and their validation.
 */
#ifndef XIANGZHI_CORE_H
#define XIANGZHI_CORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Administrative levels and the length of their codes. */
#define XZ_LEVEL_COUNTY		6
#define XZ_LEVEL_TOWNSHIP	9
#define XZ_LEVEL_VILLAGE	12

/* 1 when s is exactly `digits` ASCII digits. */
int	xz_code_valid(const char *s, size_t digits);
/* 1 when child is a valid code of its level and starts with parent. */
int	xz_code_child_of(const char *child, size_t digits, const char *parent);

/* Number of code points in valid UTF-8 s of len bytes, or -1 if invalid. */
long	xz_utf8_len(const char *s, size_t len);

/*
 * base64url without padding.  xz_b64url_encode writes a NUL-terminated
 * string into out (size at least ((len + 2) / 3) * 4 + 1) and returns its
 * length.  xz_b64url_decode returns the decoded length or -1 on any
 * character outside the alphabet, padding, or an impossible length; out
 * must hold (len / 4) * 3 + 3 bytes.
 */
size_t	xz_b64url_encode(const unsigned char *in, size_t len, char *out);
long	xz_b64url_decode(const char *in, size_t len, unsigned char *out);

/*
 * Validation errors: a small list of {pointer or parameter, code, message}
 * that becomes the `errors` member of a problem+json body.
 */
#define XZ_ERRORS_MAX		16

struct xz_error {
	char		where[96];	/* JSON pointer or parameter name */
	int		is_param;
	const char	*code;		/* stable machine code, static */
	char		message[160];
};

struct xz_errors {
	int		count;
	struct xz_error	list[XZ_ERRORS_MAX];
};

void	xz_errors_add(struct xz_errors *, int is_param, const char *where,
	    const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* A JSON array of the errors; the caller owns the reference. */
json_t	*xz_errors_json(const struct xz_errors *);

/*
 * Strict body parsing: rejects duplicate keys, invalid UTF-8, NUL, a
 * non-object top level, and anything past the document.  On failure
 * returns NULL and adds one error.  The caller owns the result.
 */
json_t	*xz_json_parse_object(const char *buf, size_t len, struct xz_errors *);

/*
 * A field specification for a flat JSON object.  Unknown fields, missing
 * required fields, wrong types, over-long strings and out-of-range integers
 * each produce an error naming the field.
 */
enum xz_ftype {
	XZ_FT_STRING,
	XZ_FT_INT,
	XZ_FT_ENUM,		/* string among `choices` */
	XZ_FT_CODE,		/* string of exactly `max` digits */
	XZ_FT_ANY,		/* known, checked by the handler */
	XZ_FT_DATE,		/* "YYYY-MM-DD", a real date 1900-2199 */
	XZ_FT_UUID,		/* lower-case canonical UUID */
};

struct xz_field {
	const char		*name;
	enum xz_ftype		type;
	int			required;
	long long		min;	/* characters for strings, value for ints */
	long long		max;
	const char *const	*choices;	/* NULL-terminated, XZ_FT_ENUM */
};

/* Validates obj against fields[nfields]; returns the number of errors added. */
int	xz_validate(json_t *obj, const struct xz_field *fields, size_t nfields,
	    struct xz_errors *);

/*
 * Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil; any year).
 */
long long	xz_days_from_civil(int y, int m, int d);

/* 1 when s is a lower-case canonical UUID. */
int	xz_uuid_valid(const char *s);
/* Today in China Standard Time (UTC+8; Asia/Shanghai has no DST). */
void	xz_today(char *buf, size_t len);
/*
 * Adds a "blank" error for every string member of obj named in fields
 * that holds only white space (ASCII, U+00A0, U+3000 全角空格), unless
 * errs already names that member.
 */
/* Adds an "enum" error for query parameter name unless v is in choices. */
void	xz_enum_param(const char *v, const char *name,
	    const char *const *choices, struct xz_errors *errs);
/* An absent parameter or filter ("") is SQL NULL: v, or NULL. */
const char	*xz_opt(const char *v);
void	xz_blank_check(json_t *obj, const struct xz_field *fields,
	    size_t nfields, struct xz_errors *errs);
/* 1 when s is a real calendar date "YYYY-MM-DD" from 1900 to 2199. */
int	xz_date_valid(const char *s);

/* The environment variable name, or def when it is unset or empty. */
const char	*xz_env_or(const char *name, const char *def);

/*
 * Query-string integers: parses a decimal in [min, max] with no sign,
 * spaces or trailing bytes.  Returns 0 on success.
 */
int	xz_parse_ll(const char *s, long long min, long long max, long long *out);

/*
 * If-None-Match (RFC 9110 13.1.2): 1 when the header value list ("*", or
 * entity tags separated by commas, each optionally weak: W/"...") holds
 * etag (given with its quotes), compared weakly as the RFC says.
 */
int	xz_etag_in_list(const char *list, const char *etag);

#endif
