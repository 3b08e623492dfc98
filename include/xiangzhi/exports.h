/*
 * Issue 7: exports (app/exports/exports.c).  CSV (UTF-8 with a BOM) and
 * XLSX (libxlsxwriter, constant memory) of the staff roster, deployments,
 * projects with their funding lines, disbursements and cooperatives with
 * members and assets, with the access of the list endpoints they come
 * from.
 */
#ifndef XIANGZHI_EXPORTS_H
#define XIANGZHI_EXPORTS_H

struct xz_ctx;

void	xz_exports_register(void);
/* Removes spool files of workers that are gone (at start). */
void	xz_exports_sweep(void);

/* GET /api/v1/exports/{dataset}: every dataset's route (routes.def). */
int	xz_export_start(struct xz_ctx *);
int	xz_export_next(struct xz_ctx *);

#endif
