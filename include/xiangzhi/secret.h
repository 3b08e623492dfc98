/*
 * Passwords, client secrets and refresh tokens (libsodium).  No Kore here.
 *
 * Low-entropy secrets (passwords, partner client secrets) are stored as
 * argon2id strings; 256-bit random refresh tokens are stored as SHA-256.
 * Nothing in this file logs, and no function copies a secret without
 * zeroing the copy.
 */
#ifndef XIANGZHI_SECRET_H
#define XIANGZHI_SECRET_H

#include <stddef.h>

#include <sodium.h>

/* Accepted argon2id cost range (configuration and xz_secret_hash). */
#define XZ_PWHASH_OPS_MIN	2ULL
#define XZ_PWHASH_OPS_MAX	16ULL
#define XZ_PWHASH_MEM_MIN	(8ULL * 1024 * 1024)	/* bytes */
#define XZ_PWHASH_MEM_MAX	(1024ULL * 1024 * 1024)

/* Longest secret hashed or verified, in bytes; longer never matches. */
#define XZ_SECRET_MAX		1024

/* Password policy, in code points. */
#define XZ_PASSWORD_MIN		10
#define XZ_PASSWORD_MAX		128

/* Generated secrets and tokens: 32 random bytes, base64url, no padding. */
#define XZ_RANDOM_BYTES		32
#define XZ_RANDOM_CHARS		43
#define XZ_RANDOM_BUFSZ		(XZ_RANDOM_CHARS + 1)

struct xz_pwhash_params {
	unsigned long long	opslimit;	/* argon2id t */
	size_t			memlimit;	/* bytes; argon2id m is KiB */
};

/* libsodium's argon2id INTERACTIVE limits: t=2, m=64 MiB. */
#define XZ_PWHASH_PARAMS_DEFAULT {					\
	crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,			\
	crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE			\
}

/*
 * Configuration: ops (argon2id t) and mem_kib (KiB) are strict decimals; a
 * NULL string keeps the default.  Returns 0, or -1 with a message in err.
 * *out is written only on success.
 */
int	xz_pwhash_params_parse(const char *ops, const char *mem_kib,
	    struct xz_pwhash_params *out, char *err, size_t errlen);

/*
 * Sets the parameters used for new hashes (when xz_secret_hash gets NULL)
 * and for the dummy hash behind xz_secret_verify(NULL, ...), and computes
 * that dummy hash now.  Call it once at start-up, before forking workers,
 * so that no login pays for the dummy.  Without it the defaults apply and
 * the dummy is computed on first need.  Returns 0, or -1 on parameters
 * out of range or a libsodium failure.
 */
int	xz_secret_configure(const struct xz_pwhash_params *);

/*
 * argon2id string of secret[len] into out; params NULL means the
 * configured ones.  Returns 0, or -1 (out of range, too long, no memory).
 */
int	xz_secret_hash(const char *secret, size_t len,
	    const struct xz_pwhash_params *, char out[crypto_pwhash_STRBYTES]);

/*
 * 1 when secret[len] matches stored, 0 otherwise (including errors).
 * stored NULL (unknown user or client) and stored strings that are not
 * argon2id spend the same work as a real verification, against a dummy
 * hash with the configured parameters, and return 0.
 */
int	xz_secret_verify(const char *stored, const char *secret, size_t len);

/*
 * 1 when stored should be replaced after a successful login: not argon2id,
 * malformed, or with other parameters than params (NULL: configured).
 * 0 when it is current.
 */
int	xz_secret_needs_rehash(const char *stored,
	    const struct xz_pwhash_params *);

/*
 * Password policy.  Returns 0, or -1 with a stable code copied into
 * code_out (may be NULL): invalid_characters, too_short, too_long,
 * same_as_login, too_simple.  See secret.c for the exact rules.
 */
int	xz_password_check(const char *password, size_t len, const char *login,
	    char *code_out, size_t codelen);

/*
 * A partner client secret or an opaque refresh token: XZ_RANDOM_BYTES
 * random bytes as XZ_RANDOM_CHARS base64url characters, NUL-terminated.
 * outlen must be at least XZ_RANDOM_BUFSZ.  Returns 0 or -1.
 */
int	xz_secret_generate(char *out, size_t outlen);
int	xz_token_generate(char *out, size_t outlen);

/* Lower-case hex SHA-256 of the NUL-terminated token: what is stored. */
void	xz_token_digest(const char *token, char hex_out[65]);

#endif
