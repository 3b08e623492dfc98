#!/bin/sh
# Database policy tests, as TAP on stdout (tests/run-suites.sh counts them).
#
#   XZ_OWNER_URL=... XZ_DATABASE_URL=... tests/db/run.sh
#
# setup.sql runs first as the owner (XZ_OWNER_URL): a second county and the
# xz_test schema of assertion helpers.  Then every other tests/db/*.sql runs,
# in name order, as the service's own role (XZ_DATABASE_URL).  The helpers
# report through NOTICEs ("ok - name", "not ok - name", "# comment"); this
# script numbers them.  An unexpected SQL error stops that file and is a
# failure, and so is a file that reports nothing.  The helper schema is
# dropped at the end; the second county stays (setup is idempotent).
#
# Why not pgTAP: it is not installed and the service's role has no TEMP
# privilege, so the helpers live in a schema the owner creates.

set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${XZ_OWNER_URL:?XZ_OWNER_URL (owner conninfo) is not set}"
: "${XZ_DATABASE_URL:?XZ_DATABASE_URL (service conninfo) is not set}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xz-dbtests.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Notices at the client whatever the role's defaults; no CONTEXT lines.
PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=notice"
export PGOPTIONS

# psql_file URL FILE: runs FILE; psql's messages go to $tmp/err.
psql_file()
{
	psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=terse \
	    -v SHOW_CONTEXT=never -o /dev/null -d "$1" -f "$2" \
	    >"$tmp/out" 2>"$tmp/err"
}

# tap FILE RC: turns psql's messages into unnumbered TAP lines.
tap()
{
	awk -v file="$1" -v rc="$2" '
	/NOTICE:  (not )?ok - / {
		sub(/^.*NOTICE:  /, ""); print; n++; next
	}
	/NOTICE:  # / { sub(/^.*NOTICE:  /, ""); print; next }
	/ERROR:  / {
		msg = $0; sub(/^psql:[^:]*\//, "", msg)
		print "not ok - " file ": unexpected error"
		print "# " msg
		bad = 1; n++; next
	}
	/^psql: / { print "# " $0; next }
	END {
		if (rc != 0 && !bad) {
			print "not ok - " file ": psql exited " rc
			n++
		}
		if (n == 0)
			print "not ok - " file ": reported no test"
	}' "$tmp/err"
}

: >"$tmp/all"

# Setup as the owner: not itself a test, but a failure is reported as one.
psql_file "$XZ_OWNER_URL" "$here/setup.sql"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "not ok - setup.sql as the owner (psql exited $rc)" >>"$tmp/all"
	sed 's/^/# /' "$tmp/err" >>"$tmp/all"
else
	for f in "$here"/*.sql; do
		name=$(basename "$f")
		[ "$name" = setup.sql ] && continue
		echo "# $name" >>"$tmp/all"
		psql_file "$XZ_DATABASE_URL" "$f"
		tap "$name" $? >>"$tmp/all"
	done
fi

# Leave the database as the migrations (plus the second county) made it.
psql -X -q -d "$XZ_OWNER_URL" -c 'drop schema if exists xz_test cascade' \
    >/dev/null 2>&1 || echo "# could not drop schema xz_test" >>"$tmp/all"

awk '
/^ok / { n++; sub(/^ok/, "ok " n); print; next }
/^not ok / { n++; f++; sub(/^not ok/, "not ok " n); print; next }
{ print }
END { print "1.." n; exit f > 0 }' "$tmp/all"
