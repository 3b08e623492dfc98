/*
 * Unit test runner: pure C (app/core) and token verification (app/http/auth.c).
 * Run from the repository root (the auth tests read conf/dev-keys).
 */

#include <stdio.h>

#include "tap.h"

int	tap_n, tap_failed;

int
main(void)
{
	test_core();
	test_auth();
	test_secret();
	test_jwk();
	printf("1..%d\n", tap_n);
	return (tap_failed > 0);
}
