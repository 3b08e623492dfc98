/*
 * The service's route table, built from app/http/routes.def.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/changes.h"
#include "xiangzhi/coops.h"
#include "xiangzhi/dashboard.h"
#include "xiangzhi/exports.h"
#include "xiangzhi/funds.h"
#include "xiangzhi/identity.h"
#include "xiangzhi/org.h"
#include "xiangzhi/personnel.h"
#include "xiangzhi/roles.h"
#include "xiangzhi/web.h"
#include "xiangzhi/webhooks.h"

#define GET	HTTP_METHOD_GET
#define POST	HTTP_METHOD_POST
#define PATCH	HTTP_METHOD_PATCH
#define DELETE	HTTP_METHOD_DELETE

#define XZ_ROUTEF(m, p, r, s, f, start, finish)	\
	{ m, p, r, s, f, start, finish },
#define XZ_ROUTE(m, p, r, s, start, finish)	\
	XZ_ROUTEF(m, p, r, s, 0, start, finish)

const struct xz_route	xz_routes[] = {
#include "routes.def"
};

const size_t	xz_routes_count = sizeof(xz_routes) / sizeof(xz_routes[0]);
