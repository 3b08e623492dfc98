/*
 * GET /api/v1/dashboard/summary (issue 7): the figures against the data
 * (known values of a county built for this file, and the API's own
 * reports: /funds/county-summary, /reports/personnel,
 * /reports/personnel/staff, /reports/cooperatives), how each figure
 * follows a change made through the API, the ETag (same state, same
 * ETag and 304; any change, a new one), the township slice, partner
 * grants and bad inputs.
 *
 * The county is a funds world (tests/api/funds-lib.mjs: a county of its
 * own with townships T1 and T2), so no other suite's rows show in it.
 */

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';

import {
	FOREIGN, api, dropTownshipCooperatives, expectFieldError,
	expectProblem, expectStatus, psqlOwner, randomResidentId, randomUscc,
	tokenFor,
} from './lib.mjs';
import {
	allocate, commit, createProject, createSource, cty, disburse, dropWorld,
	payBody, runningProject, shanghaiDay, step, twp, world,
} from './funds-lib.mjs';
import { dropPersonnel } from './personnel-lib.mjs';

const RUN = crypto.randomBytes(3).toString('hex');
const TODAY = shanghaiDay(0);
const FROM = shanghaiDay(-10);
const TO = shanghaiDay(19);		/* 30 days */
const RANGE = `from=${FROM}&to=${TO}`;
const SUMMARY = '/api/v1/dashboard/summary';

let W;
const F = {};		/* ids of the fixture */
let n = 0;

async function post(p, body, token, status = 201)
{
	const res = await api('POST', p, { token, body });
	expectStatus(res, status);
	return res.json;
}

async function patch(p, body, token)
{
	const g = await api('GET', p, { token });
	expectStatus(g, 200);
	const res = await api('PATCH', p, { token, body,
	    headers: { 'if-match': g.headers.get('etag') } });
	expectStatus(res, 200);
	return res.json;
}

async function summary(token, query = RANGE, headers = {})
{
	return api('GET', `${SUMMARY}${query ? `?${query}` : ''}`,
	    { token, headers });
}

async function ok(token, query = RANGE)
{
	const res = await summary(token, query);
	expectStatus(res, 200);
	return res;
}

const byCode = (j, code) => j.townships.find((t) => t.code === code);

function coopBody(kind, township, village)
{
	n++;
	return { township, kind, name: `看板测试${kind}${RUN}${n}`,
	    uscc: randomUscc(W.county), legal_representative: '看板',
	    founded_on: '2015-01-01', villages: [village] };
}

function memberBody(village)
{
	n++;
	return { kind: 'person', name: `看板社员${n}`, village,
	    joined_on: '2016-01-01', contribution: { kind: 'money', fen: 100 },
	    resident_id: randomResidentId() };
}

/* A staff member of T1 (center social_affairs). */
async function staff(tok)
{
	n++;
	return (await post('/api/v1/staff', { name: `看板员${n}`,
	    origin_unit_id: F.unit, establishment: 'civil_servant',
	    center_id: F.centers.social_affairs, post: '科员' }, tok)).id;
}

before(async () => {
	W = world();
	const tok1 = twp(W);
	const ctok = cty(W);

	/* Personnel of T1: three staff, two deployed (one today). */
	const c = await api('GET', `/api/v1/centers?township=${W.t1}`,
	    { token: tok1 });
	expectStatus(c, 200);
	F.centers = Object.fromEntries(c.json.items.map((x) =>
	    [x.kind, x.id]));
	F.unit = (await post('/api/v1/origin-units', { name: '看板办',
	    kind: 'internal_office' }, tok1)).id;
	F.s1 = await staff(tok1);
	F.s2 = await staff(tok1);
	F.s3 = await staff(tok1);
	F.campaign = (await post('/api/v1/campaigns', { title: '看板专项',
	    kind: 'inspection', priority: 'normal',
	    starts_on: shanghaiDay(-5), ends_on: shanghaiDay(5),
	    lead_center_id: F.centers.social_affairs, headcount_needed: 2 },
	    tok1)).id;
	/* s1: 4 days at 50% from today; s2: 3 days at 100% up to today. */
	F.d1 = (await post('/api/v1/deployments', { campaign_id: F.campaign,
	    staff_id: F.s1, from: TODAY, to: shanghaiDay(3),
	    share_percent: 50 }, tok1)).id;
	F.d2 = (await post('/api/v1/deployments', { campaign_id: F.campaign,
	    staff_id: F.s2, from: shanghaiDay(-2), to: TODAY }, tok1)).id;

	/* Cooperatives of T1: one of each kind, two machines, a booking. */
	const mc = await post('/api/v1/cooperatives',
	    coopBody('machinery', W.t1, W.v1), ctok);
	F.mcoop = mc.id;
	F.machines = [];
	for (let i = 0; i < 2; i++) {
		n++;
		F.machines.push((await post(`/api/v1/cooperatives/${mc.id}` +
		    '/machines', { type: 'tractor', model: '看板',
		    power_kw: 40, plate_or_serial: `DB${RUN}${n}` }, ctok)).id);
	}
	F.booking = (await post('/api/v1/bookings', {
	    machine_id: F.machines[0], booked_by_kind: 'village',
	    booked_by: '看板村', period: { from: TODAY, to: shanghaiDay(2) },
	    price_fen: 100 }, ctok)).id;
	const fc = await post('/api/v1/cooperatives',
	    coopBody('farmland', W.t1, W.v1), ctok);
	F.fcoop = fc.id;
	F.fmember = (await post(`/api/v1/cooperatives/${fc.id}/members`,
	    memberBody(W.v1), ctok)).id;
	for (const area of [1250, 750]) {
		n++;
		await post(`/api/v1/cooperatives/${fc.id}/parcels`, {
		    member_id: F.fmember, village: W.v1,
		    parcel_code: `${W.v1}98${String(10000 +
		    crypto.randomInt(89999))}`, certificate_no: `DB${RUN}${n}`,
		    area_mu_x100: area, land_use: 'arable' }, ctok);
	}
	const lc = await post('/api/v1/cooperatives',
	    coopBody('labor', W.t1, W.v1), ctok);
	F.lmembers = [];
	for (let i = 0; i < 2; i++)
		F.lmembers.push((await post(`/api/v1/cooperatives/${lc.id}` +
		    '/members', memberBody(W.v1), ctok)).id);
	await post('/api/v1/cooperatives', coopBody('housing', W.t2, W.v2),
	    ctok);

	/* Funds: a running project in T1, a filing awaiting review in T2. */
	F.run = await runningProject(W, { budget: 1000000, alloc: 4000000 });
	F.overdue = await runningProject(W, { budget: 500000, extra: {
	    planned_start: shanghaiDay(-90), planned_end: shanghaiDay(-1) } });
	const maker2 = twp(W, { township: W.t2, sub: `maker2-${RUN}` });
	const checker2 = twp(W, { township: W.t2, sub: `checker2-${RUN}` });
	const s = await createSource(W);
	const a2 = await allocate(W, s, 2000000, { township: W.t2 });
	let p = await createProject(maker2, { budget_fen: 800000 });
	p = await commit(maker2, p, a2, 800000);
	p = await step(maker2, p, 'submit');
	p = await step(checker2, p, 'approve');
	assert.equal(p.status, 'filed');
	F.filed = p.id;
});

after(() => {
	if (!W)
		return;
	for (const t of [W.t1, W.t2]) {
		dropPersonnel(t);
		dropTownshipCooperatives(t);
	}
	dropWorld(W.county);
});

test('dashboard: the county summary has the contract shape and the known figures', async () => {
	const res = await ok(cty(W));
	assert.equal(res.headers.get('cache-control'), 'private, no-cache');
	assert.match(res.headers.get('etag'), /^"[0-9a-f]{24}"$/);
	const j = res.json;
	assert.deepEqual(Object.keys(j).sort(), ['county', 'from', 'to',
	    'today', 'totals', 'township', 'townships'].sort());
	assert.deepEqual(j.county, { code: W.county,
	    name: `资金测试县${W.county}` });
	assert.equal(j.from, FROM);
	assert.equal(j.to, TO);
	assert.equal(j.today, TODAY);
	assert.deepEqual(j.townships.map((t) => t.code), [W.t1, W.t2]);
	const t1 = byCode(j, W.t1);
	assert.equal(t1.name, '资金一镇');
	/* Personnel: 3 active; 0.5 + 1.0 FTE deployed today. */
	assert.deepEqual(t1.personnel, { headcount: 3, deployed_today: 1.5,
	    on_duty_today: 1.5, balance_index: 0.728 });
	/* days 4, 3, 0: mean 7/3, sd 1.6997, cv 0.728 */
	/* Coops: by kind, 2 current members + 1, two parcels, 3 of 60. */
	assert.deepEqual(t1.coops, { by_kind: { labor: 1, machinery: 1,
	    farmland: 1, housing: 0 }, members: 3, pooled_land_mu_x100: 2000,
	    machine_utilisation_pct: 5.0 });
	assert.deepEqual(t1.funds, { allocated_fen: 4000000 + 500000,
	    committed_fen: 1500000, disbursed_fen: 0, utilisation_pct: 0,
	    awaiting_review: 0, awaiting_review_oldest_days: null,
	    overdue_projects: 1 });
	const t2 = byCode(j, W.t2);
	assert.deepEqual(t2.personnel, { headcount: 0, deployed_today: 0,
	    on_duty_today: 0, balance_index: null });
	assert.deepEqual(t2.coops, { by_kind: { labor: 0, machinery: 0,
	    farmland: 0, housing: 1 }, members: 0, pooled_land_mu_x100: 0,
	    machine_utilisation_pct: null });
	assert.deepEqual(t2.funds, { allocated_fen: 2000000,
	    committed_fen: 800000, disbursed_fen: 0, utilisation_pct: 0,
	    awaiting_review: 1, awaiting_review_oldest_days: 0,
	    overdue_projects: 0 });
	/* Totals add up; the index is over all staff of the county. */
	assert.equal(j.totals.funds.allocated_fen, 6500000);
	assert.equal(j.totals.funds.awaiting_review, 1);
	assert.equal(j.totals.funds.awaiting_review_oldest_days, 0);
	assert.equal(j.totals.funds.overdue_projects, 1);
	assert.equal(j.totals.personnel.headcount, 3);
	assert.equal(j.totals.personnel.balance_index, 0.728);
	assert.deepEqual(j.totals.coops.by_kind, { labor: 1, machinery: 1,
	    farmland: 1, housing: 1 });
	assert.equal(j.totals.coops.machine_utilisation_pct, 5.0);
});

test('dashboard: figures equal the API\'s own reports, township by township', async () => {
	const ctok = cty(W);
	const j = (await ok(ctok)).json;
	const funds = await api('GET', '/api/v1/funds/county-summary',
	    { token: ctok });
	expectStatus(funds, 200);
	const coops = await api('GET', `/api/v1/reports/cooperatives?${RANGE}`,
	    { token: ctok });
	expectStatus(coops, 200);
	const staffDays = await api('GET',
	    `/api/v1/reports/personnel/staff?${RANGE}`, { token: ctok });
	expectStatus(staffDays, 200);
	const today = await api('GET',
	    `/api/v1/reports/personnel?from=${TODAY}&to=${TODAY}`,
	    { token: ctok });
	expectStatus(today, 200);
	for (const t of j.townships) {
		const f = funds.json.townships.find((x) =>
		    x.township_code === t.code);
		for (const k of ['allocated_fen', 'committed_fen',
		    'disbursed_fen', 'utilisation_pct', 'overdue_projects'])
			assert.equal(t.funds[k], f[k], `${t.code} funds ${k}`);
		assert.equal(t.funds.awaiting_review, f.awaiting_review.count);
		const c = coops.json.townships.find((x) =>
		    x.township_code === t.code);
		assert.deepEqual(t.coops.by_kind, c.cooperatives.by_kind);
		assert.equal(t.coops.members, c.members);
		assert.equal(t.coops.pooled_land_mu_x100, c.pooled_land_mu_x100);
		const u = c.machine_days.utilisation;
		assert.equal(t.coops.machine_utilisation_pct,
		    u === null ? null : Math.round(u * 1000) / 10);
		const s = staffDays.json.townships.find((x) =>
		    x.township_code === t.code);
		assert.equal(t.personnel.balance_index, s.balance.cv);
		const p = today.json.townships.find((x) =>
		    x.township_code === t.code);
		assert.equal(t.personnel.headcount, p.headcount.total);
		const dep = (p.centers ?? []).reduce((a, x) =>
		    a + x.days[0].deployed, 0);
		assert.equal(t.personnel.deployed_today, dep);
	}
});

test('dashboard: balance index and machine utilisation equal the reports\' over periods of whole and partial months', async () => {
	const ctok = cty(W);
	const y = TODAY.slice(0, 4);
	/* The first of this month + k months, + d days. */
	const m = (k, d = 0) => {
		const t = new Date(`${TODAY.slice(0, 7)}-01T00:00:00Z`);
		t.setUTCMonth(t.getUTCMonth() + k);
		t.setUTCDate(t.getUTCDate() + d);
		return t.toISOString().slice(0, 10);
	};
	for (const q of [`from=${y}-01-01&to=${TODAY}`,
	    /* partial months of more than 15 days at both ends */
	    `from=${m(-1, 1)}&to=${m(2, -2)}`, `from=${m(0, 1)}&to=${m(2, 20)}`,
	    `from=${m(0, 1)}&to=${m(1, -1)}`, `from=${m(0)}&to=${m(1, 3)}`,
	    `from=${shanghaiDay(-100)}&to=${shanghaiDay(40)}`,
	    `from=${shanghaiDay(-2)}&to=${shanghaiDay(-1)}`,
	    `from=${shanghaiDay(-300)}&to=${shanghaiDay(65)}`]) {
		const j = (await ok(ctok, q)).json;
		const s = await api('GET', `/api/v1/reports/personnel/staff?${q}`,
		    { token: ctok });
		expectStatus(s, 200);
		const c = await api('GET', `/api/v1/reports/cooperatives?${q}`,
		    { token: ctok });
		expectStatus(c, 200);
		for (const t of j.townships) {
			assert.equal(t.personnel.balance_index, s.json.townships
			    .find((x) => x.township_code === t.code).balance.cv,
			    `${q} ${t.code}`);
			/*
			 * The report's utilisation is itself rounded (4
			 * places): compare with its exact booked / available.
			 */
			const md = c.json.townships.find((x) =>
			    x.township_code === t.code).machine_days;
			const got = t.coops.machine_utilisation_pct;
			if (md.available === 0) {
				assert.equal(got, null, `${q} ${t.code}`);
			} else {
				const exact = 100 * md.booked / md.available;
				assert.ok(Math.abs(got - exact) <= 0.05 + 1e-9,
				    `${q} ${t.code}: ${got} vs ${exact}`);
			}
		}
		assert.notEqual(byCode(j, W.t1).personnel.balance_index, null,
		    q);
	}
});

test('dashboard: defaults are 1 January .. today', async () => {
	const j = (await ok(cty(W), '')).json;
	assert.equal(j.to, TODAY);
	assert.equal(j.from, `${TODAY.slice(0, 4)}-01-01`);
	const k = (await ok(cty(W), `to=${TODAY.slice(0, 4)}-03-01`)).json;
	assert.equal(k.from, `${TODAY.slice(0, 4)}-01-01`);
});

test('dashboard: a payment raises disbursed by exactly its amount and changes the ETag', async () => {
	const ctok = cty(W);
	const r1 = await ok(ctok);
	const e1 = r1.headers.get('etag');
	/* The same state: the same ETag, and 304 without a body. */
	const r2 = await ok(ctok);
	assert.equal(r2.headers.get('etag'), e1);
	const nm = await summary(ctok, RANGE, { 'if-none-match': e1 });
	assert.equal(nm.status, 304);
	assert.equal(nm.text, '');
	assert.equal(nm.headers.get('etag'), e1);
	assert.equal(nm.headers.get('cache-control'), 'private, no-cache');
	/* As RFC 9110 says: the weak form (a proxy's) and lists match too. */
	for (const inm of [`W/${e1}`, `"x", ${e1}`, `W/"x",W/${e1}`, '*']) {
		const w = await summary(ctok, RANGE, { 'if-none-match': inm });
		assert.equal(w.status, 304, inm);
	}
	for (const inm of ['"x"', `W/"x", ${e1.slice(0, -2)}"`]) {
		const w = await summary(ctok, RANGE, { 'if-none-match': inm });
		assert.equal(w.status, 200, inm);
	}
	/* Another period is another answer. */
	const other = await ok(ctok, `from=${FROM}&to=${shanghaiDay(20)}`);
	assert.notEqual(other.headers.get('etag'), e1);

	const pay = await disburse(F.run.maker, F.run.project,
	    payBody(123456));
	expectStatus(pay, 201);
	const r3 = await ok(ctok);
	const e3 = r3.headers.get('etag');
	assert.notEqual(e3, e1, 'a payment changes the ETag');
	const before1 = byCode(r1.json, W.t1).funds;
	const after1 = byCode(r3.json, W.t1).funds;
	assert.equal(after1.disbursed_fen - before1.disbursed_fen, 123456);
	assert.equal(r3.json.totals.funds.disbursed_fen -
	    r1.json.totals.funds.disbursed_fen, 123456);
	assert.equal(after1.utilisation_pct,
	    Math.round(1000 * after1.disbursed_fen / after1.allocated_fen) /
	    10);
	assert.deepEqual(byCode(r3.json, W.t2), byCode(r1.json, W.t2));
	/* The old ETag is stale: 200 with the new one. */
	const stale = await summary(ctok, RANGE, { 'if-none-match': e1 });
	expectStatus(stale, 200);
	assert.equal(stale.headers.get('etag'), e3);
	assert.deepEqual(stale.json, r3.json);
	const fresh = await summary(ctok, RANGE, { 'if-none-match': e3 });
	assert.equal(fresh.status, 304);
});

test('dashboard: a review takes the filing off awaiting review', async () => {
	const ctok = cty(W);
	const r1 = await ok(ctok);
	await step(ctok, F.filed, 'review', { decision: 'passed' });
	const r2 = await ok(ctok);
	assert.notEqual(r2.headers.get('etag'), r1.headers.get('etag'));
	const t2 = byCode(r2.json, W.t2).funds;
	assert.equal(t2.awaiting_review, 0);
	assert.equal(t2.awaiting_review_oldest_days, null);
	assert.equal(r2.json.totals.funds.awaiting_review, 0);
});

test('dashboard: bookings and machines move machine utilisation', async () => {
	const ctok = cty(W);
	const r1 = await ok(ctok);
	assert.equal(byCode(r1.json, W.t1).coops.machine_utilisation_pct, 5);
	/* Two more days on the second machine: 5 of 60. */
	const b = await post('/api/v1/bookings', { machine_id: F.machines[1],
	    booked_by_kind: 'farmer', booked_by: '看板农户',
	    period: { from: shanghaiDay(4), to: shanghaiDay(5) },
	    price_fen: 100 }, ctok);
	const r2 = await ok(ctok);
	assert.notEqual(r2.headers.get('etag'), r1.headers.get('etag'));
	assert.equal(byCode(r2.json, W.t1).coops.machine_utilisation_pct,
	    8.3);
	/* Only the days inside the period count. */
	const r3 = await ok(ctok, `from=${shanghaiDay(5)}&to=${shanghaiDay(5)}`);
	assert.equal(byCode(r3.json, W.t1).coops.machine_utilisation_pct, 50);
	/* The first machine out of service: 2 booked of 30. */
	await patch(`/api/v1/machines/${F.machines[0]}`,
	    { condition: 'out_of_service' }, ctok);
	const r4 = await ok(ctok);
	assert.equal(byCode(r4.json, W.t1).coops.machine_utilisation_pct,
	    6.7);
	await patch(`/api/v1/machines/${F.machines[0]}`,
	    { condition: 'good' }, ctok);
	/* A cancelled booking no longer counts. */
	expectStatus(await api('POST', `/api/v1/bookings/${b.id}/cancel`,
	    { token: ctok, body: { reason: '看板取消' } }), 200);
	const r5 = await ok(ctok);
	assert.equal(byCode(r5.json, W.t1).coops.machine_utilisation_pct, 5);
	assert.equal(r5.json.totals.coops.machine_utilisation_pct, 5);
});

test('dashboard: members leaving and deployments cancelled are counted off', async () => {
	const ctok = cty(W);
	const tok1 = twp(W);
	const r1 = await ok(ctok);
	await patch(`/api/v1/members/${F.lmembers[1]}`,
	    { left_on: TODAY }, ctok);
	const r2 = await ok(ctok);
	assert.notEqual(r2.headers.get('etag'), r1.headers.get('etag'));
	assert.equal(byCode(r2.json, W.t1).coops.members,
	    byCode(r1.json, W.t1).coops.members - 1);
	expectStatus(await api('POST', `/api/v1/deployments/${F.d1}/cancel`,
	    { token: tok1, body: { reason: '看板取消' } }), 200);
	const r3 = await ok(ctok);
	const p = byCode(r3.json, W.t1).personnel;
	assert.equal(p.deployed_today, 1);
	assert.equal(p.on_duty_today, 2);
	/* days 0, 3, 0: mean 1, sd 1.414 */
	assert.equal(p.balance_index, 1.414);
	/* A staff member on leave leaves the headcount (and the FTE). */
	await patch(`/api/v1/staff/${F.s2}`, { status: 'on_leave' }, tok1);
	const r4 = await ok(ctok);
	assert.deepEqual(byCode(r4.json, W.t1).personnel, { headcount: 2,
	    deployed_today: 0, on_duty_today: 2, balance_index: 1.414 });
	await patch(`/api/v1/staff/${F.s2}`, { status: 'active' }, tok1);
});

test('dashboard: a township user gets its own township only', async () => {
	const tok = twp(W, { township: W.t2 });
	const j = (await ok(tok)).json;
	assert.deepEqual(j.townships.map((t) => t.code), [W.t2]);
	const t2 = byCode(j, W.t2);
	for (const k of ['personnel', 'funds', 'coops'])
		assert.deepEqual(j.totals[k], t2[k], `totals ${k} = T2's`);
	const own = (await ok(tok, `${RANGE}&township=${W.t2}`)).json;
	assert.equal(own.township, W.t2);
	assert.deepEqual(own.townships, j.townships);
	expectProblem(await summary(tok, `township=${W.t1}`), 404,
	    'not_found');
	expectProblem(await summary(tok, `township=${FOREIGN.township}`), 404,
	    'not_found');
	/* The county's drill-down of T2 is the township's view of itself. */
	const drill = (await ok(cty(W), `${RANGE}&township=${W.t2}`)).json;
	assert.deepEqual(drill, own);
	const e1 = (await ok(cty(W), `${RANGE}&township=${W.t2}`)).headers
	    .get('etag');
	assert.notEqual(e1, (await ok(cty(W))).headers.get('etag'));
	expectProblem(await summary(cty(W), `township=${FOREIGN.township}`),
	    404, 'not_found');
});

test('dashboard: partners see the townships they were granted', async () => {
	const all = tokenFor('partner', { county: W.county,
	    scope: 'dashboard:read', townships: '*' });
	const one = tokenFor('partner', { county: W.county,
	    scope: 'dashboard:read', townships: [W.t1] });
	const ja = (await ok(all)).json;
	const jc = (await ok(cty(W))).json;
	assert.deepEqual(ja, jc, 'a partner of the whole county sees it all');
	const j1 = (await ok(one)).json;
	assert.deepEqual(j1.townships.map((t) => t.code), [W.t1]);
	assert.deepEqual(j1.townships[0], byCode(jc, W.t1));
	assert.deepEqual(j1.totals.funds, byCode(jc, W.t1).funds);
	expectProblem(await summary(one, `township=${W.t2}`), 404,
	    'not_found');
	const none = tokenFor('partner', { county: W.county,
	    scope: 'funds:read coops:read personnel:read', townships: '*' });
	expectProblem(await summary(none), 403, 'insufficient_scope');
	const v = tokenFor('village', { county: W.county, township: W.t1,
	    village: W.v1 });
	expectProblem(await summary(v), 403, 'forbidden');
	expectProblem(await summary(undefined), 401);
});

test('dashboard: bad inputs are 400 naming the parameter', async () => {
	const t = cty(W);
	const cases = [
	    ['from=2026-13-01', 'from', 'format'],
	    ['from=20260101', 'from', 'format'],
	    ['to=tomorrow', 'to', 'format'],
	    ['from=2026-02-30&to=2026-03-01', 'from', 'format'],
	    ['from=2026-05-02&to=2026-05-01', 'to', 'range'],
	    [`from=${shanghaiDay(1)}`, 'from', 'range'],
	    ['from=2024-01-01&to=2025-01-01', 'from', 'range'],
	    ['to=2027-01-02&from=2026-01-01', 'from', 'range'],
	    ['township=33059910', 'township', 'format'],
	    ['township=33059910x', 'township', 'format'],
	    ['township=', 'township', 'format'],
	    ['from=2026-01-01&from=2026-01-02', 'from', 'format'],
	    ['limit=5', 'limit', undefined],
	    ['cursor=abc', 'cursor', 'format'],
	    ['year=2026', 'year', 'unknown_parameter'],
	];
	for (const [q, where, code] of cases) {
		const res = await summary(t, q);
		expectFieldError(res, where, code, { kind: 'parameter' });
	}
	/* 366 days, counting both ends, is the most. */
	expectStatus(await summary(t, 'from=2024-01-01&to=2024-12-31'), 200);
	expectStatus(await summary(t, 'from=2025-01-01&to=2026-01-01'), 200);
	expectFieldError(await summary(t, 'from=2024-01-01&to=2025-01-01'),
	    'from', 'range', { kind: 'parameter' });
});
