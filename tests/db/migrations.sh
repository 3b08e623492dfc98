#!/bin/sh
# `xiangzhi-admin migrate`, as TAP on stdout:
#
#   tests/db/migrations.sh DIR PGPORT
#
# DIR is the test work directory (the cluster is DIR/pg, its superuser's
# password DIR/pg/superuser.pw), PGPORT the cluster's port; the database
# xiangzhi is already migrated (tests/run-suites.sh calls this after setup).
# The main database is only read and re-migrated with the real files; the
# tests that edit or break migrations run on a fresh database created here
# (owned by xiangzhi_owner) and dropped at the end.

set -u

work=${1:?usage: migrations.sh DIR PGPORT}
port=${2:?usage: migrations.sh DIR PGPORT}
root=$(cd "$(dirname "$0")/../.." && pwd)
admin="$root/build/xiangzhi-admin"
migrations="$root/migrations"
owner_pw=${XZ_OWNER_PASSWORD:-xiangzhi-dev-owner}
owner_url=${XZ_OWNER_URL:-"host=127.0.0.1 port=$port dbname=xiangzhi user=xiangzhi_owner password=$owner_pw"}
fresh=xz_migtest_$$
fresh_url="host=127.0.0.1 port=$port dbname=$fresh user=xiangzhi_owner password=$owner_pw"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xz-migtest.XXXXXX")
n=0
failed=0

ok()
{
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok()
{
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}

# check NAME COMMAND...: ok when COMMAND succeeds.
check()
{
	name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		not_ok "$name"
		return 1
	fi
}

diag()
{
	sed 's/^/# /'
}

# q URL SQL: one value, unaligned.
q()
{
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

superq()
{
	PGPASSWORD=$(cat "$work/pg/superuser.pw") psql -X -q -At \
	    -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U xz_super \
	    -d postgres -c "$1"
}

cleanup()
{
	superq "drop database if exists $fresh with (force)" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

files=$(cd "$migrations" && ls | grep -E '^[0-9]{4}_[a-z0-9_]+\.sql$')
nfiles=$(echo "$files" | grep -c .)

# --- the main database -------------------------------------------------

before=$(q "$owner_url" "select string_agg(version || checksum ||
    applied_at::text, ',' order by version) from schema_migrations")
"$admin" migrate --dir "$migrations" --url "$owner_url" \
    >"$tmp/rerun.out" 2>"$tmp/rerun.err"
rc=$?
check "re-running migrate on a migrated database exits 0" [ "$rc" -eq 0 ] ||
    diag <"$tmp/rerun.err"
if grep -q . "$tmp/rerun.out" "$tmp/rerun.err"; then
	not_ok "re-running migrate applies nothing and says nothing"
	diag <"$tmp/rerun.out"
	diag <"$tmp/rerun.err"
else
	ok "re-running migrate applies nothing and says nothing"
fi
after=$(q "$owner_url" "select string_agg(version || checksum ||
    applied_at::text, ',' order by version) from schema_migrations")
check "re-running migrate leaves schema_migrations unchanged" \
    [ -n "$before" -a "$before" = "$after" ]

# One row per file, named after it, with the file's sha256.
q "$owner_url" "select name || ' ' || checksum || ' ' || version
    from schema_migrations order by name" >"$tmp/rows"
: >"$tmp/want"
for f in $files; do
	sum=$(sha256sum "$migrations/$f" | cut -d' ' -f1)
	echo "$f $sum $(echo "$f" | cut -c1-4)" >>"$tmp/want"
done
if [ "$nfiles" -gt 0 ] && cmp -s "$tmp/rows" "$tmp/want"; then
	ok "schema_migrations has one row per file ($nfiles), each with the file's sha256"
else
	not_ok "schema_migrations has one row per file ($nfiles), each with the file's sha256"
	echo "# rows:" ; diag <"$tmp/rows"
	echo "# files:"; diag <"$tmp/want"
fi
bad=$(q "$owner_url" "select count(*) from schema_migrations
    where checksum !~ '^[0-9a-f]{64}\$'")
check "every recorded checksum is 64 lowercase hex digits" [ "$bad" = 0 ]

# --- a fresh database: concurrent first runs ----------------------------

if ! superq "create database $fresh owner xiangzhi_owner" \
    >"$tmp/create.err" 2>&1; then
	not_ok "create a fresh database for the migration tests"
	diag <"$tmp/create.err"
	echo "1..$n"
	exit 1
fi

# The real files plus a slow last one, so the runners surely overlap.
mkdir "$tmp/conc"
cp "$migrations"/*.sql "$tmp/conc/"
cat >"$tmp/conc/9997_zz_slow.sql" <<'EOF'
create table xz_slow_probe (id integer);
select pg_sleep(1);
EOF
files=$(printf '%s\n%s\n' "$files" 9997_zz_slow.sql)
nfiles=$((nfiles + 1))
runners=4
i=1
while [ $i -le $runners ]; do
	"$admin" migrate --dir "$tmp/conc" --url "$fresh_url" \
	    >"$tmp/conc.$i.out" 2>"$tmp/conc.$i.err" &
	eval "pid_$i=\$!"
	i=$((i + 1))
done
allok=1
i=1
while [ $i -le $runners ]; do
	eval "wait \$pid_$i"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		allok=0
		echo "# runner $i exited $rc:"
		diag <"$tmp/conc.$i.err"
	fi
	i=$((i + 1))
done
check "$runners concurrent migrate runs on a fresh database all exit 0" \
    [ "$allok" -eq 1 ]

cat "$tmp"/conc.*.out | grep '^migrate: applied ' | sort >"$tmp/applied"
echo "$files" | sed 's/^/migrate: applied /' | sort >"$tmp/applied.want"
if cmp -s "$tmp/applied" "$tmp/applied.want"; then
	ok "across the concurrent runs every file was applied exactly once"
else
	not_ok "across the concurrent runs every file was applied exactly once"
	diag <"$tmp/applied"
fi
rows=$(q "$fresh_url" "select count(*) || '/' || count(distinct version)
    from schema_migrations")
check "the fresh database records each file once ($nfiles)" \
    [ "$rows" = "$nfiles/$nfiles" ]
have=$(q "$fresh_url" "select count(*) from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and
    c.relname in ('counties', 'townships', 'villages', 'audit_log')")
check "the fresh database has the org tables" [ "$have" = 4 ]

# --- an applied migration that was edited ------------------------------

mkdir "$tmp/edited"
cp "$tmp/conc"/*.sql "$tmp/edited/"
first=$(echo "$files" | head -1)
printf '%s\n' '-- an innocent-looking edit' >>"$tmp/edited/$first"
cat >"$tmp/edited/9998_zz_after_edit.sql" <<'EOF'
create table xz_after_edit_probe (id integer);
EOF
before=$(q "$fresh_url" "select string_agg(version || checksum, ',' order by
    version) from schema_migrations")
"$admin" migrate --dir "$tmp/edited" --url "$fresh_url" \
    >"$tmp/edit.out" 2>"$tmp/edit.err"
rc=$?
check "migrate refuses an applied migration whose file changed (exit $rc)" \
    [ "$rc" -ne 0 ]
if grep -q "$first" "$tmp/edit.err" && grep -qi "changed" "$tmp/edit.err"
then
	ok "the refusal names $first and says it was changed"
else
	not_ok "the refusal names $first and says it was changed"
	diag <"$tmp/edit.err"
fi
after=$(q "$fresh_url" "select string_agg(version || checksum, ',' order by
    version) from schema_migrations")
check "the refusal leaves schema_migrations unchanged" \
    [ "$before" = "$after" ]
probe=$(q "$fresh_url" "select to_regclass('public.xz_after_edit_probe')")
check "no later migration runs after the refusal" [ -z "$probe" ]

# --- a migration that fails ---------------------------------------------

mkdir "$tmp/broken"
cp "$tmp/conc"/*.sql "$tmp/broken/"
cat >"$tmp/broken/9998_zz_broken.sql" <<'EOF'
create table xz_broken_probe (id integer);
insert into xz_broken_probe values (1);
selec 1;
EOF
cat >"$tmp/broken/9999_zz_after_broken.sql" <<'EOF'
create table xz_after_broken_probe (id integer);
EOF
"$admin" migrate --dir "$tmp/broken" --url "$fresh_url" \
    >"$tmp/broken.out" 2>"$tmp/broken.err"
rc=$?
check "a migration with a syntax error makes migrate exit non-zero" \
    [ "$rc" -ne 0 ]
if grep -q "9998_zz_broken.sql" "$tmp/broken.err"; then
	ok "the failure names the failing file"
else
	not_ok "the failure names the failing file"
	diag <"$tmp/broken.err"
fi
probe=$(q "$fresh_url" "select to_regclass('public.xz_broken_probe')")
check "the failed migration's table does not exist" [ -z "$probe" ]
rows=$(q "$fresh_url" "select count(*) from schema_migrations
    where version in ('9998', '9999')")
check "the failed migration has no schema_migrations row" [ "$rows" = 0 ]
probe=$(q "$fresh_url" "select to_regclass('public.xz_after_broken_probe')")
check "no migration after the failed one was applied" [ -z "$probe" ]
# And the database still works: fix the file and it applies.
printf 'create table xz_broken_probe (id integer);\n' \
    >"$tmp/broken/9998_zz_broken.sql"
"$admin" migrate --dir "$tmp/broken" --url "$fresh_url" \
    >"$tmp/fixed.out" 2>"$tmp/fixed.err"
rc=$?
rows=$(q "$fresh_url" "select count(*) from schema_migrations
    where version in ('9998', '9999')")
check "after the fix both pending migrations apply" \
    [ "$rc" -eq 0 -a "$rows" = 2 ] || diag <"$tmp/fixed.err"

cleanup
trap - EXIT
left=$(superq "select count(*) from pg_database where datname = '$fresh'")
check "the fresh database was dropped" [ "$left" = 0 ]

echo "1..$n"
[ "$failed" -eq 0 ]
