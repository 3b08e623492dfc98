/*
 * Issue 7: dashboard (app/dashboard/dashboard.c).
 */
#ifndef XIANGZHI_DASHBOARD_H
#define XIANGZHI_DASHBOARD_H

struct xz_ctx;

void	xz_dashboard_register(void);

/* GET /api/v1/dashboard/summary (start, finish). */
int	xz_dashboard_summary(struct xz_ctx *);
int	xz_dashboard_summary_done(struct xz_ctx *);

#endif
