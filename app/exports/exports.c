/*
 * Issue 7: exports.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/exports.h"

void
xz_exports_register(void)
{
}
