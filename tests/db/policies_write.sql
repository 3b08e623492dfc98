-- Row policies and grants, writes: run as the service's role by
-- tests/db/run.sh; every block is rolled back.  Each refusal has a
-- positive control next to it, so a table that refuses everything fails.

-- Township user of 330599001.
begin;
select xz_test.bind('township', '330599', '330599001', '',
    'sub-township-001', '', '', 'req-write-township');
select xz_test.throws($q$insert into townships (code, county_code, name)
    values ('330599201', '330599', 'x')$q$, '42501',
    'township user cannot insert a township');
select xz_test.throws($q$insert into villages (code, township_code,
    county_code, name) values ('330599001901', '330599001', '330599', 'x')$q$,
    '42501', 'township user cannot insert a village, even in their township');
select xz_test.refused($q$update villages set population = 4242
    where code = '330599002001'$q$,
    'township user cannot update another township''s village');
select xz_test.refused($q$update villages set population = 4242
    where township_code <> '330599001'$q$,
    'township user cannot update any village outside their township');
select xz_test.refused($q$update townships set name = 'x'
    where code = '330599001'$q$,
    'township user cannot update their own township row');
select xz_test.affects($q$update villages set population = 4241
    where code = '330599001001'$q$, 1,
    'township user can update a village of their own township');
select xz_test.throws($q$update villages set township_code = '330599002'
    where code = '330599001001'$q$, '42501',
    'township user cannot move a village to another township');
-- Look with the county's eyes: only the own-township change happened.
select xz_test.bind('county', '330599', '', '', 'sub-county-330599', '', '',
    'req-write-township-check');
select xz_test.is((select count(*) from villages where population = 4242),
    0::bigint, 'no village outside the township was changed');
select xz_test.is((select population from villages
    where code = '330599001001'), 4241,
    'the own-township update is visible to the county');
rollback;

-- Village user: reads only.
begin;
select xz_test.bind('village', '330599', '330599001', '330599001001',
    'sub-village-001001', '', '', 'req-write-village');
select xz_test.refused($q$update villages set population = 1
    where code = '330599001001'$q$,
    'village user cannot update their own village');
rollback;

-- Partner: reads only.
begin;
select xz_test.bind('partner', '330599', '', '', 'client-partner-all',
    'org:read', '*', 'req-write-partner');
select xz_test.refused($q$update villages set population = 1$q$,
    'partner cannot update villages');
select xz_test.throws($q$insert into townships (code, county_code, name)
    values ('330599201', '330599', 'x')$q$, '42501',
    'partner cannot insert a township');
rollback;

-- County user of 330599.
begin;
select xz_test.bind('county', '330599', '', '', 'sub-county-330599', '', '',
    'req-write-county');
select xz_test.throws($q$insert into villages (code, township_code,
    county_code, name) values ('330600100201', '330600100', '330600', 'x')$q$,
    '42501,23503',
    'county user cannot insert a village into another county');
select xz_test.throws($q$insert into villages (code, township_code,
    county_code, name) values ('330600100202', '330600100', '330599', 'x')$q$,
    '42501,23503,23514',
    'county user cannot insert a village under another county''s township');
select xz_test.throws($q$insert into townships (code, county_code, name)
    values ('330600201', '330600', 'x')$q$, '42501',
    'county user cannot insert a township into another county');
select xz_test.refused($q$update townships set name = 'x'
    where code = '330600100'$q$,
    'county user cannot update a township of another county');
select xz_test.refused($q$update villages set population = 1
    where code = '330600100200'$q$,
    'county user cannot update a village of another county');
select xz_test.affects($q$update townships set name = '测试镇'
    where code = '330599001'$q$, 1,
    'county user can rename a township of their county');
select xz_test.affects($q$insert into villages (code, township_code,
    county_code, name) values ('330599001901', '330599001', '330599', 'x')$q$,
    1, 'county user can insert a village into their county');
rollback;

-- Columns the service may not write, and statements it may not run.
begin;
select xz_test.bind('county', '330599', '', '', 'sub-county-330599', '', '',
    'req-write-columns');
select xz_test.throws($q$update villages set code = '330599001999'
    where code = '330599001001'$q$, '42501',
    'UPDATE villages.code is refused');
select xz_test.throws($q$update villages set township_code = '330599002'
    where code = '330599001001'$q$, '42501',
    'UPDATE villages.township_code is refused');
select xz_test.throws($q$update villages set county_code = '330600'
    where code = '330599001001'$q$, '42501',
    'UPDATE villages.county_code is refused');
select xz_test.throws($q$update villages set version = 99
    where code = '330599001001'$q$, '42501',
    'UPDATE villages.version is refused');
select xz_test.throws($q$update villages set created_at = now()
    where code = '330599001001'$q$, '42501',
    'UPDATE villages.created_at is refused');
select xz_test.throws($q$update townships set code = '330599999'
    where code = '330599001'$q$, '42501',
    'UPDATE townships.code is refused');
select xz_test.throws($q$update townships set county_code = '330600'
    where code = '330599001'$q$, '42501',
    'UPDATE townships.county_code is refused');
select xz_test.throws($q$update townships set version = 99
    where code = '330599001'$q$, '42501',
    'UPDATE townships.version is refused');
select xz_test.throws($q$update counties set name = 'x'
    where code = '330599'$q$, '42501', 'UPDATE counties.name is refused');
select xz_test.throws($q$insert into counties (code, name)
    values ('330601', 'x')$q$, '42501', 'INSERT into counties is refused');
select xz_test.throws($q$delete from villages where code = '330599001001'$q$,
    '42501', 'DELETE from villages is refused');
select xz_test.throws($q$delete from townships where code = '330599001'$q$,
    '42501', 'DELETE from townships is refused');
select xz_test.throws($q$truncate villages$q$, '42501',
    'TRUNCATE villages is refused');
select xz_test.throws($q$alter table villages disable row level security$q$,
    '42501', 'the service cannot switch row security off');
select xz_test.throws($q$create table public.xz_sneaky (township_code
    char(9))$q$, '42501', 'the service cannot create tables in public');
select xz_test.throws($q$set role xiangzhi_owner$q$, '42501',
    'the service cannot become the owner');
select xz_test.affects($q$update villages set name = '改名村',
    population = 7, households = 3, natural_village_count = 2
    where code = '330599001001'$q$, 1,
    'the granted village columns can be updated');
rollback;

-- A version bump is the trigger's job, never the caller's.
begin;
select xz_test.bind('county', '330599', '', '', 'sub-county-330599', '', '',
    'req-write-version');
select set_config('xz_test.v0', (select version::text from villages
    where code = '330599001002'), true);
select xz_test.affects($q$update villages set households = households
    where code = '330599001002'$q$, 1, 'a no-op update of a village succeeds');
select xz_test.is((select version from villages where code = '330599001002')
    - current_setting('xz_test.v0')::integer, 1,
    'an update bumps the row version by one');
rollback;

-- transaction_read_only bound 'on' (GETs) makes every write fail.
begin;
select xz_test.bind('county', '330599', '', '', 'sub-county-330599', '', '',
    'req-write-ro', 'on');
select xz_test.is(current_setting('transaction_read_only'), 'on',
    'the claims statement turns the transaction read-only');
select xz_test.throws($q$update villages set population = 1
    where code = '330599001001'$q$, '25006',
    'a read-only transaction refuses UPDATE');
select xz_test.throws($q$insert into villages (code, township_code,
    county_code, name) values ('330599001902', '330599001', '330599', 'x')$q$,
    '25006', 'a read-only transaction refuses INSERT');
select xz_test.throws($q$select set_config('transaction_read_only', 'off',
    true)$q$, '25001',
    'a read-only transaction cannot be switched back to read-write');
rollback;
