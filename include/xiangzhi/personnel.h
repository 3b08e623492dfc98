/*
 * Personnel pooling (app/personnel, issue 4).  Every route of the module
 * runs through the same pair of handlers, which find the route's
 * description (statement, body fields, query filters) in personnel.c.
 */
#ifndef XIANGZHI_PERSONNEL_H
#define XIANGZHI_PERSONNEL_H

struct xz_ctx;

void	xz_personnel_register(void);
int	xz_pers_start(struct xz_ctx *);
int	xz_pers_done(struct xz_ctx *);

#endif
