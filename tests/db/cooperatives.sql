-- Cooperative registries (0003_cooperatives.sql): codes, tenancy per role,
-- exclusion constraints, resident-ID protection, audit, name search.  Run
-- as the service's role by tests/db/run.sh.
--
-- One transaction, rolled back at the end: a county user of 330599 builds
-- the fixture through the service's own grants and policies (so the write
-- path is exercised too), then xz_test.bind switches the bound caller.
-- Fixture (villages of township 330599001: 200, 201, 202):
--
--   M  城关农机专业合作社  machinery  330599001  serves 200, 201
--   L  城关农力专业合作社  labor      330599001  serves 202
--   F  城关农地股份合作社  farmland   330599001  serves 200
--   H  城关农房合作社      housing    330599001  serves 201
--   M2 溪东农机专业合作社  machinery  330599002  serves 330599002200
--   X  邻县农机合作社      machinery  330600100  serves 330600100200
--
--   members: 张一 (M, chair, v200, ID), 李二 (M, household, v201),
--   王三 (M, v202: a village M does not serve), 赵四 (F, v200, ID),
--   钱五 (L, v202, skill), 孙六 (H, v201), 周七 (M2), 吴八 (X)
--   machines ZJ-TRAC-001 and DRONE-SN-002 (M), ZJ-TRAC-101 (M2),
--   ZJ-TRAC-901 (X); parcel 3305990012000100001 (F, 赵四); house
--   城关溪街12号 (H, 孙六); team 城关泥瓦队 (L, 钱五); bookings of
--   ZJ-TRAC-001 [2030-05-01,2030-05-05) and of the team; a transfer of the
--   parcel and a lease of the house.
--
-- The demo county 330599 also holds the rows of `xiangzhi-admin seed-demo`
-- (cooperatives in every township).  An assertion about what a caller
-- sees therefore looks at the fixture's rows - created in this
-- transaction, so created_at = now() - together with EVERY row outside
-- the caller's tenant (county, township or granted townships): the
-- fixture's exact set is still compared, and a row of another tenant,
-- seeded or not, still fails the test.  Assertions that a caller sees
-- nothing at all stay over all rows, and so do the name search's counts
-- of ids outside the tenant (its name lists are the fixture's only).

-- GB 32100 check characters: real codes, and generated ones whose check
-- character is each edge of the alphabet ('0', 'A', 'X', 'Y').
select xz_test.is((select bool_and(xz.uscc_valid(c)) from unnest(array[
    '914403001922038216', '9144030071526726XG', '91330100716105852F',
    '91350100M000100Y43', '91110000600037341L', '933305997513500040',
    '93330599335773658A', '93330599228303883X', '93330599707049996Y',
    '93330600MA2ABCDE1D']) as c), true,
    'uscc_valid accepts valid codes (real ones; check characters 0, A, X, Y)');
select xz_test.is((select count(*) from unnest(array[
    '914403001922038217', '9144030071526726XH', '93330599707049996X',
    '933305997513500041', '93330599335773658B',
    '9144030071526726xg', '91330100716105852f',
    '9I4403001922038216', '9O4403001922038216', '9S4403001922038216',
    '9V4403001922038216', '9Z4403001922038216',
    '91440300192203821', '9144030019220382166', '',
    ' 914403001922038216', '91440300 922038216', '９14403001922038216'])
    as c where xz.uscc_valid(c)), 0::bigint,
    'uscc_valid refuses wrong check characters, lower case, I O S V Z, '
    'wrong lengths, blanks and full-width digits');
select xz_test.is(xz.uscc_valid(null), null::boolean,
    'uscc_valid(NULL) is NULL (strict)');
select xz_test.is(xz.like_contains('5%_\x'), '%5\%\_\\x%',
    'like_contains escapes %, _ and backslash');

begin;

------------------------------------------------------------------------
-- Fixture, by the county user of 330599 (and of 330600 for X).
select xz_test.bind('county', '330599', '', '', 'sub-county-330599',
    '', '', 'req-coops-fixture');

with i as (insert into cooperatives (county_code, township_code, kind, name,
    uscc, legal_representative, founded_on, registered_capital_fen)
    values ('330599', '330599001', 'machinery', '城关农机专业合作社',
    '93330599707049996Y', '张一', '2015-03-01', 50000000) returning id)
select id as coop_m from i \gset
with i as (insert into cooperatives (county_code, township_code, kind, name,
    uscc, legal_representative, founded_on)
    values ('330599', '330599001', 'labor', '城关农力专业合作社',
    '93330599228303883X', '钱五', '2018-06-01') returning id)
select id as coop_l from i \gset
with i as (insert into cooperatives (county_code, township_code, kind, name,
    uscc, legal_representative, founded_on)
    values ('330599', '330599001', 'farmland', '城关农地股份合作社',
    '933305997513500040', '赵四', '2016-01-01') returning id)
select id as coop_f from i \gset
with i as (insert into cooperatives (county_code, township_code, kind, name,
    uscc, legal_representative, founded_on)
    values ('330599', '330599001', 'housing', '城关农房合作社',
    '93330599335773658A', '孙六', '2020-09-01') returning id)
select id as coop_h from i \gset
with i as (insert into cooperatives (county_code, township_code, kind, name,
    uscc, legal_representative, founded_on)
    values ('330599', '330599002', 'machinery', '溪东农机专业合作社',
    '93330599943018528Y', '周七', '2017-04-01') returning id)
select id as coop_m2 from i \gset

insert into cooperative_villages (cooperative_id, county_code, township_code,
    village_code) values
    (:'coop_m', '330599', '330599001', '330599001200'),
    (:'coop_m', '330599', '330599001', '330599001201'),
    (:'coop_l', '330599', '330599001', '330599001202'),
    (:'coop_f', '330599', '330599001', '330599001200'),
    (:'coop_h', '330599', '330599001', '330599001201'),
    (:'coop_m2', '330599', '330599002', '330599002200');

with i as (insert into members (cooperative_id, county_code, township_code,
    kind, name, village_code, joined_on, role, contribution_kind,
    contribution_fen) values (:'coop_m', '330599', '330599001', 'person',
    '张一', '330599001200', '2015-03-01', 'chair', 'money', 500000)
    returning id)
select id as mem_zhang from i \gset
insert into members (cooperative_id, county_code, township_code, kind, name,
    village_code, joined_on, contribution_kind, contribution_mu_x100)
    values (:'coop_m', '330599', '330599001', 'household', '李二',
    '330599001201', '2015-05-01', 'land', 1234);
insert into members (cooperative_id, county_code, township_code, kind, name,
    village_code, joined_on, contribution_kind, contribution_labour_days)
    values (:'coop_m', '330599', '330599001', 'person', '王三',
    '330599001202', '2016-05-01', 'labour', 30);
with i as (insert into members (cooperative_id, county_code, township_code,
    kind, name, village_code, joined_on, contribution_kind,
    contribution_mu_x100) values (:'coop_f', '330599', '330599001',
    'person', '赵四', '330599001200', '2016-01-01', 'land', 500)
    returning id)
select id as mem_zhao from i \gset
with i as (insert into members (cooperative_id, county_code, township_code,
    kind, name, village_code, joined_on, contribution_kind,
    contribution_labour_days) values (:'coop_l', '330599', '330599001',
    'person', '钱五', '330599001202', '2018-06-01', 'labour', 20)
    returning id)
select id as mem_qian from i \gset
with i as (insert into members (cooperative_id, county_code, township_code,
    kind, name, village_code, joined_on, contribution_kind,
    contribution_fen) values (:'coop_h', '330599', '330599001', 'person',
    '孙六', '330599001201', '2020-09-01', 'money', 100000) returning id)
select id as mem_sun from i \gset
insert into members (cooperative_id, county_code, township_code, kind, name,
    village_code, joined_on, role, contribution_kind, contribution_fen)
    values (:'coop_m2', '330599', '330599002', 'person', '周七',
    '330599002200', '2017-04-01', 'chair', 'money', 300000);

-- Resident IDs as the service stores them: HMAC (here a SHA-256 stand-in,
-- 32 bytes) and the mask.
insert into member_identities (member_id, cooperative_id, county_code,
    township_code, resident_id_hmac, resident_id_masked) values
    (:'mem_zhang', :'coop_m', '330599', '330599001',
	sha256('xz-test-id-zhang'::bytea), '110105********123X'),
    (:'mem_zhao', :'coop_f', '330599', '330599001',
	sha256('xz-test-id-zhao'::bytea), '330599********4567');

with i as (insert into machines (cooperative_id, county_code, township_code,
    type, model, power_kw, plate_or_serial) values (:'coop_m', '330599',
    '330599001', 'tractor', '东方红 LX904', 66.2, 'ZJ-TRAC-001')
    returning id)
select id as mach_1 from i \gset
with i as (insert into machines (cooperative_id, county_code, township_code,
    type, model, power_kw, plate_or_serial) values (:'coop_m', '330599',
    '330599001', 'plant_protection_drone', '大疆 T40', 12.5,
    'DRONE-SN-002') returning id)
select id as mach_2 from i \gset
insert into machines (cooperative_id, county_code, township_code, type,
    model, power_kw, plate_or_serial) values (:'coop_m2', '330599',
    '330599002', 'tractor', '雷沃 M1004', 73.5, 'ZJ-TRAC-101');

with i as (insert into land_parcels (cooperative_id, county_code,
    township_code, member_id, village_code, parcel_code, certificate_no,
    area_mu_x100, land_use, boundaries) values (:'coop_f', '330599',
    '330599001', :'mem_zhao', '330599001200', '3305990012000100001',
    '330599001200010001J', 350, 'arable', '东至河，南至路，西至张家，北至山')
    returning id)
select id as parcel_1 from i \gset
with i as (insert into houses (cooperative_id, county_code, township_code,
    member_id, village_code, address, floor_area_m2, condition)
    values (:'coop_h', '330599', '330599001', :'mem_sun', '330599001201',
    '城关溪街12号', 180.5, 'good') returning id)
select id as house_1 from i \gset

insert into member_skills (member_id, skill, cooperative_id, county_code,
    township_code, days_available_per_month) values
    (:'mem_qian', '泥瓦工', :'coop_l', '330599', '330599001', 20);
with i as (insert into labour_teams (cooperative_id, county_code,
    township_code, name) values (:'coop_l', '330599', '330599001',
    '城关泥瓦队') returning id)
select id as team_1 from i \gset
insert into labour_team_members (team_id, member_id, cooperative_id,
    county_code, township_code) values
    (:'team_1', :'mem_qian', :'coop_l', '330599', '330599001');

with i as (insert into bookings (cooperative_id, county_code, township_code,
    machine_id, booked_by_kind, booked_by, period, price_fen)
    values (:'coop_m', '330599', '330599001', :'mach_1', 'village',
    '330599001200', '[2030-05-01,2030-05-05)', 120000) returning id)
select id as booking_1 from i \gset
insert into bookings (cooperative_id, county_code, township_code,
    labour_team_id, booked_by_kind, booked_by, period, price_fen)
    values (:'coop_l', '330599', '330599001', :'team_1', 'farmer', '郑大',
    '[2030-06-01,2030-06-10)', 90000);
with i as (insert into land_transfers (cooperative_id, county_code,
    township_code, parcel_id, lessee, term, rent_fen_per_mu_year)
    values (:'coop_f', '330599', '330599001', :'parcel_1', '某某家庭农场',
    '[2030-01-01,2035-01-01)', 80000) returning id)
select id as transfer_1 from i \gset
insert into house_leases (cooperative_id, county_code, township_code,
    house_id, lessee, term, rent_fen_per_year) values
    (:'coop_h', '330599', '330599001', :'house_1', '某民宿公司',
    '[2030-01-01,2032-01-01)', 1200000);

-- The other county's cooperative, by its own county user.
select xz_test.bind('county', '330600', '', '', 'sub-county-330600',
    '', '', 'req-coops-fixture-x');
with i as (insert into cooperatives (county_code, township_code, kind, name,
    uscc, legal_representative, founded_on)
    values ('330600', '330600100', 'machinery', '邻县农机合作社',
    '93330600MA2ABCDE1D', '吴八', '2019-01-01') returning id)
select id as coop_x from i \gset
insert into cooperative_villages (cooperative_id, county_code, township_code,
    village_code) values (:'coop_x', '330600', '330600100', '330600100200');
insert into members (cooperative_id, county_code, township_code, kind, name,
    village_code, joined_on, contribution_kind, contribution_fen)
    values (:'coop_x', '330600', '330600100', 'person', '吴八',
    '330600100200', '2019-01-01', 'money', 1000);
with i as (insert into machines (cooperative_id, county_code, township_code,
    type, model, power_kw, plate_or_serial) values (:'coop_x', '330600',
    '330600100', 'tractor', '东方红 LX804', 58.8, 'ZJ-TRAC-901')
    returning id)
select id as mach_x from i \gset

------------------------------------------------------------------------
-- No claims, or empty ones: nothing.
select xz_test.bind('', '', '', '', '', '', '', 'req-coops-none');
select xz_test.is((select count(*) from cooperatives) +
    (select count(*) from cooperative_villages) +
    (select count(*) from members) + (select count(*) from member_identities) +
    (select count(*) from machines) + (select count(*) from land_parcels) +
    (select count(*) from houses) + (select count(*) from member_skills) +
    (select count(*) from labour_teams) +
    (select count(*) from labour_team_members) +
    (select count(*) from bookings) + (select count(*) from land_transfers) +
    (select count(*) from house_leases), 0::bigint,
    'empty claims: no row of any cooperative table is visible');
select xz_test.bind('admin', '330599', '330599001', '330599001200',
    'sub-bad-role', 'coops:read bookings:write', '*', 'req-coops-badrole');
select xz_test.is((select count(*) from cooperatives) +
    (select count(*) from members) + (select count(*) from machines) +
    (select count(*) from bookings), 0::bigint,
    'an unknown role sees no cooperative, member, machine or booking');

------------------------------------------------------------------------
-- County user of 330599.
select xz_test.bind('county', '330599', '', '', 'sub-county-330599', '', '',
    'req-coops-county');
-- :mine - the fixture's rows and every row outside the caller's tenant
-- (here: county 330599); set again below where the caller changes.
\set mine 'where created_at = now() or county_code <> ''330599'''
select xz_test.set_eq($q$select name from cooperatives $q$ || :'mine',
    array['城关农机专业合作社', '城关农力专业合作社', '城关农地股份合作社',
    '城关农房合作社', '溪东农机专业合作社'],
    'county user sees every cooperative of the county, none of 330600');
select xz_test.set_eq($q$select plate_or_serial from machines $q$ || :'mine',
    array['ZJ-TRAC-001', 'DRONE-SN-002', 'ZJ-TRAC-101'],
    'county user sees the county''s machines only');
select xz_test.set_eq($q$select name from members $q$ || :'mine',
    array['张一', '李二', '王三', '赵四', '钱五', '孙六', '周七'],
    'county user sees the county''s members only');
select xz_test.set_eq($q$select resident_id_masked from member_identities
    $q$ || :'mine',
    array['110105********123X', '330599********4567'],
    'county user sees the masked resident IDs of the county');
select xz_test.is((select count(*) from cooperatives
    where id = :'coop_x'), 0::bigint,
    'county user cannot fetch another county''s cooperative by id');
select xz_test.throws(format($q$insert into cooperatives (county_code,
    township_code, kind, name, uscc, legal_representative, founded_on)
    values ('330600', '330600100', 'labor', 'x', %L, 'x', '2020-01-01')$q$,
    '933305993444852793'), '42501',
    'county user cannot insert a cooperative into another county');
select xz_test.refused(format($q$update machines set condition = 'poor'
    where id = %L$q$, :'mach_x'),
    'county user cannot update another county''s machine');
select xz_test.affects(format($q$update machines set condition = 'fair'
    where id = %L$q$, :'mach_1'), 1,
    'county user can update a machine of their county');

-- County user of 330600: the mirror image.
select xz_test.bind('county', '330600', '', '', 'sub-county-330600', '', '',
    'req-coops-county2');
select xz_test.set_eq($q$select name from cooperatives$q$,
    array['邻县农机合作社'],
    'county user of 330600 sees exactly their own cooperative');
select xz_test.is((select count(*) from members where county_code <> '330600')
    + (select count(*) from machines where county_code <> '330600')
    + (select count(*) from bookings) + (select count(*) from land_transfers)
    + (select count(*) from member_identities), 0::bigint,
    'county user of 330600 sees no row of 330599');

------------------------------------------------------------------------
-- Township user of 330599001.
select xz_test.bind('township', '330599', '330599001', '',
    'sub-township-001', '', '', 'req-coops-township');
\set mine 'where created_at = now() or township_code <> ''330599001'''
select xz_test.set_eq($q$select name from cooperatives $q$ || :'mine',
    array['城关农机专业合作社', '城关农力专业合作社', '城关农地股份合作社',
    '城关农房合作社'],
    'township user sees their township''s cooperatives only');
select xz_test.set_eq($q$select plate_or_serial from machines $q$ || :'mine',
    array['ZJ-TRAC-001', 'DRONE-SN-002'],
    'township user sees their township''s machines only');
select xz_test.set_eq($q$select name from members $q$ || :'mine',
    array['张一', '李二', '王三', '赵四', '钱五', '孙六'],
    'township user sees their township''s members only');
select xz_test.is((select count(*) from member_identities :mine), 2::bigint,
    'township user sees their township''s member identities (masked)');
select xz_test.is((select count(*) from bookings :mine) +
    (select count(*) from land_transfers :mine) +
    (select count(*) from house_leases :mine) +
    (select count(*) from land_parcels :mine) +
    (select count(*) from houses :mine) +
    (select count(*) from member_skills :mine) +
    (select count(*) from labour_teams :mine) +
    (select count(*) from labour_team_members :mine), 9::bigint,
    'township user sees their bookings, transfers, leases, parcels, houses, '
    'skills, teams and team members');
select xz_test.throws(format($q$insert into cooperatives (county_code,
    township_code, kind, name, uscc, legal_representative, founded_on)
    values ('330599', '330599002', 'labor', 'x', %L, 'x', '2020-01-01')$q$,
    '933305993444852793'), '42501',
    'township user cannot insert a cooperative into another township');
select xz_test.affects(format($q$insert into cooperatives (county_code,
    township_code, kind, name, uscc, legal_representative, founded_on)
    values ('330599', '330599001', 'labor', '城关第二农力合作社', %L, 'x',
    '2020-01-01')$q$, '933305993444852793'), 1,
    'township user can insert a cooperative into their township');
select xz_test.refused(format($q$update cooperatives set name = 'x'
    where id = %L$q$, :'coop_m2'),
    'township user cannot update another township''s cooperative');
select xz_test.refused(format($q$update members set name = 'x'
    where cooperative_id = %L$q$, :'coop_m2'),
    'township user cannot update another township''s members');
select xz_test.throws(format($q$insert into machines (cooperative_id,
    county_code, township_code, type, model, power_kw, plate_or_serial)
    values (%L, '330599', '330599002', 'tractor', 'x', 1, 'SNEAK-1')$q$,
    :'coop_m2'), '42501',
    'township user cannot add a machine to another township''s cooperative');
select xz_test.throws(format($q$insert into machines (cooperative_id,
    county_code, township_code, type, model, power_kw, plate_or_serial)
    values (%L, '330599', '330599001', 'tractor', 'x', 1, 'SNEAK-2')$q$,
    :'coop_m2'), '23503',
    'a machine cannot claim the own township while pointing at another '
    'township''s cooperative (composite key)');
select xz_test.throws(format($q$update cooperatives set township_code =
    '330599002' where id = %L$q$, :'coop_m'), '42501',
    'the tenancy key of a cooperative cannot be updated');
select xz_test.throws(format($q$update cooperatives set kind = 'labor'
    where id = %L$q$, :'coop_m'), '42501',
    'the kind of a cooperative cannot be updated');
select xz_test.throws(format($q$insert into cooperatives (id, county_code,
    township_code, kind, name, uscc, legal_representative, founded_on)
    values (gen_random_uuid(), '330599', '330599001', 'labor', 'x', %L,
    'x', '2020-01-01')$q$, '93330599119896224R'), '42501',
    'the service cannot choose a cooperative''s id');
select xz_test.throws($q$delete from cooperatives$q$, '42501',
    'cooperatives are never deleted (dissolved instead)');
select xz_test.throws($q$delete from members$q$, '42501',
    'members are never deleted (they leave instead)');
select xz_test.throws($q$delete from bookings$q$, '42501',
    'bookings are never deleted (cancelled instead)');

-- Township user of 330599002 sees only M2.
select xz_test.bind('township', '330599', '330599002', '',
    'sub-township-002', '', '', 'req-coops-township2');
\set mine 'where created_at = now() or township_code <> ''330599002'''
select xz_test.set_eq($q$select name from cooperatives $q$ || :'mine',
    array['溪东农机专业合作社'],
    'township user of 330599002 sees only their cooperative');
select xz_test.is((select count(*) from member_identities :mine) +
    (select count(*) from bookings :mine), 0::bigint,
    'township user of 330599002 sees no identity or booking of 330599001');

------------------------------------------------------------------------
-- Village users: cooperatives serving their village.
select xz_test.bind('village', '330599', '330599001', '330599001200',
    'sub-village-200', '', '', 'req-coops-village200');
select xz_test.set_eq($q$select name from cooperatives$q$,
    array['城关农机专业合作社', '城关农地股份合作社'],
    'village user of 200 sees exactly the cooperatives serving 200');
select xz_test.set_eq($q$select village_code from cooperative_villages$q$,
    array['330599001200'],
    'village user sees only their own village''s service links');
select xz_test.set_eq($q$select name from members$q$,
    array['张一', '赵四'],
    'village user sees only the memberships of their villagers');
select xz_test.is((select count(*) from member_identities), 0::bigint,
    'village user sees no resident ID, not even masked');
select xz_test.throws($q$select resident_id_hmac from member_identities$q$,
    '42501', 'village user cannot select resident_id_hmac');
select xz_test.throws($q$select count(*) from member_identities
    where resident_id_hmac is not null$q$, '42501',
    'village user cannot filter on resident_id_hmac either');
select xz_test.is((select count(*) from xz.members_by_resident_id(
    sha256('xz-test-id-zhang'::bytea))), 0::bigint,
    'village user cannot match a resident ID');
select xz_test.set_eq($q$select plate_or_serial from machines$q$,
    array['ZJ-TRAC-001', 'DRONE-SN-002'],
    'village user sees the machines of the cooperatives serving them');
select xz_test.set_eq($q$select parcel_code from land_parcels$q$,
    array['3305990012000100001'],
    'village user sees the parcels of the cooperatives serving them');
select xz_test.is((select count(*) from houses) +
    (select count(*) from house_leases) + (select count(*) from labour_teams)
    + (select count(*) from member_skills), 0::bigint,
    'village user of 200 sees no house, lease, team or skill of '
    'cooperatives not serving 200');
select xz_test.is((select count(*) from bookings), 1::bigint,
    'village user sees the bookings of machines serving them');
select xz_test.is((select count(*) from land_transfers), 1::bigint,
    'village user sees the transfers of the farmland cooperative serving '
    'them');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'village',
    '330599001200', '[2030-07-01,2030-07-02)', 0)$q$, :'coop_m', :'mach_1'),
    '42501', 'village user cannot book');
select xz_test.refused(format($q$update cooperatives set name = 'x'
    where id = %L$q$, :'coop_m'),
    'village user cannot update a cooperative serving them');
select xz_test.refused(format($q$update members set name = 'x'
    where id = %L$q$, :'mem_zhang'),
    'village user cannot update their villager''s membership');
select xz_test.refused($q$delete from cooperative_villages$q$,
    'village user cannot remove a service link');

select xz_test.bind('village', '330599', '330599001', '330599001202',
    'sub-village-202', '', '', 'req-coops-village202');
select xz_test.set_eq($q$select name from cooperatives$q$,
    array['城关农力专业合作社'],
    'village user of 202 sees exactly the labour cooperative serving 202');
select xz_test.set_eq($q$select name from members$q$, array['王三', '钱五'],
    'village user of 202 sees their villagers'' memberships, also in a '
    'cooperative that does not serve 202');
select xz_test.is((select count(*) from machines), 0::bigint,
    'village user of 202 sees no machine (no machinery cooperative serves '
    '202)');
select xz_test.is((select count(*) from labour_teams) +
    (select count(*) from member_skills) + (select count(*) from bookings),
    3::bigint,
    'village user of 202 sees the labour team, skill and team booking');

-- A village user whose claims name another township's village sees
-- nothing (the township claim must match too).
select xz_test.bind('village', '330599', '330599002', '330599001200',
    'sub-village-bad', '', '', 'req-coops-village-bad');
select xz_test.is((select count(*) from cooperatives) +
    (select count(*) from members), 0::bigint,
    'village claim outside the township claim sees nothing');

------------------------------------------------------------------------
-- Partners.
select xz_test.bind('partner', '330599', '', '', 'client-coops-001',
    'coops:read', '330599001', 'req-coops-partner-001');
\set mine 'where created_at = now() or township_code <> ''330599001'''
select xz_test.set_eq($q$select name from cooperatives $q$ || :'mine',
    array['城关农机专业合作社', '城关农力专业合作社', '城关农地股份合作社',
    '城关农房合作社', '城关第二农力合作社'],
    'partner granted 330599001 sees its cooperatives');
select xz_test.set_eq($q$select plate_or_serial from machines $q$ || :'mine',
    array['ZJ-TRAC-001', 'DRONE-SN-002'],
    'partner granted 330599001 sees its machines, not 330599002''s');
select xz_test.is((select count(*) from land_parcels :mine) +
    (select count(*) from houses :mine) +
    (select count(*) from labour_teams :mine) +
    (select count(*) from member_skills :mine) +
    (select count(*) from labour_team_members :mine) +
    (select count(*) from cooperative_villages :mine), 10::bigint,
    'partner sees the granted township''s parcels, houses, teams, skills '
    'and service links');
select xz_test.is((select count(*) from bookings :mine), 2::bigint,
    'partner with coops:read sees the granted township''s bookings');
select xz_test.is((select count(*) from members) +
    (select count(*) from member_identities) +
    (select count(*) from land_transfers) +
    (select count(*) from house_leases), 0::bigint,
    'partner sees no member, identity, transfer or lease');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'partner',
    '助农平台', '[2030-07-01,2030-07-02)', 0)$q$, :'coop_m', :'mach_1'),
    '42501', 'partner without bookings:write cannot book');
select xz_test.refused(format($q$update machines set condition = 'poor'
    where id = %L$q$, :'mach_1'), 'partner cannot update a machine');

select xz_test.bind('partner', '330599', '', '', 'client-coops-all',
    'coops:read', '*', 'req-coops-partner-all');
\set mine 'where created_at = now() or county_code <> ''330599'''
select xz_test.set_eq($q$select name from cooperatives $q$ || :'mine',
    array['城关农机专业合作社', '城关农力专业合作社', '城关农地股份合作社',
    '城关农房合作社', '城关第二农力合作社', '溪东农机专业合作社'],
    'partner granted * sees every cooperative of their county, not 330600''s');

select xz_test.bind('partner', '330599', '', '', 'client-coops-002',
    'coops:read bookings:write', '330599002', 'req-coops-partner-002');
\set mine 'where created_at = now() or township_code <> ''330599002'''
select xz_test.set_eq($q$select name from cooperatives $q$ || :'mine',
    array['溪东农机专业合作社'],
    'partner granted only 330599002 sees only its cooperative');
select xz_test.is((select count(*) from machines where id = :'mach_1') +
    (select count(*) from bookings :mine), 0::bigint,
    'partner not granted 330599001 sees none of its machines or bookings');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'partner',
    '助农平台', '[2030-07-01,2030-07-02)', 0)$q$, :'coop_m', :'mach_1'),
    '42501', 'partner cannot book in a township outside their grant');
select xz_test.refused(format($q$update bookings set status = 'cancelled',
    cancel_reason = 'x' where id = %L$q$, :'booking_1'),
    'partner cannot cancel a booking outside their grant');

select xz_test.bind('partner', '330599', '', '', 'client-org-only',
    'org:read', '*', 'req-coops-partner-org');
select xz_test.is((select count(*) from cooperatives) +
    (select count(*) from machines) + (select count(*) from bookings),
    0::bigint, 'partner without coops:read sees no cooperative, machine or '
    'booking');

select xz_test.bind('partner', '330600', '', '', 'client-other-county',
    'coops:read bookings:write', '*', 'req-coops-partner-x');
select xz_test.set_eq($q$select name from cooperatives$q$,
    array['邻县农机合作社'],
    'partner of another county sees only that county''s cooperative');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'partner',
    '助农平台', '[2030-07-01,2030-07-02)', 0)$q$, :'coop_m', :'mach_1'),
    '42501', 'partner of another county cannot book in 330599');

-- A booking partner of 330599001: books, cancels their own, nothing else.
select xz_test.bind('partner', '330599', '', '', 'client-booker-001',
    'bookings:write', '330599001', 'req-coops-partner-book');
\set mine 'where created_at = now() or township_code <> ''330599001'''
select xz_test.is((select count(*) from bookings :mine), 2::bigint,
    'partner with bookings:write sees the granted township''s bookings');
-- Decision 5 of 0003 (since 0563d52): with bookings:write alone a partner
-- reads the cooperatives of its granted townships, to book them (the
-- service gives such a partner no listing route).
select xz_test.set_eq($q$select name from cooperatives $q$ || :'mine',
    array['城关农机专业合作社', '城关农力专业合作社', '城关农地股份合作社',
    '城关农房合作社', '城关第二农力合作社'],
    'partner with bookings:write alone reads the granted township''s '
    'cooperatives, none outside the grant');
with i as (insert into bookings (cooperative_id, county_code, township_code,
    machine_id, booked_by_kind, booked_by, period, price_fen)
    values (:'coop_m', '330599', '330599001', :'mach_2', 'farmer', '郑大',
    '[2030-05-01,2030-05-03)', 30000) returning id, created_by)
select id as booking_p, created_by as booking_p_by from i \gset
select xz_test.is(:'booking_p_by'::text, 'client-booker-001',
    'a partner''s booking records the partner as created_by');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen, created_by) values (%L, '330599', '330599001', %L,
    'partner', 'x', '[2030-08-01,2030-08-02)', 0, 'someone-else')$q$,
    :'coop_m', :'mach_2'), '42501',
    'nobody can set created_by');
select xz_test.throws(format($q$update bookings set price_fen = 1
    where id = %L$q$, :'booking_p'), '42501',
    'a booking''s price cannot be changed (cancel and book again)');
select xz_test.throws(format($q$update bookings set cancel_reason = '改期'
    where id = %L$q$, :'booking_p'), '42501,23514',
    'partner cannot leave their booking active with a cancel reason');
select xz_test.refused(format($q$update bookings set status = 'cancelled',
    cancel_reason = 'x' where id = %L$q$, :'booking_1'),
    'partner cannot cancel a booking someone else made');
select xz_test.affects(format($q$update bookings set status = 'cancelled',
    cancel_reason = '农户改期' where id = %L$q$, :'booking_p'), 1,
    'partner can cancel their own booking');
select xz_test.ok((select cancelled_at is not null and status = 'cancelled'
    from bookings where id = :'booking_p'),
    'cancelling keeps the row and stamps cancelled_at');
select xz_test.refused(format($q$update bookings set status = 'booked',
    cancel_reason = null where id = %L$q$, :'booking_p'),
    'partner cannot revive a cancelled booking');

------------------------------------------------------------------------
-- Exclusion constraints: no double booking, transfer or lease.
select xz_test.bind('township', '330599', '330599001', '',
    'sub-township-001', '', '', 'req-coops-exclusion');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'farmer', 'x',
    '[2030-05-04,2030-05-06)', 0)$q$, :'coop_m', :'mach_1'), '23P01',
    'an overlapping booking of a machine is refused (23P01)');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'farmer', 'x',
    '[2030-04-01,2030-06-01)', 0)$q$, :'coop_m', :'mach_1'), '23P01',
    'a booking enclosing another is refused (23P01)');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'farmer', 'x',
    '[2030-05-04,2030-05-04]', 0)$q$, :'coop_m', :'mach_1'), '23P01',
    'a one-day booking on the last booked day is refused (23P01)');
select xz_test.affects(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'farmer', 'x',
    '[2030-05-05,2030-05-08)', 0)$q$, :'coop_m', :'mach_1'), 1,
    'an adjacent booking [b,c) after [a,b) is accepted');
select xz_test.affects(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'farmer', 'x',
    '[2030-04-28,2030-05-01)', 0)$q$, :'coop_m', :'mach_1'), 1,
    'an adjacent booking [z,a) before [a,b) is accepted');
select xz_test.affects(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'farmer', 'x',
    '[2030-05-01,2030-05-05)', 0)$q$, :'coop_m', :'mach_2'), 1,
    'another machine can be booked for the same days');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, labour_team_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'farmer', 'x',
    '[2030-06-09,2030-06-12)', 0)$q$, :'coop_l', :'team_1'), '23P01',
    'an overlapping booking of a labour team is refused (23P01)');
select xz_test.throws(format($q$update bookings set status = 'cancelled'
    where id = %L$q$, :'booking_1'), '23514',
    'cancelling needs a reason');
select xz_test.affects(format($q$update bookings set status = 'cancelled',
    cancel_reason = '机器故障' where id = %L$q$, :'booking_1'), 1,
    'township user cancels a booking');
select xz_test.affects(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'farmer', 'x',
    '[2030-05-02,2030-05-04)', 0)$q$, :'coop_m', :'mach_1'), 1,
    'a cancelled booking frees its days');
select xz_test.throws(format($q$update bookings set cancel_reason = 'y'
    where id = %L$q$, :'booking_1'), '55000',
    'a cancelled booking cannot change any more (55000)');
select xz_test.is((select count(*) from bookings where machine_id = :'mach_1'
    and status = 'cancelled'), 1::bigint,
    'the cancelled booking is kept');

select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, labour_team_id, booked_by_kind,
    booked_by, period, price_fen) values (%L, '330599', '330599001', %L, %L,
    'farmer', 'x', '[2031-01-01,2031-01-02)', 0)$q$, :'coop_m', :'mach_1',
    :'team_1'), '23514,23503',
    'a booking is of a machine or a team, not both');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, booked_by_kind, booked_by, period,
    price_fen) values (%L, '330599', '330599001', 'farmer', 'x',
    '[2031-01-01,2031-01-02)', 0)$q$, :'coop_m'), '23514',
    'a booking without machine or team is refused');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'farmer', 'x',
    '[2031-01-01,2031-01-01)', 0)$q$, :'coop_m', :'mach_1'), '23514',
    'an empty period is refused');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'farmer', 'x',
    '[2031-01-01,)', 0)$q$, :'coop_m', :'mach_1'), '23514',
    'an open-ended period is refused');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'farmer', 'x',
    '[2031-01-01,2032-01-03)', 0)$q$, :'coop_m', :'mach_1'), '23514',
    'a booking longer than 366 days is refused');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'farmer', 'x',
    '[2031-01-01,2031-01-02)', -1)$q$, :'coop_m', :'mach_1'), '23514',
    'a negative price is refused');
select xz_test.throws(format($q$insert into bookings (cooperative_id,
    county_code, township_code, machine_id, booked_by_kind, booked_by,
    period, price_fen) values (%L, '330599', '330599001', %L, 'farmer', 'x',
    '[2031-01-01,2031-01-02)', 0)$q$, :'coop_l', :'mach_1'), '23503',
    'a booking cannot pair a machine with another cooperative');

select xz_test.throws(format($q$insert into land_transfers (cooperative_id,
    county_code, township_code, parcel_id, lessee, term,
    rent_fen_per_mu_year) values (%L, '330599', '330599001', %L, '另一农场',
    '[2034-06-01,2036-01-01)', 70000)$q$, :'coop_f', :'parcel_1'), '23P01',
    'an overlapping land transfer of a parcel is refused (23P01)');
select xz_test.affects(format($q$insert into land_transfers (cooperative_id,
    county_code, township_code, parcel_id, lessee, term,
    rent_fen_per_mu_year) values (%L, '330599', '330599001', %L, '另一农场',
    '[2035-01-01,2040-01-01)', 70000)$q$, :'coop_f', :'parcel_1'), 1,
    'a land transfer starting the day the previous ends is accepted');
select xz_test.affects(format($q$update land_transfers set
    status = 'cancelled', cancel_reason = '协商解除' where id = %L$q$,
    :'transfer_1'), 1, 'a land transfer can be cancelled');
select xz_test.affects(format($q$insert into land_transfers (cooperative_id,
    county_code, township_code, parcel_id, lessee, term,
    rent_fen_per_mu_year) values (%L, '330599', '330599001', %L, '新农场',
    '[2031-01-01,2035-01-01)', 90000)$q$, :'coop_f', :'parcel_1'), 1,
    'a cancelled land transfer frees the parcel');
select xz_test.throws(format($q$insert into land_transfers (cooperative_id,
    county_code, township_code, parcel_id, lessee, term,
    rent_fen_per_mu_year) values (%L, '330599', '330599001', %L, 'x',
    '[2031-01-01,2062-01-01)', 1)$q$, :'coop_f', :'parcel_1'), '23514',
    'a land transfer longer than 30 years is refused');
select xz_test.throws(format($q$insert into house_leases (cooperative_id,
    county_code, township_code, house_id, lessee, term, rent_fen_per_year)
    values (%L, '330599', '330599001', %L, '另一公司',
    '[2031-12-31,2033-01-01)', 1000000)$q$, :'coop_h', :'house_1'), '23P01',
    'an overlapping house lease is refused (23P01)');
select xz_test.affects(format($q$insert into house_leases (cooperative_id,
    county_code, township_code, house_id, lessee, term, rent_fen_per_year)
    values (%L, '330599', '330599001', %L, '另一公司',
    '[2032-01-01,2033-01-01)', 1000000)$q$, :'coop_h', :'house_1'), 1,
    'an adjacent house lease is accepted');
select xz_test.throws(format($q$insert into house_leases (cooperative_id,
    county_code, township_code, house_id, lessee, term, rent_fen_per_year)
    values (%L, '330599', '330599001', %L, 'x',
    '[2040-01-01,2060-01-02)', 1)$q$, :'coop_h', :'house_1'), '23514',
    'a house lease longer than 20 years is refused');

------------------------------------------------------------------------
-- Integrity rules.
select xz_test.throws(format($q$insert into machines (cooperative_id,
    county_code, township_code, type, model, power_kw, plate_or_serial)
    values (%L, '330599', '330599001', 'tractor', 'x', 10, 'KIND-1')$q$,
    :'coop_l'), '23503',
    'a machine cannot belong to a labour cooperative');
select xz_test.throws(format($q$insert into member_skills (member_id, skill,
    cooperative_id, county_code, township_code, days_available_per_month)
    values (%L, '驾驶', %L, '330599', '330599001', 10)$q$, :'mem_zhang',
    :'coop_m'), '23503',
    'member skills belong to labour cooperatives only');
select xz_test.throws(format($q$insert into machines (cooperative_id,
    county_code, township_code, type, model, power_kw, plate_or_serial)
    values (%L, '330599', '330599001', 'tractor', 'x', 10, 'ZJ-TRAC-001')$q$,
    :'coop_m'), '23505',
    'a plate or serial number is unique in the township');
select xz_test.throws(format($q$insert into machines (cooperative_id,
    county_code, township_code, type, model, power_kw, plate_or_serial)
    values (%L, '330599', '330599001', 'tractor', 'x', 0, 'ZERO-KW')$q$,
    :'coop_m'), '23514', 'power must be positive');
select xz_test.throws(format($q$insert into machines (cooperative_id,
    county_code, township_code, type, model, power_kw, plate_or_serial)
    values (%L, '330599', '330599001', 'spaceship', 'x', 1, 'TYPE-1')$q$,
    :'coop_m'), '23514', 'an unknown machine type is refused');
select xz_test.throws(format($q$insert into cooperatives (county_code,
    township_code, kind, name, uscc, legal_representative, founded_on)
    values ('330599', '330599001', 'labor', 'x', '93330599707049996X', 'x',
    '2020-01-01')$q$), '23514',
    'a cooperative with a wrong USCC check character is refused');
select xz_test.throws(format($q$insert into cooperatives (county_code,
    township_code, kind, name, uscc, legal_representative, founded_on)
    values ('330599', '330599001', 'labor', 'x', '93330599707049996Y', 'x',
    '2020-01-01')$q$), '23505', 'a USCC is unique');
select xz_test.throws(format($q$insert into cooperatives (county_code,
    township_code, kind, name, uscc, legal_representative, founded_on,
    registered_capital_fen) values ('330599', '330599001', 'labor', 'x',
    '933305996390765684', 'x', '2020-01-01', 1000000000000001)$q$), '23514',
    'registered capital above 10^15 fen is refused');
select xz_test.throws(format($q$insert into cooperatives (county_code,
    township_code, kind, name, uscc, legal_representative, founded_on)
    values ('330599', '330599001', 'labor', '', '933305996390765684', 'x',
    '2020-01-01')$q$), '23514', 'an empty name is refused');
select xz_test.throws(format($q$insert into cooperative_villages
    (cooperative_id, county_code, township_code, village_code)
    values (%L, '330599', '330599001', '330599002200')$q$, :'coop_m'),
    '23514', 'a cooperative cannot serve a village of another township');
select xz_test.throws(format($q$insert into members (cooperative_id,
    county_code, township_code, kind, name, village_code, joined_on,
    contribution_kind, contribution_fen) values (%L, '330599', '330599001',
    'person', 'x', '330599002200', '2020-01-01', 'money', 1)$q$, :'coop_m'),
    '23514', 'a member''s village must be in the cooperative''s township');
select xz_test.throws(format($q$insert into members (cooperative_id,
    county_code, township_code, kind, name, village_code, joined_on,
    contribution_kind, contribution_fen) values (%L, '330599', '330599001',
    'person', 'x', '330599001999', '2020-01-01', 'money', 1)$q$, :'coop_m'),
    '23503', 'a member''s village must exist');
select xz_test.throws(format($q$insert into members (cooperative_id,
    county_code, township_code, kind, name, village_code, joined_on, left_on,
    contribution_kind, contribution_fen) values (%L, '330599', '330599001',
    'person', 'x', '330599001200', '2020-01-02', '2020-01-01', 'money', 1)$q$,
    :'coop_m'), '23514', 'leaving before joining is refused');
select xz_test.throws(format($q$insert into members (cooperative_id,
    county_code, township_code, kind, name, village_code, joined_on,
    contribution_kind, contribution_mu_x100) values (%L, '330599',
    '330599001', 'person', 'x', '330599001200', '2020-01-01', 'money',
    100)$q$, :'coop_m'), '23514',
    'a money contribution given in mu is refused');
select xz_test.throws(format($q$insert into members (cooperative_id,
    county_code, township_code, kind, name, village_code, joined_on,
    contribution_kind, contribution_fen, contribution_labour_days) values
    (%L, '330599', '330599001', 'person', 'x', '330599001200', '2020-01-01',
    'money', 100, 3)$q$, :'coop_m'), '23514',
    'two contribution amounts at once are refused');
select xz_test.throws(format($q$insert into members (cooperative_id,
    county_code, township_code, kind, name, village_code, joined_on,
    contribution_kind) values (%L, '330599', '330599001', 'person', 'x',
    '330599001200', '2020-01-01', 'labour')$q$, :'coop_m'), '23514',
    'a contribution kind without its amount is refused');
select xz_test.throws(format($q$insert into members (cooperative_id,
    county_code, township_code, kind, name, village_code, joined_on,
    contribution_kind, contribution_fen) values (%L, '330599', '330599001',
    'person', 'x', '330599001200', '2020-01-01', 'money', -5)$q$, :'coop_m'),
    '23514', 'a negative contribution is refused');
select xz_test.throws(format($q$insert into members (cooperative_id,
    county_code, township_code, kind, name, village_code, joined_on, role,
    contribution_kind, contribution_fen) values (%L, '330599', '330599001',
    'person', '第二理事长', '330599001200', '2020-01-01', 'chair', 'money',
    1)$q$, :'coop_m'), '23505',
    'a second current chair is refused');
select xz_test.affects(format($q$update members set left_on = '2024-12-31'
    where id = %L$q$, :'mem_zhang'), 1, 'the chair leaves');
select xz_test.affects(format($q$insert into members (cooperative_id,
    county_code, township_code, kind, name, village_code, joined_on, role,
    contribution_kind, contribution_fen) values (%L, '330599', '330599001',
    'person', '新理事长', '330599001200', '2020-01-01', 'chair', 'money',
    1)$q$, :'coop_m'), 1,
    'a new chair is accepted once the old one has left');
select xz_test.throws(format($q$insert into land_parcels (cooperative_id,
    county_code, township_code, member_id, village_code, parcel_code,
    certificate_no, area_mu_x100, land_use) values (%L, '330599',
    '330599001', %L, '330599001200', '3305990012010100001', 'x', 1,
    'arable')$q$, :'coop_f', :'mem_zhao'), '23514',
    'a parcel code must start with the parcel''s village code');
select xz_test.throws(format($q$insert into land_parcels (cooperative_id,
    county_code, township_code, member_id, village_code, parcel_code,
    certificate_no, area_mu_x100, land_use) values (%L, '330599',
    '330599001', %L, '330599001200', '3305990012000100002', 'x', 1,
    'arable')$q$, :'coop_f', :'mem_zhang'), '23503',
    'a parcel''s member must belong to the parcel''s cooperative');
select xz_test.throws(format($q$insert into land_parcels (cooperative_id,
    county_code, township_code, member_id, village_code, parcel_code,
    certificate_no, area_mu_x100, land_use) values (%L, '330599',
    '330599001', %L, '330599001200', '3305990012000100003', 'x', 0,
    'arable')$q$, :'coop_f', :'mem_zhao'), '23514',
    'a parcel''s area must be positive');
select xz_test.affects(format($q$insert into land_parcels (cooperative_id,
    county_code, township_code, member_id, village_code, parcel_code,
    certificate_no, area_mu_x100, land_use) values (%L, '330599',
    '330599001', %L, '330599001200', '3305990012000100004',
    '330599001200010001J', 120, 'garden')$q$, :'coop_f', :'mem_zhao'), 1,
    'a household''s second parcel shares its contract certificate number');
select xz_test.throws(format($q$delete from land_parcels where id = %L$q$,
    :'parcel_1'), '23503',
    'a parcel with transfers cannot be deleted');
select xz_test.affects(format($q$delete from labour_team_members
    where team_id = %L$q$, :'team_1'), 1,
    'a member can be taken off a team');
with i as (insert into labour_teams (cooperative_id, county_code,
    township_code, name) values (:'coop_l', '330599', '330599001',
    '临时队') returning id)
select id as team_2 from i \gset
insert into labour_team_members (team_id, member_id, cooperative_id,
    county_code, township_code) values
    (:'team_2', :'mem_qian', :'coop_l', '330599', '330599001');
select xz_test.affects(format($q$delete from labour_teams where id = %L$q$,
    :'team_2'), 1, 'an unbooked team can be deleted');
select xz_test.is((select count(*) from labour_team_members
    where team_id = :'team_2'), 0::bigint,
    'deleting a team takes its member list with it');
select xz_test.ok(exists (select from audit_log
    where entity = 'labour_team_members' and action = 'delete' and
    entity_id = :'team_2' || '/' || :'mem_qian'),
    'the cascaded removal of a team member is audited');
select xz_test.throws(format($q$delete from labour_teams where id = %L$q$,
    :'team_1'), '23503', 'a booked team cannot be deleted');
select xz_test.affects(format($q$delete from cooperative_villages
    where cooperative_id = %L and village_code = '330599001201'$q$,
    :'coop_m'), 1, 'township user can stop a cooperative serving a village');

-- Cooperative status.
select xz_test.throws(format($q$update cooperatives set status = 'suspended'
    where id = %L$q$, :'coop_h'), '23514',
    'suspending needs a reason');
select xz_test.affects(format($q$update cooperatives set
    status_since = '2020-09-01' where id = %L$q$, :'coop_h'), 1,
    'the status date can be given');
select xz_test.affects(format($q$update cooperatives set
    status = 'dissolved', status_reason = '社员大会决议解散'
    where id = %L$q$, :'coop_h'), 1, 'a cooperative can be dissolved');
select xz_test.is((select status_since from cooperatives
    where id = :'coop_h'), current_date,
    'a status change is dated today unless given');
select xz_test.throws(format($q$update cooperatives set status = 'active'
    where id = %L$q$, :'coop_h'), '55000', 'dissolution is final (55000)');

-- Versions.
select set_config('xz_test.v0', (select version::text from machines
    where id = :'mach_2'), true);
select xz_test.affects(format($q$update machines set condition = 'poor'
    where id = %L$q$, :'mach_2'), 1, 'a machine update succeeds');
select xz_test.is((select version from machines where id = :'mach_2') -
    current_setting('xz_test.v0')::integer, 1,
    'an update bumps the machine''s version by one');
select xz_test.throws(format($q$update machines set version = 1
    where id = %L$q$, :'mach_2'), '42501',
    'the service cannot set a version');

------------------------------------------------------------------------
-- Resident IDs: matching, uniqueness, format; never in the audit trail.
select xz_test.set_eq(format($q$select member_id from
    xz.members_by_resident_id(sha256('xz-test-id-zhang'::bytea))$q$),
    array[:'mem_zhang'], 'township user matches a resident ID to a member');
select xz_test.is((select count(*) from xz.members_by_resident_id(
    sha256('xz-test-id-nobody'::bytea))), 0::bigint,
    'an unknown resident ID matches nobody');
select xz_test.throws(format($q$insert into member_identities (member_id,
    cooperative_id, county_code, township_code, resident_id_hmac,
    resident_id_masked) select id, %L, '330599', '330599001',
    sha256('xz-test-id-zhang'::bytea), '110105********123X' from members
    where name = '李二'$q$, :'coop_m'), '23505',
    'one resident ID is one member per cooperative (23505)');
select xz_test.affects(format($q$insert into member_identities (member_id,
    cooperative_id, county_code, township_code, resident_id_hmac,
    resident_id_masked) values (%L, %L, '330599', '330599001',
    sha256('xz-test-id-zhang'::bytea), '110105********123X')$q$,
    :'mem_qian', :'coop_l'), 1,
    'the same person may be a member of another cooperative');
select xz_test.set_eq(format($q$select cooperative_id from
    xz.members_by_resident_id(sha256('xz-test-id-zhang'::bytea))$q$),
    array[:'coop_m', :'coop_l'],
    'matching finds the person in every cooperative of the township');
select xz_test.throws(format($q$insert into member_identities (member_id,
    cooperative_id, county_code, township_code, resident_id_hmac,
    resident_id_masked) select id, %L, '330599', '330599001',
    sha256('x'::bytea), '110105199001011234' from members
    where name = '李二'$q$, :'coop_m'), '23514',
    'an unmasked resident ID is refused');
select xz_test.throws(format($q$insert into member_identities (member_id,
    cooperative_id, county_code, township_code, resident_id_hmac,
    resident_id_masked) select id, %L, '330599', '330599001',
    '\x0102'::bytea, '110105********123X' from members
    where name = '李二'$q$, :'coop_m'), '23514',
    'a resident_id_hmac that is not 32 bytes is refused');
select xz_test.throws($q$select resident_id_hmac from member_identities$q$,
    '42501', 'even a township user cannot select resident_id_hmac');
select xz_test.throws($q$select * from member_identities$q$, '42501',
    'select * from member_identities is refused (the HMAC column)');
select xz_test.affects(format($q$update member_identities set
    resident_id_hmac = sha256('xz-test-id-zhang-fixed'::bytea),
    resident_id_masked = '110105********124X' where member_id = %L$q$,
    :'mem_zhang'), 1, 'a resident ID can be corrected');

select xz_test.bind('township', '330599', '330599002', '',
    'sub-township-002', '', '', 'req-coops-match2');
select xz_test.is((select count(*) from xz.members_by_resident_id(
    sha256('xz-test-id-zhao'::bytea))), 0::bigint,
    'another township cannot match a resident ID of 330599001');
select xz_test.bind('county', '330600', '', '', 'sub-county-330600', '', '',
    'req-coops-match3');
select xz_test.is((select count(*) from xz.members_by_resident_id(
    sha256('xz-test-id-zhao'::bytea))), 0::bigint,
    'another county cannot match a resident ID of 330599');
select xz_test.bind('partner', '330599', '', '', 'client-coops-all',
    'coops:read bookings:write', '*', 'req-coops-match4');
select xz_test.is((select count(*) from xz.members_by_resident_id(
    sha256('xz-test-id-zhao'::bytea))), 0::bigint,
    'a partner cannot match a resident ID');

select xz_test.bind('county', '330599', '', '', 'sub-county-330599', '', '',
    'req-coops-audit');
select xz_test.set_eq($q$select member_id from
    xz.members_by_resident_id(sha256('xz-test-id-zhao'::bytea))$q$,
    array[:'mem_zhao'], 'county user matches a resident ID in their county');
select xz_test.ok((select count(*) from audit_log
    where entity = 'member_identities') >= 4,
    'identity inserts and updates are audited');
select xz_test.is((select count(*) from audit_log
    where entity = 'member_identities' and (before ? 'resident_id_hmac' or
    after ? 'resident_id_hmac')), 0::bigint,
    'no audit row of an identity holds resident_id_hmac');
select xz_test.is((select count(*) from audit_log
    where strpos(coalesce(before::text, '') || coalesce(after::text, ''),
	substr(encode(sha256('xz-test-id-zhang'::bytea), 'hex'), 1, 16)) > 0
    or strpos(coalesce(before::text, '') || coalesce(after::text, ''),
	substr(encode(sha256('xz-test-id-zhao'::bytea), 'hex'), 1, 16)) > 0
    or strpos(coalesce(before::text, '') || coalesce(after::text, ''),
	substr(encode(sha256('xz-test-id-zhang-fixed'::bytea), 'hex'), 1,
	16)) > 0),
    0::bigint, 'no audit row anywhere contains an HMAC''s bytes');
select xz_test.ok(exists (select from audit_log
    where entity = 'member_identities' and action = 'update' and
    entity_id = :'mem_zhang' and before ->> 'resident_id_masked' =
    '110105********123X' and after ->> 'resident_id_masked' =
    '110105********124X'),
    'an identity correction is audited with the masks before and after');
select xz_test.ok(exists (select from audit_log
    where entity = 'cooperative_villages' and action = 'insert' and
    entity_id = :'coop_m' || '/330599001200' and
    request_id = 'req-coops-fixture'),
    'a service link is audited with cooperative/village as its id');
select xz_test.ok(exists (select from audit_log
    where entity = 'bookings' and action = 'update' and
    entity_id = :'booking_p' and actor_role = 'partner' and
    actor_sub = 'client-booker-001' and township_code = '330599001' and
    after ->> 'status' = 'cancelled'),
    'a partner''s cancellation is audited as the partner');
select xz_test.ok(exists (select from audit_log
    where entity = 'cooperatives' and action = 'insert' and
    entity_id = :'coop_m' and actor_sub = 'sub-county-330599' and
    county_code = '330599' and township_code = '330599001'),
    'creating a cooperative is audited with its tenant');

------------------------------------------------------------------------
-- Name search: xz.cooperatives_named runs beside row security, never
-- wider than the caller's tenant.
select xz_test.set_eq($q$select name from cooperatives where id in
    (select xz.cooperatives_named('农机')) and created_at = now()$q$,
    array['城关农机专业合作社', '溪东农机专业合作社'],
    'county user finds the county''s cooperatives by a 2-character name part');
select xz_test.set_eq($q$select name from cooperatives where id in
    (select xz.cooperatives_named('农机专业')) and created_at = now()$q$,
    array['城关农机专业合作社', '溪东农机专业合作社'],
    'county user finds them by a 4-character name part');
select xz_test.is((select count(*) from xz.cooperatives_named('%')) +
    (select count(*) from xz.cooperatives_named('_')), 0::bigint,
    '% and _ in a search are literal characters');
select xz_test.is((select count(*) from xz.cooperatives_named('邻县')),
    0::bigint, 'the search does not reach another county');
select xz_test.bind('township', '330599', '330599002', '',
    'sub-township-002', '', '', 'req-coops-search2');
select xz_test.set_eq($q$select name from cooperatives where id in
    (select xz.cooperatives_named('农机')) and created_at = now()$q$,
    array['溪东农机专业合作社'],
    'township user finds only their township''s cooperatives');
select xz_test.is((select count(*) from xz.cooperatives_named('城关')),
    0::bigint, 'the search returns no id of another township');
select xz_test.bind('village', '330599', '330599001', '330599001202',
    'sub-village-202', '', '', 'req-coops-search3');
select xz_test.set_eq($q$select name from cooperatives where id in
    (select xz.cooperatives_named('合作社'))$q$,
    array['城关农力专业合作社'],
    'village user''s search ends at the cooperatives serving them');
select xz_test.bind('partner', '330599', '', '', 'client-coops-002',
    'coops:read', '330599002', 'req-coops-search4');
select xz_test.set_eq($q$select name from cooperatives where id in
    (select xz.cooperatives_named('农机')) and created_at = now()$q$,
    array['溪东农机专业合作社'],
    'partner''s search stays inside their grant');
select xz_test.is((select count(*) from xz.cooperatives_named('城关')),
    0::bigint, 'partner''s search returns no id outside their grant');
select xz_test.bind('partner', '330599', '', '', 'client-org-only',
    'org:read', '*', 'req-coops-search5');
select xz_test.is((select count(*) from xz.cooperatives_named('农机')),
    0::bigint, 'partner without coops:read finds nothing');
select xz_test.bind('', '', '', '', '', '', '', 'req-coops-search6');
select xz_test.is((select count(*) from xz.cooperatives_named('农机')),
    0::bigint, 'no claims: the search finds nothing');

rollback;
