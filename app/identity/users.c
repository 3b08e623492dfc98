/*
 * User management.  County users manage their county's township users,
 * township users their township's village users (xz_auth.manages, used by
 * the row policies and by every statement here); anyone else's user is not
 * there (404).  Passwords set by a manager are temporary: the user must
 * change them at the next sign-in.  Hashing runs in a task (http.h).
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/identity.h"
#include "xiangzhi/org.h"
#include "xiangzhi/secret.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define USER_JSON							\
	"json_build_object('id', id, 'login', login,"			\
	" 'display_name', display_name, 'level', level,"		\
	" 'county_code', county_code, 'township_code', township_code,"	\
	" 'village_code', village_code,"				\
	" 'status', case when status = 'disabled' then 'disabled'"	\
	" when xz_auth.locked_until(login) is not null then 'locked'"	\
	" else 'active' end,"						\
	" 'locked_until', xz_auth.locked_until(login),"			\
	" 'must_change_password', must_change_password,"		\
	" 'password_changed_at', password_changed_at,"			\
	" 'version', version, 'created_at', created_at,"		\
	" 'updated_at', updated_at)::text"

#define MANAGED	"xz_auth.manages(level, county_code, township_code)"

static struct xz_stmt	user_list = { "user_list",
	"select " USER_JSON ", login from users where " MANAGED
	" and login > $1 order by login limit $2",
	2, -1 };
static struct xz_stmt	user_get = { "user_get",
	"select " USER_JSON ", version from users where id = $1::uuid and "
	MANAGED,
	1, -1 };
static struct xz_stmt	user_insert = { "user_insert",
	"insert into users (login, display_name, level, county_code,"
	" township_code, village_code, password_hash, created_by)"
	" values ($1, $2, $3, $4, $5, $6, $7, $8)"
	" returning " USER_JSON ", version, id",
	8, -1 };
static struct xz_stmt	user_update = { "user_update",
	"update users set display_name = coalesce($2, display_name),"
	" status = coalesce($3, status)"
	" where id = $1::uuid and version = $4 and " MANAGED
	" returning " USER_JSON ", version",
	4, -1 };
static struct xz_stmt	user_exists = { "user_exists",
	"select version from users where id = $1::uuid and " MANAGED,
	1, -1 };
static struct xz_stmt	user_login = { "user_login",
	"select login from users where id = $1::uuid and " MANAGED,
	1, -1 };
static struct xz_stmt	user_reset = { "user_reset",
	"update users set password_hash = $2, must_change_password = true,"
	" password_changed_at = now()"
	" where id = $1::uuid and " MANAGED " returning id",
	2, -1 };
static struct xz_stmt	user_unlock = { "user_unlock",
	"select xz_auth.unlock($1::uuid)",
	1, -1 };

static const char *const	user_statuses[] = { "active", "disabled", NULL };

static const struct xz_field	user_fields[] = {
	{ "login", XZ_FT_STRING, 1, 3, 64, NULL },
	{ "display_name", XZ_FT_STRING, 1, 1, 64, NULL },
	{ "township", XZ_FT_CODE, 0, 0, XZ_LEVEL_TOWNSHIP, NULL },
	{ "village", XZ_FT_CODE, 0, 0, XZ_LEVEL_VILLAGE, NULL },
	{ "password", XZ_FT_STRING, 0, 1, XZ_PASSWORD_MAX * 4, NULL },
};

static const struct xz_field	user_patch_fields[] = {
	{ "display_name", XZ_FT_STRING, 0, 1, 64, NULL },
	{ "status", XZ_FT_ENUM, 0, 0, 0, user_statuses },
};

static const struct xz_field	reset_fields[] = {
	{ "password", XZ_FT_STRING, 0, 1, XZ_PASSWORD_MAX * 4, NULL },
};

/* Between the steps of a create or reset (ctx->data). */
struct user_state {
	char		temporary[XZ_RANDOM_BUFSZ];	/* generated password */
	char		id[40];
};

static int	user_password(struct xz_ctx *, const char *login,
		    const char *pointer, struct user_state *);
static int	login_cursor_valid(const char *);

void
xz_users_register(void)
{
	xz_db_register(&user_list);
	xz_db_register(&user_get);
	xz_db_register(&user_insert);
	xz_db_register(&user_update);
	xz_db_register(&user_exists);
	xz_db_register(&user_login);
	xz_db_register(&user_reset);
	xz_db_register(&user_unlock);
}

int
xz_users_list(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	char			limit[24];

	if (xz_paging_parse_key(ctx, login_cursor_valid, &errs) != 0)
		return (xz_bad(ctx, &errs));
	(void)snprintf(limit, sizeof(limit), "%lld", ctx->limit + 1);
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &user_list, ctx->cursor,
	    limit);
	return (xz_ctx_run(ctx));
}

int
xz_users_create(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	struct user_state	*us;
	const char		*login, *tw, *vil, *want, *other;
	size_t			plen;

	(void)xz_validate(ctx->body, user_fields, nitems(user_fields), &errs);
	if ((login = xz_body_str(ctx, "login")) != NULL &&
	    !xz_login_valid(login))
		xz_errors_add(&errs, 0, "/login", "format", "login is 3-64 "
		    "lower-case letters, digits, '.', '_' or '-', starting "
		    "with a letter or digit");
	/* County users create township users, township users village users. */
	want = ctx->claims.role == XZ_ROLE_COUNTY ? "township" : "village";
	other = ctx->claims.role == XZ_ROLE_COUNTY ? "village" : "township";
	if (json_object_get(ctx->body, other) != NULL)
		xz_errors_add(&errs, 0, ctx->claims.role == XZ_ROLE_COUNTY ?
		    "/village" : "/township", "not_allowed",
		    "a %s user creates %s users: give %s only",
		    xz_role_name(ctx->claims.role), want, want);
	if (json_object_get(ctx->body, want) == NULL)
		xz_errors_add(&errs, 0, ctx->claims.role == XZ_ROLE_COUNTY ?
		    "/township" : "/village", "required", "%s is required",
		    want);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	tw = xz_body_str(ctx, "township");
	vil = xz_body_str(ctx, "village");
	plen = tw != NULL ? XZ_LEVEL_COUNTY : XZ_LEVEL_TOWNSHIP;
	if (strncmp(tw != NULL ? tw : vil, tw != NULL ? ctx->claims.county :
	    ctx->claims.township, plen) != 0) {
		xz_errors_add(&errs, 0, tw != NULL ? "/township" : "/village",
		    "prefix_mismatch", "%s must be in your %s", want,
		    tw != NULL ? "county" : "township");
		return (xz_bad(ctx, &errs));
	}
	us = ctx->data = kore_calloc(1, sizeof(*us));
	if (user_password(ctx, login, "/password", us) != XZ_NEXT)
		return (XZ_DONE);
	ctx->phase = 1;
	return (xz_job_run(ctx));
}

int
xz_users_create_done(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	struct user_state	*us = ctx->data;
	struct xz_job		*j = &ctx->job;
	PGresult		*res;
	const char		*tw, *vil;
	char			loc[96], twbuf[10];

	if (ctx->phase == 1) {
		if (!xz_job_done(ctx))
			return (XZ_WAIT);
		xz_job_wipe(ctx);
		if (!j->hashed)
			return (xz_problem(ctx, 500, "internal_error",
			    "the password could not be hashed", NULL));
		tw = xz_body_str(ctx, "township");
		vil = xz_body_str(ctx, "village");
		if (vil != NULL) {
			memcpy(twbuf, vil, XZ_LEVEL_TOWNSHIP);
			twbuf[XZ_LEVEL_TOWNSHIP] = '\0';
			tw = twbuf;
		}
		xz_ctx_tx(ctx, 0);
		ctx->q_main = xz_tx_add(ctx->tx, &user_insert,
		    xz_body_str(ctx, "login"), xz_body_str(ctx, "display_name"),
		    vil != NULL ? "village" : "township", ctx->claims.county,
		    tw, vil, j->hashout, ctx->claims.sub);
		ctx->phase = 2;
		return (xz_ctx_run(ctx));
	}
	if (ctx->tx->status == XZ_TX_SQL_ERROR &&
	    strcmp(ctx->tx->sqlstate, "23505") == 0)
		return (xz_problem(ctx, 409, "login_taken",
		    "another user already has this login", NULL));
	if (ctx->tx->status == XZ_TX_SQL_ERROR &&
	    strcmp(ctx->tx->sqlstate, "23503") == 0) {
		xz_errors_add(&errs, 0, xz_body_str(ctx, "village") != NULL ?
		    "/village" : "/township", "not_found",
		    "no such %s", xz_body_str(ctx, "village") != NULL ?
		    "village" : "township");
		return (xz_bad(ctx, &errs));
	}
	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	(void)snprintf(loc, sizeof(loc), "/api/v1/users/%s",
	    PQgetvalue(res, 0, 2));
	http_response_header(ctx->req, "location", loc);
	xz_set_etag(ctx, PQgetvalue(res, 0, 1));
	return (xz_reply_secret(ctx, 201, PQgetvalue(res, 0, 0),
	    PQgetlength(res, 0, 0), "temporary_password", us->temporary,
	    sizeof(us->temporary)));
}

int
xz_user_get(struct xz_ctx *ctx)
{
	return (xz_get_by_id(ctx, &user_get));
}

int
xz_user_patch(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id;
	char			ver[24];
	int			r;

	id = xz_path_uuid(ctx, 0, "id", &errs);
	if ((r = xz_require_if_match(ctx)) != XZ_NEXT)
		return (r);
	(void)xz_validate(ctx->body, user_patch_fields,
	    nitems(user_patch_fields), &errs);
	if (json_object_size(ctx->body) == 0)
		xz_errors_add(&errs, 0, "", "empty", "nothing to change");
	if (errs.count > 0 || id == NULL)
		return (xz_bad(ctx, &errs));
	(void)snprintf(ver, sizeof(ver), "%lld", ctx->if_match);
	xz_ctx_tx(ctx, 0);
	ctx->q_main = xz_tx_add(ctx->tx, &user_update, id,
	    xz_body_str(ctx, "display_name"), xz_body_str(ctx, "status"), ver);
	ctx->q_check = xz_tx_add(ctx->tx, &user_exists, id);
	return (xz_ctx_run(ctx));
}

int
xz_user_reset(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	struct user_state	*us;
	const char		*id;

	id = xz_path_uuid(ctx, 0, "id", &errs);
	(void)xz_validate(ctx->body, reset_fields, nitems(reset_fields),
	    &errs);
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));
	us = ctx->data = kore_calloc(1, sizeof(*us));
	kore_strlcpy(us->id, id, sizeof(us->id));
	/* The login first: 404 before any hashing, and the password rules. */
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 1), &user_login, id);
	ctx->phase = 1;
	return (xz_ctx_run(ctx));
}

int
xz_user_reset_done(struct xz_ctx *ctx)
{
	struct user_state	*us = ctx->data;
	struct xz_job		*j = &ctx->job;
	PGresult		*res;
	char			login[72];

	switch (ctx->phase) {
	case 1:
		if (xz_tx_failed(ctx))
			return (XZ_DONE);
		res = xz_tx_result(ctx->tx, ctx->q_main);
		if (PQntuples(res) == 0)
			return (xz_problem(ctx, 404, "not_found",
			    "no such user", NULL));
		kore_strlcpy(login, PQgetvalue(res, 0, 0), sizeof(login));
		xz_tx_release(ctx->tx);
		ctx->tx = NULL;
		if (user_password(ctx, login, "/password", us) != XZ_NEXT)
			return (XZ_DONE);
		ctx->phase = 2;
		return (xz_job_run(ctx));
	case 2:
		if (!xz_job_done(ctx))
			return (XZ_WAIT);
		xz_job_wipe(ctx);
		if (!j->hashed)
			return (xz_problem(ctx, 500, "internal_error",
			    "the password could not be hashed", NULL));
		ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &user_reset, us->id,
		    j->hashout);
		ctx->phase = 3;
		return (xz_ctx_run(ctx));
	case 3:
		if (xz_tx_failed(ctx))
			return (XZ_DONE);
		res = xz_tx_result(ctx->tx, ctx->q_main);
		if (PQntuples(res) == 0)
			return (xz_problem(ctx, 404, "not_found",
			    "no such user", NULL));
		if (us->temporary[0] == '\0')
			return (xz_reply_empty(ctx, 204));
		return (xz_reply_secret(ctx, 200, "{}", 2,
		    "temporary_password", us->temporary,
		    sizeof(us->temporary)));
	}
	fatal("xz_user_reset_done: phase %d", ctx->phase);
	return (XZ_DONE);
}

int
xz_user_unlock(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*id;

	if ((id = xz_path_uuid(ctx, 0, "id", &errs)) == NULL)
		return (xz_bad(ctx, &errs));
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &user_unlock, id);
	return (xz_ctx_run(ctx));
}

int
xz_user_unlock_done(struct xz_ctx *ctx)
{
	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	if (strcmp(PQgetvalue(xz_tx_result(ctx->tx, ctx->q_main), 0, 0),
	    "1") != 0)
		return (xz_problem(ctx, 404, "not_found", "no such user",
		    NULL));
	return (xz_reply_empty(ctx, 204));
}

/*
 * Queues the hashing of the body's password (checked against the rules
 * and login) or of a generated temporary one.  XZ_NEXT, or answered 400.
 */
static int
user_password(struct xz_ctx *ctx, const char *login, const char *pointer,
    struct user_state *us)
{
	struct xz_errors	errs = { 0 };
	const char		*pw;
	char			code[32];

	if ((pw = xz_body_str(ctx, "password")) != NULL) {
		if (xz_password_check(pw, strlen(pw), login, code,
		    sizeof(code)) != 0) {
			xz_errors_add(&errs, 0, pointer, code,
			    "the password does not meet the rules (%s): at "
			    "least %d characters, not the login name", code,
			    XZ_PASSWORD_MIN);
			(void)xz_bad(ctx, &errs);
			return (XZ_DONE);
		}
		xz_job_hash(ctx, pw, strlen(pw));
		return (XZ_NEXT);
	}
	if (xz_secret_generate(us->temporary, sizeof(us->temporary)) != 0) {
		(void)xz_problem(ctx, 500, "internal_error",
		    "no randomness", NULL);
		return (XZ_DONE);
	}
	xz_job_hash(ctx, us->temporary, strlen(us->temporary));
	return (XZ_NEXT);
}

static int
login_cursor_valid(const char *s)
{
	return (xz_login_valid(s));
}
