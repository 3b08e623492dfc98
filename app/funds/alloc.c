/*
 * Agricultural funds: sources, allocations, settings, the ledger, filings and reports.
 */

#include <sys/types.h>

#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/funds.h"
#include "xiangzhi/http.h"

void
xz_funds_alloc_register(void)
{
}

int
xz_fund_settings_get(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_settings_get_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_settings_patch(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_settings_patch_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_sources_list(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_sources_list_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_sources_create(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_sources_create_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_source_get(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_source_get_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_source_patch(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_source_patch_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_allocations_list(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_allocations_list_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_allocations_create(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_allocations_create_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_allocation_get(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_allocation_get_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_allocation_withdraw(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_allocation_withdraw_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_ledger_list(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_ledger_list_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_ledger_verify(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_ledger_verify_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_report(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_report_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_county_summary(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_county_summary_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_filings_list(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_filings_list_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}
