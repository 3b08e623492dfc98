/*
 * The dashboard web page (issue 7): /dashboard/ and its few files.
 *
 * The files are web/index.html, web/app.js, web/app.css, web/favicon.svg
 * and ECharts' dist/echarts.min.js from web/node_modules (installed by the
 * Makefile with `npm ci`, never committed), linked into the module with
 * `ld -r -b binary` like the OpenAPI document: the worker opens no file
 * (no seccomp or chroot question, no runtime directory to stage) and a
 * build always serves the page it was built with.
 *
 * Only the names in the table below are served (no path is ever built from
 * the request, so there is nothing to traverse); anything else under
 * /dashboard/ is 404 problem+json.  Every answer carries a strong ETag
 * (BLAKE2b of the content, computed once per worker) and Cache-Control:
 * no-cache, so browsers revalidate and get 304 until the module changes.
 * The page is served with a Content-Security-Policy that allows scripts,
 * styles and connections from this origin only (no inline script).
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/web.h"

/* The web files (Makefile: WEB_FILES, linked as build/web.o). */
#define WEB_FILE(sym)							\
	extern const char _binary_##sym##_start[];			\
	extern const char _binary_##sym##_end[]
WEB_FILE(web_index_html);
WEB_FILE(web_app_js);
WEB_FILE(web_app_css);
WEB_FILE(web_favicon_svg);
WEB_FILE(web_node_modules_echarts_dist_echarts_min_js);

#define WEB_CSP								\
	"default-src 'none'; script-src 'self'; style-src 'self'; "	\
	"img-src 'self'; connect-src 'self'; form-action 'none'; "	\
	"base-uri 'none'; frame-ancestors 'none'"

struct web_file {
	const char	*name;
	const char	*type;
	const char	*start;
	const char	*end;
	char		etag[24];	/* "<16 hex digits>", made on first use */
};

static struct web_file	web_files[] = {
	{ "index.html", "text/html; charset=utf-8",
	    _binary_web_index_html_start, _binary_web_index_html_end, "" },
	{ "app.js", "text/javascript; charset=utf-8",
	    _binary_web_app_js_start, _binary_web_app_js_end, "" },
	{ "app.css", "text/css; charset=utf-8",
	    _binary_web_app_css_start, _binary_web_app_css_end, "" },
	{ "favicon.svg", "image/svg+xml",
	    _binary_web_favicon_svg_start, _binary_web_favicon_svg_end, "" },
	{ "echarts.min.js", "text/javascript; charset=utf-8",
	    _binary_web_node_modules_echarts_dist_echarts_min_js_start,
	    _binary_web_node_modules_echarts_dist_echarts_min_js_end, "" },
};

#define WEB_NFILES	(sizeof(web_files) / sizeof(web_files[0]))

static int	web_send(struct xz_ctx *, struct web_file *);
static void	web_etag(struct web_file *);

int
xz_web_redirect(struct xz_ctx *ctx)
{
	http_response_header(ctx->req, "location", "/dashboard/");
	return (xz_reply_raw(ctx, 301, NULL, NULL, 0));
}

int
xz_web_index(struct xz_ctx *ctx)
{
	http_response_header(ctx->req, "content-security-policy", WEB_CSP);
	http_response_header(ctx->req, "referrer-policy", "no-referrer");
	http_response_header(ctx->req, "x-frame-options", "DENY");
	return (web_send(ctx, &web_files[0]));
}

int
xz_web_file(struct xz_ctx *ctx)
{
	const char	*name = ctx->path_params[0];
	size_t		i;

	for (i = 0; i < WEB_NFILES; i++) {
		if (strcmp(web_files[i].name, name) == 0) {
			if (i == 0)
				return (xz_web_index(ctx));
			return (web_send(ctx, &web_files[i]));
		}
	}
	return (xz_problem(ctx, 404, "not_found",
	    "no such file of the dashboard page", NULL));
}

static int
web_send(struct xz_ctx *ctx, struct web_file *f)
{
	const char	*inm;

	web_etag(f);
	http_response_header(ctx->req, "etag", f->etag);
	http_response_header(ctx->req, "x-content-type-options", "nosniff");
	/* xz_reply_raw keeps it (instead of no-store). */
	http_response_header(ctx->req, "cache-control", "no-cache");
	if (http_request_header(ctx->req, "if-none-match", &inm) &&
	    xz_etag_in_list(inm, f->etag))
		return (xz_reply_raw(ctx, 304, NULL, NULL, 0));
	return (xz_reply_raw(ctx, 200, f->type, f->start,
	    (size_t)(f->end - f->start)));
}

static void
web_etag(struct web_file *f)
{
	unsigned char	h[8];
	size_t		i;

	if (f->etag[0] != '\0')
		return;
	(void)crypto_generichash(h, sizeof(h), (const unsigned char *)f->start,
	    (unsigned long long)(f->end - f->start), NULL, 0);
	f->etag[0] = '"';
	for (i = 0; i < sizeof(h); i++)
		(void)snprintf(f->etag + 1 + 2 * i, 3, "%02x", h[i]);
	f->etag[17] = '"';
	f->etag[18] = '\0';
}
