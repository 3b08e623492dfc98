#!/bin/sh
# `make test`: a throwaway PostgreSQL cluster and service (the module built
# with AddressSanitizer and UndefinedBehaviorSanitizer), then every suite.
# Each suite prints TAP; this script counts and ends with one line:
#   N passed, N failed
# and exits non-zero if anything failed (or a suite crashed, or a sanitizer
# reported anything).

set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. "$root/tests/lib.sh"

work=$(mktemp -d /tmp/xiangzhi-test.XXXXXX)
prepare_dir "$work"
pg_port=$(free_port 55000)
svc_port=$(free_port 18000)
passed=0
failed=0

cleanup()
{
	stop_service "$work"
	"$root/app/admin/pgcluster.sh" stop "$work/pg"
	if [ "$failed" -eq 0 ] && [ -z "${XZ_KEEP_TEST_DIR:-}" ]; then
		rm -rf "$work"
	else
		echo "# logs kept in $work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# count SUITE FILE EXIT: adds the TAP results of one suite.
count()
{
	ok=$(grep -c '^ok ' "$2" || true)
	nok=$(grep -c '^not ok ' "$2" || true)
	if [ "$3" -ne 0 ] && [ "$nok" -eq 0 ]; then
		echo "not ok - suite $1 exited $3 without a failing test"
		nok=1
	fi
	passed=$((passed + ok))
	failed=$((failed + nok))
	echo "# suite $1: $ok passed, $nok failed"
}

# suite NAME COMMAND...: runs, shows and counts one TAP suite.
suite()
{
	name=$1
	shift
	echo "# --- $name"
	"$@" >"$work/$name.tap" 2>"$work/$name.err"
	rc=$?
	cat "$work/$name.tap"
	[ "$rc" -eq 0 ] || sed 's/^/# stderr: /' "$work/$name.err" | tail -40
	count "$name" "$work/$name.tap" "$rc"
}

# Node's TAP nests subtests; count its top-level lines only.
node_suite()
{
	node --test --test-concurrency=1 --test-reporter=tap "$@"
}

suite unit "$root/build/unit-tests"

echo "# setting up PostgreSQL on 127.0.0.1:$pg_port"
XZ_PG_SYNC_COMMIT=off setup_db "$work/pg" "$pg_port" county >"$work/setup.log" 2>&1 || {
	cat "$work/setup.log"
	echo "not ok - database setup"
	failed=$((failed + 1))
	echo "$passed passed, $failed failed"
	exit 1
}

suite migrations "$root/tests/db/migrations.sh" "$work" "$pg_port"
suite db "$root/tests/db/run.sh"

libasan=$(${CC:-cc} -print-file-name=libasan.so)
start_service "$work" "$svc_port" "$root/build/san/xiangzhi.so" "$libasan" || {
	echo "not ok - service start"
	failed=$((failed + 1))
	echo "$passed passed, $failed failed"
	exit 1
}

export XZ_BASE_URL="http://127.0.0.1:$svc_port"
export XZ_ROOT="$root" XZ_PG_DIR="$work/pg" XZ_PG_PORT="$pg_port"
export XZ_WORK="$work"
# What a test needs to restart the service in place (webhooks.test.mjs).
export XZ_SERVICE_PORT="$svc_port" XZ_SERVICE_MODULE="$root/build/san/xiangzhi.so"
export XZ_SERVICE_PRELOAD="$libasan"
# The identity suites note every secret they use in XZ_SECRETS_FILE;
# zz-secrets-in-logs.test.mjs (the last api suite) greps the service's
# log for them.
export XZ_SERVICE_LOG="$work/kore.log" XZ_SECRETS_FILE="$work/secrets-used.txt"

suite lint "$root/tests/api/lint-openapi.sh"
# XZ_TEST_ONLY=REGEX (development): only the api suites whose file name
# matches, and the resilience suite only if it matches too.
only=${XZ_TEST_ONLY:-.}
suite api node_suite $(ls "$root"/tests/api/*.test.mjs | grep -v resilience |
    grep -E "$only")
# Restarts PostgreSQL under the running service: last.
if echo resilience.test.mjs | grep -qE "$only"; then
	suite resilience node_suite "$root/tests/api/resilience.test.mjs"
fi

stop_service "$work"
# Sanitizer reports are failures even when every test passed.
if ls "$work"/asan.* "$work"/ubsan.* >/dev/null 2>&1; then
	echo "not ok - sanitizer reports"
	cat "$work"/asan.* "$work"/ubsan.* 2>/dev/null | head -60 | sed 's/^/# /'
	failed=$((failed + 1))
else
	echo "ok - no AddressSanitizer/UndefinedBehaviorSanitizer reports"
	passed=$((passed + 1))
fi
if grep -q "sandbox violation\|died from" "$work/kore.log"; then
	echo "not ok - a worker died (see kore.log)"
	grep "sandbox violation\|died from" "$work/kore.log" | head | sed 's/^/# /'
	failed=$((failed + 1))
else
	echo "ok - no worker died"
	passed=$((passed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
