/*
 * Bearer token verification (libjwt 1.10 + jansson).  No Kore here, so the
 * unit tests link it directly.
 *
 * libjwt 1.10 traps handled here: a NULL/empty key accepts any token, the
 * algorithm is never taken from the token (the key's configured algorithm
 * must match both the header and what libjwt verified), claims are re-read
 * with duplicate keys rejected, and exp/nbf/iss/aud are checked by us.
 */
#ifndef XIANGZHI_AUTH_H
#define XIANGZHI_AUTH_H

#include <stddef.h>
#include <time.h>

#include <jwt.h>

#define XZ_TOKEN_MAX		8192
#define XZ_KEYS_MAX		32
#define XZ_ISSUERS_MAX		8
#define XZ_LEEWAY_MAX		60
#define XZ_GRANTS_MAX		1024

enum xz_role {
	XZ_ROLE_NONE = 0,
	XZ_ROLE_COUNTY = 0x01,
	XZ_ROLE_TOWNSHIP = 0x02,
	XZ_ROLE_VILLAGE = 0x04,
	XZ_ROLE_PARTNER = 0x08,
};

/*
 * A trusted issuer.  Issuer 0 is the service's own (standard claim names,
 * the only one that may issue partner tokens); the others are external
 * identity providers whose claim names and role values are mapped.  A key
 * belongs to one issuer and verifies only tokens whose iss is that issuer.
 */
struct xz_issuer {
	char		issuer[256];
	char		audience[128];
	int		external;
	char		claim_sub[64];
	char		claim_role[64];
	char		claim_county[64];
	char		claim_township[64];
	char		claim_village[64];
	char		role_county[64];	/* the provider's role values */
	char		role_township[64];
	char		role_village[64];
};

struct xz_key {
	char		kid[64];
	jwt_alg_t	alg;
	unsigned char	*key;		/* owned by the keyring */
	size_t		keylen;
	int		issuer;		/* index into issuers */
	long long	until;		/* retired after (unix s), 0: never */
};

struct xz_keyring {
	struct xz_key		keys[XZ_KEYS_MAX];
	int			count;
	struct xz_issuer	issuers[XZ_ISSUERS_MAX];
	int			nissuers;
	long			leeway;	/* seconds, at most XZ_LEEWAY_MAX */
};

/* Verified claims of one request, copied out of the token. */
struct xz_claims {
	enum xz_role	role;
	char		sub[129];
	char		county[7];
	char		township[10];
	char		village[13];
	char		scope[512];	/* space separated (partners) */
	char		townships[XZ_GRANTS_MAX]; /* partners: "*" or a,b,c */
	char		jti[129];
	long long	exp;
	/* Own issuer only; external issuers' sid/pwd_change are ignored. */
	char		sid[37];	/* session (refresh family), or "" */
	int		pwd_change;	/* must change the password first */
};

/* Why a token was refused; the code is a stable problem+json code. */
struct xz_auth_fail {
	const char	*code;
	const char	*detail;
};

void	xz_keyring_init(struct xz_keyring *, const char *issuer,
	    const char *audience, long leeway);
/*
 * Adds a key read from path.  alg is "HS256", "RS256" or "ES256"; HS256
 * secrets need at least 32 bytes; RS/ES files must hold a public key.
 * Returns 0, or -1 with a message in err.
 */
int	xz_keyring_add_file(struct xz_keyring *, const char *kid,
	    const char *alg, const char *path, char *err, size_t errlen);
/* Adds a key of issuer (an index) from memory; the key is copied. */
int	xz_keyring_add_key(struct xz_keyring *, int issuer, const char *kid,
	    const char *alg, const unsigned char *key, size_t len, char *err,
	    size_t errlen);
/*
 * Adds the external issuers described by a JSON file: an array of
 * {"issuer", "audience", "jwks_file", "claims": {"sub", "role", "county",
 * "township", "village"}, "roles": {"county", "township", "village"}};
 * only "issuer", "audience" and "jwks_file" are required.  Relative
 * jwks_file paths are relative to the working directory.
 */
int	xz_keyring_load_issuers(struct xz_keyring *, const char *path,
	    char *err, size_t errlen);
/*
 * Parses "kid:alg:path[:until][,...]" and adds every key.  until (a key's
 * retirement, for rotation) is unix seconds or YYYY-MM-DDTHH:MM:SSZ (UTC);
 * a token whose key's until has passed is refused as key_retired, with no
 * leeway.  Paths cannot contain ':' or ','.
 */
int	xz_keyring_load_spec(struct xz_keyring *, const char *spec,
	    char *err, size_t errlen);
void	xz_keyring_free(struct xz_keyring *);
/* 1 while a key may verify (and be published): no until, or now <= until. */
int	xz_key_active(const struct xz_key *, time_t now);

/*
 * The key the service signs its own tokens with.  The verifying half is
 * always in the keyring (added if absent), so what it signs verifies and is
 * published at /api/v1/auth/jwks.json.  Rotation: sign with the new key and
 * keep the old public key in XZ_JWT_KEYS until its tokens have expired.
 */
struct xz_signer {
	char		kid[64];
	jwt_alg_t	alg;
	unsigned char	*key;		/* private PEM or HS256 secret, owned */
	size_t		keylen;
};

/*
 * Loads "kid:alg:file" (ES256/RS256 private PEM; HS256 for development).
 * A retiring key cannot sign: a spec with an until, or a kid the keyring
 * holds with an until, is refused.
 */
int	xz_signer_load(struct xz_signer *, struct xz_keyring *,
	    const char *spec, char *err, size_t errlen);
void	xz_signer_free(struct xz_signer *);
/*
 * A token for c (role, codes, sub; scope and townships for partners; sid
 * when not empty; pwd_change: true when set) from the service's own
 * issuer, valid for ttl seconds from now.  The caller frees it; NULL on
 * failure.
 */
char	*xz_token_mint(const struct xz_signer *, const struct xz_keyring *,
	    const struct xz_claims *, time_t now, long ttl);

/* Returns 0 and fills claims, or -1 and fills fail. */
int	xz_auth_verify(const struct xz_keyring *, const char *token,
	    time_t now, struct xz_claims *, struct xz_auth_fail *);

/*
 * A per-process cache of verified tokens (two-way set-associative, keyed by
 * a hash of the whole token, which is compared in full).  A hit skips the
 * signature check, never the expiry check: an entry is used only while
 * now <= exp + leeway, at most XZ_AUTH_CACHE_TTL seconds after it was
 * verified and never past its key's until.  Only successful verifications
 * are cached.  Bounded: XZ_AUTH_CACHE_SLOTS entries, claims allocated for
 * the slots in use only.  Sized so that thousands of live tokens per
 * worker rarely evict each other: an ES256/RS256 miss costs ~0.7 ms
 * (libjwt parses the PEM key on every verification).
 */
#define XZ_AUTH_CACHE_SLOTS	8192
#define XZ_AUTH_CACHE_TOKEN_MAX	2048
#define XZ_AUTH_CACHE_TTL	300

struct xz_auth_cache_entry {
	char			*token;		/* owned, NULL when empty */
	size_t			len;
	long long		until;
	struct xz_claims	*claims;	/* owned */
};

struct xz_auth_cache {
	struct xz_auth_cache_entry	slots[XZ_AUTH_CACHE_SLOTS];
	unsigned long			hits;
	unsigned long			misses;
};

/* xz_auth_verify through cache (which may be NULL). */
int	xz_auth_verify_cached(const struct xz_keyring *, struct xz_auth_cache *,
	    const char *token, time_t now, struct xz_claims *,
	    struct xz_auth_fail *);
void	xz_auth_cache_clear(struct xz_auth_cache *);

const char	*xz_role_name(enum xz_role);
enum xz_role	xz_role_parse(const char *);
/* 1 when the space-separated scope list holds scope. */
int		xz_claims_has_scope(const struct xz_claims *, const char *);

#endif
