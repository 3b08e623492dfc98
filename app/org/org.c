/*
 * Counties, townships and villages.  Every handler has the same shape:
 * validate path, query and body -> queue statements on ctx->tx -> answer in
 * a shared finisher.  Tenancy is the row policies' job (a foreign row is
 * simply not there: 404); the permission table has already checked roles.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/org.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define COUNTY_JSON							\
	"json_build_object('code', code, 'name', name, 'version', version,"	\
	" 'created_at', created_at, 'updated_at', updated_at)::text"

#define TOWNSHIP_JSON							\
	"json_build_object('code', code, 'county_code', county_code,"	\
	" 'name', name, 'kind', kind, 'version', version,"		\
	" 'created_at', created_at, 'updated_at', updated_at)::text"

#define VILLAGE_JSON							\
	"json_build_object('code', code, 'township_code', township_code,"	\
	" 'county_code', county_code, 'name', name,"			\
	" 'population', population, 'households', households,"		\
	" 'natural_village_count', natural_village_count,"		\
	" 'version', version, 'created_at', created_at,"		\
	" 'updated_at', updated_at)::text"

static struct xz_stmt	county_get = { "county_get",
	"select " COUNTY_JSON ", version from counties where code = $1",
	1, -1 };

static struct xz_stmt	township_list = { "township_list",
	"select " TOWNSHIP_JSON ", code from townships"
	" where code > $1 order by code limit $2",
	2, -1 };
static struct xz_stmt	township_get = { "township_get",
	"select " TOWNSHIP_JSON ", version from townships where code = $1",
	1, -1 };
static struct xz_stmt	township_exists = { "township_exists",
	"select version from townships where code = $1",
	1, -1 };
static struct xz_stmt	township_insert = { "township_insert",
	"insert into townships (code, county_code, name, kind)"
	" values ($1, $2, $3, $4)"
	" returning " TOWNSHIP_JSON ", version, code",
	4, -1 };
static struct xz_stmt	township_update = { "township_update",
	"update townships set name = coalesce($2, name),"
	" kind = coalesce($3, kind)"
	" where code = $1 and version = $4"
	" returning " TOWNSHIP_JSON ", version",
	4, -1 };

static struct xz_stmt	village_list = { "village_list",
	"select " VILLAGE_JSON ", code from villages"
	" where township_code = $1 and code > $2 order by code limit $3",
	3, -1 };
static struct xz_stmt	village_get = { "village_get",
	"select " VILLAGE_JSON ", version from villages where code = $1",
	1, -1 };
static struct xz_stmt	village_exists = { "village_exists",
	"select version from villages where code = $1",
	1, -1 };
static struct xz_stmt	village_insert = { "village_insert",
	"insert into villages (code, township_code, county_code, name,"
	" population, households, natural_village_count)"
	" values ($1, $2, $3, $4, $5, $6, $7)"
	" returning " VILLAGE_JSON ", version, code",
	7, -1 };
static struct xz_stmt	village_update = { "village_update",
	"update villages set name = coalesce($2, name),"
	" population = coalesce($3::integer, population),"
	" households = coalesce($4::integer, households),"
	" natural_village_count = coalesce($5::integer, natural_village_count)"
	" where code = $1 and version = $6"
	" returning " VILLAGE_JSON ", version",
	6, -1 };

static const char *const	township_kinds[] = { "town", "subdistrict", NULL };

static const struct xz_field	township_fields[] = {
	{ "code", XZ_FT_CODE, 1, 0, XZ_LEVEL_TOWNSHIP, NULL },
	{ "name", XZ_FT_STRING, 1, 1, 64, NULL },
	{ "kind", XZ_FT_ENUM, 1, 0, 0, township_kinds },
};

static const struct xz_field	township_patch_fields[] = {
	{ "name", XZ_FT_STRING, 0, 1, 64, NULL },
	{ "kind", XZ_FT_ENUM, 0, 0, 0, township_kinds },
};

/* Create bodies carry every field; PATCH bodies any non-empty subset. */
#define VILLAGE_PROFILE_FIELDS(req)					\
	{ "population", XZ_FT_INT, req, 0, 100000000, NULL },		\
	{ "households", XZ_FT_INT, req, 0, 100000000, NULL },		\
	{ "natural_village_count", XZ_FT_INT, req, 0, 100000, NULL }

static const struct xz_field	village_fields[] = {
	{ "code", XZ_FT_CODE, 1, 0, XZ_LEVEL_VILLAGE, NULL },
	{ "name", XZ_FT_STRING, 1, 1, 64, NULL },
	VILLAGE_PROFILE_FIELDS(1),
};

static const struct xz_field	village_patch_fields[] = {
	{ "name", XZ_FT_STRING, 0, 1, 64, NULL },
	VILLAGE_PROFILE_FIELDS(0),
};

static int		org_patch_begin(struct xz_ctx *, size_t,
			    const struct xz_field *, size_t, const char **, char *,
			    size_t);

void
xz_org_register(void)
{
	xz_db_register(&county_get);
	xz_db_register(&township_list);
	xz_db_register(&township_get);
	xz_db_register(&township_exists);
	xz_db_register(&township_insert);
	xz_db_register(&township_update);
	xz_db_register(&village_list);
	xz_db_register(&village_get);
	xz_db_register(&village_exists);
	xz_db_register(&village_insert);
	xz_db_register(&village_update);
}

int
xz_county_get(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*code;

	if ((code = xz_path_code(ctx, 0, "code", XZ_LEVEL_COUNTY,
	    &errs)) == NULL)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &county_get, code);
	return (xz_ctx_run(ctx));
}

int
xz_townships_list(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			limit[24];

	if (xz_paging_parse(ctx, XZ_LEVEL_TOWNSHIP, &errs) != 0)
		return (xz_bad(ctx, &errs));
	(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &township_list,
	    ctx->cursor, limit);
	return (xz_ctx_run(ctx));
}

int
xz_townships_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*code;

	if (xz_validate(ctx->body, township_fields, nitems(township_fields), &errs) > 0)
		return (xz_bad(ctx, &errs));
	code = xz_body_str(ctx, "code");
	if (strncmp(code, ctx->claims.county, XZ_LEVEL_COUNTY) != 0) {
		xz_errors_add(&errs, 0, "/code", "prefix_mismatch",
		    "a township code starts with its county's code %s",
		    ctx->claims.county);
		return (xz_bad(ctx, &errs));
	}
	ctx->location = "/api/v1/townships/";
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &township_insert, code,
	    ctx->claims.county, xz_body_str(ctx, "name"),
	    xz_body_str(ctx, "kind"));
	return (xz_ctx_run(ctx));
}

int
xz_township_get(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*code;

	if ((code = xz_path_code(ctx, 0, "code", XZ_LEVEL_TOWNSHIP,
	    &errs)) == NULL)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &township_get, code);
	return (xz_ctx_run(ctx));
}

int
xz_township_patch(struct xz_ctx *ctx)
{
	const char		*code;
	char			ver[24];
	int			r;

	if ((r = org_patch_begin(ctx, XZ_LEVEL_TOWNSHIP, township_patch_fields,
	    nitems(township_patch_fields), &code, ver, sizeof(ver))) != XZ_NEXT)
		return (r);
	xz_ctx_tx(ctx, 0);
	ctx->q_main = xz_tx_add(ctx->tx, &township_update, code,
	    xz_body_str(ctx, "name"), xz_body_str(ctx, "kind"), ver);
	ctx->q_check = xz_tx_add(ctx->tx, &township_exists, code);
	return (xz_ctx_run(ctx));
}

int
xz_villages_list(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*code;
	char			limit[24];

	code = xz_path_code(ctx, 0, "code", XZ_LEVEL_TOWNSHIP, &errs);
	if (xz_paging_parse(ctx, XZ_LEVEL_VILLAGE, &errs) != 0 || code == NULL)
		return (xz_bad(ctx, &errs));
	(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
	xz_ctx_tx(ctx, 1);
	ctx->q_check = xz_tx_add(ctx->tx, &township_exists, code);
	ctx->q_main = xz_tx_add(ctx->tx, &village_list, code, ctx->cursor,
	    limit);
	return (xz_ctx_run(ctx));
}

int
xz_villages_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, "township"));
}

int
xz_villages_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*township, *code;
	char			pop[24], hh[24], nv[24];

	if ((township = xz_path_code(ctx, 0, "code", XZ_LEVEL_TOWNSHIP,
	    &errs)) == NULL)
		return (xz_bad(ctx, &errs));
	/* Another county's township is not there for this caller. */
	if (strncmp(township, ctx->claims.county, XZ_LEVEL_COUNTY) != 0)
		return (xz_problem(ctx, 404, "not_found", "no such township",
		    NULL));
	if (xz_validate(ctx->body, village_fields, nitems(village_fields), &errs) > 0)
		return (xz_bad(ctx, &errs));
	code = xz_body_str(ctx, "code");
	if (strncmp(code, township, XZ_LEVEL_TOWNSHIP) != 0) {
		xz_errors_add(&errs, 0, "/code", "prefix_mismatch",
		    "a village code starts with its township's code %s",
		    township);
		return (xz_bad(ctx, &errs));
	}
	ctx->location = "/api/v1/villages/";
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &village_insert, code,
	    township, ctx->claims.county, xz_body_str(ctx, "name"),
	    xz_body_int(ctx, "population", pop, sizeof(pop)),
	    xz_body_int(ctx, "households", hh, sizeof(hh)),
	    xz_body_int(ctx, "natural_village_count", nv, sizeof(nv)));
	return (xz_ctx_run(ctx));
}

int
xz_village_get(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*code;

	if ((code = xz_path_code(ctx, 0, "code", XZ_LEVEL_VILLAGE,
	    &errs)) == NULL)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &village_get, code);
	return (xz_ctx_run(ctx));
}

int
xz_village_patch(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*code;
	char			ver[24], pop[24], hh[24], nv[24];
	int			r;

	if ((r = org_patch_begin(ctx, XZ_LEVEL_VILLAGE, village_patch_fields,
	    nitems(village_patch_fields), &code, ver, sizeof(ver))) != XZ_NEXT)
		return (r);
	/* Township officers keep the profile; names are the county's. */
	if (ctx->claims.role == XZ_ROLE_TOWNSHIP &&
	    json_object_get(ctx->body, "name") != NULL) {
		xz_errors_add(&errs, 0, "/name", "read_only",
		    "only the county renames a village");
		return (xz_problem(ctx, 403, "forbidden",
		    "township users edit population, households and "
		    "natural_village_count only", &errs));
	}
	xz_ctx_tx(ctx, 0);
	ctx->q_main = xz_tx_add(ctx->tx, &village_update, code,
	    xz_body_str(ctx, "name"),
	    xz_body_int(ctx, "population", pop, sizeof(pop)),
	    xz_body_int(ctx, "households", hh, sizeof(hh)),
	    xz_body_int(ctx, "natural_village_count", nv, sizeof(nv)), ver);
	ctx->q_check = xz_tx_add(ctx->tx, &village_exists, code);
	return (xz_ctx_run(ctx));
}

int
xz_org_one_done(struct xz_ctx *ctx)
{
	return (xz_reply_one(ctx, "resource"));
}

int
xz_org_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, NULL));
}

int
xz_org_created_done(struct xz_ctx *ctx)
{
	PGresult	*res;
	char		loc[96];

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	(void)snprintf(loc, sizeof(loc), "%s%s", ctx->location,
	    PQgetvalue(res, 0, 2));
	http_response_header(ctx->req, "location", loc);
	xz_set_etag(ctx, PQgetvalue(res, 0, 1));
	return (xz_reply_raw(ctx, 201, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

int
xz_org_patched_done(struct xz_ctx *ctx)
{
	PGresult	*res;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) == 1) {
		xz_set_etag(ctx, PQgetvalue(res, 0, 1));
		return (xz_reply_raw(ctx, 200, "application/json",
		    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
	}
	if (PQntuples(xz_tx_result(ctx->tx, ctx->q_check)) == 0)
		return (xz_problem(ctx, 404, "not_found", "no such resource",
		    NULL));
	return (xz_problem(ctx, 412, "precondition_failed",
	    "the resource changed since you read it; GET it again", NULL));
}

/*
 * What every PATCH checks first: the path code, If-Match (its version goes
 * to ver), and a non-empty body of known fields.  XZ_NEXT when all hold.
 */
static int
org_patch_begin(struct xz_ctx *ctx, size_t digits,
    const struct xz_field *fields, size_t n, const char **code, char *ver,
    size_t verlen)
{
	struct xz_errors	errs = { 0 };
	int			r;

	*code = xz_path_code(ctx, 0, "code", digits, &errs);
	if ((r = xz_require_if_match(ctx)) != XZ_NEXT)
		return (r);
	(void)xz_validate(ctx->body, fields, n, &errs);
	if (json_object_size(ctx->body) == 0)
		xz_errors_add(&errs, 0, "", "empty", "nothing to change");
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	(void)snprintf(ver, verlen, "%lld", ctx->if_match);
	return (XZ_NEXT);
}
