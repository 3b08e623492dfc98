/*
 * Issue 7: changes.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/changes.h"

void
xz_changes_register(void)
{
}
