/*
 * Agricultural funds: disbursements and their reversals.
 *
 * Money moves only through xz.fund_disburse and xz.fund_reverse
 * (migrations/0004_funds.sql): they lock what they spend from, refuse
 * what would overspend (SQLSTATE class XZ, answered by xz_tx_failed) and
 * remember the Idempotency-Key with the body they were given and the
 * answer they gave.  A retry with the same key and body gets that answer
 * again (201, the same body and Location) marked `idempotent-replayed:
 * true`; the same key with another body is 422 idempotency_key_reused.
 * The key is required on both POSTs and checked here first; then every
 * body member (paid_on not after today in Asia/Shanghai, cooperative_id
 * only for a cooperative payee).  A correction is a reversal, never an
 * edit: a disbursement's only change is its reversed_by.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/funds.h"
#include "xiangzhi/http.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define NIL_UUID	"00000000-0000-0000-0000-000000000000"
#define FEN_MAX		10000000000000LL	/* 1e13 */
#define KEY_MAX		64

static struct xz_stmt	disb_list = { "fund_disb_list",
	"select xz.fund_disbursement_json(d)::text, d.id::text"
	" from fund_disbursements d where d.project_id = $1::uuid"
	" and d.id > $2::uuid and ($3::text is null or d.kind = $3::text)"
	" order by d.id limit $4",
	4, -1 };
static struct xz_stmt	disb_project = { "fund_disb_project",
	"select 1 from fund_projects p where p.id = $1::uuid",
	1, -1 };
/* Its ETag: 1, then 2 once reversed (its only change). */
static struct xz_stmt	disb_get = { "fund_disb_get",
	"select s.j::text, case when s.j->>'reversed_by' is null"
	" then '1' else '2' end from (select xz.fund_disbursement_json(d)"
	" as j from fund_disbursements d where d.id = $1::uuid) as s",
	1, -1 };
static struct xz_stmt	disb_create = { "fund_disb_create",
	"select r.replayed, r.body::text, r.body->>'id'"
	" from xz.fund_disburse($1::uuid, $2::text, $3::jsonb) as r",
	3, -1 };
static struct xz_stmt	disb_reverse = { "fund_disb_reverse",
	"select r.replayed, r.body::text, r.body->>'id'"
	" from xz.fund_reverse($1::uuid, $2::text, $3::text) as r",
	3, -1 };

static const char *const	payee_kinds[] = { "contractor",
	"village_collective", "cooperative", NULL };
static const char *const	disb_kinds[] = { "payment", "reversal", NULL };

static const struct xz_field	disb_fields[] = {
	{ "amount_fen", XZ_FT_INT, 1, 1, FEN_MAX, NULL },
	{ "payee_kind", XZ_FT_ENUM, 1, 0, 0, payee_kinds },
	{ "payee_name", XZ_FT_STRING, 1, 1, 200, NULL },
	{ "cooperative_id", XZ_FT_UUID, 0, 0, 0, NULL },
	{ "voucher_no", XZ_FT_STRING, 1, 1, 64, NULL },
	{ "paid_on", XZ_FT_DATE, 1, 0, 0, NULL },
};

static const struct xz_field	reverse_fields[] = {
	{ "reason", XZ_FT_STRING, 1, 1, 500, NULL },
};

static const char *const	list_filters[] = { "kind", NULL };

static int	idempotency_key(struct xz_ctx *, const char **);
static int	reply_money(struct xz_ctx *);

void
xz_funds_pay_register(void)
{
	xz_db_register(&disb_list);
	xz_db_register(&disb_project);
	xz_db_register(&disb_get);
	xz_db_register(&disb_create);
	xz_db_register(&disb_reverse);
}

/*
 * GET /api/v1/fund-projects/{id}/disbursements ?kind: payments and
 * reversals of a project the caller reads (404 when it does not).
 */
int
xz_fund_disbursements_list(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			vals[nitems(list_filters) - 1]
				    [XZ_FILTER_MAX];
	const char		*id;
	char			limit[24];
	size_t			i;

	memset(vals, 0, sizeof(vals));
	id = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_paging_parse_filters(ctx, xz_uuid_valid, list_filters,
	    vals, &errs);
	if (vals[0][0] != '\0') {
		for (i = 0; disb_kinds[i] != NULL; i++) {
			if (strcmp(disb_kinds[i], vals[0]) == 0)
				break;
		}
		if (disb_kinds[i] == NULL)
			xz_errors_add(&errs, 1, "kind", "enum",
			    "kind is payment or reversal");
	}
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	if (ctx->cursor[0] == '\0')
		kore_strlcpy(ctx->cursor, NIL_UUID, sizeof(ctx->cursor));
	(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
	xz_ctx_tx(ctx, 1);
	ctx->q_main = xz_tx_add(ctx->tx, &disb_list, id, ctx->cursor,
	    vals[0][0] != '\0' ? vals[0] : NULL, limit);
	ctx->q_check = xz_tx_add(ctx->tx, &disb_project, id);
	return (xz_ctx_run(ctx));
}

int
xz_fund_disbursements_list_done(struct xz_ctx *ctx)
{
	return (xz_reply_list(ctx, "project"));
}

/*
 * POST /api/v1/fund-projects/{id}/disbursements with Idempotency-Key:
 * {amount_fen, payee_kind, payee_name, cooperative_id?, voucher_no,
 * paid_on}.
 */
int
xz_fund_disbursements_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id, *key, *kind, *paid;
	char			today[16], *body;
	int			r;

	if ((r = idempotency_key(ctx, &key)) != XZ_NEXT)
		return (r);
	id = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_validate(ctx->body, disb_fields, nitems(disb_fields), &errs);
	xz_blank_check(ctx->body, disb_fields, nitems(disb_fields), &errs);
	kind = xz_body_str(ctx, "payee_kind");
	if (json_object_get(ctx->body, "cooperative_id") != NULL &&
	    kind != NULL && strcmp(kind, "cooperative") != 0)
		xz_errors_add(&errs, 0, "/cooperative_id", "not_allowed",
		    "cooperative_id is for a cooperative payee only");
	paid = xz_body_str(ctx, "paid_on");
	xz_today(today, sizeof(today));
	if (paid != NULL && xz_date_valid(paid) && strcmp(paid, today) > 0)
		xz_errors_add(&errs, 0, "/paid_on", "out_of_range",
		    "paid_on must not be after today (%s, Asia/Shanghai)",
		    today);
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	if ((body = json_dumps(ctx->body, JSON_COMPACT)) == NULL)
		return (xz_problem(ctx, 500, "internal_error",
		    "the body could not be encoded", NULL));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &disb_create, id, key,
	    body);
	free(body);
	return (xz_ctx_run(ctx));
}

int
xz_fund_disbursements_create_done(struct xz_ctx *ctx)
{
	return (reply_money(ctx));
}

int
xz_fund_disbursement_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &disb_get));
}

int
xz_fund_disbursement_get_done(struct xz_ctx *ctx)
{
	return (xz_reply_one(ctx, "disbursement"));
}

/*
 * POST /api/v1/disbursements/{id}/reverse with Idempotency-Key:
 * {reason}.  201 with the reversal.
 */
int
xz_fund_disbursement_reverse(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id, *key;
	int			r;

	if ((r = idempotency_key(ctx, &key)) != XZ_NEXT)
		return (r);
	id = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_validate(ctx->body, reverse_fields, nitems(reverse_fields),
	    &errs);
	xz_blank_check(ctx->body, reverse_fields, nitems(reverse_fields),
	    &errs);
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &disb_reverse, id, key,
	    xz_body_str(ctx, "reason"));
	return (xz_ctx_run(ctx));
}

int
xz_fund_disbursement_reverse_done(struct xz_ctx *ctx)
{
	return (reply_money(ctx));
}

/*
 * The Idempotency-Key header: 1 to KEY_MAX characters of
 * [A-Za-z0-9._:-].  Returns XZ_NEXT with *key set, or the 400 (like every
 * other 400, validation_failed; the error names the header and says
 * idempotency_key_required or idempotency_key_invalid).
 */
static int
idempotency_key(struct xz_ctx *ctx, const char **key)
{
	struct xz_errors	errs = { 0 };
	const char		*k;
	size_t			i;

	*key = NULL;
	if (!http_request_header(ctx->req, "idempotency-key", &k)) {
		xz_errors_add(&errs, 1, "Idempotency-Key",
		    "idempotency_key_required", "send an Idempotency-Key "
		    "header: a key of your own for this payment");
		return (xz_bad(ctx, &errs));
	}
	for (i = 0; k[i] != '\0' && i <= KEY_MAX; i++) {
		if (!isalnum((unsigned char)k[i]) && k[i] != '.' &&
		    k[i] != '_' && k[i] != ':' && k[i] != '-')
			break;
	}
	if (i == 0 || i > KEY_MAX || k[i] != '\0') {
		xz_errors_add(&errs, 1, "Idempotency-Key",
		    "idempotency_key_invalid", "Idempotency-Key is 1 to %d "
		    "characters of A-Z a-z 0-9 . _ : -", KEY_MAX);
		return (xz_bad(ctx, &errs));
	}
	*key = k;
	return (XZ_NEXT);
}

/*
 * (replayed, the disbursement, its id): 201 with its Location, the first
 * time and on every replay, which says so in a header.
 */
static int
reply_money(struct xz_ctx *ctx)
{
	PGresult	*res;
	char		loc[96];

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 1))
		return (xz_problem(ctx, 500, "internal_error",
		    "the payment could not be recorded", NULL));
	if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		http_response_header(ctx->req, "idempotent-replayed", "true");
	if (!PQgetisnull(res, 0, 2)) {
		(void)snprintf(loc, sizeof(loc), "/api/v1/disbursements/%s",
		    PQgetvalue(res, 0, 2));
		http_response_header(ctx->req, "location", loc);
	}
	return (xz_reply_raw(ctx, 201, "application/json",
	    PQgetvalue(res, 0, 1), PQgetlength(res, 0, 1)));
}
