/*
 * The Kore module: configuration from the environment (read once in the
 * parent, before workers fork and sandbox themselves), the worker's extra
 * syscalls, and the service endpoints (/healthz, /readyz, /metrics,
 * /api/v1/openapi.json).
 */

#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/seccomp.h>

#include "xiangzhi/changes.h"
#include "xiangzhi/coops.h"
#include "xiangzhi/dashboard.h"
#include "xiangzhi/exports.h"
#include "xiangzhi/funds.h"
#include "xiangzhi/http.h"
#include "xiangzhi/identity.h"
#include "xiangzhi/jwk.h"
#include "xiangzhi/org.h"
#include "xiangzhi/personnel.h"
#include "xiangzhi/secret.h"
#include "xiangzhi/webhooks.h"

/*
 * glibc 2.36 implements stat/fstat with newfstatat, which Kore 4.1's worker
 * filter lacks; libpq calls it while connecting.  Task threads (argon2id,
 * app/http/job.c): glibc tries clone3 first, refused here with ENOSYS so
 * that it falls back to clone (which Kore's task filter allows), and each
 * new thread must register rseq (glibc aborts otherwise).  AddressSanitizer
 * (the test build) asks a new thread for gettid and sched_getaffinity.
 * Nothing else is added (the test suite checks that no worker dies in the
 * sandbox).
 */
KORE_SECCOMP_FILTER("xiangzhi",
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_DENY(clone3, ENOSYS),
	KORE_SYSCALL_ALLOW(rseq),
	KORE_SYSCALL_ALLOW(gettid),
	KORE_SYSCALL_ALLOW(sched_getaffinity),
	/*
	 * Webhook delivery (libcurl, worker 1): its peer's address, and the
	 * resolver thread's glibc stub resolver (A and AAAA queries at once;
	 * without them the thread dies holding the resolver's lock).
	 */
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(sendmmsg),
	KORE_SYSCALL_ALLOW(recvmsg)
);

/* The service signs its own tokens with this key unless told otherwise. */
#define DEFAULT_SIGNING_KEY	"dev-es256:ES256:conf/dev-keys/es256.pem"

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

static void		jwks_build(const struct xz_keyring *);

/*
 * The public half of every RS256/ES256 key as a JWK, built once in the
 * parent; a key is published until its `until` passes.
 */
static char		*jwks_keys[XZ_KEYS_MAX];

static struct xz_stmt	ready_stmt = { "xz_ready", "select 1", 0, -1 };

void	kore_parent_configure(int, char **);
void	kore_worker_configure(void);

static void	identity_configure(void);
static void	resident_key_load(const char *);

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
	identity_configure();
	resident_key_load(xz_env_or("XZ_RESIDENT_ID_KEY",
	    "conf/dev-keys/resident-id.key"));
	jwks_build(&xz_config.keyring);
	xz_config.conninfo = kore_strdup(xz_env_or("XZ_DATABASE_URL", DEFAULT_DB));
	xz_config.pool_size = atoi(xz_env_or("XZ_DB_POOL", "2"));
	if (xz_config.pool_size < 1 || xz_config.pool_size > 64)
		fatal("XZ_DB_POOL must be between 1 and 64");
	v = xz_env_or("XZ_ACCESS_LOG", "1");
	xz_config.access_log = strcmp(v, "0") != 0;
	xz_metrics_init();
	/*
	 * Webhooks (issue 7): XZ_WEBHOOK_KEY (the key webhook secrets are
	 * sealed with; conf/dev-keys/webhook.key is for development only),
	 * XZ_WEBHOOK_* settings of the delivery worker, libcurl's global
	 * init (before the workers fork).
	 */
	xz_webhooks_configure();
	xz_exports_sweep();
}

void
kore_worker_configure(void)
{
	(void)signal(SIGHUP, SIG_IGN);
	xz_config.auth_cache = kore_calloc(1, sizeof(*xz_config.auth_cache));
	xz_db_init(xz_config.conninfo, xz_config.pool_size);
	xz_db_register(&ready_stmt);
	xz_org_register();
	xz_identity_register();
	xz_coops_register();
	xz_assets_register();
	xz_deals_register();
	xz_funds_alloc_register();
	xz_funds_projects_register();
	xz_funds_pay_register();
	xz_personnel_register();
	xz_changes_register();
	xz_webhooks_register();
	xz_dashboard_register();
	xz_exports_register();
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
	const struct xz_keyring	*kr = &xz_config.keyring;
	struct kore_buf		*b;
	time_t			now;
	int			i, n, r;

	now = time(NULL);
	b = kore_buf_alloc(4096);
	kore_buf_append(b, "{\"keys\":[", 9);
	for (i = n = 0; i < kr->count; i++) {
		if (jwks_keys[i] == NULL || !xz_key_active(&kr->keys[i], now))
			continue;
		if (n++ > 0)
			kore_buf_append(b, ",", 1);
		kore_buf_append(b, jwks_keys[i], strlen(jwks_keys[i]));
	}
	kore_buf_append(b, "]}", 2);
	r = xz_reply_raw(ctx, 200, "application/jwk-set+json", b->data,
	    b->offset);
	kore_buf_free(b);
	return (r);
}

/*
 * Identity settings; the signing key's public half joins the keyring (and
 * so the JWKS).  HS256 signing is for development only: it needs
 * XZ_ALLOW_HS256_SIGNING=1.  The argon2id cost is set here, before the
 * workers fork, so that the dummy hash for unknown users is computed once.
 */
static void
identity_configure(void)
{
	struct xz_pwhash_params	pw;
	char			err[256];

	if (xz_signer_load(&xz_identity.signer, &xz_config.keyring,
	    xz_env_or("XZ_JWT_SIGNING_KEY", DEFAULT_SIGNING_KEY), err,
	    sizeof(err)) != 0)
		fatal("XZ_JWT_SIGNING_KEY: %s", err);
	if (xz_identity.signer.alg == JWT_ALG_HS256 &&
	    strcmp(xz_env_or("XZ_ALLOW_HS256_SIGNING", "0"), "1") != 0)
		fatal("XZ_JWT_SIGNING_KEY: HS256 signing is for development "
		    "only; use ES256 or RS256 (or set "
		    "XZ_ALLOW_HS256_SIGNING=1 in development)");
	xz_identity.access_ttl = xz_env_long("XZ_ACCESS_TTL", 900, 60, 86400);
	xz_identity.refresh_ttl = xz_env_long("XZ_REFRESH_TTL", 43200, 300,
	    90 * 86400);
	xz_identity.secret_overlap = xz_env_long("XZ_CLIENT_SECRET_OVERLAP",
	    86400, 0, 7 * 86400);
	xz_identity.login_max = xz_env_long("XZ_LOGIN_MAX_FAILURES", 5, 1, 100);
	xz_identity.login_window = xz_env_long("XZ_LOGIN_WINDOW", 900, 60,
	    86400);
	xz_identity.login_lock = xz_env_long("XZ_LOGIN_LOCK", 900, 60, 86400);
	if (xz_pwhash_params_parse(xz_env_or("XZ_PWHASH_OPS", NULL),
	    xz_env_or("XZ_PWHASH_MEM_KIB", NULL), &pw, err, sizeof(err)) != 0)
		fatal("XZ_PWHASH_*: %s", err);
	if (xz_secret_configure(&pw) != 0)
		fatal("argon2id: cannot configure");
}

/*
 * The key resident ID numbers are matched by (64 hex digits in a file).
 * Changing it orphans every stored HMAC: keep it with the database backups.
 */
static void
resident_key_load(const char *path)
{
	FILE		*f;
	char		hex[80];
	size_t		i;
	unsigned int	b;

	if ((f = fopen(path, "r")) == NULL)
		fatal("XZ_RESIDENT_ID_KEY: cannot open %s", path);
	if (fgets(hex, sizeof(hex), f) == NULL)
		hex[0] = '\0';
	(void)fclose(f);
	hex[strcspn(hex, "\r\n")] = '\0';
	if (strlen(hex) != 64)
		fatal("XZ_RESIDENT_ID_KEY: %s must hold 64 hex digits", path);
	for (i = 0; i < 32; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			fatal("XZ_RESIDENT_ID_KEY: %s is not hex", path);
		xz_config.resident_id_key[i] = (unsigned char)b;
	}
	sodium_memzero(hex, sizeof(hex));
}

/* An integer setting in [min, max]; anything else is fatal. */
long
xz_env_long(const char *name, long def, long min, long max)
{
	const char	*v;
	long long	n;

	if ((v = xz_env_or(name, NULL)) == NULL)
		return (def);
	if (xz_parse_ll(v, min, max, &n) != 0)
		fatal("%s must be an integer from %ld to %ld", name, min, max);
	return ((long)n);
}

/*
 * The service's own public keys: HS256 secrets and external providers' keys
 * are never published; a key that cannot be a JWK is fatal.
 */
static void
jwks_build(const struct xz_keyring *kr)
{
	json_t		*jwk;
	char		err[256], *s;
	int		i;

	for (i = 0; i < kr->count; i++) {
		if (kr->keys[i].alg == JWT_ALG_HS256 || kr->keys[i].issuer != 0)
			continue;
		jwk = xz_jwk_from_pem((const char *)kr->keys[i].key,
		    kr->keys[i].keylen, kr->keys[i].kid,
		    jwt_alg_str(kr->keys[i].alg), err, sizeof(err));
		if (jwk == NULL)
			fatal("key %s: %s", kr->keys[i].kid, err);
		if ((s = json_dumps(jwk, JSON_COMPACT)) == NULL)
			fatal("jwks_build: cannot encode");
		json_decref(jwk);
		jwks_keys[i] = kore_strdup(s);
		free(s);
	}
}
