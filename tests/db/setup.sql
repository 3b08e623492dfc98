-- Setup for the policy tests, run by tests/db/run.sh as the OWNER
-- (XZ_OWNER_URL) before the test files, which run as the service's role.
-- Idempotent: a second run changes nothing.
--
--   * a second county 330600 (township 330600100, village 330600100200),
--     so every test can check that another county stays invisible;
--   * schema xz_test: assertion helpers that print TAP through NOTICEs
--     (the service's role has no TEMP privilege, so they cannot live in
--     pg_temp) and xz_test.truth, a snapshot of every township and village
--     taken here with the owner's eyes, against which the service's view
--     is compared.  The helpers are SECURITY INVOKER: they run with the
--     caller's rights and claims.  run.sh drops the schema at the end.

\set ON_ERROR_STOP 1
set client_min_messages = warning;

insert into counties (code, name) values ('330600', '邻县')
    on conflict (code) do nothing;
insert into townships (code, county_code, name)
    values ('330600100', '330600', '邻县城关镇')
    on conflict (code) do nothing;
insert into villages (code, township_code, county_code, name, population)
    values ('330600100200', '330600100', '330600', '邻县东村', 100)
    on conflict (code) do nothing;

create schema if not exists xz_test;
revoke all on schema xz_test from public;
grant usage on schema xz_test to xiangzhi_app;

drop table if exists xz_test.truth;
create table xz_test.truth as
	select 'township'::text as kind, code::text as code,
	    county_code::text as county_code, code::text as township_code
	from townships
	union all
	select 'village', code, county_code, township_code
	from villages;
grant select on xz_test.truth to xiangzhi_app;

-- ok(pass, name): one TAP line.  NULL is a failure.
create or replace function xz_test.ok(pass boolean, name text)
returns boolean
language plpgsql
as $$
begin
	if coalesce(pass, false) then
		raise notice 'ok - %', name;
	else
		raise notice 'not ok - %', name;
	end if;
	return coalesce(pass, false);
end
$$;

-- diag(text): a TAP comment line.
create or replace function xz_test.diag(msg text)
returns void
language plpgsql
as $$
begin
	raise notice '# %', msg;
end
$$;

-- is(got, want, name)
create or replace function xz_test.is(got anyelement, want anyelement,
    name text)
returns boolean
language plpgsql
as $$
begin
	if xz_test.ok(got is not distinct from want, name) then
		return true;
	end if;
	perform xz_test.diag(format('got %s, want %s',
	    coalesce(got::text, 'NULL'), coalesce(want::text, 'NULL')));
	return false;
end
$$;

-- set_eq(query, want, name): the query's single text column, as a set,
-- equals want.
create or replace function xz_test.set_eq(query text, want text[],
    name text)
returns boolean
language plpgsql
as $$
declare
	got	text[];
	missing	text[];
	extra	text[];
begin
	execute format('select coalesce(array_agg(distinct c::text), ''{}'')'
	    ' from (%s) as q(c)', query) into got;
	select coalesce(array_agg(x), '{}') into missing
	    from unnest(coalesce(want, '{}')) x where x <> all (got);
	select coalesce(array_agg(x), '{}') into extra
	    from unnest(got) x where x <> all (coalesce(want, '{}'));
	if xz_test.ok(cardinality(missing) = 0 and cardinality(extra) = 0 and
	    cardinality(got) = cardinality(array(select distinct unnest(want))),
	    name) then
		return true;
	end if;
	perform xz_test.diag(format('%s rows, want %s; missing %s; unexpected %s',
	    cardinality(got), cardinality(want),
	    left(missing::text, 200), left(extra::text, 200)));
	return false;
end
$$;

-- throws(sql, states, name): sql fails with one of the comma-separated
-- SQLSTATEs.  Runs in a subtransaction that is always rolled back, so a
-- statement that wrongly succeeds leaves nothing behind.
create or replace function xz_test.throws(sql text, states text, name text)
returns boolean
language plpgsql
as $$
declare
	st	text;
	msg	text;
begin
	begin
		execute sql;
		raise exception 'xz_test: no error' using errcode = 'XZT01';
	exception when others then
		st := sqlstate;
		msg := sqlerrm;
	end;
	if st = 'XZT01' then
		perform xz_test.ok(false, name);
		perform xz_test.diag(format('no error, want SQLSTATE %s', states));
		return false;
	end if;
	if xz_test.ok(st = any (string_to_array(states, ',')), name) then
		return true;
	end if;
	perform xz_test.diag(format('got SQLSTATE %s (%s), want %s', st, msg,
	    states));
	return false;
end
$$;

-- affects(sql, n, name): sql runs without error and touches n rows; its
-- effects are kept (the test files roll back at the end).
create or replace function xz_test.affects(sql text, n bigint, name text)
returns boolean
language plpgsql
as $$
declare
	got	bigint;
begin
	begin
		execute sql;
		get diagnostics got = row_count;
	exception when others then
		perform xz_test.ok(false, name);
		perform xz_test.diag(format('SQLSTATE %s: %s', sqlstate, sqlerrm));
		return false;
	end;
	return xz_test.is(got, n, name);
end
$$;

-- refused(sql, name): a write that must not happen either fails with
-- 42501 (row policy or privilege) or changes no row.  Rolled back.
create or replace function xz_test.refused(sql text, name text)
returns boolean
language plpgsql
as $$
declare
	got	bigint;
	st	text;
	msg	text;
begin
	begin
		execute sql;
		get diagnostics got = row_count;
		raise exception 'xz_test: done' using errcode = 'XZT02';
	exception when others then
		st := sqlstate;
		msg := sqlerrm;
	end;
	if st = '42501' or (st = 'XZT02' and got = 0) then
		return xz_test.ok(true, name);
	end if;
	perform xz_test.ok(false, name);
	if st = 'XZT02' then
		perform xz_test.diag(format('%s row(s) changed, want 0 or 42501',
		    got));
	else
		perform xz_test.diag(format('got SQLSTATE %s (%s), want 42501 or'
		    ' 0 rows', st, msg));
	end if;
	return false;
end
$$;

-- bind(...): exactly the service's claims statement (app/db/db.c); empty
-- strings stand for absent claims, as in the service.
create or replace function xz_test.bind(role text, county text,
    township text, village text, sub text, scopes text, townships text,
    request_id text, read_only text default 'off')
returns void
language sql
as $$
	select set_config('app.role', role, true),
	    set_config('app.county', county, true),
	    set_config('app.township', township, true),
	    set_config('app.village', village, true),
	    set_config('app.sub', sub, true),
	    set_config('app.scopes', scopes, true),
	    set_config('app.townships', townships, true),
	    set_config('app.request_id', request_id, true),
	    set_config('transaction_read_only', read_only, true);
$$;

-- want(kind, predicate over truth): the codes the owner sees.
create or replace function xz_test.want(kind text, pred text default 'true')
returns text[]
language plpgsql
as $$
declare
	r	text[];
begin
	execute format('select coalesce(array_agg(code), ''{}'')'
	    ' from xz_test.truth where kind = %L and (%s)', kind, pred) into r;
	return r;
end
$$;

grant execute on all functions in schema xz_test to xiangzhi_app;
