# The dashboard part of `make bench` (issue 7), sourced by
# tests/bench/run.sh after the service is up; uses its work, svc_port,
# secs, scale, ADMIN, psql_owner, mint and to_ms.
#
# GET /api/v1/dashboard/summary as the county users of
# BENCH_DASH_COUNTIES (default 10) benchmark counties, at
# BENCH_SUMMARY_CONNECTIONS (default 4), with the default period (1
# January .. today): the full answer (200) and a revalidation
# (If-None-Match: 304).  Their personnel and cooperative data is
# tests/bench/dashboard.sql's (30 staff, 4 machines, 10 members a
# township; this year's deployments and bookings), their funds seed-demo's.
# Then the data grows tenfold: funds by seed-demo (XZ_SEED_FUNDS_BATCHES,
# as the county summary's bench; run.sh has already done it unless only
# the dashboard runs), deployments and bookings by nine earlier years of
# history; and the same runs again.  Targets: p99 < 50 ms, and the p99
# after growth < 2x the p99 before.

dash_conns=${BENCH_SUMMARY_CONNECTIONS:-4}
dash_ncounties=${BENCH_DASH_COUNTIES:-10}

# dash_load BASE FIRST LAST: tests/bench/dashboard.sql for the counties.
dash_load()
{
	psql -XAq -1 -v ON_ERROR_STOP=1 -v "counties={$(echo $dash_counties |
	    tr ' ' ',')}" -v base="$1" -v first="$2" -v last="$3" \
	    "$XZ_OWNER_URL" -f "$root/tests/bench/dashboard.sql" \
	    >>"$work/dash-load.log" 2>&1 || {
		cat "$work/dash-load.log"
		exit 1
	}
}

dash_settle()
{
	psql_owner "vacuum (analyze) staff, deployments, bookings, machines,
	    members, land_parcels, cooperatives, campaigns, fund_projects,
	    fund_township_totals, fund_ledger, dash_townships, dash_staff,
	    dash_staff_days, dash_day_counts, dash_fund_totals,
	    audit_log, change_events" >/dev/null
}

dash_size()
{
	cond="county_code in ($(echo $dash_counties | tr ' ' '\n' |
	    sed "s/.*/'&'/" | paste -sd, -))"
	psql_owner "select (select count(*) from deployments where $cond) ||
	    ' deployments, ' || (select count(*) from bookings where $cond) ||
	    ' bookings, ' || (select count(*) from fund_projects where $cond) ||
	    ' projects, ' || (select count(*) from fund_ledger where $cond) ||
	    ' ledger entries; ' || (select count(*) from dash_staff_days
	    where $cond) || ' deployed staff-days'"
}

# Tokens and the current ETag of each county's summary.
dash_tokens()
{
	: >"$work/dash.tokens"
	for c in $dash_counties; do
		tok=$(mint county "$c")
		etag=$(curl -s -D - -o "$work/dash.json" \
		    -H "Authorization: Bearer $tok" \
		    "http://127.0.0.1:$svc_port/api/v1/dashboard/summary" |
		    tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }')
		[ -n "$etag" ] || {
			echo "sanity check failed: GET /api/v1/dashboard/summary for $c"
			cat "$work/dash.json"
			exit 1
		}
		st=$(curl -s -o /dev/null -w '%{http_code}' \
		    -H "Authorization: Bearer $tok" -H "If-None-Match: $etag" \
		    "http://127.0.0.1:$svc_port/api/v1/dashboard/summary")
		[ "$st" = 304 ] || {
			echo "sanity check failed: revalidation of $c -> $st"
			exit 1
		}
		printf '%s\t%s\n' "$tok" "$etag" >>"$work/dash.tokens"
	done
	grep -q '"machine_utilisation_pct": [0-9]' "$work/dash.json" &&
	    grep -q '"balance_index": [0-9]' "$work/dash.json" || {
		echo "sanity check failed: the summary has no personnel or" \
		    "cooperative figures"
		head -c 600 "$work/dash.json"
		exit 1
	}
}

# dash_run TAG [revalidate]: leaves $work/wrk-dash.TAG.txt.
dash_run()
{
	echo "== wrk: GET /api/v1/dashboard/summary${2:+ (If-None-Match)}, $dash_conns connections, ${secs}s ($1)"
	wrk -t2 -c"$dash_conns" -d2s -s tests/bench/dashboard.lua \
	    "http://127.0.0.1:$svc_port" -- "$work/dash.tokens" ${2:-} \
	    >/dev/null
	wrk -t2 -c"$dash_conns" -d"${secs}s" --latency \
	    -s tests/bench/dashboard.lua "http://127.0.0.1:$svc_port" -- \
	    "$work/dash.tokens" ${2:-} >"$work/wrk-dash.$1.txt"
	cat "$work/wrk-dash.$1.txt"
}

dash_p99()
{
	to_ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk-dash.$1.txt")"
}

dash_rps()
{
	awk '/^Requests\/sec:/ { print $2 }' "$work/wrk-dash.$1.txt"
}

# Error responses (wrk counts statuses from 400 up; a 304 is not one).
dash_non2xx()
{
	awk '/Non-2xx/ { print $5 }' "$work/wrk-dash.$1.txt"
}

# Before growth: load, measure.
dash_before()
{
	dash_counties=$(psql_owner "select code from counties
	    where code <> '330599' order by code limit $dash_ncounties" |
	    tr '\n' ' ')
	echo "== dashboard: loading personnel and cooperatives of" \
	    "$dash_ncounties benchmark counties"
	t0=$(date +%s)
	dash_load 1 0 0
	dash_settle
	dash_size1=$(dash_size)
	echo "   $dash_size1 ($(( $(date +%s) - t0 )) s)"
	dash_tokens
	dash_run 1x
	dash_run 1x-304 revalidate
}

# After the funds have grown: nine years of history, measure again.
dash_after()
{
	echo "== dashboard: nine earlier years of deployments and bookings"
	t0=$(date +%s)
	dash_load 0 1 9
	dash_settle
	dash_grow_secs=$(( $(date +%s) - t0 ))
	dash_sizeN=$(dash_size)
	echo "   $dash_sizeN (${dash_grow_secs} s)"
	dash_tokens
	dash_run 10x
	dash_run 10x-304 revalidate
}

dash_report()
{
	d1=$(dash_p99 1x)
	dN=$(dash_p99 10x)
	r1=$(dash_p99 1x-304)
	rN=$(dash_p99 10x-304)
	dash_growth=$(awk -v a="$dN" -v b="$d1" \
	    'BEGIN { printf "%.2f", a / b }')
	printf "   dashboard summary (%s counties, %s conns), %s:\n" \
	    "$dash_ncounties" "$dash_conns" "$dash_size1"
	printf "                                       %10.0f req/s   p99 %s ms   (304: %.0f req/s, p99 %s ms)\n" \
	    "$(dash_rps 1x)" "$d1" "$(dash_rps 1x-304)" "$r1"
	printf "   after 10x growth, %s:\n" "$dash_sizeN"
	printf "                                       %10.0f req/s   p99 %s ms   (304: %.0f req/s, p99 %s ms)\n" \
	    "$(dash_rps 10x)" "$dN" "$(dash_rps 10x-304)" "$rN"
	printf "   dashboard p99 target < 50 ms: %s (before), %s (after)\n" \
	    "$(met "$d1 < 50")" "$(met "$dN < 50")"
	printf "   dashboard p99 growth with 10x data: %s   (target < 2): %s\n" \
	    "$dash_growth" "$(met "$dash_growth < 2")"
	dash_bad=0
	for t in 1x 1x-304 10x 10x-304; do
		if [ -n "$(dash_non2xx "$t")" ]; then
			echo "   WARNING: $t: $(dash_non2xx "$t") dashboard" \
			    "responses were errors"
			dash_bad=1
		fi
	done
}
