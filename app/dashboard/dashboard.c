/*
 * Issue 7: dashboard.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/dashboard.h"

void
xz_dashboard_register(void)
{
}
