/*
 * Issue 7: webhooks.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "xiangzhi/http.h"
#include "xiangzhi/webhooks.h"

void
xz_webhooks_register(void)
{
}
