-- Counties, townships (the tenants) and villages; claims helpers, the
-- audit log and row-level security. Runs as xiangzhi_owner.

create schema if not exists xz;
revoke all on schema xz from public;
grant usage on schema xz to xiangzhi_app;

-- Per-request claims, bound by the service with set_config(..., true).
-- Empty or missing settings yield NULL so every comparison fails closed.
create function xz.claim(name text) returns text
language sql stable parallel safe
as $$ select nullif(current_setting('app.' || name, true), '') $$;

grant execute on function xz.claim(text) to xiangzhi_app;

create table counties (
	code		char(6) primary key check (code ~ '^[0-9]{6}$'),
	name		text not null check (char_length(name) between 1 and 64),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now()
);

create table townships (
	code		char(9) primary key check (code ~ '^[0-9]{9}$'),
	county_code	char(6) not null references counties (code),
	name		text not null check (char_length(name) between 1 and 64),
	kind		text not null default 'town'
			    check (kind in ('town', 'subdistrict')),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	unique (code, county_code),
	check (left(code, 6) = county_code)
);
create index townships_county on townships (county_code, code);

create table villages (
	code		char(12) primary key check (code ~ '^[0-9]{12}$'),
	township_code	char(9) not null,
	county_code	char(6) not null,
	name		text not null check (char_length(name) between 1 and 64),
	population	integer not null default 0
			    check (population between 0 and 100000000),
	households	integer not null default 0
			    check (households between 0 and 100000000),
	natural_village_count integer not null default 0
			    check (natural_village_count between 0 and 100000),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (township_code, county_code)
	    references townships (code, county_code),
	check (left(code, 9) = township_code)
);
create index villages_township on villages (township_code, code);
create index villages_county on villages (county_code, code);

-- Row versions back ETag / If-Match.
create function xz.bump_version() returns trigger
language plpgsql
as $$
begin
	new.version := old.version + 1;
	new.updated_at := now();
	return new;
end
$$;

create trigger counties_version before update on counties
    for each row execute function xz.bump_version();
create trigger townships_version before update on townships
    for each row execute function xz.bump_version();
create trigger villages_version before update on villages
    for each row execute function xz.bump_version();

-- Append-only audit log, written by trigger in the mutating transaction.
create table audit_log (
	id		bigint generated always as identity primary key,
	at		timestamptz not null default now(),
	request_id	text,
	actor_sub	text not null,
	actor_role	text not null,
	county_code	char(6),
	township_code	char(9),
	action		text not null check (action in ('insert', 'update', 'delete')),
	entity		text not null,
	entity_id	text not null,
	before		jsonb,
	after		jsonb
);
create index audit_log_township on audit_log (township_code, id);
create index audit_log_county on audit_log (county_code, id);

create function xz.audit_refuse_change() returns trigger
language plpgsql
as $$
begin
	raise exception 'audit_log is append-only'
	    using errcode = 'insufficient_privilege';
end
$$;

create trigger audit_log_append_only before update or delete on audit_log
    for each statement execute function xz.audit_refuse_change();
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function xz.audit_refuse_change();

create function xz.audit_row() returns trigger
language plpgsql
as $$
declare
	r	jsonb;
begin
	r := to_jsonb(coalesce(new, old));
	insert into audit_log (request_id, actor_sub, actor_role,
	    county_code, township_code, action, entity, entity_id,
	    before, after)
	values (xz.claim('request_id'),
	    coalesce(xz.claim('sub'), current_user),
	    coalesce(xz.claim('role'), 'system'),
	    coalesce(r ->> 'county_code', case when tg_table_name = 'counties'
		then r ->> 'code' end),
	    coalesce(r ->> 'township_code', case when tg_table_name = 'townships'
		then r ->> 'code' end),
	    lower(tg_op), tg_table_name, r ->> 'code',
	    case when tg_op <> 'INSERT' then to_jsonb(old) end,
	    case when tg_op <> 'DELETE' then to_jsonb(new) end);
	return null;
end
$$;

create trigger counties_audit after insert or update or delete on counties
    for each row execute function xz.audit_row();
create trigger townships_audit after insert or update or delete on townships
    for each row execute function xz.audit_row();
create trigger villages_audit after insert or update or delete on villages
    for each row execute function xz.audit_row();

-- Row-level security. Policies read claims through scalar subqueries so
-- the planner evaluates them once per statement, and touch no other table.
alter table counties enable row level security;
alter table counties force row level security;
alter table townships enable row level security;
alter table townships force row level security;
alter table villages enable row level security;
alter table villages force row level security;
alter table audit_log enable row level security;
alter table audit_log force row level security;

create policy counties_read on counties for select
    using (code = (select xz.claim('county')));

-- A partner's grant: NULL claim 'townships' never matches; '*' is the whole
-- county (the token must say so explicitly).
create policy townships_read on townships for select
    using (county_code = (select xz.claim('county')) and (
	(select xz.claim('role')) = 'county' or
	((select xz.claim('role')) in ('township', 'village') and
	    code = (select xz.claim('township'))) or
	((select xz.claim('role')) = 'partner' and
	    ((select xz.claim('townships')) = '*' or
	    code = any (string_to_array((select xz.claim('townships')), ','))))));
create policy townships_insert on townships for insert
    with check ((select xz.claim('role')) = 'county' and
	county_code = (select xz.claim('county')));
create policy townships_update on townships for update
    using ((select xz.claim('role')) = 'county' and
	county_code = (select xz.claim('county')))
    with check ((select xz.claim('role')) = 'county' and
	county_code = (select xz.claim('county')));

create policy villages_read on villages for select
    using (county_code = (select xz.claim('county')) and (
	(select xz.claim('role')) = 'county' or
	((select xz.claim('role')) = 'township' and
	    township_code = (select xz.claim('township'))) or
	((select xz.claim('role')) = 'village' and
	    code = (select xz.claim('village'))) or
	((select xz.claim('role')) = 'partner' and
	    ((select xz.claim('townships')) = '*' or
	    township_code = any (string_to_array(
		(select xz.claim('townships')), ','))))));
create policy villages_insert on villages for insert
    with check ((select xz.claim('role')) = 'county' and
	county_code = (select xz.claim('county')));
create policy villages_update on villages for update
    using (county_code = (select xz.claim('county')) and (
	(select xz.claim('role')) = 'county' or
	((select xz.claim('role')) = 'township' and
	    township_code = (select xz.claim('township')))))
    with check (county_code = (select xz.claim('county')) and (
	(select xz.claim('role')) = 'county' or
	((select xz.claim('role')) = 'township' and
	    township_code = (select xz.claim('township')))));

-- The audit trail: anyone bound may append rows attributed to themselves
-- and to their own tenant; county users read their county's trail,
-- township users their township's.
create policy audit_insert on audit_log for insert
    with check (actor_sub = (select xz.claim('sub')) and
	actor_role = (select xz.claim('role')) and
	county_code = (select xz.claim('county')) and (
	(select xz.claim('role')) = 'county' or
	((select xz.claim('role')) in ('township', 'village') and
	    township_code = (select xz.claim('township'))) or
	((select xz.claim('role')) = 'partner' and
	    ((select xz.claim('townships')) = '*' or
	    township_code = any (string_to_array(
		(select xz.claim('townships')), ','))))));
create policy audit_read on audit_log for select
    using (county_code = (select xz.claim('county')) and (
	(select xz.claim('role')) = 'county' or
	((select xz.claim('role')) = 'township' and
	    township_code = (select xz.claim('township')))));

-- Least privilege for the service.
grant select on counties to xiangzhi_app;
grant select, insert on townships to xiangzhi_app;
grant update (name, kind) on townships to xiangzhi_app;
grant select, insert on villages to xiangzhi_app;
grant update (name, population, households, natural_village_count)
    on villages to xiangzhi_app;
-- The service cannot choose an audit row's id or time (no backdating).
grant select on audit_log to xiangzhi_app;
grant insert (request_id, actor_sub, actor_role, county_code, township_code,
    action, entity, entity_id, before, after) on audit_log to xiangzhi_app;
