/*
 * Agricultural funds: disbursements and their reversals.
 */

#include <sys/types.h>

#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/funds.h"
#include "xiangzhi/http.h"

void
xz_funds_pay_register(void)
{
}

int
xz_fund_disbursements_list(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_disbursements_list_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_disbursements_create(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_disbursements_create_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_disbursement_get(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_disbursement_get_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_disbursement_reverse(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_disbursement_reverse_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}
