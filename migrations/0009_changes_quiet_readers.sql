-- Change feed and webhooks (issue 7), review fixes.  Runs as
-- xiangzhi_owner in one transaction (xiangzhi-admin migrate).
--
-- 1. A reader that sees nothing new moves to the head.  Row security and
--    types= filter after the scan, so a partner granted a quiet township
--    (or asking for a rare type) used to get back the cursor it passed,
--    forever: each poll scanned every event of the county after it, and
--    once retention passed that cursor the partner got 410
--    cursor_expired although it had missed nothing.  Now, when a page
--    holds no event, next is the head: (the last tick handed out, the
--    largest id), after every event published so far.  Safe: the tick
--    is read before the scan, so every event it could see up to that
--    tick was in its scan, and ticks are handed out in order under the
--    publish lock, so every later event gets a later tick (see 4).
--    "The largest id" is 999999999999999999 (18 digits, the most a cursor
--    may carry; identities will not reach it).
--    (A cursor belongs to the types it was read with, as before.)  A
--    subscription whose county is quiet is moved to the head the same
--    way by the fan-out.
-- 2. Retention in bounded batches.  One delete of everything expired
--    could outlast the service's statement timeout (millions of rows
--    after a shorter XZ_CHANGES_RETENTION_DAYS): the delete rolled back
--    every time, and with it every feed read and every fan-out.  Now a
--    publish deletes at most 10,000 events, oldest first, and moves the
--    watermark (tick, id) to the last one deleted; the hour's pause
--    starts only when nothing expired is left.
-- 3. Retention keeps what an active webhook subscription has not fanned
--    out yet: the watermark never passes the lowest position of an
--    active subscription (they follow the head every round, and quiet
--    counties now too, so this holds back only a lagging worker).  A
--    disabled subscription does not hold it: what leaves the feed while
--    it is disabled is not delivered when it is enabled again.
-- 4. A reader takes the publish lock only when it sees an unpublished
--    event (row security applies: one it could read).  Every reader used
--    to queue on that one lock, also behind a whole fan-out, to publish
--    nothing.  Without the lock it reads what is published; an event
--    published meanwhile has a later tick than the state it read, so it
--    comes after any cursor this page hands out (the head included), and
--    a reader's own committed change is unpublished until someone
--    publishes, so that reader takes the lock and publishes it.

create or replace function xz.changes_cleanup(p_days integer default 30)
returns bigint
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	cutoff	constant timestamptz := now() -
	    make_interval(days => least(greatest(coalesce(p_days, 30), 1),
	    3650));
	batch	constant integer := 10000;
	w_tick	bigint;
	w_id	bigint;
	k_tick	bigint;
	k_id	bigint;
	n	bigint;
begin
	-- Published in tick order, so published_at grows with (tick, id).
	select x.tick, x.id into w_tick, w_id from (select e.tick, e.id
	    from change_events e where e.tick is not null and
	    e.published_at < cutoff order by e.tick, e.id limit batch) x
	    order by x.tick desc, x.id desc limit 1;
	if w_tick is null then
		return 0;
	end if;
	select k.tick, k.event_id into k_tick, k_id from webhook_cursors k
	    join webhooks w on w.id = k.webhook_id
	    where w.status = 'active'
	    order by k.tick, k.event_id limit 1;
	if k_tick is not null and (k_tick, k_id) < (w_tick, w_id) then
		w_tick := k_tick;
		w_id := k_id;
	end if;
	delete from change_events where tick is not null and
	    (tick, id) <= (w_tick, w_id);
	get diagnostics n = row_count;
	update change_feed_state set purged_tick = w_tick, purged_id = w_id
	    where (purged_tick, purged_id) < (w_tick, w_id);
	-- A full batch: more may be left for the next publish.
	return case when n >= batch then -n else n end;
end
$$;
revoke all on function xz.changes_cleanup(integer) from public;

-- Retention runs at most once an hour (decision 4 of 0006), and again
-- while it left a full batch.
create function xz.changes_cleanup_due() returns boolean
language sql stable
as $$
	select exists (select from change_feed_state
	    where cleaned_at < now() - interval '1 hour')
$$;
revoke all on function xz.changes_cleanup_due() from public;
grant execute on function xz.changes_cleanup_due() to xiangzhi_app;

-- As before, but the hour's pause starts when a cleanup found less than
-- a batch (xz.changes_cleanup returns minus the count of a full one).
create or replace function xz.changes_publish(p_retention_days integer
    default 30)
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
	if xz.changes_cleanup_due() and
	    xz.changes_cleanup(p_retention_days) >= 0 then
		update change_feed_state set cleaned_at = now();
	end if;
	return t;
end
$$;

create or replace function xz.changes_feed(p_tick bigint, p_id bigint,
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
	-- Decision 4: the lock only when there is something to publish
	-- (or the retention is due).
	if exists (select from change_events where tick is null) or
	    xz.changes_cleanup_due() then
		perform xz.changes_publish(p_retention_days);
	end if;
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
	-- Decision 1: nothing new, the head.
	return jsonb_build_object('events', evs,
	    'next', case when n > 0 then
		evs -> (jsonb_array_length(evs) - 1) ->> 'cursor'
		else xz.changes_cursor(s.last_tick, 999999999999999999) end,
	    'has_more', n > p_limit);
end
$$;

-- As before, and a subscription with nothing new in its county moves to
-- the head (decision 1), so it never holds retention back (decision 3).
create or replace function xz_hook.fanout(p_max integer,
    p_retention_days integer)
returns bigint
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	c	record;
	last	record;
	head	bigint;
	made	bigint := 0;
	n	bigint;
begin
	-- One fan-out at a time (a second worker or a manual call waits).
	perform pg_advisory_xact_lock(hashtextextended('xz_hook.fanout', 0));
	perform xz.changes_publish(p_retention_days);
	-- The publish lock is held: no tick up to this one is still to come.
	select last_tick into head from change_feed_state;
	for c in select k.webhook_id, k.tick, k.event_id, w.county_code,
	    w.township_code, w.types from webhook_cursors k
	    join webhooks w on w.id = k.webhook_id
	    where w.status = 'active' order by k.webhook_id loop
		select e.tick, e.id into last from change_events e
		    where e.tick is not null and (e.tick, e.id) >
		    (c.tick, c.event_id) and e.county_code = c.county_code
		    order by e.tick desc, e.id desc limit 1;
		if not found then
			update webhook_cursors set (tick, event_id) =
			    (head, 999999999999999999)
			    where webhook_id = c.webhook_id and
				(tick, event_id) <
				(head, 999999999999999999);
			continue;
		end if;
		with batch as (
			select e.* from change_events e
			    where e.tick is not null and (e.tick, e.id) >
			    (c.tick, c.event_id) and
			    e.county_code = c.county_code
			    order by e.tick, e.id limit p_max
		), ins as (
			insert into webhook_deliveries (webhook_id,
			    county_code, event_id, entity_key)
			select c.webhook_id, c.county_code, b.id,
			    b.entity_type || ':' || b.entity_id from batch b
			    where (c.township_code is null or
			    b.township_code = c.township_code) and
			    ('*' = any (c.types) or b.entity_type = any (c.types))
			    order by b.tick, b.id
			on conflict (webhook_id, event_id) do nothing
			returning 1
		), moved as (
			update webhook_cursors k set (tick, event_id) =
			    (select b.tick, b.id from batch b
			    order by b.tick desc, b.id desc limit 1)
			    where k.webhook_id = c.webhook_id and
			    exists (select 1 from batch)
			returning 1
		)
		select count(*) into n from ins;
		made := made + n;
	end loop;
	return made;
end
$$;
