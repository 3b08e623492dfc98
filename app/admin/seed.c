/*
 * Demo and benchmark data: counties, townships and villages.
 *
 * Everything is generated from constant tables and a small PRNG seeded
 * with each county's code, so every run produces the same rows and the
 * demo county is identical at every scale.  The rows are built in memory
 * first and then sent with COPY in a single transaction.
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "xiangzhi/idcodes.h"
#include "xiangzhi/core.h"
#include "xiangzhi/secret.h"
#include "xiangzhi/seed.h"

#define SEED_NITEMS(a)		(sizeof(a) / sizeof((a)[0]))

#define SEED_DEMO_NAME		"青溪县"
#define SEED_DEMO_SUBDISTRICTS	4
#define SEED_TOWNSHIPS		13	/* "全县13个镇(街)" */
#define SEED_VILLAGES_MIN	8
#define SEED_VILLAGES_MAX	20
#define SEED_COUNTIES_PER_PREF	9
#define SEED_POOL_MAX		1024
#define SEED_COPY_CHUNK		65536

/* Serialises concurrent seeders so the existence check stays true. */
#define SEED_LOCK_KEY		"330599001"

struct seed_rng {
	uint64_t		s;
};

/* A growing text buffer holding COPY rows. */
struct seed_buf {
	char			*data;
	size_t			len;
	size_t			size;
	int			oom;
};

/* Two-syllable names drawn without replacement in a shuffled order. */
struct seed_pool {
	const char *const	*a;
	const char *const	*b;
	size_t			nb;
	uint16_t		idx[SEED_POOL_MAX];
	size_t			n;
	size_t			next;
};

struct seed_out {
	struct seed_buf		counties;
	struct seed_buf		townships;
	struct seed_buf		villages;
};

static void	seed_rng_init(struct seed_rng *, uint64_t);
static uint64_t	seed_rng_next(struct seed_rng *);
static int	seed_rng_range(struct seed_rng *, int, int);
static void	seed_pool_init(struct seed_pool *, struct seed_rng *,
		    const char *const *, size_t, const char *const *, size_t);
static int	seed_pool_take(struct seed_pool *, char *, size_t,
		    const char *);
static void	seed_buf_printf(struct seed_buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	seed_buf_free(struct seed_buf *);
static int	seed_county(struct seed_out *, const char *, const char *,
		    int);
static int	seed_villages(struct seed_out *, struct seed_rng *,
		    struct seed_pool *, struct seed_pool *, const char *,
		    const char *, int);
static int	seed_generate(struct seed_out *, int);
static int	seed_exec(PGconn *, const char *);
static int	seed_begin(PGconn *);
static int	seed_query_bool(PGconn *, const char *, const char *,
		    int *);
static int	seed_copy(PGconn *, const char *, const struct seed_buf *);
static void	seed_pgerror(const char *, const char *);
static int	fund_demo(PGconn *);
static int	fund_scale(PGconn *, int);

/*
 * Township names of the demo county: the first SEED_DEMO_SUBDISTRICTS
 * are 街道, the rest 镇.
 */
static const char *const seed_demo_townships[SEED_TOWNSHIPS] = {
	"城关街道", "溪东街道", "凤山街道", "锦湖街道",
	"溪口镇", "石门镇", "枫岭镇", "白沙镇", "龙潭镇",
	"桃源镇", "梅岭镇", "双港镇", "横塘镇",
};

/*
 * Synthetic counties: prefecture prefixes, 3306 first so that the
 * prefecture scale is the first ten counties of the province scale.
 */
static const char *const seed_prefectures[] = {
	"3306", "3301", "3302", "3303", "3304", "3305",
	"3307", "3308", "3309", "3310", "3311",
};

static const char *const seed_county_a[] = {
	"安", "平", "永", "宁", "云", "松", "泰", "嘉", "德", "丰",
	"临", "长", "武", "文", "常", "龙", "景", "庆", "新", "江",
	"遂", "仙", "天",
};
static const char *const seed_county_b[] = {
	"溪", "川", "阳", "江", "山", "和", "昌", "丰", "宁", "源",
	"平", "安", "化", "泉", "城", "海",
};

static const char *const seed_township_a[] = {
	"安", "永", "长", "大", "新", "明", "太", "仁", "和", "东",
	"西", "南", "北", "高", "龙", "凤", "金", "石", "白", "青",
	"梅", "桃", "双", "三",
};
static const char *const seed_township_b[] = {
	"溪", "口", "山", "桥", "港", "岭", "塘", "源", "坑", "阳",
	"田", "湖", "川", "埠", "渡", "林",
};

static const char *const seed_community_a[] = {
	"文", "新", "东", "西", "南", "北", "城", "锦", "和", "兴",
	"华", "阳", "江", "溪", "桂", "凤",
};
static const char *const seed_community_b[] = {
	"昌", "华", "苑", "园", "门", "街", "湖", "滨", "安", "康",
	"兴", "阳",
};

static const char *const seed_village_a[] = {
	"上", "下", "前", "后", "东", "西", "南", "北", "大", "小",
	"新", "高", "里", "石", "竹", "枫", "桃", "梅", "柳", "松",
	"杨", "黄", "白", "青", "金", "龙", "凤", "马", "茶", "沙",
};
static const char *const seed_village_b[] = {
	"塘", "岙", "坞", "溪", "岭", "坑", "湾", "山", "田", "垟",
	"桥", "坪", "源", "畈", "埠", "港", "洋", "庄", "园", "岗",
};

int
xz_seed_demo(PGconn *conn, const char *scale)
{
	struct seed_out		out;
	int			ncounties, exists, rc;

	if (scale == NULL || *scale == '\0' || strcmp(scale, "county") == 0)
		ncounties = 1;
	else if (strcmp(scale, "prefecture") == 0)
		ncounties = 10;
	else if (strcmp(scale, "province") == 0)
		ncounties = 100;
	else {
		fprintf(stderr, "seed: unknown scale \"%s\" "
		    "(county, prefecture or province)\n", scale);
		return (-1);
	}

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "seed: no database connection\n");
		return (-1);
	}
	if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
		fprintf(stderr, "seed: connection is busy or inside a "
		    "transaction\n");
		return (-1);
	}

	memset(&out, 0, sizeof(out));
	rc = -1;

	if (seed_begin(conn) == -1)
		goto out;

	if (seed_query_bool(conn, "demo county check",
	    "select exists (select 1 from counties where code = '"
	    XZ_SEED_DEMO_COUNTY "')", &exists) == -1)
		goto out;
	if (exists) {
		fprintf(stderr, "seed: demo county " XZ_SEED_DEMO_COUNTY
		    " already exists, nothing to do\n");
		rc = 0;
		goto out;
	}

	if (seed_generate(&out, ncounties) == -1)
		goto out;

	/* Tag the audit rows written by the triggers. */
	if (seed_exec(conn,
	    "select set_config('app.request_id', 'seed-demo', true)") == -1)
		goto out;

	if (seed_copy(conn, "copy counties (code, name) from stdin",
	    &out.counties) == -1)
		goto out;
	if (seed_copy(conn, "copy townships (code, county_code, name, kind) "
	    "from stdin", &out.townships) == -1)
		goto out;
	if (seed_copy(conn, "copy villages (code, township_code, "
	    "county_code, name, population, households, "
	    "natural_village_count) from stdin", &out.villages) == -1)
		goto out;

	if (seed_exec(conn, "commit") == -1)
		goto out;
	rc = 0;

out:
	seed_buf_free(&out.counties);
	seed_buf_free(&out.townships);
	seed_buf_free(&out.villages);

	/* Still open after an error, or when the data was already there. */
	if (PQtransactionStatus(conn) == PQTRANS_INTRANS ||
	    PQtransactionStatus(conn) == PQTRANS_INERROR)
		(void)seed_exec(conn, "rollback");

	if (rc == 0)
		rc = fund_scale(conn, ncounties);
	return (rc);
}

static int
seed_generate(struct seed_out *out, int ncounties)
{
	struct seed_rng		rng;
	struct seed_pool	names;
	const char		*pref;
	char			code[8], name[32];
	int			i;

	if (seed_county(out, XZ_SEED_DEMO_COUNTY, SEED_DEMO_NAME, 1) == -1)
		return (-1);

	/* County names come from one pool with a fixed seed (GB/T 2260). */
	seed_rng_init(&rng, 2260);
	seed_pool_init(&names, &rng, seed_county_a, SEED_NITEMS(seed_county_a),
	    seed_county_b, SEED_NITEMS(seed_county_b));

	for (i = 0; i < ncounties - 1; i++) {
		if ((size_t)(i / SEED_COUNTIES_PER_PREF) >=
		    SEED_NITEMS(seed_prefectures)) {
			fprintf(stderr, "seed: too many counties\n");
			return (-1);
		}
		pref = seed_prefectures[i / SEED_COUNTIES_PER_PREF];
		(void)snprintf(code, sizeof(code), "%s%02d", pref,
		    21 + i % SEED_COUNTIES_PER_PREF);
		if (seed_pool_take(&names, name, sizeof(name), "县") == -1)
			return (-1);
		if (seed_county(out, code, name, 0) == -1)
			return (-1);
	}

	if (out->counties.oom || out->townships.oom || out->villages.oom) {
		fprintf(stderr, "seed: out of memory\n");
		return (-1);
	}

	return (0);
}

static int
seed_county(struct seed_out *out, const char *ccode, const char *cname,
    int demo)
{
	struct seed_rng		rng;
	struct seed_pool	tpool, cpool, vpool;
	char			tcode[16], tname[64];
	int			i, nsub, sub;

	seed_rng_init(&rng, strtoull(ccode, NULL, 10));
	seed_pool_init(&tpool, &rng, seed_township_a,
	    SEED_NITEMS(seed_township_a), seed_township_b,
	    SEED_NITEMS(seed_township_b));
	seed_pool_init(&cpool, &rng, seed_community_a,
	    SEED_NITEMS(seed_community_a), seed_community_b,
	    SEED_NITEMS(seed_community_b));
	seed_pool_init(&vpool, &rng, seed_village_a,
	    SEED_NITEMS(seed_village_a), seed_village_b,
	    SEED_NITEMS(seed_village_b));

	seed_buf_printf(&out->counties, "%s\t%s\n", ccode, cname);

	nsub = demo ? SEED_DEMO_SUBDISTRICTS : seed_rng_range(&rng, 2, 4);
	for (i = 0; i < SEED_TOWNSHIPS; i++) {
		sub = i < nsub;
		/* Statistical division codes: 街道 001.., 镇 100... */
		(void)snprintf(tcode, sizeof(tcode), "%s%03d", ccode,
		    sub ? 1 + i : 100 + i - nsub);
		if (demo) {
			(void)snprintf(tname, sizeof(tname), "%s",
			    seed_demo_townships[i]);
		} else if (seed_pool_take(&tpool, tname, sizeof(tname),
		    sub ? "街道" : "镇") == -1)
			return (-1);

		seed_buf_printf(&out->townships, "%s\t%s\t%s\t%s\n", tcode,
		    ccode, tname, sub ? "subdistrict" : "town");

		if (seed_villages(out, &rng, &cpool, &vpool, tcode, ccode,
		    sub) == -1)
			return (-1);
	}

	return (0);
}

/*
 * One township's villages: 社区 (residents' committees, codes 001..)
 * first, more of them in a 街道, then 村 (codes 200..).
 */
static int
seed_villages(struct seed_out *out, struct seed_rng *rng,
    struct seed_pool *cpool, struct seed_pool *vpool, const char *tcode,
    const char *ccode, int sub)
{
	char		vname[64];
	int		j, n, ncomm, pop, per100, households, natural;

	n = seed_rng_range(rng, SEED_VILLAGES_MIN, SEED_VILLAGES_MAX);
	ncomm = sub ? seed_rng_range(rng, 3, 6) : seed_rng_range(rng, 0, 2);

	for (j = 0; j < n; j++) {
		if (j < ncomm) {
			if (seed_pool_take(cpool, vname, sizeof(vname),
			    "社区") == -1)
				return (-1);
			pop = seed_rng_range(rng, 1500, 4000);
			natural = seed_rng_range(rng, 1, 3);
		} else {
			if (seed_pool_take(vpool, vname, sizeof(vname),
			    "村") == -1)
				return (-1);
			pop = seed_rng_range(rng, 800, 3600);
			natural = seed_rng_range(rng, 1, 12);
		}
		/* 2.8 to 3.4 people per household, rounded. */
		per100 = seed_rng_range(rng, 280, 340);
		households = (pop * 100 + per100 / 2) / per100;

		seed_buf_printf(&out->villages,
		    "%s%03d\t%s\t%s\t%s\t%d\t%d\t%d\n", tcode,
		    j < ncomm ? 1 + j : 200 + j - ncomm, tcode, ccode, vname,
		    pop, households, natural);
	}

	return (0);
}

static void
seed_rng_init(struct seed_rng *r, uint64_t seed)
{
	uint64_t	z;

	/* splitmix64 spreads small seeds (county codes) over the state. */
	z = seed + 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	r->s = z != 0 ? z : 0x2545f4914f6cdd1dULL;
}

/* xorshift64* */
static uint64_t
seed_rng_next(struct seed_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (r->s * 0x2545f4914f6cdd1dULL);
}

/* Uniform enough in [lo, hi] for demo data. */
static int
seed_rng_range(struct seed_rng *r, int lo, int hi)
{
	return (lo + (int)(seed_rng_next(r) % (uint64_t)(hi - lo + 1)));
}

static void
seed_pool_init(struct seed_pool *p, struct seed_rng *r,
    const char *const *a, size_t na, const char *const *b, size_t nb)
{
	size_t		i, j, k;
	uint16_t	t;

	p->a = a;
	p->b = b;
	p->nb = nb;
	p->n = 0;
	p->next = 0;

	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++) {
			/* No doubled syllables such as 宁宁. */
			if (strcmp(a[i], b[j]) == 0 || p->n == SEED_POOL_MAX)
				continue;
			p->idx[p->n++] = (uint16_t)(i * nb + j);
		}
	}

	/* Fisher-Yates. */
	for (i = p->n; i > 1; i--) {
		k = (size_t)(seed_rng_next(r) % i);
		t = p->idx[i - 1];
		p->idx[i - 1] = p->idx[k];
		p->idx[k] = t;
	}
}

static int
seed_pool_take(struct seed_pool *p, char *out, size_t len,
    const char *suffix)
{
	size_t		k;

	if (p->next == p->n) {
		fprintf(stderr, "seed: name table exhausted\n");
		return (-1);
	}
	k = p->idx[p->next++];
	(void)snprintf(out, len, "%s%s%s", p->a[k / p->nb], p->b[k % p->nb],
	    suffix);

	return (0);
}

static void
seed_buf_printf(struct seed_buf *b, const char *fmt, ...)
{
	va_list		ap;
	int		n;
	size_t		size;
	char		*p;

	if (b->oom)
		return;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->data == NULL ? NULL : b->data + b->len,
		    b->size - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < b->size - b->len) {
			b->len += (size_t)n;
			return;
		}
		size = b->size == 0 ? SEED_COPY_CHUNK : b->size * 2;
		if ((p = realloc(b->data, size)) == NULL) {
			b->oom = 1;
			return;
		}
		b->data = p;
		b->size = size;
	}
}

static void
seed_buf_free(struct seed_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/*
 * Opens the seeding transaction: one seeder at a time, and only as the
 * owner role (RLS would reject the rows for anyone else; say so plainly).
 * On failure the caller rolls back whatever is open.
 */
static int
seed_begin(PGconn *conn)
{
	int		owner;

	if (seed_exec(conn, "begin") == -1 || seed_exec(conn,
	    "select pg_advisory_xact_lock(" SEED_LOCK_KEY ")") == -1)
		return (-1);
	if (seed_query_bool(conn, "owner role check",
	    "select rolbypassrls or rolsuper from pg_roles "
	    "where rolname = current_user", &owner) == -1)
		return (-1);
	if (!owner) {
		fprintf(stderr, "seed: must run as the owner role "
		    "(xiangzhi_owner, BYPASSRLS), not as %s\n",
		    PQuser(conn));
		return (-1);
	}
	return (0);
}

static int
seed_exec(PGconn *conn, const char *sql)
{
	PGresult	*res;
	int		rc;

	res = PQexec(conn, sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK) {
		rc = 0;
	} else {
		seed_pgerror(sql, res != NULL ? PQresultErrorMessage(res) :
		    PQerrorMessage(conn));
		rc = -1;
	}
	PQclear(res);

	return (rc);
}

static int
seed_query_bool(PGconn *conn, const char *what, const char *sql, int *val)
{
	PGresult	*res;
	int		rc;

	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		seed_pgerror(what, res != NULL ? PQresultErrorMessage(res) :
		    PQerrorMessage(conn));
		rc = -1;
	} else {
		*val = PQntuples(res) == 1 &&
		    strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		rc = 0;
	}
	PQclear(res);

	return (rc);
}

static int
seed_copy(PGconn *conn, const char *sql, const struct seed_buf *b)
{
	PGresult	*res;
	ExecStatusType	status;
	size_t		off, n;
	int		rc, sent;

	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		seed_pgerror(sql, res != NULL ? PQresultErrorMessage(res) :
		    PQerrorMessage(conn));
		PQclear(res);
		return (-1);
	}
	PQclear(res);

	sent = 1;
	for (off = 0; off < b->len; off += n) {
		n = b->len - off;
		if (n > SEED_COPY_CHUNK)
			n = SEED_COPY_CHUNK;
		if (PQputCopyData(conn, b->data + off, (int)n) != 1) {
			seed_pgerror(sql, PQerrorMessage(conn));
			sent = 0;
			break;
		}
	}

	/* After a send failure, end the COPY with an error so it aborts. */
	if (PQputCopyEnd(conn, sent ? NULL : "seed aborted") != 1) {
		seed_pgerror(sql, PQerrorMessage(conn));
		sent = 0;
	}
	rc = sent ? 0 : -1;

	while ((res = PQgetResult(conn)) != NULL) {
		status = PQresultStatus(res);
		if (status != PGRES_COMMAND_OK && rc == 0)
			seed_pgerror(sql, PQresultErrorMessage(res));
		if (status != PGRES_COMMAND_OK)
			rc = -1;
		PQclear(res);
		/* A broken connection can leave libpq in COPY state. */
		if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT)
			break;
	}

	return (rc);
}

static void
seed_pgerror(const char *what, const char *msg)
{
	size_t		len;

	if (msg == NULL || *msg == '\0')
		msg = "unknown error\n";
	len = strlen(msg);
	fprintf(stderr, "seed: %s: %s%s", what, msg,
	    msg[len - 1] == '\n' ? "" : "\n");
}

int
xz_seed_demo_identity(PGconn *conn)
{
	char		pw[crypto_pwhash_STRBYTES], sec[crypto_pwhash_STRBYTES];
	const char	*params[2];
	PGresult	*res;
	int		rc;

	if (xz_secret_hash(XZ_SEED_DEMO_PASSWORD,
	    strlen(XZ_SEED_DEMO_PASSWORD), NULL, pw) != 0 ||
	    xz_secret_hash(XZ_SEED_DEMO_CLIENT_SECRET,
	    strlen(XZ_SEED_DEMO_CLIENT_SECRET), NULL, sec) != 0) {
		fprintf(stderr, "seed: cannot hash the demo password\n");
		return (-1);
	}
	params[0] = pw;
	params[1] = sec;
	res = PQexecParams(conn,
	    "with tag as (select set_config('app.request_id', 'seed-demo',"
	    " false)),"
	    " u as (insert into users (login, display_name, level,"
	    " county_code, township_code, village_code, password_hash,"
	    " must_change_password, created_by)"
	    " select 'county." XZ_SEED_DEMO_COUNTY "', name || '改革办',"
	    " 'county', code, null, null, $1, false, 'seed-demo'"
	    " from counties, tag where code = '" XZ_SEED_DEMO_COUNTY "'"
	    " union all select 'officer.' || code, name || '干部', 'township',"
	    " county_code, code, null, $1, false, 'seed-demo'"
	    " from townships where county_code = '" XZ_SEED_DEMO_COUNTY "'"
	    " union all (select distinct on (township_code) 'village.' || code,"
	    " name || '村委会', 'village', county_code, township_code, code, $1,"
	    " false, 'seed-demo' from villages"
	    " where county_code = '" XZ_SEED_DEMO_COUNTY "'"
	    " order by township_code, code)"
	    " on conflict (login) do nothing returning 1)"
	    " insert into partner_clients (id, county_code, name, scopes,"
	    " townships, secret_hash, created_by)"
	    " select '" XZ_SEED_DEMO_CLIENT_ID "', '" XZ_SEED_DEMO_COUNTY "',"
	    " '县农业社会化服务平台', array['org:read', 'coops:read',"
	    " 'bookings:write', 'funds:read', 'dashboard:read',"
	    " 'changes:read'], null, $2, 'seed-demo'"
	    " where exists (select 1 from counties"
	    " where code = '" XZ_SEED_DEMO_COUNTY "')"
	    " and (select count(*) from u) >= 0"
	    " on conflict (id) do nothing",
	    2, NULL, params, NULL, NULL, 0);
	rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc != 0)
		seed_pgerror("demo users", PQresultErrorMessage(res));
	PQclear(res);
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(sec, sizeof(sec));
	return (rc);
}

/*
 * Demo cooperatives (issue 6): in every township of the demo county, one
 * cooperative of each kind with members (and their resident IDs, as the
 * service stores them: HMAC-SHA256 under XZ_RESIDENT_ID_KEY and the
 * mask), machines, land parcels, houses, skills and labour teams, and
 * bookings, land transfers and house leases.
 *
 * Decisions:
 * - Generated from a PRNG seeded with each township's code, ids included
 *   (version 4 UUIDs drawn from it), so every run gives the same rows,
 *   except that bookings fall in the seasons of the current year (UTC+8)
 *   and transfers and leases were signed in the one to four years before
 *   it and run across it: availability, utilisation and rents then mean
 *   something whenever the demo is loaded.  Everything else (founding
 *   dates 2015-2023, joins up to 2024) is fixed.
 * - The villages are read back from the database, so the step also works
 *   on a county seeded before it existed; the benchmark counties get
 *   none.
 * - Codes cannot collide with the DB tests' fixtures: the USCCs are
 *   93 (农民专业合作社) + 330599 + an organisation code "MA2?ttt" + kind
 *   digit + its GB 11714 check character (the fixtures' are all digits),
 *   parcel sequence numbers start at 01000, plates are 浙E (3305 is the
 *   prefecture) and serials carry the maker's prefix.
 * - Resident IDs: 330599, a birth date from 1950 to 2000, a sequence whose
 *   last digit is odd for men (matching the name), the MOD 11-2 check;
 *   unique over the county.  The plain numbers exist only in memory and
 *   are wiped; the HMAC input is the 18 ASCII characters.  Household
 *   members carry the head's number.
 * - Consistency the service would enforce: the chair is the legal
 *   representative; members join on or after the founding date; only
 *   current members own assets, have skills or sit in teams; a farmland
 *   member's contribution is the area of their parcels; a leased house is
 *   in use and every other house idle; bookings of one machine or team
 *   never overlap (each walks forward through its seasons), and each
 *   township also keeps one cancelled booking.
 */

#define COOP_VILLAGES_MAX	64
#define COOP_MEMBERS_MAX	20
#define COOP_PARCELS_MAX	30
#define COOP_HOUSES_MAX		10
#define COOP_MACHINES_MAX	8
#define COOP_IDS_MAX		4096
#define COOP_PLATES_MAX		1024

enum coop_table {
	CT_COOPS, CT_VILLAGES, CT_MEMBERS, CT_IDENTITIES, CT_MACHINES,
	CT_PARCELS, CT_HOUSES, CT_SKILLS, CT_TEAMS, CT_TEAM_MEMBERS,
	CT_BOOKINGS, CT_TRANSFERS, CT_LEASES, CT_COUNT
};

/* In foreign-key order. */
static const char *const coop_copy_sql[CT_COUNT] = {
	"copy cooperatives (id, county_code, township_code, kind, name, uscc,"
	    " legal_representative, founded_on, registered_capital_fen,"
	    " status, status_since) from stdin",
	"copy cooperative_villages (cooperative_id, county_code,"
	    " township_code, village_code) from stdin",
	"copy members (id, cooperative_id, county_code, township_code, kind,"
	    " name, village_code, joined_on, left_on, role, contribution_kind,"
	    " contribution_fen, contribution_mu_x100, contribution_labour_days)"
	    " from stdin",
	"copy member_identities (member_id, cooperative_id, county_code,"
	    " township_code, resident_id_hmac, resident_id_masked) from stdin",
	"copy machines (id, cooperative_id, county_code, township_code, type,"
	    " model, power_kw, plate_or_serial, condition) from stdin",
	"copy land_parcels (id, cooperative_id, county_code, township_code,"
	    " member_id, village_code, parcel_code, certificate_no,"
	    " area_mu_x100, land_use, boundaries) from stdin",
	"copy houses (id, cooperative_id, county_code, township_code,"
	    " member_id, village_code, address, floor_area_m2, condition,"
	    " occupancy) from stdin",
	"copy member_skills (member_id, skill, cooperative_id, county_code,"
	    " township_code, days_available_per_month) from stdin",
	"copy labour_teams (id, cooperative_id, county_code, township_code,"
	    " name) from stdin",
	"copy labour_team_members (team_id, member_id, cooperative_id,"
	    " county_code, township_code) from stdin",
	"copy bookings (id, cooperative_id, county_code, township_code,"
	    " machine_id, labour_team_id, booked_by_kind, booked_by, period,"
	    " price_fen, status, cancelled_at, cancel_reason, created_by)"
	    " from stdin",
	"copy land_transfers (id, cooperative_id, county_code, township_code,"
	    " parcel_id, lessee, term, rent_fen_per_mu_year) from stdin",
	"copy house_leases (id, cooperative_id, county_code, township_code,"
	    " house_id, lessee, term, rent_fen_per_year) from stdin",
};

static const char *const coop_table_name[CT_COUNT] = {
	"cooperatives", "cooperative_villages", "members",
	"member_identities", "machines", "land_parcels", "houses",
	"member_skills", "labour_teams", "labour_team_members", "bookings",
	"land_transfers", "house_leases",
};

enum coop_kind { CK_LABOR, CK_MACHINERY, CK_FARMLAND, CK_HOUSING };

enum coop_contrib { CC_MONEY, CC_LAND, CC_LABOUR };

struct coop_village {
	const char		*code;
	const char		*name;
};

struct coop_town {
	const char		*code;
	const char		*name;
	char			short_name[32];
	struct coop_village	v[COOP_VILLAGES_MAX];
	int			nv;
};

struct coop {
	char			id[37];
	enum coop_kind		kind;
	int			founded;	/* days since 1970-01-01 */
	int			nserved;
	const struct coop_village *served[5];
};

struct coop_member {
	char			id[37];
	char			name[32];
	const struct coop_village *v;
	const char		*role;
	int			male;
	int			joined;
	int			left;		/* -1: current */
	enum coop_contrib	ckind;
	long long		fen;
	int			mu_x100;
	int			labour_days;
	int			group;		/* 村民小组 */
	int			household;	/* 承包方 sequence */
};

struct coop_ctx {
	struct seed_buf		b[CT_COUNT];
	struct seed_rng		rng;
	const struct coop_town	*t;
	int			year;
	unsigned char		key[32];
	char			(*ids)[XZ_RESIDENT_ID_LEN + 1];
	size_t			nids;
	char			(*plates)[32];
	size_t			nplates;
	int			nrows[CT_COUNT];
};

/* A booking season, month and day to month and day (m0 0: none). */
struct coop_season {
	int			m0, d0, m1, d1;
};

static int	coop_key_load(unsigned char *);
static void	coop_date(int, char *, size_t);
static void	coop_uuid(struct coop_ctx *, char *);
static void	coop_put(struct coop_ctx *, enum coop_table, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	coop_pick(struct coop_ctx *, const int *, int);
static void	coop_person(struct coop_ctx *, int, char *, size_t);
static int	coop_resident(struct coop_ctx *, int, int, int, char *);
static int	coop_town(struct coop_ctx *, struct coop_town *);
static void	coop_new(struct coop_ctx *, struct coop *, enum coop_kind);
static void	coop_write(struct coop_ctx *, const struct coop *,
		    const char *, const char *, long long);
static void	coop_members(struct coop_ctx *, const struct coop *,
		    struct coop_member *, int, int);
static int	coop_write_members(struct coop_ctx *, const struct coop *,
		    const struct coop_member *, int);
static int	coop_year(int);
static void	coop_plate(struct coop_ctx *, const char *, char *, size_t);
static void	coop_walk(struct coop_ctx *, const struct coop *,
		    const char *, const char *, const struct coop_season *,
		    int, int, int, int);
static int	coop_labor(struct coop_ctx *);
static int	coop_machinery(struct coop_ctx *);
static int	coop_farmland(struct coop_ctx *);
static int	coop_housing(struct coop_ctx *);
static void	coop_booking(struct coop_ctx *, const struct coop *,
		    const char *, const char *, int, int, long long);

static const char *const coop_surnames[] = {
	"王", "陈", "张", "李", "刘", "吴", "周", "徐", "杨", "朱",
	"金", "沈", "胡", "叶", "方", "钱", "潘", "施", "蒋", "郑",
	"何", "黄", "俞", "邵", "汪", "孙", "赵", "林", "姚", "章",
	"王", "陈", "张", "吴", "徐", "沈",
};
static const char *const coop_given_m[] = {
	"建国", "建华", "国平", "志强", "伟", "军", "德明", "金福", "永祥",
	"海峰", "卫东", "新民", "根法", "水根", "林根", "炳荣", "明华",
	"立新", "红军", "小平", "云飞", "俊杰", "浩", "磊", "斌", "国庆",
	"建平", "雪根", "阿明", "忠良", "志刚", "利民", "福生", "荣华",
};
static const char *const coop_given_f[] = {
	"秀英", "桂英", "美娟", "丽萍", "月芳", "彩凤", "玉兰", "金花",
	"雪芳", "素珍", "红梅", "晓燕", "丽娟", "春燕", "海燕", "慧芳",
	"静", "芳", "敏", "菊仙", "爱珍", "小红", "凤英", "美华",
};

/* 字号 of the cooperatives' names, by kind. */
static const char *const coop_brand_labor[] = {
	"众力", "同心", "巧手", "勤耕", "兴农", "匠心",
};
static const char *const coop_brand_machinery[] = {
	"丰收", "金穗", "惠农", "绿野", "农丰", "禾丰",
};
static const char *const coop_brand_housing[] = {
	"闲置", "乡居", "宜居", "山居",
};

struct coop_model {
	const char	*type;
	const char	*model;
	const char	*power;
	const char	*serial;	/* NULL: a plate */
};

static const struct coop_model coop_models[] = {
	{ "tractor", "东方红LX1004", "73.5", NULL },
	{ "tractor", "东方红LX904", "66.2", NULL },
	{ "tractor", "雷沃M1104-D", "80.9", NULL },
	{ "tractor", "约翰迪尔5E-1204", "88.3", NULL },
	{ "tractor", "久保田M954KQ", "70.0", NULL },
	{ "combine_harvester", "久保田4LZ-4J", "50.7", NULL },
	{ "combine_harvester", "久保田4LZ-5(PRO1008)", "73.5", NULL },
	{ "combine_harvester", "雷沃谷神4LZ-8E", "103.0", NULL },
	{ "combine_harvester", "沃得锐龙4LZ-6.0E", "75.0", NULL },
	{ "transplanter", "洋马VP6", "10.5", "VP6D" },
	{ "transplanter", "久保田2ZGQ-6G", "12.0", "KSP6" },
	{ "transplanter", "井关PZ60", "10.3", "ISPZ" },
	{ "plant_protection_drone", "大疆T40", "9.0", "1581F5BK" },
	{ "plant_protection_drone", "大疆T30", "7.2", "0TYDH8" },
	{ "plant_protection_drone", "极飞P100", "9.6", "XAP100" },
	{ "other", "谷物烘干机5HXG-15", "11.0", "5HXG" },
};
#define COOP_TRACTORS		0
#define COOP_HARVESTERS		5
#define COOP_TRANSPLANTERS	9
#define COOP_DRONES		12
#define COOP_OTHER		15

/* Machine-days per type: seasons and day rates. */

static const struct coop_season coop_seasons[5][2] = {
	{ { 3, 1, 4, 30 }, { 10, 15, 12, 20 } },	/* tractor: 春耕, 冬翻 */
	{ { 5, 25, 6, 20 }, { 10, 10, 11, 25 } },	/* harvester: 夏收, 秋收 */
	{ { 5, 10, 6, 30 }, { 0, 0, 0, 0 } },		/* transplanter */
	{ { 4, 1, 5, 31 }, { 7, 1, 9, 30 } },		/* drone: 飞防 */
	{ { 6, 1, 6, 30 }, { 10, 15, 11, 30 } },	/* other: 烘干 */
};
static const int coop_day_rate[5][2] = {		/* fen per day */
	{ 60000, 120000 }, { 150000, 300000 }, { 50000, 90000 },
	{ 80000, 150000 }, { 40000, 80000 },
};

static const char *const coop_skills_build[] = {
	"泥水工", "木工", "电工", "水电安装", "油漆工", "钢筋工",
};
static const char *const coop_skills_service[] = {
	"家政", "育婴", "养老护理", "采茶", "插秧", "果树修剪",
};
static const char *const coop_skills_extra[] = {
	"农机驾驶", "采茶", "电商直播", "厨师", "绿化养护",
};

static const char *const coop_bounds[] = {
	"机耕路", "水渠", "村道", "山脚", "溪边", "沟渠", "林地",
};

int
xz_seed_demo_coops(PGconn *conn)
{
	struct coop_ctx		*ctx;
	struct coop_town	*towns;
	PGresult		*res;
	const char		*tcode;
	time_t			now;
	struct tm		tm;
	int			exists, rc, i, r, nt, nrows;

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK ||
	    PQtransactionStatus(conn) != PQTRANS_IDLE) {
		fprintf(stderr, "seed: cooperatives: the connection is not "
		    "idle\n");
		return (-1);
	}

	res = NULL;
	towns = NULL;
	rc = -1;
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL ||
	    (ctx->ids = calloc(COOP_IDS_MAX, sizeof(*ctx->ids))) == NULL ||
	    (ctx->plates = calloc(COOP_PLATES_MAX,
	    sizeof(*ctx->plates))) == NULL) {
		fprintf(stderr, "seed: out of memory\n");
		goto out;
	}

	/* The current year in China Standard Time. */
	now = time(NULL) + 8 * 60 * 60;
	if (gmtime_r(&now, &tm) == NULL) {
		fprintf(stderr, "seed: cannot read the clock\n");
		goto out;
	}
	ctx->year = tm.tm_year + 1900;

	if (seed_begin(conn) == -1)
		goto out;
	if (seed_query_bool(conn, "demo cooperatives check",
	    "select exists (select 1 from cooperatives where county_code = '"
	    XZ_SEED_DEMO_COUNTY "')", &exists) == -1)
		goto out;
	if (exists) {
		fprintf(stderr, "seed: demo cooperatives already exist, "
		    "nothing to do\n");
		rc = 0;
		goto out;
	}

	/* Read only after the check: a second run needs no key. */
	if (coop_key_load(ctx->key) == -1)
		goto out;

	res = PQexec(conn, "select t.code, t.name, v.code, v.name"
	    " from townships t join villages v on v.township_code = t.code"
	    " where t.county_code = '" XZ_SEED_DEMO_COUNTY "'"
	    " order by t.code, v.code");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		seed_pgerror("demo villages", PQresultErrorMessage(res));
		goto out;
	}
	if ((nrows = PQntuples(res)) == 0) {
		rc = 0;		/* No demo county: nothing to serve. */
		goto out;
	}
	/* At most one township per row. */
	if ((towns = calloc((size_t)nrows, sizeof(*towns))) == NULL) {
		fprintf(stderr, "seed: out of memory\n");
		goto out;
	}
	nt = 0;
	for (r = 0; r < nrows; r++) {
		tcode = PQgetvalue(res, r, 0);
		if (nt == 0 || strcmp(towns[nt - 1].code, tcode) != 0) {
			towns[nt].code = tcode;
			towns[nt].name = PQgetvalue(res, r, 1);
			nt++;
		}
		if (towns[nt - 1].nv == COOP_VILLAGES_MAX)
			continue;
		towns[nt - 1].v[towns[nt - 1].nv].code = PQgetvalue(res, r, 2);
		towns[nt - 1].v[towns[nt - 1].nv].name = PQgetvalue(res, r, 3);
		towns[nt - 1].nv++;
	}

	for (i = 0; i < nt; i++) {
		if (coop_town(ctx, &towns[i]) == -1)
			goto out;
	}
	for (i = 0; i < CT_COUNT; i++) {
		if (ctx->b[i].oom) {
			fprintf(stderr, "seed: out of memory\n");
			goto out;
		}
	}

	if (seed_exec(conn,
	    "select set_config('app.request_id', 'seed-demo', true)") == -1)
		goto out;
	for (i = 0; i < CT_COUNT; i++) {
		if (seed_copy(conn, coop_copy_sql[i], &ctx->b[i]) == -1)
			goto out;
	}
	if (seed_exec(conn, "commit") == -1)
		goto out;

	fprintf(stderr, "seed: demo cooperatives:");
	for (i = 0; i < CT_COUNT; i++)
		fprintf(stderr, " %s %d%s", coop_table_name[i], ctx->nrows[i],
		    i + 1 < CT_COUNT ? "," : "\n");
	rc = 0;

out:
	PQclear(res);
	free(towns);
	if (PQtransactionStatus(conn) == PQTRANS_INTRANS ||
	    PQtransactionStatus(conn) == PQTRANS_INERROR)
		(void)seed_exec(conn, "rollback");
	if (ctx != NULL) {
		for (i = 0; i < CT_COUNT; i++) {
			/* The masks and HMACs are in the identities rows. */
			if (ctx->b[i].data != NULL)
				sodium_memzero(ctx->b[i].data, ctx->b[i].size);
			seed_buf_free(&ctx->b[i]);
		}
		if (ctx->ids != NULL)
			sodium_memzero(ctx->ids,
			    COOP_IDS_MAX * sizeof(*ctx->ids));
		sodium_memzero(ctx->key, sizeof(ctx->key));
		free(ctx->ids);
		free(ctx->plates);
		free(ctx);
	}
	if (rc == 0)
		rc = fund_demo(conn);
	return (rc);
}

/* The service's key (app/module.c): XZ_RESIDENT_ID_KEY, 64 hex digits. */
static int
coop_key_load(unsigned char *key)
{
	const char	*path;
	FILE		*f;
	char		hex[80];
	size_t		i;
	unsigned int	byte;
	int		rc;

	if ((path = getenv("XZ_RESIDENT_ID_KEY")) == NULL || *path == '\0')
		path = "conf/dev-keys/resident-id.key";
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "seed: cannot open the resident ID key %s "
		    "(set XZ_RESIDENT_ID_KEY, or run from the checkout)\n",
		    path);
		return (-1);
	}
	if (fgets(hex, sizeof(hex), f) == NULL)
		hex[0] = '\0';
	(void)fclose(f);
	hex[strcspn(hex, "\r\n")] = '\0';
	rc = strlen(hex) == 64 ? 0 : -1;
	for (i = 0; rc == 0 && i < 32; i++) {
		if (strchr("0123456789abcdefABCDEF", hex[2 * i]) == NULL ||
		    strchr("0123456789abcdefABCDEF", hex[2 * i + 1]) == NULL ||
		    sscanf(hex + 2 * i, "%2x", &byte) != 1)
			rc = -1;
		else
			key[i] = (unsigned char)byte;
	}
	sodium_memzero(hex, sizeof(hex));
	if (rc == -1)
		fprintf(stderr, "seed: %s must hold 64 hex digits\n", path);
	return (rc);
}

static void
coop_date(int days, char *out, size_t len)
{
	int		z, era, doe, yoe, y, doy, mp, d, m;

	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	(void)snprintf(out, len, "%04d-%02d-%02d", m <= 2 ? y + 1 : y, m, d);
}

/* A version 4 UUID drawn from the township's PRNG: stable ids. */
static void
coop_uuid(struct coop_ctx *ctx, char *out)
{
	unsigned char	u[16];
	uint64_t	a, b;
	int		i;

	a = seed_rng_next(&ctx->rng);
	b = seed_rng_next(&ctx->rng);
	for (i = 0; i < 8; i++) {
		u[i] = (unsigned char)(a >> (8 * i));
		u[8 + i] = (unsigned char)(b >> (8 * i));
	}
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	(void)snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3],
	    u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
	    u[14], u[15]);
}

/* One COPY row: the township's tenancy keys are the caller's to print. */
static void
coop_put(struct coop_ctx *ctx, enum coop_table t, const char *fmt, ...)
{
	va_list		ap;
	char		row[1024];
	int		n;

	va_start(ap, fmt);
	n = vsnprintf(row, sizeof(row), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(row)) {
		ctx->b[t].oom = 1;
		return;
	}
	seed_buf_printf(&ctx->b[t], "%s\n", row);
	ctx->nrows[t]++;
	sodium_memzero(row, sizeof(row));
}

/* An index drawn with the given weights. */
static int
coop_pick(struct coop_ctx *ctx, const int *w, int n)
{
	int		i, sum, r;

	for (sum = 0, i = 0; i < n; i++)
		sum += w[i];
	r = seed_rng_range(&ctx->rng, 0, sum - 1);
	for (i = 0; i < n - 1; i++) {
		if (r < w[i])
			return (i);
		r -= w[i];
	}
	return (n - 1);
}

static void
coop_person(struct coop_ctx *ctx, int male, char *out, size_t len)
{
	const char	*given;

	given = male ? coop_given_m[seed_rng_range(&ctx->rng, 0,
	    (int)SEED_NITEMS(coop_given_m) - 1)] :
	    coop_given_f[seed_rng_range(&ctx->rng, 0,
	    (int)SEED_NITEMS(coop_given_f) - 1)];
	(void)snprintf(out, len, "%s%s", coop_surnames[seed_rng_range(
	    &ctx->rng, 0, (int)SEED_NITEMS(coop_surnames) - 1)], given);
}

/*
 * A valid resident ID number (GB 11643), unique in this run: 330599, a
 * birth date in [from, to] (years), a sequence odd for men, the check.
 */
static int
coop_resident(struct coop_ctx *ctx, int from, int to, int male, char *out)
{
	char		birth[32];
	size_t		i;
	int		tries, c;

	for (tries = 0; tries < 100; tries++) {
		coop_date(seed_rng_range(&ctx->rng,
		    xz_days_from_civil(from, 1, 1),
		    xz_days_from_civil(to, 12, 31)), birth, sizeof(birth));
		(void)snprintf(out, XZ_RESIDENT_ID_LEN + 1,
		    "%s%.4s%.2s%.2s%03d_", XZ_SEED_DEMO_COUNTY, birth,
		    birth + 5, birth + 8,
		    seed_rng_range(&ctx->rng, 0, 499) * 2 + (male ? 1 : 0));
		if ((c = xz_resident_id_check_char(out)) == -1)
			return (-1);
		out[17] = (char)c;
		for (i = 0; i < ctx->nids; i++) {
			if (memcmp(ctx->ids[i], out, XZ_RESIDENT_ID_LEN) == 0)
				break;
		}
		if (i < ctx->nids)
			continue;
		if (ctx->nids == COOP_IDS_MAX)
			return (-1);
		memcpy(ctx->ids[ctx->nids++], out, XZ_RESIDENT_ID_LEN + 1);
		return (0);
	}
	return (-1);
}

static int
coop_year(int days)
{
	char		d[32];

	coop_date(days, d, sizeof(d));
	return (atoi(d));
}

static int
coop_town(struct coop_ctx *ctx, struct coop_town *t)
{
	size_t			len;

	if (t->nv < 2) {
		fprintf(stderr, "seed: township %s has fewer than two "
		    "villages\n", t->code);
		return (-1);
	}
	/* 城关街道 -> 城关, 溪口镇 -> 溪口 (team names). */
	(void)snprintf(t->short_name, sizeof(t->short_name), "%s", t->name);
	len = strlen(t->short_name);
	if (len > strlen("街道") && strcmp(t->short_name + len -
	    strlen("街道"), "街道") == 0)
		t->short_name[len - strlen("街道")] = '\0';
	else if (len > strlen("镇") && strcmp(t->short_name + len -
	    strlen("镇"), "镇") == 0)
		t->short_name[len - strlen("镇")] = '\0';

	/* Its own stream: "coops" mixed into the township code. */
	seed_rng_init(&ctx->rng, strtoull(t->code, NULL, 10) ^
	    0x636f6f7073ULL);
	ctx->t = t;

	if (coop_labor(ctx) == -1 || coop_machinery(ctx) == -1 ||
	    coop_farmland(ctx) == -1 || coop_housing(ctx) == -1)
		return (-1);
	return (0);
}

/* Id, founding date (2015-2023) and 2-5 villages served, 村 first. */
static void
coop_new(struct coop_ctx *ctx, struct coop *c, enum coop_kind kind)
{
	const struct coop_town	*t = ctx->t;
	int			idx[COOP_VILLAGES_MAX], n, nvil, i, k, tmp;

	memset(c, 0, sizeof(*c));
	coop_uuid(ctx, c->id);
	c->kind = kind;
	c->founded = seed_rng_range(&ctx->rng,
	    xz_days_from_civil(2015, 1, 1), xz_days_from_civil(2023, 12, 31));

	/* Villages (codes 200..) before communities, each shuffled. */
	n = 0;
	for (i = 0; i < t->nv; i++) {
		if (strcmp(t->v[i].code + 9, "200") >= 0)
			idx[n++] = i;
	}
	nvil = n;
	for (i = 0; i < t->nv; i++) {
		if (strcmp(t->v[i].code + 9, "200") < 0)
			idx[n++] = i;
	}
	for (i = nvil; i > 1; i--) {
		k = seed_rng_range(&ctx->rng, 0, i - 1);
		tmp = idx[i - 1];
		idx[i - 1] = idx[k];
		idx[k] = tmp;
	}
	for (i = n; i > nvil + 1; i--) {
		k = nvil + seed_rng_range(&ctx->rng, 0, i - nvil - 1);
		tmp = idx[i - 1];
		idx[i - 1] = idx[k];
		idx[k] = tmp;
	}
	c->nserved = seed_rng_range(&ctx->rng, 2, 5);
	if (c->nserved > t->nv)
		c->nserved = t->nv;
	for (i = 0; i < c->nserved; i++)
		c->served[i] = &t->v[idx[i]];
}

/*
 * The cooperative's row and its villages.  USCC: 9 (registered by market
 * regulation) 3 (farmers' cooperative), the county, an organisation code
 * MA2 + one drawn character + the township's 3 digits + the kind, with
 * its GB 11714 check character, then the GB 32100 check character.
 */
static void
coop_write(struct coop_ctx *ctx, const struct coop *c, const char *name,
    const char *legal, long long capital_fen)
{
	static const char	alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	static const int	w[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
	static const char	*kinds[] = {
		"labor", "machinery", "farmland", "housing"
	};
	const struct coop_town	*t = ctx->t;
	char			uscc[XZ_USCC_LEN + 1], org[10], founded[32];
	int			i, sum, v, chk;

	(void)snprintf(org, sizeof(org), "MA2%c%.3s%c",
	    alpha[seed_rng_range(&ctx->rng, 0, 30)], t->code + 6,
	    (char)('1' + (int)c->kind));
	for (sum = 0, i = 0; i < 8; i++) {
		v = org[i] >= 'A' ? org[i] - 'A' + 10 : org[i] - '0';
		sum += v * w[i];
	}
	chk = 11 - sum % 11;
	org[8] = chk == 10 ? 'X' : chk == 11 ? '0' : (char)('0' + chk);
	org[9] = '\0';
	(void)snprintf(uscc, sizeof(uscc), "93%s%s_", XZ_SEED_DEMO_COUNTY,
	    org);
	uscc[17] = (char)xz_uscc_check_char(uscc);

	coop_date(c->founded, founded, sizeof(founded));
	coop_put(ctx, CT_COOPS, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%lld\t"
	    "active\t%s", c->id, XZ_SEED_DEMO_COUNTY, t->code,
	    kinds[c->kind], name, uscc, legal, founded, capital_fen, founded);
	for (i = 0; i < c->nserved; i++)
		coop_put(ctx, CT_VILLAGES, "%s\t%s\t%s\t%s", c->id,
		    XZ_SEED_DEMO_COUNTY, t->code, c->served[i]->code);
}

/*
 * n members from the villages served: a chair, two or three board
 * members, a supervisor, the rest ordinary; founders join on the founding
 * day, the others within about two and a half years (not after 2024).
 * With may_leave, sometimes one ordinary member has left.
 */
static void
coop_members(struct coop_ctx *ctx, const struct coop *c,
    struct coop_member *m, int n, int may_leave)
{
	int		i, j, nboard, last, leaver;

	nboard = n >= 12 ? 3 : 2;
	last = xz_days_from_civil(2024, 12, 31);
	leaver = may_leave && seed_rng_range(&ctx->rng, 0, 9) < 3 ?
	    seed_rng_range(&ctx->rng, nboard + 2, n - 1) : -1;
	memset(m, 0, sizeof(*m) * (size_t)n);
	for (i = 0; i < n; i++) {
		coop_uuid(ctx, m[i].id);
		m[i].role = i == 0 ? "chair" : i <= nboard ? "board" :
		    i == nboard + 1 ? "supervisor" : "member";
		m[i].male = seed_rng_range(&ctx->rng, 0, 99) <
		    (i == 0 ? 85 : 60);
		/* No two members of one cooperative share a name. */
		do {
			coop_person(ctx, m[i].male, m[i].name,
			    sizeof(m[i].name));
			for (j = 0; j < i; j++) {
				if (strcmp(m[j].name, m[i].name) == 0)
					break;
			}
		} while (j < i);
		m[i].v = c->served[seed_rng_range(&ctx->rng, 0,
		    c->nserved - 1)];
		m[i].joined = i <= nboard + 1 ? c->founded :
		    c->founded + seed_rng_range(&ctx->rng, 0, 900);
		if (m[i].joined > last)
			m[i].joined = last;
		m[i].left = -1;
		if (i == leaver) {
			m[i].left = m[i].joined +
			    seed_rng_range(&ctx->rng, 180, 720);
			if (m[i].left > xz_days_from_civil(2025, 10, 31))
				m[i].left = xz_days_from_civil(2025, 10, 31);
		}
	}
}

/* members and member_identities rows. */
static int
coop_write_members(struct coop_ctx *ctx, const struct coop *c,
    const struct coop_member *m, int n)
{
	static const char	*ckinds[] = { "money", "land", "labour" };
	const struct coop_town	*t = ctx->t;
	unsigned char		mac[32];
	unsigned int		maclen;
	char			rid[XZ_RESIDENT_ID_LEN + 1];
	char			masked[XZ_RESIDENT_ID_LEN + 1], hex[65];
	char			joined[32], left[32], fen[24], mu[24], days[24];
	int			i, household;

	household = c->kind == CK_FARMLAND || c->kind == CK_HOUSING;
	for (i = 0; i < n; i++) {
		coop_date(m[i].joined, joined, sizeof(joined));
		if (m[i].left >= 0)
			coop_date(m[i].left, left, sizeof(left));
		else
			(void)snprintf(left, sizeof(left), "\\N");
		(void)snprintf(fen, sizeof(fen), m[i].ckind == CC_MONEY ?
		    "%lld" : "\\N", m[i].fen);
		(void)snprintf(mu, sizeof(mu), m[i].ckind == CC_LAND ?
		    "%d" : "\\N", m[i].mu_x100);
		(void)snprintf(days, sizeof(days), m[i].ckind == CC_LABOUR ?
		    "%d" : "\\N", m[i].labour_days);
		coop_put(ctx, CT_MEMBERS, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t"
		    "%s\t%s\t%s\t%s\t%s", m[i].id, c->id, XZ_SEED_DEMO_COUNTY,
		    t->code, household ? "household" : "person", m[i].name,
		    m[i].v->code, joined, left, m[i].role, ckinds[m[i].ckind],
		    fen, mu, days);

		/* The number as the service keeps it: HMAC and mask only. */
		if (coop_resident(ctx, i == 0 ? 1955 : 1950,
		    i == 0 ? 1980 : 2000, m[i].male, rid) == -1) {
			fprintf(stderr, "seed: cannot draw a unique resident "
			    "ID\n");
			return (-1);
		}
		if (HMAC(EVP_sha256(), ctx->key, (int)sizeof(ctx->key),
		    (const unsigned char *)rid, XZ_RESIDENT_ID_LEN, mac,
		    &maclen) == NULL || maclen != sizeof(mac)) {
			sodium_memzero(rid, sizeof(rid));
			fprintf(stderr, "seed: HMAC-SHA256 failed\n");
			return (-1);
		}
		xz_resident_id_mask(rid, masked);
		sodium_memzero(rid, sizeof(rid));
		(void)sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
		coop_put(ctx, CT_IDENTITIES, "%s\t%s\t%s\t%s\t\\\\x%s\t%s",
		    m[i].id, c->id, XZ_SEED_DEMO_COUNTY, t->code, hex, masked);
		sodium_memzero(mac, sizeof(mac));
	}
	return (0);
}

/* "浙E12345" or a maker's serial, unique in the county. */
static void
coop_plate(struct coop_ctx *ctx, const char *serial, char *out, size_t len)
{
	size_t		i;

	for (;;) {
		if (serial == NULL)
			(void)snprintf(out, len, "浙E%05d",
			    seed_rng_range(&ctx->rng, 10000, 99999));
		else
			(void)snprintf(out, len, "%s%02d%05d", serial,
			    seed_rng_range(&ctx->rng, 18, 25),
			    seed_rng_range(&ctx->rng, 1, 99999));
		for (i = 0; i < ctx->nplates; i++) {
			if (strcmp(ctx->plates[i], out) == 0)
				break;
		}
		if (i == ctx->nplates)
			break;
	}
	if (ctx->nplates < COOP_PLATES_MAX)
		(void)snprintf(ctx->plates[ctx->nplates++],
		    sizeof(ctx->plates[0]), "%s", out);
}

/* One booking [lo, hi) by a village of the township or by a farmer. */
static void
coop_booking(struct coop_ctx *ctx, const struct coop *c, const char *mid,
    const char *tid, int lo, int hi, long long price)
{
	const struct coop_town	*t = ctx->t;
	char			id[37], d0[32], d1[32], who[32];
	int			village;

	coop_uuid(ctx, id);
	coop_date(lo, d0, sizeof(d0));
	coop_date(hi, d1, sizeof(d1));
	village = seed_rng_range(&ctx->rng, 0, 9) < 6;
	if (village)
		(void)snprintf(who, sizeof(who), "%s",
		    t->v[seed_rng_range(&ctx->rng, 0, t->nv - 1)].code);
	else
		coop_person(ctx, 1, who, sizeof(who));
	coop_put(ctx, CT_BOOKINGS, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t[%s,%s)\t"
	    "%lld\tbooked\t\\N\t\\N\tseed-demo", id, c->id,
	    XZ_SEED_DEMO_COUNTY, t->code, mid != NULL ? mid : "\\N",
	    tid != NULL ? tid : "\\N", village ? "village" : "farmer", who,
	    d0, d1, price);
}

/*
 * One to k bookings of one machine or team in each of this year's
 * seasons, each after the previous one ended: never two at once.
 */
static void
coop_walk(struct coop_ctx *ctx, const struct coop *c, const char *mid,
    const char *tid, const struct coop_season *s, int k, int lmax,
    int rate_lo, int rate_hi)
{
	int		si, cur, len, end, b, nb, rate;

	rate = seed_rng_range(&ctx->rng, rate_lo / 1000, rate_hi / 1000) *
	    1000;
	for (si = 0; si < 2 && s[si].m0 != 0; si++) {
		cur = xz_days_from_civil(ctx->year, s[si].m0, s[si].d0) +
		    seed_rng_range(&ctx->rng, 0, 10);
		end = xz_days_from_civil(ctx->year, s[si].m1, s[si].d1);
		nb = seed_rng_range(&ctx->rng, 1, k);
		for (b = 0; b < nb; b++) {
			len = seed_rng_range(&ctx->rng, 1, lmax);
			if (cur + len - 1 > end)
				break;
			coop_booking(ctx, c, mid, tid, cur, cur + len,
			    (long long)rate * len);
			cur += len + seed_rng_range(&ctx->rng, 1, 12);
		}
	}
}

/* 农力: labour days pooled, skills, two teams and their bookings. */
static int
coop_labor(struct coop_ctx *ctx)
{
	static const struct coop_season	seasons[2][2] = {
		{ { 4, 1, 6, 30 }, { 9, 1, 12, 20 } },	/* building */
		{ { 3, 20, 4, 30 }, { 10, 1, 12, 20 } },	/* 采茶, 家政 */
	};
	const struct coop_town	*t = ctx->t;
	struct coop		c;
	struct coop_member	m[COOP_MEMBERS_MAX];
	char			name[128], team[2][37], tname[64];
	const char		*skill, *extra;
	int			n, i, j, k;

	coop_new(ctx, &c, CK_LABOR);
	n = seed_rng_range(&ctx->rng, 8, COOP_MEMBERS_MAX);
	coop_members(ctx, &c, m, n, 1);
	for (i = 0; i < n; i++) {
		m[i].ckind = CC_LABOUR;
		m[i].labour_days = i == 0 ? seed_rng_range(&ctx->rng, 200,
		    300) : seed_rng_range(&ctx->rng, 6, 30) * 10;
	}
	(void)snprintf(name, sizeof(name), "%s%s劳务专业合作社", t->name,
	    coop_brand_labor[seed_rng_range(&ctx->rng, 0,
	    (int)SEED_NITEMS(coop_brand_labor) - 1)]);
	coop_write(ctx, &c, name, m[0].name,
	    (long long)seed_rng_range(&ctx->rng, 10, 50) * 1000000);
	if (coop_write_members(ctx, &c, m, n) == -1)
		return (-1);

	for (k = 0; k < 2; k++) {
		coop_uuid(ctx, team[k]);
		(void)snprintf(tname, sizeof(tname), "%s%s", t->short_name,
		    k == 0 ? "泥水施工队" : "家嫂服务队");
		coop_put(ctx, CT_TEAMS, "%s\t%s\t%s\t%s\t%s", team[k], c.id,
		    XZ_SEED_DEMO_COUNTY, t->code, tname);
	}

	/* Current members: the chair organises, the others alternate. */
	for (i = 0, j = 0; i < n; i++) {
		if (m[i].left >= 0)
			continue;
		k = i == 0 ? -1 : j++ % 2;
		if (k >= 0) {
			skill = k == 0 ? coop_skills_build[seed_rng_range(
			    &ctx->rng, 0,
			    (int)SEED_NITEMS(coop_skills_build) - 1)] :
			    coop_skills_service[seed_rng_range(&ctx->rng, 0,
			    (int)SEED_NITEMS(coop_skills_service) - 1)];
			coop_put(ctx, CT_TEAM_MEMBERS, "%s\t%s\t%s\t%s\t%s",
			    team[k], m[i].id, c.id, XZ_SEED_DEMO_COUNTY,
			    t->code);
			coop_put(ctx, CT_SKILLS, "%s\t%s\t%s\t%s\t%s\t%d",
			    m[i].id, skill, c.id, XZ_SEED_DEMO_COUNTY,
			    t->code, seed_rng_range(&ctx->rng, 8, 26));
		} else
			skill = "";
		if (k < 0 || seed_rng_range(&ctx->rng, 0, 1) == 0) {
			extra = coop_skills_extra[seed_rng_range(&ctx->rng,
			    0, (int)SEED_NITEMS(coop_skills_extra) - 1)];
			if (strcmp(extra, skill) != 0)
				coop_put(ctx, CT_SKILLS,
				    "%s\t%s\t%s\t%s\t%s\t%d", m[i].id, extra,
				    c.id, XZ_SEED_DEMO_COUNTY, t->code,
				    seed_rng_range(&ctx->rng, 4, 20));
		}
	}

	/* A team costs 1,500 to 4,000 yuan a day. */
	for (k = 0; k < 2; k++)
		coop_walk(ctx, &c, NULL, team[k], seasons[k], 2, 12, 150000,
		    400000);
	return (0);
}

/* 农机: money pooled into machines; machine bookings. */
static int
coop_machinery(struct coop_ctx *ctx)
{
	static const int	typew[5] = { 30, 20, 20, 25, 5 };
	static const int	first[5] = {
		COOP_TRACTORS, COOP_HARVESTERS, COOP_TRANSPLANTERS,
		COOP_DRONES, COOP_OTHER
	};
	static const int	count[5] = { 5, 4, 3, 3, 1 };
	static const int	lmax[5] = { 4, 5, 4, 2, 5 };
	static const int	condw[3] = { 70, 25, 5 };
	static const char	*conds[3] = { "good", "fair", "poor" };
	const struct coop_town	*t = ctx->t;
	const struct coop_model	*md;
	struct coop		c;
	struct coop_member	m[COOP_MEMBERS_MAX];
	char			name[128], plate[32];
	char			mid[COOP_MACHINES_MAX][37];
	char			d0[32], d1[32], at[32], bid[37];
	long long		capital;
	int			n, i, k, nm, type, lo;

	coop_new(ctx, &c, CK_MACHINERY);
	n = seed_rng_range(&ctx->rng, 8, COOP_MEMBERS_MAX);
	coop_members(ctx, &c, m, n, 1);
	capital = 0;
	for (i = 0; i < n; i++) {
		m[i].ckind = CC_MONEY;
		/* In 万 yuan (1,000,000 fen) or 5,000-yuan steps. */
		if (i == 0)
			m[i].fen = seed_rng_range(&ctx->rng, 20, 80) *
			    1000000LL;
		else if (strcmp(m[i].role, "member") != 0)
			m[i].fen = seed_rng_range(&ctx->rng, 5, 30) * 1000000LL;
		else
			m[i].fen = seed_rng_range(&ctx->rng, 2, 20) * 500000LL;
		capital += m[i].fen;
	}
	(void)snprintf(name, sizeof(name), "%s%s农机专业合作社", t->name,
	    coop_brand_machinery[seed_rng_range(&ctx->rng, 0,
	    (int)SEED_NITEMS(coop_brand_machinery) - 1)]);
	coop_write(ctx, &c, name, m[0].name, capital);
	if (coop_write_members(ctx, &c, m, n) == -1)
		return (-1);

	/* A tractor and a harvester at least. */
	nm = seed_rng_range(&ctx->rng, 3, COOP_MACHINES_MAX);
	for (k = 0; k < nm; k++) {
		type = k < 2 ? k : coop_pick(ctx, typew, 5);
		md = &coop_models[first[type] +
		    seed_rng_range(&ctx->rng, 0, count[type] - 1)];
		coop_uuid(ctx, mid[k]);
		coop_plate(ctx, md->serial, plate, sizeof(plate));
		coop_put(ctx, CT_MACHINES, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s",
		    mid[k], c.id, XZ_SEED_DEMO_COUNTY, t->code, md->type,
		    md->model, md->power, plate,
		    conds[coop_pick(ctx, condw, 3)]);
		coop_walk(ctx, &c, mid[k], NULL, coop_seasons[type], 3,
		    lmax[type], coop_day_rate[type][0], coop_day_rate[type][1]);
	}

	/* Cancellation keeps the record: one cancelled booking (July). */
	coop_uuid(ctx, bid);
	lo = xz_days_from_civil(ctx->year, 7,
	    seed_rng_range(&ctx->rng, 5, 20));
	coop_date(lo, d0, sizeof(d0));
	coop_date(lo + 2, d1, sizeof(d1));
	coop_date(lo - 3, at, sizeof(at));
	coop_put(ctx, CT_BOOKINGS, "%s\t%s\t%s\t%s\t%s\t\\N\tvillage\t%s\t"
	    "[%s,%s)\t%d\tcancelled\t%s 09:30:00+08\t天气原因取消，改期另约\t"
	    "seed-demo", bid, c.id, XZ_SEED_DEMO_COUNTY, t->code, mid[0],
	    c.served[0]->code, d0, d1, 2 * 80000, at);
	return (0);
}

/* 农地: households pool their contracted parcels; some are transferred. */
static int
coop_farmland(struct coop_ctx *ctx)
{
	static const int	usew[4] = { 65, 20, 8, 7 };
	static const char	*uses[4] = {
		"arable", "garden", "forest", "water"
	};
	static const char	*firms[] = {
		"绿源", "丰禾", "稻香", "茗香", "溪谷", "田园",
	};
	const struct coop_town	*t = ctx->t;
	struct coop		c;
	struct coop_member	m[COOP_MEMBERS_MAX];
	char			name[128], pid[COOP_PARCELS_MAX][37];
	char			bounds[4][32], lessee[3][128], person[32];
	char			d0[32], d1[32], tid[37];
	int			owner[COOP_PARCELS_MAX], used[COOP_PARCELS_MAX];
	int			n, np, i, j, k, nt, nl, area, total;
	int			sy, fy, dur;
	int			start, y0;

	coop_new(ctx, &c, CK_FARMLAND);
	n = seed_rng_range(&ctx->rng, 8, COOP_MEMBERS_MAX);
	coop_members(ctx, &c, m, n, 0);
	for (i = 0; i < n; i++) {
		m[i].ckind = CC_LAND;
		m[i].group = seed_rng_range(&ctx->rng, 1, 12);
		m[i].household = 10 * (i + 1) + seed_rng_range(&ctx->rng, 0, 9);
	}

	/* Every household pools one parcel or more. */
	np = seed_rng_range(&ctx->rng, n > 10 ? n : 10, COOP_PARCELS_MAX);
	total = 0;
	for (k = 0; k < np; k++) {
		owner[k] = k < n ? k : seed_rng_range(&ctx->rng, 0, n - 1);
		i = owner[k];
		area = seed_rng_range(&ctx->rng, 0, 4) == 0 ?
		    seed_rng_range(&ctx->rng, 400, 1500) :
		    seed_rng_range(&ctx->rng, 50, 400);
		m[i].mu_x100 += area;
		total += area;
		for (j = 0; j < 4; j++) {
			if (seed_rng_range(&ctx->rng, 0, 1) == 0)
				(void)snprintf(bounds[j], sizeof(bounds[j]),
				    "%s家%s", coop_surnames[seed_rng_range(
				    &ctx->rng, 0,
				    (int)SEED_NITEMS(coop_surnames) - 1)],
				    seed_rng_range(&ctx->rng, 0, 3) == 0 ?
				    "茶园" : "田");
			else
				(void)snprintf(bounds[j], sizeof(bounds[j]),
				    "%s", coop_bounds[seed_rng_range(
				    &ctx->rng, 0,
				    (int)SEED_NITEMS(coop_bounds) - 1)]);
		}
		coop_uuid(ctx, pid[k]);
		/* 地块编码: the 14-digit 发包方 code, a 5-digit sequence. */
		coop_put(ctx, CT_PARCELS, "%s\t%s\t%s\t%s\t%s\t%s\t%s%02d%05d\t"
		    "%s%02d%04dJ\t%d\t%s\t东至%s，南至%s，西至%s，北至%s",
		    pid[k], c.id, XZ_SEED_DEMO_COUNTY, t->code, m[i].id,
		    m[i].v->code, m[i].v->code, m[i].group,
		    1000 + 10 * k + seed_rng_range(&ctx->rng, 0, 9),
		    m[i].v->code, m[i].group, m[i].household, area,
		    uses[coop_pick(ctx, usew, 4)], bounds[0], bounds[1],
		    bounds[2], bounds[3]);
	}

	/* Shares valued at 2,000 yuan a mu, rounded up to 万 yuan. */
	(void)snprintf(name, sizeof(name), "%s土地股份合作社", t->name);
	coop_write(ctx, &c, name, m[0].name,
	    ((long long)total * 2000 + 999999) / 1000000 * 1000000);
	if (coop_write_members(ctx, &c, m, n) == -1)
		return (-1);

	/* 流转 to a family farm, a large grower and maybe a company. */
	nl = seed_rng_range(&ctx->rng, 2, 3);
	coop_person(ctx, 1, person, sizeof(person));
	(void)snprintf(lessee[0], sizeof(lessee[0]), "%s%s家庭农场", t->name,
	    person);
	coop_person(ctx, 1, person, sizeof(person));
	(void)snprintf(lessee[1], sizeof(lessee[1]), "种植大户%s", person);
	(void)snprintf(lessee[2], sizeof(lessee[2]), "青溪县%s农业开发有限公司",
	    firms[seed_rng_range(&ctx->rng, 0, (int)SEED_NITEMS(firms) - 1)]);

	memset(used, 0, sizeof(used));
	nt = seed_rng_range(&ctx->rng, 3, np / 2 < 8 ? np / 2 : 8);
	fy = coop_year(c.founded);
	for (j = 0; j < nt; j++) {
		do {
			k = seed_rng_range(&ctx->rng, 0, np - 1);
		} while (used[k]);
		used[k] = 1;
		i = owner[k];
		/* Signed in the last four years, after founding and joining. */
		sy = ctx->year - seed_rng_range(&ctx->rng, 1, 4);
		if (sy <= fy)
			sy = fy + 1;
		y0 = coop_year(m[i].joined);
		if (sy <= y0)
			sy = y0 + 1;
		dur = seed_rng_range(&ctx->rng, 3, 10);
		if (sy + dur <= ctx->year)
			dur = ctx->year - sy + 1;
		start = seed_rng_range(&ctx->rng, 0, 1) == 0 ? 1 : 11;
		(void)snprintf(d0, sizeof(d0), "%04d-%02d-01", sy, start);
		(void)snprintf(d1, sizeof(d1), "%04d-%02d-01", sy + dur, start);
		coop_uuid(ctx, tid);
		coop_put(ctx, CT_TRANSFERS, "%s\t%s\t%s\t%s\t%s\t%s\t[%s,%s)\t"
		    "%d", tid, c.id, XZ_SEED_DEMO_COUNTY, t->code, pid[k],
		    lessee[seed_rng_range(&ctx->rng, 0, nl - 1)], d0, d1,
		    seed_rng_range(&ctx->rng, 40, 120) * 1000);
	}
	return (0);
}

/* 农房: idle houses pooled; a couple are leased. */
static int
coop_housing(struct coop_ctx *ctx)
{
	static const int	condw[4] = { 30, 40, 20, 10 };
	static const char	*conds[4] = {
		"good", "fair", "poor", "dilapidated"
	};
	static const char	*lessees[] = {
		"杭州云栖文旅发展有限公司", "青溪县溪上民宿有限公司",
		"湖州竹乡文化创意工作室", "上海禾心乡村旅游发展有限公司",
		"青溪县山居岁月民宿", "浙江乡野研学教育科技有限公司",
	};
	const struct coop_town	*t = ctx->t;
	struct coop		c;
	struct coop_member	m[COOP_MEMBERS_MAX];
	char			name[128], hid[COOP_HOUSES_MAX][37], lid[37];
	char			d0[32], d1[32];
	int			owner[COOP_HOUSES_MAX], no[COOP_HOUSES_MAX];
	int			n, nh, nl, i, j, k, off, cond, sy, dur, mon, l0;

	coop_new(ctx, &c, CK_HOUSING);
	n = seed_rng_range(&ctx->rng, 8, COOP_MEMBERS_MAX);
	coop_members(ctx, &c, m, n, 0);

	/* Owners contribute the homestead, the others money. */
	nh = seed_rng_range(&ctx->rng, 3, COOP_HOUSES_MAX);
	off = seed_rng_range(&ctx->rng, 0, n - 1);
	for (i = 0; i < n; i++) {
		m[i].ckind = CC_MONEY;
		m[i].fen = seed_rng_range(&ctx->rng, 1, 10) * 500000LL;
	}
	for (k = 0; k < nh; k++) {
		owner[k] = (off + k) % n;
		m[owner[k]].ckind = CC_LAND;
		m[owner[k]].mu_x100 = seed_rng_range(&ctx->rng, 15, 45);
	}
	(void)snprintf(name, sizeof(name), "%s%s农房合作社", t->name,
	    coop_brand_housing[seed_rng_range(&ctx->rng, 0,
	    (int)SEED_NITEMS(coop_brand_housing) - 1)]);
	coop_write(ctx, &c, name, m[0].name,
	    (long long)seed_rng_range(&ctx->rng, 20, 200) * 1000000);
	if (coop_write_members(ctx, &c, m, n) == -1)
		return (-1);

	/* The first nl houses are leased (so in use and in fair shape). */
	nl = seed_rng_range(&ctx->rng, 1, 2);
	for (k = 0; k < nh; k++) {
		i = owner[k];
		/* House numbers unique in the village. */
		do {
			no[k] = seed_rng_range(&ctx->rng, 1, 199);
			for (j = 0; j < k; j++) {
				if (no[j] == no[k] && m[owner[j]].v == m[i].v)
					break;
			}
		} while (j < k);
		cond = k < nl ? seed_rng_range(&ctx->rng, 0, 1) :
		    coop_pick(ctx, condw, 4);
		l0 = seed_rng_range(&ctx->rng, 800, 3200);	/* 0.1 m2 */
		coop_uuid(ctx, hid[k]);
		coop_put(ctx, CT_HOUSES, "%s\t%s\t%s\t%s\t%s\t%s\t%s%d号\t"
		    "%d.%d\t%s\t%s", hid[k], c.id, XZ_SEED_DEMO_COUNTY,
		    t->code, m[i].id, m[i].v->code, m[i].v->name, no[k],
		    l0 / 10, l0 % 10,
		    conds[cond], k < nl ? "in_use" : "idle");
	}

	for (k = 0; k < nl; k++) {
		i = owner[k];
		sy = ctx->year - seed_rng_range(&ctx->rng, 1, 3);
		if (sy <= coop_year(c.founded))
			sy = coop_year(c.founded) + 1;
		if (sy <= coop_year(m[i].joined))
			sy = coop_year(m[i].joined) + 1;
		dur = seed_rng_range(&ctx->rng, 5, 15);
		mon = seed_rng_range(&ctx->rng, 1, 12);
		(void)snprintf(d0, sizeof(d0), "%04d-%02d-01", sy, mon);
		(void)snprintf(d1, sizeof(d1), "%04d-%02d-01", sy + dur, mon);
		coop_uuid(ctx, lid);
		coop_put(ctx, CT_LEASES,
		    "%s\t%s\t%s\t%s\t%s\t%s\t[%s,%s)\t%lld", lid, c.id,
		    XZ_SEED_DEMO_COUNTY, t->code, hid[k],
		    lessees[(seed_rng_range(&ctx->rng, 0, 2) + 3 * k) %
		    (int)SEED_NITEMS(lessees)], d0, d1,
		    (long long)seed_rng_range(&ctx->rng, 80, 360) * 10000);
	}
	return (0);
}

/*
 * Demo funds (issue 5), for the demo county 330599: the money goes
 * through the migration's own functions (xz.fund_allocate, fund_commit,
 * fund_transition, fund_disburse, ...) under the claims of the user who
 * would do each step, so the ledger, the history and the audit rows are
 * the ones the service would write and the ledger verifies.
 *
 * Decisions:
 * - One PL/pgSQL block built here and sent as one statement in one
 *   transaction: a couple of thousand calls without a round trip each.
 *   Before committing, xz.fund_ledger_verify() must answer ok.
 * - Fiscal year: the current year (UTC+8), like the cooperatives'
 *   bookings, so the reports' default window (this year) shows it; every
 *   start, payment and acceptance lies between January 1 and today.
 *   Everything else is drawn from a PRNG seeded with the county code: the
 *   same plan every run (the ids are the database's).
 * - Sources: 涉农整合资金, 民生实事项目资金, 乡村振兴衔接资金.  Every
 *   township gets an allocation from each, sized from what its projects
 *   commit plus a margin, so every township also has money available.
 * - Projects: in every township four contractor-built projects whose
 *   states rotate through all nine (draft .. closed, so each state occurs
 *   five or six times in the county), a village-run 人居环境整治 project
 *   proposed by the township's demo village user (submitted or draft), and
 *   in every town (镇) the 雨污分流 programme, village by village (村
 *   only), each a village-run work on the township's per-capita lump sum
 *   (budget = population served x per-capita fen) with a planned and,
 *   once accepted, an actual share of local craftsmen; the programme
 *   advances in waves: the first villages closed, then completed, in
 *   progress, passed, filed, submitted, and the last still drafts.  One
 *   project in progress in five is past its planned end (overdue).
 * - Actors: the county user county.330599 reviews and approves projects
 *   above the township limit (default 400,000 yuan); the township officer
 *   officer.<code> approves, starts, pays and accepts; projects are made
 *   and submitted by a township clerk (subject seed-demo-clerk.<code>,
 *   not a login) or by the village user, never by their approver: the
 *   demo officers can approve the submitted ones themselves.  Subjects
 *   are the demo users' ids when they exist (seed-demo.<login> if not).
 * - Payments: a 30% advance once started; after acceptance the rest of
 *   the actual cost (92-100% of the budget), less a 3% retention while
 *   the project is only completed; closing releases what was not paid.
 *   Village-run works pay the village collective, and while in progress
 *   the township's labour cooperative for its craftsmen; one payment
 *   made to the wrong payee is reversed and paid again; one allocation
 *   is partly withdrawn.
 */

#define FUND_SOURCES		3
#define FUND_TOWNS_MAX		32
#define FUND_VILLAGES_MAX	64
#define FUND_PROJECTS_MAX	640
#define FUND_LIMIT_FEN		40000000LL	/* default approval limit */

enum fund_state {
	FS_DRAFT, FS_SUBMITTED, FS_FILED, FS_PASSED, FS_RECTIFY, FS_REVOKED,
	FS_PROGRESS, FS_COMPLETED, FS_CLOSED, FS_COUNT
};

enum fund_cat {
	FC_SEWAGE, FC_ROAD, FC_WATER, FC_TOILET, FC_SANITATION, FC_INDUSTRY,
	FC_OTHER, FC_COUNT
};

static const char *const fund_state_name[FS_COUNT] = {
	"draft", "submitted", "filed", "review_passed",
	"rectification_required", "revoked", "in_progress", "completed",
	"closed",
};

static const char *const fund_cat_name[FC_COUNT] = {
	"rain_sewage_separation", "village_road", "drinking_water",
	"toilet_renovation", "sanitation", "industry", "other",
};

static const struct {
	const char	*name;
	const char	*category;
	const char	*doc;		/* 文号 prefix */
} fund_sources[FUND_SOURCES] = {
	{ "涉农整合资金", "integrated_agriculture", "青财农" },
	{ "民生实事项目资金", "livelihood", "青财社" },
	{ "乡村振兴衔接资金", "rural_revitalisation", "青财振" },
};

/* Which source pays for a category first, and which second. */
static const int fund_cat_source[FC_COUNT][2] = {
	{ 0, 2 }, { 0, 2 }, { 1, 0 }, { 1, 2 }, { 2, 1 }, { 2, 0 }, { 1, 0 },
};

static const char *const fund_contractors[] = {
	"青溪县交通建设工程有限公司", "浙江溪源水务工程有限公司",
	"青溪县宏达建筑工程有限公司", "浙江绿洲环境工程有限公司",
	"青溪县路桥建设有限公司", "浙江青禾农业开发有限公司",
	"青溪县城乡建设发展有限公司", "浙江锦程市政园林有限公司",
};

struct fund_village {
	const char		*code;
	const char		*name;
	int			pop;
};

struct fund_town {
	const char		*code;
	const char		*name;
	int			sub;		/* 街道 */
	struct fund_village	v[FUND_VILLAGES_MAX];
	int			nv;
	char			officer[96];
	char			clerk[64];
	char			vuser[96];	/* first village's user */
	const char		*coop_id;	/* labour cooperative */
	const char		*coop_name;
	long long		per_capita;	/* 雨污分流 lump sum */
	long long		need[FUND_SOURCES];
	long long		alloc[FUND_SOURCES];
};

struct fund_proj {
	int			town;
	int			village;	/* -1: township-wide */
	enum fund_cat		cat;
	enum fund_state		state;
	int			village_run;
	int			by_village;	/* made by the village user */
	char			title[160];
	const char		*contractor;
	int			pop;
	long long		per_capita;
	int			planned_pct;
	long long		budget;
	int			nlines;
	int			src[2];
	long long		amt[2];
};

struct fund_ctx {
	struct seed_buf		sql;
	struct seed_rng		rng;
	int			year;
	int			today;		/* days since 1970-01-01 */
	int			jan1;
	char			county[96];
	struct fund_town	*t;
	int			nt;
	struct fund_proj	*p;
	int			np;
	int			key;		/* next idempotency key */
	int			nstate[FS_COUNT];
	int			npay, nrev;
};

static int	fund_demo_load(PGconn *, struct fund_ctx *, PGresult **);
static void	fund_plan(struct fund_ctx *);
static void	fund_plan_add(struct fund_ctx *, int, int, enum fund_cat,
		    enum fund_state, int);
static void	fund_emit(struct fund_ctx *);
static void	fund_emit_project(struct fund_ctx *, const struct fund_proj *,
		    int);
static void	fund_as(struct fund_ctx *, const char *, const char *,
		    const char *, const char *);
static void	fund_pay(struct fund_ctx *, const struct fund_proj *,
		    long long, int, int);
static int	fund_day(const struct fund_ctx *, int);
static long long fund_round(long long, long long);

static int
fund_demo(PGconn *conn)
{
	struct fund_ctx		*ctx;
	PGresult		*res[3];
	time_t			now;
	struct tm		tm;
	int			exists, ok, rc, i;

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK ||
	    PQtransactionStatus(conn) != PQTRANS_IDLE) {
		fprintf(stderr, "seed: funds: the connection is not idle\n");
		return (-1);
	}

	memset(res, 0, sizeof(res));
	rc = -1;
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL ||
	    (ctx->t = calloc(FUND_TOWNS_MAX, sizeof(*ctx->t))) == NULL ||
	    (ctx->p = calloc(FUND_PROJECTS_MAX, sizeof(*ctx->p))) == NULL) {
		fprintf(stderr, "seed: out of memory\n");
		goto out;
	}

	/* Today in China Standard Time. */
	now = time(NULL) + 8 * 60 * 60;
	if (gmtime_r(&now, &tm) == NULL) {
		fprintf(stderr, "seed: cannot read the clock\n");
		goto out;
	}
	ctx->year = tm.tm_year + 1900;
	ctx->today = (int)xz_days_from_civil(ctx->year, tm.tm_mon + 1,
	    tm.tm_mday);
	ctx->jan1 = (int)xz_days_from_civil(ctx->year, 1, 1);

	if (seed_begin(conn) == -1)
		goto out;
	if (seed_query_bool(conn, "demo funds check",
	    "select exists (select 1 from fund_sources where county_code = '"
	    XZ_SEED_DEMO_COUNTY "')", &exists) == -1)
		goto out;
	if (exists) {
		fprintf(stderr, "seed: demo funds already exist, nothing to "
		    "do\n");
		rc = 0;
		goto out;
	}
	if (fund_demo_load(conn, ctx, res) == -1)
		goto out;
	if (ctx->nt == 0) {
		rc = 0;		/* No demo county: nothing to fund. */
		goto out;
	}

	seed_rng_init(&ctx->rng, strtoull(XZ_SEED_DEMO_COUNTY, NULL, 10) ^
	    0x66756e6473ULL);	/* "funds" */
	fund_plan(ctx);
	fund_emit(ctx);
	if (ctx->sql.oom) {
		fprintf(stderr, "seed: out of memory\n");
		goto out;
	}
	if (seed_exec(conn, ctx->sql.data) == -1)
		goto out;

	/*
	 * The block ends under the county's claims, but the owner sees every
	 * county: verify when the demo county is all there is (at the
	 * benchmark scales `make bench` verifies through the API).
	 */
	if (seed_query_bool(conn, "demo funds ledger verification",
	    "select coalesce((select (xz.fund_ledger_verify() ->> 'ok')"
	    "::boolean where not exists (select 1 from fund_ledger"
	    " where county_code <> '" XZ_SEED_DEMO_COUNTY "')), true)",
	    &ok) == -1)
		goto out;
	if (!ok) {
		fprintf(stderr, "seed: the demo funds ledger does not verify; "
		    "nothing loaded\n");
		goto out;
	}
	if (seed_exec(conn, "commit") == -1)
		goto out;

	fprintf(stderr, "seed: demo funds: %d sources, %d allocations, "
	    "%d projects (", FUND_SOURCES, FUND_SOURCES * ctx->nt, ctx->np);
	for (i = 0; i < FS_COUNT; i++)
		fprintf(stderr, "%s %d%s", fund_state_name[i], ctx->nstate[i],
		    i + 1 < FS_COUNT ? ", " : "), ");
	fprintf(stderr, "%d payments, %d reversal\n", ctx->npay, ctx->nrev);
	rc = 0;

out:
	for (i = 0; i < 3; i++)
		PQclear(res[i]);
	if (PQtransactionStatus(conn) == PQTRANS_INTRANS ||
	    PQtransactionStatus(conn) == PQTRANS_INERROR)
		(void)seed_exec(conn, "rollback");
	if (ctx != NULL) {
		seed_buf_free(&ctx->sql);
		free(ctx->t);
		free(ctx->p);
		free(ctx);
	}
	return (rc);
}

/*
 * The demo county's townships and villages, its users (their ids are the
 * subjects) and each township's labour cooperative.  The rows stay in
 * res[] for as long as ctx points into them.
 */
static int
fund_demo_load(PGconn *conn, struct fund_ctx *ctx, PGresult **res)
{
	static const char	*const sql[3] = {
		"select t.code, t.name, t.kind = 'subdistrict', v.code,"
		    " v.name, v.population from townships t"
		    " join villages v on v.township_code = t.code"
		    " where t.county_code = '" XZ_SEED_DEMO_COUNTY "'"
		    " order by t.code, v.code",
		"select login, id::text from users"
		    " where county_code = '" XZ_SEED_DEMO_COUNTY "'",
		"select distinct on (township_code) township_code, id::text,"
		    " name from cooperatives"
		    " where county_code = '" XZ_SEED_DEMO_COUNTY "'"
		    " and kind = 'labor' order by township_code, id",
	};
	struct fund_town	*t;
	const char		*login, *code;
	char			want[64];
	int			i, r, k;

	for (i = 0; i < 3; i++) {
		res[i] = PQexec(conn, sql[i]);
		if (PQresultStatus(res[i]) != PGRES_TUPLES_OK) {
			seed_pgerror("demo funds",
			    PQresultErrorMessage(res[i]));
			return (-1);
		}
	}

	for (r = 0; r < PQntuples(res[0]); r++) {
		code = PQgetvalue(res[0], r, 0);
		if (ctx->nt == 0 || strcmp(ctx->t[ctx->nt - 1].code,
		    code) != 0) {
			if (ctx->nt == FUND_TOWNS_MAX) {
				fprintf(stderr, "seed: funds: too many "
				    "townships\n");
				return (-1);
			}
			t = &ctx->t[ctx->nt++];
			t->code = code;
			t->name = PQgetvalue(res[0], r, 1);
			t->sub = strcmp(PQgetvalue(res[0], r, 2), "t") == 0;
		}
		t = &ctx->t[ctx->nt - 1];
		if (t->nv == FUND_VILLAGES_MAX)
			continue;
		t->v[t->nv].code = PQgetvalue(res[0], r, 3);
		t->v[t->nv].name = PQgetvalue(res[0], r, 4);
		t->v[t->nv].pop = atoi(PQgetvalue(res[0], r, 5));
		t->nv++;
	}

	/* Subjects: the demo users' ids, or a name when there is none. */
	(void)snprintf(ctx->county, sizeof(ctx->county),
	    "seed-demo.county." XZ_SEED_DEMO_COUNTY);
	for (i = 0; i < ctx->nt; i++) {
		t = &ctx->t[i];
		(void)snprintf(t->officer, sizeof(t->officer),
		    "seed-demo.officer.%s", t->code);
		(void)snprintf(t->clerk, sizeof(t->clerk),
		    "seed-demo-clerk.%s", t->code);
		(void)snprintf(t->vuser, sizeof(t->vuser),
		    "seed-demo.village.%s", t->v[0].code);
	}
	for (r = 0; r < PQntuples(res[1]); r++) {
		login = PQgetvalue(res[1], r, 0);
		if (strcmp(login, "county." XZ_SEED_DEMO_COUNTY) == 0)
			(void)snprintf(ctx->county, sizeof(ctx->county), "%s",
			    PQgetvalue(res[1], r, 1));
		for (i = 0; i < ctx->nt; i++) {
			t = &ctx->t[i];
			(void)snprintf(want, sizeof(want), "officer.%s",
			    t->code);
			if (strcmp(login, want) == 0)
				(void)snprintf(t->officer, sizeof(t->officer),
				    "%s", PQgetvalue(res[1], r, 1));
			(void)snprintf(want, sizeof(want), "village.%s",
			    t->v[0].code);
			if (strcmp(login, want) == 0)
				(void)snprintf(t->vuser, sizeof(t->vuser),
				    "%s", PQgetvalue(res[1], r, 1));
		}
	}

	for (r = 0; r < PQntuples(res[2]); r++) {
		for (k = 0; k < ctx->nt; k++) {
			if (strcmp(ctx->t[k].code,
			    PQgetvalue(res[2], r, 0)) == 0) {
				ctx->t[k].coop_id = PQgetvalue(res[2], r, 1);
				ctx->t[k].coop_name = PQgetvalue(res[2], r, 2);
			}
		}
	}
	return (0);
}

/* Every township: four contractor projects, a village's own, 雨污分流. */
static void
fund_plan(struct fund_ctx *ctx)
{
	static const enum fund_cat	cats[6] = {
		FC_ROAD, FC_WATER, FC_TOILET, FC_INDUSTRY, FC_OTHER,
		FC_SANITATION,
	};
	struct fund_town		*t;
	int				i, j, k, n, pos, frac;
	enum fund_state			st;

	for (i = 0; i < ctx->nt; i++) {
		t = &ctx->t[i];
		/* 150 to 260 yuan a head, in 10-yuan steps. */
		t->per_capita = seed_rng_range(&ctx->rng, 15, 26) * 1000LL;
		for (k = 0; k < 4; k++) {
			st = (enum fund_state)((i * 4 + k) % FS_COUNT);
			fund_plan_add(ctx, i, cats[(i + k) % 6] == FC_TOILET ?
			    -1 : seed_rng_range(&ctx->rng, 0, t->nv - 1),
			    cats[(i + k) % 6], st, 0);
		}
		fund_plan_add(ctx, i, 0, FC_SANITATION,
		    i % 2 == 0 ? FS_SUBMITTED : FS_DRAFT, 1);

		if (t->sub)
			continue;
		/* 雨污分流 in the 村 (codes 200..), in waves. */
		for (n = 0, j = 0; j < t->nv; j++)
			n += strcmp(t->v[j].code + 9, "200") >= 0;
		for (pos = 0, j = 0; j < t->nv; j++) {
			if (strcmp(t->v[j].code + 9, "200") < 0)
				continue;
			frac = pos++ * 100 / n;
			st = frac < 20 ? FS_CLOSED : frac < 30 ? FS_COMPLETED :
			    frac < 55 ? FS_PROGRESS : frac < 65 ? FS_PASSED :
			    frac < 75 ? FS_FILED : frac < 85 ? FS_SUBMITTED :
			    FS_DRAFT;
			fund_plan_add(ctx, i, j, FC_SEWAGE, st, 0);
		}
	}
}

static void
fund_plan_add(struct fund_ctx *ctx, int town, int village, enum fund_cat cat,
    enum fund_state st, int by_village)
{
	/* Contractor budgets in 万 yuan (1,000,000 fen), by category. */
	static const int	lo[FC_COUNT] = { 0, 20, 10, 8, 5, 20, 5 };
	static const int	hi[FC_COUNT] = { 0, 90, 60, 30, 30, 120, 40 };
	struct fund_town	*t = &ctx->t[town];
	struct fund_proj	*p;
	const char		*vn, *tn;
	char			tshort[64];
	size_t			len;
	long long		first;
	int			pct;

	if (ctx->np == FUND_PROJECTS_MAX)
		return;
	p = &ctx->p[ctx->np++];
	memset(p, 0, sizeof(*p));
	p->town = town;
	p->village = village;
	p->cat = cat;
	p->state = st;
	p->by_village = by_village;
	p->village_run = cat == FC_SEWAGE || by_village;
	ctx->nstate[st]++;

	/* 溪口镇 -> 溪口, 城关街道 -> 城关 (titles). */
	(void)snprintf(tshort, sizeof(tshort), "%s", t->name);
	len = strlen(tshort);
	if (len > strlen("街道") &&
	    strcmp(tshort + len - strlen("街道"), "街道") == 0)
		tshort[len - strlen("街道")] = '\0';
	else if (len > strlen("镇") &&
	    strcmp(tshort + len - strlen("镇"), "镇") == 0)
		tshort[len - strlen("镇")] = '\0';
	vn = village >= 0 ? t->v[village].name : "";
	tn = tshort;

	switch (cat) {
	case FC_SEWAGE:
		(void)snprintf(p->title, sizeof(p->title), "%s雨污分流工程",
		    vn);
		break;
	case FC_ROAD:
		(void)snprintf(p->title, sizeof(p->title),
		    "%s通村公路提升改造工程", vn);
		break;
	case FC_WATER:
		(void)snprintf(p->title, sizeof(p->title),
		    "%s农村饮用水达标提标工程", vn);
		break;
	case FC_TOILET:
		(void)snprintf(p->title, sizeof(p->title),
		    "%s农村公厕改造提升项目", tn);
		break;
	case FC_SANITATION:
		(void)snprintf(p->title, sizeof(p->title), "%s人居环境整治%s",
		    vn, by_village ? "(村级自建)" : "项目");
		break;
	case FC_INDUSTRY:
		(void)snprintf(p->title, sizeof(p->title),
		    "%s茶叶加工厂房建设项目", vn);
		break;
	default:
		(void)snprintf(p->title, sizeof(p->title),
		    "%s文化礼堂修缮工程", vn);
		break;
	}

	if (p->village_run) {
		pct = cat == FC_SEWAGE ? seed_rng_range(&ctx->rng, 60, 100) :
		    100;
		p->pop = (t->v[village].pop * pct + 50) / 100;
		p->per_capita = cat == FC_SEWAGE ? t->per_capita :
		    seed_rng_range(&ctx->rng, 3, 8) * 1000LL;
		p->planned_pct = seed_rng_range(&ctx->rng, 40, 75);
		p->budget = (long long)p->pop * p->per_capita;
	} else {
		p->contractor = fund_contractors[seed_rng_range(&ctx->rng, 0,
		    (int)SEED_NITEMS(fund_contractors) - 1)];
		p->budget = seed_rng_range(&ctx->rng, lo[cat] * 10,
		    hi[cat] * 10) * 100000LL;
	}

	/* Above 300,000 yuan two sources share it (60-80% the first). */
	p->src[0] = fund_cat_source[cat][0];
	p->src[1] = fund_cat_source[cat][1];
	if (p->budget > 30000000LL) {
		first = fund_round(p->budget * seed_rng_range(&ctx->rng, 60,
		    80) / 100, 100);
		p->nlines = 2;
		p->amt[0] = first;
		p->amt[1] = p->budget - first;
	} else {
		p->nlines = 1;
		p->amt[0] = p->budget;
	}
	/* A draft is funded in part: its first line only. */
	if (st == FS_DRAFT)
		p->nlines = 1;
	t->need[p->src[0]] += p->amt[0];
	if (p->nlines == 2)
		t->need[p->src[1]] += p->amt[1];
}

/* The PL/pgSQL block: sources, allocations, then every project. */
static void
fund_emit(struct fund_ctx *ctx)
{
	struct seed_buf		*b = &ctx->sql;
	struct fund_town	*t;
	long long		total, w;
	int			i, k;

	seed_buf_printf(b, "do $seed$\ndeclare\n\ts uuid[] := '{}';\n"
	    "\ta uuid[] := '{}';\n\tp uuid;\n\td uuid;\nbegin\n"
	    "perform set_config('app.request_id', 'seed-demo', true);\n");
	fund_as(ctx, "county", "", "", ctx->county);

	/* Allocations: what is committed plus 15-40%, in 10万 yuan. */
	for (i = 0; i < ctx->nt; i++) {
		t = &ctx->t[i];
		for (k = 0; k < FUND_SOURCES; k++)
			t->alloc[k] = fund_round(t->need[k] *
			    seed_rng_range(&ctx->rng, 115, 140) / 100 +
			    5000000, 10000000);
	}
	for (k = 0; k < FUND_SOURCES; k++) {
		for (total = 0, i = 0; i < ctx->nt; i++)
			total += ctx->t[i].alloc[k];
		/* About a tenth kept back, in 100万 yuan. */
		total = fund_round(total * 11 / 10, 100000000);
		seed_buf_printf(b, "insert into fund_sources (county_code, "
		    "name, category, fiscal_year, total_fen, document_no) "
		    "values ('" XZ_SEED_DEMO_COUNTY "', '%s', '%s', %d, %lld, "
		    "'%s〔%d〕%d号') returning id into p;\ns := s || p;\n",
		    fund_sources[k].name, fund_sources[k].category, ctx->year,
		    total, fund_sources[k].doc, ctx->year, k + 1);
	}
	for (i = 0; i < ctx->nt; i++) {
		t = &ctx->t[i];
		for (k = 0; k < FUND_SOURCES; k++)
			seed_buf_printf(b, "a := a || (xz.fund_allocate("
			    "s[%d], '%s', %lld, '%d年%s%s', '%s〔%d〕%d号') "
			    "->> 'id')::uuid;\n", k + 1, t->code, t->alloc[k],
			    ctx->year, t->name, fund_sources[k].name,
			    fund_sources[k].doc, ctx->year,
			    11 + i * FUND_SOURCES + k);
	}
	/* The county takes back half the margin of one allocation. */
	if (ctx->nt > 1) {
		t = &ctx->t[1];
		w = fund_round((t->alloc[2] - t->need[2]) / 2 - 500000,
		    1000000);
		if (w > 0)
			seed_buf_printf(b, "perform xz.fund_withdraw(a[%d], "
			    "%lld, '项目调整，收回部分资金统筹使用');\n",
			    1 * FUND_SOURCES + 3, w);
	}

	for (i = 0; i < ctx->np; i++)
		fund_emit_project(ctx, &ctx->p[i], i);

	fund_as(ctx, "county", "", "", ctx->county);
	seed_buf_printf(b, "end\n$seed$");
}

static void
fund_emit_project(struct fund_ctx *ctx, const struct fund_proj *p, int n)
{
	static const char	*const why_rectify[] = {
		"施工图预算未经第三方审核，请补充预算审核报告后重新报批",
		"项目实施方案缺少村民代表会议决议，请补充后重新报批",
		"资金来源与项目类别不符，请调整资金渠道后重新报批",
	};
	static const char	*const why_revoke[] = {
		"项目与县级已批复项目重复，予以撤销",
		"项目选址涉及永久基本农田，不符合用地要求，予以撤销",
	};
	struct seed_buf		*b = &ctx->sql;
	const struct fund_town	*t = &ctx->t[p->town];
	const char		*maker;
	char			d0[16], d1[16], dc[16], extra[512];
	int			start, end, done, i, pct;
	long long		actual, paid, part;

	/* When it starts, ends and was accepted, by how far it got. */
	switch (p->state) {
	case FS_CLOSED:
		start = -seed_rng_range(&ctx->rng, 200, 300);
		done = -seed_rng_range(&ctx->rng, 40, 90);
		end = done + seed_rng_range(&ctx->rng, 0, 20);
		break;
	case FS_COMPLETED:
		start = -seed_rng_range(&ctx->rng, 120, 200);
		done = -seed_rng_range(&ctx->rng, 3, 30);
		end = done + seed_rng_range(&ctx->rng, 0, 20);
		break;
	case FS_PROGRESS:
		/* One in five is overdue (the county summary counts them). */
		start = -seed_rng_range(&ctx->rng, 20, 110);
		end = n % 5 == 0 ? -seed_rng_range(&ctx->rng, 3, 15) :
		    seed_rng_range(&ctx->rng, 30, 150);
		done = 0;
		break;
	default:
		start = seed_rng_range(&ctx->rng, 15, 90);
		end = start + seed_rng_range(&ctx->rng, 60, 180);
		done = 0;
		break;
	}
	coop_date(fund_day(ctx, start), d0, sizeof(d0));
	coop_date(fund_day(ctx, end), d1, sizeof(d1));

	if (p->village_run)
		(void)snprintf(extra, sizeof(extra), "\"delivery\": "
		    "\"village_run\", \"population_served\": %d, "
		    "\"per_capita_fen\": %lld, \"planned_craftsmen_pct\": %d",
		    p->pop, p->per_capita, p->planned_pct);
	else
		(void)snprintf(extra, sizeof(extra), "\"delivery\": "
		    "\"contractor\", \"contractor\": \"%s\"", p->contractor);

	maker = p->by_village ? t->vuser : t->clerk;
	if (p->by_village)
		fund_as(ctx, "village", t->code, t->v[p->village].code, maker);
	else
		fund_as(ctx, "township", t->code, "", maker);
	seed_buf_printf(b, "p := (xz.fund_project_create('{\"title\": \"%s\", "
	    "\"category\": \"%s\", %s%s%s%s, \"budget_fen\": %lld, "
	    "\"planned_start\": \"%s\", \"planned_end\": \"%s\"}'::jsonb) "
	    "->> 'id')::uuid;\n", p->title, fund_cat_name[p->cat],
	    p->village >= 0 ? "\"village_code\": \"" : "",
	    p->village >= 0 ? t->v[p->village].code : "",
	    p->village >= 0 ? "\", " : "", extra, p->budget, d0, d1);

	/* The township commits the money (the village user cannot). */
	fund_as(ctx, "township", t->code, "", t->officer);
	for (i = 0; i < p->nlines; i++)
		seed_buf_printf(b, "perform xz.fund_commit(p, a[%d], %lld);\n",
		    p->town * FUND_SOURCES + p->src[i] + 1, p->amt[i]);
	if (p->state == FS_DRAFT)
		return;

	if (p->by_village)
		fund_as(ctx, "village", t->code, t->v[p->village].code, maker);
	else
		fund_as(ctx, "township", t->code, "", maker);
	seed_buf_printf(b, "perform xz.fund_transition(p, 'submit', null, "
	    "'{}'::jsonb);\n");
	if (p->state == FS_SUBMITTED)
		return;

	/* Above the limit the county approves, else the township officer. */
	if (p->budget > FUND_LIMIT_FEN)
		fund_as(ctx, "county", "", "", ctx->county);
	else
		fund_as(ctx, "township", t->code, "", t->officer);
	seed_buf_printf(b, "perform xz.fund_transition(p, 'approve', null, "
	    "'{}'::jsonb);\n");
	if (p->state == FS_FILED)
		return;

	fund_as(ctx, "county", "", "", ctx->county);
	if (p->state == FS_RECTIFY)
		seed_buf_printf(b, "perform xz.fund_transition(p, 'review', "
		    "null, '{\"decision\": \"rectification_required\", "
		    "\"reason\": \"%s\"}'::jsonb);\n", why_rectify[n %
		    (int)SEED_NITEMS(why_rectify)]);
	else if (p->state == FS_REVOKED)
		seed_buf_printf(b, "perform xz.fund_transition(p, 'review', "
		    "null, '{\"decision\": \"revoked\", \"reason\": \"%s\"}'"
		    "::jsonb);\n",
		    why_revoke[n % (int)SEED_NITEMS(why_revoke)]);
	else
		seed_buf_printf(b, "perform xz.fund_transition(p, 'review', "
		    "null, '{\"decision\": \"passed\"}'::jsonb);\n");
	if (p->state == FS_PASSED || p->state == FS_RECTIFY ||
	    p->state == FS_REVOKED)
		return;

	fund_as(ctx, "township", t->code, "", t->officer);
	seed_buf_printf(b, "perform xz.fund_transition(p, 'start', null, "
	    "'{}'::jsonb);\n");

	/*
	 * A 30% advance a few days after the start; village-run works
	 * then pay the labour cooperative for its craftsmen's days.
	 */
	part = fund_round(p->budget * 3 / 10, 100);
	if (p->state == FS_PROGRESS) {
		fund_pay(ctx, p, part, start + 5, ctx->nrev == 0 ? 2 : 0);
		if (p->village_run && t->coop_id != NULL)
			fund_pay(ctx, p, fund_round(p->budget *
			    seed_rng_range(&ctx->rng, 15, 30) / 100, 100),
			    start / 3, 1);
		return;
	}

	/*
	 * Accepted at 92-100% of the budget: the advance, then the rest
	 * after acceptance, less a 3% retention until closing.
	 */
	actual = fund_round(p->budget * seed_rng_range(&ctx->rng, 92, 100) /
	    100, 100);
	fund_pay(ctx, p, part, start + 5, 0);
	paid = part;
	part = actual - paid - (p->state == FS_COMPLETED ?
	    fund_round(actual * 3 / 100, 100) : 0);
	if (part > 0)
		fund_pay(ctx, p, part, done + 2, 0);

	coop_date(fund_day(ctx, done), dc, sizeof(dc));
	pct = p->planned_pct + seed_rng_range(&ctx->rng, -10, 10);
	if (p->village_run)
		(void)snprintf(extra, sizeof(extra),
		    ", \"actual_craftsmen_pct\": %d", pct);
	else
		extra[0] = '\0';
	seed_buf_printf(b, "perform xz.fund_transition(p, 'complete', null, "
	    "'{\"actual_cost_fen\": %lld, \"completed_on\": \"%s\"%s}'"
	    "::jsonb);\n", actual, dc, extra);
	if (p->state == FS_CLOSED)
		seed_buf_printf(b, "perform xz.fund_transition(p, 'close', "
		    "null, '{}'::jsonb);\n");
}

/* Binds the claims of the next steps' actor. */
static void
fund_as(struct fund_ctx *ctx, const char *role, const char *township,
    const char *village, const char *sub)
{
	seed_buf_printf(&ctx->sql, "perform"
	    " set_config('app.role', '%s', true),"
	    " set_config('app.county', '" XZ_SEED_DEMO_COUNTY "', true),"
	    " set_config('app.township', '%s', true),"
	    " set_config('app.village', '%s', true),"
	    " set_config('app.sub', '%s', true);\n", role, township, village,
	    sub);
}

/*
 * One payment on day offset `day` (not before January 1 nor after
 * today).  payee: 0 the contractor or the village collective, 1 the
 * township's labour cooperative, 2 first to a wrong payee, reversed,
 * then to the right one.
 */
static void
fund_pay(struct fund_ctx *ctx, const struct fund_proj *p, long long amount,
    int day, int payee)
{
	struct seed_buf		*b = &ctx->sql;
	const struct fund_town	*t = &ctx->t[p->town];
	char			on[16], name[160], coop[96];
	const char		*kind;

	if (day > 0)
		day = 0;
	coop_date(fund_day(ctx, day), on, sizeof(on));
	coop[0] = '\0';
	if (payee == 1 && t->coop_id != NULL) {
		kind = "cooperative";
		(void)snprintf(name, sizeof(name), "%s", t->coop_name);
		(void)snprintf(coop, sizeof(coop), ", \"cooperative_id\": "
		    "\"%s\"", t->coop_id);
	} else if (p->village_run) {
		kind = "village_collective";
		(void)snprintf(name, sizeof(name), "%s股份经济合作社",
		    t->v[p->village].name);
	} else {
		kind = "contractor";
		(void)snprintf(name, sizeof(name), "%s", p->contractor);
	}

	if (payee == 2) {
		seed_buf_printf(b, "select (r.body ->> 'id')::uuid into d "
		    "from xz.fund_disburse(p, 'seed-demo-pay-%d', "
		    "'{\"amount_fen\": %lld, \"payee_kind\": \"%s\", "
		    "\"payee_name\": \"%s\", "
		    "\"voucher_no\": \"记%d-%05d\", \"paid_on\": \"%s\"}'"
		    "::jsonb) r;\n", ctx->key, amount, kind,
		    "青溪县宏达建筑工程有限公司", ctx->year, ctx->key, on);
		ctx->key++;
		seed_buf_printf(b, "perform xz.fund_reverse(d, "
		    "'seed-demo-pay-%d', '收款单位填写错误，冲正后重新支付');\n",
		    ctx->key++);
		ctx->npay++;
		ctx->nrev++;
	}
	seed_buf_printf(b, "perform xz.fund_disburse(p, 'seed-demo-pay-%d', "
	    "'{\"amount_fen\": %lld, \"payee_kind\": \"%s\", \"payee_name\": "
	    "\"%s\"%s, \"voucher_no\": \"记%d-%05d\", \"paid_on\": \"%s\"}'"
	    "::jsonb);\n", ctx->key, amount, kind, name, coop, ctx->year,
	    ctx->key, on);
	ctx->key++;
	ctx->npay++;
}

/* Today plus offset, but not before January 1 of the fiscal year. */
static int
fund_day(const struct fund_ctx *ctx, int offset)
{
	return (ctx->today + offset < ctx->jan1 ? ctx->jan1 :
	    ctx->today + offset);
}

/* v rounded to a multiple of step (half up). */
static long long
fund_round(long long v, long long step)
{
	return ((v + step / 2) / step * step);
}

/*
 * Funds of the benchmark counties (--scale prefecture and province; the
 * demo county has its own, above), in batches: a batch gives every
 * township of every benchmark county an allocation from each of three
 * new sources and four projects (52 a county), so the first batch makes
 * 5,148 projects at province scale.  XZ_SEED_FUNDS_BATCHES (default 1,
 * at most 100) asks for more; a later run adds the batches that are
 * missing, which is how `make bench` grows the funds data tenfold.
 *
 * Decisions:
 * - Set-based SQL through the same triggers the service's writes fire:
 *   allocations and payments are inserted as business rows (their
 *   triggers write the ledger), commitments and releases as ledger rows
 *   (the ledger trigger moves the counters), transitions as updates of
 *   the status under the claims of the role that makes them (the guard
 *   trigger checks them and writes history, filings and audit rows).
 *   So the ledger verifies, and the counters the county summary reads
 *   are the ones the service keeps.
 * - Each step is its own transaction: PostgreSQL re-checks every foreign
 *   key of a row updated in the transaction that inserted it, which
 *   doubles the cost of a batch done in one.  A run stopped midway
 *   leaves its last batch with projects in earlier states; every
 *   committed step keeps the ledger consistent.
 * - Plan: state by a hash of township, batch and project (35% in
 *   progress, 15% completed, 15% closed, 10% filed, 5% each passed,
 *   submitted, draft, rectification and revoked); projects 0 and 2 are
 *   village-run 雨污分流 works at 150-260 yuan a head for 60-100% of a
 *   village, 1 and 3 contractor works of 10万-90万 yuan; one funding
 *   line each; a 30% advance for projects in progress (whose remaining
 *   commitments the benchmark pays from), 90% paid when completed, the
 *   actual cost (95%) when closed.  Dates: this year (UTC+8), one in five
 *   projects in progress overdue.
 */

#define FUND_BATCHES_MAX	100
#define FUND_INT4OID		23
#define FUND_TEXTARRAYOID	1009

/*
 * One statement under the claims of role and sub (none: no claims); a
 * step with `with_next` shares its transaction with the next one.
 * Parameters: $1 the batch (int), $2 the benchmark counties (text[]).
 */
struct fund_step {
	const char	*role;
	const char	*sub;
	int		with_next;
	const char	*sql;
};

static const struct fund_step fund_steps[] = {
	{ NULL, NULL, 1,
	    "create temp table sb_src as select c.code as county_code, k,"
	    " gen_random_uuid() as id, (array[500000000, 200000000,"
	    " 300000000])[k + 1]::bigint as base"
	    " from counties c cross join generate_series(0, 2) k"
	    " where c.code = any ($2::text[])" },
	{ "county", "seed-bench-county", 1,
	    "insert into fund_sources (id, county_code, name, category,"
	    " fiscal_year, total_fen, document_no)"
	    " select id, county_code, (array['涉农整合资金', '民生实事项目资金',"
	    " '乡村振兴衔接资金'])[k + 1] || case when $1::int > 0 then"
	    " '（第' || $1::int + 1 || '批）' else '' end,"
	    " (array['integrated_agriculture', 'livelihood',"
	    " 'rural_revitalisation'])[k + 1],"
	    " extract(year from current_date),"
	    " 13 * (base + 100000000),"
	    " (array['财农', '财社', '财振'])[k + 1] || '〔' ||"
	    " extract(year from current_date) || '〕' ||"
	    " ($1::int * 3 + k + 1) || '号' from sb_src" },
	{ "county", "seed-bench-county", 0,
	    "insert into fund_allocations (county_code, township_code,"
	    " source_id, amount_fen, purpose, document_no)"
	    " select t.county_code, t.code, s.id, s.base + ((t.code::bigint +"
	    " 7 * s.k + 13 * $1::int) % 10) * 10000000,"
	    " extract(year from current_date) || '年' || t.name || '项目资金',"
	    " '财分〔' || extract(year from current_date) || '〕' ||"
	    " ($1::int * 3 + s.k + 1) || '号'"
	    " from townships t join sb_src s"
	    " on s.county_code = t.county_code" },
	{ NULL, NULL, 1,
	    "create temp table sb_p as with v as (select code, township_code,"
	    " name, population, row_number() over (partition by"
	    " township_code order by code) - 1 as i, count(*) over"
	    " (partition by township_code) as n from villages"
	    " where county_code = any ($2::text[])),"
	    " tk as (select t.code, t.county_code, k, (t.code::bigint *"
	    " 1103515245 + ($1::int * 4 + k) * 12345 + 7) % 2147483647 as r"
	    " from townships t cross join generate_series(0, 3) k"
	    " where t.county_code = any ($2::text[])),"
	    " x as (select tk.*, v.code as village, v.name as vname,"
	    " v.population, case when r % 100 < 35 then 'in_progress'"
	    " when r % 100 < 50 then 'completed'"
	    " when r % 100 < 65 then 'closed'"
	    " when r % 100 < 70 then 'review_passed' when r % 100 < 80 then"
	    " 'filed' when r % 100 < 85 then 'submitted' when r % 100 < 90"
	    " then 'draft' when r % 100 < 95 then 'rectification_required'"
	    " else 'revoked' end as state, k % 2 = 0 as vr,"
	    " case k when 1 then 1 when 3 then 2 else 0 end as src"
	    " from tk join v on v.township_code = tk.code and"
	    " v.i = (tk.r / 7) % v.n)"
	    " select gen_random_uuid() as id, x.*,"
	    " case when vr then (population * (60 + r % 41) / 100)::int end"
	    " as pop, case when vr then 15000 + (r / 11) % 12 * 1000 end"
	    " as pc, case when vr then (40 + (r / 13) % 36)::int end as pct,"
	    " case when vr then null else (1 + (r / 19) % 6)::int end as cat,"
	    " case when vr then (population * (60 + r % 41) / 100)::bigint *"
	    " (15000 + (r / 11) % 12 * 1000) else (100 + (r / 17) % 800) *"
	    " 100000 end as budget from x" },
	{ "township", "seed-bench-clerk", 0,
	    "insert into fund_projects (id, county_code, township_code,"
	    " village_code, title, category, delivery, contractor,"
	    " population_served, per_capita_fen, planned_craftsmen_pct,"
	    " budget_fen, planned_start, planned_end)"
	    " select id, county_code, code, village, vname || case when vr"
	    " then '雨污分流工程' else (array['通村公路提升改造工程',"
	    " '农村饮用水达标提标工程', '公厕改造提升项目', '人居环境整治项目',"
	    " '茶叶加工厂房建设项目', '文化礼堂修缮工程'])[cat] end,"
	    " case when vr then 'rain_sewage_separation' else"
	    " (array['village_road', 'drinking_water', 'toilet_renovation',"
	    " 'sanitation', 'industry', 'other'])[cat] end,"
	    " case when vr then 'village_run' else 'contractor' end,"
	    " case when vr then null else (array['青溪交通建设工程有限公司',"
	    " '溪源水务工程有限公司', '宏达建筑工程有限公司',"
	    " '绿洲环境工程有限公司'])[(1 + r % 4)::int] end, pop, pc, pct,"
	    " budget, greatest(current_date - 60 - (r % 30)::int,"
	    " date_trunc('year', current_date)::date),"
	    " case when state = 'in_progress' and r % 5 = 0 then"
	    " greatest(current_date - 5, date_trunc('year',"
	    " current_date)::date) else current_date + 60 + (r % 90)::int end"
	    " from sb_p" },
	{ "township", "seed-bench-officer", 0,
	    "insert into fund_ledger (kind, county_code, township_code,"
	    " source_id, allocation_id, project_id, amount_fen)"
	    " select 'commitment', p.county_code, p.code, a.source_id, a.id,"
	    " p.id, p.budget from sb_p p join sb_src s on s.county_code ="
	    " p.county_code and s.k = p.src join fund_allocations a on"
	    " a.source_id = s.id and a.township_code = p.code" },
	{ "township", "seed-bench-clerk", 0,
	    "update fund_projects set status = 'submitted' where id in"
	    " (select id from sb_p where state <> 'draft')" },
	/* The township approves up to the default limit, the county above. */
	{ "township", "seed-bench-officer", 1,
	    "update fund_projects set status = 'filed' where id in"
	    " (select id from sb_p where state not in ('draft', 'submitted')"
	    " and budget <= 40000000)" },
	{ "county", "seed-bench-county", 0,
	    "update fund_projects set status = 'filed' where id in"
	    " (select id from sb_p where state not in ('draft', 'submitted')"
	    " and budget > 40000000)" },
	{ "county", "seed-bench-county", 1,
	    "update fund_projects set status = case when s.state in"
	    " ('rectification_required', 'revoked') then s.state else"
	    " 'review_passed' end, status_reason = case s.state"
	    " when 'rectification_required' then '请补充施工图预算审核报告'"
	    " when 'revoked' then '项目与已批复项目重复，予以撤销' end"
	    " from sb_p s where s.id = fund_projects.id and s.state not in"
	    " ('draft', 'submitted', 'filed')" },
	{ "county", "seed-bench-county", 0,
	    "select count(xz.fund_release_all(p, '项目与已批复项目重复，予以撤销'))"
	    " from fund_projects p where p.id in (select id from sb_p"
	    " where state = 'revoked')" },
	{ "township", "seed-bench-officer", 0,
	    "update fund_projects set status = 'in_progress' where id in"
	    " (select id from sb_p where state in ('in_progress',"
	    " 'completed', 'closed'))" },
	{ "township", "seed-bench-officer", 0,
	    "insert into fund_disbursements (project_id, county_code,"
	    " township_code, village_code, amount_fen, payee_kind,"
	    " payee_name, voucher_no, paid_on, idempotency_key,"
	    " request_hash) select id, county_code, code, village,"
	    " budget * 3 / 10, case when vr then 'village_collective' else"
	    " 'contractor' end, case when vr then vname || '股份经济合作社'"
	    " else '工程承包单位' end, '记' || $1::int || '-' || k || '-1',"
	    " greatest(current_date - 30, date_trunc('year',"
	    " current_date)::date), id || '-1', 'seed-bench' from sb_p"
	    " where state in ('in_progress', 'completed', 'closed')" },
	{ "township", "seed-bench-officer", 0,
	    "insert into fund_disbursements (project_id, county_code,"
	    " township_code, village_code, amount_fen, payee_kind,"
	    " payee_name, voucher_no, paid_on, idempotency_key,"
	    " request_hash) select id, county_code, code, village,"
	    " budget * 6 / 10, case when vr then 'village_collective' else"
	    " 'contractor' end, case when vr then vname || '股份经济合作社'"
	    " else '工程承包单位' end, '记' || $1::int || '-' || k || '-2',"
	    " greatest(current_date - 10, date_trunc('year',"
	    " current_date)::date), id || '-2', 'seed-bench' from sb_p"
	    " where state in ('completed', 'closed')" },
	{ "township", "seed-bench-officer", 0,
	    "update fund_projects set status = 'completed', actual_cost_fen ="
	    " s.budget * 95 / 100, actual_craftsmen_pct = case when s.vr then"
	    " least(s.pct + (s.r % 21)::int - 10, 100) end,"
	    " completed_on = greatest(current_date - 5, date_trunc('year',"
	    " current_date)::date) from sb_p s where s.id = fund_projects.id"
	    " and s.state in ('completed', 'closed')" },
	{ "township", "seed-bench-officer", 1,
	    "insert into fund_disbursements (project_id, county_code,"
	    " township_code, village_code, amount_fen, payee_kind,"
	    " payee_name, voucher_no, paid_on, idempotency_key,"
	    " request_hash) select id, county_code, code, village,"
	    " budget * 95 / 100 - budget * 3 / 10 - budget * 6 / 10,"
	    " case when vr then 'village_collective' else 'contractor' end,"
	    " case when vr then vname || '股份经济合作社' else '工程承包单位'"
	    " end, '记' || $1::int || '-' || k || '-3',"
	    " greatest(current_date - 3, date_trunc('year',"
	    " current_date)::date), id || '-3', 'seed-bench' from sb_p"
	    " where state = 'closed' and"
	    " budget * 95 / 100 > budget * 3 / 10 + budget * 6 / 10" },
	{ "township", "seed-bench-officer", 1,
	    "update fund_projects set status = 'closed' where id in"
	    " (select id from sb_p where state = 'closed')" },
	{ "township", "seed-bench-officer", 0,
	    "select count(xz.fund_release_all(p, '竣工结余释放'))"
	    " from fund_projects p where p.id in (select id from sb_p"
	    " where state = 'closed')" },
	{ NULL, NULL, 1, "drop table sb_p" },
	{ NULL, NULL, 0, "drop table sb_src" },
};

static int	fund_scale_step(PGconn *, const struct fund_step *,
		    const char *const *);

/*
 * The benchmark counties are the ones xz_seed_demo made for this scale
 * (seed_generate: prefecture prefix, then 21..29), never the demo county
 * nor a county made by hand.
 */
static int
fund_scale(PGconn *conn, int ncounties)
{
	const char	*params[2], *env;
	char		counties[1024], batch[16];
	char		*end;
	PGresult	*res;
	size_t		len;
	long		want;
	int		i, have, b, rc;

	if (ncounties < 2)
		return (0);
	want = 1;
	if ((env = getenv("XZ_SEED_FUNDS_BATCHES")) != NULL && *env != '\0') {
		want = strtol(env, &end, 10);
		if (*end != '\0' || want < 1 || want > FUND_BATCHES_MAX) {
			fprintf(stderr, "seed: XZ_SEED_FUNDS_BATCHES must be "
			    "1 to %d\n", FUND_BATCHES_MAX);
			return (-1);
		}
	}

	len = 0;
	counties[len++] = '{';
	for (i = 0; i < ncounties - 1; i++) {
		if ((size_t)(i / SEED_COUNTIES_PER_PREF) >=
		    SEED_NITEMS(seed_prefectures) ||
		    len + 8 >= sizeof(counties))
			return (-1);
		len += (size_t)snprintf(counties + len, sizeof(counties) - len,
		    "%s%s%02d", i > 0 ? "," : "",
		    seed_prefectures[i / SEED_COUNTIES_PER_PREF],
		    21 + i % SEED_COUNTIES_PER_PREF);
	}
	counties[len++] = '}';
	counties[len] = '\0';

	/*
	 * Batches already there: three sources each in every county.  No
	 * benchmark counties (the demo county was seeded alone): nothing.
	 */
	params[0] = counties;
	res = PQexecParams(conn, "select count(*) / 3, exists (select 1"
	    " from counties where code = ($1::text[])[1]) from fund_sources"
	    " where county_code = ($1::text[])[1]", 1, NULL, params, NULL,
	    NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		seed_pgerror("benchmark funds check",
		    PQresultErrorMessage(res));
		PQclear(res);
		return (-1);
	}
	have = atoi(PQgetvalue(res, 0, 0));
	if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
		PQclear(res);
		return (0);
	}
	PQclear(res);
	if (have >= want) {
		fprintf(stderr, "seed: benchmark funds: %d batch%s already "
		    "there, nothing to do\n", have, have == 1 ? "" : "es");
		return (0);
	}

	rc = 0;
	for (b = have; b < want && rc == 0; b++) {
		(void)snprintf(batch, sizeof(batch), "%d", b);
		params[0] = batch;
		params[1] = counties;
		for (i = 0; i < (int)SEED_NITEMS(fund_steps) && rc == 0; i++)
			rc = fund_scale_step(conn, &fund_steps[i], params);
		if (rc == 0)
			fprintf(stderr, "seed: benchmark funds: batch %d of "
			    "%ld (%d counties)\n", b + 1, want,
			    ncounties - 1);
	}
	if (PQtransactionStatus(conn) == PQTRANS_INTRANS ||
	    PQtransactionStatus(conn) == PQTRANS_INERROR)
		(void)seed_exec(conn, "rollback");
	/* Temporary tables of a failed batch go with the session anyway. */
	return (rc);
}

static int
fund_scale_step(PGconn *conn, const struct fund_step *st,
    const char *const *params)
{
	static const Oid	types[2] = { FUND_INT4OID, FUND_TEXTARRAYOID };
	PGresult		*res;
	char			claims[256];
	int			rc;

	if (PQtransactionStatus(conn) == PQTRANS_IDLE &&
	    seed_exec(conn, "begin") == -1)
		return (-1);
	(void)snprintf(claims, sizeof(claims), "select"
	    " set_config('app.request_id', 'seed-demo', true),"
	    " set_config('app.role', '%s', true),"
	    " set_config('app.sub', '%s', true)",
	    st->role != NULL ? st->role : "",
	    st->sub != NULL ? st->sub : "");
	if (seed_exec(conn, claims) == -1)
		return (-1);
	res = PQexecParams(conn, st->sql, 2, types, params, NULL, NULL, 0);
	rc = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : -1;
	if (rc == -1)
		seed_pgerror("benchmark funds", PQresultErrorMessage(res));
	PQclear(res);
	if (rc == 0 && !st->with_next)
		rc = seed_exec(conn, "commit");
	return (rc);
}
