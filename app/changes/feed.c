/*
 * The partner change feed (issue 7):
 *
 *   GET /api/v1/changes?after=<cursor>&types=<a,b>&limit=<1..1000>
 *
 * Events are written by the triggers of migrations/0006_changes.sql in
 * the transaction that made the change; this handler validates the query
 * and runs xz.changes_feed(), which publishes (stamps pending events with
 * a tick) and reads the published events after the cursor under row
 * security, in (tick, id) order.  The answer is built by the database:
 *
 *   {"events": [{"id", "cursor", "type", "action", "state", "entity_id",
 *     "township", "link", "data", "time"}...], "next": cursor,
 *    "has_more": bool}
 *
 * Decisions:
 * - The cursor is base64url (no padding) of "<tick>.<id>", both decimal;
 *   anything else, or a tick not handed out yet, is 400 naming "after".
 *   Without after, the feed starts at the oldest event kept.  With no
 *   events, next is the cursor passed (or the start).
 * - A cursor below what retention deleted is 410 cursor_expired: the
 *   client resynchronises by listing and starts again without after.
 * - Retention: XZ_CHANGES_RETENTION_DAYS (1..3650, default 30), applied
 *   by the database at most once an hour while the feed is read; read
 *   once at start (xz_webhooks_configure), out of range stops the service.
 * - The transaction is read-write (publishing stamps ticks), one round
 *   trip like every other request.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/changes.h"
#include "xiangzhi/webhooks.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define FEED_LIMIT_DEFAULT	100
#define FEED_LIMIT_MAX		1000
#define FEED_VALUE_MAX		512

/*
 * $1 tick, $2 id, $3 whether a cursor was given, $4 types (NULL: all),
 * $5 limit, $6 retention in days.  Column 1: the refusal, if any.
 */
static struct xz_stmt	feed_read = { "changes_feed",
	"select r::text, r->>'error' from xz.changes_feed($1::bigint,"
	" $2::bigint, $3::boolean, $4::text[], $5::integer, $6::integer) r",
	6, -1 };

/* The entity types of the feed (migrations/0006_changes.sql). */
static const char *const	feed_types[] = {
	"fund_source", "allocation", "project", "funding_line",
	"disbursement", "cooperative", "member", "machine", "land_parcel",
	"house", "labour_team", "booking", "land_transfer", "house_lease",
	"center", "origin_unit", "staff", "campaign", "campaign_team",
	"deployment",
};

static int	feed_cursor(const char *, char *, size_t, char *, size_t);
static int	feed_types_array(const char *, char *, size_t);

void
xz_changes_register(void)
{
	xz_db_register(&feed_read);
}

int
xz_changes_list(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	const char		*qs;
	char			key[32], val[FEED_VALUE_MAX];
	char			tick[24], id[24], types[FEED_VALUE_MAX + 8];
	char			limit[16], days[16];
	int			seen_after, seen_types, seen_limit, r;
	long long		n;

	seen_after = seen_types = seen_limit = 0;
	kore_strlcpy(tick, "0", sizeof(tick));
	kore_strlcpy(id, "0", sizeof(id));
	types[0] = '\0';
	(void)snprintf(limit, sizeof(limit), "%d", FEED_LIMIT_DEFAULT);

	qs = ctx->req->query_string;
	while (qs != NULL && *qs != '\0') {
		r = xz_query_next(&qs, key, sizeof(key), val, sizeof(val));
		if (r != 0) {
			xz_errors_add(&errs, 1, r > 0 ? key : "query",
			    "format", "the query string is malformed");
			return (xz_bad(ctx, &errs));
		}
		if (strcmp(key, "after") == 0) {
			if (seen_after++ || val[0] == '\0')
				xz_errors_add(&errs, 1, key, "format",
				    "after is empty or given twice");
			else if (feed_cursor(val, tick, sizeof(tick), id,
			    sizeof(id)) != 0)
				xz_errors_add(&errs, 1, key, "format",
				    "after is not a cursor this service "
				    "handed out");
		} else if (strcmp(key, "types") == 0) {
			if (seen_types++ || val[0] == '\0')
				xz_errors_add(&errs, 1, key, "format",
				    "types is empty or given twice");
			else if (feed_types_array(val, types,
			    sizeof(types)) != 0)
				xz_errors_add(&errs, 1, key, "enum",
				    "types must be a comma-separated list of "
				    "entity types of the feed");
		} else if (strcmp(key, "limit") == 0) {
			if (seen_limit++ ||
			    xz_parse_ll(val, 1, FEED_LIMIT_MAX, &n) != 0)
				xz_errors_add(&errs, 1, key, "out_of_range",
				    "limit must be an integer from 1 to %d",
				    FEED_LIMIT_MAX);
			else
				(void)snprintf(limit, sizeof(limit), "%lld",
				    n);
		} else {
			xz_errors_add(&errs, 1, key, "unknown_parameter",
			    "'%.40s' is not a parameter of this endpoint", key);
		}
	}
	if (errs.count > 0)
		return (xz_bad(ctx, &errs));

	(void)snprintf(days, sizeof(days), "%ld", xz_webhook.retention_days);
	/* Read-write: reading publishes. */
	ctx->q_main = xz_tx_add(xz_ctx_tx(ctx, 0), &feed_read, tick, id,
	    seen_after ? "true" : "false", types[0] != '\0' ? types : NULL,
	    limit, days);
	return (xz_ctx_run(ctx));
}

int
xz_changes_list_done(struct xz_ctx *ctx)
{
	struct xz_errors	errs = { 0 };
	PGresult		*res;
	const char		*err;

	if (xz_tx_failed(ctx))
		return (XZ_DONE);
	res = xz_tx_result(ctx->tx, ctx->q_main);
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		return (xz_problem(ctx, 500, "internal_error",
		    "the change feed could not be read", NULL));
	if (!PQgetisnull(res, 0, 1)) {
		err = PQgetvalue(res, 0, 1);
		if (strcmp(err, "cursor_expired") == 0)
			return (xz_problem(ctx, 410, "cursor_expired",
			    "the events after this cursor were deleted by "
			    "retention; list the resources again and read "
			    "the feed from the start (without after)", NULL));
		xz_errors_add(&errs, 1, "after", "format",
		    "after is not a cursor this service handed out");
		return (xz_bad(ctx, &errs));
	}
	http_response_header(ctx->req, "cache-control", "no-store");
	return (xz_reply_raw(ctx, 200, "application/json",
	    PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0)));
}

/*
 * The cursor: base64url of "<tick>.<id>", each 1 to 18 digits, no
 * leading zeros but for 0 itself.
 */
static int
feed_cursor(const char *s, char *tick, size_t tlen, char *id, size_t ilen)
{
	unsigned char	raw[64];
	char		text[64], *dot;
	long		n;
	long long	v;
	size_t		len;

	len = strlen(s);
	if (len == 0 || len > 52)
		return (-1);
	n = xz_b64url_decode(s, len, raw);
	if (n <= 0 || n >= (long)sizeof(text))
		return (-1);
	memcpy(text, raw, n);
	text[n] = '\0';
	if (strlen(text) != (size_t)n || (dot = strchr(text, '.')) == NULL)
		return (-1);
	*dot++ = '\0';
	if (strlen(text) > 18 || strlen(dot) > 18 ||
	    xz_parse_ll(text, 0, 999999999999999999LL, &v) != 0 ||
	    xz_parse_ll(dot, 0, 999999999999999999LL, &v) != 0)
		return (-1);
	/* One spelling per cursor: digits only, no leading zeros. */
	if ((text[0] == '0' && text[1] != '\0') ||
	    (dot[0] == '0' && dot[1] != '\0'))
		return (-1);
	for (len = 0; text[len] != '\0'; len++)
		if (!isdigit((unsigned char)text[len]))
			return (-1);
	for (len = 0; dot[len] != '\0'; len++)
		if (!isdigit((unsigned char)dot[len]))
			return (-1);
	if (kore_strlcpy(tick, text, tlen) >= tlen ||
	    kore_strlcpy(id, dot, ilen) >= ilen)
		return (-1);
	return (0);
}

/* "a,b" -> "{a,b}" when every name is an entity type of the feed. */
static int
feed_types_array(const char *s, char *out, size_t outlen)
{
	const char	*p, *end;
	size_t		i, len, o;

	o = 0;
	out[o++] = '{';
	for (p = s; ; p = end + 1) {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		for (i = 0; i < nitems(feed_types); i++) {
			if (strlen(feed_types[i]) == len &&
			    strncmp(feed_types[i], p, len) == 0)
				break;
		}
		if (i == nitems(feed_types) || o + len + 2 >= outlen)
			return (-1);
		if (o > 1)
			out[o++] = ',';
		memcpy(out + o, p, len);
		o += len;
		if (end == NULL)
			break;
	}
	out[o++] = '}';
	out[o] = '\0';
	return (0);
}

