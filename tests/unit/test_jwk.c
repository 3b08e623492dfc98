/*
 * Unit tests of JWK <-> PEM and JWKS parsing (app/core/jwk.c).
 *
 * Oracles independent of jwk.c: the expected JWKs are Node's crypto
 * export of the same PEM files,
 *   node -e "const c=require('crypto');console.log(JSON.stringify(
 *     c.createPublicKey(require('fs').readFileSync(F)).export(
 *     {format:'jwk'})))"
 * the EC point is also read back from `openssl ec -pubin -text` output,
 * and the explicit-parameter key's named form comes from `openssl pkey
 * -ec_param_enc named_curve`.  Refused keys (P-384, RSA 1024, encrypted)
 * are generated here with OpenSSL.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "xiangzhi/auth.h"
#include "xiangzhi/core.h"
#include "xiangzhi/jwk.h"
#include "tap.h"

#define KEYS	"conf/dev-keys/"

/* Node's JWK of es256.pub.pem (and of es256.pem: identical). */
static const char node_es256[] =
    "{\"kty\":\"EC\",\"x\":\"im4NtGpezD6jh07Utq7cyA1QqGi5DYtQ7fOBKCrycyw\","
    "\"y\":\"_ByBK-m1_vc_KJfz1TTV-LOo524YICrCNZBerXLcYBA\","
    "\"crv\":\"P-256\"}";

/* Node's JWK of rs256.pub.pem (and of rs256.pem: identical). */
static const char node_rs256[] =
    "{\"kty\":\"RSA\",\"n\":\"oT1MhP9tfyKvql-rdz-MLHTGKJWsdh09lsMBgu2S_P"
    "pueziZUWWNwPw2JAYiE2Axb6dfg18oUqq7XYLn7cok0AkZO4_iE0Go4oatO8JHFqMsC"
    "h6VVt_aIFC5engM5fhCr5XwIqXobsRRwwPBFBFyutaktvnGL4RDot7F70uBFyMmnb1B"
    "7jPiHfbpwb4U_wBsKSxdcmFvX66MOvlcBAkPqAe9m0h5YLvm1diZowqN1eA-XC27y3t"
    "f6cuYr00tbAHsJPvrnB_P24lBXCGhCK-YnTbYVwBngMu_k9c11POWGyYSQbqwTmUzBe"
    "K479Lc8pdRZN1yRngpB5urGwpLVozb_Q\",\"e\":\"AQAB\"}";

/* `openssl ec -pubin -text -noout -in conf/dev-keys/es256.pub.pem`. */
static const char ossl_es256_text[] =
    "pub:\n"
    "    04:8a:6e:0d:b4:6a:5e:cc:3e:a3:87:4e:d4:b6:ae:\n"
    "    dc:c8:0d:50:a8:68:b9:0d:8b:50:ed:f3:81:28:2a:\n"
    "    f2:73:2c:fc:1c:81:2b:e9:b5:fe:f7:3f:28:97:f3:\n"
    "    d5:34:d5:f8:b3:a8:e7:6e:18:20:2a:c2:35:90:5e:\n"
    "    ad:72:dc:60:10\n"
    "ASN1 OID: prime256v1\n";

/* A P-256 key whose x and y both start with a zero byte, and Node's JWK. */
static const char pad_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEAKjmEefBijk6isw2CtCI101xJD/g\n"
    "1MkNpI13nENsjMYADzyrIVfUeKLfqf1ku6P5VngGGqCjYpKPgU8cx4ePEw==\n"
    "-----END PUBLIC KEY-----\n";
static const char node_pad[] =
    "{\"kty\":\"EC\",\"x\":\"AKjmEefBijk6isw2CtCI101xJD_g1MkNpI13nENsjMY\","
    "\"y\":\"AA88qyFX1Hii36n9ZLuj-VZ4Bhqgo2KSj4FPHMeHjxM\","
    "\"crv\":\"P-256\"}";

/* P-256 with explicit parameters, and openssl's named-curve form of it. */
static const char explicit_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBSzCCAQMGByqGSM49AgEwgfcCAQEwLAYHKoZIzj0BAQIhAP////8AAAABAAAA\n"
    "AAAAAAAAAAAA////////////////MFsEIP////8AAAABAAAAAAAAAAAAAAAA////\n"
    "///////////8BCBaxjXYqjqT57PrvVV2mIa8ZR0GsMxTsPY7zjw+J9JgSwMVAMSd\n"
    "NgiG5wSTamZ44ROdJreBn36QBEEEaxfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5\n"
    "RdiYwpZP40Li/hp/m47n60p8D54WK84zV2sxXs7LtkBoN79R9QIhAP////8AAAAA\n"
    "//////////+85vqtpxeehPO5ysL8YyVRAgEBA0IABM3cl6DkZ3EnDj9VLsWaLi0T\n"
    "YJjqGLImnhfURYMNkIz5qjG38UpxiVNPORmcYo2jQeL4+WZB2noW3InvioY8Vk8=\n"
    "-----END PUBLIC KEY-----\n";
static const char explicit_named_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEzdyXoORncScOP1UuxZouLRNgmOoY\n"
    "siaeF9RFgw2QjPmqMbfxSnGJU085GZxijaNB4vj5ZkHaehbcie+KhjxWTw==\n"
    "-----END PUBLIC KEY-----\n";

static long	jt_now;

static json_t	*jt_from_file(const char *, const char *, const char *,
		    char *, size_t);
static int	jt_members(json_t *, const char *);
static int	jt_text_point(const char *, unsigned char *);
static long	jt_decode(json_t *, const char *, unsigned char *);
static char	*jt_b64(const unsigned char *, size_t);
static char	*jt_pem_of(EVP_PKEY *, int);
static json_t	*jt_with(json_t *, const char *, json_t *);
static int	jt_refused(json_t *, char *, size_t);
static int	jt_jwks_refused(const char *, char *, size_t);
static char	*jt_jwks(json_t *, int);
static int	jt_keyring_add(struct xz_keyring *, const char *,
		    const char *, const char *, char *, size_t);
static int	jt_verify(const char *, const char *, const char *,
		    const char *, const char **);

void
test_jwk(void)
{
	struct xz_jwk_entry	*ents;
	struct xz_keyring	kr;
	struct xz_claims	c;
	struct xz_auth_fail	fail;
	EVP_PKEY		*pk;
	json_t			*es, *es_priv, *rs, *rs_priv, *j, *arr;
	const char		*code;
	char			err[256], alg[8], kid[64], *pem, *file, *s;
	char			*tok_es, *tok_rs, *doc, *x, buf[2048];
	unsigned char		pt[65], bin[600];
	size_t			len, n, i;
	long			bl;
	int			rc;

	jt_now = (long)time(NULL);

	/* From PEM: the development keys, against Node's JWKs. */
	es = jt_from_file(KEYS "es256.pub.pem", "dev-es256", "ES256", err,
	    sizeof(err));
	ok(es != NULL, "es256.pub.pem exports as a JWK (%s)", es ? "ok" : err);
	ok(es != NULL && json_object_size(es) == 7 &&
	    strcmp(json_string_value(json_object_get(es, "kty")), "EC") == 0 &&
	    strcmp(json_string_value(json_object_get(es, "kid")),
	    "dev-es256") == 0 &&
	    strcmp(json_string_value(json_object_get(es, "alg")),
	    "ES256") == 0 &&
	    strcmp(json_string_value(json_object_get(es, "use")), "sig") == 0,
	    "the EC JWK has exactly kty, kid, alg, use, crv, x, y");
	ok(jt_members(es, node_es256),
	    "the EC JWK's kty, crv, x and y equal Node's export");
	ok(jt_text_point(ossl_es256_text, pt) == 0 &&
	    jt_decode(es, "x", bin) == 32 && memcmp(bin, pt + 1, 32) == 0 &&
	    jt_decode(es, "y", bin) == 32 && memcmp(bin, pt + 33, 32) == 0,
	    "x and y are the point printed by openssl ec -pubin -text");
	es_priv = jt_from_file(KEYS "es256.pem", "dev-es256", "ES256", err,
	    sizeof(err));
	ok(es_priv != NULL && json_equal(es, es_priv),
	    "the EC private key exports the same public JWK (%s)",
	    es_priv ? "ok" : err);
	ok(es_priv != NULL && json_object_get(es_priv, "d") == NULL,
	    "no private member leaks from the EC private key");

	rs = jt_from_file(KEYS "rs256.pub.pem", "dev-rs256", "RS256", err,
	    sizeof(err));
	ok(rs != NULL, "rs256.pub.pem exports as a JWK (%s)", rs ? "ok" : err);
	ok(rs != NULL && json_object_size(rs) == 6 &&
	    strcmp(json_string_value(json_object_get(rs, "kty")),
	    "RSA") == 0 &&
	    strcmp(json_string_value(json_object_get(rs, "alg")),
	    "RS256") == 0 &&
	    strcmp(json_string_value(json_object_get(rs, "use")), "sig") == 0,
	    "the RSA JWK has exactly kty, kid, alg, use, n, e");
	ok(jt_members(rs, node_rs256),
	    "the RSA JWK's kty, n and e equal Node's export");
	ok(jt_decode(rs, "n", bin) == 256 && bin[0] != 0,
	    "n is 256 bytes with no leading zero byte");
	rs_priv = jt_from_file(KEYS "rs256.pem", "dev-rs256", "RS256", err,
	    sizeof(err));
	ok(rs_priv != NULL && json_equal(rs, rs_priv),
	    "the RSA private key exports the same public JWK (%s)",
	    rs_priv ? "ok" : err);
	ok(rs_priv != NULL && json_object_get(rs_priv, "d") == NULL &&
	    json_object_get(rs_priv, "p") == NULL,
	    "no private member leaks from the RSA private key");

	j = xz_jwk_from_pem(pad_pem, strlen(pad_pem), "pad", "ES256", err,
	    sizeof(err));
	ok(jt_members(j, node_pad) && jt_decode(j, "x", bin) == 32 &&
	    bin[0] == 0 && jt_decode(j, "y", bin) == 32 && bin[0] == 0,
	    "coordinates with a leading zero byte are padded to 32 bytes");
	pem = xz_jwk_to_pem(j, NULL, 0, NULL, 0, err, sizeof(err));
	ok(pem != NULL && strcmp(pem, pad_pem) == 0,
	    "the zero-padded key round-trips to the same PEM");
	free(pem);
	json_decref(j);

	j = xz_jwk_from_pem(explicit_pem, strlen(explicit_pem), "ex", "ES256",
	    err, sizeof(err));
	pem = xz_jwk_to_pem(j, NULL, 0, NULL, 0, err, sizeof(err));
	ok(pem != NULL && strcmp(pem, explicit_named_pem) == 0,
	    "explicit P-256 parameters export as the named curve (%s)",
	    pem ? "ok" : err);
	free(pem);
	json_decref(j);

	/* To PEM: byte-for-byte round trips of the (canonical) files. */
	pem = xz_jwk_to_pem(es, alg, sizeof(alg), kid, sizeof(kid), err,
	    sizeof(err));
	file = tu_slurp(KEYS "es256.pub.pem", &len);
	ok(pem != NULL && file != NULL && strcmp(pem, file) == 0,
	    "the EC JWK converts back to es256.pub.pem exactly (%s)",
	    pem ? "ok" : err);
	ok(strcmp(alg, "ES256") == 0 && strcmp(kid, "dev-es256") == 0,
	    "alg and kid come out of the EC JWK");
	free(file);
	free(pem);
	pem = xz_jwk_to_pem(rs, alg, sizeof(alg), kid, sizeof(kid), err,
	    sizeof(err));
	file = tu_slurp(KEYS "rs256.pub.pem", &len);
	ok(pem != NULL && file != NULL && strcmp(pem, file) == 0,
	    "the RSA JWK converts back to rs256.pub.pem exactly (%s)",
	    pem ? "ok" : err);
	ok(strcmp(alg, "RS256") == 0 && strcmp(kid, "dev-rs256") == 0,
	    "alg and kid come out of the RSA JWK");
	free(file);
	free(pem);

	j = json_loads(node_es256, 0, NULL);
	pem = xz_jwk_to_pem(j, alg, sizeof(alg), kid, sizeof(kid), err,
	    sizeof(err));
	ok(pem != NULL && strcmp(alg, "ES256") == 0 && kid[0] == '\0',
	    "Node's bare JWK (no kid, alg, use) converts; alg implied (%s)",
	    pem ? "ok" : err);
	free(pem);
	json_decref(j);
	j = json_loads(node_rs256, 0, NULL);
	pem = xz_jwk_to_pem(j, alg, sizeof(alg), NULL, 0, err, sizeof(err));
	ok(pem != NULL && strcmp(alg, "RS256") == 0,
	    "Node's bare RSA JWK converts (%s)", pem ? "ok" : err);
	free(pem);
	json_decref(j);
	j = jt_with(es, "x5t", json_string("ignored"));
	json_object_set_new(j, "key_ops", json_pack("[s]", "verify"));
	ok(!jt_refused(j, err, sizeof(err)),
	    "unknown members are ignored and key_ops [verify] is accepted");
	json_decref(j);

	/* libjwt verifies with PEMs that went through a JWK. */
	tok_es = tu_sign(JWT_ALG_ES256, KEYS "es256.pem", "dev-es256", jt_now);
	tok_rs = tu_sign(JWT_ALG_RS256, KEYS "rs256.pem", "dev-rs256", jt_now);
	pem = xz_jwk_to_pem(es, NULL, 0, NULL, 0, err, sizeof(err));
	ok(tok_es != NULL && pem != NULL &&
	    jt_verify(pem, "ES256", "dev-es256", tok_es, &code) == 0,
	    "an ES256 token from libjwt verifies with to_pem(from_pem(pub))");
	free(pem);
	pem = xz_jwk_to_pem(rs, NULL, 0, NULL, 0, err, sizeof(err));
	ok(tok_rs != NULL && pem != NULL &&
	    jt_verify(pem, "RS256", "dev-rs256", tok_rs, &code) == 0,
	    "an RS256 token from libjwt verifies with to_pem(from_pem(pub))");
	free(pem);
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	s = jt_pem_of(pk, 0);
	j = xz_jwk_from_pem(s, strlen(s), "dev-es256", "ES256", err,
	    sizeof(err));
	pem = xz_jwk_to_pem(j, NULL, 0, NULL, 0, err, sizeof(err));
	ok(pem != NULL &&
	    jt_verify(pem, "ES256", "dev-es256", tok_es, &code) != 0 &&
	    strcmp(code, "token_signature") == 0,
	    "the same token fails against another P-256 key (%s)", code);
	free(pem);
	json_decref(j);
	free(s);
	EVP_PKEY_free(pk);

	/* From PEM refusals. */
	s = tu_slurp(KEYS "es256.pub.pem", &len);
	ok(xz_jwk_from_pem(s, len, "k", "HS256", err, sizeof(err)) == NULL,
	    "HS256 has no public JWK (%s)", err);
	ok(xz_jwk_from_pem(s, len, "k", "none", err, sizeof(err)) == NULL &&
	    xz_jwk_from_pem(s, len, "k", NULL, err, sizeof(err)) == NULL,
	    "alg none or no alg is refused");
	ok(xz_jwk_from_pem(s, len, "k", "RS256", err, sizeof(err)) == NULL,
	    "an EC key is refused for RS256 (%s)", err);
	ok(xz_jwk_from_pem(s, len, "k", "es256", err, sizeof(err)) == NULL,
	    "alg names are case-sensitive");
	ok(xz_jwk_from_pem(s, len, "", "ES256", err, sizeof(err)) == NULL &&
	    xz_jwk_from_pem(s, len, "a b", "ES256", err,
	    sizeof(err)) == NULL &&
	    xz_jwk_from_pem(s, len, "0123456789012345678901234567890123456789"
	    "012345678901234567890123", "ES256", err, sizeof(err)) == NULL,
	    "an empty, spaced or 64-character kid is refused");
	ok(xz_jwk_from_pem(s, len / 2, "k", "ES256", err,
	    sizeof(err)) == NULL, "a truncated PEM is refused (%s)", err);
	ok(xz_jwk_from_pem(s, 0, "k", "ES256", err, sizeof(err)) == NULL &&
	    xz_jwk_from_pem("not a key", 9, "k", "ES256", err,
	    sizeof(err)) == NULL, "empty input and non-PEM text are refused");
	free(s);
	s = tu_slurp(KEYS "rs256.pub.pem", &len);
	ok(xz_jwk_from_pem(s, len, "k", "ES256", err, sizeof(err)) == NULL,
	    "an RSA key is refused for ES256 (%s)", err);
	free(s);
	s = tu_slurp(KEYS "hs256.key", &len);
	ok(xz_jwk_from_pem(s, len, "k", "RS256", err, sizeof(err)) == NULL,
	    "an HS256 secret is not a PEM key (%s)", err);
	free(s);

	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	s = jt_pem_of(pk, 0);
	ok(s != NULL && xz_jwk_from_pem(s, strlen(s), "k", "ES256", err,
	    sizeof(err)) == NULL && strstr(err, "P-256") != NULL,
	    "a P-384 key is refused (%s)", err);
	free(s);
	s = jt_pem_of(pk, 1);
	ok(s != NULL && xz_jwk_from_pem(s, strlen(s), "k", "ES256", err,
	    sizeof(err)) == NULL,
	    "a P-384 private key is refused (%s)", err);
	free(s);
	EVP_PKEY_free(pk);

	pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	s = jt_pem_of(pk, 0);
	ok(s != NULL && xz_jwk_from_pem(s, strlen(s), "k", "RS256", err,
	    sizeof(err)) == NULL && strstr(err, "1024") != NULL,
	    "a 1024-bit RSA key is refused (%s)", err);
	free(s);
	{
		BIGNUM	*bn;
		char	*nb;

		bn = NULL;
		(void)EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &bn);
		len = (size_t)BN_bn2bin(bn, bin);
		BN_free(bn);
		nb = jt_b64(bin, len);
		j = json_pack("{s:s, s:s, s:s}", "kty", "RSA", "n", nb,
		    "e", "AQAB");
		ok(jt_refused(j, err, sizeof(err)) &&
		    strstr(err, "1024") != NULL,
		    "a 1024-bit RSA JWK is refused (%s)", err);
		json_decref(j);
		free(nb);
	}
	EVP_PKEY_free(pk);

	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	s = jt_pem_of(pk, 2);
	ok(s != NULL && strstr(s, "ENCRYPTED") != NULL &&
	    xz_jwk_from_pem(s, strlen(s), "k", "ES256", err,
	    sizeof(err)) == NULL,
	    "an encrypted private key is refused without a prompt (%s)", err);
	free(s);
	EVP_PKEY_free(pk);

	/* To PEM refusals: EC. */
	x = strdup(json_string_value(json_object_get(es, "x")));
	x[5] = x[5] == 'A' ? 'B' : 'A';
	j = jt_with(es, "x", json_string(x));
	ok(jt_refused(j, err, sizeof(err)),
	    "a tampered x (point off the curve) is refused (%s)", err);
	json_decref(j);
	free(x);
	x = strdup(json_string_value(json_object_get(es, "x")));
	x[42] = 'x';		/* 'w' with a non-zero unused low bit */
	j = jt_with(es, "x", json_string(x));
	ok(jt_refused(j, err, sizeof(err)),
	    "x with non-zero trailing bits is refused (%s)", err);
	json_decref(j);
	free(x);
	bl = jt_decode(es, "x", bin);
	x = jt_b64(bin, (size_t)bl - 1);
	j = jt_with(es, "x", json_string(x));
	ok(jt_refused(j, err, sizeof(err)) && strstr(err, "32") != NULL,
	    "a 31-byte x is refused (%s)", err);
	json_decref(j);
	(void)snprintf(buf, sizeof(buf), "%s=", x);
	j = jt_with(es, "x", json_string(buf));
	ok(jt_refused(j, err, sizeof(err)) &&
	    strstr(err, "base64url") != NULL,
	    "padded base64url is refused (%s)", err);
	json_decref(j);
	free(x);
	memmove(bin + 1, bin, 32);
	bin[0] = 0;
	x = jt_b64(bin, 33);
	j = jt_with(es, "x", json_string(x));
	ok(jt_refused(j, err, sizeof(err)),
	    "a 33-byte x (leading zero) is refused (%s)", err);
	json_decref(j);
	free(x);
	x = strdup(json_string_value(json_object_get(es, "y")));
	for (i = 0; x[i] != '\0'; i++)
		x[i] = x[i] == '_' ? '/' : x[i] == '-' ? '+' : x[i];
	j = jt_with(es, "y", json_string(x));
	ok(jt_refused(j, err, sizeof(err)),
	    "standard base64 (+ and /) is refused (%s)", err);
	json_decref(j);
	free(x);
	memset(bin, 0, 32);
	x = jt_b64(bin, 32);
	j = jt_with(es, "x", json_string(x));
	json_object_set_new(j, "y", json_string(x));
	ok(jt_refused(j, err, sizeof(err)),
	    "the point (0, 0) is refused (%s)", err);
	json_decref(j);
	free(x);
	memset(bin, 0xff, 32);
	x = jt_b64(bin, 32);
	j = jt_with(es, "x", json_string(x));
	ok(jt_refused(j, err, sizeof(err)),
	    "x above the field prime is refused (%s)", err);
	json_decref(j);
	free(x);
	j = jt_with(es, "y", NULL);
	ok(jt_refused(j, err, sizeof(err)), "a missing y is refused (%s)",
	    err);
	json_decref(j);
	j = jt_with(es, "y", json_integer(1));
	ok(jt_refused(j, err, sizeof(err)), "a numeric y is refused (%s)",
	    err);
	json_decref(j);
	j = jt_with(es, "crv", json_string("P-384"));
	ok(jt_refused(j, err, sizeof(err)), "crv P-384 is refused (%s)", err);
	json_decref(j);
	j = jt_with(es, "crv", NULL);
	ok(jt_refused(j, err, sizeof(err)), "a missing crv is refused (%s)",
	    err);
	json_decref(j);

	/* To PEM refusals: members common to all keys. */
	j = jt_with(es, "alg", json_string("RS256"));
	ok(jt_refused(j, err, sizeof(err)),
	    "alg RS256 on an EC key is refused (%s)", err);
	json_decref(j);
	j = jt_with(es, "alg", json_string("HS256"));
	ok(jt_refused(j, err, sizeof(err)), "alg HS256 is refused (%s)", err);
	json_decref(j);
	j = jt_with(rs, "alg", json_string("PS256"));
	ok(jt_refused(j, err, sizeof(err)),
	    "alg PS256 on an RSA key is refused (%s)", err);
	json_decref(j);
	j = jt_with(es, "alg", json_string("es256"));
	ok(jt_refused(j, err, sizeof(err)),
	    "alg es256 (lower case) is refused");
	json_decref(j);
	j = jt_with(rs, "use", json_string("enc"));
	ok(jt_refused(j, err, sizeof(err)), "use enc is refused (%s)", err);
	json_decref(j);
	j = jt_with(rs, "key_ops", json_pack("[s]", "encrypt"));
	ok(jt_refused(j, err, sizeof(err)),
	    "key_ops without verify is refused (%s)", err);
	json_decref(j);
	j = jt_with(es, "d", json_string("AAAA"));
	ok(jt_refused(j, err, sizeof(err)) && strstr(err, "private") != NULL,
	    "a JWK with the private member d is refused (%s)", err);
	json_decref(j);
	j = jt_with(rs, "p", json_string("AAAA"));
	ok(jt_refused(j, err, sizeof(err)),
	    "a JWK with the private member p is refused (%s)", err);
	json_decref(j);
	j = json_pack("{s:s, s:s}", "kty", "oct", "k",
	    "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0");
	ok(jt_refused(j, err, sizeof(err)),
	    "a symmetric (oct) JWK is refused (%s)", err);
	json_decref(j);
	j = jt_with(es, "kty", json_string("OKP"));
	ok(jt_refused(j, err, sizeof(err)), "kty OKP is refused (%s)", err);
	json_decref(j);
	j = jt_with(es, "kty", NULL);
	ok(jt_refused(j, err, sizeof(err)), "a missing kty is refused (%s)",
	    err);
	json_decref(j);
	j = jt_with(es, "kid", json_integer(7));
	ok(jt_refused(j, err, sizeof(err)), "a numeric kid is refused (%s)",
	    err);
	json_decref(j);
	j = jt_with(es, "kid", json_string("caf\xc3\xa9"));
	ok(jt_refused(j, err, sizeof(err)),
	    "a non-ASCII kid is refused (%s)", err);
	json_decref(j);
	j = json_pack("[]");
	ok(jt_refused(j, err, sizeof(err)) &&
	    jt_refused(NULL, err, sizeof(err)),
	    "a non-object or NULL JWK is refused");
	json_decref(j);
	ok(xz_jwk_to_pem(es, alg, 5, NULL, 0, err, sizeof(err)) == NULL,
	    "a too small alg buffer is an error, not a truncation");

	/* To PEM refusals: RSA. */
	bl = jt_decode(rs, "n", bin);
	memmove(bin + 1, bin, (size_t)bl);
	bin[0] = 0;
	x = jt_b64(bin, (size_t)bl + 1);
	j = jt_with(rs, "n", json_string(x));
	ok(jt_refused(j, err, sizeof(err)) && strstr(err, "leading") != NULL,
	    "n with a leading zero byte is refused (%s)", err);
	json_decref(j);
	free(x);
	memmove(bin, bin + 1, (size_t)bl);
	bin[bl - 1] &= 0xfe;
	x = jt_b64(bin, (size_t)bl);
	j = jt_with(rs, "n", json_string(x));
	ok(jt_refused(j, err, sizeof(err)), "an even n is refused (%s)", err);
	json_decref(j);
	free(x);
	memset(bin, 0xc5, 513);
	x = jt_b64(bin, 513);
	j = jt_with(rs, "n", json_string(x));
	ok(jt_refused(j, err, sizeof(err)),
	    "an n over 4096 bits is refused (%s)", err);
	json_decref(j);
	free(x);
	j = jt_with(rs, "e", json_string("AQAA"));
	ok(jt_refused(j, err, sizeof(err)), "an even e is refused (%s)", err);
	json_decref(j);
	j = jt_with(rs, "e", json_string("AQ"));
	ok(jt_refused(j, err, sizeof(err)), "e = 1 is refused (%s)", err);
	json_decref(j);
	j = jt_with(rs, "e", json_string("AAEAAQ"));
	ok(jt_refused(j, err, sizeof(err)),
	    "e with a leading zero byte is refused (%s)", err);
	json_decref(j);
	j = jt_with(rs, "e", NULL);
	ok(jt_refused(j, err, sizeof(err)), "a missing e is refused (%s)",
	    err);
	json_decref(j);
	j = jt_with(rs, "n", json_string(""));
	ok(jt_refused(j, err, sizeof(err)), "an empty n is refused (%s)", err);
	json_decref(j);

	/* JWKS documents. */
	arr = json_pack("[O, O]", es, rs);
	doc = jt_jwks(arr, 0);
	ents = NULL;
	n = 0;
	rc = xz_jwks_parse(doc, strlen(doc), &ents, &n, err, sizeof(err));
	ok(rc == 0 && n == 2, "a JWKS of the two development keys parses (%s)",
	    rc == 0 ? "ok" : err);
	file = tu_slurp(KEYS "es256.pub.pem", &len);
	s = tu_slurp(KEYS "rs256.pub.pem", &len);
	ok(rc == 0 && n == 2 && strcmp(ents[0].kid, "dev-es256") == 0 &&
	    strcmp(ents[0].alg, "ES256") == 0 &&
	    strcmp(ents[0].pem, file) == 0 &&
	    strcmp(ents[1].kid, "dev-rs256") == 0 &&
	    strcmp(ents[1].alg, "RS256") == 0 &&
	    strcmp(ents[1].pem, s) == 0,
	    "the entries hold kid, alg and the original PEMs");
	free(file);
	free(s);
	xz_keyring_init(&kr, "xiangzhi-dev", "xiangzhi", 30);
	rc = -1;
	for (i = 0; i < n; i++) {
		if ((rc = jt_keyring_add(&kr, ents[i].kid, ents[i].alg,
		    ents[i].pem, err, sizeof(err))) != 0)
			break;
	}
	ok(rc == 0 &&
	    xz_auth_verify(&kr, tok_es, (time_t)jt_now, &c, &fail) == 0 &&
	    xz_auth_verify(&kr, tok_rs, (time_t)jt_now, &c, &fail) == 0,
	    "a keyring built from the JWKS verifies ES256 and RS256 tokens");
	xz_keyring_free(&kr);
	xz_jwks_free(ents, n);
	free(doc);
	json_decref(arr);

	arr = json_array();
	for (i = 0; i < XZ_JWKS_KEYS_MAX; i++) {
		j = json_deep_copy(es);
		(void)snprintf(kid, sizeof(kid), "k%02zu", i);
		json_object_set_new(j, "kid", json_string(kid));
		json_array_append_new(arr, j);
	}
	doc = jt_jwks(arr, 0);
	rc = xz_jwks_parse(doc, strlen(doc), &ents, &n, err, sizeof(err));
	ok(rc == 0 && n == 16, "16 keys are accepted (%s)",
	    rc == 0 ? "ok" : err);
	if (rc == 0)
		xz_jwks_free(ents, n);
	free(doc);
	j = json_deep_copy(es);
	json_object_set_new(j, "kid", json_string("k16"));
	json_array_append_new(arr, j);
	doc = jt_jwks(arr, 0);
	ok(jt_jwks_refused(doc, err, sizeof(err)) &&
	    strstr(err, "17") != NULL, "17 keys are refused (%s)", err);
	free(doc);
	json_decref(arr);

	arr = json_pack("[O, O]", es, es);
	doc = jt_jwks(arr, 0);
	ok(jt_jwks_refused(doc, err, sizeof(err)) &&
	    strstr(err, "duplicate kid") != NULL,
	    "a duplicate kid is refused (%s)", err);
	free(doc);
	json_decref(arr);

	arr = json_pack("[O, o]", es, json_loads(node_rs256, 0, NULL));
	doc = jt_jwks(arr, 0);
	ok(jt_jwks_refused(doc, err, sizeof(err)) &&
	    strstr(err, "keys[1]") != NULL && strstr(err, "kid") != NULL,
	    "a key without a kid is refused (%s)", err);
	free(doc);
	json_decref(arr);

	j = jt_with(es, "kid", json_string("bad"));
	x = strdup(json_string_value(json_object_get(es, "x")));
	x[5] = x[5] == 'A' ? 'B' : 'A';
	json_object_set_new(j, "x", json_string(x));
	free(x);
	arr = json_pack("[O, o]", rs, j);
	doc = jt_jwks(arr, 0);
	ents = (void *)1;
	n = 9;
	ok(jt_jwks_refused(doc, err, sizeof(err)) &&
	    xz_jwks_parse(doc, strlen(doc), &ents, &n, err,
	    sizeof(err)) != 0 &&
	    ents == NULL && n == 0,
	    "one bad key refuses the whole JWKS, no entries left (%s)", err);
	free(doc);
	json_decref(arr);

	arr = json_pack("[o]", jt_with(rs, "use", json_string("enc")));
	doc = jt_jwks(arr, 0);
	ok(jt_jwks_refused(doc, err, sizeof(err)),
	    "an encryption key in the JWKS is refused (%s)", err);
	free(doc);
	json_decref(arr);

	(void)snprintf(buf, sizeof(buf), "{\"keys\":[{\"kty\":\"EC\","
	    "\"kid\":\"a\",\"crv\":\"P-256\",\"x\":\"%s\",\"x\":\"%s\","
	    "\"y\":\"%s\"}]}", json_string_value(json_object_get(es, "x")),
	    json_string_value(json_object_get(es, "x")),
	    json_string_value(json_object_get(es, "y")));
	ok(jt_jwks_refused(buf, err, sizeof(err)),
	    "a duplicate member inside a key is refused (%s)", err);
	arr = json_pack("[O]", es);
	doc = jt_jwks(arr, 1);
	ok(jt_jwks_refused(doc, err, sizeof(err)),
	    "a duplicate \"keys\" member is refused (%s)", err);
	free(doc);
	json_decref(arr);
	arr = json_pack("[O]", es);
	s = jt_jwks(arr, 0);
	(void)snprintf(buf, sizeof(buf), "%s x", s);
	ok(jt_jwks_refused(buf, err, sizeof(err)),
	    "bytes after the JWKS are refused (%s)", err);
	free(s);
	json_decref(arr);
	ok(jt_jwks_refused("{\"keys\":[]}", err, sizeof(err)),
	    "an empty key list is refused (%s)", err);
	ok(jt_jwks_refused("{\"keys\":{}}", err, sizeof(err)) &&
	    jt_jwks_refused("[{\"keys\":[]}]", err, sizeof(err)) &&
	    jt_jwks_refused("{\"key\":[]}", err, sizeof(err)),
	    "keys must be an array in an object (%s)", err);
	ok(jt_jwks_refused("{\"keys\":[", err, sizeof(err)) &&
	    jt_jwks_refused("", err, sizeof(err)),
	    "truncated or empty JSON is refused (%s)", err);
	ok(jt_jwks_refused("{\"keys\":[1]}", err, sizeof(err)),
	    "a key that is not an object is refused (%s)", err);

	free(tok_es);
	free(tok_rs);
	json_decref(es);
	json_decref(es_priv);
	json_decref(rs);
	json_decref(rs_priv);
}

static json_t *
jt_from_file(const char *path, const char *kid, const char *alg, char *err,
    size_t errlen)
{
	json_t	*j;
	char	*s;
	size_t	len;

	if ((s = tu_slurp(path, &len)) == NULL) {
		(void)snprintf(err, errlen, "cannot read %s", path);
		return (NULL);
	}
	j = xz_jwk_from_pem(s, len, kid, alg, err, errlen);
	free(s);
	return (j);
}

/* 1 when every member of the JSON object `want` is equal in got. */
static int
jt_members(json_t *got, const char *want)
{
	json_t		*w, *v;
	const char	*k;
	int		same;

	if (got == NULL || (w = json_loads(want, 0, NULL)) == NULL)
		return (0);
	same = json_object_size(w) > 0;
	json_object_foreach(w, k, v) {
		if (!json_equal(v, json_object_get(got, k)))
			same = 0;
	}
	json_decref(w);
	return (same);
}

/* The 65-byte point of the "pub:" hex dump in openssl -text output. */
static int
jt_text_point(const char *text, unsigned char *pt)
{
	const char	*p;
	unsigned int	v;
	int		n, used;

	if ((p = strstr(text, "pub:")) == NULL)
		return (-1);
	p += 4;
	for (n = 0; n < 65; n++) {
		while (*p == ' ' || *p == '\n' || *p == ':')
			p++;
		if (sscanf(p, "%2x%n", &v, &used) != 1 || used != 2)
			return (-1);
		pt[n] = (unsigned char)v;
		p += 2;
	}
	return (pt[0] == 0x04 && *p == '\n' ? 0 : -1);
}

/* Decodes a base64url member into out (600 bytes); -1 if absent. */
static long
jt_decode(json_t *jwk, const char *name, unsigned char *out)
{
	json_t	*v;

	if ((v = json_object_get(jwk, name)) == NULL || !json_is_string(v) ||
	    json_string_length(v) > 790)
		return (-1);
	return (xz_b64url_decode(json_string_value(v), json_string_length(v),
	    out));
}

static char *
jt_b64(const unsigned char *in, size_t len)
{
	char	*s;

	s = malloc((len + 2) / 3 * 4 + 1);
	(void)xz_b64url_encode(in, len, s);
	return (s);
}

/* kind 0: public PEM, 1: private PKCS#8, 2: encrypted PKCS#8. */
static char *
jt_pem_of(EVP_PKEY *pk, int kind)
{
	BIO	*bio;
	char	*data, *s;
	long	len;
	int	r;

	if (pk == NULL || (bio = BIO_new(BIO_s_mem())) == NULL)
		return (NULL);
	if (kind == 0)
		r = PEM_write_bio_PUBKEY(bio, pk);
	else if (kind == 1)
		r = PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL,
		    NULL);
	else
		r = PEM_write_bio_PKCS8PrivateKey(bio, pk, EVP_aes_256_cbc(),
		    "secret", 6, NULL, NULL);
	s = NULL;
	if (r == 1 && (len = BIO_get_mem_data(bio, &data)) > 0)
		s = strndup(data, (size_t)len);
	BIO_free(bio);
	return (s);
}

/* A copy of jwk with member set to v (stolen), or removed when v is NULL. */
static json_t *
jt_with(json_t *jwk, const char *member, json_t *v)
{
	json_t	*j;

	j = json_deep_copy(jwk);
	if (v == NULL)
		(void)json_object_del(j, member);
	else
		(void)json_object_set_new(j, member, v);
	return (j);
}

/* 1 when xz_jwk_to_pem refuses jwk (and leaves a message). */
static int
jt_refused(json_t *jwk, char *err, size_t errlen)
{
	char	*pem;

	err[0] = '\0';
	pem = xz_jwk_to_pem(jwk, NULL, 0, NULL, 0, err, errlen);
	if (pem != NULL) {
		free(pem);
		return (0);
	}
	return (err[0] != '\0');
}

static int
jt_jwks_refused(const char *doc, char *err, size_t errlen)
{
	struct xz_jwk_entry	*ents;
	size_t			n;

	err[0] = '\0';
	if (xz_jwks_parse(doc, strlen(doc), &ents, &n, err, errlen) == 0) {
		xz_jwks_free(ents, n);
		return (0);
	}
	return (err[0] != '\0' && ents == NULL && n == 0);
}

/* {"keys": arr} as text; with twice set, the keys member appears twice. */
static char *
jt_jwks(json_t *arr, int twice)
{
	char	*a, *s;
	size_t	len;

	a = json_dumps(arr, JSON_COMPACT);
	len = strlen(a) * 2 + 32;
	s = malloc(len);
	if (twice)
		(void)snprintf(s, len, "{\"keys\":%s,\"keys\":%s}", a, a);
	else
		(void)snprintf(s, len, "{\"keys\":%s}", a);
	free(a);
	return (s);
}

/* Into the service's own issuer, as XZ_JWT_KEYS would put it. */
static int
jt_keyring_add(struct xz_keyring *kr, const char *kid, const char *alg,
    const char *pem, char *err, size_t errlen)
{
	return (xz_keyring_add_key(kr, 0, kid, alg, (const unsigned char *)pem,
	    strlen(pem), err, errlen));
}

static int
jt_verify(const char *pem, const char *alg, const char *kid,
    const char *token, const char **code)
{
	struct xz_keyring	kr;
	struct xz_claims	c;
	struct xz_auth_fail	fail = { "", "" };
	char			err[256];
	int			rc;

	xz_keyring_init(&kr, "xiangzhi-dev", "xiangzhi", 30);
	rc = jt_keyring_add(&kr, kid, alg, pem, err, sizeof(err));
	*code = "keyring";
	if (rc == 0) {
		rc = xz_auth_verify(&kr, token, (time_t)jt_now, &c, &fail);
		*code = fail.code;
		if (rc == 0 && (c.role != XZ_ROLE_TOWNSHIP ||
		    strcmp(c.sub, "u-test") != 0))
			rc = -1;
	}
	xz_keyring_free(&kr);
	return (rc);
}
