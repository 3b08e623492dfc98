/*
 * PostgreSQL access: the module owns its libpq connections (non-blocking,
 * pipeline mode, watched through Kore's event loop).  One request's work is
 * one transaction on one connection, sent in a single round trip:
 *
 *   [claims binding] [statement 1] ... [statement n] Sync
 *
 * Everything up to Sync runs as one implicit transaction: it commits at
 * Sync, and the first error rolls all of it back and skips the rest, so no
 * transaction can outlive the pipeline (not even when the client is gone).
 * The claims statement sets transaction-local settings read by the row
 * policies, and transaction_read_only for GETs.  A connection may carry
 * several such transactions at once (each with its own Sync); statements
 * are prepared when the connection is made.
 */
#ifndef XIANGZHI_DB_H
#define XIANGZHI_DB_H

#include <sys/types.h>

#include <libpq-fe.h>

#include "xiangzhi/auth.h"

#define XZ_TX_QUERIES_MAX	8
#define XZ_STMT_PARAMS_MAX	12
#define XZ_STMTS_MAX		512

/* A statement known to every connection; prepared when it connects. */
struct xz_stmt {
	const char	*name;
	const char	*sql;
	int		nparams;
	int		id;		/* set by xz_db_register */
};

enum xz_tx_status {
	XZ_TX_PENDING = 0,
	XZ_TX_OK,
	XZ_TX_SQL_ERROR,	/* a statement failed: see sqlstate */
	XZ_TX_UNAVAILABLE,	/* no database: answer 503 */
};

struct xz_query {
	const struct xz_stmt	*stmt;
	char			*params[XZ_STMT_PARAMS_MAX];	/* owned */
	PGresult		*res;				/* owned */
};

struct http_request;
struct xz_conn;

struct xz_tx {
	struct http_request	*req;	/* woken on completion; NULL if gone */
	int			readonly;
	int			retried;
	int			nq;
	struct xz_query		q[XZ_TX_QUERIES_MAX];
	enum xz_tx_status	status;
	int			failed;		/* index of failing query */
	int			cur;		/* query receiving results */
	char			sqlstate[6];
	/*
	 * A business rule refused by the database: SQLSTATE class XZ
	 * (XZ400, XZ403, XZ404, XZ409, XZ412, XZ422: the HTTP status),
	 * raised with MESSAGE a stable code, DETAIL for people and HINT
	 * the JSON pointer of the field at fault (or empty).
	 */
	char			xz_code[48];
	char			xz_detail[256];
	char			xz_pointer[64];
	struct xz_conn		*conn;
	struct xz_tx		*next;		/* wait queue or pipeline */
	u_int64_t		queued_at;	/* ms, while in the wait queue */
};

/* Called once per worker; conninfo is a libpq connection string. */
void	xz_db_init(const char *conninfo, int poolsize);
/* Statements must be registered before the first connection. */
void	xz_db_register(struct xz_stmt *);

/*
 * A new transaction for req.  With claims, the first query binds them
 * (request_id included); without, nothing is bound and policies see nothing.
 */
struct xz_tx	*xz_tx_new(struct http_request *, const struct xz_claims *,
		    const char *request_id, int readonly);
/* Appends stmt with its nparams parameters (NULL is SQL NULL); copies them. */
int		xz_tx_add(struct xz_tx *, const struct xz_stmt *, ...);
/* Sends the transaction (or queues it); completion wakes tx->req. */
void		xz_tx_start(struct xz_tx *);
/* Result of query i, or NULL; owned by tx. */
PGresult	*xz_tx_result(struct xz_tx *, int);
/* Frees tx, or leaves an in-flight one to free itself when it completes. */
void		xz_tx_release(struct xz_tx *);

/* Counters for /metrics. */
unsigned long	xz_db_errors(void);
unsigned long	xz_db_unavailable(void);

#endif
