-- Row policies, reads: run as the service's role (xiangzhi_app) by
-- tests/db/run.sh.  Each block binds claims the way the service does
-- (xz_test.bind is the service's set_config statement) inside a
-- transaction that is rolled back.  Expected sets come from xz_test.truth,
-- the owner's view taken by setup.sql.  Demo county 330599; setup.sql adds
-- county 330600 (township 330600100, village 330600100200).

-- Nothing bound at all (a session that never set a claim).
begin;
select xz_test.is((select count(*) from counties), 0::bigint,
    'no claims: no county visible');
select xz_test.is((select count(*) from townships), 0::bigint,
    'no claims: no township visible');
select xz_test.is((select count(*) from villages), 0::bigint,
    'no claims: no village visible');
select xz_test.is((select count(*) from audit_log), 0::bigint,
    'no claims: no audit row visible');
rollback;

-- Everything bound as empty strings (what the service sends for absent
-- claims) fails closed too.
begin;
select xz_test.bind('', '', '', '', '', '', '', '');
select xz_test.is((select count(*) from counties) +
    (select count(*) from townships) + (select count(*) from villages) +
    (select count(*) from audit_log), 0::bigint,
    'empty claims: no county, township, village or audit row visible');
rollback;

-- A role without a county, and an unknown role with a county, see nothing.
begin;
select xz_test.bind('county', '', '', '', 'sub-no-county', '', '', 'r0');
select xz_test.is((select count(*) from townships) +
    (select count(*) from villages), 0::bigint,
    'county role without a county claim sees nothing');
select xz_test.bind('admin', '330599', '', '', 'sub-bad-role', '', '*', 'r0');
select xz_test.is((select count(*) from townships) +
    (select count(*) from villages) + (select count(*) from audit_log),
    0::bigint, 'unknown role sees no township, village or audit row');
rollback;

-- County user of 330599.
begin;
select xz_test.bind('county', '330599', '', '', 'sub-county-330599', '', '',
    'req-read-county');
select xz_test.set_eq($q$select code from counties$q$, '{330599}',
    'county user sees exactly their own county');
select xz_test.set_eq($q$select code from townships$q$,
    xz_test.want('township', $q$county_code = '330599'$q$),
    'county user sees exactly the townships of 330599');
select xz_test.set_eq($q$select code from villages$q$,
    xz_test.want('village', $q$county_code = '330599'$q$),
    'county user sees exactly the villages of 330599');
select xz_test.is((select count(*) from townships where code = '330600100') +
    (select count(*) from villages where code = '330600100200') +
    (select count(*) from counties where code = '330600'), 0::bigint,
    'county user of 330599 cannot fetch county 330600 rows by key');
select xz_test.is((select count(*) from audit_log
    where county_code is distinct from '330599'), 0::bigint,
    'county user sees no audit row outside their county');
select xz_test.ok((select count(*) from audit_log) > 0,
    'county user sees their county''s audit trail');
rollback;

-- County user of 330600: the mirror image.
begin;
select xz_test.bind('county', '330600', '', '', 'sub-county-330600', '', '',
    'req-read-county2');
select xz_test.set_eq($q$select code from townships$q$, '{330600100}',
    'county user of 330600 sees exactly township 330600100');
select xz_test.set_eq($q$select code from villages$q$, '{330600100200}',
    'county user of 330600 sees exactly village 330600100200');
rollback;

-- Township user of 330599001.
begin;
select xz_test.bind('township', '330599', '330599001', '',
    'sub-township-001', '', '', 'req-read-township');
select xz_test.set_eq($q$select code from townships$q$, '{330599001}',
    'township user sees only their own township');
select xz_test.set_eq($q$select code from villages$q$,
    xz_test.want('village', $q$township_code = '330599001'$q$),
    'township user sees exactly their township''s villages');
select xz_test.is((select count(*) from villages
    where code = '330599002001'), 0::bigint,
    'township user cannot fetch a neighbouring township''s village by key');
select xz_test.is((select count(*) from audit_log
    where township_code is distinct from '330599001'), 0::bigint,
    'township user sees no audit row of another township');
rollback;

-- A township claim naming another county's township does not cross the
-- county line: policies check the county too.
begin;
select xz_test.bind('township', '330599', '330600100', '',
    'sub-township-forged', '', '', 'req-read-forged');
select xz_test.is((select count(*) from townships) +
    (select count(*) from villages), 0::bigint,
    'township claim of another county under county 330599 sees nothing');
rollback;

-- Village user of 330599001001.
begin;
select xz_test.bind('village', '330599', '330599001', '330599001001',
    'sub-village-001001', '', '', 'req-read-village');
select xz_test.set_eq($q$select code from villages$q$, '{330599001001}',
    'village user sees only their own village');
select xz_test.set_eq($q$select code from townships$q$, '{330599001}',
    'village user sees only their own township');
select xz_test.is((select count(*) from audit_log), 0::bigint,
    'village user sees no audit row');
rollback;

-- Partner granted the whole county.
begin;
select xz_test.bind('partner', '330599', '', '', 'client-partner-all',
    'org:read', '*', 'req-read-partner-all');
select xz_test.set_eq($q$select code from townships$q$,
    xz_test.want('township', $q$county_code = '330599'$q$),
    'partner with townships * sees every township of the county');
select xz_test.set_eq($q$select code from villages$q$,
    xz_test.want('village', $q$county_code = '330599'$q$),
    'partner with townships * sees every village of the county and none of 330600');
select xz_test.is((select count(*) from audit_log), 0::bigint,
    'partner sees no audit row');
rollback;

-- Partner granted a list of townships.
begin;
select xz_test.bind('partner', '330599', '', '', 'client-partner-list',
    'org:read', '330599002,330599101', 'req-read-partner-list');
select xz_test.set_eq($q$select code from townships$q$,
    '{330599002,330599101}',
    'partner with a list sees only the listed townships');
select xz_test.set_eq($q$select code from villages$q$,
    xz_test.want('village',
    $q$township_code in ('330599002', '330599101')$q$),
    'partner with a list sees exactly the listed townships'' villages');
rollback;

-- A list naming another county's township grants nothing there.
begin;
select xz_test.bind('partner', '330599', '', '', 'client-partner-foreign',
    'org:read', '330600100', 'req-read-partner-foreign');
select xz_test.is((select count(*) from townships) +
    (select count(*) from villages), 0::bigint,
    'partner list naming a township of another county sees nothing');
rollback;

-- Partner with an empty or unset grant.
begin;
select xz_test.bind('partner', '330599', '', '', 'client-partner-empty',
    'org:read', '', 'req-read-partner-empty');
select xz_test.is((select count(*) from townships) +
    (select count(*) from villages), 0::bigint,
    'partner with an empty grant sees nothing');
rollback;

begin;
select set_config('app.role', 'partner', true),
    set_config('app.county', '330599', true),
    set_config('app.sub', 'client-partner-unset', true);
select xz_test.is((select count(*) from townships) +
    (select count(*) from villages), 0::bigint,
    'partner with no townships setting at all sees nothing');
rollback;

-- Claims are transaction-local: once the transaction ends, nothing stays
-- bound for the next request on the same connection.
begin;
select xz_test.bind('county', '330599', '', '', 'sub-county-330599', '', '',
    'req-read-local');
select count(*) from villages;
commit;
select xz_test.is((select count(*) from villages), 0::bigint,
    'claims do not outlive their transaction');
