#!/bin/sh
# A project-local PostgreSQL 15 cluster on 127.0.0.1 (no Unix sockets), for
# `make run`, `make test` and `make bench`.
#
#   pgcluster.sh start DIR PORT   create if missing, start, bootstrap roles+db
#   pgcluster.sh stop DIR         stop (fast)
#   pgcluster.sh restart DIR      stop and start again (same port)
#   pgcluster.sh user DIR         create the run user (as root) and give it DIR
#   pgcluster.sh exec CMD...      run CMD as the run user (as root) or as is
#
# initdb and postgres refuse to run as root: as root, the cluster belongs to
# the system user `xiangzhi` (created here if missing).  The role passwords
# below are DEVELOPMENT-ONLY defaults; override with XZ_OWNER_PASSWORD and
# XZ_APP_PASSWORD.

set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
RUNUSER=xiangzhi
OWNER_PW=${XZ_OWNER_PASSWORD:-xiangzhi-dev-owner}
APP_PW=${XZ_APP_PASSWORD:-xiangzhi-dev-app}

cmd=${1:?usage: pgcluster.sh start|stop|restart|user DIR [PORT] | exec CMD...}

as_owner()
{
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$RUNUSER" -- "$@"
	else
		"$@"
	fi
}

ensure_user()
{
	[ "$(id -u)" -eq 0 ] || return 0
	id "$RUNUSER" >/dev/null 2>&1 ||
	    useradd --system --no-create-home --shell /usr/sbin/nologin \
	    "$RUNUSER"
}

superpsql()
{
	PGPASSWORD=$(cat "$dir/superuser.pw") psql -X -q -v ON_ERROR_STOP=1 \
	    -h 127.0.0.1 -p "$port" -U xz_super "$@"
}

create()
{
	ensure_user
	mkdir -p "$dir"
	[ "$(id -u)" -ne 0 ] || chown "$RUNUSER" "$dir"
	chmod 700 "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_owner sh -c "umask 077 && head -c 24 /dev/urandom |
		    base64 | tr -d '/+=' > '$dir/superuser.pw'"
		as_owner "$PGBIN/initdb" -D "$dir/data" -U xz_super \
		    --auth=scram-sha-256 --pwfile="$dir/superuser.pw" \
		    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
			cat "$dir/initdb.log" >&2
			exit 1
		}
		cat >>"$dir/data/postgresql.conf" <<EOF
# xiangzhi: loopback only, no Unix sockets
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 300
shared_buffers = 512MB
synchronous_commit = ${XZ_PG_SYNC_COMMIT:-on}
log_min_messages = warning
timezone = 'Asia/Shanghai'
EOF
	fi
}

start()
{
	port=${3:?missing PORT}
	create
	sed -i "/^port = /d" "$dir/data/postgresql.conf"
	echo "port = $port" >>"$dir/data/postgresql.conf"
	if ! as_owner "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" \
		    -w -t 60 start >/dev/null || {
			tail -20 "$dir/postgres.log" >&2
			exit 1
		}
	fi
	bootstrap
}

bootstrap()
{
	# Passwords travel as psql variables, quoted by psql (:'name').
	superpsql -d postgres -v owner_pw="$OWNER_PW" -v app_pw="$APP_PW" <<'EOF'
do $$
begin
	if not exists (select from pg_roles where rolname = 'xiangzhi_owner') then
		create role xiangzhi_owner login bypassrls;
	end if;
	if not exists (select from pg_roles where rolname = 'xiangzhi_app') then
		create role xiangzhi_app login nosuperuser nobypassrls
		    nocreatedb nocreaterole noinherit;
	end if;
end
$$;
alter role xiangzhi_owner password :'owner_pw';
alter role xiangzhi_app password :'app_pw';
alter role xiangzhi_app set statement_timeout = '5s';
alter role xiangzhi_app set idle_in_transaction_session_timeout = '10s';
alter role xiangzhi_app set timezone = 'Asia/Shanghai';
select 'create database xiangzhi owner xiangzhi_owner'
    where not exists (select from pg_database where datname = 'xiangzhi')
\gexec
revoke all on database xiangzhi from public;
grant connect on database xiangzhi to xiangzhi_owner, xiangzhi_app;
EOF
	superpsql -d xiangzhi <<EOF
revoke all on schema public from public;
alter schema public owner to xiangzhi_owner;
grant usage on schema public to xiangzhi_app;
EOF
}

stop()
{
	if [ -f "$dir/data/PG_VERSION" ]; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop \
		    >/dev/null 2>&1 || true
	fi
}

if [ "$cmd" = exec ]; then
	shift
	if [ "$(id -u)" -eq 0 ]; then
		exec runuser -u "$RUNUSER" -- "$@"
	fi
	exec "$@"
fi
dir=${2:?missing DIR}

case "$cmd" in
user)
	ensure_user
	mkdir -p "$dir"
	[ "$(id -u)" -ne 0 ] || chown "$RUNUSER" "$dir"
	chmod 755 "$dir"
	;;
start)
	start "$@"
	;;
stop)
	stop
	;;
restart)
	port=$(sed -n 's/^port = //p' "$dir/data/postgresql.conf" | tail -1)
	stop
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" \
	    -w -t 60 start >/dev/null
	;;
*)
	echo "usage: pgcluster.sh start|stop|restart|user DIR [PORT] | exec CMD..." >&2
	exit 2
	;;
esac
