#!/bin/sh
# `make bench`: GET /api/v1/villages/{code} (authenticated, RLS-checked)
# under wrk at 64 connections, and pgbench -S at 64 clients on the same
# cluster in the same run; prints both rates, the ratio and p99 latency.
# Targets (issue 2): API >= 50% of pgbench -S, p99 < 10 ms.  By Little's
# law the mean latency at 64 connections is 64 / rate, so the p99 target
# needs a rate well above 6,400 req/s with a tight tail; pgbench's own
# p99 and average latency at 64 clients are printed for comparison.
#
# Funds (issue 5), on the same cluster in the same run:
# - POST /api/v1/fund-projects/{id}/disbursements (a payment, its ledger
#   entries and its audit row) under wrk at 64 connections
#   (tests/bench/disburse.lua): every request a first payment with its own
#   Idempotency-Key and voucher_no, spread over 500 in_progress projects
#   of the benchmark counties, each with a token of its own township; then
#   pgbench -N at 64 clients.  Target: disbursements >= 40% of pgbench -N.
#   Afterwards the ledger of every county paid into must still verify.
# - GET /api/v1/funds/county-summary as the county users of every county
#   (tests/bench/summary.lua) at BENCH_SUMMARY_CONNECTIONS (default 4: a
#   county dashboard, not a crowd), on the --scale data, then again after
#   `XZ_SEED_FUNDS_BATCHES=10 xiangzhi-admin seed-demo` has grown every
#   benchmark county's funds data tenfold.  Targets: p99 < 50 ms, and the
#   p99 after growth < 2x the p99 before.
# The dashboard (issue 7, tests/bench/dashboard.sh): GET
# /api/v1/dashboard/summary as the county users of 10 benchmark counties
# with personnel and cooperative data, before and after the same tenfold
# growth (plus nine years of deployments and bookings), full answers and
# 304 revalidations; targets p99 < 50 ms and growth < 2x.
# XZ_BENCH_ONLY=dashboard runs that part alone; XZ_BENCH_ONLY=payments
# runs only the payments and pgbench -N.
# Also POST /api/v1/campaigns/{id}/team-proposal for a township of 300
# staff (tests/bench/personnel.sql), target < 200 ms (issue 4).
#
# Environment: BENCH_SECONDS (default 10), BENCH_SCALE (default province),
# BENCH_CONNECTIONS (default 64), BENCH_TOKEN_CONNECTIONS (default 4),
# BENCH_SUMMARY_CONNECTIONS (default 4), BENCH_FUNDS_GROWTH (default 10).
# Not a test: it prints figures.
# First, build/bench-verify (tests/bench/verify.c): µs per token verified.

set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
. "$root/tests/lib.sh"

# XZ_BENCH_ONLY=dashboard runs the dashboard's part alone (below),
# XZ_BENCH_ONLY=payments the payments and pgbench -N.
only=${XZ_BENCH_ONLY:-}
case "$only" in
''|dashboard|payments) ;;
*)	echo "XZ_BENCH_ONLY: unknown part \"$only\" (dashboard, payments)" >&2
	exit 2 ;;
esac

if [ -z "$only" ]; then
	echo "== token verification cost (build/bench-verify, -O2, no sanitizers)"
	"$root/build/bench-verify"
fi

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
# p99 in ms whatever unit wrk printed (us, ms, s).
to_ms()
{
	echo "$1" | awk '/us$/ { sub("us", ""); print $1 / 1000; next }
	    /ms$/ { sub("ms", ""); print $1; next }
	    /s$/ { sub("s", ""); print $1 * 1000 }'
}

# mint ROLE CODE: a development token (ES256, as the service signs).
mint()
{
	XZ_JWT_SIGNING_KEY=dev-es256:ES256:conf/dev-keys/es256.pem \
	    "$root/build/xiangzhi-admin" token mint --role "$1" \
	    "--$1" "$2" --sub "bench-$1-$2" --ttl 3600
}

met()
{
	awk "BEGIN { print ($1) ? \"met\" : \"NOT met\" }"
}

villages=$(psql_owner "select count(*) from villages")
echo "   $villages villages in $(psql_owner "select count(*) from counties") counties"

start_service "$work" "$svc_port" "$root/build/xiangzhi.so"

# The dashboard (issue 7): tests/bench/dashboard.sh.
. "$root/tests/bench/dashboard.sh"
if [ "$only" = dashboard ]; then
	dash_before
	growth=${BENCH_FUNDS_GROWTH:-10}
	echo "== growing the funds data ${growth}x (XZ_SEED_FUNDS_BATCHES=$growth seed-demo --scale $scale)"
	XZ_SEED_FUNDS_BATCHES=$growth "$ADMIN" seed-demo --scale "$scale" \
	    >"$work/grow.log" 2>&1 || {
		cat "$work/grow.log"
		exit 1
	}
	dash_after
	echo
	echo "== result ($(nproc) cores, shared; ${secs}s each)"
	dash_report
	exit $dash_bad
fi

# pgbench's database, for -S (below) and -N (after the payments).
PGPASSWORD=$superpw psql -Xq -h 127.0.0.1 -p "$pg_port" -U xz_super \
    -d postgres -c "create database pgbench" >/dev/null
PGPASSWORD=$superpw pgbench -q -i -s 10 -h 127.0.0.1 -p "$pg_port" \
    -U xz_super pgbench >/dev/null 2>&1

if [ -z "$only" ]; then
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
		cat <<-'EOF'
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
		cat <<-'EOF'
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
fi

# ---------------------------------------------------------------------
# Funds (issue 5).

# p99 in ms of pgbench's per-transaction logs PREFIX* (3rd column: µs).
pg_log_p99()
{
	cat "$1"* | awk '{ print $3 }' | sort -n |
	    awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1;
	    printf "%.2f", v[i] / 1000 }'
}


# Payments of BENCH_DISBURSE_FEN (default 10 yuan) into projects that
# have committed money left for 2,000 of them at least.
amount=${BENCH_DISBURSE_FEN:-1000}
today=$(TZ=Asia/Shanghai date +%F)
items="$work/disburse.items"
mkdir -p "$work/tok"
psql_owner "select p.id, case p.delivery when 'village_run'
	then 'village_collective' else 'contractor' end, p.township_code
    from fund_projects p
    where p.status = 'in_progress' and p.county_code <> '330599'
	and p.committed_fen - p.disbursed_fen >= 2000 * $amount
    order by random() limit 500" |
while IFS='|' read -r id payee twp; do
	[ -s "$work/tok/$twp" ] || mint township "$twp" >"$work/tok/$twp"
	printf '%s\t%s\t%s\n' "$id" "$payee" "$(cat "$work/tok/$twp")"
done >"$items"
nitems=$(wc -l <"$items")
ntwp=$(ls "$work/tok" | wc -l)
[ "$nitems" -gt 0 ] || {
	echo "no in_progress project with money left to pay from"
	exit 1
}

# Sanity: a first payment is a 201, its replay the same 201, replayed.
set -- $(head -1 "$items")
body="{\"amount_fen\":$amount,\"payee_kind\":\"$2\",\"payee_name\":\"压测收款方\",\"voucher_no\":\"BENCH-sanity-$$\",\"paid_on\":\"$today\"}"
for try in first replay; do
	curl -s -D "$work/sanity.$try.h" -o "$work/sanity.$try.b" \
	    -X POST -H "Authorization: Bearer $3" \
	    -H "Content-Type: application/json" \
	    -H "Idempotency-Key: bench-sanity-$$" -d "$body" \
	    "http://127.0.0.1:$svc_port/api/v1/fund-projects/$1/disbursements"
done
if ! head -1 "$work/sanity.first.h" | grep -q " 201" ||
    ! head -1 "$work/sanity.replay.h" | grep -q " 201" ||
    ! grep -qi '^idempotent-replayed: true' "$work/sanity.replay.h" ||
    ! cmp -s "$work/sanity.first.b" "$work/sanity.replay.b"; then
	echo "sanity check failed: POST .../disbursements:"
	cat "$work/sanity.first.h" "$work/sanity.first.b"
	echo
	cat "$work/sanity.replay.h" "$work/sanity.replay.b"
	exit 1
fi

echo "== wrk: POST /api/v1/fund-projects/{id}/disbursements, $conns connections, ${secs}s"
echo "   $nitems in_progress projects in $ntwp townships, $amount fen each"
wrk -t2 -c"$conns" -d2s -s tests/bench/disburse.lua \
    "http://127.0.0.1:$svc_port" -- "$items" "w$$" "$today" "$amount" \
    >/dev/null
wrk -t2 -c"$conns" -d"${secs}s" --latency -s tests/bench/disburse.lua \
    "http://127.0.0.1:$svc_port" -- "$items" "m$$" "$today" "$amount" \
    >"$work/wrk-pay.txt"
cat "$work/wrk-pay.txt"
pay_rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk-pay.txt")
pay_p99_ms=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk-pay.txt")")
pay_n=$(awk '/requests in/ { print $1 }' "$work/wrk-pay.txt")
pay_non2xx=$(awk '/Non-2xx/ { print $5 }' "$work/wrk-pay.txt")
# Every answered 201 is a payment in the database (in-flight requests at
# the end may add a few that wrk did not count).
pay_rows=$(psql_owner "select count(*) from fund_disbursements
    where voucher_no like 'BENCH-m$$-%'")
echo "   payments written by this run: $pay_rows" \
    "(wrk counted $pay_n answers, ${pay_non2xx:-0} not 2xx)"

# The ledger of every county paid into (and of the demo county, whose
# seed-demo check is skipped at this scale) still agrees with the
# balances.
verify_bad=0
paid=$( (ls "$work/tok" | cut -c1-6; echo 330599) | sort -u)
for c in $paid; do
	v=$(curl -s -H "Authorization: Bearer $(mint county "$c")" \
	    "http://127.0.0.1:$svc_port/api/v1/funds/ledger/verify")
	if ! echo "$v" | grep -Eq '"ok": ?true'; then
		echo "   ledger verify of county $c: $v" | cut -c1-300
		verify_bad=$((verify_bad + 1))
	fi
done
nverified=$(echo "$paid" | wc -l)
echo "   ledger verify after the run: $((nverified - verify_bad)) of" \
    "$nverified counties ok"

echo "== pgbench -N: $conns clients, ${secs}s (same cluster)"
PGPASSWORD=$superpw pgbench -N -c "$conns" -j 2 -T "$secs" -h 127.0.0.1 \
    -p "$pg_port" -U xz_super -l --log-prefix="$work/pgnlog" pgbench \
    >"$work/pgbench-n.txt" 2>&1
grep -E "tps|latency" "$work/pgbench-n.txt"
pgn_tps=$(awk '/^tps = / { print $3; exit }' "$work/pgbench-n.txt")
pgn_lat=$(awk '/^latency average = / { print $4; exit }' \
    "$work/pgbench-n.txt")
pgn_p99=$(pg_log_p99 "$work/pgnlog")
pay_ratio=$(awk -v a="$pay_rps" -v b="$pgn_tps" \
    'BEGIN { printf "%.2f", a / b }')

# pay_report: the payment lines of the result.
pay_report()
{
	printf "   API   POST .../disbursements:       %10.0f req/s   p99 %s ms\n" \
	    "$pay_rps" "$pay_p99_ms"
	printf "   pgbench -N (same cluster):          %10.0f tps   p99 %s ms (average %s ms)\n" \
	    "$pgn_tps" "$pgn_p99" "$pgn_lat"
	printf "   ratio disbursements / pgbench -N: %s   (target >= 0.40): %s\n" \
	    "$pay_ratio" "$(met "$pay_ratio >= 0.4")"
}
if [ "$only" = payments ]; then
	echo
	echo "== result ($(nproc) cores, shared; $conns connections, ${secs}s each)"
	pay_report
	bad=0
	if [ -n "$pay_non2xx" ]; then
		echo "   WARNING: $pay_non2xx disbursement responses were not 2xx"
		bad=1
	fi
	if [ "$verify_bad" -ne 0 ]; then
		echo "   WARNING: the ledger of $verify_bad counties did not verify"
		bad=1
	fi
	exit $bad
fi

# County summaries: the county users of every county of the data set.
sconns=${BENCH_SUMMARY_CONNECTIONS:-4}
growth=${BENCH_FUNDS_GROWTH:-10}
stoks="$work/summary.tokens"
for c in $(psql_owner "select code from counties order by code"); do
	mint county "$c"
done >"$stoks"
status=$(curl -s -o "$work/summary.json" -w '%{http_code}' \
    -H "Authorization: Bearer $(head -1 "$stoks")" \
    "http://127.0.0.1:$svc_port/api/v1/funds/county-summary")
[ "$status" = 200 ] || {
	echo "sanity check failed: GET /api/v1/funds/county-summary -> $status"
	cat "$work/summary.json"
	exit 1
}

funds_size()
{
	psql_owner "select (select count(*) from fund_projects) || ' projects, '
	    || (select count(*) from fund_disbursements) || ' disbursements, '
	    || (select count(*) from fund_ledger) || ' ledger entries'"
}

# summary_run TAG: prints the wrk output, leaves $work/wrk-sum.TAG.txt.
# Vacuum and analyze what seeding or paying wrote, so that autovacuum is
# not busy on the two cores while the summary is measured (it would be
# after 10x growth, not before).
settle()
{
	psql_owner "vacuum (analyze) fund_sources, fund_allocations,
	    fund_projects, fund_project_lines, fund_disbursements, fund_ledger,
	    fund_township_totals, fund_project_history, fund_filings,
	    audit_log, change_events" >/dev/null
}

summary_run()
{
	echo "== wrk: GET /api/v1/funds/county-summary, $sconns connections, ${secs}s ($1)"
	wrk -t2 -c"$sconns" -d2s -s tests/bench/summary.lua \
	    "http://127.0.0.1:$svc_port" -- "$stoks" >/dev/null
	wrk -t2 -c"$sconns" -d"${secs}s" --latency \
	    -s tests/bench/summary.lua "http://127.0.0.1:$svc_port" -- \
	    "$stoks" >"$work/wrk-sum.$1.txt"
	cat "$work/wrk-sum.$1.txt"
}

dash_before

size1=$(funds_size)
echo "   funds data: $size1"
settle
summary_run 1x
sum1_rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk-sum.1x.txt")
sum1_p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk-sum.1x.txt")")
sum1_non2xx=$(awk '/Non-2xx/ { print $5 }' "$work/wrk-sum.1x.txt")

echo "== growing the funds data ${growth}x (XZ_SEED_FUNDS_BATCHES=$growth seed-demo --scale $scale)"
t0=$(date +%s)
XZ_SEED_FUNDS_BATCHES=$growth "$ADMIN" seed-demo --scale "$scale" \
    >"$work/grow.log" 2>&1 || {
	cat "$work/grow.log"
	exit 1
}
settle
grow_secs=$(( $(date +%s) - t0 ))
sizeN=$(funds_size)
echo "   funds data: $sizeN (${grow_secs} s)"
summary_run "${growth}x"
sumN_rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk-sum.${growth}x.txt")
sumN_p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' \
    "$work/wrk-sum.${growth}x.txt")")
sumN_non2xx=$(awk '/Non-2xx/ { print $5 }' "$work/wrk-sum.${growth}x.txt")
sum_growth=$(awk -v a="$sumN_p99" -v b="$sum1_p99" \
    'BEGIN { printf "%.2f", a / b }')
dash_after

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
printf "   p99 target < 10 ms: %s\n" "$(met "$p99_ms < 10")"
printf "   ratio target: %s\n" "$(met "$ratio >= 0.5")"
echo
pay_report
printf "   county summary (%s conns), %s:\n" "$sconns" "$size1"
printf "                                       %10.0f req/s   p99 %s ms\n" \
    "$sum1_rps" "$sum1_p99"
printf "   after %sx growth (seeded in %s s), %s:\n" "$growth" \
    "$grow_secs" "$sizeN"
printf "                                       %10.0f req/s   p99 %s ms\n" \
    "$sumN_rps" "$sumN_p99"
printf "   county summary p99 target < 50 ms: %s (before), %s (after)\n" \
    "$(met "$sum1_p99 < 50")" "$(met "$sumN_p99 < 50")"
printf "   p99 growth with %sx data: %s   (target < 2): %s\n" "$growth" \
    "$sum_growth" "$(met "$sum_growth < 2")"
dash_report
printf "   team proposal (300 staff, %s proposed): p50 %s ms   p99 %s ms   (target < 200 ms: %s)\n" \
    "$proposed" "$prop_p50_ms" "$prop_p99_ms" "$(met "$prop_p99_ms < 200")"
bad=0
if [ -n "$non2xx" ] || [ -n "$tok_non2xx" ] || [ -n "$prop_non2xx" ]; then
	echo "   WARNING: ${non2xx:-0} GET, ${tok_non2xx:-0} token and" \
	    "${prop_non2xx:-0} proposal responses were not 2xx"
	bad=1
fi
if [ -n "$pay_non2xx" ] || [ -n "$sum1_non2xx" ] || [ -n "$sumN_non2xx" ]
then
	echo "   WARNING: ${pay_non2xx:-0} disbursement and" \
	    "$((${sum1_non2xx:-0} + ${sumN_non2xx:-0})) county summary" \
	    "responses were not 2xx"
	bad=1
fi
[ "$dash_bad" -eq 0 ] || bad=1
if [ "$verify_bad" -ne 0 ]; then
	echo "   WARNING: the ledger of $verify_bad counties did not verify"
	bad=1
fi
exit $bad
