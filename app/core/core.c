/*
 * Codes, UTF-8, base64url and strict JSON validation.  No Kore here.
 */

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xiangzhi/core.h"

static const char	b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int	b64url_value(unsigned char);
static long	utf8_scan(const char *, size_t, int, long *);
static long	utf8_first_invalid(const char *, size_t);
static void	json_member_at(const char *, size_t, char *, size_t);
static void	utf8_repair(char *);
static void	json_pointer_escape(const char *, char *, size_t);
static int	validate_field(json_t *, const struct xz_field *,
		    struct xz_errors *);

int
xz_code_valid(const char *s, size_t digits)
{
	size_t		i;

	if (s == NULL)
		return (0);
	for (i = 0; i < digits; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (0);
	}
	return (s[digits] == '\0');
}

int
xz_code_child_of(const char *child, size_t digits, const char *parent)
{
	size_t		plen;

	if (!xz_code_valid(child, digits) || parent == NULL)
		return (0);
	plen = strlen(parent);
	if (plen >= digits)
		return (0);
	return (strncmp(child, parent, plen) == 0);
}

long
xz_utf8_len(const char *s, size_t len)
{
	long		count;

	if (utf8_scan(s, len, 1, &count) >= 0)
		return (-1);
	return (count);
}

/* Offset of the first invalid byte (NUL allowed), or -1 if none. */
static long
utf8_first_invalid(const char *s, size_t len)
{
	long		count;

	return (utf8_scan(s, len, 0, &count));
}

/*
 * Walks UTF-8: returns the offset of the first invalid sequence (or NUL
 * when nul_invalid) or -1, and counts code points in *count.
 */
static long
utf8_scan(const char *s, size_t len, int nul_invalid, long *countp)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			i, n, k;
	long			count;
	uint32_t		cp;

	count = 0;
	*countp = 0;
	for (i = 0; i < len; count++) {
		if (p[i] < 0x80) {
			if (p[i] == 0 && nul_invalid)
				return ((long)i);
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = p[i] & 0x07;
		} else {
			return ((long)i);
		}
		if (i + n >= len)
			return ((long)i);
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return ((long)i);
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return ((long)i);
		i += n + 1;
	}
	*countp = count;
	return (-1);
}

/*
 * The JSON pointer of the top-level member whose key or value spans byte
 * pos of a (possibly malformed) object, or "" when pos is outside any
 * member.  Used to name the field of a parse error.
 */
static void
json_member_at(const char *buf, size_t pos, char *out, size_t outlen)
{
	char		key[64];
	size_t		i, start, klen;
	int		depth, in_str, esc;

	key[0] = '\0';
	depth = in_str = esc = 0;
	start = 0;
	for (i = 0; i < pos; i++) {
		if (in_str) {
			if (esc)
				esc = 0;
			else if (buf[i] == '\\')
				esc = 1;
			else if (buf[i] == '"') {
				in_str = 0;
				if (depth != 1)
					continue;
				/* A key when ':' follows. */
				klen = i - start;
				start = i + 1;
				while (start < pos && (buf[start] == ' ' ||
				    buf[start] == '\t' || buf[start] == '\n' ||
				    buf[start] == '\r'))
					start++;
				if (start < pos && buf[start] == ':' &&
				    klen < sizeof(key)) {
					memcpy(key, buf + i - klen, klen);
					key[klen] = '\0';
				}
			}
			continue;
		}
		if (buf[i] == '"') {
			in_str = 1;
			start = i + 1;
		} else if (buf[i] == '{' || buf[i] == '[') {
			depth++;
		} else if (buf[i] == '}' || buf[i] == ']') {
			if (--depth == 0)
				key[0] = '\0';
		}
	}
	if (key[0] == '\0') {
		out[0] = '\0';
		return;
	}
	json_pointer_escape(key, out, outlen);
}

size_t
xz_b64url_encode(const unsigned char *in, size_t len, char *out)
{
	size_t		i, o;
	uint32_t	v;

	o = 0;
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 6) & 0x3f];
		out[o++] = b64url_alphabet[v & 0x3f];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 6) & 0x3f];
	}
	out[o] = '\0';
	return (o);
}

long
xz_b64url_decode(const char *in, size_t len, unsigned char *out)
{
	size_t		i, o;
	uint32_t	v;
	int		c, bits;

	if (len % 4 == 1)
		return (-1);
	o = 0;
	v = 0;
	bits = 0;
	for (i = 0; i < len; i++) {
		if ((c = b64url_value((unsigned char)in[i])) < 0)
			return (-1);
		v = (v << 6) | (uint32_t)c;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (v >> bits) & 0xff;
		}
	}
	/* Leftover bits must be zero: one encoding per value. */
	if (bits > 0 && (v & ((1u << bits) - 1)) != 0)
		return (-1);
	return ((long)o);
}

void
xz_errors_add(struct xz_errors *errs, int is_param, const char *where,
    const char *code, const char *fmt, ...)
{
	struct xz_error	*e;
	va_list		ap;

	if (errs->count >= XZ_ERRORS_MAX)
		return;
	e = &errs->list[errs->count++];
	e->is_param = is_param;
	e->code = code;
	(void)snprintf(e->where, sizeof(e->where), "%s", where);
	va_start(ap, fmt);
	(void)vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	/* Client bytes, maybe cut mid-character: keep them valid UTF-8. */
	utf8_repair(e->where);
	utf8_repair(e->message);
}

/* Replaces each byte that does not start a valid sequence with '?'. */
static void
utf8_repair(char *s)
{
	size_t		len, i;
	long		bad, count;

	len = strlen(s);
	for (i = 0; i < len; ) {
		bad = utf8_scan(s + i, len - i, 1, &count);
		if (bad < 0)
			break;
		i += (size_t)bad;
		s[i++] = '?';
	}
}

json_t *
xz_errors_json(const struct xz_errors *errs)
{
	json_t		*arr;
	int		i;

	arr = json_array();
	for (i = 0; i < errs->count; i++) {
		(void)json_array_append_new(arr, json_pack("{s:s,s:s,s:s}",
		    errs->list[i].is_param ? "parameter" : "pointer",
		    errs->list[i].where, "code", errs->list[i].code,
		    "message", errs->list[i].message));
	}
	return (arr);
}

json_t *
xz_json_parse_object(const char *buf, size_t len, struct xz_errors *errs)
{
	json_t		*obj;
	json_error_t	jerr;
	char		ptr[96], key[64];
	const char	*q, *e;
	long		bad;

	if (len == 0) {
		xz_errors_add(errs, 0, "", "invalid_json",
		    "the request body is empty");
		return (NULL);
	}
	if ((bad = utf8_first_invalid(buf, len)) >= 0) {
		json_member_at(buf, (size_t)bad, ptr, sizeof(ptr));
		xz_errors_add(errs, 0, ptr, "invalid_utf8",
		    "the body is not valid UTF-8 at byte %ld", bad);
		return (NULL);
	}
	/* NUL is let through here so validation can name its field. */
	obj = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	    &jerr);
	if (obj == NULL) {
		if (json_error_code(&jerr) == json_error_duplicate_key) {
			/* jansson says: duplicate object key near '"name"' */
			key[0] = '\0';
			if ((q = strstr(jerr.text, "'\"")) != NULL &&
			    (e = strstr(q + 2, "\"'")) != NULL &&
			    (size_t)(e - q - 2) < sizeof(key)) {
				memcpy(key, q + 2, e - q - 2);
				key[e - q - 2] = '\0';
			}
			json_pointer_escape(key, ptr, sizeof(ptr));
			xz_errors_add(errs, 0, ptr, "duplicate_key",
			    "the key '%s' appears more than once", key);
		} else if (json_error_code(&jerr) ==
		    json_error_numeric_overflow) {
			json_member_at(buf, (size_t)jerr.position, ptr,
			    sizeof(ptr));
			xz_errors_add(errs, 0, ptr, "out_of_range",
			    "a number is too large");
		} else {
			json_member_at(buf, (size_t)jerr.position, ptr,
			    sizeof(ptr));
			xz_errors_add(errs, 0, ptr, "invalid_json",
			    "malformed JSON at line %d column %d",
			    jerr.line, jerr.column);
		}
		return (NULL);
	}
	if (!json_is_object(obj)) {
		json_decref(obj);
		xz_errors_add(errs, 0, "", "type",
		    "the request body must be a JSON object");
		return (NULL);
	}
	return (obj);
}

int
xz_validate(json_t *obj, const struct xz_field *fields, size_t nfields,
    struct xz_errors *errs)
{
	const char	*key;
	json_t		*val;
	size_t		i;
	int		before;
	char		ptr[96];

	before = errs->count;
	json_object_foreach(obj, key, val) {
		for (i = 0; i < nfields; i++) {
			if (strcmp(fields[i].name, key) == 0)
				break;
		}
		if (i == nfields) {
			json_pointer_escape(key, ptr, sizeof(ptr));
			xz_errors_add(errs, 0, ptr, "unknown_field",
			    "'%.60s' is not a field of this resource", key);
		}
	}
	for (i = 0; i < nfields; i++) {
		val = json_object_get(obj, fields[i].name);
		if (val == NULL) {
			if (fields[i].required) {
				(void)snprintf(ptr, sizeof(ptr), "/%s",
				    fields[i].name);
				xz_errors_add(errs, 0, ptr, "required",
				    "%s is required", fields[i].name);
			}
			continue;
		}
		(void)validate_field(val, &fields[i], errs);
	}
	return (errs->count - before);
}

const char *
xz_env_or(const char *name, const char *def)
{
	const char	*v;

	if ((v = getenv(name)) == NULL || *v == '\0')
		return (def);
	return (v);
}

int
xz_parse_ll(const char *s, long long min, long long max, long long *out)
{
	long long	v;
	char		*end;

	if (s == NULL || *s == '\0' || !isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

static int
validate_field(json_t *val, const struct xz_field *f, struct xz_errors *errs)
{
	char		ptr[96];
	const char	*s;
	long long	v;
	long		chars;
	size_t		i;

	(void)snprintf(ptr, sizeof(ptr), "/%s", f->name);
	switch (f->type) {
	case XZ_FT_ANY:
		return (0);
	case XZ_FT_INT:
		if (!json_is_integer(val)) {
			xz_errors_add(errs, 0, ptr, "type",
			    "%s must be an integer", f->name);
			return (-1);
		}
		v = json_integer_value(val);
		if (v < f->min || v > f->max) {
			xz_errors_add(errs, 0, ptr, "out_of_range",
			    "%s must be between %lld and %lld", f->name,
			    f->min, f->max);
			return (-1);
		}
		return (0);
	case XZ_FT_STRING:
	case XZ_FT_ENUM:
	case XZ_FT_CODE:
	case XZ_FT_DATE:
	case XZ_FT_UUID:
		if (!json_is_string(val)) {
			xz_errors_add(errs, 0, ptr, "type",
			    "%s must be a string", f->name);
			return (-1);
		}
		break;
	}
	s = json_string_value(val);
	chars = xz_utf8_len(s, json_string_length(val));
	if (chars < 0) {
		xz_errors_add(errs, 0, ptr, "invalid_utf8",
		    "%s contains a NUL or invalid character", f->name);
		return (-1);
	}
	if (f->type == XZ_FT_DATE) {
		if (!xz_date_valid(s)) {
			xz_errors_add(errs, 0, ptr, "format",
			    "%s must be a date YYYY-MM-DD", f->name);
			return (-1);
		}
		return (0);
	}
	if (f->type == XZ_FT_UUID) {
		if (!xz_uuid_valid(s)) {
			xz_errors_add(errs, 0, ptr, "format",
			    "%s must be a lower-case UUID", f->name);
			return (-1);
		}
		return (0);
	}
	if (f->type == XZ_FT_CODE) {
		if (!xz_code_valid(s, (size_t)f->max)) {
			xz_errors_add(errs, 0, ptr, "format",
			    "%s must be exactly %lld digits", f->name, f->max);
			return (-1);
		}
		return (0);
	}
	if (f->type == XZ_FT_ENUM) {
		for (i = 0; f->choices[i] != NULL; i++) {
			if (strcmp(f->choices[i], s) == 0)
				return (0);
		}
		xz_errors_add(errs, 0, ptr, "enum",
		    "%s is not one of the allowed values", f->name);
		return (-1);
	}
	if (chars > f->max) {
		xz_errors_add(errs, 0, ptr, "too_long",
		    "%s must be at most %lld characters", f->name, f->max);
		return (-1);
	}
	if (chars < f->min) {
		xz_errors_add(errs, 0, ptr, chars == 0 ? "required" : "too_short",
		    "%s must be at least %lld characters", f->name, f->min);
		return (-1);
	}
	return (0);
}

static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '-')
		return (62);
	if (c == '_')
		return (63);
	return (-1);
}

/* RFC 6901: '~' becomes "~0" and '/' becomes "~1"; the result starts with '/'. */
static void
json_pointer_escape(const char *key, char *out, size_t outlen)
{
	size_t		o;

	o = 0;
	if (outlen < 2) {
		if (outlen == 1)
			out[0] = '\0';
		return;
	}
	out[o++] = '/';
	for (; *key != '\0' && o + 3 < outlen; key++) {
		if (*key == '~') {
			out[o++] = '~';
			out[o++] = '0';
		} else if (*key == '/') {
			out[o++] = '~';
			out[o++] = '1';
		} else {
			out[o++] = *key;
		}
	}
	out[o] = '\0';
}

int
xz_date_valid(const char *s)
{
	static const int	mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	int			y, m, d, i;

	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return (0);
		} else if (s[i] < '0' || s[i] > '9') {
			return (0);
		}
	}
	if (s[10] != '\0')
		return (0);
	y = atoi(s);
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return (0);
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return (0);
	return (1);
}

int
xz_uuid_valid(const char *s)
{
	size_t		i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f'))) {
			return (0);
		}
	}
	return (s[36] == '\0');
}

long long
xz_days_from_civil(int y, int m, int d)
{
	long long	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

void
xz_today(char *buf, size_t len)
{
	struct tm	tm;
	time_t		now;

	now = time(NULL) + 8 * 3600;
	(void)gmtime_r(&now, &tm);
	(void)strftime(buf, len, "%Y-%m-%d", &tm);
}

/* 1 when s is only white space: ASCII, U+00A0 or U+3000. */
static int
core_blank(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	while (*p != '\0') {
		if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
			p++;
		else if (p[0] == 0xc2 && p[1] == 0xa0)
			p += 2;
		else if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
			p += 3;
		else
			return (0);
	}
	return (1);
}

void
xz_blank_check(json_t *obj, const struct xz_field *fields, size_t nfields,
    struct xz_errors *errs)
{
	const char	*s;
	char		ptr[96];
	size_t		i;
	int		j, seen;

	for (i = 0; i < nfields; i++) {
		if (fields[i].type != XZ_FT_STRING ||
		    (s = json_string_value(json_object_get(obj,
		    fields[i].name))) == NULL || *s == '\0' || !core_blank(s))
			continue;
		(void)snprintf(ptr, sizeof(ptr), "/%s", fields[i].name);
		for (seen = 0, j = 0; j < errs->count; j++) {
			if (!errs->list[j].is_param &&
			    strcmp(errs->list[j].where, ptr) == 0)
				seen = 1;
		}
		if (!seen)
			xz_errors_add(errs, 0, ptr, "blank",
			    "%s must not be blank", fields[i].name);
	}
}

void
xz_enum_param(const char *v, const char *name, const char *const *choices,
    struct xz_errors *errs)
{
	size_t		i;

	for (i = 0; choices[i] != NULL; i++) {
		if (strcmp(choices[i], v) == 0)
			return;
	}
	xz_errors_add(errs, 1, name, "enum",
	    "%s is not one of the allowed values", name);
}

const char *
xz_opt(const char *v)
{
	return (v[0] != '\0' ? v : NULL);
}

int
xz_etag_in_list(const char *list, const char *etag)
{
	const char	*p, *end;
	size_t		len;

	len = strlen(etag);
	p = list;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return (0);
		if (*p == '*')
			return (1);
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"')
			return (0);
		if ((end = strchr(p + 1, '"')) == NULL)
			return (0);
		if ((size_t)(end + 1 - p) == len && memcmp(p, etag, len) == 0)
			return (1);
		p = end + 1;
	}
}
