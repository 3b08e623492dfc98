/*
 * Unit tests of token verification, attack cases included.  Tokens are
 * built here byte by byte (HS256 signed with OpenSSL's HMAC) so that every
 * header and claim can be forged; RS256/ES256 are signed with libjwt and
 * the development private keys.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "xiangzhi/auth.h"
#include "xiangzhi/core.h"
#include "tap.h"

#define KEYS	"conf/dev-keys/"

static struct xz_keyring	kr;
static char			secret[256];
static size_t			secret_len;
static long			now;

static char	*hs256(const char *, const char *, const char *, size_t);
static char	*claims(const char *, const char *);
static int	verify(const char *, struct xz_claims *, const char **);
static void	expect_fail(const char *, const char *, const char *);
static void	refuse(const char *, const char *, const char *);
static char	*sign_raw(const char *, const char *, const char *);
static void	session_claims(void);
static void	key_retirement(void);
static int	spec_until(const char *, long long *, char *, size_t);

void
test_auth(void)
{
	struct xz_claims	c;
	const char		*code;
	char			err[256], *t, *body, *pub, big[9000];
	size_t			len;

	now = (long)time(NULL);
	xz_keyring_init(&kr, "xiangzhi-dev", "xiangzhi", 30);
	ok(xz_keyring_load_spec(&kr,
	    "dev-hs256:HS256:" KEYS "hs256.key,"
	    "dev-rs256:RS256:" KEYS "rs256.pub.pem,"
	    "dev-es256:ES256:" KEYS "es256.pub.pem", err, sizeof(err)) == 0,
	    "the development keyring loads (%s)", err);
	t = tu_slurp(KEYS "hs256.key", &secret_len);
	while (secret_len > 0 && t[secret_len - 1] == '\n')
		secret_len--;
	memcpy(secret, t, secret_len);
	free(t);

	/* Keyring refusals. */
	{
		struct xz_keyring	k2;

		xz_keyring_init(&k2, "i", "a", 30);
		ok(xz_keyring_add_file(&k2, "p", "RS256", KEYS "rs256.pem",
		    err, sizeof(err)) != 0,
		    "a private key file is refused as a verification key");
		ok(xz_keyring_add_file(&k2, "n", "none", KEYS "hs256.key",
		    err, sizeof(err)) != 0, "alg none cannot be configured");
		ok(xz_keyring_add_file(&k2, "s", "HS256", "/dev/null",
		    err, sizeof(err)) != 0, "an empty HS256 secret is refused");
		ok(xz_keyring_load_spec(&k2, "", err, sizeof(err)) != 0,
		    "an empty key list is refused");
		xz_keyring_free(&k2);
	}

	/* Valid tokens. */
	body = claims("\"role\":\"county\",\"county\":\"330599\"", NULL);
	t = hs256("{\"alg\":\"HS256\",\"kid\":\"dev-hs256\"}", body, secret,
	    secret_len);
	ok(verify(t, &c, &code) == 0 && c.role == XZ_ROLE_COUNTY &&
	    strcmp(c.county, "330599") == 0, "a county HS256 token verifies");
	free(t);

	t = tu_sign(JWT_ALG_RS256, KEYS "rs256.pem", "dev-rs256", now);
	ok(t != NULL && verify(t, &c, &code) == 0 && c.role ==
	    XZ_ROLE_TOWNSHIP, "an RS256 token verifies with the public key");
	free(t);
	t = tu_sign(JWT_ALG_ES256, KEYS "es256.pem", "dev-es256", now);
	ok(t != NULL && verify(t, &c, &code) == 0,
	    "an ES256 token verifies with the public key");
	free(t);

	/* The algorithm is the key's, never the token's. */
	expect_fail("{\"alg\":\"none\",\"kid\":\"dev-hs256\"}", body,
	    "token_algorithm");
	t = malloc(strlen(body) * 2 + 64);
	{
		char	h[64], p[1024];

		(void)xz_b64url_encode((const unsigned char *)
		    "{\"alg\":\"none\",\"kid\":\"dev-hs256\"}", 32, h);
		(void)xz_b64url_encode((const unsigned char *)body,
		    strlen(body), p);
		(void)snprintf(t, strlen(body) * 2 + 64, "%s.%s.", h, p);
	}
	ok(verify(t, &c, &code) != 0 && strcmp(code, "token_malformed") == 0,
	    "alg none with an empty signature is refused");
	free(t);
	expect_fail("{\"alg\":\"hs256\",\"kid\":\"dev-hs256\"}", body,
	    "token_algorithm");
	expect_fail("{\"alg\":\"HS512\",\"kid\":\"dev-hs256\"}", body,
	    "token_algorithm");
	/* Key confusion: HMAC keyed with the RSA public key PEM. */
	pub = tu_slurp(KEYS "rs256.pub.pem", &len);
	t = hs256("{\"alg\":\"HS256\",\"kid\":\"dev-rs256\"}", body, pub, len);
	ok(verify(t, &c, &code) != 0 && strcmp(code, "token_algorithm") == 0,
	    "HS256 signed with the RS256 public key is refused");
	free(t);
	free(pub);
	expect_fail("{\"alg\":\"HS256\",\"kid\":\"nope\"}", body,
	    "token_key_unknown");
	expect_fail("{\"alg\":\"HS256\"}", body, "token_malformed");

	/* Signature. */
	t = hs256("{\"alg\":\"HS256\",\"kid\":\"dev-hs256\"}", body,
	    "wrong-secret-wrong-secret-wrong-secret", 38);
	ok(verify(t, &c, &code) != 0 && strcmp(code, "token_signature") == 0,
	    "a wrong signature is refused");
	free(t);
	free(body);

	/* Time. */
	{
		char	c1[256];

		(void)snprintf(c1, sizeof(c1), "\"exp\":%ld", now - 120);
		refuse("\"role\":\"county\",\"county\":\"330599\"", c1,
		    "token_expired");
		(void)snprintf(c1, sizeof(c1), "\"exp\":%ld", now - 10);
		body = claims("\"role\":\"county\",\"county\":\"330599\"", c1);
		t = hs256("{\"alg\":\"HS256\",\"kid\":\"dev-hs256\"}", body,
		    secret, secret_len);
		ok(verify(t, &c, &code) == 0,
		    "expired 10 s ago is within the leeway");
		free(t);
		free(body);
		(void)snprintf(c1, sizeof(c1), "\"exp\":%ld,\"nbf\":%ld",
		    now + 600, now + 300);
		refuse("\"role\":\"county\",\"county\":\"330599\"", c1,
		    "token_not_yet_valid");
		(void)snprintf(c1, sizeof(c1), "\"exp\":%ld,\"iat\":%ld",
		    now + 600, now + 300);
		refuse("\"role\":\"county\",\"county\":\"330599\"", c1,
		    "token_not_yet_valid");
		refuse("\"role\":\"county\",\"county\":\"330599\"",
		    "\"exp\":\"soon\"", "token_claims");
		refuse("\"role\":\"county\",\"county\":\"330599\"",
		    "\"nope\":1", "token_claims");
		body = claims("\"role\":\"county\",\"county\":\"330599\"",
		    "\"exp\":9223372036854775807");
		t = hs256("{\"alg\":\"HS256\",\"kid\":\"dev-hs256\"}", body,
		    secret, secret_len);
		ok(verify(t, &c, &code) == 0, "a huge exp does not overflow");
		free(t);
		free(body);
	}

	/* Issuer, audience, duplicates, roles. */
	refuse("\"role\":\"county\",\"county\":\"330599\","
	    "\"iss\":\"evil\"", NULL, "token_issuer");
	refuse("\"role\":\"county\",\"county\":\"330599\","
	    "\"aud\":\"other\"", NULL, "token_audience");
	body = claims("\"role\":\"county\",\"county\":\"330599\","
	    "\"aud\":[\"other\",\"xiangzhi\"]", NULL);
	t = hs256("{\"alg\":\"HS256\",\"kid\":\"dev-hs256\"}", body, secret,
	    secret_len);
	ok(verify(t, &c, &code) == 0, "an audience list naming us is fine");
	free(t);
	free(body);
	refuse("\"role\":\"village\",\"role\":\"county\","
	    "\"county\":\"330599\"", NULL, "token_malformed");
	refuse("\"role\":\"admin\",\"county\":\"330599\"", NULL,
	    "token_claims");
	refuse("\"role\":\"village\",\"county\":\"330599\","
	    "\"township\":\"330599100\"", NULL, "token_claims");
	refuse("\"role\":\"village\",\"county\":\"330599\","
	    "\"township\":\"330599100\",\"village\":\"330599101200\"", NULL, "token_claims");
	refuse("\"role\":\"township\",\"county\":\"330599\","
	    "\"township\":\"330600100\"", NULL, "token_claims");
	refuse("\"role\":\"county\",\"county\":\"330599\","
	    "\"township\":\"330599100\"", NULL, "token_claims");
	refuse("\"role\":\"partner\",\"county\":\"330599\","
	    "\"scope\":\"org:read\",\"townships\":[\"330600100\"]", NULL, "token_claims");
	body = claims("\"role\":\"partner\",\"county\":\"330599\","
	    "\"scope\":\"org:read coops:read\","
	    "\"townships\":[\"330599100\",\"330599101\"]", NULL);
	t = hs256("{\"alg\":\"HS256\",\"kid\":\"dev-hs256\"}", body, secret,
	    secret_len);
	ok(verify(t, &c, &code) == 0 &&
	    strcmp(c.townships, "330599100,330599101") == 0 &&
	    xz_claims_has_scope(&c, "org:read") &&
	    xz_claims_has_scope(&c, "coops:read") &&
	    !xz_claims_has_scope(&c, "org:rea") &&
	    !xz_claims_has_scope(&c, "read"),
	    "a partner's grants and scopes are read exactly");
	free(t);
	free(body);
	refuse("\"role\":\"county\",\"county\":\"330599\","
	    "\"scope\":\"org:read\"", NULL, "token_claims");
	/* Partners fail closed: no townships claim is no grant. */
	refuse("\"role\":\"partner\",\"county\":\"330599\","
	    "\"scope\":\"org:read\"", NULL, "token_claims");
	refuse("\"role\":\"partner\",\"county\":\"330599\","
	    "\"scope\":\"org:read\",\"townships\":\"all\"", NULL, "token_claims");
	body = claims("\"role\":\"partner\",\"county\":\"330599\","
	    "\"scope\":\"org:read\",\"townships\":\"*\"", NULL);
	t = hs256("{\"alg\":\"HS256\",\"kid\":\"dev-hs256\"}", body, secret,
	    secret_len);
	ok(verify(t, &c, &code) == 0 && strcmp(c.townships, "*") == 0,
	    "a partner granted \"*\" sees the whole county");
	free(t);
	free(body);

	/* The verification cache: hits skip the signature, never expiry. */
	{
		static struct xz_auth_cache	ac;
		struct xz_auth_fail		f;
		char				c1[96];

		(void)snprintf(c1, sizeof(c1), "\"exp\":%ld", now + 100);
		body = claims("\"role\":\"county\",\"county\":\"330599\"", c1);
		t = hs256("{\"alg\":\"HS256\",\"kid\":\"dev-hs256\"}", body,
		    secret, secret_len);
		ok(xz_auth_verify_cached(&kr, &ac, t, now, &c, &f) == 0 &&
		    ac.misses == 1 && ac.hits == 0, "a first use verifies");
		ok(xz_auth_verify_cached(&kr, &ac, t, now, &c, &f) == 0 &&
		    ac.hits == 1 && c.role == XZ_ROLE_COUNTY,
		    "a second use hits the cache with the same claims");
		ok(xz_auth_verify_cached(&kr, &ac, t, now + 200, &c, &f) != 0 &&
		    strcmp(f.code, "token_expired") == 0,
		    "a cached token still expires");
		t[strlen(t) - 2] ^= 1;
		ok(xz_auth_verify_cached(&kr, &ac, t, now, &c, &f) != 0,
		    "a tampered copy of a cached token is verified and refused");
		free(t);
		free(body);
		xz_auth_cache_clear(&ac);
	}

	/* The service's own signer: what it mints verifies, for each alg. */
	{
		static const char *const	specs[] = {
		    "dev-hs256:HS256:" KEYS "hs256.key",
		    "dev-es256:ES256:" KEYS "es256.pem",
		    "dev-rs256:RS256:" KEYS "rs256.pem",
		    "new-es256:ES256:" KEYS "idp-es256.pem" };
		struct xz_keyring	k3;
		struct xz_signer	sg;
		struct xz_claims	in, out;
		struct xz_auth_fail	f;
		size_t			i;
		int			okc;

		memset(&in, 0, sizeof(in));
		in.role = XZ_ROLE_PARTNER;
		(void)snprintf(in.sub, sizeof(in.sub), "client-42");
		(void)snprintf(in.county, sizeof(in.county), "330599");
		(void)snprintf(in.scope, sizeof(in.scope), "org:read coops:read");
		(void)snprintf(in.townships, sizeof(in.townships),
		    "330599100,330599101");
		for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
			xz_keyring_init(&k3, "xiangzhi-dev", "xiangzhi", 30);
			(void)xz_keyring_load_spec(&k3, "dev-hs256:HS256:" KEYS
			    "hs256.key,dev-es256:ES256:" KEYS "es256.pub.pem,"
			    "dev-rs256:RS256:" KEYS "rs256.pub.pem", err,
			    sizeof(err));
			okc = xz_signer_load(&sg, &k3, specs[i], err,
			    sizeof(err)) == 0;
			t = okc ? xz_token_mint(&sg, &k3, &in, now, 900) : NULL;
			ok(t != NULL && xz_auth_verify(&k3, t, now, &out,
			    &f) == 0 && out.role == XZ_ROLE_PARTNER &&
			    strcmp(out.sub, "client-42") == 0 &&
			    strcmp(out.townships, "330599100,330599101") == 0 &&
			    strcmp(out.scope, "org:read coops:read") == 0 &&
			    out.exp == now + 900,
			    "a token minted with %.40s verifies (%s)", specs[i],
			    okc ? "" : err);
			free(t);
			xz_signer_free(&sg);
			xz_keyring_free(&k3);
		}
		/* A signing key whose kid names another verification key. */
		xz_keyring_init(&k3, "xiangzhi-dev", "xiangzhi", 30);
		(void)xz_keyring_load_spec(&k3, "dev-es256:ES256:" KEYS
		    "es256.pub.pem", err, sizeof(err));
		ok(xz_signer_load(&sg, &k3, "dev-es256:ES256:" KEYS
		    "idp-es256.pem", err, sizeof(err)) != 0,
		    "a signing key cannot take over another key's kid");
		xz_keyring_free(&k3);
	}

	/* External identity providers (conf/dev-issuers.json). */
	{
		struct xz_keyring	k2;
		struct xz_auth_fail	f;
		char			*idp, *own, c1[512];

		xz_keyring_init(&k2, "xiangzhi-dev", "xiangzhi", 30);
		ok(xz_keyring_load_spec(&k2, "dev-hs256:HS256:" KEYS
		    "hs256.key,dev-es256:ES256:" KEYS "es256.pub.pem", err,
		    sizeof(err)) == 0 && xz_keyring_load_issuers(&k2,
		    "conf/dev-issuers.json", err, sizeof(err)) == 0 &&
		    k2.nissuers == 2 && k2.count == 3,
		    "the development issuers file loads (%s)", err);
		(void)snprintf(c1, sizeof(c1), "{\"iss\":"
		    "\"https://sso.dev.invalid/realms/county\",\"aud\":"
		    "[\"account\",\"xiangzhi\"],\"exp\":%ld,"
		    "\"preferred_username\":\"li.ming\","
		    "\"xz_role\":\"township_officer\",\"xz_county\":"
		    "\"330599\",\"xz_township\":\"330599100\","
		    "\"scope\":\"openid profile\"}", now + 600);
		idp = sign_raw(KEYS "idp-es256.pem", "dev-idp-es256", c1);
		ok(idp != NULL && xz_auth_verify(&k2, idp, now, &c, &f) == 0 &&
		    c.role == XZ_ROLE_TOWNSHIP &&
		    strcmp(c.township, "330599100") == 0 &&
		    strcmp(c.sub, "li.ming") == 0 && c.scope[0] == '\0',
		    "a provider token with mapped claims is accepted (%s)",
		    f.code);
		free(idp);
		/* The provider's key cannot vouch for the service's issuer. */
		body = claims("\"role\":\"county\",\"county\":\"330599\"",
		    NULL);
		own = sign_raw(KEYS "idp-es256.pem", "dev-idp-es256", body);
		ok(xz_auth_verify(&k2, own, now, &c, &f) != 0 &&
		    strcmp(f.code, "token_issuer") == 0,
		    "a provider key signing a token as the service is refused");
		free(own);
		free(body);
		/* Nor the service's key for the provider. */
		own = sign_raw(KEYS "es256.pem", "dev-es256", c1);
		ok(xz_auth_verify(&k2, own, now, &c, &f) != 0 &&
		    strcmp(f.code, "token_issuer") == 0,
		    "the service key signing as the provider is refused");
		free(own);
		(void)snprintf(c1, sizeof(c1), "{\"iss\":"
		    "\"https://sso.dev.invalid/realms/county\",\"aud\":"
		    "\"xiangzhi\",\"exp\":%ld,\"preferred_username\":\"x\","
		    "\"xz_role\":\"partner\",\"xz_county\":\"330599\"}",
		    now + 600);
		idp = sign_raw(KEYS "idp-es256.pem", "dev-idp-es256", c1);
		ok(xz_auth_verify(&k2, idp, now, &c, &f) != 0 &&
		    strcmp(f.code, "token_claims") == 0,
		    "a provider cannot issue partner tokens (unmapped role)");
		free(idp);
		(void)snprintf(c1, sizeof(c1), "{\"iss\":"
		    "\"https://sso.dev.invalid/realms/county\",\"aud\":"
		    "\"xiangzhi\",\"exp\":%ld,\"preferred_username\":\"x\","
		    "\"xz_role\":\"village_committee\",\"xz_county\":"
		    "\"330599\",\"xz_township\":\"330599100\"}", now + 600);
		idp = sign_raw(KEYS "idp-es256.pem", "dev-idp-es256", c1);
		ok(xz_auth_verify(&k2, idp, now, &c, &f) != 0 &&
		    strcmp(f.code, "token_claims") == 0,
		    "provider claims obey the same role rules (no village)");
		free(idp);
		ok(xz_keyring_load_issuers(&k2, KEYS "README.md", err,
		    sizeof(err)) != 0, "a malformed issuers file is refused");
		ok(xz_keyring_load_issuers(&k2, "conf/dev-issuers.json", err,
		    sizeof(err)) != 0, "an issuer cannot be added twice");
		xz_keyring_free(&k2);
	}

	/* Shape. */
	ok(verify("abc.def", &c, &code) != 0 &&
	    strcmp(code, "token_malformed") == 0, "two segments");
	ok(verify("a.b.c.d", &c, &code) != 0, "four segments");
	ok(verify("ab c.def.ghi", &c, &code) != 0 &&
	    strcmp(code, "token_malformed") == 0, "a space in the token");
	ok(verify("eyJ9.e30.e30", &c, &code) != 0, "a header that is not JSON");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(verify(big, &c, &code) != 0 && strcmp(code, "token_too_long") == 0,
	    "a token over 8 KiB is refused before decoding");

	session_claims();
	key_retirement();
	xz_keyring_free(&kr);
}

/* sid and pwd_change: minted, read back, and refused when mistyped. */
static void
session_claims(void)
{
	static const char *const	specs[] = {
	    "dev-hs256:HS256:" KEYS "hs256.key",
	    "dev-es256:ES256:" KEYS "es256.pem" };
	static const char *const	bad[] = {
	    "\"sid\":42", "\"sid\":\"\"", "\"sid\":\"0F3A\"",
	    "\"sid\":\"0f3a 1\"", "\"sid\":\"0123456789abcdef"
	    "0123456789abcdef01234\"", "\"sid\":null",
	    "\"pwd_change\":\"true\"", "\"pwd_change\":1",
	    "\"pwd_change\":null" };
	struct xz_keyring	k3, k2;
	struct xz_signer	sg;
	struct xz_claims	in, out;
	struct xz_auth_fail	f;
	const char		*code;
	char			err[256], extra[160], c1[512], *t, *body;
	size_t			i;
	int			okc;

	memset(&in, 0, sizeof(in));
	in.role = XZ_ROLE_VILLAGE;
	(void)snprintf(in.sub, sizeof(in.sub), "u-village-1");
	(void)snprintf(in.county, sizeof(in.county), "330599");
	(void)snprintf(in.township, sizeof(in.township), "330599100");
	(void)snprintf(in.village, sizeof(in.village), "330599100201");
	(void)snprintf(in.sid, sizeof(in.sid),
	    "7d444840-9dc0-11d1-b245-5ffdce74fad2");
	in.pwd_change = 1;
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		xz_keyring_init(&k3, "xiangzhi-dev", "xiangzhi", 30);
		okc = xz_signer_load(&sg, &k3, specs[i], err,
		    sizeof(err)) == 0;
		t = okc ? xz_token_mint(&sg, &k3, &in, now, 900) : NULL;
		ok(t != NULL && xz_auth_verify(&k3, t, now, &out, &f) == 0 &&
		    strcmp(out.sid, in.sid) == 0 && out.pwd_change == 1 &&
		    strcmp(out.village, "330599100201") == 0,
		    "sid and pwd_change survive mint and verify (%.20s)",
		    specs[i]);
		free(t);
		in.sid[0] = '\0';
		in.pwd_change = 0;
		t = okc ? xz_token_mint(&sg, &k3, &in, now, 900) : NULL;
		ok(t != NULL && xz_auth_verify(&k3, t, now, &out, &f) == 0 &&
		    out.sid[0] == '\0' && out.pwd_change == 0,
		    "without them, no sid and no pwd_change (%.20s)",
		    specs[i]);
		free(t);
		(void)snprintf(in.sid, sizeof(in.sid), "0f3a");
		in.pwd_change = 1;
		xz_signer_free(&sg);
		xz_keyring_free(&k3);
	}

	(void)snprintf(extra, sizeof(extra), "\"role\":\"county\","
	    "\"county\":\"330599\",\"sid\":\"%s\",\"pwd_change\":false",
	    "7d444840-9dc0-11d1-b245-5ffdce74fad2");
	body = claims(extra, NULL);
	t = hs256("{\"alg\":\"HS256\",\"kid\":\"dev-hs256\"}", body,
	    secret, secret_len);
	ok(verify(t, &out, &code) == 0 && out.pwd_change == 0 &&
	    strlen(out.sid) == 36, "a 36-char sid and pwd_change false are read");
	free(t);
	free(body);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(extra, sizeof(extra), "\"role\":\"county\","
		    "\"county\":\"330599\",%s", bad[i]);
		refuse(extra, NULL, "token_claims");
	}

	/* External providers cannot set them, however they spell them. */
	xz_keyring_init(&k2, "xiangzhi-dev", "xiangzhi", 30);
	ok(xz_keyring_load_spec(&k2, "dev-hs256:HS256:" KEYS "hs256.key",
	    err, sizeof(err)) == 0 && xz_keyring_load_issuers(&k2,
	    "conf/dev-issuers.json", err, sizeof(err)) == 0,
	    "the development issuers load again (%s)", err);
	(void)snprintf(c1, sizeof(c1), "{\"iss\":"
	    "\"https://sso.dev.invalid/realms/county\",\"aud\":\"xiangzhi\","
	    "\"exp\":%ld,\"preferred_username\":\"li.ming\","
	    "\"xz_role\":\"township_officer\",\"xz_county\":\"330599\","
	    "\"xz_township\":\"330599100\",\"sid\":\"NOT A SID!\","
	    "\"pwd_change\":true}", now + 600);
	t = sign_raw(KEYS "idp-es256.pem", "dev-idp-es256", c1);
	ok(t != NULL && xz_auth_verify(&k2, t, now, &out, &f) == 0 &&
	    out.sid[0] == '\0' && out.pwd_change == 0,
	    "a provider's sid and pwd_change are ignored");
	free(t);
	xz_keyring_free(&k2);
}

/* Keys with an until: parsed both ways, refused after it, cache too. */
static void
key_retirement(void)
{
	static const char *const	bad[] = { "garbage", "-5", "0", "",
	    "123x", " 123", "2030-01-01T00:00:00Z ", "2030-01-01T00:00:00",
	    "2030-01-01t00:00:00z", "2030-02-30T00:00:00Z",
	    "2031-02-29T00:00:00Z", "2030-13-01T00:00:00Z",
	    "2030-01-01T24:00:00Z", "2030-01-01T00:60:00Z",
	    "1969-12-31T23:59:59Z", "2030-1-01T00:00:00Z",
	    "+2030-01-01T00:00:0Z", "253402300800",
	    "99999999999999999999999" };
	static struct xz_auth_cache	ac;
	struct xz_keyring	k4;
	struct xz_signer	sg;
	struct xz_claims	c;
	struct xz_auth_fail	f;
	char			err[256], spec[512], *t, *body, *es;
	long long		u;
	size_t			i;

	ok(spec_until("1700000000", &u, err, sizeof(err)) == 0 &&
	    u == 1700000000, "an until in unix seconds parses");
	ok(spec_until("2000-02-29T12:34:56Z", &u, err, sizeof(err)) == 0 &&
	    u == 951827696, "an RFC 3339 until parses (leap day)");
	ok(spec_until("1970-01-02T00:00:00Z", &u, err, sizeof(err)) == 0 &&
	    u == 86400, "1970-01-02T00:00:00Z is 86400");
	ok(spec_until("9999-12-31T23:59:59Z", &u, err, sizeof(err)) == 0 &&
	    u == 253402300799LL, "the last second of 9999 parses");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok(spec_until(bad[i], &u, err, sizeof(err)) != 0 &&
		    strstr(err, "until") != NULL,
		    "until '%s' is a load error (%s)", bad[i], err);
	}

	/* old (HS256) retires in 50 s; es (ES256) in 2099; new never. */
	err[0] = '\0';
	xz_keyring_init(&k4, "xiangzhi-dev", "xiangzhi", 30);
	(void)snprintf(spec, sizeof(spec), "old:HS256:" KEYS "hs256.key:%ld,"
	    "es:ES256:" KEYS "es256.pub.pem:2099-01-01T00:00:00Z,"
	    "new:RS256:" KEYS "rs256.pub.pem", now + 50);
	ok(xz_keyring_load_spec(&k4, spec, err, sizeof(err)) == 0 &&
	    k4.count == 3 && k4.keys[0].until == now + 50 &&
	    k4.keys[1].until == 4070908800LL && k4.keys[2].until == 0,
	    "a keyring mixing both until forms and none loads (%s)", err);
	ok(xz_key_active(&k4.keys[0], now + 50) &&
	    !xz_key_active(&k4.keys[0], now + 51) &&
	    xz_key_active(&k4.keys[2], (time_t)4102444800LL),
	    "xz_key_active: through until inclusive, none means forever");

	body = claims("\"role\":\"county\",\"county\":\"330599\"", NULL);
	t = hs256("{\"alg\":\"HS256\",\"kid\":\"old\"}", body, secret,
	    secret_len);
	ok(xz_auth_verify(&k4, t, now, &c, &f) == 0,
	    "a key before its until verifies");
	ok(xz_auth_verify(&k4, t, now + 50, &c, &f) == 0,
	    "a key at its until still verifies");
	ok(xz_auth_verify(&k4, t, now + 51, &c, &f) != 0 &&
	    strcmp(f.code, "key_retired") == 0 &&
	    strstr(f.detail, "retired") != NULL,
	    "a key past its until is refused as key_retired, no leeway");

	/* The cache serves the token no later than the key's until. */
	ok(xz_auth_verify_cached(&k4, &ac, t, now, &c, &f) == 0 &&
	    xz_auth_verify_cached(&k4, &ac, t, now + 50, &c, &f) == 0 &&
	    ac.hits == 1, "a cached token of a retiring key hits until then");
	ok(xz_auth_verify_cached(&k4, &ac, t, now + 51, &c, &f) != 0 &&
	    strcmp(f.code, "key_retired") == 0 && ac.hits == 1,
	    "a cached token is refused once its key is retired");
	free(t);
	free(body);
	xz_auth_cache_clear(&ac);

	es = tu_sign(JWT_ALG_ES256, KEYS "es256.pem", "es", now);
	ok(es != NULL && xz_auth_verify(&k4, es, now, &c, &f) == 0,
	    "a key retiring in 2099 verifies today");
	free(es);
	es = tu_sign(JWT_ALG_ES256, KEYS "es256.pem", "es", 4070908790L);
	ok(es != NULL && xz_auth_verify(&k4, es, 4070908801LL, &c, &f) != 0 &&
	    strcmp(f.code, "key_retired") == 0,
	    "and is refused after 2099-01-01T00:00:00Z");
	free(es);

	/* A retiring key cannot sign. */
	ok(xz_signer_load(&sg, &k4, "old:HS256:" KEYS "hs256.key", err,
	    sizeof(err)) != 0 && strstr(err, "retiring") != NULL,
	    "a signing key whose kid has an until is refused (%s)", err);
	ok(xz_signer_load(&sg, &k4, "s2:ES256:" KEYS "es256.pem:"
	    "2099-01-01T00:00:00Z", err, sizeof(err)) != 0 &&
	    strstr(err, "retiring") != NULL,
	    "a signing spec with an until is refused (%s)", err);
	ok(xz_signer_load(&sg, &k4, "new-es:ES256:" KEYS "idp-es256.pem",
	    err, sizeof(err)) == 0 && k4.keys[k4.count - 1].until == 0,
	    "a signing key without an until loads, its half never retires");
	xz_signer_free(&sg);
	xz_keyring_free(&k4);

	/* A reused keyring slot does not inherit an old until. */
	xz_keyring_init(&k4, "xiangzhi-dev", "xiangzhi", 30);
	(void)xz_keyring_load_spec(&k4, "a:HS256:" KEYS "hs256.key:1", err,
	    sizeof(err));
	xz_keyring_free(&k4);
	ok(xz_keyring_add_file(&k4, "b", "HS256", KEYS "hs256.key", err,
	    sizeof(err)) == 0 && k4.keys[0].until == 0,
	    "a key added after a free has no until");
	xz_keyring_free(&k4);
}

/* Loads one HS256 key with until u_s; its until in *u, or -1 and err. */
static int
spec_until(const char *u_s, long long *u, char *err, size_t errlen)
{
	struct xz_keyring	k;
	char			spec[256];
	int			rc;

	*err = '\0';
	xz_keyring_init(&k, "i", "a", 30);
	(void)snprintf(spec, sizeof(spec), "k:HS256:" KEYS "hs256.key:%s",
	    u_s);
	rc = xz_keyring_load_spec(&k, spec, err, errlen);
	*u = rc == 0 ? k.keys[0].until : 0;
	xz_keyring_free(&k);
	return (rc);
}

static int
verify(const char *tok, struct xz_claims *c, const char **code)
{
	struct xz_auth_fail	fail = { "", "" };
	int			r;

	r = xz_auth_verify(&kr, tok, (time_t)now, c, &fail);
	*code = fail.code;
	return (r);
}

static void
expect_fail(const char *header, const char *body, const char *want)
{
	struct xz_claims	c;
	const char		*code;
	char			*t;

	if (header == NULL)
		header = "{\"alg\":\"HS256\",\"kid\":\"dev-hs256\"}";
	t = hs256(header, body, secret, secret_len);
	ok(verify(t, &c, &code) != 0 && strcmp(code, want) == 0,
	    "refused as %s: %.60s / %.70s (got %s)", want, header, body, code);
	free(t);
}

/* A token of the standard claims plus extra (and time_claims) is refused. */
static void
refuse(const char *extra, const char *time_claims, const char *want)
{
	char	*body;

	body = claims(extra, time_claims);
	expect_fail(NULL, body, want);
	free(body);
}

/* Standard claims plus `extra`; `time` replaces the default exp. */
static char *
claims(const char *extra, const char *time_claims)
{
	char	*s, tc[96];

	if (time_claims == NULL) {
		(void)snprintf(tc, sizeof(tc), "\"exp\":%ld,\"iat\":%ld",
		    now + 600, now);
		time_claims = tc;
	}
	/* The test's own iss/aud replace the defaults (no duplicates). */
	s = malloc(1024);
	(void)snprintf(s, 1024, "{%s%s\"sub\":\"u1\",%s,%s}",
	    strstr(extra, "\"iss\"") ? "" : "\"iss\":\"xiangzhi-dev\",",
	    strstr(extra, "\"aud\"") ? "" : "\"aud\":\"xiangzhi\",",
	    time_claims, extra);
	return (s);
}

static char *
hs256(const char *header, const char *payload, const char *key,
    size_t keylen)
{
	unsigned char	mac[EVP_MAX_MD_SIZE];
	unsigned int	maclen;
	char		*t, *p;
	size_t		hl, pl, cap;

	hl = strlen(header);
	pl = strlen(payload);
	cap = (hl + pl) * 2 + 128;
	t = malloc(cap);
	p = t + xz_b64url_encode((const unsigned char *)header, hl, t);
	*p++ = '.';
	p += xz_b64url_encode((const unsigned char *)payload, pl, p);
	(void)HMAC(EVP_sha256(), key, (int)keylen, (unsigned char *)t,
	    (size_t)(p - t), mac, &maclen);
	*p++ = '.';
	(void)xz_b64url_encode(mac, maclen, p);
	return (t);
}

/* ES256 over exactly these claims (libjwt 1.10 cannot sign raw JSON). */
static char *
sign_raw(const char *keyfile, const char *kid, const char *payload)
{
	unsigned char	der[128], sig[64], *p;
	EVP_PKEY	*pk;
	EVP_MD_CTX	*md;
	ECDSA_SIG	*es;
	const BIGNUM	*r, *s;
	FILE		*fp;
	char		hdr[128], *t, *o;
	size_t		hl, pl, dl, cap;
	const unsigned char *dp;

	if ((fp = fopen(keyfile, "r")) == NULL)
		return (NULL);
	pk = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	(void)fclose(fp);
	if (pk == NULL)
		return (NULL);
	(void)snprintf(hdr, sizeof(hdr),
	    "{\"alg\":\"ES256\",\"kid\":\"%s\",\"typ\":\"JWT\"}", kid);
	hl = strlen(hdr);
	pl = strlen(payload);
	cap = (hl + pl) * 2 + 200;
	t = malloc(cap);
	o = t + xz_b64url_encode((const unsigned char *)hdr, hl, t);
	*o++ = '.';
	o += xz_b64url_encode((const unsigned char *)payload, pl, o);
	md = EVP_MD_CTX_new();
	dl = sizeof(der);
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
	    EVP_DigestSign(md, der, &dl, (unsigned char *)t,
	    (size_t)(o - t)) != 1) {
		EVP_MD_CTX_free(md);
		EVP_PKEY_free(pk);
		free(t);
		return (NULL);
	}
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	/* DER ECDSA-Sig-Value to the JOSE form r || s. */
	dp = der;
	es = d2i_ECDSA_SIG(NULL, &dp, (long)dl);
	ECDSA_SIG_get0(es, &r, &s);
	p = sig;
	(void)BN_bn2binpad(r, p, 32);
	(void)BN_bn2binpad(s, p + 32, 32);
	ECDSA_SIG_free(es);
	*o++ = '.';
	(void)xz_b64url_encode(sig, sizeof(sig), o);
	return (t);
}

