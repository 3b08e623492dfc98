/*
 * The dashboard web page (issue 7): the files of web/ served at
 * /dashboard/ (app/web/web.c).  They are linked into the module by the
 * Makefile (ld -b binary), ECharts from web/node_modules, so the worker
 * reads no file and the page needs nothing from outside the service.
 */
#ifndef XIANGZHI_WEB_H
#define XIANGZHI_WEB_H

struct xz_ctx;

/* GET /dashboard: 301 to /dashboard/ (relative asset URLs need the slash). */
int	xz_web_redirect(struct xz_ctx *);
/* GET /dashboard/: the page. */
int	xz_web_index(struct xz_ctx *);
/* GET /dashboard/{file}: one file of the allow-list, or 404. */
int	xz_web_file(struct xz_ctx *);

#endif
