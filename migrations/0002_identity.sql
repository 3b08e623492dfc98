-- Identity (issue 3): users, partner clients, login throttling and
-- refresh-token families.  Runs as xiangzhi_owner.
--
-- The service (xiangzhi_app) reads and writes users and partner clients
-- through row policies, never sees a password or secret hash, and reaches
-- the tables an unauthenticated login needs (throttle, refresh tokens, the
-- hashes) only through the SECURITY DEFINER functions of schema xz_auth,
-- each of which does one narrow thing.

create schema xz_auth;
revoke all on schema xz_auth from public;
grant usage on schema xz_auth to xiangzhi_app;

-- The audit trail gains the identity events, names rows by code or id and
-- never copies a secret column.
alter table audit_log drop constraint audit_log_action_check;
alter table audit_log add constraint audit_log_action_check
    check (action in ('insert', 'update', 'delete', 'lock', 'unlock',
	'revoke'));

create or replace function xz.audit_row() returns trigger
language plpgsql
as $$
declare
	secret	constant text[] := array['password_hash', 'secret_hash',
	    'previous_secret_hash'];
	r	jsonb;
begin
	r := to_jsonb(coalesce(new, old)) - secret;
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
	    lower(tg_op), tg_table_name, coalesce(r ->> 'code', r ->> 'id'),
	    case when tg_op <> 'INSERT' then to_jsonb(old) - secret end,
	    case when tg_op <> 'DELETE' then to_jsonb(new) - secret end);
	return null;
end
$$;

-- An event the service records itself (lock, unlock, revoke).
create function xz_auth.audit(p_action text, p_entity text, p_id text,
    p_county text, p_township text, p_request_id text, p_after jsonb)
returns void
language sql security definer set search_path = pg_catalog, public
as $$
	insert into audit_log (request_id, actor_sub, actor_role,
	    county_code, township_code, action, entity, entity_id, after)
	values (coalesce(p_request_id, xz.claim('request_id')),
	    coalesce(xz.claim('sub'), 'xiangzhi-auth'),
	    coalesce(xz.claim('role'), 'system'),
	    p_county, p_township, p_action, p_entity, p_id, p_after)
$$;
revoke all on function xz_auth.audit(text, text, text, text, text, text,
    jsonb) from public;

create table users (
	id		uuid primary key default gen_random_uuid(),
	login		text not null unique
			    check (login ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
	display_name	text not null
			    check (char_length(display_name) between 1 and 64),
	level		text not null
			    check (level in ('county', 'township', 'village')),
	county_code	char(6) not null references counties (code),
	township_code	char(9),
	village_code	char(12) references villages (code),
	status		text not null default 'active'
			    check (status in ('active', 'disabled')),
	password_hash	text not null check (password_hash like '$argon2id$%'),
	must_change_password boolean not null default true,
	password_changed_at timestamptz not null default now(),
	created_by	text,
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now(),
	foreign key (township_code, county_code)
	    references townships (code, county_code),
	check ((level = 'county' and township_code is null and
	    village_code is null) or
	    (level = 'township' and township_code is not null and
	    village_code is null) or
	    (level = 'village' and township_code is not null and
	    village_code is not null and left(village_code, 9) = township_code))
);
create index users_county on users (county_code, login);
create index users_township on users (township_code, login);

create trigger users_version before update on users
    for each row execute function xz.bump_version();
create trigger users_audit after insert or update or delete on users
    for each row execute function xz.audit_row();

-- Failed-login counting, keyed by login name whether or not such a user
-- exists, so that a lock says nothing about who has an account.
create table login_throttle (
	login		text primary key,
	attempts	integer not null default 0,
	window_start	timestamptz not null default now(),
	locked_until	timestamptz
);
create index login_throttle_stale on login_throttle (window_start);

create table refresh_families (
	id		uuid primary key default gen_random_uuid(),
	user_id		uuid not null references users (id),
	created_at	timestamptz not null default now(),
	revoked_at	timestamptz,
	revoked_reason	text check (revoked_reason in ('logout', 'reuse',
			    'password_change', 'password_reset', 'disabled'))
);
create index refresh_families_user on refresh_families (user_id)
    where revoked_at is null;

create table refresh_tokens (
	token_hash	char(64) primary key,
	family_id	uuid not null references refresh_families (id),
	issued_at	timestamptz not null default now(),
	expires_at	timestamptz not null,
	spent_at	timestamptz
);
create index refresh_tokens_family on refresh_tokens (family_id);

create table partner_clients (
	id		uuid primary key default gen_random_uuid(),
	county_code	char(6) not null references counties (code),
	name		text not null check (char_length(name) between 1 and 64),
	scopes		text[] not null check (cardinality(scopes) between 1 and 6
			    and scopes <@ array['org:read', 'coops:read',
			    'bookings:write', 'funds:read', 'dashboard:read',
			    'changes:read']),
	-- NULL: every township of the county; otherwise codes of it.
	townships	text[] check (townships is null or
			    (cardinality(townships) between 1 and 100)),
	status		text not null default 'active'
			    check (status in ('active', 'disabled')),
	secret_hash	text not null check (secret_hash like '$argon2id$%'),
	previous_secret_hash text,
	previous_secret_until timestamptz,
	secret_rotated_at timestamptz,
	created_by	text,
	version		integer not null default 1,
	created_at	timestamptz not null default now(),
	updated_at	timestamptz not null default now()
);
create index partner_clients_county on partner_clients (county_code, id);

create trigger partner_clients_version before update on partner_clients
    for each row execute function xz.bump_version();
create trigger partner_clients_audit after insert or update or delete
    on partner_clients for each row execute function xz.audit_row();

-- Whether the bound caller manages a user of this level and tenant:
-- county users manage their county's township users, township users their
-- township's village users; nobody manages their own level or above.
create function xz_auth.manages(p_level text, p_county text,
    p_township text) returns boolean
language sql stable
as $$
	select coalesce(p_county = xz.claim('county') and (
	    (xz.claim('role') = 'county' and p_level = 'township') or
	    (xz.claim('role') = 'township' and p_level = 'village' and
		p_township = xz.claim('township'))), false)
$$;
revoke all on function xz_auth.manages(text, text, text) from public;
grant execute on function xz_auth.manages(text, text, text) to xiangzhi_app;

alter table users enable row level security;
alter table users force row level security;
alter table partner_clients enable row level security;
alter table partner_clients force row level security;
alter table login_throttle enable row level security;
alter table login_throttle force row level security;
alter table refresh_families enable row level security;
alter table refresh_families force row level security;
alter table refresh_tokens enable row level security;
alter table refresh_tokens force row level security;

create policy users_read on users for select
    using (id::text = (select xz.claim('sub')) or
	xz_auth.manages(level, county_code, township_code));
create policy users_insert on users for insert
    with check (xz_auth.manages(level, county_code, township_code));
create policy users_update on users for update
    using (xz_auth.manages(level, county_code, township_code))
    with check (xz_auth.manages(level, county_code, township_code));

create policy partner_clients_all on partner_clients for all
    using ((select xz.claim('role')) = 'county' and
	county_code = (select xz.claim('county')))
    with check ((select xz.claim('role')) = 'county' and
	county_code = (select xz.claim('county')));

grant select (id, login, display_name, level, county_code, township_code,
    village_code, status, must_change_password, password_changed_at,
    created_by, version, created_at, updated_at) on users to xiangzhi_app;
grant insert (login, display_name, level, county_code, township_code,
    village_code, password_hash, must_change_password, created_by)
    on users to xiangzhi_app;
grant update (display_name, status, password_hash, must_change_password,
    password_changed_at) on users to xiangzhi_app;

grant select (id, county_code, name, scopes, townships, status,
    previous_secret_until, secret_rotated_at, created_by, version,
    created_at, updated_at) on partner_clients to xiangzhi_app;
grant insert (county_code, name, scopes, townships, secret_hash, created_by)
    on partner_clients to xiangzhi_app;
grant update (name, scopes, townships, status) on partner_clients
    to xiangzhi_app;

-- Sessions end when their user is disabled or gets a new password (all
-- but the caller's own session when users change their own).  A rehash
-- to new argon2id parameters keeps password_changed_at and the sessions.
create function xz_auth.users_sessions() returns trigger
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	reason	text;
	n	integer;
begin
	if new.status = 'disabled' and old.status <> 'disabled' then
		reason := 'disabled';
	elsif new.password_changed_at <> old.password_changed_at then
		reason := case when new.id::text = xz.claim('sub')
		    then 'password_change' else 'password_reset' end;
	else
		return null;
	end if;
	update refresh_families set revoked_at = now(),
	    revoked_reason = reason
	    where user_id = new.id and revoked_at is null and
		id::text is distinct from xz.claim('sid');
	get diagnostics n = row_count;
	if n > 0 then
		perform xz_auth.audit('revoke', 'users', new.id::text,
		    new.county_code, new.township_code, null,
		    jsonb_build_object('sessions', n, 'reason', reason));
	end if;
	return null;
end
$$;
revoke all on function xz_auth.users_sessions() from public;
create trigger users_sessions after update on users
    for each row execute function xz_auth.users_sessions();

-- A user's lock, for showing status (NULL when not locked).
create function xz_auth.locked_until(p_login text) returns timestamptz
language sql stable security definer set search_path = pg_catalog, public
as $$
	select locked_until from login_throttle
	    where login = p_login and locked_until > now()
$$;
revoke all on function xz_auth.locked_until(text) from public;
grant execute on function xz_auth.locked_until(text) to xiangzhi_app;

-- Login, step 1 (before the password is checked).  Counts the attempt
-- before it is made, so that parallel guesses cannot exceed the limit.
-- state: 'locked' (locked_until says until when) or 'check' (user_id and
-- password_hash NULL for an unknown login: the caller checks against a
-- dummy hash to spend the same time).
create function xz_auth.login_begin(p_login text, p_request_id text,
    p_max integer, p_window interval,
    out state text, out user_id uuid, out password_hash text,
    out locked_until timestamptz)
language plpgsql security definer set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
	k	text := lower(p_login);
	t	login_throttle;
	u	users;
begin
	-- Forget stale counters a few at a time.
	delete from login_throttle where login in (select login
	    from login_throttle where window_start < now() - interval '1 day'
		and coalesce(login_throttle.locked_until, '-infinity') < now()
	    limit 16);
	insert into login_throttle (login) values (k)
	    on conflict (login) do nothing;
	select * into t from login_throttle where login = k for update;
	select * into u from users where login = k;
	if t.locked_until > now() then
		state := 'locked';
		locked_until := t.locked_until;
		return;
	end if;
	if t.locked_until is not null then
		-- The lock ran out: say so in the trail.
		perform xz_auth.audit('unlock', 'users', coalesce(u.id::text, k),
		    u.county_code, u.township_code, p_request_id,
		    jsonb_build_object('reason', 'expired'));
		t.attempts := 0;
		t.window_start := now();
		t.locked_until := null;
	elsif t.window_start < now() - p_window then
		t.attempts := 0;
		t.window_start := now();
	end if;
	if t.attempts >= p_max then
		-- The window's last attempts are still being checked: not a
		-- lock (yet), try again in a moment.
		state := 'locked';
		locked_until := now() + interval '1 second';
		update login_throttle set attempts = t.attempts,
		    window_start = t.window_start, locked_until = null
		    where login = k;
		return;
	end if;
	update login_throttle set attempts = t.attempts + 1,
	    window_start = t.window_start, locked_until = null
	    where login = k;
	state := 'check';
	user_id := u.id;
	password_hash := u.password_hash;
end
$$;

-- Login, step 2: the outcome.  A failure that reaches p_max failures in
-- the window locks the login for p_lock (audited).  A success clears the
-- counter and, for an active user, opens a session (refresh family) with
-- its first refresh token; p_rehash replaces an outdated hash.
-- state: 'invalid', 'locked' (this failure locked it), 'disabled', 'ok'.
create function xz_auth.login_finish(p_login text, p_user uuid, p_ok boolean,
    p_refresh_hash text, p_refresh_ttl interval, p_rehash text,
    p_request_id text, p_max integer, p_lock interval,
    out state text, out locked_until timestamptz, out user_id uuid,
    out level text, out county_code text, out township_code text,
    out village_code text, out must_change_password boolean,
    out session_id uuid)
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	k	text := lower(p_login);
	t	login_throttle;
	u	users;
begin
	select * into u from users where id = p_user;
	if not p_ok or u.id is null then
		select * into t from login_throttle where login = k for update;
		state := 'invalid';
		if t.login is not null and t.attempts >= p_max and
		    t.locked_until is null then
			update login_throttle set locked_until = now() + p_lock
			    where login = k returning login_throttle.locked_until
			    into locked_until;
			perform xz_auth.audit('lock', 'users',
			    coalesce(u.id::text, k), u.county_code,
			    u.township_code, p_request_id,
			    jsonb_build_object('failed_attempts', t.attempts,
				'locked_until', locked_until));
			state := 'locked';
		end if;
		return;
	end if;
	update login_throttle set attempts = 0, window_start = now()
	    where login = k;
	if u.status <> 'active' then
		state := 'disabled';
		return;
	end if;
	if p_rehash is not null then
		update users set password_hash = p_rehash where id = u.id;
	end if;
	insert into refresh_families (user_id) values (u.id)
	    returning id into session_id;
	insert into refresh_tokens (token_hash, family_id, expires_at)
	    values (p_refresh_hash, session_id, now() + p_refresh_ttl);
	state := 'ok';
	user_id := u.id;
	level := u.level;
	county_code := u.county_code;
	township_code := u.township_code;
	village_code := u.village_code;
	must_change_password := u.must_change_password;
end
$$;

-- Refresh-token rotation.  A spent token presented again revokes its
-- whole family (someone holds a copy); so does a disabled user.
-- state: 'ok', 'invalid', 'reused'.
create function xz_auth.refresh(p_hash text, p_new_hash text,
    p_ttl interval, p_request_id text,
    out state text, out user_id uuid, out level text,
    out county_code text, out township_code text, out village_code text,
    out must_change_password boolean, out session_id uuid)
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	t	refresh_tokens;
	f	refresh_families;
	u	users;
begin
	state := 'invalid';
	select * into t from refresh_tokens where token_hash = p_hash
	    for update;
	if t.token_hash is null then
		return;
	end if;
	select * into f from refresh_families where id = t.family_id
	    for update;
	select * into u from users where id = f.user_id;
	if f.revoked_at is not null then
		return;
	end if;
	if t.spent_at is not null or u.status <> 'active' then
		update refresh_families set revoked_at = now(),
		    revoked_reason = case when t.spent_at is not null
			then 'reuse' else 'disabled' end
		    where id = f.id;
		perform xz_auth.audit('revoke', 'users', u.id::text,
		    u.county_code, u.township_code, p_request_id,
		    jsonb_build_object('session', f.id, 'reason',
			case when t.spent_at is not null then 'reuse'
			else 'disabled' end));
		if t.spent_at is not null then
			state := 'reused';
		end if;
		return;
	end if;
	if t.expires_at <= now() then
		return;
	end if;
	update refresh_tokens set spent_at = now() where token_hash = p_hash;
	insert into refresh_tokens (token_hash, family_id, expires_at)
	    values (p_new_hash, f.id, now() + p_ttl);
	state := 'ok';
	user_id := u.id;
	level := u.level;
	county_code := u.county_code;
	township_code := u.township_code;
	village_code := u.village_code;
	must_change_password := u.must_change_password;
	session_id := f.id;
end
$$;

-- Logout: ends the caller's session (the token's sid).  Returns how many
-- sessions ended (0 or 1).
create function xz_auth.logout() returns integer
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	n	integer;
	u	users;
begin
	update refresh_families set revoked_at = now(),
	    revoked_reason = 'logout'
	    where id::text = xz.claim('sid') and
		user_id::text = xz.claim('sub') and revoked_at is null;
	get diagnostics n = row_count;
	return n;
end
$$;

-- Sets the caller's own password (the old one was checked by the caller)
-- and, like a successful sign-in, clears the failure count.
create function xz_auth.set_own_password(p_hash text) returns integer
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	k	text;
begin
	update users set password_hash = p_hash, must_change_password = false,
	    password_changed_at = now()
	    where id::text = xz.claim('sub') and status = 'active'
	    returning login into k;
	if k is null then
		return 0;
	end if;
	update login_throttle set attempts = 0, window_start = now()
	    where login = k and locked_until is null;
	return 1;
end
$$;

-- Ends a user's lock, by a manager of that user (audited).  Returns 1 when
-- the user exists for the caller (locked or not), 0 otherwise.
create function xz_auth.unlock(p_user uuid) returns integer
language plpgsql security definer set search_path = pg_catalog, public
as $$
declare
	u	users;
	was	timestamptz;
begin
	select * into u from users where id = p_user;
	if u.id is null or
	    not xz_auth.manages(u.level, u.county_code, u.township_code) then
		return 0;
	end if;
	select locked_until into was from login_throttle
	    where login = u.login for update;
	update login_throttle set attempts = 0, window_start = now(),
	    locked_until = null
	    where login = u.login;
	if was > now() then
		perform xz_auth.audit('unlock', 'users', u.id::text,
		    u.county_code, u.township_code, null,
		    jsonb_build_object('reason', 'manager'));
	end if;
	return 1;
end
$$;

-- Partner login: the client's secret hashes (the previous one while its
-- overlap lasts) and grant.  No row for an unknown client.
create function xz_auth.client_begin(p_id uuid)
returns table (id uuid, county_code text, status text, secret_hash text,
    previous_secret_hash text, scopes text[], townships text[])
language sql stable security definer set search_path = pg_catalog, public
as $$
	select c.id, c.county_code, c.status, c.secret_hash,
	    case when c.previous_secret_until > now()
		then c.previous_secret_hash end,
	    c.scopes, c.townships
	from partner_clients c
	where c.id = p_id
$$;

-- Secret rotation by a county user of the client's county: the old secret
-- stays valid for p_overlap.  Returns the new previous_secret_until, or no
-- row when the client is not the caller's.
create function xz_auth.rotate_client_secret(p_id uuid, p_hash text,
    p_overlap interval) returns table (previous_secret_until timestamptz,
    version integer)
language sql security definer set search_path = pg_catalog, public
as $$
	update partner_clients set previous_secret_hash = secret_hash,
	    previous_secret_until = now() + p_overlap,
	    secret_hash = p_hash, secret_rotated_at = now()
	where id = p_id and xz.claim('role') = 'county' and
	    county_code = xz.claim('county')
	returning previous_secret_until, version
$$;

do $$
declare
	f	text;
begin
	foreach f in array array[
	    'xz_auth.login_begin(text, text, integer, interval)',
	    'xz_auth.login_finish(text, uuid, boolean, text, interval, text, text, integer, interval)',
	    'xz_auth.refresh(text, text, interval, text)',
	    'xz_auth.logout()',
	    'xz_auth.set_own_password(text)',
	    'xz_auth.unlock(uuid)',
	    'xz_auth.client_begin(uuid)',
	    'xz_auth.rotate_client_secret(uuid, text, interval)']
	loop
		execute format('revoke all on function %s from public', f);
		execute format('grant execute on function %s to xiangzhi_app',
		    f);
	end loop;
end
$$;
