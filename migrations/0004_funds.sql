-- Agricultural funds (issue 5): county fund sources and allocations to
-- townships, township projects with the approval workflow, county filing
-- and review, funding lines (commitments), disbursements and reversals, an
-- append-only ledger every balance derives from, and reports.  Runs as
-- xiangzhi_owner in one transaction (xiangzhi-admin migrate).
--
-- Decisions (the why of this file; app/funds builds on them):
--
-- 1. The ledger is the truth.  fund_ledger is append-only (no UPDATE,
--    DELETE or TRUNCATE, for anyone: a statement trigger refuses them).
--    Every movement of money is one ledger row: allocation and withdrawal
--    (source <-> township allocation), commitment and release (allocation
--    <-> project funding line), disbursement and reversal (funding line ->
--    payee).  Amounts are positive; the kind gives the direction.
-- 2. Balances are counters maintained by one BEFORE INSERT trigger on the
--    ledger (xz.fund_ledger_apply, SECURITY DEFINER: the service cannot
--    update any counter itself).  The trigger is the single choke point
--    where the money rules are enforced, whoever inserts: it updates
--    counters with guarded UPDATEs (... where counter + amount <= limit),
--    which under READ COMMITTED re-check the newest row version after
--    waiting for a concurrent writer, so concurrent requests can never
--    overspend; CHECK constraints on the counters repeat the limits.  A
--    refusal is SQLSTATE XZ409 with a stable code (the service answers it
--    as problem+json, app/http/request.c).  GET /funds/ledger/verify
--    recomputes every counter from the ledger (xz.fund_ledger_verify).
-- 3. Who inserts ledger rows.  Allocation rows and disbursement rows (the
--    business records, with document and voucher numbers) write their
--    ledger rows through SECURITY DEFINER triggers; the service cannot
--    insert those kinds.  Withdrawals (county), commitments and releases
--    (township; releases also county, on revocation) are inserted by the
--    service's functions below, under a row policy per kind and role.
-- 4. Lock order, to keep concurrent money paths free of deadlocks:
--    project, then its funding lines, then allocations, then the source,
--    then the township's totals row; several lines or allocations are
--    always taken in (source_id, allocation_id) order.
-- 5. Workflow.  draft -> submitted -> (approved) filed -> review_passed |
--    rectification_required | revoked; rectification_required ->
--    submitted; submitted -> draft (returned); review_passed ->
--    in_progress -> completed -> closed.  An approval moves the row
--    straight to filed (history shows both steps: submitted -> approved by
--    the approver, approved -> filed by the system) and writes a filing
--    record for the county.  The rules live in a BEFORE UPDATE trigger
--    (xz.fund_project_guard): legal transitions, who may make them
--    (approval by someone other than the submitter; township approvals up
--    to the county's limit, 400,000 yuan by default; review by the county;
--    full funding before approval), and stamps who and when.  Content
--    (title, budget, ...) changes only in draft and rectification_required.
-- 6. Commitments are made when a funding line is added (draft, submitted,
--    rectification_required) and released on demand in those states, on
--    revocation (all) and on closing (what was not paid).  A project can
--    be approved only when committed = budget.  Payments are allowed in
--    in_progress and completed; a revoked project can never be paid.
--    A payment is split over the project's funding lines in (source,
--    allocation) order; a reversal reverses exactly its payment's entries.
-- 7. Amounts: every amount is a bigint fen in 1 .. 10^13 (100 billion
--    yuan); a source total at most 10^14.  Counters are bounded by their
--    limits, so no sum the service keeps can overflow; reports sum into
--    numeric.
-- 8. Idempotency: a disbursement (payment or reversal) carries the
--    caller's Idempotency-Key, unique per caller (created_by), with a hash
--    of the request; a retry returns the first row, the same key with
--    another request is XZ422.  Concurrent retries wait on the project
--    lock and then find the first row.
-- 9. Reports read counters, never the ledger.  Township reports read
--    allocations, funding lines and projects.  The county summary reads
--    fund_township_totals: allocated and committed on slot 0 of each
--    township (moved by allocations, withdrawals, commitments and
--    releases, which are rare and serialised per allocation anyway), and
--    disbursed spread over slots 1-16 by project, so concurrent payments
--    of one township seldom wait on the same row.  The summary thus reads
--    at most 17 rows per township, however many projects and payments
--    there are.
-- 10. Access (row policies): county users read their county and write
--    sources, allocations, settings, reviews and approvals; township users
--    read their township (and the county's sources and settings) and own
--    its projects and payments; village users read and propose their
--    village's projects and see their money (and the county's source
--    names); partners with funds:read read
--    projects, allocations and funding lines (the figures of the reports)
--    of their granted townships, never payments or the ledger list.

------------------------------------------------------------------------
-- Tables.

create table fund_settings (
	county_code	char(6) primary key references counties (code),
	township_approval_limit_fen bigint not null default 40000000
			    check (township_approval_limit_fen between 1 and
			    10000000000000),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now()
);

create table fund_sources (
	id		uuid primary key default gen_random_uuid(),
	county_code	char(6) not null references counties (code),
	name		text not null check (char_length(name) between 1 and 100),
	category	text not null
			    check (category in ('integrated_agriculture',
			    'livelihood', 'rural_revitalisation', 'other')),
	fiscal_year	integer not null check (fiscal_year between 2000 and 2100),
	total_fen	bigint not null
			    check (total_fen between 1 and 100000000000000),
	allocated_fen	bigint not null default 0,
	document_no	text check (char_length(document_no) between 1 and 64),
	created_by	text not null default coalesce(xz.claim('sub'),
			    current_user),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	unique (id, county_code),
	check (allocated_fen between 0 and total_fen)
);
create index fund_sources_county on fund_sources (county_code, id);

create table fund_allocations (
	id		uuid primary key default gen_random_uuid(),
	county_code	char(6) not null,
	township_code	char(9) not null,
	source_id	uuid not null,
	amount_fen	bigint not null
			    check (amount_fen between 1 and 10000000000000),
	withdrawn_fen	bigint not null default 0,
	committed_fen	bigint not null default 0,
	purpose		text not null
			    check (char_length(purpose) between 1 and 200),
	document_no	text not null
			    check (char_length(document_no) between 1 and 64),
	created_by	text not null default coalesce(xz.claim('sub'),
			    current_user),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	unique (id, township_code),
	unique (source_id, township_code, document_no),
	foreign key (source_id, county_code)
	    references fund_sources (id, county_code),
	foreign key (township_code, county_code)
	    references townships (code, county_code),
	check (withdrawn_fen >= 0 and committed_fen >= 0 and
	    withdrawn_fen + committed_fen <= amount_fen)
);
create index fund_allocations_township on fund_allocations
    (township_code, id);
create index fund_allocations_county on fund_allocations (county_code, id);

create table fund_projects (
	id		uuid primary key default gen_random_uuid(),
	county_code	char(6) not null,
	township_code	char(9) not null,
	village_code	char(12) references villages (code),
	title		text not null check (char_length(title) between 1 and 200),
	category	text not null
			    check (category in ('rain_sewage_separation',
			    'village_road', 'drinking_water',
			    'toilet_renovation', 'sanitation', 'industry',
			    'other')),
	delivery	text not null
			    check (delivery in ('contractor', 'village_run')),
	contractor	text check (char_length(contractor) between 1 and 200),
	population_served integer
			    check (population_served between 1 and 1000000),
	per_capita_fen	bigint check (per_capita_fen between 1 and 100000000),
	planned_craftsmen_pct integer
			    check (planned_craftsmen_pct between 0 and 100),
	budget_fen	bigint not null
			    check (budget_fen between 1 and 10000000000000),
	planned_start	date not null,
	planned_end	date not null,
	committed_fen	bigint not null default 0,
	disbursed_fen	bigint not null default 0,
	status		text not null default 'draft'
			    check (status in ('draft', 'submitted', 'filed',
			    'review_passed', 'rectification_required',
			    'revoked', 'in_progress', 'completed', 'closed')),
	status_reason	text check (char_length(status_reason) between 1 and 500),
	approval_level	text check (approval_level in ('township', 'county')),
	submitted_by	text,
	submitted_at	timestamptz,
	approved_by	text,
	approved_at	timestamptz,
	filed_at	timestamptz,
	reviewed_by	text,
	reviewed_at	timestamptz,
	review_reason	text,
	actual_cost_fen	bigint
			    check (actual_cost_fen between 1 and 10000000000000),
	actual_craftsmen_pct integer
			    check (actual_craftsmen_pct between 0 and 100),
	completed_on	date,
	created_by	text not null default coalesce(xz.claim('sub'),
			    current_user),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	unique (id, township_code),
	foreign key (township_code, county_code)
	    references townships (code, county_code),
	check (village_code is null or left(village_code, 9) = township_code),
	check ((delivery = 'contractor') = (contractor is not null)),
	check ((delivery = 'village_run') = (population_served is not null and
	    per_capita_fen is not null and planned_craftsmen_pct is not null)),
	check (delivery <> 'village_run' or (village_code is not null and
	    budget_fen = population_served::bigint * per_capita_fen)),
	check (planned_end >= planned_start),
	check (disbursed_fen >= 0 and disbursed_fen <= committed_fen and
	    committed_fen <= budget_fen),
	check (approved_by is null or approved_by <> submitted_by)
);
create index fund_projects_township on fund_projects (township_code, id);
create index fund_projects_county on fund_projects (county_code, id);
create index fund_projects_village on fund_projects (village_code, id)
    where village_code is not null;
create index fund_projects_filed on fund_projects (county_code, filed_at)
    where status = 'filed';
create index fund_projects_running on fund_projects
    (county_code, planned_end) where status in ('review_passed',
    'in_progress');
create index fund_projects_village_run on fund_projects (county_code)
    where delivery = 'village_run' and status in ('completed', 'closed');

create table fund_project_lines (
	id		uuid primary key default gen_random_uuid(),
	project_id	uuid not null,
	allocation_id	uuid not null,
	source_id	uuid not null,
	county_code	char(6) not null,
	township_code	char(9) not null,
	village_code	char(12),
	committed_fen	bigint not null default 0,
	disbursed_fen	bigint not null default 0,
	released_fen	bigint not null default 0,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	unique (project_id, allocation_id),
	foreign key (project_id, township_code)
	    references fund_projects (id, township_code),
	foreign key (allocation_id, township_code)
	    references fund_allocations (id, township_code),
	check (disbursed_fen >= 0 and disbursed_fen <= committed_fen and
	    released_fen >= 0)
);
create index fund_project_lines_allocation on fund_project_lines
    (allocation_id);

create table fund_disbursements (
	id		uuid primary key default gen_random_uuid(),
	project_id	uuid not null,
	county_code	char(6) not null,
	township_code	char(9) not null,
	village_code	char(12),
	kind		text not null default 'payment'
			    check (kind in ('payment', 'reversal')),
	amount_fen	bigint not null
			    check (amount_fen between 1 and 10000000000000),
	payee_kind	text not null
			    check (payee_kind in ('contractor',
			    'village_collective', 'cooperative')),
	payee_name	text not null
			    check (char_length(payee_name) between 1 and 200),
	cooperative_id	uuid references cooperatives (id),
	voucher_no	text not null
			    check (char_length(voucher_no) between 1 and 64),
	paid_on		date not null,
	reverses_id	uuid unique references fund_disbursements (id),
	reason		text check (char_length(reason) between 1 and 500),
	idempotency_key	text not null
			    check (char_length(idempotency_key) between 1 and 64),
	request_hash	text not null,
	created_by	text not null default coalesce(xz.claim('sub'),
			    current_user),
	created_at	timestamptz not null default now(),
	unique (created_by, idempotency_key),
	foreign key (project_id, township_code)
	    references fund_projects (id, township_code),
	check ((kind = 'reversal') = (reverses_id is not null)),
	check ((kind = 'reversal') = (reason is not null)),
	check (cooperative_id is null or payee_kind = 'cooperative')
);
create unique index fund_disbursements_voucher on fund_disbursements
    (township_code, voucher_no) where kind = 'payment';
create index fund_disbursements_project on fund_disbursements
    (project_id, id);

create table fund_ledger (
	id		bigint generated always as identity primary key,
	at		timestamptz not null default now(),
	kind		text not null
			    check (kind in ('allocation', 'withdrawal',
			    'commitment', 'release', 'disbursement',
			    'reversal')),
	county_code	char(6) not null,
	township_code	char(9) not null,
	source_id	uuid not null,
	allocation_id	uuid not null,
	project_id	uuid,
	funding_line_id	uuid,
	disbursement_id	uuid,
	amount_fen	bigint not null
			    check (amount_fen between 1 and 10000000000000),
	reason		text check (char_length(reason) between 1 and 500),
	actor_sub	text not null default coalesce(xz.claim('sub'),
			    current_user),
	actor_role	text not null default coalesce(xz.claim('role'),
			    'system'),
	request_id	text default xz.claim('request_id'),
	check ((kind in ('allocation', 'withdrawal')) = (project_id is null))
);
create index fund_ledger_township on fund_ledger (township_code, at);
create index fund_ledger_county on fund_ledger (county_code, id);
create index fund_ledger_project on fund_ledger (project_id, id)
    where project_id is not null;
create index fund_ledger_allocation on fund_ledger (allocation_id, id);
create index fund_ledger_disbursement on fund_ledger (disbursement_id)
    where disbursement_id is not null;

create table fund_township_totals (
	county_code	char(6) not null,
	township_code	char(9) not null,
	slot		smallint not null check (slot between 0 and 16),
	allocated_fen	bigint not null default 0,
	committed_fen	bigint not null default 0,
	disbursed_fen	bigint not null default 0,
	primary key (township_code, slot)
);
create index fund_township_totals_county on fund_township_totals
    (county_code);

create table fund_project_history (
	id		bigint generated always as identity primary key,
	project_id	uuid not null references fund_projects (id),
	county_code	char(6) not null,
	township_code	char(9) not null,
	village_code	char(12),
	at		timestamptz not null default now(),
	actor_sub	text not null,
	actor_role	text not null,
	action		text not null,
	from_status	text,
	to_status	text not null,
	reason		text,
	before		jsonb,
	after		jsonb
);
create index fund_project_history_project on fund_project_history
    (project_id, id);

create table fund_filings (
	id		uuid primary key default gen_random_uuid(),
	project_id	uuid not null references fund_projects (id),
	county_code	char(6) not null,
	township_code	char(9) not null,
	village_code	char(12),
	title		text not null,
	budget_fen	bigint not null,
	approval_level	text not null,
	approved_by	text not null,
	filed_at	timestamptz not null default now(),
	status		text not null default 'pending_review'
			    check (status in ('pending_review', 'review_passed',
			    'rectification_required', 'revoked')),
	reviewed_by	text,
	reviewed_at	timestamptz,
	reason		text
);
create index fund_filings_county on fund_filings (county_code, id);
create index fund_filings_township on fund_filings (township_code, id);
create unique index fund_filings_pending on fund_filings (project_id)
    where status = 'pending_review';

------------------------------------------------------------------------
-- Refusals: SQLSTATE XZnnn (nnn: the HTTP status), message the stable
-- code, detail for people, hint the JSON pointer of the field at fault.

create function xz.refuse(status integer, code text, detail text,
    ptr text default null) returns void
language plpgsql
as $$
begin
	raise exception '%', code using errcode = 'XZ' || status::text,
	    detail = detail, hint = coalesce(ptr, '');
end
$$;

-- Amounts for people: 1234567 fen -> '12345.67'.
create function xz.yuan(fen bigint) returns text
language sql immutable strict parallel safe
as $$ select to_char(fen / 100.0, 'FM9999999999999990.00') $$;

------------------------------------------------------------------------
-- Representations (the API's JSON, built here so the shape is in one
-- place).

create function xz.fund_source_json(s fund_sources) returns jsonb
language sql stable
as $$
	select jsonb_build_object('id', s.id, 'county_code', s.county_code,
	    'name', s.name, 'category', s.category,
	    'fiscal_year', s.fiscal_year, 'total_fen', s.total_fen,
	    'allocated_fen', s.allocated_fen,
	    'unallocated_fen', s.total_fen - s.allocated_fen,
	    'document_no', s.document_no, 'version', s.version,
	    'created_at', s.created_at, 'updated_at', s.updated_at)
$$;

-- plpgsql where the body reads other rows: a SQL function with a FROM
-- or a sub-select is not inlined and is planned again on every call.
create function xz.fund_allocation_json(a fund_allocations) returns jsonb
language plpgsql stable
as $$
begin
	return (select jsonb_build_object('id', a.id,
	    'county_code', a.county_code, 'township_code', a.township_code,
	    'source_id', a.source_id, 'source_name', s.name,
	    'fiscal_year', s.fiscal_year, 'amount_fen', a.amount_fen,
	    'withdrawn_fen', a.withdrawn_fen,
	    'committed_fen', a.committed_fen,
	    'disbursed_fen', coalesce((select sum(l.disbursed_fen)
		from fund_project_lines l where l.allocation_id = a.id), 0),
	    'available_fen', a.amount_fen - a.withdrawn_fen - a.committed_fen,
	    'purpose', a.purpose, 'document_no', a.document_no,
	    'created_by', a.created_by, 'created_at', a.created_at,
	    'version', a.version)
	from fund_sources s where s.id = a.source_id);
end
$$;

create function xz.fund_line_json(l fund_project_lines) returns jsonb
language sql stable
as $$
	select jsonb_build_object('id', l.id, 'project_id', l.project_id,
	    'allocation_id', l.allocation_id, 'source_id', l.source_id,
	    'committed_fen', l.committed_fen,
	    'disbursed_fen', l.disbursed_fen,
	    'released_fen', l.released_fen, 'created_at', l.created_at)
$$;

-- The project without its funding lines (history before/after).
create function xz.fund_project_core_json(p fund_projects) returns jsonb
language sql stable
as $$
	select jsonb_build_object('id', p.id, 'county_code', p.county_code,
	    'township_code', p.township_code, 'village_code', p.village_code,
	    'title', p.title, 'category', p.category,
	    'delivery', p.delivery, 'contractor', p.contractor,
	    'population_served', p.population_served,
	    'per_capita_fen', p.per_capita_fen,
	    'planned_craftsmen_pct', p.planned_craftsmen_pct,
	    'budget_fen', p.budget_fen, 'committed_fen', p.committed_fen,
	    'disbursed_fen', p.disbursed_fen,
	    'remaining_fen', p.committed_fen - p.disbursed_fen,
	    'planned_start', p.planned_start, 'planned_end', p.planned_end,
	    'status', p.status, 'approval_level', p.approval_level,
	    'submitted_by', p.submitted_by, 'submitted_at', p.submitted_at,
	    'approved_by', p.approved_by, 'approved_at', p.approved_at,
	    'filed_at', p.filed_at, 'reviewed_by', p.reviewed_by,
	    'reviewed_at', p.reviewed_at, 'review_reason', p.review_reason,
	    'actual_cost_fen', p.actual_cost_fen,
	    'actual_craftsmen_pct', p.actual_craftsmen_pct,
	    'completed_on', p.completed_on, 'created_by', p.created_by,
	    'created_at', p.created_at, 'updated_at', p.updated_at,
	    'version', p.version)
$$;

create function xz.fund_project_json(p fund_projects) returns jsonb
language plpgsql stable
as $$
begin
	return xz.fund_project_core_json(p) || jsonb_build_object(
	    'funding_lines', coalesce((select jsonb_agg(xz.fund_line_json(l)
		order by l.source_id, l.allocation_id)
		from fund_project_lines l where l.project_id = p.id),
		'[]'::jsonb));
end
$$;

create function xz.fund_disbursement_json(d fund_disbursements) returns jsonb
language plpgsql stable
as $$
begin
	return jsonb_build_object('id', d.id, 'project_id', d.project_id,
	    'county_code', d.county_code, 'township_code', d.township_code,
	    'village_code', d.village_code, 'kind', d.kind,
	    'amount_fen', d.amount_fen, 'payee_kind', d.payee_kind,
	    'payee_name', d.payee_name, 'cooperative_id', d.cooperative_id,
	    'voucher_no', d.voucher_no, 'paid_on', d.paid_on,
	    'reverses_id', d.reverses_id,
	    'reversed_by', (select r.id from fund_disbursements r
		where r.reverses_id = d.id),
	    'reason', d.reason, 'created_by', d.created_by,
	    'created_at', d.created_at);
end
$$;

create function xz.fund_history_json(h fund_project_history) returns jsonb
language sql stable
as $$
	select jsonb_build_object('id', h.id, 'project_id', h.project_id,
	    'at', h.at, 'actor_sub', h.actor_sub, 'actor_role', h.actor_role,
	    'action', h.action, 'from_status', h.from_status,
	    'to_status', h.to_status, 'reason', h.reason,
	    'before', h.before, 'after', h.after)
$$;

create function xz.fund_filing_json(f fund_filings) returns jsonb
language sql stable
as $$
	select jsonb_build_object('id', f.id, 'project_id', f.project_id,
	    'county_code', f.county_code, 'township_code', f.township_code,
	    'village_code', f.village_code, 'title', f.title,
	    'budget_fen', f.budget_fen, 'approval_level', f.approval_level,
	    'approved_by', f.approved_by, 'filed_at', f.filed_at,
	    'age_days', extract(day from coalesce(f.reviewed_at, now()) -
		f.filed_at)::integer,
	    'status', f.status, 'reviewed_by', f.reviewed_by,
	    'reviewed_at', f.reviewed_at, 'reason', f.reason)
$$;

create function xz.fund_ledger_json(e fund_ledger) returns jsonb
language sql stable
as $$
	select jsonb_build_object('id', e.id, 'at', e.at, 'kind', e.kind,
	    'county_code', e.county_code, 'township_code', e.township_code,
	    'source_id', e.source_id, 'allocation_id', e.allocation_id,
	    'project_id', e.project_id, 'funding_line_id', e.funding_line_id,
	    'disbursement_id', e.disbursement_id, 'amount_fen', e.amount_fen,
	    'reason', e.reason, 'actor_sub', e.actor_sub,
	    'actor_role', e.actor_role, 'request_id', e.request_id)
$$;

create function xz.fund_settings_json(county char(6)) returns jsonb
language sql stable
as $$
	select jsonb_build_object('county_code', county,
	    'township_approval_limit_fen',
	    coalesce(s.township_approval_limit_fen, 40000000),
	    'version', coalesce(s.version, 0),
	    'updated_at', s.updated_at)
	from (select 1) as one
	left join fund_settings s on s.county_code = county
$$;

-- Every county has its settings row (decision 5: the approval limit).
create function xz.fund_settings_create() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
begin
	insert into fund_settings (county_code) values (new.code)
	    on conflict do nothing;
	return null;
end
$$;
create trigger counties_fund_settings after insert on counties
    for each row execute function xz.fund_settings_create();
insert into fund_settings (county_code) select code from counties;

------------------------------------------------------------------------
-- The ledger and its counters (decisions 1-4, 9).

create function xz.fund_ledger_refuse() returns trigger
language plpgsql
as $$
begin
	raise exception 'fund_ledger is append-only'
	    using errcode = 'insufficient_privilege';
end
$$;
create trigger fund_ledger_append_only before update or delete
    on fund_ledger for each statement
    execute function xz.fund_ledger_refuse();
create trigger fund_ledger_no_truncate before truncate on fund_ledger
    for each statement execute function xz.fund_ledger_refuse();

-- Adds to a township's totals (decision 9); runs inside the ledger
-- trigger, as the owner.
create function xz.fund_totals_add(county char(6), township char(9),
    slot_ smallint, d_alloc bigint, d_commit bigint, d_paid bigint)
    returns void
language plpgsql
as $$
begin
	insert into fund_township_totals as t (county_code, township_code,
	    slot, allocated_fen, committed_fen, disbursed_fen)
	values (county, township, slot_, d_alloc, d_commit, d_paid)
	on conflict (township_code, slot) do update
	    set allocated_fen = t.allocated_fen + excluded.allocated_fen,
		committed_fen = t.committed_fen + excluded.committed_fen,
		disbursed_fen = t.disbursed_fen + excluded.disbursed_fen;
end
$$;

-- The totals slot of a project's payments.
create function xz.fund_pay_slot(project uuid) returns smallint
language sql immutable strict parallel safe
as $$ select (1 + abs(hashtext(project::text) % 16))::smallint $$;

-- A payment's or reversal's ledger row (from fund_disbursements' trigger,
-- which names the line; the service cannot insert these kinds).  The
-- guarded UPDATEs keep the limits under any concurrency; the project's
-- lock is held by xz.fund_disburse or xz.fund_reverse.
create function xz.fund_ledger_pay(e fund_ledger) returns fund_ledger
language plpgsql
as $$
declare
	st	text;
	amt	constant bigint := e.amount_fen;
begin
	if e.disbursement_id is null then
		perform xz.refuse(403, 'forbidden',
		    'payments are made through disbursements', null);
	end if;
	select status into st from fund_projects where id = e.project_id;
	if st = 'revoked' then
		perform xz.refuse(409, 'project_revoked',
		    'a revoked project cannot be paid', null);
	end if;
	if st is null or st not in ('in_progress', 'completed') then
		perform xz.refuse(409, 'invalid_state', format('payments are '
		    'made in in_progress or completed; the project is %s',
		    st), null);
	end if;
	if e.kind = 'disbursement' then
		update fund_project_lines set disbursed_fen = disbursed_fen + amt,
		    updated_at = now()
		    where id = e.funding_line_id and project_id = e.project_id
			and allocation_id = e.allocation_id and
			disbursed_fen + amt <= committed_fen;
		if not found then
			perform xz.refuse(409, 'insufficient_funds',
			    'the payment exceeds the funding line''s '
			    'committed funds', '/amount_fen');
		end if;
		update fund_projects set disbursed_fen = disbursed_fen + amt
		    where id = e.project_id and
			disbursed_fen + amt <= committed_fen;
		if not found then
			perform xz.refuse(409, 'insufficient_funds',
			    'the payment exceeds the committed funds',
			    '/amount_fen');
		end if;
		perform xz.fund_totals_add(e.county_code, e.township_code,
		    xz.fund_pay_slot(e.project_id), 0, 0, amt);
	else
		update fund_project_lines set disbursed_fen = disbursed_fen - amt,
		    updated_at = now()
		    where id = e.funding_line_id and project_id = e.project_id
			and allocation_id = e.allocation_id and
			disbursed_fen >= amt;
		if not found then
			perform xz.refuse(409, 'invalid_state',
			    'nothing to reverse on this funding line', null);
		end if;
		update fund_projects set disbursed_fen = disbursed_fen - amt
		    where id = e.project_id;
		perform xz.fund_totals_add(e.county_code, e.township_code,
		    xz.fund_pay_slot(e.project_id), 0, 0, -amt);
	end if;
	return e;
end
$$;

-- Applies one ledger row to the counters, or refuses it.  Runs as the
-- owner (the service has no UPDATE on any counter); the row's tenancy
-- columns are filled here from the allocation, so the insert policy
-- (checked after BEFORE triggers) judges the real township.
create function xz.fund_ledger_apply() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	a	fund_allocations;
	p	fund_projects;
	l	fund_project_lines;
	amt	constant bigint := new.amount_fen;
begin
	new.at := now();
	new.actor_sub := coalesce(xz.claim('sub'), current_user);
	new.actor_role := coalesce(xz.claim('role'), 'system');
	new.request_id := xz.claim('request_id');
	if new.kind in ('disbursement', 'reversal') then
		return xz.fund_ledger_pay(new);
	end if;
	select * into a from fund_allocations where id = new.allocation_id;
	if not found then
		perform xz.refuse(404, 'not_found', 'no such allocation',
		    '/allocation_id');
	end if;
	new.county_code := a.county_code;
	new.township_code := a.township_code;
	new.source_id := a.source_id;

	if new.kind in ('allocation', 'withdrawal') then
		new.project_id := null;
		new.funding_line_id := null;
		new.disbursement_id := null;
		if new.kind = 'allocation' then
			update fund_sources set allocated_fen = allocated_fen + amt
			    where id = a.source_id and
				allocated_fen + amt <= total_fen;
			if not found then
				perform xz.refuse(409, 'source_exhausted',
				    'the fund source has not that much left to '
				    'allocate', '/amount_fen');
			end if;
			perform xz.fund_totals_add(a.county_code,
			    a.township_code, 0::smallint, amt, 0, 0);
		else
			update fund_allocations
			    set withdrawn_fen = withdrawn_fen + amt
			    where id = a.id and withdrawn_fen + committed_fen +
				amt <= amount_fen;
			if not found then
				perform xz.refuse(409, 'insufficient_funds',
				    format('only %s yuan of the allocation is '
				    'not committed', xz.yuan(a.amount_fen -
				    a.withdrawn_fen - a.committed_fen)),
				    '/amount_fen');
			end if;
			update fund_sources set allocated_fen = allocated_fen - amt
			    where id = a.source_id;
			perform xz.fund_totals_add(a.county_code,
			    a.township_code, 0::smallint, -amt, 0, 0);
		end if;
		return new;
	end if;

	-- Project movements: the project first (decision 4).
	select * into p from fund_projects where id = new.project_id
	    for update;
	if not found or p.township_code <> a.township_code then
		perform xz.refuse(404, 'not_found',
		    'no such project in the allocation''s township', null);
	end if;

	if new.kind = 'commitment' then
		if p.status not in ('draft', 'submitted',
		    'rectification_required') then
			perform xz.refuse(409, 'invalid_state', format('funds '
			    'can be committed to a project in draft, submitted '
			    'or rectification_required, not %s', p.status),
			    null);
		end if;
		if p.committed_fen + amt > p.budget_fen then
			perform xz.refuse(409, 'over_budget', format('the '
			    'project needs only %s yuan more',
			    xz.yuan(p.budget_fen - p.committed_fen)),
			    '/amount_fen');
		end if;
		insert into fund_project_lines (project_id, allocation_id,
		    source_id, county_code, township_code, village_code)
		values (p.id, a.id, a.source_id, a.county_code,
		    a.township_code, p.village_code)
		on conflict (project_id, allocation_id) do nothing;
		select * into l from fund_project_lines
		    where project_id = p.id and allocation_id = a.id for update;
		update fund_allocations set committed_fen = committed_fen + amt
		    where id = a.id and withdrawn_fen + committed_fen + amt <=
			amount_fen
		    returning * into a;
		if not found then
			select * into a from fund_allocations
			    where id = new.allocation_id;
			perform xz.refuse(409, 'insufficient_funds',
			    format('the allocation has %s yuan available',
			    xz.yuan(a.amount_fen - a.withdrawn_fen -
			    a.committed_fen)), '/amount_fen');
		end if;
		update fund_project_lines set committed_fen = committed_fen + amt,
		    updated_at = now() where id = l.id;
		update fund_projects set committed_fen = committed_fen + amt
		    where id = p.id;
		perform xz.fund_totals_add(a.county_code, a.township_code,
		    0::smallint, 0, amt, 0);
		new.funding_line_id := l.id;
		new.disbursement_id := null;
		return new;
	end if;

	if new.kind = 'release' then
		if p.status not in ('draft', 'submitted',
		    'rectification_required', 'revoked', 'closed') then
			perform xz.refuse(409, 'invalid_state', format('funds '
			    'are released in draft, submitted, '
			    'rectification_required, or by revoking or '
			    'closing; the project is %s', p.status), null);
		end if;
		select * into l from fund_project_lines
		    where project_id = p.id and allocation_id = a.id for update;
		if not found then
			perform xz.refuse(404, 'not_found',
			    'no such funding line', null);
		end if;
		if l.committed_fen - l.disbursed_fen < amt then
			perform xz.refuse(409, 'insufficient_funds', format(
			    'the funding line has %s yuan committed and not '
			    'paid', xz.yuan(l.committed_fen - l.disbursed_fen)),
			    '/amount_fen');
		end if;
		update fund_project_lines set committed_fen = committed_fen - amt,
		    released_fen = released_fen + amt, updated_at = now()
		    where id = l.id;
		update fund_allocations set committed_fen = committed_fen - amt
		    where id = a.id;
		update fund_projects set committed_fen = committed_fen - amt
		    where id = p.id;
		perform xz.fund_totals_add(a.county_code, a.township_code,
		    0::smallint, 0, -amt, 0);
		new.funding_line_id := l.id;
		new.disbursement_id := null;
		return new;
	end if;

	perform xz.refuse(403, 'forbidden',
	    'payments are made through disbursements', null);
	return null;
end
$$;
create trigger fund_ledger_apply before insert on fund_ledger
    for each row execute function xz.fund_ledger_apply();

-- An allocation's own ledger row.
create function xz.fund_allocation_post() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
begin
	insert into fund_ledger (kind, county_code, township_code, source_id,
	    allocation_id, amount_fen)
	values ('allocation', new.county_code, new.township_code,
	    new.source_id, new.id, new.amount_fen);
	return null;
end
$$;
create trigger fund_allocations_post after insert on fund_allocations
    for each row execute function xz.fund_allocation_post();

-- A payment is split over the project's funding lines in (source,
-- allocation) order; a reversal reverses its payment's entries.
create function xz.fund_disbursement_post() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	l	record;
	left_	bigint := new.amount_fen;
	take	bigint;
begin
	-- xz.fund_disburse and xz.fund_reverse hold the project's lock
	-- (decision 4); the ledger trigger checks its state.
	if new.kind = 'payment' then
		for l in select * from fund_project_lines
		    where project_id = new.project_id
		    order by source_id, allocation_id for update
		loop
			exit when left_ = 0;
			take := least(left_, l.committed_fen - l.disbursed_fen);
			continue when take <= 0;
			insert into fund_ledger (kind, county_code,
			    township_code, source_id, allocation_id,
			    project_id, funding_line_id, disbursement_id,
			    amount_fen)
			values ('disbursement', new.county_code,
			    new.township_code, l.source_id, l.allocation_id,
			    new.project_id, l.id, new.id, take);
			left_ := left_ - take;
		end loop;
		if left_ > 0 then
			perform xz.refuse(409, 'insufficient_funds',
			    'the payment exceeds the committed funds',
			    '/amount_fen');
		end if;
	else
		for l in select e.* from fund_ledger e
		    join fund_project_lines pl on pl.id = e.funding_line_id
		    where e.disbursement_id = new.reverses_id and
			e.kind = 'disbursement'
		    order by pl.source_id, pl.allocation_id
		loop
			insert into fund_ledger (kind, county_code,
			    township_code, source_id, allocation_id,
			    project_id, funding_line_id, disbursement_id,
			    amount_fen, reason)
			values ('reversal', new.county_code,
			    new.township_code, l.source_id, l.allocation_id,
			    new.project_id, l.funding_line_id, new.id,
			    l.amount_fen, new.reason);
		end loop;
	end if;
	return null;
end
$$;
create trigger fund_disbursements_post after insert on fund_disbursements
    for each row execute function xz.fund_disbursement_post();

------------------------------------------------------------------------
-- The workflow (decision 5).

create function xz.fund_project_guard() returns trigger
language plpgsql
as $$
declare
	role	constant text := coalesce(xz.claim('role'), 'system');
	sub	constant text := coalesce(xz.claim('sub'), current_user);
	lim	bigint;
	pair	constant text := old.status || '>' || new.status;
begin
	if tg_op = 'INSERT' then
		if new.status <> 'draft' then
			perform xz.refuse(409, 'invalid_state',
			    'a project starts as a draft', '/status');
		end if;
		return new;
	end if;
	-- Content only while the township may still change its mind.
	if (new.title, new.category, new.delivery, new.contractor,
	    new.population_served, new.per_capita_fen,
	    new.planned_craftsmen_pct, new.budget_fen, new.planned_start,
	    new.planned_end, new.village_code) is distinct from
	    (old.title, old.category, old.delivery, old.contractor,
	    old.population_served, old.per_capita_fen,
	    old.planned_craftsmen_pct, old.budget_fen, old.planned_start,
	    old.planned_end, old.village_code) then
		if old.status not in ('draft', 'rectification_required') then
			perform xz.refuse(409, 'invalid_state', format('a '
			    'project can be changed in draft or '
			    'rectification_required, not %s', old.status),
			    null);
		end if;
		if new.budget_fen < old.committed_fen then
			perform xz.refuse(409, 'below_committed', format(
			    '%s yuan are committed; release some first',
			    xz.yuan(old.committed_fen)), '/budget_fen');
		end if;
		if new.village_code is distinct from old.village_code and
		    old.committed_fen > 0 then
			perform xz.refuse(409, 'village_locked', 'release the '
			    'funding lines before moving the project',
			    '/village_code');
		end if;
	end if;
	if (new.actual_cost_fen, new.actual_craftsmen_pct, new.completed_on)
	    is distinct from (old.actual_cost_fen, old.actual_craftsmen_pct,
	    old.completed_on) and not (old.status = 'in_progress' and
	    new.status = 'completed') then
		perform xz.refuse(409, 'invalid_state', 'the acceptance figures '
		    'are recorded when the project is completed', null);
	end if;
	if new.status = old.status then
		return new;
	end if;

	if pair in ('draft>submitted', 'rectification_required>submitted')
	    then
		if role not in ('township', 'village') then
			perform xz.refuse(403, 'forbidden', 'projects are '
			    'submitted by their township or village', null);
		end if;
		new.submitted_by := sub;
		new.submitted_at := now();
		new.approved_by := null;
		new.approved_at := null;
		new.approval_level := null;
		new.filed_at := null;
	elsif pair = 'submitted>draft' then
		if role not in ('county', 'township') then
			perform xz.refuse(403, 'forbidden',
			    'the township returns a submission', null);
		end if;
		if new.status_reason is null then
			perform xz.refuse(400, 'required',
			    'say why the project is returned', '/reason');
		end if;
	elsif pair = 'submitted>filed' then
		if role not in ('county', 'township') then
			perform xz.refuse(403, 'forbidden',
			    'the township or the county approves', null);
		end if;
		if sub = old.submitted_by then
			perform xz.refuse(403, 'maker_checker', 'the user who '
			    'submitted a project cannot approve it', null);
		end if;
		if old.committed_fen <> old.budget_fen then
			perform xz.refuse(409, 'not_fully_funded', format(
			    'the funding lines commit %s of %s yuan',
			    xz.yuan(old.committed_fen),
			    xz.yuan(old.budget_fen)), null);
		end if;
		select township_approval_limit_fen into lim from fund_settings
		    where county_code = old.county_code;
		lim := coalesce(lim, 40000000);
		if role = 'township' and old.budget_fen > lim then
			perform xz.refuse(403, 'approval_limit', format('the '
			    'budget is above the township limit of %s yuan: '
			    'the county approves it', xz.yuan(lim)), null);
		end if;
		new.approved_by := sub;
		new.approved_at := now();
		new.approval_level := role;
		new.filed_at := now();
	elsif pair in ('filed>review_passed', 'filed>rectification_required',
	    'filed>revoked') then
		if role <> 'county' then
			perform xz.refuse(403, 'forbidden',
			    'the county reviews filed projects', null);
		end if;
		if new.status <> 'review_passed' and new.status_reason is null
		    then
			perform xz.refuse(400, 'required', 'say why',
			    '/reason');
		end if;
		new.reviewed_by := sub;
		new.reviewed_at := now();
		new.review_reason := new.status_reason;
	elsif pair in ('review_passed>in_progress', 'in_progress>completed',
	    'completed>closed') then
		if role <> 'township' then
			perform xz.refuse(403, 'forbidden',
			    'the township runs its projects', null);
		end if;
		if new.status = 'completed' then
			if new.actual_cost_fen is null then
				perform xz.refuse(400, 'required',
				    'actual_cost_fen is required',
				    '/actual_cost_fen');
			end if;
			if new.completed_on is null then
				perform xz.refuse(400, 'required',
				    'completed_on is required',
				    '/completed_on');
			end if;
			if (new.delivery = 'village_run') <>
			    (new.actual_craftsmen_pct is not null) then
				perform xz.refuse(400, case when
				    new.delivery = 'village_run' then
				    'required' else 'not_allowed' end,
				    'actual_craftsmen_pct is for village-run '
				    'works, and required for them',
				    '/actual_craftsmen_pct');
			end if;
		end if;
	else
		perform xz.refuse(409, 'invalid_state', format('a project in '
		    '%s cannot become %s', old.status, new.status), null);
	end if;
	return new;
end
$$;
-- Not on the ledger's counter updates: they change neither status nor
-- content, and the WHEN test is far cheaper than a plpgsql call.
create trigger fund_projects_guard_insert before insert on fund_projects
    for each row execute function xz.fund_project_guard();
create trigger fund_projects_guard before update on fund_projects
    for each row when ((old.status, old.title, old.category, old.delivery,
	old.contractor, old.population_served, old.per_capita_fen,
	old.planned_craftsmen_pct, old.budget_fen, old.planned_start,
	old.planned_end, old.village_code, old.actual_cost_fen,
	old.actual_craftsmen_pct, old.completed_on) is distinct from
	(new.status, new.title, new.category, new.delivery, new.contractor,
	new.population_served, new.per_capita_fen,
	new.planned_craftsmen_pct, new.budget_fen, new.planned_start,
	new.planned_end, new.village_code, new.actual_cost_fen,
	new.actual_craftsmen_pct, new.completed_on))
    execute function xz.fund_project_guard();

-- History and filings, written as the owner: the service cannot forge
-- either.
create function xz.fund_project_record() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	sub	constant text := coalesce(xz.claim('sub'), current_user);
	role	constant text := coalesce(xz.claim('role'), 'system');
	b	constant jsonb := xz.fund_project_core_json(old);
	a	constant jsonb := xz.fund_project_core_json(new);
	act	text;
begin
	if old.status = 'submitted' and new.status = 'filed' then
		insert into fund_project_history (project_id, county_code,
		    township_code, village_code, actor_sub, actor_role, action,
		    from_status, to_status, reason, before, after)
		values (new.id, new.county_code, new.township_code,
		    new.village_code, sub, role, 'approve', 'submitted',
		    'approved', new.status_reason, b, a),
		    (new.id, new.county_code, new.township_code,
		    new.village_code, 'system', 'system', 'file', 'approved',
		    'filed', null, b, a);
		insert into fund_filings (project_id, county_code,
		    township_code, village_code, title, budget_fen,
		    approval_level, approved_by, filed_at)
		values (new.id, new.county_code, new.township_code,
		    new.village_code, new.title, new.budget_fen,
		    new.approval_level, new.approved_by, new.filed_at);
		return null;
	end if;
	act := case new.status
	    when 'submitted' then case old.status when 'draft' then 'submit'
		else 'resubmit' end
	    when 'draft' then 'return'
	    when 'review_passed' then 'review'
	    when 'rectification_required' then 'review'
	    when 'revoked' then 'review'
	    when 'in_progress' then 'start'
	    when 'completed' then 'complete'
	    when 'closed' then 'close'
	    else new.status end;
	insert into fund_project_history (project_id, county_code,
	    township_code, village_code, actor_sub, actor_role, action,
	    from_status, to_status, reason, before, after)
	values (new.id, new.county_code, new.township_code,
	    new.village_code, sub, role, act, old.status, new.status,
	    new.status_reason, b, a);
	if old.status = 'filed' then
		update fund_filings set status = new.status,
		    reviewed_by = sub, reviewed_at = now(),
		    reason = new.status_reason
		    where project_id = new.id and status = 'pending_review';
	end if;
	return null;
end
$$;
create trigger fund_projects_record after update of status
    on fund_projects for each row
    when (old.status is distinct from new.status)
    execute function xz.fund_project_record();

-- The creation row of the history.
create function xz.fund_project_created() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
begin
	insert into fund_project_history (project_id, county_code,
	    township_code, village_code, actor_sub, actor_role, action,
	    from_status, to_status, before, after)
	values (new.id, new.county_code, new.township_code,
	    new.village_code, coalesce(xz.claim('sub'), current_user),
	    coalesce(xz.claim('role'), 'system'), 'create', null, 'draft',
	    null, xz.fund_project_core_json(new));
	return null;
end
$$;
create trigger fund_projects_created after insert on fund_projects
    for each row execute function xz.fund_project_created();

------------------------------------------------------------------------
-- The service's entry points (SECURITY INVOKER: row policies decide what
-- the caller sees and writes; the triggers above enforce the money rules).

create function xz.fund_allocate(p_source uuid, p_township text,
    p_amount bigint, p_purpose text, p_document_no text) returns jsonb
language plpgsql
as $$
declare
	s	fund_sources;
	a	fund_allocations;
begin
	select * into s from fund_sources where id = p_source;
	if not found then
		perform xz.refuse(404, 'not_found', 'no such fund source',
		    '/source_id');
	end if;
	if not exists (select 1 from townships where code = p_township and
	    county_code = s.county_code) then
		perform xz.refuse(404, 'not_found',
		    'no such township in the source''s county',
		    '/township_code');
	end if;
	if exists (select 1 from fund_allocations where source_id = s.id and
	    township_code = p_township and document_no = p_document_no) then
		perform xz.refuse(409, 'document_taken', 'this source already '
		    'allocated to the township under that document number',
		    '/document_no');
	end if;
	insert into fund_allocations (county_code, township_code, source_id,
	    amount_fen, purpose, document_no)
	values (s.county_code, p_township, s.id, p_amount, p_purpose,
	    p_document_no)
	returning * into a;
	select * into a from fund_allocations where id = a.id;
	return xz.fund_allocation_json(a);
end
$$;

create function xz.fund_withdraw(p_allocation uuid, p_amount bigint,
    p_reason text) returns jsonb
language plpgsql
as $$
declare
	a	fund_allocations;
begin
	if not exists (select 1 from fund_allocations where id = p_allocation)
	    then
		perform xz.refuse(404, 'not_found', 'no such allocation',
		    null);
	end if;
	insert into fund_ledger (kind, county_code, township_code, source_id,
	    allocation_id, amount_fen, reason)
	select 'withdrawal', county_code, township_code, source_id, id,
	    p_amount, p_reason
	from fund_allocations where id = p_allocation;
	select * into a from fund_allocations where id = p_allocation;
	return xz.fund_allocation_json(a);
end
$$;

create function xz.fund_project_get(p_id uuid) returns jsonb
language sql stable
as $$ select xz.fund_project_json(p) from fund_projects p where p.id = p_id $$;

-- Body members are already typed and ranged by the service; the rules
-- that need the row or other tables are here.
create function xz.fund_project_check(p fund_projects) returns void
language plpgsql
as $$
begin
	if p.village_code is not null and not exists (select 1 from villages
	    where code = p.village_code and township_code = p.township_code)
	    then
		perform xz.refuse(400, 'unknown_village',
		    'no such village in the project''s township',
		    '/village_code');
	end if;
	if (p.delivery = 'contractor') <> (p.contractor is not null) then
		perform xz.refuse(400, case when p.delivery = 'contractor'
		    then 'required' else 'not_allowed' end,
		    'contractor is given exactly when delivery is contractor',
		    '/contractor');
	end if;
	if p.delivery = 'village_run' then
		if p.village_code is null then
			perform xz.refuse(400, 'required', 'a village-run '
			    'project belongs to a village', '/village_code');
		end if;
		if p.population_served is null or p.per_capita_fen is null or
		    p.planned_craftsmen_pct is null then
			perform xz.refuse(400, 'required', 'village-run works '
			    'need population_served, per_capita_fen and '
			    'planned_craftsmen_pct', case when
			    p.population_served is null then
			    '/population_served' when p.per_capita_fen is null
			    then '/per_capita_fen' else
			    '/planned_craftsmen_pct' end);
		end if;
		if p.budget_fen <> p.population_served::bigint *
		    p.per_capita_fen then
			perform xz.refuse(400, 'lump_sum_mismatch', format(
			    'a village-run budget is population_served x '
			    'per_capita_fen = %s fen',
			    p.population_served::bigint * p.per_capita_fen),
			    '/budget_fen');
		end if;
	elsif p.population_served is not null or p.per_capita_fen is not null
	    or p.planned_craftsmen_pct is not null then
		perform xz.refuse(400, 'not_allowed', 'population_served, '
		    'per_capita_fen and planned_craftsmen_pct are for '
		    'village-run works', case when p.population_served is not
		    null then '/population_served' when p.per_capita_fen is
		    not null then '/per_capita_fen' else
		    '/planned_craftsmen_pct' end);
	end if;
	if p.planned_end < p.planned_start then
		perform xz.refuse(400, 'out_of_range', 'planned_end is before '
		    'planned_start', '/planned_end');
	end if;
end
$$;

-- Applies the members of body to p (absent members keep p's values;
-- null clears nullable ones).
create function xz.fund_project_merge(p fund_projects, b jsonb)
    returns fund_projects
language plpgsql
as $$
begin
	if b ? 'title' then p.title := b ->> 'title'; end if;
	if b ? 'category' then p.category := b ->> 'category'; end if;
	if b ? 'village_code' then
		p.village_code := b ->> 'village_code';
	end if;
	if b ? 'delivery' then p.delivery := b ->> 'delivery'; end if;
	if b ? 'contractor' then p.contractor := b ->> 'contractor'; end if;
	if b ? 'population_served' then
		p.population_served := (b ->> 'population_served')::integer;
	end if;
	if b ? 'per_capita_fen' then
		p.per_capita_fen := (b ->> 'per_capita_fen')::bigint;
	end if;
	if b ? 'planned_craftsmen_pct' then
		p.planned_craftsmen_pct :=
		    (b ->> 'planned_craftsmen_pct')::integer;
	end if;
	if b ? 'budget_fen' then
		p.budget_fen := (b ->> 'budget_fen')::bigint;
	end if;
	if b ? 'planned_start' then
		p.planned_start := (b ->> 'planned_start')::date;
	end if;
	if b ? 'planned_end' then
		p.planned_end := (b ->> 'planned_end')::date;
	end if;
	return p;
end
$$;

create function xz.fund_project_create(b jsonb) returns jsonb
language plpgsql
as $$
declare
	role	constant text := xz.claim('role');
	p	fund_projects;
begin
	p.county_code := xz.claim('county');
	p.township_code := xz.claim('township');
	p.status := 'draft';
	p := xz.fund_project_merge(p, b);
	if role = 'village' then
		if p.village_code is not null and
		    p.village_code <> xz.claim('village') then
			perform xz.refuse(400, 'not_allowed', 'a village user '
			    'proposes projects for their own village',
			    '/village_code');
		end if;
		p.village_code := xz.claim('village');
	elsif role <> 'township' then
		perform xz.refuse(403, 'forbidden',
		    'projects are created by townships and villages', null);
	end if;
	perform xz.fund_project_check(p);
	insert into fund_projects (county_code, township_code, village_code,
	    title, category, delivery, contractor, population_served,
	    per_capita_fen, planned_craftsmen_pct, budget_fen, planned_start,
	    planned_end)
	values (p.county_code, p.township_code, p.village_code, p.title,
	    p.category, p.delivery, p.contractor, p.population_served,
	    p.per_capita_fen, p.planned_craftsmen_pct, p.budget_fen,
	    p.planned_start, p.planned_end)
	returning * into p;
	return xz.fund_project_json(p);
end
$$;

create function xz.fund_project_lock(p_id uuid, p_version integer)
    returns fund_projects
language plpgsql
as $$
declare
	p	fund_projects;
begin
	select * into p from fund_projects where id = p_id for update;
	if not found then
		-- Seen but not writable: a village user past the draft.
		if exists (select 1 from fund_projects where id = p_id) then
			perform xz.refuse(409, 'invalid_state', 'a village '
			    'changes its projects in draft or '
			    'rectification_required only', null);
		end if;
		perform xz.refuse(404, 'not_found', 'no such project', null);
	end if;
	if p_version is not null and p_version <> p.version then
		perform xz.refuse(412, 'stale', format('the project is at '
		    'version %s; fetch it again', p.version), null);
	end if;
	return p;
end
$$;

create function xz.fund_project_patch(p_id uuid, p_version integer,
    b jsonb) returns jsonb
language plpgsql
as $$
declare
	p	fund_projects;
begin
	p := xz.fund_project_lock(p_id, p_version);
	if p.status not in ('draft', 'rectification_required') then
		perform xz.refuse(409, 'invalid_state', format('a project can '
		    'be changed in draft or rectification_required, not %s',
		    p.status), null);
	end if;
	if xz.claim('role') = 'village' and b ? 'village_code' and
	    b ->> 'village_code' is distinct from p.village_code then
		perform xz.refuse(400, 'not_allowed', 'a village user '
		    'cannot move a project', '/village_code');
	end if;
	p := xz.fund_project_merge(p, b);
	perform xz.fund_project_check(p);
	update fund_projects set title = p.title, category = p.category,
	    village_code = p.village_code, delivery = p.delivery,
	    contractor = p.contractor,
	    population_served = p.population_served,
	    per_capita_fen = p.per_capita_fen,
	    planned_craftsmen_pct = p.planned_craftsmen_pct,
	    budget_fen = p.budget_fen, planned_start = p.planned_start,
	    planned_end = p.planned_end
	where id = p_id
	returning * into p;
	if not found then
		perform xz.refuse(404, 'not_found', 'no such project', null);
	end if;
	return xz.fund_project_json(p);
end
$$;

create function xz.fund_commit(p_project uuid, p_allocation uuid,
    p_amount bigint) returns jsonb
language plpgsql
as $$
declare
	p	fund_projects;
	a	fund_allocations;
begin
	select * into p from fund_projects where id = p_project;
	if not found then
		perform xz.refuse(404, 'not_found', 'no such project', null);
	end if;
	select * into a from fund_allocations where id = p_allocation;
	if not found or a.township_code <> p.township_code then
		perform xz.refuse(404, 'not_found', 'no such allocation in '
		    'the project''s township', '/allocation_id');
	end if;
	insert into fund_ledger (kind, county_code, township_code, source_id,
	    allocation_id, project_id, amount_fen)
	values ('commitment', a.county_code, a.township_code, a.source_id,
	    a.id, p.id, p_amount);
	select * into p from fund_projects where id = p_project;
	return xz.fund_project_json(p);
end
$$;

create function xz.fund_release(p_line uuid, p_amount bigint,
    p_reason text) returns jsonb
language plpgsql
as $$
declare
	l	fund_project_lines;
	p	fund_projects;
	amt	bigint;
begin
	select * into l from fund_project_lines where id = p_line;
	if not found then
		perform xz.refuse(404, 'not_found', 'no such funding line',
		    null);
	end if;
	amt := coalesce(p_amount, l.committed_fen - l.disbursed_fen);
	if amt <= 0 then
		perform xz.refuse(409, 'nothing_to_release', 'the funding '
		    'line has nothing committed that is not paid', null);
	end if;
	insert into fund_ledger (kind, county_code, township_code, source_id,
	    allocation_id, project_id, amount_fen, reason)
	values ('release', l.county_code, l.township_code, l.source_id,
	    l.allocation_id, l.project_id, amt, p_reason);
	select * into p from fund_projects where id = l.project_id;
	return xz.fund_project_json(p);
end
$$;

-- Releases what a project's lines hold and have not paid (revoke, close).
create function xz.fund_release_all(p fund_projects, p_reason text)
    returns void
language sql
as $$
	insert into fund_ledger (kind, county_code, township_code, source_id,
	    allocation_id, project_id, amount_fen, reason)
	select 'release', l.county_code, l.township_code, l.source_id,
	    l.allocation_id, l.project_id, l.committed_fen - l.disbursed_fen,
	    p_reason
	from fund_project_lines l
	where l.project_id = p.id and l.committed_fen > l.disbursed_fen
	order by l.source_id, l.allocation_id
$$;

create function xz.fund_transition(p_id uuid, p_action text,
    p_version integer, b jsonb) returns jsonb
language plpgsql
as $$
declare
	p	fund_projects;
	target	text;
	reason	constant text := b ->> 'reason';
begin
	p := xz.fund_project_lock(p_id, p_version);
	target := case p_action
	    when 'submit' then 'submitted'
	    when 'return' then 'draft'
	    when 'approve' then 'filed'
	    when 'start' then 'in_progress'
	    when 'complete' then 'completed'
	    when 'close' then 'closed'
	    when 'review' then case b ->> 'decision'
		when 'passed' then 'review_passed'
		when 'rectification_required' then 'rectification_required'
		when 'revoked' then 'revoked' end
	    end;
	if target is null then
		perform xz.refuse(400, 'invalid', 'decision is passed, '
		    'rectification_required or revoked', '/decision');
	end if;
	if p_action = 'submit' and p.status not in ('draft',
	    'rectification_required') or p_action in ('return', 'approve')
	    and p.status <> 'submitted' or p_action = 'review' and
	    p.status <> 'filed' or p_action = 'start' and
	    p.status <> 'review_passed' or p_action = 'complete' and
	    p.status <> 'in_progress' or p_action = 'close' and
	    p.status <> 'completed' then
		perform xz.refuse(409, 'invalid_state', format('cannot %s a '
		    'project in %s', p_action, p.status), null);
	end if;
	if p_action = 'complete' then
		update fund_projects set status = target, status_reason = reason,
		    actual_cost_fen = (b ->> 'actual_cost_fen')::bigint,
		    actual_craftsmen_pct =
			(b ->> 'actual_craftsmen_pct')::integer,
		    completed_on = (b ->> 'completed_on')::date
		where id = p_id returning * into p;
	else
		update fund_projects set status = target, status_reason = reason
		where id = p_id returning * into p;
	end if;
	if not found then
		perform xz.refuse(404, 'not_found', 'no such project', null);
	end if;
	if target in ('revoked', 'closed') then
		perform xz.fund_release_all(p, coalesce(reason, case target
		    when 'revoked' then 'revoked by the county review'
		    else 'closed: unpaid commitments released' end));
		select * into p from fund_projects where id = p_id;
	end if;
	return xz.fund_project_json(p);
end
$$;

-- A payment.  Returns (replayed, the disbursement).
create function xz.fund_disburse(p_project uuid, p_key text, b jsonb,
    out replayed boolean, out body jsonb)
language plpgsql
as $$
declare
	sub	constant text := xz.claim('sub');
	h	constant text := encode(sha256(convert_to('payment|' ||
		    p_project::text || '|' || b::text, 'UTF8')), 'hex');
	d	fund_disbursements;
	p	fund_projects;
	amt	constant bigint := (b ->> 'amount_fen')::bigint;
begin
	replayed := true;
	-- The project's lock first: a concurrent retry with this key has
	-- then committed (or failed) before the key is looked up.
	select * into p from fund_projects where id = p_project for update;
	if not found then
		perform xz.refuse(404, 'not_found', 'no such project', null);
	end if;
	select * into d from fund_disbursements
	    where created_by = sub and idempotency_key = p_key;
	if found then
		if d.request_hash <> h then
			perform xz.refuse(422, 'idempotency_key_reused',
			    'this Idempotency-Key was used for another '
			    'request', null);
		end if;
		body := xz.fund_disbursement_json(d);
		return;
	end if;
	if p.status = 'revoked' then
		perform xz.refuse(409, 'project_revoked',
		    'a revoked project cannot be paid', null);
	end if;
	if p.status not in ('in_progress', 'completed') then
		perform xz.refuse(409, 'invalid_state', format('payments are '
		    'made in in_progress or completed; the project is %s',
		    p.status), null);
	end if;
	if amt > p.committed_fen - p.disbursed_fen then
		perform xz.refuse(409, 'insufficient_funds', format('the '
		    'project has %s yuan committed and not paid',
		    xz.yuan(p.committed_fen - p.disbursed_fen)),
		    '/amount_fen');
	end if;
	if exists (select 1 from fund_disbursements where township_code =
	    p.township_code and voucher_no = b ->> 'voucher_no' and
	    kind = 'payment') then
		perform xz.refuse(409, 'voucher_taken', 'the township already '
		    'has a payment with this voucher number', '/voucher_no');
	end if;
	if b ? 'cooperative_id' and b ->> 'cooperative_id' is not null and
	    not exists (select 1 from cooperatives where id =
	    (b ->> 'cooperative_id')::uuid and township_code =
	    p.township_code) then
		perform xz.refuse(400, 'unknown_cooperative', 'no such '
		    'cooperative in the project''s township',
		    '/cooperative_id');
	end if;
	insert into fund_disbursements (project_id, county_code,
	    township_code, village_code, kind, amount_fen, payee_kind,
	    payee_name, cooperative_id, voucher_no, paid_on, idempotency_key,
	    request_hash)
	values (p.id, p.county_code, p.township_code, p.village_code,
	    'payment', amt, b ->> 'payee_kind', b ->> 'payee_name',
	    (b ->> 'cooperative_id')::uuid, b ->> 'voucher_no',
	    (b ->> 'paid_on')::date, p_key, h)
	returning * into d;
	replayed := false;
	body := xz.fund_disbursement_json(d);
end
$$;

-- A reversal of a payment (a correction: nothing is edited or deleted).
create function xz.fund_reverse(p_disbursement uuid, p_key text,
    p_reason text, out replayed boolean, out body jsonb)
language plpgsql
as $$
declare
	sub	constant text := xz.claim('sub');
	h	constant text := encode(sha256(convert_to('reversal|' ||
		    p_disbursement::text || '|' || coalesce(p_reason, ''),
		    'UTF8')), 'hex');
	d	fund_disbursements;
	o	fund_disbursements;
begin
	replayed := true;
	select * into d from fund_disbursements
	    where created_by = sub and idempotency_key = p_key;
	if found then
		if d.request_hash <> h then
			perform xz.refuse(422, 'idempotency_key_reused',
			    'this Idempotency-Key was used for another '
			    'request', null);
		end if;
		body := xz.fund_disbursement_json(d);
		return;
	end if;
	select * into o from fund_disbursements where id = p_disbursement;
	if not found then
		perform xz.refuse(404, 'not_found', 'no such disbursement',
		    null);
	end if;
	perform 1 from fund_projects where id = o.project_id for update;
	select * into d from fund_disbursements
	    where created_by = sub and idempotency_key = p_key;
	if found then
		if d.request_hash <> h then
			perform xz.refuse(422, 'idempotency_key_reused',
			    'this Idempotency-Key was used for another '
			    'request', null);
		end if;
		body := xz.fund_disbursement_json(d);
		return;
	end if;
	if o.kind <> 'payment' then
		perform xz.refuse(409, 'not_a_payment',
		    'only a payment can be reversed', null);
	end if;
	if exists (select 1 from fund_disbursements where reverses_id = o.id)
	    then
		perform xz.refuse(409, 'already_reversed',
		    'this payment was already reversed', null);
	end if;
	insert into fund_disbursements (project_id, county_code,
	    township_code, village_code, kind, amount_fen, payee_kind,
	    payee_name, cooperative_id, voucher_no, paid_on, reverses_id,
	    reason, idempotency_key, request_hash)
	values (o.project_id, o.county_code, o.township_code, o.village_code,
	    'reversal', o.amount_fen, o.payee_kind, o.payee_name,
	    o.cooperative_id, o.voucher_no,
	    (now() at time zone 'Asia/Shanghai')::date, o.id, p_reason, p_key,
	    h)
	returning * into d;
	replayed := false;
	body := xz.fund_disbursement_json(d);
end
$$;

------------------------------------------------------------------------
-- Reports.  Row policies scope every read: a county user sees the county,
-- a township user the township, a partner its granted townships, a
-- village user its village's projects.

create function xz.fund_pct(part numeric, whole numeric) returns numeric
language sql immutable parallel safe
as $$ select case when whole > 0 then round(100 * part / whole, 1) end $$;

create function xz.fund_report(p_township text, p_from date, p_to date)
    returns jsonb
language plpgsql stable
as $$
declare
	village	constant boolean := xz.claim('role') = 'village';
	totals	jsonb;
	r	jsonb;
begin
	if village then
		select jsonb_build_object('allocated_fen', null,
		    'committed_fen', coalesce(sum(committed_fen), 0),
		    'disbursed_fen', coalesce(sum(disbursed_fen), 0),
		    'available_fen', null, 'utilisation_pct', null)
		into totals from fund_projects
		where p_township is null or township_code = p_township;
	else
		select jsonb_build_object('allocated_fen', a.a,
		    'committed_fen', a.c, 'disbursed_fen', d.d,
		    'available_fen', a.a - a.c,
		    'utilisation_pct', xz.fund_pct(d.d, a.a))
		into totals
		from (select coalesce(sum(amount_fen - withdrawn_fen), 0) as a,
		    coalesce(sum(committed_fen), 0) as c
		    from fund_allocations
		    where p_township is null or township_code = p_township) a,
		    (select coalesce(sum(disbursed_fen), 0) as d
		    from fund_project_lines
		    where p_township is null or township_code = p_township) d;
	end if;
	r := jsonb_build_object('township_code', p_township,
	    'from', p_from, 'to', p_to, 'totals', totals);
	-- A village sees its own projects' funding lines, not the
	-- township's allocations: committed and disbursed by source only.
	if village then
		r := r || jsonb_build_object('by_source', coalesce((
		    select jsonb_agg(jsonb_build_object('source_id',
			t.source_id, 'name', s.name, 'category', s.category,
			'fiscal_year', s.fiscal_year, 'allocated_fen', null,
			'committed_fen', t.c, 'disbursed_fen', t.d,
			'available_fen', null,
			'utilisation_pct', xz.fund_pct(t.d, t.c))
			order by s.fiscal_year desc, s.name, t.source_id)
		    from (select source_id, sum(committed_fen) as c,
			sum(disbursed_fen) as d from fund_project_lines
			where p_township is null or
			    township_code = p_township
			group by source_id) t
		    join fund_sources s on s.id = t.source_id), '[]'::jsonb));
	else
	r := r || jsonb_build_object('by_source', coalesce((
	    select jsonb_agg(jsonb_build_object('source_id', t.source_id,
		'name', s.name, 'category', s.category,
		'fiscal_year', s.fiscal_year,
		'allocated_fen', t.a, 'committed_fen', t.c,
		'disbursed_fen', t.d, 'available_fen', t.a - t.c,
		'utilisation_pct', xz.fund_pct(t.d, t.a))
		order by s.fiscal_year desc, s.name, t.source_id)
	    from (select x.source_id, sum(x.a) as a, sum(x.c) as c,
		sum(x.d) as d
		from (select source_id, amount_fen - withdrawn_fen as a,
		    committed_fen as c, 0 as d from fund_allocations
		    where p_township is null or township_code = p_township
		    union all
		    select source_id, 0, 0, disbursed_fen
		    from fund_project_lines
		    where p_township is null or township_code = p_township) x
		group by x.source_id) t
	    left join fund_sources s on s.id = t.source_id), '[]'::jsonb));
	end if;
	r := r || jsonb_build_object('by_category', coalesce((
	    select jsonb_agg(jsonb_build_object('category', x.category,
		'projects', x.n, 'budget_fen', x.b, 'committed_fen', x.c,
		'disbursed_fen', x.d,
		'utilisation_pct', xz.fund_pct(x.d, x.c))
		order by x.category)
	    from (select category, count(*) as n, sum(budget_fen) as b,
		sum(committed_fen) as c, sum(disbursed_fen) as d
		from fund_projects
		where (p_township is null or township_code = p_township) and
		    status <> 'revoked'
		group by category) x), '[]'::jsonb));
	r := r || jsonb_build_object('by_village', coalesce((
	    select jsonb_agg(jsonb_build_object('village_code',
		x.village_code, 'name', v.name, 'projects', x.n,
		'budget_fen', x.b, 'committed_fen', x.c,
		'disbursed_fen', x.d) order by x.village_code)
	    from (select village_code, count(*) as n, sum(budget_fen) as b,
		sum(committed_fen) as c, sum(disbursed_fen) as d
		from fund_projects
		where (p_township is null or township_code = p_township) and
		    village_code is not null and status <> 'revoked'
		group by village_code) x
	    join villages v on v.code = x.village_code), '[]'::jsonb));
	r := r || jsonb_build_object('monthly', coalesce((
	    select jsonb_agg(jsonb_build_object('month', m.month,
		'allocated_fen', m.a, 'committed_fen', m.c,
		'disbursed_fen', m.d) order by m.month)
	    from (select to_char(e.at at time zone 'Asia/Shanghai',
		    'YYYY-MM') as month,
		sum(case e.kind when 'allocation' then e.amount_fen
		    when 'withdrawal' then -e.amount_fen else 0 end) as a,
		sum(case e.kind when 'commitment' then e.amount_fen
		    when 'release' then -e.amount_fen else 0 end) as c,
		sum(case e.kind when 'disbursement' then e.amount_fen
		    when 'reversal' then -e.amount_fen else 0 end) as d
		from fund_ledger e
		where (p_township is null or e.township_code = p_township)
		    and e.at >= (p_from::timestamp at time zone
			'Asia/Shanghai')
		    and e.at < ((p_to + 1)::timestamp at time zone
			'Asia/Shanghai')
		group by 1) m), '[]'::jsonb));
	return r;
end
$$;

-- plpgsql, so that its plan is cached per session (a SQL function of
-- this shape is planned again on every call).
create function xz.fund_county_summary(p_from date, p_to date)
    returns jsonb
language plpgsql stable
as $$
begin
	return (with a as (
		select township_code, sum(allocated_fen) as a,
		    sum(committed_fen) as c, sum(disbursed_fen) as d
		from fund_township_totals group by township_code
	), w as (
		select township_code, count(*) as n, min(filed_at) as oldest
		from fund_projects where status = 'filed'
		group by township_code
	), o as (
		select township_code, count(*) as n from fund_projects
		where status in ('review_passed', 'in_progress') and
		    planned_end < (now() at time zone 'Asia/Shanghai')::date
		group by township_code
	), v as (
		select township_code, count(*) as n,
		    sum(population_served) as pop,
		    sum(actual_cost_fen) as cost,
		    sum(actual_craftsmen_pct::numeric * population_served) as cw
		from fund_projects
		where delivery = 'village_run' and
		    status in ('completed', 'closed') and
		    (p_from is null or completed_on >= p_from) and
		    (p_to is null or completed_on <= p_to)
		group by township_code
	), t as (
		select tw.code, tw.name,
		    coalesce(a.a, 0) as a, coalesce(a.c, 0) as c,
		    coalesce(a.d, 0) as d, coalesce(w.n, 0) as wn, w.oldest,
		    coalesce(o.n, 0) as overdue, coalesce(v.n, 0) as vn,
		    coalesce(v.pop, 0) as pop, coalesce(v.cost, 0) as cost,
		    v.cw
		from townships tw
		left join a on a.township_code = tw.code
		left join w on w.township_code = tw.code
		left join o on o.township_code = tw.code
		left join v on v.township_code = tw.code
	)
	select jsonb_build_object('county_code', xz.claim('county'),
	    'from', p_from, 'to', p_to, 'as_of', now(),
	    'townships', coalesce(jsonb_agg(jsonb_build_object(
		'township_code', t.code, 'name', t.name,
		'allocated_fen', t.a, 'committed_fen', t.c,
		'disbursed_fen', t.d, 'available_fen', t.a - t.c,
		'utilisation_pct', xz.fund_pct(t.d, t.a),
		'awaiting_review', jsonb_build_object('count', t.wn,
		    'oldest_filed_at', t.oldest, 'oldest_age_days',
		    extract(day from now() - t.oldest)::integer),
		'overdue_projects', t.overdue,
		'village_run', jsonb_build_object('projects', t.vn,
		    'population_served', t.pop, 'actual_cost_fen', t.cost,
		    'per_capita_cost_fen', case when t.pop > 0 then
			round(t.cost::numeric / t.pop) end,
		    'craftsmen_share_pct', case when t.pop > 0 then
			round(t.cw / t.pop, 1) end))
		order by t.code), '[]'::jsonb),
	    'totals', jsonb_build_object('allocated_fen',
		coalesce(sum(t.a), 0), 'committed_fen', coalesce(sum(t.c), 0),
		'disbursed_fen', coalesce(sum(t.d), 0),
		'available_fen', coalesce(sum(t.a - t.c), 0),
		'utilisation_pct', xz.fund_pct(sum(t.d), sum(t.a)),
		'awaiting_review', coalesce(sum(t.wn), 0),
		'overdue_projects', coalesce(sum(t.overdue), 0),
		'village_run_per_capita_cost_fen', case when sum(t.pop) > 0
		    then round(sum(t.cost)::numeric / sum(t.pop)) end,
		'village_run_craftsmen_share_pct', case when sum(t.pop) > 0
		    then round(sum(t.cw) / sum(t.pop), 1) end))
	from t);
end
$$;

-- Recomputes every counter from the ledger (decision 2).  Runs as the
-- caller: a county user checks the whole county.
create function xz.fund_ledger_verify() returns jsonb
language sql stable
as $$
	with e as (
		select *, case when kind in ('withdrawal', 'release',
		    'reversal') then -amount_fen else amount_fen end as signed
		from fund_ledger
	), bs as (
		select source_id, sum(signed) as v from e
		where kind in ('allocation', 'withdrawal') group by source_id
	), ba as (
		select allocation_id,
		    coalesce(sum(amount_fen) filter (where kind = 'allocation'),
			0) as amt,
		    coalesce(sum(amount_fen) filter (where kind = 'withdrawal'),
			0) as wd,
		    coalesce(sum(signed) filter (where kind in ('commitment',
			'release')), 0) as com
		from e group by allocation_id
	), bl as (
		select funding_line_id,
		    coalesce(sum(signed) filter (where kind in ('commitment',
			'release')), 0) as com,
		    coalesce(sum(signed) filter (where kind in ('disbursement',
			'reversal')), 0) as paid,
		    coalesce(sum(amount_fen) filter (where kind = 'release'),
			0) as rel
		from e where funding_line_id is not null
		group by funding_line_id
	), bp as (
		select project_id,
		    coalesce(sum(signed) filter (where kind in ('commitment',
			'release')), 0) as com,
		    coalesce(sum(signed) filter (where kind in ('disbursement',
			'reversal')), 0) as paid
		from e where project_id is not null group by project_id
	), bd as (
		select disbursement_id, sum(amount_fen) as v from e
		where disbursement_id is not null group by disbursement_id
	), bt as (
		select township_code,
		    coalesce(sum(signed) filter (where kind in ('allocation',
			'withdrawal')), 0) as a,
		    coalesce(sum(signed) filter (where kind in ('commitment',
			'release')), 0) as c,
		    coalesce(sum(signed) filter (where kind in ('disbursement',
			'reversal')), 0) as d
		from e group by township_code
	), tt as (
		select township_code, sum(allocated_fen) as a,
		    sum(committed_fen) as c, sum(disbursed_fen) as d
		from fund_township_totals group by township_code
	), m as (
		select 'source' as entity, s.id::text as id,
		    'allocated_fen' as field, s.allocated_fen as stored,
		    coalesce(bs.v, 0) as ledger
		from fund_sources s left join bs on bs.source_id = s.id
		union all
		select 'allocation', a.id::text, f.field, f.stored, f.ledger
		from fund_allocations a
		left join ba on ba.allocation_id = a.id,
		lateral (values ('amount_fen', a.amount_fen,
		    coalesce(ba.amt, 0)),
		    ('withdrawn_fen', a.withdrawn_fen, coalesce(ba.wd, 0)),
		    ('committed_fen', a.committed_fen, coalesce(ba.com, 0)))
		    as f(field, stored, ledger)
		union all
		select 'funding_line', l.id::text, f.field, f.stored, f.ledger
		from fund_project_lines l
		left join bl on bl.funding_line_id = l.id,
		lateral (values ('committed_fen', l.committed_fen,
		    coalesce(bl.com, 0)),
		    ('disbursed_fen', l.disbursed_fen, coalesce(bl.paid, 0)),
		    ('released_fen', l.released_fen, coalesce(bl.rel, 0)))
		    as f(field, stored, ledger)
		union all
		select 'project', p.id::text, f.field, f.stored, f.ledger
		from fund_projects p
		left join bp on bp.project_id = p.id,
		lateral (values ('committed_fen', p.committed_fen,
		    coalesce(bp.com, 0)),
		    ('disbursed_fen', p.disbursed_fen, coalesce(bp.paid, 0)))
		    as f(field, stored, ledger)
		union all
		select 'disbursement', d.id::text, 'amount_fen', d.amount_fen,
		    coalesce(bd.v, 0)
		from fund_disbursements d
		left join bd on bd.disbursement_id = d.id
		union all
		select 'township_totals', coalesce(tt.township_code,
		    bt.township_code)::text, f.field, f.stored, f.ledger
		from tt full join bt on bt.township_code = tt.township_code,
		lateral (values ('allocated_fen', coalesce(tt.a, 0),
		    coalesce(bt.a, 0)),
		    ('committed_fen', coalesce(tt.c, 0), coalesce(bt.c, 0)),
		    ('disbursed_fen', coalesce(tt.d, 0), coalesce(bt.d, 0)))
		    as f(field, stored, ledger)
	)
	select jsonb_build_object(
	    'ok', count(*) filter (where stored <> ledger) = 0,
	    'checked', jsonb_build_object('entries', (select count(*) from e),
		'sources', count(distinct id) filter (where entity = 'source'),
		'allocations', count(distinct id) filter (where entity =
		    'allocation'),
		'lines', count(distinct id) filter (where entity =
		    'funding_line'),
		'projects', count(distinct id) filter (where entity =
		    'project'),
		'disbursements', count(distinct id) filter (where entity =
		    'disbursement'),
		'townships', count(distinct id) filter (where entity =
		    'township_totals'),
		'values', count(*)),
	    'mismatches', coalesce((jsonb_agg(jsonb_build_object('entity',
		entity, 'id', id, 'field', field, 'stored', stored,
		'ledger', ledger) order by entity, id, field)
		filter (where stored <> ledger)), '[]'::jsonb))
	from m
$$;

------------------------------------------------------------------------
-- Versions and the audit trail.  Counter updates made by the ledger
-- trigger are not audited row by row (pg_trigger_depth() > 0): the ledger
-- row is their record, with actor and request id.

create trigger fund_settings_version before update on fund_settings
    for each row execute function xz.bump_version();
create trigger fund_sources_version before update on fund_sources
    for each row execute function xz.bump_version();
create trigger fund_allocations_version before update on fund_allocations
    for each row execute function xz.bump_version();
create trigger fund_projects_version before update on fund_projects
    for each row execute function xz.bump_version();

create trigger fund_settings_audit after insert or update on fund_settings
    for each row when (pg_trigger_depth() < 1)
    execute function xz.audit_row('county_code');
create trigger fund_sources_audit after insert or update on fund_sources
    for each row when (pg_trigger_depth() < 1)
    execute function xz.audit_row();
create trigger fund_allocations_audit after insert or update
    on fund_allocations for each row when (pg_trigger_depth() < 1)
    execute function xz.audit_row();
create trigger fund_projects_audit after insert or update on fund_projects
    for each row when (pg_trigger_depth() < 1)
    execute function xz.audit_row();
create trigger fund_disbursements_audit after insert
    on fund_disbursements for each row
    execute function xz.audit_row();
-- Withdrawals, commitments and releases are the service's own ledger
-- rows: audited like any write (payments and allocations are audited as
-- their business rows).
create trigger fund_ledger_audit after insert on fund_ledger
    for each row when (pg_trigger_depth() < 1)
    execute function xz.audit_row();

------------------------------------------------------------------------
-- Row-level security (decision 10).

do $$
declare
	in_county	constant text :=
	    'county_code = (select xz.claim(''county''))::bpchar';
	role_is		constant text := '(select xz.claim(''role'')) = ';
	own_township	constant text :=
	    'township_code = (select xz.claim(''township''))::bpchar';
	own_village	constant text :=
	    'village_code = (select xz.claim(''village''))::bpchar';
	partner		constant text :=
	    '(select xz.claim(''role'')) = ''partner'' and ''funds:read'' ='
	    ' any (string_to_array((select xz.claim(''scopes'')), '' ''))'
	    ' and ((select xz.claim(''townships'')) = ''*'' or township_code'
	    ' = any (string_to_array((select xz.claim(''townships'')),'
	    ' '','')::bpchar[]))';
	county		text;
	township	text;
	village		text;
	t		text;
begin
	county := role_is || '''county''';
	township := format('(%s''township'' and %s)', role_is, own_township);
	village := format('(%s''village'' and %s and %s)', role_is,
	    own_township, own_village);
	foreach t in array array['fund_settings', 'fund_sources',
	    'fund_allocations', 'fund_projects', 'fund_project_lines',
	    'fund_disbursements', 'fund_ledger', 'fund_township_totals',
	    'fund_project_history', 'fund_filings']
	loop
		execute format('alter table %I enable row level security', t);
		execute format('alter table %I force row level security', t);
	end loop;

	execute format('create policy fund_settings_read on fund_settings'
	    ' for select using (%s and (%s or %s''township''))',
	    in_county, county, role_is);
	execute format('create policy fund_settings_update on fund_settings'
	    ' for update using (%s and %s) with check (%s and %s)',
	    in_county, county, in_county, county);

	execute format('create policy fund_sources_read on fund_sources'
	    ' for select using (%s and (%s or %s''township'' or %s''village'''
	    ' or (%s''partner'''
	    ' and ''funds:read'' = any (string_to_array((select'
	    ' xz.claim(''scopes'')), '' '')))))', in_county, county, role_is,
	    role_is, role_is);
	execute format('create policy fund_sources_insert on fund_sources'
	    ' for insert with check (%s and %s)', in_county, county);
	execute format('create policy fund_sources_update on fund_sources'
	    ' for update using (%s and %s) with check (%s and %s)',
	    in_county, county, in_county, county);

	execute format('create policy fund_allocations_read on'
	    ' fund_allocations for select using (%s and (%s or %s or (%s)))',
	    in_county, county, township, partner);
	execute format('create policy fund_allocations_insert on'
	    ' fund_allocations for insert with check (%s and %s)',
	    in_county, county);

	execute format('create policy fund_projects_read on fund_projects'
	    ' for select using (%s and (%s or %s or %s or (%s)))',
	    in_county, county, township, village, partner);
	execute format('create policy fund_projects_insert on fund_projects'
	    ' for insert with check (%s and (%s or %s))',
	    in_county, township, village);
	execute format('create policy fund_projects_update on fund_projects'
	    ' for update using (%s and (%s or %s or (%s and status in'
	    ' (''draft'', ''rectification_required''))))'
	    ' with check (%s and (%s or %s or (%s and status in (''draft'','
	    ' ''rectification_required'', ''submitted''))))',
	    in_county, county, township, village,
	    in_county, county, township, village);

	execute format('create policy fund_project_lines_read on'
	    ' fund_project_lines for select using (%s and (%s or %s or %s or'
	    ' (%s)))', in_county, county, township, village, partner);
	foreach t in array array['fund_disbursements',
	    'fund_project_history']
	loop
		execute format('create policy %I on %I for select'
		    ' using (%s and (%s or %s or %s))', t || '_read', t,
		    in_county, county, township, village);
	end loop;
	execute format('create policy fund_disbursements_insert on'
	    ' fund_disbursements for insert with check (%s and %s)',
	    in_county, township);

	execute format('create policy fund_ledger_read on fund_ledger'
	    ' for select using (%s and (%s or %s or (%s)))',
	    in_county, county, township, partner);
	execute format('create policy fund_ledger_insert on fund_ledger'
	    ' for insert with check (%s and ((kind = ''withdrawal'' and %s)'
	    ' or (kind = ''commitment'' and %s) or (kind = ''release'' and'
	    ' (%s or %s))))', in_county, county, township, county, township);

	execute format('create policy fund_township_totals_read on'
	    ' fund_township_totals for select using (%s and (%s or %s or'
	    ' (%s)))', in_county, county, township, partner);
	execute format('create policy fund_filings_read on fund_filings'
	    ' for select using (%s and (%s or %s))',
	    in_county, county, township);
end
$$;

------------------------------------------------------------------------
-- Least privilege for the service.  No counter, stamp, history, filing,
-- or ledger column is writable; ledger rows are inserted only with
-- the columns the apply trigger reads.

grant select on fund_settings, fund_sources, fund_allocations,
    fund_projects, fund_project_lines, fund_disbursements, fund_ledger,
    fund_township_totals, fund_project_history, fund_filings
    to xiangzhi_app;
grant update (township_approval_limit_fen) on fund_settings
    to xiangzhi_app;
grant insert (county_code, name, category, fiscal_year, total_fen,
    document_no) on fund_sources to xiangzhi_app;
grant update (name, total_fen, document_no) on fund_sources
    to xiangzhi_app;
grant insert (county_code, township_code, source_id, amount_fen, purpose,
    document_no) on fund_allocations to xiangzhi_app;
grant insert (county_code, township_code, village_code, title, category,
    delivery, contractor, population_served, per_capita_fen,
    planned_craftsmen_pct, budget_fen, planned_start, planned_end)
    on fund_projects to xiangzhi_app;
grant update (title, category, village_code, delivery, contractor,
    population_served, per_capita_fen, planned_craftsmen_pct, budget_fen,
    planned_start, planned_end, status, status_reason, actual_cost_fen,
    actual_craftsmen_pct, completed_on) on fund_projects to xiangzhi_app;
grant insert (project_id, county_code, township_code, village_code, kind,
    amount_fen, payee_kind, payee_name, cooperative_id, voucher_no,
    paid_on, reverses_id, reason, idempotency_key, request_hash)
    on fund_disbursements to xiangzhi_app;
grant insert (kind, county_code, township_code, source_id, allocation_id,
    project_id, amount_fen, reason) on fund_ledger to xiangzhi_app;

grant execute on function xz.refuse(integer, text, text, text),
    xz.yuan(bigint), xz.fund_pct(numeric, numeric),
    xz.fund_pay_slot(uuid),
    xz.fund_source_json(fund_sources),
    xz.fund_allocation_json(fund_allocations),
    xz.fund_line_json(fund_project_lines),
    xz.fund_project_core_json(fund_projects),
    xz.fund_project_json(fund_projects),
    xz.fund_disbursement_json(fund_disbursements),
    xz.fund_history_json(fund_project_history),
    xz.fund_filing_json(fund_filings), xz.fund_ledger_json(fund_ledger),
    xz.fund_settings_json(char), xz.fund_allocate(uuid, text, bigint,
    text, text), xz.fund_withdraw(uuid, bigint, text),
    xz.fund_project_get(uuid), xz.fund_project_check(fund_projects),
    xz.fund_project_merge(fund_projects, jsonb),
    xz.fund_project_create(jsonb),
    xz.fund_project_lock(uuid, integer),
    xz.fund_project_patch(uuid, integer, jsonb),
    xz.fund_commit(uuid, uuid, bigint),
    xz.fund_release(uuid, bigint, text),
    xz.fund_release_all(fund_projects, text),
    xz.fund_transition(uuid, text, integer, jsonb),
    xz.fund_disburse(uuid, text, jsonb),
    xz.fund_reverse(uuid, text, text),
    xz.fund_report(text, date, date), xz.fund_county_summary(date, date),
    xz.fund_ledger_verify() to xiangzhi_app;

-- The SECURITY DEFINER trigger functions are not the service's to call.
revoke all on function xz.fund_settings_create(), xz.fund_ledger_apply(),
    xz.fund_allocation_post(), xz.fund_disbursement_post(),
    xz.fund_project_record(), xz.fund_project_created() from public;
-- Totals move only with the ledger.
revoke all on function xz.fund_totals_add(char, char, smallint, bigint,
    bigint, bigint), xz.fund_ledger_pay(fund_ledger) from public;
