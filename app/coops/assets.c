/*
 * Cooperative assets: machines (machinery cooperatives), land parcels
 * (farmland), houses (housing), labour teams and member skills (labour).
 *
 * Every asset row takes its county and township from its cooperative, in
 * the insert itself (insert ... select ... from cooperatives), so a caller
 * never names them and can only reach cooperatives row security shows it.
 * The insert also holds the rules migration 0003 leaves to the service
 * (decision 17): the cooperative has the asset's kind and is not
 * dissolved, the member who pooled a parcel or house is a current member
 * of that cooperative, the village lies in the cooperative's township,
 * team members are current members.  When the insert returns no row, a
 * context query run in the same transaction (asset_ctx) tells why:
 *
 *   cooperative not visible      404 not_found
 *   another kind                 409 wrong_cooperative_kind
 *   dissolved                    409 cooperative_dissolved
 *   member unknown or left       400 /member_id (or /member_ids)
 *   village not of the township  400 /village (or /parcel_code)
 *
 * A duplicate plate (per township), parcel code (global) or team name (per
 * cooperative) is 409 plate_taken / parcel_code_taken / name_taken.
 * Lists under a cooperative answer 404 when the cooperative is not
 * visible, and an empty page when it is of another kind.
 *
 * power_kw and floor_area_m2 are JSON numbers with at most one decimal,
 * checked here and sent to numeric columns as decimal text (never through
 * a double in SQL).  Village: optional on create; a parcel's is the first
 * 12 digits of its parcel code, a house's defaults to its member's.
 * Neither can change afterwards (no column grant), nor can a parcel code.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/coops.h"
#include "xiangzhi/org.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define NIL_UUID	"00000000-0000-0000-0000-000000000000"
#define TEAM_MEMBERS_MAX	50
#define PARCEL_CODE_LEN	19

#define STAMPS								\
	" 'version', version, 'created_at', created_at,"		\
	" 'updated_at', updated_at)::text"

#define MACHINE_JSON							\
	"json_build_object('id', id, 'cooperative_id', cooperative_id,"	\
	" 'county_code', county_code, 'township_code', township_code,"	\
	" 'type', type, 'model', model, 'power_kw', power_kw,"		\
	" 'plate_or_serial', plate_or_serial, 'condition', condition,"	\
	STAMPS

#define PARCEL_JSON							\
	"json_build_object('id', id, 'cooperative_id', cooperative_id,"	\
	" 'county_code', county_code, 'township_code', township_code,"	\
	" 'member_id', member_id, 'village_code', village_code,"	\
	" 'parcel_code', parcel_code,"					\
	" 'certificate_no', certificate_no,"				\
	" 'area_mu_x100', area_mu_x100, 'land_use', land_use,"		\
	" 'boundaries', boundaries,"					\
	STAMPS

#define HOUSE_JSON							\
	"json_build_object('id', id, 'cooperative_id', cooperative_id,"	\
	" 'county_code', county_code, 'township_code', township_code,"	\
	" 'member_id', member_id, 'village_code', village_code,"	\
	" 'address', address, 'floor_area_m2', floor_area_m2,"		\
	" 'condition', condition, 'occupancy', occupancy,"		\
	STAMPS

/* A team; ids is an expression giving its sorted member ids as json. */
#define TEAM_JSON(ids)							\
	"json_build_object('id', id, 'cooperative_id', cooperative_id,"	\
	" 'county_code', county_code, 'township_code', township_code,"	\
	" 'name', name, 'member_ids', " ids ","				\
	STAMPS

#define TEAM_IDS							\
	"(select coalesce(json_agg(x.member_id order by x.member_id),"	\
	" '[]'::json) from labour_team_members x"			\
	" where x.team_id = labour_teams.id)"

/* $m is a current member of the cooperative c.id (alias c or p). */
#define CURRENT_MEMBER(m, coop)						\
	"exists (select 1 from members m where m.id = " m "::uuid and"	\
	" m.cooperative_id = " coop " and m.left_on is null)"

/* Every id of the array $a is a current member of the cooperative. */
#define CURRENT_MEMBERS(a, coop)					\
	"(select count(*) from members m where m.cooperative_id = "	\
	coop " and m.left_on is null and m.id = any (" a "::uuid[]))"	\
	" = cardinality(" a "::uuid[])"

/*
 * Why a create inserted nothing: the cooperative's kind and status,
 * whether $2 is a current member (NULL: no member of it), whether the
 * village $3 is of its township, how many of $4 are current members.
 */
static struct xz_stmt	asset_ctx = { "asset_ctx",
	"select c.kind, c.status,"
	" (select m.left_on is null from members m where m.id = $2::uuid"
	" and m.cooperative_id = c.id),"
	" $3::bpchar is null or exists (select 1 from villages v"
	" where v.code = $3::bpchar and v.township_code = c.township_code),"
	" (select count(*) from members m where m.cooperative_id = c.id"
	" and m.left_on is null and m.id = any ($4::uuid[]))"
	" from cooperatives c where c.id = $1::uuid",
	4, -1 };

static struct xz_stmt	machine_list = { "machine_list",
	"select " MACHINE_JSON ", id::text from machines"
	" where cooperative_id = $1::uuid"
	" and ($2::text is null or type = $2::text)"
	" and ($3::text is null or condition = $3::text)"
	" and id > $4::uuid order by id limit $5",
	5, -1 };
static struct xz_stmt	machine_get = { "machine_get",
	"select " MACHINE_JSON ", version from machines where id = $1::uuid",
	1, -1 };
static struct xz_stmt	machine_insert = { "machine_insert",
	"insert into machines (cooperative_id, county_code, township_code,"
	" type, model, power_kw, plate_or_serial, condition)"
	" select c.id, c.county_code, c.township_code, $2::text, $3::text,"
	" $4::numeric, $5::text, coalesce($6::text, 'good')"
	" from cooperatives c where c.id = $1::uuid and c.kind = 'machinery'"
	" and c.status <> 'dissolved'"
	" returning " MACHINE_JSON ", version, id",
	6, -1 };
static struct xz_stmt	machine_update = { "machine_update",
	"update machines set type = coalesce($2::text, type),"
	" model = coalesce($3::text, model),"
	" power_kw = coalesce($4::numeric, power_kw),"
	" plate_or_serial = coalesce($5::text, plate_or_serial),"
	" condition = coalesce($6::text, condition)"
	" where id = $1::uuid and version = $7::integer"
	" returning " MACHINE_JSON ", version",
	7, -1 };

static struct xz_stmt	parcel_list = { "parcel_list",
	"select " PARCEL_JSON ", id::text from land_parcels"
	" where cooperative_id = $1::uuid"
	" and ($2::uuid is null or member_id = $2::uuid)"
	" and ($3::text is null or land_use = $3::text)"
	" and id > $4::uuid order by id limit $5",
	5, -1 };
static struct xz_stmt	parcel_get = { "parcel_get",
	"select " PARCEL_JSON ", version from land_parcels"
	" where id = $1::uuid",
	1, -1 };
static struct xz_stmt	parcel_insert = { "parcel_insert",
	"insert into land_parcels (cooperative_id, county_code,"
	" township_code, member_id, village_code, parcel_code,"
	" certificate_no, area_mu_x100, land_use, boundaries)"
	" select c.id, c.county_code, c.township_code, $2::uuid,"
	" $3::bpchar, $4::text, $5::text, $6::integer, $7::text, $8::text"
	" from cooperatives c where c.id = $1::uuid and c.kind = 'farmland'"
	" and c.status <> 'dissolved' and " CURRENT_MEMBER("$2", "c.id")
	" and exists (select 1 from villages v where v.code = $3::bpchar"
	" and v.township_code = c.township_code)"
	" returning " PARCEL_JSON ", version, id",
	8, -1 };
/* $6: whether to set boundaries to $7 (NULL clears them). */
static struct xz_stmt	parcel_update = { "parcel_update",
	"update land_parcels p set member_id = coalesce($2::uuid, member_id),"
	" certificate_no = coalesce($3::text, certificate_no),"
	" area_mu_x100 = coalesce($4::integer, area_mu_x100),"
	" land_use = coalesce($5::text, land_use),"
	" boundaries = case when $6::boolean then $7::text"
	" else boundaries end"
	" where p.id = $1::uuid and p.version = $8::integer and"
	" ($2::uuid is null or " CURRENT_MEMBER("$2", "p.cooperative_id") ")"
	" returning " PARCEL_JSON ", version",
	8, -1 };
static struct xz_stmt	parcel_exists = { "parcel_exists",
	"select p.version, $2::uuid is null or "
	CURRENT_MEMBER("$2", "p.cooperative_id")
	" from land_parcels p where p.id = $1::uuid",
	2, -1 };

static struct xz_stmt	house_list = { "house_list",
	"select " HOUSE_JSON ", id::text from houses"
	" where cooperative_id = $1::uuid"
	" and ($2::uuid is null or member_id = $2::uuid)"
	" and ($3::text is null or condition = $3::text)"
	" and ($4::text is null or occupancy = $4::text)"
	" and id > $5::uuid order by id limit $6",
	6, -1 };
static struct xz_stmt	house_get = { "house_get",
	"select " HOUSE_JSON ", version from houses where id = $1::uuid",
	1, -1 };
static struct xz_stmt	house_insert = { "house_insert",
	"insert into houses (cooperative_id, county_code, township_code,"
	" member_id, village_code, address, floor_area_m2, condition,"
	" occupancy)"
	" select c.id, c.county_code, c.township_code, m.id,"
	" coalesce($3::bpchar, m.village_code), $4::text, $5::numeric,"
	" $6::text, coalesce($7::text, 'idle')"
	" from cooperatives c join members m on m.id = $2::uuid"
	" and m.cooperative_id = c.id and m.left_on is null"
	" where c.id = $1::uuid and c.kind = 'housing'"
	" and c.status <> 'dissolved' and exists (select 1 from villages v"
	" where v.code = coalesce($3::bpchar, m.village_code)"
	" and v.township_code = c.township_code)"
	" returning " HOUSE_JSON ", version, id",
	7, -1 };
static struct xz_stmt	house_update = { "house_update",
	"update houses h set member_id = coalesce($2::uuid, member_id),"
	" address = coalesce($3::text, address),"
	" floor_area_m2 = coalesce($4::numeric, floor_area_m2),"
	" condition = coalesce($5::text, condition),"
	" occupancy = coalesce($6::text, occupancy)"
	" where h.id = $1::uuid and h.version = $7::integer and"
	" ($2::uuid is null or " CURRENT_MEMBER("$2", "h.cooperative_id") ")"
	" returning " HOUSE_JSON ", version",
	7, -1 };
static struct xz_stmt	house_exists = { "house_exists",
	"select h.version, $2::uuid is null or "
	CURRENT_MEMBER("$2", "h.cooperative_id")
	" from houses h where h.id = $1::uuid",
	2, -1 };

static struct xz_stmt	team_list = { "team_list",
	"select " TEAM_JSON(TEAM_IDS) ", id::text from labour_teams"
	" where cooperative_id = $1::uuid and id > $2::uuid"
	" order by id limit $3",
	3, -1 };
static struct xz_stmt	team_get = { "team_get",
	"select " TEAM_JSON(TEAM_IDS) ", version from labour_teams"
	" where id = $1::uuid",
	1, -1 };
/* The team and its members in one statement. */
static struct xz_stmt	team_insert = { "team_insert",
	"with t as (insert into labour_teams (cooperative_id, county_code,"
	" township_code, name)"
	" select c.id, c.county_code, c.township_code, $2::text"
	" from cooperatives c where c.id = $1::uuid and c.kind = 'labor'"
	" and c.status <> 'dissolved' and " CURRENT_MEMBERS("$3", "c.id")
	" returning *),"
	" tm as (insert into labour_team_members (team_id, member_id,"
	" cooperative_id, county_code, township_code)"
	" select t.id, u.id, t.cooperative_id, t.county_code,"
	" t.township_code from t, unnest($3::uuid[]) u(id)"
	" returning member_id)"
	" select " TEAM_JSON("(select json_agg(member_id order by member_id)"
	" from tm)") ", version, id from t",
	3, -1 };
/*
 * Name and (when $3 is not NULL) the member list replaced: members not in
 * $3 deleted, the new ones inserted; the version moves either way.
 */
static struct xz_stmt	team_update = { "team_update",
	"with t as (update labour_teams lt set name = coalesce($2::text, name)"
	" where lt.id = $1::uuid and lt.version = $4::integer and"
	" ($3::uuid[] is null or " CURRENT_MEMBERS("$3", "lt.cooperative_id")
	") returning *),"
	" d as (delete from labour_team_members x using t"
	" where $3::uuid[] is not null and x.team_id = t.id"
	" and x.member_id <> all ($3::uuid[]) returning x.member_id),"
	" i as (insert into labour_team_members (team_id, member_id,"
	" cooperative_id, county_code, township_code)"
	" select t.id, u.id, t.cooperative_id, t.county_code,"
	" t.township_code from t, unnest($3::uuid[]) u(id)"
	" on conflict (team_id, member_id) do nothing returning member_id)"
	" select " TEAM_JSON("case when $3::uuid[] is null then"
	" (select coalesce(json_agg(x.member_id order by x.member_id),"
	" '[]'::json) from labour_team_members x where x.team_id = t.id)"
	" else (select json_agg(u.id order by u.id)"
	" from unnest($3::uuid[]) u(id)) end") ", version from t",
	4, -1 };
static struct xz_stmt	team_exists = { "team_exists",
	"select t.version, $2::uuid[] is null or "
	CURRENT_MEMBERS("$2", "t.cooperative_id")
	" from labour_teams t where t.id = $1::uuid",
	2, -1 };

/* The member: whether current, its cooperative's kind and status. */
static struct xz_stmt	skill_member = { "skill_member",
	"select m.left_on is null, c.kind, c.status from members m"
	" left join cooperatives c on c.id = m.cooperative_id"
	" where m.id = $1::uuid",
	1, -1 };
static struct xz_stmt	skill_list = { "skill_list",
	"select json_build_object('items', coalesce(json_agg("
	"json_build_object('skill', skill, 'days_available_per_month',"
	" days_available_per_month) order by skill), '[]'::json))::text"
	" from member_skills where member_id = $1::uuid",
	1, -1 };
static struct xz_stmt	skill_upsert = { "skill_upsert",
	"insert into member_skills (member_id, skill, cooperative_id,"
	" county_code, township_code, days_available_per_month)"
	" select m.id, $2::text, m.cooperative_id, m.county_code,"
	" m.township_code, $3::smallint from members m"
	" join cooperatives c on c.id = m.cooperative_id"
	" where m.id = $1::uuid and c.kind = 'labor' and m.left_on is null"
	" and c.status <> 'dissolved' on conflict (member_id, skill) do update"
	" set days_available_per_month = excluded.days_available_per_month"
	" returning member_id",
	3, -1 };

static const char *const	machine_types[] = { "tractor",
	"combine_harvester", "transplanter", "plant_protection_drone",
	"other", NULL };
static const char *const	machine_conditions[] = { "good", "fair",
	"poor", "out_of_service", NULL };
static const char *const	land_uses[] = { "arable", "garden", "forest",
	"grassland", "water", "other", NULL };
static const char *const	house_conditions[] = { "good", "fair",
	"poor", "dilapidated", NULL };
static const char *const	occupancies[] = { "idle", "in_use", NULL };

static const struct xz_field	machine_fields[] = {
	{ "type", XZ_FT_ENUM, 1, 0, 0, machine_types },
	{ "model", XZ_FT_STRING, 1, 1, 64, NULL },
	{ "power_kw", XZ_FT_ANY, 1, 0, 0, NULL },
	{ "plate_or_serial", XZ_FT_STRING, 1, 1, 32, NULL },
	{ "condition", XZ_FT_ENUM, 0, 0, 0, machine_conditions },
};
static const struct xz_field	machine_patch_fields[] = {
	{ "type", XZ_FT_ENUM, 0, 0, 0, machine_types },
	{ "model", XZ_FT_STRING, 0, 1, 64, NULL },
	{ "power_kw", XZ_FT_ANY, 0, 0, 0, NULL },
	{ "plate_or_serial", XZ_FT_STRING, 0, 1, 32, NULL },
	{ "condition", XZ_FT_ENUM, 0, 0, 0, machine_conditions },
};

static const struct xz_field	parcel_fields[] = {
	{ "member_id", XZ_FT_UUID, 1, 0, 0, NULL },
	{ "village", XZ_FT_CODE, 0, 0, XZ_LEVEL_VILLAGE, NULL },
	{ "parcel_code", XZ_FT_CODE, 1, 0, PARCEL_CODE_LEN, NULL },
	{ "certificate_no", XZ_FT_STRING, 1, 1, 40, NULL },
	{ "area_mu_x100", XZ_FT_INT, 1, 1, 100000000, NULL },
	{ "land_use", XZ_FT_ENUM, 1, 0, 0, land_uses },
	{ "boundaries", XZ_FT_ANY, 0, 0, 0, NULL },
};
static const struct xz_field	parcel_patch_fields[] = {
	{ "member_id", XZ_FT_UUID, 0, 0, 0, NULL },
	{ "certificate_no", XZ_FT_STRING, 0, 1, 40, NULL },
	{ "area_mu_x100", XZ_FT_INT, 0, 1, 100000000, NULL },
	{ "land_use", XZ_FT_ENUM, 0, 0, 0, land_uses },
	{ "boundaries", XZ_FT_ANY, 0, 0, 0, NULL },
};
/* boundaries, when it is not null. */
static const struct xz_field	boundaries_field[] = {
	{ "boundaries", XZ_FT_STRING, 0, 1, 500, NULL },
};

static const struct xz_field	house_fields[] = {
	{ "member_id", XZ_FT_UUID, 1, 0, 0, NULL },
	{ "village", XZ_FT_CODE, 0, 0, XZ_LEVEL_VILLAGE, NULL },
	{ "address", XZ_FT_STRING, 1, 1, 128, NULL },
	{ "floor_area_m2", XZ_FT_ANY, 1, 0, 0, NULL },
	{ "condition", XZ_FT_ENUM, 1, 0, 0, house_conditions },
	{ "occupancy", XZ_FT_ENUM, 0, 0, 0, occupancies },
};
static const struct xz_field	house_patch_fields[] = {
	{ "member_id", XZ_FT_UUID, 0, 0, 0, NULL },
	{ "address", XZ_FT_STRING, 0, 1, 128, NULL },
	{ "floor_area_m2", XZ_FT_ANY, 0, 0, 0, NULL },
	{ "condition", XZ_FT_ENUM, 0, 0, 0, house_conditions },
	{ "occupancy", XZ_FT_ENUM, 0, 0, 0, occupancies },
};

static const struct xz_field	team_fields[] = {
	{ "name", XZ_FT_STRING, 1, 1, 64, NULL },
	{ "member_ids", XZ_FT_ANY, 1, 0, 0, NULL },
};
static const struct xz_field	team_patch_fields[] = {
	{ "name", XZ_FT_STRING, 0, 1, 64, NULL },
	{ "member_ids", XZ_FT_ANY, 0, 0, 0, NULL },
};

static const struct xz_field	skill_fields[] = {
	{ "skill", XZ_FT_STRING, 1, 1, 32, NULL },
	{ "days_available_per_month", XZ_FT_INT, 1, 0, 31, NULL },
};

static const char *const	machine_filters[] = { "type", "condition",
	NULL };
static const char *const	parcel_filters[] = { "member", "land_use",
	NULL };
static const char *const	house_filters[] = { "member", "condition",
	"occupancy", NULL };

/* What a create or PATCH finisher needs to explain itself (ctx->data). */
struct asset_state {
	const char	*kind;		/* the cooperative kind required */
	const char	*location;	/* "/api/v1/machines/" */
	const char	*taken;		/* 409 code of a unique violation */
	const char	*taken_at;	/* and the field it names */
	const char	*member_at;	/* "/member_id" or "/member_ids" */
	const char	*village_at;	/* "/village" or "/parcel_code" */
	long long	nids;		/* member_ids given */
	char		ids[TEAM_MEMBERS_MAX * 37 + 3];	/* {a,b,...} */
	char		village[XZ_LEVEL_VILLAGE + 1];
	char		num[32];	/* power_kw, floor_area_m2 */
	char		ver[24];
};

static struct asset_state	*asset_state(struct xz_ctx *, const char *);
static int		asset_patch_begin(struct xz_ctx *,
			    const struct xz_field *, size_t, const char **);
static int		asset_list_begin(struct xz_ctx *,
			    const char *const *, char (*)[XZ_FILTER_MAX],
			    const char **, char *, size_t);
static int		asset_cursor_valid(const char *);
static void		body_decimal(struct xz_ctx *, const char *, long long,
			    char *, size_t, struct xz_errors *);
static void		body_boundaries(struct xz_ctx *, struct xz_errors *);
static void		body_member_ids(struct xz_ctx *, struct asset_state *,
			    struct xz_errors *);
static int		asset_failed(struct xz_ctx *);
static int		asset_created_done(struct xz_ctx *);
static int		asset_patched_done(struct xz_ctx *);

void
xz_assets_register(void)
{
	xz_db_register(&asset_ctx);
	xz_db_register(&machine_list);
	xz_db_register(&machine_get);
	xz_db_register(&machine_insert);
	xz_db_register(&machine_update);
	xz_db_register(&parcel_list);
	xz_db_register(&parcel_get);
	xz_db_register(&parcel_insert);
	xz_db_register(&parcel_update);
	xz_db_register(&parcel_exists);
	xz_db_register(&house_list);
	xz_db_register(&house_get);
	xz_db_register(&house_insert);
	xz_db_register(&house_update);
	xz_db_register(&house_exists);
	xz_db_register(&team_list);
	xz_db_register(&team_get);
	xz_db_register(&team_insert);
	xz_db_register(&team_update);
	xz_db_register(&team_exists);
	xz_db_register(&skill_member);
	xz_db_register(&skill_list);
	xz_db_register(&skill_upsert);
}

/*
 * Machines.
 */

int
xz_machines_list(struct xz_ctx *ctx)
{
	char		vals[nitems(machine_filters) - 1][XZ_FILTER_MAX];
	const char	*coop;
	char		limit[24];
	int		r;

	if ((r = asset_list_begin(ctx, machine_filters, vals, &coop, limit,
	    sizeof(limit))) != XZ_NEXT)
		return (r);
	ctx->q_main = xz_tx_add(ctx->tx, &machine_list, coop,
	    xz_opt(vals[0]), xz_opt(vals[1]), ctx->cursor,
	    limit);
	return (xz_ctx_run(ctx));
}

int
xz_machines_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, "cooperative"));
}

int
xz_machines_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	struct asset_state	*as;
	const char		*coop;

	as = asset_state(ctx, "machinery");
	as->location = "/api/v1/machines/";
	as->taken = "plate_taken";
	as->taken_at = "/plate_or_serial";
	coop = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_validate(ctx->body, machine_fields, nitems(machine_fields),
	    &errs);
	body_decimal(ctx, "power_kw", 99999, as->num, sizeof(as->num), &errs);
	if (errs.count > 0 || coop == NULL)
		return (xz_bad(ctx, &errs));
	xz_ctx_tx(ctx, 0);
	ctx->q_check = xz_tx_add(ctx->tx, &asset_ctx, coop, NULL, NULL,
	    NULL);
	ctx->q_main = xz_tx_add(ctx->tx, &machine_insert, coop,
	    xz_body_str(ctx, "type"), xz_body_str(ctx, "model"), as->num,
	    xz_body_str(ctx, "plate_or_serial"),
	    xz_body_str(ctx, "condition"));
	return (xz_ctx_run(ctx));
}

int
xz_machines_create_done(struct xz_ctx *ctx)
{
	return (asset_created_done(ctx));
}

int
xz_machine_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &machine_get));
}

int
xz_machine_get_done(struct xz_ctx *ctx)
{
	return (xz_org_one_done(ctx));
}

int
xz_machine_patch(struct xz_ctx *ctx)
{
	struct asset_state	*as;
	const char		*id;
	int			r;

	as = asset_state(ctx, "machinery");
	as->taken = "plate_taken";
	as->taken_at = "/plate_or_serial";
	if ((r = asset_patch_begin(ctx, machine_patch_fields,
	    nitems(machine_patch_fields), &id)) != XZ_NEXT)
		return (r);
	xz_ctx_tx(ctx, 0);
	ctx->q_main = xz_tx_add(ctx->tx, &machine_update, id,
	    xz_body_str(ctx, "type"), xz_body_str(ctx, "model"),
	    as->num[0] != '\0' ? as->num : NULL,
	    xz_body_str(ctx, "plate_or_serial"),
	    xz_body_str(ctx, "condition"), as->ver);
	/* The machine itself tells 404 from 412. */
	ctx->q_check = xz_tx_add(ctx->tx, &machine_get, id);
	return (xz_ctx_run(ctx));
}

int
xz_machine_patch_done(struct xz_ctx *ctx)
{
	return (asset_patched_done(ctx));
}

/*
 * Land parcels.
 */

int
xz_parcels_list(struct xz_ctx *ctx)
{
	char		vals[nitems(parcel_filters) - 1][XZ_FILTER_MAX];
	const char	*coop;
	char		limit[24];
	int		r;

	if ((r = asset_list_begin(ctx, parcel_filters, vals, &coop, limit,
	    sizeof(limit))) != XZ_NEXT)
		return (r);
	ctx->q_main = xz_tx_add(ctx->tx, &parcel_list, coop,
	    xz_opt(vals[0]), xz_opt(vals[1]), ctx->cursor,
	    limit);
	return (xz_ctx_run(ctx));
}

int
xz_parcels_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, "cooperative"));
}

int
xz_parcels_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	struct asset_state	*as;
	const char		*coop, *code, *village;
	char			area[24];

	as = asset_state(ctx, "farmland");
	as->location = "/api/v1/parcels/";
	as->taken = "parcel_code_taken";
	as->taken_at = "/parcel_code";
	as->member_at = "/member_id";
	coop = xz_path_uuid(ctx, 0, "id", &errs);
	if (xz_validate(ctx->body, parcel_fields, nitems(parcel_fields),
	    &errs) == 0) {
		/* The parcel code starts with its village's code. */
		code = xz_body_str(ctx, "parcel_code");
		village = xz_body_str(ctx, "village");
		as->village_at = village != NULL ? "/village" : "/parcel_code";
		if (village != NULL && strncmp(code, village,
		    XZ_LEVEL_VILLAGE) != 0)
			xz_errors_add(&errs, 0, "/parcel_code",
			    "prefix_mismatch", "parcel_code must start with "
			    "the village code %s", village);
		(void)snprintf(as->village, sizeof(as->village), "%.*s",
		    XZ_LEVEL_VILLAGE, code);
	}
	body_boundaries(ctx, &errs);
	if (errs.count > 0 || coop == NULL)
		return (xz_bad(ctx, &errs));
	xz_ctx_tx(ctx, 0);
	ctx->q_check = xz_tx_add(ctx->tx, &asset_ctx, coop,
	    xz_body_str(ctx, "member_id"), as->village, NULL);
	ctx->q_main = xz_tx_add(ctx->tx, &parcel_insert, coop,
	    xz_body_str(ctx, "member_id"), as->village,
	    xz_body_str(ctx, "parcel_code"),
	    xz_body_str(ctx, "certificate_no"),
	    xz_body_int(ctx, "area_mu_x100", area, sizeof(area)),
	    xz_body_str(ctx, "land_use"), xz_body_str(ctx, "boundaries"));
	return (xz_ctx_run(ctx));
}

int
xz_parcels_create_done(struct xz_ctx *ctx)
{
	return (asset_created_done(ctx));
}

int
xz_parcel_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &parcel_get));
}

int
xz_parcel_get_done(struct xz_ctx *ctx)
{
	return (xz_org_one_done(ctx));
}

int
xz_parcel_patch(struct xz_ctx *ctx)
{
	struct asset_state	*as;
	const char		*id, *member;
	char			area[24];
	int			r, setb;

	as = asset_state(ctx, "farmland");
	as->member_at = "/member_id";
	if ((r = asset_patch_begin(ctx, parcel_patch_fields,
	    nitems(parcel_patch_fields), &id)) != XZ_NEXT)
		return (r);
	member = xz_body_str(ctx, "member_id");
	setb = json_object_get(ctx->body, "boundaries") != NULL;
	xz_ctx_tx(ctx, 0);
	ctx->q_main = xz_tx_add(ctx->tx, &parcel_update, id, member,
	    xz_body_str(ctx, "certificate_no"),
	    xz_body_int(ctx, "area_mu_x100", area, sizeof(area)),
	    xz_body_str(ctx, "land_use"), setb ? "true" : "false",
	    xz_body_str(ctx, "boundaries"), as->ver);
	ctx->q_check = xz_tx_add(ctx->tx, &parcel_exists, id, member);
	return (xz_ctx_run(ctx));
}

int
xz_parcel_patch_done(struct xz_ctx *ctx)
{
	return (asset_patched_done(ctx));
}

/*
 * Houses.
 */

int
xz_houses_list(struct xz_ctx *ctx)
{
	char		vals[nitems(house_filters) - 1][XZ_FILTER_MAX];
	const char	*coop;
	char		limit[24];
	int		r;

	if ((r = asset_list_begin(ctx, house_filters, vals, &coop, limit,
	    sizeof(limit))) != XZ_NEXT)
		return (r);
	ctx->q_main = xz_tx_add(ctx->tx, &house_list, coop,
	    xz_opt(vals[0]), xz_opt(vals[1]),
	    xz_opt(vals[2]), ctx->cursor, limit);
	return (xz_ctx_run(ctx));
}

int
xz_houses_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, "cooperative"));
}

int
xz_houses_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	struct asset_state	*as;
	const char		*coop, *village;

	as = asset_state(ctx, "housing");
	as->location = "/api/v1/houses/";
	as->member_at = "/member_id";
	as->village_at = "/village";
	coop = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_validate(ctx->body, house_fields, nitems(house_fields),
	    &errs);
	body_decimal(ctx, "floor_area_m2", 99999999, as->num, sizeof(as->num),
	    &errs);
	if (errs.count > 0 || coop == NULL)
		return (xz_bad(ctx, &errs));
	village = xz_body_str(ctx, "village");
	xz_ctx_tx(ctx, 0);
	ctx->q_check = xz_tx_add(ctx->tx, &asset_ctx, coop,
	    xz_body_str(ctx, "member_id"), village, NULL);
	ctx->q_main = xz_tx_add(ctx->tx, &house_insert, coop,
	    xz_body_str(ctx, "member_id"), village,
	    xz_body_str(ctx, "address"), as->num,
	    xz_body_str(ctx, "condition"), xz_body_str(ctx, "occupancy"));
	return (xz_ctx_run(ctx));
}

int
xz_houses_create_done(struct xz_ctx *ctx)
{
	return (asset_created_done(ctx));
}

int
xz_house_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &house_get));
}

int
xz_house_get_done(struct xz_ctx *ctx)
{
	return (xz_org_one_done(ctx));
}

int
xz_house_patch(struct xz_ctx *ctx)
{
	struct asset_state	*as;
	const char		*id, *member;
	int			r;

	as = asset_state(ctx, "housing");
	as->member_at = "/member_id";
	if ((r = asset_patch_begin(ctx, house_patch_fields,
	    nitems(house_patch_fields), &id)) != XZ_NEXT)
		return (r);
	member = xz_body_str(ctx, "member_id");
	xz_ctx_tx(ctx, 0);
	ctx->q_main = xz_tx_add(ctx->tx, &house_update, id, member,
	    xz_body_str(ctx, "address"), as->num[0] != '\0' ? as->num : NULL,
	    xz_body_str(ctx, "condition"), xz_body_str(ctx, "occupancy"),
	    as->ver);
	ctx->q_check = xz_tx_add(ctx->tx, &house_exists, id, member);
	return (xz_ctx_run(ctx));
}

int
xz_house_patch_done(struct xz_ctx *ctx)
{
	return (asset_patched_done(ctx));
}

/*
 * Labour teams.
 */

int
xz_teams_list(struct xz_ctx *ctx)
{
	const char	*coop;
	char		limit[24];
	int		r;

	if ((r = asset_list_begin(ctx, NULL, NULL, &coop, limit,
	    sizeof(limit))) != XZ_NEXT)
		return (r);
	ctx->q_main = xz_tx_add(ctx->tx, &team_list, coop, ctx->cursor,
	    limit);
	return (xz_ctx_run(ctx));
}

int
xz_teams_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, "cooperative"));
}

int
xz_teams_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	struct asset_state	*as;
	const char		*coop;

	as = asset_state(ctx, "labor");
	as->location = "/api/v1/teams/";
	as->taken = "name_taken";
	as->taken_at = "/name";
	as->member_at = "/member_ids";
	coop = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_validate(ctx->body, team_fields, nitems(team_fields), &errs);
	body_member_ids(ctx, as, &errs);
	if (errs.count > 0 || coop == NULL)
		return (xz_bad(ctx, &errs));
	xz_ctx_tx(ctx, 0);
	ctx->q_check = xz_tx_add(ctx->tx, &asset_ctx, coop, NULL, NULL,
	    as->ids);
	ctx->q_main = xz_tx_add(ctx->tx, &team_insert, coop,
	    xz_body_str(ctx, "name"), as->ids);
	return (xz_ctx_run(ctx));
}

int
xz_teams_create_done(struct xz_ctx *ctx)
{
	return (asset_created_done(ctx));
}

int
xz_team_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &team_get));
}

int
xz_team_get_done(struct xz_ctx *ctx)
{
	return (xz_org_one_done(ctx));
}

int
xz_team_patch(struct xz_ctx *ctx)
{
	struct asset_state	*as;
	const char		*id, *ids;
	int			r;

	as = asset_state(ctx, "labor");
	as->taken = "name_taken";
	as->taken_at = "/name";
	as->member_at = "/member_ids";
	if ((r = asset_patch_begin(ctx, team_patch_fields,
	    nitems(team_patch_fields), &id)) != XZ_NEXT)
		return (r);
	ids = as->nids > 0 ? as->ids : NULL;
	xz_ctx_tx(ctx, 0);
	ctx->q_main = xz_tx_add(ctx->tx, &team_update, id,
	    xz_body_str(ctx, "name"), ids, as->ver);
	ctx->q_check = xz_tx_add(ctx->tx, &team_exists, id, ids);
	return (xz_ctx_run(ctx));
}

int
xz_team_patch_done(struct xz_ctx *ctx)
{
	return (asset_patched_done(ctx));
}

/*
 * Member skills: the list, and an upsert of one skill that answers the
 * list.  Only current members of labour cooperatives that are not
 * dissolved get skills (409 otherwise); a skill is withdrawn by setting
 * its days to 0.
 */

int
xz_skills_list(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id;

	if ((id = xz_path_uuid(ctx, 0, "id", &errs)) == NULL)
		return (xz_bad(ctx, &errs));
	xz_ctx_tx(ctx, 1);
	ctx->q_check = xz_tx_add(ctx->tx, &skill_member, id);
	ctx->q_main = xz_tx_add(ctx->tx, &skill_list, id);
	return (xz_ctx_run(ctx));
}

int
xz_skills_list_done(struct xz_ctx *ctx)
{
	PGresult	*res;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	if (PQntuples(xz_tx_result(ctx->tx, ctx->q_check)) == 0)
		return (xz_problem(ctx, 404, "not_found", "no such member",
		    NULL));
	res = xz_tx_result(ctx->tx, ctx->q_main);
	return (xz_reply_raw(ctx, 200, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

int
xz_skills_put(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id;
	char			days[24];

	id = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_validate(ctx->body, skill_fields, nitems(skill_fields),
	    &errs);
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	xz_ctx_tx(ctx, 0);
	ctx->q_check = xz_tx_add(ctx->tx, &skill_member, id);
	ctx->q_extra = xz_tx_add(ctx->tx, &skill_upsert, id,
	    xz_body_str(ctx, "skill"),
	    xz_body_int(ctx, "days_available_per_month", days, sizeof(days)));
	ctx->q_main = xz_tx_add(ctx->tx, &skill_list, id);
	return (xz_ctx_run(ctx));
}

int
xz_skills_put_done(struct xz_ctx *ctx)
{
	PGresult	*chk, *res;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	chk = xz_tx_result(ctx->tx, ctx->q_check);
	if (PQntuples(chk) == 0)
		return (xz_problem(ctx, 404, "not_found", "no such member",
		    NULL));
	if (PQntuples(xz_tx_result(ctx->tx, ctx->q_extra)) == 0) {
		if (PQgetisnull(chk, 0, 1) ||
		    strcmp(PQgetvalue(chk, 0, 1), "labor") != 0)
			return (xz_problem(ctx, 409, "wrong_cooperative_kind",
			    "only members of labour cooperatives have skills",
			    NULL));
		if (strcmp(PQgetvalue(chk, 0, 0), "t") != 0)
			return (xz_problem(ctx, 409, "member_left",
			    "the member has left the cooperative", NULL));
		if (strcmp(PQgetvalue(chk, 0, 2), "dissolved") == 0)
			return (xz_problem(ctx, 409, "cooperative_dissolved",
			    "the cooperative is dissolved", NULL));
		return (xz_problem(ctx, 409, "conflict",
		    "the member changed meanwhile; try again", NULL));
	}
	res = xz_tx_result(ctx->tx, ctx->q_main);
	return (xz_reply_raw(ctx, 200, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

/*
 * Helpers.
 */

/* The request's state, zeroed, for assets of a kind-cooperative. */
static struct asset_state *
asset_state(struct xz_ctx *ctx, const char *kind)
{
	struct asset_state	*as;

	as = ctx->data = kore_calloc(1, sizeof(*as));
	as->kind = kind;
	return (as);
}

/*
 * What every PATCH checks first: the path id, If-Match (its version goes
 * to the state), a non-empty body of known fields, and the numbers and
 * member lists the field table leaves to us.  XZ_NEXT when all hold.
 */
static int
asset_patch_begin(struct xz_ctx *ctx, const struct xz_field *fields,
    size_t n, const char **id)
{
	struct xz_errors	errs = { 0 };
	struct asset_state	*as = ctx->data;
	int			r;

	*id = xz_path_uuid(ctx, 0, "id", &errs);
	if ((r = xz_require_if_match(ctx)) != XZ_NEXT)
		return (r);
	(void)xz_validate(ctx->body, fields, n, &errs);
	if (json_object_size(ctx->body) == 0)
		xz_errors_add(&errs, 0, "", "empty", "nothing to change");
	if (strcmp(as->kind, "machinery") == 0)
		body_decimal(ctx, "power_kw", 99999, as->num, sizeof(as->num),
		    &errs);
	else if (strcmp(as->kind, "housing") == 0)
		body_decimal(ctx, "floor_area_m2", 99999999, as->num,
		    sizeof(as->num), &errs);
	else if (strcmp(as->kind, "farmland") == 0)
		body_boundaries(ctx, &errs);
	else if (strcmp(as->kind, "labor") == 0)
		body_member_ids(ctx, as, &errs);
	if (errs.count > 0 || *id == NULL)
		return (xz_bad(ctx, &errs));
	(void)snprintf(as->ver, sizeof(as->ver), "%lld", ctx->if_match);
	return (XZ_NEXT);
}

/*
 * A list under /cooperatives/{id}: the path id, paging and the filters
 * names[] (NULL: none) into vals; starts the read-only transaction with
 * the cooperative's existence check.  XZ_NEXT when all hold.
 */
static int
asset_list_begin(struct xz_ctx *ctx, const char *const *names,
    char (*vals)[XZ_FILTER_MAX], const char **coop, char *limit,
    size_t limitlen)
{
	struct xz_errors	errs = { 0 };
	size_t			i;

	*coop = xz_path_uuid(ctx, 0, "id", &errs);
	for (i = 0; names != NULL && names[i] != NULL; i++)
		vals[i][0] = '\0';
	(void)xz_paging_parse_filters(ctx, asset_cursor_valid, names, vals,
	    &errs);
	for (i = 0; names != NULL && names[i] != NULL; i++) {
		if (vals[i][0] == '\0')
			continue;
		if (strcmp(names[i], "member") == 0) {
			if (!xz_uuid_valid(vals[i]))
				xz_errors_add(&errs, 1, "member", "format",
				    "member must be a lower-case UUID");
		} else if (strcmp(names[i], "type") == 0) {
			xz_enum_param(vals[i], "type", machine_types, &errs);
		} else if (strcmp(names[i], "land_use") == 0) {
			xz_enum_param(vals[i], "land_use", land_uses, &errs);
		} else if (strcmp(names[i], "occupancy") == 0) {
			xz_enum_param(vals[i], "occupancy", occupancies, &errs);
		} else if (strcmp(names[i], "condition") == 0) {
			xz_enum_param(vals[i], "condition",
			    names == machine_filters ? machine_conditions :
			    house_conditions, &errs);
		}
	}
	if (errs.count > 0 || *coop == NULL)
		return (xz_bad(ctx, &errs));
	if (ctx->cursor[0] == '\0')
		kore_strlcpy(ctx->cursor, NIL_UUID, sizeof(ctx->cursor));
	(void)snprintf(limit, limitlen, "%lld", ctx->limit + 1);
	xz_ctx_tx(ctx, 1);
	ctx->q_check = xz_tx_add(ctx->tx, &asset_ctx, *coop, NULL, NULL,
	    NULL);
	return (XZ_NEXT);
}

static int
asset_cursor_valid(const char *s)
{
	return (xz_uuid_valid(s));
}

/*
 * The body number name, when present: a JSON number from 0.1 to
 * max_tenths / 10 with at most one decimal, written to buf as decimal
 * text ("55.5"); buf stays empty when it is absent or wrong.
 */
static void
body_decimal(struct xz_ctx *ctx, const char *name, long long max_tenths,
    char *buf, size_t len, struct xz_errors *errs)
{
	json_t		*v;
	char		ptr[64];
	double		d, diff;
	long long	tenths;

	buf[0] = '\0';
	if ((v = json_object_get(ctx->body, name)) == NULL)
		return;
	(void)snprintf(ptr, sizeof(ptr), "/%s", name);
	if (!json_is_number(v)) {
		xz_errors_add(errs, 0, ptr, "type", "%s must be a number",
		    name);
		return;
	}
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 1 ||
		    json_integer_value(v) > max_tenths / 10)
			goto range;
		tenths = (long long)json_integer_value(v) * 10;
	} else {
		d = json_real_value(v) * 10.0;
		/* Also false for a NaN. */
		if (!(d >= 0.5 && d <= (double)max_tenths + 0.5))
			goto range;
		tenths = (long long)(d + 0.5);
		diff = d - (double)tenths;
		if (diff > 1e-6 || diff < -1e-6) {
			xz_errors_add(errs, 0, ptr, "format",
			    "%s has at most one decimal", name);
			return;
		}
	}
	if (tenths < 1 || tenths > max_tenths)
		goto range;
	(void)snprintf(buf, len, "%lld.%lld", tenths / 10, tenths % 10);
	return;
range:
	xz_errors_add(errs, 0, ptr, "out_of_range",
	    "%s must be between 0.1 and %lld.%lld", name, max_tenths / 10,
	    max_tenths % 10);
}

/* boundaries: absent, null (none, or clear them) or 1-500 characters. */
static void
body_boundaries(struct xz_ctx *ctx, struct xz_errors *errs)
{
	json_t		*v, *o;

	if ((v = json_object_get(ctx->body, "boundaries")) == NULL ||
	    json_is_null(v))
		return;
	o = json_pack("{s:O}", "boundaries", v);
	if (o == NULL) {
		xz_errors_add(errs, 0, "/boundaries", "type",
		    "boundaries must be a string or null");
		return;
	}
	(void)xz_validate(o, boundaries_field, nitems(boundaries_field),
	    errs);
	json_decref(o);
}

/*
 * member_ids, when present: an array of 1 to TEAM_MEMBERS_MAX distinct
 * lower-case UUIDs, into as->ids as a PostgreSQL array literal.
 */
static void
body_member_ids(struct xz_ctx *ctx, struct asset_state *as,
    struct xz_errors *errs)
{
	json_t		*v;
	const char	*s;
	char		ptr[48];
	size_t		i, k, n, off;

	if ((v = json_object_get(ctx->body, "member_ids")) == NULL)
		return;
	n = json_is_array(v) ? json_array_size(v) : 0;
	if (n == 0 || n > TEAM_MEMBERS_MAX) {
		xz_errors_add(errs, 0, "/member_ids", json_is_array(v) ?
		    "out_of_range" : "type", "member_ids is an array of 1 to "
		    "%d member ids", TEAM_MEMBERS_MAX);
		return;
	}
	off = 0;
	as->ids[off++] = '{';
	for (i = 0; i < n; i++) {
		s = json_string_value(json_array_get(v, i));
		(void)snprintf(ptr, sizeof(ptr), "/member_ids/%zu", i);
		if (s == NULL || !xz_uuid_valid(s)) {
			xz_errors_add(errs, 0, ptr, "format",
			    "member_ids[%zu] must be a lower-case UUID", i);
			return;
		}
		for (k = 0; k < i; k++) {
			if (strcmp(s, json_string_value(
			    json_array_get(v, k))) == 0)
				break;
		}
		if (k < i) {
			xz_errors_add(errs, 0, ptr, "duplicate",
			    "member_ids[%zu] repeats member_ids[%zu]", i, k);
			return;
		}
		if (i > 0)
			as->ids[off++] = ',';
		memcpy(as->ids + off, s, 36);
		off += 36;
	}
	as->ids[off++] = '}';
	as->ids[off] = '\0';
	as->nids = (long long)n;
}

/*
 * A failed transaction: unique violations become 409 with the state's
 * code and field, the rest what xz_tx_failed makes of them.  Returns 1
 * when it answered.
 */
static int
asset_failed(struct xz_ctx *ctx)
{
	struct asset_state	*as = ctx->data;
	struct xz_errors	errs = { 0 };

	if (ctx->tx->status == XZ_TX_SQL_ERROR &&
	    strcmp(ctx->tx->sqlstate, "23505") == 0 && as != NULL &&
	    as->taken != NULL) {
		xz_errors_add(&errs, 0, as->taken_at, as->taken,
		    "%s is already registered", as->taken_at + 1);
		(void)xz_problem(ctx, 409, as->taken,
		    "another record already has this value", &errs);
		return (1);
	}
	return (xz_tx_failed(ctx));
}

/*
 * 201 with the new row, or why there is none from the context row
 * (kind, status, member current, village ok, current members of ids).
 */
static int
asset_created_done(struct xz_ctx *ctx)
{
	struct asset_state	*as = ctx->data;
	struct xz_errors	errs = { 0 };
	PGresult		*res, *chk;
	char			loc[96];

	if (asset_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) == 1) {
		(void)snprintf(loc, sizeof(loc), "%s%s", as->location,
		    PQgetvalue(res, 0, 2));
		http_response_header(ctx->req, "location", loc);
		xz_set_etag(ctx, PQgetvalue(res, 0, 1));
		return (xz_reply_raw(ctx, 201, "application/json",
		    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
	}
	chk = xz_tx_result(ctx->tx, ctx->q_check);
	if (PQntuples(chk) == 0)
		return (xz_problem(ctx, 404, "not_found",
		    "no such cooperative", NULL));
	if (strcmp(PQgetvalue(chk, 0, 0), as->kind) != 0) {
		xz_errors_add(&errs, 1, "id", "wrong_cooperative_kind",
		    "the cooperative is a %s cooperative, not a %s one",
		    PQgetvalue(chk, 0, 0), as->kind);
		return (xz_problem(ctx, 409, "wrong_cooperative_kind",
		    "this cooperative's kind has no such assets", &errs));
	}
	if (strcmp(PQgetvalue(chk, 0, 1), "dissolved") == 0)
		return (xz_problem(ctx, 409, "cooperative_dissolved",
		    "the cooperative is dissolved", NULL));
	if (as->member_at != NULL && as->nids == 0 &&
	    strcmp(PQgetvalue(chk, 0, 2), "t") != 0) {
		xz_errors_add(&errs, 0, as->member_at, PQgetisnull(chk, 0, 2) ?
		    "not_found" : "member_left", PQgetisnull(chk, 0, 2) ?
		    "not a member of this cooperative" :
		    "the member has left the cooperative");
		return (xz_bad(ctx, &errs));
	}
	if (as->village_at != NULL &&
	    strcmp(PQgetvalue(chk, 0, 3), "t") != 0) {
		xz_errors_add(&errs, 0, as->village_at, "not_found",
		    "the village is not in the cooperative's township");
		return (xz_bad(ctx, &errs));
	}
	if (as->nids > 0 && strtoll(PQgetvalue(chk, 0, 4), NULL, 10) !=
	    as->nids) {
		xz_errors_add(&errs, 0, "/member_ids", "not_found",
		    "every member id must be a current member of the "
		    "cooperative");
		return (xz_bad(ctx, &errs));
	}
	return (xz_problem(ctx, 409, "conflict",
	    "the cooperative changed meanwhile; try again", NULL));
}

/*
 * 200 with the updated row; else 404 (not there), 400 (a member that is
 * not a current member of the asset's cooperative) or 412.
 */
static int
asset_patched_done(struct xz_ctx *ctx)
{
	struct asset_state	*as = ctx->data;
	struct xz_errors	errs = { 0 };
	PGresult		*chk;

	if (asset_failed(ctx))
		return (XZ_DONE);
	chk = xz_tx_result(ctx->tx, ctx->q_check);
	if (PQntuples(xz_tx_result(ctx->tx, ctx->q_main)) == 0 &&
	    PQntuples(chk) == 1 && as->member_at != NULL &&
	    strcmp(PQgetvalue(chk, 0, 1), "t") != 0) {
		xz_errors_add(&errs, 0, as->member_at, "not_found",
		    as->nids > 0 ? "every member id must be a current member "
		    "of the cooperative" : "not a current member of the "
		    "cooperative");
		return (xz_bad(ctx, &errs));
	}
	return (xz_org_patched_done(ctx));
}
