/*
 * Unit tests: unified social credit codes (GB 32100-2015), resident
 * identity numbers (GB 11643-1999) and their masking.
 *
 * Check characters are recomputed here independently of idcodes.c: the
 * USCC weights as powers of 3 mod 31, the GB 11643 weights as powers of 2
 * mod 11 with ISO 7064's (12 - sum mod 11) mod 11.  The hard-coded codes
 * were computed apart (in Python) and agree with both.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "xiangzhi/idcodes.h"
#include "tap.h"

void	test_idcodes(void);

static const char	t_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* 2025-06-15 00:00:00 in UTC+8 (2025-06-14T16:00:00Z). */
#define T_NOW		((time_t)1749916800)
/* 2200-01-01T00:00:00Z and 2401-01-01T00:00:00Z. */
#define T_2200		((time_t)7258118400LL)
#define T_2401		((time_t)13601088000LL)

static char	t_uscc_check(const char *);
static char	t_rid_check(const char *);
static void	t_uscc_make(char *, const char *);
static void	t_rid_make(char *, const char *);
static int	uscc_is(const char *, const char *);
static int	rid_is(const char *, time_t, const char *);
static int	born(const char *, time_t, const char *);
static void	test_uscc_valid(void);
static void	test_uscc_wrap(void);
static void	test_uscc_mutations(void);
static void	test_uscc_refused(void);
static void	test_rid_valid(void);
static void	test_rid_mutations(void);
static void	test_rid_refused(void);
static void	test_rid_dates(void);
static void	test_rid_division(void);
static void	test_mask(void);

void
test_idcodes(void)
{
	test_uscc_valid();
	test_uscc_wrap();
	test_uscc_mutations();
	test_uscc_refused();
	test_rid_valid();
	test_rid_mutations();
	test_rid_refused();
	test_rid_dates();
	test_rid_division();
	test_mask();
}

/* GB 32100 check character of body[0..16], or '?' outside the alphabet. */
static char
t_uscc_check(const char *body)
{
	const char	*p;
	int		i, sum, w;

	sum = 0;
	w = 1;
	for (i = 0; i < 17; i++) {
		if (body[i] == '\0' ||
		    (p = strchr(t_alphabet, body[i])) == NULL)
			return ('?');
		sum += (int)(p - t_alphabet) * w;
		w = w * 3 % 31;
	}
	sum %= 31;
	return (sum == 0 ? '0' : t_alphabet[31 - sum]);
}

/* ISO 7064 MOD 11-2 check character of 17 digits. */
static char
t_rid_check(const char *body)
{
	int		i, sum, w, c;

	sum = 0;
	w = 1;
	for (i = 16; i >= 0; i--) {
		w = w * 2 % 11;		/* 2^(17 - i) mod 11 */
		sum += (body[i] - '0') * w;
	}
	c = (12 - sum % 11) % 11;
	return (c == 10 ? 'X' : (char)('0' + c));
}

/* out[19] = the 17 characters of body and their check character. */
static void
t_uscc_make(char *out, const char *body)
{
	memcpy(out, body, 17);
	out[17] = t_uscc_check(body);
	out[18] = '\0';
}

static void
t_rid_make(char *out, const char *body)
{
	memcpy(out, body, 17);
	out[17] = t_rid_check(body);
	out[18] = '\0';
}

/* The problem is want (NULL: valid) and _valid agrees with it. */
static int
uscc_is(const char *s, const char *want)
{
	const char	*got;

	got = xz_uscc_problem(s);
	if (want == NULL)
		return (got == NULL && xz_uscc_valid(s) == 1);
	return (got != NULL && strcmp(got, want) == 0 &&
	    xz_uscc_valid(s) == 0);
}

static int
rid_is(const char *s, time_t now, const char *want)
{
	const char	*got;

	got = xz_resident_id_problem(s, now);
	if (want == NULL)
		return (got == NULL && xz_resident_id_valid(s, now) == 1);
	return (got != NULL && strcmp(got, want) == 0 &&
	    xz_resident_id_valid(s, now) == 0);
}

static void
test_uscc_valid(void)
{
	static const char	*bodies[] = {
		"91350100M000100Y4", "93330599MA2P00000", "N2330599MA2C3HK1R",
		"51110000500000000", "Y1100000000000000", "12100000400012345"
	};
	char			code[19], body[18], shortbody[5] = "9135";
	unsigned int		x;
	size_t			i;
	int			bad, j;

	ok(uscc_is("91350100M000100Y43", NULL),
	    "91350100M000100Y43 (the example quoted with GB 32100) is valid");
	ok(t_uscc_check("91350100M000100Y4") == '3',
	    "and the test's own check character agrees");
	ok(uscc_is("91440300708461136T", NULL),
	    "a letter check character (T) is valid");
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		t_uscc_make(code, bodies[i]);
		ok(uscc_is(code, NULL), "%s is valid", code);
	}

	/* Pseudo-random bodies (fixed LCG): both computations agree. */
	bad = 0;
	x = 12345;
	for (i = 0; i < 2000; i++) {
		for (j = 0; j < 17; j++) {
			x = x * 1103515245u + 12345u;
			if (j >= 2 && j <= 7)
				body[j] = (char)('0' + (x >> 16) % 10);
			else
				body[j] = t_alphabet[(x >> 16) % 31];
		}
		body[17] = '\0';
		t_uscc_make(code, body);
		if (xz_uscc_check_char(body) != code[17] ||
		    !uscc_is(code, NULL))
			bad++;
	}
	ok(bad == 0, "2000 generated codes: check characters agree (%d bad)",
	    bad);
	ok(xz_uscc_check_char(NULL) == -1, "check_char(NULL) is -1");
	ok(xz_uscc_check_char("91350100M00010OY4") == -1,
	    "check_char of a body with an O is -1");
	ok(xz_uscc_check_char(shortbody) == -1,
	    "check_char of a short body is -1 (stops at the NUL)");
}

/*
 * The check value 31 - (sum mod 31) is 31 when the sum is 0 mod 31: it
 * wraps to index 0, '0'.  Index 30, 'Y', is the other end.
 */
static void
test_uscc_wrap(void)
{
	char		code[19];
	const char	*c;

	ok(uscc_is("93330599MA2P000000", NULL),
	    "sum = 0 mod 31: check character '0' (31 wraps to 0)");
	ok(t_uscc_check("93330599MA2P00000") == '0',
	    "the test's computation agrees on '0'");
	ok(xz_uscc_check_char("93330599MA2P00000") == '0',
	    "check_char gives '0', never the NUL past the alphabet");
	ok(uscc_is("93330599MA2P00000Y", "check_character"),
	    "and 'Y' there is refused");
	ok(uscc_is("93330599MA2P40000Y", NULL),
	    "sum = 1 mod 31: check character 'Y' (index 30)");
	ok(uscc_is("93330599MA2P400000", "check_character"),
	    "and '0' there is refused");
	ok(uscc_is("93330599MA2XX00000", NULL) &&
	    uscc_is("93330599MA2X20000Y", NULL),
	    "another pair: ...MA2XX00000 and ...MA2X20000Y");

	/* Every check index is reachable: vary one body character. */
	memcpy(code, "91330599MA2800001", 17);
	code[18] = '\0';
	for (c = t_alphabet; *c != '\0'; c++) {
		code[16] = *c;
		code[17] = t_uscc_check(code);
		if (!uscc_is(code, NULL))
			break;
	}
	ok(*c == '\0', "31 consecutive last-body characters all check");
}

/* Every single-character substitution of a valid code is refused. */
static void
test_uscc_mutations(void)
{
	static const char	*valid[] = {
		"91350100M000100Y43", "93330599MA2P000000",
		"93330599MA2P40000Y"
	};
	static const char	extra[] = "IOZSVabyz -*\x7f\xff";
	char			code[19];
	const char		*c;
	size_t			v;
	int			pos, tried, bad;

	for (v = 0; v < sizeof(valid) / sizeof(valid[0]); v++) {
		for (pos = 0; pos < XZ_USCC_LEN; pos++) {
			tried = bad = 0;
			memcpy(code, valid[v], sizeof(code));
			for (c = t_alphabet; *c != '\0'; c++) {
				if (*c == valid[v][pos])
					continue;
				code[pos] = *c;
				tried++;
				if (xz_uscc_valid(code) ||
				    xz_uscc_problem(code) == NULL)
					bad++;
			}
			for (c = extra; *c != '\0'; c++) {
				code[pos] = *c;
				tried++;
				if (!uscc_is(code, "alphabet"))
					bad++;
			}
			ok(tried == 30 + (int)sizeof(extra) - 1 && bad == 0,
			    "%s: all %d changes at position %d are refused",
			    valid[v], tried, pos);
		}
	}
}

static void
test_uscc_refused(void)
{
	char		buf[32];

	ok(uscc_is(NULL, "length"), "NULL: length");
	ok(uscc_is("", "length"), "empty: length");
	ok(uscc_is("91350100M000100Y4", "length"), "17 characters: length");
	ok(uscc_is("91350100M000100Y433", "length"), "19 characters: length");
	memcpy(buf, "91350100M000100Y43", 19);
	buf[9] = '\0';
	ok(uscc_is(buf, "length"), "a NUL in the middle: length");
	ok(uscc_is("91350100m000100Y43", "alphabet"),
	    "lower case is refused, not folded");
	ok(uscc_is("91350100M000100y43", "alphabet"), "lower-case y");
	ok(uscc_is("91350100M000I00Y43", "alphabet"), "I is not used");
	ok(uscc_is("91350100M000O00Y43", "alphabet"), "O is not used");
	ok(uscc_is("91350100M000Z00Y43", "alphabet"), "Z is not used");
	ok(uscc_is("91350100M000S00Y43", "alphabet"), "S is not used");
	ok(uscc_is("91350100M000V00Y43", "alphabet"), "V is not used");
	ok(uscc_is("91350100M000100Y4I", "alphabet"),
	    "I as check character: alphabet");
	ok(uscc_is("91350100M000100Y4 ", "alphabet"), "a space: alphabet");
	ok(uscc_is("９1350100M000100Y43", "length"),
	    "a full-width digit makes it 20 bytes: length");
	ok(uscc_is("9135010\xe4\xb8\x80M000100Y", "alphabet"),
	    "a CJK character in 18 bytes: alphabet");
	ok(uscc_is("913A0100M000100Y43", "division"),
	    "a letter in the division code (position 3)");
	ok(uscc_is("91350100M000100Y42", "check_character"),
	    "a wrong check character");
	ok(uscc_is("91350100M000100Y4m", "alphabet"),
	    "a lower-case check character is alphabet, not check");
	ok(uscc_is("9135010AM000100Y4I", "alphabet"),
	    "alphabet is reported before division");
}

static void
test_rid_valid(void)
{
	static const char	*known[] = {
		"330599199001011040", "330599199001011091",
		"33059919900101118X", "330599199001011120",
		"330599200002291000", "33059920000229106X",
		"330599200002291019"
	};
	char			id[19], body[18], shortbody[7] = "110105";
	unsigned int		x;
	size_t			i;
	int			bad;

	ok(rid_is("11010519491231002X", T_NOW, NULL),
	    "11010519491231002X (the GB 11643 example) is valid");
	ok(t_rid_check("11010519491231002") == 'X',
	    "and the test's own check character agrees");
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ok(rid_is(known[i], T_NOW, NULL), "%s is valid", known[i]);
	ok(rid_is("330599199001011040", T_NOW, NULL) &&
	    t_rid_check("33059919900101104") == '0',
	    "check '0': sum = 1 mod 11");
	ok(rid_is("330599199001011091", T_NOW, NULL) &&
	    t_rid_check("33059919900101109") == '1',
	    "check '1': sum = 0 mod 11 (the wrap)");
	ok(rid_is("33059919900101118x", T_NOW, "alphabet"),
	    "a lower-case x is refused, not folded");
	ok(rid_is("330599199001011180", T_NOW, "check_character") &&
	    rid_is("33059919900101104X", T_NOW, "check_character"),
	    "0 for X and X for 0 are refused");

	/* Generated numbers over 1900..2024: both computations agree. */
	bad = 0;
	x = 777;
	for (i = 0; i < 2000; i++) {
		x = x * 1103515245u + 12345u;
		(void)snprintf(body, sizeof(body), "33%04u%04u%02u%02u%03u",
		    (x >> 8) % 10000, 1900 + (x >> 4) % 125,
		    1 + (x >> 12) % 12, 1 + (x >> 16) % 28, (x >> 20) % 1000);
		t_rid_make(id, body);
		if (xz_resident_id_check_char(body) != id[17] ||
		    !rid_is(id, T_NOW, NULL))
			bad++;
	}
	ok(bad == 0, "2000 generated numbers: check characters agree (%d bad)",
	    bad);
	ok(xz_resident_id_check_char(NULL) == -1, "check_char(NULL) is -1");
	ok(xz_resident_id_check_char("1101051949123100X") == -1,
	    "check_char of a body with an X is -1");
	ok(xz_resident_id_check_char(shortbody) == -1,
	    "check_char of a short body is -1 (stops at the NUL)");
}

static void
test_rid_mutations(void)
{
	static const char	*valid[] = {
		"11010519491231002X", "330599199001011040",
		"330599199001011091", "330599200002291019"
	};
	static const char	other[] = "0123456789X";
	char			id[19];
	const char		*c;
	size_t			v;
	int			pos, tried, bad;

	for (v = 0; v < sizeof(valid) / sizeof(valid[0]); v++) {
		for (pos = 0; pos < XZ_RESIDENT_ID_LEN; pos++) {
			tried = bad = 0;
			memcpy(id, valid[v], sizeof(id));
			for (c = other; *c != '\0'; c++) {
				if (*c == valid[v][pos])
					continue;
				id[pos] = *c;
				tried++;
				if (xz_resident_id_valid(id, T_NOW) ||
				    xz_resident_id_problem(id, T_NOW) == NULL)
					bad++;
			}
			ok(tried == 10 && bad == 0,
			    "%s: all %d changes at position %d are refused",
			    valid[v], tried, pos);
		}
	}
}

static void
test_rid_refused(void)
{
	char		buf[32];

	ok(rid_is(NULL, T_NOW, "length"), "NULL: length");
	ok(rid_is("", T_NOW, "length"), "empty: length");
	ok(rid_is("11010519491231002", T_NOW, "length"),
	    "17 characters: length");
	ok(rid_is("11010519491231002X1", T_NOW, "length"),
	    "19 characters: length");
	ok(rid_is("110105491231002", T_NOW, "length"),
	    "a 15-digit (pre-1999) number: length");
	memcpy(buf, "11010519491231002X", 19);
	buf[8] = '\0';
	ok(rid_is(buf, T_NOW, "length"), "a NUL in the middle: length");
	ok(rid_is("1101051949123100XX", T_NOW, "alphabet"),
	    "X only as the check character");
	ok(rid_is("11010519491231002A", T_NOW, "alphabet"),
	    "A as check character");
	ok(rid_is("110105 9491231002X", T_NOW, "alphabet"), "a space");
	ok(rid_is("11010519491231002-", T_NOW, "alphabet"), "a hyphen");
	ok(rid_is("１10105194912310X", T_NOW, "alphabet"),
	    "a full-width digit in 18 bytes: alphabet");
	ok(rid_is("11010519491231002Y", T_NOW, "alphabet"),
	    "Y as check character");
	ok(rid_is("19010519491231002X", T_NOW, "division"),
	    "division before birth date and check");
	ok(rid_is("11010519491331002X", T_NOW, "birth_date"),
	    "birth date before check: month 13");
	ok(rid_is("110105194912310021", T_NOW, "check_character"),
	    "a wrong check character");
}

/* The problem of a number born on date (YYYYMMDD) at now. */
static int
born(const char *date, time_t now, const char *want)
{
	char	body[18], id[19];

	(void)snprintf(body, sizeof(body), "330599%.8s123", date);
	t_rid_make(id, body);
	return (rid_is(id, now, want));
}

static void
test_rid_dates(void)
{
	ok(born("19000101", T_NOW, NULL), "1900-01-01 is the earliest");
	ok(born("18991231", T_NOW, "birth_date"), "1899-12-31 is too early");
	ok(born("00000101", T_NOW, "birth_date"), "year 0000 is too early");
	ok(born("19000228", T_NOW, NULL), "1900-02-28 is valid");
	ok(born("19000229", T_NOW, "birth_date"),
	    "1900-02-29: 1900 is not a leap year (century rule)");
	ok(born("20000229", T_NOW, NULL),
	    "2000-02-29: 2000 is a leap year (400 rule)");
	ok(born("19960229", T_NOW, NULL), "1996-02-29: leap year");
	ok(born("19970229", T_NOW, "birth_date"), "1997-02-29: not leap");
	ok(born("20240229", T_NOW, NULL), "2024-02-29: leap year");
	ok(born("20230229", T_NOW, "birth_date"), "2023-02-29: not leap");
	ok(born("20000230", T_NOW, "birth_date"), "February 30 never");
	ok(born("21000229", T_2200, "birth_date"),
	    "2100-02-29 (now 2200): 2100 is not a leap year");
	ok(born("21000228", T_2200, NULL), "2100-02-28 (now 2200) is valid");
	ok(born("24000229", T_2401, NULL),
	    "2400-02-29 (now 2401): 2400 is a leap year");
	ok(born("19800001", T_NOW, "birth_date"), "month 00");
	ok(born("19801301", T_NOW, "birth_date"), "month 13");
	ok(born("19800100", T_NOW, "birth_date"), "day 00");
	ok(born("19800132", T_NOW, "birth_date"), "January 32");
	ok(born("19800131", T_NOW, NULL) && born("19801231", T_NOW, NULL),
	    "January 31 and December 31");
	ok(born("19800430", T_NOW, NULL), "April 30");
	ok(born("19800431", T_NOW, "birth_date") &&
	    born("19800631", T_NOW, "birth_date") &&
	    born("19800931", T_NOW, "birth_date") &&
	    born("19801131", T_NOW, "birth_date"),
	    "the 31st of April, June, September, November");
	ok(born("19800731", T_NOW, NULL) && born("19800831", T_NOW, NULL),
	    "July 31 and August 31");

	/* now is 2025-06-15 00:00:00 UTC+8, still 06-14 in UTC. */
	ok(born("20250615", T_NOW, NULL),
	    "born today (UTC+8) at its first second");
	ok(born("20250615", T_NOW - 1, "birth_date"),
	    "born tomorrow, one second earlier (06-14 23:59:59 UTC+8)");
	ok(born("20250614", T_NOW - 1, NULL), "born today at that second");
	ok(born("20250616", T_NOW, "birth_date"), "born tomorrow");
	ok(born("20260101", T_NOW, "birth_date"), "born next year");
	ok(born("99991231", T_NOW, "birth_date"), "born in 9999");
	ok(born("20250615", (time_t)0, "birth_date"),
	    "now at the epoch: 2025 is the future");
	ok(born("19691231", (time_t)0, NULL) &&
	    born("19700101", (time_t)0, NULL),
	    "now at the epoch (08:00 UTC+8): 1969-12-31 and 1970-01-01");
	ok(born("19700102", (time_t)0, "birth_date"),
	    "now at the epoch: 1970-01-02 is the future");
	ok(born("19000101", (time_t)-2208988800LL - 8 * 3600, NULL) &&
	    born("19000102", (time_t)-2208988800LL - 8 * 3600, "birth_date"),
	    "now 1900-01-01 00:00 UTC+8 (before the epoch)");
}

static void
test_rid_division(void)
{
	static const char	*provinces[] = {
		"11", "12", "13", "14", "15", "21", "22", "23", "31", "32",
		"33", "34", "35", "36", "37", "41", "42", "43", "44", "45",
		"46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
		"65", "71", "81", "82", "83"
	};
	static const char	*others[] = {
		"00", "09", "10", "16", "19", "20", "24", "30", "38", "40",
		"47", "49", "55", "60", "66", "70", "72", "80", "84", "89",
		"90", "91", "99"
	};
	char			body[18], id[19];
	size_t			i;
	int			bad;

	bad = 0;
	for (i = 0; i < sizeof(provinces) / sizeof(provinces[0]); i++) {
		(void)snprintf(body, sizeof(body), "%s010019800101123",
		    provinces[i]);
		t_rid_make(id, body);
		if (!rid_is(id, T_NOW, NULL))
			bad++;
	}
	ok(bad == 0, "all 35 province codes (with 81, 82, 83) are valid");
	bad = 0;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		(void)snprintf(body, sizeof(body), "%s010019800101123",
		    others[i]);
		t_rid_make(id, body);
		if (!rid_is(id, T_NOW, "division"))
			bad++;
	}
	ok(bad == 0, "23 codes that are no province are refused");
}

static void
test_mask(void)
{
	char	out[XZ_RESIDENT_ID_LEN + 1];
	char	buf[32];

	xz_resident_id_mask("11010519491231002X", out);
	ok(strcmp(out, "110105********002X") == 0,
	    "first 6 and last 4 kept, the birth date starred");
	xz_resident_id_mask("330599199001011091", out);
	ok(strcmp(out, "330599********1091") == 0, "a digit check character");
	memset(out, 'a', sizeof(out));
	xz_resident_id_mask("11010519491231002X", out);
	ok(out[18] == '\0' && strlen(out) == 18, "NUL-terminated at 18");
	xz_resident_id_mask(NULL, out);
	ok(strcmp(out, "******************") == 0, "NULL: all stars");
	xz_resident_id_mask("110105194912", out);
	ok(strcmp(out, "******************") == 0,
	    "too short: all stars, nothing shown");
	xz_resident_id_mask("11010519491231002X1", out);
	ok(strcmp(out, "******************") == 0, "too long: all stars");
	memcpy(buf, "11010519491231002X", 19);
	buf[10] = '\0';
	xz_resident_id_mask(buf, out);
	ok(strcmp(out, "******************") == 0,
	    "a NUL in the middle: all stars");
	xz_resident_id_mask("110105194912310021", out);
	ok(strcmp(out, "110105********0021") == 0,
	    "masking does not validate: the stored value is masked as is");
}
