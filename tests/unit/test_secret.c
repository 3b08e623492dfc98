/*
 * Unit tests: argon2id hashing and verification, the dummy verification
 * for unknown accounts, the password policy, generated secrets and token
 * digests.  Small argon2id parameters (8 MiB, t=2) keep them fast.
 */

#include <string.h>
#include <time.h>

#include <sodium.h>

#include "xiangzhi/core.h"
#include "xiangzhi/secret.h"
#include "tap.h"

static const struct xz_pwhash_params	test_params = { 2, 8 * 1024 * 1024 };

static double	now(void);
static int	b64url_only(const char *);
static int	policy(const char *, const char *, const char *);
static void	test_params_parse(void);
static void	test_hash_verify(void);
static void	test_refused_hashes(void);
static void	test_rehash(void);
static void	test_timing(void);
static void	test_policy(void);
static void	test_generate(void);
static void	test_digest(void);

void
test_secret(void)
{
	test_params_parse();
	ok(xz_secret_configure(&test_params) == 0,
	    "configure with test parameters computes the dummy hash");
	test_hash_verify();
	test_refused_hashes();
	test_rehash();
	test_timing();
	test_policy();
	test_generate();
	test_digest();
}

static void
test_params_parse(void)
{
	struct xz_pwhash_params	p, bad = { 1, 8 * 1024 * 1024 };
	char			err[160];

	ok(xz_pwhash_params_parse(NULL, NULL, &p, err, sizeof(err)) == 0 &&
	    p.opslimit == crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE &&
	    p.memlimit == crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE,
	    "absent settings give libsodium's INTERACTIVE limits");
	ok(xz_pwhash_params_parse("3", "262144", &p, err, sizeof(err)) == 0 &&
	    p.opslimit == 3 && p.memlimit == 256UL * 1024 * 1024,
	    "t=3, 262144 KiB parse as 256 MiB");
	ok(xz_pwhash_params_parse("2", "8192", &p, err, sizeof(err)) == 0 &&
	    p.memlimit == 8UL * 1024 * 1024, "8 MiB is the lower bound");
	ok(xz_pwhash_params_parse(NULL, "1048576", &p, err,
	    sizeof(err)) == 0 && p.memlimit == 1024UL * 1024 * 1024,
	    "1 GiB is the upper bound");
	p.opslimit = 99;
	err[0] = '\0';
	ok(xz_pwhash_params_parse("1", NULL, &p, err, sizeof(err)) == -1 &&
	    p.opslimit == 99 && err[0] != '\0',
	    "t=1 is refused with a message, output untouched");
	ok(xz_pwhash_params_parse("17", NULL, &p, err, sizeof(err)) == -1,
	    "t=17 is refused");
	ok(xz_pwhash_params_parse(NULL, "8191", &p, err, sizeof(err)) == -1,
	    "just under 8 MiB is refused");
	ok(xz_pwhash_params_parse(NULL, "1048577", &p, err, sizeof(err)) == -1,
	    "just over 1 GiB is refused");
	ok(xz_pwhash_params_parse("+2", NULL, &p, err, sizeof(err)) == -1 &&
	    xz_pwhash_params_parse(" 2", NULL, &p, err, sizeof(err)) == -1 &&
	    xz_pwhash_params_parse("2x", NULL, &p, err, sizeof(err)) == -1 &&
	    xz_pwhash_params_parse("", NULL, &p, err, sizeof(err)) == -1 &&
	    xz_pwhash_params_parse(NULL, "64M", &p, err, sizeof(err)) == -1,
	    "signs, spaces, suffixes and empty strings are refused");
	ok(xz_secret_configure(&bad) == -1,
	    "configure refuses parameters out of range");
}

static void
test_hash_verify(void)
{
	char		h[crypto_pwhash_STRBYTES], h2[crypto_pwhash_STRBYTES];
	char		big[XZ_SECRET_MAX + 1];
	const char	*pw = "Tr0ub4dor&3x-horse";
	const char	*zh = "春眠不觉晓处处闻啼鸟";

	ok(xz_secret_hash(pw, strlen(pw), &test_params, h) == 0,
	    "hash succeeds");
	ok(strncmp(h, "$argon2id$v=19$m=8192,t=2,p=1$",
	    strlen("$argon2id$v=19$m=8192,t=2,p=1$")) == 0,
	    "hash is argon2id with the configured m and t");
	ok(xz_secret_verify(h, pw, strlen(pw)) == 1, "right password matches");
	ok(xz_secret_verify(h, "Tr0ub4dor&3x-Horse", strlen(pw)) == 0,
	    "a password differing in case is refused");
	ok(xz_secret_verify(h, pw, strlen(pw) - 1) == 0,
	    "a truncated password is refused");
	ok(xz_secret_verify(h, "", 0) == 0 &&
	    xz_secret_verify(h, NULL, 0) == 0, "an empty password is refused");
	ok(xz_secret_hash(pw, strlen(pw), &test_params, h2) == 0 &&
	    strcmp(h, h2) != 0, "two hashes of one password differ (salt)");

	ok(xz_secret_hash(zh, strlen(zh), NULL, h) == 0 &&
	    strncmp(h, "$argon2id$v=19$m=8192,t=2,p=1$",
	    strlen("$argon2id$v=19$m=8192,t=2,p=1$")) == 0,
	    "NULL parameters mean the configured ones");
	ok(xz_secret_verify(h, zh, strlen(zh)) == 1,
	    "a Chinese password round-trips");
	ok(xz_secret_verify(h, "春眠不觉晓处处闻啼鳥",
	    strlen(zh)) == 0, "one different character is refused");

	memset(big, 'a', sizeof(big));
	ok(xz_secret_hash(big, sizeof(big), &test_params, h) == -1,
	    "a secret over XZ_SECRET_MAX bytes is not hashed");
	ok(xz_secret_verify(h2, big, sizeof(big)) == 0,
	    "a secret over XZ_SECRET_MAX bytes never matches");
	ok(xz_secret_hash(NULL, 1, &test_params, h) == -1,
	    "NULL with a length is refused");
	{
		struct xz_pwhash_params	weak = { 1, 8 * 1024 * 1024 };

		ok(xz_secret_hash(pw, strlen(pw), &weak, h) == -1,
		    "hashing with t=1 is refused");
	}
}

static void
test_refused_hashes(void)
{
	char		h[crypto_pwhash_STRBYTES], cut[crypto_pwhash_STRBYTES];
	const char	*pw = "correct horse battery";

	ok(crypto_pwhash_str_alg(h, pw, strlen(pw), 3, 8 * 1024 * 1024,
	    crypto_pwhash_ALG_ARGON2I13) == 0 &&
	    crypto_pwhash_str_verify(h, pw, strlen(pw)) == 0,
	    "libsodium itself accepts an argon2i hash");
	ok(xz_secret_verify(h, pw, strlen(pw)) == 0,
	    "an argon2i hash is refused even with the right password");
	ok(xz_secret_verify("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/"
	    "PgBkqquzi.Ss7KIUgO2t0jWMUW", pw, strlen(pw)) == 0,
	    "a bcrypt hash is refused");
	ok(xz_secret_verify("", pw, strlen(pw)) == 0 &&
	    xz_secret_verify("!", pw, strlen(pw)) == 0,
	    "empty and disabled markers are refused");
	ok(xz_secret_hash(pw, strlen(pw), &test_params, h) == 0, "hash");
	memcpy(cut, h, sizeof(cut));
	cut[strlen(cut) - 10] = '\0';
	ok(xz_secret_verify(cut, pw, strlen(pw)) == 0,
	    "a truncated argon2id string is refused");
	ok(xz_secret_verify(NULL, pw, strlen(pw)) == 0 &&
	    xz_secret_verify(NULL, "", 0) == 0,
	    "an unknown account never matches");
}

static void
test_rehash(void)
{
	struct xz_pwhash_params	more_t = { 3, 8 * 1024 * 1024 };
	struct xz_pwhash_params	more_m = { 2, 16 * 1024 * 1024 };
	char			h[crypto_pwhash_STRBYTES];
	char			h2[crypto_pwhash_STRBYTES];
	const char		*pw = "rehash me please";

	ok(xz_secret_hash(pw, strlen(pw), &test_params, h) == 0, "hash");
	ok(xz_secret_needs_rehash(h, &test_params) == 0,
	    "same parameters: no rehash");
	ok(xz_secret_needs_rehash(h, NULL) == 0,
	    "configured parameters: no rehash");
	ok(xz_secret_needs_rehash(h, &more_t) == 1, "t changed: rehash");
	ok(xz_secret_needs_rehash(h, &more_m) == 1, "m changed: rehash");
	ok(crypto_pwhash_str_alg(h2, pw, strlen(pw), 3, 8 * 1024 * 1024,
	    crypto_pwhash_ALG_ARGON2I13) == 0 &&
	    xz_secret_needs_rehash(h2, &more_t) == 1,
	    "argon2i with the same t and m: rehash");
	ok(xz_secret_needs_rehash(NULL, &test_params) == 1 &&
	    xz_secret_needs_rehash("garbage", &test_params) == 1,
	    "missing or malformed: rehash");
}

/*
 * An unknown account must cost what a known one with a wrong password
 * costs.  Interleaved runs so that machine noise hits both sides.
 */
static void
test_timing(void)
{
	char		h[crypto_pwhash_STRBYTES];
	const char	*pw = "the real password", *bad = "a guessed password";
	double		t0, known, unknown, argon2i;
	int		i, runs = 5;

	ok(xz_secret_hash(pw, strlen(pw), &test_params, h) == 0, "hash");
	(void)xz_secret_verify(h, bad, strlen(bad));	/* warm up */
	(void)xz_secret_verify(NULL, bad, strlen(bad));
	known = unknown = argon2i = 0;
	for (i = 0; i < runs; i++) {
		t0 = now();
		(void)xz_secret_verify(h, bad, strlen(bad));
		known += now() - t0;
		t0 = now();
		(void)xz_secret_verify(NULL, bad, strlen(bad));
		unknown += now() - t0;
		t0 = now();
		(void)xz_secret_verify("$argon2i$v=19$m=4096,t=3,p=1$"
		    "c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", bad, strlen(bad));
		argon2i += now() - t0;
	}
	ok(known > 0 && unknown / known >= 0.5 && unknown / known <= 2.0,
	    "unknown account takes as long as a known one "
	    "(%.2f ms vs %.2f ms)",
	    unknown * 1000 / runs, known * 1000 / runs);
	ok(known > 0 && argon2i / known >= 0.5 && argon2i / known <= 2.0,
	    "a refused stored hash takes as long too (%.2f ms)",
	    argon2i * 1000 / runs);
}

static void
test_policy(void)
{
	char	big[XZ_PASSWORD_MAX * 3 + 8], code[32];
	int	i;

	/* Accepted. */
	ok(policy("春眠不觉晓处处闻啼鸟", "zhangsan", NULL),
	    "ten 汉字 are accepted");
	ok(policy("correct horse battery", "zhangsan", NULL),
	    "an ASCII passphrase with spaces is accepted");
	ok(policy("Tr0ub4dor&3", "zhangsan", NULL), "11 ASCII are accepted");
	ok(policy("我的密码　是很长的呢", "zhangsan", NULL),
	    "an ideographic space counts as a character");
	ok(policy("zhangsan!!", "zhangsan", NULL),
	    "the login with punctuation is allowed (documented)");
	ok(policy("王小明是个好人啊哈哈", "王小明", NULL),
	    "a phrase containing a Chinese login is allowed");
	ok(policy("aaaaaaaaab", NULL, NULL), "no login: rule skipped");
	ok(policy("1357924680", "", NULL), "empty login: rule skipped");

	/* Length. */
	ok(policy("春眠不觉晓处处闻啼", "zhangsan", "too_short"),
	    "nine 汉字 are refused");
	ok(policy("Tr0ub4dor", "zhangsan", "too_short"),
	    "nine ASCII are refused");
	ok(policy("", "zhangsan", "too_short"), "empty is too short");
	big[0] = '\0';
	for (i = 0; i < XZ_PASSWORD_MAX / 2; i++)
		strcat(big, "汉字");
	ok(policy(big, "zhangsan", NULL), "128 汉字 are accepted");
	strcat(big, "汉");
	ok(policy(big, "zhangsan", "too_long"), "129 汉字 are refused");
	memset(big, 0, sizeof(big));
	for (i = 0; i < XZ_PASSWORD_MAX + 1; i++)
		big[i] = "ab"[i % 2];
	ok(policy(big, "zhangsan", "too_long"), "129 ASCII are refused");
	big[XZ_PASSWORD_MAX] = '\0';
	ok(policy(big, "zhangsan", NULL), "128 ASCII are accepted");

	/* Same as login. */
	ok(policy("wangxiaoming", "wangxiaoming", "same_as_login"),
	    "the login itself is refused");
	ok(policy("WangXiaoMing", "wangxiaoming", "same_as_login"),
	    "the login in other ASCII case is refused");
	ok(policy("wangxiaoming2024", "WangXiaoMing", "same_as_login"),
	    "the login with digits appended is refused");
	ok(policy("2024wangxiaoming", "wangxiaoming", "same_as_login"),
	    "the login with digits prepended is refused");
	ok(policy("88zhangsan88", "zhangsan", "same_as_login"),
	    "digits on both sides are refused");
	ok(policy("zhangsan１２３４", "zhangsan", "same_as_login"),
	    "full-width digits count as digits");
	ok(policy("王小明1234567", "王小明", "same_as_login"),
	    "a Chinese login with digits is refused");
	ok(policy("wang8812345678", "wang88", "same_as_login"),
	    "a login ending in digits, then more digits, is refused");
	ok(policy("123wang88", "wang88", "too_short") &&
	    policy("1234wang88", "wang88", "same_as_login"),
	    "the length rule comes first");

	/* Characters. */
	ok(policy("春眠不觉晓\n处处闻啼鸟", "zhangsan",
	    "invalid_characters"), "a newline is refused");
	ok(policy("password\tgood", "zhangsan", "invalid_characters"),
	    "a tab is refused");
	ok(policy("password\x7fgood", "zhangsan", "invalid_characters"),
	    "DEL is refused");
	ok(policy("password\xc2\x85good", "zhangsan", "invalid_characters"),
	    "a C1 control (U+0085) is refused");
	ok(policy("password\xffgood", "zhangsan", "invalid_characters"),
	    "invalid UTF-8 is refused");
	ok(policy("春眠不觉晓\xe5\xa4", "zhangsan", "invalid_characters"),
	    "a truncated 汉字 is refused");
	ok(xz_password_check("passwordgood\0x", 14, "zhangsan", code,
	    sizeof(code)) == -1 && strcmp(code, "invalid_characters") == 0,
	    "an embedded NUL is refused");

	/* Too simple. */
	ok(policy("aaaaaaaaaa", "zhangsan", "too_simple"),
	    "one repeated ASCII letter is refused");
	ok(policy("AaAaAaAaAaAa", "zhangsan", "too_simple"),
	    "one letter in mixed case is refused");
	ok(policy("哈哈哈哈哈哈哈哈哈哈", "zhangsan", "too_simple"),
	    "ten 哈 are refused");
	ok(policy("0123456789", "zhangsan", "too_simple"),
	    "ascending digits are refused");
	ok(policy("zyxwvutsrqp", "zhangsan", "too_simple"),
	    "descending letters are refused");
	ok(policy("1111111111", "1", "same_as_login"),
	    "same_as_login is reported before too_simple");

	ok(xz_password_check("short", 5, "x", NULL, 0) == -1,
	    "code_out may be NULL");
	ok(xz_password_check("春眠不觉晓处处闻啼鸟",
	    strlen("春眠不觉晓处处闻啼鸟"), "x", code, 4) == 0 &&
	    code[0] == '\0',
	    "success clears the code");
	ok(xz_password_check("short", 5, "x", code, 4) == -1 &&
	    strcmp(code, "too") == 0, "a small code buffer is truncated");
}

static void
test_generate(void)
{
	char		a[XZ_RANDOM_BUFSZ], b[XZ_RANDOM_BUFSZ];
	char		t[XZ_RANDOM_BUFSZ], u[XZ_RANDOM_BUFSZ];
	unsigned char	raw[XZ_RANDOM_BYTES + 3];

	ok(xz_secret_generate(a, sizeof(a)) == 0 &&
	    xz_secret_generate(b, sizeof(b)) == 0, "secrets generate");
	ok(strlen(a) == 43 && b64url_only(a),
	    "a secret is 43 base64url chars");
	ok(strcmp(a, b) != 0, "two secrets differ");
	ok(xz_b64url_decode(a, strlen(a), raw) == XZ_RANDOM_BYTES,
	    "a secret decodes to 32 bytes");
	ok(xz_token_generate(t, sizeof(t)) == 0 &&
	    xz_token_generate(u, sizeof(u)) == 0, "tokens generate");
	ok(strlen(t) == 43 && b64url_only(t) && strcmp(t, u) != 0,
	    "tokens are 43 base64url chars and differ");
	ok(xz_secret_generate(a, XZ_RANDOM_BUFSZ - 1) == -1 &&
	    xz_token_generate(t, XZ_RANDOM_BUFSZ - 1) == -1,
	    "a buffer too small is refused");
}

static void
test_digest(void)
{
	char	hex[65];

	xz_token_digest("abc", hex);
	ok(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad") == 0, "SHA-256(abc)");
	xz_token_digest("", hex);
	ok(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855") == 0, "SHA-256 of empty");
}

static double
now(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static int
b64url_only(const char *s)
{
	return (s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_")] == '\0');
}

/* 1 when the policy verdict on pw is want (NULL: accepted). */
static int
policy(const char *pw, const char *login, const char *want)
{
	char	code[32];
	int	rc;

	code[0] = 'x';
	code[1] = '\0';
	rc = xz_password_check(pw, strlen(pw), login, code, sizeof(code));
	if (want == NULL)
		return (rc == 0 && code[0] == '\0');
	return (rc == -1 && strcmp(code, want) == 0);
}
