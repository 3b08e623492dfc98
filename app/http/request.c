/*
 * The request pipeline: route match, auth, permission table, body checks,
 * then the handler's start/finish pair; responses, problem+json, paging.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"

static int	req_begin(struct xz_ctx *);
static int	req_match(struct xz_ctx *, int *);
static int	req_auth(struct xz_ctx *);
static int	req_body(struct xz_ctx *);
static int	req_form(struct xz_ctx *);
static void	req_request_id(struct xz_ctx *);
static void	req_free(struct http_request *);
static const char *req_title(int);
static void	req_finish(struct xz_ctx *, int);
static void	req_next_link(struct xz_ctx *, const char *);
static int	req_has_header(struct http_request *, const char *);

static u_int64_t	req_counter;

int
xz_api(struct http_request *req)
{
	struct xz_ctx	*ctx;
	int		r;

	if ((ctx = http_state_get(req)) == NULL) {
		ctx = http_state_create(req, sizeof(*ctx), req_free);
		ctx->req = req;
		ctx->started_us = xz_now_us();
		ctx->route_index = -1;
		ctx->if_match = -1;
		req_request_id(ctx);
		r = req_begin(ctx);
	} else {
		r = ctx->route->finish(ctx);
	}
	if (r == XZ_WAIT)
		return (KORE_RESULT_RETRY);
	return (KORE_RESULT_OK);
}

int
xz_reply_raw(struct xz_ctx *ctx, int status, const char *type,
    const void *data, size_t len)
{
	if (type != NULL)
		http_response_header(ctx->req, "content-type", type);
	http_response_header(ctx->req, "x-request-id", ctx->request_id);
	/* A handler may have set its own (a revalidated ETag, say). */
	if (!req_has_header(ctx->req, "cache-control"))
		http_response_header(ctx->req, "cache-control", "no-store");
	http_response(ctx->req, status, data, len);
	req_finish(ctx, status);
	return (XZ_DONE);
}

/* 1 when the response already carries the header. */
static int
req_has_header(struct http_request *req, const char *name)
{
	struct http_header	*hdr;

	TAILQ_FOREACH(hdr, &req->resp_headers, list) {
		if (strcasecmp(hdr->header, name) == 0)
			return (1);
	}
	return (0);
}

int
xz_reply_empty(struct xz_ctx *ctx, int status)
{
	return (xz_reply_raw(ctx, status, NULL, NULL, 0));
}

int
xz_reply_secret(struct xz_ctx *ctx, int status, const char *json,
    size_t len, const char *member, char *secret, size_t secretlen)
{
	struct kore_buf	*b;
	size_t		i;
	int		r;

	/* Generated secrets are base64url: nothing to escape. */
	for (i = 0; secret[i] != '\0'; i++) {
		if (!isalnum((unsigned char)secret[i]) && secret[i] != '-' &&
		    secret[i] != '_')
			fatal("xz_reply_secret: not a generated secret");
	}
	if (i == 0)
		return (xz_reply_raw(ctx, status, "application/json", json,
		    len));
	while (len > 0 && json[len - 1] != '}')
		len--;
	if (len == 0)
		fatal("xz_reply_secret: not a JSON object");
	b = kore_buf_alloc(len + i + 64);
	kore_buf_append(b, json, len - 1);
	kore_buf_appendf(b, "%s\"%s\":\"%s\"}", len > 2 ? "," : "", member,
	    secret);
	sodium_memzero(secret, secretlen);
	r = xz_reply_raw(ctx, status, "application/json", b->data, b->offset);
	sodium_memzero(b->data, b->length);
	kore_buf_free(b);
	return (r);
}

int
xz_problem(struct xz_ctx *ctx, int status, const char *code,
    const char *detail, const struct xz_errors *errs)
{
	json_t		*p;
	char		*s;
	int		r;

	p = json_pack("{s:s,s:s,s:i,s:s,s:s,s:s}",
	    "type", "about:blank", "title", req_title(status),
	    "status", status, "detail", detail, "code", code,
	    "request_id", ctx->request_id);
	if (errs != NULL && errs->count > 0)
		(void)json_object_set_new(p, "errors", xz_errors_json(errs));
	if (p == NULL || (s = json_dumps(p, JSON_COMPACT)) == NULL) {
		json_decref(p);
		return (xz_reply_raw(ctx, 500, "application/problem+json",
		    "{}", 2));
	}
	json_decref(p);
	if (status == 401) {
		http_response_header(ctx->req, "www-authenticate",
		    "Bearer realm=\"xiangzhi\", error=\"invalid_token\"");
	}
	r = xz_reply_raw(ctx, status, "application/problem+json", s, strlen(s));
	free(s);
	return (r);
}

int
xz_oauth_error(struct xz_ctx *ctx, int status, const char *error,
    const char *code, const char *detail)
{
	json_t		*p;
	char		*s;
	int		r;

	p = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:s}",
	    "error", error, "error_description", detail,
	    "type", "about:blank", "title", req_title(status),
	    "status", status, "detail", detail, "code", code,
	    "request_id", ctx->request_id);
	if (p == NULL || (s = json_dumps(p, JSON_COMPACT)) == NULL) {
		json_decref(p);
		return (xz_reply_raw(ctx, 500, "application/json", "{}", 2));
	}
	json_decref(p);
	if (status == 401)
		http_response_header(ctx->req, "www-authenticate",
		    "Basic realm=\"xiangzhi\"");
	http_response_header(ctx->req, "pragma", "no-cache");
	r = xz_reply_raw(ctx, status, "application/json", s, strlen(s));
	free(s);
	return (r);
}

/*
 * A rule the database refused with SQLSTATE XZnnn (include/xiangzhi/db.h):
 * nnn is the status, the message the code, the hint a field's pointer.
 * A 400 naming a field answers validation_failed with the code on the
 * field's entry, like the service's own input checks.
 */
static int
tx_business(struct xz_ctx *ctx)
{
	struct xz_tx		*tx = ctx->tx;
	struct xz_errors	errs = { 0 };
	long long		status;

	if (xz_parse_ll(tx->sqlstate + 2, 400, 499, &status) == -1)
		status = 409;
	if (tx->xz_pointer[0] == '/')
		xz_errors_add(&errs, 0, tx->xz_pointer, tx->xz_code,
		    tx->xz_detail);
	/* A bad field reads like every other 400: its code is the entry's. */
	if (status == 400 && errs.count > 0)
		(void)xz_bad(ctx, &errs);
	else
		(void)xz_problem(ctx, (int)status, tx->xz_code, tx->xz_detail,
		    errs.count > 0 ? &errs : NULL);
	return (1);
}

int
xz_tx_failed(struct xz_ctx *ctx)
{
	struct xz_tx	*tx = ctx->tx;
	const char	*st, *code, *detail;
	int		status;

	if (tx->status == XZ_TX_OK)
		return (0);
	st = tx->sqlstate;
	status = 500;
	code = "internal_error";
	detail = "the request could not be completed";
	if (tx->status == XZ_TX_UNAVAILABLE || strcmp(st, "57014") == 0) {
		http_response_header(ctx->req, "retry-after", "1");
		status = 503;
		code = "database_unavailable";
		detail = "the database is not reachable; retry shortly";
	} else if (strcmp(st, "40P01") == 0 || strcmp(st, "40001") == 0) {
		/*
		 * A deadlock or serialisation failure with a concurrent
		 * request: the whole transaction was rolled back, so the
		 * request may be sent again as it is.
		 */
		http_response_header(ctx->req, "retry-after", "1");
		status = 503;
		code = "concurrent_update";
		detail = "the request met a concurrent one and was rolled back;"
		    " send it again";
	} else if (strcmp(st, "23505") == 0) {
		status = 409;
		code = "conflict";
		detail = "a resource with this code already exists";
	} else if (strcmp(st, "23P01") == 0) {
		/* An exclusion constraint: the period is taken. */
		status = 409;
		code = "overlap";
		detail = "the period overlaps one already booked or leased";
	} else if (strcmp(st, "55000") == 0) {
		status = 409;
		code = "invalid_state";
		detail = "the resource is in a state that does not allow this";
	} else if (strcmp(st, "23503") == 0) {
		status = 404;
		code = "not_found";
		detail = "the parent resource does not exist";
	} else if (strcmp(st, "42501") == 0) {
		/* A row policy refused the write: another tenant's row. */
		status = 404;
		code = "not_found";
		detail = "no such resource";
	} else if (strncmp(st, "XZ", 2) == 0) {
		return (tx_business(ctx));
	} else if (strcmp(st, "23514") == 0 || strncmp(st, "22", 2) == 0) {
		status = 400;
		code = "validation_failed";
		detail = "a value is outside what the resource allows";
	}
	(void)xz_problem(ctx, status, code, detail, NULL);
	return (1);
}

void
xz_set_etag(struct xz_ctx *ctx, const char *version)
{
	char		etag[32];

	(void)snprintf(etag, sizeof(etag), "\"%s\"", version);
	http_response_header(ctx->req, "etag", etag);
}

int
xz_not_modified(struct xz_ctx *ctx, const char *version)
{
	const char	*inm;
	char		etag[32];

	if (!http_request_header(ctx->req, "if-none-match", &inm))
		return (0);
	(void)snprintf(etag, sizeof(etag), "\"%s\"", version);
	return (xz_etag_in_list(inm, etag));
}

int
xz_require_if_match(struct xz_ctx *ctx)
{
	const char	*im;
	char		num[24];
	size_t		len;
	long long	v;

	if (!http_request_header(ctx->req, "if-match", &im))
		return (xz_problem(ctx, 428, "precondition_required",
		    "PATCH needs If-Match with the ETag from a GET", NULL));
	len = strlen(im);
	if (len < 3 || len > 22 || im[0] != '"' || im[len - 1] != '"')
		goto bad;
	memcpy(num, im + 1, len - 2);
	num[len - 2] = '\0';
	if (xz_parse_ll(num, 1, 2147483647LL, &v) != 0)
		goto bad;
	ctx->if_match = v;
	return (XZ_NEXT);
bad:
	return (xz_problem(ctx, 400, "validation_failed",
	    "If-Match must be an ETag such as \"3\"", NULL));
}

struct xz_tx *
xz_ctx_tx(struct xz_ctx *ctx, int readonly)
{
	ctx->tx = xz_tx_new(ctx->req, ctx->route->roles ? &ctx->claims : NULL,
	    ctx->request_id, readonly);
	return (ctx->tx);
}

int
xz_ctx_run(struct xz_ctx *ctx)
{
	xz_tx_start(ctx->tx);
	/*
	 * Refused at once (no database, queue full): answer now.  Waiting for
	 * the wakeup would leave the request until the event loop's next
	 * turn, up to a second later.
	 */
	if (ctx->tx->status != XZ_TX_PENDING)
		return (ctx->route->finish(ctx));
	return (XZ_WAIT);
}

const char *
xz_path_code(struct xz_ctx *ctx, int i, const char *name, size_t digits,
    struct xz_errors *errs)
{
	const char	*s = ctx->path_params[i];

	if (xz_code_valid(s, digits))
		return (s);
	xz_errors_add(errs, 1, name, "format", "%s must be exactly %zu digits",
	    name, digits);
	return (NULL);
}

static size_t	paging_digits;

static int
paging_code_valid(const char *s)
{
	return (xz_code_valid(s, paging_digits));
}

int
xz_paging_parse(struct xz_ctx *ctx, size_t digits, struct xz_errors *errs)
{
	paging_digits = digits;
	return (xz_paging_parse_key(ctx, paging_code_valid, errs));
}

int
xz_paging_parse_key(struct xz_ctx *ctx, int (*valid)(const char *),
    struct xz_errors *errs)
{
	return (xz_paging_parse_filters(ctx, valid, NULL, NULL, errs));
}

int
xz_paging_parse_filters(struct xz_ctx *ctx, int (*valid)(const char *),
    const char *const *names, char (*vals)[XZ_FILTER_MAX],
    struct xz_errors *errs)
{
	size_t		k;
	const char	*qs;
	char		key[32], val[128];
	unsigned char	raw[96];
	long		n;
	int		r;

	ctx->limit = XZ_PAGE_DEFAULT;
	ctx->cursor[0] = '\0';
	qs = ctx->req->query_string;
	while (qs != NULL && *qs != '\0') {
		r = xz_query_next(&qs, key, sizeof(key), val, sizeof(val));
		if (r != 0) {
			xz_errors_add(errs, 1, r > 0 ? key : "query",
			    "format", "the query string is malformed");
			return (-1);
		}
		if (strcmp(key, "limit") == 0) {
			if (xz_parse_ll(val, 1, XZ_PAGE_MAX, &ctx->limit) != 0)
				xz_errors_add(errs, 1, "limit", "out_of_range",
				    "limit must be an integer from 1 to %d",
				    XZ_PAGE_MAX);
		} else if (strcmp(key, "cursor") == 0) {
			n = xz_b64url_decode(val, strlen(val), raw);
			if (n <= 0 || n >= (long)sizeof(ctx->cursor) ||
			    (memcpy(ctx->cursor, raw, n), ctx->cursor[n] = '\0',
			    strlen(ctx->cursor) != (size_t)n ||
			    !valid(ctx->cursor))) {
				ctx->cursor[0] = '\0';
				xz_errors_add(errs, 1, "cursor", "format",
				    "cursor is not one this service handed out");
			}
		} else {
			for (k = 0; names != NULL && names[k] != NULL; k++) {
				if (strcmp(names[k], key) == 0)
					break;
			}
			if (names != NULL && names[k] != NULL) {
				if (vals[k][0] != '\0' || val[0] == '\0')
					xz_errors_add(errs, 1, key, "format",
					    "%s is empty or given twice", key);
				(void)snprintf(vals[k], XZ_FILTER_MAX, "%s",
				    val);
				continue;
			}
			xz_errors_add(errs, 1, key, "unknown_parameter",
			    "'%.40s' is not a parameter of this endpoint", key);
		}
	}
	return (errs->count > 0 ? -1 : 0);
}

const char *
xz_path_uuid(struct xz_ctx *ctx, int i, const char *name,
    struct xz_errors *errs)
{
	char		*s = (char *)ctx->path_params[i];
	size_t		k;

	for (k = 0; s != NULL && s[k] != '\0' && k < 36; k++) {
		if (k == 8 || k == 13 || k == 18 || k == 23) {
			if (s[k] != '-')
				break;
		} else if (!isxdigit((unsigned char)s[k])) {
			break;
		}
		s[k] = (char)tolower((unsigned char)s[k]);
	}
	if (s != NULL && k == 36 && s[k] == '\0')
		return (s);
	xz_errors_add(errs, 1, name, "format", "%s must be a UUID", name);
	return (NULL);
}

const char *
xz_body_str(struct xz_ctx *ctx, const char *name)
{
	return (json_string_value(json_object_get(ctx->body, name)));
}

const char *
xz_body_int(struct xz_ctx *ctx, const char *name, char *buf, size_t len)
{
	json_t		*v;

	if ((v = json_object_get(ctx->body, name)) == NULL)
		return (NULL);
	(void)snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	return (buf);
}

int
xz_bad(struct xz_ctx *ctx, struct xz_errors *errs)
{
	return (xz_problem(ctx, 400, "validation_failed",
	    "the request has invalid fields or parameters", errs));
}

int
xz_reply_page(struct xz_ctx *ctx, PGresult *res)
{
	struct kore_buf	*b;
	int		i, rows, more;
	const char	*last;
	char		cursor[128];
	int		r;

	rows = PQntuples(res);
	more = rows > ctx->limit;
	if (more)
		rows = (int)ctx->limit;
	b = kore_buf_alloc(4096);
	kore_buf_append(b, "{\"items\":[", 10);
	for (i = 0; i < rows; i++) {
		if (i > 0)
			kore_buf_append(b, ",", 1);
		kore_buf_append(b, PQgetvalue(res, i, 0),
		    PQgetlength(res, i, 0));
	}
	kore_buf_append(b, "],\"next_cursor\":", 16);
	if (more) {
		last = PQgetvalue(res, rows - 1, 1);
		(void)xz_b64url_encode((const unsigned char *)last,
		    strlen(last), cursor);
		kore_buf_appendf(b, "\"%s\"}", cursor);
		req_next_link(ctx, cursor);
	} else {
		kore_buf_append(b, "null}", 5);
	}
	r = xz_reply_raw(ctx, 200, "application/json", b->data, b->offset);
	kore_buf_free(b);
	return (r);
}

int
xz_get_by_id(struct xz_ctx *ctx, const struct xz_stmt *st)
{
	struct xz_errors	errs = { 0 };
	const char		*id;

	if ((id = xz_path_uuid(ctx, 0, "id", &errs)) == NULL)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), st, id);
	return (xz_ctx_run(ctx));
}

int
xz_reply_one(struct xz_ctx *ctx, const char *what)
{
	PGresult	*res;
	const char	*version;
	char		detail[64];

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) == 0) {
		(void)snprintf(detail, sizeof(detail), "no such %s", what);
		return (xz_problem(ctx, 404, "not_found", detail, NULL));
	}
	version = PQgetvalue(res, 0, 1);
	xz_set_etag(ctx, version);
	if (xz_not_modified(ctx, version))
		return (xz_reply_empty(ctx, 304));
	return (xz_reply_raw(ctx, 200, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

int
xz_reply_list(struct xz_ctx *ctx, const char *parent)
{
	char		detail[64];

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	if (parent != NULL &&
	    PQntuples(xz_tx_result(ctx->tx, ctx->q_check)) == 0) {
		(void)snprintf(detail, sizeof(detail), "no such %s", parent);
		return (xz_problem(ctx, 404, "not_found", detail, NULL));
	}
	return (xz_reply_page(ctx, xz_tx_result(ctx->tx, ctx->q_main)));
}

u_int64_t
xz_now_us(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((u_int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

static int
req_begin(struct xz_ctx *ctx)
{
	int		r, allowed;
	char		allow[32];

	if (req_match(ctx, &allowed) != 0) {
		if (allowed) {
			(void)snprintf(allow, sizeof(allow), "%s%s%s",
			    allowed & HTTP_METHOD_GET ? "GET, " : "",
			    allowed & HTTP_METHOD_POST ? "POST, " : "",
			    allowed & HTTP_METHOD_PATCH ? "PATCH, " : "");
			allow[strlen(allow) - 2] = '\0';
			http_response_header(ctx->req, "allow", allow);
			return (xz_problem(ctx, 405, "method_not_allowed",
			    "this method is not allowed on this resource",
			    NULL));
		}
		return (xz_problem(ctx, 404, "route_not_found",
		    "no such endpoint", NULL));
	}
	if (ctx->route->roles != 0) {
		if ((r = req_auth(ctx)) != XZ_NEXT)
			return (r);
		if (!(ctx->route->roles & ctx->claims.role))
			return (xz_problem(ctx, 403, "forbidden",
			    "your role may not do this", NULL));
		if (ctx->claims.role == XZ_ROLE_PARTNER &&
		    !(ctx->route->flags & XZ_RF_ANYSCOPE) &&
		    (ctx->route->scope == NULL ||
		    !xz_claims_has_scope(&ctx->claims, ctx->route->scope)))
			return (xz_problem(ctx, 403, "insufficient_scope",
			    "the partner token lacks the scope this needs",
			    NULL));
		if (ctx->claims.pwd_change &&
		    !(ctx->route->flags & XZ_RF_PWDCHANGE))
			return (xz_problem(ctx, 403, "password_change_required",
			    "change your password first: POST "
			    "/api/v1/auth/password, then get a new token",
			    NULL));
	}
	if ((ctx->req->method == HTTP_METHOD_POST ||
	    ctx->req->method == HTTP_METHOD_PATCH) &&
	    !(ctx->route->flags & XZ_RF_NOBODY)) {
		if ((r = req_body(ctx)) != XZ_NEXT)
			return (r);
	}
	return (ctx->route->start(ctx));
}

/* Finds the route; on failure *allowed holds the methods the path has. */
static int
req_match(struct xz_ctx *ctx, int *allowed)
{
	const struct xz_route	*rt;
	const char		*p, *q, *seg;
	size_t			i, n, plen;
	int			np;

	*allowed = 0;
	plen = strlen(ctx->req->path);
	if (plen >= sizeof(ctx->path_buf))
		return (-1);
	for (i = 0; i < xz_routes_count; i++) {
		rt = &xz_routes[i];
		memcpy(ctx->path_buf, ctx->req->path, plen + 1);
		p = rt->path;
		q = ctx->path_buf;
		np = 0;
		while (*p != '\0' && *q != '\0') {
			if (*p == '{') {
				/* A parameter takes one non-empty segment. */
				seg = q;
				n = strcspn(q, "/");
				if (n == 0 || np >= XZ_PATH_PARAMS_MAX)
					break;
				ctx->path_params[np++] = seg;
				q += n;
				p = strchr(p, '}') + 1;
				if (*q == '/') {
					ctx->path_buf[q - ctx->path_buf] = '\0';
					q++;
					if (*p != '/')
						break;
					p++;
				}
				continue;
			}
			if (*p != *q)
				break;
			p++;
			q++;
		}
		if (*p != '\0' || *q != '\0')
			continue;
		if (rt->method != ctx->req->method) {
			*allowed |= rt->method;
			continue;
		}
		ctx->route = rt;
		ctx->route_index = (int)i;
		return (0);
	}
	return (-1);
}

static int
req_auth(struct xz_ctx *ctx)
{
	struct xz_auth_fail	fail;
	const char		*hdr;

	if (!http_request_header(ctx->req, "authorization", &hdr))
		return (xz_problem(ctx, 401, "token_missing",
		    "send Authorization: Bearer <token>", NULL));
	if (strncasecmp(hdr, "Bearer ", 7) != 0 || hdr[7] == '\0')
		return (xz_problem(ctx, 401, "token_malformed",
		    "the Authorization header must be Bearer <token>", NULL));
	if (xz_auth_verify_cached(&xz_config.keyring, xz_config.auth_cache,
	    hdr + 7, time(NULL), &ctx->claims, &fail) != 0)
		return (xz_problem(ctx, 401, fail.code, fail.detail, NULL));
	return (XZ_NEXT);
}

static int
req_body(struct xz_ctx *ctx)
{
	struct xz_errors	errs;
	const char		*ct;
	size_t			n;

	if ((ctx->route->flags & XZ_RF_FORM) &&
	    http_request_header(ctx->req, "content-type", &ct) &&
	    strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 &&
	    (ct[33] == '\0' || ct[33] == ';'))
		return (req_form(ctx));
	if ((ctx->route->flags & XZ_RF_OPTBODY) &&
	    !http_request_header(ctx->req, "content-type", &ct) &&
	    (ctx->req->http_body == NULL || ctx->req->http_body_length == 0)) {
		ctx->body = json_object();
		return (XZ_NEXT);
	}
	if (!http_request_header(ctx->req, "content-type", &ct) ||
	    strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';') ||
	    (ct[16] == ';' && strcasecmp(ct + 17 + strspn(ct + 17, " "),
	    "charset=utf-8") != 0))
		return (xz_problem(ctx, 415, "unsupported_media_type",
		    "send the body as application/json (UTF-8)", NULL));
	/* Kore rewinds the buffer once the body is in: the length is here. */
	n = ctx->req->http_body != NULL ? ctx->req->http_body_length : 0;
	if (ctx->req->http_body_length > XZ_BODY_MAX)
		return (xz_problem(ctx, 413, "payload_too_large",
		    "the body may be at most 64 KiB", NULL));
	memset(&errs, 0, sizeof(errs));
	ctx->body = xz_json_parse_object(n ?
	    (const char *)ctx->req->http_body->data : "", n, &errs);
	if (ctx->body == NULL)
		return (xz_problem(ctx, 400, "validation_failed",
		    "the body is not a valid JSON object", &errs));
	return (XZ_NEXT);
}

/*
 * An application/x-www-form-urlencoded body (the token endpoint) as a JSON
 * object of strings.  A parameter given twice is an error (RFC 6749 3.2).
 */
static int
req_form(struct xz_ctx *ctx)
{
	struct xz_errors	errs;
	struct kore_buf		*copy;
	const char		*p;
	char			key[64], val[XZ_SECRET_MAX + 1];
	size_t			n;
	int			r;

	n = ctx->req->http_body != NULL ? ctx->req->http_body_length : 0;
	if (n > XZ_BODY_MAX)
		return (xz_problem(ctx, 413, "payload_too_large",
		    "the body may be at most 64 KiB", NULL));
	memset(&errs, 0, sizeof(errs));
	copy = kore_buf_alloc(n + 1);
	if (n > 0)
		kore_buf_append(copy, ctx->req->http_body->data, n);
	kore_buf_append(copy, "", 1);
	ctx->body = json_object();
	ctx->form = 1;
	p = (const char *)copy->data;
	if (strstr(p, "%00") != NULL || strlen(p) != n)
		xz_errors_add(&errs, 0, "", "format",
		    "the form body holds a NUL character");
	while (*p != '\0' && errs.count == 0) {
		r = xz_query_next(&p, key, sizeof(key), val, sizeof(val));
		if (r == 0 && xz_utf8_len(val, strlen(val)) < 0)
			r = 1;
		if (r != 0) {
			xz_errors_add(&errs, 0, "", "format", "the form body "
			    "is malformed near '%.32s'", r > 0 ? key : "");
			break;
		}
		if (json_object_get(ctx->body, key) != NULL) {
			xz_errors_add(&errs, 1, key, "duplicate",
			    "%.40s is given more than once", key);
			break;
		}
		(void)json_object_set_new(ctx->body, key, json_string(val));
	}
	sodium_memzero(val, sizeof(val));
	sodium_memzero(copy->data, copy->length);
	kore_buf_free(copy);
	if (errs.count > 0)
		return (xz_problem(ctx, 400, "validation_failed",
		    "the form body is malformed", &errs));
	return (XZ_NEXT);
}

/*
 * Link: <path?filters&limit=&cursor=>; rel="next".  The filters of the
 * request are kept as sent (a pair with a character outside the URL-safe
 * set is dropped: it was not a valid filter anyway).
 */
static void
req_next_link(struct xz_ctx *ctx, const char *cursor)
{
	struct kore_buf	*b;
	const char	*qs, *p, *end;
	size_t		n;

	b = kore_buf_alloc(512);
	kore_buf_appendf(b, "<%s?", ctx->req->path);
	for (qs = ctx->req->query_string; qs != NULL && *qs != '\0'; qs = p) {
		end = strchr(qs, '&');
		n = end != NULL ? (size_t)(end - qs) : strlen(qs);
		p = end != NULL ? end + 1 : qs + n;
		if (n == 0 || strncmp(qs, "limit=", 6) == 0 ||
		    strncmp(qs, "cursor=", 7) == 0 ||
		    strspn(qs, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
		    "VWXYZ0123456789%._~=+-:,*") < n)
			continue;
		kore_buf_append(b, qs, n);
		kore_buf_append(b, "&", 1);
	}
	kore_buf_appendf(b, "limit=%lld&cursor=%s>; rel=\"next\"",
	    ctx->limit, cursor);
	kore_buf_append(b, "", 1);
	http_response_header(ctx->req, "link", (const char *)b->data);
	kore_buf_free(b);
}

static void
req_request_id(struct xz_ctx *ctx)
{
	const char	*h;
	size_t		i, len;

	if (http_request_header(ctx->req, "x-request-id", &h)) {
		len = strlen(h);
		for (i = 0; i < len; i++) {
			if (!isalnum((unsigned char)h[i]) && h[i] != '-' &&
			    h[i] != '_' && h[i] != '.')
				break;
		}
		if (len > 0 && len < sizeof(ctx->request_id) && i == len) {
			memcpy(ctx->request_id, h, len + 1);
			return;
		}
	}
	(void)snprintf(ctx->request_id, sizeof(ctx->request_id),
	    "%08x%06x%010llx", (unsigned int)getpid(),
	    (unsigned int)(++req_counter & 0xffffff),
	    (unsigned long long)(ctx->started_us & 0xffffffffffULL));
}

static void
req_finish(struct xz_ctx *ctx, int status)
{
	u_int64_t	us;

	ctx->status = status;
	us = xz_now_us() - ctx->started_us;
	xz_metrics_record(ctx->route_index, status, us);
	xz_log_request(ctx, us);
}

static void
req_free(struct http_request *req)
{
	struct xz_ctx	*ctx = http_state_get(req);

	if (ctx == NULL)
		return;
	/* An in-flight transaction finishes on its own (db.h). */
	xz_tx_release(ctx->tx);
	ctx->tx = NULL;
	if (ctx->body != NULL)
		json_decref(ctx->body);
	ctx->body = NULL;
	/* A running job's buffers are the task thread's until it ends. */
	if (!ctx->job.started || kore_task_finished(&ctx->job.task))
		xz_job_wipe(ctx);
	if (ctx->data != NULL)
		kore_free(ctx->data);
	ctx->data = NULL;
}

const void *
xz_op_lookup(struct xz_ctx *ctx, const void *ops, size_t n, size_t size)
{
	const struct xz_op_key	*k;
	size_t			i;

	for (i = 0; i < n; i++) {
		k = (const void *)((const char *)ops + i * size);
		if (k->method == ctx->route->method &&
		    strcmp(k->path, ctx->route->path) == 0)
			return (k);
	}
	return (NULL);
}

void
xz_ops_check(xz_handler start, const void *ops, size_t n, size_t size,
    const char *module)
{
	const struct xz_op_key	*k;
	size_t			i, j;

	for (i = 0; i < xz_routes_count; i++) {
		if (xz_routes[i].start != start)
			continue;
		for (j = 0; j < n; j++) {
			k = (const void *)((const char *)ops + j * size);
			if (k->method == xz_routes[i].method &&
			    strcmp(k->path, xz_routes[i].path) == 0)
				break;
		}
		if (j == n)
			fatal("%s: no handler for %s", module,
			    xz_routes[i].path);
	}
}

/* 1 when the raw query string has the parameter name. */
int
xz_query_has(struct xz_ctx *ctx, const char *name)
{
	const char	*p;
	size_t		len;

	len = strlen(name);
	for (p = ctx->req->query_string; p != NULL && *p != '\0'; p++) {
		if ((p == ctx->req->query_string || p[-1] == '&') &&
		    strncmp(p, name, len) == 0 &&
		    (p[len] == '=' || p[len] == '&' || p[len] == '\0'))
			return (1);
	}
	return (0);
}

/*
 * Next key=value pair of a query string, percent-decoded.  Returns 0, 1
 * when the value is malformed (key is set), -1 when the key is.
 */
int
xz_query_next(const char **qs, char *key, size_t klen, char *val,
    size_t vlen)
{
	const char	*p = *qs;
	char		*out;
	size_t		o, max;
	int		which, hi, lo;

	key[0] = val[0] = '\0';
	for (which = 0; which < 2; which++) {
		out = which == 0 ? key : val;
		max = which == 0 ? klen : vlen;
		o = 0;
		while (*p != '\0' && *p != '&' && !(which == 0 && *p == '=')) {
			if (o + 1 >= max)
				return (which == 0 ? -1 : 1);
			if (*p == '%') {
				if (!isxdigit((unsigned char)p[1]) ||
				    !isxdigit((unsigned char)p[2]))
					return (which == 0 ? -1 : 1);
				hi = isdigit((unsigned char)p[1]) ? p[1] - '0' :
				    (tolower((unsigned char)p[1]) - 'a' + 10);
				lo = isdigit((unsigned char)p[2]) ? p[2] - '0' :
				    (tolower((unsigned char)p[2]) - 'a' + 10);
				/* A NUL would cut the value short unseen. */
				if (hi == 0 && lo == 0)
					return (which == 0 ? -1 : 1);
				out[o++] = (char)(hi * 16 + lo);
				p += 3;
				continue;
			}
			out[o++] = *p == '+' ? ' ' : *p;
			p++;
		}
		out[o] = '\0';
		if (which == 0) {
			if (o == 0 || *p != '=')
				return (-1);
			p++;
		}
	}
	if (*p == '&')
		p++;
	*qs = p;
	return (0);
}

static const char *
req_title(int status)
{
	switch (status) {
	case 400:
		return ("Bad Request");
	case 401:
		return ("Unauthorized");
	case 403:
		return ("Forbidden");
	case 404:
		return ("Not Found");
	case 405:
		return ("Method Not Allowed");
	case 409:
		return ("Conflict");
	case 410:
		return ("Gone");
	case 412:
		return ("Precondition Failed");
	case 413:
		return ("Content Too Large");
	case 415:
		return ("Unsupported Media Type");
	case 422:
		return ("Unprocessable Content");
	case 423:
		return ("Locked");
	case 429:
		return ("Too Many Requests");
	case 428:
		return ("Precondition Required");
	case 503:
		return ("Service Unavailable");
	default:
		return ("Internal Server Error");
	}
}
