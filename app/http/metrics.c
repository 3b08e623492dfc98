/*
 * Prometheus metrics shared by all workers (an anonymous shared mapping
 * made in the parent before the workers fork; counters are atomic), and
 * the one-line JSON access log.
 */

#include <sys/types.h>
#include <sys/mman.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/webhooks.h"

#define ROUTES_MAX	256
#define UNMATCHED	ROUTES_MAX	/* requests that matched no route */

static const int	statuses[] = {
	200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 412, 413, 415,
	428, 500, 503, 0		/* 0: any other */
};
#define NSTATUS		(sizeof(statuses) / sizeof(statuses[0]))

/* Latency bucket bounds in microseconds (le). */
static const u_int64_t	bounds[] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	1000000
};
#define NBOUNDS		(sizeof(bounds) / sizeof(bounds[0]))

struct metrics {
	u_int64_t	requests[ROUTES_MAX + 1][NSTATUS];
	u_int64_t	buckets[ROUTES_MAX + 1][NBOUNDS + 1];
	u_int64_t	sum_us[ROUTES_MAX + 1];
};

static struct metrics	*m;

static void	log_clean(const char *, char *, size_t);

void
xz_metrics_init(void)
{
	if (xz_routes_count > ROUTES_MAX)
		fatal("xz_metrics_init: too many routes");
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		fatal("xz_metrics_init: mmap: %s", errno_s);
	memset(m, 0, sizeof(*m));
}

void
xz_metrics_record(int route, int status, u_int64_t us)
{
	size_t		s, b;

	if (m == NULL)
		return;
	if (route < 0 || route >= ROUTES_MAX)
		route = UNMATCHED;
	for (s = 0; s < NSTATUS - 1 && statuses[s] != status; s++)
		;
	for (b = 0; b < NBOUNDS && us > bounds[b]; b++)
		;
	__atomic_fetch_add(&m->requests[route][s], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->buckets[route][b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->sum_us[route], us, __ATOMIC_RELAXED);
}

int
xz_metrics_render(struct xz_ctx *ctx)
{
	struct kore_buf	*buf;
	const char	*path;
	size_t		r, s, b;
	u_int64_t	n, cum, total;
	int		ret;
	char		code[8];

	buf = kore_buf_alloc(16384);
	kore_buf_appendf(buf,
	    "# HELP xiangzhi_http_requests_total Requests by route and status.\n"
	    "# TYPE xiangzhi_http_requests_total counter\n");
	for (r = 0; r <= ROUTES_MAX; r++) {
		if (r < ROUTES_MAX && r >= xz_routes_count)
			continue;
		path = r == UNMATCHED ? "unmatched" : xz_routes[r].path;
		for (s = 0; s < NSTATUS; s++) {
			n = __atomic_load_n(&m->requests[r][s],
			    __ATOMIC_RELAXED);
			if (n == 0)
				continue;
			if (statuses[s] != 0)
				(void)snprintf(code, sizeof(code), "%d",
				    statuses[s]);
			else
				(void)snprintf(code, sizeof(code), "other");
			kore_buf_appendf(buf, "xiangzhi_http_requests_total"
			    "{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n",
			    r == UNMATCHED ? "any" :
			    http_method_text(xz_routes[r].method), path,
			    code, (unsigned long long)n);
		}
	}
	kore_buf_appendf(buf,
	    "# HELP xiangzhi_http_request_duration_seconds Latency by route.\n"
	    "# TYPE xiangzhi_http_request_duration_seconds histogram\n");
	for (r = 0; r < xz_routes_count; r++) {
		total = 0;
		for (b = 0; b <= NBOUNDS; b++)
			total += __atomic_load_n(&m->buckets[r][b],
			    __ATOMIC_RELAXED);
		if (total == 0)
			continue;
		cum = 0;
		for (b = 0; b <= NBOUNDS; b++) {
			cum += __atomic_load_n(&m->buckets[r][b],
			    __ATOMIC_RELAXED);
			if (b < NBOUNDS) {
				kore_buf_appendf(buf,
				    "xiangzhi_http_request_duration_seconds_bucket"
				    "{route=\"%s\",le=\"%g\"} %llu\n",
				    xz_routes[r].path, bounds[b] / 1e6,
				    (unsigned long long)cum);
			} else {
				kore_buf_appendf(buf,
				    "xiangzhi_http_request_duration_seconds_bucket"
				    "{route=\"%s\",le=\"+Inf\"} %llu\n",
				    xz_routes[r].path, (unsigned long long)cum);
			}
		}
		kore_buf_appendf(buf,
		    "xiangzhi_http_request_duration_seconds_sum{route=\"%s\"} "
		    "%.6f\nxiangzhi_http_request_duration_seconds_count"
		    "{route=\"%s\"} %llu\n", xz_routes[r].path,
		    __atomic_load_n(&m->sum_us[r], __ATOMIC_RELAXED) / 1e6,
		    xz_routes[r].path, (unsigned long long)total);
	}
	/* Database counters are per worker: label them by pid. */
	kore_buf_appendf(buf,
	    "# HELP xiangzhi_db_errors_total Failed statements (server side).\n"
	    "# TYPE xiangzhi_db_errors_total counter\n"
	    "xiangzhi_db_errors_total{worker=\"%d\"} %lu\n"
	    "# HELP xiangzhi_db_unavailable_total Requests answered 503 for "
	    "want of a database.\n"
	    "# TYPE xiangzhi_db_unavailable_total counter\n"
	    "xiangzhi_db_unavailable_total{worker=\"%d\"} %lu\n",
	    (int)getpid(), xz_db_errors(), (int)getpid(),
	    xz_db_unavailable());
	xz_webhooks_metrics(buf);
	ret = xz_reply_raw(ctx, 200, "text/plain; version=0.0.4",
	    buf->data, buf->offset);
	kore_buf_free(buf);
	return (ret);
}

/* One JSON line per request on stdout; never the token or the body. */
void
xz_log_request(struct xz_ctx *ctx, u_int64_t us)
{
	struct timespec	ts;
	struct tm	tm;
	char		line[768], when[32], path[256], sub[72];
	int		n;

	if (!xz_config.access_log)
		return;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	log_clean(ctx->req->path, path, sizeof(path));
	log_clean(ctx->claims.role ? ctx->claims.sub : "", sub, sizeof(sub));
	n = snprintf(line, sizeof(line),
	    "{\"ts\":\"%s.%03ldZ\",\"request_id\":\"%s\",\"method\":\"%s\","
	    "\"path\":\"%s\",\"route\":\"%s\",\"status\":%d,"
	    "\"duration_ms\":%.3f,\"role\":\"%s\",\"sub\":\"%s\"}\n",
	    when, ts.tv_nsec / 1000000, ctx->request_id,
	    http_method_text(ctx->req->method), path,
	    ctx->route != NULL ? ctx->route->path : "", ctx->status,
	    us / 1000.0, xz_role_name(ctx->claims.role), sub);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)write(STDOUT_FILENO, line, (size_t)n);
}

/* Client data in a log line: printable ASCII only, no quotes. */
static void
log_clean(const char *in, char *out, size_t len)
{
	size_t		o;

	for (o = 0; *in != '\0' && o + 1 < len; in++) {
		if (*in > 0x20 && *in < 0x7f && *in != '"' && *in != '\\')
			out[o++] = *in;
		else
			out[o++] = '?';
	}
	out[o] = '\0';
}
