-- Personnel pooling (issue 4): the four centers ("四大中心") of every
-- township, origin units, a township's skill vocabulary, staff on primary
-- duty, campaigns (专项工作) with their villages, teams and team visits,
-- deployments of staff to campaigns, and county transfers.  Runs as
-- xiangzhi_owner in one transaction (xiangzhi-admin migrate).
--
-- Decisions:
--
-- 1. Tenancy keys as 0003: county_code and township_code on every row,
--    children reference parents with keys that include the township.
--    Centers are created with their township (trigger on townships, and
--    the backfill below) and go with it (on delete cascade).
-- 2. A county transfer never moves a row between tenants: the staff row
--    in the old township becomes transferred_out (final) and a new row is
--    made in the new township with the same person_id and
--    transferred_from = the old row.  The old township keeps its history
--    (deployments, reports); staff_transfers records each move.  Skills
--    follow only when the new township's vocabulary has them.
-- 3. Phones live in staff_phones, read by county users and the own
--    township only (village users and partners never see the rows); the
--    service masks them for everyone but the township (xz.staff_doc).
--    Village users see the campaigns covering their village, their teams
--    and visits, never staff, phones or deployments.  Partners with
--    personnel:read may read centers, staff, campaigns and deployments of
--    their granted townships at the row level, so that aggregates can be
--    computed under row security; the service gives them report routes
--    only.
-- 4. On duty, in full-time equivalents: a center's on-duty capacity on a
--    day is 100 per active staff member whose primary center it is,
--    minus the shares (percent) of their active deployments that day; it
--    must stay at or above 100 x on_duty_minimum.  A person's shares on
--    any day add up to at most 100.  Both rules are checked by triggers
--    after every change that can break them (deployments inserted or
--    changed, staff changing center or status, a minimum raised), under
--    pg_advisory_xact_lock on the township, taken first: concurrent
--    changes in one township run one after the other, and each check runs
--    with a snapshot that sees the ones committed before it (READ
--    COMMITTED: every statement of a plpgsql function takes a new one).
-- 5. Refusals are SQLSTATE class XZ (the HTTP status in the last three
--    digits, the stable code as message, the detail for people, the JSON
--    pointer as hint).
-- 6. Re-deployment: a deployment that would push someone over 100% is
--    refused (over_allocated) even when a lower-priority campaign holds
--    them; xz.redeploy() is the explicit way: it ends (or cancels) the old
--    deployment the day before the new one starts, records why and by
--    which deployment it was superseded, and needs a campaign of strictly
--    higher priority.  Both rows are audited.
-- 7. Nothing here is deleted by the service except team visits: staff
--    transfer or leave, deployments are cancelled (kept), campaigns keep
--    their rows.

create function xz.personnel_lock(p_township text) returns void
language sql volatile
as $$
	select pg_advisory_xact_lock(hashtextextended(
	    'xz.personnel:' || p_township, 0))
$$;

create function xz.priority_rank(p text) returns integer
language sql immutable strict parallel safe
as $$
	select case p when 'urgent' then 4 when 'high' then 3
	    when 'normal' then 2 when 'low' then 1 end
$$;

create function xz.center_name(kind text) returns text
language sql immutable strict parallel safe
as $$
	select case kind when 'party_mass_service' then '党群服务中心'
	    when 'construction_development' then '建设发展中心'
	    when 'social_affairs' then '社会事务中心'
	    when 'law_based_governance' then '依法治理中心' end
$$;

-- "a..b, c" from a set of days: consecutive days as ranges, at most 6.
create function xz.day_ranges(days date[]) returns text
language sql immutable strict parallel safe
as $$
	select string_agg(case when lo = hi then lo::text
	    else lo::text || '..' || hi::text end, ', ' order by lo) ||
	    case when count(*) over () > 6 then ', ...' else '' end
	from (select min(d) as lo, max(d) as hi
	    from (select d, d - (row_number() over (order by d))::integer as g
		from unnest(days) as d) x
	    group by g order by lo limit 6) r
$$;

------------------------------------------------------------------------
-- Centers, origin units, skills.

create table centers (
	id		uuid primary key default gen_random_uuid(),
	county_code	char(6) not null,
	township_code	char(9) not null,
	kind		text not null
			    check (kind in ('party_mass_service',
			    'construction_development', 'social_affairs',
			    'law_based_governance')),
	name		text not null check (char_length(name) between 1 and 64),
	director_id	uuid,
	on_duty_minimum	integer not null default 0
			    check (on_duty_minimum between 0 and 1000),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (township_code, county_code)
	    references townships (code, county_code) on delete cascade,
	unique (township_code, kind),
	unique (id, township_code),
	unique (id, township_code, county_code)
);

create table origin_units (
	id		uuid primary key default gen_random_uuid(),
	county_code	char(6) not null,
	township_code	char(9) not null,
	name		text not null check (char_length(name) between 1 and 64),
	kind		text not null
			    check (kind in ('internal_office', 'township_body',
			    'public_institution', 'county_dispatched')),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (township_code, county_code)
	    references townships (code, county_code),
	unique (township_code, name),
	unique (id, township_code)
);

create table skill_tags (
	county_code	char(6) not null,
	township_code	char(9) not null,
	code		text not null check (code ~ '^[a-z][a-z0-9_]{0,31}$'),
	label		text not null check (char_length(label) between 1 and 32),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	primary key (township_code, code),
	foreign key (township_code, county_code)
	    references townships (code, county_code)
);

------------------------------------------------------------------------
-- Staff, phones, transfers.

create table staff (
	id		uuid primary key default gen_random_uuid(),
	county_code	char(6) not null,
	township_code	char(9) not null,
	person_id	uuid not null default gen_random_uuid(),
	name		text not null check (char_length(name) between 1 and 64),
	origin_unit_id	uuid not null,
	establishment	text not null
			    check (establishment in ('civil_servant',
			    'public_institution', 'contract')),
	center_id	uuid not null,
	post		text not null check (char_length(post) between 1 and 64),
	skills		text[] not null default '{}'
			    check (cardinality(skills) <= 20),
	status		text not null default 'active'
			    check (status in ('active', 'on_leave',
			    'transferred_out')),
	transferred_from uuid unique,
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (township_code, county_code)
	    references townships (code, county_code),
	foreign key (origin_unit_id, township_code)
	    references origin_units (id, township_code),
	foreign key (center_id, township_code, county_code)
	    references centers (id, township_code, county_code),
	unique (id, township_code),
	unique (id, township_code, county_code)
);
create index staff_township on staff (township_code, id);
create index staff_center on staff (center_id) where status = 'active';
create index staff_person on staff (person_id);

alter table centers add foreign key (director_id, township_code)
    references staff (id, township_code);

create table staff_phones (
	staff_id	uuid primary key,
	county_code	char(6) not null,
	township_code	char(9) not null,
	phone		text not null check (phone ~ '^1[3-9][0-9]{9}$'),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (staff_id, township_code, county_code)
	    references staff (id, township_code, county_code)
);

-- township_code is the receiving township (the row's tenant for audit).
create table staff_transfers (
	id		uuid primary key default gen_random_uuid(),
	county_code	char(6) not null,
	township_code	char(9) not null,
	from_township_code char(9) not null,
	from_staff_id	uuid not null,
	to_staff_id	uuid not null,
	person_id	uuid not null,
	effective_on	date not null,
	reason		text not null check (char_length(reason) between 1 and 200),
	created_by	text not null
			    default coalesce(xz.claim('sub'), current_user),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (from_staff_id, from_township_code, county_code)
	    references staff (id, township_code, county_code),
	foreign key (to_staff_id, township_code, county_code)
	    references staff (id, township_code, county_code),
	check (from_township_code <> township_code)
);
create index staff_transfers_county on staff_transfers (county_code, id);
create index staff_transfers_person on staff_transfers (person_id);

------------------------------------------------------------------------
-- Campaigns, villages, teams, visits, deployments.

create table campaigns (
	id		uuid primary key default gen_random_uuid(),
	county_code	char(6) not null,
	township_code	char(9) not null,
	title		text not null check (char_length(title) between 1 and 128),
	kind		text not null
			    check (kind in ('census', 'law_publicity',
			    'inspection', 'emergency', 'seasonal', 'other')),
	priority	text not null
			    check (priority in ('urgent', 'high', 'normal',
			    'low')),
	starts_on	date not null,
	ends_on		date not null,
	lead_center_id	uuid not null,
	headcount_needed integer not null
			    check (headcount_needed between 1 and 1000),
	skills_needed	text[] not null default '{}'
			    check (cardinality(skills_needed) <= 20),
	actual_started_on date,
	actual_ended_on	date,
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (lead_center_id, township_code, county_code)
	    references centers (id, township_code, county_code),
	unique (id, township_code, county_code),
	check (ends_on >= starts_on and ends_on - starts_on <= 366),
	check (actual_ended_on is null or (actual_started_on is not null and
	    actual_ended_on >= actual_started_on))
);
create index campaigns_township on campaigns (township_code, id);

create table campaign_villages (
	campaign_id	uuid not null,
	county_code	char(6) not null,
	township_code	char(9) not null,
	village_code	char(12) not null references villages (code),
	created_at	timestamptz not null default now(),
	primary key (campaign_id, village_code),
	foreign key (campaign_id, township_code, county_code)
	    references campaigns (id, township_code, county_code),
	check (left(village_code, 9) = township_code)
);
create index campaign_villages_village on campaign_villages
    (village_code, campaign_id);

create table campaign_teams (
	id		uuid primary key default gen_random_uuid(),
	campaign_id	uuid not null,
	county_code	char(6) not null,
	township_code	char(9) not null,
	name		text not null check (char_length(name) between 1 and 64),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (campaign_id, township_code, county_code)
	    references campaigns (id, township_code, county_code),
	unique (campaign_id, name),
	unique (id, campaign_id, township_code, county_code)
);

-- A visit covers a village of the campaign (the foreign key) on days
-- within the campaign (trigger).
create table team_visits (
	team_id		uuid not null,
	campaign_id	uuid not null,
	county_code	char(6) not null,
	township_code	char(9) not null,
	village_code	char(12) not null,
	starts_on	date not null,
	ends_on		date not null,
	created_at	timestamptz not null default now(),
	primary key (team_id, village_code, starts_on),
	foreign key (team_id, campaign_id, township_code, county_code)
	    references campaign_teams (id, campaign_id, township_code,
	    county_code) on delete cascade,
	foreign key (campaign_id, village_code)
	    references campaign_villages (campaign_id, village_code),
	check (ends_on >= starts_on)
);
create index team_visits_campaign on team_visits (campaign_id, village_code);

create table deployments (
	id		uuid primary key default gen_random_uuid(),
	campaign_id	uuid not null,
	staff_id	uuid not null,
	county_code	char(6) not null,
	township_code	char(9) not null,
	team_id		uuid,
	period		daterange not null
			    check (not isempty(period) and lower_inc(period) and
			    not lower_inf(period) and not upper_inf(period)),
	share_percent	integer not null default 100
			    check (share_percent between 1 and 100),
	role		text not null default 'member'
			    check (role in ('lead', 'member')),
	status		text not null default 'active'
			    check (status in ('active', 'cancelled')),
	cancelled_at	timestamptz,
	cancel_reason	text check (char_length(cancel_reason) between 1 and 200),
	superseded_by	uuid,
	ended_reason	text check (char_length(ended_reason) between 1 and 300),
	created_by	text not null
			    default coalesce(xz.claim('sub'), current_user),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (campaign_id, township_code, county_code)
	    references campaigns (id, township_code, county_code),
	foreign key (staff_id, township_code, county_code)
	    references staff (id, township_code, county_code),
	foreign key (team_id, campaign_id, township_code, county_code)
	    references campaign_teams (id, campaign_id, township_code,
	    county_code),
	check ((status = 'cancelled') = (cancelled_at is not null) and
	    (status = 'cancelled') = (cancel_reason is not null))
);
create index deployments_staff on deployments (staff_id, period)
    where status = 'active';
create index deployments_campaign on deployments (campaign_id, id);
create index deployments_township on deployments (township_code, id);

------------------------------------------------------------------------
-- The rules (decision 4).

-- A center day by day over [p_from, p_to]: its active staff (headcount)
-- and the percent points of their time deployed.
create function xz.center_days(p_center uuid, p_from date, p_to date)
returns table (day date, headcount integer, deployed integer)
language sql stable
as $$
	with s as (select s.id from public.staff s
	    where s.center_id = p_center and s.status = 'active'),
	d as (select g::date as day from generate_series(p_from::timestamp,
	    p_to::timestamp, interval '1 day') as g)
	select d.day, (select count(*) from s)::integer,
	    coalesce(sum(dp.share_percent), 0)::integer
	from d left join public.deployments dp on dp.status = 'active' and
	    dp.period @> d.day and dp.staff_id in (select id from s)
	group by d.day
	order by d.day
$$;

-- Days in [p_from, p_to] on which the center is below its minimum:
-- on-duty capacity in percent points.
create function xz.center_shortfalls(p_center uuid, p_from date, p_to date)
returns table (day date, on_duty integer, minimum integer)
language sql stable
as $$
	select x.day, x.headcount * 100 - x.deployed, c.on_duty_minimum
	from public.centers c, xz.center_days(c.id, p_from, p_to) x
	where c.id = p_center and
	    x.headcount * 100 - x.deployed < c.on_duty_minimum * 100
	order by x.day
$$;

create function xz.check_center(p_center uuid, p_from date, p_to date)
returns void
language plpgsql
as $$
declare
	r	record;
begin
	if p_from is null or p_to is null or p_to < p_from then
		return;
	end if;
	select array_agg(f.day) as days, min(f.on_duty) as low,
	    max(f.minimum) as m into r
	    from xz.center_shortfalls(p_center, p_from, p_to) f;
	if r.days is not null then
		raise exception 'on_duty_minimum' using errcode = 'XZ409',
		    detail = format('center %s would have %s on duty against'
		    ' its minimum of %s on %s day(s): %s (shortfall %s)',
		    (select kind from public.centers where id = p_center),
		    round(r.low / 100.0, 2), r.m, cardinality(r.days),
		    xz.day_ranges(r.days), round(r.m - r.low / 100.0, 2));
	end if;
end
$$;

create function xz.check_staff_load(p_staff uuid, p_from date, p_to date)
returns void
language plpgsql
as $$
declare
	r	record;
begin
	select array_agg(day) as days, max(load) as top into r from (
	    select g::date as day, sum(dp.share_percent) as load
	    from generate_series(p_from::timestamp, p_to::timestamp,
		interval '1 day') as g
	    join public.deployments dp on dp.staff_id = p_staff and
		dp.status = 'active' and dp.period @> g::date
	    group by g having sum(dp.share_percent) > 100) x;
	if r.days is not null then
		raise exception 'over_allocated' using errcode = 'XZ409',
		    detail = format('the staff member would be deployed %s%%'
		    ' of their time on %s day(s): %s; taking them from a'
		    ' lower-priority campaign is a re-deployment',
		    r.top, cardinality(r.days), xz.day_ranges(r.days)),
		    hint = '/staff_id';
	end if;
end
$$;

-- Before a deployment is written: the township lock, then what needs
-- only this row and its parents.
create function xz.deployments_before() returns trigger
language plpgsql
as $$
declare
	c	record;
	st	text;
begin
	perform xz.personnel_lock(new.township_code);
	if tg_op = 'UPDATE' and old.status = 'cancelled' and
	    (new.period, new.share_percent, new.status, new.role,
	    new.team_id, new.cancel_reason) is distinct from (old.period,
	    old.share_percent, old.status, old.role, old.team_id,
	    old.cancel_reason) then
		raise exception 'cancelled' using errcode = 'XZ409',
		    detail = 'the deployment is cancelled';
	end if;
	if new.status = 'cancelled' and (tg_op = 'INSERT' or
	    old.status <> 'cancelled') then
		new.cancelled_at := now();
	end if;
	if tg_op = 'UPDATE' and new.period = old.period and
	    new.share_percent = old.share_percent then
		return new;
	end if;
	select starts_on, ends_on into c from public.campaigns
	    where id = new.campaign_id;
	if lower(new.period) < c.starts_on or
	    upper(new.period) - 1 > c.ends_on then
		raise exception 'outside_campaign' using errcode = 'XZ400',
		    detail = format('a deployment must lie within the'
		    ' campaign''s dates %s..%s', c.starts_on, c.ends_on),
		    hint = '/from';
	end if;
	if tg_op = 'INSERT' then
		select status into st from public.staff
		    where id = new.staff_id;
		if st is distinct from 'active' then
			raise exception 'staff_unavailable'
			    using errcode = 'XZ409',
			    detail = format('the staff member is %s and cannot'
			    ' be deployed', coalesce(st, 'unknown')),
			    hint = '/staff_id';
		end if;
	end if;
	return new;
end
$$;

create function xz.deployments_after() returns trigger
language plpgsql
as $$
declare
	ctr	uuid;
begin
	if new.status <> 'active' or (tg_op = 'UPDATE' and
	    new.period = old.period and
	    new.share_percent <= old.share_percent and
	    old.status = 'active') then
		return null;
	end if;
	perform xz.check_staff_load(new.staff_id, lower(new.period),
	    upper(new.period) - 1);
	select center_id into ctr from public.staff where id = new.staff_id;
	perform xz.check_center(ctr, lower(new.period), upper(new.period) - 1);
	return null;
end
$$;

create trigger deployments_rules before insert or update on deployments
    for each row execute function xz.deployments_before();
create trigger deployments_check after insert or update on deployments
    for each row execute function xz.deployments_after();

-- The last day any active deployment of the township runs (or today).
create function xz.township_horizon(p_township text) returns date
language sql stable
as $$
	select greatest(current_date, max(upper(period) - 1))
	from public.deployments
	where township_code = p_township::bpchar and status = 'active'
$$;

-- Staff leaving a center or going on leave: the center must keep its
-- minimum from today on.  Transferred out is final.
create function xz.staff_rules() returns trigger
language plpgsql
as $$
begin
	if old.status = 'transferred_out' then
		raise exception 'transferred_out' using errcode = 'XZ409',
		    detail = 'the staff member was transferred out; their'
		    ' record is history';
	end if;
	return new;
end
$$;

create function xz.staff_after() returns trigger
language plpgsql
as $$
begin
	if (new.center_id = old.center_id and new.status = old.status) or
	    old.status <> 'active' then
		return null;
	end if;
	perform xz.personnel_lock(new.township_code);
	perform xz.check_center(old.center_id, current_date,
	    xz.township_horizon(new.township_code));
	return null;
end
$$;

create trigger staff_rules before update on staff
    for each row execute function xz.staff_rules();
create trigger staff_check after update on staff
    for each row execute function xz.staff_after();

create function xz.centers_after() returns trigger
language plpgsql
as $$
begin
	if new.on_duty_minimum <= old.on_duty_minimum then
		return null;
	end if;
	perform xz.personnel_lock(new.township_code);
	perform xz.check_center(new.id, current_date,
	    xz.township_horizon(new.township_code));
	return null;
end
$$;

create trigger centers_check after update on centers
    for each row execute function xz.centers_after();

-- Skills: from the township's vocabulary.
create function xz.check_skills(p_township text, p_skills text[],
    p_pointer text) returns void
language plpgsql
as $$
declare
	bad	text;
begin
	select s into bad from unnest(p_skills) as s
	    where not exists (select 1 from public.skill_tags t
		where t.township_code = p_township::bpchar and t.code = s)
	    limit 1;
	if bad is not null then
		raise exception 'unknown_skill' using errcode = 'XZ400',
		    detail = format('%s is not in the township''s skill'
		    ' vocabulary', bad), hint = p_pointer;
	end if;
end
$$;

create function xz.staff_skills_check() returns trigger
language plpgsql
as $$
begin
	if tg_op = 'INSERT' or new.skills <> old.skills then
		perform xz.check_skills(new.township_code, new.skills,
		    '/skills');
	end if;
	return new;
end
$$;
create trigger staff_skills before insert or update on staff
    for each row execute function xz.staff_skills_check();

create function xz.campaign_rules() returns trigger
language plpgsql
as $$
begin
	if tg_op = 'INSERT' or new.skills_needed <> old.skills_needed then
		perform xz.check_skills(new.township_code, new.skills_needed,
		    '/skills_needed');
	end if;
	if tg_op = 'UPDATE' and (new.starts_on > old.starts_on or
	    new.ends_on < old.ends_on) and exists (select 1
	    from public.deployments d where d.campaign_id = new.id and
	    d.status = 'active' and (lower(d.period) < new.starts_on or
	    upper(d.period) - 1 > new.ends_on)) then
		raise exception 'deployments_outside' using errcode = 'XZ409',
		    detail = 'active deployments lie outside the new dates';
	end if;
	return new;
end
$$;
create trigger campaigns_rules before insert or update on campaigns
    for each row execute function xz.campaign_rules();

create function xz.team_visits_check() returns trigger
language plpgsql
as $$
declare
	c	record;
begin
	select starts_on, ends_on into c from public.campaigns
	    where id = new.campaign_id;
	if new.starts_on < c.starts_on or new.ends_on > c.ends_on then
		raise exception 'outside_campaign' using errcode = 'XZ400',
		    detail = format('a visit must lie within the campaign''s'
		    ' dates %s..%s', c.starts_on, c.ends_on),
		    hint = '/visits';
	end if;
	return new;
end
$$;
create trigger team_visits_check before insert or update on team_visits
    for each row execute function xz.team_visits_check();

-- The four centers of a new township.
create function xz.township_centers() returns trigger
language plpgsql
as $$
begin
	insert into public.centers (county_code, township_code, kind, name)
	select new.county_code, new.code, k, xz.center_name(k)
	from unnest(array['party_mass_service', 'construction_development',
	    'social_affairs', 'law_based_governance']) as k;
	return null;
end
$$;
create trigger townships_centers after insert on townships
    for each row execute function xz.township_centers();

------------------------------------------------------------------------
-- Versions and audit.

do $$
declare
	t	text;
begin
	foreach t in array array['centers', 'origin_units', 'skill_tags',
	    'staff', 'staff_phones', 'staff_transfers', 'campaigns',
	    'campaign_teams', 'deployments']
	loop
		execute format('create trigger %I before update on %I'
		    ' for each row execute function xz.bump_version()',
		    t || '_version', t);
	end loop;
	foreach t in array array['centers', 'origin_units', 'staff',
	    'staff_transfers', 'campaigns', 'campaign_teams', 'deployments']
	loop
		execute format('create trigger %I after insert or update or'
		    ' delete on %I for each row execute function'
		    ' xz.audit_row()', t || '_audit', t);
	end loop;
end
$$;
create trigger skill_tags_audit after insert or update or delete
    on skill_tags for each row
    execute function xz.audit_row('township_code', 'code');
-- Phones are not copied into the audit trail: the entity id only.
create function xz.audit_phone() returns trigger
language plpgsql
as $$
declare
	r	record;
begin
	r := coalesce(new, old);
	insert into audit_log (request_id, actor_sub, actor_role,
	    county_code, township_code, action, entity, entity_id,
	    before, after)
	values (xz.claim('request_id'),
	    coalesce(xz.claim('sub'), current_user),
	    coalesce(xz.claim('role'), 'system'), r.county_code,
	    r.township_code, lower(tg_op), tg_table_name, r.staff_id::text,
	    null, null);
	return null;
end
$$;
create trigger staff_phones_audit after insert or update or delete
    on staff_phones for each row execute function xz.audit_phone();
create trigger campaign_villages_audit after insert or update or delete
    on campaign_villages for each row
    execute function xz.audit_row('campaign_id', 'village_code');
create trigger team_visits_audit after insert or update or delete
    on team_visits for each row
    execute function xz.audit_row('team_id', 'village_code', 'starts_on');

-- Backfill: the centers of every existing township (audited as system).
insert into centers (county_code, township_code, kind, name)
select t.county_code, t.code, k, xz.center_name(k)
from townships t, unnest(array['party_mass_service',
    'construction_development', 'social_affairs',
    'law_based_governance']) as k
on conflict do nothing;

------------------------------------------------------------------------
-- The campaigns covering the bound village user's village ('{}' for
-- anyone else); invoker, through campaign_villages' own policy, called by
-- policies as (select ...) once per statement (as 0003's
-- xz.village_cooperatives).
create function xz.village_campaigns() returns uuid[]
language sql stable parallel safe
as $$
	select coalesce(array_agg(campaign_id), '{}')
	from public.campaign_villages
	where xz.claim('role') = 'village' and
	    village_code = xz.claim('village')::bpchar
$$;

------------------------------------------------------------------------
-- Row-level security (decision 3), built as in 0003.

do $$
declare
	in_county	constant text :=
	    'county_code = (select xz.claim(''county''))::bpchar';
	own_township	constant text :=
	    'township_code = (select xz.claim(''township''))::bpchar';
	granted		constant text :=
	    '((select xz.claim(''townships'')) = ''*'' or township_code = any'
	    ' (string_to_array((select xz.claim(''townships'')), '','')'
	    '::bpchar[]))';
	covering	constant text :=
	    'campaign_id = any ((select xz.village_campaigns())::uuid[])';
	writer		text;
	t		record;
	rd		text;
begin
	writer := format('%s and ((select xz.claim(''role'')) = ''county'' or'
	    ' ((select xz.claim(''role'')) = ''township'' and %s))',
	    in_county, own_township);
	for t in select * from (values
	    ('centers', null, true, 'iu'),
	    ('origin_units', null, true, 'iu'),
	    ('skill_tags', null, true, 'iud'),
	    ('staff', null, true, 'iu'),
	    ('staff_phones', null, false, 'iu'),
	    ('staff_transfers', null, false, 'i'),
	    ('campaigns',
		'id = any ((select xz.village_campaigns())::uuid[])', true,
		'iu'),
	    ('campaign_villages',
		'village_code = (select xz.claim(''village''))::bpchar',
		true, 'id'),
	    ('campaign_teams', covering, true, 'iu'),
	    ('team_visits', 'village_code = (select xz.claim(''village''))'
		'::bpchar', true, 'id'),
	    ('deployments', null, true, 'iu'))
	    as x(name, village, partner, writes)
	loop
		execute format('alter table %I enable row level security',
		    t.name);
		execute format('alter table %I force row level security',
		    t.name);
		rd := format('(select xz.claim(''role'')) = ''county'' or'
		    ' ((select xz.claim(''role'')) = ''township'' and %s)',
		    own_township);
		if t.name = 'staff_transfers' then
			rd := rd || ' or ((select xz.claim(''role'')) ='
			    ' ''township'' and from_township_code = (select'
			    ' xz.claim(''township''))::bpchar)';
		end if;
		if t.village is not null then
			rd := rd || format(' or ((select xz.claim(''role'')) ='
			    ' ''village'' and %s and %s)', own_township,
			    t.village);
		end if;
		if t.partner then
			rd := rd || format(' or ((select xz.claim(''role'')) ='
			    ' ''partner'' and ''personnel:read'' = any'
			    ' (string_to_array((select xz.claim(''scopes'')),'
			    ' '' '')) and %s)', granted);
		end if;
		execute format('create policy %I on %I for select'
		    ' using (%s and (%s))', t.name || '_read', t.name,
		    in_county, rd);
		if strpos(t.writes, 'i') > 0 then
			execute format('create policy %I on %I for insert'
			    ' with check (%s)', t.name || '_insert', t.name,
			    writer);
		end if;
		if strpos(t.writes, 'u') > 0 then
			execute format('create policy %I on %I for update'
			    ' using (%s) with check (%s)', t.name || '_update',
			    t.name, writer, writer);
		end if;
		if strpos(t.writes, 'd') > 0 then
			execute format('create policy %I on %I for delete'
			    ' using (%s)', t.name || '_delete', t.name, writer);
		end if;
	end loop;
end
$$;

------------------------------------------------------------------------
-- Least privilege for the service.

grant execute on function xz.personnel_lock(text), xz.priority_rank(text),
    xz.center_name(text), xz.day_ranges(date[]),
    xz.center_shortfalls(uuid, date, date), xz.center_days(uuid, date, date),
    xz.check_center(uuid, date, date), xz.check_staff_load(uuid, date, date),
    xz.township_horizon(text), xz.check_skills(text, text[], text),
    xz.village_campaigns() to xiangzhi_app;

grant select on centers to xiangzhi_app;
grant insert (county_code, township_code, kind, name) on centers
    to xiangzhi_app;
grant update (name, director_id, on_duty_minimum) on centers
    to xiangzhi_app;

grant select on origin_units to xiangzhi_app;
grant insert (county_code, township_code, name, kind) on origin_units
    to xiangzhi_app;
grant update (name, kind) on origin_units to xiangzhi_app;

grant select, delete on skill_tags to xiangzhi_app;
grant insert (county_code, township_code, code, label) on skill_tags
    to xiangzhi_app;
grant update (label) on skill_tags to xiangzhi_app;

grant select on staff to xiangzhi_app;
grant insert (county_code, township_code, person_id, name, origin_unit_id,
    establishment, center_id, post, skills, status, transferred_from)
    on staff to xiangzhi_app;
grant update (name, origin_unit_id, establishment, center_id, post, skills,
    status) on staff to xiangzhi_app;

grant select on staff_phones to xiangzhi_app;
grant insert (staff_id, county_code, township_code, phone) on staff_phones
    to xiangzhi_app;
grant update (phone) on staff_phones to xiangzhi_app;

grant select on staff_transfers to xiangzhi_app;
grant insert (county_code, township_code, from_township_code,
    from_staff_id, to_staff_id, person_id, effective_on, reason)
    on staff_transfers to xiangzhi_app;

grant select on campaigns to xiangzhi_app;
grant insert (county_code, township_code, title, kind, priority, starts_on,
    ends_on, lead_center_id, headcount_needed, skills_needed,
    actual_started_on, actual_ended_on) on campaigns to xiangzhi_app;
grant update (title, kind, priority, starts_on, ends_on, lead_center_id,
    headcount_needed, skills_needed, actual_started_on, actual_ended_on)
    on campaigns to xiangzhi_app;

grant select, delete on campaign_villages to xiangzhi_app;
grant insert (campaign_id, county_code, township_code, village_code)
    on campaign_villages to xiangzhi_app;

grant select on campaign_teams to xiangzhi_app;
grant insert (campaign_id, county_code, township_code, name)
    on campaign_teams to xiangzhi_app;
grant update (name) on campaign_teams to xiangzhi_app;

grant select, delete on team_visits to xiangzhi_app;
grant insert (team_id, campaign_id, county_code, township_code,
    village_code, starts_on, ends_on) on team_visits to xiangzhi_app;

grant select on deployments to xiangzhi_app;
grant insert (campaign_id, staff_id, county_code, township_code, team_id,
    period, share_percent, role) on deployments to xiangzhi_app;
grant update (team_id, period, share_percent, role, status, cancel_reason,
    superseded_by, ended_reason) on deployments to xiangzhi_app;

------------------------------------------------------------------------
-- The service's statements: JSON documents of rows, and one function per
-- write that checks what needs other rows, writes, and answers the new
-- document (doc, version, id).  All SECURITY INVOKER: row security and
-- the column grants above apply to everything they do.  Scalar types
-- and lengths are checked by the service first (a 400 naming the field);
-- what needs the database is refused here with class XZ.

create function xz.bad(p_code text, p_detail text, p_pointer text)
returns void
language plpgsql
as $$
begin
	raise exception '%', p_code using errcode = 'XZ400',
	    detail = p_detail, hint = coalesce(p_pointer, '');
end
$$;

create function xz.absent(p_what text) returns void
language plpgsql
as $$
begin
	raise exception 'not_found' using errcode = 'XZ404',
	    detail = 'no such ' || p_what;
end
$$;

-- After an UPDATE ... WHERE id AND version found nothing: 404 or 412.
create function xz.stale_or_absent(p_found boolean, p_what text)
returns void
language plpgsql
as $$
begin
	if p_found then
		raise exception 'precondition_failed' using errcode = 'XZ412',
		    detail = 'the resource changed since you read it; GET it'
		    ' again';
	end if;
	perform xz.absent(p_what);
end
$$;

-- A JSON array of strings at p_pointer (NULL when b has no such member).
create function xz.text_array(b jsonb, p_member text, p_max integer,
    p_pattern text) returns text[]
language plpgsql
as $$
declare
	v	jsonb := b -> p_member;
	r	text[];
begin
	if v is null then
		return null;
	end if;
	if jsonb_typeof(v) <> 'array' or jsonb_array_length(v) > p_max or
	    exists (select 1 from jsonb_array_elements(v) e
	    where jsonb_typeof(e) <> 'string' or not (e #>> '{}') ~ p_pattern)
	then
		perform xz.bad('format', format('%s must be an array of at'
		    ' most %s distinct strings matching %s', p_member, p_max,
		    p_pattern), '/' || p_member);
	end if;
	select array_agg(e order by e) into r
	    from (select distinct e from jsonb_array_elements_text(v) e) x;
	if cardinality(r) <> jsonb_array_length(v) then
		perform xz.bad('duplicate', p_member || ' has duplicates',
		    '/' || p_member);
	end if;
	return coalesce(r, '{}');
end
$$;

-- The township a county user names ("township") or a township user's own.
create function xz.body_township(b jsonb) returns townships
language plpgsql
as $$
declare
	t	townships;
	tcode	text := b ->> 'township';
begin
	if xz.claim('role') = 'township' then
		if tcode is not null and tcode <> xz.claim('township') then
			perform xz.bad('mismatch', 'township users write their'
			    ' own township ' || xz.claim('township'),
			    '/township');
		end if;
		tcode := xz.claim('township');
	elsif tcode is null then
		perform xz.bad('required', 'township is required',
		    '/township');
	end if;
	select * into t from public.townships x where x.code = tcode;
	if not found then
		perform xz.bad('not_found', 'no such township', '/township');
	end if;
	return t;
end
$$;

-- Body members whose syntax the service does not know: refused here
-- with their pointer rather than by a check constraint (no pointer).
create function xz.body_patterns(b jsonb) returns void
language plpgsql
as $$
begin
	if b ->> 'phone' is not null and
	    b ->> 'phone' !~ '^1[3-9][0-9]{9}$' then
		perform xz.bad('format', 'phone is a mainland mobile number of'
		    ' 11 digits starting 13-19', '/phone');
	end if;
	if b ->> 'code' is not null and
	    b ->> 'code' !~ '^[a-z][a-z0-9_]{0,31}$' then
		perform xz.bad('format', 'code is a lower-case letter, then'
		    ' up to 31 lower-case letters, digits or _', '/code');
	end if;
end
$$;

create function xz.uuid_member(b jsonb, p_member text) returns uuid
language plpgsql
as $$
begin
	if b -> p_member is null or jsonb_typeof(b -> p_member) = 'null' then
		return null;
	end if;
	if jsonb_typeof(b -> p_member) <> 'string' or not (b ->> p_member) ~
	    '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
	then
		perform xz.bad('format', p_member || ' must be a lower-case'
		    ' UUID or null', '/' || p_member);
	end if;
	return (b ->> p_member)::uuid;
end
$$;

---- Documents.

create function xz.center_doc(c centers) returns json
language sql stable
as $$
	select json_build_object('id', c.id, 'county_code', c.county_code,
	    'township_code', c.township_code, 'kind', c.kind, 'name', c.name,
	    'director_id', c.director_id,
	    'on_duty_minimum', c.on_duty_minimum,
	    'headcount', (select count(*) from public.staff s
		where s.center_id = c.id and s.status = 'active'),
	    'version', c.version, 'created_at', c.created_at,
	    'updated_at', c.updated_at)
$$;

create function xz.origin_unit_doc(u origin_units) returns json
language sql stable
as $$
	select json_build_object('id', u.id, 'county_code', u.county_code,
	    'township_code', u.township_code, 'name', u.name, 'kind', u.kind,
	    'version', u.version, 'created_at', u.created_at,
	    'updated_at', u.updated_at)
$$;

-- The phone in full for the own township, masked for county users,
-- absent for everyone else (row security).
create function xz.staff_doc(s staff) returns json
language sql stable
as $$
	select json_build_object('id', s.id, 'county_code', s.county_code,
	    'township_code', s.township_code, 'person_id', s.person_id,
	    'name', s.name, 'origin_unit_id', s.origin_unit_id,
	    'establishment', s.establishment, 'center_id', s.center_id,
	    'post', s.post, 'skills', s.skills, 'status', s.status,
	    'phone', (select case when xz.claim('role') = 'township'
		then p.phone else overlay(p.phone placing '****' from 4) end
		from public.staff_phones p where p.staff_id = s.id),
	    'transferred_from', s.transferred_from,
	    'version', s.version, 'created_at', s.created_at,
	    'updated_at', s.updated_at)
$$;

create function xz.transfer_doc(x staff_transfers) returns json
language sql stable
as $$
	select json_build_object('id', x.id, 'county_code', x.county_code,
	    'from_township_code', x.from_township_code,
	    'to_township_code', x.township_code,
	    'from_staff_id', x.from_staff_id, 'to_staff_id', x.to_staff_id,
	    'person_id', x.person_id, 'effective_on', x.effective_on,
	    'reason', x.reason, 'created_by', x.created_by,
	    'created_at', x.created_at)
$$;

create function xz.campaign_doc(c campaigns) returns json
language sql stable
as $$
	select json_build_object('id', c.id, 'county_code', c.county_code,
	    'township_code', c.township_code, 'title', c.title,
	    'kind', c.kind, 'priority', c.priority,
	    'starts_on', c.starts_on, 'ends_on', c.ends_on,
	    'lead_center_id', c.lead_center_id,
	    'headcount_needed', c.headcount_needed,
	    'skills_needed', c.skills_needed,
	    'villages', coalesce((select array_agg(v.village_code
		order by v.village_code) from public.campaign_villages v
		where v.campaign_id = c.id), '{}'),
	    'actual_started_on', c.actual_started_on,
	    'actual_ended_on', c.actual_ended_on,
	    'version', c.version, 'created_at', c.created_at,
	    'updated_at', c.updated_at)
$$;

create function xz.team_doc(t campaign_teams) returns json
language sql stable
as $$
	select json_build_object('id', t.id, 'campaign_id', t.campaign_id,
	    'county_code', t.county_code, 'township_code', t.township_code,
	    'name', t.name,
	    'visits', coalesce((select json_agg(json_build_object(
		'village_code', v.village_code, 'from', v.starts_on,
		'to', v.ends_on) order by v.starts_on, v.village_code)
		from public.team_visits v where v.team_id = t.id), '[]'),
	    'members', coalesce((select json_agg(json_build_object(
		'deployment_id', d.id, 'staff_id', d.staff_id,
		'role', d.role) order by d.role, d.id)
		from public.deployments d where d.team_id = t.id and
		d.status = 'active'), '[]'),
	    'version', t.version, 'created_at', t.created_at,
	    'updated_at', t.updated_at)
$$;

create function xz.deployment_doc(d deployments) returns json
language sql stable
as $$
	select json_build_object('id', d.id, 'campaign_id', d.campaign_id,
	    'staff_id', d.staff_id, 'county_code', d.county_code,
	    'township_code', d.township_code, 'team_id', d.team_id,
	    'from', lower(d.period), 'to', upper(d.period) - 1,
	    'share_percent', d.share_percent, 'role', d.role,
	    'status', d.status, 'cancel_reason', d.cancel_reason,
	    'cancelled_at', d.cancelled_at,
	    'superseded_by', d.superseded_by,
	    'ended_reason', d.ended_reason, 'created_by', d.created_by,
	    'version', d.version, 'created_at', d.created_at,
	    'updated_at', d.updated_at)
$$;

---- Origin units and skills.

create function xz.origin_unit_create(b jsonb)
returns table (doc json, version integer, id uuid)
language plpgsql
as $$
declare
	t	townships := xz.body_township(b);
	u	origin_units;
begin
	insert into public.origin_units (county_code, township_code, name,
	    kind) values (t.county_code, t.code, b ->> 'name', b ->> 'kind')
	    returning * into u;
	return query select xz.origin_unit_doc(u), u.version, u.id;
end
$$;

create function xz.origin_unit_patch(p_id uuid, p_version integer, b jsonb)
returns table (doc json, version integer, id uuid)
language plpgsql
as $$
declare
	u	origin_units;
begin
	update public.origin_units o set
	    name = coalesce(b ->> 'name', o.name),
	    kind = coalesce(b ->> 'kind', o.kind)
	    where o.id = p_id and o.version = p_version returning * into u;
	if not found then
		perform xz.stale_or_absent(exists (select 1
		    from public.origin_units o where o.id = p_id),
		    'origin unit');
	end if;
	return query select xz.origin_unit_doc(u), u.version, u.id;
end
$$;

create function xz.skill_tag_create(b jsonb)
returns table (doc json, version integer, id text)
language plpgsql
as $$
declare
	t	townships := xz.body_township(b);
	s	skill_tags;
begin
	perform xz.body_patterns(b);
	insert into public.skill_tags (county_code, township_code, code,
	    label) values (t.county_code, t.code, b ->> 'code', b ->> 'label')
	    returning * into s;
	return query select json_build_object('township_code',
	    s.township_code, 'code', s.code, 'label', s.label), s.version,
	    s.code;
end
$$;

---- Centers.

create function xz.center_patch(p_id uuid, p_version integer, b jsonb)
returns table (doc json, version integer, id uuid)
language plpgsql
as $$
declare
	c	centers;
	dir	uuid := xz.uuid_member(b, 'director_id');
begin
	select * into c from public.centers x where x.id = p_id;
	if not found then
		perform xz.absent('center');
	end if;
	if dir is not null and not exists (select 1 from public.staff s
	    where s.id = dir and s.township_code = c.township_code and
	    s.status = 'active') then
		perform xz.bad('not_found', 'the director must be an active'
		    ' staff member of the township', '/director_id');
	end if;
	update public.centers x set name = coalesce(b ->> 'name', x.name),
	    director_id = case when b ? 'director_id' then dir
		else x.director_id end,
	    on_duty_minimum = coalesce((b ->> 'on_duty_minimum')::integer,
		x.on_duty_minimum)
	    where x.id = p_id and x.version = p_version returning * into c;
	if not found then
		perform xz.stale_or_absent(true, 'center');
	end if;
	return query select xz.center_doc(c), c.version, c.id;
end
$$;

---- Staff.

-- The center and origin unit of a staff member: both of one township.
create function xz.staff_parents(p_center uuid, p_unit uuid)
returns centers
language plpgsql
as $$
declare
	c	centers;
begin
	select * into c from public.centers x where x.id = p_center;
	if not found then
		perform xz.bad('not_found', 'no such center', '/center_id');
	end if;
	if not exists (select 1 from public.origin_units u
	    where u.id = p_unit and u.township_code = c.township_code) then
		perform xz.bad('not_found', 'the origin unit must be one of'
		    ' the center''s township', '/origin_unit_id');
	end if;
	return c;
end
$$;

create function xz.staff_create(b jsonb)
returns table (doc json, version integer, id uuid)
language plpgsql
as $$
declare
	c	centers := xz.staff_parents((b ->> 'center_id')::uuid,
		    (b ->> 'origin_unit_id')::uuid);
	s	staff;
begin
	perform xz.body_patterns(b);
	insert into public.staff (county_code, township_code, name,
	    origin_unit_id, establishment, center_id, post, skills, status)
	values (c.county_code, c.township_code, b ->> 'name',
	    (b ->> 'origin_unit_id')::uuid, b ->> 'establishment', c.id,
	    b ->> 'post', coalesce(xz.text_array(b, 'skills', 20,
	    '^[a-z][a-z0-9_]{0,31}$'), '{}'),
	    coalesce(b ->> 'status', 'active'))
	returning * into s;
	if b ->> 'phone' is not null then
		insert into public.staff_phones (staff_id, county_code,
		    township_code, phone) values (s.id, s.county_code,
		    s.township_code, b ->> 'phone');
	end if;
	return query select xz.staff_doc(s), s.version, s.id;
end
$$;

create function xz.staff_patch(p_id uuid, p_version integer, b jsonb)
returns table (doc json, version integer, id uuid)
language plpgsql
as $$
declare
	s	staff;
begin
	select * into s from public.staff x where x.id = p_id;
	if not found then
		perform xz.absent('staff member');
	end if;
	perform xz.body_patterns(b);
	if b ? 'center_id' or b ? 'origin_unit_id' then
		perform 1 from xz.staff_parents(coalesce((b ->> 'center_id')
		    ::uuid, s.center_id), coalesce((b ->> 'origin_unit_id')
		    ::uuid, s.origin_unit_id)) c
		    where c.township_code = s.township_code;
		if not found then
			perform xz.bad('not_found', 'the center must be one'
			    ' of the staff member''s township', '/center_id');
		end if;
	end if;
	update public.staff x set name = coalesce(b ->> 'name', x.name),
	    post = coalesce(b ->> 'post', x.post),
	    establishment = coalesce(b ->> 'establishment', x.establishment),
	    origin_unit_id = coalesce((b ->> 'origin_unit_id')::uuid,
		x.origin_unit_id),
	    center_id = coalesce((b ->> 'center_id')::uuid, x.center_id),
	    skills = coalesce(xz.text_array(b, 'skills', 20,
		'^[a-z][a-z0-9_]{0,31}$'), x.skills),
	    status = coalesce(b ->> 'status', x.status)
	    where x.id = p_id and x.version = p_version returning * into s;
	if not found then
		perform xz.stale_or_absent(true, 'staff member');
	end if;
	if b ? 'phone' then
		if b ->> 'phone' is null then
			-- No delete grant: an emptied phone is not kept.
			perform xz.bad('format', 'phone cannot be removed,'
			    ' only replaced', '/phone');
		end if;
		insert into public.staff_phones as p (staff_id, county_code,
		    township_code, phone) values (s.id, s.county_code,
		    s.township_code, b ->> 'phone')
		    on conflict (staff_id) do update set phone = excluded.phone;
	end if;
	return query select xz.staff_doc(s), s.version, s.id;
end
$$;

-- A county transfer (decision 2): p_id moves to the township of the
-- center b.center_id, effective b.effective_on.
create function xz.staff_transfer(p_id uuid, b jsonb)
returns table (doc json, version integer, id uuid)
language plpgsql
as $$
declare
	s	staff;
	n	staff;
	c	centers;
	eff	date := (b ->> 'effective_on')::date;
	phone	text;
begin
	select * into s from public.staff x where x.id = p_id;
	if not found then
		perform xz.absent('staff member');
	end if;
	c := xz.staff_parents((b ->> 'center_id')::uuid,
	    (b ->> 'origin_unit_id')::uuid);
	if c.township_code = s.township_code then
		perform xz.bad('same_township', 'a transfer moves staff to'
		    ' another township', '/center_id');
	end if;
	if s.status = 'transferred_out' then
		raise exception 'transferred_out' using errcode = 'XZ409',
		    detail = 'the staff member was already transferred out';
	end if;
	-- Both townships, in a fixed order.
	perform xz.personnel_lock(least(s.township_code, c.township_code));
	perform xz.personnel_lock(greatest(s.township_code, c.township_code));
	update public.deployments d set status = 'cancelled',
	    cancel_reason = 'transferred out'
	    where d.staff_id = s.id and d.status = 'active' and
	    lower(d.period) >= eff;
	update public.deployments d set period = daterange(lower(d.period),
	    eff), ended_reason = 'transferred out'
	    where d.staff_id = s.id and d.status = 'active' and
	    d.period @> eff;
	select p.phone into phone from public.staff_phones p
	    where p.staff_id = s.id;
	update public.staff x set status = 'transferred_out'
	    where x.id = s.id;
	insert into public.staff (county_code, township_code, person_id, name,
	    origin_unit_id, establishment, center_id, post, skills, status,
	    transferred_from)
	values (c.county_code, c.township_code, s.person_id, s.name,
	    (b ->> 'origin_unit_id')::uuid, s.establishment, c.id, s.post,
	    coalesce((select array_agg(k order by k) from unnest(s.skills) k
		where exists (select 1 from public.skill_tags t
		where t.township_code = c.township_code and t.code = k)),
		'{}'),
	    'active', s.id)
	returning * into n;
	if phone is not null then
		insert into public.staff_phones (staff_id, county_code,
		    township_code, phone) values (n.id, n.county_code,
		    n.township_code, phone);
	end if;
	insert into public.staff_transfers (county_code, township_code,
	    from_township_code, from_staff_id, to_staff_id, person_id,
	    effective_on, reason)
	values (c.county_code, c.township_code, s.township_code, s.id, n.id,
	    s.person_id, eff, b ->> 'reason');
	return query select xz.staff_doc(n), n.version, n.id;
end
$$;

---- Campaigns and teams.

create function xz.campaign_villages_set(c campaigns, b jsonb) returns void
language plpgsql
as $$
declare
	v	text[] := xz.text_array(b, 'villages', 500, '^[0-9]{12}$');
begin
	if v is null then
		return;
	end if;
	if (select count(*) from public.villages x where x.code = any
	    (v::bpchar[]) and x.township_code = c.township_code) <>
	    cardinality(v) then
		perform xz.bad('not_found', 'every village must be a village'
		    ' of the campaign''s township', '/villages');
	end if;
	if exists (select 1 from public.team_visits t
	    where t.campaign_id = c.id and t.village_code <> all
	    (v::bpchar[])) then
		raise exception 'villages_visited' using errcode = 'XZ409',
		    detail = 'a village teams visit cannot be removed',
		    hint = '/villages';
	end if;
	delete from public.campaign_villages x where x.campaign_id = c.id and
	    x.village_code <> all (v::bpchar[]);
	insert into public.campaign_villages (campaign_id, county_code,
	    township_code, village_code)
	select c.id, c.county_code, c.township_code, x from unnest(v) x
	on conflict do nothing;
end
$$;

create function xz.campaign_create(b jsonb)
returns table (doc json, version integer, id uuid)
language plpgsql
as $$
declare
	ctr	centers;
	c	campaigns;
begin
	select * into ctr from public.centers x
	    where x.id = (b ->> 'lead_center_id')::uuid;
	if not found then
		perform xz.bad('not_found', 'no such center',
		    '/lead_center_id');
	end if;
	if (b ->> 'ends_on')::date < (b ->> 'starts_on')::date or
	    (b ->> 'ends_on')::date - (b ->> 'starts_on')::date > 366 then
		perform xz.bad('range', 'ends_on is on or after starts_on,'
		    ' at most 366 days later', '/ends_on');
	end if;
	insert into public.campaigns (county_code, township_code, title, kind,
	    priority, starts_on, ends_on, lead_center_id, headcount_needed,
	    skills_needed)
	values (ctr.county_code, ctr.township_code, b ->> 'title',
	    b ->> 'kind', b ->> 'priority', (b ->> 'starts_on')::date,
	    (b ->> 'ends_on')::date, ctr.id,
	    (b ->> 'headcount_needed')::integer,
	    coalesce(xz.text_array(b, 'skills_needed', 20,
	    '^[a-z][a-z0-9_]{0,31}$'), '{}'))
	returning * into c;
	perform xz.campaign_villages_set(c, b);
	return query select xz.campaign_doc(c), c.version, c.id;
end
$$;

create function xz.campaign_patch(p_id uuid, p_version integer, b jsonb)
returns table (doc json, version integer, id uuid)
language plpgsql
as $$
declare
	c	campaigns;
	s	date;
	e	date;
	xs	date;
	xe	date;
begin
	select * into c from public.campaigns x where x.id = p_id;
	if not found then
		perform xz.absent('campaign');
	end if;
	s := coalesce((b ->> 'starts_on')::date, c.starts_on);
	e := coalesce((b ->> 'ends_on')::date, c.ends_on);
	xs := coalesce((b ->> 'actual_started_on')::date,
	    c.actual_started_on);
	xe := coalesce((b ->> 'actual_ended_on')::date, c.actual_ended_on);
	if e < s or e - s > 366 then
		perform xz.bad('range', 'ends_on is on or after starts_on,'
		    ' at most 366 days later', '/ends_on');
	end if;
	if xe < xs or (xe is not null and xs is null) then
		perform xz.bad('range', 'actual_ended_on needs an'
		    ' actual_started_on on or before it', '/actual_ended_on');
	end if;
	update public.campaigns x set title = coalesce(b ->> 'title', x.title),
	    priority = coalesce(b ->> 'priority', x.priority),
	    starts_on = s, ends_on = e,
	    headcount_needed = coalesce((b ->> 'headcount_needed')::integer,
		x.headcount_needed),
	    skills_needed = coalesce(xz.text_array(b, 'skills_needed', 20,
		'^[a-z][a-z0-9_]{0,31}$'), x.skills_needed),
	    actual_started_on = xs, actual_ended_on = xe
	    where x.id = p_id and x.version = p_version returning * into c;
	if not found then
		perform xz.stale_or_absent(true, 'campaign');
	end if;
	perform xz.campaign_villages_set(c, b);
	return query select xz.campaign_doc(c), c.version, c.id;
end
$$;

-- Visits: [{village, from, to}], replacing the team's.
create function xz.team_visits_set(t campaign_teams, b jsonb) returns void
language plpgsql
as $$
declare
	v	jsonb := b -> 'visits';
	e	jsonb;
	i	integer := 0;
begin
	if v is null then
		return;
	end if;
	if jsonb_typeof(v) <> 'array' or jsonb_array_length(v) > 500 then
		perform xz.bad('type', 'visits is an array of at most 500'
		    ' {village, from, to}', '/visits');
	end if;
	for e in select * from jsonb_array_elements(v) loop
		if jsonb_typeof(e) <> 'object' or
		    (select count(*) from jsonb_object_keys(e)) <> 3 or
		    coalesce(e ->> 'village', '') !~ '^[0-9]{12}$' or
		    coalesce(e ->> 'from', '') !~ '^\d{4}-\d{2}-\d{2}$' or
		    coalesce(e ->> 'to', '') !~ '^\d{4}-\d{2}-\d{2}$' or
		    jsonb_typeof(e -> 'village') <> 'string' then
			perform xz.bad('format', 'a visit is {"village": 12'
			    ' digits, "from": date, "to": date}',
			    '/visits/' || i);
		end if;
		begin
			if (e ->> 'to')::date < (e ->> 'from')::date then
				perform xz.bad('range', 'to is on or after'
				    ' from', '/visits/' || i || '/to');
			end if;
		exception when datetime_field_overflow or
		    invalid_datetime_format then
			perform xz.bad('format', 'not a date',
			    '/visits/' || i);
		end;
		if not exists (select 1 from public.campaign_villages x
		    where x.campaign_id = t.campaign_id and
		    x.village_code = (e ->> 'village')::bpchar) then
			perform xz.bad('not_covered', 'the village is not one'
			    ' of the campaign''s', '/visits/' || i ||
			    '/village');
		end if;
		i := i + 1;
	end loop;
	delete from public.team_visits x where x.team_id = t.id;
	insert into public.team_visits (team_id, campaign_id, county_code,
	    township_code, village_code, starts_on, ends_on)
	select t.id, t.campaign_id, t.county_code, t.township_code,
	    x.value ->> 'village', (x.value ->> 'from')::date,
	    (x.value ->> 'to')::date
	from jsonb_array_elements(v) x;
end
$$;

create function xz.team_create(p_campaign uuid, b jsonb)
returns table (doc json, version integer, id uuid)
language plpgsql
as $$
declare
	c	campaigns;
	t	campaign_teams;
begin
	select * into c from public.campaigns x where x.id = p_campaign;
	if not found then
		perform xz.absent('campaign');
	end if;
	insert into public.campaign_teams (campaign_id, county_code,
	    township_code, name) values (c.id, c.county_code,
	    c.township_code, b ->> 'name') returning * into t;
	perform xz.team_visits_set(t, b);
	return query select xz.team_doc(t), t.version, t.id;
end
$$;

create function xz.team_patch(p_id uuid, p_version integer, b jsonb)
returns table (doc json, version integer, id uuid)
language plpgsql
as $$
declare
	t	campaign_teams;
begin
	update public.campaign_teams x set name = coalesce(b ->> 'name',
	    x.name) where x.id = p_id and x.version = p_version
	    returning * into t;
	if not found then
		perform xz.stale_or_absent(exists (select 1
		    from public.campaign_teams x where x.id = p_id), 'team');
	end if;
	perform xz.team_visits_set(t, b);
	return query select xz.team_doc(t), t.version, t.id;
end
$$;

---- Deployments.

create function xz.deployment_insert(c campaigns, b jsonb)
returns deployments
language plpgsql
as $$
declare
	d	deployments;
	f	date := (b ->> 'from')::date;
	l	date := (b ->> 'to')::date;
	team	uuid := xz.uuid_member(b, 'team_id');
begin
	if l < f then
		perform xz.bad('range', 'to is on or after from', '/to');
	end if;
	if not exists (select 1 from public.staff s
	    where s.id = (b ->> 'staff_id')::uuid and
	    s.township_code = c.township_code) then
		perform xz.bad('not_found', 'no such staff member in the'
		    ' campaign''s township', '/staff_id');
	end if;
	if team is not null and not exists (select 1
	    from public.campaign_teams t where t.id = team and
	    t.campaign_id = c.id) then
		perform xz.bad('not_found', 'no such team of the campaign',
		    '/team_id');
	end if;
	insert into public.deployments (campaign_id, staff_id, county_code,
	    township_code, team_id, period, share_percent, role)
	values (c.id, (b ->> 'staff_id')::uuid, c.county_code,
	    c.township_code, team, daterange(f, l, '[]'),
	    coalesce((b ->> 'share_percent')::integer, 100),
	    coalesce(b ->> 'role', 'member'))
	returning * into d;
	return d;
end
$$;

create function xz.deployment_create(b jsonb)
returns table (doc json, version integer, id uuid)
language plpgsql
as $$
declare
	c	campaigns;
	d	deployments;
begin
	select * into c from public.campaigns x
	    where x.id = (b ->> 'campaign_id')::uuid;
	if not found then
		perform xz.bad('not_found', 'no such campaign',
		    '/campaign_id');
	end if;
	d := xz.deployment_insert(c, b);
	return query select xz.deployment_doc(d), d.version, d.id;
end
$$;

create function xz.deployment_patch(p_id uuid, p_version integer, b jsonb)
returns table (doc json, version integer, id uuid)
language plpgsql
as $$
declare
	d	deployments;
	team	uuid := xz.uuid_member(b, 'team_id');
begin
	select * into d from public.deployments x where x.id = p_id;
	if not found then
		perform xz.absent('deployment');
	end if;
	if team is not null and not exists (select 1
	    from public.campaign_teams t where t.id = team and
	    t.campaign_id = d.campaign_id) then
		perform xz.bad('not_found', 'no such team of the campaign',
		    '/team_id');
	end if;
	update public.deployments x set role = coalesce(b ->> 'role', x.role),
	    team_id = case when b ? 'team_id' then team else x.team_id end,
	    share_percent = coalesce((b ->> 'share_percent')::integer,
		x.share_percent)
	    where x.id = p_id and x.version = p_version returning * into d;
	if not found then
		perform xz.stale_or_absent(true, 'deployment');
	end if;
	return query select xz.deployment_doc(d), d.version, d.id;
end
$$;

create function xz.deployment_cancel(p_id uuid, b jsonb)
returns table (doc json, version integer, id uuid)
language plpgsql
as $$
declare
	d	deployments;
begin
	update public.deployments x set status = 'cancelled',
	    cancel_reason = b ->> 'reason'
	    where x.id = p_id returning * into d;
	if not found then
		perform xz.absent('deployment');
	end if;
	return query select xz.deployment_doc(d), d.version, d.id;
end
$$;

-- Re-deployment (decision 6): p_id is the old deployment; b as for a new
-- deployment plus reason.
create function xz.redeploy(p_id uuid, b jsonb)
returns table (doc json, version integer, id uuid)
language plpgsql
as $$
declare
	old	deployments;
	oc	campaigns;
	nc	campaigns;
	d	deployments;
	f	date := (b ->> 'from')::date;
	why	text;
begin
	select * into old from public.deployments x where x.id = p_id;
	if not found then
		perform xz.absent('deployment');
	end if;
	perform xz.personnel_lock(old.township_code);
	select * into old from public.deployments x where x.id = p_id;
	if old.status <> 'active' or upper(old.period) <= f then
		raise exception 'not_active' using errcode = 'XZ409',
		    detail = 'the deployment is not active on the day the new'
		    ' one starts';
	end if;
	select * into nc from public.campaigns x
	    where x.id = (b ->> 'campaign_id')::uuid and
	    x.township_code = old.township_code;
	if not found then
		perform xz.bad('not_found', 'no such campaign in the'
		    ' deployment''s township', '/campaign_id');
	end if;
	select * into oc from public.campaigns x where x.id = old.campaign_id;
	if xz.priority_rank(nc.priority) <= xz.priority_rank(oc.priority) then
		raise exception 'priority_not_higher' using errcode = 'XZ409',
		    detail = format('a re-deployment takes staff from a'
		    ' lower-priority campaign: %s is not higher than %s',
		    nc.priority, oc.priority), hint = '/campaign_id';
	end if;
	why := format('redeployed to campaign %s: %s', nc.id, b ->> 'reason');
	if lower(old.period) >= f then
		update public.deployments x set status = 'cancelled',
		    cancel_reason = left(why, 200), ended_reason = why
		    where x.id = old.id;
	else
		update public.deployments x set period =
		    daterange(lower(x.period), f), ended_reason = why
		    where x.id = old.id;
	end if;
	d := xz.deployment_insert(nc, b || jsonb_build_object('staff_id',
	    old.staff_id));
	update public.deployments x set superseded_by = d.id
	    where x.id = old.id;
	return query select xz.deployment_doc(d), d.version, d.id;
end
$$;

---- Reports.

-- Deployed days of every staff member of the township (not transferred
-- out) over [p_from, p_to]: days with any active deployment, and the
-- same in full-time equivalents.
create function xz.staff_days(p_township text, p_from date, p_to date)
returns table (staff_id uuid, name text, center_kind text, days integer,
    fte_days numeric)
language sql stable
as $$
	with d as (select dp.staff_id, g::date as day,
	    sum(dp.share_percent) as pct
	    from public.deployments dp,
	    generate_series(greatest(lower(dp.period), p_from)::timestamp,
		least(upper(dp.period) - 1, p_to)::timestamp,
		interval '1 day') as g
	    where dp.township_code = p_township::bpchar and
		dp.status = 'active' and
		dp.period && daterange(p_from, p_to, '[]')
	    group by dp.staff_id, g)
	select s.id, s.name, c.kind,
	    (select count(*) from d where d.staff_id = s.id)::integer,
	    coalesce((select round(sum(least(d.pct, 100)) / 100.0, 2)
		from d where d.staff_id = s.id), 0)
	from public.staff s join public.centers c on c.id = s.center_id
	where s.township_code = p_township::bpchar and
	    s.status <> 'transferred_out'
$$;

-- The spread of deployed days across a township's staff: mean, standard
-- deviation, coefficient of variation, and the top and bottom 10% (at
-- least one person each); names only for officers.
create function xz.balance(p_township text, p_from date, p_to date)
returns json
language sql stable
as $$
	with s as (select * from xz.staff_days(p_township, p_from, p_to)),
	n as (select count(*) as n, ceil(count(*) * 0.1)::integer as k,
	    avg(days) as mean, stddev_pop(days) as sd from s),
	officer as (select xz.claim('role') in ('county', 'township') as o)
	select json_build_object('staff', n.n,
	    'mean_days', round(n.mean, 2), 'stddev_days', round(n.sd, 2),
	    'cv', case when n.mean > 0 then round(n.sd / n.mean, 3) end,
	    'top', coalesce((select json_agg(case when officer.o then
		json_build_object('staff_id', t.staff_id, 'name', t.name,
		'days', t.days) else json_build_object('days', t.days) end
		order by t.days desc, t.staff_id) from (select * from s
		order by days desc, staff_id limit n.k) t), '[]'),
	    'bottom', coalesce((select json_agg(case when officer.o then
		json_build_object('staff_id', t.staff_id, 'name', t.name,
		'days', t.days) else json_build_object('days', t.days) end
		order by t.days, t.staff_id) from (select * from s
		order by days, staff_id limit n.k) t), '[]'))
	from n, officer
$$;

-- Counts of a township's (or a center's) active staff by establishment
-- and by the kind of their origin unit.
create function xz.headcount(p_township text, p_center uuid) returns json
language sql stable
as $$
	with s as (select s.establishment, u.kind from public.staff s
	    join public.origin_units u on u.id = s.origin_unit_id
	    where s.township_code = p_township::bpchar and
	    s.status = 'active' and (p_center is null or
	    s.center_id = p_center))
	select json_build_object('total', (select count(*) from s),
	    'by_establishment', (select coalesce(json_object_agg(e, n), '{}')
		from (select establishment as e, count(*) as n from s
		group by 1 order by 1) x),
	    'by_origin_kind', (select coalesce(json_object_agg(k, n), '{}')
		from (select kind as k, count(*) as n from s
		group by 1 order by 1) x))
$$;

-- The report of every township the caller sees (or of p_township only:
-- NULL when it is not visible), over [p_from, p_to].
create function xz.personnel_report(p_township text, p_from date,
    p_to date) returns json
language sql stable
as $$
	select case when p_township is not null and count(*) = 0 then null
	    else json_build_object('from', p_from, 'to', p_to,
	    'townships', coalesce(json_agg(json_build_object(
		'township_code', t.code, 'name', t.name,
		'headcount', xz.headcount(t.code, null),
		'centers', (select json_agg(json_build_object(
		    'center_id', c.id, 'kind', c.kind, 'name', c.name,
		    'on_duty_minimum', c.on_duty_minimum,
		    'headcount', xz.headcount(t.code, c.id),
		    'days', (select json_agg(json_build_object('day', x.day,
			'deployed', round(x.deployed / 100.0, 2),
			'on_duty', round(x.headcount - x.deployed / 100.0, 2),
			'below_minimum', x.headcount * 100 - x.deployed <
			c.on_duty_minimum * 100) order by x.day)
			from xz.center_days(c.id, p_from, p_to) x))
		    order by c.kind) from public.centers c
		    where c.township_code = t.code),
		'balance', xz.balance(t.code, p_from, p_to),
		'campaigns', (select count(*) from public.campaigns k
		    where k.township_code = t.code and
		    k.starts_on <= p_to and k.ends_on >= p_from))
		order by t.code), '[]')) end
	from public.townships t
	where p_township is null or t.code = p_township::bpchar
$$;

create function xz.staff_days_report(p_township text, p_from date,
    p_to date) returns json
language sql stable
as $$
	select case when p_township is not null and count(*) = 0 then null
	    else json_build_object('from', p_from, 'to', p_to,
	    'townships', coalesce(json_agg(json_build_object(
		'township_code', t.code,
		'staff', (select coalesce(json_agg(json_build_object(
		    'staff_id', s.staff_id, 'name', s.name,
		    'center_kind', s.center_kind, 'days', s.days,
		    'fte_days', s.fte_days) order by s.days desc, s.staff_id),
		    '[]') from xz.staff_days(t.code, p_from, p_to) s),
		'balance', xz.balance(t.code, p_from, p_to))
		order by t.code), '[]')) end
	from public.townships t
	where p_township is null or t.code = p_township::bpchar
$$;

-- Coverage of a campaign's villages by team visits, planned vs actual
-- duration, headcount needed vs deployed.  NULL: no such campaign.
create function xz.campaign_coverage(p_id uuid) returns json
language sql stable
as $$
	select json_build_object('campaign_id', c.id,
	    'villages', (select count(*) from public.campaign_villages v
		where v.campaign_id = c.id),
	    'covered', coalesce((select json_agg(json_build_object(
		'village_code', x.village_code, 'teams', x.teams,
		'from', x.f, 'to', x.l) order by x.village_code)
		from (select v.village_code, count(distinct v.team_id) as teams,
		min(v.starts_on) as f, max(v.ends_on) as l
		from public.team_visits v where v.campaign_id = c.id
		group by v.village_code) x), '[]'),
	    'uncovered', coalesce((select json_agg(v.village_code
		order by v.village_code) from public.campaign_villages v
		where v.campaign_id = c.id and not exists (select 1
		from public.team_visits t where t.campaign_id = c.id and
		t.village_code = v.village_code)), '[]'),
	    'planned', json_build_object('from', c.starts_on,
		'to', c.ends_on, 'days', c.ends_on - c.starts_on + 1),
	    'actual', json_build_object('from', c.actual_started_on,
		'to', c.actual_ended_on, 'days', c.actual_ended_on -
		c.actual_started_on + 1),
	    'headcount_needed', c.headcount_needed,
	    'deployed', (select count(distinct d.staff_id)
		from public.deployments d where d.campaign_id = c.id and
		d.status = 'active'))
	from public.campaigns c where c.id = p_id
$$;

---- The team proposal: writes nothing.

-- b: {from, days, teams, headcount}, all optional.  Candidates are the
-- township's active staff free for the whole window, by matching skills,
-- then fewest deployed days over the last 90 days; a candidate is taken
-- only while their center stays at its minimum every day of the window.
-- Staff are dealt to teams in turn (the first of each leads), villages
-- likewise, each team's villages spread over the window.
create function xz.team_proposal(p_id uuid, b jsonb) returns json
language plpgsql stable
as $$
declare
	c	campaigns;
	f	date;
	l	date;
	ndays	integer;
	k	integer;
	want	integer;
	slack	jsonb;
	r	record;
	picked	jsonb := '[]';
	n	integer := 0;
	teams	jsonb := '[]';
	vills	text[];
	i	integer;
	j	integer;
	m	integer;
	tv	jsonb;
	tm	jsonb;
	deps	jsonb := '[]';
begin
	select * into c from public.campaigns x where x.id = p_id;
	if not found then
		return null;
	end if;
	f := coalesce((b ->> 'from')::date, c.starts_on);
	ndays := coalesce((b ->> 'days')::integer, c.ends_on - f + 1);
	l := f + ndays - 1;
	if f < c.starts_on or f > c.ends_on then
		perform xz.bad('outside_campaign', format('from must lie'
		    ' within the campaign''s dates %s..%s', c.starts_on,
		    c.ends_on), '/from');
	end if;
	if ndays < 1 or l > c.ends_on then
		perform xz.bad('outside_campaign', format('the window must end'
		    ' by the campaign''s last day %s', c.ends_on), '/days');
	end if;
	want := coalesce((b ->> 'headcount')::integer, c.headcount_needed);
	select array_agg(v.village_code::text order by v.village_code)
	    into vills from public.campaign_villages v
	    where v.campaign_id = c.id;
	vills := coalesce(vills, '{}');
	select coalesce(jsonb_object_agg(x.id, x.slack), '{}') into slack
	    from (select ct.id, (select min(d.headcount * 100 - d.deployed)
		from xz.center_days(ct.id, f, l) d) -
		ct.on_duty_minimum * 100 as slack
		from public.centers ct
		where ct.township_code = c.township_code) x;
	for r in
		with busy as (select distinct d.staff_id
		    from public.deployments d
		    where d.township_code = c.township_code and
		    d.status = 'active' and
		    (d.period && daterange(f, l, '[]') or
		    d.campaign_id = c.id)),
		recent as (select d.staff_id, sum(upper(d.period *
		    daterange(current_date - 90, current_date, '[]')) -
		    lower(d.period * daterange(current_date - 90,
		    current_date, '[]'))) as days
		    from public.deployments d
		    where d.township_code = c.township_code and
		    d.status = 'active' and d.period &&
		    daterange(current_date - 90, current_date, '[]')
		    group by d.staff_id)
		select s.id, s.name, s.center_id, ct.kind,
		    cardinality(array(select unnest(s.skills) intersect
		    select unnest(c.skills_needed))) as matched,
		    coalesce(recent.days, 0) as recent_days
		from public.staff s
		join public.centers ct on ct.id = s.center_id
		left join recent on recent.staff_id = s.id
		where s.township_code = c.township_code and
		    s.status = 'active' and
		    s.id not in (select staff_id from busy)
		order by matched desc, recent_days, s.name, s.id
	loop
		exit when n >= want;
		if (slack ->> r.center_id::text)::integer >= 100 then
			slack := jsonb_set(slack, array[r.center_id::text],
			    to_jsonb((slack ->> r.center_id::text)::integer -
			    100));
			picked := picked || jsonb_build_object('staff_id',
			    r.id, 'name', r.name, 'center_kind', r.kind,
			    'skills_matched', r.matched,
			    'deployed_days_90', r.recent_days);
			n := n + 1;
		end if;
	end loop;
	k := coalesce((b ->> 'teams')::integer,
	    least(7, greatest(1, n / 2)));
	k := least(k, greatest(n, 1));
	for i in 0 .. k - 1 loop
		tm := '[]';
		j := i;
		while j < n loop
			tm := tm || (picked -> j || jsonb_build_object('role',
			    case when j = i then 'lead' else 'member' end));
			j := j + k;
		end loop;
		tv := '[]';
		if n > 0 then
			m := (cardinality(vills) - i + k - 1) / k;
			j := 0;
			while j < m loop
				tv := tv || jsonb_build_object('village',
				    vills[1 + i + j * k],
				    'from', f + j * ndays / m,
				    'to', f + greatest(j * ndays / m,
				    (j + 1) * ndays / m - 1));
				j := j + 1;
			end loop;
		end if;
		teams := teams || jsonb_build_object('name', format('第%s组',
		    i + 1), 'members', tm, 'visits', tv);
	end loop;
	-- The deployments to apply, in the order of choice.
	for j in 0 .. n - 1 loop
		deps := deps || jsonb_build_object('campaign_id', c.id,
		    'staff_id', picked -> j -> 'staff_id', 'from', f, 'to', l,
		    'share_percent', 100, 'role', case when j < k then 'lead'
		    else 'member' end, 'team', j % k + 1);
	end loop;
	return json_build_object('campaign_id', c.id, 'from', f, 'to', l,
	    'headcount_needed', want, 'proposed', n,
	    'shortfall', greatest(want - n, 0), 'teams', teams,
	    'uncovered_villages', case when n = 0 then to_jsonb(vills)
		else '[]'::jsonb end,
	    'deployments', deps);
end
$$;
