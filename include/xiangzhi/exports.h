/*
 * Issue 7: exports (app/exports/exports.c).
 */
#ifndef XIANGZHI_EXPORTS_H
#define XIANGZHI_EXPORTS_H

struct xz_ctx;

void	xz_exports_register(void);

#endif
