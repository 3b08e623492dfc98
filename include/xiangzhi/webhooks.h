/*
 * Issue 7: webhooks.  app/changes/webhooks.c answers the API (county
 * users manage their county's subscriptions); app/changes/webhook_worker.c
 * is the delivery worker (a Kore timer in worker 1, libcurl's multi
 * interface polled without blocking, its own PostgreSQL connection).
 */
#ifndef XIANGZHI_WEBHOOKS_H
#define XIANGZHI_WEBHOOKS_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

struct xz_ctx;
struct kore_buf;

/* Settings, read once in the parent (xz_webhooks_configure). */
struct xz_webhook_config {
	unsigned char	key[32];	/* secretbox key, XZ_WEBHOOK_KEY */
	int		allow_loopback;	/* XZ_WEBHOOK_ALLOW_LOOPBACK=1 */
	int		enabled;	/* XZ_WEBHOOK_WORKER (default 1) */
	long		timeout_ms;	/* XZ_WEBHOOK_TIMEOUT_MS */
	long		base_ms;	/* XZ_WEBHOOK_BACKOFF_BASE_MS */
	long		cap_ms;		/* XZ_WEBHOOK_BACKOFF_CAP_MS */
	long		max_age_s;	/* XZ_WEBHOOK_MAX_AGE_S */
	long		poll_ms;	/* XZ_WEBHOOK_POLL_MS */
	long		parallel;	/* XZ_WEBHOOK_PARALLEL */
	long		retention_days;	/* XZ_CHANGES_RETENTION_DAYS */
};
extern struct xz_webhook_config	xz_webhook;

/* Counters for /metrics, shared by the workers (anonymous mapping). */
struct xz_webhook_stats {
	u_int64_t	fanned_out;	/* deliveries created */
	u_int64_t	delivered;
	u_int64_t	failed;		/* failed attempts */
	u_int64_t	dead;
	u_int64_t	in_flight;	/* gauge */
};
extern struct xz_webhook_stats	*xz_webhook_stats;

/* Parent: environment, key file, libcurl's global init, the counters. */
void	xz_webhooks_configure(void);
/* Worker: statements, and the delivery worker in worker 1. */
void	xz_webhooks_register(void);
void	xz_webhook_worker_start(void);
/* Appends the webhook counters to a /metrics answer. */
void	xz_webhooks_metrics(struct kore_buf *);

/*
 * A subscription URL: http or https, a host, no user info; an IP literal
 * must be public (loopback too when allowed).  Returns 0, or -1 with why.
 */
int	xz_webhook_url_check(const char *url, const char **why);
/* 1 when the socket address may be connected to (public, or allowed). */
int	xz_webhook_addr_ok(const struct sockaddr *, size_t len);

/*
 * The secret, sealed under the key: base64(nonce || secretbox) into out
 * (outlen >= 160).  Returns 0 or -1.  xz_webhook_open reverses it into
 * secret (size >= 64, NUL-terminated).
 */
int	xz_webhook_seal(const char *secret, char *out, size_t outlen);
int	xz_webhook_open(const char *box, char *secret, size_t len);

/* Handlers (routes.def). */
int	xz_hook_start(struct xz_ctx *);
int	xz_hook_done(struct xz_ctx *);

#endif
