/*
 * Identity codes of the cooperative registries (issue 6).  No Kore here.
 *
 * Unified social credit code (统一社会信用代码, GB 32100-2015): 18
 * characters from "0123456789ABCDEFGHJKLMNPQRTUWXY" (no I, O, Z, S, V);
 * positions 2..7 (0-based) are the registering authority's division code,
 * six digits; the last character is the GB 32100 check character over the
 * first 17.  The registration-authority (position 0) and category
 * (position 1) codes are not checked: see idcodes.c for why.
 *
 * Resident identity number (公民身份号码, GB 11643-1999): 17 digits and
 * an ISO 7064 MOD 11-2 check character (0-9 or X); a division code whose
 * province part is one of GB/T 2260's (or 81, 82, 83: Hong Kong, Macao
 * and Taiwan residents' residence permits); a birth date YYYYMMDD that is
 * a real Gregorian date from 1900-01-01 to today.  "Today" is the date in
 * China Standard Time (UTC+8, no daylight saving) at `now`, whatever the
 * server's time zone.  15-digit numbers (pre-1999) are refused.
 *
 * Both checks are on the stored form: upper case only.  Lower-case letters
 * (including a lower-case x check character) are refused as "alphabet";
 * callers do not fold case, so that what is stored is what was checked.
 * Nothing here logs or copies its input.
 */
#ifndef XIANGZHI_IDCODES_H
#define XIANGZHI_IDCODES_H

#include <time.h>

#define XZ_USCC_LEN		18
#define XZ_RESIDENT_ID_LEN	18

/*
 * The first problem found, as a stable field-error code, or NULL when s is
 * valid.  In the order tested:
 *   "length"           NULL, or not exactly 18 characters
 *   "alphabet"         a character outside the code's alphabet
 *   "division"         USCC: positions 2..7 are not six digits;
 *                      resident ID: not a GB/T 2260 province code
 *   "birth_date"       resident ID only: not a real date, before
 *                      1900-01-01 or after today (UTC+8) at now
 *   "check_character"  the last character is not the computed one
 */
const char	*xz_uscc_problem(const char *s);
const char	*xz_resident_id_problem(const char *s, time_t now);

/* 1 when the problem function above returns NULL, 0 otherwise. */
int	xz_uscc_valid(const char *s);
int	xz_resident_id_valid(const char *s, time_t now);

/*
 * The check character of the first 17 characters of s (which must be at
 * least that long), for generating demo data: a character of the USCC
 * alphabet, or 0-9 or 'X'.  -1 when one of the 17 is outside the alphabet
 * (digits only for the resident ID) or s is NULL.
 */
int	xz_uscc_check_char(const char *s);
int	xz_resident_id_check_char(const char *s);

/*
 * The masked form shown in responses: the first 6 and the last 4
 * characters of an 18-character id kept, the 8 between (the birth date)
 * as '*', NUL-terminated, e.g. 110105********002X.  Anything that is not
 * 18 characters long (NULL included) gives 18 '*': nothing of it shows.
 */
void	xz_resident_id_mask(const char *id, char out[XZ_RESIDENT_ID_LEN + 1]);

#endif
