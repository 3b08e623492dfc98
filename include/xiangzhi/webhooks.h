/*
 * Issue 7: webhooks (app/changes/webhooks.c).
 */
#ifndef XIANGZHI_WEBHOOKS_H
#define XIANGZHI_WEBHOOKS_H

struct xz_ctx;

void	xz_webhooks_register(void);

#endif
