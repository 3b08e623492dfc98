/*
 * The county -> township -> village hierarchy (app/org).
 */
#ifndef XIANGZHI_ORG_H
#define XIANGZHI_ORG_H

struct xz_ctx;

void	xz_org_register(void);

int	xz_county_get(struct xz_ctx *);
int	xz_townships_list(struct xz_ctx *);
int	xz_townships_create(struct xz_ctx *);
int	xz_township_get(struct xz_ctx *);
int	xz_township_patch(struct xz_ctx *);
int	xz_villages_list(struct xz_ctx *);
int	xz_villages_list_done(struct xz_ctx *);
int	xz_villages_create(struct xz_ctx *);
int	xz_village_get(struct xz_ctx *);
int	xz_village_patch(struct xz_ctx *);

/* Shared finishers. */
int	xz_org_one_done(struct xz_ctx *);	/* single row, 404 if none */
int	xz_org_list_done(struct xz_ctx *);	/* page of rows */
int	xz_org_created_done(struct xz_ctx *);	/* 201 with Location */
int	xz_org_patched_done(struct xz_ctx *);	/* 200, 404 or 412 */

/* Service endpoints (app/module.c). */
int	xz_healthz(struct xz_ctx *);
int	xz_readyz(struct xz_ctx *);
int	xz_readyz_done(struct xz_ctx *);
int	xz_metrics(struct xz_ctx *);
int	xz_openapi(struct xz_ctx *);
int	xz_jwks(struct xz_ctx *);

#endif
