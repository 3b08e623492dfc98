/*
 * Webhooks (issue 7): the API.  County users register partner endpoints
 * for their county (migration 0007: row policies, the write functions
 * xz.webhook_*), read the deliveries and replay dead ones.  The delivery
 * worker is app/changes/webhook_worker.c.
 *
 * The signing secret is made here (32 random bytes, base64url), shown
 * once in the 201 of the creation and the 200 of rotate-secret, and
 * stored only sealed (libsodium secretbox under XZ_WEBHOOK_KEY): a client
 * cannot choose it, so every secret has full entropy.
 *
 * Like personnel.c, one table (ops[]) describes the routes and two
 * handlers run them.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/webhooks.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define NIL_UUID	"00000000-0000-0000-0000-000000000000"
#define URL_MAX		2048

enum hook_kind {
	HK_CREATE,
	HK_LIST,
	HK_GET,
	HK_PATCH,
	HK_ROTATE,
	HK_DELIVERIES,
	HK_REPLAY,
	HK_REPLAY_DEAD,
};

struct hook_op {
	int			method;
	const char		*path;
	enum hook_kind		kind;
	struct xz_stmt		*stmt;
};

/* Per request: the secret shown once (wiped by xz_reply_secret). */
struct hook_data {
	char		secret[XZ_RANDOM_BUFSZ];
};

#define STMT(n, sql, np)	{ "hook_" #n, sql, np, -1 }

static struct xz_stmt	hook_create = STMT(create,
	"select doc::text, version, id::text from"
	" xz.webhook_create($1::jsonb, $2)", 2);
static struct xz_stmt	hook_list = STMT(list,
	"select xz.webhook_doc(x)::text, x.id::text from webhooks x"
	" where x.id > $1::uuid order by x.id limit $2", 2);
static struct xz_stmt	hook_get = STMT(get,
	"select xz.webhook_doc(x)::text, x.version from webhooks x"
	" where x.id = $1::uuid", 1);
static struct xz_stmt	hook_patch = STMT(patch,
	"select doc::text, version, id::text from"
	" xz.webhook_patch($1::uuid, $2::integer, $3::jsonb)", 3);
static struct xz_stmt	hook_rotate = STMT(rotate,
	"select doc::text, version, id::text from"
	" xz.webhook_rotate($1::uuid, $2)", 2);
static struct xz_stmt	hook_check = STMT(check,
	"select 1 from webhooks where id = $1::uuid", 1);
static struct xz_stmt	hook_deliveries = STMT(deliveries,
	"select xz.webhook_delivery_doc(d)::text, d.id::text"
	" from webhook_deliveries d where d.webhook_id = $3::uuid and"
	" d.id > $1::bigint and ($4::text is null or d.status = $4)"
	" order by d.id limit $2", 4);
static struct xz_stmt	hook_replay = STMT(replay,
	"select doc::text, version, id from"
	" xz.webhook_replay($1::uuid, $2::bigint)", 2);
static struct xz_stmt	hook_replay_dead = STMT(replay_dead,
	"select doc::text, version, id from xz.webhook_replay_dead($1::uuid)",
	1);

static struct xz_stmt	*stmts[] = {
	&hook_create, &hook_list, &hook_get, &hook_patch, &hook_rotate,
	&hook_check, &hook_deliveries, &hook_replay, &hook_replay_dead,
};

static const char *const	statuses[] = { "active", "disabled", NULL };
static const char *const	delivery_statuses[] = { "pending",
	"delivered", "dead", NULL };

static const struct xz_field	create_fields[] = {
	{ "url", XZ_FT_STRING, 1, 10, URL_MAX, NULL },
	{ "types", XZ_FT_ANY, 1, 0, 0, NULL },
	{ "township", XZ_FT_CODE, 0, 0, XZ_LEVEL_TOWNSHIP, NULL },
	{ "status", XZ_FT_ENUM, 0, 0, 0, statuses },
};
static const struct xz_field	patch_fields[] = {
	{ "url", XZ_FT_STRING, 0, 10, URL_MAX, NULL },
	{ "types", XZ_FT_ANY, 0, 0, 0, NULL },
	{ "status", XZ_FT_ENUM, 0, 0, 0, statuses },
};

static const struct hook_op	ops[] = {
	{ HTTP_METHOD_POST, "/api/v1/webhooks", HK_CREATE, &hook_create },
	{ HTTP_METHOD_GET, "/api/v1/webhooks", HK_LIST, &hook_list },
	{ HTTP_METHOD_GET, "/api/v1/webhooks/{id}", HK_GET, &hook_get },
	{ HTTP_METHOD_PATCH, "/api/v1/webhooks/{id}", HK_PATCH, &hook_patch },
	{ HTTP_METHOD_POST, "/api/v1/webhooks/{id}/rotate-secret", HK_ROTATE,
	    &hook_rotate },
	{ HTTP_METHOD_GET, "/api/v1/webhooks/{id}/deliveries", HK_DELIVERIES,
	    &hook_deliveries },
	{ HTTP_METHOD_POST,
	    "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay",
	    HK_REPLAY, &hook_replay },
	{ HTTP_METHOD_POST, "/api/v1/webhooks/{id}/replay-dead",
	    HK_REPLAY_DEAD, &hook_replay_dead },
};

static const struct hook_op	*op_find(struct xz_ctx *);
static int	body_check(struct xz_ctx *, const struct xz_field *, size_t,
		    int, struct xz_errors *);
static int	id_cursor(const char *);
static int	digits_valid(const char *, size_t);

void
xz_webhooks_register(void)
{
	size_t		i;

	for (i = 0; i < nitems(stmts); i++)
		xz_db_register(stmts[i]);
	xz_ops_check(xz_hook_start, ops, nitems(ops), sizeof(ops[0]),
	    "webhooks");
	xz_webhook_worker_start();
}

int
xz_hook_start(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const struct hook_op	*op;
	struct hook_data	*hd;
	const char		*names[] = { "status", NULL };
	char			vals[1][XZ_FILTER_MAX];
	char			limit[24], ver[24], box[160], *body;
	const char		*id, *did;
	int			r;

	if ((op = op_find(ctx)) == NULL)
		return (xz_problem(ctx, 500, "internal_error",
		    "the route has no handler", NULL));
	id = did = NULL;
	if (strstr(op->path, "{id}") != NULL &&
	    (id = xz_path_uuid(ctx, 0, "id", &errs)) == NULL)
		return (xz_bad(ctx, &errs));
	if (op->kind == HK_REPLAY) {
		did = ctx->path_params[1];
		if (!digits_valid(did, 18)) {
			xz_errors_add(&errs, 1, "delivery_id", "format",
			    "delivery_id must be a delivery's number");
			return (xz_bad(ctx, &errs));
		}
	}
	body = NULL;
	box[0] = '\0';
	switch (op->kind) {
	case HK_CREATE:
	case HK_PATCH:
		if (op->kind == HK_PATCH &&
		    (r = xz_require_if_match(ctx)) != XZ_NEXT)
			return (r);
		if (op->kind == HK_CREATE)
			(void)body_check(ctx, create_fields,
			    nitems(create_fields), 1, &errs);
		else
			(void)body_check(ctx, patch_fields,
			    nitems(patch_fields), 0, &errs);
		if (errs.count > 0)
			return (xz_bad(ctx, &errs));
		if ((body = json_dumps(ctx->body, JSON_COMPACT)) == NULL)
			fatal("webhooks: cannot encode a validated body");
		break;
	case HK_LIST:
		if (xz_paging_parse_key(ctx, xz_uuid_valid, &errs) != 0)
			return (xz_bad(ctx, &errs));
		if (ctx->cursor[0] == '\0')
			kore_strlcpy(ctx->cursor, NIL_UUID,
			    sizeof(ctx->cursor));
		break;
	case HK_DELIVERIES:
		memset(vals, 0, sizeof(vals));
		(void)xz_paging_parse_filters(ctx, id_cursor, names, vals,
		    &errs);
		if (vals[0][0] != '\0')
			xz_enum_param(vals[0], "status", delivery_statuses,
			    &errs);
		if (errs.count > 0)
			return (xz_bad(ctx, &errs));
		if (ctx->cursor[0] == '\0')
			kore_strlcpy(ctx->cursor, "0", sizeof(ctx->cursor));
		break;
	default:
		break;
	}
	if (op->kind == HK_CREATE || op->kind == HK_ROTATE) {
		hd = kore_calloc(1, sizeof(*hd));
		ctx->data = hd;
		if (xz_secret_generate(hd->secret, sizeof(hd->secret)) != 0 ||
		    xz_webhook_seal(hd->secret, box, sizeof(box)) != 0) {
			free(body);
			return (xz_problem(ctx, 500, "internal_error",
			    "cannot make a secret", NULL));
		}
	}
	xz_ctx_tx(ctx, op->kind == HK_LIST || op->kind == HK_GET ||
	    op->kind == HK_DELIVERIES);
	switch (op->kind) {
	case HK_CREATE:
		ctx->q_main = xz_tx_add(ctx->tx, op->stmt, body, box);
		break;
	case HK_LIST:
		(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
		ctx->q_main = xz_tx_add(ctx->tx, op->stmt, ctx->cursor, limit);
		break;
	case HK_GET:
	case HK_REPLAY_DEAD:
		ctx->q_main = xz_tx_add(ctx->tx, op->stmt, id);
		break;
	case HK_PATCH:
		(void)snprintf(ver, sizeof(ver), "%lld", ctx->if_match);
		ctx->q_main = xz_tx_add(ctx->tx, op->stmt, id, ver, body);
		break;
	case HK_ROTATE:
		ctx->q_main = xz_tx_add(ctx->tx, op->stmt, id, box);
		break;
	case HK_DELIVERIES:
		(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
		ctx->q_check = xz_tx_add(ctx->tx, &hook_check, id);
		ctx->q_main = xz_tx_add(ctx->tx, op->stmt, ctx->cursor, limit,
		    id, xz_opt(vals[0]));
		break;
	case HK_REPLAY:
		ctx->q_main = xz_tx_add(ctx->tx, op->stmt, id, did);
		break;
	}
	sodium_memzero(box, sizeof(box));
	free(body);
	return (xz_ctx_run(ctx));
}

int
xz_hook_done(struct xz_ctx *ctx)
{
	const struct hook_op	*op;
	struct hook_data	*hd = ctx->data;
	PGresult		*res;
	char			loc[96];

	op = op_find(ctx);
	if (op->kind == HK_LIST)
		return (xz_reply_list(ctx, NULL));
	if (op->kind == HK_DELIVERIES)
		return (xz_reply_list(ctx, "webhook"));
	if (op->kind == HK_GET)
		return (xz_reply_one(ctx, "webhook"));
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (hd != NULL && (ctx->tx->status != XZ_TX_OK || res == NULL ||
	    PQntuples(res) != 1))
		/* Never stored, never shown: wipe it now. */
		sodium_memzero(hd->secret, sizeof(hd->secret));
	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		return (xz_problem(ctx, 404, "not_found", "no such webhook",
		    NULL));
	if (!PQgetisnull(res, 0, 1))
		xz_set_etag(ctx, PQgetvalue(res, 0, 1));
	if (op->kind == HK_CREATE) {
		(void)snprintf(loc, sizeof(loc), "/api/v1/webhooks/%s",
		    PQgetvalue(res, 0, 2));
		http_response_header(ctx->req, "location", loc);
	}
	if (op->kind == HK_CREATE || op->kind == HK_ROTATE)
		return (xz_reply_secret(ctx, op->kind == HK_CREATE ? 201 : 200,
		    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0), "secret",
		    hd->secret, sizeof(hd->secret)));
	return (xz_reply_raw(ctx, 200, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

/* ------------------------------------------------------------- the secret */

int
xz_webhook_seal(const char *secret, char *out, size_t outlen)
{
	unsigned char	buf[crypto_secretbox_NONCEBYTES +
			    crypto_secretbox_MACBYTES + 64];
	size_t		len;

	len = strlen(secret);
	if (len == 0 || len > 64 ||
	    outlen < sodium_base64_ENCODED_LEN(sizeof(buf),
	    sodium_base64_VARIANT_ORIGINAL))
		return (-1);
	randombytes_buf(buf, crypto_secretbox_NONCEBYTES);
	if (crypto_secretbox_easy(buf + crypto_secretbox_NONCEBYTES,
	    (const unsigned char *)secret, len, buf, xz_webhook.key) != 0)
		return (-1);
	(void)sodium_bin2base64(out, outlen, buf, crypto_secretbox_NONCEBYTES +
	    crypto_secretbox_MACBYTES + len, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(buf, sizeof(buf));
	return (0);
}

int
xz_webhook_open(const char *box, char *secret, size_t len)
{
	unsigned char	buf[crypto_secretbox_NONCEBYTES +
			    crypto_secretbox_MACBYTES + 64];
	size_t		n, plen;

	if (sodium_base642bin(buf, sizeof(buf), box, strlen(box), NULL, &n,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n <= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		return (-1);
	plen = n - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	if (plen + 1 > len)
		return (-1);
	if (crypto_secretbox_open_easy((unsigned char *)secret,
	    buf + crypto_secretbox_NONCEBYTES, n - crypto_secretbox_NONCEBYTES,
	    buf, xz_webhook.key) != 0) {
		sodium_memzero(buf, sizeof(buf));
		return (-1);
	}
	secret[plen] = '\0';
	sodium_memzero(buf, sizeof(buf));
	return (0);
}

/* ---------------------------------------------------- URLs and addresses */

/*
 * IPv4 addresses a webhook may never reach: this network, private,
 * carrier-grade NAT, loopback, link-local (cloud metadata), IETF
 * protocol assignments, documentation, benchmarking, multicast,
 * reserved and broadcast.
 */
static int
v4_public(u_int32_t a, int *loopback)
{
	static const struct { u_int32_t net, mask; } bad[] = {
		{ 0x00000000, 0xff000000 }, { 0x0a000000, 0xff000000 },
		{ 0x64400000, 0xffc00000 }, { 0x7f000000, 0xff000000 },
		{ 0xa9fe0000, 0xffff0000 }, { 0xac100000, 0xfff00000 },
		{ 0xc0000000, 0xffffff00 }, { 0xc0000200, 0xffffff00 },
		{ 0xc0a80000, 0xffff0000 }, { 0xc6120000, 0xfffe0000 },
		{ 0xc6336400, 0xffffff00 }, { 0xcb007100, 0xffffff00 },
		{ 0xe0000000, 0xe0000000 },
	};
	size_t		i;

	*loopback = (a & 0xff000000) == 0x7f000000;
	for (i = 0; i < nitems(bad); i++)
		if ((a & bad[i].mask) == bad[i].net)
			return (0);
	return (1);
}

static int
v6_public(const struct in6_addr *a, int *loopback)
{
	const u_int8_t	*b = a->s6_addr;
	u_int32_t	v4;
	int		lo4;
	static const u_int8_t	lo[16] = { [15] = 1 };

	*loopback = memcmp(b, lo, 16) == 0;
	if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a)) {
		v4 = (u_int32_t)b[12] << 24 | (u_int32_t)b[13] << 16 |
		    (u_int32_t)b[14] << 8 | b[15];
		if (IN6_IS_ADDR_V4MAPPED(a))
			return (v4_public(v4, loopback));
		return (0);
	}
	/* 6to4 (2002::/16) carries an IPv4 address: judged as that one. */
	if (b[0] == 0x20 && b[1] == 0x02) {
		v4 = (u_int32_t)b[2] << 24 | (u_int32_t)b[3] << 16 |
		    (u_int32_t)b[4] << 8 | b[5];
		return (v4_public(v4, &lo4) && !lo4);
	}
	/* Teredo (2001::/32): a tunnel to wherever its fields say. */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)
		return (0);
	if (IN6_IS_ADDR_UNSPECIFIED(a) || *loopback ||
	    IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_SITELOCAL(a) ||
	    IN6_IS_ADDR_MULTICAST(a) || (b[0] & 0xfe) == 0xfc ||
	    (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) ||
	    (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b))
		return (0);
	return (1);
}

int
xz_webhook_addr_ok(const struct sockaddr *sa, size_t len)
{
	const struct sockaddr_in	*s4;
	const struct sockaddr_in6	*s6;
	int				lo, ok;

	if (sa->sa_family == AF_INET && len >= sizeof(*s4)) {
		s4 = (const struct sockaddr_in *)sa;
		ok = v4_public(ntohl(s4->sin_addr.s_addr), &lo);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(*s6)) {
		s6 = (const struct sockaddr_in6 *)sa;
		ok = v6_public(&s6->sin6_addr, &lo);
	} else {
		return (0);
	}
	return (ok || (lo && xz_webhook.allow_loopback));
}

int
xz_webhook_url_check(const char *url, const char **why)
{
	CURLU		*u;
	char		*scheme, *host, *user, *pw;
	struct in_addr	a4;
	struct in6_addr	a6;
	char		h6[64];
	size_t		n;
	int		lo, ok, rc;

	*why = "url must be an absolute http or https URL";
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return (-1);
	if ((u = curl_url()) == NULL)
		return (-1);
	scheme = host = user = pw = NULL;
	rc = -1;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
	    CURLUE_OK || curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto done;
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK) {
		*why = "url must not hold a user name or password";
		goto done;
	}
	*why = "url must not point to a private, loopback or reserved address";
	n = strlen(host);
	/* "127.0.0.1." and "localhost." are those hosts (the root's dot). */
	if (n > 1 && host[n - 1] == '.')
		host[--n] = '\0';
	ok = 1;
	lo = 0;
	if (inet_pton(AF_INET, host, &a4) == 1) {
		ok = v4_public(ntohl(a4.s_addr), &lo);
	} else if (n > 2 && host[0] == '[' && n - 2 < sizeof(h6)) {
		memcpy(h6, host + 1, n - 2);
		h6[n - 2] = '\0';
		h6[strcspn(h6, "%")] = '\0';
		if (inet_pton(AF_INET6, h6, &a6) != 1)
			goto done;
		ok = v6_public(&a6, &lo);
	} else if (strcasecmp(host, "localhost") == 0 ||
	    (n > 10 && strcasecmp(host + n - 10, ".localhost") == 0)) {
		ok = 0;
		lo = 1;
	} else if (strchr(host, '.') == NULL) {
		*why = "url must name a fully qualified host";
		goto done;
	}
	if (!ok && !(lo && xz_webhook.allow_loopback))
		goto done;
	rc = 0;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(pw);
	curl_url_cleanup(u);
	return (rc);
}

/* ----------------------------------------------------------------- helpers */

/*
 * The body's fields, then what xz_validate cannot see: the URL's rules
 * and the shape of types (the database checks the names again).
 */
static int
body_check(struct xz_ctx *ctx, const struct xz_field *fields, size_t n,
    int create, struct xz_errors *errs)
{
	json_t		*types, *v;
	const char	*url, *why;
	size_t		i;

	(void)xz_validate(ctx->body, fields, n, errs);
	if (!create && json_object_size(ctx->body) == 0)
		xz_errors_add(errs, 0, "", "empty", "nothing to change");
	if ((url = xz_body_str(ctx, "url")) != NULL &&
	    strlen(url) <= URL_MAX) {
		for (i = 0; url[i] != '\0' && (unsigned char)url[i] > 0x20 &&
		    (unsigned char)url[i] < 0x7f; i++)
			;
		if (url[i] != '\0')
			xz_errors_add(errs, 0, "/url", "url", "url must be "
			    "ASCII without spaces or control characters "
			    "(host names in punycode, the rest "
			    "percent-encoded)");
		else if (xz_webhook_url_check(url, &why) != 0)
			xz_errors_add(errs, 0, "/url", "url", "%s", why);
	}
	if ((types = json_object_get(ctx->body, "types")) != NULL) {
		if (!json_is_array(types) || json_array_size(types) < 1 ||
		    json_array_size(types) > 32) {
			xz_errors_add(errs, 0, "/types", "type", "types must be"
			    " a list of 1 to 32 entity types, or [\"*\"]");
		} else {
			json_array_foreach(types, i, v) {
				if (json_is_string(v) &&
				    json_string_length(v) >= 1 &&
				    json_string_length(v) <= 32)
					continue;
				xz_errors_add(errs, 0, "/types", "type",
				    "each type is a string of 1 to 32"
				    " characters");
				break;
			}
		}
	}
	return (errs->count);
}

static const struct hook_op *
op_find(struct xz_ctx *ctx)
{
	return (xz_op_lookup(ctx, ops, nitems(ops), sizeof(ops[0])));
}

static int
digits_valid(const char *s, size_t max)
{
	size_t		i;

	if (s == NULL || s[0] == '\0' || s[0] == '0')
		return (0);
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9' || i >= max)
			return (0);
	return (1);
}

static int
id_cursor(const char *s)
{
	return (digits_valid(s, 18));
}
