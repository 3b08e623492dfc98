/*
 * Helpers shared by the unit tests: reading key files and signing tokens
 * with libjwt and the development keys.
 */

#include <stdio.h>
#include <stdlib.h>

#include <jwt.h>

#include "tap.h"

char *
tu_slurp(const char *path, size_t *len)
{
	FILE	*fp;
	char	*buf;

	*len = 0;
	if ((fp = fopen(path, "r")) == NULL)
		return (NULL);
	buf = calloc(1, 16385);
	*len = fread(buf, 1, 16384, fp);
	(void)fclose(fp);
	return (buf);
}

/* A township token for 330599100, valid until now + 600, signed by libjwt. */
char *
tu_sign(jwt_alg_t alg, const char *keyfile, const char *kid, long now)
{
	jwt_t	*jwt;
	char	*key, *tok;
	size_t	len;

	key = tu_slurp(keyfile, &len);
	if (key == NULL || jwt_new(&jwt) != 0) {
		free(key);
		return (NULL);
	}
	(void)jwt_add_header(jwt, "kid", kid);
	(void)jwt_add_grant(jwt, "iss", "xiangzhi-dev");
	(void)jwt_add_grant(jwt, "aud", "xiangzhi");
	(void)jwt_add_grant(jwt, "sub", "u-test");
	(void)jwt_add_grant(jwt, "role", "township");
	(void)jwt_add_grant(jwt, "county", "330599");
	(void)jwt_add_grant(jwt, "township", "330599100");
	(void)jwt_add_grant_int(jwt, "exp", now + 600);
	tok = NULL;
	if (jwt_set_alg(jwt, alg, (unsigned char *)key, (int)len) == 0)
		tok = jwt_encode_str(jwt);
	jwt_free(jwt);
	free(key);
	return (tok);
}
