-- Personnel pooling (0005_personnel.sql): centers with every township,
-- row security per role, column grants, the rules as triggers, audit.
-- Run as the service's role by tests/db/run.sh, in one transaction rolled
-- back at the end.  The fixture is built by the township user of
-- 330599001 (villages 200, 201, 202 of setup.sql); the demo county also
-- holds seed-demo's staff, so assertions about what a caller sees look at
-- the fixture's rows (created now) and at every row outside the caller's
-- tenant.

begin;

select xz_test.bind('county', '330599', '', '', 'sub-county', '', '',
    'req-pers-0');
select xz_test.is((select count(*) from centers),
    (select count(*) * 4 from townships),
    'every township of the county has its four centers');
select xz_test.is((select count(distinct kind) from centers
    where township_code = '330599001'), 4::bigint,
    'one center of each kind');

------------------------------------------------------------------------
-- Fixture.
select xz_test.bind('township', '330599', '330599001', '', 'sub-t1', '', '',
    'req-pers-fixture');
select id as ctr from centers where township_code = '330599001' and
    kind = 'law_based_governance' \gset
select doc::json ->> 'id' as unit from xz.origin_unit_create(
    '{"name": "测试司法所", "kind": "county_dispatched"}') \gset
insert into skill_tags (county_code, township_code, code, label)
    values ('330599', '330599001', 'test_skill', '测试') on conflict do nothing;
select id as s1 from xz.staff_create(jsonb_build_object('name', '测一',
    'origin_unit_id', :'unit', 'establishment', 'civil_servant',
    'center_id', :'ctr', 'post', '科员', 'phone', '13511112222')) \gset
select id as s2 from xz.staff_create(jsonb_build_object('name', '测二',
    'origin_unit_id', :'unit', 'establishment', 'contract',
    'center_id', :'ctr', 'post', '科员')) \gset
select id as camp from xz.campaign_create(jsonb_build_object('title',
    '测试专项', 'kind', 'other', 'priority', 'low', 'starts_on',
    '2033-01-01', 'ends_on', '2033-01-31', 'lead_center_id', :'ctr',
    'headcount_needed', 1, 'villages',
    jsonb_build_array('330599001200'))) \gset
select id as team from xz.team_create(:'camp', '{"name": "测试队",
    "visits": [{"village": "330599001200", "from": "2033-01-02",
    "to": "2033-01-03"}]}') \gset
select id as dep from xz.deployment_create(jsonb_build_object(
    'campaign_id', :'camp', 'staff_id', :'s1', 'from', '2033-01-05',
    'to', '2033-01-06', 'team_id', :'team')) \gset

------------------------------------------------------------------------
-- The rules, as the service meets them.
select xz_test.throws(format($q$insert into deployments (campaign_id,
    staff_id, county_code, township_code, period, share_percent)
    values (%L, %L, '330599', '330599001', '[2033-01-06,2033-01-08)', 1)$q$,
    :'camp', :'s1'), 'XZ409', 'a person is never deployed over 100%');
select xz_test.throws(format($q$insert into deployments (campaign_id,
    staff_id, county_code, township_code, period)
    values (%L, %L, '330599', '330599001', '[2032-12-31,2033-01-02)')$q$,
    :'camp', :'s2'), 'XZ400', 'a deployment lies within its campaign');
select xz_test.throws(format($q$update centers set on_duty_minimum = 999
    where id = %L$q$, :'ctr'), 'XZ409',
    'a minimum the deployments already break is refused');
select xz_test.affects(format($q$update staff set status =
    'transferred_out' where id = %L$q$, :'s2'), 1, 'staff can leave');
select xz_test.throws(format($q$update staff set name = 'x'
    where id = %L$q$, :'s2'), 'XZ409', 'a transferred-out record is final');
select xz_test.throws(format($q$update staff set township_code =
    '330599002' where id = %L$q$, :'s1'), '42501',
    'the service cannot move a staff row between tenants');
select xz_test.throws(format($q$update deployments set created_by = 'x'
    where id = %L$q$, :'dep'), '42501',
    'the service cannot rewrite who deployed');
select xz_test.is((select count(*) from audit_log
    where request_id = 'req-pers-fixture' and entity = 'staff' and
    action = 'insert'), 2::bigint, 'staff inserts are audited');
select xz_test.is((select count(*) from audit_log
    where request_id = 'req-pers-fixture' and entity = 'staff_phones' and
    before is null and after is null), 1::bigint,
    'a phone insert is audited without the phone');

------------------------------------------------------------------------
-- Who sees what.
select xz_test.bind('township', '330599', '330599002', '', 'sub-t2', '', '',
    'req-pers-1');
select xz_test.is((select count(*) from staff
    where township_code <> '330599002') + (select count(*) from
    staff_phones where township_code <> '330599002') + (select count(*)
    from campaigns where township_code <> '330599002') + (select count(*)
    from deployments where township_code <> '330599002') + (select count(*)
    from centers where township_code <> '330599002'), 0::bigint,
    'another township sees none of the township''s rows');
select xz_test.refused(format($q$update centers set on_duty_minimum = 0
    where id = %L$q$, :'ctr'), 'another township cannot change a center');
select xz_test.refused(format($q$insert into origin_units (county_code,
    township_code, name, kind) values ('330599', '330599001', 'x',
    'internal_office')$q$), 'another township cannot add an origin unit');
select xz_test.refused(format($q$update deployments set status =
    'cancelled', cancel_reason = 'x' where id = %L$q$, :'dep'),
    'another township cannot cancel a deployment');

select xz_test.bind('village', '330599', '330599001', '330599001200',
    'sub-v200', '', '', 'req-pers-2');
select xz_test.set_eq(format($q$select id::text from campaigns where
    created_at = now() or township_code <> '330599001'$q$),
    array[:'camp'], 'a village user sees the campaign covering the village');
select xz_test.is((select count(*) from staff) + (select count(*) from
    staff_phones) + (select count(*) from deployments) + (select count(*)
    from origin_units) + (select count(*) from staff_transfers),
    0::bigint, 'a village user sees no staff, phones or deployments');
select xz_test.set_eq($q$select village_code::text from team_visits$q$,
    array['330599001200'], 'a village user sees the visits to the village');
select xz_test.refused($q$insert into campaign_teams (campaign_id,
    county_code, township_code, name) select id, county_code,
    township_code, 'x' from campaigns$q$, 'a village user writes nothing');

select xz_test.bind('village', '330599', '330599001', '330599001201',
    'sub-v201', '', '', 'req-pers-3');
select xz_test.is((select count(*) from campaigns where id = :'camp') +
    (select count(*) from team_visits where team_id = :'team'), 0::bigint,
    'another village sees neither the campaign nor its visits');

select xz_test.bind('partner', '330599', '', '', 'client-p', 'personnel:read',
    '330599001', 'req-pers-4');
select xz_test.ok((select count(*) from staff where id in (:'s1', :'s2'))
    = 2 and (select count(*) from staff where township_code <>
    '330599001') = 0, 'a partner with personnel:read reads its granted '
    'township (for aggregates)');
select xz_test.is((select count(*) from staff_phones) + (select count(*)
    from staff_transfers), 0::bigint, 'partners never see phones or '
    'transfers');
select xz_test.refused(format($q$update staff set name = 'x'
    where id = %L$q$, :'s1'), 'a partner writes nothing');

select xz_test.bind('partner', '330599', '', '', 'client-q', 'coops:read',
    '*', 'req-pers-5');
select xz_test.is((select count(*) from staff) + (select count(*) from
    centers) + (select count(*) from campaigns) + (select count(*) from
    deployments), 0::bigint, 'a partner without personnel:read sees '
    'nothing');

select xz_test.bind('county', '330599', '', '', 'sub-county', '', '',
    'req-pers-6');
select xz_test.is((select phone from staff_phones where staff_id = :'s1'),
    '13511112222', 'county users read phones (the service masks them)');
select xz_test.is((select xz.staff_doc(s) ->> 'phone' from staff s
    where id = :'s1'), '135****2222', 'the document masks it for them');
select xz_test.is((select count(*) from staff where county_code <>
    '330599'), 0::bigint, 'a county user sees only the county');

rollback;
