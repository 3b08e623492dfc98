/*
 * Cooperatives and their members (issue 6).  The shape of org.c: validate
 * path, query and body -> queue statements on ctx->tx -> answer in the
 * finisher.  Tenancy is the row policies' job (migration 0003, decisions
 * 3-6): a foreign cooperative or member is simply not there (404).
 *
 * Checks that need other rows (the township and villages exist, a member
 * joins on or after the founding date, one chair, one membership per
 * person) run inside the writing statement itself: its CTE computes them,
 * inserts only when they hold and returns them, so one round trip answers
 * either the new row or the field at fault.  The unique indexes stay the
 * last word under concurrent requests (23505: 409).
 *
 * Resident ID numbers: checked (GB 11643), then only their HMAC-SHA256
 * under xz_config.resident_id_key (bytea, for matching) and the masked
 * form are sent to the database.  The number itself is never stored,
 * answered, logged or quoted in an error (not even masked).  The masked
 * form is shown to county and township users only: member_identities'
 * row policy hides it from village users, for whom resident_id_masked is
 * null.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/coops.h"
#include "xiangzhi/idcodes.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define VILLAGES_MAX	200
/* "{" + VILLAGES_MAX codes of 12 digits, comma separated + "}" */
#define VILLAGES_BUFSZ	(VILLAGES_MAX * (XZ_LEVEL_VILLAGE + 1) + 2)
/* A bytea literal: "\x", 32 bytes in hex, NUL. */
#define HMAC_HEXSZ	(2 + 64 + 1)
#define NIL_UUID	"00000000-0000-0000-0000-000000000000"

/*
 * A cooperative (alias c) as JSON; villages and members are the
 * expressions of its served villages (a char(12)[]) and current members.
 */
#define COOP_OBJ(villages, members)					\
	"json_build_object('id', c.id, 'county_code', c.county_code,"	\
	" 'township_code', c.township_code, 'kind', c.kind,"		\
	" 'name', c.name, 'uscc', c.uscc,"				\
	" 'legal_representative', c.legal_representative,"		\
	" 'founded_on', c.founded_on,"					\
	" 'registered_capital_fen', c.registered_capital_fen,"		\
	" 'status', c.status, 'status_since', c.status_since,"		\
	" 'status_reason', c.status_reason,"				\
	" 'villages', coalesce(" villages ", '{}'),"			\
	" 'member_count', " members ","					\
	" 'version', c.version, 'created_at', c.created_at,"		\
	" 'updated_at', c.updated_at)::text"

/* What row security shows of them (village users: their own village). */
#define COOP_VILLAGES							\
	"(select array_agg(cv.village_code order by cv.village_code)"	\
	" from cooperative_villages cv where cv.cooperative_id = c.id)"
#define COOP_MEMBERS							\
	"(select count(*) from members cm"				\
	" where cm.cooperative_id = c.id and cm.left_on is null)"

#define COOP_JSON	COOP_OBJ(COOP_VILLAGES, COOP_MEMBERS)

/*
 * A member (alias m) as JSON; masked is its masked resident ID (null for
 * village users), skills a json array.
 */
#define MEMBER_OBJ(masked, skills)					\
	"json_build_object('id', m.id,"					\
	" 'cooperative_id', m.cooperative_id,"				\
	" 'county_code', m.county_code,"				\
	" 'township_code', m.township_code,"				\
	" 'kind', m.kind, 'name', m.name,"				\
	" 'village_code', m.village_code,"				\
	" 'joined_on', m.joined_on, 'left_on', m.left_on,"		\
	" 'role', m.role,"						\
	" 'contribution', json_strip_nulls(json_build_object("		\
	" 'kind', m.contribution_kind, 'fen', m.contribution_fen,"	\
	" 'mu_x100', m.contribution_mu_x100,"				\
	" 'labour_days', m.contribution_labour_days)),"			\
	" 'resident_id_masked', " masked ","				\
	" 'skills', " skills ","					\
	" 'version', m.version, 'created_at', m.created_at,"		\
	" 'updated_at', m.updated_at)"

#define MEMBER_SKILLS							\
	"coalesce((select json_agg(json_build_object("			\
	" 'skill', s.skill,"						\
	" 'days_available_per_month', s.days_available_per_month)"	\
	" order by s.skill) from member_skills s"			\
	" where s.member_id = m.id), '[]'::json)"

#define MEMBER_JSON							\
	MEMBER_OBJ("i.resident_id_masked", MEMBER_SKILLS) "::text"
#define MEMBER_FROM							\
	" from members m left join member_identities i"			\
	" on i.member_id = m.id"

/* The contribution columns from a kind ($k) and one amount ($a). */
#define CONTRIBUTION(k, a)						\
	"case when " k " = 'money' then " a "::bigint end,"		\
	" case when " k " = 'land' then (" a "::bigint)::integer end,"	\
	" case when " k " = 'labour' then (" a "::bigint)::integer end"

/*
 * A list's optional filters ("$3 is null or ...") are planned with their
 * values: a generic plan cannot drop the unused ones and, at 30,000
 * cooperatives in a county, sorted every row of it for each page (40 ms
 * against 1.5 ms with a custom plan, planning included).
 */
static struct xz_stmt	custom_plan = { "coops_custom_plan",
	"select set_config('plan_cache_mode', 'force_custom_plan', true)",
	0, -1 };

/*
 * Lists: $1 cursor, $2 limit, $3 kind, $4 status, $5 village, $6 township
 * (NULL: any), and the name condition on $7.
 */
#define COOP_LIST(name)							\
	"select " COOP_JSON ", c.id::text from cooperatives c"		\
	" where c.id > $1::uuid"					\
	" and ($3::text is null or c.kind = $3)"			\
	" and ($4::text is null or c.status = $4)"			\
	" and ($5::bpchar is null or c.id in (select cv.cooperative_id"	\
	" from cooperative_villages cv"					\
	" where cv.village_code = $5::bpchar))"				\
	" and ($6::bpchar is null or c.township_code = $6::bpchar)"	\
	" and " name " order by c.id limit $2"

/* No name, or 1-2 characters: a filter over the caller's rows. */
static struct xz_stmt	coop_list = { "coop_list",
	COOP_LIST("($7::text is null or"
	" c.name ilike xz.like_contains($7::text))"),
	7, -1 };

/*
 * 3 or more characters: the trigram index finds the ids (a condition of
 * its own, not "$7 is null or ...", so that they drive the plan).
 */
static struct xz_stmt	coop_list_named = { "coop_list_named",
	COOP_LIST("c.id in (select f.id"
	" from xz.cooperatives_named($7::text) as f(id))"),
	7, -1 };

static struct xz_stmt	coop_get = { "coop_get",
	"select " COOP_JSON ", c.version from cooperatives c"
	" where c.id = $1::uuid",
	1, -1 };

/*
 * Its version, and whether the villages $2 (NULL: none given) are all
 * villages of its township.
 */
static struct xz_stmt	coop_check = { "coop_check",
	"select c.version, $2::bpchar[] is null or (select count(*)"
	" from villages v where v.township_code = c.township_code and"
	" v.code = any ($2::bpchar[])) = cardinality($2::bpchar[])"
	" from cooperatives c where c.id = $1::uuid",
	2, -1 };

/*
 * The cooperative and the villages it serves in one statement, only when
 * the township ($1) and every village ($9) exist: columns json, version,
 * id (NULL when nothing was inserted), township_ok, villages_ok.  It is
 * active since its founding date.
 */
static struct xz_stmt	coop_insert = { "coop_insert",
	"with chk as (select exists (select 1 from townships t"
	" where t.code = $1::bpchar) as township_ok,"
	" (select count(*) from villages v where v.township_code = $1::bpchar"
	" and v.code = any ($9::bpchar[])) = cardinality($9::bpchar[])"
	" as villages_ok),"
	" c as (insert into cooperatives (county_code, township_code, kind,"
	" name, uscc, legal_representative, founded_on,"
	" registered_capital_fen, status_since)"
	" select $2::bpchar, $1::bpchar, $3::text, $4::text, $5::bpchar,"
	" $6::text, $7::date, coalesce($8::bigint, 0), $7::date from chk"
	" where chk.township_ok and chk.villages_ok returning *),"
	" cv as (insert into cooperative_villages (cooperative_id,"
	" county_code, township_code, village_code)"
	" select c.id, c.county_code, c.township_code, x"
	" from c, unnest($9::bpchar[]) as x returning village_code)"
	" select " COOP_OBJ("(select array_agg(cv.village_code"
	" order by cv.village_code) from cv)", "0") ","
	" c.version, c.id, chk.township_ok, chk.villages_ok"
	" from chk left join c on true",
	9, -1 };

/*
 * Changes what is given (NULL: unchanged); villages ($9) replace the set
 * when given, and only when all are villages of the cooperative's
 * township.  Setting status active without a reason clears the reason.
 */
static struct xz_stmt	coop_update = { "coop_update",
	"with u as (update cooperatives c set"
	" name = coalesce($2::text, c.name),"
	" legal_representative = coalesce($3::text, c.legal_representative),"
	" registered_capital_fen = coalesce($4::bigint,"
	" c.registered_capital_fen),"
	" status = coalesce($5::text, c.status),"
	" status_reason = case when $6::text is not null then $6::text"
	" when $5::text = 'active' then null else c.status_reason end,"
	" status_since = coalesce($7::date, c.status_since)"
	" where c.id = $1::uuid and c.version = $8::integer and"
	" ($9::bpchar[] is null or (select count(*) from villages v"
	" where v.township_code = c.township_code and"
	" v.code = any ($9::bpchar[])) = cardinality($9::bpchar[]))"
	" returning c.*),"
	" d as (delete from cooperative_villages cv using u"
	" where cv.cooperative_id = u.id and $9::bpchar[] is not null and"
	" cv.village_code <> all ($9::bpchar[]) returning cv.village_code),"
	" a as (insert into cooperative_villages (cooperative_id,"
	" county_code, township_code, village_code)"
	" select u.id, u.county_code, u.township_code, x"
	" from u, unnest($9::bpchar[]) as x where not exists (select 1"
	" from cooperative_villages cv where cv.cooperative_id = u.id and"
	" cv.village_code = x) returning village_code)"
	" select " COOP_OBJ("case when $9::bpchar[] is null then "
	COOP_VILLAGES " else (select array_agg(x order by x)"
	" from unnest($9::bpchar[]) as x) end", COOP_MEMBERS) ", c.version"
	" from u as c",
	9, -1 };

static struct xz_stmt	member_list = { "member_list",
	"select " MEMBER_JSON ", m.id::text" MEMBER_FROM
	" where m.cooperative_id = $1::uuid and"
	" ($2::boolean is null or (m.left_on is null) = $2::boolean)"
	" and m.id > $3::uuid order by m.id limit $4",
	4, -1 };

/*
 * The member and its identity in one statement, only when the rules that
 * need other rows hold; they come back as columns: json, version, id
 * (NULL when nothing was inserted), village_ok, joined_ok, open
 * (not dissolved), chair_ok, existing (the member id this person already
 * has in the cooperative).  No row: no such cooperative.
 */
static struct xz_stmt	member_insert = { "member_insert",
	"with c as (select c.id, c.county_code, c.township_code,"
	" exists (select 1 from villages v where v.code = $4::bpchar and"
	" v.township_code = c.township_code) as village_ok,"
	" $5::date >= c.founded_on as joined_ok,"
	" c.status <> 'dissolved' as open,"
	" ($7::text <> 'chair' or not exists (select 1 from members o"
	" where o.cooperative_id = c.id and o.role = 'chair' and"
	" o.left_on is null)) as chair_ok,"
	" (select r.member_id from xz.members_by_resident_id($10::bytea) r"
	" where r.cooperative_id = c.id limit 1) as existing"
	" from cooperatives c where c.id = $1::uuid),"
	" m as (insert into members (cooperative_id, county_code,"
	" township_code, kind, name, village_code, joined_on, left_on, role,"
	" contribution_kind, contribution_fen, contribution_mu_x100,"
	" contribution_labour_days)"
	" select c.id, c.county_code, c.township_code, $2::text, $3::text,"
	" $4::bpchar, $5::date, $6::date, $7::text, $8::text, "
	CONTRIBUTION("$8::text", "$9") " from c"
	" where c.village_ok and c.joined_ok and c.open and c.chair_ok and"
	" c.existing is null returning *),"
	" i as (insert into member_identities (member_id, cooperative_id,"
	" county_code, township_code, resident_id_hmac, resident_id_masked)"
	" select m.id, m.cooperative_id, m.county_code, m.township_code,"
	" $10::bytea, $11::text from m returning resident_id_masked)"
	" select " MEMBER_OBJ("i.resident_id_masked", "'[]'::json") "::text,"
	" m.version, m.id, c.village_ok, c.joined_ok, c.open, c.chair_ok,"
	" c.existing from c left join m on true left join i on true",
	11, -1 };

static struct xz_stmt	member_search = { "member_search",
	"select json_build_object('items', coalesce(json_agg("
	MEMBER_OBJ("i.resident_id_masked", MEMBER_SKILLS) " order by m.id),"
	" '[]'::json))::text" MEMBER_FROM
	" where m.id in (select r.member_id"
	" from xz.members_by_resident_id($1::bytea) r)",
	1, -1 };

static struct xz_stmt	member_get = { "member_get",
	"select " MEMBER_JSON ", m.version" MEMBER_FROM
	" where m.id = $1::uuid",
	1, -1 };

/*
 * $4 says whether left_on is set (to $5, NULL: rejoined); $6/$7 replace
 * the contribution when given.  A left_on before joined_on updates
 * nothing (member_check tells).
 */
static struct xz_stmt	member_update = { "member_update",
	"with u as (update members m set name = coalesce($2::text, m.name),"
	" role = coalesce($3::text, m.role),"
	" left_on = case when $4::boolean then $5::date else m.left_on end,"
	" contribution_kind = coalesce($6::text, m.contribution_kind),"
	" contribution_fen = case when $6::text is null"
	" then m.contribution_fen when $6::text = 'money'"
	" then $7::bigint end,"
	" contribution_mu_x100 = case when $6::text is null"
	" then m.contribution_mu_x100 when $6::text = 'land'"
	" then ($7::bigint)::integer end,"
	" contribution_labour_days = case when $6::text is null"
	" then m.contribution_labour_days when $6::text = 'labour'"
	" then ($7::bigint)::integer end"
	" where m.id = $1::uuid and m.version = $8::integer and"
	" (not $4::boolean or $5::date is null or $5::date >= m.joined_on)"
	" returning m.*)"
	" select " MEMBER_JSON ", m.version from u as m"
	" left join member_identities i on i.member_id = m.id",
	8, -1 };

static struct xz_stmt	member_check = { "member_check",
	"select version, joined_on::text from members where id = $1::uuid",
	1, -1 };

static const char *const	coop_kinds[] = { "labor", "machinery",
	"farmland", "housing", NULL };
static const char *const	coop_statuses[] = { "active", "suspended",
	"dissolved", NULL };
static const char *const	member_kinds[] = { "person", "household",
	NULL };
static const char *const	member_roles[] = { "chair", "board",
	"supervisor", "member", NULL };

static const struct xz_field	coop_fields[] = {
	{ "township", XZ_FT_CODE, 0, 0, XZ_LEVEL_TOWNSHIP, NULL },
	{ "kind", XZ_FT_ENUM, 1, 0, 0, coop_kinds },
	{ "name", XZ_FT_STRING, 1, 1, 64, NULL },
	{ "uscc", XZ_FT_ANY, 1, 0, 0, NULL },
	{ "legal_representative", XZ_FT_STRING, 1, 1, 64, NULL },
	{ "founded_on", XZ_FT_DATE, 1, 0, 0, NULL },
	{ "registered_capital_fen", XZ_FT_INT, 0, 0, 1000000000000000LL,
	    NULL },
	{ "villages", XZ_FT_ANY, 1, 0, 0, NULL },
};

static const struct xz_field	coop_patch_fields[] = {
	{ "name", XZ_FT_STRING, 0, 1, 64, NULL },
	{ "legal_representative", XZ_FT_STRING, 0, 1, 64, NULL },
	{ "registered_capital_fen", XZ_FT_INT, 0, 0, 1000000000000000LL,
	    NULL },
	{ "status", XZ_FT_ENUM, 0, 0, 0, coop_statuses },
	{ "status_reason", XZ_FT_STRING, 0, 1, 200, NULL },
	{ "status_since", XZ_FT_DATE, 0, 0, 0, NULL },
	{ "villages", XZ_FT_ANY, 0, 0, 0, NULL },
};

static const struct xz_field	member_fields[] = {
	{ "kind", XZ_FT_ENUM, 1, 0, 0, member_kinds },
	{ "name", XZ_FT_STRING, 1, 1, 64, NULL },
	{ "village", XZ_FT_CODE, 1, 0, XZ_LEVEL_VILLAGE, NULL },
	{ "joined_on", XZ_FT_DATE, 1, 0, 0, NULL },
	{ "left_on", XZ_FT_ANY, 0, 0, 0, NULL },
	{ "role", XZ_FT_ENUM, 0, 0, 0, member_roles },
	{ "contribution", XZ_FT_ANY, 1, 0, 0, NULL },
	{ "resident_id", XZ_FT_ANY, 1, 0, 0, NULL },
};

static const struct xz_field	member_patch_fields[] = {
	{ "name", XZ_FT_STRING, 0, 1, 64, NULL },
	{ "role", XZ_FT_ENUM, 0, 0, 0, member_roles },
	{ "left_on", XZ_FT_ANY, 0, 0, 0, NULL },
	{ "contribution", XZ_FT_ANY, 0, 0, 0, NULL },
};

static const struct xz_field	search_fields[] = {
	{ "resident_id", XZ_FT_ANY, 1, 0, 0, NULL },
};

/* Contribution kinds, the member holding the amount, and its range. */
static const struct {
	const char	*kind;
	const char	*member;
	long long	max;
} contributions[] = {
	{ "money", "fen", 10000000000000LL },
	{ "land", "mu_x100", 100000000LL },
	{ "labour", "labour_days", 10000LL },
};

static const char *const	list_filters[] = { "kind", "status", "village",
	"township", "q", NULL };
static const char *const	member_filters[] = { "active", NULL };

static int	body_date_check(struct xz_ctx *, const char *,
		    struct xz_errors *);
static int	villages_parse(json_t *, const char *, char *, size_t,
		    struct xz_errors *);
static int	contribution_parse(json_t *, const char **, char *, size_t,
		    struct xz_errors *);
static void	pointer_member(const char *, const char *, char *, size_t);
static int	left_on_parse(json_t *, const char **, struct xz_errors *);
static int	resident_id_hmac(const char *, char *, char *,
		    struct xz_errors *);
static int	is_true(PGresult *, int, int);

void
xz_coops_register(void)
{
	xz_db_register(&custom_plan);
	xz_db_register(&coop_list);
	xz_db_register(&coop_list_named);
	xz_db_register(&coop_get);
	xz_db_register(&coop_check);
	xz_db_register(&coop_insert);
	xz_db_register(&coop_update);
	xz_db_register(&member_list);
	xz_db_register(&member_insert);
	xz_db_register(&member_search);
	xz_db_register(&member_get);
	xz_db_register(&member_update);
	xz_db_register(&member_check);
}

/*
 * GET /api/v1/cooperatives ?kind &status &village &township &q: q of 3 or
 * more characters goes through the trigram index (xz.cooperatives_named),
 * 1 or 2 through a plain ILIKE over the caller's rows (decision 13).
 */
int
xz_coops_list(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			vals[nitems(list_filters) - 1]
				    [XZ_FILTER_MAX];
	const char		*kind, *status, *village, *township;
	const char		*q3, *q12;
	char			limit[24];
	long			chars;
	size_t			i;

	memset(vals, 0, sizeof(vals));
	/* On errors, go on: every bad filter is named at once. */
	(void)xz_paging_parse_filters(ctx, xz_uuid_valid, list_filters,
	    vals, &errs);
	kind = vals[0][0] != '\0' ? vals[0] : NULL;
	status = vals[1][0] != '\0' ? vals[1] : NULL;
	village = vals[2][0] != '\0' ? vals[2] : NULL;
	township = vals[3][0] != '\0' ? vals[3] : NULL;
	q3 = q12 = NULL;
	if (kind != NULL) {
		for (i = 0; coop_kinds[i] != NULL; i++)
			if (strcmp(coop_kinds[i], kind) == 0)
				break;
		if (coop_kinds[i] == NULL)
			xz_errors_add(&errs, 1, "kind", "enum", "kind is one "
			    "of labor, machinery, farmland, housing");
	}
	if (status != NULL) {
		for (i = 0; coop_statuses[i] != NULL; i++)
			if (strcmp(coop_statuses[i], status) == 0)
				break;
		if (coop_statuses[i] == NULL)
			xz_errors_add(&errs, 1, "status", "enum", "status is "
			    "one of active, suspended, dissolved");
	}
	if (village != NULL && !xz_code_valid(village, XZ_LEVEL_VILLAGE))
		xz_errors_add(&errs, 1, "village", "format",
		    "village must be exactly %d digits", XZ_LEVEL_VILLAGE);
	if (township != NULL && !xz_code_valid(township, XZ_LEVEL_TOWNSHIP))
		xz_errors_add(&errs, 1, "township", "format",
		    "township must be exactly %d digits", XZ_LEVEL_TOWNSHIP);
	if (vals[4][0] != '\0') {
		chars = xz_utf8_len(vals[4], strlen(vals[4]));
		if (chars < 1 || chars > 32)
			xz_errors_add(&errs, 1, "q", "format",
			    "q must be 1 to 32 characters of valid UTF-8");
		else if (chars >= 3)
			q3 = vals[4];
		else
			q12 = vals[4];
	}
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	if (ctx->cursor[0] == '\0')
		kore_strlcpy(ctx->cursor, NIL_UUID, sizeof(ctx->cursor));
	(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
	(void)xz_tx_add(xz_ctx_tx(ctx, 1), &custom_plan);
	ctx->q_main = xz_tx_add(ctx->tx, q3 != NULL ?
	    &coop_list_named : &coop_list, ctx->cursor, limit, kind, status,
	    village, township, q3 != NULL ? q3 : q12);
	return (xz_ctx_run(ctx));
}

int
xz_coops_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, NULL));
}

/*
 * POST /api/v1/cooperatives.  County users name the township; a township
 * user's is its own (a different one is 400).
 */
int
xz_coops_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*township, *uscc, *problem;
	char			villages[VILLAGES_BUFSZ], cap[24];
	json_t			*v;

	(void)xz_validate(ctx->body, coop_fields, nitems(coop_fields), &errs);
	township = xz_body_str(ctx, "township");
	if (ctx->claims.role == XZ_ROLE_TOWNSHIP) {
		if (township != NULL && strcmp(township,
		    ctx->claims.township) != 0)
			xz_errors_add(&errs, 0, "/township", "mismatch",
			    "township users create cooperatives of their own "
			    "township %s", ctx->claims.township);
		township = ctx->claims.township;
	} else if (township == NULL) {
		if (json_object_get(ctx->body, "township") == NULL)
			xz_errors_add(&errs, 0, "/township", "required",
			    "township is required");
	} else if (!xz_code_child_of(township, XZ_LEVEL_TOWNSHIP,
	    ctx->claims.county)) {
		xz_errors_add(&errs, 0, "/township", "prefix_mismatch",
		    "township must be a township of your county %s",
		    ctx->claims.county);
		township = NULL;
	}
	if ((v = json_object_get(ctx->body, "uscc")) != NULL) {
		if ((uscc = json_string_value(v)) == NULL)
			xz_errors_add(&errs, 0, "/uscc", "type",
			    "uscc must be a string");
		else if ((problem = xz_uscc_problem(uscc)) != NULL)
			xz_errors_add(&errs, 0, "/uscc", problem,
			    "uscc is not a valid unified social credit code "
			    "(%s): 18 characters, upper case, GB 32100 check "
			    "character", problem);
	}
	(void)body_date_check(ctx, "founded_on", &errs);
	villages[0] = '\0';
	if ((v = json_object_get(ctx->body, "villages")) != NULL)
		(void)villages_parse(v, township, villages, sizeof(villages),
		    &errs);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &coop_insert, township,
	    ctx->claims.county, xz_body_str(ctx, "kind"),
	    xz_body_str(ctx, "name"), xz_body_str(ctx, "uscc"),
	    xz_body_str(ctx, "legal_representative"),
	    xz_body_str(ctx, "founded_on"),
	    xz_body_int(ctx, "registered_capital_fen", cap, sizeof(cap)),
	    villages);
	return (xz_ctx_run(ctx));
}

int
xz_coops_create_done(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	PGresult		*res;
	char			loc[96];

	if (ctx->tx->status == XZ_TX_SQL_ERROR &&
	    strcmp(ctx->tx->sqlstate, "23505") == 0)
		return (xz_problem(ctx, 409, "uscc_taken",
		    "another cooperative has this unified social credit code",
		    NULL));
	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) != 1)
		return (xz_problem(ctx, 500, "internal_error",
		    "the cooperative could not be created", NULL));
	if (!is_true(res, 0, 3)) {
		xz_errors_add(&errs, 0, "/township", "not_found",
		    "no such township");
		return (xz_bad(ctx, &errs));
	}
	if (!is_true(res, 0, 4) || PQgetisnull(res, 0, 2)) {
		xz_errors_add(&errs, 0, "/villages", "not_found",
		    "every village must be a village of the township");
		return (xz_bad(ctx, &errs));
	}
	(void)snprintf(loc, sizeof(loc), "/api/v1/cooperatives/%s",
	    PQgetvalue(res, 0, 2));
	http_response_header(ctx->req, "location", loc);
	xz_set_etag(ctx, PQgetvalue(res, 0, 1));
	return (xz_reply_raw(ctx, 201, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

int
xz_coop_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &coop_get));
}

int
xz_coop_get_done(struct xz_ctx *ctx)
{
	return (xz_reply_one(ctx, "cooperative"));
}

/*
 * PATCH /api/v1/cooperatives/{id}: a status other than active needs its
 * reason in the same body; dissolved is final (the trigger: 55000, 409).
 */
int
xz_coop_patch(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id, *status, *vp;
	char			ver[24], cap[24], villages[VILLAGES_BUFSZ];
	char			prefix[XZ_LEVEL_TOWNSHIP + 1];
	json_t			*v;
	int			r;

	id = xz_path_uuid(ctx, 0, "id", &errs);
	if ((r = xz_require_if_match(ctx)) != XZ_NEXT)
		return (r);
	(void)xz_validate(ctx->body, coop_patch_fields,
	    nitems(coop_patch_fields), &errs);
	if (json_object_size(ctx->body) == 0)
		xz_errors_add(&errs, 0, "", "empty", "nothing to change");
	status = xz_body_str(ctx, "status");
	if (status != NULL && strcmp(status, "active") != 0 &&
	    json_object_get(ctx->body, "status_reason") == NULL)
		xz_errors_add(&errs, 0, "/status_reason", "required",
		    "a cooperative that is not active needs a status_reason");
	(void)body_date_check(ctx, "status_since", &errs);
	vp = NULL;
	if ((v = json_object_get(ctx->body, "villages")) != NULL) {
		/* The township is the row's: SQL checks it, C the county. */
		kore_strlcpy(prefix, ctx->claims.role == XZ_ROLE_TOWNSHIP ?
		    ctx->claims.township : ctx->claims.county, sizeof(prefix));
		if (villages_parse(v, prefix, villages, sizeof(villages),
		    &errs) == 0)
			vp = villages;
	}
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	(void)snprintf(ver, sizeof(ver), "%lld", ctx->if_match);
	xz_ctx_tx(ctx, 0);
	ctx->q_main = xz_tx_add(ctx->tx, &coop_update, id,
	    xz_body_str(ctx, "name"), xz_body_str(ctx, "legal_representative"),
	    xz_body_int(ctx, "registered_capital_fen", cap, sizeof(cap)),
	    status,
	    xz_body_str(ctx, "status_reason"),
	    xz_body_str(ctx, "status_since"),
	    ver, vp);
	ctx->q_check = xz_tx_add(ctx->tx, &coop_check, id, vp);
	return (xz_ctx_run(ctx));
}

int
xz_coop_patch_done(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	PGresult		*res, *chk;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) == 1) {
		xz_set_etag(ctx, PQgetvalue(res, 0, 1));
		return (xz_reply_raw(ctx, 200, "application/json",
		    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
	}
	chk = xz_tx_result(ctx->tx, ctx->q_check);
	if (PQntuples(chk) == 0)
		return (xz_problem(ctx, 404, "not_found",
		    "no such cooperative", NULL));
	if (strtoll(PQgetvalue(chk, 0, 0), NULL, 10) == ctx->if_match &&
	    !is_true(chk, 0, 1)) {
		xz_errors_add(&errs, 0, "/villages", "not_found",
		    "every village must be a village of the cooperative's "
		    "township");
		return (xz_bad(ctx, &errs));
	}
	return (xz_problem(ctx, 412, "precondition_failed",
	    "the resource changed since you read it; GET it again", NULL));
}

/*
 * GET /api/v1/cooperatives/{id}/members ?active=true|false: county and
 * township users see every member, village users their villagers (row
 * security); 404 when the cooperative itself is not visible.
 */
int
xz_members_list(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			vals[nitems(member_filters) - 1]
				    [XZ_FILTER_MAX];
	const char		*id, *active;
	char			limit[24];

	memset(vals, 0, sizeof(vals));
	id = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_paging_parse_filters(ctx, xz_uuid_valid, member_filters,
	    vals, &errs);
	active = NULL;
	if (vals[0][0] != '\0') {
		if (strcmp(vals[0], "true") != 0 &&
		    strcmp(vals[0], "false") != 0)
			xz_errors_add(&errs, 1, "active", "format",
			    "active is true or false");
		active = vals[0];
	}
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	if (ctx->cursor[0] == '\0')
		kore_strlcpy(ctx->cursor, NIL_UUID, sizeof(ctx->cursor));
	(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
	xz_ctx_tx(ctx, 1);
	ctx->q_check = xz_tx_add(ctx->tx, &coop_check, id, NULL);
	ctx->q_main = xz_tx_add(ctx->tx, &member_list, id, active,
	    ctx->cursor, limit);
	return (xz_ctx_run(ctx));
}

int
xz_members_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, "cooperative"));
}

/*
 * POST /api/v1/cooperatives/{id}/members.  The village must be one of the
 * cooperative's township (any of them: a villager may join a cooperative
 * that does not serve their village); role defaults to member.
 */
int
xz_members_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id, *village, *joined, *left, *ckind, *role;
	char			amount[24], hmac[HMAC_HEXSZ];
	char			masked[XZ_RESIDENT_ID_LEN + 1];
	json_t			*v;

	id = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_validate(ctx->body, member_fields, nitems(member_fields),
	    &errs);
	village = xz_body_str(ctx, "village");
	if (village != NULL && xz_code_valid(village, XZ_LEVEL_VILLAGE) &&
	    !xz_code_child_of(village, XZ_LEVEL_VILLAGE,
	    ctx->claims.role == XZ_ROLE_TOWNSHIP ? ctx->claims.township :
	    ctx->claims.county))
		xz_errors_add(&errs, 0, "/village", "prefix_mismatch",
		    "village must be a village of your %s",
		    ctx->claims.role == XZ_ROLE_TOWNSHIP ? "township" :
		    "county");
	joined = xz_body_str(ctx, "joined_on");
	left = NULL;
	if ((v = json_object_get(ctx->body, "left_on")) != NULL &&
	    left_on_parse(v, &left, &errs) == 0 && left != NULL &&
	    joined != NULL && xz_date_valid(joined) &&
	    strcmp(left, joined) < 0)
		xz_errors_add(&errs, 0, "/left_on", "before_joined_on",
		    "left_on must not be before joined_on");
	ckind = NULL;
	if ((v = json_object_get(ctx->body, "contribution")) != NULL)
		(void)contribution_parse(v, &ckind, amount, sizeof(amount),
		    &errs);
	hmac[0] = masked[0] = '\0';
	if ((v = json_object_get(ctx->body, "resident_id")) != NULL &&
	    resident_id_hmac(json_string_value(v), hmac, masked, &errs) < 0)
		return (xz_problem(ctx, 500, "internal_error",
		    "the resident ID could not be processed", NULL));
	if (errs.count > 0 || id == NULL) {
		sodium_memzero(hmac, sizeof(hmac));
		return (xz_bad(ctx, &errs));
	}
	if ((role = xz_body_str(ctx, "role")) == NULL)
		role = "member";
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &member_insert, id,
	    xz_body_str(ctx, "kind"), xz_body_str(ctx, "name"), village,
	    joined, left, role, ckind, amount, hmac, masked);
	sodium_memzero(hmac, sizeof(hmac));
	return (xz_ctx_run(ctx));
}

int
xz_members_create_done(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	PGresult		*res;
	char			loc[96], detail[160];

	if (ctx->tx->status == XZ_TX_SQL_ERROR &&
	    strcmp(ctx->tx->sqlstate, "23505") == 0)
		return (xz_problem(ctx, 409, "conflict", "the cooperative "
		    "already has a chair or this person as a member", NULL));
	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) == 0)
		return (xz_problem(ctx, 404, "not_found",
		    "no such cooperative", NULL));
	if (!is_true(res, 0, 3))
		xz_errors_add(&errs, 0, "/village", "not_found",
		    "village must be a village of the cooperative's township");
	if (!is_true(res, 0, 4))
		xz_errors_add(&errs, 0, "/joined_on", "before_founded_on",
		    "joined_on must not be before the cooperative's "
		    "founded_on");
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	if (!is_true(res, 0, 5))
		return (xz_problem(ctx, 409, "invalid_state",
		    "the cooperative is dissolved", NULL));
	if (!PQgetisnull(res, 0, 7)) {
		(void)snprintf(detail, sizeof(detail), "this person is "
		    "already member %s of the cooperative (after leaving: "
		    "PATCH its left_on to null)", PQgetvalue(res, 0, 7));
		return (xz_problem(ctx, 409, "already_member", detail, NULL));
	}
	if (!is_true(res, 0, 6))
		return (xz_problem(ctx, 409, "chair_taken",
		    "the cooperative already has a chair", NULL));
	if (PQgetisnull(res, 0, 2))
		return (xz_problem(ctx, 500, "internal_error",
		    "the member could not be created", NULL));
	(void)snprintf(loc, sizeof(loc), "/api/v1/members/%s",
	    PQgetvalue(res, 0, 2));
	http_response_header(ctx->req, "location", loc);
	xz_set_etag(ctx, PQgetvalue(res, 0, 1));
	return (xz_reply_raw(ctx, 201, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

/*
 * POST /api/v1/members/search {resident_id}: the memberships of that
 * person within the caller's county (county users) or township.
 */
int
xz_members_search(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			hmac[HMAC_HEXSZ];
	char			masked[XZ_RESIDENT_ID_LEN + 1];
	json_t			*v;

	(void)xz_validate(ctx->body, search_fields, nitems(search_fields),
	    &errs);
	hmac[0] = '\0';
	if ((v = json_object_get(ctx->body, "resident_id")) != NULL &&
	    resident_id_hmac(json_string_value(v), hmac, masked, &errs) < 0)
		return (xz_problem(ctx, 500, "internal_error",
		    "the resident ID could not be processed", NULL));
	if (errs.count > 0) {
		sodium_memzero(hmac, sizeof(hmac));
		return (xz_bad(ctx, &errs));
	}
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &member_search, hmac);
	sodium_memzero(hmac, sizeof(hmac));
	return (xz_ctx_run(ctx));
}

int
xz_members_search_done(struct xz_ctx *ctx)
{
	PGresult	*res;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	return (xz_reply_raw(ctx, 200, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

int
xz_member_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &member_get));
}

int
xz_member_get_done(struct xz_ctx *ctx)
{
	return (xz_reply_one(ctx, "member"));
}

/*
 * PATCH /api/v1/members/{id} {name, role, left_on, contribution}: left_on
 * null clears it (the person rejoined); contribution replaces the whole
 * contribution.
 */
int
xz_member_patch(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id, *left, *ckind;
	char			ver[24], amount[24];
	json_t			*v;
	int			r, left_set;

	id = xz_path_uuid(ctx, 0, "id", &errs);
	if ((r = xz_require_if_match(ctx)) != XZ_NEXT)
		return (r);
	(void)xz_validate(ctx->body, member_patch_fields,
	    nitems(member_patch_fields), &errs);
	if (json_object_size(ctx->body) == 0)
		xz_errors_add(&errs, 0, "", "empty", "nothing to change");
	left = NULL;
	left_set = 0;
	if ((v = json_object_get(ctx->body, "left_on")) != NULL &&
	    left_on_parse(v, &left, &errs) == 0)
		left_set = 1;
	ckind = NULL;
	amount[0] = '\0';
	if ((v = json_object_get(ctx->body, "contribution")) != NULL)
		(void)contribution_parse(v, &ckind, amount, sizeof(amount),
		    &errs);
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	(void)snprintf(ver, sizeof(ver), "%lld", ctx->if_match);
	xz_ctx_tx(ctx, 0);
	ctx->q_main = xz_tx_add(ctx->tx, &member_update, id,
	    xz_body_str(ctx, "name"), xz_body_str(ctx, "role"),
	    left_set ? "true" : "false", left, ckind,
	    ckind != NULL ? amount : NULL, ver);
	ctx->q_check = xz_tx_add(ctx->tx, &member_check, id);
	return (xz_ctx_run(ctx));
}

int
xz_member_patch_done(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	PGresult		*res, *chk;

	/* The one unique rule a PATCH can break: one current chair. */
	if (ctx->tx->status == XZ_TX_SQL_ERROR &&
	    strcmp(ctx->tx->sqlstate, "23505") == 0)
		return (xz_problem(ctx, 409, "chair_taken",
		    "the cooperative already has a chair", NULL));
	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) == 1) {
		xz_set_etag(ctx, PQgetvalue(res, 0, 1));
		return (xz_reply_raw(ctx, 200, "application/json",
		    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
	}
	chk = xz_tx_result(ctx->tx, ctx->q_check);
	if (PQntuples(chk) == 0)
		return (xz_problem(ctx, 404, "not_found", "no such member",
		    NULL));
	if (strtoll(PQgetvalue(chk, 0, 0), NULL, 10) == ctx->if_match) {
		xz_errors_add(&errs, 0, "/left_on", "before_joined_on",
		    "left_on must not be before joined_on (%s)",
		    PQgetvalue(chk, 0, 1));
		return (xz_bad(ctx, &errs));
	}
	return (xz_problem(ctx, 412, "precondition_failed",
	    "the resource changed since you read it; GET it again", NULL));
}

/*
 * A date member already checked for its form (XZ_FT_DATE): from
 * 1949-01-01 (the schema's lower bound for cooperatives) to today.
 */
static int
body_date_check(struct xz_ctx *ctx, const char *name,
    struct xz_errors *errs)
{
	const char	*s;
	char		today[16], ptr[40];

	if ((s = xz_body_str(ctx, name)) == NULL || !xz_date_valid(s))
		return (0);
	xz_today(today, sizeof(today));
	(void)snprintf(ptr, sizeof(ptr), "/%s", name);
	if (strcmp(s, "1949-01-01") < 0 || strcmp(s, today) > 0) {
		xz_errors_add(errs, 0, ptr, "out_of_range",
		    "%s must be from 1949-01-01 to today", name);
		return (-1);
	}
	return (0);
}

/*
 * villages: 1 to VILLAGES_MAX distinct 12-digit codes starting with
 * prefix (NULL: not checked), written to out as a PostgreSQL array
 * literal.  Returns the number of errors added.
 */
static int
villages_parse(json_t *arr, const char *prefix, char *out, size_t len,
    struct xz_errors *errs)
{
	size_t		i, j, n, o;
	const char	*s, *t;
	char		ptr[32];
	int		before = errs->count;

	out[0] = '\0';
	if (!json_is_array(arr)) {
		xz_errors_add(errs, 0, "/villages", "type",
		    "villages must be an array of village codes");
		return (1);
	}
	n = json_array_size(arr);
	if (n < 1 || n > VILLAGES_MAX) {
		xz_errors_add(errs, 0, "/villages", "out_of_range",
		    "villages must name 1 to %d villages", VILLAGES_MAX);
		return (1);
	}
	o = 0;
	out[o++] = '{';
	for (i = 0; i < n; i++) {
		(void)snprintf(ptr, sizeof(ptr), "/villages/%zu", i);
		s = json_string_value(json_array_get(arr, i));
		if (s == NULL || !xz_code_valid(s, XZ_LEVEL_VILLAGE)) {
			xz_errors_add(errs, 0, ptr, "format", "a village code "
			    "is a string of exactly %d digits",
			    XZ_LEVEL_VILLAGE);
			continue;
		}
		if (prefix != NULL &&
		    !xz_code_child_of(s, XZ_LEVEL_VILLAGE, prefix)) {
			xz_errors_add(errs, 0, ptr, "prefix_mismatch",
			    "village must be a village of township %s",
			    prefix);
			continue;
		}
		for (j = 0; j < i; j++) {
			t = json_string_value(json_array_get(arr, j));
			if (t != NULL && strcmp(s, t) == 0)
				break;
		}
		if (j < i) {
			xz_errors_add(errs, 0, ptr, "duplicate",
			    "village %s is named twice", s);
			continue;
		}
		if (o + XZ_LEVEL_VILLAGE + 2 >= len)
			fatal("villages_parse: buffer");
		if (o > 1)
			out[o++] = ',';
		memcpy(out + o, s, XZ_LEVEL_VILLAGE);
		o += XZ_LEVEL_VILLAGE;
	}
	out[o++] = '}';
	out[o] = '\0';
	return (errs->count - before);
}

/*
 * contribution: {kind, and the one amount of that kind}.  Sets *kind and
 * the amount (decimal) in amount.  Returns the number of errors added.
 */
static int
contribution_parse(json_t *obj, const char **kind, char *amount, size_t len,
    struct xz_errors *errs)
{
	const char	*key, *k;
	json_t		*val;
	size_t		i, want;
	long long	n;
	char		ptr[64];
	int		before = errs->count;

	*kind = NULL;
	if (!json_is_object(obj)) {
		xz_errors_add(errs, 0, "/contribution", "type",
		    "contribution must be an object {kind, fen|mu_x100|"
		    "labour_days}");
		return (1);
	}
	json_object_foreach(obj, key, val) {
		if (strcmp(key, "kind") == 0)
			continue;
		for (i = 0; i < nitems(contributions); i++)
			if (strcmp(key, contributions[i].member) == 0)
				break;
		if (i == nitems(contributions)) {
			pointer_member("/contribution/", key, ptr,
			    sizeof(ptr));
			xz_errors_add(errs, 0, ptr, "unknown_field",
			    "'%.40s' is not a field of contribution", key);
		}
	}
	if ((val = json_object_get(obj, "kind")) == NULL) {
		xz_errors_add(errs, 0, "/contribution/kind", "required",
		    "contribution kind is required");
		return (errs->count - before);
	}
	want = nitems(contributions);
	if ((k = json_string_value(val)) != NULL) {
		for (want = 0; want < nitems(contributions); want++)
			if (strcmp(k, contributions[want].kind) == 0)
				break;
	}
	if (want == nitems(contributions)) {
		xz_errors_add(errs, 0, "/contribution/kind", "enum",
		    "contribution kind is money, land or labour");
		return (errs->count - before);
	}
	for (i = 0; i < nitems(contributions); i++) {
		(void)snprintf(ptr, sizeof(ptr), "/contribution/%s",
		    contributions[i].member);
		val = json_object_get(obj, contributions[i].member);
		if (i != want) {
			if (val != NULL)
				xz_errors_add(errs, 0, ptr, "not_allowed",
				    "a %s contribution is given in %s only",
				    contributions[want].kind,
				    contributions[want].member);
			continue;
		}
		if (val == NULL) {
			xz_errors_add(errs, 0, ptr, "required",
			    "a %s contribution needs %s",
			    contributions[want].kind,
			    contributions[want].member);
			continue;
		}
		if (!json_is_integer(val)) {
			xz_errors_add(errs, 0, ptr, "type",
			    "%s must be an integer", contributions[i].member);
			continue;
		}
		n = json_integer_value(val);
		if (n < 1 || n > contributions[i].max) {
			xz_errors_add(errs, 0, ptr, "out_of_range",
			    "%s must be between 1 and %lld",
			    contributions[i].member, contributions[i].max);
			continue;
		}
		(void)snprintf(amount, len, "%lld", n);
	}
	if (errs->count == before)
		*kind = contributions[want].kind;
	return (errs->count - before);
}

/* prefix and the JSON pointer token of key (RFC 6901: ~0, ~1), cut. */
static void
pointer_member(const char *prefix, const char *key, char *out, size_t len)
{
	size_t		o;

	if ((o = kore_strlcpy(out, prefix, len)) >= len)
		return;
	for (; *key != '\0' && o + 3 < len; key++) {
		if (*key == '~' || *key == '/') {
			out[o++] = '~';
			out[o++] = *key == '~' ? '0' : '1';
		} else
			out[o++] = *key;
	}
	out[o] = '\0';
}

/* left_on: a date or null (*left NULL).  Returns the number of errors. */
static int
left_on_parse(json_t *v, const char **left, struct xz_errors *errs)
{
	*left = NULL;
	if (json_is_null(v))
		return (0);
	if (!json_is_string(v) || !xz_date_valid(json_string_value(v))) {
		xz_errors_add(errs, 0, "/left_on", "format",
		    "left_on must be a date YYYY-MM-DD or null");
		return (1);
	}
	*left = json_string_value(v);
	return (0);
}

/*
 * Checks a resident ID number (GB 11643, upper case) and writes its
 * HMAC-SHA256 as a bytea literal "\x..." to hmac and its masked form to
 * masked.  Nothing of the number goes into the error.
 */
static int
resident_id_hmac(const char *id, char *hmac, char *masked,
    struct xz_errors *errs)
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		md[EVP_MAX_MD_SIZE];
	unsigned int		mdlen, i;
	const char		*problem;

	hmac[0] = masked[0] = '\0';
	if (id == NULL) {
		xz_errors_add(errs, 0, "/resident_id", "type",
		    "resident_id must be a string");
		return (1);
	}
	if ((problem = xz_resident_id_problem(id, time(NULL))) != NULL) {
		xz_errors_add(errs, 0, "/resident_id", problem,
		    "resident_id is not a valid resident identity number "
		    "(%s): 18 characters, the last a digit or upper-case X",
		    problem);
		return (1);
	}
	mdlen = 0;
	if (HMAC(EVP_sha256(), xz_config.resident_id_key,
	    sizeof(xz_config.resident_id_key), (const unsigned char *)id,
	    XZ_RESIDENT_ID_LEN, md, &mdlen) == NULL || mdlen != 32) {
		sodium_memzero(md, sizeof(md));
		return (-1);
	}
	hmac[0] = '\\';
	hmac[1] = 'x';
	for (i = 0; i < mdlen; i++) {
		hmac[2 + 2 * i] = hex[md[i] >> 4];
		hmac[3 + 2 * i] = hex[md[i] & 0x0f];
	}
	hmac[2 + 2 * mdlen] = '\0';
	sodium_memzero(md, sizeof(md));
	xz_resident_id_mask(id, masked);
	return (0);
}

static int
is_true(PGresult *res, int row, int col)
{
	return (!PQgetisnull(res, row, col) &&
	    strcmp(PQgetvalue(res, row, col), "t") == 0);
}
