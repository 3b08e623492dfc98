/*
 * Issue 7: dashboard (app/dashboard/dashboard.c).
 */
#ifndef XIANGZHI_DASHBOARD_H
#define XIANGZHI_DASHBOARD_H

struct xz_ctx;

void	xz_dashboard_register(void);

#endif
