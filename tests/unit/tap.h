/*
 * A minimal TAP producer for the C unit tests.
 */
#ifndef XIANGZHI_TAP_H
#define XIANGZHI_TAP_H

#include <stddef.h>
#include <stdio.h>

#include <jwt.h>

extern int	tap_n, tap_failed;

#define ok(cond, ...) do {						\
	int	tap_ok_ = (cond) ? 1 : 0;				\
	tap_n++;							\
	if (tap_ok_) {							\
		printf("ok %d - ", tap_n);				\
	} else {							\
		tap_failed++;						\
		printf("not ok %d - ", tap_n);				\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!tap_ok_)							\
		printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__,	\
		    #cond);						\
} while (0)

/* tests/unit/util.c */
char	*tu_slurp(const char *, size_t *);
char	*tu_sign(jwt_alg_t, const char *, const char *, long);

void	test_core(void);
void	test_auth(void);
void	test_secret(void);
void	test_jwk(void);

#endif
