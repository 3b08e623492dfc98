/*
 * Unit test runner: pure C (app/core) and token verification (app/http/auth.c).
 * Run from the repository root (the auth tests read conf/dev-keys).
 */

#include <stdio.h>

#include "tap.h"

int	tap_n, tap_failed;

/* tests/unit/test_idcodes.c (declared here: tap.h is not ours to edit). */
void	test_idcodes(void);

int
main(void)
{
	test_core();
	test_auth();
	test_secret();
	test_jwk();
	test_idcodes();
	printf("1..%d\n", tap_n);
	return (tap_failed > 0);
}
