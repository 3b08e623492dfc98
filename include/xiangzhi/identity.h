/*
 * Identity (app/identity): the token endpoint, sessions, users and partner
 * clients.
 */
#ifndef XIANGZHI_IDENTITY_H
#define XIANGZHI_IDENTITY_H

#include "xiangzhi/auth.h"

struct xz_ctx;

/* Read once in the parent (app/module.c); defaults in brackets. */
struct xz_identity_config {
	struct xz_signer	signer;		/* XZ_JWT_SIGNING_KEY */
	long			access_ttl;	/* XZ_ACCESS_TTL [900] */
	long			refresh_ttl;	/* XZ_REFRESH_TTL [43200] */
	long			secret_overlap;	/* XZ_CLIENT_SECRET_OVERLAP [86400] */
	long			login_max;	/* XZ_LOGIN_MAX_FAILURES [5] */
	long			login_window;	/* XZ_LOGIN_WINDOW [900] */
	long			login_lock;	/* XZ_LOGIN_LOCK [900] */
};
extern struct xz_identity_config	xz_identity;

void	xz_identity_register(void);
void	xz_users_register(void);
void	xz_clients_register(void);

/* 1 when s is a login name: [a-z0-9][a-z0-9._-]{2,63}. */
int	xz_login_valid(const char *);

int	xz_token(struct xz_ctx *);
int	xz_token_done(struct xz_ctx *);
int	xz_logout(struct xz_ctx *);
int	xz_logout_done(struct xz_ctx *);
int	xz_me(struct xz_ctx *);
int	xz_me_done(struct xz_ctx *);
int	xz_password_change(struct xz_ctx *);
int	xz_password_change_done(struct xz_ctx *);

int	xz_users_list(struct xz_ctx *);
int	xz_users_create(struct xz_ctx *);
int	xz_users_create_done(struct xz_ctx *);
int	xz_user_get(struct xz_ctx *);
int	xz_user_patch(struct xz_ctx *);
int	xz_user_reset(struct xz_ctx *);
int	xz_user_reset_done(struct xz_ctx *);
int	xz_user_unlock(struct xz_ctx *);
int	xz_user_unlock_done(struct xz_ctx *);

int	xz_clients_list(struct xz_ctx *);
int	xz_clients_create(struct xz_ctx *);
int	xz_clients_create_done(struct xz_ctx *);
int	xz_client_get(struct xz_ctx *);
int	xz_client_patch(struct xz_ctx *);
int	xz_client_patch_done(struct xz_ctx *);
int	xz_client_rotate(struct xz_ctx *);
int	xz_client_rotate_done(struct xz_ctx *);

#endif
