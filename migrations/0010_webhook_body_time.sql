-- Webhooks (issue 7), review fix.  Runs as xiangzhi_owner in one
-- transaction (xiangzhi-admin migrate).
--
-- The posted body's "time" is the feed's: the event's time in
-- Asia/Shanghai with six digits of microseconds and "+08:00", not the
-- timestamp as the worker's session printed it (its time zone, trailing
-- zeros trimmed), so a partner that reads both sees one spelling.  One
-- function spells it for both; xz.change_event_json is otherwise as in
-- 0006_changes.sql, the rest of xz_hook.claim as in 0007_webhooks.sql.

create function xz.change_event_time(t timestamptz) returns text
language sql stable parallel safe
as $$
	select to_char(t at time zone 'Asia/Shanghai',
	    'YYYY-MM-DD"T"HH24:MI:SS.US"+08:00"')
$$;
revoke all on function xz.change_event_time(timestamptz) from public;
grant execute on function xz.change_event_time(timestamptz)
    to xiangzhi_app;

create or replace function xz.change_event_json(e change_events)
returns jsonb
language sql stable parallel safe
as $$
	select jsonb_build_object('id', e.id,
	    'cursor', xz.changes_cursor(e.tick, e.id),
	    'type', e.entity_type, 'action', e.action, 'state', e.state,
	    'entity_id', e.entity_id, 'township', e.township_code,
	    'link', e.link, 'data', e.data,
	    'time', xz.change_event_time(e.created_at))
$$;

create or replace function xz_hook.claim(p_max integer, p_lease_ms integer)
returns table (delivery_id bigint, webhook_id uuid, url text,
    secret_box text, event_id bigint, body text)
language plpgsql security definer set search_path = pg_catalog, public
as $$
begin
	update webhook_deliveries d set status = 'dead',
	    last_error = 'the event is past the feed''s retention'
	    where d.status = 'pending' and d.next_attempt_at <= now() and
	    not exists (select 1 from change_events e where e.id = d.event_id);
	return query
	with due as (
		select d.id from webhook_deliveries d
		    join webhooks w on w.id = d.webhook_id
		    where d.status = 'pending' and d.next_attempt_at <= now()
		    and w.status = 'active' and not exists (select 1
		    from webhook_deliveries o where o.webhook_id = d.webhook_id
		    and o.entity_key = d.entity_key and o.status = 'pending'
		    and o.event_id < d.event_id)
		    order by d.next_attempt_at, d.id limit p_max
		    for update of d skip locked
	), leased as (
		update webhook_deliveries d set
		    attempts = d.attempts + 1,
		    first_attempt_at = coalesce(d.first_attempt_at, now()),
		    last_attempt_at = now(),
		    next_attempt_at = now() + p_lease_ms * interval '1 ms'
		    from due where d.id = due.id
		    returning d.id, d.webhook_id, d.event_id
	)
	select l.id, l.webhook_id, w.url, s.secret_box, l.event_id,
	    json_build_object('id', e.id::text, 'type', e.entity_type,
	    'action', e.action, 'state', e.state, 'entity_id', e.entity_id,
	    'township', e.township_code, 'link', e.link, 'data', e.data,
	    'time', xz.change_event_time(e.created_at))::text
	    from leased l join webhooks w on w.id = l.webhook_id
	    join webhook_secrets s on s.webhook_id = l.webhook_id
	    join change_events e on e.id = l.event_id
	    order by l.id;
end
$$;
