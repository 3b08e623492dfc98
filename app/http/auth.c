/*
 * JWT verification against configured keys.  Kore-free (unit-tested).
 */

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "xiangzhi/auth.h"
#include "xiangzhi/core.h"
#include "xiangzhi/jwk.h"

#define KEYFILE_MAX	262144	/* a key or a JWKS file */
#define UNTIL_MAX	253402300799LL	/* 9999-12-31T23:59:59Z */

static int	auth_fail(struct xz_auth_fail *, const char *, const char *);
static int	auth_verify(const struct xz_keyring *, const char *, time_t,
		    struct xz_claims *, struct xz_auth_fail *,
		    const struct xz_key **);
static int	auth_own_claims(json_t *, struct xz_claims *);
static int	until_parse(const char *, long long *);
static json_t	*auth_segment_json(const char *, size_t);
static int	auth_claims(const struct xz_keyring *, const struct xz_issuer *,
		    json_t *, time_t, struct xz_claims *, struct xz_auth_fail *);
static enum xz_role auth_role(const struct xz_issuer *, const char *);
static void	issuer_defaults(struct xz_issuer *, const char *,
		    const char *);
static int	issuer_mapping(struct xz_issuer *, json_t *, char *, size_t);
static unsigned char *file_read(const char *, size_t *, char *, size_t);
static void	trim_eol(unsigned char *, size_t *);
static int	auth_copy_str(json_t *, const char *, char *, size_t, int);
static int	auth_audience_ok(json_t *, const char *);
static int	auth_townships(json_t *, struct xz_claims *);
static const struct xz_key *auth_key(const struct xz_keyring *, const char *);

void
xz_keyring_init(struct xz_keyring *kr, const char *issuer,
    const char *audience, long leeway)
{
	memset(kr, 0, sizeof(*kr));
	kr->nissuers = 1;
	issuer_defaults(&kr->issuers[0], issuer, audience);
	if (leeway < 0)
		leeway = 0;
	kr->leeway = leeway > XZ_LEEWAY_MAX ? XZ_LEEWAY_MAX : leeway;
}

int
xz_keyring_add_file(struct xz_keyring *kr, const char *kid, const char *alg,
    const char *path, char *err, size_t errlen)
{
	unsigned char	*buf;
	size_t		len;
	int		rc;

	if ((buf = file_read(path, &len, err, errlen)) == NULL)
		return (-1);
	rc = xz_keyring_add_key(kr, 0, kid, alg, buf, len, err, errlen);
	free(buf);
	return (rc);
}

int
xz_keyring_add_key(struct xz_keyring *kr, int issuer, const char *kid,
    const char *alg, const unsigned char *key, size_t len, char *err,
    size_t errlen)
{
	struct xz_key	*k;
	unsigned char	*buf;
	jwt_alg_t	a;

	if (kr->count >= XZ_KEYS_MAX) {
		(void)snprintf(err, errlen, "too many keys (max %d)",
		    XZ_KEYS_MAX);
		return (-1);
	}
	if (issuer < 0 || issuer >= kr->nissuers)
		return (-1);
	if (*kid == '\0' || strlen(kid) >= sizeof(k->kid) ||
	    auth_key(kr, kid) != NULL) {
		(void)snprintf(err, errlen, "bad or duplicate kid '%s'", kid);
		return (-1);
	}
	if (strcmp(alg, "HS256") == 0 && issuer == 0)
		a = JWT_ALG_HS256;
	else if (strcmp(alg, "RS256") == 0)
		a = JWT_ALG_RS256;
	else if (strcmp(alg, "ES256") == 0)
		a = JWT_ALG_ES256;
	else {
		(void)snprintf(err, errlen, "key %s: unsupported alg '%s'",
		    kid, alg);
		return (-1);
	}
	if ((buf = calloc(1, len + 1)) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (-1);
	}
	memcpy(buf, key, len);
	if (a == JWT_ALG_HS256) {
		trim_eol(buf, &len);
		/* An empty key makes libjwt accept anything: refuse short ones. */
		if (len < 32) {
			free(buf);
			(void)snprintf(err, errlen,
			    "key %s: HS256 secret shorter than 32 bytes", kid);
			return (-1);
		}
	} else if (strstr((char *)buf, "-----BEGIN PUBLIC KEY-----") == NULL ||
	    strstr((char *)buf, "PRIVATE") != NULL) {
		free(buf);
		(void)snprintf(err, errlen,
		    "key %s must be a PEM public key only", kid);
		return (-1);
	}
	k = &kr->keys[kr->count++];
	(void)snprintf(k->kid, sizeof(k->kid), "%s", kid);
	k->alg = a;
	k->key = buf;
	k->keylen = len;
	k->issuer = issuer;
	k->until = 0;
	return (0);
}

int
xz_keyring_load_issuers(struct xz_keyring *kr, const char *path, char *err,
    size_t errlen)
{
	struct xz_jwk_entry	*ents;
	struct xz_issuer	*is;
	json_t			*arr, *o;
	json_error_t		jerr;
	unsigned char		*buf;
	const char		*iss, *aud, *jwks;
	size_t			len, i, n, k;
	int			rc;

	if ((buf = file_read(path, &len, err, errlen)) == NULL)
		return (-1);
	arr = json_loadb((char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (arr == NULL || !json_is_array(arr)) {
		(void)snprintf(err, errlen, "%s: not a JSON array (%s)", path,
		    arr == NULL ? jerr.text : "wrong type");
		json_decref(arr);
		return (-1);
	}
	rc = 0;
	json_array_foreach(arr, i, o) {
		iss = json_string_value(json_object_get(o, "issuer"));
		aud = json_string_value(json_object_get(o, "audience"));
		jwks = json_string_value(json_object_get(o, "jwks_file"));
		if (iss == NULL || aud == NULL || jwks == NULL ||
		    *iss == '\0' || *aud == '\0' ||
		    strlen(iss) >= sizeof(is->issuer) ||
		    strlen(aud) >= sizeof(is->audience)) {
			(void)snprintf(err, errlen, "%s: issuer %zu needs "
			    "issuer, audience and jwks_file", path, i);
			rc = -1;
			break;
		}
		for (k = 0; k < (size_t)kr->nissuers; k++) {
			if (strcmp(kr->issuers[k].issuer, iss) == 0)
				break;
		}
		if (k < (size_t)kr->nissuers ||
		    kr->nissuers >= XZ_ISSUERS_MAX) {
			(void)snprintf(err, errlen, "%s: issuer '%s' repeated "
			    "or too many issuers", path, iss);
			rc = -1;
			break;
		}
		is = &kr->issuers[kr->nissuers];
		issuer_defaults(is, iss, aud);
		is->external = 1;
		if (issuer_mapping(is, o, err, errlen) != 0 ||
		    (buf = file_read(jwks, &len, err, errlen)) == NULL) {
			rc = -1;
			break;
		}
		rc = xz_jwks_parse((char *)buf, len, &ents, &n, err, errlen);
		free(buf);
		if (rc != 0)
			break;
		kr->nissuers++;
		for (k = 0; k < n && rc == 0; k++) {
			rc = xz_keyring_add_key(kr, kr->nissuers - 1,
			    ents[k].kid, ents[k].alg,
			    (unsigned char *)ents[k].pem, strlen(ents[k].pem),
			    err, errlen);
		}
		xz_jwks_free(ents, n);
		if (rc != 0)
			break;
	}
	json_decref(arr);
	return (rc);
}

int
xz_keyring_load_spec(struct xz_keyring *kr, const char *spec, char *err,
    size_t errlen)
{
	char		*copy, *item, *save, *kid, *alg, *path, *until;
	long long	u;
	int		rc;

	if ((copy = strdup(spec)) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (-1);
	}
	rc = 0;
	for (item = strtok_r(copy, ",", &save); item != NULL && rc == 0;
	    item = strtok_r(NULL, ",", &save)) {
		kid = item;
		if ((alg = strchr(kid, ':')) == NULL ||
		    (path = strchr(alg + 1, ':')) == NULL) {
			(void)snprintf(err, errlen,
			    "key entry '%s' is not kid:alg:path", item);
			rc = -1;
			break;
		}
		*alg++ = '\0';
		*path++ = '\0';
		/* The rest is the until, which may itself hold ':'. */
		u = 0;
		if ((until = strchr(path, ':')) != NULL) {
			*until++ = '\0';
			if (until_parse(until, &u) != 0) {
				(void)snprintf(err, errlen, "key %s: until '%s' "
				    "is not unix seconds or YYYY-MM-DDTHH:MM:SSZ "
				    "(UTC, after 1970)", kid, until);
				rc = -1;
				break;
			}
		}
		rc = xz_keyring_add_file(kr, kid, alg, path, err, errlen);
		if (rc == 0)
			kr->keys[kr->count - 1].until = u;
	}
	free(copy);
	if (rc == 0 && kr->count == 0) {
		(void)snprintf(err, errlen, "no verification keys configured");
		rc = -1;
	}
	return (rc);
}

void
xz_keyring_free(struct xz_keyring *kr)
{
	int		i;

	for (i = 0; i < kr->count; i++)
		free(kr->keys[i].key);
	kr->count = 0;
}

int
xz_key_active(const struct xz_key *k, time_t now)
{
	return (k->until == 0 || (long long)now <= k->until);
}

int
xz_auth_verify(const struct xz_keyring *kr, const char *token, time_t now,
    struct xz_claims *c, struct xz_auth_fail *fail)
{
	return (auth_verify(kr, token, now, c, fail, NULL));
}

int
xz_signer_load(struct xz_signer *sg, struct xz_keyring *kr, const char *spec,
    char *err, size_t errlen)
{
	const struct xz_key	*k;
	char			kid[64], alg[8], *pub;
	const char		*p1, *p2;
	unsigned char		*buf;
	json_t			*jwk;
	size_t			len, plen;
	int			rc;

	memset(sg, 0, sizeof(*sg));
	if ((p1 = strchr(spec, ':')) == NULL ||
	    (p2 = strchr(p1 + 1, ':')) == NULL ||
	    (size_t)(p1 - spec) >= sizeof(kid) || p1 == spec ||
	    (size_t)(p2 - p1 - 1) >= sizeof(alg)) {
		(void)snprintf(err, errlen, "signing key is not kid:alg:path");
		return (-1);
	}
	memcpy(kid, spec, p1 - spec);
	kid[p1 - spec] = '\0';
	memcpy(alg, p1 + 1, p2 - p1 - 1);
	alg[p2 - p1 - 1] = '\0';
	/* Tokens signed with a retiring key would die with it. */
	if (strchr(p2 + 1, ':') != NULL ||
	    ((k = auth_key(kr, kid)) != NULL && k->until != 0)) {
		(void)snprintf(err, errlen, "signing key %s: a retiring key "
		    "(one with an until) cannot sign", kid);
		return (-1);
	}
	if ((buf = file_read(p2 + 1, &len, err, errlen)) == NULL)
		return (-1);

	if (strcmp(alg, "HS256") == 0) {
		trim_eol(buf, &len);
		pub = NULL;
		plen = len;
		sg->alg = JWT_ALG_HS256;
	} else {
		/* The public half, as the keyring and the JWKS hold it. */
		jwk = xz_jwk_from_pem((char *)buf, len, kid, alg, err, errlen);
		pub = jwk != NULL ? xz_jwk_to_pem(jwk, NULL, 0, NULL, 0, err,
		    errlen) : NULL;
		json_decref(jwk);
		if (pub == NULL) {
			free(buf);
			return (-1);
		}
		plen = strlen(pub);
		sg->alg = strcmp(alg, "ES256") == 0 ? JWT_ALG_ES256 :
		    JWT_ALG_RS256;
	}
	rc = 0;
	if ((k = auth_key(kr, kid)) == NULL) {
		rc = xz_keyring_add_key(kr, 0, kid, alg,
		    pub != NULL ? (unsigned char *)pub : buf, plen, err, errlen);
	} else if (k->issuer != 0 || k->alg != sg->alg || k->keylen != plen ||
	    memcmp(k->key, pub != NULL ? (unsigned char *)pub : buf,
	    plen) != 0) {
		(void)snprintf(err, errlen, "signing key %s: the keyring has "
		    "another key under this kid", kid);
		rc = -1;
	}
	free(pub);
	if (rc != 0) {
		OPENSSL_cleanse(buf, len);
		free(buf);
		return (-1);
	}
	(void)snprintf(sg->kid, sizeof(sg->kid), "%s", kid);
	sg->key = buf;
	sg->keylen = len;
	return (0);
}

void
xz_signer_free(struct xz_signer *sg)
{
	if (sg->key != NULL) {
		OPENSSL_cleanse(sg->key, sg->keylen);
		free(sg->key);
	}
	sg->key = NULL;
}

char *
xz_token_mint(const struct xz_signer *sg, const struct xz_keyring *kr,
    const struct xz_claims *c, time_t now, long ttl)
{
	unsigned char	rnd[16];
	char		jti[33], *tok, *grants, *save, *t, *copy;
	json_t		*arr, *obj;
	jwt_t		*jwt;
	size_t		i;

	if (sg->key == NULL || c->role == XZ_ROLE_NONE ||
	    RAND_bytes(rnd, sizeof(rnd)) != 1 || jwt_new(&jwt) != 0)
		return (NULL);
	for (i = 0; i < sizeof(rnd); i++)
		(void)snprintf(jti + 2 * i, 3, "%02x", rnd[i]);
	(void)jwt_add_header(jwt, "kid", sg->kid);
	(void)jwt_add_grant(jwt, "iss", kr->issuers[0].issuer);
	(void)jwt_add_grant(jwt, "aud", kr->issuers[0].audience);
	(void)jwt_add_grant(jwt, "sub", c->sub);
	(void)jwt_add_grant(jwt, "role", xz_role_name(c->role));
	(void)jwt_add_grant(jwt, "jti", jti);
	(void)jwt_add_grant_int(jwt, "iat", (long)now);
	(void)jwt_add_grant_int(jwt, "exp", (long)now + ttl);
	if (c->county[0] != '\0')
		(void)jwt_add_grant(jwt, "county", c->county);
	if (c->township[0] != '\0')
		(void)jwt_add_grant(jwt, "township", c->township);
	if (c->village[0] != '\0')
		(void)jwt_add_grant(jwt, "village", c->village);
	if (c->sid[0] != '\0')
		(void)jwt_add_grant(jwt, "sid", c->sid);
	if (c->pwd_change)
		(void)jwt_add_grant_bool(jwt, "pwd_change", 1);
	if (c->role == XZ_ROLE_PARTNER) {
		(void)jwt_add_grant(jwt, "scope", c->scope);
		if (strcmp(c->townships, "*") == 0) {
			(void)jwt_add_grant(jwt, "townships", "*");
		} else {
			arr = json_array();
			copy = strdup(c->townships);
			for (t = copy != NULL ? strtok_r(copy, ",", &save) :
			    NULL; t != NULL; t = strtok_r(NULL, ",", &save))
				(void)json_array_append_new(arr,
				    json_string(t));
			free(copy);
			obj = json_pack("{s:o}", "townships", arr);
			grants = json_dumps(obj, JSON_COMPACT);
			json_decref(obj);
			if (grants != NULL)
				(void)jwt_add_grants_json(jwt, grants);
			free(grants);
		}
	}
	tok = NULL;
	if (jwt_set_alg(jwt, sg->alg, sg->key, (int)sg->keylen) == 0)
		tok = jwt_encode_str(jwt);
	jwt_free(jwt);
	return (tok);
}

int
xz_auth_verify_cached(const struct xz_keyring *kr, struct xz_auth_cache *ac,
    const char *token, time_t now, struct xz_claims *c,
    struct xz_auth_fail *fail)
{
	struct xz_auth_cache_entry	*e, *set;
	const struct xz_key		*key;
	u_int64_t			h;
	size_t				len, i;
	int				w;

	len = strlen(token);
	if (ac == NULL || len > XZ_AUTH_CACHE_TOKEN_MAX)
		return (xz_auth_verify(kr, token, now, c, fail));

	/* FNV-1a; collisions only cost a verification (tokens compared). */
	h = 14695981039346656037ULL;
	for (i = 0; i < len; i++) {
		h ^= (unsigned char)token[i];
		h *= 1099511628211ULL;
	}
	/* The set: two neighbouring slots. */
	set = &ac->slots[(h % XZ_AUTH_CACHE_SLOTS) & ~(size_t)1];
	for (w = 0; w < 2; w++) {
		e = &set[w];
		if (e->token != NULL && e->len == len &&
		    CRYPTO_memcmp(e->token, token, len) == 0 &&
		    (long long)now <= e->until &&
		    e->claims->exp >= (long long)now - kr->leeway) {
			ac->hits++;
			*c = *e->claims;
			return (0);
		}
	}
	ac->misses++;
	key = NULL;
	if (auth_verify(kr, token, now, c, fail, &key) != 0)
		return (-1);
	/* Replace an empty slot, else the one that expires first. */
	e = set[0].token == NULL || (set[1].token != NULL &&
	    set[0].until <= set[1].until) ? &set[0] : &set[1];
	free(e->token);
	e->token = NULL;
	if (e->claims == NULL && (e->claims = malloc(sizeof(*c))) == NULL)
		return (0);
	if ((e->token = malloc(len + 1)) == NULL)
		return (0);
	memcpy(e->token, token, len + 1);
	e->len = len;
	e->until = (long long)now + XZ_AUTH_CACHE_TTL;
	if (key != NULL && key->until != 0 && key->until < e->until)
		e->until = key->until;
	*e->claims = *c;
	return (0);
}

void
xz_auth_cache_clear(struct xz_auth_cache *ac)
{
	size_t		i;

	for (i = 0; i < XZ_AUTH_CACHE_SLOTS; i++) {
		free(ac->slots[i].token);
		free(ac->slots[i].claims);
		ac->slots[i].token = NULL;
		ac->slots[i].claims = NULL;
	}
}

const char *
xz_role_name(enum xz_role role)
{
	switch (role) {
	case XZ_ROLE_COUNTY:
		return ("county");
	case XZ_ROLE_TOWNSHIP:
		return ("township");
	case XZ_ROLE_VILLAGE:
		return ("village");
	case XZ_ROLE_PARTNER:
		return ("partner");
	default:
		return ("none");
	}
}

enum xz_role
xz_role_parse(const char *s)
{
	if (s == NULL)
		return (XZ_ROLE_NONE);
	if (strcmp(s, "county") == 0)
		return (XZ_ROLE_COUNTY);
	if (strcmp(s, "township") == 0)
		return (XZ_ROLE_TOWNSHIP);
	if (strcmp(s, "village") == 0)
		return (XZ_ROLE_VILLAGE);
	if (strcmp(s, "partner") == 0)
		return (XZ_ROLE_PARTNER);
	return (XZ_ROLE_NONE);
}

int
xz_claims_has_scope(const struct xz_claims *c, const char *scope)
{
	const char	*p;
	size_t		n;

	n = strlen(scope);
	for (p = c->scope; (p = strstr(p, scope)) != NULL; p += n) {
		if ((p == c->scope || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ' '))
			return (1);
	}
	return (0);
}

/* xz_auth_verify that also tells which key verified the token. */
static int
auth_verify(const struct xz_keyring *kr, const char *token, time_t now,
    struct xz_claims *c, struct xz_auth_fail *fail,
    const struct xz_key **keyp)
{
	const struct xz_key	*key;
	const char		*p, *dot1, *dot2, *alg, *kid;
	json_t			*hdr, *payload;
	jwt_t			*jwt;
	size_t			len;
	int			rc, dots;

	memset(c, 0, sizeof(*c));
	len = strlen(token);
	if (len > XZ_TOKEN_MAX)
		return (auth_fail(fail, "token_too_long",
		    "the token is longer than 8 KiB"));

	/* libjwt sizes stack buffers by token length: check the alphabet. */
	dots = 0;
	dot1 = dot2 = NULL;
	for (p = token; *p != '\0'; p++) {
		if (*p == '.') {
			if (++dots == 1)
				dot1 = p;
			else
				dot2 = p;
			continue;
		}
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return (auth_fail(fail, "token_malformed",
			    "the token is not a compact JWS"));
	}
	if (dots != 2 || dot1 == token || dot2 == dot1 + 1 ||
	    dot2[1] == '\0')
		return (auth_fail(fail, "token_malformed",
		    "the token must have a header, a payload and a signature"));

	if ((hdr = auth_segment_json(token, dot1 - token)) == NULL)
		return (auth_fail(fail, "token_malformed",
		    "the token header is not a JSON object"));
	alg = json_string_value(json_object_get(hdr, "alg"));
	kid = json_string_value(json_object_get(hdr, "kid"));
	if (alg == NULL || kid == NULL) {
		json_decref(hdr);
		return (auth_fail(fail, "token_malformed",
		    "the token header needs alg and kid"));
	}
	if ((key = auth_key(kr, kid)) == NULL) {
		json_decref(hdr);
		return (auth_fail(fail, "token_key_unknown",
		    "the token names a key this service does not trust"));
	}
	/* The key decides the algorithm; the header must agree exactly. */
	if (strcmp(alg, jwt_alg_str(key->alg)) != 0) {
		json_decref(hdr);
		return (auth_fail(fail, "token_algorithm",
		    "the token algorithm does not match the key"));
	}
	json_decref(hdr);
	/* Rotation: a retired key vouches for nothing, whatever the exp. */
	if (!xz_key_active(key, now))
		return (auth_fail(fail, "key_retired",
		    "the key that signed the token was retired"));

	jwt = NULL;
	if (key->keylen == 0 ||
	    jwt_decode(&jwt, token, key->key, (int)key->keylen) != 0 ||
	    jwt == NULL) {
		if (jwt != NULL)
			jwt_free(jwt);
		return (auth_fail(fail, "token_signature",
		    "the token signature is not valid"));
	}
	if (jwt_get_alg(jwt) != key->alg) {
		jwt_free(jwt);
		return (auth_fail(fail, "token_algorithm",
		    "the token algorithm does not match the key"));
	}
	jwt_free(jwt);

	payload = auth_segment_json(dot1 + 1, dot2 - dot1 - 1);
	if (payload == NULL)
		return (auth_fail(fail, "token_malformed",
		    "the token claims are not a JSON object without duplicates"));
	rc = auth_claims(kr, &kr->issuers[key->issuer], payload, now, c, fail);
	json_decref(payload);
	if (rc == 0 && keyp != NULL)
		*keyp = key;
	return (rc);
}

static int
auth_claims(const struct xz_keyring *kr, const struct xz_issuer *is,
    json_t *cl, time_t now, struct xz_claims *c, struct xz_auth_fail *fail)
{
	json_t		*v;
	const char	*s;
	int		need_t, need_v;

	v = json_object_get(cl, "exp");
	if (v == NULL || !json_is_integer(v))
		return (auth_fail(fail, "token_claims",
		    "the token must carry an integer exp"));
	c->exp = json_integer_value(v);
	if (c->exp < (long long)now - kr->leeway)
		return (auth_fail(fail, "token_expired", "the token has expired"));
	if ((v = json_object_get(cl, "nbf")) != NULL) {
		if (!json_is_integer(v))
			return (auth_fail(fail, "token_claims",
			    "nbf must be an integer"));
		if (json_integer_value(v) > (long long)now + kr->leeway)
			return (auth_fail(fail, "token_not_yet_valid",
			    "the token is not valid yet"));
	}
	if ((v = json_object_get(cl, "iat")) != NULL) {
		if (!json_is_integer(v))
			return (auth_fail(fail, "token_claims",
			    "iat must be an integer"));
		if (json_integer_value(v) > (long long)now + kr->leeway)
			return (auth_fail(fail, "token_not_yet_valid",
			    "the token was issued in the future"));
	}
	/* A key vouches only for its own issuer's tokens. */
	s = json_string_value(json_object_get(cl, "iss"));
	if (s == NULL || strcmp(s, is->issuer) != 0)
		return (auth_fail(fail, "token_issuer",
		    "the token issuer is not trusted"));
	if (!auth_audience_ok(json_object_get(cl, "aud"), is->audience))
		return (auth_fail(fail, "token_audience",
		    "the token is not meant for this service"));
	if (auth_copy_str(cl, is->claim_sub, c->sub, sizeof(c->sub), 1) != 0 ||
	    auth_copy_str(cl, "jti", c->jti, sizeof(c->jti), 0) != 0 ||
	    (!is->external && auth_copy_str(cl, "scope", c->scope,
	    sizeof(c->scope), 0) != 0) ||
	    auth_copy_str(cl, is->claim_county, c->county,
	    sizeof(c->county), 0) != 0 ||
	    auth_copy_str(cl, is->claim_township, c->township,
	    sizeof(c->township), 0) != 0 ||
	    auth_copy_str(cl, is->claim_village, c->village,
	    sizeof(c->village), 0) != 0)
		return (auth_fail(fail, "token_claims",
		    "a claim has the wrong type or length"));

	c->role = auth_role(is,
	    json_string_value(json_object_get(cl, is->claim_role)));
	if (c->role == XZ_ROLE_NONE)
		return (auth_fail(fail, "token_claims",
		    "the token role is missing or unknown"));
	if (!xz_code_valid(c->county, XZ_LEVEL_COUNTY))
		return (auth_fail(fail, "token_claims",
		    "the token must carry a 6-digit county"));

	need_t = c->role == XZ_ROLE_TOWNSHIP || c->role == XZ_ROLE_VILLAGE;
	need_v = c->role == XZ_ROLE_VILLAGE;
	if (need_t ? !xz_code_child_of(c->township, XZ_LEVEL_TOWNSHIP,
	    c->county) : c->township[0] != '\0')
		return (auth_fail(fail, "token_claims",
		    "the township claim does not fit the role and county"));
	if (need_v ? !xz_code_child_of(c->village, XZ_LEVEL_VILLAGE,
	    c->township) : c->village[0] != '\0')
		return (auth_fail(fail, "token_claims",
		    "the village claim does not fit the role and township"));

	if (!is->external && auth_own_claims(cl, c) != 0)
		return (auth_fail(fail, "token_claims",
		    "sid must be a session id ([0-9a-f-], at most 36) and "
		    "pwd_change a boolean"));

	if (c->role == XZ_ROLE_PARTNER) {
		if (auth_townships(json_object_get(cl, "townships"), c) != 0)
			return (auth_fail(fail, "token_claims",
			    "townships must be \"*\" or a list of the "
			    "county's township codes"));
	} else if (!is->external) {
		if (json_object_get(cl, "townships") != NULL ||
		    c->scope[0] != '\0')
			return (auth_fail(fail, "token_claims",
			    "only partner tokens carry scope and townships"));
	}
	return (0);
}

/* The service's own session claims: sid (optional) and pwd_change. */
static int
auth_own_claims(json_t *cl, struct xz_claims *c)
{
	json_t		*v;
	const char	*p;

	if (auth_copy_str(cl, "sid", c->sid, sizeof(c->sid), 0) != 0)
		return (-1);
	if (json_object_get(cl, "sid") != NULL && c->sid[0] == '\0')
		return (-1);
	for (p = c->sid; *p != '\0'; p++) {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
		    *p == '-'))
			return (-1);
	}
	if ((v = json_object_get(cl, "pwd_change")) != NULL) {
		if (!json_is_boolean(v))
			return (-1);
		c->pwd_change = json_is_true(v);
	}
	return (0);
}

/*
 * Partners must say what they may see: "*" (the whole county) or a list
 * of the county's township codes, joined by ','.  No claim is no grant.
 */
static int
auth_townships(json_t *v, struct xz_claims *c)
{
	json_t		*t;
	size_t		i, off;
	const char	*s;

	if (json_is_string(v) && strcmp(json_string_value(v), "*") == 0) {
		(void)snprintf(c->townships, sizeof(c->townships), "*");
		return (0);
	}
	if (v == NULL)
		return (-1);
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) * 10 >= sizeof(c->townships))
		return (-1);
	off = 0;
	json_array_foreach(v, i, t) {
		s = json_string_value(t);
		if (!xz_code_child_of(s, XZ_LEVEL_TOWNSHIP, c->county))
			return (-1);
		if (off > 0)
			c->townships[off++] = ',';
		memcpy(c->townships + off, s, XZ_LEVEL_TOWNSHIP);
		off += XZ_LEVEL_TOWNSHIP;
	}
	c->townships[off] = '\0';
	return (0);
}

static int
auth_audience_ok(json_t *aud, const char *want)
{
	json_t		*v;
	size_t		i;

	if (json_is_string(aud))
		return (strcmp(json_string_value(aud), want) == 0);
	if (!json_is_array(aud))
		return (0);
	json_array_foreach(aud, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
			return (1);
	}
	return (0);
}

static int
auth_copy_str(json_t *obj, const char *name, char *out, size_t outlen,
    int required)
{
	json_t		*v;
	size_t		len;

	out[0] = '\0';
	if ((v = json_object_get(obj, name)) == NULL)
		return (required ? -1 : 0);
	if (!json_is_string(v))
		return (-1);
	len = json_string_length(v);
	if (len >= outlen || (required && len == 0) ||
	    memchr(json_string_value(v), '\0', len) != NULL)
		return (-1);
	memcpy(out, json_string_value(v), len + 1);
	return (0);
}

static json_t *
auth_segment_json(const char *seg, size_t len)
{
	unsigned char	buf[XZ_TOKEN_MAX];
	long		n;
	json_t		*obj;

	if (len > XZ_TOKEN_MAX ||
	    (n = xz_b64url_decode(seg, len, buf)) < 0)
		return (NULL);
	obj = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES,
	    NULL);
	if (obj != NULL && !json_is_object(obj)) {
		json_decref(obj);
		return (NULL);
	}
	return (obj);
}

static const struct xz_key *
auth_key(const struct xz_keyring *kr, const char *kid)
{
	int		i;

	for (i = 0; i < kr->count; i++) {
		if (strcmp(kr->keys[i].kid, kid) == 0)
			return (&kr->keys[i]);
	}
	return (NULL);
}

/*
 * The role a token names.  External providers use their own values (when
 * mapped) and never issue partner tokens: partners are the service's own
 * clients.
 */
static enum xz_role
auth_role(const struct xz_issuer *is, const char *v)
{
	enum xz_role	r;

	if (v == NULL)
		return (XZ_ROLE_NONE);
	if (is->external && is->role_county[0] != '\0') {
		if (strcmp(v, is->role_county) == 0)
			return (XZ_ROLE_COUNTY);
		if (strcmp(v, is->role_township) == 0)
			return (XZ_ROLE_TOWNSHIP);
		if (strcmp(v, is->role_village) == 0)
			return (XZ_ROLE_VILLAGE);
		return (XZ_ROLE_NONE);
	}
	r = xz_role_parse(v);
	if (is->external && r == XZ_ROLE_PARTNER)
		return (XZ_ROLE_NONE);
	return (r);
}

static void
issuer_defaults(struct xz_issuer *is, const char *issuer,
    const char *audience)
{
	memset(is, 0, sizeof(*is));
	(void)snprintf(is->issuer, sizeof(is->issuer), "%s", issuer);
	(void)snprintf(is->audience, sizeof(is->audience), "%s", audience);
	(void)snprintf(is->claim_sub, sizeof(is->claim_sub), "sub");
	(void)snprintf(is->claim_role, sizeof(is->claim_role), "role");
	(void)snprintf(is->claim_county, sizeof(is->claim_county), "county");
	(void)snprintf(is->claim_township, sizeof(is->claim_township),
	    "township");
	(void)snprintf(is->claim_village, sizeof(is->claim_village),
	    "village");
}

/* "claims" renames claims; "roles" gives all three role values or none. */
static int
issuer_mapping(struct xz_issuer *is, json_t *o, char *err, size_t errlen)
{
	static const char *const	names[] = { "sub", "role", "county",
	    "township", "village" };
	char				*dst[5], *rdst[3];
	json_t				*m, *v;
	const char			*key;
	size_t				i;

	dst[0] = is->claim_sub;
	dst[1] = is->claim_role;
	dst[2] = is->claim_county;
	dst[3] = is->claim_township;
	dst[4] = is->claim_village;
	if ((m = json_object_get(o, "claims")) != NULL) {
		json_object_foreach(m, key, v) {
			for (i = 0; i < 5 && strcmp(names[i], key) != 0; i++)
				;
			if (i == 5 || !json_is_string(v) ||
			    json_string_length(v) == 0 ||
			    json_string_length(v) >= sizeof(is->claim_sub)) {
				(void)snprintf(err, errlen, "issuer %s: bad "
				    "claims mapping '%s'", is->issuer, key);
				return (-1);
			}
			(void)snprintf(dst[i], sizeof(is->claim_sub), "%s",
			    json_string_value(v));
		}
	}
	rdst[0] = is->role_county;
	rdst[1] = is->role_township;
	rdst[2] = is->role_village;
	if ((m = json_object_get(o, "roles")) != NULL) {
		for (i = 0; i < 3; i++) {
			v = json_object_get(m, names[i + 2]);
			if (!json_is_string(v) || json_string_length(v) == 0 ||
			    json_string_length(v) >= sizeof(is->role_county)) {
				(void)snprintf(err, errlen, "issuer %s: roles "
				    "needs county, township and village",
				    is->issuer);
				return (-1);
			}
			(void)snprintf(rdst[i], sizeof(is->role_county), "%s",
			    json_string_value(v));
		}
	}
	return (0);
}

/* An HS256 secret file's trailing newlines are not part of the secret. */
static void
trim_eol(unsigned char *buf, size_t *len)
{
	while (*len > 0 && (buf[*len - 1] == '\n' || buf[*len - 1] == '\r'))
		buf[--(*len)] = '\0';
}

/*
 * A key's until: unix seconds (digits only) or exactly YYYY-MM-DDTHH:MM:SSZ,
 * in (0, UNTIL_MAX].
 */
static int
until_parse(const char *s, long long *out)
{
	static const int	mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int			y, mo, d, h, mi, se, n, leap;
	long long		v;

	if (xz_parse_ll(s, 1, UNTIL_MAX, out) == 0)
		return (0);
	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return (-1);
	for (n = 0; n < 19; n++) {
		if (n != 4 && n != 7 && n != 10 && n != 13 && n != 16 &&
		    (s[n] < '0' || s[n] > '9'))
			return (-1);
	}
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi,
	    &se) != 6)
		return (-1);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || se > 59)
		return (-1);
	v = xz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	if (v <= 0)
		return (-1);
	*out = v;
	return (0);
}

static unsigned char *
file_read(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE		*fp;
	unsigned char	*buf;

	if ((fp = fopen(path, "r")) == NULL) {
		(void)snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return (NULL);
	}
	if ((buf = calloc(1, KEYFILE_MAX + 1)) == NULL) {
		(void)fclose(fp);
		(void)snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	*len = fread(buf, 1, KEYFILE_MAX + 1, fp);
	(void)fclose(fp);
	if (*len > KEYFILE_MAX) {
		free(buf);
		(void)snprintf(err, errlen, "%s is too large", path);
		return (NULL);
	}
	return (buf);
}

static int
auth_fail(struct xz_auth_fail *fail, const char *code, const char *detail)
{
	fail->code = code;
	fail->detail = detail;
	return (-1);
}
