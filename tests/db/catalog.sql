-- What the service's role is, and what protects every tenant table: read
-- from the catalogs, so a future migration that forgets row security on a
-- new table, or gives the service more power, fails here.  Run as the
-- service's role by tests/db/run.sh.

select xz_test.is(current_user::text, 'xiangzhi_app',
    'these tests run as the service''s role');

select xz_test.is((select rolsuper from pg_roles
    where rolname = current_user), false,
    'the service''s role is not a superuser');
select xz_test.is((select rolbypassrls from pg_roles
    where rolname = current_user), false,
    'the service''s role has no BYPASSRLS');
select xz_test.is((select rolcreaterole or rolcreatedb or rolreplication
    from pg_roles where rolname = current_user), false,
    'the service''s role cannot create roles or databases, nor replicate');
select xz_test.set_eq($q$select r.rolname from pg_auth_members m
    join pg_roles r on r.oid = m.roleid
    where m.member = (select oid from pg_roles where rolname = current_user)$q$,
    '{}', 'the service''s role is a member of no other role');

select xz_test.set_eq($q$select c.oid::regclass::text from pg_class c
    where c.relowner = (select oid from pg_roles
	where rolname = current_user)$q$,
    '{}', 'the service''s role owns no table, view, sequence or index');
select xz_test.set_eq($q$select nspname from pg_namespace
    where nspowner = (select oid from pg_roles where rolname = current_user)$q$,
    '{}', 'the service''s role owns no schema');
select xz_test.set_eq($q$select oid::regprocedure::text from pg_proc
    where proowner = (select oid from pg_roles where rolname = current_user)$q$,
    '{}', 'the service''s role owns no function');
select xz_test.is(has_schema_privilege('public', 'CREATE'), false,
    'the service''s role cannot create objects in schema public');
select xz_test.is(has_database_privilege(current_database(), 'CREATE,TEMP'),
    false, 'the service''s role cannot create schemas or temporary objects');

-- Row security on tenant tables: every table in public with a
-- township_code or county_code column, partitions included.
select xz_test.ok((select count(*) from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and
    exists (select from pg_attribute a where a.attrelid = c.oid and
	a.attnum > 0 and not a.attisdropped and
	a.attname in ('township_code', 'county_code'))) >= 3,
    'the tenant-table query finds the tenant tables (not vacuous)');
select xz_test.set_eq($q$select c.relname::text from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and
    exists (select from pg_attribute a where a.attrelid = c.oid and
	a.attnum > 0 and not a.attisdropped and
	a.attname in ('township_code', 'county_code')) and
    not (c.relrowsecurity and c.relforcerowsecurity)$q$,
    '{}', 'row security is enabled and forced on every table with township_code or county_code');
select xz_test.set_eq($q$select c.relname::text from pg_class c
    where c.oid in ('counties'::regclass, 'townships'::regclass,
	'villages'::regclass, 'audit_log'::regclass) and
    c.relrowsecurity and c.relforcerowsecurity$q$,
    '{counties,townships,villages,audit_log}',
    'row security is enabled and forced on counties, townships, villages and audit_log');
-- Wider: whatever the service can touch in public is row-secured.
select xz_test.set_eq($q$select c.relname::text from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and
    has_table_privilege(c.oid, 'SELECT,INSERT,UPDATE,DELETE') and
    not (c.relrowsecurity and c.relforcerowsecurity)$q$,
    '{}', 'every table the service can read or write has forced row security');
select xz_test.set_eq($q$select c.relname::text from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and
    c.relrowsecurity and not exists (select from pg_policy p
	where p.polrelid = c.oid) and
    has_any_column_privilege(c.oid, 'SELECT,INSERT,UPDATE,REFERENCES')$q$,
    '{}', 'every row-secured table the service can reach has a policy');
select xz_test.set_eq($q$select c.relname::text from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and
    not has_any_column_privilege(c.oid, 'SELECT,INSERT,UPDATE,REFERENCES')
    and not has_table_privilege(c.oid, 'DELETE,TRUNCATE')$q$,
    '{login_throttle,refresh_families,refresh_tokens,schema_migrations}',
    'the service reaches login throttling and refresh tokens only through '
    'xz_auth functions');
select xz_test.set_eq($q$select c.relname::text from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'v' and
    coalesce(array_to_string(c.reloptions, ','), '') !~
	'(^|,)security_invoker=(true|on|yes|1)(,|$)'$q$,
    '{}', 'every view in public is security_invoker');
-- The only SECURITY DEFINER code the service may run: the narrow steps of
-- identity that happen before anyone is authenticated (0002_identity.sql)
-- and, for cooperatives (0003), resident-ID matching (the service cannot
-- read the HMAC column) and name search (the trigram index, which row
-- security keeps from ILIKE); each with a fixed search_path.
select xz_test.set_eq($q$select p.oid::regprocedure::text from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    where p.prosecdef and
    n.nspname not in ('pg_catalog', 'information_schema') and
    has_function_privilege(p.oid, 'EXECUTE')$q$,
    array['xz_auth.client_begin(uuid)', 'xz_auth.locked_until(text)',
	'xz_auth.login_begin(text,text,integer,interval)',
	'xz_auth.login_finish(text,uuid,boolean,text,interval,text,text,integer,interval)',
	'xz_auth.logout()',
	'xz_auth.refresh(text,text,interval,text)',
	'xz_auth.rotate_client_secret(uuid,text,interval)',
	'xz_auth.set_own_password(text)', 'xz_auth.unlock(uuid)',
	'xz.cooperatives_named(text)', 'xz.members_by_resident_id(bytea)',
	'xz.changes_publish(integer)',
	-- webhooks (0007): the delivery worker's steps
	'xz_hook.cursor_init(uuid)',
	'xz_hook.fanout(integer,integer)', 'xz_hook.claim(integer,integer)',
	'xz_hook.record(jsonb,bigint,bigint,bigint)'],
    'the service can execute only the identity, resident-ID matching, '
    'name-search, change-publishing and webhook-worker SECURITY DEFINER '
    'functions');
select xz_test.set_eq($q$select p.oid::regprocedure::text from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    where p.prosecdef and
    n.nspname not in ('pg_catalog', 'information_schema') and
    not coalesce('search_path=pg_catalog, public' = any (p.proconfig),
	false)$q$,
    '{}', 'every SECURITY DEFINER function pins its search_path');
select xz_test.is(has_table_privilege('schema_migrations',
    'SELECT,INSERT,UPDATE,DELETE'), false,
    'the service has no access to schema_migrations');
select xz_test.ok(exists (select from pg_trigger
    where tgrelid = 'audit_log'::regclass and (tgtype & 32) <> 0),
    'a trigger refuses TRUNCATE of the audit log (the owner too)');
select xz_test.is(has_column_privilege('audit_log', 'at', 'INSERT'), false,
    'the service cannot set an audit row''s time');
