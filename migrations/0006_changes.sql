-- The partner change feed (issue 7): every change of the funds,
-- cooperatives and personnel entities as an event, written by triggers in
-- the transaction that made the change, published in "ticks" so that a
-- reader's cursor never skips nor repeats an event.  Runs as
-- xiangzhi_owner in one transaction (xiangzhi-admin migrate).
--
-- The final schema (webhooks, migration 0007, reads it):
--
--   change_events (
--     id            bigint identity primary key  -- taken in the writer's
--                                                -- transaction, while it
--                                                -- holds the entity's row
--     tick          bigint        -- NULL until published
--     published_at  timestamptz   -- when its tick was stamped
--     county_code   char(6)  not null
--     township_code char(9)       -- NULL for county-level entities
--                                 -- (fund_source)
--     entity_type   text not null -- see the list below
--     entity_id     text not null -- the entity's id (uuid as text)
--     action        text not null -- created | updated | state_changed |
--                                 -- deleted
--     state         text          -- the new status for state_changed
--     data          jsonb         -- the new row (minus the columns of
--                                 -- change_secret_columns), NULL when
--                                 -- deleted
--     link          text not null -- API path, e.g.
--                                 -- /api/v1/fund-projects/<id>
--     created_at    timestamptz not null default now()
--   )
--   change_feed_state (one row): last_tick (the last tick handed out),
--     purged_tick, purged_id (the highest (tick, id) deleted by
--     retention), cleaned_at (the last retention run).
--
-- Entity types, their tables and links (the trigger's arguments below):
--   fund_source    fund_sources        /api/v1/fund-sources/{id}
--   allocation     fund_allocations    /api/v1/fund-allocations/{id}
--   project        fund_projects       /api/v1/fund-projects/{id}   (status)
--   funding_line   fund_project_lines  /api/v1/fund-projects/{project_id}
--   disbursement   fund_disbursements  /api/v1/disbursements/{id}
--                  (payments and reversals: data.kind)
--   cooperative    cooperatives        /api/v1/cooperatives/{id}   (status)
--   member         members             /api/v1/members/{id}
--   machine        machines            /api/v1/machines/{id}
--   land_parcel    land_parcels        /api/v1/parcels/{id}
--   house          houses              /api/v1/houses/{id}
--   labour_team    labour_teams        /api/v1/teams/{id}
--   booking        bookings            /api/v1/bookings/{id}       (status)
--   land_transfer  land_transfers      /api/v1/land-transfers/{id} (status)
--   house_lease    house_leases        /api/v1/house-leases/{id}   (status)
--   center         centers             /api/v1/centers/{id}
--   origin_unit    origin_units        /api/v1/origin-units/{id}
--   staff          staff               /api/v1/staff/{id}          (status)
--   campaign       campaigns           /api/v1/campaigns/{id}
--   campaign_team  campaign_teams      /api/v1/campaign-teams/{id}
--   deployment     deployments         /api/v1/deployments/{id}    (status)
-- Rows of link tables (cooperative villages, member skills, team members,
-- campaign villages, team visits), the ledger, totals, history and
-- filings are not entities of the feed: their parents' events and the
-- entity's own counters cover them.  Resident ID numbers (their HMAC and
-- mask live in member_identities) and staff phones (staff_phones) are in
-- tables the feed does not follow; the columns named in
-- xz.change_secret_columns() are removed from every event's data
-- anyway.
--
-- Decisions:
--
-- 1. Publication ("ticks").  Event ids are taken while the writer holds
--    the entity's row, so id order is per-entity order, but ids commit
--    out of order.  xz.changes_publish() takes a transaction-level
--    advisory lock, and if there are visible unpublished events stamps
--    all of them with ONE new tick (last_tick + 1).  Readers read only
--    published events, ordered by (tick, id); the cursor is (tick, id).
--    An event committed after a publish ran is invisible to it, stays
--    unpublished, and gets a later tick from the next publish: it lands
--    after every cursor handed out so far, so it is never skipped, and
--    since (tick, id) only grows, never repeated.  Publishes hold the lock
--    until their transaction ends, so ticks commit in order.  The feed
--    (GET /api/v1/changes) and the webhook worker call it before reading.
-- 2. Only the triggers write events: their function is SECURITY DEFINER
--    (owner) with a fixed search_path; the service's role may only SELECT
--    the table, through row security.  xz.changes_publish(integer) is the
--    one SECURITY DEFINER function the service may execute: it stamps
--    ticks and runs retention, nothing else.
-- 3. Who reads what (row security): county users their county; township
--    users their township's events and the county-level ones (fund
--    sources, which they read anyway); partners with changes:read the
--    events of the townships granted to them (claim townships: '*' the
--    whole county, county-level events included; a list of codes: those
--    townships only, no county-level events).  Village users: none.
-- 4. Retention: xz.changes_publish(retention_days) runs
--    xz.changes_cleanup() at most once an hour; it deletes, by whole
--    ticks, the events published more than retention_days (1..3650,
--    default 30) ago and remembers the highest (tick, id) deleted; a
--    cursor below it answers 410 cursor_expired.  Other tables must not
--    reference change_events with a restricting foreign key.
-- 5. The demo seed (xiangzhi-admin seed-demo, as the owner, request id
--    "seed-demo") writes no events: the seeded data is the baseline a
--    partner takes by listing, and a province-scale seed would otherwise
--    queue millions of events.  Anything the service does (it logs in as
--    xiangzhi_app) always writes events, whatever its request id.
-- 6. Cost on the write path: one plpgsql trigger per row, to_jsonb(new)
--    and one insert; updates compare the status column only when the
--    entity has one.

create table change_events (
	id		bigint generated always as identity primary key,
	tick		bigint,
	published_at	timestamptz,
	county_code	char(6) not null,
	township_code	char(9),
	entity_type	text not null,
	entity_id	text not null,
	action		text not null
			    check (action in ('created', 'updated',
			    'state_changed', 'deleted')),
	state		text,
	data		jsonb,
	link		text not null,
	created_at	timestamptz not null default now(),
	check ((tick is null) = (published_at is null)),
	check ((action = 'state_changed') = (state is not null))
);
-- Readers: (county, tick, id); publish: the unpublished ones.
create index change_events_county_tick on change_events
    (county_code, tick, id) where tick is not null;
create index change_events_unpublished on change_events (id)
    where tick is null;
create index change_events_tick on change_events (tick, id)
    where tick is not null;

create table change_feed_state (
	one		boolean primary key default true check (one),
	last_tick	bigint not null default 0,
	purged_tick	bigint not null default 0,
	purged_id	bigint not null default 0,
	cleaned_at	timestamptz not null default now()
);
insert into change_feed_state default values;

------------------------------------------------------------------------
-- Writing events.

-- Columns never copied into an event.
create function xz.change_secret_columns() returns text[]
language sql immutable parallel safe
as $$
	select array['password_hash', 'secret_hash', 'previous_secret_hash',
	    'resident_id', 'resident_id_hmac', 'resident_id_masked', 'phone',
	    'idempotency_key', 'request_hash']
$$;

-- Trigger arguments: entity type, link prefix, the column completing the
-- link, the status column ('' when none).
create function xz.change_emit() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	r	jsonb;
	act	text;
	st	text;
	scol	constant text := tg_argv[3];
begin
	-- Decision 5: the demo seed, as the owner, is the baseline.
	if session_user <> 'xiangzhi_app' and
	    current_setting('app.request_id', true) = 'seed-demo' then
		return null;
	end if;
	if tg_op = 'DELETE' then
		r := to_jsonb(old);
		act := 'deleted';
	else
		r := to_jsonb(new);
		if tg_op = 'INSERT' then
			act := 'created';
		elsif scol <> '' and (r ->> scol) is distinct from
		    (to_jsonb(old) ->> scol) then
			act := 'state_changed';
			st := r ->> scol;
		else
			act := 'updated';
		end if;
	end if;
	insert into change_events (county_code, township_code, entity_type,
	    entity_id, action, state, data, link)
	values (r ->> 'county_code', r ->> 'township_code', tg_argv[0],
	    r ->> 'id', act, st,
	    case when tg_op <> 'DELETE' then
		r - xz.change_secret_columns() end,
	    tg_argv[1] || (r ->> tg_argv[2]));
	return null;
end
$$;
revoke all on function xz.change_emit() from public;

do $$
declare
	t	record;
begin
	for t in select * from (values
	    ('fund_sources', 'fund_source', '/api/v1/fund-sources/', 'id', ''),
	    ('fund_allocations', 'allocation', '/api/v1/fund-allocations/',
		'id', ''),
	    ('fund_projects', 'project', '/api/v1/fund-projects/', 'id',
		'status'),
	    ('fund_project_lines', 'funding_line', '/api/v1/fund-projects/',
		'project_id', ''),
	    ('fund_disbursements', 'disbursement', '/api/v1/disbursements/',
		'id', ''),
	    ('cooperatives', 'cooperative', '/api/v1/cooperatives/', 'id',
		'status'),
	    ('members', 'member', '/api/v1/members/', 'id', ''),
	    ('machines', 'machine', '/api/v1/machines/', 'id', ''),
	    ('land_parcels', 'land_parcel', '/api/v1/parcels/', 'id', ''),
	    ('houses', 'house', '/api/v1/houses/', 'id', ''),
	    ('labour_teams', 'labour_team', '/api/v1/teams/', 'id', ''),
	    ('bookings', 'booking', '/api/v1/bookings/', 'id', 'status'),
	    ('land_transfers', 'land_transfer', '/api/v1/land-transfers/',
		'id', 'status'),
	    ('house_leases', 'house_lease', '/api/v1/house-leases/', 'id',
		'status'),
	    ('centers', 'center', '/api/v1/centers/', 'id', ''),
	    ('origin_units', 'origin_unit', '/api/v1/origin-units/', 'id', ''),
	    ('staff', 'staff', '/api/v1/staff/', 'id', 'status'),
	    ('campaigns', 'campaign', '/api/v1/campaigns/', 'id', ''),
	    ('campaign_teams', 'campaign_team', '/api/v1/campaign-teams/',
		'id', ''),
	    ('deployments', 'deployment', '/api/v1/deployments/', 'id',
		'status'))
	    as x(tab, type, prefix, col, status)
	loop
		execute format('create trigger %I after insert or update or'
		    ' delete on %I for each row execute function'
		    ' xz.change_emit(%L, %L, %L, %L)', t.tab || '_changes',
		    t.tab, t.type, t.prefix, t.col, t.status);
	end loop;
end
$$;

------------------------------------------------------------------------
-- Publishing and retention.

-- Decision 4: the events published more than p_days ago, by whole ticks.
create function xz.changes_cleanup(p_days integer default 30)
returns bigint
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	cutoff	constant timestamptz := now() -
	    make_interval(days => least(greatest(coalesce(p_days, 30), 1),
	    3650));
	w_tick	bigint;
	w_id	bigint;
	n	bigint;
begin
	select max(tick) into w_tick from change_events
	    where tick is not null and published_at < cutoff;
	if w_tick is null then
		return 0;
	end if;
	select max(id) into w_id from change_events where tick = w_tick;
	delete from change_events where tick is not null and tick <= w_tick;
	get diagnostics n = row_count;
	update change_feed_state set purged_tick = w_tick, purged_id = w_id
	    where (purged_tick, purged_id) < (w_tick, w_id);
	return n;
end
$$;
revoke all on function xz.changes_cleanup(integer) from public;

-- Decision 1.  Returns the tick it stamped, or NULL when there was
-- nothing to publish.
create function xz.changes_publish(p_retention_days integer default 30)
returns bigint
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	t	bigint;
begin
	perform pg_advisory_xact_lock(hashtextextended('xz.changes_publish',
	    0));
	-- A new statement, a new snapshot (READ COMMITTED): it sees every
	-- publish that held the lock before.
	if exists (select from change_events where tick is null) then
		update change_feed_state set last_tick = last_tick + 1
		    returning last_tick into t;
		update change_events set tick = t,
		    published_at = clock_timestamp()
		    where tick is null;
	end if;
	update change_feed_state set cleaned_at = now()
	    where cleaned_at < now() - interval '1 hour';
	if found then
		perform xz.changes_cleanup(p_retention_days);
	end if;
	return t;
end
$$;
revoke all on function xz.changes_publish(integer) from public;
grant execute on function xz.changes_publish(integer) to xiangzhi_app;

------------------------------------------------------------------------
-- Reading.

-- The opaque cursor: base64url (no padding) of "<tick>.<id>".
create function xz.changes_cursor(p_tick bigint, p_id bigint) returns text
language sql immutable strict parallel safe
as $$
	select translate(rtrim(encode(convert_to(p_tick::text || '.' ||
	    p_id::text, 'UTF8'), 'base64'), '='), '+/', '-_')
$$;

create function xz.change_event_json(e change_events) returns jsonb
language sql stable parallel safe
as $$
	select jsonb_build_object('id', e.id,
	    'cursor', xz.changes_cursor(e.tick, e.id),
	    'type', e.entity_type, 'action', e.action, 'state', e.state,
	    'entity_id', e.entity_id, 'township', e.township_code,
	    'link', e.link, 'data', e.data,
	    'time', to_char(e.created_at at time zone 'Asia/Shanghai',
		'YYYY-MM-DD"T"HH24:MI:SS.US"+08:00"'))
$$;

-- One page of the feed for the bound caller (SECURITY INVOKER: row
-- security decides what it sees): publishes, then reads the published
-- events after (p_tick, p_id) (p_given: the caller passed a cursor),
-- of the types p_types (NULL: all), at most p_limit.  Answers
-- {"events": [...], "next": cursor, "has_more": bool}, or
-- {"error": "cursor_unknown" | "cursor_expired"}.  With no events, next
-- is the cursor passed, or without one the start: the retention
-- watermark (every event kept is after it; "0.0" before any deletion).
create function xz.changes_feed(p_tick bigint, p_id bigint,
    p_given boolean, p_types text[], p_limit integer,
    p_retention_days integer)
returns jsonb
language plpgsql volatile
as $$
declare
	s	change_feed_state;
	evs	jsonb;
	n	bigint;
begin
	perform xz.changes_publish(p_retention_days);
	select * into s from change_feed_state;
	if p_given and p_tick > s.last_tick then
		return jsonb_build_object('error', 'cursor_unknown');
	end if;
	if p_given and (p_tick, p_id) < (s.purged_tick, s.purged_id) then
		return jsonb_build_object('error', 'cursor_expired');
	end if;
	select coalesce(jsonb_agg(xz.change_event_json(p.e)
		order by p.rn) filter (where p.rn <= p_limit), '[]'::jsonb),
	    count(*)
	    into evs, n
	    from (select c as e,
		row_number() over (order by c.tick, c.id) as rn
		from change_events c
		where c.tick is not null and c.county_code =
		    (select xz.claim('county'))::bpchar and
		    (c.tick, c.id) > (p_tick, p_id) and
		    (p_types is null or c.entity_type = any (p_types))
		order by c.tick, c.id limit p_limit + 1) p;
	return jsonb_build_object('events', evs,
	    'next', case when n > 0 then
		evs -> (jsonb_array_length(evs) - 1) ->> 'cursor'
		when p_given then xz.changes_cursor(p_tick, p_id)
		else xz.changes_cursor(s.purged_tick, s.purged_id) end,
	    'has_more', n > p_limit);
end
$$;

------------------------------------------------------------------------
-- Row security and privileges (decisions 2 and 3).

alter table change_events enable row level security;
alter table change_events force row level security;
alter table change_feed_state enable row level security;
alter table change_feed_state force row level security;

create policy change_events_read on change_events for select
    using (county_code = (select xz.claim('county'))::bpchar and (
	(select xz.claim('role')) = 'county' or
	((select xz.claim('role')) = 'township' and
	    (township_code is null or
	    township_code = (select xz.claim('township'))::bpchar)) or
	((select xz.claim('role')) = 'partner' and
	    'changes:read' = any (string_to_array(
		(select xz.claim('scopes')), ' ')) and
	    ((select xz.claim('townships')) = '*' or
	    township_code = any (string_to_array(
		(select xz.claim('townships')), ',')::bpchar[])))));
-- Numbers only (ticks and the retention watermark), no tenant data.
create policy change_feed_state_read on change_feed_state for select
    using (true);

grant select on change_events, change_feed_state to xiangzhi_app;
grant execute on function xz.changes_cursor(bigint, bigint),
    xz.change_event_json(change_events),
    xz.changes_feed(bigint, bigint, boolean, text[], integer, integer)
    to xiangzhi_app;
