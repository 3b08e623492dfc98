# Shared shell functions for tests/harness.sh, tests/run-suites.sh and
# tests/bench/run.sh: clusters, migrations, the service.  Source it with
# $root set to the repository.

ADMIN="$root/build/xiangzhi-admin"

# A free TCP port on 127.0.0.1 in [lo, lo + 2000).
free_port()
{
	p=$(( $1 + $$ % 1000 ))
	while ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; do
		p=$((p + 1))
	done
	echo "$p"
}

# The service and PostgreSQL never run as root (pgcluster.sh picks the user).
as_runuser()
{
	"$root/app/admin/pgcluster.sh" exec "$@"
}

# setup DIR PGPORT SCALE: cluster, roles, migrations, demo data.
setup_db()
{
	"$root/app/admin/pgcluster.sh" start "$1" "$2" || return 1
	export XZ_OWNER_URL="host=127.0.0.1 port=$2 dbname=xiangzhi user=xiangzhi_owner password=${XZ_OWNER_PASSWORD:-xiangzhi-dev-owner}"
	export XZ_DATABASE_URL="host=127.0.0.1 port=$2 dbname=xiangzhi user=xiangzhi_app password=${XZ_APP_PASSWORD:-xiangzhi-dev-app}"
	"$ADMIN" migrate --dir "$root/migrations" || return 1
	"$ADMIN" seed-demo --scale "$3"
}

# kore_conf OUT PORT MODULE
kore_conf()
{
	sed -e "s|@PORT@|$2|" -e "s|@MODULE@|$3|" \
	    -e "s|@PIDFILE@|$(dirname "$1")/kore-main.pid|" \
	    -e "s|@WORKERS@|${XZ_WORKERS:-2}|" \
	    "$root/conf/xiangzhi.conf.in" >"$1"
	chmod 644 "$1"
}

# start_service DIR PORT MODULE [LD_PRELOAD]: background, waits for /healthz.
# stage_runtime DIR MODULE: what the unprivileged service reads (module,
# development keys) copied to DIR, so it runs even when the checkout itself
# is not readable by that user (a clone under /root, say).
stage_runtime()
{
	rm -rf "$1"
	mkdir -p "$1"
	cp "$2" "$1/xiangzhi.so"
	cp -R "$root/conf" "$1/conf"
	chmod -R a+rX "$1"
}

start_service()
{
	stage_runtime "$1/rt" "$3"
	kore_conf "$1/kore.conf" "$2" "$1/rt/xiangzhi.so"
	preload=${4:-}
	rm -f "$1/kore.pgid"
	# The log is appended to (a service restarted by a test keeps what the
	# first one wrote); what this start wrote begins after byte $off.
	off=$(wc -c 2>/dev/null <"$1/kore.log" || echo 0)
	# Its own session and process group: stop_service signals all of it
	# (Kore's workers rename themselves and outlive a killed parent).
	(
		cd "$1/rt"
		# The development identity provider (conf/dev-issuers.json).
		export XZ_TRUSTED_ISSUERS_FILE="${XZ_TRUSTED_ISSUERS_FILE-conf/dev-issuers.json}"
		export ASAN_OPTIONS="detect_leaks=0:log_path=$1/asan"
		export UBSAN_OPTIONS="print_stacktrace=1:log_path=$1/ubsan"
		# -- webhooks (issue 7), test values: the receivers of
		# tests/api/webhooks*.test.mjs listen on 127.0.0.1, and
		# retries, timeouts and the dead line are shortened.
		export XZ_WEBHOOK_ALLOW_LOOPBACK="${XZ_WEBHOOK_ALLOW_LOOPBACK-1}"
		export XZ_WEBHOOK_POLL_MS="${XZ_WEBHOOK_POLL_MS-200}"
		export XZ_WEBHOOK_TIMEOUT_MS="${XZ_WEBHOOK_TIMEOUT_MS-1000}"
		export XZ_WEBHOOK_BACKOFF_BASE_MS="${XZ_WEBHOOK_BACKOFF_BASE_MS-200}"
		export XZ_WEBHOOK_BACKOFF_CAP_MS="${XZ_WEBHOOK_BACKOFF_CAP_MS-2000}"
		export XZ_WEBHOOK_MAX_AGE_S="${XZ_WEBHOOK_MAX_AGE_S-6}"
		# -- end webhooks
		[ -z "$preload" ] || export LD_PRELOAD="$preload"
		exec setsid sh -c 'echo $$ >"$0"; exec "$@"' "$1/kore.pgid" \
		    "$root/app/admin/pgcluster.sh" exec \
		    stdbuf -oL kore -c "$1/kore.conf" -f -n -r
	) >>"$1/kore.log" 2>&1 &
	i=0
	while :; do
		i=$((i + 1))
		if [ -s "$1/kore.pgid" ] &&
		    ! kill -0 "-$(cat "$1/kore.pgid")" 2>/dev/null; then
			echo "the service exited; its log:" >&2
			tail -30 "$1/kore.log" >&2
			return 1
		fi
		if tail -c +$((off + 1)) "$1/kore.log" | grep -q "bind()"; then
			echo "the service could not bind port $2" >&2
			stop_service "$1"
			return 1
		fi
		# Ours is up when it says it bound the port and /healthz answers.
		if tail -c +$((off + 1)) "$1/kore.log" |
		    grep -q "serving http on 127.0.0.1:$2" &&
		    curl -sf "http://127.0.0.1:$2/healthz" >/dev/null 2>&1; then
			return 0
		fi
		if [ $i -gt 100 ]; then
			echo "the service did not start; its log:" >&2
			tail -30 "$1/kore.log" >&2
			return 1
		fi
		sleep 0.1
	done
}

stop_service()
{
	[ -s "$1/kore.pgid" ] || return 0
	pg=$(cat "$1/kore.pgid")
	kill -TERM "-$pg" 2>/dev/null || true
	i=0
	while [ $i -lt 50 ] && kill -0 "-$pg" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	# Sanitizer builds can hang in exit handlers: make sure all are gone.
	kill -KILL "-$pg" 2>/dev/null || true
	rm -f "$1/kore.pgid"
}

prepare_dir()
{
	"$root/app/admin/pgcluster.sh" user "$1"
}


