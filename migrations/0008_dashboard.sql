-- County dashboard (issue 7): the aggregates GET /api/v1/dashboard/summary
-- reads, kept current by triggers on the tables they come from, and the
-- summary and its version.  Runs as xiangzhi_owner in one transaction
-- (xiangzhi-admin migrate).
--
-- Decisions:
--
-- 1. Never a scan of history per request.  Every figure is read from
--    tables that triggers keep in the same transaction as the change:
--    dash_townships (one row per township: cooperatives by kind, current
--    members, pooled land, machines in service, and a version), dash_staff
--    (one row per staff member: township and status), dash_staff_days (per
--    staff member and day: the percent of their time on active
--    deployments; no row when none), dash_day_counts (per township, kind
--    and day: 'booked' = machines in service booked that day, 'filed' =
--    projects awaiting county review by the day they were filed,
--    'running' = projects under way by their planned end) and
--    dash_fund_totals (a copy of fund_township_totals, slot by slot, so
--    that payments spread over slots as before).  A request reads one row
--    per township, the staff of the township(s), at most one row per day
--    of the period per township, and deployed staff-days of the period:
--    bounded by the size of the county and the period, not by the ledger,
--    the bookings or the projects' history.
-- 2. Who reads them.  The aggregates are tables with row security: county
--    users their county, township users their township, partners with
--    dashboard:read their granted townships.  A partner with only
--    dashboard:read thus sees the fund, personnel and cooperative figures
--    of its townships without reading projects, staff or members; that is
--    why the fund totals are copied rather than read from
--    fund_township_totals (funds:read).  The service only reads them:
--    every write is a SECURITY DEFINER trigger (not executable by the
--    service), so the figures cannot be forged through the API.
-- 3. Figures, and what they match (the API's own reports):
--    personnel (GET /reports/personnel): headcount = active staff;
--    deployed_today = full-time equivalents on active deployments today
--    (sum of share_percent / 100 of active staff, 2 decimals), on_duty_today
--    = headcount - deployed_today; balance_index = coefficient of variation
--    (stddev_pop / mean, 3 decimals) of the days each staff member not
--    transferred out had an active deployment in from..to (the report's
--    balance.cv; null when no one was deployed).
--    funds (GET /funds/county-summary): allocated, committed and disbursed
--    from the township totals; utilisation_pct = disbursed / allocated, 1
--    decimal; awaiting_review = projects filed and not yet reviewed,
--    awaiting_review_oldest_days = today - the day the oldest was filed
--    (calendar days, Asia/Shanghai); overdue_projects = review_passed or
--    in_progress with planned_end before today.  These are as of today;
--    from..to does not change them (the ledger is not read by period).
--    coops (GET /reports/cooperatives): by_kind counts registered
--    cooperatives of every status (as the report); members = members who
--    have not left; pooled_land_mu_x100 = the area of the land parcels
--    pooled into farmland cooperatives (not the members' declared land
--    contributions, which are a share agreement rather than land the
--    cooperative holds); machine_utilisation_pct = machine-days booked in
--    from..to / (machines not out_of_service x days of from..to), 1
--    decimal, null when there is no machine in service (the report's
--    machine_days.utilisation x 100; a machine going out of service takes
--    its bookings out of the booked days).
-- 4. Version and ETag.  Any change to what a summary shows updates a row
--    the summary reads (dash_townships.version is bumped by every trigger
--    but the fund-total copy; a fund total row is itself rewritten), so
--    the transaction ids (xmin) of the rows read are a version of the
--    answer: xz.dashboard_version hashes them with the township and
--    county rows, the parameters and today into the ETag.  It reads one
--    row per township and 17 fund rows per township: a 304 costs that
--    query only.  Payments do not touch dash_townships, so they do not
--    queue behind each other on it.
-- 5. Locks: the dash_townships row of the township first, then day rows
--    in day order; the fund copy row right after its fund total row.
--    Writers of one township's bookings, deployments, members, parcels and
--    project states queue on that one row for the rest of their
--    transaction: cheap next to what they already do, and never on the
--    payment path.
-- 6. Every aggregate row references its township (on delete cascade), so
--    a township deleted with its rows (tests do, with triggers disabled)
--    leaves nothing behind for a later township of the same code.

------------------------------------------------------------------------
-- Tables.

create table dash_townships (
	county_code	char(6) not null,
	township_code	char(9) primary key,
	coops_labor	integer not null default 0,
	coops_machinery	integer not null default 0,
	coops_farmland	integer not null default 0,
	coops_housing	integer not null default 0,
	members		bigint not null default 0,
	pooled_land_mu_x100 bigint not null default 0,
	machines_in_service integer not null default 0,
	version		bigint not null default 0,
	foreign key (township_code, county_code)
	    references townships (code, county_code) on delete cascade
);
create index dash_townships_county on dash_townships (county_code);

create table dash_staff (
	staff_id	uuid primary key,
	county_code	char(6) not null,
	township_code	char(9) not null,
	status		text not null,
	foreign key (township_code, county_code)
	    references townships (code, county_code) on delete cascade
);
create index dash_staff_township on dash_staff (township_code);

create table dash_staff_days (
	staff_id	uuid not null,
	county_code	char(6) not null,
	township_code	char(9) not null,
	day		date not null,
	pct		integer not null,
	primary key (staff_id, day),
	foreign key (township_code, county_code)
	    references townships (code, county_code) on delete cascade
);
create index dash_staff_days_township on dash_staff_days
    (township_code, day) include (staff_id, pct);

create table dash_day_counts (
	county_code	char(6) not null,
	township_code	char(9) not null,
	kind		text not null
			    check (kind in ('booked', 'filed', 'running')),
	day		date not null,
	n		bigint not null,
	primary key (township_code, kind, day),
	foreign key (township_code, county_code)
	    references townships (code, county_code) on delete cascade
);

create table dash_fund_totals (
	county_code	char(6) not null,
	township_code	char(9) not null,
	slot		smallint not null,
	allocated_fen	bigint not null,
	committed_fen	bigint not null,
	disbursed_fen	bigint not null,
	primary key (township_code, slot),
	foreign key (township_code, county_code)
	    references townships (code, county_code) on delete cascade
);

------------------------------------------------------------------------
-- Maintenance (owner only; called by the triggers below).

create function xz.dash_add(p_county char(6), p_township char(9),
    p_labor integer default 0, p_machinery integer default 0,
    p_farmland integer default 0, p_housing integer default 0,
    p_members bigint default 0, p_pooled bigint default 0,
    p_machines integer default 0) returns void
language sql
as $$
	insert into public.dash_townships as d (county_code, township_code,
	    coops_labor, coops_machinery, coops_farmland, coops_housing,
	    members, pooled_land_mu_x100, machines_in_service, version)
	values (p_county, p_township, p_labor, p_machinery, p_farmland,
	    p_housing, p_members, p_pooled, p_machines, 1)
	on conflict (township_code) do update set
	    coops_labor = d.coops_labor + excluded.coops_labor,
	    coops_machinery = d.coops_machinery + excluded.coops_machinery,
	    coops_farmland = d.coops_farmland + excluded.coops_farmland,
	    coops_housing = d.coops_housing + excluded.coops_housing,
	    members = d.members + excluded.members,
	    pooled_land_mu_x100 = d.pooled_land_mu_x100 +
		excluded.pooled_land_mu_x100,
	    machines_in_service = d.machines_in_service +
		excluded.machines_in_service,
	    version = d.version + 1
$$;

-- n += p_delta for every day of [p_from, p_to] (none when p_to < p_from).
create function xz.dash_days(p_county char(6), p_township char(9),
    p_kind text, p_from date, p_to date, p_delta integer) returns void
language sql
as $$
	insert into public.dash_day_counts as c (county_code, township_code,
	    kind, day, n)
	select p_county, p_township, p_kind, g::date, p_delta
	from generate_series(p_from::timestamp, p_to::timestamp,
	    interval '1 day') g
	order by 4
	on conflict (township_code, kind, day) do update
	    set n = c.n + excluded.n;
	delete from public.dash_day_counts
	where township_code = p_township and kind = p_kind and
	    day between p_from and p_to and n = 0;
$$;

create function xz.dash_staff_days_add(p_county char(6),
    p_township char(9), p_staff uuid, p_from date, p_to date,
    p_delta integer) returns void
language sql
as $$
	insert into public.dash_staff_days as s (staff_id, county_code,
	    township_code, day, pct)
	select p_staff, p_county, p_township, g::date, p_delta
	from generate_series(p_from::timestamp, p_to::timestamp,
	    interval '1 day') g
	order by 4
	on conflict (staff_id, day) do update set pct = s.pct + excluded.pct;
	delete from public.dash_staff_days
	where staff_id = p_staff and day between p_from and p_to and
	    pct = 0;
$$;

------------------------------------------------------------------------
-- Triggers.

create function xz.dash_township_created() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
begin
	perform xz.dash_add(new.county_code, new.code);
	return null;
end
$$;
create trigger townships_dash after insert on townships
    for each row execute function xz.dash_township_created();

create function xz.dash_cooperatives() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	r	record;
	d	integer;
begin
	if tg_op = 'INSERT' then
		r := new;
		d := 1;
	else
		r := old;
		d := -1;
	end if;
	perform xz.dash_add(r.county_code, r.township_code,
	    p_labor := case when r.kind = 'labor' then d else 0 end,
	    p_machinery := case when r.kind = 'machinery' then d else 0 end,
	    p_farmland := case when r.kind = 'farmland' then d else 0 end,
	    p_housing := case when r.kind = 'housing' then d else 0 end);
	return null;
end
$$;
create trigger cooperatives_dash after insert or delete on cooperatives
    for each row execute function xz.dash_cooperatives();

create function xz.dash_members() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	d	integer := 0;
	r	record;
begin
	if tg_op <> 'DELETE' then
		r := new;
		d := d + (new.left_on is null)::integer;
	end if;
	if tg_op <> 'INSERT' then
		r := old;
		d := d - (old.left_on is null)::integer;
	end if;
	if d <> 0 then
		perform xz.dash_add(r.county_code, r.township_code,
		    p_members := d);
	end if;
	return null;
end
$$;
create trigger members_dash after insert or update of left_on or delete
    on members for each row execute function xz.dash_members();

create function xz.dash_parcels() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	d	bigint := 0;
	r	record;
begin
	if tg_op <> 'DELETE' then
		r := new;
		d := d + new.area_mu_x100;
	end if;
	if tg_op <> 'INSERT' then
		r := old;
		d := d - old.area_mu_x100;
	end if;
	if d <> 0 then
		perform xz.dash_add(r.county_code, r.township_code,
		    p_pooled := d);
	end if;
	return null;
end
$$;
create trigger land_parcels_dash after insert or update of area_mu_x100 or
    delete on land_parcels for each row execute function xz.dash_parcels();

-- A booking's machine-days count while it is booked and its machine is
-- in service.
create function xz.dash_booking_days(b bookings, d integer) returns void
language plpgsql
as $$
begin
	if b.machine_id is null or b.status <> 'booked' or
	    (select condition from public.machines where id = b.machine_id) =
	    'out_of_service' then
		return;
	end if;
	perform xz.dash_days(b.county_code, b.township_code, 'booked',
	    lower(b.period), upper(b.period) - 1, d);
end
$$;

create function xz.dash_bookings() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	r	record;
begin
	r := case when tg_op = 'DELETE' then old else new end;
	if r.machine_id is null then
		return null;
	end if;
	perform xz.dash_add(r.county_code, r.township_code);
	if tg_op <> 'INSERT' then
		perform xz.dash_booking_days(old, -1);
	end if;
	if tg_op <> 'DELETE' then
		perform xz.dash_booking_days(new, 1);
	end if;
	return null;
end
$$;
create trigger bookings_dash after insert or update of status, period,
    machine_id or delete on bookings
    for each row execute function xz.dash_bookings();

create function xz.dash_machines() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	was	boolean := false;
	now_in	boolean := false;
	r	record;
	b	bookings;
begin
	if tg_op <> 'INSERT' then
		was := old.condition <> 'out_of_service';
		r := old;
	end if;
	if tg_op <> 'DELETE' then
		now_in := new.condition <> 'out_of_service';
		r := new;
	end if;
	if was = now_in then
		return null;
	end if;
	perform xz.dash_add(r.county_code, r.township_code,
	    p_machines := case when now_in then 1 else -1 end);
	-- Its bookings enter or leave the booked machine-days.
	if tg_op = 'UPDATE' then
		for b in select * from public.bookings
		    where machine_id = new.id and status = 'booked'
		    order by lower(period)
		loop
			perform xz.dash_days(b.county_code, b.township_code,
			    'booked', lower(b.period), upper(b.period) - 1,
			    case when now_in then 1 else -1 end);
		end loop;
	end if;
	return null;
end
$$;
create trigger machines_dash after insert or update of condition or delete
    on machines for each row execute function xz.dash_machines();

create function xz.dash_staff() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
begin
	if tg_op = 'DELETE' then
		perform xz.dash_add(old.county_code, old.township_code);
		delete from public.dash_staff where staff_id = old.id;
		return null;
	end if;
	perform xz.dash_add(new.county_code, new.township_code);
	insert into public.dash_staff (staff_id, county_code, township_code,
	    status)
	values (new.id, new.county_code, new.township_code, new.status)
	on conflict (staff_id) do update set status = excluded.status;
	return null;
end
$$;
create trigger staff_dash after insert or update of status or delete
    on staff for each row execute function xz.dash_staff();

create function xz.dash_deployments() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	r	record;
begin
	r := case when tg_op = 'DELETE' then old else new end;
	perform xz.dash_add(r.county_code, r.township_code);
	if tg_op <> 'INSERT' and old.status = 'active' then
		perform xz.dash_staff_days_add(old.county_code,
		    old.township_code, old.staff_id, lower(old.period),
		    upper(old.period) - 1, -old.share_percent);
	end if;
	if tg_op <> 'DELETE' and new.status = 'active' then
		perform xz.dash_staff_days_add(new.county_code,
		    new.township_code, new.staff_id, lower(new.period),
		    upper(new.period) - 1, new.share_percent);
	end if;
	return null;
end
$$;
create trigger deployments_dash after insert or update of status, period,
    share_percent, staff_id or delete on deployments
    for each row execute function xz.dash_deployments();

-- Projects awaiting review (by the day filed) and under way (by planned
-- end).
create function xz.dash_project_days(p fund_projects, d integer)
returns void
language plpgsql
as $$
begin
	if p.status = 'filed' then
		perform xz.dash_days(p.county_code, p.township_code, 'filed',
		    xz.dash_filed_on(p), xz.dash_filed_on(p), d);
	elsif p.status in ('review_passed', 'in_progress') then
		perform xz.dash_days(p.county_code, p.township_code, 'running',
		    p.planned_end, p.planned_end, d);
	end if;
end
$$;

create function xz.dash_filed_on(p fund_projects) returns date
language sql stable
as $$
	select (coalesce(p.filed_at, p.updated_at) at time zone
	    'Asia/Shanghai')::date
$$;

create function xz.dash_projects() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	counted	constant text[] := array['filed', 'review_passed',
	    'in_progress'];
	r	record;
begin
	if tg_op = 'UPDATE' then
		if (old.status, old.planned_end, old.filed_at) is not distinct
		    from (new.status, new.planned_end, new.filed_at) or
		    (old.status <> all (counted) and
		    new.status <> all (counted)) then
			return null;
		end if;
	elsif tg_op = 'DELETE' and old.status <> all (counted) then
		return null;
	end if;
	r := case when tg_op = 'DELETE' then old else new end;
	perform xz.dash_add(r.county_code, r.township_code);
	if tg_op <> 'INSERT' then
		perform xz.dash_project_days(old, -1);
	end if;
	if tg_op <> 'DELETE' then
		perform xz.dash_project_days(new, 1);
	end if;
	return null;
end
$$;
create trigger fund_projects_dash_insert after insert on fund_projects
    for each row when (new.status in ('filed', 'review_passed',
    'in_progress')) execute function xz.dash_projects();
create trigger fund_projects_dash after update of status, planned_end,
    filed_at or delete on fund_projects
    for each row execute function xz.dash_projects();

create function xz.dash_fund_totals() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
begin
	if tg_op = 'DELETE' then
		delete from public.dash_fund_totals
		where township_code = old.township_code and slot = old.slot;
		return null;
	end if;
	insert into public.dash_fund_totals as t (county_code, township_code,
	    slot, allocated_fen, committed_fen, disbursed_fen)
	values (new.county_code, new.township_code, new.slot,
	    new.allocated_fen, new.committed_fen, new.disbursed_fen)
	on conflict (township_code, slot) do update set
	    allocated_fen = excluded.allocated_fen,
	    committed_fen = excluded.committed_fen,
	    disbursed_fen = excluded.disbursed_fen;
	return null;
end
$$;
create trigger fund_township_totals_dash after insert or update or delete
    on fund_township_totals
    for each row execute function xz.dash_fund_totals();

------------------------------------------------------------------------
-- What is there already (an upgrade; a fresh database has nothing yet).

insert into dash_townships (county_code, township_code)
select county_code, code from townships;
update dash_townships d set
    coops_labor = x.l, coops_machinery = x.m, coops_farmland = x.f,
    coops_housing = x.h
from (select township_code, count(*) filter (where kind = 'labor') as l,
    count(*) filter (where kind = 'machinery') as m,
    count(*) filter (where kind = 'farmland') as f,
    count(*) filter (where kind = 'housing') as h
    from cooperatives group by 1) x
where x.township_code = d.township_code;
update dash_townships d set members = x.n
from (select township_code, count(*) as n from members
    where left_on is null group by 1) x
where x.township_code = d.township_code;
update dash_townships d set pooled_land_mu_x100 = x.a
from (select township_code, sum(area_mu_x100) as a from land_parcels
    group by 1) x
where x.township_code = d.township_code;
update dash_townships d set machines_in_service = x.n
from (select township_code, count(*) as n from machines
    where condition <> 'out_of_service' group by 1) x
where x.township_code = d.township_code;
insert into dash_staff (staff_id, county_code, township_code, status)
select id, county_code, township_code, status from staff;
insert into dash_staff_days (staff_id, county_code, township_code, day, pct)
select staff_id, county_code, township_code, g::date,
    sum(share_percent)
from deployments, generate_series(lower(period)::timestamp,
    (upper(period) - 1)::timestamp, interval '1 day') g
where status = 'active'
group by 1, 2, 3, 4;
insert into dash_day_counts (county_code, township_code, kind, day, n)
select b.county_code, b.township_code, 'booked', g::date, count(*)
from bookings b join machines m on m.id = b.machine_id,
    generate_series(lower(b.period)::timestamp,
    (upper(b.period) - 1)::timestamp, interval '1 day') g
where b.status = 'booked' and m.condition <> 'out_of_service'
group by 1, 2, 4;
insert into dash_day_counts (county_code, township_code, kind, day, n)
select p.county_code, p.township_code, 'filed', xz.dash_filed_on(p),
    count(*)
from fund_projects p where p.status = 'filed' group by 1, 2, 4;
insert into dash_day_counts (county_code, township_code, kind, day, n)
select county_code, township_code, 'running', planned_end, count(*)
from fund_projects where status in ('review_passed', 'in_progress')
group by 1, 2, 4;
insert into dash_fund_totals (county_code, township_code, slot,
    allocated_fen, committed_fen, disbursed_fen)
select county_code, township_code, slot, allocated_fen, committed_fen,
    disbursed_fen
from fund_township_totals;

------------------------------------------------------------------------
-- The summary (SECURITY INVOKER: the row policies below decide what the
-- caller reads).

-- The townships of the answer: the caller's visible ones, or p_township
-- alone; NULL when p_township is not visible.
create function xz.dashboard_townships(p_township text) returns char(9)[]
language sql stable
as $$
	select case when p_township is not null and count(*) = 0 then null
	    else coalesce(array_agg(code order by code), '{}') end
	from public.townships
	where county_code = (select xz.claim('county'))::bpchar and
	    (p_township is null or code = p_township::bpchar) and
	    ((select xz.claim('role')) <> 'partner' or
	    'dashboard:read' = any (string_to_array((select
	    xz.claim('scopes')), ' ')))
$$;

-- The ETag of a summary: NULL when p_township is not visible.
create function xz.dashboard_version(p_township text, p_from date,
    p_to date, p_today date) returns text
language plpgsql stable
as $$
declare
	ts	char(9)[] := xz.dashboard_townships(p_township);
begin
	if ts is null then
		return null;
	end if;
	return (select left(md5(concat_ws('|', p_township, p_from, p_to,
	    p_today, (select string_agg(c.code || ':' || c.xmin, ',')
		from public.counties c
		where c.code = (select xz.claim('county'))::bpchar),
	    (select string_agg(t.code || ':' || t.xmin, ',' order by t.code)
		from public.townships t where t.code = any (ts)),
	    (select string_agg(d.township_code || ':' || d.xmin, ','
		order by d.township_code)
		from public.dash_townships d where d.township_code = any (ts)),
	    (select string_agg(f.township_code || f.slot || ':' || f.xmin, ','
		order by f.township_code, f.slot)
		from public.dash_fund_totals f
		where f.township_code = any (ts)))), 24));
end
$$;

create function xz.dashboard_pct(part numeric, whole numeric) returns numeric
language sql immutable parallel safe
as $$ select case when whole > 0 then round(100 * part / whole, 1) end $$;

-- FIGURES of one township or of the totals (t: a row of the summary's
-- per-township table).
create function xz.dashboard_figures(headcount bigint, deployed numeric,
    staff_n bigint, days_sum numeric, days_sq numeric, allocated numeric,
    committed numeric, disbursed numeric, filed numeric, oldest date,
    overdue numeric, labor bigint, machinery bigint, farmland bigint,
    housing bigint, members numeric, pooled numeric, machines bigint,
    booked numeric, ndays integer, today date) returns jsonb
language sql immutable
as $$
	select jsonb_build_object(
	    'personnel', jsonb_build_object('headcount', headcount,
		'on_duty_today', round(headcount - deployed / 100.0, 2),
		'deployed_today', round(deployed / 100.0, 2),
		'balance_index', case when staff_n > 0 and days_sum > 0 then
		    round(sqrt(greatest(days_sq / staff_n -
		    (days_sum / staff_n) ^ 2, 0)) / (days_sum / staff_n), 3)
		    end),
	    'funds', jsonb_build_object('allocated_fen', allocated,
		'committed_fen', committed, 'disbursed_fen', disbursed,
		'utilisation_pct', xz.dashboard_pct(disbursed, allocated),
		'awaiting_review', filed,
		'awaiting_review_oldest_days', today - oldest,
		'overdue_projects', overdue),
	    'coops', jsonb_build_object('by_kind', jsonb_build_object(
		'labor', labor, 'machinery', machinery, 'farmland', farmland,
		'housing', housing),
		'members', members, 'pooled_land_mu_x100', pooled,
		'machine_utilisation_pct', xz.dashboard_pct(booked,
		    machines::numeric * ndays)))
$$;

-- The summary document (text), or NULL when p_township is not visible.
-- plpgsql, so that its plans are cached per session.
create function xz.dashboard_summary(p_township text, p_from date,
    p_to date, p_today date) returns text
language plpgsql stable
as $$
declare
	ts	char(9)[] := xz.dashboard_townships(p_township);
begin
	if ts is null then
		return null;
	end if;
	return (with tw as (
		select t.code, t.name from public.townships t
		where t.code = any (ts)
	), st as (
		select s.township_code, s.status, coalesce(x.days, 0) as days,
		    coalesce(y.pct, 0) as pct
		from public.dash_staff s
		left join (select staff_id, count(*) as days
		    from public.dash_staff_days
		    where township_code = any (ts) and
			day between p_from and p_to
		    group by staff_id) x on x.staff_id = s.staff_id
		left join (select staff_id, pct from public.dash_staff_days
		    where township_code = any (ts) and day = p_today) y
		    on y.staff_id = s.staff_id
		where s.township_code = any (ts) and
		    s.status <> 'transferred_out'
	), pe as (
		select township_code,
		    count(*) filter (where status = 'active') as headcount,
		    coalesce(sum(pct) filter (where status = 'active'), 0)
			as deployed,
		    count(*) as n, sum(days) as ds, sum(days * days) as dq
		from st group by township_code
	), fu as (
		select township_code, sum(allocated_fen) as a,
		    sum(committed_fen) as c, sum(disbursed_fen) as d
		from public.dash_fund_totals where township_code = any (ts)
		group by township_code
	), fi as (
		select township_code, sum(n) as n, min(day) as oldest
		from public.dash_day_counts
		where township_code = any (ts) and kind = 'filed'
		group by township_code
	), ov as (
		select township_code, sum(n) as n
		from public.dash_day_counts
		where township_code = any (ts) and kind = 'running' and
		    day < p_today
		group by township_code
	), bk as (
		select township_code, sum(n) as n
		from public.dash_day_counts
		where township_code = any (ts) and kind = 'booked' and
		    day between p_from and p_to
		group by township_code
	), r as (
		select tw.code, tw.name,
		    coalesce(pe.headcount, 0) as headcount,
		    coalesce(pe.deployed, 0) as deployed,
		    coalesce(pe.n, 0) as staff_n, coalesce(pe.ds, 0) as ds,
		    coalesce(pe.dq, 0) as dq,
		    coalesce(fu.a, 0) as a, coalesce(fu.c, 0) as c,
		    coalesce(fu.d, 0) as d, coalesce(fi.n, 0) as filed,
		    fi.oldest, coalesce(ov.n, 0) as overdue,
		    coalesce(dt.coops_labor, 0) as labor,
		    coalesce(dt.coops_machinery, 0) as machinery,
		    coalesce(dt.coops_farmland, 0) as farmland,
		    coalesce(dt.coops_housing, 0) as housing,
		    coalesce(dt.members, 0) as members,
		    coalesce(dt.pooled_land_mu_x100, 0) as pooled,
		    coalesce(dt.machines_in_service, 0) as machines,
		    coalesce(bk.n, 0) as booked
		from tw
		left join public.dash_townships dt on dt.township_code = tw.code
		left join pe on pe.township_code = tw.code
		left join fu on fu.township_code = tw.code
		left join fi on fi.township_code = tw.code
		left join ov on ov.township_code = tw.code
		left join bk on bk.township_code = tw.code
	)
	select jsonb_build_object(
	    'county', (select jsonb_build_object('code', c.code,
		'name', c.name) from public.counties c
		where c.code = (select xz.claim('county'))::bpchar),
	    'township', p_township,
	    'from', p_from, 'to', p_to, 'today', p_today,
	    'totals', xz.dashboard_figures(coalesce(sum(r.headcount), 0)::bigint,
		coalesce(sum(r.deployed), 0), coalesce(sum(r.staff_n), 0)::bigint,
		coalesce(sum(r.ds), 0), coalesce(sum(r.dq), 0),
		coalesce(sum(r.a), 0), coalesce(sum(r.c), 0),
		coalesce(sum(r.d), 0), coalesce(sum(r.filed), 0),
		min(r.oldest), coalesce(sum(r.overdue), 0),
		coalesce(sum(r.labor), 0)::bigint,
		coalesce(sum(r.machinery), 0)::bigint,
		coalesce(sum(r.farmland), 0)::bigint,
		coalesce(sum(r.housing), 0)::bigint,
		coalesce(sum(r.members), 0), coalesce(sum(r.pooled), 0),
		coalesce(sum(r.machines), 0)::bigint,
		coalesce(sum(r.booked), 0), p_to - p_from + 1, p_today),
	    'townships', coalesce(jsonb_agg(jsonb_build_object('code', r.code,
		'name', r.name) || xz.dashboard_figures(r.headcount::bigint,
		r.deployed, r.staff_n::bigint, r.ds, r.dq, r.a, r.c, r.d,
		r.filed, r.oldest, r.overdue, r.labor::bigint,
		r.machinery::bigint, r.farmland::bigint, r.housing::bigint,
		r.members, r.pooled, r.machines::bigint, r.booked,
		p_to - p_from + 1, p_today) order by r.code), '[]'::jsonb)
	    )::text
	from r);
end
$$;

------------------------------------------------------------------------
-- Row security (decision 2) and privileges.

do $$
declare
	t	text;
	rule	constant text :=
	    'county_code = (select xz.claim(''county''))::bpchar and ('
	    '(select xz.claim(''role'')) = ''county'' or'
	    ' ((select xz.claim(''role'')) = ''township'' and township_code ='
	    ' (select xz.claim(''township''))::bpchar) or'
	    ' ((select xz.claim(''role'')) = ''partner'' and'
	    ' ''dashboard:read'' = any (string_to_array((select'
	    ' xz.claim(''scopes'')), '' '')) and ((select'
	    ' xz.claim(''townships'')) = ''*'' or township_code = any'
	    ' (string_to_array((select xz.claim(''townships'')),'
	    ' '','')::bpchar[]))))';
begin
	foreach t in array array['dash_townships', 'dash_staff',
	    'dash_staff_days', 'dash_day_counts', 'dash_fund_totals']
	loop
		execute format('alter table %I enable row level security', t);
		execute format('alter table %I force row level security', t);
		execute format('create policy %I on %I for select using (%s)',
		    t || '_read', t, rule);
		execute format('grant select on %I to xiangzhi_app', t);
	end loop;
end
$$;

grant execute on function xz.dashboard_townships(text),
    xz.dashboard_version(text, date, date, date),
    xz.dashboard_pct(numeric, numeric),
    xz.dashboard_figures(bigint, numeric, bigint, numeric, numeric, numeric,
	numeric, numeric, numeric, date, numeric, bigint, bigint, bigint,
	bigint, numeric, numeric, bigint, numeric, integer, date),
    xz.dashboard_summary(text, date, date, date) to xiangzhi_app;

revoke all on function xz.dash_add(char, char, integer, integer, integer,
    integer, bigint, bigint, integer),
    xz.dash_days(char, char, text, date, date, integer),
    xz.dash_staff_days_add(char, char, uuid, date, date, integer),
    xz.dash_booking_days(bookings, integer),
    xz.dash_project_days(fund_projects, integer),
    xz.dash_filed_on(fund_projects),
    xz.dash_township_created(), xz.dash_cooperatives(), xz.dash_members(),
    xz.dash_parcels(), xz.dash_bookings(), xz.dash_machines(),
    xz.dash_staff(), xz.dash_deployments(), xz.dash_projects(),
    xz.dash_fund_totals() from public;
