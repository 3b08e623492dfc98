/*
 * Issue 7: changes (app/changes/feed.c).
 */
#ifndef XIANGZHI_CHANGES_H
#define XIANGZHI_CHANGES_H

struct xz_ctx;

void	xz_changes_register(void);

#endif
