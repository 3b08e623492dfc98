/*
 * JSON Web Keys (RFC 7517/7518) for the two asymmetric algorithms the
 * service verifies: RS256 (kty RSA) and ES256 (kty EC, crv P-256).  Pure
 * C over OpenSSL 3 and jansson, no Kore: the issuer publishes its keys
 * with xz_jwk_from_pem, and external identity providers are trusted
 * through a JWKS file read with xz_jwks_parse.
 *
 * Policy, applied the same way in both directions:
 *   - RSA: 2048 to XZ_JWK_RSA_MAX_BITS (4096) bits, an odd public
 *     exponent of 3 to 64 bits, and OpenSSL's public key check
 *     (EVP_PKEY_public_check: n odd, no small factors, not a prime power;
 *     about 6 ms at 2048 bits, 30 ms at 4096, 200 ms at 8192, hence the cap).
 *   - EC: P-256 only (a PEM with explicit parameters equal to P-256 is
 *     accepted and comes out as the named curve); the point must pass
 *     OpenSSL's public key check (on the curve, not at infinity).
 *   - kid: 1 to 63 visible ASCII characters (0x21-0x7e).
 *   - A JWK holding private members (d, p, q, dp, dq, qi, oth, or k) is
 *     refused, not stripped: a published private key is a compromised key.
 *   - Unknown members (x5c, x5t, x5t#S256, ...) are ignored; x5c is not
 *     checked against n/e or x/y.
 */
#ifndef XIANGZHI_JWK_H
#define XIANGZHI_JWK_H

#include <stddef.h>

#include <jansson.h>

#define XZ_JWKS_KEYS_MAX	16
#define XZ_JWKS_BYTES_MAX	262144
#define XZ_JWK_PEM_MAX		16384
#define XZ_JWK_RSA_MIN_BITS	2048
#define XZ_JWK_RSA_MAX_BITS	4096

struct xz_jwk_entry {
	char		kid[64];
	char		alg[8];		/* "RS256" or "ES256" */
	char		*pem;		/* SPKI PEM, owned */
};

/*
 * A PEM public key, or a private key of which only the public part is
 * exported, as a JWK object {kty, kid, alg, use: "sig", crv, x, y} (ES256)
 * or {kty, kid, alg, use: "sig", n, e} (RS256).  alg must be "RS256" or
 * "ES256" and match the key.  Returns a new reference, or NULL with a
 * message in err.  Encrypted private keys are refused (never prompts).
 */
json_t	*xz_jwk_from_pem(const char *pem, size_t len, const char *kid,
	    const char *alg, char *err, size_t errlen);

/*
 * One JWK -> a malloc'd NUL-terminated SubjectPublicKeyInfo PEM ("BEGIN
 * PUBLIC KEY") that libjwt's jwt_decode accepts.  kty is "RSA" or "EC";
 * alg, when present, must be the one of the key type (RS256 or ES256) and
 * is otherwise implied by it; use, when present, must be "sig"; key_ops,
 * when present, must be a list of strings holding "verify".  base64url
 * members must be unpadded and canonical; x and y exactly 32 bytes; n and
 * e without leading zero bytes.  The algorithm goes to alg_out and the kid
 * (empty when absent) to kid_out; either may be NULL.  Returns NULL with
 * a message in err on any refusal.
 */
char	*xz_jwk_to_pem(json_t *jwk, char *alg_out, size_t alglen,
	    char *kid_out, size_t kidlen, char *err, size_t errlen);

/*
 * A JWKS document {"keys": [...]} (other top-level members ignored):
 * duplicate JSON members anywhere are refused, 1 to XZ_JWKS_KEYS_MAX keys,
 * each with a kid, kids unique, and every key must pass xz_jwk_to_pem (one
 * bad key refuses the whole document: the file is curated by the
 * operator).  Returns 0 with *out (free with xz_jwks_free) and *n, or -1
 * with *out NULL, *n 0 and a message in err.
 */
int	xz_jwks_parse(const char *json, size_t len,
	    struct xz_jwk_entry **out, size_t *n, char *err, size_t errlen);
void	xz_jwks_free(struct xz_jwk_entry *, size_t);

#endif
