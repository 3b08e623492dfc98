/*
 * Partner clients (county users only): machine credentials for systems
 * such as the county agri-service platform, limited to the scopes and
 * townships they were granted.  The secret is generated here, shown once,
 * stored as argon2id; a rotation keeps the old one valid for an overlap.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/identity.h"
#include "xiangzhi/org.h"
#include "xiangzhi/secret.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define CLIENT_JSON							\
	"json_build_object('id', id, 'client_id', id,"			\
	" 'county_code', county_code, 'name', name,"			\
	" 'scopes', to_json(scopes),"					\
	" 'townships', coalesce(to_json(townships), to_json('*'::text)),"	\
	" 'status', status, 'secret_rotated_at', secret_rotated_at,"	\
	" 'previous_secret_until', previous_secret_until,"		\
	" 'version', version, 'created_at', created_at,"		\
	" 'updated_at', updated_at)::text"

/* Every granted township must be one of the caller's county. */
#define TOWNSHIPS_KNOWN(p)						\
	"not exists (select 1 from unnest(" p "::text[]) g(code)"	\
	" where g.code not in (select code from townships))"

#define CLIENT_SCOPES_MAX	6
#define CLIENT_TOWNSHIPS_MAX	100
#define OVERLAP_MAX		(7 * 86400)

static struct xz_stmt	client_list = { "client_list",
	"select " CLIENT_JSON ", id::text from partner_clients"
	" where id > $1::uuid order by id limit $2",
	2, -1 };
static struct xz_stmt	client_get = { "client_get",
	"select " CLIENT_JSON ", version from partner_clients"
	" where id = $1::uuid",
	1, -1 };
static struct xz_stmt	client_exists = { "client_exists",
	"select version from partner_clients where id = $1::uuid",
	1, -1 };
static struct xz_stmt	client_insert = { "client_insert",
	"insert into partner_clients (county_code, name, scopes, townships,"
	" secret_hash, created_by)"
	" select $1, $2, $3::text[], $4::text[], $5, $6"
	" where " TOWNSHIPS_KNOWN("$4")
	" returning " CLIENT_JSON ", version, id",
	6, -1 };
static struct xz_stmt	client_update = { "client_update",
	"update partner_clients set name = coalesce($2, name),"
	" scopes = coalesce($3::text[], scopes),"
	" townships = case $4 when 'keep' then townships when 'all' then null"
	" else $5::text[] end,"
	" status = coalesce($6, status)"
	" where id = $1::uuid and version = $7 and " TOWNSHIPS_KNOWN("$5")
	" returning " CLIENT_JSON ", version",
	7, -1 };
static struct xz_stmt	client_unknown_townships = { "client_unknown_townships",
	"select count(*) from unnest($1::text[]) g(code)"
	" where g.code not in (select code from townships)",
	1, -1 };
static struct xz_stmt	client_rotate = { "client_rotate",
	"select to_json(previous_secret_until) #>> '{}', version"
	" from xz_auth.rotate_client_secret($1::uuid, $2,"
	" make_interval(secs => $3::integer))",
	3, -1 };

static const char *const	client_scopes[] = { "org:read", "coops:read",
	"bookings:write", "funds:read", "dashboard:read", "changes:read", NULL };
static const char *const	client_statuses[] = { "active", "disabled",
	NULL };

static const struct xz_field	client_fields[] = {
	{ "name", XZ_FT_STRING, 1, 1, 64, NULL },
	{ "scopes", XZ_FT_ANY, 1, 0, 0, NULL },
	{ "townships", XZ_FT_ANY, 1, 0, 0, NULL },
};

static const struct xz_field	client_patch_fields[] = {
	{ "name", XZ_FT_STRING, 0, 1, 64, NULL },
	{ "scopes", XZ_FT_ANY, 0, 0, 0, NULL },
	{ "townships", XZ_FT_ANY, 0, 0, 0, NULL },
	{ "status", XZ_FT_ENUM, 0, 0, 0, client_statuses },
};

static const struct xz_field	rotate_fields[] = {
	{ "overlap_seconds", XZ_FT_INT, 0, 0, OVERLAP_MAX, NULL },
};

/* Between the steps of a create or rotation (ctx->data). */
struct client_state {
	char		secret[XZ_RANDOM_BUFSZ];
	char		id[40];
	char		overlap[24];
	char		scopes[160];
	char		townships[CLIENT_TOWNSHIPS_MAX * 10 + 3];
	int		all;		/* townships "*" */
};

static int	client_grants(struct xz_ctx *, struct client_state *,
		    struct xz_errors *);
static int	client_cursor_valid(const char *);
static void	cat(char *, const char *, size_t);

void
xz_clients_register(void)
{
	xz_db_register(&client_list);
	xz_db_register(&client_get);
	xz_db_register(&client_exists);
	xz_db_register(&client_insert);
	xz_db_register(&client_update);
	xz_db_register(&client_unknown_townships);
	xz_db_register(&client_rotate);
}

int
xz_clients_list(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			limit[24];

	if (xz_paging_parse_key(ctx, client_cursor_valid, &errs) != 0)
		return (xz_bad(ctx, &errs));
	if (ctx->cursor[0] == '\0')
		kore_strlcpy(ctx->cursor, "00000000-0000-0000-0000-000000000000",
		    sizeof(ctx->cursor));
	(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &client_list, ctx->cursor,
	    limit);
	return (xz_ctx_run(ctx));
}

int
xz_clients_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	struct client_state	*cs;

	cs = ctx->data = kore_calloc(1, sizeof(*cs));
	(void)xz_validate(ctx->body, client_fields, nitems(client_fields),
	    &errs);
	(void)client_grants(ctx, cs, &errs);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	if (xz_secret_generate(cs->secret, sizeof(cs->secret)) != 0)
		return (xz_problem(ctx, 500, "internal_error", "no randomness",
		    NULL));
	xz_job_hash(ctx, cs->secret, strlen(cs->secret));
	ctx->phase = 1;
	return (xz_job_run(ctx));
}

int
xz_clients_create_done(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	struct client_state	*cs = ctx->data;
	struct xz_job		*j = &ctx->job;
	PGresult		*res;
	char			loc[96];

	if (ctx->phase == 1) {
		if (!xz_job_done(ctx))
			return (XZ_WAIT);
		xz_job_wipe(ctx);
		if (!j->hashed)
			return (xz_problem(ctx, 500, "internal_error",
			    "the secret could not be hashed", NULL));
		xz_ctx_tx(ctx, 0);
		ctx->q_main = xz_tx_add(ctx->tx, &client_insert,
		    ctx->claims.county, xz_body_str(ctx, "name"), cs->scopes,
		    cs->all ? NULL : cs->townships, j->hashout,
		    ctx->claims.sub);
		ctx->phase = 2;
		return (xz_ctx_run(ctx));
	}
	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) == 0) {
		xz_errors_add(&errs, 0, "/townships", "not_found",
		    "every township must be one of your county's");
		return (xz_bad(ctx, &errs));
	}
	(void)snprintf(loc, sizeof(loc), "/api/v1/partner-clients/%s",
	    PQgetvalue(res, 0, 2));
	http_response_header(ctx->req, "location", loc);
	xz_set_etag(ctx, PQgetvalue(res, 0, 1));
	return (xz_reply_secret(ctx, 201, PQgetvalue(res, 0, 0),
	    PQgetlength(res, 0, 0), "client_secret", cs->secret,
	    sizeof(cs->secret)));
}

int
xz_client_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &client_get));
}

int
xz_client_patch(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	struct client_state	*cs;
	const char		*id, *tmode;
	char			ver[24];
	int			r;

	cs = ctx->data = kore_calloc(1, sizeof(*cs));
	id = xz_path_uuid(ctx, 0, "id", &errs);
	if ((r = xz_require_if_match(ctx)) != XZ_NEXT)
		return (r);
	(void)xz_validate(ctx->body, client_patch_fields,
	    nitems(client_patch_fields), &errs);
	(void)client_grants(ctx, cs, &errs);
	if (json_object_size(ctx->body) == 0)
		xz_errors_add(&errs, 0, "", "empty", "nothing to change");
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	(void)snprintf(ver, sizeof(ver), "%lld", ctx->if_match);
	tmode = json_object_get(ctx->body, "townships") == NULL ? "keep" :
	    cs->all ? "all" : "list";
	xz_ctx_tx(ctx, 0);
	ctx->q_main = xz_tx_add(ctx->tx, &client_update, id,
	    xz_body_str(ctx, "name"),
	    json_object_get(ctx->body, "scopes") != NULL ? cs->scopes : NULL,
	    tmode, strcmp(tmode, "list") == 0 ? cs->townships : NULL,
	    xz_body_str(ctx, "status"), ver);
	ctx->q_check = xz_tx_add(ctx->tx, &client_exists, id);
	if (strcmp(tmode, "list") == 0)
		ctx->q_extra = xz_tx_add(ctx->tx, &client_unknown_townships,
		    cs->townships);
	return (xz_ctx_run(ctx));
}

int
xz_client_patch_done(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	PGresult		*res;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) == 0 && ctx->q_extra > 0 &&
	    PQntuples(xz_tx_result(ctx->tx, ctx->q_check)) == 1 &&
	    strcmp(PQgetvalue(xz_tx_result(ctx->tx, ctx->q_extra), 0, 0),
	    "0") != 0) {
		xz_errors_add(&errs, 0, "/townships", "not_found",
		    "every township must be one of your county's");
		return (xz_bad(ctx, &errs));
	}
	return (xz_org_patched_done(ctx));
}

int
xz_client_rotate(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	struct client_state	*cs;
	const char		*id;
	json_t			*v;

	cs = ctx->data = kore_calloc(1, sizeof(*cs));
	id = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_validate(ctx->body, rotate_fields, nitems(rotate_fields),
	    &errs);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	kore_strlcpy(cs->id, id, sizeof(cs->id));
	v = json_object_get(ctx->body, "overlap_seconds");
	(void)snprintf(cs->overlap, sizeof(cs->overlap), "%lld",
	    v != NULL ? (long long)json_integer_value(v) :
	    (long long)xz_identity.secret_overlap);
	if (xz_secret_generate(cs->secret, sizeof(cs->secret)) != 0)
		return (xz_problem(ctx, 500, "internal_error", "no randomness",
		    NULL));
	xz_job_hash(ctx, cs->secret, strlen(cs->secret));
	ctx->phase = 1;
	return (xz_job_run(ctx));
}

int
xz_client_rotate_done(struct xz_ctx *ctx)
{
	struct client_state	*cs = ctx->data;
	struct xz_job		*j = &ctx->job;
	PGresult		*res;
	json_t			*o;
	char			*s;
	int			r;

	if (ctx->phase == 1) {
		if (!xz_job_done(ctx))
			return (XZ_WAIT);
		xz_job_wipe(ctx);
		if (!j->hashed)
			return (xz_problem(ctx, 500, "internal_error",
			    "the secret could not be hashed", NULL));
		ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &client_rotate,
		    cs->id, j->hashout, cs->overlap);
		ctx->phase = 2;
		return (xz_ctx_run(ctx));
	}
	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) == 0) {
		sodium_memzero(cs->secret, sizeof(cs->secret));
		return (xz_problem(ctx, 404, "not_found", "no such client",
		    NULL));
	}
	xz_set_etag(ctx, PQgetvalue(res, 0, 1));
	o = json_pack("{s:s,s:s,s:s}", "client_id", cs->id,
	    "client_secret", cs->secret,
	    "previous_secret_until", PQgetvalue(res, 0, 0));
	sodium_memzero(cs->secret, sizeof(cs->secret));
	if (o == NULL || (s = json_dumps(o, JSON_COMPACT)) == NULL) {
		json_decref(o);
		return (xz_problem(ctx, 500, "internal_error",
		    "out of memory", NULL));
	}
	json_decref(o);
	r = xz_reply_raw(ctx, 200, "application/json", s, strlen(s));
	sodium_memzero(s, strlen(s));
	free(s);
	return (r);
}

/*
 * Checks "scopes" (a non-empty array of distinct known scopes) and
 * "townships" ("*" or a non-empty array of distinct township codes of the
 * caller's county) when present, into cs as PostgreSQL array literals.
 */
static int
client_grants(struct xz_ctx *ctx, struct client_state *cs,
    struct xz_errors *errs)
{
	json_t		*v, *e;
	size_t		i, k, n;
	const char	*s;
	int		before = errs->count, known;

	if ((v = json_object_get(ctx->body, "scopes")) != NULL) {
		n = json_is_array(v) ? json_array_size(v) : 0;
		if (n == 0 || n > CLIENT_SCOPES_MAX)
			xz_errors_add(errs, 0, "/scopes", "type", "scopes is "
			    "an array of 1 to %d of: org:read, coops:read, "
			    "bookings:write, funds:read, dashboard:read, "
			    "changes:read", CLIENT_SCOPES_MAX);
		kore_strlcpy(cs->scopes, "{", sizeof(cs->scopes));
		for (i = 0; i < n; i++) {
			e = json_array_get(v, i);
			s = json_string_value(e);
			known = 0;
			for (k = 0; s != NULL && client_scopes[k] != NULL; k++)
				known |= strcmp(s, client_scopes[k]) == 0;
			for (k = 0; known && k < i; k++) {
				if (json_equal(e, json_array_get(v, k)))
					known = 0;
			}
			if (!known) {
				xz_errors_add(errs, 0, "/scopes", "enum",
				    "scopes[%zu] is unknown or repeated", i);
				break;
			}
			if (i > 0)
				cat(cs->scopes, ",", sizeof(cs->scopes));
			cat(cs->scopes, s, sizeof(cs->scopes));
		}
		cat(cs->scopes, "}", sizeof(cs->scopes));
	}
	if ((v = json_object_get(ctx->body, "townships")) != NULL) {
		if (json_is_string(v) && strcmp(json_string_value(v), "*") == 0) {
			cs->all = 1;
			return (errs->count - before);
		}
		n = json_is_array(v) ? json_array_size(v) : 0;
		if (n == 0 || n > CLIENT_TOWNSHIPS_MAX)
			xz_errors_add(errs, 0, "/townships", "type",
			    "townships is \"*\" (the whole county) or an array "
			    "of 1 to %d township codes", CLIENT_TOWNSHIPS_MAX);
		kore_strlcpy(cs->townships, "{", sizeof(cs->townships));
		for (i = 0; i < n; i++) {
			e = json_array_get(v, i);
			s = json_string_value(e);
			known = s != NULL &&
			    xz_code_child_of(s, XZ_LEVEL_TOWNSHIP,
			    ctx->claims.county);
			for (k = 0; known && k < i; k++) {
				if (json_equal(e, json_array_get(v, k)))
					known = 0;
			}
			if (!known) {
				xz_errors_add(errs, 0, "/townships",
				    "prefix_mismatch", "townships[%zu] is not a "
				    "distinct township code of county %s", i,
				    ctx->claims.county);
				break;
			}
			if (i > 0)
				cat(cs->townships, ",",
				    sizeof(cs->townships));
			cat(cs->townships, s, sizeof(cs->townships));
		}
		cat(cs->townships, "}", sizeof(cs->townships));
	}
	return (errs->count - before);
}

static int
client_cursor_valid(const char *s)
{
	return (xz_uuid_valid(s));
}

static void
cat(char *dst, const char *s, size_t len)
{
	size_t		n;

	n = strlen(dst);
	(void)snprintf(dst + n, len - n, "%s", s);
}
