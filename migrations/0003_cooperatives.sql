-- Cooperative registries (issue 6): labour, machinery, farmland and
-- housing cooperatives ("四农"合作社), their villages, members, assets,
-- bookings, land transfers and house leases.  Runs as xiangzhi_owner in
-- one transaction (xiangzhi-admin migrate).
--
-- Decisions (the why of this file; the API half builds on them):
--
-- 1. Tenancy keys.  Every table carries county_code and township_code (NOT
--    NULL).  Children reference cooperatives with (cooperative_id,
--    township_code, county_code) and grandchildren their parent with
--    (x_id, cooperative_id, township_code), so a row can never point into
--    another tenant or another cooperative, and every foreign key holds the
--    township (Citus co-location).  A village code is checked to start with
--    the row's township code and references villages (as users do).
-- 2. Kind-typed assets.  machines, land_parcels, houses, member_skills,
--    labour_teams and the transfers/leases carry a constant
--    cooperative_kind column that is part of their foreign key to
--    cooperatives (id, township_code, county_code, kind): a machine can only
--    belong to a machinery cooperative, a parcel to a farmland one, etc.  The
--    service never writes it (no grant; the default is the only value).
--    Cooperative.kind cannot be updated.
-- 3. Resident ID numbers live in a 1:1 side table, member_identities, not
--    in members: column grants cannot tell a village user from a township
--    user (the service has one role), but a row policy can.  Only county
--    and township users see member_identities rows, so nobody below the
--    township sees even the masked number, enforced here and not only in C.
--    resident_id_hmac (HMAC-SHA256 by the service, 32 bytes) is never
--    selectable by the service at all (no column grant): PostgreSQL needs
--    SELECT on a column to use it in WHERE, so matching goes through
--    xz.members_by_resident_id(hmac), a SECURITY DEFINER function that
--    returns member ids only and applies the county/township rule itself
--    (the owner has BYPASSRLS).  A duplicate in one cooperative is a unique
--    violation (23505) on insert; a member who leaves and rejoins is
--    therefore the same row (left_on cleared), not a new one.  The audit
--    trail never copies the HMAC (xz.audit_row below strips it like the
--    password hashes).  The masked form may appear in audit rows (they are
--    readable by county and township users only).
-- 4. Village users read cooperatives that SERVE their village (rows of
--    cooperative_villages), the assets, teams, bookings, transfers and
--    leases of those cooperatives, the memberships whose village_code is
--    theirs, and their own village's cooperative_villages rows.  The one
--    policy input not in the token - which cooperatives serve the village -
--    comes from xz.village_cooperatives(), an ordinary (invoker) function
--    called as an uncorrelated scalar subquery: it runs once per statement
--    as an InitPlan, through cooperative_villages' own policy, and the
--    policy then compares the row's own column with a constant array.  This
--    is the one place a policy reads another table (DESIGN: "policies use
--    no subqueries over other tables"); under Citus it would become a
--    denormalised served-villages column.  A membership of a villager in a
--    cooperative that does not serve their village is visible to the
--    village user, the cooperative itself is not.
-- 5. Partners read cooperatives, cooperative_villages and assets (machines,
--    parcels, houses, skills, teams) of their granted townships (claim
--    townships: '*' or a comma list, as in 0001) when their scopes hold
--    coops:read; bookings when they hold coops:read or bookings:write,
--    and with bookings:write alone the cooperatives, machines and labour
--    teams they book (the service's permission table still gives such a
--    partner no listing route: it books what it learned elsewhere).
--    With bookings:write they insert bookings in granted townships and
--    cancel the bookings THEY created (created_by = their sub).  The scope
--    checks repeat the service's permission table (defense in depth).
--    Partners never see members, identities, transfers or leases.
-- 6. County users read and write their county, township users their
--    township; village users and partners (apart from bookings) only read.
--    Nothing is deleted except links and assets: cooperatives are
--    dissolved (status), members leave (left_on), bookings, transfers and
--    leases are cancelled and kept.  Machines, parcels, houses and teams can
--    be deleted (data-entry mistakes) while nothing references them
--    (foreign keys: 23503).
-- 7. Cancellation is final and stamped here: cancelled_at is set by a
--    trigger, a cancelled booking/transfer/lease cannot change any more
--    (SQLSTATE 55000), cancel_reason is required with it and only with it.
--    Changing a booking's period or price is cancel + new booking.
-- 8. No double booking: EXCLUDE USING gist (machine_id WITH =, period WITH
--    &&) WHERE (status = 'booked'), the same for labour_team_id, for
--    land_transfers (parcel, term, status active) and house_leases (house,
--    term, status active).  A violation is SQLSTATE 23P01, also under
--    concurrent inserts (the constraint locks the index range), so the
--    service needs no locking of its own.  Ranges are canonical [lower,
--    upper): [a,b) and [b,c) do not overlap.  btree_gist and pg_trgm are
--    trusted extensions in PostgreSQL 13+: the database owner
--    (xiangzhi_owner, not a superuser) can create them, checked on a fresh
--    cluster.
-- 9. Cooperative status: active | suspended | dissolved; dissolved is final
--    (55000); a status change stamps status_since with today (Asia/Shanghai,
--    the session time zone) unless the caller sets it; a reason is required
--    while not active.
-- 10. Land parcels are keyed by the 19-digit parcel code of the land
--    contract registration (地块编码: 14-digit contractor-side code that
--    starts with the village code, plus a 5-digit sequence), unique.  The
--    contract certificate number (承包经营权证号) is per household and covers
--    all of its parcels, so it cannot be unique per parcel; it is indexed
--    per county for lookups instead.  Each parcel and house belongs to a
--    member (the contractor or owner who pooled it).
-- 11. Areas follow DESIGN's API name area_mu_x100 (hundredths of a mu), so
--    member contributions are contribution_mu_x100, not *_mu_centi.
-- 12. Money is bigint fen, never negative, with maxima: registered capital
--    10^15, contributions 10^13, booking price 10^11, rent 10^8 fen per mu
--    per year and 10^10 fen per house per year.
-- 13. Name search.  A pg_trgm GIN index serves name ILIKE '%...%' (the
--    database is UTF-8 with LC_CTYPE C.UTF-8, under which pg_trgm counts CJK
--    characters as word characters: show_trgm('城关农机') has trigrams).  But
--    under row-level security PostgreSQL uses no index for a non-leakproof
--    operator such as ILIKE in the caller's WHERE (the policy quals must
--    run first), so a plain ILIKE by the service is always a filter over
--    the caller's tenant rows.  xz.cooperatives_named(q) (SECURITY DEFINER,
--    pinned search_path) returns the ids of cooperatives whose name
--    contains q within the caller's county, township or partner grant,
--    planned with the literal pattern, so the planner uses the trigram
--    index when it pays; the service selects WHERE id IN (select
--    xz.cooperatives_named($1)) and row security still decides what is
--    returned.  Measured on 100,000 cooperatives (95,000 in one county),
--    '股份合作社1234': plain ILIKE under RLS 70 ms (county index, filter),
--    through the function 2.4 ms (trigram index).  Trigrams are 3
--    characters: a 1- or 2-character query (common in Chinese: 农机, 城关)
--    has none and cannot use the index; for those the API should use the
--    plain name ILIKE xz.like_contains($1) (tenant index + filter: about
--    1 ms for a county of a few thousand cooperatives, 70 ms for the
--    95,000 above, where returning every match through the function took
--    270 ms).  So: 3+ characters through the function, 1-2 plain.
-- 14. Tenant predicates in policies compare with claims cast to bpchar
--    (county_code = (select xz.claim('county'))::bpchar): the code columns
--    are char(n), and comparing them with text casts the column to text,
--    which no index serves (0001's policies do that; harmless at their
--    size).  With the cast the county/township indexes carry the policies
--    (checked with EXPLAIN on cooperatives).  The service should bind
--    its own filters the same way (township_code = $1::bpchar, or plain
--    literals), and keep filters leakproof where it wants an index
--    (equality on codes, ids and dates is; ILIKE, && on ranges and array
--    operators are not).
-- 15. Contribution: contribution_kind money | land | labour with exactly the
--    matching one of contribution_fen, contribution_mu_x100,
--    contribution_labour_days non-null and positive.
-- 16. At most one chair among current members (left_on IS NULL: a partial
--    index cannot use current_date; set left_on when the chair leaves).
-- 17. Left to the service (they need other rows or today's date): booking
--    only machines not out_of_service and teams with members, only
--    cooperatives that are active; leasing only idle houses (and setting
--    occupancy); members joining on or after the founding date; team
--    members being current members.

create extension if not exists btree_gist;
create extension if not exists pg_trgm;

-- GB 32100 unified social credit code: 18 characters of the 31-character
-- alphabet (digits and capitals without I, O, S, V, Z); the 18th is the
-- check character alphabet[(31 - sum(w_i * value_i) mod 31) mod 31] over
-- the first 17.  Uppercase only: the service canonicalises input.
create function xz.uscc_valid(code text) returns boolean
language sql immutable strict parallel safe
as $$
	select code ~ '^[0-9A-HJ-NP-RTUW-Y]{18}$' and
	    substr('0123456789ABCDEFGHJKLMNPQRTUWXY',
		(31 - (select sum(w[i] * (strpos(
		    '0123456789ABCDEFGHJKLMNPQRTUWXY', substr(code, i, 1)) - 1))
		    from generate_series(1, 17) as i)::integer % 31) % 31 + 1,
		1) = substr(code, 18, 1)
	from (select array[1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24,
	    10, 30, 28] as w) as weights
$$;

-- A LIKE pattern matching q anywhere: %, _ and \ in q are literal.
create function xz.like_contains(q text) returns text
language sql immutable strict parallel safe
as $$
	select '%' || replace(replace(replace(q, '\', '\\'), '%', '\%'),
	    '_', '\_') || '%'
$$;

-- The audit trail: as 0002, plus resident_id_hmac among the columns never
-- copied, and an entity id for tables keyed without code or id: the
-- trigger's arguments name the key columns, joined with '/'.
create or replace function xz.audit_row() returns trigger
language plpgsql
as $$
declare
	secret	constant text[] := array['password_hash', 'secret_hash',
	    'previous_secret_hash', 'resident_id_hmac'];
	r	jsonb;
	eid	text;
	i	integer;
begin
	r := to_jsonb(coalesce(new, old)) - secret;
	if tg_nargs > 0 then
		eid := r ->> tg_argv[0];
		for i in 1 .. tg_nargs - 1 loop
			eid := eid || '/' || (r ->> tg_argv[i]);
		end loop;
	else
		eid := coalesce(r ->> 'code', r ->> 'id');
	end if;
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
	    lower(tg_op), tg_table_name, eid,
	    case when tg_op <> 'INSERT' then to_jsonb(old) - secret end,
	    case when tg_op <> 'DELETE' then to_jsonb(new) - secret end);
	return null;
end
$$;

------------------------------------------------------------------------
-- Cooperatives and the villages they serve.

create table cooperatives (
	id		uuid primary key default gen_random_uuid(),
	county_code	char(6) not null,
	township_code	char(9) not null,
	kind		text not null
			    check (kind in ('labor', 'machinery', 'farmland',
			    'housing')),
	name		text not null check (char_length(name) between 1 and 64),
	uscc		char(18) not null unique check (xz.uscc_valid(uscc)),
	legal_representative text not null
			    check (char_length(legal_representative)
			    between 1 and 64),
	founded_on	date not null check (founded_on >= date '1949-01-01'),
	registered_capital_fen bigint not null default 0
			    check (registered_capital_fen between 0 and
			    1000000000000000),
	status		text not null default 'active'
			    check (status in ('active', 'suspended',
			    'dissolved')),
	status_since	date not null default current_date,
	status_reason	text check (char_length(status_reason)
			    between 1 and 200),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (township_code, county_code)
	    references townships (code, county_code),
	unique (id, township_code, county_code),
	unique (id, township_code, county_code, kind),
	check (status = 'active' or status_reason is not null)
);
create index cooperatives_township on cooperatives (township_code, id);
create index cooperatives_county on cooperatives (county_code, township_code);
create index cooperatives_name_trgm on cooperatives
    using gin (name gin_trgm_ops);

create table cooperative_villages (
	cooperative_id	uuid not null,
	county_code	char(6) not null,
	township_code	char(9) not null,
	village_code	char(12) not null references villages (code),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	primary key (cooperative_id, village_code),
	foreign key (cooperative_id, township_code, county_code)
	    references cooperatives (id, township_code, county_code),
	check (left(village_code, 9) = township_code)
);
create index cooperative_villages_village on cooperative_villages
    (village_code, cooperative_id);

------------------------------------------------------------------------
-- Members and their identities.

create table members (
	id		uuid primary key default gen_random_uuid(),
	cooperative_id	uuid not null,
	county_code	char(6) not null,
	township_code	char(9) not null,
	kind		text not null check (kind in ('person', 'household')),
	name		text not null check (char_length(name) between 1 and 64),
	village_code	char(12) not null references villages (code),
	joined_on	date not null,
	left_on		date,
	role		text not null default 'member'
			    check (role in ('chair', 'board', 'supervisor',
			    'member')),
	contribution_kind text not null
			    check (contribution_kind in ('money', 'land',
			    'labour')),
	contribution_fen bigint check (contribution_fen between 1 and
			    10000000000000),
	contribution_mu_x100 integer check (contribution_mu_x100 between 1
			    and 100000000),
	contribution_labour_days integer check (contribution_labour_days
			    between 1 and 10000),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (cooperative_id, township_code, county_code)
	    references cooperatives (id, township_code, county_code),
	unique (id, cooperative_id, township_code),
	check (left(village_code, 9) = township_code),
	check (left_on is null or left_on >= joined_on),
	-- Exactly the one amount that matches the kind.
	check ((contribution_kind = 'money') = (contribution_fen is not null)
	    and (contribution_kind = 'land') =
		(contribution_mu_x100 is not null)
	    and (contribution_kind = 'labour') =
		(contribution_labour_days is not null))
);
create index members_cooperative on members (cooperative_id, id);
create index members_township on members (township_code, id);
create index members_village on members (village_code, id);
create unique index members_one_chair on members (cooperative_id)
    where role = 'chair' and left_on is null;

-- A person's (or a household head's) resident ID number, GB 11643: never
-- stored in plain text.  The service checks the number, computes
-- HMAC-SHA256 under its own key for matching and the mask for display
-- (first 6 and last 4 characters).
create table member_identities (
	member_id	uuid primary key,
	cooperative_id	uuid not null,
	county_code	char(6) not null,
	township_code	char(9) not null,
	resident_id_hmac bytea not null
			    check (octet_length(resident_id_hmac) = 32),
	resident_id_masked text not null
			    check (resident_id_masked ~
			    '^[0-9]{6}\*{8}[0-9]{3}[0-9X]$'),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (member_id, cooperative_id, township_code)
	    references members (id, cooperative_id, township_code),
	foreign key (cooperative_id, township_code, county_code)
	    references cooperatives (id, township_code, county_code),
	unique (cooperative_id, resident_id_hmac)
);
create index member_identities_hmac on member_identities (resident_id_hmac);

------------------------------------------------------------------------
-- Assets.  cooperative_kind: see decision 2.

create table machines (
	id		uuid primary key default gen_random_uuid(),
	cooperative_id	uuid not null,
	cooperative_kind text not null default 'machinery'
			    check (cooperative_kind = 'machinery'),
	county_code	char(6) not null,
	township_code	char(9) not null,
	type		text not null
			    check (type in ('tractor', 'combine_harvester',
			    'transplanter', 'plant_protection_drone',
			    'other')),
	model		text not null check (char_length(model) between 1 and 64),
	power_kw	numeric(6,1) not null check (power_kw > 0),
	plate_or_serial	text not null
			    check (char_length(plate_or_serial) between 1 and 32),
	condition	text not null default 'good'
			    check (condition in ('good', 'fair', 'poor',
			    'out_of_service')),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (cooperative_id, township_code, county_code,
	    cooperative_kind) references cooperatives (id, township_code,
	    county_code, kind),
	unique (id, cooperative_id, township_code),
	unique (township_code, plate_or_serial)
);
create index machines_cooperative on machines (cooperative_id, id);

create table land_parcels (
	id		uuid primary key default gen_random_uuid(),
	cooperative_id	uuid not null,
	cooperative_kind text not null default 'farmland'
			    check (cooperative_kind = 'farmland'),
	county_code	char(6) not null,
	township_code	char(9) not null,
	member_id	uuid not null,
	village_code	char(12) not null references villages (code),
	parcel_code	char(19) not null unique
			    check (parcel_code ~ '^[0-9]{19}$'),
	certificate_no	text not null
			    check (char_length(certificate_no) between 1 and 40),
	area_mu_x100	integer not null
			    check (area_mu_x100 between 1 and 100000000),
	land_use	text not null
			    check (land_use in ('arable', 'garden', 'forest',
			    'grassland', 'water', 'other')),
	boundaries	text check (char_length(boundaries) between 1 and 500),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (cooperative_id, township_code, county_code,
	    cooperative_kind) references cooperatives (id, township_code,
	    county_code, kind),
	foreign key (member_id, cooperative_id, township_code)
	    references members (id, cooperative_id, township_code),
	unique (id, cooperative_id, township_code),
	check (left(village_code, 9) = township_code),
	check (left(parcel_code, 12) = village_code)
);
create index land_parcels_cooperative on land_parcels (cooperative_id, id);
create index land_parcels_certificate on land_parcels
    (county_code, certificate_no);
create index land_parcels_member on land_parcels (member_id);

create table houses (
	id		uuid primary key default gen_random_uuid(),
	cooperative_id	uuid not null,
	cooperative_kind text not null default 'housing'
			    check (cooperative_kind = 'housing'),
	county_code	char(6) not null,
	township_code	char(9) not null,
	member_id	uuid not null,
	village_code	char(12) not null references villages (code),
	address		text not null
			    check (char_length(address) between 1 and 128),
	floor_area_m2	numeric(8,1) not null check (floor_area_m2 > 0),
	condition	text not null
			    check (condition in ('good', 'fair', 'poor',
			    'dilapidated')),
	occupancy	text not null default 'idle'
			    check (occupancy in ('idle', 'in_use')),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (cooperative_id, township_code, county_code,
	    cooperative_kind) references cooperatives (id, township_code,
	    county_code, kind),
	foreign key (member_id, cooperative_id, township_code)
	    references members (id, cooperative_id, township_code),
	unique (id, cooperative_id, township_code),
	check (left(village_code, 9) = township_code)
);
create index houses_cooperative on houses (cooperative_id, id);
create index houses_member on houses (member_id);

-- Labour: what members of a labour cooperative offer, and named teams.
create table member_skills (
	member_id	uuid not null,
	skill		text not null check (char_length(skill) between 1 and 32),
	cooperative_id	uuid not null,
	cooperative_kind text not null default 'labor'
			    check (cooperative_kind = 'labor'),
	county_code	char(6) not null,
	township_code	char(9) not null,
	days_available_per_month smallint not null
			    check (days_available_per_month between 0 and 31),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	primary key (member_id, skill),
	foreign key (cooperative_id, township_code, county_code,
	    cooperative_kind) references cooperatives (id, township_code,
	    county_code, kind),
	foreign key (member_id, cooperative_id, township_code)
	    references members (id, cooperative_id, township_code)
);
create index member_skills_cooperative on member_skills (cooperative_id);

create table labour_teams (
	id		uuid primary key default gen_random_uuid(),
	cooperative_id	uuid not null,
	cooperative_kind text not null default 'labor'
			    check (cooperative_kind = 'labor'),
	county_code	char(6) not null,
	township_code	char(9) not null,
	name		text not null check (char_length(name) between 1 and 64),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (cooperative_id, township_code, county_code,
	    cooperative_kind) references cooperatives (id, township_code,
	    county_code, kind),
	unique (id, cooperative_id, township_code),
	unique (cooperative_id, name)
);

create table labour_team_members (
	team_id		uuid not null,
	member_id	uuid not null,
	cooperative_id	uuid not null,
	county_code	char(6) not null,
	township_code	char(9) not null,
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	primary key (team_id, member_id),
	foreign key (cooperative_id, township_code, county_code)
	    references cooperatives (id, township_code, county_code),
	-- Deleting a team takes its member list with it.
	foreign key (team_id, cooperative_id, township_code)
	    references labour_teams (id, cooperative_id, township_code)
	    on delete cascade,
	foreign key (member_id, cooperative_id, township_code)
	    references members (id, cooperative_id, township_code)
);
create index labour_team_members_member on labour_team_members (member_id);

------------------------------------------------------------------------
-- Bookings, land transfers, house leases: kept when cancelled.

create table bookings (
	id		uuid primary key default gen_random_uuid(),
	cooperative_id	uuid not null,
	county_code	char(6) not null,
	township_code	char(9) not null,
	machine_id	uuid,
	labour_team_id	uuid,
	booked_by_kind	text not null
			    check (booked_by_kind in ('village', 'farmer',
			    'partner')),
	booked_by	text not null
			    check (char_length(booked_by) between 1 and 64),
	period		daterange not null
			    check (not isempty(period) and lower_inc(period) and
			    not lower_inf(period) and not upper_inf(period) and
			    upper(period) - lower(period) <= 366),
	price_fen	bigint not null
			    check (price_fen between 0 and 100000000000),
	status		text not null default 'booked'
			    check (status in ('booked', 'cancelled')),
	cancelled_at	timestamptz,
	cancel_reason	text check (char_length(cancel_reason) between 1 and 200),
	-- Who entered it (the token's sub), set here, never by the caller.
	created_by	text not null
			    default coalesce(xz.claim('sub'), current_user),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (cooperative_id, township_code, county_code)
	    references cooperatives (id, township_code, county_code),
	foreign key (machine_id, cooperative_id, township_code)
	    references machines (id, cooperative_id, township_code),
	foreign key (labour_team_id, cooperative_id, township_code)
	    references labour_teams (id, cooperative_id, township_code),
	check (num_nonnulls(machine_id, labour_team_id) = 1),
	check ((status = 'cancelled') = (cancelled_at is not null) and
	    (status = 'cancelled') = (cancel_reason is not null)),
	-- A machine or team is never booked twice for one day.
	constraint bookings_machine_no_overlap exclude using gist
	    (machine_id with =, period with &&) where (status = 'booked'),
	constraint bookings_team_no_overlap exclude using gist
	    (labour_team_id with =, period with &&) where (status = 'booked')
);
create index bookings_cooperative on bookings (cooperative_id, id);
create index bookings_township on bookings (township_code, id);

create table land_transfers (
	id		uuid primary key default gen_random_uuid(),
	cooperative_id	uuid not null,
	cooperative_kind text not null default 'farmland'
			    check (cooperative_kind = 'farmland'),
	county_code	char(6) not null,
	township_code	char(9) not null,
	parcel_id	uuid not null,
	lessee		text not null
			    check (char_length(lessee) between 1 and 128),
	term		daterange not null
			    check (not isempty(term) and lower_inc(term) and
			    not lower_inf(term) and not upper_inf(term) and
			    upper(term) <= lower(term) + interval '30 years'),
	rent_fen_per_mu_year bigint not null
			    check (rent_fen_per_mu_year between 0 and 100000000),
	status		text not null default 'active'
			    check (status in ('active', 'cancelled')),
	cancelled_at	timestamptz,
	cancel_reason	text check (char_length(cancel_reason) between 1 and 200),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (cooperative_id, township_code, county_code,
	    cooperative_kind) references cooperatives (id, township_code,
	    county_code, kind),
	foreign key (parcel_id, cooperative_id, township_code)
	    references land_parcels (id, cooperative_id, township_code),
	check ((status = 'cancelled') = (cancelled_at is not null) and
	    (status = 'cancelled') = (cancel_reason is not null)),
	constraint land_transfers_no_overlap exclude using gist
	    (parcel_id with =, term with &&) where (status = 'active')
);
create index land_transfers_cooperative on land_transfers (cooperative_id, id);

-- The Civil Code caps a lease at 20 years (art. 705).
create table house_leases (
	id		uuid primary key default gen_random_uuid(),
	cooperative_id	uuid not null,
	cooperative_kind text not null default 'housing'
			    check (cooperative_kind = 'housing'),
	county_code	char(6) not null,
	township_code	char(9) not null,
	house_id	uuid not null,
	lessee		text not null
			    check (char_length(lessee) between 1 and 128),
	term		daterange not null
			    check (not isempty(term) and lower_inc(term) and
			    not lower_inf(term) and not upper_inf(term) and
			    upper(term) <= lower(term) + interval '20 years'),
	rent_fen_per_year bigint not null
			    check (rent_fen_per_year between 0 and 10000000000),
	status		text not null default 'active'
			    check (status in ('active', 'cancelled')),
	cancelled_at	timestamptz,
	cancel_reason	text check (char_length(cancel_reason) between 1 and 200),
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (cooperative_id, township_code, county_code,
	    cooperative_kind) references cooperatives (id, township_code,
	    county_code, kind),
	foreign key (house_id, cooperative_id, township_code)
	    references houses (id, cooperative_id, township_code),
	check ((status = 'cancelled') = (cancelled_at is not null) and
	    (status = 'cancelled') = (cancel_reason is not null)),
	constraint house_leases_no_overlap exclude using gist
	    (house_id with =, term with &&) where (status = 'active')
);
create index house_leases_cooperative on house_leases (cooperative_id, id);

------------------------------------------------------------------------
-- Triggers: state rules, versions, audit.

-- Dissolution is final; a status change is dated today unless the caller
-- gives the date.
create function xz.cooperatives_status() returns trigger
language plpgsql
as $$
begin
	if new.status is distinct from old.status then
		if old.status = 'dissolved' then
			raise exception 'cooperative % is dissolved', old.id
			    using errcode = 'object_not_in_prerequisite_state';
		end if;
		if new.status_since = old.status_since then
			new.status_since := current_date;
		end if;
	end if;
	return new;
end
$$;
create trigger cooperatives_status before update on cooperatives
    for each row execute function xz.cooperatives_status();

-- A cancelled booking, transfer or lease is final; cancelling stamps the
-- time.
create function xz.cancel_final() returns trigger
language plpgsql
as $$
begin
	if old.status = 'cancelled' then
		raise exception '% % is cancelled', tg_table_name, old.id
		    using errcode = 'object_not_in_prerequisite_state';
	end if;
	if new.status = 'cancelled' then
		new.cancelled_at := now();
	end if;
	return new;
end
$$;

do $$
declare
	t	text;
begin
	foreach t in array array['cooperatives', 'cooperative_villages',
	    'members', 'member_identities', 'machines', 'land_parcels',
	    'houses', 'member_skills', 'labour_teams', 'labour_team_members',
	    'bookings', 'land_transfers', 'house_leases']
	loop
		execute format('create trigger %I before update on %I'
		    ' for each row execute function xz.bump_version()',
		    t || '_version', t);
	end loop;
	foreach t in array array['cooperatives', 'members', 'machines',
	    'land_parcels', 'houses', 'labour_teams', 'bookings',
	    'land_transfers', 'house_leases']
	loop
		execute format('create trigger %I after insert or update or'
		    ' delete on %I for each row execute function'
		    ' xz.audit_row()', t || '_audit', t);
	end loop;
	foreach t in array array['bookings', 'land_transfers', 'house_leases']
	loop
		execute format('create trigger %I before update on %I'
		    ' for each row execute function xz.cancel_final()',
		    t || '_cancel', t);
	end loop;
end
$$;
-- Tables without an id column: the audit entity id names the key.
create trigger cooperative_villages_audit after insert or update or delete
    on cooperative_villages for each row
    execute function xz.audit_row('cooperative_id', 'village_code');
create trigger member_identities_audit after insert or update or delete
    on member_identities for each row
    execute function xz.audit_row('member_id');
create trigger member_skills_audit after insert or update or delete
    on member_skills for each row
    execute function xz.audit_row('member_id', 'skill');
create trigger labour_team_members_audit after insert or update or delete
    on labour_team_members for each row
    execute function xz.audit_row('team_id', 'member_id');

------------------------------------------------------------------------
-- Functions the policies and the service use.

-- The cooperatives serving the bound village user's village ('{}' for
-- anyone else).  SECURITY INVOKER: it reads cooperative_villages through
-- that table's own policy.  Policies call it as (select ...), once per
-- statement.
create function xz.village_cooperatives() returns uuid[]
language sql stable parallel safe
as $$
	select coalesce(array_agg(cooperative_id), '{}')
	from public.cooperative_villages
	where xz.claim('role') = 'village' and
	    village_code = xz.claim('village')::bpchar
$$;

-- Matching a resident ID (decision 3): the members whose identity has this
-- HMAC, for county users in their county and township users in their
-- township; nothing for anyone else.  Returns ids only, never the HMAC.
create function xz.members_by_resident_id(p_hmac bytea)
returns table (member_id uuid, cooperative_id uuid)
language sql stable security definer set search_path = pg_catalog, public
as $$
	select i.member_id, i.cooperative_id
	from public.member_identities i
	where i.resident_id_hmac = p_hmac and
	    i.county_code = xz.claim('county')::bpchar and
	    (xz.claim('role') = 'county' or
	    (xz.claim('role') = 'township' and
		i.township_code = xz.claim('township')::bpchar))
$$;

-- Name search (decision 13): ids of cooperatives whose name contains
-- p_query (as a literal substring), within the caller's county and
-- township or partner grant.  Never wider than row security; the caller
-- selects through row security anyway (village users: serving only).
-- EXECUTE plans with the actual pattern, so the planner sees its trigrams.
create function xz.cooperatives_named(p_query text) returns setof uuid
language plpgsql stable security definer rows 50
set search_path = pg_catalog, public
as $$
declare
	r	text := xz.claim('role');
begin
	if p_query is null or xz.claim('county') is null then
		return;
	end if;
	if r = 'county' then
		return query execute 'select id from public.cooperatives'
		    ' where county_code = $1::bpchar and'
		    ' name ilike xz.like_contains($2)'
		    using xz.claim('county'), p_query;
	elsif r in ('township', 'village') then
		return query execute 'select id from public.cooperatives'
		    ' where county_code = $1::bpchar and'
		    ' township_code = $2::bpchar and'
		    ' name ilike xz.like_contains($3)'
		    using xz.claim('county'), xz.claim('township'), p_query;
	elsif r = 'partner' and 'coops:read' = any (string_to_array(
	    xz.claim('scopes'), ' ')) then
		if xz.claim('townships') = '*' then
			return query execute 'select id from public.cooperatives'
			    ' where county_code = $1::bpchar and'
			    ' name ilike xz.like_contains($2)'
			    using xz.claim('county'), p_query;
		else
			return query execute 'select id from public.cooperatives'
			    ' where county_code = $1::bpchar and'
			    ' township_code = any ($2::bpchar[]) and'
			    ' name ilike xz.like_contains($3)'
			    using xz.claim('county'),
				string_to_array(xz.claim('townships'), ','),
				p_query;
		end if;
	end if;
end
$$;

revoke all on function xz.members_by_resident_id(bytea) from public;
revoke all on function xz.cooperatives_named(text) from public;
grant execute on function xz.members_by_resident_id(bytea) to xiangzhi_app;
grant execute on function xz.cooperatives_named(text) to xiangzhi_app;
grant execute on function xz.uscc_valid(text), xz.like_contains(text),
    xz.village_cooperatives() to xiangzhi_app;

------------------------------------------------------------------------
-- Row-level security (decisions 4-6).  The expressions are built once
-- here so that every table gets exactly the same tenant rules; each
-- reads claims through scalar subqueries (evaluated once per statement).
--
--   read:   county_code = claim county and (
--             role county
--             or role township and township_code = claim township
--             or role village and township_code = claim township
--                and <the table's village rule>
--             or role partner and <the table's partner scopes> and
--                (claim townships = '*' or township_code in the list))
--   write:  county_code = claim county and (role county or
--             role township and township_code = claim township)

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
	serving		constant text :=
	    'cooperative_id = any ((select xz.village_cooperatives())::uuid[])';
	writer		text;
	t		record;
	rd		text;
begin
	writer := format('%s and ((select xz.claim(''role'')) = ''county'' or'
	    ' ((select xz.claim(''role'')) = ''township'' and %s))',
	    in_county, own_township);
	-- name, village rule (NULL: none), partner scopes (NULL: none),
	-- writes (i insert, u update, d delete) for county and township.
	for t in select * from (values
	    ('cooperatives',
		'id = any ((select xz.village_cooperatives())::uuid[])',
		array['coops:read', 'bookings:write'], 'iu'),
	    ('cooperative_villages',
		'village_code = (select xz.claim(''village''))::bpchar',
		array['coops:read'], 'id'),
	    ('members',
		'village_code = (select xz.claim(''village''))::bpchar',
		null, 'iu'),
	    ('member_identities', null, null, 'iu'),
	    ('machines', serving, array['coops:read', 'bookings:write'],
		'iud'),
	    ('land_parcels', serving, array['coops:read'], 'iud'),
	    ('houses', serving, array['coops:read'], 'iud'),
	    ('member_skills', serving, array['coops:read'], 'iud'),
	    ('labour_teams', serving, array['coops:read', 'bookings:write'],
		'iud'),
	    ('labour_team_members', serving,
		array['coops:read', 'bookings:write'], 'id'),
	    ('bookings', serving, array['coops:read', 'bookings:write'], 'iu'),
	    ('land_transfers', serving, null, 'iu'),
	    ('house_leases', serving, null, 'iu'))
	    as x(name, village, partner, writes)
	loop
		execute format('alter table %I enable row level security',
		    t.name);
		execute format('alter table %I force row level security',
		    t.name);
		rd := format('(select xz.claim(''role'')) = ''county'' or'
		    ' ((select xz.claim(''role'')) = ''township'' and %s)',
		    own_township);
		if t.village is not null then
			rd := rd || format(' or ((select xz.claim(''role'')) ='
			    ' ''village'' and %s and %s)', own_township,
			    t.village);
		end if;
		if t.partner is not null then
			rd := rd || format(' or ((select xz.claim(''role'')) ='
			    ' ''partner'' and string_to_array((select'
			    ' xz.claim(''scopes'')), '' '') && %L::text[] and'
			    ' %s)', t.partner, granted);
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

	-- Partners with bookings:write book in their granted townships and
	-- cancel what they booked; the row is then theirs (created_by).
	execute format('create policy bookings_partner_insert on bookings'
	    ' for insert with check (%s and (select xz.claim(''role'')) ='
	    ' ''partner'' and ''bookings:write'' = any (string_to_array('
	    '(select xz.claim(''scopes'')), '' '')) and %s and'
	    ' created_by = (select xz.claim(''sub'')))', in_county, granted);
	execute format('create policy bookings_partner_cancel on bookings'
	    ' for update using (%s and (select xz.claim(''role'')) ='
	    ' ''partner'' and ''bookings:write'' = any (string_to_array('
	    '(select xz.claim(''scopes'')), '' '')) and %s and'
	    ' created_by = (select xz.claim(''sub'')) and status = ''booked'')'
	    ' with check (%s and (select xz.claim(''role'')) = ''partner'' and'
	    ' %s and created_by = (select xz.claim(''sub'')) and'
	    ' status = ''cancelled'')', in_county, granted, in_county, granted);
end
$$;

------------------------------------------------------------------------
-- Least privilege for the service: what it may read, insert and update,
-- column by column.  Never: ids, tenancy keys after insert, kinds,
-- versions, timestamps, created_by, cancelled_at, resident_id_hmac (read).

grant select on cooperatives to xiangzhi_app;
grant insert (county_code, township_code, kind, name, uscc,
    legal_representative, founded_on, registered_capital_fen, status,
    status_since, status_reason) on cooperatives to xiangzhi_app;
grant update (name, uscc, legal_representative, founded_on,
    registered_capital_fen, status, status_since, status_reason)
    on cooperatives to xiangzhi_app;

grant select, delete on cooperative_villages to xiangzhi_app;
grant insert (cooperative_id, county_code, township_code, village_code)
    on cooperative_villages to xiangzhi_app;

grant select on members to xiangzhi_app;
grant insert (cooperative_id, county_code, township_code, kind, name,
    village_code, joined_on, left_on, role, contribution_kind,
    contribution_fen, contribution_mu_x100, contribution_labour_days)
    on members to xiangzhi_app;
grant update (kind, name, village_code, joined_on, left_on, role,
    contribution_kind, contribution_fen, contribution_mu_x100,
    contribution_labour_days) on members to xiangzhi_app;

grant select (member_id, cooperative_id, county_code, township_code,
    resident_id_masked, version, created_at, updated_at)
    on member_identities to xiangzhi_app;
grant insert (member_id, cooperative_id, county_code, township_code,
    resident_id_hmac, resident_id_masked) on member_identities
    to xiangzhi_app;
grant update (resident_id_hmac, resident_id_masked) on member_identities
    to xiangzhi_app;

grant select, delete on machines to xiangzhi_app;
grant insert (cooperative_id, county_code, township_code, type, model,
    power_kw, plate_or_serial, condition) on machines to xiangzhi_app;
grant update (type, model, power_kw, plate_or_serial, condition)
    on machines to xiangzhi_app;

grant select, delete on land_parcels to xiangzhi_app;
grant insert (cooperative_id, county_code, township_code, member_id,
    village_code, parcel_code, certificate_no, area_mu_x100, land_use,
    boundaries) on land_parcels to xiangzhi_app;
grant update (member_id, certificate_no, area_mu_x100, land_use,
    boundaries) on land_parcels to xiangzhi_app;

grant select, delete on houses to xiangzhi_app;
grant insert (cooperative_id, county_code, township_code, member_id,
    village_code, address, floor_area_m2, condition, occupancy)
    on houses to xiangzhi_app;
grant update (member_id, address, floor_area_m2, condition, occupancy)
    on houses to xiangzhi_app;

grant select, delete on member_skills to xiangzhi_app;
grant insert (member_id, skill, cooperative_id, county_code, township_code,
    days_available_per_month) on member_skills to xiangzhi_app;
grant update (days_available_per_month) on member_skills to xiangzhi_app;

grant select, delete on labour_teams to xiangzhi_app;
grant insert (cooperative_id, county_code, township_code, name)
    on labour_teams to xiangzhi_app;
grant update (name) on labour_teams to xiangzhi_app;

grant select, delete on labour_team_members to xiangzhi_app;
grant insert (team_id, member_id, cooperative_id, county_code,
    township_code) on labour_team_members to xiangzhi_app;

grant select on bookings to xiangzhi_app;
grant insert (cooperative_id, county_code, township_code, machine_id,
    labour_team_id, booked_by_kind, booked_by, period, price_fen)
    on bookings to xiangzhi_app;
grant update (status, cancel_reason) on bookings to xiangzhi_app;

grant select on land_transfers to xiangzhi_app;
grant insert (cooperative_id, county_code, township_code, parcel_id,
    lessee, term, rent_fen_per_mu_year) on land_transfers to xiangzhi_app;
grant update (status, cancel_reason) on land_transfers to xiangzhi_app;

grant select on house_leases to xiangzhi_app;
grant insert (cooperative_id, county_code, township_code, house_id,
    lessee, term, rent_fen_per_year) on house_leases to xiangzhi_app;
grant update (status, cancel_reason) on house_leases to xiangzhi_app;
