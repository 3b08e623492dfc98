/*
 * Agricultural funds (issue 5), the county's half: the settings (the
 * township approval limit), fund sources, allocations to townships and
 * their withdrawals, the ledger and its verification, the filings the
 * county reviews, and the reports.  The shape of app/coops: validate path,
 * query and body here (400 naming the field) -> queue statements on
 * ctx->tx -> answer in the finisher.
 *
 * The rules are migration 0004's: balances, states and tenancy are
 * decided by its functions, constraints and row policies, which refuse
 * with SQLSTATE class XZ (xz_tx_failed answers those).  Representations
 * are built by its xz.fund_*_json functions; this file passes them
 * through.
 *
 * Decisions:
 * - Amounts (*_fen) are JSON integers from 1 to 1e13 (a source's
 *   total_fen to 1e14); 0, negatives, reals, strings, booleans, null and
 *   more are 400 (xz_validate: type or out_of_range).
 * - Strings must have something besides white space (ASCII, U+00A0,
 *   U+3000): "blank" otherwise.
 * - Reports: from and to are optional dates, by default from 1 January
 *   of to's year to today (Asia/Shanghai); to before from is 400.  A
 *   township_code the caller cannot read (row security on townships) is
 *   404.  Township and village users default to their township; a partner
 *   must name one unless exactly one township is granted.
 * - The ledger pages by its bigint id, ascending.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/funds.h"
#include "xiangzhi/http.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define NIL_UUID	"00000000-0000-0000-0000-000000000000"
#define FEN_MAX		10000000000000LL	/* 1e13 */
#define TOTAL_FEN_MAX	100000000000000LL	/* 1e14 */
#define YEAR_MIN	2000
#define YEAR_MAX	2100

/*
 * Lists have optional filters ("$2 is null or ..."): planned with their
 * values, as in app/coops (a generic plan keeps every filter and, on a
 * large ledger, sorts far more rows than a page).
 */
static struct xz_stmt	custom_plan = { "funds_alloc_custom_plan",
	"select set_config('plan_cache_mode', 'force_custom_plan', true)",
	0, -1 };

/*
 * Settings: the caller's county ($1).  xz.fund_settings_json reads the
 * table, so after an update it runs as a statement of its own (the
 * update's RETURNING would see the row as it was).
 */
static struct xz_stmt	settings_get = { "fund_settings_get",
	"select xz.fund_settings_json(s.county_code)::text, s.version::text"
	" from fund_settings s where s.county_code = $1::bpchar",
	1, -1 };
static struct xz_stmt	settings_update = { "fund_settings_update",
	"update fund_settings s set township_approval_limit_fen = $2::bigint"
	" where s.county_code = $1::bpchar and s.version = $3::integer"
	" returning s.version::text",
	3, -1 };
static struct xz_stmt	settings_check = { "fund_settings_check",
	"select s.version from fund_settings s"
	" where s.county_code = $1::bpchar",
	1, -1 };

/* Sources: $1 cursor, $2 fiscal_year, $3 category, $4 limit. */
static struct xz_stmt	source_list = { "fund_source_list",
	"select xz.fund_source_json(s)::text, s.id::text from fund_sources s"
	" where s.id > $1::uuid"
	" and ($2::integer is null or s.fiscal_year = $2::integer)"
	" and ($3::text is null or s.category = $3::text)"
	" order by s.id limit $4",
	4, -1 };
static struct xz_stmt	source_insert = { "fund_source_insert",
	"insert into fund_sources as s (county_code, name, category,"
	" fiscal_year, total_fen, document_no)"
	" values ($1::bpchar, $2::text, $3::text, $4::integer, $5::bigint,"
	" $6::text)"
	" returning xz.fund_source_json(s)::text, s.version::text, s.id::text",
	6, -1 };
static struct xz_stmt	source_get = { "fund_source_get",
	"select xz.fund_source_json(s)::text, s.version::text"
	" from fund_sources s where s.id = $1::uuid",
	1, -1 };
static struct xz_stmt	source_update = { "fund_source_update",
	"update fund_sources s set name = coalesce($2::text, s.name),"
	" total_fen = coalesce($3::bigint, s.total_fen),"
	" document_no = coalesce($4::text, s.document_no)"
	" where s.id = $1::uuid and s.version = $5::integer"
	" returning xz.fund_source_json(s)::text, s.version::text",
	5, -1 };
static struct xz_stmt	source_check = { "fund_source_check",
	"select s.version from fund_sources s where s.id = $1::uuid",
	1, -1 };

/*
 * Allocations: $1 cursor, $2 source_id, $3 township_code, $4 fiscal_year
 * (the source's), $5 limit.
 */
static struct xz_stmt	alloc_list = { "fund_alloc_list",
	"select xz.fund_allocation_json(a)::text, a.id::text"
	" from fund_allocations a where a.id > $1::uuid"
	" and ($2::uuid is null or a.source_id = $2::uuid)"
	" and ($3::bpchar is null or a.township_code = $3::bpchar)"
	" and ($4::integer is null or exists (select 1 from fund_sources s"
	" where s.id = a.source_id and s.fiscal_year = $4::integer))"
	" order by a.id limit $5",
	5, -1 };
static struct xz_stmt	alloc_insert = { "fund_alloc_insert",
	"select r::text, r->>'version', r->>'id' from xz.fund_allocate("
	"$1::uuid, $2::text, $3::bigint, $4::text, $5::text) as r",
	5, -1 };
static struct xz_stmt	alloc_get = { "fund_alloc_get",
	"select xz.fund_allocation_json(a)::text, a.version::text"
	" from fund_allocations a where a.id = $1::uuid",
	1, -1 };
static struct xz_stmt	alloc_withdraw = { "fund_alloc_withdraw",
	"select r::text, r->>'version' from xz.fund_withdraw($1::uuid,"
	" $2::bigint, $3::text) as r",
	3, -1 };

/*
 * The ledger: $1 cursor (a ledger id), $2 kind, $3 project_id,
 * $4 allocation_id, $5 township_code, $6 limit.
 */
static struct xz_stmt	ledger_list = { "fund_ledger_list",
	"select xz.fund_ledger_json(e)::text, e.id::text from fund_ledger e"
	" where e.id > $1::bigint"
	" and ($2::text is null or e.kind = $2::text)"
	" and ($3::uuid is null or e.project_id = $3::uuid)"
	" and ($4::uuid is null or e.allocation_id = $4::uuid)"
	" and ($5::bpchar is null or e.township_code = $5::bpchar)"
	" order by e.id limit $6",
	6, -1 };
static struct xz_stmt	ledger_verify = { "fund_ledger_verify",
	"select xz.fund_ledger_verify()::text",
	0, -1 };

/* Filings: $1 cursor, $2 status, $3 township_code, $4 limit. */
static struct xz_stmt	filing_list = { "fund_filing_list",
	"select xz.fund_filing_json(f)::text, f.id::text from fund_filings f"
	" where f.id > $1::uuid"
	" and ($2::text is null or f.status = $2::text)"
	" and ($3::bpchar is null or f.township_code = $3::bpchar)"
	" order by f.id limit $4",
	4, -1 };

/*
 * Reports.  Column 1 of the township report: whether the caller reads the
 * township $1 (row security on townships).
 */
static struct xz_stmt	report = { "fund_report",
	"select xz.fund_report($1::text, $2::date, $3::date)::text,"
	" exists (select 1 from townships t where t.code = $1::bpchar)",
	3, -1 };
static struct xz_stmt	report_county = { "fund_report_county",
	"select xz.fund_report(null, $1::date, $2::date)::text, true",
	2, -1 };
static struct xz_stmt	county_summary = { "fund_county_summary",
	"select xz.fund_county_summary($1::date, $2::date)::text",
	2, -1 };

static const char *const	source_categories[] = {
	"integrated_agriculture", "livelihood", "rural_revitalisation",
	"other", NULL };
static const char *const	ledger_kinds[] = { "allocation", "withdrawal",
	"commitment", "release", "disbursement", "reversal", NULL };
static const char *const	filing_statuses[] = { "pending_review",
	"review_passed", "rectification_required", "revoked", NULL };

static const struct xz_field	settings_fields[] = {
	{ "township_approval_limit_fen", XZ_FT_INT, 1, 1, FEN_MAX, NULL },
};

static const struct xz_field	source_fields[] = {
	{ "name", XZ_FT_STRING, 1, 1, 100, NULL },
	{ "category", XZ_FT_ENUM, 1, 0, 0, source_categories },
	{ "fiscal_year", XZ_FT_INT, 1, YEAR_MIN, YEAR_MAX, NULL },
	{ "total_fen", XZ_FT_INT, 1, 1, TOTAL_FEN_MAX, NULL },
	{ "document_no", XZ_FT_STRING, 0, 1, 64, NULL },
};

static const struct xz_field	source_patch_fields[] = {
	{ "name", XZ_FT_STRING, 0, 1, 100, NULL },
	{ "total_fen", XZ_FT_INT, 0, 1, TOTAL_FEN_MAX, NULL },
	{ "document_no", XZ_FT_STRING, 0, 1, 64, NULL },
};

static const struct xz_field	alloc_fields[] = {
	{ "source_id", XZ_FT_UUID, 1, 0, 0, NULL },
	{ "township_code", XZ_FT_CODE, 1, 0, XZ_LEVEL_TOWNSHIP, NULL },
	{ "amount_fen", XZ_FT_INT, 1, 1, FEN_MAX, NULL },
	{ "purpose", XZ_FT_STRING, 1, 1, 200, NULL },
	{ "document_no", XZ_FT_STRING, 1, 1, 64, NULL },
};

static const struct xz_field	withdraw_fields[] = {
	{ "amount_fen", XZ_FT_INT, 1, 1, FEN_MAX, NULL },
	{ "reason", XZ_FT_STRING, 1, 1, 500, NULL },
};

/* Query parameters and how each is checked. */
enum param_kind {
	P_UUID,
	P_YEAR,
	P_TOWNSHIP,
	P_DATE,
	P_ENUM,
};

struct param {
	const char		*name;
	enum param_kind		kind;
	const char *const	*choices;	/* P_ENUM */
};

static const struct param	source_params[] = {
	{ "fiscal_year", P_YEAR, NULL },
	{ "category", P_ENUM, source_categories },
};
static const struct param	alloc_params[] = {
	{ "source_id", P_UUID, NULL },
	{ "township_code", P_TOWNSHIP, NULL },
	{ "fiscal_year", P_YEAR, NULL },
};
static const struct param	ledger_params[] = {
	{ "kind", P_ENUM, ledger_kinds },
	{ "project_id", P_UUID, NULL },
	{ "allocation_id", P_UUID, NULL },
	{ "township_code", P_TOWNSHIP, NULL },
};
static const struct param	filing_params[] = {
	{ "status", P_ENUM, filing_statuses },
	{ "township_code", P_TOWNSHIP, NULL },
};
static const struct param	report_params[] = {
	{ "township_code", P_TOWNSHIP, NULL },
	{ "from", P_DATE, NULL },
	{ "to", P_DATE, NULL },
};
static const struct param	summary_params[] = {
	{ "from", P_DATE, NULL },
	{ "to", P_DATE, NULL },
};

#define PARAMS_MAX	4

static int	ledger_cursor_valid(const char *);
static int	params_parse(struct xz_ctx *, int (*)(const char *),
		    const struct param *, size_t, char (*)[XZ_FILTER_MAX],
		    struct xz_errors *);
static int	period_params(char (*)[XZ_FILTER_MAX], int, char *, char *,
		    struct xz_errors *);
static int	has_error(const struct xz_errors *, int, const char *);
static int	list_run(struct xz_ctx *, const struct xz_stmt *,
		    const struct param *, size_t);
static int	patched_done(struct xz_ctx *, const char *);
static int	created_done(struct xz_ctx *, const char *, const char *);
static int	document_taken(struct xz_ctx *);
static int	json_done(struct xz_ctx *, const char *);

void
xz_funds_alloc_register(void)
{
	xz_db_register(&custom_plan);
	xz_db_register(&settings_get);
	xz_db_register(&settings_update);
	xz_db_register(&settings_check);
	xz_db_register(&source_list);
	xz_db_register(&source_insert);
	xz_db_register(&source_get);
	xz_db_register(&source_update);
	xz_db_register(&source_check);
	xz_db_register(&alloc_list);
	xz_db_register(&alloc_insert);
	xz_db_register(&alloc_get);
	xz_db_register(&alloc_withdraw);
	xz_db_register(&ledger_list);
	xz_db_register(&ledger_verify);
	xz_db_register(&filing_list);
	xz_db_register(&report);
	xz_db_register(&report_county);
	xz_db_register(&county_summary);
}

/* Settings: one row per county. */

int
xz_fund_settings_get(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };

	if (params_parse(ctx, NULL, NULL, 0, NULL, &errs) != 0)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &settings_get,
	    ctx->claims.county);
	return (xz_ctx_run(ctx));
}

int
xz_fund_settings_get_done(struct xz_ctx *ctx)
{
	return (xz_reply_one(ctx, "settings"));
}

int
xz_fund_settings_patch(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			ver[24], limit[24];
	int			r;

	if ((r = xz_require_if_match(ctx)) != XZ_NEXT)
		return (r);
	(void)xz_validate(ctx->body, settings_fields, nitems(settings_fields),
	    &errs);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	(void)snprintf(ver, sizeof(ver), "%lld", ctx->if_match);
	xz_ctx_tx(ctx, 0);
	ctx->q_main = xz_tx_add(ctx->tx, &settings_update, ctx->claims.county,
	    xz_body_int(ctx, "township_approval_limit_fen", limit,
	    sizeof(limit)), ver);
	ctx->q_check = xz_tx_add(ctx->tx, &settings_check, ctx->claims.county);
	ctx->q_extra = xz_tx_add(ctx->tx, &settings_get, ctx->claims.county);
	return (xz_ctx_run(ctx));
}

int
xz_fund_settings_patch_done(struct xz_ctx *ctx)
{
	PGresult	*res, *now;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	now = xz_tx_result(ctx->tx, ctx->q_extra);
	if (PQntuples(res) == 1 && PQntuples(now) == 1) {
		xz_set_etag(ctx, PQgetvalue(now, 0, 1));
		return (xz_reply_raw(ctx, 200, "application/json",
		    PQgetvalue(now, 0, 0), PQgetlength(now, 0, 0)));
	}
	if (PQntuples(xz_tx_result(ctx->tx, ctx->q_check)) == 0)
		return (xz_problem(ctx, 404, "not_found", "no such settings",
		    NULL));
	return (xz_problem(ctx, 412, "precondition_failed",
	    "the resource changed since you read it; GET it again", NULL));
}

/* Sources. */

int
xz_fund_sources_list(struct xz_ctx *ctx)
{
	return (list_run(ctx, &source_list, source_params,
	    nitems(source_params)));
}

int
xz_fund_sources_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, NULL));
}

int
xz_fund_sources_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			year[24], total[24];

	(void)xz_validate(ctx->body, source_fields, nitems(source_fields),
	    &errs);
	xz_blank_check(ctx->body, source_fields, nitems(source_fields), &errs);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &source_insert,
	    ctx->claims.county, xz_body_str(ctx, "name"),
	    xz_body_str(ctx, "category"),
	    xz_body_int(ctx, "fiscal_year", year, sizeof(year)),
	    xz_body_int(ctx, "total_fen", total, sizeof(total)),
	    xz_body_str(ctx, "document_no"));
	return (xz_ctx_run(ctx));
}

int
xz_fund_sources_create_done(struct xz_ctx *ctx)
{
	if (document_taken(ctx))
		return (XZ_DONE);
	return (created_done(ctx, "/api/v1/fund-sources/", "fund source"));
}

int
xz_fund_source_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &source_get));
}

int
xz_fund_source_get_done(struct xz_ctx *ctx)
{
	return (xz_reply_one(ctx, "fund source"));
}

int
xz_fund_source_patch(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id;
	char			ver[24], total[24];
	int			r;

	id = xz_path_uuid(ctx, 0, "id", &errs);
	if ((r = xz_require_if_match(ctx)) != XZ_NEXT)
		return (r);
	(void)xz_validate(ctx->body, source_patch_fields,
	    nitems(source_patch_fields), &errs);
	xz_blank_check(ctx->body, source_patch_fields,
	    nitems(source_patch_fields), &errs);
	if (json_object_size(ctx->body) == 0)
		xz_errors_add(&errs, 0, "", "empty", "nothing to change");
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	(void)snprintf(ver, sizeof(ver), "%lld", ctx->if_match);
	xz_ctx_tx(ctx, 0);
	ctx->q_main = xz_tx_add(ctx->tx, &source_update, id,
	    xz_body_str(ctx, "name"),
	    xz_body_int(ctx, "total_fen", total, sizeof(total)),
	    xz_body_str(ctx, "document_no"), ver);
	ctx->q_check = xz_tx_add(ctx->tx, &source_check, id);
	return (xz_ctx_run(ctx));
}

/*
 * The only check a valid update can break is allocated_fen <= total_fen
 * (23514): the total is below what is allocated already.
 */
int
xz_fund_source_patch_done(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };

	if (ctx->tx->status == XZ_TX_SQL_ERROR &&
	    strcmp(ctx->tx->sqlstate, "23514") == 0) {
		xz_errors_add(&errs, 0, "/total_fen", "below_allocated",
		    "total_fen must not be below what is allocated already");
		return (xz_problem(ctx, 409, "below_allocated",
		    "total_fen must not be below what is allocated already",
		    &errs));
	}
	return (patched_done(ctx, "fund source"));
}

/* Allocations. */

int
xz_fund_allocations_list(struct xz_ctx *ctx)
{
	return (list_run(ctx, &alloc_list, alloc_params,
	    nitems(alloc_params)));
}

int
xz_fund_allocations_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, NULL));
}

/*
 * POST /api/v1/fund-allocations.  A township outside the caller's county
 * is the database's 404 (/township_code), like a source it cannot see.
 */
int
xz_fund_allocations_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			amount[24];

	(void)xz_validate(ctx->body, alloc_fields, nitems(alloc_fields),
	    &errs);
	xz_blank_check(ctx->body, alloc_fields, nitems(alloc_fields), &errs);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &alloc_insert,
	    xz_body_str(ctx, "source_id"), xz_body_str(ctx, "township_code"),
	    xz_body_int(ctx, "amount_fen", amount, sizeof(amount)),
	    xz_body_str(ctx, "purpose"), xz_body_str(ctx, "document_no"));
	return (xz_ctx_run(ctx));
}

int
xz_fund_allocations_create_done(struct xz_ctx *ctx)
{
	if (document_taken(ctx))
		return (XZ_DONE);
	return (created_done(ctx, "/api/v1/fund-allocations/",
	    "fund allocation"));
}

int
xz_fund_allocation_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &alloc_get));
}

int
xz_fund_allocation_get_done(struct xz_ctx *ctx)
{
	return (xz_reply_one(ctx, "fund allocation"));
}

int
xz_fund_allocation_withdraw(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id;
	char			amount[24];

	id = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_validate(ctx->body, withdraw_fields, nitems(withdraw_fields),
	    &errs);
	xz_blank_check(ctx->body, withdraw_fields, nitems(withdraw_fields),
	    &errs);
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &alloc_withdraw, id,
	    xz_body_int(ctx, "amount_fen", amount, sizeof(amount)),
	    xz_body_str(ctx, "reason"));
	return (xz_ctx_run(ctx));
}

int
xz_fund_allocation_withdraw_done(struct xz_ctx *ctx)
{
	PGresult	*res;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		return (xz_problem(ctx, 404, "not_found",
		    "no such fund allocation", NULL));
	if (!PQgetisnull(res, 0, 1))
		xz_set_etag(ctx, PQgetvalue(res, 0, 1));
	return (xz_reply_raw(ctx, 200, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

/* The ledger. */

int
xz_fund_ledger_list(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			vals[PARAMS_MAX][XZ_FILTER_MAX], limit[24];

	if (params_parse(ctx, ledger_cursor_valid, ledger_params,
	    nitems(ledger_params), vals, &errs) != 0)
		return (xz_bad(ctx, &errs));
	if (ctx->cursor[0] == '\0')
		kore_strlcpy(ctx->cursor, "0", sizeof(ctx->cursor));
	(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
	(void)xz_tx_add(xz_ctx_tx(ctx, 1), &custom_plan);
	ctx->q_main = xz_tx_add(ctx->tx, &ledger_list, ctx->cursor,
	    xz_opt(vals[0]), xz_opt(vals[1]), xz_opt(vals[2]), xz_opt(vals[3]),
	    limit);
	return (xz_ctx_run(ctx));
}

int
xz_fund_ledger_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, NULL));
}

int
xz_fund_ledger_verify(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };

	if (params_parse(ctx, NULL, NULL, 0, NULL, &errs) != 0)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &ledger_verify);
	return (xz_ctx_run(ctx));
}

int
xz_fund_ledger_verify_done(struct xz_ctx *ctx)
{
	return (json_done(ctx, "the ledger could not be verified"));
}

/* Reports. */

/*
 * GET /api/v1/funds/report ?township_code &from &to.  Without a township:
 * township and village users their own; a partner the one granted (else
 * it must name one); county users the whole county.
 */
int
xz_fund_report(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			vals[PARAMS_MAX][XZ_FILTER_MAX];
	char			from[16], to[16];
	const char		*township, *g;

	if (params_parse(ctx, NULL, report_params, nitems(report_params),
	    vals, &errs) != 0)
		return (xz_bad(ctx, &errs));
	if (period_params(vals, 1, from, to, &errs) != 0)
		return (xz_bad(ctx, &errs));
	township = xz_opt(vals[0]);
	if (township == NULL) {
		switch (ctx->claims.role) {
		case XZ_ROLE_TOWNSHIP:
		case XZ_ROLE_VILLAGE:
			township = ctx->claims.township;
			break;
		case XZ_ROLE_PARTNER:
			g = ctx->claims.townships;
			if (xz_code_valid(g, XZ_LEVEL_TOWNSHIP)) {
				township = g;
				break;
			}
			xz_errors_add(&errs, 1, "township_code", "required",
			    "township_code is required unless exactly one "
			    "township is granted");
			return (xz_bad(ctx, &errs));
		default:
			break;
		}
	}
	xz_ctx_tx(ctx, 1);
	if (township == NULL)
		ctx->q_main = xz_tx_add(ctx->tx, &report_county, from, to);
	else
		ctx->q_main = xz_tx_add(ctx->tx, &report, township, from, to);
	return (xz_ctx_run(ctx));
}

int
xz_fund_report_done(struct xz_ctx *ctx)
{
	PGresult	*res;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) != 1)
		return (xz_problem(ctx, 500, "internal_error",
		    "the report could not be computed", NULL));
	if (strcmp(PQgetvalue(res, 0, 1), "t") != 0 || PQgetisnull(res, 0, 0))
		return (xz_problem(ctx, 404, "not_found", "no such township",
		    NULL));
	return (xz_reply_raw(ctx, 200, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

int
xz_fund_county_summary(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			vals[PARAMS_MAX][XZ_FILTER_MAX];
	char			from[16], to[16];

	if (params_parse(ctx, NULL, summary_params, nitems(summary_params),
	    vals, &errs) != 0)
		return (xz_bad(ctx, &errs));
	if (period_params(vals, 0, from, to, &errs) != 0)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &county_summary, from, to);
	return (xz_ctx_run(ctx));
}

int
xz_fund_county_summary_done(struct xz_ctx *ctx)
{
	return (json_done(ctx, "the summary could not be computed"));
}

/* Filings. */

int
xz_fund_filings_list(struct xz_ctx *ctx)
{
	return (list_run(ctx, &filing_list, filing_params,
	    nitems(filing_params)));
}

int
xz_fund_filings_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, NULL));
}

/* Shared steps. */

static int
ledger_cursor_valid(const char *s)
{
	long long	v;

	return (xz_parse_ll(s, 1, 9223372036854775807LL, &v) == 0);
}

/*
 * The query: paging when valid (a cursor validator) is given, else none
 * (limit and cursor are unknown parameters), and the parameters ps[n]
 * into vals (at least PARAMS_MAX of them; "" when absent), each checked.
 * UUIDs are lower-cased in place.  Returns 0 when all is well.
 */
static int
params_parse(struct xz_ctx *ctx, int (*valid)(const char *),
    const struct param *ps, size_t n, char (*vals)[XZ_FILTER_MAX],
    struct xz_errors *errs)
{
	const char	*names[PARAMS_MAX + 1];
	char		none[1][XZ_FILTER_MAX];
	long long	y;
	size_t		i, k;
	char		*v;

	if (n > PARAMS_MAX)
		fatal("params_parse: %zu parameters", n);
	if (valid == NULL) {
		if (xz_query_has(ctx, "limit"))
			xz_errors_add(errs, 1, "limit", "unknown_parameter",
			    "this endpoint has no pages");
		if (xz_query_has(ctx, "cursor"))
			xz_errors_add(errs, 1, "cursor", "unknown_parameter",
			    "this endpoint has no pages");
		if (errs->count > 0)
			return (-1);
	}
	for (i = 0; i < n; i++)
		names[i] = ps[i].name;
	names[n] = NULL;
	if (vals == NULL)
		vals = none;
	memset(vals, 0, (n > 0 ? n : 1) * XZ_FILTER_MAX);
	/* On errors, go on: every bad parameter is named at once. */
	(void)xz_paging_parse_filters(ctx, valid != NULL ? valid :
	    xz_uuid_valid, names, vals, errs);
	for (i = 0; i < n; i++) {
		v = vals[i];
		if (v[0] == '\0' || has_error(errs, 1, ps[i].name))
			continue;
		switch (ps[i].kind) {
		case P_UUID:
			for (k = 0; v[k] != '\0'; k++)
				v[k] = (char)tolower((unsigned char)v[k]);
			if (!xz_uuid_valid(v))
				xz_errors_add(errs, 1, ps[i].name, "format",
				    "%s must be a UUID", ps[i].name);
			break;
		case P_YEAR:
			if (xz_parse_ll(v, YEAR_MIN, YEAR_MAX, &y) != 0)
				xz_errors_add(errs, 1, ps[i].name,
				    "out_of_range", "%s must be a year from "
				    "%d to %d", ps[i].name, YEAR_MIN,
				    YEAR_MAX);
			break;
		case P_TOWNSHIP:
			if (!xz_code_valid(v, XZ_LEVEL_TOWNSHIP))
				xz_errors_add(errs, 1, ps[i].name, "format",
				    "%s must be exactly %d digits",
				    ps[i].name, XZ_LEVEL_TOWNSHIP);
			break;
		case P_DATE:
			if (!xz_date_valid(v))
				xz_errors_add(errs, 1, ps[i].name, "format",
				    "%s must be a date YYYY-MM-DD",
				    ps[i].name);
			break;
		case P_ENUM:
			for (k = 0; ps[i].choices[k] != NULL; k++) {
				if (strcmp(ps[i].choices[k], v) == 0)
					break;
			}
			if (ps[i].choices[k] == NULL)
				xz_errors_add(errs, 1, ps[i].name, "enum",
				    "%s is not one of the allowed values",
				    ps[i].name);
			break;
		}
	}
	return (errs->count > 0 ? -1 : 0);
}

/*
 * The period of a report from the parameters vals[first] (from) and
 * vals[first + 1] (to), valid dates or "": by default from 1 January of
 * to's year (this year when to is not given) to today (Asia/Shanghai).
 * from must not be after to.
 */
static int
period_params(char (*vals)[XZ_FILTER_MAX], int first, char *from, char *to,
    struct xz_errors *errs)
{
	char		today[16];

	xz_today(today, sizeof(today));
	if (vals[first + 1][0] != '\0')
		kore_strlcpy(to, vals[first + 1], 16);
	else
		kore_strlcpy(to, today, 16);
	if (vals[first][0] != '\0')
		kore_strlcpy(from, vals[first], 16);
	else
		(void)snprintf(from, 16, "%.4s-01-01", to);
	/* YYYY-MM-DD compares as text. */
	if (strcmp(to, from) < 0) {
		if (vals[first + 1][0] != '\0')
			xz_errors_add(errs, 1, "to", "before_from",
			    "to must not be before from");
		else
			xz_errors_add(errs, 1, "from", "after_today",
			    "from must not be after today (the default of "
			    "to)");
		return (-1);
	}
	return (0);
}

static int
has_error(const struct xz_errors *errs, int is_param, const char *where)
{
	int		i;

	for (i = 0; i < errs->count; i++) {
		if (errs->list[i].is_param == is_param &&
		    strcmp(errs->list[i].where, where) == 0)
			return (1);
	}
	return (0);
}

/*
 * A list by uuid keyset: st takes the cursor, the n parameters in order
 * (NULL when absent) and limit + 1.
 */
static int
list_run(struct xz_ctx *ctx, const struct xz_stmt *st,
    const struct param *ps, size_t n)
{
	struct xz_errors	errs = { 0 };
	char			vals[PARAMS_MAX][XZ_FILTER_MAX], limit[24];

	if (params_parse(ctx, xz_uuid_valid, ps, n, vals, &errs) != 0)
		return (xz_bad(ctx, &errs));
	if (ctx->cursor[0] == '\0')
		kore_strlcpy(ctx->cursor, NIL_UUID, sizeof(ctx->cursor));
	(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
	(void)xz_tx_add(xz_ctx_tx(ctx, 1), &custom_plan);
	switch (n) {
	case 2:
		ctx->q_main = xz_tx_add(ctx->tx, st, ctx->cursor,
		    xz_opt(vals[0]), xz_opt(vals[1]), limit);
		break;
	case 3:
		ctx->q_main = xz_tx_add(ctx->tx, st, ctx->cursor,
		    xz_opt(vals[0]), xz_opt(vals[1]), xz_opt(vals[2]), limit);
		break;
	default:
		fatal("list_run: %zu parameters", n);
	}
	return (xz_ctx_run(ctx));
}

/*
 * A PATCH's update (q_main: json, version) and the row's version as the
 * caller reads it (q_check): 200, 404 or 412.
 */
static int
patched_done(struct xz_ctx *ctx, const char *what)
{
	PGresult	*res;
	char		detail[64];

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) == 1) {
		xz_set_etag(ctx, PQgetvalue(res, 0, 1));
		return (xz_reply_raw(ctx, 200, "application/json",
		    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
	}
	if (PQntuples(xz_tx_result(ctx->tx, ctx->q_check)) == 0) {
		(void)snprintf(detail, sizeof(detail), "no such %s", what);
		return (xz_problem(ctx, 404, "not_found", detail, NULL));
	}
	return (xz_problem(ctx, 412, "precondition_failed",
	    "the resource changed since you read it; GET it again", NULL));
}

/* An insert answering (json, version, id): 201, Location and ETag. */
static int
created_done(struct xz_ctx *ctx, const char *location, const char *what)
{
	PGresult	*res;
	char		loc[128], detail[64];

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0) ||
	    PQgetisnull(res, 0, 2)) {
		(void)snprintf(detail, sizeof(detail), "the %s could not be "
		    "created", what);
		return (xz_problem(ctx, 500, "internal_error", detail, NULL));
	}
	(void)snprintf(loc, sizeof(loc), "%s%s", location,
	    PQgetvalue(res, 0, 2));
	http_response_header(ctx->req, "location", loc);
	if (!PQgetisnull(res, 0, 1))
		xz_set_etag(ctx, PQgetvalue(res, 0, 1));
	return (xz_reply_raw(ctx, 201, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

/* A unique document number (23505): 409 document_taken, 1 if answered. */
static int
document_taken(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };

	if (ctx->tx->status != XZ_TX_SQL_ERROR ||
	    strcmp(ctx->tx->sqlstate, "23505") != 0)
		return (0);
	xz_errors_add(&errs, 0, "/document_no", "document_taken",
	    "another record has this document number");
	(void)xz_problem(ctx, 409, "document_taken",
	    "another record has this document number", &errs);
	return (1);
}

/* One row, one column of JSON: 200. */
static int
json_done(struct xz_ctx *ctx, const char *failed)
{
	PGresult	*res;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		return (xz_problem(ctx, 500, "internal_error", failed, NULL));
	return (xz_reply_raw(ctx, 200, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

