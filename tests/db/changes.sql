-- The change feed (0006_changes.sql): events are written by the triggers
-- in the writer's transaction (and vanish with it), the service's role
-- cannot write them, row security decides who reads them, publishing
-- stamps ticks and the feed function pages by (tick, id).  Run as the
-- service's role by tests/db/run.sh, in one transaction rolled back at the
-- end.  The demo seed wrote no events (decision 5): only the fixture's
-- rows and what earlier suites left are in the table.

begin;

------------------------------------------------------------------------
-- The service's role may only read.

select xz_test.is(has_table_privilege('change_events',
    'INSERT,UPDATE,DELETE,TRUNCATE'), false,
    'the service cannot insert, update, delete or truncate change events');
select xz_test.is(has_table_privilege('change_feed_state',
    'INSERT,UPDATE,DELETE,TRUNCATE'), false,
    'the service cannot write the feed state');
select xz_test.is(has_function_privilege('xz.change_emit()', 'EXECUTE'),
    false, 'the service cannot call the trigger function');
select xz_test.is(has_function_privilege('xz.changes_cleanup(integer)',
    'EXECUTE'), false, 'the service cannot run retention directly');
select xz_test.is(has_function_privilege('xz.changes_publish(integer)',
    'EXECUTE'), true, 'the service may publish');

select xz_test.bind('county', '330599', '', '', 'sub-county', '', '',
    'req-chg-0');
select xz_test.refused($q$insert into change_events (county_code,
    entity_type, entity_id, action, link) values ('330599', 'project',
    'x', 'created', '/x')$q$, 'a county user cannot insert an event');
select xz_test.refused($q$update change_events set tick = 1$q$,
    'nor stamp ticks');
select xz_test.refused($q$delete from change_events$q$,
    'nor delete events');
select xz_test.refused($q$update change_feed_state set last_tick = 0$q$,
    'nor move the feed state');

------------------------------------------------------------------------
-- Written in the same transaction; a rolled-back change leaves nothing.

select xz_test.bind('township', '330599', '330599001', '', 'sub-t1', '', '',
    'req-chg-1');
select coalesce(max(id), 0) as before_id from change_events \gset
savepoint undo;
select doc::json ->> 'id' as gone from xz.origin_unit_create(
    '{"name": "回滚测试所", "kind": "internal_office"}') \gset
select xz_test.is((select count(*) from change_events
    where entity_id = :'gone'), 1::bigint,
    'the insert wrote its event in the same transaction');
rollback to savepoint undo;
select xz_test.is((select count(*) from change_events
    where entity_id = :'gone'), 0::bigint,
    'rolled back with the change: no event');

select doc::json ->> 'id' as unit from xz.origin_unit_create(
    '{"name": "变更测试所", "kind": "internal_office"}') \gset
select xz_test.is((select row(entity_type, action, state, township_code,
    link, tick)::text from change_events where entity_id = :'unit'),
    row('origin_unit', 'created', null, '330599001',
    '/api/v1/origin-units/' || :'unit', null)::text,
    'an insert: created, the township, the link, not yet published');
select xz_test.is((select data ->> 'name' from change_events
    where entity_id = :'unit'), '变更测试所',
    'the event carries the new row');

-- A status change is state_changed with the new state.
select xz_test.bind('county', '330599', '', '', 'sub-county', '', '',
    'req-chg-2');
select id as coop from cooperatives where township_code = '330599001' and
    status = 'active' order by id limit 1 \gset
update cooperatives set status = 'suspended', status_reason = '测试'
    where id = :'coop';
update cooperatives set legal_representative = '测试人' where id = :'coop';
select xz_test.set_eq(format($q$select action || ':' ||
    coalesce(state, '-') from change_events where entity_id = %L$q$,
    :'coop'), array['state_changed:suspended', 'updated:-'],
    'a status change is state_changed, another change updated');

-- The service's own writes always emit, whatever the request id.
select xz_test.bind('county', '330599', '', '', 'sub-county', '', '',
    'seed-demo');
update cooperatives set legal_representative = '测试人二'
    where id = :'coop';
select xz_test.is((select count(*) from change_events
    where entity_id = :'coop'), 3::bigint,
    'request id seed-demo does not silence the service');

-- No resident ID reaches an event: members' identities are not followed.
select xz_test.is((select count(*) from change_events
    where data ?| array['resident_id', 'resident_id_hmac',
    'resident_id_masked', 'phone', 'idempotency_key', 'request_hash']),
    0::bigint, 'no secret or resident ID column in any event');

------------------------------------------------------------------------
-- Publishing and reading.

select xz.changes_publish() as tick \gset
select xz_test.ok(:tick > 0, 'publishing stamps a new tick');
select xz_test.is((select count(*) from change_events where tick is null),
    0::bigint, 'every visible event is published');
select xz_test.is(xz.changes_publish(), null::bigint,
    'nothing to publish: no new tick');
select xz_test.is((select last_tick from change_feed_state), :tick::bigint,
    'the state remembers the last tick');

-- County: the fixture's events, in this tick, in id order.
select xz.changes_feed(:tick - 1, 999999999999999999, true, null, 1000, 30)
    as page \gset
select xz_test.is((select string_agg(e ->> 'entity_id', ',' order by o)
    from jsonb_array_elements((:'page'::jsonb) -> 'events')
    with ordinality as x(e, o)
    where e ->> 'entity_id' in (:'unit', :'coop')),
    concat_ws(',', :'unit', :'coop', :'coop', :'coop'),
    'the county reads the fixture''s events in order');
select xz_test.ok((select bool_and((e ->> 'cursor') = xz.changes_cursor(
    :tick, (e ->> 'id')::bigint)) from jsonb_array_elements(
    (:'page'::jsonb) -> 'events') e), 'each event''s cursor is its (tick, id)');
select xz_test.is((select count(*) from jsonb_array_elements(
    xz.changes_feed(0, 0, false, array['cooperative'], 1000, 30) ->
    'events') e where e ->> 'entity_id' = :'unit'), 0::bigint,
    'the types filter leaves other types out');
select xz_test.is(xz.changes_feed(:tick + 1, 0, true, null, 10, 30),
    '{"error": "cursor_unknown"}'::jsonb,
    'a tick not handed out is refused');
select xz_test.is((xz.changes_feed(:tick, 999999999, true, null, 10, 30)
    ->> 'next'), xz.changes_cursor((select last_tick from
    change_feed_state), 999999999999999999),
    'no events: next is the head (the last tick, after every id)');

-- Township users: their township and the county level only.
select xz_test.bind('township', '330599', '330599002', '', 'sub-t2', '', '',
    'req-chg-3');
select xz_test.is((select count(*) from change_events
    where entity_id in (:'unit', :'coop')), 0::bigint,
    'another township''s user sees none of them');
select xz_test.is((select count(*) from change_events
    where township_code is distinct from '330599002' and
    township_code is not null), 0::bigint,
    'a township user sees no other township''s event');

-- Partners: changes:read and the granted townships.
select xz_test.bind('partner', '330599', '', '', 'sub-p',
    'changes:read', '330599001', 'req-chg-4');
select xz_test.is((select count(*) from change_events
    where entity_id in (:'unit', :'coop')), 4::bigint,
    'a partner granted the township sees its events');
select xz_test.is((select count(*) from change_events
    where township_code is distinct from '330599001'), 0::bigint,
    'and nothing of other townships, nor county-level events');
select xz_test.bind('partner', '330599', '', '', 'sub-p',
    'changes:read', '330599002,330599003', 'req-chg-5');
select xz_test.is((select count(*) from change_events
    where entity_id in (:'unit', :'coop')), 0::bigint,
    'a partner granted other townships does not');
select xz_test.bind('partner', '330599', '', '', 'sub-p',
    'coops:read funds:read', '*', 'req-chg-6');
select xz_test.is((select count(*) from change_events), 0::bigint,
    'a partner without changes:read sees nothing');
select xz_test.bind('partner', '330600', '', '', 'sub-p',
    'changes:read', '*', 'req-chg-7');
select xz_test.is((select count(*) from change_events
    where county_code <> '330600'), 0::bigint,
    'another county''s partner sees nothing of this county');
select xz_test.bind('village', '330599', '330599001', '330599001200',
    'sub-v', '', '', 'req-chg-8');
select xz_test.is((select count(*) from change_events), 0::bigint,
    'village users see no events');
select xz_test.bind('', '', '', '', '', '', '', '');
select xz_test.is((select count(*) from change_events), 0::bigint,
    'without claims nothing is visible');

rollback;
