/*
 * The request pipeline shared by every domain:
 *
 *   route table (method, path, roles, scope) -> auth -> permission check
 *   -> body/parameter validation (start) -> one database transaction
 *   -> response (finish)
 *
 * A handler is a pair: start() validates and either answers at once or
 * starts ctx->tx and returns XZ_WAIT; finish() runs when the transaction
 * is done and answers.  Handlers never write to the socket themselves:
 * they call xz_reply_* or xz_problem, which also log and count.
 */
#ifndef XIANGZHI_HTTP_H
#define XIANGZHI_HTTP_H

#include <sys/types.h>

#include <jansson.h>

#include <kore/tasks.h>

#include "xiangzhi/auth.h"
#include "xiangzhi/core.h"
#include "xiangzhi/db.h"
#include "xiangzhi/secret.h"

#define XZ_DONE			0
#define XZ_WAIT			1
#define XZ_NEXT			2	/* a check passed: go on */

#define XZ_PATH_PARAMS_MAX	3
#define XZ_BODY_MAX		65536
#define XZ_PAGE_DEFAULT		50
#define XZ_PAGE_MAX		200

struct http_request;
struct xz_ctx;

typedef int	(*xz_handler)(struct xz_ctx *);

/* Route flags (XZ_ROUTEF rows of routes.def). */
#define XZ_RF_FORM	0x01	/* body: form-urlencoded or JSON (strings) */
#define XZ_RF_NOBODY	0x02	/* POST without a body */
#define XZ_RF_ANYSCOPE	0x04	/* partners need no scope */
#define XZ_RF_PWDCHANGE	0x08	/* allowed before a forced password change */
#define XZ_RF_OPTBODY	0x10	/* POST whose JSON body may be left out */

struct xz_route {
	int		method;		/* HTTP_METHOD_* */
	const char	*path;		/* "/api/v1/villages/{code}" */
	int		roles;		/* XZ_ROLE_* bits; 0 = public */
	const char	*scope;		/* what a partner needs, or NULL */
	int		flags;		/* XZ_RF_* */
	xz_handler	start;
	xz_handler	finish;		/* NULL when start always answers */
};

/*
 * Password and secret work (argon2id, ~90 ms and 64 MiB) runs in a Kore
 * task thread, never in the event loop.  One job per request: verify a
 * secret against one or two stored hashes (NULL: a dummy of equal cost),
 * then optionally hash a new secret (or the same one when the stored hash
 * is outdated).  Inputs are copies; secrets are wiped when the job is read.
 */
struct xz_job {
	struct kore_task	task;		/* first: the entry casts */
	int			started;
	int			verify;		/* inputs */
	int			nstored;
	char			stored[2][128];
	int			has_stored[2];
	int			toolong;	/* secret over XZ_SECRET_MAX */
	char			secret[XZ_SECRET_MAX + 1];
	size_t			secretlen;
	int			hash;		/* 1: hash newsecret */
	int			rehash;		/* 1: rehash secret if outdated */
	char			newsecret[XZ_SECRET_MAX + 1];
	size_t			newlen;
	int			match;		/* outputs: 0, or 1 + index */
	int			hashed;		/* hash[] holds a new hash */
	int			failed;		/* hashing failed */
	char			hashout[128];
};

/* Per-request state (hdlr_extra); freed by Kore after xz_ctx_free. */
struct xz_ctx {
	struct http_request	*req;
	const struct xz_route	*route;
	int			route_index;
	struct xz_claims	claims;
	char			request_id[65];
	const char		*path_params[XZ_PATH_PARAMS_MAX];
	char			path_buf[256];
	json_t			*body;		/* POST/PATCH object, owned */
	struct xz_tx		*tx;		/* owned, see xz_tx_release */
	long long		if_match;	/* -1 when absent */
	int			q_main;		/* index of the answering query */
	int			q_check;	/* existence check, or -1 */
	int			q_extra;	/* a handler's third query */
	const char		*location;	/* prefix for 201 Location */
	long long		limit;
	char			cursor[80];	/* decoded keyset position */
	u_int64_t		started_us;
	int			status;
	int			phase;		/* multi-step handlers */
	int			form;		/* body came as a form */
	struct xz_job		job;
	void			*data;		/* handler's, kore_free'd */
};

/* The permission table (app/http/routes.c). */
extern const struct xz_route	xz_routes[];
extern const size_t		xz_routes_count;

/* Kore entry point for every path (conf/xiangzhi.conf). */
int	xz_api(struct http_request *);
/* Next key=value pair of a query string, percent-decoded: 0, 1 when the
 * value is malformed (key set), -1 when the key is. */
int	xz_query_next(const char **, char *, size_t, char *, size_t);

/* Responses. */
int	xz_reply_raw(struct xz_ctx *, int status, const char *type,
	    const void *, size_t);
int	xz_reply_empty(struct xz_ctx *, int status);
/*
 * The JSON object json[len] with member set to the NUL-terminated secret
 * (a secret shown once); the secret buffer (size secretlen) and every
 * copy are wiped.  An empty secret answers json as it is.
 */
int	xz_reply_secret(struct xz_ctx *, int status, const char *json,
	    size_t len, const char *member, char *secret, size_t secretlen);
int	xz_problem(struct xz_ctx *, int status, const char *code,
	    const char *detail, const struct xz_errors *);
/* Answers 503/4xx/500 for a failed transaction; returns 1 if it did. */
int	xz_tx_failed(struct xz_ctx *);
/*
 * An OAuth 2.0 error (RFC 6749 5.2) that is also a problem document:
 * {"error", "error_description", "type", "title", "status", "detail",
 * "code", "request_id"} as application/json.
 */
int	xz_oauth_error(struct xz_ctx *, int status, const char *error,
	    const char *code, const char *detail);
void	xz_set_etag(struct xz_ctx *, const char *version);
/* 1 when If-None-Match names this version (then answer 304). */
int	xz_not_modified(struct xz_ctx *, const char *version);

/* Starts ctx->tx (bound to the caller's claims); returns XZ_WAIT. */
struct xz_tx	*xz_ctx_tx(struct xz_ctx *, int readonly);
int		xz_ctx_run(struct xz_ctx *);

/*
 * Path parameter i as a code of `digits` digits; adds a parameter error
 * and returns NULL when malformed.
 */
const char	*xz_path_code(struct xz_ctx *, int i, const char *name,
		    size_t digits, struct xz_errors *);

/* Path parameter i as a UUID (lower-cased in place), or NULL + error. */
const char	*xz_path_uuid(struct xz_ctx *, int i, const char *name,
		    struct xz_errors *);

/*
 * Keyset paging.  Parses ?limit=&cursor= (cursor holds a code of `digits`
 * digits) into ctx; unknown query parameters are errors.
 */
int	xz_paging_parse(struct xz_ctx *, size_t digits, struct xz_errors *);
/* The same with a cursor of any key (under 80 bytes) valid() accepts. */
int	xz_paging_parse_key(struct xz_ctx *, int (*valid)(const char *),
	    struct xz_errors *);
/*
 * The same, also accepting the query parameters names[] (NULL-terminated)
 * as filters: vals[i] gets the percent-decoded value of names[i], or ""
 * when absent (zero vals first).  Empty or repeated filters are errors;
 * their syntax is the handler's to check.  valid may also be used without
 * paging: a list endpoint without a cursor passes a validator that
 * refuses everything.
 */
#define XZ_FILTER_MAX	128
int	xz_paging_parse_filters(struct xz_ctx *, int (*valid)(const char *),
	    const char *const *names, char (*vals)[XZ_FILTER_MAX],
	    struct xz_errors *);

/* Jobs (app/http/job.c).  xz_job_run returns XZ_WAIT. */
void	xz_job_verify(struct xz_ctx *, const char *stored0,
	    const char *stored1, const char *secret, size_t len, int rehash);
/* Sets (or replaces) the stored hashes a verify job checks against. */
void	xz_job_stored(struct xz_ctx *, const char *stored0,
	    const char *stored1);
void	xz_job_hash(struct xz_ctx *, const char *secret, size_t len);
int	xz_job_run(struct xz_ctx *);
/* 1 when the job has finished (else the request sleeps again). */
int	xz_job_done(struct xz_ctx *);
void	xz_job_wipe(struct xz_ctx *);

/* The body member as a string (NULL when absent or not a string). */
const char	*xz_body_str(struct xz_ctx *, const char *);
/* The (validated) integer body member as decimal text in buf, or NULL. */
const char	*xz_body_int(struct xz_ctx *, const char *, char *, size_t);
/* 400 validation_failed with errs. */
int		xz_bad(struct xz_ctx *, struct xz_errors *);
/*
 * Answers {"items": [...], "next_cursor": ...} from rows whose column 0 is
 * the item's JSON text and column 1 its key; the query fetched limit + 1.
 */
int	xz_reply_page(struct xz_ctx *, PGresult *);

/*
 * GET of one row by the UUID path parameter "id": runs st (one parameter)
 * read-only.  Its finisher is xz_reply_one.
 */
int	xz_get_by_id(struct xz_ctx *, const struct xz_stmt *st);
/*
 * Finishers.  xz_reply_one: the main query's one row (column 0 the JSON,
 * column 1 the version) as 200 with its ETag, 304 for If-None-Match, or
 * 404 "no such <what>".  xz_reply_list: the main query as a page; with
 * a parent, first 404 "no such <parent>" when the check query (q_check)
 * found no parent row.
 */
int	xz_reply_one(struct xz_ctx *, const char *what);
int	xz_reply_list(struct xz_ctx *, const char *parent);

/* Requires If-Match: "<version>" (428 absent, 400 malformed); XZ_NEXT if ok. */
int	xz_require_if_match(struct xz_ctx *);

/* Metrics and logging (app/http/metrics.c). */
void	xz_metrics_init(void);
void	xz_metrics_record(int route_index, int status, u_int64_t us);
int	xz_metrics_render(struct xz_ctx *);
void	xz_log_request(struct xz_ctx *, u_int64_t us);
u_int64_t	xz_now_us(void);

/* Module configuration, read once in the parent (app/module.c). */
struct xz_config {
	struct xz_keyring	keyring;
	struct xz_auth_cache	*auth_cache;	/* per worker */
	char			*conninfo;
	int			pool_size;
	int			access_log;
	/* HMAC-SHA256 key for resident ID numbers (XZ_RESIDENT_ID_KEY). */
	unsigned char		resident_id_key[32];
};
extern struct xz_config	xz_config;

/* An integer setting XZ_... in [min, max], def when unset; else fatal
 * (app/module.c). */
long	xz_env_long(const char *name, long def, long min, long max);
/*
 * A module's table of operations: rows whose first members are the route's
 * method and path (struct xz_op_key), size bytes each.  xz_op_lookup finds
 * the request's row; xz_ops_check stops the worker at start when a route
 * naming start has no row (app/http/request.c).
 */
struct xz_op_key {
	int		method;
	const char	*path;
};
const void	*xz_op_lookup(struct xz_ctx *, const void *ops, size_t n,
		    size_t size);
void	xz_ops_check(xz_handler start, const void *ops, size_t n, size_t size,
	    const char *module);
/* 1 when the raw query string has the parameter name (app/http/request.c). */
int	xz_query_has(struct xz_ctx *, const char *name);

#endif
