/*
 * The token endpoint (OAuth 2.0 style: password, client_credentials and
 * refresh_token grants), logout, /auth/me and the caller's own password
 * change.
 *
 * A password grant is three steps, each in its own transaction or task:
 *   1. xz_auth.login_begin: is the login locked?  count the attempt, fetch
 *      the hash (none for an unknown login);
 *   2. argon2id in a task thread (a dummy hash of equal cost when there is
 *      no user), plus a rehash when the stored parameters are outdated;
 *   3. xz_auth.login_finish: the outcome (lock after too many failures,
 *      or a new session with its first refresh token).
 * Refresh tokens are opaque random strings; only their SHA-256 is stored.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/identity.h"
#include "xiangzhi/secret.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define PARTNER_SCOPES	"org:read coops:read bookings:write funds:read " \
			    "dashboard:read changes:read"

enum grant { GRANT_PASSWORD = 1, GRANT_CLIENT, GRANT_REFRESH };

/* Between the steps of one token request (ctx->data). */
struct token_state {
	enum grant	grant;
	char		login[72];
	char		user_id[40];
	char		refresh[XZ_RANDOM_BUFSZ];
	char		scope[512];
	char		client_county[8];
	char		client_townships[XZ_GRANTS_MAX];
	char		client_scopes[512];
	int		client_active;
	int		known;
};

struct xz_identity_config	xz_identity;

static struct xz_stmt	login_begin = { "login_begin",
	"select state, user_id, password_hash,"
	" extract(epoch from locked_until - now())::bigint"
	" from xz_auth.login_begin($1, $2, $3::integer,"
	" make_interval(secs => $4::integer))",
	4, -1 };
static struct xz_stmt	login_finish = { "login_finish",
	"select state, extract(epoch from locked_until - now())::bigint,"
	" user_id, level, county_code, township_code, village_code,"
	" must_change_password, session_id"
	" from xz_auth.login_finish($1, $2::uuid, $3::boolean, $4,"
	" make_interval(secs => $5::integer), $6, $7, $8::integer,"
	" make_interval(secs => $9::integer))",
	9, -1 };
static struct xz_stmt	token_refresh = { "token_refresh",
	"select state, user_id, level, county_code, township_code,"
	" village_code, must_change_password, session_id"
	" from xz_auth.refresh($1, $2, make_interval(secs => $3::integer), $4)",
	4, -1 };
static struct xz_stmt	client_begin = { "client_begin",
	"select status, secret_hash, previous_secret_hash, county_code,"
	" array_to_string(scopes, ' '),"
	" coalesce(array_to_string(townships, ','), '*')"
	" from xz_auth.client_begin($1::uuid)",
	1, -1 };
static struct xz_stmt	session_logout = { "session_logout",
	"select xz_auth.logout()",
	0, -1 };
static struct xz_stmt	me_user = { "me_user",
	"select json_build_object('id', id, 'login', login,"
	" 'display_name', display_name, 'level', level,"
	" 'must_change_password', must_change_password,"
	" 'password_changed_at', password_changed_at)::text"
	" from users where id::text = $1",
	1, -1 };
static struct xz_stmt	pwchange_login = { "pwchange_login",
	"select login from users where id::text = xz.claim('sub')"
	" and status = 'active'",
	0, -1 };
static struct xz_stmt	pwchange_set = { "pwchange_set",
	"select xz_auth.set_own_password($1)",
	1, -1 };
static struct xz_stmt	pwchange_failed = { "pwchange_failed",
	"select state, extract(epoch from locked_until - now())::bigint"
	" from xz_auth.login_finish($1, null, false, null, null, null, $2,"
	" $3::integer, make_interval(secs => $4::integer))",
	4, -1 };

static const struct xz_field	pwchange_fields[] = {
	{ "old_password", XZ_FT_STRING, 1, 1, XZ_PASSWORD_MAX, NULL },
	{ "new_password", XZ_FT_STRING, 1, 1, XZ_PASSWORD_MAX * 4, NULL },
};

static int	token_password(struct xz_ctx *, struct token_state *);
static int	token_client(struct xz_ctx *, struct token_state *);
static int	token_refresh_start(struct xz_ctx *, struct token_state *);
static int	token_issue(struct xz_ctx *, struct token_state *, PGresult *,
		    int first);
static int	token_locked(struct xz_ctx *, PGresult *, int col);
static int	token_scope_ok(const char *want, const char *granted);
static void	num(char *, size_t, long long);

void
xz_identity_register(void)
{
	xz_db_register(&login_begin);
	xz_db_register(&login_finish);
	xz_db_register(&token_refresh);
	xz_db_register(&client_begin);
	xz_db_register(&session_logout);
	xz_db_register(&me_user);
	xz_db_register(&pwchange_login);
	xz_db_register(&pwchange_set);
	xz_db_register(&pwchange_failed);
	xz_users_register();
	xz_clients_register();
}

int
xz_login_valid(const char *s)
{
	size_t		i, len;

	len = strlen(s);
	if (len < 3 || len > 64)
		return (0);
	for (i = 0; i < len; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))
			continue;
		if (i > 0 && (s[i] == '.' || s[i] == '_' || s[i] == '-'))
			continue;
		return (0);
	}
	return (1);
}

int
xz_token(struct xz_ctx *ctx)
{
	struct token_state	*st;
	const char		*gt;

	st = ctx->data = kore_calloc(1, sizeof(*st));
	if ((gt = xz_body_str(ctx, "grant_type")) == NULL)
		return (xz_oauth_error(ctx, 400, "invalid_request",
		    "grant_type_missing", "grant_type is required"));
	if (strcmp(gt, "password") == 0)
		return (token_password(ctx, st));
	if (strcmp(gt, "client_credentials") == 0)
		return (token_client(ctx, st));
	if (strcmp(gt, "refresh_token") == 0)
		return (token_refresh_start(ctx, st));
	return (xz_oauth_error(ctx, 400, "unsupported_grant_type",
	    "unsupported_grant_type", "grant_type must be password, "
	    "client_credentials or refresh_token"));
}

int
xz_token_done(struct xz_ctx *ctx)
{
	struct token_state	*st = ctx->data;
	struct xz_job		*j = &ctx->job;
	PGresult		*res;
	const char		*state, *rehash;
	char			digest[65], ttl[24], max[24], lock[24], ok[8];

	switch (ctx->phase) {
	case 1:		/* password: login_begin answered */
		if (xz_tx_failed(ctx))
			return (XZ_DONE);
		res = xz_tx_result(ctx->tx, ctx->q_main);
		state = PQgetvalue(res, 0, 0);
		if (strcmp(state, "locked") == 0)
			return (token_locked(ctx, res, 3));
		st->known = !PQgetisnull(res, 0, 1);
		if (st->known)
			kore_strlcpy(st->user_id, PQgetvalue(res, 0, 1),
			    sizeof(st->user_id));
		xz_job_stored(ctx, st->known ? PQgetvalue(res, 0, 2) : NULL,
		    NULL);
		xz_tx_release(ctx->tx);
		ctx->tx = NULL;
		ctx->phase = 2;
		return (xz_job_run(ctx));
	case 2:		/* password: argon2id done */
		if (!xz_job_done(ctx))
			return (XZ_WAIT);
		if (xz_token_generate(st->refresh, sizeof(st->refresh)) != 0)
			return (xz_oauth_error(ctx, 500, "server_error",
			    "internal_error", "no randomness"));
		xz_token_digest(st->refresh, digest);
		num(ttl, sizeof(ttl), xz_identity.refresh_ttl);
		num(max, sizeof(max), xz_identity.login_max);
		num(lock, sizeof(lock), xz_identity.login_lock);
		(void)snprintf(ok, sizeof(ok), "%s",
		    j->match == 1 ? "true" : "false");
		rehash = j->match == 1 && j->hashed ? j->hashout : NULL;
		xz_ctx_tx(ctx, 0);
		ctx->q_main = xz_tx_add(ctx->tx, &login_finish, st->login,
		    st->known ? st->user_id : NULL, ok, digest, ttl, rehash,
		    ctx->request_id, max, lock);
		xz_job_wipe(ctx);
		ctx->phase = 3;
		return (xz_ctx_run(ctx));
	case 3:		/* password: login_finish answered */
		if (xz_tx_failed(ctx))
			return (XZ_DONE);
		res = xz_tx_result(ctx->tx, ctx->q_main);
		state = PQgetvalue(res, 0, 0);
		if (strcmp(state, "locked") == 0)
			return (token_locked(ctx, res, 1));
		if (strcmp(state, "disabled") == 0)
			return (xz_oauth_error(ctx, 400, "invalid_grant",
			    "account_disabled", "this account is disabled; "
			    "ask whoever manages your account"));
		if (strcmp(state, "ok") != 0)
			return (xz_oauth_error(ctx, 400, "invalid_grant",
			    "invalid_credentials",
			    "the username or password is wrong"));
		return (token_issue(ctx, st, res, 2));
	case 11:	/* client_credentials: client_begin answered */
		if (xz_tx_failed(ctx))
			return (XZ_DONE);
		res = xz_tx_result(ctx->tx, ctx->q_main);
		st->known = PQntuples(res) == 1;
		if (st->known) {
			st->client_active =
			    strcmp(PQgetvalue(res, 0, 0), "active") == 0;
			kore_strlcpy(st->client_county, PQgetvalue(res, 0, 3),
			    sizeof(st->client_county));
			kore_strlcpy(st->client_scopes, PQgetvalue(res, 0, 4),
			    sizeof(st->client_scopes));
			kore_strlcpy(st->client_townships,
			    PQgetvalue(res, 0, 5),
			    sizeof(st->client_townships));
		}
		xz_job_stored(ctx, st->known ? PQgetvalue(res, 0, 1) : NULL,
		    st->known && !PQgetisnull(res, 0, 2) ?
		    PQgetvalue(res, 0, 2) : NULL);
		xz_tx_release(ctx->tx);
		ctx->tx = NULL;
		ctx->phase = 12;
		return (xz_job_run(ctx));
	case 12:	/* client_credentials: argon2id done */
		if (!xz_job_done(ctx))
			return (XZ_WAIT);
		xz_job_wipe(ctx);
		if (!st->known || j->match == 0)
			return (xz_oauth_error(ctx, 401, "invalid_client",
			    "invalid_client", "unknown client or wrong secret"));
		if (!st->client_active)
			return (xz_oauth_error(ctx, 401, "invalid_client",
			    "client_disabled", "this client is disabled"));
		if (st->scope[0] == '\0')
			kore_strlcpy(st->scope, st->client_scopes,
			    sizeof(st->scope));
		else if (!token_scope_ok(st->scope, st->client_scopes))
			return (xz_oauth_error(ctx, 400, "invalid_scope",
			    "invalid_scope", "the client was not granted every "
			    "scope asked for"));
		return (token_issue(ctx, st, NULL, 0));
	case 21:	/* refresh_token: rotated */
		if (xz_tx_failed(ctx))
			return (XZ_DONE);
		res = xz_tx_result(ctx->tx, ctx->q_main);
		state = PQgetvalue(res, 0, 0);
		if (strcmp(state, "reused") == 0)
			return (xz_oauth_error(ctx, 400, "invalid_grant",
			    "refresh_token_reused", "this refresh token was "
			    "already used; its session is now revoked, sign in "
			    "again"));
		if (strcmp(state, "ok") != 0)
			return (xz_oauth_error(ctx, 400, "invalid_grant",
			    "refresh_token_invalid", "the refresh token is "
			    "unknown, expired or revoked"));
		return (token_issue(ctx, st, res, 1));
	}
	fatal("xz_token_done: phase %d", ctx->phase);
	return (XZ_DONE);
}

int
xz_logout(struct xz_ctx *ctx)
{
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &session_logout);
	return (xz_ctx_run(ctx));
}

int
xz_logout_done(struct xz_ctx *ctx)
{
	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	return (xz_reply_empty(ctx, 204));
}

int
xz_me(struct xz_ctx *ctx)
{
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &me_user, ctx->claims.sub);
	return (xz_ctx_run(ctx));
}

int
xz_me_done(struct xz_ctx *ctx)
{
	const struct xz_claims	*c = &ctx->claims;
	const struct xz_route	*rt;
	json_t			*me, *perms, *scopes, *user, *grants;
	PGresult		*res;
	char			*s, *copy, *t, *save;
	size_t			i;
	int			r;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	user = PQntuples(res) == 1 ?
	    json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
	perms = json_array();
	for (i = 0; i < xz_routes_count; i++) {
		rt = &xz_routes[i];
		if (rt->roles == 0 || !(rt->roles & c->role))
			continue;
		if (c->role == XZ_ROLE_PARTNER &&
		    !(rt->flags & XZ_RF_ANYSCOPE) && (rt->scope == NULL ||
		    !xz_claims_has_scope(c, rt->scope)))
			continue;
		(void)json_array_append_new(perms, json_pack("{s:s,s:s}",
		    "method", rt->method == HTTP_METHOD_GET ? "GET" :
		    rt->method == HTTP_METHOD_POST ? "POST" : "PATCH",
		    "path", rt->path));
	}
	scopes = json_array();
	grants = NULL;
	if (c->role == XZ_ROLE_PARTNER) {
		copy = kore_strdup(c->scope);
		for (t = strtok_r(copy, " ", &save); t != NULL;
		    t = strtok_r(NULL, " ", &save))
			(void)json_array_append_new(scopes, json_string(t));
		kore_free(copy);
		if (strcmp(c->townships, "*") == 0) {
			grants = json_string("*");
		} else {
			grants = json_array();
			copy = kore_strdup(c->townships);
			for (t = strtok_r(copy, ",", &save); t != NULL;
			    t = strtok_r(NULL, ",", &save))
				(void)json_array_append_new(grants,
				    json_string(t));
			kore_free(copy);
		}
	}
	me = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:b,s:I,s:o,s:o}",
	    "sub", c->sub, "role", xz_role_name(c->role),
	    "county", c->county[0] ? json_string(c->county) : json_null(),
	    "township", c->township[0] ? json_string(c->township) :
	    json_null(),
	    "village", c->village[0] ? json_string(c->village) : json_null(),
	    "scopes", scopes,
	    "townships", grants != NULL ? grants : json_null(),
	    "password_change_required", c->pwd_change,
	    "expires_at", (json_int_t)c->exp,
	    "user", user != NULL ? user : json_null(),
	    "permissions", perms);
	if (me == NULL || (s = json_dumps(me, JSON_COMPACT)) == NULL) {
		json_decref(me);
		return (xz_problem(ctx, 500, "internal_error",
		    "the request could not be completed", NULL));
	}
	json_decref(me);
	r = xz_reply_raw(ctx, 200, "application/json", s, strlen(s));
	free(s);
	return (r);
}

int
xz_password_change(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*old, *new;

	if (xz_validate(ctx->body, pwchange_fields, nitems(pwchange_fields),
	    &errs) > 0)
		return (xz_bad(ctx, &errs));
	old = xz_body_str(ctx, "old_password");
	new = xz_body_str(ctx, "new_password");
	if (strlen(old) > XZ_SECRET_MAX || strlen(new) > XZ_SECRET_MAX) {
		xz_errors_add(&errs, 0, "/new_password", "too_long",
		    "a password has at most %d characters", XZ_PASSWORD_MAX);
		return (xz_bad(ctx, &errs));
	}
	xz_job_verify(ctx, NULL, NULL, old, strlen(old), 0);
	xz_job_hash(ctx, new, strlen(new));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &pwchange_login);
	ctx->phase = 1;
	return (xz_ctx_run(ctx));
}

/*
 * 1: the caller's login (the rules need it); a new password that breaks
 * them is refused before anything is counted.  2: login_begin counts the
 * attempt like a sign-in and yields the hash.  3: argon2id checks the old
 * password and hashes the new one.  4/5: stored, or counted as a failure.
 */
int
xz_password_change_done(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	struct xz_job		*j = &ctx->job;
	struct token_state	*st;
	PGresult		*res;
	char			code[32], max[24], win[24], lock[24];
	int			same;

	switch (ctx->phase) {
	case 1:
		if (xz_tx_failed(ctx))
			return (XZ_DONE);
		res = xz_tx_result(ctx->tx, ctx->q_main);
		if (PQntuples(res) == 0)
			return (xz_problem(ctx, 409, "no_local_password",
			    "this account has no active password here (it signs "
			    "in through an identity provider, or is disabled)",
			    NULL));
		same = j->newlen == j->secretlen &&
		    memcmp(j->newsecret, j->secret, j->newlen) == 0;
		if (xz_password_check(j->newsecret, j->newlen,
		    PQgetvalue(res, 0, 0), code, sizeof(code)) != 0 || same) {
			if (same)
				kore_strlcpy(code, "same_as_old", sizeof(code));
			xz_errors_add(&errs, 0, "/new_password", code,
			    "the new password does not meet the rules "
			    "(%s): at least %d characters, not the login name "
			    "nor the old password", code, XZ_PASSWORD_MIN);
			return (xz_bad(ctx, &errs));
		}
		st = ctx->data = kore_calloc(1, sizeof(*st));
		kore_strlcpy(st->login, PQgetvalue(res, 0, 0),
		    sizeof(st->login));
		xz_tx_release(ctx->tx);
		num(max, sizeof(max), xz_identity.login_max);
		num(win, sizeof(win), xz_identity.login_window);
		ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &login_begin,
		    st->login, ctx->request_id, max, win);
		ctx->phase = 2;
		return (xz_ctx_run(ctx));
	case 2:
		if (xz_tx_failed(ctx))
			return (XZ_DONE);
		res = xz_tx_result(ctx->tx, ctx->q_main);
		if (strcmp(PQgetvalue(res, 0, 0), "locked") == 0)
			return (token_locked(ctx, res, 3));
		/* The new password is hashed only if the old one matches. */
		xz_job_stored(ctx, PQgetisnull(res, 0, 2) ? NULL :
		    PQgetvalue(res, 0, 2), NULL);
		xz_tx_release(ctx->tx);
		ctx->tx = NULL;
		ctx->phase = 3;
		return (xz_job_run(ctx));
	case 3:
		if (!xz_job_done(ctx))
			return (XZ_WAIT);
		st = ctx->data;
		xz_job_wipe(ctx);
		xz_ctx_tx(ctx, 0);
		if (j->match == 1 && j->hashed) {
			ctx->q_main = xz_tx_add(ctx->tx, &pwchange_set,
			    j->hashout);
			ctx->phase = 4;
		} else {
			num(max, sizeof(max), xz_identity.login_max);
			num(lock, sizeof(lock), xz_identity.login_lock);
			ctx->q_main = xz_tx_add(ctx->tx, &pwchange_failed,
			    st->login, ctx->request_id, max, lock);
			ctx->phase = 5;
		}
		return (xz_ctx_run(ctx));
	case 4:
		if (xz_tx_failed(ctx))
			return (XZ_DONE);
		return (xz_reply_empty(ctx, 204));
	case 5:
		if (xz_tx_failed(ctx))
			return (XZ_DONE);
		res = xz_tx_result(ctx->tx, ctx->q_main);
		if (strcmp(PQgetvalue(res, 0, 0), "locked") == 0)
			return (token_locked(ctx, res, 1));
		xz_errors_add(&errs, 0, "/old_password", "mismatch",
		    "old_password is not your current password");
		return (xz_bad(ctx, &errs));
	}
	fatal("xz_password_change_done: phase %d", ctx->phase);
	return (XZ_DONE);
}

static int
token_password(struct xz_ctx *ctx, struct token_state *st)
{
	const char	*login, *pw;
	char		max[24], win[24];
	size_t		i;

	st->grant = GRANT_PASSWORD;
	login = xz_body_str(ctx, "username");
	pw = xz_body_str(ctx, "password");
	if (login == NULL || pw == NULL)
		return (xz_oauth_error(ctx, 400, "invalid_request",
		    login == NULL ? "username_missing" : "password_missing",
		    "the password grant needs username and password"));
	/* Logins are case-insensitive; no account has an invalid one. */
	for (i = 0; login[i] != '\0' && i < sizeof(st->login) - 1; i++)
		st->login[i] = (char)(login[i] >= 'A' && login[i] <= 'Z' ?
		    login[i] + 32 : login[i]);
	st->login[i] = '\0';
	if (login[i] != '\0' || !xz_login_valid(st->login) ||
	    strlen(pw) > XZ_SECRET_MAX)
		return (xz_oauth_error(ctx, 400, "invalid_grant",
		    "invalid_credentials", "the username or password is wrong"));
	/* Kept in the job until step 2 hands it to the task thread. */
	xz_job_verify(ctx, NULL, NULL, pw, strlen(pw), 1);
	num(max, sizeof(max), xz_identity.login_max);
	num(win, sizeof(win), xz_identity.login_window);
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &login_begin, st->login,
	    ctx->request_id, max, win);
	ctx->phase = 1;
	return (xz_ctx_run(ctx));
}

static int
token_client(struct xz_ctx *ctx, struct token_state *st)
{
	const char	*hdr, *id, *secret, *scope;
	unsigned char	raw[512];
	u_int8_t	*dec;
	size_t		declen;
	char		*colon, basic_id[64];
	long		n;

	st->grant = GRANT_CLIENT;
	id = xz_body_str(ctx, "client_id");
	secret = xz_body_str(ctx, "client_secret");
	if (http_request_header(ctx->req, "authorization", &hdr)) {
		if (strncasecmp(hdr, "Basic ", 6) != 0 || id != NULL ||
		    secret != NULL)
			return (xz_oauth_error(ctx, 400, "invalid_request",
			    "client_auth_ambiguous", "authenticate the client "
			    "either with HTTP Basic or with client_id and "
			    "client_secret in the body, not both"));
		if (strlen(hdr + 6) > 4 * sizeof(raw) / 3 ||
		    !kore_base64_decode(hdr + 6, &dec, &declen))
			return (xz_oauth_error(ctx, 401, "invalid_client",
			    "invalid_client", "malformed Basic credentials"));
		if (declen >= sizeof(raw) || memchr(dec, '\0', declen)) {
			sodium_memzero(dec, declen);
			kore_free(dec);
			return (xz_oauth_error(ctx, 401, "invalid_client",
			    "invalid_client", "malformed Basic credentials"));
		}
		memcpy(raw, dec, declen);
		raw[declen] = '\0';
		sodium_memzero(dec, declen);
		kore_free(dec);
		if ((colon = strchr((char *)raw, ':')) == NULL ||
		    colon - (char *)raw >= (long)sizeof(basic_id)) {
			sodium_memzero(raw, sizeof(raw));
			return (xz_oauth_error(ctx, 401, "invalid_client",
			    "invalid_client", "malformed Basic credentials"));
		}
		*colon = '\0';
		kore_strlcpy(basic_id, (char *)raw, sizeof(basic_id));
		xz_job_verify(ctx, NULL, NULL, colon + 1, strlen(colon + 1), 0);
		sodium_memzero(raw, sizeof(raw));
		id = basic_id;
	} else {
		if (id == NULL || secret == NULL)
			return (xz_oauth_error(ctx, 401, "invalid_client",
			    "invalid_client", "client_credentials needs "
			    "client_id and client_secret (body or HTTP Basic)"));
		xz_job_verify(ctx, NULL, NULL, secret, strlen(secret), 0);
	}
	if ((scope = xz_body_str(ctx, "scope")) != NULL) {
		if (strlen(scope) >= sizeof(st->scope) ||
		    !token_scope_ok(scope, PARTNER_SCOPES)) {
			xz_job_wipe(ctx);
			return (xz_oauth_error(ctx, 400, "invalid_scope",
			    "invalid_scope", "scope must be a space-separated "
			    "list of: " PARTNER_SCOPES));
		}
		kore_strlcpy(st->scope, scope, sizeof(st->scope));
	}
	kore_strlcpy(st->user_id, id, sizeof(st->user_id));
	for (n = 0; st->user_id[n] != '\0'; n++) {
		if (st->user_id[n] >= 'A' && st->user_id[n] <= 'F')
			st->user_id[n] += 32;
	}
	if (strlen(id) != 36 || !xz_uuid_valid(st->user_id)) {
		/* No such client can exist: spend the same work anyway. */
		st->known = 0;
		ctx->phase = 12;
		return (xz_job_run(ctx));
	}
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &client_begin,
	    st->user_id);
	ctx->phase = 11;
	return (xz_ctx_run(ctx));
}

static int
token_refresh_start(struct xz_ctx *ctx, struct token_state *st)
{
	const char	*rt;
	char		old[65], new[65], ttl[24];

	st->grant = GRANT_REFRESH;
	if ((rt = xz_body_str(ctx, "refresh_token")) == NULL)
		return (xz_oauth_error(ctx, 400, "invalid_request",
		    "refresh_token_missing", "refresh_token is required"));
	if (strlen(rt) != XZ_RANDOM_CHARS)
		return (xz_oauth_error(ctx, 400, "invalid_grant",
		    "refresh_token_invalid", "the refresh token is unknown, "
		    "expired or revoked"));
	if (xz_token_generate(st->refresh, sizeof(st->refresh)) != 0)
		return (xz_oauth_error(ctx, 500, "server_error",
		    "internal_error", "no randomness"));
	xz_token_digest(rt, old);
	xz_token_digest(st->refresh, new);
	num(ttl, sizeof(ttl), xz_identity.refresh_ttl);
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &token_refresh, old, new,
	    ttl, ctx->request_id);
	ctx->phase = 21;
	return (xz_ctx_run(ctx));
}

/*
 * Mints the access token and answers.  Users: res holds user_id, level,
 * the codes, must_change_password and session_id from column `first`.
 */
static int
token_issue(struct xz_ctx *ctx, struct token_state *st, PGresult *res,
    int first)
{
	struct xz_claims	c;
	json_t			*body;
	char			*tok, *s;
	int			r;

	memset(&c, 0, sizeof(c));
	if (res != NULL) {
		c.role = xz_role_parse(PQgetvalue(res, 0, first + 1));
		kore_strlcpy(c.sub, PQgetvalue(res, 0, first), sizeof(c.sub));
		kore_strlcpy(c.county, PQgetvalue(res, 0, first + 2),
		    sizeof(c.county));
		kore_strlcpy(c.township, PQgetvalue(res, 0, first + 3),
		    sizeof(c.township));
		kore_strlcpy(c.village, PQgetvalue(res, 0, first + 4),
		    sizeof(c.village));
		c.pwd_change = strcmp(PQgetvalue(res, 0, first + 5), "t") == 0;
		kore_strlcpy(c.sid, PQgetvalue(res, 0, first + 6),
		    sizeof(c.sid));
	} else {
		c.role = XZ_ROLE_PARTNER;
		kore_strlcpy(c.sub, st->user_id, sizeof(c.sub));
		kore_strlcpy(c.county, st->client_county, sizeof(c.county));
		kore_strlcpy(c.scope, st->scope, sizeof(c.scope));
		kore_strlcpy(c.townships, st->client_townships,
		    sizeof(c.townships));
	}
	tok = xz_token_mint(&xz_identity.signer, &xz_config.keyring, &c,
	    time(NULL), xz_identity.access_ttl);
	if (tok == NULL)
		return (xz_oauth_error(ctx, 500, "server_error",
		    "internal_error", "the token could not be signed"));
	body = json_pack("{s:s,s:s,s:I}", "access_token", tok,
	    "token_type", "Bearer", "expires_in",
	    (json_int_t)xz_identity.access_ttl);
	free(tok);
	if (res != NULL) {
		(void)json_object_set_new(body, "refresh_token",
		    json_string(st->refresh));
		(void)json_object_set_new(body, "refresh_expires_in",
		    json_integer(xz_identity.refresh_ttl));
		if (c.pwd_change)
			(void)json_object_set_new(body,
			    "password_change_required", json_true());
	} else {
		(void)json_object_set_new(body, "scope", json_string(c.scope));
	}
	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	sodium_memzero(st->refresh, sizeof(st->refresh));
	if (s == NULL)
		return (xz_oauth_error(ctx, 500, "server_error",
		    "internal_error", "out of memory"));
	http_response_header(ctx->req, "pragma", "no-cache");
	r = xz_reply_raw(ctx, 200, "application/json", s, strlen(s));
	sodium_memzero(s, strlen(s));
	free(s);
	return (r);
}

/* 423 with Retry-After from the seconds in column col of res. */
static int
token_locked(struct xz_ctx *ctx, PGresult *res, int col)
{
	long long	secs;
	char		ra[24];

	secs = 1;
	if (!PQgetisnull(res, 0, col) &&
	    xz_parse_ll(PQgetvalue(res, 0, col), 0, 86400 * 365, &secs) != 0)
		secs = 1;
	if (secs < 1)
		secs = 1;
	num(ra, sizeof(ra), secs);
	http_response_header(ctx->req, "retry-after", ra);
	if (ctx->route->flags & XZ_RF_FORM)
		return (xz_oauth_error(ctx, 423, "invalid_grant",
		    "account_locked", "too many failed sign-ins: this account "
		    "is locked for a while (see Retry-After)"));
	return (xz_problem(ctx, 423, "account_locked", "too many failed "
	    "attempts: this account is locked for a while (see Retry-After)",
	    NULL));
}

/* 1 when every scope in want (space-separated) is in granted. */
static int
token_scope_ok(const char *want, const char *granted)
{
	const char	*p, *g;
	size_t		n, m;
	int		found, any;

	any = 0;
	for (p = want; *p != '\0'; p += n) {
		p += strspn(p, " ");
		if ((n = strcspn(p, " ")) == 0)
			break;
		any = 1;
		found = 0;
		for (g = granted; *g != '\0' && !found; g += m) {
			g += strspn(g, " ");
			m = strcspn(g, " ");
			found = m == n && strncmp(g, p, n) == 0;
		}
		if (!found)
			return (0);
	}
	return (any);
}

static void
num(char *buf, size_t len, long long v)
{
	(void)snprintf(buf, len, "%lld", v);
}
