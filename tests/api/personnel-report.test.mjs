/*
 * Personnel reports and the team proposal (issue 4), on scratch townships
 * whose figures the tests know: headcount by establishment and origin,
 * deployed vs on duty per center and day, deployed days per staff
 * member and the township's balance, the county side by side, what
 * partners see; the proposal's order (skills, then the least deployed
 * over 90 days), its limits (minimums, 100%), its schedule, and that it
 * writes nothing.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
	api, expectFieldError, expectProblem, expectStatus, tokenFor,
} from './lib.mjs';
import {
	COUNTY, campaign, expectBad, minimum, post, staff, township,
} from './personnel-lib.mjs';

const R = '/api/v1/reports/personnel';

/* YYYY-MM-DD of today + n days (UTC+8, the service's day). */
function day(n)
{
	const d = new Date(Date.now() + 8 * 3600000 + n * 86400000);
	return d.toISOString().slice(0, 10);
}

async function reported(t)
{
	const T = await township(t, 2);
	const s1 = await staff(T, 'social_affairs');
	const s2 = await staff(T, 'social_affairs',
	    { establishment: 'contract' });
	const s3 = await staff(T, 'party_mass_service',
	    { establishment: 'public_institution' });
	const c = await campaign(T);
	await post('/api/v1/deployments', { campaign_id: c.id,
	    staff_id: s1.id, from: '2031-03-01', to: '2031-03-04' }, T.tok);
	await post('/api/v1/deployments', { campaign_id: c.id,
	    staff_id: s2.id, from: '2031-03-03', to: '2031-03-04',
	    share_percent: 50 }, T.tok);
	return { T, s1, s2, s3 };
}

test('personnel report: headcount, deployed vs on duty per day, balance',
    async (t) => {
	const { T, s1, s3 } = await reported(t);
	const res = await api('GET', `${R}?township=${T.code}` +
	    '&from=2031-03-01&to=2031-03-05', { token: T.tok });
	expectStatus(res, 200);
	assert.equal(res.json.townships.length, 1);
	const w = res.json.townships[0];
	assert.equal(w.township_code, T.code);
	assert.deepEqual(w.headcount, { total: 3, by_establishment: {
	    civil_servant: 1, contract: 1, public_institution: 1 },
	    by_origin_kind: { county_dispatched: 3 } });
	assert.equal(w.campaigns, 1);
	const sa = w.centers.find((c) => c.kind === 'social_affairs');
	assert.equal(sa.headcount.total, 2);
	assert.deepEqual(sa.days.map((d) => [d.day, d.deployed, d.on_duty]), [
	    ['2031-03-01', 1, 1], ['2031-03-02', 1, 1],
	    ['2031-03-03', 1.5, 0.5], ['2031-03-04', 1.5, 0.5],
	    ['2031-03-05', 0, 2]]);
	assert.ok(sa.days.every((d) => d.below_minimum === false));
	/* Deployed days 4, 2, 0: mean 2, population sd sqrt(8/3). */
	const b = w.balance;
	assert.equal(b.staff, 3);
	assert.equal(b.mean_days, 2);
	assert.equal(b.stddev_days, 1.63);
	assert.equal(b.cv, 0.816);
	assert.deepEqual(b.top, [{ staff_id: s1.id, name: s1.name, days: 4 }]);
	assert.deepEqual(b.bottom, [{ staff_id: s3.id, name: s3.name,
	    days: 0 }]);
	/* A minimum raised later shows the days below it. */
	const r2 = await api('GET', `${R}?township=${T.code}` +
	    '&from=2031-03-05&to=2031-03-05', { token: T.county });
	expectStatus(r2, 200);
	assert.equal(r2.json.townships[0].centers.find((c) =>
	    c.kind === 'social_affairs').days[0].on_duty, 2);
});

test('personnel report: deployed days per staff member', async (t) => {
	const { T, s1, s2, s3 } = await reported(t);
	const res = await api('GET', `${R}/staff?township=${T.code}` +
	    '&from=2031-03-02&to=2031-03-31', { token: T.tok });
	expectStatus(res, 200);
	const w = res.json.townships[0];
	const by = Object.fromEntries(w.staff.map((s) => [s.staff_id,
	    [s.days, s.fte_days]]));
	assert.deepEqual(by, { [s1.id]: [3, 3], [s2.id]: [2, 1],
	    [s3.id]: [0, 0] });
	assert.equal(w.staff[0].staff_id, s1.id, 'most deployed first');
});

test('personnel report: the county side by side; partners aggregates ' +
    'only; foreign and bad parameters', async (t) => {
	const { T } = await reported(t);
	let res = await api('GET', `${R}?from=2031-03-01&to=2031-03-02`,
	    { token: T.county });
	expectStatus(res, 200);
	const codes = res.json.townships.map((w) => w.township_code);
	assert.ok(codes.includes(T.code));
	assert.ok(codes.includes('330599100'), 'demo townships too');
	assert.ok(codes.every((c) => c.startsWith(COUNTY)));
	const p = tokenFor('partner', { county: COUNTY,
	    scope: 'personnel:read', townships: [T.code] });
	res = await api('GET', `${R}?from=2031-03-01&to=2031-03-05`,
	    { token: p });
	expectStatus(res, 200);
	assert.deepEqual(res.json.townships.map((w) => w.township_code),
	    [T.code]);
	assert.deepEqual(res.json.townships[0].balance.top, [{ days: 4 }]);
	assert.ok(!res.text.includes('staff_id'), 'no staff ids for partners');
	res = await api('GET', `${R}?township=330599100&from=2031-03-01` +
	    '&to=2031-03-05', { token: p });
	expectProblem(res, 404, 'not_found');
	res = await api('GET', `${R}/staff?from=2031-03-01&to=2031-03-05`,
	    { token: p });
	expectProblem(res, 403, 'forbidden');
	res = await api('GET', `${R}?from=2031-03-01&to=2031-03-05`,
	    { token: tokenFor('partner', { county: COUNTY,
	    scope: 'coops:read', townships: '*' }) });
	expectProblem(res, 403, 'insufficient_scope');
	res = await api('GET', `${R}?township=330600100&from=2031-03-01` +
	    '&to=2031-03-05', { token: T.county });
	expectProblem(res, 404, 'not_found');
	for (const [q, param, code] of [
	    ['from=2031-03-01', 'to', 'required'],
	    ['to=2031-03-01', 'from', 'required'],
	    ['from=2031-03-05&to=2031-03-01', 'to', 'range'],
	    ['from=2031-01-01&to=2031-06-01', 'to', 'range'],
	    ['from=2031-02-30&to=2031-03-01', 'from', 'format'],
	    ['from=2031-03-01&to=2031-03-02&township=12', 'township', 'format'],
	    ['from=2031-03-01&to=2031-03-02&cursor=abc', 'cursor', 'format'],
	    ['from=2031-03-01&to=2031-03-02&x=1', 'x', 'unknown_parameter']]) {
		res = await api('GET', `${R}?${q}`, { token: T.tok });
		expectFieldError(res, param, code, { kind: 'parameter' });
	}
	res = await api('GET', `${R}/staff?from=2031-01-01&to=2031-12-31`,
	    { token: T.tok });
	expectStatus(res, 200);
	res = await api('GET', `${R}/staff?from=2031-01-01&to=2032-01-02`,
	    { token: T.tok });
	expectFieldError(res, 'to', 'range', { kind: 'parameter' });
});

test('personnel: the team proposal takes matching skills first, then the ' +
    'least deployed, never below a minimum nor over 100%, covers every ' +
    'village, and writes nothing', async (t) => {
	const T = await township(t, 3);
	const A = await staff(T, 'social_affairs', { skills: ['statistics'] });
	const B = await staff(T, 'social_affairs', { skills: ['statistics',
	    'engineering'] });
	const Y = await staff(T, 'social_affairs');
	await minimum(T, 'social_affairs', 1);
	const X = await staff(T, 'construction_development');
	const Z = await staff(T, 'construction_development');
	const Q = await staff(T, 'construction_development');
	/* X was out 10 of the last 90 days; Q is busy in the window. */
	const past = await campaign(T, { starts_on: day(-30),
	    ends_on: day(-1) });
	await post('/api/v1/deployments', { campaign_id: past.id,
	    staff_id: X.id, from: day(-20), to: day(-11) }, T.tok);
	const other = await campaign(T, { title: '别的' });
	await post('/api/v1/deployments', { campaign_id: other.id,
	    staff_id: Q.id, from: '2031-03-02', to: '2031-03-02',
	    share_percent: 10 }, T.tok);
	const c = await campaign(T, { skills_needed: ['statistics'],
	    headcount_needed: 10, starts_on: '2031-03-01',
	    ends_on: '2031-03-03' });
	const P = `/api/v1/campaigns/${c.id}/team-proposal`;
	let res = await api('POST', P, { token: T.tok,
	    body: { headcount: 3, teams: 2 } });
	expectStatus(res, 200);
	const ids = (j) => j.teams.flatMap((x) => x.members).map((m) =>
	    m.staff_id);
	let got = res.json.deployments.map((d) => d.staff_id);
	assert.deepEqual(new Set(got.slice(0, 2)), new Set([A.id, B.id]),
	    'skills first');
	assert.equal(res.json.proposed, 3);
	assert.ok(got.includes(Z.id), 'the least deployed next');
	assert.ok(!got.includes(X.id) && !got.includes(Y.id));
	assert.deepEqual(new Set(ids(res.json)), new Set(got));
	assert.equal(res.json.teams.length, 2);
	assert.ok(res.json.teams.every((x) => x.members[0].role === 'lead'));
	const visited = res.json.teams.flatMap((x) => x.visits);
	assert.deepEqual(visited.map((v) => v.village).sort(), T.villages);
	assert.ok(visited.every((v) => v.from >= '2031-03-01' &&
	    v.to <= '2031-03-03' && v.from <= v.to));
	/* All it can: Y would leave social affairs below 1, Q is busy. */
	res = await api('POST', P, { token: T.tok });
	expectStatus(res, 200);
	got = res.json.deployments.map((d) => d.staff_id);
	assert.equal(res.json.proposed, 4);
	assert.equal(res.json.shortfall, 6);
	assert.equal(got[3], X.id, JSON.stringify(res.json));
	assert.ok(!got.includes(Y.id) && !got.includes(Q.id));
	const list = await api('GET', `/api/v1/deployments?campaign=${c.id}`,
	    { token: T.tok });
	assert.equal(list.json.items.length, 0, 'nothing written');
	/* Applying it: every proposed deployment is accepted. */
	for (const d of res.json.deployments) {
		delete d.team;
		await post('/api/v1/deployments', d, T.tok);
	}
	res = await api('POST', P, { token: T.tok, body: { days: 0,
	    teams: 51, extra: 1 } });
	expectFieldError(res, '/days');
	expectFieldError(res, '/teams');
	expectFieldError(res, '/extra');
	res = await api('POST', P, { token: T.tok,
	    body: { from: '2031-04-01' } });
	expectBad(res, '/from', 'outside_campaign');
	res = await api('POST', P, { token: T.tok, body: { days: 5 } });
	expectBad(res, '/days', 'outside_campaign');
	res = await api('POST', '/api/v1/campaigns/' +
	    '00000000-0000-4000-8000-000000000000/team-proposal',
	    { token: T.tok });
	expectProblem(res, 404, 'not_found');
});
