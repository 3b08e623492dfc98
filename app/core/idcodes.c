/*
 * Unified social credit codes (GB 32100-2015) and resident identity
 * numbers (GB 11643-1999).  No Kore here.
 *
 * Sources.  The USCC alphabet, the weights 3^i mod 31 (1, 3, 9, ..., 28)
 * and the check C18 = 31 - (sum mod 31), with 31 written as '0', are
 * GB 32100-2015's as transcribed by many public implementations that
 * agree; 91350100M000100Y43, the example in Wikipedia's article on the
 * code, checks.  The table of registration-authority codes (position 0)
 * and organisation categories (position 1), as the same public sources
 * transcribe it (the standard's own text was not at hand): 1 机构编制
 * {1,2,3,9}, 2 外交 {1,9}, 3 司法行政 {1,2,3,4,5,9}, 4 文化 {1,9},
 * 5 民政 {1,2,3,9}, 6 旅游 {1,2,9}, 7 宗教 {1,2,9}, 8 工会 {1,9},
 * 9 工商 {1,2,3}, A 中央军委改革和编制办公室 {1,9}, N 农业 {1,2,3,9},
 * Y 其他 {1}.  Some sources list only 1, 5, 9 and Y, none lists B to G,
 * and the table has grown by amendment.  Refusing a real code because of
 * a stale copy of it would stop a cooperative from being registered, so
 * neither position is checked: the check character already catches any
 * single substitution (31 is prime and no weight is 0 mod 31).
 *
 * GB 11643-1999: 6-digit division code (GB/T 2260), birth date YYYYMMDD,
 * 3-digit sequence, ISO 7064 MOD 11-2 check over the 17 digits with
 * weights 2^(17-i) mod 11 and "10X98765432"[sum mod 11].  The province
 * codes (the first two digits) are GB/T 2260's; 81, 82 and 83 are those
 * of the residence permits of Hong Kong, Macao and Taiwan residents (2018),
 * which use the same number format.
 */

#include <sys/types.h>

#include <string.h>
#include <time.h>

#include "xiangzhi/core.h"
#include "xiangzhi/idcodes.h"

static const char	uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int	uscc_weights[17] = {
	1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};

static const char	rid_check[] = "10X98765432";
static const int	rid_weights[17] = {
	7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2
};

/* GB/T 2260 provinces, then Hong Kong, Macao, Taiwan residence permits. */
static const char	*rid_provinces[] = {
	"11", "12", "13", "14", "15",
	"21", "22", "23",
	"31", "32", "33", "34", "35", "36", "37",
	"41", "42", "43", "44", "45", "46",
	"50", "51", "52", "53", "54",
	"61", "62", "63", "64", "65",
	"71",
	"81", "82", "83"
};

/* China Standard Time: UTC+8 all year since 1991. */
#define CST_OFFSET	(8LL * 60 * 60)

static int	uscc_value(char);
static int	is_digits(const char *, size_t);
static int	leap_year(int);
static int	birth_date_ok(const char *, time_t);

static int
uscc_value(char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(uscc_alphabet, c)) == NULL)
		return (-1);
	return ((int)(p - uscc_alphabet));
}

static int
is_digits(const char *s, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (0);
	}
	return (1);
}

static int
leap_year(int y)
{
	return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
}

/* s holds eight digits YYYYMMDD. */
static int
birth_date_ok(const char *s, time_t now)
{
	static const int	mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int			y, m, d, last;

	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[4] - '0') * 10 + (s[5] - '0');
	d = (s[6] - '0') * 10 + (s[7] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return (0);
	last = mdays[m - 1];
	if (m == 2 && leap_year(y))
		last = 29;
	if (d > last)
		return (0);

	/* Born by now when its first second, in UTC+8, is not after now. */
	return ((long long)now >=
	    xz_days_from_civil(y, m, d) * 86400LL - CST_OFFSET);
}

int
xz_uscc_check_char(const char *s)
{
	int		i, v, sum;

	if (s == NULL)
		return (-1);
	sum = 0;
	for (i = 0; i < 17; i++) {
		if ((v = uscc_value(s[i])) < 0)
			return (-1);
		sum += v * uscc_weights[i];
	}
	return (uscc_alphabet[(31 - sum % 31) % 31]);
}

const char *
xz_uscc_problem(const char *s)
{
	int		i;

	if (s == NULL || strnlen(s, XZ_USCC_LEN + 1) != XZ_USCC_LEN)
		return ("length");
	for (i = 0; i < XZ_USCC_LEN; i++) {
		if (uscc_value(s[i]) < 0)
			return ("alphabet");
	}
	if (!is_digits(s + 2, 6))
		return ("division");
	if (xz_uscc_check_char(s) != s[17])
		return ("check_character");
	return (NULL);
}

int
xz_uscc_valid(const char *s)
{
	return (xz_uscc_problem(s) == NULL);
}

int
xz_resident_id_check_char(const char *s)
{
	int		i, sum;

	if (s == NULL)
		return (-1);
	sum = 0;
	for (i = 0; i < 17; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		sum += (s[i] - '0') * rid_weights[i];
	}
	return (rid_check[sum % 11]);
}

const char *
xz_resident_id_problem(const char *s, time_t now)
{
	size_t		i;
	int		province;

	if (s == NULL ||
	    strnlen(s, XZ_RESIDENT_ID_LEN + 1) != XZ_RESIDENT_ID_LEN)
		return ("length");
	if (!is_digits(s, 17) ||
	    ((s[17] < '0' || s[17] > '9') && s[17] != 'X'))
		return ("alphabet");
	province = 0;
	for (i = 0; i < sizeof(rid_provinces) / sizeof(rid_provinces[0]);
	    i++) {
		if (strncmp(s, rid_provinces[i], 2) == 0)
			province = 1;
	}
	if (!province)
		return ("division");
	if (!birth_date_ok(s + 6, now))
		return ("birth_date");
	if (xz_resident_id_check_char(s) != s[17])
		return ("check_character");
	return (NULL);
}

int
xz_resident_id_valid(const char *s, time_t now)
{
	return (xz_resident_id_problem(s, now) == NULL);
}

void
xz_resident_id_mask(const char *id, char out[XZ_RESIDENT_ID_LEN + 1])
{
	if (id == NULL ||
	    strnlen(id, XZ_RESIDENT_ID_LEN + 1) != XZ_RESIDENT_ID_LEN) {
		memset(out, '*', XZ_RESIDENT_ID_LEN);
	} else {
		memcpy(out, id, 6);
		memset(out + 6, '*', 8);
		memcpy(out + 14, id + 14, 4);
	}
	out[XZ_RESIDENT_ID_LEN] = '\0';
}
