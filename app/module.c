/*
 * The Kore module: configuration from the environment (read once in the
 * parent, before workers fork and sandbox themselves), the worker's extra
 * syscalls, and the service endpoints (/healthz, /readyz, /metrics,
 * /api/v1/openapi.json).
 */

#include <sys/types.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/seccomp.h>

#include "xiangzhi/http.h"
#include "xiangzhi/jwk.h"
#include "xiangzhi/org.h"

/*
 * glibc 2.36 implements stat/fstat with newfstatat, which Kore 4.1's worker
 * filter lacks; libpq calls it while connecting.  Nothing else is added
 * (the test suite checks that no worker dies in the sandbox).
 */
KORE_SECCOMP_FILTER("xiangzhi",
	KORE_SYSCALL_ALLOW(newfstatat)
);

#define DEFAULT_KEYS							\
	"dev-hs256:HS256:conf/dev-keys/hs256.key,"			\
	"dev-rs256:RS256:conf/dev-keys/rs256.pub.pem,"			\
	"dev-es256:ES256:conf/dev-keys/es256.pub.pem"
#define DEFAULT_DB							\
	"host=127.0.0.1 port=54329 dbname=xiangzhi user=xiangzhi_app"	\
	" password=xiangzhi-dev-app"

/* The OpenAPI document, linked in by the Makefile (ld -b binary). */
extern const char	_binary_app_http_openapi_json_start[];
extern const char	_binary_app_http_openapi_json_end[];

struct xz_config	xz_config;

static char		*jwks_build(const struct xz_keyring *);

/* The public half of every RS256/ES256 key, built once in the parent. */
static char		*jwks_json;

static struct xz_stmt	ready_stmt = { "xz_ready", "select 1", 0, -1 };

void	kore_parent_configure(int, char **);
void	kore_worker_configure(void);

void
kore_parent_configure(int argc, char **argv)
{
	char		err[256];
	const char	*v;

	(void)argc;
	(void)argv;
	/*
	 * No module reload: SIGHUP would reset every static (keys, pool,
	 * metrics) under live connections whose handlers live in this module.
	 * Restart the service instead.  Workers inherit the disposition.
	 */
	(void)signal(SIGHUP, SIG_IGN);
	xz_keyring_init(&xz_config.keyring,
	    xz_env_or("XZ_JWT_ISSUER", "xiangzhi-dev"),
	    xz_env_or("XZ_JWT_AUDIENCE", "xiangzhi"),
	    atol(xz_env_or("XZ_JWT_LEEWAY", "30")));
	if (xz_keyring_load_spec(&xz_config.keyring,
	    xz_env_or("XZ_JWT_KEYS", DEFAULT_KEYS), err, sizeof(err)) != 0)
		fatal("XZ_JWT_KEYS: %s", err);
	/* External identity providers, if any (their keys are not published). */
	if ((v = xz_env_or("XZ_TRUSTED_ISSUERS_FILE", NULL)) != NULL &&
	    xz_keyring_load_issuers(&xz_config.keyring, v, err,
	    sizeof(err)) != 0)
		fatal("XZ_TRUSTED_ISSUERS_FILE: %s", err);
	jwks_json = jwks_build(&xz_config.keyring);
	xz_config.conninfo = kore_strdup(xz_env_or("XZ_DATABASE_URL", DEFAULT_DB));
	xz_config.pool_size = atoi(xz_env_or("XZ_DB_POOL", "2"));
	if (xz_config.pool_size < 1 || xz_config.pool_size > 64)
		fatal("XZ_DB_POOL must be between 1 and 64");
	v = xz_env_or("XZ_ACCESS_LOG", "1");
	xz_config.access_log = strcmp(v, "0") != 0;
	xz_metrics_init();
}

void
kore_worker_configure(void)
{
	(void)signal(SIGHUP, SIG_IGN);
	xz_config.auth_cache = kore_calloc(1, sizeof(*xz_config.auth_cache));
	xz_db_init(xz_config.conninfo, xz_config.pool_size);
	xz_db_register(&ready_stmt);
	xz_org_register();
}

int
xz_healthz(struct xz_ctx *ctx)
{
	return (xz_reply_raw(ctx, 200, "application/json",
	    "{\"status\":\"ok\"}", 15));
}

int
xz_readyz(struct xz_ctx *ctx)
{
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &ready_stmt);
	return (xz_ctx_run(ctx));
}

int
xz_readyz_done(struct xz_ctx *ctx)
{
	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	return (xz_reply_raw(ctx, 200, "application/json",
	    "{\"status\":\"ready\"}", 18));
}

int
xz_metrics(struct xz_ctx *ctx)
{
	return (xz_metrics_render(ctx));
}

int
xz_openapi(struct xz_ctx *ctx)
{
	return (xz_reply_raw(ctx, 200, "application/json",
	    _binary_app_http_openapi_json_start,
	    (size_t)(_binary_app_http_openapi_json_end -
	    _binary_app_http_openapi_json_start)));
}

int
xz_jwks(struct xz_ctx *ctx)
{
	return (xz_reply_raw(ctx, 200, "application/jwk-set+json",
	    jwks_json, strlen(jwks_json)));
}

/*
 * The service's own public keys: HS256 secrets and external providers' keys
 * are never published; a key that cannot be a JWK is fatal.
 */
static char *
jwks_build(const struct xz_keyring *kr)
{
	json_t		*keys, *jwk;
	char		err[256], *s, *out;
	int		i;

	keys = json_array();
	for (i = 0; i < kr->count; i++) {
		if (kr->keys[i].alg == JWT_ALG_HS256 || kr->keys[i].issuer != 0)
			continue;
		jwk = xz_jwk_from_pem((const char *)kr->keys[i].key,
		    kr->keys[i].keylen, kr->keys[i].kid,
		    jwt_alg_str(kr->keys[i].alg), err, sizeof(err));
		if (jwk == NULL)
			fatal("key %s: %s", kr->keys[i].kid, err);
		(void)json_array_append_new(keys, jwk);
	}
	s = json_dumps(json_pack("{s:o}", "keys", keys), JSON_COMPACT);
	if (s == NULL)
		fatal("jwks_build: cannot encode");
	out = kore_strdup(s);
	free(s);
	return (out);
}

