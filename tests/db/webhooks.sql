-- Webhooks (0007_webhooks.sql): row security per role, the sealed secret
-- the service's role can write but never read, the worker's position
-- moved in the same transaction as the deliveries it makes, per-entity
-- order, outcomes.  Run as the service's role by tests/db/run.sh, in one
-- transaction rolled back at the end.  Events come from a real write (an
-- origin unit of township 330599001, through the feed's triggers).

begin;

select xz_test.bind('county', '330599', '', '', 'sub-hook-c1', '', '',
    'req-hook-0');
select id as w1 from xz.webhook_create('{"url": "https://a.example.com/h",
    "types": ["origin_unit"], "township": "330599001"}',
    repeat('A', 80)) \gset
select xz_test.is((select count(*) from webhooks where id = :'w1'),
    1::bigint, 'a county user sees its subscription');
select xz_test.is((select count(*) from webhook_secrets
    where webhook_id = :'w1'), 1::bigint,
    'the sealed secret is stored with it');
select xz_test.throws('select secret_box from webhook_secrets', '42501',
    'the service''s role cannot read the sealed secret');
select xz_test.throws('select * from webhook_secrets', '42501',
    'nor select the whole row');
select xz_test.is((select count(*) from webhook_cursors
    where webhook_id = :'w1'), 1::bigint,
    'it starts with a position in the feed');
select xz_test.refused(format('update webhook_cursors set event_id = 0'
    ' where webhook_id = %L', :'w1'),
    'the service''s role cannot move a position');
select xz_test.throws(format('insert into webhook_deliveries (webhook_id,'
    ' county_code, event_id, entity_key) values (%L, ''330599'', 1,'
    ' ''x:y'')', :'w1'), '42501',
    'the service''s role cannot make deliveries');
select xz_test.throws('select xz.webhook_create(''{"url":'
    ' "https://a.example.com/h", "types": ["*"], "township":'
    ' "330600100"}'', repeat(''A'', 80))', 'XZ400',
    'a township of another county is refused');
select xz_test.throws('select xz.webhook_create(''{"url":'
    ' "https://a.example.com/h", "types": ["*", "project"]}'','
    ' repeat(''A'', 80))', 'XZ400', '"*" stands alone');

-- Other callers.
select xz_test.bind('county', '330600', '', '', 'sub-hook-c2', '', '',
    'req-hook-1');
select xz_test.is((select count(*) from webhooks where id = :'w1'),
    0::bigint, 'another county does not see it');
select xz_test.is((select count(*) from webhook_deliveries
    where webhook_id = :'w1'), 0::bigint, 'nor its deliveries');
select xz_test.refused(format('update webhooks set status = ''disabled'''
    ' where id = %L', :'w1'), 'another county cannot change it');
select xz_test.refused(format('update webhook_secrets set secret_box ='
    ' repeat(''B'', 80) where webhook_id = %L', :'w1'),
    'nor replace its secret');
select xz_test.throws('insert into webhooks (county_code, url, types)'
    ' values (''330599'', ''https://b.example.com/h'', ''{*}'')',
    '42501', 'nor register one for the other county');
select xz_test.bind('township', '330599', '330599001', '', 'sub-hook-t', '',
    '', 'req-hook-2');
select xz_test.is((select count(*) from webhooks), 0::bigint,
    'a township user sees no subscription');
select xz_test.throws('insert into webhooks (county_code, url, types)'
    ' values (''330599'', ''https://b.example.com/h'', ''{*}'')',
    '42501', 'a township user cannot register one');
select xz_test.bind('partner', '330599', '', '', 'sub-hook-p',
    'changes:read', '*', 'req-hook-3');
select xz_test.is((select count(*) from webhooks), 0::bigint,
    'a partner sees no subscription');
select xz_test.bind('', '', '', '', '', '', '', 'req-hook-4');
select xz_test.is((select count(*) from webhooks) +
    (select count(*) from webhook_deliveries), 0::bigint,
    'without claims nothing is visible');

------------------------------------------------------------------------
-- The worker: events from a real write.
select xz_test.bind('township', '330599', '330599001', '', 'sub-hook-t', '',
    '', 'req-hook-5');
select id as u1, version as u1v from xz.origin_unit_create(
    '{"name": "钩子测试所", "kind": "county_dispatched"}') \gset
select version as u1v2 from xz.origin_unit_patch(:'u1', :u1v,
    '{"name": "钩子测试所二"}') \gset
select xz_test.bind('township', '330599', '330599002', '', 'sub-hook-t2', '',
    '', 'req-hook-6');
select id as u2 from xz.origin_unit_create(
    '{"name": "钩子他镇所", "kind": "county_dispatched"}') \gset
select xz_test.bind('', '', '', '', '', '', '', 'req-hook-7');

-- A crash before commit: the deliveries and the position go together.
savepoint crash;
select xz_test.is(xz_hook.fanout(500, 30) >= 2, true,
    'fan-out makes the deliveries');
rollback to savepoint crash;
select xz_test.bind('county', '330599', '', '', 'sub-hook-c1', '', '',
    'req-hook-8');
select xz_test.is((select count(*) from webhook_deliveries
    where webhook_id = :'w1'), 0::bigint,
    'rolled back: no delivery survives ...');
select xz_test.is((select event_id from webhook_cursors
    where webhook_id = :'w1') < (select max(id) from change_events
    where entity_id = :'u1'), true, '... and the position did not move');

select xz_test.is(xz_hook.fanout(500, 30) >= 2, true, 'fan-out again');
select xz_test.set_eq(format($q$select e.action from webhook_deliveries d
    join change_events e on e.id = d.event_id
    where d.webhook_id = %L$q$, :'w1'), '{created,updated}',
    'the township''s two events, not the other township''s');
select xz_test.is((select event_id from webhook_cursors
    where webhook_id = :'w1') >= (select max(id) from change_events
    where entity_id = :'u2'), true,
    'the position moved past every event examined');
select xz_test.is(xz_hook.fanout(500, 30), 0::bigint,
    'a second fan-out makes nothing (no duplicate)');

-- Per-entity order: only the older event is handed out.
select xz_test.is((select count(*) from xz_hook.claim(100, 60000) c
    where c.webhook_id = :'w1'), 1::bigint,
    'one delivery of the entity at a time');
select d.id as d1, e.action as a1 from webhook_deliveries d
    join change_events e on e.id = d.event_id
    where d.webhook_id = :'w1' and d.attempts = 1 \gset
select xz_test.is(:'a1'::text, 'created', 'the older event first');
select xz_test.is((select count(*) from xz_hook.claim(100, 60000) c
    where c.webhook_id = :'w1'), 0::bigint,
    'leased: not handed out twice, the newer one waits');
select xz_test.is(xz_hook.record(jsonb_build_array(jsonb_build_object(
    'id', :d1, 'ok', false, 'status', 500, 'error', 'http status 500')),
    1000, 60000, 86400), 0::bigint, 'a failure is not dead yet');
select xz_test.is((select status || ' ' || attempts || ' ' || last_status
    from webhook_deliveries where id = :d1), 'pending 1 500',
    'pending, one attempt, the status kept');
select xz_test.is((select next_attempt_at <= now() + interval '1 s'
    from webhook_deliveries where id = :d1), true,
    'retried within base * 2^0');
select xz_test.is(xz_hook.record(jsonb_build_array(jsonb_build_object(
    'id', :d1, 'ok', true, 'status', 200)), 1000, 60000, 86400), 0::bigint,
    'a success');
select xz_test.is((select status from webhook_deliveries where id = :d1),
    'delivered', 'delivered');
select xz_test.is((select e.action from xz_hook.claim(100, 60000) c
    join change_events e on e.id = c.event_id
    where c.webhook_id = :'w1'), 'updated',
    'then the newer event of the entity');
select xz_test.is((select (c.body::jsonb) ->> 'type' from
    xz_hook.claim(100, 60000) c where c.webhook_id = :'w1'), null,
    '(nothing left to claim)');
select d.id as d2 from webhook_deliveries d where d.webhook_id = :'w1' and
    d.status = 'pending' \gset
update webhook_deliveries set first_attempt_at = now() - interval '2 days'
    where id = :d2;
select xz_test.is(xz_hook.record(jsonb_build_array(jsonb_build_object(
    'id', :d2, 'ok', false, 'status', 0, 'error', 'timed out')),
    1000, 60000, 86400), 1::bigint, 'past the maximum age: dead');
select xz_test.is((select xz.webhook_delivery_doc(d) ->> 'status'
    from webhook_deliveries d where id = :d2), 'dead', 'listed as dead');
select xz_test.is((select doc ->> 'status' from xz.webhook_replay(:'w1',
    :d2)), 'pending', 'replayed');
select xz_test.throws(format('select xz.webhook_replay(%L, %s)', :'w1',
    :d1), 'XZ409', 'a delivered one is not replayed');

rollback;
