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

#include <libpq-fe.h>

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
static int	seed_query_bool(PGconn *, const char *, const char *,
		    int *);
static int	seed_copy(PGconn *, const char *, const struct seed_buf *);
static void	seed_pgerror(const char *, const char *);

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
	int			ncounties, exists, owner, rc;

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

	if (seed_exec(conn, "begin") == -1)
		return (-1);
	if (seed_exec(conn,
	    "select pg_advisory_xact_lock(" SEED_LOCK_KEY ")") == -1)
		goto out;

	/* RLS would reject the rows for anyone else; say so plainly. */
	if (seed_query_bool(conn, "owner role check",
	    "select rolbypassrls or rolsuper from pg_roles "
	    "where rolname = current_user", &owner) == -1)
		goto out;
	if (!owner) {
		fprintf(stderr, "seed: must run as the owner role "
		    "(xiangzhi_owner, BYPASSRLS), not as %s\n",
		    PQuser(conn));
		goto out;
	}

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
