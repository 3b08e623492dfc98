/*
 * Agricultural funds: projects, funding lines, the workflow and its history.
 *
 * The rules (balances, states, maker-checker, the approval limit) are the
 * database's: migrations/0004_funds.sql, xz.fund_* functions, which refuse
 * with SQLSTATE class XZ (xz_tx_failed answers them).  Here every body
 * member, query parameter and path parameter is checked for its shape,
 * and so are the rules that need no other row, so that a 400 names the
 * field: a contractor iff delivery is contractor; population served, the
 * per-capita lump sum and the planned craftsmen share iff village_run,
 * which also needs a village; budget = population x per-capita for
 * village-run works; planned_end not before planned_start; a reason for
 * returning a project and for a review that does not pass it; the actual
 * craftsmen share iff the project is village-run (the one rule that needs
 * the row: the completing statement looks at its delivery first, in the
 * same round trip).  The validated body goes to SQL as jsonb.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/funds.h"
#include "xiangzhi/http.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define NIL_UUID		"00000000-0000-0000-0000-000000000000"
#define FEN_MAX			10000000000000LL	/* 1e13 */
#define POPULATION_MAX		1000000LL
#define PER_CAPITA_MAX		100000000LL
#define TEXT_MAX		200
#define REASON_MAX		500

/*
 * The list's optional filters ("$2 is null or ...") are planned with their
 * values, as in app/coops: a generic plan cannot drop the unused ones.
 */
static struct xz_stmt	custom_plan = { "funds_projects_custom_plan",
	"select set_config('plan_cache_mode', 'force_custom_plan', true)",
	0, -1 };
static struct xz_stmt	project_list = { "fund_project_list",
	"select xz.fund_project_json(p)::text, p.id::text"
	" from fund_projects p where p.id > $1::uuid"
	" and ($2::text is null or p.status = $2::text)"
	" and ($3::text is null or p.category = $3::text)"
	" and ($4::text is null or p.village_code = $4::bpchar)"
	" and ($5::text is null or p.township_code = $5::bpchar)"
	" and ($6::text is null or p.delivery = $6::text)"
	" order by p.id limit $7",
	7, -1 };
static struct xz_stmt	project_get = { "fund_project_get",
	"select xz.fund_project_json(p)::text, p.version::text"
	" from fund_projects p where p.id = $1::uuid",
	1, -1 };
static struct xz_stmt	project_check = { "fund_project_check",
	"select 1 from fund_projects p where p.id = $1::uuid",
	1, -1 };
static struct xz_stmt	project_create = { "fund_project_create",
	"select r.j::text, r.j->>'version', r.j->>'id'"
	" from xz.fund_project_create($1::jsonb) as r(j)",
	1, -1 };
static struct xz_stmt	project_patch = { "fund_project_patch",
	"select r.j::text, r.j->>'version'"
	" from xz.fund_project_patch($1::uuid, $2::integer, $3::jsonb)"
	" as r(j)",
	3, -1 };
static struct xz_stmt	line_commit = { "fund_line_commit",
	"select r.j::text, r.j->>'version', r.j->>'id'"
	" from xz.fund_commit($1::uuid, $2::uuid, $3::bigint) as r(j)",
	3, -1 };
static struct xz_stmt	line_release = { "fund_line_release",
	"select r.j::text, r.j->>'version'"
	" from xz.fund_release($1::uuid, $2::bigint, $3::text) as r(j)",
	3, -1 };
static struct xz_stmt	transition = { "fund_transition",
	"select r.j::text, r.j->>'version'"
	" from xz.fund_transition($1::uuid, $2::text, $3::integer, $4::jsonb)"
	" as r(j)",
	4, -1 };
/*
 * complete: only when the body's actual_craftsmen_pct is given ($4) iff
 * the project is village-run; otherwise no transition and the delivery
 * (column 2) tells which field is at fault.  No row: no such project.
 */
static struct xz_stmt	transition_complete = {
	"fund_transition_complete",
	"with s as materialized (select p.delivery, case when"
	" (p.delivery = 'village_run') = $4::boolean then"
	" xz.fund_transition(p.id, 'complete', $2::integer, $3::jsonb)"
	" end as j from fund_projects p where p.id = $1::uuid)"
	" select s.j::text, s.j->>'version', s.delivery from s",
	4, -1 };
static struct xz_stmt	history_list = { "fund_project_history",
	"select xz.fund_history_json(h)::text, h.id::text"
	" from fund_project_history h where h.project_id = $1::uuid"
	" and h.id > $2::bigint order by h.id limit $3",
	3, -1 };

static const char *const	statuses[] = { "draft", "submitted", "filed",
	"review_passed", "rectification_required", "revoked", "in_progress",
	"completed", "closed", NULL };
static const char *const	categories[] = { "rain_sewage_separation",
	"village_road", "drinking_water", "toilet_renovation", "sanitation",
	"industry", "other", NULL };
static const char *const	deliveries[] = { "contractor", "village_run",
	NULL };
static const char *const	decisions[] = { "passed",
	"rectification_required", "revoked", NULL };

/* POST and PATCH (the same members, all optional). */
static const struct xz_field	project_fields[] = {
	{ "title", XZ_FT_STRING, 1, 1, TEXT_MAX, NULL },
	{ "category", XZ_FT_ENUM, 1, 0, 0, categories },
	{ "village_code", XZ_FT_CODE, 0, 0, XZ_LEVEL_VILLAGE, NULL },
	{ "delivery", XZ_FT_ENUM, 1, 0, 0, deliveries },
	{ "contractor", XZ_FT_STRING, 0, 1, TEXT_MAX, NULL },
	{ "population_served", XZ_FT_INT, 0, 1, POPULATION_MAX, NULL },
	{ "per_capita_fen", XZ_FT_INT, 0, 1, PER_CAPITA_MAX, NULL },
	{ "planned_craftsmen_pct", XZ_FT_INT, 0, 0, 100, NULL },
	{ "budget_fen", XZ_FT_INT, 1, 1, FEN_MAX, NULL },
	{ "planned_start", XZ_FT_DATE, 1, 0, 0, NULL },
	{ "planned_end", XZ_FT_DATE, 1, 0, 0, NULL },
};

static const struct xz_field	project_patch_fields[] = {
	{ "title", XZ_FT_STRING, 0, 1, TEXT_MAX, NULL },
	{ "category", XZ_FT_ENUM, 0, 0, 0, categories },
	{ "village_code", XZ_FT_CODE, 0, 0, XZ_LEVEL_VILLAGE, NULL },
	{ "delivery", XZ_FT_ENUM, 0, 0, 0, deliveries },
	{ "contractor", XZ_FT_STRING, 0, 1, TEXT_MAX, NULL },
	{ "population_served", XZ_FT_INT, 0, 1, POPULATION_MAX, NULL },
	{ "per_capita_fen", XZ_FT_INT, 0, 1, PER_CAPITA_MAX, NULL },
	{ "planned_craftsmen_pct", XZ_FT_INT, 0, 0, 100, NULL },
	{ "budget_fen", XZ_FT_INT, 0, 1, FEN_MAX, NULL },
	{ "planned_start", XZ_FT_DATE, 0, 0, 0, NULL },
	{ "planned_end", XZ_FT_DATE, 0, 0, 0, NULL },
};

/* What a PATCH may clear with null. */
static const char *const	nullable[] = { "village_code", "contractor",
	"population_served", "per_capita_fen", "planned_craftsmen_pct",
	NULL };

/* The members of village-run works (required iff village_run). */
static const char *const	lump_sum_members[] = { "population_served",
	"per_capita_fen", "planned_craftsmen_pct", NULL };

static const struct xz_field	line_fields[] = {
	{ "allocation_id", XZ_FT_UUID, 1, 0, 0, NULL },
	{ "amount_fen", XZ_FT_INT, 1, 1, FEN_MAX, NULL },
};

static const struct xz_field	release_fields[] = {
	{ "amount_fen", XZ_FT_INT, 0, 1, FEN_MAX, NULL },
	{ "reason", XZ_FT_STRING, 1, 1, REASON_MAX, NULL },
};

/* submit, approve, start, close: an optional reason for the history. */
static const struct xz_field	plain_fields[] = {
	{ "reason", XZ_FT_STRING, 0, 1, REASON_MAX, NULL },
};

static const struct xz_field	return_fields[] = {
	{ "reason", XZ_FT_STRING, 1, 1, REASON_MAX, NULL },
};

static const struct xz_field	review_fields[] = {
	{ "decision", XZ_FT_ENUM, 1, 0, 0, decisions },
	{ "reason", XZ_FT_STRING, 0, 1, REASON_MAX, NULL },
};

static const struct xz_field	complete_fields[] = {
	{ "actual_cost_fen", XZ_FT_INT, 1, 1, FEN_MAX, NULL },
	{ "actual_craftsmen_pct", XZ_FT_INT, 0, 0, 100, NULL },
	{ "completed_on", XZ_FT_DATE, 1, 0, 0, NULL },
	{ "reason", XZ_FT_STRING, 0, 1, REASON_MAX, NULL },
};

static const char *const	list_filters[] = { "status", "category",
	"village_code", "township_code", "delivery", NULL };

static int	id_cursor_valid(const char *);
static int	given(struct xz_ctx *, int, const char *);
static void	project_rules(struct xz_ctx *, int, struct xz_errors *);
static void	village_rule(struct xz_ctx *, int, struct xz_errors *);
static int	if_match_opt(struct xz_ctx *, char *, size_t);
static int	run_body(struct xz_ctx *, const struct xz_stmt *,
		    const char *, const char *);
static int	transition_start(struct xz_ctx *, const char *,
		    const struct xz_field *, size_t);
static int	reply_project(struct xz_ctx *, int);

void
xz_funds_projects_register(void)
{
	xz_db_register(&custom_plan);
	xz_db_register(&project_list);
	xz_db_register(&project_get);
	xz_db_register(&project_check);
	xz_db_register(&project_create);
	xz_db_register(&project_patch);
	xz_db_register(&line_commit);
	xz_db_register(&line_release);
	xz_db_register(&transition);
	xz_db_register(&transition_complete);
	xz_db_register(&history_list);
}

/*
 * GET /api/v1/fund-projects ?status &category &village_code
 * &township_code &delivery: the projects the caller reads (row security:
 * county, own township, own village, a partner's granted townships).
 */
int
xz_fund_projects_list(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			vals[nitems(list_filters) - 1]
				    [XZ_FILTER_MAX];
	char			limit[24];

	memset(vals, 0, sizeof(vals));
	/* On errors, go on: every bad filter is named at once. */
	(void)xz_paging_parse_filters(ctx, xz_uuid_valid, list_filters,
	    vals, &errs);
	if (vals[0][0] != '\0')
		xz_enum_param(vals[0], "status", statuses, &errs);
	if (vals[1][0] != '\0')
		xz_enum_param(vals[1], "category", categories, &errs);
	if (vals[2][0] != '\0' && !xz_code_valid(vals[2], XZ_LEVEL_VILLAGE))
		xz_errors_add(&errs, 1, "village_code", "format",
		    "village_code must be exactly %d digits",
		    XZ_LEVEL_VILLAGE);
	if (vals[3][0] != '\0' && !xz_code_valid(vals[3], XZ_LEVEL_TOWNSHIP))
		xz_errors_add(&errs, 1, "township_code", "format",
		    "township_code must be exactly %d digits",
		    XZ_LEVEL_TOWNSHIP);
	if (vals[4][0] != '\0')
		xz_enum_param(vals[4], "delivery", deliveries, &errs);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	if (ctx->cursor[0] == '\0')
		kore_strlcpy(ctx->cursor, NIL_UUID, sizeof(ctx->cursor));
	(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
	(void)xz_tx_add(xz_ctx_tx(ctx, 1), &custom_plan);
	ctx->q_main = xz_tx_add(ctx->tx, &project_list, ctx->cursor,
	    xz_opt(vals[0]), xz_opt(vals[1]), xz_opt(vals[2]),
	    xz_opt(vals[3]), xz_opt(vals[4]), limit);
	return (xz_ctx_run(ctx));
}

int
xz_fund_projects_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, NULL));
}

/*
 * POST /api/v1/fund-projects.  A village user's project is for their own
 * village (village_code defaults to it); a township user's village, when
 * given, is one of their township's.
 */
int
xz_fund_projects_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };

	(void)xz_validate(ctx->body, project_fields, nitems(project_fields),
	    &errs);
	xz_blank_check(ctx->body, project_fields, nitems(project_fields),
	    &errs);
	village_rule(ctx, 1, &errs);
	project_rules(ctx, 1, &errs);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	return (run_body(ctx, &project_create, NULL, NULL));
}

int
xz_fund_projects_create_done(struct xz_ctx *ctx)
{
	return (reply_project(ctx, 201));
}

int
xz_fund_project_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &project_get));
}

int
xz_fund_project_get_done(struct xz_ctx *ctx)
{
	return (xz_reply_one(ctx, "project"));
}

/*
 * PATCH /api/v1/fund-projects/{id}: any member of the POST, null clearing
 * a nullable one (switching delivery: {"delivery": "village_run",
 * "contractor": null, ...}); the rules that need the stored row (state,
 * the combination with stored members) are the database's.
 */
int
xz_fund_project_patch(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id;
	char			ver[24];
	json_t			*shown;
	size_t			i;
	int			r;

	id = xz_path_uuid(ctx, 0, "id", &errs);
	if ((r = xz_require_if_match(ctx)) != XZ_NEXT)
		return (r);
	/* A null clears a nullable member: validate the others. */
	shown = json_copy(ctx->body);
	for (i = 0; nullable[i] != NULL; i++) {
		if (json_is_null(json_object_get(shown, nullable[i])))
			(void)json_object_del(shown, nullable[i]);
	}
	(void)xz_validate(shown, project_patch_fields,
	    nitems(project_patch_fields), &errs);
	json_decref(shown);
	xz_blank_check(ctx->body, project_patch_fields,
	    nitems(project_patch_fields), &errs);
	if (json_object_size(ctx->body) == 0)
		xz_errors_add(&errs, 0, "", "empty", "nothing to change");
	village_rule(ctx, 0, &errs);
	project_rules(ctx, 0, &errs);
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	(void)snprintf(ver, sizeof(ver), "%lld", ctx->if_match);
	return (run_body(ctx, &project_patch, id, ver));
}

int
xz_fund_project_patch_done(struct xz_ctx *ctx)
{
	return (reply_project(ctx, 200));
}

/*
 * POST /api/v1/fund-projects/{id}/funding-lines {allocation_id,
 * amount_fen}: commits money of one of the township's allocations.
 * 201 with the project (Location: the project).
 */
int
xz_fund_lines_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id;
	char			amount[24];

	id = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_validate(ctx->body, line_fields, nitems(line_fields), &errs);
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &line_commit, id,
	    xz_body_str(ctx, "allocation_id"),
	    xz_body_int(ctx, "amount_fen", amount, sizeof(amount)));
	return (xz_ctx_run(ctx));
}

int
xz_fund_lines_create_done(struct xz_ctx *ctx)
{
	return (reply_project(ctx, 201));
}

/*
 * POST /api/v1/funding-lines/{id}/release {amount_fen?, reason}: gives
 * back committed money (by default all that is not disbursed).
 */
int
xz_fund_line_release(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id;
	char			amount[24];

	id = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_validate(ctx->body, release_fields, nitems(release_fields),
	    &errs);
	xz_blank_check(ctx->body, release_fields, nitems(release_fields),
	    &errs);
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &line_release, id,
	    xz_body_int(ctx, "amount_fen", amount, sizeof(amount)),
	    xz_body_str(ctx, "reason"));
	return (xz_ctx_run(ctx));
}

int
xz_fund_line_release_done(struct xz_ctx *ctx)
{
	return (reply_project(ctx, 200));
}

/* The workflow: POST /api/v1/fund-projects/{id}/<action>. */

int
xz_fund_project_submit(struct xz_ctx *ctx)
{
	return (transition_start(ctx, "submit", plain_fields,
	    nitems(plain_fields)));
}

int
xz_fund_project_submit_done(struct xz_ctx *ctx)
{
	return (reply_project(ctx, 200));
}

int
xz_fund_project_return(struct xz_ctx *ctx)
{
	return (transition_start(ctx, "return", return_fields,
	    nitems(return_fields)));
}

int
xz_fund_project_return_done(struct xz_ctx *ctx)
{
	return (reply_project(ctx, 200));
}

int
xz_fund_project_approve(struct xz_ctx *ctx)
{
	return (transition_start(ctx, "approve", plain_fields,
	    nitems(plain_fields)));
}

int
xz_fund_project_approve_done(struct xz_ctx *ctx)
{
	return (reply_project(ctx, 200));
}

int
xz_fund_project_review(struct xz_ctx *ctx)
{
	return (transition_start(ctx, "review", review_fields,
	    nitems(review_fields)));
}

int
xz_fund_project_review_done(struct xz_ctx *ctx)
{
	return (reply_project(ctx, 200));
}

int
xz_fund_project_start(struct xz_ctx *ctx)
{
	return (transition_start(ctx, "start", plain_fields,
	    nitems(plain_fields)));
}

int
xz_fund_project_start_done(struct xz_ctx *ctx)
{
	return (reply_project(ctx, 200));
}

int
xz_fund_project_complete(struct xz_ctx *ctx)
{
	return (transition_start(ctx, "complete", complete_fields,
	    nitems(complete_fields)));
}

/* The delivery guard of transition_complete, then the project. */
int
xz_fund_project_complete_done(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	PGresult		*res;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) == 0)
		return (xz_problem(ctx, 404, "not_found", "no such project",
		    NULL));
	if (PQgetisnull(res, 0, 0)) {
		if (strcmp(PQgetvalue(res, 0, 2), "village_run") == 0)
			xz_errors_add(&errs, 0, "/actual_craftsmen_pct",
			    "required", "a village-run project is completed "
			    "with its actual_craftsmen_pct");
		else
			xz_errors_add(&errs, 0, "/actual_craftsmen_pct",
			    "not_allowed", "actual_craftsmen_pct is for "
			    "village-run projects only");
		return (xz_bad(ctx, &errs));
	}
	return (reply_project(ctx, 200));
}

int
xz_fund_project_close(struct xz_ctx *ctx)
{
	return (transition_start(ctx, "close", plain_fields,
	    nitems(plain_fields)));
}

int
xz_fund_project_close_done(struct xz_ctx *ctx)
{
	return (reply_project(ctx, 200));
}

/*
 * GET /api/v1/fund-projects/{id}/history: every transition, oldest
 * first; 404 when the project is not visible.
 */
int
xz_fund_project_history(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id;
	char			limit[24];

	id = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_paging_parse_filters(ctx, id_cursor_valid, NULL, NULL,
	    &errs);
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	if (ctx->cursor[0] == '\0')
		kore_strlcpy(ctx->cursor, "0", sizeof(ctx->cursor));
	(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
	xz_ctx_tx(ctx, 1);
	ctx->q_main = xz_tx_add(ctx->tx, &history_list, id, ctx->cursor,
	    limit);
	ctx->q_check = xz_tx_add(ctx->tx, &project_check, id);
	return (xz_ctx_run(ctx));
}

int
xz_fund_project_history_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, "project"));
}

/* Shared steps. */

/* A history id: a positive bigint. */
static int
id_cursor_valid(const char *s)
{
	long long	v;

	return (xz_parse_ll(s, 1, 9223372036854775807LL, &v) == 0);
}

/*
 * Whether the body gives member name: on PATCH a null clears a nullable
 * member (xz.fund_project_merge), which is not giving it.
 */
static int
given(struct xz_ctx *ctx, int create, const char *name)
{
	json_t		*v;

	v = json_object_get(ctx->body, name);
	return (v != NULL && (create || !json_is_null(v)));
}

/*
 * village_code: a village user's own village (the default on create), a
 * township user's village of their township.  On create, village-run
 * works need a village.  The codes are the database's for the same
 * refusals (xz.fund_project_check).
 */
static void
village_rule(struct xz_ctx *ctx, int create, struct xz_errors *errs)
{
	json_t		*v;
	const char	*village, *delivery;

	v = json_object_get(ctx->body, "village_code");
	village = json_string_value(v);
	if (village != NULL && !xz_code_valid(village, XZ_LEVEL_VILLAGE))
		return;		/* xz_validate named it */
	if (ctx->claims.role == XZ_ROLE_VILLAGE) {
		if (v != NULL && (village == NULL ||
		    strcmp(village, ctx->claims.village) != 0)) {
			if (village != NULL || json_is_null(v))
				xz_errors_add(errs, 0, "/village_code",
				    "not_allowed", "village users propose "
				    "projects of their own village %s",
				    ctx->claims.village);
			return;
		}
		if (create && v == NULL)
			(void)json_object_set_new(ctx->body, "village_code",
			    json_string(ctx->claims.village));
		return;
	}
	if (village != NULL) {
		if (!xz_code_child_of(village, XZ_LEVEL_VILLAGE,
		    ctx->claims.township))
			xz_errors_add(errs, 0, "/village_code",
			    "unknown_village", "village_code must be a "
			    "village of your township %s",
			    ctx->claims.township);
		return;
	}
	delivery = xz_body_str(ctx, "delivery");
	if (delivery != NULL && strcmp(delivery, "village_run") == 0 &&
	    (create ? v == NULL : json_is_null(v)))
		xz_errors_add(errs, 0, "/village_code", "required",
		    "village-run works need the village_code of the village "
		    "running them");
}

/*
 * The rules among the body's own members.  On create every one is
 * checked; on PATCH those whose members are all in the body (the rest
 * combine with the stored row: the database's).
 */
static void
project_rules(struct xz_ctx *ctx, int create, struct xz_errors *errs)
{
	const char	*delivery, *start, *end;
	json_t		*pop, *per, *budget;
	char		ptr[64];
	size_t		i;
	int		lump;

	delivery = xz_body_str(ctx, "delivery");
	if (delivery != NULL && strcmp(delivery, "contractor") != 0 &&
	    strcmp(delivery, "village_run") != 0)
		delivery = NULL;	/* xz_validate named it */
	lump = 0;
	for (i = 0; lump_sum_members[i] != NULL; i++)
		lump |= given(ctx, create, lump_sum_members[i]);
	if (delivery == NULL) {
		/* PATCH without delivery: not both kinds at once. */
		if (given(ctx, create, "contractor") && lump)
			xz_errors_add(errs, 0, "/contractor", "not_allowed",
			    "a contractor and the village-run members "
			    "(population_served, per_capita_fen, "
			    "planned_craftsmen_pct) exclude each other");
	} else if (strcmp(delivery, "village_run") == 0) {
		if (given(ctx, create, "contractor"))
			xz_errors_add(errs, 0, "/contractor", "not_allowed",
			    "village-run works have no contractor");
		for (i = 0; lump_sum_members[i] != NULL; i++) {
			/* On PATCH, absent keeps the stored value. */
			if (given(ctx, create, lump_sum_members[i]) ||
			    (!create && json_object_get(ctx->body,
			    lump_sum_members[i]) == NULL))
				continue;
			(void)snprintf(ptr, sizeof(ptr), "/%s",
			    lump_sum_members[i]);
			xz_errors_add(errs, 0, ptr, "required",
			    "village-run works need %s",
			    lump_sum_members[i]);
		}
	} else {
		if (!given(ctx, create, "contractor") && (create ||
		    json_object_get(ctx->body, "contractor") != NULL))
			xz_errors_add(errs, 0, "/contractor", "required",
			    "works delivered by a contractor name it");
		for (i = 0; lump_sum_members[i] != NULL; i++) {
			if (!given(ctx, create, lump_sum_members[i]))
				continue;
			(void)snprintf(ptr, sizeof(ptr), "/%s",
			    lump_sum_members[i]);
			xz_errors_add(errs, 0, ptr, "not_allowed",
			    "%s is for village-run works only",
			    lump_sum_members[i]);
		}
	}
	/* budget = population x per-capita (at most 1e14: no overflow). */
	pop = json_object_get(ctx->body, "population_served");
	per = json_object_get(ctx->body, "per_capita_fen");
	budget = json_object_get(ctx->body, "budget_fen");
	if (json_is_integer(pop) && json_is_integer(per) &&
	    json_is_integer(budget) &&
	    json_integer_value(pop) >= 1 &&
	    json_integer_value(pop) <= POPULATION_MAX &&
	    json_integer_value(per) >= 1 &&
	    json_integer_value(per) <= PER_CAPITA_MAX &&
	    json_integer_value(budget) != json_integer_value(pop) *
	    json_integer_value(per))
		xz_errors_add(errs, 0, "/budget_fen", "lump_sum_mismatch",
		    "the budget of village-run works is population_served x "
		    "per_capita_fen = %lld",
		    (long long)(json_integer_value(pop) *
		    json_integer_value(per)));
	start = xz_body_str(ctx, "planned_start");
	end = xz_body_str(ctx, "planned_end");
	if (start != NULL && end != NULL && xz_date_valid(start) &&
	    xz_date_valid(end) && strcmp(end, start) < 0)
		xz_errors_add(errs, 0, "/planned_end", "out_of_range",
		    "planned_end must not be before planned_start");
}

/*
 * If-Match, when sent, as the version in ver; "" when absent.  Returns
 * XZ_NEXT, or the answer to a malformed header.
 */
static int
if_match_opt(struct xz_ctx *ctx, char *ver, size_t len)
{
	const char	*im;
	int		r;

	ver[0] = '\0';
	if (!http_request_header(ctx->req, "if-match", &im))
		return (XZ_NEXT);
	if ((r = xz_require_if_match(ctx)) != XZ_NEXT)
		return (r);
	(void)snprintf(ver, len, "%lld", ctx->if_match);
	return (XZ_NEXT);
}

/*
 * Runs st with the body as jsonb: (body) for create, (id, version, body)
 * for PATCH.
 */
static int
run_body(struct xz_ctx *ctx, const struct xz_stmt *st, const char *id,
    const char *ver)
{
	char		*body;

	if ((body = json_dumps(ctx->body, JSON_COMPACT)) == NULL)
		return (xz_problem(ctx, 500, "internal_error",
		    "the body could not be encoded", NULL));
	xz_ctx_tx(ctx, 0);
	if (id == NULL)
		ctx->q_main = xz_tx_add(ctx->tx, st, body);
	else
		ctx->q_main = xz_tx_add(ctx->tx, st, id, ver, body);
	free(body);
	return (xz_ctx_run(ctx));
}

/* Checks the body of one action and calls xz.fund_transition. */
static int
transition_start(struct xz_ctx *ctx, const char *action,
    const struct xz_field *fields, size_t nfields)
{
	struct xz_errors	errs = { 0 };
	const char		*id, *decision;
	char			ver[24], *body;
	int			r;

	id = xz_path_uuid(ctx, 0, "id", &errs);
	if ((r = if_match_opt(ctx, ver, sizeof(ver))) != XZ_NEXT)
		return (r);
	(void)xz_validate(ctx->body, fields, nfields, &errs);
	xz_blank_check(ctx->body, fields, nfields, &errs);
	decision = xz_body_str(ctx, "decision");
	if (fields == review_fields && decision != NULL &&
	    (strcmp(decision, "rectification_required") == 0 ||
	    strcmp(decision, "revoked") == 0) &&
	    json_object_get(ctx->body, "reason") == NULL)
		xz_errors_add(&errs, 0, "/reason", "required",
		    "a review that does not pass the project gives the "
		    "county's reason");
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	if ((body = json_dumps(ctx->body, JSON_COMPACT)) == NULL)
		return (xz_problem(ctx, 500, "internal_error",
		    "the body could not be encoded", NULL));
	xz_ctx_tx(ctx, 0);
	if (fields == complete_fields)
		ctx->q_main = xz_tx_add(ctx->tx, &transition_complete, id,
		    ver[0] != '\0' ? ver : NULL, body,
		    json_object_get(ctx->body, "actual_craftsmen_pct") !=
		    NULL ? "true" : "false");
	else
		ctx->q_main = xz_tx_add(ctx->tx, &transition, id, action,
		    ver[0] != '\0' ? ver : NULL, body);
	free(body);
	return (xz_ctx_run(ctx));
}

/*
 * The project a writing function answered (column 0, its version in
 * column 1, for 201 its id in column 2) with its ETag; Location on 201.
 */
static int
reply_project(struct xz_ctx *ctx, int status)
{
	PGresult	*res;
	const char	*id;
	char		loc[96];

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		return (xz_problem(ctx, 404, "not_found", "no such project",
		    NULL));
	if (status == 201) {
		/* A funding line's Location is its project. */
		id = PQnfields(res) > 2 && !PQgetisnull(res, 0, 2) ?
		    PQgetvalue(res, 0, 2) : NULL;
		if (id != NULL) {
			(void)snprintf(loc, sizeof(loc),
			    "/api/v1/fund-projects/%s", id);
			http_response_header(ctx->req, "location", loc);
		}
	}
	if (!PQgetisnull(res, 0, 1))
		xz_set_etag(ctx, PQgetvalue(res, 0, 1));
	return (xz_reply_raw(ctx, status, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

