/*
 * The partner change feed (issue 7): GET /api/v1/changes.  Changes made
 * through the API (funds, cooperatives, personnel) appear as events in
 * (tick, id) order with the new row and the entity's link; refused
 * requests write none; cursors page without repeats or gaps; the types
 * filter; bad parameters are 400 naming the parameter; scopes and
 * township grants; retention answers 410 for a cursor it overtook.
 *
 * Funds tests work in a county of their own (funds-lib world()), so the
 * county's feed holds only their events.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
	api, dropCooperatives, expectFieldError, expectProblem, expectStatus,
	fixtures, psqlOwner, randomResidentId, randomUscc, tokenFor,
} from './lib.mjs';
import {
	RUN, allocate, commit, createProject, createSource, cty, disburse,
	payBody, ptn, reverse, runningProject, twp, world,
} from './funds-lib.mjs';
import { START, before, decode, drain, head, page } from './changes-lib.mjs';
import { patch, staff, township } from './personnel-lib.mjs';

const f = fixtures();
const countyTok = () => tokenFor('county', { county: f.county });
const TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?\+08:00$/;
const KEYS = ['action', 'cursor', 'data', 'entity_id', 'id', 'link', 'state',
    'time', 'township', 'type'];
let seq = 0;

function shape(e)
{
	assert.deepEqual(Object.keys(e).sort(), KEYS);
	assert.equal(typeof e.id, 'number');
	assert.match(e.time, TIME);
	assert.ok(['created', 'updated', 'state_changed', 'deleted']
	    .includes(e.action));
	assert.equal(e.state !== null, e.action === 'state_changed');
	assert.deepEqual(decode(e.cursor)[1], BigInt(e.id));
}

test('funds: sources, allocations, project states, funding lines, ' +
    'payments and reversals appear in order with their rows', async (t) => {
	const w = world(t);
	const start = await head(cty(w));
	const r = await runningProject(w);
	const pay = await disburse(r.maker, r.project, payBody(300000));
	expectStatus(pay, 201);
	const rev = await reverse(r.maker, pay.json);
	expectStatus(rev, 201);

	const { events } = await drain(cty(w), { after: start });
	for (const e of events)
		shape(e);
	const types = new Set(events.map((e) => e.type));
	for (const ty of ['fund_source', 'allocation', 'project',
	    'funding_line', 'disbursement'])
		assert.ok(types.has(ty), `an event of type ${ty}`);
	const src = events.filter((e) => e.type === 'fund_source');
	assert.equal(src[0].action, 'created');
	assert.equal(src[0].entity_id, r.source.id);
	assert.equal(src[0].township, null, 'a source is county-level');
	assert.equal(src[0].link, `/api/v1/fund-sources/${r.source.id}`);

	const proj = events.filter((e) => e.type === 'project' &&
	    e.entity_id === r.project.id);
	assert.equal(proj[0].action, 'created');
	assert.equal(proj[0].data.status, 'draft');
	assert.deepEqual(proj.filter((e) => e.action === 'state_changed')
	    .map((e) => e.state), ['submitted', 'filed', 'review_passed',
	    'in_progress']);
	for (const e of proj) {
		assert.equal(e.township, w.t1);
		assert.equal(e.link, `/api/v1/fund-projects/${r.project.id}`);
		assert.equal(e.data.id, r.project.id);
	}
	/* Per-entity order: versions only grow. */
	for (let i = 1; i < proj.length; i++)
		assert.ok(proj[i].data.version > proj[i - 1].data.version);
	/* The last event is the row as it is now. */
	const now = await api('GET', proj[proj.length - 1].link,
	    { token: cty(w) });
	expectStatus(now, 200);
	assert.equal(proj[proj.length - 1].data.version, now.json.version);
	assert.equal(proj[proj.length - 1].data.disbursed_fen,
	    now.json.disbursed_fen);

	const d = events.filter((e) => e.type === 'disbursement');
	assert.deepEqual(d.map((e) => [e.entity_id, e.action, e.data.kind]),
	    [[pay.json.id, 'created', 'payment'],
	    [rev.json.id, 'created', 'reversal']]);
	for (const e of d) {
		assert.ok(!('idempotency_key' in e.data), 'no idempotency key');
		assert.ok(!('request_hash' in e.data), 'no request hash');
		assert.equal(e.link, `/api/v1/disbursements/${e.entity_id}`);
		expectStatus(await api('GET', e.link, { token: cty(w) }), 200);
	}
	const lines = events.filter((e) => e.type === 'funding_line');
	assert.ok(lines.length >= 2, 'the line is created and then paid');
	assert.equal(lines[0].link, `/api/v1/fund-projects/${r.project.id}`);
	assert.equal(lines[lines.length - 1].data.disbursed_fen, 0,
	    'paid, then reversed');
});

test('a refused or failed request writes no event', async (t) => {
	const w = world(t);
	const r = await runningProject(w);
	const h = await head(cty(w));
	/* More than the committed funds: 409, rolled back. */
	const big = await disburse(r.maker, r.project, payBody(99999999));
	expectProblem(big, 409);
	/* A bad body: 400 before the database. */
	const bad = await disburse(r.maker, r.project, payBody(-1));
	expectStatus(bad, 400);
	/* Another county's project: 404. */
	const other = world(t);
	const p2 = await createProject(twp(other));
	const foreign = await api('PATCH', `/api/v1/fund-projects/${p2.id}`,
	    { token: twp(w), body: { title: 'x' },
	    headers: { 'if-match': '"1"' } });
	expectStatus(foreign, 404);
	const after = await drain(cty(w), { after: h });
	assert.deepEqual(after.events, []);
	/* And a success right after does write. */
	expectStatus(await disburse(r.maker, r.project, payBody(100)), 201);
	const ok = await drain(cty(w), { after: after.next });
	assert.ok(ok.events.some((e) => e.type === 'disbursement'));
});

test('cooperatives: created, state changed, members without resident ' +
    'IDs, machines', async (t) => {
	const h = await head(countyTok());
	seq++;
	const c = await api('POST', '/api/v1/cooperatives', {
		token: countyTok(), body: {
			township: f.t1, kind: 'machinery',
			name: `变更测试农机合作社${RUN}${seq}`, uscc: randomUscc(),
			legal_representative: '测试法人', founded_on: '2020-01-01',
			registered_capital_fen: 1000000, villages: [f.v1],
		},
	});
	expectStatus(c, 201);
	t.after(() => dropCooperatives(c.json.id));
	const id = c.json.id;
	const rid = randomResidentId();
	const m = await api('POST', `/api/v1/cooperatives/${id}/members`,
	    { token: countyTok(), body: { kind: 'person', name: '变更社员',
	    village: f.v1, joined_on: '2021-01-01',
	    contribution: { kind: 'money', fen: 100 }, resident_id: rid } });
	expectStatus(m, 201);
	const mach = await api('POST', `/api/v1/cooperatives/${id}/machines`,
	    { token: countyTok(), body: { type: 'tractor', model: 'LX904',
	    power_kw: 66.2, plate_or_serial: `CH${RUN}${seq}` } });
	expectStatus(mach, 201);
	const s = await patch(`/api/v1/cooperatives/${id}`,
	    { status: 'suspended', status_reason: '整顿' }, countyTok());
	expectStatus(s, 200);

	const { events, next } = await drain(countyTok(), { after: h });
	const mine = events.filter((e) => e.entity_id === id ||
	    e.entity_id === m.json.id || e.entity_id === mach.json.id);
	assert.deepEqual(mine.map((e) => [e.type, e.action, e.state]), [
		['cooperative', 'created', null],
		['member', 'created', null],
		['machine', 'created', null],
		['cooperative', 'state_changed', 'suspended'],
	]);
	for (const e of mine) {
		shape(e);
		assert.equal(e.township, f.t1);
	}
	assert.equal(mine[0].link, `/api/v1/cooperatives/${id}`);
	assert.equal(mine[1].link, `/api/v1/members/${m.json.id}`);
	assert.equal(mine[2].link, `/api/v1/machines/${mach.json.id}`);
	assert.equal(mine[3].data.status_reason, '整顿');
	const text = JSON.stringify(mine[1]);
	assert.ok(!text.includes(rid), 'no resident ID number');
	assert.ok(!text.includes(rid.slice(-4) + '"'), 'no masked ID');
	assert.ok(!/resident/.test(text), 'no resident ID field');

	/* The owner's clean-up deletes: deleted events without data. */
	dropCooperatives(id);
	const gone = await drain(countyTok(), { after: next });
	const del = gone.events.filter((e) => e.entity_id === id);
	assert.deepEqual(del.map((e) => [e.action, e.data]),
	    [['deleted', null]]);
});

test('personnel: origin units, staff without phones, staff state',
    async (t) => {
	const h = await head(countyTok());
	const X = await township(t, 1);
	const s = await staff(X, 'social_affairs', { phone: '13912345678' });
	const l = await patch(`/api/v1/staff/${s.id}`, { status: 'on_leave' },
	    X.tok);
	expectStatus(l, 200);
	const { events } = await drain(countyTok(), { after: h });
	const mine = events.filter((e) => e.township === X.code);
	assert.ok(mine.some((e) => e.type === 'origin_unit' &&
	    e.entity_id === X.unit && e.action === 'created'));
	const st = mine.filter((e) => e.type === 'staff');
	assert.deepEqual(st.map((e) => [e.action, e.state]),
	    [['created', null], ['state_changed', 'on_leave']]);
	assert.equal(st[0].link, `/api/v1/staff/${s.id}`);
	assert.ok(!JSON.stringify(mine).includes('13912345678'), 'no phone');
	/* The township officer reads its own township's events too. */
	const own = await drain(X.tok, { after: h });
	assert.ok(own.events.length > 0);
	assert.ok(own.events.every((e) => e.township === X.code ||
	    e.township === null));
});

test('paging: every page size reads the same events once, in order',
    async (t) => {
	const w = world(t);
	const s = await createSource(w);
	for (let i = 0; i < 4; i++)
		await allocate(w, s, 1000 + i, { township: i % 2 ? w.t2 : w.t1 });
	await createProject(twp(w));
	const all = await drain(cty(w));
	assert.ok(all.events.length >= 9, `${all.events.length} events`);
	const ids = all.events.map((e) => e.id);
	assert.equal(new Set(ids).size, ids.length, 'no repeats');
	for (const limit of [1, 2, 3, 7]) {
		const d = await drain(cty(w), { limit });
		assert.deepEqual(d.events.map((e) => e.id), ids, `limit ${limit}`);
		assert.equal(d.next, all.next);
	}
	/* From the middle. */
	const mid = all.events[4].cursor;
	const rest = await drain(cty(w), { after: mid, limit: 2 });
	assert.deepEqual(rest.events.map((e) => e.id), ids.slice(5));
	/* The default page is 100. */
	const p = await page(cty(w));
	assert.equal(p.events.length, ids.length);
	assert.equal(p.has_more, false);
	/* Nothing new: next is the head, after every published event. */
	const none = await page(cty(w), { after: all.next });
	assert.deepEqual(none.events, []);
	assert.ok(!before(none.next, all.next));
	assert.equal(none.has_more, false);
	const [headTick, headId] = decode(none.next);
	assert.equal(String(headTick), psqlOwner('select last_tick from ' +
	    'change_feed_state'));
	assert.equal(headId, 999999999999999999n);
	/* A new event lands after every cursor handed out, the head too. */
	await createProject(twp(w));
	for (const c of [all.next, none.next]) {
		const more = await page(cty(w), { after: c });
		assert.equal(more.events.length, 1);
		assert.ok(before(c, more.events[0].cursor));
	}
});

test('types: only the types asked for', async (t) => {
	const w = world(t);
	const s = await createSource(w);
	await allocate(w, s, 5000);
	await createProject(twp(w));
	const all = (await drain(cty(w))).events;
	for (const types of ['project', 'allocation,fund_source',
	    'project,staff,deployment']) {
		const want = types.split(',');
		const got = await drain(cty(w), { types, limit: 1 });
		assert.deepEqual(got.events.map((e) => e.id), all.filter((e) =>
		    want.includes(e.type)).map((e) => e.id), types);
		assert.ok(got.events.length > 0, types);
	}
	const none = await page(cty(w), { types: 'booking' });
	assert.deepEqual(none.events, []);
	/*
	 * Nothing of the type: the head, so a reader of a quiet type or
	 * township moves with the feed (never rescans nor falls behind
	 * retention); a cursor belongs to the types it was read with.
	 */
	assert.deepEqual((await drain(cty(w), { after: none.next })).events,
	    []);
	await createProject(twp(w));
	assert.equal((await drain(cty(w), { after: none.next,
	    types: 'project' })).events.length, 1);
});

test('bad parameters: 400 naming the parameter', async () => {
	const tok = countyTok();
	const b64 = (s) => Buffer.from(s).toString('base64url');
	const cases = [
		['limit=0', 'limit', 'out_of_range'],
		['limit=1001', 'limit', 'out_of_range'],
		['limit=abc', 'limit', 'out_of_range'],
		['limit=', 'limit', 'out_of_range'],
		['limit=5&limit=6', 'limit', 'out_of_range'],
		['types=projects', 'types', 'enum'],
		['types=project,', 'types', 'enum'],
		['types=', 'types', 'format'],
		['types=project&types=staff', 'types', 'format'],
		['after=', 'after', 'format'],
		['after=%%%', 'after', 'format'],
		['after=not-a-cursor', 'after', 'format'],
		[`after=${b64('1')}`, 'after', 'format'],
		[`after=${b64('1.x')}`, 'after', 'format'],
		[`after=${b64('01.1')}`, 'after', 'format'],
		[`after=${b64('-1.1')}`, 'after', 'format'],
		[`after=${b64('1.1.1')}`, 'after', 'format'],
		[`after=${b64('1234567890123456789.1')}`, 'after', 'format'],
		[`after=${Buffer.from('0.0').toString('base64')}=`, 'after',
		    'format'],
		[`after=${START}&after=${START}`, 'after', 'format'],
		/* Well-formed, but a tick not handed out yet. */
		[`after=${b64('999999999999.1')}`, 'after', 'format'],
		['cursor=abc', 'cursor', 'unknown_parameter'],
		['township=330599107', 'township', 'unknown_parameter'],
	];
	for (const [q, where, code] of cases) {
		const res = await api('GET', `/api/v1/changes?${q}`,
		    { token: tok });
		expectFieldError(res, where, code, { kind: 'parameter' });
	}
	/* Several at once: each named. */
	const res = await api('GET', '/api/v1/changes?limit=0&types=x&after=y',
	    { token: tok });
	const p = expectFieldError(res, 'limit', 'out_of_range',
	    { kind: 'parameter' });
	assert.deepEqual(p.errors.map((e) => e.parameter).sort(),
	    ['after', 'limit', 'types']);
	/* Limits that are fine. */
	for (const limit of [1, 1000])
		await page(tok, { limit });
});

test('access: scopes, roles and township grants', async (t) => {
	const w = world(t);
	const s = await createSource(w);
	const a1 = await allocate(w, s, 1000, { township: w.t1 });
	const a2 = await allocate(w, s, 1000, { township: w.t2 });
	const p1 = await createProject(twp(w));
	const p2 = await createProject(twp(w, { township: w.t2 }));
	const ids = (tok) => drain(tok).then((d) => d.events.map((e) =>
	    e.entity_id));

	const whole = await ids(ptn(w, { scope: 'changes:read' }));
	for (const x of [s.id, a1.id, a2.id, p1.id, p2.id])
		assert.ok(whole.includes(x), 'a whole-county partner sees all');
	const granted = await ids(ptn(w, { scope: 'changes:read',
	    townships: [w.t1] }));
	assert.ok(granted.includes(a1.id) && granted.includes(p1.id));
	assert.ok(!granted.includes(a2.id) && !granted.includes(p2.id),
	    'not another township');
	assert.ok(!granted.includes(s.id), 'no county-level events');
	const two = await ids(ptn(w, { scope: 'funds:read changes:read',
	    townships: [w.t1, w.t2] }));
	assert.ok(two.includes(p1.id) && two.includes(p2.id));
	const tw = await ids(twp(w));
	assert.ok(tw.includes(p1.id) && tw.includes(s.id));
	assert.ok(!tw.includes(p2.id));
	/* Another county's users and partners see none of it. */
	const demo = await ids(tokenFor('partner', { county: f.county,
	    scope: 'changes:read', townships: '*' }));
	assert.ok(!demo.includes(p1.id) && !demo.includes(s.id));

	expectProblem(await api('GET', '/api/v1/changes',
	    { token: ptn(w, { scope: 'funds:read' }) }), 403,
	    'insufficient_scope');
	expectProblem(await api('GET', '/api/v1/changes', { token: tokenFor(
	    'village', { county: w.county, township: w.t1,
	    village: w.v1 }) }), 403);
	expectProblem(await api('GET', '/api/v1/changes'), 401);
	/* The service's role cannot write the table. */
	assert.equal(psqlOwner(`select has_table_privilege('xiangzhi_app',
	    'change_events', 'INSERT') or has_table_privilege('xiangzhi_app',
	    'change_events', 'UPDATE') or has_table_privilege('xiangzhi_app',
	    'change_events', 'DELETE')`), 'f');
});

/*
 * Retention in batches, held back by active subscriptions (migration
 * 0009).  Checked in one transaction that is never committed (the
 * connection closes with it open), so nothing is deleted for real: 25,000
 * more events, everything backdated past the retention, then the owner's
 * cleanup three times.
 */
test('retention: at most 10,000 events a time, never past an active ' +
    'subscription; a quiet subscription follows the head', async (t) => {
	const w = world(t);
	const reg = await api('POST', '/api/v1/webhooks', { token: cty(w),
	    body: { url: 'http://127.0.0.1:9/quiet', types: ['booking'] } });
	expectStatus(reg, 201);
	const id = reg.json.id;
	try {
		await quietAndBatches(w, id);
	} finally {
		/* Before the world goes (its county holds the subscription). */
		psqlOwner(`delete from webhooks where id = '${id}'`);
	}
});

async function quietAndBatches(w, id)
{
	/* Nothing happens in the county: the worker moves it to the head. */
	let pos = '';
	for (let i = 0; i < 50 && pos !== '999999999999999999|t'; i++) {
		await new Promise((r) => setTimeout(r, 100));
		pos = psqlOwner(`select k.event_id, k.tick = s.last_tick or
		    k.tick = s.last_tick - 1 from webhook_cursors k,
		    change_feed_state s where k.webhook_id = '${id}'`);
	}
	assert.equal(pos, '999999999999999999|t', 'the quiet one is at the head');

	const out = JSON.parse(psqlOwner(`begin;
do $$
declare
	t	bigint;
	e	bigint[] := '{}';
	r	bigint[] := '{}';
	pin	record;
	pinned	boolean;
begin
	select last_tick into t from change_feed_state;
	insert into change_events (county_code, entity_type, entity_id,
	    action, link, tick, published_at)
	select '${w.county}', 'project', 'batch-' || g, 'created', '/x', t,
	    clock_timestamp() from generate_series(1, 25000) g;
	update change_events set published_at = now() - interval '40 days'
	    where tick is not null;
	-- Every subscription at the head but this one, pinned below.
	update webhook_cursors set (tick, event_id) =
	    (t, 999999999999999999);
	e := e || (select count(*) from change_events where tick is not null);
	r := r || xz.changes_cleanup(30);
	e := e || (select count(*) from change_events where tick is not null);
	select tick, id into pin from change_events where tick is not null
	    order by tick, id offset 4999 limit 1;
	update webhook_cursors set (tick, event_id) = (pin.tick, pin.id)
	    where webhook_id = '${id}';
	r := r || xz.changes_cleanup(30);
	e := e || (select count(*) from change_events where tick is not null);
	select purged_tick = pin.tick and purged_id = pin.id into pinned
	    from change_feed_state;
	update webhooks set status = 'disabled' where id = '${id}';
	r := r || xz.changes_cleanup(30);
	e := e || (select count(*) from change_events where tick is not null);
	perform set_config('xz.retention_test', json_build_object('e', e,
	    'r', r, 'pinned', pinned)::text, true);
end
$$;
select current_setting('xz.retention_test')`));
	const [e0, e1, e2, e3] = out.e.map(Number);
	const [r1, r2, r3] = out.r.map(Number);
	assert.ok(e0 >= 25000);
	assert.equal(r1, -10000, 'a full batch (more may be left)');
	assert.equal(e0 - e1, 10000);
	assert.equal(r2, 5000, 'up to the active subscription\'s position');
	assert.equal(e1 - e2, 5000);
	assert.equal(out.pinned, true, 'the watermark is that position');
	assert.equal(r3, -10000, 'a disabled subscription holds nothing');
	assert.equal(e2 - e3, 10000);
	/* Nothing of it was committed. */
	assert.equal(psqlOwner(`select count(*) from change_events
	    where entity_id like 'batch-%'`), '0');
}

/*
 * Last (it deletes, by whole ticks, every event published before the
 * backdated one, whichever county): retention and cursor_expired.
 */
test('retention: old events are deleted, a cursor before them is 410',
    async (t) => {
	const w = world(t);
	/* The world's townships got their centers (as the owner). */
	const h = await head(cty(w));
	assert.notEqual(h, START);
	const s = await createSource(w);
	const first = await drain(cty(w), { after: h });
	assert.equal(first.events.length, 1);
	await allocate(w, s, 1000);
	const second = await drain(cty(w), { after: first.next });
	assert.ok(second.events.length >= 2);
	const [tick] = decode(first.next);
	psqlOwner(`update change_events set published_at = now() -
	    interval '31 days' where tick = ${tick};
	    update change_feed_state set cleaned_at = now() -
	    interval '2 hours'`);
	/* The next read runs the retention. */
	const from = await drain(cty(w));
	assert.deepEqual(from.events.map((e) => e.id),
	    second.events.map((e) => e.id), 'the old event is gone');
	assert.equal(psqlOwner(`select count(*) from change_events
	    where tick <= ${tick}`), '0');
	const gone = await api('GET', `/api/v1/changes?after=${START}`,
	    { token: cty(w) });
	expectProblem(gone, 410, 'cursor_expired');
	/* A cursor at or after what was deleted still reads. */
	const mid = await drain(cty(w), { after: second.events[0].cursor });
	assert.deepEqual(mid.events.map((e) => e.id),
	    second.events.slice(1).map((e) => e.id));
	/* Not again within the hour. */
	assert.ok(Number(psqlOwner(`select extract(epoch from now() -
	    cleaned_at) from change_feed_state`)) < 60);
});
