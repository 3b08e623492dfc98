/*
 * Webhooks (issue 7): the delivery worker.
 *
 * It runs in worker 1 only (Kore numbers its HTTP workers from 1; a
 * worker that dies is restarted with its number), as a Kore timer that
 * never blocks: libcurl's multi interface is driven by
 * curl_multi_perform() on each tick, and the worker's own PostgreSQL
 * connection (not the request pool: nothing here belongs to a request)
 * is used with libpq's asynchronous calls, polled on the same tick.
 *
 * Each round: xz_hook.fanout() (publish the feed, turn new events into
 * deliveries and move each subscription's cursor, one transaction), then
 * xz_hook.claim() (due deliveries under a lease, per-entity order), then
 * one POST per delivery, then xz_hook.record() with the outcomes (2xx is
 * delivered; anything else, or a timeout, is retried with full-jitter
 * backoff until the maximum age after the first attempt, then dead).
 * What the worker knows lives in the database: a restart resumes from
 * the cursors and the pending deliveries (a delivery in flight when the
 * worker died is retried when its lease runs out: at least once).
 *
 * Signature: X-Xiangzhi-Signature: sha256=<hex HMAC-SHA256(secret,
 * timestamp "." body)>, where secret is the subscription's secret as
 * shown (its base64url text, as bytes), timestamp the decimal Unix time
 * sent in X-Xiangzhi-Timestamp, and body the exact bytes posted.
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <sodium.h>

#include <kore/kore.h>

#include "xiangzhi/core.h"
#include "xiangzhi/http.h"
#include "xiangzhi/webhooks.h"

#define TICK_MS		50
#define LEASE_EXTRA_MS	10000
#define CONNECT_BACKOFF	1000	/* first wait after a failed connect */
#define CONNECT_BACKOFF_MAX	30000	/* doubling up to this */
/*
 * A statement unanswered this long (the service's statement_timeout is
 * 5 s) means a connection that died without a reset: drop it, so the
 * worker does not wait forever.
 */
#define STATEMENT_MAX_MS	30000

enum wk_state {
	WK_IDLE = 0,
	WK_FANOUT,
	WK_CLAIM,
	WK_RECORD,
};

struct wk_delivery {
	CURL			*easy;
	struct curl_slist	*headers;
	char			*body;
	char			id[24];
	char			err[CURL_ERROR_SIZE];
};

struct xz_webhook_config	xz_webhook;
struct xz_webhook_stats		*xz_webhook_stats;

static PGconn		*wk_pg;
static enum wk_state	wk_state;
static CURLM		*wk_multi;
static json_t		*wk_results;		/* outcomes not yet recorded */
static int		wk_inflight;
static u_int64_t	wk_next_round, wk_next_connect, wk_sent_at;
static int		wk_more;		/* the last claim was full */
static u_int64_t	wk_backoff = CONNECT_BACKOFF;

static void	wk_tick(void *, u_int64_t);
static void	wk_curl_poll(void);
static void	wk_db_poll(u_int64_t);
static void	wk_db_result(PGresult *);
static void	wk_send(const char *, int, const char *const *);
static void	wk_start(PGresult *, int);
static void	wk_done(CURL *, CURLcode);
static void	wk_outcome(const char *, int, long, const char *);
static curl_socket_t	wk_opensocket(void *, curlsocktype,
			    struct curl_sockaddr *);
static size_t	wk_discard(char *, size_t, size_t, void *);
static void	key_load(const char *);

/* ---------------------------------------------------------- configuration */

void
xz_webhooks_configure(void)
{
	const char	*v;

	key_load(xz_env_or("XZ_WEBHOOK_KEY", "conf/dev-keys/webhook.key"));
	v = xz_env_or("XZ_WEBHOOK_ALLOW_LOOPBACK", "0");
	xz_webhook.allow_loopback = strcmp(v, "1") == 0;
	if (xz_webhook.allow_loopback)
		kore_log(LOG_WARNING, "XZ_WEBHOOK_ALLOW_LOOPBACK=1: webhooks"
		    " may post to loopback addresses (development only)");
	xz_webhook.enabled = strcmp(xz_env_or("XZ_WEBHOOK_WORKER", "1"),
	    "0") != 0;
	xz_webhook.timeout_ms = xz_env_long("XZ_WEBHOOK_TIMEOUT_MS", 10000,
	    100, 120000);
	xz_webhook.base_ms = xz_env_long("XZ_WEBHOOK_BACKOFF_BASE_MS", 10000,
	    10, 3600000);
	xz_webhook.cap_ms = xz_env_long("XZ_WEBHOOK_BACKOFF_CAP_MS", 3600000,
	    10, 86400000);
	xz_webhook.max_age_s = xz_env_long("XZ_WEBHOOK_MAX_AGE_S", 86400, 1,
	    30 * 86400);
	xz_webhook.poll_ms = xz_env_long("XZ_WEBHOOK_POLL_MS", 1000, 50,
	    60000);
	xz_webhook.parallel = xz_env_long("XZ_WEBHOOK_PARALLEL", 32, 1, 256);
	/*
	 * The change feed's retention (0006), which publishing applies, both
	 * here and in GET /api/v1/changes (app/changes/feed.c).
	 */
	xz_webhook.retention_days = xz_env_long("XZ_CHANGES_RETENTION_DAYS", 30,
	    1, 3650);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal("webhooks: curl_global_init failed");
	xz_webhook_stats = mmap(NULL, sizeof(*xz_webhook_stats),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (xz_webhook_stats == MAP_FAILED)
		fatal("webhooks: mmap: %s", errno_s);
	memset(xz_webhook_stats, 0, sizeof(*xz_webhook_stats));
}

/*
 * The key webhook secrets are sealed with: 64 hex digits in a file.
 * conf/dev-keys/webhook.key is for development only (it is public).
 * Losing or changing the key makes every stored secret unreadable:
 * rotate each subscription's secret afterwards.
 */
static void
key_load(const char *path)
{
	FILE		*f;
	char		hex[80];
	size_t		n;

	if ((f = fopen(path, "r")) == NULL)
		fatal("XZ_WEBHOOK_KEY: cannot open %s", path);
	if (fgets(hex, sizeof(hex), f) == NULL)
		hex[0] = '\0';
	(void)fclose(f);
	hex[strcspn(hex, "\r\n")] = '\0';
	if (strlen(hex) != 64 || sodium_hex2bin(xz_webhook.key,
	    sizeof(xz_webhook.key), hex, 64, NULL, &n, NULL) != 0 || n != 32)
		fatal("XZ_WEBHOOK_KEY: %s must hold 64 hex digits", path);
	sodium_memzero(hex, sizeof(hex));
}

void
xz_webhooks_metrics(struct kore_buf *b)
{
	struct xz_webhook_stats	*s = xz_webhook_stats;

	if (s == NULL)
		return;
	kore_buf_appendf(b,
	    "# HELP xiangzhi_webhook_deliveries_total Webhook deliveries by"
	    " outcome (fanned_out: made from feed events).\n"
	    "# TYPE xiangzhi_webhook_deliveries_total counter\n"
	    "xiangzhi_webhook_deliveries_total{outcome=\"fanned_out\"} %llu\n"
	    "xiangzhi_webhook_deliveries_total{outcome=\"delivered\"} %llu\n"
	    "xiangzhi_webhook_deliveries_total{outcome=\"dead\"} %llu\n"
	    "# HELP xiangzhi_webhook_failed_attempts_total Attempts answered"
	    " other than 2xx, or that failed or timed out.\n"
	    "# TYPE xiangzhi_webhook_failed_attempts_total counter\n"
	    "xiangzhi_webhook_failed_attempts_total %llu\n"
	    "# HELP xiangzhi_webhook_in_flight Deliveries being posted now.\n"
	    "# TYPE xiangzhi_webhook_in_flight gauge\n"
	    "xiangzhi_webhook_in_flight %llu\n",
	    (unsigned long long)__atomic_load_n(&s->fanned_out,
	    __ATOMIC_RELAXED),
	    (unsigned long long)__atomic_load_n(&s->delivered,
	    __ATOMIC_RELAXED),
	    (unsigned long long)__atomic_load_n(&s->dead, __ATOMIC_RELAXED),
	    (unsigned long long)__atomic_load_n(&s->failed, __ATOMIC_RELAXED),
	    (unsigned long long)__atomic_load_n(&s->in_flight,
	    __ATOMIC_RELAXED));
}

/* ------------------------------------------------------------ the worker */

void
xz_webhook_worker_start(void)
{
	if (!xz_webhook.enabled || worker == NULL || worker->id != 1)
		return;
	if ((wk_multi = curl_multi_init()) == NULL)
		fatal("webhooks: curl_multi_init failed");
	wk_results = json_array();
	wk_state = WK_IDLE;
	wk_inflight = 0;
	__atomic_store_n(&xz_webhook_stats->in_flight, 0, __ATOMIC_RELAXED);
	wk_next_round = 0;
	(void)kore_timer_add(wk_tick, TICK_MS, NULL, 0);
	kore_log(LOG_NOTICE, "webhook delivery worker started");
}

static void
wk_tick(void *arg, u_int64_t now)
{
	(void)arg;
	wk_curl_poll();
	wk_db_poll(now);
}

static void
wk_curl_poll(void)
{
	CURLMsg		*msg;
	int		running, left;

	if (wk_inflight == 0)
		return;
	(void)curl_multi_perform(wk_multi, &running);
	while ((msg = curl_multi_info_read(wk_multi, &left)) != NULL) {
		if (msg->msg == CURLMSG_DONE)
			wk_done(msg->easy_handle, msg->data.result);
	}
}

/*
 * One statement at a time on the worker's connection: record outcomes
 * first, then a round (fan-out, claim) when it is due or the last claim
 * was full and there is room.
 */
static void
wk_db_poll(u_int64_t now)
{
	static const char *const	keys[] = { "dbname", "gssencmode",
	    "connect_timeout", "application_name", NULL };
	const char *const		vals[] = { xz_config.conninfo,
	    "disable", "2", "xiangzhi-webhooks", NULL };
	PGresult			*res;
	char				*s, n1[24], n2[24], n3[24], n4[24];
	const char			*p[4];

	if (wk_pg == NULL) {
		if (now < wk_next_connect)
			return;
		/* As app/db/db.c: bounded, and no GSS probe (sandbox). */
		wk_pg = PQconnectdbParams(keys, vals, 1);
		if (PQstatus(wk_pg) != CONNECTION_OK ||
		    PQsetnonblocking(wk_pg, 1) != 0) {
			kore_log(LOG_WARNING, "webhooks: database connect"
			    " failed");
			PQfinish(wk_pg);
			wk_pg = NULL;
			/* Connecting blocks (connect_timeout): back off. */
			wk_next_connect = now + wk_backoff;
			if (wk_backoff < CONNECT_BACKOFF_MAX)
				wk_backoff *= 2;
			return;
		}
		wk_backoff = CONNECT_BACKOFF;
		wk_state = WK_IDLE;
	}
	if (wk_state != WK_IDLE) {
		if (PQflush(wk_pg) < 0 || !PQconsumeInput(wk_pg))
			goto lost;
		while (!PQisBusy(wk_pg)) {
			if ((res = PQgetResult(wk_pg)) == NULL) {
				wk_state = WK_IDLE;
				break;
			}
			wk_db_result(res);
			PQclear(res);
		}
		if (wk_state != WK_IDLE) {
			if (now < wk_sent_at ||
			    now - wk_sent_at < STATEMENT_MAX_MS)
				return;
			kore_log(LOG_WARNING, "webhooks: no answer from the"
			    " database in %d ms", STATEMENT_MAX_MS);
			goto lost;
		}
		if (PQstatus(wk_pg) != CONNECTION_OK)
			goto lost;
	}
	if (json_array_size(wk_results) > 0) {
		if ((s = json_dumps(wk_results, JSON_COMPACT)) == NULL)
			fatal("webhooks: cannot encode outcomes");
		json_array_clear(wk_results);
		(void)snprintf(n1, sizeof(n1), "%ld", xz_webhook.base_ms);
		(void)snprintf(n2, sizeof(n2), "%ld", xz_webhook.cap_ms);
		(void)snprintf(n3, sizeof(n3), "%ld", xz_webhook.max_age_s);
		p[0] = s;
		p[1] = n1;
		p[2] = n2;
		p[3] = n3;
		wk_state = WK_RECORD;
		wk_send("select xz_hook.record($1::jsonb, $2::bigint,"
		    " $3::bigint, $4::bigint)", 4, p);
		free(s);
		return;
	}
	if (now >= wk_next_round) {
		wk_next_round = now + xz_webhook.poll_ms;
		(void)snprintf(n1, sizeof(n1), "%d", 500);
		(void)snprintf(n2, sizeof(n2), "%ld",
		    xz_webhook.retention_days);
		p[0] = n1;
		p[1] = n2;
		wk_state = WK_FANOUT;
		wk_send("select xz_hook.fanout($1::integer, $2::integer)", 2,
		    p);
		return;
	}
	if (wk_more && wk_inflight < xz_webhook.parallel) {
		wk_more = 0;
		(void)snprintf(n1, sizeof(n1), "%ld",
		    xz_webhook.parallel - wk_inflight);
		(void)snprintf(n4, sizeof(n4), "%ld",
		    xz_webhook.timeout_ms + LEASE_EXTRA_MS);
		p[0] = n1;
		p[1] = n4;
		wk_state = WK_CLAIM;
		wk_send("select delivery_id, url, secret_box, event_id, body"
		    " from xz_hook.claim($1::integer, $2::integer)", 2, p);
	}
	return;

lost:
	kore_log(LOG_WARNING, "webhooks: database connection lost");
	PQfinish(wk_pg);
	wk_pg = NULL;
	wk_state = WK_IDLE;
	wk_next_connect = now + CONNECT_BACKOFF;
}

static void
wk_send(const char *sql, int n, const char *const *params)
{
	if (!PQsendQueryParams(wk_pg, sql, n, NULL, params, NULL, NULL, 0)) {
		kore_log(LOG_WARNING, "webhooks: cannot send a statement");
		wk_state = WK_IDLE;
		PQfinish(wk_pg);
		wk_pg = NULL;
		wk_next_connect = kore_time_ms() + CONNECT_BACKOFF;
		return;
	}
	(void)PQflush(wk_pg);
	wk_sent_at = kore_time_ms();
}

static void
wk_db_result(PGresult *res)
{
	long long	n;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		kore_log(LOG_WARNING, "webhooks: statement failed: %s",
		    PQresultErrorField(res, PG_DIAG_SQLSTATE) ?
		    PQresultErrorField(res, PG_DIAG_SQLSTATE) : "?");
		return;
	}
	switch (wk_state) {
	case WK_FANOUT:
		n = PQntuples(res) == 1 ? atoll(PQgetvalue(res, 0, 0)) : 0;
		__atomic_fetch_add(&xz_webhook_stats->fanned_out,
		    (u_int64_t)n, __ATOMIC_RELAXED);
		/* Claim next, whatever was fanned out (retries fall due). */
		wk_more = 1;
		break;
	case WK_CLAIM:
		wk_start(res, PQntuples(res));
		break;
	case WK_RECORD:
		n = PQntuples(res) == 1 ? atoll(PQgetvalue(res, 0, 0)) : 0;
		__atomic_fetch_add(&xz_webhook_stats->dead, (u_int64_t)n,
		    __ATOMIC_RELAXED);
		/* A delivered event may unblock the next of its entity. */
		wk_more = 1;
		break;
	case WK_IDLE:
		break;
	}
}

/* Posts each claimed delivery: columns id, url, box, event id, body. */
static void
wk_start(PGresult *res, int rows)
{
	struct wk_delivery	*d;
	crypto_auth_hmacsha256_state	st;
	unsigned char		mac[crypto_auth_hmacsha256_BYTES];
	char			secret[80], hex[2 * sizeof(mac) + 1];
	char			ts[24], h[160];
	const char		*body;
	int			i;

	if (rows >= xz_webhook.parallel - wk_inflight)
		wk_more = 1;
	for (i = 0; i < rows; i++) {
		d = kore_calloc(1, sizeof(*d));
		(void)kore_strlcpy(d->id, PQgetvalue(res, i, 0),
		    sizeof(d->id));
		if (xz_webhook_open(PQgetvalue(res, i, 2), secret,
		    sizeof(secret)) != 0) {
			/* A secret sealed under another key: never sent. */
			wk_outcome(d->id, 0, 0, "secret unreadable (key"
			    " changed?): rotate the secret");
			kore_free(d);
			continue;
		}
		body = PQgetvalue(res, i, 4);
		d->body = kore_strdup(body);
		(void)snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
		crypto_auth_hmacsha256_init(&st, (unsigned char *)secret,
		    strlen(secret));
		crypto_auth_hmacsha256_update(&st, (unsigned char *)ts,
		    strlen(ts));
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)".",
		    1);
		crypto_auth_hmacsha256_update(&st, (unsigned char *)d->body,
		    strlen(d->body));
		crypto_auth_hmacsha256_final(&st, mac);
		sodium_memzero(secret, sizeof(secret));
		sodium_memzero(&st, sizeof(st));
		(void)sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));

		d->headers = curl_slist_append(d->headers,
		    "Content-Type: application/json");
		(void)snprintf(h, sizeof(h), "X-Xiangzhi-Event-Id: %s",
		    PQgetvalue(res, i, 3));
		d->headers = curl_slist_append(d->headers, h);
		(void)snprintf(h, sizeof(h), "X-Xiangzhi-Delivery-Id: %s",
		    d->id);
		d->headers = curl_slist_append(d->headers, h);
		(void)snprintf(h, sizeof(h), "X-Xiangzhi-Timestamp: %s", ts);
		d->headers = curl_slist_append(d->headers, h);
		(void)snprintf(h, sizeof(h), "X-Xiangzhi-Signature: sha256=%s",
		    hex);
		d->headers = curl_slist_append(d->headers, h);
		d->headers = curl_slist_append(d->headers, "Expect:");

		if ((d->easy = curl_easy_init()) == NULL)
			fatal("webhooks: curl_easy_init failed");
		(void)curl_easy_setopt(d->easy, CURLOPT_URL,
		    PQgetvalue(res, i, 1));
		(void)curl_easy_setopt(d->easy, CURLOPT_PROTOCOLS_STR,
		    "http,https");
		(void)curl_easy_setopt(d->easy, CURLOPT_NOPROXY, "*");
		(void)curl_easy_setopt(d->easy, CURLOPT_FOLLOWLOCATION, 0L);
		(void)curl_easy_setopt(d->easy, CURLOPT_NOSIGNAL, 1L);
		/* A timed-out name lookup is left behind, not waited for. */
		(void)curl_easy_setopt(d->easy, CURLOPT_QUICK_EXIT, 1L);
		(void)curl_easy_setopt(d->easy, CURLOPT_TIMEOUT_MS,
		    xz_webhook.timeout_ms);
		(void)curl_easy_setopt(d->easy, CURLOPT_HTTPHEADER,
		    d->headers);
		(void)curl_easy_setopt(d->easy, CURLOPT_POSTFIELDS, d->body);
		(void)curl_easy_setopt(d->easy, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(d->body));
		(void)curl_easy_setopt(d->easy, CURLOPT_USERAGENT,
		    "xiangzhi-webhooks/1");
		(void)curl_easy_setopt(d->easy, CURLOPT_WRITEFUNCTION,
		    wk_discard);
		(void)curl_easy_setopt(d->easy, CURLOPT_OPENSOCKETFUNCTION,
		    wk_opensocket);
		(void)curl_easy_setopt(d->easy, CURLOPT_ERRORBUFFER, d->err);
		(void)curl_easy_setopt(d->easy, CURLOPT_PRIVATE, d);
		if (curl_multi_add_handle(wk_multi, d->easy) != CURLM_OK)
			fatal("webhooks: curl_multi_add_handle failed");
		wk_inflight++;
		__atomic_fetch_add(&xz_webhook_stats->in_flight, 1,
		    __ATOMIC_RELAXED);
	}
	sodium_memzero(mac, sizeof(mac));
}

static void
wk_done(CURL *easy, CURLcode rc)
{
	struct wk_delivery	*d;
	char			why[64];
	long			code;
	char			*priv;

	(void)curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
	d = (struct wk_delivery *)priv;
	code = 0;
	(void)curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK && code >= 200 && code < 300) {
		wk_outcome(d->id, 1, code, NULL);
	} else if (rc == CURLE_OK) {
		(void)snprintf(why, sizeof(why), "http status %ld", code);
		wk_outcome(d->id, 0, code, why);
	} else {
		wk_outcome(d->id, 0, 0, rc == CURLE_OPERATION_TIMEDOUT ?
		    "timed out" : curl_easy_strerror(rc));
	}
	(void)curl_multi_remove_handle(wk_multi, easy);
	curl_easy_cleanup(easy);
	curl_slist_free_all(d->headers);
	kore_free(d->body);
	kore_free(d);
	wk_inflight--;
	__atomic_fetch_sub(&xz_webhook_stats->in_flight, 1, __ATOMIC_RELAXED);
}

static void
wk_outcome(const char *id, int ok, long status, const char *error)
{
	json_t		*o;

	o = json_pack("{s:s,s:b,s:I}", "id", id, "ok", ok, "status",
	    (json_int_t)status);
	if (error != NULL)
		(void)json_object_set_new(o, "error", json_string(error));
	(void)json_array_append_new(wk_results, o);
	__atomic_fetch_add(ok ? &xz_webhook_stats->delivered :
	    &xz_webhook_stats->failed, 1, __ATOMIC_RELAXED);
}

/*
 * Every connection is checked where it goes, after name resolution: a
 * host name that resolves to a private or loopback address is refused
 * (DNS rebinding cannot reach the internal network).
 */
static curl_socket_t
wk_opensocket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)arg;
	if (purpose != CURLSOCKTYPE_IPCXN ||
	    !xz_webhook_addr_ok(&a->addr, a->addrlen))
		return (CURL_SOCKET_BAD);
	return (socket(a->family, a->socktype, a->protocol));
}

static size_t
wk_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return (size * n);
}
