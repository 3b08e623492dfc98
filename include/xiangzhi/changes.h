/*
 * Issue 7: changes (app/changes/feed.c).
 */
#ifndef XIANGZHI_CHANGES_H
#define XIANGZHI_CHANGES_H

struct xz_ctx;

void	xz_changes_register(void);

/* GET /api/v1/changes (app/changes/feed.c). */
int	xz_changes_list(struct xz_ctx *);
int	xz_changes_list_done(struct xz_ctx *);

#endif
