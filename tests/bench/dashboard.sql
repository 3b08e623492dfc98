-- `make bench`, the dashboard part (tests/bench/dashboard.sh): personnel
-- and cooperative data for the benchmark counties :'counties' (a text
-- array of county codes), loaded as the owner into the benchmark's
-- throwaway database.  The funds data of those counties is seed-demo's.
--
-- With :base = 1, every township gets an origin unit, 30 staff (spread
-- over the four centers), a machinery cooperative with 4 machines, a
-- farmland cooperative with 10 members each pooling a parcel, a labour
-- and a housing cooperative.  Then, for every year offset y in
-- :first .. :last (0: this year up to today, 1: last year, ...): a
-- campaign over the year, five 4-day deployments at 50% per staff member
-- and, per machine, a 3-day booking every 12 days.  Run once with 0 .. 0
-- and again with 1 .. 9 the bookings and deployments grow tenfold, as
-- nine earlier years of history (a machine cannot be booked twice on a
-- day, a person not deployed over 100%: history is how they grow).
--
-- Everything goes through the tables' triggers (the dashboard's
-- aggregates first of all) except, for deployments and bookings, the
-- audit rows (imported history) and the deployment rules (load and
-- on-duty checks, per row and costly), switched off for the load: the
-- generated deployments keep them (50% each, never two on one day).
-- Like seed-demo, the load is a baseline the change feed does not carry
-- (migration 0006, decision 5): years of history a partner would have
-- read long ago, not 350,000 events to publish while the summary is
-- measured.
\set ON_ERROR_STOP 1
\set QUIET 1
set client_min_messages = warning;
select set_config('app.request_id', 'seed-demo', true);

create temporary table bt on commit drop as
select t.code, t.county_code,
    (select min(v.code) from villages v where v.township_code = t.code)
	as village,
    row_number() over (order by t.code) as k
from townships t where t.county_code = any (:'counties'::text[]);

-- A valid unified social credit code from 17 characters.
create function pg_temp.uscc(b text) returns text
language sql
as $$
	select b || c from unnest(string_to_array(
	    '0123456789ABCDEFGHJKLMNPQRTUWXY', null)) c
	where xz.uscc_valid(b || c) limit 1
$$;

\if :base
insert into origin_units (county_code, township_code, name, kind)
select county_code, code, '看板压测办', 'internal_office' from bt;
insert into staff (county_code, township_code, name, origin_unit_id,
    establishment, center_id, post)
select bt.county_code, bt.code, '看板压测' || g,
    (select id from origin_units u where u.township_code = bt.code and
	u.name = '看板压测办'),
    'civil_servant', (select id from centers c where c.township_code =
	bt.code order by kind offset g % 4 limit 1), '科员'
from bt, generate_series(1, 30) g;
insert into cooperatives (county_code, township_code, kind, name, uscc,
    legal_representative, founded_on)
select bt.county_code, bt.code, kind, '看板压测' || kind || bt.code,
    pg_temp.uscc('93' || bt.county_code || right(bt.code, 3) || 'DB' ||
	lpad(i::text, 4, '0')),
    '压测', date '2015-01-01'
from bt, unnest(array['machinery', 'farmland', 'labor', 'housing'])
    with ordinality as x(kind, i);
insert into machines (cooperative_id, county_code, township_code, type,
    model, power_kw, plate_or_serial)
select c.id, c.county_code, c.township_code, 'tractor', '看板压测', 50,
    'DB' || c.township_code || '-' || g
from cooperatives c join bt on bt.code = c.township_code,
    generate_series(1, 4) g
where c.kind = 'machinery' and c.name like '看板压测%';
insert into members (cooperative_id, county_code, township_code, kind, name,
    village_code, joined_on, contribution_kind, contribution_mu_x100)
select c.id, c.county_code, c.township_code, 'household', '看板社员' || g,
    bt.village, date '2016-01-01', 'land', 150
from cooperatives c join bt on bt.code = c.township_code,
    generate_series(1, 10) g
where c.kind = 'farmland' and c.name like '看板压测%';
insert into land_parcels (cooperative_id, county_code, township_code,
    member_id, village_code, parcel_code, certificate_no, area_mu_x100,
    land_use)
select m.cooperative_id, m.county_code, m.township_code, m.id,
    m.village_code, m.village_code || '9' || lpad((row_number() over
	(partition by m.village_code order by m.id))::text, 6, '0'),
    'DB-' || m.id, 150, 'arable'
from members m join bt on bt.code = m.township_code
where m.name like '看板社员%';
\endif

-- The years of history.  Imported history: no audit rows either.
alter table deployments disable trigger deployments_rules;
alter table deployments disable trigger deployments_check;
alter table deployments disable trigger deployments_audit;
alter table bookings disable trigger bookings_audit;

create temporary table yr on commit drop as
select y, make_date(extract(year from current_date)::integer - y, 1, 1)
	as f,
    case when y = 0 then current_date else make_date(
	extract(year from current_date)::integer - y, 12, 31) end as l
from generate_series(:first::integer, :last::integer) y;

insert into campaigns (county_code, township_code, title, kind, priority,
    starts_on, ends_on, lead_center_id, headcount_needed)
select bt.county_code, bt.code, '看板压测' || extract(year from yr.f),
    'other', 'normal', yr.f, make_date(extract(year from yr.f)::integer,
	12, 31),
    (select id from centers c where c.township_code = bt.code limit 1), 30
from bt, yr;

-- Five deployments of 4 days per person and year, at 50%, on days the
-- year has already had (staggered by person).
insert into deployments (campaign_id, staff_id, county_code, township_code,
    period, share_percent)
select k.id, s.id, s.county_code, s.township_code,
    daterange(d, d + 4), 50
from staff s join bt on bt.code = s.township_code
join campaigns k on k.township_code = s.township_code and
    k.title like '看板压测%'
join yr on yr.f = k.starts_on,
    lateral (select yr.f + ((hashtext(s.id::text) & 1023) % 60) +
	j * ((yr.l - yr.f) / 5) as d
	from generate_series(0, 4) j) x
where s.name like '看板压测%' and x.d + 3 <= yr.l;

alter table deployments enable trigger deployments_rules;
alter table deployments enable trigger deployments_check;
alter table deployments enable trigger deployments_audit;

-- A 3-day booking every 12 days per machine (staggered by machine).
insert into bookings (cooperative_id, county_code, township_code,
    machine_id, booked_by_kind, booked_by, period, price_fen)
select m.cooperative_id, m.county_code, m.township_code, m.id, 'farmer',
    '压测农户', daterange(d, d + 3), 10000
from machines m join bt on bt.code = m.township_code, yr,
    lateral (select yr.f + (hashtext(m.id::text) & 7) + 12 * j as d
	from generate_series(0, 31) j) x
where m.plate_or_serial like 'DB%' and x.d + 2 <= yr.l;

alter table bookings enable trigger bookings_audit;
