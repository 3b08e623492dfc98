/*
 * Passwords, client secrets and refresh tokens with libsodium.  No Kore
 * here, and no logging: callers report failures without the secret.
 *
 * argon2id is for low-entropy secrets chosen by people (passwords) or
 * handed to people (client secrets, which we generate but which then live
 * in partners' configuration files): its cost is what slows down guessing
 * from a stolen table.  Refresh tokens are 256 random bits: nobody can
 * guess them, so a fast SHA-256 is enough to make a stolen table useless,
 * and it keeps token lookup an indexed equality on the digest.
 */

#include <sys/types.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "xiangzhi/core.h"
#include "xiangzhi/secret.h"

#define ARGON2ID_PREFIX		"$argon2id$"

/*
 * The configured parameters and the dummy hash that unknown users and
 * clients are verified against.  The mutex makes this safe for threads
 * too; Kore workers are processes, and xz_secret_configure() in the parent
 * hands every worker a ready dummy through fork().
 */
static pthread_mutex_t		secret_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xz_pwhash_params	secret_params = XZ_PWHASH_PARAMS_DEFAULT;
static char			secret_dummy[crypto_pwhash_STRBYTES];
static int			secret_dummy_ready;

static int	secret_init(void);
static int	params_valid(const struct xz_pwhash_params *);
static void	params_current(struct xz_pwhash_params *);
static int	dummy_compute(void);
static int	dummy_get(char [crypto_pwhash_STRBYTES]);
static int	stored_usable(const char *);
static int	random_b64(char *, size_t);
static int	password_code(char *, size_t, const char *);
static size_t	utf8_next(const unsigned char *, size_t, uint32_t *);
static uint32_t	ascii_fold(uint32_t);
static size_t	digit_width(const unsigned char *, size_t);
static int	login_with_digits(const char *, size_t, const char *);

int
xz_pwhash_params_parse(const char *ops, const char *mem_kib,
    struct xz_pwhash_params *out, char *err, size_t errlen)
{
	struct xz_pwhash_params	p = XZ_PWHASH_PARAMS_DEFAULT;
	long long		v;

	if (ops != NULL) {
		if (xz_parse_ll(ops, (long long)XZ_PWHASH_OPS_MIN,
		    (long long)XZ_PWHASH_OPS_MAX, &v) == -1) {
			(void)snprintf(err, errlen, "argon2id opslimit "
			    "'%.32s' is not an integer from %llu to %llu", ops,
			    XZ_PWHASH_OPS_MIN, XZ_PWHASH_OPS_MAX);
			return (-1);
		}
		p.opslimit = (unsigned long long)v;
	}
	if (mem_kib != NULL) {
		if (xz_parse_ll(mem_kib, (long long)(XZ_PWHASH_MEM_MIN / 1024),
		    (long long)(XZ_PWHASH_MEM_MAX / 1024), &v) == -1) {
			(void)snprintf(err, errlen, "argon2id memory '%.32s' "
			    "is not a number of KiB from %llu (8 MiB) to %llu "
			    "(1 GiB)", mem_kib, XZ_PWHASH_MEM_MIN / 1024,
			    XZ_PWHASH_MEM_MAX / 1024);
			return (-1);
		}
		p.memlimit = (size_t)v * 1024;
	}
	*out = p;
	return (0);
}

int
xz_secret_configure(const struct xz_pwhash_params *params)
{
	int		rc;

	if (params == NULL || !params_valid(params) || secret_init() == -1)
		return (-1);
	(void)pthread_mutex_lock(&secret_lock);
	secret_params = *params;
	secret_dummy_ready = 0;
	rc = dummy_compute();
	(void)pthread_mutex_unlock(&secret_lock);
	return (rc);
}

int
xz_secret_hash(const char *secret, size_t len,
    const struct xz_pwhash_params *params, char out[crypto_pwhash_STRBYTES])
{
	struct xz_pwhash_params	p;

	if (secret == NULL) {
		if (len != 0)
			return (-1);
		secret = "";
	}
	if (len > XZ_SECRET_MAX || secret_init() == -1)
		return (-1);
	if (params != NULL)
		p = *params;
	else
		params_current(&p);
	if (!params_valid(&p))
		return (-1);
	if (crypto_pwhash_str_alg(out, secret, len, p.opslimit, p.memlimit,
	    crypto_pwhash_ALG_ARGON2ID13) != 0)
		return (-1);
	return (0);
}

int
xz_secret_verify(const char *stored, const char *secret, size_t len)
{
	char		dummy[crypto_pwhash_STRBYTES];
	int		ignored;

	if (secret == NULL) {
		if (len != 0)
			return (0);
		secret = "";
	}
	/* Depends on the input alone, not on the account: no oracle. */
	if (len > XZ_SECRET_MAX || secret_init() == -1)
		return (0);
	if (stored_usable(stored))
		return (crypto_pwhash_str_verify(stored, secret, len) == 0);

	/*
	 * Unknown account, or a stored value we refuse (argon2i, bcrypt, a
	 * disabled marker, garbage): do the work of a real verification so
	 * the answer's timing does not tell which, then refuse whatever
	 * the outcome.
	 */
	if (dummy_get(dummy) == 0) {
		ignored = crypto_pwhash_str_verify(dummy, secret, len);
		(void)ignored;
	}
	sodium_memzero(dummy, sizeof(dummy));
	return (0);
}

int
xz_secret_needs_rehash(const char *stored,
    const struct xz_pwhash_params *params)
{
	struct xz_pwhash_params	p;

	if (!stored_usable(stored))
		return (1);
	if (params != NULL)
		p = *params;
	else
		params_current(&p);
	/* 1: other t or m; -1: cannot happen after stored_usable(). */
	return (crypto_pwhash_argon2id_str_needs_rehash(stored, p.opslimit,
	    p.memlimit) != 0);
}

/*
 * Password policy, checked in this order:
 *  - invalid_characters: not UTF-8, or a NUL, C0, DEL or C1 control.
 *    Spaces (ASCII and U+3000) are allowed: passphrases are welcome.
 *    No Unicode normalisation is done; the bytes sent are the bytes
 *    hashed, so clients should send NFC (Chinese IMEs do).
 *  - too_short / too_long: fewer than XZ_PASSWORD_MIN or more than
 *    XZ_PASSWORD_MAX code points (a CJK character counts as one).
 *  - same_as_login: the login name, ASCII letters in any case, with
 *    optionally a run of digits before and/or after it ("zhangsan2024",
 *    "2024zhangsan", "88zhangsan88"); ASCII and full-width digits count.
 *    Other decorations ("zhangsan!!") and the login as a mere part of a
 *    longer phrase are allowed.
 *  - too_simple: one character repeated ("aaaaaaaaaa", ten 哈), or a run
 *    of consecutive code points either way ("0123456789", "zyxwvutsrq"),
 *    ASCII letters compared in any case.
 */
int
xz_password_check(const char *password, size_t len, const char *login,
    char *code_out, size_t codelen)
{
	const unsigned char	*p;
	size_t			i, n;
	long			count;
	uint32_t		cp, first, prev;
	int			same, up, down;

	if (password == NULL)
		len = 0;
	if ((count = xz_utf8_len(password, len)) < 0)
		return (password_code(code_out, codelen,
		    "invalid_characters"));

	p = (const unsigned char *)password;
	first = prev = 0;
	same = up = down = 1;
	for (i = 0; i < len; i += n) {
		n = utf8_next(p + i, len - i, &cp);
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
			return (password_code(code_out, codelen,
			    "invalid_characters"));
		cp = ascii_fold(cp);
		if (i == 0) {
			first = prev = cp;
			continue;
		}
		same = same && cp == first;
		up = up && cp == prev + 1;
		down = down && cp + 1 == prev;
		prev = cp;
	}

	if (count < XZ_PASSWORD_MIN)
		return (password_code(code_out, codelen, "too_short"));
	if (count > XZ_PASSWORD_MAX)
		return (password_code(code_out, codelen, "too_long"));
	if (login != NULL && login_with_digits(password, len, login))
		return (password_code(code_out, codelen, "same_as_login"));
	if (same || up || down)
		return (password_code(code_out, codelen, "too_simple"));
	if (code_out != NULL && codelen > 0)
		code_out[0] = '\0';
	return (0);
}

int
xz_secret_generate(char *out, size_t outlen)
{
	return (random_b64(out, outlen));
}

int
xz_token_generate(char *out, size_t outlen)
{
	return (random_b64(out, outlen));
}

void
xz_token_digest(const char *token, char hex_out[65])
{
	unsigned char	d[crypto_hash_sha256_BYTES];

	if (token == NULL)
		token = "";
	(void)crypto_hash_sha256(d, (const unsigned char *)token,
	    strlen(token));
	(void)sodium_bin2hex(hex_out, 65, d, sizeof(d));
}

/* sodium_init() picks the fast argon2 code; it is idempotent and locked. */
static int
secret_init(void)
{
	return (sodium_init() < 0 ? -1 : 0);
}

static int
params_valid(const struct xz_pwhash_params *p)
{
	return (p->opslimit >= XZ_PWHASH_OPS_MIN &&
	    p->opslimit <= XZ_PWHASH_OPS_MAX &&
	    p->memlimit >= XZ_PWHASH_MEM_MIN &&
	    p->memlimit <= XZ_PWHASH_MEM_MAX &&
	    p->memlimit % 1024 == 0);
}

static void
params_current(struct xz_pwhash_params *p)
{
	(void)pthread_mutex_lock(&secret_lock);
	*p = secret_params;
	(void)pthread_mutex_unlock(&secret_lock);
}

/* With secret_lock held: the dummy is a hash of random bytes nobody has. */
static int
dummy_compute(void)
{
	unsigned char	pw[XZ_RANDOM_BYTES];
	int		rc;

	randombytes_buf(pw, sizeof(pw));
	rc = crypto_pwhash_str_alg(secret_dummy, (const char *)pw, sizeof(pw),
	    secret_params.opslimit, secret_params.memlimit,
	    crypto_pwhash_ALG_ARGON2ID13);
	sodium_memzero(pw, sizeof(pw));
	if (rc != 0)
		return (-1);
	secret_dummy_ready = 1;
	return (0);
}

static int
dummy_get(char out[crypto_pwhash_STRBYTES])
{
	int		rc;

	rc = 0;
	(void)pthread_mutex_lock(&secret_lock);
	if (!secret_dummy_ready)
		rc = dummy_compute();
	if (rc == 0)
		memcpy(out, secret_dummy, crypto_pwhash_STRBYTES);
	(void)pthread_mutex_unlock(&secret_lock);
	return (rc);
}

/*
 * A well-formed argon2id string.  libsodium would also verify argon2i
 * strings; we refuse them so nothing weaker than configured is accepted.
 */
static int
stored_usable(const char *stored)
{
	if (stored == NULL ||
	    strnlen(stored, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
		return (0);
	if (strncmp(stored, ARGON2ID_PREFIX, sizeof(ARGON2ID_PREFIX) - 1) != 0)
		return (0);
	/* Only parses the string: -1 when it is malformed. */
	return (crypto_pwhash_argon2id_str_needs_rehash(stored,
	    XZ_PWHASH_OPS_MIN, XZ_PWHASH_MEM_MIN) != -1);
}

static int
random_b64(char *out, size_t outlen)
{
	unsigned char	raw[XZ_RANDOM_BYTES];
	char		enc[((XZ_RANDOM_BYTES + 2) / 3) * 4 + 1];

	if (out == NULL || outlen < XZ_RANDOM_BUFSZ || secret_init() == -1)
		return (-1);
	randombytes_buf(raw, sizeof(raw));
	(void)xz_b64url_encode(raw, sizeof(raw), enc);
	memcpy(out, enc, XZ_RANDOM_BUFSZ);
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(enc, sizeof(enc));
	return (0);
}

static int
password_code(char *out, size_t outlen, const char *code)
{
	if (out != NULL && outlen > 0)
		(void)snprintf(out, outlen, "%s", code);
	return (-1);
}

/* Decodes one code point of UTF-8 already validated by xz_utf8_len(). */
static size_t
utf8_next(const unsigned char *s, size_t left, uint32_t *cp)
{
	size_t		n, k;

	if (s[0] < 0x80) {
		*cp = s[0];
		return (1);
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		*cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		*cp = s[0] & 0x0f;
	} else {
		n = 4;
		*cp = s[0] & 0x07;
	}
	if (n > left)
		n = left;
	for (k = 1; k < n; k++)
		*cp = (*cp << 6) | (s[k] & 0x3f);
	return (n);
}

static uint32_t
ascii_fold(uint32_t cp)
{
	return (cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp);
}

/* Bytes of the ASCII or full-width (U+FF10..U+FF19) digit at s, or 0. */
static size_t
digit_width(const unsigned char *s, size_t left)
{
	if (left >= 1 && s[0] >= '0' && s[0] <= '9')
		return (1);
	if (left >= 3 && s[0] == 0xef && s[1] == 0xbc &&
	    s[2] >= 0x90 && s[2] <= 0x99)
		return (3);
	return (0);
}

/* 1 when pw is digits, then login (ASCII case ignored), then digits. */
static int
login_with_digits(const char *pw, size_t len, const char *login)
{
	const unsigned char	*p = (const unsigned char *)pw;
	const unsigned char	*l = (const unsigned char *)login;
	size_t			 llen, i, j, k, w, d;

	if ((llen = strlen(login)) == 0)
		return (0);
	for (i = 0;; i += w) {
		if (len - i >= llen) {
			for (j = 0; j < llen; j++) {
				if (ascii_fold(p[i + j]) != ascii_fold(l[j]))
					break;
			}
			if (j == llen) {
				for (k = i + llen; k < len; k += d) {
					if ((d = digit_width(p + k,
					    len - k)) == 0)
						break;
				}
				if (k == len)
					return (1);
			}
		}
		if ((w = digit_width(p + i, len - i)) == 0)
			return (0);
	}
}
