-- Identity (issue 3, migrations/0002_identity.sql): users, partner clients,
-- login throttling, refresh-token families and the xz_auth functions.  Run
-- as the service's role (xiangzhi_app) by tests/db/run.sh.  Claims are
-- bound as app/db/db.c binds them: xz_test.bind (app.role .. app.request_id
-- and transaction_read_only) plus app.sid in the same statement; a request
-- without a token (the token endpoint) binds nothing, which empty strings
-- stand for.  Every block is rolled back.
--
-- Fixtures are this file's own users and clients (logins idt.*), created
-- through the service's grants; demo users are not touched.  Inside one
-- transaction now() does not move, so time is moved by the arguments the
-- functions take (a negative lock, TTL or overlap is one that has already
-- run out), and users that are to change their password first get a
-- password_changed_at in the past (else "changed" would equal "created").
-- Refresh-token hashes are 64 characters: repeat('NN', 32).

\set h0 '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA'
\set h1 '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaDE'
\set h2 '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaDI'
\set h3 '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaDM'
\set h4 '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaDQ'
\set h5 '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaDU'
\set h6 '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaDY'
\set h7 '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaDc'
\set demo_client '5a1f0000-0000-4000-8000-000000000001'

------------------------------------------------------------------------
-- Catalog: row security on the new tables, the xz_auth functions.
------------------------------------------------------------------------

select xz_test.set_eq($q$select c.relname::text from pg_class c
    where c.oid in ('users'::regclass, 'partner_clients'::regclass,
	'login_throttle'::regclass, 'refresh_families'::regclass,
	'refresh_tokens'::regclass) and
    c.relrowsecurity and c.relforcerowsecurity$q$,
    '{users,partner_clients,login_throttle,refresh_families,refresh_tokens}',
    'row security is enabled and forced on users, partner_clients, login_throttle, refresh_families and refresh_tokens');
select xz_test.set_eq($q$select p.proname::text from pg_proc p
    where p.pronamespace = 'xz_auth'::regnamespace and
    exists (select from aclexplode(p.proacl) a
	where a.grantee = 'xiangzhi_app'::regrole and
	a.privilege_type = 'EXECUTE')$q$,
    '{manages,locked_until,login_begin,login_finish,refresh,logout,set_own_password,unlock,client_begin,rotate_client_secret}',
    'xz_auth: the functions granted to the service are the expected eleven');
select xz_test.set_eq($q$select p.oid::regprocedure::text from pg_proc p
    where p.pronamespace = 'xz_auth'::regnamespace and
    has_function_privilege('xiangzhi_app', p.oid, 'EXECUTE') and
    p.proname <> 'manages' and not (p.prosecdef and
	exists (select from unnest(p.proconfig) c
	    where c like 'search_path=%' and c not like '%$user%'))$q$,
    '{}', 'every xz_auth function the service can execute (but manages) is SECURITY DEFINER with a fixed search_path');
select xz_test.is((select prosecdef from pg_proc
    where oid = 'xz_auth.manages(text, text, text)'::regprocedure), false,
    'xz_auth.manages is SECURITY INVOKER (it only reads the claims)');
select xz_test.set_eq($q$select p.oid::regprocedure::text from pg_proc p
    where p.pronamespace = 'xz_auth'::regnamespace and
    (p.proacl is null or exists (select from aclexplode(p.proacl) a
	where a.grantee = 0 and a.privilege_type = 'EXECUTE'))$q$,
    '{}', 'PUBLIC has EXECUTE on no xz_auth function');
select xz_test.set_eq($q$select p.oid::regprocedure::text from pg_proc p
    where p.pronamespace = 'xz_auth'::regnamespace and p.prosecdef and
    p.proowner <> 'xiangzhi_owner'::regrole$q$,
    '{}', 'every SECURITY DEFINER function of xz_auth belongs to xiangzhi_owner');
select xz_test.is(has_function_privilege('xz_auth.audit(text, text, text, text, text, text, jsonb)',
    'EXECUTE'), false,
    'the service cannot execute xz_auth.audit (no free-form audit rows)');
select xz_test.is(has_schema_privilege('xz_auth', 'CREATE'), false,
    'the service cannot create objects in schema xz_auth');
select xz_test.is(has_column_privilege('users', 'password_hash', 'SELECT'),
    false, 'the service has no SELECT on users.password_hash');
select xz_test.is(has_column_privilege('partner_clients', 'secret_hash',
    'SELECT') or has_column_privilege('partner_clients',
    'previous_secret_hash', 'SELECT'), false,
    'the service has no SELECT on partner_clients.secret_hash or previous_secret_hash');
select xz_test.set_eq($q$select t from unnest(array['login_throttle',
    'refresh_families', 'refresh_tokens']) t
    where has_table_privilege(t, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER') or
    has_any_column_privilege(t, 'SELECT,INSERT,UPDATE,REFERENCES')$q$,
    '{}', 'the service has no privilege at all on login_throttle, refresh_families, refresh_tokens');

------------------------------------------------------------------------
-- Users: who sees and writes which users; the hash stays out of reach.
------------------------------------------------------------------------

begin;
-- Fixtures: a township and a village user in each county.
select xz_test.bind('county', '330600', '', '', 'sub-idt-county-330600', '',
    '', 'req-idt-users-fx1'), set_config('app.sid', '', true);
insert into users (login, display_name, level, county_code, township_code,
    password_hash) values ('idt.other.t', '邻县干部', 'township', '330600',
    '330600100', :'h0') returning id as o_t \gset
select xz_test.bind('township', '330600', '330600100', '', :'o_t', '', '',
    'req-idt-users-fx2'), set_config('app.sid', '', true);
insert into users (login, display_name, level, county_code, township_code,
    village_code, password_hash) values ('idt.other.v', '邻县村', 'village',
    '330600', '330600100', '330600100200', :'h0') returning id as o_v \gset
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-users-fx3'), set_config('app.sid', '', true);
insert into users (login, display_name, level, county_code, township_code,
    password_hash) values ('idt.t1', '一号镇干部', 'township', '330599',
    '330599001', :'h0') returning id as t1 \gset
insert into users (login, display_name, level, county_code, township_code,
    password_hash) values ('idt.t2', '二号镇干部', 'township', '330599',
    '330599002', :'h0') returning id as t2 \gset
select xz_test.bind('township', '330599', '330599001', '', :'t1', '', '',
    'req-idt-users-fx4'), set_config('app.sid', '', true);
insert into users (login, display_name, level, county_code, township_code,
    village_code, password_hash) values ('idt.v1', '一号村', 'village',
    '330599', '330599001', '330599001001', :'h0') returning id as v1 \gset
select xz_test.bind('township', '330599', '330599002', '', :'t2', '', '',
    'req-idt-users-fx5'), set_config('app.sid', '', true);
insert into users (login, display_name, level, county_code, township_code,
    village_code, password_hash) values ('idt.v2', '二号村', 'village',
    '330599', '330599002', '330599002001', :'h0') returning id as v2 \gset

-- Reads.
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-users-r1'), set_config('app.sid', '', true);
select xz_test.set_eq($q$select login from users where login like 'idt.%'$q$,
    '{idt.t1,idt.t2}',
    'county user sees the township users of its county (not village users, not another county''s)');
select xz_test.is((select count(*) from users where not (level = 'township'
    and county_code = '330599')), 0::bigint,
    'every user a county user sees is a township user of its county (no county user)');
select xz_test.ok((select count(*) from users where level = 'township') >= 2,
    'county user: the check above is not vacuous');
select xz_test.bind('county', '330600', '', '', 'sub-idt-county-330600', '',
    '', 'req-idt-users-r2'), set_config('app.sid', '', true);
select xz_test.set_eq($q$select login from users$q$, '{idt.other.t}',
    'county user of 330600 sees only its own county''s township user');
select xz_test.bind('township', '330599', '330599001', '', :'t1', '', '',
    'req-idt-users-r3'), set_config('app.sid', '', true);
select xz_test.set_eq($q$select login from users where login like 'idt.%'$q$,
    '{idt.t1,idt.v1}',
    'township user sees the village users of its township, and itself');
select xz_test.set_eq(format($q$select login from users where id <> %L and
    not (level = 'village' and township_code = '330599001')$q$, :'t1'),
    '{}', 'township user sees no user outside its township''s village users (but itself)');
select xz_test.bind('township', '330599', '330599001', '',
    'sub-idt-nobody', '', '', 'req-idt-users-r4'), set_config('app.sid', '',
    true);
select xz_test.set_eq($q$select login from users where login like 'idt.%'$q$,
    '{idt.v1}', 'township user (sub not a user) sees only its village users');
select xz_test.bind('township', '330599', '330599002', '', :'t2', '', '',
    'req-idt-users-r5'), set_config('app.sid', '', true);
select xz_test.set_eq($q$select login from users where login like 'idt.%'$q$,
    '{idt.t2,idt.v2}', 'another township user sees its own village users');
select xz_test.bind('village', '330599', '330599001', '330599001001', :'v1',
    '', '', 'req-idt-users-r6'), set_config('app.sid', '', true);
select xz_test.set_eq($q$select login from users$q$, '{idt.v1}',
    'village user sees only its own row');
select xz_test.bind('village', '330599', '330599001', '330599001001',
    'sub-idt-nobody', '', '', 'req-idt-users-r7'), set_config('app.sid', '',
    true);
select xz_test.is((select count(*) from users), 0::bigint,
    'village user (sub not a user) sees no user');
select xz_test.bind('partner', '330599', '', '', :'demo_client',
    'org:read coops:read bookings:write funds:read dashboard:read changes:read',
    '*', 'req-idt-users-r8'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from users), 0::bigint,
    'partner sees no user');
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-users-r9'),
    set_config('app.sid', '', true);
select xz_test.is((select count(*) from users), 0::bigint,
    'no claims: no user visible');

-- The hash is not readable, not even indirectly.
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-users-h'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from users where login = 'idt.t1' and
    status = 'active' and must_change_password and version = 1),
    1::bigint, 'the granted user columns are readable (control)');
select xz_test.throws($q$select password_hash from users$q$, '42501',
    'SELECT users.password_hash is refused');
select xz_test.throws($q$select * from users$q$, '42501',
    'SELECT * from users is refused');
select xz_test.throws($q$select id from users
    where password_hash like '$argon2id$%'$q$, '42501',
    'filtering users by password_hash is refused');
select xz_test.throws($q$insert into users (login, display_name, level,
    county_code, township_code, password_hash) values ('idt.t9', 'x',
    'township', '330599', '330599003',
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA')
    returning password_hash$q$, '42501',
    'INSERT .. RETURNING password_hash is refused');
select xz_test.throws(format($q$update users set display_name = display_name
    where id = %L returning password_hash$q$, :'t1'), '42501',
    'UPDATE .. RETURNING password_hash is refused');
select xz_test.throws(format($q$update users set display_name = display_name
    where id = %L returning *$q$, :'t1'), '42501',
    'UPDATE users .. RETURNING * is refused');

-- The tables of the login machinery are out of reach.
select xz_test.throws($q$select count(*) from login_throttle$q$, '42501',
    'SELECT from login_throttle is refused');
select xz_test.throws($q$select count(*) from refresh_families$q$, '42501',
    'SELECT from refresh_families is refused');
select xz_test.throws($q$select count(*) from refresh_tokens$q$, '42501',
    'SELECT from refresh_tokens is refused');
select xz_test.throws($q$insert into login_throttle (login)
    values ('idt.t1')$q$, '42501', 'INSERT into login_throttle is refused');
select xz_test.throws($q$update login_throttle set locked_until = null$q$,
    '42501', 'UPDATE of login_throttle is refused');
select xz_test.throws($q$update refresh_families set revoked_at = null$q$,
    '42501', 'UPDATE of refresh_families is refused');
select xz_test.throws($q$delete from refresh_tokens$q$, '42501',
    'DELETE from refresh_tokens is refused');
select xz_test.throws($q$select xz_auth.audit('unlock', 'users', 'x',
    '330599', null, 'req', '{}')$q$, '42501',
    'calling xz_auth.audit is refused');

-- Writes by a county user.
select xz_test.throws($q$insert into users (login, display_name, level,
    county_code, township_code, village_code, password_hash)
    values ('idt.cv', 'x', 'village', '330599', '330599001', '330599001002',
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA')$q$, '42501',
    'county user cannot create a village user');
select xz_test.throws($q$insert into users (login, display_name, level,
    county_code, password_hash) values ('idt.cc', 'x', 'county', '330599',
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA')$q$, '42501',
    'county user cannot create a county user');
select xz_test.throws($q$insert into users (login, display_name, level,
    county_code, township_code, password_hash) values ('idt.ct', 'x',
    'township', '330600', '330600100',
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA')$q$, '42501',
    'county user cannot create a township user of another county');
select xz_test.throws($q$insert into users (login, display_name, level,
    county_code, township_code, password_hash) values ('idt.ct2', 'x',
    'township', '330599', '330600100',
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA')$q$, '42501,23503',
    'county user cannot create a user under another county''s township');
select xz_test.refused(format($q$update users set display_name = 'x'
    where id = %L$q$, :'v1'), 'county user cannot update a village user');
select xz_test.refused(format($q$update users set status = 'disabled'
    where id = %L$q$, :'o_t'),
    'county user cannot update another county''s township user');
select xz_test.refused($q$update users set display_name = 'x'
    where level <> 'township' or county_code <> '330599'$q$,
    'county user cannot update any user outside its manage set');
select xz_test.affects(format($q$update users set display_name = '改名干部'
    where id = %L$q$, :'t1'), 1,
    'county user can update a township user of its county');
select xz_test.throws(format($q$update users set township_code = '330599002'
    where id = %L$q$, :'t1'), '42501',
    'UPDATE users.township_code is refused');
select xz_test.throws(format($q$update users set level = 'county'
    where id = %L$q$, :'t1'), '42501', 'UPDATE users.level is refused');
select xz_test.throws(format($q$update users set county_code = '330600'
    where id = %L$q$, :'t1'), '42501', 'UPDATE users.county_code is refused');
select xz_test.throws(format($q$update users set login = 'idt.renamed'
    where id = %L$q$, :'t1'), '42501', 'UPDATE users.login is refused');
select xz_test.throws(format($q$update users set version = 99
    where id = %L$q$, :'t1'), '42501', 'UPDATE users.version is refused');
select xz_test.throws(format($q$delete from users where id = %L$q$, :'t1'),
    '42501', 'DELETE from users is refused');
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-users-hash'), set_config('app.sid', '', true);
select xz_test.affects(format($q$update users set password_hash = %L
    where id = %L$q$, :'h1', :'t1'), 1,
    'county user can set a managed user''s password hash (a reset)');

-- Writes by a township user.
select xz_test.bind('township', '330599', '330599001', '', :'t1', '', '',
    'req-idt-users-w2'), set_config('app.sid', '', true);
select xz_test.throws($q$insert into users (login, display_name, level,
    county_code, township_code, village_code, password_hash)
    values ('idt.tv', 'x', 'village', '330599', '330599002', '330599002002',
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA')$q$, '42501',
    'township user cannot create a village user of another township');
select xz_test.throws($q$insert into users (login, display_name, level,
    county_code, township_code, password_hash) values ('idt.tt', 'x',
    'township', '330599', '330599001',
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA')$q$, '42501',
    'township user cannot create a township user, even of its township');
select xz_test.throws($q$insert into users (login, display_name, level,
    county_code, township_code, village_code, password_hash)
    values ('idt.tv2', 'x', 'village', '330599', '330599001', '330599002002',
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA')$q$, '42501,23514',
    'township user cannot create a user of another township''s village');
select xz_test.refused(format($q$update users set display_name = 'x'
    where id = %L$q$, :'v2'),
    'township user cannot update another township''s village user');
select xz_test.refused(format($q$update users set display_name = 'x'
    where id = %L$q$, :'t1'), 'township user cannot update its own row');
select xz_test.refused(format($q$update users set display_name = 'x'
    where id in (%L, %L)$q$, :'t2', :'o_v'),
    'township user cannot update a peer or another county''s village user');
select xz_test.affects(format($q$update users set display_name = '改名村'
    where id = %L$q$, :'v1'), 1,
    'township user can update a village user of its township');

-- Village users and partners write no users.
select xz_test.bind('village', '330599', '330599001', '330599001001', :'v1',
    '', '', 'req-idt-users-w3'), set_config('app.sid', '', true);
select xz_test.refused(format($q$update users set display_name = 'x'
    where id = %L$q$, :'v1'), 'village user cannot update its own row');
select xz_test.throws($q$insert into users (login, display_name, level,
    county_code, township_code, village_code, password_hash)
    values ('idt.vv', 'x', 'village', '330599', '330599001', '330599001001',
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA')$q$, '42501',
    'village user cannot create a user');
select xz_test.bind('partner', '330599', '', '', :'demo_client',
    'org:read', '*', 'req-idt-users-w4'), set_config('app.sid', '', true);
select xz_test.refused($q$update users set display_name = 'x'$q$,
    'partner cannot update users');
select xz_test.throws($q$insert into users (login, display_name, level,
    county_code, township_code, password_hash) values ('idt.pt', 'x',
    'township', '330599', '330599001',
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA')$q$, '42501',
    'partner cannot create a user');

-- The trail of these changes.
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-users-a'), set_config('app.sid', '', true);
select xz_test.ok(exists (select from audit_log
    where request_id = 'req-idt-users-fx3' and action = 'insert' and
    entity = 'users' and entity_id = :'t1' and
    actor_sub = 'sub-idt-county-330599' and actor_role = 'county' and
    county_code = '330599' and township_code = '330599001' and
    before is null and after ->> 'login' = 'idt.t1'),
    'creating a user writes an insert audit row');
select xz_test.ok(exists (select from audit_log
    where request_id = 'req-idt-users-hash' and action = 'update' and
    entity = 'users' and entity_id = :'t1' and before is not null and
    after is not null),
    'setting a password hash writes an update audit row');
select xz_test.ok(exists (select from audit_log
    where request_id = 'req-idt-users-w2' and action = 'update' and
    entity = 'users' and entity_id = :'v1' and
    before ->> 'display_name' = '一号村' and
    after ->> 'display_name' = '改名村'),
    'updating a user writes before and after');
select xz_test.is((select count(*) from audit_log
    where entity = 'users' and (before ? 'password_hash' or
    after ? 'password_hash' or
    coalesce(before::text, '') || coalesce(after::text, '')
	like '%$argon2id$%')), 0::bigint,
    'no users audit row holds password_hash (or any argon2 hash)');
rollback;

------------------------------------------------------------------------
-- Partner clients: county users of the client's county only.
------------------------------------------------------------------------

begin;
select xz_test.bind('county', '330600', '', '', 'sub-idt-county-330600', '',
    '', 'req-idt-pc-fx1'), set_config('app.sid', '', true);
insert into partner_clients (county_code, name, scopes, townships,
    secret_hash, created_by) values ('330600', 'idt.p2', '{org:read}', null,
    :'h0', 'sub-idt-county-330600') returning id as p2 \gset
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-pc-fx2'), set_config('app.sid', '', true);
insert into partner_clients (county_code, name, scopes, townships,
    secret_hash, created_by) values ('330599', 'idt.p1',
    '{org:read,coops:read}', '{330599001}', :'h0', 'sub-idt-county-330599')
    returning id as p1 \gset

-- Reads.
select xz_test.set_eq($q$select name from partner_clients
    where name like 'idt.%'$q$, '{idt.p1}',
    'county user sees its county''s partner clients, not another county''s');
select xz_test.is((select count(*) from partner_clients
    where county_code <> '330599'), 0::bigint,
    'county user sees no client of another county');
select xz_test.ok(exists (select from partner_clients
    where id = :'p1' and status = 'active' and version = 1 and
    previous_secret_until is null and secret_rotated_at is null),
    'the granted partner_clients columns are readable (control)');
select xz_test.throws($q$select secret_hash from partner_clients$q$, '42501',
    'SELECT partner_clients.secret_hash is refused');
select xz_test.throws($q$select previous_secret_hash from partner_clients$q$,
    '42501', 'SELECT partner_clients.previous_secret_hash is refused');
select xz_test.throws($q$select * from partner_clients$q$, '42501',
    'SELECT * from partner_clients is refused');
select xz_test.throws($q$select id from partner_clients
    where secret_hash like '$argon2id$%'$q$, '42501',
    'filtering partner_clients by secret_hash is refused');
select xz_test.throws($q$insert into partner_clients (county_code, name,
    scopes, secret_hash) values ('330599', 'idt.p9', '{org:read}',
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA')
    returning secret_hash$q$, '42501',
    'INSERT .. RETURNING secret_hash is refused');
select xz_test.throws(format($q$update partner_clients set name = name
    where id = %L returning previous_secret_hash$q$, :'p1'), '42501',
    'UPDATE .. RETURNING previous_secret_hash is refused');
select xz_test.bind('county', '330600', '', '', 'sub-idt-county-330600', '',
    '', 'req-idt-pc-r2'), set_config('app.sid', '', true);
select xz_test.set_eq($q$select name from partner_clients
    where name like 'idt.%'$q$, '{idt.p2}',
    'county user of 330600 sees only its own client');
select xz_test.bind('township', '330599', '330599001', '', 'sub-idt-t',
    '', '', 'req-idt-pc-r3'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from partner_clients), 0::bigint,
    'township user sees no partner client');
select xz_test.throws($q$insert into partner_clients (county_code, name,
    scopes, secret_hash) values ('330599', 'idt.pt', '{org:read}',
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA')$q$, '42501',
    'township user cannot create a partner client');
select xz_test.refused($q$update partner_clients set name = 'x'$q$,
    'township user cannot update partner clients');
select xz_test.bind('village', '330599', '330599001', '330599001001',
    'sub-idt-v', '', '', 'req-idt-pc-r4'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from partner_clients), 0::bigint,
    'village user sees no partner client');
select xz_test.refused($q$update partner_clients set name = 'x'$q$,
    'village user cannot update partner clients');
select xz_test.bind('partner', '330599', '', '', :'demo_client',
    'org:read coops:read bookings:write funds:read dashboard:read changes:read',
    '*', 'req-idt-pc-r5'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from partner_clients), 0::bigint,
    'partner sees no partner client, not even itself');
select xz_test.throws($q$insert into partner_clients (county_code, name,
    scopes, secret_hash) values ('330599', 'idt.pp', '{org:read}',
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA')$q$, '42501',
    'partner cannot create a partner client');
select xz_test.refused($q$update partner_clients set scopes = '{org:read}'$q$,
    'partner cannot update partner clients');

-- Writes by county users.
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-pc-w1'), set_config('app.sid', '', true);
select xz_test.throws($q$insert into partner_clients (county_code, name,
    scopes, secret_hash) values ('330600', 'idt.px', '{org:read}',
    '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA')$q$, '42501',
    'county user cannot create a client for another county');
select xz_test.refused(format($q$update partner_clients set name = 'x'
    where id = %L$q$, :'p2'),
    'county user cannot update another county''s client');
select xz_test.affects(format($q$update partner_clients set name = 'idt.p1b',
    status = 'disabled' where id = %L$q$, :'p1'), 1,
    'county user can update its county''s client');
select xz_test.throws(format($q$update partner_clients set secret_hash = %L
    where id = %L$q$, :'h1', :'p1'), '42501',
    'UPDATE partner_clients.secret_hash is refused (rotation is a function)');
select xz_test.throws(format($q$update partner_clients
    set previous_secret_hash = %L where id = %L$q$, :'h1', :'p1'), '42501',
    'UPDATE partner_clients.previous_secret_hash is refused');
select xz_test.throws(format($q$update partner_clients
    set previous_secret_until = now() + interval '1 year'
    where id = %L$q$, :'p1'), '42501',
    'UPDATE partner_clients.previous_secret_until is refused');
select xz_test.throws(format($q$update partner_clients set county_code = '330600'
    where id = %L$q$, :'p1'), '42501',
    'UPDATE partner_clients.county_code is refused');
select xz_test.throws(format($q$delete from partner_clients where id = %L$q$,
    :'p1'), '42501', 'DELETE from partner_clients is refused');
select xz_test.bind('county', '330600', '', '', 'sub-idt-county-330600', '',
    '', 'req-idt-pc-w2'), set_config('app.sid', '', true);
select xz_test.refused(format($q$update partner_clients set name = 'x'
    where id = %L$q$, :'p1'),
    'county user of 330600 cannot update a client of 330599');

-- Secret rotation.
select xz_test.is((select count(*) from xz_auth.rotate_client_secret(:'p1',
    :'h7', interval '1 hour')), 0::bigint,
    'rotate_client_secret refuses another county''s client');
select xz_test.bind('township', '330599', '330599001', '', 'sub-idt-t',
    '', '', 'req-idt-pc-rot0'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from xz_auth.rotate_client_secret(:'p1',
    :'h7', interval '1 hour')), 0::bigint,
    'rotate_client_secret refuses a township user');
select xz_test.bind('partner', '330599', '', '', :'p1', 'org:read',
    '330599001', 'req-idt-pc-rot0b'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from xz_auth.rotate_client_secret(:'p1',
    :'h7', interval '1 hour')), 0::bigint,
    'rotate_client_secret refuses a partner (even the client itself)');
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-pc-begin0'),
    set_config('app.sid', '', true);
select xz_test.ok(r.secret_hash = :'h0' and r.previous_secret_hash is null,
    'the refused rotations changed nothing')
    from xz_auth.client_begin(:'p1') r;
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-pc-rot1'), set_config('app.sid', '', true);
select xz_test.ok(r.previous_secret_until = now() + interval '1 hour' and
    r.version = 3,
    'rotate_client_secret returns the overlap''s end and the new version')
    from xz_auth.rotate_client_secret(:'p1', :'h1', interval '1 hour') r;
select xz_test.ok(exists (select from partner_clients where id = :'p1' and
    previous_secret_until = now() + interval '1 hour' and
    secret_rotated_at = now()),
    'the client shows previous_secret_until and secret_rotated_at');
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-pc-begin1'),
    set_config('app.sid', '', true);
select xz_test.ok(r.id = :'p1' and r.county_code = '330599' and
    r.status = 'disabled' and r.secret_hash = :'h1' and
    r.previous_secret_hash = :'h0' and r.scopes = '{org:read,coops:read}' and
    r.townships = '{330599001}',
    'client_begin during the overlap: the new hash and the previous one')
    from xz_auth.client_begin(:'p1') r;
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-pc-rot2'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from xz_auth.rotate_client_secret(:'p1',
    :'h2', interval '-1 second')), 1::bigint,
    'a rotation whose overlap has already ended');
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-pc-begin2'),
    set_config('app.sid', '', true);
select xz_test.ok(r.secret_hash = :'h2' and r.previous_secret_hash is null,
    'client_begin hides previous_secret_hash after previous_secret_until')
    from xz_auth.client_begin(:'p1') r;
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-pc-rot3'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from xz_auth.rotate_client_secret(:'p1',
    :'h3', interval '0')), 1::bigint, 'a rotation with no overlap');
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-pc-begin3'),
    set_config('app.sid', '', true);
select xz_test.ok(r.secret_hash = :'h3' and r.previous_secret_hash is null,
    'client_begin: with no overlap the previous secret is gone at once')
    from xz_auth.client_begin(:'p1') r;
select xz_test.is((select count(*) from xz_auth.client_begin(
    '5a1f0000-0000-4000-8000-0000000000ff')), 0::bigint,
    'client_begin of an unknown client returns no row');

-- The trail.
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-pc-a'), set_config('app.sid', '', true);
select xz_test.ok(exists (select from audit_log
    where request_id = 'req-idt-pc-fx2' and action = 'insert' and
    entity = 'partner_clients' and entity_id = :'p1' and
    county_code = '330599' and after ->> 'name' = 'idt.p1'),
    'creating a partner client writes an insert audit row');
select xz_test.is((select count(*) from audit_log
    where request_id in ('req-idt-pc-rot1', 'req-idt-pc-rot2',
	'req-idt-pc-rot3') and action = 'update' and
    entity = 'partner_clients' and entity_id = :'p1' and
    actor_sub = 'sub-idt-county-330599' and actor_role = 'county'),
    3::bigint, 'each secret rotation writes an update audit row');
select xz_test.is((select count(*) from audit_log
    where entity = 'partner_clients' and (before ? 'secret_hash' or
    after ? 'secret_hash' or before ? 'previous_secret_hash' or
    after ? 'previous_secret_hash' or
    coalesce(before::text, '') || coalesce(after::text, '')
	like '%$argon2id$%')), 0::bigint,
    'no partner_clients audit row holds secret_hash, previous_secret_hash (or any argon2 hash)');
rollback;

------------------------------------------------------------------------
-- Login throttling: login_begin, login_finish, unlock.
------------------------------------------------------------------------

begin;
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-lock-fx1'), set_config('app.sid', '', true);
insert into users (login, display_name, level, county_code, township_code,
    password_hash) values ('idt.lock1', '锁一', 'township', '330599',
    '330599001', :'h0') returning id as l1 \gset
insert into users (login, display_name, level, county_code, township_code,
    password_hash) values ('idt.lock2', '锁二', 'township', '330599',
    '330599001', :'h0') returning id as l2 \gset
insert into users (login, display_name, level, county_code, township_code,
    password_hash) values ('idt.lock3', '锁三', 'township', '330599',
    '330599001', :'h0') returning id as l3 \gset
insert into users (login, display_name, level, county_code, township_code,
    password_hash) values ('idt.dis', '停用', 'township', '330599',
    '330599001', :'h0') returning id as d1 \gset
insert into users (login, display_name, level, county_code, township_code,
    password_hash) values ('idt.exp', '过期', 'township', '330599',
    '330599001', :'h0') returning id as e1 \gset
update users set status = 'disabled' where id = :'d1';
select xz_test.bind('township', '330599', '330599001', '',
    'sub-idt-township-001', '', '', 'req-idt-lock-fx2'),
    set_config('app.sid', '', true);
insert into users (login, display_name, level, county_code, township_code,
    village_code, password_hash) values ('idt.vlock', '村锁', 'village',
    '330599', '330599001', '330599001001', :'h0') returning id as vl \gset

-- Failures that reach p_max lock the login.
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-lock-1'),
    set_config('app.sid', '', true);
select xz_test.ok(r.state = 'check' and r.user_id = :'l1' and
    r.password_hash = :'h0' and r.locked_until is null,
    'login_begin of a known login: check, with the user''s id and hash')
    from xz_auth.login_begin('idt.lock1', 'req-idt-lock-1', 3,
	interval '15 minutes') r;
select xz_test.ok(r.state = 'invalid' and r.locked_until is null and
    r.session_id is null, 'login_finish: a first failure is invalid')
    from xz_auth.login_finish('idt.lock1', :'l1', false, null, null, null,
	'req-idt-lock-1', 3, interval '15 minutes') r;
select xz_test.is(r.state, 'check', 'login_begin: second attempt')
    from xz_auth.login_begin('idt.lock1', 'req-idt-lock-1', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'invalid', 'login_finish: a second failure is invalid')
    from xz_auth.login_finish('idt.lock1', :'l1', false, null, null, null,
	'req-idt-lock-1', 3, interval '15 minutes') r;
select xz_test.is(r.state, 'check', 'login_begin: third attempt')
    from xz_auth.login_begin('IDT.Lock1', 'req-idt-lock-1', 3,
	interval '15 minutes') r;
select xz_test.ok(r.state = 'locked' and
    r.locked_until = now() + interval '15 minutes',
    'login_finish: the failure that reaches p_max locks the login for p_lock')
    from xz_auth.login_finish('idt.lock1', :'l1', false, null, null, null,
	'req-idt-lock-1', 3, interval '15 minutes') r;
select xz_test.is(xz_auth.locked_until('idt.lock1'),
    now() + interval '15 minutes', 'locked_until(login) reports the lock');
select xz_test.ok(r.state = 'locked' and
    r.locked_until = now() + interval '15 minutes' and r.user_id is null and
    r.password_hash is null,
    'login_begin of a locked login: locked, until when, and no hash')
    from xz_auth.login_begin('idt.lock1', 'req-idt-lock-1b', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'locked', 'the lock holds for any case of the login')
    from xz_auth.login_begin('Idt.LOCK1', 'req-idt-lock-1b', 3,
	interval '15 minutes') r;
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-lock-1a'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from audit_log where action = 'lock' and
    entity = 'users' and entity_id = :'l1' and
    request_id = 'req-idt-lock-1' and county_code = '330599' and
    township_code = '330599001' and
    (after ->> 'failed_attempts')::integer = 3 and
    after ? 'locked_until'), 1::bigint,
    'the lock is audited once (action lock, the user''s id, its tenant)');

-- p_max attempts in flight: the next one is refused before any check.
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-lock-2'),
    set_config('app.sid', '', true);
select xz_test.is(r.state, 'check', 'in flight: attempt 1')
    from xz_auth.login_begin('idt.lock2', 'req-idt-lock-2', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'check', 'in flight: attempt 2')
    from xz_auth.login_begin('idt.lock2', 'req-idt-lock-2', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'check', 'in flight: attempt 3')
    from xz_auth.login_begin('idt.lock2', 'req-idt-lock-2', 3,
	interval '15 minutes') r;
select xz_test.ok(r.state = 'locked' and r.user_id is null and
    r.password_hash is null and r.locked_until > now() and
    r.locked_until <= now() + interval '15 minutes',
    'login_begin: after p_max attempts in flight, locked (retry later), no hash')
    from xz_auth.login_begin('idt.lock2', 'req-idt-lock-2', 3,
	interval '15 minutes') r;
select xz_test.is(xz_auth.locked_until('idt.lock2'), null::timestamptz,
    'attempts in flight are not a stored lock');
select xz_test.is(r.state, 'locked', 'in flight: the next attempt is refused too')
    from xz_auth.login_begin('idt.lock2', 'req-idt-lock-2', 3,
	interval '15 minutes') r;

-- A success resets the counter and opens a session.
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-lock-3'),
    set_config('app.sid', '', true);
select xz_test.is(r.state, 'check', 'reset: attempt 1')
    from xz_auth.login_begin('idt.lock3', 'req-idt-lock-3', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'invalid', 'reset: failure 1')
    from xz_auth.login_finish('idt.lock3', :'l3', false, null, null, null,
	'req-idt-lock-3', 3, interval '15 minutes') r;
select xz_test.is(r.state, 'check', 'reset: attempt 2')
    from xz_auth.login_begin('idt.lock3', 'req-idt-lock-3', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'invalid', 'reset: failure 2')
    from xz_auth.login_finish('idt.lock3', :'l3', false, null, null, null,
	'req-idt-lock-3', 3, interval '15 minutes') r;
select xz_test.is(r.state, 'check', 'reset: attempt 3')
    from xz_auth.login_begin('idt.lock3', 'req-idt-lock-3', 3,
	interval '15 minutes') r;
select coalesce(r.session_id::text, 'none') as sl3,
    xz_test.ok(r.state = 'ok' and r.user_id = :'l3' and
    r.level = 'township' and r.county_code = '330599' and
    r.township_code = '330599001' and r.village_code is null and
    r.must_change_password and r.session_id is not null and
    r.locked_until is null,
    'login_finish: a success is ok, with the user, its tenant and a session')
    from xz_auth.login_finish('idt.lock3', :'l3', true, repeat('c1', 32),
	interval '12 hours', null, 'req-idt-lock-3', 3,
	interval '15 minutes') r \gset
select xz_test.is(r.state, 'check',
    'after a success the count starts again (attempt 1)')
    from xz_auth.login_begin('idt.lock3', 'req-idt-lock-3b', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'check', 'after a success: attempt 2')
    from xz_auth.login_begin('idt.lock3', 'req-idt-lock-3b', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'check', 'after a success: attempt 3')
    from xz_auth.login_begin('idt.lock3', 'req-idt-lock-3b', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'locked', 'after a success: attempt 4 is locked')
    from xz_auth.login_begin('idt.lock3', 'req-idt-lock-3b', 3,
	interval '15 minutes') r;
select xz_test.ok(r.state = 'ok' and r.session_id::text = :'sl3' and
    r.user_id = :'l3',
    'the session opened by login_finish has a working refresh token')
    from xz_auth.refresh(repeat('c1', 32), repeat('c2', 32),
	interval '12 hours', 'req-idt-lock-3c') r;

-- A disabled user with the right password.
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-lock-4'),
    set_config('app.sid', '', true);
select xz_test.ok(r.state = 'check' and r.user_id = :'d1',
    'login_begin of a disabled user still checks the password')
    from xz_auth.login_begin('idt.dis', 'req-idt-lock-4', 3,
	interval '15 minutes') r;
select xz_test.ok(r.state = 'disabled' and r.session_id is null and
    r.user_id is null,
    'login_finish of a disabled user: disabled, no session')
    from xz_auth.login_finish('idt.dis', :'d1', true, repeat('d1', 32),
	interval '12 hours', null, 'req-idt-lock-4', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'invalid',
    'a disabled user''s login stored no usable refresh token')
    from xz_auth.refresh(repeat('d1', 32), repeat('d2', 32),
	interval '12 hours', 'req-idt-lock-4') r;

-- An unknown login is counted and locked the same way.
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-lock-5'),
    set_config('app.sid', '', true);
select xz_test.ok(r.state = 'check' and r.user_id is null and
    r.password_hash is null and r.locked_until is null,
    'login_begin of an unknown login: check, with no user and no hash')
    from xz_auth.login_begin('idt.nobody', 'req-idt-lock-5', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'invalid', 'unknown login: failure 1')
    from xz_auth.login_finish('idt.nobody', null, false, null, null, null,
	'req-idt-lock-5', 3, interval '15 minutes') r;
select xz_test.is(r.state, 'check', 'unknown login: attempt 2')
    from xz_auth.login_begin('idt.nobody', 'req-idt-lock-5', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'invalid', 'unknown login: failure 2')
    from xz_auth.login_finish('idt.nobody', null, false, null, null, null,
	'req-idt-lock-5', 3, interval '15 minutes') r;
select xz_test.is(r.state, 'check', 'unknown login: attempt 3')
    from xz_auth.login_begin('idt.nobody', 'req-idt-lock-5', 3,
	interval '15 minutes') r;
select xz_test.ok(r.state = 'locked' and
    r.locked_until = now() + interval '15 minutes',
    'unknown login: the failure that reaches p_max locks it, as for a user')
    from xz_auth.login_finish('idt.nobody', null, false, null, null, null,
	'req-idt-lock-5', 3, interval '15 minutes') r;
select xz_test.ok(r.state = 'locked' and
    r.locked_until = now() + interval '15 minutes',
    'unknown login: login_begin says locked')
    from xz_auth.login_begin('IDT.Nobody', 'req-idt-lock-5', 3,
	interval '15 minutes') r;

-- An expired lock is lifted at the next attempt (audited).
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-lock-6'),
    set_config('app.sid', '', true);
select xz_test.is(r.state, 'check', 'expiry: attempt 1')
    from xz_auth.login_begin('idt.exp', 'req-idt-lock-6', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'invalid', 'expiry: failure 1')
    from xz_auth.login_finish('idt.exp', :'e1', false, null, null, null,
	'req-idt-lock-6', 3, interval '-1 second') r;
select xz_test.is(r.state, 'check', 'expiry: attempt 2')
    from xz_auth.login_begin('idt.exp', 'req-idt-lock-6', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'invalid', 'expiry: failure 2')
    from xz_auth.login_finish('idt.exp', :'e1', false, null, null, null,
	'req-idt-lock-6', 3, interval '-1 second') r;
select xz_test.is(r.state, 'check', 'expiry: attempt 3')
    from xz_auth.login_begin('idt.exp', 'req-idt-lock-6', 3,
	interval '15 minutes') r;
select xz_test.ok(r.state = 'locked' and r.locked_until < now(),
    'expiry: locked with a lock that has already run out')
    from xz_auth.login_finish('idt.exp', :'e1', false, null, null, null,
	'req-idt-lock-6', 3, interval '-1 second') r;
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-lock-6b'),
    set_config('app.sid', '', true);
select xz_test.ok(r.state = 'check' and r.user_id = :'e1' and
    r.locked_until is null,
    'an expired lock is lifted at the next login_begin')
    from xz_auth.login_begin('idt.exp', 'req-idt-lock-6b', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'check',
    'after the lift the count starts again (attempt 2)')
    from xz_auth.login_begin('idt.exp', 'req-idt-lock-6b', 3,
	interval '15 minutes') r;
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-lock-6a'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from audit_log where action = 'unlock' and
    entity = 'users' and entity_id = :'e1' and
    request_id = 'req-idt-lock-6b' and county_code = '330599' and
    after ->> 'reason' = 'expired'), 1::bigint,
    'the lifted lock is audited (action unlock, reason expired)');

-- unlock(): only by a manager of the user.
select xz_test.bind('county', '330600', '', '', 'sub-idt-county-330600', '',
    '', 'req-idt-unlock-1'), set_config('app.sid', '', true);
select xz_test.is(xz_auth.unlock(:'l1'), 0,
    'unlock refuses a county user of another county');
select xz_test.bind('township', '330599', '330599001', '',
    'sub-idt-township-001', '', '', 'req-idt-unlock-2'),
    set_config('app.sid', '', true);
select xz_test.is(xz_auth.unlock(:'l1'), 0,
    'unlock refuses a township user (township users are not its to manage)');
select xz_test.bind('village', '330599', '330599001', '330599001001',
    'sub-idt-v', '', '', 'req-idt-unlock-3'), set_config('app.sid', '', true);
select xz_test.is(xz_auth.unlock(:'l1'), 0, 'unlock refuses a village user');
select xz_test.bind('partner', '330599', '', '', :'demo_client', 'org:read',
    '*', 'req-idt-unlock-4'), set_config('app.sid', '', true);
select xz_test.is(xz_auth.unlock(:'l1'), 0, 'unlock refuses a partner');
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-unlock-5'),
    set_config('app.sid', '', true);
select xz_test.is(xz_auth.unlock(:'l1'), 0, 'unlock refuses a caller with no claims');
select xz_test.is(r.state, 'locked', 'the refused unlocks left the lock')
    from xz_auth.login_begin('idt.lock1', 'req-idt-unlock-5', 3,
	interval '15 minutes') r;
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-unlock-6'), set_config('app.sid', '', true);
select xz_test.is(xz_auth.unlock('5a1f0000-0000-4000-8000-0000000000ff'), 0,
    'unlock of an unknown user returns 0');
select xz_test.is(xz_auth.unlock(:'l1'), 1,
    'unlock by the county user managing the user');
select xz_test.is((select count(*) from audit_log where action = 'unlock' and
    entity = 'users' and entity_id = :'l1' and
    request_id = 'req-idt-unlock-6' and
    actor_sub = 'sub-idt-county-330599' and actor_role = 'county' and
    after ->> 'reason' = 'manager'), 1::bigint,
    'the unlock is audited (reason manager, the caller as actor)');
select xz_test.is(xz_auth.locked_until('idt.lock1'), null::timestamptz,
    'after unlock locked_until(login) is NULL');
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-unlock-7'),
    set_config('app.sid', '', true);
select xz_test.is(r.state, 'check', 'after unlock the login may try again')
    from xz_auth.login_begin('idt.lock1', 'req-idt-unlock-7', 3,
	interval '15 minutes') r;
-- A village user: its township's user unlocks it, nobody else.
select xz_test.is(r.state, 'check', 'village lock: attempt 1')
    from xz_auth.login_begin('idt.vlock', 'req-idt-unlock-8', 1,
	interval '15 minutes') r;
select xz_test.is(r.state, 'locked', 'village lock: locked after one failure (p_max 1)')
    from xz_auth.login_finish('idt.vlock', :'vl', false, null, null, null,
	'req-idt-unlock-8', 1, interval '15 minutes') r;
select xz_test.bind('township', '330599', '330599002', '',
    'sub-idt-township-002', '', '', 'req-idt-unlock-9'),
    set_config('app.sid', '', true);
select xz_test.is(xz_auth.unlock(:'vl'), 0,
    'unlock refuses a township user of another township');
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-unlock-10'), set_config('app.sid', '', true);
select xz_test.is(xz_auth.unlock(:'vl'), 0,
    'unlock refuses the county user for a village user');
select xz_test.is(xz_auth.locked_until('idt.vlock'),
    now() + interval '15 minutes', 'the village user is still locked');
select xz_test.bind('township', '330599', '330599001', '',
    'sub-idt-township-001', '', '', 'req-idt-unlock-11'),
    set_config('app.sid', '', true);
select xz_test.is(xz_auth.unlock(:'vl'), 1,
    'unlock by the township user of the village user''s township');
select xz_test.is(xz_auth.locked_until('idt.vlock'), null::timestamptz,
    'the village user is unlocked');

select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-lock-a'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from audit_log
    where entity = 'users' and (before ? 'password_hash' or
    after ? 'password_hash' or
    coalesce(before::text, '') || coalesce(after::text, '')
	like '%$argon2id$%')), 0::bigint,
    'login throttling: no audit row holds a password hash');
rollback;

------------------------------------------------------------------------
-- Sessions: refresh rotation and reuse, logout, own password, the
-- users_sessions trigger.
------------------------------------------------------------------------

begin;
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-s-fx'), set_config('app.sid', '', true);
insert into users (login, display_name, level, county_code, township_code,
    password_hash) values ('idt.s1', '会话一', 'township', '330599',
    '330599001', :'h1') returning id as s1 \gset
insert into users (login, display_name, level, county_code, township_code,
    password_hash) values ('idt.s2', '会话二', 'township', '330599',
    '330599001', :'h2') returning id as s2 \gset
insert into users (login, display_name, level, county_code, township_code,
    password_hash) values ('idt.s3', '会话三', 'township', '330599',
    '330599001', :'h3') returning id as s3 \gset
-- Passwords set a day ago (see the top of the file).
update users set password_changed_at = now() - interval '1 day'
    where id in (:'s1', :'s2', :'s3');

select xz_test.bind('', '', '', '', '', '', '', 'req-idt-s-login'),
    set_config('app.sid', '', true);
select r.session_id as f1 from xz_auth.login_finish('idt.s1', :'s1', true,
    repeat('11', 32), interval '12 hours', null, 'req-idt-s-login', 3,
    interval '15 minutes') r \gset
select r.session_id as f2 from xz_auth.login_finish('idt.s1', :'s1', true,
    repeat('21', 32), interval '12 hours', null, 'req-idt-s-login', 3,
    interval '15 minutes') r \gset
select r.session_id as f3 from xz_auth.login_finish('idt.s1', :'s1', true,
    repeat('31', 32), interval '12 hours', null, 'req-idt-s-login', 3,
    interval '15 minutes') r \gset
select xz_test.ok(count(distinct x) = 3,
    'three sign-ins open three sessions')
    from unnest(array[:'f1', :'f2', :'f3']) x;

-- Rotation and reuse.
select xz_test.ok(r.state = 'ok' and r.session_id = :'f1' and
    r.user_id = :'s1' and r.level = 'township' and
    r.county_code = '330599' and r.township_code = '330599001' and
    r.village_code is null and r.must_change_password,
    'refresh rotates: ok, same session, the user and its tenant')
    from xz_auth.refresh(repeat('11', 32), repeat('12', 32),
	interval '12 hours', 'req-idt-r-1') r;
select xz_test.ok(r.state = 'ok' and r.session_id = :'f1',
    'the new refresh token rotates in turn')
    from xz_auth.refresh(repeat('12', 32), repeat('13', 32),
	interval '12 hours', 'req-idt-r-2') r;
select xz_test.is(r.state, 'reused',
    'a spent refresh token presented again is reused')
    from xz_auth.refresh(repeat('11', 32), repeat('1a', 32),
	interval '12 hours', 'req-idt-r-3') r;
select xz_test.is(r.state, 'invalid',
    'after a reuse the family''s newest token is invalid (family revoked)')
    from xz_auth.refresh(repeat('13', 32), repeat('14', 32),
	interval '12 hours', 'req-idt-r-4') r;
select xz_test.is(r.state, 'invalid',
    'the replacement offered with the reused token was never issued')
    from xz_auth.refresh(repeat('1a', 32), repeat('1b', 32),
	interval '12 hours', 'req-idt-r-5') r;
select xz_test.is(r.state, 'invalid', 'an unknown refresh token is invalid')
    from xz_auth.refresh(repeat('ff', 32), repeat('fe', 32),
	interval '12 hours', 'req-idt-r-6') r;
select xz_test.ok(r.state = 'ok' and r.session_id = :'f2',
    'a reuse revokes only its own family')
    from xz_auth.refresh(repeat('21', 32), repeat('22', 32),
	interval '12 hours', 'req-idt-r-7') r;
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-s-exp'),
    set_config('app.sid', '', true);
select xz_test.is(r.state, 'ok', 'a sign-in with an already-expired refresh token')
    from xz_auth.login_finish('idt.s3', :'s3', true, repeat('81', 32),
	interval '-1 second', null, 'req-idt-s-exp', 3,
	interval '15 minutes') r;
select xz_test.is(r.state, 'invalid', 'an expired refresh token is invalid')
    from xz_auth.refresh(repeat('81', 32), repeat('82', 32),
	interval '12 hours', 'req-idt-r-8') r;
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-r-a'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from audit_log where action = 'revoke' and
    entity = 'users' and entity_id = :'s1' and request_id = 'req-idt-r-3' and
    after ->> 'reason' = 'reuse' and after ->> 'session' = :'f1'),
    1::bigint, 'the reuse revocation is audited (reason reuse, the session)');

-- Logout: the family named by app.sid, of app.sub.
select xz_test.bind('township', '330599', '330599001', '', :'s2', '', '',
    'req-idt-logout-1'), set_config('app.sid', :'f3', true);
select xz_test.is(xz_auth.logout(), 0,
    'logout does not end another user''s session (app.sid of another sub)');
select xz_test.bind('township', '330599', '330599001', '', :'s1', '', '',
    'req-idt-logout-2'), set_config('app.sid', '', true);
select xz_test.is(xz_auth.logout(), 0, 'logout without app.sid ends nothing');
select xz_test.bind('township', '330599', '330599001', '', :'s1', '', '',
    'req-idt-logout-3'), set_config('app.sid', :'f2', true);
select xz_test.is(xz_auth.logout(), 1,
    'logout ends the session named by app.sid');
select xz_test.is(xz_auth.logout(), 0, 'a second logout ends nothing');
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-logout-4'),
    set_config('app.sid', '', true);
select xz_test.is(r.state, 'invalid',
    'the logged-out session''s refresh token is invalid')
    from xz_auth.refresh(repeat('22', 32), repeat('23', 32),
	interval '12 hours', 'req-idt-logout-4') r;
select xz_test.ok(r.state = 'ok' and r.session_id = :'f3',
    'logout leaves the user''s other sessions')
    from xz_auth.refresh(repeat('31', 32), repeat('32', 32),
	interval '12 hours', 'req-idt-logout-4') r;

-- set_own_password acts on app.sub only (hashes read back through
-- login_begin, the only way the service sees one).
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-pw-3'),
    set_config('app.sid', '', true);
select xz_test.is(xz_auth.set_own_password(:'h7'), 0,
    'set_own_password without app.sub changes nothing');
select r.session_id as f5 from xz_auth.login_finish('idt.s1', :'s1', true,
    repeat('51', 32), interval '12 hours', null, 'req-idt-pw-3', 3,
    interval '15 minutes') r \gset
select xz_test.bind('township', '330599', '330599001', '', :'s1', '', '',
    'req-idt-pw-4'), set_config('app.sid', :'f3', true);
select xz_test.is(xz_auth.set_own_password(:'h4'), 1,
    'set_own_password changes the row of app.sub');
select xz_test.is((select r.password_hash from xz_auth.login_begin('idt.s1',
    'req-idt-pw-4', 100, interval '15 minutes') r), :'h4'::text,
    'the new hash is stored');
select xz_test.ok((select not must_change_password and
    password_changed_at = now() from users where id = :'s1'),
    'set_own_password clears must_change_password and stamps password_changed_at');
select xz_test.bind('township', '330599', '330599001', '', :'s2', '', '',
    'req-idt-pw-5'), set_config('app.sid', '', true);
select xz_test.is((select r.password_hash from xz_auth.login_begin('idt.s2',
    'req-idt-pw-5', 100, interval '15 minutes') r), :'h2'::text,
    'another user''s hash is untouched by set_own_password');
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-pw-6'),
    set_config('app.sid', '', true);
select xz_test.ok(r.state = 'ok' and r.session_id = :'f3',
    'a self change keeps the session of app.sid')
    from xz_auth.refresh(repeat('32', 32), repeat('33', 32),
	interval '12 hours', 'req-idt-pw-6') r;
select xz_test.is(r.state, 'invalid',
    'a self change revokes the user''s other sessions')
    from xz_auth.refresh(repeat('51', 32), repeat('52', 32),
	interval '12 hours', 'req-idt-pw-6') r;
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-pw-a'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from audit_log where action = 'revoke' and
    entity = 'users' and entity_id = :'s1' and request_id = 'req-idt-pw-4' and
    actor_sub = :'s1' and after ->> 'reason' = 'password_change' and
    (after ->> 'sessions')::integer = 1), 1::bigint,
    'the self change''s revocation is audited (reason password_change, 1 session)');

-- A rehash (same password_changed_at) keeps the sessions.
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-rh-1'),
    set_config('app.sid', '', true);
select r.session_id as g1 from xz_auth.login_finish('idt.s2', :'s2', true,
    repeat('61', 32), interval '12 hours', null, 'req-idt-rh-1', 3,
    interval '15 minutes') r \gset
select xz_test.ok(r.state = 'ok' and r.session_id is not null and
    r.session_id <> :'g1',
    'a sign-in that rehashes the password opens a session')
    from xz_auth.login_finish('idt.s2', :'s2', true, repeat('71', 32),
	interval '12 hours', :'h5', 'req-idt-rh-1', 3,
	interval '15 minutes') r;
select xz_test.ok(r.state = 'ok' and r.session_id = :'g1',
    'a rehash keeps the user''s other sessions')
    from xz_auth.refresh(repeat('61', 32), repeat('62', 32),
	interval '12 hours', 'req-idt-rh-2') r;
select xz_test.bind('township', '330599', '330599001', '', :'s2', '', '',
    'req-idt-rh-3'), set_config('app.sid', '', true);
select xz_test.is((select r.password_hash from xz_auth.login_begin('idt.s2',
    'req-idt-rh-3', 100, interval '15 minutes') r), :'h5'::text,
    'the rehash stored the new hash');
select xz_test.ok((select password_changed_at = now() - interval '1 day'
    from users where id = :'s2'),
    'a rehash leaves password_changed_at');
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-rh-4'), set_config('app.sid', '', true);
select xz_test.affects(format($q$update users set password_hash = %L
    where id = %L$q$, :'h6', :'s2'), 1,
    'a hash change without a new password_changed_at');
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-rh-5'),
    set_config('app.sid', '', true);
select xz_test.ok(r.state = 'ok' and r.session_id = :'g1',
    'a hash change that keeps password_changed_at keeps the sessions')
    from xz_auth.refresh(repeat('62', 32), repeat('63', 32),
	interval '12 hours', 'req-idt-rh-5') r;

-- A reset by the manager (new password_changed_at) ends every session.
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-reset-1'),
    set_config('app.sid', '5a1f0000-0000-4000-8000-00000000c0c0', true);
select xz_test.affects(format($q$update users set password_hash = %L,
    must_change_password = true, password_changed_at = now()
    where id = %L$q$, :'h7', :'s2'), 1, 'a manager resets a password');
select xz_test.is((select count(*) from audit_log where action = 'revoke' and
    entity = 'users' and entity_id = :'s2' and
    request_id = 'req-idt-reset-1' and
    after ->> 'reason' = 'password_reset' and
    (after ->> 'sessions')::integer = 2), 1::bigint,
    'the reset''s revocation is audited (reason password_reset, 2 sessions)');
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-reset-2'),
    set_config('app.sid', '', true);
select xz_test.is(r.state, 'invalid', 'after a reset: session 1 is revoked')
    from xz_auth.refresh(repeat('63', 32), repeat('64', 32),
	interval '12 hours', 'req-idt-reset-2') r;
select xz_test.is(r.state, 'invalid', 'after a reset: session 2 is revoked')
    from xz_auth.refresh(repeat('71', 32), repeat('72', 32),
	interval '12 hours', 'req-idt-reset-2') r;

-- Disabling ends every session, and they stay ended.
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-dis-1'),
    set_config('app.sid', '', true);
select r.session_id as k1 from xz_auth.login_finish('idt.s3', :'s3', true,
    repeat('91', 32), interval '12 hours', null, 'req-idt-dis-1', 3,
    interval '15 minutes') r \gset
select r.session_id as k2 from xz_auth.login_finish('idt.s3', :'s3', true,
    repeat('92', 32), interval '12 hours', null, 'req-idt-dis-1', 3,
    interval '15 minutes') r \gset
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-dis-2'), set_config('app.sid', '', true);
select xz_test.affects(format($q$update users set status = 'disabled'
    where id = %L$q$, :'s3'), 1, 'a manager disables a user');
select xz_test.is((select count(*) from audit_log where action = 'revoke' and
    entity = 'users' and entity_id = :'s3' and
    request_id = 'req-idt-dis-2' and after ->> 'reason' = 'disabled' and
    (after ->> 'sessions')::integer = 3), 1::bigint,
    'disabling revokes the user''s sessions (audited: reason disabled, 3 sessions)');
select xz_test.bind('township', '330599', '330599001', '', :'s3', '', '',
    'req-idt-dis-3'), set_config('app.sid', :'k1', true);
select xz_test.is(xz_auth.set_own_password(:'h4'), 0,
    'set_own_password of a disabled user changes nothing');
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-dis-4'), set_config('app.sid', '', true);
select xz_test.affects(format($q$update users set status = 'active'
    where id = %L$q$, :'s3'), 1, 'the manager enables the user again');
select xz_test.bind('', '', '', '', '', '', '', 'req-idt-dis-5'),
    set_config('app.sid', '', true);
select xz_test.is(r.state, 'invalid',
    'sessions ended by disabling stay ended after enabling (1)')
    from xz_auth.refresh(repeat('91', 32), repeat('93', 32),
	interval '12 hours', 'req-idt-dis-5') r;
select xz_test.is(r.state, 'invalid',
    'sessions ended by disabling stay ended after enabling (2)')
    from xz_auth.refresh(repeat('92', 32), repeat('94', 32),
	interval '12 hours', 'req-idt-dis-5') r;

select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-s-a'), set_config('app.sid', '', true);
select xz_test.ok((select count(*) from audit_log where entity = 'users' and
    action = 'update' and entity_id in (:'s1', :'s2', :'s3')) >= 5,
    'password and status changes of users are audited');
select xz_test.is((select count(*) from audit_log
    where entity = 'users' and (before ? 'password_hash' or
    after ? 'password_hash' or
    coalesce(before::text, '') || coalesce(after::text, '')
	like '%$argon2id$%')), 0::bigint,
    'sessions: no audit row holds a password hash');
rollback;

------------------------------------------------------------------------
-- Every audit row there is (as far as each county's user can see).
------------------------------------------------------------------------

begin;
select xz_test.bind('county', '330599', '', '', 'sub-idt-county-330599', '',
    '', 'req-idt-final-1'), set_config('app.sid', '', true);
select xz_test.ok((select count(*) from audit_log
    where entity in ('users', 'partner_clients')) > 0,
    'county 330599 has users and partner_clients audit rows (not vacuous)');
select xz_test.is((select count(*) from audit_log
    where before ? 'password_hash' or after ? 'password_hash' or
    before ? 'secret_hash' or after ? 'secret_hash' or
    before ? 'previous_secret_hash' or after ? 'previous_secret_hash' or
    coalesce(before::text, '') || coalesce(after::text, '')
	like '%$argon2id$%'), 0::bigint,
    'no audit row of county 330599 holds password_hash, secret_hash or previous_secret_hash');
select xz_test.bind('county', '330600', '', '', 'sub-idt-county-330600', '',
    '', 'req-idt-final-2'), set_config('app.sid', '', true);
select xz_test.is((select count(*) from audit_log
    where before ? 'password_hash' or after ? 'password_hash' or
    before ? 'secret_hash' or after ? 'secret_hash' or
    before ? 'previous_secret_hash' or after ? 'previous_secret_hash' or
    coalesce(before::text, '') || coalesce(after::text, '')
	like '%$argon2id$%'), 0::bigint,
    'no audit row of county 330600 holds password_hash, secret_hash or previous_secret_hash');
rollback;
