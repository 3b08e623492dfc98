/*
 * Cooperative deals (issue 6), black-box: no double booking of a machine,
 * even under concurrent requests (the exclusion constraint answers 409
 * overlap to all but one); adjacent periods (`to` inclusive) both fit;
 * cancelling keeps the record and frees the slot; a partner client with
 * bookings:write books as itself; overlapping land transfers are refused,
 * in parallel too; availability leaves out booked machines.
 *
 * Each test works on a machinery cooperative and machine it creates in
 * the demo township T1 (deleted afterwards as the owner), and on demo
 * parcels with terms far in the future (its transfers deleted afterwards),
 * so the demo data other suites count stays as seeded.
 */

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';

import {
	api, dropCooperatives, expectFieldError, expectProblem, expectStatus,
	fixtures, noteSecret, psqlOwner, randomResidentId, randomUscc, tokenFor,
	tokenRequest,
} from './lib.mjs';

const f = fixtures();
const RUN = crypto.randomBytes(3).toString('hex');
const DEMO_CLIENT = '5a1f0000-0000-4000-8000-000000000001';
const DEMO_SECRET = 'xiangzhi-demo-partner-secret';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

noteSecret('client_secret', DEMO_SECRET);

const countyTok = () => tokenFor('county', { county: f.county });
const townshipTok = () => tokenFor('township', { county: f.county,
    township: f.t1 });

let seq = 0;

/* A machinery cooperative of T1 with one machine; dropped after t. */
async function machineFixture(t, { condition = 'good' } = {})
{
	seq++;
	const c = await api('POST', '/api/v1/cooperatives', {
		token: countyTok(), body: {
			township: f.t1, kind: 'machinery',
			name: `预约测试农机合作社${RUN}${seq}`, uscc: randomUscc(),
			legal_representative: '测试法人', founded_on: '2020-01-01',
			registered_capital_fen: 1000000, villages: [f.v1],
		},
	});
	expectStatus(c, 201);
	t.after(() => dropCooperatives(c.json.id));
	const m = await api('POST', `/api/v1/cooperatives/${c.json.id}/machines`,
	    { token: countyTok(), body: { type: 'tractor', model: '东方红-LX904',
	    power_kw: 66.2, plate_or_serial: `T${RUN}${seq}`, condition } });
	expectStatus(m, 201);
	assert.match(m.json.id, UUID);
	return { coop: c.json, machine: m.json };
}

function booking(machineId, from, to, extra = {})
{
	return { machine_id: machineId, booked_by_kind: 'farmer',
	    booked_by: '测试农户', period: { from, to }, price_fen: 50000,
	    ...extra };
}

function book(body, token = townshipTok())
{
	return api('POST', '/api/v1/bookings', { token, body });
}

/* Every available machine of T1 in [from, to] (all pages). */
async function availableIds(from, to)
{
	const ids = new Set();
	let cursor = '';
	for (let i = 0; i < 50; i++) {
		const res = await api('GET', '/api/v1/availability/machines?' +
		    `from=${from}&to=${to}&township=${f.t1}&limit=100` +
		    (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''),
		    { token: countyTok() });
		expectStatus(res, 200);
		assert.ok(Array.isArray(res.json.items), res.text);
		for (const it of res.json.items) {
			assert.equal(it.free, true);
			assert.equal(it.township_code, f.t1);
			assert.notEqual(it.condition, 'out_of_service');
			ids.add(it.id);
		}
		if (!res.json.next_cursor)
			return ids;
		cursor = res.json.next_cursor;
	}
	assert.fail('availability pages do not end');
}

async function partnerToken()
{
	const res = await tokenRequest({ grant_type: 'client_credentials',
	    client_id: DEMO_CLIENT, client_secret: DEMO_SECRET });
	expectStatus(res, 200);
	return res.json.access_token;
}

test('concurrent bookings of one machine for overlapping periods: exactly ' +
    'one wins, the others are 409 overlap', async (t) => {
	const { machine } = await machineFixture(t);
	const n = 16;
	const all = await Promise.all(Array.from({ length: n }, (_, i) =>
	    book(booking(machine.id, `2027-05-${String(1 + (i % 5))
	    .padStart(2, '0')}`, `2027-05-${String(10 + (i % 7))
	    .padStart(2, '0')}`))));
	const won = all.filter((r) => r.status === 201);
	assert.equal(won.length, 1, `one 201: ${all.map((r) => r.status)}`);
	for (const r of all.filter((x) => x.status !== 201))
		expectProblem(r, 409, 'overlap');
	/* Exactly one booked row for the machine. */
	assert.equal(psqlOwner(`select count(*) from bookings where machine_id =
	    '${machine.id}'`), '1');
	const b = won[0].json;
	assert.equal(b.machine_id, machine.id);
	assert.equal(b.labour_team_id, null);
	assert.equal(b.status, 'booked');
	assert.equal(b.township_code, f.t1);
	assert.equal(won[0].headers.get('location'), `/api/v1/bookings/${b.id}`);
});

test('concurrent bookings of the same period: exactly one 201', async (t) => {
	const { machine } = await machineFixture(t);
	const all = await Promise.all(Array.from({ length: 12 }, (_, i) =>
	    book(booking(machine.id, '2027-06-01', '2027-06-03'),
	    i % 2 ? countyTok() : townshipTok())));
	assert.deepEqual(all.map((r) => r.status).sort(),
	    [201, ...Array(11).fill(409)]);
	for (const r of all.filter((x) => x.status === 409))
		expectProblem(r, 409, 'overlap');
});

test('adjacent periods (to inclusive) both succeed; one shared day is an ' +
    'overlap', async (t) => {
	const { machine } = await machineFixture(t);
	const a = await book(booking(machine.id, '2027-07-01', '2027-07-10'));
	expectStatus(a, 201);
	assert.deepEqual(a.json.period, { from: '2027-07-01', to: '2027-07-10' });
	const b = await book(booking(machine.id, '2027-07-11', '2027-07-20'));
	expectStatus(b, 201);
	assert.deepEqual(b.json.period, { from: '2027-07-11', to: '2027-07-20' });
	const c = await book(booking(machine.id, '2027-06-25', '2027-07-01'));
	expectProblem(c, 409, 'overlap');
	const d = await book(booking(machine.id, '2027-07-20', '2027-07-20'));
	expectProblem(d, 409, 'overlap');
	const e = await book(booking(machine.id, '2027-07-21', '2027-07-21'));
	expectStatus(e, 201);
	/* The list by machine shows the three, in [from, to] filters too. */
	const l = await api('GET', `/api/v1/bookings?machine=${machine.id}`,
	    { token: countyTok() });
	expectStatus(l, 200);
	assert.equal(l.json.items.length, 3);
	const w = await api('GET', `/api/v1/bookings?machine=${machine.id}` +
	    '&from=2027-07-10&to=2027-07-11', { token: countyTok() });
	expectStatus(w, 200);
	assert.deepEqual(w.json.items.map((x) => x.id).sort(),
	    [a.json.id, b.json.id].sort());
});

test('cancel keeps the record (status cancelled) and frees the slot; ' +
    'cancelling again is 409', async (t) => {
	const { machine } = await machineFixture(t);
	const a = await book(booking(machine.id, '2027-08-01', '2027-08-05'));
	expectStatus(a, 201);
	const bad = await api('POST', `/api/v1/bookings/${a.json.id}/cancel`,
	    { token: townshipTok(), body: { reason: '' } });
	expectFieldError(bad, '/reason');
	const c = await api('POST', `/api/v1/bookings/${a.json.id}/cancel`,
	    { token: townshipTok(), body: { reason: '农户改期' } });
	expectStatus(c, 200);
	assert.equal(c.json.id, a.json.id);
	assert.equal(c.json.status, 'cancelled');
	assert.equal(c.json.cancel_reason, '农户改期');
	assert.equal(typeof c.json.cancelled_at, 'string');
	const g = await api('GET', `/api/v1/bookings/${a.json.id}`,
	    { token: countyTok() });
	expectStatus(g, 200);
	assert.equal(g.json.status, 'cancelled');
	assert.deepEqual(g.json.period, { from: '2027-08-01', to: '2027-08-05' });
	const again = await api('POST', `/api/v1/bookings/${a.json.id}/cancel`,
	    { token: townshipTok(), body: { reason: '再取消' } });
	expectProblem(again, 409, 'already_cancelled');
	/* The slot is free again: concurrent attempts, one wins. */
	const all = await Promise.all(Array.from({ length: 10 }, () =>
	    book(booking(machine.id, '2027-08-03', '2027-08-04'))));
	assert.equal(all.filter((r) => r.status === 201).length, 1,
	    all.map((r) => r.status).join());
	assert.equal(psqlOwner(`select string_agg(status, ',' order by status)
	    from bookings where machine_id = '${machine.id}'`),
	    'booked,cancelled');
	const l = await api('GET', `/api/v1/bookings?machine=${machine.id}` +
	    '&status=cancelled', { token: countyTok() });
	expectStatus(l, 200);
	assert.deepEqual(l.json.items.map((x) => x.id), [a.json.id]);
});

test('bad booking input names the field', async (t) => {
	const { machine } = await machineFixture(t);
	const cases = [
		[{ period: { from: '2027-09-05', to: '2027-09-01' } }, '/period'],
		[{ period: { from: '2027-01-01', to: '2028-01-02' } }, '/period'],
		[{ period: { from: '2027-02-30', to: '2027-03-01' } }, '/period/from'],
		[{ period: 'x' }, '/period'],
		[{ price_fen: -1 }, '/price_fen'],
		[{ price_fen: 100000000001 }, '/price_fen'],
		[{ price_fen: 1.5 }, '/price_fen'],
		[{ booked_by_kind: 'alien' }, '/booked_by_kind'],
		[{ booked_by: '' }, '/booked_by'],
		[{ booked_by: 'x'.repeat(65) }, '/booked_by'],
		[{ machine_id: 'not-a-uuid' }, '/machine_id'],
		[{ labour_team_id: crypto.randomUUID() }, '/labour_team_id'],
		[{ machine_id: undefined }, '/machine_id'],
	];
	for (const [over, ptr] of cases) {
		const body = booking(machine.id, '2027-09-01', '2027-09-02', over);
		const res = await book(body);
		if (ptr === '/period' && res.status === 400 &&
		    !res.json.errors.some((e) => e.pointer === ptr)) {
			/* A sub-field pointer is fine too. */
			assert.ok(res.json.errors.some((e) =>
			    e.pointer.startsWith('/period')), res.text);
			continue;
		}
		expectFieldError(res, ptr);
	}
	const ghost = await book(booking(crypto.randomUUID(), '2027-09-01',
	    '2027-09-02'));
	expectProblem(ghost, 404, 'not_found');
	assert.equal(psqlOwner(`select count(*) from bookings where machine_id =
	    '${machine.id}'`), '0');
});

test('a machine out of service is not bookable (409 not_bookable)',
    async (t) => {
	const { machine } = await machineFixture(t,
	    { condition: 'out_of_service' });
	const res = await book(booking(machine.id, '2027-10-01', '2027-10-02'));
	expectProblem(res, 409, 'not_bookable');
});

test('a partner with bookings:write books as itself and cancels its own ' +
    'booking', async (t) => {
	const { machine } = await machineFixture(t);
	const tok = await partnerToken();
	const a = await book({ machine_id: machine.id,
	    period: { from: '2027-11-01', to: '2027-11-03' }, price_fen: 9000 },
	    tok);
	expectStatus(a, 201);
	assert.equal(a.json.booked_by_kind, 'partner');
	assert.equal(a.json.booked_by, DEMO_CLIENT);
	/* It may not book as someone else. */
	const other = await book(booking(machine.id, '2027-11-10',
	    '2027-11-11'), tok);
	expectFieldError(other, '/booked_by_kind');
	/* Overlap applies to partners too. */
	const ov = await book({ machine_id: machine.id,
	    period: { from: '2027-11-03', to: '2027-11-04' }, price_fen: 0 },
	    tok);
	expectProblem(ov, 409, 'overlap');
	const g = await api('GET', `/api/v1/bookings/${a.json.id}`,
	    { token: tok });
	expectStatus(g, 200);
	assert.equal(g.json.booked_by, DEMO_CLIENT);
	/* A partner does not cancel others' bookings. */
	const mine = await book(booking(machine.id, '2027-11-20',
	    '2027-11-21'));
	expectStatus(mine, 201);
	/* Who booked (and who entered it) a partner sees on its own only. */
	const seen = await api('GET', `/api/v1/bookings/${mine.json.id}`,
	    { token: tok });
	expectStatus(seen, 200);
	assert.equal(seen.json.booked_by_kind, 'farmer');
	assert.equal(seen.json.booked_by, null);
	assert.equal(seen.json.created_by, null);
	assert.equal(g.json.created_by, DEMO_CLIENT);
	const list = await api('GET', `/api/v1/bookings?machine=${machine.id}`,
	    { token: tok });
	expectStatus(list, 200);
	assert.deepEqual(Object.fromEntries(list.json.items.map((x) =>
	    [x.id, x.booked_by])), { [a.json.id]: DEMO_CLIENT,
	    [mine.json.id]: null });
	const no = await api('POST', `/api/v1/bookings/${mine.json.id}/cancel`,
	    { token: tok, body: { reason: '不是我的' } });
	assert.ok(no.status === 403 || no.status === 404, no.text);
	expectProblem(no, no.status);
	const c = await api('POST', `/api/v1/bookings/${a.json.id}/cancel`,
	    { token: tok, body: { reason: '平台取消' } });
	expectStatus(c, 200);
	assert.equal(c.json.status, 'cancelled');
	/* A partner token without bookings:write may not book. */
	const ro = tokenFor('partner', { county: f.county, scope: 'coops:read',
	    townships: '*' });
	const r = await book({ machine_id: machine.id,
	    period: { from: '2027-12-01', to: '2027-12-01' }, price_fen: 0 }, ro);
	expectProblem(r, 403, 'insufficient_scope');
	/* Nor may a village user. */
	const v = await book(booking(machine.id, '2027-12-01', '2027-12-01'),
	    tokenFor('village', { county: f.county, township: f.t1,
	    village: f.v1 }));
	expectProblem(v, 403);
	assert.equal(psqlOwner(`select count(*) from bookings where machine_id =
	    '${machine.id}' and period && daterange('2027-12-01', '2027-12-02')`),
	    '0');
});

/*
 * Overlapping inserts into an exclusion constraint could deadlock (one 500
 * seen before the per-machine lock of deals.c): 5 machines, 10 requests
 * each, all at once.
 */
test('concurrent partner bookings: exactly one wins', async (t) => {
	const machines = [];
	for (let k = 0; k < 5; k++)
		machines.push((await machineFixture(t)).machine);
	const tok = await partnerToken();
	const all = await Promise.all(machines.map((machine) =>
	    Promise.all(Array.from({ length: 10 }, (_, i) =>
	    book({ machine_id: machine.id, period: { from: '2028-01-0' +
	    (1 + (i % 3)), to: '2028-01-05' }, price_fen: 100 }, tok)))));
	for (const one of all) {
		assert.equal(one.filter((r) => r.status === 201).length, 1,
		    one.map((r) => r.status).join());
		for (const r of one.filter((x) => x.status !== 201))
			expectProblem(r, 409, 'overlap');
	}
});

test('availability leaves out booked machines and shows them again once ' +
    'the booking is cancelled', async (t) => {
	const { machine } = await machineFixture(t);
	const broken = await machineFixture(t, { condition: 'out_of_service' });
	let ids = await availableIds('2028-03-01', '2028-03-31');
	assert.ok(ids.has(machine.id), 'a free machine is available');
	assert.ok(!ids.has(broken.machine.id), 'out of service is not');
	const a = await book(booking(machine.id, '2028-03-31', '2028-04-02'));
	expectStatus(a, 201);
	ids = await availableIds('2028-03-01', '2028-03-31');
	assert.ok(!ids.has(machine.id), 'a booked machine is not available');
	ids = await availableIds('2028-03-01', '2028-03-30');
	assert.ok(ids.has(machine.id), 'free before its booking');
	ids = await availableIds('2028-04-03', '2028-04-30');
	assert.ok(ids.has(machine.id), 'free after its booking');
	const c = await api('POST', `/api/v1/bookings/${a.json.id}/cancel`,
	    { token: countyTok(), body: { reason: '取消' } });
	expectStatus(c, 200);
	ids = await availableIds('2028-03-01', '2028-03-31');
	assert.ok(ids.has(machine.id), 'free again after the cancellation');
	const bad = await api('GET', '/api/v1/availability/machines?' +
	    'from=2028-01-01&to=2028-06-01', { token: countyTok() });
	expectFieldError(bad, 'to', undefined, { kind: 'parameter' });
	const none = await api('GET', '/api/v1/availability/machines?' +
	    'from=2028-01-01', { token: countyTok() });
	expectFieldError(none, 'to', undefined, { kind: 'parameter' });
});

/* ------------------------------------------------------ land transfers */

/* A demo parcel of T1 (its cooperative active); transfers dropped after t. */
function parcelFixture(t, offset)
{
	const id = psqlOwner(`select p.id from land_parcels p join cooperatives c
	    on c.id = p.cooperative_id where p.township_code = '${f.t1}' and
	    c.status = 'active' order by p.id offset ${offset} limit 1`);
	assert.match(id, UUID);
	t.after(() => psqlOwner(`delete from land_transfers where parcel_id =
	    '${id}' and lessee like '流转测试${RUN}%'`));
	return id;
}

function transfer(parcelId, from, to, n = 0)
{
	return { parcel_id: parcelId, lessee: `流转测试${RUN}-${n}`,
	    term: { from, to }, rent_fen_per_mu_year: 60000 };
}

test('overlapping land transfers of a parcel are refused (409 overlap); ' +
    'adjacent terms fit; cancel frees the term', async (t) => {
	const p = parcelFixture(t, 0);
	const a = await api('POST', '/api/v1/land-transfers', {
	    token: townshipTok(), body: transfer(p, '2081-01-01', '2085-12-31') });
	expectStatus(a, 201);
	assert.equal(a.json.parcel_id, p);
	assert.equal(a.json.status, 'active');
	assert.equal(a.headers.get('location'),
	    `/api/v1/land-transfers/${a.json.id}`);
	const o = await api('POST', '/api/v1/land-transfers', {
	    token: countyTok(), body: transfer(p, '2085-12-31', '2087-01-01', 1) });
	expectProblem(o, 409, 'overlap');
	const b = await api('POST', '/api/v1/land-transfers', {
	    token: countyTok(), body: transfer(p, '2086-01-01', '2087-12-31', 2) });
	expectStatus(b, 201);
	const c = await api('POST', `/api/v1/land-transfers/${a.json.id}/cancel`,
	    { token: countyTok(), body: { reason: '协商解除' } });
	expectStatus(c, 200);
	assert.equal(c.json.status, 'cancelled');
	const g = await api('GET', `/api/v1/land-transfers/${a.json.id}`,
	    { token: countyTok() });
	expectStatus(g, 200);
	assert.equal(g.json.status, 'cancelled');
	const again = await api('POST', '/api/v1/land-transfers', {
	    token: countyTok(), body: transfer(p, '2083-01-01', '2084-12-31', 3) });
	expectStatus(again, 201);
	const bad = await api('POST', '/api/v1/land-transfers', {
	    token: countyTok(), body: transfer(p, '2050-01-01', '2090-01-01', 4) });
	expectFieldError(bad, '/term/to', 'too_long');
});

test('concurrent overlapping land transfers: exactly one wins', async (t) => {
	const p = parcelFixture(t, 1);
	const all = await Promise.all(Array.from({ length: 12 }, (_, i) =>
	    api('POST', '/api/v1/land-transfers', { token: i % 2 ?
	    countyTok() : townshipTok(), body: transfer(p, `${2091 + (i % 3)}` +
	    '-01-01', '2095-12-31', i) })));
	assert.equal(all.filter((r) => r.status === 201).length, 1,
	    all.map((r) => r.status).join());
	for (const r of all.filter((x) => x.status !== 201))
		expectProblem(r, 409, 'overlap');
	assert.equal(psqlOwner(`select count(*) from land_transfers where
	    parcel_id = '${p}' and lessee like '流转测试${RUN}%'`), '1');
});

/* ------------------------------------------- teams, leases, states */

/* A cooperative of T1 of this kind with n members; dropped after t. */
async function coopWithMembers(t, kind, n)
{
	seq++;
	const c = await api('POST', '/api/v1/cooperatives', {
		token: countyTok(), body: {
			township: f.t1, kind, name: `预约测试${kind}${RUN}${seq}`,
			uscc: randomUscc(), legal_representative: '测试法人',
			founded_on: '2020-01-01', villages: [f.v1],
		},
	});
	expectStatus(c, 201);
	t.after(() => dropCooperatives(c.json.id));
	const members = [];
	for (let i = 0; i < n; i++) {
		const m = await api('POST', `/api/v1/cooperatives/${c.json.id}` +
		    '/members', { token: countyTok(), body: { kind: 'person',
		    name: `预约社员${i}`, village: f.v1, joined_on: '2021-01-01',
		    contribution: { kind: 'labour', labour_days: 10 },
		    resident_id: randomResidentId() } });
		expectStatus(m, 201);
		members.push(m.json.id);
	}
	return { coop: c.json, members };
}

test('concurrent bookings of one labour team: exactly one wins; a machine ' +
    'and a team are exclusive in one booking', async (t) => {
	const { coop, members } = await coopWithMembers(t, 'labor', 2);
	const team = await api('POST', `/api/v1/cooperatives/${coop.id}/teams`,
	    { token: countyTok(), body: { name: `测试队${RUN}`,
	    member_ids: members } });
	expectStatus(team, 201);
	const all = await Promise.all(Array.from({ length: 12 }, (_, i) =>
	    book({ labour_team_id: team.json.id, booked_by_kind: 'village',
	    booked_by: '测试村委', period: { from: `2027-04-0${1 + (i % 4)}`,
	    to: '2027-04-08' }, price_fen: 30000 })));
	const won = all.filter((r) => r.status === 201);
	assert.equal(won.length, 1, all.map((r) => r.status).join());
	assert.equal(won[0].json.labour_team_id, team.json.id);
	assert.equal(won[0].json.machine_id, null);
	for (const r of all.filter((x) => x.status !== 201))
		expectProblem(r, 409, 'overlap');
	const both = await book({ labour_team_id: team.json.id,
	    machine_id: crypto.randomUUID(), booked_by_kind: 'village',
	    booked_by: 'x', period: { from: '2027-05-01', to: '2027-05-01' },
	    price_fen: 0 });
	expectFieldError(both, '/labour_team_id', 'exclusive');
});

test('a machine of a suspended cooperative is not bookable', async (t) => {
	const { coop, machine } = await machineFixture(t);
	const g = await api('GET', `/api/v1/cooperatives/${coop.id}`,
	    { token: countyTok() });
	const s = await api('PATCH', `/api/v1/cooperatives/${coop.id}`,
	    { token: countyTok(), headers: { 'if-match': g.headers.get('etag') },
	    body: { status: 'suspended', status_reason: '整改' } });
	expectStatus(s, 200);
	const res = await book(booking(machine.id, '2027-10-01', '2027-10-02'));
	expectProblem(res, 409, 'not_bookable');
	const ids = await availableIds('2027-10-01', '2027-10-02');
	assert.ok(!ids.has(machine.id), 'not available either');
});

test('a partner with bookings:write alone books a machine of its grant, ' +
    'but may not list bookings', async (t) => {
	const { machine } = await machineFixture(t);
	const tok = tokenFor('partner', { county: f.county,
	    scope: 'bookings:write', townships: [f.t1] });
	const a = await book({ machine_id: machine.id,
	    period: { from: '2028-02-01', to: '2028-02-02' }, price_fen: 1 },
	    tok);
	expectStatus(a, 201);
	assert.equal(a.json.booked_by_kind, 'partner');
	const l = await api('GET', '/api/v1/bookings', { token: tok });
	expectProblem(l, 403, 'insufficient_scope');
	/* Outside its grant the machine is not there. */
	const other = tokenFor('partner', { county: f.county,
	    scope: 'bookings:write coops:read', townships: [f.t2] });
	const o = await book({ machine_id: machine.id,
	    period: { from: '2028-02-10', to: '2028-02-11' }, price_fen: 1 },
	    other);
	expectProblem(o, 404, 'not_found');
	const c = await api('POST', `/api/v1/bookings/${a.json.id}/cancel`,
	    { token: other, body: { reason: '越权' } });
	expectProblem(c, 404, 'not_found');
});

test('concurrent overlapping house leases: exactly one wins; the house is ' +
    'in use, idle again once cancelled', async (t) => {
	const { coop, members } = await coopWithMembers(t, 'housing', 1);
	const h = await api('POST', `/api/v1/cooperatives/${coop.id}/houses`,
	    { token: countyTok(), body: { member_id: members[0], village: f.v1,
	    address: `测试村${RUN}号`, floor_area_m2: 120.5,
	    condition: 'good', occupancy: 'idle' } });
	expectStatus(h, 201);
	const all = await Promise.all(Array.from({ length: 10 }, (_, i) =>
	    api('POST', '/api/v1/house-leases', { token: i % 2 ? countyTok() :
	    townshipTok(), body: { house_id: h.json.id, lessee: `租户${i}`,
	    term: { from: `${2027 + (i % 3)}-01-01`, to: '2030-12-31' },
	    rent_fen_per_year: 1200000 } })));
	const won = all.filter((r) => r.status === 201);
	assert.equal(won.length, 1, all.map((r) => `${r.status} ` +
	    `${r.json?.code}`).join());
	for (const r of all.filter((x) => x.status !== 201))
		assert.ok(r.json && ['overlap', 'not_bookable'].includes(
		    r.json.code) && r.status === 409, r.text);
	let g = await api('GET', `/api/v1/houses/${h.json.id}`,
	    { token: countyTok() });
	assert.equal(g.json.occupancy, 'in_use');
	const c = await api('POST', `/api/v1/house-leases/${won[0].json.id}` +
	    '/cancel', { token: countyTok(), body: { reason: '退租' } });
	expectStatus(c, 200);
	assert.equal(c.json.status, 'cancelled');
	g = await api('GET', `/api/v1/houses/${h.json.id}`,
	    { token: countyTok() });
	assert.equal(g.json.occupancy, 'idle');
});
