/*
 * JWK <-> PEM for RS256 and ES256 keys, and JWKS documents.  OpenSSL 3
 * provider APIs only (no deprecated RSA/EC_KEY calls).  No Kore here.
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "xiangzhi/core.h"
#include "xiangzhi/jwk.h"

#define JWK_EC_COORD	32
#define JWK_RSA_E_BYTES	8
#define JWK_BIN_MAX	(XZ_JWK_RSA_MAX_BITS / 8)
#define JWK_B64_MAX	((JWK_BIN_MAX + 2) / 3 * 4 + 1)

/* Members that only a private (or symmetric) key has. */
static const char *const jwk_private[] = {
	"d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL
};

static void	jwk_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static const char *jwk_ossl_reason(void);
static int	jwk_kid_ok(const char *, size_t);
static int	jwk_passphrase(char *, size_t, size_t *, const OSSL_PARAM *,
		    void *);
static EVP_PKEY	*jwk_pem_load(const char *, size_t);
static int	jwk_check(EVP_PKEY *, const char *, char *, size_t);
static int	jwk_put_bn(EVP_PKEY *, const char *, size_t, char *,
		    char *, size_t);
static int	jwk_b64_member(json_t *, const char *, size_t,
		    unsigned char *, size_t *, char *, size_t);
static int	jwk_str_member(json_t *, const char *, const char **,
		    char *, size_t);
static EVP_PKEY	*jwk_ec_key(json_t *, char *, size_t);
static EVP_PKEY	*jwk_rsa_key(json_t *, char *, size_t);
static EVP_PKEY	*jwk_fromdata(const char *, OSSL_PARAM_BLD *);
static char	*jwk_pem_write(EVP_PKEY *);

json_t *
xz_jwk_from_pem(const char *pem, size_t len, const char *kid,
    const char *alg, char *err, size_t errlen)
{
	EVP_PKEY	*pkey;
	json_t		*jwk;
	char		a[JWK_B64_MAX], b[JWK_B64_MAX];
	int		is_ec;

	jwk = NULL;
	pkey = NULL;
	(void)ERR_set_mark();
	if (alg != NULL && strcmp(alg, "ES256") == 0)
		is_ec = 1;
	else if (alg != NULL && strcmp(alg, "RS256") == 0)
		is_ec = 0;
	else {
		jwk_err(err, errlen, "alg '%.16s' has no public key JWK "
		    "(RS256 or ES256 only)", alg != NULL ? alg : "");
		goto out;
	}
	if (kid == NULL || !jwk_kid_ok(kid, strlen(kid))) {
		jwk_err(err, errlen,
		    "kid must be 1 to 63 visible ASCII characters");
		goto out;
	}
	if (pem == NULL || len == 0 || len > XZ_JWK_PEM_MAX) {
		jwk_err(err, errlen, "the PEM key is empty or over %d bytes",
		    XZ_JWK_PEM_MAX);
		goto out;
	}
	if ((pkey = jwk_pem_load(pem, len)) == NULL) {
		jwk_err(err, errlen, "unparseable or encrypted PEM key (%s)",
		    jwk_ossl_reason());
		goto out;
	}
	if (jwk_check(pkey, alg, err, errlen) != 0)
		goto out;

	if (is_ec) {
		if (jwk_put_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_X, JWK_EC_COORD,
		    a, err, errlen) != 0 ||
		    jwk_put_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, JWK_EC_COORD,
		    b, err, errlen) != 0)
			goto out;
		jwk = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		    "kty", "EC", "kid", kid, "alg", alg, "use", "sig",
		    "crv", "P-256", "x", a, "y", b);
	} else {
		if (jwk_put_bn(pkey, OSSL_PKEY_PARAM_RSA_N, 0, a,
		    err, errlen) != 0 ||
		    jwk_put_bn(pkey, OSSL_PKEY_PARAM_RSA_E, 0, b,
		    err, errlen) != 0)
			goto out;
		jwk = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
		    "kty", "RSA", "kid", kid, "alg", alg, "use", "sig",
		    "n", a, "e", b);
	}
	if (jwk == NULL)
		jwk_err(err, errlen, "out of memory");
out:
	EVP_PKEY_free(pkey);
	(void)ERR_pop_to_mark();
	return (jwk);
}

char *
xz_jwk_to_pem(json_t *jwk, char *alg_out, size_t alglen, char *kid_out,
    size_t kidlen, char *err, size_t errlen)
{
	EVP_PKEY	*pkey;
	json_t		*ops, *op;
	const char	*kty, *alg, *want, *use, *kid;
	char		*pem;
	size_t		i;
	int		is_ec, verify;

	pem = NULL;
	pkey = NULL;
	(void)ERR_set_mark();
	if (alg_out != NULL && alglen > 0)
		alg_out[0] = '\0';
	if (kid_out != NULL && kidlen > 0)
		kid_out[0] = '\0';
	if (!json_is_object(jwk)) {
		jwk_err(err, errlen, "a JWK must be a JSON object");
		goto out;
	}
	for (i = 0; jwk_private[i] != NULL; i++) {
		if (json_object_get(jwk, jwk_private[i]) != NULL) {
			jwk_err(err, errlen, "the JWK holds private key "
			    "material (%s): refused, the key is exposed",
			    jwk_private[i]);
			goto out;
		}
	}
	if (jwk_str_member(jwk, "kty", &kty, err, errlen) != 0)
		goto out;
	if (kty != NULL && strcmp(kty, "EC") == 0) {
		is_ec = 1;
		want = "ES256";
	} else if (kty != NULL && strcmp(kty, "RSA") == 0) {
		is_ec = 0;
		want = "RS256";
	} else {
		jwk_err(err, errlen, "kty '%.16s' is not supported "
		    "(EC or RSA)", kty != NULL ? kty : "");
		goto out;
	}
	if (jwk_str_member(jwk, "alg", &alg, err, errlen) != 0)
		goto out;
	if (alg != NULL && strcmp(alg, want) != 0) {
		jwk_err(err, errlen, "alg '%.16s' does not fit kty %s "
		    "(%s expected)", alg, kty, want);
		goto out;
	}
	if (jwk_str_member(jwk, "use", &use, err, errlen) != 0)
		goto out;
	if (use != NULL && strcmp(use, "sig") != 0) {
		jwk_err(err, errlen, "use '%.16s' is not \"sig\"", use);
		goto out;
	}
	if ((ops = json_object_get(jwk, "key_ops")) != NULL) {
		verify = 0;
		if (!json_is_array(ops)) {
			jwk_err(err, errlen, "key_ops must be an array");
			goto out;
		}
		json_array_foreach(ops, i, op) {
			if (!json_is_string(op)) {
				jwk_err(err, errlen,
				    "key_ops must hold strings");
				goto out;
			}
			if (strcmp(json_string_value(op), "verify") == 0)
				verify = 1;
		}
		if (!verify) {
			jwk_err(err, errlen, "key_ops does not allow verify");
			goto out;
		}
	}
	if (jwk_str_member(jwk, "kid", &kid, err, errlen) != 0)
		goto out;
	if (kid != NULL) {
		if (!jwk_kid_ok(kid, json_string_length(json_object_get(jwk,
		    "kid")))) {
			jwk_err(err, errlen,
			    "kid must be 1 to 63 visible ASCII characters");
			goto out;
		}
		if (kid_out != NULL && strlen(kid) >= kidlen) {
			jwk_err(err, errlen, "kid buffer too small");
			goto out;
		}
	}
	if (alg_out != NULL && strlen(want) >= alglen) {
		jwk_err(err, errlen, "alg buffer too small");
		goto out;
	}

	pkey = is_ec ? jwk_ec_key(jwk, err, errlen) :
	    jwk_rsa_key(jwk, err, errlen);
	if (pkey == NULL || jwk_check(pkey, want, err, errlen) != 0)
		goto out;
	if ((pem = jwk_pem_write(pkey)) == NULL) {
		jwk_err(err, errlen, "cannot write the PEM key (%s)",
		    jwk_ossl_reason());
		goto out;
	}
	if (alg_out != NULL)
		(void)snprintf(alg_out, alglen, "%s", want);
	if (kid_out != NULL && kid != NULL)
		(void)snprintf(kid_out, kidlen, "%s", kid);
out:
	EVP_PKEY_free(pkey);
	(void)ERR_pop_to_mark();
	return (pem);
}

int
xz_jwks_parse(const char *json, size_t len, struct xz_jwk_entry **out,
    size_t *n, char *err, size_t errlen)
{
	struct xz_jwk_entry	*ents;
	json_error_t		jerr;
	json_t			*doc, *keys, *k;
	char			why[256];
	size_t			i, j, count;

	*out = NULL;
	*n = 0;
	ents = NULL;
	count = 0;
	doc = NULL;
	if (json == NULL || len == 0 || len > XZ_JWKS_BYTES_MAX) {
		jwk_err(err, errlen, "the JWKS is empty or over %d bytes",
		    XZ_JWKS_BYTES_MAX);
		goto fail;
	}
	if ((doc = json_loadb(json, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		jwk_err(err, errlen, "the JWKS is not valid JSON: %s "
		    "(line %d, column %d)", jerr.text, jerr.line, jerr.column);
		goto fail;
	}
	keys = json_object_get(doc, "keys");
	if (!json_is_object(doc) || !json_is_array(keys)) {
		jwk_err(err, errlen,
		    "a JWKS is an object with a \"keys\" array");
		goto fail;
	}
	count = json_array_size(keys);
	if (count == 0 || count > XZ_JWKS_KEYS_MAX) {
		jwk_err(err, errlen, "a JWKS must hold 1 to %d keys, not %zu",
		    XZ_JWKS_KEYS_MAX, count);
		count = 0;
		goto fail;
	}
	if ((ents = calloc(count, sizeof(*ents))) == NULL) {
		jwk_err(err, errlen, "out of memory");
		count = 0;
		goto fail;
	}
	json_array_foreach(keys, i, k) {
		if (json_is_object(k) && json_object_get(k, "kid") == NULL) {
			jwk_err(err, errlen, "keys[%zu]: a kid is required",
			    i);
			goto fail;
		}
		ents[i].pem = xz_jwk_to_pem(k, ents[i].alg,
		    sizeof(ents[i].alg), ents[i].kid, sizeof(ents[i].kid),
		    why, sizeof(why));
		if (ents[i].pem == NULL) {
			jwk_err(err, errlen, "keys[%zu]: %s", i, why);
			goto fail;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(ents[j].kid, ents[i].kid) == 0) {
				jwk_err(err, errlen,
				    "keys[%zu]: duplicate kid '%s'", i,
				    ents[i].kid);
				goto fail;
			}
		}
	}
	json_decref(doc);
	*out = ents;
	*n = count;
	return (0);
fail:
	xz_jwks_free(ents, count);
	json_decref(doc);
	return (-1);
}

void
xz_jwks_free(struct xz_jwk_entry *ents, size_t n)
{
	size_t		i;

	if (ents == NULL)
		return;
	for (i = 0; i < n; i++)
		free(ents[i].pem);
	free(ents);
}

static void
jwk_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list		ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The newest OpenSSL reason since the caller's mark, for messages. */
static const char *
jwk_ossl_reason(void)
{
	unsigned long	e;
	const char	*r;

	if ((e = ERR_peek_last_error()) == 0 ||
	    (r = ERR_reason_error_string(e)) == NULL)
		return ("no OpenSSL reason");
	return (r);
}

static int
jwk_kid_ok(const char *kid, size_t len)
{
	size_t		i;

	if (len == 0 || len > 63 || strlen(kid) != len)
		return (0);
	for (i = 0; i < len; i++) {
		if (kid[i] < 0x21 || kid[i] > 0x7e)
			return (0);
	}
	return (1);
}

/* Encrypted keys fail instead of prompting on a terminal. */
static int
jwk_passphrase(char *pass, size_t size, size_t *plen,
    const OSSL_PARAM *params, void *arg)
{
	(void)pass;
	(void)size;
	(void)plen;
	(void)params;
	(void)arg;
	return (0);
}

/* Any PEM key: SubjectPublicKeyInfo, PKCS#1, PKCS#8, SEC1. */
static EVP_PKEY *
jwk_pem_load(const char *pem, size_t len)
{
	OSSL_DECODER_CTX	*dctx;
	EVP_PKEY		*pkey;
	const unsigned char	*p;
	size_t			left;

	pkey = NULL;
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", NULL, NULL, 0,
	    NULL, NULL);
	if (dctx == NULL)
		return (NULL);
	p = (const unsigned char *)pem;
	left = len;
	if (OSSL_DECODER_CTX_get_num_decoders(dctx) == 0 ||
	    OSSL_DECODER_CTX_set_passphrase_cb(dctx, jwk_passphrase,
	    NULL) != 1 ||
	    OSSL_DECODER_from_data(dctx, &p, &left) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	OSSL_DECODER_CTX_free(dctx);
	return (pkey);
}

/* The policy of jwk.h, for keys from PEM and from JWK alike. */
static int
jwk_check(EVP_PKEY *pkey, const char *alg, char *err, size_t errlen)
{
	EVP_PKEY_CTX	*ctx;
	BIGNUM		*bn_n, *bn_e;
	char		group[64];
	int		rc, bits;

	rc = -1;
	bn_n = bn_e = NULL;
	ctx = NULL;
	if (strcmp(alg, "ES256") == 0) {
		if (!EVP_PKEY_is_a(pkey, "EC")) {
			jwk_err(err, errlen, "ES256 needs an EC key, not %s",
			    EVP_PKEY_get0_type_name(pkey));
			goto out;
		}
		if (EVP_PKEY_get_utf8_string_param(pkey,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		    NULL) != 1) {
			jwk_err(err, errlen,
			    "EC keys must use the named curve P-256");
			goto out;
		}
		if (strcmp(group, SN_X9_62_prime256v1) != 0) {
			jwk_err(err, errlen, "EC curve %s is not P-256",
			    group);
			goto out;
		}
	} else {
		if (!EVP_PKEY_is_a(pkey, "RSA")) {
			jwk_err(err, errlen, "RS256 needs an RSA key, not %s",
			    EVP_PKEY_get0_type_name(pkey));
			goto out;
		}
		if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N,
		    &bn_n) != 1 ||
		    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E,
		    &bn_e) != 1) {
			jwk_err(err, errlen, "the RSA key has no n or e");
			goto out;
		}
		bits = BN_num_bits(bn_n);
		if (bits < XZ_JWK_RSA_MIN_BITS || bits > XZ_JWK_RSA_MAX_BITS) {
			jwk_err(err, errlen, "RSA keys must have %d to %d "
			    "bits, not %d", XZ_JWK_RSA_MIN_BITS,
			    XZ_JWK_RSA_MAX_BITS, bits);
			goto out;
		}
		/* OpenSSL refuses e over 64 bits with moduli over 3072. */
		if (!BN_is_odd(bn_e) || BN_num_bits(bn_e) < 2 ||
		    BN_num_bits(bn_e) > JWK_RSA_E_BYTES * 8) {
			jwk_err(err, errlen, "the RSA exponent must be odd, "
			    "at least 3 and at most 64 bits");
			goto out;
		}
	}
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_public_check(ctx) != 1) {
		jwk_err(err, errlen, "the public key fails OpenSSL's check "
		    "(%s)", jwk_ossl_reason());
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	BN_free(bn_n);
	BN_free(bn_e);
	return (rc);
}

/* A BIGNUM parameter as base64url, padded to pad bytes (0: minimal). */
static int
jwk_put_bn(EVP_PKEY *pkey, const char *name, size_t pad, char *out,
    char *err, size_t errlen)
{
	unsigned char	bin[JWK_BIN_MAX];
	BIGNUM		*bn;
	int		len;

	bn = NULL;
	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
		jwk_err(err, errlen, "the key has no %s", name);
		return (-1);
	}
	if (pad > 0)
		len = BN_bn2binpad(bn, bin, (int)pad);
	else if ((size_t)BN_num_bytes(bn) <= sizeof(bin))
		len = BN_bn2bin(bn, bin);
	else
		len = -1;
	BN_free(bn);
	if (len <= 0) {
		jwk_err(err, errlen, "the key's %s does not fit", name);
		return (-1);
	}
	(void)xz_b64url_encode(bin, (size_t)len, out);
	return (0);
}

/* A string member, NULL when absent; -1 when present but not a string. */
static int
jwk_str_member(json_t *obj, const char *name, const char **out, char *err,
    size_t errlen)
{
	json_t		*v;

	*out = NULL;
	if ((v = json_object_get(obj, name)) == NULL)
		return (0);
	if (!json_is_string(v)) {
		jwk_err(err, errlen, "%s must be a string", name);
		return (-1);
	}
	*out = json_string_value(v);
	return (0);
}

/*
 * A required base64url member of at most max bytes into out (max + 3
 * bytes).  Canonical, unpadded base64url only (xz_b64url_decode).
 */
static int
jwk_b64_member(json_t *obj, const char *name, size_t max, unsigned char *out,
    size_t *outlen, char *err, size_t errlen)
{
	json_t		*v;
	size_t		slen;
	long		n;

	if ((v = json_object_get(obj, name)) == NULL || !json_is_string(v)) {
		jwk_err(err, errlen, "%s is missing or not a string", name);
		return (-1);
	}
	slen = json_string_length(v);
	if (slen == 0 || slen > (max * 4 + 2) / 3) {
		jwk_err(err, errlen, "%s is empty or too long", name);
		return (-1);
	}
	if ((n = xz_b64url_decode(json_string_value(v), slen, out)) < 0) {
		jwk_err(err, errlen, "%s is not unpadded base64url", name);
		return (-1);
	}
	*outlen = (size_t)n;
	return (0);
}

static EVP_PKEY *
jwk_ec_key(json_t *jwk, char *err, size_t errlen)
{
	OSSL_PARAM_BLD	*bld;
	EVP_PKEY	*pkey;
	const char	*crv;
	unsigned char	x[JWK_EC_COORD + 3], y[JWK_EC_COORD + 3];
	unsigned char	pt[1 + 2 * JWK_EC_COORD];
	size_t		xl, yl;

	if (jwk_str_member(jwk, "crv", &crv, err, errlen) != 0)
		return (NULL);
	if (crv == NULL || strcmp(crv, "P-256") != 0) {
		jwk_err(err, errlen, "crv '%.16s' is not supported (P-256)",
		    crv != NULL ? crv : "");
		return (NULL);
	}
	if (jwk_b64_member(jwk, "x", JWK_EC_COORD, x, &xl, err, errlen) != 0 ||
	    jwk_b64_member(jwk, "y", JWK_EC_COORD, y, &yl, err, errlen) != 0)
		return (NULL);
	if (xl != JWK_EC_COORD || yl != JWK_EC_COORD) {
		jwk_err(err, errlen, "x and y must be %d bytes each",
		    JWK_EC_COORD);
		return (NULL);
	}
	pt[0] = 0x04;			/* uncompressed point */
	memcpy(pt + 1, x, JWK_EC_COORD);
	memcpy(pt + 1 + JWK_EC_COORD, y, JWK_EC_COORD);
	pkey = NULL;
	if ((bld = OSSL_PARAM_BLD_new()) != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    SN_X9_62_prime256v1, 0) == 1 &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pt, sizeof(pt)) == 1)
		pkey = jwk_fromdata("EC", bld);
	OSSL_PARAM_BLD_free(bld);
	if (pkey == NULL)
		jwk_err(err, errlen, "(x, y) is not a point on P-256 (%s)",
		    jwk_ossl_reason());
	return (pkey);
}

static EVP_PKEY *
jwk_rsa_key(json_t *jwk, char *err, size_t errlen)
{
	OSSL_PARAM_BLD	*bld;
	EVP_PKEY	*pkey;
	BIGNUM		*bn_n, *bn_e;
	unsigned char	n[JWK_BIN_MAX + 3], e[JWK_RSA_E_BYTES + 3];
	size_t		nl, el;

	if (jwk_b64_member(jwk, "n", JWK_BIN_MAX, n, &nl, err, errlen) != 0 ||
	    jwk_b64_member(jwk, "e", JWK_RSA_E_BYTES, e, &el, err,
	    errlen) != 0)
		return (NULL);
	/* Base64urlUInt: the minimum number of octets (RFC 7518 2). */
	if (n[0] == 0 || e[0] == 0) {
		jwk_err(err, errlen, "n and e must not have leading zero "
		    "bytes");
		return (NULL);
	}
	pkey = NULL;
	bld = NULL;
	bn_n = BN_bin2bn(n, (int)nl, NULL);
	bn_e = BN_bin2bn(e, (int)el, NULL);
	if (bn_n != NULL && bn_e != NULL &&
	    (bld = OSSL_PARAM_BLD_new()) != NULL &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1)
		pkey = jwk_fromdata("RSA", bld);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	if (pkey == NULL)
		jwk_err(err, errlen, "n and e do not make an RSA key (%s)",
		    jwk_ossl_reason());
	return (pkey);
}

static EVP_PKEY *
jwk_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*pkey;
	OSSL_PARAM	*params;

	pkey = NULL;
	ctx = NULL;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return (pkey);
}

static char *
jwk_pem_write(EVP_PKEY *pkey)
{
	BIO		*bio;
	char		*data, *pem;
	long		len;

	pem = NULL;
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return (NULL);
	if (PEM_write_bio_PUBKEY(bio, pkey) == 1 &&
	    (len = BIO_get_mem_data(bio, &data)) > 0 &&
	    (pem = malloc((size_t)len + 1)) != NULL) {
		memcpy(pem, data, (size_t)len);
		pem[len] = '\0';
	}
	BIO_free(bio);
	return (pem);
}
