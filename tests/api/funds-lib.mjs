/*
 * Helpers of the funds suites (issue 5: funds*.test.mjs).
 *
 * Every test works in a world of its own: a county created for it as the
 * owner (an unused code 3398xx, two townships, three villages), so money
 * amounts, the approval limit and the ledger check of one test never see
 * another's rows, nor the demo county's seeded figures.  world(t) deletes
 * the county and everything in it afterwards (t.after), as the owner: the
 * fund tables are append-only where the rules say so, so the clean-up
 * disables their user triggers inside its one transaction.
 *
 * The API helpers assert the status they expect and return the body; the
 * raw answer is there for tests that look at headers (res()).
 */

import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import {
	api, expectStatus, noteSecret, psqlOwner, tokenFor, tokenRequest,
} from './lib.mjs';

export const RUN = crypto.randomBytes(3).toString('hex');
export const UUID =
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/* The largest amount any *_fen input takes (1e13 fen), and sources 1e14. */
export const MAX_FEN = 10000000000000;
export const MAX_SOURCE_FEN = 100000000000000;
/* The default township approval limit: 400,000 yuan. */
export const DEFAULT_LIMIT_FEN = 40000000;
export const NIL_UUID = '00000000-0000-4000-8000-000000000000';

let seq = 0;

/* A string unique to this run (voucher and document numbers, names). */
export function uniq(tag = 'x')
{
	seq++;
	return `${tag}-${RUN}-${seq}`;
}

/* A random Idempotency-Key. */
export function idemKey()
{
	return `k-${crypto.randomUUID()}`;
}

/* Today in Asia/Shanghai, and n days from it, as YYYY-MM-DD. */
export function shanghaiDay(n = 0)
{
	return new Date(Date.now() + 8 * 3600000 + n * 86400000)
	    .toISOString().slice(0, 10);
}

/* ------------------------------------------------------------ worlds */

function digits(s, n)
{
	assert.match(String(s), new RegExp(`^[0-9]{${n}}$`));
	return String(s);
}

/*
 * Deletes the county code and everything under it (fund rows, users,
 * villages, townships) as the owner.  The fund tables are found by name
 * (fund_*, disbursement*); a row belongs to the county by county_code, or
 * by township_code, or through its project, line, allocation or source.
 * Deletes repeat until foreign keys no longer refuse (child tables first
 * without knowing their order).  audit_log keeps its rows (append-only).
 */
export function dropWorld(code)
{
	digits(code, 6);
	psqlOwner(`
begin;
do $drop$
declare
	t	record;
	cond	text;
	n	bigint;
	pending	int;
	rounds	int := 0;
	c	constant text := '${code}';
	tabs	text[];
begin
	select coalesce(array_agg(relname::text order by relname), '{}')
	    into tabs from pg_class k join pg_namespace s on s.oid =
	    k.relnamespace where s.nspname = 'public' and k.relkind = 'r' and
	    (relname ~ '^fund' or relname ~ '^disburs');
	foreach cond in array tabs loop
		execute format('alter table %I disable trigger user', cond);
	end loop;
	loop
		pending := 0;
		rounds := rounds + 1;
		for t in select unnest(tabs) as name loop
			cond := null;
			if exists (select 1 from information_schema.columns
			    where table_schema = 'public' and table_name = t.name
			    and column_name = 'county_code') then
				cond := format('county_code = %L', c);
			elsif exists (select 1 from information_schema.columns
			    where table_schema = 'public' and table_name = t.name
			    and column_name = 'township_code') then
				cond := format('left(township_code, 6) = %L', c);
			elsif exists (select 1 from information_schema.columns
			    where table_schema = 'public' and table_name = t.name
			    and column_name = 'project_id') and
			    to_regclass('public.fund_projects') is not null then
				cond := format('project_id in (select id from ' ||
				    'fund_projects where county_code = %L)', c);
			end if;
			continue when cond is null;
			begin
				execute format('delete from %I where %s', t.name,
				    cond);
			exception when foreign_key_violation then
				pending := pending + 1;
			end;
		end loop;
		exit when pending = 0;
		if rounds > 20 then
			raise exception 'dropWorld: foreign keys still refuse';
		end if;
	end loop;
	foreach cond in array tabs loop
		execute format('alter table %I enable trigger user', cond);
	end loop;
end
$drop$;
delete from refresh_tokens where family_id in (select f.id from
    refresh_families f join users u on u.id = f.user_id
    where u.county_code = '${code}');
delete from refresh_families where user_id in
    (select id from users where county_code = '${code}');
delete from login_throttle where login in
    (select login from users where county_code = '${code}');
delete from users where county_code = '${code}';
delete from partner_clients where county_code = '${code}';
delete from villages where county_code = '${code}';
delete from townships where county_code = '${code}';
delete from counties where code = '${code}';
commit;`);
}

/*
 * A county of its own for test t: { county, t1, t2, v1, v1b, v2 } (T1
 * with villages V1 and V1b, T2 with V2), dropped after t.
 */
export function world(t)
{
	const county = psqlOwner(`select c from (select (339800 + s)::text
	    as c from generate_series(0, 99) s) x where not exists (select 1
	    from counties where code = x.c) order by random() limit 1`);
	digits(county, 6);
	const t1 = `${county}101`, t2 = `${county}102`;
	const w = { county, t1, t2, v1: `${t1}201`, v1b: `${t1}202`,
	    v2: `${t2}201` };
	psqlOwner(`
begin;
insert into counties (code, name) values ('${county}', '资金测试县${county}');
insert into townships (code, county_code, name, kind) values
    ('${t1}', '${county}', '资金一镇', 'town'),
    ('${t2}', '${county}', '资金二镇', 'town');
insert into villages (code, township_code, county_code, name, population,
    households, natural_village_count) values
    ('${w.v1}', '${t1}', '${county}', '资金一村', 1200, 400, 3),
    ('${w.v1b}', '${t1}', '${county}', '资金二村', 800, 260, 2),
    ('${w.v2}', '${t2}', '${county}', '资金三村', 900, 300, 2);
commit;`);
	if (t)
		t.after(() => dropWorld(county));
	return w;
}

/* ------------------------------------------------------------- tokens */

export function cty(w, extra = {})
{
	return tokenFor('county', { county: w.county }, extra);
}

/* A township officer of w (T1 unless said); sub distinguishes officers. */
export function twp(w, { township = w.t1, sub = 'funds-maker' } = {})
{
	return tokenFor('township', { county: w.county, township }, { sub });
}

export function vil(w, { village = w.v1, sub = 'funds-villager' } = {})
{
	return tokenFor('village', { county: w.county,
	    township: village.slice(0, 9), village }, { sub });
}

export function ptn(w, { scope = 'funds:read', townships = '*' } = {})
{
	return tokenFor('partner', { county: w.county, scope, townships },
	    { sub: 'funds-partner' });
}

/*
 * A township user of w created through the users API by a county user,
 * signed in with the password grant: { id, login, token, sub }.  Dropped
 * with w (dropWorld deletes the county's users and sessions).
 */
export async function realTownshipUser(w, township = w.t1)
{
	const login = `fu-${RUN}-${++seq}`;
	const password = `Xz!${crypto.randomBytes(12).toString('base64url')}9f`;
	noteSecret('password', password);
	const res = await api('POST', '/api/v1/users', { token: cty(w),
	    body: { login, display_name: '资金测试干部', township, password } });
	expectStatus(res, 201);
	psqlOwner(`update users set must_change_password = false
	    where id = '${res.json.id}'`);
	const tok = await tokenRequest({ grant_type: 'password',
	    username: login, password });
	expectStatus(tok, 200);
	const claims = JSON.parse(Buffer.from(tok.json.access_token
	    .split('.')[1], 'base64url').toString('utf8'));
	assert.equal(claims.role, 'township');
	assert.equal(claims.township, township);
	return { id: res.json.id, login, token: tok.json.access_token,
	    sub: claims.sub };
}

/* --------------------------------------------------------------- calls */

/* A request that must answer status; returns the answer. */
export async function must(status, method, p, opts)
{
	const res = await api(method, p, opts);
	expectStatus(res, status);
	return res;
}

export async function get(token, p)
{
	return (await must(200, 'GET', p, { token })).json;
}

/* GET with its ETag: { json, etag }. */
export async function getTagged(token, p)
{
	const res = await must(200, 'GET', p, { token });
	const etag = res.headers.get('etag');
	assert.match(etag || '', /^"[^"]+"$/, `ETag of ${p}`);
	return { json: res.json, etag };
}

export function sourceBody(extra = {})
{
	return { name: uniq('资金来源'), category: 'integrated_agriculture',
	    fiscal_year: 2026, total_fen: 1000000000,
	    document_no: uniq('县财〔2026〕'), ...extra };
}

export async function createSource(w, extra = {})
{
	const res = await must(201, 'POST', '/api/v1/fund-sources',
	    { token: cty(w), body: sourceBody(extra) });
	return res.json;
}

export function allocationBody(source, township, amount, extra = {})
{
	return { source_id: source.id ?? source, township_code: township,
	    amount_fen: amount, purpose: '资金测试下达',
	    document_no: uniq('县财农'), ...extra };
}

export async function allocate(w, source, amount, { township = w.t1,
    ...extra } = {})
{
	const res = await must(201, 'POST', '/api/v1/fund-allocations',
	    { token: cty(w), body: allocationBody(source, township, amount,
	    extra) });
	return res.json;
}

/* A contractor project body (township T1 unless said). */
export function projectBody(extra = {})
{
	return { title: uniq('资金测试项目'), category: 'village_road',
	    delivery: 'contractor', contractor: '测试建设有限公司',
	    budget_fen: 1000000, planned_start: '2026-03-01',
	    planned_end: '2026-12-31', ...extra };
}

/* A village-run project body: population x per capita = budget. */
export function villageRunBody(village, extra = {})
{
	const population = extra.population_served ?? 500;
	const per = extra.per_capita_fen ?? 2000;
	return { title: uniq('雨污分流'), category: 'rain_sewage_separation',
	    delivery: 'village_run', village_code: village,
	    population_served: population, per_capita_fen: per,
	    planned_craftsmen_pct: 60, budget_fen: population * per,
	    planned_start: '2026-04-01', planned_end: '2026-10-31', ...extra };
}

export async function createProject(token, extra = {})
{
	const res = await must(201, 'POST', '/api/v1/fund-projects',
	    { token, body: projectBody(extra) });
	return res.json;
}

export async function commit(token, project, allocation, amount)
{
	const res = await must(201, 'POST',
	    `/api/v1/fund-projects/${project.id ?? project}/funding-lines`,
	    { token, body: { allocation_id: allocation.id ?? allocation,
	    amount_fen: amount } });
	return res.json;
}

/* A transition that must succeed: the project. */
export async function step(token, project, action, body)
{
	const res = await must(200, 'POST',
	    `/api/v1/fund-projects/${project.id ?? project}/${action}`,
	    { token, body });
	return res.json;
}

export function payBody(amount, extra = {})
{
	return { amount_fen: amount, payee_kind: 'contractor',
	    payee_name: '测试建设有限公司', voucher_no: uniq('凭'),
	    paid_on: shanghaiDay(-1), ...extra };
}

/* POST a disbursement (any status); key: the Idempotency-Key. */
export function disburse(token, project, body, key = idemKey(),
    headers = {})
{
	return api('POST', `/api/v1/fund-projects/${project.id ?? project}` +
	    '/disbursements', { token, body, headers: {
	    'idempotency-key': key, ...headers } });
}

export function reverse(token, disbursement, reason = '凭证有误冲正',
    key = idemKey())
{
	return api('POST', `/api/v1/disbursements/${disbursement.id ??
	    disbursement}/reverse`, { token, body: { reason },
	    headers: { 'idempotency-key': key } });
}

export const project = (token, id) => get(token,
    `/api/v1/fund-projects/${id.id ?? id}`);
export const allocation = (w, id) => get(cty(w),
    `/api/v1/fund-allocations/${id.id ?? id}`);
export const source = (w, id) => get(cty(w),
    `/api/v1/fund-sources/${id.id ?? id}`);

/* Every item of a list, following next_cursor. */
export async function listAll(token, p)
{
	const items = [];
	let url = p + (p.includes('?') ? '&' : '?') + 'limit=100';
	for (let i = 0; i < 1000; i++) {
		const j = await get(token, url);
		assert.ok(Array.isArray(j.items), `items of ${p}`);
		items.push(...j.items);
		if (j.next_cursor === null || j.next_cursor === undefined)
			return items;
		url = p + (p.includes('?') ? '&' : '?') + 'limit=100&cursor=' +
		    encodeURIComponent(j.next_cursor);
	}
	assert.fail(`listAll ${p}: no end`);
}

export async function verify(w)
{
	return get(cty(w), '/api/v1/funds/ledger/verify');
}

/* verify answers ok: true with nothing mismatched. */
export async function verifyOk(w)
{
	const v = await verify(w);
	assert.equal(v.ok, true, `ledger verify: ${JSON.stringify(v)}`);
	assert.deepEqual(v.mismatches, []);
	return v;
}

/*
 * A project of w's T1 taken to in_progress: a source, an allocation of
 * alloc fen to T1, a contractor project of budget fen fully committed
 * from it, submitted by one officer, approved by another, passed by the
 * county, started (township: T1 unless said).  Returns { source, alloc, project, maker, checker }.
 */
export async function runningProject(w, { budget = 1000000,
    alloc = budget, extra = {}, township = w.t1 } = {})
{
	const maker = twp(w, { township, sub: `maker-${RUN}` });
	const checker = twp(w, { township, sub: `checker-${RUN}` });
	const s = await createSource(w, { total_fen: Math.max(alloc,
	    budget) * 2 });
	const a = await allocate(w, s, alloc, { township });
	let p = await createProject(maker, { budget_fen: budget, ...extra });
	p = await commit(maker, p, a, budget);
	p = await step(maker, p, 'submit');
	p = await step(checker, p, 'approve');
	assert.equal(p.status, 'filed');
	p = await step(cty(w), p, 'review', { decision: 'passed' });
	assert.equal(p.status, 'review_passed');
	p = await step(maker, p, 'start');
	assert.equal(p.status, 'in_progress');
	return { source: s, alloc: a, project: p, maker, checker };
}

/* The ledger entries of w filtered by query (e.g. project_id=...). */
export function ledger(w, query = '')
{
	return listAll(cty(w), `/api/v1/funds/ledger${query ? `?${query}` :
	    ''}`);
}

/* Sum of amount_fen. */
export function sum(items, pick = (x) => x.amount_fen)
{
	return items.reduce((acc, x) => acc + pick(x), 0);
}
