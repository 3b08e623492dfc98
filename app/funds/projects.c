/*
 * Agricultural funds: projects, funding lines, the workflow and its history.
 */

#include <sys/types.h>

#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/funds.h"
#include "xiangzhi/http.h"

void
xz_funds_projects_register(void)
{
}

int
xz_fund_projects_list(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_projects_list_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_projects_create(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_projects_create_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_get(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_get_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_patch(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_patch_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_lines_create(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_lines_create_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_line_release(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_line_release_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_submit(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_submit_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_return(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_return_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_approve(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_approve_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_review(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_review_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_start(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_start_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_complete(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_complete_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_close(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_close_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_history(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}

int
xz_fund_project_history_done(struct xz_ctx *ctx)
{
	return (xz_problem(ctx, 501, "not_implemented", "not yet", NULL));
}
