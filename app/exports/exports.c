/*
 * Exports (issue 7): GET /api/v1/exports/{dataset}?format=csv|xlsx for the
 * staff roster, deployments, projects with their funding lines,
 * disbursements and cooperatives with members and assets.
 *
 * Access is the list endpoints' own: each dataset has its own row in the
 * permission table (routes.def) with the roles and partner scope of the
 * list it comes from, every statement runs under the caller's claims
 * (row security), and each sheet's SQL selects the rows the list selects,
 * with the list's filters.  Resident ID numbers appear masked (county and
 * township users) or not at all, staff phones as the staff list shows
 * them (masked for county users).
 *
 * Streaming with bounded memory: rows are read in keyset batches of
 * EXPORT_BATCH (one short read-only transaction each, on the module's
 * pool, so a slow download never holds a connection or a snapshot) and
 * written to a spool file as they come: CSV text to an unlinked temporary
 * file, XLSX through libxlsxwriter in constant_memory mode (each row goes
 * to its worksheet's temporary file).  Kore 4.1 answers with a
 * Content-Length and has no chunked responses, so the finished file is
 * sent with sendfile (a Kore fileref: nothing is read into memory).  The
 * XLSX zip (workbook_close: deflate of every sheet) runs in a Kore task
 * thread so the event loop keeps serving other requests.
 *
 * Consistency: each batch is one snapshot; rows are in id order, never
 * repeated or skipped, but a row changed during a long export appears as
 * it was when its batch was read.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include <xlsxwriter.h>

#include "xiangzhi/http.h"
#include "xiangzhi/exports.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define EXPORT_BATCH		2000
#define EXPORT_BATCH_STR	"2000"
#define XLSX_ROWS_MAX		1048576		/* Excel's limit per sheet */
#define NIL_UUID	"00000000-0000-0000-0000-000000000000"
#define COLS_MAX	16
#define FILTERS_MAX	6
#define SHEETS_MAX	3
#define PARAMS_MAX	(2 + FILTERS_MAX)	/* format, table, filters */

enum col_type {
	C_TEXT,
	C_LABEL,	/* a code shown as its Chinese label */
	C_DATE,		/* YYYY-MM-DD */
	C_MONEY,	/* fen, shown as yuan with 2 decimals */
	C_INT,
	C_NUM,		/* a decimal */
	C_X100,		/* hundredths (mu_x100), shown with 2 decimals */
};

struct label {
	const char	*code;
	const char	*zh;
};

struct col {
	const char		*head;
	enum col_type		type;
	double			width;
	const struct label	*labels;
};

struct sheet {
	const char		*table;		/* CSV table=, ASCII file name */
	const char		*title;		/* sheet name, Chinese file name */
	int			roles;		/* who gets it */
	struct xz_stmt		*stmt;
	struct col		cols[COLS_MAX];
};

enum ftype {
	F_TOWNSHIP,
	F_VILLAGE,
	F_UUID,
	F_DATE,
	F_ENUM,
};

struct filter {
	const char		*name;
	enum ftype		type;
	const char *const	*choices;
};

struct dataset {
	const char		*name;		/* route, ASCII file name */
	const char		*title;		/* Chinese file name */
	struct filter		filters[FILTERS_MAX];
	const struct sheet	*sheets[SHEETS_MAX];
};

enum phase {
	PH_FETCH = 0,
	PH_CLOSING,
};

/*
 * One export in progress.  Not in ctx->data: the request's state is freed
 * when the client goes, while a task thread may still be zipping this
 * workbook; exports are found by request in a small list instead.
 */
struct exp {
	struct kore_task	task;		/* first: the task entry casts */
	struct http_request	*req;
	struct exp		*next;
	const struct dataset	*ds;
	int			xlsx;
	int			sheets[SHEETS_MAX];	/* indexes in ds */
	int			nsheets;
	int			cur;
	const char		*params[FILTERS_MAX];	/* NULL: absent */
	char			vals[PARAMS_MAX][XZ_FILTER_MAX];
	char			cursor[40];
	int			fd;		/* CSV spool, or -1 */
	char			path[PATH_MAX];	/* XLSX file, or "" */
	lxw_workbook		*wb;
	lxw_worksheet		*ws[SHEETS_MAX];
	lxw_format		*f_head, *f_date, *f_money, *f_x100;
	u_int32_t		row;		/* next row of the sheet */
	size_t			rows;		/* data rows written */
	enum phase		phase;
	int			task_started;
	lxw_error		close_err;	/* set by the task */
	struct kore_buf		*buf;		/* one CSV batch */
};

static struct exp	*exp_find(struct http_request *);
static void		exp_free(struct exp *);
static void		exp_onfree(struct http_request *);
static int		exp_task_gone(const struct exp *);
static int		spool_pid(const char *);
static int		exp_open(struct xz_ctx *, struct exp *);
static int		exp_fetch(struct xz_ctx *, struct exp *);
static int		exp_rows(struct xz_ctx *, struct exp *, PGresult *);
static int		exp_finish_file(struct xz_ctx *, struct exp *);
static int		exp_close_entry(struct kore_task *);
static int		exp_send(struct xz_ctx *, struct exp *, int);
static void		exp_failed(struct xz_ctx *, struct exp *, int,
			    const char *, const char *);
static void		csv_text(struct kore_buf *, const char *);
static void		csv_hundredths(struct kore_buf *, const char *);
static const char	*label_of(const struct label *, const char *);
static void		rfc5987(char *, size_t, const char *);
static int		no_cursor(const char *);

static struct exp	*exports;		/* in progress, this worker */
static int		nexports;
static int		export_max = 4;
static void		(*ctx_onfree)(struct http_request *);
static u_int64_t	export_counter;
static const char	*export_dir = "/tmp";

/* ------------------------------------------------------------- labels */

static const struct label	establishments[] = {
	{ "civil_servant", "公务员" }, { "public_institution", "事业编制" },
	{ "contract", "合同制" }, { NULL, NULL } };
static const struct label	staff_statuses[] = {
	{ "active", "在岗" }, { "on_leave", "休假" },
	{ "transferred_out", "已调出" }, { NULL, NULL } };
static const struct label	team_roles[] = {
	{ "lead", "组长" }, { "member", "组员" }, { NULL, NULL } };
static const struct label	deployment_statuses[] = {
	{ "active", "有效" }, { "cancelled", "已取消" }, { NULL, NULL } };
static const struct label	categories[] = {
	{ "rain_sewage_separation", "雨污分流" },
	{ "village_road", "村内道路" }, { "drinking_water", "饮水工程" },
	{ "toilet_renovation", "改厕" }, { "sanitation", "环境卫生" },
	{ "industry", "产业发展" }, { "other", "其他" }, { NULL, NULL } };
static const struct label	deliveries[] = {
	{ "contractor", "施工单位承建" }, { "village_run", "村级自建" },
	{ NULL, NULL } };
static const struct label	project_statuses[] = {
	{ "draft", "草稿" }, { "submitted", "已提交" },
	{ "filed", "已备案" }, { "review_passed", "审核通过" },
	{ "rectification_required", "需整改" }, { "revoked", "已撤销" },
	{ "in_progress", "实施中" }, { "completed", "已完工" },
	{ "closed", "已结项" }, { NULL, NULL } };
static const struct label	disb_kinds[] = {
	{ "payment", "支付" }, { "reversal", "冲销" }, { NULL, NULL } };
static const struct label	payee_kinds[] = {
	{ "contractor", "施工单位" }, { "village_collective", "村集体" },
	{ "cooperative", "合作社" }, { NULL, NULL } };
static const struct label	coop_kinds[] = {
	{ "labor", "劳务合作社" }, { "machinery", "农机合作社" },
	{ "farmland", "土地股份合作社" }, { "housing", "房屋合作社" },
	{ NULL, NULL } };
static const struct label	coop_statuses[] = {
	{ "active", "正常" }, { "suspended", "暂停" },
	{ "dissolved", "已注销" }, { NULL, NULL } };
static const struct label	member_kinds[] = {
	{ "person", "个人" }, { "household", "农户" }, { NULL, NULL } };
static const struct label	member_roles[] = {
	{ "chair", "理事长" }, { "board", "理事" },
	{ "supervisor", "监事" }, { "member", "成员" }, { NULL, NULL } };
static const struct label	contribution_kinds[] = {
	{ "money", "货币" }, { "land", "土地" }, { "labour", "劳务" },
	{ NULL, NULL } };
static const struct label	asset_classes[] = {
	{ "machine", "农机" }, { "parcel", "地块" }, { "house", "房屋" },
	{ NULL, NULL } };
/* Machine types, land uses and house occupancy share the column. */
static const struct label	asset_kinds[] = {
	{ "tractor", "拖拉机" }, { "combine_harvester", "联合收割机" },
	{ "transplanter", "插秧机" },
	{ "plant_protection_drone", "植保无人机" },
	{ "arable", "耕地" }, { "garden", "园地" }, { "forest", "林地" },
	{ "grassland", "草地" }, { "water", "水域" },
	{ "idle", "闲置" }, { "in_use", "在用" },
	{ "other", "其他" }, { NULL, NULL } };
static const struct label	conditions[] = {
	{ "good", "良好" }, { "fair", "一般" }, { "poor", "较差" },
	{ "out_of_service", "停用" }, { "dilapidated", "危旧" },
	{ NULL, NULL } };

/* The codes the filters accept (the list endpoints' own). */
static const char *const	f_staff_statuses[] = { "active", "on_leave",
	"transferred_out", NULL };
static const char *const	f_deployment_statuses[] = { "active",
	"cancelled", NULL };
static const char *const	f_project_statuses[] = { "draft", "submitted",
	"filed", "review_passed", "rectification_required", "revoked",
	"in_progress", "completed", "closed", NULL };
static const char *const	f_categories[] = { "rain_sewage_separation",
	"village_road", "drinking_water", "toilet_renovation", "sanitation",
	"industry", "other", NULL };
static const char *const	f_deliveries[] = { "contractor",
	"village_run", NULL };
static const char *const	f_disb_kinds[] = { "payment", "reversal",
	NULL };
static const char *const	f_coop_kinds[] = { "labor", "machinery",
	"farmland", "housing", NULL };
static const char *const	f_coop_statuses[] = { "active", "suspended",
	"dissolved", NULL };
static const char *const	formats[] = { "csv", "xlsx", NULL };

/* --------------------------------------------------------- statements */

/*
 * Every sheet statement: $1 the keyset cursor (the row id, column 0),
 * $2 the batch size, then the dataset's filters in its order (NULL when
 * absent).  Row security decides the rows; the filters are the list's.
 */
#define DAY(x)		"to_char(" x ", 'YYYY-MM-DD')"
#define LOCAL_DAY(x)	DAY("(" x " at time zone 'Asia/Shanghai')")
#define STMT(n, sql, np)	{ "export_" #n, sql, np, -1 }

static struct xz_stmt	custom_plan = STMT(custom_plan,
	"select set_config('plan_cache_mode', 'force_custom_plan', true)", 0);

/*
 * The staff list's filters: township, center, status.  The phone as
 * xz.staff_doc shows it (whole for the own township, masked for county
 * users; row security hides the rest), without building the document:
 * that costs 50 us a row.
 */
static struct xz_stmt	staff_rows = STMT(staff,
	"select s.id::text, s.name, s.township_code::text,"
	" (select t.name from townships t where t.code = s.township_code),"
	" (select c.name from centers c where c.id = s.center_id),"
	" (select u.name from origin_units u where u.id = s.origin_unit_id),"
	" s.establishment, s.post,"
	" array_to_string(s.skills, ','), s.status,"
	" (select case when xz.claim('role') = 'township' then p.phone"
	" else overlay(p.phone placing '****' from 4) end"
	" from staff_phones p where p.staff_id = s.id),"
	" " LOCAL_DAY("s.created_at")
	" from (select x.* from staff x where x.id > $1::uuid and"
	" ($3::bpchar is null or x.township_code = $3::bpchar) and"
	" ($4::uuid is null or x.center_id = $4::uuid) and"
	" ($5::text is null or x.status = $5)"
	" order by x.id limit $2) s order by s.id", 5);

/*
 * The deployment list's filters (township, status, campaign, staff), and
 * from/to: deployments whose period meets [from, to].
 */
static struct xz_stmt	deployment_rows = STMT(deployments,
	"select d.id::text, d.township_code::text, d.campaign_id::text,"
	" (select c.title from campaigns c where c.id = d.campaign_id),"
	" d.staff_id::text,"
	" (select s.name from staff s where s.id = d.staff_id),"
	" " DAY("lower(d.period)") ","
	" " DAY("upper(d.period) - 1") ", d.share_percent::text, d.role,"
	" d.status, d.cancel_reason, " LOCAL_DAY("d.created_at")
	" from (select x.* from deployments x where x.id > $1::uuid and"
	" ($3::bpchar is null or x.township_code = $3::bpchar) and"
	" ($4::text is null or x.status = $4) and"
	" ($5::uuid is null or x.campaign_id = $5::uuid) and"
	" ($6::uuid is null or x.staff_id = $6::uuid) and"
	" ($7::date is null or upper(x.period) > $7::date) and"
	" ($8::date is null or lower(x.period) <= $8::date)"
	" order by x.id limit $2) d order by d.id", 8);

/* The project list's filters: township, status, category, village, delivery. */
#define PROJECT_FILTER							\
	" ($3::bpchar is null or p.township_code = $3::bpchar) and"	\
	" ($4::text is null or p.status = $4) and"			\
	" ($5::text is null or p.category = $5) and"			\
	" ($6::bpchar is null or p.village_code = $6::bpchar) and"	\
	" ($7::text is null or p.delivery = $7)"

static struct xz_stmt	project_rows = STMT(projects,
	"select p.id::text, p.township_code::text, p.village_code::text,"
	" p.title, p.category, p.delivery, p.contractor, p.budget_fen::text,"
	" p.committed_fen::text, p.disbursed_fen::text,"
	" (p.committed_fen - p.disbursed_fen)::text,"
	" " DAY("p.planned_start") ", " DAY("p.planned_end") ", p.status,"
	" " DAY("p.completed_on")
	" from fund_projects p where p.id > $1::uuid and" PROJECT_FILTER
	" order by p.id limit $2", 7);

/* The funding lines of the same projects (the project's funding_lines). */
static struct xz_stmt	line_rows = STMT(funding_lines,
	"select l.id::text, l.project_id::text, l.title, l.source_id::text,"
	" (select fs.name from fund_sources fs where fs.id = l.source_id),"
	" l.allocation_id::text, l.committed_fen::text,"
	" l.disbursed_fen::text, l.released_fen::text"
	" from (select x.*, p.title from fund_project_lines x"
	" join fund_projects p on p.id = x.project_id"
	" where x.id > $1::uuid and" PROJECT_FILTER
	" order by x.id limit $2) l order by l.id", 7);

/*
 * The disbursements of visible projects (the per-project list's rows),
 * by township, project, kind, and paid_on within from/to.
 */
static struct xz_stmt	disb_rows = STMT(disbursements,
	"select d.id::text, d.project_id::text,"
	" (select p.title from fund_projects p where p.id = d.project_id),"
	" d.township_code::text, d.village_code::text, d.kind,"
	" d.amount_fen::text, d.payee_kind, d.payee_name, d.voucher_no,"
	" " DAY("d.paid_on") ", d.reverses_id::text, d.reason,"
	" " LOCAL_DAY("d.created_at")
	" from (select x.* from fund_disbursements x"
	" where x.id > $1::uuid and"
	" ($3::bpchar is null or x.township_code = $3::bpchar) and"
	" ($4::uuid is null or x.project_id = $4::uuid) and"
	" ($5::text is null or x.kind = $5) and"
	" ($6::date is null or x.paid_on >= $6::date) and"
	" ($7::date is null or x.paid_on <= $7::date) and"
	" exists (select 1 from fund_projects p where p.id = x.project_id)"
	" order by x.id limit $2) d order by d.id", 7);

/* The cooperative list's filters: township, kind, status, village. */
#define COOP_FILTER							\
	" ($3::bpchar is null or c.township_code = $3::bpchar) and"	\
	" ($4::text is null or c.kind = $4) and"			\
	" ($5::text is null or c.status = $5) and"			\
	" ($6::bpchar is null or c.id in (select cv.cooperative_id"	\
	" from cooperative_villages cv"					\
	" where cv.village_code = $6::bpchar))"

static struct xz_stmt	coop_rows = STMT(cooperatives,
	"select c.id::text, c.township_code::text, c.kind, c.name,"
	" c.uscc::text, c.legal_representative, " DAY("c.founded_on") ","
	" c.registered_capital_fen::text, c.status, " DAY("c.status_since") ","
	" (select count(*) from members cm where cm.cooperative_id = c.id"
	" and cm.left_on is null)::text,"
	" (select string_agg(cv.village_code::text, ','"
	" order by cv.village_code) from cooperative_villages cv"
	" where cv.cooperative_id = c.id)"
	" from cooperatives c where c.id > $1::uuid and" COOP_FILTER
	" order by c.id limit $2", 6);

/*
 * Members of those cooperatives (the member list's rows: row security
 * shows village users their own village's, and the masked resident ID to
 * county and township users only).
 */
static struct xz_stmt	member_rows = STMT(members,
	"select m.id::text, m.cooperative_id::text, m.coop, m.kind, m.name,"
	" m.village_code::text, (select i.resident_id_masked"
	" from member_identities i where i.member_id = m.id), " DAY("m.joined_on") ","
	" " DAY("m.left_on") ", m.role, m.contribution_kind,"
	" m.contribution_fen::text, m.contribution_mu_x100::text,"
	" m.contribution_labour_days::text"
	" from (select x.*, c.name as coop from members x"
	" join cooperatives c on c.id = x.cooperative_id"
	" where x.id > $1::uuid and" COOP_FILTER
	" order by x.id limit $2) m order by m.id", 6);

/* Machines, land parcels and houses of those cooperatives, by id. */
static struct xz_stmt	asset_rows = STMT(assets,
	"select a.id::text, a.cooperative_id::text, c.name, a.cls, a.label,"
	" a.sub, a.ref, a.village, a.kw, a.mu, a.m2, a.cond"
	" from (select x.id, x.cooperative_id, 'machine' as cls,"
	" x.model as label, x.type as sub, x.plate_or_serial as ref,"
	" null::text as village, x.power_kw::text as kw, null::text as mu,"
	" null::text as m2, x.condition as cond from machines x"
	" union all select x.id, x.cooperative_id, 'parcel',"
	" x.parcel_code::text, x.land_use, x.certificate_no,"
	" x.village_code::text, null, x.area_mu_x100::text, null, null"
	" from land_parcels x"
	" union all select x.id, x.cooperative_id, 'house', x.address,"
	" x.occupancy, null, x.village_code::text, null, null,"
	" x.floor_area_m2::text, x.condition from houses x) a"
	" join cooperatives c on c.id = a.cooperative_id"
	" where a.id > $1::uuid and" COOP_FILTER
	" order by a.id limit $2", 6);

/* ------------------------------------------------------------- sheets */

#define ID(h)		{ h, C_TEXT, 38, NULL }
#define TXT(h, w)	{ h, C_TEXT, w, NULL }
#define LBL(h, w, l)	{ h, C_LABEL, w, l }
#define DATE(h)		{ h, C_DATE, 12, NULL }
#define MONEY(h)	{ h, C_MONEY, 16, NULL }
#define INT(h, w)	{ h, C_INT, w, NULL }

#define USERS_ROLES	(XZ_ROLE_COUNTY | XZ_ROLE_TOWNSHIP | XZ_ROLE_VILLAGE)
#define ALL_ROLES	(USERS_ROLES | XZ_ROLE_PARTNER)

static const struct sheet	sh_staff = { "staff", "人员名册", ALL_ROLES,
	&staff_rows, {
	ID("人员ID"), TXT("姓名", 12), TXT("乡镇代码", 12), TXT("乡镇", 14),
	TXT("所属中心", 16), TXT("原单位", 18),
	LBL("编制类型", 10, establishments), TXT("岗位", 16),
	TXT("技能", 20), LBL("状态", 8, staff_statuses), TXT("手机号", 14),
	DATE("登记日期") } };

static const struct sheet	sh_deployments = { "deployments", "人员派驻",
	ALL_ROLES, &deployment_rows, {
	ID("派驻ID"), TXT("乡镇代码", 12), ID("专项工作ID"),
	TXT("专项工作", 24), ID("人员ID"), TXT("姓名", 12),
	DATE("开始日期"), DATE("结束日期"), INT("投入比例(%)", 12),
	LBL("角色", 8, team_roles), LBL("状态", 8, deployment_statuses),
	TXT("取消原因", 24), DATE("登记日期") } };

static const struct sheet	sh_projects = { "projects", "项目", ALL_ROLES,
	&project_rows, {
	ID("项目ID"), TXT("乡镇代码", 12), TXT("村代码", 14),
	TXT("项目名称", 30), LBL("类别", 12, categories),
	LBL("实施方式", 14, deliveries), TXT("施工单位", 24),
	MONEY("预算(元)"), MONEY("已安排资金(元)"), MONEY("已拨付(元)"),
	MONEY("待拨付(元)"), DATE("计划开工"), DATE("计划完工"),
	LBL("状态", 10, project_statuses), DATE("完工日期") } };

static const struct sheet	sh_lines = { "funding_lines", "资金来源明细",
	ALL_ROLES, &line_rows, {
	ID("明细ID"), ID("项目ID"), TXT("项目名称", 30), ID("资金来源ID"),
	TXT("资金来源", 30), ID("指标ID"), MONEY("安排金额(元)"),
	MONEY("已拨付(元)"), MONEY("已释放(元)") } };

static const struct sheet	sh_disbursements = { "disbursements",
	"资金拨付", ALL_ROLES, &disb_rows, {
	ID("拨付ID"), ID("项目ID"), TXT("项目名称", 30), TXT("乡镇代码", 12),
	TXT("村代码", 14), LBL("类型", 8, disb_kinds), MONEY("金额(元)"),
	LBL("收款方类型", 12, payee_kinds), TXT("收款方", 24),
	TXT("凭证号", 16), DATE("支付日期"), ID("冲销的拨付ID"),
	TXT("冲销原因", 24), DATE("登记日期") } };

static const struct sheet	sh_coops = { "cooperatives", "合作社",
	ALL_ROLES, &coop_rows, {
	ID("合作社ID"), TXT("乡镇代码", 12), LBL("类型", 14, coop_kinds),
	TXT("名称", 28), TXT("统一社会信用代码", 22), TXT("法定代表人", 12),
	DATE("成立日期"), MONEY("注册资本(元)"),
	LBL("状态", 8, coop_statuses), DATE("状态起始日期"),
	INT("在册成员数", 10), TXT("服务村", 30) } };

/* Members: as the member list, county, township and village users only. */
static const struct sheet	sh_members = { "members", "成员", USERS_ROLES,
	&member_rows, {
	ID("成员ID"), ID("合作社ID"), TXT("合作社", 28),
	LBL("成员类型", 8, member_kinds), TXT("姓名", 12), TXT("村代码", 14),
	TXT("身份证号(脱敏)", 20), DATE("入社日期"), DATE("退社日期"),
	LBL("职务", 8, member_roles), LBL("出资方式", 8, contribution_kinds),
	MONEY("出资金额(元)"), { "出资土地(亩)", C_X100, 12, NULL },
	INT("出资劳务(天)", 12) } };

static const struct sheet	sh_assets = { "assets", "资产", ALL_ROLES,
	&asset_rows, {
	ID("资产ID"), ID("合作社ID"), TXT("合作社", 28),
	LBL("资产类别", 8, asset_classes), TXT("型号/地块编码/地址", 28),
	LBL("种类/用途", 12, asset_kinds), TXT("号牌/权证号", 20),
	TXT("村代码", 14), { "功率(千瓦)", C_NUM, 10, NULL },
	{ "面积(亩)", C_X100, 10, NULL },
	{ "建筑面积(平方米)", C_NUM, 14, NULL },
	LBL("状况", 8, conditions) } };

#define TOWNSHIP	{ "township", F_TOWNSHIP, NULL }
#define FROM_TO		{ "from", F_DATE, NULL }, { "to", F_DATE, NULL }

static const struct dataset	datasets[] = {
	{ "staff", "人员名册", { TOWNSHIP, { "center", F_UUID, NULL },
	    { "status", F_ENUM, f_staff_statuses } }, { &sh_staff } },
	{ "deployments", "人员派驻", { TOWNSHIP,
	    { "status", F_ENUM, f_deployment_statuses },
	    { "campaign", F_UUID, NULL }, { "staff", F_UUID, NULL },
	    FROM_TO }, { &sh_deployments } },
	{ "projects", "项目资金", { TOWNSHIP,
	    { "status", F_ENUM, f_project_statuses },
	    { "category", F_ENUM, f_categories },
	    { "village", F_VILLAGE, NULL },
	    { "delivery", F_ENUM, f_deliveries } },
	    { &sh_projects, &sh_lines } },
	{ "disbursements", "资金拨付", { TOWNSHIP,
	    { "project", F_UUID, NULL }, { "kind", F_ENUM, f_disb_kinds },
	    FROM_TO }, { &sh_disbursements } },
	{ "cooperatives", "合作社", { TOWNSHIP,
	    { "kind", F_ENUM, f_coop_kinds },
	    { "status", F_ENUM, f_coop_statuses },
	    { "village", F_VILLAGE, NULL } },
	    { &sh_coops, &sh_members, &sh_assets } },
};

void
xz_exports_register(void)
{
	static struct xz_stmt	*stmts[] = { &custom_plan, &staff_rows,
	    &deployment_rows, &project_rows, &line_rows, &disb_rows,
	    &coop_rows, &member_rows, &asset_rows };
	size_t			i;

	for (i = 0; i < nitems(stmts); i++)
		xz_db_register(stmts[i]);
	export_dir = xz_env_or("XZ_EXPORT_DIR", "/tmp");
	export_max = atoi(xz_env_or("XZ_EXPORT_MAX", "4"));
	if (export_max < 1 || export_max > 64)
		fatal("XZ_EXPORT_MAX must be between 1 and 64");
}

/* The pid in "xiangzhi-export-<pid>-<n>.<ext>", or -1. */
static int
spool_pid(const char *name)
{
	static const char	prefix[] = "xiangzhi-export-";
	const char		*p;
	char			*end;
	long			pid;

	if (strncmp(name, prefix, sizeof(prefix) - 1) != 0)
		return (-1);
	p = name + sizeof(prefix) - 1;
	if (*p < '0' || *p > '9')
		return (-1);
	errno = 0;
	pid = strtol(p, &end, 10);
	if (errno != 0 || pid <= 0 || pid > INT_MAX || *end != '-')
		return (-1);
	for (p = end + 1; *p >= '0' && *p <= '9'; p++)
		;
	if (p == end + 1 || *p++ != '.' || *p == '\0')
		return (-1);
	for (; *p >= 'a' && *p <= 'z'; p++)
		;
	return (*p == '\0' ? (int)pid : -1);
}

/*
 * At start (the parent, before the workers): a workbook is a named file
 * while it is zipped and sent, so a worker that died then left it behind.
 * Spool files name their worker's pid; those of processes that are gone
 * are removed (another service's live exports in the same directory stay).
 */
void
xz_exports_sweep(void)
{
	DIR		*d;
	struct dirent	*de;
	const char	*dir;
	char		path[PATH_MAX];
	int		pid;

	dir = xz_env_or("XZ_EXPORT_DIR", "/tmp");
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if ((pid = spool_pid(de->d_name)) <= 0)
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) == 0)
			kore_log(LOG_NOTICE, "exports: removed %s, left by a "
			    "worker that is gone", path);
	}
	(void)closedir(d);
}

/* ----------------------------------------------------------- handlers */

/*
 * GET /api/v1/exports/{dataset}?format=csv|xlsx[&table=][&filters].
 * The route (its roles and scope) has been checked; the dataset is the
 * route's last segment.
 */
int
xz_export_start(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const struct dataset	*ds;
	const struct filter	*f;
	const char		*names[PARAMS_MAX + 1], *v, *seg, *qs;
	struct exp		*e;
	size_t			i, n, k;
	int			forbidden;

	seg = strrchr(ctx->route->path, '/') + 1;
	ds = NULL;
	for (i = 0; i < nitems(datasets); i++)
		if (strcmp(datasets[i].name, seg) == 0)
			ds = &datasets[i];
	if (ds == NULL)
		return (xz_problem(ctx, 404, "route_not_found",
		    "no such export", NULL));

	/* Each export holds a spool file and, zipping, a task thread. */
	if (nexports >= export_max) {
		http_response_header(ctx->req, "retry-after", "5");
		return (xz_problem(ctx, 503, "exports_busy",
		    "too many exports are running; retry shortly", NULL));
	}
	e = kore_calloc(1, sizeof(*e));
	e->fd = -1;
	e->ds = ds;
	names[0] = "format";
	names[1] = "table";
	for (n = 0; n < FILTERS_MAX && ds->filters[n].name != NULL; n++)
		names[2 + n] = ds->filters[n].name;
	names[2 + n] = NULL;

	/* Paging is not a parameter of an export. */
	qs = ctx->req->query_string;
	for (v = qs; v != NULL && *v != '\0'; v = strchr(v, '&')) {
		if (*v == '&')
			v++;
		if (strncmp(v, "limit=", 6) == 0 || strncmp(v, "cursor=", 7) == 0)
			xz_errors_add(&errs, 1, *v == 'l' ? "limit" : "cursor",
			    "unknown_parameter", "exports are not paged");
	}
	(void)xz_paging_parse_filters(ctx, no_cursor, names, e->vals, &errs);

	/* format, required. */
	if (e->vals[0][0] == '\0')
		xz_errors_add(&errs, 1, "format", "required",
		    "format is required: csv or xlsx");
	else
		xz_enum_param(e->vals[0], "format", formats, &errs);
	e->xlsx = strcmp(e->vals[0], "xlsx") == 0;

	/* The filters, as the list endpoints check them. */
	for (k = 0; k < n; k++) {
		f = &ds->filters[k];
		v = e->vals[2 + k];
		e->params[k] = xz_opt(v);
		if (v[0] == '\0')
			continue;
		switch (f->type) {
		case F_TOWNSHIP:
			if (!xz_code_valid(v, XZ_LEVEL_TOWNSHIP))
				xz_errors_add(&errs, 1, f->name, "format",
				    "%s must be exactly %d digits", f->name,
				    XZ_LEVEL_TOWNSHIP);
			break;
		case F_VILLAGE:
			if (!xz_code_valid(v, XZ_LEVEL_VILLAGE))
				xz_errors_add(&errs, 1, f->name, "format",
				    "%s must be exactly %d digits", f->name,
				    XZ_LEVEL_VILLAGE);
			break;
		case F_UUID:
			if (!xz_uuid_valid(v))
				xz_errors_add(&errs, 1, f->name, "format",
				    "%s must be a lower-case UUID", f->name);
			break;
		case F_DATE:
			if (!xz_date_valid(v))
				xz_errors_add(&errs, 1, f->name, "format",
				    "%s must be a date YYYY-MM-DD", f->name);
			break;
		case F_ENUM:
			xz_enum_param(v, f->name, f->choices, &errs);
			break;
		}
	}
	for (k = 0; k + 1 < n; k++) {
		if (strcmp(ds->filters[k].name, "from") == 0 &&
		    e->params[k] != NULL && e->params[k + 1] != NULL &&
		    xz_date_valid(e->params[k]) &&
		    xz_date_valid(e->params[k + 1]) &&
		    strcmp(e->params[k], e->params[k + 1]) > 0)
			xz_errors_add(&errs, 1, "to", "out_of_range",
			    "to must not be before from");
	}

	/* The sheets: every one the caller may read, or table= (CSV). */
	forbidden = 0;
	for (i = 0; i < SHEETS_MAX && ds->sheets[i] != NULL; i++) {
		if (e->vals[1][0] != '\0' &&
		    strcmp(e->vals[1], ds->sheets[i]->table) != 0)
			continue;
		if (!(ds->sheets[i]->roles & ctx->claims.role)) {
			forbidden = e->vals[1][0] != '\0';
			continue;
		}
		e->sheets[e->nsheets++] = (int)i;
	}
	if (e->vals[1][0] != '\0') {
		if (e->xlsx)
			xz_errors_add(&errs, 1, "table", "not_allowed",
			    "table selects one table of a CSV export; an XLSX "
			    "export has every table as a sheet");
		else if (e->nsheets == 0 && !forbidden)
			xz_errors_add(&errs, 1, "table", "enum",
			    "table is not a table of this export");
	} else if (!e->xlsx && e->nsheets > 1) {
		/* A CSV holds one table: the first unless table= says. */
		e->nsheets = 1;
	}
	if (errs.count > 0) {
		kore_free(e);
		return (xz_bad(ctx, &errs));
	}
	if (forbidden) {
		kore_free(e);
		return (xz_problem(ctx, 403, "forbidden",
		    "your role may not export this table", NULL));
	}

	e->req = ctx->req;
	e->next = exports;
	exports = e;
	nexports++;
	/* Our cleanup first, then the request's own (see struct exp). */
	if (ctx->req->onfree != exp_onfree) {
		ctx_onfree = ctx->req->onfree;
		ctx->req->onfree = exp_onfree;
	}
	if (exp_open(ctx, e) != 0) {
		exp_failed(ctx, e, 500, "export_failed",
		    "the export file could not be created");
		return (XZ_DONE);
	}
	(void)kore_strlcpy(e->cursor, NIL_UUID, sizeof(e->cursor));
	return (exp_fetch(ctx, e));
}

/* A batch arrived (or the XLSX task finished). */
int
xz_export_next(struct xz_ctx *ctx)
{
	struct exp	*e;
	PGresult	*res;

	if ((e = exp_find(ctx->req)) == NULL)
		return (xz_problem(ctx, 500, "internal_error",
		    "the export was lost", NULL));
	if (e->phase == PH_CLOSING) {
		if (!kore_task_finished(&e->task)) {
			http_request_sleep(ctx->req);
			return (XZ_WAIT);
		}
		return (exp_finish_file(ctx, e));
	}
	if (ctx->tx->status != XZ_TX_OK) {
		(void)xz_tx_failed(ctx);
		exp_free(e);
		return (XZ_DONE);
	}
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (res == NULL || exp_rows(ctx, e, res) != 0)
		return (XZ_DONE);
	if (PQntuples(res) == EXPORT_BATCH) {
		(void)kore_strlcpy(e->cursor,
		    PQgetvalue(res, EXPORT_BATCH - 1, 0), sizeof(e->cursor));
		return (exp_fetch(ctx, e));
	}
	/* This sheet is done: the next one, or the file. */
	if (++e->cur < e->nsheets) {
		(void)kore_strlcpy(e->cursor, NIL_UUID, sizeof(e->cursor));
		e->row = 0;
		return (exp_fetch(ctx, e));
	}
	if (!e->xlsx) {
		if (lseek(e->fd, 0, SEEK_SET) == -1) {
			exp_failed(ctx, e, 500, "export_failed",
			    "the export file could not be read");
			return (XZ_DONE);
		}
		return (exp_finish_file(ctx, e));
	}
	/* Zipping the workbook takes a while: a task thread does it. */
	e->phase = PH_CLOSING;
	kore_task_create(&e->task, exp_close_entry);
	e->task_started = 1;
	kore_task_bind_request(&e->task, ctx->req);
	kore_task_run(&e->task);
	return (XZ_WAIT);
}

/* ------------------------------------------------------------ helpers */

static struct exp *
exp_find(struct http_request *req)
{
	struct exp	*e;

	for (e = exports; e != NULL; e = e->next)
		if (e->req == req)
			return (e);
	return (NULL);
}

static void
exp_free(struct exp *e)
{
	struct exp	**pp;
	int		i;

	for (pp = &exports; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			nexports--;
			break;
		}
	}
	if (e->task_started && !exp_task_gone(e))
		kore_task_destroy(&e->task);
	if (e->wb != NULL) {
		/* lxw_workbook_free leaves constant_memory's row files open. */
		for (i = 0; i < e->nsheets; i++) {
			if (e->ws[i] != NULL && e->ws[i]->optimize_tmpfile) {
				(void)fclose(e->ws[i]->optimize_tmpfile);
				e->ws[i]->optimize_tmpfile = NULL;
			}
		}
		lxw_workbook_free(e->wb);
	}
	if (e->fd != -1)
		(void)close(e->fd);
	if (e->path[0] != '\0')
		(void)unlink(e->path);
	if (e->buf != NULL)
		kore_buf_free(e->buf);
	kore_free(e);
}

/*
 * When the client left while the task zipped, Kore destroys the finished
 * task itself (kore_task_handle, for a request marked for deletion)
 * before freeing the request again: its lock is gone then, so neither
 * kore_task_finished nor kore_task_destroy may touch it.  Destroying
 * closes the task's socket pair (fds[0] is -1 only then; the task thread
 * writes to fds[1]).
 */
static int
exp_task_gone(const struct exp *e)
{
	return (e->task.fds[0] == -1);
}

/*
 * The request is going away (answered, or the client left).  While the
 * task thread zips the workbook it owns the export: Kore keeps the
 * request until the task ends and calls this again then.
 */
static void
exp_onfree(struct http_request *req)
{
	struct exp	*e;

	if ((e = exp_find(req)) != NULL && (!e->task_started ||
	    exp_task_gone(e) || kore_task_finished(&e->task)))
		exp_free(e);
	if (ctx_onfree != NULL)
		ctx_onfree(req);
}

/* The spool: a CSV file with its BOM and header, or the workbook. */
static int
exp_open(struct xz_ctx *ctx, struct exp *e)
{
	lxw_workbook_options	opt = { 0 };
	const struct sheet	*sh;
	const struct col	*c;
	lxw_worksheet		*ws;
	int			i, k, fd;
	char			name[PATH_MAX];

	(void)ctx;
	(void)snprintf(name, sizeof(name), "%s/xiangzhi-export-%d-%llu.%s",
	    export_dir, (int)getpid(),
	    (unsigned long long)++export_counter, e->xlsx ? "xlsx" : "csv");
	if (!e->xlsx) {
		fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd == -1) {
			kore_log(LOG_ERR, "export spool %s: %s", name,
			    errno_s);
			return (-1);
		}
		/* Unlinked at once: it goes when its last descriptor does. */
		(void)unlink(name);
		e->fd = fd;
		e->buf = kore_buf_alloc(256 * 1024);
		kore_buf_append(e->buf, "\xef\xbb\xbf", 3);
		sh = e->ds->sheets[e->sheets[0]];
		for (k = 0; k < COLS_MAX && sh->cols[k].head != NULL; k++) {
			if (k > 0)
				kore_buf_append(e->buf, ",", 1);
			csv_text(e->buf, sh->cols[k].head);
		}
		kore_buf_append(e->buf, "\r\n", 2);
		return (0);
	}

	(void)kore_strlcpy(e->path, name, sizeof(e->path));
	opt.constant_memory = LXW_TRUE;
	opt.tmpdir = (char *)export_dir;
	if ((e->wb = workbook_new_opt(e->path, &opt)) == NULL)
		return (-1);
	e->f_head = workbook_add_format(e->wb);
	format_set_bold(e->f_head);
	format_set_bg_color(e->f_head, 0xDDEBF7);
	format_set_bottom(e->f_head, LXW_BORDER_THIN);
	e->f_date = workbook_add_format(e->wb);
	format_set_num_format(e->f_date, "yyyy-mm-dd");
	e->f_money = workbook_add_format(e->wb);
	format_set_num_format(e->f_money, "#,##0.00");
	e->f_x100 = workbook_add_format(e->wb);
	format_set_num_format(e->f_x100, "0.00");
	for (i = 0; i < e->nsheets; i++) {
		sh = e->ds->sheets[e->sheets[i]];
		if ((ws = workbook_add_worksheet(e->wb, sh->title)) == NULL)
			return (-1);
		e->ws[i] = ws;
		worksheet_freeze_panes(ws, 1, 0);
		for (k = 0; k < COLS_MAX && sh->cols[k].head != NULL; k++) {
			c = &sh->cols[k];
			(void)worksheet_set_column(ws, k, k, c->width, NULL);
			(void)worksheet_write_string(ws, 0, k, c->head,
			    e->f_head);
		}
	}
	return (0);
}

/* The next batch of the current sheet, after e->cursor. */
static int
exp_fetch(struct xz_ctx *ctx, struct exp *e)
{
	const struct sheet	*sh = e->ds->sheets[e->sheets[e->cur]];
	const char *const	*p = e->params;

	if (ctx->tx != NULL) {
		xz_tx_release(ctx->tx);
		ctx->tx = NULL;
	}
	(void)xz_tx_add(xz_ctx_tx(ctx, 1), &custom_plan);
	ctx->q_main = xz_tx_add(ctx->tx, sh->stmt, e->cursor,
	    EXPORT_BATCH_STR, p[0], p[1], p[2], p[3], p[4], p[5]);
	return (xz_ctx_run(ctx));
}

/* Writes a batch: to the CSV spool, or the workbook's current sheet. */
static int
exp_rows(struct xz_ctx *ctx, struct exp *e, PGresult *res)
{
	const struct sheet	*sh = e->ds->sheets[e->sheets[e->cur]];
	const struct col	*c;
	lxw_worksheet		*ws = e->ws[e->cur];
	lxw_datetime		dt;
	const char		*v;
	long long		ll;
	ssize_t			w;
	size_t			off;
	int			r, k, nrows, y, m, d;

	nrows = PQntuples(res);
	if (e->xlsx && e->row + 1 + (u_int32_t)nrows > XLSX_ROWS_MAX) {
		exp_failed(ctx, e, 422, "too_many_rows", "a sheet holds at "
		    "most 1,048,575 rows: narrow the export with filters or "
		    "export CSV");
		return (-1);
	}
	for (r = 0; r < nrows; r++) {
		if (e->xlsx)
			e->row++;
		for (k = 0; k < COLS_MAX && sh->cols[k].head != NULL; k++) {
			c = &sh->cols[k];
			v = PQgetisnull(res, r, k) ? NULL :
			    PQgetvalue(res, r, k);
			if (c->type == C_LABEL && v != NULL)
				v = label_of(c->labels, v);
			if (!e->xlsx) {
				if (k > 0)
					kore_buf_append(e->buf, ",", 1);
				if (v == NULL)
					continue;
				if (c->type == C_TEXT || c->type == C_LABEL)
					csv_text(e->buf, v);
				else if (c->type == C_MONEY ||
				    c->type == C_X100)
					csv_hundredths(e->buf, v);
				else
					kore_buf_appendf(e->buf, "%s", v);
				continue;
			}
			if (v == NULL)
				continue;
			switch (c->type) {
			case C_TEXT:
			case C_LABEL:
				(void)worksheet_write_string(ws, e->row, k, v,
				    NULL);
				break;
			case C_DATE:
				if (sscanf(v, "%d-%d-%d", &y, &m, &d) != 3)
					break;
				memset(&dt, 0, sizeof(dt));
				dt.year = y;
				dt.month = m;
				dt.day = d;
				(void)worksheet_write_datetime(ws, e->row, k,
				    &dt, e->f_date);
				break;
			case C_MONEY:
			case C_X100:
				ll = strtoll(v, NULL, 10);
				(void)worksheet_write_number(ws, e->row, k,
				    (double)ll / 100.0, c->type == C_MONEY ?
				    e->f_money : e->f_x100);
				break;
			case C_INT:
			case C_NUM:
				(void)worksheet_write_number(ws, e->row, k,
				    strtod(v, NULL), NULL);
				break;
			}
		}
		if (!e->xlsx)
			kore_buf_append(e->buf, "\r\n", 2);
	}
	e->rows += (size_t)nrows;
	if (e->xlsx)
		return (0);
	for (off = 0; off < e->buf->offset; off += (size_t)w) {
		w = write(e->fd, e->buf->data + off, e->buf->offset - off);
		if (w == -1 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w <= 0) {
			kore_log(LOG_ERR, "export spool write: %s", errno_s);
			exp_failed(ctx, e, 500, "export_failed",
			    "the export file could not be written");
			return (-1);
		}
	}
	kore_buf_reset(e->buf);
	return (0);
}

/* Runs in a task thread: the only code touching the workbook meanwhile. */
static int
exp_close_entry(struct kore_task *t)
{
	struct exp	*e = (struct exp *)t;

	e->close_err = workbook_close(e->wb);
	e->wb = NULL;
	return (KORE_RESULT_OK);
}

/* The finished spool (CSV) or zipped workbook (XLSX) goes out. */
static int
exp_finish_file(struct xz_ctx *ctx, struct exp *e)
{
	int		fd;

	if (!e->xlsx) {
		fd = e->fd;
		e->fd = -1;
		return (exp_send(ctx, e, fd));
	}
	if (e->close_err != LXW_NO_ERROR) {
		kore_log(LOG_ERR, "export workbook: %s",
		    lxw_strerror(e->close_err));
		exp_failed(ctx, e, 500, "export_failed",
		    "the workbook could not be written");
		return (XZ_DONE);
	}
	fd = open(e->path, O_RDONLY | O_CLOEXEC);
	(void)unlink(e->path);
	e->path[0] = '\0';
	if (fd == -1) {
		kore_log(LOG_ERR, "export workbook open: %s", errno_s);
		exp_failed(ctx, e, 500, "export_failed",
		    "the workbook could not be read");
		return (XZ_DONE);
	}
	return (exp_send(ctx, e, fd));
}

/*
 * Sends fd (owned from here) with sendfile through a Kore fileref under a
 * name no file has: looking it up once marks it removed, so Kore drops it
 * (and closes fd) as soon as the send is done.
 */
static int
exp_send(struct xz_ctx *ctx, struct exp *e, int fd)
{
	const struct sheet	*sh = e->ds->sheets[e->sheets[0]];
	struct kore_fileref	*ref, *again;
	struct stat		st;
	char			refname[96], today[16], day[16], ascii[96];
	char			utf8[160], enc[512], disp[768], rows[24];
	u_int64_t		us;
	size_t			i, o;

	if (fstat(fd, &st) == -1) {
		(void)close(fd);
		exp_failed(ctx, e, 500, "export_failed",
		    "the export file could not be read");
		return (XZ_DONE);
	}
	(void)snprintf(refname, sizeof(refname), "/xiangzhi-export/%d/%llu",
	    (int)getpid(), (unsigned long long)++export_counter);
	ref = kore_fileref_create(ctx->req->owner->owner->server, refname,
	    fd, st.st_size, &st.st_mtim);
	if (ref == NULL) {
		(void)close(fd);
		exp_failed(ctx, e, 500, "export_failed",
		    "the export file is too large");
		return (XZ_DONE);
	}
	if ((again = kore_fileref_get(refname, ref->ontls)) != NULL)
		kore_fileref_release(again);

	xz_today(today, sizeof(today));
	for (i = o = 0; today[i] != '\0' && o + 1 < sizeof(day); i++)
		if (today[i] != '-')
			day[o++] = today[i];
	day[o] = '\0';
	if (!e->xlsx && e->sheets[0] != 0) {
		(void)snprintf(ascii, sizeof(ascii), "%s-%s-%s.csv",
		    e->ds->name, sh->table, day);
		(void)snprintf(utf8, sizeof(utf8), "%s-%s-%s.csv",
		    e->ds->title, sh->title, day);
	} else {
		(void)snprintf(ascii, sizeof(ascii), "%s-%s.%s", e->ds->name,
		    day, e->xlsx ? "xlsx" : "csv");
		(void)snprintf(utf8, sizeof(utf8), "%s-%s.%s", e->ds->title,
		    day, e->xlsx ? "xlsx" : "csv");
	}
	rfc5987(enc, sizeof(enc), utf8);
	(void)snprintf(disp, sizeof(disp),
	    "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
	(void)snprintf(rows, sizeof(rows), "%zu", e->rows);

	http_response_header(ctx->req, "content-type", e->xlsx ?
	    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" :
	    "text/csv; charset=utf-8");
	http_response_header(ctx->req, "content-disposition", disp);
	http_response_header(ctx->req, "x-export-rows", rows);
	http_response_header(ctx->req, "x-request-id", ctx->request_id);
	http_response_header(ctx->req, "cache-control", "no-store");
	http_response_fileref(ctx->req, 200, ref);

	ctx->status = 200;
	us = xz_now_us() - ctx->started_us;
	xz_metrics_record(ctx->route_index, 200, us);
	xz_log_request(ctx, us);
	exp_free(e);
	return (XZ_DONE);
}

static void
exp_failed(struct xz_ctx *ctx, struct exp *e, int status, const char *code,
    const char *detail)
{
	exp_free(e);
	(void)xz_problem(ctx, status, code, detail, NULL);
}

/*
 * A CSV field: quoted when it holds a separator, quote or line break;
 * one that a spreadsheet would take for a formula (= + - @, tab, CR) gets
 * a leading apostrophe (OWASP CSV injection).
 */
static void
csv_text(struct kore_buf *b, const char *s)
{
	const char	*p;
	int		quote;

	/* ";": where Excel's list separator is ";", it splits cells. */
	quote = strpbrk(s, ",;\"\r\n") != NULL;
	if (quote)
		kore_buf_append(b, "\"", 1);
	if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
	    s[0] == '\t' || s[0] == '\r')
		kore_buf_append(b, "'", 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			kore_buf_append(b, "\"", 1);
		kore_buf_append(b, p, 1);
	}
	if (quote)
		kore_buf_append(b, "\"", 1);
}

/* An integer of hundredths (fen, mu_x100) as 1234.56, exactly. */
static void
csv_hundredths(struct kore_buf *b, const char *v)
{
	long long	n;
	int		neg;

	n = strtoll(v, NULL, 10);
	neg = n < 0;
	if (neg)
		n = -n;
	kore_buf_appendf(b, "%s%lld.%02lld", neg ? "-" : "", n / 100, n % 100);
}

static const char *
label_of(const struct label *l, const char *code)
{
	for (; l != NULL && l->code != NULL; l++)
		if (strcmp(l->code, code) == 0)
			return (l->zh);
	return (code);
}

/* RFC 5987 value characters (attr-char); everything else %XX. */
static void
rfc5987(char *out, size_t len, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	size_t			o;

	o = 0;
	for (p = (const unsigned char *)s; *p != '\0' && o + 4 < len; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p)) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 0x0f];
		}
	}
	out[o] = '\0';
}

static int
no_cursor(const char *s)
{
	(void)s;
	return (0);
}
