-- County dashboard (0008_dashboard.sql): the aggregates equal a
-- recomputation from the base tables, on the seeded demo county and
-- after changes made with the service's own grants; the service can only
-- read them, under row security per role; the summary and its version.
-- Run as the service's role by tests/db/run.sh, in one transaction rolled
-- back at the end.
--
-- The recomputations run as a county user of 330599 (who reads every
-- base row of the county) and print the rows where aggregate and
-- recomputation differ, both ways: the wanted set is empty.

begin;

select $q$
with t as (select code from townships where county_code = '330599'),
r as (select t.code,
    (select count(*) from cooperatives c where c.township_code = t.code
	and c.kind = 'labor') as labor,
    (select count(*) from cooperatives c where c.township_code = t.code
	and c.kind = 'machinery') as machinery,
    (select count(*) from cooperatives c where c.township_code = t.code
	and c.kind = 'farmland') as farmland,
    (select count(*) from cooperatives c where c.township_code = t.code
	and c.kind = 'housing') as housing,
    (select count(*) from members m where m.township_code = t.code and
	m.left_on is null) as members,
    (select coalesce(sum(area_mu_x100), 0) from land_parcels p
	where p.township_code = t.code) as pooled,
    (select count(*) from machines m where m.township_code = t.code and
	m.condition <> 'out_of_service') as machines
    from t),
a as (select township_code, coops_labor::bigint, coops_machinery::bigint,
    coops_farmland::bigint, coops_housing::bigint, members,
    pooled_land_mu_x100::numeric, machines_in_service::bigint
    from dash_townships where county_code = '330599')
select x::text from ((select * from r except select * from a) union all
    (select * from a except select * from r)) x
$q$ as diff_counters,
$q$
with r as (select staff_id, g::date as day, sum(share_percent) as pct
    from deployments, generate_series(lower(period)::timestamp,
	(upper(period) - 1)::timestamp, interval '1 day') g
    where county_code = '330599' and status = 'active' group by 1, 2),
a as (select staff_id, day, pct::bigint from dash_staff_days
    where county_code = '330599')
select x::text from ((select * from r except select * from a) union all
    (select * from a except select * from r)) x
$q$ as diff_staff_days,
$q$
with r as (select id, township_code, status from staff
    where county_code = '330599'),
a as (select staff_id, township_code, status from dash_staff
    where county_code = '330599')
select x::text from ((select * from r except select * from a) union all
    (select * from a except select * from r)) x
$q$ as diff_staff,
$q$
with r as (select b.township_code, 'booked'::text as kind, g::date as day,
	count(*) as n
    from bookings b join machines m on m.id = b.machine_id,
	generate_series(lower(b.period)::timestamp,
	(upper(b.period) - 1)::timestamp, interval '1 day') g
    where b.county_code = '330599' and b.status = 'booked' and
	m.condition <> 'out_of_service' group by 1, 3
    union all
    select township_code, 'filed', (coalesce(filed_at, updated_at) at time
	zone 'Asia/Shanghai')::date, count(*)
    from fund_projects where county_code = '330599' and status = 'filed'
    group by 1, 3
    union all
    select township_code, 'running', planned_end, count(*)
    from fund_projects where county_code = '330599' and
	status in ('review_passed', 'in_progress') group by 1, 3),
a as (select township_code, kind, day, n from dash_day_counts
    where county_code = '330599')
select x::text from ((select * from r except select * from a) union all
    (select * from a except select * from r)) x
$q$ as diff_days,
$q$
with r as (select township_code, slot, allocated_fen, committed_fen,
    disbursed_fen from fund_township_totals where county_code = '330599'),
a as (select township_code, slot, allocated_fen, committed_fen,
    disbursed_fen from dash_fund_totals where county_code = '330599')
select x::text from ((select * from r except select * from a) union all
    (select * from a except select * from r)) x
$q$ as diff_funds \gset

select xz_test.bind('county', '330599', '', '', 'db-dash-county', '', '',
    'req-dash-0');
select xz_test.ok((select count(*) from dash_townships) >= 13 and
    (select count(*) from dash_staff) > 0 and
    (select count(*) from dash_staff_days) > 0 and
    (select count(*) from dash_day_counts where kind = 'booked') > 0 and
    (select count(*) from dash_fund_totals) > 0,
    'the demo county has aggregates of every kind (not vacuous)');
select xz_test.set_eq(:'diff_counters', '{}',
    'seeded: cooperatives, members, pooled land and machines per township '
    'equal a recount');
select xz_test.set_eq(:'diff_staff', '{}',
    'seeded: the staff copy equals staff');
select xz_test.set_eq(:'diff_staff_days', '{}',
    'seeded: deployed percent per staff member and day equals a recount');
select xz_test.set_eq(:'diff_days', '{}',
    'seeded: booked machine-days, filings and running projects per day '
    'equal a recount');
select xz_test.set_eq(:'diff_funds', '{}',
    'seeded: the fund totals copy equals fund_township_totals');
select xz.dashboard_version(null, '2026-01-01', '2026-03-31', '2026-03-31')
    as v0 \gset

------------------------------------------------------------------------
-- Changes, through the service's grants and functions.

select xz_test.bind('township', '330599', '330599001', '', 'db-dash-t1', '',
    '', 'req-dash-1');
select id as ctr from centers where township_code = '330599001' and
    kind = 'social_affairs' \gset
select doc::json ->> 'id' as unit from xz.origin_unit_create(
    '{"name": "看板测试办", "kind": "internal_office"}') \gset
select id as s1 from xz.staff_create(jsonb_build_object('name', '看板一',
    'origin_unit_id', :'unit', 'establishment', 'civil_servant',
    'center_id', :'ctr', 'post', '科员')) \gset
select id as s2 from xz.staff_create(jsonb_build_object('name', '看板二',
    'origin_unit_id', :'unit', 'establishment', 'contract',
    'center_id', :'ctr', 'post', '科员')) \gset
select id as camp from xz.campaign_create(jsonb_build_object('title',
    '看板专项', 'kind', 'other', 'priority', 'low', 'starts_on',
    '2034-01-01', 'ends_on', '2034-01-31', 'lead_center_id', :'ctr',
    'headcount_needed', 1)) \gset
select id as dep1 from xz.deployment_create(jsonb_build_object(
    'campaign_id', :'camp', 'staff_id', :'s1', 'from', '2034-01-05',
    'to', '2034-01-09', 'share_percent', 40)) \gset
select id as dep2 from xz.deployment_create(jsonb_build_object(
    'campaign_id', :'camp', 'staff_id', :'s1', 'from', '2034-01-08',
    'to', '2034-01-12', 'share_percent', 60)) \gset
select id as dep3 from xz.deployment_create(jsonb_build_object(
    'campaign_id', :'camp', 'staff_id', :'s2', 'from', '2034-01-01',
    'to', '2034-01-03')) \gset
select xz_test.is((select array_agg(pct order by day) from dash_staff_days
    where staff_id = :'s1'), array[40, 40, 40, 100, 100, 60, 60, 60],
    'overlapping deployments add up per day');
select id is not null as cancelled from xz.deployment_cancel(:'dep2',
    '{"reason": "看板测试"}') \gset
select id is not null as on_leave from xz.staff_patch(:'s2', 1,
    '{"status": "on_leave"}') \gset
select xz_test.is((select status from dash_staff where staff_id = :'s2'),
    'on_leave', 'a status change reaches the staff copy');

-- Cooperatives: a booking far ahead, a machine out of service, a member
-- leaving, a parcel grown.
select id as m1 from machines where township_code = '330599001' and
    condition <> 'out_of_service' order by id limit 1 \gset
select id as m2 from machines where township_code = '330599001' and
    condition <> 'out_of_service' and id <> :'m1' order by id limit 1 \gset
insert into bookings (cooperative_id, county_code, township_code,
    machine_id, booked_by_kind, booked_by, period, price_fen)
select cooperative_id, county_code, township_code, id, 'village', '看板',
    '[2034-02-01,2034-02-05)', 100 from machines where id = :'m1';
insert into bookings (cooperative_id, county_code, township_code,
    machine_id, booked_by_kind, booked_by, period, price_fen)
select cooperative_id, county_code, township_code, id, 'village', '看板',
    '[2034-02-03,2034-02-04)', 100 from machines where id = :'m2';
select xz_test.is((select array_agg(n order by day) from dash_day_counts
    where township_code = '330599001' and kind = 'booked' and
    day between '2034-02-01' and '2034-02-04'), array[1, 1, 2, 1]::bigint[],
    'booked machines per day');
update machines set condition = 'out_of_service' where id = :'m2';
select xz_test.is((select array_agg(n order by day) from dash_day_counts
    where township_code = '330599001' and kind = 'booked' and
    day between '2034-02-01' and '2034-02-04'), array[1, 1, 1, 1]::bigint[],
    'a machine out of service takes its bookings out');
update bookings set status = 'cancelled', cancel_reason = '看板'
    where machine_id = :'m1' and period = '[2034-02-01,2034-02-05)';
select xz_test.is((select count(*) from dash_day_counts
    where township_code = '330599001' and kind = 'booked' and
    day between '2034-02-01' and '2034-02-04'), 0::bigint,
    'a cancelled booking leaves no day behind');
update members set left_on = current_date where id = (select id
    from members where township_code = '330599001' and left_on is null
    order by id limit 1);
update land_parcels set area_mu_x100 = area_mu_x100 + 77 where id =
    (select id from land_parcels where township_code = '330599001'
    order by id limit 1);

-- Funds: an allocation (county).
select xz_test.bind('county', '330599', '', '', 'db-dash-county', '', '',
    'req-dash-2');
select id as src from fund_sources where county_code = '330599'
    order by id limit 1 \gset
select xz.fund_allocate(:'src', '330599001', 1234, '看板测试', 'DASH-1')
    is not null as allocated \gset

select xz_test.set_eq(:'diff_counters', '{}',
    'after changes: cooperatives, members, pooled land and machines '
    'equal a recount');
select xz_test.set_eq(:'diff_staff', '{}',
    'after changes: the staff copy equals staff');
select xz_test.set_eq(:'diff_staff_days', '{}',
    'after changes: deployed percent per staff member and day equals a '
    'recount');
select xz_test.set_eq(:'diff_days', '{}',
    'after changes: booked machine-days, filings and running projects '
    'equal a recount');
select xz_test.set_eq(:'diff_funds', '{}',
    'after changes: the fund totals copy equals fund_township_totals');
select xz_test.ok(xz.dashboard_version(null, '2026-01-01', '2026-03-31',
    '2026-03-31') <> :'v0', 'the version moved with the changes');
select xz_test.is(xz.dashboard_version(null, '2026-01-01', '2026-03-31',
    '2026-03-31'), xz.dashboard_version(null, '2026-01-01', '2026-03-31',
    '2026-03-31'), 'the version is stable while nothing changes');
select xz_test.ok(xz.dashboard_version(null, '2026-01-01', '2026-03-31',
    '2026-03-31') <> xz.dashboard_version(null, '2026-01-01',
    '2026-03-31', '2026-04-01'), 'the version changes with the day');
select xz_test.is((xz.dashboard_summary('330599001', '2034-01-01',
    '2034-01-31', '2034-01-08')::jsonb -> 'totals' -> 'personnel'),
    (select jsonb_build_object('headcount', count(*) filter (where
	status = 'active'), 'deployed_today', 0.40, 'on_duty_today',
	count(*) filter (where status = 'active') - 0.40,
	'balance_index', round(sqrt((5.0 * 5 + 3 * 3) / count(*) -
	((5.0 + 3) / count(*)) ^ 2) / ((5.0 + 3) / count(*)), 3))
    from staff where township_code = '330599001' and
	status <> 'transferred_out'),
    'personnel figures of a day and a period from the aggregates');

------------------------------------------------------------------------
-- Row security and privileges.

select xz_test.refused($q$insert into dash_townships (county_code,
    township_code) values ('330599', '330599999')$q$,
    'the service cannot insert an aggregate');
select xz_test.refused($q$update dash_fund_totals set disbursed_fen = 0$q$,
    'the service cannot change the fund totals copy');
select xz_test.refused($q$update dash_townships set members = 0$q$,
    'the service cannot change a township''s counters');
select xz_test.refused($q$delete from dash_staff_days$q$,
    'the service cannot delete deployed days');
select xz_test.refused($q$delete from dash_day_counts$q$,
    'the service cannot delete day counts');
select xz_test.refused($q$update dash_staff set status = 'active'$q$,
    'the service cannot change the staff copy');
select xz_test.throws($q$select xz.dash_add('330599', '330599001',
    p_members := 1000)$q$, '42501',
    'the service cannot call the maintenance functions');
select xz_test.throws($q$select xz.dash_days('330599', '330599001',
    'booked', '2026-01-01', '2026-01-02', 5)$q$, '42501',
    'nor the day counter');

select xz_test.bind('township', '330599', '330599002', '', 'db-dash-t2', '',
    '', 'req-dash-3', 'on');
select xz_test.set_eq($q$select township_code from dash_townships
    union select township_code from dash_staff
    union select township_code from dash_staff_days
    union select township_code from dash_day_counts
    union select township_code from dash_fund_totals$q$, '{330599002}',
    'a township user reads its own township''s aggregates only');
select xz_test.is(xz.dashboard_summary('330599001', '2026-01-01',
    '2026-01-31', '2026-01-31'), null,
    'the summary of another township is NULL (404)');
select xz_test.is(xz.dashboard_version('330599001', '2026-01-01',
    '2026-01-31', '2026-01-31'), null, 'and so is its version');
select xz_test.is((xz.dashboard_summary(null, '2026-01-01', '2026-01-31',
    '2026-01-31')::jsonb #>> '{townships,0,code}'), '330599002',
    'the township''s own summary');

select xz_test.bind('partner', '330599', '', '', 'db-dash-p', 'dashboard:read',
    '330599003,330599004', 'req-dash-4', 'on');
select xz_test.set_eq($q$select township_code from dash_townships
    union select township_code from dash_fund_totals$q$,
    '{330599003,330599004}',
    'a partner with dashboard:read reads its granted townships only');
select xz_test.set_eq($q$select jsonb_array_elements(
    xz.dashboard_summary(null, '2026-01-01', '2026-01-31',
    '2026-01-31')::jsonb -> 'townships') ->> 'code'$q$,
    '{330599003,330599004}', 'its summary has those townships');
select xz_test.bind('partner', '330599', '', '', 'db-dash-p2',
    'funds:read coops:read personnel:read', '*', 'req-dash-5', 'on');
select xz_test.is((select count(*) from dash_townships) +
    (select count(*) from dash_fund_totals) +
    (select count(*) from dash_staff), 0::bigint,
    'a partner without dashboard:read reads no aggregate');
select xz_test.is((xz.dashboard_summary(null, '2026-01-01', '2026-01-31',
    '2026-01-31')::jsonb -> 'townships'), '[]'::jsonb,
    'and its summary is empty');
select xz_test.bind('county', '330600', '', '', 'db-dash-x', '', '',
    'req-dash-6', 'on');
select xz_test.is((select count(*) from dash_townships
    where county_code <> '330600') + (select count(*) from dash_staff_days
    where county_code <> '330600') + (select count(*) from dash_fund_totals
    where county_code <> '330600'), 0::bigint,
    'another county''s user reads none of 330599''s aggregates');
select xz_test.bind('village', '330599', '330599001', '330599001200',
    'db-dash-v', '', '', 'req-dash-7', 'on');
select xz_test.is((select count(*) from dash_townships) +
    (select count(*) from dash_staff), 0::bigint,
    'a village user reads no aggregate');

rollback;
