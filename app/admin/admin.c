/*
 * xiangzhi-admin: migrations, demo data, development tokens and the route
 * table.  Runs as the database owner; never as the service's role.
 *
 *   xiangzhi-admin migrate [--dir migrations]
 *   xiangzhi-admin seed-demo [--scale county|prefecture|province]
 *   xiangzhi-admin token mint --role R [--county C] [--township T]
 *       [--village V] [--scope S] [--townships a,b] [--sub S] [--ttl SEC]
 *   xiangzhi-admin routes
 *
 * The owner's connection string comes from XZ_OWNER_URL (or --url).
 */

#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "xiangzhi/auth.h"
#include "xiangzhi/core.h"
#include "xiangzhi/roles.h"
#include "xiangzhi/secret.h"
#include "xiangzhi/seed.h"

#define DEFAULT_OWNER_URL						\
	"host=127.0.0.1 port=54329 dbname=xiangzhi user=xiangzhi_owner"	\
	" password=xiangzhi-dev-owner"
#define MIGRATIONS_MAX	1000
#define SQL_MAX		(4 * 1024 * 1024)

static int		cmd_migrate(int, char **);
static int		cmd_seed(int, char **);
static int		cmd_token(int, char **);
static int		cmd_routes(void);
static int		cmd_user_add(int, char **);
static PGconn		*db_open(const char *);
static const char	*opt(int, char **, const char *, const char *);
static int		exec_ok(PGconn *, const char *);
static int		migration_apply(PGconn *, const char *, const char *);
static char		*file_read(const char *, size_t *);
static int		name_cmp(const void *, const void *);
static const char	*dash(const char *);
static void		roles_print(int);
static void		usage(void) __attribute__((noreturn));

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (sodium_init() < 0) {
		fprintf(stderr, "libsodium failed to initialise\n");
		return (1);
	}
	if (strcmp(argv[1], "migrate") == 0)
		return (cmd_migrate(argc - 2, argv + 2));
	if (strcmp(argv[1], "seed-demo") == 0)
		return (cmd_seed(argc - 2, argv + 2));
	if (strcmp(argv[1], "token") == 0 && argc > 2 &&
	    strcmp(argv[2], "mint") == 0)
		return (cmd_token(argc - 3, argv + 3));
	if (strcmp(argv[1], "routes") == 0)
		return (cmd_routes());
	if (strcmp(argv[1], "user") == 0 && argc > 2 &&
	    strcmp(argv[2], "add") == 0)
		return (cmd_user_add(argc - 3, argv + 3));
	usage();
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: xiangzhi-admin migrate [--dir DIR] [--url CONNINFO]\n"
	    "       xiangzhi-admin seed-demo [--scale county|prefecture|province]"
	    " [--url CONNINFO]\n"
	    "       xiangzhi-admin token mint --role county|township|village|"
	    "partner\n"
	    "           [--county C] [--township T] [--village V] [--scope S]\n"
	    "           [--townships T1,T2|*] [--sub S] [--ttl SECONDS]\n"
	    "       xiangzhi-admin routes\n"
	    "       xiangzhi-admin user add --login L --name NAME --county C\n"
	    "           [--township T [--village V]]   (password on stdin)\n"
	    "environment: XZ_OWNER_URL, XZ_JWT_ISSUER, XZ_JWT_AUDIENCE,\n"
	    "             XZ_JWT_SIGNING_KEY (kid:alg:file, default the\n"
	    "             development key dev-hs256)\n");
	exit(2);
}

static int
cmd_migrate(int argc, char **argv)
{
	const char	*dir;
	char		*names[MIGRATIONS_MAX], path[4096];
	DIR		*d;
	struct dirent	*de;
	regex_t		re;
	PGconn		*conn;
	size_t		n, i;
	int		rc;

	dir = opt(argc, argv, "--dir", "migrations");
	if ((conn = db_open(opt(argc, argv, "--url", NULL))) == NULL)
		return (1);
	if (regcomp(&re, "^[0-9]{4}_[a-z0-9_]+\\.sql$",
	    REG_EXTENDED | REG_NOSUB) != 0)
		return (1);
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "migrate: cannot open %s: %s\n", dir,
		    strerror(errno));
		PQfinish(conn);
		return (1);
	}
	n = 0;
	while ((de = readdir(d)) != NULL && n < MIGRATIONS_MAX) {
		if (regexec(&re, de->d_name, 0, NULL, 0) == 0)
			names[n++] = strdup(de->d_name);
	}
	(void)closedir(d);
	regfree(&re);
	qsort(names, n, sizeof(names[0]), name_cmp);

	/* One migrator at a time; the lock goes with the session. */
	rc = exec_ok(conn, "select pg_advisory_lock(7274968)") &&
	    exec_ok(conn, "create table if not exists schema_migrations ("
	    " version text primary key, name text not null,"
	    " checksum text not null,"
	    " applied_at timestamptz not null default now())") ? 0 : 1;
	for (i = 0; i < n && rc == 0; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		rc = migration_apply(conn, names[i], path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	PQfinish(conn);
	return (rc);
}

static int
migration_apply(PGconn *conn, const char *name, const char *path)
{
	unsigned char	digest[crypto_hash_sha256_BYTES];
	char		hex[crypto_hash_sha256_BYTES * 2 + 1], version[5];
	const char	*params[3];
	PGresult	*res;
	char		*sql;
	size_t		len;
	int		rc;

	if ((sql = file_read(path, &len)) == NULL)
		return (1);
	crypto_hash_sha256(digest, (unsigned char *)sql, len);
	(void)sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	memcpy(version, name, 4);
	version[4] = '\0';

	params[0] = version;
	res = PQexecParams(conn,
	    "select name, checksum from schema_migrations where version = $1",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "migrate: %s", PQerrorMessage(conn));
		PQclear(res);
		free(sql);
		return (1);
	}
	if (PQntuples(res) == 1) {
		rc = 0;
		if (strcmp(PQgetvalue(res, 0, 1), hex) != 0) {
			fprintf(stderr, "migrate: refusing to continue: %s was "
			    "changed after it was applied (recorded sha256 %.12s,"
			    " file %.12s). Released migrations are never edited;"
			    " restore the file and add a new migration.\n",
			    name, PQgetvalue(res, 0, 1), hex);
			rc = 1;
		}
		PQclear(res);
		free(sql);
		return (rc);
	}
	PQclear(res);

	rc = 1;
	if (!exec_ok(conn, "begin"))
		goto out;
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "migrate: %s failed: %s", name,
		    PQerrorMessage(conn));
		PQclear(res);
		(void)exec_ok(conn, "rollback");
		goto out;
	}
	PQclear(res);
	params[0] = version;
	params[1] = name;
	params[2] = hex;
	res = PQexecParams(conn, "insert into schema_migrations"
	    " (version, name, checksum) values ($1, $2, $3)",
	    3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "migrate: %s", PQerrorMessage(conn));
		PQclear(res);
		(void)exec_ok(conn, "rollback");
		goto out;
	}
	PQclear(res);
	if (!exec_ok(conn, "commit"))
		goto out;
	printf("migrate: applied %s\n", name);
	rc = 0;
out:
	free(sql);
	return (rc);
}

static int
cmd_seed(int argc, char **argv)
{
	PGconn		*conn;
	int		rc;

	if ((conn = db_open(opt(argc, argv, "--url", NULL))) == NULL)
		return (1);
	rc = xz_seed_demo(conn, opt(argc, argv, "--scale", "county"));
	if (rc == 0)
		rc = xz_seed_demo_identity(conn);
	if (rc == 0)
		rc = xz_seed_demo_coops(conn);
	if (rc == 0)
		rc = xz_seed_demo_personnel(conn);
	PQfinish(conn);
	return (rc == 0 ? 0 : 1);
}

/*
 * Creates a user directly (as the owner role): how the first county users
 * are made.  The password comes on stdin (one line) and must be changed at
 * the first sign-in, like any password set by someone else.
 */
static int
cmd_user_add(int argc, char **argv)
{
	char		line[XZ_SECRET_MAX + 2], hash[crypto_pwhash_STRBYTES];
	char		code[32];
	const char	*p[7], *login, *tw, *vil;
	PGconn		*conn;
	PGresult	*res;
	size_t		len;
	int		rc;

	login = opt(argc, argv, "--login", NULL);
	tw = opt(argc, argv, "--township", NULL);
	vil = opt(argc, argv, "--village", NULL);
	p[0] = login;
	p[1] = opt(argc, argv, "--name", NULL);
	p[2] = vil != NULL ? "village" : tw != NULL ? "township" : "county";
	p[3] = opt(argc, argv, "--county", NULL);
	p[4] = tw;
	p[5] = vil;
	if (login == NULL || p[1] == NULL || p[3] == NULL ||
	    (vil != NULL && tw == NULL)) {
		fprintf(stderr, "user add: --login, --name and --county are "
		    "required (--village needs --township)\n");
		return (2);
	}
	if (fgets(line, sizeof(line), stdin) == NULL) {
		fprintf(stderr, "user add: give the password on stdin\n");
		return (2);
	}
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	if (xz_password_check(line, len, login, code, sizeof(code)) != 0) {
		sodium_memzero(line, sizeof(line));
		fprintf(stderr, "user add: the password does not meet the "
		    "rules (%s)\n", code);
		return (2);
	}
	rc = xz_secret_hash(line, len, NULL, hash);
	sodium_memzero(line, sizeof(line));
	if (rc != 0 || (conn = db_open(opt(argc, argv, "--url", NULL))) ==
	    NULL)
		return (1);
	p[6] = hash;
	res = PQexecParams(conn, "insert into users (login, display_name,"
	    " level, county_code, township_code, village_code, password_hash,"
	    " created_by) values ($1, $2, $3, $4, $5, $6, $7, 'xiangzhi-admin')"
	    " returning id", 7, NULL, p, NULL, NULL, 0);
	rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : 1;
	if (rc == 0)
		printf("%s\n", PQgetvalue(res, 0, 0));
	else
		fprintf(stderr, "user add: %s", PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(conn);
	sodium_memzero(hash, sizeof(hash));
	return (rc);
}

static int
cmd_token(int argc, char **argv)
{
	struct xz_keyring	kr;
	struct xz_signer	sg;
	struct xz_claims	c;
	const char		*role, *v;
	char			err[256], *tok;

	memset(&c, 0, sizeof(c));
	role = opt(argc, argv, "--role", NULL);
	if ((c.role = xz_role_parse(role)) == XZ_ROLE_NONE) {
		fprintf(stderr, "token mint: --role must be county, township, "
		    "village or partner\n");
		return (2);
	}
	/* Codes imply their parents: a village token needs only --village. */
	if ((v = opt(argc, argv, "--village", NULL)) != NULL)
		(void)snprintf(c.village, sizeof(c.village), "%s", v);
	v = opt(argc, argv, "--township", c.village[0] ? c.village : NULL);
	if (v != NULL)
		(void)snprintf(c.township, sizeof(c.township), "%.9s", v);
	v = opt(argc, argv, "--county", c.township[0] ? c.township : NULL);
	if (v != NULL)
		(void)snprintf(c.county, sizeof(c.county), "%.6s", v);
	(void)snprintf(c.sub, sizeof(c.sub), "%s",
	    opt(argc, argv, "--sub", "dev-user"));
	(void)snprintf(c.scope, sizeof(c.scope), "%s",
	    opt(argc, argv, "--scope", ""));
	/* A partner token names its grant: the whole county unless told. */
	(void)snprintf(c.townships, sizeof(c.townships), "%s",
	    opt(argc, argv, "--townships", "*"));

	xz_keyring_init(&kr, xz_env_or("XZ_JWT_ISSUER", "xiangzhi-dev"),
	    xz_env_or("XZ_JWT_AUDIENCE", "xiangzhi"), 0);
	if (xz_signer_load(&sg, &kr, xz_env_or("XZ_JWT_SIGNING_KEY",
	    "dev-hs256:HS256:conf/dev-keys/hs256.key"), err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "token mint: %s\n", err);
		xz_keyring_free(&kr);
		return (1);
	}
	tok = xz_token_mint(&sg, &kr, &c, time(NULL),
	    atol(opt(argc, argv, "--ttl", "3600")));
	xz_signer_free(&sg);
	xz_keyring_free(&kr);
	if (tok == NULL) {
		fprintf(stderr, "token mint: signing failed\n");
		return (1);
	}
	printf("%s\n", tok);
	free(tok);
	return (0);
}

/* The permission table, one "METHOD path roles scope" line per route. */
static int
cmd_routes(void)
{
#define GET	"GET"
#define POST	"POST"
#define PATCH	"PATCH"
#define DELETE	"DELETE"
#define XZ_ROUTEF(m, p, r, s, f, start, finish)				\
	printf("%s %s ", m, p);						\
	roles_print(r);							\
	printf(" %s\n", dash(s));
#define XZ_ROUTE(m, p, r, s, start, finish)				\
	XZ_ROUTEF(m, p, r, s, 0, start, finish)

#include "../http/routes.def"

#undef XZ_ROUTE
#undef XZ_ROUTEF
	return (0);
}

static const char *
dash(const char *s)
{
	return (s != NULL ? s : "-");
}

static void
roles_print(int roles)
{
	static const int	all[] = { XZ_ROLE_COUNTY, XZ_ROLE_TOWNSHIP,
	    XZ_ROLE_VILLAGE, XZ_ROLE_PARTNER };
	size_t			i;
	int			n;

	n = 0;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (roles & all[i])
			printf("%s%s", n++ ? "," : "", xz_role_name(all[i]));
	}
	if (n == 0)
		printf("-");
}

static PGconn *
db_open(const char *url)
{
	PGconn		*conn;

	if (url == NULL)
		url = getenv("XZ_OWNER_URL");
	if (url == NULL || *url == '\0')
		url = DEFAULT_OWNER_URL;
	conn = PQconnectdb(url);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "cannot connect to the database: %s",
		    PQerrorMessage(conn));
		PQfinish(conn);
		return (NULL);
	}
	(void)exec_ok(conn, "set client_min_messages = warning");
	return (conn);
}

static int
exec_ok(PGconn *conn, const char *sql)
{
	PGresult	*res;
	int		ok;

	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "%s", PQerrorMessage(conn));
	PQclear(res);
	return (ok);
}

static const char *
opt(int argc, char **argv, const char *name, const char *def)
{
	int		i;

	for (i = 0; i + 1 < argc; i++) {
		if (strcmp(argv[i], name) == 0)
			return (argv[i + 1]);
	}
	return (def);
}

static char *
file_read(const char *path, size_t *len)
{
	FILE		*fp;
	char		*buf;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
		return (NULL);
	}
	buf = malloc(SQL_MAX + 1);
	*len = buf != NULL ? fread(buf, 1, SQL_MAX + 1, fp) : 0;
	(void)fclose(fp);
	if (buf == NULL || *len > SQL_MAX) {
		fprintf(stderr, "%s: too large\n", path);
		free(buf);
		return (NULL);
	}
	buf[*len] = '\0';
	return (buf);
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}
