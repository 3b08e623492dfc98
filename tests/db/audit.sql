-- The audit log: every mutation leaves a row in the same transaction, with
-- the bound request id, subject and role; the service's role can only
-- append rows attributed to itself, never change or remove them.  Run as
-- the service's role by tests/db/run.sh; every block is rolled back.

-- An update by a township user.
begin;
select xz_test.bind('township', '330599', '330599001', '', 'sub-audit-t1',
    '', '', 'req-db-audit-1');
select set_config('xz_test.pop0', (select population::text from villages
    where code = '330599001003'), true);
select set_config('xz_test.ver0', (select version::text from villages
    where code = '330599001003'), true);
update villages set population = population + 11
    where code = '330599001003';
select xz_test.is((select count(*) from audit_log
    where request_id = 'req-db-audit-1'), 1::bigint,
    'an update of one village writes one audit row');
select xz_test.ok(exists (select from audit_log
    where request_id = 'req-db-audit-1' and actor_sub = 'sub-audit-t1' and
    actor_role = 'township' and action = 'update' and entity = 'villages' and
    entity_id = '330599001003' and county_code = '330599' and
    township_code = '330599001'),
    'the audit row carries request id, sub, role, action, entity and tenant');
select xz_test.is((select (before ->> 'population')::integer from audit_log
    where request_id = 'req-db-audit-1'),
    current_setting('xz_test.pop0')::integer,
    'the audit row''s before holds the old population');
select xz_test.is((select (after ->> 'population')::integer from audit_log
    where request_id = 'req-db-audit-1'),
    current_setting('xz_test.pop0')::integer + 11,
    'the audit row''s after holds the new population');
select xz_test.is((select (after ->> 'version')::integer -
    (before ->> 'version')::integer from audit_log
    where request_id = 'req-db-audit-1'), 1,
    'before and after are the row versions around the update');
select xz_test.is((select (before ->> 'version')::integer from audit_log
    where request_id = 'req-db-audit-1'),
    current_setting('xz_test.ver0')::integer,
    'before is the row as it was');
rollback;

-- An insert by a county user.
begin;
select xz_test.bind('county', '330599', '', '', 'sub-audit-c1', '', '',
    'req-db-audit-2');
insert into townships (code, county_code, name)
    values ('330599299', '330599', '审计镇');
select xz_test.ok(exists (select from audit_log
    where request_id = 'req-db-audit-2' and actor_sub = 'sub-audit-c1' and
    actor_role = 'county' and action = 'insert' and
    entity = 'townships' and entity_id = '330599299' and
    county_code = '330599' and township_code = '330599299' and
    before is null and after ->> 'name' = '审计镇'),
    'an insert writes an audit row with after and no before');
rollback;

-- A refused write leaves no audit row.
begin;
select xz_test.bind('township', '330599', '330599001', '', 'sub-audit-t2',
    '', '', 'req-db-audit-3');
select xz_test.refused($q$update villages set population = 1
    where code = '330599002001'$q$,
    'a township user''s write to another township is refused');
select xz_test.bind('county', '330599', '', '', 'sub-audit-c2', '', '',
    'req-db-audit-3b');
select xz_test.is((select count(*) from audit_log
    where request_id = 'req-db-audit-3'), 0::bigint,
    'a refused write leaves no audit row');
rollback;

-- Append-only.
begin;
select xz_test.bind('county', '330599', '', '', 'sub-audit-c3', '', '',
    'req-db-audit-4');
select xz_test.ok((select count(*) from audit_log) > 0,
    'the county user sees audit rows to attack');
select xz_test.throws($q$update audit_log set actor_sub = 'nobody'$q$,
    '42501', 'the service cannot UPDATE audit rows');
select xz_test.throws($q$update audit_log set after = null
    where county_code = '330599'$q$, '42501',
    'the service cannot blank an audit row''s after');
select xz_test.throws($q$delete from audit_log$q$, '42501',
    'the service cannot DELETE audit rows');
select xz_test.throws($q$truncate audit_log$q$, '42501',
    'the service cannot TRUNCATE the audit log');
select xz_test.throws($q$insert into audit_log (at, request_id, actor_sub,
    actor_role, county_code, township_code, action, entity, entity_id)
    values ('2000-01-01', 'req-db-audit-4', 'sub-audit-c3', 'county',
    '330599', null, 'insert', 'villages', 'x')$q$, '42501',
    'the service cannot backdate an audit row (no grant on at)');
select xz_test.throws($q$alter table audit_log disable trigger
    audit_log_append_only$q$, '42501',
    'the service cannot disable the append-only trigger');
select xz_test.throws($q$drop trigger villages_audit on villages$q$, '42501',
    'the service cannot drop the audit trigger of villages');
rollback;

-- Forged rows.
begin;
select xz_test.bind('township', '330599', '330599001', '', 'sub-audit-t3',
    '', '', 'req-db-audit-5');
select xz_test.throws($q$insert into audit_log (request_id, actor_sub,
    actor_role, county_code, township_code, action, entity, entity_id)
    values ('req-db-audit-5', 'someone-else', 'township', '330599',
    '330599001', 'update', 'villages', '330599001001')$q$, '42501',
    'the service cannot append an audit row attributed to another sub');
select xz_test.throws($q$insert into audit_log (request_id, actor_sub,
    actor_role, county_code, township_code, action, entity, entity_id)
    values ('req-db-audit-5', 'sub-audit-t3', 'county', '330599',
    '330599001', 'update', 'villages', '330599001001')$q$, '42501',
    'the service cannot append an audit row attributed to another role');
select xz_test.throws($q$insert into audit_log (request_id, actor_sub,
    actor_role, county_code, township_code, action, entity, entity_id)
    values ('req-db-audit-5', 'xiangzhi_app', 'system', '330599',
    '330599001', 'update', 'villages', '330599001001')$q$, '42501',
    'the service cannot append an audit row as system');
-- Attributed to itself, but written into another tenant's trail.
select xz_test.throws($q$insert into audit_log (request_id, actor_sub,
    actor_role, county_code, township_code, action, entity, entity_id)
    values ('req-db-audit-5', 'sub-audit-t3', 'township', '330599',
    '330599002', 'update', 'villages', '330599002001')$q$, '42501',
    'a township user cannot append to another township''s audit trail');
select xz_test.throws($q$insert into audit_log (request_id, actor_sub,
    actor_role, county_code, township_code, action, entity, entity_id)
    values ('req-db-audit-5', 'sub-audit-t3', 'township', '330600',
    '330600100', 'update', 'villages', '330600100200')$q$, '42501',
    'a township user cannot append to another county''s audit trail');
rollback;

begin;
select xz_test.bind('county', '330599', '', '', 'sub-audit-c4', '', '',
    'req-db-audit-6');
select xz_test.throws($q$insert into audit_log (request_id, actor_sub,
    actor_role, county_code, township_code, action, entity, entity_id)
    values ('req-db-audit-6', 'sub-audit-c4', 'county', '330600',
    '330600100', 'update', 'villages', '330600100200')$q$, '42501',
    'a county user cannot append to another county''s audit trail');
rollback;

-- Without a bound subject a mutation cannot be audited, so it fails.
begin;
select xz_test.bind('county', '330599', '', '', '', '', '',
    'req-db-audit-7');
select xz_test.throws($q$update villages set population = population
    where code = '330599001001'$q$, '42501',
    'a mutation without a bound sub fails (its audit row is refused)');
rollback;
