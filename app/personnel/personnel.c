/*
 * Personnel pooling (issue 4): centers, origin units, skill tags, staff,
 * transfers, campaigns, teams, deployments, reports and the team
 * proposal.
 *
 * Every route of this module has the same shape, so one table (ops[])
 * describes them and two handlers run them all: pers_start validates the
 * path, the query (filters) and the body (field table), then queues one
 * statement; pers_done answers its row.  The rules that need other rows
 * live in the database (migration 0005): the write functions xz.*_create,
 * *_patch, redeploy, staff_transfer check, write and answer the new
 * document, and refuse with SQLSTATE class XZ (status, code, detail and
 * the field's pointer), which xz_tx_failed turns into problem+json.
 *
 * Statement parameters by kind:
 *   GET     $1 id
 *   LIST    $1 cursor, $2 limit + 1, [$3 parent id], then the filters
 *   CREATE  [$1 parent id], then the body (jsonb)
 *   PATCH   $1 id, $2 If-Match version, $3 body
 *   ACTION  $1 id, $2 body
 *   REPORT  [$1 id], then the filters
 * Answers: column 0 the JSON document (NULL: 404 "no such <what>"),
 * column 1 its version (ETag), column 2 its id (Location on 201).
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/personnel.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define NIL_UUID	"00000000-0000-0000-0000-000000000000"
#define SKILL_MAX	32
#define REPORT_DAYS	92	/* day-by-day figures */
#define PERIOD_DAYS	366	/* totals */

enum pers_kind {
	PK_GET,
	PK_LIST,
	PK_CREATE,
	PK_PATCH,
	PK_ACTION,
	PK_REPORT,
};

enum pers_ftype {
	PF_TOWNSHIP,		/* 9-digit code */
	PF_UUID,
	PF_DATE,
	PF_ENUM,
	PF_SKILL,
};

struct pers_filter {
	const char		*name;
	enum pers_ftype		type;
	int			required;
	const char *const	*choices;
};

#define FILTERS_MAX	4

struct pers_op {
	int			method;
	const char		*path;
	enum pers_kind		kind;
	const char		*what;		/* "no such <what>" */
	const struct xz_field	*fields;	/* body, or NULL */
	size_t			nfields;
	struct pers_filter	filters[FILTERS_MAX];
	struct xz_stmt		*stmt;
	struct xz_stmt		*check;		/* the parent of a list */
	const char		*location;	/* 201: prefix of Location */
	int			readonly;
	int			span;		/* from..to at most, days */
	int			(*cursor_ok)(const char *);
};

static int	uuid_cursor(const char *);
static int	skill_cursor(const char *);
static int	filters_parse(struct xz_ctx *, const struct pers_op *,
		    char (*)[XZ_FILTER_MAX], const char **,
		    struct xz_errors *);
static const struct pers_op	*op_find(struct xz_ctx *);
static char	*body_text(struct xz_ctx *);

/* ------------------------------------------------------------ statements */

#define STMT(n, sql, np)	{ "pers_" #n, sql, np, -1 }

#define ONE(name, table, doc)						\
	static struct xz_stmt name = STMT(name,				\
	    "select xz." doc "(x)::text, x.version from " table " x"	\
	    " where x.id = $1::uuid", 1)

#define WRITE(name, fn, np, args)					\
	static struct xz_stmt name = STMT(name,				\
	    "select doc::text, version, id::text from xz." fn		\
	    "(" args ")", np)

ONE(center_get, "centers", "center_doc");
ONE(unit_get, "origin_units", "origin_unit_doc");
ONE(staff_get, "staff", "staff_doc");
ONE(campaign_get, "campaigns", "campaign_doc");
ONE(team_get, "campaign_teams", "team_doc");
ONE(deployment_get, "deployments", "deployment_doc");

static struct xz_stmt	center_list = STMT(center_list,
	"select xz.center_doc(x)::text, x.id::text from centers x"
	" where x.id > $1::uuid and"
	" ($3::bpchar is null or x.township_code = $3::bpchar)"
	" order by x.id limit $2", 3);

static struct xz_stmt	unit_list = STMT(unit_list,
	"select xz.origin_unit_doc(x)::text, x.id::text from origin_units x"
	" where x.id > $1::uuid and"
	" ($3::bpchar is null or x.township_code = $3::bpchar)"
	" order by x.id limit $2", 3);

static struct xz_stmt	skill_list = STMT(skill_list,
	"select json_build_object('township_code', x.township_code,"
	" 'code', x.code, 'label', x.label)::text,"
	" x.township_code || ':' || x.code from skill_tags x"
	" where x.township_code || ':' || x.code > $1 and"
	" ($3::bpchar is null or x.township_code = $3::bpchar)"
	" order by x.township_code || ':' || x.code limit $2", 3);

static struct xz_stmt	staff_list = STMT(staff_list,
	"select xz.staff_doc(x)::text, x.id::text from staff x"
	" where x.id > $1::uuid and"
	" ($3::bpchar is null or x.township_code = $3::bpchar) and"
	" ($4::uuid is null or x.center_id = $4::uuid) and"
	" ($5::text is null or x.status = $5) and"
	" ($6::text is null or $6 = any (x.skills))"
	" order by x.id limit $2", 6);

static struct xz_stmt	transfer_list = STMT(transfer_list,
	"select xz.transfer_doc(x)::text, x.id::text from staff_transfers x"
	" where x.id > $1::uuid and ($3::bpchar is null or"
	" $3::bpchar in (x.township_code, x.from_township_code)) and"
	" ($4::uuid is null or x.person_id = $4::uuid)"
	" order by x.id limit $2", 4);

static struct xz_stmt	campaign_list = STMT(campaign_list,
	"select xz.campaign_doc(x)::text, x.id::text from campaigns x"
	" where x.id > $1::uuid and"
	" ($3::bpchar is null or x.township_code = $3::bpchar) and"
	" ($4::text is null or x.priority = $4)"
	" order by x.id limit $2", 4);

static struct xz_stmt	campaign_check = STMT(campaign_check,
	"select 1 from campaigns where id = $1::uuid", 1);

static struct xz_stmt	team_list = STMT(team_list,
	"select xz.team_doc(x)::text, x.id::text from campaign_teams x"
	" where x.id > $1::uuid and x.campaign_id = $3::uuid"
	" order by x.id limit $2", 3);

static struct xz_stmt	deployment_list = STMT(deployment_list,
	"select xz.deployment_doc(x)::text, x.id::text from deployments x"
	" where x.id > $1::uuid and"
	" ($3::uuid is null or x.campaign_id = $3::uuid) and"
	" ($4::uuid is null or x.staff_id = $4::uuid) and"
	" ($5::bpchar is null or x.township_code = $5::bpchar) and"
	" ($6::text is null or x.status = $6)"
	" order by x.id limit $2", 6);

WRITE(unit_create, "origin_unit_create", 1, "$1::jsonb");
WRITE(unit_patch, "origin_unit_patch", 3, "$1::uuid, $2::integer, $3::jsonb");
WRITE(skill_create, "skill_tag_create", 1, "$1::jsonb");
WRITE(center_patch, "center_patch", 3, "$1::uuid, $2::integer, $3::jsonb");
WRITE(staff_create, "staff_create", 1, "$1::jsonb");
WRITE(staff_patch, "staff_patch", 3, "$1::uuid, $2::integer, $3::jsonb");
WRITE(staff_transfer, "staff_transfer", 2, "$1::uuid, $2::jsonb");
WRITE(campaign_create, "campaign_create", 1, "$1::jsonb");
WRITE(campaign_patch, "campaign_patch", 3,
    "$1::uuid, $2::integer, $3::jsonb");
WRITE(team_create, "team_create", 2, "$1::uuid, $2::jsonb");
WRITE(team_patch, "team_patch", 3, "$1::uuid, $2::integer, $3::jsonb");
WRITE(deployment_create, "deployment_create", 1, "$1::jsonb");
WRITE(deployment_patch, "deployment_patch", 3,
    "$1::uuid, $2::integer, $3::jsonb");
WRITE(deployment_cancel, "deployment_cancel", 2, "$1::uuid, $2::jsonb");
WRITE(redeploy, "redeploy", 2, "$1::uuid, $2::jsonb");

static struct xz_stmt	coverage = STMT(coverage,
	"select xz.campaign_coverage($1::uuid)::text", 1);
static struct xz_stmt	proposal = STMT(proposal,
	"select xz.team_proposal($1::uuid, $2::jsonb)::text", 2);
static struct xz_stmt	report = STMT(report,
	"select xz.personnel_report($1::text, $2::date, $3::date)::text", 3);
static struct xz_stmt	staff_report = STMT(staff_report,
	"select xz.staff_days_report($1::text, $2::date, $3::date)::text", 3);

static struct xz_stmt	*stmts[] = {
	&center_get, &unit_get, &staff_get, &campaign_get, &team_get,
	&deployment_get, &center_list, &unit_list, &skill_list, &staff_list,
	&transfer_list, &campaign_list, &campaign_check, &team_list,
	&deployment_list, &unit_create, &unit_patch, &skill_create,
	&center_patch, &staff_create, &staff_patch, &staff_transfer,
	&campaign_create, &campaign_patch, &team_create, &team_patch,
	&deployment_create, &deployment_patch, &deployment_cancel, &redeploy,
	&coverage, &proposal, &report, &staff_report,
};

/* ---------------------------------------------------------------- fields */

static const char *const	unit_kinds[] = { "internal_office",
	"township_body", "public_institution", "county_dispatched", NULL };
static const char *const	establishments[] = { "civil_servant",
	"public_institution", "contract", NULL };
static const char *const	staff_statuses[] = { "active", "on_leave",
	"transferred_out", NULL };
static const char *const	settable_statuses[] = { "active", "on_leave",
	NULL };
static const char *const	campaign_kinds[] = { "census", "law_publicity",
	"inspection", "emergency", "seasonal", "other", NULL };
static const char *const	priorities[] = { "urgent", "high", "normal",
	"low", NULL };
static const char *const	team_roles[] = { "lead", "member", NULL };
static const char *const	deployment_statuses[] = { "active",
	"cancelled", NULL };

static const struct xz_field	unit_fields[] = {
	{ "township", XZ_FT_CODE, 0, 0, XZ_LEVEL_TOWNSHIP, NULL },
	{ "name", XZ_FT_STRING, 1, 1, 64, NULL },
	{ "kind", XZ_FT_ENUM, 1, 0, 0, unit_kinds },
};
static const struct xz_field	unit_patch_fields[] = {
	{ "name", XZ_FT_STRING, 0, 1, 64, NULL },
	{ "kind", XZ_FT_ENUM, 0, 0, 0, unit_kinds },
};
static const struct xz_field	skill_fields[] = {
	{ "township", XZ_FT_CODE, 0, 0, XZ_LEVEL_TOWNSHIP, NULL },
	{ "code", XZ_FT_STRING, 1, 1, SKILL_MAX, NULL },
	{ "label", XZ_FT_STRING, 1, 1, 32, NULL },
};
static const struct xz_field	center_fields[] = {
	{ "name", XZ_FT_STRING, 0, 1, 64, NULL },
	{ "director_id", XZ_FT_ANY, 0, 0, 0, NULL },
	{ "on_duty_minimum", XZ_FT_INT, 0, 0, 1000, NULL },
};
static const struct xz_field	staff_fields[] = {
	{ "name", XZ_FT_STRING, 1, 1, 64, NULL },
	{ "origin_unit_id", XZ_FT_UUID, 1, 0, 0, NULL },
	{ "establishment", XZ_FT_ENUM, 1, 0, 0, establishments },
	{ "center_id", XZ_FT_UUID, 1, 0, 0, NULL },
	{ "post", XZ_FT_STRING, 1, 1, 64, NULL },
	{ "skills", XZ_FT_ANY, 0, 0, 0, NULL },
	{ "status", XZ_FT_ENUM, 0, 0, 0, settable_statuses },
	{ "phone", XZ_FT_STRING, 0, 11, 11, NULL },
};
static const struct xz_field	staff_patch_fields[] = {
	{ "name", XZ_FT_STRING, 0, 1, 64, NULL },
	{ "origin_unit_id", XZ_FT_UUID, 0, 0, 0, NULL },
	{ "establishment", XZ_FT_ENUM, 0, 0, 0, establishments },
	{ "center_id", XZ_FT_UUID, 0, 0, 0, NULL },
	{ "post", XZ_FT_STRING, 0, 1, 64, NULL },
	{ "skills", XZ_FT_ANY, 0, 0, 0, NULL },
	{ "status", XZ_FT_ENUM, 0, 0, 0, settable_statuses },
	{ "phone", XZ_FT_STRING, 0, 11, 11, NULL },
};
static const struct xz_field	transfer_fields[] = {
	{ "center_id", XZ_FT_UUID, 1, 0, 0, NULL },
	{ "origin_unit_id", XZ_FT_UUID, 1, 0, 0, NULL },
	{ "effective_on", XZ_FT_DATE, 1, 0, 0, NULL },
	{ "reason", XZ_FT_STRING, 1, 1, 200, NULL },
};
static const struct xz_field	campaign_fields[] = {
	{ "title", XZ_FT_STRING, 1, 1, 128, NULL },
	{ "kind", XZ_FT_ENUM, 1, 0, 0, campaign_kinds },
	{ "priority", XZ_FT_ENUM, 1, 0, 0, priorities },
	{ "starts_on", XZ_FT_DATE, 1, 0, 0, NULL },
	{ "ends_on", XZ_FT_DATE, 1, 0, 0, NULL },
	{ "lead_center_id", XZ_FT_UUID, 1, 0, 0, NULL },
	{ "headcount_needed", XZ_FT_INT, 1, 1, 1000, NULL },
	{ "skills_needed", XZ_FT_ANY, 0, 0, 0, NULL },
	{ "villages", XZ_FT_ANY, 0, 0, 0, NULL },
};
static const struct xz_field	campaign_patch_fields[] = {
	{ "title", XZ_FT_STRING, 0, 1, 128, NULL },
	{ "priority", XZ_FT_ENUM, 0, 0, 0, priorities },
	{ "starts_on", XZ_FT_DATE, 0, 0, 0, NULL },
	{ "ends_on", XZ_FT_DATE, 0, 0, 0, NULL },
	{ "headcount_needed", XZ_FT_INT, 0, 1, 1000, NULL },
	{ "skills_needed", XZ_FT_ANY, 0, 0, 0, NULL },
	{ "villages", XZ_FT_ANY, 0, 0, 0, NULL },
	{ "actual_started_on", XZ_FT_DATE, 0, 0, 0, NULL },
	{ "actual_ended_on", XZ_FT_DATE, 0, 0, 0, NULL },
};
static const struct xz_field	team_fields[] = {
	{ "name", XZ_FT_STRING, 1, 1, 64, NULL },
	{ "visits", XZ_FT_ANY, 0, 0, 0, NULL },
};
static const struct xz_field	team_patch_fields[] = {
	{ "name", XZ_FT_STRING, 0, 1, 64, NULL },
	{ "visits", XZ_FT_ANY, 0, 0, 0, NULL },
};
static const struct xz_field	deployment_fields[] = {
	{ "campaign_id", XZ_FT_UUID, 1, 0, 0, NULL },
	{ "staff_id", XZ_FT_UUID, 1, 0, 0, NULL },
	{ "from", XZ_FT_DATE, 1, 0, 0, NULL },
	{ "to", XZ_FT_DATE, 1, 0, 0, NULL },
	{ "share_percent", XZ_FT_INT, 0, 1, 100, NULL },
	{ "role", XZ_FT_ENUM, 0, 0, 0, team_roles },
	{ "team_id", XZ_FT_ANY, 0, 0, 0, NULL },
};
static const struct xz_field	deployment_patch_fields[] = {
	{ "share_percent", XZ_FT_INT, 0, 1, 100, NULL },
	{ "role", XZ_FT_ENUM, 0, 0, 0, team_roles },
	{ "team_id", XZ_FT_ANY, 0, 0, 0, NULL },
};
static const struct xz_field	redeploy_fields[] = {
	{ "campaign_id", XZ_FT_UUID, 1, 0, 0, NULL },
	{ "from", XZ_FT_DATE, 1, 0, 0, NULL },
	{ "to", XZ_FT_DATE, 1, 0, 0, NULL },
	{ "share_percent", XZ_FT_INT, 0, 1, 100, NULL },
	{ "role", XZ_FT_ENUM, 0, 0, 0, team_roles },
	{ "team_id", XZ_FT_ANY, 0, 0, 0, NULL },
	{ "reason", XZ_FT_STRING, 1, 1, 200, NULL },
};
static const struct xz_field	cancel_fields[] = {
	{ "reason", XZ_FT_STRING, 1, 1, 200, NULL },
};
static const struct xz_field	proposal_fields[] = {
	{ "from", XZ_FT_DATE, 0, 0, 0, NULL },
	{ "days", XZ_FT_INT, 0, 1, 366, NULL },
	{ "teams", XZ_FT_INT, 0, 1, 50, NULL },
	{ "headcount", XZ_FT_INT, 0, 1, 1000, NULL },
};

#define F(a)		a, nitems(a)
#define NOF		NULL, 0
#define TOWNSHIP	{ "township", PF_TOWNSHIP, 0, NULL }
#define RANGE		{ "from", PF_DATE, 1, NULL },			\
			    { "to", PF_DATE, 1, NULL }

static const struct pers_op	ops[] = {
	{ HTTP_METHOD_GET, "/api/v1/centers", PK_LIST, "center", NOF,
	    { TOWNSHIP }, &center_list, NULL, NULL, 1, 0, uuid_cursor },
	{ HTTP_METHOD_GET, "/api/v1/centers/{id}", PK_GET, "center", NOF,
	    { { NULL } }, &center_get, NULL, NULL, 1, 0, NULL },
	{ HTTP_METHOD_PATCH, "/api/v1/centers/{id}", PK_PATCH, "center",
	    F(center_fields), { { NULL } }, &center_patch, NULL, NULL, 0, 0,
	    NULL },
	{ HTTP_METHOD_GET, "/api/v1/origin-units", PK_LIST, "origin unit",
	    NOF, { TOWNSHIP }, &unit_list, NULL, NULL, 1, 0, uuid_cursor },
	{ HTTP_METHOD_POST, "/api/v1/origin-units", PK_CREATE, "origin unit",
	    F(unit_fields), { { NULL } }, &unit_create, NULL,
	    "/api/v1/origin-units/", 0, 0, NULL },
	{ HTTP_METHOD_GET, "/api/v1/origin-units/{id}", PK_GET, "origin unit",
	    NOF, { { NULL } }, &unit_get, NULL, NULL, 1, 0, NULL },
	{ HTTP_METHOD_PATCH, "/api/v1/origin-units/{id}", PK_PATCH,
	    "origin unit", F(unit_patch_fields), { { NULL } }, &unit_patch,
	    NULL, NULL, 0, 0, NULL },
	{ HTTP_METHOD_GET, "/api/v1/skill-tags", PK_LIST, "skill tag", NOF,
	    { TOWNSHIP }, &skill_list, NULL, NULL, 1, 0, skill_cursor },
	{ HTTP_METHOD_POST, "/api/v1/skill-tags", PK_CREATE, "skill tag",
	    F(skill_fields), { { NULL } }, &skill_create, NULL, NULL, 0, 0,
	    NULL },
	{ HTTP_METHOD_GET, "/api/v1/staff", PK_LIST, "staff member", NOF,
	    { TOWNSHIP, { "center", PF_UUID, 0, NULL },
	    { "status", PF_ENUM, 0, staff_statuses },
	    { "skill", PF_SKILL, 0, NULL } }, &staff_list, NULL, NULL, 1, 0,
	    uuid_cursor },
	{ HTTP_METHOD_POST, "/api/v1/staff", PK_CREATE, "staff member",
	    F(staff_fields), { { NULL } }, &staff_create, NULL,
	    "/api/v1/staff/", 0, 0, NULL },
	{ HTTP_METHOD_GET, "/api/v1/staff/{id}", PK_GET, "staff member", NOF,
	    { { NULL } }, &staff_get, NULL, NULL, 1, 0, NULL },
	{ HTTP_METHOD_PATCH, "/api/v1/staff/{id}", PK_PATCH, "staff member",
	    F(staff_patch_fields), { { NULL } }, &staff_patch, NULL, NULL, 0,
	    0, NULL },
	{ HTTP_METHOD_POST, "/api/v1/staff/{id}/transfer", PK_ACTION,
	    "staff member", F(transfer_fields), { { NULL } }, &staff_transfer,
	    NULL, "/api/v1/staff/", 0, 0, NULL },
	{ HTTP_METHOD_GET, "/api/v1/staff-transfers", PK_LIST, "transfer",
	    NOF, { TOWNSHIP, { "person", PF_UUID, 0, NULL } }, &transfer_list,
	    NULL, NULL, 1, 0, uuid_cursor },
	{ HTTP_METHOD_GET, "/api/v1/campaigns", PK_LIST, "campaign", NOF,
	    { TOWNSHIP, { "priority", PF_ENUM, 0, priorities } },
	    &campaign_list, NULL, NULL, 1, 0, uuid_cursor },
	{ HTTP_METHOD_POST, "/api/v1/campaigns", PK_CREATE, "campaign",
	    F(campaign_fields), { { NULL } }, &campaign_create, NULL,
	    "/api/v1/campaigns/", 0, 0, NULL },
	{ HTTP_METHOD_GET, "/api/v1/campaigns/{id}", PK_GET, "campaign", NOF,
	    { { NULL } }, &campaign_get, NULL, NULL, 1, 0, NULL },
	{ HTTP_METHOD_PATCH, "/api/v1/campaigns/{id}", PK_PATCH, "campaign",
	    F(campaign_patch_fields), { { NULL } }, &campaign_patch, NULL,
	    NULL, 0, 0, NULL },
	{ HTTP_METHOD_GET, "/api/v1/campaigns/{id}/teams", PK_LIST,
	    "campaign", NOF, { { NULL } }, &team_list, &campaign_check, NULL,
	    1, 0, uuid_cursor },
	{ HTTP_METHOD_POST, "/api/v1/campaigns/{id}/teams", PK_CREATE,
	    "campaign", F(team_fields), { { NULL } }, &team_create, NULL,
	    "/api/v1/campaign-teams/", 0, 0, NULL },
	{ HTTP_METHOD_GET, "/api/v1/campaigns/{id}/coverage", PK_REPORT,
	    "campaign", NOF, { { NULL } }, &coverage, NULL, NULL, 1, 0,
	    NULL },
	{ HTTP_METHOD_POST, "/api/v1/campaigns/{id}/team-proposal",
	    PK_ACTION, "campaign", F(proposal_fields), { { NULL } },
	    &proposal, NULL, NULL, 1, 0, NULL },
	{ HTTP_METHOD_GET, "/api/v1/campaign-teams/{id}", PK_GET, "team", NOF,
	    { { NULL } }, &team_get, NULL, NULL, 1, 0, NULL },
	{ HTTP_METHOD_PATCH, "/api/v1/campaign-teams/{id}", PK_PATCH, "team",
	    F(team_patch_fields), { { NULL } }, &team_patch, NULL, NULL, 0, 0,
	    NULL },
	{ HTTP_METHOD_GET, "/api/v1/deployments", PK_LIST, "deployment", NOF,
	    { { "campaign", PF_UUID, 0, NULL }, { "staff", PF_UUID, 0, NULL },
	    TOWNSHIP, { "status", PF_ENUM, 0, deployment_statuses } },
	    &deployment_list, NULL, NULL, 1, 0, uuid_cursor },
	{ HTTP_METHOD_POST, "/api/v1/deployments", PK_CREATE, "deployment",
	    F(deployment_fields), { { NULL } }, &deployment_create, NULL,
	    "/api/v1/deployments/", 0, 0, NULL },
	{ HTTP_METHOD_GET, "/api/v1/deployments/{id}", PK_GET, "deployment",
	    NOF, { { NULL } }, &deployment_get, NULL, NULL, 1, 0, NULL },
	{ HTTP_METHOD_PATCH, "/api/v1/deployments/{id}", PK_PATCH,
	    "deployment", F(deployment_patch_fields), { { NULL } },
	    &deployment_patch, NULL, NULL, 0, 0, NULL },
	{ HTTP_METHOD_POST, "/api/v1/deployments/{id}/cancel", PK_ACTION,
	    "deployment", F(cancel_fields), { { NULL } }, &deployment_cancel,
	    NULL, NULL, 0, 0, NULL },
	{ HTTP_METHOD_POST, "/api/v1/deployments/{id}/redeploy", PK_ACTION,
	    "deployment", F(redeploy_fields), { { NULL } }, &redeploy, NULL,
	    "/api/v1/deployments/", 0, 0, NULL },
	{ HTTP_METHOD_GET, "/api/v1/reports/personnel", PK_REPORT,
	    "township", NOF, { TOWNSHIP, RANGE }, &report, NULL, NULL, 1,
	    REPORT_DAYS, NULL },
	{ HTTP_METHOD_GET, "/api/v1/reports/personnel/staff", PK_REPORT,
	    "township", NOF, { TOWNSHIP, RANGE }, &staff_report, NULL, NULL,
	    1, PERIOD_DAYS, NULL },
};

/*
 * Registers the statements; a route of the permission table that names
 * these handlers without a row in ops[] stops the worker here, not at
 * its first request.
 */
void
xz_personnel_register(void)
{
	size_t		i;

	for (i = 0; i < nitems(stmts); i++)
		xz_db_register(stmts[i]);
	xz_ops_check(xz_pers_start, ops, nitems(ops), sizeof(ops[0]),
	    "personnel");
}

/* ---------------------------------------------------------------- handlers */

int
xz_pers_start(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const struct pers_op	*op;
	char			vals[FILTERS_MAX][XZ_FILTER_MAX];
	const char		*fv[FILTERS_MAX], *id, *p[6];
	char			limit[24], ver[24], *body;
	int			r, n, i;

	if ((op = op_find(ctx)) == NULL)
		return (xz_problem(ctx, 500, "internal_error",
		    "the route has no handler", NULL));
	id = NULL;
	if (strstr(op->path, "{id}") != NULL &&
	    (id = xz_path_uuid(ctx, 0, "id", &errs)) == NULL)
		return (xz_bad(ctx, &errs));
	if (op->kind == PK_PATCH &&
	    (r = xz_require_if_match(ctx)) != XZ_NEXT)
		return (r);
	memset(vals, 0, sizeof(vals));
	if (op->kind == PK_LIST || op->kind == PK_REPORT) {
		if (filters_parse(ctx, op, vals, fv, &errs) != 0)
			return (xz_bad(ctx, &errs));
	}
	body = NULL;
	if (op->fields != NULL) {
		(void)xz_validate(ctx->body, op->fields, op->nfields, &errs);
		if (op->kind == PK_PATCH && json_object_size(ctx->body) == 0)
			xz_errors_add(&errs, 0, "", "empty",
			    "nothing to change");
		if (errs.count > 0)
			return (xz_bad(ctx, &errs));
		body = body_text(ctx);
	}
	n = 0;
	switch (op->kind) {
	case PK_GET:
		p[n++] = id;
		break;
	case PK_LIST:
		if (ctx->cursor[0] == '\0' && op->cursor_ok == uuid_cursor)
			kore_strlcpy(ctx->cursor, NIL_UUID,
			    sizeof(ctx->cursor));
		(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
		p[n++] = ctx->cursor;
		p[n++] = limit;
		if (id != NULL)
			p[n++] = id;
		for (i = 0; i < FILTERS_MAX && op->filters[i].name; i++)
			p[n++] = fv[i];
		break;
	case PK_REPORT:
		if (id != NULL)
			p[n++] = id;
		for (i = 0; i < FILTERS_MAX && op->filters[i].name; i++)
			p[n++] = fv[i];
		break;
	case PK_CREATE:
		if (id != NULL)
			p[n++] = id;
		p[n++] = body;
		break;
	case PK_PATCH:
		(void)snprintf(ver, sizeof(ver), "%lld", ctx->if_match);
		p[n++] = id;
		p[n++] = ver;
		p[n++] = body;
		break;
	case PK_ACTION:
		p[n++] = id;
		p[n++] = body;
		break;
	}
	while (n < 6)
		p[n++] = NULL;
	xz_ctx_tx(ctx, op->readonly);
	if (op->check != NULL)
		ctx->q_check = xz_tx_add(ctx->tx, op->check, id);
	ctx->q_main = xz_tx_add(ctx->tx, op->stmt, p[0], p[1], p[2], p[3],
	    p[4], p[5]);
	free(body);
	return (xz_ctx_run(ctx));
}

int
xz_pers_done(struct xz_ctx *ctx)
{
	const struct pers_op	*op;
	PGresult		*res;
	char			loc[96], detail[64];
	int			status;

	op = op_find(ctx);
	if (op->kind == PK_LIST)
		return (xz_reply_list(ctx, op->check != NULL ? op->what :
		    NULL));
	if (op->kind == PK_GET)
		return (xz_reply_one(ctx, op->what));
	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		(void)snprintf(detail, sizeof(detail), "no such %s", op->what);
		return (xz_problem(ctx, 404, "not_found", detail, NULL));
	}
	status = 200;
	if (PQnfields(res) >= 2 && !PQgetisnull(res, 0, 1))
		xz_set_etag(ctx, PQgetvalue(res, 0, 1));
	if (op->kind == PK_CREATE || (op->location != NULL &&
	    op->kind == PK_ACTION))
		status = 201;
	if (op->location != NULL && PQnfields(res) >= 3) {
		(void)snprintf(loc, sizeof(loc), "%s%s", op->location,
		    PQgetvalue(res, 0, 2));
		http_response_header(ctx->req, "location", loc);
	}
	return (xz_reply_raw(ctx, status, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

/* ----------------------------------------------------------------- helpers */

static const struct pers_op *
op_find(struct xz_ctx *ctx)
{
	return (xz_op_lookup(ctx, ops, nitems(ops), sizeof(ops[0])));
}

/* The body as compact JSON text; the caller frees it. */
static char *
body_text(struct xz_ctx *ctx)
{
	char		*s;

	if (ctx->body == NULL ||
	    (s = json_dumps(ctx->body, JSON_COMPACT)) == NULL)
		fatal("personnel: cannot encode a validated body");
	return (s);
}

static int
uuid_cursor(const char *s)
{
	return (xz_uuid_valid(s));
}

/* township code ':' skill code */
static int
skill_cursor(const char *s)
{
	size_t		i;

	if (strlen(s) < 11 || s[9] != ':')
		return (0);
	for (i = 0; i < 9; i++)
		if (s[i] < '0' || s[i] > '9')
			return (0);
	for (i = 10; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return (0);
	return (i - 10 <= SKILL_MAX);
}

static int
no_cursor(const char *s)
{
	(void)s;
	return (0);
}

/*
 * The query filters of op into vals/fv (fv[i] NULL when absent), each
 * checked by its type; from and to also as a range of at most op->span
 * days.
 */
static int
filters_parse(struct xz_ctx *ctx, const struct pers_op *op,
    char (*vals)[XZ_FILTER_MAX], const char **fv, struct xz_errors *errs)
{
	const char		*names[FILTERS_MAX + 1];
	const struct pers_filter	*f;
	long long		from, to;
	int			i, k, y, m, d;

	for (i = 0; i < FILTERS_MAX && op->filters[i].name != NULL; i++)
		names[i] = op->filters[i].name;
	names[i] = NULL;
	(void)xz_paging_parse_filters(ctx, op->cursor_ok != NULL ?
	    op->cursor_ok : no_cursor, names, vals, errs);
	from = to = -1;
	for (i = 0; names[i] != NULL; i++) {
		f = &op->filters[i];
		fv[i] = vals[i][0] != '\0' ? vals[i] : NULL;
		if (fv[i] == NULL) {
			if (f->required)
				xz_errors_add(errs, 1, f->name, "required",
				    "%s is required", f->name);
			continue;
		}
		switch (f->type) {
		case PF_TOWNSHIP:
			if (!xz_code_valid(fv[i], XZ_LEVEL_TOWNSHIP))
				xz_errors_add(errs, 1, f->name, "format",
				    "%s must be exactly %d digits", f->name,
				    XZ_LEVEL_TOWNSHIP);
			break;
		case PF_UUID:
			if (!xz_uuid_valid(fv[i]))
				xz_errors_add(errs, 1, f->name, "format",
				    "%s must be a lower-case UUID", f->name);
			break;
		case PF_DATE:
			if (!xz_date_valid(fv[i])) {
				xz_errors_add(errs, 1, f->name, "format",
				    "%s must be a date YYYY-MM-DD", f->name);
				break;
			}
			(void)sscanf(fv[i], "%d-%d-%d", &y, &m, &d);
			if (strcmp(f->name, "from") == 0)
				from = xz_days_from_civil(y, m, d);
			else
				to = xz_days_from_civil(y, m, d);
			break;
		case PF_ENUM:
			for (k = 0; f->choices[k] != NULL; k++)
				if (strcmp(f->choices[k], fv[i]) == 0)
					break;
			if (f->choices[k] == NULL)
				xz_errors_add(errs, 1, f->name, "enum",
				    "%s is not one of the allowed values",
				    f->name);
			break;
		case PF_SKILL:
			if (strlen(fv[i]) > SKILL_MAX)
				xz_errors_add(errs, 1, f->name, "format",
				    "%s is at most %d characters", f->name,
				    SKILL_MAX);
			break;
		}
	}
	if (from >= 0 && to >= 0 && (to < from || to - from >= op->span))
		xz_errors_add(errs, 1, "to", "range", "to must be on or after "
		    "from, within %d days of it", op->span);
	return (errs->count > 0 ? -1 : 0);
}
