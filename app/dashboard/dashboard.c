/*
 * County dashboard (issue 7): GET /api/v1/dashboard/summary.
 *
 * The figures come from aggregate tables kept by triggers
 * (migrations/0008_dashboard.sql, which says what each figure means), so
 * one statement computes the summary from a bounded number of rows.
 * The ETag is a version the database derives from the rows the summary
 * reads, the parameters and today: a request with If-None-Match first
 * runs only that (cheap) version query and answers 304 when it matches;
 * otherwise, or without If-None-Match, one transaction reads the version
 * and the summary together, so the ETag always belongs to the body.
 *
 * Query: from, to (YYYY-MM-DD; to defaults to today in Asia/Shanghai,
 * from to 1 January of to's year; from <= to, at most 366 days) and
 * township (9 digits).  Tenancy is the row policies' (and
 * xz.dashboard_townships'): a township outside the caller's reach is 404.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/dashboard.h"

#define DASH_SPAN_DAYS	366

/* Parameters as text (ctx->data). */
struct dash_query {
	char	from[11];
	char	to[11];
	char	today[11];
	char	township[10];
	int	has_township;
};

static struct xz_stmt	dash_version = { "dash_version",
	"select xz.dashboard_version($1, $2::date, $3::date, $4::date)",
	4, -1 };

static struct xz_stmt	dash_summary = { "dash_summary",
	"select xz.dashboard_summary($1, $2::date, $3::date, $4::date)",
	4, -1 };

static int	dash_parse(struct xz_ctx *, struct dash_query *,
		    struct xz_errors *);
static int	dash_run(struct xz_ctx *, int);
static int	no_cursor(const char *);

void
xz_dashboard_register(void)
{
	xz_db_register(&dash_version);
	xz_db_register(&dash_summary);
}

int
xz_dashboard_summary(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	struct dash_query	*q;
	const char		*inm;

	q = ctx->data = kore_calloc(1, sizeof(*q));
	if (dash_parse(ctx, q, &errs) != 0)
		return (xz_bad(ctx, &errs));
	/* With If-None-Match, the version alone first (phase 1). */
	if (http_request_header(ctx->req, "if-none-match", &inm))
		return (dash_run(ctx, 1));
	return (dash_run(ctx, 2));
}

int
xz_dashboard_summary_done(struct xz_ctx *ctx)
{
	PGresult	*ver, *res;
	const char	*v;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	ver = xz_tx_result(ctx->tx, ctx->q_check);
	if (PQntuples(ver) != 1 || PQgetisnull(ver, 0, 0))
		return (xz_problem(ctx, 404, "not_found", "no such township",
		    NULL));
	v = PQgetvalue(ver, 0, 0);
	if (ctx->phase == 1) {
		if (xz_not_modified(ctx, v)) {
			xz_set_etag(ctx, v);
			http_response_header(ctx->req, "cache-control",
			    "private, no-cache");
			return (xz_reply_empty(ctx, 304));
		}
		xz_tx_release(ctx->tx);
		ctx->tx = NULL;
		return (dash_run(ctx, 2));
	}
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		return (xz_problem(ctx, 404, "not_found", "no such township",
		    NULL));
	xz_set_etag(ctx, v);
	http_response_header(ctx->req, "cache-control", "private, no-cache");
	return (xz_reply_raw(ctx, 200, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

/* Phase 1: the version; phase 2: the version and the summary. */
static int
dash_run(struct xz_ctx *ctx, int phase)
{
	struct dash_query	*q = ctx->data;
	const char		*tw;

	tw = q->has_township ? q->township : NULL;
	ctx->phase = phase;
	xz_ctx_tx(ctx, 1);
	ctx->q_check = xz_tx_add(ctx->tx, &dash_version, tw, q->from, q->to,
	    q->today);
	if (phase == 2)
		ctx->q_main = xz_tx_add(ctx->tx, &dash_summary, tw, q->from,
		    q->to, q->today);
	return (xz_ctx_run(ctx));
}

static int
dash_parse(struct xz_ctx *ctx, struct dash_query *q, struct xz_errors *errs)
{
	static const char *const	names[] = { "from", "to", "township",
					    NULL };
	char		vals[3][XZ_FILTER_MAX];
	long long	f, t;
	int		y, m, d, bad;

	memset(vals, 0, sizeof(vals));
	if (xz_paging_parse_filters(ctx, no_cursor, names, vals, errs) != 0)
		return (-1);
	if (ctx->limit != XZ_PAGE_DEFAULT || xz_query_has(ctx, "limit")) {
		xz_errors_add(errs, 1, "limit", "unknown_parameter",
		    "the summary has no pages");
		return (-1);
	}
	xz_today(q->today, sizeof(q->today));
	bad = 0;
	if (vals[0][0] != '\0' && !xz_date_valid(vals[0])) {
		xz_errors_add(errs, 1, "from", "format",
		    "from must be a date YYYY-MM-DD");
		bad = 1;
	}
	if (vals[1][0] != '\0' && !xz_date_valid(vals[1])) {
		xz_errors_add(errs, 1, "to", "format",
		    "to must be a date YYYY-MM-DD");
		bad = 1;
	}
	if (vals[2][0] != '\0') {
		if (!xz_code_valid(vals[2], XZ_LEVEL_TOWNSHIP))
			xz_errors_add(errs, 1, "township", "format",
			    "township must be exactly %d digits",
			    XZ_LEVEL_TOWNSHIP);
		else {
			kore_strlcpy(q->township, vals[2],
			    sizeof(q->township));
			q->has_township = 1;
		}
	}
	if (bad)
		return (-1);
	kore_strlcpy(q->to, vals[1][0] != '\0' ? vals[1] : q->today,
	    sizeof(q->to));
	if (vals[0][0] != '\0')
		kore_strlcpy(q->from, vals[0], sizeof(q->from));
	else
		(void)snprintf(q->from, sizeof(q->from), "%.4s-01-01", q->to);
	(void)sscanf(q->from, "%d-%d-%d", &y, &m, &d);
	f = xz_days_from_civil(y, m, d);
	(void)sscanf(q->to, "%d-%d-%d", &y, &m, &d);
	t = xz_days_from_civil(y, m, d);
	/* The parameter the caller gave is the one at fault. */
	if (t < f)
		xz_errors_add(errs, 1, vals[1][0] != '\0' ? "to" : "from",
		    "range", "from must be on or before to");
	else if (t - f + 1 > DASH_SPAN_DAYS)
		xz_errors_add(errs, 1, vals[0][0] != '\0' ? "from" : "to",
		    "range", "from..to spans at most %d days",
		    DASH_SPAN_DAYS);
	return (errs->count > 0 ? -1 : 0);
}

static int
no_cursor(const char *s)
{
	(void)s;
	return (0);
}

