/*
 * The module's own PostgreSQL pool: non-blocking libpq connections in
 * pipeline mode, watched by Kore's event loop (see include/xiangzhi/db.h
 * for the transaction shape).  Kore's kore_pgsql is not used: it cannot
 * pipeline and it hands open transactions between requests (field notes,
 * items 2 and 3).
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/db.h"

#define DB_BACKOFF_MS		250	/* first wait after a failed connect */
#define DB_BACKOFF_MAX_MS	4000	/* doubling up to this */
#define DB_QUEUE_MAX		2048
#define DB_TIMEOUT_MS		10000
#define DB_INFLIGHT_MAX		4	/* transactions pipelined per connection */
#define DB_EVENT_TYPE		100	/* not one of Kore's own */

enum conn_state {
	CONN_DOWN = 0,
	CONN_UP,
};

/*
 * A connection carries up to DB_INFLIGHT_MAX transactions at once, each
 * ended by its own Sync (so each is its own implicit transaction); results
 * come back in order and belong to the head of the in-flight list.
 */
struct xz_conn {
	struct kore_event	evt;	/* first: Kore casts the pointer */
	PGconn			*pg;
	enum conn_state		state;
	int			flushing;
	struct xz_tx		*head, *tail;	/* in flight, oldest first */
	int			inflight;
	u_int64_t		started;	/* when the head was sent */
};

static struct xz_conn *db_pick(int *);
static void	db_dispatch(struct xz_tx *);
static void	db_drain(void);
static int	db_connect(struct xz_conn *);
static void	db_send(struct xz_conn *, struct xz_tx *);
static void	db_backoff(void);
static void	db_handle(void *, int);
static void	db_read(struct xz_conn *);
static void	db_result(struct xz_tx *, PGresult *);
static void	db_complete(struct xz_conn *);
static void	db_fail(struct xz_conn *, const char *);
static void	db_finish(struct xz_tx *, enum xz_tx_status);
static void	db_tx_reset(struct xz_tx *);
static void	db_tx_free(struct xz_tx *);
static void	db_timer(void *, u_int64_t);

static struct xz_stmt	db_claims = {
	"xz_claims",
	"select set_config('app.role', $1, true),"
	" set_config('app.county', $2, true),"
	" set_config('app.township', $3, true),"
	" set_config('app.village', $4, true),"
	" set_config('app.sub', $5, true),"
	" set_config('app.scopes', $6, true),"
	" set_config('app.townships', $7, true),"
	" set_config('app.request_id', $8, true),"
	" set_config('app.sid', $10, true),"
	" set_config('transaction_read_only', $9, true)",
	10, -1
};

static struct xz_conn	*pool;
static int		pool_size;
static char		*db_conninfo;
static int		nstmts;
static struct xz_stmt	*stmts[XZ_STMTS_MAX];
static struct xz_tx	*wait_head, *wait_tail;
static int		wait_len;
static u_int64_t	down_until;
static u_int64_t	backoff_ms = DB_BACKOFF_MS;
static unsigned long	stat_errors, stat_unavailable;

void
xz_db_init(const char *conninfo, int poolsize)
{
	int		i;

	if (poolsize < 1 || poolsize > 256)
		fatal("xz_db_init: pool size %d out of range", poolsize);
	db_conninfo = kore_strdup(conninfo);
	pool_size = poolsize;
	pool = kore_calloc(pool_size, sizeof(*pool));
	for (i = 0; i < pool_size; i++) {
		pool[i].evt.type = DB_EVENT_TYPE;
		pool[i].evt.handle = db_handle;
		pool[i].state = CONN_DOWN;
	}
	nstmts = 0;
	wait_head = wait_tail = NULL;
	wait_len = 0;
	xz_db_register(&db_claims);
	(void)kore_timer_add(db_timer, 1000, NULL, 0);
}

void
xz_db_register(struct xz_stmt *st)
{
	if (st->id >= 0 && st->id < nstmts)
		return;
	if (nstmts >= XZ_STMTS_MAX)
		fatal("xz_db_register: too many statements");
	stmts[nstmts] = st;
	st->id = nstmts++;
}

struct xz_tx *
xz_tx_new(struct http_request *req, const struct xz_claims *c,
    const char *request_id, int readonly)
{
	struct xz_tx	*tx;

	tx = kore_calloc(1, sizeof(*tx));
	tx->req = req;
	tx->readonly = readonly;
	tx->failed = -1;
	if (c != NULL) {
		(void)xz_tx_add(tx, &db_claims, xz_role_name(c->role),
		    c->county, c->township, c->village, c->sub, c->scope,
		    c->townships, request_id, readonly ? "on" : "off",
		    c->sid);
	}
	return (tx);
}

int
xz_tx_add(struct xz_tx *tx, const struct xz_stmt *st, ...)
{
	struct xz_query	*q;
	va_list		ap;
	const char	*p;
	int		i;

	if (tx->nq >= XZ_TX_QUERIES_MAX || st->nparams > XZ_STMT_PARAMS_MAX)
		fatal("xz_tx_add: too many queries or parameters");
	if (st->id < 0)
		fatal("xz_tx_add: statement %s not registered", st->name);
	q = &tx->q[tx->nq];
	q->stmt = st;
	va_start(ap, st);
	for (i = 0; i < st->nparams; i++) {
		p = va_arg(ap, const char *);
		q->params[i] = p != NULL ? kore_strdup(p) : NULL;
	}
	va_end(ap);
	return (tx->nq++);
}

void
xz_tx_start(struct xz_tx *tx)
{
	if (tx->req != NULL)
		http_request_sleep(tx->req);
	db_dispatch(tx);
}

PGresult *
xz_tx_result(struct xz_tx *tx, int i)
{
	if (i < 0 || i >= tx->nq)
		return (NULL);
	return (tx->q[i].res);
}

void
xz_tx_release(struct xz_tx *tx)
{
	struct xz_tx	*t, *prev;

	if (tx == NULL)
		return;
	if (tx->conn != NULL) {
		/* In flight: it completes (and commits or rolls back) alone. */
		tx->req = NULL;
		return;
	}
	prev = NULL;
	for (t = wait_head; t != NULL; prev = t, t = t->next) {
		if (t != tx)
			continue;
		if (prev == NULL)
			wait_head = t->next;
		else
			prev->next = t->next;
		if (wait_tail == t)
			wait_tail = prev;
		wait_len--;
		break;
	}
	db_tx_free(tx);
}

unsigned long
xz_db_errors(void)
{
	return (stat_errors);
}

unsigned long
xz_db_unavailable(void)
{
	return (stat_unavailable);
}

/*
 * A connection with room for one more transaction: an idle one, else a new
 * one (unless the database refused us moments ago), else the least loaded
 * one with room in its pipeline.  *up tells whether any is up at all.
 */
static struct xz_conn *
db_pick(int *up)
{
	struct xz_conn	*c, *down, *least;
	int		i;

	down = least = NULL;
	*up = 0;
	for (i = 0; i < pool_size; i++) {
		c = &pool[i];
		if (c->state == CONN_DOWN) {
			if (down == NULL)
				down = c;
			continue;
		}
		(*up)++;
		if (c->inflight == 0)
			return (c);
		if (c->inflight < DB_INFLIGHT_MAX &&
		    (least == NULL || c->inflight < least->inflight))
			least = c;
	}
	if (down != NULL && kore_time_ms() >= down_until &&
	    db_connect(down) == 0) {
		(*up)++;
		return (down);
	}
	return (least);
}

/* Give tx a connection now, or queue it, or refuse it quickly. */
static void
db_dispatch(struct xz_tx *tx)
{
	struct xz_conn	*c;
	int		up;

	if ((c = db_pick(&up)) != NULL) {
		db_send(c, tx);
		return;
	}
	if (up == 0 || wait_len >= DB_QUEUE_MAX) {
		/* Nothing is up (or too much waits): answer 503 at once. */
		db_finish(tx, XZ_TX_UNAVAILABLE);
		return;
	}
	tx->next = NULL;
	tx->queued_at = kore_time_ms();
	if (wait_tail != NULL)
		wait_tail->next = tx;
	else
		wait_head = tx;
	wait_tail = tx;
	wait_len++;
}

/*
 * Moves waiting transactions onto connections with room; when no
 * connection is up, or one has waited too long, it is answered 503.
 */
static void
db_drain(void)
{
	struct xz_conn	*c;
	struct xz_tx	*tx;
	int		up;

	while ((tx = wait_head) != NULL) {
		c = db_pick(&up);
		if (c == NULL && up > 0 &&
		    kore_time_ms() - tx->queued_at <= DB_TIMEOUT_MS)
			break;
		wait_head = tx->next;
		if (wait_head == NULL)
			wait_tail = NULL;
		wait_len--;
		tx->next = NULL;
		if (c != NULL)
			db_send(c, tx);
		else
			db_finish(tx, XZ_TX_UNAVAILABLE);
	}
}

static int
db_connect(struct xz_conn *c)
{
	/*
	 * Blocking, but bounded by connect_timeout and refused at once when
	 * the server is down.  GSS encryption is off: probing for it reads
	 * directories the worker sandbox does not allow.
	 */
	static const char *const	keys[] = { "dbname", "gssencmode",
	    "connect_timeout", "application_name", NULL };
	const char *const		vals[] = { db_conninfo, "disable", "2",
	    "xiangzhi", NULL };
	PGresult			*res;
	int				i, ok;

	c->pg = PQconnectdbParams(keys, vals, 1);
	if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
		if (c->pg != NULL) {
			kore_log(LOG_WARNING, "database connect failed: %s",
			    PQerrorMessage(c->pg));
			PQfinish(c->pg);
		}
		c->pg = NULL;
		db_backoff();
		return (-1);
	}
	/* Every statement is prepared once per connection, up front. */
	for (i = 0; i < nstmts; i++) {
		res = PQprepare(c->pg, stmts[i]->name, stmts[i]->sql,
		    stmts[i]->nparams, NULL);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		if (!ok) {
			kore_log(LOG_ERR, "cannot prepare %s: %s",
			    stmts[i]->name, PQresultErrorMessage(res));
		}
		PQclear(res);
		if (!ok) {
			PQfinish(c->pg);
			c->pg = NULL;
			db_backoff();
			return (-1);
		}
	}
	if (PQsetnonblocking(c->pg, 1) != 0 || PQenterPipelineMode(c->pg) != 1) {
		kore_log(LOG_WARNING, "database connection setup failed");
		PQfinish(c->pg);
		c->pg = NULL;
		return (-1);
	}
	down_until = 0;
	backoff_ms = DB_BACKOFF_MS;
	c->flushing = 0;
	c->inflight = 0;
	c->head = c->tail = NULL;
	c->state = CONN_UP;
	kore_platform_event_level_read(PQsocket(c->pg), c);
	return (0);
}

/*
 * Connecting blocks the worker (up to connect_timeout when the server's
 * host drops packets): after each failure wait twice as long, so a dead
 * database costs a worker little while requests get 503 at once.
 */
static void
db_backoff(void)
{
	down_until = kore_time_ms() + backoff_ms;
	if (backoff_ms < DB_BACKOFF_MAX_MS)
		backoff_ms *= 2;
}

static void
db_send(struct xz_conn *c, struct xz_tx *tx)
{
	struct xz_query		*q;
	int			i, r;

	tx->conn = c;
	tx->cur = 0;
	tx->next = NULL;
	if (c->tail != NULL)
		c->tail->next = tx;
	else {
		c->head = tx;
		c->started = kore_time_ms();
	}
	c->tail = tx;
	c->inflight++;

	for (i = 0; i < tx->nq; i++) {
		q = &tx->q[i];
		if (!PQsendQueryPrepared(c->pg, q->stmt->name,
		    q->stmt->nparams, (const char *const *)q->params,
		    NULL, NULL, 0))
			goto fail;
	}
	if (!PQpipelineSync(c->pg))
		goto fail;
	if (c->flushing)
		return;
	if ((r = PQflush(c->pg)) < 0)
		goto fail;
	if (r == 1) {
		c->flushing = 1;
		kore_platform_event_level_all(PQsocket(c->pg), c);
	}
	return;

fail:
	db_fail(c, PQerrorMessage(c->pg));
}

static void
db_handle(void *arg, int error)
{
	struct xz_conn	*c = arg;
	int		r;

	if (c->pg == NULL) {
		c->evt.flags = 0;
		return;
	}
	if (c->flushing && (c->evt.flags & KORE_EVENT_WRITE)) {
		if ((r = PQflush(c->pg)) < 0) {
			db_fail(c, PQerrorMessage(c->pg));
			return;
		}
		if (r == 0) {
			c->flushing = 0;
			kore_platform_event_level_read(PQsocket(c->pg), c);
		}
	}
	c->evt.flags &= ~KORE_EVENT_WRITE;
	if (c->evt.flags & KORE_EVENT_READ) {
		c->evt.flags &= ~KORE_EVENT_READ;
		db_read(c);
		if (c->pg == NULL)
			return;
	}
	if (error) {
		/* Hang-up, or the server closed an idle connection. */
		if (PQconsumeInput(c->pg) == 0 ||
		    PQstatus(c->pg) != CONNECTION_OK || c->inflight == 0)
			db_fail(c, "connection closed by the server");
	}
}

static void
db_read(struct xz_conn *c)
{
	PGresult	*res;
	struct xz_tx	*tx;

	if (!PQconsumeInput(c->pg)) {
		db_fail(c, PQerrorMessage(c->pg));
		return;
	}
	while (c->pg != NULL && !PQisBusy(c->pg)) {
		res = PQgetResult(c->pg);
		if ((tx = c->head) == NULL) {
			/* Nothing expected: a notice or the server's goodbye. */
			if (res == NULL)
				break;
			PQclear(res);
			continue;
		}
		if (res == NULL) {
			/* The end of one query's results. */
			if (tx->cur < tx->nq)
				tx->cur++;
			else
				break;
			continue;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			db_complete(c);
			continue;
		}
		db_result(tx, res);
	}
	if (c->pg != NULL && PQstatus(c->pg) != CONNECTION_OK)
		db_fail(c, PQerrorMessage(c->pg));
}

/* Copies a business error's code, detail and pointer (see db.h). */
static void
db_business_error(struct xz_tx *tx, PGresult *res)
{
	const char	*s;

	s = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	(void)kore_strlcpy(tx->xz_code, s ? s : "rejected",
	    sizeof(tx->xz_code));
	s = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	(void)kore_strlcpy(tx->xz_detail, s ? s : "the request was refused",
	    sizeof(tx->xz_detail));
	s = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	(void)kore_strlcpy(tx->xz_pointer, s ? s : "",
	    sizeof(tx->xz_pointer));
}

static void
db_result(struct xz_tx *tx, PGresult *res)
{
	struct xz_query		*q;
	ExecStatusType		st;
	const char		*s;

	if (tx->cur >= tx->nq) {
		PQclear(res);
		return;
	}
	q = &tx->q[tx->cur];
	st = PQresultStatus(res);
	if (st == PGRES_FATAL_ERROR && tx->failed < 0) {
		tx->failed = tx->cur;
		s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		(void)kore_strlcpy(tx->sqlstate, s ? s : "XX000",
		    sizeof(tx->sqlstate));
		if (strncmp(tx->sqlstate, "XZ", 2) == 0)
			db_business_error(tx, res);
		/* Client mistakes surface as 4xx; log the rest without data. */
		if (tx->sqlstate[0] != '2' &&
		    strcmp(tx->sqlstate, "42501") != 0 &&
		    strncmp(tx->sqlstate, "XZ", 2) != 0) {
			stat_errors++;
			kore_log(LOG_WARNING, "statement %s failed: %s",
			    q->stmt->name, tx->sqlstate);
		}
	}
	if (q->res == NULL && (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK))
		q->res = res;
	else
		PQclear(res);
}

/* The head transaction's Sync arrived: it is committed or rolled back. */
static void
db_complete(struct xz_conn *c)
{
	struct xz_tx	*tx = c->head;

	c->head = tx->next;
	if (c->head == NULL)
		c->tail = NULL;
	c->inflight--;
	c->started = kore_time_ms();
	tx->conn = NULL;
	tx->next = NULL;
	db_finish(tx, tx->failed >= 0 ? XZ_TX_SQL_ERROR : XZ_TX_OK);
	db_drain();
}

static void
db_fail(struct xz_conn *c, const char *why)
{
	struct xz_tx	*tx, *next;
	char		msg[160];
	size_t		n;

	(void)kore_strlcpy(msg, why != NULL ? why : "", sizeof(msg));
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	kore_log(LOG_WARNING, "database connection lost: %s", msg);

	/* Closing the socket removes it from epoll. */
	if (c->pg != NULL)
		PQfinish(c->pg);
	c->pg = NULL;
	c->state = CONN_DOWN;
	c->flushing = 0;
	tx = c->head;
	c->head = c->tail = NULL;
	c->inflight = 0;
	for (; tx != NULL; tx = next) {
		next = tx->next;
		tx->conn = NULL;
		tx->next = NULL;
		/* A read can be retried once on a fresh connection. */
		if (tx->readonly && !tx->retried) {
			tx->retried = 1;
			db_tx_reset(tx);
			db_dispatch(tx);
			continue;
		}
		db_finish(tx, XZ_TX_UNAVAILABLE);
	}
	db_drain();
}

static void
db_finish(struct xz_tx *tx, enum xz_tx_status status)
{
	tx->status = status;
	if (status == XZ_TX_UNAVAILABLE)
		stat_unavailable++;
	if (tx->req != NULL)
		http_request_wakeup(tx->req);
	else
		db_tx_free(tx);
}

static void
db_tx_reset(struct xz_tx *tx)
{
	int		i;

	for (i = 0; i < tx->nq; i++) {
		if (tx->q[i].res != NULL)
			PQclear(tx->q[i].res);
		tx->q[i].res = NULL;
	}
	tx->failed = -1;
	tx->cur = 0;
	tx->sqlstate[0] = '\0';
	tx->xz_code[0] = tx->xz_detail[0] = tx->xz_pointer[0] = '\0';
}

static void
db_tx_free(struct xz_tx *tx)
{
	int		i, k;

	for (i = 0; i < tx->nq; i++) {
		if (tx->q[i].res != NULL)
			PQclear(tx->q[i].res);
		for (k = 0; k < tx->q[i].stmt->nparams; k++)
			kore_free(tx->q[i].params[k]);
	}
	kore_free(tx);
}

/* A connection silent for too long is dropped: its requests get 503. */
static void
db_timer(void *arg, u_int64_t now)
{
	struct xz_tx	*tx;
	int		i;

	(void)arg;
	for (i = 0; i < pool_size; i++) {
		if (pool[i].state == CONN_UP && pool[i].inflight > 0 &&
		    now - pool[i].started > DB_TIMEOUT_MS) {
			for (tx = pool[i].head; tx != NULL; tx = tx->next)
				tx->retried = 1;
			db_fail(&pool[i], "timed out");
		}
	}
	db_drain();
}
