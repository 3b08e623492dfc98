/*
 * The cost of verifying one bearer token: xz_auth_verify uncached for
 * HS256, ES256 and RS256 with the development keys, and a hit of the
 * per-process verification cache.  Each case runs for about a second of
 * wall time (at least 2000 verifications).  Run from the repository root;
 * built without sanitizers (make build/bench-verify).  Not a test.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xiangzhi/auth.h"

#define KEYS		"conf/dev-keys/"
#define MIN_OPS		2000
#define RUN_NS		1000000000LL

static long long	bench_ns(void);
static int		bench_one(const char *, const struct xz_keyring *,
			    struct xz_auth_cache *, const char *, time_t);

static const char *const	signing[] = {
	"bench-hs256:HS256:" KEYS "hs256.key",
	"bench-es256:ES256:" KEYS "es256.pem",
	"bench-rs256:RS256:" KEYS "rs256.pem",
};

int
main(void)
{
	static struct xz_auth_cache	ac;
	struct xz_keyring		kr;
	struct xz_signer		sg[3];
	struct xz_claims		c;
	char				err[256], *tok[3];
	time_t				now;
	size_t				i;
	int				rc;

	now = time(NULL);
	xz_keyring_init(&kr, "xiangzhi-dev", "xiangzhi", 30);
	/* A realistic village user, with a session id. */
	memset(&c, 0, sizeof(c));
	c.role = XZ_ROLE_VILLAGE;
	(void)snprintf(c.sub, sizeof(c.sub), "bench-330599100201");
	(void)snprintf(c.county, sizeof(c.county), "330599");
	(void)snprintf(c.township, sizeof(c.township), "330599100");
	(void)snprintf(c.village, sizeof(c.village), "330599100201");
	(void)snprintf(c.sid, sizeof(c.sid),
	    "7d444840-9dc0-11d1-b245-5ffdce74fad2");
	for (i = 0; i < 3; i++) {
		if (xz_signer_load(&sg[i], &kr, signing[i], err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "bench-verify: %s\n", err);
			return (1);
		}
		if ((tok[i] = xz_token_mint(&sg[i], &kr, &c, now,
		    3600)) == NULL) {
			fprintf(stderr, "bench-verify: cannot mint %s\n",
			    signing[i]);
			return (1);
		}
	}

	rc = 0;
	for (i = 0; i < 3 && rc == 0; i++)
		rc = bench_one(i == 0 ? "HS256" : i == 1 ? "ES256" : "RS256",
		    &kr, NULL, tok[i], now);
	if (rc == 0)
		rc = bench_one("cached hit", &kr, &ac, tok[1], now);
	if (rc == 0)
		printf("   (cache: %lu hits, %lu misses)\n", ac.hits,
		    ac.misses);

	xz_auth_cache_clear(&ac);
	for (i = 0; i < 3; i++) {
		free(tok[i]);
		xz_signer_free(&sg[i]);
	}
	xz_keyring_free(&kr);
	return (rc);
}

/* Verifies tok for about RUN_NS; prints µs per verification. */
static int
bench_one(const char *name, const struct xz_keyring *kr,
    struct xz_auth_cache *ac, const char *tok, time_t now)
{
	struct xz_claims	c;
	struct xz_auth_fail	f;
	long long		start, el;
	long			n, k, batch;
	double			us;

	/* Warm up (and fill the cache when there is one). */
	if (xz_auth_verify_cached(kr, ac, tok, now, &c, &f) != 0) {
		fprintf(stderr, "bench-verify: %s: %s (%s)\n", name, f.code,
		    f.detail);
		return (1);
	}
	batch = 100;
	n = 0;
	start = bench_ns();
	do {
		for (k = 0; k < batch; k++) {
			if (xz_auth_verify_cached(kr, ac, tok, now, &c,
			    &f) != 0) {
				fprintf(stderr, "bench-verify: %s: %s\n", name,
				    f.code);
				return (1);
			}
		}
		n += batch;
		el = bench_ns() - start;
	} while (el < RUN_NS || n < MIN_OPS);
	us = (double)el / 1000.0 / (double)n;
	printf("verify %s: %.2f us/op (%.0f op/s, %ld ops)\n", name, us,
	    1e6 / us, n);
	return (0);
}

static long long
bench_ns(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}
