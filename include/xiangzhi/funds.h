/*
 * Agricultural funds (app/funds).  Every route has a start and a finish
 * handler (xz_<name>, xz_<name>_done): see app/http/routes.def.  The rules
 * live in migrations/0004_funds.sql; the handlers validate and call it.
 */
#ifndef XIANGZHI_FUNDS_H
#define XIANGZHI_FUNDS_H

struct xz_ctx;

/* app/funds/alloc.c */
void	xz_funds_alloc_register(void);
int	xz_fund_settings_get(struct xz_ctx *);
int	xz_fund_settings_get_done(struct xz_ctx *);
int	xz_fund_settings_patch(struct xz_ctx *);
int	xz_fund_settings_patch_done(struct xz_ctx *);
int	xz_fund_sources_list(struct xz_ctx *);
int	xz_fund_sources_list_done(struct xz_ctx *);
int	xz_fund_sources_create(struct xz_ctx *);
int	xz_fund_sources_create_done(struct xz_ctx *);
int	xz_fund_source_get(struct xz_ctx *);
int	xz_fund_source_get_done(struct xz_ctx *);
int	xz_fund_source_patch(struct xz_ctx *);
int	xz_fund_source_patch_done(struct xz_ctx *);
int	xz_fund_allocations_list(struct xz_ctx *);
int	xz_fund_allocations_list_done(struct xz_ctx *);
int	xz_fund_allocations_create(struct xz_ctx *);
int	xz_fund_allocations_create_done(struct xz_ctx *);
int	xz_fund_allocation_get(struct xz_ctx *);
int	xz_fund_allocation_get_done(struct xz_ctx *);
int	xz_fund_allocation_withdraw(struct xz_ctx *);
int	xz_fund_allocation_withdraw_done(struct xz_ctx *);
int	xz_fund_ledger_list(struct xz_ctx *);
int	xz_fund_ledger_list_done(struct xz_ctx *);
int	xz_fund_ledger_verify(struct xz_ctx *);
int	xz_fund_ledger_verify_done(struct xz_ctx *);
int	xz_fund_report(struct xz_ctx *);
int	xz_fund_report_done(struct xz_ctx *);
int	xz_fund_county_summary(struct xz_ctx *);
int	xz_fund_county_summary_done(struct xz_ctx *);
int	xz_fund_filings_list(struct xz_ctx *);
int	xz_fund_filings_list_done(struct xz_ctx *);

/* app/funds/projects.c */
void	xz_funds_projects_register(void);
int	xz_fund_projects_list(struct xz_ctx *);
int	xz_fund_projects_list_done(struct xz_ctx *);
int	xz_fund_projects_create(struct xz_ctx *);
int	xz_fund_projects_create_done(struct xz_ctx *);
int	xz_fund_project_get(struct xz_ctx *);
int	xz_fund_project_get_done(struct xz_ctx *);
int	xz_fund_project_patch(struct xz_ctx *);
int	xz_fund_project_patch_done(struct xz_ctx *);
int	xz_fund_lines_create(struct xz_ctx *);
int	xz_fund_lines_create_done(struct xz_ctx *);
int	xz_fund_line_release(struct xz_ctx *);
int	xz_fund_line_release_done(struct xz_ctx *);
int	xz_fund_project_submit(struct xz_ctx *);
int	xz_fund_project_submit_done(struct xz_ctx *);
int	xz_fund_project_return(struct xz_ctx *);
int	xz_fund_project_return_done(struct xz_ctx *);
int	xz_fund_project_approve(struct xz_ctx *);
int	xz_fund_project_approve_done(struct xz_ctx *);
int	xz_fund_project_review(struct xz_ctx *);
int	xz_fund_project_review_done(struct xz_ctx *);
int	xz_fund_project_start(struct xz_ctx *);
int	xz_fund_project_start_done(struct xz_ctx *);
int	xz_fund_project_complete(struct xz_ctx *);
int	xz_fund_project_complete_done(struct xz_ctx *);
int	xz_fund_project_close(struct xz_ctx *);
int	xz_fund_project_close_done(struct xz_ctx *);
int	xz_fund_project_history(struct xz_ctx *);
int	xz_fund_project_history_done(struct xz_ctx *);

/* app/funds/pay.c */
void	xz_funds_pay_register(void);
int	xz_fund_disbursements_list(struct xz_ctx *);
int	xz_fund_disbursements_list_done(struct xz_ctx *);
int	xz_fund_disbursements_create(struct xz_ctx *);
int	xz_fund_disbursements_create_done(struct xz_ctx *);
int	xz_fund_disbursement_get(struct xz_ctx *);
int	xz_fund_disbursement_get_done(struct xz_ctx *);
int	xz_fund_disbursement_reverse(struct xz_ctx *);
int	xz_fund_disbursement_reverse_done(struct xz_ctx *);

#endif
