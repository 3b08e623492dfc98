#!/bin/sh
# Brings up PostgreSQL and the service for `make run`, `make test` and
# `make bench` (called by the Makefile after the build).
#
#   run    var/pg cluster on $XZ_PG_PORT, service on $XZ_PORT, foreground
#   test   throwaway cluster and ports, every suite, "N passed, N failed"
#   bench  throwaway cluster with --scale province data, wrk + pgbench

set -eu

mode=${1:?usage: harness.sh run|test|bench}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. "$root/tests/lib.sh"

case "$mode" in
run)
	prepare_dir "$root/var"
	if ! "$root/app/admin/pgcluster.sh" exec test -w "$root/var"; then
		echo "make run: the unprivileged user that runs PostgreSQL and the" \
		    "service cannot reach $root/var; clone the repository" \
		    "somewhere it can (e.g. under /srv or /tmp)." >&2
		exit 1
	fi
	setup_db "$root/var/pg" "$XZ_PG_PORT" county
	stage_runtime "$root/var/rt" "$root/build/xiangzhi.so"
	kore_conf "$root/var/kore.conf" "$XZ_PORT" "$root/var/rt/xiangzhi.so"
	tok=$("$ADMIN" token mint --role county --county 330599 --sub demo-county)
	cat <<EOF

Xiangzhi is starting on http://127.0.0.1:$XZ_PORT (Ctrl-C stops it).
Demo county 330599 青溪县: 13 townships.

Sign in as a demo user (DEVELOPMENT ONLY: public demo passwords). Logins:
county.330599, officer.<township code> (e.g. officer.330599100) and
village.<village code> for each township's first village (e.g.
village.330599100001), all with the password xiangzhi-demo-2026:

  curl -s -X POST http://127.0.0.1:$XZ_PORT/api/v1/auth/token \\
      -d grant_type=password -d username=county.330599 \\
      -d password=xiangzhi-demo-2026

The demo partner client (client_credentials, HTTP Basic):

  curl -s -X POST http://127.0.0.1:$XZ_PORT/api/v1/auth/token \\
      -u 5a1f0000-0000-4000-8000-000000000001:xiangzhi-demo-partner-secret \\
      -d grant_type=client_credentials

Use the access_token from the answer, e.g.:

  TOKEN=\$(curl -s -X POST http://127.0.0.1:$XZ_PORT/api/v1/auth/token \\
      -d grant_type=password -d username=county.330599 \\
      -d password=xiangzhi-demo-2026 |
      sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$XZ_PORT/api/v1/auth/me

Or mint a development token without an account:

  build/xiangzhi-admin token mint --role county --county 330599
  build/xiangzhi-admin token mint --role township --township 330599100
  build/xiangzhi-admin token mint --role village --village 330599100200

then, for example:

  curl -H "Authorization: Bearer $tok" \\
      http://127.0.0.1:$XZ_PORT/api/v1/townships

The PostgreSQL cluster keeps running under var/pg (port $XZ_PG_PORT);
stop it with: app/admin/pgcluster.sh stop var/pg
EOF
	export XZ_DATABASE_URL
	export XZ_TRUSTED_ISSUERS_FILE="${XZ_TRUSTED_ISSUERS_FILE-conf/dev-issuers.json}"
	cd "$root/var/rt"
	exec "$root/app/admin/pgcluster.sh" exec \
	    stdbuf -oL kore -c "$root/var/kore.conf" -f -n -r
	;;
test)
	exec "$root/tests/run-suites.sh"
	;;
bench)
	exec "$root/tests/bench/run.sh"
	;;
*)
	echo "usage: harness.sh run|test|bench" >&2
	exit 2
	;;
esac
