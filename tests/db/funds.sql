-- Agricultural funds (0004_funds.sql): tenancy per role, the service's
-- privileges, the append-only ledger, and every money and workflow rule
-- enforced by the database itself (also when the service writes rows
-- directly rather than through the xz.fund_* functions).  Run as the
-- service's role by tests/db/run.sh, in one transaction rolled back at the
-- end.  Ids are kept in psql variables (\gset).
--
-- Fixture, built through the service's own grants and policies:
--   source S (330599, 1,000,000.00 yuan); allocations A1 -> 330599001
--   (600,000.00) and A2 -> 330599002 (300,000.00); source SX of 330600
--   with allocation AX -> 330600100.
--   P1: village-run project of 330599001200, 1000 people x 300.00 yuan,
--   funded from A1, taken through the workflow and paid.
--   P2: contractor project of township 330599002 (draft).

begin;

select xz_test.bind('county', '330600', '', '', 'db-county-x', '', '',
    'req-funds-0');
insert into fund_sources (county_code, name, category, fiscal_year,
    total_fen) values ('330600', '邻县资金', 'other', 2026, 100000000)
    returning id as sx \gset
select xz.fund_allocate(:'sx', '330600100', 1000000, '邻县', 'LX-1')
    ->> 'id' as ax \gset

select xz_test.bind('county', '330599', '', '', 'db-county-1', '', '',
    'req-funds-1');
insert into fund_sources (county_code, name, category, fiscal_year,
    total_fen) values ('330599', '测试整合资金', 'integrated_agriculture', 2026,
    100000000) returning id as s \gset
select xz.fund_allocate(:'s', '330599001', 60000000, '测试', 'DB-1')
    ->> 'id' as a1 \gset
select xz.fund_allocate(:'s', '330599002', 30000000, '测试', 'DB-2')
    ->> 'id' as a2 \gset
select xz_test.is((select allocated_fen from fund_sources where id = :'s'),
    90000000::bigint, 'allocations add up on the source');
select xz_test.throws(format($q$select xz.fund_allocate(%L, '330599003',
    10000001, 'x', 'DB-3')$q$, :'s'), 'XZ409',
    'a source cannot be allocated beyond its total');
select xz_test.throws(format($q$select xz.fund_allocate(%L, '330599001',
    1, 'x', 'DB-1')$q$, :'s'), 'XZ409',
    'a document number is used once per source and township');
select xz_test.throws(format($q$select xz.fund_allocate(%L, '330600100',
    1, 'x', 'DB-9')$q$, :'s'), 'XZ404',
    'no allocation to another county''s township');
select xz_test.throws(format($q$select xz.fund_allocate(%L, '330599001',
    1, 'x', 'DB-9')$q$, :'sx'), 'XZ404',
    'another county''s source is not found');
select xz_test.refused($q$update fund_sources set allocated_fen = 0$q$,
    'the service cannot set a source''s allocated counter');
select xz_test.refused(format($q$update fund_allocations set
    committed_fen = 0 where id = %L$q$, :'a1'),
    'the service cannot set an allocation''s counters');
select xz_test.refused(format($q$insert into fund_ledger (kind, county_code,
    township_code, source_id, allocation_id, amount_fen) values
    ('allocation', '330599', '330599001', %L, %L, 100)$q$, :'s', :'a1'),
    'the service cannot write an allocation entry by itself');
select xz_test.throws(format($q$select xz.fund_withdraw(%L, 60000001,
    'x')$q$, :'a1'), 'XZ409',
    'a withdrawal cannot exceed what is not committed');
select xz_test.is((xz.fund_withdraw(:'a2', 1000000, '调减')
    ->> 'withdrawn_fen')::bigint, 1000000::bigint,
    'the county withdraws uncommitted money');
select xz_test.is((select allocated_fen from fund_sources where id = :'s'),
    89000000::bigint, 'a withdrawal returns money to the source');

-- Township 330599001 (user a) builds P1.
select xz_test.bind('township', '330599', '330599001', '', 'db-twp-a', '',
    '', 'req-funds-2');
select xz_test.is((select count(*) from fund_allocations where id in
    (:'a1', :'a2', :'ax') or township_code <> '330599001')::integer, 1,
    'a township sees only its own allocations');
select xz_test.is((select count(*) from fund_sources where id in (:'s',
    :'sx'))::integer, 1, 'a township reads its county''s sources only');
select xz_test.refused(format($q$insert into fund_ledger (kind, county_code,
    township_code, source_id, allocation_id, amount_fen, reason) values
    ('withdrawal', '330599', '330599001', %L, %L, 100, 'x')$q$, :'s',
    :'a1'), 'a township cannot withdraw an allocation');
select xz.fund_project_create('{"title": "测试雨污分流", "category":
    "rain_sewage_separation", "village_code": "330599001200", "delivery":
    "village_run", "population_served": 1000, "per_capita_fen": 30000,
    "planned_craftsmen_pct": 60, "budget_fen": 30000000, "planned_start":
    "2026-03-01", "planned_end": "2026-10-31"}') ->> 'id' as p1 \gset
select xz_test.throws($q$select xz.fund_project_create('{"title": "x",
    "category": "other", "village_code": "330599001200", "delivery":
    "village_run", "population_served": 10, "per_capita_fen": 100,
    "planned_craftsmen_pct": 0, "budget_fen": 1001, "planned_start":
    "2026-03-01", "planned_end": "2026-10-31"}')$q$, 'XZ400',
    'a village-run budget is population x per-capita');
select xz_test.throws($q$insert into fund_projects (county_code,
    township_code, title, category, delivery, contractor, budget_fen,
    planned_start, planned_end) values ('330599', '330599001', 'x',
    'other', 'contractor', 'c', 100, '2026-01-02', '2026-01-01')$q$,
    '23514', 'planned_end cannot precede planned_start');
select xz_test.refused($q$insert into fund_projects (county_code,
    township_code, title, category, delivery, contractor, budget_fen,
    planned_start, planned_end) values ('330599', '330599002', 'x',
    'other', 'contractor', 'c', 100, '2026-01-01', '2026-01-02')$q$,
    'a township cannot create a project in another township');
select xz_test.throws(format($q$select xz.fund_commit(%L, %L, 100)$q$,
    :'p1', :'a2'), 'XZ404', 'another township''s allocation is not found');
select xz_test.throws(format($q$select xz.fund_commit(%L, %L,
    30000001)$q$, :'p1', :'a1'), 'XZ409',
    'a commitment cannot exceed the project budget');
select xz_test.is((xz.fund_commit(:'p1', :'a1', 20000000) ->>
    'committed_fen')::bigint, 20000000::bigint, 'a commitment is made');
select xz_test.is((xz.fund_commit(:'p1', :'a1', 10000000) ->>
    'committed_fen')::bigint, 30000000::bigint,
    'a second commitment tops up the same funding line');
select xz_test.is((select count(*) from fund_project_lines
    where project_id = :'p1')::integer, 1, 'one line per allocation');
select xz_test.is((select committed_fen from fund_allocations
    where id = :'a1'), 30000000::bigint, 'the allocation holds it');
select xz_test.refused(format($q$update fund_projects set committed_fen = 0
    where id = %L$q$, :'p1'),
    'the service cannot set a project''s counters');
select xz_test.throws(format($q$update fund_projects set status =
    'in_progress' where id = %L$q$, :'p1'), 'XZ409',
    'a draft cannot jump to in_progress, even by a direct update');
select xz_test.throws(format($q$update fund_projects set status = 'filed'
    where id = %L$q$, :'p1'), 'XZ409',
    'a draft cannot be filed without submission');
select xz_test.is(xz.fund_transition(:'p1', 'submit', null, '{}') ->>
    'status', 'submitted', 'the township submits');
select xz_test.throws(format($q$select xz.fund_transition(%L, 'approve',
    null, '{}')$q$, :'p1'), 'XZ403',
    'maker-checker: the submitter cannot approve');
select xz_test.throws(format($q$update fund_projects set status = 'filed'
    where id = %L$q$, :'p1'), 'XZ403',
    'maker-checker holds for a direct update too');

-- Township user b approves; the limit is above the budget.
select xz_test.bind('township', '330599', '330599001', '', 'db-twp-b', '',
    '', 'req-funds-3');
select xz_test.is(xz.fund_transition(:'p1', 'approve', null, '{}') ->>
    'status', 'filed', 'another township user approves: filed');
select xz_test.is((select approval_level || '/' || approved_by
    from fund_projects where id = :'p1'), 'township/db-twp-b',
    'the approval is stamped by the database');
select xz_test.is((select status from fund_filings where project_id =
    :'p1'), 'pending_review', 'a filing awaits the county');
select xz_test.throws(format($q$update fund_projects set title = 'y'
    where id = %L$q$, :'p1'), 'XZ409',
    'a filed project''s content cannot change');
select xz_test.throws(format($q$update fund_projects set actual_cost_fen = 1
    where id = %L$q$, :'p1'), 'XZ409',
    'acceptance figures are set only by completing');
select xz_test.throws(format($q$select xz.fund_transition(%L, 'review',
    null, '{"decision": "passed"}')$q$, :'p1'), 'XZ403',
    'a township cannot review');
select xz_test.refused($q$insert into fund_project_history (project_id,
    county_code, township_code, actor_sub, actor_role, action, to_status)
    select id, county_code, township_code, 'x', 'x', 'x', 'x'
    from fund_projects limit 1$q$,
    'the service cannot forge history');

select xz_test.bind('county', '330599', '', '', 'db-county-1', '', '',
    'req-funds-4');
select xz_test.is(xz.fund_transition(:'p1', 'review', null,
    '{"decision": "passed"}') ->> 'status', 'review_passed',
    'the county passes the review');
select xz_test.is((select status from fund_filings where project_id =
    :'p1'), 'review_passed', 'the filing records the review');

select xz_test.bind('township', '330599', '330599001', '', 'db-twp-b', '',
    '', 'req-funds-5');
select xz_test.throws(format($q$select * from xz.fund_disburse(%L, 'k0',
    '{"amount_fen": 1, "payee_kind": "contractor", "payee_name": "x",
    "voucher_no": "V0", "paid_on": "2026-05-01"}')$q$, :'p1'), 'XZ409',
    'no payment before the project is in progress');
select xz_test.is(xz.fund_transition(:'p1', 'start', null, '{}') ->>
    'status', 'in_progress', 'the township starts the works');
select body ->> 'id' as d1 from xz.fund_disburse(:'p1', 'k1',
    '{"amount_fen": 10000000, "payee_kind": "village_collective",
    "payee_name": "村集体", "voucher_no": "V1", "paid_on": "2026-05-01"}')
    \gset
select xz_test.is((select replayed from xz.fund_disburse(:'p1', 'k1',
    '{"amount_fen": 10000000, "payee_kind": "village_collective",
    "payee_name": "村集体", "voucher_no": "V1", "paid_on": "2026-05-01"}')),
    true, 'the same key and request replay');
select xz_test.is((select (body ->> 'id') from xz.fund_disburse(:'p1', 'k1',
    '{"amount_fen": 10000000, "payee_kind": "village_collective",
    "payee_name": "村集体", "voucher_no": "V1", "paid_on": "2026-05-01"}')),
    :'d1', 'a replay returns the first payment');
select xz_test.throws(format($q$select * from xz.fund_disburse(%L, 'k1',
    '{"amount_fen": 10000001, "payee_kind": "village_collective",
    "payee_name": "村集体", "voucher_no": "V1", "paid_on": "2026-05-01"}')$q$,
    :'p1'), 'XZ422', 'the same key with another request is refused');
select xz_test.throws(format($q$select * from xz.fund_disburse(%L, 'k2',
    '{"amount_fen": 20000001, "payee_kind": "contractor", "payee_name":
    "x", "voucher_no": "V2", "paid_on": "2026-05-01"}')$q$, :'p1'),
    'XZ409', 'a payment cannot exceed the committed funds');
select xz_test.throws(format($q$select * from xz.fund_disburse(%L, 'k3',
    '{"amount_fen": 1, "payee_kind": "contractor", "payee_name": "x",
    "voucher_no": "V1", "paid_on": "2026-05-01"}')$q$, :'p1'), 'XZ409',
    'a voucher number is used once per township');
select xz_test.throws(format($q$insert into fund_disbursements (project_id,
    county_code, township_code, amount_fen, payee_kind, payee_name,
    voucher_no, paid_on, idempotency_key, request_hash) values (%L,
    '330599', '330599001', 20000001, 'contractor', 'x', 'V9',
    '2026-05-01', 'k9', 'h')$q$, :'p1'), 'XZ409',
    'a direct insert cannot overspend either');
select xz_test.throws(format($q$insert into fund_ledger (kind, county_code,
    township_code, source_id, allocation_id, project_id, amount_fen)
    values ('disbursement', '330599', '330599001', %L, %L, %L, 1)$q$,
    :'s', :'a1', :'p1'), 'XZ403,42501',
    'the service cannot write a payment entry without a disbursement');
select xz_test.is((select disbursed_fen from fund_projects where id =
    :'p1'), 10000000::bigint, 'the project shows the payment');
select xz_test.is((select replayed from xz.fund_reverse(:'d1', 'k4',
    '录入错误')), false, 'a payment is reversed');
select xz_test.throws(format($q$select * from xz.fund_reverse(%L, 'k5',
    'x')$q$, :'d1'), 'XZ409', 'a payment is reversed once');
select xz_test.is((select disbursed_fen from fund_projects where id =
    :'p1'), 0::bigint, 'the reversal restores the balance');
select xz_test.refused($q$update fund_disbursements set amount_fen = 1$q$,
    'disbursements cannot be edited');
select xz_test.refused($q$delete from fund_disbursements$q$,
    'disbursements cannot be deleted');
select xz_test.throws($q$update fund_ledger set amount_fen = 1$q$, '42501',
    'the ledger cannot be updated');
select xz_test.throws($q$delete from fund_ledger$q$, '42501',
    'the ledger cannot be deleted from');

-- Another township and other roles see none of P1's money.
select xz_test.bind('township', '330599', '330599002', '', 'db-twp-c', '',
    '', 'req-funds-6');
select xz_test.is((select count(*) from fund_projects where id =
    :'p1')::integer, 0, 'another township does not see the project');
select xz_test.is((select count(*) from fund_ledger where township_code <>
    '330599002')::integer, 0, 'nor another township''s ledger');
select xz_test.throws(format($q$select * from xz.fund_disburse(%L, 'k6',
    '{"amount_fen": 1, "payee_kind": "contractor", "payee_name": "x",
    "voucher_no": "V6", "paid_on": "2026-05-01"}')$q$, :'p1'), 'XZ404',
    'nor pay it');
select xz.fund_project_create('{"title": "测试村道", "category":
    "village_road", "delivery": "contractor", "contractor": "某公司",
    "budget_fen": 40000000, "planned_start": "2026-03-01", "planned_end":
    "2026-10-31"}') ->> 'id' as p2 \gset
select xz_test.throws(format($q$select xz.fund_commit(%L, %L,
    29000001)$q$, :'p2', :'a2'), 'XZ409',
    'a commitment cannot exceed the allocation''s available money');
select xz_test.is((xz.fund_commit(:'p2', :'a2', 29000000) ->>
    'committed_fen')::bigint, 29000000::bigint,
    'the whole available money can be committed');
select xz_test.is(xz.fund_transition(:'p2', 'submit', null, '{}') ->>
    'status', 'submitted', 'P2 is submitted');
select xz_test.bind('township', '330599', '330599002', '', 'db-twp-d', '',
    '', 'req-funds-7');
select xz_test.throws(format($q$select xz.fund_transition(%L, 'approve',
    null, '{}')$q$, :'p2'), 'XZ409',
    'a project not fully funded cannot be approved');

select xz_test.bind('village', '330599', '330599001', '330599001200',
    'db-vil-1', '', '', 'req-funds-8');
select xz_test.is((select count(*) from fund_projects where id in (:'p1',
    :'p2'))::integer, 1, 'a village sees its own village''s project');
select xz_test.is((select count(*) from fund_disbursements where project_id
    = :'p1')::integer, 2, 'and its payments');
select xz_test.is((select count(*) from fund_allocations)::integer, 0,
    'but no allocation');
select xz_test.is((select count(*) from fund_ledger)::integer, 0,
    'and no ledger entry');
select xz_test.refused(format($q$update fund_projects set title = 'z'
    where id = %L$q$, :'p1'),
    'a village cannot change a project past the draft');

select xz_test.bind('partner', '330599', '', '', 'db-partner', 'funds:read',
    '330599002', 'req-funds-9');
select xz_test.is((select count(*) from fund_projects where id in (:'p1',
    :'p2'))::integer, 1, 'a partner sees projects of granted townships');
select xz_test.is((select count(*) from fund_allocations where township_code
    <> '330599002')::integer, 0, 'and their allocations only');
select xz_test.is((select count(*) from fund_disbursements)::integer, 0,
    'but no payment');
select xz_test.bind('partner', '330599', '', '', 'db-partner', 'coops:read',
    '*', 'req-funds-10');
select xz_test.is((select count(*) from fund_projects)::integer, 0,
    'a partner without funds:read sees no project');

select xz_test.bind('county', '330600', '', '', 'db-county-x', '', '',
    'req-funds-11');
select xz_test.is((select count(*) from fund_projects where county_code =
    '330599')::integer, 0, 'another county sees nothing of 330599');
select xz_test.throws(format($q$select xz.fund_transition(%L, 'review',
    null, '{"decision": "revoked", "reason": "x"}')$q$, :'p1'), 'XZ404',
    'nor reviews its projects');

-- The approval limit, revocation (every commitment released) and a
-- revoked project never paid.
select xz_test.bind('county', '330599', '', '', 'db-county-1', '', '',
    'req-funds-12');
select xz_test.affects($q$update fund_settings set
    township_approval_limit_fen = 1000000 where county_code = '330599'$q$,
    1, 'the county sets the township approval limit');
select xz_test.bind('township', '330599', '330599002', '', 'db-twp-d', '',
    '', 'req-funds-13');
select xz_test.refused($q$update fund_settings set
    township_approval_limit_fen = 1$q$,
    'a township cannot change the limit');
select xz_test.throws(format($q$select xz.fund_transition(%L, 'return',
    null, '{}')$q$, :'p2'), 'XZ400', 'a return needs a reason');
select xz_test.is(xz.fund_transition(:'p2', 'return', null,
    '{"reason": "预算调整"}') ->> 'status', 'draft', 'a return goes to draft');
select xz_test.is(xz.fund_project_patch(:'p2', null,
    '{"budget_fen": 29000000}') ->> 'budget_fen', '29000000',
    'a draft''s budget changes');
select xz_test.throws(format($q$select xz.fund_project_patch(%L, null,
    '{"budget_fen": 28999999}')$q$, :'p2'), 'XZ409',
    'the budget cannot fall below what is committed');
select xz_test.throws(format($q$select xz.fund_project_patch(%L, 1,
    '{"budget_fen": 29000000}')$q$, :'p2'), 'XZ412',
    'a stale version is refused');
select xz_test.is(xz.fund_transition(:'p2', 'submit', null, '{}') ->>
    'status', 'submitted', 'resubmitted');
select xz_test.bind('township', '330599', '330599002', '', 'db-twp-c', '',
    '', 'req-funds-14');
select xz_test.throws(format($q$select xz.fund_transition(%L, 'approve',
    null, '{}')$q$, :'p2'), 'XZ403',
    'a township cannot approve above the limit');
select xz_test.bind('county', '330599', '', '', 'db-county-1', '', '',
    'req-funds-15');
select xz_test.is(xz.fund_transition(:'p2', 'approve', null, '{}') ->>
    'approval_level', 'county', 'the county approves above the limit');
select xz_test.throws(format($q$select xz.fund_transition(%L, 'review',
    null, '{"decision": "revoked"}')$q$, :'p2'), 'XZ400',
    'a revocation needs a reason');
select xz_test.is(xz.fund_transition(:'p2', 'review', null,
    '{"decision": "revoked", "reason": "不符合条件"}') ->> 'committed_fen',
    '0', 'revocation releases the commitments');
select xz_test.is((select committed_fen from fund_allocations where id =
    :'a2'), 0::bigint, 'the allocation has the money back');
select xz_test.bind('township', '330599', '330599002', '', 'db-twp-c', '',
    '', 'req-funds-16');
select xz_test.throws(format($q$insert into fund_disbursements (project_id,
    county_code, township_code, amount_fen, payee_kind, payee_name,
    voucher_no, paid_on, idempotency_key, request_hash) values (%L,
    '330599', '330599002', 1, 'contractor', 'x', 'V9', '2026-05-01', 'k9',
    'h')$q$, :'p2'), 'XZ409', 'a revoked project cannot be paid');
select xz_test.is((select string_agg(action || ':' || to_status, ','
    order by id) from fund_project_history where project_id = :'p2'),
    'create:draft,submit:submitted,return:draft,submit:submitted,' ||
    'approve:approved,file:filed,review:revoked',
    'the history has every step');

select xz_test.bind('county', '330599', '', '', 'db-county-1', '', '',
    'req-funds-17');
select xz_test.is((xz.fund_ledger_verify() ->> 'ok')::boolean, true,
    'the counters agree with the ledger');
select xz_test.ok((select count(*) from audit_log where request_id like
    'req-funds-%' and entity = 'fund_disbursements') = 2,
    'payments are audited');

rollback;
