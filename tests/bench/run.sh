#!/bin/sh
# `make bench`: GET /api/v1/villages/{code} (authenticated, RLS-checked)
# under wrk at 64 connections, and pgbench -S at 64 clients on the same
# cluster in the same run; prints both rates, the ratio and p99 latency.
# Targets (issue 2): API >= 50% of pgbench -S, p99 < 10 ms.  By Little's
# law the mean latency at 64 connections is 64 / rate, so the p99 target
# needs a rate well above 6,400 req/s with a tight tail; pgbench's own
# p99 and average latency at 64 clients are printed for comparison.
#
# Also POST /api/v1/campaigns/{id}/team-proposal for a township of 300
# staff (tests/bench/personnel.sql), target < 200 ms (issue 4).
#
# Environment: BENCH_SECONDS (default 10), BENCH_SCALE (default province),
# BENCH_CONNECTIONS (default 64).  Not a test: it prints figures.
# First, build/bench-verify (tests/bench/verify.c): µs per token verified.

set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
. "$root/tests/lib.sh"

echo "== token verification cost (build/bench-verify, -O2, no sanitizers)"
"$root/build/bench-verify"

secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
scale=${BENCH_SCALE:-province}
work=$(mktemp -d /tmp/xiangzhi-bench.XXXXXX)
prepare_dir "$work"
pg_port=$(free_port 57000)
svc_port=$(free_port 19000)

cleanup()
{
	stop_service "$work"
	"$root/app/admin/pgcluster.sh" stop "$work/pg"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== setting up: PostgreSQL on :$pg_port, --scale $scale"
setup_db "$work/pg" "$pg_port" "$scale" >"$work/setup.log" 2>&1 || {
	cat "$work/setup.log"
	exit 1
}
superpw=$(cat "$work/pg/superuser.pw")
psql_owner()
{
	psql -XAtq "$XZ_OWNER_URL" -c "$1"
}
villages=$(psql_owner "select count(*) from villages")
echo "   $villages villages in $(psql_owner "select count(*) from counties") counties"

start_service "$work" "$svc_port" "$root/build/xiangzhi.so"

# 500 random villages, each with a token of its own village user.
lua="$work/villages.lua"
{
	echo "local items = {"
	psql_owner "select code from villages order by random() limit 500" |
	while read -r code; do
		# ES256, as the service's own tokens are signed.
		tok=$(XZ_JWT_SIGNING_KEY=dev-es256:ES256:conf/dev-keys/es256.pem \
		    "$root/build/xiangzhi-admin" token mint --role village \
		    --village "$code" --sub "bench-$code" --ttl 3600)
		echo "{\"/api/v1/villages/$code\", \"Bearer $tok\"},"
	done
	cat <<'EOF'
}
local n = #items
math.randomseed(os.time())
request = function()
	local it = items[math.random(n)]
	return wrk.format("GET", it[1], { ["Authorization"] = it[2] })
end
EOF
} >"$lua"

# Sanity: one request must be a 200 with the village.
first=$(sed -n '2p' "$lua" | sed 's/^{"\([^"]*\)", "\([^"]*\)"},$/\1 \2/')
path=${first%% *}
auth=${first#* }
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: $auth" \
    "http://127.0.0.1:$svc_port$path")
[ "$status" = 200 ] || { echo "sanity check failed: $path -> $status"; exit 1; }

echo "== wrk: GET /api/v1/villages/{code}, $conns connections, ${secs}s"
wrk -t2 -c"$conns" -d2s -s "$lua" "http://127.0.0.1:$svc_port" >/dev/null
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$lua" \
    "http://127.0.0.1:$svc_port" >"$work/wrk.txt"
cat "$work/wrk.txt"
api_rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.txt")
p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx/ { print $5 }' "$work/wrk.txt")

echo "== pgbench -S: $conns clients, ${secs}s (same cluster)"
PGPASSWORD=$superpw psql -Xq -h 127.0.0.1 -p "$pg_port" -U xz_super \
    -d postgres -c "create database pgbench" >/dev/null
PGPASSWORD=$superpw pgbench -q -i -s 10 -h 127.0.0.1 -p "$pg_port" \
    -U xz_super pgbench >/dev/null 2>&1
PGPASSWORD=$superpw pgbench -S -c "$conns" -j 2 -T "$secs" -h 127.0.0.1 \
    -p "$pg_port" -U xz_super -l --log-prefix="$work/pgblog" pgbench \
    >"$work/pgbench.txt" 2>&1
# pgbench's own p99 from its per-transaction log (3rd column: microseconds).
pg_p99=$(cat "$work"/pgblog* | awk '{ print $3 }' | sort -n |
    awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1;
    printf "%.2f", v[i] / 1000 }')
grep -E "tps|latency" "$work/pgbench.txt"
pg_tps=$(awk '/^tps = / { print $3; exit }' "$work/pgbench.txt")
pg_lat=$(awk '/^latency average = / { print $4; exit }' "$work/pgbench.txt")

# p99 in ms whatever unit wrk printed (us, ms, s).
to_ms()
{
	echo "$1" | awk '/us$/ { sub("us", ""); print $1 / 1000; next }
	    /ms$/ { sub("ms", ""); print $1; next }
	    /s$/ { sub("s", ""); print $1 * 1000 }'
}
p99_ms=$(to_ms "$p99")

# The token endpoint: password grants of the demo county's users in turn
# (argon2id, t=2, 64 MiB, in Kore task threads), fewer connections since
# each costs ~90 ms of one core.
tconns=${BENCH_TOKEN_CONNECTIONS:-4}
tlua="$work/token.lua"
{
	echo "local users = {"
	psql_owner "select login from users where county_code = '330599'
	    order by login" | sed 's/.*/"&",/'
	cat <<'EOF'
}
local n = #users
local i = 0
request = function()
	i = i + 1
	return wrk.format("POST", "/api/v1/auth/token",
	    { ["Content-Type"] = "application/x-www-form-urlencoded" },
	    "grant_type=password&password=xiangzhi-demo-2026&username=" ..
	    users[(i % n) + 1])
end
EOF
} >"$tlua"
echo "== wrk: POST /api/v1/auth/token (password grant), $tconns connections, ${secs}s"
wrk -t2 -c"$tconns" -d"${secs}s" --latency -s "$tlua" \
    "http://127.0.0.1:$svc_port" >"$work/wrk-token.txt"
cat "$work/wrk-token.txt"
tok_rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk-token.txt")
tok_p99_ms=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk-token.txt")")
tok_non2xx=$(awk '/Non-2xx/ { print $5 }' "$work/wrk-token.txt")
ratio=$(awk -v a="$api_rps" -v b="$pg_tps" 'BEGIN { printf "%.2f", a / b }')

# The team proposal (issue 4) for a township of 300 staff: one
# connection, requests one after the other (target < 200 ms each).
psql -XAq -1 -v ON_ERROR_STOP=1 "$XZ_OWNER_URL" \
    -f "$root/tests/bench/personnel.sql" >"$work/personnel.log"
camp=$(tail -1 "$work/personnel.log" | tr -d ' ')
ptok=$(XZ_JWT_SIGNING_KEY=dev-es256:ES256:conf/dev-keys/es256.pem \
    "$root/build/xiangzhi-admin" token mint --role township \
    --township 330599990 --sub bench-proposal --ttl 3600)
plua="$work/proposal.lua"
cat >"$plua" <<EOF
request = function()
	return wrk.format("POST", "/api/v1/campaigns/$camp/team-proposal",
	    { ["Authorization"] = "Bearer $ptok",
	    ["Content-Type"] = "application/json" }, '{"teams": 7}')
end
EOF
proposed=$(curl -s -X POST -H "Authorization: Bearer $ptok" \
    -H 'content-type: application/json' -d '{"teams": 7}' \
    "http://127.0.0.1:$svc_port/api/v1/campaigns/$camp/team-proposal" |
    sed -n 's/.*"proposed" : \([0-9]*\).*/\1/p')
[ -n "$proposed" ] || { echo "team proposal sanity check failed"; exit 1; }
echo "== wrk: POST /api/v1/campaigns/{id}/team-proposal (300 staff, 30 villages), 1 connection, ${secs}s"
wrk -t1 -c1 -d"${secs}s" --latency -s "$plua" \
    "http://127.0.0.1:$svc_port" >"$work/wrk-proposal.txt"
cat "$work/wrk-proposal.txt"
prop_p50_ms=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$work/wrk-proposal.txt")")
prop_p99_ms=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk-proposal.txt")")
prop_non2xx=$(awk '/Non-2xx/ { print $5 }' "$work/wrk-proposal.txt")

echo
echo "== result ($(nproc) cores, $villages villages, $conns connections, ${secs}s each)"
printf "   API   GET /api/v1/villages/{code}: %10.0f req/s   p99 %s ms\n" \
    "$api_rps" "$p99_ms"
printf "   pgbench -S (same cluster):          %10.0f tps   p99 %s ms (average %s ms)\n" \
    "$pg_tps" "$pg_p99" "$pg_lat"
printf "   ratio API / pgbench -S: %s   (target >= 0.50)\n" "$ratio"
printf "   token endpoint (password grant, %s conns): %.1f req/s   p99 %s ms\n" \
    "$tconns" "$tok_rps" "$tok_p99_ms"
printf "   team proposal (300 staff, %s proposed): p50 %s ms   p99 %s ms   (target < 200 ms: %s)\n" \
    "$proposed" "$prop_p50_ms" "$prop_p99_ms" \
    "$(awk -v p="$prop_p99_ms" 'BEGIN { print (p < 200) ? "met" : "NOT met" }')"
printf "   p99 target < 10 ms: %s\n" \
    "$(awk -v p="$p99_ms" 'BEGIN { print (p < 10) ? "met" : "NOT met" }')"
printf "   ratio target: %s\n" \
    "$(awk -v r="$ratio" 'BEGIN { print (r >= 0.5) ? "met" : "NOT met" }')"
if [ -n "$non2xx" ] || [ -n "$tok_non2xx" ] || [ -n "$prop_non2xx" ]; then
	echo "   WARNING: ${non2xx:-0} GET, ${tok_non2xx:-0} token and" \
	    "${prop_non2xx:-0} proposal responses were not 2xx"
	exit 1
fi
